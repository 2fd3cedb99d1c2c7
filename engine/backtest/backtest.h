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

/* Leakage horizons, seconds after a dark fill or a request. */
#define BT_LEAK_NH 2
#define BT_LEAK_H { 30, 300 }

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
	/* The pool's fill rate (dark shares filled of firm dark shares sent,
	 * %; NAN when none was sent) and the firm-up rate of conditionals
	 * (firmed of invited, %; NAN when never invited). */
	double dark_fill_rate, firm_rate;
	/* With bt_opts.leakage, for the dark pool and RFQ: the seconds with
	 * a dark fill or a request of ours (leak_n), and over each of
	 * BT_LEAK_H the lit mid's mean move after them against the matched
	 * session's over the same span, bps signed against us (NAN when
	 * leak_n is 0); see backtest_leak_bps. */
	int leak_n[VENUE_COUNT];
	double leak_bps[VENUE_COUNT][BT_LEAK_NH];
};

/* What a session changes in every block: the algorithm (NULL: each
 * block's own), the venue set (venues 0: each block's own) and the
 * dealers asked (NULL: each block's own). */
struct bt_opts {
	const char *algo;
	unsigned venues;
	const char *dealers;
	/* Venues taken out of every block's set (the matched session), and
	 * 1 to measure leakage against matched sessions. */
	unsigned drop;
	int leakage;
};
int backtest_session_opts(const struct scenario *sc, const struct bt_opts *o,
                          uint64_t seed, struct bt_result *r, char *err,
                          size_t errlen);

/* Run one session; algo NULL keeps each block's own algorithm.  0, or -1
 * with err saying what was wrong. */
int backtest_session(const struct scenario *sc, const char *algo,
                     uint64_t seed, struct bt_result *r, char *err,
                     size_t errlen);

/*
 * Leakage, the arithmetic alone.  a and b are the lit mids of a session
 * and of its matched session (the same seed, market and block without the
 * venue), one a second from the same start, n of each (0: no mid then).
 * For each of the nev events (second index ev[i], side[i] +1 buying, -1
 * selling) whose four mids exist:
 *     side x ((a[e+h] - a[e]) - (b[e+h] - b[e])) / a[e] x 10^4
 * the move after the event less the move the market made without the
 * venue; the mean of these in bps (positive: the price ran away from
 * us), NAN when none could be measured; *used (may be NULL) counts them.
 */
double backtest_leak_bps(const double *a, const double *b, size_t n,
                         const int64_t *ev, const int *side, size_t nev,
                         int h, int *used);

/* Summary statistics of n values: mean, sample sd, 95% interval of the
 * mean (Student's t with n - 1 degrees of freedom; NAN for one value). */
struct bt_stats {
	int n;
	double mean, sd, lo, hi;
};
void backtest_stats(const double *v, int n, struct bt_stats *s);
/* The 97.5% point of Student's t with df degrees of freedom (NAN below 1):
 * backtest_stats' 95% interval is mean +- it x sd / sqrt(n). */
double backtest_t975(int df);

#endif
