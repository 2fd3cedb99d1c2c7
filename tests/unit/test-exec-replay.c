/*
 * tests/unit/test-exec-replay.c -- replay scenarios (source "lobster"): the
 * seed picks the block's start among evenly spaced times and the window
 * keeps its length; a block worked on the recorded AMZN day fills exactly
 * and the same seed gives the same session; a bad "replay" object is
 * refused naming the key and the value.  Skips (77) when the shared data
 * is absent, after checking that its absence is reported by name.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine/exec/scenario.h"

#define NS 1000000000LL
#define MIN (60 * NS)
#define CLOCK(h, m) (((int64_t)(h) * 60 + (m)) * MIN)

static int data_absent;

static int
load(struct scenario *sc, char *err, size_t n)
{
	setenv("TRANCHE_DATA_DIR", TRANCHE_DATA_DIR, 1);
	return scenario_load(sc, "amzn-replay", NULL, 0, err, n);
}

static void
seed_picks_the_start(void **state)
{
	struct scenario sc;
	struct parent_spec ps;
	char err[600];

	(void)state;
	if (load(&sc, err, sizeof err) != 0) {
		assert_non_null(strstr(err, "replay.message"));
		printf("skip: %s\n", err);
		data_absent = 1;
		return;
	}
	assert_string_equal(sc.source, "lobster");
	scenario_order(&sc, 0, 1, &ps);
	assert_int_equal(ps.start, CLOCK(9, 45));
	assert_int_equal(ps.end - ps.start, 30 * MIN);
	scenario_order(&sc, 0, 20, &ps);
	assert_int_equal(ps.start, CLOCK(15, 15));
	assert_int_equal(ps.end, CLOCK(15, 45));
	scenario_order(&sc, 0, 21, &ps);
	assert_int_equal(ps.start, CLOCK(9, 45));
	scenario_order(&sc, 0, 2, &ps);
	assert_int_equal(ps.start, CLOCK(9, 45) + 330 * MIN / 19);
	/* The VWAP profile follows the window: a later window of the U shape
	 * weighs its buckets differently from the first. */
	{
		struct parent_spec a, b;

		scenario_order(&sc, 0, 1, &a);
		scenario_order(&sc, 0, 20, &b);
		assert_int_equal(a.nprofile, 64);
		assert_int_equal(b.nprofile, 64);
		assert_memory_not_equal(a.profile, b.profile, sizeof a.profile);
	}
	scenario_free(&sc);
}

/* One TWAP session on the recorded day; returns the cash and fills *filled. */
static int64_t
session(const struct scenario *sc, uint64_t seed, int64_t *filled)
{
	struct market *m;
	struct exec *x;
	struct parent_spec ps;
	char err[300];
	int64_t cash, sum = 0;
	struct parent *p;

	scenario_order(sc, 0, seed, &ps);
	strcpy(ps.algo, "twap");
	assert_int_equal(scenario_market_new(sc, seed, &m), 0);
	assert_string_equal(m->sym, "AMZN");
	assert_int_equal(exec_new(&x, m, NULL), 0);
	assert_int_equal(exec_submit(x, &ps, NULL, err, sizeof err), 0);
	exec_tick(x, ps.end + NS);
	p = exec_get(x, 0);
	*filled = p->filled;
	cash = p->cash;
	for (size_t i = 0; i < p->nchildren; i++)
		sum += p->children[i].filled;
	assert_int_equal(sum, p->filled);
	/* Sold near the day's price (about $220), not through the collar. */
	assert_true(p->filled > 0);
	assert_true((double)cash / (double)p->filled * m->tick > 200.0);
	assert_true((double)cash / (double)p->filled * m->tick < 240.0);
	exec_free(x);
	market_free(m);
	return cash;
}

static void
twap_fills_exactly_and_repeats(void **state)
{
	struct scenario sc;
	char err[600];
	int64_t f1, f2, c1, c2;

	(void)state;
	if (data_absent || load(&sc, err, sizeof err) != 0)
		return;
	c1 = session(&sc, 7, &f1);
	c2 = session(&sc, 7, &f2);
	assert_int_equal(f1, 3000);
	assert_int_equal(f1, f2);
	assert_int_equal(c1, c2);
	scenario_free(&sc);
}

static void
bad_replay_is_refused_by_name(void **state)
{
	static const struct {
		const char *replay, *want;
	} cases[] = {
		{ "\"message\": \"lobster/nope.csv\"", "replay.message" },
		{ "\"message\": 5", "replay.message: must be a file name" },
		{ "\"colour\": \"red\"", "replay.colour: unknown key" },
		{ "\"starts\": 2.5", "replay.starts: must be a whole number" },
		{ "\"first_start\": \"25:00:00\"", "replay.first_start \"25:00:00\": must be a time" },
	};
	char dir[] = "/tmp/test-exec-replay-XXXXXX", path[300], err[600];
	struct scenario sc;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/bad.json", dir);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		FILE *f = fopen(path, "w");

		assert_non_null(f);
		fprintf(f, "{\"source\": \"lobster\", \"market\": {\"sym\": \"AMZN\"},"
		    " \"replay\": {%s}, \"orders\": [{\"sym\": \"AMZN\"}]}",
		    cases[i].replay);
		fclose(f);
		err[0] = '\0';
		assert_int_equal(scenario_load(&sc, path, NULL, 0, err, sizeof err),
		    -1);
		if (strstr(err, cases[i].want) == NULL)
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, err, cases[i].want);
	}
	/* A lobster source without its files, and starts on a simulated
	 * market, are refused too. */
	{
		FILE *f = fopen(path, "w");

		assert_non_null(f);
		fputs("{\"source\": \"lobster\", \"orders\": []}", f);
		fclose(f);
		assert_int_equal(scenario_load(&sc, path, NULL, 0, err, sizeof err),
		    -1);
		assert_non_null(strstr(err, "needs replay.message"));
		f = fopen(path, "w");
		assert_non_null(f);
		fputs("{\"replay\": {\"starts\": 3}, \"orders\": [{}]}", f);
		fclose(f);
		assert_int_equal(scenario_load(&sc, path, NULL, 0, err, sizeof err),
		    -1);
		assert_non_null(strstr(err, "replay.starts 3"));
	}
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(seed_picks_the_start),
		cmocka_unit_test(twap_fills_exactly_and_repeats),
		cmocka_unit_test(bad_replay_is_refused_by_name),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	return rc == 0 && data_absent ? 77 : rc;
}
