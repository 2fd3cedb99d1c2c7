/*
 * tests/unit/test-market-book-diff.c -- the book against a reference book
 * that is too simple to be wrong, over a long seeded stream of random
 * operations.
 *
 * The reference keeps each side as one array sorted by priority: better
 * price first and, at the same price, earlier first.  That array IS the
 * definition of price-time priority, so matching takes from the front,
 * resting inserts behind every order of the same or better price, and depth
 * and queue position are scans from the front.  It shares nothing with the
 * real book (no hash, no pool, no level ladder), so a bug in either shows up
 * as a difference.
 *
 * After every operation the test compares the return code, the filled or
 * cancelled quantity, every trade and self-trade cancellation in order, the
 * live order count and the top ten levels of both sides; every few
 * operations it also compares the queue position and facts of a random live
 * order, and every thousand the full depth.  The first difference fails the
 * test with the operation number and what differed.
 *
 * The stream mixes GTC, IOC and market orders, cancels, partial cancels and
 * modifies, with a few owners so that self-trade prevention fires, prices
 * clustered around a drifting mid so that orders cross often, a few ids
 * drawn from a small space so that duplicates happen, bad arguments, price
 * regimes from 1 up to INT64_MAX, and an occasional clear.  Stretches that
 * churn alternate with stretches that build the book up to dozens of levels
 * a side.  Adds turn into cancels when the book is large, which bounds the
 * reference's linear scans and keeps the test quick under sanitizers.
 *
 * TRANCHE_DIFF_OPS and TRANCHE_DIFF_SEED override the length and the seed.
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine/market/book.h"

#define DIFF_OPS 1000000L
#define DIFF_SEED 0x7472616e636865ULL
#define DIFF_HIGH 1500 /* above this many live orders adds lean to cancels */
#define DIFF_DEPTH 10
#define DIFF_FULL 4096
#define DIFF_MAXEV 8192

/* One trade (kind 0) or self-trade cancellation (kind 1). */
struct diff_ev {
	int kind;
	uint64_t maker, taker;
	uint32_t maker_owner, taker_owner;
	int64_t px, qty;
	int aggressor;
	int64_t maker_left;
};

struct diff_log {
	struct diff_ev ev[DIFF_MAXEV];
	int n;
	int overflow;
};

struct ref_ord {
	uint64_t id;
	int64_t px, qty;
	uint32_t owner;
};

struct ref_side {
	struct ref_ord *v; /* priority order: best price first, then oldest */
	int n, cap;
};

struct ref_book {
	struct ref_side side[2];
};

static uint64_t diff_rng;

static uint64_t
diff_next(void)
{
	uint64_t z = (diff_rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static int64_t
diff_below(int64_t n)
{
	return (int64_t)(diff_next() % (uint64_t)n);
}

static void
diff_log_push(struct diff_log *lg, const struct diff_ev *e)
{
	if (lg->n == DIFF_MAXEV) {
		lg->overflow = 1;
		return;
	}
	lg->ev[lg->n++] = *e;
}

static void
diff_on_trade(void *arg, const struct book_trade *t)
{
	struct diff_ev e = { 0, t->maker_id, t->taker_id, t->maker_owner,
	    t->taker_owner, t->px, t->qty, t->aggressor, t->maker_left };

	diff_log_push(arg, &e);
}

static void
diff_on_stp(void *arg, uint64_t id, uint32_t owner, int64_t qty)
{
	struct diff_ev e = { 1, id, 0, owner, 0, 0, qty, 0, 0 };

	diff_log_push(arg, &e);
}

/* Whether price a is strictly better than b for side. */
static int
ref_better(int side, int64_t a, int64_t b)
{
	return side == BOOK_BID ? a > b : a < b;
}

static int
ref_find(const struct ref_book *r, uint64_t id, int *side)
{
	int s, i;

	for (s = 0; s < 2; s++) {
		for (i = 0; i < r->side[s].n; i++) {
			if (r->side[s].v[i].id == id) {
				*side = s;
				return i;
			}
		}
	}
	return -1;
}

static void
ref_erase(struct ref_side *rs, int i)
{
	memmove(&rs->v[i], &rs->v[i + 1],
	    (size_t)(rs->n - i - 1) * sizeof(*rs->v));
	rs->n--;
}

/* Rest behind every order of the same or a better price. */
static void
ref_rest(struct ref_book *r, int side, const struct ref_ord *o)
{
	struct ref_side *rs = &r->side[side];
	int i = 0;

	while (i < rs->n && !ref_better(side, o->px, rs->v[i].px))
		i++;
	if (rs->n == rs->cap) {
		rs->cap = rs->cap ? rs->cap * 2 : 64;
		rs->v = realloc(rs->v, (size_t)rs->cap * sizeof(*rs->v));
		assert_non_null(rs->v);
	}
	memmove(&rs->v[i + 1], &rs->v[i], (size_t)(rs->n - i) * sizeof(*rs->v));
	rs->v[i] = *o;
	rs->n++;
}

/* Trade from the front of the other side while it crosses. */
static int64_t
ref_place(struct ref_book *r, struct diff_log *lg, uint64_t id, int side,
    int64_t px, int64_t qty, int tif, uint32_t owner)
{
	struct ref_side *opp = &r->side[!side];
	int64_t rem = qty, t;
	struct ref_ord *f;
	struct diff_ev e;

	while (rem > 0 && opp->n > 0) {
		f = &opp->v[0];
		if (tif != BOOK_MARKET &&
		    (side == BOOK_BID ? f->px > px : f->px < px))
			break;
		if (owner != 0 && f->owner == owner) {
			e = (struct diff_ev){ 1, f->id, 0, f->owner, 0, 0,
			    f->qty, 0, 0 };
			diff_log_push(lg, &e);
			ref_erase(opp, 0);
			continue;
		}
		t = rem < f->qty ? rem : f->qty;
		rem -= t;
		f->qty -= t;
		e = (struct diff_ev){ 0, f->id, id, f->owner, owner, f->px, t,
		    side, f->qty };
		diff_log_push(lg, &e);
		if (f->qty == 0)
			ref_erase(opp, 0);
	}
	if (rem > 0 && tif == BOOK_GTC) {
		struct ref_ord o = { id, px, rem, owner };

		ref_rest(r, side, &o);
	}
	return qty - rem;
}

static int
ref_add(struct ref_book *r, struct diff_log *lg, uint64_t id, int side,
    int64_t px, int64_t qty, int tif, uint32_t owner, int64_t *filled)
{
	int s;

	*filled = 0;
	if (side < 0 || side > 1 || tif < 0 || tif > 2 || qty <= 0 ||
	    (tif != BOOK_MARKET && px <= 0))
		return BOOK_EINVAL;
	if (ref_find(r, id, &s) >= 0)
		return BOOK_EDUP;
	*filled = ref_place(r, lg, id, side, px, qty, tif, owner);
	return BOOK_OK;
}

static int
ref_cancel(struct ref_book *r, uint64_t id, int64_t *qty)
{
	int s, i = ref_find(r, id, &s);

	*qty = 0;
	if (i < 0)
		return BOOK_ENOENT;
	*qty = r->side[s].v[i].qty;
	ref_erase(&r->side[s], i);
	return BOOK_OK;
}

static int
ref_reduce(struct ref_book *r, uint64_t id, int64_t by)
{
	int s, i;

	if (by <= 0)
		return BOOK_EINVAL;
	i = ref_find(r, id, &s);
	if (i < 0)
		return BOOK_ENOENT;
	if (by >= r->side[s].v[i].qty)
		ref_erase(&r->side[s], i);
	else
		r->side[s].v[i].qty -= by;
	return BOOK_OK;
}

static int
ref_modify(struct ref_book *r, struct diff_log *lg, uint64_t id, int64_t px,
    int64_t qty, int64_t *filled)
{
	struct ref_ord o;
	int s, i;

	*filled = 0;
	if (px <= 0 || qty <= 0)
		return BOOK_EINVAL;
	i = ref_find(r, id, &s);
	if (i < 0)
		return BOOK_ENOENT;
	o = r->side[s].v[i];
	if (px == o.px && qty <= o.qty) {
		r->side[s].v[i].qty = qty;
		return BOOK_OK;
	}
	ref_erase(&r->side[s], i);
	*filled = ref_place(r, lg, id, s, px, qty, BOOK_GTC, o.owner);
	return BOOK_OK;
}

static int
ref_depth(const struct ref_book *r, int side, struct book_level *out, int n)
{
	const struct ref_side *rs = &r->side[side];
	int i, k = 0;

	for (i = 0; i < rs->n; i++) {
		if (k > 0 && out[k - 1].px == rs->v[i].px) {
			out[k - 1].qty += rs->v[i].qty;
			out[k - 1].orders++;
			continue;
		}
		if (k == n)
			break;
		out[k].px = rs->v[i].px;
		out[k].qty = rs->v[i].qty;
		out[k].orders = 1;
		k++;
	}
	return k;
}

static int64_t
ref_queue_ahead(const struct ref_book *r, int side, int idx)
{
	const struct ref_side *rs = &r->side[side];
	int64_t ahead = 0;
	int i;

	for (i = 0; i < idx; i++)
		if (rs->v[i].px == rs->v[idx].px)
			ahead += rs->v[i].qty;
	return ahead;
}

static void
ref_clear(struct ref_book *r)
{
	r->side[0].n = r->side[1].n = 0;
}

static void
ref_free(struct ref_book *r)
{
	free(r->side[0].v);
	free(r->side[1].v);
}

static size_t
ref_count(const struct ref_book *r)
{
	return (size_t)(r->side[0].n + r->side[1].n);
}

/* The state the generator works from: a drifting mid and fresh ids. */
struct diff_gen {
	int64_t mid;
	uint64_t next_id;
};

static const int64_t diff_regimes[] = {
	12, 1000, 1000000007LL, 4000000000000000000LL, INT64_MAX - 30,
};

/* mid + off, kept inside int64 (it may still be <= 0 on purpose). */
static int64_t
diff_px(const struct diff_gen *g, int64_t off)
{
	if (off > 0 && g->mid > INT64_MAX - off)
		return INT64_MAX;
	return g->mid + off;
}

static int64_t
diff_pick_px(const struct diff_gen *g, int side)
{
	int64_t r = diff_below(1000);

	if (r < 4)
		return INT64_MAX - diff_below(3);
	if (r < 8)
		return 1 + diff_below(3);
	if (r < 12)
		return 1 + (int64_t)(diff_next() >> 1) % INT64_MAX;
	/* Bids mostly below the mid, asks mostly above, dense near the mid
	 * with a tail some fifty ticks deep, and overlapping so that a good
	 * share of orders cross. */
	r = 4 - diff_below(1 + diff_below(56));
	return diff_px(g, side == BOOK_BID ? r : -r);
}

static int64_t
diff_pick_qty(void)
{
	int64_t r = diff_below(100);

	if (r < 90)
		return 1 + diff_below(100);
	if (r < 99)
		return 1 + diff_below(5000);
	return 1 + diff_below(1000000);
}

static uint32_t
diff_pick_owner(void)
{
	return diff_below(2) ? 0 : (uint32_t)(1 + diff_below(4));
}

static uint64_t
diff_pick_id(struct diff_gen *g)
{
	int64_t r = diff_below(100);

	if (r < 85) {
		/* Fresh ids, scrambled so they are not sequential. */
		return (g->next_id++ * 0x9e3779b97f4a7c15ULL) ^
		    0x5555aaaa5555aaaaULL;
	}
	if (r < 98)
		return (uint64_t)diff_below(3000); /* duplicates happen */
	switch (diff_below(3)) {
	case 0:
		return 0;
	case 1:
		return UINT64_MAX;
	}
	return 1ULL << 63;
}

/* A random live order of the reference, or an id that is likely unknown. */
static uint64_t
diff_pick_target(const struct ref_book *r, int *live_side, int *live_idx)
{
	int s = (int)diff_below(2);

	*live_idx = -1;
	if (diff_below(100) < 10 || ref_count(r) == 0)
		return diff_next();
	if (r->side[s].n == 0)
		s = !s;
	*live_side = s;
	*live_idx = (int)diff_below(r->side[s].n);
	return r->side[s].v[*live_idx].id;
}

static void
diff_fail(long op, const char *what, const char *detail)
{
	fail_msg("op %ld (seed %s): %s: %s", op,
	    getenv("TRANCHE_DIFF_SEED") ? getenv("TRANCHE_DIFF_SEED") :
	    "default", what, detail);
}

/* Field by field: the structs have padding that memcmp() would see. */
static int
diff_ev_eq(const struct diff_ev *x, const struct diff_ev *y)
{
	return x->kind == y->kind && x->maker == y->maker &&
	    x->taker == y->taker && x->maker_owner == y->maker_owner &&
	    x->taker_owner == y->taker_owner && x->px == y->px &&
	    x->qty == y->qty && x->aggressor == y->aggressor &&
	    x->maker_left == y->maker_left;
}

static void
diff_compare_logs(long op, const struct diff_log *a, const struct diff_log *e)
{
	char buf[512];
	int i;

	if (a->overflow || e->overflow)
		diff_fail(op, "event log", "more events than the log holds");
	for (i = 0; i < a->n && i < e->n; i++) {
		const struct diff_ev *x = &a->ev[i], *y = &e->ev[i];

		if (diff_ev_eq(x, y))
			continue;
		snprintf(buf, sizeof(buf),
		    "event %d: book {kind %d maker %" PRIu64 "/%u taker %"
		    PRIu64 "/%u px %" PRId64 " qty %" PRId64 " aggr %d left %"
		    PRId64 "} reference {kind %d maker %" PRIu64 "/%u taker %"
		    PRIu64 "/%u px %" PRId64 " qty %" PRId64 " aggr %d left %"
		    PRId64 "}", i, x->kind, x->maker, x->maker_owner, x->taker,
		    x->taker_owner, x->px, x->qty, x->aggressor, x->maker_left,
		    y->kind, y->maker, y->maker_owner, y->taker, y->taker_owner,
		    y->px, y->qty, y->aggressor, y->maker_left);
		diff_fail(op, "trade or self-trade event differs", buf);
	}
	if (a->n != e->n) {
		snprintf(buf, sizeof(buf), "book reported %d events, reference %d",
		    a->n, e->n);
		diff_fail(op, "event count differs", buf);
	}
}

/* The most levels seen on one side, for the summary. */
static int diff_most_levels;

static void
diff_compare_depth(long op, struct book *b, const struct ref_book *r, int n)
{
	static struct book_level x[DIFF_FULL], y[DIFF_FULL];
	char buf[256];
	int s, nx, ny, i;

	for (s = 0; s < 2; s++) {
		nx = book_depth(b, s, x, n);
		ny = ref_depth(r, s, y, n);
		if (nx > diff_most_levels)
			diff_most_levels = nx;
		if (nx != ny) {
			snprintf(buf, sizeof(buf), "side %d: book %d levels, "
			    "reference %d", s, nx, ny);
			diff_fail(op, "depth differs", buf);
		}
		for (i = 0; i < nx; i++) {
			if (x[i].px == y[i].px && x[i].qty == y[i].qty &&
			    x[i].orders == y[i].orders)
				continue;
			snprintf(buf, sizeof(buf), "side %d level %d: book %"
			    PRId64 " x %" PRId64 " (%d orders), reference %"
			    PRId64 " x %" PRId64 " (%d orders)", s, i, x[i].px,
			    x[i].qty, x[i].orders, y[i].px, y[i].qty,
			    y[i].orders);
			diff_fail(op, "depth differs", buf);
		}
	}
}

static void
diff_compare_order(long op, struct book *b, const struct ref_book *r)
{
	struct book_order_info info;
	const struct ref_ord *o;
	char buf[256];
	int64_t qa, qe;
	uint64_t id;
	int s = 0, idx;

	id = diff_pick_target(r, &s, &idx);
	if (idx < 0) {
		if (ref_find(r, id, &s) >= 0)
			return;
		if (book_queue_ahead(b, id) != BOOK_ENOENT ||
		    book_order(b, id, &info) != BOOK_ENOENT) {
			snprintf(buf, sizeof(buf), "id %" PRIu64, id);
			diff_fail(op, "unknown id was found", buf);
		}
		return;
	}
	o = &r->side[s].v[idx];
	qa = book_queue_ahead(b, id);
	qe = ref_queue_ahead(r, s, idx);
	if (qa != qe) {
		snprintf(buf, sizeof(buf), "id %" PRIu64 ": book %" PRId64
		    ", reference %" PRId64, id, qa, qe);
		diff_fail(op, "queue_ahead differs", buf);
	}
	if (book_order(b, id, &info) != BOOK_OK || info.side != s ||
	    info.px != o->px || info.qty != o->qty || info.owner != o->owner) {
		snprintf(buf, sizeof(buf), "id %" PRIu64 ": reference side %d "
		    "px %" PRId64 " qty %" PRId64 " owner %u", id, s, o->px,
		    o->qty, o->owner);
		diff_fail(op, "book_order differs", buf);
	}
}

static void
diff_check_rc(long op, const char *call, int rb, int rr, int64_t vb,
    int64_t vr)
{
	char buf[256];

	if (rb == rr && vb == vr)
		return;
	snprintf(buf, sizeof(buf), "book returned %d with %" PRId64
	    ", reference %d with %" PRId64, rb, vb, rr, vr);
	diff_fail(op, call, buf);
}

static void
book_matches_reference_over_random_ops(void **state)
{
	static struct diff_log lb, lr;
	struct book_cbs cbs = { diff_on_trade, diff_on_stp, &lb };
	struct ref_book ref = { 0 };
	struct diff_gen g = { 1000, 1 };
	struct book *b;
	const char *env;
	long ops = DIFF_OPS, op;
	int64_t fb, fr, px, qty, r;
	uint64_t id;
	int rb, rr, side, tif, s = 0, idx;
	uint32_t owner;
	char buf[64];
	long trades = 0, stps = 0, rcs[6] = { 0 };
	size_t most = 0;

	(void)state;
	diff_rng = DIFF_SEED;
	if ((env = getenv("TRANCHE_DIFF_SEED")) != NULL)
		diff_rng = strtoull(env, NULL, 0);
	if ((env = getenv("TRANCHE_DIFF_OPS")) != NULL)
		ops = strtol(env, NULL, 0);
	b = book_new();
	assert_non_null(b);
	book_set_cbs(b, &cbs);

	for (op = 0; op < ops; op++) {
		lb.n = lr.n = 0;
		fb = fr = 0;

		if (op % 100000 == 0) {
			g.mid = diff_regimes[diff_below(
			    sizeof(diff_regimes) / sizeof(diff_regimes[0]))];
		} else if (diff_below(16) == 0) {
			g.mid += diff_below(2) ? 1 : -1;
			if (g.mid > INT64_MAX - 30)
				g.mid = INT64_MAX - 30;
		}
		if (op % 250000 == 249999) {
			book_clear(b);
			ref_clear(&ref);
		}

		/* Every other stretch of 20000 operations builds the book up
		 * (few cancels, few orders that take) instead of churning. */
		r = diff_below(1000);
		if ((op / 20000) % 2 == 1 && r >= 400 && diff_below(3))
			r = diff_below(400);
		if (ref_count(&ref) > DIFF_HIGH && r < 530 && diff_below(2))
			r = 600;
		side = (int)diff_below(2);
		owner = diff_pick_owner();

		if (r < 530) {
			/* An add: mostly GTC, some IOC and market. */
			tif = r < 400 ? BOOK_GTC : r < 480 ? BOOK_IOC :
			    BOOK_MARKET;
			px = diff_pick_px(&g, side);
			if (tif == BOOK_MARKET && diff_below(2))
				px = diff_below(3) - 1; /* ignored */
			qty = diff_pick_qty();
			if (tif == BOOK_MARKET && diff_below(1000) == 0)
				qty = INT64_MAX; /* sweep the side */
			id = diff_pick_id(&g);
			rb = book_add(b, id, side, px, qty, tif, owner, &fb);
			rr = ref_add(&ref, &lr, id, side, px, qty, tif, owner,
			    &fr);
			diff_check_rc(op, "book_add", rb, rr, fb, fr);
		} else if (r < 780) {
			id = diff_pick_target(&ref, &s, &idx);
			rb = book_cancel(b, id, &fb);
			rr = ref_cancel(&ref, id, &fr);
			diff_check_rc(op, "book_cancel", rb, rr, fb, fr);
		} else if (r < 860) {
			id = diff_pick_target(&ref, &s, &idx);
			qty = idx >= 0 ? ref.side[s].v[idx].qty : 10;
			qty = diff_below(qty + 5) + (diff_below(50) ? 1 : -1);
			rb = book_reduce(b, id, qty);
			rr = ref_reduce(&ref, id, qty);
			diff_check_rc(op, "book_reduce", rb, rr, 0, 0);
		} else if (r < 980) {
			id = diff_pick_target(&ref, &s, &idx);
			px = idx >= 0 ? ref.side[s].v[idx].px : g.mid;
			qty = idx >= 0 ? ref.side[s].v[idx].qty : 10;
			switch (diff_below(6)) {
			case 0: /* smaller, same price */
				qty = 1 + diff_below(qty);
				break;
			case 1: /* larger, same price */
				qty += 1 + diff_below(50);
				break;
			case 2: /* new price near the mid */
				px = diff_pick_px(&g, idx >= 0 ? s : side);
				break;
			case 3: /* new price and size */
				px = diff_pick_px(&g, !side);
				qty = diff_pick_qty();
				break;
			case 4: /* a tick away */
				px += px < INT64_MAX && diff_below(2) ? 1 : -1;
				break;
			default: /* the same; or, rarely, bad */
				if (diff_below(20) == 0)
					qty = -diff_below(2);
				if (diff_below(20) == 0)
					px = -diff_below(2);
				break;
			}
			rb = book_modify(b, id, px, qty, &fb);
			rr = ref_modify(&ref, &lr, id, px, qty, &fr);
			diff_check_rc(op, "book_modify", rb, rr, fb, fr);
		} else {
			/* Bad arguments of every kind. */
			px = diff_pick_px(&g, side);
			qty = diff_pick_qty();
			tif = (int)diff_below(3);
			switch (diff_below(5)) {
			case 0:
				side = diff_below(2) ? 2 : -1;
				break;
			case 1:
				tif = diff_below(2) ? 3 : -1;
				break;
			case 2:
				qty = -diff_below(3);
				break;
			case 3:
				px = -diff_below(3);
				tif = diff_below(2) ? BOOK_GTC : BOOK_IOC;
				break;
			default:
				qty = INT64_MIN;
				break;
			}
			id = diff_pick_id(&g);
			rb = book_add(b, id, side, px, qty, tif, owner, &fb);
			rr = ref_add(&ref, &lr, id, side, px, qty, tif, owner,
			    &fr);
			diff_check_rc(op, "book_add (bad arguments)", rb, rr, fb,
			    fr);
		}

		diff_compare_logs(op, &lb, &lr);
		for (idx = 0; idx < lb.n; idx++) {
			trades += lb.ev[idx].kind == 0;
			stps += lb.ev[idx].kind == 1;
		}
		if (rb <= 0 && rb >= -5)
			rcs[-rb]++;
		if (ref_count(&ref) > most)
			most = ref_count(&ref);
		if (book_order_count(b) != ref_count(&ref)) {
			snprintf(buf, sizeof(buf), "book %zu, reference %zu",
			    book_order_count(b), ref_count(&ref));
			diff_fail(op, "order count differs", buf);
		}
		diff_compare_depth(op, b, &ref, DIFF_DEPTH);
		if (op % 8 == 0)
			diff_compare_order(op, b, &ref);
		if (op % 1000 == 0)
			diff_compare_depth(op, b, &ref, DIFF_FULL);
	}
	print_message("%ld operations matched the reference: %ld trades, "
	    "%ld self-trade cancels, %ld ok, %ld EINVAL, %ld EDUP, %ld ENOENT, "
	    "at most %zu live orders and %d levels a side\n", ops, trades, stps,
	    rcs[0], rcs[1], rcs[2], rcs[3], most, diff_most_levels);
	book_free(b);
	ref_free(&ref);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(book_matches_reference_over_random_ops),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
