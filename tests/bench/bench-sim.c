/*
 * tests/bench/bench-sim.c -- `tranched bench sim`: how fast the agent-based
 * market runs, because training a policy needs millions of sessions.
 *
 * Two figures, each the median of --runs runs on one core.  Events per
 * second: messages the simulator's participants send to the book (limit
 * orders, cancels, market orders, makers' quotes) over whole sessions,
 * divided by the wall time; ABIDES, the usual Python agent-based simulator,
 * does about 14,000 messages a second.  Sessions per second: complete
 * news-shock sessions (the warm-up plus the three-hour window, no orders of
 * ours, nothing published), built from the default parameters plus the
 * scenario's headline and burst, so the benchmark does not depend on the
 * scenario files.  Session k of every run uses seed k, so runs repeat the
 * same work and differ only in the machine.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/market/market.h"
#include "tests/bench/bench.h"

#define NS MARKET_NS_PER_SEC

static void
bench_sim_params(struct sim_params *p)
{
	struct sim_event *e = &p->events[0];

	sim_params_default(p);
	p->nevents = 2;
	sim_event_default(e);
	e->at = (10LL * 3600 + 30 * 60) * NS;
	e->dur_s = 3600;
	e->decay = 1;
	e->jump = -150;
	e->vol = 2;
	e->flow = 1.5;
	e->mm_spread = 3;
	e->mm_size = 0.6;
	e->bid_depth = 0.4;
	e = &p->events[1];
	sim_event_default(e);
	e->at = 11LL * 3600 * NS;
	e->dur_s = 300;
	e->buy_rate = 0.5;
}

static void
bench_sim_usage(FILE *f)
{
	fprintf(f, "usage: tranched bench sim [options]\n"
	    "  --sessions N   news-shock sessions per run (default 200)\n"
	    "  --runs N       runs; the median is reported (default 5)\n"
	    "  --json         one JSON object per figure\n"
	    "  --help         print this help and exit\n");
}

int
bench_sim_main(int argc, char **argv)
{
	long sessions = 200, runs = 5;
	int json = 0;
	struct sim_params p;
	double *evs, *sps;
	unsigned long long msgs = 0;

	for (int i = 1; i < argc; i++) {
		long *dst = NULL;
		char *end;

		if (strcmp(argv[i], "--help") == 0) {
			bench_sim_usage(stdout);
			return 0;
		} else if (strcmp(argv[i], "--json") == 0) {
			json = 1;
			continue;
		} else if (strcmp(argv[i], "--sessions") == 0)
			dst = &sessions;
		else if (strcmp(argv[i], "--runs") == 0)
			dst = &runs;
		else {
			fprintf(stderr, "tranched bench sim: unknown option \"%s\" "
			    "(see --help)\n", argv[i]);
			return 2;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "tranched bench sim: %s: needs a value\n",
			    argv[i]);
			return 2;
		}
		*dst = strtol(argv[++i], &end, 10);
		if (*end != '\0' || *dst < 1 || *dst > 1000000) {
			fprintf(stderr, "tranched bench sim: %s %s: must be a whole "
			    "number in [1, 1000000]\n", argv[i - 1], argv[i]);
			return 2;
		}
	}
	bench_sim_params(&p);
	evs = calloc((size_t)runs, sizeof *evs);
	sps = calloc((size_t)runs, sizeof *sps);
	if (evs == NULL || sps == NULL) {
		free(evs);
		free(sps);
		return 1;
	}
	for (long r = 0; r < runs; r++) {
		long long t0 = bench_now_ns(), dt;

		msgs = 0;
		for (long k = 0; k < sessions; k++) {
			struct market *m;

			if (market_sim_new(&m, &p, (uint64_t)k + 1,
			    p.open - 300 * NS) != 0) {
				fprintf(stderr, "tranched bench sim: market: out of "
				    "memory\n");
				free(evs);
				free(sps);
				return 1;
			}
			market_advance(m, p.open + 3 * 3600 * NS);
			msgs += m->msgs;
			market_free(m);
		}
		dt = bench_now_ns() - t0;
		evs[r] = (double)msgs / ((double)dt / 1e9);
		sps[r] = (double)sessions / ((double)dt / 1e9);
	}
	double ev = bench_median(evs, (int)runs), sp = bench_median(sps, (int)runs);
	if (json) {
		printf("{\"bench\":\"sim\",\"figure\":\"events_per_s\",\"value\":%.0f,"
		    "\"events_per_session\":%.0f,\"runs\":%ld}\n", ev,
		    (double)msgs / (double)sessions, runs);
		printf("{\"bench\":\"sim\",\"figure\":\"sessions_per_s\",\"value\":%.1f,"
		    "\"scenario\":\"news-shock\",\"hours\":3,\"runs\":%ld}\n", sp, runs);
	} else {
		printf("tranched bench sim: %ld news-shock sessions (3 h + 5 min "
		    "warm-up) per run, median of %ld runs, one core\n", sessions,
		    runs);
		printf("  events per session   %.0f\n",
		    (double)msgs / (double)sessions);
		printf("  events per second    %.2f M   (ABIDES: about 0.014 M)\n",
		    ev / 1e6);
		printf("  sessions per second  %.1f   (%.2f ms each)\n", sp,
		    1e3 / sp);
	}
	free(evs);
	free(sps);
	return 0;
}
