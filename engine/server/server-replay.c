/*
 * engine/server/server-replay.c -- `tranched replay JOURNAL`: a recorded
 * session served over the live protocol, read-only.
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
 * The events go out on the live engine's events channel (server-events.c):
 * a journal holds the same fills and orders a live session does, so only a
 * peer that said hello with one of the engine's tokens (or an ipc:// peer
 * of our uid) receives them, and a tcp:// or tls+tcp:// replay needs
 * tokens configured, like tranched itself.
 */
#include <errno.h>
#include <getopt.h>
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

/* Remember what a snapshot will need, then send the bytes as they were. */
static void
rp_event(struct rp *r, const struct jrnl_rec *rec)
{
	struct ipc_event ev;
	char err[128];
	nng_msg *msg;

	if (ipc_event_parse(rec->data, rec->len, &ev, err, sizeof err) != 0)
		return;
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
	} else if (strcmp(ev.topic, TOPIC_AUDIT) == 0) {
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

static cJSON *
rp_command(struct rp *r, const void *buf, size_t len)
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
		cJSON *rep = rp_command(r, nng_msg_body(msg), nng_msg_len(msg));
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

static void
rp_usage(FILE *f)
{
	fprintf(f, "usage: tranched replay JOURNAL [--speed X|max] [--listen URL] "
	    "[--exit-at-end]\n"
	    "Serve a recorded session over the engine's protocol, read-only.\n"
	    "  --speed X|max   simulated seconds per wall second (default 1)\n"
	    "  --listen URL    control URL (default ipc://$XDG_RUNTIME_DIR/"
	    "tranche/replay); events on URL.events (ipc) or port+1 (tcp)\n"
	    "  --tls-cert FILE PEM certificate for a tls+tcp:// URL\n"
	    "  --tls-key FILE  PEM private key for a tls+tcp:// URL\n"
	    "  --exit-at-end   exit after the last event instead of serving "
	    "the final state\n"
	    "  --help          print this help and exit\n");
}

int
server_replay_main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "speed", required_argument, NULL, 's' },
		{ "listen", required_argument, NULL, 'l' },
		{ "exit-at-end", no_argument, NULL, 'x' },
		{ "tls-cert", required_argument, NULL, 'C' },
		{ "tls-key", required_argument, NULL, 'K' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct rp r;
	struct jrnl_reader *rd = NULL;
	struct jrnl_rec rec;
	char *hj = NULL, defurl[600], dir[512], *end;
	cJSON *h = NULL;
	const char *sym = "?";
	int c, rv, have = 0, exit_at_end = 0, status = 1;
	const char *tls_cert = NULL, *tls_key = NULL;
	nng_tls_config *tls = NULL;
	struct server *auth = NULL; /* only its tokens are used */
	char err[1024];
	double w0 = 0, t0 = 0;

	memset(&r, 0, sizeof r);
	r.speed = 1;
	snprintf(r.state, sizeof r.state, "LIVE");
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 's':
			if (strcmp(optarg, "max") == 0) {
				r.speed = 0;
				break;
			}
			errno = 0;
			r.speed = strtod(optarg, &end);
			if (errno != 0 || *end != '\0' || !(r.speed > 0 &&
			    r.speed <= 1000000)) {
				fprintf(stderr, "tranched replay: --speed %s: must be "
				    "a number > 0 or max\n", optarg);
				return 2;
			}
			break;
		case 'l':
			r.url = optarg;
			break;
		case 'x':
			exit_at_end = 1;
			break;
		case 'C':
			tls_cert = optarg;
			break;
		case 'K':
			tls_key = optarg;
			break;
		case 'h':
			rp_usage(stdout);
			return 0;
		default:
			fprintf(stderr, "tranched replay: unknown option or missing "
			    "value \"%s\" (see --help)\n", argv[optind - 1]);
			return 2;
		}
	}
	if (optind != argc - 1) {
		rp_usage(stderr);
		return 2;
	}
	r.path = argv[optind];
	if ((rv = jrnl_reader_open(&rd, r.path, &hj)) != 0) {
		fprintf(stderr, "tranched replay: %s: %s\n", r.path,
		    jrnl_strerror(rv));
		return 1;
	}
	if ((h = cJSON_Parse(hj ? hj : "")) != NULL) {
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
			if (rv < 0)
				fprintf(stderr, "tranched replay: %s: stopped at "
				    "offset %llu: %s\n", r.path,
				    (unsigned long long)rec.offset,
				    jrnl_strerror(rv));
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
