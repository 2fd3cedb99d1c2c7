/*
 * engine/exec/exec-int.h -- what the files of engine/exec/ share among
 * themselves: the exec structure and the functions one file calls in
 * another (exec.c the blocks and the loop, exec-tactic.c, exec-control.c,
 * exec-risk.c, exec-event.c).  Not part of the folder's API: that is
 * exec.h (and scenario.h).
 */
#ifndef TRANCHE_EXEC_INT_H
#define TRANCHE_EXEC_INT_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "engine/exec/exec.h"
#include "engine/model/model.h"
#include "engine/model/signal.h"
#include "engine/watch/watch.h"

/* Children an end-of-window sweep sends at most (exec_end_of_window):
 * what a tiny maximum child leaves after them expires, said so. */
#define EXEC_CLEANUP_CHILDREN 200

/*
 * One market the engine trades in (one symbol).  The market's callbacks
 * carry a pointer to this, so a fill is looked for among the children of
 * that market's blocks only: our order ids are per market.
 */
/* A request of ours until its leakage is measured, ROUTE_MOVE_S after it
 * was sent (exec-route.c). */
#define EXEC_RFQ_PEND 8
struct exec_rfq_pend {
	int live, decided;
	uint64_t id;
	uint32_t block;
	double mid0;
	struct dealer_obs o;
};

#define EXEC_DESK_RING 1024
struct exec_mkt {
	struct exec *x;
	struct market *m;
	/* Realised variance of the mid, sampled at every print: what AC's
	 * sigma is estimated from in markets that do not say it. */
	double var_mid;
	int64_t var_t0, var_t;
	long double var_sum;
	/* Aggressive volume since the alert detector's last sample. */
	int64_t wbuy, wsell;
	/* Of those, what our own children took when they crossed: the
	 * detector watches the market, not the engine's own orders. */
	int64_t wourbuy, woursell;
	double sampled_mid;    /* the mid the last "mid" event said */
	/* The fast signals (exec-signal.c): aggressive volume since their
	 * last sample, and what our own crossing children took of it. */
	int64_t sbuy, ssell, sourbuy, soursell;
	struct sig_state sig;
	/* The newest news item on this market as the samples saw it
	 * (exec_news_jump): its time (INT64_MIN none yet), the largest 5-s
	 * move of the samples in its first EXEC_NEWS_JUMP_S, and the age of
	 * the last sample there (-1: those seconds are not known). */
	int64_t jump_at;
	double jump, jump_age;
	/* Since when the signals have been sampled every second without a
	 * gap (their rings are by sample, not by time). */
	int64_t sig_since;
	/* Dealer selection (exec-route.c): what this desk has seen of each
	 * dealer, and requests whose leakage is not yet measured. */
	struct dealer_hist dh;
	struct exec_rfq_pend pend[EXEC_RFQ_PEND];
	/* The desk's participation limit (exec_set_desk_pov): the volume
	 * printed, ours and our venue fills, sampled at every print, fill
	 * and decision, no closer than a thousandth of the window (and 1 s),
	 * so that the ring reaches back over it. */
	int64_t dv_t[EXEC_DESK_RING], dv_vol[EXEC_DESK_RING],
	    dv_our[EXEC_DESK_RING], dv_ven[EXEC_DESK_RING];
	unsigned ndv;
	/* Our dark and dealer fills: the lit tape (volume, our_volume) does
	 * not carry them. */
	int64_t our_venue;
	/* The desk's room on this market at desk_t, before any block sent a
	 * child then, and how many blocks wanted some (exec_desk_room). */
	int64_t desk_t, desk_room0;
	int desk_n;
	/* When the room holds fewer lots than blocks want one (desk_k of
	 * them), they go round: desk_turn counts the lots handed out so. */
	int desk_k;
	uint64_t desk_turn;
};

/* The mid of every market is sampled on this grid of simulated time
 * ("mid" events, exec_tick). */
#define EXEC_MID_SAMPLE_NS 1000000000LL
/* ...and the fast signals on this one (exec-signal.c). */
#define EXEC_SIG_STEP_NS 1000000000LL

struct exec {
	struct exec_mkt mk[EXEC_MAX_MARKETS];
	size_t nmk;
	struct exec_emit e;
	struct parent **parents;
	size_t nparents, capparents;
	uint32_t next_id;
	/* The learned policy's model (borrowed), and what its choice adds to
	 * the next decision event. */
	const struct model *model;
	uint64_t model_digest;  /* model_digest(model), once: decisions carry it */
	struct model *own_model;     /* loaded by the first learned block */
	const struct model *shadow;  /* --shadow (borrowed) */
	const struct algo_ops *shadow_ops; /* the algorithm that watches with it */
	/* The impact model (borrowed, or loaded once by exec_impact). */
	const struct impact_model *impact;
	struct impact_model *own_impact;
	int impact_tried;
	char impact_err[300];
	char dec_note[320];
	char dec_plan[200];  /* what the decision's re-plan changed */
	cJSON *dec_extra;
	/* The alert detector (exec-watch.c); NULL: none. */
	struct watch *watch;
	int64_t watch_next;  /* its next sample time */
	int64_t mid_next;      /* the next mid sample's time; 0 before the first */
	int64_t sig_next;      /* the next fast-signal sample; 0 before the first */
	/* The news feed (exec-news.c), in time order, and the next item to
	 * publish. */
	struct exec_news *news;
	size_t nnews, capnews, news_pub;
	/* The dealer-selection model (loaded by the first learned:K block)
	 * and who hears of each finished request (exec_set_dealer_sink). */
	struct dealer_model *dealers;
	uint64_t dealer_digest;  /* dealer_model_digest(dealers), once */
	void (*dealer_sink)(void *arg, const struct dealer_obs *o);
	void *dealer_sink_arg;
	/* Requests for quotes as people see them (exec-rfq.c): the recent
	 * ones, and how the one a trader is ending now ends. */
	struct exec_rfq_rec *rfq;
	unsigned rfq_seq;
	int killed;  /* the kill switch: on from kill to release */
	const char *rfq_end, *rfq_why;
	/* The desk's share of each symbol's volume (percent; 100: none) over
	 * the last desk_pov_s seconds (exec_set_desk_pov). */
	double desk_pov, desk_pov_s;
	/* The time of the event being emitted when it is one market's
	 * (exec_emit_of); 0 otherwise. */
	int64_t emit_at;
};

/* exec-rfq.c: one request, its latest view and how it ended. */
#define EXEC_RFQ_KEEP 64
struct exec_rfq_rec {
	uint64_t id;          /* the venue's request id, the child's id; 0 free */
	unsigned seq;         /* order of creation */
	uint32_t block;
	int trader;           /* 1: a trader's, who decides; 0: the router's */
	struct venue_rfq r;   /* the latest view */
	const char *state;    /* "live", "accepted", "rejected", "expired",
	                         "cancelled" */
	int64_t ended;
	char reason[160];
};


/* exec-tactic.c.  exec_finish: a block ends (DONE, CANCELLED or EXPIRED)
 * and keeps its end price. */
void exec_finish(struct exec *x, struct parent *p, int state);
void exec_start(struct exec *x, struct parent *p);
void exec_decide(struct exec *x, struct parent *p, int64_t t);
/* stopped: NULL for a block the engine is working, else why a person
 * stopped it ("paused", "halted by the kill switch"): nothing crosses. */
void exec_end_of_window(struct exec *x, struct parent *p, const char *stopped);
int64_t exec_send(struct exec *x, struct parent *p, int64_t px, int64_t qty,
                  int style, const char *why);
/* A manual child: style as exec_send, but a day order (ioc 0) rests
 * whatever its style, and an IOC's unfilled rest gets a cancelled event. */
int64_t exec_send_manual(struct exec *x, struct parent *p, int64_t px,
                         int64_t qty, int style, int ioc);
void exec_cancel_child(struct exec *x, struct parent *p, struct child *c,
                       const char *why);
void exec_cancel_all(struct exec *x, struct parent *p, const char *why);
int exec_touches(const struct exec *x, const struct parent *p, int64_t *far,
                 int64_t *near);
int exec_mode(const struct exec *x, const struct parent *p);
/* The style a person forced on p and that is still in force (enum
 * aggression), else -1. */
static inline int
exec_forced(const struct parent *p)
{
	return p->force_style >= 0 && p->m->now < p->force_until ?
	    p->force_style : -1;
}

/* exec-signal.c.  exec_signal_wanted: 1 while an unfinished block's
 * algorithm asks for fast signals.  exec_signal_sample: every market's
 * sample at t.  exec_signal_woken: the index of the first block from
 * *from whose algorithm wants a decision at t (wake), its spacing
 * allowing, or -1. */
int exec_signal_wanted(const struct exec *x);
void exec_signal_sample(struct exec *x, int64_t t);
long exec_signal_woken(struct exec *x, int64_t t, size_t from);

/* exec-tactic.c: a child appended to p (not yet sent); 0 or -1. */
int exec_child_add(struct parent *p, uint64_t id, int64_t px, int64_t qty,
                   int style, int64_t t);

/* exec-route.c: the dark pool and dealers around each decision, the venue
 * fields of a new block, and the choice among a request's quotes (the
 * index accepted, or -1). */
void exec_route_pre(struct exec *x, struct parent *p, int64_t t);
void exec_route_post(struct exec *x, struct parent *p, int64_t t);
int exec_route_check(const struct parent_spec *s, const struct market *m,
                     char *err, size_t errlen);
int exec_route_choose(struct exec *x, struct parent *p, struct child *c,
                      const struct venue_rfq *r);
/* A block asking dealers learned:K needs the dealer model: loaded once. */
int exec_need_dealer_model(struct exec *x, char *err, size_t errlen);
/* exec-rfq.c: the market's rfq_change callback (arg: the exec_mkt); a
 * trader's request at its deadline (it expires: -1, none accepted); and
 * freeing the records. */
void exec_rfq_on_change(void *arg, const struct venue_rfq *r);
int exec_rfq_expire(struct exec *x, struct parent *p, struct child *c,
                    const struct venue_rfq *r);
void exec_rfq_free(struct exec *x);
/* The pool invites conditional child c of p to firm up: the quantity
 * firmed (what is unworked, under the risk checks), 0 for none. */
int64_t exec_route_firm(struct exec *x, struct parent *p, struct child *c,
                        const struct venue_invite *iv);
/* exec-news.c: the time of the next item to publish (INT64_MAX: none),
 * and publish every item due by t; exec_news_free at exec_free. */
int64_t exec_news_due(const struct exec *x);
void exec_news_publish(struct exec *x, int64_t t);
void exec_news_free(struct exec *x);

/* exec-watch.c: sample the markets and blocks for the alert detector at
 * every grid time up to t. */
void exec_watch_to(struct exec *x, int64_t t);

/* exec-risk.c.  exec_pov_room: the shares the block's participation cap,
 * the desk's limit on its symbol and the block's window limit still allow
 * (INT64_MAX when none binds); exec_room_why names the one that binds
 * (buf), for a decision that holds.  exec_desk_sample: a decision of a
 * block on market mk samples its volume for the desk's limit. */
int64_t exec_pov_room(const struct exec *x, const struct parent *p);
/* Shares the block's window limit (win_pov) alone still allows, INT64_MAX
 * without one: the end-of-window clean-up is held to it. */
int64_t exec_win_room(const struct parent *p);
/* Which limit room (what exec_pov_room gave) is: the block's own cap
 * (or none), the desk's limit on the symbol, or the block's window. */
enum { EXEC_ROOM_CAP, EXEC_ROOM_DESK, EXEC_ROOM_WINDOW };
int exec_room_by(const struct parent *p, int64_t room);
const char *exec_room_why(const struct exec *x, const struct parent *p,
                          int64_t room, char *buf, size_t n);
void exec_desk_sample(struct exec *x, const struct market *m, int64_t t);
/* The exec's entry for market m, NULL when it has none. */
struct exec_mkt *exec_mkt_of(const struct exec *x, const struct market *m);
void exec_pov_restart(struct parent *p);
int exec_px_ok(const struct parent *p, int64_t px);
/* p's limit was changed: a lit child now through it is cancelled (why),
 * a dark order or indication rests on under the new limit. */
void exec_limit_changed(struct exec *x, struct parent *p, const char *why);

/* exec-event.c.  Each does nothing without an emit callback. */
const char *exec_side_name(int side);
void exec_emit(struct exec *x, const char *topic, cJSON *o);
/* The same, for an event of market m: it carries m's own time
 * (exec_event_time), which is not the first market's while each market
 * is advanced in turn. */
void exec_emit_of(struct exec *x, const struct market *m, const char *topic,
                  cJSON *o);
void exec_alert(struct exec *x, const struct parent *p, const char *sev,
                const char *code, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
void exec_child_event(struct exec *x, const struct parent *p,
                      const struct child *c, const char *status,
                      const char *reason);
void exec_decision(struct exec *x, const struct parent *p, const char *action,
                   int64_t qty, int64_t px, int style, int64_t sched,
                   const char *fmt, ...)
	__attribute__((format(printf, 8, 9)));
/* These two are called only with an emit callback. */
void exec_fill_event(struct exec *x, const struct parent *p,
                     const struct child *c, const struct market_fill *f);
void exec_trade_event(struct exec *x, const struct market *m, int64_t px,
                      int64_t qty, int aggressor);
/* The mids that changed since their last sample, one "mid" event each. */
void exec_mid_events(struct exec *x);
/* exec-plan.c: block p's plan as its block event's "plan" at t (samples
 * of the plan and of the algorithm's own schedule to the end); NULL when
 * no plan is on or nothing is left of the window. */
cJSON *exec_plan_json(const struct parent *p, int64_t t);

#endif
