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

/* The AC world with no noise: the paper's expected costs, to the cent. */
static void
load_noiseless(struct scenario *sc)
{
	const char *sets[] = { "noise=0" };
	char err[512];

	assert_int_equal(scenario_load(sc, "ac-world", sets, 1, err, sizeof err),
	    0);
}

static void
noise_zero_gives_the_papers_expected_costs(void **state)
{
	struct scenario sc;
	int64_t first;
	double twap, ac;

	(void)state;
	load_noiseless(&sc);
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

/* ---- the market itself: the rate a slice is traded at, the mid ---- */

static void
on_fill(void *arg, const struct market_fill *f)
{
	double *cash = arg;

	*cash += (double)f->px * (double)f->qty;
}

/* Sell 500,000 shares at noise 0 in 36 slices of equal size, slice i at
 * open + i * gap_s seconds, each cut into k children spread evenly over
 * spread_s seconds from its start (spread_s 0: all at once; k = 1 and gap
 * tau: the paper's schedule).  Returns the shortfall in dollars; *cross
 * (may be NULL) gets the sum over slices of q_i q_j over each slice's
 * pairs of children i < j, what a burst pays in permanent impact (gamma
 * each) beyond one child of its total. */
static double
sliced_cost(const struct scenario *sc, int k, double gap_s, double spread_s,
            double *cross)
{
	struct market *m;
	double cash = 0, pairs = 0;
	int64_t left = 500000;
	const int slices = 36;

	assert_int_equal(scenario_market_new(sc, 1, &m), 0);
	m->cbs = (struct market_cbs){ .fill = on_fill, .arg = &cash };
	double arrival = market_mid(m);
	for (int i = 0; i < slices; i++) {
		int64_t slice = left / (slices - i), before = 0;
		int64_t t = sc->open + (int64_t)llround(i * gap_s * MARKET_NS_PER_SEC);

		for (int j = 0; j < k; j++) {
			int64_t q = slice / (k - j), filled;
			uint64_t id;

			assert_int_equal(market_advance(m, t + (int64_t)llround(j *
			    spread_s / k * MARKET_NS_PER_SEC)), 0);
			assert_int_equal(market_submit(m, BOOK_ASK, 1, q, BOOK_IOC, &id,
			    &filled), 0);
			assert_int_equal(filled, q);
			pairs += (double)before * (double)q;
			before += q;
			slice -= q;
			left -= q;
		}
	}
	assert_int_equal(left, 0);
	double is = arrival * 500000.0 * m->tick - cash * m->tick;
	market_free(m);
	if (cross != NULL)
		*cross = pairs;
	return is;
}

static void
cutting_a_slice_into_children_pays_for_the_rate(void **state)
{
	struct scenario sc;

	(void)state;
	load_noiseless(&sc);
	double one = sliced_cost(&sc, 1, 300, 0, NULL);
	print_message("36 slices: $%.2f\n", one);
	assert_true(fabs(one / 135382.0 - 1) < 0.001);
	/* Spread evenly over each slice's tau, 10 or 60 children trade at the
	 * same rate and pay the same but for the first tau, before the
	 * history fills.  Priced child by child, as before 2026-12-04, the
	 * 10-child schedule cost $46,163, 66% less. */
	for (int k = 10; k <= 60; k += 50) {
		double cut = sliced_cost(&sc, k, 300, 300, NULL);

		print_message("36 slices of %d children spread: $%.2f (%+.2f%%)\n", k,
		    cut, 100 * (cut / one - 1));
		assert_true(fabs(cut / one - 1) < 0.02);
	}
	/* Sent all at once their temporary impact is one child's of their
	 * total (a hard window let them pay about half: $91,163 for 10); what
	 * they pay beyond it is the permanent impact each child leaves the
	 * next, gamma q_i q_j. */
	for (int k = 2; k <= 60; k += 58) {
		double cross, burst = sliced_cost(&sc, k, 300, 0, &cross);
		double want = one + sc.ac.gamma * cross;

		print_message("36 slices of %d children at once: $%.2f (%+.3f%%; "
		    "one child and gamma q_i q_j: $%.2f)\n", k, burst,
		    100 * (burst / one - 1), want);
		assert_true(fabs(burst / want - 1) < 0.0005);
	}
	scenario_free(&sc);
}

static void
the_charge_is_continuous_in_the_spacing(void **state)
{
	struct scenario sc;

	(void)state;
	load_noiseless(&sc);
	/* Slices 1 s closer or further apart than tau trade at a rate 0.3%
	 * different, and cost about that much more or less (a hard window
	 * charged slices 299 s apart for two: +71%). */
	double at = sliced_cost(&sc, 1, 300, 0, NULL);
	double under = sliced_cost(&sc, 1, 299, 0, NULL);
	double over = sliced_cost(&sc, 1, 301, 0, NULL);

	print_message("slices every 299/300/301 s: $%.2f / $%.2f / $%.2f\n", under,
	    at, over);
	assert_true(under >= at && fabs(under / at - 1) < 0.01);
	assert_true(over <= at && fabs(over / at - 1) < 0.01);
	scenario_free(&sc);
}

static void
a_resting_child_does_not_move_the_mid(void **state)
{
	struct scenario sc;
	struct market *m;
	int64_t bp, bq, filled;
	uint64_t id;

	(void)state;
	load_noiseless(&sc);
	assert_int_equal(scenario_market_new(&sc, 1, &m), 0);
	double mid0 = market_mid(m);
	/* A buy crosses and lifts S; then a sell of ours rests below the new
	 * bid the model would quote, so the synthetic bid stays behind it. */
	assert_int_equal(book_best(m->book, BOOK_BID, &bp, &bq), 0);
	assert_int_equal(market_submit(m, BOOK_BID, 1000000000, 400000,
	    BOOK_IOC, &id, &filled), 0);
	assert_int_equal(filled, 400000);
	assert_int_equal(market_submit(m, BOOK_ASK, bp + 1, 100, BOOK_GTC, &id,
	    &filled), 0);
	assert_int_equal(filled, 0);
	assert_int_equal(market_advance(m, sc.open), 0);
	double book_mid;
	int64_t ap, aq;
	assert_int_equal(book_best(m->book, BOOK_BID, &bp, &bq), 0);
	assert_int_equal(book_best(m->book, BOOK_ASK, &ap, &aq), 0);
	book_mid = (double)(bp + ap) / 2;
	/* S moved gamma * 400,000 = $0.10 up; the book's mid did not. */
	print_message("mid %.0f -> %.0f; the book's %.0f\n", mid0, market_mid(m),
	    book_mid);
	assert_true(fabs(market_mid(m) - mid0 - 0.1 / m->tick) < 2);
	assert_true(book_mid < market_mid(m) - 0.05 / m->tick);
	market_free(m);
	scenario_free(&sc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(noise_zero_gives_the_papers_expected_costs),
		cmocka_unit_test(default_noise_gives_the_papers_standard_deviations),
		cmocka_unit_test(cutting_a_slice_into_children_pays_for_the_rate),
		cmocka_unit_test(the_charge_is_continuous_in_the_spacing),
		cmocka_unit_test(a_resting_child_does_not_move_the_mid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
