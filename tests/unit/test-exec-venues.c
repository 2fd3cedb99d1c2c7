/*
 * tests/unit/test-exec-venues.c -- the router: a block that trades in the
 * dark pool and with dealers as well as in the lit book.
 *
 * What must hold: the fills of every venue add up to the block and never
 * past it, and each fill says its venue; nothing is left resting in a
 * venue when the block ends; the maximum child holds for venue children
 * too; a quote worse than the block allows is refused and fills nothing;
 * the session is the same for the same seed however the clock is chunked
 * (what recovery relies on); and bad venue fields are refused, naming the
 * field and the value.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine/exec/exec.h"
#include "engine/exec/scenario.h"

#define NS 1000000000LL

static void
use_builtin_scenarios(void)
{
	setenv("TRANCHE_SCENARIO_DIR", TRANCHE_SOURCE_DIR "/engine/scenarios", 1);
}

struct rec {
	uint64_t hash;
	int64_t by_venue[VENUE_COUNT];
	int64_t bad_venue, child_over_max, max_child;
	int64_t rfq_accept, rfq_reject, dark_children, rfq_children;
	int64_t venue_stale;  /* dark or rfq children the lit tactic cancelled */
	int64_t dark_kept;    /* decisions that left a dark child resting */
};

static uint64_t
fnv(uint64_t h, const char *s)
{
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static void
rec_emit(void *arg, const char *topic, cJSON *o)
{
	struct rec *r = arg;
	char *txt = cJSON_PrintUnformatted(o);
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "venue");
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, "action");

	r->hash = fnv(fnv(r->hash ? r->hash : 1469598103934665603ULL, topic),
	    txt);
	cJSON_free(txt);
	if (strcmp(topic, "fill") == 0) {
		int k = -1;

		for (int i = 0; i < VENUE_COUNT && cJSON_IsString(v); i++)
			if (strcmp(v->valuestring, venue_name(i)) == 0)
				k = i;
		if (k < 0)
			r->bad_venue++;
		else
			r->by_venue[k] += (int64_t)cJSON_GetObjectItemCaseSensitive(o,
			    "qty")->valuedouble;
	}
	if (strcmp(topic, "child") == 0 && cJSON_IsString(v) &&
	    strcmp(v->valuestring, "lit") != 0 &&
	    cJSON_IsString(cJSON_GetObjectItemCaseSensitive(o, "reason")) &&
	    strncmp(cJSON_GetObjectItemCaseSensitive(o, "reason")->valuestring,
	    "stale", 5) == 0)
		r->venue_stale++;
	if (strcmp(topic, "child") == 0 && cJSON_IsString(v) &&
	    strcmp(cJSON_GetObjectItemCaseSensitive(o, "status")->valuestring,
	    "cancelled") != 0) {
		if (r->max_child > 0 && cJSON_GetObjectItemCaseSensitive(o,
		    "qty")->valuedouble > (double)r->max_child)
			r->child_over_max++;
		if (strcmp(v->valuestring, "dark") == 0)
			r->dark_children++;
		if (strcmp(v->valuestring, "rfq") == 0)
			r->rfq_children++;
	}
	if (strcmp(topic, "decision") == 0 && cJSON_IsString(a)) {
		if (strcmp(a->valuestring, "rfq-accept") == 0)
			r->rfq_accept++;
		if (strcmp(a->valuestring, "rfq-reject") == 0)
			r->rfq_reject++;
	}
}

/* The calm scenario's block over one hour with the given venues; step 0
 * ticks the clock once to the end, else in steps of that many ns. */
static struct exec *
run(struct scenario *sc, struct rec *r, const char *venues, double rfq_bps,
    int64_t max_child, int64_t step, uint32_t *idp)
{
	struct exec_emit e = { rec_emit, r };
	struct parent_spec ps;
	/* A NULL record runs as the backtester does: no emit callback, so the
	 * clock does not stop on the one-second grid of mid samples. */
	struct rec dummy;
	int quiet = r == NULL;

	if (quiet)
		r = &dummy;
	struct exec *x;
	char err[300];
	uint32_t id;

	memset(r, 0, sizeof *r);
	r->max_child = max_child;
	assert_int_equal(scenario_exec_new(sc, 3, 1, quiet ? NULL : &e, &x, err,
	    sizeof err), 0);
	scenario_order(sc, 0, 3, &ps);
	ps.end = ps.start + 3600 * NS;
	assert_int_equal(venue_set_parse(venues, &ps.venues, err, sizeof err), 0);
	ps.rfq_max_bps = rfq_bps;
	ps.qty = 300000;
	if (exec_submit(x, &ps, &id, err, sizeof err) != 0)
		fail_msg("%s", err);
	if (max_child > 0) {
		struct exec_limits l = { .max_child = max_child, .aggression = -1 };

		assert_int_equal(exec_limit(x, id, &l, err, sizeof err), 0);
	}
	if (step <= 0)
		exec_tick(x, ps.end);
	else
		for (int64_t t = exec_now(x); t < ps.end + step; t += step)
			exec_tick(x, t < ps.end ? t : ps.end);
	*idp = id;
	return x;
}

static void
venue_fills_add_up_to_the_block_and_say_their_venue(void **state)
{
	struct scenario sc;
	struct rec r;
	struct exec *x;
	struct parent *p;
	char err[300];
	uint32_t id;
	int64_t sum = 0;

	(void)state;
	use_builtin_scenarios();
	assert_int_equal(scenario_load(&sc, "calm", NULL, 0, err, sizeof err), 0);
	x = run(&sc, &r, "lit,dark,rfq", 0, 0, 0, &id);
	p = exec_find(x, id);
	print_message("filled %lld: lit %lld dark %lld rfq %lld, %lld dark and "
	    "%lld rfq children, %lld accepted\n", (long long)p->filled,
	    (long long)p->venue_filled[0], (long long)p->venue_filled[1],
	    (long long)p->venue_filled[2], (long long)r.dark_children,
	    (long long)r.rfq_children, (long long)r.rfq_accept);
	assert_true(EXEC_STATE_FINAL(p->state));
	assert_true(p->filled <= p->spec.qty);
	for (int v = 0; v < VENUE_COUNT; v++) {
		sum += p->venue_filled[v];
		assert_int_equal(r.by_venue[v], p->venue_filled[v]);
	}
	assert_int_equal(sum, p->filled);
	assert_int_equal(r.bad_venue, 0);
	assert_true(p->venue_filled[VENUE_DARK] > 0);
	assert_true(p->venue_filled[VENUE_RFQ] > 0);
	/* The lit tactic's stale-order sweep leaves the router's children
	 * alone: a dark order at the mid is not "off the touch". */
	assert_int_equal(r.venue_stale, 0);
	/* And a dark order rests across decisions instead of being sent
	 * again at each: far fewer dark children than the 60 decisions. */
	assert_true(r.dark_children < 30);
	assert_int_equal(p->venue_working, 0);
	assert_int_equal(p->working, 0);
	for (size_t i = 0; i < p->nchildren; i++)
		assert_false(p->children[i].live);
	scenario_exec_free(x);
	scenario_free(&sc);
}

static void
max_child_holds_for_venue_children(void **state)
{
	struct scenario sc;
	struct rec r;
	struct exec *x;
	char err[300];
	uint32_t id;

	(void)state;
	use_builtin_scenarios();
	assert_int_equal(scenario_load(&sc, "calm", NULL, 0, err, sizeof err), 0);
	x = run(&sc, &r, "lit,dark,rfq", 0, 3000, 0, &id);
	assert_true(r.dark_children > 0);
	assert_true(r.rfq_children > 0);
	assert_int_equal(r.child_over_max, 0);
	scenario_exec_free(x);
	scenario_free(&sc);
}

static void
quotes_worse_than_allowed_fill_nothing(void **state)
{
	struct scenario sc;
	struct rec r;
	struct exec *x;
	char err[300];
	uint32_t id;

	(void)state;
	use_builtin_scenarios();
	assert_int_equal(scenario_load(&sc, "calm", NULL, 0, err, sizeof err), 0);
	x = run(&sc, &r, "lit,rfq", 0.01, 0, 0, &id);
	assert_true(r.rfq_children > 0);
	assert_true(r.rfq_reject > 0);
	assert_int_equal(r.rfq_accept, 0);
	assert_int_equal(exec_find(x, id)->venue_filled[VENUE_RFQ], 0);
	assert_int_equal(exec_find(x, id)->venue_working, 0);
	scenario_exec_free(x);
	scenario_free(&sc);
}

/* Nobody quotes: the block gives the request up at its deadline and
 * trades the shares in the lit book instead of holding them for good. */
static void
a_request_nobody_quotes_gives_its_shares_back(void **state)
{
	struct scenario sc;
	struct rec r;
	struct exec *x;
	struct parent *p;
	char err[300];
	uint32_t id;
	const char *mute[] = {
	    "venues.dealers=[{\"name\":\"MUTE\",\"respond\":0}]" };

	(void)state;
	use_builtin_scenarios();
	assert_int_equal(scenario_load(&sc, "calm", mute, 1, err, sizeof err),
	    0);
	x = run(&sc, &r, "lit,rfq", 0, 0, 0, &id);
	p = exec_find(x, id);
	assert_true(r.rfq_reject >= 4);
	assert_int_equal(r.rfq_accept, 0);
	assert_int_equal(p->venue_working, 0);
	assert_int_equal(p->state, PARENT_DONE);
	assert_int_equal(p->filled, p->spec.qty);
	scenario_exec_free(x);
	scenario_free(&sc);
}

/* The daemon's clock moves in small steps, recovery's in long ones: the
 * session must be the same. */
static void
venue_session_is_the_same_however_the_clock_is_chunked(void **state)
{
	struct scenario sc;
	struct rec a, b;
	struct exec *x;
	char err[300];
	uint32_t id;

	(void)state;
	use_builtin_scenarios();
	assert_int_equal(scenario_load(&sc, "calm", NULL, 0, err, sizeof err), 0);
	x = run(&sc, &a, "lit,dark,rfq", 0, 0, 0, &id);
	scenario_exec_free(x);
	x = run(&sc, &b, "lit,dark,rfq", 0, 0, 333333333LL, &id);
	scenario_exec_free(x);
	assert_true(a.rfq_accept > 0);
	assert_true(a.hash == b.hash);

	/* Without an emit callback the clock does not stop every second:
	 * the venues must keep their own grid all the same. */
	struct exec *y;
	struct parent *p, *q;

	x = run(&sc, NULL, "lit,dark,rfq", 0, 0, 0, &id);
	y = run(&sc, NULL, "lit,dark,rfq", 0, 0, 333333333LL, &id);
	p = exec_find(x, id);
	q = exec_find(y, id);
	assert_true(p->venue_filled[VENUE_DARK] > 0);
	assert_int_equal(p->cash, q->cash);
	assert_int_equal(p->filled, q->filled);
	assert_int_equal(p->nchildren, q->nchildren);
	assert_memory_equal(p->venue_filled, q->venue_filled,
	    sizeof p->venue_filled);
	assert_int_equal(exec_market(x)->volume, exec_market(y)->volume);
	scenario_exec_free(x);
	scenario_exec_free(y);
	scenario_free(&sc);
}

static void
bad_venue_fields_are_refused_naming_the_value(void **state)
{
	struct scenario sc, ac;
	struct parent_spec ps;
	struct exec *x, *xa;
	char err[300];
	const char *bad_set[] = { "orders.0.venues=\"lit,pool\"" };

	(void)state;
	use_builtin_scenarios();
	assert_int_equal(scenario_load(&sc, "calm", NULL, 0, err, sizeof err), 0);
	assert_int_equal(scenario_exec_new(&sc, 1, 1, NULL, &x, err, sizeof err),
	    0);
	scenario_order(&sc, 0, 1, &ps);
	ps.venues = VENUE_SET_ALL;
	snprintf(ps.dealers, sizeof ps.dealers, "top:9");
	assert_int_equal(exec_submit(x, &ps, NULL, err, sizeof err), -1);
	assert_non_null(strstr(err, "top:9"));
	snprintf(ps.dealers, sizeof ps.dealers, "best:2");
	assert_int_equal(exec_submit(x, &ps, NULL, err, sizeof err), -1);
	assert_non_null(strstr(err, "best:2"));
	ps.dealers[0] = '\0';
	ps.venues = 0x10;
	assert_int_equal(exec_submit(x, &ps, NULL, err, sizeof err), -1);
	assert_non_null(strstr(err, "venues"));
	ps.venues = VENUE_SET_ALL;
	ps.dark_pct = 150;
	assert_int_equal(exec_submit(x, &ps, NULL, err, sizeof err), -1);
	assert_non_null(strstr(err, "dark_pct 150"));
	assert_int_equal(exec_count(x), 0);
	scenario_exec_free(x);
	scenario_free(&sc);

	/* A scenario's bad venue set names the field and the venue. */
	assert_int_equal(scenario_load(&sc, "calm", bad_set, 1, err, sizeof err),
	    -1);
	assert_non_null(strstr(err, "orders.0.venues"));
	assert_non_null(strstr(err, "\"pool\""));

	/* The formula market has no venues beside it: said so. */
	assert_int_equal(scenario_load(&ac, "ac-world", NULL, 0, err, sizeof err),
	    0);
	assert_int_equal(scenario_exec_new(&ac, 1, 0, NULL, &xa, err, sizeof err),
	    0);
	scenario_order(&ac, 0, 1, &ps);
	ps.venues = VENUE_BIT(VENUE_LIT) | VENUE_BIT(VENUE_DARK);
	assert_int_equal(exec_submit(xa, &ps, NULL, err, sizeof err), -1);
	assert_non_null(strstr(err, "lit,dark"));
	assert_non_null(strstr(err, "no dark pool"));
	scenario_exec_free(xa);
	scenario_free(&ac);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(venue_fills_add_up_to_the_block_and_say_their_venue),
		cmocka_unit_test(max_child_holds_for_venue_children),
		cmocka_unit_test(quotes_worse_than_allowed_fill_nothing),
		cmocka_unit_test(a_request_nobody_quotes_gives_its_shares_back),
		cmocka_unit_test(
		    venue_session_is_the_same_however_the_clock_is_chunked),
		cmocka_unit_test(bad_venue_fields_are_refused_naming_the_value),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
