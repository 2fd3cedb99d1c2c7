/*
 * tests/unit/test-tca-decompose.c -- the shortfall decomposition adds up,
 * and each part is the one its definition says, on a block small enough to
 * work out by hand.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "engine/market/book.h"
#include "engine/tca/tca.h"

#define NS 1000000000LL

static void
sell_parts_add_up_to_the_shortfall(void **state)
{
	/* Sell 1,000 from arrival 10000 ticks ($100, tick $0.01): 400 crossed
	 * at 9990 when the mid was 9995 and the spread 4 ticks, 300 rested
	 * and filled at 9990 when the mid was 9988 (spread 2); 300 unfilled,
	 * the mid 9980 at the end. */
	struct tca_fill f[] = {
		{ .t = 60 * NS, .px = 9990, .qty = 400, .mid = 9995,
		  .half_spread = 2, .passive = 0 },
		{ .t = 120 * NS, .px = 9990, .qty = 300, .mid = 9988,
		  .half_spread = 1, .passive = 1 },
	};
	int64_t mt[] = { 0, 60 * NS, 120 * NS, 400 * NS };
	double mid[] = { 10000, 9995, 9988, 9980 };
	int64_t tt[] = { 60 * NS, 120 * NS, 130 * NS };
	int64_t tp[] = { 9990, 9990, 9994 };
	int64_t tq[] = { 400, 300, 1100 };
	struct tca_input in = {
		.side = BOOK_ASK, .qty = 1000, .arrival = 10000, .end_mid = 9980,
		.tick = 0.01, .start = 0, .end = 600 * NS, .fills = f, .nfills = 2,
		.mid_t = mt, .mid = mid, .nmid = 4, .tr_t = tt, .tr_px = tp,
		.tr_qty = tq, .ntr = 3,
	};
	struct tca_report r;

	(void)state;
	assert_int_equal(tca_analyse(&in, &r), 0);
	assert_int_equal(r.filled, 700);
	/* Spread: 400 x 2 paid, 300 x 1 earned = 500 ticks x shares = $5. */
	assert_true(fabs(r.spread_usd - 5.0) < 1e-9);
	/* Temporary: sell 400 at 5 below the mid less 2 of spread, and 300
	 * at 2 above it plus 1 earned: (400*3 - 300*1) = 900 -> $9. */
	assert_true(fabs(r.temp_usd - 9.0) < 1e-9);
	/* Timing: 400 x 5 + 300 x 12 = 5600 -> $56. */
	assert_true(fabs(r.timing_usd - 56.0) < 1e-9);
	/* Opportunity: 300 x 20 = $60. */
	assert_true(fabs(r.opp_usd - 60.0) < 1e-9);
	/* They add up to filled-at-price plus unfilled-at-end: 700 x 10 +
	 * 300 x 20 = 13000 -> $130. */
	assert_true(fabs(r.is_usd - 130.0) < 1e-9);
	assert_true(fabs(r.is_bps - 130.0 / 100000.0 * 1e4) < 1e-9);
	assert_true(fabs(r.passive_share - 300.0 / 7) < 1e-9);
	/* VWAP of all prints in the window; participation 700 of 1800. */
	assert_true(fabs(r.vwap - (9990.0 * 700 + 9994.0 * 1100) / 1800) < 1e-9);
	assert_true(fabs(r.participation - 70000.0 / 1800) < 1e-9);
	/* Of which 300 in the dark pool, not on the tape: the window's
	 * volume counts them beside the prints (700 of 1800 + 300; the
	 * tape alone made it 700 of 1800, and could pass 100%). */
	in.off_tape = 300;
	{
		struct tca_report r2;

		assert_int_equal(tca_analyse(&in, &r2), 0);
		assert_true(fabs(r2.participation - 70000.0 / 2100) < 1e-9);
		in.off_tape = 0;
	}
	/* Markout at +5 min, s (mid - px) / px: the first fill sees the mid
	 * 9988 at 6 min, the second 9980 at 7 min; a sell gains when the mid
	 * falls after it. */
	assert_true(fabs(r.markout5_bps - (400 * 2.0 / 9990 + 300 * 10.0 / 9990) /
	    700 * 1e4) < 1e-9);
}

static void
no_fills_is_all_opportunity(void **state)
{
	struct tca_input in = {
		.side = BOOK_BID, .qty = 500, .arrival = 2000, .end_mid = 2010,
		.tick = 0.01, .start = 0, .end = NS,
	};
	struct tca_report r;

	(void)state;
	assert_int_equal(tca_analyse(&in, &r), 0);
	assert_true(fabs(r.opp_usd - 50.0) < 1e-9);
	assert_true(fabs(r.is_usd - 50.0) < 1e-9);
	in.qty = 0;
	assert_int_equal(tca_analyse(&in, &r), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sell_parts_add_up_to_the_shortfall),
		cmocka_unit_test(no_fills_is_all_opportunity),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
