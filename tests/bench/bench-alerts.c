/*
 * tests/bench/bench-alerts.c -- `tranched bench alerts`: how quickly the
 * alert detector (engine/watch/) sees a regime shift and how often it cries
 * wolf, over many seeded sessions run headless.
 *
 * Each session is what the daemon runs: the scenario's markets from the
 * seed, its orders submitted, the exec with an emit callback (so the
 * detector is on with the scenario's thresholds) ticked to `--hours` after
 * the open.  Only market alerts count (no "block" field), and never the
 * news alert, which the scenario's own event raises and so would prove
 * nothing: a detection is the first WARN or CRIT market alert at or after
 * the scenario's first event, and its delay is measured in simulated
 * seconds from that event.  A false alert is a market alert raised at
 * WARN or CRIT before the first event, or in a scenario without events;
 * each alert counts once however it escalates.
 *
 * --min-detect and --max-false make it a test: the exit status is 1 when
 * fewer sessions than that percentage detect within --within seconds, or
 * when the mean false alerts per session exceed the bound.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/exec/scenario.h"
#include "tests/bench/bench.h"

#define NS 1000000000LL

struct ba_run {
	struct exec *x;
	int64_t event_at;   /* the first scenario event; -1 none */
	int64_t first;      /* first WARN/CRIT market alert at or after it */
	long false_alerts;  /* WARN/CRIT market alerts raised before it */
	long kinds[16];     /* raised WARN/CRIT market alerts by kind */
	char first_text[320];
	int verbose;
};

static const char *ba_kinds[] = { "move", "spread", "depth", "vol", "volume",
	"flow" };
#define BA_NKINDS (sizeof ba_kinds / sizeof ba_kinds[0])

static void
ba_emit(void *arg, const char *topic, cJSON *o)
{
	struct ba_run *r = arg;
	const cJSON *sev, *code, *state, *text;
	int64_t t;

	if (strcmp(topic, "alert") != 0 ||
	    cJSON_GetObjectItemCaseSensitive(o, "block") != NULL)
		return;
	sev = cJSON_GetObjectItemCaseSensitive(o, "sev");
	code = cJSON_GetObjectItemCaseSensitive(o, "code");
	state = cJSON_GetObjectItemCaseSensitive(o, "state");
	text = cJSON_GetObjectItemCaseSensitive(o, "text");
	if (!cJSON_IsString(sev) || !cJSON_IsString(code) ||
	    !cJSON_IsString(state) || strcmp(code->valuestring, "news") == 0 ||
	    (strcmp(sev->valuestring, "warn") != 0 &&
	    strcmp(sev->valuestring, "crit") != 0))
		return;
	t = exec_now(r->x);
	if (r->event_at >= 0 && t >= r->event_at) {
		if (r->first < 0) {
			r->first = t;
			snprintf(r->first_text, sizeof r->first_text, "%s",
			    cJSON_IsString(text) ? text->valuestring : "");
		}
		return;
	}
	if (strcmp(state->valuestring, "raised") != 0)
		return;
	r->false_alerts++;
	if (r->verbose)
		printf("  false at %lld s: %s %s\n", (long long)(t / NS),
		    sev->valuestring, cJSON_IsString(text) ? text->valuestring :
		    "");
	for (size_t k = 0; k < BA_NKINDS; k++)
		if (strcmp(code->valuestring, ba_kinds[k]) == 0)
			r->kinds[k]++;
}

static int
ba_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
ba_pct(const double *sorted, long n, double p)
{
	long k;

	if (n == 0)
		return 0;
	k = (long)(p / 100.0 * (double)(n - 1) + 0.5);
	return sorted[k];
}

static void
ba_usage(FILE *f)
{
	fprintf(f, "usage: tranched bench alerts [options]\n"
	    "  --scenario NAME    scenario (default news-shock)\n"
	    "  --seeds A-B        seeds A to B (default 1-200)\n"
	    "  --hours H          simulated hours after the open (default 3)\n"
	    "  --set KEY=VALUE    scenario override, e.g. alerts.move_warn=5\n"
	    "                     (repeatable)\n"
	    "  --within S         a detection counts within S simulated seconds "
	    "(default 60)\n"
	    "  --min-detect PCT   exit 1 when fewer sessions detect within S\n"
	    "  --max-false X      exit 1 when false alerts per session exceed X "
	    "on average\n"
	    "  --verbose          one line per session\n"
	    "  --json             one JSON object\n"
	    "  --help             print this help and exit\n");
}

int
bench_alerts_main(int argc, char **argv)
{
	const char *name = "news-shock", *sets[32];
	long a = 1, b = 200, nsets = 0;
	double hours = 3, within = 60, min_detect = -1, max_false = -1;
	int json = 0, verbose = 0, rc = 0;
	struct scenario sc;
	char err[512];
	double *delays, *falses;
	long ndet = 0, nwithin = 0, n, kinds[BA_NKINDS] = { 0 };
	double fsum = 0;

	for (int i = 1; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		char *end;

		if (strcmp(argv[i], "--help") == 0) {
			ba_usage(stdout);
			return 0;
		} else if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (strcmp(argv[i], "--verbose") == 0)
			verbose = 1;
		else if (v == NULL) {
			fprintf(stderr, "tranched bench alerts: %s needs a value\n",
			    argv[i]);
			return 2;
		} else if (strcmp(argv[i], "--scenario") == 0) {
			name = v;
			i++;
		} else if (strcmp(argv[i], "--set") == 0) {
			if (nsets == 32) {
				fprintf(stderr, "tranched bench alerts: --set: more "
				    "than 32\n");
				return 2;
			}
			sets[nsets++] = v;
			i++;
		} else if (strcmp(argv[i], "--seeds") == 0) {
			if (sscanf(v, "%ld-%ld", &a, &b) != 2 || a < 0 || b < a ||
			    b - a > 100000) {
				fprintf(stderr, "tranched bench alerts: --seeds "
				    "\"%s\": must be A-B with 0 <= A <= B\n", v);
				return 2;
			}
			i++;
		} else {
			double *dst = strcmp(argv[i], "--hours") == 0 ? &hours :
			    strcmp(argv[i], "--within") == 0 ? &within :
			    strcmp(argv[i], "--min-detect") == 0 ? &min_detect :
			    strcmp(argv[i], "--max-false") == 0 ? &max_false :
			    NULL;

			if (dst == NULL) {
				fprintf(stderr, "tranched bench alerts: unknown "
				    "option \"%s\"\n", argv[i]);
				ba_usage(stderr);
				return 2;
			}
			*dst = strtod(v, &end);
			if (*end != '\0' || !(*dst >= 0 && *dst <= 1e6)) {
				fprintf(stderr, "tranched bench alerts: %s \"%s\": "
				    "must be a number >= 0\n", argv[i], v);
				return 2;
			}
			i++;
		}
	}
	if (scenario_load(&sc, name, sets, (int)nsets, err, sizeof err) != 0) {
		fprintf(stderr, "tranched bench alerts: %s\n", err);
		return 1;
	}
	n = b - a + 1;
	delays = calloc((size_t)n, sizeof *delays);
	falses = calloc((size_t)n, sizeof *falses);
	if (delays == NULL || falses == NULL) {
		fprintf(stderr, "tranched bench alerts: out of memory\n");
		scenario_free(&sc);
		free(delays);
		free(falses);
		return 1;
	}
	for (long seed = a; seed <= b; seed++) {
		struct ba_run r;
		struct exec_emit e = { ba_emit, &r };
		int64_t end = sc.open + (int64_t)(hours * 3600 * NS);

		memset(&r, 0, sizeof r);
		r.first = -1;
		r.verbose = verbose;
		r.event_at = sc.markets[0].nevents > 0 ?
		    sc.markets[0].events[0].at : -1;
		if (scenario_exec_new(&sc, (uint64_t)seed, 1, &e, &r.x, err,
		    sizeof err) != 0) {
			fprintf(stderr, "tranched bench alerts: seed %ld: %s\n",
			    seed, err);
			rc = 1;
			break;
		}
		for (int i = 0; i < sc.norders; i++) {
			struct parent_spec ps;

			scenario_order(&sc, i, (uint64_t)seed, &ps);
			if (exec_submit(r.x, &ps, NULL, err, sizeof err) != 0) {
				fprintf(stderr, "tranched bench alerts: seed %ld: "
				    "order %d: %s\n", seed, i, err);
				rc = 1;
			}
		}
		exec_tick(r.x, end);
		scenario_exec_free(r.x);
		falses[seed - a] = (double)r.false_alerts;
		fsum += (double)r.false_alerts;
		for (size_t k = 0; k < BA_NKINDS; k++)
			kinds[k] += r.kinds[k];
		if (r.first >= 0) {
			double d = (double)(r.first - r.event_at) / NS;

			delays[ndet++] = d;
			nwithin += d <= within;
		}
		if (verbose)
			printf("seed %ld: false %ld, detection %s%.0f s %s\n", seed,
			    r.false_alerts, r.first >= 0 ? "" : "none ",
			    r.first >= 0 ? (double)(r.first - r.event_at) / NS :
			    0.0, r.first_text);
	}
	qsort(delays, (size_t)ndet, sizeof *delays, ba_cmp);
	qsort(falses, (size_t)n, sizeof *falses, ba_cmp);
	{
		int has_event = sc.markets[0].nevents > 0;
		double pct = 100.0 * (double)nwithin / (double)n;
		double fmean = fsum / (double)n;

		if (json) {
			printf("{\"bench\":\"alerts\",\"scenario\":\"%s\","
			    "\"seeds\":\"%ld-%ld\",\"sessions\":%ld,", sc.name, a,
			    b, n);
			if (has_event)
				printf("\"detected_within_pct\":%.1f,\"within_s\":%g,"
				    "\"delay_median_s\":%.0f,\"delay_p95_s\":%.0f,"
				    "\"delay_max_s\":%.0f,\"undetected\":%ld,", pct,
				    within, ba_pct(delays, ndet, 50),
				    ba_pct(delays, ndet, 95), ndet ?
				    delays[ndet - 1] : 0, n - ndet);
			printf("\"false_mean\":%.3f,\"false_p95\":%.0f,"
			    "\"false_max\":%.0f", fmean, ba_pct(falses, n, 95),
			    falses[n - 1]);
			for (size_t k = 0; k < BA_NKINDS; k++)
				printf(",\"false_%s\":%ld", ba_kinds[k], kinds[k]);
			printf("}\n");
		} else {
			printf("alerts: %s, seeds %ld-%ld (%ld sessions, %g h "
			    "after the open)\n", sc.name, a, b, n, hours);
			if (has_event)
				printf("  detection after \"%s\": %.1f%% within %g "
				    "s; delay median %.0f s, p95 %.0f s, max %.0f "
				    "s; %ld never\n", sc.markets[0].events[0].name,
				    pct, within, ba_pct(delays, ndet, 50),
				    ba_pct(delays, ndet, 95), ndet ?
				    delays[ndet - 1] : 0, n - ndet);
			printf("  false WARN/CRIT market alerts%s per session: "
			    "mean %.3f, p95 %.0f, max %.0f\n", has_event ?
			    " before it" : "", fmean, ba_pct(falses, n, 95),
			    falses[n - 1]);
			printf("  by kind:");
			for (size_t k = 0; k < BA_NKINDS; k++)
				printf(" %s %ld", ba_kinds[k], kinds[k]);
			printf("\n");
		}
		if (min_detect >= 0 && has_event && pct < min_detect) {
			fprintf(stderr, "tranched bench alerts: %.1f%% detected "
			    "within %g s, below --min-detect %g\n", pct, within,
			    min_detect);
			rc = 1;
		}
		if (max_false >= 0 && fmean > max_false) {
			fprintf(stderr, "tranched bench alerts: %.3f false alerts "
			    "per session, above --max-false %g\n", fmean,
			    max_false);
			rc = 1;
		}
	}
	free(delays);
	free(falses);
	scenario_free(&sc);
	return rc;
}
