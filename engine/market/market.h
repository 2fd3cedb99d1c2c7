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
#define MARKET_OWNER_MOMENTUM 4u
#define MARKET_OWNER_INFORMED 5u
#define MARKET_OWNER_FAST 6u     /* fast traders after hard news */
#define MARKET_OWNER_MM0 16u /* market maker i is MARKET_OWNER_MM0 + i */

#define MARKET_NS_PER_SEC 1000000000LL

struct market_fill {
	uint64_t id; /* our order */
	int side;    /* BOOK_BID: we bought */
	int64_t px, qty;
	int64_t left;  /* what remains of our order */
	int passive;   /* 1 if our order was resting */
	int venue;     /* enum venue_kind (venue.h): 0 the lit book */
};

struct venue_rfq;
struct venue_invite;

struct market_cbs {
	/* One of our orders traded. */
	void (*fill)(void *arg, const struct market_fill *f);
	/* Every print, ours included. */
	void (*trade)(void *arg, int64_t px, int64_t qty, int aggressor);
	/* One of our resting orders was removed by the market (self-trade
	 * prevention, end of data). */
	void (*gone)(void *arg, uint64_t id, int64_t qty);
	void *arg;
	/* A request for quotes of ours reached its deadline (venue.h): the
	 * index in r->q of the quote accepted, or -1 for none.  NULL: none is
	 * ever accepted. */
	int (*rfq)(void *arg, const struct venue_rfq *r);
	/* A request of ours changed: asked, a quote or a refusal arrived, or
	 * it ended (r->state says how).  NULL: nobody listens. */
	void (*rfq_change)(void *arg, const struct venue_rfq *r);
	/* The pool invites a conditional order of ours to firm up (venue.h):
	 * the quantity firmed, 0 for none.  NULL: never firms up. */
	int64_t (*firm)(void *arg, const struct venue_invite *iv);
};

struct market;

/*
 * What every market keeps of its own recent activity, sampled on a fixed
 * grid of simulated time (MARKET_ACT_STEP_S) by market_advance(): the
 * squared mid change and the market's volume (ours excluded) per step,
 * averaged exponentially over a short (MARKET_ACT_SHORT_S) and a long
 * (MARKET_ACT_LONG_S) horizon.  The first samples are plain means (weight
 * 1/n until the exponential weight is larger), so the figures mean
 * something from the first minute.  Read them through market_sigma() and
 * market_volume_rate(); an impact estimate needs nothing else from the past.
 */
#define MARKET_ACT_STEP_S 5
#define MARKET_ACT_SHORT_S 120.0
#define MARKET_ACT_LONG_S 1800.0
struct market_activity {
	int64_t next;       /* the next grid time; 0 before the first sample */
	int64_t n;          /* steps sampled */
	double last_mid;
	int64_t last_vol;   /* market volume (ours excluded) at the last sample */
	int64_t nmid;       /* steps with a mid both ends */
	double var_s, var_l;   /* ticks^2 per step */
	double vol_s, vol_l;   /* shares per step */
};

struct market_ops {
	const char *name;
	/* Do everything due up to and including simulated time t. */
	int (*advance)(struct market *m, int64_t t);
	void (*destroy)(struct market *m);
	/* The mid where the source knows a value the book may hide (the AC
	 * model's S, which our own resting orders can push the synthetic
	 * quotes away from); NULL: the book's. */
	double (*mid)(const struct market *m);
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
	uint64_t msgs;    /* messages the source sent to the book */
	int64_t flow;     /* signed aggressive volume: buys +, sells - */
	void *impl;
	struct market_activity act;
	struct venues *venues; /* venue.h; NULL: the lit book only */
};

#define SIM_MAX_EVENTS 16
#define SIM_MAX_PROFILE 96
#define SIM_MAX_MM 8
#define SIM_MAX_LEVELS 50

/*
 * A scenario event: a window of simulated time during which the world the
 * participants live in is different.  Each agent reads these conditions and
 * reacts by its own rules; nothing here sets a price.  Multipliers are 1 and
 * rates 0 when nothing is going on; with decay set, every effect fades
 * linearly to nothing over the window.
 */
struct sim_event {
	char name[32];
	int64_t at;        /* ns since midnight the window opens */
	double dur_s;      /* its length, seconds */
	int decay;         /* effects fade linearly over the window */
	double jump;       /* ticks added to the fundamental at `at` (news) */
	double drift;      /* ticks per hour the fundamental drifts */
	double vol;        /* multiplies the fundamental's volatility */
	double flow;       /* multiplies noise traders' order rates */
	double mm_spread;  /* multiplies the market makers' half spread */
	double mm_size;    /* multiplies their quote size; 0 withdraws them */
	double bid_depth;  /* multiplies liquidity offered on the bid */
	double ask_depth;  /* multiplies liquidity offered on the ask */
	double buy_rate;   /* extra buy market orders per second */
	double sell_rate;  /* extra sell market orders per second */
};

/*
 * Random news (news.c, tranche-scenario(5) "news"): count items at times
 * drawn uniformly from [first, last], each moving the fundamental by a
 * jump of random sign (good with chance p_up) and size (size_min plus an
 * exponential of mean size, ticks).  How the market learns it is the kind:
 *
 *   hard  the value is public at once: every maker requotes around it at
 *         the item's time, owners cancel a share (cancel) of their resting
 *         orders on the wrong side of it, and for fast_s seconds fast
 *         traders take, every fast_interval seconds, whatever still rests
 *         more than fast_margin ticks on the wrong side of it;
 *   soft  the makers learn it gradually: what they do not know yet decays
 *         exponentially with time constant tau_up (good news) or tau_down
 *         (bad news), seconds, while informed traders, who know it all,
 *         trade on the gap.
 *
 * Each item also has a feed's view of it (struct sim_news_item): a
 * headline and a sentiment score whose sign is wrong with chance wrong.
 * Everything is drawn from the session's seed on a stream of its own, so
 * a scenario without "news" draws nothing and is the session it was.
 */
#define SIM_MAX_NEWS 16
enum { SIM_NEWS_NONE, SIM_NEWS_HARD, SIM_NEWS_SOFT };
struct sim_news_params {
	int kind;             /* SIM_NEWS_NONE: no random news */
	int count;            /* items per session */
	int64_t first, last;  /* ns since midnight */
	double size;          /* mean of |jump| beyond size_min, ticks */
	double size_min;
	double p_up;          /* chance an item is good news */
	double wrong;         /* chance the feed's sentiment has the wrong sign */
	double fast_s;        /* hard: how long fast traders pick off */
	double fast_interval; /* hard: seconds between their sweeps */
	double fast_margin;   /* hard: ticks of the new value they leave alone */
	double cancel;        /* hard: share of stale orders cancelled at once */
	double tau_up;        /* soft: seconds for makers to learn good news */
	double tau_down;      /* soft: ... and bad news */
};

struct sim_news_item {
	int64_t at;           /* ns since midnight */
	int kind;             /* SIM_NEWS_HARD or SIM_NEWS_SOFT */
	double jump;          /* ticks added to the fundamental */
	double sentiment;     /* the feed's score in [-1, 1] */
	char headline[80];
};

/* The defaults of a kind (tranche-scenario(5) lists them): what "news"
 * starts from before the scenario's own keys. */
void sim_news_default(struct sim_news_params *np, int kind);
/* "hard" -> SIM_NEWS_HARD, "soft", "none"; -1 otherwise. */
int sim_news_kind_parse(const char *s);
const char *sim_news_kind_name(int kind);
/* The items a session with this seed has, in time order, for symbol sym:
 * how many (at most SIM_MAX_NEWS).  The same seed gives the same items. */
int sim_news_draw(const struct sim_news_params *np, uint64_t seed,
                  const char *sym, struct sim_news_item *items);
/* 0 when np is usable, else BOOK_EINVAL. */
int sim_news_check(const struct sim_news_params *np);

/* Parameters of the built-in simulated market (a scenario's "market",
 * "profile" and "events"; tranche-scenario(5) documents each). */
struct sim_params {
	char sym[16];
	double tick;          /* dollars per tick */
	int64_t px0;          /* starting fundamental value, ticks */
	int64_t open, close;  /* the session (ns since midnight): the volume
	                         profile spans it */
	double sigma;         /* fundamental volatility, ticks per sqrt(second) */
	double perm_impact;   /* fundamental moves this many ticks per share of
	                         signed aggressive volume (information leakage) */
	double act_sd;        /* market activity: stdev of its log, which scales
	                         volatility and noise flow together */
	double act_tau;       /* how long activity spells last, seconds */
	/* Noise (zero-intelligence) traders. */
	double mkt_rate;      /* market orders per second (both sides) */
	double mkt_size;      /* their mean size, shares */
	double lim_rate;      /* limit orders per second (both sides) */
	double lim_size;      /* their mean size, shares */
	double lim_depth;     /* mean distance behind the own-side touch, ticks */
	double lim_inside;    /* chance a limit order improves the touch */
	double lim_life;      /* mean life of a noise limit order, seconds */
	double deep_rate;     /* patient limit orders deep in the book, per
	                         second (both sides) */
	double deep_size;     /* their mean size, shares */
	double deep_range;    /* placed uniformly up to this many ticks behind
	                         the own-side touch */
	double deep_life;     /* their mean life, seconds */
	/* Market makers. */
	int mm_count;         /* how many (each its own inventory and clock) */
	int mm_levels;        /* levels quoted each side */
	int64_t mm_size;      /* shares per level */
	double mm_half_spread;/* ticks from fair value to the best quote */
	double mm_skew;       /* ticks of skew per 1,000 shares of inventory */
	double mm_interval;   /* mean seconds between requotes */
	double mm_info;       /* weight of the fundamental in their fair value */
	double mm_vol_widen;  /* extra half spread per tick/s of volatility */
	double mm_stress;     /* volatility (ticks/s) at which they withdraw */
	double mm_stress_pause; /* seconds they stay out */
	int64_t mm_max_inv;   /* inventory beyond which they stop adding */
	/* Value traders. */
	double value_rate;    /* market orders per second per tick of
	                         mispricing (fundamental - mid) */
	double value_size;    /* their mean size, shares */
	/* Momentum traders. */
	double mom_lookback;  /* seconds of history they look at */
	double mom_threshold; /* ticks of move before they act */
	double mom_rate;      /* orders per second per tick beyond it */
	double mom_size;      /* mean size, shares */
	/* Informed traders: act when the mid is far from the fundamental
	 * (after news), fast and in size. */
	double inf_threshold; /* ticks of mispricing before they act */
	double inf_rate;      /* market orders per second while they do */
	double inf_size;      /* mean size, shares */
	/* Intraday volume shape: relative weights of equal slices of
	 * [open, close); 0 slices means flat. */
	int nprofile;
	double profile[SIM_MAX_PROFILE];
	int nevents;
	struct sim_event events[SIM_MAX_EVENTS];
	struct sim_news_params news;  /* kind SIM_NEWS_NONE: none */
};

void sim_params_default(struct sim_params *p);
/* An event with every effect neutral (multipliers 1, rates 0). */
void sim_event_default(struct sim_event *e);

/* The simulator's latent fundamental value, ticks (for statistics and
 * tests; -1 if m is not the simulator). */
double market_sim_value(const struct market *m);

/* The random news items of a simulated market (sim_news_draw()'s, for
 * the session's seed): how many, and item i; 0 items and -1 for any other
 * source. */
int market_news_count(const struct market *m);
int market_news_get(const struct market *m, int i, struct sim_news_item *out);

/* The simulated market, starting at time t0 with the given seed. */
int market_sim_new(struct market **out, const struct sim_params *p,
                   uint64_t seed, int64_t t0);

/* The Almgren-Chriss market (ac.c), in dollars and minutes as the paper
 * quotes them: an arithmetic Brownian mid (sigma $/sqrt(min), times noise
 * on the increments only), permanent impact gamma $ per share, and fills of
 * our crossing orders priced at mid -/+ (eps + eta/tau * v), v the child's n
 * plus our crossing of the last tau, weighted as ac.c says. */
struct ac_params {
	double sigma, eta, gamma, eps;
	double tau_min;  /* the slice length the rate n/tau is taken over */
	double noise;    /* 1: real noise; 0: a deterministic price path */
	double step_s;   /* diffusion grid (0: 1 s) */
};
int market_ac_new(struct market **out, const struct sim_params *p,
                  const struct ac_params *a, uint64_t seed, int64_t t0);
/* 0 and *a filled when m is an AC market; -1 otherwise. */
int market_ac_get(const struct market *m, struct ac_params *a);

int market_advance(struct market *m, int64_t t);
void market_free(struct market *m);

/* Our orders.  *id receives the new order's id; fills of the immediately
 * crossing part are reported through the fill callback before this
 * returns, and *filled (may be NULL) says how much. */
int market_submit(struct market *m, int side, int64_t px, int64_t qty,
                  int tif, uint64_t *id, int64_t *filled);
int market_cancel(struct market *m, uint64_t id, int64_t *qty);

/* Mid price in (fractional) ticks; -1 if either side is empty.  A source's
 * own mid where it has one (ops->mid). */
double market_mid(const struct market *m);

/* Realised volatility of the mid, ticks per sqrt(second), over the short
 * (lng 0) or long (lng 1) horizon; 0 before two samples. */
double market_sigma(const struct market *m, int lng);
/* The market's volume (ours excluded), shares per second, over the short
 * or long horizon; 0 before the first step. */
double market_volume_rate(const struct market *m, int lng);

/* Used by sources: wire the book's callbacks to the market's. */
void market_init_common(struct market *m, const struct market_ops *ops,
                        const char *sym, double tick);

#endif
