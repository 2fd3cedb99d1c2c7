/*
 * engine/tca/tca.c -- implementation shortfall against arrival.  The sign
 * convention (positive is a cost) is the one desks quote; sides follow the
 * book's: BOOK_BID buys, BOOK_ASK sells.
 */
#include <string.h>

#include "engine/market/book.h"
#include "engine/tca/tca.h"

double
tca_avg_px(int64_t filled, int64_t cash)
{
	return filled > 0 ? (double)cash / (double)filled : 0.0;
}

static long double
tca_signed_cost(int side, double arrival, int64_t filled, int64_t cash)
{
	/* Buying: paid cash where arrival*filled was the benchmark. */
	long double diff = (long double)cash - (long double)arrival * filled;

	return side == BOOK_BID ? diff : -diff;
}

double
tca_is_bps(int side, double arrival, int64_t filled, int64_t cash)
{
	if (filled <= 0 || arrival <= 0)
		return 0.0;
	return (double)(tca_signed_cost(side, arrival, filled, cash) /
	    ((long double)arrival * filled) * 1e4L);
}

double
tca_is_cash(int side, double arrival, int64_t filled, int64_t cash,
            double tick)
{
	if (filled <= 0)
		return 0.0;
	return (double)(tca_signed_cost(side, arrival, filled, cash) * tick);
}

/* The mid at time t: the last sample at or before it. */
static double
tca_mid_at(const struct tca_input *in, int64_t t)
{
	size_t lo = 0, hi = in->nmid;

	if (in->nmid == 0)
		return 0;
	while (hi - lo > 1) {
		size_t m = (lo + hi) / 2;

		if (in->mid_t[m] <= t)
			lo = m;
		else
			hi = m;
	}
	return in->mid[lo];
}

void
tca_sums_add(struct tca_sums *a, int side, double arrival,
             const struct tca_fill *f)
{
	double s = side == BOOK_BID ? 1 : -1;
	long double q = (long double)f->qty;
	long double sp = (f->passive ? -1 : 1) * q * f->half_spread;

	a->filled += f->qty;
	if (f->passive)
		a->passive_filled += f->qty;
	a->cash += q * f->px;
	a->spread += sp;
	a->temp += s * q * (f->px - f->mid) - sp;
	a->timing += s * q * (f->mid - arrival);
}

int
tca_sums_report(const struct tca_sums *a, int side, int64_t qty,
                double arrival, double end_mid, double tick,
                struct tca_report *r)
{
	double s = side == BOOK_BID ? 1 : -1;
	int64_t unfilled = qty - a->filled;

	if (qty <= 0 || arrival <= 0)
		return -1;
	r->filled = a->filled;
	r->passive_filled = a->passive_filled;
	r->avg_px = a->filled > 0 ? (double)(a->cash / a->filled) : 0;
	r->spread_usd = (double)(a->spread * tick);
	r->temp_usd = (double)(a->temp * tick);
	r->timing_usd = (double)(a->timing * tick);
	/* (Nothing unfilled costs nothing: no "-0" for a completed sell.) */
	r->opp_usd = unfilled == 0 ? 0.0 :
	    s * (double)unfilled * (end_mid - arrival) * tick;
	r->is_usd = r->spread_usd + r->temp_usd + r->timing_usd + r->opp_usd;
	r->is_bps = r->is_usd / (arrival * tick * (double)qty) * 1e4;
	return 0;
}

int
tca_analyse(const struct tca_input *in, struct tca_report *r)
{
	double s = in->side == BOOK_BID ? 1 : -1;
	struct tca_sums sums;
	long double m1 = 0, m5 = 0;
	long double pv = 0, vol = 0, tw = 0;
	int64_t tprev;

	memset(r, 0, sizeof *r);
	memset(&sums, 0, sizeof sums);
	if (in->qty <= 0 || in->arrival <= 0)
		return -1;
	for (size_t i = 0; i < in->nfills; i++) {
		const struct tca_fill *f = &in->fills[i];
		long double q = (long double)f->qty;
		int64_t h1 = f->t + 60 * 1000000000LL;
		int64_t h5 = f->t + 300 * 1000000000LL;
		double a1, a5;

		if (in->markout_until > 0 && h1 > in->markout_until)
			h1 = in->markout_until;
		if (in->markout_until > 0 && h5 > in->markout_until)
			h5 = in->markout_until;
		a1 = tca_mid_at(in, h1);
		a5 = tca_mid_at(in, h5);

		tca_sums_add(&sums, in->side, in->arrival, f);
		m1 += q * s * (a1 - f->px) / f->px * 1e4;
		m5 += q * s * (a5 - f->px) / f->px * 1e4;
	}
	tca_sums_report(&sums, in->side, in->qty, in->arrival, in->end_mid,
	    in->tick, r);
	if (r->filled > 0) {
		r->passive_share = 100.0 * (double)r->passive_filled /
		    (double)r->filled;
		r->markout1_bps = (double)(m1 / r->filled);
		r->markout5_bps = (double)(m5 / r->filled);
	}
	for (size_t i = 0; i < in->ntr; i++)
		if (in->tr_t[i] >= in->start && in->tr_t[i] <= in->end) {
			pv += (long double)in->tr_px[i] * in->tr_qty[i];
			vol += in->tr_qty[i];
		}
	r->vwap = vol > 0 ? (double)(pv / vol) : 0;
	r->participation = vol + in->off_tape > 0 ? (double)(100.0L * r->filled /
	    (vol + in->off_tape)) : 0;
	/* Time-weighted mid over the window. */
	tprev = in->start;
	for (size_t i = 0; i < in->nmid; i++) {
		int64_t t0 = in->mid_t[i] > in->start ? in->mid_t[i] : in->start;
		int64_t t1 = i + 1 < in->nmid && in->mid_t[i + 1] < in->end ?
		    in->mid_t[i + 1] : in->end;

		if (t1 > t0 && in->mid[i] > 0) {
			tw += (long double)in->mid[i] * (t1 - t0);
			tprev += t1 - t0;
		}
	}
	r->twap_mid = tprev > in->start ? (double)(tw / (tprev - in->start)) : 0;
	if (r->filled > 0 && r->vwap > 0)
		r->vs_vwap_bps = s * (r->avg_px - r->vwap) / r->vwap * 1e4;
	if (r->filled > 0 && r->twap_mid > 0)
		r->vs_twap_bps = s * (r->avg_px - r->twap_mid) / r->twap_mid * 1e4;
	return 0;
}
