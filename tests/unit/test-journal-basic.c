/*
 * tests/unit/test-journal-basic.c -- the journal's file format and its
 * promises: records come back exactly as written, a torn tail is found and
 * cut at the right byte, a corrupt record is refused without being touched,
 * files that are not journals are refused without being touched, and
 * whatever was synced survives a kill -9.  test-journal-damage.c covers
 * resynchronising after damage and telling damage from a torn tail.
 *
 * Every test works in a fresh mkdtemp() directory that the teardown empties
 * and removes.  Damaged journals are made by writing a good one, reading its
 * bytes back and rewriting them with the damage, so each case starts from a
 * file that the journal itself produced.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine/journal/journal.h"

#define FILE_HDR JRNL_FILE_HDR
#define REC_HDR JRNL_REC_HDR

struct fixture {
	char dir[PATH_MAX];
};

static int
fixture_setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	const char *tmp = getenv("TMPDIR");

	if (fx == NULL)
		return -1;
	if (tmp == NULL || *tmp == '\0')
		tmp = "/tmp";
	snprintf(fx->dir, sizeof(fx->dir), "%s/test-journal-XXXXXX", tmp);
	if (mkdtemp(fx->dir) == NULL) {
		free(fx);
		return -1;
	}
	*state = fx;
	return 0;
}

static int
fixture_teardown(void **state)
{
	struct fixture *fx = *state;
	char path[PATH_MAX + 256];
	struct dirent *de;
	DIR *d;

	if ((d = opendir(fx->dir)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			snprintf(path, sizeof(path), "%s/%s", fx->dir,
			         de->d_name);
			unlink(path);
		}
		closedir(d);
	}
	rmdir(fx->dir);
	free(fx);
	return 0;
}

static const char *
path_in(struct fixture *fx, const char *name)
{
	static char path[PATH_MAX + 256];

	snprintf(path, sizeof(path), "%s/%s", fx->dir, name);
	return path;
}

static uint64_t
file_size(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return (uint64_t)st.st_size;
}

static uint8_t *
slurp(const char *path, size_t *len)
{
	size_t n = (size_t)file_size(path);
	uint8_t *buf = malloc(n + 1);
	FILE *f = fopen(path, "rb");

	assert_non_null(buf);
	assert_non_null(f);
	assert_int_equal(fread(buf, 1, n, f), n);
	fclose(f);
	*len = n;
	return buf;
}

static void
spill(const char *path, const void *data, size_t len)
{
	FILE *f;

	unlink(path);
	f = fopen(path, "wb");
	assert_non_null(f);
	if (len > 0)
		assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* Record i of a generated journal: its kind, time and payload. */
static void
gen_record(uint64_t i, int *kind, int64_t *t, uint8_t *buf, size_t *len)
{
	size_t k;

	*kind = JRNL_EVENT + (int)(i % 3);
	*t = (int64_t)i * 1000 - 5;
	*len = (size_t)((i * 7919) % 301);
	for (k = 0; k < *len; k++)
		buf[k] = (uint8_t)(i * 31 + k * 7);
}

static void
append_generated(struct jrnl *j, uint64_t from, uint64_t to)
{
	uint8_t buf[512];
	size_t len;
	int64_t t;
	int kind;

	for (uint64_t i = from; i < to; i++) {
		gen_record(i, &kind, &t, buf, &len);
		assert_int_equal(jrnl_append(j, kind, t, buf, len), 0);
	}
}

static void
assert_generated(const struct jrnl_rec *rec, uint64_t i)
{
	uint8_t buf[512];
	size_t len;
	int64_t t;
	int kind;

	gen_record(i, &kind, &t, buf, &len);
	assert_int_equal(rec->kind, kind);
	assert_int_equal(rec->t, t);
	assert_int_equal(rec->len, len);
	if (len > 0)
		assert_memory_equal(rec->data, buf, len);
}

/* Writes a journal of n generated records and returns their offsets. */
static uint64_t *
make_journal(const char *path, const char *header, uint64_t n)
{
	uint64_t *off = calloc(n + 1, sizeof(*off));
	struct jrnl_reader *r;
	struct jrnl_rec rec;
	struct jrnl *j;
	uint64_t i = 0;

	assert_non_null(off);
	assert_int_equal(jrnl_create(&j, path, header), 0);
	append_generated(j, 0, n);
	assert_int_equal(jrnl_sync(j), 0);
	jrnl_close(j);
	assert_int_equal(jrnl_reader_open(&r, path, NULL), 0);
	while (jrnl_next(r, &rec) == 1) {
		assert_generated(&rec, i);
		off[i++] = rec.offset;
	}
	assert_int_equal(i, n);
	jrnl_reader_close(r);
	off[n] = file_size(path);
	return off;
}

/* Reads every record of a journal, checking them against the generator,
 * and returns the count and the final code. */
static uint64_t
read_generated(const char *path, int *last)
{
	struct jrnl_reader *r;
	struct jrnl_rec rec;
	uint64_t n = 0;
	int rc;

	assert_int_equal(jrnl_reader_open(&r, path, NULL), 0);
	while ((rc = jrnl_next(r, &rec)) == 1)
		assert_generated(&rec, n++);
	*last = rc;
	jrnl_reader_close(r);
	return n;
}

struct sample {
	int kind;
	int64_t t;
	const void *data;
	size_t len;
};

static void
journal_roundtrips_records(void **state)
{
	static const char event[] =
	    "md.book.AAPL\0{\"bid\":101.25,\"ask\":101.26}";
	static const char command[] = "{\"req\":{\"op\":\"new\",\"qty\":100},"
	                              "\"rep\":{\"ok\":true},\"client\":7}";
	static const char note[] = "{\"note\":\"start\"}";
	const char *header = "{\"engine\":\"0.1.0\",\"seed\":42}";
	struct fixture *fx = *state;
	const char *path = path_in(fx, "roundtrip.jrnl");
	uint8_t binary[512], *big;
	struct jrnl_reader *r;
	struct jrnl_rec rec;
	struct jrnl *j;
	uint64_t off, n;
	size_t big_len = 3u << 20, i;
	char *hdr_back;

	for (i = 0; i < sizeof(binary); i++)
		binary[i] = (uint8_t)(i * 251 % 256); /* zeros included */
	big = malloc(big_len);
	assert_non_null(big);
	for (i = 0; i < big_len; i++)
		big[i] = (uint8_t)(i ^ (i >> 9));

	const struct sample first[] = {
	    {JRNL_EVENT, 1, event, sizeof(event) - 1},
	    {JRNL_COMMAND, 2, command, strlen(command)},
	    {JRNL_NOTE, 3, note, strlen(note)},
	    {JRNL_EVENT, 4, "", 0},
	    {JRNL_NOTE, 5, NULL, 0},
	    {JRNL_COMMAND, INT64_MIN, binary, sizeof(binary)},
	    {JRNL_EVENT, INT64_MAX, "\0\0\0", 3},
	    {JRNL_NOTE, -1, binary, 1},
	};
	const size_t nfirst = sizeof(first) / sizeof(first[0]);
	const uint64_t ngen = 20000; /* a few MiB: the buffer fills often */

	assert_int_equal(jrnl_create(&j, path, header), 0);
	for (i = 0; i < nfirst; i++)
		assert_int_equal(jrnl_append(j, first[i].kind, first[i].t,
		                             first[i].data, first[i].len),
		                 0);
	append_generated(j, 0, ngen);
	assert_int_equal(jrnl_append(j, JRNL_EVENT, 99, big, big_len), 0);
	assert_int_equal(jrnl_append(j, JRNL_NOTE, 100, note, strlen(note)), 0);
	assert_int_equal(jrnl_records(j), nfirst + ngen + 2);
	jrnl_close(j);

	assert_int_equal(jrnl_reader_open(&r, path, &hdr_back), 0);
	assert_string_equal(hdr_back, header);
	free(hdr_back);
	for (int pass = 0; pass < 2; pass++) {
		off = FILE_HDR + strlen(header);
		for (i = 0; i < nfirst; i++) {
			assert_int_equal(jrnl_next(r, &rec), 1);
			assert_int_equal(rec.kind, first[i].kind);
			assert_int_equal(rec.t, first[i].t);
			assert_int_equal(rec.len, first[i].len);
			assert_int_equal(rec.offset, off);
			if (first[i].len > 0)
				assert_memory_equal(rec.data, first[i].data,
				                    first[i].len);
			off += REC_HDR + rec.len;
		}
		for (n = 0; n < ngen; n++) {
			assert_int_equal(jrnl_next(r, &rec), 1);
			assert_generated(&rec, n);
			assert_int_equal(rec.offset, off);
			off += REC_HDR + rec.len;
		}
		assert_int_equal(jrnl_next(r, &rec), 1);
		assert_int_equal(rec.kind, JRNL_EVENT);
		assert_int_equal(rec.t, 99);
		assert_int_equal(rec.len, big_len);
		assert_memory_equal(rec.data, big, big_len);
		off += REC_HDR + rec.len;
		assert_int_equal(jrnl_next(r, &rec), 1);
		assert_int_equal(rec.kind, JRNL_NOTE);
		assert_int_equal(rec.len, strlen(note));
		off += REC_HDR + rec.len;
		/* A clean end stays a clean end. */
		assert_int_equal(jrnl_next(r, &rec), 0);
		assert_int_equal(jrnl_next(r, &rec), 0);
		assert_int_equal(off, file_size(path));
		assert_int_equal(jrnl_rewind(r), 0);
	}
	jrnl_reader_close(r);
	free(big);
}

static void
journal_create_refuses_existing_file(void **state)
{
	struct fixture *fx = *state;
	char plain[PATH_MAX + 256], jpath[PATH_MAX + 256];
	struct jrnl *j = (struct jrnl *)&j;
	uint8_t *before, *after;
	size_t blen, alen;
	struct stat st;

	snprintf(plain, sizeof(plain), "%s", path_in(fx, "plain.txt"));
	snprintf(jpath, sizeof(jpath), "%s", path_in(fx, "j.jrnl"));

	spill(plain, "hello", 5);
	assert_int_equal(jrnl_create(&j, plain, "{}"), JRNL_EEXIST);
	assert_null(j);
	before = slurp(plain, &blen);
	assert_int_equal(blen, 5);
	assert_memory_equal(before, "hello", 5);
	free(before);

	free(make_journal(jpath, "{\"a\":1}", 10));
	assert_int_equal(stat(jpath, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	before = slurp(jpath, &blen);
	assert_int_equal(jrnl_create(&j, jpath, "{}"), JRNL_EEXIST);
	after = slurp(jpath, &alen);
	assert_int_equal(alen, blen);
	assert_memory_equal(after, before, blen);
	free(before);
	free(after);

	/* A missing directory is an I/O error, with errno saying which. */
	assert_int_equal(jrnl_create(&j, path_in(fx, "no/such/dir.jrnl"), "{}"),
	                 JRNL_EIO);
	assert_int_equal(errno, ENOENT);
}

static void
journal_open_append_continues_after_records(void **state)
{
	struct fixture *fx = *state;
	const char *path = path_in(fx, "cont.jrnl");
	const char *header = "{\"scenario\":\"calm\"}";
	struct jrnl_open_report rep;
	struct jrnl *j, *j2;
	char *hdr_back, msg[PATH_MAX + 512], want[128];
	uint64_t size;
	int last;

	free(make_journal(path, header, 3));
	size = file_size(path);

	assert_int_equal(jrnl_open_append(&j, path, &hdr_back, &rep), 0);
	assert_string_equal(hdr_back, header);
	free(hdr_back);
	assert_int_equal(rep.records, 3);
	assert_int_equal(rep.good_bytes, size);
	assert_int_equal(rep.cut_bytes, 0);
	assert_int_equal(rep.tail_error, 0);
	assert_int_equal(jrnl_records(j), 3);

	/* One writer at a time: a second one is refused while this is open,
	 * and the refusal names the pid that holds the lock (this one). */
	assert_int_equal(jrnl_open_append(&j2, path, NULL, NULL), JRNL_ELOCKED);
	jrnl_describe(msg, sizeof(msg), JRNL_ELOCKED, path);
	snprintf(want, sizeof(want), "locked by another engine, pid %ld",
	         (long)getpid());
	if (strstr(msg, want) == NULL || strstr(msg, path) == NULL)
		fail_msg("lock message \"%s\" lacks \"%s\" or the path", msg,
		         want);

	append_generated(j, 3, 5);
	assert_int_equal(jrnl_records(j), 5);
	jrnl_close(j);
	assert_int_equal(read_generated(path, &last), 5);
	assert_int_equal(last, 0);

	assert_int_equal(jrnl_open_append(&j, path, NULL, &rep), 0);
	assert_int_equal(rep.records, 5);
	assert_int_equal(rep.cut_bytes, 0);
	append_generated(j, 5, 5000);
	jrnl_close(j);
	assert_int_equal(read_generated(path, &last), 5000);
	assert_int_equal(last, 0);
}

static void
journal_reader_follows_a_live_writer(void **state)
{
	struct fixture *fx = *state;
	const char *path = path_in(fx, "live.jrnl");
	struct jrnl_reader *r;
	struct jrnl_rec rec;
	struct jrnl *j;
	uint64_t n = 0;

	assert_int_equal(jrnl_create(&j, path, "{}"), 0);
	assert_int_equal(jrnl_reader_open(&r, path, NULL), 0);
	assert_int_equal(jrnl_next(r, &rec), 0);
	append_generated(j, 0, 3);
	assert_int_equal(jrnl_flush(j), 0);
	while (jrnl_next(r, &rec) == 1)
		assert_generated(&rec, n++);
	assert_int_equal(n, 3);
	append_generated(j, 3, 10);
	assert_int_equal(jrnl_flush(j), 0);
	while (jrnl_next(r, &rec) == 1)
		assert_generated(&rec, n++);
	assert_int_equal(n, 10);
	jrnl_reader_close(r);
	jrnl_close(j);
}

static void
journal_torn_tail_is_cut(void **state)
{
	struct fixture *fx = *state;
	char good[PATH_MAX + 256], torn[PATH_MAX + 256];
	const uint64_t n = 6;
	struct jrnl_open_report rep;
	struct jrnl_reader *r;
	struct jrnl_rec rec;
	struct jrnl *j;
	uint64_t *off, last_start, end, cut, i, got;
	uint8_t *bytes;
	size_t len;
	int last;

	snprintf(good, sizeof(good), "%s", path_in(fx, "good.jrnl"));
	snprintf(torn, sizeof(torn), "%s", path_in(fx, "torn.jrnl"));
	off = make_journal(good, "{}", n);
	last_start = off[n - 1];
	end = off[n];
	assert_true(end - last_start > REC_HDR + 10);
	bytes = slurp(good, &len);
	assert_int_equal(len, end);

	for (cut = last_start + 1; cut < end; cut++) {
		spill(torn, bytes, (size_t)cut);

		assert_int_equal(jrnl_reader_open(&r, torn, NULL), 0);
		for (i = 0; i < n - 1; i++) {
			assert_int_equal(jrnl_next(r, &rec), 1);
			assert_generated(&rec, i);
		}
		assert_int_equal(jrnl_next(r, &rec), JRNL_ETORN);
		assert_int_equal(rec.offset, last_start);
		assert_int_equal(jrnl_next(r, &rec), JRNL_ETORN);
		assert_int_equal(rec.offset, last_start);
		jrnl_reader_close(r);

		assert_int_equal(jrnl_open_append(&j, torn, NULL, &rep), 0);
		assert_int_equal(rep.tail_error, JRNL_ETORN);
		assert_int_equal(rep.records, n - 1);
		assert_int_equal(rep.good_bytes, last_start);
		assert_int_equal(rep.cut_bytes, cut - last_start);
		assert_int_equal(file_size(torn), last_start);
		assert_int_equal(jrnl_records(j), n - 1);
		/* The journal goes on where the good records end. */
		append_generated(j, n - 1, n + 1);
		jrnl_close(j);
		got = read_generated(torn, &last);
		assert_int_equal(got, n + 1);
		assert_int_equal(last, 0);
	}
	free(bytes);
	free(off);
}

/* Synced data is never cut: a bad record with good ones after it refuses
 * the open, names where, and leaves every byte where it was; a reader stops
 * at it and resynchronises on the next record. */
static void
journal_corrupt_record_is_refused(void **state)
{
	struct fixture *fx = *state;
	char good[PATH_MAX + 256], bad[PATH_MAX + 256];
	const uint64_t n = 5, mid = 2;
	struct jrnl_open_report rep;
	struct jrnl_reader *r;
	struct jrnl_span span;
	struct jrnl_rec rec;
	struct jrnl *j;
	uint64_t *off, at, i;
	uint8_t *bytes, *copy, *after;
	size_t len, rlen, c, alen;
	uint32_t crc;

	snprintf(good, sizeof(good), "%s", path_in(fx, "good.jrnl"));
	snprintf(bad, sizeof(bad), "%s", path_in(fx, "bad.jrnl"));
	off = make_journal(good, "{\"x\":[1,2,3]}", n);
	at = off[mid];
	rlen = (size_t)(off[mid + 1] - at);
	assert_true(rlen > REC_HDR + 2);
	bytes = slurp(good, &len);
	copy = malloc(len);
	assert_non_null(copy);

	/* Bytes of the middle record to damage, relative to its start: the
	 * marker, the length (its top byte over the limit), the kind, the
	 * time, the payload checksum, the frame checksum, the payload's ends,
	 * and finally a valid frame checksum over a kind that does not
	 * exist. */
	const size_t where[] = {0, 3, 4, 7, 8, 9, 16, 17, 20, 21, 24,
	                        REC_HDR, rlen - 1, SIZE_MAX};
	for (c = 0; c < sizeof(where) / sizeof(where[0]); c++) {
		memcpy(copy, bytes, len);
		if (where[c] == SIZE_MAX) {
			copy[at + 8] = 9;
			crc = jrnl_crc32c(0, copy + at, 21);
			copy[at + 21] = (uint8_t)crc;
			copy[at + 22] = (uint8_t)(crc >> 8);
			copy[at + 23] = (uint8_t)(crc >> 16);
			copy[at + 24] = (uint8_t)(crc >> 24);
		} else {
			copy[at + where[c]] ^= where[c] == 7 ? 0x80 : 0x01;
		}
		spill(bad, copy, len);

		assert_int_equal(jrnl_reader_open(&r, bad, NULL), 0);
		for (int pass = 0; pass < 2; pass++) {
			for (i = 0; i < mid; i++) {
				assert_int_equal(jrnl_next(r, &rec), 1);
				assert_generated(&rec, i);
			}
			assert_int_equal(jrnl_next(r, &rec), JRNL_ECORRUPT);
			assert_int_equal(rec.offset, at);
			/* The reader stays stopped at the damage. */
			assert_int_equal(jrnl_next(r, &rec), JRNL_ECORRUPT);
			assert_int_equal(rec.offset, at);
			/* Resynchronising skips exactly the bad record. */
			assert_int_equal(jrnl_resync(r, &span), 1);
			assert_int_equal(span.offset, at);
			assert_int_equal(span.bytes, rlen);
			assert_int_equal(span.error, JRNL_ECORRUPT);
			for (i = mid + 1; i < n; i++) {
				assert_int_equal(jrnl_next(r, &rec), 1);
				assert_generated(&rec, i);
			}
			assert_int_equal(jrnl_next(r, &rec), 0);
			assert_int_equal(jrnl_rewind(r), 0);
		}
		jrnl_reader_close(r);

		j = (struct jrnl *)&j;
		assert_int_equal(jrnl_open_append(&j, bad, NULL, &rep),
		                 JRNL_EDAMAGED);
		assert_null(j);
		assert_int_equal(rep.damage.offset, at);
		assert_int_equal(rep.damage.bytes, rlen);
		assert_int_equal(rep.records_before, mid);
		assert_int_equal(rep.records_after, n - mid - 1);
		assert_int_equal(rep.damaged_spans, 1);
		assert_int_equal(rep.cut_bytes, 0);
		after = slurp(bad, &alen);
		assert_int_equal(alen, len);
		assert_memory_equal(after, copy, len);
		free(after);
	}
	free(copy);
	free(bytes);
	free(off);
}

/* Damage in the last record, running to the end of the file, is one span
 * of that record's bytes (the refusal said 2 spans and twice the bytes:
 * found by a review on 2026-12-07). */
static void
journal_damage_at_the_end_is_one_span(void **state)
{
	struct fixture *fx = *state;
	char path[PATH_MAX + 256];
	const uint64_t n = 5;
	struct jrnl_open_report rep;
	struct jrnl *j = NULL;
	uint64_t *off;
	uint8_t *bytes;
	size_t len;
	FILE *f;

	snprintf(path, sizeof(path), "%s", path_in(fx, "end.jrnl"));
	off = make_journal(path, "{\"x\":1}", n);
	bytes = slurp(path, &len);
	bytes[len - 2] ^= 1; /* in the last record's payload */
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(bytes, 1, len, f), len);
	fclose(f);
	assert_int_equal(jrnl_open_append(&j, path, NULL, &rep), JRNL_EDAMAGED);
	assert_null(j);
	assert_int_equal(rep.damaged_spans, 1);
	assert_int_equal(rep.damage.offset, off[n - 1]);
	assert_int_equal(rep.damaged_bytes, len - off[n - 1]);
	assert_int_equal(rep.records_before, n - 1);
	assert_int_equal(rep.records_after, 0);
	free(bytes);
	free(off);
}

/* Neither reading nor opening for append accepts the file, and opening for
 * append leaves it exactly as it was. */
static void
assert_refused(const char *path, int want)
{
	struct jrnl_open_report rep;
	struct jrnl_reader *r;
	struct jrnl *j;
	uint8_t *before, *after;
	size_t blen, alen;
	char *hdr = (char *)&hdr;

	before = slurp(path, &blen);
	assert_int_equal(jrnl_reader_open(&r, path, &hdr), want);
	assert_null(r);
	assert_null(hdr);
	hdr = (char *)&hdr;
	assert_int_equal(jrnl_open_append(&j, path, &hdr, &rep), want);
	assert_null(j);
	assert_null(hdr);
	after = slurp(path, &alen);
	assert_int_equal(alen, blen);
	if (blen > 0)
		assert_memory_equal(after, before, blen);
	free(before);
	free(after);
}

static void
journal_rejects_not_a_journal(void **state)
{
	struct fixture *fx = *state;
	char good[PATH_MAX + 256], bad[PATH_MAX + 256];
	uint8_t *bytes, *copy, noise[4096];
	uint32_t seed = 12345;
	struct jrnl_reader *r;
	size_t len, i;

	snprintf(good, sizeof(good), "%s", path_in(fx, "good.jrnl"));
	snprintf(bad, sizeof(bad), "%s", path_in(fx, "bad.jrnl"));
	free(make_journal(good, "{\"engine\":\"0.1.0\"}", 4));
	bytes = slurp(good, &len);
	copy = malloc(len);
	assert_non_null(copy);

	for (i = 0; i < sizeof(noise); i++) {
		seed = seed * 1103515245u + 12345u;
		noise[i] = (uint8_t)(seed >> 16);
	}
	spill(bad, noise, sizeof(noise));
	assert_refused(bad, JRNL_EMAGIC);

	spill(bad, "", 0);
	assert_refused(bad, JRNL_EMAGIC);

	spill(bad, bytes, 5); /* shorter than the magic */
	assert_refused(bad, JRNL_EMAGIC);

	memcpy(copy, bytes, len);
	copy[0] = 'X';
	spill(bad, copy, len);
	assert_refused(bad, JRNL_EMAGIC);
	/* One bit from the magic, records after it: a damaged header
	 * (test-journal-damage), not another kind of file. */
	copy[0] = 't';
	spill(bad, copy, len);
	assert_refused(bad, JRNL_EHEADER);

	memcpy(copy, bytes, len);
	copy[8] = JRNL_FORMAT_VERSION + 1; /* a journal from the future */
	spill(bad, copy, len);
	assert_refused(bad, JRNL_EVERSION);
	{
		char msg[PATH_MAX + 512], want[96];

		/* The refusal names the version found and the one read. */
		jrnl_describe(msg, sizeof(msg), JRNL_EVERSION, bad);
		snprintf(want, sizeof(want), "format version %d; this build "
		         "reads version %d", JRNL_FORMAT_VERSION + 1,
		         JRNL_FORMAT_VERSION);
		if (strstr(msg, want) == NULL || strstr(msg, bad) == NULL)
			fail_msg("\"%s\" lacks \"%s\" or the path", msg, want);
	}

	/* Version 0 was never written: one bit from 2, a damaged header. */
	memcpy(copy, bytes, len);
	memset(copy + 8, 0, 4);
	spill(bad, copy, len);
	assert_refused(bad, JRNL_EHEADER);

	/* The header's JSON no longer matches its CRC, its length far beyond
	 * the limit: a damaged header (records follow it), which
	 * test-journal-damage holds to mending. */
	memcpy(copy, bytes, len);
	copy[FILE_HDR + 3] ^= 0x20;
	spill(bad, copy, len);
	assert_refused(bad, JRNL_EHEADER);

	memcpy(copy, bytes, len);
	copy[15] = 0x7f;
	spill(bad, copy, len);
	assert_refused(bad, JRNL_EHEADER);

	/* A crash while the header was being created leaves it torn. */
	spill(bad, bytes, 10);
	assert_refused(bad, JRNL_ETORN);
	spill(bad, bytes, FILE_HDR + 4);
	assert_refused(bad, JRNL_ETORN);
	{
		char msg[PATH_MAX + 512], want[96];

		/* Said as a creation cut short, where the file ends and how
		 * long its header is, not as the torn tail an engine cuts. */
		jrnl_describe(msg, sizeof(msg), JRNL_ETORN, bad);
		snprintf(want, sizeof(want), "ends at byte %d, inside its file "
		         "header (%zu bytes)", FILE_HDR + 4,
		         strlen("{\"engine\":\"0.1.0\"}") +
		         FILE_HDR);
		if (strstr(msg, want) == NULL || strstr(msg, "nothing cut") ==
		    NULL || strstr(msg, "torn tail") != NULL)
			fail_msg("\"%s\" lacks \"%s\"", msg, want);
		spill(bad, bytes, 10);
		jrnl_describe(msg, sizeof(msg), JRNL_ETORN, bad);
		if (strstr(msg, "ends at byte 10, inside its file header (20 "
		    "bytes at least)") == NULL)
			fail_msg("\"%s\"", msg);
		/* Shorter than the magic, its start or nothing at all (a
		 * crash between creating the file and writing it): refused as
		 * not a journal, said as a creation cut short. */
		for (size_t k = 0; k < 8; k++) {
			char w2[64];

			spill(bad, bytes, k);
			assert_refused(bad, JRNL_EMAGIC);
			jrnl_describe(msg, sizeof(msg), JRNL_EMAGIC, bad);
			snprintf(w2, sizeof w2, "ends at byte %zu, inside its file "
			    "header", k);
			if (strstr(msg, w2) == NULL)
				fail_msg("%zu bytes: \"%s\"", k, msg);
		}
		spill(bad, "TRNX", 4);
		jrnl_describe(msg, sizeof(msg), JRNL_EMAGIC, bad);
		if (strstr(msg, "bad magic") == NULL)
			fail_msg("\"%s\"", msg);
	}

	assert_int_equal(jrnl_reader_open(&r, path_in(fx, "absent.jrnl"), NULL),
	                 JRNL_EIO);
	assert_int_equal(errno, ENOENT);
	{
		char msg[PATH_MAX + 512];

		/* The errno's text and number, and the path. */
		jrnl_describe(msg, sizeof(msg), JRNL_EIO,
		              path_in(fx, "absent.jrnl"));
		if (strstr(msg, "No such file or directory (errno 2)") == NULL ||
		    strstr(msg, "absent.jrnl") == NULL)
			fail_msg("\"%s\" does not name the errno and path", msg);
	}
	free(copy);
	free(bytes);
}

static void
journal_header_json_roundtrips(void **state)
{
	struct fixture *fx = *state;
	const char *path = path_in(fx, "hdr.jrnl");
	struct jrnl_open_report rep;
	struct jrnl_reader *r;
	struct jrnl *j;
	char *big, *back;
	size_t i, big_len = 200000;

	big = malloc(big_len + 1);
	assert_non_null(big);
	big[0] = '"';
	for (i = 1; i < big_len - 1; i++)
		big[i] = (char)('a' + i % 26);
	big[big_len - 1] = '"';
	big[big_len] = '\0';

	const char *headers[] = {
	    "{\"engine\":\"tranche 0.1.0\",\"scenario\":\"open-auction\","
	    "\"seed\":18446744073709551615,\"options\":{\"speed\":1.5,"
	    "\"symbols\":[\"AAPL\",\"MSFT\"],\"note\":\"caf\xc3\xa9 \xe2\x82\xac\"}}",
	    "",
	    big,
	};
	for (i = 0; i < 3; i++) {
		unlink(path);
		assert_int_equal(jrnl_create(&j, path, headers[i]), 0);
		assert_int_equal(jrnl_append(j, JRNL_NOTE, 0, "{}", 2), 0);
		jrnl_close(j);

		assert_int_equal(jrnl_reader_open(&r, path, &back), 0);
		assert_string_equal(back, headers[i]);
		free(back);
		jrnl_reader_close(r);
		assert_int_equal(jrnl_reader_open(&r, path, NULL), 0);
		jrnl_reader_close(r);

		assert_int_equal(jrnl_open_append(&j, path, &back, &rep), 0);
		assert_string_equal(back, headers[i]);
		assert_int_equal(rep.records, 1);
		free(back);
		jrnl_close(j);
	}

	/* No header at all is an empty one. */
	unlink(path);
	assert_int_equal(jrnl_create(&j, path, NULL), 0);
	jrnl_close(j);
	assert_int_equal(jrnl_reader_open(&r, path, &back), 0);
	assert_string_equal(back, "");
	free(back);
	jrnl_reader_close(r);
	free(big);
}

static void
journal_rejects_oversized_record(void **state)
{
	struct fixture *fx = *state;
	const char *path = path_in(fx, "big.jrnl");
	struct jrnl_reader *r;
	struct jrnl_rec rec;
	struct jrnl *j;
	uint8_t *max;
	size_t i;

	max = malloc(JRNL_MAX_RECORD);
	assert_non_null(max);
	for (i = 0; i < JRNL_MAX_RECORD; i++)
		max[i] = (uint8_t)(i * 13 + (i >> 12));

	assert_int_equal(jrnl_create(&j, path, "{}"), 0);
	/* The length check comes before any byte is read. */
	assert_int_equal(jrnl_append(j, JRNL_EVENT, 0, max,
	                             (size_t)JRNL_MAX_RECORD + 1),
	                 JRNL_EINVAL);
	assert_int_equal(jrnl_append(j, JRNL_EVENT, 0, max, SIZE_MAX),
	                 JRNL_EINVAL);
	assert_int_equal(jrnl_append(j, 0, 0, "x", 1), JRNL_EINVAL);
	assert_int_equal(jrnl_append(j, JRNL_NOTE + 1, 0, "x", 1), JRNL_EINVAL);
	assert_int_equal(jrnl_append(j, -1, 0, "x", 1), JRNL_EINVAL);
	assert_int_equal(jrnl_append(j, 256 + JRNL_EVENT, 0, "x", 1),
	                 JRNL_EINVAL);
	assert_int_equal(jrnl_append(j, JRNL_EVENT, 0, NULL, 1), JRNL_EINVAL);
	assert_int_equal(jrnl_records(j), 0);

	/* The limit itself is allowed, and the journal is unharmed. */
	assert_int_equal(jrnl_append(j, JRNL_EVENT, 7, max, JRNL_MAX_RECORD), 0);
	assert_int_equal(jrnl_append(j, JRNL_NOTE, 8, "{}", 2), 0);
	assert_int_equal(jrnl_records(j), 2);
	jrnl_close(j);

	assert_int_equal(jrnl_reader_open(&r, path, NULL), 0);
	assert_int_equal(jrnl_next(r, &rec), 1);
	assert_int_equal(rec.kind, JRNL_EVENT);
	assert_int_equal(rec.t, 7);
	assert_int_equal(rec.len, JRNL_MAX_RECORD);
	assert_memory_equal(rec.data, max, JRNL_MAX_RECORD);
	assert_int_equal(jrnl_next(r, &rec), 1);
	assert_int_equal(rec.kind, JRNL_NOTE);
	assert_int_equal(jrnl_next(r, &rec), 0);
	jrnl_reader_close(r);
	free(max);
}

/* Bit at a time, straight from the definition. */
static uint32_t
crc32c_reference(const uint8_t *p, size_t len)
{
	uint32_t crc = 0xffffffffu;

	while (len-- > 0) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1)));
	}
	return ~crc;
}

static void
journal_crc32c_known_vectors(void **state)
{
	uint8_t buf[32], data[1100];
	uint32_t seed = 99;
	size_t i, a, len, split;

	(void)state;
	assert_int_equal(jrnl_crc32c(0, "123456789", 9), 0xE3069283u);
	assert_int_equal(jrnl_crc32c(0, NULL, 0), 0);
	assert_int_equal(jrnl_crc32c(0, "a", 1), 0xC1D04330u);
	/* RFC 3720 (iSCSI), appendix B.4. */
	memset(buf, 0, sizeof(buf));
	assert_int_equal(jrnl_crc32c(0, buf, 32), 0x8A9136AAu);
	memset(buf, 0xff, sizeof(buf));
	assert_int_equal(jrnl_crc32c(0, buf, 32), 0x62A8AB43u);
	for (i = 0; i < 32; i++)
		buf[i] = (uint8_t)i;
	assert_int_equal(jrnl_crc32c(0, buf, 32), 0x46DD794Eu);
	for (i = 0; i < 32; i++)
		buf[i] = (uint8_t)(31 - i);
	assert_int_equal(jrnl_crc32c(0, buf, 32), 0x113FDB5Cu);

	/* Every alignment and tail length of the eight-byte loop agrees with
	 * the bitwise definition, and a CRC continues across calls. */
	for (i = 0; i < sizeof(data); i++) {
		seed = seed * 1664525u + 1013904223u;
		data[i] = (uint8_t)(seed >> 24);
	}
	for (a = 0; a < 8; a++) {
		for (len = 0; len < 70; len++)
			assert_int_equal(jrnl_crc32c(0, data + a, len),
			                 crc32c_reference(data + a, len));
		len = sizeof(data) - a;
		assert_int_equal(jrnl_crc32c(0, data + a, len),
		                 crc32c_reference(data + a, len));
	}
	for (split = 0; split <= 100; split++)
		assert_int_equal(
		    jrnl_crc32c(jrnl_crc32c(0, data, split), data + split,
		                100 - split),
		    jrnl_crc32c(0, data, 100));
}

/*
 * A child writes, syncs, writes more and is killed with SIGKILL: everything
 * up to the sync is there, everything there is intact, and the journal opens
 * for append.
 */
static void
journal_survives_kill_after_sync(void **state)
{
	struct fixture *fx = *state;
	const char *path = path_in(fx, "killed.jrnl");
	const uint64_t synced = 5000, more = 12000;
	struct jrnl_open_report rep;
	struct jrnl *j;
	int status, last;
	uint64_t got;
	pid_t pid;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		uint8_t buf[512];
		size_t len;
		int64_t t;
		int kind;

		if (jrnl_create(&j, path, "{}") != 0)
			_exit(10);
		for (uint64_t i = 0; i < synced + more; i++) {
			gen_record(i, &kind, &t, buf, &len);
			if (jrnl_append(j, kind, t, buf, len) != 0)
				_exit(11);
			if (i + 1 == synced && jrnl_sync(j) != 0)
				_exit(12);
		}
		kill(getpid(), SIGKILL);
		_exit(13);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGKILL);

	assert_int_equal(jrnl_open_append(&j, path, NULL, &rep), 0);
	assert_true(rep.records >= synced);
	assert_true(rep.records < synced + more); /* the buffer was lost */
	assert_int_equal(rep.good_bytes, file_size(path));
	jrnl_close(j);
	got = read_generated(path, &last);
	assert_int_equal(got, rep.records);
	assert_int_equal(last, 0);
}

/*
 * A write that fails (here the file size limit, EFBIG) leaves the journal
 * refusing everything after it, since it can no longer say what is on disk;
 * the next open cuts the torn tail the failed write left.  The child runs
 * under the limit so that the test process does not.
 */
static void
journal_write_error_is_sticky(void **state)
{
	struct fixture *fx = *state;
	const char *path = path_in(fx, "full.jrnl");
	struct jrnl_open_report rep;
	struct jrnl *j;
	uint64_t got;
	int status, last;
	pid_t pid;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit rl = {100000, 100000};
		uint8_t buf[512];
		uint64_t i = 0;
		size_t len;
		int64_t t;
		int kind, rc = 0;

		signal(SIGXFSZ, SIG_IGN);
		if (jrnl_create(&j, path, "{}") != 0 ||
		    setrlimit(RLIMIT_FSIZE, &rl) != 0)
			_exit(10);
		while (rc == 0 && i < 100000) {
			gen_record(i++, &kind, &t, buf, &len);
			rc = jrnl_append(j, kind, t, buf, len);
		}
		if (rc != JRNL_EIO || errno != EFBIG)
			_exit(11);
		if (jrnl_append(j, JRNL_NOTE, 0, "{}", 2) != JRNL_EIO ||
		    jrnl_flush(j) != JRNL_EIO || jrnl_sync(j) != JRNL_EIO)
			_exit(12);
		jrnl_close(j);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(file_size(path), 100000);

	assert_int_equal(jrnl_open_append(&j, path, NULL, &rep), 0);
	assert_int_equal(rep.tail_error, JRNL_ETORN);
	assert_true(rep.records > 0);
	assert_int_equal(rep.good_bytes + rep.cut_bytes, 100000);
	append_generated(j, rep.records, rep.records + 10);
	jrnl_close(j);
	got = read_generated(path, &last);
	assert_int_equal(got, rep.records + 10);
	assert_int_equal(last, 0);
}

static void
put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/*
 * A format 1 journal (17-byte frames, no marker), made byte by byte as the
 * old writer laid it out: readers still read it, an append is refused and
 * leaves it as it was, and a damaged record ends what can be read.
 */
static void
journal_reads_format_1(void **state)
{
	static const char hdr[] = "{\"protocol\":2}";
	static const char *const payload[] = {"fill\0{\"qty\":1}", "{}",
	                                      "abc"};
	struct fixture *fx = *state;
	const char *path = path_in(fx, "v1.jrnl");
	uint8_t buf[512], *after;
	struct jrnl_open_report rep;
	struct jrnl_reader *r;
	struct jrnl_span span;
	struct jrnl_rec rec;
	struct jrnl *j = (struct jrnl *)&j;
	size_t n = 0, len[3] = {15, 2, 3}, alen, rec2 = 0;
	char *back, msg[PATH_MAX + 512];

	memcpy(buf, "TRNCHJ\r\n", 8);
	put32(buf + 8, 1);
	put32(buf + 12, (uint32_t)strlen(hdr));
	put32(buf + 16, jrnl_crc32c(0, hdr, strlen(hdr)));
	memcpy(buf + 20, hdr, strlen(hdr));
	n = 20 + strlen(hdr);
	for (int i = 0; i < 3; i++) {
		uint8_t *p = buf + n;

		if (i == 2)
			rec2 = n;
		put32(p, (uint32_t)len[i]);
		p[8] = (uint8_t)(JRNL_EVENT + i);
		memset(p + 9, 0, 8);
		p[9] = (uint8_t)(10 + i);
		memcpy(p + 17, payload[i], len[i]);
		put32(p + 4, jrnl_crc32c(0, p + 8, 9 + len[i]));
		n += 17 + len[i];
	}
	spill(path, buf, n);

	assert_int_equal(jrnl_reader_open(&r, path, &back), 0);
	assert_string_equal(back, hdr);
	free(back);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(jrnl_next(r, &rec), 1);
		assert_int_equal(rec.kind, JRNL_EVENT + i);
		assert_int_equal(rec.t, 10 + i);
		assert_int_equal(rec.len, len[i]);
		assert_memory_equal(rec.data, payload[i], len[i]);
	}
	assert_int_equal(jrnl_next(r, &rec), 0);
	jrnl_reader_close(r);

	assert_int_equal(jrnl_open_append(&j, path, NULL, &rep), JRNL_EVERSION);
	assert_null(j);
	after = slurp(path, &alen);
	assert_int_equal(alen, n);
	assert_memory_equal(after, buf, n);
	free(after);
	jrnl_describe(msg, sizeof(msg), JRNL_EVERSION, path);
	if (strstr(msg, "journal salvage") == NULL)
		fail_msg("\"%s\" does not say how to convert", msg);

	/* Damage in a format 1 journal: no resync, the rest is one span. */
	buf[rec2 + 18] ^= 1;
	spill(path, buf, n);
	assert_int_equal(jrnl_reader_open(&r, path, NULL), 0);
	assert_int_equal(jrnl_next(r, &rec), 1);
	assert_int_equal(jrnl_next(r, &rec), 1);
	assert_int_equal(jrnl_next(r, &rec), JRNL_ECORRUPT);
	assert_int_equal(rec.offset, rec2);
	assert_int_equal(jrnl_resync(r, &span), 0);
	assert_int_equal(span.offset, rec2);
	assert_int_equal(span.bytes, n - rec2);
	assert_int_equal(span.error, JRNL_ECORRUPT);
	jrnl_reader_close(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(journal_roundtrips_records,
	                                    fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(journal_create_refuses_existing_file,
	                                    fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(
	        journal_open_append_continues_after_records, fixture_setup,
	        fixture_teardown),
	    cmocka_unit_test_setup_teardown(journal_reader_follows_a_live_writer,
	                                    fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(journal_torn_tail_is_cut,
	                                    fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(journal_corrupt_record_is_refused,
	                                    fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(journal_damage_at_the_end_is_one_span,
	                                    fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(journal_rejects_not_a_journal,
	                                    fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(journal_header_json_roundtrips,
	                                    fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(journal_rejects_oversized_record,
	                                    fixture_setup, fixture_teardown),
	    cmocka_unit_test(journal_crc32c_known_vectors),
	    cmocka_unit_test_setup_teardown(journal_survives_kill_after_sync,
	                                    fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(journal_write_error_is_sticky,
	                                    fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(journal_reads_format_1,
	                                    fixture_setup, fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
