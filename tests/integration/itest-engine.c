/*
 * tests/integration/itest-engine.c -- the real tranched driven over NNG.
 *
 * engine_pause_stops_children_and_block_finishes: subscribe, pause, prove
 *   that no child order and no fill is published while paused (by sequence
 *   number, with no gap in the window), resume, and see the block finish
 *   with filled + remaining = 500,000;
 * engine_repeated_id_runs_once: a command id sent twice is executed once
 *   and answered twice with the same answer, even after other commands;
 * engine_refuses_malformed_input: garbage bytes, invalid JSON, a non-object,
 *   deep nesting, an oversized message, an unknown command, a negative or
 *   missing throttle, a missing reason, an unknown block -- each gets an
 *   error reply naming the problem, and the engine keeps answering.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>

#include "ipc/nngclose.h"
#include "ipc/protocol.h"
#include "tests/integration/itest.h"

static const char *tranched;

static int64_t
ev_int(const struct ipc_event *ev, const char *name)
{
	int64_t v = -1;

	ipc_get_i64(ev->json, name, &v);
	return v;
}

static const char *
ev_str(const struct ipc_event *ev, const char *name)
{
	const char *v = "";

	ipc_get_str(ev->json, name, &v);
	return v;
}

static void
engine_pause_stops_children_and_block_finishes(void **state)
{
	struct itest_engine e;
	struct ipc_event ev;
	cJSON *r;
	int64_t pause_seq, last_seq = -1;
	int children_before = 0, violations = 0, gaps = 0, done = 0;
	int64_t filled = -1, remaining = -1;

	assert_int_equal(itest_start(&e, tranched, "--speed=600",
	    "--exit-when-done", NULL), 0);
	/* Let the block work a while: wait for a few child orders. */
	for (long long t0 = itest_now_ms(); children_before < 3 &&
	    itest_now_ms() - t0 < 20000;) {
		if (ipc_client_wait_event(e.c, &ev, 500) == 1) {
			if (strcmp(ev.topic, TOPIC_CHILD) == 0 &&
			    strcmp(ev_str(&ev, "status"), "cancelled") != 0)
				children_before++;
			ipc_event_free(&ev);
		}
	}
	assert_true(children_before >= 3);

	r = itest_cmd(&e, "{\"cmd\":\"pause\",\"reason\":\"itest: news\"}");
	assert_true(itest_ok(r));
	assert_string_equal(cJSON_GetObjectItem(r, "state")->valuestring,
	    "PAUSED");
	pause_seq = (int64_t)cJSON_GetObjectItem(r, "seq")->valuedouble;
	cJSON_Delete(r);

	/* Two wall seconds at 600x is twenty simulated minutes: twenty
	 * decisions would have been made.  None may send a child. */
	for (long long t0 = itest_now_ms(); itest_now_ms() - t0 < 2000;) {
		if (ipc_client_wait_event(e.c, &ev, 200) != 1)
			continue;
		if ((int64_t)ev.seq > pause_seq) {
			if (last_seq >= 0 && (int64_t)ev.seq != last_seq + 1)
				gaps++;
			last_seq = (int64_t)ev.seq;
			if ((strcmp(ev.topic, TOPIC_CHILD) == 0 &&
			    strcmp(ev_str(&ev, "status"), "cancelled") != 0) ||
			    strcmp(ev.topic, TOPIC_FILL) == 0) {
				fprintf(stderr, "published while paused: seq %llu %s\n",
				    (unsigned long long)ev.seq, ev.topic);
				violations++;
			}
		}
		ipc_event_free(&ev);
	}
	assert_int_equal(violations, 0);
	assert_int_equal(gaps, 0);
	assert_true(last_seq > pause_seq); /* heartbeats, books: we saw the window */

	r = itest_cmd(&e, "{\"cmd\":\"status\"}");
	assert_true(itest_ok(r));
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(
	    cJSON_GetObjectItem(r, "blocks"), 0), "state")->valuestring, "PAUSED");
	cJSON_Delete(r);

	r = itest_cmd(&e, "{\"cmd\":\"resume\",\"reason\":\"itest: calm again\"}");
	assert_true(itest_ok(r));
	cJSON_Delete(r);

	for (long long t0 = itest_now_ms(); !done && itest_now_ms() - t0 < 60000;) {
		if (ipc_client_wait_event(e.c, &ev, 500) != 1)
			continue;
		if (strcmp(ev.topic, TOPIC_BLOCK) == 0) {
			filled = ev_int(&ev, "filled");
			remaining = ev_int(&ev, "remaining");
			done = strcmp(ev_str(&ev, "state"), "DONE") == 0;
		}
		ipc_event_free(&ev);
	}
	assert_true(done);
	assert_int_equal(filled + remaining, 500000);
	assert_int_equal(filled, 500000);
	assert_int_equal(itest_wait_exit(&e, 10000), 0);
	itest_stop(&e);
}

static void
engine_repeated_id_runs_once(void **state)
{
	struct itest_engine e;
	cJSON *r1, *r2, *r3;
	char *a, *b;

	assert_int_equal(itest_start(&e, tranched, "--speed=60", NULL), 0);
	r1 = itest_cmd(&e, "{\"cmd\":\"pause\",\"id\":\"dup-1\",\"reason\":\"x\"}");
	assert_true(itest_ok(r1));
	r2 = itest_cmd(&e, "{\"cmd\":\"resume\",\"id\":\"dup-2\",\"reason\":\"x\"}");
	assert_true(itest_ok(r2));
	/* The same id again: the first answer, and no second pause. */
	r3 = itest_cmd(&e, "{\"cmd\":\"pause\",\"id\":\"dup-1\",\"reason\":\"x\"}");
	a = cJSON_PrintUnformatted(r1);
	b = cJSON_PrintUnformatted(r3);
	assert_string_equal(a, b);
	cJSON_free(a);
	cJSON_free(b);
	cJSON_Delete(r1);
	cJSON_Delete(r2);
	cJSON_Delete(r3);
	r1 = itest_cmd(&e, "{\"cmd\":\"status\"}");
	assert_string_equal(cJSON_GetObjectItem(r1, "state")->valuestring, "LIVE");
	cJSON_Delete(r1);
	assert_int_equal(itest_stop(&e), 0);
}

/* Send raw bytes on a REQ socket of our own (after a trader's hello on
 * the same pipe) and return the reply. */
static cJSON *
raw_request(const char *url, const void *buf, size_t len)
{
	static int n;
	char hello[128];
	nng_socket s;
	nng_msg *msg;
	cJSON *r = NULL;

	if (nng_req0_open(&s) != 0)
		return NULL;
	nng_socket_set_ms(s, NNG_OPT_RECVTIMEO, 3000);
	snprintf(hello, sizeof hello, "{\"cmd\":\"hello\",\"id\":\"raw-%d\","
	    "\"role\":\"trader\",\"v\":2}", ++n);
	if (nng_dial(s, url, NULL, 0) == 0 &&
	    nng_send(s, hello, strlen(hello), 0) == 0 &&
	    nng_recvmsg(s, &msg, 0) == 0) {
		nng_msg_free(msg);
	}
	if (nng_send(s, (void *)buf, len, 0) == 0 &&
	    nng_recvmsg(s, &msg, 0) == 0) {
		r = cJSON_ParseWithLength(nng_msg_body(msg), nng_msg_len(msg));
		nng_msg_free(msg);
	}
	ipc_nng_close(s, 2000);
	return r;
}

static void
expect_refusal(struct itest_engine *e, const void *buf, size_t len,
               const char *code, const char *needle)
{
	cJSON *r = raw_request(e->url, buf, len), *st;
	const cJSON *msg;

	assert_non_null(r);
	assert_false(itest_ok(r));
	assert_string_equal(itest_err(r), code);
	msg = cJSON_GetObjectItem(cJSON_GetObjectItem(r, "error"), "message");
	assert_true(cJSON_IsString(msg));
	if (strstr(msg->valuestring, needle) == NULL)
		fail_msg("error \"%s\" does not mention \"%s\"", msg->valuestring,
		    needle);
	cJSON_Delete(r);
	/* Still alive, still answering, nothing changed. */
	st = itest_cmd(e, "{\"cmd\":\"status\"}");
	assert_true(itest_ok(st));
	assert_string_equal(cJSON_GetObjectItem(st, "state")->valuestring, "LIVE");
	assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(st, "limits"),
	    "max_pov")->valuedouble, 100);
	cJSON_Delete(st);
}

static void
engine_refuses_malformed_input(void **state)
{
	struct itest_engine e;
	static const unsigned char garbage[] = { 0x00, 0xff, 0x13, 0x37, 0x80,
	    0x1b, '[', '2', 'J' };
	char *deep, *big;
	size_t n;

	assert_int_equal(itest_start(&e, tranched, "--speed=60", NULL), 0);
	expect_refusal(&e, garbage, sizeof garbage, ERR_PARSE, "not valid JSON");
	expect_refusal(&e, "{\"cmd\":\"pause\",", 15, ERR_PARSE, "not valid JSON");
	expect_refusal(&e, "[1,2,3]", 7, ERR_PARSE, "object");
	expect_refusal(&e, "{\"cmd\":\"pause\",\"reason\":\"r\"}", 28, ERR_FIELD,
	    "\"id\"");
	expect_refusal(&e, "{\"cmd\":\"frobnicate\",\"id\":\"m1\"}", 31,
	    ERR_UNKNOWN, "frobnicate");
	const char *neg = "{\"cmd\":\"throttle\",\"id\":\"m2\",\"pct\":-5,"
	    "\"reason\":\"r\"}";
	expect_refusal(&e, neg, strlen(neg), ERR_FIELD, "-5");
	const char *word = "{\"cmd\":\"throttle\",\"id\":\"m3\",\"pct\":\"lots\","
	    "\"reason\":\"r\"}";
	expect_refusal(&e, word, strlen(word), ERR_FIELD, "lots");
	const char *nopct = "{\"cmd\":\"throttle\",\"id\":\"m4\",\"reason\":\"r\"}";
	expect_refusal(&e, nopct, strlen(nopct), ERR_FIELD, "pct");
	const char *noreason = "{\"cmd\":\"throttle\",\"id\":\"m5\",\"pct\":5}";
	expect_refusal(&e, noreason, strlen(noreason), ERR_FIELD, "reason");
	const char *noblock = "{\"cmd\":\"cancel\",\"id\":\"m6\",\"block\":\"77\","
	    "\"reason\":\"r\"}";
	expect_refusal(&e, noblock, strlen(noblock), ERR_NOT_FOUND, "77");
	const char *badver = "{\"cmd\":\"hello\",\"id\":\"m7\",\"v\":99}";
	expect_refusal(&e, badver, strlen(badver), ERR_VERSION, "99");

	/* Nesting deeper than the limit. */
	deep = malloc(1000);
	n = 0;
	for (int i = 0; i < 200; i++)
		deep[n++] = '[';
	for (int i = 0; i < 200; i++)
		deep[n++] = ']';
	expect_refusal(&e, deep, n, ERR_TOO_BIG, "nested");
	free(deep);
	/* Over the size limit (but under NNG's, so it gets an answer). */
	n = TRANCHE_MAX_MSG + 1000;
	big = malloc(n);
	memset(big, ' ', n);
	big[0] = '{';
	big[n - 1] = '}';
	expect_refusal(&e, big, n, ERR_TOO_BIG, "limit");
	free(big);
	assert_int_equal(itest_stop(&e), 0);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(engine_pause_stops_children_and_block_finishes),
		cmocka_unit_test(engine_repeated_id_runs_once),
		cmocka_unit_test(engine_refuses_malformed_input),
	};

	if (argc < 2) {
		fprintf(stderr, "usage: itest-engine PATH-TO-TRANCHED\n");
		return 2;
	}
	tranched = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
