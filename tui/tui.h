/*
 * tui/tui.h -- the console's internal header, shared by every file in tui/.
 *
 * The console is layered like tmux's display: a state store (store.c) is the
 * only thing that knows what the engine has said; transports (live over NNG,
 * or replay from a journal) feed it events and snapshots; panels draw from
 * the store and never see a socket; the screen (screen.c) owns ncurses and
 * the libuv handles, and once per frame redraws the panels whose inputs
 * changed and calls doupdate() once.  Keys flow the other way: the screen
 * reads them, the console (console.c) routes them to the prompt, the help
 * overlay, the transport or the focused panel, and each handler answers with
 * a bit set (TUI_HANDLED, TUI_REDRAW, TUI_QUIT) instead of reaching into the
 * screen itself.
 *
 * Nothing here is API outside tui/: tranche_tui is linked only into the
 * `tranche` executable and the console's tests.
 */
#ifndef TRANCHE_TUI_H
#define TRANCHE_TUI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <curses.h>
#include <uv.h>

#include <cjson/cJSON.h>

#include "ipc/codec.h"
#include "ipc/protocol.h"

/* ------------------------------------------------------------------ store */

#define STORE_LEVELS    10   /* book levels kept per side (protocol maximum) */
#define STORE_BLOCKS    256  /* parent orders tracked at once */
#define STORE_SYMS      8    /* symbols (books) tracked at once */
#define STORE_OURS      32   /* our working child orders shown on the ladder */
#define STORE_DECISIONS 512  /* decisions kept for scrolling back */
#define STORE_ALERTS    256  /* alerts kept */
#define STORE_BACKLOG   8192 /* events held while a snapshot is on its way */
#define STORE_STALE_MS  3000 /* heartbeat older than this: STALE, DISCONNECTED */
#define STORE_TAPE      256  /* market prints kept for the tape */
#define STORE_POINTS    1024 /* mid-price samples kept for the chart */
#define STORE_FILLS     256  /* our fills kept for the chart */
#define STORE_AUDIT     256  /* interventions kept for the audit log */
/* The highest seqs of refusals put in the audit log, to tell a
 * snapshot's refusals the log holds (folded, they keep no seq of their
 * own) from the ones it missed: at least the engine's RING_SIZE
 * (engine/server). */
#define STORE_REFUSED_SEEN 256
#define STORE_RFQS      16   /* requests for quotes kept (store-rfq.c) */
#define STORE_RFQ_DEALERS 8  /* dealers one request may ask */

/* What changed since the screen last looked; panels watch some of these. */
enum store_dirty {
	DIRTY_BOOK = 1u << 0,
	DIRTY_BLOCK = 1u << 1,
	DIRTY_DECISIONS = 1u << 2,
	DIRTY_ALERTS = 1u << 3,
	DIRTY_STATUS = 1u << 4,
	DIRTY_TAPE = 1u << 5,
	DIRTY_CHART = 1u << 6,
	DIRTY_AUDIT = 1u << 7,
	DIRTY_RFQ = 1u << 8,    /* requests for quotes, venue figures */
	DIRTY_ALL = 0x1ffu,
};

enum store_conn {
	CONN_CONNECTING,   /* no heartbeat yet */
	CONN_CONNECTED,    /* heartbeat within STORE_STALE_MS */
	CONN_DISCONNECTED, /* heartbeats stopped */
	CONN_REPLAY,       /* playing a journal: there is no connection */
};

/* Where the store is in getting back in step after a sequence gap. */
enum store_resync {
	RESYNC_NONE,      /* in step */
	RESYNC_WANTED,    /* a snapshot is needed; the transport asks for one */
	RESYNC_REQUESTED, /* asked; events are held until the answer */
};

enum store_sev { SEV_INFO, SEV_WARN, SEV_CRIT, SEV_AUDIT };

struct store_level {
	int64_t px;  /* ticks */
	int64_t qty; /* shares */
	int64_t orders;
};

struct store_our {
	char id[32];
	int buy; /* 1 buy, 0 sell */
	int64_t px, qty, ahead;
	char block[32], venue[16]; /* "" when the engine did not say */
	int64_t since;             /* sim ns it was sent; 0 unknown */
	int manual;                /* a trader's day order */
};

struct store_book {
	char sym[16];
	struct store_level bids[STORE_LEVELS], asks[STORE_LEVELS];
	int nbids, nasks;
	int64_t last; /* ticks; 0 when unknown */
	struct store_our ours[STORE_OURS];
	int nours;
	int ours_total; /* working children the engine listed (past STORE_OURS
	                   they are counted, not kept) */
	int64_t t;
	int64_t pt_t, pt_mid2; /* the last chart sample of this symbol */
};

/* Which optional block fields have been seen (BLK_ bits in store_block.have). */
enum {
	BLK_ARRIVAL = 1u << 0,
	BLK_AVG = 1u << 1,
	BLK_SCHED = 1u << 2,
	BLK_IS = 1u << 3,
	BLK_END = 1u << 4,
	BLK_POV = 1u << 5,
	BLK_MAXPOV = 1u << 6,
	BLK_CASH = 1u << 7,
	BLK_MAXCHILD = 1u << 8,
	BLK_LIMIT = 1u << 9,
	BLK_PARTS = 1u << 10, /* is_spread, is_temp, is_timing, is_opp */
};

/* The schedule against what was filled, sampled over the block's life:
 * STORE_CURVE equal slices of start..end, each the last block event seen in
 * it (sched < 0: the slice has no sample). */
#define STORE_CURVE 48
struct store_curve_pt {
	int64_t sched, filled;
};

/* The trajectory a block's algorithm re-planned (its block event's
 * "plan"): samples of the plan (due) and of the algorithm's own schedule
 * (base) at the same times, from the event's time to the end, and when
 * each has half of the rest (half_qty) due.  n 0: no plan in force. */
#define STORE_PLAN_PTS 16
struct store_plan {
	int n;
	int64_t t[STORE_PLAN_PTS], due[STORE_PLAN_PTS], base[STORE_PLAN_PTS];
	int64_t since, lump, half_qty, half_t, base_half_t;
	double urgency; /* when made, over the time left then; own: none */
	int own;        /* the algorithm's own shape, rescaled */
};

struct store_block {
	char id[32], sym[16], side[8], state[16], algo[24];
	int64_t qty, filled, working, remaining, sched_qty, start, end;
	double arrival_px, avg_px; /* fractional ticks */
	double pct_sched, is_bps, is_cash, max_pov, mkt_vol, pov;
	int64_t max_child, limit_px, passive_filled, forced_until;
	char aggression[16], forced[16]; /* forced: style override in force */
	char at_end[8]; /* the end-of-window setting: cross|leave; "" unknown */
	/* Where the block came from, in words: "FIX oms X1" (a FIX order's
	 * session and ClOrdID), "ctl", "console"; "" the scenario's. */
	char origin[96];
	double is_spread, is_temp, is_timing, is_opp; /* dollars, BLK_PARTS */
	/* Venues beyond the lit book (store-rfq.c): the venue set, shares
	 * filled by venue (lit, dark, rfq), resting in or asked of them,
	 * sent to the dark pool, and the market's leakage (shares the
	 * predator and losing dealers traded ahead in the lit book). */
	char venues[24];
	int64_t venue_filled[3], venue_working, dark_sent, leak_vol;
	int has_venues;
	struct store_curve_pt curve[STORE_CURVE];
	struct store_plan plan;
	unsigned have;
	int64_t t; /* time of the last update */
};

struct store_decision {
	int64_t t;
	/* reason: a changed plan's summary in front ("[plan ...]", from the
	 * event's plan_before and plan_after), what a cap held back ("[cap:
	 * 700 of 30,204 sent]", from its held), then the engine's reason. */
	char block[32], action[24], style[16], reason[480];
	int replan; /* 1: the decision changed the block's plan */
	int64_t qty, sched_qty, filled;
	double px; /* ticks */
	int has_px;
};

struct store_alert {
	int64_t t;
	uint64_t seq; /* the alert event's seq: what `ack` names; 0 unknown */
	int sev, acked;
	char code[32], text[240], block[32];
};

/* One market print (tape) or one of our fills (chart marks). */
struct store_print {
	int64_t t, px, qty;
	int buy; /* tape: the aggressor bought; fill: our block buys */
	int ours;
	char sym[16];
};

/* A chart sample of one symbol: the mid in half-ticks (bid + ask), and the
 * last print. */
struct store_point {
	int64_t t, mid2, last;
	char sym[16];
};

/* One intervention, from the audit topic. */
struct store_audit {
	int64_t t;
	uint64_t seq; /* the audit event's; 0 unknown */
	int ok;
	int carried; /* not ok, but carried out: its record was not durable */
	char client[48], role[16], cmd[24], text[240];
	/* The person and the command in words ("throttle block 1 12% (was
	 * 100%)"); empty from an engine that did not say them. */
	char user[40], what[160];
	/* A refusal of a stranger (a failed login; a peer with no token):
	 * stranger is set, and repeats of it from its peer fold into one
	 * row (tui/store.c, store_audit_put): times is how often, more the
	 * refusals the engine only counted for that peer since, seq0..seq
	 * the seqs it stands for. */
	int stranger;
	char peer[64];
	int64_t times, more;
	uint64_t seq0;
};
/* The peer of the row for strangers past the ones the log keeps apart. */
#define AUDIT_MORE_PEERS "more peers"

/* One request for quotes, from the rfq topic (store-rfq.c). */
struct store_rfq_dealer {
	char name[12];
	char status[12]; /* pending, quoted, declined, none */
	int64_t px, size;
};
struct store_rfq {
	char id[16], block[32], sym[16], side[8], by[8], state[12];
	char dealer[12], reason[160];
	int64_t qty, asked, deadline, ended, px, filled;
	int ndealers;
	struct store_rfq_dealer d[STORE_RFQ_DEALERS];
};

/* A fixed ring of records, newest last; element size set at init. */
struct store_ring {
	void *items;
	size_t size, cap, head, count; /* head: index of the oldest */
	uint64_t pushed;               /* ever pushed, for scroll anchoring */
	uint64_t cleared;              /* times emptied (a reload) */
};

/*
 * A command the console stopped waiting for (its request timed out while
 * the engine may have carried it out), and the engine's answer to one,
 * found in an audit record carrying its id (store.c, "Late answers").
 */
#define STORE_LATE 16
#define STORE_ANSWERS 32
struct store_late {
	char id[96];
	char what[64]; /* the console's words: "pause block 5" */
};
struct store_answer {
	char id[96];
	int ok;
	int carried; /* not ok, but carried out: its record was not durable */
	char code[32], result[160];
	char done[160]; /* the engine's words ("pause block 5 (was WORKING)") */
};
struct store_late_answer {
	char what[64];
	struct store_answer a;
};

struct store {
	/* From hello / snapshot / heartbeat. */
	double tick;      /* dollars per tick */
	int px_decimals;  /* decimals that show a tick exactly (at least 2) */
	int tick_known;
	char engine[48], sym[16], role[16];
	char user[64]; /* whom the engine's audit names for this console */
	/* hello's "algos": every algorithm the engine has, ", " between
	 * them; "" when it did not say (the engine then checks alone). */
	char algos[256];
	char session[24]; /* hello's or a heartbeat's "session": which engine
	                     session this is */
	/* Set when a heartbeat or a hello named another session and the
	 * store was emptied; the transport clears it once it has dropped
	 * what was meant for the old one (queued commands, a prompt). */
	int session_new;
	/* The last hello's answer said "replay": a replay engine plays back
	 * a journal's heartbeats as they were, and those of a journal
	 * continued by engines before its header kept a session name one
	 * id after another: not a new engine, so only the hello's counts. */
	int engine_replay;
	int replay_ended; /* its status said "ended": the journal played out */
	char state[16]; /* engine: LIVE|PAUSED|HALTED|JOURNAL-HALTED|DONE */
	double speed; /* 0 is max, -1 not known yet */
	int64_t subs;
	double util;
	/* heartbeat's lost_ms: wall ms the engine's simulated clock gave up
	 * since it started, because it could not keep its speed (0 normally) */
	double lost_ms;
	int64_t t; /* latest simulated time seen */

	/* One book per symbol, in the order the engine lists them (hello's
	 * and the snapshot's "syms"); books[0] is the engine's first. */
	struct store_book books[STORE_SYMS];
	int nbooks;
	struct store_block blocks[STORE_BLOCKS];
	int nblocks;
	int blocks_full; /* a live block found no slot: more than shown */
	struct store_ring decisions, alerts;
	struct store_ring tape, points, fills, audit;
	uint64_t refused_seen[STORE_REFUSED_SEEN]; /* ascending */
	size_t nrefused_seen;
	/* Late answers: the commands given up on, the newest answers the
	 * audit records carried (an answer may come before the timeout is
	 * counted), and the late answers found, for the console to say. */
	struct store_late late[STORE_LATE];
	size_t nlate; /* pushed; the newest STORE_LATE are kept */
	struct store_answer answers[STORE_ANSWERS];
	size_t nanswers;
	struct store_late_answer late_out[STORE_LATE];
	size_t late_head, late_count;

	/* Trades seen (the tape comes later); last print. */
	int64_t trades, last_trade_px, last_trade_qty;
	int last_trade_buy;
	char last_trade_sym[16];

	/* Requests for quotes, oldest first (store-rfq.c). */
	struct store_rfq rfqs[STORE_RFQS];
	int nrfqs;

	/* The newest "news" item (the title bar's news line) and how many
	 * were seen (a snapshot's newest counts as one). */
	struct store_news {
		int64_t t;
		char sym[16];
		char headline[128];
		double sentiment;
	} news;
	uint64_t nnews;

	/* Sequencing: "seq" is gap-free as published, so a jump is a loss. */
	uint64_t last_seq, cur_seq; /* cur_seq: the event being applied */
	int have_seq;
	uint64_t gaps, stale, events, bad_events, snapshots;
	uint64_t conflated; /* events sequenced but not decoded (store_conflate) */
	uint64_t fast; /* trades read without cJSON (store_push_drain) */
	int resync; /* enum store_resync */
	struct ipc_event *backlog;
	size_t nbacklog, backlog_dropped;
	size_t backlog_head; /* the oldest held event's slot: a ring */

	/* Liveness, in the caller's monotonic milliseconds. */
	int replay;
	int hb_seen;
	int64_t hb_wall_ms;
	int64_t ev_wall_ms; /* wall ms of the last event of any topic */
	int conn; /* enum store_conn */
	int64_t shown_age_s;

	unsigned dirty;
};

void store_init(struct store *s);
void store_free(struct store *s);
void store_set_tick(struct store *s, double tick);

/*
 * Take one event.  The store owns ev->json afterwards (it sets it to NULL):
 * the event is applied, or held while a snapshot is on its way, or dropped
 * as already seen.  A seq that is not last+1 counts a gap and asks for a
 * resync.  now_ms is the caller's monotonic clock.
 */
void store_push(struct store *s, struct ipc_event *ev, int64_t now_ms);
/*
 * Take an event that was conflated away (a later one of the drain says all
 * it said, see store_conflate): it is sequenced like any other -- gaps,
 * stale and held events count it -- but has nothing to apply.
 */
void store_push_seq(struct store *s, const char *topic, uint64_t seq,
                    int64_t t, int64_t now_ms);

/*
 * Choose which of a drain's n undecoded events need decoding: keep[i] is
 * set to 1, or to 0 for a book event followed later in the drain by a book
 * of the same "sym", and for a block event followed by one of the same
 * "id" with no fill of that block between them (books and blocks are whole
 * pictures: the last one wins; a fill is applied to its block as it
 * stood).  Events whose seq is not known without decoding are always kept.
 * Returns how many were conflated away.
 */
size_t store_conflate(const struct ipc_raw *r, size_t n, unsigned char *keep);
/*
 * Take n undecoded events in order (a transport's drain): those that
 * store_conflate() keeps are decoded and pushed, the rest are sequenced
 * only.  keep is n bytes of scratch.  Undecodable events count as bad.
 */
void store_push_drain(struct store *s, const struct ipc_raw *r, size_t n,
                      unsigned char *keep, int64_t now_ms);

/* Replies.  A hello naming another session than the one the store holds
 * (a new engine on the same address) empties the store first, so nothing
 * of the old session is shown as the new one's, and wants a snapshot;
 * returns 1 then, else 0.  A heartbeat naming another session does the
 * same as it is taken (store_push), and both set session_new. */
int store_apply_hello(struct store *s, const cJSON *reply);
/* A status reply: engine state, speed and symbols (blocks come from the
 * snapshot and events, in sequence). */
void store_apply_status(struct store *s, const cJSON *reply);
/* The engine is there (a heartbeat; a replay engine's event or status
 * answer): CONNECTED, and a snapshot wanted after a disconnection. */
void store_alive(struct store *s, int64_t now_ms);
/* Rebuild from a snapshot reply, then apply held events newer than it.
 * 0, or -1 when the reply is not a snapshot (the store is unchanged). */
int store_apply_snapshot(struct store *s, const cJSON *reply, int64_t now_ms);

int store_resync_wanted(const struct store *s);
void store_resync_begin(struct store *s);
/* The snapshot request failed: apply what was held and want one again. */
void store_resync_failed(struct store *s, int64_t now_ms);

/* Once per frame: connection state and heartbeat age; sets DIRTY_STATUS
 * when what the status bar shows has changed. */
void store_tick(struct store *s, int64_t now_ms);
int64_t store_hb_age_ms(const struct store *s, int64_t now_ms);
unsigned store_take_dirty(struct store *s);

size_t store_ndecisions(const struct store *s);
size_t store_nalerts(const struct store *s);
/* i = 0 is the newest. */
const struct store_decision *store_decision(const struct store *s, size_t i);
const struct store_alert *store_alert(const struct store *s, size_t i);
/* Any ring, i = 0 the newest (tape, points, fills, audit). */
const void *store_ring_get(const struct store_ring *r, size_t i);
/* Mark the alert with this seq acknowledged; 0, or -1 when not held. */
int store_alert_ack(struct store *s, uint64_t seq);
/* The console gave up waiting for the command with request id `id`
 * (what: its words, "pause block 5"): an audit record with that id, come
 * already or to come, is a late answer, which store_late_take() gives. */
void store_late_watch(struct store *s, const char *id, const char *what);
/* The oldest late answer not yet said, into *out: 1, or 0 when none. */
int store_late_take(struct store *s, struct store_late_answer *out);
/* CRIT alerts held and not acknowledged: the status bar's count. */
size_t store_alerts_crit_unacked(const struct store *s);
const struct store_block *store_block_find(const struct store *s,
                                           const char *id);
/* The book of sym; the first book when sym is NULL, empty or not (yet)
 * known; an empty book when there is none at all.  Never NULL. */
const struct store_book *store_book_of(const struct store *s,
                                       const char *sym);
/* The curve slice (0..STORE_CURVE-1) that time t falls in, or -1. */
int store_curve_slice(const struct store_block *b, int64_t t);
/* What plan pl has due by t (base 1: the algorithm's own schedule), by
 * straight lines between its samples; -1 before its first or when no
 * plan is in force. */
int64_t store_plan_due(const struct store_plan *pl, int64_t t, int base);

/* store-rfq.c: an rfq event (or a snapshot's "rfqs" item) into the
 * store, replacing the request of the same id (the oldest that has ended
 * makes room); a block event's venue fields into b; the selectable rows
 * of the RFQ panel (each quote of a live request, then each live request
 * with none: dealer NULL) and the k-th of them. */
void store_apply_rfq(struct store *s, const cJSON *o);
void store_apply_venues(struct store_block *b, const cJSON *o);
int store_rfq_rows(const struct store *s);
/* How many of a request's dealers have quoted. */
int store_rfq_quotes(const struct store_rfq *r);
/* The request id while it is live, or NULL. */
const struct store_rfq *store_rfq_live(const struct store *s, const char *id);
const struct store_rfq *store_rfq_row(const struct store *s, int k,
                                      const struct store_rfq_dealer **dealer);

/* Copy wire text into a fixed buffer: control characters removed
 * (ipc_strip_controls), format characters removed (text_is_format: bidi
 * overrides and the like), invalid UTF-8 replaced by '?', cut at a
 * character boundary. */
void store_text(char *dst, size_t n, const char *src);
/* A decision's "held" (a cap cut its child) in words, "[cap: 700 of
 * 30,204 sent]", into buf; "" when it has none.  Returns buf. */
const char *store_held_words(const cJSON *o, char *buf, size_t n);

const char *store_conn_name(int conn);
const char *store_sev_name(int sev);

/* ------------------------------------------------------------------- text */

/* Formatting shared by panels and `tranche ctl`; each returns buf. */
char *text_qty(char *buf, size_t n, int64_t v);       /* 100,000 */
char *text_qty_fit(char *buf, size_t n, int64_t v, int cols); /* 1.23M */
char *text_px(char *buf, size_t n, double ticks, double tick, int decimals);
char *text_clock(char *buf, size_t n, int64_t t_ns);  /* HH:MM:SS */
/* The percent of qty filled, in whole percent, rounded down unless all of
 * it is: 499,200 of 500,000 is 99, never a 100 that reads as complete. */
double text_done_pct(double filled, double qty);
char *text_duration(char *buf, size_t n, int64_t ns); /* 1h02m03s, 9m32s, 45s */
char *text_speed(char *buf, size_t n, double speed);  /* 0.25x, 4x */
int text_decimals(double tick);
/* 1 for a format character (Unicode Cf: bidi marks, overrides and
 * isolates, zero-width characters, U+FEFF, tags) or U+2028/9: never drawn. */
int text_is_format(uint32_t cp);
/* Make src fit in `cols` terminal columns: in UTF-8 mode by character
 * widths, otherwise non-ASCII becomes '?'; format characters are dropped.
 * Cut text ends in '~'. */
char *text_fit(char *dst, size_t n, const char *src, int cols, int utf8);
int text_width(const char *s, int utf8);
/* Bytes of s that fit in `cols` columns, cut after a space when the text
 * goes on and a space is near. */
size_t text_prefix(const char *s, int cols, int utf8);
/* The same, cut at the column whatever the character (a request shown
 * for confirmation: every byte in its place, none hidden at a break). */
size_t text_prefix_hard(const char *s, int cols, int utf8);

/* ------------------------------------------------------------------- view */

/* Colour roles; colour pairs share these numbers. */
enum tui_role {
	ROLE_NORMAL = 0,
	ROLE_BID = 1,
	ROLE_ASK,
	ROLE_OURS,
	ROLE_TITLE,
	ROLE_STATUS,
	ROLE_GOOD,
	ROLE_WARN,
	ROLE_CRIT,
	ROLE_DIM,
	ROLE_FOCUS,
	ROLE_PROMPT,
	ROLE_BANNER,
	ROLE_HEADER,
	ROLE_COUNT
};

/*
 * The console's own messages (answers to commands, refusals, what it
 * dropped), the last TUI_MSGLOG of them: the message line shows one, and
 * a prompt hides it, so M shows them all (newest first).
 */
#define TUI_MSGLOG 64
struct tui_msg {
	char when[12];   /* local wall time, HH:MM:SS */
	int level;       /* enum msg_level */
	char text[320];
};
struct tui_msglog {
	struct tui_msg rec[TUI_MSGLOG];
	unsigned n;          /* messages ever logged; the newest is n - 1 */
	unsigned read;       /* n when M last showed the log */
	int unseen;          /* errors replaced before the line showed them
	                        for 2 s, nor M; M clears it */
};

/* Everything a panel may read while drawing. */
struct tui_view {
	const struct store *store;
	const struct tui_msglog *msgs;
	int color;      /* colour pairs are set up */
	int utf8;       /* the locale is UTF-8: box drawing and block bars */
	int replay;
	/*
	 * Selections are items, not rows: each follows its item (a block, a
	 * child, a quote) while rows move, before every frame
	 * (view_selection_follow), and an action names the item as last
	 * drawn or moved to.  A child or quote the arrows chose that has
	 * gone is "gone" until the person chooses another: nothing is
	 * marked and its keys say so.  Until the arrows choose, the
	 * selection is the first row's item, and moves on when it goes.
	 */
	int sel_block;  /* index into store->blocks */
	char sel_block_id[32];          /* ...the block it is */
	int sel_child;  /* the child-orders panel's row (panel_children_at) */
	char sel_child_block[32], sel_child_id[32]; /* ...the child it is */
	int sel_child_gone, sel_child_chosen; /* chosen: by the arrows */
	int sel_rfq;    /* the RFQ panel's row (store_rfq_row) */
	char sel_rfq_id[16], sel_rfq_dealer[12]; /* ...the request, and the
	                   dealer of the quote ("" the request's own row) */
	int sel_rfq_gone, sel_rfq_chosen;
	int focus;      /* panel index with the keyboard */
	int64_t now_ms; /* monotonic wall time of this frame */
	int ascii;      /* --ascii: no braille, no box drawing, no block bars */
	int frozen;     /* Z: the panels are not redrawn */
	int readonly;   /* --readonly or replay: nothing is sent */
	int refused;    /* live: the engine refused our hello (login) */
	int lost;       /* live: the engine was there and is not (no
	                   heartbeat): the panels show what it last said */
	char search[64]; /* / in the decisions: shown only rows that match */
	const char *layout; /* the layout's name */
	const char *url;
	char transport[256]; /* replay transport line (REPLAY ... PLAYING 4x) */
	double replay_frac;  /* replay: where playing stands, 0..1; <0 unknown */
	char source[512];    /* what we are attached to / playing */
};

attr_t view_attr(const struct tui_view *v, int role);
/* The block the console is looking at, or NULL. */
const struct store_block *view_block(const struct tui_view *v);

/* ----------------------------------------------------------------- panels */

/* Key handler results, htop style. */
enum tui_keybits {
	TUI_HANDLED = 1u << 0,
	TUI_REDRAW = 1u << 1,
	TUI_QUIT = 1u << 2,
	TUI_SEND = 1u << 3, /* the prompt has a confirmed command to send */
	TUI_INPUT = 1u << 4, /* the prompt has a line for the console */
};

/* Keys: characters are their code points; function keys carry TUI_FN. */
#define TUI_FN 0x1000000
#define TK(k) ((k) | TUI_FN)
#define TUI_ESC 27

struct panel;

struct panel_ops {
	const char *name;
	unsigned watch; /* store dirty bits that mean a redraw */
	void (*draw)(struct panel *p, const struct tui_view *v);
	unsigned (*key)(struct panel *p, struct tui_view *v, int key);
};

struct panel {
	const struct panel_ops *ops;
	WINDOW *win;
	int y, x, h, w;
	int scroll;    /* rows scrolled back from the newest */
	uint64_t mark; /* the list's push count when last drawn */
	uint64_t mark_cleared; /* ...and its clear count then */
	size_t mark_count;     /* ...and how many rows it held then */
	int sel_shown; /* the last draw showed the selected row (RFQ) */
	int dirty;
};

extern const struct panel_ops panel_book_ops;
extern const struct panel_ops panel_block_ops;
extern const struct panel_ops panel_decisions_ops;
extern const struct panel_ops panel_alerts_ops;
extern const struct panel_ops panel_title_ops;
extern const struct panel_ops panel_status_ops;
extern const struct panel_ops panel_help_ops;
extern const struct panel_ops panel_messages_ops;
extern const struct panel_ops panel_tape_ops;
extern const struct panel_ops panel_chart_ops;
extern const struct panel_ops panel_blotter_ops;
extern const struct panel_ops panel_audit_ops;
extern const struct panel_ops panel_children_ops;
extern const struct panel_ops panel_venues_ops;
extern const struct panel_ops panel_rfq_ops;

/* The child-orders panel's rows: every working child in the books' "ours",
 * symbol after symbol; the k-th, or NULL. */
int panel_children_count(const struct store *s);
const struct store_our *panel_children_at(const struct store *s, int k);
int panel_children_find(const struct store *s, const char *block,
    const char *id);
void panel_children_follow(struct tui_view *v);
/* The RFQ panel's row of request id's quote from dealer ("": the
 * request's own row, while it has no quote), or -1. */
int panel_rfq_find(const struct store *s, const char *id, const char *dealer);
void panel_rfq_follow(struct tui_view *v);
/* The blotter's row of block id, or -1. */
int panel_blotter_find(const struct store *s, const char *id);
void panel_blotter_follow(struct tui_view *v);
void panel_blotter_take(struct tui_view *v, int k);
/* The shared rules of those selections (panel.c). */
int panel_sel_follow(int k, int n, int *sel, int *gone, int named,
    int chosen);
int panel_sel_key(int key, int k, int sel, int n, int page);
/* Every panel's selection follows its item (before each frame). */
void view_selection_follow(struct tui_view *v);
/* A new session: no selection of the old one's stands. */
void view_selection_reset(struct tui_view *v);

/* The status bar's segments and what fits of them (panel-status.c).
 * Lower priorities are more important and are cut last: an alarm
 * (DISCONNECTED, STALE, HALTED, JOURNAL-HALTED, LOGIN REFUSED, an
 * unacknowledged CRIT alert) survives any narrowing that leaves room for
 * it; the engine's address goes first. */
enum status_prio {
	STATUS_PRIO_ALARM,  /* the picture cannot be trusted, or must be acted on */
	STATUS_PRIO_STATE,  /* the engine's state when not an alarm; READ-ONLY */
	STATUS_PRIO_WARN,   /* gaps found, RESYNC, FROZEN */
	STATUS_PRIO_CLOCK,  /* simulated time */
	STATUS_PRIO_COUNTS, /* heartbeat age, gaps when none */
	STATUS_PRIO_DETAIL, /* seq, speed, role */
	STATUS_PRIO_WHERE,  /* the engine's name and address */
};

#define STATUS_SEGS 16

struct status_seg {
	char text[96];
	int prio, width, shown;
	attr_t attr;
};

int status_fit(struct status_seg *seg, int n, int cols, int sepw);

/* The help overlay's window for this screen: its keys in one column, or
 * two when one is not tall enough. */
void panel_help_size(int replay, int rows, int cols, int *h, int *w);

/* The decision matches the search text (case-insensitive; "" matches). */
int panel_decision_matches(const struct store_decision *d, const char *q);

/* Helpers for panels (panel.c). */
void panel_frame(struct panel *p, const struct tui_view *v, const char *title,
                 int focused);
/* Write text clipped to `cols` columns at (y, x); returns columns used. */
int panel_put(WINDOW *w, int y, int x, int cols, attr_t a, const char *s,
              int utf8);
int panel_printf(WINDOW *w, int y, int x, int cols, attr_t a, int utf8,
                 const char *fmt, ...) __attribute__((format(printf, 7, 8)));
/* Text over up to `lines` rows: the first `cols1` wide at (y, x1), the
 * rest `cols2` wide at x2; the last row ends in '~' when text is left.
 * Returns the rows used. */
int panel_wrap(WINDOW *w, int y, int x1, int cols1, int x2, int cols2,
               int lines, attr_t a, const char *s, int utf8);
/* Newest-first lists: keep the rows in view while new ones arrive, and
 * the scrolling keys (arrows, j/k, PgUp/PgDn, Home/End, g/G). */
void panel_list_anchor(struct panel *p, const struct store_ring *r);
unsigned panel_list_key(struct panel *p, int key, int visible);
int64_t panel_list_meant(const struct panel *p, const struct store_ring *r);
/* A horizontal bar of frac (0..1) of `cols` columns; eighths in UTF-8. */
void panel_bar(WINDOW *w, int y, int x, int cols, double frac, attr_t a,
               int utf8);

/* ----------------------------------------------------------------- layout */

enum tui_panel_id {
	PANEL_TITLE,
	PANEL_BOOK,
	PANEL_BLOCK,
	PANEL_DECISIONS,
	PANEL_ALERTS,
	PANEL_STATUS,
	PANEL_TAPE,
	PANEL_CHART,
	PANEL_BLOTTER,
	PANEL_AUDIT,
	PANEL_CHILDREN,
	PANEL_VENUES,
	PANEL_RFQ,
	PANEL_COUNT
};

#define TUI_MIN_COLS 60
#define TUI_MIN_ROWS 16

struct tui_rect {
	int y, x, h, w; /* h == 0: the panel is not shown */
};

/* Place the panels on a rows x cols screen with the built-in layout; -1
 * when it is too small.  The message / prompt line is out[PANEL_COUNT]. */
int layout_compute(int rows, int cols, struct tui_rect out[PANEL_COUNT + 1]);

/* Layouts read from JSON files (tranche-layout(5)). */
#define LAYOUT_COLUMNS 4
#define LAYOUT_STACK   6

struct layout_cell {
	int panel;        /* enum tui_panel_id */
	int pct, rows;    /* height: percent of the body, or rows; 0 = share */
};

struct layout_column {
	int pct, cols;    /* width: percent of the screen, or columns; 0 = share */
	int n;
	struct layout_cell cells[LAYOUT_STACK];
};

struct layout {
	char name[32], path[512];
	int min_cols, min_rows;
	int focus;        /* the panel that has the keyboard first */
	int n;
	struct layout_column cols[LAYOUT_COLUMNS];
};

#define LAYOUT_MAX 16

struct layout_set {
	struct layout items[LAYOUT_MAX];
	int n;
#define LAYOUT_ERRORS 130 /* two directories' 64 files, and one more each */
	char errors[LAYOUT_ERRORS][400]; /* "FILE:LINE: what is wrong" */
	int nerrors; /* every file that could not be used */
};

/* Parse one layout file's text; 0, or -1 with "FILE:LINE: what" in err. */
int layout_parse(struct layout *l, const char *path, const char *text,
                 char *err, size_t errlen);
/* Read every *.json of the system directory, then of the user's
 * ($XDG_CONFIG_HOME/tranche/layouts or ~/.config/tranche/layouts), a user
 * file replacing a system one of the same name.  Bad files are skipped and
 * recorded in set->errors.  sysdir NULL: the built-in TRANCHE_LAYOUT_DIR. */
void layout_load_all(struct layout_set *set, const char *sysdir);
/* Index of the named layout, or -1. */
int layout_find(const struct layout_set *set, const char *name);
/* Why the file NAME.json (of those kept) could not be used, or NULL. */
const char *layout_error_of(const struct layout_set *set, const char *name);
/* Place a layout on the screen; -1 when the screen is smaller than its
 * minimum. */
int layout_place(const struct layout *l, int rows, int cols,
                 struct tui_rect out[PANEL_COUNT + 1]);
/* The panel named `name`, or -1. */
int layout_panel_id(const char *name);
const char *layout_panel_name(int id);

/* ----------------------------------------------------------------- prompt */

enum prompt_stage {
	PROMPT_IDLE,
	PROMPT_VALUE,   /* the action's values (throttle: a percentage ...) */
	PROMPT_REASON,  /* free text, Enter */
	PROMPT_CONFIRM, /* shows what will be sent; y sends */
};

/* What the console knows when an action opens, for the checks a form
 * shows (manual child order: collar, max child, remaining, cost). */
struct prompt_ctx {
	double tick;
	int decimals;
	int64_t bid, ask;      /* ticks; 0 unknown */
	int64_t max_child;     /* 0 unknown */
	int64_t remaining;
	int buy;               /* the block's side */
	int64_t depth;         /* shares on the side a buy/sell would take */
	uint64_t alert_seq;    /* ack: the alert; 0 with ack_all */
	int ack_all;           /* ack: every alert the engine holds */
	char alert_text[80];
	char algos[256];       /* the engine's algorithms (hello); "" unknown */
	char child[32];        /* cancel_child: the child ("c17") */
	char block_id[32];     /* the block looked at, even when the command
	                          names none (a throttle previews it) */
	char rfq[16], dealer[12]; /* rfq_accept / rfq_reject: the request and
	                          the quote chosen in the RFQ panel */
	char quote[72];        /* ...and that quote in words */
	double max_pov;        /* throttle: the block's cap when it opened */
	int have_cap;          /* ...known (its block events carry it) */
};

#define PROMPT_HISTORY 32
#define PROMPT_DETAIL 7

/* The engine's impact estimate for a manual order's form. */
enum prompt_est {
	PROMPT_EST_NONE,   /* not wanted */
	PROMPT_EST_WANTED, /* the quantity is known: the console should ask */
	PROMPT_EST_ASKED,  /* asked, no answer yet */
	PROMPT_EST_DONE,   /* answered, or unavailable (the line says which) */
};

struct prompt {
	int stage;
	char action[16]; /* pause, resume, throttle, style, algo, child, ... */
	char block[32];  /* "" for the whole engine */
	char buf[TRANCHE_MAX_TEXT + 8];
	size_t len;
	double pct;
	int64_t max_child, for_s, px, qty;
	char style[16], aggression[16], algo[24], tif[8], speed[16];
	char at_end[8]; /* throttle: cross|leave, "" unchanged */
	char dealers[64]; /* rfq: "all" or "D1,D3" */
	int64_t deadline_s; /* rfq: 0 the venue's */
	struct prompt_ctx ctx;
	char reason[TRANCHE_MAX_TEXT + 8];
	char preview[1024]; /* the request: a reason of quotes doubles */
	char px_words[80]; /* a price the request carries in ticks, in dollars */
	int confirm_drawn; /* a frame has shown the whole request: y may send */
	int confirm_cut;   /* ...the last frame could not show all of it */
	char detail[PROMPT_DETAIL][160]; /* a form's lines above the prompt */
	int ndetail;
	int est, est_line; /* enum prompt_est; its line in detail[] */
	cJSON *req; /* built when the reason is accepted */
	char note[160]; /* why the last input was refused, shown in the prompt */
	/* The : command line's history survives prompt_cancel(). */
	char history[PROMPT_HISTORY][96];
	int nhistory, hpos;
};

void prompt_begin(struct prompt *p, const char *action, const char *block,
                  int want_value);
/* Input that was not UTF-8 reached the prompt: ncurses drops it and what
 * followed it in the same read, so what is typed so far is not what was
 * typed ("5\xa0000" read as "5").  A value or reason being typed is
 * cleared, with a note saying why (1); nothing is sent from it.  0 when
 * no value or reason is being typed. */
int prompt_input_invalid(struct prompt *p);
/* Open an action with its values already typed (the : command line): on
 * to the reason when they parse (0), else the value stage's note says why:
 * -1 for a value that does not read, PROMPT_EXTRA for a word the action
 * does not take (the caller closes the prompt: nothing opens for it). */
#define PROMPT_EXTRA (-2)
int prompt_begin_with(struct prompt *p, const char *action,
                      const char *block, const struct prompt_ctx *ctx,
                      const char *values);
/* w quoted for a note or a message, 'like this': whole up to
 * PROMPT_QUOTE_MAX bytes, past them cut on a character with "..." inside
 * the quotes, so a value cut for width says so.  dst: PROMPT_QUOTE bytes. */
#define PROMPT_QUOTE_MAX 40
#define PROMPT_QUOTE (PROMPT_QUOTE_MAX + 6)
const char *prompt_quote(char *dst, size_t n, const char *w);
/* The throttle's block's participation cap as the store has it now (the
 * newest block event or snapshot): "now 12% as of 10:31:05", and when it
 * moved since the prompt opened, "...; 12% when opened"; "" unknown. */
const char *prompt_cap_words(const struct prompt *p, const struct store *s,
                             char *buf, size_t n);
/* Does this action ask for values first? */
int prompt_wants_value(const char *action);
void prompt_cancel(struct prompt *p);
/* The open prompt is for something that would be sent to the engine (not
 * a search, go-to or command line). */
int prompt_sends(const struct prompt *p);
/* Keys while a prompt is open; TUI_SEND when confirmed, TUI_INPUT when a
 * line for the console (search, :command, go to) is done (prompt_line()).
 * *msg receives a line for the message area when the prompt ends without
 * sending. */
unsigned prompt_key(struct prompt *p, int key, char *msg, size_t msglen);
/* The confirmed request (the caller owns it); the prompt goes idle. */
cJSON *prompt_take(struct prompt *p);
/* The estimate request for a manual order's form, once it is
 * PROMPT_EST_WANTED (sym: the engine's symbol, for a form without a block);
 * the prompt goes to PROMPT_EST_ASKED.  NULL when none is wanted. */
cJSON *prompt_estimate_request(struct prompt *p, const char *sym);
/* The engine's answer to it (rv nonzero: no answer, rvtext why), or that
 * it cannot be asked (reply NULL, rv nonzero).  Ignored unless a form is
 * waiting for this quantity; 1 when the form changed. */
int prompt_estimate_reply(struct prompt *p, int rv, const char *rvtext,
                          const cJSON *reply);
/* The finished input line of search / command / goto, copied to dst; the
 * prompt goes idle.  Returns the action it was for. */
const char *prompt_line(struct prompt *p, char *dst, size_t n, char *action,
                        size_t an);
void prompt_draw(const struct prompt *p, WINDOW *w, const struct tui_view *v);
int prompt_confirm_inline(const struct prompt *p, int cols, int utf8);
/* Build a command object: {"cmd":action,["block"],["pct"],"reason"}. */
cJSON *prompt_build(const char *action, const char *block, double pct,
                    const char *reason);
/* Complete a : command word; the completed line, or NULL when nothing
 * or several match (then `alts` lists them). */
const char *prompt_complete(const char *line, char *alts, size_t n);

/* -------------------------------------------------------------- transport */

struct tui;

/* A source of events: an engine over NNG, or a journal file. */
struct transport_ops {
	const char *name;
	/* Before the screen opens: errors here go to stderr. */
	int (*open)(struct tui *t);
	/* Start libuv handles on t->loop. */
	int (*start)(struct tui *t);
	/* Once per frame, before drawing. */
	void (*tick)(struct tui *t, int64_t now_ms);
	/* Send a confirmed command (takes req); negative when it cannot. */
	int (*send)(struct tui *t, cJSON *req, const char *what);
	/* Keys the transport owns (replay: space, +, -). */
	unsigned (*key)(struct tui *t, int key);
	/* Go to a simulated time typed as HH:MM[:SS] (replay; NULL live). */
	void (*seek)(struct tui *t, const char *when);
	/* Close handles; the loop then runs until they are gone. */
	void (*close)(struct tui *t);
	/* Free what is left once the loop is idle. */
	void (*free)(struct tui *t);
};

extern const struct transport_ops transport_live_ops;
extern const struct transport_ops transport_replay_ops;
/* One journal event of topic in words, as `.` and the marks say it
 * ("decision, block 1: cross 700 @ 99.70 cross [cap: 700 of 30,204
 * sent]: ..."): prices in s's tick. */
void transport_replay_words(char *out, size_t n, const char *topic,
                            const cJSON *o, const struct store *s);

/* ---------------------------------------------------------------- console */

struct tui_options {
	const char *url;     /* live: control URL */
	const char *tls_ca;  /* live, tls+tcp://: CA file to verify with */
	const char *tls_ca_label; /* where it came from: --tls-ca or the env */
	const char *journal; /* replay: file */
	double speed;        /* replay: initial speed */
	int no_color;
	long frames; /* exit after this many frames; 0 = run until q */
	const char *layout; /* --layout NAME */
	const char *layout_dir; /* system layouts (tests); NULL built-in */
	const char *role;   /* --role: viewer, trader (default), supervisor */
	int no_mouse, ascii, readonly;
	int light;          /* --theme light */
};

enum msg_level { MSG_INFO, MSG_OK, MSG_ERR };
/* help_visible: which overlay any key closes. */
enum { OVERLAY_NONE, OVERLAY_HELP, OVERLAY_MESSAGES };

struct tui {
	struct tui_options opt;
	uv_loop_t loop;
	struct store store;
	struct tui_view view;
	struct prompt prompt;
	const struct transport_ops *tp;
	void *tp_state;

	/* Screen (screen.c). */
	SCREEN *scr;
	FILE *tty_out, *tty_in;
	uv_poll_t tty_poll;
	uv_signal_t sig_winch, sig_int, sig_term, sig_hup, sig_quit;
	uv_timer_t frame_timer;
	int handles_open;
	struct panel panels[PANEL_COUNT];
	WINDOW *msg_win, *help_win, *form_win;
	WINDOW *lost_win; /* the engine-lost banner across the screen */
	struct layout_set layouts;
	int layout_idx; /* the layout asked for; -1: the built-in one */
	int layout_shown; /* the one on screen: the largest that fits when
	                     the terminal is smaller than layout_idx's */
	uint64_t pending_ack; /* the alert an ack in flight names */
	int est_inflight; /* estimates asked and not yet answered (in order) */
	int rows, cols, too_small;
	int full_redraw, msg_dirty, help_visible, help_dirty, resize_pending;
	/* The block the last frame showed: every panel that follows the
	 * selection (book, venues, chart...) is drawn again when it changes,
	 * whichever key, click or vanished block changed it. */
	char drawn_block_id[32];
	long frames;
	int empty_reads;

	char msg[320];
	int msg_level;
	/* How long the line has shown msg: the stretch under way (since
	 * msg_shown_ms; 0: hidden, by a prompt or a screen too small) and
	 * the ones before it; msg_logidx its place in the log. */
	int64_t msg_shown_ms, msg_seen_ms;
	unsigned msg_logidx;
	struct tui_msglog msglog;
	int quitting;
	int exit_code;
};

int tui_run(const struct tui_options *opt);
void tui_msglog_add(struct tui_msglog *l, int level, const char *text,
                    time_t when);
/* The engine's answer to a command the trader confirmed (rv: 0 or an NNG
 * error from the request). */
void tui_reply(struct tui *t, const char *what, int rv, const cJSON *reply);
/* Once per frame: say the late answers to commands given up on. */
void tui_late_say(struct tui *t);
void tui_message(struct tui *t, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Route one key; returns TUI_* bits. */
unsigned tui_key(struct tui *t, int key);
/* The terminal gave bytes that are not UTF-8 (wget_wch: EILSEQ). */
void tui_input_invalid(struct tui *t);
void tui_quit(struct tui *t, int code);
/* Once per frame: the engine lost (live, heartbeats stopped) or back.
 * Lost, an open prompt that would send is closed, saying it was not sent,
 * and the panels are marked stale; 1 when that changed. */
int tui_check_lost(struct tui *t);
void tui_session_new(struct tui *t, char *closed, size_t n);
int64_t tui_now_ms(void);

/* Use the layout at this index of t->layouts (-1: built-in). */
void screen_set_layout(struct tui *t, int idx);

/* Screen plumbing (screen.c). */
int screen_open(struct tui *t);
void screen_start(struct tui *t);
void screen_close_handles(struct tui *t);
int screen_end(struct tui *t);

/* `tranche ctl` (ctl.c). */
int ctl_main(int argc, char **argv);

/* Option tables for main.c and ctl.c (options.c). */
struct tui_opt {
	const char *name;
	int key;             /* the value getopt_long returns */
	const char *metavar; /* NULL: takes no value */
	const char *help;
};

/* Fill a struct option[] (getopt.h; one more entry than the table). */
void options_build(const struct tui_opt *tab, void *longopts);
void options_usage(FILE *f, const struct tui_opt *tab);
int options_parse_long(const char *prog, const char *opt, const char *s,
                       long min, long max, long *out);
int options_parse_double(const char *prog, const char *opt, const char *s,
                         double min, double max, double *out);
int options_check_url(const char *prog, const char *opt, const char *url);

#endif
