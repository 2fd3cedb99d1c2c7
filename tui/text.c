/*
 * tui/text.c -- how numbers, prices and times look, in one place, so the
 * ladder, the progress panel, the decision list and `tranche ctl` agree.
 *
 * Prices travel in integer ticks (averages in fractional ticks) and are
 * shown in dollars with just enough decimals to show one tick exactly.
 * Times are nanoseconds of simulated time since the session epoch, shown
 * as HH:MM:SS.  Quantities get thousands separators, because a desk reads
 * 1,250,000 faster than 1250000.
 *
 * text_fit() is the last guard before a string reaches the terminal: it
 * measures by display columns (wcwidth) in a UTF-8 locale, and in any other
 * locale replaces non-ASCII by '?', so a panel never writes past its edge
 * (curses would wrap the rest onto the next line).  It also drops format
 * characters (text_is_format()): they have no width, so nothing would
 * show that they are there, and the bidi ones reorder what follows them --
 * a U+202E in a reason shows "buy 100" as "001 yub", and can carry the
 * reversal into the next column of a panel.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "tui/tui.h"

/*
 * Unicode's format characters (general category Cf) and the line and
 * paragraph separators, as of Unicode 15: the bidi marks, embeddings,
 * overrides and isolates (U+200E/F, U+202A-E, U+2066-9, U+061C), zero-width
 * characters, U+FEFF and the tag characters among them.  Ranges, sorted.
 */
static const uint32_t text_format_ranges[][2] = {
	{ 0x00ad, 0x00ad }, { 0x0600, 0x0605 }, { 0x061c, 0x061c },
	{ 0x06dd, 0x06dd }, { 0x070f, 0x070f }, { 0x0890, 0x0891 },
	{ 0x08e2, 0x08e2 }, { 0x180e, 0x180e }, { 0x200b, 0x200f },
	{ 0x2028, 0x202e }, { 0x2060, 0x2064 }, { 0x2066, 0x206f },
	{ 0xfeff, 0xfeff }, { 0xfff9, 0xfffb }, { 0x110bd, 0x110bd },
	{ 0x110cd, 0x110cd }, { 0x13430, 0x1343f }, { 0x1bca0, 0x1bca3 },
	{ 0x1d173, 0x1d17a }, { 0xe0001, 0xe0001 }, { 0xe0020, 0xe007f },
};

int
text_is_format(uint32_t cp)
{
	size_t lo = 0, hi = sizeof text_format_ranges /
	    sizeof text_format_ranges[0];

	if (cp < 0xad)
		return 0;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (cp < text_format_ranges[mid][0])
			hi = mid;
		else if (cp > text_format_ranges[mid][1])
			lo = mid + 1;
		else
			return 1;
	}
	return 0;
}

char *
text_qty(char *buf, size_t n, int64_t v)
{
	char digits[32];
	size_t len, i, w = 0, lead;
	int neg = v < 0;
	uint64_t u = neg ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	snprintf(digits, sizeof digits, "%llu", (unsigned long long)u);
	len = strlen(digits);
	lead = len % 3 == 0 ? 3 : len % 3;
	if (n == 0)
		return buf;
	if (neg && w + 1 < n)
		buf[w++] = '-';
	for (i = 0; i < len && w + 1 < n; i++) {
		if (i > 0 && (i - lead) % 3 == 0 && i >= lead) {
			buf[w++] = ',';
			if (w + 1 >= n)
				break;
		}
		buf[w++] = digits[i];
	}
	buf[w] = '\0';
	return buf;
}

/* A quantity in at most cols characters: text_qty's digits when they
 * fit, else thousands, millions, billions or trillions with the most
 * decimals that fit (1,000,000,000 in 9 is "1.000000B"; 1,234,567 in 5,
 * "1.23M"), so a column never shows a cut number. */
char *
text_qty_fit(char *buf, size_t n, int64_t v, int cols)
{
	static const char suffix[] = "KMBT";
	double a = v < 0 ? -(double)v : (double)v, scale = 1e3;
	int i, d;

	text_qty(buf, n, v);
	if (cols <= 0 || strlen(buf) <= (size_t)cols)
		return buf;
	for (i = 0; i < 4; i++, scale *= 1e3) {
		if (a / scale >= 999.5 && i < 3)
			continue;
		for (d = 6; d >= 0; d--) {
			snprintf(buf, n, "%s%.*f%c", v < 0 ? "-" : "", d,
			    a / scale, suffix[i]);
			if (strlen(buf) <= (size_t)cols)
				return buf;
		}
	}
	return buf;
}

int
text_decimals(double tick)
{
	int d;
	double scaled;

	for (d = 0; d < 8; d++) {
		scaled = tick * pow(10, d);
		if (fabs(scaled - llround(scaled)) < 1e-9 * fmax(1, scaled))
			break;
	}
	return d < 2 ? 2 : d;
}

char *
text_px(char *buf, size_t n, double ticks, double tick, int decimals)
{
	snprintf(buf, n, "%.*f", decimals, ticks * tick);
	return buf;
}

char *
text_clock(char *buf, size_t n, int64_t t_ns)
{
	int64_t s;

	if (t_ns <= 0) {
		snprintf(buf, n, "--:--:--");
		return buf;
	}
	s = t_ns / 1000000000;
	snprintf(buf, n, "%02lld:%02lld:%02lld", (long long)(s / 3600),
	    (long long)(s / 60 % 60), (long long)(s % 60));
	return buf;
}

char *
text_duration(char *buf, size_t n, int64_t ns)
{
	int64_t s = ns > 0 ? (ns + 999999999) / 1000000000 : 0;

	/* With units: "09:32" beside a clock reads like a time of day. */
	if (s >= 3600)
		snprintf(buf, n, "%lldh%02lldm%02llds", (long long)(s / 3600),
		    (long long)(s / 60 % 60), (long long)(s % 60));
	else if (s >= 60)
		snprintf(buf, n, "%lldm%02llds", (long long)(s / 60),
		    (long long)(s % 60));
	else
		snprintf(buf, n, "%llds", (long long)s);
	return buf;
}

char *
text_speed(char *buf, size_t n, double speed)
{
	if (speed <= 0)
		snprintf(buf, n, "max");        /* the protocol's 0 */
	else if (speed == floor(speed))
		snprintf(buf, n, "%.0fx", speed);
	else if (speed * 2 == floor(speed * 2))
		snprintf(buf, n, "%.1fx", speed);
	else
		snprintf(buf, n, "%.2fx", speed);
	return buf;
}

int
text_width(const char *s, int utf8)
{
	mbstate_t st;
	wchar_t wc;
	size_t len = strlen(s), k;
	int cols = 0, w;

	if (!utf8) {
		for (; *s != '\0'; s++)
			if ((*s & 0xc0) != 0x80)
				cols++;
		return cols;
	}
	memset(&st, 0, sizeof st);
	while (len > 0) {
		/* Printable ASCII is one column and one byte: most text is,
		 * and the wide-character calls cost more than the rest of a
		 * frame's formatting. */
		if ((unsigned char)*s >= 0x20 && (unsigned char)*s < 0x7f) {
			cols++, s++, len--;
			continue;
		}
		k = mbrtowc(&wc, s, len, &st);
		if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
			memset(&st, 0, sizeof st);
			k = 1, w = 1;
		} else if (text_is_format((uint32_t)wc))
			w = 0;
		else
			w = wcwidth(wc) < 0 ? 1 : wcwidth(wc);
		cols += w;
		s += k, len -= k;
	}
	return cols;
}

char *
text_fit(char *dst, size_t n, const char *src, int cols, int utf8)
{
	mbstate_t st;
	wchar_t wc;
	size_t len = strlen(src), k, o = 0;
	int used = 0, w, total;

	if (n == 0)
		return dst;
	dst[0] = '\0';
	if (cols <= 0)
		return dst;
	total = text_width(src, utf8);
	memset(&st, 0, sizeof st);
	while (len > 0) {
		const char *piece = src;
		size_t plen;

		if (!utf8) {
			k = 1;
			while (k < len && ((unsigned char)src[0] & 0x80) &&
			    ((unsigned char)src[k] & 0xc0) == 0x80)
				k++;
			piece = (unsigned char)src[0] < 0x80 ? src : "?";
			plen = 1;
			w = 1;
		} else if ((unsigned char)src[0] >= 0x20 &&
		    (unsigned char)src[0] < 0x7f) {
			k = 1, plen = 1, w = 1;
		} else {
			k = mbrtowc(&wc, src, len, &st);
			if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
				memset(&st, 0, sizeof st);
				k = 1, piece = "?", plen = 1, w = 1;
			} else if (text_is_format((uint32_t)wc)) {
				src += k, len -= k;
				continue;
			} else if (wcwidth(wc) < 0) {
				piece = "?", plen = 1, w = 1;
			} else {
				plen = k;
				w = wcwidth(wc);
			}
		}
		/* Leave room for the '~' that says the text goes on. */
		if (used + w > cols || (total > cols && used + w > cols - 1))
			break;
		if (o + plen >= n)
			break;
		memcpy(dst + o, piece, plen);
		o += plen, used += w;
		src += k, len -= k;
	}
	if (len > 0 && used < cols && o + 1 < n)
		dst[o++] = '~';
	dst[o] = '\0';
	return dst;
}

/* Bytes of s that fit in cols columns, whole characters; *space the
 * offset of the last space among them (0 none). */
static size_t
text_scan(const char *s, int cols, int utf8, size_t *space)
{
	mbstate_t st;
	wchar_t wc;
	size_t len = strlen(s), k, o = 0;
	int used = 0, w;

	*space = 0;

	memset(&st, 0, sizeof st);
	while (o < len) {
		if (!utf8) {
			k = 1;
			while (o + k < len && ((unsigned char)s[o] & 0x80) &&
			    ((unsigned char)s[o + k] & 0xc0) == 0x80)
				k++;
			w = 1;
		} else {
			k = mbrtowc(&wc, s + o, len - o, &st);
			if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
				memset(&st, 0, sizeof st);
				k = 1, w = 1;
			} else
				w = wcwidth(wc) < 0 ? 1 : wcwidth(wc);
		}
		if (used + w > cols)
			break;
		if (s[o] == ' ')
			*space = o;
		used += w;
		o += k;
	}
	return o;
}

size_t
text_prefix(const char *s, int cols, int utf8)
{
	size_t space, o = text_scan(s, cols, utf8, &space);

	/* Break at the last space when the text goes on and a space is not
	 * too far back. */
	if (s[o] != '\0' && s[o] != ' ' && space > 0 && space * 2 >= o)
		return space + 1;
	return o;
}

size_t
text_prefix_hard(const char *s, int cols, int utf8)
{
	size_t space;

	return text_scan(s, cols, utf8, &space);
}

double
text_done_pct(double filled, double qty)
{
	if (qty <= 0)
		return 0;
	if (filled >= qty)
		return 100;
	return floor(100.0 * filled / qty);
}
