/*
 * engine/market/market.c -- what every market source shares: the book's
 * callbacks turned into market callbacks (prints, our fills, our orders
 * removed), the volume counters, and our own order entry.
 *
 * Our orders carry ids with the top bit set so they can never collide with
 * the ids a source gives its own participants or replays from a file.
 */
#include <stdlib.h>
#include <string.h>

#include "engine/market/market.h"

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

int
market_advance(struct market *m, int64_t t)
{
	return m->ops->advance(m, t);
}

void
market_free(struct market *m)
{
	if (m != NULL)
		m->ops->destroy(m);
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

	if (book_best(m->book, BOOK_BID, &bp, &bq) != 0 ||
	    book_best(m->book, BOOK_ASK, &ap, &aq) != 0)
		return -1;
	return (double)(bp + ap) / 2.0;
}
