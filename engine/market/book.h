/*
 * engine/market/book.h -- a limit order book for one symbol: price-time
 * priority, integer ticks and shares.  This header is the whole API of the
 * book; the simulator, historical replay, the execution layer and the tests
 * all go through it.
 *
 * Matching is synchronous: book_add() and book_modify() report every trade,
 * in the order it happens, through the trade callback before they return.
 * An incoming order never trades with a resting order of the same non-zero
 * owner (self-trade prevention): the resting order is cancelled instead,
 * reported through the stp callback, and matching continues behind it.
 *
 * Callbacks may read the book (book_best, book_depth, book_order ...) but
 * not change it: add, cancel, reduce and modify return BOOK_EINVAL while a
 * callback runs.  The incoming order is not in the book while it matches.
 *
 * Prices are positive int64 ticks; quantities positive int64 shares.  Order
 * ids are chosen by the caller and must be unique among live orders.
 */
#ifndef TRANCHE_MARKET_BOOK_H
#define TRANCHE_MARKET_BOOK_H

#include <stddef.h>
#include <stdint.h>

enum book_side { BOOK_BID = 0, BOOK_ASK = 1 };

enum book_tif {
	BOOK_GTC = 0,    /* rest whatever does not trade at once */
	BOOK_IOC = 1,    /* trade what trades at once, drop the rest */
	BOOK_MARKET = 2, /* IOC with no price limit (px ignored) */
};

/* Error codes; every call returns 0 or one of these (negative). */
enum {
	BOOK_OK = 0,
	BOOK_EINVAL = -1, /* qty <= 0, px <= 0 for a priced order, bad side/tif */
	BOOK_EDUP = -2,   /* id already live */
	BOOK_ENOENT = -3, /* no live order with that id */
	BOOK_EEMPTY = -4, /* that side has no orders */
	BOOK_ENOMEM = -5,
};

#define BOOK_OWNER_NONE 0u /* owner 0 never triggers self-trade prevention */

struct book_trade {
	uint64_t maker_id, taker_id;
	uint32_t maker_owner, taker_owner;
	int64_t px;         /* the resting order's price */
	int64_t qty;
	int aggressor;      /* side of the taker: BOOK_BID means a buy took */
	int64_t maker_left; /* maker's remaining quantity after this trade */
};

struct book_level {
	int64_t px;
	int64_t qty;    /* total shares resting at px */
	int32_t orders; /* number of orders at px */
};

struct book_order_info {
	int side;
	int64_t px;
	int64_t qty; /* remaining */
	uint32_t owner;
};

struct book_cbs {
	void (*trade)(void *arg, const struct book_trade *t);
	/* A resting order cancelled by self-trade prevention. */
	void (*stp)(void *arg, uint64_t id, uint32_t owner, int64_t qty);
	void *arg;
};

struct book;

struct book *book_new(void);
void book_free(struct book *b);
void book_clear(struct book *b); /* remove every order, keep memory */
void book_set_cbs(struct book *b, const struct book_cbs *cbs);

/*
 * Add an order.  Whatever crosses trades at once (trades reported through
 * the callback); what is left rests (GTC) or is dropped (IOC, MARKET).
 * *filled (may be NULL) receives the quantity that traded at once.
 */
int book_add(struct book *b, uint64_t id, int side, int64_t px, int64_t qty,
             int tif, uint32_t owner, int64_t *filled);

/* Remove an order; *qty (may be NULL) receives what was still resting. */
int book_cancel(struct book *b, uint64_t id, int64_t *qty);

/* Partial cancel: take `by` shares off an order, keeping its time priority.
 * Taking off all of it (or more) removes the order. */
int book_reduce(struct book *b, uint64_t id, int64_t by);

/*
 * Change price and/or size.  A smaller size at the same price keeps time
 * priority; a new price or a larger size loses it (the order goes to the
 * back of the queue at its new price and may trade if it now crosses).
 */
int book_modify(struct book *b, uint64_t id, int64_t px, int64_t qty,
                int64_t *filled);

/* Best price and the total size there; BOOK_EEMPTY if the side is empty. */
int book_best(const struct book *b, int side, int64_t *px, int64_t *qty);

/* Up to n levels of one side, best first; returns how many were written. */
int book_depth(const struct book *b, int side, struct book_level *out, int n);

/* Facts about one live order. */
int book_order(const struct book *b, uint64_t id, struct book_order_info *out);

/* Shares resting ahead of an order at its price level (time priority);
 * BOOK_ENOENT if there is no such order. */
int64_t book_queue_ahead(const struct book *b, uint64_t id);

size_t book_order_count(const struct book *b);
const char *book_strerror(int err);

#endif
