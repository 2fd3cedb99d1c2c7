/*
 * tests/integration/itest-journal-full.c -- a journal that cannot be
 * written stops trading; nothing is acknowledged that is not on disk.
 *
 * Both tests run the real tranched at 600x with a subscriber and a trader
 * sending a throttle (each with its own pct) every 20 ms, until the disk is
 * full and the engine is JOURNAL-HALTED, then check:
 *   - every fill published is in the journal, and every throttle answered
 *     ok is in it as accepted; no throttle answered journal_unavailable is;
 *   - the blocks are JOURNAL-HALTED, the CRIT alert and the heartbeat say
 *     so, status (a read) is answered, a throttle gets journal_unavailable
 *     naming ENOSPC (errno 28);
 *   - after journal_resume (a supervisor's, with a reason) trading goes on:
 *     new fills are published, and they too are on disk;
 *   - when the disk fills again and the engine is stopped, it exits 3;
 *   - restarted on the journal, the engine recovers the acknowledged
 *     throttles: its participation cap is the last pct answered ok, and
 *     that throttle's id gets its first answer again.
 *
 * journal_full_fault uses the test-only switch
 * TRANCHE_FAULT_JOURNAL_ENOSPC_AFTER (each opening of the journal may take
 * that many bytes).  journal_full_tmpfs puts the journal on a real 512 KiB
 * tmpfs beside a 256 KiB file; removing the file frees the space.  It needs
 * root and permission to mount, and skips, saying so, without them.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine/journal/journal.h"
#include "ipc/codec.h"
#include "ipc/protocol.h"
#include "tests/integration/itest.h"

static const char *tranched;

#define MAXN 20000

struct seen {
	uint64_t fill_seq[MAXN];
	size_t nfills;
	uint64_t fills_at_resume;
	int crit, halted_blocks, beat_halted;
	/* Throttles: id number -> pct, and how each was answered. */
	int ok_pct[MAXN], refused[MAXN];
	int nthr;
	int last_ok;           /* index of the last throttle answered ok */
	/* The pct in force: the last ok, or one whose own record failed (it
	 * was carried out, and stands once the journal is resumed). */
	int effective, carried;
	int carried_k;         /* that throttle's number, or -1 */
	/* What the resume said was published while halted, not journaled. */
	uint64_t gap_from, gap_to;
	char refusal[600];
};

struct jfile {
	uint64_t *seqs;
	size_t nseqs;
	char **ok_ids;
	size_t nok;
};

static void
drain(struct itest_engine *e, struct seen *sn)
{
	struct ipc_event ev;
	char err[128];
	const char *str;

	while (ipc_client_next_event(e->c, &ev, err, sizeof err) == 1) {
		if (strcmp(ev.topic, TOPIC_FILL) == 0 && sn->nfills < MAXN)
			sn->fill_seq[sn->nfills++] = ev.seq;
		else if (strcmp(ev.topic, TOPIC_ALERT) == 0 &&
		    ipc_get_str(ev.json, "sev", &str) == 0 &&
		    strcmp(str, "crit") == 0 &&
		    ipc_get_str(ev.json, "code", &str) == 0 &&
		    strcmp(str, "journal") == 0) {
			ipc_get_str(ev.json, "text", &str);
			assert_non_null(strstr(str, "cannot be journaled"));
			sn->crit++;
		} else if (strcmp(ev.topic, TOPIC_BLOCK) == 0 &&
		    ipc_get_str(ev.json, "state", &str) == 0 &&
		    strcmp(str, "JOURNAL-HALTED") == 0)
			sn->halted_blocks++;
		else if (strcmp(ev.topic, TOPIC_HEARTBEAT) == 0 &&
		    ipc_get_str(ev.json, "journal", &str) == 0 &&
		    strcmp(str, "halted") == 0)
			sn->beat_halted++;
		ipc_event_free(&ev);
	}
}

/* One throttle with its own id and pct; 1 ok, 0 journal_unavailable. */
static int
throttle(struct itest_engine *e, struct seen *sn)
{
	char req[160];
	int k = sn->nthr++, pct = 5 + k % 90;
	cJSON *r;
	const char *msg = "";

	assert_true(k < MAXN);
	snprintf(req, sizeof req, "{\"cmd\":\"throttle\",\"id\":\"thr-%d\","
	    "\"pct\":%d,\"reason\":\"disk test\"}", k, pct);
	r = itest_cmd(e, req);
	assert_non_null(r);
	if (itest_ok(r)) {
		sn->ok_pct[k] = pct;
		sn->last_ok = k;
		sn->effective = pct;
		cJSON_Delete(r);
		return 1;
	}
	assert_string_equal(itest_err(r), ERR_JOURNAL);
	ipc_get_str(cJSON_GetObjectItem(r, "error"), "message", &msg);
	snprintf(sn->refusal, sizeof sn->refusal, "%s", msg);
	/* 1: not carried out; 2: carried out, its record not durable. */
	sn->refused[k] = strstr(msg, "was not carried out") != NULL ? 1 : 2;
	/* Which the error says in a member too, for clients that do not
	 * read its words. */
	if ((sn->refused[k] == 2) != cJSON_IsTrue(cJSON_GetObjectItem(
	    cJSON_GetObjectItem(r, "error"), "carried_out")))
		fail_msg("\"carried_out\" does not agree with the words: %s",
		    cJSON_PrintUnformatted(r));
	if (sn->refused[k] == 2) {
		sn->carried = pct;
		sn->carried_k = k;
	}
	cJSON_Delete(r);
	return 0;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The journal as it is on disk: the event seqs, and the ids of commands
 * journaled as accepted.  A torn tail (the failed write) ends it. */
static void
jfile_read(const char *path, struct jfile *jf)
{
	struct jrnl_reader *r;
	struct jrnl_rec rec;
	size_t cap = 0, capid = 0;
	int rv;

	memset(jf, 0, sizeof *jf);
	assert_int_equal(jrnl_reader_open(&r, path, NULL), 0);
	while ((rv = jrnl_next(r, &rec)) == 1) {
		if (rec.kind == JRNL_EVENT) {
			struct ipc_event ev;
			char err[128];

			assert_int_equal(ipc_event_parse(rec.data, rec.len, &ev,
			    err, sizeof err), 0);
			if (jf->nseqs == cap) {
				cap = cap ? cap * 2 : 4096;
				jf->seqs = realloc(jf->seqs, cap * sizeof *jf->seqs);
				assert_non_null(jf->seqs);
			}
			jf->seqs[jf->nseqs++] = ev.seq;
			ipc_event_free(&ev);
		} else if (rec.kind == JRNL_COMMAND) {
			cJSON *o = cJSON_ParseWithLength((const char *)rec.data,
			    rec.len);
			const char *id = NULL;

			assert_non_null(o);
			if (ipc_get_str(cJSON_GetObjectItem(o, "req"), "id",
			    &id) == 0 && itest_ok(cJSON_GetObjectItem(o, "rep"))) {
				if (jf->nok == capid) {
					capid = capid ? capid * 2 : 256;
					jf->ok_ids = realloc(jf->ok_ids, capid *
					    sizeof *jf->ok_ids);
					assert_non_null(jf->ok_ids);
				}
				jf->ok_ids[jf->nok++] = strdup(id);
			}
			cJSON_Delete(o);
		}
	}
	assert_true(rv == 0 || rv == JRNL_ETORN);
	jrnl_reader_close(r);
	qsort(jf->seqs, jf->nseqs, sizeof *jf->seqs, cmp_u64);
}

static int
jfile_has_ok(const struct jfile *jf, const char *id)
{
	for (size_t i = 0; i < jf->nok; i++)
		if (strcmp(jf->ok_ids[i], id) == 0)
			return 1;
	return 0;
}

static void
jfile_free(struct jfile *jf)
{
	for (size_t i = 0; i < jf->nok; i++)
		free(jf->ok_ids[i]);
	free(jf->ok_ids);
	free(jf->seqs);
}

/* Nothing acknowledged that is not on disk, nothing refused that is.  All
 * are counted before failing, so a failure says how much was lost. */
static void
check_durable(const char *journal, const struct seen *sn)
{
	struct jfile jf;
	char id[32];
	size_t lost_fills = 0, first = 0;
	int nok = 0, lost_ok = 0, kept_refused = 0;

	jfile_read(journal, &jf);
	for (size_t i = 0; i < sn->nfills; i++)
		if (bsearch(&sn->fill_seq[i], jf.seqs, jf.nseqs, sizeof *jf.seqs,
		    cmp_u64) == NULL && lost_fills++ == 0)
			first = i;
	for (int k = 0; k < sn->nthr; k++) {
		snprintf(id, sizeof id, "thr-%d", k);
		nok += sn->ok_pct[k] != 0;
		if (sn->ok_pct[k] && !jfile_has_ok(&jf, id))
			lost_ok++;
		if (sn->refused[k] == 1 && jfile_has_ok(&jf, id))
			kept_refused++;
	}
	jfile_free(&jf);
	if (lost_fills > 0)
		fail_msg("%zu of %zu fills published are not in the journal (the "
		    "first: seq %llu); %d of %d throttles answered ok are not "
		    "either", lost_fills, sn->nfills,
		    (unsigned long long)sn->fill_seq[first], lost_ok, nok);
	if (lost_ok > 0)
		fail_msg("%d of %d throttles answered ok are not in the journal",
		    lost_ok, nok);
	if (kept_refused > 0)
		fail_msg("%d throttles answered journal_unavailable are journaled "
		    "as accepted", kept_refused);
}

/* After a resume the journal has every event up to the halt -- the
 * records the failed write lost were written again -- and none of those
 * the resume named as published while halted. */
static void
check_no_hole(const char *journal, const struct seen *sn)
{
	struct jfile jf;

	jfile_read(journal, &jf);
	assert_true(jf.nseqs > 0);
	/* From the first journaled event: what the engine says before its
	 * journal is open (the scenario's orders) was never in it. */
	for (uint64_t q = jf.seqs[0]; q < sn->gap_from; q++)
		if (bsearch(&q, jf.seqs, jf.nseqs, sizeof *jf.seqs,
		    cmp_u64) == NULL)
			fail_msg("seq %llu (before the halt at %llu) is not in the "
			    "resumed journal", (unsigned long long)q,
			    (unsigned long long)sn->gap_from);
	for (uint64_t q = sn->gap_from; q <= sn->gap_to; q++)
		if (bsearch(&q, jf.seqs, jf.nseqs, sizeof *jf.seqs,
		    cmp_u64) != NULL)
			fail_msg("seq %llu was published while halted but is in "
			    "the journal", (unsigned long long)q);
	jfile_free(&jf);
}

/* Trade and throttle until the engine is halted (at most 20 s). */
static void
run_until_halted(struct itest_engine *e, const char *journal,
                 struct seen *sn)
{
	long long t0 = itest_now_ms();
	int refused = 0;

	while (itest_now_ms() - t0 < 20000 && !refused) {
		drain(e, sn);
		refused = !throttle(e, sn);
		usleep(20000);
	}
	/* An engine that never halts must at least have kept it all. */
	if (!refused)
		check_durable(journal, sn);
	if (!refused)
		fail_msg("the engine never refused a throttle in 20 s (%zu fills "
		    "published, %d throttles ok)", sn->nfills, sn->nthr);
	/* The alert and the halted blocks follow within a pass or two, and a
	 * heartbeat a second later (10 s: room for a loaded machine). */
	for (t0 = itest_now_ms(); itest_now_ms() - t0 < 10000 &&
	    (sn->crit == 0 || sn->halted_blocks == 0 || sn->beat_halted == 0);)
		drain(e, sn);
}

static void
check_halted(struct itest_engine *e, const struct seen *sn)
{
	cJSON *r, *b;
	const char *st = NULL;

	assert_true(sn->crit > 0);
	assert_true(sn->halted_blocks > 0);
	assert_true(sn->beat_halted > 0);
	if (strstr(sn->refusal, "No space left on device (errno 28)") == NULL)
		fail_msg("refusal does not name ENOSPC: %s", sn->refusal);
	/* A read still works, and says so. */
	r = itest_cmd(e, "{\"cmd\":\"status\"}");
	assert_true(itest_ok(r));
	assert_int_equal(ipc_get_str(r, "state", &st), 0);
	assert_string_equal(st, "JOURNAL-HALTED");
	assert_int_equal(ipc_get_str(r, "journal", &st), 0);
	assert_string_equal(st, "halted");
	cJSON_ArrayForEach(b, cJSON_GetObjectItem(r, "blocks")) {
		assert_int_equal(ipc_get_str(b, "state", &st), 0);
		if (strcmp(st, "DONE") != 0 && strcmp(st, "CANCELLED") != 0 &&
		    strcmp(st, "EXPIRED") != 0)
			assert_string_equal(st, "JOURNAL-HALTED");
	}
	cJSON_Delete(r);
	r = itest_cmd(e, "{\"cmd\":\"snapshot\"}");
	assert_true(itest_ok(r));
	cJSON_Delete(r);
}

static void
resume_ok(struct itest_engine *e, struct seen *sn)
{
	cJSON *r;
	long long t0;
	const char *st = NULL;
	char again[160];

	/* A throttle carried out whose record the disk refused, sent again
	 * under its id: while halted, the same answer (not durable). */
	if (sn->carried_k >= 0) {
		snprintf(again, sizeof again, "{\"cmd\":\"throttle\",\"id\":"
		    "\"thr-%d\",\"pct\":%d,\"reason\":\"disk test\"}",
		    sn->carried_k, 5 + sn->carried_k % 90);
		r = itest_cmd(e, again);
		assert_string_equal(itest_err(r), ERR_JOURNAL);
		cJSON_Delete(r);
	}
	/* A reason is required, as for every change. */
	r = itest_cmd(e, "{\"cmd\":\"journal_resume\"}");
	assert_string_equal(itest_err(r), ERR_FIELD);
	cJSON_Delete(r);
	r = itest_cmd(e, "{\"cmd\":\"journal_resume\",\"reason\":\"space "
	    "freed\"}");
	if (!itest_ok(r)) {
		char *txt = cJSON_PrintUnformatted(r);

		fail_msg("journal_resume refused: %s", txt);
	}
	assert_int_equal(ipc_get_str(r, "state", &st), 0);
	assert_string_not_equal(st, "JOURNAL-HALTED");
	{
		const cJSON *g = cJSON_GetObjectItem(r, "unjournaled_seq");

		assert_int_equal(cJSON_GetArraySize(g), 2);
		sn->gap_from = (uint64_t)cJSON_GetArrayItem(g, 0)->valuedouble;
		sn->gap_to = (uint64_t)cJSON_GetArrayItem(g, 1)->valuedouble;
		assert_true(sn->gap_from > 1 && sn->gap_from <= sn->gap_to + 1);
	}
	cJSON_Delete(r);
	/* Once resumed the command is on disk: the same id is answered as
	 * done, not "not durable" any more (found by a probe: the stale
	 * answer pushed a client to submit again under a new id). */
	if (sn->carried_k >= 0) {
		r = itest_cmd(e, again);
		if (!itest_ok(r))
			fail_msg("throttle thr-%d sent again after the resume: %s",
			    sn->carried_k, cJSON_PrintUnformatted(r));
		cJSON_Delete(r);
		fprintf(stderr, "journal full: throttle thr-%d, carried out and "
		    "not durable, answered ok once resumed\n", sn->carried_k);
		sn->carried_k = -1;
	} else
		fprintf(stderr, "journal full: no throttle was carried out "
		    "without its record this time\n");
	if (sn->carried != 0)
		sn->effective = sn->carried;
	sn->carried = 0;
	/* Trading goes on: new fills come. */
	drain(e, sn);
	sn->fills_at_resume = sn->nfills;
	for (t0 = itest_now_ms(); itest_now_ms() - t0 < 10000 &&
	    sn->nfills < sn->fills_at_resume + 5;) {
		usleep(50000);
		drain(e, sn);
	}
	if (sn->nfills < sn->fills_at_resume + 5)
		fail_msg("after journal_resume only %zu new fills in 10 s",
		    sn->nfills - (size_t)sn->fills_at_resume);
}

/* Copy a file (the journal, before itest_stop removes its directory). */
static void
copy_file(const char *from, const char *to)
{
	char cmd[900];

	snprintf(cmd, sizeof cmd, "cp '%s' '%s'", from, to);
	assert_int_equal(system(cmd), 0);
}

/* Restart on the journal: the acknowledged throttles, nothing else. */
static void
check_recovery(const char *journal, const struct seen *sn)
{
	struct itest_engine e;
	char jarg[400], req[160];
	cJSON *r, *b;
	double pov = -1;

	snprintf(jarg, sizeof jarg, "--journal=%s", journal);
	assert_int_equal(itest_start(&e, tranched, jarg, "--speed", "1",
	    NULL), 0);
	r = itest_cmd(&e, "{\"cmd\":\"status\"}");
	assert_true(itest_ok(r));
	cJSON_ArrayForEach(b, cJSON_GetObjectItem(r, "blocks"))
		ipc_get_num(b, "max_pov", &pov);
	cJSON_Delete(r);
	if (pov != sn->effective)
		fail_msg("recovered max_pov %g, but the throttles acknowledged "
		    "left %d (the last answered ok: thr-%d, %d)", pov,
		    sn->effective, sn->last_ok, sn->ok_pct[sn->last_ok]);
	/* Its id is remembered: the same request again (a REQ resend) gets
	 * the first answer.  Another body under the same id would be
	 * id_reused: ids are per principal, and "itest" is the same one. */
	snprintf(req, sizeof req, "{\"cmd\":\"throttle\",\"id\":\"thr-%d\","
	    "\"pct\":%d,\"reason\":\"disk test\"}", sn->last_ok,
	    sn->ok_pct[sn->last_ok]);
	r = itest_cmd(&e, req);
	if (!itest_ok(r))
		fail_msg("resent %s: %s", req, itest_err(r));
	cJSON_Delete(r);
	assert_int_equal(itest_stop(&e), 0);
}

static void
journal_full_fault(void **state)
{
	struct itest_engine e;
	struct seen *sn = calloc(1, sizeof *sn);
	char keep[] = "/tmp/tranche-jfull-XXXXXX", copy[300];

	(void)state;
	assert_non_null(sn);
	sn->carried_k = -1;
	assert_non_null(mkdtemp(keep));
	setenv("TRANCHE_FAULT_JOURNAL_ENOSPC_AFTER", "150000", 1);
	assert_int_equal(itest_start(&e, tranched, "--speed", "600", NULL), 0);
	unsetenv("TRANCHE_FAULT_JOURNAL_ENOSPC_AFTER");
	run_until_halted(&e, e.journal, sn);
	check_halted(&e, sn);
	check_durable(e.journal, sn);
	/* Reopening gives the journal a new budget: space "freed". */
	resume_ok(&e, sn);
	sn->crit = sn->halted_blocks = sn->beat_halted = 0;
	run_until_halted(&e, e.journal, sn);
	check_halted(&e, sn);
	check_durable(e.journal, sn);
	check_no_hole(e.journal, sn);
	snprintf(copy, sizeof copy, "%s/session.trj", keep);
	copy_file(e.journal, copy);
	/* Stopped while halted: never exit 0. */
	assert_int_equal(itest_stop(&e), 3);
	check_recovery(copy, sn);
	unlink(copy);
	rmdir(keep);
	free(sn);
}

static void
journal_full_tmpfs(void **state)
{
	struct itest_engine e;
	struct seen *sn;
	char dir[] = "/tmp/tranche-tmpfs-XXXXXX", path[300], jarg[320];
	char copy[300], filler[300];
	FILE *f;
	cJSON *r;

	(void)state;
	assert_non_null(mkdtemp(dir));
	if (mount("tmpfs", dir, "tmpfs", 0, "size=512k,mode=0700") != 0) {
		fprintf(stderr, "journal_full_tmpfs: skipped: cannot mount a "
		    "tmpfs on %s: %s (needs root and CAP_SYS_ADMIN)\n", dir,
		    strerror(errno));
		rmdir(dir);
		skip();
	}
	assert_non_null(sn = calloc(1, sizeof *sn));
	sn->carried_k = -1;
	/* Half the disk is taken by a file a supervisor can remove. */
	snprintf(filler, sizeof filler, "%s/filler", dir);
	assert_non_null(f = fopen(filler, "w"));
	for (int i = 0; i < 256; i++) {
		char kib[1024];

		memset(kib, 'x', sizeof kib);
		assert_int_equal(fwrite(kib, 1, sizeof kib, f), sizeof kib);
	}
	assert_int_equal(fclose(f), 0);
	snprintf(path, sizeof path, "%s/session.trj", dir);
	snprintf(jarg, sizeof jarg, "--journal=%s", path);
	assert_int_equal(itest_start(&e, tranched, jarg, "--speed", "600",
	    NULL), 0);
	run_until_halted(&e, path, sn);
	check_halted(&e, sn);
	check_durable(path, sn);
	/* Still full: the resume is refused and nothing changes. */
	r = itest_cmd(&e, "{\"cmd\":\"journal_resume\",\"reason\":\"too "
	    "early\"}");
	assert_string_equal(itest_err(r), ERR_JOURNAL);
	cJSON_Delete(r);
	r = itest_cmd(&e, "{\"cmd\":\"status\"}");
	assert_true(itest_ok(r));
	assert_string_equal(cJSON_GetObjectItem(r, "state")->valuestring,
	    "JOURNAL-HALTED");
	cJSON_Delete(r);
	assert_int_equal(unlink(filler), 0);
	resume_ok(&e, sn);
	sn->crit = sn->halted_blocks = sn->beat_halted = 0;
	run_until_halted(&e, path, sn);
	check_halted(&e, sn);
	check_durable(path, sn);
	check_no_hole(path, sn);
	snprintf(copy, sizeof copy, "%s.trj", dir);
	copy_file(path, copy);
	assert_int_equal(itest_stop(&e), 3);
	if (umount(dir) != 0)
		fail_msg("umount %s: %s", dir, strerror(errno));
	rmdir(dir);
	check_recovery(copy, sn);
	unlink(copy);
	free(sn);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(journal_full_fault),
		cmocka_unit_test(journal_full_tmpfs),
	};

	if (argc < 2) {
		fprintf(stderr, "usage: %s TRANCHED\n", argv[0]);
		return 2;
	}
	tranched = argv[1];
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
