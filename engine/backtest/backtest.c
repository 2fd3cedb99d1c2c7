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
 * With leakage on, the session is walked second by second and the lit
 * mid kept, then for each venue it used (the dark pool, RFQ) run again
 * without that venue -- the matched session: same seed, market and blocks
 * -- and the mid's move after each of our dark fills or requests compared
 * with the matched session's over the same span (backtest_leak_bps).
 *
 * A session of several blocks (on one symbol or several) is summarised as
 * one shortfall: dollars summed over the blocks, each at its own market's
 * tick, over the arrival value of all their quantities -- the
 * notional-weighted average of the blocks' shortfalls in bps, which is what
 * a desk's program trade costs.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
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

/*
 * What a traced session keeps for leakage: the lit mid of each market
 * each second from t0, and the seconds at which a block of ours had a
 * dark fill or sent a request (its market, its side).
 */
struct bt_trace {
	int64_t t0;
	size_t n, nm;
	double *mid;            /* nm rows of n */
	size_t nev, capev;
	int64_t *ev;
	int *side, *venue, *mk;
};

static void
bt_trace_free(struct bt_trace *tr)
{
	free(tr->mid);
	free(tr->ev);
	free(tr->side);
	free(tr->venue);
	free(tr->mk);
	memset(tr, 0, sizeof *tr);
}

static int
bt_trace_event(struct bt_trace *tr, int64_t k, int side, int venue, int mk)
{
	if (tr->nev == tr->capev) {
		size_t cap = tr->capev ? 2 * tr->capev : 256;
		int64_t *ev = realloc(tr->ev, cap * sizeof *ev);
		int *sd = ev ? realloc(tr->side, cap * sizeof *sd) : NULL;
		int *vn = sd ? (tr->side = sd, realloc(tr->venue, cap *
		    sizeof *vn)) : NULL;
		int *m = vn ? (tr->venue = vn, realloc(tr->mk, cap * sizeof *m)) :
		    NULL;

		if (ev != NULL)
			tr->ev = ev;
		if (m == NULL)
			return -1;
		tr->mk = m;
		tr->capev = cap;
	}
	tr->ev[tr->nev] = k;
	tr->side[tr->nev] = side;
	tr->venue[tr->nev] = venue;
	tr->mk[tr->nev] = mk;
	tr->nev++;
	return 0;
}

static size_t
bt_market_ix(struct exec *x, const struct market *m)
{
	for (size_t i = 0; i < exec_market_count(x); i++)
		if (exec_market_at(x, i) == m)
			return i;
	return 0;
}

/*
 * Walk x second by second from its clock to until, recording every
 * market's mid and, up to last (the blocks' end), the seconds with dark
 * fills or requests.  Ticking by seconds is the same session as one tick
 * to the end: the market is deterministic on its own grid and exec_tick
 * walks it from decision to decision either way.
 */
static int
bt_trace_run(struct exec *x, int64_t last, int64_t until,
             struct bt_trace *tr, int64_t *dark0, int *rfq0)
{
	size_t np = exec_count(x);

	tr->t0 = exec_now(x);
	tr->nm = exec_market_count(x);
	tr->n = until > tr->t0 ? (size_t)((until - tr->t0) / 1000000000LL) + 1 :
	    1;
	if ((tr->mid = calloc(tr->n * tr->nm, sizeof *tr->mid)) == NULL)
		return -1;
	for (size_t k = 0; k < tr->n; k++) {
		int64_t t = tr->t0 + (int64_t)k * 1000000000LL;

		if (k > 0)
			exec_tick(x, t);
		for (size_t i = 0; i < tr->nm; i++)
			tr->mid[i * tr->n + k] = market_mid(exec_market_at(x, i));
		if (t > last)
			continue;
		for (size_t i = 0; i < np; i++) {
			struct parent *p = exec_get(x, i);
			int sd = p->spec.side == BOOK_BID ? 1 : -1;
			int mk = (int)bt_market_ix(x, p->m);

			if (p->venue_filled[VENUE_DARK] > dark0[i] &&
			    bt_trace_event(tr, (int64_t)k, sd, VENUE_DARK, mk) != 0)
				return -1;
			if (p->rfqs > rfq0[i] &&
			    bt_trace_event(tr, (int64_t)k, sd, VENUE_RFQ, mk) != 0)
				return -1;
			dark0[i] = p->venue_filled[VENUE_DARK];
			rfq0[i] = p->rfqs;
		}
	}
	return 0;
}

double
backtest_leak_bps(const double *a, const double *b, size_t n,
                  const int64_t *ev, const int *side, size_t nev, int h,
                  int *used)
{
	long double sum = 0;
	int k = 0;

	for (size_t i = 0; i < nev; i++) {
		int64_t e = ev[i];

		if (e < 0 || h < 0 || (size_t)e + (size_t)h >= n)
			continue;
		if (!(a[e] > 0 && a[e + h] > 0 && b[e] > 0 && b[e + h] > 0))
			continue;
		sum += (long double)side[i] * ((a[e + h] - a[e]) -
		    (b[e + h] - b[e])) / a[e] * 1e4L;
		k++;
	}
	if (used != NULL)
		*used = k;
	return k > 0 ? (double)(sum / k) : NAN;
}

/* One session: set up, run (traced when tr is not NULL, to `last` plus
 * the longest leakage horizon), summarised into r at the blocks' end. */
static int
bt_run(const struct scenario *sc, const struct bt_opts *o, uint64_t seed,
       struct bt_result *r, struct bt_trace *tr, char *err, size_t errlen)
{
	const char *algo = o->algo;
	static const int hz[BT_LEAK_NH] = BT_LEAK_H;
	int64_t byv[VENUE_COUNT] = { 0 }, dsent = 0, dfill = 0;
	struct exec *x;
	int64_t last = 0, vol = 0, ours = 0, qty = 0, filled = 0;
	int64_t invites = 0, firmed = 0;
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
		ps.venues &= ~o->drop;
		if (o->dealers != NULL)
			snprintf(ps.dealers, sizeof ps.dealers, "%s", o->dealers);
		if (exec_submit(x, &ps, NULL, err, errlen) != 0) {
			scenario_exec_free(x);
			return -1;
		}
		if (ps.end > last)
			last = ps.end;
	}
	if (tr != NULL) {
		size_t np = exec_count(x);
		int64_t *dark0 = calloc(np + 1, sizeof *dark0);
		int *rfq0 = calloc(np + 1, sizeof *rfq0), rv;

		rv = dark0 != NULL && rfq0 != NULL ? bt_trace_run(x, last, last,
		    tr, dark0, rfq0) : -1;
		free(dark0);
		free(rfq0);
		if (rv != 0) {
			snprintf(err, errlen, "backtest: out of memory for the "
			    "leakage trace of seed %llu", (unsigned long long)seed);
			scenario_exec_free(x);
			return -1;
		}
	} else
		exec_tick(x, last);
	for (size_t i = 0; i < exec_count(x); i++) {
		struct parent *p = exec_get(x, i);
		const struct market *m = p->m;
		int64_t unfilled = p->spec.qty - p->filled;
		double sign = p->spec.side == BOOK_BID ? 1 : -1;
		int64_t first = 0;

		for (size_t c = 0; c < p->nchildren; c++) {
			const struct child *ch = &p->children[c];

			if (ch->t < p->spec.start + p->spec.interval)
				first += ch->filled;
			/* An indication never firmed up was never sent. */
			if (ch->venue == VENUE_DARK && !ch->cond) {
				dsent += ch->qty;
				dfill += ch->filled;
			}
		}
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
		invites += st.cond_invites;
		firmed += st.cond_firmed;
	}
	r->dark_fill_rate = dsent > 0 ? 100.0 * (double)dfill / (double)dsent :
	    NAN;
	r->firm_rate = invites > 0 ? 100.0 * (double)firmed / (double)invites :
	    NAN;
	for (int v = 0; v < VENUE_COUNT; v++)
		for (int h = 0; h < BT_LEAK_NH; h++)
			r->leak_bps[v][h] = NAN;
	/* The mids after the end, for the horizons of the last events. */
	if (tr != NULL && hz[BT_LEAK_NH - 1] > 0) {
		size_t k0 = tr->n, more = (size_t)hz[BT_LEAK_NH - 1];
		double *mid = calloc((tr->n + more) * tr->nm, sizeof *mid);

		if (mid == NULL) {
			snprintf(err, errlen, "backtest: out of memory for the "
			    "leakage trace of seed %llu", (unsigned long long)seed);
			scenario_exec_free(x);
			return -1;
		}
		for (size_t i = 0; i < tr->nm; i++)
			memcpy(mid + i * (tr->n + more), tr->mid + i * tr->n,
			    tr->n * sizeof *mid);
		free(tr->mid);
		tr->mid = mid;
		tr->n += more;
		for (size_t k = k0; k < tr->n; k++) {
			exec_tick(x, tr->t0 + (int64_t)k * 1000000000LL);
			for (size_t i = 0; i < tr->nm; i++)
				tr->mid[i * tr->n + k] = market_mid(exec_market_at(x, i));
		}
	}
	scenario_exec_free(x);
	return 0;
}

int
backtest_session_opts(const struct scenario *sc, const struct bt_opts *o,
                      uint64_t seed, struct bt_result *r, char *err,
                      size_t errlen)
{
	static const int hz[BT_LEAK_NH] = BT_LEAK_H;
	static const int measured[] = { VENUE_DARK, VENUE_RFQ };
	struct bt_trace a = { 0 };

	if (!o->leakage)
		return bt_run(sc, o, seed, r, NULL, err, errlen);
	if (bt_run(sc, o, seed, r, &a, err, errlen) != 0) {
		bt_trace_free(&a);
		return -1;
	}
	/*
	 * For each venue that had events, the matched session: the same seed,
	 * the same market and blocks, without that venue.  Events of each
	 * market are measured on that market's mids.
	 */
	for (size_t j = 0; j < sizeof measured / sizeof measured[0]; j++) {
		int v = measured[j];
		struct bt_opts ob = *o;
		struct bt_result rb;
		struct bt_trace b = { 0 };
		long double sum[BT_LEAK_NH] = { 0 };
		int cnt[BT_LEAK_NH] = { 0 };

		for (size_t i = 0; i < a.nev; i++)
			r->leak_n[v] += a.venue[i] == v;
		if (r->leak_n[v] == 0)
			continue;
		ob.drop |= VENUE_BIT(v);
		ob.leakage = 0;
		if (bt_run(sc, &ob, seed, &rb, &b, err, errlen) != 0) {
			bt_trace_free(&a);
			bt_trace_free(&b);
			return -1;
		}
		for (size_t mk = 0; mk < a.nm && mk < b.nm; mk++) {
			size_t n = a.n < b.n ? a.n : b.n, ne = 0;
			int64_t *ev = malloc((a.nev + 1) * sizeof *ev);
			int *sd = malloc((a.nev + 1) * sizeof *sd);

			if (ev == NULL || sd == NULL) {
				free(ev);
				free(sd);
				bt_trace_free(&a);
				bt_trace_free(&b);
				snprintf(err, errlen, "backtest: out of memory");
				return -1;
			}
			for (size_t i = 0; i < a.nev; i++)
				if (a.venue[i] == v && a.mk[i] == (int)mk) {
					ev[ne] = a.ev[i];
					sd[ne++] = a.side[i];
				}
			for (int h = 0; h < BT_LEAK_NH; h++) {
				int used = 0;
				double m = backtest_leak_bps(a.mid + mk * a.n,
				    b.mid + mk * b.n, n, ev, sd, ne, hz[h], &used);

				if (used > 0) {
					sum[h] += (long double)m * used;
					cnt[h] += used;
				}
			}
			free(ev);
			free(sd);
		}
		for (int h = 0; h < BT_LEAK_NH; h++)
			r->leak_bps[v][h] = cnt[h] > 0 ? (double)(sum[h] / cnt[h]) :
			    NAN;
		bt_trace_free(&b);
	}
	bt_trace_free(&a);
	return 0;
}

void
backtest_stats(const double *v, int n, struct bt_stats *s)
{
	long double sum = 0, ss = 0;

	memset(s, 0, sizeof *s);
	s->n = n;
	s->lo = s->hi = NAN;
	if (n <= 0)
		return;
	for (int i = 0; i < n; i++)
		sum += v[i];
	s->mean = (double)(sum / n);
	for (int i = 0; i < n; i++)
		ss += (v[i] - s->mean) * (long double)(v[i] - s->mean);
	s->sd = n > 1 ? sqrt((double)(ss / (n - 1))) : 0;
	/* Student's t with n - 1 degrees of freedom (1.96 at every n made
	 * three sessions' interval 45% too narrow, and one session's of no
	 * width: found by a review); one session has none (NAN). */
	if (n < 2)
		return;
	s->lo = s->mean - backtest_t975(n - 1) * s->sd / sqrt((double)n);
	s->hi = s->mean + backtest_t975(n - 1) * s->sd / sqrt((double)n);
}

double
backtest_t975(int df)
{
	/* The 97.5% point of Student's t, df 1..30, then the Cornish-Fisher
	 * expansion about the normal's (within 1e-4 of the exact from 30). */
	static const double t[30] = { 12.7062, 4.3027, 3.1824, 2.7764, 2.5706,
	    2.4469, 2.3646, 2.3060, 2.2622, 2.2281, 2.2010, 2.1788, 2.1604,
	    2.1448, 2.1314, 2.1199, 2.1098, 2.1009, 2.0930, 2.0860, 2.0796,
	    2.0739, 2.0687, 2.0639, 2.0595, 2.0555, 2.0518, 2.0484, 2.0452,
	    2.0423 };
	const double z = 1.959963985, z3 = z * z * z, z5 = z3 * z * z,
	    z7 = z5 * z * z, d = df;

	if (df < 1)
		return NAN;
	if (df <= 30)
		return t[df - 1];
	return z + (z3 + z) / (4 * d) + (5 * z5 + 16 * z3 + 3 * z) /
	    (96 * d * d) + (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) /
	    (384 * d * d * d);
}
