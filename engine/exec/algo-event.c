/*
 * engine/exec/algo-event.c -- "event": the event-triggered rule.  A block
 * follows its VWAP schedule (the block's profile, else flat) until the
 * market makes a fast move against it -- at least event_k sigmas over the
 * last event_win seconds, with the others' aggressive flow over the same
 * seconds at least event_flow one-sided in the move's direction -- and
 * then takes event_f of what remains at once: the schedule is re-planned
 * (the action's re-plan, exec_replan) with that lump due now, and the tactic's catch-up crosses
 * for it, bounded by the participation cap, the maximum child and the
 * limit like any other child.  The rest keeps VWAP's shape to the end.
 *
 * Why only against: news that is absorbed over minutes (the market's
 * informed traders eating stale quotes, soft news) keeps moving the same
 * way after the first seconds, so what is sold into a falling market
 * early is sold above where the rest will be.  A move in the block's
 * favour, or one on two-sided flow (noise, a market maker re-centring),
 * says nothing of the sort and leaves the schedule alone.
 *
 * The rule reads the fast signals (engine/model/signal.h) every simulated
 * second and is woken on them (ops.wake), so it acts seconds after the
 * move rather than at the next decision of a one-minute grid, never sooner
 * than react_s after its last decision.  After firing it waits
 * EVENT_COOL_S before it may fire again: one move is one event.
 *
 * Defaults (EVENT_K, EVENT_F, EVENT_WIN, EVENT_FLOW) are the values
 * scripts/tune-event chose on training seeds only (10,000,000 on) and
 * checked on validation seeds (20,000,000 on); tranched(1) records them
 * and the seeds.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "engine/exec/exec.h"
#include "engine/model/signal.h"

#define EVENT_K 2.0
#define EVENT_F 0.1
#define EVENT_WIN 60.0
#define EVENT_FLOW 0.5
#define EVENT_REACT_S 5.0
#define EVENT_COOL_S 120

struct event_state {
	int64_t fired_t;     /* the last time the rule fired; 0: never */
	int64_t fired;       /* how many times */
};

static double
event_k(const struct parent *p)
{
	return p->spec.event_k > 0 ? p->spec.event_k : EVENT_K;
}

static double
event_f(const struct parent *p)
{
	return p->spec.event_f > 0 ? p->spec.event_f : EVENT_F;
}

static int
event_win(const struct parent *p)
{
	return (int)(p->spec.event_win > 0 ? p->spec.event_win : EVENT_WIN);
}

static double
event_flow(const struct parent *p)
{
	return p->spec.event_flow > 0 ? p->spec.event_flow : EVENT_FLOW;
}

static void
event_release(struct parent *p)
{
	free(p->algo_state);
	p->algo_state = NULL;
}

static void
event_start(struct parent *p, const struct market *m)
{
	(void)m;
	p->plan.on = 0;
	event_release(p);
	/* Without memory the rule cannot keep its cool-down: it then fires
	 * at most once a decision, which the spacing still bounds. */
	p->algo_state = calloc(1, sizeof(struct event_state));
}

static int64_t
event_target(const struct parent *p, int64_t t)
{
	return algo_vwap_ops.target(p, t);
}

/* 1 when the rule fires for block p at t. */
static int
event_fires(const struct exec *x, const struct parent *p, int64_t t)
{
	const struct sig_state *s = exec_sig_state(x, p->m);
	const struct event_state *st = p->algo_state;

	if (s == NULL || (st != NULL && st->fired_t != 0 &&
	    t - st->fired_t < EVENT_COOL_S * 1000000000LL))
		return 0;
	return sig_adverse_burst(s, p->spec.side, event_win(p), event_k(p),
	    event_flow(p));
}

static int
event_wake(struct exec *x, struct parent *p, int64_t t)
{
	return event_fires(x, p, t);
}

static int
event_decide(struct exec *x, struct parent *p, int64_t t,
             struct algo_action *act)
{
	struct event_state *st = p->algo_state;
	int64_t sched, left, lump;

	if (!event_fires(x, p, t))
		return -1;
	sched = exec_target(p, t);
	left = p->spec.qty - (p->filled > sched ? p->filled : sched);
	lump = (int64_t)llround(event_f(p) * (double)left);
	if (lump <= 0)
		return -1;
	act->replan = 1;
	act->urgency = EXEC_PLAN_OWN;
	act->lump = lump;
	act->lump_ns = 0;
	if (st != NULL) {
		st->fired_t = t;
		st->fired++;
	}
	act->mult = 1;
	act->style = -1;
	if (exec_emitting(x)) {
		/* Why, with the values that fired it beside their triggers. */
		const struct sig_state *s = exec_sig_state(x, p->m);
		double mv = sig_move(s, event_win(p)),
		    fl = sig_flow(s, event_win(p), NULL);
		cJSON *r;

		snprintf(act->note, sizeof act->note, "event: price %+.1f sigma "
		    "in %d s (trigger %.1f) with others' flow %+.2f (trigger "
		    "%.2f), against the block: taking %lld shares (%.0f%% of the "
		    "%lld left) now", mv, event_win(p), event_k(p), fl,
		    event_flow(p), (long long)lump, 100 * event_f(p),
		    (long long)left);
		act->detail = cJSON_CreateObject();
		r = cJSON_AddObjectToObject(act->detail, "rule");
		cJSON_AddNumberToObject(r, "move", mv);
		cJSON_AddNumberToObject(r, "k", event_k(p));
		cJSON_AddNumberToObject(r, "flow", fl);
		cJSON_AddNumberToObject(r, "flow_min", event_flow(p));
		cJSON_AddNumberToObject(r, "win_s", event_win(p));
		cJSON_AddNumberToObject(r, "f", event_f(p));
		cJSON_AddNumberToObject(r, "left", (double)left);
	}
	return 0;
}

const struct algo_ops algo_event_ops = {
	.name = "event",
	.target = event_target,
	.start = event_start,
	.decide = event_decide,
	.release = event_release,
	.signals = 1,
	.wake = event_wake,
	.react_s = EVENT_REACT_S,
};
