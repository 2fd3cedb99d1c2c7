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

#define RING_SIZE 200
#define IDEM_SIZE 8192
#define SESSIONS_MAX 256

struct ring {
	char *items[RING_SIZE];
	int head, count;
};

struct outmsg {
	char *buf;
	size_t len;
};

/* A remembered answer to a command id. */
struct idem {
	uint64_t hash;
	char *id;
	char *reply;
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
};

/* What hello told us about the peer behind an NNG pipe.  A peer that never
 * said hello is a viewer. */
struct session {
	uint32_t pipe;
	int kind;
	int authed;        /* said hello and was accepted */
	int rank;          /* ROLE_* */
	char client[64];
	char role[16];
};

#define TOKENS_MAX 64
struct token {
	int rank;
	char token[128];
};

struct server {
	const struct server_opts *opts;
	char name[64];
	const char *urls[SERVER_MAX_LISTEN];
	int nurls;
	char events_url[600];
	char jpath[1024];

	struct scenario sc;
	struct market *m;      /* the first market (s->x owns them all) */
	struct exec *x;
	struct model *shadow;  /* --shadow, or NULL */
	struct jrnl *j;
	int jrnl_failed;

	uv_loop_t loop;
	int loop_inited;
	uv_timer_t clock_timer, pub_timer, beat_timer;
	uv_poll_t rep_poll, ev_poll;
	uv_signal_t sigint, sigterm;
	int stopping;

	nng_socket rep;
	struct evchan *ev;     /* events: to admitted peers only */
	int rep_fd;

	double speed;         /* 0 = as fast as possible */
	int64_t t;            /* simulated now */
	uint64_t wall_last;   /* uv_now() at the last clock pass */
	uint64_t busy_ns, busy_t0, beat_t0;

	uint64_t seq;
	uint64_t book_changes[SCENARIO_MAX_MARKETS]; /* per symbol */
	struct outmsg *out;
	size_t nout, capout;
	int need_sync;

	struct ring decisions, alerts, audits; /* for snapshots */
	struct idem idem[IDEM_SIZE];
	unsigned idem_next;
	struct session sessions[SESSIONS_MAX];
	int nsessions;

	struct token tokens[TOKENS_MAX];
	int ntokens;
	int readonly;          /* tranched replay: nothing may change */
	int recovering;        /* re-applying journaled commands */
	struct recover *rec;   /* server-recover.c's state while recovering */
	uint64_t seed;
	char last_state[16];   /* what the last "status" event said */
	double last_speed;
};

/* server.c */
void server_publish(struct server *s, const char *topic, cJSON *payload);
void server_flush(struct server *s);
const char *server_state(struct server *s);
/* One symbol's book: market m of s->x. */
cJSON *server_book_json(struct server *s, struct market *m);
/* ["QDI","XYZ"]: the symbols the engine trades. */
cJSON *server_syms_json(struct server *s);
cJSON *server_ring_json(const struct ring *r);

void server_ring_push(struct ring *r, const char *json);

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

/* server-cmd.c: decode, execute (at most once per id), journal and answer
 * one command; returns the malloc'd reply and its length. */
char *server_command(struct server *s, const void *buf, size_t len,
                     const struct peer *peer, size_t *outlen);
void server_idem_free(struct server *s);
/* Recovery: apply one journaled request as the session `sess` (no journal,
 * no audit); returns the reply (caller frees). */
cJSON *server_command_apply(struct server *s, const cJSON *req,
                            struct session *sess);
/* Recovery: remember a journaled answer to an id. */
void server_idem_restore(struct server *s, const char *id, const cJSON *rep);
/* Publish "status" if the engine's state or speed changed. */
void server_status_check(struct server *s);
/* Set the clock speed (0 = max), re-arming the clock timer. */
void server_set_speed(struct server *s, double speed);
int server_role_rank(const char *role);
/* server-tokens.c: load the tokens file and $TRANCHE_TOKENS; refuse a
 * network listener with no token. */
int server_tokens_load(struct server *s, char *err, size_t errlen);
const char *server_role_name(int rank);
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
/* server.c: who is behind pipe p (s may be NULL: only the transport is
 * asked). */
void server_peer(struct server *s, nng_pipe p, struct peer *peer);

/*
 * server-events.c: the events channel.  A peer dials the events URL, sends
 * a hello and, once admitted (a token, or an ipc:// peer of our uid),
 * receives every events message; nobody else receives anything.
 * tokens/ntokens are read at each hello (the caller's, kept alive).
 * queue: NNG_OPT_SENDBUF of the socket (0: 1024).  0, or -1 with err.
 */
#define EVENTS_PIPES_MAX 256    /* connections at once */
#define EVENTS_WAITING_MAX 64   /* of them not yet past hello */
#define EVENTS_HELLO_MS 2000    /* a connection must say hello by then */
#define EVENTS_REFUSED_MS 1000  /* a refused one hears why, then goes:
                                 * its answer must leave first, and
                                 * NNG sends it on a thread of its own */
#define EVENTS_HELLO_MAX 4096   /* bytes: a hello is small */
struct evchan;
int evchan_open(struct evchan **out, int queue, const struct token *tokens,
                const int *ntokens, char *err, size_t errlen);
int evchan_listen(struct evchan *ev, const char *url, nng_tls_config *tls,
                  char *err, size_t errlen);
/* Readable when hellos wait: then evchan_read() answers them (seq: the
 * last event published, told to an admitted peer). */
int evchan_fd(const struct evchan *ev);
void evchan_read(struct evchan *ev, uint64_t seq);
/* Close connections silent past EVENTS_HELLO_MS, and refused ones once
 * they have had their answer; call a few times a second. */
void evchan_sweep(struct evchan *ev);
/* Send msg (taken) to every admitted peer, never blocking; the number of
 * peers it went to. */
int evchan_send(struct evchan *ev, nng_msg *msg);
int evchan_peers(struct evchan *ev);
uint64_t evchan_refused(const struct evchan *ev);
/* 0, or NNG_ETIMEDOUT when NNG would not close the socket (then the
 * channel is abandoned, not freed). */
int evchan_close(struct evchan *ev);

#endif
