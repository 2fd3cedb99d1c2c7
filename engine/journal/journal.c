/*
 * engine/journal/journal.c -- the append-only session record.
 *
 * A writer owns one file descriptor and one in-memory buffer (1 MiB).
 * jrnl_append() frames a record straight into the buffer and checksums it
 * there, so the common case is a memcpy and a CRC with no system call; the
 * buffer goes to the kernel with pwrite() when the next record does not fit
 * or when the caller flushes.  A record larger than the whole buffer is
 * written on its own after the buffer is drained.  The buffer only ever holds
 * whole records, so a kill -9 leaves whole records followed by at most one
 * torn one, and everything flushed survives it because it is already in the
 * page cache.  jrnl_sync() adds fdatasync(): what was synced also survives a
 * power failure, which can otherwise leave unsynced blocks in any order (a
 * tail of zeros, say).  Either way the file is good up to the last sync and
 * the first damaged record after it marks where the next open cuts.
 *
 * Errors on the write side are sticky.  Once a write or a sync has failed
 * the journal cannot say what reached the disk (after a failed fsync the
 * kernel may already have dropped the dirty pages), so every later call
 * returns the same error instead of pretending a retry made things durable.
 * The caller closes the journal and reopens it, which cuts whatever is torn.
 *
 * Readers go through a buffered stream of their own: they pread() large
 * chunks and hand out records as pointers into the buffer, moving the unread
 * tail to the front when a record straddles the end and growing the buffer
 * when a single record is larger than it.  The scan that jrnl_open_append()
 * does before appending is the same reader run over the whole file, so
 * recovery and replay agree byte for byte on where the good records end.
 * At the end of the file a reader is not final: a later jrnl_next() reads
 * again, so a console can follow a journal that an engine is still writing
 * (a torn tail may just be a record that is not complete yet).  A corrupt
 * record is not consumed either, so the reader keeps stopping at it.
 *
 * The checksum is CRC-32C (Castagnoli), computed in software eight bytes at
 * a time with the slicing-by-8 tables.  The tables are the only shared
 * state; they are built once, on first use, under pthread_once().
 *
 * Writers take an exclusive flock() on the file so that two engines cannot
 * interleave records in one journal; readers take no lock.  A struct jrnl or
 * struct jrnl_reader is used by one thread at a time.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/journal/journal.h"

#define JRNL_MAGIC "TRNCHJ\r\n"
#define JRNL_MAGIC_LEN 8
#define JRNL_FILE_HDR 20 /* magic, version, header length, header CRC */
#define JRNL_REC_HDR 17  /* length, CRC, kind, t */
#define JRNL_WBUF (1u << 20)
#define JRNL_RBUF (1u << 20)

struct jrnl {
	int fd;
	int err;          /* sticky write-side error, 0 while healthy */
	int err_errno;    /* the errno of that error */
	int64_t fault_left; /* test-only ENOSPC budget in bytes; -1: none */
	uint8_t *buf;
	size_t used;
	size_t cap;
	uint64_t off;     /* file offset where buf[0] goes */
	uint64_t records; /* records in the file and in the buffer */
};

struct jrnl_reader {
	int fd;
	int owns_fd;
	uint8_t *buf;
	size_t cap;
	size_t start;      /* first unconsumed byte in buf */
	size_t end;        /* one past the last byte read into buf */
	uint64_t buf_off;  /* file offset of buf[0] */
	uint64_t data_off; /* file offset of the first record */
};

/* CRC-32C, reflected polynomial 0x1EDC6F41. */

static uint32_t jrnl_crc_table[8][256];
static pthread_once_t jrnl_crc_once = PTHREAD_ONCE_INIT;

static void
jrnl_crc_init(void)
{
	uint32_t c;
	int i, k;

	for (i = 0; i < 256; i++) {
		c = (uint32_t)i;
		for (k = 0; k < 8; k++)
			c = (c >> 1) ^ (0x82F63B78u & (0u - (c & 1)));
		jrnl_crc_table[0][i] = c;
	}
	for (i = 0; i < 256; i++) {
		c = jrnl_crc_table[0][i];
		for (k = 1; k < 8; k++) {
			c = (c >> 8) ^ jrnl_crc_table[0][c & 0xff];
			jrnl_crc_table[k][i] = c;
		}
	}
}

static uint64_t
jrnl_get_le64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

static uint32_t
jrnl_get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void
jrnl_put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void
jrnl_put_le64(uint8_t *p, uint64_t v)
{
	jrnl_put_le32(p, (uint32_t)v);
	jrnl_put_le32(p + 4, (uint32_t)(v >> 32));
}

/*
 * Like zlib's crc32(): start with 0 and pass the previous result to continue
 * over more data, so crc(crc(0, a), b) is the CRC of a followed by b.
 */
uint32_t
jrnl_crc32c(uint32_t crc, const void *data, size_t len)
{
	const uint8_t *p = data;
	const uint32_t(*t)[256] = jrnl_crc_table;
	uint64_t w;

	pthread_once(&jrnl_crc_once, jrnl_crc_init);
	crc = ~crc;
	while (len >= 8) {
		w = jrnl_get_le64(p) ^ crc;
		crc = t[7][w & 0xff] ^ t[6][(w >> 8) & 0xff] ^
		      t[5][(w >> 16) & 0xff] ^ t[4][(w >> 24) & 0xff] ^
		      t[3][(w >> 32) & 0xff] ^ t[2][(w >> 40) & 0xff] ^
		      t[1][(w >> 48) & 0xff] ^ t[0][w >> 56];
		p += 8;
		len -= 8;
	}
	while (len-- > 0)
		crc = (crc >> 8) ^ t[0][(crc ^ *p++) & 0xff];
	return ~crc;
}

const char *
jrnl_strerror(int err)
{
	switch (err) {
	case JRNL_OK:
		return "no error";
	case JRNL_EIO:
		return "journal I/O error (errno has the cause)";
	case JRNL_EMAGIC:
		return "not a tranche journal (bad magic)";
	case JRNL_EVERSION:
		return "journal format version not supported by this build";
	case JRNL_ECORRUPT:
		return "journal record corrupt (bad checksum, length or kind)";
	case JRNL_ETORN:
		return "journal ends inside a record (torn tail)";
	case JRNL_EEXIST:
		return "journal file already exists";
	case JRNL_EINVAL:
		return "invalid argument to a journal call";
	case JRNL_ENOMEM:
		return "out of memory in the journal";
	}
	return "unknown journal error";
}

static int
jrnl_kind_valid(int kind)
{
	return kind == JRNL_EVENT || kind == JRNL_COMMAND || kind == JRNL_NOTE;
}

/* Low-level I/O that survives signals and short transfers. */

static int
jrnl_pwrite_all(int fd, const void *data, size_t len, uint64_t off)
{
	const uint8_t *p = data;
	ssize_t n;

	while (len > 0) {
		n = pwrite(fd, p, len, (off_t)off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return JRNL_EIO;
		}
		if (n == 0) {
			errno = EIO;
			return JRNL_EIO;
		}
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

/* Latches the sticky error rc with the errno that came with it. */
static int
jrnl_fail(struct jrnl *j, int rc)
{
	j->err_errno = errno != 0 ? errno : EIO;
	return j->err = rc;
}

/*
 * A writer's pwrite: the test-only ENOSPC budget first, then the file.  A
 * write that does not fit the budget puts down the part that fits, as a
 * full file system does, and then fails.
 */
static int
jrnl_write(struct jrnl *j, const void *data, size_t len, uint64_t off)
{
	int rc;

	if (j->fault_left >= 0 && (uint64_t)j->fault_left < len) {
		size_t part = (size_t)j->fault_left;

		j->fault_left = 0;
		if (part > 0 && (rc = jrnl_pwrite_all(j->fd, data, part, off)) !=
		    0)
			return rc;
		errno = ENOSPC;
		return JRNL_EIO;
	}
	if (j->fault_left >= 0)
		j->fault_left -= (int64_t)len;
	return jrnl_pwrite_all(j->fd, data, len, off);
}

/* Reads up to len bytes at off; *got is short only at the end of the file. */
static int
jrnl_pread_full(int fd, void *data, size_t len, uint64_t off, size_t *got)
{
	uint8_t *p = data;
	ssize_t n;

	*got = 0;
	while (*got < len) {
		n = pread(fd, p + *got, len - *got, (off_t)(off + *got));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return JRNL_EIO;
		}
		if (n == 0)
			break;
		*got += (size_t)n;
	}
	return 0;
}

static int
jrnl_fsync_retry(int fd, int data_only)
{
	int rc;

	do
		rc = data_only ? fdatasync(fd) : fsync(fd);
	while (rc != 0 && errno == EINTR);
	return rc == 0 ? 0 : JRNL_EIO;
}

/* Makes the directory entry of a new file durable. */
static int
jrnl_sync_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int fd, rc = 0;

	if (slash == NULL)
		dir = strdup(".");
	else if (slash == path)
		dir = strdup("/");
	else
		dir = strndup(path, (size_t)(slash - path));
	if (dir == NULL)
		return JRNL_ENOMEM;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (fd < 0)
		return JRNL_EIO;
	/* Some file systems cannot sync a directory; they need no such sync. */
	if (jrnl_fsync_retry(fd, 0) != 0 && errno != EINVAL)
		rc = JRNL_EIO;
	close(fd);
	return rc;
}

static int
jrnl_lock(int fd)
{
	int rc;

	do
		rc = flock(fd, LOCK_EX | LOCK_NB);
	while (rc != 0 && errno == EINTR);
	return rc == 0 ? 0 : JRNL_EIO;
}

/* Closes fd without letting close() clobber the errno of a failure. */
static void
jrnl_close_fd(int fd)
{
	int saved = errno;

	close(fd);
	errno = saved;
}

/*
 * Reads and checks the file header.  A file too short to hold the magic, or
 * holding other bytes there, is not a journal; one that has the magic but
 * ends inside the header was torn while it was being created.
 */
static int
jrnl_header_read(int fd, char **header_json, uint64_t *data_off)
{
	uint8_t h[JRNL_FILE_HDR];
	uint32_t hlen;
	size_t got;
	char *json;
	int rc;

	if (header_json != NULL)
		*header_json = NULL;
	if ((rc = jrnl_pread_full(fd, h, sizeof(h), 0, &got)) != 0)
		return rc;
	if (got < JRNL_MAGIC_LEN || memcmp(h, JRNL_MAGIC, JRNL_MAGIC_LEN) != 0)
		return JRNL_EMAGIC;
	if (got < 12)
		return JRNL_ETORN;
	if (jrnl_get_le32(h + 8) != JRNL_FORMAT_VERSION)
		return JRNL_EVERSION;
	if (got < JRNL_FILE_HDR)
		return JRNL_ETORN;
	hlen = jrnl_get_le32(h + 12);
	if (hlen > JRNL_MAX_RECORD)
		return JRNL_ECORRUPT;
	if ((json = malloc((size_t)hlen + 1)) == NULL)
		return JRNL_ENOMEM;
	if ((rc = jrnl_pread_full(fd, json, hlen, JRNL_FILE_HDR, &got)) != 0) {
		free(json);
		return rc;
	}
	if (got < hlen) {
		free(json);
		return JRNL_ETORN;
	}
	if (jrnl_crc32c(0, json, hlen) != jrnl_get_le32(h + 16)) {
		free(json);
		return JRNL_ECORRUPT;
	}
	json[hlen] = '\0';
	if (header_json != NULL)
		*header_json = json;
	else
		free(json);
	*data_off = JRNL_FILE_HDR + (uint64_t)hlen;
	return 0;
}

/* Reading. */

static int
jrnl_reader_init(struct jrnl_reader **out, int fd, int owns_fd,
                 char **header_json)
{
	struct jrnl_reader *r;
	uint64_t data_off;
	int rc;

	if ((rc = jrnl_header_read(fd, header_json, &data_off)) != 0)
		return rc;
	r = calloc(1, sizeof(*r));
	if (r == NULL || (r->buf = malloc(JRNL_RBUF)) == NULL) {
		free(r);
		if (header_json != NULL) {
			free(*header_json);
			*header_json = NULL;
		}
		return JRNL_ENOMEM;
	}
	r->fd = fd;
	r->owns_fd = owns_fd;
	r->cap = JRNL_RBUF;
	r->buf_off = r->data_off = data_off;
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	*out = r;
	return 0;
}

int
jrnl_reader_open(struct jrnl_reader **out, const char *path,
                 char **header_json)
{
	int fd, rc;

	if (header_json != NULL)
		*header_json = NULL;
	if (out == NULL || path == NULL)
		return JRNL_EINVAL;
	*out = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return JRNL_EIO;
	if ((rc = jrnl_reader_init(out, fd, 1, header_json)) != 0)
		jrnl_close_fd(fd);
	return rc;
}

/*
 * Makes at least need bytes available from r->start, reading as much as fits
 * while it is at it.  Returns 1 when they are there, 0 when the file ends
 * first (whatever was there stays buffered), or an error.
 */
static int
jrnl_reader_fill(struct jrnl_reader *r, size_t need)
{
	size_t got, ncap;
	uint8_t *nbuf;
	int rc;

	if (r->end - r->start >= need)
		return 1;
	if (r->cap - r->start < need) {
		if (r->start > 0) {
			memmove(r->buf, r->buf + r->start, r->end - r->start);
			r->buf_off += r->start;
			r->end -= r->start;
			r->start = 0;
		}
		if (r->cap < need) {
			ncap = r->cap;
			while (ncap < need)
				ncap *= 2;
			if ((nbuf = realloc(r->buf, ncap)) == NULL)
				return JRNL_ENOMEM;
			r->buf = nbuf;
			r->cap = ncap;
		}
	}
	/* One full read: a short one means the file ends here for now. */
	rc = jrnl_pread_full(r->fd, r->buf + r->end, r->cap - r->end,
	                     r->buf_off + r->end, &got);
	if (rc != 0)
		return rc;
	r->end += got;
	return r->end - r->start >= need;
}

int
jrnl_next(struct jrnl_reader *r, struct jrnl_rec *rec)
{
	const uint8_t *p;
	uint32_t len;
	int kind, rc;

	if (r == NULL || rec == NULL)
		return JRNL_EINVAL;
	rec->offset = r->buf_off + r->start;
	rc = jrnl_reader_fill(r, JRNL_REC_HDR);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return r->end == r->start ? 0 : JRNL_ETORN;
	p = r->buf + r->start;
	len = jrnl_get_le32(p);
	kind = p[8];
	if (len > JRNL_MAX_RECORD || !jrnl_kind_valid(kind))
		goto corrupt;
	rc = jrnl_reader_fill(r, JRNL_REC_HDR + (size_t)len);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return JRNL_ETORN;
	p = r->buf + r->start; /* the fill may have moved the buffer */
	if (jrnl_crc32c(0, p + 8, 9 + (size_t)len) != jrnl_get_le32(p + 4))
		goto corrupt;
	rec->kind = kind;
	rec->t = (int64_t)jrnl_get_le64(p + 9);
	rec->data = p + JRNL_REC_HDR;
	rec->len = len;
	r->start += JRNL_REC_HDR + (size_t)len;
	return 1;

corrupt:
	/* Nothing is consumed, so every later call stops here again. */
	return JRNL_ECORRUPT;
}

int
jrnl_rewind(struct jrnl_reader *r)
{
	if (r == NULL)
		return JRNL_EINVAL;
	r->start = r->end = 0;
	r->buf_off = r->data_off;
	return 0;
}

void
jrnl_reader_close(struct jrnl_reader *r)
{
	if (r == NULL)
		return;
	if (r->owns_fd)
		close(r->fd);
	free(r->buf);
	free(r);
}

/* Writing. */

/* TRANCHE_FAULT_JOURNAL_ENOSPC_AFTER (tests only): bytes a writer may put
 * down before writes fail with ENOSPC; -1 when unset or not a number (the
 * daemon refuses such a value at start, naming it). */
static int64_t
jrnl_fault_budget(void)
{
	const char *v = getenv("TRANCHE_FAULT_JOURNAL_ENOSPC_AFTER");
	char *end;
	long long n;

	if (v == NULL || *v < '0' || *v > '9')
		return -1;
	errno = 0;
	n = strtoll(v, &end, 10);
	return *end != '\0' || errno != 0 ? -1 : (int64_t)n;
}

static int
jrnl_new(struct jrnl **out, int fd, uint64_t off, uint64_t records)
{
	struct jrnl *j;

	j = calloc(1, sizeof(*j));
	if (j == NULL || (j->buf = malloc(JRNL_WBUF)) == NULL) {
		free(j);
		return JRNL_ENOMEM;
	}
	j->fd = fd;
	j->cap = JRNL_WBUF;
	j->off = off;
	j->records = records;
	j->fault_left = jrnl_fault_budget();
	*out = j;
	return 0;
}

/*
 * The header is synced, and so is the directory entry, before the journal is
 * handed out, so a journal that was created exists after a crash.  A crash
 * inside this call can leave a file whose header is torn; opening it then
 * says JRNL_ETORN and leaves it alone, and since it holds no records the
 * caller may remove it.
 */
int
jrnl_create(struct jrnl **out, const char *path, const char *header_json)
{
	struct jrnl *j = NULL;
	uint8_t h[JRNL_FILE_HDR];
	size_t hlen;
	int fd, rc;

	if (out == NULL || path == NULL)
		return JRNL_EINVAL;
	*out = NULL;
	if (header_json == NULL)
		header_json = "";
	hlen = strlen(header_json);
	if (hlen > JRNL_MAX_RECORD)
		return JRNL_EINVAL;
	memcpy(h, JRNL_MAGIC, JRNL_MAGIC_LEN);
	jrnl_put_le32(h + 8, JRNL_FORMAT_VERSION);
	jrnl_put_le32(h + 12, (uint32_t)hlen);
	jrnl_put_le32(h + 16, jrnl_crc32c(0, header_json, hlen));
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return errno == EEXIST ? JRNL_EEXIST : JRNL_EIO;
	if ((rc = jrnl_lock(fd)) != 0 ||
	    (rc = jrnl_pwrite_all(fd, h, sizeof(h), 0)) != 0 ||
	    (rc = jrnl_pwrite_all(fd, header_json, hlen, sizeof(h))) != 0 ||
	    (rc = jrnl_fsync_retry(fd, 0)) != 0 ||
	    (rc = jrnl_sync_dir(path)) != 0 ||
	    (rc = jrnl_new(&j, fd, sizeof(h) + hlen, 0)) != 0)
		goto fail;
	*out = j;
	return 0;

fail:
	/* The file is ours and useless without a whole header. */
	unlink(path);
	jrnl_close_fd(fd);
	return rc;
}

/*
 * Scans every record, so the checksums of the whole file are verified before
 * anything is appended, then cuts the file at the first damaged record.  The
 * cut is synced before the journal is handed out: a crash right after must
 * not bring the damaged bytes back in front of new records.
 */
int
jrnl_open_append(struct jrnl **out, const char *path, char **header_json,
                 struct jrnl_open_report *rep)
{
	struct jrnl_open_report local;
	struct jrnl_reader *r = NULL;
	struct jrnl_rec rec;
	struct stat st;
	uint64_t good;
	int fd, rc;

	if (header_json != NULL)
		*header_json = NULL;
	if (rep == NULL)
		rep = &local;
	memset(rep, 0, sizeof(*rep));
	if (out == NULL || path == NULL)
		return JRNL_EINVAL;
	*out = NULL;
	if ((fd = open(path, O_RDWR | O_CLOEXEC)) < 0)
		return JRNL_EIO;
	if ((rc = jrnl_lock(fd)) != 0 ||
	    (rc = jrnl_reader_init(&r, fd, 0, header_json)) != 0)
		goto fail;
	while ((rc = jrnl_next(r, &rec)) == 1)
		rep->records++;
	good = rec.offset;
	jrnl_reader_close(r);
	if (rc == JRNL_ETORN || rc == JRNL_ECORRUPT)
		rep->tail_error = rc;
	else if (rc != 0)
		goto fail;
	if (fstat(fd, &st) != 0) {
		rc = JRNL_EIO;
		goto fail;
	}
	if ((uint64_t)st.st_size > good) {
		rep->cut_bytes = (uint64_t)st.st_size - good;
		if (ftruncate(fd, (off_t)good) != 0 ||
		    jrnl_fsync_retry(fd, 0) != 0) {
			rc = JRNL_EIO;
			goto fail;
		}
	}
	rep->good_bytes = good;
	if ((rc = jrnl_new(out, fd, good, rep->records)) != 0)
		goto fail;
	return 0;

fail:
	jrnl_close_fd(fd);
	if (header_json != NULL) {
		free(*header_json);
		*header_json = NULL;
	}
	return rc;
}

/* A record bigger than the whole buffer goes out on its own. */
static int
jrnl_append_large(struct jrnl *j, const uint8_t hdr[JRNL_REC_HDR],
                  const void *data, size_t len)
{
	int rc;

	if ((rc = jrnl_flush(j)) != 0)
		return rc;
	if ((rc = jrnl_write(j, hdr, JRNL_REC_HDR, j->off)) != 0 ||
	    (rc = jrnl_write(j, data, len, j->off + JRNL_REC_HDR)) != 0)
		return jrnl_fail(j, rc);
	j->off += JRNL_REC_HDR + (uint64_t)len;
	j->records++;
	return 0;
}

int
jrnl_append(struct jrnl *j, int kind, int64_t t, const void *data,
            size_t len)
{
	uint8_t hdr[JRNL_REC_HDR], *p;
	size_t need;
	int rc;

	if (j == NULL || !jrnl_kind_valid(kind) || len > JRNL_MAX_RECORD ||
	    (data == NULL && len > 0))
		return JRNL_EINVAL;
	if (j->err != 0)
		return j->err;
	need = JRNL_REC_HDR + len;
	if (need > j->cap) {
		hdr[8] = (uint8_t)kind;
		jrnl_put_le64(hdr + 9, (uint64_t)t);
		jrnl_put_le32(hdr, (uint32_t)len);
		jrnl_put_le32(hdr + 4, jrnl_crc32c(jrnl_crc32c(0, hdr + 8, 9),
		                                   data, len));
		return jrnl_append_large(j, hdr, data, len);
	}
	if (need > j->cap - j->used && (rc = jrnl_flush(j)) != 0)
		return rc;
	p = j->buf + j->used;
	p[8] = (uint8_t)kind;
	jrnl_put_le64(p + 9, (uint64_t)t);
	if (len > 0)
		memcpy(p + JRNL_REC_HDR, data, len);
	jrnl_put_le32(p, (uint32_t)len);
	jrnl_put_le32(p + 4, jrnl_crc32c(0, p + 8, 9 + len));
	j->used += need;
	j->records++;
	return 0;
}

int
jrnl_flush(struct jrnl *j)
{
	int rc;

	if (j == NULL)
		return JRNL_EINVAL;
	if (j->err != 0)
		return j->err;
	if (j->used == 0)
		return 0;
	if ((rc = jrnl_write(j, j->buf, j->used, j->off)) != 0)
		return jrnl_fail(j, rc);
	j->off += j->used;
	j->used = 0;
	return 0;
}

int
jrnl_sync(struct jrnl *j)
{
	int rc;

	if ((rc = jrnl_flush(j)) != 0)
		return rc;
	if ((rc = jrnl_fsync_retry(j->fd, 1)) != 0)
		return jrnl_fail(j, rc);
	return 0;
}

int
jrnl_errno(const struct jrnl *j)
{
	return j == NULL || j->err == 0 ? 0 : j->err_errno;
}

uint64_t
jrnl_records(const struct jrnl *j)
{
	return j == NULL ? 0 : j->records;
}

/* Callers that must know whether the last records made it call jrnl_sync()
 * first: close has nowhere to report a failure. */
void
jrnl_close(struct jrnl *j)
{
	if (j == NULL)
		return;
	(void)jrnl_sync(j);
	close(j->fd);
	free(j->buf);
	free(j);
}
