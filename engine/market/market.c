/*
 * engine/market/market.c -- what every market source shares: the book's
 * callbacks turned into market callbacks (prints, our fills, our orders
 * removed), the volume counters, and our own order entry.
 *
 * Our orders carry ids with the top bit set so they can never collide with
 * the ids a source gives its own participants or replays from a file.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/market/market.h"
#include "engine/market/venue.h"

#define MARKET_OUR_ID_BIT (1ULL << 63)

static void
market_on_trade(void *arg, const struct book_trade *t)
{
	struct market *m = arg;
	struct market_fill f;

	m->volume += t->qty;
	m->flow += t->aggressor == BOOK_BID ? t->qty : -t->qty;
	m->last_px = t->px;
	m->changes++;
	if (t->maker_owner == MARKET_OWNER_US || t->taker_owner == MARKET_OWNER_US)
		m->our_volume += t->qty;
	if (m->cbs.trade != NULL)
		m->cbs.trade(m->cbs.arg, t->px, t->qty, t->aggressor);
	if (m->cbs.fill == NULL)
		return;
	f.venue = 0;
	if (t->maker_owner == MARKET_OWNER_US) {
		f.id = t->maker_id;
		f.side = t->aggressor == BOOK_BID ? BOOK_ASK : BOOK_BID;
		f.px = t->px;
		f.qty = t->qty;
		f.left = t->maker_left;
		f.passive = 1;
		m->cbs.fill(m->cbs.arg, &f);
	}
	if (t->taker_owner == MARKET_OWNER_US) {
		struct book_order_info oi;

		f.id = t->taker_id;
		f.side = t->aggressor;
		f.px = t->px;
		f.qty = t->qty;
		/* The taker is not in the book until matching ends; what is left
		 * is reported by market_submit's caller through *filled. */
		f.left = book_order(m->book, t->taker_id, &oi) == 0 ? oi.qty : -1;
		f.passive = 0;
		m->cbs.fill(m->cbs.arg, &f);
	}
}

static void
market_on_stp(void *arg, uint64_t id, uint32_t owner, int64_t qty)
{
	struct market *m = arg;

	m->changes++;
	if (owner == MARKET_OWNER_US && m->cbs.gone != NULL)
		m->cbs.gone(m->cbs.arg, id, qty);
}

void
market_init_common(struct market *m, const struct market_ops *ops,
                   const char *sym, double tick)
{
	struct book_cbs cbs = { market_on_trade, market_on_stp, m };

	m->ops = ops;
	book_set_cbs(m->book, &cbs);
	strncpy(m->sym, sym, sizeof m->sym - 1);
	m->tick = tick;
	m->next_our_id = MARKET_OUR_ID_BIT | 1;
}

/* One sample of the activity grid at m->now, covering k steps. */
static void
market_act_sample(struct market *m, int64_t k)
{
	struct market_activity *a = &m->act;
	double mid = market_mid(m), kk = (double)k;
	int64_t vol = m->volume - m->our_volume;

	if (a->n > 0) {
		double ws = 1 - exp(-kk * MARKET_ACT_STEP_S / MARKET_ACT_SHORT_S);
		double wl = 1 - exp(-kk * MARKET_ACT_STEP_S / MARKET_ACT_LONG_S);
		double dv = (double)(vol - a->last_vol) / kk, first;

		/* Warm start: a plain mean of the first steps. */
		first = kk / (double)(a->n + k);
		a->vol_s += (ws > first ? ws : first) * (dv - a->vol_s);
		a->vol_l += (wl > first ? wl : first) * (dv - a->vol_l);
		if (mid > 0 && a->last_mid > 0) {
			double d = mid - a->last_mid, v = d * d / kk;

			first = kk / (double)(a->nmid + k);
			a->var_s += (ws > first ? ws : first) * (v - a->var_s);
			a->var_l += (wl > first ? wl : first) * (v - a->var_l);
			a->nmid += k;
		}
	}
	a->n += a->n > 0 ? k : 1;
	a->last_mid = mid;
	a->last_vol = vol;
}

/*
 * Advance the source to t, stopping at every point of the activity grid on
 * the way so the samples do not depend on how the caller chunks time (the
 * sources are chunk-invariant themselves).  A jump of more than a day is
 * sampled as one long step.
 */
static int
market_advance_to(struct market *m, int64_t t)
{
	const int64_t step = MARKET_ACT_STEP_S * MARKET_NS_PER_SEC;
	struct market_activity *a = &m->act;
	int rv;

	if (a->next == 0) {
		a->next = (m->now / step + 1) * step;
		market_act_sample(m, 1);
	}
	if (t - a->next > 86400 * MARKET_NS_PER_SEC) {
		int64_t k = (t - a->next) / step + 1;

		if ((rv = m->ops->advance(m, a->next + (k - 1) * step)) != 0)
			return rv;
		market_act_sample(m, k);
		a->next += k * step;
	}
	while (a->next <= t) {
		if ((rv = m->ops->advance(m, a->next)) != 0)
			return rv;
		market_act_sample(m, 1);
		a->next += step;
	}
	return m->ops->advance(m, t);
}

/*
 * With venues, stop also at every time they act, and let them act after
 * the book has everything due by then: the venues' grid is fixed, so this
 * too is the same however the caller chunks time.
 */
int
market_advance(struct market *m, int64_t t)
{
	int64_t tv;
	int rv;

	while (m->venues != NULL && (tv = venue_next(m)) <= t) {
		if ((rv = market_advance_to(m, tv)) != 0)
			return rv;
		venue_run(m, tv);
	}
	return market_advance_to(m, t);
}

double
market_sigma(const struct market *m, int lng)
{
	if (m->act.nmid < 1)
		return 0;
	return sqrt((lng ? m->act.var_l : m->act.var_s) / MARKET_ACT_STEP_S);
}

double
market_volume_rate(const struct market *m, int lng)
{
	if (m->act.n < 2)
		return 0;
	return (lng ? m->act.vol_l : m->act.vol_s) / MARKET_ACT_STEP_S;
}

void
market_free(struct market *m)
{
	if (m != NULL) {
		venue_free(m);
		m->ops->destroy(m);
	}
}

int
market_submit(struct market *m, int side, int64_t px, int64_t qty, int tif,
              uint64_t *id, int64_t *filled)
{
	int rv;

	*id = m->next_our_id++;
	rv = book_add(m->book, *id, side, px, qty, tif, MARKET_OWNER_US, filled);
	if (rv == 0)
		m->changes++;
	return rv;
}

int
market_cancel(struct market *m, uint64_t id, int64_t *qty)
{
	int rv = book_cancel(m->book, id, qty);

	if (rv == 0)
		m->changes++;
	return rv;
}

double
market_mid(const struct market *m)
{
	int64_t bp, bq, ap, aq;

	if (m->ops != NULL && m->ops->mid != NULL)
		return m->ops->mid(m);
	if (book_best(m->book, BOOK_BID, &bp, &bq) != 0 ||
	    book_best(m->book, BOOK_ASK, &ap, &aq) != 0)
		return -1;
	return (double)(bp + ap) / 2.0;
}
