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
 *     N 1 1 <k>\n                a reset to 1/1 appended in place: what
 *                                was stored before it is dropped, and
 *                                the k S records just before it are the
 *                                ExecIDs kept
 *     S <execid>\n               an ExecutionReport sent before a reset
 *     W <seq>\n                  every application message stored at or
 *                                below <seq> went to a logged-on
 *                                counterparty (a low-water mark)
 *
 * Reading it back gives the next numbers and an index of the sent
 * messages (offset and length), so a ResendRequest after a restart is
 * answered from the file with pread.  An outgoing record is written and
 * fdatasync'ed before fix_store_out() returns, which is before its bytes
 * are handed to the socket: records are written at once and synced once
 * per batch (fix_session_commit(), which the acceptor calls before it
 * writes a byte), the group commit the design allows, so a burst of
 * TestRequests or execution reports costs one fdatasync and not one each.
 * A message sent while nobody is logged on is synced at once, since no
 * write is coming to commit it.  A reset to 1/1 starts the file afresh,
 * so a session that resets daily does not grow without bound; but what
 * the application has already reported must outlive it (a restart after
 * a reset would otherwise send those reports again), so the ExecIDs of
 * the ExecutionReports sent, those that begin with the prefix the
 * application keeps (fix_store_keep_ids(): its engine session's, so that
 * other days' do not pile up), go into the new file as S records.  The
 * new file is written beside the old and renamed over it, so a crash
 * leaves one or the other whole; where no file can be made beside it,
 * the kept ids and the reset are appended to the file itself (an
 * "N 1 1 <k>" read back drops the messages stored before it and keeps
 * the k ids before it), and nothing is cut.
 *
 * W records say which application messages reached the counterparty: a
 * message queued while nobody was logged on reaches it only when a
 * ResendRequest brings it, and a reset of the numbers must send the ones
 * that never did again, even after a restart.  The mark is a low-water
 * one: our own Logon or a live report numbered above a report still
 * waiting does not carry the waiting one with it.  A W is written with
 * a later batch's commit (fix_store_mark_written(), from
 * fix_session_commit(), a disconnect or the close), once the write of the
 * batch that raised it is done: it may lag the bytes, never run ahead of
 * them.  Above the last W nothing is known to have arrived: a reset
 * sends those messages again, marked PossResend.  A file this version
 * starts holds "W 0" from its first line on; an older
 * file, with no W at all, counts every message it holds as sent and is
 * given a W saying so when opened.
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
#include <sys/uio.h>
#include <unistd.h>

struct fix_store {
	int fd;
	char path[1024];
	long long next_in, next_out;
	long long size;
	struct fix_store_rec *rec;
	int nrec, caprec;
	int dirty;
	/* ExecIDs kept across resets (S records), and the prefix of those
	 * to keep ("" keeps none). */
	char **ids;
	int nids, capids;
	char keep[80];
	/* The last W record written or read (-1: none; -2: one may have
	 * been written and not synced, so the next must be written whatever
	 * it says), and where the low-water scan stands: rec[0..lo_i) are
	 * sent or admin. */
	long long written;
	int lo_i;
	/* Counts the file's fresh starts (resets): a number marked sent
	 * belongs to the epoch it was written in. */
	unsigned epoch;
	char err[1400];
};

static int store_write(struct fix_store *st, const char *p, size_t n);

static int ids_add(struct fix_store *st, const char *id, size_t n)
{
	if (st->nids == st->capids) {
		int cap = st->capids ? st->capids * 2 : 64;
		char **t = realloc(st->ids, (size_t)cap * sizeof *t);
		if (!t)
			return -1;
		st->ids = t;
		st->capids = cap;
	}
	if ((st->ids[st->nids] = strndup(id, n)) == NULL)
		return -1;
	st->nids++;
	return 0;
}

static void ids_free(char **ids, int n)
{
	for (int i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
}

void fix_store_keep_ids(struct fix_store *st, const char *prefix)
{
	snprintf(st->keep, sizeof st->keep, "%s", prefix);
}

int fix_store_id_count(const struct fix_store *st)
{
	return st->nids;
}

const char *fix_store_id(const struct fix_store *st, int i)
{
	return i >= 0 && i < st->nids ? st->ids[i] : NULL;
}

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

static int rec_add(struct fix_store *st, long long seq, long long off, size_t len,
                   const char *raw)
{
	/* A resent or renumbered seq replaces what was stored for it. */
	while (st->nrec > 0 && st->rec[st->nrec - 1].seq >= seq)
		st->nrec--;
	if (st->lo_i > st->nrec)
		st->lo_i = st->nrec;
	if (st->nrec == st->caprec) {
		int cap = st->caprec ? st->caprec * 2 : 64;
		struct fix_store_rec *nr = realloc(st->rec, (size_t)cap * sizeof *nr);
		if (!nr)
			return -1;
		st->rec = nr;
		st->caprec = cap;
	}
	struct fix_store_rec *r = &st->rec[st->nrec++];
	r->seq = seq;
	r->off = off;
	r->len = len;
	r->sent = 0;
	memset(r->type, 0, sizeof r->type);
	const char *t = memmem(raw, len, "\00135=", 4);
	if (t) {
		t += 4;
		for (size_t k = 0; k + 1 < sizeof r->type && t + k < raw + len && t[k] != '\001'; k++)
			r->type[k] = t[k];
	}
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
		long long a = 0, b = 0, k = 0;
		char extra;
		if (line[0] == 'I' && sscanf(line, "I %lld%c", &a, &extra) == 1 && a > 0) {
			st->next_in = a + 1;
			i += (long long)ll + 1;
		} else if (line[0] == 'N' && sscanf(line, "N %lld %lld%c", &a, &b, &extra) == 2 &&
		           a > 0 && b > 0) {
			st->next_in = a;
			st->next_out = b;
			i += (long long)ll + 1;
		} else if (line[0] == 'N' && sscanf(line, "N %lld %lld %lld%c", &a, &b,
		                                    &k, &extra) == 3 &&
		           a == 1 && b == 1 && k >= 0 && k <= st->nids) {
			/* A reset to 1/1 appended in place (store_restart): what
			 * was stored before it is another numbering's, nothing
			 * of it is known to have been sent, and the ExecIDs kept
			 * are the k S records just before it. */
			int drop = st->nids - (int)k;

			st->next_in = st->next_out = 1;
			st->nrec = st->lo_i = 0;
			st->written = 0;
			for (int q = 0; q < drop; q++)
				free(st->ids[q]);
			if (drop > 0 && k > 0)
				memmove(st->ids, st->ids + drop,
				    (size_t)k * sizeof *st->ids);
			st->nids = (int)k;
			i += (long long)ll + 1;
		} else if (line[0] == 'W' && sscanf(line, "W %lld%c", &a, &extra) == 1 &&
		           a >= 0) {
			st->written = a;
			i += (long long)ll + 1;
		} else if (line[0] == 'S' && line[1] == ' ' && ll > 2 &&
		           ll - 2 < FIX_STORE_ID_CAP &&
		           strpbrk(line + 2, " \t\r") == NULL) {
			if (ids_add(st, line + 2, ll - 2) < 0) {
				snprintf(st->err, sizeof st->err, "%s: out of memory", st->path);
				return -1;
			}
			i += (long long)ll + 1;
		} else if (line[0] == 'O' && sscanf(line, "O %lld %lld%c", &a, &b, &extra) == 2 &&
		           a > 0 && b > 0 && b <= FIX_MAX_BODY * 2) {
			long long body = i + (long long)ll + 1;
			if (body + b + 1 > len)
				break; /* torn: the message was never acknowledged */
			if (buf[body + b] != '\n')
				goto bad;
			if (rec_add(st, a, body, (size_t)b, buf + body) < 0) {
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
	st->written = -1;
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
	/* What the W records say was sent.  A file older than them counts
	 * everything it holds as sent, and says so now (as a new file says
	 * W 0), so that what is queued from here on is told apart.  One
	 * that cannot take that (a full disk) keeps the reading, and its
	 * next message is refused with the reason. */
	if (rc == 0) {
		for (int i = 0; i < st->nrec; i++)
			st->rec[i].sent = st->written < 0 ||
			    st->rec[i].seq <= st->written;
		if (st->written < 0 && fix_store_mark_written(st) == 0)
			(void)fix_store_sync(st);
	}
	if (rc < 0) {
		snprintf(err, errcap, "store %s", st->err);
		goto fail;
	}
	*out = st;
	return 0;
fail:
	close(st->fd);
	free(st->rec);
	ids_free(st->ids, st->nids);
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
	ids_free(st->ids, st->nids);
	free(st);
}

/* Appends the buffers as one record; a failure cuts what was written of
 * it, so the next record starts clean. */
static int store_writev(struct fix_store *st, struct iovec *iov, int n)
{
	size_t total = 0, done = 0;
	for (int i = 0; i < n; i++)
		total += iov[i].iov_len;
	while (done < total) {
		ssize_t w = pwritev(st->fd, iov, n, (off_t)(st->size + (long long)done));
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			snprintf(st->err, sizeof st->err, "%s: write at %lld: %s", st->path,
			         st->size + (long long)done, w < 0 ? strerror(errno) : "no progress");
			if (ftruncate(st->fd, (off_t)st->size) < 0) {
				/* The open after a restart cuts it instead. */
			}
			return -1;
		}
		done += (size_t)w;
		/* Step over what was written. */
		size_t skip = (size_t)w;
		while (n > 0 && skip >= iov[0].iov_len) {
			skip -= iov[0].iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov[0].iov_base = (char *)iov[0].iov_base + skip;
			iov[0].iov_len -= skip;
		}
	}
	st->size += (long long)total;
	st->dirty = 1;
	return 0;
}

static int store_write(struct fix_store *st, const char *p, size_t n)
{
	struct iovec iov = {(void *)p, n};
	return store_writev(st, &iov, 1);
}

int fix_store_sync(struct fix_store *st)
{
	if (!st->dirty)
		return 0;
	if (fdatasync(st->fd) < 0 && errno != EINVAL) {
		snprintf(st->err, sizeof st->err, "%s: fdatasync: %s", st->path, strerror(errno));
		/* A W written in this batch may reach the disk later although
		 * its batch never went out: the next says the truth again. */
		st->written = -2;
		return -1;
	}
	st->dirty = 0;
	return 0;
}

unsigned fix_store_epoch(const struct fix_store *st)
{
	return st->epoch;
}

long long fix_store_written(const struct fix_store *st)
{
	return st->written;
}

/* Stored message seq, or NULL (records are in increasing seq). */
static struct fix_store_rec *rec_find(struct fix_store *st, long long seq)
{
	int lo = 0, hi = st->nrec - 1;

	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2;

		if (st->rec[mid].seq == seq)
			return &st->rec[mid];
		if (st->rec[mid].seq < seq)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return NULL;
}

void fix_store_mark_sent(struct fix_store *st, long long seq)
{
	struct fix_store_rec *r = rec_find(st, seq);

	if (r != NULL)
		r->sent = 1;
}

int fix_store_mark_written(struct fix_store *st)
{
	char line[64];
	long long lo;
	int n;

	/* Session messages are never sent again after a reset: they do not
	 * hold the mark back. */
	while (st->lo_i < st->nrec && (st->rec[st->lo_i].sent ||
	    fix_is_admin(st->rec[st->lo_i].type)))
		st->lo_i++;
	lo = st->lo_i < st->nrec ? st->rec[st->lo_i].seq - 1 : st->next_out - 1;
	if (lo <= st->written && st->written != -2)
		return 0;
	n = snprintf(line, sizeof line, "W %lld\n", lo);
	if (store_write(st, line, (size_t)n) < 0) {
		st->written = -2;
		return -1;
	}
	st->written = lo;
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
	long long off = st->size + n;
	struct iovec iov[3] = {{line, (size_t)n}, {(void *)raw, len}, {"\n", 1}};
	if (store_writev(st, iov, 3) < 0)
		return -1;
	if (sync && fix_store_sync(st) < 0)
		return -1;
	if (rec_add(st, seq, off, len, raw) < 0) {
		snprintf(st->err, sizeof st->err, "%s: out of memory", st->path);
		return -1;
	}
	st->next_out = seq + 1;
	return 0;
}

/* The ExecID (tag 17) of stored ExecutionReport i that begins with the
 * kept prefix, into id; 1, 0 when it has none such, <0 on a read error. */
static int sent_id(struct fix_store *st, int i, char *id, size_t cap)
{
	char *raw, *p, *e;
	size_t len, klen = strlen(st->keep);
	int rc = 0;

	/* One that never reached the counterparty is not kept: the reset
	 * sends it again (stored anew), or, if the engine stops before
	 * that, the application's recovery does. */
	if (strcmp(st->rec[i].type, "8") != 0 || !st->rec[i].sent)
		return 0;
	if (fix_store_read(st, i, &raw, &len) < 0)
		return -1;
	if ((p = memmem(raw, len, "\00117=", 4)) != NULL) {
		p += 4;
		e = memchr(p, '\001', len - (size_t)(p - raw));
		if (e != NULL && (size_t)(e - p) < cap && (size_t)(e - p) > klen &&
		    strncmp(p, st->keep, klen) == 0 &&
		    memchr(p, ' ', (size_t)(e - p)) == NULL &&
		    memchr(p, '\n', (size_t)(e - p)) == NULL) {
			memcpy(id, p, (size_t)(e - p));
			id[e - p] = '\0';
			rc = 1;
		}
	}
	free(raw);
	return rc;
}

/* Starts the file afresh at 1/1, carrying the kept ExecIDs over as S
 * records: written to NAME.log.new, synced and renamed over the file.
 * 0, or <0 with err (the old file and state untouched). */
static int store_restart(struct fix_store *st)
{
	char tmp[1100], id[FIX_STORE_ID_CAP], *slash, dirp[1024];
	char **ids = NULL;
	int nids = 0, cap = 0, fd = -1, nfd, dfd, rc = -1;
	FILE *f = NULL;

	/* What survives: the S records that match, then the reports sent. */
	for (int i = 0; i < st->nids + st->nrec; i++) {
		const char *src = NULL;
		int got;

		if (i < st->nids) {
			if (st->keep[0] == '\0' ||
			    strncmp(st->ids[i], st->keep, strlen(st->keep)) != 0)
				continue;
			src = st->ids[i];
		} else if (st->keep[0] == '\0') {
			break;
		} else if ((got = sent_id(st, i - st->nids, id, sizeof id)) < 0) {
			goto out;
		} else if (got == 0) {
			continue;
		} else {
			src = id;
		}
		if (nids == cap) {
			int nc = cap ? cap * 2 : 64;
			char **t = realloc(ids, (size_t)nc * sizeof *t);
			if (!t)
				goto oom;
			ids = t;
			cap = nc;
		}
		if ((ids[nids] = strdup(src)) == NULL)
			goto oom;
		nids++;
	}
	snprintf(tmp, sizeof tmp, "%s.new", st->path);
	if ((fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0 ||
	    (f = fdopen(fd, "w")) == NULL) {
		snprintf(st->err, sizeof st->err, "%s: %s", tmp, strerror(errno));
		goto in_place;
	}
	fprintf(f, "N 1 1\nW 0\n");
	for (int i = 0; i < nids; i++)
		fprintf(f, "S %s\n", ids[i]);
	if (fflush(f) != 0 || fdatasync(fd) < 0) {
		snprintf(st->err, sizeof st->err, "%s: write: %s", tmp, strerror(errno));
		goto in_place;
	}
	/* The descriptor the store keeps, taken before the rename: after it,
	 * failing to take one would leave the store writing to the old,
	 * unlinked file. */
	if ((nfd = dup(fd)) < 0) {
		snprintf(st->err, sizeof st->err, "%s: dup: %s", tmp, strerror(errno));
		goto in_place;
	}
	if (rename(tmp, st->path) < 0) {
		snprintf(st->err, sizeof st->err, "%s: rename: %s", tmp, strerror(errno));
		close(nfd);
		goto in_place;
	}
	/* The rename itself is durable once the directory is. */
	snprintf(dirp, sizeof dirp, "%s", st->path);
	if ((slash = strrchr(dirp, '/')) != NULL)
		*slash = '\0';
	if ((dfd = open(slash ? dirp : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
	/* The file is the new one now: keep its descriptor. */
	close(st->fd);
	st->fd = nfd;
	st->size = (long long)lseek(st->fd, 0, SEEK_END);
	goto started;
in_place:
	/* No new file beside it (a directory that cannot take one, a
	 * NAME.log.new that is not a file): the reset is appended to the
	 * file itself, the kept ids first and then "N 1 1 <k>" and W 0, and
	 * synced.  Nothing the file held is cut: a crash before the N is
	 * durable leaves the session as it was before the reset (with some
	 * S records more), after it the reset whole, since reading that N
	 * drops the messages stored before it and keeps the k ids just
	 * before it (store_load).  The file does not shrink; the next reset
	 * that can write beside it does. */
	if (f != NULL)
		fclose(f);
	else if (fd >= 0)
		close(fd);
	f = NULL;
	fd = -1;
	{
		size_t len2 = 0, cap2 = 48;
		long long old = st->size;
		char *buf;

		for (int i = 0; i < nids; i++)
			cap2 += strlen(ids[i]) + 3;
		if ((buf = malloc(cap2)) == NULL)
			goto oom;
		for (int i = 0; i < nids; i++)
			len2 += (size_t)snprintf(buf + len2, cap2 - len2, "S %s\n",
			    ids[i]);
		len2 += (size_t)snprintf(buf + len2, cap2 - len2,
		    "N 1 1 %d\nW 0\n", nids);
		if (store_write(st, buf, len2) < 0) {
			free(buf);
			goto out;
		}
		free(buf);
		if (fix_store_sync(st) < 0) {
			/* Not known to be on disk: the reset did not happen,
			 * so it must not be read back either. */
			if (ftruncate(st->fd, (off_t)old) == 0)
				st->size = old;
			goto out;
		}
	}
started:
	/* The file holds N 1 1 and the kept ids: so does the state. */
	st->nrec = 0;
	st->dirty = 0;
	ids_free(st->ids, st->nids);
	st->ids = ids;
	st->nids = nids;
	st->capids = cap;
	ids = NULL;
	nids = 0;
	st->next_in = st->next_out = 1;
	st->written = 0;
	st->lo_i = 0;
	st->epoch++;
	rc = 0;
	goto out;
oom:
	snprintf(st->err, sizeof st->err, "%s: out of memory", st->path);
out:
	if (f != NULL)
		fclose(f);
	else if (fd >= 0)
		close(fd);
	ids_free(ids, nids);
	return rc;
}

int fix_store_set(struct fix_store *st, long long in, long long out)
{
	if (in == 1 && out == 1)
		return store_restart(st);
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
