/*
 * engine/market/stats.h -- the simulated market's own statistics, set next
 * to the stylised facts of real markets.  Part of engine/market/'s API;
 * market.h has the rest.
 *
 * The market layer cannot read scenario files (they belong to the layer
 * above, with the orders): `tranched stats` (engine/cli/stats.c) loads the
 * scenario and hands its market's parameters down to stats_run.
 */
#ifndef TRANCHE_MARKET_STATS_H
#define TRANCHE_MARKET_STATS_H

#include <stddef.h>
#include <stdio.h>

#include "engine/market/market.h"

/* What one batch of sessions measured (means over seeds where it says). */
struct stats_result {
	int seeds;
	double adv;                /* shares per day */
	double vol_min_mean, vol_min_p10, vol_min_p50, vol_min_p90;
	double first30, mid30, last30; /* share of the day's volume */
	double spread_mean, spread_p10, spread_p50, spread_p90; /* dollars */
	double top_p10, top_p50, top_p90;    /* shares at the best, per side */
	double depth10_mean;       /* shares within 10 ticks of the mid, per side */
	double acf_r[3];           /* 1-min returns at lags 1, 2, 5 minutes */
	double acf_abs[3];         /* |1-min returns| at lags 1, 5, 10 */
	double kurt;               /* excess kurtosis of 1-min returns */
	double sigma_daily;        /* stdev of daily returns implied by 1-min */
	int nmeta;
	double meta_frac[8];       /* metaorder size / ADV */
	double meta_qty[8];
	double meta_peak[8];       /* impact at the end, bps */
	double meta_after[8];      /* 30 minutes later, bps */
	double exponent;           /* fitted: impact ~ (Q/ADV)^exponent */
};

/*
 * Run `seeds` sessions (seeds seed0, seed0+1 ...) of the market p from the
 * open to the close and measure them; with meta set, also trade sell
 * metaorders of several sizes (market orders sliced every 10 seconds at 20%
 * of the average volume) in paired sessions with the same seeds.
 */
int stats_run(const struct sim_params *p, int64_t warmup, int seeds,
              uint64_t seed0, int meta, struct stats_result *out);

/* The table of r beside the stylised facts, for scenario `scenario`. */
void stats_print(FILE *f, const char *scenario, const struct stats_result *r);

#endif
