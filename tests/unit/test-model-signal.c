/*
 * tests/unit/test-model-signal.c -- the fast signals (engine/model/
 * signal.h), fed plain numbers.
 *
 * A market that moves one tick a second either way has a baseline sigma
 * of one tick; a fall of a dozen ticks in five seconds is then a move of
 * more than five sigmas of five seconds.  The event rule's trigger fires
 * on it against a seller when the others' flow is selling, and not when
 * the flow is two-sided, not against a buyer (the fall is in its favour),
 * and not during the warm-up.  A headline's jump does not inflate the
 * baseline past what SIG_CAP allows, and flows over windows are exact
 * sums of what was fed.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "engine/model/signal.h"

#define NS 1000000000LL

/* n seconds of a market that ticks up and down in turn, with two-sided
 * flow of 100 shares each way a second. */
static void
feed_calm(struct sig_state *s, int n, double *mid, int64_t *t)
{
	for (int i = 0; i < n; i++) {
		struct sig_sample x = { .mid = *mid, .spread = 2, .bid5 = 1000,
		    .ask5 = 1000, .buy = 100, .sell = 100 };

		sig_update(s, *t, &x);
		*mid += (i % 2) ? -1 : 1;
		*t += NS;
	}
}

/* A fall of `ticks` over five seconds, with buy and sell volume per
 * second as given. */
static void
feed_fall(struct sig_state *s, double ticks, int64_t buy, int64_t sell,
          double *mid, int64_t *t)
{
	for (int i = 0; i < 5; i++) {
		*mid -= ticks / 5;
		struct sig_sample x = { .mid = *mid, .spread = 2, .bid5 = 1000,
		    .ask5 = 1000, .buy = buy, .sell = sell };

		sig_update(s, *t, &x);
		*t += NS;
	}
}

static void
sig_baseline_is_one_tick(void **state)
{
	struct sig_state s;
	double mid = 10000;
	int64_t t = 0;

	(void)state;
	sig_init(&s);
	feed_calm(&s, 300, &mid, &t);
	struct sig_view v;

	sig_read(&s, &v);
	assert_true(fabs(v.sigma1 - 1.0) < 0.01);
	/* Up and down in turn: no move over an even window. */
	assert_true(fabs(v.move30) < 0.01);
	assert_true(fabs(v.flow30) < 1e-9);
	assert_int_equal(v.vol30, 30 * 200);
	assert_true(fabs(v.spread_rel - 1) < 1e-9);
}

static void
sig_fires_on_one_sided_fall_against_a_seller(void **state)
{
	struct sig_state s;
	double mid = 10000;
	int64_t t = 0;

	(void)state;
	sig_init(&s);
	feed_calm(&s, 300, &mid, &t);
	feed_fall(&s, 12, 20, 400, &mid, &t);
	/* 13 ticks in 5 s (the last calm tick was down) at sigma 1 a
	 * second: 13 / sqrt(5) = 5.8 sigmas, less what the fall adds to the
	 * baseline. */
	assert_true(sig_move(&s, 5) < -4.5);
	assert_true(sig_flow(&s, 5, NULL) < -0.9);
	assert_int_equal(sig_adverse_burst(&s, BOOK_ASK, 5, 3, 0.5), 1);
	/* The same fall is in a buyer's favour. */
	assert_int_equal(sig_adverse_burst(&s, BOOK_BID, 5, 3, 0.5), 0);
	/* A bar higher than the move does not fire. */
	assert_int_equal(sig_adverse_burst(&s, BOOK_ASK, 5, 8, 0.5), 0);
}

static void
sig_quiet_on_two_sided_fall(void **state)
{
	struct sig_state s;
	double mid = 10000;
	int64_t t = 0;

	(void)state;
	sig_init(&s);
	feed_calm(&s, 300, &mid, &t);
	feed_fall(&s, 12, 200, 220, &mid, &t);
	assert_true(sig_move(&s, 5) < -4.5);
	assert_true(fabs(sig_flow(&s, 5, NULL)) < 0.1);
	assert_int_equal(sig_adverse_burst(&s, BOOK_ASK, 5, 3, 0.5), 0);
}

static void
sig_quiet_in_warmup(void **state)
{
	struct sig_state s;
	double mid = 10000;
	int64_t t = 0;

	(void)state;
	sig_init(&s);
	feed_calm(&s, SIG_WARMUP - 10, &mid, &t);
	feed_fall(&s, 40, 0, 500, &mid, &t);
	assert_true(sig_move(&s, 5) == 0);
	assert_int_equal(sig_adverse_burst(&s, BOOK_ASK, 5, 3, 0.5), 0);
}

static void
sig_jump_does_not_swamp_baseline(void **state)
{
	struct sig_state s;
	double mid = 10000;
	int64_t t = 0;

	(void)state;
	sig_init(&s);
	feed_calm(&s, 700, &mid, &t);
	double before = s.var1;
	struct sig_sample x = { .mid = mid - 150, .spread = 2, .bid5 = 1000,
	    .ask5 = 1000 };

	sig_update(&s, t, &x);
	/* Uncapped, 150^2 / 600 would add 37.5 ticks^2; capped, at most
	 * 25 sigma^2 / 600. */
	assert_true(s.var1 <= before * (1 + (SIG_CAP * SIG_CAP) / SIG_BASE_S) +
	    1e-9);
	assert_true(sig_move(&s, 1) < -100);
}

static void
sig_flow_windows_are_exact(void **state)
{
	struct sig_state s;
	int64_t t = 0, vol;

	(void)state;
	sig_init(&s);
	for (int i = 0; i < 200; i++) {
		struct sig_sample x = { .mid = 100, .spread = 1, .buy = i,
		    .sell = 2 * i };

		sig_update(&s, t, &x);
		t += NS;
	}
	/* The last 10 seconds fed buys 190..199 and sells twice that. */
	double f = sig_flow(&s, 10, &vol);

	assert_int_equal(vol, 3 * (190 + 199) * 10 / 2);
	assert_true(fabs(f - (-1.0 / 3.0)) < 1e-12);
	/* A window past the history is clamped to it. */
	sig_flow(&s, 100000, &vol);
	assert_int_equal(vol, 3 * (80 + 199) * 120 / 2);
}

static void
sig_empty_side_keeps_last_mid(void **state)
{
	struct sig_state s;
	double mid = 10000;
	int64_t t = 0;

	(void)state;
	sig_init(&s);
	feed_calm(&s, 300, &mid, &t);
	double v0 = s.var1;
	struct sig_sample x = { .mid = -1 };

	for (int i = 0; i < 5; i++) {
		sig_update(&s, t, &x);
		t += NS;
	}
	/* No jump to nowhere: five unchanged seconds. */
	assert_true(fabs(sig_move(&s, 5)) < 0.5);
	assert_true(s.var1 <= v0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sig_baseline_is_one_tick),
		cmocka_unit_test(sig_fires_on_one_sided_fall_against_a_seller),
		cmocka_unit_test(sig_quiet_on_two_sided_fall),
		cmocka_unit_test(sig_quiet_in_warmup),
		cmocka_unit_test(sig_jump_does_not_swamp_baseline),
		cmocka_unit_test(sig_flow_windows_are_exact),
		cmocka_unit_test(sig_empty_side_keeps_last_mid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
