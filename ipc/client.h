/*
 * ipc/client.h -- a small client for a tranche engine, used by the console,
 * `tranche ctl` and the tests.  It dials the control socket (REQ) and the
 * events socket (pair1; it says hello there with its token on every
 * connection, and the engine sends events only once it has accepted it)
 * without waiting for the engine to be there: NNG redials by itself, so a
 * client started before its engine, or one whose engine restarts,
 * reconnects with no help.
 *
 * Requests are synchronous with a timeout.  Each request gets an "id" of the
 * form NAME-PID-N unless the caller set one; NNG's REQ socket may resend a
 * request after a reconnect, and the engine answers a repeated id with its
 * first answer.
 */
#ifndef TRANCHE_IPC_CLIENT_H
#define TRANCHE_IPC_CLIENT_H

#include "ipc/codec.h"

struct ipc_client;

/* events_url may be NULL (derived from ctl_url).  name labels ids.  Not
 * for tls+tcp:// (that needs a CA: ipc_client_open_cfg). */
int ipc_client_open(struct ipc_client **out, const char *ctl_url,
                    const char *events_url, const char *name);

/* Everything a client may be told about reaching its engine. */
struct ipc_client_cfg {
	const char *ctl_url;
	const char *events_url;   /* NULL: derived from ctl_url */
	const char *name;         /* labels request ids */
	const char *tls_ca;       /* tls+tcp://: PEM file of the CA to verify
	                           * the engine's certificate with (required) */
	const char *tls_ca_label; /* where tls_ca came from, for messages:
	                           * "--tls-ca" (the default) or an env name */
	const char *token;        /* presented in the events hello; NULL: none
	                           * (enough over ipc:// as the engine's uid) */
};

/* 0 and *out, or a negative NNG error code with err saying what was wrong
 * (a bad URL, a missing or unreadable CA file ...). */
int ipc_client_open_cfg(struct ipc_client **out,
                        const struct ipc_client_cfg *cfg, char *err,
                        size_t errlen);

/*
 * Why requests are not getting through, as far as the dialers can tell: a
 * TLS handshake that failed because the engine's certificate did not verify,
 * or connections closed during the handshake (a tls+tcp:// engine dialled
 * as tcp://, or the other way round); or the last request was not sent,
 * being over TRANCHE_MAX_MSG (ipc_client_request() then returns
 * NNG_EMSGSIZE at once).  1 with a sentence in buf, 0 when
 * nothing is known.  Over TLS a request gives up early, with
 * NNG_EPEERAUTH, once the engine's certificate was refused and no
 * connection is up.
 */
int ipc_client_problem(struct ipc_client *c, char *buf, size_t n);

/* The engine's last answer to the events hello: 1 admitted, -1 refused
 * (why, if not NULL, gets its message and code), 0 none yet.  Answers are
 * read with the events, so this moves only as events are taken. */
int ipc_client_events_state(struct ipc_client *c, char *why, size_t n);
/* How many events hellos the client has sent (one a connection). */
unsigned long ipc_client_events_hellos(struct ipc_client *c);
/* How many command connections the client has made.  The engine knows a
 * client's hello per connection: one made since the last hello's answer
 * (an engine restarted on its journal, which a console may not even see
 * as lost) holds a session that has not said hello. */
unsigned long ipc_client_command_conns(struct ipc_client *c);

/* Start the events dialer afresh (a hung TLS handshake, see client.c);
 * 0 or an NNG error. */
int ipc_client_redial_events(struct ipc_client *c);
/* The same for the command (REQ) dialer: from the thread that makes the
 * requests only. */
int ipc_client_redial_commands(struct ipc_client *c);
/* Look after the events connection: over TLS, an events dialer with no
 * connection up for 3 s is started afresh (a handshake NNG 1.5.2 never
 * finishes).  Call it now and then from the thread that reads events
 * (ipc_client_wait_event does); 1 when it redialled.  Requests look
 * after their own dialer.  One thread for requests and one for events,
 * as ever: two threads on one side would redial it twice. */
int ipc_client_tend(struct ipc_client *c);
/* How many times a dialer of this client was started afresh. */
unsigned long ipc_client_redials(struct ipc_client *c);

/* How many events messages the client's queue holds (NNG_OPT_RECVBUF,
 * 8,192 unless set): 0 or an NNG error.  And how many it has received; a
 * message carries one loop pass's events (protocol 2). */
int ipc_client_set_event_queue(struct ipc_client *c, int msgs);
uint64_t ipc_client_event_messages(const struct ipc_client *c);
void ipc_client_close(struct ipc_client *c);

/*
 * Send `req` (an object; "id" is added when absent) and wait up to
 * timeout_ms for the reply.  0 and *reply set (caller frees), or a negative
 * NNG error code (use ipc_client_strerror).
 */
int ipc_client_request(struct ipc_client *c, cJSON *req, cJSON **reply,
                       int timeout_ms);

/* A descriptor that becomes readable when an event is waiting (for poll or
 * uv_poll); the client keeps it open. */
int ipc_client_event_fd(struct ipc_client *c, int *fd);

/* Receive one event without blocking: 1 and *ev filled, 0 if none is
 * waiting, negative on a decode error (err says what). */
int ipc_client_next_event(struct ipc_client *c, struct ipc_event *ev,
                          char *err, size_t errlen);

/*
 * Take one event without decoding it (ipc_batch_next()): 1 and *r filled,
 * 0 if none is waiting, negative on a malformed record (err says what).
 * r->rec stays valid until ipc_client_release(), so a caller can take a
 * whole drain, choose, decode what it needs, then release.
 */
int ipc_client_next_raw(struct ipc_client *c, struct ipc_raw *r, char *err,
                        size_t errlen);
/* Free the messages behind the raw events taken so far. */
void ipc_client_release(struct ipc_client *c);

/* Wait up to timeout_ms for one event (tests use this). */
int ipc_client_wait_event(struct ipc_client *c, struct ipc_event *ev,
                          int timeout_ms);

const char *ipc_client_ctl_url(const struct ipc_client *c);
const char *ipc_client_events_url(const struct ipc_client *c);
const char *ipc_client_strerror(int err);

#endif
