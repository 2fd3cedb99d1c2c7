/*
 * engine/model/signal.h -- fast market signals: what the last seconds of a
 * symbol's market say, cheap enough to compute every simulated second for
 * every symbol.  With model.h, nn.h and impact.h, part of the API of
 * engine/model/.
 *
 * The execution layer feeds one struct sig_sample per symbol on a grid of
 * whole simulated seconds (exec-signal.c): the mid, the spread, the top-5
 * depth on each side and the aggressive volume of everyone but the engine
 * since the last sample.  A struct sig_state keeps the last SIG_HIST
 * seconds in rings (the mid, and running sums of others' buying and
 * selling, so a window's flow is two subtractions) and four exponential
 * baselines over SIG_BASE_S seconds: the variance of the one-second mid
 * change, the spread and each side's depth.  Any window up to SIG_HIST - 1
 * seconds is read in O(1): the move as a number of baseline sigmas of that
 * window, the others' signed flow as a share of their volume.
 *
 * Like the alert detector (engine/watch/), a sudden move would inflate its
 * own yardstick, so a change counts in the variance baseline at most
 * SIG_CAP of its own sigmas; unlike the detector, which runs only in a
 * daemon with alerts on and keeps minutes of history for its state
 * machines, this runs wherever an algorithm asks for it (the backtester
 * included) and keeps only what an algorithm reads.  The volatility the
 * market itself keeps (market_sigma(), 5-s steps over 30 minutes) is too
 * slow for seconds and is left to the schedules that plan over hours.
 *
 * Nothing here reads a clock or draws a random number: the same samples
 * give the same signals bit for bit.
 */
#ifndef TRANCHE_MODEL_SIGNAL_H
#define TRANCHE_MODEL_SIGNAL_H

#include <stdint.h>

#include "engine/market/book.h"

/* Seconds of history: the longest window read is SIG_HIST - 1. */
#define SIG_HIST 121
/* The baselines' horizon, seconds (an exponential weight of 1/SIG_BASE_S,
 * a plain mean while there are fewer samples than that). */
#define SIG_BASE_S 600
/* A one-second change counts in the variance at most this many sigmas. */
#define SIG_CAP 5.0
/* Samples before a move is read as anything but 0. */
#define SIG_WARMUP 60

/* One symbol's sample at a whole second. */
struct sig_sample {
	double mid;           /* ticks; <= 0 when a side is empty */
	int64_t spread;       /* ticks; 0 when a side is empty */
	int64_t bid5, ask5;   /* shares in the best five levels of each side */
	int64_t buy, sell;    /* others' aggressive volume since the last
	                         sample (the engine's own crossing excluded) */
};

struct sig_state {
	int64_t n;            /* samples taken */
	int64_t t;            /* the last sample's time, ns */
	double mid[SIG_HIST]; /* ring of mids (the last known when one-sided) */
	int64_t cbuy[SIG_HIST], csell[SIG_HIST]; /* running sums of the flow */
	int64_t buy_total, sell_total;
	double var1;          /* baseline variance of the 1-s mid change */
	double spread_avg, bid5_avg, ask5_avg;
	double last_spread;
	int64_t last_bid5, last_ask5;
};

/* What an algorithm or a policy reads: the standard windows. */
struct sig_view {
	double sigma1;        /* baseline sigma of the 1-s mid change, ticks */
	double move5, move30; /* mid change over 5 s and 30 s in baseline
	                         sigmas of that window (sigma1 sqrt(w)); up
	                         is positive; 0 during the warm-up */
	double flow5, flow30; /* others' (buy - sell) / (buy + sell) over the
	                         window, -1..1; 0 when nobody traded */
	int64_t vol5, vol30;  /* others' aggressive volume in the window */
	double depth_bid, depth_ask; /* top-5 depth / its baseline */
	double spread_rel;    /* spread / its baseline */
};

void sig_init(struct sig_state *s);
/* Symbol's sample at time t (whole seconds, increasing). */
void sig_update(struct sig_state *s, int64_t t, const struct sig_sample *x);
/* Mid change over the last w seconds (1 .. SIG_HIST - 1, clamped) in
 * baseline sigmas of w seconds; 0 during the warm-up or without a
 * baseline. */
double sig_move(const struct sig_state *s, int w);
/* Others' signed aggressive flow over the last w seconds, (buy - sell) /
 * (buy + sell); *vol (may be NULL) their volume. */
double sig_flow(const struct sig_state *s, int w, int64_t *vol);
void sig_read(const struct sig_state *s, struct sig_view *v);

/*
 * The event rule's trigger: a move of at least k baseline sigmas over the
 * last w seconds against a block on side (BOOK_BID buys: a rise is
 * against it; BOOK_ASK sells: a fall), with others' flow over the same
 * window at least flow_min one-sided in the move's direction.  1 when it
 * fires, else 0.  A move with two-sided flow, or one in the block's
 * favour, does not fire.
 */
int sig_adverse_burst(const struct sig_state *s, int side, int w, double k,
                      double flow_min);

#endif
