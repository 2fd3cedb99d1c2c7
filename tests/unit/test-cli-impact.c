/*
 * tests/unit/test-cli-impact.c -- the impact model's data: a session is
 * the same for the same scenario and seed and different for another seed,
 * every child of ours costs at least the half spread (a buy cannot fill
 * below the ask), children are spaced, and a scenario with no book to
 * sweep is refused by name.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine/cli/cli.h"
#include "engine/exec/scenario.h"
#include "engine/model/impact.h"

static void
collect(const struct scenario *sc, uint64_t seed, struct impact_sample **v,
        size_t *n)
{
	size_t cap = 0;
	char err[256];

	*v = NULL;
	*n = 0;
	assert_int_equal(cli_impact_collect(sc, seed, v, n, &cap, err, sizeof err),
	    0);
}

static void
data_is_deterministic_per_seed_and_sane(void **state)
{
	struct scenario sc;
	struct impact_sample *a, *b, *c;
	size_t na, nb, nc;
	char err[512];

	(void)state;
	assert_int_equal(scenario_load(&sc, "calm", NULL, 0, err, sizeof err), 0);
	collect(&sc, 123, &a, &na);
	collect(&sc, 123, &b, &nb);
	collect(&sc, 124, &c, &nc);
	/* 6.5 hours at one child every 6 to 9 minutes. */
	assert_true(na >= 35 && na <= 65);
	assert_int_equal(na, nb);
	assert_memory_equal(a, b, na * sizeof *a);
	assert_true(na != nc || memcmp(a, c, na * sizeof *a) != 0);
	for (size_t i = 0; i < na; i++) {
		assert_true(a[i].y_bps >= a[i].c.half_spread_bps - 1e-9);
		assert_true(a[i].c.qty >= 100);
		assert_true(a[i].y_logvol > 0 && isfinite(a[i].y_logvol));
		if (i > 0)
			assert_true(a[i].c.x[IMPACT_TIME] - a[i - 1].c.x[IMPACT_TIME] >=
			    0.1 - 1e-9);
	}
	free(a);
	free(b);
	free(c);
	scenario_free(&sc);
}

static void
a_market_with_no_book_is_refused(void **state)
{
	struct scenario sc;
	struct impact_sample *v = NULL;
	size_t n = 0, cap = 0;
	char err[512];

	(void)state;
	assert_int_equal(scenario_load(&sc, "ac-world", NULL, 0, err, sizeof err),
	    0);
	assert_int_equal(cli_impact_collect(&sc, 1, &v, &n, &cap, err, sizeof err),
	    -1);
	assert_non_null(strstr(err, "ac-world"));
	assert_non_null(strstr(err, "no order book"));
	assert_int_equal(n, 0);
	free(v);
	scenario_free(&sc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(data_is_deterministic_per_seed_and_sane),
		cmocka_unit_test(a_market_with_no_book_is_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
