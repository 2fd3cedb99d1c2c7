/*
 * engine/cli/impact-data.c -- the impact model's data: simulated sessions
 * with our own spaced marketable children, and what each cost.
 *
 * Each session is one scenario with its market randomised from the
 * session's seed exactly as the policy's training randomises it
 * (cli_randomise: volatility, spread, depth, flow, event times and
 * sizes).  From a few minutes after the open, at spaced random times, we
 * send one marketable child of our own: an IOC sweep on a random side, of
 * a size drawn log-uniformly from 100 shares to half the visible top-10
 * depth on the side it crosses into, limited at the tenth level's price,
 * so it fills in full against the book as it is.  Before it we record the
 * model's inputs (impact_context); after it, the impact
 *
 *     impact_bps = side x (average fill price - mid before) / mid before x 1e4
 *
 * (side +1 buying, -1 selling: the full cost of the sweep against the mid,
 * half spread included), and the market's volume in the next five minutes,
 * ours excluded.  The next child comes 6 to 9 minutes later (uniform),
 * after the five-minute window has closed and the book has refilled.  A
 * session depends on nothing but its scenario and seed.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/cli/cli.h"
#include "engine/exec/scenario.h"
#include "engine/model/impact.h"

struct impact_fills {
	double cash, qty;
};

static void
impact_on_fill(void *arg, const struct market_fill *f)
{
	struct impact_fills *a = arg;

	a->cash += (double)f->px * (double)f->qty;
	a->qty += (double)f->qty;
}

static double
ic_unif(struct rng *r, double lo, double hi)
{
	return lo + (hi - lo) * rng_uniform(r);
}


int
cli_impact_collect(const struct scenario *base, uint64_t seed,
               struct impact_sample **v, size_t *n, size_t *cap, char *err,
               size_t errlen)
{
	struct scenario sc = *base;
	struct market *m;
	struct impact_fills acc;
	struct rng r;
	int64_t t, end;
	const int64_t S = MARKET_NS_PER_SEC;

	if (strcmp(sc.source, "sim") != 0) {
		snprintf(err, errlen, "scenario %s: source \"%s\" has no order book "
		    "to sweep (impact data needs the simulator)", sc.name,
		    sc.source);
		return -1;
	}
	cli_randomise(&sc, seed);
	if (scenario_market_new(&sc, seed, &m) != 0) {
		snprintf(err, errlen, "scenario %s seed %llu: cannot start the "
		    "market", sc.name, (unsigned long long)seed);
		return -1;
	}
	m->cbs = (struct market_cbs){ .fill = impact_on_fill, .arg = &acc };
	rng_seed(&r, seed ^ 0x1a9ac7c011ec7ULL);
	t = sc.open + (int64_t)(ic_unif(&r, 60, 300) * (double)S);
	end = sc.close - (int64_t)(IMPACT_HORIZON_S + 10) * S;
	for (; t < end; t += (int64_t)(ic_unif(&r, 360, 540) * (double)S)) {
		struct book_level lv[10];
		struct impact_sample s;
		int side = rng_below(&r, 2) ? BOOK_BID : BOOK_ASK;
		int far = side == BOOK_BID ? BOOK_ASK : BOOK_BID, nl;
		double depth = 0, qmax, u = rng_uniform(&r), sgn, avg;
		int64_t q, filled, vol0;
		uint64_t id;
		char e[128];

		market_advance(m, t);
		nl = book_depth(m->book, far, lv, 10);
		for (int i = 0; i < nl; i++)
			depth += (double)lv[i].qty;
		qmax = depth / 2;
		if (nl == 0 || qmax < 200)
			continue;
		q = llround(exp(log(100.0) + u * (log(qmax) - log(100.0))));
		if (impact_context(m, side, q, &s.c, e, sizeof e) != 0)
			continue;
		vol0 = m->volume - m->our_volume;
		acc = (struct impact_fills){ 0 };
		if (market_submit(m, side, lv[nl - 1].px, q, BOOK_IOC, &id,
		    &filled) != 0 || filled != q || acc.qty != (double)q)
			continue;
		avg = acc.cash / acc.qty;
		sgn = side == BOOK_BID ? 1 : -1;
		s.y_bps = sgn * (avg - s.c.mid) / s.c.mid * 1e4;
		market_advance(m, t + (int64_t)IMPACT_HORIZON_S * S);
		s.y_logvol = log1p((double)(m->volume - m->our_volume - vol0));
		if (impact_sample_push(v, n, cap, &s) != 0) {
			market_free(m);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	}
	market_free(m);
	return 0;
}

