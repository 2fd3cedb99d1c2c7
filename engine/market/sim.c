/*
 * engine/market/sim.c -- the built-in simulated market: a real order book
 * fed by participants who act on their own rules, not by a script of prices.
 *
 *   noise traders     zero-intelligence flow: Poisson arrivals of limit
 *                     orders (a geometric number of ticks behind the own
 *                     touch, so arrivals thin out with distance, now and then
 *                     one tick inside it) that live an exponential time
 *                     before they cancel, and of market orders;
 *   market makers     each keeps a ladder around its fair value (mostly the
 *                     fundamental, a little the mid, skewed against its
 *                     inventory), widens it with the volatility it sees,
 *                     stops adding to an inventory that is too large, and
 *                     withdraws for a while when the market gets too wild;
 *   value traders     send market orders toward the latent fundamental at a
 *                     rate proportional to how far the mid has strayed
 *                     (slowly: they are what finally absorbs a metaorder);
 *   momentum traders  chase the move of the last mom_lookback seconds when
 *                     it exceeds a threshold;
 *   informed traders  know the fundamental (they read the news): when the
 *                     mid is far from it, they trade toward it fast and in
 *                     size.
 *
 * The fundamental follows an arithmetic random walk, jumps on news and
 * drifts when a scenario says so; signed aggressive volume moves it a
 * little (perm_impact: information leakage).  Our child orders have no
 * special path: their impact is whatever these reactions make of it -- the
 * noise book refills at a finite rate, makers absorb our flow and skew away
 * from it, momentum traders follow, value traders lean against the move.
 *
 * Random news (struct sim_news_params, news.c) moves the fundamental at
 * its items' times and is learned as its kind says: hard news at once by
 * every maker, with owners pulling and fast traders picking off what rests
 * on the wrong side of the new value; soft news gradually, the makers'
 * view lagging the fundamental by what they have not learned yet (the
 * `pending` part, decaying exponentially), so that the mid gets there
 * through the informed traders' flow and the makers' slow updating.  Two
 * processes of their own (EV_NEWS, EV_FAST) sit after the makers' and
 * draw nothing from the others' streams; without news they never run.
 *
 * Scenario events (struct sim_event) change the conditions the agents live
 * in -- volatility, flow, makers' spread and size, depth on one side, extra
 * buying or selling -- and the intraday profile scales every noise rate,
 * which gives the U-shaped volume.
 *
 * The loop is next-event: each process keeps the time of its next action,
 * advance() runs the earliest until it lies beyond t.  A clock process ticks
 * every simulated second on a grid fixed at the start: it moves the
 * fundamental, re-reads the scenario's conditions and re-draws the next
 * arrival of any Poisson process whose rate changed (exact, since arrivals
 * are memoryless), and lets the slower agents look at the market.  Nothing
 * depends on where advance() is called, only on the events' own times, so a
 * session is the same bit for bit however its advances are chunked.  All
 * randomness comes from one generator seeded per run.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/market/market.h"

#define SIM_NEVER INT64_MAX
#define SIM_HIST 1024 /* seconds of mid history (momentum lookback) */

/* Processes.  The clock comes first so it wins ties. */
enum {
	EV_CLOCK, EV_LIM_BID, EV_LIM_ASK, EV_MKT_BUY, EV_MKT_SELL, EV_CANCEL,
	EV_INFORMED, EV_DEEP_BID, EV_DEEP_ASK, EV_DEEP_CANCEL, EV_MM0, EV_COUNT = EV_MM0 + SIM_MAX_MM,
	/* The news processes come after every stream-seeded one, so that
	 * adding them changed no seed. */
	EV_NEWS = EV_COUNT, EV_FAST, EV_ALL
};

struct sim_quote {
	uint64_t id;
	int64_t px, left;
};

struct sim_mm {
	int64_t inv;
	int64_t out_until; /* withdrawn until then */
	struct sim_quote q[2][SIM_MAX_LEVELS];
	int nq[2];
};

/* What the scenario's events make of the world at one moment. */
struct sim_regime {
	double vol, flow, mm_spread, mm_size, drift;
	double depth[2]; /* by book side */
	double extra[2]; /* extra market orders per second: [BOOK_BID] buys */
};

struct sim {
	struct market m;
	struct sim_params p;
	struct rng rng;            /* agents' decisions (sizes, prices, whims) */
	struct rng value_rng;      /* the fundamental's own path */
	struct rng ev_rng[EV_COUNT]; /* each process's arrival times */
	double value;      /* latent fundamental, ticks */
	double act;        /* log market activity (mean-reverting) */
	double prof_mean;  /* mean of the profile's weights */
	int64_t t0;        /* start: the clock's grid is t0 + k seconds */
	int64_t ticks;     /* clock ticks so far */
	int64_t flow_seen; /* m.flow already applied to the value */
	uint32_t jumped;   /* events whose jump is applied */
	struct sim_regime rg;
	double rate[EV_ALL];
	int64_t next[EV_ALL];
	uint64_t next_id;
	double volest;     /* EWMA of |mid change| per second, ticks */
	double hist[SIM_HIST];
	/* Live noise limit orders, near the touch [0] and deep [1], for
	 * random cancellation. */
	struct sim_pool {
		uint64_t *ids;
		size_t n, cap;
	} pool[2];
	struct sim_mm mm[SIM_MAX_MM];
	/* Random news: the session's items, the next to fire, what the makers
	 * do not know yet of soft news (ticks) and how fast they learn it, and
	 * until when fast traders sweep after hard news. */
	struct sim_news_item news[SIM_MAX_NEWS];
	int nnews, news_next;
	double pending, pend_tau;
	int64_t fast_until;
};

/* The value the makers and noise traders price from: the fundamental
 * less what soft news has not yet taught them. */
static double
sim_public(const struct sim *s)
{
	return s->value - s->pending;
}

void
sim_event_default(struct sim_event *e)
{
	memset(e, 0, sizeof *e);
	e->vol = e->flow = e->mm_spread = e->mm_size = 1;
	e->bid_depth = e->ask_depth = 1;
}

void
sim_params_default(struct sim_params *p)
{
	/* The shape of executed volume per half hour on a NASDAQ day (AMZN,
	 * 2012-06-21, lightly smoothed): heavy at the open, heavier at the
	 * close, thin at lunch.  These weights scale the noise traders only;
	 * the other agents trade at all hours, so the first and last weights
	 * are raised until executed volume has AMZN's shares (8.4% in the
	 * first half hour, 21.8% in the last). */
	static const double u[] = {
		1.20, 1.28, 1.28, 1.08, 0.74, 0.55, 0.59, 0.58, 0.66, 0.63,
		0.79, 1.47, 3.80,
	};

	memset(p, 0, sizeof *p);
	strcpy(p->sym, "QDI");
	p->tick = 0.01;
	p->px0 = 10000;
	p->open = 34200LL * MARKET_NS_PER_SEC;
	p->close = 57600LL * MARKET_NS_PER_SEC;
	p->sigma = 0.9;
	p->perm_impact = 0.00002;
	p->act_sd = 0.5;
	p->act_tau = 900;
	p->mkt_rate = 0.3;
	p->mkt_size = 200;
	p->lim_rate = 1.0;
	p->lim_size = 150;
	p->lim_depth = 4.0;
	p->lim_inside = 0.03;
	p->lim_life = 15.0;
	p->deep_rate = 1.0;
	p->deep_size = 300;
	p->deep_range = 100;
	p->deep_life = 900;
	p->mm_count = 2;
	p->mm_levels = 5;
	p->mm_size = 300;
	p->mm_half_spread = 3.5;
	p->mm_skew = 2.0;
	p->mm_interval = 1.0;
	p->mm_info = 0.9;
	p->mm_vol_widen = 1.0;
	p->mm_stress = 8.0;
	p->mm_stress_pause = 30.0;
	p->mm_max_inv = 20000;
	p->value_rate = 0.002;
	p->value_size = 300;
	p->mom_lookback = 60;
	p->mom_threshold = 5;
	p->mom_rate = 0.005;
	p->mom_size = 200;
	p->inf_threshold = 30;
	p->inf_rate = 1.0;
	p->inf_size = 500;
	p->nprofile = (int)(sizeof u / sizeof u[0]);
	memcpy(p->profile, u, sizeof u);
}

static int64_t
sim_after(struct sim *s, int ev, double mean_s)
{
	double d = rng_exp(&s->ev_rng[ev], mean_s);

	if (d > 1e6)
		d = 1e6;
	return (int64_t)(d * MARKET_NS_PER_SEC) + 1;
}

/* A size in whole lots of 100 with about the given mean. */
static int64_t
sim_lots(struct sim *s, double mean)
{
	double m = mean / 100.0 - 0.5;
	int64_t lots = 1 + (m > 0 ? (int64_t)rng_exp(&s->rng, m) : 0);

	return lots * 100;
}

static int64_t
sim_best_or(struct sim *s, int side, int64_t dflt)
{
	int64_t px, qty;

	return book_best(s->m.book, side, &px, &qty) == 0 ? px : dflt;
}

static double
sim_profile(const struct sim *s, int64_t t)
{
	const struct sim_params *p = &s->p;
	int64_t i;

	if (p->nprofile <= 0 || p->close <= p->open)
		return 1.0;
	if (t < p->open)
		i = 0;
	else if (t >= p->close)
		i = p->nprofile - 1;
	else
		i = (t - p->open) * p->nprofile / (p->close - p->open);
	return p->profile[i] / s->prof_mean;
}

static void
sim_regime(const struct sim *s, int64_t t, struct sim_regime *r)
{
	r->vol = r->flow = r->mm_spread = r->mm_size = 1;
	r->depth[0] = r->depth[1] = 1;
	r->extra[0] = r->extra[1] = 0;
	r->drift = 0;
	for (int i = 0; i < s->p.nevents; i++) {
		const struct sim_event *e = &s->p.events[i];
		int64_t len = (int64_t)(e->dur_s * MARKET_NS_PER_SEC);
		double w = 1;

		if (t < e->at || t >= e->at + len)
			continue;
		if (e->decay)
			w = 1.0 - (double)(t - e->at) / (double)len;
		r->vol *= 1 + (e->vol - 1) * w;
		r->flow *= 1 + (e->flow - 1) * w;
		r->mm_spread *= 1 + (e->mm_spread - 1) * w;
		r->mm_size *= 1 + (e->mm_size - 1) * w;
		r->depth[BOOK_BID] *= 1 + (e->bid_depth - 1) * w;
		r->depth[BOOK_ASK] *= 1 + (e->ask_depth - 1) * w;
		r->extra[BOOK_BID] += e->buy_rate * w;
		r->extra[BOOK_ASK] += e->sell_rate * w;
		r->drift += e->drift * w;
	}
}

static void
sim_noise_push(struct sim_pool *pl, uint64_t id)
{
	if (pl->n == pl->cap) {
		size_t n = pl->cap ? pl->cap * 2 : 1024;
		uint64_t *v = realloc(pl->ids, n * sizeof *v);

		if (v == NULL)
			return;
		pl->ids = v;
		pl->cap = n;
	}
	pl->ids[pl->n++] = id;
}

static int
sim_add(struct sim *s, uint64_t id, int side, int64_t px, int64_t qty, int tif,
        uint32_t owner)
{
	int rv = book_add(s->m.book, id, side, px, qty, tif, owner, NULL);

	s->m.msgs++;
	if (rv == 0)
		s->m.changes++;
	return rv;
}

static void
sim_cancel(struct sim *s, uint64_t id)
{
	s->m.msgs++;
	if (book_cancel(s->m.book, id, NULL) == 0)
		s->m.changes++;
}

static void
sim_limit(struct sim *s, int side, int deep)
{
	int64_t fair = (int64_t)llround(sim_public(s)), px, bid, ask;
	uint64_t id = ++s->next_id;

	bid = sim_best_or(s, BOOK_BID, fair - 2);
	ask = sim_best_or(s, BOOK_ASK, fair + 2);
	if (deep) {
		int64_t d = 1 + (int64_t)rng_below(&s->rng,
		    (uint64_t)(s->p.deep_range > 1 ? s->p.deep_range : 1));

		px = side == BOOK_BID ? bid - d : ask + d;
	} else if (rng_uniform(&s->rng) < s->p.lim_inside)
		px = side == BOOK_BID ? bid + 1 : ask - 1;
	else {
		int64_t d = (int64_t)rng_exp(&s->rng, s->p.lim_depth);

		px = side == BOOK_BID ? bid - d : ask + d;
	}
	if (side == BOOK_BID && px >= ask)
		px = ask - 1;
	if (side == BOOK_ASK && px <= bid)
		px = bid + 1;
	if (px < 1)
		px = 1;
	if (sim_add(s, id, side, px, sim_lots(s, deep ? s->p.deep_size :
	    s->p.lim_size), BOOK_GTC, MARKET_OWNER_NOISE) == 0)
		sim_noise_push(&s->pool[deep], id);
}

static void
sim_market_order(struct sim *s, int side, double mean, uint32_t owner)
{
	sim_add(s, ++s->next_id, side, 0, sim_lots(s, mean), BOOK_MARKET, owner);
}

static void
sim_cancel_one(struct sim *s, struct sim_pool *pl)
{
	/* Orders that traded away are gone from the book already; drop ids
	 * until one cancels or none are left. */
	while (pl->n > 0) {
		size_t i = rng_below(&s->rng, pl->n);
		uint64_t id = pl->ids[i];

		pl->ids[i] = pl->ids[--pl->n];
		if (book_cancel(s->m.book, id, NULL) == 0) {
			s->m.msgs++;
			s->m.changes++;
			return;
		}
	}
}

/*
 * One market maker looks at its quotes and the market and puts its ladder
 * where it wants it.  What it bought or sold since it last looked is what
 * is missing from its quotes.  It moves only the levels that changed, so a
 * one-tick shift costs one cancel and one add per side.
 */
static void
sim_requote(struct sim *s, int k)
{
	struct sim_mm *mm = &s->mm[k];
	const struct sim_params *p = &s->p;
	struct book_order_info oi;
	int64_t now = s->m.now, top[2], size[2];
	double mid = market_mid(&s->m), ref, fair, half;
	int side, i, out;

	for (side = 0; side < 2; side++) {
		int n = 0;

		for (i = 0; i < mm->nq[side]; i++) {
			struct sim_quote *q = &mm->q[side][i];
			int64_t left = book_order(s->m.book, q->id, &oi) == 0 ?
			    oi.qty : 0;

			mm->inv += (side == BOOK_BID ? 1 : -1) * (q->left - left);
			q->left = left;
			if (left > 0)
				mm->q[side][n++] = *q;
		}
		mm->nq[side] = n;
	}
	if (p->mm_stress > 0 && s->volest > p->mm_stress)
		mm->out_until = now + (int64_t)(p->mm_stress_pause *
		    MARKET_NS_PER_SEC);
	out = s->rg.mm_size <= 0 || now < mm->out_until;
	ref = mid > 0 ? mid : sim_public(s);
	fair = ref + p->mm_info * (sim_public(s) - ref) -
	    p->mm_skew * (double)mm->inv / 1000.0;
	half = (p->mm_half_spread + p->mm_vol_widen * s->volest) *
	    s->rg.mm_spread;
	top[BOOK_BID] = (int64_t)floor(fair - half);
	top[BOOK_ASK] = (int64_t)ceil(fair + half);
	if (top[BOOK_ASK] <= top[BOOK_BID])
		top[BOOK_ASK] = top[BOOK_BID] + 1;
	/* A maker whose fair value has run through the other side's best
	 * (another maker leaning the other way, a stale order) takes it, up to
	 * one quote's size: that is how makers lay off inventory to each
	 * other.  Its own quotes on that side go first. */
	for (side = 0; side < 2; side++) {
		int opp = 1 - side, dir = side == BOOK_BID ? 1 : -1;
		int64_t bo = sim_best_or(s, opp, 0), filled = 0;

		if (out || bo <= 0 || (top[side] - bo) * dir < 0)
			continue;
		for (i = 0; i < mm->nq[opp]; i++)
			sim_cancel(s, mm->q[opp][i].id);
		mm->nq[opp] = 0;
		bo = sim_best_or(s, opp, 0);
		if (bo <= 0 || (top[side] - bo) * dir < 0)
			continue;
		s->m.msgs++;
		if (book_add(s->m.book, ++s->next_id, side, top[side], p->mm_size,
		    BOOK_IOC, MARKET_OWNER_MM0 + (uint32_t)k, &filled) == 0 &&
		    filled > 0) {
			s->m.changes++;
			mm->inv += dir * filled;
		}
	}
	/* Otherwise post-only: never cross what others show. */
	int64_t best;
	if ((best = sim_best_or(s, BOOK_ASK, 0)) > 0 && top[BOOK_BID] >= best)
		top[BOOK_BID] = best - 1;
	if ((best = sim_best_or(s, BOOK_BID, 0)) > 0 && top[BOOK_ASK] <= best)
		top[BOOK_ASK] = best + 1;
	for (side = 0; side < 2; side++) {
		double want = out ? 0 : (double)p->mm_size * s->rg.mm_size *
		    s->rg.depth[side];

		size[side] = (int64_t)(want / 100.0 + 0.5) * 100;
	}
	if (mm->inv >= p->mm_max_inv)
		size[BOOK_BID] = 0;
	if (mm->inv <= -p->mm_max_inv)
		size[BOOK_ASK] = 0;
	for (side = 0; side < 2; side++) {
		int dir = side == BOOK_BID ? -1 : 1, n = 0;
		unsigned char held[SIM_MAX_LEVELS];
		int levels = size[side] > 0 ? p->mm_levels : 0;

		memset(held, 0, (size_t)p->mm_levels);
		for (i = 0; i < mm->nq[side]; i++) {
			struct sim_quote *q = &mm->q[side][i];
			int64_t lvl = (q->px - top[side]) * dir;

			if (lvl >= 0 && lvl < levels && q->left == size[side] &&
			    !held[lvl]) {
				held[lvl] = 1;
				mm->q[side][n++] = *q;
			} else
				sim_cancel(s, q->id);
		}
		mm->nq[side] = n;
		for (i = 0; i < levels; i++) {
			int64_t px = top[side] + dir * i;
			uint64_t id;

			if (held[i] || px < 1)
				continue;
			id = ++s->next_id;
			if (sim_add(s, id, side, px, size[side], BOOK_GTC,
			    MARKET_OWNER_MM0 + (uint32_t)k) == 0 &&
			    book_order(s->m.book, id, &oi) == 0)
				mm->q[side][mm->nq[side]++] = (struct sim_quote){
				    id, px, oi.qty };
		}
	}
}

static void
sim_set_rate(struct sim *s, int ev, double rate, double tol)
{
	if (fabs(rate - s->rate[ev]) <= tol * s->rate[ev])
		return;
	s->rate[ev] = rate;
	s->next[ev] = rate > 0 ? s->m.now + sim_after(s, ev, 1.0 / rate) :
	    SIM_NEVER;
}

/* The clock: once a simulated second. */
static void
sim_clock(struct sim *s)
{
	const struct sim_params *p = &s->p;
	int64_t now = s->m.now;
	double mid, prev, prof, gap;

	sim_regime(s, now, &s->rg);
	/* Activity: an Ornstein-Uhlenbeck log factor that makes calm and busy
	 * spells (volatility clustering, fat tails, bursty volume). */
	double actm = 1;
	if (p->act_sd > 0 && p->act_tau > 0) {
		s->act += -s->act / p->act_tau + p->act_sd *
		    sqrt(2.0 / p->act_tau) * rng_normal(&s->value_rng);
		actm = exp(s->act - p->act_sd * p->act_sd / 2);
	}
	/* The fundamental: diffusion, drift, news, and what flow revealed. */
	s->value += p->sigma * sqrt(actm) * s->rg.vol *
	    rng_normal(&s->value_rng) +
	    s->rg.drift / 3600.0 +
	    p->perm_impact * (double)(s->m.flow - s->flow_seen);
	s->flow_seen = s->m.flow;
	for (int i = 0; i < p->nevents; i++)
		if (!(s->jumped & (1u << i)) && now >= p->events[i].at) {
			s->jumped |= 1u << i;
			s->value += p->events[i].jump;
		}
	if (s->value < 10)
		s->value = 10;
	if (s->pending != 0) {
		s->pending *= exp(-1.0 / s->pend_tau);
		if (fabs(s->pending) < 0.01)
			s->pending = 0;
	}

	/* What the slower agents see: mid, its recent path, volatility. */
	mid = market_mid(&s->m);
	prev = s->hist[(s->ticks + SIM_HIST - 1) % SIM_HIST];
	if (mid > 0 && prev > 0 && s->ticks > 0)
		s->volest += (fabs(mid - prev) - s->volest) / 30.0;
	s->hist[s->ticks % SIM_HIST] = mid;

	/* Rates for this second. */
	prof = sim_profile(s, now) * s->rg.flow * actm;
	sim_set_rate(s, EV_LIM_BID, p->lim_rate / 2 * prof *
	    s->rg.depth[BOOK_BID], 1e-9);
	sim_set_rate(s, EV_LIM_ASK, p->lim_rate / 2 * prof *
	    s->rg.depth[BOOK_ASK], 1e-9);
	sim_set_rate(s, EV_MKT_BUY, p->mkt_rate / 2 * prof +
	    s->rg.extra[BOOK_BID], 1e-9);
	sim_set_rate(s, EV_MKT_SELL, p->mkt_rate / 2 * prof +
	    s->rg.extra[BOOK_ASK], 1e-9);
	sim_set_rate(s, EV_CANCEL, (double)s->pool[0].n / p->lim_life, 0.05);
	sim_set_rate(s, EV_DEEP_BID, p->deep_rate / 2 * prof *
	    s->rg.depth[BOOK_BID], 1e-9);
	sim_set_rate(s, EV_DEEP_ASK, p->deep_rate / 2 * prof *
	    s->rg.depth[BOOK_ASK], 1e-9);
	if (p->deep_life > 0)
		sim_set_rate(s, EV_DEEP_CANCEL, (double)s->pool[1].n /
		    p->deep_life, 0.05);

	if (mid > 0) {
		/* Value traders: the further off, the likelier one trades. */
		gap = s->value - mid;
		if (p->value_rate > 0 && rng_uniform(&s->rng) <
		    1.0 - exp(-p->value_rate * fabs(gap)))
			sim_market_order(s, gap > 0 ? BOOK_BID : BOOK_ASK,
			    p->value_size, MARKET_OWNER_VALUE);
		/* Informed traders switch on while the gap is wide. */
		if (fabs(gap) > p->inf_threshold && p->inf_rate > 0) {
			if (s->next[EV_INFORMED] == SIM_NEVER)
				s->next[EV_INFORMED] = now +
				    sim_after(s, EV_INFORMED, 1.0 / p->inf_rate);
		} else
			s->next[EV_INFORMED] = SIM_NEVER;
		/* Momentum traders chase the move over their lookback. */
		int64_t lb = (int64_t)p->mom_lookback;
		double then = lb > 0 && lb < SIM_HIST && s->ticks >= lb ?
		    s->hist[(s->ticks - lb) % SIM_HIST] : -1;
		if (then > 0 && p->mom_rate > 0) {
			double move = mid - then, over = fabs(move) -
			    p->mom_threshold;

			if (over > 0 && rng_uniform(&s->rng) <
			    1.0 - exp(-p->mom_rate * over))
				sim_market_order(s, move > 0 ? BOOK_BID :
				    BOOK_ASK, p->mom_size, MARKET_OWNER_MOMENTUM);
		}
	}
	s->ticks++;
	s->next[EV_CLOCK] = s->t0 + s->ticks * MARKET_NS_PER_SEC;
}

/*
 * Fast traders after news: every order resting more than fast_margin ticks
 * on the wrong side of what is known of the value is free money, and they
 * take it with one IOC order a side priced at the edge of what pays.  After
 * hard news what is known is all of it at once; after soft news it is the
 * public value, which reaches the fundamental only as the news spreads, so
 * their sweeps walk the price there at the pace of the learning.
 */
static void
sim_fast(struct sim *s)
{
	double margin = s->p.news.fast_margin, v = sim_public(s);
	int64_t bid, ask, filled = 0;
	int64_t iv = (int64_t)(s->p.news.fast_interval * MARKET_NS_PER_SEC);

	bid = sim_best_or(s, BOOK_BID, 0);
	ask = sim_best_or(s, BOOK_ASK, 0);
	if (bid > 0 && (double)bid > v + margin) {
		s->m.msgs++;
		if (book_add(s->m.book, ++s->next_id, BOOK_ASK,
		    (int64_t)ceil(v + margin), 1000000, BOOK_IOC,
		    MARKET_OWNER_FAST, &filled) == 0 && filled > 0)
			s->m.changes++;
	}
	if (ask > 0 && (double)ask < v - margin) {
		s->m.msgs++;
		if (book_add(s->m.book, ++s->next_id, BOOK_BID,
		    (int64_t)floor(v - margin), 1000000, BOOK_IOC,
		    MARKET_OWNER_FAST, &filled) == 0 && filled > 0)
			s->m.changes++;
	}
	s->next[EV_FAST] = s->m.now + iv < s->fast_until || s->pending != 0 ?
	    s->m.now + iv : SIM_NEVER;
}

/* Owners of stale noise orders (on the wrong side of the new value) pull
 * each with chance `cancel`. */
static void
sim_news_pull(struct sim *s, struct sim_pool *pl)
{
	struct book_order_info oi;
	size_t i = 0;

	while (i < pl->n) {
		uint64_t id = pl->ids[i];

		if (book_order(s->m.book, id, &oi) != 0) {
			pl->ids[i] = pl->ids[--pl->n];
			continue;
		}
		if (((oi.side == BOOK_BID && (double)oi.px > s->value) ||
		    (oi.side == BOOK_ASK && (double)oi.px < s->value)) &&
		    rng_uniform(&s->rng) < s->p.news.cancel) {
			sim_cancel(s, id);
			pl->ids[i] = pl->ids[--pl->n];
			continue;
		}
		i++;
	}
}

/* A news item's time: the fundamental moves, and the market learns it as
 * the item's kind says. */
static void
sim_news_fire(struct sim *s)
{
	const struct sim_news_item *it = &s->news[s->news_next++];

	s->value += it->jump;
	if (s->value < 10)
		s->value = 10;
	if (it->kind == SIM_NEWS_SOFT) {
		s->pending += it->jump;
		s->pend_tau = it->jump > 0 ? s->p.news.tau_up :
		    s->p.news.tau_down;
		if (s->next[EV_FAST] == SIM_NEVER)
			s->next[EV_FAST] = s->m.now + 1;
	} else {
		/* Public at once: whatever an earlier soft item left unlearnt
		 * is swept up with it. */
		s->pending = 0;
		sim_news_pull(s, &s->pool[0]);
		sim_news_pull(s, &s->pool[1]);
		for (int k = 0; k < s->p.mm_count; k++)
			s->next[EV_MM0 + k] = s->m.now;
		s->fast_until = s->m.now + (int64_t)(s->p.news.fast_s *
		    MARKET_NS_PER_SEC);
		if (s->p.news.fast_s > 0 && s->next[EV_FAST] == SIM_NEVER)
			s->next[EV_FAST] = s->m.now + 1;
	}
	s->next[EV_NEWS] = s->news_next < s->nnews ?
	    s->news[s->news_next].at : SIM_NEVER;
	if (s->next[EV_NEWS] < s->m.now)
		s->next[EV_NEWS] = s->m.now;
}

static int
sim_advance(struct market *m, int64_t t)
{
	struct sim *s = (struct sim *)m;
	int nev = EV_MM0 + s->p.mm_count;

	for (;;) {
		int ev = 0;

		for (int i = 1; i < nev; i++)
			if (s->next[i] < s->next[ev])
				ev = i;
		for (int i = EV_NEWS; i < EV_ALL; i++)
			if (s->next[i] < s->next[ev])
				ev = i;
		if (s->next[ev] > t)
			break;
		m->now = s->next[ev];
		switch (ev) {
		case EV_CLOCK:
			sim_clock(s);
			break;
		case EV_LIM_BID:
		case EV_LIM_ASK:
			sim_limit(s, ev == EV_LIM_BID ? BOOK_BID : BOOK_ASK, 0);
			s->next[ev] += sim_after(s, ev, 1.0 / s->rate[ev]);
			break;
		case EV_DEEP_BID:
		case EV_DEEP_ASK:
			sim_limit(s, ev == EV_DEEP_BID ? BOOK_BID : BOOK_ASK, 1);
			s->next[ev] += sim_after(s, ev, 1.0 / s->rate[ev]);
			break;
		case EV_DEEP_CANCEL:
			sim_cancel_one(s, &s->pool[1]);
			s->next[ev] += sim_after(s, ev, 1.0 / s->rate[ev]);
			break;
		case EV_MKT_BUY:
		case EV_MKT_SELL:
			sim_market_order(s, ev == EV_MKT_BUY ? BOOK_BID : BOOK_ASK,
			    s->p.mkt_size, MARKET_OWNER_NOISE);
			s->next[ev] += sim_after(s, ev, 1.0 / s->rate[ev]);
			break;
		case EV_CANCEL:
			sim_cancel_one(s, &s->pool[0]);
			s->next[ev] += sim_after(s, ev, 1.0 / s->rate[ev]);
			break;
		case EV_INFORMED: {
			double mid = market_mid(m), gap = s->value - mid;

			if (mid > 0 && fabs(gap) > s->p.inf_threshold) {
				sim_market_order(s, gap > 0 ? BOOK_BID : BOOK_ASK,
				    s->p.inf_size, MARKET_OWNER_INFORMED);
				s->next[ev] += sim_after(s, ev, 1.0 / s->p.inf_rate);
			} else
				s->next[ev] = SIM_NEVER;
			break;
		}
		case EV_NEWS:
			sim_news_fire(s);
			break;
		case EV_FAST:
			sim_fast(s);
			break;
		default:
			sim_requote(s, ev - EV_MM0);
			s->next[ev] += sim_after(s, ev, s->p.mm_interval);
			break;
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
	free(s->pool[0].ids);
	free(s->pool[1].ids);
	free(s);
}

static const struct market_ops sim_ops = {
	.name = "sim",
	.advance = sim_advance,
	.destroy = sim_destroy,
};

double
market_sim_value(const struct market *m)
{
	return m->ops == &sim_ops ? ((const struct sim *)m)->value : -1;
}

int
market_sim_new(struct market **out, const struct sim_params *p, uint64_t seed,
               int64_t t0)
{
	struct sim *s;
	double sum = 0;

	*out = NULL;
	if (p->tick <= 0 || p->px0 <= 0 || p->mkt_rate <= 0 || p->lim_rate <= 0 ||
	    p->lim_life <= 0 || p->mm_levels < 0 ||
	    p->mm_levels > SIM_MAX_LEVELS || p->mm_count < 0 ||
	    p->mm_count > SIM_MAX_MM || p->mm_interval <= 0 || p->mm_size < 0 ||
	    p->nprofile < 0 || p->nprofile > SIM_MAX_PROFILE ||
	    p->nevents < 0 || p->nevents > SIM_MAX_EVENTS || p->inf_rate < 0 ||
	    sim_news_check(&p->news) != 0)
		return BOOK_EINVAL;
	for (int i = 0; i < p->nprofile; i++) {
		if (!(p->profile[i] >= 0))
			return BOOK_EINVAL;
		sum += p->profile[i];
	}
	if (p->nprofile > 0 && !(sum > 0))
		return BOOK_EINVAL;
	if ((s = calloc(1, sizeof *s)) == NULL)
		return BOOK_ENOMEM;
	s->p = *p;
	s->prof_mean = p->nprofile > 0 ? sum / p->nprofile : 1;
	if ((s->m.book = book_new()) == NULL) {
		free(s);
		return BOOK_ENOMEM;
	}
	market_init_common(&s->m, &sim_ops, p->sym, p->tick);
	/* Independent streams, so that our orders, which change what agents
	 * decide, do not change when news arrives or how the fundamental
	 * walks: a session with and without a metaorder differ only by the
	 * market's reactions to it. */
	struct rng seeder;
	rng_seed(&seeder, seed);
	rng_seed(&s->rng, rng_next(&seeder));
	rng_seed(&s->value_rng, rng_next(&seeder));
	for (int i = 0; i < EV_COUNT; i++)
		rng_seed(&s->ev_rng[i], rng_next(&seeder));
	s->value = (double)p->px0;
	s->t0 = t0;
	s->m.now = t0;
	s->m.last_px = p->px0;
	for (int i = 0; i < EV_ALL; i++)
		s->next[i] = SIM_NEVER;
	s->next[EV_CLOCK] = t0;
	/* Makers start at random phases so they do not requote in step. */
	for (int i = 0; i < p->mm_count; i++)
		s->next[EV_MM0 + i] = t0 + 1 + (int64_t)(rng_uniform(&s->rng) *
		    p->mm_interval * MARKET_NS_PER_SEC);
	/* The news items come from the seed alone (news.c), never from the
	 * agents' streams. */
	s->nnews = sim_news_draw(&p->news, seed, p->sym, s->news);
	while (s->news_next < s->nnews && s->news[s->news_next].at < t0)
		s->news_next++;
	if (s->news_next < s->nnews)
		s->next[EV_NEWS] = s->news[s->news_next].at;
	*out = &s->m;
	return 0;
}

int
market_news_count(const struct market *m)
{
	return m->ops == &sim_ops ? ((const struct sim *)m)->nnews : 0;
}

int
market_news_get(const struct market *m, int i, struct sim_news_item *out)
{
	const struct sim *s = (const struct sim *)m;

	if (m->ops != &sim_ops || i < 0 || i >= s->nnews)
		return -1;
	*out = s->news[i];
	return 0;
}
