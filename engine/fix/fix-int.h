/*
 * fix-int.h -- the pieces of engine/fix/ that its files share and that the
 * unit tests drive directly: the codec, the dictionary, the store and the
 * pure session state machine.  Nothing outside engine/fix/ and
 * tests/unit/test-fix-*.c includes it; the layer's API is fix.h.
 *
 * The state machine is pure in the sense the tests need: time comes in as
 * an argument (nanoseconds of UTC wall time), bytes come in as framed
 * messages, and bytes go out into the session's output buffer, which the
 * acceptor (or a test) drains.  Only the store touches the file system.
 */
#ifndef TRANCHE_FIX_INT_H
#define TRANCHE_FIX_INT_H

#include <stdint.h>
#include <stddef.h>
#include <string.h>

#include "engine/fix/fix.h"

#define FIX_SOH '\001'
/* The largest BodyLength accepted; a larger one is garbled input and is
 * never buffered. */
#define FIX_MAX_BODY 65536
/* The longest ExecID a store keeps across a reset (S records), + 1. */
#define FIX_STORE_ID_CAP 80
/* Most fields one message may carry. */
#define FIX_MAX_FIELDS 1024
/* The largest difference between SendingTime and our clock. */
#define FIX_MAX_LATENCY_NS (120LL * 1000000000LL)

/* ---- codec (fix-codec.c) ---- */

/* Where the next complete message is in buf[0..len).  Returns 1 with
 * *start and *end set (the message is buf[*start..*end)), 0 when more
 * bytes are needed (*start says how many leading bytes are garbage and can
 * be dropped), -1 when the bytes up to *end are garbled framing (a
 * BodyLength that is not a number) and must be dropped, or -2 when the
 * BodyLength is above FIX_MAX_BODY (the connection is to be closed). */
int fix_frame(const char *buf, size_t len, size_t *start, size_t *end);

/* The tag of data field tag's length field (RawData 96: 95), or 0 when
 * tag is not one of FIX's data fields. */
int fix_data_len_tag(int tag);

struct fix_parsed {
	struct fix_field f[FIX_MAX_FIELDS];
	struct fix_msg m;
};
/* Splits one framed message into fields and checks what makes a message
 * garbled: 8, 9 and 35 first, a correct BodyLength, a CheckSum last and
 * correct, every field tag=value with a numeric tag, and a data field
 * right after its length field as long as that says (its value may hold
 * SOH).  0, or <0 with why
 * (a static string) in *why. */
int fix_parse(const char *raw, size_t len, struct fix_parsed *p, const char **why);

/* UTC "YYYYMMDD-HH:MM:SS" of ns since the epoch (buf >= 18 bytes). */
void fix_time_fmt(int64_t ns, char *buf, size_t cap);
/* Parses "YYYYMMDD-HH:MM:SS[.sss]": 0 and *ns, or -1. */
int fix_time_parse(const char *s, int len, int64_t *ns);

/* A message being built: header fields other than 8, 9, 35 are sorted by
 * tag (the way QuickFIX orders them, which the acceptance suite expects),
 * then the body as given, then 9 and 10 computed. */
struct fix_hdr {
	int tag;
	char val[64];
};
/* Writes a whole message into out (cap bytes): returns its length or -1
 * when it does not fit. */
long fix_build(char *out, size_t cap, const char *begin, const char *msgtype,
               struct fix_hdr *hdr, int nhdr, const char *body, size_t bodylen);

/* ---- dictionary (fix-dict.c) ---- */

struct fix_dict;
/* Loads a QuickFIX XML data dictionary: 0, or <0 with err naming the file,
 * the line and what was wrong. */
int fix_dict_load(struct fix_dict **out, const char *path, char *err, size_t errcap);
/* The built-in dictionary for "FIX.4.2" or "FIX.4.4" (NULL otherwise). */
int fix_dict_builtin(struct fix_dict **out, const char *version, char *err, size_t errcap);
void fix_dict_free(struct fix_dict *d);
const char *fix_dict_version(const struct fix_dict *d);
/* 1 when msgtype is a message of the dictionary. */
int fix_dict_has_msg(const struct fix_dict *d, const char *msgtype);
/* Whether tag is a field FIX.4.2 or FIX.4.4 (version) defines. */
int fix_std_tag(const char *version, int tag);
/* Session-level reject reasons (SessionRejectReason, 373). */
enum {
	FIX_REJ_INVALID_TAG = 0,
	FIX_REJ_REQUIRED_MISSING = 1,
	FIX_REJ_TAG_NOT_IN_MSG = 2,
	FIX_REJ_NO_VALUE = 4,
	FIX_REJ_BAD_VALUE = 5,
	FIX_REJ_BAD_FORMAT = 6,
	FIX_REJ_COMPID = 9,
	FIX_REJ_SENDING_TIME = 10,
	FIX_REJ_INVALID_MSGTYPE = 11,
	FIX_REJ_REPEATED_TAG = 13,
	FIX_REJ_OUT_OF_ORDER = 14,
	FIX_REJ_GROUP_COUNT = 16,
};
/* The Text QuickFIX and the acceptance suite use for a reason. */
const char *fix_reject_text(int reason);
/* A session-level rejection: SessionRejectReason and, when has_ref, the
 * RefTagID (which may be 0 or negative: the tag as the peer wrote it). */
struct fix_rej {
	int reason;
	int reftag;
	int has_ref;
};
/* Validates m against d: 0, or 1 with *r filled.  The checks run in the
 * order QuickFIX runs them (structure, MsgType, required fields, then each
 * field's value, number and place), so the first problem reported is the
 * one the acceptance suite expects. */
int fix_dict_validate(const struct fix_dict *d, const struct fix_msg *m, struct fix_rej *r);

/* 1 when MsgType mt is a session (admin) message: never sent again after
 * a reset, gap-filled in a resend.  "" (no MsgType) counts as one. */
static inline int fix_is_admin(const char *mt)
{
	return mt[0] == '\0' || (mt[1] == '\0' && strchr("012345A", mt[0]) != NULL);
}

/* ---- store (fix-store.c) ---- */

struct fix_store;
struct fix_store_rec {
	long long seq;
	long long off;
	size_t len;
	char type[4]; /* its MsgType, so a resend need not read admin ones */
	/* 1: its bytes went to a logged-on counterparty (fix_store_mark_sent,
	 * or at or below the file's last W record); 0: not known to have. */
	unsigned char sent;
};
/* Opens (creating) DIR/NAME.log and reads it back: 0, or <0 with err
 * naming the file, the offset and what was wrong. */
int fix_store_open(struct fix_store **out, const char *dir, const char *name,
                   char *err, size_t errcap);
void fix_store_close(struct fix_store *st);
long long fix_store_next_in(const struct fix_store *st);
long long fix_store_next_out(const struct fix_store *st);
/* An incoming message was processed (written; made durable with the next
 * sync or outgoing record). */
int fix_store_in(struct fix_store *st, long long seq);
/* An outgoing message, written, and with sync flushed to disk before it
 * returns (without, the next fix_store_sync() does it). */
int fix_store_out(struct fix_store *st, long long seq, const char *raw, size_t len, int sync);
/* Sets both numbers; in == out == 1 starts the file afresh, keeping the
 * ExecIDs of the reports sent that begin with the kept prefix. */
int fix_store_set(struct fix_store *st, long long in, long long out);
/* The prefix of the ExecIDs a reset keeps ("" keeps none: the default). */
void fix_store_keep_ids(struct fix_store *st, const char *prefix);
/* The ExecIDs kept from before the last reset (S records). */
int fix_store_id_count(const struct fix_store *st);
const char *fix_store_id(const struct fix_store *st, int i);
int fix_store_sync(struct fix_store *st);
/*
 * Which stored messages reached the counterparty.  fix_store_mark_sent()
 * says outgoing seq's bytes were written to a logged-on counterparty's
 * socket.  fix_store_mark_written() appends a W record of the low-water
 * mark, the highest number at or below which every stored application
 * message was sent, when it rose; the next sync makes it durable.
 * fix_store_written() gives the file's last W (-1: none);
 * fix_store_epoch() counts the file's fresh starts, so that a late mark of
 * the old numbering is told apart.
 */
void fix_store_mark_sent(struct fix_store *st, long long seq);
int fix_store_mark_written(struct fix_store *st);
long long fix_store_written(const struct fix_store *st);
unsigned fix_store_epoch(const struct fix_store *st);
/* The stored outgoing messages, oldest first. */
int fix_store_count(const struct fix_store *st);
const struct fix_store_rec *fix_store_rec(const struct fix_store *st, int i);
/* Reads message i into a malloc'd buffer (*raw, *len): 0 or <0. */
int fix_store_read(struct fix_store *st, int i, char **raw, size_t *len);
const char *fix_store_error(const struct fix_store *st);

/* ---- sessions and their state machine (fix-session.c) ---- */

struct fix_sess_cfg {
	char name[33];
	char version[16];
	char sender[64];
	char target[64];
	int heartbeat;
	char role[16];
	char user[64];
	char dictionary[512];
	int reset_on_disconnect;
	/* Messages a second the counterparty may send once logged on, on
	 * average over FIX_RATE_WINDOW_S seconds; more ends the session
	 * (every message answered is stored, so a flood would fill the
	 * disk). */
	int max_msg_rate;
};

#define FIX_RATE_DEFAULT 100
#define FIX_RATE_MAX 1000000
#define FIX_RATE_WINDOW_S 10

/* Reads the sessions file: 0 and a malloc'd array (*n entries), or <0 with
 * err naming the file, the index, the field and the value. */
int fix_sessions_load(const char *path, struct fix_sess_cfg **out, int *n,
                      char *err, size_t errcap);

/* The set of configured sessions (the acceptor's state without sockets). */
struct fix_engine;
int fix_engine_open(struct fix_engine **out, const struct fix_sess_cfg *cfg, int n,
                    const char *store_dir, const struct fix_app *app,
                    char *err, size_t errcap);
void fix_engine_close(struct fix_engine *e);
int fix_engine_count(const struct fix_engine *e);
struct fix_session *fix_engine_session(struct fix_engine *e, int i);

/* What the connection must do after a message or a tick. */
enum { FIX_CONT = 0, FIX_DISCONNECT = 1 };

/* The first message of a connection: finds the session it names and, when
 * it is a valid Logon for a session not already connected, binds conn to
 * it and processes the Logon.  Returns the session, or NULL when the
 * connection must be closed (*why says why). */
struct fix_session *fix_engine_logon(struct fix_engine *e, void *conn, int64_t now,
                                     const char *raw, size_t len, const char **why);
/* One framed message (raw bytes, maybe garbled) for a bound session. */
int fix_session_input(struct fix_session *s, int64_t now, const char *raw, size_t len);
/* Timers: heartbeat, test request, timeouts.  FIX_CONT or FIX_DISCONNECT. */
int fix_session_tick(struct fix_session *s, int64_t now);
/* The connection is gone (closed by either side). */
void fix_session_disconnected(struct fix_session *s, const char *why);
void *fix_session_conn(const struct fix_session *s);
/* Makes what the session stored durable (one fdatasync for a batch of
 * messages); when that fails the output is dropped and the session asks
 * to disconnect.  The acceptor calls it before it writes any byte. */
int fix_session_commit(struct fix_session *s);
/* The outgoing numbers of the bytes waiting (taken from the session with
 * them): once the bytes are written, fix_session_batch_sent() marks them
 * sent in the store (a batch of an earlier epoch, from before a reset, is
 * ignored); fix_batch_free() lets it go either way. */
struct fix_batch {
	long long *seq;
	int n;
	unsigned epoch;
};
void fix_session_take_batch(struct fix_session *s, struct fix_batch *b);
void fix_session_batch_sent(struct fix_session *s, const struct fix_batch *b);
void fix_batch_free(struct fix_batch *b);
/* Bytes waiting to be written to the connection (after a commit); the
 * caller copies them and clears the buffer. */
size_t fix_session_out_len(const struct fix_session *s);
const char *fix_session_out_buf(const struct fix_session *s);
void fix_session_out_clear(struct fix_session *s);
/* A ResendRequest's answer goes a chunk at a time: once the bytes
 * written before have gone, the acceptor asks for the next.  1 while
 * more is to come, 0 when none is (or the session is not logged on). */
int fix_session_pump(struct fix_session *s);
/* The acceptor's hook called after fix_send() queued bytes. */
void fix_session_set_kick(struct fix_session *s, void (*kick)(void *conn));
/* A clock for fix_send() (the acceptor passes the real one; tests a fake). */
void fix_engine_set_clock(struct fix_engine *e, int64_t (*now)(void));
long long fix_session_next_in(const struct fix_session *s);
long long fix_session_next_out(const struct fix_session *s);
const struct fix_sess_cfg *fix_session_cfg(const struct fix_session *s);
const char *fix_session_state(const struct fix_session *s);
/* The fix_acceptor_status() array for these sessions. */
cJSON *fix_engine_status(struct fix_engine *e);

#endif
