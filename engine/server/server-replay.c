/*
 * engine/server/server-replay.c -- a recorded session served over the
 * live protocol, read-only (`tranched replay JOURNAL`, whose options are
 * read in engine/cli/replay.c).
 *
 * The journal's events are published again byte for byte (same topics,
 * seqs and times), paced by their simulated times at --speed (default 1:
 * real time; max: as fast as the socket takes them).  Commands go through
 * the live engine's own dispatcher and command table (server-cmd.c,
 * server-cmds.def) on a struct server in read-only mode: no execution
 * layer, no journal of its own, nothing published but the journal's
 * events.  Sessions, tokens, roles and refusals are the engine's; the
 * commands marked CMD_REPLAY (hello, status, snapshot) are answered from
 * what has been replayed so far (struct replayed: the last block, book
 * and status events, and the rings of decisions, alerts and audit records
 * that server_publish keeps live); every command that would change
 * something is refused with ERR_STATE "read-only replay", and the rest
 * with ERR_STATE naming what a replay answers.  At the end of the journal
 * the last state stays served until SIGINT or SIGTERM (or, with
 * --exit-at-end, the replay exits).  One thread, no libuv: poll the REP
 * socket, sleep until the next event is due.
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

/* HH:MM:SS.mmm of a time of day, or the nanoseconds when it is none. */
static const char *
rp_clock(char *buf, size_t n, int64_t t)
{
	if (!TRANCHE_TIME_OK(t))
		snprintf(buf, n, "%lld ns", (long long)t);
	else
		snprintf(buf, n, "%02lld:%02lld:%02lld.%03lld",
		    (long long)(t / 3600000000000LL),
		    (long long)(t / 60000000000LL % 60),
		    (long long)(t / 1000000000LL % 60),
		    (long long)(t / 1000000LL % 1000));
	return buf;
}

/* 1 when t is a time of the session's day; else 0, the first such named
 * on stderr with its offset (the end of the journal counts them). */
static int
rp_day_ok(struct server *s, uint64_t offset, int64_t t)
{
	char a[40];

	if (TRANCHE_TIME_OK(t))
		return 1;
	if (s->rp->t_bad++ == 0)
		fprintf(stderr, "tranched replay: %s: event at offset %llu has "
		    "time %s, not a time of the day: not published (more are "
		    "counted at the end)\n", s->jpath, (unsigned long long)offset,
		    rp_clock(a, sizeof a, t));
	return 0;
}

/*
 * A record's time, which paces its event, against the day and the events
 * before it.  0: not to be published (one record outside the day, its sum
 * checked, would hold every event after it back for as long as its time
 * says).  An event well before the latest played is played at once, and
 * a long gap waited for, as the session was; the first of each is named
 * with its offset, and the end of the journal counts them.
 */
static int
rp_time_ok(struct server *s, const struct jrnl_rec *rec)
{
	struct replayed *r = s->rp;
	char a[40], b[40];
	int64_t t = rec->t;

	if (!rp_day_ok(s, rec->offset, t))
		return 0;
	if (r->t_max > 0 && t < r->t_max - REPLAY_BACK_NS && r->t_back++ == 0)
		fprintf(stderr, "tranched replay: %s: event at offset %llu has time "
		    "%s after %s: played at once (more are counted at the end)\n",
		    s->jpath, (unsigned long long)rec->offset, rp_clock(a,
		    sizeof a, t), rp_clock(b, sizeof b, r->t_max));
	if (r->t_max > 0 && t > r->t_max + REPLAY_GAP_NS && r->t_gap++ < 3)
		fprintf(stderr, "tranched replay: %s: event at offset %llu has time "
		    "%s, %.0f minutes after the latest before it: waited for at "
		    "this speed, as the session was\n", s->jpath,
		    (unsigned long long)rec->offset, rp_clock(a, sizeof a, t),
		    (double)(t - r->t_max) / 60e9);
	if (t > r->t_max)
		r->t_max = t;
	return 1;
}

/* Events due together go out as one message, '\n' between them, as the
 * live engine sends a pass's events (ipc/protocol.h): one message an event
 * lost every other event of a burst (hard news: a hundred at one instant)
 * to a subscriber that was reading them.  At most this many bytes a
 * message (IPC_BATCH_BYTES), and a batch waits at most RP_BATCH_S of
 * wall time (the live engine's loop pass) when events keep coming faster
 * than their pace. */
#define RP_BATCH_S 0.01

/* Remember what the read commands will need, then add the bytes as they
 * were to the batch. */
static void
rp_event(struct server *s, const struct jrnl_rec *rec, struct ipc_batch *batch)
{
	struct replayed *r = s->rp;
	const char *json;
	struct ipc_event ev;
	char err[256];

	if (ipc_event_parse(rec->data, rec->len, &ev, err, sizeof err) != 0)
		return;
	/* The event's own time, which the consoles show. */
	if (!rp_day_ok(s, rec->offset, ev.t)) {
		ipc_event_free(&ev);
		return;
	}
	if (strcmp(ev.topic, TOPIC_FILL) == 0 &&
	    rp_fill_check(ev.json, err, sizeof err) != 0) {
		fprintf(stderr, "tranched replay: %s: fill event at offset %llu: "
		    "%s: not published\n", s->jpath,
		    (unsigned long long)rec->offset, err);
		ipc_event_free(&ev);
		return;
	}
	if (ev.seq <= s->seq && s->seq > 0 && r->seq_back++ == 0)
		fprintf(stderr, "tranched replay: %s: event at offset %llu has seq "
		    "%llu after %llu: not in the order the engine published "
		    "(played as it is; more are counted at the end)\n", s->jpath,
		    (unsigned long long)rec->offset, (unsigned long long)ev.seq,
		    (unsigned long long)s->seq);
	s->seq = ev.seq;
	r->t = ev.t;
	json = (const char *)rec->data + strlen(ev.topic) + 1;
	if (strcmp(ev.topic, TOPIC_BOOK) == 0) {
		const char *sym = "";
		int i;

		/* One per symbol: the last book of each. */
		ipc_get_str(ev.json, "sym", &sym);
		for (i = 0; i < r->nbooks; i++)
			if (strcmp(rp_sym(r->books[i]), sym) == 0)
				break;
		if (i == r->nbooks && r->nbooks < SCENARIO_MAX_MARKETS)
			r->nbooks++;
		if (i < r->nbooks) {
			cJSON_Delete(r->books[i]);
			r->books[i] = rp_payload(ev.json);
		}
	} else if (strcmp(ev.topic, TOPIC_BLOCK) == 0) {
		int64_t n = 0;

		if (ipc_get_i64(ev.json, "id", &n) == 0 && n > 0 &&
		    n <= REPLAY_BLOCKS) {
			cJSON_Delete(r->blocks[n - 1]);
			r->blocks[n - 1] = rp_payload(ev.json);
		}
	} else if (strcmp(ev.topic, TOPIC_STATUS) == 0) {
		const char *st = NULL;

		if (ipc_get_str(ev.json, "state", &st) == 0)
			snprintf(r->state, sizeof r->state, "%s", st);
	} else if (strcmp(ev.topic, TOPIC_TRADE) == 0)
		s->prints++;
	else if (strcmp(ev.topic, TOPIC_DECISION) == 0)
		server_ring_push(&s->decisions, json);
	else if (strcmp(ev.topic, TOPIC_ALERT) == 0)
		server_alert_push(s, json);
	else if (strcmp(ev.topic, TOPIC_NEWS) == 0)
		server_ring_push(&s->news, json);
	else if (strcmp(ev.topic, TOPIC_AUDIT) == 0) {
		/* As the live engine keeps them: refusals (with "peer") in a
		 * ring of their own, so they cannot push interventions out. */
		server_ring_push(cJSON_HasObjectItem(ev.json, "peer") ?
		    &s->refusals : &s->audits, json);
		server_ack_from_audit(s, ev.json, ev.t);
	}
	ipc_event_free(&ev);
	if (ipc_batch_full(batch, rec->len))
		evchan_send_batch(s->ev, batch);
	(void)ipc_batch_add(batch, rec->data, rec->len); /* or a gap */
}

/* Every waiting request, through the engine's own dispatcher. */
static void
rp_answer(struct server *s)
{
	nng_msg *msg;

	server_sessions_drain(s);
	if (s->rep_hush != 0)
		return; /* hushed: server_rep_sweep() */
	while (nng_recvmsg(s->rep, &msg, NNG_FLAG_NONBLOCK) == 0) {
		struct peer peer;
		size_t len;
		char *out;

		server_peer(s, nng_msg_get_pipe(msg), &peer);
		/* Sent away already: not read, only heard (for the close). */
		if (server_rep_condemned(s, peer.pipe)) {
			nng_msg_free(msg);
			continue;
		}
		if (peer.kind == PEER_REMOTE)
			server_rep_pipe_heard(s, peer.pipe);
		out = server_command(s, nng_msg_body(msg), nng_msg_len(msg),
		    &peer, &len);
		if (peer.close) {
			/* An unauthenticated peer past its error budget. */
			server_rep_condemn(s, nng_msg_get_pipe(msg));
			nng_msg_free(msg);
			continue;
		}
		nng_msg_clear(msg);
		if (out != NULL)
			nng_msg_append(msg, out, len);
		free(out);
		/* Never waited for, as the engine's (server.c). */
		if (nng_sendmsg(s->rep, msg, NNG_FLAG_NONBLOCK) != 0)
			nng_msg_free(msg);
	}
	s->rep_drained_ms = uv_hrtime() / 1000000ULL;
}

/* A control connection came (counted until its first request, as the
 * engine's are) or closed (its session goes at the next rp_answer), on an
 * NNG thread (server-session.c). */
static void
rp_pipe_event(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	if (ev == NNG_PIPE_EV_ADD_PRE)
		server_rep_pipe_added(arg, p);
	else
		server_sessions_pipe_gone(arg, nng_pipe_id(p));
}

static void
rp_free(struct server *s)
{
	struct replayed *r = s->rp;

	if (r != NULL) {
		for (int i = 0; i < r->nbooks; i++)
			cJSON_Delete(r->books[i]);
		for (int i = 0; i < REPLAY_BLOCKS; i++)
			cJSON_Delete(r->blocks[i]);
		cJSON_Delete(r->syms);
		free(r);
	}
	for (int i = 0; i < RING_SIZE; i++) {
		free(s->decisions.items[i]);
		free(s->alerts.items[i]);
		free(s->crits.items[i]);
		free(s->news.items[i]);
		free(s->audits.items[i]);
		free(s->refusals.items[i]);
	}
	server_idem_free(s);
	server_sessions_free(s);
	free(s->snap_text);
	free(s);
}

int
server_replay(const struct server_replay_opts *o)
{
	static const struct server_opts none;
	struct server *s;
	struct replayed *r;
	struct jrnl_reader *rd = NULL;
	struct jrnl_span span;
	struct jrnl_rec rec;
	char *hj = NULL, defurl[600], dir[512];
	cJSON *h = NULL;
	const char *sym = "?", *url = o->url;
	int rv, have = 0, exit_at_end = o->exit_at_end, status = 1;
	nng_tls_config *tls = NULL;
	char err[1024];
	double w0 = 0, t0 = 0;

	if ((s = calloc(1, sizeof *s)) == NULL ||
	    (s->rp = calloc(1, sizeof *s->rp)) == NULL) {
		fprintf(stderr, "tranched replay: out of memory\n");
		if (s != NULL)
			free(s);
		return 1;
	}
	r = s->rp;
	s->opts = &none;
	s->readonly = 1;
	s->speed = o->speed;
	snprintf(s->name, sizeof s->name, "replay");
	snprintf(s->jpath, sizeof s->jpath, "%s", o->path);
	snprintf(r->state, sizeof r->state, "LIVE");
	if ((rv = jrnl_reader_open(&rd, s->jpath, &hj)) != 0) {
		fprintf(stderr, "tranched replay: %s\n", jrnl_describe(err,
		    sizeof err, rv, s->jpath));
		rp_free(s);
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
			    "this build reads protocols %d to %d\n", s->jpath,
			    txt != NULL ? txt : "(missing)",
			    TRANCHE_PROTO_JOURNAL_MIN, TRANCHE_PROTO_VERSION);
			cJSON_free(txt);
			jrnl_reader_close(rd);
			cJSON_Delete(h);
			free(hj);
			rp_free(s);
			return 1;
		}
	}
	if (h != NULL) {
		const char *sess = NULL;

		/* The recorded session's id, as its engine said it: a console
		 * told the replay's hello "" took the next engine on this
		 * address for the same picture (found by a review). */
		if (ipc_get_str(h, "session", &sess) == 0)
			snprintf(s->session, sizeof s->session, "%.16s", sess);
		ipc_get_str(h, "sym", &sym);
		ipc_get_num(h, "tick", &r->tick);
		if (cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(h, "syms")))
			r->syms = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(h,
			    "syms"), 1);
	}
	snprintf(r->sym, sizeof r->sym, "%s", sym);
	if (url == NULL) {
		if (ipc_default_dir(dir, sizeof dir) != 0) {
			fprintf(stderr, "tranched replay: no runtime directory\n");
			goto out;
		}
		snprintf(defurl, sizeof defurl, "ipc://%s/replay", dir);
		url = defurl;
	}
	if (ipc_events_url(url, s->events_url, sizeof s->events_url) != 0) {
		fprintf(stderr, "tranched replay: --listen %s: not an ipc://, "
		    "tcp:// or tls+tcp:// URL with a port\n", url);
		goto out;
	}
	s->urls[0] = url;
	s->nurls = 1;
	if (server_tls_config(&tls, s->urls, 1, o->tls_cert, o->tls_key, err,
	    sizeof err) != 0 ||
	    server_tokens_load(s, err, sizeof err) != 0 ||
	    server_sessions_init(s, err, sizeof err) != 0 ||
	    evchan_open(&s->ev, 1024, s->tokens, &s->ntokens, err,
	    sizeof err) != 0) {
		fprintf(stderr, "tranched replay: %s\n", err);
		goto out;
	}
	/* Raw, as the engine's (server_open_sockets()). */
	if ((rv = nng_rep0_open_raw(&s->rep)) != 0) {
		fprintf(stderr, "tranched replay: nng: %s\n", nng_strerror(rv));
		goto out;
	}
	nng_socket_set_int(s->rep, NNG_OPT_SENDBUF, REP_SENDBUF);
	nng_socket_set_size(s->rep, NNG_OPT_RECVMAXSZ, 4 * TRANCHE_MAX_MSG);
	nng_pipe_notify(s->rep, NNG_PIPE_EV_ADD_PRE, rp_pipe_event, s);
	nng_pipe_notify(s->rep, NNG_PIPE_EV_REM_POST, rp_pipe_event, s);
	if (server_listen(s->rep, url, tls, err, sizeof err) != 0 ||
	    evchan_listen(s->ev, NULL, s->events_url, tls, err,
	    sizeof err) != 0) {
		fprintf(stderr, "tranched replay: %s\n", err);
		goto out;
	}
	signal(SIGINT, rp_on_signal);
	signal(SIGTERM, rp_on_signal);
	signal(SIGPIPE, SIG_IGN);
	if (s->speed > 0)
		fprintf(stderr, "tranched replay: %s at speed %g, listening on "
		    "%s (events %s), read-only\n", s->jpath, s->speed, url,
		    s->events_url);
	else
		fprintf(stderr, "tranched replay: %s at speed max, listening on "
		    "%s (events %s), read-only\n", s->jpath, url, s->events_url);
	struct ipc_batch batch = { 0 };
	double batch_t0 = 0;

	while (!rp_stop) {
		double now = rp_now(), due;

		if (batch.len == 0)
			batch_t0 = now;
		else if (now - batch_t0 >= RP_BATCH_S)
			evchan_send_batch(s->ev, &batch);
		rp_answer(s);
		evchan_read(s->ev, s->seq);
		evchan_sweep(s->ev);
		server_rep_sweep(s);
		server_nng_check(s);
		if (!have && !r->ended) {
			rv = jrnl_next(rd, &rec);
			if (rv == 1) {
				/* The pace counts from the first event whose time is
				 * one of the day's: a first record at -10^18 ns held
				 * every event after it back. */
				have = rec.kind == JRNL_EVENT && rp_time_ok(s, &rec);
				if (have && w0 == 0) {
					w0 = now;
					t0 = (double)rec.t;
				}
				continue;
			}
			if ((rv == JRNL_ECORRUPT || rv == JRNL_ETORN) &&
			    (rv = jrnl_resync(rd, &span)) >= 0) {
				fprintf(stderr, "tranched replay: %s: %s at offset "
				    "%llu: %llu bytes skipped%s\n", s->jpath,
				    span.error == JRNL_ETORN ? "torn tail" :
				    "damaged span",
				    (unsigned long long)span.offset,
				    (unsigned long long)span.bytes, rv == 1 ?
				    ", going on with the next good record" : "");
				if (rv == 1)
					continue;
			} else if (rv < 0)
				fprintf(stderr, "tranched replay: %s: stopped at "
				    "offset %llu: %s\n", s->jpath,
				    (unsigned long long)rec.offset,
				    jrnl_describe(err, sizeof err, rv, s->jpath));
			r->ended = 1;
			fprintf(stderr, "tranched replay: end of %s at seq %llu\n",
			    s->jpath, (unsigned long long)s->seq);
			if (r->seq_back > 0)
				fprintf(stderr, "tranched replay: %s: %llu events "
				    "had a seq not above the one before\n", s->jpath,
				    (unsigned long long)r->seq_back);
			if (r->t_bad > 0)
				fprintf(stderr, "tranched replay: %s: %llu events "
				    "had a time outside the day: not published\n",
				    s->jpath, (unsigned long long)r->t_bad);
			if (r->t_back > 0)
				fprintf(stderr, "tranched replay: %s: %llu events "
				    "had a time more than 5 s before one played "
				    "earlier\n", s->jpath, (unsigned long long)r->t_back);
			if (r->t_gap > 0)
				fprintf(stderr, "tranched replay: %s: %llu gaps of "
				    "more than 15 minutes between events\n", s->jpath,
				    (unsigned long long)r->t_gap);
			if (exit_at_end)
				break;
		}
		if (have) {
			due = s->speed > 0 ? w0 + ((double)rec.t - t0) / 1e9 /
			    s->speed : now;
			if (due <= now) {
				rp_event(s, &rec, &batch);
				have = 0;
				continue;
			}
		} else
			due = now + 0.05;
		if (due - now > 0.005)
			due = now + 0.005;
		evchan_send_batch(s->ev, &batch);
		struct timespec ts = { 0, (long)((due - now) * 1e9) };
		nanosleep(&ts, NULL);
	}
	evchan_send_batch(s->ev, &batch);
	ipc_batch_free(&batch);
	/* Let the last messages leave before the sockets go. */
	struct timespec ts = { 0, 100000000 };
	nanosleep(&ts, NULL);
	status = 0;
out:
	/* The sessions' notification goes before the socket: a close that
	 * NNG abandons must not call back into a server that is freed. */
	nng_pipe_notify(s->rep, NNG_PIPE_EV_ADD_PRE, NULL, NULL);
	nng_pipe_notify(s->rep, NNG_PIPE_EV_REM_POST, NULL, NULL);
	ipc_nng_close(s->rep, 3000);
	evchan_close(s->ev);
	if (tls != NULL)
		nng_tls_config_free(tls);
	jrnl_reader_close(rd);
	cJSON_Delete(h);
	free(hj);
	rp_free(s);
	return status;
}
