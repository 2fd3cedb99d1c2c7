/*
 * tests/bench/bench-news.c -- `tranched bench news`: the calibration of the
 * simulated market's news against the event studies.  For each kind (hard,
 * soft) and sign (good, bad) it runs --seeds sessions with one item of a
 * fixed size at 10:30 and, for each, the same seed without the item; the
 * share of the move absorbed at a horizon is the mean over seeds of the
 * difference of the two mids there divided by the jump.  The fundamental's
 * own path comes from a stream the news does not touch, so the pair differs
 * only by the news and the market's reaction to it, and the noise of the
 * walk cancels instead of swamping the figure.
 *
 * The published figures are what the papers say in words, turned into a
 * band per horizon (tranched(1) and the README quote both):
 *
 *   hard  Chordia, Green & Kottimukkalur (2018, RFS 31(12)): SPY and E-mini
 *         prices respond to macro announcement surprises within 5 ms, mostly
 *         through quote updates -- all of it by +10 s;
 *   soft  Busse & Green (2002, JFE 65): CNBC analyst reports; positive ones
 *         fully incorporated within one minute, negative ones gradually,
 *         over about 15 minutes.
 *
 * The exit status is 1 when any cell is outside its band, so the
 * calibration is a check and not only a table.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/market/market.h"
#include "tests/bench/bench.h"

#define NS MARKET_NS_PER_SEC
#define NH 5

static const double news_h[NH] = { 10, 60, 300, 900, 3600 };
static const char *const news_hname[NH] = { "+10s", "+1m", "+5m", "+15m",
	"+60m" };

/* One row of the table: kind, sign, the published statement and the band
 * each horizon's share must fall in. */
struct news_row {
	int kind, good;
	const char *paper;
	const char *published[NH];
	double lo[NH], hi[NH];
};

static const struct news_row news_rows[] = {
	{ SIM_NEWS_HARD, 1, "CGK 2018",
	  { "100", "100", "100", "100", "100" },
	  { 0.90, 0.90, 0.90, 0.90, 0.90 }, { 1.10, 1.10, 1.10, 1.10, 1.10 } },
	{ SIM_NEWS_HARD, 0, "CGK 2018",
	  { "100", "100", "100", "100", "100" },
	  { 0.90, 0.90, 0.90, 0.90, 0.90 }, { 1.10, 1.10, 1.10, 1.10, 1.10 } },
	{ SIM_NEWS_SOFT, 1, "BG 2002 +",
	  { "part", "100", "100", "100", "100" },
	  { 0.05, 0.85, 0.90, 0.90, 0.90 }, { 0.90, 1.10, 1.10, 1.10, 1.10 } },
	{ SIM_NEWS_SOFT, 0, "BG 2002 -",
	  { "part", "part", "part", "100", "100" },
	  { 0.00, 0.10, 0.30, 0.85, 0.90 }, { 0.35, 0.60, 0.90, 1.10, 1.10 } },
};
#define NROWS (sizeof news_rows / sizeof news_rows[0])

static double
news_mid(const struct market *m)
{
	double mid = market_mid(m);

	return mid > 0 ? mid : (double)m->last_px;
}

/* The mids of one session at the horizons after the item at `at`. */
static int
news_session(const struct sim_params *p, uint64_t seed, int64_t at,
             double *mids)
{
	struct market *m;

	if (market_sim_new(&m, p, seed, at - 1800 * NS) != 0)
		return -1;
	for (int h = 0; h < NH; h++) {
		market_advance(m, at + (int64_t)(news_h[h] * NS));
		mids[h] = news_mid(m);
	}
	market_free(m);
	return 0;
}

static void
news_usage(FILE *f)
{
	fprintf(f, "usage: tranched bench news [options]\n"
	    "  --seeds N   sessions per kind and sign (default 100)\n"
	    "  --size T    the news's jump, ticks (default 100)\n"
	    "  --json      one JSON object per row\n"
	    "  --help      print this help and exit\n"
	    "Share of the move absorbed (percent, mean over seeds, +- one\n"
	    "standard error) beside the published figure; exit 1 when a cell\n"
	    "is outside its band.\n");
}

int
bench_news_main(int argc, char **argv)
{
	long seeds = 100;
	double size = 100;
	int json = 0, bad = 0;
	int64_t at = (10LL * 3600 + 30 * 60) * NS;

	for (int i = 1; i < argc; i++) {
		char *end;
		double v;

		if (strcmp(argv[i], "--help") == 0) {
			news_usage(stdout);
			return 0;
		} else if (strcmp(argv[i], "--json") == 0) {
			json = 1;
			continue;
		} else if (strcmp(argv[i], "--seeds") != 0 &&
		    strcmp(argv[i], "--size") != 0) {
			fprintf(stderr, "tranched bench news: unknown option \"%s\" "
			    "(see --help)\n", argv[i]);
			return 2;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "tranched bench news: %s: needs a value\n",
			    argv[i]);
			return 2;
		}
		v = strtod(argv[i + 1], &end);
		if (*end != '\0' || (strcmp(argv[i], "--seeds") == 0 ?
		    !(v >= 1 && v <= 100000 && v == floor(v)) :
		    !(v >= 10 && v <= 10000))) {
			fprintf(stderr, "tranched bench news: %s %s: must be %s\n",
			    argv[i], argv[i + 1], strcmp(argv[i], "--seeds") == 0 ?
			    "a whole number in [1, 100000]" :
			    "a number of ticks in [10, 10000]");
			return 2;
		}
		if (strcmp(argv[i], "--seeds") == 0)
			seeds = (long)v;
		else
			size = v;
		i++;
	}
	if (!json)
		printf("%-5s %-4s %-10s %s\n", "kind", "sign", "paper",
		    "share of the move absorbed, % (this market / published)");
	for (size_t r = 0; r < NROWS; r++) {
		const struct news_row *row = &news_rows[r];
		struct sim_params p, base;
		double sum[NH] = { 0 }, sq[NH] = { 0 }, mean[NH], se[NH];
		double jump = row->good ? size : -size;

		sim_params_default(&base);
		p = base;
		sim_news_default(&p.news, row->kind);
		p.news.first = p.news.last = at;
		p.news.size = 0;
		p.news.size_min = size;
		p.news.p_up = row->good ? 1 : 0;
		for (long k = 1; k <= seeds; k++) {
			double a[NH], b[NH];

			if (news_session(&p, (uint64_t)k, at, a) != 0 ||
			    news_session(&base, (uint64_t)k, at, b) != 0) {
				fprintf(stderr, "tranched bench news: market: cannot "
				    "start\n");
				return 1;
			}
			for (int h = 0; h < NH; h++) {
				double s = (a[h] - b[h]) / jump;

				sum[h] += s;
				sq[h] += s * s;
			}
		}
		for (int h = 0; h < NH; h++) {
			mean[h] = sum[h] / (double)seeds;
			se[h] = seeds > 1 ? sqrt(fmax(0, sq[h] / (double)seeds -
			    mean[h] * mean[h]) / (double)(seeds - 1)) : 0;
			if (mean[h] < row->lo[h] || mean[h] > row->hi[h])
				bad++;
		}
		if (json) {
			printf("{\"kind\":\"%s\",\"sign\":\"%s\",\"paper\":\"%s\","
			    "\"seeds\":%ld,\"size\":%g", sim_news_kind_name(row->kind),
			    row->good ? "good" : "bad", row->paper, seeds, size);
			for (int h = 0; h < NH; h++)
				printf(",\"%s\":{\"share\":%.4f,\"se\":%.4f,\"lo\":%g,"
				    "\"hi\":%g}", news_hname[h], mean[h], se[h],
				    row->lo[h], row->hi[h]);
			printf("}\n");
			continue;
		}
		printf("%-5s %-4s %-10s", sim_news_kind_name(row->kind),
		    row->good ? "good" : "bad", row->paper);
		for (int h = 0; h < NH; h++)
			printf(" %s %3.0f+-%-2.0f/%-4s%s", news_hname[h],
			    100 * mean[h], 100 * se[h], row->published[h],
			    mean[h] < row->lo[h] || mean[h] > row->hi[h] ? "!" : "");
		printf("\n");
	}
	if (!json) {
		printf("bands (%%):");
		for (size_t r = 0; r < NROWS; r++) {
			printf("\n  %s %s:", sim_news_kind_name(news_rows[r].kind),
			    news_rows[r].good ? "good" : "bad");
			for (int h = 0; h < NH; h++)
				printf(" %s [%.0f, %.0f]", news_hname[h],
				    100 * news_rows[r].lo[h], 100 * news_rows[r].hi[h]);
		}
		printf("\n%s\n", bad ? "outside a band: marked !" :
		    "every cell inside its band");
	}
	return bad ? 1 : 0;
}
