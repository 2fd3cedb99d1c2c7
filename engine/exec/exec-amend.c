/*
 * engine/exec/exec-amend.c -- amending a live block's terms: its quantity,
 * its limit price and the end of its window, as an order management
 * system's cancel/replace or a trader's amend asks.
 *
 * An amendment is one change of the order, not three: every value is
 * checked first and nothing changes unless all of them are acceptable.
 * The schedulers read the block's spec at every decision (the target of
 * TWAP, VWAP and POV is a function of qty, start and end), so a new qty or
 * end takes effect at the next decision without anything being restarted;
 * what is already working is cut back where it would now be too much or
 * through the new limit.
 */
#include <stdio.h>
#include <string.h>

#include "engine/exec/exec-int.h"

int
exec_amend(struct exec *x, uint32_t id, const struct exec_amend *a,
           const char **field, char *err, size_t errlen)
{
	struct parent *p = exec_find(x, id);
	int64_t now = exec_now(x);

	/* A refused term's value is not said here: the caller quotes it as
	 * it was sent ("0001" is not 1 to the person who sent it). */
	*field = NULL;
	if (p == NULL) {
		snprintf(err, errlen, "block %u: no such block", id);
		return -1;
	}
	if (EXEC_STATE_FINAL(p->state)) {
		snprintf(err, errlen, "block %u is %s: only a live block can be "
		    "amended", id, exec_state_name(p->state));
		return -1;
	}
	if (a->qty != 0 && a->qty < p->filled) {
		*field = "qty";
		snprintf(err, errlen, "below the %lld shares block %u has "
		    "already filled", (long long)p->filled, id);
		return -1;
	}
	if (a->qty < 0) {
		*field = "qty";
		snprintf(err, errlen, "must be > 0");
		return -1;
	}
	if (a->qty > 0 && exec_value_check(p->m, a->qty, err, errlen) != 0) {
		*field = "qty";
		return -1;
	}
	if (a->limit_px < -1) {
		*field = "limit_px";
		snprintf(err, errlen, "must be >= 0 (0 clears it)");
		return -1;
	}
	if (a->end != 0 && (a->end <= p->spec.start || a->end <= now)) {
		*field = "end";
		snprintf(err, errlen, "must be after the block's start %lld and "
		    "after now %lld", (long long)p->spec.start, (long long)now);
		return -1;
	}
	if (a->limit_px >= 0) {
		p->spec.limit_px = a->limit_px;
		exec_limit_changed(x, p, "through the amended limit");
	}
	if (a->end != 0) {
		p->spec.end = a->end;
		if (p->spec.interval > a->end - p->spec.start)
			p->spec.interval = a->end - p->spec.start;
	}
	if (a->qty != 0) {
		p->spec.qty = a->qty;
		/* What is working, on the book or at a dark pool or dealer,
		 * may not exceed the new rest; the next decision posts again
		 * what the schedule wants.  (The dark and dealer children
		 * were left, and a cut block filled a live request whole:
		 * 64,800 shares on a block of 5,000, found by an adversarial
		 * review.) */
		if (p->working + p->venue_working > p->spec.qty - p->filled)
			exec_cancel_all(x, p, "quantity amended");
		if (p->filled >= p->spec.qty) {
			exec_cancel_all(x, p, "quantity amended to what is filled");
			exec_finish(x, p, PARENT_DONE);
		}
	}
	p->dirty = 1;
	return 0;
}
