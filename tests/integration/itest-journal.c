/*
 * tests/integration/itest-journal.c -- damaged and crafted journals against
 * the real tranched.
 *
 * journal_damage_refuses_restart_and_salvage_keeps_the_kill: an engine
 *   acknowledges a kill and is killed with SIGKILL; a bit is flipped in a
 *   book event well before the kill.  The restart refuses (exit 1, naming
 *   the offset) and the file is byte for byte what it was; `journal check`
 *   reports the span and exits 1; `journal salvage` writes a new journal
 *   that checks clean, leaves the original alone, refuses to overwrite, and
 *   an engine started on it comes back with every block HALTED.
 * journal_lock_names_the_holder: a second engine on a journal the first
 *   has open is refused, naming the first one's pid.
 * tca_refuses_impossible_fills / tca_refuses_other_protocols: crafted
 *   journals (written with the journal API) whose fill or header cannot be
 *   right are refused with exit 1, naming the offset and field or the
 *   version, while the same journal with a sane fill is analysed.
 * tca_reports_every_block: 70 blocks, 70 rows and the session's line.
 * tca_and_replay_skip_a_damaged_span: a fill in the middle is damaged;
 *   tca reports the fills after it too and names the span, and `tranched
 *   replay` plays to the last event and names the span.
 * format_1_is_read_and_salvage_converts_it: a journal in the old format is
 *   analysed, refused by an engine naming the version, and salvaged into
 *   a format 2 journal that checks clean.
 * journal_repeated_or_missing_command_is_found: a submit's record, whole
 *   and checksummed, is written twice; `journal check` names it and exits
 *   1, the engine refuses and leaves the file alone, and the salvaged copy
 *   checks clean and continues with one block, not two.  Taken out
 *   instead, the record after the gap names it.
 * journal_cut_in_a_submits_first_pass_recovers: a journal cut by a crash
 *   right after a submit's first pass (its last record at the submit's
 *   time, the block's first fill among them) continues with the block.
 * older_journal_with_a_submit_without_lit_recovers and
 *   older_journal_with_a_scenario_order_without_lit_recovers: a venue set
 *   "dark", refused live naming venues and the value, recovers from an
 *   older engine's journal that accepted it in a submit or in the
 *   header's scenario, the block on lit,dark.
 * snapshot_prints_are_the_sessions: the snapshot's "prints" counts the
 *   journal's trade events up to its seq, live, after recovery (from a
 *   SIGKILL too), and from `tranched replay` played to the end.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine/journal/journal.h"
#include "ipc/codec.h"
#include "ipc/protocol.h"
#include "tests/integration/itest-filter.h"
#include "tests/integration/itest.h"

static const char *tranched;

static char *
slurp(const char *path, size_t *len)
{
	struct stat st;
	char *buf;
	FILE *f;

	if (stat(path, &st) != 0)
		return NULL;
	*len = (size_t)st.st_size;
	buf = malloc(*len + 1);
	assert_non_null(buf);
	f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fread(buf, 1, *len, f), *len);
	fclose(f);
	buf[*len] = '\0';
	return buf;
}

/* Runs a shell command; its exit status, or -1 if it did not exit. */
static int
run(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void
assert_file_has(const char *path, const char *want)
{
	size_t len;
	char *txt = slurp(path, &len);

	assert_non_null(txt);
	/* Text is NUL-free here: the tools print lines. */
	if (strstr(txt, want) == NULL)
		fail_msg("%s does not say \"%s\": %s", path, want, txt);
	free(txt);
}

static void
make_dir(char *dir, size_t len)
{
	snprintf(dir, len, "%s/tranche-jtest-XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(dir));
}

static void
remove_dir(const char *dir)
{
	assert_int_equal(run("rm -rf '%s'", dir), 0);
}

static void
block_states_halted(struct itest_engine *e)
{
	cJSON *r = itest_cmd(e, "{\"cmd\":\"status\"}"), *b;
	int n = 0;

	assert_true(itest_ok(r));
	cJSON_ArrayForEach(b, cJSON_GetObjectItem(r, "blocks")) {
		const char *st = cJSON_GetObjectItem(b, "state")->valuestring;

		if (strcmp(st, "HALTED") != 0)
			fail_msg("block state %s after recovery, want HALTED", st);
		n++;
	}
	assert_true(n > 0);
	cJSON_Delete(r);
}

static void
journal_damage_refuses_restart_and_salvage_keeps_the_kill(void **state)
{
	struct itest_engine e;
	char dir[256], jpath[300], spath[300], jarg[320];
	struct jrnl_reader *rd;
	struct jrnl_rec rec;
	uint64_t kill_off = 0, book_off = 0, books = 0;
	char *before, *after, want[128];
	size_t blen, alen;
	cJSON *r;
	FILE *f;

	(void)state;
	make_dir(dir, sizeof dir);
	snprintf(jpath, sizeof jpath, "%s/k.trj", dir);
	snprintf(spath, sizeof spath, "%s/salvaged.trj", dir);
	snprintf(jarg, sizeof jarg, "--journal=%s", jpath);
	assert_int_equal(itest_start(&e, tranched, jarg, "--seed=4",
	    "--speed=60", (char *)NULL), 0);
	usleep(400000);
	r = itest_cmd(&e, "{\"cmd\":\"kill\",\"id\":\"jt-kill\","
	    "\"reason\":\"journal test\"}");
	assert_true(itest_ok(r));
	cJSON_Delete(r);
	/* Acknowledged, so on disk: a SIGKILL now loses nothing of it. */
	itest_kill9(&e);

	/* A book event half way to the kill gets one flipped bit. */
	assert_int_equal(jrnl_reader_open(&rd, jpath, NULL), 0);
	while (jrnl_next(rd, &rec) == 1 && kill_off == 0) {
		if (rec.kind == JRNL_COMMAND &&
		    memmem(rec.data, rec.len, "jt-kill", 7) != NULL)
			kill_off = rec.offset;
		if (rec.kind == JRNL_EVENT && rec.len > 40 &&
		    memcmp(rec.data, "book", 5) == 0)
			books++;
	}
	assert_true(kill_off > 0);
	assert_true(books > 2);
	assert_int_equal(jrnl_rewind(rd), 0);
	for (uint64_t n = 0; jrnl_next(rd, &rec) == 1;)
		if (rec.kind == JRNL_EVENT && rec.len > 40 &&
		    memcmp(rec.data, "book", 5) == 0 && ++n == books / 2) {
			book_off = rec.offset;
			break;
		}
	jrnl_reader_close(rd);
	assert_true(book_off > 0 && book_off < kill_off);
	f = fopen(jpath, "r+b");
	assert_non_null(f);
	assert_int_equal(fseek(f, (long)book_off + JRNL_REC_HDR + 30, SEEK_SET),
	    0);
	{
		int c = fgetc(f);

		assert_int_equal(fseek(f, (long)book_off + JRNL_REC_HDR + 30,
		    SEEK_SET), 0);
		fputc(c ^ 0x08, f);
	}
	fclose(f);
	before = slurp(jpath, &blen);

	/* The restart refuses, names the offset, and changes nothing. */
	assert_int_equal(run("'%s' --listen=ipc://%s/r --journal=%s 2>%s/err",
	    tranched, dir, jpath, dir), 1);
	snprintf(want, sizeof want, "damaged at offset %llu",
	    (unsigned long long)book_off);
	snprintf(jarg, sizeof jarg, "%s/err", dir);
	assert_file_has(jarg, want);
	assert_file_has(jarg, "journal salvage");
	after = slurp(jpath, &alen);
	assert_int_equal(alen, blen);
	assert_memory_equal(after, before, blen);
	free(after);

	/* check names the span; salvage copies the rest. */
	assert_int_equal(run("'%s' journal check %s >%s/check", tranched, jpath,
	    dir), 1);
	snprintf(jarg, sizeof jarg, "%s/check", dir);
	assert_file_has(jarg, want);
	assert_int_equal(run("'%s' journal salvage %s %s >%s/salvage", tranched,
	    jpath, spath, dir), 0);
	assert_int_equal(run("'%s' journal check %s >/dev/null", tranched,
	    spath), 0);
	assert_int_equal(run("'%s' journal salvage %s %s 2>/dev/null", tranched,
	    jpath, spath), 2);
	after = slurp(jpath, &alen);
	assert_int_equal(alen, blen);
	assert_memory_equal(after, before, blen);
	free(after);
	free(before);

	/* The salvaged journal continues the session: the kill holds. */
	snprintf(jarg, sizeof jarg, "--journal=%s", spath);
	assert_int_equal(itest_start(&e, tranched, jarg, (char *)NULL), 0);
	block_states_halted(&e);
	assert_int_equal(itest_stop(&e), 0);
	remove_dir(dir);
}

/* Writes len bytes of buf to path. */
static void
spit(const char *path, const char *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* The number of blocks status lists. */
static int
block_count(struct itest_engine *e)
{
	cJSON *r = itest_cmd(e, "{\"cmd\":\"status\"}");
	int n = cJSON_GetArraySize(cJSON_GetObjectItem(r, "blocks"));

	cJSON_Delete(r);
	return n;
}

/*
 * A command record whole and checksummed but written twice (a storage
 * fault, a file pieced together by hand) used to be re-applied: two
 * blocks where the engine said yes to one.  Each command record's "n"
 * now says its place: check lists it, the engine refuses, salvage keeps
 * one; a record taken out is found the same way.
 */
static void
journal_repeated_or_missing_command_is_found(void **state)
{
	struct itest_engine e;
	char dir[256], jpath[300], spath[300], jarg[320], want[160];
	struct jrnl_reader *rd;
	struct jrnl_rec rec;
	uint64_t off = 0, rlen = 0, cmds = 0, n = 0;
	char *orig, *twice, *after;
	size_t olen, alen;
	cJSON *r;

	(void)state;
	make_dir(dir, sizeof dir);
	snprintf(jpath, sizeof jpath, "%s/d.trj", dir);
	snprintf(spath, sizeof spath, "%s/salvaged.trj", dir);
	snprintf(jarg, sizeof jarg, "--journal=%s", jpath);
	assert_int_equal(itest_start(&e, tranched, jarg, "--seed=4",
	    "--speed=60", (char *)NULL), 0);
	r = itest_cmd(&e, "{\"cmd\":\"submit\",\"id\":\"jt-sub\",\"sym\":"
	    "\"QDI\",\"side\":\"buy\",\"qty\":1000,\"duration_s\":600,"
	    "\"reason\":\"journal test\"}");
	assert_true(itest_ok(r));
	cJSON_Delete(r);
	assert_int_equal(block_count(&e), 2);
	r = itest_cmd(&e, "{\"cmd\":\"pause\",\"id\":\"jt-pause\","
	    "\"block\":\"1\",\"reason\":\"journal test\"}");
	assert_true(itest_ok(r));
	cJSON_Delete(r);
	itest_kill9(&e);

	/* The submit's record, and its number. */
	assert_int_equal(jrnl_reader_open(&rd, jpath, NULL), 0);
	while (jrnl_next(rd, &rec) == 1) {
		if (rec.kind != JRNL_COMMAND)
			continue;
		cmds++;
		if (memmem(rec.data, rec.len, "jt-sub", 6) != NULL) {
			cJSON *o = cJSON_ParseWithLength((const char *)rec.data,
			    rec.len);

			off = rec.offset;
			rlen = JRNL_REC_HDR + rec.len;
			n = (uint64_t)cJSON_GetObjectItem(o, "n")->valuedouble;
			cJSON_Delete(o);
			assert_int_equal(n, cmds);
		}
	}
	jrnl_reader_close(rd);
	assert_true(off > 0 && cmds > n);

	/* Written twice, one after the other. */
	orig = slurp(jpath, &olen);
	twice = malloc(olen + rlen);
	assert_non_null(twice);
	memcpy(twice, orig, off + rlen);
	memcpy(twice + off + rlen, orig + off, rlen);
	memcpy(twice + off + 2 * rlen, orig + off + rlen, olen - off - rlen);
	spit(jpath, twice, olen + rlen);
	snprintf(want, sizeof want, "command record at offset %llu says n=%llu "
	    "where n=%llu was due", (unsigned long long)(off + rlen),
	    (unsigned long long)n, (unsigned long long)n + 1);
	assert_int_equal(run("'%s' journal check %s >%s/check", tranched, jpath,
	    dir), 1);
	snprintf(jarg, sizeof jarg, "%s/check", dir);
	assert_file_has(jarg, want);
	assert_file_has(jarg, "written twice");
	assert_int_equal(run("'%s' --listen=ipc://%s/r --journal=%s 2>%s/err",
	    tranched, dir, jpath, dir), 1);
	snprintf(jarg, sizeof jarg, "%s/err", dir);
	assert_file_has(jarg, want);
	assert_file_has(jarg, "a record repeated or moved");
	after = slurp(jpath, &alen);
	assert_int_equal(alen, olen + rlen);
	assert_memory_equal(after, twice, alen);
	free(after);
	/* Salvage keeps it once: the engine continues with two blocks, and
	 * block 1 paused by the record after it. */
	assert_int_equal(run("'%s' journal salvage %s %s >%s/salvage", tranched,
	    jpath, spath, dir), 0);
	snprintf(jarg, sizeof jarg, "%s/salvage", dir);
	assert_file_has(jarg, "1 command records left out");
	assert_int_equal(run("'%s' journal check %s >/dev/null", tranched,
	    spath), 0);
	snprintf(jarg, sizeof jarg, "--journal=%s", spath);
	assert_int_equal(itest_start(&e, tranched, jarg, (char *)NULL), 0);
	assert_int_equal(block_count(&e), 2);
	r = itest_cmd(&e, "{\"cmd\":\"status\"}");
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(
	    cJSON_GetObjectItem(r, "blocks"), 0), "state")->valuestring,
	    "PAUSED");
	cJSON_Delete(r);
	assert_int_equal(itest_stop(&e), 0);

	/* Taken out: the record after it says where the gap is. */
	memcpy(twice, orig, off);
	memcpy(twice + off, orig + off + rlen, olen - off - rlen);
	spit(jpath, twice, olen - rlen);
	snprintf(want, sizeof want, "says n=%llu where n=%llu was due",
	    (unsigned long long)n + 1, (unsigned long long)n);
	assert_int_equal(run("'%s' journal check %s >%s/check", tranched, jpath,
	    dir), 1);
	snprintf(jarg, sizeof jarg, "%s/check", dir);
	assert_file_has(jarg, want);
	assert_file_has(jarg, "1 command records missing before it");
	assert_int_equal(run("'%s' --listen=ipc://%s/r --journal=%s 2>%s/err",
	    tranched, dir, jpath, dir), 1);
	snprintf(jarg, sizeof jarg, "%s/err", dir);
	assert_file_has(jarg, "a record missing before it");

	/* A copy of the submit without its number, right after it: check
	 * and the engine agree that it is out of place (a record without a
	 * number among numbered ones), and salvage keeps it, as it keeps
	 * every record that could be a command of its own. */
	spit(jpath, orig, olen);
	{
		struct jrnl *j;
		char *hj;
		int k = 0;

		snprintf(spath, sizeof spath, "%s/nonum.trj", dir);
		assert_int_equal(jrnl_reader_open(&rd, jpath, &hj), 0);
		assert_int_equal(jrnl_create(&j, spath, hj), 0);
		while (jrnl_next(rd, &rec) == 1) {
			assert_int_equal(jrnl_append(j, rec.kind, rec.t, rec.data,
			    rec.len), 0);
			if (rec.kind == JRNL_COMMAND && ++k == (int)n) {
				cJSON *o = cJSON_ParseWithLength((const char *)
				    rec.data, rec.len);
				char *txt;

				cJSON_DeleteItemFromObject(o, "n");
				txt = cJSON_PrintUnformatted(o);
				assert_int_equal(jrnl_append(j, rec.kind, rec.t, txt,
				    strlen(txt)), 0);
				cJSON_free(txt);
				cJSON_Delete(o);
			}
		}
		assert_int_equal(jrnl_sync(j), 0);
		jrnl_close(j);
		jrnl_reader_close(rd);
		free(hj);
	}
	snprintf(want, sizeof want, "has no n where n=%llu was due",
	    (unsigned long long)n + 1);
	assert_int_equal(run("'%s' journal check %s >%s/check", tranched, spath,
	    dir), 1);
	snprintf(jarg, sizeof jarg, "%s/check", dir);
	assert_file_has(jarg, want);
	assert_int_equal(run("'%s' --listen=ipc://%s/r --journal=%s 2>%s/err",
	    tranched, dir, spath, dir), 1);
	snprintf(jarg, sizeof jarg, "%s/err", dir);
	assert_file_has(jarg, "unnumbered after numbered records");
	free(twice);
	free(orig);
	remove_dir(dir);
}

static void
journal_lock_names_the_holder(void **state)
{
	struct itest_engine e;
	char dir[256], jarg[320], want[64], err[300];

	(void)state;
	make_dir(dir, sizeof dir);
	snprintf(jarg, sizeof jarg, "--journal=%s/l.trj", dir);
	assert_int_equal(itest_start(&e, tranched, jarg, "--speed=1",
	    (char *)NULL), 0);
	assert_int_equal(run("'%s' --listen=ipc://%s/second --journal=%s/l.trj "
	    "2>%s/err", tranched, dir, dir, dir), 1);
	snprintf(want, sizeof want, "pid %ld", (long)e.pid);
	snprintf(err, sizeof err, "%s/err", dir);
	assert_file_has(err, want);
	assert_file_has(err, "l.trj");
	assert_int_equal(itest_stop(&e), 0);
	/* Another open failure names the errno. */
	assert_int_equal(run("'%s' --listen=ipc://%s/third --journal=%s/no/j.trj "
	    "2>%s/err", tranched, dir, dir, dir), 1);
	assert_file_has(err, "No such file or directory (errno 2)");
	remove_dir(dir);
}

static void
append_event(struct jrnl *j, const char *topic, uint64_t seq, int64_t t,
    const char *json)
{
	cJSON *o = cJSON_Parse(json);
	size_t len;
	char *buf;

	assert_non_null(o);
	buf = ipc_event_format(topic, seq, t, o, &len);
	assert_non_null(buf);
	assert_int_equal(jrnl_append(j, JRNL_EVENT, t, buf, len), 0);
	free(buf);
	cJSON_Delete(o);
}

#define T0 34200000000000LL
#define SEC 1000000000LL

/*
 * A one-block session: the block, a book, a child, then `nfills` fills of
 * `qty` at `px` (JSON number texts) a second apart, and the block done.
 * Returns the offset of fill number `mark` (1-based), 0 for none.
 */
static uint64_t
craft(const char *path, const char *header, int nfills, const char *px,
    const char *qty, int mark)
{
	struct jrnl_reader *rd;
	struct jrnl_rec rec;
	struct jrnl *j;
	char buf[512];
	uint64_t seq = 1, off = 0;
	int i, n = 0;

	unlink(path);
	assert_int_equal(jrnl_create(&j, path, header), 0);
	append_event(j, "block", seq++, T0, "{\"id\":\"1\",\"sym\":\"QDI\","
	    "\"side\":\"buy\",\"qty\":1000,\"start\":\"34200000000000\","
	    "\"end\":\"34260000000000\",\"arrival_px\":10000,\"algo\":\"twap\","
	    "\"state\":\"WORKING\"}");
	append_event(j, "book", seq++, T0, "{\"sym\":\"QDI\",\"bids\":[[9999,"
	    "100]],\"asks\":[[10001,100]]}");
	append_event(j, "child", seq++, T0, "{\"id\":\"c1\",\"block\":\"1\","
	    "\"px\":10001,\"qty\":1000,\"mid\":10000,\"half_spread\":1,"
	    "\"style\":\"take\"}");
	for (i = 1; i <= nfills; i++) {
		snprintf(buf, sizeof buf, "{\"block\":\"1\",\"child\":\"c1\","
		    "\"sym\":\"QDI\",\"px\":%s,\"qty\":%s,\"liq\":\"aggressive\"}",
		    i == mark || mark == 0 ? px : "10001",
		    i == mark || mark == 0 ? qty : "100");
		append_event(j, "fill", seq++, T0 + i * SEC, buf);
	}
	append_event(j, "block", seq++, T0 + 59 * SEC, "{\"id\":\"1\","
	    "\"sym\":\"QDI\",\"side\":\"buy\",\"qty\":1000,\"start\":"
	    "\"34200000000000\",\"end\":\"34260000000000\",\"arrival_px\":10000,"
	    "\"algo\":\"twap\",\"state\":\"DONE\"}");
	jrnl_close(j);
	assert_int_equal(jrnl_reader_open(&rd, path, NULL), 0);
	while (jrnl_next(rd, &rec) == 1)
		if (memcmp(rec.data, "fill", 5) == 0 && ++n == mark)
			off = rec.offset;
	jrnl_reader_close(rd);
	return off;
}

#define HDR "{\"protocol\":2,\"scenario\":{\"market\":{\"tick\":0.01}},\"seed\":\"1\"}"

/* Three sane fills of 100. */
static void
craft_session(const char *path)
{
	craft(path, HDR, 3, "10001", "100", 0);
}

/*
 * tca reports every block of a journal: 70 here, each with a child and a
 * fill (it kept the first 64 and dropped the rest without a word, the
 * session's totals wrong: found by a review).
 */
static void
tca_reports_every_block(void **state)
{
	char dir[256], path[300], out[300], buf[512];
	struct jrnl *j;
	uint64_t seq = 1;
	char *txt;
	size_t len;
	int rows = 0;

	(void)state;
	make_dir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/many.trj", dir);
	snprintf(out, sizeof out, "%s/out", dir);
	assert_int_equal(jrnl_create(&j, path, HDR), 0);
	append_event(j, "book", seq++, T0, "{\"sym\":\"QDI\",\"bids\":[[9999,"
	    "100]],\"asks\":[[10001,100]]}");
	for (int b = 1; b <= 70; b++) {
		snprintf(buf, sizeof buf, "{\"id\":\"%d\",\"sym\":\"QDI\","
		    "\"side\":\"buy\",\"qty\":100,\"start\":\"34200000000000\","
		    "\"end\":\"34260000000000\",\"arrival_px\":10000,\"algo\":"
		    "\"twap\",\"state\":\"WORKING\"}", b);
		append_event(j, "block", seq++, T0, buf);
		snprintf(buf, sizeof buf, "{\"id\":\"c%d\",\"block\":\"%d\","
		    "\"px\":10001,\"qty\":100,\"mid\":10000,\"half_spread\":1,"
		    "\"style\":\"take\"}", b, b);
		append_event(j, "child", seq++, T0, buf);
		snprintf(buf, sizeof buf, "{\"block\":\"%d\",\"child\":\"c%d\","
		    "\"sym\":\"QDI\",\"px\":10001,\"qty\":100,\"liq\":"
		    "\"aggressive\"}", b, b);
		append_event(j, "fill", seq++, T0 + SEC, buf);
	}
	jrnl_close(j);
	assert_int_equal(run("'%s' tca %s --csv >%s", tranched, path, out), 0);
	txt = slurp(out, &len);
	for (char *p = txt; (p = strchr(p, '\n')) != NULL; p++)
		rows++;
	free(txt);
	assert_int_equal(rows, 71); /* the header and 70 blocks */
	assert_int_equal(run("'%s' tca %s >%s", tranched, path, out), 0);
	assert_file_has(out, "session  70 blocks");
	remove_dir(dir);
}

static void
tca_refuses_impossible_fills(void **state)
{
	static const struct {
		const char *px, *qty, *field;
	} bad[] = {
		{ "1e308", "9.3e18", "qty" },  /* the tester's */
		{ "10001", "0", "qty" },
		{ "10001", "-5", "qty" },
		{ "10001", "1.5", "qty" },
		{ "10001", "1e13", "qty" },
		{ "0", "100", "px" },
		{ "-3", "100", "px" },
		{ "1e308", "100", "px" },
		{ "\"x\"", "100", "px" },
		{ "1e7", "1e12", "overflow" }, /* px x qty past 2^63 */
	};
	char dir[256], path[300], err[300], want[320];
	uint64_t off;

	(void)state;
	assert_true(TRANCHE_PROTO_JOURNAL_OK(2)); /* HDR names it */
	make_dir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/f.trj", dir);
	snprintf(err, sizeof err, "%s/err", dir);
	/* The same journal with sane fills is analysed. */
	craft(path, HDR, 3, "10001", "100", 0);
	assert_int_equal(run("'%s' tca %s --json >%s/out 2>%s", tranched, path,
	    dir, err), 0);
	snprintf(want, sizeof want, "%s/out", dir);
	assert_file_has(want, "\"filled\":300");
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		off = craft(path, HDR, 3, bad[i].px, bad[i].qty, 2);
		assert_true(off > 0);
		if (run("'%s' tca %s >/dev/null 2>%s", tranched, path, err) != 1)
			fail_msg("tca accepted a fill of px %s qty %s", bad[i].px,
			    bad[i].qty);
		snprintf(want, sizeof want, "offset %llu", (unsigned long long)off);
		assert_file_has(err, want);
		assert_file_has(err, bad[i].field);
	}
	/* Each fill is sane, their sum of value is not. */
	off = craft(path, HDR, 2, "5e6", "1e12", 0);
	assert_int_equal(run("'%s' tca %s >/dev/null 2>%s", tranched, path, err),
	    1);
	assert_file_has(err, "overflow");
	remove_dir(dir);
}

/*
 * A journal whose header's seed is not a whole number >= 0 is refused by
 * the engine's recovery naming the seed as written (it said "no scenario
 * or seed: not a session journal" with both present), and left as it was.
 */
static void
recovery_names_a_bad_header_seed(void **state)
{
	static const struct {
		const char *seed, *named;
	} bad[] = {
		{ ",\"seed\":1.5", "header seed 1.5: must be a whole number" },
		{ ",\"seed\":-3", "header seed -3: must be a whole number" },
		{ ",\"seed\":\"x7\"", "header seed \"x7\": must be a whole" },
		{ "", "header seed missing: must be a whole number" },
		{ "!", "header has no scenario: not a session journal" },
		{ "?", "market.tick" },
		/* News the engine refuses: check called it clean. */
		{ "N", "header news.0: field \"sentiment\" 5" },
	};
	char dir[256], path[300], err[300], hdr[256], before[300], after[300];

	(void)state;
	make_dir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/s.trj", dir);
	snprintf(err, sizeof err, "%s/err", dir);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		/* "!": no scenario at all; "?": a scenario the engine refuses. */
		if (strcmp(bad[i].seed, "!") == 0)
			snprintf(hdr, sizeof hdr, "{\"protocol\":3,\"seed\":1}");
		else if (strcmp(bad[i].seed, "?") == 0)
			snprintf(hdr, sizeof hdr, "{\"protocol\":3,\"scenario\":{"
			    "\"market\":{\"tick\":-0.01}},\"seed\":1}");
		else if (strcmp(bad[i].seed, "N") == 0)
			snprintf(hdr, sizeof hdr, "{\"protocol\":3,\"scenario\":{"
			    "\"market\":{\"tick\":0.01}},\"seed\":1,\"news\":"
			    "[{\"t\":\"10:30:00\",\"symbol\":\"QDI\",\"headline\":"
			    "\"x\",\"sentiment\":5}]}");
		else
			snprintf(hdr, sizeof hdr, "{\"protocol\":3,\"scenario\":{"
			    "\"market\":{\"tick\":0.01}}%s}", bad[i].seed);
		craft(path, hdr, 3, "10001", "100", 0);
		assert_int_equal(run("cksum < %s > %s/sum", path, dir), 0);
		assert_int_equal(run("'%s' --journal=%s --listen=ipc://%s/ctl "
		    "--speed=max --exit-when-done >/dev/null 2>%s", tranched, path,
		    dir, err) != 0, 1);
		assert_file_has(err, bad[i].named);
		snprintf(before, sizeof before, "%s/sum", dir);
		snprintf(after, sizeof after, "%s/sum2", dir);
		assert_int_equal(run("cksum < %s > %s && cmp -s %s %s", path, after,
		    before, after), 0);
		/* check says what recovery says: it called such a journal
		 * clean (exit 0) while the engine refused it. */
		assert_int_equal(run("'%s' journal check %s >%s 2>&1", tranched,
		    path, err), 1);
		assert_file_has(err, "header: an engine will not continue it: ");
		assert_file_has(err, bad[i].named);
		assert_file_has(err, ": refused: an engine here will not "
		    "continue it, for its header's session (above)");
		assert_int_equal(run("'%s' journal check --json %s >%s 2>&1",
		    tranched, path, err), 1);
		assert_file_has(err, "\"header_ok\":false,\"header_error\":");
		assert_file_has(err, "\"state\":\"refused\"");
	}
	/* The same header with a good seed is clean. */
	craft(path, "{\"protocol\":3,\"scenario\":{\"market\":{\"tick\":"
	    "0.01}},\"seed\":\"7\"}", 3, "10001", "100", 0);
	assert_int_equal(run("'%s' journal check %s >%s 2>&1", tranched, path,
	    err), 0);
	assert_file_has(err, ": clean, ");
	/* A whole record whose time is not of the day: recovery ran the
	 * market to it (10^18 ns, 31 years) before it answered anyone.
	 * Refused now, naming it, the journal unchanged. */
	craft(path, "{\"protocol\":3,\"scenario\":{\"market\":{\"tick\":"
	    "0.01}},\"seed\":1}", 3, "10001", "100", 0);
	{
		struct jrnl *j;

		assert_int_equal(jrnl_open_append(&j, path, NULL, NULL), 0);
		append_event(j, "mid", 30, 1000000000000000000LL,
		    "{\"sym\":\"QDI\",\"mid\":10000}");
		assert_int_equal(jrnl_append(j, JRNL_COMMAND, -7, "{\"req\":"
		    "{\"cmd\":\"status\"},\"rep\":{\"ok\":true}}", 42), 0);
		assert_int_equal(jrnl_append(j, JRNL_NOTE, -1, "{}", 2), 0);
		assert_int_equal(jrnl_sync(j), 0);
		jrnl_close(j);
	}
	assert_int_equal(run("cksum < %s > %s/sum", path, dir), 0);
	assert_int_equal(run("timeout 60 '%s' --journal=%s --listen=ipc://%s/ctl "
	    "--speed=max --exit-when-done >/dev/null 2>%s", tranched, path, dir,
	    err), 1);
	assert_file_has(err, "has time 1000000000000000000 ns, not a time of "
	    "the session's day");
	assert_int_equal(run("cksum < %s > %s && cmp -s %s %s", path, after,
	    before, after), 0);
	/* check names both records (damage: recovery refuses them); salvage
	 * leaves the event out and keeps the command, at the latest good
	 * time before it, and the copy is clean. */
	assert_int_equal(run("'%s' journal check %s >%s/check 2>&1", tranched,
	    path, dir), 1);
	snprintf(after, sizeof after, "%s/check", dir);
	assert_file_has(after, "event record at offset");
	assert_file_has(after, "has time 1000000000000000000 ns, not a time of "
	    "the session's day (salvage keeps it at 34259000000000 ns, the "
	    "latest good time before it)");
	assert_file_has(after, "command record at offset");
	assert_file_has(after, "has time -7 ns, not a time of the session's "
	    "day (salvage keeps it at 34259000000000 ns");
	assert_file_has(after, "note record at offset");
	assert_file_has(after, "(salvage leaves it out)");
	assert_file_has(after, "3 records with a time not of the day");
	assert_int_equal(run("'%s' journal check --json %s >%s/check.json "
	    "2>&1", tranched, path, dir), 1);
	snprintf(after, sizeof after, "%s/check.json", dir);
	assert_file_has(after, "\"t\":\"1000000000000000000\",\"kept_at\":"
	    "\"34259000000000\"");
	assert_int_equal(run("'%s' journal salvage %s %s/fixed.trj >%s/salv "
	    "2>&1", tranched, path, dir, dir), 0);
	snprintf(after, sizeof after, "%s/salv", dir);
	assert_file_has(after, "of the records with a time not of the day, 1 "
	    "notes left out, the rest kept");
	assert_int_equal(run("'%s' journal check %s/fixed.trj >%s/check2 2>&1",
	    tranched, dir, dir), 0);
	snprintf(after, sizeof after, "%s/check2", dir);
	assert_file_has(after, "clean");
	remove_dir(dir);
}

static void
tca_refuses_other_protocols(void **state)
{
	static const struct {
		const char *hdr, *named;
	} bad[] = {
		{ "{\"protocol\":1}", "protocol 1" },
		{ "{\"protocol\":4}", "protocol 4" },
		{ "{\"protocol\":2.5}", "protocol 2.5" },
		{ "{\"protocol\":\"2\"}", "protocol \"2\"" },
		{ "{\"scenario\":{}}", "protocol (missing)" },
	};
	char dir[256], path[300], err[300];

	(void)state;
	make_dir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/p.trj", dir);
	snprintf(err, sizeof err, "%s/err", dir);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		craft(path, bad[i].hdr, 3, "10001", "100", 0);
		assert_int_equal(run("'%s' tca %s >/dev/null 2>%s", tranched,
		    path, err), 1);
		assert_file_has(err, bad[i].named);
		assert_int_equal(run("'%s' replay %s --listen=ipc://%s/rp "
		    "--exit-at-end --speed=max >/dev/null 2>%s", tranched, path,
		    dir, err), 1);
		assert_file_has(err, bad[i].named);
	}
	remove_dir(dir);
}

static void
tca_and_replay_skip_a_damaged_span(void **state)
{
	char dir[256], path[300], err[300], out[300], want[128];
	uint64_t off;
	FILE *f;

	(void)state;
	make_dir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/d.trj", dir);
	snprintf(err, sizeof err, "%s/err", dir);
	snprintf(out, sizeof out, "%s/out", dir);
	/* Five fills of 100; the second's payload gets a flipped bit. */
	off = craft(path, HDR, 5, "10001", "100", 2);
	assert_true(off > 0);
	f = fopen(path, "r+b");
	assert_non_null(f);
	assert_int_equal(fseek(f, (long)off + JRNL_REC_HDR + 12, SEEK_SET), 0);
	fputc('#', f);
	fclose(f);
	assert_int_equal(run("'%s' tca %s --json >%s 2>%s", tranched, path, out,
	    err), 0);
	/* Four of five: the fills after the damage count too. */
	assert_file_has(out, "\"filled\":400");
	snprintf(want, sizeof want, "damaged span at offset %llu",
	    (unsigned long long)off);
	assert_file_has(err, want);
	assert_file_has(err, "bytes skipped");
	/* The replay goes on to the last event (seq 9: 3 + 5 fills + 1). */
	assert_int_equal(run("'%s' replay %s --listen=ipc://%s/rp --exit-at-end "
	    "--speed=max >/dev/null 2>%s", tranched, path, dir, err), 0);
	assert_file_has(err, want);
	assert_file_has(err, "at seq 9");
	remove_dir(dir);
}

/*
 * Times a session cannot have: a record whose checksum is whole but whose
 * time is 10^18 ns (31 years) held every event after it back for that
 * long at any speed but max (the replay paces by the record's time), and
 * an event whose own time is negative went to the consoles as it was.
 * Neither is published now; each is named with its offset, the end
 * counts them, and the events after them play on time.  A time well
 * before the latest played is said too, and played at once.
 */
static void
replay_publishes_no_impossible_time(void **state)
{
	char dir[256], path[300], err[300];
	struct jrnl *j;
	cJSON *o;
	char *buf;
	size_t len;

	(void)state;
	make_dir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/times.trj", dir);
	snprintf(err, sizeof err, "%s/err", dir);
	craft_session(path);
	assert_int_equal(jrnl_open_append(&j, path, NULL, NULL), 0);
	append_event(j, "mid", 20, 1000000000000000000LL, "{\"sym\":\"QDI\","
	    "\"mid\":10000}");
	/* The record at 09:31:00, the event inside it at -5 ns. */
	assert_non_null(o = cJSON_Parse("{\"sym\":\"QDI\",\"mid\":10001}"));
	assert_non_null(buf = ipc_event_format("mid", 21, -5, o, &len));
	assert_int_equal(jrnl_append(j, JRNL_EVENT, T0 + 60 * SEC, buf, len), 0);
	free(buf);
	cJSON_Delete(o);
	append_event(j, "mid", 22, T0 + 61 * SEC, "{\"sym\":\"QDI\","
	    "\"mid\":10002}");
	append_event(j, "mid", 23, T0 + 10 * SEC, "{\"sym\":\"QDI\","
	    "\"mid\":10003}");
	assert_int_equal(jrnl_sync(j), 0);
	jrnl_close(j);
	/* 61 s of the session at 20x: about 3 s. */
	assert_int_equal(run("timeout 30 '%s' replay %s --listen=ipc://%s/rp "
	    "--exit-at-end --speed=20 >/dev/null 2>%s", tranched, path, dir,
	    err), 0);
	assert_file_has(err, "has time 1000000000000000000 ns, not a time of the "
	    "day: not published");
	assert_file_has(err, "2 events had a time outside the day");
	assert_file_has(err, "has time 09:30:10.000 after 09:31:01.000: played "
	    "at once");
	assert_file_has(err, "at seq 23");
	/* The first event far off: the pace counted from it, and held every
	 * event after it back. */
	unlink(path);
	assert_int_equal(jrnl_create(&j, path, HDR), 0);
	append_event(j, "mid", 1, -1000000000000000000LL, "{\"sym\":\"QDI\","
	    "\"mid\":10000}");
	for (int i = 0; i < 3; i++)
		append_event(j, "mid", (uint64_t)(2 + i), T0 + i * SEC,
		    "{\"sym\":\"QDI\",\"mid\":10001}");
	assert_int_equal(jrnl_sync(j), 0);
	jrnl_close(j);
	assert_int_equal(run("timeout 30 '%s' replay %s --listen=ipc://%s/rp "
	    "--exit-at-end --speed=1 >/dev/null 2>%s", tranched, path, dir,
	    err), 0);
	assert_file_has(err, "has time -1000000000000000000 ns");
	assert_file_has(err, "at seq 4");
	remove_dir(dir);
}

/*
 * A real session, its records copied one by one into another journal
 * through edit(): the time to write each at (fill: which fill it is, 0
 * for any other record); after writing it, edit(..., after 1) may append
 * records of its own.  Then the copy is refused by an engine, salvaged
 * into fixed, checks clean, and is continued by an engine.  The checks
 * between, which are each test's own, read dir/check and dir/salvage.
 */
struct rewritten {
	char dir[256], path[300], bad[300], fixed[300], err[300], check[300],
	    salvage[300];
};

static void
rewrite_session(struct rewritten *w, int64_t (*edit)(struct jrnl *j,
    const struct jrnl_rec *rec, int fill, int after))
{
	struct jrnl_reader *rd;
	struct jrnl_rec rec;
	struct jrnl *j;
	char *hj;
	int fills = 0;

	make_dir(w->dir, sizeof w->dir);
	snprintf(w->path, sizeof w->path, "%s/s.trj", w->dir);
	snprintf(w->bad, sizeof w->bad, "%s/bad.trj", w->dir);
	snprintf(w->fixed, sizeof w->fixed, "%s/fixed.trj", w->dir);
	snprintf(w->err, sizeof w->err, "%s/err", w->dir);
	snprintf(w->check, sizeof w->check, "%s/check", w->dir);
	snprintf(w->salvage, sizeof w->salvage, "%s/salvage", w->dir);
	assert_int_equal(run("'%s' --scenario=calm --seed=3 --speed=max "
	    "--set orders.0.end=09:33:00 --exit-when-done --journal=%s "
	    "--listen=ipc://%s/a 2>%s", tranched, w->path, w->dir, w->err), 0);
	assert_int_equal(jrnl_reader_open(&rd, w->path, &hj), 0);
	assert_int_equal(jrnl_create(&j, w->bad, hj), 0);
	while (jrnl_next(rd, &rec) == 1) {
		int fill = rec.kind == JRNL_EVENT &&
		    memcmp(rec.data, "fill", 5) == 0 ? ++fills : 0;

		assert_int_equal(jrnl_append(j, rec.kind, edit(j, &rec, fill, 0),
		    rec.data, rec.len), 0);
		edit(j, &rec, fill, 1);
	}
	assert_int_equal(jrnl_sync(j), 0);
	jrnl_close(j);
	jrnl_reader_close(rd);
	free(hj);
	assert_true(fills >= 3);
	assert_int_equal(run("timeout 60 '%s' --journal=%s --speed=max "
	    "--exit-when-done --listen=ipc://%s/b 2>%s", tranched, w->bad,
	    w->dir, w->err), 1);
	assert_int_equal(run("'%s' journal check %s >%s", tranched, w->bad,
	    w->check), 1);
	assert_int_equal(run("'%s' journal salvage %s %s >%s", tranched, w->bad,
	    w->fixed, w->salvage), 0);
}

/* After the tests' own checks: the copy checks clean and continues. */
static void
rewritten_continues(struct rewritten *w)
{
	assert_int_equal(run("'%s' journal check %s >%s", tranched, w->fixed,
	    w->check), 0);
	assert_file_has(w->check, "clean");
	assert_int_equal(run("timeout 60 '%s' --journal=%s --speed=max "
	    "--exit-when-done --listen=ipc://%s/c 2>%s", tranched, w->fixed,
	    w->dir, w->err), 0);
	assert_file_has(w->err, "continuing the session");
	remove_dir(w->dir);
}

/* After the second fill: an event without its topic's NUL, and a command
 * that is not JSON. */
static int64_t
edit_unreadable(struct jrnl *j, const struct jrnl_rec *rec, int fill,
    int after)
{
	if (after && fill == 2) {
		assert_int_equal(jrnl_append(j, JRNL_EVENT, rec->t,
		    "garbage without a topic", 23), 0);
		assert_int_equal(jrnl_append(j, JRNL_COMMAND, rec->t,
		    "{\"req\":{\"cmd\":", 14), 0);
	}
	return rec->t;
}

/*
 * Records whose checksums hold but which no reader can take: a command
 * record that is not JSON and an event record that is not an event.
 * Recovery refuses both, naming the offset; check called the journal
 * clean (the command counted as an unnumbered one, the event unread).
 * Check now lists both and exits 1, and salvage leaves both out (no
 * command or event can be read from them) and says so; the copy checks
 * clean and an engine continues it.
 */
static void
check_and_salvage_name_records_no_reader_can_take(void **state)
{
	struct rewritten w;

	(void)state;
	rewrite_session(&w, edit_unreadable);
	assert_file_has(w.err, "at offset");
	assert_file_has(w.check, "is not JSON: no command can be read from it "
	    "(salvage leaves it out)");
	assert_file_has(w.check, "is not an event");
	assert_file_has(w.check, "1 event records that are not events");
	assert_file_has(w.salvage, "1 event records that are not events left "
	    "out");
	assert_file_has(w.salvage, "1 command records left out (written twice, "
	    "or not JSON)");
	rewritten_continues(&w);
}

/* The third fill's record at 10^18 ns (its event's own time unchanged). */
static int64_t
edit_far_time(struct jrnl *j, const struct jrnl_rec *rec, int fill,
    int after)
{
	(void)j;
	(void)after;
	return fill == 3 ? 1000000000000000000LL : rec->t;
}

/*
 * The whole way on from a record with an impossible time, on a real
 * session: a fill record's time (not its event's) set to 10^18 ns with a
 * whole checksum.  Recovery refuses naming it; check lists it; salvage
 * keeps the fill at the latest good time before it (left out, the
 * re-simulation's fills were matched to the journal's one place off and
 * the recovery refused), and an engine continues the copy.
 */
static void
salvage_mends_a_record_with_an_impossible_time(void **state)
{
	struct rewritten w;

	(void)state;
	rewrite_session(&w, edit_far_time);
	assert_file_has(w.err, "has time 1000000000000000000 ns, not a time of "
	    "the session's day");
	assert_file_has(w.check, "has time 1000000000000000000 ns");
	rewritten_continues(&w);
}

/* A journal pieced together, checksums whole: a fill whose seq is below
 * the one before, and fills of a block no block event introduced.
 * Replay plays them and says so; tca leaves the stranger's fills out and
 * says so (both were silent). */
static void
replay_and_tca_say_what_a_pieced_journal_hides(void **state)
{
	char dir[256], path[300], err[300];
	struct jrnl *j;

	(void)state;
	make_dir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/pieced.trj", dir);
	snprintf(err, sizeof err, "%s/err", dir);
	craft_session(path);
	assert_int_equal(jrnl_open_append(&j, path, NULL, NULL), 0);
	append_event(j, "fill", 3, T0 + 30 * SEC, "{\"block\":\"7\",\"child\":"
	    "\"c9\",\"sym\":\"QDI\",\"px\":10001,\"qty\":300,\"liq\":"
	    "\"aggressive\"}");
	assert_int_equal(jrnl_sync(j), 0);
	jrnl_close(j);
	assert_int_equal(run("'%s' replay %s --listen=ipc://%s/rp --exit-at-end "
	    "--speed=max >/dev/null 2>%s", tranched, path, dir, err), 0);
	assert_file_has(err, "has seq 3 after");
	assert_file_has(err, "1 events had a seq not above the one before");
	/* tca skips a record out of seq order (another session's, or one
	 * written twice) and says so... */
	assert_int_equal(run("'%s' tca %s >/dev/null 2>%s", tranched, path, err),
	    0);
	assert_file_has(err, "(seq 3) is out of the order the engine "
	    "published its events in: another session's record or one "
	    "written twice, skipped");
	/* ...and a fill in order that names a block no block event
	 * introduced is left out, saying which. */
	snprintf(path, sizeof path, "%s/orphan.trj", dir);
	craft_session(path);
	assert_int_equal(jrnl_open_append(&j, path, NULL, NULL), 0);
	append_event(j, "fill", 8, T0 + 30 * SEC, "{\"block\":\"7\",\"child\":"
	    "\"c9\",\"sym\":\"QDI\",\"px\":10001,\"qty\":300,\"liq\":"
	    "\"aggressive\"}");
	assert_int_equal(jrnl_sync(j), 0);
	jrnl_close(j);
	assert_int_equal(run("'%s' tca %s >/dev/null 2>%s", tranched, path, err),
	    0);
	assert_file_has(err, "1 fills (300 shares) name block \"7\", which no "
	    "block event introduced");
	remove_dir(dir);
}

/* Rewrites a journal in format 1 (17-byte frames, no marker), as the
 * engine wrote before format 2. */
static void
to_format_1(const char *from, const char *to)
{
	struct jrnl_reader *rd;
	struct jrnl_rec rec;
	uint8_t h[20], fr[17];
	char *hj;
	uint32_t v;
	FILE *f;

	assert_int_equal(jrnl_reader_open(&rd, from, &hj), 0);
	f = fopen(to, "wb");
	assert_non_null(f);
	memcpy(h, "TRNCHJ\r\n", 8);
	v = 1;
	memcpy(h + 8, &v, 4); /* little-endian hosts only, as elsewhere here */
	v = (uint32_t)strlen(hj);
	memcpy(h + 12, &v, 4);
	v = jrnl_crc32c(0, hj, strlen(hj));
	memcpy(h + 16, &v, 4);
	assert_int_equal(fwrite(h, 1, 20, f), 20);
	assert_int_equal(fwrite(hj, 1, strlen(hj), f), strlen(hj));
	while (jrnl_next(rd, &rec) == 1) {
		memcpy(fr, &rec.len, 4);
		fr[8] = (uint8_t)rec.kind;
		memcpy(fr + 9, &rec.t, 8);
		v = jrnl_crc32c(jrnl_crc32c(0, fr + 8, 9), rec.data, rec.len);
		memcpy(fr + 4, &v, 4);
		assert_int_equal(fwrite(fr, 1, 17, f), 17);
		assert_int_equal(fwrite(rec.data, 1, rec.len, f), rec.len);
	}
	assert_int_equal(fclose(f), 0);
	jrnl_reader_close(rd);
	free(hj);
}

/* A format 1 journal is read (tca), refused by an engine naming the
 * version and by check (exit 1, state old-format), and converted by
 * salvage into one that checks clean. */
static void
format_1_is_read_and_salvage_converts_it(void **state)
{
	char dir[256], v2[300], v1[300], out[300], err[300], conv[300];

	(void)state;
	make_dir(dir, sizeof dir);
	snprintf(v2, sizeof v2, "%s/v2.trj", dir);
	snprintf(v1, sizeof v1, "%s/v1.trj", dir);
	snprintf(conv, sizeof conv, "%s/conv.trj", dir);
	snprintf(out, sizeof out, "%s/out", dir);
	snprintf(err, sizeof err, "%s/err", dir);
	craft_session(v2);
	to_format_1(v2, v1);
	assert_int_equal(run("'%s' tca %s --json >%s 2>%s", tranched, v1, out,
	    err), 0);
	assert_file_has(out, "\"filled\":300");
	assert_int_equal(run("'%s' --listen=ipc://%s/x --journal=%s 2>%s",
	    tranched, dir, v1, err), 1);
	assert_file_has(err, "format version 1");
	/* check says so too (it said clean, and its JSON format 2). */
	assert_int_equal(run("'%s' journal check %s >%s", tranched, v1, out), 1);
	assert_file_has(out, "format 1: an engine reads it but will not "
	    "continue it");
	assert_int_equal(run("'%s' journal check --json %s >%s", tranched, v1,
	    out), 1);
	assert_file_has(out, "\"format\":1,");
	assert_file_has(out, "\"state\":\"old-format\"");
	assert_int_equal(run("'%s' journal salvage %s %s >/dev/null", tranched,
	    v1, conv), 0);
	assert_int_equal(run("'%s' journal check %s >%s", tranched, conv, out),
	    0);
	assert_file_has(out, "clean");
	assert_int_equal(run("'%s' tca %s --json >%s 2>%s", tranched, conv, out,
	    err), 0);
	assert_file_has(out, "\"filled\":300");
	remove_dir(dir);
}

/*
 * An engine before 2026-12-06 took a venue set without lit ("dark") as
 * lit,dark, in a submit and in a scenario's order; this one refuses such
 * a set live, naming "venues" and the value, and must still recover a
 * journal in which an older engine said yes to one: what the engine said
 * yes to is never lost.  The older engine's journal is made from this
 * one's, run with the scenario's order on lit,dark and a submit of
 * lit,dark: the header's order and the submit's record written back as
 * "dark" (the events after them are those of lit,dark, as the older
 * engine's were), every record copied with its checksum made again.
 * header and submit say which to write back; the submit also gains
 * dealers chosen without rfq, which an older engine took too.  Recovered,
 * both blocks are there on lit,dark, and tca reads the journal.
 */
static void
older_journal_recovers(int header, int submit)
{
	struct itest_engine e;
	char dir[256], jpath[300], opath[300], jarg[320], *hj;
	struct jrnl_reader *rd;
	struct jrnl_rec rec;
	struct jrnl *j;
	const cJSON *b;
	cJSON *r, *h;
	int edited = 0, lit_dark = 0;

	make_dir(dir, sizeof dir);
	snprintf(jpath, sizeof jpath, "%s/new.trj", dir);
	snprintf(opath, sizeof opath, "%s/older.trj", dir);
	snprintf(jarg, sizeof jarg, "--journal=%s", jpath);
	assert_int_equal(itest_start(&e, tranched, jarg, "--seed=4",
	    "--speed=60", "--scenario=calm", "--set=orders.0.venues=lit,dark",
	    (char *)NULL), 0);
	/* Live, the set is refused naming the field and the value, and
	 * makes no block. */
	r = itest_cmd(&e, "{\"cmd\":\"submit\",\"id\":\"jt-dark-live\",\"sym\":"
	    "\"QDI\",\"side\":\"buy\",\"qty\":1000,\"duration_s\":600,"
	    "\"venues\":\"dark\",\"reason\":\"journal test\"}");
	assert_false(itest_ok(r));
	assert_string_equal(itest_err(r), ERR_FIELD);
	if (strstr(itest_errmsg(r), "\"venues\"") == NULL ||
	    strstr(itest_errmsg(r), "\"dark\"") == NULL)
		fail_msg("the refusal does not name venues and \"dark\": %s",
		    itest_errmsg(r));
	cJSON_Delete(r);
	r = itest_cmd(&e, "{\"cmd\":\"submit\",\"id\":\"jt-dealers-live\","
	    "\"sym\":\"QDI\",\"side\":\"buy\",\"qty\":1000,\"duration_s\":600,"
	    "\"venues\":\"lit,dark\",\"dealers\":\"random:2\",\"reason\":"
	    "\"journal test\"}");
	assert_false(itest_ok(r));
	if (strstr(itest_errmsg(r), "\"dealers\" \"random:2\"") == NULL)
		fail_msg("the refusal does not name dealers: %s", itest_errmsg(r));
	cJSON_Delete(r);
	assert_int_equal(block_count(&e), 1);
	r = itest_cmd(&e, "{\"cmd\":\"submit\",\"id\":\"jt-dark\",\"sym\":"
	    "\"QDI\",\"side\":\"buy\",\"qty\":1000,\"duration_s\":600,"
	    "\"venues\":\"lit,dark\",\"reason\":\"journal test\"}");
	assert_true(itest_ok(r));
	cJSON_Delete(r);
	assert_int_equal(block_count(&e), 2);
	itest_kill9(&e);

	/* The older engine's journal. */
	assert_int_equal(jrnl_reader_open(&rd, jpath, &hj), 0);
	h = cJSON_Parse(hj);
	free(hj);
	b = cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(h,
	    "scenario"), "orders"), 0);
	assert_string_equal(itest_str(b, "venues"), "lit,dark");
	if (header)
		cJSON_ReplaceItemInObjectCaseSensitive((cJSON *)b, "venues",
		    cJSON_CreateString("dark"));
	hj = cJSON_PrintUnformatted(h);
	cJSON_Delete(h);
	assert_int_equal(jrnl_create(&j, opath, hj), 0);
	cJSON_free(hj);
	while (jrnl_next(rd, &rec) == 1) {
		cJSON *o = rec.kind == JRNL_COMMAND ? cJSON_ParseWithLength(
		    (const char *)rec.data, rec.len) : NULL;
		cJSON *req = cJSON_GetObjectItem(o, "req");
		char *txt;

		if (!submit || strcmp(itest_str(req, "id"), "jt-dark") != 0) {
			assert_int_equal(jrnl_append(j, rec.kind, rec.t, rec.data,
			    rec.len), 0);
			cJSON_Delete(o);
			continue;
		}
		assert_string_equal(itest_str(req, "venues"), "lit,dark");
		cJSON_ReplaceItemInObjectCaseSensitive(req, "venues",
		    cJSON_CreateString("dark"));
		/* And dealers chosen without rfq, which an older engine took
		 * and never asked (refused live since 2026-12-06). */
		cJSON_AddStringToObject(req, "dealers", "random:2");
		txt = cJSON_PrintUnformatted(o);
		assert_int_equal(jrnl_append(j, rec.kind, rec.t, txt,
		    strlen(txt)), 0);
		cJSON_free(txt);
		cJSON_Delete(o);
		edited++;
	}
	assert_int_equal(jrnl_sync(j), 0);
	jrnl_close(j);
	jrnl_reader_close(rd);
	assert_int_equal(edited, submit);

	/* Recovered: both blocks, each on lit,dark. */
	snprintf(jarg, sizeof jarg, "--journal=%s", opath);
	assert_int_equal(itest_start(&e, tranched, jarg, (char *)NULL), 0);
	r = itest_cmd(&e, "{\"cmd\":\"status\"}");
	assert_non_null(r);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(r, "blocks")),
	    2);
	cJSON_ArrayForEach(b, cJSON_GetObjectItem(r, "blocks"))
		lit_dark += strcmp(itest_str(b, "venues"), "lit,dark") == 0;
	cJSON_Delete(r);
	assert_int_equal(lit_dark, 2);
	assert_int_equal(itest_stop(&e), 0);
	assert_int_equal(run("'%s' tca %s --json >/dev/null 2>%s/err", tranched,
	    opath, dir), 0);
	remove_dir(dir);
}

/*
 * A crash can leave a journal that ends in the pass right after a
 * command: the pass works off what is due at the command's own time
 * first, so a block submitted then starts and crosses then, its fill is
 * synced, and the process dies before any later record.  The journal's
 * last record is then at the submit's time, and recovery, which moved the
 * clock to the last record's time only when that was later than the last
 * command's, never started the block: "fill 1 ... is journaled but the
 * re-simulation ... made only 0 fills", and the engine refused its own
 * journal (itest-journal's older-journal tests met it about one CI run in
 * three, when their kill fell there).  Here the journal is cut exactly
 * there, as such a crash leaves it (every record up to the last at the
 * submit's time), and must continue with the block and its fill.
 */
static void
journal_cut_in_a_submits_first_pass_recovers(void **state)
{
	struct itest_engine e;
	char dir[256], jpath[300], cpath[300], jarg[320], *hj;
	struct jrnl_reader *rd;
	struct jrnl_rec rec;
	struct jrnl *j;
	const cJSON *b;
	cJSON *r;
	int64_t t_submit = -1;
	long long filled = 0, deadline;
	int fills = 0, kept = 0, found = 0;

	(void)state;
	make_dir(dir, sizeof dir);
	snprintf(jpath, sizeof jpath, "%s/live.trj", dir);
	snprintf(cpath, sizeof cpath, "%s/cut.trj", dir);
	snprintf(jarg, sizeof jarg, "--journal=%s", jpath);
	assert_int_equal(itest_start(&e, tranched, jarg, "--seed=4",
	    "--speed=60", "--scenario=calm", (char *)NULL), 0);
	r = itest_cmd(&e, "{\"cmd\":\"submit\",\"id\":\"jt-cross\",\"sym\":"
	    "\"QDI\",\"side\":\"sell\",\"qty\":3000,\"duration_s\":300,"
	    "\"algo\":\"twap-aggressive\",\"reason\":\"journal test\"}");
	assert_true(itest_ok(r));
	cJSON_Delete(r);
	/* Its first slice crosses into the bids at once (a sell: the
	 * scenario's own block rests on the ask, and a buy's cross could meet
	 * it and be stopped as a self-trade); wait until the engine has it. */
	deadline = itest_now_ms() + 10000;
	while (filled == 0 && itest_now_ms() < deadline) {
		r = itest_cmd(&e, "{\"cmd\":\"status\"}");
		cJSON_ArrayForEach(b, cJSON_GetObjectItem(r, "blocks"))
			if (strcmp(itest_str(b, "id"), "2") == 0)
				filled = (long long)cJSON_GetNumberValue(
				    cJSON_GetObjectItem(b, "filled"));
		cJSON_Delete(r);
	}
	assert_true(filled > 0);
	itest_kill9(&e);

	/* The journal as a crash in the submit's own pass leaves it. */
	assert_int_equal(jrnl_reader_open(&rd, jpath, &hj), 0);
	assert_int_equal(jrnl_create(&j, cpath, hj), 0);
	free(hj);
	while (jrnl_next(rd, &rec) == 1) {
		if (t_submit >= 0 && rec.t > t_submit)
			break;
		if (rec.kind == JRNL_COMMAND && memmem(rec.data, rec.len,
		    "\"id\":\"jt-cross\"", 15) != NULL)
			t_submit = rec.t;
		if (t_submit >= 0 && rec.kind == JRNL_EVENT && rec.len > 5 &&
		    memcmp(rec.data, "fill", 5) == 0 && memmem(rec.data,
		    rec.len, "\"block\":\"2\"", 11) != NULL)
			fills++;
		assert_int_equal(jrnl_append(j, rec.kind, rec.t, rec.data,
		    rec.len), 0);
		kept++;
	}
	assert_int_equal(jrnl_sync(j), 0);
	jrnl_close(j);
	jrnl_reader_close(rd);
	if (t_submit < 0 || fills == 0)
		fail_msg("the live journal has no fill of block 2 at the "
		    "submit's time (%d records kept): the test's premise is gone",
		    kept);

	/* Continued: the block is there with at least the journaled fills,
	 * every one of them re-made. */
	snprintf(jarg, sizeof jarg, "--journal=%s", cpath);
	assert_int_equal(itest_start(&e, tranched, jarg, (char *)NULL), 0);
	r = itest_cmd(&e, "{\"cmd\":\"status\"}");
	assert_non_null(r);
	cJSON_ArrayForEach(b, cJSON_GetObjectItem(r, "blocks"))
		if (strcmp(itest_str(b, "id"), "2") == 0) {
			found = 1;
			assert_true(cJSON_GetNumberValue(cJSON_GetObjectItem(b,
			    "filled")) > 0);
		}
	cJSON_Delete(r);
	assert_true(found);
	assert_int_equal(itest_stop(&e), 0);
	remove_dir(dir);
}

/* A submit of "venues":"dark" in an older engine's journal. */
static void
older_journal_with_a_submit_without_lit_recovers(void **state)
{
	(void)state;
	older_journal_recovers(0, 1);
}

/* A scenario order of "venues":"dark" in an older engine's header. */
static void
older_journal_with_a_scenario_order_without_lit_recovers(void **state)
{
	(void)state;
	older_journal_recovers(1, 0);
}

/* The trade events of the journal at path with seq <= most. */
static uint64_t
journal_prints(const char *path, uint64_t most)
{
	struct jrnl_reader *rd;
	struct jrnl_rec rec;
	struct ipc_event ev;
	char err[128];
	uint64_t n = 0;

	assert_int_equal(jrnl_reader_open(&rd, path, NULL), 0);
	while (jrnl_next(rd, &rec) == 1) {
		if (rec.kind != JRNL_EVENT || rec.len < 6 ||
		    memcmp(rec.data, TOPIC_TRADE, sizeof TOPIC_TRADE) != 0)
			continue;
		assert_int_equal(ipc_event_parse(rec.data, rec.len, &ev, err,
		    sizeof err), 0);
		n += ev.seq <= most;
		ipc_event_free(&ev);
	}
	jrnl_reader_close(rd);
	return n;
}

/* The snapshot's seq and prints. */
static void
snapshot_prints(struct itest_engine *e, uint64_t *seq, uint64_t *prints)
{
	cJSON *r = itest_cmd(e, "{\"cmd\":\"snapshot\"}");
	const cJSON *a, *b;

	assert_true(itest_ok(r));
	a = cJSON_GetObjectItemCaseSensitive(r, "seq");
	b = cJSON_GetObjectItemCaseSensitive(r, "prints");
	assert_true(cJSON_IsNumber(a) && cJSON_IsNumber(b));
	*seq = (uint64_t)a->valuedouble;
	*prints = (uint64_t)b->valuedouble;
	cJSON_Delete(r);
}

/*
 * The snapshot's "prints" is the session's count of trade events up to its
 * seq, as the journal holds them: live, after the recoveries (from a
 * SIGKILL too) that re-simulate them, and from `tranched replay` of the journal (a
 * console attaching late counted only the prints it had seen).
 */
static void
snapshot_prints_are_the_sessions(void **state)
{
	struct itest_engine e, rp;
	char dir[200], jpath[300], jarg[320], url[320];
	uint64_t seq, prints, seq2, prints2;
	long long t0;

	(void)state;
	make_dir(dir, sizeof dir);
	snprintf(jpath, sizeof jpath, "%s/p.trj", dir);
	snprintf(jarg, sizeof jarg, "--journal=%s", jpath);
	assert_int_equal(itest_start(&e, tranched, jarg, "--seed=4",
	    "--speed=60", (char *)NULL), 0);
	/* Until the market has printed (a loaded machine's engine may not
	 * have in the 0.6 s once allowed). */
	for (t0 = itest_now_ms(); itest_now_ms() - t0 < 20000;) {
		usleep(200000);
		snapshot_prints(&e, &seq, &prints);
		if (prints > 10)
			break;
	}
	assert_true(prints > 10);
	assert_int_equal(itest_stop(&e), 0);
	assert_int_equal(journal_prints(jpath, seq), prints);

	/* Recovered, after a SIGKILL too: the prints re-simulated (and those
	 * the kill took before they were written) are counted again. */
	assert_int_equal(itest_start(&e, tranched, jarg, (char *)NULL), 0);
	usleep(300000);
	itest_kill9(&e);
	assert_int_equal(itest_start(&e, tranched, jarg, (char *)NULL), 0);
	snapshot_prints(&e, &seq2, &prints2);
	assert_true(seq2 >= seq && prints2 >= prints);
	assert_int_equal(itest_stop(&e), 0);
	assert_int_equal(journal_prints(jpath, seq2), prints2);

	/* Played back to its end: every print of the journal. */
	memset(&rp, 0, sizeof rp);
	snprintf(rp.dir, sizeof rp.dir, "%s/rp", dir);
	assert_int_equal(mkdir(rp.dir, 0700), 0);
	snprintf(url, sizeof url, "ipc://%s/ctl", rp.dir);
	{
		char *argv[] = { (char *)tranched, "replay", jpath, "--speed",
		    "max", "--listen", url, NULL };

		rp.pid = itest_spawn(tranched, argv);
		assert_true(rp.pid > 0);
	}
	assert_int_equal(ipc_client_open(&rp.c, url, NULL, "itest"), 0);
	for (t0 = itest_now_ms();; usleep(50000)) {
		cJSON *r = itest_cmd(&rp, "{\"cmd\":\"status\"}");
		int ended = r != NULL && cJSON_IsTrue(
		    cJSON_GetObjectItemCaseSensitive(r, "ended"));

		cJSON_Delete(r);
		if (ended)
			break;
		assert_true(itest_now_ms() - t0 < 20000);
	}
	snapshot_prints(&rp, &seq, &prints);
	assert_int_equal(prints, journal_prints(jpath, UINT64_MAX));
	assert_true(prints >= prints2);
	assert_int_equal(itest_stop(&rp), 0);
	remove_dir(dir);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    journal_damage_refuses_restart_and_salvage_keeps_the_kill),
		cmocka_unit_test(journal_lock_names_the_holder),
		cmocka_unit_test(snapshot_prints_are_the_sessions),
		cmocka_unit_test(tca_refuses_impossible_fills),
		cmocka_unit_test(tca_reports_every_block),
		cmocka_unit_test(tca_refuses_other_protocols),
		cmocka_unit_test(recovery_names_a_bad_header_seed),
		cmocka_unit_test(tca_and_replay_skip_a_damaged_span),
		cmocka_unit_test(format_1_is_read_and_salvage_converts_it),
		cmocka_unit_test(journal_repeated_or_missing_command_is_found),
		cmocka_unit_test(replay_and_tca_say_what_a_pieced_journal_hides),
		cmocka_unit_test(replay_publishes_no_impossible_time),
		cmocka_unit_test(salvage_mends_a_record_with_an_impossible_time),
		cmocka_unit_test(check_and_salvage_name_records_no_reader_can_take),
		cmocka_unit_test(journal_cut_in_a_submits_first_pass_recovers),
		cmocka_unit_test(older_journal_with_a_submit_without_lit_recovers),
		cmocka_unit_test(
		    older_journal_with_a_scenario_order_without_lit_recovers),
	};

	if (argc < 2) {
		fprintf(stderr, "usage: itest-journal TRANCHED [[-]TEST-PATTERN]\n");
		return 2;
	}
	tranched = argv[1];
	itest_filter(argc > 2 ? argv[2] : NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
