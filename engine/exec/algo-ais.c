/*
 * engine/exec/algo-ais.c -- price-adaptive implementation shortfall:
 * "ais-aggr" (aggressive in the money) and "ais-pass" (passive in the
 * money), after Kissell and Malamut's adaptive tactics and Almgren and
 * Lorenz's adaptive arrival-price strategies.
 *
 * Both start on the AC schedule (algo-ac.c: the same kappa from the same
 * parameters) and re-plan the remainder at every decision (the action's
 * re-plan, exec_replan):
 * an AC trajectory over the time left, from where the schedule stands,
 * with the urgency scaled by how far the price has moved from arrival.
 * With z the move in sigmas of the time elapsed (market_sigma(), the
 * market's own realised volatility, times the root of the seconds since
 * the start), positive when it is in the block's favour (up for a seller,
 * down for a buyer), the urgency over the time left, kappa (T - t), moves
 * from AC's kappa_0 (T - t) by +- a z, z held to +-2, so the same move
 * bends what is left as much late in the window as early (a negative
 * urgency back-loads what is
 * left, exec_replan's mirror image of AC's curve: AC's own curves only
 * front-load, and near a straight line "slower" has nowhere else to go):
 *
 *   ais-aggr (+): in the money it trades faster, locking in the gain and
 *     spending it on less risk -- the shape Almgren and Lorenz find
 *     mean-variance optimal when the trader may adapt -- and out of the
 *     money it slows down, waiting for the price to come back;
 *   ais-pass (-): in the money it slows down, letting a favourable trend
 *     run; out of the money it speeds up to cut the loss before it grows.
 *
 * a is the block's `adapt` (default AIS_ADAPT).  A price that has not
 * moved gives the AC schedule back, since a plan re-made with AC's own
 * kappa is AC's curve.  The tactic, the caps and a trader's overrides work
 * the plan as they work any schedule; while an override forces a style
 * the algorithm is not asked and the plan stands as it was.
 */
#include <math.h>
#include <stdio.h>

#include "engine/exec/exec.h"

/* The urgency's answer to a one-sigma move: one unit of kappa T, as much
 * as AC's default urgency itself. */
#define AIS_ADAPT 1.0
/* Moves count up to this many sigmas. */
#define AIS_ZMAX 2.0

static void
ais_start(struct parent *p, const struct market *m)
{
	algo_ac_ops.start(p, m);
	p->plan.on = 0;
}

static int64_t
ais_target(const struct parent *p, int64_t t)
{
	return algo_ac_ops.target(p, t);
}

/* dir +1 ais-aggr, -1 ais-pass. */
static int
ais_decide(struct exec *x, struct parent *p, int64_t t,
           struct algo_action *act, double dir)
{
	double mid = market_mid(p->m), sigma = market_sigma(p->m, 1);
	double el = (double)(t - p->spec.start) / 1e9, z = 0, zc, kappa;
	double sgn = p->spec.side == BOOK_BID ? -1 : 1;
	double a = p->spec.adapt > 0 ? p->spec.adapt : AIS_ADAPT;
	if (mid > 0 && p->arrival > 0 && sigma > 0 && el > 0)
		z = sgn * (mid - p->arrival) / (sigma * sqrt(el));
	zc = z > AIS_ZMAX ? AIS_ZMAX : z < -AIS_ZMAX ? -AIS_ZMAX : z;
	kappa = p->ac_kappa + dir * a * zc / (double)(p->spec.end - t);
	act->mult = 1;
	act->style = -1;
	act->replan = 1;
	act->urgency = kappa * (double)(p->spec.end - t);
	if (!exec_emitting(x))
		return 0;
	/* Why, with the values that made it: the move, what of it counts
	 * (held to AIS_ZMAX) and how strongly the block answers it. */
	char held[48] = "";
	cJSON *r;

	if (zc != z)
		snprintf(held, sizeof held, " (counted as %.0f)", fabs(zc));
	snprintf(act->note, sizeof act->note, "%s: price %.2f sigma %s since "
	    "arrival%s, adapt %.2f: urgency %.2f (AC's %.2f) over the %.0f min "
	    "left", p->algo->name, fabs(z), z >= 0 ? "in our favour" :
	    "against us", held, a, kappa * (double)(p->spec.end - t),
	    p->ac_kappa * (double)(p->spec.end - t),
	    (double)(p->spec.end - t) / 60e9);
	act->detail = cJSON_CreateObject();
	r = cJSON_AddObjectToObject(act->detail, "rule");
	cJSON_AddNumberToObject(r, "z", z);
	cJSON_AddNumberToObject(r, "z_max", AIS_ZMAX);
	cJSON_AddNumberToObject(r, "adapt", a);
	cJSON_AddNumberToObject(r, "urgency_ac", p->ac_kappa *
	    (double)(p->spec.end - t));
	return 0;
}

static int
ais_aggr_decide(struct exec *x, struct parent *p, int64_t t,
                struct algo_action *act)
{
	return ais_decide(x, p, t, act, 1);
}

static int
ais_pass_decide(struct exec *x, struct parent *p, int64_t t,
                struct algo_action *act)
{
	return ais_decide(x, p, t, act, -1);
}

const struct algo_ops algo_ais_aggr_ops = {
	.name = "ais-aggr",
	.target = ais_target,
	.start = ais_start,
	.decide = ais_aggr_decide,
};

const struct algo_ops algo_ais_pass_ops = {
	.name = "ais-pass",
	.target = ais_target,
	.start = ais_start,
	.decide = ais_pass_decide,
};
