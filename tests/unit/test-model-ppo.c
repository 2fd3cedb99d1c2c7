/*
 * tests/unit/test-model-ppo.c -- PPO (engine/model/ppo.c) is right where a
 * wrong implementation would show: the clipped surrogate's gradient agrees
 * with finite differences on both sides of the clip; GAE gives a
 * hand-computed episode's advantages; PPO learns a
 * contextual bandit whose only reward comes at the end of the episode (so
 * GAE has to carry it back to every decision) and, with the sign of the
 * advantages flipped, learns the opposite; and the trained model is the
 * same bit for bit whatever the number of workers.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine/market/rng.h"
#include "engine/model/model.h"

/* ---- the gradient of the surrogate ---------------------------------- */

static void
ppo_surrogate_gradient_matches_finite_differences(void **state)
{
	struct model m;
	struct trace_step s[24];
	double adv[24], *g, worst = 0;
	int hidden[2] = { 8, 6 }, clipped = 0, inside = 0;
	char err[128];
	struct rng r;

	(void)state;
	assert_int_equal(model_init(&m, hidden, 2, 5, 0.3, err, sizeof err), 0);
	rng_seed(&r, 11);
	for (size_t k = 0; k < m.net.nparams; k++)
		m.net.w[k] += 0.4 * (rng_uniform(&r) - 0.5);
	for (int i = 0; i < 24; i++) {
		double z[POLICY_NACTIONS], in[FEAT_COUNT], mx, sum = 0;

		memset(&s[i], 0, sizeof s[i]);
		for (int k = 0; k < FEAT_COUNT; k++)
			s[i].f[k] = 2 * rng_uniform(&r) - 1;
		for (int k = 0; k < m.nfeat; k++)
			in[k] = s[i].f[m.feat[k]];
		s[i].action = (int)rng_below(&r, POLICY_NACTIONS);
		nn_forward(&m.net, in, z, NULL);
		mx = z[0];
		for (int k = 1; k < POLICY_NACTIONS; k++)
			mx = fmax(mx, z[k]);
		for (int k = 0; k < POLICY_NACTIONS; k++)
			sum += exp(z[k] - mx);
		/* The acting policy's log-probability off by up to +-0.5, so
		 * some ratios fall outside 1 +- 0.2 and some inside. */
		double off = rng_uniform(&r) - 0.5;

		s[i].logp = z[s[i].action] - mx - log(sum) + off;
		adv[i] = 2 * rng_uniform(&r) - 1;
		if (fabs(exp(-off) - 1) > 0.2)
			clipped++;
		else
			inside++;
	}
	assert_true(clipped > 3 && inside > 3);
	g = calloc(m.net.nparams, sizeof *g);
	ppo_policy_loss(&m, s, adv, 24, 0.2, 0.05, g);
	for (size_t k = 0; k < m.net.nparams; k++) {
		double keep = m.net.w[k], h = 1e-6, lp, lm, fd, rel;

		m.net.w[k] = keep + h;
		lp = ppo_policy_loss(&m, s, adv, 24, 0.2, 0.05, NULL);
		m.net.w[k] = keep - h;
		lm = ppo_policy_loss(&m, s, adv, 24, 0.2, 0.05, NULL);
		m.net.w[k] = keep;
		fd = (lp - lm) / (2 * h);
		rel = fabs(fd - g[k]) / fmax(1e-4, fabs(fd) + fabs(g[k]));
		if (rel > worst)
			worst = rel;
	}
	printf("# surrogate gradient: %d ratios clipped, %d inside; worst "
	    "relative error %.2e\n", clipped, inside, worst);
	assert_true(worst < 1e-5);
	free(g);
	model_free(&m);
}

/* ---- advantages ------------------------------------------------------ */

/* Three steps worked by hand: gamma 0.9, lambda 0.8, reward 1 at the end.
 * delta = (0.25, -0.41, 0.9); adv = (0.42136, 0.238, 0.9).  With gamma and
 * lambda 1 the returns are the Monte Carlo returns, whatever the values. */
static void
ppo_gae_matches_a_hand_computed_episode(void **state)
{
	struct trace_step s[3];
	double v[3] = { 0.2, 0.5, 0.1 }, adv[3], ret[3];

	(void)state;
	memset(s, 0, sizeof s);
	s[2].reward = 1;
	ppo_gae(s, v, 3, 0.9, 0.8, adv, ret);
	assert_float_equal(adv[2], 0.9, 1e-12);
	assert_float_equal(adv[1], 0.238, 1e-12);
	assert_float_equal(adv[0], 0.42136, 1e-12);
	assert_float_equal(ret[0], 0.62136, 1e-12);
	assert_float_equal(ret[1], 0.738, 1e-12);
	assert_float_equal(ret[2], 1.0, 1e-12);
	s[0].reward = 0.5;
	ppo_gae(s, v, 3, 1, 1, adv, v);
	assert_float_equal(v[0], 1.5, 1e-12);
	assert_float_equal(v[1], 1.0, 1e-12);
	assert_float_equal(v[2], 1.0, 1e-12);
	assert_float_equal(adv[0], 1.3, 1e-12);
}

/* ---- a contextual bandit with the reward at the end ------------------ */

#define TOY_T 4
static const int toy_target[4] = { 5, 9, 14, 2 };

/* TOY_T decisions of one block, each with a context 0..3 (a one-hot
 * input), chosen as the engine chooses (the argmax, then the trainer's
 * hook) and traced; the only reward, after the last, is the share of
 * decisions that chose the context's target action. */
static int
toy_rollout(void *arg, const struct model *m, int it, int ep,
            struct trace *tr)
{
	struct rng r;
	int right = 0;

	(void)arg;
	rng_seed(&r, 1000003ULL * (uint64_t)it + (uint64_t)ep + 17);
	for (int t = 0; t < TOY_T; t++) {
		struct trace_step st = { .t = t, .block = 1 };
		struct policy_choice c;
		int k = (int)rng_below(&r, 4);

		st.f[k] = 1;
		model_decide(m, st.f, &c, 0);
		if (m->choose != NULL)
			m->choose(m->choose_arg, m, st.f, &c, 0, &st.logp);
		st.action = c.action;
		right += c.action == toy_target[k];
		if (trace_add(tr, &st) != 0)
			return -1;
	}
	tr->step[TOY_T - 1].reward = (double)right / TOY_T;
	tr->step[TOY_T - 1].last = 1;
	return 0;
}

/* The argmax policy's cost in context ep % 4: 0 right, 1 wrong. */
static double
toy_cost(void *arg, const struct model *m, int gen, int ep)
{
	double f[FEAT_COUNT] = { 0 };
	struct policy_choice c;

	(void)arg;
	(void)gen;
	f[ep % 4] = 1;
	model_decide(m, f, &c, 0);
	return c.action == toy_target[ep % 4] ? 0 : 1;
}

static struct ppo_opts
toy_opts(int sign, int jobs)
{
	return (struct ppo_opts){
		.iterations = 30, .episodes = 32, .epochs = 4, .minibatch = 32,
		.clip = 0.2, .gamma = 1, .lambda = 0.95, .entropy = 0.01,
		.lr = 0.01, .vf_lr = 0.01, .max_grad = 0.5, .adv_sign = sign,
		.reward_scale = 1,
		.jobs = jobs, .seed = 3, .validate_every = 1, .val_episodes = 4,
		.rollout = toy_rollout, .cost = toy_cost,
	};
}

static void
toy_train(int sign, int jobs, struct model *m, struct ppo_result *res)
{
	struct ppo_opts o = toy_opts(sign, jobs);
	int hidden[1] = { 16 };
	char err[256];

	assert_int_equal(model_init(m, hidden, 1, 7, 0, err, sizeof err), 0);
	if (ppo_train(m, &o, res, err, sizeof err) != 0)
		fail_msg("ppo_train: %s", err);
}

/* Chance is 1/60 per decision.  Within 30 updates PPO gets the last
 * iteration's mean return to 0.9 and the kept argmax policy right in every
 * context; with the advantages' sign flipped it learns to avoid the target
 * (return below chance) and its argmax is right in at most one context. */
static void
ppo_learns_a_delayed_reward_bandit_and_not_with_the_sign_flipped(void **state)
{
	struct model m, bad;
	struct ppo_result r, rb;

	(void)state;
	toy_train(1, 1, &m, &r);
	toy_train(-1, 1, &bad, &rb);
	printf("# bandit: return %.3f, validation cost %.2f (untrained %.2f); "
	    "flipped: return %.3f, its last validation beat nothing\n",
	    r.last_return, r.best_val, r.base_val, rb.last_return);
	assert_true(r.last_return >= 0.9);
	assert_true(r.best_val == 0);
	assert_true(rb.last_return < 1.0 / POLICY_NACTIONS);
	/* The flipped run keeps its best validation, which can only be the
	 * untrained policy's or a lucky early one. */
	assert_true(rb.best_val >= 0.75);
	model_free(&m);
	model_free(&bad);
}

static void
ppo_is_deterministic_whatever_the_jobs(void **state)
{
	struct model a, b, c;
	struct ppo_result ra, rb, rc;
	struct ppo_opts o;
	int hidden[1] = { 16 };
	char err[256];

	(void)state;
	toy_train(1, 1, &a, &ra);
	toy_train(1, 3, &b, &rb);
	assert_int_equal(a.net.nparams, b.net.nparams);
	assert_memory_equal(a.net.w, b.net.w, a.net.nparams * sizeof *a.net.w);
	assert_true(ra.last_return == rb.last_return);
	/* Another seed samples other actions and ends elsewhere. */
	o = toy_opts(1, 1);
	o.seed = 4;
	o.iterations = 3;
	assert_int_equal(model_init(&c, hidden, 1, 7, 0, err, sizeof err), 0);
	assert_int_equal(ppo_train(&c, &o, &rc, err, sizeof err), 0);
	assert_true(memcmp(a.net.w, c.net.w, a.net.nparams * sizeof *a.net.w)
	    != 0);
	model_free(&a);
	model_free(&b);
	model_free(&c);
}

static void
ppo_refuses_bad_options_naming_them(void **state)
{
	struct model m;
	struct ppo_result r;
	struct ppo_opts o = toy_opts(1, 1);
	int hidden[1] = { 4 };
	char err[512];

	(void)state;
	assert_int_equal(model_init(&m, hidden, 1, 7, 0, err, sizeof err), 0);
	o.gamma = 1.5;
	assert_int_equal(ppo_train(&m, &o, &r, err, sizeof err), -1);
	assert_non_null(strstr(err, "gamma 1.5"));
	o = toy_opts(1, 1);
	o.clip = 0;
	assert_int_equal(ppo_train(&m, &o, &r, err, sizeof err), -1);
	assert_non_null(strstr(err, "clip 0"));
	model_free(&m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ppo_surrogate_gradient_matches_finite_differences),
		cmocka_unit_test(ppo_gae_matches_a_hand_computed_episode),
		cmocka_unit_test(
		    ppo_learns_a_delayed_reward_bandit_and_not_with_the_sign_flipped),
		cmocka_unit_test(ppo_is_deterministic_whatever_the_jobs),
		cmocka_unit_test(ppo_refuses_bad_options_naming_them),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
