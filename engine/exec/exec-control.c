/*
 * engine/exec/exec-control.c -- what a person can do to the blocks: pause
 * (cancels everything working and suspends decisions), resume (the next
 * decision at once), throttle and limits, cancel, forced styles, a limit
 * price, switching algorithm, cancelling children (all, or one), a manual
 * child, the end-of-window setting, and the kill switch with its release.
 *
 * Every control checks before it changes anything, and an error names the
 * block and the value that was wrong; id 0 means every block where the
 * control allows it.
 */
#include <stdio.h>
#include <string.h>

#include "engine/exec/exec-int.h"

static int
exec_lookup(struct exec *x, uint32_t id, char *err, size_t errlen)
{
	if (id != 0 && exec_find(x, id) == NULL) {
		snprintf(err, errlen, "block %u: no such block", id);
		return -1;
	}
	return 0;
}

int
exec_pause(struct exec *x, uint32_t id, char *err, size_t errlen)
{
	int n = 0;

	if (exec_lookup(x, id, err, errlen) != 0)
		return -1;
	for (size_t i = 0; i < x->nparents; i++) {
		struct parent *p = x->parents[i];

		if ((id != 0 && p->id != id) ||
		    (p->state != PARENT_WORKING && p->state != PARENT_NEW))
			continue;
		exec_cancel_all(x, p, "paused");
		p->state = PARENT_PAUSED;
		p->dirty = 1;
		n++;
	}
	if (n == 0) {
		if (id != 0)
			snprintf(err, errlen, "block %u: nothing working to pause",
			    id);
		else
			snprintf(err, errlen, "no block is working: nothing to "
			    "pause");
		return -1;
	}
	return 0;
}

int
exec_resume(struct exec *x, uint32_t id, char *err, size_t errlen)
{
	int n = 0;

	if (exec_lookup(x, id, err, errlen) != 0)
		return -1;
	for (size_t i = 0; i < x->nparents; i++) {
		struct parent *p = x->parents[i];

		if ((id != 0 && p->id != id) || p->state != PARENT_PAUSED)
			continue;
		p->state = p->arrival > 0 ? PARENT_WORKING : PARENT_NEW;
		p->next_decision = p->m->now;
		/* The market's volume while paused is no room to make up:
		 * the cap counts again from the resume (see exec-risk.c). */
		exec_pov_restart(p);
		p->dirty = 1;
		n++;
	}
	if (n == 0) {
		if (id != 0)
			snprintf(err, errlen, "block %u: nothing paused to resume",
			    id);
		else
			snprintf(err, errlen, "no block is paused: nothing to "
			    "resume");
		return -1;
	}
	return 0;
}

int
exec_throttle(struct exec *x, uint32_t id, double pct, char *err,
              size_t errlen)
{
	if (!(pct > 0 && pct <= 100)) {
		snprintf(err, errlen, "pct %g: must be > 0 and <= 100", pct);
		return -1;
	}
	if (exec_lookup(x, id, err, errlen) != 0)
		return -1;
	for (size_t i = 0; i < x->nparents; i++) {
		struct parent *p = x->parents[i];

		if (id != 0 && p->id != id)
			continue;
		p->spec.max_pov = pct;
		exec_pov_restart(p);
		p->cap_person = 1;
		p->dirty = 1;
	}
	return 0;
}

int
exec_cancel(struct exec *x, uint32_t id, char *err, size_t errlen)
{
	struct parent *p = exec_find(x, id);

	if (p == NULL) {
		snprintf(err, errlen, "block %u: no such block", id);
		return -1;
	}
	if (EXEC_STATE_FINAL(p->state)) {
		snprintf(err, errlen, "block %u is already %s", id,
		    exec_state_name(p->state));
		return -1;
	}
	exec_cancel_all(x, p, "block cancelled");
	exec_finish(x, p, PARENT_CANCELLED);
	return 0;
}

/* A block that can still be steered: not finished. */
static struct parent *
exec_steerable(struct exec *x, uint32_t id, char *err, size_t errlen)
{
	struct parent *p = exec_find(x, id);

	if (p == NULL) {
		snprintf(err, errlen, "block %u: no such block", id);
		return NULL;
	}
	if (EXEC_STATE_FINAL(p->state)) {
		snprintf(err, errlen, "block %u is %s", id,
		    exec_state_name(p->state));
		return NULL;
	}
	return p;
}

int
exec_limit(struct exec *x, uint32_t id, const struct exec_limits *l, char *err,
           size_t errlen)
{
	if (l->pct > 100) {
		snprintf(err, errlen, "pct %g: must be > 0 and <= 100", l->pct);
		return -1;
	}
	if (l->aggression > AGGR_AGGRESSIVE) {
		snprintf(err, errlen, "aggression %d: must be passive, neutral or "
		    "aggressive", l->aggression);
		return -1;
	}
	if (l->pct <= 0 && l->max_child <= 0 && l->aggression < 0) {
		snprintf(err, errlen, "nothing to change: give pct, max_child or "
		    "aggression");
		return -1;
	}
	if (exec_lookup(x, id, err, errlen) != 0)
		return -1;
	for (size_t i = 0; i < x->nparents; i++) {
		struct parent *p = x->parents[i];

		/* A block that has ended keeps the terms it traded under (a
		 * throttle of every block rewrote a cancelled one's cap:
		 * found by a review), as at_end already did. */
		if ((id != 0 && p->id != id) || EXEC_STATE_FINAL(p->state))
			continue;
		if (l->pct > 0) {
			p->spec.max_pov = l->pct;
			exec_pov_restart(p);
			p->cap_person = 1;
		}
		if (l->max_child > 0)
			p->max_child = l->max_child;
		if (l->aggression >= 0)
			p->aggr_cap = l->aggression;
		p->dirty = 1;
	}
	return 0;
}

int
exec_force_style(struct exec *x, uint32_t id, int style, int64_t for_ns,
                 char *err, size_t errlen)
{
	struct parent *p = exec_steerable(x, id, err, errlen);

	if (p == NULL)
		return -1;
	if (style < AGGR_PASSIVE || style > AGGR_AGGRESSIVE) {
		snprintf(err, errlen, "style %d: must be passive, neutral or "
		    "aggressive", style);
		return -1;
	}
	if (for_ns <= 0) {
		snprintf(err, errlen, "for %lld ns: must be > 0", (long long)for_ns);
		return -1;
	}
	p->force_style = style;
	p->force_until = p->m->now + for_ns;
	/* Act on it now rather than at the next interval. */
	p->next_decision = p->m->now;
	p->dirty = 1;
	return 0;
}

int
exec_set_limit_px(struct exec *x, uint32_t id, int64_t px, char *err,
                  size_t errlen)
{
	struct parent *p = exec_steerable(x, id, err, errlen);

	if (p == NULL)
		return -1;
	if (px < 0) {
		snprintf(err, errlen, "limit px %lld: must be >= 0 (0 clears it)",
		    (long long)px);
		return -1;
	}
	p->spec.limit_px = px;
	/* Children now through the limit must go. */
	exec_limit_changed(x, p, "through the new limit");
	p->dirty = 1;
	return 0;
}

int
exec_switch_algo(struct exec *x, uint32_t id, const char *algo, char *err,
                 size_t errlen)
{
	struct parent *p = exec_steerable(x, id, err, errlen);
	const struct algo_ops *ops = algo_find(algo);

	if (p == NULL)
		return -1;
	if (ops == NULL) {
		char known[160];

		algo_known(known, sizeof known);
		snprintf(err, errlen, "algo \"%s\": unknown (known: %s)", algo,
		    known);
		return -1;
	}
	if (ops->needs_model && exec_need_model(x, err, errlen) != 0)
		return -1;
	if (p->algo->release != NULL)
		p->algo->release(p);
	p->algo = ops;
	snprintf(p->spec.algo, sizeof p->spec.algo, "%s", ops->name);
	/* The old algorithm's plan is its own: the new one starts from its
	 * own schedule. */
	p->plan.on = 0;
	/* A started block takes the new algorithm's schedule over its whole
	 * window, as if submitted with it: AC fixes its kappa here from the
	 * estimates made at the block's start.  A block not yet started gets
	 * its start from exec_start(). */
	if (p->state != PARENT_NEW && p->arrival > 0 && ops->start != NULL)
		ops->start(p, p->m);
	p->next_decision = p->m->now;
	p->dirty = 1;
	return 0;
}

int
exec_cancel_children(struct exec *x, uint32_t id, char *err, size_t errlen)
{
	struct parent *p = exec_steerable(x, id, err, errlen);

	if (p == NULL)
		return -1;
	exec_cancel_all(x, p, "cancelled by a trader");
	/* The tactic would post again at once: wait for the next interval. */
	return 0;
}

int
exec_manual_child(struct exec *x, uint32_t id, int64_t px, int64_t qty,
                  int ioc, char *err, size_t errlen)
{
	struct parent *p = exec_steerable(x, id, err, errlen);
	int64_t far, near;
	int style;

	if (p == NULL)
		return -1;
	if (p->state != PARENT_WORKING && p->state != PARENT_PAUSED) {
		snprintf(err, errlen, "block %u is %s: no manual orders", id,
		    exec_state_name(p->state));
		return -1;
	}
	if (exec_risk_check(x, p, px, qty, err, errlen) != 0)
		return -1;
	style = STYLE_PASSIVE;
	if (exec_touches(x, p, &far, &near) == 0 &&
	    (p->spec.side == BOOK_BID ? px >= far : px <= far))
		style = STYLE_CROSS;
	if (ioc)
		style = STYLE_CROSS;
	exec_decision(x, p, "manual", qty, px, style, exec_target(p,
	    p->m->now), "manual child from a trader: %lld at %.2f%s",
	    (long long)qty, px * p->m->tick, ioc ? " (IOC)" : " (day)");
	exec_send_manual(x, p, px, qty, style, ioc);
	return 0;
}

int
exec_cancel_child_id(struct exec *x, uint32_t id, uint64_t child, char *err,
                     size_t errlen)
{
	struct parent *p = exec_steerable(x, id, err, errlen);

	if (p == NULL)
		return -1;
	for (size_t i = 0; i < p->nchildren; i++) {
		struct child *c = &p->children[i];

		/* The desk knows a child by its id without our orders' high
		 * bit ("c17"), as the child events show it. */
		if ((c->id & ~(1ULL << 63)) != (child & ~(1ULL << 63)))
			continue;
		if (!c->live) {
			snprintf(err, errlen, "child c%llu of block %u: not "
			    "working (filled or cancelled already)",
			    (unsigned long long)child, id);
			return -1;
		}
		exec_cancel_child(x, p, c, "cancelled by a trader");
		return 0;
	}
	snprintf(err, errlen, "child c%llu: no such child of block %u",
	    (unsigned long long)child, id);
	return -1;
}

const char *
exec_at_end_name(int cross)
{
	return cross ? "cross" : "leave";
}

int
exec_at_end_parse(const char *s)
{
	return strcmp(s, "cross") == 0 ? 1 : strcmp(s, "leave") == 0 ? 0 : -1;
}

int
exec_set_at_end(struct exec *x, uint32_t id, int cross, char *err,
                size_t errlen)
{
	int n = 0;

	if (cross != 0 && cross != 1) {
		snprintf(err, errlen, "at_end %d: must be cross or leave", cross);
		return -1;
	}
	if (exec_lookup(x, id, err, errlen) != 0)
		return -1;
	for (size_t i = 0; i < x->nparents; i++) {
		struct parent *p = x->parents[i];

		if ((id != 0 && p->id != id) || EXEC_STATE_FINAL(p->state))
			continue;
		p->spec.cleanup = cross;
		p->dirty = 1;
		n++;
	}
	if (n == 0) {
		snprintf(err, errlen, "block %u: finished, its end-of-window "
		    "setting no longer matters", id);
		return -1;
	}
	return 0;
}

int
exec_kill(struct exec *x, char *err, size_t errlen)
{
	int n = 0;

	for (size_t i = 0; i < x->nparents; i++) {
		struct parent *p = x->parents[i];

		if (EXEC_STATE_FINAL(p->state) || p->state == PARENT_HALTED)
			continue;
		exec_cancel_all(x, p, "kill switch");
		p->halted_from = p->state;
		p->state = PARENT_HALTED;
		p->dirty = 1;
		n++;
	}
	if (n == 0 && x->killed) {
		snprintf(err, errlen, "the kill switch is already on: every "
		    "block is finished or halted");
		return -1;
	}
	x->killed = 1;
	if (n == 0)
		exec_alert(x, NULL, "crit", "kill", "kill switch on: no block "
		    "was working; nothing new is accepted until a supervisor "
		    "releases it");
	else
		exec_alert(x, NULL, "crit", "kill", "kill switch: %d block(s) "
		    "halted, every working child cancelled; nothing new is "
		    "accepted until a supervisor releases it", n);
	return 0;
}

int
exec_release(struct exec *x, char *err, size_t errlen)
{
	int n = 0;

	if (!x->killed) {
		snprintf(err, errlen, "nothing is halted: the kill switch is "
		    "off");
		return -1;
	}
	for (size_t i = 0; i < x->nparents; i++) {
		struct parent *p = x->parents[i];

		if (p->state != PARENT_HALTED)
			continue;
		p->state = p->halted_from;
		p->next_decision = p->m->now;
		/* Nor is the volume while halted: the cap counts from now. */
		exec_pov_restart(p);
		p->dirty = 1;
		n++;
		/* Its window ended while halted: it ends now, crossing
		 * nothing, whatever its end-of-window setting -- the kill
		 * switch was a person's decision, as a pause is. */
		if (p->m->now >= p->spec.end)
			exec_end_of_window(x, p, "halted by the kill switch");
	}
	x->killed = 0;
	exec_alert(x, NULL, "warn", "release", "kill switch released: %d "
	    "block(s) back as they were", n);
	return 0;
}

int
exec_killed(const struct exec *x)
{
	return x->killed;
}

void
exec_kill_forget(struct exec *x)
{
	x->killed = 0;
}

/* The journal cannot be written (on), or can again (off): every unfinished
 * block stops deciding and sending, keeping its working children, and comes
 * back to the state the halt interrupted. */
int
exec_journal_halt(struct exec *x, int on)
{
	int n = 0;

	for (size_t i = 0; i < x->nparents; i++) {
		struct parent *p = x->parents[i];

		if (on && !EXEC_STATE_FINAL(p->state) &&
		    p->state != PARENT_JOURNAL_HALTED) {
			p->jhalted_from = p->state;
			p->state = PARENT_JOURNAL_HALTED;
		} else if (!on && p->state == PARENT_JOURNAL_HALTED)
			/* The cap's count is not restarted here: the
			 * simulated clock stops while the journal is halted,
			 * so no volume traded to be made up, and recovery,
			 * which does not re-apply journal_resume, must see
			 * the same count. */
			p->state = p->jhalted_from;
		else
			continue;
		p->dirty = 1;
		n++;
	}
	return n;
}
