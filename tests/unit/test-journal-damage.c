/*
 * tests/unit/test-journal-damage.c -- synced data is never cut.  Damage
 * anywhere before a journal's tail (a flipped bit in the first, a middle or
 * the last complete record, 4 KB of zeros, a huge length) refuses the open
 * for append and leaves the file byte for byte as it was, with the report
 * naming the offset, the span and the good records after it; a reader
 * resynchronises on the next good record (for any of 300 random single-bit
 * flips as well as the chosen ones).  Only a torn tail (a partial
 * frame, a payload that runs past the end, trailing zeros, trailing garbage)
 * is cut.
 *
 * Each case writes a good journal with the journal itself, damages a copy
 * of its bytes, and compares what the reader and the open find against the
 * offsets of the records the writer wrote.
 */
#include <dirent.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine/journal/journal.h"

#define NREC 40

struct fixture {
	char dir[PATH_MAX];
	char good[PATH_MAX + 64], bad[PATH_MAX + 64];
	uint64_t off[NREC + 1]; /* record starts, then the file size */
	uint8_t *bytes;
	size_t len;
};

/* Record i: a JSON-like payload of a length that varies with i. */
static size_t
gen(uint64_t i, char *buf, size_t cap)
{
	size_t n = (size_t)snprintf(buf, cap, "fill\"{\"i\":%llu,\"pad\":\"",
	                            (unsigned long long)i);

	for (size_t k = 0; k < (i * 37) % 200 + 10 && n + 3 < cap; k++)
		buf[n++] = (char)('a' + (i + k) % 26);
	buf[n++] = '"';
	buf[n++] = '}';
	return n;
}

static int
fixture_setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	const char *tmp = getenv("TMPDIR");
	struct jrnl_reader *r;
	struct jrnl_rec rec;
	struct jrnl *j;
	char buf[512];
	struct stat st;
	FILE *f;
	int n = 0;

	if (fx == NULL)
		return -1;
	snprintf(fx->dir, sizeof(fx->dir), "%s/test-jdamage-XXXXXX",
	         tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	if (mkdtemp(fx->dir) == NULL)
		return -1;
	snprintf(fx->good, sizeof(fx->good), "%s/good.jrnl", fx->dir);
	snprintf(fx->bad, sizeof(fx->bad), "%s/bad.jrnl", fx->dir);
	if (jrnl_create(&j, fx->good, "{\"protocol\":2}") != 0)
		return -1;
	for (uint64_t i = 0; i < NREC; i++)
		if (jrnl_append(j, JRNL_EVENT + (int)(i % 3), (int64_t)i,
		                buf, gen(i, buf, sizeof(buf))) != 0)
			return -1;
	if (jrnl_sync(j) != 0)
		return -1;
	jrnl_close(j);
	if (jrnl_reader_open(&r, fx->good, NULL) != 0)
		return -1;
	while (jrnl_next(r, &rec) == 1)
		fx->off[n++] = rec.offset;
	jrnl_reader_close(r);
	if (n != NREC || stat(fx->good, &st) != 0)
		return -1;
	fx->off[NREC] = (uint64_t)st.st_size;
	fx->len = (size_t)st.st_size;
	if ((fx->bytes = malloc(fx->len + 8192)) == NULL ||
	    (f = fopen(fx->good, "rb")) == NULL)
		return -1;
	if (fread(fx->bytes, 1, fx->len, f) != fx->len)
		return -1;
	fclose(f);
	*state = fx;
	return 0;
}

static int
fixture_teardown(void **state)
{
	struct fixture *fx = *state;

	unlink(fx->good);
	unlink(fx->bad);
	rmdir(fx->dir);
	free(fx->bytes);
	free(fx);
	return 0;
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

static uint8_t *
slurp(const char *path, size_t *len)
{
	struct stat st;
	uint8_t *buf;
	FILE *f;

	assert_int_equal(stat(path, &st), 0);
	*len = (size_t)st.st_size;
	buf = malloc(*len + 1);
	assert_non_null(buf);
	f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fread(buf, 1, *len, f), *len);
	fclose(f);
	return buf;
}

static void
assert_record(const struct jrnl_rec *rec, uint64_t i)
{
	char buf[512];
	size_t n = gen(i, buf, sizeof(buf));

	assert_int_equal(rec->t, (int64_t)i);
	assert_int_equal(rec->len, n);
	assert_memory_equal(rec->data, buf, n);
}

/* The open is refused, names the span, and the file is unchanged. */
static void
assert_refused(struct fixture *fx, const uint8_t *copy, size_t len,
               uint64_t at, uint64_t bytes, uint64_t before, uint64_t after)
{
	struct jrnl_open_report rep;
	struct jrnl *j = (struct jrnl *)&j;
	uint8_t *now;
	size_t nlen;

	assert_int_equal(jrnl_open_append(&j, fx->bad, NULL, &rep),
	                 JRNL_EDAMAGED);
	assert_null(j);
	if (rep.damage.offset != at || rep.damage.bytes != bytes ||
	    rep.records_before != before || rep.records_after != after)
		fail_msg("damage reported at %llu, %llu bytes, %llu+%llu "
		         "records; expected %llu, %llu bytes, %llu+%llu",
		         (unsigned long long)rep.damage.offset,
		         (unsigned long long)rep.damage.bytes,
		         (unsigned long long)rep.records_before,
		         (unsigned long long)rep.records_after,
		         (unsigned long long)at, (unsigned long long)bytes,
		         (unsigned long long)before,
		         (unsigned long long)after);
	assert_int_equal(rep.damage.error, JRNL_ECORRUPT);
	assert_int_equal(rep.cut_bytes, 0);
	now = slurp(fx->bad, &nlen);
	assert_int_equal(nlen, len);
	assert_memory_equal(now, copy, len);
	free(now);
}

/* A reader sees records [0, first), the damage at `at`, then resyncs to
 * record `next` and reads to the end (or finds nothing after it when next
 * is NREC). */
static void
assert_resyncs(struct fixture *fx, uint64_t first, uint64_t at, uint64_t next)
{
	struct jrnl_reader *r;
	struct jrnl_span span;
	struct jrnl_rec rec;
	uint64_t i;
	int rc;

	assert_int_equal(jrnl_reader_open(&r, fx->bad, NULL), 0);
	for (i = 0; i < first; i++) {
		assert_int_equal(jrnl_next(r, &rec), 1);
		assert_record(&rec, i);
	}
	rc = jrnl_next(r, &rec);
	assert_true(rc == JRNL_ECORRUPT || rc == JRNL_ETORN);
	assert_int_equal(rec.offset, at);
	rc = jrnl_resync(r, &span);
	assert_int_equal(span.offset, at);
	if (next == NREC) {
		assert_int_equal(rc, 0);
		assert_int_equal(span.error, JRNL_ECORRUPT);
	} else {
		assert_int_equal(rc, 1);
		assert_int_equal(span.bytes, fx->off[next] - at);
		for (i = next; i < NREC; i++) {
			assert_int_equal(jrnl_next(r, &rec), 1);
			assert_int_equal(rec.offset, fx->off[i]);
			assert_record(&rec, i);
		}
		assert_int_equal(jrnl_next(r, &rec), 0);
	}
	jrnl_reader_close(r);
}

/*
 * One flipped bit at every part of a record (marker, length, kind, time,
 * both checksums, payload) in the first, a middle and the last complete
 * record.  The last one was synced like the others: it is damage, refused,
 * not a torn tail.
 */
static void
damage_bit_flip_refuses(void **state)
{
	struct fixture *fx = *state;
	const uint64_t which[] = {0, NREC / 2, NREC - 1};
	const size_t where[] = {0, 2, 4, 6, 7, 8, 12, 17, 20, 21, 24, 25, 40};
	uint8_t *copy = malloc(fx->len);

	assert_non_null(copy);
	for (size_t w = 0; w < sizeof(which) / sizeof(which[0]); w++) {
		uint64_t k = which[w], at = fx->off[k];
		uint64_t rlen = fx->off[k + 1] - at;

		for (size_t b = 0; b < sizeof(where) / sizeof(where[0]); b++) {
			memcpy(copy, fx->bytes, fx->len);
			copy[at + where[b]] ^= where[b] == 7 ? 0x40 : 0x04;
			spill(fx->bad, copy, fx->len);
			assert_refused(fx, copy, fx->len, at, rlen, k,
			               NREC - k - 1);
			assert_resyncs(fx, k, at, k + 1 < NREC ? k + 1 : NREC);
		}
		/* The last payload byte too. */
		memcpy(copy, fx->bytes, fx->len);
		copy[at + rlen - 1] ^= 0x01;
		spill(fx->bad, copy, fx->len);
		assert_refused(fx, copy, fx->len, at, rlen, k, NREC - k - 1);
	}
	free(copy);
}

/* 4 KB of zeros from the middle of a record: the span runs from that
 * record to the first record that starts after the zeros. */
static void
damage_zeroed_block_refuses(void **state)
{
	struct fixture *fx = *state;
	uint64_t z = fx->off[5] + 7, first = 5, next = 5;
	uint8_t *copy = malloc(fx->len);

	assert_non_null(copy);
	assert_true(z + 4096 < fx->off[NREC - 2]);
	while (fx->off[next] < z + 4096)
		next++;
	memcpy(copy, fx->bytes, fx->len);
	memset(copy + z, 0, 4096);
	spill(fx->bad, copy, fx->len);
	assert_refused(fx, copy, fx->len, fx->off[first],
	               fx->off[next] - fx->off[first], first, NREC - next);
	assert_resyncs(fx, first, fx->off[first], next);
	free(copy);
}

static void
put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* A huge length in a middle record, with the frame checksum left alone and
 * with it recomputed over the huge length: neither skips a good record. */
static void
damage_huge_length_refuses(void **state)
{
	struct fixture *fx = *state;
	const uint64_t k = 10, at = fx->off[k];
	const uint32_t lens[] = {0x7fffffffu, JRNL_MAX_RECORD};
	uint8_t *copy = malloc(fx->len);

	assert_non_null(copy);
	for (int fix = 0; fix < 2; fix++) {
		for (size_t l = 0; l < 2; l++) {
			memcpy(copy, fx->bytes, fx->len);
			put_le32(copy + at + 4, lens[l]);
			if (fix)
				put_le32(copy + at + 21,
				         jrnl_crc32c(0, copy + at, 21));
			spill(fx->bad, copy, fx->len);
			assert_refused(fx, copy, fx->len, at,
			               fx->off[k + 1] - at, k, NREC - k - 1);
			assert_resyncs(fx, k, at, k + 1);
		}
	}
	free(copy);
}

/* Two damaged records: the reader skips both, the open counts both. */
static void
damage_two_spans_are_both_found(void **state)
{
	struct fixture *fx = *state;
	uint8_t *copy = malloc(fx->len);
	struct jrnl_open_report rep;
	struct jrnl_reader *r;
	struct jrnl_span span;
	struct jrnl_rec rec;
	struct jrnl *j;
	uint64_t n = 0;
	int rc, spans = 0;

	assert_non_null(copy);
	memcpy(copy, fx->bytes, fx->len);
	copy[fx->off[3] + 30] ^= 1;
	copy[fx->off[20] + 1] ^= 1;
	spill(fx->bad, copy, fx->len);
	assert_int_equal(jrnl_open_append(&j, fx->bad, NULL, &rep),
	                 JRNL_EDAMAGED);
	assert_int_equal(rep.damaged_spans, 2);
	assert_int_equal(rep.damaged_bytes, fx->off[4] - fx->off[3] +
	                                       fx->off[21] - fx->off[20]);
	assert_int_equal(rep.records, NREC - 2);
	assert_int_equal(jrnl_reader_open(&r, fx->bad, NULL), 0);
	for (;;) {
		while ((rc = jrnl_next(r, &rec)) == 1)
			n++;
		if (rc == 0)
			break;
		assert_int_equal(jrnl_resync(r, &span), 1);
		assert_int_equal(span.offset, spans == 0 ? fx->off[3] :
		                                           fx->off[20]);
		spans++;
	}
	assert_int_equal(spans, 2);
	assert_int_equal(n, NREC - 2);
	jrnl_reader_close(r);
	free(copy);
}

/* Opens for append, expecting the tail from `good` on to be cut, then
 * appends one record and reads everything back. */
static void
assert_cut(struct fixture *fx, size_t len, uint64_t good, uint64_t records)
{
	struct jrnl_open_report rep;
	struct jrnl_reader *r;
	struct jrnl_rec rec;
	struct jrnl *j;
	struct stat st;
	uint64_t n = 0;

	assert_int_equal(jrnl_open_append(&j, fx->bad, NULL, &rep), 0);
	assert_int_equal(rep.tail_error, JRNL_ETORN);
	assert_int_equal(rep.records, records);
	assert_int_equal(rep.good_bytes, good);
	assert_int_equal(rep.cut_bytes, len - good);
	assert_int_equal(stat(fx->bad, &st), 0);
	assert_int_equal((uint64_t)st.st_size, good);
	assert_int_equal(jrnl_append(j, JRNL_NOTE, 99, "{}", 2), 0);
	jrnl_close(j);
	assert_int_equal(jrnl_reader_open(&r, fx->bad, NULL), 0);
	while (jrnl_next(r, &rec) == 1)
		n++;
	assert_int_equal(n, records + 1);
	assert_int_equal(rec.kind, JRNL_NOTE);
	jrnl_reader_close(r);
}

/*
 * Every kind of torn tail is cut: a write that stopped inside the last
 * frame or inside its payload, zeros after the last record (a size that
 * grew before its data landed), and garbage after it that never formed a
 * record.
 */
static void
torn_tails_are_cut(void **state)
{
	struct fixture *fx = *state;
	const uint64_t last = fx->off[NREC - 1];
	uint8_t *copy = fx->bytes;
	uint32_t seed = 7;
	size_t cut;

	for (cut = (size_t)last + 1; cut < fx->len; cut += 3) {
		spill(fx->bad, copy, cut);
		assert_cut(fx, cut, last, NREC - 1);
	}
	/* Zeros, then garbage with no marker in it, after a whole journal. */
	memset(copy + fx->len, 0, 4096);
	spill(fx->bad, copy, fx->len + 4096);
	assert_cut(fx, fx->len + 4096, fx->len, NREC);
	for (size_t i = 0; i < 4096; i++) {
		seed = seed * 1103515245u + 12345u;
		copy[fx->len + i] = (uint8_t)((seed >> 16) & 0x7f);
	}
	spill(fx->bad, copy, fx->len + 4096);
	assert_cut(fx, fx->len + 4096, fx->len, NREC);
	/* A power failure after the file grew: the last record's frame
	 * landed, its payload from a sector boundary on did not. */
	memcpy(copy, fx->bytes, fx->len);
	memset(copy + fx->len, 0, 4096);
	{
		size_t z = ((size_t)last + JRNL_REC_HDR + 511) / 512 * 512;
		size_t end = z + 1024;

		memset(copy + z, 0, end - z);
		spill(fx->bad, copy, end);
		assert_cut(fx, end, last, NREC - 1);
	}
}

/* A damaged record followed by a torn one: the damage refuses, even though
 * nothing good follows it. */
static void
damage_before_a_torn_tail_refuses(void **state)
{
	struct fixture *fx = *state;
	const uint64_t k = NREC - 2, at = fx->off[k];
	size_t len = (size_t)fx->off[NREC - 1] + 30;
	uint8_t *copy = malloc(fx->len);
	struct jrnl_open_report rep;
	struct jrnl *j;

	assert_non_null(copy);
	memcpy(copy, fx->bytes, fx->len);
	copy[at] ^= 0x10; /* the marker of the one before the last */
	spill(fx->bad, copy, len);
	assert_int_equal(jrnl_open_append(&j, fx->bad, NULL, &rep),
	                 JRNL_EDAMAGED);
	assert_int_equal(rep.damage.offset, at);
	assert_int_equal(rep.records_before, k);
	assert_int_equal(rep.records_after, 0);
	free(copy);
}

/*
 * 300 seeded single-bit flips anywhere in the records: no open for append
 * ever succeeds (so none ever cuts), the file is never changed, and a
 * reader that resynchronises gets every record but the hit one back.
 */
static void
damage_any_single_bit_flip_is_refused(void **state)
{
	struct fixture *fx = *state;
	uint8_t *copy = malloc(fx->len);
	struct jrnl_reader *r;
	struct jrnl_span span;
	struct jrnl_rec rec;
	uint32_t seed = 20261203;
	uint64_t pos, n, first = fx->off[0];
	int rc;

	assert_non_null(copy);
	for (int trial = 0; trial < 300; trial++) {
		uint64_t k = 0;

		seed = seed * 1103515245u + 12345u;
		pos = first + (seed >> 4) % (fx->len - first);
		while (fx->off[k + 1] <= pos)
			k++;
		memcpy(copy, fx->bytes, fx->len);
		copy[pos] ^= (uint8_t)(1u << (seed & 7));
		spill(fx->bad, copy, fx->len);
		assert_refused(fx, copy, fx->len, fx->off[k],
		               fx->off[k + 1] - fx->off[k], k, NREC - k - 1);
		assert_int_equal(jrnl_reader_open(&r, fx->bad, NULL), 0);
		n = 0;
		for (;;) {
			while ((rc = jrnl_next(r, &rec)) == 1)
				n++;
			if (rc == 0 || jrnl_resync(r, &span) != 1)
				break;
		}
		jrnl_reader_close(r);
		if (n != NREC - 1)
			fail_msg("flip at %llu (record %llu): %llu records read "
			         "back, want %d", (unsigned long long)pos,
			         (unsigned long long)k, (unsigned long long)n,
			         NREC - 1);
	}
	free(copy);
}

/*
 * Every single-bit flip in the file header (magic, version, length,
 * checksum, JSON) of a journal with records after it: no reader, no
 * engine start takes it, each says the header is damaged (never a torn
 * tail, which the engine would cut, nor a corrupt record with no offset:
 * found by an independent review on 2026-12-07), the file is not changed,
 * and the mended reader (check, salvage) gives back the header and every
 * record.  Version flips that read as another format's (3, 6, 10...) say
 * so instead.  Two flipped bits are damage beyond mending; a header torn
 * at its creation, with nothing after it, is still a torn tail.
 */
static void
damage_any_header_bit_is_said_and_mended(void **state)
{
	struct fixture *fx = *state;
	uint64_t hdr = fx->off[0];
	uint8_t *copy = malloc(fx->len), *after;
	struct jrnl_open_report rep;
	struct jrnl_reader *r;
	struct jrnl_rec rec;
	struct jrnl *j;
	char *hj, what[256], msg[1024];
	size_t alen;
	int rc, mended = 0, other = 0;

	assert_non_null(copy);
	for (uint64_t bit = 0; bit < hdr * 8; bit++) {
		uint64_t n = 0;

		memcpy(copy, fx->bytes, fx->len);
		copy[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		spill(fx->bad, copy, fx->len);
		rc = jrnl_reader_open(&r, fx->bad, NULL);
		if (rc == JRNL_EVERSION && bit / 8 == 8) {
			other++;
			continue;
		}
		if (rc != JRNL_EHEADER)
			fail_msg("bit %llu of the header: reader says %s",
			         (unsigned long long)bit, jrnl_strerror(rc));
		rc = jrnl_open_append(&j, fx->bad, NULL, &rep);
		if (rc != JRNL_EHEADER)
			fail_msg("bit %llu of the header: open says %s",
			         (unsigned long long)bit, jrnl_strerror(rc));
		after = slurp(fx->bad, &alen);
		assert_true(alen == fx->len && memcmp(after, copy, alen) == 0);
		free(after);
		jrnl_describe(msg, sizeof(msg), JRNL_EHEADER, fx->bad);
		if (strstr(msg, "salvage") == NULL)
			fail_msg("bit %llu of the header: %s",
			         (unsigned long long)bit, msg);
		assert_int_equal(jrnl_reader_open_mended(&r, fx->bad, &hj, what,
		                                         sizeof(what)), 0);
		assert_string_equal(hj, "{\"protocol\":2}");
		assert_true(what[0] != '\0');
		while ((rc = jrnl_next(r, &rec)) == 1)
			assert_record(&rec, n++);
		assert_int_equal(rc, 0);
		assert_int_equal(n, NREC);
		jrnl_reader_close(r);
		free(hj);
		mended++;
	}
	fprintf(stderr, "header: %d single-bit flips mended, %d read as "
	        "another version\n", mended, other);
	assert_true(other <= 7 && mended == (int)hdr * 8 - other);
	/* Two bits in its JSON. */
	memcpy(copy, fx->bytes, fx->len);
	copy[22] ^= 1;
	copy[25] ^= 4;
	spill(fx->bad, copy, fx->len);
	assert_int_equal(jrnl_reader_open_mended(&r, fx->bad, &hj, what,
	                                         sizeof(what)), JRNL_EHEADER);
	assert_non_null(strstr(what, "no one flipped bit"));
	jrnl_describe(msg, sizeof(msg), JRNL_EHEADER, fx->bad);
	assert_null(strstr(msg, "salvage"));
	/* Torn at its creation: nothing after a header cut short. */
	spill(fx->bad, fx->bytes, (size_t)hdr - 3);
	assert_int_equal(jrnl_reader_open(&r, fx->bad, NULL), JRNL_ETORN);
	free(copy);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(damage_bit_flip_refuses,
	                                    fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(damage_zeroed_block_refuses,
	                                    fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(damage_huge_length_refuses,
	                                    fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(damage_two_spans_are_both_found,
	                                    fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(torn_tails_are_cut, fixture_setup,
	                                    fixture_teardown),
	    cmocka_unit_test_setup_teardown(damage_before_a_torn_tail_refuses,
	                                    fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(
	        damage_any_single_bit_flip_is_refused, fixture_setup,
	        fixture_teardown),
	    cmocka_unit_test_setup_teardown(
	        damage_any_header_bit_is_said_and_mended, fixture_setup,
	        fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
