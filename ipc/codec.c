/*
 * ipc/codec.c -- turning wire bytes into checked JSON and back.
 *
 * Everything that arrives from a socket passes through here before anything
 * acts on it: the size and nesting depth are checked before cJSON sees the
 * bytes (cJSON recurses, and a deep document is a cheap way to exhaust a
 * stack), the body is parsed with an explicit length (NNG bodies are not
 * NUL-terminated), and error messages name the field and the value, because
 * the person reading them is at a desk with a block order working.
 *
 * Strictness.  cJSON is lenient where a lenient reader is dangerous: it
 * stops at the end of the first value and ignores what follows, keeps the
 * first of two equal keys (most other parsers keep the last, so the journal
 * and an auditor's tool would disagree about what was asked), ends a string
 * at an escaped NUL (so "kill\u0000x" reads as kill), takes whatever strtod
 * takes, and does not check UTF-8.  So before cJSON sees a command,
 * ipc_json_strict() walks the raw bytes once against RFC 8259 and refuses
 * all of that.  After it, a command's strings are checked for control
 * characters: refused in names, enum values, ids and tokens (a control
 * character there is never meant, and stripping it would make "\u001bkill"
 * a kill), removed from the free text of "reason" and "client" (where a
 * stray newline is harmless once gone).  Values shown in messages go
 * through ipc_show(), so a message is always printable, valid UTF-8.
 */
#include <errno.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ipc/codec.h"
#include "ipc/protocol.h"
#include "ipc/utf8.h"

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

/* ------------------------------------------------------------------ text */

/* C0, DEL and C1: the characters a terminal may act on. */
static int
codec_is_control(uint32_t c)
{
	return c < 0x20 || (c >= 0x7f && c <= 0x9f);
}

size_t
ipc_utf8_char(const char *s, size_t len, uint32_t *cp)
{
	return tranche_utf8((const unsigned char *)s, len, cp);
}

int
ipc_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i, k;
	uint32_t cp;

	for (i = 0; i < len; i += k)
		if ((k = tranche_utf8(p + i, len - i, &cp)) == 0)
			return 0;
	return 1;
}

char *
ipc_utf8_cut(char *s, size_t max)
{
	unsigned char *u = (unsigned char *)s;
	size_t n = strlen(s), i, need;

	if (n > max)
		n = max;
	/* Back over at most three continuation bytes to the lead byte of the
	 * last character kept; drop that character if it runs past n. */
	i = n;
	while (i > 0 && n - i < 3 && (u[i - 1] & 0xc0) == 0x80)
		i--;
	if (i > 0 && u[i - 1] >= 0xc0) {
		need = u[i - 1] >= 0xf0 ? 4 : u[i - 1] >= 0xe0 ? 3 : 2;
		if (i - 1 + need > n)
			n = i - 1;
	}
	s[n] = '\0';
	return s;
}

char *
ipc_show(char *dst, size_t n, const char *src, size_t len)
{
	const unsigned char *p = (const unsigned char *)src;
	size_t o = 0, i, k, pl, room;
	char piece[16];
	uint32_t cp;

	if (n == 0)
		return dst;
	for (i = 0; i < len; i += k) {
		k = tranche_utf8(p + i, len - i, &cp);
		if (k == 0) {
			pl = (size_t)snprintf(piece, sizeof piece, "\\x%02x", p[i]);
			k = 1;
		} else if (codec_is_control(cp))
			pl = (size_t)snprintf(piece, sizeof piece, "\\u%04x",
			    (unsigned)cp);
		else {
			memcpy(piece, p + i, k);
			pl = k;
		}
		/* Keep room for "..." unless this is the last piece. */
		room = n - 1 - o;
		if (pl > room || (i + k < len && pl + 3 > room)) {
			if (room >= 3) {
				memcpy(dst + o, "...", 3);
				o += 3;
			}
			break;
		}
		memcpy(dst + o, piece, pl);
		o += pl;
	}
	dst[o] = '\0';
	return dst;
}

/* The first control character of a NUL-terminated UTF-8 string, or -1. */
static int32_t
codec_find_control(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	for (; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return *p;
		if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
			return p[1];
	}
	return -1;
}

/* An exponent at s[*i] if there is one ([eE], a sign, digits), *i moved
 * past it: 0 when it has no digit. */
static int
codec_exponent(const char *s, size_t len, size_t *i)
{
	size_t d = 0;

	if (*i >= len || (s[*i] != 'e' && s[*i] != 'E'))
		return 1;
	(*i)++;
	if (*i < len && (s[*i] == '+' || s[*i] == '-'))
		(*i)++;
	for (; *i < len && s[*i] >= '0' && s[*i] <= '9'; (*i)++)
		d++;
	return d > 0;
}

/* JSON number syntax (RFC 8259, section 6): 1 or 0. */
static int
codec_number_syntax(const char *s, size_t len)
{
	size_t i = 0, d;

	if (i < len && s[i] == '-')
		i++;
	if (i < len && s[i] == '0')
		i++;
	else if (i < len && s[i] >= '1' && s[i] <= '9')
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++;
	else
		return 0;
	if (i < len && s[i] == '.') {
		for (i++, d = 0; i < len && s[i] >= '0' && s[i] <= '9'; i++)
			d++;
		if (d == 0)
			return 0;
	}
	return codec_exponent(s, len, &i) && i == len;
}

int
ipc_decimal(const char *s, size_t len, double *out)
{
	char buf[104], *end, *dot;
	const char *mant;
	double v;

	if (len == 0 || len >= sizeof buf - 1 || !codec_number_syntax(s, len))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	v = strtod(buf, &end);
	if (*end == '.' && (dot = strchr(buf, '.')) != NULL) {
		/* A console runs under the user's LC_NUMERIC, where strtod may
		 * want a comma: the syntax is checked, so swap the point. */
		*dot = localeconv()->decimal_point[0];
		v = strtod(buf, &end);
	}
	if (*end != '\0' || !isfinite(v))
		return -1;
	if (v == 0) {
		/* A non-zero mantissa that came out as 0 underflowed. */
		for (mant = s; mant < s + len && *mant != 'e' && *mant != 'E';
		    mant++)
			if (*mant >= '1' && *mant <= '9')
				return -1;
	}
	*out = v;
	return 0;
}

int
ipc_number_text(const char *s, double *out)
{
	char buf[104];
	size_t o = 0;
	int digits = 0;

	if (*s == '+')
		s++;
	else if (*s == '-')
		buf[o++] = *s++;
	if ((*s < '0' || *s > '9') && *s != '.')
		return -1;                      /* "+-5", "-e5" */
	while (*s == '0' && s[1] >= '0' && s[1] <= '9')
		s++;                            /* "05" is 5 */
	if (*s == '.')
		buf[o++] = '0';                 /* ".5" is 0.5 */
	for (; *s != '\0' && o + 2 < sizeof buf; s++) {
		if (*s >= '0' && *s <= '9')
			digits++;
		else if (*s == '.' && digits > 0 && (s[1] == '\0' ||
		    s[1] == 'e' || s[1] == 'E') && memchr(buf, '.', o) == NULL &&
		    memchr(buf, 'e', o) == NULL && memchr(buf, 'E', o) == NULL)
			continue;  /* "1." is 1; "1..5" and "1e3." are not */
		else if (*s != '.' && *s != 'e' && *s != 'E' && *s != '-' &&
		    *s != '+')
			return -1;
		buf[o++] = *s;
	}
	if (*s != '\0' || digits == 0)
		return -1;
	return ipc_decimal(buf, o, out);
}

/* ------------------------------------------------------- strict JSON check */

struct strict_key {
	const unsigned char *s; /* the raw bytes between the quotes */
	size_t len;
	int esc;                /* holds a backslash escape */
};

struct strict {
	const unsigned char *p, *end;
	const char **code;
	char *err;
	size_t errlen;
	const unsigned char *key; /* the member being read, raw; or NULL */
	size_t keylen;
	struct strict_key *keys;  /* of every object open, innermost last */
	size_t nkeys, capkeys;
	int secret;               /* > 0 inside a member named token */
};

static int
strict_hex4(const unsigned char *p, const unsigned char *end, uint32_t *u)
{
	uint32_t v = 0;
	int i;

	if (end - p < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		unsigned char c = p[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	*u = v;
	return 0;
}

/*
 * The next code point of raw string bytes [*pp, end) with its escapes
 * undone, or -1 at the end.  For the text of a validated string only;
 * on anything else it returns the byte and moves one on.
 */
static int32_t
strict_next(const unsigned char **pp, const unsigned char *end)
{
	const unsigned char *p = *pp;
	uint32_t cp, lo;
	size_t k;

	if (p >= end)
		return -1;
	if (*p != '\\' || end - p < 2) {
		k = tranche_utf8(p, (size_t)(end - p), &cp);
		*pp = p + (k ? k : 1);
		return k ? (int32_t)cp : *p;
	}
	*pp = p + 2;
	switch (p[1]) {
	case 'b': return '\b';
	case 'f': return '\f';
	case 'n': return '\n';
	case 'r': return '\r';
	case 't': return '\t';
	case 'u':
		if (strict_hex4(p + 2, end, &cp) != 0)
			return '\\';
		*pp = p + 6;
		if (cp >= 0xd800 && cp <= 0xdbff && end - p >= 12 &&
		    p[6] == '\\' && p[7] == 'u' &&
		    strict_hex4(p + 8, end, &lo) == 0 && lo >= 0xdc00 &&
		    lo <= 0xdfff) {
			*pp = p + 12;
			return (int32_t)(0x10000 + ((cp - 0xd800) << 10) +
			    (lo - 0xdc00));
		}
		return (int32_t)cp;
	default:
		return p[1];
	}
}

/* Raw string bytes shown as their text: escapes undone where they are
 * whole, a lone surrogate as its escape, then ipc_show(). */
static char *
strict_show(char *dst, size_t n, const unsigned char *s, size_t len)
{
	const unsigned char *p = s, *end = s + len, *q;
	/* Empty when s is: ipc_show() then reads none of it, which GCC 12
	 * -O3 cannot see through the call (-Wmaybe-uninitialized). */
	char text[256] = "";
	size_t o = 0;
	int32_t c;

	while (p < end && o + 8 < sizeof text) {
		q = p;
		c = strict_next(&p, end);
		if (*q != '\\' && (size_t)(p - q) == 1 && *q >= 0x80) {
			text[o++] = (char)*q;       /* a byte of invalid UTF-8 */
		} else if (c >= 0xd800 && c <= 0xdfff) {
			o += (size_t)snprintf(text + o, sizeof text - o, "\\u%04x",
			    (unsigned)c);
		} else if (c < 0x80) {
			text[o++] = (char)c;
		} else if (c < 0x800) {
			text[o++] = (char)(0xc0 | (c >> 6));
			text[o++] = (char)(0x80 | (c & 0x3f));
		} else if (c < 0x10000) {
			text[o++] = (char)(0xe0 | (c >> 12));
			text[o++] = (char)(0x80 | ((c >> 6) & 0x3f));
			text[o++] = (char)(0x80 | (c & 0x3f));
		} else {
			text[o++] = (char)(0xf0 | (c >> 18));
			text[o++] = (char)(0x80 | ((c >> 12) & 0x3f));
			text[o++] = (char)(0x80 | ((c >> 6) & 0x3f));
			text[o++] = (char)(0x80 | (c & 0x3f));
		}
	}
	ipc_show(dst, n, text, o);
	if (p < end && n > 4 && strlen(dst) + 3 < n &&
	    strcmp(dst + (strlen(dst) >= 3 ? strlen(dst) - 3 : 0), "...") != 0)
		strcat(dst, "...");
	return dst;
}

/* Where the parser is, for a message: the member being read. */
static const char *
strict_where(const struct strict *st, char *buf, size_t n)
{
	char name[96];

	if (st->key == NULL)
		snprintf(buf, n, "the command");
	else
		snprintf(buf, n, "field \"%s\"", strict_show(name, sizeof name,
		    st->key, st->keylen));
	return buf;
}

static int
strict_fail(struct strict *st, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
strict_fail(struct strict *st, const char *code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	*st->code = code;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	snprintf(st->err, st->errlen, "%s%s", strcmp(code, ERR_PARSE) == 0 ?
	    "command is not valid JSON: " : "", msg);
	return -1;
}

/* What is at p, for "expected ..., got X". */
static const char *
strict_got(const struct strict *st, char *buf, size_t n)
{
	if (st->p >= st->end)
		snprintf(buf, n, "the end");
	else if (*st->p >= 0x20 && *st->p < 0x7f)
		snprintf(buf, n, "'%c'", *st->p);
	else
		snprintf(buf, n, "byte 0x%02x", *st->p);
	return buf;
}

static void
strict_ws(struct strict *st)
{
	while (st->p < st->end && (*st->p == ' ' || *st->p == '\t' ||
	    *st->p == '\n' || *st->p == '\r'))
		st->p++;
}

/* A refusal of the string whose text starts at b: the key itself, or the
 * value of the member being read. */
static int
strict_str_fail(struct strict *st, int is_key, const unsigned char *b,
                const char *code, const char *why)
{
	const char *e = codec_str_end((const char *)b - 1,
	    (const char *)st->end);
	char shown[160], where[128];

	strict_show(shown, sizeof shown, b, (size_t)((const unsigned char *)e -
	    b));
	/* A token is a password: a refusal is published on the audit topic
	 * to every viewer and journaled, so it never shows one, nor anything
	 * inside it. */
	if (st->secret > 0)
		snprintf(shown, sizeof shown, "(not shown)");
	if (is_key)
		return strict_fail(st, code, "key \"%s\": %s", shown, why);
	return strict_fail(st, code, "%s \"%s\": %s", strict_where(st, where,
	    sizeof where), shown, why);
}

/* The string at p (its opening quote): checked, and its raw text. */
static int
strict_string(struct strict *st, int is_key, const unsigned char **s,
              size_t *len)
{
	const unsigned char *b = st->p + 1, *q = b, *end = st->end;
	char why[96];
	uint32_t cp, lo;
	size_t k;

	for (;;) {
		/* Printable ASCII is most of any command. */
		while (q < end && *q >= 0x20 && *q < 0x7f && *q != '"' &&
		    *q != '\\')
			q++;
		if (q >= end)
			return strict_str_fail(st, is_key, b, ERR_PARSE,
			    "the string is not closed");
		if (*q == '"')
			break;
		if (*q < 0x20) {
			snprintf(why, sizeof why, "control character \\u%04x must "
			    "be escaped (RFC 8259)", *q);
			return strict_str_fail(st, is_key, b, ERR_PARSE, why);
		}
		if (*q == '\\') {
			if (end - q < 2)
				return strict_str_fail(st, is_key, b, ERR_PARSE,
				    "the string is not closed");
			if (strchr("\"\\/bfnrtu", q[1]) == NULL || q[1] == '\0') {
				snprintf(why, sizeof why, "\\%c is not a JSON escape",
				    q[1] >= 0x20 && q[1] < 0x7f ? q[1] : '?');
				return strict_str_fail(st, is_key, b, ERR_PARSE, why);
			}
			if (q[1] != 'u') {
				if (is_key && strchr("bfnrt", q[1]) != NULL)
					return strict_str_fail(st, 1, b, ERR_FIELD,
					    "a control character is not allowed in a key");
				q += 2;
				continue;
			}
			if (strict_hex4(q + 2, end, &cp) != 0)
				return strict_str_fail(st, is_key, b, ERR_PARSE,
				    "\\u must be followed by four hex digits");
			if (cp == 0)
				return strict_str_fail(st, is_key, b, ERR_FIELD,
				    "a NUL (\\u0000) is not allowed in a string");
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (end - q < 12 || q[6] != '\\' || q[7] != 'u' ||
				    strict_hex4(q + 8, end, &lo) != 0 ||
				    lo < 0xdc00 || lo > 0xdfff) {
					snprintf(why, sizeof why, "\\u%04x is half a "
					    "surrogate pair, not a character",
					    (unsigned)cp);
					return strict_str_fail(st, is_key, b, ERR_FIELD,
					    why);
				}
				q += 12;
				continue;
			}
			if (cp >= 0xdc00 && cp <= 0xdfff) {
				snprintf(why, sizeof why, "\\u%04x is half a surrogate "
				    "pair, not a character", (unsigned)cp);
				return strict_str_fail(st, is_key, b, ERR_FIELD, why);
			}
			if (is_key && codec_is_control(cp))
				return strict_str_fail(st, 1, b, ERR_FIELD,
				    "a control character is not allowed in a key");
			q += 6;
			continue;
		}
		if ((k = tranche_utf8(q, (size_t)(end - q), &cp)) == 0) {
			snprintf(why, sizeof why, "not valid UTF-8 (byte 0x%02x at "
			    "byte %zu of the string)", *q, (size_t)(q - b));
			return strict_str_fail(st, is_key, b, ERR_FIELD, why);
		}
		if (is_key && codec_is_control(cp))
			return strict_str_fail(st, 1, b, ERR_FIELD,
			    "a control character is not allowed in a key");
		q += k;
	}
	*s = b;
	*len = (size_t)(q - b);
	st->p = q + 1;
	return 0;
}

/* A number or a literal: the whole run of characters that could belong
 * to one, so that a message shows all of "0x1p6" or "NaN". */
static int
strict_token(struct strict *st)
{
	const unsigned char *b = st->p, *q = b;
	char where[128];
	double v;
	size_t len;

	while (q < st->end && ((*q >= '0' && *q <= '9') ||
	    (*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') ||
	    *q == '+' || *q == '-' || *q == '.'))
		q++;
	len = (size_t)(q - b);
	st->p = q;
	if ((len == 4 && memcmp(b, "true", 4) == 0) ||
	    (len == 5 && memcmp(b, "false", 5) == 0) ||
	    (len == 4 && memcmp(b, "null", 4) == 0))
		return 0;
	/* Never a token's text (strict_str_fail). */
	if (st->secret > 0) {
		b = (const unsigned char *)"(not shown)";
		len = strlen((const char *)b);
	}
	if (!codec_number_syntax((const char *)b, len))
		return strict_fail(st, ERR_PARSE, "%s %.*s%s: not a JSON value "
		    "(numbers are decimal: digits, an optional fraction and "
		    "exponent; no hex, inf, nan or '+')", strict_where(st, where,
		    sizeof where), (int)(len > 40 ? 40 : len), b,
		    len > 40 ? "..." : "");
	if (ipc_decimal((const char *)b, len, &v) != 0)
		return strict_fail(st, ERR_PARSE, "%s %.*s%s: out of range (a "
		    "number must be finite as a double and not so small that "
		    "it reads as 0; at most 100 characters)", strict_where(st,
		    where, sizeof where), (int)(len > 40 ? 40 : len), b,
		    len > 40 ? "..." : "");
	return 0;
}

static int strict_value(struct strict *st, int depth);

static int
strict_key_cmp(const void *a, const void *b)
{
	const struct strict_key *x = a, *y = b;
	const unsigned char *p = x->s, *q = y->s;
	int32_t c, d;
	int r;

	/* Without escapes the raw bytes are the text, and UTF-8's byte order
	 * is its code points' order: the same order as decoding gives. */
	if (!x->esc && !y->esc) {
		r = memcmp(p, q, x->len < y->len ? x->len : y->len);
		return r != 0 ? r : x->len < y->len ? -1 : x->len > y->len;
	}
	do {
		c = strict_next(&p, x->s + x->len);
		d = strict_next(&q, y->s + y->len);
		if (c != d)
			return c < d ? -1 : 1;
	} while (c != -1);
	return 0;
}

static int
strict_object(struct strict *st, int depth)
{
	const unsigned char *outer = st->key, *ks;
	size_t outerlen = st->keylen, first = st->nkeys, kl, i;
	char got[24], where[128], name[96];

	st->p++;
	strict_ws(st);
	if (st->p < st->end && *st->p == '}') {
		st->p++;
		return 0;
	}
	for (;;) {
		if (st->p >= st->end || *st->p != '"')
			return strict_fail(st, ERR_PARSE, "%s: expected a key in "
			    "quotes, got %s", strict_where(st, where, sizeof where),
			    strict_got(st, got, sizeof got));
		if (strict_string(st, 1, &ks, &kl) != 0)
			return -1;
		if (st->nkeys == st->capkeys) {
			size_t cap = st->capkeys ? st->capkeys * 2 : 32;
			struct strict_key *nk = realloc(st->keys, cap *
			    sizeof *nk);

			if (nk == NULL)
				return strict_fail(st, ERR_TOO_BIG, "out of memory "
				    "for %zu keys", cap);
			st->keys = nk;
			st->capkeys = cap;
		}
		st->keys[st->nkeys].s = ks;
		st->keys[st->nkeys].esc = memchr(ks, '\\', kl) != NULL;
		st->keys[st->nkeys++].len = kl;
		st->key = ks;
		st->keylen = kl;
		strict_ws(st);
		if (st->p >= st->end || *st->p != ':')
			return strict_fail(st, ERR_PARSE, "%s: expected ':' after "
			    "the key, got %s", strict_where(st, where, sizeof where),
			    strict_got(st, got, sizeof got));
		st->p++;
		strict_ws(st);
		{
			/* The key as decoded: "tok\u0065n" is token too. */
			static const struct strict_key tok = {
				(const unsigned char *)"token", 5, 0 };
			int secret = strict_key_cmp(&st->keys[st->nkeys - 1],
			    &tok) == 0;

			st->secret += secret;
			if (strict_value(st, depth + 1) != 0)
				return -1;
			st->secret -= secret;
		}
		strict_ws(st);
		if (st->p < st->end && *st->p == ',') {
			st->p++;
			strict_ws(st);
			continue;
		}
		if (st->p < st->end && *st->p == '}') {
			st->p++;
			break;
		}
		return strict_fail(st, ERR_PARSE, "%s: expected ',' or '}' after "
		    "the value, got %s", strict_where(st, where, sizeof where),
		    strict_got(st, got, sizeof got));
	}
	/* Sorted, equal keys are neighbours: n log n however many there are. */
	if (st->nkeys - first > 1) {
		qsort(st->keys + first, st->nkeys - first, sizeof *st->keys,
		    strict_key_cmp);
		for (i = first + 1; i < st->nkeys; i++)
			if (strict_key_cmp(&st->keys[i - 1], &st->keys[i]) == 0)
				return strict_fail(st, ERR_FIELD, "field \"%s\": "
				    "appears twice in one object (parsers differ on "
				    "which one counts)", strict_show(name,
				    sizeof name, st->keys[i].s, st->keys[i].len));
	}
	st->nkeys = first;
	st->key = outer;
	st->keylen = outerlen;
	return 0;
}

static int
strict_array(struct strict *st, int depth)
{
	char got[24], where[128];

	st->p++;
	strict_ws(st);
	if (st->p < st->end && *st->p == ']') {
		st->p++;
		return 0;
	}
	for (;;) {
		if (strict_value(st, depth + 1) != 0)
			return -1;
		strict_ws(st);
		if (st->p < st->end && *st->p == ',') {
			st->p++;
			strict_ws(st);
			continue;
		}
		if (st->p < st->end && *st->p == ']') {
			st->p++;
			return 0;
		}
		return strict_fail(st, ERR_PARSE, "%s: expected ',' or ']' in the "
		    "array, got %s", strict_where(st, where, sizeof where),
		    strict_got(st, got, sizeof got));
	}
}

static int
strict_value(struct strict *st, int depth)
{
	const unsigned char *s;
	char got[24], where[128];
	size_t len;
	unsigned char c;

	if (depth >= TRANCHE_MAX_JSON_DEPTH)
		return strict_fail(st, ERR_TOO_BIG, "%s: nested deeper than %d",
		    strict_where(st, where, sizeof where),
		    TRANCHE_MAX_JSON_DEPTH);
	if (st->p >= st->end)
		return strict_fail(st, ERR_PARSE, "%s: expected a value, got the "
		    "end", strict_where(st, where, sizeof where));
	c = *st->p;
	if (c == '{')
		return strict_object(st, depth);
	if (c == '[')
		return strict_array(st, depth);
	if (c == '"')
		return strict_string(st, 0, &s, &len);
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z') || c == '-' || c == '+' || c == '.')
		return strict_token(st);
	return strict_fail(st, ERR_PARSE, "%s: expected a value, got %s",
	    strict_where(st, where, sizeof where), strict_got(st, got,
	    sizeof got));
}

int
ipc_json_strict(const void *buf, size_t len, const char **code, char *err,
                size_t errlen)
{
	struct strict st;
	char shown[96];
	int rv;

	memset(&st, 0, sizeof st);
	st.p = buf;
	st.end = st.p + len;
	st.code = code;
	st.err = err;
	st.errlen = errlen;
	strict_ws(&st);
	rv = strict_value(&st, 0);
	free(st.keys);
	if (rv != 0)
		return -1;
	strict_ws(&st);
	if (st.p < st.end)
		return strict_fail(&st, ERR_PARSE, "%zu bytes after the JSON value "
		    "(from byte %zu): \"%s\"", (size_t)(st.end - st.p),
		    (size_t)(st.p - (const unsigned char *)buf), ipc_show(shown,
		    sizeof shown, (const char *)st.p, (size_t)(st.end - st.p)));
	return 0;
}

/*
 * Every string of a command but its free text must be free of control
 * characters; the free text ("reason" and "client" of the command object)
 * loses them.  `name` is the member the strings of o belong to.
 */
static int
codec_check_tree(cJSON *o, int top, const char *name, const char **code,
                 char *err, size_t errlen)
{
	char shown[160];
	int32_t c;
	cJSON *m;

	for (m = o->child; m != NULL; m = m->next) {
		/* Whatever is inside a token is the token's. */
		const char *mn = strcmp(name, "token") == 0 ? name :
		    m->string != NULL ? m->string : name;

		if (cJSON_IsString(m) && m->valuestring != NULL) {
			if (top && (strcmp(mn, "reason") == 0 ||
			    strcmp(mn, "client") == 0)) {
				ipc_strip_controls(m->valuestring);
				continue;
			}
			if ((c = codec_find_control(m->valuestring)) >= 0) {
				*code = ERR_FIELD;
				/* Never a token's value (see strict_str_fail). */
				snprintf(err, errlen, "field \"%s\" \"%s\": control "
				    "character \\u%04x is not allowed here (only "
				    "\"reason\" and \"client\" are free text)", mn,
				    strcmp(mn, "token") == 0 ? "(not shown)" :
				    ipc_show(shown, sizeof shown, m->valuestring,
				    strlen(m->valuestring)), (unsigned)c);
				return -1;
			}
		}
		if (m->child != NULL &&
		    codec_check_tree(m, 0, mn, code, err, errlen) != 0)
			return -1;
	}
	return 0;
}

/* Past the white space at p. */
static const char *
codec_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	return p;
}

/* Four hex digits at p into *v: 1, or 0. */
static int
codec_hex4(const char *p, uint32_t *v)
{
	*v = 0;
	for (int i = 0; i < 4; i++) {
		char c = p[i];

		*v <<= 4;
		if (c >= '0' && c <= '9')
			*v |= (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			*v |= (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			*v |= (uint32_t)(c - 'A' + 10);
		else
			return 0;
	}
	return 1;
}

/*
 * The JSON string whose opening quote is at p, decoded into out[outlen]
 * (NULL: only skipped): past its closing quote, or NULL when it is not a
 * string (no quote, an escape JSON has not, no end).  *bad is set when
 * the string holds what no name may -- U+0000, a raw NUL byte, a lone
 * surrogate -- or does not fit.
 */
static const char *
codec_scan_string(const char *p, const char *end, char *out, size_t outlen,
                  int *bad)
{
	size_t n = 0;

	if (p >= end || *p != '"')
		return NULL;
	for (p++; p < end && *p != '"'; ) {
		unsigned char c = (unsigned char)*p++, u[4];
		uint32_t cp, lo;
		size_t k;

		if (c != '\\') {
			*bad |= c == '\0';
			if (out != NULL && n + 1 < outlen)
				out[n++] = (char)c;
			else
				*bad = 1;
			continue;
		}
		if (p >= end)
			return NULL;
		switch ((c = (unsigned char)*p++)) {
		case '"': case '\\': case '/':
			cp = c;
			break;
		case 'b': cp = '\b'; break;
		case 'f': cp = '\f'; break;
		case 'n': cp = '\n'; break;
		case 'r': cp = '\r'; break;
		case 't': cp = '\t'; break;
		case 'u':
			if (end - p < 4 || !codec_hex4(p, &cp))
				return NULL;
			p += 4;
			if (cp >= 0xd800 && cp <= 0xdbff && end - p >= 6 &&
			    p[0] == '\\' && p[1] == 'u' && codec_hex4(p + 2, &lo) &&
			    lo >= 0xdc00 && lo <= 0xdfff) {
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				p += 6;
			} else if (cp >= 0xd800 && cp <= 0xdfff) {
				*bad = 1;
				continue;
			}
			break;
		default:
			return NULL;
		}
		*bad |= cp == 0;
		if (cp < 0x80)
			u[0] = (unsigned char)cp, k = 1;
		else if (cp < 0x800)
			u[0] = (unsigned char)(0xc0 | cp >> 6),
			u[1] = (unsigned char)(0x80 | (cp & 0x3f)), k = 2;
		else if (cp < 0x10000)
			u[0] = (unsigned char)(0xe0 | cp >> 12),
			u[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f)),
			u[2] = (unsigned char)(0x80 | (cp & 0x3f)), k = 3;
		else
			u[0] = (unsigned char)(0xf0 | cp >> 18),
			u[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f)),
			u[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f)),
			u[3] = (unsigned char)(0x80 | (cp & 0x3f)), k = 4;
		if (out != NULL && n + k < outlen) {
			memcpy(out + n, u, k);
			n += k;
		} else
			*bad = 1;
	}
	if (p >= end)
		return NULL;
	if (out != NULL)
		out[n] = '\0';
	return p + 1;
}

/* A number as cJSON reads one (its refusal comes later, from the strict
 * reader): a sign, digits with at most one point among them (01, +1, .5,
 * 1.), and an exponent (1e400).  No strtod: a console's LC_NUMERIC may
 * have another decimal point.  1 or 0. */
static int
codec_lenient_number(const char *s, size_t len)
{
	size_t i = 0, digits = 0, points = 0;

	if (i < len && (s[i] == '+' || s[i] == '-'))
		i++;
	for (; i < len && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.'); i++)
		if (s[i] == '.')
			points++;
		else
			digits++;
	if (digits == 0 || points > 1)
		return 0;
	return codec_exponent(s, len, &i) && i == len;
}

/*
 * The id of a command refused before it was decoded, so that its refusal
 * can carry it: a client with several requests in flight (or a resend
 * after a reconnect) cannot otherwise tell which one was refused.  The
 * bytes are read as plain JSON, leniently (a number 1e400 or 01, a key twice, a
 * control character, U+0000 or a lone surrogate in another string,
 * nesting as deep as the message is long: until 2026-12-07 cJSON read
 * them, and any \u0000, a lone surrogate or nesting past 1000 anywhere
 * lost the id, found by an independent probe), but whole: text that is
 * not one JSON value has no id anyone can point to.  1 and the id in id[]
 * when the bytes are one object whose "id" appears once and is an id
 * ipc_command_parse() would take (1..IPC_ID_MAX bytes of UTF-8, no
 * control character, no U+0000); -1 when "id" appears more than once
 * (none of them is the id: parsers differ on which one counts); 0
 * otherwise.  A command over the size limit is not read at all: not
 * reading it is what the limit is for.
 */
static int
codec_refused_id(const void *buf, size_t len, char *id, size_t idlen)
{
	const char *p = buf, *end = p + len, *q;
	char key[4], val[IPC_ID_MAX + 2];
	unsigned char *open;  /* the containers we are in: '{' or '[' */
	size_t depth = 0;
	int nid = 0, have = 0, is_id = 0, need = 1, rv = 0, bad;

	if (len > TRANCHE_MAX_MSG)
		return 0;
	p = codec_ws(p, end);
	if (p >= end || *p != '{' || (open = malloc(len)) == NULL)
		return 0;
	for (;;) {
		p = codec_ws(p, end);
		if (!need) {
			/* After a value: the end, a comma, or a close. */
			if (depth == 0)
				break;
			if (p < end && *p == (open[depth - 1] == '{' ? '}' : ']')) {
				p++;
				depth--;
				continue;
			}
			if (p >= end || *p != ',')
				goto out;
			p = codec_ws(p + 1, end);
			need = 1;
			if (open[depth - 1] == '[')
				continue;
		} else if (p < end && (*p == '{' || *p == '[')) {
			/* A container (never the id). */
			is_id = 0;
			open[depth++] = (unsigned char)*p;
			p = codec_ws(p + 1, end);
			if (p < end && *p == (open[depth - 1] == '{' ? '}' : ']')) {
				p++;
				depth--;
				need = 0;
				continue;
			}
			if (open[depth - 1] == '[')
				continue;
		} else {
			/* A string, a number, true, false or null. */
			if (p < end && *p == '"') {
				bad = 0;
				if ((q = codec_scan_string(p, end, is_id ? val : NULL,
				    sizeof val, &bad)) == NULL)
					goto out;
				if (is_id && !bad && val[0] != '\0' &&
				    strlen(val) <= IPC_ID_MAX && strlen(val) < idlen &&
				    codec_find_control(val) < 0 &&
				    ipc_utf8_valid(val, strlen(val))) {
					memcpy(id, val, strlen(val) + 1);
					have = 1;
				}
			} else {
				for (q = p; q < end && ((*q >= '0' && *q <= '9') ||
				    (*q >= 'a' && *q <= 'z') || *q == 'E' ||
				    *q == '-' || *q == '+' || *q == '.'); q++)
					;
				if (!((q - p == 4 && (memcmp(p, "true", 4) == 0 ||
				    memcmp(p, "null", 4) == 0)) || (q - p == 5 &&
				    memcmp(p, "false", 5) == 0) ||
				    codec_lenient_number(p, (size_t)(q - p))))
					goto out;
			}
			p = q;
			is_id = 0;
			need = 0;
			continue;
		}
		/* A member of an object: its key, a colon, then its value. */
		bad = 0;
		if ((q = codec_scan_string(p, end, key, sizeof key, &bad)) ==
		    NULL)
			goto out;
		is_id = depth == 1 && !bad && strcmp(key, "id") == 0;
		nid += is_id;
		p = codec_ws(q, end);
		if (p >= end || *p != ':')
			goto out;
		p++;
	}
	if (codec_ws(p, end) == end)
		rv = nid > 1 ? -1 : nid == 1 && have ? 1 : 0;
out:
	free(open);
	return rv;
}

int
ipc_command_id(const void *buf, size_t len, char *id, size_t idlen)
{
	return codec_refused_id(buf, len, id, idlen) == 1 ? 0 : -1;
}

/* Past the string whose opening quote is at p. */
static const char *
codec_skip_string(const char *p, const char *end)
{
	for (p++; p < end && *p != '"'; p++)
		if (*p == '\\')
			p++;
	return p < end ? p + 1 : end;
}

/*
 * Give each number of item, whose text starts at *pp, its spelling as sent
 * in valuestring, and leave *pp past it.  cJSON keeps only the double, and
 * a refusal quoting that ("end 1") is not what was sent ("1.0e0"): the
 * reader of a refusal must find in it what they typed.  The text has
 * passed ipc_json_strict(), so it is JSON whose members come in the tree's
 * order.  cJSON_Delete() frees valuestring whatever the type, and every
 * reader of a number reads valuedouble; with no memory a number is left
 * without its spelling, and is shown as cJSON prints it.
 */
static void
codec_spell_numbers(const char **pp, const char *end, cJSON *item)
{
	const char *p = codec_ws(*pp, end), *q;
	cJSON *c;

	if (cJSON_IsObject(item) || cJSON_IsArray(item)) {
		p++;
		for (c = item->child; c != NULL; c = c->next) {
			p = codec_ws(p, end);
			if (cJSON_IsObject(item))
				p = codec_ws(codec_skip_string(p, end), end) + 1;
			codec_spell_numbers(&p, end, c);
			p = codec_ws(p, end);
			if (p < end && *p == ',')
				p++;
		}
		p = codec_ws(p, end) + 1;
	} else if (cJSON_IsString(item))
		p = codec_skip_string(p, end);
	else {
		/* A number, or true, false or null. */
		for (q = p; q < end && ((*q >= '0' && *q <= '9') ||
		    (*q >= 'a' && *q <= 'z') || *q == 'E' || *q == '-' ||
		    *q == '+' || *q == '.'); q++)
			;
		if (cJSON_IsNumber(item) && item->valuestring == NULL &&
		    (item->valuestring = malloc((size_t)(q - p) + 1)) != NULL) {
			memcpy(item->valuestring, p, (size_t)(q - p));
			item->valuestring[q - p] = '\0';
		}
		p = q;
	}
	*pp = p > end ? end : p;
}

const char *
ipc_number_spelling(const cJSON *f)
{
	return cJSON_IsNumber(f) ? f->valuestring : NULL;
}

static int
codec_command_parse(const void *buf, size_t len, cJSON **root,
                    const char **code, char *err, size_t errlen)
{
	cJSON *o, *cmd, *id;
	char shown[160];

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
	if (ipc_json_strict(buf, len, code, err, errlen) != 0)
		return -1;
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
	if (codec_check_tree(o, 1, "", code, err, errlen) != 0) {
		cJSON_Delete(o);
		return -1;
	}
	id = cJSON_GetObjectItemCaseSensitive(o, "id");
	if (!cJSON_IsString(id) || id->valuestring[0] == '\0' ||
	    strlen(id->valuestring) > IPC_ID_MAX) {
		*code = ERR_FIELD;
		if (cJSON_IsString(id))
			snprintf(err, errlen, "field \"id\" \"%s\": must be a string "
			    "of 1..128 bytes", ipc_show(shown, sizeof shown,
			    id->valuestring, strlen(id->valuestring)));
		else
			snprintf(err, errlen, "field \"id\": must be a string of "
			    "1..128 bytes");
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
	{
		const char *p = buf;

		codec_spell_numbers(&p, p + len, o);
	}
	*root = o;
	return 0;
}

int
ipc_command_parse(const void *buf, size_t len, cJSON **root,
                  const char **code, char *err, size_t errlen)
{
	char idbuf[IPC_ID_MAX + 1];

	if (codec_command_parse(buf, len, root, code, err, errlen) == 0)
		return 0;
	/* Whatever else is wrong, an "id" given twice is why the refusal
	 * carries none: say so, naming it, rather than another key found
	 * twice. */
	if (codec_refused_id(buf, len, idbuf, sizeof idbuf) == -1) {
		*code = ERR_FIELD;
		snprintf(err, errlen, "field \"id\": appears twice in one object "
		    "(parsers differ on which one counts), so this refusal "
		    "carries no id");
	}
	return -1;
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
	char msg[512], shown[640];
	va_list ap;

	if (r == NULL)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	/* A "%.32s" in a format, or the cut at the buffer's end, can split a
	 * character: what leaves is printable UTF-8 all the same. */
	ipc_strip_controls(msg);
	ipc_utf8_cut(msg, strlen(msg));
	ipc_show(shown, sizeof shown, msg, strlen(msg));
	cJSON_AddBoolToObject(r, "ok", 0);
	if (id != NULL)
		cJSON_AddStringToObject(r, "id", id);
	e = cJSON_AddObjectToObject(r, "error");
	cJSON_AddStringToObject(e, "code", code);
	cJSON_AddStringToObject(e, "message", shown);
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
		const char *d = f->valuestring + (f->valuestring[0] == '-');

		/* Digits only: strtoll would also take spaces and a '+'. */
		if (*d == '\0' || strspn(d, "0123456789") != strlen(d))
			return -2;
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
	size_t len;

	if (f == NULL)
		return -1;
	if (cJSON_IsNumber(f) && isfinite(f->valuedouble)) {
		*out = f->valuedouble;
		return 0;
	}
	if (cJSON_IsString(f) && f->valuestring != NULL) {
		/* JSON number syntax only: strtod would take hex, inf, nan and
		 * leading spaces.  One '%' may follow ("8%"). */
		len = strlen(f->valuestring);
		if (len > 0 && f->valuestring[len - 1] == '%')
			len--;
		return ipc_decimal(f->valuestring, len, out) == 0 ? 0 : -2;
	}
	return -2;
}

int
ipc_get_name(const cJSON *o, const char *name, const char **out)
{
	int rv = ipc_get_str(o, name, out);

	if (rv != 0)
		return rv;
	if (codec_find_control(*out) >= 0 ||
	    !ipc_utf8_valid(*out, strlen(*out)))
		return -3;
	return 0;
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
