/*
 * engine/market/market.h -- a market source: one symbol's order book plus
 * whatever moves it (the simulator's participants, or a recorded day).
 * This header is the whole API of engine/market/ above the book.
 *
 * A source is a table of functions (struct market_ops) behind a common
 * struct market, the way NNG's transports are.  The execution layer only
 * ever calls market_submit(), market_cancel() and market_advance(); the
 * source calls back on every print and on every fill of our orders.  Time is
 * passed in: market_advance(m, t) processes everything the source has to do
 * up to simulated time t (nanoseconds since midnight of the session's day),
 * and nothing here reads a clock.
 */
#ifndef TRANCHE_MARKET_MARKET_H
#define TRANCHE_MARKET_MARKET_H

#include <stdint.h>

#include "engine/market/book.h"
#include "engine/market/rng.h"

/* Book owners.  Our orders are MARKET_OWNER_US; the simulator's agents use
 * their own so the book's self-trade prevention keeps each from trading
 * with itself. */
#define MARKET_OWNER_NOISE 0u
#define MARKET_OWNER_US 1u
#define MARKET_OWNER_MM 2u
#define MARKET_OWNER_VALUE 3u

#define MARKET_NS_PER_SEC 1000000000LL

struct market_fill {
	uint64_t id; /* our order */
	int side;    /* BOOK_BID: we bought */
	int64_t px, qty;
	int64_t left;  /* what remains of our order */
	int passive;   /* 1 if our order was resting */
};

struct market_cbs {
	/* One of our orders traded. */
	void (*fill)(void *arg, const struct market_fill *f);
	/* Every print, ours included. */
	void (*trade)(void *arg, int64_t px, int64_t qty, int aggressor);
	/* One of our resting orders was removed by the market (self-trade
	 * prevention, end of data). */
	void (*gone)(void *arg, uint64_t id, int64_t qty);
	void *arg;
};

struct market;

struct market_ops {
	const char *name;
	/* Do everything due up to and including simulated time t. */
	int (*advance)(struct market *m, int64_t t);
	void (*destroy)(struct market *m);
};

struct market {
	const struct market_ops *ops;
	struct book *book;
	struct market_cbs cbs;
	char sym[16];
	double tick;      /* dollars per tick */
	int64_t now;      /* simulated ns since midnight */
	int64_t volume;   /* shares printed since the source started */
	int64_t our_volume;
	int64_t last_px;
	uint64_t changes; /* bumps on every book change, for conflation */
	uint64_t next_our_id;
	void *impl;
};

/* Parameters of the built-in simulated market (a scenario's "market"). */
struct sim_params {
	char sym[16];
	double tick;          /* dollars per tick */
	int64_t px0;          /* starting fundamental value, ticks */
	double sigma;         /* fundamental volatility, ticks per sqrt(second) */
	double perm_impact;   /* fundamental moves this many ticks per share of
	                         signed aggressive volume */
	double mkt_rate;      /* noise market orders per second */
	double mkt_size;      /* their mean size, shares */
	double lim_rate;      /* noise limit orders per second */
	double lim_size;      /* their mean size, shares */
	double lim_depth;     /* mean distance behind the touch, ticks */
	double lim_life;      /* mean life of a noise limit order, seconds */
	int mm_levels;        /* market maker: levels quoted each side */
	int64_t mm_size;      /* shares per level */
	double mm_half_spread;/* ticks from fair value to its best quote */
	double mm_skew;       /* ticks of skew per 1,000 shares of inventory */
	double mm_interval;   /* seconds between requotes */
	double value_rate;    /* value traders: market orders per second per
	                         tick of mispricing (fundamental - mid) */
	double value_size;    /* their mean size, shares */
};

void sim_params_default(struct sim_params *p);

/* The simulated market, starting at time t0 with the given seed. */
int market_sim_new(struct market **out, const struct sim_params *p,
                   uint64_t seed, int64_t t0);

int market_advance(struct market *m, int64_t t);
void market_free(struct market *m);

/* Our orders.  *id receives the new order's id; fills of the immediately
 * crossing part are reported through the fill callback before this
 * returns, and *filled (may be NULL) says how much. */
int market_submit(struct market *m, int side, int64_t px, int64_t qty,
                  int tif, uint64_t *id, int64_t *filled);
int market_cancel(struct market *m, uint64_t id, int64_t *qty);

/* Mid price in (fractional) ticks; -1 if either side is empty. */
double market_mid(const struct market *m);

/* Used by sources: wire the book's callbacks to the market's. */
void market_init_common(struct market *m, const struct market_ops *ops,
                        const char *sym, double tick);

#endif
