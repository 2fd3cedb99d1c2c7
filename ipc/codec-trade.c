/*
 * ipc/codec-trade.c -- a trade event's payload read without cJSON.
 *
 * Trades are seven in ten events at a busy engine, and a console that
 * decodes each with cJSON spends most of its time allocating.  The engine
 * writes a trade in one compact form: one flat object of whole numbers
 * and strings without escapes.  This reader accepts exactly that form and
 * nothing else -- a nested value, an escape, a fraction or exponent, a
 * number of more than 15 digits, px, qty or aggr of the other type, or
 * bytes after the object return -1 -- so a caller that falls back to the
 * full decoder on -1 gets the same answer either way.  It lives beside the
 * codec so that it is tested, and fuzzed, with it.
 */
#include <string.h>

#include "ipc/codec.h"

int
ipc_trade_fast(const char *json, size_t len, struct ipc_trade *tr)
{
	const char *p = json, *end = json + len;

	memset(tr, 0, sizeof *tr);
	if (p >= end || *p++ != '{')
		return -1;
	for (;;) {
		const char *key, *val;
		size_t kl, vl;

		if (p >= end || *p++ != '"')
			return -1;
		for (key = p; p < end && *p != '"'; p++)
			if (*p == '\\' || (unsigned char)*p < 0x20)
				return -1;
		if (p + 1 >= end || p[1] != ':')
			return -1;
		kl = (size_t)(p - key);
		p += 2;
		if (p < end && *p == '"') {
			for (val = ++p; p < end && *p != '"'; p++)
				if (*p == '\\' || (unsigned char)*p < 0x20)
					return -1;
			if (p >= end)
				return -1;
			vl = (size_t)(p++ - val);
			if (kl == 4 && memcmp(key, "aggr", 4) == 0 &&
			    !tr->has_aggr) {
				tr->has_aggr = 1;
				tr->buy = vl == 3 && memcmp(val, "buy", 3) == 0;
			} else if (kl == 3 && memcmp(key, "sym", 3) == 0) {
				/* Printable ASCII only, as the decoding path would
				 * leave it; anything else takes that path. */
				if (vl >= sizeof tr->sym)
					return -1;
				for (size_t i = 0; i < vl; i++)
					if ((unsigned char)val[i] < 0x20 ||
					    (unsigned char)val[i] > 0x7e)
						return -1;
				memcpy(tr->sym, val, vl);
				tr->sym[vl] = '\0';
			} else if ((kl == 2 && memcmp(key, "px", 2) == 0) ||
			    (kl == 3 && memcmp(key, "qty", 3) == 0))
				return -1;
		} else {
			int neg = p < end && *p == '-', nd = 0;
			int64_t v = 0;

			p += neg;
			for (; p < end && *p >= '0' && *p <= '9'; p++, nd++)
				v = v * 10 + (*p - '0');
			if (nd == 0 || nd > 15 || (p < end && (*p == '.' ||
			    *p == 'e' || *p == 'E')))
				return -1;
			v = neg ? -v : v;
			if (kl == 2 && memcmp(key, "px", 2) == 0 && !tr->has_px)
				tr->has_px = 1, tr->px = v;
			else if (kl == 3 && memcmp(key, "qty", 3) == 0 &&
			    !tr->has_qty)
				tr->has_qty = 1, tr->qty = v;
			else if (kl == 4 && memcmp(key, "aggr", 4) == 0)
				return -1;
		}
		if (p < end && *p == ',') {
			p++;
			continue;
		}
		if (p < end && *p == '}' && p + 1 == end)
			return 0;
		return -1;
	}
}
