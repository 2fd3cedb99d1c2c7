/*
 * tests/bench/bench-model.c -- `tranched bench model`: how long one policy
 * decision takes (target: at most 5 us).
 *
 * A decision is what algo-learned.c does at each decision, and at each
 * second it is asked whether it wants one, before the tactic
 * (exec-tactic.c) sends anything: read the fast signals (signal.c, sampled
 * each second), compute the features from them, the book and the block,
 * run the network, take the best action.  The benchmark does exactly that on a
 * simulated market (default parameters, seed 1) that is advanced one
 * second between batches of decisions so the book changes under them, and
 * times each batch; the figure is the median over batches of the mean time
 * per decision.  "explained" adds what a published decision carries: the
 * probabilities of every alternative and the input-gradient attribution.
 * The model is the shipped one (or --model FILE); an untrained network of
 * the same shape costs the same.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/market/market.h"
#include "engine/model/model.h"
#include "engine/model/signal.h"
#include "tests/bench/bench.h"

#define NS MARKET_NS_PER_SEC

static void
bench_model_usage(FILE *f)
{
	fprintf(f, "usage: tranched bench model [options]\n"
	    "  --decisions N  decisions per batch (default 1000)\n"
	    "  --batches N    batches; the median is reported (default 200)\n"
	    "  --model FILE   model to time (default: the shipped one)\n"
	    "  --json         one JSON object per figure\n"
	    "  --help         print this help and exit\n");
}

int
bench_model_main(int argc, char **argv)
{
	long decisions = 1000, batches = 200;
	const char *path = NULL;
	int json = 0;
	struct sim_params sp;
	struct market *m;
	struct model mdl;
	int named;
	char err[256];
	double *t_plain, *t_expl, sink = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0) {
			bench_model_usage(stdout);
			return 0;
		} else if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (i + 1 < argc && (strcmp(argv[i], "--decisions") == 0 ||
		    strcmp(argv[i], "--batches") == 0)) {
			char *end;
			long v;

			errno = 0;
			v = strtol(argv[i + 1], &end, 10);
			if (errno != 0 || *end != '\0' || v < 1 || v > 100000000) {
				fprintf(stderr, "tranched bench model: %s %s: must be a "
				    "whole number >= 1\n", argv[i], argv[i + 1]);
				return 2;
			}
			*(strcmp(argv[i], "--decisions") == 0 ? &decisions :
			    &batches) = v;
			i++;
		} else if (i + 1 < argc && strcmp(argv[i], "--model") == 0)
			path = argv[++i];
		else {
			fprintf(stderr, "tranched bench model: unknown option \"%s\"\n",
			    argv[i]);
			bench_model_usage(stderr);
			return 2;
		}
	}
	named = path != NULL;
	if (path == NULL)
		path = model_default_path();
	if (model_load(&mdl, path, err, sizeof err) != 0) {
		int hidden[2] = { 16, 16 };

		/* A model the user named must be the one timed: timing another
		 * and exiting 0 would report figures for a file never read. */
		if (named) {
			fprintf(stderr, "tranched bench model: --model %s: %s\n",
			    path, err);
			return 1;
		}
		fprintf(stderr, "tranched bench model: %s; timing an untrained "
		    "16,16 network\n", err);
		if (model_init(&mdl, hidden, 2, 1, 0.3, err, sizeof err) != 0)
			return 1;
	}
	sim_params_default(&sp);
	if (market_sim_new(&m, &sp, 1, sp.open - 300 * NS) != 0) {
		model_free(&mdl);
		return 1;
	}
	market_advance(m, sp.open);
	t_plain = calloc((size_t)batches, sizeof *t_plain);
	t_expl = calloc((size_t)batches, sizeof *t_expl);
	struct feat_input in = {
		.side = BOOK_ASK, .qty = 500000, .sched = 0, .slice = 2800,
		.lot = 100, .start = sp.open, .end = sp.open + 3 * 3600 * NS,
		.queue_ahead = 1200, .signals = 1, .news_age_s = 42,
		.news_sentiment = -0.6, .since_act_s = -1,
	};
	struct sig_state ss;

	sig_init(&ss);
	for (long b = 0; b < batches; b++) {
		struct sig_sample smp = { 0 };
		struct book_level lv[5];
		struct policy_choice c;
		double f[FEAT_COUNT];
		int64_t bp, ap, q;

		market_advance(m, m->now + NS);
		/* The signals a decision reads are sampled each second
		 * (exec-signal.c does the same from the engine's loop). */
		smp.mid = market_mid(m);
		if (book_best(m->book, BOOK_BID, &bp, &q) == 0 &&
		    book_best(m->book, BOOK_ASK, &ap, &q) == 0 && ap > bp)
			smp.spread = ap - bp;
		for (int i = book_depth(m->book, BOOK_BID, lv, 5); i-- > 0;)
			smp.bid5 += lv[i].qty;
		for (int i = book_depth(m->book, BOOK_ASK, lv, 5); i-- > 0;)
			smp.ask5 += lv[i].qty;
		sig_update(&ss, m->now, &smp);
		in.t = m->now;
		in.filled = b * 1000;
		in.sched = b * 1100;
		for (int expl = 0; expl < 2; expl++) {
			long long t0;

			t0 = bench_now_ns();
			for (long k = 0; k < decisions; k++) {
				struct sig_view v;

				sig_read(&ss, &v);
				in.move5 = v.move5;
				in.move30 = v.move30;
				in.flow5 = v.flow5;
				in.flow30 = v.flow30;
				in.depth_near = v.depth_ask;
				in.depth_far = v.depth_bid;
				in.spread_rel = v.spread_rel;
				feat_compute(m, &in, f);
				model_decide(&mdl, f, &c, expl);
				sink += c.action;
			}
			(expl ? t_expl : t_plain)[b] = (double)(bench_now_ns() - t0) /
			    (double)decisions;
		}
	}
	double plain = bench_median(t_plain, (int)batches);
	double expl = bench_median(t_expl, (int)batches);

	if (json) {
		printf("{\"bench\":\"model\",\"figure\":\"decision_ns\",\"median\":"
		    "%.1f,\"params\":%zu}\n", plain, mdl.net.nparams);
		printf("{\"bench\":\"model\",\"figure\":\"explained_decision_ns\","
		    "\"median\":%.1f}\n", expl);
	} else {
		printf("model %s: %d features, %zu parameters\n", mdl.name,
		    mdl.nfeat, mdl.net.nparams);
		printf("decision (features + network + argmax)   %8.0f ns  "
		    "(target 5000)\n", plain);
		printf("explained (+ probabilities, attribution) %8.0f ns\n", expl);
	}
	if (sink < 0)
		printf("\n");
	free(t_plain);
	free(t_expl);
	market_free(m);
	model_free(&mdl);
	return 0;
}
