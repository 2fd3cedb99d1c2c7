/*
 * fix-acceptor.c -- the FIX acceptor on a libuv loop: a TCP listener,
 * connections, and the timer that drives heartbeats.
 *
 * A connection is unbound until its first message: that message must be a
 * Logon naming a configured session that nobody else holds
 * (fix_engine_logon()); anything else closes the connection, as does
 * silence for LOGON_WAIT_NS.  Bytes read are framed here (fix_frame()) and
 * handed to the session one message at a time; what the session queues in
 * its output buffer (answers, and the application's fix_send()) is
 * committed to the store and written once per pass of the loop, in a check
 * handle after every read of the pass, and after each tick.
 *
 * Two bounds keep one peer from hurting the loop: input is held only up to
 * INBUF_MAX (a message never needs more, so more is garbage), and bytes
 * written but not yet taken by the peer are bounded by OUTQ_MAX (plus
 * one pass's output); a peer that stops reading is cut off rather than
 * allowed to grow memory.  A
 * connection that must end after a Logout is shut down (so the Logout
 * reaches the peer first) and then closed.  Memory is freed in close
 * callbacks, and fix_acceptor_close() frees the acceptor when its last
 * handle has closed, so the loop can be run out and uv_loop_close()
 * returns 0.
 */
#include "engine/fix/fix-int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NS 1000000000LL
#define INBUF_MAX (3 * FIX_MAX_BODY)
#define OUTQ_MAX (1u << 20)
#define LOGON_WAIT_NS (30 * NS)
#define TICK_MS 100

struct conn {
	struct fix_acceptor *a;
	uv_tcp_t tcp;
	uv_shutdown_t sreq;
	char *in;
	size_t inlen, incap;
	struct fix_session *s;
	int64_t opened;
	int closing;
	int want_flush;
	size_t queued;
	struct conn *next, *prev;
};

struct wreq {
	uv_write_t req;
	struct conn *c;
	struct fix_session *s;
	struct fix_batch batch; /* the numbers in data: sent once written */
	size_t len;
	char data[];
};

struct fix_acceptor {
	uv_loop_t *loop;
	uv_tcp_t server;
	uv_timer_t timer;
	uv_check_t check;
	int want_flush;
	struct fix_engine *eng;
	struct conn *conns;
	int handles; /* open handles: server, timer, connections */
	int closing;
	int port;
};

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * NS + ts.tv_nsec;
}

static void acceptor_free_if_done(struct fix_acceptor *a)
{
	if (a->closing && a->handles == 0) {
		fix_engine_close(a->eng);
		free(a);
	}
}

static void conn_closed(uv_handle_t *h)
{
	struct conn *c = h->data;
	struct fix_acceptor *a = c->a;
	if (c->prev)
		c->prev->next = c->next;
	else
		a->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	free(c->in);
	free(c);
	a->handles--;
	acceptor_free_if_done(a);
}

static void conn_unbind(struct conn *c, const char *why)
{
	if (c->s) {
		fix_session_set_kick(c->s, NULL);
		fix_session_disconnected(c->s, why);
		c->s = NULL;
	}
}

/* At once: the peer is gone, misbehaves, or the acceptor is closing. */
static void conn_close(struct conn *c, const char *why)
{
	conn_unbind(c, why);
	if (c->closing == 2)
		return;
	c->closing = 2;
	uv_read_stop((uv_stream_t *)&c->tcp);
	uv_close((uv_handle_t *)&c->tcp, conn_closed);
}

static void conn_shutdown_done(uv_shutdown_t *req, int status)
{
	struct conn *c = req->data;
	if (c->closing != 2) {
		c->closing = 2;
		uv_close((uv_handle_t *)&c->tcp, conn_closed);
	}
}

/* After what is queued has been written (a Logout, say). */
static void conn_shutdown(struct conn *c, const char *why)
{
	conn_unbind(c, why);
	if (c->closing)
		return;
	c->closing = 1;
	uv_read_stop((uv_stream_t *)&c->tcp);
	c->sreq.data = c;
	if (uv_shutdown(&c->sreq, (uv_stream_t *)&c->tcp, conn_shutdown_done) < 0)
		conn_close(c, why);
}

static void conn_kick(void *conn);

static void write_done(uv_write_t *req, int status)
{
	struct wreq *w = (struct wreq *)req;
	w->c->queued -= w->len;
	/* Written to the socket: only now do they count as sent (a write
	 * cancelled by a close, or failed, leaves them unsent, and a reset
	 * sends them again).  libuv calls this before the handle's close
	 * callback, and the engine outlives every handle. */
	if (status == 0)
		fix_session_batch_sent(w->s, &w->batch);
	fix_batch_free(&w->batch);
	/* A resend goes a chunk at a time: the next once all written before
	 * has gone, so a day's resend never waits in memory whole, and a
	 * reader is never taken for one that stopped. */
	if (status == 0 && !w->c->closing && w->c->s == w->s &&
	    w->c->queued == 0) {
		fix_session_pump(w->s);
		if (fix_session_out_len(w->s) > 0)
			conn_kick(w->c);
	}
	free(w);
}

static void conn_flush(struct conn *c)
{
	struct fix_session *s = c->s;
	if (!s || c->closing)
		return;
	size_t n = fix_session_out_len(s);
	if (n > 0 && c->queued > OUTQ_MAX) {
		/* The peer stopped reading: more than OUTQ_MAX from earlier
		 * passes is still not taken.  What one pass makes (a resend
		 * of a whole day, bounded by the session's own buffer) may
		 * pass the bound by itself: that is no sign of a peer that
		 * does not read, and cutting it off for it would leave an
		 * OMS that asks for what it missed never hearing it. */
		fix_session_out_clear(s);
		fix_session_commit(s);
		conn_close(c, "peer is not reading (output queue above 1 MiB)");
		return;
	}
	/* Nothing leaves before what it says is on disk; what is cleared
	 * above never went, and is not marked sent. */
	fix_session_commit(s);
	if ((n = fix_session_out_len(s)) == 0)
		return;
	struct wreq *w = malloc(sizeof *w + n);
	if (!w) {
		conn_close(c, "out of memory");
		return;
	}
	memcpy(w->data, fix_session_out_buf(s), n);
	fix_session_take_batch(s, &w->batch);
	fix_session_out_clear(s);
	w->c = c;
	w->s = s;
	w->len = n;
	uv_buf_t b = uv_buf_init(w->data, (unsigned)n);
	if (uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1, write_done) < 0) {
		fix_batch_free(&w->batch);
		free(w);
		conn_close(c, "write failed");
		return;
	}
	c->queued += n;
}

/* fix_send() queued bytes: they go out, with one commit for everything
 * queued, when the loop has run this pass's callbacks (the check handle),
 * so a burst of execution reports costs one fdatasync, not one each.
 * Answers to input wait for the same commit. */
static void conn_kick(void *conn)
{
	struct conn *c = conn;
	c->want_flush = 1;
	c->a->want_flush = 1;
}

static void on_check(uv_check_t *h)
{
	struct fix_acceptor *a = h->data;
	if (!a->want_flush)
		return;
	a->want_flush = 0;
	for (struct conn *c = a->conns; c; c = c->next) {
		if (!c->want_flush)
			continue;
		c->want_flush = 0;
		conn_flush(c);
		if (c->s && !c->closing && fix_session_tick(c->s, now_ns()) == FIX_DISCONNECT)
			conn_shutdown(c, NULL);
	}
}

static void conn_input(struct conn *c)
{
	struct fix_acceptor *a = c->a;
	size_t off = 0;
	while (!c->closing) {
		size_t st = 0, en = 0;
		int r = fix_frame(c->in + off, c->inlen - off, &st, &en);
		if (r == 0) {
			off += st;
			break;
		}
		if (r == -2 || (r < 0 && !c->s)) {
			if (c->s) {
				conn_flush(c);
				conn_close(c, "BodyLength above 65536");
			} else {
				conn_close(c, r == -2 ? "BodyLength above 65536"
				                      : "garbled input before Logon");
			}
			return;
		}
		if (r < 0) {
			off += en;
			continue;
		}
		int64_t now = now_ns();
		const char *raw = c->in + off + st;
		size_t len = en - st;
		int rc;
		if (!c->s) {
			const char *why = NULL;
			struct fix_session *s = fix_engine_logon(a->eng, c, now, raw, len, &why);
			if (!s) {
				conn_close(c, why);
				return;
			}
			c->s = s;
			fix_session_set_kick(s, conn_kick);
			rc = fix_session_tick(s, now);
		} else {
			rc = fix_session_input(c->s, now, raw, len);
		}
		off += en;
		if (rc == FIX_DISCONNECT) {
			conn_flush(c);
			conn_shutdown(c, NULL);
			break;
		}
	}
	if (c->closing)
		return;
	/* One commit and one write for everything this pass of the loop
	 * brought, in the check phase after every read (on_check). */
	if (c->s) {
		c->want_flush = 1;
		a->want_flush = 1;
	}
	memmove(c->in, c->in + off, c->inlen - off);
	c->inlen -= off;
	if (c->inlen > INBUF_MAX)
		conn_close(c, "more than 192 KiB of input without a message");
}

static void conn_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	struct conn *c = h->data;
	if (c->incap - c->inlen < 16384) {
		size_t cap = c->incap ? c->incap * 2 : 65536;
		char *nb = cap <= INBUF_MAX * 2 ? realloc(c->in, cap) : NULL;
		if (nb) {
			c->in = nb;
			c->incap = cap;
		}
	}
	*buf = uv_buf_init(c->in + c->inlen, (unsigned)(c->incap - c->inlen));
}

static void conn_read(uv_stream_t *st, ssize_t n, const uv_buf_t *buf)
{
	struct conn *c = st->data;
	if (n < 0) {
		conn_close(c, n == UV_EOF ? "peer closed the connection" : uv_strerror((int)n));
		return;
	}
	if (n == 0 || c->closing)
		return;
	c->inlen += (size_t)n;
	conn_input(c);
}

static void on_connection(uv_stream_t *server, int status)
{
	struct fix_acceptor *a = server->data;
	if (status < 0 || a->closing)
		return;
	struct conn *c = calloc(1, sizeof *c);
	if (!c)
		return;
	c->a = a;
	c->opened = now_ns();
	uv_tcp_init(a->loop, &c->tcp);
	c->tcp.data = c;
	a->handles++;
	c->next = a->conns;
	if (a->conns)
		a->conns->prev = c;
	a->conns = c;
	if (uv_accept(server, (uv_stream_t *)&c->tcp) < 0 ||
	    uv_read_start((uv_stream_t *)&c->tcp, conn_alloc, conn_read) < 0) {
		conn_close(c, "accept failed");
		return;
	}
	uv_tcp_nodelay(&c->tcp, 1);
}

static void on_tick(uv_timer_t *t)
{
	struct fix_acceptor *a = t->data;
	int64_t now = now_ns();
	for (struct conn *c = a->conns, *next; c; c = next) {
		next = c->next;
		if (c->closing)
			continue;
		if (!c->s) {
			if (now - c->opened > LOGON_WAIT_NS)
				conn_close(c, "no Logon within 30 s");
			continue;
		}
		int rc = fix_session_tick(c->s, now);
		conn_flush(c);
		if (rc == FIX_DISCONNECT && !c->closing)
			conn_shutdown(c, NULL);
	}
}

static void handle_closed(uv_handle_t *h)
{
	struct fix_acceptor *a = h->data;
	a->handles--;
	acceptor_free_if_done(a);
}

static int parse_url(const char *url, struct sockaddr_storage *ss, char *err, size_t errcap)
{
	char host[256];
	if (!url || strncmp(url, "tcp://", 6)) {
		snprintf(err, errcap, "--fix-listen %s: must be tcp://HOST:PORT", url ? url : "(none)");
		return -1;
	}
	const char *h = url + 6;
	const char *colon = strrchr(h, ':');
	if (!colon || colon == h || (size_t)(colon - h) >= sizeof host) {
		snprintf(err, errcap, "--fix-listen %s: must be tcp://HOST:PORT", url);
		return -1;
	}
	char *end;
	long port = strtol(colon + 1, &end, 10);
	if (*end || colon[1] == '\0' || port < 0 || port > 65535) {
		snprintf(err, errcap, "--fix-listen %s: port %s: must be 0 to 65535", url, colon + 1);
		return -1;
	}
	memcpy(host, h, (size_t)(colon - h));
	host[colon - h] = '\0';
	if (!strcmp(host, "*"))
		snprintf(host, sizeof host, "0.0.0.0");
	else if (!strcmp(host, "localhost"))
		snprintf(host, sizeof host, "127.0.0.1");
	if (host[0] == '[') {
		size_t l = strlen(host);
		if (l < 3 || host[l - 1] != ']')
			goto bad;
		host[l - 1] = '\0';
		if (uv_ip6_addr(host + 1, (int)port, (struct sockaddr_in6 *)ss) < 0)
			goto bad;
		return 0;
	}
	if (uv_ip4_addr(host, (int)port, (struct sockaddr_in *)ss) < 0)
		goto bad;
	return 0;
bad:
	snprintf(err, errcap, "--fix-listen %s: host %s: not an IPv4 address, [IPv6], * or localhost",
	         url, host);
	return -1;
}

int fix_acceptor_open(struct fix_acceptor **out, uv_loop_t *loop, const struct fix_opts *o,
                      const struct fix_app *app, char *err, size_t errcap)
{
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof ss);
	if (!o->sessions || !o->store) {
		snprintf(err, errcap, "FIX acceptor: --fix-sessions and a store directory are needed");
		return -1;
	}
	if (parse_url(o->url, &ss, err, errcap) < 0)
		return -1;
	struct fix_sess_cfg *cfg;
	int n;
	if (fix_sessions_load(o->sessions, &cfg, &n, err, errcap) < 0)
		return -1;
	for (int i = 0; i < n; i++)
		if (cfg[i].reset_on_disconnect < 0)
			cfg[i].reset_on_disconnect = o->reset_on_disconnect == 1;
	struct fix_acceptor *a = calloc(1, sizeof *a);
	if (!a) {
		free(cfg);
		snprintf(err, errcap, "FIX acceptor: out of memory");
		return -1;
	}
	a->loop = loop;
	int rc = fix_engine_open(&a->eng, cfg, n, o->store, app, err, errcap);
	free(cfg);
	if (rc < 0) {
		free(a);
		return -1;
	}
	uv_tcp_init(loop, &a->server);
	a->server.data = a;
	a->handles++;
	uv_timer_init(loop, &a->timer);
	a->timer.data = a;
	a->handles++;
	uv_check_init(loop, &a->check);
	a->check.data = a;
	a->handles++;
	rc = uv_tcp_bind(&a->server, (const struct sockaddr *)&ss, 0);
	if (rc == 0)
		rc = uv_listen((uv_stream_t *)&a->server, 128, on_connection);
	if (rc < 0) {
		snprintf(err, errcap, "--fix-listen %s: %s", o->url, uv_strerror(rc));
		fix_acceptor_close(a);
		return -1;
	}
	struct sockaddr_storage bound;
	int blen = sizeof bound;
	if (uv_tcp_getsockname(&a->server, (struct sockaddr *)&bound, &blen) == 0)
		a->port = ntohs(bound.ss_family == AF_INET6
		                        ? ((struct sockaddr_in6 *)&bound)->sin6_port
		                        : ((struct sockaddr_in *)&bound)->sin_port);
	uv_timer_start(&a->timer, on_tick, TICK_MS, TICK_MS);
	uv_check_start(&a->check, on_check);
	*out = a;
	return 0;
}

void fix_acceptor_close(struct fix_acceptor *a)
{
	if (!a || a->closing)
		return;
	a->closing = 1;
	for (struct conn *c = a->conns; c; c = c->next) {
		conn_flush(c);
		conn_close(c, "acceptor closing");
	}
	uv_timer_stop(&a->timer);
	uv_close((uv_handle_t *)&a->timer, handle_closed);
	uv_check_stop(&a->check);
	uv_close((uv_handle_t *)&a->check, handle_closed);
	uv_close((uv_handle_t *)&a->server, handle_closed);
}

int fix_acceptor_port(const struct fix_acceptor *a)
{
	return a ? a->port : -1;
}

struct fix_session *fix_session_find(struct fix_acceptor *a, const char *name)
{
	for (int i = 0; i < fix_engine_count(a->eng); i++) {
		struct fix_session *s = fix_engine_session(a->eng, i);
		if (!strcmp(fix_session_name(s), name))
			return s;
	}
	return NULL;
}

cJSON *fix_acceptor_status(struct fix_acceptor *a)
{
	return fix_engine_status(a->eng);
}
