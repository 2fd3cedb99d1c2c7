/*
 * tests/unit/test-model-nn.c -- the network's gradients agree with finite
 * differences, Adam fits a toy regression, and a model file round-trips
 * exactly and refuses features the engine does not know, and a model's
 * no-book head decides in its markets only, survives the file and is
 * refused where it does not belong.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine/market/rng.h"
#include "engine/model/model.h"

/* Relative errors use a floor of 1e-3 on the gradient size, so round-off
 * on gradients near zero does not count as disagreement.  Loss 0.5 * sum (out - y)^2 for a fixed input and target. */
static double
loss_of(const struct nn *n, const double *x, const double *y)
{
	double out[NN_MAX_WIDTH], l = 0;

	nn_forward(n, x, out, NULL);
	for (int k = 0; k < n->size[n->nlayers]; k++)
		l += 0.5 * (out[k] - y[k]) * (out[k] - y[k]);
	return l;
}

static double
grad_check(int act)
{
	struct nn n;
	struct nn_work w;
	int hidden[2] = { 7, 5 };
	double x[6], y[3], out[3], dout[3], din[6], *g, worst = 0;
	char err[128];
	struct rng r;

	assert_int_equal(nn_init(&n, 6, hidden, 2, 3, act, 42, err, sizeof err), 0);
	rng_seed(&r, 7);
	for (size_t k = 0; k < n.nparams; k++)
		n.w[k] += 0.3 * (rng_uniform(&r) - 0.5); /* non-zero biases too */
	for (int i = 0; i < 6; i++)
		x[i] = 2 * rng_uniform(&r) - 1;
	for (int i = 0; i < 3; i++)
		y[i] = 2 * rng_uniform(&r) - 1;
	nn_forward(&n, x, out, &w);
	for (int k = 0; k < 3; k++)
		dout[k] = out[k] - y[k];
	g = calloc(n.nparams, sizeof *g);
	nn_backward(&n, &w, dout, g, din);
	for (size_t k = 0; k < n.nparams; k++) {
		double keep = n.w[k], h = 1e-5, lp, lm, fd, rel;

		n.w[k] = keep + h;
		lp = loss_of(&n, x, y);
		n.w[k] = keep - h;
		lm = loss_of(&n, x, y);
		n.w[k] = keep;
		fd = (lp - lm) / (2 * h);
		rel = fabs(fd - g[k]) / fmax(1e-3, fabs(fd) + fabs(g[k]));
		if (rel > worst)
			worst = rel;
	}
	for (int i = 0; i < 6; i++) {
		double keep = x[i], h = 1e-5, lp, lm, fd, rel;

		x[i] = keep + h;
		lp = loss_of(&n, x, y);
		x[i] = keep - h;
		lm = loss_of(&n, x, y);
		x[i] = keep;
		fd = (lp - lm) / (2 * h);
		rel = fabs(fd - din[i]) / fmax(1e-3, fabs(fd) + fabs(din[i]));
		if (rel > worst)
			worst = rel;
	}
	free(g);
	nn_free(&n);
	return worst;
}

static void
nn_backprop_matches_finite_differences(void **state)
{
	(void)state;
	double t = grad_check(NN_TANH), u = grad_check(NN_RELU);

	printf("# worst relative gradient error: tanh %.2e, relu %.2e\n", t, u);
	assert_true(t < 1e-7);
	assert_true(u < 1e-7);
}

/* Fit y = sin(x1) + 0.5 x2 on 64 points with full-batch Adam. */
static void
adam_fits_a_toy_regression(void **state)
{
	struct nn n;
	struct nn_adam a;
	struct nn_work w;
	int hidden[1] = { 16 };
	double x[64][2], y[64], *g, first = 0, last = 0;
	char err[128];
	struct rng r;

	(void)state;
	rng_seed(&r, 3);
	for (int i = 0; i < 64; i++) {
		x[i][0] = 4 * rng_uniform(&r) - 2;
		x[i][1] = 2 * rng_uniform(&r) - 1;
		y[i] = sin(x[i][0]) + 0.5 * x[i][1];
	}
	assert_int_equal(nn_init(&n, 2, hidden, 1, 1, NN_TANH, 9, err, sizeof err), 0);
	assert_int_equal(nn_adam_init(&a, n.nparams, 0.01), 0);
	g = calloc(n.nparams, sizeof *g);
	for (int it = 0; it < 2000; it++) {
		double loss = 0;

		memset(g, 0, n.nparams * sizeof *g);
		for (int i = 0; i < 64; i++) {
			double out, d;

			nn_forward(&n, x[i], &out, &w);
			d = (out - y[i]) / 64;
			loss += 0.5 * (out - y[i]) * (out - y[i]) / 64;
			nn_backward(&n, &w, &d, g, NULL);
		}
		if (it == 0)
			first = loss;
		last = loss;
		nn_adam_step(&a, n.w, g);
	}
	printf("# toy regression: mse/2 %.4f -> %.6f\n", first, last);
	assert_true(last < 1e-3);
	assert_true(last < first / 100);
	free(g);
	nn_adam_free(&a);
	nn_free(&n);
}

static void
nn_init_is_seeded(void **state)
{
	struct nn a, b, c;
	int hidden[1] = { 8 };
	char err[128];

	(void)state;
	assert_int_equal(nn_init(&a, 4, hidden, 1, 2, NN_TANH, 5, err, sizeof err), 0);
	assert_int_equal(nn_init(&b, 4, hidden, 1, 2, NN_TANH, 5, err, sizeof err), 0);
	assert_int_equal(nn_init(&c, 4, hidden, 1, 2, NN_TANH, 6, err, sizeof err), 0);
	assert_memory_equal(a.w, b.w, a.nparams * sizeof *a.w);
	assert_true(memcmp(a.w, c.w, a.nparams * sizeof *a.w) != 0);
	nn_free(&c);
	hidden[0] = NN_MAX_WIDTH + 1;
	assert_int_equal(nn_init(&c, 4, hidden, 1, 2, NN_TANH, 6, err, sizeof err), -1);
	assert_non_null(strstr(err, "width"));
	nn_free(&a);
	nn_free(&b);
}

static cJSON *reparsed(const struct model *m);

static void
model_file_round_trips_and_refuses_unknown_features(void **state)
{
	struct model m, back;
	int hidden[2] = { 16, 16 };
	char err[256], path[] = "/tmp/test-model-XXXXXX";
	double f[FEAT_COUNT];
	struct policy_choice c1, c2;
	int fd;

	(void)state;
	assert_int_equal(model_init(&m, hidden, 2, 11, 0.5, err, sizeof err), 0);
	for (int i = 0; i < FEAT_COUNT; i++)
		f[i] = 0.1 * i - 0.4;
	/* The untrained policy is the base schedule. */
	memset(f, 0, sizeof f);
	model_decide(&m, f, &c1, 1);
	assert_int_equal(c1.action, POLICY_BASE_ACTION);
	cJSON_AddStringToObject(m.meta, "commit", "test");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(model_save(&m, path, err, sizeof err), 0);
	assert_int_equal(model_load(&back, path, err, sizeof err), 0);
	assert_memory_equal(m.net.w, back.net.w, m.net.nparams * sizeof *m.net.w);
	for (int i = 0; i < FEAT_COUNT; i++)
		f[i] = 0.3 * sin(i);
	model_decide(&m, f, &c1, 1);
	model_decide(&back, f, &c2, 1);
	assert_int_equal(c1.action, c2.action);
	assert_memory_equal(c1.logit, c2.logit, sizeof c1.logit);
	assert_string_equal(cJSON_GetObjectItem(back.meta, "commit")->valuestring,
	    "test");
	model_free(&back);

	/* Rename one feature: the engine must refuse the model by name. */
	cJSON *o = model_to_json(&m);
	cJSON *f0 = cJSON_GetArrayItem(cJSON_GetObjectItem(o, "features"), 3);
	cJSON_ReplaceItemInObject(f0, "name", cJSON_CreateString("moon_phase"));
	assert_int_equal(model_from_json(&back, o, err, sizeof err), -1);
	assert_non_null(strstr(err, "moon_phase"));
	cJSON_Delete(o);
	/* Version 1 (multipliers of AC's slice) and version 2 (no "ac"
	 * urgency) files are refused by their version, and so is an action
	 * set that is not this engine's, by the list and the value. */
	for (int v = 1; v <= 2; v++) {
		char want[32];

		o = model_to_json(&m);
		cJSON_ReplaceItemInObject(o, "version", cJSON_CreateNumber(v));
		assert_int_equal(model_from_json(&back, o, err, sizeof err), -1);
		snprintf(want, sizeof want, "version %d:", v);
		assert_non_null(strstr(err, want));
		assert_non_null(strstr(err, "version 3"));
		cJSON_Delete(o);
	}
	o = model_to_json(&m);
	cJSON_ReplaceItemInArray(cJSON_GetObjectItem(cJSON_GetObjectItem(o,
	    "actions"), "anchor"), 4, cJSON_CreateString("vwap"));
	assert_int_equal(model_from_json(&back, o, err, sizeof err), -1);
	assert_non_null(strstr(err, "actions.anchor"));
	assert_non_null(strstr(err, "\"vwap\""));
	cJSON_Delete(o);
	o = model_to_json(&m);
	cJSON_DeleteItemFromObject(cJSON_GetObjectItem(o, "actions"), "anchor");
	assert_int_equal(model_from_json(&back, o, err, sizeof err), -1);
	assert_non_null(strstr(err, "actions.anchor"));
	cJSON_Delete(o);
	o = model_to_json(&m);
	cJSON_ReplaceItemInArray(cJSON_GetObjectItem(cJSON_GetObjectItem(o,
	    "actions"), "lump"), 2, cJSON_CreateNumber(0.5));
	assert_int_equal(model_from_json(&back, o, err, sizeof err), -1);
	assert_non_null(strstr(err, "actions.lump"));
	assert_non_null(strstr(err, "0.5"));
	cJSON_Delete(o);
	/* The styles and the baseline are this engine's too, and a layer
	 * size is a whole number (found by a probe on 2026-12-05: a bogus
	 * style, baseline "twap" and layers 17.9 all loaded). */
	o = model_to_json(&m);
	cJSON_ReplaceItemInArray(cJSON_GetObjectItem(cJSON_GetObjectItem(o,
	    "actions"), "style"), 1, cJSON_CreateString("bogus"));
	assert_int_equal(model_from_json(&back, o, err, sizeof err), -1);
	assert_non_null(strstr(err, "actions.style"));
	assert_non_null(strstr(err, "\"bogus\""));
	cJSON_Delete(o);
	o = model_to_json(&m);
	cJSON_ReplaceItemInObject(cJSON_GetObjectItem(o, "actions"), "baseline",
	    cJSON_CreateString("twap"));
	assert_int_equal(model_from_json(&back, o, err, sizeof err), -1);
	assert_non_null(strstr(err, "actions.baseline"));
	assert_non_null(strstr(err, "twap"));
	cJSON_Delete(o);
	o = model_to_json(&m);
	cJSON_ReplaceItemInArray(cJSON_GetObjectItem(cJSON_GetObjectItem(o,
	    "arch"), "layers"), 0, cJSON_CreateNumber(m.nfeat + 0.9));
	assert_int_equal(model_from_json(&back, o, err, sizeof err), -1);
	assert_non_null(strstr(err, "arch.layers"));
	assert_non_null(strstr(err, "not a layer size"));
	cJSON_Delete(o);
	/* Found by a review on 2026-12-07: weights that are finite but
	 * overflow every score (the policy then kept its baseline without a
	 * word), a feature named twice, and a version written as a string
	 * (said as nan). */
	o = reparsed(&m);
	cJSON_ReplaceItemInArray(cJSON_GetObjectItem(o, "weights"), 3,
	    cJSON_CreateNumber(1.7e308));
	assert_int_equal(model_from_json(&back, o, err, sizeof err), -1);
	assert_non_null(strstr(err, "\"weights\"[3] 1.7e+308: must be a "
	    "number within +-1e+06"));
	cJSON_Delete(o);
	o = model_to_json(&m);
	cJSON_ReplaceItemInArray(cJSON_GetObjectItem(o, "features"), 1,
	    cJSON_Duplicate(cJSON_GetArrayItem(cJSON_GetObjectItem(o,
	    "features"), 0), 1));
	assert_int_equal(model_from_json(&back, o, err, sizeof err), -1);
	assert_non_null(strstr(err, "is named twice (features 0 and 1)"));
	cJSON_Delete(o);
	o = model_to_json(&m);
	cJSON_ReplaceItemInObject(o, "version", cJSON_CreateString("5"));
	assert_int_equal(model_from_json(&back, o, err, sizeof err), -1);
	assert_non_null(strstr(err, "version \"5\": this engine reads"));
	cJSON_Delete(o);
	/* The file is read as another reader would: a key twice, or text
	 * after the model, is refused naming it. */
	{
		FILE *fp;
		char *text;

		o = model_to_json(&m);
		text = cJSON_PrintUnformatted(o);
		cJSON_Delete(o);
		assert_non_null(fp = fopen(path, "w"));
		fprintf(fp, "%s garbage\n", text);
		fclose(fp);
		assert_int_equal(model_load(&back, path, err, sizeof err), -1);
		assert_non_null(strstr(err, "after the JSON value"));
		assert_non_null(strstr(err, "garbage"));
		assert_non_null(fp = fopen(path, "w"));
		fprintf(fp, "{\"format\":\"other\",%s\n", text + 1);
		fclose(fp);
		assert_int_equal(model_load(&back, path, err, sizeof err), -1);
		assert_non_null(strstr(err, "\"format\" appears twice"));
		cJSON_free(text);
	}
	unlink(path);
	model_free(&m);
}

/* m's JSON as a file would give it back (the weights are raw numbers
 * until printed). */
static cJSON *
reparsed(const struct model *m)
{
	cJSON *o = model_to_json(m);
	char *txt = cJSON_PrintUnformatted(o);
	cJSON *back = cJSON_Parse(txt);

	assert_non_null(back);
	cJSON_free(txt);
	cJSON_Delete(o);
	return back;
}

/*
 * The digest is what decides: the same after a round trip through a file
 * and with another name and record; different when a weight, the features
 * read, the no-book head or the news rule differ.
 */
static void
model_digest_is_what_decides(void **state)
{
	struct model m, back, other;
	char err[256], path[] = "/tmp/test-model-XXXXXX";
	uint64_t d;
	int fd;

	(void)state;
	assert_int_equal(model_init(&m, NULL, 0, 5, 0.5, err, sizeof err), 0);
	d = model_digest(&m);
	/* Pinned: the digests this model had, and had with a news rule,
	 * before the rule for after hard news existed.  Journals name them,
	 * and a recovery is refused when they differ. */
	{
		struct model q = m;

		q.news = (struct news_rule){ .on = 1, .after_lo = 20,
		    .after_hi = 120, .move_k = 1, .priced_k = 30, .take = 1 };
		assert_true(d == 0x05b5d5086c9e73d5ULL);
		assert_true(model_digest(&q) == 0xc969f141718b981cULL);
	}
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(model_save(&m, path, err, sizeof err), 0);
	assert_int_equal(model_load(&back, path, err, sizeof err), 0);
	unlink(path);
	assert_true(model_digest(&back) == d);
	snprintf(back.name, sizeof back.name, "renamed");
	cJSON_AddStringToObject(back.meta, "commit", "elsewhere");
	assert_true(model_digest(&back) == d);
	/* A weight of -0 is a weight of 0 (a JSON rewrite may turn one into
	 * the other); the least step away from it is not. */
	{
		double w = back.net.w[7];

		back.net.w[7] = 0.0;
		d = model_digest(&back);
		back.net.w[7] = -0.0;
		assert_true(model_digest(&back) == d);
		back.net.w[7] = nextafter(0.0, 1);
		assert_true(model_digest(&back) != d);
		back.net.w[7] = w;
		d = model_digest(&back);
	}
	/* One weight, by the least step a double takes. */
	back.net.w[7] = nextafter(back.net.w[7], 1);
	assert_true(model_digest(&back) != d);
	model_free(&back);
	/* The news rule, on and off, and one of its numbers. */
	assert_int_equal(model_copy(&other, &m), 0);
	other.news = (struct news_rule){ .on = 1, .after_lo = 20,
	    .after_hi = 120, .move_k = 1, .priced_k = 30, .take = 1 };
	assert_true(model_digest(&other) != d);
	d = model_digest(&other);
	other.news.take = 0.5;
	assert_true(model_digest(&other) != d);
	other.news.on = 0;
	assert_true(model_digest(&other) == model_digest(&m));
	/* The rule after hard news, its action and its threshold; off, the
	 * digest a model had before there was such a rule. */
	other.hard = (struct hard_rule){ .on = 1, .priced_k = 30, .action = 1 };
	assert_true(model_digest(&other) != model_digest(&m));
	d = model_digest(&other);
	other.hard.action = 0;
	assert_true(model_digest(&other) != d);
	d = model_digest(&other);
	other.hard.priced_k = 20;
	assert_true(model_digest(&other) != d);
	other.hard.on = 0;
	assert_true(model_digest(&other) == model_digest(&m));
	/* A no-book head. */
	assert_int_equal(model_set_no_book(&other, &m, err, sizeof err), 0);
	assert_true(model_digest(&other) != model_digest(&m));
	model_free(&other);
	/* The features read. */
	assert_int_equal(model_copy(&other, &m), 0);
	other.feat[0] = other.feat[1];
	assert_true(model_digest(&other) != model_digest(&m));
	model_free(&other);
	model_free(&m);
}

/* A linear model whose only preference is action a (a bias). */
static void
linear_prefers(struct model *m, int a)
{
	char err[256];

	assert_int_equal(model_init(m, NULL, 0, 3, 0.5, err, sizeof err), 0);
	m->net.w[(size_t)m->nfeat * POLICY_NACTIONS + (size_t)a] = 5;
}

static void
no_book_head_decides_in_its_markets_and_round_trips(void **state)
{
	struct model m, head, back, other;
	char err[256], path[] = "/tmp/test-model-XXXXXX";
	double f[FEAT_COUNT];
	struct policy_choice c;
	int fd, want = POLICY_NACTIONS - 1;

	(void)state;
	memset(f, 0, sizeof f);
	linear_prefers(&m, POLICY_BASE_ACTION);
	linear_prefers(&head, want);
	/* Without a head, both kinds of market get the model's net. */
	model_decide_head(&m, MODEL_HEAD_NO_BOOK, f, &c, 1);
	assert_int_equal(c.action, POLICY_BASE_ACTION);
	assert_ptr_equal(model_head_net(&m, MODEL_HEAD_NO_BOOK), &m.net);
	assert_int_equal(model_set_no_book(&m, &head, err, sizeof err), 0);
	model_decide_head(&m, MODEL_HEAD_NO_BOOK, f, &c, 1);
	assert_int_equal(c.action, want);
	model_decide_head(&m, MODEL_HEAD_BOOK, f, &c, 1);
	assert_int_equal(c.action, POLICY_BASE_ACTION);
	model_decide(&m, f, &c, 0);
	assert_int_equal(c.action, POLICY_BASE_ACTION);
	/* From a model with a head of its own, that head is carried, not its
	 * book head. */
	linear_prefers(&other, POLICY_BASE_ACTION);
	assert_int_equal(model_set_no_book(&other, &m, err, sizeof err), 0);
	model_decide_head(&other, MODEL_HEAD_NO_BOOK, f, &c, 0);
	assert_int_equal(c.action, want);
	model_free(&other);

	/* A copy owns its head; the file keeps it, bit for bit. */
	assert_int_equal(model_copy(&other, &m), 0);
	assert_ptr_not_equal(other.no_book.w, m.no_book.w);
	model_free(&other);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(model_save(&m, path, err, sizeof err), 0);
	assert_int_equal(model_load(&back, path, err, sizeof err), 0);
	assert_int_equal(back.no_book.nparams, m.no_book.nparams);
	assert_memory_equal(back.no_book.w, m.no_book.w,
	    m.no_book.nparams * sizeof *m.no_book.w);
	model_decide_head(&back, MODEL_HEAD_NO_BOOK, f, &c, 0);
	assert_int_equal(c.action, want);
	model_free(&back);
	unlink(path);

	/* A version 3 file is one head and loads; a head in it is refused,
	 * as is a head of the wrong shape, by the field's name. */
	cJSON *o = reparsed(&m);

	cJSON_ReplaceItemInObject(o, "version", cJSON_CreateNumber(3));
	assert_int_equal(model_from_json(&back, o, err, sizeof err), -1);
	assert_non_null(strstr(err, "\"no_book\""));
	cJSON_DeleteItemFromObject(o, "no_book");
	assert_int_equal(model_from_json(&back, o, err, sizeof err), 0);
	assert_int_equal(back.no_book.nlayers, 0);
	model_free(&back);
	cJSON_Delete(o);
	o = reparsed(&m);
	cJSON_DeleteItemFromArray(cJSON_GetObjectItem(cJSON_GetObjectItem(o,
	    "no_book"), "weights"), 0);
	assert_int_equal(model_from_json(&back, o, err, sizeof err), -1);
	assert_non_null(strstr(err, "\"no_book\": \"weights\""));
	cJSON_Delete(o);
	o = reparsed(&m);
	cJSON_ReplaceItemInObject(o, "no_book", cJSON_CreateString("ac"));
	assert_int_equal(model_from_json(&back, o, err, sizeof err), -1);
	assert_non_null(strstr(err, "\"no_book\""));
	cJSON_Delete(o);

	/* A head reading other features is refused, naming the first. */
	head.nfeat--;
	assert_int_equal(model_set_no_book(&m, &head, err, sizeof err), -1);
	assert_non_null(strstr(err, "features (it reads 16)"));
	head.nfeat++;
	head.feat[2] = FEAT_IMPACT_EST;
	assert_int_equal(model_set_no_book(&m, &head, err, sizeof err), -1);
	assert_non_null(strstr(err, "input 2 is \"impact_est\" there, "
	    "\"sched_dev\" here"));
	model_free(&head);
	model_free(&m);
}

/* The news confirmation (model version 5): kept by a file bit for bit, a
 * model without one written as version 4, and every bad value refused by
 * its field's name and the value. */
static void
news_rule_round_trips_and_refuses_bad_values(void **state)
{
	struct model m, back;
	cJSON *o, *r;
	char err[256];
	static const struct {
		const char *field, *json, *says;
	} bad[] = {
		{ "after_s", "[120, 20]", "\"news_rule.after_s\": [120,20]" },
		{ "after_s", "[-1, 20]", "\"news_rule.after_s\": [-1,20]" },
		{ "after_s", "[0, 4000]", "\"news_rule.after_s\": [0,4000]" },
		{ "after_s", "20", "\"news_rule.after_s\": 20" },
		{ "move30_sigma", "0", "\"news_rule.move30_sigma\": 0" },
		{ "move30_sigma", "\"2\"", "\"news_rule.move30_sigma\": \"2\"" },
		{ "priced_sigma", "-3", "\"news_rule.priced_sigma\": -3" },
		{ "take", "1.5", "\"news_rule.take\": 1.5" },
		{ "take", "null", "\"news_rule.take\": null" },
	};

	(void)state;
	linear_prefers(&m, POLICY_BASE_ACTION);
	o = model_to_json(&m);
	assert_int_equal((int)cJSON_GetObjectItem(o, "version")->valuedouble, 4);
	assert_null(cJSON_GetObjectItem(o, "news_rule"));
	cJSON_Delete(o);
	m.news = (struct news_rule){ .on = 1, .after_lo = 40, .after_hi = 120,
	    .move_k = 2, .priced_k = 20, .take = 0.5 };
	o = reparsed(&m);
	assert_int_equal((int)cJSON_GetObjectItem(o, "version")->valuedouble, 5);
	assert_int_equal(model_from_json(&back, o, err, sizeof err), 0);
	assert_int_equal(back.news.on, 1);
	assert_true(back.news.after_lo == 40 && back.news.after_hi == 120 &&
	    back.news.move_k == 2 && back.news.priced_k == 20 &&
	    back.news.take == 0.5);
	model_free(&back);
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		cJSON *c = cJSON_Duplicate(o, 1);

		r = cJSON_GetObjectItem(c, "news_rule");
		cJSON_ReplaceItemInObject(r, bad[i].field, cJSON_Parse(bad[i].json));
		assert_int_equal(model_from_json(&back, c, err, sizeof err), -1);
		assert_non_null(strstr(err, bad[i].says));
		cJSON_Delete(c);
	}
	/* A field left out is named; a rule in a version 4 file is refused. */
	r = cJSON_GetObjectItem(o, "news_rule");
	cJSON_DeleteItemFromObject(r, "take");
	assert_int_equal(model_from_json(&back, o, err, sizeof err), -1);
	assert_non_null(strstr(err, "\"news_rule.take\": missing"));
	cJSON_AddNumberToObject(r, "take", 1);
	cJSON_ReplaceItemInObject(o, "version", cJSON_CreateNumber(4));
	assert_int_equal(model_from_json(&back, o, err, sizeof err), -1);
	assert_non_null(strstr(err, "\"news_rule\": needs version 5"));
	cJSON_Delete(o);
	model_free(&m);
}

/* The rule after hard news (model version 6): its action by name, kept by
 * a file; a bad threshold or an action that is not one (or has a lump)
 * refused by the field's name and the value; a version 5 file with it
 * refused. */
static void
hard_rule_round_trips_and_refuses_bad_values(void **state)
{
	struct model m, back;
	cJSON *o, *r;
	char err[256], name[32];
	static const struct {
		const char *field, *json, *says;
	} bad[] = {
		{ "priced_sigma", "0", "\"hard_news.priced_sigma\": 0" },
		{ "priced_sigma", "\"30\"", "\"hard_news.priced_sigma\": \"30\"" },
		{ "action", "\"ac sideways\"", "\"hard_news.action\": \"ac sideways\"" },
		{ "action", "49", "\"hard_news.action\": 49" },
		{ "action", "\"u+2 lump 10% cross\"",
		    "\"hard_news.action\": \"u+2 lump 10% cross\"" },
	};

	(void)state;
	linear_prefers(&m, POLICY_BASE_ACTION);
	m.news = (struct news_rule){ .on = 1, .after_lo = 20, .after_hi = 120,
	    .move_k = 1, .priced_k = 30, .take = 1 };
	m.hard = (struct hard_rule){ .on = 1, .priced_k = 20,
	    .action = 4 * POLICY_NLUMP * POLICY_NSTYLE + POLICY_PASSIVE };
	o = reparsed(&m);
	assert_int_equal((int)cJSON_GetObjectItem(o, "version")->valuedouble, 6);
	r = cJSON_GetObjectItem(o, "hard_news");
	assert_string_equal(cJSON_GetObjectItem(r, "action")->valuestring,
	    "ac passive");
	assert_int_equal(model_from_json(&back, o, err, sizeof err), 0);
	assert_int_equal(back.hard.on, 1);
	assert_true(back.hard.priced_k == 20);
	assert_int_equal(back.hard.action, m.hard.action);
	assert_true(model_digest(&back) == model_digest(&m));
	model_free(&back);
	/* "base" names the baseline as it is. */
	r = cJSON_GetObjectItem(o, "hard_news");
	cJSON_ReplaceItemInObject(r, "action", cJSON_CreateString("base"));
	assert_int_equal(model_from_json(&back, o, err, sizeof err), 0);
	policy_action_name(name, sizeof name, back.hard.action);
	assert_string_equal(name, "base");
	model_free(&back);
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		cJSON *c = cJSON_Duplicate(o, 1);

		r = cJSON_GetObjectItem(c, "hard_news");
		cJSON_ReplaceItemInObject(r, bad[i].field, cJSON_Parse(bad[i].json));
		assert_int_equal(model_from_json(&back, c, err, sizeof err), -1);
		if (strstr(err, bad[i].says) == NULL)
			fail_msg("%s: %s", bad[i].json, err);
		cJSON_Delete(c);
	}
	/* Not an object, or a field left out: named. */
	{
		cJSON *c = cJSON_Duplicate(o, 1);

		cJSON_ReplaceItemInObject(c, "hard_news", cJSON_CreateNumber(30));
		assert_int_equal(model_from_json(&back, c, err, sizeof err), -1);
		assert_non_null(strstr(err, "\"hard_news\": 30: must be an "
		    "object"));
		cJSON_Delete(c);
		c = cJSON_Duplicate(o, 1);
		cJSON_DeleteItemFromObject(cJSON_GetObjectItem(c, "hard_news"),
		    "action");
		assert_int_equal(model_from_json(&back, c, err, sizeof err), -1);
		assert_non_null(strstr(err, "\"hard_news.action\": missing"));
		cJSON_Delete(c);
	}
	cJSON_ReplaceItemInObject(o, "version", cJSON_CreateNumber(5));
	assert_int_equal(model_from_json(&back, o, err, sizeof err), -1);
	assert_non_null(strstr(err, "\"hard_news\": needs version 6"));
	cJSON_Delete(o);
	/* Without it, still version 5 (an engine before the rule reads it). */
	m.hard.on = 0;
	o = model_to_json(&m);
	assert_int_equal((int)cJSON_GetObjectItem(o, "version")->valuedouble, 5);
	assert_null(cJSON_GetObjectItem(o, "hard_news"));
	cJSON_Delete(o);
	model_free(&m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(nn_backprop_matches_finite_differences),
		cmocka_unit_test(adam_fits_a_toy_regression),
		cmocka_unit_test(nn_init_is_seeded),
		cmocka_unit_test(model_file_round_trips_and_refuses_unknown_features),
		cmocka_unit_test(no_book_head_decides_in_its_markets_and_round_trips),
		cmocka_unit_test(news_rule_round_trips_and_refuses_bad_values),
		cmocka_unit_test(hard_rule_round_trips_and_refuses_bad_values),
		cmocka_unit_test(model_digest_is_what_decides),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
