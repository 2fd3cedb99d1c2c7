/*
 * engine/exec/exec-risk.c -- the checks every child passes before it
 * reaches the market, whoever sent it (the tactic, a policy or a trader):
 * quantity within what remains and the maximum child, price inside the
 * fat-finger collar and not through the limit, the child rate, and
 * participation over a rolling window; and the room the participation cap
 * leaves the tactic.
 */
#include <math.h>
#include <stdio.h>

#include "engine/exec/exec-int.h"

/* Shares the participation cap still allows (INT64_MAX when uncapped). */
int64_t
exec_pov_room(const struct exec *x, const struct parent *p)
{
	double rate = p->spec.max_pov / 100.0;
	int64_t others;

	if (rate >= 1.0)
		return INT64_MAX;
	others = (p->m->volume - p->vol0) - (p->m->our_volume - p->ourvol0);
	return (int64_t)floor(rate / (1.0 - rate) * (double)others) - p->filled -
	    p->working;
}

/* A price is allowed when it does not go through the limit. */
int
exec_px_ok(const struct parent *p, int64_t px)
{
	if (p->spec.limit_px == 0)
		return 1;
	return p->spec.side == BOOK_BID ? px <= p->spec.limit_px :
	    px >= p->spec.limit_px;
}

int
exec_risk_check(const struct exec *x, const struct parent *p, int64_t px,
                int64_t qty, char *err, size_t errlen)
{
	int64_t unworked = p->spec.qty - p->filled - p->working;
	double mid = market_mid(p->m);

	if (qty <= 0) {
		snprintf(err, errlen, "qty %lld: must be > 0", (long long)qty);
		return -1;
	}
	if (qty > unworked) {
		snprintf(err, errlen, "qty %lld: more than the %lld shares neither "
		    "filled nor working", (long long)qty, (long long)unworked);
		return -1;
	}
	if (p->max_child > 0 && qty > p->max_child) {
		snprintf(err, errlen, "qty %lld: over the maximum child of %lld",
		    (long long)qty, (long long)p->max_child);
		return -1;
	}
	if (px <= 0) {
		snprintf(err, errlen, "px %lld: must be > 0", (long long)px);
		return -1;
	}
	if (mid > 0 && fabs((double)px - mid) > EXEC_COLLAR * mid) {
		snprintf(err, errlen, "px %.2f: outside the %.0f%% collar around "
		    "the mid %.2f (fat-finger bound)", px * p->m->tick,
		    EXEC_COLLAR * 100, mid * p->m->tick);
		return -1;
	}
	if (!exec_px_ok(p, px)) {
		snprintf(err, errlen, "px %.2f: through the block's limit %.2f",
		    px * p->m->tick, p->spec.limit_px * p->m->tick);
		return -1;
	}
	if (p->spec.max_rate > 0) {
		/* Children sent in the last minute, from the ring of times. */
		int64_t since = p->m->now - 60 * 1000000000LL;
		unsigned n = 0, have = p->nsent < 64 ? p->nsent : 64;

		for (unsigned i = 0; i < have; i++)
			if (p->sent_t[(p->nsent - 1 - i) % 64] > since)
				n++;
		if (n + 1 > p->spec.max_rate) {
			snprintf(err, errlen, "order rate: %u children in the last "
			    "60 s, limit %g per minute", n + 1, p->spec.max_rate);
			return -1;
		}
	}
	if (p->spec.win_pov > 0 && p->spec.win_pov < 100 && p->nwin > 0) {
		/* Volume since the oldest sample inside the window, with this
		 * child counted as if it traded in full. */
		int64_t win = (int64_t)((p->spec.win_s > 0 ? p->spec.win_s : 300) *
		    1e9), vol0 = -1, our0 = 0;
		unsigned have = p->nwin < 256 ? p->nwin : 256;

		for (unsigned i = 0; i < have; i++) {
			unsigned k = (p->nwin - 1 - i) % 256;

			if (p->win_t[k] < p->m->now - win)
				break;
			vol0 = p->win_vol[k];
			our0 = p->win_our[k];
		}
		if (vol0 >= 0) {
			int64_t ours = p->m->our_volume - our0 + p->working + qty;
			int64_t all = p->m->volume - vol0 + p->working + qty;
			double pct = 100.0 * (double)ours / (double)all;

			if (pct > p->spec.win_pov) {
				snprintf(err, errlen, "participation %.1f%% over the last "
				    "%.0f s (%lld of %lld shares, this child %lld "
				    "included): limit %.1f%%", pct, (double)win / 1e9,
				    (long long)ours, (long long)all, (long long)qty,
				    p->spec.win_pov);
				return -1;
			}
		}
	}
	return 0;
}
