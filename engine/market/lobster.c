/*
 * engine/market/lobster.c -- NASDAQ LOBSTER files: parsing, verification
 * and replay as a market source.
 *
 * Parsing.  Each file is read whole into memory and walked once with a
 * hand-written integer parser; there is no sscanf or strtod per field.  A
 * UTF-8 byte-order mark at the start of a file is skipped (spreadsheets
 * write one, and it would otherwise make the first data row a "header"); a
 * first line that does not then start with a digit or a sign is a header and
 * is skipped; a '\r' before a '\n' is ignored; a last line without a newline
 * is fine as long as it is complete.  Times are seconds after midnight with
 * up to 9 decimals and become integer nanoseconds exactly.
 *
 * Range checks.  A row that parses is still refused, naming the file, the
 * line, the field and the value, when it cannot be a LOBSTER event: times
 * past 24 h or earlier than the row before (equal times are common: the
 * sample's are rounded to 5 decimals); a type other than 1-7; a direction
 * other than 1 or -1; for types 1-6 a size outside 1..LOBSTER_MAX_SIZE or a
 * price outside 1..LOBSTER_EMPTY_PX-1; for a halt (7) anything but what the
 * format defines (price -1, 0 or 1, direction -1, id and size 0).  An
 * orderbook level is either a price in that range with a size > 0, or its
 * side's empty-level dummy (9999999999 ask, -9999999999 bid) with size 0.
 * Replay and verification never see a negative size or a price of -1.  The level N of
 * a pair is the number of columns of the first orderbook row divided by 4;
 * every row must then hold exactly 4N columns and the two files the same
 * number of rows.  A message whose id was submitted (type 1) by an earlier
 * message (other than the first, whose effect is in the seed row) is marked
 * "known" while parsing, so that replay can tell an id it
 * never saw (an order resting before the start, or that joined while deeper
 * than level N) from one it saw and has since lost (because we took it).
 *
 * The rebuilt book.  Verification and replay share one engine.  The first
 * orderbook row is the book after the first message, so it seeds the book
 * and the first message is not applied again.  Every level of the seed
 * becomes one synthetic order whose id is derived from its side and price
 * (LOB_SYN_BIT | side | price), so the aggregate of unknown liquidity at a
 * price can be found again without a table.  A message on a known id acts
 * on that order; a message on an unknown id acts on the synthetic order at
 * its price and side.  Types: 1 adds, 2 takes `size` off, 3 removes the
 * whole known order (or `size` off the synthetic one), 4 takes `size` off
 * and prints a trade, 5 and 6 only print a trade (hidden and cross
 * executions do not touch the visible book), 7 does nothing.  Every removal
 * is clamped at what is left, which only matters in replay, where our own
 * orders may already have taken the liquidity a message refers to.
 *
 * Deep resyncs.  A level-N message file holds only events inside the top N
 * levels, so liquidity that was added or removed while deeper than level N
 * is invisible until it comes into view.  After each message the engine
 * takes the orderbook row of the previous message as the window it knew:
 * on a side where that row shows N real levels, a price strictly worse than
 * its level-N price was out of view.  Then, and only for such prices that
 * the current row shows (or that the rebuilt book would show among its top
 * N), the rebuilt book is made to agree with the file: a level the rebuilt
 * book lacks is added, a level whose size differs is grown or shrunk, and a
 * level the rebuilt book has but the file does not is emptied.  Each level
 * so changed counts as one deep resync.  Changes are made on the synthetic
 * order at that price; a shrink larger than the synthetic liquidity there
 * cannot be made (known orders are never touched) and is left for the
 * comparison to report.  On a side where the previous row shows fewer than
 * N real levels the whole side was in view and nothing is taken from the
 * file.  Any other difference -- at a price that was in view, i.e. at or
 * better than the previous level-N price -- is a mismatch.
 *
 * Known orders can also vanish out of view.  A level that comes back into
 * view smaller than the rebuilt one is shrunk on its synthetic order first
 * and then on its known orders, latest first (the file only gives the
 * aggregate), and the ids so shrunk are remembered.  Two rules follow from
 * that guess being possibly wrong about which order went: a message on an
 * unknown id asking for more than the synthetic order holds takes the rest
 * off the level's known orders (the order it names joined out of view,
 * some known ones left out of view), and a message on a shrunk id asking
 * for more than that order still holds takes the rest off the level.  In
 * replay both rules apply only until we first trade; after that a
 * shortfall may be liquidity we took, and it is clamped at zero instead.
 *
 * Verification then compares the top N levels of each side, price and
 * size, with the row.  After a mismatch it forces the book to the row (as
 * far as synthetic orders allow; not counted as deep resyncs) so that one
 * error is not reported again on every later row.
 *
 * Replay.  Prices are divided by the price units per tick (100 for $0.01).
 * Our orders go into the same book through market_submit(), so:
 *   - an aggressive order of ours matches the replayed depth in the book,
 *     and what it takes stays taken: later messages on those orders are
 *     clamped at zero (a known id that is gone does nothing; an unknown id
 *     whose synthetic order is gone does nothing);
 *   - a passive order of ours joins the back of the queue at its price, so
 *     the displayed size there is ahead of it, and is filled only by
 *     replayed visible executions (type 4) on its side at its price: when
 *     the executed order queued behind ours, the execution would have
 *     reached us first, so it fills ours (up to its size) and only the rest
 *     comes off the executed order; when the executed order is gone (we
 *     took it) the execution fills ours only if nothing is ahead of us.
 *     Executions of orders ahead of ours just shrink the queue ahead;
 *     cancels ahead of us move us up, by the book's price-time priority.
 *   - a replayed submit that crosses a resting order of ours trades with it
 *     in the book (it would have in a market that held our order).
 * Deep resyncs run in replay too, ignoring our own shares when comparing a
 * level with the file; liquidity we took beyond level N can come back that
 * way, since the file cannot say whether it was replenished.  Each replayed
 * execution (types 4, 5 and 6) is printed through the market's trade
 * callback with its full size, so volume counts; our part of it is also
 * reported as a fill.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/market/lobster.h"

#define LOB_SYN_BIT (1ULL << 62)
#define LOB_MAX_LEVELS 1000
#define LOB_MSG_FIELDS 6

struct lob {
	struct market m;
	struct lobster_data d;
	int64_t div;     /* price units per tick */
	size_t next;     /* next message to apply */
	int replay;      /* our orders may be in the book */
	int borrowed;    /* d belongs to the caller */
	uint64_t our_lo; /* no id of ours below this is live */
	uint64_t deep_resyncs;
	int cap;         /* entries in lv */
	struct book_level *lv;
	/* Replayed ids by level, so a resync can shrink known orders. */
	struct lob_lvl *lvls;
	size_t nlvls, caplvls;
	/* Ids a resync shrank or removed (keys id + 1). */
	uint64_t *shrunk;
	size_t nshrunk, capshrunk;
};

struct lob_lvl {
	uint64_t key;  /* lob_syn_id(side, px); 0 empty */
	uint64_t *ids; /* in arrival order; may hold dead ones */
	uint32_t n, cap;
};

static const char *const lob_msg_field[LOB_MSG_FIELDS] = {
	"time", "type", "order id", "size", "price", "direction",
};

static void
lob_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/*
 * Parsing.
 */

static int
lob_read_file(const char *path, char **buf, size_t *len, char *err,
              size_t errlen)
{
	struct stat st;
	size_t off = 0;
	ssize_t r;
	char *b;
	int fd;

	*buf = NULL;
	*len = 0;
	if ((fd = open(path, O_RDONLY)) < 0) {
		lob_err(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return LOBSTER_EIO;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		lob_err(err, errlen, "%s: not a regular file", path);
		close(fd);
		return LOBSTER_EIO;
	}
	if ((b = malloc((size_t)st.st_size + 1)) == NULL) {
		close(fd);
		lob_err(err, errlen, "%s: out of memory for %lld bytes", path,
		        (long long)st.st_size);
		return LOBSTER_ENOMEM;
	}
	while (off < (size_t)st.st_size) {
		r = read(fd, b + off, (size_t)st.st_size - off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			lob_err(err, errlen, "%s: read failed: %s", path,
			        r < 0 ? strerror(errno) : "file shrank");
			free(b);
			close(fd);
			return LOBSTER_EIO;
		}
		off += (size_t)r;
	}
	close(fd);
	b[off] = '\0';
	*buf = b;
	*len = off;
	return 0;
}

/* Lines in a buffer, counting a last line without a newline. */
static size_t
lob_count_lines(const char *p, size_t len)
{
	const char *end = p + len, *nl;
	size_t n = 0;

	while (p < end && (nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		n++;
		p = nl + 1;
	}
	return n + (p < end);
}

/* One line: [*p, eol) with a trailing '\r' cut; advances *p past it. */
static void
lob_next_line(const char **p, const char *end, const char **s, const char **e)
{
	const char *nl = memchr(*p, '\n', (size_t)(end - *p));
	const char *le = nl != NULL ? nl : end;

	*s = *p;
	*e = le > *s && le[-1] == '\r' ? le - 1 : le;
	*p = nl != NULL ? nl + 1 : end;
}

/* Past a UTF-8 byte-order mark at the start of buf, if there is one. */
static const char *
lob_skip_bom(const char *buf, size_t len)
{
	return len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0 ? buf + 3 : buf;
}

static int
lob_is_header(const char *p, size_t len)
{
	return len > 0 && !(p[0] >= '0' && p[0] <= '9') && p[0] != '-' &&
	       p[0] != '+' && p[0] != '\n' && p[0] != '\r';
}

/* Whether only blank lines remain from p. */
static int
lob_rest_blank(const char *p, const char *end)
{
	for (; p < end; p++)
		if (*p != '\n' && *p != '\r' && *p != ' ' && *p != '\t')
			return 0;
	return 1;
}

/* A signed decimal integer of at most 18 digits; 0 or -1 with *why. */
static int
lob_int(const char **pp, const char *e, int64_t *out, const char **why)
{
	const char *p = *pp;
	int neg = 0, nd = 0;
	int64_t v = 0;

	if (p < e && (*p == '-' || *p == '+'))
		neg = *p++ == '-';
	while (p < e && (unsigned)(*p - '0') < 10) {
		if (++nd > 18) {
			*why = "more than 18 digits";
			return -1;
		}
		v = v * 10 + (*p++ - '0');
	}
	if (nd == 0) {
		*why = p < e && *p != ',' ? "not a number" : "empty";
		return -1;
	}
	*out = neg ? -v : v;
	*pp = p;
	return 0;
}

/* Seconds after midnight with up to 9 decimals, as exact nanoseconds. */
static int
lob_time(const char **pp, const char *e, int64_t *out, const char **why)
{
	static const int64_t scale[10] = {
		1000000000, 100000000, 10000000, 1000000, 100000, 10000, 1000,
		100, 10, 1,
	};
	const char *p = *pp;
	int64_t s = 0, f = 0;
	int nd = 0, nf = 0;

	while (p < e && (unsigned)(*p - '0') < 10) {
		if (++nd > 9) {
			*why = "more than 9 digits of seconds";
			return -1;
		}
		s = s * 10 + (*p++ - '0');
	}
	if (nd == 0) {
		*why = p < e && *p != ',' ? "not a time" : "empty";
		return -1;
	}
	if (p < e && *p == '.') {
		p++;
		while (p < e && (unsigned)(*p - '0') < 10) {
			if (++nf > 9) {
				*why = "more than 9 decimals";
				return -1;
			}
			f = f * 10 + (*p++ - '0');
		}
	}
	*out = s * MARKET_NS_PER_SEC + f * scale[nf];
	*pp = p;
	return 0;
}

/* The character found where a field should have ended, for messages. */
static void
lob_show(char *dst, size_t n, const char *p, const char *e)
{
	if (p >= e)
		snprintf(dst, n, "end of line");
	else if (*p >= 0x20 && *p < 0x7f)
		snprintf(dst, n, "'%c'", *p);
	else
		snprintf(dst, n, "byte 0x%02x", (unsigned char)*p);
}

/*
 * The range checks of one parsed message row (v in file order: time, type,
 * id, size, price, direction); prev is the time of the row before, or -1.
 * 0, or -1 with err naming the file, line, field and value.
 */
static int
lob_check_msg(const int64_t *v, int64_t prev, const char *name, long line,
              char *err, size_t errlen)
{
	const int64_t day = 86400 * MARKET_NS_PER_SEC;
	long long t = (long long)v[0];

	if (v[0] >= day) {
		lob_err(err, errlen, "%s:%ld: field 1 (time) is %lld.%09lld: at or "
		        "past the end of the day (86400 seconds after midnight)", name,
		        line, t / MARKET_NS_PER_SEC, t % MARKET_NS_PER_SEC);
		return -1;
	}
	if (v[0] < prev) {
		lob_err(err, errlen, "%s:%ld: field 1 (time) is %lld.%09lld: before "
		        "the row above's %lld.%09lld (times must not go backwards)",
		        name, line, t / MARKET_NS_PER_SEC, t % MARKET_NS_PER_SEC,
		        (long long)(prev / MARKET_NS_PER_SEC),
		        (long long)(prev % MARKET_NS_PER_SEC));
		return -1;
	}
	if (v[1] < 1 || v[1] > 7) {
		lob_err(err, errlen, "%s:%ld: field 2 (type) is %lld: must be 1-7",
		        name, line, (long long)v[1]);
		return -1;
	}
	if (v[5] != 1 && v[5] != -1) {
		lob_err(err, errlen, "%s:%ld: field 6 (direction) is %lld: must "
		        "be 1 or -1", name, line, (long long)v[5]);
		return -1;
	}
	if (v[1] == 7) {
		/* A halt: the format fixes every field but the time. */
		if (v[4] < -1 || v[4] > 1) {
			lob_err(err, errlen, "%s:%ld: field 5 (price) is %lld: a halt "
			        "(type 7) has price -1 (halt), 0 (quoting) or 1 "
			        "(resume)", name, line, (long long)v[4]);
			return -1;
		}
		if (v[3] != 0 || v[2] != 0 || v[5] != -1) {
			int f = v[2] != 0 ? 3 : v[3] != 0 ? 4 : 6;

			lob_err(err, errlen, "%s:%ld: field %d (%s) is %lld: a halt "
			        "(type 7) has order id 0, size 0 and direction -1",
			        name, line, f, lob_msg_field[f - 1],
			        (long long)v[f - 1]);
			return -1;
		}
		return 0;
	}
	if (v[3] <= 0 || v[3] > LOBSTER_MAX_SIZE) {
		lob_err(err, errlen, "%s:%ld: field 4 (size) is %lld: must be > 0 "
		        "and <= %lld shares (type %d)", name, line,
		        (long long)v[3], (long long)LOBSTER_MAX_SIZE, (int)v[1]);
		return -1;
	}
	if (v[4] <= 0 || v[4] >= LOBSTER_EMPTY_PX) {
		lob_err(err, errlen, "%s:%ld: field 5 (price) is %lld: must be > 0 "
		        "and < %lld (type %d)", name, line, (long long)v[4],
		        (long long)LOBSTER_EMPTY_PX, (int)v[1]);
		return -1;
	}
	if (v[2] < 0 || (uint64_t)v[2] >= LOB_SYN_BIT) {
		lob_err(err, errlen, "%s:%ld: field 3 (order id) is %lld: out of "
		        "range", name, line, (long long)v[2]);
		return -1;
	}
	return 0;
}

/* One orderbook level (price and size at row[0], row[1]) of column k:
 * a price in range with a size, or the side's empty-level dummy with 0. */
static int
lob_check_level(const int64_t *row, int k, const char *name, long line,
                char *err, size_t errlen)
{
	const char *side = k % 4 < 2 ? "ask" : "bid";
	int64_t dummy = k % 4 < 2 ? LOBSTER_EMPTY_PX : -LOBSTER_EMPTY_PX;
	int lvl = k / 4 + 1;

	if (row[0] == dummy) {
		if (row[1] == 0)
			return 0;
		lob_err(err, errlen, "%s:%ld: field %d (%s size %d) is %lld: must be "
		        "0 at an empty level (price %lld)", name, line, k + 2, side,
		        lvl, (long long)row[1], (long long)row[0]);
		return -1;
	}
	if (row[0] <= 0 || row[0] >= LOBSTER_EMPTY_PX) {
		lob_err(err, errlen, "%s:%ld: field %d (%s price %d) is %lld: must "
		        "be > 0 and < %lld, or %lld for an empty level", name, line,
		        k + 1, side, lvl, (long long)row[0],
		        (long long)LOBSTER_EMPTY_PX, (long long)dummy);
		return -1;
	}
	if (row[1] <= 0 || row[1] > LOBSTER_MAX_SIZE) {
		lob_err(err, errlen, "%s:%ld: field %d (%s size %d) is %lld: must be "
		        "> 0 and <= %lld at price %lld", name, line, k + 2, side,
		        lvl, (long long)row[1], (long long)LOBSTER_MAX_SIZE,
		        (long long)row[0]);
		return -1;
	}
	return 0;
}

static int
lob_parse_msgs(struct lobster_data *d, const char *name, const char *buf,
               size_t len, char *err, size_t errlen)
{
	const char *p = lob_skip_bom(buf, len), *end = buf + len, *s, *e, *q,
	    *why;
	size_t cap = lob_count_lines(buf, len), n = 0;
	long line = 1;
	int64_t v[LOB_MSG_FIELDS];
	char got[24];
	int k;

	d->msg_line0 = 1;
	if (lob_is_header(p, (size_t)(end - p))) {
		lob_next_line(&p, end, &s, &e);
		line = d->msg_line0 = 2;
	}
	if ((d->msgs = malloc((cap ? cap : 1) * sizeof *d->msgs)) == NULL) {
		lob_err(err, errlen, "%s: out of memory for %zu messages", name, cap);
		return LOBSTER_ENOMEM;
	}
	for (; p < end; line++) {
		lob_next_line(&p, end, &s, &e);
		if (s == e) {
			if (lob_rest_blank(p, end))
				break;
			lob_err(err, errlen, "%s:%ld: empty line", name, line);
			return LOBSTER_EFORMAT;
		}
		q = s;
		for (k = 0; k < LOB_MSG_FIELDS; k++) {
			if (k > 0) {
				if (q >= e) {
					lob_err(err, errlen, "%s:%ld: %d fields, expected %d "
					        "(truncated line?): field %d (%s) is missing",
					        name, line, k, LOB_MSG_FIELDS, k + 1,
					        lob_msg_field[k]);
					return LOBSTER_EFORMAT;
				}
				if (*q != ',') {
					lob_show(got, sizeof got, q, e);
					lob_err(err, errlen, "%s:%ld: field %d (%s): expected ',' "
					        "after it, got %s", name, line, k,
					        lob_msg_field[k - 1], got);
					return LOBSTER_EFORMAT;
				}
				q++;
			}
			if ((k == 0 ? lob_time(&q, e, &v[k], &why) :
			              lob_int(&q, e, &v[k], &why)) != 0) {
				lob_show(got, sizeof got, q, e);
				lob_err(err, errlen, "%s:%ld: field %d (%s): %s at %s", name,
				        line, k + 1, lob_msg_field[k], why, got);
				return LOBSTER_EFORMAT;
			}
		}
		if (q != e) {
			lob_show(got, sizeof got, q, e);
			lob_err(err, errlen, "%s:%ld: field %d (%s): expected end of "
			        "line, got %s", name, line, LOB_MSG_FIELDS,
			        lob_msg_field[LOB_MSG_FIELDS - 1], got);
			return LOBSTER_EFORMAT;
		}
		if (lob_check_msg(v, n > 0 ? d->msgs[n - 1].t : -1, name, line,
		                  err, errlen) != 0)
			return LOBSTER_EFORMAT;
		d->msgs[n].t = v[0];
		d->msgs[n].type = (int8_t)v[1];
		d->msgs[n].id = v[2];
		d->msgs[n].size = v[3];
		d->msgs[n].px = v[4];
		d->msgs[n].dir = (int8_t)v[5];
		d->msgs[n].known = 0;
		n++;
	}
	d->n = n;
	return 0;
}

static int
lob_parse_ob(struct lobster_data *d, const char *name, const char *buf,
             size_t len, size_t *rows, char *err, size_t errlen)
{
	const char *p = lob_skip_bom(buf, len), *end = buf + len, *s, *e, *q,
	    *why;
	size_t cap = lob_count_lines(buf, len), n = 0;
	long line = 1;
	int64_t *row;
	char got[24];
	int k, cols = 0;

	d->ob_line0 = 1;
	if (lob_is_header(p, (size_t)(end - p))) {
		lob_next_line(&p, end, &s, &e);
		line = d->ob_line0 = 2;
	}
	/* The first data row says the level. */
	if (p < end) {
		const char *t = p, *te;

		lob_next_line(&t, end, &s, &te);
		cols = 1;
		for (q = s; q < te; q++)
			cols += *q == ',';
		if (cols % 4 != 0 || cols / 4 > LOB_MAX_LEVELS) {
			lob_err(err, errlen, "%s:%ld: %d columns: an orderbook row holds "
			        "4 per level (at most %d levels)", name, line, cols,
			        LOB_MAX_LEVELS);
			return LOBSTER_EFORMAT;
		}
	}
	d->levels = cols / 4;
	if ((d->ob = malloc((cap ? cap : 1) * (size_t)(cols ? cols : 1) *
	                    sizeof *d->ob)) == NULL) {
		lob_err(err, errlen, "%s: out of memory for %zu rows", name, cap);
		return LOBSTER_ENOMEM;
	}
	for (; p < end; line++) {
		lob_next_line(&p, end, &s, &e);
		if (s == e) {
			if (lob_rest_blank(p, end))
				break;
			lob_err(err, errlen, "%s:%ld: empty line", name, line);
			return LOBSTER_EFORMAT;
		}
		row = d->ob + n * (size_t)cols;
		q = s;
		for (k = 0; k < cols; k++) {
			if (k > 0) {
				if (q >= e) {
					lob_err(err, errlen, "%s:%ld: %d fields, expected %d "
					        "(truncated line?): field %d is missing", name,
					        line, k, cols, k + 1);
					return LOBSTER_EFORMAT;
				}
				if (*q != ',') {
					lob_show(got, sizeof got, q, e);
					lob_err(err, errlen, "%s:%ld: field %d: expected ',' after "
					        "it, got %s", name, line, k, got);
					return LOBSTER_EFORMAT;
				}
				q++;
			}
			if (lob_int(&q, e, &row[k], &why) != 0) {
				lob_show(got, sizeof got, q, e);
				lob_err(err, errlen, "%s:%ld: field %d (%s %s %d): %s at %s",
				        name, line, k + 1, k % 4 < 2 ? "ask" : "bid",
				        k % 2 ? "size" : "price", k / 4 + 1, why, got);
				return LOBSTER_EFORMAT;
			}
			if (k % 2 == 1 && row[k] < 0) {
				lob_err(err, errlen, "%s:%ld: field %d (%s size %d) is %lld: "
				        "must be >= 0", name, line, k + 1,
				        k % 4 < 2 ? "ask" : "bid", k / 4 + 1,
				        (long long)row[k]);
				return LOBSTER_EFORMAT;
			}
		}
		if (q != e) {
			lob_show(got, sizeof got, q, e);
			lob_err(err, errlen, "%s:%ld: more than %d fields: expected end of "
			        "line after field %d, got %s", name, line, cols, cols, got);
			return LOBSTER_EFORMAT;
		}
		for (k = 0; k < cols; k += 2)
			if (lob_check_level(row + k, k, name, line, err, errlen) != 0)
				return LOBSTER_EFORMAT;
		n++;
	}
	*rows = n;
	return 0;
}

/* Mark the messages whose id an earlier message submitted. */
static int
lob_mark_known(struct lobster_data *d)
{
	size_t cap = 16, mask, i, j;
	uint64_t *set, key;

	while (cap < d->n * 2)
		cap <<= 1;
	if ((set = calloc(cap, sizeof *set)) == NULL)
		return LOBSTER_ENOMEM;
	mask = cap - 1;
	for (i = 0; i < d->n; i++) {
		struct lobster_msg *g = &d->msgs[i];

		g->known = 0;
		if (g->type > 4)
			continue;
		key = (uint64_t)g->id + 1;
		j = (size_t)((key * 0x9e3779b97f4a7c15ULL) >> 20) & mask;
		while (set[j] != 0 && set[j] != key)
			j = (j + 1) & mask;
		/* The first message is already in the seed row, as synthetic
		 * liquidity: an id it submits is not known. */
		g->known = set[j] == key;
		if (!g->known && g->type == 1 && i > 0)
			set[j] = key;
	}
	free(set);
	return 0;
}

void
lobster_data_free(struct lobster_data *d)
{
	if (d == NULL)
		return;
	free(d->msgs);
	free(d->ob);
	memset(d, 0, sizeof *d);
}

int
lobster_load_mem(struct lobster_data *d, const char *msgname,
                 const char *msgbuf, size_t msglen, const char *obname,
                 const char *obbuf, size_t oblen, char *err, size_t errlen)
{
	size_t rows = 0;
	int rv;

	memset(d, 0, sizeof *d);
	if ((rv = lob_parse_msgs(d, msgname, msgbuf, msglen, err, errlen)) != 0 ||
	    (rv = lob_parse_ob(d, obname, obbuf, oblen, &rows, err, errlen)) != 0)
		goto fail;
	if (d->n == 0) {
		lob_err(err, errlen, "%s: no messages", msgname);
		rv = LOBSTER_EFORMAT;
		goto fail;
	}
	if (rows != d->n) {
		lob_err(err, errlen, "%s has %zu messages but %s has %zu rows: the "
		        "files of a pair have one row per message", msgname, d->n,
		        obname, rows);
		rv = LOBSTER_EFORMAT;
		goto fail;
	}
	if ((rv = lob_mark_known(d)) != 0) {
		lob_err(err, errlen, "%s: out of memory", msgname);
		goto fail;
	}
	return 0;
fail:
	lobster_data_free(d);
	return rv;
}

int
lobster_load(struct lobster_data *d, const char *msgfile, const char *obfile,
             char *err, size_t errlen)
{
	char *mb = NULL, *ob = NULL;
	size_t ml, ol;
	int rv;

	memset(d, 0, sizeof *d);
	if ((rv = lob_read_file(msgfile, &mb, &ml, err, errlen)) == 0 &&
	    (rv = lob_read_file(obfile, &ob, &ol, err, errlen)) == 0)
		rv = lobster_load_mem(d, msgfile, mb, ml, obfile, ob, ol, err,
		                      errlen);
	free(mb);
	free(ob);
	return rv;
}

/*
 * The rebuilt book.
 */

static inline int
lob_side(int dir)
{
	return dir == 1 ? BOOK_BID : BOOK_ASK;
}

static inline uint64_t
lob_syn_id(int side, int64_t px)
{
	return LOB_SYN_BIT | ((uint64_t)side << 61) | (uint64_t)px;
}

/* Whether a file price is a real level (not the dummy of an empty one). */
static inline int
lob_real(int64_t px)
{
	return px > 0 && px < LOBSTER_EMPTY_PX;
}

/* File column of level k's price on a side. */
static inline int
lob_col(int side, int k)
{
	return 4 * k + (side == BOOK_ASK ? 0 : 2);
}

/* Our shares resting at px on a side (replay only). */
static int64_t
lob_our_qty(struct lob *r, int side, int64_t px)
{
	struct book_order_info oi;
	int64_t q = 0;
	uint64_t id;

	if (!r->replay)
		return 0;
	while (r->our_lo < r->m.next_our_id &&
	       book_order(r->m.book, r->our_lo, &oi) != 0)
		r->our_lo++;
	for (id = r->our_lo; id < r->m.next_our_id; id++)
		if (book_order(r->m.book, id, &oi) == 0 && oi.side == side &&
		    oi.px == px)
			q += oi.qty;
	return q;
}

/* Our resting order at (side, px) with the fewest shares ahead; 0 if none. */
static uint64_t
lob_our_head(struct lob *r, int side, int64_t px, int64_t *ahead)
{
	struct book_order_info oi;
	uint64_t id, best = 0;
	int64_t a;

	if (!r->replay)
		return 0;
	while (r->our_lo < r->m.next_our_id &&
	       book_order(r->m.book, r->our_lo, &oi) != 0)
		r->our_lo++;
	for (id = r->our_lo; id < r->m.next_our_id; id++) {
		if (book_order(r->m.book, id, &oi) != 0 || oi.side != side ||
		    oi.px != px)
			continue;
		a = book_queue_ahead(r->m.book, id);
		if (best == 0 || a < *ahead) {
			best = id;
			*ahead = a;
		}
	}
	return best;
}

/* Grow (delta > 0) or shrink the synthetic order at (side, px); returns the
 * change made. */
static int64_t
lob_syn_adjust(struct lob *r, int side, int64_t px, int64_t delta)
{
	struct book_order_info oi;
	uint64_t id = lob_syn_id(side, px);
	int64_t have = book_order(r->m.book, id, &oi) == 0 ? oi.qty : 0;

	if (delta > 0) {
		if (have > 0)
			book_modify(r->m.book, id, px, have + delta, NULL);
		else
			book_add(r->m.book, id, side, px, delta, BOOK_GTC,
			         BOOK_OWNER_NONE, NULL);
		r->m.changes++;
		return delta;
	}
	if (delta < 0 && have > 0) {
		if (-delta >= have) {
			book_cancel(r->m.book, id, NULL);
			delta = -have;
		} else {
			book_reduce(r->m.book, id, -delta);
		}
		r->m.changes++;
		return delta;
	}
	return 0;
}

static inline size_t
lob_hash(uint64_t k)
{
	return (size_t)((k * 0x9e3779b97f4a7c15ULL) >> 17);
}

/* The id list of a level, created if need be; NULL without memory. */
static struct lob_lvl *
lob_lvl_get(struct lob *r, uint64_t key, int create)
{
	size_t j, i;

	if (r->caplvls == 0 || (create && r->nlvls * 2 >= r->caplvls)) {
		size_t nc = r->caplvls ? r->caplvls * 2 : 1024;
		struct lob_lvl *nt = calloc(nc, sizeof *nt);

		if (nt == NULL)
			return NULL;
		for (i = 0; i < r->caplvls; i++) {
			if (r->lvls[i].key == 0)
				continue;
			j = lob_hash(r->lvls[i].key) & (nc - 1);
			while (nt[j].key != 0)
				j = (j + 1) & (nc - 1);
			nt[j] = r->lvls[i];
		}
		free(r->lvls);
		r->lvls = nt;
		r->caplvls = nc;
	}
	j = lob_hash(key) & (r->caplvls - 1);
	while (r->lvls[j].key != 0 && r->lvls[j].key != key)
		j = (j + 1) & (r->caplvls - 1);
	if (r->lvls[j].key == 0) {
		if (!create)
			return NULL;
		r->lvls[j].key = key;
		r->nlvls++;
	}
	return &r->lvls[j];
}

/* Remember a replayed order at its level, dropping dead ids when full. */
static void
lob_lvl_push(struct lob *r, int side, int64_t px, uint64_t id)
{
	struct lob_lvl *l = lob_lvl_get(r, lob_syn_id(side, px), 1);
	struct book_order_info oi;
	uint32_t i, k = 0;

	if (l == NULL)
		return;
	if (l->n == l->cap) {
		for (i = 0; i < l->n; i++)
			if (book_order(r->m.book, l->ids[i], &oi) == 0)
				l->ids[k++] = l->ids[i];
		l->n = k;
	}
	if (l->n == l->cap) {
		uint32_t nc = l->cap ? l->cap * 2 : 4;
		uint64_t *v = realloc(l->ids, nc * sizeof *v);

		if (v == NULL)
			return;
		l->ids = v;
		l->cap = nc;
	}
	l->ids[l->n++] = id;
}

static int
lob_shrunk_has(const struct lob *r, uint64_t id)
{
	size_t j;

	if (r->capshrunk == 0)
		return 0;
	j = lob_hash(id + 1) & (r->capshrunk - 1);
	while (r->shrunk[j] != 0) {
		if (r->shrunk[j] == id + 1)
			return 1;
		j = (j + 1) & (r->capshrunk - 1);
	}
	return 0;
}

static void
lob_shrunk_add(struct lob *r, uint64_t id)
{
	size_t j, i;

	if (lob_shrunk_has(r, id))
		return;
	if ((r->nshrunk + 1) * 2 >= r->capshrunk) {
		size_t nc = r->capshrunk ? r->capshrunk * 2 : 256;
		uint64_t *nt = calloc(nc, sizeof *nt);

		if (nt == NULL)
			return;
		for (i = 0; i < r->capshrunk; i++) {
			if (r->shrunk[i] == 0)
				continue;
			j = lob_hash(r->shrunk[i]) & (nc - 1);
			while (nt[j] != 0)
				j = (j + 1) & (nc - 1);
			nt[j] = r->shrunk[i];
		}
		free(r->shrunk);
		r->shrunk = nt;
		r->capshrunk = nc;
	}
	j = lob_hash(id + 1) & (r->capshrunk - 1);
	while (r->shrunk[j] != 0)
		j = (j + 1) & (r->capshrunk - 1);
	r->shrunk[j] = id + 1;
	r->nshrunk++;
}

/*
 * Take `by` shares off the replayed liquidity at a level: first off its
 * synthetic order, then off known orders, latest first (the file cannot
 * say which were cancelled out of view; the aggregate is what it shows).
 * Known orders so shrunk are remembered, so later messages on them may act
 * on the level's synthetic order for what they no longer hold.  Returns
 * the shares taken off.
 */
static int64_t
lob_level_shrink(struct lob *r, int side, int64_t px, int64_t by)
{
	struct book_order_info oi;
	struct lob_lvl *l;
	int64_t done = -lob_syn_adjust(r, side, px, -by);

	if (done >= by || (l = lob_lvl_get(r, lob_syn_id(side, px), 0)) == NULL)
		return done;
	while (done < by && l->n > 0) {
		uint64_t id = l->ids[l->n - 1];

		if (book_order(r->m.book, id, &oi) != 0 || oi.owner != BOOK_OWNER_NONE) {
			l->n--;
			continue;
		}
		lob_shrunk_add(r, id);
		if (oi.qty <= by - done) {
			book_cancel(r->m.book, id, NULL);
			done += oi.qty;
			l->n--;
		} else {
			book_reduce(r->m.book, id, by - done);
			done = by;
		}
		r->m.changes++;
	}
	return done;
}

/* A replayed execution, printed through the market's trade callback. */
static void
lob_print(struct lob *r, int64_t px, int64_t qty, int side)
{
	struct market *m = &r->m;

	m->volume += qty;
	m->last_px = px;
	m->changes++;
	if (m->cbs.trade != NULL)
		m->cbs.trade(m->cbs.arg, px, qty,
		             side == BOOK_BID ? BOOK_ASK : BOOK_BID);
}

/* Fill our resting order id by f shares, as a passive fill. */
static void
lob_fill_ours(struct lob *r, uint64_t id, int side, int64_t px, int64_t f,
              int64_t left)
{
	struct market *m = &r->m;
	struct market_fill mf;

	if (f >= left)
		book_cancel(m->book, id, NULL);
	else
		book_reduce(m->book, id, f);
	m->our_volume += f;
	m->changes++;
	if (m->cbs.fill != NULL) {
		mf.id = id;
		mf.venue = 0;
		mf.side = side;
		mf.px = px;
		mf.qty = f;
		mf.left = left - f;
		mf.passive = 1;
		m->cbs.fill(m->cbs.arg, &mf);
	}
}

/* A visible execution of q shares at (side, px) on order oid (live or not):
 * fill our orders the execution reaches first; returns what is left of q. */
static int64_t
lob_exec_ours(struct lob *r, int side, int64_t px, uint64_t oid, int oid_live,
              int64_t q)
{
	struct book_order_info oi;
	int64_t ahead = 0, xa = oid_live ? book_queue_ahead(r->m.book, oid) : 0;
	uint64_t us;

	while (q > 0 && (us = lob_our_head(r, side, px, &ahead)) != 0) {
		if (oid_live ? ahead >= xa : ahead > 0)
			break;
		if (book_order(r->m.book, us, &oi) != 0)
			break;
		int64_t f = q < oi.qty ? q : oi.qty;

		lob_fill_ours(r, us, side, px, f, oi.qty);
		q -= f;
		if (oid_live)
			xa = book_queue_ahead(r->m.book, oid);
	}
	return q;
}

static void
lob_apply(struct lob *r, const struct lobster_msg *g)
{
	struct book *b = r->m.book;
	struct book_order_info oi;
	int side = lob_side(g->dir), live, shr;
	int64_t px = g->px / r->div, rm, took;
	uint64_t oid;

	switch (g->type) {
	case 1:
		if (book_add(b, (uint64_t)g->id, side, px, g->size, BOOK_GTC,
		             BOOK_OWNER_NONE, NULL) == 0 &&
		    book_order(b, (uint64_t)g->id, &oi) == 0)
			lob_lvl_push(r, side, px, (uint64_t)g->id);
		r->m.changes++;
		return;
	case 2:
	case 3:
	case 4:
		shr = g->known && r->nshrunk > 0 &&
		      lob_shrunk_has(r, (uint64_t)g->id);
		oid = g->known ? (uint64_t)g->id : lob_syn_id(side, px);
		live = book_order(b, oid, &oi) == 0;
		rm = g->type == 3 && g->known && !shr ? (live ? oi.qty : 0) :
		                                        g->size;
		if (g->type == 4) {
			if (r->replay && r->our_lo < r->m.next_our_id)
				rm = lob_exec_ours(r, side, px, oid, live, rm);
			lob_print(r, px, g->size, side);
			if (live && book_order(b, oid, &oi) != 0)
				live = 0;
		}
		took = 0;
		if (!g->known && rm > 0 && (!live || rm > oi.qty) &&
		    r->m.our_volume == 0) {
			/* An unknown id with more than the synthetic order holds:
			 * known orders here were cancelled out of view and this
			 * one joined out of view, so the aggregate is what
			 * counts.  Once we have traded, the shortfall may be
			 * what we took, so it is clamped instead. */
			lob_level_shrink(r, side, px, rm);
			return;
		}
		if (live && rm > 0) {
			took = rm < oi.qty ? rm : oi.qty;
			if (rm >= oi.qty)
				book_cancel(b, oid, NULL);
			else
				book_reduce(b, oid, rm);
			r->m.changes++;
		}
		/* A resync took shares off this order that it still had, so
		 * it took them off the wrong order of this level: the rest
		 * comes off the level (the same clamp as above once we have
		 * traded). */
		if (shr && rm > took) {
			if (r->m.our_volume == 0)
				lob_level_shrink(r, side, px, rm - took);
			else
				lob_syn_adjust(r, side, px, -(rm - took));
		}
		return;
	case 5:
	case 6:
		lob_print(r, px, g->size, side);
		return;
	default:
		return;
	}
}

/* The rebuilt book's size at px among levels lv[0..n), without ours. */
static int64_t
lob_have(struct lob *r, const struct book_level *lv, int n, int side,
         int64_t px)
{
	for (int i = 0; i < n; i++)
		if (lv[i].px == px)
			return lv[i].qty - lob_our_qty(r, side, px);
	return 0;
}

/* Whether price a is strictly worse than b on a side. */
static inline int
lob_worse(int side, int64_t a, int64_t b)
{
	return side == BOOK_BID ? a < b : a > b;
}

/* The rebuilt side into r->lv, deep enough to pass the file's worst shown
 * price (every level when the file shows the whole side). */
static int
lob_depth(struct lob *r, int side, int full, int64_t worst)
{
	int n = book_depth(r->m.book, side, r->lv, r->cap);

	while (n == r->cap && (!full || !lob_worse(side, r->lv[n - 1].px, worst))) {
		struct book_level *v = realloc(r->lv, 2 * (size_t)r->cap * sizeof *v);

		if (v == NULL)
			break;
		r->lv = v;
		r->cap *= 2;
		n = book_depth(r->m.book, side, r->lv, r->cap);
	}
	return n;
}

/*
 * Make the rebuilt side agree with row cur at every price strictly worse
 * than bound (the previous row's level-N price; force: every price).
 * Returns the number of levels changed.
 */
static int
lob_resync_side(struct lob *r, const int64_t *cur, int side, int64_t bound,
                int force)
{
	int N = r->d.levels, n, k, i, changed = 0, shown = 0, full;
	int64_t worst = 0, px, want, have;

	for (k = 0; k < N && lob_real(cur[lob_col(side, k)]); k++)
		shown++;
	full = shown == N;
	if (full)
		worst = cur[lob_col(side, N - 1)] / r->div;
	/* Nothing out of the old window is in view: the usual case. */
	if (full && !force && !lob_worse(side, worst, bound))
		return 0;
	/* File levels the book lacks or sizes differently. */
	n = lob_depth(r, side, full, worst);
	for (k = 0; k < shown; k++) {
		px = cur[lob_col(side, k)] / r->div;
		if (!force && !lob_worse(side, px, bound))
			continue;
		want = cur[lob_col(side, k) + 1];
		have = lob_have(r, r->lv, n, side, px);
		if (have != want &&
		    (want > have ? lob_syn_adjust(r, side, px, want - have) :
		                   lob_level_shrink(r, side, px, have - want)) != 0) {
			changed++;
			n = lob_depth(r, side, full, worst);
		}
	}
	/* Book levels in the shown range the file does not have. */
	for (i = 0; i < n; i++) {
		px = r->lv[i].px;
		if (full && lob_worse(side, px, worst))
			break;
		if (!force && !lob_worse(side, px, bound))
			continue;
		for (k = 0; k < shown; k++)
			if (cur[lob_col(side, k)] / r->div == px)
				break;
		if (k < shown)
			continue;
		have = r->lv[i].qty - lob_our_qty(r, side, px);
		if (have > 0 && lob_level_shrink(r, side, px, have) != 0) {
			changed++;
			n = lob_depth(r, side, full, worst);
			i = -1;
		}
	}
	return changed;
}

/* Deep resyncs after message i against row i, window from row i - 1. */
static void
lob_resync(struct lob *r, size_t i)
{
	int N = r->d.levels, w = 4 * N;
	const int64_t *prev = r->d.ob + (i - 1) * (size_t)w;
	const int64_t *cur = prev + w;

	for (int side = BOOK_BID; side <= BOOK_ASK; side++) {
		int64_t b = prev[lob_col(side, N - 1)];

		if (!lob_real(b))
			continue;
		r->deep_resyncs += (uint64_t)lob_resync_side(r, cur, side,
		                                             b / r->div, 0);
	}
}

/* Seed the book with row 0, one synthetic order per level. */
static void
lob_seed(struct lob *r)
{
	for (int side = BOOK_BID; side <= BOOK_ASK; side++)
		for (int k = 0; k < r->d.levels; k++) {
			int64_t px = r->d.ob[lob_col(side, k)];
			int64_t q = r->d.ob[lob_col(side, k) + 1];

			if (lob_real(px) && q > 0)
				lob_syn_adjust(r, side, px / r->div, q);
		}
	r->next = 1;
}

/* The rebuilt top N in file column order. */
static void
lob_row(struct lob *r, int64_t *row)
{
	int N = r->d.levels, n, k;

	for (int side = BOOK_BID; side <= BOOK_ASK; side++) {
		n = book_depth(r->m.book, side, r->lv, N);
		for (k = 0; k < N; k++) {
			int c = lob_col(side, k);

			if (k < n) {
				row[c] = r->lv[k].px * r->div;
				row[c + 1] = r->lv[k].qty;
			} else {
				row[c] = side == BOOK_BID ? -LOBSTER_EMPTY_PX :
				                            LOBSTER_EMPTY_PX;
				row[c + 1] = 0;
			}
		}
	}
}

static void lob_destroy(struct market *m);
static int lob_advance(struct market *m, int64_t t);

static const struct market_ops lob_ops = {
	.name = "lobster",
	.advance = lob_advance,
	.destroy = lob_destroy,
};

/* Takes ownership of *d unless borrowed. */
static int
lob_new(struct lob **out, struct lobster_data *d, const char *sym,
        int64_t div, int replay, int borrowed)
{
	struct lob *r;

	*out = NULL;
	if ((r = calloc(1, sizeof *r)) == NULL ||
	    (r->m.book = book_new()) == NULL) {
		free(r);
		if (!borrowed)
			lobster_data_free(d);
		return LOBSTER_ENOMEM;
	}
	r->d = *d;
	r->borrowed = borrowed;
	if (!borrowed)
		memset(d, 0, sizeof *d);
	r->div = div;
	r->replay = replay;
	r->cap = 2 * r->d.levels + 8;
	if ((r->lv = calloc((size_t)r->cap, sizeof *r->lv)) == NULL) {
		lob_destroy(&r->m);
		return LOBSTER_ENOMEM;
	}
	market_init_common(&r->m, &lob_ops, sym, 0);
	r->our_lo = r->m.next_our_id;
	lob_seed(r);
	r->m.now = r->d.msgs[0].t;
	*out = r;
	return 0;
}

static void
lob_destroy(struct market *m)
{
	struct lob *r = (struct lob *)m;

	book_free(m->book);
	if (!r->borrowed)
		lobster_data_free(&r->d);
	free(r->lv);
	for (size_t i = 0; i < r->caplvls; i++)
		free(r->lvls[i].ids);
	free(r->lvls);
	free(r->shrunk);
	free(r);
}

static int
lob_advance(struct market *m, int64_t t)
{
	struct lob *r = (struct lob *)m;
	const struct lobster_msg *g = r->d.msgs;

	while (r->next < r->d.n && g[r->next].t <= t) {
		/* Each message's trades and fills at its own time, not at the
		 * step before it: a step is the caller's (the daemon's wall
		 * clock at --speed), and the TCA differed with --speed (found
		 * by a review: a fill of 39313.63 stamped 39313.00 at max and
		 * 39313.14 or 39313.32 at 60x). */
		if (g[r->next].t > m->now)
			m->now = g[r->next].t;
		lob_apply(r, &g[r->next]);
		lob_resync(r, r->next);
		r->next++;
	}
	if (t > m->now)
		m->now = t;
	return 0;
}

/*
 * Verification.
 */

int
lobster_verify_data(const struct lobster_data *d,
                    struct lobster_verify_report *rep, char *err,
                    size_t errlen)
{
	struct lobster_data copy = *d;
	struct lob *r;
	int64_t *row;
	size_t i;
	int w, rv, nrep;

	memset(rep, 0, sizeof *rep);
	rep->levels = d->levels;
	rep->events = d->n;
	w = 4 * d->levels;
	if ((rv = lob_new(&r, &copy, "VERIFY", 1, 0, 1)) != 0) {
		lob_err(err, errlen, "out of memory");
		return rv;
	}
	if ((row = malloc((size_t)w * sizeof *row)) == NULL) {
		lob_destroy(&r->m);
		lob_err(err, errlen, "out of memory");
		return LOBSTER_ENOMEM;
	}
	nrep = d->levels < LOBSTER_REPORT_LEVELS ? d->levels :
	                                           LOBSTER_REPORT_LEVELS;
	rep->report_levels = nrep;
	for (i = 1; i < d->n; i++) {
		const int64_t *want = d->ob + i * (size_t)w;

		lob_apply(r, &d->msgs[i]);
		lob_resync(r, i);
		lob_row(r, row);
		rep->rows_checked++;
		if (memcmp(row, want, (size_t)w * sizeof *row) == 0)
			continue;
		if (rep->mismatches++ == 0) {
			rep->first_bad_line = d->ob_line0 + (long)i;
			rep->first_bad_msg_line = d->msg_line0 + (long)i;
			memcpy(rep->expected, want, (size_t)(4 * nrep) * sizeof *row);
			memcpy(rep->rebuilt, row, (size_t)(4 * nrep) * sizeof *row);
		}
		lob_resync_side(r, want, BOOK_BID, 0, 1);
		lob_resync_side(r, want, BOOK_ASK, 0, 1);
	}
	rep->deep_resyncs = r->deep_resyncs;
	free(row);
	lob_destroy(&r->m);
	return rep->mismatches ? LOBSTER_EMISMATCH : 0;
}

int
lobster_verify(const char *msgfile, const char *obfile,
               struct lobster_verify_report *rep, char *err, size_t errlen)
{
	struct lobster_data d;
	int rv;

	memset(rep, 0, sizeof *rep);
	if ((rv = lobster_load(&d, msgfile, obfile, err, errlen)) != 0)
		return rv;
	rv = lobster_verify_data(&d, rep, err, errlen);
	lobster_data_free(&d);
	return rv;
}

/*
 * The replay source.
 */

int
market_lobster_new_data(struct market **out, struct lobster_data *d,
                        const char *sym, double tick_dollars, char *err,
                        size_t errlen)
{
	struct lob *r;
	double units = tick_dollars * 10000.0;
	int64_t div = (int64_t)(units + 0.5);
	size_t i;
	int rv, k;

	*out = NULL;
	if (!(tick_dollars > 0) || div < 1 || units - (double)div > 1e-9 ||
	    (double)div - units > 1e-9) {
		lob_err(err, errlen, "tick %g: must be a positive multiple of "
		        "$0.0001", tick_dollars);
		lobster_data_free(d);
		return LOBSTER_EINVAL;
	}
	for (i = 0; i < d->n; i++)
		if (d->msgs[i].type <= 4 && d->msgs[i].px % div != 0) {
			lob_err(err, errlen, "message line %ld: price %lld is not a "
			        "multiple of the tick %g", d->msg_line0 + (long)i,
			        (long long)d->msgs[i].px, tick_dollars);
			lobster_data_free(d);
			return LOBSTER_EINVAL;
		}
	for (i = 0; i < d->n * (size_t)d->levels * 2; i++) {
		int64_t px = d->ob[2 * i];

		if (lob_real(px) && px % div != 0) {
			k = (int)(i % (size_t)(2 * d->levels));
			lob_err(err, errlen, "orderbook line %ld: %s price %lld is not "
			        "a multiple of the tick %g",
			        d->ob_line0 + (long)(i / (size_t)(2 * d->levels)),
			        k % 2 ? "bid" : "ask", (long long)px, tick_dollars);
			lobster_data_free(d);
			return LOBSTER_EINVAL;
		}
	}
	if ((rv = lob_new(&r, d, sym, div, 1, 0)) != 0) {
		lob_err(err, errlen, "out of memory");
		return rv;
	}
	r->m.tick = tick_dollars;
	*out = &r->m;
	return 0;
}

int
market_lobster_new(struct market **out, const char *msgfile,
                   const char *obfile, const char *sym, double tick_dollars,
                   char *err, size_t errlen)
{
	struct lobster_data d;
	int rv;

	*out = NULL;
	if ((rv = lobster_load(&d, msgfile, obfile, err, errlen)) != 0)
		return rv;
	return market_lobster_new_data(out, &d, sym, tick_dollars, err, errlen);
}

size_t
market_lobster_position(const struct market *m)
{
	if (m == NULL || m->ops != &lob_ops)
		return 0;
	return ((const struct lob *)m)->next;
}

const char *
lobster_strerror(int err)
{
	switch (err) {
	case LOBSTER_OK:
		return "ok";
	case LOBSTER_EIO:
		return "cannot read file";
	case LOBSTER_EFORMAT:
		return "malformed file";
	case LOBSTER_EINVAL:
		return "invalid argument";
	case LOBSTER_ENOMEM:
		return "out of memory";
	case LOBSTER_EMISMATCH:
		return "rebuilt book does not match the orderbook file";
	}
	return "unknown error";
}
