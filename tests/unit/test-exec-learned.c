/*
 * tests/unit/test-exec-learned.c -- the learned algorithm's guards and its
 * shadow mode, in-process against the simulated market: a learned block is
 * refused at submit (and a switch to learned refused) when no model can be
 * loaded, naming the file; a shadow model never changes what is traded,
 * agrees with a classical schedule when it would choose "x1 tactic", and
 * counts every decision it would take otherwise, with the shares.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine/exec/exec.h"
#include "engine/model/model.h"

#define NS 1000000000LL
#define OPEN (34200LL * NS)

struct seen {
	int64_t fills, fill_qty, children;
	int64_t shadow_events, shadow_disagree, shares_diff_pos;
	char last_choice[32];
};

static void
seen_emit(void *arg, const char *topic, cJSON *o)
{
	struct seen *s = arg;
	const cJSON *sh;

	if (strcmp(topic, "fill") == 0) {
		s->fills++;
		s->fill_qty += (int64_t)cJSON_GetObjectItem(o, "qty")->valuedouble;
	} else if (strcmp(topic, "child") == 0)
		s->children++;
	else if (strcmp(topic, "decision") == 0 &&
	    (sh = cJSON_GetObjectItem(o, "shadow")) != NULL) {
		s->shadow_events++;
		if (!cJSON_IsTrue(cJSON_GetObjectItem(sh, "agree")))
			s->shadow_disagree++;
		if (cJSON_GetObjectItem(sh, "shares_diff")->valuedouble > 0)
			s->shares_diff_pos++;
		snprintf(s->last_choice, sizeof s->last_choice, "%s",
		    cJSON_GetObjectItem(sh, "choice")->valuestring);
	}
}

static struct parent_spec
spec(const char *algo)
{
	struct parent_spec ps = { 0 };

	strcpy(ps.sym, "QDI");
	snprintf(ps.algo, sizeof ps.algo, "%s", algo);
	ps.side = BOOK_ASK;
	ps.qty = 200000;
	ps.start = OPEN;
	ps.end = OPEN + 3600 * NS;
	ps.interval = 60 * NS;
	ps.lot = 100;
	ps.max_pov = 100;
	ps.cleanup = 1;
	return ps;
}

static void
learned_block_needs_a_model(void **state)
{
	struct sim_params sp;
	struct market *m;
	struct exec *x;
	struct parent_spec ps = spec("learned");
	char err[512];
	uint32_t id;

	(void)state;
	sim_params_default(&sp);
	assert_int_equal(market_sim_new(&m, &sp, 3, OPEN - 60 * NS), 0);
	assert_int_equal(exec_new(&x, m, NULL), 0);
	setenv("TRANCHE_MODEL", "/nonexistent/tranche-model.json", 1);
	err[0] = '\0';
	assert_int_equal(exec_submit(x, &ps, &id, err, sizeof err), -1);
	assert_non_null(strstr(err, "learned"));
	assert_non_null(strstr(err, "/nonexistent/tranche-model.json"));
	assert_int_equal(exec_count(x), 0);
	/* A classical block is accepted; switching it to learned is not, and
	 * leaves it as it was. */
	ps = spec("twap");
	assert_int_equal(exec_submit(x, &ps, &id, err, sizeof err), 0);
	err[0] = '\0';
	assert_int_equal(exec_switch_algo(x, id, "learned", err, sizeof err), -1);
	assert_non_null(strstr(err, "/nonexistent/tranche-model.json"));
	assert_string_equal(exec_find(x, id)->algo->name, "twap");
	/* With the shipped model both work. */
	unsetenv("TRANCHE_MODEL");
	assert_int_equal(exec_switch_algo(x, id, "learned", err, sizeof err), 0);
	ps = spec("learned");
	assert_int_equal(exec_submit(x, &ps, NULL, err, sizeof err), 0);
	assert_int_equal(exec_count(x), 2);
	exec_free(x);
	market_free(m);
}

/* A TWAP block for an hour, with or without a shadow; returns the block's
 * shadow totals (or NULL) and fills *s. */
static cJSON *
run(const struct model *shadow, struct seen *s, int64_t *filled,
    int64_t *cash)
{
	struct sim_params sp;
	struct market *m;
	struct exec *x;
	struct parent_spec ps = spec("twap");
	struct exec_emit em = { seen_emit, s };
	char err[256];
	cJSON *b, *sh;

	memset(s, 0, sizeof *s);
	sim_params_default(&sp);
	assert_int_equal(market_sim_new(&m, &sp, 21, OPEN - 300 * NS), 0);
	market_advance(m, OPEN - 1);
	assert_int_equal(exec_new(&x, m, &em), 0);
	exec_set_shadow(x, shadow);
	assert_int_equal(exec_submit(x, &ps, NULL, err, sizeof err), 0);
	exec_tick(x, ps.end + NS);
	*filled = exec_get(x, 0)->filled;
	*cash = exec_get(x, 0)->cash;
	b = exec_block_json(x, exec_get(x, 0));
	sh = cJSON_DetachItemFromObject(b, "shadow");
	cJSON_Delete(b);
	exec_free(x);
	market_free(m);
	return sh;
}

static double
num(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItem(o, k);

	assert_non_null(v);
	return v->valuedouble;
}

static void
shadow_watches_and_never_trades(void **state)
{
	struct model base, other;
	int hidden[1] = { 8 };
	struct seen s0, s1, s2;
	int64_t f0, f1, f2, c0, c1, c2;
	char err[256];
	cJSON *sh;

	(void)state;
	/* An untrained policy chooses "x1 tactic", which is what a classical
	 * schedule does; another is made to choose "x2 cross" every time. */
	assert_int_equal(model_init(&base, hidden, 1, 5, 8.0, err, sizeof err), 0);
	assert_int_equal(model_init(&other, hidden, 1, 5, 0.0, err, sizeof err), 0);
	{
		int l = other.net.nlayers - 1, ni = other.net.size[l];
		double *w = other.net.w + nn_layer_offset(&other.net, l);

		w[ni * POLICY_NACTIONS + 3 * POLICY_NSTYLE + POLICY_CROSS] = 50;
	}
	assert_null(run(NULL, &s0, &f0, &c0));
	assert_int_equal(s0.shadow_events, 0);
	assert_true(s0.fills > 0);

	sh = run(&base, &s1, &f1, &c1);
	assert_non_null(sh);
	assert_int_equal(f1, f0);
	assert_int_equal(c1, c0);
	assert_int_equal(s1.children, s0.children);
	assert_true(num(sh, "decisions") >= 50);
	assert_int_equal(num(sh, "disagreements"), 0);
	assert_int_equal(s1.shadow_disagree, 0);
	assert_true(s1.shadow_events >= 50);
	cJSON_Delete(sh);

	sh = run(&other, &s2, &f2, &c2);
	assert_non_null(sh);
	assert_int_equal(f2, f0);
	assert_int_equal(c2, c0);
	assert_int_equal(num(sh, "disagreements"), num(sh, "decisions"));
	assert_true(num(sh, "disagree_pct") > 99.9);
	assert_true(num(sh, "mean_abs_shares") >= 100);
	assert_int_equal(s2.shadow_disagree, s2.shadow_events);
	assert_int_equal(s2.shares_diff_pos, s2.shadow_events);
	assert_string_equal(s2.last_choice, "x2 cross");
	cJSON_Delete(sh);
	model_free(&base);
	model_free(&other);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(learned_block_needs_a_model),
		cmocka_unit_test(shadow_watches_and_never_trades),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
