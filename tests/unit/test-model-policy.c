/*
 * tests/unit/test-model-policy.c -- features are deterministic, stay in
 * their documented ranges on a real simulated book and turn the signals
 * and the news to the block's side; a decision explains
 * itself (probabilities that sum to one, attribution to named features);
 * the evolution strategy improves a toy cost and is reproducible whatever
 * the number of workers.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "engine/model/model.h"

#define NS MARKET_NS_PER_SEC

static void
run_features(double out[40][FEAT_COUNT], int side)
{
	struct sim_params sp;
	struct market *m;
	struct feat_input in = { .side = side, .qty = 100000, .slice = 600,
	    .lot = 100, .queue_ahead = -1 };

	sim_params_default(&sp);
	assert_int_equal(market_sim_new(&m, &sp, 7, sp.open - 60 * NS), 0);
	market_advance(m, sp.open);
	in.start = sp.open;
	in.end = sp.open + 40 * 60 * NS;
	for (int k = 0; k < 40; k++) {
		market_advance(m, sp.open + k * 60 * NS);
		in.t = m->now;
		in.sched = k * 2500;
		in.filled = k * 2300;
		in.working = k % 3 == 0 ? 600 : 0;
		in.queue_ahead = k % 3 == 0 ? 900 : -1;
		/* Signals as exec_signals() gives them: a fall of 3 sigmas on
		 * selling flow at minute 20, then bad news. */
		in.signals = k > 5;
		in.move5 = k == 20 ? -3 : 0.1 * (k % 5);
		in.move30 = k == 20 ? -6 : 0;
		in.flow5 = k == 20 ? -0.9 : 0.05;
		in.flow30 = -0.2;
		in.move_arrival = 0.3 * (k - 20);
		in.depth_near = 1.2;
		in.depth_far = k == 20 ? 0.3 : 1;
		in.spread_rel = k == 20 ? 4 : 1;
		in.news_age_s = k >= 20 ? (k - 20) * 60.0 : -1;
		in.news_sentiment = -0.8;
		in.since_act_s = k >= 30 ? (k - 30) * 60.0 : -1;
		feat_compute(m, &in, out[k]);
	}
	market_free(m);
}

static void
features_are_deterministic_and_bounded(void **state)
{
	static double a[40][FEAT_COUNT], b[40][FEAT_COUNT], buy[40][FEAT_COUNT];

	(void)state;
	run_features(a, BOOK_ASK);
	run_features(b, BOOK_ASK);
	run_features(buy, BOOK_BID);
	assert_memory_equal(a, b, sizeof a);
	for (int k = 0; k < 40; k++)
		for (int i = 0; i < FEAT_COUNT; i++) {
			assert_true(isfinite(a[k][i]));
			assert_true(a[k][i] >= -3 && a[k][i] <= 3);
		}
	assert_true(a[0][FEAT_TIME_LEFT] == 1.0);
	assert_true(a[39][FEAT_TIME_LEFT] < 0.05);
	assert_true(a[10][FEAT_SCHED_DEV] < 0);   /* behind the schedule */
	assert_true(a[3][FEAT_QUEUE] > 0 && a[4][FEAT_QUEUE] == 0);
	/* No signals before they are sampled. */
	assert_true(a[3][FEAT_MOVE5] == 0 && a[3][FEAT_FLOW30] == 0);
	/* A fall on selling flow is against a seller and for a buyer. */
	assert_true(a[20][FEAT_MOVE5] == -1.5 && buy[20][FEAT_MOVE5] == 1.5);
	assert_true(a[20][FEAT_FLOW5] < -0.8 && buy[20][FEAT_FLOW5] > 0.8);
	assert_true(a[20][FEAT_DEPTH_FAR] < 0 && a[20][FEAT_SPREAD_REL] > 1);
	/* Bad news: against a seller, for a buyer, fading with its age. */
	assert_true(a[19][FEAT_NEWS_RECENT] == 0 && a[19][FEAT_NEWS_SENT] == 0);
	assert_true(a[20][FEAT_NEWS_RECENT] == 1.0);
	assert_true(a[20][FEAT_NEWS_SENT] < -0.79 && buy[20][FEAT_NEWS_SENT] > 0.79);
	assert_true(a[25][FEAT_NEWS_RECENT] < a[21][FEAT_NEWS_RECENT]);
	assert_true(fabs(a[25][FEAT_NEWS_SENT]) < fabs(a[21][FEAT_NEWS_SENT]));
	/* since_act: 1 before the policy ever acted, then growing. */
	assert_true(a[29][FEAT_SINCE_ACT] == 1.0 && a[30][FEAT_SINCE_ACT] == 0);
	assert_true(a[33][FEAT_SINCE_ACT] > 0 && a[33][FEAT_SINCE_ACT] < 1);
	for (int i = 0; i < FEAT_COUNT; i++) {
		assert_int_equal(feat_find(feat_name(i)), i);
		assert_true(strlen(feat_doc(i)) > 10);
	}
	assert_int_equal(feat_find("moon_phase"), -1);
}

static void
decision_explains_itself(void **state)
{
	struct model m;
	struct policy_choice c;
	int hidden[2] = { 16, 16 };
	double f[FEAT_COUNT], sum = 0;
	char err[128];

	(void)state;
	assert_int_equal(model_init(&m, hidden, 2, 3, 0.3, err, sizeof err), 0);
	for (int i = 0; i < FEAT_COUNT; i++)
		f[i] = sin(3.0 * i);
	model_decide(&m, f, &c, 1);
	for (int a = 0; a < POLICY_NACTIONS; a++) {
		sum += c.prob[a];
		assert_true(c.prob[a] <= c.prob[c.action]);
	}
	assert_true(fabs(sum - 1) < 1e-12);
	for (int k = 0; k < POLICY_TOP; k++) {
		assert_true(c.top[k] >= 0 && c.top[k] < FEAT_COUNT);
		if (k > 0)
			assert_true(fabs(c.top_w[k]) <= fabs(c.top_w[k - 1]));
	}
	assert_true(policy_urgency(POLICY_BASE_ACTION) == 0);
	assert_true(policy_lump(POLICY_BASE_ACTION) == 0);
	assert_int_equal(policy_style(POLICY_BASE_ACTION), POLICY_TACTIC);
	model_free(&m);
}

/* Toy cost: prefer the action "x0 cross" whatever the input, measured on
 * the logits of a fixed input so it is smooth enough to learn quickly. */
static double
toy_cost(void *arg, const struct model *m, int gen, int ep)
{
	double f[FEAT_COUNT];
	struct policy_choice c;

	(void)arg;
	(void)gen;
	for (int i = 0; i < FEAT_COUNT; i++)
		f[i] = 0.1 * ((i + ep) % 5);
	model_decide(m, f, &c, 0);
	return c.logit[POLICY_BASE_ACTION] - c.logit[POLICY_CROSS];
}

static void
evolution_strategy_learns_and_repeats(void **state)
{
	struct model a, b;
	struct es_result ra, rb;
	int hidden[1] = { 8 };
	char err[256];
	struct es_opts o = {
		.generations = 40, .pairs = 4, .episodes = 3, .sigma = 0.1,
		.lr = 0.05, .jobs = 1, .seed = 5, .validate_every = 5,
		.val_episodes = 3, .cost = toy_cost,
	};

	(void)state;
	assert_int_equal(model_init(&a, hidden, 1, 1, 0.3, err, sizeof err), 0);
	assert_int_equal(model_init(&b, hidden, 1, 1, 0.3, err, sizeof err), 0);
	assert_int_equal(es_train(&a, &o, &ra, err, sizeof err), 0);
	o.jobs = 2;
	assert_int_equal(es_train(&b, &o, &rb, err, sizeof err), 0);
	printf("# toy ES: validation cost %.3f -> %.3f\n", ra.base_val,
	    ra.best_val);
	assert_true(ra.best_val < ra.base_val - 1);
	assert_memory_equal(a.net.w, b.net.w, a.net.nparams * sizeof *a.net.w);
	model_free(&a);
	model_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(features_are_deterministic_and_bounded),
		cmocka_unit_test(decision_explains_itself),
		cmocka_unit_test(evolution_strategy_learns_and_repeats),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
