/*
 * fix-msg.c -- reading fields of a parsed message and writing the body of
 * an outgoing one.
 *
 * A parsed message (struct fix_msg) points into the bytes it was read from,
 * so the getters copy and convert on demand; they look at the first field
 * with the tag, which is the only one a well-formed message has (repeated
 * tags are refused by validation before the application sees a message).
 * An outgoing body (struct fix_out) is a fixed buffer: a value with SOH in
 * it, or one that would not fit, marks the message as overflowed rather
 * than cutting it, and fix_send() refuses an overflowed message whole.
 */
#include "engine/fix/fix.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct fix_field *msg_find(const struct fix_msg *m, int tag)
{
	for (int i = 0; i < m->n; i++)
		if (m->f[i].tag == tag)
			return &m->f[i];
	return NULL;
}

int fix_get_str(const struct fix_msg *m, int tag, char *out, size_t cap)
{
	const struct fix_field *f = msg_find(m, tag);
	if (!f)
		return -1;
	if ((size_t)f->len + 1 > cap)
		return -2;
	memcpy(out, f->val, (size_t)f->len);
	out[f->len] = '\0';
	return 0;
}

/* A number's text: the value as a C string, -2 when it holds a NUL (the
 * codec lets one into a value; "6\0junk" is not the number 6). */
static int num_text(const struct fix_msg *m, int tag, char *buf, size_t cap)
{
	const struct fix_field *f = msg_find(m, tag);
	int rc = fix_get_str(m, tag, buf, cap);

	if (rc == 0 && memchr(f->val, '\0', (size_t)f->len) != NULL)
		return -2;
	return rc;
}

int fix_get_int(const struct fix_msg *m, int tag, long long *v)
{
	char buf[32];
	int rc = num_text(m, tag, buf, sizeof buf);
	if (rc == -2)
		return -2;
	if (rc < 0)
		return -1;
	const char *p = buf;
	if (*p == '-' || *p == '+')
		p++;
	if (!*p)
		return -2;
	for (const char *q = p; *q; q++)
		if (*q < '0' || *q > '9')
			return -2;
	errno = 0;
	long long x = strtoll(buf, NULL, 10);
	if (errno)
		return -2;
	*v = x;
	return 0;
}

int fix_get_num(const struct fix_msg *m, int tag, double *v)
{
	char buf[64];
	int rc = num_text(m, tag, buf, sizeof buf);
	if (rc == -2)
		return -2;
	if (rc < 0)
		return -1;
	/* FIX floats are plain decimals: an optional sign, digits, at most one
	 * point; no exponent, no inf or nan. */
	const char *p = buf;
	int digits = 0, dots = 0;
	if (*p == '-')
		p++;
	for (; *p; p++) {
		if (*p >= '0' && *p <= '9')
			digits++;
		else if (*p == '.' && !dots)
			dots++;
		else
			return -2;
	}
	if (!digits)
		return -2;
	*v = strtod(buf, NULL);
	return 0;
}

void fix_out_begin(struct fix_out *o, const char *msgtype)
{
	memset(o->msgtype, 0, sizeof o->msgtype);
	o->overflow = 0;
	o->len = 0;
	o->body[0] = '\0';
	if (!msgtype || !*msgtype || strlen(msgtype) >= sizeof o->msgtype ||
	    strchr(msgtype, '\001') || strchr(msgtype, '='))
		o->overflow = 1;
	else
		memcpy(o->msgtype, msgtype, strlen(msgtype));
}

void fix_out_str(struct fix_out *o, int tag, const char *v)
{
	if (o->overflow)
		return;
	if (!v || strchr(v, '\001') || tag <= 0) {
		o->overflow = 1;
		return;
	}
	size_t room = sizeof o->body - o->len;
	int n = snprintf(o->body + o->len, room, "%d=%s\001", tag, v);
	if (n < 0 || (size_t)n >= room) {
		o->overflow = 1;
		o->body[o->len] = '\0';
		return;
	}
	o->len += (size_t)n;
}

void fix_out_int(struct fix_out *o, int tag, long long v)
{
	char buf[32];
	snprintf(buf, sizeof buf, "%lld", v);
	fix_out_str(o, tag, buf);
}

void fix_out_num(struct fix_out *o, int tag, double v, int decimals)
{
	char buf[64];
	if (!isfinite(v) || decimals < 0 || decimals > 12) {
		o->overflow = 1;
		return;
	}
	int n = snprintf(buf, sizeof buf, "%.*f", decimals, v);
	if (n < 0 || (size_t)n >= sizeof buf) {
		o->overflow = 1;
		return;
	}
	fix_out_str(o, tag, buf);
}
