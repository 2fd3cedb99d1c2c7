/*
 * tests/bench/bench-lobster.c -- `tranched bench lobster`: how many LOBSTER
 * messages per second the replay source gets through, parsing included.
 *
 * Each run reads the shared AMZN level-1 pair from disk, parses it, builds
 * the replay market and advances it to the end of the day, so the figure
 * is what a backtest pays per recorded event end to end.  The day is the
 * same in every run; the median of --runs is reported.  The data is not in
 * the repository: it is looked for in --dir, else $TRANCHE_DATA_DIR/lobster,
 * else ../shared/data/lobster from the current directory.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/market/lobster.h"
#include "tests/bench/bench.h"

#define BENCH_LOBSTER_MSG "AMZN_2012-06-21_34200000_57600000_message_1.csv"
#define BENCH_LOBSTER_OB "AMZN_2012-06-21_34200000_57600000_orderbook_1.csv"

struct bench_lobster_cfg {
	char dir[4096];
	int runs;
	int json;
};

static void
bench_lobster_usage(FILE *f)
{
	fputs("usage: tranched bench lobster [--dir DIR] [--runs N] [--json]\n"
	      "  --dir DIR   folder of the AMZN LOBSTER sample (default\n"
	      "              $TRANCHE_DATA_DIR/lobster, else ../shared/data/lobster)\n"
	      "  --runs N    runs, the median is reported (default 5, 1-1000)\n"
	      "  --json      one JSON object per line\n", f);
}

static int
bench_lobster_parse(int argc, char **argv, struct bench_lobster_cfg *cfg)
{
	const char *env = getenv("TRANCHE_DATA_DIR"), *a, *val;
	char *end;
	long v;
	int i = 0;

	cfg->runs = 5;
	cfg->json = 0;
	if (env != NULL && env[0] != '\0')
		snprintf(cfg->dir, sizeof cfg->dir, "%s/lobster", env);
	else
		snprintf(cfg->dir, sizeof cfg->dir, "../shared/data/lobster");
	if (argc > 0 && argv[0] != NULL && argv[0][0] != '-')
		i = 1;
	for (; i < argc; i++) {
		a = argv[i];
		val = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			bench_lobster_usage(stdout);
			return 1;
		} else if (strcmp(a, "--json") == 0) {
			cfg->json = 1;
		} else if (strcmp(a, "--runs") == 0) {
			errno = 0;
			v = val != NULL ? strtol(val, &end, 10) : 0;
			if (val == NULL || errno != 0 || end == val || *end != '\0' ||
			    v < 1 || v > 1000) {
				fprintf(stderr, "bench lobster: --runs \"%s\": expected a "
				        "whole number from 1 to 1000\n",
				        val != NULL ? val : "");
				return 2;
			}
			cfg->runs = (int)v;
			i++;
		} else if (strcmp(a, "--dir") == 0) {
			if (val == NULL || val[0] == '\0') {
				fprintf(stderr, "bench lobster: --dir needs a folder\n");
				return 2;
			}
			snprintf(cfg->dir, sizeof cfg->dir, "%s", val);
			i++;
		} else {
			fprintf(stderr, "bench lobster: unknown option \"%s\" "
			        "(try --help)\n", a);
			return 2;
		}
	}
	return 0;
}

int
bench_lobster_main(int argc, char **argv)
{
	struct bench_lobster_cfg cfg;
	char msg[4200], ob[4200], err[512];
	double *rate;
	size_t n = 0;
	int rc, i;

	if ((rc = bench_lobster_parse(argc, argv, &cfg)) != 0)
		return rc == 1 ? 0 : rc;
	snprintf(msg, sizeof msg, "%s/%s", cfg.dir, BENCH_LOBSTER_MSG);
	snprintf(ob, sizeof ob, "%s/%s", cfg.dir, BENCH_LOBSTER_OB);
	if (access(msg, R_OK) != 0 || access(ob, R_OK) != 0) {
		fprintf(stderr, "bench lobster: the AMZN LOBSTER sample is not in "
		        "%s (%s): give --dir or set TRANCHE_DATA_DIR\n", cfg.dir,
		        strerror(errno));
		return 1;
	}
	if ((rate = calloc((size_t)cfg.runs, sizeof *rate)) == NULL)
		return 1;
	for (i = 0; i < cfg.runs; i++) {
		struct market *m;
		long long t0 = bench_now_ns(), t1;

		if (market_lobster_new(&m, msg, ob, "AMZN", 0.01, err,
		                       sizeof err) != 0) {
			fprintf(stderr, "bench lobster: %s\n", err);
			free(rate);
			return 1;
		}
		market_advance(m, 24 * 3600 * MARKET_NS_PER_SEC);
		n = market_lobster_position(m);
		t1 = bench_now_ns();
		market_free(m);
		rate[i] = (double)n / ((double)(t1 - t0) / 1e9);
	}
	if (cfg.json)
		printf("{\"bench\":\"lobster_replay\",\"messages\":%zu,"
		       "\"runs\":%d,\"median_msgs_per_s\":%.0f}\n", n, cfg.runs,
		       bench_median(rate, cfg.runs));
	else
		printf("lobster replay: %zu messages, median of %d runs: %.2f M "
		       "messages/s (parsing included)\n", n, cfg.runs,
		       bench_median(rate, cfg.runs) / 1e6);
	free(rate);
	return 0;
}
