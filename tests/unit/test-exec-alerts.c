/*
 * tests/unit/test-exec-alerts.c -- the alert detector inside exec:
 *
 * exec_alerts_same_at_any_speed: news-shock seed 3 with its block, ticked
 *   to 10:32 in one call and in uneven steps of 7.3 s (what a daemon at
 *   another --speed, or recovery, does): the same alert events, in the
 *   same order, at the same simulated times, byte for byte; among them the
 *   headline's news alert and a WARN/CRIT market alert after it, naming
 *   block 1;
 * exec_alerts_off_without_emit: with no emit callback (backtests) there is
 *   no detector, and the block trades exactly as before: the same fills
 *   as a run whose exec has one;
 * exec_alerts_thresholds_from_the_scenario: --set alerts.KEY=VALUE works on
 *   a scenario with no "alerts" object; an unknown key, a value out of its
 *   range and a CRIT milder than its WARN are refused naming the key and
 *   the value;
 * exec_alerts_kill_switch_says_nothing_new: the kill switch at 12:10, the
 *   window's end at 12:30 while halted, the release at 12:36: no behind or
 *   ahead alert is raised or escalated in between, and once the block has
 *   ended every block alert has cleared, saying how it ended;
 * exec_alerts_throttle_binds: a person throttles the block to 12% at 10:00:
 *   the behind alert says so and that the cap set at 10:00 binds, never
 *   suggests raising the cap as if nobody had decided, never turns CRIT
 *   by lasting, and clears when the block ends EXPIRED;
 * exec_alerts_overfill_told_once: fills forced past the block's quantity
 *   raise one CRIT "overfill" alert naming the shares, however many follow.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine/exec/scenario.h"

#define NS 1000000000LL

struct rec {
	struct exec *x;
	char *a[512];
	int n;
};

static void
rec_emit(void *arg, const char *topic, cJSON *o)
{
	struct rec *r = arg;
	char *s, *line;

	if (strcmp(topic, "alert") != 0 || r->n == 512)
		return;
	s = cJSON_PrintUnformatted(o);
	assert_non_null(s);
	line = malloc(strlen(s) + 32);
	assert_non_null(line);
	sprintf(line, "%lld %s", (long long)exec_now(r->x), s);
	free(s);
	r->a[r->n++] = line;
}

static void
run(const struct scenario *sc, struct rec *r, int64_t end, int64_t step,
    int64_t *filled)
{
	struct exec_emit e = { rec_emit, r };
	char err[256];
	struct parent_spec ps;

	memset(r, 0, sizeof *r);
	assert_int_equal(scenario_exec_new(sc, 3, 1, &e, &r->x, err,
	    sizeof err), 0);
	scenario_order(sc, 0, 3, &ps);
	assert_int_equal(exec_submit(r->x, &ps, NULL, err, sizeof err), 0);
	if (step == 0)
		exec_tick(r->x, end);
	else {
		int64_t t = exec_now(r->x);

		while (t < end) {
			t = t + step < end ? t + step : end;
			exec_tick(r->x, t);
		}
	}
	*filled = exec_get(r->x, 0)->filled;
	scenario_exec_free(r->x);
}

static void
rec_free(struct rec *r)
{
	for (int i = 0; i < r->n; i++)
		free(r->a[i]);
}

static void
exec_alerts_same_at_any_speed(void **state)
{
	struct scenario sc;
	struct rec a, b;
	char err[512];
	int64_t end = (10LL * 3600 + 32 * 60) * NS, fa, fb;
	int news = -1, market = -1;

	assert_int_equal(scenario_load(&sc, "news-shock", NULL, 0, err,
	    sizeof err), 0);
	run(&sc, &a, end, 0, &fa);
	run(&sc, &b, end, 7300000000LL, &fb);
	assert_int_equal(fa, fb);
	assert_int_equal(a.n, b.n);
	for (int i = 0; i < a.n; i++) {
		assert_string_equal(a.a[i], b.a[i]);
		if (strstr(a.a[i], "\"code\":\"news\"") != NULL && news < 0)
			news = i;
		if (news >= 0 && market < 0 &&
		    strstr(a.a[i], "\"block\"") == NULL &&
		    strstr(a.a[i], "\"code\":\"news\"") == NULL &&
		    (strstr(a.a[i], "\"sev\":\"warn\"") != NULL ||
		    strstr(a.a[i], "\"sev\":\"crit\"") != NULL))
			market = i;
	}
	assert_true(news >= 0);
	assert_true(market > news);
	assert_non_null(strstr(a.a[market], "\"blocks\":[\"1\"]"));
	rec_free(&a);
	rec_free(&b);
	scenario_free(&sc);
}

static void
exec_alerts_off_without_emit(void **state)
{
	struct scenario sc;
	struct exec *x;
	struct rec a;
	struct parent_spec ps;
	char err[512];
	int64_t end = (10LL * 3600 + 32 * 60) * NS, fa;

	assert_int_equal(scenario_load(&sc, "news-shock", NULL, 0, err,
	    sizeof err), 0);
	run(&sc, &a, end, 0, &fa);
	assert_int_equal(scenario_exec_new(&sc, 3, 1, NULL, &x, err,
	    sizeof err), 0);
	scenario_order(&sc, 0, 3, &ps);
	assert_int_equal(exec_submit(x, &ps, NULL, err, sizeof err), 0);
	exec_tick(x, end);
	assert_int_equal(exec_alerts_raised(x, 1), 0);
	assert_int_equal(exec_get(x, 0)->filled, fa);
	scenario_exec_free(x);
	rec_free(&a);
	scenario_free(&sc);
}

/* Start news-shock seed 3 with its block, recording alerts. */
static void
start(struct scenario *sc, struct rec *r)
{
	struct exec_emit e = { rec_emit, r };
	char err[512];
	struct parent_spec ps;

	assert_int_equal(scenario_load(sc, "news-shock", NULL, 0, err,
	    sizeof err), 0);
	memset(r, 0, sizeof *r);
	assert_int_equal(scenario_exec_new(sc, 3, 1, &e, &r->x, err,
	    sizeof err), 0);
	scenario_order(sc, 0, 3, &ps);
	assert_int_equal(exec_submit(r->x, &ps, NULL, err, sizeof err), 0);
}

#define HM(h, m) (((h) * 3600LL + (m) * 60LL) * NS)

/* Alert i: its time and fields. */
static cJSON *
rec_get(const struct rec *r, int i, int64_t *t)
{
	char *end;
	cJSON *o;

	*t = strtoll(r->a[i], &end, 10);
	o = cJSON_Parse(end);
	assert_non_null(o);
	return o;
}

static const char *
field(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : "";
}

/* Every block alert raised has been cleared, saying how the block ended;
 * returns how many were cleared. */
static int
block_alerts_all_cleared(const struct rec *r, const char *ended)
{
	int standing = 0, cleared = 0;

	for (int i = 0; i < r->n; i++) {
		int64_t t;
		cJSON *o = rec_get(r, i, &t);

		if (field(o, "block")[0] != '\0' &&
		    (strcmp(field(o, "code"), "behind") == 0 ||
		    strcmp(field(o, "code"), "ahead") == 0 ||
		    strcmp(field(o, "code"), "cost") == 0)) {
			if (strcmp(field(o, "state"), "raised") == 0)
				standing++;
			else if (strcmp(field(o, "state"), "cleared") == 0) {
				standing--;
				if (strstr(field(o, "text"), ended) != NULL)
					cleared++;
			}
		}
		cJSON_Delete(o);
	}
	for (int i = 0; standing != 0 && i < r->n; i++)
		fprintf(stderr, "%s\n", r->a[i]);
	assert_int_equal(standing, 0);
	return cleared;
}

static void
exec_alerts_kill_switch_says_nothing_new(void **state)
{
	struct scenario sc;
	struct rec r;
	char err[256], ended[64];
	int bad = 0;

	/* The kill switch at 12:10 halts the block; its window ends at 12:30
	 * while halted; the release at 12:36 expires it. */
	start(&sc, &r);
	exec_tick(r.x, HM(12, 10));
	assert_int_equal(exec_kill(r.x, err, sizeof err), 0);
	exec_tick(r.x, HM(12, 36));
	assert_int_equal(exec_release(r.x, err, sizeof err), 0);
	exec_tick(r.x, HM(12, 40));
	assert_true(EXEC_STATE_FINAL(exec_get(r.x, 0)->state));
	for (int i = 0; i < r.n; i++) {
		int64_t t;
		cJSON *o = rec_get(&r, i, &t);

		if (t > HM(12, 10) && t <= HM(12, 36) &&
		    (strcmp(field(o, "code"), "behind") == 0 ||
		    strcmp(field(o, "code"), "ahead") == 0) &&
		    strcmp(field(o, "state"), "cleared") != 0) {
			fprintf(stderr, "while halted: %s\n", r.a[i]);
			bad++;
		}
		cJSON_Delete(o);
	}
	assert_int_equal(bad, 0);
	snprintf(ended, sizeof ended, "block 1 ended %s",
	    exec_state_name(exec_get(r.x, 0)->state));
	block_alerts_all_cleared(&r, ended);
	scenario_exec_free(r.x);
	rec_free(&r);
	scenario_free(&sc);
}

/*
 * The detector watches the market, not our own orders: a minute of our
 * block selling through the bid (manual IOCs, 3,000 shares every 5 s, far
 * beyond the market's own flow) raises no "flow" or "volume" market alert
 * (before: "aggressive selling 98%" and "volume 7.9x" for our own cross).
 */
static void
exec_alerts_our_own_crosses_are_not_the_market(void **state)
{
	struct scenario sc;
	struct rec r;
	char err[256];
	int sent = 0;

	(void)state;
	start(&sc, &r);
	exec_tick(r.x, HM(10, 0));
	for (int k = 0; k < 12; k++) {
		struct parent *p = exec_get(r.x, 0);
		int64_t bp, q;

		assert_int_equal(book_best(p->m->book, BOOK_BID, &bp, &q), 0);
		if (exec_manual_child(r.x, p->id, bp - 5, 3000, 1, err,
		    sizeof err) == 0)
			sent++;
		else
			fprintf(stderr, "manual child refused: %s\n", err);
		exec_tick(r.x, HM(10, 0) + (k + 1) * 5 * NS);
	}
	assert_true(sent >= 6);
	exec_tick(r.x, HM(10, 5));
	for (int i = 0; i < r.n; i++) {
		int64_t t;
		cJSON *o = rec_get(&r, i, &t);

		if (t >= HM(10, 0) && strcmp(field(o, "state"), "raised") == 0 &&
		    (strcmp(field(o, "code"), "flow") == 0 ||
		    strcmp(field(o, "code"), "volume") == 0)) {
			fprintf(stderr, "%s\n", r.a[i]);
			fail_msg("our own crosses raised a market alert");
		}
		cJSON_Delete(o);
	}
	scenario_exec_free(r.x);
	rec_free(&r);
	scenario_free(&sc);
}

static void
exec_alerts_throttle_binds(void **state)
{
	struct scenario sc;
	struct rec r;
	char err[256], ended[64];
	int said = 0;

	/* A person throttles the block to 12% at 10:00 and leaves it. */
	start(&sc, &r);
	exec_tick(r.x, HM(10, 0));
	assert_int_equal(exec_throttle(r.x, exec_get(r.x, 0)->id, 12, err,
	    sizeof err), 0);
	exec_tick(r.x, HM(12, 40));
	assert_int_equal(exec_get(r.x, 0)->state, PARENT_EXPIRED);
	for (int i = 0; i < r.n; i++) {
		int64_t t;
		cJSON *o = rec_get(&r, i, &t);

		if (strcmp(field(o, "code"), "behind") == 0) {
			assert_null(strstr(field(o, "action"), "raising the "
			    "participation cap"));
			assert_null(strstr(field(o, "text"), "lasting"));
			if (strcmp(field(o, "state"), "raised") == 0 &&
			    strstr(field(o, "text"), "while throttled to 12% "
			    "by a person's cap") != NULL &&
			    strcmp(field(o, "action"), "the cap set at 10:00 "
			    "binds; raise it or accept the shortfall") == 0)
				said++;
		}
		cJSON_Delete(o);
	}
	if (said == 0)
		for (int i = 0; i < r.n; i++)
			fprintf(stderr, "%s\n", r.a[i]);
	assert_true(said > 0);
	snprintf(ended, sizeof ended, "block 1 ended EXPIRED");
	assert_true(block_alerts_all_cleared(&r, ended) > 0);
	scenario_exec_free(r.x);
	rec_free(&r);
	scenario_free(&sc);
}

static void
exec_alerts_thresholds_from_the_scenario(void **state)
{
	struct scenario sc;
	char err[512];
	const char *ok[] = { "alerts.move_warn=5", "alerts.move_crit=7" };
	const char *unknown[] = { "alerts.mov_warn=5" };
	const char *range[] = { "alerts.depth_warn=1.5" };
	const char *order[] = { "alerts.vol_crit=2" };

	assert_int_equal(scenario_load(&sc, "calm", ok, 2, err, sizeof err), 0);
	assert_true(sc.alerts.move_warn == 5 && sc.alerts.move_crit == 7);
	assert_true(sc.alerts.spread_warn == 2.5); /* the rest keep defaults */
	scenario_free(&sc);
	assert_int_equal(scenario_load(&sc, "calm", unknown, 1, err,
	    sizeof err), -1);
	assert_non_null(strstr(err, "alerts.mov_warn: unknown"));
	scenario_free(&sc);
	assert_int_equal(scenario_load(&sc, "calm", range, 1, err, sizeof err),
	    -1);
	assert_non_null(strstr(err, "alerts.depth_warn 1.5: must be in [0, 1]"));
	scenario_free(&sc);
	assert_int_equal(scenario_load(&sc, "calm", order, 1, err, sizeof err),
	    -1);
	assert_non_null(strstr(err, "alerts.vol_crit 2: must be at least "
	    "alerts.vol_warn 3"));
	scenario_free(&sc);
}

/*
 * The overfill tripwire: a fill past the block's quantity (never meant to
 * happen; forced here through the market's own fill callback) raises one
 * CRIT "overfill" alert naming the shares, once a block however many
 * fills follow, and the block ends DONE.
 */
static void
exec_alerts_overfill_told_once(void **state)
{
	struct scenario sc;
	struct rec r;
	struct market *m;
	struct parent *p;
	const struct child *c = NULL;
	int told = 0;
	char want[128];
	uint64_t id;
	int64_t px;

	(void)state;
	start(&sc, &r);
	exec_tick(r.x, HM(10, 0));
	p = exec_get(r.x, 0);
	for (size_t i = 0; i < p->nchildren && c == NULL; i++)
		if (p->children[i].live && p->children[i].venue == 0)
			c = &p->children[i];
	if (c == NULL)
		for (int64_t t = HM(10, 0); c == NULL && t < HM(11, 0);
		    t += NS) {
			exec_tick(r.x, t);
			p = exec_get(r.x, 0);
			for (size_t i = 0; i < p->nchildren; i++)
				if (p->children[i].live &&
				    p->children[i].venue == 0)
					c = &p->children[i];
		}
	assert_non_null(c);
	id = c->id;
	px = c->px;
	m = exec_market(r.x);
	for (int k = 0; k < 3; k++) {
		struct market_fill f = { .id = id, .side = p->spec.side,
		    .px = px, .qty = k == 0 ? p->spec.qty - p->filled + 100 :
		    50, .left = 0, .passive = 1, .venue = 0 };

		m->cbs.fill(m->cbs.arg, &f);
	}
	p = exec_get(r.x, 0);
	assert_int_equal(p->filled, p->spec.qty + 200);
	assert_int_equal(p->state, PARENT_DONE);
	snprintf(want, sizeof want, "filled past its quantity: %lld of %lld "
	    "shares", (long long)(p->spec.qty + 100), (long long)p->spec.qty);
	for (int i = 0; i < r.n; i++)
		if (strstr(r.a[i], "\"code\":\"overfill\"") != NULL) {
			told++;
			assert_non_null(strstr(r.a[i], "\"sev\":\"crit\""));
			assert_non_null(strstr(r.a[i], want));
		}
	assert_int_equal(told, 1);
	scenario_exec_free(r.x);
	rec_free(&r);
	scenario_free(&sc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(exec_alerts_same_at_any_speed),
		cmocka_unit_test(exec_alerts_off_without_emit),
		cmocka_unit_test(exec_alerts_thresholds_from_the_scenario),
		cmocka_unit_test(exec_alerts_kill_switch_says_nothing_new),
		cmocka_unit_test(exec_alerts_throttle_binds),
		cmocka_unit_test(exec_alerts_our_own_crosses_are_not_the_market),
		cmocka_unit_test(exec_alerts_overfill_told_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
