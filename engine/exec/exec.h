/*
 * engine/exec/exec.h -- parent ("block") orders and the algorithms that
 * work them.  This header is the whole API of engine/exec/.
 *
 * A scheduler (struct algo_ops, one file each: algo-twap.c ...) says how
 * many shares should be done by a given time.  The tactic (exec-tactic.c)
 * turns that target into child orders at each decision interval: keep
 * children that still sit at the touch, cancel the stale ones, cross when
 * behind schedule by more than one slice, post the rest passively, and
 * never exceed what remains or the participation cap.  At the end of the window
 * whatever remains is crossed (the block's at_end setting "cross", its
 * cleanup field) or left unfilled ("leave"); a block that ends with shares
 * unfilled is EXPIRED, never DONE.
 *
 * An adaptive algorithm may own its trajectory: at a decision it
 * re-plans the remainder (struct exec_plan, exec-plan.c) and the schedule
 * follows the plan from then on; it may also read the fast market signals
 * (engine/model/signal.h, sampled each simulated second by
 * exec-signal.c) and be woken by them for a decision between those of its
 * grid.  Caps, limits and a trader's overrides bind a plan as they bind
 * any schedule.
 *
 * The engine trades one market per symbol (exec_new() the first,
 * exec_add_market() the others); each block trades in the market of its
 * symbol, and exec_tick() advances every market to the same time.
 *
 * exec never touches a socket or a clock: time comes in through exec_tick()
 * and everything worth telling a person goes out through one emit callback
 * as (topic, JSON payload).  With no emit callback (the backtester) no JSON
 * is built at all.
 */
#ifndef TRANCHE_EXEC_H
#define TRANCHE_EXEC_H

/* The lowest participation cap, in percent, a block may be given (a
 * scenario's, a submit's, a throttle's): a cap of 1e-300% was taken and
 * left a block that could never trade (found by a probe). */
#define EXEC_POV_MIN 0.01
/* The same, as refusals' words write it. */
#define EXEC_STR_(x) #x
#define EXEC_STR(x) EXEC_STR_(x)
#define EXEC_POV_MIN_TEXT EXEC_STR(EXEC_POV_MIN)

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "engine/market/market.h"
#include "engine/market/venue.h"
#include "engine/tca/tca.h"

enum parent_state {
	PARENT_NEW,
	PARENT_WORKING,
	PARENT_PAUSED,
	PARENT_DONE,
	PARENT_CANCELLED,
	PARENT_HALTED,
	PARENT_JOURNAL_HALTED, /* the journal cannot be written: see below */
	PARENT_EXPIRED,  /* the window ended with shares unfilled */
};

/* 1 when a block in state is finished: DONE, CANCELLED or EXPIRED. */
#define EXEC_STATE_FINAL(state) \
	((state) == PARENT_DONE || (state) == PARENT_CANCELLED || \
	 (state) == PARENT_EXPIRED)

enum child_style { STYLE_PASSIVE, STYLE_INSIDE, STYLE_CROSS };

/*
 * How aggressively the tactic may work a block.  PASSIVE only posts at the
 * touch (and at the end of the window stops and reports what is unfilled);
 * NEUTRAL posts and crosses to catch up when behind schedule (the default);
 * AGGRESSIVE crosses for the whole slice at once.  A trader can cap it
 * (throttle) or force one for a while (override); a forced style is still
 * held under the cap.
 */
enum aggression { AGGR_PASSIVE, AGGR_NEUTRAL, AGGR_AGGRESSIVE };

struct parent;
struct exec;
struct model;

/*
 * What a policy chose at one decision (algo-learned.c): how much to trade
 * relative to what the tactic would do this interval (mult scales the slice
 * it posts or takes; catching up what is behind stays the tactic's), and
 * how: -1 the tactic's own rule, else an enum child_style.  The tactic
 * (exec-tactic.c) applies it under the same caps, limits and risk checks as
 * any other decision.
 * note (may be empty) goes in front of the decision's reason; detail (may
 * be NULL, owned by exec after the call) adds fields to the decision event.
 */
struct algo_action {
	double mult;
	int style;
	char note[320];
	cJSON *detail;
	/* A re-plan of the remainder before the tactic works this decision
	 * (exec_replan, struct exec_plan): with replan 1, urgency is the AC
	 * curve's urgency over the time left, kappa (T - t) (negative
	 * back-loads; EXEC_PLAN_OWN keeps the algorithm's own schedule's
	 * shape), and lump shares are due over lump_ns on top.  This is how a
	 * policy owns its trajectory; a refused re-plan leaves the plan as it
	 * was and the decision's reason says why. */
	int replan;
	double urgency;
	int64_t lump, lump_ns;
};

struct exec_plan;

/* The most a block may be worth at submit or amend, ticks x shares (cash
 * is 64-bit ticks x shares: 9.2e18 leaves the price room to move
 * 90-fold). */
#define EXEC_MAX_VALUE 1e17

struct algo_ops {
	const char *name;
	/* Shares that should be done by time t (0 .. qty, non-decreasing). */
	int64_t (*target)(const struct parent *p, int64_t t);
	/* Optional: called once when the block starts, with the market it
	 * will trade in, to fix parameters the schedule needs (AC). */
	void (*start)(struct parent *p, const struct market *m);
	/* The tactic this algorithm works with unless the block says
	 * otherwise: 0 neutral, else 1 + enum aggression. */
	int aggression;
	/* 1: passive, and still crossing what is left at the end of the
	 * window as the block's cleanup says (twap-patient), unless a person
	 * made it passive (a forced style or an aggression cap). */
	int finish;
	/* The catch-up this algorithm works with unless the block says
	 * otherwise (its catchup and catchup_max): 0, the tactic's default
	 * (behind by a slice, and the whole gap crossed at once).  With
	 * catchup_book, only in a market with a book to rest in: where
	 * nothing posted fills (the Almgren-Chriss world), a band slower
	 * than the schedule only falls behind. */
	double catchup, catchup_max;
	int catchup_book;
	/* Optional: a policy choosing the action at each decision; 0, or -1
	 * to leave the decision to the tactic.  Not called while a trader's
	 * override forces a style. */
	int (*decide)(struct exec *x, struct parent *p, int64_t t,
	              struct algo_action *a);
	/* Optional: event-driven decisions.  With signals 1 the engine samples
	 * the fast signals of every market each simulated second while a
	 * block of this algorithm is unfinished (exec_signals()); with wake
	 * set it also asks wake at each of those seconds whether block p
	 * wants a decision now, and if so decides at once, provided react_s
	 * seconds (the block's react_s, else this; 1..10) have passed since
	 * its last decision.  The decision grid then restarts from there. */
	int signals;
	int (*wake)(struct exec *x, struct parent *p, int64_t t);
	double react_s;
	/* Optional: free what the algorithm keeps in p->algo_state. */
	void (*release)(struct parent *p);
	/* 1: a block is accepted only once a policy model is loaded
	 * (exec_set_model, else model_default_path()). */
	int needs_model;
	/* Optional: watch block p with model mdl as a shadow (tranched
	 * --shadow): choose as if trading at a decision where the live
	 * algorithm chose multiplier live_mult and style live_style (-1: the
	 * tactic's own, else an enum child_style) and re-planned from before
	 * to p->plan (the same when it did not), never trade, and add a
	 * "shadow" object to *extra (created if NULL).  shadow_json: the
	 * block's running totals, kept in p->shadow_state. */
	void (*shadow)(struct exec *x, struct parent *p, const struct model *mdl,
	               int64_t t, double live_mult, int live_style,
	               const struct exec_plan *before, cJSON **extra);
	cJSON *(*shadow_json)(const struct parent *p);
};

extern const struct algo_ops algo_twap_ops;
extern const struct algo_ops algo_twap_passive_ops;
extern const struct algo_ops algo_twap_aggressive_ops;
extern const struct algo_ops algo_twap_patient_ops;
extern const struct algo_ops algo_twap_band_ops;
extern const struct algo_ops algo_vwap_ops;
extern const struct algo_ops algo_pov_ops;
extern const struct algo_ops algo_ac_ops;
extern const struct algo_ops algo_learned_ops;
extern const struct algo_ops algo_ais_aggr_ops;
extern const struct algo_ops algo_ais_pass_ops;
extern const struct algo_ops algo_event_ops;

/* Every scheduler, for --help texts and the backtester. */
extern const struct algo_ops *const algo_all[];
extern const size_t algo_count;

/* Find a scheduler by name; NULL if there is none. */
const struct algo_ops *algo_find(const char *name);
/* "twap, twap-passive, ...": every name, for "known: ..." in errors. */
void algo_known(char *buf, size_t n);
/* The algorithm that can watch blocks as a shadow (ops.shadow); NULL if
 * none can. */
const struct algo_ops *algo_shadow_ops(void);

/* The most slices a block's catchup or catchup_max may say (a scenario,
 * --set or a submit's params; exec_submit holds every block to it). */
#define EXEC_CATCHUP_MAX 1000

struct parent_spec {
	char sym[16];
	int side;            /* BOOK_BID buys, BOOK_ASK sells */
	int64_t qty;
	int64_t start, end;  /* simulated ns */
	int64_t interval;    /* decision interval, ns */
	int64_t limit_px;    /* 0: none */
	int64_t lot;         /* round lot (100) */
	double max_pov;      /* participation cap in percent, 100 = none */
	int cleanup;         /* at_end: 1 "cross" what remains at the end of
	                        the window, 0 "leave" it unfilled */
	char algo[16];
	/* Tactic.  Zero everywhere means the default. */
	int aggression;      /* 0: the algorithm's own; else 1 + enum aggression */
	double catchup;      /* cross when behind by more than this many slices
	                        (0: the algorithm's, else 1) */
	double catchup_max;  /* a catch-up crosses at most this many slices at
	                        a decision (0: the algorithm's, else the whole
	                        gap at once); each at most EXEC_CATCHUP_MAX */
	int inside;          /* 1: post one tick off the far touch, inside the
	                        spread, instead of joining the near touch */
	double urgency;      /* AC: kappa*T when ac_lambda is 0 (0: 1) */
	/* VWAP: relative volume of equal buckets of the window (0: flat). */
	int nprofile;
	double profile[64];
	/* POV: target share of others' volume, percent; at least pov_floor
	 * percent of the TWAP schedule; never above pov_cap percent of the
	 * volume observed. */
	double pov, pov_floor, pov_cap;
	/* AC (dollars and minutes, as Almgren and Chriss quote them); 0: use
	 * the market's own (ac-world) or estimate it (see algo-ac.c). */
	double ac_lambda, ac_sigma, ac_eta, ac_gamma;
	/* Risk: participation over a rolling window, and a child rate limit
	 * (0: none). */
	double win_pov;      /* percent of all volume in the window */
	double win_s;        /* the window, seconds (0: 300) */
	double max_rate;     /* children per minute */
	/* Adaptive algorithms (0: the algorithm's default).  adapt: ais-aggr
	 * and ais-pass, how strongly the urgency answers the price's move
	 * against arrival (the urgency over the time left is moved by adapt
	 * x z, z the move in sigmas, +-2 at most).  event: the move in
	 * sigmas (event_k)
	 * over event_win seconds, with others' flow at least event_flow
	 * one-sided, that takes event_f of the remainder; react_s the least
	 * spacing of event-driven decisions, seconds (1..10). */
	double adapt;
	double event_k, event_f, event_win, event_flow;
	double react_s;
	/* Venues (exec-route.c): a mask of VENUE_BIT()s, 0 the lit book only;
	 * the dealers asked ("all", "random:K", "top:K"; empty: all).  The
	 * rest 0 means the default: dark_pct of the remainder rests in the
	 * pool (30), no execution smaller than dark_min shares (1000); an RFQ
	 * for rfq_pct of the remainder (50) when the remainder is more than
	 * rfq_trigger percent of the volume expected until the end (10),
	 * accepting a quote no worse than rfq_max_bps from the mid (25), at
	 * most one every rfq_every_s seconds (900). */
	unsigned venues;
	char dealers[16];
	double dark_pct;
	int64_t dark_min;
	double rfq_pct, rfq_trigger, rfq_max_bps, rfq_every_s;
	/* 1: the dark child is a conditional for the whole remainder instead
	 * of a firm order for dark_pct of it; invited, it firms up for what
	 * is unworked then (exec-route.c). */
	int dark_cond;
	/* Where the block came from, told to people and kept by the journal:
	 * kind "fix" (session: the FIX sessions file's name; clordid: the
	 * order's ClOrdID, the latest of a cancel/replace chain), "ctl" or
	 * "console"; kind "" is the scenario's or unsaid.  exec only keeps
	 * and shows it. */
	struct {
		char kind[8];
		char session[33];  /* 1 to 32 characters, as a sessions file allows */
		char clordid[64];
	} origin;
};

struct child {
	uint64_t id;
	int64_t px, qty, filled;
	int style;
	int live;
	int64_t t;
	double mid;  /* mid when sent, ticks: the TCA's reference */
	double half_spread;
	int manual;  /* a trader's day order: the tactic never replaces it */
	int venue;   /* enum venue_kind: where it trades */
	int64_t min_qty; /* dark: the least quantity of one execution */
	int cond;        /* dark: an indication not yet firmed up (its qty
	                    is not in the block's venue_working) */
};

/*
 * A trajectory an algorithm owns (exec-plan.c).  Made at t0, it counts
 * from shares as done then (the schedule's own target at t0, so a re-plan
 * never jumps the schedule back), adds lump more due evenly over lump_ns
 * (0: at once), and spreads the rest to the block's quantity by end on an
 * Almgren-Chriss curve of urgency kappa (per ns; 0 a straight line).
 * While a plan is on, exec_target() follows it instead of the algorithm's
 * target; the tactic, the caps, the limit and a trader's overrides work it
 * exactly as they work any schedule.  Switching algorithm drops it.
 */
struct exec_plan {
	int on;
	int64_t t0, end;
	int64_t from;
	int64_t lump, lump_ns;
	double kappa;   /* per ns: > 0 front-loads (AC), < 0 back-loads
	                   (AC's mirror image), 0 a straight line */
	int own;        /* 1: the rest keeps the shape of the algorithm's own
	                   target after t0 instead of an AC curve */
	int64_t own0;   /* ...whose value at t0 was this */
};

struct parent {
	uint32_t id;
	struct parent_spec spec;
	struct market *m;      /* the market of its symbol: where it trades */
	const struct algo_ops *algo;
	int state;
	int64_t filled;
	int64_t working;       /* shares resting in live children */
	int64_t cash;          /* sum of px*qty of fills, ticks x shares */
	int64_t passive_filled;
	struct tca_sums tca;   /* the shortfall's parts, fill by fill */
	double arrival;        /* mid at start, ticks */
	int64_t vol0, ourvol0; /* market volume counters at start */
	/* The participation cap counts from here: the block's start, or the
	 * last time a person changed the cap (volume counters and our filled
	 * shares then, and the time). */
	int64_t cap_vol0, cap_our0, cap_filled0, cap_t0;
	int cap_person;        /* 1: a person set the cap (throttle, limit) */
	int64_t next_decision;
	int64_t end_px;        /* mid at the end, for unfilled valuation */
	int64_t ended;         /* simulated time it ended (DONE, CANCELLED,
	                        * EXPIRED) */
	double end_mid;        /* the mid then, unrounded (ticks) */
	int64_t vol_end, ourvol_end; /* the market's and our volume then */
	int behind_alerted;
	int dirty;
	int aggr_cap;          /* enum aggression: the most the tactic may use */
	int force_style;       /* enum aggression forced until force_until; -1 */
	int64_t force_until;
	int64_t max_child;     /* 0: no bound beyond what remains */
	int64_t news_fired;    /* the news item (its time) a policy's news
	                        * rule last took a lump for; INT64_MIN none.
	                        * The block's, not its algorithm's: a switch
	                        * away and back does not fire it again */
	int halted_from;       /* the state a kill switch interrupted */
	int halt_end_told;     /* its window ended while halted: alerted */
	int overfill_told;     /* filled past its quantity: alerted */
	int jhalted_from;      /* the state a journal halt interrupted */
	/* What schedulers may read: others' volume since the start as of
	 * mkt_t, and the AC trajectory's kappa (per ns) fixed at the start. */
	int64_t mkt_vol, mkt_t;
	double ac_kappa;
	double est_sigma, est_eta, est_eps; /* estimates at start, $ and min */
	/* Risk state: recent child times, volume samples for the rolling
	 * window, refusals. */
	int64_t sent_t[64];
	unsigned nsent;
	int64_t win_t[256], win_vol[256], win_our[256];
	unsigned nwin;
	int64_t refused;
	int64_t last_refusal_alert;
	double cost_limit;     /* shortfall alert limit, bps; 0: the default */
	struct child *children;
	size_t nchildren, capchildren;
	void *algo_state;      /* the algorithm's own, freed by its release */
	struct exec_plan plan; /* the trajectory an algorithm re-planned */
	int64_t last_decision; /* the time of the last decision, ns */
	void *shadow_state;    /* a shadow model's view of the block (malloc'd) */
	/* Venues: shares resting in the dark pool or asked for in an RFQ
	 * (not in working, which is the lit book's), fills by venue, and when
	 * the last RFQ went out. */
	int64_t venue_working;
	int64_t venue_filled[VENUE_COUNT];
	int64_t last_rfq;
	int rfqs;
};

struct exec_emit {
	void (*emit)(void *arg, const char *topic, cJSON *payload);
	void *arg;
};

struct exec;

/* At most this many markets (symbols) per exec. */
#define EXEC_MAX_MARKETS 8
/* Our order ids in market i start at i times this, so child ids are
 * unique across symbols. */
#define EXEC_CHILD_ID_STRIDE 1000000000ULL

/* An exec trading in m (borrowed: the caller frees it after exec_free). */
int exec_new(struct exec **out, struct market *m, const struct exec_emit *e);
void exec_free(struct exec *x);
/* One more market (borrowed), for another symbol, before anything trades.
 * 0, or -1 with err (too many, or the symbol is traded already). */
int exec_add_market(struct exec *x, struct market *m, char *err,
                    size_t errlen);

/* Validate and add a parent order in the market of its symbol (an empty
 * sym means the first market); on error, err names the field and the
 * value (an unknown sym: with the symbols traded).  *id (may be NULL)
 * receives the block's id. */
int exec_submit(struct exec *x, const struct parent_spec *s, uint32_t *id,
                char *err, size_t errlen);

/* Advance the market to t and make every decision due by then. */
void exec_tick(struct exec *x, int64_t t);

/* Human control.  id 0 means every block.  0 on success, or -1 with err
 * naming what was wrong.  Pause cancels working children and sends no new
 * ones until resume. */
int exec_pause(struct exec *x, uint32_t id, char *err, size_t errlen);
int exec_resume(struct exec *x, uint32_t id, char *err, size_t errlen);
int exec_throttle(struct exec *x, uint32_t id, double pct, char *err,
                  size_t errlen);
int exec_cancel(struct exec *x, uint32_t id, char *err, size_t errlen);
/* 0 when qty shares at m's price now are worth at most EXEC_MAX_VALUE,
 * else -1 with err saying the price and the worth. */
int exec_value_check(const struct market *m, int64_t qty, char *err,
                     size_t errlen);

/* Throttle in full: fields left at their "unchanged" value stay as they
 * are.  pct <= 0, max_child <= 0 and aggression < 0 mean unchanged.  A new
 * pct counts from now on: the block's participation is measured over the
 * market's volume since the change, not since its start, so throttling a
 * block that has traded at 45% to 12% trades on at 12% at once instead of
 * holding until the whole day's average falls to 12%. */
struct exec_limits {
	double pct;
	int64_t max_child;
	int aggression;
};
int exec_limit(struct exec *x, uint32_t id, const struct exec_limits *l,
               char *err, size_t errlen);

/*
 * Amend a live block's terms (the order's, not the tactic's): fields left
 * at their "unchanged" value stay as they are (qty 0, limit_px -1, end 0).
 * Everything is checked before anything changes: a qty below the shares
 * already filled, a limit below 0, an end not after both the start and
 * simulated now are refused, -1 with *field naming the term ("qty",
 * "limit_px", "end") and err saying why but not the value, which the
 * caller quotes as it was sent; *field is NULL for any other refusal (no
 * such block, a finished one), said whole in err.  A qty equal to what is
 * filled finishes the block DONE; a smaller rest cancels the working
 * children beyond it, a new limit those through it.  A new end reshapes
 * the schedule over the new window from the next decision on.
 */
struct exec_amend {
	int64_t qty;
	int64_t limit_px;
	int64_t end;
};
int exec_amend(struct exec *x, uint32_t id, const struct exec_amend *a,
               const char **field, char *err, size_t errlen);

/* Overrides of one block. */
int exec_force_style(struct exec *x, uint32_t id, int style, int64_t for_ns,
                     char *err, size_t errlen);
int exec_set_limit_px(struct exec *x, uint32_t id, int64_t px, char *err,
                      size_t errlen);
int exec_switch_algo(struct exec *x, uint32_t id, const char *algo, char *err,
                     size_t errlen);
int exec_cancel_children(struct exec *x, uint32_t id, char *err,
                         size_t errlen);
/* A manual child order, checked by exec_risk_check first.  A day order
 * (ioc 0) keeps what does not fill at once resting in the book, as a child
 * the tactic leaves alone, until it fills, a person cancels it or the block
 * ends; an IOC order's unfilled rest is cancelled and says so. */
int exec_manual_child(struct exec *x, uint32_t id, int64_t px, int64_t qty,
                      int ioc, char *err, size_t errlen);
/* Cancel one working child of block id (the tactic's or a manual one). */
int exec_cancel_child_id(struct exec *x, uint32_t id, uint64_t child,
                         char *err, size_t errlen);

/* The end-of-window setting of block id (0: every unfinished block):
 * cross 1 crosses what remains when the window ends, 0 leaves it. */
int exec_set_at_end(struct exec *x, uint32_t id, int cross, char *err,
                    size_t errlen);
const char *exec_at_end_name(int cross);
/* "cross" 1, "leave" 0, anything else -1. */
int exec_at_end_parse(const char *s);

/*
 * What throttling block id to pct would lead to, from the market's volume
 * rate of the last half hour (ours included) over what is left of the
 * window, shaped by the block's volume profile when it has one: the shares the cap would let it
 * fill by the end, the filled fraction it would reach, and what would be
 * left to the end-of-window setting.  Reads only.
 */
struct exec_preview {
	double pct;
	int64_t end;             /* the window's end, ns */
	int64_t expected_volume; /* all shares expected to print until the end,
	                            ours included */
	int64_t expected_fill;   /* our shares by the end, filled included */
	double filled_pct;       /* expected_fill / qty * 100 */
	int64_t unfilled;        /* qty - expected_fill */
	int cross;               /* the block's at_end setting */
};
int exec_throttle_preview(struct exec *x, uint32_t id, double pct,
                          struct exec_preview *out, char *err, size_t errlen);

/* The kill switch: every unfinished block HALTED, everything working
 * cancelled, nothing new until release puts each back as it was.  It is a
 * latch, on from kill to release whatever happens to the blocks between
 * (cancelling every halted one does not end it), and kill turns it on
 * with nothing working too. */
int exec_kill(struct exec *x, char *err, size_t errlen);
int exec_release(struct exec *x, char *err, size_t errlen);
/* 1 while the kill switch is on. */
int exec_killed(const struct exec *x);
/* The switch off with nothing released and nothing said: recovery of a
 * journal written before the switch was a latch (server_kill_holds). */
void exec_kill_forget(struct exec *x);

/*
 * The journal halt (the engine cannot record what it does): on, every
 * unfinished block goes to JOURNAL-HALTED as it stands -- working children
 * stay where they are, nothing is cancelled or sent, because a cancel is an
 * order too and could not be journaled either -- and exec_tick() makes no
 * decision for it.  Off, every such block is back in the state it was in,
 * with its schedule untouched, so a session that was halted and resumed at
 * the same simulated time is the session that never halted.  Nothing is
 * emitted but the blocks' own changes.  Returns how many blocks changed.
 */
int exec_journal_halt(struct exec *x, int on);

/* Fat-finger bound: a child's price may not be further than this fraction
 * of the mid from the mid. */
#define EXEC_COLLAR 0.05

/* Risk checks a child must pass before it reaches the market: quantity
 * positive, within what remains unworked and the block's maximum child,
 * price within the collar around the mid and not through the limit.  0, or
 * -1 with err naming the limit and the values. */
int exec_risk_check(const struct exec *x, const struct parent *p, int64_t px,
                    int64_t qty, char *err, size_t errlen);

const char *exec_aggression_name(int a);
int exec_aggression_parse(const char *s);

size_t exec_count(const struct exec *x);
struct parent *exec_get(struct exec *x, size_t i);
struct parent *exec_find(struct exec *x, uint32_t id);
/* 1 when every block is finished (DONE, CANCELLED or EXPIRED). */
int exec_all_done(const struct exec *x);

/* Emit "block" for every block changed since the last call. */
void exec_emit_dirty(struct exec *x);

/* JSON views for status and snapshot replies. */
cJSON *exec_block_json(const struct exec *x, const struct parent *p);
const char *exec_state_name(int state);

/* Schedule helpers for algorithms and tests. */
int64_t exec_round_lot(int64_t qty, int64_t lot, int64_t remaining);
/* The TWAP target: qty times the elapsed fraction of the window. */
int64_t algo_twap_target(const struct parent *p, int64_t t);
/* What block p should have done by t: its plan when its algorithm made
 * one (struct exec_plan), else its algorithm's target. */
int64_t exec_target(const struct parent *p, int64_t t);
/* Re-plan the remainder of block p at t: from the schedule's target at t,
 * lump shares due over lump_ns on top (clipped to what remains), and the
 * rest by the end of the window on an AC curve of urgency kappa per ns
 * (0: a straight line; negative: back-loaded, the mirror image;
 * EXEC_PLAN_OWN: the shape of the algorithm's own target from t on,
 * rescaled to the rest).  0, or -1 with err naming the bad value (a
 * non-finite kappa or one whose urgency over the time left is beyond
 * EXEC_PLAN_MAX_URGENCY, a negative lump or horizon, t outside the
 * window); a refused re-plan changes nothing. */
#define EXEC_PLAN_OWN 1e300
#define EXEC_PLAN_MAX_URGENCY 100.0
int exec_replan(struct parent *p, int64_t t, double kappa, int64_t lump,
                int64_t lump_ns, char *err, size_t errlen);
/*
 * What a re-plan changed, for people: before is a copy of p->plan taken
 * before the re-plan (before->on 0: the algorithm's own schedule was in
 * force), read at t against p->plan now.  Writes into buf "re-plan: half
 * the rest (120,000) due by 10:45:10 instead of 11:20:00 (urgency 0.60 ->
 * 3.00), +12,000 now" -- half the rest: half of what before left at t;
 * the change in what is due at t last -- or "plan kept: ..." when neither
 * moved (to the second, to the share).  With extra non-NULL it also adds
 * "plan_before" and "plan_after" to *extra (created if NULL): {"kind":
 * "base|ac|own","urgency"? (ac),"lump","due","half_qty","half_t"}.
 * Returns 1 when the plan changed, else 0.  The tactic calls it for every
 * re-plan an algorithm's action asks for; an algorithm that re-plans
 * otherwise calls it itself.
 */
int exec_plan_describe(const struct parent *p, const struct exec_plan *before,
                       int64_t t, char *buf, size_t n, cJSON **extra);
/* The AC curve's share of a remainder done after dt of a span of T (both
 * ns) at urgency kappa per ns: 1 - sinh(kappa (T - dt)) / sinh(kappa T),
 * and for a negative kappa the mirror image sinh(|kappa| dt) /
 * sinh(|kappa| T). */
double exec_ac_frac(double kappa, int64_t dt, int64_t T);

/*
 * Fast signals of block p's market (engine/model/signal.h), sampled each
 * simulated second while an algorithm with ops.signals is working, and
 * what they mean for the block.  exec_signals: 0, or -1 when nothing has
 * been sampled for p's market (no algorithm asked).  exec_sig_state: the
 * market's raw state, for windows other than the standard ones (NULL
 * likewise).
 */
struct sig_state;
struct exec_signals {
	double sigma1;          /* baseline sigma of the 1-s mid change, ticks */
	double move5, move30;   /* mid move in sigmas of the window, up + */
	double flow5, flow30;   /* others' signed aggressive flow, -1..1 */
	int64_t vol5, vol30;    /* ...and their volume */
	double depth_near, depth_far; /* top-5 depth on our side and the side
	                           we cross into / its baseline */
	double spread_rel;      /* spread / its baseline */
	double move_arrival;    /* mid move since arrival in sigmas of the
	                           time elapsed, + in the block's favour */
	int64_t queue_ahead;    /* shares ahead of its resting children; -1 */
	double inv_left;        /* shares left / quantity */
	double time_left;       /* window left / window */
	/* The news feed (exec_news_last): seconds since the last item on the
	 * symbol and its sentiment (-1..1); -1 and 0 when there has been
	 * none. */
	double news_age_s, news_sentiment;
};
int exec_signals(const struct exec *x, const struct parent *p,
                 struct exec_signals *out);
const struct sig_state *exec_sig_state(const struct exec *x,
                                       const struct market *m);

/* The tactic style a block uses now (enum aggression). */
int exec_mode_of(const struct exec *x, const struct parent *p);

/* The markets the engine trades in: the first (the only one of a
 * one-symbol session), by index, by symbol (NULL if none trades it). */
struct market *exec_market(struct exec *x);
size_t exec_market_count(const struct exec *x);
struct market *exec_market_at(struct exec *x, size_t i);
struct market *exec_market_sym(struct exec *x, const char *sym);
/* "QDI, XYZ": the symbols traded, for messages. */
void exec_syms(const struct exec *x, char *buf, size_t n);
/* Simulated now (every market is at the same time). */
int64_t exec_now(const struct exec *x);
/* The dealer model learned:K blocks use, loaded now if no block has yet
 * (0, or -1 with err), and its digest (dealer_model_digest). */
int exec_dealer_model_digest(struct exec *x, uint64_t *out, char *err,
                             size_t errlen);
/* While an event of one market is emitted (a trade, a fill, a child, a
 * request for quotes), that market's time: each market is advanced in
 * turn, so the first market's clock may already be ahead of it, by as
 * much as the caller's step, which the speed sets.  0 for the others. */
int64_t exec_event_time(const struct exec *x);

/* The desk's limit on its share of each symbol's volume (the scenario's
 * limits.symbol_pov and symbol_pov_s): all its blocks on a symbol together
 * take at most pct percent of what prints over the last secs seconds,
 * their working children counted as if filled.  Children are sized within
 * it, and one past it (a trader's too) is refused with a "risk" alert
 * naming the symbol, the share and the limit.  pct 100 (the default): no
 * limit.  0, or -1 with err naming the value. */
int exec_set_desk_pov(struct exec *x, double pct, double secs, char *err,
                      size_t errlen);

/* The learned policy (algo-learned.c).  A model set here (borrowed, may be
 * NULL) is what "learned" blocks use; without one each block loads
 * model_default_path() when it starts. */
void exec_set_model(struct exec *x, const struct model *m);
/* The learned policy's model: the one set, else model_default_path()
 * loaded once (a block whose algorithm needs a model gets it before it is
 * accepted; a recovery, before it re-simulates).  0, or -1 with err
 * naming the file and what is wrong with it. */
int exec_need_model(struct exec *x, char *err, size_t errlen);
/* model_digest() of the model in force (0: none yet), computed when it was
 * set or loaded: what a learned decision says decided it. */
uint64_t exec_model_digest(const struct exec *x);
const struct model *exec_model(const struct exec *x);
/* A shadow model (borrowed, may be NULL): at every decision of every block
 * it chooses as if it were trading, never trades, and the decision event
 * and the block say what it chose and how often and by how much it
 * disagrees with the live algorithm (tranched --shadow). */
void exec_set_shadow(struct exec *x, const struct model *m);
/* The impact model (engine/model/impact.h): one set here (borrowed; NULL
 * means none), else impact_default_path() loaded once at the first
 * exec_impact().  NULL when there is none, *why (may be NULL) saying why. */
struct impact_model;
void exec_set_impact(struct exec *x, const struct impact_model *im);
const struct impact_model *exec_impact(struct exec *x, const char **why);

/*
 * Alerts about the markets and the blocks (engine/watch/): with a detector
 * set, exec_tick() samples every market and block each second of simulated
 * time and emits an "alert" event whenever an alert is raised, escalates or
 * clears.  exec_set_alerts: 0, or -1 with err naming the bad threshold.
 * exec_alert_news: a news item (a scenario event) for sym; -1 if no such
 * symbol or no detector.  exec_set_cost_limit: block id's shortfall limit
 * in bps (0: the detector's default).  exec_alerts_raised: WARN/CRIT
 * alerts raised so far, market (news excluded) or block ones.
 */
struct watch_config;
int exec_set_alerts(struct exec *x, const struct watch_config *c, char *err,
                    size_t errlen);
int exec_alert_news(struct exec *x, const char *sym, int64_t at, double dur_s,
                    const char *name);
int exec_set_cost_limit(struct exec *x, uint32_t id, double bps, char *err,
                        size_t errlen);
int64_t exec_alerts_raised(const struct exec *x, int market);

/* The dealers a block's "dealers" setting names: "all", "random:K",
 * "top:K" or "learned:K" (empty: all).  0 and *mode (0 all, 1 random, 2
 * top, 3 learned) and *k, or -1 with err naming the value. */
int exec_dealers_parse(const char *s, int ndealers, int *mode, int *k,
                       char *err, size_t errlen);
/* Who hears of every request once its leakage is measured (the trainer,
 * the comparison table): fn(arg, record), with or without an emit
 * callback.  fn NULL: nobody. */
struct dealer_obs;
void exec_set_dealer_sink(struct exec *x,
                          void (*fn)(void *arg, const struct dealer_obs *o),
                          void *arg);

/* A supervisor turns a venue ("dark" or "rfq") or one dealer (by name;
 * venue NULL) off (on 0) or on, in every market that has it.  Turning a
 * venue off cancels every live child there (*cancelled, may be NULL: how
 * many) and the router sends it nothing until it is on again; a dealer
 * off is never asked.  0, or -1 with err naming the value. */
int exec_venue_enable(struct exec *x, const char *venue, const char *dealer,
                      int on, int *cancelled, char *err, size_t errlen);
/*
 * A trader's requests for quotes (exec-rfq.c).  exec_rfq_send asks the
 * dealers a block's venue set allows ("all", NULL or "", or names joined
 * by commas) for qty shares of block id, with a deadline of deadline_s
 * seconds (0: the venue's); the request is a child of the block at the
 * "rfq" venue, held apart from the lit book's working shares, and it waits
 * for the trader: the router never takes a quote of it.  exec_rfq_accept
 * takes one dealer's quote before the deadline (the fill is booked at once
 * at the quoted price, under the block's limit and the collar);
 * exec_rfq_reject withdraws the request (the trader's or the router's).
 * At the deadline without a decision a trader's request expires.  Request
 * ids are "rN" (the child's number); *id receives it and *deadline the
 * simulated time the request ends.  Each returns 0, or
 * a negative EXEC_E* code with err naming the field and the value; a
 * refused call changes nothing.
 *
 * Every request, the router's too, is published on the "rfq" topic as it
 * changes (asked, each quote or refusal, the end) and kept for the
 * snapshot: exec_rfq_json is the recent ones, oldest first.
 */
#define EXEC_ENOTFOUND (-2) /* no such block or request */
#define EXEC_ESTATE (-3)    /* not in this state (expired, paused, off) */
#define EXEC_EFIELD (-4)    /* a field's value is wrong */
#define EXEC_ERISK (-5)     /* a risk limit refuses it */
int exec_rfq_send(struct exec *x, uint32_t block, int64_t qty,
                  const char *dealers, double deadline_s, const char *reason,
                  char *id, size_t idlen, int64_t *deadline, char *err,
                  size_t errlen);
int exec_rfq_accept(struct exec *x, const char *rfq, const char *dealer,
                    const char *reason, char *err, size_t errlen);
int exec_rfq_reject(struct exec *x, const char *rfq, const char *reason,
                    char *err, size_t errlen);
cJSON *exec_rfq_json(const struct exec *x);

/*
 * The news feed (exec-news.c): items of a time, a symbol, a headline and a
 * sentiment score in [-1, 1] (a vendor's: noisy, its sign sometimes
 * wrong).  They come from the simulated market's own news
 * (scenario_exec_new() adds them) and from a file (exec_news_load(), the
 * daemon's --news).  With an emit callback each item is published as a
 * "news" event at its time and raises the detector's news alert;
 * exec_news_last() is what an algorithm reads of them.
 */
#define EXEC_NEWS_HEADLINE 128
enum { EXEC_NEWS_SIM, EXEC_NEWS_FILE };
struct exec_news {
	int64_t t;              /* simulated ns since midnight */
	char sym[16];
	char headline[EXEC_NEWS_HEADLINE];
	double sentiment;       /* [-1, 1]: -1 very bad, 1 very good */
	int src;                /* EXEC_NEWS_SIM or EXEC_NEWS_FILE */
};
/* One more item; an item whose time is already past is published at the
 * next exec_tick().  0, or -1 with err naming the field and the value
 * (an unknown symbol: with the symbols traded). */
int exec_news_add(struct exec *x, const struct exec_news *n, char *err,
                  size_t errlen);
/*
 * Read a file of items, one JSON object a line:
 *   {"t":"10:30:00[.mmm]","symbol":"QDI","headline":"...","sentiment":-0.6}
 * (blank lines skipped).  Every line is checked before any item is added:
 * on error nothing is added and err names the file, the line number, the
 * field and the value.  0, or -1.
 */
int exec_news_load(struct exec *x, const char *path, char *err,
                   size_t errlen);
/* One item from such an object (a journal header's copy); 0, or -1 with
 * err naming the field and the value. */
int exec_news_add_json(struct exec *x, const cJSON *o, char *err,
                       size_t errlen);
/* Items held, and item i in time order (NULL past the end). */
size_t exec_news_count(const struct exec *x);
const struct exec_news *exec_news_at(const struct exec *x, size_t i);
/* The item as a JSON object, a file's line ({"t","symbol","headline",
 * "sentiment"}): what the journal header keeps of a file's items. */
cJSON *exec_news_json(const struct exec_news *n);
/* The newest item about market m at or before now: its age (ns) and its
 * sentiment.  0, or -1 (both set to 0) when there has been none. */
int exec_news_last(const struct exec *x, const struct market *m, int64_t now,
                   int64_t *age, double *sentiment);
/* How far market m's price jumped at its newest item: the largest 5-s mid
 * move (sigmas, up +) of the fast signals' samples in the item's first
 * EXEC_NEWS_JUMP_S seconds, which are taken each whole second while any
 * block reads signals.  *at is the item's time.  0, or -1 when those
 * seconds were not sampled through (no block read signals then, or too
 * few seconds of history before the item): the jump is not known. */
#define EXEC_NEWS_JUMP_S 5
int exec_news_jump(const struct exec *x, const struct market *m,
                   int64_t *at, double *jump);

/* 1 when decisions are published (a daemon), 0 in backtests. */
int exec_emitting(const struct exec *x);

#endif
