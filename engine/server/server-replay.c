/*
 * engine/server/server-replay.c -- a recorded session served over the
 * live protocol, read-only (`tranched replay JOURNAL`, whose options are
 * read in engine/cli/replay.c).
 *
 * The journal's events are published again byte for byte (same topics,
 * seqs and times), paced by their simulated times at --speed (default 1:
 * real time; max: as fast as the socket takes them).  Commands are
 * answered from what has been replayed so far: hello, status and snapshot
 * from the last block, book (one per symbol) and status events and the
 * last decisions, alerts and audit records seen; every command that would
 * change something is refused with ERR_STATE "read-only replay".  At the
 * end of the journal the last state
 * stays served until SIGINT or SIGTERM (or, with --exit-at-end, the replay
 * exits).  One thread, no libuv: poll the REP socket, sleep until the next
 * event is due.
 *
 * A journal is input, not trusted: a header of another protocol version is
 * refused before anything is served, a fill that cannot have happened
 * (quantity or price out of range) is not published and is named on
 * stderr with its offset and field, and a damaged span is skipped with
 * jrnl_resync(), stderr saying where and how many bytes.
 *
 * The events go out on the live engine's events channel (server-events.c):
 * a journal holds the same fills and orders a live session does, so only a
 * peer that said hello with one of the engine's tokens (or an ipc:// peer
 * of our uid) receives them, and a tcp:// or tls+tcp:// replay needs
 * tokens configured, like tranched itself.
 */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>

#include "engine/journal/journal.h"
#include "engine/server/server.h"
#include "engine/server/server-int.h"
#include "ipc/codec.h"
#include "ipc/nngclose.h"
#include "ipc/protocol.h"

#define RP_RING 200
#define RP_BLOCKS 64
#define RP_SYMS 8

/* Connections a replay remembers as having said hello with a token; the
 * oldest is forgotten first (it must say hello again). */
#define RP_ADMITTED 256

struct rp {
	const char *path, *url;
	char events[600];
	double speed;
	nng_socket rep;
	struct evchan *ev;
	char *header_sym;
	double tick;
	uint64_t seq;
	int64_t t;
	char state[16];
	cJSON *books[RP_SYMS];       /* last book payload per symbol */
	int nbooks;
	cJSON *syms;                 /* the header's "syms", if any */
	cJSON *blocks[RP_BLOCKS];    /* last block event per block */
	char *decisions[RP_RING], *alerts[RP_RING], *audits[RP_RING];
	int nd, na, hd, ha, nu, hu;
	int ended;
	/* Who may read: the engine's tokens (borrowed), and the connections
	 * whose hello carried one (a ring of NNG pipe ids, which NNG does not
	 * reuse while the socket is open). */
	const struct token *tokens;
	const int *ntokens;
	uint32_t admitted[RP_ADMITTED];
	unsigned nadmitted;
};

static volatile sig_atomic_t rp_stop;

static void
rp_on_signal(int sig)
{
	(void)sig;
	rp_stop = 1;
}

static double
rp_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
rp_ring(char **ring, int *n, int *head, const char *json)
{
	free(ring[*head]);
	ring[*head] = strdup(json);
	*head = (*head + 1) % RP_RING;
	if (*n < RP_RING)
		(*n)++;
}

static cJSON *
rp_ring_json(char **ring, int n, int head)
{
	cJSON *a = cJSON_CreateArray();

	for (int i = 0; i < n; i++) {
		cJSON *o = cJSON_Parse(ring[(head - n + i + RP_RING) % RP_RING]);

		if (o != NULL)
			cJSON_AddItemToArray(a, o);
	}
	return a;
}

/* The payload of an event: its object without v, seq and t. */
static cJSON *
rp_payload(const cJSON *ev)
{
	cJSON *o = cJSON_Duplicate(ev, 1);

	cJSON_DeleteItemFromObjectCaseSensitive(o, "v");
	cJSON_DeleteItemFromObjectCaseSensitive(o, "seq");
	cJSON_DeleteItemFromObjectCaseSensitive(o, "t");
	return o;
}

static const char *
rp_sym(const cJSON *book)
{
	const char *sym = "";

	ipc_get_str(book, "sym", &sym);
	return sym;
}

/* The bounds tca believes (tranched(1)): a whole quantity from 1 to 10^12
 * shares, a price from 1 to 10^15 ticks. */
static int
rp_fill_check(const cJSON *o, char *err, size_t errlen)
{
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(o, "px");
	const cJSON *q = cJSON_GetObjectItemCaseSensitive(o, "qty");

	if (!cJSON_IsNumber(q) || !isfinite(q->valuedouble) ||
	    q->valuedouble < 1 || q->valuedouble > 1e12 ||
	    q->valuedouble != floor(q->valuedouble)) {
		snprintf(err, errlen, "qty %.17g: must be a whole number of "
		    "shares from 1 to 1e12", cJSON_IsNumber(q) ? q->valuedouble :
		    NAN);
		return -1;
	}
	if (!cJSON_IsNumber(p) || !isfinite(p->valuedouble) ||
	    p->valuedouble < 1 || p->valuedouble > 1e15) {
		snprintf(err, errlen, "px %.17g: must be a price from 1 to 1e15 "
		    "ticks", cJSON_IsNumber(p) ? p->valuedouble : NAN);
		return -1;
	}
	return 0;
}

/* Remember what a snapshot will need, then send the bytes as they were. */
static void
rp_event(struct rp *r, const struct jrnl_rec *rec)
{
	struct ipc_event ev;
	char err[256];
	nng_msg *msg;

	if (ipc_event_parse(rec->data, rec->len, &ev, err, sizeof err) != 0)
		return;
	if (strcmp(ev.topic, TOPIC_FILL) == 0 &&
	    rp_fill_check(ev.json, err, sizeof err) != 0) {
		fprintf(stderr, "tranched replay: %s: fill event at offset %llu: "
		    "%s: not published\n", r->path,
		    (unsigned long long)rec->offset, err);
		ipc_event_free(&ev);
		return;
	}
	r->seq = ev.seq;
	r->t = ev.t;
	if (strcmp(ev.topic, TOPIC_BOOK) == 0) {
		const char *sym = "";
		int i;

		/* One per symbol: the last book of each. */
		ipc_get_str(ev.json, "sym", &sym);
		for (i = 0; i < r->nbooks; i++)
			if (strcmp(rp_sym(r->books[i]), sym) == 0)
				break;
		if (i == r->nbooks && r->nbooks < RP_SYMS)
			r->nbooks++;
		if (i < r->nbooks) {
			cJSON_Delete(r->books[i]);
			r->books[i] = rp_payload(ev.json);
		}
	} else if (strcmp(ev.topic, TOPIC_BLOCK) == 0) {
		const char *id = NULL;
		int64_t n = 0;

		if (ipc_get_i64(ev.json, "id", &n) == 0 && n > 0 &&
		    n <= RP_BLOCKS) {
			cJSON_Delete(r->blocks[n - 1]);
			r->blocks[n - 1] = rp_payload(ev.json);
		}
		(void)id;
	} else if (strcmp(ev.topic, TOPIC_STATUS) == 0) {
		const char *st = NULL;

		if (ipc_get_str(ev.json, "state", &st) == 0)
			snprintf(r->state, sizeof r->state, "%s", st);
	} else if (strcmp(ev.topic, TOPIC_DECISION) == 0) {
		rp_ring(r->decisions, &r->nd, &r->hd,
		    (const char *)rec->data + strlen(ev.topic) + 1);
	} else if (strcmp(ev.topic, TOPIC_ALERT) == 0) {
		rp_ring(r->alerts, &r->na, &r->ha,
		    (const char *)rec->data + strlen(ev.topic) + 1);
	} else if (strcmp(ev.topic, TOPIC_AUDIT) == 0 &&
	    !cJSON_HasObjectItem(ev.json, "peer")) {
		/* Interventions only, as the live engine's ring: refusals
		 * (with "peer") must not push them out. */
		rp_ring(r->audits, &r->nu, &r->hu,
		    (const char *)rec->data + strlen(ev.topic) + 1);
	}
	ipc_event_free(&ev);
	if (nng_msg_alloc(&msg, 0) == 0) {
		nng_msg_append(msg, rec->data, rec->len);
		evchan_send(r->ev, msg);
	}
}

static cJSON *
rp_blocks(struct rp *r)
{
	cJSON *a = cJSON_CreateArray();

	for (int i = 0; i < RP_BLOCKS; i++)
		if (r->blocks[i] != NULL)
			cJSON_AddItemToArray(a, cJSON_Duplicate(r->blocks[i], 1));
	return a;
}

static int
rp_admitted(const struct rp *r, nng_pipe p)
{
	for (unsigned i = 0; i < r->nadmitted && i < RP_ADMITTED; i++)
		if (r->admitted[i] == (uint32_t)nng_pipe_id(p))
			return 1;
	return 0;
}

/*
 * A recorded session holds the same fills and orders a live one does, so
 * it is read under the same rule as the engine: an ipc:// peer of our uid
 * needs nothing; any other peer must say hello with one of the engine's
 * tokens first.  NULL when the request may be answered, else the refusal.
 */
static cJSON *
rp_auth(struct rp *r, nng_pipe p, const cJSON *req, const char *id,
        const char *name)
{
	const char *token = NULL;
	struct peer peer;
	int known = 0;

	server_peer(NULL, p, &peer);
	if (peer.kind == PEER_LOCAL)
		return NULL;
	if (strcmp(name, CMD_HELLO) != 0) {
		if (rp_admitted(r, p))
			return NULL;
		return ipc_reply_error(id, ERR_AUTH, "command \"%.64s\": say "
		    "hello with a token first (read-only replay of a recorded "
		    "session)", name);
	}
	if (ipc_get_str(req, "token", &token) != 0 || token == NULL)
		return ipc_reply_error(id, ERR_AUTH, "field \"token\": required "
		    "(a network peer of a replay); set TRANCHE_TOKEN");
	for (int i = 0; r->ntokens != NULL && i < *r->ntokens; i++)
		known |= server_token_eq(r->tokens[i].token, token);
	if (!known)
		return ipc_reply_error(id, ERR_AUTH, "field \"token\": not a "
		    "token this engine knows");
	if (!rp_admitted(r, p))
		r->admitted[r->nadmitted++ % RP_ADMITTED] = (uint32_t)nng_pipe_id(p);
	return NULL;
}

static cJSON *
rp_command(struct rp *r, nng_pipe p, const void *buf, size_t len)
{
	const char *code = NULL, *id = NULL, *name = NULL, *role = "viewer";
	char err[512];
	cJSON *req = NULL, *rep;
	static const char *const changes[] = {
		CMD_SUBMIT, CMD_PAUSE, CMD_RESUME, CMD_THROTTLE, CMD_OVERRIDE,
		CMD_CANCEL, CMD_ACK, CMD_KILL, CMD_RELEASE, CMD_SPEED,
	};

	if (ipc_command_parse(buf, len, &req, &code, err, sizeof err) != 0)
		return ipc_reply_error(NULL, code, "%s", err);
	ipc_get_str(req, "id", &id);
	ipc_get_str(req, "cmd", &name);
	if ((rep = rp_auth(r, p, req, id, name)) != NULL) {
		cJSON_Delete(req);
		return rep;
	}
	if (strcmp(name, CMD_HELLO) == 0) {
		ipc_get_str(req, "role", &role);
		rep = ipc_reply_ok(id);
		cJSON_AddStringToObject(rep, "engine", "replay");
		cJSON_AddStringToObject(rep, "version", TRANCHE_VERSION);
		cJSON_AddNumberToObject(rep, "v", TRANCHE_PROTO_VERSION);
		cJSON_AddNumberToObject(rep, "tick", r->tick);
		cJSON_AddStringToObject(rep, "sym", r->header_sym);
		if (r->syms != NULL)
			cJSON_AddItemToObject(rep, "syms", cJSON_Duplicate(r->syms,
			    1));
		cJSON_AddStringToObject(rep, "events", r->events);
		cJSON_AddStringToObject(rep, "role", role);
		cJSON_AddStringToObject(rep, "journal", r->path);
		cJSON_AddBoolToObject(rep, "replay", 1);
	} else if (strcmp(name, CMD_STATUS) == 0) {
		rep = ipc_reply_ok(id);
		cJSON_AddStringToObject(rep, "state", r->state);
		ipc_add_i64_str(rep, "t", r->t);
		cJSON_AddNumberToObject(rep, "speed", r->speed);
		cJSON_AddItemToObject(rep, "blocks", rp_blocks(r));
		cJSON_AddBoolToObject(rep, "replay", 1);
		cJSON_AddBoolToObject(rep, "ended", r->ended);
	} else if (strcmp(name, CMD_SNAPSHOT) == 0) {
		rep = ipc_reply_ok(id);
		cJSON_AddNumberToObject(rep, "seq", (double)r->seq);
		ipc_add_i64_str(rep, "t", r->t);
		cJSON_AddNumberToObject(rep, "tick", r->tick);
		cJSON_AddStringToObject(rep, "sym", r->header_sym);
		cJSON_AddStringToObject(rep, "state", r->state);
		if (r->syms != NULL)
			cJSON_AddItemToObject(rep, "syms", cJSON_Duplicate(r->syms,
			    1));
		/* "book": the header's symbol's (the first); "books": all. */
		const cJSON *first = r->nbooks > 0 ? r->books[0] : NULL;
		for (int i = 0; i < r->nbooks; i++)
			if (strcmp(rp_sym(r->books[i]), r->header_sym) == 0)
				first = r->books[i];
		cJSON_AddItemToObject(rep, "book", first ?
		    cJSON_Duplicate(first, 1) : cJSON_CreateObject());
		cJSON *books = cJSON_AddArrayToObject(rep, "books");
		for (int i = 0; i < r->nbooks; i++)
			cJSON_AddItemToArray(books, cJSON_Duplicate(r->books[i], 1));
		cJSON_AddItemToObject(rep, "blocks", rp_blocks(r));
		cJSON_AddItemToObject(rep, "decisions",
		    rp_ring_json(r->decisions, r->nd, r->hd));
		cJSON_AddItemToObject(rep, "alerts",
		    rp_ring_json(r->alerts, r->na, r->ha));
		cJSON_AddItemToObject(rep, "audit",
		    rp_ring_json(r->audits, r->nu, r->hu));
		/* Live children are not in the event stream as a set. */
		cJSON_AddArrayToObject(rep, "children");
		cJSON_AddBoolToObject(rep, "replay", 1);
	} else {
		rep = NULL;
		for (size_t i = 0; i < sizeof changes / sizeof changes[0]; i++)
			if (strcmp(changes[i], name) == 0)
				rep = ipc_reply_error(id, ERR_STATE, "command \"%s\": "
				    "read-only replay of %s", name, r->path);
		if (rep == NULL)
			rep = ipc_reply_error(id, ERR_UNKNOWN, "command \"%.64s\": "
			    "unknown", name);
	}
	cJSON_Delete(req);
	return rep;
}

static void
rp_answer(struct rp *r)
{
	nng_msg *msg;

	while (nng_recvmsg(r->rep, &msg, NNG_FLAG_NONBLOCK) == 0) {
		cJSON *rep = rp_command(r, nng_msg_get_pipe(msg),
		    nng_msg_body(msg), nng_msg_len(msg));
		char *out = cJSON_PrintUnformatted(rep);

		nng_msg_clear(msg);
		if (out != NULL)
			nng_msg_append(msg, out, strlen(out));
		cJSON_free(out);
		cJSON_Delete(rep);
		if (nng_sendmsg(r->rep, msg, 0) != 0)
			nng_msg_free(msg);
	}
}

int
server_replay(const struct server_replay_opts *o)
{
	struct rp r;
	struct jrnl_reader *rd = NULL;
	struct jrnl_span span;
	struct jrnl_rec rec;
	char *hj = NULL, defurl[600], dir[512];
	cJSON *h = NULL;
	const char *sym = "?";
	int rv, have = 0, exit_at_end = o->exit_at_end, status = 1;
	const char *tls_cert = o->tls_cert, *tls_key = o->tls_key;
	nng_tls_config *tls = NULL;
	struct server *auth = NULL; /* only its tokens are used */
	char err[1024];
	double w0 = 0, t0 = 0;

	memset(&r, 0, sizeof r);
	r.speed = o->speed;
	r.url = o->url;
	snprintf(r.state, sizeof r.state, "LIVE");
	r.path = o->path;
	if ((rv = jrnl_reader_open(&rd, r.path, &hj)) != 0) {
		fprintf(stderr, "tranched replay: %s\n", jrnl_describe(err,
		    sizeof err, rv, r.path));
		return 1;
	}
	h = cJSON_Parse(hj ? hj : "");
	{
		/* Events mean what this build's protocol says they mean. */
		const cJSON *pv = cJSON_GetObjectItemCaseSensitive(h, "protocol");

		if (!cJSON_IsNumber(pv) ||
		    !TRANCHE_PROTO_JOURNAL_OK(pv->valuedouble)) {
			char *txt = pv != NULL ? cJSON_PrintUnformatted(pv) : NULL;

			fprintf(stderr, "tranched replay: %s: header protocol %s: "
			    "this build reads protocols %d to %d\n", r.path,
			    txt != NULL ? txt : "(missing)",
			    TRANCHE_PROTO_JOURNAL_MIN, TRANCHE_PROTO_VERSION);
			cJSON_free(txt);
			jrnl_reader_close(rd);
			cJSON_Delete(h);
			free(hj);
			return 1;
		}
	}
	if (h != NULL) {
		ipc_get_str(h, "sym", &sym);
		ipc_get_num(h, "tick", &r.tick);
		if (cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(h, "syms")))
			r.syms = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(h,
			    "syms"), 1);
	}
	r.header_sym = strdup(sym);
	if (r.url == NULL) {
		if (ipc_default_dir(dir, sizeof dir) != 0) {
			fprintf(stderr, "tranched replay: no runtime directory\n");
			goto out;
		}
		snprintf(defurl, sizeof defurl, "ipc://%s/replay", dir);
		r.url = defurl;
	}
	if (ipc_events_url(r.url, r.events, sizeof r.events) != 0) {
		fprintf(stderr, "tranched replay: --listen %s: not an ipc://, "
		    "tcp:// or tls+tcp:// URL with a port\n", r.url);
		goto out;
	}
	if (server_tls_config(&tls, &r.url, 1, tls_cert, tls_key, err,
	    sizeof err) != 0) {
		fprintf(stderr, "tranched replay: %s\n", err);
		goto out;
	}
	if ((auth = calloc(1, sizeof *auth)) == NULL)
		goto out;
	auth->urls[0] = r.url;
	auth->nurls = 1;
	r.tokens = auth->tokens;
	r.ntokens = &auth->ntokens;
	if (server_tokens_load(auth, err, sizeof err) != 0 ||
	    evchan_open(&r.ev, 1024, auth->tokens, &auth->ntokens, err,
	    sizeof err) != 0) {
		fprintf(stderr, "tranched replay: %s\n", err);
		goto out;
	}
	if (nng_rep0_open(&r.rep) != 0)
		goto out;
	if (server_listen(r.rep, r.url, tls, err, sizeof err) != 0 ||
	    evchan_listen(r.ev, r.events, tls, err, sizeof err) != 0) {
		fprintf(stderr, "tranched replay: %s\n", err);
		goto out;
	}
	signal(SIGINT, rp_on_signal);
	signal(SIGTERM, rp_on_signal);
	signal(SIGPIPE, SIG_IGN);
	fprintf(stderr, "tranched replay: %s at speed %s%g, listening on %s "
	    "(events %s), read-only\n", r.path, r.speed > 0 ? "" : "max ",
	    r.speed, r.url, r.events);
	while (!rp_stop) {
		double now = rp_now(), due;

		rp_answer(&r);
		evchan_read(r.ev, r.seq);
		evchan_sweep(r.ev);
		if (!have && !r.ended) {
			rv = jrnl_next(rd, &rec);
			if (rv == 1) {
				have = rec.kind == JRNL_EVENT;
				if (have && w0 == 0) {
					w0 = now;
					t0 = (double)rec.t;
				}
				continue;
			}
			if ((rv == JRNL_ECORRUPT || rv == JRNL_ETORN) &&
			    (rv = jrnl_resync(rd, &span)) >= 0) {
				fprintf(stderr, "tranched replay: %s: %s at offset "
				    "%llu: %llu bytes skipped%s\n", r.path,
				    span.error == JRNL_ETORN ? "torn tail" :
				    "damaged span",
				    (unsigned long long)span.offset,
				    (unsigned long long)span.bytes, rv == 1 ?
				    ", going on with the next good record" : "");
				if (rv == 1)
					continue;
			} else if (rv < 0)
				fprintf(stderr, "tranched replay: %s: stopped at "
				    "offset %llu: %s\n", r.path,
				    (unsigned long long)rec.offset,
				    jrnl_describe(err, sizeof err, rv, r.path));
			r.ended = 1;
			fprintf(stderr, "tranched replay: end of %s at seq %llu\n",
			    r.path, (unsigned long long)r.seq);
			if (exit_at_end)
				break;
		}
		if (have) {
			due = r.speed > 0 ? w0 + ((double)rec.t - t0) / 1e9 /
			    r.speed : now;
			if (due <= now) {
				rp_event(&r, &rec);
				have = 0;
				continue;
			}
		} else
			due = now + 0.05;
		if (due - now > 0.005)
			due = now + 0.005;
		struct timespec ts = { 0, (long)((due - now) * 1e9) };
		nanosleep(&ts, NULL);
	}
	/* Let the last messages leave before the sockets go. */
	struct timespec ts = { 0, 100000000 };
	nanosleep(&ts, NULL);
	status = 0;
out:
	ipc_nng_close(r.rep, 3000);
	evchan_close(r.ev);
	free(auth);
	if (tls != NULL)
		nng_tls_config_free(tls);
	jrnl_reader_close(rd);
	cJSON_Delete(h);
	free(hj);
	free(r.header_sym);
	for (int i = 0; i < r.nbooks; i++)
		cJSON_Delete(r.books[i]);
	cJSON_Delete(r.syms);
	for (int i = 0; i < RP_BLOCKS; i++)
		cJSON_Delete(r.blocks[i]);
	for (int i = 0; i < RP_RING; i++) {
		free(r.decisions[i]);
		free(r.alerts[i]);
		free(r.audits[i]);
	}
	return status;
}
