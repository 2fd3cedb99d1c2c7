/*
 * engine/exec/algo-pov.c -- percentage of volume: the block follows the
 * market, aiming to be pov percent of all volume printed since it started
 * (ours included), so with V the others' volume the target is
 * pov/(100-pov) * V.
 *
 * The tactic asks for the target one interval ahead, when that volume is
 * not yet known: it is projected at the average rate seen so far
 * (exec-tactic.c sets mkt_vol and mkt_t before each decision).  Two bounds
 * keep it sane: a floor -- at least pov_floor percent of the TWAP schedule,
 * so a quiet market still sees the block make progress -- and a cap, never
 * more than pov_cap percent of the observed volume, which wins over the
 * floor (a block that must finish has cleanup at the end of its window for
 * that).
 * Defaults: pov 10, no floor, cap 100.
 */
#include "engine/exec/exec.h"

static int64_t
pov_share(double pct, long double vol)
{
	if (pct >= 100)
		return INT64_MAX;
	return (int64_t)(pct / (100.0 - pct) * vol);
}

static int64_t
pov_target(const struct parent *p, int64_t t)
{
	const struct parent_spec *s = &p->spec;
	double rate = s->pov > 0 ? s->pov : 10.0;
	long double vol = (long double)p->mkt_vol;
	int64_t want, floor_qty, cap;

	if (t <= s->start)
		return 0;
	if (t >= s->end)
		return s->qty;
	/* Project the volume to t at the rate observed so far. */
	if (t > p->mkt_t && p->mkt_t > s->start)
		vol = vol * (long double)(t - s->start) /
		    (long double)(p->mkt_t - s->start);
	want = pov_share(rate, vol);
	floor_qty = s->pov_floor > 0 ? (int64_t)((long double)
	    algo_twap_target(p, t) * s->pov_floor / 100.0L) : 0;
	if (want < floor_qty)
		want = floor_qty;
	if (s->pov_cap > 0 && s->pov_cap < 100) {
		cap = pov_share(s->pov_cap, vol);
		if (want > cap)
			want = cap;
	}
	if (want > s->qty)
		want = s->qty;
	return want < 0 ? 0 : want;
}

const struct algo_ops algo_pov_ops = {
	.name = "pov",
	.target = pov_target,
};
