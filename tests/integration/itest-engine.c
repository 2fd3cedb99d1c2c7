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
 *   error reply naming the problem, and the engine keeps answering;
 * engine_trades_two_symbols: the program scenario (QDI and XYZ): status
 *   and the snapshot list both symbols and carry both books, "book" events
 *   come for each symbol at no more than 20 a second each, a submit on the
 *   second symbol is accepted and trades there, one on a symbol the engine
 *   does not trade is refused naming "sym", the value and the symbols.
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
	    "\"role\":\"trader\",\"v\":3}", ++n);
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
	/* 30 bytes: the terminating NUL would be a byte after the value. */
	expect_refusal(&e, "{\"cmd\":\"frobnicate\",\"id\":\"m1\"}", 30,
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
	/* Through the client library, a command over the limit is not sent:
	 * one over NNG's own (1 MiB) would never be answered, and the
	 * request would wait out its timeout.  It fails at once and says
	 * why, for 300 KiB as for 2 MiB, and the next command goes through. */
	for (size_t size = 300 * 1024; size < 4096 * 1024; size *= 7) {
		cJSON *req = cJSON_CreateObject(), *rep = NULL;
		char why[512];
		long long t0 = itest_now_ms();

		big = malloc(size + 1);
		memset(big, 'x', size);
		big[size] = '\0';
		cJSON_AddStringToObject(req, "cmd", "pause");
		cJSON_AddStringToObject(req, "block", "1");
		cJSON_AddStringToObject(req, "reason", big);
		free(big);
		assert_int_equal(ipc_client_request(e.c, req, &rep, 10000),
		    NNG_EMSGSIZE);
		assert_null(rep);
		assert_true(itest_now_ms() - t0 < 2000);
		assert_int_equal(ipc_client_problem(e.c, why, sizeof why), 1);
		if (strstr(why, "bytes: over the 262144 byte limit (too_big), "
		    "not sent") == NULL)
			fail_msg("problem: %s", why);
		cJSON_Delete(req);
		rep = itest_cmd(&e, "{\"cmd\":\"status\"}");
		assert_true(itest_ok(rep));
		assert_string_equal(cJSON_GetObjectItem(rep, "state")->valuestring,
		    "LIVE");
		cJSON_Delete(rep);
		assert_int_equal(ipc_client_problem(e.c, why, sizeof why), 0);
	}
	assert_int_equal(itest_stop(&e), 0);
}

static const char *
arr_str(const cJSON *a, int i)
{
	const cJSON *v = cJSON_GetArrayItem(a, i);

	return cJSON_IsString(v) ? v->valuestring : "";
}

static void
engine_trades_two_symbols(void **state)
{
	struct itest_engine e;
	struct ipc_event ev;
	const cJSON *books, *msg;
	cJSON *r;
	int nbook[2] = { 0, 0 }, ntrade[2] = { 0, 0 }, xyz_fills = 0, nbeat = 0;
	int64_t xyz_child_px = 0;
	long long t0, t1;

	assert_int_equal(itest_start(&e, tranched, "--scenario=program",
	    "--speed=60", NULL), 0);
	r = itest_cmd(&e, "{\"cmd\":\"status\"}");
	assert_true(itest_ok(r));
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(r, "syms")), 2);
	assert_string_equal(arr_str(cJSON_GetObjectItem(r, "syms"), 0), "QDI");
	assert_string_equal(arr_str(cJSON_GetObjectItem(r, "syms"), 1), "XYZ");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(r, "blocks")), 2);
	cJSON_Delete(r);
	r = itest_cmd(&e, "{\"cmd\":\"snapshot\"}");
	assert_true(itest_ok(r));
	books = cJSON_GetObjectItem(r, "books");
	assert_int_equal(cJSON_GetArraySize(books), 2);
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(books, 0),
	    "sym")->valuestring, "QDI");
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(books, 1),
	    "sym")->valuestring, "XYZ");
	/* Two markets, two prices: QDI near $100, XYZ near $50. */
	assert_true(cJSON_GetArrayItem(cJSON_GetArrayItem(cJSON_GetObjectItem(
	    cJSON_GetArrayItem(books, 1), "bids"), 0), 0)->valuedouble < 7500);
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(r, "book"),
	    "sym")->valuestring, "QDI");
	cJSON_Delete(r);

	/* Refused: a symbol nobody trades here.  Accepted: the second one. */
	r = itest_cmd(&e, "{\"cmd\":\"submit\",\"sym\":\"ABC\",\"side\":"
	    "\"buy\",\"qty\":1000,\"duration_s\":600,\"reason\":\"t\"}");
	assert_false(itest_ok(r));
	assert_string_equal(itest_err(r), ERR_FIELD);
	msg = cJSON_GetObjectItem(cJSON_GetObjectItem(r, "error"), "message");
	assert_non_null(strstr(msg->valuestring, "\"sym\" \"ABC\""));
	assert_non_null(strstr(msg->valuestring, "QDI, XYZ"));
	cJSON_Delete(r);
	r = itest_cmd(&e, "{\"cmd\":\"submit\",\"sym\":\"XYZ\",\"side\":"
	    "\"sell\",\"qty\":20000,\"duration_s\":600,\"urgency\":\"high\","
	    "\"reason\":\"t\"}");
	assert_true(itest_ok(r));
	assert_string_equal(cJSON_GetObjectItem(r, "block")->valuestring, "3");
	cJSON_Delete(r);

	/* Five wall seconds of events: books and prints of both symbols, and
	 * block 3's fills, in XYZ, at XYZ's prices. */
	t0 = itest_now_ms();
	while ((t1 = itest_now_ms()) - t0 < 5000) {
		int k;

		if (ipc_client_wait_event(e.c, &ev, 200) != 1)
			continue;
		k = strcmp(ev_str(&ev, "sym"), "QDI") == 0 ? 0 :
		    strcmp(ev_str(&ev, "sym"), "XYZ") == 0 ? 1 : -1;
		if (strcmp(ev.topic, TOPIC_BOOK) == 0) {
			assert_true(k >= 0);
			nbook[k]++;
		} else if (strcmp(ev.topic, TOPIC_TRADE) == 0) {
			assert_true(k >= 0);
			ntrade[k]++;
		} else if (strcmp(ev.topic, TOPIC_HEARTBEAT) == 0) {
			nbeat++;
		} else if (strcmp(ev.topic, TOPIC_FILL) == 0 &&
		    strcmp(ev_str(&ev, "block"), "3") == 0) {
			assert_int_equal(k, 1);
			xyz_fills++;
		} else if (strcmp(ev.topic, TOPIC_CHILD) == 0 &&
		    strcmp(ev_str(&ev, "block"), "3") == 0) {
			assert_int_equal(k, 1);
			xyz_child_px = ev_int(&ev, "px");
		}
		ipc_event_free(&ev);
	}
	fprintf(stderr, "two symbols: books %d/%d, trades %d/%d, heartbeats %d, "
	    "block 3 fills %d in %lld ms\n", nbook[0], nbook[1], ntrade[0],
	    ntrade[1], nbeat, xyz_fills, t1 - t0);
	assert_true(nbook[0] > 10 && nbook[1] > 10);
	assert_true(ntrade[0] > 0 && ntrade[1] > 0);
	/* Conflated per symbol: at most one book per symbol per 50 ms publish
	 * pass, 20 a second.  Counted against the engine's own clock, the
	 * heartbeats (one a second), not ours: what we read in the window
	 * includes what queued while we were sending commands.  Unconflated,
	 * a book at 60x changes on every 10 ms clock pass. */
	assert_true(nbeat >= 3);
	assert_true(nbook[0] <= 21 * (nbeat + 1));
	assert_true(nbook[1] <= 21 * (nbeat + 1));
	assert_true(xyz_fills > 0);
	assert_true(xyz_child_px > 4000 && xyz_child_px < 6000);
	assert_int_equal(itest_stop(&e), 0);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(engine_pause_stops_children_and_block_finishes),
		cmocka_unit_test(engine_repeated_id_runs_once),
		cmocka_unit_test(engine_refuses_malformed_input),
		cmocka_unit_test(engine_trades_two_symbols),
	};

	if (argc < 2) {
		fprintf(stderr, "usage: itest-engine PATH-TO-TRANCHED\n");
		return 2;
	}
	tranched = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
