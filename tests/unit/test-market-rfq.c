/*
 * tests/unit/test-market-rfq.c -- a request for quotes watched as it goes
 * and decided before its deadline (venue_rfq_get, venue_rfq_accept, the
 * rfq_change callback, venue_rfq_request_by).
 *
 * What must hold: the requester hears of the request when it is made, of
 * each quote and each refusal as it arrives, and of its end, with every
 * dealer asked either quoted or declined by then or still silent; a quote
 * taken before the deadline fills once, at its price, and ends the request;
 * taking a dealer that has not quoted is refused and changes nothing; and
 * watching changes nothing the market does (the quotes and the lit prints
 * are those of a market nobody watched).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine/market/market.h"
#include "engine/market/venue.h"

#define NS MARKET_NS_PER_SEC
#define OPEN (34200LL * NS)

struct watch {
	int64_t changes, opened, quotes, declines, ended, end_state;
	int64_t fills, fill_px, fill_qty;
	unsigned declined;
	int nquotes;
};

static void
watch_fill(void *arg, const struct market_fill *f)
{
	struct watch *w = arg;

	if (f->venue != VENUE_RFQ)
		return;
	w->fills++;
	w->fill_px = f->px;
	w->fill_qty += f->qty;
}

static void
watch_change(void *arg, const struct venue_rfq *r)
{
	struct watch *w = arg;

	w->changes++;
	if (w->changes == 1)
		w->opened = r->state == VENUE_RFQ_OPEN && r->nquotes == 0;
	w->quotes += r->nquotes > w->nquotes;
	w->declines += __builtin_popcount(r->declined) >
	    __builtin_popcount(w->declined);
	w->nquotes = r->nquotes;
	w->declined = r->declined;
	if (r->state != VENUE_RFQ_OPEN) {
		w->ended++;
		w->end_state = r->state;
	}
}

/* Nobody decides at the deadline. */
static int
watch_none(void *arg, const struct venue_rfq *r)
{
	(void)arg;
	(void)r;
	return -1;
}

static struct market *
open_market(uint64_t seed, struct watch *w)
{
	struct sim_params p;
	struct venue_params vp;
	struct market *m;

	sim_params_default(&p);
	venue_params_default(&vp);
	assert_int_equal(market_sim_new(&m, &p, seed, OPEN - 300 * NS), 0);
	assert_int_equal(venue_attach(m, &vp, seed), 0);
	assert_int_equal(market_advance(m, OPEN + 60 * NS), 0);
	if (w != NULL) {
		memset(w, 0, sizeof *w);
		m->cbs.fill = watch_fill;
		m->cbs.rfq_change = watch_change;
		m->cbs.rfq = watch_none;
		m->cbs.arg = w;
	}
	return m;
}

static void
a_watched_request_is_heard_at_each_quote_refusal_and_end(void **state)
{
	struct watch w;
	struct market *m = open_market(11, &w);
	struct venue_rfq r;
	uint64_t id;

	(void)state;
	assert_int_equal(venue_rfq_request_by(m, BOOK_BID, 20000,
	    venue_dealers_all(m), 40, &id), 0);
	assert_int_equal(w.changes, 1);
	assert_true(w.opened);
	assert_int_equal(venue_rfq_get(m, id, &r), 0);
	assert_int_equal(r.deadline - r.t0, 40 * NS);
	assert_int_equal(market_advance(m, r.deadline + NS), 0);
	/* Six dealers asked: each quoted or declined by a deadline of 40 s
	 * (the slowest's mean latency is 12 s), or said nothing. */
	assert_true(w.quotes >= 1);
	assert_true(w.nquotes + __builtin_popcount(w.declined) <= 6);
	assert_int_equal(w.ended, 1);
	assert_int_equal(w.end_state, VENUE_RFQ_NONE);
	assert_int_equal(w.fills, 0);
	assert_int_equal(venue_rfq_get(m, id, &r), BOOK_ENOENT);
	print_message("%lld changes: %d quotes, %d declined\n",
	    (long long)w.changes, w.nquotes, __builtin_popcount(w.declined));
	/* Asked, the end, and between them only changes that brought a
	 * quote or a refusal (one second may bring both). */
	assert_true(w.changes >= 2);
	assert_true(w.changes <= 2 + w.quotes + w.declines);
	/* Out of range: the deadline is refused, nothing is asked. */
	assert_int_equal(venue_rfq_request_by(m, BOOK_BID, 100,
	    venue_dealers_all(m), 601, &id), BOOK_EINVAL);
	market_free(m);
}

static void
a_quote_taken_before_the_deadline_fills_once_at_its_price(void **state)
{
	struct watch w;
	struct market *m = open_market(11, &w);
	struct venue_rfq r;
	struct venue_stats st;
	uint64_t id;
	int silent = -1, k;

	(void)state;
	assert_int_equal(venue_rfq_request_by(m, BOOK_BID, 20000,
	    venue_dealers_all(m), 60, &id), 0);
	for (int64_t t = m->now + NS; w.nquotes == 0; t += NS)
		assert_int_equal(market_advance(m, t), 0);
	assert_int_equal(venue_rfq_get(m, id, &r), 0);
	/* A dealer asked that has not quoted: refused, nothing changes. */
	for (int d = 0; d < venue_dealer_count(m) && silent < 0; d++) {
		silent = d;
		for (k = 0; k < r.nquotes; k++)
			if (r.q[k].dealer == d)
				silent = -1;
	}
	assert_true(silent >= 0);
	assert_int_equal(venue_rfq_accept(m, id, silent), BOOK_EINVAL);
	assert_int_equal(w.fills, 0);
	assert_int_equal(venue_rfq_get(m, id, &r), 0);
	/* The first quote is taken: one fill at its price, for the size. */
	assert_int_equal(venue_rfq_accept(m, id, r.q[0].dealer), 0);
	assert_int_equal(w.fills, 1);
	assert_int_equal(w.fill_px, r.q[0].px);
	assert_int_equal(w.fill_qty, 20000);
	assert_int_equal(w.end_state, VENUE_RFQ_WON);
	assert_int_equal(venue_rfq_get(m, id, &r), BOOK_ENOENT);
	assert_int_equal(venue_rfq_accept(m, id, r.q[0].dealer), BOOK_ENOENT);
	/* Its deadline passes with nothing more to say. */
	assert_int_equal(market_advance(m, m->now + 120 * NS), 0);
	assert_int_equal(w.fills, 1);
	assert_int_equal(w.ended, 1);
	venue_stats_get(m, &st);
	assert_int_equal(st.rfq_won, 1);
	assert_int_equal(st.rfq_vol, 20000);
	market_free(m);
}

/* Watching a request (the change callback) moves nothing: the same
 * quotes at the same times, the same lit prints. */
static void
watching_changes_nothing_the_market_does(void **state)
{
	struct watch w;
	struct market *a = open_market(23, &w), *b = open_market(23, NULL);
	struct venue_rfq ra, rb;
	uint64_t ia, ib;

	(void)state;
	assert_int_equal(venue_rfq_request_by(a, BOOK_ASK, 30000,
	    venue_dealers_all(a), 30, &ia), 0);
	assert_int_equal(venue_rfq_request_by(b, BOOK_ASK, 30000,
	    venue_dealers_all(b), 30, &ib), 0);
	for (int64_t t = a->now + NS, end = a->now + 29 * NS; t < end;
	    t += 3 * NS) {
		assert_int_equal(market_advance(a, t), 0);
		assert_int_equal(market_advance(b, t), 0);
		assert_int_equal(venue_rfq_get(a, ia, &ra), 0);
		assert_int_equal(venue_rfq_get(b, ib, &rb), 0);
		assert_int_equal(ra.nquotes, rb.nquotes);
		for (int k = 0; k < ra.nquotes; k++) {
			assert_int_equal(ra.q[k].px, rb.q[k].px);
			assert_int_equal(ra.q[k].t, rb.q[k].t);
		}
		assert_int_equal(a->volume, b->volume);
		assert_int_equal(a->last_px, b->last_px);
	}
	assert_true(w.changes > 1);
	market_free(a);
	market_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    a_watched_request_is_heard_at_each_quote_refusal_and_end),
		cmocka_unit_test(
		    a_quote_taken_before_the_deadline_fills_once_at_its_price),
		cmocka_unit_test(watching_changes_nothing_the_market_does),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
