/*
 * ipc/utf8.h -- one UTF-8 decoder for everything that reads text from
 * outside: the wire (ipc/codec.c) and the files a person writes
 * (engine/json).  A header of its own, with no library behind it, so
 * that engine/json, the lowest layer, takes nothing else of ipc.
 */
#ifndef TRANCHE_IPC_UTF8_H
#define TRANCHE_IPC_UTF8_H

#include <stddef.h>
#include <stdint.h>

/*
 * The length of the valid UTF-8 character at p (at most left bytes; a
 * NUL-terminated string may pass SIZE_MAX, its NUL ending any sequence)
 * and its code point in *cp, or 0 when the bytes there are not one:
 * overlong forms, surrogates and code points past U+10FFFF are not.
 */
static inline size_t
tranche_utf8(const unsigned char *p, size_t left, uint32_t *cp)
{
	size_t n, i;
	uint32_t c;

	if (left == 0)
		return 0;
	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2, c = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3, c = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4, c = p[0] & 0x07;
	else
		return 0;
	if (n > left)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && c < 0x10000) ||
	    (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return 0;
	*cp = c;
	return n;
}

#endif
