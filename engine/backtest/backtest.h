/*
 * engine/backtest/backtest.h -- running scenarios flat out, many seeds and
 * algorithms at once; the commands built on it (`tranched backtest`,
 * `tranched impact`) are in engine/cli/.  This header is the whole API of
 * engine/backtest/.
 *
 * A session is one scenario, one seed, every block of the scenario worked
 * by one algorithm, in-process with no emit callback (so no JSON is built)
 * from the open less the warm-up to the last block's end.  Every algorithm
 * runs on the same seeds: common random numbers, so differences between
 * algorithms are measured on the same market paths and their paired
 * differences have far smaller variance than the raw numbers.
 */
#ifndef TRANCHE_BACKTEST_H
#define TRANCHE_BACKTEST_H

#include <stdint.h>

#include "engine/exec/scenario.h"

struct bt_result {
	double is_usd;        /* shortfall in dollars, unfilled valued at the
	                         end mid (opportunity cost); positive is a cost */
	double is_bps;        /* of the arrival value of the whole quantity */
	double completion;    /* filled / quantity */
	double participation; /* our share of all volume in the windows, % */
	double first_slice;   /* shares filled in the first decision interval */
	int64_t refused;      /* children refused by the risk checks */
	/* Venues: shares of the filled quantity by venue (%), what the
	 * predator and dealers traded in the lit book around us (shares),
	 * how often the predator started, and requests asked and won. */
	double venue_pct[VENUE_COUNT];
	double leak_shares;
	int64_t pred_trigs, rfq_asked, rfq_won;
};

/* What a session changes in every block: the algorithm (NULL: each
 * block's own), the venue set (venues 0: each block's own) and the
 * dealers asked (NULL: each block's own). */
struct bt_opts {
	const char *algo;
	unsigned venues;
	const char *dealers;
};
int backtest_session_opts(const struct scenario *sc, const struct bt_opts *o,
                          uint64_t seed, struct bt_result *r, char *err,
                          size_t errlen);

/* Run one session; algo NULL keeps each block's own algorithm.  0, or -1
 * with err saying what was wrong. */
int backtest_session(const struct scenario *sc, const char *algo,
                     uint64_t seed, struct bt_result *r, char *err,
                     size_t errlen);

/* Summary statistics of n values: mean, sample sd, 95% interval of the
 * mean (normal approximation, 1.96 standard errors). */
struct bt_stats {
	int n;
	double mean, sd, lo, hi;
};
void backtest_stats(const double *v, int n, struct bt_stats *s);

#endif
