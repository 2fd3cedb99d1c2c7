/*
 * tests/unit/test-cli-train.c -- the learned policy's training environment
 * (engine/cli/train.c's episode runner, engine/model/trace.c): the step
 * rewards of an episode sum to minus its implementation shortfall, under a
 * stochastic policy that leaves its baseline often, with the
 * log-probability of every action it took; and training with the evolution
 * strategy on real episodes gives the same model for the same seed,
 * whatever the number of workers.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine/cli/cli.h"
#include "engine/exec/exec.h"
#include "engine/exec/scenario.h"
#include "engine/market/rng.h"
#include "engine/model/model.h"

/* A sampler of the softmax with every action equally likely: it leaves
 * the baseline at most decisions, lumps and crosses included, and asks for
 * woken decisions.  It returns the log-probability of what it drew. */
struct sampler {
	struct rng r;
	int64_t calls, checks;
	int slow;   /* 1: always "u-1 passive", leaving shares unfilled */
};

static int
sample_uniform(void *arg, const struct model *m, const double *f,
               struct policy_choice *c, int check, double *logp)
{
	struct sampler *s = arg;

	(void)m;
	(void)f;
	s->calls++;
	s->checks += check;
	if (s->slow) {
		c->action = (1 * POLICY_NLUMP + 0) * POLICY_NSTYLE + POLICY_PASSIVE;
		*logp = 0;
		return 0;
	}
	/* Between decisions ask rarely, so woken decisions stay spaced. */
	if (check && rng_uniform(&s->r) > 0.01) {
		c->action = POLICY_BASE_ACTION;
		*logp = log(1.0 / POLICY_NACTIONS);
		return 0;
	}
	c->action = (int)(rng_uniform(&s->r) * POLICY_NACTIONS);
	if (c->action >= POLICY_NACTIONS)
		c->action = POLICY_NACTIONS - 1;
	*logp = log(1.0 / POLICY_NACTIONS);
	return 0;
}

static void
step_rewards_sum_to_the_shortfall(void **state)
{
	struct scenario sc;
	struct model m;
	struct trace tr;
	struct sampler smp = { 0 };
	int hidden[1] = { 8 }, woken = 0, nonbase = 0, last = 0;
	double cost, sum = 0, part = 0;
	char err[512];

	(void)state;
	assert_int_equal(scenario_load(&sc, "news-soft", NULL, 0, err,
	    sizeof err), 0);
	assert_int_equal(sc.norders, 1);
	assert_int_equal(model_init(&m, hidden, 1, 3, 0.3, err, sizeof err), 0);
	rng_seed(&smp.r, 42);
	m.choose = sample_uniform;
	m.choose_arg = &smp;
	trace_init(&tr);
	cost = cli_train_episode(&sc, &m, NULL, 10000077, &tr);
	assert_true(cost > -1e5 && cost < 1e5);
	assert_true(tr.n >= 100);
	for (size_t i = 0; i < tr.n; i++) {
		const struct trace_step *s = &tr.step[i];

		sum += s->reward;
		part += s->reward_exec + s->reward_move + s->terminal;
		woken += s->woken;
		nonbase += s->action != POLICY_BASE_ACTION;
		last += s->last;
		assert_true(s->action >= 0 && s->action < POLICY_NACTIONS);
		assert_true(fabs(s->logp - log(1.0 / POLICY_NACTIONS)) < 1e-12);
		if (i > 0)
			assert_true(s->t > tr.step[i - 1].t);
		for (int k = 0; k < FEAT_COUNT; k++)
			assert_true(isfinite(s->f[k]));
	}
	printf("# %zu steps (%d woken, %d off the baseline), rewards %.4f, "
	    "IS %.4f bps\n", tr.n, woken, nonbase, sum, cost);
	/* The rewards telescope to minus the shortfall (bps). */
	assert_true(fabs(sum + cost) < 1e-6);
	assert_true(fabs(part - sum) < 1e-6);
	assert_int_equal(last, 1);
	assert_true(woken > 0 && (size_t)nonbase > tr.n / 2);
	assert_true(smp.checks > 1000);
	trace_free(&tr);
	/* The same draws without a trace cost the same: tracing observes. */
	rng_seed(&smp.r, 42);
	assert_true(cli_train_episode(&sc, &m, NULL, 10000077, NULL) == cost);
	/* A block left unfilled at the end (at_end leave, slow and passive):
	 * its last step carries the terminal penalty, and the sum still is
	 * minus the shortfall. */
	sc.orders[0].cleanup = 0;
	smp.slow = 1;
	trace_init(&tr);
	cost = cli_train_episode(&sc, &m, NULL, 10000078, &tr);
	sum = 0;
	for (size_t i = 0; i < tr.n; i++)
		sum += tr.step[i].reward;
	assert_true(tr.n > 0 && tr.step[tr.n - 1].last);
	printf("# slow passive: terminal %.4f, rewards %.4f, IS %.4f bps\n",
	    tr.step[tr.n - 1].terminal, sum, cost);
	assert_true(tr.step[tr.n - 1].terminal != 0);
	assert_true(fabs(sum + cost) < 1e-6);
	trace_free(&tr);
	model_free(&m);
	scenario_free(&sc);
}

struct tiny {
	struct scenario sc;
};

static double
tiny_cost(void *arg, const struct model *m, int gen, int ep)
{
	struct tiny *t = arg;
	struct scenario sc = t->sc;
	uint64_t seed = gen < 0 ? 20000000ULL + (uint64_t)ep :
	    10000000ULL + (uint64_t)gen * 2 + (uint64_t)ep;

	if (gen >= 0)
		cli_randomise(&sc, seed);
	return cli_train_episode(&sc, m, NULL, seed, NULL);
}

/* A learning curve's lines end with the seconds elapsed, which differ
 * between runs: blank each line's last field. */
static void
mask_seconds(char *s)
{
	for (char *nl = strchr(s, '\n'); nl != NULL; nl = strchr(nl + 1, '\n'))
		for (char *k = nl - 1; k >= s && *k != ','; k--)
			*k = '-';
}

static void
training_is_deterministic_for_a_seed(void **state)
{
	struct tiny t;
	struct model a, b;
	struct es_result ra, rb;
	char *ca = NULL, *cb = NULL;
	size_t na = 0, nb = 0;
	int hidden[1] = { 4 };
	char err[512];
	struct es_opts o = {
		.generations = 2, .pairs = 2, .episodes = 2, .sigma = 0.5,
		.lr = 0.1, .jobs = 1, .seed = 9, .validate_every = 1,
		.val_episodes = 1, .cost = tiny_cost, .arg = &t,
	};

	(void)state;
	assert_int_equal(scenario_load(&t.sc, "news-hard", NULL, 0, err,
	    sizeof err), 0);
	assert_int_equal(model_init(&a, hidden, 1, 9, 0.3, err, sizeof err), 0);
	assert_int_equal(model_init(&b, hidden, 1, 9, 0.3, err, sizeof err), 0);
	/* The learning curves (every generation's candidates' mean cost and
	 * every validation) must match too, not only the model kept, which
	 * may be the untrained one. */
	o.curve = open_memstream(&ca, &na);
	assert_int_equal(es_train(&a, &o, &ra, err, sizeof err), 0);
	fclose(o.curve);
	o.jobs = 2;
	o.curve = open_memstream(&cb, &nb);
	assert_int_equal(es_train(&b, &o, &rb, err, sizeof err), 0);
	fclose(o.curve);
	mask_seconds(ca);
	mask_seconds(cb);
	printf("# curve:\n%s", ca);
	assert_true(strchr(ca, '\n') != NULL);
	assert_string_equal(ca, cb);
	free(ca);
	free(cb);
	assert_true(ra.best_val == rb.best_val && ra.base_val == rb.base_val);
	assert_memory_equal(a.net.w, b.net.w, a.net.nparams * sizeof *a.net.w);
	printf("# tiny ES on news-hard: validation %.3f -> %.3f bps\n",
	    ra.base_val, ra.best_val);
	model_free(&a);
	model_free(&b);
	scenario_free(&t.sc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(step_rewards_sum_to_the_shortfall),
		cmocka_unit_test(training_is_deterministic_for_a_seed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
