/*
 * ipc/codec.h -- encoding and decoding of tranche messages, shared by the
 * engine, the console, `tranche ctl` and the tests.  Nothing here touches a
 * socket: it turns bytes into checked JSON and back, so the fuzzer can reach
 * every line of it.
 */
#ifndef TRANCHE_IPC_CODEC_H
#define TRANCHE_IPC_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

/* A decoded event: TOPIC '\0' JSON. */
struct ipc_event {
	char topic[32];
	uint64_t seq;
	int64_t t;
	cJSON *json; /* the whole object, owned by the event */
};

/*
 * Format an event into a malloc'd buffer "TOPIC\0JSON" (NUL-terminated,
 * the terminator not counted in *len).  The JSON is v, seq and t followed by
 * the members of `payload`, which must not have those three and stays the
 * caller's.  Returns NULL on allocation failure.
 */
char *ipc_event_format(const char *topic, uint64_t seq, int64_t t,
                       cJSON *payload, size_t *len);

/* Decode an event; 0, or -1 with a message in err naming what was wrong. */
int ipc_event_parse(const void *buf, size_t len, struct ipc_event *ev,
                    char *err, size_t errlen);
void ipc_event_free(struct ipc_event *ev);

/*
 * One event of an events message, found but not decoded.  An events message
 * holds one or more events separated by '\n' (ipc/protocol.h); a consumer
 * that wants only some of them -- the newest book of a batch -- decodes
 * those with ipc_event_parse(rec, len) and only counts the others.  `head`
 * is 1 when seq and t were read from the leading "v", "seq", "t" that
 * ipc_event_format() writes; otherwise they are 0 and only a full decode
 * can tell.  rec points into the caller's buffer.
 */
struct ipc_raw {
	char topic[32];
	const char *rec; /* TOPIC '\0' JSON */
	size_t len;
	uint64_t seq;
	int64_t t;
	int head;
};

/*
 * The next event of an events message at *off: 1 and *r filled, 0 at the
 * end, -1 if the record there is malformed (err says why; *off has moved
 * past it, so the caller may go on).
 */
int ipc_batch_next(const char *buf, size_t len, size_t *off,
                   struct ipc_raw *r, char *err, size_t errlen);

/*
 * The string value of a top-level member `name` of the JSON object `json`
 * (len bytes), without decoding the rest: its raw bytes (escapes not
 * undone) in *val and *vlen.  0, or -1 when there is no such member or it
 * is not a string.  Used to tell apart events by "sym" or "id" cheaply.
 */
int ipc_raw_str(const char *json, size_t len, const char *name,
                const char **val, size_t *vlen);

/*
 * A trade event's payload (JSON, len bytes) read without cJSON
 * (ipc/codec-trade.c): 0 and *tr filled when it is in the compact form the
 * engine writes, else -1 and the caller decodes it in full -- the two
 * agree on everything this accepts.  A member absent leaves its has_ 0.
 */
struct ipc_trade {
	int64_t px, qty;
	int has_px, has_qty, has_aggr;
	int buy;        /* "aggr":"buy" */
	char sym[16];   /* "" when absent */
};
int ipc_trade_fast(const char *json, size_t len, struct ipc_trade *tr);

/*
 * Decode a command: size, nesting depth, strict JSON (ipc_json_strict), an
 * object, "cmd" and "id" strings.  A control character (C0, DEL, C1) in any
 * string is refused, except in the free-text members "reason" and "client"
 * of the command object, where it is removed.  On failure returns -1, sets
 * *code to an ERR_* and writes a message that names the field and value
 * (escaped as ipc_show() does); *root is NULL.  On success *root is the
 * object (caller frees), each number in it keeping its spelling as sent
 * (ipc_number_spelling()).
 */
int ipc_command_parse(const void *buf, size_t len, cJSON **root,
                      const char **code, char *err, size_t errlen);
/* A number of a command ipc_command_parse() decoded, spelt as it was sent
 * ("1.50", "1e2"), for a refusal to quote; NULL for anything else. */
const char *ipc_number_spelling(const cJSON *f);
/* The longest id a command may carry, in bytes. */
#define IPC_ID_MAX 128
/*
 * The id of a command ipc_command_parse() refused, for its refusal: 0 and
 * the id in id[] (idlen > IPC_ID_MAX) when the bytes, read as plain JSON,
 * are one object whose "id" appears once and is a valid id; -1 when no
 * id can be read (not JSON, over the size limit, no id, an invalid one,
 * or "id" twice, which ipc_command_parse() then names as the fault).
 */
int ipc_command_id(const void *buf, size_t len, char *id, size_t idlen);

/*
 * Check that buf holds exactly one JSON value as RFC 8259 defines it, and
 * nothing cJSON would read differently from another parser: numbers in
 * decimal syntax only and finite as doubles (neither overflowing nor
 * underflowing to 0), nothing but whitespace after the value, no key twice
 * in one object (compared after escapes are undone), strings of valid
 * UTF-8 with no unpaired surrogate escape, no \u0000 anywhere and no
 * control character in a key, and nesting no deeper than
 * TRANCHE_MAX_JSON_DEPTH.  0, or -1 with *code ERR_PARSE (not JSON) or
 * ERR_FIELD (JSON, but not text this engine accepts) and a message naming
 * the member and showing the value.
 */
int ipc_json_strict(const void *buf, size_t len, const char **code,
                    char *err, size_t errlen);

/* Replies. */
cJSON *ipc_reply_ok(const char *id);
cJSON *ipc_reply_error(const char *id, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Field getters that check type; 0 found and right, -1 absent, -2 wrong type.
 * Integers may travel as numbers (if integral and below 2^53) or strings
 * of decimal digits with an optional '-'.  Numbers may travel as strings
 * in JSON number syntax (ipc_decimal), with a '%' after them allowed. */
int ipc_get_str(const cJSON *o, const char *name, const char **out);
int ipc_get_i64(const cJSON *o, const char *name, int64_t *out);
int ipc_get_num(const cJSON *o, const char *name, double *out);
/* A name, an enum value, an id or a token: as ipc_get_str(), and -3 when
 * it holds a control character (C0, DEL, C1) or is not valid UTF-8. */
int ipc_get_name(const cJSON *o, const char *name, const char **out);

/* A number in JSON syntax (RFC 8259: no '+', no leading zeros, no hex, no
 * inf or nan, no spaces) of len bytes, finite as a double and not a
 * non-zero that underflows to 0: 0 and *out, or -1. */
int ipc_decimal(const char *s, size_t len, double *out);
/* A number as a person types one on a command line or in a prompt: a
 * decimal as ipc_decimal() takes, and also with a '+', leading zeros, or
 * nothing before or after the point (".5", "1.", "+5", "05"); never hex,
 * inf, nan, a comma or a space, whatever the locale.  0 and *out, or -1. */
int ipc_number_text(const char *s, double *out);

/* The length of the valid UTF-8 character at s (len bytes available) and
 * its code point in *cp, or 0 when the bytes there are not one. */
size_t ipc_utf8_char(const char *s, size_t len, uint32_t *cp);
/* 1 when s (len bytes) is valid UTF-8: no overlong form, no surrogate,
 * nothing past U+10FFFF, nothing cut short. */
int ipc_utf8_valid(const char *s, size_t len);
/* Cut s to at most max bytes without splitting a character (a character
 * already cut short at the end goes too); returns s. */
char *ipc_utf8_cut(char *s, size_t max);
/*
 * Text made safe to print inside a message: control characters (and NUL)
 * as \uXXXX, bytes that are not valid UTF-8 as \xNN, the rest as it is;
 * longer than n - 1 bytes, it ends in "..." and is cut on a character.
 * Returns dst.
 */
char *ipc_show(char *dst, size_t n, const char *src, size_t len);

/* Add an int64 as a decimal string (ids, times). */
cJSON *ipc_add_i64_str(cJSON *o, const char *name, int64_t v);

/* Remove control characters (C0, DEL, C1, ESC sequences lose their ESC) in
 * place; returns s. */
char *ipc_strip_controls(char *s);

/* Maximum JSON nesting depth of a buffer, without parsing it fully. */
int ipc_json_depth(const char *buf, size_t len);

/* Endpoints.  The default control URL is ipc://DIR/ctl where DIR is
 * $XDG_RUNTIME_DIR/tranche or /tmp/tranche-UID; ipc_default_dir() creates
 * DIR (mode 0700) if needed.  The events URL is derived from the control
 * URL: ipc://P -> ipc://P.events, tcp://H:N -> tcp://H:N+1. */
int ipc_default_dir(char *buf, size_t n);
int ipc_default_url(char *buf, size_t n);
int ipc_events_url(const char *ctl_url, char *buf, size_t n);

#endif
