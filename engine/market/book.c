/*
 * engine/market/book.c -- the limit order book: price-time priority over
 * integer ticks and shares, built to do tens of millions of operations a
 * second on one core without allocating once it has warmed up.
 *
 * Orders live in a pool (an array with a free list threaded through it) and
 * are addressed by 32-bit indices, so growing the pool with realloc() moves
 * nothing that anyone points at.  Each price level holds its orders in an
 * intrusive doubly-linked FIFO list (head is the oldest), its total size and
 * its order count.  Levels live in a second pool of the same kind, so an
 * order knows its level by index and a cancel reaches it without a search
 * (only a cancel that empties its level searches, to take the level out).
 *
 * Each side keeps a "ladder": an array of (key, level) sorted by key with
 * the BEST price at the END.  The key is the price for bids and minus the
 * price for asks, so on both sides a larger key is a better price and one
 * piece of code serves both.  Almost all activity happens near the touch,
 * which is the cheap end: taking or adding the best level is a pop or a
 * push, and a level a few ticks behind costs a memmove of a few entries.  A
 * level is found by scanning the last few entries and then, for deep prices,
 * by a branch-free binary search.  Prices are used only in comparisons, so any positive
 * int64 price works and memory follows the number of live levels, not the
 * price range.
 *
 * Ids are arbitrary uint64 chosen by the caller, so id -> order goes through
 * an open-addressing hash table with linear probing, a full 64-bit mixer
 * and a load factor of at most one half.  Deletion shifts the following
 * entries back instead of leaving tombstones, so a long session of adds and
 * cancels never degrades the probes.  Each slot keeps the mixed hash so that
 * shifting and growing never recompute it.
 *
 * Nothing on the hot path allocates: an order that may rest reserves its
 * order slot, hash room and level room before it trades, so running out of
 * memory is reported as BOOK_ENOMEM before anything has happened, never
 * half way through a match.  Level totals are checked against int64
 * overflow before an order joins a level, so sums stay exact.
 *
 * Matching always takes the head order of the best opposite level, updates
 * the book completely (including dropping an emptied level and forgetting a
 * filled maker) and only then calls the callback, so a callback that looks
 * at the book sees it in a consistent state.  The incoming order (or the
 * order being modified to a new price) is not in the book while it
 * matches: book_order() says BOOK_ENOENT for it until what is left rests.
 * Callbacks must not change the book: while one runs, every mutating call
 * returns BOOK_EINVAL (and book_clear() does nothing) instead of corrupting
 * the match in progress.
 */
#include <stdlib.h>
#include <string.h>

#include "engine/market/book.h"

#define BOOK_NIL UINT32_MAX

/* Keeps every per-level order count within int32 and every index below
 * BOOK_NIL. */
#define BOOK_MAX_ORDERS ((uint32_t)INT32_MAX)

/* How many entries at the best end of a ladder are scanned before a binary
 * search takes over. */
#define BOOK_SCAN 8

#define BOOK_INIT_ORDERS 64
#define BOOK_INIT_LEVELS 16
#define BOOK_INIT_SLOTS 128

#define book_likely(x) __builtin_expect(!!(x), 1)
#define book_unlikely(x) __builtin_expect(!!(x), 0)

struct book_ord {
	uint64_t id;
	int64_t qty;   /* remaining */
	uint32_t next; /* towards the back of the queue; free-list link */
	uint32_t prev; /* towards the front of the queue */
	uint32_t lvl;
	uint32_t owner;
};

struct book_lvl {
	int64_t px;
	int64_t qty;
	uint32_t head; /* oldest order; free-list link when unused */
	uint32_t tail;
	int32_t count;
	int32_t side;
};

struct book_ent {
	int64_t key; /* px for bids, -px for asks: larger is better */
	uint32_t lvl;
};

struct book_ladder {
	struct book_ent *v; /* ascending keys, best at v[n - 1] */
	uint32_t n;
	uint32_t cap;
};

struct book_slot {
	uint64_t id;
	uint32_t ord; /* BOOK_NIL marks an empty slot */
	uint32_t hash;
};

struct book {
	struct book_ord *ords;
	uint32_t ocap;
	uint32_t ofree;

	struct book_lvl *lvls;
	uint32_t lcap;
	uint32_t lfree;

	struct book_slot *slots;
	size_t mask; /* slot count - 1; the count is a power of two */
	size_t live; /* live orders, which is also the hash's entry count */

	struct book_ladder ladder[2];
	struct book_cbs cbs;
	int busy; /* a callback is running */
};

static inline uint32_t
book_mix(uint64_t x)
{
	/* The MurmurHash3 finaliser: every input bit reaches every output
	 * bit, so sequential, strided or high-bit-only ids spread evenly. */
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return (uint32_t)x;
}

static inline int64_t
book_key(int side, int64_t px)
{
	return side == BOOK_BID ? px : -px;
}

/* The slot holding id, or the empty slot where it would go. */
static inline size_t
book_hash_slot(const struct book *b, uint64_t id, uint32_t h)
{
	size_t i = h & b->mask;

	for (;;) {
		const struct book_slot *s = &b->slots[i];

		if (s->ord == BOOK_NIL || s->id == id)
			return i;
		i = (i + 1) & b->mask;
	}
}

static inline void
book_hash_put(struct book *b, size_t i, uint64_t id, uint32_t h, uint32_t oi)
{
	b->slots[i].id = id;
	b->slots[i].ord = oi;
	b->slots[i].hash = h;
	b->live++;
}

/*
 * Empty slot i and close the gap: each later entry of the same probe run
 * moves back into the hole unless its home lies between the hole and where
 * it sits, in which case moving it would put it before its home.
 */
static void
book_hash_del(struct book *b, size_t i)
{
	size_t j = i, mask = b->mask, home;

	for (;;) {
		j = (j + 1) & mask;
		if (b->slots[j].ord == BOOK_NIL)
			break;
		home = b->slots[j].hash & mask;
		if (((j - home) & mask) >= ((j - i) & mask)) {
			b->slots[i] = b->slots[j];
			i = j;
		}
	}
	b->slots[i].ord = BOOK_NIL;
	b->live--;
}

static int
book_hash_grow(struct book *b)
{
	size_t ncap = (b->mask + 1) * 2, nmask = ncap - 1, i, j;
	struct book_slot *ns;

	ns = malloc(ncap * sizeof(*ns));
	if (ns == NULL)
		return BOOK_ENOMEM;
	memset(ns, 0xff, ncap * sizeof(*ns));
	for (i = 0; i <= b->mask; i++) {
		if (b->slots[i].ord == BOOK_NIL)
			continue;
		j = b->slots[i].hash & nmask;
		while (ns[j].ord != BOOK_NIL)
			j = (j + 1) & nmask;
		ns[j] = b->slots[i];
	}
	free(b->slots);
	b->slots = ns;
	b->mask = nmask;
	return BOOK_OK;
}

static int
book_ords_grow(struct book *b)
{
	uint32_t old = b->ocap, ncap, i;
	struct book_ord *p;

	if (old >= BOOK_MAX_ORDERS)
		return BOOK_ENOMEM;
	ncap = old > BOOK_MAX_ORDERS / 2 ? BOOK_MAX_ORDERS : old * 2;
	p = realloc(b->ords, (size_t)ncap * sizeof(*p));
	if (p == NULL)
		return BOOK_ENOMEM;
	for (i = old; i < ncap; i++)
		p[i].next = i + 1 < ncap ? i + 1 : b->ofree;
	b->ords = p;
	b->ocap = ncap;
	b->ofree = old;
	return BOOK_OK;
}

static int
book_lvls_grow(struct book *b)
{
	uint32_t old = b->lcap, ncap, i;
	struct book_lvl *p;

	/* There are never more levels than orders plus one being built. */
	if (old > BOOK_MAX_ORDERS)
		return BOOK_ENOMEM;
	ncap = old > BOOK_MAX_ORDERS / 2 ? BOOK_MAX_ORDERS + 1 : old * 2;
	p = realloc(b->lvls, (size_t)ncap * sizeof(*p));
	if (p == NULL)
		return BOOK_ENOMEM;
	for (i = old; i < ncap; i++)
		p[i].head = i + 1 < ncap ? i + 1 : b->lfree;
	b->lvls = p;
	b->lcap = ncap;
	b->lfree = old;
	return BOOK_OK;
}

static int
book_ladder_grow(struct book_ladder *ld)
{
	uint32_t ncap;
	struct book_ent *p;

	if (ld->cap > BOOK_MAX_ORDERS)
		return BOOK_ENOMEM;
	ncap = ld->cap > BOOK_MAX_ORDERS / 2 ? BOOK_MAX_ORDERS + 1 : ld->cap * 2;
	p = realloc(ld->v, (size_t)ncap * sizeof(*p));
	if (p == NULL)
		return BOOK_ENOMEM;
	ld->v = p;
	ld->cap = ncap;
	return BOOK_OK;
}

/* Whether one more order can rest on side without allocating. */
static inline int
book_has_room(const struct book *b, int side)
{
	return b->ofree != BOOK_NIL && b->lfree != BOOK_NIL &&
	    b->ladder[side].n < b->ladder[side].cap &&
	    (b->live + 1) * 2 <= b->mask + 1;
}

static int
book_reserve(struct book *b, int side)
{
	if (b->ofree == BOOK_NIL && book_ords_grow(b) != 0)
		return BOOK_ENOMEM;
	if (b->lfree == BOOK_NIL && book_lvls_grow(b) != 0)
		return BOOK_ENOMEM;
	if (b->ladder[side].n == b->ladder[side].cap &&
	    book_ladder_grow(&b->ladder[side]) != 0)
		return BOOK_ENOMEM;
	if ((b->live + 1) * 2 > b->mask + 1 && book_hash_grow(b) != 0)
		return BOOK_ENOMEM;
	return BOOK_OK;
}

/*
 * Where key is in the ladder (*found set) or where it would be inserted.
 * Activity clusters at the touch, so the best end is scanned first.
 */
static inline uint32_t
book_ladder_find(const struct book_ladder *ld, int64_t key, int *found)
{
	uint32_t i = ld->n, stop = ld->n > BOOK_SCAN ? ld->n - BOOK_SCAN : 0;
	uint32_t len, half, pos;
	const struct book_ent *base;

	while (i > stop) {
		int64_t k = ld->v[i - 1].key;

		if (k == key) {
			*found = 1;
			return i - 1;
		}
		if (k < key) {
			*found = 0;
			return i;
		}
		i--;
	}
	if (i == 0) {
		*found = 0;
		return 0;
	}
	/* A branch-free lower bound over v[0, i): the comparisons are
	 * unpredictable, so a conditional move beats a branch. */
	base = ld->v;
	for (len = i; len > 1; len -= half) {
		half = len / 2;
		base = base[half].key < key ? base + half : base;
	}
	pos = (uint32_t)(base - ld->v) + (base->key < key);
	*found = pos < i && ld->v[pos].key == key;
	return pos;
}

/* Take an emptied level out of its ladder and back to the free list. */
static void
book_level_drop(struct book *b, uint32_t li)
{
	struct book_lvl *l = &b->lvls[li];
	struct book_ladder *ld = &b->ladder[l->side];
	uint32_t pos;
	int found;

	pos = book_ladder_find(ld, book_key(l->side, l->px), &found);
	memmove(&ld->v[pos], &ld->v[pos + 1],
	    (size_t)(ld->n - pos - 1) * sizeof(*ld->v));
	ld->n--;
	l->head = b->lfree;
	b->lfree = li;
}

static inline void
book_link_tail(struct book *b, uint32_t li, uint32_t oi)
{
	struct book_lvl *l = &b->lvls[li];
	struct book_ord *o = &b->ords[oi];

	o->lvl = li;
	o->next = BOOK_NIL;
	o->prev = l->tail;
	if (l->tail != BOOK_NIL)
		b->ords[l->tail].next = oi;
	else
		l->head = oi;
	l->tail = oi;
	l->count++;
	l->qty += o->qty;
}

/* Take an order out of its level, dropping the level if it empties. */
static inline void
book_unlink(struct book *b, uint32_t oi)
{
	struct book_ord *o = &b->ords[oi];
	struct book_lvl *l = &b->lvls[o->lvl];

	if (o->prev != BOOK_NIL)
		b->ords[o->prev].next = o->next;
	else
		l->head = o->next;
	if (o->next != BOOK_NIL)
		b->ords[o->next].prev = o->prev;
	else
		l->tail = o->prev;
	l->qty -= o->qty;
	l->count--;
	if (l->count == 0)
		book_level_drop(b, o->lvl);
}

static inline void
book_ord_free(struct book *b, uint32_t oi)
{
	b->ords[oi].next = b->ofree;
	b->ofree = oi;
}

/* Remove the live order in hash slot i from the book entirely. */
static inline void
book_remove(struct book *b, size_t i)
{
	uint32_t oi = b->slots[i].ord;

	book_hash_del(b, i);
	book_unlink(b, oi);
	book_ord_free(b, oi);
}

/*
 * Rest an order that does not cross.  The caller has reserved room and
 * checked that id is not live; slot is the empty hash slot for id.  Fails
 * (BOOK_EINVAL, nothing changed) only if the level's total would overflow.
 */
static int
book_rest(struct book *b, uint64_t id, uint32_t h, size_t slot, int side,
    int64_t px, int64_t qty, uint32_t owner)
{
	struct book_ladder *ld = &b->ladder[side];
	int64_t key = book_key(side, px);
	struct book_lvl *l;
	struct book_ord *o;
	uint32_t pos, li, oi;
	int found;

	pos = book_ladder_find(ld, key, &found);
	if (found) {
		li = ld->v[pos].lvl;
		if (book_unlikely(b->lvls[li].qty > INT64_MAX - qty))
			return BOOK_EINVAL;
	} else {
		li = b->lfree;
		l = &b->lvls[li];
		b->lfree = l->head;
		l->px = px;
		l->qty = 0;
		l->head = l->tail = BOOK_NIL;
		l->count = 0;
		l->side = side;
		memmove(&ld->v[pos + 1], &ld->v[pos],
		    (size_t)(ld->n - pos) * sizeof(*ld->v));
		ld->v[pos].key = key;
		ld->v[pos].lvl = li;
		ld->n++;
	}
	oi = b->ofree;
	o = &b->ords[oi];
	b->ofree = o->next;
	o->id = id;
	o->qty = qty;
	o->owner = owner;
	book_link_tail(b, li, oi);
	book_hash_put(b, slot, id, h, oi);
	return BOOK_OK;
}

/*
 * Trade an incoming order against the opposite side while it crosses lim.
 * Each step takes the head of the best level: a maker of the same non-zero
 * owner is cancelled (self-trade prevention), any other trades.  The book is
 * updated before each callback.  Returns what is left of qty.
 */
static int64_t
book_match(struct book *b, int side, int64_t lim, int64_t qty, uint64_t id,
    uint32_t owner)
{
	struct book_ladder *ld = &b->ladder[side ^ 1];
	struct book_trade tr;
	struct book_lvl *l;
	struct book_ord *o;
	uint32_t li, oi;
	uint64_t mid;
	int64_t rem = qty, t, mq = 0;
	int stp;

	memset(&tr, 0, sizeof(tr));
	b->busy = 1;
	while (rem > 0 && ld->n > 0) {
		li = ld->v[ld->n - 1].lvl;
		l = &b->lvls[li];
		if (side == BOOK_BID ? l->px > lim : l->px < lim)
			break;
		oi = l->head;
		o = &b->ords[oi];
		mid = o->id;
		stp = owner != BOOK_OWNER_NONE && o->owner == owner;
		if (stp) {
			mq = o->qty;
			l->qty -= mq;
			o->qty = 0;
		} else {
			t = rem < o->qty ? rem : o->qty;
			rem -= t;
			o->qty -= t;
			l->qty -= t;
			tr.maker_id = mid;
			tr.taker_id = id;
			tr.maker_owner = o->owner;
			tr.taker_owner = owner;
			tr.px = l->px;
			tr.qty = t;
			tr.aggressor = side;
			tr.maker_left = o->qty;
		}
		if (o->qty == 0) {
			l->head = o->next;
			if (o->next != BOOK_NIL)
				b->ords[o->next].prev = BOOK_NIL;
			else
				l->tail = BOOK_NIL;
			if (--l->count == 0) {
				/* The best level is the last entry. */
				ld->n--;
				l->head = b->lfree;
				b->lfree = li;
			}
			book_hash_del(b, book_hash_slot(b, mid, book_mix(mid)));
			book_ord_free(b, oi);
		}
		if (stp) {
			if (b->cbs.stp != NULL)
				b->cbs.stp(b->cbs.arg, mid, owner, mq);
		} else if (b->cbs.trade != NULL)
			b->cbs.trade(b->cbs.arg, &tr);
	}
	b->busy = 0;
	return rem;
}

/*
 * Trade what crosses and rest the remainder of a GTC order.  The caller has
 * validated everything, made sure id is not live (slot is its empty hash
 * slot) and, for GTC, reserved room.
 */
static int
book_place(struct book *b, uint64_t id, uint32_t h, size_t slot, int side,
    int64_t px, int64_t qty, int tif, uint32_t owner, int64_t *filled)
{
	const struct book_ladder *opp = &b->ladder[side ^ 1];
	int64_t lim, best, rem;

	if (tif == BOOK_MARKET)
		lim = side == BOOK_BID ? INT64_MAX : INT64_MIN;
	else
		lim = px;
	if (opp->n == 0)
		goto passive;
	best = b->lvls[opp->v[opp->n - 1].lvl].px;
	if (side == BOOK_BID ? best > lim : best < lim)
		goto passive;

	rem = book_match(b, side, lim, qty, id, owner);
	if (filled != NULL)
		*filled = qty - rem;
	if (rem > 0 && tif == BOOK_GTC) {
		/* Matching moved hash entries; find the slot again.  The rest
		 * opens a new best level, so its total cannot overflow. */
		slot = book_hash_slot(b, id, h);
		return book_rest(b, id, h, slot, side, px, rem, owner);
	}
	return BOOK_OK;

passive:
	if (tif != BOOK_GTC)
		return BOOK_OK;
	return book_rest(b, id, h, slot, side, px, qty, owner);
}

static void
book_init_free_lists(struct book *b)
{
	uint32_t i;

	for (i = 0; i < b->ocap; i++)
		b->ords[i].next = i + 1 < b->ocap ? i + 1 : BOOK_NIL;
	b->ofree = 0;
	for (i = 0; i < b->lcap; i++)
		b->lvls[i].head = i + 1 < b->lcap ? i + 1 : BOOK_NIL;
	b->lfree = 0;
	memset(b->slots, 0xff, (b->mask + 1) * sizeof(*b->slots));
	b->live = 0;
	b->ladder[0].n = b->ladder[1].n = 0;
}

struct book *
book_new(void)
{
	struct book *b;
	int s;

	b = calloc(1, sizeof(*b));
	if (b == NULL)
		return NULL;
	b->ocap = BOOK_INIT_ORDERS;
	b->lcap = BOOK_INIT_LEVELS;
	b->mask = BOOK_INIT_SLOTS - 1;
	b->ords = malloc(b->ocap * sizeof(*b->ords));
	b->lvls = malloc(b->lcap * sizeof(*b->lvls));
	b->slots = malloc(BOOK_INIT_SLOTS * sizeof(*b->slots));
	for (s = 0; s < 2; s++) {
		b->ladder[s].cap = BOOK_INIT_LEVELS;
		b->ladder[s].v = malloc(BOOK_INIT_LEVELS * sizeof(*b->ladder[s].v));
	}
	if (b->ords == NULL || b->lvls == NULL || b->slots == NULL ||
	    b->ladder[0].v == NULL || b->ladder[1].v == NULL) {
		book_free(b);
		return NULL;
	}
	book_init_free_lists(b);
	return b;
}

void
book_free(struct book *b)
{
	if (b == NULL)
		return;
	free(b->ords);
	free(b->lvls);
	free(b->slots);
	free(b->ladder[0].v);
	free(b->ladder[1].v);
	free(b);
}

void
book_clear(struct book *b)
{
	/* Clearing under a running match would pull the book out from under
	 * it, so a callback's attempt is ignored. */
	if (b == NULL || b->busy)
		return;
	book_init_free_lists(b);
}

void
book_set_cbs(struct book *b, const struct book_cbs *cbs)
{
	if (b == NULL)
		return;
	if (cbs != NULL)
		b->cbs = *cbs;
	else
		memset(&b->cbs, 0, sizeof(b->cbs));
}

int
book_add(struct book *b, uint64_t id, int side, int64_t px, int64_t qty,
    int tif, uint32_t owner, int64_t *filled)
{
	uint32_t h;
	size_t slot;

	if (filled != NULL)
		*filled = 0;
	if (book_unlikely(b == NULL || (unsigned)side > BOOK_ASK ||
	    (unsigned)tif > BOOK_MARKET || qty <= 0 ||
	    (tif != BOOK_MARKET && px <= 0) || b->busy))
		return BOOK_EINVAL;
	if (tif == BOOK_GTC && book_unlikely(!book_has_room(b, side)) &&
	    book_reserve(b, side) != 0)
		return BOOK_ENOMEM;
	h = book_mix(id);
	slot = book_hash_slot(b, id, h);
	if (b->slots[slot].ord != BOOK_NIL)
		return BOOK_EDUP;
	return book_place(b, id, h, slot, side, px, qty, tif, owner, filled);
}

int
book_cancel(struct book *b, uint64_t id, int64_t *qty)
{
	size_t i;

	if (qty != NULL)
		*qty = 0;
	if (b == NULL || b->busy)
		return BOOK_EINVAL;
	i = book_hash_slot(b, id, book_mix(id));
	if (b->slots[i].ord == BOOK_NIL)
		return BOOK_ENOENT;
	if (qty != NULL)
		*qty = b->ords[b->slots[i].ord].qty;
	book_remove(b, i);
	return BOOK_OK;
}

int
book_reduce(struct book *b, uint64_t id, int64_t by)
{
	struct book_ord *o;
	size_t i;

	if (b == NULL || by <= 0 || b->busy)
		return BOOK_EINVAL;
	i = book_hash_slot(b, id, book_mix(id));
	if (b->slots[i].ord == BOOK_NIL)
		return BOOK_ENOENT;
	o = &b->ords[b->slots[i].ord];
	if (by >= o->qty) {
		book_remove(b, i);
		return BOOK_OK;
	}
	o->qty -= by;
	b->lvls[o->lvl].qty -= by;
	return BOOK_OK;
}

int
book_modify(struct book *b, uint64_t id, int64_t px, int64_t qty,
    int64_t *filled)
{
	struct book_ord *o;
	struct book_lvl *l;
	const struct book_ladder *opp;
	uint32_t h, oi, owner;
	size_t i;
	int side, found, crosses;
	int64_t best;
	uint32_t pos;

	if (filled != NULL)
		*filled = 0;
	if (b == NULL || px <= 0 || qty <= 0 || b->busy)
		return BOOK_EINVAL;
	h = book_mix(id);
	i = book_hash_slot(b, id, h);
	if (b->slots[i].ord == BOOK_NIL)
		return BOOK_ENOENT;
	oi = b->slots[i].ord;
	o = &b->ords[oi];
	l = &b->lvls[o->lvl];
	side = l->side;

	if (px == l->px) {
		if (qty <= o->qty) {
			/* Smaller (or the same) at the same price keeps its
			 * place in the queue. */
			l->qty -= o->qty - qty;
			o->qty = qty;
			return BOOK_OK;
		}
		/* Larger: to the back of the same queue.  A resting order
		 * never crosses, so nothing can trade. */
		if (l->qty - o->qty > INT64_MAX - qty)
			return BOOK_EINVAL;
		if (o->next != BOOK_NIL) {
			if (o->prev != BOOK_NIL)
				b->ords[o->prev].next = o->next;
			else
				l->head = o->next;
			b->ords[o->next].prev = o->prev;
			o->prev = l->tail;
			o->next = BOOK_NIL;
			b->ords[l->tail].next = oi;
			l->tail = oi;
		}
		l->qty += qty - o->qty;
		o->qty = qty;
		return BOOK_OK;
	}

	/*
	 * A new price: the order leaves its queue and comes back as a fresh
	 * GTC order with the same id and owner.  Everything that could fail
	 * is checked first so that a failure changes nothing.
	 */
	if (!book_has_room(b, side) && book_reserve(b, side) != 0)
		return BOOK_ENOMEM;
	opp = &b->ladder[side ^ 1];
	crosses = 0;
	if (opp->n > 0) {
		best = b->lvls[opp->v[opp->n - 1].lvl].px;
		crosses = side == BOOK_BID ? best <= px : best >= px;
	}
	if (!crosses) {
		pos = book_ladder_find(&b->ladder[side], book_key(side, px),
		    &found);
		if (found && b->lvls[b->ladder[side].v[pos].lvl].qty >
		    INT64_MAX - qty)
			return BOOK_EINVAL;
	}
	/* Reserving may have moved the pool and the hash table. */
	owner = b->ords[oi].owner;
	book_remove(b, book_hash_slot(b, id, h));
	return book_place(b, id, h, book_hash_slot(b, id, h), side, px, qty,
	    BOOK_GTC, owner, filled);
}

int
book_best(const struct book *b, int side, int64_t *px, int64_t *qty)
{
	const struct book_ladder *ld;
	const struct book_lvl *l;

	if (b == NULL || (unsigned)side > BOOK_ASK)
		return BOOK_EINVAL;
	ld = &b->ladder[side];
	if (ld->n == 0)
		return BOOK_EEMPTY;
	l = &b->lvls[ld->v[ld->n - 1].lvl];
	if (px != NULL)
		*px = l->px;
	if (qty != NULL)
		*qty = l->qty;
	return BOOK_OK;
}

int
book_depth(const struct book *b, int side, struct book_level *out, int n)
{
	const struct book_ladder *ld;
	const struct book_lvl *l;
	int k;

	if (b == NULL || (unsigned)side > BOOK_ASK || n < 0 ||
	    (n > 0 && out == NULL))
		return BOOK_EINVAL;
	ld = &b->ladder[side];
	if ((uint32_t)n > ld->n)
		n = (int)ld->n;
	for (k = 0; k < n; k++) {
		l = &b->lvls[ld->v[ld->n - 1 - (uint32_t)k].lvl];
		out[k].px = l->px;
		out[k].qty = l->qty;
		out[k].orders = l->count;
	}
	return n;
}

int
book_order(const struct book *b, uint64_t id, struct book_order_info *out)
{
	const struct book_ord *o;
	const struct book_lvl *l;
	size_t i;

	if (b == NULL)
		return BOOK_EINVAL;
	i = book_hash_slot(b, id, book_mix(id));
	if (b->slots[i].ord == BOOK_NIL)
		return BOOK_ENOENT;
	if (out != NULL) {
		o = &b->ords[b->slots[i].ord];
		l = &b->lvls[o->lvl];
		out->side = l->side;
		out->px = l->px;
		out->qty = o->qty;
		out->owner = o->owner;
	}
	return BOOK_OK;
}

int64_t
book_queue_ahead(const struct book *b, uint64_t id)
{
	const struct book_ord *o;
	int64_t ahead = 0;
	uint32_t oi;
	size_t i;

	if (b == NULL)
		return BOOK_EINVAL;
	i = book_hash_slot(b, id, book_mix(id));
	if (b->slots[i].ord == BOOK_NIL)
		return BOOK_ENOENT;
	/* Walking towards the head is bounded by the level's total, which is
	 * known not to overflow. */
	for (oi = b->ords[b->slots[i].ord].prev; oi != BOOK_NIL; oi = o->prev) {
		o = &b->ords[oi];
		ahead += o->qty;
	}
	return ahead;
}

size_t
book_order_count(const struct book *b)
{
	return b != NULL ? b->live : 0;
}

const char *
book_strerror(int err)
{
	switch (err) {
	case BOOK_OK:
		return "The book call succeeded.";
	case BOOK_EINVAL:
		return "The order was invalid: quantities must be > 0, prices "
		    "> 0 unless the order is a market order, the side bid or "
		    "ask and the time in force GTC, IOC or MARKET (or the book "
		    "was changed from inside one of its callbacks).";
	case BOOK_EDUP:
		return "An order with that id is already live in the book.";
	case BOOK_ENOENT:
		return "No live order in the book has that id.";
	case BOOK_EEMPTY:
		return "That side of the book has no orders.";
	case BOOK_ENOMEM:
		return "The book could not allocate memory for the order.";
	}
	return "The book returned an unknown error code.";
}
