/*
 * engine/server/server-int.h -- what the files of engine/server/ share
 * among themselves (the loop in server.c, commands in server-cmd.c).  Not
 * part of the folder's API: that is server.h.
 */
#ifndef TRANCHE_SERVER_INT_H
#define TRANCHE_SERVER_INT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>
#include <nng/nng.h>
#include <nng/supplemental/tls/tls.h>
#include <uv.h>

#include "engine/exec/exec.h"
#include "engine/exec/scenario.h"
#include "engine/journal/journal.h"
#include "engine/server/server.h"
#include "ipc/batch.h"

#define RING_SIZE 200

struct ring {
	char *items[RING_SIZE];
	int head, count;
};

struct outmsg {
	char *buf;
	size_t len;
};

enum { ROLE_VIEWER, ROLE_TRADER, ROLE_SUPERVISOR };

/*
 * Who sent a command, as far as the transport can tell: the NNG pipe, and
 * whether the peer is on ipc:// with our own uid (trusted without a token),
 * on ipc:// with another uid, or on tcp:// (a token is required).
 */
enum { PEER_LOCAL, PEER_IPC_OTHER, PEER_REMOTE };
struct peer {
	uint32_t pipe;
	int kind;
	uint64_t uid;      /* ipc:// only */
	char addr[64];     /* "tcp 10.0.0.7", "ipc uid 1000": refusals and
	                    * their aggregation name the peer by it */
	int close;         /* out: server_command wants the pipe closed, with
	                    * no answer (an unauthenticated peer past its
	                    * error budget) */
};

/* What hello told us about the peer behind an NNG pipe.  A peer that never
 * said hello is a viewer. */
/* tcp:// control connections that have not finished a first request:
 * at most this many at once, each for at most this long (server-session.c). */
#define REP_WAITING_MAX 64
/* ...and of them, and of the events channel's peers not yet past hello,
 * at most this many from one address (an IPv6 peer's /64), so that one
 * host reconnecting as fast as it can keeps only these out of the room,
 * not everybody (found 2026-12-07: 150 silent connections from one host,
 * dialled again as each was closed, kept every new console's events out). */
#define WAITING_PER_PEER 8
#define REP_FIRST_MS 10000
#define REP_CONDEMNED_MAX 256

/* Hellos journaled in the interval that began at t0 (ms), and those
 * answered but not journaled since the last one that was: at most
 * HELLO_JOURNALED in HELLO_INTERVAL_MS (server-cmd.c hello_budget_take()). */
struct hello_budget {
	uint64_t t0, hidden;
	int shown;
};
#define HELLO_JOURNALED 4
#define HELLO_INTERVAL_MS 10000

struct session {
	uint32_t pipe;
	int used;
	int kind;
	int authed;        /* said hello and was accepted */
	int rank;          /* ROLE_* */
	int errors;        /* refusals before authenticating */
	int token;         /* 1-based index of the token hello presented */
	char token_name[48]; /* its name (the principal's) */
	uint64_t uid;
	char client[64];
	char role[16];
	char addr[64];
	/* The person, for the audit records: the token's name once hello
	 * presented one, else the unix user of an ipc:// peer's uid, else
	 * "-" (a tcp:// peer without a token is nobody in particular). */
	char user[64];
	char peer_user[64]; /* the transport's person, before any token */
	/* Who the session is, for remembered ids: set once the session is
	 * trusted (a local peer, or hello accepted); "" until then. */
	char principal[192];
	uint64_t born;     /* order of creation: the oldest untrusted goes first */
	int gateway;       /* 1: the FIX gateway's own session (server-fix.c) */
	/* Its hellos that changed only the client name (server-cmd.c). */
	struct hello_budget hello;
};

/* server-session.c: the refusals of one peer address, aggregated. */
#define REFUSAL_CODES 8
struct refusal_peer {
	char addr[64];
	uint64_t t0_ms;    /* the interval began */
	int shown;         /* refusals recorded one by one in this interval */
	uint64_t count;    /* and counted only */
	struct { char code[16]; uint64_t n; } codes[REFUSAL_CODES];
	char last[200];
};
#define REFUSAL_PEERS 64

/* server-idem.c: remembered answers, keyed by principal and id. */
struct idem_entry;
struct idem_owner;
struct idem_cache {
	struct idem_entry **buckets;
	struct idem_owner **owners; /* principals and identities */
	struct idem_entry *oldest, *newest;
	size_t bytes, count;
};

/* A record appended since the journal last reached the kernel: what a
 * journal_resume writes again if the failed write lost it. */
struct jpend {
	int kind;
	int64_t t;
	char *data;
	size_t len;
};

#define TOKENS_MAX 64
struct token {
	int rank;
	char name[40];     /* the person: NAME, or "ROLE#1" when none */
	int unnamed;       /* no NAME given: one such token a role */
	char token[128];
	char where[160];   /* "tokens file PATH:LINE" or "TRANCHE_TOKENS" */
};

/*
 * server-replay.c: what `tranched replay` has replayed so far.  A replay is
 * a struct server in read-only mode with no execution layer: the read
 * commands answer from this (through server_now(), server_state() and the
 * other accessors of server.c) where a live engine asks its markets and
 * blocks.
 */
#define REPLAY_BLOCKS 64
struct replayed {
	double tick;
	char sym[16];            /* the header's first symbol */
	cJSON *syms;             /* the header's "syms", or NULL */
	cJSON *books[SCENARIO_MAX_MARKETS]; /* the last book of each symbol */
	int nbooks;
	cJSON *blocks[REPLAY_BLOCKS];       /* the last block event of each */
	char state[16];          /* what the last "status" event said */
	int64_t t;               /* the last event's time */
	int ended;               /* the journal has been played to its end */
	/* Events whose seq is not above the one before (a journal pieced
	 * together): played as they are, and counted. */
	uint64_t seq_back;
	/* Events whose time is not a time of the session's day (below 0 or
	 * from 24:00 on): not published, and counted; events more than
	 * REPLAY_BACK_NS before the latest time played: played at once, and
	 * counted; gaps of more than REPLAY_GAP_NS: waited for (the session
	 * was so), and said. */
	uint64_t t_bad, t_back, t_gap;
	int64_t t_max;
};
/* Each market's events carry its own time, and the markets are stepped
 * in turn: one may be behind another by up to a loop step (under a
 * second measured at speed max). */
#define REPLAY_BACK_NS (5LL * 1000000000LL)
#define REPLAY_GAP_NS (900LL * 1000000000LL)

/* TLS listeners watched for connections NNG stopped reading (see
 * server-listen.c). */
#define LISTEN_WATCH_MAX (2 * SERVER_MAX_LISTEN)
#define LISTEN_UNREAD_MAX 64
#define LISTEN_STUCK_MS 4000
struct listen_unread {
	unsigned long ino, rx; /* a socket, and its bytes unread */
	int64_t since;         /* when rx was first seen at this value */
};
#define LISTEN_DEAD_MAX 256
#define LISTEN_GAP_MS 2000     /* a longer gap between looks starts over */
#define LISTEN_BACKOFF_MS 10000 /* at least this long between restarts */
struct listen_watch {
	nng_socket sock;
	nng_listener l;
	int up, port;
	char url[600];
	nng_tls_config *tls;   /* held for listening afresh */
	struct listen_unread unread[LISTEN_UNREAD_MAX];
	int nunread;
	/* Sockets a stuck listener left behind (NNG never closes them):
	 * not counted against the next one. */
	unsigned long dead[LISTEN_DEAD_MAX];
	int ndead;
	int64_t stuck_ms, looked, restarted;
};
struct listen_watches {
	struct listen_watch w[LISTEN_WATCH_MAX];
	int n;
};

struct server {
	const struct server_opts *opts;
	char name[64];
	const char *urls[SERVER_MAX_LISTEN];
	int nurls;
	char events_url[600];
	char jpath[1024];
	/* The session's id (hello's "session"): made with its journal and kept
	 * in the journal's header, so a restart that continues the session
	 * keeps it and a new session on the same address does not. */
	char session[24];

	struct scenario sc;
	struct market *m;      /* the first market (s->x owns them all) */
	struct exec *x;
	struct model *shadow;  /* --shadow, or NULL */
	struct jrnl *j;
	/* server-journal.c: the durability gate and the journal halt. */
	struct jpend *jpend;
	size_t njpend, capjpend;
	int jpend_lost;        /* a pending record could not be kept */
	uint64_t jbase;        /* records in the file before jpend[0] */
	int jfailed;           /* a write failed: halt at the pass's end */
	int jhalted;           /* JOURNAL-HALTED */
	uint64_t jresumes;     /* journal_resumes that succeeded */
	int jerrno;            /* the failure's errno */
	char jwhat[64];        /* what was being written */
	int64_t jhalt_t;       /* simulated time of the halt */
	uint64_t jhalt_seq;    /* the first seq published unjournaled */

	uv_loop_t loop;
	int loop_inited;
	uv_timer_t clock_timer, pub_timer, beat_timer;
	uv_poll_t rep_poll, ev_poll;
	int ev_poll_off;           /* ev_poll stopped for a hush */
	uv_signal_t sigint, sigterm;
	int stopping;

	nng_socket rep;
	struct evchan *ev;     /* events: to admitted peers only */
	struct listen_watches lw; /* tls+tcp:// listeners (server-listen.c) */
	int rep_fd;

	double speed;         /* 0 = as fast as possible */
	int64_t t;            /* simulated now */
	uint64_t wall_last;   /* uv_now() at the last clock pass */
	int64_t owed_ns;      /* simulated time due and not yet simulated */
	double lost_ms;       /* wall ms the clock gave up: it could not keep
	                       * its speed (stopped, starved, too fast) */
	uint64_t busy_ns, busy_t0, beat_t0;

	uint64_t seq;
	uint64_t prints;      /* trade events of the session (snapshot's
	                       * "prints": a console attaching late counts
	                       * the tape from there) */
	uint64_t jcmds;       /* command records in the journal (the next
	                       * one's "n" is jcmds + 1) */
	uint64_t book_changes[SCENARIO_MAX_MARKETS]; /* per symbol */
	struct outmsg *out;
	size_t nout, capout;
	struct ipc_batch batch; /* server_send_batched()'s, kept for its
	                         * room */
	int need_sync;

	struct ring decisions, alerts, audits; /* for snapshots */
	/* Unacknowledged CRIT alerts the alerts ring let go of: kept until
	 * acknowledged (server_alert_push). */
	struct ring crits;
	struct ring refusals;  /* audit records of refusals, apart */
	struct ring news;      /* the last news items, for snapshots */
	struct idem_cache idem;
	struct session *sessions;  /* max_sessions slots */
	int nsessions, max_sessions;
	uint64_t sessions_born;    /* sessions made, for their order */
	uint64_t sessions_evicted; /* unauthenticated ones that gave way */
	uint32_t tombs[1024];      /* pipes gone (server-session.c) */
	unsigned ntombs;
	uv_mutex_t pipe_mu;        /* guards gone_pipes, pipe_async_on,
	                            * rep_waiting */
	/* tcp:// control connections that have not finished a first request
	 * (server-session.c): at most REP_WAITING_MAX, for REP_FIRST_MS. */
	struct {
		uint32_t pipe;
		uint64_t since_ms;
		char key[64];  /* server_pipe_key() */
	} rep_waiting[REP_WAITING_MAX];
	int nrep_waiting;
	/* Control connections sent away (past their error budget), closed
	 * once quiet (server-session.c); the loop's thread only. */
	struct { uint32_t pipe; uint64_t heard_ms; } condemned[REP_CONDEMNED_MAX];
	int ncondemned;
	uint64_t rep_drained_ms;   /* a pass last found nothing waiting */
	uint64_t rep_hush;         /* ms: since when the control socket is
	                            * not read, for those; 0: it is */
	int rep_poll_off;          /* rep_poll stopped for a hush */
	uint64_t rep_hushed_ms;    /* when the last hush ended */
	int nng_stuck_told;        /* the wedged-NNG alert went out */
	uint32_t *gone_pipes;
	size_t ngone, capgone;
	uv_async_t pipe_async;
	int pipe_mu_inited, pipe_async_on;
	/* One bucket per peer address (an IPv6 peer's /64), and a last one
	 * that counts every address beyond them until one ends. */
	struct refusal_peer refusal_peers[REFUSAL_PEERS + 1];
	/* Refused events hellos recorded lately (peer key, a hash of the
	 * code and words, when): the same one again within EV_REFUSED_QUIET_MS
	 * is only counted (server.c, server_ev_refused). */
	struct { char key[64]; uint64_t hash, t_ms; } ev_refused[64];
	uint64_t refusal_all_t0;  /* the engine-wide interval began */
	int refusal_all_shown;    /* refusals recorded one by one in it */
	/* The snapshot built this pass, shared by every request that asks
	 * before anything changes (server-cmd.c). */
	char *snap_text;
	size_t snap_len;
	uint64_t snap_seq;
	int64_t snap_t;
	int snap_splice;

	struct token tokens[TOKENS_MAX];
	int ntokens;
	/* First hellos of new sessions per token (index 1..) or local peer
	 * (0). */
	struct hello_budget hello_first[TOKENS_MAX + 1];
	uint64_t hello_carry;  /* their hidden, for the first hello journaled */
	int readonly;          /* tranched replay: nothing may change */
	struct replayed *rp;   /* tranched replay: what it has replayed */
	uint64_t jtorn_at;     /* recovery: a torn tail begins here, cut
	                        * once the session goes on; 0 none */
	int recovering;        /* re-applying journaled commands */
	struct recover *rec;   /* server-recover.c's state while recovering */
	uint64_t seed;
	char last_state[16];   /* what the last "status" event said */
	char audit_what[320];  /* the command being recorded, in words */
	double last_speed;
	struct server_fix *fix; /* --fix-listen: the FIX application layer */
	cJSON *hdr_news;       /* recovery: the header's "news" (--news items) */
};

/*
 * server-fix.c: the FIX application layer (its opening comment says how
 * orders become blocks and fills execution reports, exactly once).
 */
struct server_fix;
struct fix_msg;
struct fix_out;
/* The longest ClOrdID a refusal echoes: past it, 11=NONE. */
#define FIX_ECHO_MAX 255
/* An execution report (35=8) before it is written for one FIX version. */
struct fix_er {
	char session[33];  /* a sessions file's name: 1 to 32 characters */
	char execid[64];
	char exectype;        /* ExecType(150) as FIX 4.4 says it; 'F' a fill,
	                       * 'I' a status answer (FIX 4.2's say it so) */
	char status;          /* OrdStatus(39) */
	char orderid[16];     /* the block id, or "NONE" when refused */
	/* ClOrdID as the counterparty sent it, so a refusal of one longer
	 * than an order may keep (63) still names it (FIX_ECHO_MAX). */
	char clordid[FIX_ECHO_MAX + 1], orig[64];
	char sym[16];
	char side;            /* Side(54) */
	char ordtype;         /* OrdType(40) */
	int64_t qty, limit_px;       /* shares; ticks (0: none) */
	int64_t lastqty, lastpx;     /* a fill's; 0 otherwise */
	int64_t cum, leaves;
	double avgpx;                /* ticks */
	char lastmkt[16];
	int rejreason;               /* OrdRejReason(103), -1 none */
	char text[240];
	int64_t t;                   /* simulated ns: TransactTime's time of day */
};
/* What a NewOrderSingle is checked against. */
struct fix_ctx {
	double tick;          /* dollars per tick */
	int64_t now, close;   /* simulated ns since midnight */
	int v42;              /* the session speaks FIX.4.2 */
};
/* A NewOrderSingle's catch-up tags (tranche-fix(7)): CatchUp(5005) and
 * CatchUpMax(5006), and the submit's params member each sets. */
struct fix_catchup_tag {
	int tag;
	const char *name, *param;
};
extern const struct fix_catchup_tag server_fix_catchup_tags[2];
/* The submit request a NewOrderSingle asks for (id and reason made from
 * session and inseq), or NULL with text naming the tag and value and
 * *rej its OrdRejReason. */
cJSON *server_fix_order_req(const struct fix_msg *m, const char *session,
                            long long inseq, const struct fix_ctx *c,
                            char *text, size_t n, int *rej);
/* A tag's value for a message (cut, control characters escaped). */
int server_fix_px_ticks(const struct fix_msg *m, double tick,
                        int64_t *ticks);
const char *server_fix_val(const struct fix_msg *m, int tag, char *buf,
                           size_t n);
/* v, the value of tag 11 or 41, as the engine takes an id: UTF-8 with no
 * control character.  0, or -1 with text naming the tag and the value. */
int server_fix_id_ok(const struct fix_msg *m, int tag, const char *v,
                     char *text, size_t n);
/* A UTC timestamp's time of day as simulated ns since midnight: 0, or -1
 * when v is not YYYYMMDD-HH:MM:SS[.sss]. */
int server_fix_time(const char *v, int64_t *ns);
/* Write er into o for FIX.4.2 (v42) or FIX.4.4; date: YYYYMMDD of
 * TransactTime. */
void server_fix_er_body(const struct fix_er *er, int v42, double tick,
                        const char *date, struct fix_out *o);
/* Before recovery (with --fix-listen): the layer's state, so that the
 * journal's FIX orders and reports are rebuilt.  0, or -1 with err. */
int server_fix_init(struct server *s, char *err, size_t errlen);
/* On the loop, after recovery: the acceptor, and what each session already
 * heard.  0, or -1 with err naming the file, field and value. */
int server_fix_open(struct server *s, char *err, size_t errlen);
/* Every event, recovering or not (before anything else looks at it). */
void server_fix_event(struct server *s, const char *topic,
                      const cJSON *payload);
/* An accepted command that changes something, live or re-applied. */
/* server-session.c: tcp:// control connections that have not finished
 * their first request.  added: on an NNG thread as the pipe starts (full:
 * closed at once); heard: its first request came; sweep: close those
 * waiting longer than REP_FIRST_MS. */
void server_rep_pipe_added(struct server *s, nng_pipe p);
void server_rep_pipe_heard(struct server *s, uint32_t pipe);
void server_rep_sweep(struct server *s);
/* A control connection past its error budget: its messages are dropped
 * from now on and it is closed once quiet (ipc/nngclose.h says why not at
 * once). */
void server_rep_condemn(struct server *s, nng_pipe p);
/* 1 (its message to be dropped) when pipe was sent away. */
int server_rep_condemned(struct server *s, uint32_t pipe);
/* Once: the alert and the log line when NNG stopped freeing pipes. */
void server_nng_check(struct server *s);

/* 1 when name is a session of this engine's FIX gateway, else 0. */
int server_fix_has_session(const struct server *s, const char *name);
void server_fix_command(struct server *s, const struct session *sess,
                        const char *cmd, const cJSON *req,
                        const cJSON *reply);
/* After the pass's journal is durable: send the reports not yet sent. */
void server_fix_flush(struct server *s);
/* fix_status: {"sessions":[...],"orders":[...]}, or NULL when the engine
 * has no FIX acceptor. */
cJSON *server_fix_status(struct server *s);
void server_fix_close(struct server *s);
void server_fix_free(struct server *s);

/* server.c */
void server_publish(struct server *s, const char *topic, cJSON *payload);
/* An alert of the engine's own (not the detector's): sev, code, text. */
void server_publish_alert(struct server *s, const char *sev, const char *code,
                          const char *text);
void server_flush(struct server *s);
const char *server_state(struct server *s);
/* One symbol's book: market m of s->x. */
cJSON *server_book_json(struct server *s, struct market *m);
/* ["QDI","XYZ"]: the symbols the engine trades. */
cJSON *server_syms_json(struct server *s);
/* What the read commands tell, live or replayed: the simulated time, the
 * tick, the first symbol, the first symbol's book and every symbol's, the
 * blocks. */
int64_t server_now(const struct server *s);
/* The time of the event being published: its market's own
 * (exec_event_time) for one market's trade, fill, child or request, else
 * server_now(). */
int64_t server_event_now(const struct server *s);
double server_tick(const struct server *s);
const char *server_sym(const struct server *s);
cJSON *server_book_first_json(struct server *s);
cJSON *server_books_json(struct server *s);
cJSON *server_blocks_json(struct server *s);
cJSON *server_ring_json(const struct ring *r);
/* 1 when the kill switch refuses a command (exec_killed; while a journal
 * is re-applied, only while some block is HALTED, as engines before the
 * latch had it, and the switch goes off where such an engine's did). */
int server_kill_holds(struct server *s);

void server_ring_push(struct ring *r, const char *json);
/* An alert event's payload into the alerts ring; an unacknowledged CRIT
 * it lets go of is kept in crits (the newest 200 of them), so that a busy
 * session's routine alerts never push a stress alert out of the snapshot
 * and out of ack's reach.
 * server_alerts_json: both, oldest first, for a snapshot. */
void server_alert_push(struct server *s, const char *json);
/* Acknowledged CRITs leave crits (an ack calls it). */
void server_crits_drop_acked(struct server *s);
cJSON *server_alerts_json(const struct server *s);

/* server-cmd.c: mark the alerts an accepted ack's audit event names
 * acknowledged (recovery and replay, from the journal). */
void server_ack_from_audit(struct server *s, const cJSON *audit, int64_t t);

/* server-journal.c (its opening comment says how the halt works).
 * Append a record (kept until it reaches the kernel); -1 when it cannot be
 * (halted, or a write failed: the pass must end in server_flush). */
int server_jrnl_append(struct server *s, int kind, int64_t t,
                       const void *data, size_t len, const char *what);
/* Append a command record (an answered command or a refusal), its "n"
 * the record's number among the journal's command records, 1 first:
 * recovery, `journal check` and salvage find a record repeated, moved or
 * missing by it.  As server_jrnl_append. */
int server_jrnl_command(struct server *s, cJSON *o, int64_t t,
                        const char *what);
/* Write (sync: and fdatasync) what was appended; 0, or -1 when it is not
 * durable (the caller halts, or lets server_flush halt). */
int server_jrnl_commit(struct server *s, int sync, const char *what);
/* Go JOURNAL-HALTED: drop the unsent outbox, halt the blocks, alert. */
void server_jrnl_halt(struct server *s);
/* NULL when a state-changing command may run (the journal is written and
 * synced up to now), else its journal_unavailable answer (halting). */
cJSON *server_jrnl_refusal(struct server *s, const char *id,
                           const char *cmd);
/* The answer to a command whose own record failed to become durable. */
cJSON *server_jrnl_unsynced(struct server *s, const char *id,
                            const cJSON *reply);
/* journal_resume: reopen, write again what was lost, sync, lift the halt. */
cJSON *server_jrnl_resume(struct server *s, const char *id,
                          const struct session *sess, const char *reason);
/* "journal":"ok|halted" (and the error) into a heartbeat or status. */
void server_jrnl_describe(struct server *s, cJSON *o);
void server_jrnl_error_text(const struct server *s, char *buf, size_t n);
/* At the end: the final sync; 0, or SERVER_EXIT_JOURNAL saying why. */
int server_jrnl_finish(struct server *s);
/* Refuse a malformed TRANCHE_FAULT_JOURNAL_ENOSPC_AFTER by name. */
int server_jrnl_env_check(char *err, size_t errlen);
void server_jrnl_free(struct server *s);

/* server-recover.c: continue the session in an existing journal.
 * server_recover_open() opens it (cutting a damaged tail, reported on
 * stderr), reads the header and loads the scenario from it;
 * server_recover_run() re-simulates from the seed and the journaled
 * commands, checking every fill.  0, or -1 with err. */
int server_recover_open(struct server *s, char *err, size_t errlen);
int server_recover_run(struct server *s, char *err, size_t errlen);
/* While recovering: 1 if an event was already journaled (or is not the
 * execution layer's) and must not be journaled or sent again. */
int server_recover_event(struct server *s, const char *topic,
                         const cJSON *payload);

/*
 * server-cmd.c: the command table (server-cmds.def) and its dispatcher.
 * A row's flags say what the command is, and every mode asks them:
 */
#define CMD_WRITE   0x01  /* changes state: journaled with its answer,
                           * audited, answered at most once per id, and
                           * run only on a writable journal */
#define CMD_REASON  0x02  /* needs a non-empty "reason" */
#define CMD_RECOVER 0x04  /* accepted, it is re-applied by recovery */
#define CMD_REPLAY  0x08  /* answered by a read-only replay */
#define CMD_HALTED  0x10  /* a CMD_WRITE that runs while JOURNAL-HALTED */
#define CMD_AUTH    0x20  /* authenticates the session: allowed before
                           * it, journaled when accepted */
/* server-rfq.c: a trader's requests for quotes (the table's handlers). */
cJSON *cmd_rfq(struct server *s, const cJSON *req, const char *id,
               struct session *sess);
cJSON *cmd_rfq_accept(struct server *s, const cJSON *req, const char *id,
                      struct session *sess);
cJSON *cmd_rfq_reject(struct server *s, const cJSON *req, const char *id,
                      struct session *sess);
/* NULL when every member of req other than cmd, id and reason is one of
 * allowed (NULL-terminated) or the server is recovering; else the field
 * error naming the member, what (the command) and the members it takes. */
cJSON *cmd_members(const struct server *s, const cJSON *req, const char *id,
                   const char *what, const char *const *allowed);
/* A command's flags, or -1 when no command has that name. */
int server_cmd_flags(const char *name);
/* "hello, status, ...": every command's name, in the table's order. */
const char *server_cmd_known(void);
/* Decode, execute (at most once per id), journal and answer one command;
 * returns the malloc'd reply and its length. */
char *server_command(struct server *s, const void *buf, size_t len,
                     struct peer *peer, size_t *outlen);
/* Recovery: apply one journaled request as the session `sess` (no journal,
 * no audit); returns the reply (caller frees). */
cJSON *server_command_apply(struct server *s, const cJSON *req,
                            struct session *sess);
/* server_command for a session the caller holds (the FIX layer's): the
 * same checks, journal, audit and answer. */
char *server_command_session(struct server *s, const void *buf, size_t len,
                             struct session *sess, struct peer *peer,
                             size_t *outlen);
/* Recovery: remember the answer of a journaled command record (one with
 * a "principal": a trusted session's command that changes something). */
void server_idem_restore(struct server *s, const cJSON *record);

/*
 * server-idem.c: at most once per principal and id.  An answer is kept
 * for IDEM_WINDOW_S seconds, or until it is the oldest of its principal's
 * past IDEM_PRINCIPAL_BYTES, of its identity's (the uid or token) past
 * IDEM_IDENTITY_BYTES, or of everyone's past IDEM_MAX_BYTES.  Only
 * commands that change something are kept.
 */
#define IDEM_WINDOW_S 600
#define IDEM_PRINCIPAL_BYTES (1u << 20)
#define IDEM_IDENTITY_BYTES (4u << 20)
#define IDEM_MAX_BYTES (16u << 20)
/* A request's body, hashed (its canonical JSON text). */
uint64_t server_idem_body(const cJSON *req);
/* 0 none, 1 *reply and *len (the first answer), or -1: the principal used
 * this id for another body. */
int server_idem_find(struct server *s, const char *principal, const char *id,
                     uint64_t body, const char **reply, size_t *len);
/* A journaled principal as this engine names it: an older engine's
 * "token:ROLE#N/..." (an unnamed token by its place) is "token:ROLE#1/...";
 * p itself when it needs no change, else buf. */
const char *server_idem_principal_now(const char *p, char *buf, size_t n);
void server_idem_store(struct server *s, const char *principal,
                       const char *id, uint64_t body, const char *reply,
                       size_t len);
/* The answer the stored one (a "carried out but not durable") stands for
 * once a journal_resume has written the command: found from then on. */
void server_idem_durable_later(struct server *s, const char *principal,
                               const char *id, const char *reply,
                               size_t len);
void server_idem_free(struct server *s);

/*
 * server-session.c: one session per NNG pipe of the REP socket, made at the
 * pipe's first request and freed when the pipe closes; never evicted.
 * server_session_get() is NULL when the table is full (or the pipe has
 * already gone).
 */
#define SESSIONS_DEFAULT 256
#define UNAUTH_ERRORS_DEFAULT 8
#define REFUSAL_SHOWN 3         /* recorded one by one per peer and interval */
#define REFUSAL_SHOWN_ALL 24    /* ...and across every peer */
#define REFUSAL_INTERVAL_MS 10000
int server_sessions_init(struct server *s, char *err, size_t errlen);
/* After uv_loop_init: pipe closures wake the loop from here on. */
void server_sessions_start(struct server *s);
void server_sessions_stop(struct server *s);
void server_sessions_free(struct server *s);
/* NNG pipe notification (any thread): a pipe of the REP socket closed. */
void server_sessions_pipe_gone(struct server *s, uint32_t pipe);
/* On the loop: free the sessions of the pipes that closed. */
void server_sessions_drain(struct server *s);
struct session *server_session_get(struct server *s, const struct peer *peer);
/* The session is trusted: a local peer, or an accepted hello. */
int server_session_trusted(const struct session *sess);
void server_session_principal(struct session *sess);
/* A refusal that is not a trusted session's intervention: recorded (the
 * first few per peer and interval one by one, on the journal and the audit
 * topic, the rest counted) and counted against an unauthenticated peer's
 * error budget: 1 when the peer has spent it. */
int server_refusal(struct server *s, struct session *sess,
                   const struct peer *peer, const char *cmd,
                   const cJSON *req, const void *raw, size_t rawlen,
                   const cJSON *reply, int *recorded);
/* The same refusal only counted, for the peer's interval summary: a
 * refusal already recorded that a client repeats (an events hello with a
 * wrong token, dialled again every second). */
void server_refusal_tally(struct server *s, const struct peer *peer,
                          const cJSON *reply);
/* The counted refusals of every interval that has ended (all: every one)
 * as one journal record and one audit event per peer. */
void server_refusals_flush(struct server *s, int all);
/* The key a peer's refusals are counted under: its address, or for an
 * IPv6 address its /64 ("tcp 2001:db8::/64"). */
void server_refusal_key(const char *addr, char *key, size_t keylen);
/* 1 and the peer's refusal key ("tcp 10.0.0.8", "tcp 2001:db8::/64") for a
 * pipe from a tcp:// or tls+tcp:// peer; 0, key untouched, for any other
 * (ipc://). */
int server_pipe_key(nng_pipe p, char *key, size_t keylen);
uint64_t server_now_ms(void);
/* Publish "status" if the engine's state or speed changed. */
void server_status_check(struct server *s);
/* Set the clock speed (0 = max), re-arming the clock timer. */
void server_set_speed(struct server *s, double speed);
/*
 * server-auth.c: roles and tokens.  A role's rank (ROLE_*), or -1 when the
 * name is none of viewer, trader, supervisor; and a rank's name.
 */
int server_role_rank(const char *role);
const char *server_role_name(int rank);
/* NULL when the session's role may send cmd (whose least role is
 * min_rank: the command table's), else the "role" refusal naming both. */
cJSON *server_role_refusal(const struct session *sess, const char *cmd,
                           int min_rank, const char *id);
/* Load the tokens file and $TRANCHE_TOKENS; refuse a network listener
 * with no token. */
int server_tokens_load(struct server *s, char *err, size_t errlen);
/* The rank a token grants (and its 1-based index in *index), or -1 when
 * the engine knows no such token. */
int server_token_grant(const struct server *s, const char *token,
                       int *index);
/* server-listen.c: the TLS configuration for tls+tcp:// listeners from
 * --tls-cert and --tls-key (*out NULL when no URL is tls+tcp://).  0, or
 * -1 with err naming the option: a tls+tcp:// URL without them, them
 * without such a URL, a file that cannot be read or is not a PEM
 * certificate or key. */
int server_tls_config(nng_tls_config **out, const char *const *urls,
                      int nurls, const char *cert, const char *key,
                      char *err, size_t errlen);
/* Listen on url (ipc:// mode 0600; tls+tcp:// with tls, which must then be
 * set).  0, or -1 with err. */
int server_listen(nng_socket sock, const char *url, nng_tls_config *tls,
                  char *err, size_t errlen);
/* The same, with the listener in *out when out is not NULL. */
int server_listen_l(nng_socket sock, const char *url, nng_tls_config *tls,
                    nng_listener *out, char *err, size_t errlen);

/* server_listen(), and a tls+tcp:// listener is watched. */
int server_listen_watched(struct listen_watches *lw, nng_socket sock,
                          const char *url, nng_tls_config *tls, char *err,
                          size_t errlen);
/* Once a second: a watched listener whose connection's unread bytes have
 * not moved for LISTEN_STUCK_MS is closed and started afresh, each such
 * restart said on stderr. */
void server_listen_check(struct listen_watches *lw, int64_t now_ms);
void server_listen_watch_free(struct listen_watches *lw);
/* For tests: one line of /proc/net/tcp or tcp6 (the local port, state,
 * bytes unread, inode; 0, or -1 for a header); and one look at the
 * connections of w with bytes unread (1 when one is stuck). */
int server_listen_parse(const char *line, unsigned *port, unsigned *st,
                        unsigned long *rx, unsigned long *ino);
int server_listen_follow(struct listen_watch *w, const unsigned long *ino,
                         const unsigned long *rx, const unsigned *port, int n,
                         int64_t now);
/* server.c: who is behind pipe p (s may be NULL: only the transport is
 * asked). */
void server_peer(struct server *s, nng_pipe p, struct peer *peer);
/* 1 when two tokens are equal, compared without stopping at the first
 * difference (server-auth.c; the control socket, the events channel and
 * the replay all compare so). */
int server_token_eq(const char *a, const char *b);
/* A command as the journal keeps it: {"req"} (or, undecodable, {"raw"} as
 * ipc_show() writes it), "rep", "client", "role" (server-cmd.c; the
 * refusals of server-session.c add their peer). */
cJSON *server_command_record(const cJSON *req, const void *raw, size_t rawlen,
                             const cJSON *reply, const char *client,
                             const char *role);

/*
 * server-audit.c: an intervention in words ("throttle block 1 12% (was
 * 100%)").  server_audit_before() takes what a command may change, before
 * its handler runs; server_audit_words() writes the sentence from the
 * request, that and the answer (the audit record's "what").
 */
#define AUDIT_BEFORE_BLOCKS 64
struct audit_block {
	uint32_t id;
	double max_pov;
	int64_t max_child, limit_px, filled, qty, force_until, end;
	int aggr, state, forced, cleanup;
	double cost_limit;
	char algo[24];
};
struct audit_before {
	int taken;             /* 0: no picture (the words say less) */
	double speed;
	int n;
	struct audit_block blocks[AUDIT_BEFORE_BLOCKS];
};
void server_audit_before(struct server *s, struct audit_before *b);
void server_audit_words(struct server *s, const char *cmd, const cJSON *req,
                        const cJSON *reply, const struct audit_before *b,
                        char *out, size_t n);

/*
 * server-events.c: the events channel.  A peer dials the events URL, sends
 * a hello and, once admitted (a token, or an ipc:// peer of our uid),
 * receives every events message; nobody else receives anything.
 * tokens/ntokens are read at each hello (the caller's, kept alive).
 * queue: NNG_OPT_SENDBUF of the socket (0: 1024).  0, or -1 with err.
 */
/* Answers waiting in the control socket's own queue before NNG moves
 * each to its connection's (64 deep). */
#define REP_SENDBUF 256
#define EVENTS_PIPES_MAX 256    /* connections at once */
#define EVENTS_LOCAL_SPARE 16   /* beyond them, slots only an ipc:// peer
                                 * takes, each closing the oldest tcp://
                                 * one to bring the table back to 256 */
#define EVENTS_TABLE (EVENTS_PIPES_MAX + EVENTS_LOCAL_SPARE)
#define EVENTS_WAITING_MAX 64   /* of them not yet past hello */
#define EVENTS_HELLO_MS 2000    /* a connection must say hello by then */
#define EVENTS_REFUSED_MS 1000  /* a refused one hears why, then goes:
                                 * its answer must leave first, and
                                 * NNG sends it on a thread of its own */
#define EVENTS_HELLO_MAX 4096   /* bytes: a hello is small */
#define EVENTS_PASS_MAX 256     /* messages read in one evchan_read() */
#define EVENTS_PASS_MS 5        /* and milliseconds spent reading them */
#define EVENTS_HUSH_MS 100      /* nothing read, before a sending peer
                                 * is closed (server-events.c) */
#define HUSH_EVERY_MS 1000      /* at most one hush a second */
#define EVENTS_ADMITTED_SAYS 16 /* messages an admitted peer may send
                                 * (none are read) before it is closed */
struct evchan;
int evchan_open(struct evchan **out, int queue, const struct token *tokens,
                const int *ntokens, char *err, size_t errlen);
int evchan_listen(struct evchan *ev, struct listen_watches *lw,
                  const char *url, nng_tls_config *tls, char *err,
                  size_t errlen);
/* Readable when hellos wait: then evchan_read() answers them (seq: the
 * last event published, told to an admitted peer). */
int evchan_fd(const struct evchan *ev);
void evchan_read(struct evchan *ev, uint64_t seq);
/* Called by evchan_read() for every hello it refuses, with the hello's
 * bytes and the refusal, before the answer goes out: the server records
 * it as it records a refused command (server_refusal, the audit topic). */
typedef void (*evchan_refused_fn)(void *arg, nng_pipe p, const void *buf,
                                  size_t len, const cJSON *reply);
void evchan_on_refused(struct evchan *ev, evchan_refused_fn fn, void *arg);
/* Close connections silent past EVENTS_HELLO_MS, and refused ones once
 * they have had their answer; call a few times a second. */
void evchan_sweep(struct evchan *ev);
/* 1 while nothing is read, so that peers being closed go quiet first
 * (evchan_sweep()); the caller stops polling meanwhile. */
int evchan_hushed(struct evchan *ev);
/* Send msg (taken) to every admitted peer, never blocking; the number of
 * peers it went to. */
int evchan_send(struct evchan *ev, nng_msg *msg);
int evchan_peers(struct evchan *ev);
/* Send what b holds (ipc/batch.h) to every admitted peer as one message,
 * never blocking, and empty it; with no peer nothing is copied.  ev may be
 * NULL (recovery: nobody to tell yet). */
void evchan_send_batch(struct evchan *ev, struct ipc_batch *b);
uint64_t evchan_refused(const struct evchan *ev);
/* 0, or NNG_ETIMEDOUT when NNG would not close the socket (then the
 * channel is abandoned, not freed). */
int evchan_close(struct evchan *ev);

#endif
