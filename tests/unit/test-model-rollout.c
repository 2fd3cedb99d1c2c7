/*
 * tests/unit/test-model-rollout.c -- rollout policy iteration
 * (engine/model/rollout.c) where a wrong implementation would show: the
 * ridge fit recovers a planted linear Q-function and turns it into the
 * policy it implies (leave the baseline only where the gain beats the
 * margin); and the whole trainer, on a toy session whose cost is known
 * (news halfway through; going faster after bad news saves, after good
 * news costs), learns to speed up after bad news and only then, validates
 * better than the untrained policy, and is the same bit for bit with one
 * worker or two; and the news confirmation's tuning picks a planted
 * setting and keeps it only when it validates cheaper.
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

/* The candidate column of action a, or -1. */
static int
col_of(int a)
{
	int cand[POLICY_NACTIONS], n = rollout_candidates(cand);

	for (int c = 0; c < n; c++)
		if (cand[c] == a)
			return c;
	return -1;
}

/* The policy's choice on a feature vector with news_sent = sent. */
static int
choice(const struct model *m, double sent)
{
	double f[FEAT_COUNT] = { 0 };
	struct policy_choice c;

	f[FEAT_TIME_LEFT] = 0.5;
	f[FEAT_INV_LEFT] = 0.5;
	f[FEAT_NEWS_RECENT] = sent != 0 ? 1 : 0;
	f[FEAT_NEWS_SENT] = sent;
	model_decide(m, f, &c, 0);
	return c.action;
}

/* The action "urgency +5, no lump, the block's tactic". */
static int
fast_action(void)
{
	for (int a = 0; a < POLICY_NACTIONS; a++)
		if (policy_urgency(a) == 5 && policy_lump(a) == 0 &&
		    policy_style(a) == POLICY_TACTIC)
			return a;
	return -1;
}

static void
fit_recovers_a_planted_q(void **state)
{
	struct model m;
	int n = rollout_candidates(NULL), fast = fast_action(), cf = col_of(fast);
	int ns = 400, sent_in = -1;
	double *x, *d, r2 = 0;
	char err[128];
	struct rng r;

	(void)state;
	assert_true(fast > 0 && cf > 0);
	assert_int_equal(col_of(POLICY_BASE_ACTION), 0);
	assert_int_equal(model_init(&m, NULL, 0, 1, 0.3, err, sizeof err), 0);
	for (int i = 0; i < m.nfeat; i++)
		if (m.feat[i] == FEAT_NEWS_SENT)
			sent_in = i;
	assert_true(sent_in >= 0);
	x = calloc((size_t)(ns * m.nfeat), sizeof *x);
	d = calloc((size_t)(ns * n), sizeof *d);
	rng_seed(&r, 3);
	for (int s = 0; s < ns; s++) {
		for (int i = 0; i < m.nfeat; i++)
			x[s * m.nfeat + i] = 2 * rng_uniform(&r) - 1;
		double sent = x[s * m.nfeat + sent_in];

		for (int c = 0; c < n; c++)
			d[s * n + c] = (c == 0 ? 0 : c == cf ? 3 * sent : 1) +
			    0.2 * (rng_uniform(&r) - 0.5);
	}
	assert_int_equal(rollout_fit(&m, x, d, ns, 1, 0.5, POLICY_BASE_ACTION,
	    &r2), 0);
	assert_true(r2 > 0.9);
	/* Bad news (sentiment against us): 3 bps saved, beyond the margin. */
	assert_int_equal(choice(&m, -1), fast);
	/* No news or good news: the baseline. */
	assert_int_equal(choice(&m, 0), POLICY_BASE_ACTION);
	assert_int_equal(choice(&m, 1), POLICY_BASE_ACTION);
	/* A gain under the margin is not taken: -0.1 x 3 = 0.3 < 0.5. */
	assert_int_equal(choice(&m, -0.1), POLICY_BASE_ACTION);
	free(x);
	free(d);
	model_free(&m);
}

/*
 * A toy session of 100 steps: news at step 50, its sentiment (against us
 * on odd episodes) the same for the rest of the session.  Each step after
 * the news the policy chooses (the trainer's hook may force it); a choice
 * with urgency > 0 saves 1 bps per step after bad news and costs 1 after
 * good news; one with urgency < 0 costs 0.5 a step anywhere; placement
 * and lumps cost 0.2 a step.  The untrained policy (the baseline) costs
 * 10 a session.
 */
static double
toy_cost(void *arg, const struct model *m, int it, int ep)
{
	double cost = 10, sent = (ep + (it < 0 ? 0 : it)) % 2 ? -0.8 : 0.8;

	(void)arg;
	for (int t = 0; t < 100; t++) {
		double f[FEAT_COUNT] = { 0 }, logp = 0;
		struct policy_choice c;
		int news = t >= 50;

		f[FEAT_TIME_LEFT] = 1 - t / 100.0;
		f[FEAT_INV_LEFT] = 1 - t / 100.0;
		f[FEAT_NEWS_RECENT] = news ? 0.99 : 0;
		f[FEAT_NEWS_SENT] = news ? sent : 0;
		model_decide(m, f, &c, 0);
		if (m->choose != NULL)
			m->choose(m->choose_arg, m, f, &c, 0, &logp);
		if (policy_urgency(c.action) > 0 && news)
			cost += sent < 0 ? -1 : 1;
		if (policy_urgency(c.action) < 0)
			cost += 0.5;
		if (policy_style(c.action) != POLICY_TACTIC ||
		    policy_lump(c.action) > 0)
			cost += 0.2;
	}
	return cost;
}

static void
train(struct model *m, int jobs, struct rollout_result *res)
{
	char err[256];
	struct rollout_opts o = {
		.iterations = 2, .episodes = 12, .points = 2, .hold = 0.2,
		.ridge = 1, .margin = 0.5, .clip = 50, .jobs = jobs, .seed = 9,
		.val_episodes = 8, .cost = toy_cost,
	};

	assert_int_equal(model_init(m, NULL, 0, 1, 0.3, err, sizeof err), 0);
	if (rollout_train(m, &o, res, err, sizeof err) != 0)
		fail_msg("rollout_train: %s", err);
}

static void
trainer_learns_the_toy_and_is_deterministic(void **state)
{
	struct model a, b;
	struct rollout_result ra, rb;
	int pick;

	(void)state;
	train(&a, 1, &ra);
	train(&b, 2, &rb);
	assert_memory_equal(a.net.w, b.net.w, a.net.nparams * sizeof *a.net.w);
	assert_true(ra.best_val == rb.best_val);
	/* The untrained policy pays 10; the learned one saves on bad news. */
	assert_true(fabs(ra.base_val - 10) < 1e-9);
	assert_true(ra.best_iter >= 1);
	assert_true(ra.best_val < ra.base_val - 10);
	pick = choice(&a, -0.8);
	assert_true(policy_urgency(pick) > 0);
	assert_int_equal(choice(&a, 0.8), POLICY_BASE_ACTION);
	model_free(&a);
	model_free(&b);
}

/*
 * --start: the first iteration runs the start action everywhere (here
 * "passive", which costs the toy 0.2 a step: 30 a session), and training
 * leaves it where leaving gains more than the margin.  A start with a
 * lump is refused, naming it.
 */
static void
trainer_starts_from_the_start_action(void **state)
{
	struct model m;
	struct rollout_result r;
	char err[256], name[64];
	int passive = -1, lump = -1;
	struct rollout_opts o = {
		.iterations = 2, .episodes = 12, .points = 2, .hold = 0.2,
		.ridge = 1, .margin = 0.5, .clip = 50, .jobs = 1, .seed = 9,
		.val_episodes = 8, .cost = toy_cost,
	};

	(void)state;
	for (int a = 0; a < POLICY_NACTIONS; a++) {
		policy_action_name(name, sizeof name, a);
		if (strcmp(name, "passive") == 0)
			passive = a;
		if (lump < 0 && policy_lump(a) > 0)
			lump = a;
	}
	assert_true(passive > 0 && lump > 0);
	o.start = passive;
	assert_int_equal(model_init(&m, NULL, 0, 1, 0.3, err, sizeof err), 0);
	if (rollout_train(&m, &o, &r, err, sizeof err) != 0)
		fail_msg("rollout_train: %s", err);
	assert_true(fabs(r.base_val - 30) < 1e-9);
	assert_true(r.best_iter >= 1);
	assert_true(r.best_val < r.base_val - 15);
	/* Good news or none: the baseline, 20 saved over the start. */
	assert_int_equal(choice(&m, 0.8), POLICY_BASE_ACTION);
	model_free(&m);
	o.start = lump;
	assert_int_equal(model_init(&m, NULL, 0, 1, 0.3, err, sizeof err), 0);
	assert_int_equal(rollout_train(&m, &o, &r, err, sizeof err), -1);
	assert_non_null(strstr(err, "start action"));
	assert_non_null(strstr(err, "lump"));
	model_free(&m);
}

static void
trainer_refuses_a_hidden_layer(void **state)
{
	struct model m;
	struct rollout_result r;
	int hidden[1] = { 4 };
	char err[256];
	struct rollout_opts o = {
		.iterations = 1, .episodes = 2, .points = 1, .hold = 0.1,
		.val_episodes = 2, .cost = toy_cost, .jobs = 1,
	};

	(void)state;
	assert_int_equal(model_init(&m, hidden, 1, 1, 0.3, err, sizeof err), 0);
	assert_int_equal(rollout_train(&m, &o, &r, err, sizeof err), -1);
	assert_non_null(strstr(err, "linear"));
	o.hold = 0;
	assert_int_equal(rollout_train(&m, &o, &r, err, sizeof err), -1);
	assert_non_null(strstr(err, "hold 0"));
	model_free(&m);
}

/*
 * The news confirmation's tuning (rollout_tune_news) on a toy whose costs
 * are planted: without a rule a session costs 10; with one, 9, and 7 at
 * the planted setting (40 s, 1 sigma, 20 sigmas, all of it), but only on
 * the sessions after the last iteration (it 2 here): sessions the
 * rollouts already used cost 1000 with a rule.  Validation sessions cost
 * what the arg says the rule does there (val_late from the fifth on);
 * `worse` makes every setting dearer than none in training.
 */
struct news_toy {
	double val, val_late;
	int worse;
};

static double
news_cost(void *arg, const struct model *m, int it, int ep)
{
	const struct news_toy *t = arg;
	const struct news_rule *r = &m->news;

	if (!r->on)
		return 10;
	if (it < 0)
		return ep < 4 ? t->val : t->val_late;
	if (it != 2 || t->worse)
		return 1000;
	return r->after_lo == 40 && r->move_k == 1 && r->priced_k == 20 &&
	    r->take == 1 ? 7 : 9;
}

/* Four validation sessions, or rule_val of them (0: four). */
static void
tune(double val, int worse, int jobs, int rule_val, struct model *m,
     struct news_tune_result *r)
{
	char err[256];
	struct news_toy toy = { val, 13, worse };
	struct rollout_opts o = {
		.iterations = 2, .episodes = 6, .val_episodes = 4, .jobs = jobs,
		.rule_val_episodes = rule_val, .cost = news_cost, .arg = &toy,
	};

	assert_int_equal(model_init(m, NULL, 0, 1, 0.3, err, sizeof err), 0);
	if (rollout_tune_news(m, &o, r, err, sizeof err) != 0)
		fail_msg("rollout_tune_news: %s", err);
}

static void
news_rule_tuning_finds_the_planted_setting_and_validates_it(void **state)
{
	struct model m, m2;
	struct news_tune_result r, r2;

	(void)state;
	/* Cheaper in validation too: kept, the planted setting. */
	tune(8, 0, 1, 0, &m, &r);
	tune(8, 0, 2, 0, &m2, &r2);
	assert_int_equal(r.t.npoints, 24);
	assert_true(r.t.train_off == 10);
	assert_true(r.t.train_cost[r.t.best] == 7);
	assert_int_equal(r.t.best, r2.t.best);
	assert_int_equal(r.t.kept, 1);
	assert_int_equal(r.t.validated, 1);
	assert_true(r.t.val_best == 8 && r.t.val_off == 10);
	assert_int_equal(m.news.on, 1);
	assert_true(m.news.after_lo == 40 && m.news.after_hi == 120 &&
	    m.news.move_k == 1 && m.news.priced_k == 20 && m.news.take == 1);
	model_free(&m);
	model_free(&m2);
	/* Dearer in validation: the model is left without a rule. */
	tune(11, 0, 1, 0, &m, &r);
	assert_true(r.t.train_cost[r.t.best] == 7);
	assert_int_equal(r.t.kept, 0);
	assert_true(r.t.val_best == 11);
	assert_int_equal(m.news.on, 0);
	model_free(&m);
	/* Validated on eight sessions, where the last four cost 13 with the
	 * rule: 10.5 against 10 without, so not kept. */
	tune(8, 0, 1, 8, &m, &r);
	assert_int_equal(r.t.val_sessions, 8);
	assert_int_equal(r.t.validated, 1);
	assert_true(r.t.val_best == 10.5 && r.t.val_off == 10);
	assert_int_equal(r.t.kept, 0);
	assert_int_equal(m.news.on, 0);
	model_free(&m);
	/* No setting beats no rule in training: not validated, no rule. */
	tune(8, 1, 1, 0, &m, &r);
	assert_int_equal(r.t.validated, 0);
	assert_int_equal(r.t.kept, 0);
	assert_int_equal(m.news.on, 0);
	model_free(&m);
}

/*
 * The rule after hard news (rollout_tune_hard), tuned after the news rule
 * on sessions neither saw: iteration 3 here (2 iterations).  Without a
 * rule a session costs 10; with one, 9, and 6 at the planted setting
 * (30 sigmas, AC's curve posted, with the news rule in the model); on any
 * other iteration's sessions 1000.  The news rule the model already has
 * stays as it is, and with its threshold at 20 sigmas no point below it
 * is tried.
 */
static double
hard_cost(void *arg, const struct model *m, int it, int ep)
{
	const double *val = arg;
	const struct hard_rule *r = &m->hard;
	char name[32];

	(void)ep;
	if (!r->on)
		return 10;
	if (it < 0)
		return *val;
	if (it != 3)
		return 1000;
	policy_action_name(name, sizeof name, r->action);
	return r->priced_k == 30 && strcmp(name, "ac passive") == 0 &&
	    m->news.on ? 6 : 9;
}

static void
hard_rule_tuning_finds_the_planted_setting_after_the_news_rule(void **state)
{
	struct model m;
	struct hard_tune_result r;
	double val = 8;
	char err[256], name[32];
	struct rollout_opts o = {
		.iterations = 2, .episodes = 6, .val_episodes = 4, .jobs = 2,
		.cost = hard_cost, .arg = &val,
	};
	const struct news_rule nr = { .on = 1, .after_lo = 20, .after_hi = 120,
	    .move_k = 1, .priced_k = 20, .take = 1 };

	(void)state;
	assert_int_equal(model_init(&m, NULL, 0, 1, 0.3, err, sizeof err), 0);
	m.news = nr;
	if (rollout_tune_hard(&m, &o, &r, err, sizeof err) != 0)
		fail_msg("rollout_tune_hard: %s", err);
	assert_int_equal(r.t.npoints, 8);
	for (int i = 0; i < r.t.npoints; i++)
		assert_true(r.point[i].priced_k >= 20);
	assert_true(r.t.train_off == 10 && r.t.train_cost[r.t.best] == 6);
	assert_int_equal(r.t.kept, 1);
	assert_int_equal(m.hard.on, 1);
	assert_true(m.hard.priced_k == 30);
	policy_action_name(name, sizeof name, m.hard.action);
	assert_string_equal(name, "ac passive");
	assert_true(memcmp(&m.news, &nr, sizeof nr) == 0);
	/* Dearer in validation than without: no rule. */
	val = 11;
	if (rollout_tune_hard(&m, &o, &r, err, sizeof err) != 0)
		fail_msg("rollout_tune_hard: %s", err);
	assert_int_equal(r.t.validated, 1);
	assert_int_equal(r.t.kept, 0);
	assert_int_equal(m.hard.on, 0);
	model_free(&m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fit_recovers_a_planted_q),
		cmocka_unit_test(trainer_learns_the_toy_and_is_deterministic),
		cmocka_unit_test(trainer_starts_from_the_start_action),
		cmocka_unit_test(trainer_refuses_a_hidden_layer),
		cmocka_unit_test(news_rule_tuning_finds_the_planted_setting_and_validates_it),
		cmocka_unit_test(hard_rule_tuning_finds_the_planted_setting_after_the_news_rule),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
