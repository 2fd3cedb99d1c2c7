/*
 * engine/exec/algo-learned.c -- "learned": a policy trained by an evolution
 * strategy that adjusts an Almgren-Chriss schedule at each decision
 * (`tranched train`, engine/cli/train.c, trains it).
 *
 * The base schedule is AC's (algo-ac.c): the best classical schedule on the
 * mean-variance objective, and among the best on the simulated scenarios.
 * At each decision the policy (engine/model/) reads features of the book
 * and of the block and chooses one of 16 actions: a multiplier of the
 * slice (0, 0.5, 1, 2) and a style (the block's own tactic, passive at the
 * touch, inside the spread, crossing).  Its untrained choice is "x1,
 * tactic", which is exactly AC, so training learns a residual and a policy
 * that has learned nothing costs what AC costs.  Everything it does goes
 * through the tactic's caps, limits and risk checks (exec-tactic.c,
 * exec-risk.c).
 *
 * Published decisions carry the choice, the probability the network gives
 * every alternative (softmax of its scores; the policy itself takes the
 * highest) and the three features with the largest gradient x input for
 * the chosen score; the reason starts with the same in words.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/exec/exec.h"
#include "engine/model/model.h"

struct learned_state {
	struct feat_state fs;
};

/* What a shadow model keeps of one block (parent.shadow_state). */
struct learned_shadow_state {
	struct feat_state fs;
	char model[64];
	int64_t n, disagree;       /* decisions seen, and those it would differ */
	double abs_shares;         /* sum of |shares it would add or drop| */
	char last[32];             /* its last choice */
};

static void
learned_start(struct parent *p, const struct market *m)
{
	algo_ac_ops.start(p, m);
}

static int64_t
learned_target(const struct parent *p, int64_t t)
{
	return algo_ac_ops.target(p, t);
}

static void
learned_release(struct parent *p)
{
	struct learned_state *s = p->algo_state;

	if (s == NULL)
		return;
	free(s);
	p->algo_state = NULL;
}

static int
learned_map_style(int ps)
{
	switch (ps) {
	case POLICY_PASSIVE:
		return STYLE_PASSIVE;
	case POLICY_INSIDE:
		return STYLE_INSIDE;
	case POLICY_CROSS:
		return STYLE_CROSS;
	default:
		return -1;
	}
}

static void
learned_action_name(char *buf, size_t n, int a)
{
	snprintf(buf, n, "x%g %s", policy_mult(a),
	    policy_style_name(policy_style(a)));
}

static void
learned_explain(const struct model *mdl, const double *f,
                const struct policy_choice *c, struct algo_action *act)
{
	char name[32], alt[2][32];
	int second = -1, third = -1;
	cJSON *d = cJSON_CreateObject(), *arr;

	for (int a = 0; a < POLICY_NACTIONS; a++) {
		if (a == c->action)
			continue;
		if (second < 0 || c->prob[a] > c->prob[second]) {
			third = second;
			second = a;
		} else if (third < 0 || c->prob[a] > c->prob[third])
			third = a;
	}
	learned_action_name(name, sizeof name, c->action);
	learned_action_name(alt[0], sizeof alt[0], second);
	learned_action_name(alt[1], sizeof alt[1], third);
	snprintf(act->note, sizeof act->note, "policy %s p=%.2f (then %s %.2f, "
	    "%s %.2f); drivers %s %+.2f, %s %+.2f, %s %+.2f", name,
	    c->prob[c->action], alt[0], c->prob[second], alt[1], c->prob[third],
	    feat_name(c->top[0]), c->top_w[0], feat_name(c->top[1]),
	    c->top_w[1], feat_name(c->top[2]), c->top_w[2]);
	cJSON_AddStringToObject(d, "model", mdl->name);
	cJSON_AddStringToObject(d, "choice", name);
	cJSON_AddNumberToObject(d, "mult", policy_mult(c->action));
	cJSON_AddStringToObject(d, "how", policy_style_name(policy_style(
	    c->action)));
	arr = cJSON_AddArrayToObject(d, "alternatives");
	for (int a = 0; a < POLICY_NACTIONS; a++) {
		cJSON *o = cJSON_CreateObject();

		learned_action_name(name, sizeof name, a);
		cJSON_AddStringToObject(o, "action", name);
		cJSON_AddNumberToObject(o, "p", c->prob[a]);
		cJSON_AddNumberToObject(o, "score", c->logit[a]);
		cJSON_AddItemToArray(arr, o);
	}
	arr = cJSON_AddArrayToObject(d, "drivers");
	for (int k = 0; k < POLICY_TOP && c->top[k] >= 0; k++) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "feature", feat_name(c->top[k]));
		cJSON_AddNumberToObject(o, "value", f[c->top[k]]);
		cJSON_AddNumberToObject(o, "weight", c->top_w[k]);
		cJSON_AddItemToArray(arr, o);
	}
	act->detail = cJSON_CreateObject();
	cJSON_AddItemToObject(act->detail, "policy", d);
}

/*
 * The features of block p at t, as a policy sees them: the block against
 * its own algorithm's schedule (AC's for learned blocks), the book of its
 * market, and what fs remembers of earlier decisions.
 */
static void
learned_features(struct exec *x, struct parent *p, int64_t t,
                 struct feat_state *fs, double *f)
{
	const struct market *m = p->m;
	struct feat_input in = {
		.side = p->spec.side, .qty = p->spec.qty, .filled = p->filled,
		.working = p->working, .sched = p->algo->target(p, t),
		.t = t, .start = p->spec.start, .end = p->spec.end,
		.arrival = p->arrival, .queue_ahead = -1,
		.alerts = p->behind_alerted + (p->refused > 0),
		.impact = exec_impact(x, NULL),
	};

	in.slice = p->algo->target(p, t + p->spec.interval) - in.sched;
	if (in.slice < p->spec.lot)
		in.slice = p->spec.lot;
	for (size_t i = 0; i < p->nchildren; i++)
		if (p->children[i].live) {
			int64_t q = book_queue_ahead(m->book, p->children[i].id);

			if (q >= 0)
				in.queue_ahead = (in.queue_ahead < 0 ? 0 :
				    in.queue_ahead) + q;
		}
	feat_compute(fs, m, &in, f);
}

static int
learned_decide(struct exec *x, struct parent *p, int64_t t,
               struct algo_action *act)
{
	struct learned_state *s = p->algo_state;
	const struct model *mdl = exec_model(x);
	struct policy_choice c;
	double f[FEAT_COUNT];

	if (s == NULL) {
		if ((s = calloc(1, sizeof *s)) == NULL)
			return -1;
		feat_state_init(&s->fs);
		p->algo_state = s;
	}
	learned_features(x, p, t, &s->fs, f);
	if (mdl == NULL) {
		/* exec_submit refuses a learned block without a model; this is
		 * only reached by a caller that cleared it afterwards. */
		snprintf(act->note, sizeof act->note, "no model: working the AC "
		    "schedule");
		act->mult = 1;
		act->style = -1;
		return 0;
	}
	model_decide(mdl, f, &c, exec_emitting(x));
	act->mult = policy_mult(c.action);
	act->style = learned_map_style(policy_style(c.action));
	if (exec_emitting(x)) {
		const char *why;

		learned_explain(mdl, f, &c, act);
		/* A policy that reads impact_est is told when it is 0 for want
		 * of an impact model, in its own reason. */
		for (int i = 0; i < mdl->nfeat; i++)
			if (mdl->feat[i] == FEAT_IMPACT_EST &&
			    exec_impact(x, &why) == NULL) {
				size_t n = strlen(act->note);

				snprintf(act->note + n, sizeof act->note - n, "; "
				    "impact_est 0: %s", why);
			}
	}
	return 0;
}

/*
 * Shadow mode.  The shadow model sees the block exactly as a policy trading
 * it would, relative to the block's own algorithm, and chooses; nothing it
 * chooses reaches the market.  It disagrees when its multiplier or its
 * style differs from the live choice (a classical algorithm's choice is
 * "x1 tactic"); by how much is the shares it would add to or drop from this
 * interval's slice, (its multiplier - the live one) x the slice.
 */
static const char *
learned_live_style_name(int style)
{
	switch (style) {
	case STYLE_PASSIVE:
		return "passive";
	case STYLE_INSIDE:
		return "inside";
	case STYLE_CROSS:
		return "cross";
	default:
		return "tactic";
	}
}

static cJSON *learned_shadow_json(const struct parent *p);

static void
learned_shadow(struct exec *x, struct parent *p, const struct model *mdl,
               int64_t t, double live_mult, int live_style, cJSON **extra)
{
	struct learned_shadow_state *s = p->shadow_state;
	struct policy_choice c;
	double f[FEAT_COUNT], mult, shares;
	int64_t slice;
	int style, agree;
	char live[32];
	cJSON *o;

	if (s == NULL) {
		if ((s = calloc(1, sizeof *s)) == NULL)
			return;
		feat_state_init(&s->fs);
		snprintf(s->model, sizeof s->model, "%s", mdl->name);
		p->shadow_state = s;
	}
	learned_features(x, p, t, &s->fs, f);
	model_decide(mdl, f, &c, 0);
	mult = policy_mult(c.action);
	style = learned_map_style(policy_style(c.action));
	slice = p->algo->target(p, t + p->spec.interval) - p->algo->target(p, t);
	if (slice < p->spec.lot)
		slice = p->spec.lot;
	shares = (mult - live_mult) * (double)slice;
	agree = mult == live_mult && style == live_style;
	s->n++;
	if (!agree) {
		s->disagree++;
		s->abs_shares += fabs(shares);
	}
	learned_action_name(s->last, sizeof s->last, c.action);
	if (!exec_emitting(x))
		return;
	snprintf(live, sizeof live, "x%g %s", live_mult,
	    learned_live_style_name(live_style));
	if (*extra == NULL)
		*extra = cJSON_CreateObject();
	cJSON_DeleteItemFromObjectCaseSensitive(*extra, "shadow");
	o = learned_shadow_json(p);
	cJSON_AddStringToObject(o, "live", live);
	cJSON_AddBoolToObject(o, "agree", agree);
	cJSON_AddNumberToObject(o, "shares_diff", agree ? 0 : llround(shares));
	cJSON_AddItemToObject(*extra, "shadow", o);
}

static cJSON *
learned_shadow_json(const struct parent *p)
{
	const struct learned_shadow_state *s = p->shadow_state;
	cJSON *o = cJSON_CreateObject();

	if (s == NULL)
		return o;
	cJSON_AddStringToObject(o, "model", s->model);
	cJSON_AddStringToObject(o, "choice", s->last);
	cJSON_AddNumberToObject(o, "decisions", (double)s->n);
	cJSON_AddNumberToObject(o, "disagreements", (double)s->disagree);
	cJSON_AddNumberToObject(o, "disagree_pct", s->n > 0 ?
	    100.0 * (double)s->disagree / (double)s->n : 0.0);
	cJSON_AddNumberToObject(o, "mean_abs_shares", s->disagree > 0 ?
	    s->abs_shares / (double)s->disagree : 0.0);
	return o;
}

const struct algo_ops algo_learned_ops = {
	.name = "learned",
	.target = learned_target,
	.start = learned_start,
	.decide = learned_decide,
	.release = learned_release,
	.needs_model = 1,
	.shadow = learned_shadow,
	.shadow_json = learned_shadow_json,
};
