/*
 * engine/cli/stats.c -- `tranched stats`: whole days of a scenario's
 * market with no orders of ours, measured (stats_run, engine/market/stats.c)
 * and printed next to the stylised facts of real markets.  The scenario is
 * read here, above the market layer, which knows no scenario files.
 *
 * With --json the same figures are one JSON object, named as in struct
 * stats_result, so a script reads numbers rather than parsing the table
 * (whose right-hand column is prose for a person).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

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
	    "  --json                 one JSON object instead of the table\n"
	    "  --help                 print this help and exit\n\n"
	    "See tranched(1).\n");
}

static void
stats_add_array(cJSON *o, const char *name, const double *v, int n)
{
	cJSON *a = cJSON_AddArrayToObject(o, name);

	for (int i = 0; i < n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateNumber(v[i]));
}

/*
 * The figures of r as one object.  Spreads are dollars and shares are
 * shares, as in the table; shares of volume and the daily volatility are
 * fractions (0.084), not percent.  A number that could not be measured
 * (NaN, say an autocorrelation of a constant series) is null: JSON has no
 * NaN.  Metaorder runs are an array of objects, empty with --no-impact.
 */
static int
stats_print_json(FILE *f, const char *scenario, uint64_t seed0,
                 const struct stats_result *r)
{
	cJSON *o = cJSON_CreateObject(), *m, *meta;
	char *txt;

	cJSON_AddStringToObject(o, "scenario", scenario);
	cJSON_AddNumberToObject(o, "seeds", r->seeds);
	cJSON_AddNumberToObject(o, "seed", (double)seed0);
	cJSON_AddNumberToObject(o, "adv", r->adv);
	m = cJSON_AddObjectToObject(o, "volume_per_minute");
	cJSON_AddNumberToObject(m, "mean", r->vol_min_mean);
	cJSON_AddNumberToObject(m, "p10", r->vol_min_p10);
	cJSON_AddNumberToObject(m, "p50", r->vol_min_p50);
	cJSON_AddNumberToObject(m, "p90", r->vol_min_p90);
	m = cJSON_AddObjectToObject(o, "volume_share");
	cJSON_AddNumberToObject(m, "first30", r->first30);
	cJSON_AddNumberToObject(m, "mid30", r->mid30);
	cJSON_AddNumberToObject(m, "last30", r->last30);
	m = cJSON_AddObjectToObject(o, "spread_usd");
	cJSON_AddNumberToObject(m, "mean", r->spread_mean);
	cJSON_AddNumberToObject(m, "p10", r->spread_p10);
	cJSON_AddNumberToObject(m, "p50", r->spread_p50);
	cJSON_AddNumberToObject(m, "p90", r->spread_p90);
	m = cJSON_AddObjectToObject(o, "top_shares");
	cJSON_AddNumberToObject(m, "p10", r->top_p10);
	cJSON_AddNumberToObject(m, "p50", r->top_p50);
	cJSON_AddNumberToObject(m, "p90", r->top_p90);
	cJSON_AddNumberToObject(o, "depth10_shares", r->depth10_mean);
	stats_add_array(o, "acf_returns_lag_1_2_5", r->acf_r, 3);
	stats_add_array(o, "acf_abs_returns_lag_1_5_10", r->acf_abs, 3);
	cJSON_AddNumberToObject(o, "excess_kurtosis", r->kurt);
	cJSON_AddNumberToObject(o, "sigma_daily", r->sigma_daily);
	meta = cJSON_AddArrayToObject(o, "metaorders");
	for (int j = 0; j < r->nmeta && j < 8; j++) {
		cJSON *e = cJSON_CreateObject();

		cJSON_AddNumberToObject(e, "size_adv", r->meta_frac[j]);
		cJSON_AddNumberToObject(e, "shares", r->meta_qty[j]);
		cJSON_AddNumberToObject(e, "impact_end_bps", r->meta_peak[j]);
		cJSON_AddNumberToObject(e, "impact_30min_bps", r->meta_after[j]);
		cJSON_AddItemToArray(meta, e);
	}
	if (r->nmeta > 0)
		cJSON_AddNumberToObject(o, "impact_exponent", r->exponent);
	else
		cJSON_AddNullToObject(o, "impact_exponent");
	/* cJSON prints a NaN or an infinity as null: what JSON allows. */
	txt = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (txt == NULL)
		return -1;
	fprintf(f, "%s\n", txt);
	cJSON_free(txt);
	return 0;
}

static int
stats_main(int argc, char **argv)
{
	const char *scenario = "news-shock", *sets[64];
	int nsets = 0, seeds = 8, meta = 1, json = 0;
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
		if (strcmp(a, "--json") == 0) {
			json = 1;
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
	if (json) {
		if (stats_print_json(stdout, scenario, seed0, &r) != 0) {
			fprintf(stderr, "tranched stats: out of memory\n");
			return 1;
		}
		return 0;
	}
	stats_print(stdout, scenario, &r);
	return 0;
}

const struct cli_cmd cli_stats_cmd = {
	.name = "stats",
	.main = stats_main,
	.usage = "stats [--scenario NAME] [--seeds N] [--json] [stats options]",
	.help = "the simulated market's statistics beside real markets' "
	    "stylised facts",
};
