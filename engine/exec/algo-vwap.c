/*
 * engine/exec/algo-vwap.c -- volume-weighted average price: the block is
 * due in proportion to the volume the market is expected to trade, so the
 * target at time t is the quantity times the share of the window's expected
 * volume that lies before t.
 *
 * The expected volume is a profile: relative weights of equal buckets of
 * the window, given in the scenario ("profile": [...]) or read from a CSV
 * file ("profile_csv": one weight per line, the last column counts).
 * Within a bucket volume is taken as uniform, so the schedule is piecewise
 * linear and reaches the quantity exactly at the end.  Without a profile
 * the weights are flat and VWAP is TWAP -- which is what the simulated
 * market's stationary flow calls for.
 */
#include "engine/exec/exec.h"

static int64_t
vwap_target(const struct parent *p, int64_t t)
{
	const struct parent_spec *s = &p->spec;
	long double total = 0, before = 0, u;
	int n = s->nprofile, k;

	if (t <= s->start)
		return 0;
	if (t >= s->end)
		return s->qty;
	if (n <= 0)
		return algo_twap_target(p, t);
	for (int i = 0; i < n; i++)
		total += s->profile[i] > 0 ? s->profile[i] : 0;
	if (total <= 0)
		return algo_twap_target(p, t);
	u = (long double)(t - s->start) / (long double)(s->end - s->start) * n;
	k = (int)u;
	if (k >= n)
		k = n - 1;
	for (int i = 0; i < k; i++)
		before += s->profile[i] > 0 ? s->profile[i] : 0;
	before += (u - k) * (s->profile[k] > 0 ? s->profile[k] : 0);
	return (int64_t)((long double)s->qty * before / total);
}

const struct algo_ops algo_vwap_ops = {
	.name = "vwap",
	.target = vwap_target,
};
