/*
 * tests/unit/test-exec-learned.c -- the learned algorithm's guards and its
 * shadow mode, in-process against the simulated market: a learned block is
 * refused at submit (and a switch to learned refused) when no model can be
 * loaded, naming the file; a shadow model never changes what is traded,
 * agrees with a classical schedule when it would choose "x1 tactic", and
 * counts every decision it would take otherwise, with the shares (and the
 * model trading the block, watching it, agrees at every one); the
 * untrained policy is ais-pass fill for fill; a re-plan action moves the
 * schedule as specified; the "ac" urgency keeps AC's schedule; a policy
 * woken by news decides within a second of it and says what it changed and
 * why; and the news confirmation takes the remainder once when soft news
 * against the block is confirmed by the price, and never for news in the
 * block's favour, hard news the price jumped on, or a model without it.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
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
	char woken_reason[512];  /* the first event-driven decision's reason */
	int64_t head_book, head_no_book;  /* the policy's decisions by head */
	char policy_choice[32];           /* the last one's choice */
	int64_t policy_offsets;           /* decisions off the baseline */
	char shadow_head[16];             /* the last shadow decision's head */
};

static void
seen_emit(void *arg, const char *topic, cJSON *o)
{
	struct seen *s = arg;
	const cJSON *sh;

	if (strcmp(topic, "decision") == 0 && s->woken_reason[0] == '\0' &&
	    strstr(cJSON_GetObjectItem(o, "reason")->valuestring, "woken: ") !=
	    NULL)
		snprintf(s->woken_reason, sizeof s->woken_reason, "%s",
		    cJSON_GetObjectItem(o, "reason")->valuestring);
	if (strcmp(topic, "decision") == 0 &&
	    (sh = cJSON_GetObjectItem(o, "policy")) != NULL) {
		const char *h = cJSON_GetObjectItem(sh, "head")->valuestring;

		if (strcmp(h, "no-book") == 0)
			s->head_no_book++;
		else if (strcmp(h, "book") == 0)
			s->head_book++;
		snprintf(s->policy_choice, sizeof s->policy_choice, "%s",
		    cJSON_GetObjectItem(sh, "choice")->valuestring);
		s->policy_offsets += strcmp(s->policy_choice, "base") != 0;
	}
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
		snprintf(s->shadow_head, sizeof s->shadow_head, "%s",
		    cJSON_GetObjectItem(sh, "head")->valuestring);
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

/* A block of algo for an hour, with or without a shadow; returns the
 * block's shadow totals (or NULL) and fills *s. */
static cJSON *
run_shadow(const char *algo, const struct model *shadow, struct seen *s,
           int64_t *filled, int64_t *cash)
{
	struct sim_params sp;
	struct market *m;
	struct exec *x;
	struct parent_spec ps = spec(algo);
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

static cJSON *
run(const struct model *shadow, struct seen *s, int64_t *filled,
    int64_t *cash)
{
	return run_shadow("twap", shadow, s, filled, cash);
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
	/* An untrained policy keeps its baseline and the block's tactic,
	 * which is what a classical schedule does; another is made to choose
	 * "u+2 lump 10% cross" every time. */
	assert_int_equal(model_init(&base, hidden, 1, 5, 8.0, err, sizeof err), 0);
	assert_int_equal(model_init(&other, hidden, 1, 5, 0.0, err, sizeof err), 0);
	{
		int l = other.net.nlayers - 1, ni = other.net.size[l];
		double *w = other.net.w + nn_layer_offset(&other.net, l);

		w[ni * POLICY_NACTIONS + (2 * POLICY_NLUMP + 1) * POLICY_NSTYLE +
		    POLICY_CROSS] = 50;
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
	assert_string_equal(s2.last_choice, "u+2 lump 10% cross");
	cJSON_Delete(sh);
	model_free(&base);
	model_free(&other);
}

/*
 * The shipped model watching a block that the same model trades agrees at
 * every decision: its urgency offsets start from the live policy's
 * baseline and it sees the plan the live policy found (it added its offset
 * to the live re-plan's, so the same choice read as a disagreement on 29%
 * of a news-soft session's decisions: found by a review).
 */
static void
shadow_of_the_trading_model_agrees(void **state)
{
	struct model m;
	struct sim_params sp;
	struct market *mk;
	struct exec *x;
	struct parent_spec ps = spec("learned");
	struct seen s;
	struct exec_emit em = { seen_emit, &s };
	char err[256];
	cJSON *b, *sh;

	(void)state;
	assert_int_equal(model_load(&m, model_default_path(), err, sizeof err),
	    0);
	memset(&s, 0, sizeof s);
	sim_params_default(&sp);
	assert_int_equal(market_sim_new(&mk, &sp, 21, OPEN - 300 * NS), 0);
	market_advance(mk, OPEN - 1);
	assert_int_equal(exec_new(&x, mk, &em), 0);
	exec_set_model(x, &m);
	exec_set_shadow(x, &m);
	assert_int_equal(exec_submit(x, &ps, NULL, err, sizeof err), 0);
	exec_tick(x, ps.end + NS);
	b = exec_block_json(x, exec_get(x, 0));
	sh = cJSON_GetObjectItem(b, "shadow");
	assert_non_null(sh);
	assert_true(s.policy_offsets >= 20);
	assert_true(s.shadow_events >= 50);
	assert_int_equal(s.shadow_disagree, 0);
	assert_int_equal(num(sh, "disagreements"), 0);
	assert_true(num(sh, "mean_abs_shares") == 0);
	cJSON_Delete(b);
	exec_free(x);
	market_free(mk);
	model_free(&m);
}


/* Run x's market past end, copy its first block out (without what it
 * owns) and free both. */
static void
run_out(struct exec *x, struct market *m, int64_t end, struct parent *out)
{
	exec_tick(x, end + NS);
	*out = *exec_get(x, 0);
	out->children = NULL;
	out->algo_state = NULL;
	out->shadow_state = NULL;
	exec_free(x);
	market_free(m);
}

/* A block of algo for an hour on seed 21 (with model set when not NULL and
 * emit when s is not NULL), run to its end; *out gets the block. */
static void
run_spec(const struct parent_spec *spec_in, const struct model *mdl,
         struct seen *s, const struct exec_news *news, struct parent *out)
{
	struct sim_params sp;
	struct market *m;
	struct exec *x;
	struct parent_spec ps = *spec_in;
	struct exec_emit em = { seen_emit, s };
	char err[256];

	if (s != NULL)
		memset(s, 0, sizeof *s);
	sim_params_default(&sp);
	assert_int_equal(market_sim_new(&m, &sp, 21, OPEN - 300 * NS), 0);
	market_advance(m, OPEN - 1);
	assert_int_equal(exec_new(&x, m, s != NULL ? &em : NULL), 0);
	if (mdl != NULL)
		exec_set_model(x, mdl);
	if (news != NULL)
		assert_int_equal(exec_news_add(x, news, err, sizeof err), 0);
	assert_int_equal(exec_submit(x, &ps, NULL, err, sizeof err), 0);
	run_out(x, m, ps.end, out);
}

static void
run_algo(const char *algo, const struct model *mdl, struct seen *s,
         const struct exec_news *news, struct parent *out)
{
	struct parent_spec ps = spec(algo);

	run_spec(&ps, mdl, s, news, out);
}

/* run_algo() with the tactic's catch-up set on the block. */
static void
run_band(const char *algo, const struct model *mdl, double catchup,
         double catchup_max, struct parent *out)
{
	struct parent_spec ps = spec(algo);

	ps.catchup = catchup;
	ps.catchup_max = catchup_max;
	run_spec(&ps, mdl, NULL, NULL, out);
}

static void
same_fills(const struct parent *a, const struct parent *b)
{
	assert_true(a->filled > 0);
	assert_int_equal(a->filled, b->filled);
	assert_int_equal(a->cash, b->cash);
	assert_int_equal(a->nchildren, b->nchildren);
	assert_int_equal(a->passive_filled, b->passive_filled);
	assert_true(a->plan.on && b->plan.on);
	assert_true(a->plan.kappa == b->plan.kappa);
}

/* A model whose network prefers action a by margin on every input. */
static void
forced_model(struct model *m, int a)
{
	int hidden[1] = { 8 }, l, ni;
	char err[256];
	double *w;

	assert_int_equal(model_init(m, hidden, 1, 5, 0.3, err, sizeof err), 0);
	l = m->net.nlayers - 1;
	ni = m->net.size[l];
	w = m->net.w + nn_layer_offset(&m->net, l);
	w[ni * POLICY_NACTIONS + a] = 50;
}

/* The untrained policy is its baseline, ais-pass, fill for fill: same
 * shares, same cash, same children, even though it is asked every second
 * between decisions whether it wants one.  It catches up in the learned
 * algorithm's band (3 slices, half a slice a decision), so it is ais-pass
 * with that band; with the tactic the trainer fits under (the whole gap
 * once a slice behind), ais-pass as it is. */
static void
untrained_policy_is_ais_pass_fill_for_fill(void **state)
{
	struct model m;
	struct parent a, b;
	int hidden[2] = { 16, 16 };
	char err[256];

	(void)state;
	assert_int_equal(model_init(&m, hidden, 2, 1, 0.3, err, sizeof err), 0);
	run_algo("learned", &m, NULL, NULL, &a);
	run_band("ais-pass", NULL, 3, 0.5, &b);
	same_fills(&a, &b);
	run_band("learned", &m, 1, 1000, &a);
	run_algo("ais-pass", NULL, NULL, NULL, &b);
	same_fills(&a, &b);
	/* The band changes this session, or the two checks are one. */
	run_band("ais-pass", NULL, 3, 0.5, &a);
	assert_true(a.cash != b.cash || a.nchildren != b.nchildren);
	model_free(&m);
}

/* A re-plan action moves the schedule as it says: at the first decision
 * "u+5 lump 30% tactic" makes a plan from 0 with 30% of the block due at
 * once and the rest on an AC curve of urgency 1 (AC's, the price has not
 * moved) + 5.  The tactic the trainer fits under crosses for the lump at
 * once; the learned algorithm's band crosses a part of it and posts the
 * rest. */
static void
replan_action_moves_the_target(void **state)
{
	struct model m;
	int a = (3 * POLICY_NLUMP + 2) * POLICY_NSTYLE + POLICY_TACTIC;
	char name[32];

	(void)state;
	policy_action_name(name, sizeof name, a);
	assert_string_equal(name, "u+5 lump 30% tactic");
	forced_model(&m, a);
	for (int band = 0; band <= 1; band++) {
		struct sim_params sp;
		struct market *mk;
		struct exec *x;
		struct parent_spec ps = spec("learned");
		const struct parent *p;
		int64_t T = ps.end - ps.start;
		char err[256];

		if (!band) {
			ps.catchup = 1;
			ps.catchup_max = 1000;
		}
		sim_params_default(&sp);
		assert_int_equal(market_sim_new(&mk, &sp, 21, OPEN - 300 * NS), 0);
		market_advance(mk, OPEN - 1);
		assert_int_equal(exec_new(&x, mk, NULL), 0);
		exec_set_model(x, &m);
		assert_int_equal(exec_submit(x, &ps, NULL, err, sizeof err), 0);
		exec_tick(x, OPEN);
		p = exec_get(x, 0);
		assert_true(p->plan.on);
		assert_int_equal(p->plan.t0, OPEN);
		assert_int_equal(p->plan.from, 0);
		assert_int_equal(p->plan.lump, 60000);
		assert_int_equal(p->plan.lump_ns, 0);
		assert_true(fabs(p->plan.kappa * (double)T - 6.0) < 1e-9);
		assert_int_equal(exec_target(p, OPEN), 60000);
		assert_int_equal(exec_target(p, OPEN + T / 2), 60000 +
		    (int64_t)(140000 * exec_ac_frac(6.0 / (double)T, T / 2, T) +
		    1e-6));
		if (!band) {
			/* The whole gap: it crossed for the lump at once. */
			if (p->filled < 30000)
				fail_msg("whole gap: %lld filled",
				    (long long)p->filled);
		} else if (p->filled >= 30000 || p->filled + p->working < 60000)
			/* The band: part crossed, the lump posted. */
			fail_msg("band: %lld filled, %lld working",
			    (long long)p->filled, (long long)p->working);
		exec_free(x);
		market_free(mk);
	}
	model_free(&m);
}

/* A shadow choosing "ac tactic" agrees with an AC block (the same curve,
 * the same placement) and disagrees with a VWAP block, whose profile is
 * not an AC curve, though both have an AC urgency of their own. */
static void
shadow_ac_agrees_only_with_an_ac_curve(void **state)
{
	struct model m;
	struct seen s;
	int64_t f, c;
	cJSON *sh;

	(void)state;
	forced_model(&m, (4 * POLICY_NLUMP + 0) * POLICY_NSTYLE + POLICY_TACTIC);
	sh = run_shadow("ac", &m, &s, &f, &c);
	assert_non_null(sh);
	assert_true(num(sh, "decisions") >= 50);
	assert_int_equal(num(sh, "disagreements"), 0);
	cJSON_Delete(sh);
	sh = run_shadow("vwap", &m, &s, &f, &c);
	assert_non_null(sh);
	assert_true(num(sh, "decisions") >= 50);
	assert_int_equal(num(sh, "disagreements"), num(sh, "decisions"));
	assert_string_equal(s.last_choice, "ac tactic");
	cJSON_Delete(sh);
	model_free(&m);
}

/* The "ac" urgency drops the baseline's answer to the price: a policy that
 * chooses "ac tactic" at every decision keeps AC's schedule minute by minute
 * (a lot of rounding apart), where ais-pass, on the same seed, bends it. */
static void
ac_anchor_keeps_acs_schedule(void **state)
{
	struct model m;
	struct sim_params sp;
	struct market *mk[3];
	struct exec *x[3];
	const char *algo[3] = { "learned", "ac", "ais-pass" };
	int a = (4 * POLICY_NLUMP + 0) * POLICY_NSTYLE + POLICY_TACTIC;
	int64_t worst_ac = 0, worst_ais = 0;
	char err[256], name[32];

	(void)state;
	policy_action_name(name, sizeof name, a);
	assert_string_equal(name, "ac tactic");
	assert_int_equal(policy_anchor(a), 1);
	assert_int_equal(policy_anchor(POLICY_BASE_ACTION), 0);
	policy_action_name(name, sizeof name, a + POLICY_NSTYLE + POLICY_CROSS);
	assert_string_equal(name, "ac lump 10% cross");
	forced_model(&m, a);
	sim_params_default(&sp);
	for (int i = 0; i < 3; i++) {
		struct parent_spec ps = spec(algo[i]);

		assert_int_equal(market_sim_new(&mk[i], &sp, 21, OPEN - 300 * NS),
		    0);
		market_advance(mk[i], OPEN - 1);
		assert_int_equal(exec_new(&x[i], mk[i], NULL), 0);
		exec_set_model(x[i], &m);
		assert_int_equal(exec_submit(x[i], &ps, NULL, err, sizeof err), 0);
	}
	for (int64_t t = OPEN; t < OPEN + 3600 * NS; t += 60 * NS) {
		int64_t tgt[3];

		for (int i = 0; i < 3; i++) {
			exec_tick(x[i], t + NS);
			tgt[i] = exec_target(exec_get(x[i], 0), t + 30 * NS);
		}
		if (llabs(tgt[0] - tgt[1]) > worst_ac)
			worst_ac = llabs(tgt[0] - tgt[1]);
		if (llabs(tgt[2] - tgt[1]) > worst_ais)
			worst_ais = llabs(tgt[2] - tgt[1]);
	}
	print_message("ac anchor: %lld shares from AC's schedule at worst, "
	    "ais-pass %lld\n", (long long)worst_ac, (long long)worst_ais);
	assert_true(worst_ac <= 100);
	assert_true(worst_ais >= 1000);
	for (int i = 0; i < 3; i++) {
		exec_free(x[i]);
		market_free(mk[i]);
	}
	model_free(&m);
}

/* A block of algo (live model live, shadow shadow; either NULL) for an
 * hour in the Almgren-Chriss market on seed 21, to its end; *filled. */
static void
run_ac(const char *algo, const struct model *live, const struct model *shadow,
       struct seen *s, int64_t *filled, int64_t *cash)
{
	struct sim_params sp;
	struct ac_params ac = { .sigma = 0.0481051199, .eta = 7.2e-5,
	    .gamma = 2.5e-7, .eps = 0.01, .tau_min = 5, .noise = 1, .step_s = 1 };
	struct market *mk;
	struct exec *x;
	struct exec_emit em = { seen_emit, s };
	struct parent_spec ps = spec(algo);
	char err[256];

	memset(s, 0, sizeof *s);
	sim_params_default(&sp);
	snprintf(sp.sym, sizeof sp.sym, "QDI");
	assert_int_equal(market_ac_new(&mk, &sp, &ac, 21, OPEN - 60 * NS), 0);
	market_advance(mk, OPEN - 1);
	assert_int_equal(exec_new(&x, mk, &em), 0);
	if (live != NULL)
		exec_set_model(x, live);
	if (shadow != NULL)
		exec_set_shadow(x, shadow);
	ps.interval = 300 * NS;
	assert_int_equal(exec_submit(x, &ps, NULL, err, sizeof err), 0);
	exec_tick(x, ps.end + NS);
	*filled = exec_get(x, 0)->filled;
	if (cash != NULL)
		*cash = exec_get(x, 0)->cash;
	exec_free(x);
	market_free(mk);
}

/* A model's no-book head decides in the Almgren-Chriss world and only
 * there: the same model keeps its book head's choice (the baseline) on a
 * simulated book, and takes its no-book head's ("ac cross") in the AC
 * market, trading or watching as a shadow, and each decision says which
 * head made it. */
static void
no_book_head_decides_in_the_ac_world_only(void **state)
{
	struct model m, head;
	struct parent b;
	struct seen s;
	int64_t filled;
	int a = (4 * POLICY_NLUMP + 0) * POLICY_NSTYLE + POLICY_CROSS;
	char err[256];

	(void)state;
	assert_int_equal(model_init(&m, NULL, 0, 3, 0.3, err, sizeof err), 0);
	assert_int_equal(model_init(&head, NULL, 0, 3, 0.3, err, sizeof err), 0);
	head.net.w[(size_t)head.nfeat * POLICY_NACTIONS + (size_t)a] = 50;
	assert_int_equal(model_set_no_book(&m, &head, err, sizeof err), 0);
	/* On a book: the book head, which keeps the baseline. */
	run_algo("learned", &m, &s, NULL, &b);
	assert_true(s.head_book > 0);
	assert_int_equal(s.head_no_book, 0);
	assert_string_equal(s.policy_choice, "base");
	/* In the AC world: the no-book head, every decision. */
	run_ac("learned", &m, NULL, &s, &filled, NULL);
	print_message("no-book head: %lld decisions by it, %lld by the book "
	    "head, last \"%s\"; %lld of 200000 shares\n",
	    (long long)s.head_no_book, (long long)s.head_book, s.policy_choice,
	    (long long)filled);
	assert_true(s.head_no_book > 0);
	assert_int_equal(s.head_book, 0);
	assert_string_equal(s.policy_choice, "ac cross");
	assert_true(filled > 0);
	/* Watching a TWAP block there as a shadow: the same head. */
	run_ac("twap", NULL, &m, &s, &filled, NULL);
	assert_true(s.shadow_events > 0);
	assert_string_equal(s.last_choice, "ac cross");
	assert_string_equal(s.shadow_head, "no-book");
	/* A model without the head is its book head there too. */
	model_free(&m);
	assert_int_equal(model_init(&m, NULL, 0, 3, 0.3, err, sizeof err), 0);
	run_ac("twap", NULL, &m, &s, &filled, NULL);
	assert_string_equal(s.last_choice, "base");
	assert_string_equal(s.shadow_head, "book");
	/* Where nothing posted fills, the learned algorithm's band does not
	 * hold (it would fall behind the schedule at half a slice a
	 * decision): an untrained book head there trades as ais-pass does,
	 * the whole gap crossed, fill for fill. */
	{
		struct model u;
		int64_t f1, f2, c1, c2;

		assert_int_equal(model_init(&u, NULL, 0, 3, 0.3, err,
		    sizeof err), 0);
		run_ac("learned", &u, NULL, &s, &f1, &c1);
		run_ac("ais-pass", NULL, NULL, &s, &f2, &c2);
		if (f1 != f2 || c1 != c2)
			fail_msg("AC world: learned %lld shares for %lld, "
			    "ais-pass %lld for %lld", (long long)f1,
			    (long long)c1, (long long)f2, (long long)c2);
		model_free(&u);
	}
	/* Training would not see the head: every trainer refuses it. */
	assert_int_equal(model_set_no_book(&m, &head, err, sizeof err), 0);
	assert_int_equal(model_trainable(&m, "rollout", err, sizeof err), -1);
	assert_non_null(strstr(err, "rollout: the model carries a no-book head"));
	model_free(&head);
	model_free(&m);
}

/* Event-driven decisions: a policy that leaves its baseline only when news
 * is fresh decides within a second of the item, between its grid's
 * decisions, and its reason says what it changed in the plan. */
struct news_policy {
	int64_t checks, off;
};

static int
news_choose(void *arg, const struct model *m, const double *f,
            struct policy_choice *c, int check, double *logp)
{
	struct news_policy *np = arg;

	(void)m;
	np->checks += check;
	c->action = f[FEAT_NEWS_RECENT] > 0.9 && f[FEAT_NEWS_SENT] < 0 ?
	    (2 * POLICY_NLUMP + 1) * POLICY_NSTYLE + POLICY_TACTIC :
	    POLICY_BASE_ACTION;
	np->off += c->action != POLICY_BASE_ACTION;
	*logp = 0;
	return 0;
}

static void
policy_wakes_on_news_and_says_why(void **state)
{
	struct model m;
	struct news_policy np = { 0 };
	struct trace tr;
	struct parent b;
	struct seen s;
	struct exec_news n = { .t = OPEN + 630 * NS + NS / 2, .sentiment = -0.8 };
	int woken = 0;
	char err[256];
	int hidden[1] = { 8 };

	(void)state;
	strcpy(n.sym, "QDI");
	strcpy(n.headline, "QDI guidance cut");
	assert_int_equal(model_init(&m, hidden, 1, 5, 0.3, err, sizeof err), 0);
	m.choose = news_choose;
	m.choose_arg = &np;
	trace_init(&tr);
	m.trace = &tr;
	run_algo("learned", &m, &s, &n, &b);
	assert_true(np.checks > 3000);
	for (size_t i = 0; i < tr.n; i++)
		if (tr.step[i].woken) {
			woken++;
			/* The first woken decision: the first second after the
			 * news, off the one-minute grid. */
			if (woken == 1) {
				assert_int_equal(tr.step[i].t, OPEN + 631 * NS);
				assert_int_equal(tr.step[i].action,
				    (2 * POLICY_NLUMP + 1) * POLICY_NSTYLE);
			}
		}
	assert_true(woken >= 1);
	/* What it changed: the urgency, by the action's +2, and the lump. */
	{
		double from, to;
		long long lump;
		const char *r = strstr(s.woken_reason, "woken: re-plan: urgency ");

		assert_non_null(r);
		assert_int_equal(sscanf(r, "woken: re-plan: urgency %lf -> %lf, "
		    "+%lld now, tactic: ", &from, &to, &lump), 3);
		assert_true(to - from > 1.5 && to - from < 2.5);
		assert_true(lump > 5000 && lump < 20000);
		assert_non_null(strstr(r, "(u+2 lump 10% tactic p="));
	}
	trace_free(&tr);
	model_free(&m);
}

/*
 * The news confirmation (struct news_rule).  A sell block of 200,000 over
 * an hour in a market with one news item at 10:00 (the market's own, fed
 * to the feed as a scenario does): kind, good or bad, the feed's score
 * always right.  What the run saw of the rule's decisions.
 */
struct confirm_seen {
	int n;                 /* decisions the rule took */
	double age_s;          /* the first one's seconds after the item */
	long long lump;        /* its shares */
	char reason[512];
	double move5_at_item;
	/* The rule after hard news (struct hard_rule). */
	int hard_n;            /* decisions it made */
	double hard_age_s;     /* the first one's seconds after the item */
	char hard_reason[512];
	char hard_choice[32];
	int hard_then_not;     /* decisions after its first that it did not make */
	char only[16];         /* the hard rule's: this block's only ("" all) */
	/* The market's jump at the item (exec_news_jump), two minutes on. */
	int jump_known;
	double jump;
};

static void
confirm_emit(void *arg, const char *topic, cJSON *o)
{
	struct confirm_seen *c = arg;
	const cJSON *nc, *pol = cJSON_GetObjectItem(o, "policy"), *h;

	if (strcmp(topic, "decision") != 0 || pol == NULL)
		return;
	if (c->only[0] != '\0' && strcmp(cJSON_GetObjectItem(o,
	    "block")->valuestring, c->only) != 0)
		return;
	if ((h = cJSON_GetObjectItem(pol, "hard_news")) != NULL) {
		if (c->hard_n++ == 0) {
			c->hard_age_s = cJSON_GetObjectItem(h, "age_s")->valuedouble;
			snprintf(c->hard_reason, sizeof c->hard_reason, "%s",
			    cJSON_GetObjectItem(o, "reason")->valuestring);
			snprintf(c->hard_choice, sizeof c->hard_choice, "%s",
			    cJSON_GetObjectItem(pol, "choice")->valuestring);
		}
	} else if (c->hard_n > 0)
		c->hard_then_not++;
	if ((nc = cJSON_GetObjectItem(pol, "news_confirm")) == NULL)
		return;
	if (c->n++ == 0) {
		c->age_s = cJSON_GetObjectItem(nc, "age_s")->valuedouble;
		c->lump = (long long)cJSON_GetObjectItem(nc, "lump")->valuedouble;
		c->move5_at_item = cJSON_GetObjectItem(nc,
		    "move5_at_item_sigma")->valuedouble;
		snprintf(c->reason, sizeof c->reason, "%s",
		    cJSON_GetObjectItem(o, "reason")->valuestring);
	}
}

/* What a run varies beyond the news: the item's time past 10:00, the
 * block's side, how long after the item the block is submitted (0: at the
 * open; negative: before the item), a participation cap (0: none), and
 * whether a person switches the block to twap and back to learned right
 * after the rule fires. */
struct news_case {
	int64_t item_off;
	int side;
	int64_t late;
	double max_pov;
	int switch_back;
	int hard;         /* the rule after hard news: AC's curve, passive */
	int early;        /* late > 0: submitted at the open all the same */
	double priced;    /* the news rule's priced_sigma (0: 20) */
	int passive_cap;  /* a person caps the block's aggression at passive */
};

static void
run_news_case(int kind, int good, int rule, const struct news_case *nc,
              struct confirm_seen *c, struct parent *out,
              int64_t *filled_at_2min)
{
	struct sim_params sp;
	struct market *m;
	struct exec *x;
	struct model mdl;
	struct parent_spec ps = spec("learned");
	struct exec_emit em = { confirm_emit, c };
	struct sim_news_item it;
	struct exec_news en;
	int hidden[1] = { 8 };
	char err[256];
	uint32_t id;

	memset(c, 0, sizeof *c);
	assert_int_equal(model_init(&mdl, hidden, 1, 5, 0.3, err, sizeof err),
	    0);
	if (rule)
		mdl.news = (struct news_rule){ .on = 1, .after_lo = 20,
		    .after_hi = 120, .move_k = 1, .priced_k = nc->priced > 0 ?
		    nc->priced : 20, .take = 1 };
	if (nc->hard)
		mdl.hard = (struct hard_rule){ .on = 1, .priced_k = 20,
		    .action = 4 * POLICY_NLUMP * POLICY_NSTYLE + POLICY_PASSIVE };
	sim_params_default(&sp);
	sim_news_default(&sp.news, kind);
	sp.news.first = sp.news.last = 36000LL * NS + nc->item_off;
	sp.news.p_up = good;
	sp.news.wrong = 0;
	sp.news.size_min = 150;
	sp.news.size = 1e-9;
	assert_int_equal(market_sim_new(&m, &sp, 21, OPEN - 300 * NS), 0);
	market_advance(m, OPEN - 1);
	assert_int_equal(exec_new(&x, m, &em), 0);
	exec_set_model(x, &mdl);
	assert_int_equal(market_news_count(m), 1);
	market_news_get(m, 0, &it);
	memset(&en, 0, sizeof en);
	en.t = it.at;
	en.src = EXEC_NEWS_SIM;
	en.sentiment = it.sentiment;
	strcpy(en.sym, "QDI");
	snprintf(en.headline, sizeof en.headline, "%s", it.headline);
	assert_int_equal(exec_news_add(x, &en, err, sizeof err), 0);
	ps.side = nc->side;
	if (nc->late != 0) {
		/* Nothing reads signals before the block: the market's first
		 * seconds after the item were never sampled (late > 0), or the
		 * signals are still warming up at the item (late < 0). */
		if (!nc->early)
			exec_tick(x, it.at + nc->late);
		ps.start = it.at + nc->late;
		ps.end = ps.start + 3600 * NS;
	}
	if (nc->max_pov > 0)
		ps.max_pov = nc->max_pov;
	assert_int_equal(exec_submit(x, &ps, &id, err, sizeof err), 0);
	snprintf(c->only, sizeof c->only, "%u", id);
	if (nc->passive_cap)
		assert_int_equal(exec_limit(x, id, &(struct exec_limits){
		    .aggression = AGGR_PASSIVE }, err, sizeof err), 0);
	if (nc->switch_back) {
		int64_t t = it.at;

		while (c->n == 0 && t < it.at + 120 * NS)
			exec_tick(x, t += NS);
		assert_int_equal(c->n, 1);
		assert_int_equal(exec_switch_algo(x, id, "twap", err, sizeof err),
		    0);
		exec_tick(x, t + 5 * NS);
		assert_int_equal(exec_switch_algo(x, id, "learned", err,
		    sizeof err), 0);
	}
	exec_tick(x, it.at + 120 * NS);
	*filled_at_2min = exec_get(x, 0)->filled;
	{
		int64_t at;

		c->jump_known = exec_news_jump(x, m, &at, &c->jump) == 0 &&
		    at == it.at;
	}
	run_out(x, m, ps.end, out);
	model_free(&mdl);
}

static void
run_news(int kind, int good, int rule, struct confirm_seen *c,
         struct parent *out, int64_t *filled_at_2min)
{
	run_news_case(kind, good, rule, &(struct news_case){ .side = BOOK_ASK },
	    c, out, filled_at_2min);
}

static void
news_confirmation_takes_the_remainder_once(void **state)
{
	struct confirm_seen c, off;
	struct parent b, b0;
	int64_t f2, f2_off;

	(void)state;
	/* Soft bad news, a seller: the price confirms it over the first
	 * minutes, and the rule takes what is left at once, crossing. */
	run_news(SIM_NEWS_SOFT, 0, 1, &c, &b, &f2);
	run_news(SIM_NEWS_SOFT, 0, 0, &off, &b0, &f2_off);
	assert_int_equal(c.n, 1);
	assert_int_equal(off.n, 0);
	assert_true(c.age_s >= 20 && c.age_s <= 120);
	assert_true(fabs(c.move5_at_item) < 20);
	/* The schedule has most of the block done by 10:00: the remainder. */
	assert_true(c.lump > 20000);
	assert_non_null(strstr(c.reason, "news confirmed (news -0.9 at "
	    "10:00:00), 30 s move -"));
	assert_non_null(strstr(c.reason, "of what is left), crossing; "));
	/* Two minutes after the item it has sold far more than without the
	 * rule, and the block is done. */
	assert_true(f2 > f2_off + c.lump / 2);
	assert_int_equal(b.filled, b.spec.qty);
	/* A buyer hears soft good news the same way, at a time that is not a
	 * whole second. */
	run_news_case(SIM_NEWS_SOFT, 1, 1, &(struct news_case){
	    .item_off = 300000000, .side = BOOK_BID }, &c, &b, &f2);
	assert_int_equal(c.n, 1);
	assert_non_null(strstr(c.reason, "news confirmed (news +"));
	/* Under a person's cap of passive the lump is posted, and the
	 * decision says why it does not cross (it said "crossing" and
	 * posted: found by a review). */
	run_news_case(SIM_NEWS_SOFT, 0, 1, &(struct news_case){
	    .side = BOOK_ASK, .passive_cap = 1 }, &c, &b, &f2);
	assert_int_equal(c.n, 1);
	assert_non_null(strstr(c.reason, "aggression is capped at passive, so "
	    "not crossing: offer "));
	assert_non_null(strstr(c.reason, "of what is left), posted, not "
	    "crossed: aggression is capped at passive; "));
	assert_null(strstr(c.reason, "crossing;"));
}

/* A person who switches the block away from learned and back, right after
 * the rule fired, does not make it fire again for the same item: under a
 * participation cap the lump left most of the remainder, which a second
 * firing would cross again.  The item fired for is the block's. */
static void
news_confirmation_survives_a_switch_away_and_back(void **state)
{
	struct confirm_seen c;
	struct parent b;
	int64_t f2;

	(void)state;
	run_news_case(SIM_NEWS_SOFT, 0, 1, &(struct news_case){ .side = BOOK_ASK,
	    .max_pov = 20, .switch_back = 1 }, &c, &b, &f2);
	if (c.n != 1)
		fail_msg("the rule fired %d times for one item", c.n);
	/* The cap held most of the lump back: there was something to fire
	 * for again. */
	assert_true(f2 < b.spec.qty);
}

static void
news_confirmation_leaves_good_or_priced_news_alone(void **state)
{
	struct confirm_seen c;
	struct parent b, b0;
	int64_t f2, f2_off;

	(void)state;
	/* Good news for a seller: never. */
	run_news(SIM_NEWS_SOFT, 1, 1, &c, &b, &f2);
	assert_int_equal(c.n, 0);
	/* Hard bad news: the price is there within a second of the
	 * headline, so the 5-s moves of its first seconds say it is priced,
	 * whether the item comes on a whole second, just after one or just
	 * before the next. */
	for (int64_t off = 0; off < NS; off += 350000000) {
		run_news_case(SIM_NEWS_HARD, 0, 1, &(struct news_case){
		    .item_off = off, .side = BOOK_ASK }, &c, &b, &f2);
		assert_int_equal(c.n, 0);
	}
	/* Neither run differs from the model without the rule by a share. */
	run_news(SIM_NEWS_HARD, 0, 1, &c, &b, &f2);
	run_news(SIM_NEWS_HARD, 0, 0, &c, &b0, &f2_off);
	assert_int_equal(b.filled, b0.filled);
	assert_true(b.cash == b0.cash);
	/* A block that starts 25 s after soft bad news never saw the price
	 * at the headline: it does not know the news was not priced, and
	 * leaves it alone. */
	run_news_case(SIM_NEWS_SOFT, 0, 1, &(struct news_case){ .side = BOOK_ASK,
	    .late = 25 * NS }, &c, &b, &f2);
	assert_int_equal(c.n, 0);
	/* A block submitted 40 s before hard news: the signals are still in
	 * their warm-up at the headline, where every move reads 0, so the
	 * jump is not known and the rule leaves the news alone. */
	run_news_case(SIM_NEWS_HARD, 0, 1, &(struct news_case){ .side = BOOK_ASK,
	    .late = -40 * NS }, &c, &b, &f2);
	assert_int_equal(c.n, 0);
}

/*
 * The rule after hard news (struct hard_rule): from the first decision that
 * knows the item's jump, for as long as it is the newest item, the policy
 * takes the rule's action and says why; soft news, a jump it did not see,
 * or a model without the rule change nothing.
 */
static void
hard_news_rule_holds_its_action_while_the_news_is_newest(void **state)
{
	struct confirm_seen c, c0;
	struct parent b, b0;
	int64_t f2, f2_0;

	(void)state;
	/* Hard bad news, a seller, with the news confirmation beside it. */
	run_news_case(SIM_NEWS_HARD, 0, 1, &(struct news_case){ .side = BOOK_ASK,
	    .hard = 1 }, &c, &b, &f2);
	run_news_case(SIM_NEWS_HARD, 0, 1, &(struct news_case){ .side = BOOK_ASK },
	    &c0, &b0, &f2_0);
	if (c.hard_n < 1)
		fail_msg("the rule made no decision after hard news");
	/* As soon as the item's first 5 s are measured, and every decision
	 * after: the item stays the newest to the block's end. */
	assert_true(c.hard_age_s >= 4 && c.hard_age_s <= 10);
	assert_true(c.jump_known && c.jump <= -20);
	assert_int_equal(c.hard_then_not, 0);
	assert_string_equal(c.hard_choice, "ac passive");
	if (strstr(c.hard_reason, "hard news in the price (news -0.9 at "
	    "10:00:00, its first 5 s -") == NULL ||
	    strstr(c.hard_reason, "sigma): ac passive while it is the newest "
	    "item (the network: base)") == NULL)
		fail_msg("reason: %s", c.hard_reason);
	/* The confirmation does not fire on priced news either way. */
	assert_int_equal(c.n, 0);
	/* It traded differently. */
	assert_false(b.cash == b0.cash);
	/* A buyer: the same rule, good news. */
	run_news_case(SIM_NEWS_HARD, 1, 0, &(struct news_case){
	    .item_off = 300000000, .side = BOOK_BID, .hard = 1 }, &c, &b, &f2);
	assert_true(c.hard_n >= 1);
	assert_non_null(strstr(c.hard_reason, "hard news in the price (news +"));
	/* A news confirmation that would not call that jump priced: not hard
	 * news either, so the two rules never act on one item. */
	run_news_case(SIM_NEWS_HARD, 0, 1, &(struct news_case){ .side = BOOK_ASK,
	    .hard = 1, .priced = 1000 }, &c, &b, &f2);
	assert_int_equal(c.hard_n, 0);
	/* Soft news: no jump at the item, so not hard news; not a share
	 * differs from the model without the rule. */
	run_news_case(SIM_NEWS_SOFT, 0, 0, &(struct news_case){ .side = BOOK_ASK,
	    .hard = 1 }, &c, &b, &f2);
	run_news_case(SIM_NEWS_SOFT, 0, 0, &(struct news_case){ .side = BOOK_ASK },
	    &c0, &b0, &f2_0);
	assert_int_equal(c.hard_n, 0);
	assert_int_equal(b.filled, b0.filled);
	assert_true(b.cash == b0.cash);
	/* A block started 25 s after hard news never saw its jump: the rule
	 * does not hold on what it does not know. */
	run_news_case(SIM_NEWS_HARD, 0, 0, &(struct news_case){ .side = BOOK_ASK,
	    .late = 25 * NS, .hard = 1 }, &c, &b, &f2);
	assert_int_equal(c.hard_n, 0);
	/* Nor when it was submitted before the item, to start 25 s after it:
	 * waiting, it had the market sampled through the item, whose jump is
	 * known, but its move since arrival holds no jump to keep the policy
	 * from answering. */
	run_news_case(SIM_NEWS_HARD, 0, 0, &(struct news_case){ .side = BOOK_ASK,
	    .late = 25 * NS, .early = 1, .hard = 1 }, &c, &b, &f2);
	assert_true(c.jump_known && c.jump <= -20);
	assert_int_equal(c.hard_n, 0);
	/* A block live at the item whose jump was not measured (submitted
	 * 40 s before it, the signals still in their warm-up at the
	 * headline): the rule stands down on what it does not know, and
	 * not a share differs from the model without it. */
	run_news_case(SIM_NEWS_HARD, 0, 0, &(struct news_case){ .side = BOOK_ASK,
	    .late = -40 * NS, .hard = 1 }, &c, &b, &f2);
	run_news_case(SIM_NEWS_HARD, 0, 0, &(struct news_case){ .side = BOOK_ASK,
	    .late = -40 * NS }, &c0, &b0, &f2_0);
	assert_false(c.jump_known);
	assert_int_equal(c.hard_n, 0);
	assert_int_equal(b.filled, b0.filled);
	assert_true(b.cash == b0.cash);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(learned_block_needs_a_model),
		cmocka_unit_test(shadow_watches_and_never_trades),
		cmocka_unit_test(shadow_of_the_trading_model_agrees),
		cmocka_unit_test(untrained_policy_is_ais_pass_fill_for_fill),
		cmocka_unit_test(replan_action_moves_the_target),
		cmocka_unit_test(ac_anchor_keeps_acs_schedule),
		cmocka_unit_test(shadow_ac_agrees_only_with_an_ac_curve),
		cmocka_unit_test(policy_wakes_on_news_and_says_why),
		cmocka_unit_test(no_book_head_decides_in_the_ac_world_only),
		cmocka_unit_test(news_confirmation_takes_the_remainder_once),
		cmocka_unit_test(news_confirmation_survives_a_switch_away_and_back),
		cmocka_unit_test(news_confirmation_leaves_good_or_priced_news_alone),
		cmocka_unit_test(hard_news_rule_holds_its_action_while_the_news_is_newest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
