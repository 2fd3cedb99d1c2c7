/*
 * engine/exec/algo-twap.c -- time-weighted average price: the block is due
 * in equal parts of its window, so the target at time t is the quantity
 * times the fraction of the window elapsed.  The tactic (exec.c) decides
 * how each part is worked; TWAP only says how much by when.
 */
#include "engine/exec/exec.h"

static int64_t
twap_target(const struct parent *p, int64_t t)
{
	const struct parent_spec *s = &p->spec;

	if (t <= s->start)
		return 0;
	if (t >= s->end)
		return s->qty;
	/* Long double: qty x ns overflows int64 for long windows. */
	return (int64_t)((long double)s->qty * (t - s->start) /
	    (long double)(s->end - s->start));
}

const struct algo_ops algo_twap_ops = {
	.name = "twap",
	.target = twap_target,
};
