/*
 * fix-codec.c -- framing, parsing and building FIX messages, and FIX time.
 *
 * Framing follows what QuickFIX does, because the acceptance suite's
 * garbled cases are written against it: a message starts at "8=" (at the
 * start of the stream or after a SOH), its BodyLength is read, and the
 * message ends at the first "<SOH>10=...<SOH>" found at or after the end
 * the BodyLength claims.  So a BodyLength that is too short or too long
 * still yields a frame, which parsing then finds garbled (wrong length or
 * checksum) and the session drops without touching sequence numbers.  A
 * BodyLength that is not a number is dropped at once; one above
 * FIX_MAX_BODY is reported as soon as its digits pass the cap, and the
 * acceptor closes the connection: no buffer ever grows to what a peer
 * claims, and a peer that claims that much is not speaking FIX.
 *
 * Parsing never copies: fields point into the frame.  Building writes the
 * header in QuickFIX's order (8, 9, 35, then the other header fields by
 * tag), the body as the caller gives it, and computes 9 and 10.
 */
#include "engine/fix/fix-int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A BeginString field is short ("8=FIXT.1.1"); a "9=" further away than
 * this from the "8=" means the bytes are not a message. */
#define FIX_BEGIN_SPAN 32

static const char *mem_find(const char *h, size_t hlen, const char *n, size_t nlen)
{
	if (nlen == 0 || hlen < nlen)
		return NULL;
	return memmem(h, hlen, n, nlen);
}

int fix_frame(const char *buf, size_t len, size_t *start, size_t *end)
{
	size_t s = 0;
	/* Find "8=" at the start or after a SOH. */
	for (;;) {
		const char *p = mem_find(buf + s, len - s, "8=", 2);
		if (!p) {
			/* Keep a last '8' that may begin the next message. */
			*start = len > 0 && buf[len - 1] == '8' ? len - 1 : len;
			return 0;
		}
		s = (size_t)(p - buf);
		if (s == 0 || buf[s - 1] == FIX_SOH)
			break;
		s++;
	}
	*start = s;
	size_t avail = len - s;
	const char *b = buf + s;
	size_t span = avail < FIX_BEGIN_SPAN ? avail : FIX_BEGIN_SPAN;
	const char *l = mem_find(b, span, "\0019=", 3);
	if (!l) {
		if (avail >= FIX_BEGIN_SPAN) {
			/* Not a message: drop the "8" and look again next time. */
			*end = s + 1;
			return -1;
		}
		return 0;
	}
	size_t lp = (size_t)(l - b) + 3;
	size_t body = 0;
	size_t i = lp;
	for (; i < avail && b[i] != FIX_SOH; i++) {
		if (b[i] < '0' || b[i] > '9') {
			*end = s + i + 1;
			return -1;
		}
		body = body * 10 + (size_t)(b[i] - '0');
		if (body > FIX_MAX_BODY) {
			*end = s + i + 1;
			return -2;
		}
	}
	if (i >= avail)
		return 0;
	if (i == lp) {
		*end = s + i + 1;
		return -1;
	}
	size_t bstart = i + 1;
	if (avail < bstart + body)
		return 0;
	/* The CheckSum at or after the claimed end (from its SOH). */
	size_t from = bstart + body > 0 ? bstart + body - 1 : 0;
	const char *c = mem_find(b + from, avail - from, "\00110=", 4);
	if (!c) {
		if (avail - from > FIX_MAX_BODY) {
			/* No CheckSum anywhere near: drop through the length. */
			*end = s + bstart;
			return -1;
		}
		return 0;
	}
	size_t cp = (size_t)(c - b) + 4;
	const char *e = memchr(b + cp, FIX_SOH, avail - cp);
	if (!e) {
		if (avail - cp > 8) {
			*end = s + cp;
			return -1;
		}
		return 0;
	}
	*end = s + (size_t)(e - b) + 1;
	return 1;
}

/* A tag as the peer wrote it: an optional '-', digits, at most 9. */
static int tag_parse(const char *p, size_t n, int *tag)
{
	size_t i = 0;
	int neg = 0;
	long v = 0;
	if (n > 0 && p[0] == '-') {
		neg = 1;
		i = 1;
	}
	if (i == n || n - i > 9)
		return -1;
	for (; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	*tag = (int)(neg ? -v : v);
	return 0;
}

/*
 * The length field of data field tag, or 0 when tag is not a data field.
 * These are the DATA fields of FIX 4.2 and 4.4 (and of 5.0, which adds
 * none a session carries): each one's length is the field numbered one
 * below, except Signature (89), whose SignatureLength is 93.  A data
 * value may hold SOH, so it cannot be found by looking for one; the
 * codec is told which fields are data by the standard, not by a
 * session's dictionary, because framing and the garbled checks come
 * before any dictionary is consulted (as in QuickFIX).
 */
int fix_data_len_tag(int tag)
{
	switch (tag) {
	case 89:
		return 93;
	case 91: case 96: case 213: case 349: case 351: case 353: case 355:
	case 357: case 359: case 361: case 363: case 365: case 446: case 619:
	case 622:
		return tag - 1;
	default:
		return 0;
	}
}

/* The value of a length field f (digits only; leading zeros as many as
 * sent, as FIX's int allows), or -1: not a number, or more than any
 * message may hold. */
static long long length_value(const struct fix_field *f)
{
	long long v = 0;
	if (f->len < 1)
		return -1;
	for (int k = 0; k < f->len; k++) {
		if (f->val[k] < '0' || f->val[k] > '9')
			return -1;
		v = v * 10 + (f->val[k] - '0');
		if (v > 1000000000LL)
			return -1;
	}
	return v;
}

int fix_parse(const char *raw, size_t len, struct fix_parsed *p, const char **why)
{
	size_t i = 0;
	int n = 0;
	p->m.f = p->f;
	p->m.n = 0;
	p->m.raw = raw;
	p->m.rawlen = len;
	if (len == 0 || raw[len - 1] != FIX_SOH) {
		*why = "message does not end with SOH";
		return -1;
	}
	while (i < len) {
		const char *f = raw + i;
		const char *soh = memchr(f, FIX_SOH, len - i);
		size_t flen = (size_t)(soh - f);
		const char *eq = memchr(f, '=', flen);
		if (!eq) {
			*why = "field without '='";
			return -1;
		}
		if (n == FIX_MAX_FIELDS) {
			*why = "too many fields";
			return -1;
		}
		if (tag_parse(f, (size_t)(eq - f), &p->f[n].tag) < 0) {
			*why = "tag is not a number";
			return -1;
		}
		p->f[n].val = eq + 1;
		p->f[n].len = (int)(soh - eq - 1);
		/* A data field right after its length field is exactly that
		 * many bytes, SOH and '=' included, and must end at a SOH.
		 * One without its length before it ends at the first SOH;
		 * the dictionary's checks then judge it. */
		int lt = fix_data_len_tag(p->f[n].tag);
		if (lt != 0 && n > 0 && p->f[n - 1].tag == lt) {
			long long dl = length_value(&p->f[n - 1]);
			size_t at = (size_t)(eq + 1 - raw);
			if (dl < 0 || (size_t)dl >= len - at || raw[at + (size_t)dl] != FIX_SOH) {
				*why = "data field's length is not the length its length field gives";
				return -1;
			}
			p->f[n].len = (int)dl;
			flen = (size_t)(eq - f) + 1 + (size_t)dl;
		}
		n++;
		i += flen + 1;
	}
	p->m.n = n;
	if (n < 4 || p->f[0].tag != 8 || p->f[1].tag != 9 || p->f[2].tag != 35) {
		*why = "8, 9 and 35 are not the first three fields";
		return -1;
	}
	if (p->f[n - 1].tag != 10) {
		*why = "CheckSum is not the last field";
		return -1;
	}
	/* BodyLength counts from after 9's SOH to the SOH before 10. */
	const char *bstart = p->f[2].val - 3;
	const char *cks = p->f[n - 1].val - 3;
	long long blen = 0;
	for (int k = 0; k < p->f[1].len; k++) {
		char ch = p->f[1].val[k];
		if (ch < '0' || ch > '9') {
			*why = "BodyLength is not a number";
			return -1;
		}
		blen = blen * 10 + (ch - '0');
	}
	if (p->f[1].len == 0 || blen != (long long)(cks - bstart)) {
		*why = "BodyLength is not the body's length";
		return -1;
	}
	if (p->f[n - 1].len != 3) {
		*why = "CheckSum is not three digits";
		return -1;
	}
	unsigned sum = 0;
	for (const char *q = raw; q < cks; q++)
		sum += (unsigned char)*q;
	int want = 0;
	for (int k = 0; k < 3; k++) {
		char ch = p->f[n - 1].val[k];
		if (ch < '0' || ch > '9') {
			*why = "CheckSum is not three digits";
			return -1;
		}
		want = want * 10 + (ch - '0');
	}
	if ((int)(sum % 256) != want) {
		*why = "CheckSum is wrong";
		return -1;
	}
	return 0;
}

void fix_time_fmt(int64_t ns, char *buf, size_t cap)
{
	time_t t = (time_t)(ns / 1000000000LL);
	struct tm tm;
	gmtime_r(&t, &tm);
	snprintf(buf, cap, "%04d%02d%02d-%02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
	         tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static int digits(const char *s, int n, int *v)
{
	int x = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		x = x * 10 + (s[i] - '0');
	}
	*v = x;
	return 0;
}

int fix_time_parse(const char *s, int len, int64_t *ns)
{
	int y, mo, d, h, mi, se, ms = 0;
	if (len != 17 && len != 21)
		return -1;
	if (s[8] != '-' || s[11] != ':' || s[14] != ':')
		return -1;
	if (digits(s, 4, &y) || digits(s + 4, 2, &mo) || digits(s + 6, 2, &d) ||
	    digits(s + 9, 2, &h) || digits(s + 12, 2, &mi) || digits(s + 15, 2, &se))
		return -1;
	if (len == 21 && (s[17] != '.' || digits(s + 18, 3, &ms)))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
		return -1;
	struct tm tm = {0};
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	time_t t = timegm(&tm);
	*ns = (int64_t)t * 1000000000LL + (int64_t)ms * 1000000LL;
	return 0;
}

static int hdr_cmp(const void *a, const void *b)
{
	const struct fix_hdr *x = a, *y = b;
	return (x->tag > y->tag) - (x->tag < y->tag);
}

long fix_build(char *out, size_t cap, const char *begin, const char *msgtype,
               struct fix_hdr *hdr, int nhdr, const char *body, size_t bodylen)
{
	char mid[1024];
	size_t m = 0;
	int k = snprintf(mid, sizeof mid, "35=%s\001", msgtype);
	if (k < 0 || (size_t)k >= sizeof mid)
		return -1;
	m = (size_t)k;
	qsort(hdr, (size_t)nhdr, sizeof *hdr, hdr_cmp);
	for (int i = 0; i < nhdr; i++) {
		k = snprintf(mid + m, sizeof mid - m, "%d=%s\001", hdr[i].tag, hdr[i].val);
		if (k < 0 || (size_t)k >= sizeof mid - m)
			return -1;
		m += (size_t)k;
	}
	size_t blen = m + bodylen;
	k = snprintf(out, cap, "8=%s\0019=%zu\001", begin, blen);
	if (k < 0 || (size_t)k + blen + 7 >= cap)
		return -1;
	size_t o = (size_t)k;
	memcpy(out + o, mid, m);
	o += m;
	memcpy(out + o, body, bodylen);
	o += bodylen;
	unsigned sum = 0;
	for (size_t i = 0; i < o; i++)
		sum += (unsigned char)out[i];
	k = snprintf(out + o, cap - o, "10=%03u\001", sum % 256);
	o += (size_t)k;
	return (long)o;
}
