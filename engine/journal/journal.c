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
 * tail of zeros, say).  Either way the file is good up to the last sync,
 * and what follows it is at most one torn write, which the next open cuts.
 * Anything else that is bad was whole once, so opening refuses it instead
 * (journal.h says how the two are told apart).
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
 * record is not consumed either, so the reader keeps stopping at it until
 * the caller asks jrnl_resync() to find the next good record by its sync
 * marker; the same search, run by jrnl_open_append(), tells a torn tail
 * (nothing good after it) from damage (a good record after it).
 *
 * The checksum is CRC-32C (Castagnoli), computed in software eight bytes at
 * a time with the slicing-by-8 tables.  The tables are the only shared
 * state; they are built once, on first use, under pthread_once().
 *
 * Writers take an exclusive flock() on the file so that two engines cannot
 * interleave records in one journal; readers take no lock.  When the lock
 * is held, jrnl_describe() names the holder's pid from /proc/locks.  A
 * struct jrnl or
 * struct jrnl_reader is used by one thread at a time.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "engine/journal/journal.h"

#define JRNL_MAGIC "TRNCHJ\r\n"
#define JRNL_MAGIC_LEN 8
#define JRNL_SYNC_LEN 4
#define JRNL_FORMAT_V1 1
#define JRNL_V1_REC_HDR 17 /* length, CRC, kind, t */
#define JRNL_WBUF (1u << 20)
#define JRNL_RBUF (1u << 20)

/* Bytes that never occur in UTF-8 text (FF and FE), so a marker is rare
 * inside the JSON payloads it separates. */
static const uint8_t jrnl_sync_marker[JRNL_SYNC_LEN] = {0xFF, 0x54, 0x6A,
                                                       0xFE};

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
	int cut_pending;  /* a torn tail past off, cut before the first write
	                   * (jrnl_open_append_lazy) */
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
	int version;       /* the file's format version: 1 or 2 */
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
	case JRNL_ELOCKED:
		return "journal is locked by another engine";
	case JRNL_EDAMAGED:
		return "journal is damaged before its tail";
	case JRNL_EHEADER:
		return "journal header (the session's scenario and seed) is "
		       "damaged";
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
static int jrnl_cut_pending(struct jrnl *j);

static int
jrnl_write(struct jrnl *j, const void *data, size_t len, uint64_t off)
{
	int rc;

	if ((rc = jrnl_cut_pending(j)) != 0)
		return rc;
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
/* The torn tail an open left for later, cut before anything is written
 * over it (a shorter write would leave its end behind). */
static int
jrnl_cut_pending(struct jrnl *j)
{
	if (!j->cut_pending)
		return 0;
	if (ftruncate(j->fd, (off_t)j->off) != 0 ||
	    jrnl_fsync_retry(j->fd, 0) != 0)
		return JRNL_EIO;
	j->cut_pending = 0;
	return 0;
}

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
	if (rc == 0)
		return 0;
	return errno == EWOULDBLOCK ? JRNL_ELOCKED : JRNL_EIO;
}

/* Closes fd without letting close() clobber the errno of a failure. */
static void
jrnl_close_fd(int fd)
{
	int saved = errno;

	close(fd);
	errno = saved;
}

/* Bits in which a and b differ. */
static int
jrnl_bits(const uint8_t *a, const uint8_t *b, size_t n)
{
	int d = 0;

	for (size_t i = 0; i < n; i++)
		d += __builtin_popcount((unsigned)(a[i] ^ b[i]));
	return d;
}

/* The offset of the first record's sync marker at or after from, below
 * end; end when there is none.  The header's JSON is UTF-8 and cannot
 * hold one, nor can one flipped bit make one of it. */
static uint64_t
jrnl_first_marker(int fd, uint64_t from, uint64_t end)
{
	uint8_t b[65536];
	size_t got;

	while (from + JRNL_SYNC_LEN <= end) {
		size_t want = end - from < sizeof(b) ? (size_t)(end - from) :
		    sizeof(b);

		if (jrnl_pread_full(fd, b, want, from, &got) != 0 ||
		    got < JRNL_SYNC_LEN)
			return end;
		for (size_t i = 0; i + JRNL_SYNC_LEN <= got; i++)
			if (memcmp(b + i, jrnl_sync_marker, JRNL_SYNC_LEN) == 0)
				return from + i;
		from += got - (JRNL_SYNC_LEN - 1);
	}
	return end;
}

/* Headers up to this long are searched for one flipped bit. */
#define JRNL_HDR_FIX_MAX 16384

/*
 * A damaged file header, mended if one flipped bit explains it: in the
 * magic, in the version (one bit from this format's, and 0 or past 255:
 * never a version a build wrote; 3 or 6 may be a later format's), in the
 * length (the header's JSON then
 * ends where the first record begins, and its checksum holds there), in
 * the checksum (one bit from the JSON's), or in the JSON (exactly one
 * bit whose flip makes the checksum hold: CRC-32C tells any single bit
 * of such a text apart).  0 and the header's JSON (malloc'd), where the
 * records begin and the format, with what was wrong in what[]; or
 * JRNL_EHEADER with what was found in what[]; or JRNL_EIO / JRNL_ENOMEM.
 */
static int
jrnl_header_fix(int fd, char **json_out, uint64_t *data_off, int *version,
                char *what, size_t whatlen)
{
	static const uint8_t v2[4] = { JRNL_FORMAT_VERSION, 0, 0, 0 };
	uint8_t h[JRNL_FILE_HDR];
	struct stat st;
	uint64_t size, first, len;
	uint32_t stored, crc, ver;
	size_t got;
	char *json;
	int found = 0, len_fixed;

	*json_out = NULL;
	if (fstat(fd, &st) != 0 ||
	    jrnl_pread_full(fd, h, sizeof(h), 0, &got) != 0)
		return JRNL_EIO;
	size = (uint64_t)st.st_size;
	if (got < sizeof(h)) {
		snprintf(what, whatlen, "the file is %zu bytes, shorter than a "
		    "header", got);
		return JRNL_EHEADER;
	}
	first = jrnl_first_marker(fd, JRNL_FILE_HDR, size);
	stored = jrnl_get_le32(h + 16);
	len = jrnl_get_le32(h + 12);
	/* The length as written, or the one that ends at the first record
	 * (or, with no record, at the end of the file). */
	if (JRNL_FILE_HDR + len > first || len > JRNL_MAX_RECORD ||
	    (first < size && JRNL_FILE_HDR + len != first)) {
		uint8_t l2[4];

		jrnl_put_le32(l2, (uint32_t)(first - JRNL_FILE_HDR));
		if (jrnl_bits(h + 12, l2, 4) != 1) {
			snprintf(what, whatlen, "its length (offset 12) says %"
			    PRIu64 " bytes where %" PRIu64 " lie before the first "
			    "record, more than one bit apart", len,
			    first - JRNL_FILE_HDR);
			return JRNL_EHEADER;
		}
		snprintf(what, whatlen, "one bit of its length (offset 12) was "
		    "flipped: %" PRIu64 " for %" PRIu64, len,
		    first - JRNL_FILE_HDR);
		len = first - JRNL_FILE_HDR;
		found = 1;
	}
	if (len > JRNL_MAX_RECORD) {
		snprintf(what, whatlen, "%" PRIu64 " bytes lie before the first "
		    "record, more than a header can be", len);
		return JRNL_EHEADER;
	}
	if ((json = malloc((size_t)len + 1)) == NULL)
		return JRNL_ENOMEM;
	if (jrnl_pread_full(fd, json, (size_t)len, JRNL_FILE_HDR, &got) != 0 ||
	    got < len) {
		free(json);
		return JRNL_EIO;
	}
	json[len] = '\0';
	crc = jrnl_crc32c(0, json, (size_t)len);
	len_fixed = found;
	if (crc != stored) {
		uint8_t a[4], b[4];
		size_t hit = 0, hits = 0;

		jrnl_put_le32(a, crc);
		jrnl_put_le32(b, stored);
		if (!found && jrnl_bits(a, b, 4) == 1) {
			snprintf(what, whatlen, "one bit of its checksum (offset "
			    "16) was flipped; its %" PRIu64 " bytes of JSON are "
			    "whole", len);
			found = 1;
		} else if (!found && len <= JRNL_HDR_FIX_MAX) {
			for (size_t i = 0; i < len * 8; i++) {
				json[i / 8] ^= (char)(1u << (i % 8));
				if (jrnl_crc32c(0, json, (size_t)len) == stored) {
					hit = i;
					hits++;
				}
				json[i / 8] ^= (char)(1u << (i % 8));
			}
			if (hits == 1) {
				json[hit / 8] ^= (char)(1u << (hit % 8));
				snprintf(what, whatlen, "bit %zu of byte %" PRIu64
				    " (in its JSON) was flipped", hit % 8,
				    JRNL_FILE_HDR + (uint64_t)(hit / 8));
				found = 1;
			}
		}
		/* One flipped bit explains the damage, never two: a length
		 * mended must leave a JSON whose checksum holds. */
		if (!found || (len_fixed && crc != stored)) {
			if (!found)
				snprintf(what, whatlen, "its %" PRIu64 " bytes of "
				    "JSON (offset 20) fail their checksum, and no "
				    "one flipped bit explains it", len);
			else
				snprintf(what + strlen(what), whatlen -
				    strlen(what), ", and its JSON then fails its "
				    "checksum");
			free(json);
			return JRNL_EHEADER;
		}
	}
	if (memcmp(h, JRNL_MAGIC, JRNL_MAGIC_LEN) != 0) {
		if (found || jrnl_bits(h, (const uint8_t *)JRNL_MAGIC,
		    JRNL_MAGIC_LEN) != 1) {
			snprintf(what, whatlen, "its magic (offset 0) is not a "
			    "tranche journal's");
			free(json);
			return JRNL_EHEADER;
		}
		snprintf(what, whatlen, "one bit of its magic (offset 0) was "
		    "flipped");
		found = 1;
	}
	ver = jrnl_get_le32(h + 8);
	*version = (int)ver;
	if (ver != JRNL_FORMAT_VERSION && ver != JRNL_FORMAT_V1) {
		if (found || jrnl_bits(h + 8, v2, 4) != 1 || (ver < 256 &&
		    ver != 0)) {
			snprintf(what, whatlen, "its version (offset 8) reads %u",
			    (unsigned)ver);
			free(json);
			return JRNL_EHEADER;
		}
		snprintf(what, whatlen, "one bit of its version (offset 8) was "
		    "flipped: %u for %d", (unsigned)ver, JRNL_FORMAT_VERSION);
		*version = JRNL_FORMAT_VERSION;
		found = 1;
	}
	if (!found)
		what[0] = '\0';
	*json_out = json;
	*data_off = JRNL_FILE_HDR + len;
	return 0;
}

/*
 * Reads and checks the file header.  A file too short to hold the magic, or
 * holding other bytes there, is not a journal; one that has the magic but
 * ends inside the header, with nothing after it, was torn while it was
 * being created.  A header that fails its checks with records after it
 * (or one bit from the magic) is a damaged header, JRNL_EHEADER: never
 * torn, since records were written after it (until 2026-12-07 a flipped
 * bit in its length read as a torn tail, and one in its JSON as a corrupt
 * record with no offset: an independent review).
 */
static int
jrnl_header_read(int fd, char **header_json, uint64_t *data_off,
                 int *version)
{
	uint8_t h[JRNL_FILE_HDR];
	uint32_t hlen, ver;
	size_t got;
	char *json;
	struct stat st;
	int rc;

	if (header_json != NULL)
		*header_json = NULL;
	if ((rc = jrnl_pread_full(fd, h, sizeof(h), 0, &got)) != 0)
		return rc;
	if (got < JRNL_MAGIC_LEN || memcmp(h, JRNL_MAGIC, JRNL_MAGIC_LEN) != 0)
		return got >= JRNL_FILE_HDR && jrnl_bits(h,
		    (const uint8_t *)JRNL_MAGIC, JRNL_MAGIC_LEN) == 1 ?
		    JRNL_EHEADER : JRNL_EMAGIC;
	if (got < 12)
		return JRNL_ETORN;
	ver = jrnl_get_le32(h + 8);
	/* 0, or past 255: no build wrote it, a flipped bit did. */
	if (ver != JRNL_FORMAT_VERSION && ver != JRNL_FORMAT_V1)
		return ver >= 256 || ver == 0 ? JRNL_EHEADER : JRNL_EVERSION;
	*version = (int)ver;
	if (got < JRNL_FILE_HDR)
		return JRNL_ETORN;
	if (fstat(fd, &st) != 0)
		return JRNL_EIO;
	hlen = jrnl_get_le32(h + 12);
	if (hlen > JRNL_MAX_RECORD ||
	    JRNL_FILE_HDR + (uint64_t)hlen > (uint64_t)st.st_size)
		return jrnl_first_marker(fd, JRNL_FILE_HDR,
		    (uint64_t)st.st_size) < (uint64_t)st.st_size ?
		    JRNL_EHEADER : JRNL_ETORN;
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
		return JRNL_EHEADER;
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

/* A reader of fd whose records begin at data_off. */
static int
jrnl_reader_new(struct jrnl_reader **out, int fd, int owns_fd,
                uint64_t data_off, int version)
{
	struct jrnl_reader *r = calloc(1, sizeof(*r));

	if (r == NULL || (r->buf = malloc(JRNL_RBUF)) == NULL) {
		free(r);
		return JRNL_ENOMEM;
	}
	r->fd = fd;
	r->owns_fd = owns_fd;
	r->cap = JRNL_RBUF;
	r->buf_off = r->data_off = data_off;
	r->version = version;
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	*out = r;
	return 0;
}

static int
jrnl_reader_init(struct jrnl_reader **out, int fd, int owns_fd,
                 char **header_json)
{
	uint64_t data_off;
	int rc, version;

	if ((rc = jrnl_header_read(fd, header_json, &data_off, &version)) != 0)
		return rc;
	if ((rc = jrnl_reader_new(out, fd, owns_fd, data_off, version)) != 0 &&
	    header_json != NULL) {
		free(*header_json);
		*header_json = NULL;
	}
	return rc;
}

int
jrnl_reader_open_mended(struct jrnl_reader **out, const char *path,
                        char **header_json, char *what, size_t whatlen)
{
	uint64_t data_off;
	char *json = NULL;
	int rc, fd, version;

	what[0] = '\0';
	rc = jrnl_reader_open(out, path, header_json);
	if (rc != JRNL_EHEADER)
		return rc;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return JRNL_EIO;
	if ((rc = jrnl_header_fix(fd, &json, &data_off, &version, what,
	    whatlen)) != 0 ||
	    (rc = jrnl_reader_new(out, fd, 1, data_off, version)) != 0) {
		free(json);
		close(fd);
		return rc;
	}
	if (header_json != NULL)
		*header_json = json;
	else
		free(json);
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

/* Whether p holds a good frame: the marker, a frame checksum that holds, a
 * known kind and a length within the limit.  The length is only trusted
 * after the checksum over it has held. */
static int
jrnl_frame_good(const uint8_t *p, uint32_t *len)
{
	if (memcmp(p, jrnl_sync_marker, JRNL_SYNC_LEN) != 0 ||
	    jrnl_crc32c(0, p, 21) != jrnl_get_le32(p + 21) ||
	    !jrnl_kind_valid(p[8]) || jrnl_get_le32(p + 4) > JRNL_MAX_RECORD)
		return 0;
	*len = jrnl_get_le32(p + 4);
	return 1;
}

/*
 * Format 1, read only: a 17-byte frame of length, CRC-32C over (kind, t,
 * payload), kind and t.  It has no marker and no checksum over the length,
 * so nothing after a bad record can be trusted: jrnl_resync() does not look.
 */
static int
jrnl_next_v1(struct jrnl_reader *r, struct jrnl_rec *rec)
{
	const uint8_t *p;
	uint32_t len;
	int rc;

	rec->offset = r->buf_off + r->start;
	rc = jrnl_reader_fill(r, JRNL_V1_REC_HDR);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return r->end == r->start ? 0 : JRNL_ETORN;
	p = r->buf + r->start;
	len = jrnl_get_le32(p);
	if (len > JRNL_MAX_RECORD || !jrnl_kind_valid(p[8]))
		return JRNL_ECORRUPT;
	rc = jrnl_reader_fill(r, JRNL_V1_REC_HDR + (size_t)len);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return JRNL_ETORN;
	p = r->buf + r->start;
	if (jrnl_crc32c(0, p + 8, 9 + (size_t)len) != jrnl_get_le32(p + 4))
		return JRNL_ECORRUPT;
	rec->kind = p[8];
	rec->t = (int64_t)jrnl_get_le64(p + 9);
	rec->data = p + JRNL_V1_REC_HDR;
	rec->len = len;
	r->start += JRNL_V1_REC_HDR + (size_t)len;
	return 1;
}

int
jrnl_next(struct jrnl_reader *r, struct jrnl_rec *rec)
{
	const uint8_t *p;
	uint32_t len;
	int rc;

	if (r == NULL || rec == NULL)
		return JRNL_EINVAL;
	if (r->version == JRNL_FORMAT_V1)
		return jrnl_next_v1(r, rec);
	rec->offset = r->buf_off + r->start;
	rc = jrnl_reader_fill(r, JRNL_REC_HDR);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return r->end == r->start ? 0 : JRNL_ETORN;
	/* Nothing is consumed at damage, so every later call stops here
	 * again until the caller resynchronises. */
	if (!jrnl_frame_good(r->buf + r->start, &len))
		return JRNL_ECORRUPT;
	rc = jrnl_reader_fill(r, JRNL_REC_HDR + (size_t)len);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return JRNL_ETORN;
	p = r->buf + r->start; /* the fill may have moved the buffer */
	if (jrnl_crc32c(0, p + JRNL_REC_HDR, len) != jrnl_get_le32(p + 17))
		return JRNL_ECORRUPT;
	rec->kind = p[8];
	rec->t = (int64_t)jrnl_get_le64(p + 9);
	rec->data = p + JRNL_REC_HDR;
	rec->len = len;
	r->start += JRNL_REC_HDR + (size_t)len;
	return 1;
}

/* Whether the n bytes at off are all zero. */
static int
jrnl_zeros(int fd, uint64_t off, uint64_t n, int *zero)
{
	uint8_t chunk[65536];
	size_t want, got, i;
	int rc;

	*zero = 1;
	while (n > 0) {
		want = n < sizeof(chunk) ? (size_t)n : sizeof(chunk);
		if ((rc = jrnl_pread_full(fd, chunk, want, off, &got)) != 0)
			return rc;
		for (i = 0; i < got; i++)
			if (chunk[i] != 0) {
				*zero = 0;
				return 0;
			}
		if (got < want)
			return 0;
		off += got;
		n -= got;
	}
	return 0;
}

/* Whether some prefix of the bytes from off to end (at most one record's
 * worth) has the CRC-32C want: the payload of a record whose frame was hit
 * is still whole and fills the space after it. */
static int
jrnl_prefix_crc(int fd, uint64_t off, uint64_t end, uint32_t want,
                int *found)
{
	uint8_t chunk[65536];
	uint32_t crc = 0;
	size_t got, i, n;
	int rc;

	*found = want == 0; /* an empty payload */
	if (end - off > JRNL_MAX_RECORD)
		end = off + JRNL_MAX_RECORD;
	while (!*found && off < end) {
		n = end - off < sizeof(chunk) ? (size_t)(end - off) :
		                                sizeof(chunk);
		if ((rc = jrnl_pread_full(fd, chunk, n, off, &got)) != 0)
			return rc;
		if (got == 0)
			break;
		for (i = 0; i < got && !*found; i++) {
			crc = jrnl_crc32c(crc, chunk + i, 1);
			*found = crc == want;
		}
		off += got;
	}
	return 0;
}

/* Where the run of zero bytes that ends the range [from, end) starts: end
 * when the last byte is not zero, from when every byte is. */
static int
jrnl_zero_run(int fd, uint64_t from, uint64_t end, uint64_t *zstart)
{
	uint8_t chunk[65536];
	size_t n, got;
	int rc;

	*zstart = end;
	while (*zstart > from) {
		n = *zstart - from < sizeof(chunk) ? (size_t)(*zstart - from) :
		                                     sizeof(chunk);
		rc = jrnl_pread_full(fd, chunk, n, *zstart - n, &got);
		if (rc != 0)
			return rc;
		if (got < n)
			return 0;
		while (n > 0 && chunk[n - 1] == 0) {
			n--;
			(*zstart)--;
		}
		if (n > 0)
			return 0;
	}
	return 0;
}

/*
 * Decides whether the bytes from bad to end, in which no good record starts,
 * are a torn tail or damage, by the rules in journal.h.  torn_at is where a
 * good frame whose payload runs past the end starts, or UINT64_MAX.
 */
static int
jrnl_tail_kind(int fd, uint64_t bad, uint64_t end, uint64_t torn_at,
               int *kind)
{
	uint8_t f[JRNL_REC_HDR];
	uint32_t len;
	size_t got;
	int rc, zero, found;

	uint64_t zstart;

	*kind = JRNL_ETORN;
	rc = jrnl_zeros(fd, bad, (torn_at < end ? torn_at : end) - bad, &zero);
	if (rc != 0 || zero || end - bad < JRNL_REC_HDR)
		return rc;
	/* Zeros from a sector boundary to the end: the file grew before the
	 * last write's data landed (a power failure), which no bit flip in a
	 * JSON payload can look like. */
	if ((rc = jrnl_zero_run(fd, bad, end, &zstart)) != 0)
		return rc;
	if (torn_at == UINT64_MAX && zstart < end && zstart % 512 == 0)
		return 0;
	if ((rc = jrnl_pread_full(fd, f, sizeof(f), bad, &got)) != 0)
		return rc;
	if (got < sizeof(f))
		return 0;
	if (jrnl_frame_good(f, &len)) {
		if (bad + JRNL_REC_HDR + len <= end)
			*kind = JRNL_ECORRUPT;
		return 0;
	}
	/* The writer starts a record only after the one before was whole. */
	if (torn_at != UINT64_MAX) {
		*kind = JRNL_ECORRUPT;
		return 0;
	}
	len = jrnl_get_le32(f + 4);
	if (memcmp(f, jrnl_sync_marker, JRNL_SYNC_LEN) == 0 &&
	    len <= JRNL_MAX_RECORD && bad + JRNL_REC_HDR + len <= end) {
		*kind = JRNL_ECORRUPT;
		return 0;
	}
	rc = jrnl_prefix_crc(fd, bad + JRNL_REC_HDR, end, jrnl_get_le32(f + 17),
	                     &found);
	if (rc == 0 && found)
		*kind = JRNL_ECORRUPT;
	return rc;
}

/*
 * Looks for the marker at every byte after the bad record, and takes the
 * first place where a whole record checks out: frame and payload.  A marker
 * inside a payload would also need both checksums to hold by chance, so
 * resynchronising never lands inside a good record.
 */
int
jrnl_resync(struct jrnl_reader *r, struct jrnl_span *span)
{
	uint64_t bad, end, torn_at = UINT64_MAX;
	const uint8_t *p, *q;
	uint32_t len;
	int rc, kind;

	if (r == NULL || span == NULL)
		return JRNL_EINVAL;
	bad = r->buf_off + r->start;
	memset(span, 0, sizeof(*span));
	span->offset = bad;
	if ((rc = jrnl_reader_fill(r, 1)) <= 0)
		return rc; /* a clean end: nothing to skip */
	if (r->version == JRNL_FORMAT_V1) {
		/* No marker to look for: the rest of the file is the span. */
		struct jrnl_rec again;
		struct stat st;

		if (fstat(r->fd, &st) != 0)
			return JRNL_EIO;
		span->bytes = (uint64_t)st.st_size > bad ?
		                  (uint64_t)st.st_size - bad : 0;
		/* The bad record is not consumed: reading it again says why. */
		rc = jrnl_next_v1(r, &again);
		span->error = rc == JRNL_ETORN ? JRNL_ETORN : JRNL_ECORRUPT;
		return 0;
	}
	r->start++;
	for (;;) {
		if ((rc = jrnl_reader_fill(r, JRNL_REC_HDR)) < 0)
			goto fail;
		if (rc == 0)
			break;
		p = r->buf + r->start;
		q = memmem(p, r->end - r->start, jrnl_sync_marker,
		           JRNL_SYNC_LEN);
		if (q == NULL) {
			/* A marker may straddle the end of what was read. */
			r->start = r->end - (JRNL_SYNC_LEN - 1);
			continue;
		}
		r->start = (size_t)(q - r->buf);
		if ((rc = jrnl_reader_fill(r, JRNL_REC_HDR)) < 0)
			goto fail;
		if (rc == 0)
			break;
		if (!jrnl_frame_good(r->buf + r->start, &len)) {
			r->start++;
			continue;
		}
		if ((rc = jrnl_reader_fill(r, JRNL_REC_HDR + (size_t)len)) < 0)
			goto fail;
		if (rc == 0) {
			torn_at = r->buf_off + r->start;
			break;
		}
		p = r->buf + r->start;
		if (jrnl_crc32c(0, p + JRNL_REC_HDR, len) ==
		    jrnl_get_le32(p + 17)) {
			span->bytes = r->buf_off + r->start - bad;
			span->error = JRNL_ECORRUPT;
			return 1;
		}
		r->start++;
	}
	/* Every fill above that came up short read to the end of the file. */
	end = r->buf_off + r->end;
	span->bytes = end - bad;
	if ((rc = jrnl_tail_kind(r->fd, bad, end, torn_at, &kind)) != 0)
		goto fail;
	span->error = kind;
	rc = 0;
fail:
	/* The reader stays at the bad record, as jrnl_next() left it. */
	r->buf_off = bad;
	r->start = r->end = 0;
	return rc;
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

int
jrnl_reader_format(const struct jrnl_reader *r)
{
	return r->version;
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
 * After the first bad record: resynchronises to count the good records and
 * the damaged spans that follow, for the report of a refused open.  A torn
 * tail after the damage is not counted as damage.  at_end: the first span
 * already ran to the end of the file (reading on found it again, and the
 * report said 2 spans and twice the bytes: found by a review).
 */
static int
jrnl_count_damage(struct jrnl_reader *r, const struct jrnl_span *first,
                  struct jrnl_open_report *rep, int at_end)
{
	struct jrnl_span span;
	struct jrnl_rec rec;
	int rc;

	rep->damage = *first;
	rep->records_before = rep->records;
	rep->damaged_spans = 1;
	rep->damaged_bytes = first->bytes;
	while (!at_end) {
		while ((rc = jrnl_next(r, &rec)) == 1)
			rep->records_after++;
		if (rc == 0)
			break;
		if (rc != JRNL_ETORN && rc != JRNL_ECORRUPT)
			return rc;
		if ((rc = jrnl_resync(r, &span)) < 0)
			return rc;
		if (rc == 0 && span.error == JRNL_ETORN)
			break;
		rep->damaged_spans++;
		rep->damaged_bytes += span.bytes;
		if (rc == 0)
			break;
	}
	rep->records = rep->records_before + rep->records_after;
	return 0;
}

/*
 * Scans every record, so the checksums of the whole file are verified before
 * anything is appended.  A torn tail is cut, and the cut is synced before the
 * journal is handed out: a crash right after must not bring the torn bytes
 * back in front of new records.  Damage anywhere else refuses, and the file
 * is not written at all: what is there was synced, and the operator decides
 * (tranched journal check, salvage).
 */
static int
jrnl_open_append_how(struct jrnl **out, const char *path, char **header_json,
                     struct jrnl_open_report *rep, int lazy)
{
	struct jrnl_open_report local;
	struct jrnl_reader *r = NULL;
	struct jrnl_span span;
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
	/* Format 1 is read only: salvage converts it. */
	if (r->version != JRNL_FORMAT_VERSION) {
		jrnl_reader_close(r);
		rc = JRNL_EVERSION;
		goto fail;
	}
	while ((rc = jrnl_next(r, &rec)) == 1)
		rep->records++;
	good = rec.offset;
	if (rc == JRNL_ETORN || rc == JRNL_ECORRUPT) {
		if ((rc = jrnl_resync(r, &span)) >= 0 &&
		    (rc == 1 || span.error != JRNL_ETORN)) {
			rc = jrnl_count_damage(r, &span, rep, rc == 0);
			if (rc == 0)
				rc = JRNL_EDAMAGED;
		} else if (rc == 0) {
			rep->tail_error = JRNL_ETORN;
		}
	}
	jrnl_reader_close(r);
	if (rc != 0)
		goto fail;
	if (fstat(fd, &st) != 0) {
		rc = JRNL_EIO;
		goto fail;
	}
	if ((uint64_t)st.st_size > good) {
		rep->cut_bytes = (uint64_t)st.st_size - good;
		if (!lazy && (ftruncate(fd, (off_t)good) != 0 ||
		    jrnl_fsync_retry(fd, 0) != 0)) {
			rc = JRNL_EIO;
			goto fail;
		}
	}
	rep->good_bytes = good;
	if ((rc = jrnl_new(out, fd, good, rep->records)) != 0)
		goto fail;
	(*out)->cut_pending = lazy && rep->cut_bytes > 0;
	return 0;

fail:
	jrnl_close_fd(fd);
	if (header_json != NULL) {
		free(*header_json);
		*header_json = NULL;
	}
	return rc;
}

int
jrnl_open_append(struct jrnl **out, const char *path, char **header_json,
                 struct jrnl_open_report *rep)
{
	return jrnl_open_append_how(out, path, header_json, rep, 0);
}

int
jrnl_open_append_lazy(struct jrnl **out, const char *path,
                      char **header_json, struct jrnl_open_report *rep)
{
	return jrnl_open_append_how(out, path, header_json, rep, 1);
}

/* Fills a record's frame for len bytes of payload at data. */
static void
jrnl_frame(uint8_t hdr[JRNL_REC_HDR], int kind, int64_t t, const void *data,
           size_t len)
{
	memcpy(hdr, jrnl_sync_marker, JRNL_SYNC_LEN);
	jrnl_put_le32(hdr + 4, (uint32_t)len);
	hdr[8] = (uint8_t)kind;
	jrnl_put_le64(hdr + 9, (uint64_t)t);
	jrnl_put_le32(hdr + 17, jrnl_crc32c(0, data, len));
	jrnl_put_le32(hdr + 21, jrnl_crc32c(0, hdr, 21));
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
		jrnl_frame(hdr, kind, t, data, len);
		return jrnl_append_large(j, hdr, data, len);
	}
	if (need > j->cap - j->used && (rc = jrnl_flush(j)) != 0)
		return rc;
	p = j->buf + j->used;
	if (len > 0)
		memcpy(p + JRNL_REC_HDR, data, len);
	jrnl_frame(p, kind, t, p + JRNL_REC_HDR, len);
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

/*
 * The pid holding an flock() on path, from /proc/locks (Linux): the line
 * whose device and inode are the file's.  flock() keeps no owner that the
 * locking call can return, unlike fcntl()'s F_GETLK, and fcntl() locks are
 * dropped when any descriptor of the file closes in the process (recovery
 * opens readers on the same file), so the lock stays an flock() and the pid
 * is looked up here.  Some file systems report another device number than
 * stat() does; a match on the inode alone is taken when no line matches
 * both.  0 when nothing says.
 */
static long
jrnl_lock_holder(const char *path)
{
	unsigned int maj, min;
	unsigned long ino;
	long pid, best = 0;
	char line[256], type[16];
	struct stat st;
	FILE *f;

	if (stat(path, &st) != 0 || (f = fopen("/proc/locks", "re")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "%*s %15s %*s %*s %ld %x:%x:%lu", type, &pid,
		           &maj, &min, &ino) != 5 ||
		    strcmp(type, "FLOCK") != 0 || ino != (unsigned long)st.st_ino)
			continue;
		if (maj == major(st.st_dev) && min == minor(st.st_dev)) {
			best = pid;
			break;
		}
		if (best == 0)
			best = pid;
	}
	fclose(f);
	return best;
}

/*
 * A file that ends inside its own file header, its bytes so far the
 * header's start (none at all, for an empty file: a crash between creating
 * it and the first write): a creation cut short, not a tail the engine
 * cuts nor another kind of file (found by adversarial reviews: it was said
 * as "torn tail" or "bad magic", with no offset).  1 with buf said so,
 * else 0.
 */
static int
jrnl_describe_cut(char *buf, size_t len, const char *path)
{
	uint8_t h[JRNL_FILE_HDR];
	struct stat st;
	uint64_t need = JRNL_FILE_HDR;
	size_t got = 0;
	int fd;

	st.st_size = -1;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0) {
		if (fstat(fd, &st) != 0)
			st.st_size = -1;
		if (jrnl_pread_full(fd, h, sizeof(h), 0, &got) != 0)
			got = 0;
		close(fd);
	}
	if (st.st_size < 0 || got != ((uint64_t)st.st_size < sizeof(h) ?
	    (size_t)st.st_size : sizeof(h)) ||
	    memcmp(h, JRNL_MAGIC, got < JRNL_MAGIC_LEN ? got :
	    JRNL_MAGIC_LEN) != 0)
		return 0;
	if (got == sizeof(h))
		need += jrnl_get_le32(h + 12);
	if ((uint64_t)st.st_size >= need)
		return 0;
	snprintf(buf, len, "journal %s: ends at byte %lld, inside its file "
	         "header (%llu bytes%s): its creation was cut before the header "
	         "was whole, so it holds no session to continue or read; "
	         "nothing cut", path, (long long)st.st_size,
	         (unsigned long long)need, got == sizeof(h) ? "" : " at least");
	return 1;
}

const char *
jrnl_describe(char *buf, size_t len, int err, const char *path)
{
	int saved = errno, fd;
	uint8_t v[4];
	size_t got = 0;
	long pid;

	if (buf == NULL || len == 0)
		return "";
	if (path == NULL)
		path = "(no path)";
	switch (err) {
	case JRNL_EIO:
		snprintf(buf, len, "journal %s: %s (errno %d)", path,
		         strerror(saved), saved);
		break;
	case JRNL_ELOCKED:
		if ((pid = jrnl_lock_holder(path)) > 0)
			snprintf(buf, len, "journal %s: locked by another "
			         "engine, pid %ld", path, pid);
		else
			snprintf(buf, len, "journal %s: locked by another "
			         "engine (no pid: /proc/locks does not say)",
			         path);
		break;
	case JRNL_EVERSION:
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0) {
			if (jrnl_pread_full(fd, v, sizeof(v), 8, &got) != 0)
				got = 0;
			close(fd);
		}
		if (got == sizeof(v) && jrnl_get_le32(v) == JRNL_FORMAT_V1)
			snprintf(buf, len, "journal %s: format version 1 is "
			         "read only in this build (it writes version %d):"
			         " `tranched journal salvage %s NEW` converts it",
			         path, JRNL_FORMAT_VERSION, path);
		else if (got == sizeof(v))
			snprintf(buf, len, "journal %s: format version %u; "
			         "this build reads version %d", path,
			         jrnl_get_le32(v), JRNL_FORMAT_VERSION);
		else
			snprintf(buf, len, "journal %s: %s", path,
			         jrnl_strerror(err));
		break;
	case JRNL_EHEADER: {
		char what[256] = "", *json = NULL;
		uint64_t off = 0;
		int version, rc = JRNL_EIO;

		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0) {
			rc = jrnl_header_fix(fd, &json, &off, &version, what,
			    sizeof(what));
			close(fd);
			free(json);
		}
		if (rc == 0)
			snprintf(buf, len, "journal %s: its header (the "
			         "session's scenario and seed) is damaged: %s; "
			         "nothing cut: `tranched journal salvage %s NEW` "
			         "writes a journal with the header mended and "
			         "every readable record", path, what, path);
		else
			snprintf(buf, len, "journal %s: its header (the "
			         "session's scenario and seed) is damaged%s%s: "
			         "nothing cut; without it its records cannot be "
			         "continued", path, what[0] ? ": " : "", what);
		break;
	}
	case JRNL_EMAGIC:
	case JRNL_ETORN:
		if (!jrnl_describe_cut(buf, len, path))
			snprintf(buf, len, "journal %s: %s", path,
			         jrnl_strerror(err));
		break;
	default:
		snprintf(buf, len, "journal %s: %s", path, jrnl_strerror(err));
		break;
	}
	errno = saved;
	return buf;
}
