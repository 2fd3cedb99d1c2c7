/*
 * engine/watch/watch.h -- the alert detector: regime shifts in a symbol's
 * market and trouble in a block, told as alerts that are raised, escalate
 * and clear.  This header is the whole API of engine/watch/.
 *
 * The detector is fed plain numbers on a fixed grid of simulated time
 * (WATCH_STEP_S): per symbol the book's top and top-5 depth, the mid and
 * the aggressive volume printed since the last sample (watch_sample()); per
 * block its shortfall and its distance from schedule (watch_block()).  It
 * keeps rolling statistics of its own -- an exponentially weighted baseline
 * over `baseline_s` of the mid's one-second variance, the spread and the
 * depth, and a few minutes of history -- and compares the present with
 * them.  It knows nothing of books, blocks or sockets, reads no clock and
 * draws no random number, so the same samples give the same alerts, which
 * is what makes alerts the same at any --speed and in recovery.
 *
 * Each condition (a kind, for a symbol or a block) is a small state
 * machine: it is raised once its level has held for `confirm_s`, escalates
 * when the numbers get worse or a WARN lasts `escalate_s`, and clears once
 * the numbers have stayed back inside a margin (80% of the WARN threshold)
 * for `clear_s`.  Every change goes out through one callback as a struct
 * watch_alert with the numbers in words and a suggested action.
 */
#ifndef TRANCHE_WATCH_H
#define TRANCHE_WATCH_H

#include <stddef.h>
#include <stdint.h>

#define WATCH_STEP_S 1
#define WATCH_NS_PER_SEC 1000000000LL
#define WATCH_MAX_SYMS 8
#define WATCH_MAX_BLOCKS 64
#define WATCH_MAX_NEWS 64

enum watch_level { WATCH_NONE, WATCH_INFO, WATCH_WARN, WATCH_CRIT };
enum watch_change { WATCH_RAISED, WATCH_ESCALATED, WATCH_CLEARED };

/* Thresholds: the scenario's "alerts" object (tranche-scenario(5)); each
 * key is a field of the same name. */
struct watch_config {
	double move_warn, move_crit;     /* mid move, in sigmas of its horizon */
	double move_min;                 /* ...and at least this many ticks */
	double spread_warn, spread_crit; /* spread / its baseline */
	double depth_warn, depth_crit;   /* top-5 depth / its baseline (below) */
	double vol_warn, vol_crit;       /* 60-s volatility / its baseline */
	double volume_warn, volume_crit; /* window volume / its baseline */
	double flow_warn, flow_crit;     /* share of the window's aggressive
	                                    volume on its busier side */
	double flow_min;                 /* ...with at least this many times the
	                                    baseline volume in the window */
	double cost_bps;                 /* every block's shortfall limit (0:
	                                    none unless set per block) */
	double cost_crit;                /* CRIT at this many times the limit */
	double sched_warn, sched_crit;   /* behind/ahead, percent of the block */
	double window_s;                 /* volume and flow window */
	double baseline_s;               /* the baselines' horizon */
	double warmup_s;                 /* no market alert before this much
	                                    history */
	double confirm_s;                /* a level holds this long to raise */
	double escalate_s;               /* a WARN lasting this long is CRIT */
	double clear_s;                  /* back inside this long to clear */
	double news;                     /* 1: scenario events raise INFO */
};

void watch_config_default(struct watch_config *c);
/* Set threshold `key` to v; 0, or -1 with err naming the key and value (an
 * unknown key: with the known ones; a value out of range: with the range). */
int watch_config_set(struct watch_config *c, const char *key, double v,
                     char *err, size_t errlen);
/* Check the thresholds together (crit beyond warn ...); 0 or -1 with err. */
int watch_config_check(const struct watch_config *c, char *err, size_t errlen);
/* The keys, their ranges, defaults and meaning: for --help and the tests
 * that hold the man page to them. */
struct watch_key {
	const char *name;
	double lo, hi;
	const char *help;
};
extern const struct watch_key watch_keys[];
extern const size_t watch_nkeys;

struct watch_alert {
	uint32_t id;          /* the alert's id: the same for every change */
	int level;            /* enum watch_level, after the change */
	int change;           /* enum watch_change */
	const char *kind;     /* move spread depth vol volume flow news cost
	                         behind ahead */
	int sym;              /* the symbol's index */
	uint32_t block;       /* 0: a market alert */
	int64_t t, since;     /* now, and when it was raised */
	char text[320];       /* the numbers in words */
	const char *action;   /* what a person might do */
};

typedef void (*watch_cb)(void *arg, const struct watch_alert *a);

/* One symbol's sample: the book now and what printed since the last. */
struct watch_sample {
	double mid;                 /* ticks; < 0 when a side is empty */
	int64_t bid, ask;           /* best prices, ticks; 0 when empty */
	int64_t bid_top, ask_top;   /* shares at the best prices */
	int64_t bid5, ask5;         /* shares in the best five levels */
	int64_t buy, sell;          /* aggressive volume since the last sample */
};

/* One block's state at a sample. */
struct watch_blockinfo {
	uint32_t id;
	int sym;
	int active;        /* 0 once the block is finished: its alerts clear */
	int buy;           /* 1 buys, 0 sells */
	int64_t qty, filled, sched;
	double cost_bps;   /* shortfall so far, bps (positive: a cost) */
	double cost_limit; /* bps; 0: the config's cost_bps */
	const char *state; /* its state's name, for the text when it ends
	                      (NULL: "finished") */
	int stopped;       /* 1: paused, halted, journal-halted or past its
	                      window's end: behind/ahead raise nothing new and
	                      do not escalate; what stands holds, or clears */
	int cap_binds;     /* 1: a cap a person set holds the block back */
	double cap_pct;    /* ...that cap, percent of the market's volume */
	int64_t cap_set;   /* ...and when it was set (ns since midnight) */
};

struct watch;

/* A detector for nsyms symbols (names for the texts, tick in dollars). */
int watch_new(struct watch **out, const struct watch_config *c,
              const char *const *syms, int nsyms, double tick, watch_cb cb,
              void *arg);
void watch_free(struct watch *w);
/* A news item for symbol sym at time at, lasting dur_s. */
int watch_news(struct watch *w, int sym, int64_t at, double dur_s,
               const char *name);
/* Symbol sym's sample at time t (t on the WATCH_STEP_S grid, increasing). */
void watch_sample(struct watch *w, int sym, int64_t t,
                  const struct watch_sample *s);
/* A block's state at time t. */
void watch_block(struct watch *w, int64_t t, const struct watch_blockinfo *b);
/* Alerts standing now, and WARN/CRIT alerts ever raised (market ones,
 * news excluded, and block ones), for measurement. */
int watch_active(const struct watch *w);
int64_t watch_raised(const struct watch *w, int market);

const char *watch_level_name(int level);
const char *watch_change_name(int change);

#endif
