/*
 * tests/unit/test-model-impact.c -- the impact model: the square-root fit
 * recovers a known law, the network fit learns a known synthetic impact
 * function and is deterministic, the model file round-trips exactly and a
 * bad one is refused naming the field, and the inputs come from the book
 * and a market activity record that does not depend on how time is
 * chunked.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine/market/rng.h"
#include "engine/model/impact.h"
#include "engine/model/model.h"

#define NS 1000000000LL
#define OPEN (34200LL * NS)

/* Samples from a known law: impact = half spread + 0.8 sigma sqrt(Q/V) +
 * 0.5 x imbalance, volume log = volume_short input + 0.1, small noise. */
static struct impact_sample *
synthetic(size_t n, uint64_t seed, double noise)
{
	struct impact_sample *s = calloc(n, sizeof *s);
	struct rng r;

	rng_seed(&r, seed);
	for (size_t i = 0; i < n; i++) {
		struct impact_ctx *c = &s[i].c;

		for (int k = 0; k < IMPACT_NIN; k++)
			c->x[k] = rng_normal(&r);
		c->qty = exp(4.6 + 3 * rng_uniform(&r));
		c->mid = 10000;
		c->half_spread_bps = 1 + 2 * rng_uniform(&r);
		c->sigma_bps = 50 + 100 * rng_uniform(&r);
		c->adv = 1e6 * exp(rng_uniform(&r));
		c->vol5_base = c->x[IMPACT_VOLUME_SHORT];
		c->x[IMPACT_HALF_SPREAD] = c->half_spread_bps;
		c->x[IMPACT_SQRT_TERM] = log(0.01 + impact_sqrt_law(1, c));
		s[i].y_bps = c->half_spread_bps + 0.8 * impact_sqrt_law(1, c) +
		    0.5 * c->x[IMPACT_IMBALANCE] + noise * rng_normal(&r);
		s[i].y_logvol = 8 + c->x[IMPACT_VOLUME_SHORT] + 0.1 +
		    noise * rng_normal(&r);
	}
	return s;
}

static void
sqrt_fit_recovers_a_known_law(void **state)
{
	struct impact_sample *s = synthetic(2000, 7, 0);

	(void)state;
	for (size_t i = 0; i < 2000; i++)
		s[i].y_bps = 1.7 * impact_sqrt_law(1, &s[i].c);
	assert_true(fabs(impact_fit_sqrt(s, 2000, 0) - 1.7) < 1e-9);
	for (size_t i = 0; i < 2000; i++)
		s[i].y_bps += s[i].c.half_spread_bps;
	assert_true(fabs(impact_fit_sqrt(s, 2000, 1) - 1.7) < 1e-9);
	free(s);
}

static struct impact_fit_opts
opts(void)
{
	return (struct impact_fit_opts){ .hidden = { 16 }, .nhidden = 1,
	    .epochs = 40, .batch = 32, .lr = 0.01, .seed = 3 };
}

static void
fit_learns_a_synthetic_law_and_beats_the_sqrt_law(void **state)
{
	struct impact_sample *tr = synthetic(3000, 1, 0.05);
	struct impact_sample *va = synthetic(300, 2, 0.05);
	struct impact_sample *te = synthetic(1000, 3, 0.05);
	struct impact_fit_opts o = opts();
	struct impact_model a, b;
	struct impact_metrics m;
	char err[256];

	(void)state;
	assert_int_equal(impact_fit(&a, tr, 3000, va, 300, &o, err, sizeof err),
	    0);
	impact_evaluate(&a, te, 1000, &m);
	assert_int_equal(m.n, 1000);
	assert_true(m.r2_model > 0.95);
	assert_true(m.r2_vol > 0.95);
	assert_true(m.mae_model < m.mae_sqrt);
	/* The imbalance term is beyond the law, so the law cannot be perfect. */
	assert_true(m.r2_sqrt_hs < m.r2_model);
	/* Same data, same options: the same weights, bit for bit. */
	assert_int_equal(impact_fit(&b, tr, 3000, va, 300, &o, err, sizeof err),
	    0);
	assert_memory_equal(a.net.w, b.net.w, a.net.nparams * sizeof *a.net.w);
	impact_free(&a);
	impact_free(&b);
	free(tr);
	free(va);
	free(te);
}

/* The model as a file would hold it (to_json writes raw number text). */
static cJSON *
as_file(const struct impact_model *im)
{
	cJSON *o = impact_to_json(im), *p;
	char *txt = cJSON_PrintUnformatted(o);

	p = cJSON_Parse(txt);
	cJSON_free(txt);
	cJSON_Delete(o);
	assert_non_null(p);
	return p;
}

static void
model_file_round_trips_and_bad_fields_are_named(void **state)
{
	struct impact_sample *tr = synthetic(400, 4, 0.1);
	struct impact_fit_opts o = opts();
	struct impact_model a, b;
	struct impact_est ea, eb;
	char path[] = "/tmp/test-impact-XXXXXX", err[512];
	cJSON *j, *norm;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	o.epochs = 3;
	assert_int_equal(impact_fit(&a, tr, 400, NULL, 0, &o, err, sizeof err), 0);
	a.meta = cJSON_CreateObject();
	cJSON_AddStringToObject(a.meta, "note", "unit test");
	assert_int_equal(impact_save(&a, path, err, sizeof err), 0);
	assert_int_equal(impact_load(&b, path, err, sizeof err), 0);
	for (size_t i = 0; i < 400; i++) {
		impact_predict(&a, &tr[i].c, &ea);
		impact_predict(&b, &tr[i].c, &eb);
		assert_true(ea.bps == eb.bps && ea.vol5 == eb.vol5 &&
		    ea.sqrt_bps == eb.sqrt_bps);
	}
	assert_string_equal(cJSON_GetObjectItem(b.meta, "note")->valuestring,
	    "unit test");
	impact_free(&b);

	/* A deviation of 0 in the normalisation is refused by its path. */
	j = as_file(&a);
	norm = cJSON_GetObjectItem(j, "norm");
	cJSON_ReplaceItemInArray(cJSON_GetObjectItem(norm, "in_sd"), 3,
	    cJSON_CreateNumber(0));
	assert_int_equal(impact_from_json(&b, j, err, sizeof err), -1);
	assert_non_null(strstr(err, "\"norm.in_sd\"[3]"));
	cJSON_Delete(j);

	/* An input this engine computes differently is refused by name. */
	j = as_file(&a);
	cJSON_ReplaceItemInObject(cJSON_GetArrayItem(cJSON_GetObjectItem(j,
	    "inputs"), 2), "name", cJSON_CreateString("mystery"));
	assert_int_equal(impact_from_json(&b, j, err, sizeof err), -1);
	assert_non_null(strstr(err, "\"inputs\"[2]"));
	assert_non_null(strstr(err, "mystery"));
	cJSON_Delete(j);

	/* Missing weights, and a missing square-root law. */
	j = as_file(&a);
	cJSON_DeleteItemFromObject(j, "weights");
	assert_int_equal(impact_from_json(&b, j, err, sizeof err), -1);
	assert_non_null(strstr(err, "\"weights\""));
	cJSON_DeleteItemFromObject(j, "sqrt_law");
	assert_int_equal(impact_from_json(&b, j, err, sizeof err), -1);
	assert_non_null(strstr(err, "\"sqrt_law\""));
	cJSON_Delete(j);

	/* Not JSON at all: the file and the reason. */
	FILE *f = fopen(path, "w");

	fputs("{ nope", f);
	fclose(f);
	assert_int_equal(impact_load(&b, path, err, sizeof err), -1);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "not valid JSON"));
	unlink(path);
	impact_free(&a);
	free(tr);
}

static struct market *
sim_market(uint64_t seed)
{
	struct sim_params p;
	struct market *m;

	sim_params_default(&p);
	assert_int_equal(market_sim_new(&m, &p, seed, OPEN - 300 * NS), 0);
	return m;
}

static void
activity_record_does_not_depend_on_chunking(void **state)
{
	struct market *a = sim_market(5), *b = sim_market(5);

	(void)state;
	assert_int_equal(market_advance(a, OPEN + 1800 * NS), 0);
	for (int64_t t = OPEN - 300 * NS; t <= OPEN + 1800 * NS; t += 777777777)
		assert_int_equal(market_advance(b, t), 0);
	assert_int_equal(market_advance(b, OPEN + 1800 * NS), 0);
	assert_true(market_sigma(a, 0) > 0 && market_sigma(a, 1) > 0);
	assert_true(market_volume_rate(a, 0) > 0 &&
	    market_volume_rate(a, 1) > 0);
	assert_true(market_sigma(a, 0) == market_sigma(b, 0));
	assert_true(market_sigma(a, 1) == market_sigma(b, 1));
	assert_true(market_volume_rate(a, 1) == market_volume_rate(b, 1));
	market_free(a);
	market_free(b);
}

static void
context_reads_the_book_and_refuses_a_one_sided_one(void **state)
{
	struct market *m = sim_market(9);
	struct impact_ctx c;
	struct book_level lv[1];
	char err[128];
	int64_t bp, ap, q;

	(void)state;
	market_advance(m, OPEN + 600 * NS);
	assert_int_equal(impact_context(m, BOOK_BID, 500, &c, err, sizeof err),
	    0);
	assert_int_equal(book_best(m->book, BOOK_BID, &bp, &q), 0);
	assert_int_equal(book_best(m->book, BOOK_ASK, &ap, &q), 0);
	assert_true(c.mid == (double)(ap + bp) / 2);
	assert_true(fabs(c.half_spread_bps - (double)(ap - bp) / 2 / c.mid *
	    1e4) < 1e-12);
	assert_int_equal(book_depth(m->book, BOOK_ASK, lv, 1), 1);
	assert_true(fabs(c.x[IMPACT_SIZE_TOP] - log(500.0 / (double)lv[0].qty)) <
	    1e-12);
	assert_true(c.sigma_bps > 0 && c.adv > 0);
	assert_int_equal(impact_context(m, BOOK_BID, 0, &c, err, sizeof err), -1);
	assert_non_null(strstr(err, "qty 0"));
	book_clear(m->book);
	assert_int_equal(impact_context(m, BOOK_ASK, 100, &c, err, sizeof err),
	    -1);
	assert_non_null(strstr(err, "one-sided"));
	market_free(m);
}

/* The policy's impact_est: the shipped model's estimate for the slice,
 * larger for a larger slice, and 0 without a model. */
static void
impact_est_feature_uses_the_model_and_is_zero_without(void **state)
{
	struct market *m = sim_market(11);
	struct impact_model im;
	struct feat_input in = {
		.side = BOOK_BID, .qty = 100000, .sched = 0, .slice = 100,
		.t = OPEN + 900 * NS, .start = OPEN, .end = OPEN + 3600 * NS,
		.queue_ahead = -1,
	};
	double f[FEAT_COUNT], small, big;
	char err[512];

	(void)state;
	assert_int_equal(impact_load(&im, TRANCHE_SOURCE_DIR
	    "/engine/models/impact.json", err, sizeof err), 0);
	market_advance(m, OPEN + 900 * NS);
	feat_compute(m, &in, f);
	assert_true(f[FEAT_IMPACT_EST] == 0);
	in.impact = &im;
	feat_compute(m, &in, f);
	small = f[FEAT_IMPACT_EST];
	in.slice = 20000;
	feat_compute(m, &in, f);
	big = f[FEAT_IMPACT_EST];
	assert_true(small > 0 && small <= 3);
	assert_true(big > small);
	assert_int_equal(feat_find("impact_est"), FEAT_IMPACT_EST);
	impact_free(&im);
	market_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sqrt_fit_recovers_a_known_law),
		cmocka_unit_test(fit_learns_a_synthetic_law_and_beats_the_sqrt_law),
		cmocka_unit_test(model_file_round_trips_and_bad_fields_are_named),
		cmocka_unit_test(activity_record_does_not_depend_on_chunking),
		cmocka_unit_test(context_reads_the_book_and_refuses_a_one_sided_one),
		cmocka_unit_test(impact_est_feature_uses_the_model_and_is_zero_without),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
