/*
 * ipc/client.c -- the client side of the tranche protocol.
 *
 * Both sockets are dialled with NNG_FLAG_NONBLOCK: the dialer keeps trying
 * in the background, so a console can be started before its engine and
 * survives the engine's restart without any code of its own.  The REQ
 * socket's resend time is left long; a request that times out is reported
 * to the caller, who decides whether to try again (with the same id, so the
 * engine does not execute it twice).
 *
 * tls+tcp:// URLs are dialled with a client TLS configuration (ipc/tls.c)
 * that requires the engine's certificate to verify against the CA the
 * caller named.  NNG does not report a failed dial to anyone -- it just
 * dials again -- so what went wrong is read from its per-dialer statistics
 * (handshakes refused, connections closed during the handshake) when a
 * request does not get through: ipc_client_problem().
 *
 * Events come on a pair1 socket (protocol 3): the engine sends nothing to a
 * connection that has not said hello with a token it knows (or, over
 * ipc://, from its own uid).  So every time the events socket connects --
 * first, after the engine restarts, after a redial -- a pipe callback sends
 * the hello, with the token from the configuration.  The engine's answer is
 * the first message on the connection, a reply object where events
 * messages begin with a topic; the client takes it out of the stream and
 * keeps a refusal for ipc_client_problem().
 *
 * NNG 1.5.2 with mbedTLS can leave a TLS handshake hanging for good when
 * connections of a process handshake at once (nanomsg/nng#1666, #1668),
 * and the dialer then never dials again.  So over TLS the client looks
 * after its dialers itself: one that has had no connection up for
 * CLIENT_TLS_STALL_MS since it was started is closed and started afresh
 * -- the REQ dialer by a request waiting to be sent (client_send), the
 * events dialer by ipc_client_tend() and ipc_client_wait_event().  What a
 * closed dialer counted (handshakes refused, connections closed) is kept,
 * so ipc_client_problem() still knows after a redial.  For an engine that
 * is simply not there this costs nothing: NNG would have dialled again
 * within the second anyway.
 *
 * An events message may hold several events (ipc/protocol.h).  The client
 * keeps the message it is reading and a cursor into it, so callers still
 * take one event at a time; ipc_client_next_raw() hands out events undecoded
 * and keeps every message they point into until ipc_client_release(), which
 * lets the console decide which of a whole drain it needs to decode.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/pair1/pair.h>
#include <nng/protocol/reqrep0/req.h>

#include <time.h>

#include "ipc/client.h"
#include "ipc/nngclose.h"
#include "ipc/protocol.h"
#include "ipc/tls.h"

/* What NNG's statistics say about one dialer. */
struct client_dstats {
	uint64_t pipes;    /* connections up now */
	uint64_t connects; /* ever established */
	uint64_t auth;     /* TLS handshakes refused (certificate, crypto) */
	uint64_t closed;   /* connections that failed in the handshake */
};

/* A dialer with no connection up this long is started afresh (TLS). */
#define CLIENT_RECVBUF 8192 /* events waiting to be read */
#define CLIENT_TLS_STALL_MS 3000

struct ipc_client {
	nng_socket req;
	nng_socket sub;
	nng_dialer req_dialer, sub_dialer; /* guarded by mu when TLS */
	nng_tls_config *tlscfg;  /* held for redialling */
	struct client_dstats req_past, sub_past; /* dialers closed (mu) */
	int64_t req_dialed, sub_dialed; /* when each was last started */
	unsigned long redials;         /* dialers started afresh (mu) */
	int tls;
	char *hello;          /* the events hello, sent on every connection */
	int evqueue;          /* the events receive queue (messages) */
	pthread_mutex_t mu;   /* guards hellos (NNG's threads), refusal,
	                         the dialers' ids and their past counts */
	unsigned long hellos; /* events hellos sent */
	unsigned long ctl_conns; /* command connections made */
	int admitted;         /* the engine's last answer: 1 ok, -1 refused */
	char refusal[512];    /* what it said when it refused */
	char ctl_url[512];
	char ev_url[512];
	char name[64];
	char ca[512];
	unsigned long next_id;
	unsigned long nonce;  /* tells apart clients of one process */
	nng_msg **held;       /* messages raw events point into; last is read */
	size_t nheld, capheld;
	uint64_t msgs;       /* events messages received (batches) */
	size_t off;           /* cursor in the last held message */
	size_t too_big;       /* the last request's size when it was over
	                         TRANCHE_MAX_MSG and not sent; else 0 */
};

static int64_t
client_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
client_free(struct ipc_client *c)
{
	cJSON_free(c->hello);
	pthread_mutex_destroy(&c->mu);
	free(c);
}

int
ipc_client_open(struct ipc_client **out, const char *ctl_url,
                const char *events_url, const char *name)
{
	struct ipc_client_cfg cfg = {
		.ctl_url = ctl_url, .events_url = events_url, .name = name,
	};
	char err[256];

	return ipc_client_open_cfg(out, &cfg, err, sizeof err);
}

/* Dial in the background, over TLS when the URL says so. */
static int
client_dial(nng_socket s, const char *url, nng_tls_config *tls,
            nng_dialer *d, char *err, size_t errlen)
{
	int rv;

	if ((rv = nng_dialer_create(d, s, url)) != 0) {
		snprintf(err, errlen, "%s: %s", url, nng_strerror(rv));
		return rv;
	}
	if (tls != NULL &&
	    (rv = nng_dialer_set_ptr(*d, NNG_OPT_TLS_CONFIG, tls)) != 0) {
		snprintf(err, errlen, "%s: TLS: %s", url, nng_strerror(rv));
		return rv;
	}
	if ((rv = nng_dialer_start(*d, NNG_FLAG_NONBLOCK)) != 0) {
		snprintf(err, errlen, "%s: %s", url, nng_strerror(rv));
		return rv;
	}
	return 0;
}

/*
 * On an NNG thread: the events socket connected, so it says hello.  The
 * send does not block (the socket's send queue has room for it); if it
 * fails anyway, the engine closes the silent connection after its hello
 * timeout and the dialer connects again.
 */
static void
client_events_pipe(nng_pipe p, nng_pipe_ev what, void *arg)
{
	struct ipc_client *c = arg;

	(void)p;
	if (what != NNG_PIPE_EV_ADD_POST)
		return;
	/* nng_send() copies the hello into a message of its own and frees
	 * it when the send fails. */
	(void)nng_send(c->sub, c->hello, strlen(c->hello), NNG_FLAG_NONBLOCK);
	pthread_mutex_lock(&c->mu);
	c->hellos++;
	pthread_mutex_unlock(&c->mu);
}

/* On an NNG thread: the command socket connected
 * (ipc_client_command_conns). */
static void
client_ctl_pipe(nng_pipe p, nng_pipe_ev what, void *arg)
{
	struct ipc_client *c = arg;

	(void)p;
	if (what != NNG_PIPE_EV_ADD_POST)
		return;
	pthread_mutex_lock(&c->mu);
	c->ctl_conns++;
	pthread_mutex_unlock(&c->mu);
}

/* {"cmd":"hello","id","client","v","token"?}: what the engine wants
 * before it sends an event. */
static char *
client_events_hello(const struct ipc_client *c, const char *token)
{
	cJSON *o = cJSON_CreateObject();
	char id[160], *txt;

	snprintf(id, sizeof id, "%s-%ld-%lx-events", c->name, (long)getpid(),
	    c->nonce);
	cJSON_AddStringToObject(o, "cmd", CMD_HELLO);
	cJSON_AddStringToObject(o, "id", id);
	cJSON_AddStringToObject(o, "client", c->name);
	cJSON_AddNumberToObject(o, "v", TRANCHE_PROTO_VERSION);
	if (token != NULL && token[0] != '\0')
		cJSON_AddStringToObject(o, "token", token);
	txt = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return txt;
}

int
ipc_client_open_cfg(struct ipc_client **out, const struct ipc_client_cfg *cfg,
                    char *err, size_t errlen)
{
	struct ipc_client *c;
	nng_tls_config *tls = NULL;
	const char *label = cfg->tls_ca_label ? cfg->tls_ca_label : "--tls-ca";
	int rv;

	*out = NULL;
	if ((c = calloc(1, sizeof *c)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NNG_ENOMEM;
	}
	snprintf(c->ctl_url, sizeof c->ctl_url, "%s", cfg->ctl_url);
	snprintf(c->name, sizeof c->name, "%s", cfg->name ? cfg->name :
	    "client");
	pthread_mutex_init(&c->mu, NULL);
	/* The engine remembers ids across connections: two clients of one
	 * process (or a pid reused later) must not share them. */
	{
		struct timespec ts;
		static unsigned long opened;

		clock_gettime(CLOCK_REALTIME, &ts);
		c->nonce = ((unsigned long)ts.tv_sec * 1000003UL) ^
		    (unsigned long)ts.tv_nsec ^ (++opened << 40);
	}
	if ((c->hello = client_events_hello(c, cfg->token)) == NULL) {
		snprintf(err, errlen, "out of memory");
		pthread_mutex_destroy(&c->mu);
		free(c);
		return NNG_ENOMEM;
	}
	if (cfg->events_url != NULL)
		snprintf(c->ev_url, sizeof c->ev_url, "%s", cfg->events_url);
	else if (ipc_events_url(cfg->ctl_url, c->ev_url, sizeof c->ev_url) != 0) {
		snprintf(err, errlen, "%s: not an engine address (ipc://PATH, "
		    "tcp://HOST:PORT or tls+tcp://HOST:PORT)", cfg->ctl_url);
		client_free(c);
		return NNG_EADDRINVAL;
	}
	if (ipc_url_is_tls(c->ctl_url) != ipc_url_is_tls(c->ev_url)) {
		snprintf(err, errlen, "%s and %s: both or neither must be "
		    "tls+tcp://", c->ctl_url, c->ev_url);
		client_free(c);
		return NNG_EADDRINVAL;
	}
	c->tls = ipc_url_is_tls(c->ctl_url);
	if (c->tls) {
		if (ipc_tls_client_config(&tls, c->ctl_url, cfg->tls_ca, label,
		    err, errlen) != 0) {
			client_free(c);
			return NNG_EINVAL;
		}
		snprintf(c->ca, sizeof c->ca, "%s", cfg->tls_ca);
	}
	if ((rv = nng_req0_open(&c->req)) != 0) {
		snprintf(err, errlen, "nng: %s", nng_strerror(rv));
		goto fail;
	}
	if ((rv = nng_pair1_open(&c->sub)) != 0) {
		snprintf(err, errlen, "nng: %s", nng_strerror(rv));
		ipc_nng_close(c->req, 2000);
		goto fail;
	}
	nng_socket_set_size(c->req, NNG_OPT_RECVMAXSZ, TRANCHE_MAX_MSG * 16);
	nng_socket_set_size(c->sub, NNG_OPT_RECVMAXSZ, TRANCHE_MAX_MSG * 16);
	nng_socket_set_ms(c->req, NNG_OPT_RECONNMINT, 50);
	nng_socket_set_ms(c->req, NNG_OPT_RECONNMAXT, 1000);
	nng_socket_set_ms(c->sub, NNG_OPT_RECONNMINT, 50);
	nng_socket_set_ms(c->sub, NNG_OPT_RECONNMAXT, 1000);
	/* A deep receive queue: the console drains it every wakeup, and a gap
	 * still ends in a snapshot, but bursts should not cost one. */
	c->evqueue = CLIENT_RECVBUF;
	nng_socket_set_int(c->sub, NNG_OPT_RECVBUF, c->evqueue);
	/* Room for the hello whatever the connection is doing. */
	nng_socket_set_int(c->sub, NNG_OPT_SENDBUF, 4);
	nng_pipe_notify(c->sub, NNG_PIPE_EV_ADD_POST, client_events_pipe, c);
	nng_pipe_notify(c->req, NNG_PIPE_EV_ADD_POST, client_ctl_pipe, c);
	if ((rv = client_dial(c->req, c->ctl_url, tls, &c->req_dialer, err,
	    errlen)) != 0 || (rv = client_dial(c->sub, c->ev_url, tls,
	    &c->sub_dialer, err, errlen)) != 0) {
		if (tls != NULL)
			nng_tls_config_free(tls);
		ipc_client_close(c);
		return rv;
	}
	/* The dialers hold their own references; this one is for redials. */
	c->tlscfg = tls;
	c->req_dialed = c->sub_dialed = client_now_ms();
	*out = c;
	return 0;
fail:
	if (tls != NULL)
		nng_tls_config_free(tls);
	client_free(c);
	return rv;
}

/*
 * Before the events connection is closed: closing a pipe while an event is
 * arriving is what wedges NNG 1.5.2's reaper (ipc/nngclose.h), and the
 * engine sends all the time.  With a receive queue of one message that is
 * not read for CLIENT_HUSH_MS, the connection's last event waits in the
 * full queue and nothing more is being read when it is closed.  What the
 * queue held is dropped: a redial ends in a snapshot anyway.
 */
#define CLIENT_HUSH_MS 50

static void
client_hush(struct ipc_client *c)
{
	struct timespec ts = { 0, CLIENT_HUSH_MS * 1000000L };

	nng_socket_set_int(c->sub, NNG_OPT_RECVBUF, 1);
	nanosleep(&ts, NULL);
}

void
ipc_client_close(struct ipc_client *c)
{
	if (c == NULL)
		return;
	client_hush(c);
	ipc_nng_close(c->req, 2000);
	/* An abandoned events socket may still call client_events_pipe():
	 * then the client is left allocated rather than freed under it. */
	if (ipc_nng_close(c->sub, 2000) != 0)
		return;
	if (c->tlscfg != NULL)
		nng_tls_config_free(c->tlscfg);
	while (c->nheld > 0)
		nng_msg_free(c->held[--c->nheld]);
	free(c->held);
	client_free(c);
}

static int
client_dialer_stats(nng_dialer d, struct client_dstats *ds)
{
	nng_stat *all, *dst, *c;

	memset(ds, 0, sizeof *ds);
	if (nng_stats_get(&all) != 0)
		return -1;
	if ((dst = nng_stat_find_dialer(all, d)) != NULL)
		for (c = nng_stat_child(dst); c != NULL; c = nng_stat_next(c)) {
			const char *name = nng_stat_name(c);
			uint64_t v = nng_stat_value(c);

			if (strcmp(name, "pipes") == 0)
				ds->pipes = v;
			else if (strcmp(name, "connect") == 0)
				ds->connects = v;
			else if (strcmp(name, "auth") == 0)
				ds->auth = v;
			else if (strcmp(name, "other") == 0 ||
			    strcmp(name, "proto") == 0)
				ds->closed += v;
		}
	nng_stats_free(all);
	return dst != NULL ? 0 : -1;
}

enum { CLIENT_REQ, CLIENT_SUB };

/* One socket's counts: its dialer's now and those of the dialers it
 * replaced; pipes are the present dialer's. */
static void
client_stats(struct ipc_client *c, int which, struct client_dstats *ds)
{
	struct client_dstats past, now;
	nng_dialer d;

	pthread_mutex_lock(&c->mu);
	d = which == CLIENT_REQ ? c->req_dialer : c->sub_dialer;
	past = which == CLIENT_REQ ? c->req_past : c->sub_past;
	pthread_mutex_unlock(&c->mu);
	/* A dialer being replaced has id 0, which NNG does not know. */
	if (client_dialer_stats(d, &now) != 0)
		memset(&now, 0, sizeof now);
	ds->pipes = now.pipes;
	ds->connects = past.connects + now.connects;
	ds->auth = past.auth + now.auth;
	ds->closed = past.closed + now.closed;
}

/* Close one socket's dialer, keeping what it counted, and dial afresh;
 * the socket, its queues and (events) its hello callback stay. */
static int
client_redial(struct ipc_client *c, int which)
{
	nng_socket s = which == CLIENT_REQ ? c->req : c->sub;
	const char *url = which == CLIENT_REQ ? c->ctl_url : c->ev_url;
	nng_dialer *cur = which == CLIENT_REQ ? &c->req_dialer : &c->sub_dialer;
	struct client_dstats *past = which == CLIENT_REQ ? &c->req_past :
	    &c->sub_past, last;
	nng_dialer old, d = NNG_DIALER_INITIALIZER;
	char err[sizeof c->ev_url + 64];
	int got, rv;

	pthread_mutex_lock(&c->mu);
	old = *cur;
	pthread_mutex_unlock(&c->mu);
	got = client_dialer_stats(old, &last) == 0;
	pthread_mutex_lock(&c->mu);
	if (got) {
		past->connects += last.connects;
		past->auth += last.auth;
		past->closed += last.closed;
	}
	*cur = (nng_dialer)NNG_DIALER_INITIALIZER;
	pthread_mutex_unlock(&c->mu);
	/* Closed before the new dial (its pipe must not outlive the redial),
	 * on a thread of its own, abandoned after 2 s (NNG 1.5.2 can hang);
	 * the events connection hushed first (client_hush()). */
	if (which == CLIENT_SUB)
		client_hush(c);
	ipc_nng_dialer_close(old, 2000);
	if (which == CLIENT_SUB)
		nng_socket_set_int(c->sub, NNG_OPT_RECVBUF, c->evqueue);
	rv = client_dial(s, url, c->tlscfg, &d, err, sizeof err);
	pthread_mutex_lock(&c->mu);
	if (rv == 0)
		*cur = d;
	if (which == CLIENT_REQ)
		c->req_dialed = client_now_ms();
	else
		c->sub_dialed = client_now_ms();
	c->redials++;
	pthread_mutex_unlock(&c->mu);
	return rv;
}

/* Over TLS: a dialer that has had no connection up for
 * CLIENT_TLS_STALL_MS is started afresh (see the top).  1 when it was. */
static int
client_unstick(struct ipc_client *c, int which)
{
	struct client_dstats ds;
	int64_t now = client_now_ms(), *seen;
	int stuck;

	if (!c->tls)
		return 0;
	seen = which == CLIENT_REQ ? &c->req_dialed : &c->sub_dialed;
	pthread_mutex_lock(&c->mu);
	stuck = now - *seen >= CLIENT_TLS_STALL_MS;
	pthread_mutex_unlock(&c->mu);
	if (!stuck)
		return 0;
	client_stats(c, which, &ds);
	if (ds.pipes > 0) {
		/* Up: looked at again CLIENT_TLS_STALL_MS from now. */
		pthread_mutex_lock(&c->mu);
		*seen = now;
		pthread_mutex_unlock(&c->mu);
		return 0;
	}
	client_redial(c, which);
	return 1;
}

int
ipc_client_redial_events(struct ipc_client *c)
{
	return client_redial(c, CLIENT_SUB);
}

int
ipc_client_redial_commands(struct ipc_client *c)
{
	return client_redial(c, CLIENT_REQ);
}

int
ipc_client_tend(struct ipc_client *c)
{
	return client_unstick(c, CLIENT_SUB);
}

unsigned long
ipc_client_redials(struct ipc_client *c)
{
	unsigned long n;

	pthread_mutex_lock(&c->mu);
	n = c->redials;
	pthread_mutex_unlock(&c->mu);
	return n;
}

/* The engine's certificate was refused and nothing is connected. */
static int
client_tls_refused(struct ipc_client *c)
{
	struct client_dstats ds;

	if (!c->tls)
		return 0;
	client_stats(c, CLIENT_REQ, &ds);
	return ds.auth > 0 && ds.pipes == 0;
}

int
ipc_client_problem(struct ipc_client *c, char *buf, size_t n)
{
	struct client_dstats a, b;
	char host[256] = "?", why[sizeof c->refusal];

	if (c->too_big > 0) {
		snprintf(buf, n, "command of %zu bytes: over the %d byte limit "
		    "(%s), not sent", c->too_big, TRANCHE_MAX_MSG, ERR_TOO_BIG);
		return 1;
	}
	if (ipc_client_events_state(c, why, sizeof why) < 0) {
		snprintf(buf, n, "%s: the engine sends no events to this client: "
		    "it refused the events hello: %s", c->ev_url, why);
		return 1;
	}
	client_stats(c, CLIENT_REQ, &a);
	client_stats(c, CLIENT_SUB, &b);
	if (a.pipes > 0)
		return 0;
	ipc_url_host(c->ctl_url, host, sizeof host);
	if (c->tls && a.auth + b.auth > 0) {
		/* What went wrong first: a console shows one line of it. */
		snprintf(buf, n, "%s: the engine's certificate did not verify "
		    "against the CA in %s (signed by another CA, expired, or not "
		    "issued for %s; or the engine there does not speak TLS); %llu "
		    "TLS handshakes failed", c->ctl_url, c->ca, host,
		    (unsigned long long)(a.auth + b.auth));
		return 1;
	}
	if (a.connects == 0 && a.closed + b.closed > 0) {
		if (c->tls)
			snprintf(buf, n, "%s closed every connection during the TLS "
			    "handshake: is the engine listening on plain tcp:// "
			    "there? (%llu tries)", c->ctl_url,
			    (unsigned long long)(a.closed + b.closed));
		else
			snprintf(buf, n, "%s closed every connection during the "
			    "handshake: if the engine listens with tls+tcp://, "
			    "connect with tls+tcp:// and --tls-ca (%llu tries)",
			    c->ctl_url, (unsigned long long)(a.closed + b.closed));
		return 1;
	}
	return 0;
}

/*
 * Over TLS a refused handshake is not an error NNG hands back: the dialer
 * just tries again, and a request would wait out its whole timeout.  So
 * the send waits in short slices, and between them the dialer's counts
 * are looked at: once the engine's certificate has been refused with no
 * connection up, the request ends with NNG_EPEERAUTH.
 */
#define CLIENT_TLS_SLICE_MS 100

static int
client_send(struct ipc_client *c, const char *body, int timeout_ms)
{
	int left = timeout_ms, slice, rv;

	for (;;) {
		slice = c->tls && left > CLIENT_TLS_SLICE_MS ?
		    CLIENT_TLS_SLICE_MS : left;
		nng_socket_set_ms(c->req, NNG_OPT_SENDTIMEO, slice);
		rv = nng_send(c->req, (void *)body, strlen(body), 0);
		left -= slice;
		if (rv != NNG_ETIMEDOUT || !c->tls || left <= 0)
			return rv;
		if (client_tls_refused(c))
			return NNG_EPEERAUTH;
		client_unstick(c, CLIENT_REQ);
	}
}

int
ipc_client_request(struct ipc_client *c, cJSON *req, cJSON **reply,
                   int timeout_ms)
{
	char idbuf[96], *body;
	nng_msg *msg;
	int rv;

	*reply = NULL;
	if (cJSON_GetObjectItemCaseSensitive(req, "id") == NULL) {
		snprintf(idbuf, sizeof idbuf, "%s-%ld-%lx-%lu", c->name,
		    (long)getpid(), c->nonce, ++c->next_id);
		cJSON_AddStringToObject(req, "id", idbuf);
	}
	if ((body = cJSON_PrintUnformatted(req)) == NULL)
		return NNG_ENOMEM;
	/* The engine refuses a command over TRANCHE_MAX_MSG (too_big), and
	 * one over its socket's limit, four times that, never reaches it:
	 * NNG drops it and the request would wait out its whole timeout.
	 * Neither can succeed, so neither is sent; ipc_client_problem()
	 * says why. */
	c->too_big = strlen(body);
	if (c->too_big <= TRANCHE_MAX_MSG)
		c->too_big = 0;
	else {
		cJSON_free(body);
		return NNG_EMSGSIZE;
	}
	nng_socket_set_ms(c->req, NNG_OPT_RECVTIMEO, timeout_ms);
	rv = client_send(c, body, timeout_ms);
	cJSON_free(body);
	if (rv != 0)
		return rv;
	if ((rv = nng_recvmsg(c->req, &msg, 0)) != 0)
		return rv;
	*reply = cJSON_ParseWithLength(nng_msg_body(msg), nng_msg_len(msg));
	nng_msg_free(msg);
	return *reply != NULL ? 0 : NNG_EPROTO;
}

int
ipc_client_event_fd(struct ipc_client *c, int *fd)
{
	return nng_socket_get_int(c->sub, NNG_OPT_RECVFD, fd);
}

/* Whether the message being read has events left. */
static int
client_unread(const struct ipc_client *c)
{
	return c->nheld > 0 &&
	    c->off < nng_msg_len(c->held[c->nheld - 1]);
}

void
ipc_client_release(struct ipc_client *c)
{
	size_t keep = client_unread(c) ? 1 : 0, i;

	for (i = 0; i + keep < c->nheld; i++)
		nng_msg_free(c->held[i]);
	if (keep)
		c->held[0] = c->held[c->nheld - 1];
	else
		c->off = 0;
	c->nheld = keep;
}

int
ipc_client_events_state(struct ipc_client *c, char *why, size_t n)
{
	int st;

	pthread_mutex_lock(&c->mu);
	st = c->admitted;
	if (why != NULL && n > 0)
		snprintf(why, n, "%s", c->refusal);
	pthread_mutex_unlock(&c->mu);
	return st;
}

unsigned long
ipc_client_events_hellos(struct ipc_client *c)
{
	unsigned long n;

	pthread_mutex_lock(&c->mu);
	n = c->hellos;
	pthread_mutex_unlock(&c->mu);
	return n;
}

unsigned long
ipc_client_command_conns(struct ipc_client *c)
{
	unsigned long n;

	pthread_mutex_lock(&c->mu);
	n = c->ctl_conns;
	pthread_mutex_unlock(&c->mu);
	return n;
}

/* The engine's answer to the events hello, which is not an event. */
static void
client_events_answer(struct ipc_client *c, nng_msg *msg)
{
	cJSON *o = cJSON_ParseWithLength(nng_msg_body(msg), nng_msg_len(msg));
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(o, "error");
	const char *code = "?", *m = "no reason given";

	pthread_mutex_lock(&c->mu);
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "ok"))) {
		c->admitted = 1;
		c->refusal[0] = '\0';
	} else {
		ipc_get_str(e, "code", &code);
		ipc_get_str(e, "message", &m);
		c->admitted = -1;
		snprintf(c->refusal, sizeof c->refusal, "%s (%s)", m, code);
		ipc_strip_controls(c->refusal);
	}
	pthread_mutex_unlock(&c->mu);
	cJSON_Delete(o);
	nng_msg_free(msg);
}

static int
client_take_raw(struct ipc_client *c, struct ipc_raw *r, int flags, char *err,
                size_t errlen)
{
	nng_msg *msg;
	int rv;

	while (!client_unread(c)) {
		rv = nng_recvmsg(c->sub, &msg, flags);
		if (rv == NNG_EAGAIN || rv == NNG_ETIMEDOUT)
			return 0;
		if (rv != 0) {
			snprintf(err, errlen, "%s", nng_strerror(rv));
			return -1;
		}
		/* Events begin with a topic; the hello's answer with '{'. */
		if (nng_msg_len(msg) > 0 &&
		    ((const char *)nng_msg_body(msg))[0] == '{') {
			client_events_answer(c, msg);
			continue;
		}
		c->msgs++;
		if (c->nheld == c->capheld) {
			size_t n = c->capheld ? c->capheld * 2 : 16;
			nng_msg **v = realloc(c->held, n * sizeof *v);

			if (v == NULL) {
				nng_msg_free(msg);
				snprintf(err, errlen, "out of memory");
				return -1;
			}
			c->held = v;
			c->capheld = n;
		}
		c->held[c->nheld++] = msg;
		c->off = 0;
	}
	msg = c->held[c->nheld - 1];
	return ipc_batch_next(nng_msg_body(msg), nng_msg_len(msg), &c->off, r,
	    err, errlen);
}

int
ipc_client_next_raw(struct ipc_client *c, struct ipc_raw *r, char *err,
                    size_t errlen)
{
	return client_take_raw(c, r, NNG_FLAG_NONBLOCK, err, errlen);
}

static int
client_take(struct ipc_client *c, struct ipc_event *ev, int flags, char *err,
            size_t errlen)
{
	struct ipc_raw r;
	int rv;

	memset(ev, 0, sizeof *ev);
	rv = client_take_raw(c, &r, flags, err, errlen);
	if (rv == 1)
		rv = ipc_event_parse(r.rec, r.len, ev, err, errlen) == 0 ? 1 : -1;
	/* The event owns its decoded JSON: nothing need be held. */
	ipc_client_release(c);
	return rv;
}

int
ipc_client_next_event(struct ipc_client *c, struct ipc_event *ev, char *err,
                      size_t errlen)
{
	return client_take(c, ev, NNG_FLAG_NONBLOCK, err, errlen);
}

int
ipc_client_wait_event(struct ipc_client *c, struct ipc_event *ev,
                      int timeout_ms)
{
	char err[256];
	int left = timeout_ms, slice, rv;

	/* Over TLS in slices, looking after the dialer between them. */
	for (;;) {
		client_unstick(c, CLIENT_SUB);
		slice = c->tls && left > CLIENT_TLS_SLICE_MS * 5 ?
		    CLIENT_TLS_SLICE_MS * 5 : left;
		nng_socket_set_ms(c->sub, NNG_OPT_RECVTIMEO, slice);
		rv = client_take(c, ev, 0, err, sizeof err);
		left -= slice;
		if (rv != 0 || left <= 0)
			return rv;
	}
}

const char *
ipc_client_ctl_url(const struct ipc_client *c)
{
	return c->ctl_url;
}

const char *
ipc_client_events_url(const struct ipc_client *c)
{
	return c->ev_url;
}

const char *
ipc_client_strerror(int err)
{
	return nng_strerror(err);
}

int
ipc_client_set_event_queue(struct ipc_client *c, int msgs)
{
	int rv = nng_socket_set_int(c->sub, NNG_OPT_RECVBUF, msgs);

	if (rv == 0)
		c->evqueue = msgs;
	return rv;
}

uint64_t
ipc_client_event_messages(const struct ipc_client *c)
{
	return c->msgs;
}
