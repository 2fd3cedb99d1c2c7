/*
 * engine/journal/journal.h -- the append-only session record.
 *
 * File layout, format version 2 (all integers little-endian):
 *
 *   file header   8 bytes magic "TRNCHJ\r\n", u32 format version,
 *                 u32 header length H, u32 CRC-32C of the header JSON,
 *                 H bytes of header JSON (engine version, scenario, seed,
 *                 options: whatever the writer passes in).
 *   records       25-byte frame, then the payload:
 *                   u8[4] sync marker FF 54 6A FE
 *                   u32   payload length L (at most JRNL_MAX_RECORD)
 *                   u8    kind
 *                   i64   t (simulated ns)
 *                   u32   CRC-32C of the L payload bytes
 *                   u32   CRC-32C of the 21 frame bytes before it
 *                 L bytes payload.
 *
 * The frame's own checksum covers the length, so a reader never trusts a
 * length it has not verified: a flipped bit in a length makes the frame bad,
 * not a jump over good records.  The sync marker holds bytes that never occur
 * in UTF-8 text, so after damage a reader finds the next record by looking
 * for the marker at every byte and accepting only a frame whose checksum and
 * payload checksum both hold (jrnl_resync()).  Version 1 (a 17-byte frame of
 * u32 length, u32 CRC-32C over kind, t and payload, u8 kind, i64 t; no
 * marker) is still read, without resynchronising: jrnl_resync() on it
 * skips to the end of the file.  It is never appended to: opening one for
 * append says JRNL_EVERSION, and `tranched journal salvage` converts it.
 *
 * Writes are buffered; jrnl_append() never blocks on the disk unless the
 * buffer is full.  jrnl_sync() writes the buffer and fdatasync()s it: callers
 * sync before they acknowledge anything that must survive a crash (commands
 * and fills).  So synced data is never cut: opening for append cuts only a
 * torn tail, the last write that never completed, and refuses a journal that
 * is damaged anywhere before it (JRNL_EDAMAGED, with where and how much in
 * the report).  What counts as torn is decided by jrnl_resync() once no good
 * record follows the first bad byte X of a file of S bytes:
 *
 *   - fewer than 25 bytes from X to S, only zero bytes, or bytes that end
 *     in zeros from a 512-byte boundary to S (a crash that extended the
 *     file before its data landed), are torn;
 *   - a good frame at X whose payload runs past S is torn (a kill -9 in the
 *     middle of a write);
 *   - anything that was a whole record is damage: a good frame whose payload
 *     lies inside the file but fails its checksum, a frame that fails its
 *     checksum but keeps its marker with a length that fits the file, or one
 *     whose payload checksum matches the bytes after it; so is anything
 *     before a later frame, since the writer only starts a record after the
 *     one before it was whole;
 *   - other bytes (garbage that never formed a record) are torn.
 *
 * A bit flip in the last complete record therefore refuses rather than cuts:
 * that record was synced and may have been acknowledged.
 *
 * Readers walk records in order; at damage jrnl_next() stops and says at
 * which byte offset, and jrnl_resync() moves past the damaged span to the
 * next good record, saying how many bytes it skipped.
 */
#ifndef TRANCHE_JOURNAL_H
#define TRANCHE_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#define JRNL_FORMAT_VERSION 2
#define JRNL_MAX_RECORD (16u * 1024 * 1024)
#define JRNL_FILE_HDR 20 /* magic, version, header length, header CRC */
#define JRNL_REC_HDR 25  /* sync, length, kind, t, payload CRC, frame CRC */

/* Record kinds. */
enum jrnl_kind {
	JRNL_EVENT = 1,   /* payload: TOPIC '\0' JSON exactly as published */
	JRNL_COMMAND = 2, /* payload: {"req":{...},"rep":{...},"client":..} */
	JRNL_NOTE = 3,    /* payload: JSON, engine notes (start, stop, recovery) */
};

enum {
	JRNL_OK = 0,
	JRNL_EIO = -1,      /* errno says more */
	JRNL_EMAGIC = -2,   /* not a tranche journal */
	JRNL_EVERSION = -3, /* a format version this build does not read */
	JRNL_ECORRUPT = -4, /* checksum or length wrong */
	JRNL_ETORN = -5,    /* file ends inside a record */
	JRNL_EEXIST = -6,   /* create: file exists */
	JRNL_EINVAL = -7,
	JRNL_ENOMEM = -8,
	JRNL_ELOCKED = -9,  /* another writer holds the journal's lock */
	JRNL_EDAMAGED = -10, /* open for append: damage before the tail */
	JRNL_EHEADER = -11, /* the file header (scenario, seed) is damaged */
};

struct jrnl;
struct jrnl_reader;

struct jrnl_rec {
	int kind;
	int64_t t;
	const uint8_t *data; /* valid until the next jrnl_next() */
	uint32_t len;
	uint64_t offset;     /* byte offset of the record in the file */
};

/* A run of bytes that holds no good record. */
struct jrnl_span {
	uint64_t offset; /* where the first bad byte is */
	uint64_t bytes;  /* how many bytes were skipped */
	int error;       /* JRNL_ECORRUPT (damage) or JRNL_ETORN (torn tail) */
};

/* What opening for append found. */
struct jrnl_open_report {
	uint64_t records;     /* good records kept (or found, if refused) */
	uint64_t good_bytes;  /* file size after any cut */
	uint64_t cut_bytes;   /* bytes of torn tail removed */
	int tail_error;       /* JRNL_ETORN when a torn tail was cut, else 0 */
	/* When the open is refused with JRNL_EDAMAGED: the first damaged span,
	 * the good records before and after it, and the damage in all. */
	struct jrnl_span damage;
	uint64_t records_before, records_after;
	uint64_t damaged_spans, damaged_bytes;
};

/* Create a new journal; JRNL_EEXIST if the file exists. */
int jrnl_create(struct jrnl **out, const char *path, const char *header_json);

/* Open an existing journal for appending, cutting a torn tail; any other
 * damage refuses with JRNL_EDAMAGED and leaves the file as it was.
 * *header_json (may be NULL) receives a malloc'd copy of the header. */
int jrnl_open_append(struct jrnl **out, const char *path, char **header_json,
                     struct jrnl_open_report *rep);
/* The same, but a torn tail is cut only just before the first record is
 * written, so that an open the caller then refuses to go on with (a
 * recovery that diverges, another model) leaves the file exactly as it
 * was; rep->cut_bytes says what will be cut.  A reader of the file meets
 * the torn tail at rep->good_bytes until then. */
int jrnl_open_append_lazy(struct jrnl **out, const char *path,
                          char **header_json, struct jrnl_open_report *rep);

int jrnl_append(struct jrnl *j, int kind, int64_t t, const void *data,
                size_t len);
int jrnl_flush(struct jrnl *j); /* write the buffer to the OS */
int jrnl_sync(struct jrnl *j);  /* flush, then fdatasync */
uint64_t jrnl_records(const struct jrnl *j);
/* The errno of the write or sync that failed (the failure is sticky: every
 * later write call returns it); 0 while the journal is healthy. */
int jrnl_errno(const struct jrnl *j);
void jrnl_close(struct jrnl *j); /* flushes and syncs; NULL is fine */

/* Reading.  *header_json (may be NULL) receives a malloc'd copy. */
int jrnl_reader_open(struct jrnl_reader **out, const char *path,
                     char **header_json);
/* The same, but a damaged file header that one flipped bit explains is
 * mended in memory (the file is not changed): what[] then says what was
 * wrong, else it is "".  JRNL_EHEADER when the header is damaged beyond
 * that, what[] saying how.  For `tranched journal check` and salvage. */
int jrnl_reader_open_mended(struct jrnl_reader **out, const char *path,
                            char **header_json, char *what, size_t whatlen);
/* 1 and *rec filled; 0 at a clean end; negative at damage (rec->offset says
 * where the damaged record starts). */
int jrnl_next(struct jrnl_reader *r, struct jrnl_rec *rec);
/* After jrnl_next() returned JRNL_ECORRUPT or JRNL_ETORN: looks for the
 * next good record after the bad one.  1 when one was found: the reader
 * stands at it and *span says what lies between.  0 when no good record
 * follows: *span runs to the end of the file, its error says whether it is
 * a torn tail or damage, and the reader stays at the bad record.  Negative
 * on an I/O or memory error. */
int jrnl_resync(struct jrnl_reader *r, struct jrnl_span *span);
/* Go back to the first record. */
int jrnl_rewind(struct jrnl_reader *r);
/* The file's format version (1 or JRNL_FORMAT_VERSION). */
int jrnl_reader_format(const struct jrnl_reader *r);
void jrnl_reader_close(struct jrnl_reader *r);

const char *jrnl_strerror(int err);
/* A sentence for the failure err of a call on path, written into buf:
 * "journal PATH: ...", with the errno text and number for JRNL_EIO (read
 * from errno: call it straight after the failure), the version found for
 * JRNL_EVERSION and the pid holding the lock for JRNL_ELOCKED. */
const char *jrnl_describe(char *buf, size_t len, int err, const char *path);
uint32_t jrnl_crc32c(uint32_t crc, const void *data, size_t len);

#endif
