/*
 * tests/unit/test-market-book.c -- the order book's contract, one rule per
 * test: priority, the order types, cancel, reduce and modify, self-trade
 * prevention, queue position, what a trade reports, bad input, and limits
 * (extreme prices, overflowing totals, growth, callbacks that try to change
 * the book).  The differential test (test-market-book-diff.c) covers the
 * same ground statistically; these say exactly which rule broke.
 *
 * Every test starts from a fresh book whose callbacks append to a log, and
 * ends by freeing it, so ASan sees every allocation returned.
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine/market/book.h"

#define LOG_MAX 64

struct log_stp {
	uint64_t id;
	uint32_t owner;
	int64_t qty;
};

/* Every event in arrival order: kinds say which array holds the next one. */
struct log {
	struct book_trade trades[LOG_MAX];
	int ntrades;
	struct log_stp stps[LOG_MAX];
	int nstps;
	char kinds[2 * LOG_MAX + 1]; /* 't' or 's' per event */
	int nkinds;
};

struct fixture {
	struct book *b;
	struct log log;
};

static void
log_trade(void *arg, const struct book_trade *t)
{
	struct log *lg = arg;

	if (lg->ntrades < LOG_MAX) {
		lg->trades[lg->ntrades++] = *t;
		lg->kinds[lg->nkinds++] = 't';
	}
}

static void
log_stp(void *arg, uint64_t id, uint32_t owner, int64_t qty)
{
	struct log *lg = arg;

	if (lg->nstps < LOG_MAX) {
		lg->stps[lg->nstps].id = id;
		lg->stps[lg->nstps].owner = owner;
		lg->stps[lg->nstps].qty = qty;
		lg->nstps++;
		lg->kinds[lg->nkinds++] = 's';
	}
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct book_cbs cbs;

	if (f == NULL)
		return -1;
	f->b = book_new();
	if (f->b == NULL) {
		free(f);
		return -1;
	}
	cbs.trade = log_trade;
	cbs.stp = log_stp;
	cbs.arg = &f->log;
	book_set_cbs(f->b, &cbs);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	book_free(f->b);
	free(f);
	return 0;
}

/* A resting order that must be accepted. */
static void
rest(struct book *b, uint64_t id, int side, int64_t px, int64_t qty,
    uint32_t owner)
{
	int64_t filled = -1;

	assert_int_equal(book_add(b, id, side, px, qty, BOOK_GTC, owner,
	    &filled), BOOK_OK);
	assert_int_equal(filled, 0);
}

static void
assert_trade(const struct book_trade *t, uint64_t maker, uint64_t taker,
    int64_t px, int64_t qty, int aggressor, int64_t maker_left)
{
	assert_int_equal(t->maker_id, maker);
	assert_int_equal(t->taker_id, taker);
	assert_int_equal(t->px, px);
	assert_int_equal(t->qty, qty);
	assert_int_equal(t->aggressor, aggressor);
	assert_int_equal(t->maker_left, maker_left);
}

static void
assert_level(const struct book_level *l, int64_t px, int64_t qty,
    int orders)
{
	assert_int_equal(l->px, px);
	assert_int_equal(l->qty, qty);
	assert_int_equal(l->orders, orders);
}

static void
book_new_is_empty(void **state)
{
	struct fixture *f = *state;
	struct book_level lv[4];
	int64_t px = 7, qty = 7;

	assert_int_equal(book_order_count(f->b), 0);
	assert_int_equal(book_best(f->b, BOOK_BID, &px, &qty), BOOK_EEMPTY);
	assert_int_equal(book_best(f->b, BOOK_ASK, &px, &qty), BOOK_EEMPTY);
	assert_int_equal(book_depth(f->b, BOOK_BID, lv, 4), 0);
	assert_int_equal(book_depth(f->b, BOOK_ASK, lv, 4), 0);
	assert_int_equal(book_queue_ahead(f->b, 1), BOOK_ENOENT);
}

static void
book_add_rests_and_reports_depth(void **state)
{
	struct fixture *f = *state;
	struct book_level lv[8];
	struct book_order_info info;
	int64_t px, qty;

	rest(f->b, 1, BOOK_BID, 100, 10, 0);
	rest(f->b, 2, BOOK_BID, 99, 5, 0);
	rest(f->b, 3, BOOK_BID, 100, 7, 0);
	rest(f->b, 4, BOOK_BID, 98, 1, 0);
	rest(f->b, 5, BOOK_ASK, 103, 4, 0);
	rest(f->b, 6, BOOK_ASK, 101, 6, 0);
	assert_int_equal(f->log.nkinds, 0);
	assert_int_equal(book_order_count(f->b), 6);

	assert_int_equal(book_best(f->b, BOOK_BID, &px, &qty), BOOK_OK);
	assert_int_equal(px, 100);
	assert_int_equal(qty, 17);
	assert_int_equal(book_best(f->b, BOOK_ASK, &px, &qty), BOOK_OK);
	assert_int_equal(px, 101);
	assert_int_equal(qty, 6);

	/* Best first on both sides; n limits the output. */
	assert_int_equal(book_depth(f->b, BOOK_BID, lv, 8), 3);
	assert_level(&lv[0], 100, 17, 2);
	assert_level(&lv[1], 99, 5, 1);
	assert_level(&lv[2], 98, 1, 1);
	assert_int_equal(book_depth(f->b, BOOK_BID, lv, 2), 2);
	assert_int_equal(book_depth(f->b, BOOK_BID, lv, 0), 0);
	assert_int_equal(book_depth(f->b, BOOK_ASK, lv, 8), 2);
	assert_level(&lv[0], 101, 6, 1);
	assert_level(&lv[1], 103, 4, 1);

	assert_int_equal(book_order(f->b, 3, &info), BOOK_OK);
	assert_int_equal(info.side, BOOK_BID);
	assert_int_equal(info.px, 100);
	assert_int_equal(info.qty, 7);
	assert_int_equal(info.owner, 0);
	assert_int_equal(book_order(f->b, 3, NULL), BOOK_OK);
}

static void
book_cancel_keeps_time_priority(void **state)
{
	struct fixture *f = *state;
	struct book_level lv[2];
	int64_t left = -1, filled;

	rest(f->b, 1, BOOK_BID, 100, 5, 0);
	rest(f->b, 2, BOOK_BID, 100, 6, 0);
	rest(f->b, 3, BOOK_BID, 100, 7, 0);
	assert_int_equal(book_cancel(f->b, 2, &left), BOOK_OK);
	assert_int_equal(left, 6);
	assert_int_equal(book_cancel(f->b, 2, &left), BOOK_ENOENT);
	assert_int_equal(book_queue_ahead(f->b, 3), 5);

	/* The survivors keep their order: 1 then 3. */
	assert_int_equal(book_add(f->b, 9, BOOK_ASK, 100, 8, BOOK_GTC, 0,
	    &filled), BOOK_OK);
	assert_int_equal(filled, 8);
	assert_int_equal(f->log.ntrades, 2);
	assert_trade(&f->log.trades[0], 1, 9, 100, 5, BOOK_ASK, 0);
	assert_trade(&f->log.trades[1], 3, 9, 100, 3, BOOK_ASK, 4);
	assert_int_equal(book_depth(f->b, BOOK_BID, lv, 2), 1);
	assert_level(&lv[0], 100, 4, 1);

	/* Cancelling the last order removes the level. */
	assert_int_equal(book_cancel(f->b, 3, NULL), BOOK_OK);
	assert_int_equal(book_best(f->b, BOOK_BID, NULL, NULL), BOOK_EEMPTY);
	assert_int_equal(book_order_count(f->b), 0);
}

static void
book_cancel_reports_what_was_left(void **state)
{
	struct fixture *f = *state;
	int64_t left;

	rest(f->b, 1, BOOK_ASK, 50, 10, 0);
	assert_int_equal(book_add(f->b, 2, BOOK_BID, 50, 4, BOOK_IOC, 0, NULL),
	    BOOK_OK);
	assert_int_equal(book_cancel(f->b, 1, &left), BOOK_OK);
	assert_int_equal(left, 6);
}

static void
book_reduce_keeps_priority(void **state)
{
	struct fixture *f = *state;
	struct book_order_info info;
	struct book_level lv[1];

	rest(f->b, 1, BOOK_ASK, 200, 10, 0);
	rest(f->b, 2, BOOK_ASK, 200, 10, 0);
	assert_int_equal(book_reduce(f->b, 1, 4), BOOK_OK);
	assert_int_equal(book_order(f->b, 1, &info), BOOK_OK);
	assert_int_equal(info.qty, 6);
	assert_int_equal(book_queue_ahead(f->b, 1), 0);
	assert_int_equal(book_queue_ahead(f->b, 2), 6);
	assert_int_equal(book_depth(f->b, BOOK_ASK, lv, 1), 1);
	assert_level(&lv[0], 200, 16, 2);

	assert_int_equal(book_add(f->b, 3, BOOK_BID, 200, 7, BOOK_IOC, 0,
	    NULL), BOOK_OK);
	assert_int_equal(f->log.ntrades, 2);
	assert_trade(&f->log.trades[0], 1, 3, 200, 6, BOOK_BID, 0);
	assert_trade(&f->log.trades[1], 2, 3, 200, 1, BOOK_BID, 9);
}

static void
book_reduce_by_all_or_more_removes_order(void **state)
{
	struct fixture *f = *state;

	rest(f->b, 1, BOOK_BID, 10, 5, 0);
	rest(f->b, 2, BOOK_BID, 10, 5, 0);
	assert_int_equal(book_reduce(f->b, 1, 5), BOOK_OK);
	assert_int_equal(book_order(f->b, 1, NULL), BOOK_ENOENT);
	assert_int_equal(book_reduce(f->b, 2, 500), BOOK_OK);
	assert_int_equal(book_order_count(f->b), 0);
	assert_int_equal(book_best(f->b, BOOK_BID, NULL, NULL), BOOK_EEMPTY);
}

static void
book_modify_price_loses_priority(void **state)
{
	struct fixture *f = *state;
	struct book_order_info info;
	int64_t filled = -1;

	rest(f->b, 1, BOOK_BID, 100, 10, 0);
	rest(f->b, 2, BOOK_BID, 100, 10, 0);
	assert_int_equal(book_modify(f->b, 1, 99, 10, &filled), BOOK_OK);
	assert_int_equal(filled, 0);
	assert_int_equal(book_order(f->b, 1, &info), BOOK_OK);
	assert_int_equal(info.px, 99);
	assert_int_equal(book_modify(f->b, 1, 100, 10, NULL), BOOK_OK);
	assert_int_equal(book_queue_ahead(f->b, 1), 10);
	assert_int_equal(book_queue_ahead(f->b, 2), 0);
	assert_int_equal(f->log.nkinds, 0);
}

static void
book_modify_size_down_keeps_priority(void **state)
{
	struct fixture *f = *state;
	struct book_level lv[1];

	rest(f->b, 1, BOOK_ASK, 100, 10, 0);
	rest(f->b, 2, BOOK_ASK, 100, 10, 0);
	assert_int_equal(book_modify(f->b, 1, 100, 4, NULL), BOOK_OK);
	assert_int_equal(book_queue_ahead(f->b, 1), 0);
	assert_int_equal(book_queue_ahead(f->b, 2), 4);
	/* The same size at the same price changes nothing. */
	assert_int_equal(book_modify(f->b, 1, 100, 4, NULL), BOOK_OK);
	assert_int_equal(book_queue_ahead(f->b, 2), 4);
	assert_int_equal(book_depth(f->b, BOOK_ASK, lv, 1), 1);
	assert_level(&lv[0], 100, 14, 2);
}

static void
book_modify_size_up_loses_priority(void **state)
{
	struct fixture *f = *state;
	struct book_level lv[1];

	rest(f->b, 1, BOOK_ASK, 100, 10, 0);
	rest(f->b, 2, BOOK_ASK, 100, 10, 0);
	rest(f->b, 3, BOOK_ASK, 100, 10, 0);
	assert_int_equal(book_modify(f->b, 2, 100, 11, NULL), BOOK_OK);
	assert_int_equal(book_queue_ahead(f->b, 1), 0);
	assert_int_equal(book_queue_ahead(f->b, 3), 10);
	assert_int_equal(book_queue_ahead(f->b, 2), 20);
	assert_int_equal(book_depth(f->b, BOOK_ASK, lv, 1), 1);
	assert_level(&lv[0], 100, 31, 3);
	/* The last order growing stays last. */
	assert_int_equal(book_modify(f->b, 2, 100, 12, NULL), BOOK_OK);
	assert_int_equal(book_queue_ahead(f->b, 2), 20);
}

static void
book_modify_that_crosses_trades(void **state)
{
	struct fixture *f = *state;
	struct book_order_info info;
	int64_t filled = -1, px;

	rest(f->b, 1, BOOK_BID, 100, 10, 3);
	rest(f->b, 2, BOOK_ASK, 102, 4, 4);
	rest(f->b, 3, BOOK_ASK, 103, 4, 4);
	assert_int_equal(book_modify(f->b, 1, 102, 10, &filled), BOOK_OK);
	assert_int_equal(filled, 4);
	assert_int_equal(f->log.ntrades, 1);
	assert_trade(&f->log.trades[0], 2, 1, 102, 4, BOOK_BID, 0);
	assert_int_equal(f->log.trades[0].taker_owner, 3);
	assert_int_equal(f->log.trades[0].maker_owner, 4);
	/* The rest keeps id and owner and rests at the new price. */
	assert_int_equal(book_order(f->b, 1, &info), BOOK_OK);
	assert_int_equal(info.px, 102);
	assert_int_equal(info.qty, 6);
	assert_int_equal(info.owner, 3);
	assert_int_equal(book_best(f->b, BOOK_BID, &px, NULL), BOOK_OK);
	assert_int_equal(px, 102);

	/* A modify that fills completely leaves nothing behind. */
	assert_int_equal(book_modify(f->b, 1, 103, 4, &filled), BOOK_OK);
	assert_int_equal(filled, 4);
	assert_int_equal(book_order(f->b, 1, NULL), BOOK_ENOENT);
	assert_int_equal(book_order_count(f->b), 0);
}

static void
book_market_order_sweeps_levels(void **state)
{
	struct fixture *f = *state;
	struct book_level lv[4];
	int64_t filled = -1;

	rest(f->b, 1, BOOK_ASK, 101, 10, 0);
	rest(f->b, 2, BOOK_ASK, 102, 10, 0);
	rest(f->b, 3, BOOK_ASK, 105, 10, 0);
	/* The price of a market order is ignored, even when it is not > 0. */
	assert_int_equal(book_add(f->b, 4, BOOK_BID, 0, 25, BOOK_MARKET, 0,
	    &filled), BOOK_OK);
	assert_int_equal(filled, 25);
	assert_int_equal(f->log.ntrades, 3);
	assert_trade(&f->log.trades[0], 1, 4, 101, 10, BOOK_BID, 0);
	assert_trade(&f->log.trades[1], 2, 4, 102, 10, BOOK_BID, 0);
	assert_trade(&f->log.trades[2], 3, 4, 105, 5, BOOK_BID, 5);
	assert_int_equal(book_depth(f->b, BOOK_ASK, lv, 4), 1);
	assert_level(&lv[0], 105, 5, 1);

	/* More than the side holds: everything trades, nothing rests. */
	assert_int_equal(book_add(f->b, 5, BOOK_BID, -1, 100, BOOK_MARKET, 0,
	    &filled), BOOK_OK);
	assert_int_equal(filled, 5);
	assert_int_equal(book_order_count(f->b), 0);
	assert_int_equal(book_order(f->b, 5, NULL), BOOK_ENOENT);

	/* On an empty side a market order does nothing. */
	assert_int_equal(book_add(f->b, 6, BOOK_ASK, 0, 10, BOOK_MARKET, 0,
	    &filled), BOOK_OK);
	assert_int_equal(filled, 0);
	assert_int_equal(book_order_count(f->b), 0);
}

static void
book_limit_order_stops_at_its_price(void **state)
{
	struct fixture *f = *state;
	struct book_level lv[4];
	int64_t filled = -1;

	rest(f->b, 1, BOOK_BID, 99, 10, 0);
	rest(f->b, 2, BOOK_BID, 98, 10, 0);
	rest(f->b, 3, BOOK_BID, 97, 10, 0);
	assert_int_equal(book_add(f->b, 4, BOOK_ASK, 98, 25, BOOK_GTC, 0,
	    &filled), BOOK_OK);
	assert_int_equal(filled, 20);
	assert_int_equal(f->log.ntrades, 2);
	assert_trade(&f->log.trades[0], 1, 4, 99, 10, BOOK_ASK, 0);
	assert_trade(&f->log.trades[1], 2, 4, 98, 10, BOOK_ASK, 0);
	assert_int_equal(book_depth(f->b, BOOK_ASK, lv, 4), 1);
	assert_level(&lv[0], 98, 5, 1);
	assert_int_equal(book_depth(f->b, BOOK_BID, lv, 4), 1);
	assert_level(&lv[0], 97, 10, 1);
}

static void
book_ioc_drops_remainder(void **state)
{
	struct fixture *f = *state;
	int64_t filled = -1;

	rest(f->b, 1, BOOK_ASK, 101, 10, 0);
	rest(f->b, 2, BOOK_ASK, 102, 10, 0);
	rest(f->b, 3, BOOK_ASK, 103, 10, 0);
	assert_int_equal(book_add(f->b, 4, BOOK_BID, 102, 25, BOOK_IOC, 0,
	    &filled), BOOK_OK);
	assert_int_equal(filled, 20);
	assert_int_equal(book_order(f->b, 4, NULL), BOOK_ENOENT);
	assert_int_equal(book_best(f->b, BOOK_BID, NULL, NULL), BOOK_EEMPTY);
	assert_int_equal(book_order_count(f->b), 1);

	/* An IOC that does not cross is accepted and does nothing. */
	assert_int_equal(book_add(f->b, 5, BOOK_BID, 100, 5, BOOK_IOC, 0,
	    &filled), BOOK_OK);
	assert_int_equal(filled, 0);
	assert_int_equal(book_order_count(f->b), 1);
	assert_int_equal(f->log.ntrades, 2);
}

static void
book_self_trade_cancels_resting(void **state)
{
	struct fixture *f = *state;
	struct book_order_info info;
	int64_t filled = -1;

	rest(f->b, 1, BOOK_ASK, 101, 10, 7);
	rest(f->b, 2, BOOK_ASK, 101, 10, 8);
	rest(f->b, 3, BOOK_ASK, 102, 5, 7);
	rest(f->b, 4, BOOK_ASK, 103, 5, 9);
	assert_int_equal(book_add(f->b, 10, BOOK_BID, 102, 15, BOOK_GTC, 7,
	    &filled), BOOK_OK);
	/* Own orders are cancelled in queue order and matching carries on
	 * behind them; the rest of the taker rests. */
	assert_string_equal(f->log.kinds, "sts");
	assert_int_equal(f->log.stps[0].id, 1);
	assert_int_equal(f->log.stps[0].owner, 7);
	assert_int_equal(f->log.stps[0].qty, 10);
	assert_trade(&f->log.trades[0], 2, 10, 101, 10, BOOK_BID, 0);
	assert_int_equal(f->log.stps[1].id, 3);
	assert_int_equal(f->log.stps[1].qty, 5);
	assert_int_equal(filled, 10);
	assert_int_equal(book_order(f->b, 1, NULL), BOOK_ENOENT);
	assert_int_equal(book_order(f->b, 3, NULL), BOOK_ENOENT);
	assert_int_equal(book_order(f->b, 10, &info), BOOK_OK);
	assert_int_equal(info.px, 102);
	assert_int_equal(info.qty, 5);
	assert_int_equal(book_order_count(f->b), 2);
}

static void
book_owner_none_never_self_trades(void **state)
{
	struct fixture *f = *state;
	int64_t filled = -1;

	rest(f->b, 1, BOOK_BID, 100, 10, BOOK_OWNER_NONE);
	assert_int_equal(book_add(f->b, 2, BOOK_ASK, 100, 10, BOOK_IOC,
	    BOOK_OWNER_NONE, &filled), BOOK_OK);
	assert_int_equal(filled, 10);
	assert_int_equal(f->log.nstps, 0);
	assert_int_equal(f->log.ntrades, 1);
}

static void
book_queue_ahead_counts_earlier_orders(void **state)
{
	struct fixture *f = *state;

	rest(f->b, 1, BOOK_BID, 100, 5, 0);
	rest(f->b, 2, BOOK_BID, 100, 7, 0);
	rest(f->b, 3, BOOK_BID, 101, 100, 0);
	rest(f->b, 4, BOOK_BID, 100, 11, 0);
	rest(f->b, 5, BOOK_ASK, 100 + 5, 13, 0);
	assert_int_equal(book_queue_ahead(f->b, 1), 0);
	assert_int_equal(book_queue_ahead(f->b, 2), 5);
	assert_int_equal(book_queue_ahead(f->b, 4), 12);
	assert_int_equal(book_queue_ahead(f->b, 3), 0);
	assert_int_equal(book_queue_ahead(f->b, 5), 0);
	assert_int_equal(book_queue_ahead(f->b, 6), BOOK_ENOENT);
	/* A partial fill of the head shrinks what is ahead. */
	assert_int_equal(book_add(f->b, 7, BOOK_ASK, 100, 103, BOOK_IOC, 0,
	    NULL), BOOK_OK);
	assert_int_equal(book_queue_ahead(f->b, 2), 2);
	assert_int_equal(book_queue_ahead(f->b, 4), 9);
}

static void
book_trades_report_aggressor_and_maker_left(void **state)
{
	struct fixture *f = *state;
	const struct book_trade *t;

	rest(f->b, 1, BOOK_BID, 500, 30, 11);
	assert_int_equal(book_add(f->b, 2, BOOK_ASK, 490, 12, BOOK_GTC, 12,
	    NULL), BOOK_OK);
	assert_int_equal(f->log.ntrades, 1);
	t = &f->log.trades[0];
	/* The trade is at the resting order's price, not the taker's. */
	assert_trade(t, 1, 2, 500, 12, BOOK_ASK, 18);
	assert_int_equal(t->maker_owner, 11);
	assert_int_equal(t->taker_owner, 12);

	rest(f->b, 3, BOOK_ASK, 510, 8, 13);
	assert_int_equal(book_add(f->b, 4, BOOK_BID, 600, 8, BOOK_IOC, 14,
	    NULL), BOOK_OK);
	assert_int_equal(f->log.ntrades, 2);
	t = &f->log.trades[1];
	assert_trade(t, 3, 4, 510, 8, BOOK_BID, 0);
	assert_int_equal(t->maker_owner, 13);
	assert_int_equal(t->taker_owner, 14);
}

static void
book_rejects_bad_input(void **state)
{
	struct fixture *f = *state;
	struct book_level lv[2];
	int64_t filled = -1;

	rest(f->b, 1, BOOK_BID, 100, 10, 0);

	assert_int_equal(book_add(f->b, 2, BOOK_BID, 100, 0, BOOK_GTC, 0,
	    &filled), BOOK_EINVAL);
	assert_int_equal(filled, 0);
	assert_int_equal(book_add(f->b, 2, BOOK_BID, 100, -5, BOOK_GTC, 0,
	    NULL), BOOK_EINVAL);
	assert_int_equal(book_add(f->b, 2, BOOK_BID, 100, 0, BOOK_MARKET, 0,
	    NULL), BOOK_EINVAL);
	assert_int_equal(book_add(f->b, 2, BOOK_BID, 0, 5, BOOK_GTC, 0, NULL),
	    BOOK_EINVAL);
	assert_int_equal(book_add(f->b, 2, BOOK_ASK, -100, 5, BOOK_GTC, 0,
	    NULL), BOOK_EINVAL);
	assert_int_equal(book_add(f->b, 2, BOOK_ASK, -1, 5, BOOK_IOC, 0, NULL),
	    BOOK_EINVAL);
	assert_int_equal(book_add(f->b, 2, 2, 100, 5, BOOK_GTC, 0, NULL),
	    BOOK_EINVAL);
	assert_int_equal(book_add(f->b, 2, -1, 100, 5, BOOK_GTC, 0, NULL),
	    BOOK_EINVAL);
	assert_int_equal(book_add(f->b, 2, BOOK_BID, 100, 5, 3, 0, NULL),
	    BOOK_EINVAL);
	assert_int_equal(book_add(f->b, 2, BOOK_BID, 100, 5, -1, 0, NULL),
	    BOOK_EINVAL);

	/* A live id cannot be reused, whatever the order type. */
	assert_int_equal(book_add(f->b, 1, BOOK_ASK, 100, 5, BOOK_GTC, 0,
	    NULL), BOOK_EDUP);
	assert_int_equal(book_add(f->b, 1, BOOK_ASK, 100, 5, BOOK_IOC, 0,
	    NULL), BOOK_EDUP);
	assert_int_equal(book_add(f->b, 1, BOOK_ASK, 0, 5, BOOK_MARKET, 0,
	    NULL), BOOK_EDUP);

	assert_int_equal(book_cancel(f->b, 99, NULL), BOOK_ENOENT);
	assert_int_equal(book_reduce(f->b, 99, 1), BOOK_ENOENT);
	assert_int_equal(book_reduce(f->b, 1, 0), BOOK_EINVAL);
	assert_int_equal(book_reduce(f->b, 1, -3), BOOK_EINVAL);
	assert_int_equal(book_modify(f->b, 99, 100, 5, &filled),
	    BOOK_ENOENT);
	assert_int_equal(book_modify(f->b, 1, 100, 0, NULL), BOOK_EINVAL);
	assert_int_equal(book_modify(f->b, 1, 0, 5, NULL), BOOK_EINVAL);
	assert_int_equal(book_modify(f->b, 1, -7, 5, NULL), BOOK_EINVAL);
	assert_int_equal(book_order(f->b, 99, NULL), BOOK_ENOENT);
	assert_int_equal(book_best(f->b, 2, NULL, NULL), BOOK_EINVAL);
	assert_int_equal(book_depth(f->b, -1, lv, 2), BOOK_EINVAL);
	assert_int_equal(book_depth(f->b, BOOK_BID, lv, -1), BOOK_EINVAL);
	assert_int_equal(book_depth(f->b, BOOK_BID, NULL, 2), BOOK_EINVAL);

	/* A NULL book is refused rather than dereferenced. */
	assert_int_equal(book_add(NULL, 2, BOOK_BID, 100, 5, BOOK_GTC, 0,
	    NULL), BOOK_EINVAL);
	assert_int_equal(book_cancel(NULL, 1, NULL), BOOK_EINVAL);
	assert_int_equal(book_order_count(NULL), 0);
	book_clear(NULL);
	book_free(NULL);

	/* None of that touched the book. */
	assert_int_equal(book_order_count(f->b), 1);
	assert_int_equal(book_depth(f->b, BOOK_BID, lv, 2), 1);
	assert_level(&lv[0], 100, 10, 1);
	assert_int_equal(f->log.nkinds, 0);
}

static void
book_strerror_says_what_went_wrong(void **state)
{
	static const int codes[] = { BOOK_OK, BOOK_EINVAL, BOOK_EDUP,
	    BOOK_ENOENT, BOOK_EEMPTY, BOOK_ENOMEM, -999 };
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		const char *s = book_strerror(codes[i]);

		assert_non_null(s);
		assert_true(strlen(s) > 10);
		assert_int_equal(s[strlen(s) - 1], '.');
		for (j = 0; j < i; j++)
			assert_string_not_equal(s, book_strerror(codes[j]));
	}
}

static void
book_clear_removes_everything(void **state)
{
	struct fixture *f = *state;
	struct book_level lv[2];
	uint64_t id;

	for (id = 1; id <= 1000; id++)
		rest(f->b, id, id % 2 ? BOOK_BID : BOOK_ASK,
		    id % 2 ? 1000 - (int64_t)(id % 50) : 1001 +
		    (int64_t)(id % 50), 1 + (int64_t)id, 0);
	assert_int_equal(book_order_count(f->b), 1000);
	book_clear(f->b);
	assert_int_equal(book_order_count(f->b), 0);
	assert_int_equal(book_best(f->b, BOOK_BID, NULL, NULL), BOOK_EEMPTY);
	assert_int_equal(book_best(f->b, BOOK_ASK, NULL, NULL), BOOK_EEMPTY);
	assert_int_equal(book_order(f->b, 7, NULL), BOOK_ENOENT);

	/* The same ids work again and the callbacks are still set. */
	rest(f->b, 7, BOOK_ASK, 10, 3, 0);
	rest(f->b, 8, BOOK_ASK, 10, 4, 0);
	assert_int_equal(book_queue_ahead(f->b, 8), 3);
	assert_int_equal(book_add(f->b, 9, BOOK_BID, 10, 5, BOOK_GTC, 0, NULL),
	    BOOK_OK);
	assert_int_equal(f->log.ntrades, 2);
	assert_int_equal(book_depth(f->b, BOOK_ASK, lv, 2), 1);
	assert_level(&lv[0], 10, 2, 1);
}

static void
book_handles_extreme_prices_and_ids(void **state)
{
	struct fixture *f = *state;
	struct book_level lv[4];
	int64_t filled;

	rest(f->b, 0, BOOK_ASK, INT64_MAX, 1, 0);
	rest(f->b, UINT64_MAX, BOOK_ASK, INT64_MAX - 1, 2, 0);
	rest(f->b, 1ULL << 63, BOOK_BID, 1, 3, 0);
	rest(f->b, (1ULL << 63) - 1, BOOK_BID, 2, 4, 0);
	assert_int_equal(book_depth(f->b, BOOK_ASK, lv, 4), 2);
	assert_level(&lv[0], INT64_MAX - 1, 2, 1);
	assert_level(&lv[1], INT64_MAX, 1, 1);
	assert_int_equal(book_depth(f->b, BOOK_BID, lv, 4), 2);
	assert_level(&lv[0], 2, 4, 1);
	assert_level(&lv[1], 1, 3, 1);

	assert_int_equal(book_add(f->b, 5, BOOK_BID, INT64_MAX, 3, BOOK_IOC, 0,
	    &filled), BOOK_OK);
	assert_int_equal(filled, 3);
	assert_int_equal(f->log.ntrades, 2);
	assert_trade(&f->log.trades[0], UINT64_MAX, 5, INT64_MAX - 1, 2,
	    BOOK_BID, 0);
	assert_trade(&f->log.trades[1], 0, 5, INT64_MAX, 1, BOOK_BID, 0);
	assert_int_equal(book_add(f->b, 6, BOOK_ASK, 1, 100, BOOK_IOC, 0,
	    &filled), BOOK_OK);
	assert_int_equal(filled, 7);
	assert_int_equal(book_order_count(f->b), 0);
}

static void
book_level_total_cannot_overflow(void **state)
{
	struct fixture *f = *state;
	struct book_level lv[2];

	rest(f->b, 1, BOOK_BID, 100, INT64_MAX - 10, 0);
	rest(f->b, 2, BOOK_BID, 100, 10, 0);
	assert_int_equal(book_add(f->b, 3, BOOK_BID, 100, 1, BOOK_GTC, 0,
	    NULL), BOOK_EINVAL);
	assert_int_equal(book_modify(f->b, 2, 100, 11, NULL), BOOK_EINVAL);
	rest(f->b, 4, BOOK_BID, 99, 1, 0);
	assert_int_equal(book_modify(f->b, 4, 100, 1, NULL), BOOK_EINVAL);
	assert_int_equal(book_depth(f->b, BOOK_BID, lv, 2), 2);
	assert_level(&lv[0], 100, INT64_MAX, 2);
	assert_level(&lv[1], 99, 1, 1);
	/* The largest total still trades exactly. */
	assert_int_equal(book_add(f->b, 5, BOOK_ASK, 0, INT64_MAX, BOOK_MARKET,
	    0, NULL), BOOK_OK);
	assert_int_equal(f->log.ntrades, 2);
	assert_int_equal(f->log.trades[1].qty, 10);
	assert_int_equal(book_order_count(f->b), 1);
}

static void
book_grows_and_shrinks_with_many_orders(void **state)
{
	struct fixture *f = *state;
	struct book_level *lv;
	uint64_t x = 88172645463325252ULL, id;
	int64_t total[2] = { 0, 0 }, sum;
	int i, n, s;
	const int count = 200000;

	/* Random ids and prices over a wide range: growth of every table
	 * and deep binary searches. */
	for (i = 0; i < count; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		id = x;
		s = (int)(x >> 62) & 1;
		rest(f->b, id, s, s == BOOK_BID ? 1 + (int64_t)(x % 5000) :
		    10000 + (int64_t)(x % 5000), 1 + (int64_t)(i % 9), 0);
		total[s] += 1 + i % 9;
	}
	assert_int_equal(book_order_count(f->b), count);
	lv = malloc(sizeof(*lv) * 6000);
	assert_non_null(lv);
	for (s = 0; s < 2; s++) {
		n = book_depth(f->b, s, lv, 6000);
		assert_in_range(n, 4000, 5000);
		for (i = 0, sum = 0; i < n; i++) {
			sum += lv[i].qty;
			if (i > 0 && s == BOOK_BID)
				assert_true(lv[i].px < lv[i - 1].px);
			if (i > 0 && s == BOOK_ASK)
				assert_true(lv[i].px > lv[i - 1].px);
		}
		assert_int_equal(sum, total[s]);
	}
	free(lv);

	/* Cancel everything in the same order: every id must be found. */
	x = 88172645463325252ULL;
	for (i = 0; i < count; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		assert_int_equal(book_cancel(f->b, x, NULL), BOOK_OK);
	}
	assert_int_equal(book_order_count(f->b), 0);
	assert_int_equal(book_best(f->b, BOOK_BID, NULL, NULL), BOOK_EEMPTY);
	assert_int_equal(book_best(f->b, BOOK_ASK, NULL, NULL), BOOK_EEMPTY);
}

/* A trade callback that tries to change the book it is called from. */
struct meddler {
	struct book *b;
	int rc_add, rc_cancel, rc_modify, rc_reduce;
	size_t count_after_clear;
	int calls;
};

static void
meddle(void *arg, const struct book_trade *t)
{
	struct meddler *m = arg;

	(void)t;
	m->calls++;
	m->rc_add = book_add(m->b, 77, BOOK_BID, 1, 1, BOOK_GTC, 0, NULL);
	m->rc_cancel = book_cancel(m->b, 2, NULL);
	m->rc_modify = book_modify(m->b, 2, 50, 1, NULL);
	m->rc_reduce = book_reduce(m->b, 2, 1);
	book_clear(m->b);
	m->count_after_clear = book_order_count(m->b);
}

static void
book_callbacks_cannot_change_the_book(void **state)
{
	struct fixture *f = *state;
	struct meddler m = { f->b, 0, 0, 0, 0, 0, 0 };
	struct book_cbs cbs = { meddle, NULL, &m };
	int64_t filled;

	rest(f->b, 1, BOOK_ASK, 50, 5, 0);
	rest(f->b, 2, BOOK_ASK, 51, 5, 0);
	book_set_cbs(f->b, &cbs);
	assert_int_equal(book_add(f->b, 3, BOOK_BID, 50, 5, BOOK_GTC, 0,
	    &filled), BOOK_OK);
	assert_int_equal(m.calls, 1);
	assert_int_equal(m.rc_add, BOOK_EINVAL);
	assert_int_equal(m.rc_cancel, BOOK_EINVAL);
	assert_int_equal(m.rc_modify, BOOK_EINVAL);
	assert_int_equal(m.rc_reduce, BOOK_EINVAL);
	/* The book was already consistent when the callback ran. */
	assert_int_equal(m.count_after_clear, 1);
	assert_int_equal(filled, 5);
	assert_int_equal(book_order(f->b, 2, NULL), BOOK_OK);

	/* Outside a callback the same calls work, and no callbacks at all
	 * is fine too. */
	book_set_cbs(f->b, NULL);
	assert_int_equal(book_add(f->b, 4, BOOK_BID, 51, 5, BOOK_IOC, 0,
	    &filled), BOOK_OK);
	assert_int_equal(filled, 5);
	assert_int_equal(m.calls, 1);
	assert_int_equal(book_order_count(f->b), 0);
}

int
main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(book_new_is_empty),
		T(book_add_rests_and_reports_depth),
		T(book_cancel_keeps_time_priority),
		T(book_cancel_reports_what_was_left),
		T(book_reduce_keeps_priority),
		T(book_reduce_by_all_or_more_removes_order),
		T(book_modify_price_loses_priority),
		T(book_modify_size_down_keeps_priority),
		T(book_modify_size_up_loses_priority),
		T(book_modify_that_crosses_trades),
		T(book_market_order_sweeps_levels),
		T(book_limit_order_stops_at_its_price),
		T(book_ioc_drops_remainder),
		T(book_self_trade_cancels_resting),
		T(book_owner_none_never_self_trades),
		T(book_queue_ahead_counts_earlier_orders),
		T(book_trades_report_aggressor_and_maker_left),
		T(book_rejects_bad_input),
		T(book_strerror_says_what_went_wrong),
		T(book_clear_removes_everything),
		T(book_handles_extreme_prices_and_ids),
		T(book_level_total_cannot_overflow),
		T(book_grows_and_shrinks_with_many_orders),
		T(book_callbacks_cannot_change_the_book),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
