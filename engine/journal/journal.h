/*
 * engine/journal/journal.h -- the append-only session record.
 *
 * File layout (all integers little-endian):
 *
 *   file header   8 bytes magic "TRNCHJ\r\n", u32 format version,
 *                 u32 header length H, u32 CRC-32C of the header JSON,
 *                 H bytes of header JSON (engine version, scenario, seed,
 *                 options: whatever the writer passes in).
 *   records       u32 payload length L, u32 CRC-32C over (kind, t, payload),
 *                 u8 kind, i64 t (simulated ns), L bytes payload.
 *
 * Writes are buffered; jrnl_append() never blocks on the disk unless the
 * buffer is full.  jrnl_sync() writes the buffer and fdatasync()s it: callers
 * sync before they acknowledge anything that must survive a crash (commands
 * and fills).  A record is either wholly present with a good checksum or it
 * is the torn tail of a crash: opening for append detects a torn or corrupt
 * tail, reports where it starts, and cuts the file there.
 *
 * The reader walks records in order and stops at the first damaged one,
 * saying at which byte offset and why, so a console can play a damaged
 * journal up to the damage.
 */
#ifndef TRANCHE_JOURNAL_H
#define TRANCHE_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#define JRNL_FORMAT_VERSION 1
#define JRNL_MAX_RECORD (16u * 1024 * 1024)

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

/* What opening for append found. */
struct jrnl_open_report {
	uint64_t records;     /* good records kept */
	uint64_t good_bytes;  /* file size after any cut */
	uint64_t cut_bytes;   /* bytes of torn or corrupt tail removed */
	int tail_error;       /* JRNL_ETORN, JRNL_ECORRUPT or 0 */
};

/* Create a new journal; JRNL_EEXIST if the file exists. */
int jrnl_create(struct jrnl **out, const char *path, const char *header_json);

/* Open an existing journal for appending, cutting a damaged tail.
 * *header_json (may be NULL) receives a malloc'd copy of the header. */
int jrnl_open_append(struct jrnl **out, const char *path, char **header_json,
                     struct jrnl_open_report *rep);

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
/* 1 and *rec filled; 0 at a clean end; negative at damage (rec->offset says
 * where the damaged record starts). */
int jrnl_next(struct jrnl_reader *r, struct jrnl_rec *rec);
/* Go back to the first record. */
int jrnl_rewind(struct jrnl_reader *r);
void jrnl_reader_close(struct jrnl_reader *r);

const char *jrnl_strerror(int err);
uint32_t jrnl_crc32c(uint32_t crc, const void *data, size_t len);

#endif
