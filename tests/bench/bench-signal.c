/*
 * tests/bench/bench-signal.c -- `tranched bench signals`: what the fast
 * signals (engine/model/signal.h) cost.
 *
 * Three figures.  A sample is what exec-signal.c does for one market each
 * simulated second: read the mid, the touch and five levels of each side
 * from the book and feed them to sig_update().  A read is what an
 * algorithm does when it looks: sig_read() of the standard windows and
 * the event rule's trigger.  Both are timed on a simulated market
 * (default parameters, seed 1) advanced one second between batches so
 * the book changes under them; each figure is the median over batches of
 * the mean time per call.  The session figure is the whole price of
 * event-driven work: one-hour sell sessions of the event rule beside the
 * same sessions of vwap (which samples nothing), in wall-clock seconds
 * per session, so the ratio says what sampling every second and waking on
 * it adds to a backtest.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/exec/exec.h"
#include "engine/market/market.h"
#include "engine/model/signal.h"
#include "tests/bench/bench.h"

#define NS MARKET_NS_PER_SEC

static void
bench_signal_usage(FILE *f)
{
	fprintf(f, "usage: tranched bench signals [options]\n"
	    "  --samples N    samples (and reads) per batch (default 10000)\n"
	    "  --batches N    batches; the median is reported (default 50)\n"
	    "  --sessions N   one-hour sessions of each of event and vwap "
	    "(default 4)\n"
	    "  --max-ns N     exit 1 when a sample takes longer than N ns "
	    "(median)\n"
	    "  --json         one JSON object per figure\n"
	    "  --help         print this help and exit\n");
}

static int64_t
bench_signal_depth(const struct market *m, int side)
{
	struct book_level lv[5];
	int n = book_depth(m->book, side, lv, 5);
	int64_t d = 0;

	for (int i = 0; i < n; i++)
		d += lv[i].qty;
	return d;
}

/* Seconds of wall clock for one session of algo on seed. */
static double
bench_signal_session(const char *algo, uint64_t seed)
{
	struct sim_params sp;
	struct parent_spec ps;
	struct market *m;
	struct exec *x;
	char err[256];
	long long t0 = bench_now_ns();

	sim_params_default(&sp);
	if (market_sim_new(&m, &sp, seed, sp.open - 300 * NS) != 0)
		return -1;
	if (exec_new(&x, m, NULL) != 0) {
		market_free(m);
		return -1;
	}
	memset(&ps, 0, sizeof ps);
	snprintf(ps.algo, sizeof ps.algo, "%s", algo);
	ps.side = BOOK_ASK;
	ps.qty = 100000;
	ps.start = sp.open;
	ps.end = sp.open + 3600 * NS;
	ps.interval = 60 * NS;
	ps.lot = 100;
	ps.max_pov = 100;
	ps.cleanup = 1;
	if (exec_submit(x, &ps, NULL, err, sizeof err) == 0)
		exec_tick(x, ps.end + NS);
	exec_free(x);
	market_free(m);
	return (double)(bench_now_ns() - t0) / 1e9;
}

int
bench_signal_main(int argc, char **argv)
{
	long samples = 10000, batches = 50, sessions = 4, max_ns = 0;
	int json = 0;
	struct sim_params sp;
	struct market *m;
	double *t_sample, *t_read, sink = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0) {
			bench_signal_usage(stdout);
			return 0;
		} else if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (i + 1 < argc && (strcmp(argv[i], "--samples") == 0 ||
		    strcmp(argv[i], "--batches") == 0 ||
		    strcmp(argv[i], "--sessions") == 0 ||
		    strcmp(argv[i], "--max-ns") == 0)) {
			char *end;
			long v;

			errno = 0;
			v = strtol(argv[i + 1], &end, 10);
			if (errno != 0 || *end != '\0' || v < 0 || v > 100000000 ||
			    (v == 0 && strcmp(argv[i], "--sessions") != 0)) {
				fprintf(stderr, "tranched bench signals: %s %s: must be "
				    "a whole number >= 1 (--sessions: >= 0)\n", argv[i],
				    argv[i + 1]);
				return 2;
			}
			*(strcmp(argv[i], "--samples") == 0 ? &samples :
			    strcmp(argv[i], "--batches") == 0 ? &batches :
			    strcmp(argv[i], "--sessions") == 0 ? &sessions :
			    &max_ns) = v;
			i++;
		} else {
			fprintf(stderr, "tranched bench signals: unknown option "
			    "\"%s\"\n", argv[i]);
			bench_signal_usage(stderr);
			return 2;
		}
	}
	sim_params_default(&sp);
	if (market_sim_new(&m, &sp, 1, sp.open - 300 * NS) != 0)
		return 1;
	market_advance(m, sp.open);
	t_sample = calloc((size_t)batches, sizeof *t_sample);
	t_read = calloc((size_t)batches, sizeof *t_read);
	if (t_sample == NULL || t_read == NULL) {
		free(t_sample);
		free(t_read);
		market_free(m);
		return 1;
	}
	for (long b = 0; b < batches; b++) {
		struct sig_state s;
		struct sig_view v;
		long long t0;
		int64_t t = m->now;

		market_advance(m, m->now + NS);
		sig_init(&s);
		t0 = bench_now_ns();
		for (long k = 0; k < samples; k++) {
			struct sig_sample x;
			int64_t bp, ap, q;

			memset(&x, 0, sizeof x);
			x.mid = market_mid(m) + (double)(k % 7) - 3;
			if (book_best(m->book, BOOK_BID, &bp, &q) == 0 &&
			    book_best(m->book, BOOK_ASK, &ap, &q) == 0 && ap > bp)
				x.spread = ap - bp;
			x.bid5 = bench_signal_depth(m, BOOK_BID);
			x.ask5 = bench_signal_depth(m, BOOK_ASK);
			x.buy = k % 5 * 100;
			x.sell = k % 3 * 100;
			sig_update(&s, t + k * NS, &x);
		}
		t_sample[b] = (double)(bench_now_ns() - t0) / (double)samples;
		t0 = bench_now_ns();
		for (long k = 0; k < samples; k++) {
			sig_read(&s, &v);
			sink += v.move5 + sig_adverse_burst(&s, BOOK_ASK, 1 + (int)(k %
			    60), 3, 0.5);
		}
		t_read[b] = (double)(bench_now_ns() - t0) / (double)samples;
	}
	double sample = bench_median(t_sample, (int)batches);
	double read = bench_median(t_read, (int)batches);
	double sv = 0, se = 0;

	for (long k = 0; k < sessions; k++) {
		sv += bench_signal_session("vwap", (uint64_t)(1 + k));
		se += bench_signal_session("event", (uint64_t)(1 + k));
	}
	if (json) {
		printf("{\"bench\":\"signals\",\"figure\":\"sample_ns\",\"median\":"
		    "%.1f}\n", sample);
		printf("{\"bench\":\"signals\",\"figure\":\"read_ns\",\"median\":"
		    "%.1f}\n", read);
		if (sessions > 0)
			printf("{\"bench\":\"signals\",\"figure\":\"session_s\","
			    "\"vwap\":%.4f,\"event\":%.4f,\"sessions\":%ld}\n",
			    sv / (double)sessions, se / (double)sessions, sessions);
	} else {
		printf("sample (book read + sig_update), per market-second  %8.0f "
		    "ns\n", sample);
		printf("read (sig_read + event trigger), per look           %8.0f "
		    "ns\n", read);
		if (sessions > 0)
			printf("one-hour session: vwap %.3f s, event %.3f s (x%.2f)\n",
			    sv / (double)sessions, se / (double)sessions, sv > 0 ?
			    se / sv : 0.0);
	}
	if (sink == 12345.678)
		printf("\n");
	free(t_sample);
	free(t_read);
	market_free(m);
	if (max_ns > 0 && sample > (double)max_ns) {
		fprintf(stderr, "tranched bench signals: a sample took %.0f ns, "
		    "over --max-ns %ld\n", sample, max_ns);
		return 1;
	}
	return 0;
}
