/*
 * engine/cli/stats.c -- `tranched stats`: whole days of a scenario's
 * market with no orders of ours, measured (stats_run, engine/market/stats.c)
 * and printed next to the stylised facts of real markets.  The scenario is
 * read here, above the market layer, which knows no scenario files.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/cli/cli.h"
#include "engine/exec/scenario.h"
#include "engine/market/stats.h"

static void
stats_usage(FILE *f)
{
	fprintf(f, "usage: tranched stats [options]\n"
	    "Simulates whole days of a scenario's market and prints its statistics\n"
	    "next to the stylised facts of real markets.\n\n"
	    "options:\n"
	    "  --scenario NAME|FILE   scenario whose market to measure (default news-shock)\n"
	    "  --seeds N              sessions to simulate, seeds 1..N (default 8)\n"
	    "  --seed N               first seed (default 1)\n"
	    "  --set PATH=VALUE       override a scenario value (repeatable)\n"
	    "  --no-impact            skip the metaorder impact runs\n"
	    "  --help                 print this help and exit\n\n"
	    "See tranched(1).\n");
}

static int
stats_main(int argc, char **argv)
{
	const char *scenario = "news-shock", *sets[64];
	int nsets = 0, seeds = 8, meta = 1;
	unsigned long long seed0 = 1;
	struct scenario sc;
	struct stats_result r;
	char err[1024];
	int rc;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		char *end;

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			stats_usage(stdout);
			return 0;
		}
		if (strcmp(a, "--no-impact") == 0) {
			meta = 0;
			continue;
		}
		if (strcmp(a, "--scenario") != 0 && strcmp(a, "--seeds") != 0 &&
		    strcmp(a, "--seed") != 0 && strcmp(a, "--set") != 0) {
			fprintf(stderr, "tranched stats: unknown option \"%s\" (see "
			    "--help)\n", a);
			return 2;
		}
		if (v == NULL) {
			fprintf(stderr, "tranched stats: %s: needs a value\n", a);
			return 2;
		}
		i++;
		if (strcmp(a, "--scenario") == 0)
			scenario = v;
		else if (strcmp(a, "--set") == 0) {
			if (nsets == 64) {
				fprintf(stderr, "tranched stats: --set: at most 64\n");
				return 2;
			}
			sets[nsets++] = v;
		} else if (strcmp(a, "--seeds") == 0) {
			long n = strtol(v, &end, 10);

			if (*end != '\0' || n < 1 || n > 10000) {
				fprintf(stderr, "tranched stats: --seeds %s: must be a "
				    "whole number in [1, 10000]\n", v);
				return 2;
			}
			seeds = (int)n;
		} else {
			errno = 0;
			seed0 = strtoull(v, &end, 10);
			if (errno != 0 || *end != '\0' || v[0] == '-' || v[0] == '\0') {
				fprintf(stderr, "tranched stats: --seed %s: must be a "
				    "whole number >= 0\n", v);
				return 2;
			}
		}
	}
	if (scenario_load(&sc, scenario, sets, nsets, err, sizeof err) != 0) {
		fprintf(stderr, "tranched stats: %s\n", err);
		return 1;
	}
	/* The scenario's first market, as the daemon would start it. */
	rc = stats_run(&sc.markets[0], sc.warmup, seeds, seed0, meta, &r);
	scenario_free(&sc);
	if (rc != 0) {
		fprintf(stderr, "tranched stats: scenario %s: the session could not "
		    "be simulated (open to close must be at least an hour)\n",
		    scenario);
		return 1;
	}
	stats_print(stdout, scenario, &r);
	return 0;
}

const struct cli_cmd cli_stats_cmd = {
	.name = "stats",
	.main = stats_main,
	.usage = "stats [--scenario NAME] [--seeds N] [stats options]",
	.help = "the simulated market's statistics beside real markets' "
	    "stylised facts",
};
