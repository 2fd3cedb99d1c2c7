/*
 * fix-store.c -- the durable store of one FIX session: its sequence
 * numbers and every message it sent.
 *
 * One append-only file per session, DIR/NAME.log, of text records (the
 * format is in tranche-fix(7)):
 *
 *     I <seq>\n                  incoming <seq> processed
 *     O <seq> <len>\n<bytes>\n    outgoing message <seq>, as sent
 *     N <in> <out>\n             both numbers set (a reset)
 *
 * Reading it back gives the next numbers and an index of the sent
 * messages (offset and length), so a ResendRequest after a restart is
 * answered from the file with pread.  An outgoing record is written and
 * fdatasync'ed before fix_store_out() returns, which is before its bytes
 * are handed to the socket: fix_send() syncs each record it writes, and
 * the session's own messages and incoming records are synced once per
 * batch (fix_session_commit(), before the acceptor writes a byte), the
 * group commit the design allows, so a burst of TestRequests costs one
 * fdatasync and not one each.  A reset to 1/1 truncates the
 * file, so a session that resets daily does not grow without bound.
 *
 * On open, a last record cut short (a crash in the middle of a write) is
 * cut off; anything else that does not parse is refused with its offset,
 * never silently dropped.
 */
#include "engine/fix/fix-int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct fix_store {
	int fd;
	char path[1024];
	long long next_in, next_out;
	long long size;
	struct fix_store_rec *rec;
	int nrec, caprec;
	int dirty;
	char err[1400];
};

long long fix_store_next_in(const struct fix_store *st)
{
	return st->next_in;
}

long long fix_store_next_out(const struct fix_store *st)
{
	return st->next_out;
}

int fix_store_count(const struct fix_store *st)
{
	return st->nrec;
}

const struct fix_store_rec *fix_store_rec(const struct fix_store *st, int i)
{
	return i >= 0 && i < st->nrec ? &st->rec[i] : NULL;
}

const char *fix_store_error(const struct fix_store *st)
{
	return st->err;
}

static int rec_add(struct fix_store *st, long long seq, long long off, size_t len)
{
	/* A resent or renumbered seq replaces what was stored for it. */
	while (st->nrec > 0 && st->rec[st->nrec - 1].seq >= seq)
		st->nrec--;
	if (st->nrec == st->caprec) {
		int cap = st->caprec ? st->caprec * 2 : 64;
		struct fix_store_rec *nr = realloc(st->rec, (size_t)cap * sizeof *nr);
		if (!nr)
			return -1;
		st->rec = nr;
		st->caprec = cap;
	}
	st->rec[st->nrec].seq = seq;
	st->rec[st->nrec].off = off;
	st->rec[st->nrec].len = len;
	st->nrec++;
	return 0;
}

/* Reads the file back.  0, or -1 with err set. */
static int store_load(struct fix_store *st, const char *buf, long long len)
{
	long long i = 0;
	while (i < len) {
		const char *nl = memchr(buf + i, '\n', (size_t)(len - i));
		if (!nl)
			break; /* a torn last line */
		size_t ll = (size_t)(nl - (buf + i));
		char line[128];
		if (ll >= sizeof line)
			goto bad;
		memcpy(line, buf + i, ll);
		line[ll] = '\0';
		long long a = 0, b = 0;
		char extra;
		if (line[0] == 'I' && sscanf(line, "I %lld%c", &a, &extra) == 1 && a > 0) {
			st->next_in = a + 1;
			i += (long long)ll + 1;
		} else if (line[0] == 'N' && sscanf(line, "N %lld %lld%c", &a, &b, &extra) == 2 &&
		           a > 0 && b > 0) {
			st->next_in = a;
			st->next_out = b;
			i += (long long)ll + 1;
		} else if (line[0] == 'O' && sscanf(line, "O %lld %lld%c", &a, &b, &extra) == 2 &&
		           a > 0 && b > 0 && b <= FIX_MAX_BODY * 2) {
			long long body = i + (long long)ll + 1;
			if (body + b + 1 > len)
				break; /* torn: the message was never acknowledged */
			if (buf[body + b] != '\n')
				goto bad;
			if (rec_add(st, a, body, (size_t)b) < 0) {
				snprintf(st->err, sizeof st->err, "%s: out of memory", st->path);
				return -1;
			}
			st->next_out = a + 1;
			i = body + b + 1;
		} else {
			goto bad;
		}
	}
	if (i < len) {
		/* Cut the torn tail so that the next record starts clean. */
		if (ftruncate(st->fd, (off_t)i) < 0) {
			snprintf(st->err, sizeof st->err, "%s: cannot cut torn tail at %lld: %s",
			         st->path, i, strerror(errno));
			return -1;
		}
	}
	st->size = i;
	return 0;
bad:
	snprintf(st->err, sizeof st->err, "%s: damaged record at offset %lld", st->path, i);
	return -1;
}

int fix_store_open(struct fix_store **out, const char *dir, const char *name, char *err,
                   size_t errcap)
{
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		snprintf(err, errcap, "store %s: %s", dir, strerror(errno));
		return -1;
	}
	struct fix_store *st = calloc(1, sizeof *st);
	if (!st) {
		snprintf(err, errcap, "store %s: out of memory", dir);
		return -1;
	}
	st->next_in = st->next_out = 1;
	snprintf(st->path, sizeof st->path, "%s/%s.log", dir, name);
	st->fd = open(st->path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (st->fd < 0) {
		snprintf(err, errcap, "store %s: %s", st->path, strerror(errno));
		free(st);
		return -1;
	}
	struct stat sb;
	if (fstat(st->fd, &sb) < 0) {
		snprintf(err, errcap, "store %s: %s", st->path, strerror(errno));
		goto fail;
	}
	long long len = S_ISREG(sb.st_mode) ? (long long)sb.st_size : 0;
	char *buf = malloc(len > 0 ? (size_t)len : 1);
	if (!buf) {
		snprintf(err, errcap, "store %s: out of memory", st->path);
		goto fail;
	}
	long long got = 0;
	while (got < len) {
		ssize_t r = pread(st->fd, buf + got, (size_t)(len - got), (off_t)got);
		if (r <= 0) {
			snprintf(err, errcap, "store %s: read: %s", st->path, r < 0 ? strerror(errno) : "short");
			free(buf);
			goto fail;
		}
		got += r;
	}
	int rc = store_load(st, buf, len);
	free(buf);
	if (rc < 0) {
		snprintf(err, errcap, "store %s", st->err);
		goto fail;
	}
	*out = st;
	return 0;
fail:
	close(st->fd);
	free(st->rec);
	free(st);
	return -1;
}

void fix_store_close(struct fix_store *st)
{
	if (!st)
		return;
	fix_store_sync(st);
	close(st->fd);
	free(st->rec);
	free(st);
}

static int store_write(struct fix_store *st, const char *p, size_t n)
{
	size_t done = 0;
	while (done < n) {
		ssize_t w = pwrite(st->fd, p + done, n - done, (off_t)(st->size + (long long)done));
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			snprintf(st->err, sizeof st->err, "%s: write at %lld: %s", st->path,
			         st->size + (long long)done, w < 0 ? strerror(errno) : "no progress");
			/* What was written of the record is a torn tail: cut it so
			 * the next record starts clean. */
			if (ftruncate(st->fd, (off_t)st->size) < 0) {
				/* The open after a restart cuts it instead. */
			}
			return -1;
		}
		done += (size_t)w;
	}
	st->size += (long long)n;
	st->dirty = 1;
	return 0;
}

int fix_store_sync(struct fix_store *st)
{
	if (!st->dirty)
		return 0;
	if (fdatasync(st->fd) < 0 && errno != EINVAL) {
		snprintf(st->err, sizeof st->err, "%s: fdatasync: %s", st->path, strerror(errno));
		return -1;
	}
	st->dirty = 0;
	return 0;
}

int fix_store_in(struct fix_store *st, long long seq)
{
	char line[64];
	int n = snprintf(line, sizeof line, "I %lld\n", seq);
	if (store_write(st, line, (size_t)n) < 0)
		return -1;
	st->next_in = seq + 1;
	return 0;
}

int fix_store_out(struct fix_store *st, long long seq, const char *raw, size_t len, int sync)
{
	char line[64];
	int n = snprintf(line, sizeof line, "O %lld %zu\n", seq, len);
	char *rec = malloc((size_t)n + len + 1);
	if (!rec) {
		snprintf(st->err, sizeof st->err, "%s: out of memory", st->path);
		return -1;
	}
	memcpy(rec, line, (size_t)n);
	memcpy(rec + n, raw, len);
	rec[(size_t)n + len] = '\n';
	long long off = st->size + n;
	int rc = store_write(st, rec, (size_t)n + len + 1);
	free(rec);
	if (rc < 0)
		return -1;
	if (sync && fix_store_sync(st) < 0)
		return -1;
	if (rec_add(st, seq, off, len) < 0) {
		snprintf(st->err, sizeof st->err, "%s: out of memory", st->path);
		return -1;
	}
	st->next_out = seq + 1;
	return 0;
}

int fix_store_set(struct fix_store *st, long long in, long long out)
{
	if (in == 1 && out == 1) {
		if (ftruncate(st->fd, 0) < 0) {
			snprintf(st->err, sizeof st->err, "%s: truncate: %s", st->path, strerror(errno));
			return -1;
		}
		st->size = 0;
		st->nrec = 0;
	}
	char line[64];
	int n = snprintf(line, sizeof line, "N %lld %lld\n", in, out);
	if (store_write(st, line, (size_t)n) < 0 || fix_store_sync(st) < 0)
		return -1;
	st->next_in = in;
	st->next_out = out;
	return 0;
}

int fix_store_read(struct fix_store *st, int i, char **raw, size_t *len)
{
	if (i < 0 || i >= st->nrec)
		return -1;
	const struct fix_store_rec *r = &st->rec[i];
	char *buf = malloc(r->len + 1);
	if (!buf)
		return -1;
	size_t got = 0;
	while (got < r->len) {
		ssize_t n = pread(st->fd, buf + got, r->len - got, (off_t)(r->off + (long long)got));
		if (n <= 0) {
			snprintf(st->err, sizeof st->err, "%s: read at %lld: %s", st->path,
			         r->off + (long long)got, n < 0 ? strerror(errno) : "short");
			free(buf);
			return -1;
		}
		got += (size_t)n;
	}
	buf[r->len] = '\0';
	*raw = buf;
	*len = r->len;
	return 0;
}
