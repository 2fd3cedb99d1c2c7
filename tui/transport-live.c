/*
 * tui/transport-live.c -- the console attached to a running engine.
 *
 * Events.  The ipc client's SUB socket has a notification descriptor that
 * is readable while events wait; a uv_poll_t on it wakes the loop, and each
 * wakeup drains every waiting event into the store.  Wakeups are coalesced:
 * after a drain the poll rests for LIVE_REST_MS (a timer restarts it), so
 * an engine publishing 10,000 events a second costs the console about
 * fifty wakeups a second instead of one a message; nothing is lost (the
 * events wait in NNG's queue) and the picture is at most 20 ms later,
 * within a frame at 25 a second.  A drain takes events undecoded first
 * (ipc_client_next_raw) and decodes only those that still matter: a book
 * followed in the same drain by a newer book of its symbol is sequenced
 * but never parsed (store_conflate).  Reconnecting is NNG's
 * job (the client dials non-blocking and redials by itself).
 *
 * Requests.  ipc_client_request() blocks until the answer or its timeout,
 * and the loop must not: requests run on libuv's thread pool (uv_queue_work),
 * one at a time in the order they were made, since a REQ socket has one
 * request outstanding.  Their answers come back on the loop thread in the
 * after-work callback.  Only the worker touches the REQ side of the client
 * and only the loop thread touches the SUB side, so the two never share
 * state.
 *
 * Getting in step.  At attach the console says hello (which brings the
 * tick size and the engine's name), asks for the status (its state and
 * speed) and for a snapshot.  Whenever the
 * store wants a resync (a sequence gap, or heartbeats resuming after a
 * silence), the next frame asks for another snapshot; while it is on its
 * way the store holds incoming events (see store.c).  A request that fails
 * while the engine is away is tried again once heartbeats are back.
 */
#include <stdlib.h>
#include <string.h>

#include <nng/nng.h>

#include "ipc/client.h"
#include "tui/tui.h"

#define LIVE_HELLO_MS 2000
#define LIVE_SNAPSHOT_MS 3000
#define LIVE_COMMAND_MS 5000
#define LIVE_ESTIMATE_MS 1000 /* a form's estimate must not hold the queue */
#define LIVE_RETRY_MS 1000
#define LIVE_EVENTS_STALL_MS 3000 /* commands answered, no heartbeat */
#define LIVE_LOST_REDIAL_MS 5000  /* no heartbeat at all: dial again */
#define LIVE_DRAIN_MAX 100000 /* events per wakeup, so keys still get a turn */
#define LIVE_DRAIN_MS 10      /* ...and at most this long: a frame is 40 ms */
#define LIVE_REST_MS 20 /* the event poll rests this long after a drain */
#define LIVE_BATCH 1024 /* events taken undecoded before choosing */

enum live_kind { LIVE_HELLO, LIVE_STATUS, LIVE_SNAPSHOT, LIVE_COMMAND };

struct live_req {
	uv_work_t work;
	struct tui *t;
	int kind;
	char what[24];
	cJSON *req, *reply;
	int rv, timeout_ms;
	int again;         /* a command sent again after a new hello */
	int redial;        /* dial the commands again before sending */
	struct live_req *next;
};

struct live {
	struct ipc_client *client;
	char url[512];
	uv_poll_t poll;
	uv_timer_t rest; /* restarts the poll after LIVE_REST_MS */
	int poll_open, rest_open;
	struct live_req *head, *tail, *inflight;
	int hello_ok, hello_pending, snap_pending, closing;
	int hello_fails;   /* hellos unanswered in a row with heartbeats up */
	int64_t hello_at, snap_at, redial_at, status_at;
	int status_pending; /* a replay engine's status asked, not answered */
	unsigned long ev_conns; /* events connections made, when last looked */
	unsigned long hello_conns; /* command connections made, as of the
	                            * last hello answered */
	int64_t lost_redial_ms; /* the next events redial's wait, backing off */
	int64_t started_at;
	struct ipc_raw raw[LIVE_BATCH]; /* one batch of a drain */
	unsigned char keep[LIVE_BATCH];
};

static void live_submit(struct tui *t);
static void live_hello_first(struct tui *t);
static void live_queue(struct tui *t, int kind, const char *what, cJSON *req,
                       int timeout_ms);
static cJSON *live_cmd(const char *cmd);

static void
live_req_free(struct live_req *r)
{
	struct live *lv = r->t != NULL ? r->t->tp_state : NULL;

	/* However it ended (answered, failed, cancelled, dropped). */
	if (lv != NULL && r->kind == LIVE_STATUS)
		lv->status_pending = 0;
	if (r->req != NULL)
		cJSON_Delete(r->req);
	if (r->reply != NULL)
		cJSON_Delete(r->reply);
	free(r);
}

/* A request to queue, req handed over. */
static struct live_req *
live_req_new(struct tui *t, int kind, const char *what, cJSON *req,
             int timeout_ms)
{
	struct live *lv = t->tp_state;
	struct live_req *r = calloc(1, sizeof *r);

	if (r == NULL)
		abort();
	r->t = t;
	r->kind = kind;
	snprintf(r->what, sizeof r->what, "%s", what);
	r->req = req;
	r->timeout_ms = timeout_ms;
	if (kind == LIVE_HELLO && lv->hello_fails >= 2) {
		/* Two hellos unanswered while heartbeats came: this one
		 * dials the commands again first (live_work). */
		r->redial = 1;
		lv->hello_fails = 0;
	}
	return r;
}

static int
live_is_estimate(const struct live_req *q)
{
	return q->kind == LIVE_COMMAND && strcmp(q->what, CMD_ESTIMATE) == 0;
}

/* A queued request let go unsent: an estimate is answered as failed, or
 * with why NULL only uncounted (the console counts those in flight: a
 * newer one replaces it, or the prompt it was for has closed); a command
 * is said, unless why is NULL (the caller says it). */
static void
live_drop(struct tui *t, struct live_req *q, const char *why)
{
	if (live_is_estimate(q) && why == NULL) {
		if (t->est_inflight > 0)
			t->est_inflight--;
	} else if (live_is_estimate(q))
		tui_reply(t, q->what, NNG_ECANCELED, NULL);
	else if (q->kind == LIVE_COMMAND && why != NULL)
		tui_message(t, MSG_ERR, "%s: not sent: %s", q->what, why);
	live_req_free(q);
}

/*
 * Queue a request.  One is sent at a time, in order, with two exceptions
 * for a stress event: a command (a pause, a kill) goes ahead of the
 * snapshots and previews queued, which may each take seconds to answer;
 * and a preview replaces one still queued (only the newest is shown).
 */
static void
live_queue(struct tui *t, int kind, const char *what, cJSON *req,
           int timeout_ms)
{
	struct live *lv = t->tp_state;
	struct live_req *r = live_req_new(t, kind, what, req, timeout_ms);
	struct live_req **pp;

	if (live_is_estimate(r))
		for (pp = &lv->head; *pp != NULL;) {
			struct live_req *q = *pp;

			if (!live_is_estimate(q)) {
				pp = &q->next;
				continue;
			}
			*pp = q->next;
			live_drop(t, q, NULL);
		}
	pp = &lv->head;
	if (kind == LIVE_COMMAND && !live_is_estimate(r)) {
		/* Never ahead of a hello: a command before the login is
		 * refused "say hello first". */
		struct live_req **after = &lv->head;

		for (struct live_req **h = &lv->head; *h != NULL;
		    h = &(*h)->next)
			if ((*h)->kind == LIVE_HELLO)
				after = &(*h)->next;
		pp = after;
		while (*pp != NULL && (*pp)->kind != LIVE_SNAPSHOT &&
		    !live_is_estimate(*pp))
			pp = &(*pp)->next;
	} else
		while (*pp != NULL)
			pp = &(*pp)->next;
	r->next = *pp;
	*pp = r;
	for (lv->tail = lv->head; lv->tail != NULL && lv->tail->next != NULL;)
		lv->tail = lv->tail->next;
	if (kind == LIVE_HELLO)
		lv->hello_pending = 1;
	if (kind == LIVE_SNAPSHOT)
		lv->snap_pending = 1;
	live_submit(t);
}

/* Put r at the head of the queue (before what was queued after it). */
static void
live_push_front(struct live *lv, struct live_req *r)
{
	r->next = lv->head;
	lv->head = r;
	if (lv->tail == NULL)
		lv->tail = r;
}

/*
 * 1 when the engine answered r as it answers a connection that never said
 * hello, though this console had: its command connection was dialled
 * again (an engine restarted within the heartbeat's 3 s, a connection a
 * firewall dropped), and NNG sent the request again on the new one, or the
 * console sent its next command there.
 */
static int
live_unknown(const struct tui *t, const struct live_req *r)
{
	const struct live *lv = t->tp_state;
	const cJSON *err = cJSON_GetObjectItemCaseSensitive(r->reply, "error");
	const char *code = "", *m = "";

	if (r->kind != LIVE_COMMAND || r->again || r->rv != 0 ||
	    !lv->hello_ok || t->view.refused || !cJSON_IsObject(err))
		return 0;
	ipc_get_str(err, "code", &code);
	ipc_get_str(err, "message", &m);
	return (strcmp(code, ERR_AUTH) == 0 || strcmp(code, ERR_ROLE) == 0) &&
	    strstr(m, "say hello with") != NULL;
}

/* Hello again, then r's request again under the same id: what the engine
 * did of the first (a pause run on the old connection) it answers from
 * its memory of the id instead of doing twice. */
static void
live_again(struct tui *t, struct live_req *r)
{
	struct live *lv = t->tp_state;
	struct live_req *c = live_req_new(t, LIVE_COMMAND, r->what, r->req,
	    r->timeout_ms);

	r->req = NULL;
	c->again = 1;
	live_push_front(lv, c);
	live_hello_first(t);
	tui_message(t, MSG_INFO, "%s: the engine no longer knew this "
	    "console's login (its connection was made again): hello, and "
	    "the same request again", r->what);
}

static void
live_work(uv_work_t *w)
{
	struct live_req *r = w->data;
	struct live *lv = r->t->tp_state;

	/* On this thread: only it touches the REQ side. */
	if (r->redial)
		(void)ipc_client_redial_commands(lv->client);
	r->rv = ipc_client_request(lv->client, r->req, &r->reply, r->timeout_ms);
}

/*
 * The store was emptied for another engine session (its heartbeat or a
 * hello's answer said so): nothing of the old one's lists or selection
 * may stand for the new one's, and a command queued (or to be sent
 * again) was made on the old session's picture, as was a prompt still
 * open: all of it is said in one message, which the next would hide.
 * The new engine does not know this console: hello first, unless one is
 * already on its way.
 */
static void
live_session_new(struct tui *t)
{
	struct live *lv = t->tp_state;
	char closed[16], dropped[160] = "";
	size_t off = 0;

	t->store.session_new = 0;
	for (int i = 0; i < PANEL_COUNT; i++) {
		t->panels[i].scroll = 0;
		t->panels[i].mark = 0;
		t->panels[i].dirty = 1;
	}
	view_selection_reset(&t->view);
	t->full_redraw = 1;
	tui_session_new(t, closed, sizeof closed);
	lv->tail = NULL;
	for (struct live_req **pp = &lv->head; *pp != NULL;) {
		struct live_req *q = *pp;

		if (q->kind != LIVE_COMMAND) {
			lv->tail = q;
			pp = &q->next;
			continue;
		}
		*pp = q->next;
		if (!live_is_estimate(q) && off < sizeof dropped)
			off += (size_t)snprintf(dropped + off, sizeof dropped - off,
			    "%s%s%s", off ? ", " : "", q->what, q->again ?
			    " (sent once before)" : "");
		live_drop(t, q, NULL);
	}
	tui_message(t, closed[0] || dropped[0] ? MSG_ERR : MSG_INFO, "a new "
	    "engine session (%s) at %s: the last session's picture is "
	    "cleared%s%s%s%s%s", t->store.session, lv->url,
	    closed[0] || dropped[0] ? "; not sent: " : "", closed,
	    closed[0] ? " (open)" : "", closed[0] && dropped[0] ? ", " : "",
	    dropped);
	/* The new engine's state comes with the hello's answer (which asks
	 * for its status); one already answered asks for it here. */
	if (lv->hello_ok)
		live_queue(t, LIVE_STATUS, CMD_STATUS, live_cmd(CMD_STATUS),
		    LIVE_HELLO_MS);
	else if (!lv->hello_pending)
		live_hello_first(t);
}

/* After events are taken: another engine's heartbeat among them, and
 * what this console knew of the last one's login is gone with it. */
static void
live_session_check(struct tui *t)
{
	struct live *lv = t->tp_state;

	if (!t->store.session_new)
		return;
	lv->hello_ok = 0;
	live_session_new(t);
}

static void
live_hello_done(struct tui *t, struct live_req *r)
{
	struct live *lv = t->tp_state;
	const cJSON *err;
	const char *m = "", *code = "";
	char why[512];

	lv->hello_pending = 0;
	lv->hello_at = tui_now_ms();
	if (r->rv != 0 && ipc_client_problem(lv->client, why, sizeof why))
		tui_message(t, MSG_ERR, "%s", why);
	if (r->rv != 0 || r->reply == NULL) {
		/* Heartbeats come and hellos go unanswered: the command
		 * connection is up to something that says nothing (as an
		 * events connection was once seen to be); the next hello
		 * dials it again first. */
		if (t->store.conn == CONN_CONNECTED)
			lv->hello_fails++;
		return; /* tried again when heartbeats arrive */
	}
	lv->hello_fails = 0;
	lv->hello_ok = 1;
	/* (No client in the unit tests, which drive the queue alone.) */
	lv->hello_conns = lv->client != NULL ?
	    ipc_client_command_conns(lv->client) : 0;
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r->reply, "ok"))) {
		t->view.refused = 0;
		if (store_apply_hello(&t->store, r->reply)) {
			live_session_new(t);
			return;
		}
		/* The engine's state, speed and symbols. */
		live_queue(t, LIVE_STATUS, CMD_STATUS, live_cmd(CMD_STATUS),
		    LIVE_HELLO_MS);
		/* A bad layout file, said at start, stays until a key. */
		if (t->msg_level != MSG_ERR || t->msg[0] == '\0')
			tui_message(t, MSG_OK, "attached to %s: engine %s, %s, role %s",
			    lv->url, t->store.engine[0] ? t->store.engine : "?",
		    t->store.sym[0] ? t->store.sym : "?",
		    t->store.role[0] ? t->store.role : "?");
		return;
	}
	err = cJSON_GetObjectItemCaseSensitive(r->reply, "error");
	if (cJSON_IsObject(err)) {
		ipc_get_str(err, "code", &code);
		ipc_get_str(err, "message", &m);
	}
	/* Said as it is, and kept: nothing else can be asked of the engine
	 * until a reconnect says hello again.  The engine holds the
	 * connection a viewer that has not logged in, whatever role an
	 * earlier hello earned: the status bar shows none. */
	t->view.refused = 1;
	t->store.role[0] = '\0';
	/* Redrawn now: a re-hello refused after a restart left "role
	 * trader" on the bar until a full redraw (found by a review). */
	t->store.dirty |= DIRTY_STATUS;
	tui_message(t, MSG_ERR, "login refused: %s (%s)%s", m, code,
	    strcmp(code, ERR_ROLE) == 0 ? "; start tranche with the --role "
	    "the token grants" : strcmp(code, ERR_AUTH) == 0 ? "; check "
	    "TRANCHE_TOKEN" : "");
}

static void
live_snapshot_done(struct tui *t, struct live_req *r)
{
	struct live *lv = t->tp_state;
	int64_t now = tui_now_ms();

	lv->snap_pending = 0;
	lv->snap_at = now;
	if (r->rv == 0 && r->reply != NULL &&
	    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r->reply, "ok")) &&
	    store_apply_snapshot(&t->store, r->reply, now) == 0)
		return;
	/* After a refused hello its reason stays on the line: the snapshot
	 * is refused for the same one. */
	if (r->rv == 0 && r->reply != NULL && !t->view.refused) {
		const cJSON *err = cJSON_GetObjectItemCaseSensitive(r->reply,
		    "error");
		const char *m = NULL, *code = "?";

		if (cJSON_IsObject(err)) {
			ipc_get_str(err, "code", &code);
			ipc_get_str(err, "message", &m);
		}
		if (m != NULL)
			tui_message(t, MSG_ERR, "snapshot refused: %s (%s); will try "
			    "again", m, code);
		else
			tui_message(t, MSG_ERR, "snapshot malformed (no \"seq\"); "
			    "will try again");
	}
	store_resync_failed(&t->store, now);
}

/*
 * A command that went unanswered: the REQ socket drops an answer that
 * comes after the timeout, but the engine audits every command with its
 * request's id, so the store watches for that id (store_late_watch) and
 * the console says the late answer when it comes.  The id is the one
 * ipc_client_request() put in the request.
 */
static void
live_late_watch(struct tui *t, const struct live_req *r)
{
	const char *id = NULL, *block = NULL;
	char what[64], b[24];

	if (r->req == NULL || ipc_get_str(r->req, "id", &id) != 0)
		return;
	b[0] = '\0';
	if (ipc_get_str(r->req, "block", &block) == 0)
		store_text(b, sizeof b, block);
	snprintf(what, sizeof what, "%s%s%s", r->what, b[0] ? " block " : "",
	    b);
	store_late_watch(&t->store, id, what);
}

static void
live_after(uv_work_t *w, int status)
{
	struct live_req *r = w->data;
	struct tui *t = r->t;
	struct live *lv = t->tp_state;

	lv->inflight = NULL;
	if (status == UV_ECANCELED) {
		if (r->kind == LIVE_SNAPSHOT)
			store_resync_failed(&t->store, tui_now_ms());
		live_req_free(r);
		return;
	}
	switch (r->kind) {
	case LIVE_HELLO:
		live_hello_done(t, r);
		break;
	case LIVE_SNAPSHOT:
		live_snapshot_done(t, r);
		break;
	case LIVE_STATUS:
		if (r->rv == 0 && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
		    r->reply, "ok"))) {
			store_apply_status(&t->store, r->reply);
			if (t->store.engine_replay)
				store_alive(&t->store, tui_now_ms());
		}
		break;
	default:
		if (live_unknown(t, r))
			live_again(t, r);
		else {
			if (r->rv != 0 && r->rv != NNG_EMSGSIZE &&
			    !live_is_estimate(r))
				live_late_watch(t, r);
			tui_reply(t, r->what, r->rv, r->reply);
		}
	}
	live_req_free(r);
	live_submit(t);
}

/* Start the next queued request if none is in flight. */
static void
live_submit(struct tui *t)
{
	struct live *lv = t->tp_state;
	struct live_req *r;

	if (lv->closing || lv->inflight != NULL || lv->head == NULL)
		return;
	r = lv->head;
	lv->head = r->next;
	if (lv->head == NULL)
		lv->tail = NULL;
	r->next = NULL;
	r->work.data = r;
	/* Events from here on wait for the snapshot's answer. */
	if (r->kind == LIVE_SNAPSHOT)
		store_resync_begin(&t->store);
	if (uv_queue_work(&t->loop, &r->work, live_work, live_after) != 0) {
		if (r->kind == LIVE_SNAPSHOT) {
			lv->snap_pending = 0;
			store_resync_failed(&t->store, tui_now_ms());
		}
		if (r->kind == LIVE_HELLO)
			lv->hello_pending = 0;
		live_drop(t, r, "the console could not start the request");
		return;
	}
	lv->inflight = r;
}

static cJSON *
live_cmd(const char *cmd)
{
	cJSON *o = cJSON_CreateObject();

	if (o == NULL)
		abort();
	cJSON_AddStringToObject(o, "cmd", cmd);
	return o;
}

static cJSON *
live_hello_req(const struct tui *t)
{
	cJSON *o = live_cmd(CMD_HELLO);

	cJSON_AddStringToObject(o, "client", "tranche");
	cJSON_AddStringToObject(o, "role", t->opt.readonly ? "viewer" :
	    t->opt.role ? t->opt.role : "trader");
	cJSON_AddNumberToObject(o, "v", TRANCHE_PROTO_VERSION);
	if (getenv("TRANCHE_TOKEN") != NULL)
		cJSON_AddStringToObject(o, "token", getenv("TRANCHE_TOKEN"));
	return o;
}

static void
live_hello(struct tui *t)
{
	live_queue(t, LIVE_HELLO, CMD_HELLO, live_hello_req(t), LIVE_HELLO_MS);
}

/* A hello at the head of the queue, before anything queued, and sent
 * now when nothing is on its way (from a tick or an events drain, nothing
 * else would start it: a hello queued there waited for the next request). */
static void
live_hello_first(struct tui *t)
{
	struct live *lv = t->tp_state;

	live_push_front(lv, live_req_new(t, LIVE_HELLO, CMD_HELLO,
	    live_hello_req(t), LIVE_HELLO_MS));
	lv->hello_pending = 1;
	live_submit(t);
}

static void
live_tick(struct tui *t, int64_t now)
{
	struct live *lv = t->tp_state;
	int up = t->store.conn == CONN_CONNECTED;

	if (lv->closing)
		return;
	if (lv->started_at == 0) {
		/* The console's start: its first dial is under way. */
		lv->redial_at = lv->started_at = now;
		lv->lost_redial_ms = LIVE_LOST_REDIAL_MS;
	}
	/* An engine that went away may come back as another process: say
	 * hello again when it does. */
	if (t->store.conn == CONN_DISCONNECTED)
		lv->hello_ok = 0;
	/* So may a replay engine, faster than DISCONNECTED: its events count
	 * as heartbeats and carry no session, and a live engine started on its
	 * address within 3 s kept the replay's picture while commands went
	 * to the new engine's blocks (found by a review).  A new events
	 * connection is a new hello. */
	{
		unsigned long h = ipc_client_events_hellos(lv->client);

		if (h != lv->ev_conns && t->store.engine_replay && lv->hello_ok)
			lv->hello_ok = 0;
		lv->ev_conns = h;
	}
	/* And an engine restarted on its journal within seconds is the same
	 * session, never seen as lost, but it knows nothing of this
	 * console's hello: its command connection is new.  Said again, ahead
	 * of any command queued, which would otherwise be refused as a
	 * viewer's (and, when that answer came after the console stopped
	 * waiting, never told: found by an adversarial review).  hello_ok
	 * stands meanwhile, so that a command already on its way and refused
	 * so is sent again (live_unknown). */
	if (lv->hello_ok && !lv->hello_pending && now - lv->hello_at >=
	    LIVE_RETRY_MS && ipc_client_command_conns(lv->client) !=
	    lv->hello_conns)
		live_hello_first(t);
	/* Its heartbeats, or any event: a replay engine publishes only the
	 * journal's, with no heartbeat for minutes in a session recorded at
	 * speed (its first hello, before it was started, went unanswered). */
	if (!lv->hello_ok && !lv->hello_pending && (up ||
	    (t->store.ev_wall_ms > 0 && now - t->store.ev_wall_ms <
	    STORE_STALE_MS)) && now - lv->hello_at >= LIVE_RETRY_MS)
		live_hello(t);
	/* An events dialer with nothing connected for a while is started
	 * afresh (a TLS handshake NNG 1.5.2 never finishes) ... */
	if (ipc_client_tend(lv->client))
		lv->redial_at = now;
	/* ... and so is one connected whose events never come while
	 * commands are answered (the engine's side of such a handshake). */
	if (lv->hello_ok && !up && now - lv->hello_at >= LIVE_EVENTS_STALL_MS &&
	    now - lv->redial_at >= LIVE_EVENTS_STALL_MS) {
		lv->redial_at = now;
		ipc_client_redial_events(lv->client);
	}
	/* ... and so is one that has brought no heartbeat for a while, the
	 * engine lost or not yet there.  NNG's own redial has been seen, once
	 * in hundreds of loaded runs, to stay CONNECTING, or connected with
	 * nothing delivered, while an engine was back on the address
	 * (tui/console-lost: 47 s lost with a new engine up); dialled afresh
	 * it connects.  For an engine that is simply not there this costs one
	 * dial in 5 s, then fewer. */
	else if (!up && now - lv->redial_at >= lv->lost_redial_ms &&
	    now - (t->store.hb_wall_ms > lv->started_at ?
	    t->store.hb_wall_ms : lv->started_at) >= LIVE_LOST_REDIAL_MS) {
		lv->redial_at = now;
		ipc_client_redial_events(lv->client);
		/* 5, 10, 20, 40, then every 60 s: a connection slow to come
		 * up on a loaded machine is not cut again and again. */
		lv->lost_redial_ms = lv->lost_redial_ms * 2 > 60000 ? 60000 :
		    lv->lost_redial_ms * 2;
	}
	if (up)
		lv->lost_redial_ms = LIVE_LOST_REDIAL_MS;
	/* A replay engine quiet for a second (a slow stretch of the journal,
	 * or its end, served as it stands): its status answer says it is
	 * there, where a live engine's heartbeat would.  Its events socket was
	 * dialled afresh every 3 s for want of heartbeats, losing what came
	 * in between (found by a review: RESYNC to the end, TAPE 3050 of
	 * 3174). */
	if (t->store.engine_replay && lv->hello_ok && !lv->status_pending &&
	    now - t->store.hb_wall_ms >= 1000 && now - lv->status_at >= 1000) {
		lv->status_at = now;
		lv->status_pending = 1;
		live_queue(t, LIVE_STATUS, CMD_STATUS, live_cmd(CMD_STATUS),
		    LIVE_HELLO_MS);
	}
	/* The first snapshot is tried before any heartbeat; later ones wait
	 * for the engine to be there. */
	if (store_resync_wanted(&t->store) && !lv->snap_pending &&
	    !t->view.refused &&
	    (lv->snap_at == 0 || (up && now - lv->snap_at >= LIVE_RETRY_MS)))
		live_queue(t, LIVE_SNAPSHOT, CMD_SNAPSHOT, live_cmd(CMD_SNAPSHOT),
		    LIVE_SNAPSHOT_MS);
}

static void live_on_events(uv_poll_t *h, int status, int events);

static void
live_on_rest(uv_timer_t *h)
{
	struct tui *t = h->data;
	struct live *lv = t->tp_state;

	if (!lv->closing && lv->poll_open) {
		uv_poll_start(&lv->poll, UV_READABLE, live_on_events);
		/* A drain cut by its time may have left events in the
		 * message being read, which no descriptor announces. */
		live_on_events(&lv->poll, 0, UV_READABLE);
	}
}

/*
 * Take what is waiting, LIVE_BATCH events at a time: undecoded first, so
 * that a book superseded within the batch is only counted (store_conflate),
 * then decoded and applied in order, then the messages are let go.
 */
static void
live_on_events(uv_poll_t *h, int status, int events)
{
	struct tui *t = h->data;
	struct live *lv = t->tp_state;
	char err[256];
	size_t n, total = 0;
	int rc, bad = 0;
	int64_t now = tui_now_ms();

	(void)status, (void)events;
	do {
		for (n = 0; n < LIVE_BATCH; ) {
			rc = ipc_client_next_raw(lv->client, &lv->raw[n], err,
			    sizeof err);
			if (rc == 0)
				break;
			if (rc < 0) {
				t->store.bad_events++;
				if (++bad > 1000)
					break;
				continue;
			}
			n++;
		}
		store_push_drain(&t->store, lv->raw, n, lv->keep, now);
		ipc_client_release(lv->client);
		total += n;
	} while (n == LIVE_BATCH && total < LIVE_DRAIN_MAX && bad <= 1000 &&
	    tui_now_ms() - now < LIVE_DRAIN_MS);
	live_session_check(t);
	if (store_resync_wanted(&t->store))
		live_tick(t, now);
	/* Something came: rest, and let more gather before the next drain. */
	if (total > 0 && lv->rest_open && !lv->closing) {
		uv_poll_stop(&lv->poll);
		uv_timer_start(&lv->rest, live_on_rest, LIVE_REST_MS, 0);
	}
}

static int
live_open(struct tui *t)
{
	struct live *lv = calloc(1, sizeof *lv);
	char err[1024];
	int rc;

	if (lv == NULL)
		abort();
	t->tp_state = lv;
	if (t->opt.url != NULL)
		snprintf(lv->url, sizeof lv->url, "%s", t->opt.url);
	else if ((rc = ipc_default_url(lv->url, sizeof lv->url)) != 0) {
		fprintf(stderr, "tranche: no default engine address (%d); use "
		    "--connect URL\n", rc);
		return -1;
	}
	if (ipc_client_open_cfg(&lv->client, &(struct ipc_client_cfg){
	    .ctl_url = lv->url, .name = "tranche", .tls_ca = t->opt.tls_ca,
	    .tls_ca_label = t->opt.tls_ca_label,
	    .token = getenv("TRANCHE_TOKEN") }, err, sizeof err) != 0) {
		fprintf(stderr, "tranche: cannot attach: %s\n", err);
		return -1;
	}
	snprintf(t->view.source, sizeof t->view.source, "%s", lv->url);
	t->view.url = lv->url;
	return 0;
}

static int
live_start(struct tui *t)
{
	struct live *lv = t->tp_state;
	int fd, rc;

	if ((rc = ipc_client_event_fd(lv->client, &fd)) != 0) {
		tui_message(t, MSG_ERR, "no event descriptor: %s",
		    ipc_client_strerror(rc));
		return -1;
	}
	if (uv_poll_init(&t->loop, &lv->poll, fd) != 0)
		return -1;
	lv->poll.data = t;
	lv->poll_open = 1;
	uv_timer_init(&t->loop, &lv->rest);
	lv->rest.data = t;
	lv->rest_open = 1;
	uv_poll_start(&lv->poll, UV_READABLE, live_on_events);
	live_hello(t);
	t->store.resync = RESYNC_WANTED;
	live_tick(t, tui_now_ms());
	tui_message(t, MSG_INFO, "attaching to %s ...", lv->url);
	return 0;
}

static int
live_send(struct tui *t, cJSON *req, const char *what)
{
	live_queue(t, LIVE_COMMAND, what, req, strcmp(what, CMD_ESTIMATE) == 0 ?
	    LIVE_ESTIMATE_MS : LIVE_COMMAND_MS);
	return 0;
}

static void
live_close(struct tui *t)
{
	struct live *lv = t->tp_state;
	struct live_req *r, *next;

	if (lv == NULL || lv->closing)
		return;
	lv->closing = 1;
	if (lv->poll_open) {
		uv_poll_stop(&lv->poll);
		uv_close((uv_handle_t *)&lv->poll, NULL);
		lv->poll_open = 0;
	}
	if (lv->rest_open) {
		uv_timer_stop(&lv->rest);
		uv_close((uv_handle_t *)&lv->rest, NULL);
		lv->rest_open = 0;
	}
	for (r = lv->head; r != NULL; r = next) {
		next = r->next;
		live_req_free(r);
	}
	lv->head = lv->tail = NULL;
	/* Not yet started: cancelled, and live_after() frees it.  Running: it
	 * ends within its timeout and the loop waits for it. */
	if (lv->inflight != NULL)
		uv_cancel((uv_req_t *)&lv->inflight->work);
}

static void
live_free(struct tui *t)
{
	struct live *lv = t->tp_state;

	if (lv == NULL)
		return;
	ipc_client_close(lv->client);
	free(lv);
	t->tp_state = NULL;
}

const struct transport_ops transport_live_ops = {
	.name = "live",
	.open = live_open,
	.start = live_start,
	.tick = live_tick,
	.send = live_send,
	.key = NULL,
	.seek = NULL,
	.close = live_close,
	.free = live_free,
};
