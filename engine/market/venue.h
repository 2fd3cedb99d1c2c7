/*
 * engine/market/venue.h -- venues beside the lit book: a dark pool that
 * crosses at the lit mid and shows nothing before a trade, and dealers who
 * answer requests for quotes.  Part of engine/market/'s API (market.h has
 * the rest); like the rest of the folder it knows nothing of algorithms.
 *
 * The venues hang off a market (venue_attach) and live on its clock:
 * market_advance() stops at every whole simulated second of the venues'
 * grid and lets them act there -- contra orders arrive in the pool and
 * leave it, quotes arrive, requests reach their deadline, and the agents
 * the venues feed (a predator that reads our dark prints, dealers who trade
 * ahead of a request or hedge a won one) send market orders into the lit
 * book.  Everything the venues draw comes from their own generators,
 * seeded from the session's seed, so a market with venues attached and
 * never used is the same market, print for print, as one without.
 *
 * Our dark orders and accepted quotes are reported through the market's
 * fill callback like any fill, with the venue in market_fill.venue; the
 * requester chooses among the quotes of a request through the rfq callback
 * (struct market_cbs) when the request's deadline comes.
 */
#ifndef TRANCHE_MARKET_VENUE_H
#define TRANCHE_MARKET_VENUE_H

#include <stddef.h>
#include <stdint.h>

#include "engine/market/market.h"

/* Where a child order trades.  A block's venue set is a mask of
 * VENUE_BIT()s; the lit book is always in it. */
enum venue_kind { VENUE_LIT = 0, VENUE_DARK = 1, VENUE_RFQ = 2,
	VENUE_COUNT = 3 };
#define VENUE_BIT(v) (1u << (v))
#define VENUE_SET_ALL (VENUE_BIT(VENUE_LIT) | VENUE_BIT(VENUE_DARK) | \
	VENUE_BIT(VENUE_RFQ))

#define VENUE_MAX_DEALERS 8
/* Lit-book owners of the venues' agents (self-trade prevention keeps each
 * from trading with itself). */
#define VENUE_OWNER_PREDATOR 6u
#define VENUE_OWNER_DEALER0 32u /* dealer i is VENUE_OWNER_DEALER0 + i */

/* Error codes beyond the book's (book.h): the market has no venues, or no
 * live request / order of ours with that id. */
#define VENUE_ENONE (-20)
/* The venue (or every dealer asked) is turned off. */
#define VENUE_EOFF (-21)

/* One dealer's habits (tranche-scenario(5), "venues.dealers"). */
struct dealer_params {
	char name[8];
	double base_bps;  /* half spread quoted for a small request, bps */
	double size_bps;  /* added per 1% of ADV asked */
	double vol_mult;  /* added: this many sigmas over hedge_s, in ticks */
	double inv_bps;   /* skew per 10,000 shares of inventory, bps */
	double noise_bps; /* standard deviation of its pricing whim, bps */
	double respond;   /* chance it quotes at all, 0..1 */
	double latency_s; /* mean seconds to quote (exponential) */
	double leak;      /* after losing: this share of the size traded
	                     ahead in the lit book, over leak_s */
	double prehedge;  /* on being asked: this share traded in the lit book
	                     before it quotes */
	double hedge;     /* after winning: this share laid off in the lit
	                     book, over hedge_s */
};

struct venue_params {
	/* Dark pool: contra liquidity arrives at dark_share / (1 - dark_share)
	 * times the lit book's recent volume rate, half each side, as natural
	 * blocks (natural_share of it) and smaller flow, each resting an
	 * exponential time. */
	double dark_share, natural_share;
	double natural_size, flow_size;   /* means, shares */
	double natural_life, flow_life;   /* means, seconds */
	/* The predator: pred_count of our dark fills smaller than pred_small
	 * on one side within pred_window_s, and it buys (or sells) ahead of
	 * us in the lit book, pred_size shares pred_rate times a second for
	 * pred_dur_s. */
	int pred_count;
	double pred_small, pred_window_s, pred_dur_s, pred_rate, pred_size;
	/* RFQ: quotes later than the deadline are lost; dealers price and lay
	 * off risk over hedge_s; losers trade ahead over leak_s; adv is the
	 * daily volume dealers assume before the market has traded. */
	double rfq_deadline_s, hedge_s, leak_s, adv;
	/* Conditional orders: a requester whose firm-up rate (firmed of
	 * invited) is below cond_min_rate loses its priority -- it is invited
	 * only to contra that has rested cond_delay_s -- and a conditional that
	 * failed to firm up is not invited again for cond_delay_s. */
	double cond_min_rate, cond_delay_s;
	int ndealers;
	struct dealer_params dealers[VENUE_MAX_DEALERS];
};

/* The defaults tranche-scenario(5) documents: a dark share of 14%, six
 * dealers. */
void venue_params_default(struct venue_params *p);
/* 0, or -1 with err naming the field and the value. */
int venue_params_check(const struct venue_params *p, char *err,
                       size_t errlen);

/* Attach venues to m (its book must be live), drawing from seed.  0 or a
 * negative code. */
int venue_attach(struct market *m, const struct venue_params *p,
                 uint64_t seed);
/* 1 when m has venues. */
int venue_present(const struct market *m);

/* "lit", "dark", "rfq"; "?" otherwise. */
const char *venue_name(int v);
/* "lit,dark" -> mask.  0; -1 with err naming the value; or -2 for a set
 * that does not name lit, with err saying so and *set the set with lit
 * added (what engines before 2026-12-06 took it for: recovery of their
 * journals reads it so). */
int venue_set_parse(const char *s, unsigned *set, char *err, size_t errlen);
/* "lit,dark,rfq" from a mask (0 reads as lit). */
void venue_set_format(unsigned set, char *buf, size_t n);

/*
 * A dark order of ours: side, qty, the least quantity of any one
 * execution (min_qty; what is left below it may fill whole) and a limit
 * in ticks (0: none).  It crosses resting contra liquidity at once, at
 * the lit mid (a mid between two ticks is two fills of half the
 * quantity, one each side, so the cash is exactly the mid), and rests for
 * what arrives later, and for the mid to come back within its limit: it
 * never trades while the mid (either of its two ticks) is through it.
 * Nothing is shown anywhere.  *filled (may be NULL) receives what crossed
 * at once.
 */
int venue_dark_submit(struct market *m, int side, int64_t qty,
                      int64_t min_qty, int64_t limit, uint64_t *id,
                      int64_t *filled);
int venue_dark_cancel(struct market *m, uint64_t id, int64_t *qty);
/* A new limit (0: none) for a resting dark order or indication of ours. */
int venue_dark_limit(struct market *m, uint64_t id, int64_t limit);

/*
 * A conditional dark order of ours: an indication of side and qty that
 * rests without commitment, never trades and shows nothing.  When contra
 * liquidity that could match it is in the pool (one contra order of at
 * least min(min_qty, qty) on the other side, at a second of the venues'
 * grid) and the mid is within its limit (0: none), the pool invites the
 * requester to firm up through the firm callback (struct market_cbs).
 * The answer is the quantity firmed: that much, never more than the
 * indication, becomes a normal midpoint dark order with the same id,
 * min_qty and limit (its fills reported like any dark fill, passive), and
 * the indication is gone.  An answer below
 * min(min_qty, qty) is a failure to firm up: the indication stays, is not
 * invited again for cond_delay_s, and counts against the requester's
 * firm-up rate, which lowers its priority (venue_params).
 */
struct venue_invite {
	uint64_t id;
	int side;
	int64_t qty;       /* the indication */
	int64_t min_qty;   /* the least firm-up that is not a failure */
	int64_t t;
};
int venue_cond_submit(struct market *m, int side, int64_t qty,
                      int64_t min_qty, int64_t limit, uint64_t *id);
/* Withdraw an indication; *qty (may be NULL) receives its size. */
int venue_cond_cancel(struct market *m, uint64_t id, int64_t *qty);
/* Firmed of invited, 1 before any invitation; 1 for a market without
 * venues. */
double venue_cond_rate(const struct market *m);

/* A request for quotes and what came back of it (the rfq callback's
 * view).  q[] holds the quotes that arrived by the deadline. */
struct venue_quote {
	int dealer;
	int64_t px;  /* the dealer's firm price, ticks */
	int64_t t;   /* when it arrived */
};
struct venue_rfq {
	uint64_t id;
	int side;          /* the requester's: BOOK_BID buys */
	int64_t qty;
	int64_t t0, deadline;
	double mid0;       /* the lit mid when asked */
	unsigned asked;    /* dealer mask */
	int nquotes;
	struct venue_quote q[VENUE_MAX_DEALERS];
	/* What the rfq_change callback reads: the dealers who said they will
	 * not quote, how the request stands (enum venue_rfq_state), and, won,
	 * the dealer and its price. */
	unsigned declined;
	int state;
	int won;
	int64_t won_px;
};
enum venue_rfq_state { VENUE_RFQ_OPEN, VENUE_RFQ_WON, VENUE_RFQ_WITHDRAWN,
	VENUE_RFQ_NONE };
/* Ask the dealers in mask for side and qty; the answer comes through the
 * rfq callback at the deadline, a fill through the fill callback if a quote
 * is accepted.  0 or a negative code. */
int venue_rfq_request(struct market *m, int side, int64_t qty,
                      unsigned dealers, uint64_t *id);
/* The same with a deadline of deadline_s seconds (0: the venue's
 * rfq_deadline_s; at most 600). */
int venue_rfq_request_by(struct market *m, int side, int64_t qty,
                         unsigned dealers, double deadline_s, uint64_t *id);
/* A live request as it stands now, the quotes so far in r->q: 0, or
 * BOOK_ENOENT when no live request has that id. */
int venue_rfq_get(const struct market *m, uint64_t id, struct venue_rfq *r);
/* The requester takes dealer's quote before the deadline: the fill comes
 * through the fill callback at the quoted price, the request ends and the
 * others asked behave as losers.  0, BOOK_ENOENT (no live request), or
 * BOOK_EINVAL (that dealer has not quoted on it). */
int venue_rfq_accept(struct market *m, uint64_t id, int dealer);
/* Withdraw a request before its deadline (the dealers asked have seen it:
 * those who leak still do). */
int venue_rfq_cancel(struct market *m, uint64_t id);

/* A supervisor's switches: the dark pool or RFQ (venue) and single
 * dealers off (on 0) or on.  Off, the pool takes no new order (ours that
 * rest stay until cancelled) and a dealer is never asked.  0, or
 * VENUE_ENONE / BOOK_EINVAL.  The *_enabled reads are 0 for a market
 * without venues. */
int venue_enable(struct market *m, int venue, int on);
int venue_enabled(const struct market *m, int venue);
int venue_dealer_enable(struct market *m, int dealer, int on);
int venue_dealer_enabled(const struct market *m, int dealer);
/* The index of the dealer called name; -1 if none is. */
int venue_dealer_find(const struct market *m, const char *name);

int venue_dealer_count(const struct market *m);
const char *venue_dealer_name(const struct market *m, int i);
/* Dealer masks, of the dealers turned on: all of them, k drawn at random
 * (the venues' own generator), or the k with the tightest advertised
 * pricing (base_bps + size_bps, ties by index). */
unsigned venue_dealers_all(const struct market *m);
unsigned venue_dealers_random(struct market *m, int k);
unsigned venue_dealers_top(const struct market *m, int k);

/* What the venues did, for tests, backtests and the TCA. */
struct venue_stats {
	int64_t contra_vol;   /* contra liquidity that arrived in the pool */
	int64_t dark_fills, dark_vol;  /* ours */
	int64_t rfq_requests, rfq_quotes, rfq_won, rfq_vol;
	int64_t pred_trigs;   /* times the predator started */
	int64_t leak_vol;     /* shares the predator and dealers who lost or
	                         pre-hedged traded in the lit book ahead of us */
	int64_t hedge_vol;    /* shares winning dealers laid off there */
	/* Conditionals: invitations to firm up, answered with a firm order
	 * (firmed, for cond_vol shares) or not (failed). */
	int64_t cond_invites, cond_firmed, cond_failed, cond_vol;
};
void venue_stats_get(const struct market *m, struct venue_stats *st);

/* Used by market.c: the next time the venues act (INT64_MAX: never),
 * acting at time t, and freeing them. */
int64_t venue_next(const struct market *m);
void venue_run(struct market *m, int64_t t);
void venue_free(struct market *m);

#endif
