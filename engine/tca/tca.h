/*
 * engine/tca/tca.h -- transaction cost analysis.  This header is the whole
 * API of engine/tca/.
 *
 * Implementation shortfall is measured against the arrival price (the mid
 * when the block started) and signed so that a positive number is a cost:
 * a sell that averaged below arrival, or a buy that averaged above it.
 * Money is kept in integer ticks x shares until the last division.
 */
#ifndef TRANCHE_TCA_H
#define TRANCHE_TCA_H

#include <stdint.h>

/* Average price in ticks of `filled` shares that cost `cash` ticks x shares;
 * 0 when nothing is filled. */
double tca_avg_px(int64_t filled, int64_t cash);

/* Shortfall of the filled part in basis points of arrival. */
double tca_is_bps(int side, double arrival, int64_t filled, int64_t cash);

/* Shortfall of the filled part in dollars. */
double tca_is_cash(int side, double arrival, int64_t filled, int64_t cash,
                   double tick);

/*
 * The full analysis of one block.  Prices in ticks, times in ns, money out
 * in dollars.  With s = +1 for a buy and -1 for a sell, and every cost
 * positive:
 *
 *   spread     each fill's half spread at the time its child was sent,
 *              paid by crossing children, earned (negative) by resting ones;
 *   temporary  s (px - mid when sent) q, less the spread: what the child's
 *              own trading cost beyond the spread;
 *   timing     s (mid when sent - arrival) q: how the mid had moved by then,
 *              our permanent impact and the market's drift together;
 *   opportunity s (end mid - arrival) times what stayed unfilled.
 *
 * The four add up to the shortfall of the whole quantity (filled at its
 * prices, unfilled at the end mid).
 */
struct tca_fill {
	int64_t t, px, qty;
	double mid;         /* mid when its child was sent, ticks */
	double half_spread; /* half the spread then, ticks */
	int passive;
};

struct tca_input {
	int side;
	int64_t qty;
	double arrival, end_mid, tick;
	int64_t start, end;
	const struct tca_fill *fills;
	size_t nfills;
	/* The market: mid samples and prints, in time order. */
	const int64_t *mid_t;
	const double *mid;
	size_t nmid;
	const int64_t *tr_t, *tr_px, *tr_qty;
	size_t ntr;
	/* Markouts look no later than this (0: no bound).  A journal's
	 * report sets the block's end: what the journal holds after it
	 * depends on when the engine happened to stop, and a report of one
	 * seed must not. */
	int64_t markout_until;
	/* Our shares filled off the lit tape (dark pool, dealers): the
	 * window's volume counts them beside the prints, as a backtest's
	 * participation does (found by a review: 27.6% here against 21.6%
	 * there for one session). */
	int64_t off_tape;
};

struct tca_report {
	int64_t filled, passive_filled;
	double avg_px;          /* ticks */
	double is_usd, is_bps;  /* whole quantity, opportunity included */
	double spread_usd, temp_usd, timing_usd, opp_usd;
	double vwap, twap_mid;  /* interval benchmarks, ticks */
	double vs_vwap_bps, vs_twap_bps; /* cost against them, positive worse */
	double participation;   /* our share of the window's volume, % */
	double passive_share;   /* % of filled */
	double markout1_bps, markout5_bps; /* s (mid(t+dt) - px) / px, fill
	                                      weighted, t+dt at most
	                                      markout_until; positive: the mid
	                                      moved on the way we traded */
};

int tca_analyse(const struct tca_input *in, struct tca_report *out);

/*
 * The shortfall and its four parts kept as fills arrive, for a block still
 * working: the engine adds each fill as it happens and reads the parts
 * whenever it publishes the block.  tca_analyse() runs on the same two
 * functions, so the live figures and the report cannot disagree.
 */
struct tca_sums {
	int64_t filled, passive_filled;
	long double cash, spread, temp, timing; /* ticks (x shares) */
};

void tca_sums_add(struct tca_sums *a, int side, double arrival,
                  const struct tca_fill *f);
/* Fill the report's filled, passive_filled, avg_px, is_usd, is_bps and the
 * four parts; the unfilled rest is valued at end_mid (the mid now, while
 * the block works).  -1 when qty or arrival is not positive. */
int tca_sums_report(const struct tca_sums *a, int side, int64_t qty,
                    double arrival, double end_mid, double tick,
                    struct tca_report *r);

#endif
