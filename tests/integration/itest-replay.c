/*
 * tests/integration/itest-replay.c -- `tranched replay JOURNAL`.
 *
 * replay_serves_a_recorded_session: a short session is recorded, then
 *   served by `tranched replay` at high speed; two clients attach, both
 *   say hello (the answer says replay), events arrive in order with the
 *   journal's own seqs and bytes, a pause is refused with ERR_STATE
 *   "read-only replay", and a snapshot is answered.
 *
 * replay_answers_by_the_command_table: the replay answers through the
 *   engine's own dispatcher and command table.  Every command that changes
 *   something is refused "read-only replay" -- journal_resume too, which
 *   the replay's own list once missed and answered "unknown" -- a read it
 *   does not serve (estimate) is refused naming what it does serve, an
 *   unknown command's error lists every command of the table, a hello with
 *   a role that is none is refused (the replay once echoed any role back),
 *   and none of these refusals becomes an event of the replayed stream.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine/journal/journal.h"
#include "ipc/protocol.h"
#include "tests/integration/itest.h"

static const char *tranched;

static cJSON *
req_on(struct ipc_client *c, const char *json)
{
	cJSON *req = cJSON_Parse(json), *rep = NULL;

	for (int i = 0; i < 100 && rep == NULL; i++)
		if (ipc_client_request(c, req, &rep, 200) != 0)
			rep = NULL;
	cJSON_Delete(req);
	assert_non_null(rep);
	return rep;
}

static void
replay_serves_a_recorded_session(void **state)
{
	struct itest_engine e;
	struct ipc_client *c1, *c2;
	struct jrnl_reader *rd;
	struct jrnl_rec rec;
	char url[400], listen[420], jpath[300];
	uint64_t *seqs = NULL, last = 0;
	size_t nseq = 0, cap = 0, got = 0;
	pid_t pid;
	cJSON *r;
	int st;

	assert_int_equal(itest_start(&e, tranched, "--seed=4", "--speed=max",
	    "--exit-when-done", (char *)NULL), 0);
	assert_int_equal(itest_wait_exit(&e, 120000), 0);
	snprintf(jpath, sizeof jpath, "%s", e.journal);
	/* The journal's event seqs, in order. */
	assert_int_equal(jrnl_reader_open(&rd, jpath, NULL), 0);
	while (jrnl_next(rd, &rec) == 1) {
		struct ipc_event ev;
		char err[64];

		if (rec.kind != JRNL_EVENT ||
		    ipc_event_parse(rec.data, rec.len, &ev, err, sizeof err) != 0)
			continue;
		if (nseq == cap) {
			cap = cap ? cap * 2 : 1024;
			seqs = realloc(seqs, cap * sizeof *seqs);
		}
		seqs[nseq++] = ev.seq;
		ipc_event_free(&ev);
	}
	jrnl_reader_close(rd);
	assert_true(nseq > 100);

	snprintf(url, sizeof url, "ipc://%s/replay", e.dir);
	snprintf(listen, sizeof listen, "--listen=%s", url);
	char *argv[] = { (char *)tranched, "replay", jpath, "--speed=2000",
	    listen, NULL };
	assert_true((pid = itest_spawn(tranched, argv)) > 0);
	assert_int_equal(ipc_client_open(&c1, url, NULL, "replay-1"), 0);
	assert_int_equal(ipc_client_open(&c2, url, NULL, "replay-2"), 0);
	r = req_on(c1, "{\"cmd\":\"hello\",\"role\":\"trader\",\"v\":3}");
	assert_true(itest_ok(r));
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(r, "replay")));
	cJSON_Delete(r);
	r = req_on(c2, "{\"cmd\":\"hello\",\"role\":\"viewer\",\"v\":3}");
	assert_true(itest_ok(r));
	cJSON_Delete(r);
	r = req_on(c1, "{\"cmd\":\"pause\",\"reason\":\"no\"}");
	assert_string_equal(itest_err(r), ERR_STATE);
	assert_non_null(strstr(cJSON_GetObjectItem(cJSON_GetObjectItem(r,
	    "error"), "message")->valuestring, "read-only replay"));
	cJSON_Delete(r);
	/* Events: in order, each seq one the journal has, in its order. */
	size_t k = 0;
	for (long long t0 = itest_now_ms(); itest_now_ms() - t0 < 30000;) {
		struct ipc_event ev;

		if (ipc_client_wait_event(c1, &ev, 500) != 1) {
			if (got > 0)
				break;
			continue;
		}
		assert_true(ev.seq > last);
		last = ev.seq;
		while (k < nseq && seqs[k] != ev.seq)
			k++;
		assert_true(k < nseq);
		got++;
		ipc_event_free(&ev);
	}
	fprintf(stderr, "replay: %zu of %zu events received in order\n", got,
	    nseq);
	assert_true(got > nseq / 2);
	r = req_on(c2, "{\"cmd\":\"snapshot\"}");
	assert_true(itest_ok(r));
	assert_true(cJSON_GetObjectItem(r, "seq")->valuedouble > 0);
	assert_true(cJSON_GetArraySize(cJSON_GetObjectItem(r, "blocks")) > 0);
	cJSON_Delete(r);
	ipc_client_close(c1);
	ipc_client_close(c2);
	kill(pid, SIGTERM);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	free(seqs);
	itest_stop(&e);
}


static void
replay_answers_by_the_command_table(void **state)
{
	static const char *const changes[] = {
		CMD_SUBMIT, CMD_PAUSE, CMD_RESUME, CMD_THROTTLE, CMD_OVERRIDE,
		CMD_CANCEL, CMD_ACK, CMD_KILL, CMD_RELEASE, CMD_SPEED,
		CMD_JOURNAL_RESUME,
	};
	static const char *const all[] = {
		CMD_HELLO, CMD_STATUS, CMD_SNAPSHOT, CMD_ESTIMATE, CMD_SUBMIT,
		CMD_PAUSE, CMD_RESUME, CMD_THROTTLE, CMD_OVERRIDE, CMD_CANCEL,
		CMD_ACK, CMD_KILL, CMD_RELEASE, CMD_SPEED, CMD_JOURNAL_RESUME,
	};
	struct itest_engine e;
	struct ipc_client *c;
	char url[400], listen[420], jpath[300], req[200];
	uint64_t last = 0;
	pid_t pid;
	cJSON *r;
	int st;

	/* A quarter of an hour of the default session is enough to replay.  At
	 * 600x it lasts 1.5 s of wall time: flat out it could end, and exit,
	 * before itest_start's first question was answered (seen in CI:
	 * "tranched exited before answering"). */
	assert_int_equal(itest_start(&e, tranched, "--seed=2", "--speed=600",
	    "--exit-when-done", "--set=orders.0.end=09:45:00", (char *)NULL),
	    0);
	assert_int_equal(itest_wait_exit(&e, 120000), 0);
	snprintf(jpath, sizeof jpath, "%s", e.journal);
	snprintf(url, sizeof url, "ipc://%s/replay-t", e.dir);
	snprintf(listen, sizeof listen, "--listen=%s", url);
	/* Slow enough that events are still coming while it is asked. */
	char *argv[] = { (char *)tranched, "replay", jpath, "--speed=20",
	    listen, NULL };
	assert_true((pid = itest_spawn(tranched, argv)) > 0);
	assert_int_equal(ipc_client_open(&c, url, NULL, "replay-t"), 0);
	r = req_on(c, "{\"cmd\":\"hello\",\"role\":\"admin\",\"v\":3}");
	assert_string_equal(itest_err(r), ERR_FIELD);
	assert_non_null(strstr(itest_errmsg(r), "role"));
	cJSON_Delete(r);
	r = req_on(c, "{\"cmd\":\"hello\",\"role\":\"supervisor\","
	    "\"v\":3}");
	assert_true(itest_ok(r));
	cJSON_Delete(r);
	for (size_t i = 0; i < sizeof changes / sizeof changes[0]; i++) {
		snprintf(req, sizeof req, "{\"cmd\":\"%s\",\"reason\":\"no\"}",
		    changes[i]);
		r = req_on(c, req);
		if (strcmp(itest_err(r), ERR_STATE) != 0 ||
		    strstr(itest_errmsg(r), "read-only replay") == NULL)
			fail_msg("%s in a replay: %s %s", changes[i], itest_err(r),
			    itest_errmsg(r));
		cJSON_Delete(r);
	}
	r = req_on(c, "{\"cmd\":\"estimate\",\"sym\":\"QDI\",\"side\":"
	    "\"buy\",\"qty\":100}");
	assert_string_equal(itest_err(r), ERR_STATE);
	assert_non_null(strstr(itest_errmsg(r), "hello, status, snapshot"));
	cJSON_Delete(r);
	r = req_on(c, "{\"cmd\":\"nosuch\"}");
	assert_string_equal(itest_err(r), ERR_UNKNOWN);
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		if (strstr(itest_errmsg(r), all[i]) == NULL)
			fail_msg("known list without %s: %s", all[i], itest_errmsg(r));
	cJSON_Delete(r);
	r = req_on(c, "{\"cmd\":\"status\"}");
	assert_true(itest_ok(r));
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(r, "replay")));
	cJSON_Delete(r);
	/* Nothing the refusals did went out as an event: every event is the
	 * journal's, in order, none an audit of a refusal. */
	for (long long t0 = itest_now_ms(); itest_now_ms() - t0 < 3000;) {
		struct ipc_event ev;

		if (ipc_client_wait_event(c, &ev, 200) != 1)
			continue;
		assert_true(ev.seq > last);
		last = ev.seq;
		if (strcmp(ev.topic, TOPIC_AUDIT) == 0)
			fail_msg("an audit event in the replay: seq %llu",
			    (unsigned long long)ev.seq);
		ipc_event_free(&ev);
	}
	assert_true(last > 0);
	ipc_client_close(c);
	kill(pid, SIGTERM);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	itest_stop(&e);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(replay_serves_a_recorded_session),
		cmocka_unit_test(replay_answers_by_the_command_table),
	};

	if (argc < 2) {
		fprintf(stderr, "usage: itest-replay TRANCHED\n");
		return 2;
	}
	tranched = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
