/*
 * tests/unit/test-model-dealer.c -- the dealer-selection model on
 * synthetic requests whose answer is known: a dealer that always leaks is
 * ranked last and skipped, a dealer that always quotes best gets the
 * highest p(competitive), training is deterministic for a seed, and a
 * record and a model survive JSON exactly.
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
#include "engine/model/model.h"

#define ND 6

/*
 * n requests to a random 2..6 of ND dealers.  Every dealer asked answers
 * with a cost of 5 bps plus noise, except best (always 1 bps, the best);
 * the mid then moves by noise plus 8 bps if leaker was asked.
 */
static struct dealer_obs *
synth(size_t n, int leaker, int best, uint64_t seed)
{
	struct dealer_obs *v = calloc(n, sizeof *v);
	struct dealer_hist h;
	struct rng r;

	assert_non_null(v);
	rng_seed(&r, seed);
	dealer_hist_init(&h);
	for (size_t i = 0; i < n; i++) {
		struct dealer_obs *o = &v[i];
		int k = 2 + (int)rng_below(&r, ND - 1);

		o->t = (int64_t)i * 1000000000LL;
		o->qty = 10000;
		o->req.side = (i & 1) ? BOOK_BID : BOOK_ASK;
		o->req.size_pct = 5 + 10 * rng_uniform(&r);
		o->req.vol_bps = 10;
		o->req.spread_bps = 3;
		o->req.tod = rng_uniform(&r);
		o->ndealers = ND;
		o->winner = -1;
		for (int d = 0; d < ND; d++)
			snprintf(o->names[d], sizeof o->names[d], "D%d", d + 1);
		while (__builtin_popcount(o->asked) < k)
			o->asked |= 1u << rng_below(&r, ND);
		for (int d = 0; d < ND; d++) {
			dealer_hist_features(&h, d, o->h[d]);
			if (!(o->asked & (1u << d)))
				continue;
			o->quoted |= 1u << d;
			o->quote_bps[d] = d == best ? 1 : 5 + 3 * rng_uniform(&r);
		}
		o->move_bps = 4 * rng_normal(&r) + ((o->asked >> leaker) & 1u ? 8 : 0);
		dealer_hist_update(&h, o);
	}
	return v;
}

static void
train(struct dealer_model *m, const struct dealer_obs *v, size_t n,
      uint64_t seed)
{
	struct dealer_train_opts o;
	char err[200];

	dealer_train_defaults(&o);
	o.seed = seed;
	assert_int_equal(dealer_train(m, v, n, &o, err, sizeof err), 0);
}

static void
rank_of(const struct dealer_model *m, const struct dealer_obs *o, int k,
        struct dealer_rank *rk, unsigned *mask)
{
	*mask = dealer_choose(m, &o->req, o->ndealers,
	    (const char (*)[8])o->names, (const double (*)[DEALER_NHIST])o->h,
	    (1u << ND) - 1, k, rk);
}

static void
leaker_is_ranked_last_and_best_first(void **state)
{
	struct dealer_obs *v = synth(3000, 3, 1, 7);
	struct dealer_model m;
	struct dealer_rank rk;
	unsigned mask;
	struct dealer_fit f;

	(void)state;
	train(&m, v, 3000, 1);
	/* D4 (index 3) leaks 8 bps: the estimate says so, and no other
	 * dealer is said to leak more than a third of it. */
	assert_true(m.leak_a[3] + m.leak_c[3] * v[2999].req.size_pct / 10 > 5);
	for (int d = 0; d < ND; d++)
		if (d != 3)
			assert_true(fabs(m.leak_a[d] + m.leak_c[d] *
			    v[2999].req.size_pct / 10) < 2.7);
	rank_of(&m, &v[2999], 5, &rk, &mask);
	assert_int_equal(rk.n, ND);
	assert_int_equal(rk.idx[ND - 1], 3);
	assert_false(mask & (1u << 3));
	/* D2 (index 1) is always the best quote: the highest p. */
	for (int i = 0; i < rk.n; i++)
		if (rk.idx[i] != 1)
			assert_true(rk.p[i] < rk.p[0] || rk.idx[0] == 1);
	{
		double p1 = 0, pmax = 0;

		for (int i = 0; i < rk.n; i++) {
			if (rk.idx[i] == 1)
				p1 = rk.p[i];
			else if (rk.p[i] > pmax)
				pmax = rk.p[i];
		}
		assert_true(p1 > 0.8);
		assert_true(p1 > pmax + 0.3);
	}
	/* And the fit beats constants on fresh requests. */
	free(v);
	v = synth(1000, 3, 1, 8);
	dealer_evaluate(&m, v, 1000, &f);
	assert_true(f.logloss < f.base_logloss - 0.1);
	assert_true(f.leak_rmse < f.base_leak_rmse - 0.5);
	dealer_model_free(&m);
	free(v);
}

static void
training_is_deterministic_per_seed(void **state)
{
	struct dealer_obs *v = synth(500, 0, 2, 9);
	struct dealer_model a, b, c;

	(void)state;
	train(&a, v, 500, 3);
	train(&b, v, 500, 3);
	train(&c, v, 500, 4);
	assert_memory_equal(a.w, b.w, sizeof a.w);
	assert_memory_equal(a.leak_a, b.leak_a, sizeof a.leak_a);
	assert_memory_equal(a.leak_c, b.leak_c, sizeof a.leak_c);
	assert_true(a.leak_b == b.leak_b && a.gain_bps == b.gain_bps);
	/* Another order of the same records is another model. */
	assert_true(memcmp(a.w, c.w, sizeof a.w) != 0);
	free(v);
}

/* As a journal holds it: printed, then read back. */
static cJSON *
reparse(cJSON *j)
{
	char *s = cJSON_PrintUnformatted(j);
	cJSON *r = cJSON_Parse(s);

	free(s);
	cJSON_Delete(j);
	assert_non_null(r);
	return r;
}

static void
record_and_model_survive_json(void **state)
{
	struct dealer_obs *v = synth(50, 0, 2, 10), o;
	struct dealer_model m, l;
	char err[300], path[] = "/tmp/tranche-dealer-XXXXXX";
	int fd;
	cJSON *j;
	FILE *f;

	(void)state;
	v[3].winner = 2;
	v[3].filled = 5000;
	v[4].move_bps = NAN;
	for (int i = 0; i < 50; i++) {
		j = reparse(dealer_obs_to_json(&v[i]));
		assert_int_equal(dealer_obs_from_json(&o, j, err, sizeof err), 0);
		cJSON_Delete(j);
		if (i == 4) {
			assert_true(isnan(o.move_bps));
			o.move_bps = v[i].move_bps;
		}
		assert_memory_equal(&o, &v[i], sizeof o);
	}
	/* A bad field is refused by name. */
	j = reparse(dealer_obs_to_json(&v[0]));
	cJSON_ReplaceItemInObjectCaseSensitive(j, "winner",
	    cJSON_CreateNumber(9));
	assert_int_equal(dealer_obs_from_json(&o, j, err, sizeof err), -1);
	assert_non_null(strstr(err, "winner 9"));
	cJSON_Delete(j);

	train(&m, v, 50, 1);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(dealer_model_save(&m, path, err, sizeof err), 0);
	assert_int_equal(dealer_model_load(&l, path, err, sizeof err), 0);
	assert_memory_equal(m.w, l.w, sizeof m.w);
	assert_memory_equal(m.leak_a, l.leak_a, sizeof m.leak_a);
	assert_true(m.leak_b == l.leak_b && m.gain_bps == l.gain_bps);
	assert_int_equal(l.ndealers, ND);
	dealer_model_free(&l);
	/* A model over inputs this engine does not compute is refused,
	 * naming the input. */
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("{\"format\":\"tranche-dealers\",\"version\":1,\"dealers\":[],"
	    "\"comp_inputs\":[\"bias\",\"size\"]}", f);
	fclose(f);
	assert_int_equal(dealer_model_load(&l, path, err, sizeof err), -1);
	assert_non_null(strstr(err, "comp_inputs"));
	remove(path);
	dealer_model_free(&m);
	free(v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(leaker_is_ranked_last_and_best_first),
		cmocka_unit_test(training_is_deterministic_per_seed),
		cmocka_unit_test(record_and_model_survive_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
