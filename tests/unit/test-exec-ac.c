/*
 * tests/unit/test-exec-ac.c -- the engine agrees with Almgren and Chriss.
 *
 * In ac-world (engine/market/ac.c) the exec layer's own children trade by
 * the paper's model, so the engine's shortfall must be the paper's: with
 * noise 0, TWAP costs $135,382 and the optimal trajectory for lambda =
 * 3.80882e-6 costs $154,131 with a first slice of 28,057 shares; with the
 * default noise the standard deviations over many seeds are $182,424 and
 * $147,066.  The scenario file is the one `tranched backtest` runs.
 */
#include <math.h>
#include <stdio.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine/exec/exec.h"
#include "engine/exec/scenario.h"
#include "engine/tca/tca.h"

/* One session: shortfall in dollars, and the first slice. */
static double
ac_session(const struct scenario *sc, const char *algo, uint64_t seed,
           int64_t *first)
{
	struct market *m;
	struct exec *x;
	struct parent_spec ps = sc->orders[0];
	struct parent *p;
	char err[256];
	double is;

	assert_int_equal(scenario_market_new(sc, seed, &m), 0);
	assert_int_equal(exec_new(&x, m, NULL), 0);
	snprintf(ps.algo, sizeof ps.algo, "%s", algo);
	assert_int_equal(exec_submit(x, &ps, NULL, err, sizeof err), 0);
	exec_tick(x, ps.end);
	p = exec_get(x, 0);
	assert_int_equal(p->filled, ps.qty);
	assert_int_equal(p->state, PARENT_DONE);
	is = tca_is_cash(ps.side, p->arrival, p->filled, p->cash, m->tick);
	if (first != NULL)
		*first = p->children[0].filled;
	exec_free(x);
	market_free(m);
	return is;
}

static void
noise_zero_gives_the_papers_expected_costs(void **state)
{
	struct scenario sc;
	const char *sets[] = { "noise=0" };
	char err[512];
	int64_t first;
	double twap, ac;

	(void)state;
	assert_int_equal(scenario_load(&sc, "ac-world", sets, 1, err, sizeof err),
	    0);
	assert_string_equal(sc.source, "ac");
	twap = ac_session(&sc, "twap", 1, &first);
	print_message("twap $%.2f first %lld\n", twap, (long long)first);
	assert_true(fabs(twap / 135382.0 - 1) < 0.001);
	ac = ac_session(&sc, "ac", 1, &first);
	print_message("ac $%.2f first %lld\n", ac, (long long)first);
	assert_true(fabs(ac / 154131.0 - 1) < 0.001);
	assert_int_equal(first, 28057);
	/* Noise 0 means the same numbers on every seed. */
	assert_true(fabs(ac_session(&sc, "ac", 99, NULL) - ac) < 1e-6);
	scenario_free(&sc);
}

static void
default_noise_gives_the_papers_standard_deviations(void **state)
{
	struct scenario sc;
	char err[512];
	enum { N = 2000 };
	const char *algos[] = { "twap", "ac" };
	const double want[] = { 182424.0, 147066.0 };

	(void)state;
	assert_int_equal(scenario_load(&sc, "ac-world", NULL, 0, err, sizeof err),
	    0);
	for (int a = 0; a < 2; a++) {
		long double s = 0, ss = 0;

		for (int i = 0; i < N; i++) {
			double v = ac_session(&sc, algos[a], 100001 + (uint64_t)i, NULL);

			s += v;
			ss += (long double)v * v;
		}
		double mean = (double)(s / N);
		double sd = sqrt((double)((ss - s * s / N) / (N - 1)));

		print_message("%s over %d seeds: mean $%.0f sd $%.0f (paper %.0f)\n",
		    algos[a], N, mean, sd, want[a]);
		assert_true(fabs(sd / want[a] - 1) < 0.05);
	}
	scenario_free(&sc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(noise_zero_gives_the_papers_expected_costs),
		cmocka_unit_test(default_noise_gives_the_papers_standard_deviations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
