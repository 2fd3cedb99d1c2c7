/*
 * engine/backtest/backtest.c -- one session flat out, and the statistics
 * the backtester reports.
 *
 * The session is the daemon's loop without the daemon: the scenario's
 * market sources (one per symbol), an exec with no emit callback, every
 * block submitted, and
 * one exec_tick() to the last block's end -- exec_tick() itself walks the
 * market from decision to decision, so nothing is simulated that no
 * decision looks at, and after the last end there is nothing left to do.
 *
 * A session of several blocks (on one symbol or several) is summarised as
 * one shortfall: dollars summed over the blocks, each at its own market's
 * tick, over the arrival value of all their quantities -- the
 * notional-weighted average of the blocks' shortfalls in bps, which is what
 * a desk's program trade costs.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "engine/backtest/backtest.h"
#include "engine/tca/tca.h"

int
backtest_session(const struct scenario *sc, const char *algo, uint64_t seed,
                 struct bt_result *r, char *err, size_t errlen)
{
	struct bt_opts o = { .algo = algo };

	return backtest_session_opts(sc, &o, seed, r, err, errlen);
}

int
backtest_session_opts(const struct scenario *sc, const struct bt_opts *o,
                      uint64_t seed, struct bt_result *r, char *err,
                      size_t errlen)
{
	const char *algo = o->algo;
	int64_t byv[VENUE_COUNT] = { 0 };
	struct exec *x;
	int64_t last = 0, vol = 0, ours = 0, qty = 0, filled = 0;
	long double usd = 0, value = 0;

	memset(r, 0, sizeof *r);
	if (scenario_exec_new(sc, seed, 0, NULL, &x, err, errlen) != 0)
		return -1;
	for (int i = 0; i < sc->norders; i++) {
		struct parent_spec ps;

		scenario_order(sc, i, seed, &ps);
		if (algo != NULL)
			snprintf(ps.algo, sizeof ps.algo, "%s", algo);
		if (o->venues != 0)
			ps.venues = o->venues;
		if (o->dealers != NULL)
			snprintf(ps.dealers, sizeof ps.dealers, "%s", o->dealers);
		if (exec_submit(x, &ps, NULL, err, errlen) != 0) {
			scenario_exec_free(x);
			return -1;
		}
		if (ps.end > last)
			last = ps.end;
	}
	exec_tick(x, last);
	for (size_t i = 0; i < exec_count(x); i++) {
		struct parent *p = exec_get(x, i);
		const struct market *m = p->m;
		int64_t unfilled = p->spec.qty - p->filled;
		double sign = p->spec.side == BOOK_BID ? 1 : -1;
		int64_t first = 0;

		for (size_t c = 0; c < p->nchildren; c++)
			if (p->children[c].t < p->spec.start + p->spec.interval)
				first += p->children[c].filled;
		vol += (m->volume - p->vol0) - (m->our_volume - p->ourvol0) +
		    p->filled;
		ours += p->filled;

		usd += tca_is_cash(p->spec.side, p->arrival, p->filled, p->cash,
		    m->tick);
		usd += sign * (double)unfilled * ((double)p->end_px - p->arrival) *
		    m->tick;
		value += (long double)p->arrival * m->tick * p->spec.qty;
		qty += p->spec.qty;
		filled += p->filled;
		r->refused += p->refused;
		for (int v = 0; v < VENUE_COUNT; v++)
			byv[v] += p->venue_filled[v];
		if (i == 0)
			r->first_slice = (double)first;
	}
	r->is_usd = (double)usd;
	r->is_bps = value > 0 ? (double)(usd / value * 1e4L) : 0;
	r->completion = qty > 0 ? (double)filled / (double)qty : 0;
	r->participation = vol > 0 ? 100.0 * (double)ours / (double)vol : 0;
	for (int v = 0; v < VENUE_COUNT; v++)
		r->venue_pct[v] = filled > 0 ? 100.0 * (double)byv[v] /
		    (double)filled : 0;
	for (size_t i = 0; i < exec_market_count(x); i++) {
		struct venue_stats st;

		venue_stats_get(exec_market_at(x, i), &st);
		r->leak_shares += (double)st.leak_vol;
		r->pred_trigs += st.pred_trigs;
		r->rfq_asked += st.rfq_requests;
		r->rfq_won += st.rfq_won;
	}
	scenario_exec_free(x);
	return 0;
}

void
backtest_stats(const double *v, int n, struct bt_stats *s)
{
	long double sum = 0, ss = 0;

	memset(s, 0, sizeof *s);
	s->n = n;
	if (n <= 0)
		return;
	for (int i = 0; i < n; i++)
		sum += v[i];
	s->mean = (double)(sum / n);
	for (int i = 0; i < n; i++)
		ss += (v[i] - s->mean) * (long double)(v[i] - s->mean);
	s->sd = n > 1 ? sqrt((double)(ss / (n - 1))) : 0;
	s->lo = s->mean - 1.96 * s->sd / sqrt((double)n);
	s->hi = s->mean + 1.96 * s->sd / sqrt((double)n);
}
