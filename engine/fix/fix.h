/*
 * fix.h -- the FIX session layer: the whole API of engine/fix/.
 *
 * This layer speaks the FIX session protocol (FIX.4.2 and FIX.4.4) as an
 * acceptor on a libuv loop: it frames and checks messages, validates them
 * against a data dictionary, keeps sequence numbers, answers heartbeats,
 * test requests, resend requests and sequence resets, and keeps a durable
 * store of every message it sent so that a restart (kill -9 included)
 * resumes at the right numbers.  It knows nothing of blocks, algorithms or
 * the engine's server: the application above it (server-fix.c, or the echo
 * application of `tranched fix-echo`) sees only the callbacks of struct
 * fix_app and the calls below.  The formats (sessions file, store) are in
 * tranche-fix(7).
 */
#ifndef TRANCHE_FIX_H
#define TRANCHE_FIX_H

#include <stddef.h>
#include <uv.h>
#include <cjson/cJSON.h>

/* A parsed message: fields in wire order, values point into raw (not
 * NUL-terminated). */
struct fix_field {
	int tag;
	const char *val;
	int len;
};
struct fix_msg {
	const struct fix_field *f;
	int n;
	const char *raw;
	size_t rawlen;
};

/* The first field with this tag, copied and NUL-terminated: 0, -1 absent,
 * -2 too long for cap. */
int fix_get_str(const struct fix_msg *m, int tag, char *out, size_t cap);
/* The first field with this tag as a number: 0 and *v set, -1 absent,
 * -2 not a number. */
int fix_get_int(const struct fix_msg *m, int tag, long long *v);
int fix_get_num(const struct fix_msg *m, int tag, double *v);

/* An outgoing application message's body; the session adds
 * 8, 9, 35, 34, 49, 56, 52, (43, 122) and 10. */
#define FIX_OUT_MAX 4096
struct fix_out {
	char msgtype[4];
	char body[FIX_OUT_MAX];
	size_t len;
	int overflow;
};
void fix_out_begin(struct fix_out *o, const char *msgtype);
/* Refuses SOH inside v, and a body that would pass FIX_OUT_MAX, by setting
 * overflow (fix_send then refuses the message). */
void fix_out_str(struct fix_out *o, int tag, const char *v);
void fix_out_int(struct fix_out *o, int tag, long long v);
void fix_out_num(struct fix_out *o, int tag, double v, int decimals);

/* The application's callbacks. */
struct fix_session;
struct fix_app {
	void *ud;
	void (*on_logon)(void *ud, struct fix_session *s);
	void (*on_logout)(void *ud, struct fix_session *s, const char *why);
	/* An application message: in sequence, exactly once across reconnects
	 * and restarts (a PossDup resend of one already delivered is not
	 * delivered again).  A message the application refuses at the business
	 * level is answered by the application (an ExecutionReport or
	 * BusinessMessageReject), not by the session. */
	void (*on_app)(void *ud, struct fix_session *s, const struct fix_msg *m);
};

struct fix_opts {
	const char *url;      /* tcp://HOST:PORT (port 0: any free port) */
	const char *sessions; /* the sessions file (JSON; see tranche-fix(7)) */
	const char *store;    /* directory for the durable store (made if absent) */
	/* 1: every session starts again at MsgSeqNum 1 after a disconnect
	 * (QuickFIX's ResetOnDisconnect; what fix-echo and the acceptance
	 * suite use).  0 (the engine): numbers persist across connections and
	 * restarts.  A session's "reset_on_disconnect" in the sessions file
	 * overrides it. */
	int reset_on_disconnect;
};

struct fix_acceptor;
/* 0 and *out, or <0 with err naming the file, field and value that was
 * wrong. */
int fix_acceptor_open(struct fix_acceptor **out, uv_loop_t *loop,
                      const struct fix_opts *o, const struct fix_app *app,
                      char *err, size_t errcap);
/* Closes every handle; the loop runs them out, then memory is freed. */
void fix_acceptor_close(struct fix_acceptor *a);
/* The port the acceptor listens on (useful after port 0), or <0. */
int fix_acceptor_port(const struct fix_acceptor *a);

struct fix_session *fix_session_find(struct fix_acceptor *a, const char *name);
const char *fix_session_name(const struct fix_session *s); /* the sessions file's name */
const char *fix_session_role(const struct fix_session *s); /* "trader", "supervisor", ... */
const char *fix_session_user(const struct fix_session *s); /* the person/system audit names */
int fix_session_logged_on(const struct fix_session *s);

/* Queue an application message: given the next MsgSeqNum, stored durably
 * BEFORE any byte is written, sent now if logged on, otherwise kept for the
 * counterparty's ResendRequest.  Returns the MsgSeqNum (>0) or <0 (store
 * failed or the message overflowed: nothing sent, nothing numbered). */
long long fix_send(struct fix_session *s, const struct fix_out *o);

/* Every application message this session has sent (from the store, oldest
 * first), so that an application restarted after kill -9 knows what it
 * already reported.  Returns the count or <0. */
int fix_session_each_sent(struct fix_session *s,
                          void (*cb)(void *ud, long long seq, const struct fix_msg *m),
                          void *ud);

/* ExecutionReports whose ExecID begins with prefix are the application's
 * own and outlive a reset of the numbers (a Logon with ResetSeqNumFlag, a
 * reset on disconnect): the store keeps their ExecIDs when it starts
 * afresh.  cb is called with each kept from before the last reset, so
 * that with fix_session_each_sent the application knows every report it
 * sent.  Returns their count. */
int fix_session_keep_sent(struct fix_session *s, const char *prefix,
                          void (*cb)(void *ud, const char *execid), void *ud);

/* [{name, sender, target, version, role, state, next_in, next_out,
 * heartbeat}] */
cJSON *fix_acceptor_status(struct fix_acceptor *a);

#endif
