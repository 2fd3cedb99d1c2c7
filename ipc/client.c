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
 * An events message may hold several events (ipc/protocol.h).  The client
 * keeps the message it is reading and a cursor into it, so callers still
 * take one event at a time; ipc_client_next_raw() hands out events undecoded
 * and keeps every message they point into until ipc_client_release(), which
 * lets the console decide which of a whole drain it needs to decode.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/pubsub0/sub.h>
#include <nng/protocol/reqrep0/req.h>

#include <time.h>

#include "ipc/client.h"
#include "ipc/nngclose.h"
#include "ipc/protocol.h"

struct ipc_client {
	nng_socket req;
	nng_socket sub;
	char ctl_url[512];
	char ev_url[512];
	char name[64];
	unsigned long next_id;
	unsigned long nonce;  /* tells apart clients of one process */
	nng_msg **held;       /* messages raw events point into; last is read */
	size_t nheld, capheld;
	size_t off;           /* cursor in the last held message */
};

int
ipc_client_open(struct ipc_client **out, const char *ctl_url,
                const char *events_url, const char *name)
{
	struct ipc_client *c;
	int rv;

	*out = NULL;
	if ((c = calloc(1, sizeof *c)) == NULL)
		return NNG_ENOMEM;
	snprintf(c->ctl_url, sizeof c->ctl_url, "%s", ctl_url);
	snprintf(c->name, sizeof c->name, "%s", name ? name : "client");
	/* The engine remembers ids across connections: two clients of one
	 * process (or a pid reused later) must not share them. */
	{
		struct timespec ts;
		static unsigned long opened;

		clock_gettime(CLOCK_REALTIME, &ts);
		c->nonce = ((unsigned long)ts.tv_sec * 1000003UL) ^
		    (unsigned long)ts.tv_nsec ^ (++opened << 40);
	}
	if (events_url != NULL)
		snprintf(c->ev_url, sizeof c->ev_url, "%s", events_url);
	else if (ipc_events_url(ctl_url, c->ev_url, sizeof c->ev_url) != 0) {
		free(c);
		return NNG_EADDRINVAL;
	}
	if ((rv = nng_req0_open(&c->req)) != 0) {
		free(c);
		return rv;
	}
	if ((rv = nng_sub0_open(&c->sub)) != 0) {
		nng_close(c->req);
		free(c);
		return rv;
	}
	nng_socket_set_size(c->req, NNG_OPT_RECVMAXSZ, TRANCHE_MAX_MSG * 16);
	nng_socket_set_size(c->sub, NNG_OPT_RECVMAXSZ, TRANCHE_MAX_MSG * 16);
	nng_socket_set_ms(c->req, NNG_OPT_RECONNMINT, 50);
	nng_socket_set_ms(c->req, NNG_OPT_RECONNMAXT, 1000);
	nng_socket_set_ms(c->sub, NNG_OPT_RECONNMINT, 50);
	nng_socket_set_ms(c->sub, NNG_OPT_RECONNMAXT, 1000);
	/* A deep receive queue: the console drains it every wakeup, and a gap
	 * still ends in a snapshot, but bursts should not cost one. */
	nng_socket_set_int(c->sub, NNG_OPT_RECVBUF, 8192);
	nng_socket_set(c->sub, NNG_OPT_SUB_SUBSCRIBE, "", 0);
	if ((rv = nng_dial(c->req, c->ctl_url, NULL, NNG_FLAG_NONBLOCK)) != 0 ||
	    (rv = nng_dial(c->sub, c->ev_url, NULL, NNG_FLAG_NONBLOCK)) != 0) {
		ipc_client_close(c);
		return rv;
	}
	*out = c;
	return 0;
}

void
ipc_client_close(struct ipc_client *c)
{
	if (c == NULL)
		return;
	ipc_nng_close(c->req, 2000);
	ipc_nng_close(c->sub, 2000);
	while (c->nheld > 0)
		nng_msg_free(c->held[--c->nheld]);
	free(c->held);
	free(c);
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
	nng_socket_set_ms(c->req, NNG_OPT_SENDTIMEO, timeout_ms);
	nng_socket_set_ms(c->req, NNG_OPT_RECVTIMEO, timeout_ms);
	rv = nng_send(c->req, body, strlen(body), 0);
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

	nng_socket_set_ms(c->sub, NNG_OPT_RECVTIMEO, timeout_ms);
	return client_take(c, ev, 0, err, sizeof err);
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
