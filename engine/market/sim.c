/*
 * engine/market/sim.c -- the built-in simulated market: a real order book
 * fed by participants who act on their own rules, not by a script of prices.
 *
 *   noise traders   Poisson arrivals of limit orders (placed a geometric
 *                   number of ticks behind the touch, living an exponential
 *                   time before they cancel) and of market orders, buy or
 *                   sell with equal odds;
 *   market maker    requotes a ladder around its fair value (the latent
 *                   fundamental, skewed against its inventory) every
 *                   interval; it is how the book refills after we take it;
 *   value traders   send market orders toward the fundamental at a rate
 *                   proportional to how far the mid has strayed from it.
 *
 * The fundamental value follows an arithmetic random walk and is moved by
 * signed aggressive volume (permanent impact).  Our child orders have no
 * special path: their impact is whatever these reactions make of it -- the
 * book refills at a finite rate, the maker skews as it absorbs our flow,
 * value traders lean against the move.
 *
 * The loop is next-event: each process keeps the time of its next action,
 * advance() repeatedly runs the earliest until it lies beyond t.  All
 * randomness comes from one generator seeded per run, so a seed and a
 * sequence of our orders at given times always give the same session.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/market/market.h"

enum { EV_MM, EV_LIMIT, EV_MARKET, EV_VALUE, EV_CANCEL, EV_COUNT };

struct sim {
	struct market m;
	struct sim_params p;
	struct rng rng;
	double value;      /* latent fundamental, ticks */
	int64_t t_value;   /* when value was last diffused */
	int64_t next[EV_COUNT];
	uint64_t next_id;
	/* Live noise limit orders, for random cancellation. */
	uint64_t *noise;
	size_t nnoise, capnoise;
	/* The maker's live quotes and inventory. */
	uint64_t *mm_ids;
	int nmm;
	int64_t mm_inv;
};

void
sim_params_default(struct sim_params *p)
{
	memset(p, 0, sizeof *p);
	strcpy(p->sym, "QDI");
	p->tick = 0.01;
	p->px0 = 10000;
	p->sigma = 1.2;
	p->perm_impact = 0.0004;
	p->mkt_rate = 0.35;
	p->mkt_size = 200;
	p->lim_rate = 4.0;
	p->lim_size = 200;
	p->lim_depth = 3.0;
	p->lim_life = 90.0;
	p->mm_levels = 5;
	p->mm_size = 600;
	p->mm_half_spread = 2.5;
	p->mm_skew = 0.25;
	p->mm_interval = 1.0;
	p->value_rate = 0.02;
	p->value_size = 300;
}

static int64_t
sim_after(struct sim *s, double mean_s)
{
	double d = rng_exp(&s->rng, mean_s);

	if (d > 1e6)
		d = 1e6;
	return (int64_t)(d * MARKET_NS_PER_SEC) + 1;
}

/* A size in whole lots of 100 with the given mean. */
static int64_t
sim_lots(struct sim *s, double mean)
{
	int64_t lots = 1 + (int64_t)rng_exp(&s->rng, mean / 100.0 - 0.5);

	return lots * 100;
}

static void
sim_diffuse(struct sim *s, int64_t t)
{
	double dt = (double)(t - s->t_value) / MARKET_NS_PER_SEC;

	if (dt > 0)
		s->value += s->p.sigma * sqrt(dt) * rng_normal(&s->rng);
	if (s->value < 10)
		s->value = 10;
	s->t_value = t;
}

static void
sim_trade_impact(struct sim *s, int64_t filled, int side)
{
	s->value += (side == BOOK_BID ? 1 : -1) * s->p.perm_impact * (double)filled;
}

static void
sim_noise_push(struct sim *s, uint64_t id)
{
	if (s->nnoise == s->capnoise) {
		size_t n = s->capnoise ? s->capnoise * 2 : 1024;
		uint64_t *v = realloc(s->noise, n * sizeof *v);

		if (v == NULL)
			return;
		s->noise = v;
		s->capnoise = n;
	}
	s->noise[s->nnoise++] = id;
}

static int64_t
sim_best_or(struct sim *s, int side, int64_t dflt)
{
	int64_t px, qty;

	return book_best(s->m.book, side, &px, &qty) == 0 ? px : dflt;
}

static void
sim_limit(struct sim *s)
{
	int side = rng_below(&s->rng, 2) ? BOOK_ASK : BOOK_BID;
	int64_t fair = (int64_t)llround(s->value), px, depth;
	uint64_t id = ++s->next_id;

	/* Behind the own-side touch (or the fundamental if that side is
	 * empty); now and then one tick inside it. */
	depth = (int64_t)rng_exp(&s->rng, s->p.lim_depth);
	if (side == BOOK_BID) {
		px = sim_best_or(s, BOOK_BID, fair - 2) - depth;
		if (rng_uniform(&s->rng) < 0.1)
			px += 1;
		int64_t ask = sim_best_or(s, BOOK_ASK, fair + 2);
		if (px >= ask)
			px = ask - 1;
	} else {
		px = sim_best_or(s, BOOK_ASK, fair + 2) + depth;
		if (rng_uniform(&s->rng) < 0.1)
			px -= 1;
		int64_t bid = sim_best_or(s, BOOK_BID, fair - 2);
		if (px <= bid)
			px = bid + 1;
	}
	if (px < 1)
		px = 1;
	if (book_add(s->m.book, id, side, px, sim_lots(s, s->p.lim_size),
	    BOOK_GTC, MARKET_OWNER_NOISE, NULL) == 0) {
		s->m.changes++;
		sim_noise_push(s, id);
	}
}

static void
sim_market_order(struct sim *s, int side, double mean, uint32_t owner)
{
	int64_t filled = 0;

	if (book_add(s->m.book, ++s->next_id, side, 0, sim_lots(s, mean),
	    BOOK_MARKET, owner, &filled) == 0 && filled > 0) {
		s->m.changes++;
		sim_trade_impact(s, filled, side);
	}
}

static void
sim_cancel_one(struct sim *s)
{
	size_t i;

	/* Orders that traded away are gone from the book already; drop ids
	 * until one cancels or none are left. */
	while (s->nnoise > 0) {
		i = rng_below(&s->rng, s->nnoise);
		uint64_t id = s->noise[i];
		s->noise[i] = s->noise[--s->nnoise];
		if (book_cancel(s->m.book, id, NULL) == 0) {
			s->m.changes++;
			return;
		}
	}
}

static void
sim_requote(struct sim *s)
{
	struct book_order_info oi;
	double fair;
	int64_t bid, ask;
	int i;

	/* What the maker bought or sold since the last quote is the
	 * difference between what it posted and what is left. */
	for (i = 0; i < s->nmm; i++) {
		int64_t left = 0;

		if (s->mm_ids[i] == 0)
			continue;
		if (book_order(s->m.book, s->mm_ids[i], &oi) == 0) {
			left = oi.qty;
			book_cancel(s->m.book, s->mm_ids[i], NULL);
		}
		s->mm_inv += (i % 2 == 0 ? 1 : -1) * (s->p.mm_size - left);
	}
	s->nmm = 0;
	fair = s->value - s->p.mm_skew * (double)s->mm_inv / 1000.0;
	bid = (int64_t)floor(fair - s->p.mm_half_spread);
	ask = (int64_t)ceil(fair + s->p.mm_half_spread);
	if (ask <= bid)
		ask = bid + 1;
	/* Post-only: the maker never takes liquidity; when its fair value runs
	 * past a resting order it quotes behind it and leaves the stale order
	 * to whoever wants it. */
	int64_t best;
	if (book_best(s->m.book, BOOK_ASK, &best, &(int64_t){0}) == 0 &&
	    bid >= best)
		bid = best - 1;
	if (book_best(s->m.book, BOOK_BID, &best, &(int64_t){0}) == 0 &&
	    ask <= best)
		ask = best + 1;
	for (i = 0; i < s->p.mm_levels; i++) {
		uint64_t idb = ++s->next_id, ida = ++s->next_id;
		int64_t f1 = 0, f2 = 0;

		if (bid - i >= 1 && book_add(s->m.book, idb, BOOK_BID, bid - i,
		    s->p.mm_size, BOOK_GTC, MARKET_OWNER_MM, &f1) == 0) {
			s->mm_ids[s->nmm++] = idb;
		} else
			s->mm_ids[s->nmm++] = 0;
		if (book_add(s->m.book, ida, BOOK_ASK, ask + i, s->p.mm_size,
		    BOOK_GTC, MARKET_OWNER_MM, &f2) == 0)
			s->mm_ids[s->nmm++] = ida;
		else
			s->mm_ids[s->nmm++] = 0;
	}
	s->m.changes++;
}

static int
sim_advance(struct market *m, int64_t t)
{
	struct sim *s = (struct sim *)m;

	for (;;) {
		int ev = 0;

		for (int i = 1; i < EV_COUNT; i++)
			if (s->next[i] < s->next[ev])
				ev = i;
		if (s->next[ev] > t)
			break;
		m->now = s->next[ev];
		sim_diffuse(s, m->now);
		switch (ev) {
		case EV_MM:
			sim_requote(s);
			s->next[ev] += (int64_t)(s->p.mm_interval * MARKET_NS_PER_SEC);
			break;
		case EV_LIMIT:
			sim_limit(s);
			s->next[ev] += sim_after(s, 1.0 / s->p.lim_rate);
			break;
		case EV_MARKET:
			sim_market_order(s, rng_below(&s->rng, 2) ? BOOK_BID :
			    BOOK_ASK, s->p.mkt_size, MARKET_OWNER_NOISE);
			s->next[ev] += sim_after(s, 1.0 / s->p.mkt_rate);
			break;
		case EV_VALUE: {
			/* Value traders look once a second and send orders at a
			 * rate proportional to the mispricing they see. */
			double mid = market_mid(m), gap;

			if (mid > 0) {
				gap = s->value - mid;
				double rate = s->p.value_rate * fabs(gap);
				if (rng_uniform(&s->rng) < 1.0 - exp(-rate))
					sim_market_order(s, gap > 0 ? BOOK_BID :
					    BOOK_ASK, s->p.value_size,
					    MARKET_OWNER_VALUE);
			}
			s->next[ev] += MARKET_NS_PER_SEC;
			break;
		}
		case EV_CANCEL: {
			sim_cancel_one(s);
			double rate = (double)s->nnoise / s->p.lim_life;
			s->next[ev] += sim_after(s, 1.0 / (rate > 0.01 ? rate : 0.01));
			break;
		}
		}
	}
	if (t > m->now)
		m->now = t;
	return 0;
}

static void
sim_destroy(struct market *m)
{
	struct sim *s = (struct sim *)m;

	book_free(m->book);
	free(s->noise);
	free(s->mm_ids);
	free(s);
}

static const struct market_ops sim_ops = {
	.name = "sim",
	.advance = sim_advance,
	.destroy = sim_destroy,
};

int
market_sim_new(struct market **out, const struct sim_params *p, uint64_t seed,
               int64_t t0)
{
	struct sim *s;

	*out = NULL;
	if (p->tick <= 0 || p->px0 <= 0 || p->mkt_rate <= 0 || p->lim_rate <= 0 ||
	    p->lim_life <= 0 || p->mm_levels < 0 || p->mm_levels > 50 ||
	    p->mm_interval <= 0 || p->mm_size < 0)
		return BOOK_EINVAL;
	if ((s = calloc(1, sizeof *s)) == NULL)
		return BOOK_ENOMEM;
	s->p = *p;
	s->mm_ids = calloc((size_t)p->mm_levels * 2 + 2, sizeof *s->mm_ids);
	if (s->mm_ids == NULL || (s->m.book = book_new()) == NULL) {
		free(s->mm_ids);
		free(s);
		return BOOK_ENOMEM;
	}
	market_init_common(&s->m, &sim_ops, p->sym, p->tick);
	rng_seed(&s->rng, seed);
	s->value = (double)p->px0;
	s->t_value = t0;
	s->m.now = t0;
	s->m.last_px = p->px0;
	s->next[EV_MM] = t0;
	s->next[EV_LIMIT] = t0 + sim_after(s, 1.0 / p->lim_rate);
	s->next[EV_MARKET] = t0 + sim_after(s, 1.0 / p->mkt_rate);
	s->next[EV_VALUE] = t0 + MARKET_NS_PER_SEC;
	s->next[EV_CANCEL] = t0 + MARKET_NS_PER_SEC;
	*out = &s->m;
	return 0;
}
