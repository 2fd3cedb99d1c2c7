/*
 * engine/market/ac.c -- the Almgren-Chriss market: the model of "Optimal
 * execution of portfolio transactions" (2000) as a market source, so that
 * the execution layer's own children trade in it and the textbook numbers
 * can be checked against what the engine does.
 *
 * The mid S follows an arithmetic Brownian motion on a fixed grid (step_s,
 * one draw per step whatever the caller does, so every algorithm run on a
 * seed sees the same price path: common random numbers).  noise scales the
 * increments only; algorithms still plan with sigma.
 *
 * The book holds one synthetic, practically bottomless level on each side at
 * S -/+ eps, so the tactic sees a touch to cross.  The model has nobody who
 * takes liquidity, so the synthetic levels are post-only: when the mid moves
 * they requote behind any resting order of ours rather than through it, and
 * a resting (passive) child never fills in this market.  When one of our orders
 * crosses n shares, the print is repriced by the model's temporary impact:
 * a sell fills at S - eps - (eta/tau) v (a buy at S + eps + ...), and then S
 * moves gamma n against us for good.  v is n plus our crossing in the tau
 * before it, each earlier print weighted 2 (1 - age / tau) (ac_window).
 * With decisions every tau this is the paper's discrete model exactly --
 * v = n, slice k sells at S_{k-1} - h(n_k/tau), and S_k = S_{k-1} + sigma
 * sqrt(tau) xi_k - gamma n_k -- and an algorithm that cuts a slice into
 * small children, sent at once or spread over tau, pays for the rate it
 * trades at, not for each child as if it were alone (which let a policy
 * deciding every few seconds pay a fraction of the textbook cost).  Prices
 * are kept in double ticks and printed rounded to a tick, so scenarios use
 * a fine tick ($0.000001) to keep rounding far below the 0.1% the tests
 * ask for.
 *
 * The mid is S (ops->mid): a resting child of ours the synthetic quotes stay
 * behind must not move the price the block is valued at.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/market/market.h"

#define AC_OWNER MARKET_OWNER_MM
#define AC_DEPTH 1000000000000LL

struct ac {
	struct market m;
	struct ac_params a;
	struct rng rng;
	double s;          /* mid, ticks */
	double sig_step;   /* ticks per grid step, noise included */
	double eps, eta_n, gamma; /* ticks, ticks per share, ticks per share */
	int64_t step, t_grid;
	uint64_t bid_id, ask_id, next_id;
	int64_t bid_px, ask_px;
	/* Our crossing prints of the last tau, oldest first (a ring):
	 * time and signed shares, sells negative. */
	struct ac_print { int64_t t, q; } *win;
	size_t win_head, win_n, win_cap;
	int64_t tau_ns;
};

static const struct market_ops ac_ops;

/* Put the two synthetic levels at S -/+ eps. */
static void
ac_requote(struct ac *a)
{
	int64_t bp = (int64_t)llround(a->s - a->eps);
	int64_t ap = (int64_t)llround(a->s + a->eps);
	int64_t q;

	int64_t ours;

	if (bp < 1)
		bp = 1;
	if (ap <= bp)
		ap = bp + 1;
	if (bp == a->bid_px && ap == a->ask_px)
		return;
	if (a->bid_id != 0)
		book_cancel(a->m.book, a->bid_id, &q);
	if (a->ask_id != 0)
		book_cancel(a->m.book, a->ask_id, &q);
	/* What rests now is ours: stay behind it (post-only). */
	if (book_best(a->m.book, BOOK_ASK, &ours, &q) == 0 && bp >= ours)
		bp = ours - 1;
	if (book_best(a->m.book, BOOK_BID, &ours, &q) == 0 && ap <= ours)
		ap = ours + 1;
	if (bp < 1)
		bp = 1;
	a->bid_id = a->next_id++;
	book_add(a->m.book, a->bid_id, BOOK_BID, bp, AC_DEPTH, BOOK_GTC,
	    AC_OWNER, NULL);
	a->ask_id = a->next_id++;
	book_add(a->m.book, a->ask_id, BOOK_ASK, ap, AC_DEPTH, BOOK_GTC,
	    AC_OWNER, NULL);
	a->bid_px = bp;
	a->ask_px = ap;
	a->m.changes++;
}

/*
 * The shares a print of signed sq shares at t is charged for, in its
 * direction: |sq| itself plus each earlier print of ours in the last tau
 * weighted 2 (1 - age / tau), the other way counting against; never below
 * |sq|.  The print then joins the window.  The weights make three things
 * exact: one slice every tau pays (eta/tau) n, the paper; k children sent
 * at one moment pay what one child of their total pays (the j-th is
 * charged 2 (j - 1) + 1 of its own size, and those sum to k^2); and k
 * children spread evenly over tau pay, once the first tau has passed,
 * (eta/tau) n each, the rate they trade at.  The weight falls to 0 at an
 * age of tau, so the charge is continuous in the spacing (a hard window
 * charged slices 299 s apart for two).  If the ring cannot grow the print
 * is priced all the same and is missing from later windows.
 */
static double
ac_window(struct ac *a, int64_t t, int64_t sq)
{
	double dir = sq < 0 ? -1.0 : 1.0, self = dir * (double)sq, hist = 0;
	double v;

	while (a->win_n > 0 && a->win[a->win_head].t <= t - a->tau_ns) {
		a->win_head = (a->win_head + 1) % a->win_cap;
		a->win_n--;
	}
	for (size_t i = 0; i < a->win_n; i++) {
		const struct ac_print *p = &a->win[(a->win_head + i) % a->win_cap];
		double age = (double)(t - p->t) / (double)a->tau_ns;

		hist += 2.0 * (double)p->q * (1.0 - age);
	}
	v = self + dir * hist;
	if (v < self)
		v = self;
	if (a->win_n == a->win_cap) {
		size_t cap = a->win_cap ? 2 * a->win_cap : 64;
		struct ac_print *w = malloc(cap * sizeof *w);

		if (w == NULL)
			return v;
		for (size_t i = 0; i < a->win_n; i++)
			w[i] = a->win[(a->win_head + i) % a->win_cap];
		free(a->win);
		a->win = w;
		a->win_head = 0;
		a->win_cap = cap;
	}
	a->win[(a->win_head + a->win_n) % a->win_cap] = (struct ac_print){ t, sq };
	a->win_n++;
	return v;
}

/* The book's trade callback: the model's prices for our crossing orders,
 * then what market.c does for every source (counters, our fills). */
static void
ac_on_trade(void *arg, const struct book_trade *t)
{
	struct ac *a = arg;
	struct market *m = &a->m;
	struct market_fill f;
	int64_t px = t->px;

	if (t->taker_owner == MARKET_OWNER_US) {
		int64_t sq = t->aggressor == BOOK_ASK ? -t->qty : t->qty;
		double imp = a->eps + a->eta_n * ac_window(a, m->now, sq);

		px = (int64_t)llround(t->aggressor == BOOK_ASK ? a->s - imp :
		    a->s + imp);
		if (px < 1)
			px = 1;
		a->s += (t->aggressor == BOOK_ASK ? -1 : 1) * a->gamma *
		    (double)t->qty;
	}
	m->volume += t->qty;
	m->last_px = px;
	m->changes++;
	if (t->maker_owner == MARKET_OWNER_US || t->taker_owner == MARKET_OWNER_US)
		m->our_volume += t->qty;
	if (m->cbs.trade != NULL)
		m->cbs.trade(m->cbs.arg, px, t->qty, t->aggressor);
	if (m->cbs.fill == NULL)
		return;
	if (t->maker_owner == MARKET_OWNER_US) {
		f = (struct market_fill){ .id = t->maker_id, .side = t->aggressor ==
		    BOOK_BID ? BOOK_ASK : BOOK_BID, .px = px, .qty = t->qty,
		    .left = t->maker_left, .passive = 1 };
		m->cbs.fill(m->cbs.arg, &f);
	}
	if (t->taker_owner == MARKET_OWNER_US) {
		struct book_order_info oi;

		f = (struct market_fill){ .id = t->taker_id, .side = t->aggressor,
		    .px = px, .qty = t->qty, .passive = 0,
		    .left = book_order(m->book, t->taker_id, &oi) == 0 ? oi.qty : -1 };
		m->cbs.fill(m->cbs.arg, &f);
	}
}

static void
ac_on_stp(void *arg, uint64_t id, uint32_t owner, int64_t qty)
{
	struct ac *a = arg;

	a->m.changes++;
	if (owner == MARKET_OWNER_US && a->m.cbs.gone != NULL)
		a->m.cbs.gone(a->m.cbs.arg, id, qty);
}

static int
ac_advance(struct market *m, int64_t t)
{
	struct ac *a = (struct ac *)m;

	/* One draw per grid step even with noise 0, so paths stay aligned. */
	while (a->t_grid + a->step <= t) {
		a->t_grid += a->step;
		if (a->a.noise != 0)
			a->s += a->sig_step * rng_normal(&a->rng);
		else
			(void)rng_next(&a->rng);
	}
	/* Our crossing orders may have moved S since the last requote. */
	ac_requote(a);
	if (t > m->now)
		m->now = t;
	return 0;
}

static void
ac_destroy(struct market *m)
{
	book_free(m->book);
	free(((struct ac *)m)->win);
	free(m);
}

/* S, floored at a tick as the synthetic bid is. */
static double
ac_mid(const struct market *m)
{
	double s = ((const struct ac *)m)->s;

	return s < 1 ? 1 : s;
}

static const struct market_ops ac_ops = {
	.name = "ac",
	.advance = ac_advance,
	.destroy = ac_destroy,
	.mid = ac_mid,
};

int
market_ac_new(struct market **out, const struct sim_params *p,
              const struct ac_params *ap, uint64_t seed, int64_t t0)
{
	struct ac *a;
	double step_s = ap->step_s > 0 ? ap->step_s : 1.0;
	struct book_cbs cbs;

	*out = NULL;
	if (p->tick <= 0 || p->px0 <= 0 || ap->tau_min <= 0 || ap->sigma < 0 ||
	    ap->eta < 0 || ap->gamma < 0 || ap->eps < 0 || ap->noise < 0)
		return BOOK_EINVAL;
	if ((a = calloc(1, sizeof *a)) == NULL)
		return BOOK_ENOMEM;
	if ((a->m.book = book_new()) == NULL) {
		free(a);
		return BOOK_ENOMEM;
	}
	market_init_common(&a->m, &ac_ops, p->sym, p->tick);
	cbs = (struct book_cbs){ ac_on_trade, ac_on_stp, a };
	book_set_cbs(a->m.book, &cbs);
	a->a = *ap;
	a->a.step_s = step_s;
	rng_seed(&a->rng, seed);
	a->s = (double)p->px0;
	/* sigma is $/sqrt(min): per grid step of step_s seconds, in ticks. */
	a->sig_step = ap->noise * ap->sigma * sqrt(step_s / 60.0) / p->tick;
	a->eps = ap->eps / p->tick;
	a->eta_n = ap->eta / ap->tau_min / p->tick;
	a->gamma = ap->gamma / p->tick;
	a->tau_ns = (int64_t)llround(ap->tau_min * 60.0 * MARKET_NS_PER_SEC);
	a->step = (int64_t)llround(step_s * MARKET_NS_PER_SEC);
	a->t_grid = t0;
	a->next_id = 1;
	a->m.now = t0;
	a->m.last_px = p->px0;
	ac_requote(a);
	*out = &a->m;
	return 0;
}

int
market_ac_get(const struct market *m, struct ac_params *out)
{
	if (m == NULL || m->ops != &ac_ops)
		return -1;
	*out = ((const struct ac *)m)->a;
	return 0;
}
