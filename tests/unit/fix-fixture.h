/*
 * tests/unit/fix-fixture.h -- helpers the FIX unit tests share: writing a
 * message from a readable form ("8=FIX.4.4|35=0|...", '|' for SOH) with
 * BodyLength and CheckSum computed here, independently of the codec under
 * test, and a fresh temporary directory.
 */
#ifndef TRANCHE_FIX_FIXTURE_H
#define TRANCHE_FIX_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Writes "8=V|9=LEN|<rest>10=SUM|" into out from "8=V|<rest>", '|' read
 * as SOH; <NOW> is replaced by now (seconds since the epoch, UTC).
 * Returns the length. */
static inline size_t fx_msg(char *out, size_t cap, const char *text, long long now)
{
	char body[8192], first[64];
	size_t b = 0;
	const char *p = strchr(text, '|');
	size_t fl = (size_t)(p - text);
	memcpy(first, text, fl);
	first[fl] = '\0';
	for (p = p + 1; *p && b + 32 < sizeof body; p++) {
		if (!strncmp(p, "<NOW>", 5)) {
			time_t t = (time_t)now;
			struct tm tm;
			gmtime_r(&t, &tm);
			b += strftime(body + b, sizeof body - b, "%Y%m%d-%H:%M:%S", &tm);
			p += 4;
			continue;
		}
		body[b++] = *p == '|' ? '\001' : *p;
	}
	int n = snprintf(out, cap, "%s\0019=%zu\001", first, b);
	memcpy(out + n, body, b);
	size_t len = (size_t)n + b;
	unsigned sum = 0;
	for (size_t i = 0; i < len; i++)
		sum += (unsigned char)out[i];
	len += (size_t)snprintf(out + len, cap - len, "10=%03u\001", sum % 256);
	return len;
}

/* The text of a message with '|' for SOH, for comparisons. */
static inline char *fx_text(const char *raw, size_t len)
{
	char *t = malloc(len + 1);
	for (size_t i = 0; i < len; i++)
		t[i] = raw[i] == '\001' ? '|' : raw[i];
	t[len] = '\0';
	return t;
}

static inline void fx_tmpdir(char *out, size_t cap, const char *what)
{
	snprintf(out, cap, "/tmp/tranche-%s-XXXXXX", what);
	if (!mkdtemp(out))
		out[0] = '\0';
}

#endif
