/*
 * tests/unit/test-cli-leak.c -- leakage measured against matched sessions
 * (backtest_leak_bps, engine/backtest/): it is exactly zero against an
 * identical matched session, it has the sign and size its formula says on
 * a series made by hand, and on a real simulated market it is zero when
 * nothing reads our dark prints and positive when the predator does.
 *
 * The market test is the backtester's method without the exec layer: a
 * market with venues where we rest a dark order whose small fills the
 * predator can read, and its matched session -- the same seed, the same
 * market, without the dark order -- each sampled once a second.  Nothing
 * of ours reaches the lit book, so any difference between the two mids is
 * what the venue's agents did.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <math.h>

#include "engine/backtest/backtest.h"
#include "engine/market/market.h"
#include "engine/market/venue.h"

#define NS MARKET_NS_PER_SEC
#define OPEN (34200LL * NS)
#define SECS 3600

/* A session against itself leaks nothing; by hand, a buy after which the
 * mid rose 2 ticks more than in the matched session leaks 2 / mid. */
static void
leak_is_zero_against_an_identical_session_and_signed_by_hand(void **state)
{
	double a[400], b[400];
	int64_t ev[3] = { 10, 50, 390 };
	int side[3] = { 1, -1, 1 }, used = -1;
	double v;

	(void)state;
	for (int i = 0; i < 400; i++)
		a[i] = b[i] = 1000 + 5 * sin(i / 7.0) + i * 0.01;
	v = backtest_leak_bps(a, a, 400, ev, side, 3, 30, &used);
	assert_int_equal(used, 2); /* the third has no mid 30 s after */
	assert_true(v == 0.0);
	/* After the buy at 10 the mid runs 2 ticks further up than in the
	 * matched session; after the sell at 50 it runs 1 tick further down. */
	for (int i = 11; i < 400; i++)
		a[i] += 2;
	for (int i = 51; i < 400; i++)
		a[i] -= 1;
	v = backtest_leak_bps(a, b, 400, ev, side, 2, 30, &used);
	assert_int_equal(used, 2);
	assert_float_equal(v, (2.0 / a[10] * 1e4 + 1.0 / a[50] * 1e4) / 2,
	    1e-9);
	/* No mid (a one-sided book) is no measurement. */
	b[80] = 0;
	ev[0] = 50;
	v = backtest_leak_bps(a, b, 400, ev, side, 1, 30, &used);
	assert_int_equal(used, 0);
	assert_true(isnan(v));
}

/* Our dark fills so far. */
struct rec {
	int n;
};

static void
rec_fill(void *arg, const struct market_fill *f)
{
	struct rec *r = arg;

	if (f->venue == VENUE_DARK)
		r->n++;
}

/* One hour from the open, mids each second into mid[]; with ours, a dark
 * buy of 1,000 (minimum 100) rests from the open until it is done, and
 * ev[] gets the seconds in which it filled.  Small fills of one order are
 * the pattern the predator reads: the fourth within five minutes wakes it
 * (venue_params_default). */
static void
run_hour(uint64_t seed, const struct venue_params *vp, int ours, double *mid,
         int64_t *ev, int *nev, struct venue_stats *st)
{
	struct sim_params p;
	struct market *m;
	struct rec *r = calloc(1, sizeof *r);
	uint64_t id;
	int64_t f;

	sim_params_default(&p);
	assert_int_equal(market_sim_new(&m, &p, seed, OPEN - 300 * NS), 0);
	assert_int_equal(venue_attach(m, vp, seed), 0);
	m->cbs.fill = rec_fill;
	m->cbs.arg = r;
	assert_int_equal(market_advance(m, OPEN), 0);
	if (ours)
		assert_int_equal(venue_dark_submit(m, BOOK_BID, 1000, 100, 0, &id,
		    &f), 0);
	*nev = 0;
	for (int k = 0; k < SECS; k++) {
		int n0 = r->n;

		if (k > 0)
			assert_int_equal(market_advance(m, OPEN + k * NS), 0);
		mid[k] = market_mid(m);
		if (r->n > n0)
			ev[(*nev)++] = k;
	}
	venue_stats_get(m, st);
	market_free(m);
	free(r);
}

/*
 * The predator off, the session with our dark order and its matched
 * session have the same lit mids second for second: leakage 0 exactly.
 * The predator on, the mid runs away from our buys after the dark fills
 * that woke it: leakage positive at +30 s and +5 min, over the fills of
 * 20 seeds.
 */
static void
leak_is_zero_without_the_predator_and_positive_with_it(void **state)
{
	struct venue_params vp;
	struct venue_stats st, stb;
	double *a = calloc(SECS, sizeof *a), *b = calloc(SECS, sizeof *b);
	int64_t *ev = calloc(SECS, sizeof *ev), *eb = calloc(SECS, sizeof *eb);
	int *side = calloc(SECS, sizeof *side);
	int nev, neb, used, n30 = 0, n300 = 0;
	double l30, l300, s30 = 0, s300 = 0;
	int64_t trigs = 0;

	(void)state;
	for (int i = 0; i < SECS; i++)
		side[i] = 1;
	venue_params_default(&vp);
	vp.pred_rate = 0;
	run_hour(21, &vp, 1, a, ev, &nev, &st);
	run_hour(21, &vp, 0, b, eb, &neb, &stb);
	assert_true(nev >= 4);
	assert_int_equal(neb, 0);
	l30 = backtest_leak_bps(a, b, SECS, ev, side, (size_t)nev, 30, &used);
	assert_int_equal(used, nev);
	assert_true(l30 == 0.0);
	l300 = backtest_leak_bps(a, b, SECS, ev, side, (size_t)nev, 300, &used);
	assert_true(l300 == 0.0);

	venue_params_default(&vp);
	for (uint64_t seed = 1; seed <= 20; seed++) {
		run_hour(seed, &vp, 1, a, ev, &nev, &st);
		run_hour(seed, &vp, 0, b, eb, &neb, &stb);
		trigs += st.pred_trigs;
		l30 = backtest_leak_bps(a, b, SECS, ev, side, (size_t)nev, 30, &used);
		if (used > 0) {
			s30 += l30 * used;
			n30 += used;
		}
		l300 = backtest_leak_bps(a, b, SECS, ev, side, (size_t)nev, 300,
		    &used);
		if (used > 0) {
			s300 += l300 * used;
			n300 += used;
		}
	}
	print_message("leak with the predator: %d fills, %lld predator starts, "
	    "%+.2f bps at +30 s, %+.2f bps at +5 min\n", n30, (long long)trigs,
	    s30 / n30, s300 / n300);
	assert_true(trigs >= 10);
	assert_true(s30 / n30 > 0);
	assert_true(s300 / n300 > 0);
	free(a);
	free(b);
	free(ev);
	free(eb);
	free(side);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    leak_is_zero_against_an_identical_session_and_signed_by_hand),
		cmocka_unit_test(
		    leak_is_zero_without_the_predator_and_positive_with_it),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
