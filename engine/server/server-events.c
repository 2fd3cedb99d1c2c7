/*
 * engine/server/server-events.c -- the events channel: who may receive the
 * engine's events, and sending them to those peers only.
 *
 * NNG's PUB/SUB cannot authenticate a subscriber: SUB sends nothing, so a
 * PUB socket hands every event to whoever connects, token or not.  Events
 * carry the book, the orders and the fills, so since protocol 3 the events
 * port is an NNG pair1 socket in polyamorous mode, and a peer has to earn
 * its events:
 *
 *   - it dials and sends a hello as its first message, the same object as
 *     the control socket's hello ({"cmd":"hello","id","v","token"?,
 *     "client"?}); the engine checks it by the same rules as a command
 *     hello: the protocol version, then a token of the engine's tokens
 *     (any role: viewer and up receive events), except that an ipc://
 *     peer of the engine's own uid needs none;
 *   - the engine answers on the same pipe with one reply object
 *     ({"ok":true,"v","role","seq"} or {"ok":false,"error":{...}}) and from
 *     then on sends each events message to every admitted pipe, addressed
 *     to it with nng_msg_set_pipe();
 *   - a peer refused gets its reply and is closed a moment later, once
 *     nothing of it can be arriving (evchan_sweep()); a peer that says
 *     nothing within EVENTS_HELLO_MS is closed; a SUB socket (or
 *     anything but pair1) is refused by NNG's own protocol check before a
 *     byte of ours reaches it.
 *
 * A message never goes out without a pipe: pair1 sends a message with no
 * pipe to its first peer, whoever that is.
 *
 * Slow peers.  nng_sendmsg() on the socket puts the message on the
 * socket's send queue (NNG_OPT_SENDBUF, --event-queue) without blocking;
 * one NNG thread moves each to its pipe's queue, which holds two messages
 * beyond what the connection's kernel buffers take, and drops it when that
 * is full.  So the engine never blocks and a stopped peer costs it at most
 * two messages; the peer finds the gap by seq and asks for a snapshot.
 *
 * The pipe table is shared with NNG's pipe callbacks, which run on NNG's
 * threads, so it sits behind a mutex; nothing is sent, closed or parsed
 * while it is held.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <nng/nng.h>
#include <nng/protocol/pair1/pair.h>

#include "engine/server/server-int.h"
#include "ipc/codec.h"
#include "ipc/nngclose.h"
#include "ipc/protocol.h"

enum { EVP_WAITING, EVP_ADMITTED, EVP_REFUSED, EVP_CLOSING };

struct evpipe {
	nng_pipe pipe;
	int state;        /* EVP_* */
	uint64_t since;   /* ms: when it connected, or was refused */
	uint64_t heard;   /* ms: its last message (or its connecting) */
	int said;         /* messages after its hello, dropped unread */
	char key[64];     /* a tcp:// peer's address (server_pipe_key), counted
	                   * in nwaiting while it waits; "" ipc://, not */
	int evict;        /* EVP_CLOSING to make room for an ipc:// peer:
	                   * evchan_sweep() closes it */
};

struct evchan {
	nng_socket sock;
	int fd;
	pthread_mutex_t mu;
	struct evpipe pipes[EVENTS_TABLE];
	int npipes, nwaiting;
	const struct token *tokens;
	const int *ntokens;
	uint64_t refused;   /* hellos refused, for the log line */
	uint64_t evicted;   /* tcp:// pipes closed for an ipc:// one */
	uint64_t drained;   /* ms: when a pass last found nothing waiting */
	uint64_t hush;      /* ms: since when nothing is read, so that the
	                     * peers to close stop in a full queue; 0: not */
	uint64_t hushed;    /* ms: when the last hush ended */
	evchan_refused_fn on_refused;
	void *on_refused_arg;
};

static uint64_t
evchan_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Called with ev->mu held. */
static struct evpipe *
evchan_find(struct evchan *ev, int id)
{
	for (int i = 0; i < ev->npipes; i++)
		if (nng_pipe_id(ev->pipes[i].pipe) == id)
			return &ev->pipes[i];
	return NULL;
}

/* Called with ev->mu held: e no longer waits for its hello. */
static void
evchan_unwait(struct evchan *ev, struct evpipe *e)
{
	if (e->state == EVP_WAITING && e->key[0] != '\0')
		ev->nwaiting--;
}

/* Called with ev->mu held: the oldest tcp:// pipe not closing already
 * (one not admitted first, then the longest admitted) is marked to close
 * at the next evchan_sweep(), on the loop's thread: a token holder's
 * connections, 256 of them admitted and never read, kept a local
 * supervisor's console from its events (found by an adversarial review,
 * 2026-12-07; the control socket already let a local peer in so). */
static void
evchan_evict_remote(struct evchan *ev)
{
	struct evpipe *old = NULL;

	for (int i = 0; i < ev->npipes; i++) {
		struct evpipe *e = &ev->pipes[i];
		int ea, oa;

		if (e->key[0] == '\0' || e->state == EVP_CLOSING)
			continue;
		ea = e->state == EVP_ADMITTED;
		oa = old != NULL && old->state == EVP_ADMITTED;
		if (old == NULL || ea < oa || (ea == oa && e->since < old->since))
			old = e;
	}
	if (old == NULL)
		return;
	evchan_unwait(ev, old);
	old->state = EVP_CLOSING;
	old->evict = 1;
	ev->evicted++;
}

/*
 * On an NNG thread: a pipe came or went.  A pipe is entered before NNG
 * starts it (NNG_PIPE_EV_ADD_PRE): after, its hello could be read before
 * the pipe is known, and be dropped as a stranger's.  A new pipe waits for
 * its hello.
 * A tcp:// one is closed at once when EVENTS_WAITING_MAX such pipes
 * already wait, or WAITING_PER_PEER from its address, so a crowd of
 * silent connections cannot keep admitted peers out for longer than
 * EVENTS_HELLO_MS, nor one host dialling again as fast as it can keep
 * out the peers of every other; ipc:// peers, this machine's users, are
 * not counted, as on the control socket (until 2026-12-07 they were, and
 * 150 silent connections from one host kept a local console's events
 * out for as long as they went on).  A tcp:// pipe is closed when 256
 * are open; an ipc:// one then takes one of EVENTS_LOCAL_SPARE slots
 * beyond them and the oldest tcp:// pipe is closed to make room
 * (evchan_evict_remote()), so that nothing remote keeps this machine's
 * supervisor from the events; only a table full of those is closed.
 */
static void
evchan_pipe_event(nng_pipe p, nng_pipe_ev what, void *arg)
{
	struct evchan *ev = arg;
	struct evpipe *e;
	char key[64] = "";
	int full = 0, mine = 0;

	/* "" for an ipc:// peer (server_pipe_key leaves key alone). */
	if (what == NNG_PIPE_EV_ADD_PRE)
		server_pipe_key(p, key, sizeof key);
	pthread_mutex_lock(&ev->mu);
	if (what == NNG_PIPE_EV_ADD_PRE) {
		if (key[0] != '\0')
			for (int i = 0; i < ev->npipes; i++)
				mine += ev->pipes[i].state == EVP_WAITING &&
				    strcmp(ev->pipes[i].key, key) == 0;
		if (key[0] != '\0' ? ev->npipes >= EVENTS_PIPES_MAX ||
		    ev->nwaiting == EVENTS_WAITING_MAX ||
		    mine >= WAITING_PER_PEER : ev->npipes == EVENTS_TABLE)
			full = 1;
		else {
			/* An ipc:// peer past the 256: the oldest tcp:// one
			 * that is not yet closing makes room. */
			if (key[0] == '\0' && ev->npipes >= EVENTS_PIPES_MAX)
				evchan_evict_remote(ev);
			e = &ev->pipes[ev->npipes++];
			e->pipe = p;
			e->state = EVP_WAITING;
			e->since = e->heard = evchan_now_ms();
			e->said = 0;
			e->evict = 0;
			snprintf(e->key, sizeof e->key, "%s", key);
			if (key[0] != '\0')
				ev->nwaiting++;
		}
	} else if (what == NNG_PIPE_EV_REM_POST &&
	    (e = evchan_find(ev, nng_pipe_id(p))) != NULL) {
		evchan_unwait(ev, e);
		*e = ev->pipes[--ev->npipes];
	}
	pthread_mutex_unlock(&ev->mu);
	if (what == NNG_PIPE_EV_REM_POST)
		ipc_nng_pipe_released(p);
	/* Not started yet, so nothing of it is being read: a safe close. */
	if (full)
		nng_pipe_close(p);
}

int
evchan_open(struct evchan **out, int queue, const struct token *tokens,
            const int *ntokens, char *err, size_t errlen)
{
	struct evchan *ev;
	int rv;

	*out = NULL;
	if ((ev = calloc(1, sizeof *ev)) == NULL) {
		snprintf(err, errlen, "events channel: out of memory");
		return -1;
	}
	pthread_mutex_init(&ev->mu, NULL);
	ev->tokens = tokens;
	ev->ntokens = ntokens;
	if ((rv = nng_pair1_open_poly(&ev->sock)) != 0) {
		snprintf(err, errlen, "events socket: nng: %s", nng_strerror(rv));
		pthread_mutex_destroy(&ev->mu);
		free(ev);
		return -1;
	}
	/* Peers send one small hello; anything bigger is not one. */
	nng_socket_set_size(ev->sock, NNG_OPT_RECVMAXSZ, EVENTS_HELLO_MAX);
	nng_socket_set_int(ev->sock, NNG_OPT_SENDBUF, queue > 0 ? queue : 1024);
	nng_pipe_notify(ev->sock, NNG_PIPE_EV_ADD_PRE, evchan_pipe_event, ev);
	nng_pipe_notify(ev->sock, NNG_PIPE_EV_REM_POST, evchan_pipe_event, ev);
	if ((rv = nng_socket_get_int(ev->sock, NNG_OPT_RECVFD, &ev->fd)) != 0) {
		snprintf(err, errlen, "events socket: recv fd: %s",
		    nng_strerror(rv));
		evchan_close(ev);
		return -1;
	}
	*out = ev;
	return 0;
}

int
evchan_listen(struct evchan *ev, struct listen_watches *lw, const char *url,
              nng_tls_config *tls, char *err, size_t errlen)
{
	if (lw != NULL)
		return server_listen_watched(lw, ev->sock, url, tls, err, errlen);
	return server_listen(ev->sock, url, tls, err, errlen);
}

int
evchan_fd(const struct evchan *ev)
{
	return ev->fd;
}

/*
 * Judge one hello: the reply to send, and *rank (ROLE_*) when admitted,
 * -1 when not.  The checks and their messages are those of the control
 * socket's hello (server-cmd.c), so a peer is told the same thing on both.
 */
static cJSON *
evchan_hello(struct evchan *ev, nng_pipe p, const void *buf, size_t len,
             uint64_t seq, int *rank)
{
	const char *code = NULL, *id = NULL, *cmd = NULL, *token = NULL;
	char err[512];
	struct peer peer;
	int64_t v = -1;
	cJSON *req, *r;
	int rv;

	*rank = -1;
	if (ipc_command_parse(buf, len, &req, &code, err, sizeof err) != 0) {
		char early_id[IPC_ID_MAX + 1];

		/* Its id when one can be read, as on the control socket. */
		return ipc_reply_error(ipc_command_id(buf, len, early_id,
		    sizeof early_id) == 0 ? early_id : NULL, code,
		    "events hello: %s", err);
	}
	ipc_get_str(req, "id", &id);
	ipc_get_str(req, "cmd", &cmd);
	if (strcmp(cmd, CMD_HELLO) != 0) {
		r = ipc_reply_error(id, ERR_AUTH, "events: command \"%.64s\": the "
		    "first message on the events socket must be hello", cmd);
		goto out;
	}
	if (ipc_get_i64(req, "v", &v) != 0) {
		r = ipc_reply_error(id, ERR_FIELD, "field \"v\": the client's "
		    "protocol version is required (this engine speaks %d)",
		    TRANCHE_PROTO_VERSION);
		goto out;
	}
	if (v != TRANCHE_PROTO_VERSION) {
		r = ipc_reply_error(id, ERR_VERSION, "protocol version %lld "
		    "(client) is not %d (engine): use matching tranche and "
		    "tranched builds", (long long)v, TRANCHE_PROTO_VERSION);
		goto out;
	}
	if ((rv = ipc_get_str(req, "token", &token)) == -2) {
		r = ipc_reply_error(id, ERR_FIELD, "field \"token\": must be a "
		    "string");
		goto out;
	}
	server_peer(NULL, p, &peer);
	if (token != NULL) {
		for (int i = 0; i < *ev->ntokens; i++)
			if (server_token_eq(ev->tokens[i].token, token) &&
			    ev->tokens[i].rank > *rank)
				*rank = ev->tokens[i].rank;
		if (*rank < 0) {
			r = ipc_reply_error(id, ERR_AUTH, "field \"token\": not a "
			    "token this engine knows");
			goto out;
		}
	} else if (peer.kind == PEER_LOCAL)
		*rank = ROLE_SUPERVISOR;
	else {
		r = ipc_reply_error(id, ERR_AUTH, "field \"token\": required "
		    "(%s); set TRANCHE_TOKEN", peer.kind == PEER_REMOTE ?
		    "a tcp:// or tls+tcp:// peer must present a token" :
		    "an ipc:// peer of another uid must present a token");
		goto out;
	}
	r = ipc_reply_ok(id);
	cJSON_AddNumberToObject(r, "v", TRANCHE_PROTO_VERSION);
	cJSON_AddStringToObject(r, "role", server_role_name(*rank));
	cJSON_AddNumberToObject(r, "seq", (double)seq);
out:
	cJSON_Delete(req);
	return r;
}

static void
evchan_send_to(struct evchan *ev, nng_pipe p, nng_msg *msg)
{
	nng_msg_set_pipe(msg, p);
	if (nng_sendmsg(ev->sock, msg, NNG_FLAG_NONBLOCK) != 0)
		nng_msg_free(msg);
}

void
evchan_read(struct evchan *ev, uint64_t seq)
{
	uint64_t t0 = evchan_now_ms();
	nng_msg *msg;
	int n = 0;

	/* As the control socket's pass (server_on_rep): a bounded number of
	 * messages and milliseconds, so that peers writing faster than they
	 * are read (an admitted one has nothing to say, and what it says is
	 * dropped unread) cannot hold the loop.  The socket's descriptor
	 * stays readable while messages wait, so the rest are read on the
	 * next pass. */
	if (evchan_hushed(ev))
		return;
	while (n++ < EVENTS_PASS_MAX && evchan_now_ms() - t0 < EVENTS_PASS_MS) {
		nng_pipe p;
		struct evpipe *e;
		cJSON *reply;
		char *out;
		int rank, waiting, chatty = 0;

		if (nng_recvmsg(ev->sock, &msg, NNG_FLAG_NONBLOCK) != 0) {
			pthread_mutex_lock(&ev->mu);
			ev->drained = evchan_now_ms();
			pthread_mutex_unlock(&ev->mu);
			break;
		}
		p = nng_msg_get_pipe(msg);
		pthread_mutex_lock(&ev->mu);
		e = evchan_find(ev, nng_pipe_id(p));
		if (e != NULL)
			e->heard = evchan_now_ms();
		waiting = e != NULL && e->state == EVP_WAITING;
		/* An admitted peer has nothing more to say (tranche's clients
		 * send one hello a connection).  One that goes on talking is
		 * no client of ours, and what it sends would take the pass's
		 * bound from the hellos of others: it is marked refused, and
		 * evchan_sweep() closes it as it closes a refused peer.  Not
		 * here: closing a pipe from this loop while its messages were
		 * still queued made NNG 1.5.2 panic (found by a probe). */
		if (e != NULL && e->state == EVP_ADMITTED &&
		    ++e->said > EVENTS_ADMITTED_SAYS) {
			e->state = EVP_REFUSED;
			e->since = 0;
			chatty = 1;
		}
		pthread_mutex_unlock(&ev->mu);
		if (chatty)
			fprintf(stderr, "tranched: events peer %u closed: it sent "
			    "more than %d messages after its hello (an admitted "
			    "peer only listens)\n", (unsigned)nng_pipe_id(p),
			    EVENTS_ADMITTED_SAYS);
		/* Only a waiting pipe's first message means anything. */
		if (!waiting) {
			nng_msg_free(msg);
			continue;
		}
		reply = evchan_hello(ev, p, nng_msg_body(msg), nng_msg_len(msg),
		    seq, &rank);
		if (rank < 0 && reply != NULL && ev->on_refused != NULL)
			ev->on_refused(ev->on_refused_arg, p, nng_msg_body(msg),
			    nng_msg_len(msg), reply);
		out = reply != NULL ? cJSON_PrintUnformatted(reply) : NULL;
		cJSON_Delete(reply);
		nng_msg_clear(msg);
		pthread_mutex_lock(&ev->mu);
		if ((e = evchan_find(ev, nng_pipe_id(p))) != NULL &&
		    e->state == EVP_WAITING) {
			evchan_unwait(ev, e);
			e->state = rank >= 0 && out != NULL ? EVP_ADMITTED :
			    EVP_REFUSED;
			e->since = evchan_now_ms();
		}
		pthread_mutex_unlock(&ev->mu);
		if (rank < 0)
			ev->refused++;
		if (out != NULL && nng_msg_append(msg, out, strlen(out)) == 0)
			evchan_send_to(ev, p, msg);
		else
			nng_msg_free(msg);
		cJSON_free(out);
	}
}

void
evchan_on_refused(struct evchan *ev, evchan_refused_fn fn, void *arg)
{
	ev->on_refused = fn;
	ev->on_refused_arg = arg;
}

int
evchan_hushed(struct evchan *ev)
{
	int h;

	pthread_mutex_lock(&ev->mu);
	h = ev->hush != 0;
	pthread_mutex_unlock(&ev->mu);
	return h;
}

/*
 * Close the peers whose time is up: silent ones past EVENTS_HELLO_MS,
 * refused (or talking) ones past EVENTS_REFUSED_MS.  Closing a pipe while
 * a message of it is arriving is what wedges NNG 1.5.2 (ipc/nngclose.h),
 * so a pipe is closed only when nothing of it can be arriving:
 *   - quiet: nothing of it read for IPC_PIPE_QUIET_MS before a pass that
 *     found the socket's queue empty (while the queue is full its
 *     messages may wait unread behind others');
 *   - or, for a peer still sending, after a hush: nothing is read for
 *     EVENTS_HUSH_MS, in which every sending peer fills the socket's
 *     one-message queue and waits there with no read of its own under
 *     way; then it is closed, and reading goes on.
 */
void
evchan_sweep(struct evchan *ev)
{
	nng_pipe gone[EVENTS_TABLE];
	uint64_t now = evchan_now_ms();
	int n = 0, loud = 0;

	pthread_mutex_lock(&ev->mu);
	for (int i = 0; i < ev->npipes; i++) {
		struct evpipe *e = &ev->pipes[i];
		int due = (e->state == EVP_WAITING && now - e->since >=
		    EVENTS_HELLO_MS) || (e->state == EVP_REFUSED &&
		    now - e->since >= EVENTS_REFUSED_MS);

		if (e->evict) {
			e->evict = 0;
			gone[n++] = e->pipe;
			continue;
		}
		if (!due)
			continue;
		if (ev->drained < e->heard + IPC_PIPE_QUIET_MS &&
		    (ev->hush == 0 || now - ev->hush < EVENTS_HUSH_MS)) {
			loud++;
			continue;
		}
		evchan_unwait(ev, e);
		e->state = EVP_CLOSING;
		gone[n++] = e->pipe;
	}
	/* At most one hush a second, so that a stream of peers to close
	 * cannot keep the hellos of others waiting. */
	if (ev->hush != 0 && (loud == 0 || now - ev->hush >= EVENTS_HUSH_MS)) {
		ev->hush = 0;
		ev->hushed = now;
	} else if (loud > 0 && ev->hush == 0 &&
	    now - ev->hushed >= HUSH_EVERY_MS)
		ev->hush = now;
	pthread_mutex_unlock(&ev->mu);
	for (int i = 0; i < n; i++)
		ipc_nng_pipe_close(gone[i]);
}

int
evchan_send(struct evchan *ev, nng_msg *msg)
{
	nng_pipe to[EVENTS_TABLE];
	int n = 0;

	pthread_mutex_lock(&ev->mu);
	for (int i = 0; i < ev->npipes; i++)
		if (ev->pipes[i].state == EVP_ADMITTED)
			to[n++] = ev->pipes[i].pipe;
	pthread_mutex_unlock(&ev->mu);
	/* Every peer but the last gets a copy; the last gets msg itself. */
	for (int i = 0; i < n; i++) {
		nng_msg *m = msg;

		if (i + 1 < n && nng_msg_dup(&m, msg) != 0)
			continue; /* that peer will see the gap */
		evchan_send_to(ev, to[i], m);
	}
	if (n == 0)
		nng_msg_free(msg);
	return n;
}

void
evchan_send_batch(struct evchan *ev, struct ipc_batch *b)
{
	nng_msg *msg;

	if (ev == NULL || evchan_peers(ev) == 0)
		b->len = 0;
	else if (ipc_batch_take(b, &msg) == 0 && msg != NULL)
		evchan_send(ev, msg);
}

int
evchan_peers(struct evchan *ev)
{
	int n = 0;

	pthread_mutex_lock(&ev->mu);
	for (int i = 0; i < ev->npipes; i++)
		n += ev->pipes[i].state == EVP_ADMITTED;
	pthread_mutex_unlock(&ev->mu);
	return n;
}

uint64_t
evchan_refused(const struct evchan *ev)
{
	return ev->refused;
}

int
evchan_close(struct evchan *ev)
{
	int rv;

	if (ev == NULL)
		return 0;
	/* The socket goes first: after it, no callback touches the table. */
	rv = ipc_nng_close(ev->sock, 3000);
	if (rv == 0) {
		pthread_mutex_destroy(&ev->mu);
		free(ev);
	}
	return rv;
}
