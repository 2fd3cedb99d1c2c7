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
 *   the value.
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(exec_alerts_same_at_any_speed),
		cmocka_unit_test(exec_alerts_off_without_emit),
		cmocka_unit_test(exec_alerts_thresholds_from_the_scenario),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
