/*
 * ipc/codec.c -- turning wire bytes into checked JSON and back.
 *
 * Everything that arrives from a socket passes through here before anything
 * acts on it: the size and nesting depth are checked before cJSON sees the
 * bytes (cJSON recurses, and a deep document is a cheap way to exhaust a
 * stack), the body is parsed with an explicit length (NNG bodies are not
 * NUL-terminated), and every string in an accepted command has its control
 * characters removed so nothing typed by a peer can reach a terminal as an
 * escape sequence.  Error messages name the field and the value, because the
 * person reading them is at a desk with a block order working.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ipc/codec.h"
#include "ipc/protocol.h"

char *
ipc_event_format(const char *topic, uint64_t seq, int64_t t, cJSON *payload,
                 size_t *len)
{
	char head[96], *json, *out;
	size_t tl, hl, jl;

	/* v, seq and t lead the object so a human reading a capture sees them
	 * first; the payload's own members follow. */
	json = cJSON_PrintUnformatted(payload);
	if (json == NULL)
		return NULL;
	jl = strlen(json);
	hl = (size_t)snprintf(head, sizeof head, "{\"v\":%d,\"seq\":%llu,\"t\":\"%lld\"%s",
	    TRANCHE_PROTO_VERSION, (unsigned long long)seq, (long long)t,
	    jl > 2 ? "," : "}");
	tl = strlen(topic);
	out = malloc(tl + 1 + hl + jl + 1);
	if (out != NULL) {
		memcpy(out, topic, tl + 1);
		memcpy(out + tl + 1, head, hl);
		/* Skip the payload's opening brace; an empty payload adds nothing. */
		if (jl > 2) {
			memcpy(out + tl + 1 + hl, json + 1, jl - 1);
			hl += jl - 1;
		}
		out[tl + 1 + hl] = '\0';
		*len = tl + 1 + hl;
	}
	cJSON_free(json);
	return out;
}

int
ipc_event_parse(const void *buf, size_t len, struct ipc_event *ev, char *err,
                size_t errlen)
{
	const char *p = buf, *nul;
	size_t tl;
	const char *ts;
	int64_t seq;

	memset(ev, 0, sizeof *ev);
	if (len > TRANCHE_MAX_MSG) {
		snprintf(err, errlen, "event of %zu bytes: over the %d byte limit",
		    len, TRANCHE_MAX_MSG);
		return -1;
	}
	nul = memchr(p, '\0', len);
	if (nul == NULL) {
		snprintf(err, errlen, "event has no topic terminator");
		return -1;
	}
	tl = (size_t)(nul - p);
	if (tl == 0 || tl >= sizeof ev->topic) {
		snprintf(err, errlen, "event topic length %zu: must be 1..%zu",
		    tl, sizeof ev->topic - 1);
		return -1;
	}
	memcpy(ev->topic, p, tl);
	ev->topic[tl] = '\0';
	ipc_strip_controls(ev->topic);
	if (ipc_json_depth(nul + 1, len - tl - 1) > TRANCHE_MAX_JSON_DEPTH) {
		snprintf(err, errlen, "event %s: JSON nested deeper than %d",
		    ev->topic, TRANCHE_MAX_JSON_DEPTH);
		return -1;
	}
	ev->json = cJSON_ParseWithLength(nul + 1, len - tl - 1);
	if (ev->json == NULL || !cJSON_IsObject(ev->json)) {
		snprintf(err, errlen, "event %s: body is not a JSON object",
		    ev->topic);
		ipc_event_free(ev);
		return -1;
	}
	if (ipc_get_i64(ev->json, "seq", &seq) != 0 || seq < 0) {
		snprintf(err, errlen, "event %s: missing or bad \"seq\"", ev->topic);
		ipc_event_free(ev);
		return -1;
	}
	ev->seq = (uint64_t)seq;
	if (ipc_get_str(ev->json, "t", &ts) == 0)
		ev->t = strtoll(ts, NULL, 10);
	return 0;
}

/* Read an unsigned decimal at *p (below end); 1 and *v, or 0. */
static int
codec_digits(const char **p, const char *end, uint64_t *v)
{
	const char *q = *p;
	uint64_t x = 0;

	if (q >= end || *q < '0' || *q > '9')
		return 0;
	while (q < end && *q >= '0' && *q <= '9') {
		if (x > (UINT64_MAX - 9) / 10)
			return 0;
		x = x * 10 + (uint64_t)(*q++ - '0');
	}
	*p = q;
	*v = x;
	return 1;
}

static int
codec_lit(const char **p, const char *end, const char *lit)
{
	size_t n = strlen(lit);

	if ((size_t)(end - *p) < n || memcmp(*p, lit, n) != 0)
		return 0;
	*p += n;
	return 1;
}

/* The leading {"v":N,"seq":N,"t":"N" that ipc_event_format() writes. */
static void
codec_raw_head(const char *p, const char *end, struct ipc_raw *r)
{
	uint64_t v, seq, t;
	int neg = 0;

	if (!codec_lit(&p, end, "{\"v\":") || !codec_digits(&p, end, &v) ||
	    !codec_lit(&p, end, ",\"seq\":") || !codec_digits(&p, end, &seq) ||
	    !codec_lit(&p, end, ",\"t\":\""))
		return;
	if (p < end && *p == '-')
		neg = 1, p++;
	if (!codec_digits(&p, end, &t) || t > INT64_MAX ||
	    !codec_lit(&p, end, "\"") || seq > 9007199254740992ULL)
		return;
	r->seq = seq;
	r->t = neg ? -(int64_t)t : (int64_t)t;
	r->head = 1;
}

int
ipc_batch_next(const char *buf, size_t len, size_t *off, struct ipc_raw *r,
               char *err, size_t errlen)
{
	const char *p, *nl, *nul;
	size_t o = *off, tl;

	memset(r, 0, sizeof *r);
	if (o >= len)
		return 0;
	p = buf + o;
	nl = memchr(p, '\n', len - o);
	r->rec = p;
	r->len = nl != NULL ? (size_t)(nl - p) : len - o;
	*off = nl != NULL ? o + r->len + 1 : len;
	if (r->len > TRANCHE_MAX_MSG) {
		snprintf(err, errlen, "event of %zu bytes: over the %d byte limit",
		    r->len, TRANCHE_MAX_MSG);
		return -1;
	}
	nul = memchr(p, '\0', r->len);
	if (nul == NULL) {
		snprintf(err, errlen, "event has no topic terminator");
		return -1;
	}
	tl = (size_t)(nul - p);
	if (tl == 0 || tl >= sizeof r->topic) {
		snprintf(err, errlen, "event topic length %zu: must be 1..%zu",
		    tl, sizeof r->topic - 1);
		return -1;
	}
	memcpy(r->topic, p, tl);
	r->topic[tl] = '\0';
	ipc_strip_controls(r->topic);
	codec_raw_head(nul + 1, p + r->len, r);
	return 1;
}

/* The end of the JSON string whose opening quote is at p: the index of
 * its closing quote, or end. */
static const char *
codec_str_end(const char *p, const char *end)
{
	for (p++; p < end; p++) {
		if (*p == '\\')
			p++;
		else if (*p == '"')
			return p;
	}
	return end;
}

int
ipc_raw_str(const char *json, size_t len, const char *name, const char **val,
            size_t *vlen)
{
	const char *p = json, *end = json + len, *q;
	size_t nl = strlen(name);
	int depth = 0;

	for (; p < end; p++) {
		if (*p == '{' || *p == '[') {
			depth++;
			continue;
		}
		if (*p == '}' || *p == ']') {
			depth--;
			continue;
		}
		if (*p != '"')
			continue;
		q = codec_str_end(p, end);
		if (q >= end)
			return -1;
		if (depth == 1 && (size_t)(q - p - 1) == nl &&
		    memcmp(p + 1, name, nl) == 0) {
			const char *c = q + 1;

			while (c < end && (*c == ' ' || *c == '\t' || *c == '\r'))
				c++;
			if (c < end && *c == ':') {
				for (c++; c < end && (*c == ' ' || *c == '\t' ||
				    *c == '\r'); c++)
					;
				if (c >= end || *c != '"')
					return -1;
				q = codec_str_end(c, end);
				if (q >= end)
					return -1;
				*val = c + 1;
				*vlen = (size_t)(q - c - 1);
				return 0;
			}
		}
		p = q;
	}
	return -1;
}

void
ipc_event_free(struct ipc_event *ev)
{
	if (ev->json != NULL)
		cJSON_Delete(ev->json);
	ev->json = NULL;
}

int
ipc_json_depth(const char *buf, size_t len)
{
	int depth = 0, max = 0, in_str = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		char c = buf[i];

		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = 0;
			continue;
		}
		if (c == '"')
			in_str = 1;
		else if (c == '{' || c == '[') {
			if (++depth > max)
				max = depth;
		} else if (c == '}' || c == ']')
			depth--;
	}
	return max;
}

/* Strip control characters from every string in a JSON tree. */
static void
codec_strip_tree(cJSON *o)
{
	cJSON *c;

	for (c = o; c != NULL; c = c->next) {
		if (cJSON_IsString(c) && c->valuestring != NULL)
			ipc_strip_controls(c->valuestring);
		if (c->string != NULL)
			ipc_strip_controls(c->string);
		if (c->child != NULL)
			codec_strip_tree(c->child);
	}
}

int
ipc_command_parse(const void *buf, size_t len, cJSON **root,
                  const char **code, char *err, size_t errlen)
{
	cJSON *o, *cmd, *id;

	*root = NULL;
	if (len > TRANCHE_MAX_MSG) {
		*code = ERR_TOO_BIG;
		snprintf(err, errlen, "command of %zu bytes: over the %d byte limit",
		    len, TRANCHE_MAX_MSG);
		return -1;
	}
	if (ipc_json_depth(buf, len) > TRANCHE_MAX_JSON_DEPTH) {
		*code = ERR_TOO_BIG;
		snprintf(err, errlen, "command JSON nested deeper than %d",
		    TRANCHE_MAX_JSON_DEPTH);
		return -1;
	}
	o = cJSON_ParseWithLength(buf, len);
	if (o == NULL) {
		*code = ERR_PARSE;
		snprintf(err, errlen, "command is not valid JSON (%zu bytes)", len);
		return -1;
	}
	if (!cJSON_IsObject(o)) {
		*code = ERR_PARSE;
		snprintf(err, errlen, "command must be a JSON object");
		cJSON_Delete(o);
		return -1;
	}
	codec_strip_tree(o->child);
	id = cJSON_GetObjectItemCaseSensitive(o, "id");
	if (!cJSON_IsString(id) || id->valuestring[0] == '\0' ||
	    strlen(id->valuestring) > 128) {
		*code = ERR_FIELD;
		snprintf(err, errlen, "field \"id\": must be a string of 1..128 "
		    "characters");
		cJSON_Delete(o);
		return -1;
	}
	cmd = cJSON_GetObjectItemCaseSensitive(o, "cmd");
	if (!cJSON_IsString(cmd)) {
		*code = ERR_FIELD;
		snprintf(err, errlen, "field \"cmd\": missing or not a string");
		cJSON_Delete(o);
		return -1;
	}
	*root = o;
	return 0;
}

cJSON *
ipc_reply_ok(const char *id)
{
	cJSON *r = cJSON_CreateObject();

	if (r == NULL)
		return NULL;
	cJSON_AddBoolToObject(r, "ok", 1);
	if (id != NULL)
		cJSON_AddStringToObject(r, "id", id);
	return r;
}

cJSON *
ipc_reply_error(const char *id, const char *code, const char *fmt, ...)
{
	cJSON *r = cJSON_CreateObject(), *e;
	char msg[512];
	va_list ap;

	if (r == NULL)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	ipc_strip_controls(msg);
	cJSON_AddBoolToObject(r, "ok", 0);
	if (id != NULL)
		cJSON_AddStringToObject(r, "id", id);
	e = cJSON_AddObjectToObject(r, "error");
	cJSON_AddStringToObject(e, "code", code);
	cJSON_AddStringToObject(e, "message", msg);
	return r;
}

int
ipc_get_str(const cJSON *o, const char *name, const char **out)
{
	const cJSON *f = cJSON_GetObjectItemCaseSensitive(o, name);

	if (f == NULL)
		return -1;
	if (!cJSON_IsString(f) || f->valuestring == NULL)
		return -2;
	*out = f->valuestring;
	return 0;
}

int
ipc_get_i64(const cJSON *o, const char *name, int64_t *out)
{
	const cJSON *f = cJSON_GetObjectItemCaseSensitive(o, name);
	char *end;
	long long v;

	if (f == NULL)
		return -1;
	if (cJSON_IsNumber(f)) {
		double d = f->valuedouble;

		if (!isfinite(d) || d != floor(d) || fabs(d) > 9007199254740992.0)
			return -2;
		*out = (int64_t)d;
		return 0;
	}
	if (cJSON_IsString(f) && f->valuestring[0] != '\0') {
		errno = 0;
		v = strtoll(f->valuestring, &end, 10);
		if (errno != 0 || *end != '\0')
			return -2;
		*out = v;
		return 0;
	}
	return -2;
}

int
ipc_get_num(const cJSON *o, const char *name, double *out)
{
	const cJSON *f = cJSON_GetObjectItemCaseSensitive(o, name);
	char *end;
	double v;

	if (f == NULL)
		return -1;
	if (cJSON_IsNumber(f) && isfinite(f->valuedouble)) {
		*out = f->valuedouble;
		return 0;
	}
	if (cJSON_IsString(f) && f->valuestring[0] != '\0') {
		v = strtod(f->valuestring, &end);
		if (*end == '%')
			end++;
		if (*end != '\0' || !isfinite(v))
			return -2;
		*out = v;
		return 0;
	}
	return -2;
}

cJSON *
ipc_add_i64_str(cJSON *o, const char *name, int64_t v)
{
	char buf[32];

	snprintf(buf, sizeof buf, "%lld", (long long)v);
	return cJSON_AddStringToObject(o, name, buf);
}

char *
ipc_strip_controls(char *s)
{
	unsigned char *r = (unsigned char *)s, *w = (unsigned char *)s;

	for (; *r != '\0'; r++) {
		/* C0 controls, DEL; and the UTF-8 encoding of C1 (0xC2 0x80-0x9F),
		 * judged on the output so that removing a C0 between the two
		 * bytes cannot join them into a C1 (found by tests/fuzz). */
		if (*r < 0x20 || *r == 0x7f)
			continue;
		if (*r >= 0x80 && *r <= 0x9f && w > (unsigned char *)s &&
		    w[-1] == 0xc2) {
			w--;
			continue;
		}
		*w++ = *r;
	}
	*w = '\0';
	return s;
}

int
ipc_default_dir(char *buf, size_t n)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	int len;

	if (xdg != NULL && xdg[0] == '/')
		len = snprintf(buf, n, "%s/tranche", xdg);
	else
		len = snprintf(buf, n, "/tmp/tranche-%u", (unsigned)getuid());
	if (len < 0 || (size_t)len >= n)
		return -ENAMETOOLONG;
	if (mkdir(buf, 0700) != 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int
ipc_default_url(char *buf, size_t n)
{
	char dir[256];
	int rv, len;

	if ((rv = ipc_default_dir(dir, sizeof dir)) != 0)
		return rv;
	len = snprintf(buf, n, "ipc://%s/ctl", dir);
	return (len < 0 || (size_t)len >= n) ? -ENAMETOOLONG : 0;
}

int
ipc_events_url(const char *ctl, char *buf, size_t n)
{
	int len;

	if (strncmp(ctl, "ipc://", 6) == 0) {
		len = snprintf(buf, n, "%s.events", ctl);
	} else if (strncmp(ctl, "tcp://", 6) == 0 ||
	    strncmp(ctl, "tls+tcp://", 10) == 0) {
		const char *colon = strrchr(ctl, ':');
		char *end;
		long port;

		if (colon == NULL || colon < strstr(ctl, "//"))
			return -EINVAL;
		port = strtol(colon + 1, &end, 10);
		if (*end != '\0' || port <= 0 || port >= 65535)
			return -EINVAL;
		len = snprintf(buf, n, "%.*s:%ld", (int)(colon - ctl), ctl,
		    port + 1);
	} else
		return -EINVAL;
	return (len < 0 || (size_t)len >= n) ? -ENAMETOOLONG : 0;
}
