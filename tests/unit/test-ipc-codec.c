/*
 * tests/unit/test-ipc-codec.c -- the wire codec: events round-trip with
 * their sequence numbers and times, commands are refused with messages that
 * name the problem, wire text loses its control characters, and endpoint
 * URLs derive their event twins.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ipc/batch.h"
#include "ipc/codec.h"
#include "ipc/protocol.h"

static void
event_roundtrips_with_seq_and_time(void **state)
{
	cJSON *p = cJSON_CreateObject();
	struct ipc_event ev;
	char err[128], *buf;
	size_t len;

	cJSON_AddStringToObject(p, "text", "hello");
	buf = ipc_event_format("alert", 42, 34200000000123LL, p, &len);
	assert_non_null(buf);
	assert_string_equal(buf, "alert");
	assert_int_equal(len, strlen(buf) + 1 + strlen(buf + 6));
	assert_int_equal(ipc_event_parse(buf, len, &ev, err, sizeof err), 0);
	assert_string_equal(ev.topic, "alert");
	assert_int_equal(ev.seq, 42);
	assert_true(ev.t == 34200000000123LL);
	assert_string_equal(cJSON_GetObjectItem(ev.json, "text")->valuestring,
	    "hello");
	assert_int_equal(cJSON_GetObjectItem(ev.json, "v")->valueint,
	    TRANCHE_PROTO_VERSION);
	ipc_event_free(&ev);
	free(buf);
	/* An empty payload still makes a valid object. */
	cJSON_Delete(p);
	p = cJSON_CreateObject();
	buf = ipc_event_format("heartbeat", 1, 0, p, &len);
	assert_int_equal(ipc_event_parse(buf, len, &ev, err, sizeof err), 0);
	ipc_event_free(&ev);
	free(buf);
	cJSON_Delete(p);
}

static void
event_parse_refuses_damage(void **state)
{
	struct ipc_event ev;
	char err[128];

	assert_int_equal(ipc_event_parse("book", 4, &ev, err, sizeof err), -1);
	assert_non_null(strstr(err, "terminator"));
	assert_int_equal(ipc_event_parse("book\0{nope", 10, &ev, err, sizeof err),
	    -1);
	assert_non_null(strstr(err, "not a JSON object"));
	assert_int_equal(ipc_event_parse("book\0{\"v\":1}", 12, &ev, err,
	    sizeof err), -1);
	assert_non_null(strstr(err, "seq"));
	assert_int_equal(ipc_event_parse("\0{}", 3, &ev, err, sizeof err), -1);
}

/* Three events joined as the engine joins a pass's: each is found with
 * its topic, seq and time, without decoding, and decodes alone. */
static void
batch_splits_events_and_reads_their_heads(void **state)
{
	cJSON *p = cJSON_CreateObject();
	struct ipc_raw r;
	struct ipc_event ev;
	char err[128], msg[1024], *b;
	size_t len, off = 0, n = 0;
	const char *topics[] = { "book", "trade", "block" };
	int i;

	cJSON_AddStringToObject(p, "sym", "Q\nDI");
	for (i = 0; i < 3; i++) {
		b = ipc_event_format(topics[i], 7 + (uint64_t)i, -5 + i, p, &len);
		assert_non_null(b);
		if (n > 0)
			msg[n++] = '\n';
		memcpy(msg + n, b, len);
		n += len;
		free(b);
	}
	for (i = 0; i < 3; i++) {
		assert_int_equal(ipc_batch_next(msg, n, &off, &r, err,
		    sizeof err), 1);
		assert_string_equal(r.topic, topics[i]);
		assert_int_equal(r.head, 1);
		assert_int_equal(r.seq, 7 + i);
		assert_true(r.t == -5 + i);
		assert_int_equal(ipc_event_parse(r.rec, r.len, &ev, err,
		    sizeof err), 0);
		assert_int_equal(ev.seq, 7 + i);
		/* The escaped newline in the string did not split it. */
		assert_string_equal(cJSON_GetObjectItem(ev.json, "sym")->valuestring,
		    "Q\nDI");
		ipc_event_free(&ev);
	}
	assert_int_equal(ipc_batch_next(msg, n, &off, &r, err, sizeof err), 0);
	cJSON_Delete(p);

	/* A record without the usual head is still found, with head 0; a
	 * damaged one is reported and stepped over. */
	off = 0;
	memcpy(msg, "trade\0{\"seq\":3}\nnotopic\nalert\0{}", 32);
	assert_int_equal(ipc_batch_next(msg, 32, &off, &r, err, sizeof err), 1);
	assert_int_equal(r.head, 0);
	assert_int_equal(ipc_batch_next(msg, 32, &off, &r, err, sizeof err), -1);
	assert_non_null(strstr(err, "terminator"));
	assert_int_equal(ipc_batch_next(msg, 32, &off, &r, err, sizeof err), 1);
	assert_string_equal(r.topic, "alert");
	assert_int_equal(ipc_batch_next(msg, 32, &off, &r, err, sizeof err), 0);
}

/* Events joined by ipc/batch.h as the engine publishes a pass: each
 * message at most IPC_BATCH_BYTES (a lone larger event alone), every event
 * found again in order by ipc_batch_next(), the batch's room reused. */
static void
batch_joins_events_up_to_the_limit(void **state)
{
	struct ipc_batch b = { 0 };
	cJSON *p = cJSON_CreateObject();
	char err[128], big[100000];
	nng_msg *msgs[64], *m;
	size_t nmsg = 0, len, room, small = 0;
	uint64_t want = 1;
	int n = 2000;

	(void)state;
	assert_int_equal(ipc_batch_take(&b, &m), 0);
	assert_null(m);
	cJSON_AddStringToObject(p, "text", "a pass's event, a few hundred bytes "
	    "long, as a book or a fill is, ............................."
	    "...............................................................");
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	for (int i = 1; i <= n + 1; i++) {
		char *e;

		/* Event 1000 is larger than a message. */
		if (i == 1000) {
			cJSON *q = cJSON_CreateObject();

			cJSON_AddStringToObject(q, "text", big);
			e = ipc_event_format("big", (uint64_t)i, i, q, &len);
			cJSON_Delete(q);
		} else {
			e = ipc_event_format("book", (uint64_t)i, i, p, &len);
			small = len > small ? len : small;
		}
		assert_non_null(e);
		if (ipc_batch_full(&b, len)) {
			assert_true(nmsg < 64);
			assert_int_equal(ipc_batch_take(&b, &msgs[nmsg]), 0);
			assert_non_null(msgs[nmsg]);
			nmsg++;
			assert_int_equal(b.len, 0);
		}
		assert_int_equal(ipc_batch_add(&b, e, len), 0);
		free(e);
	}
	room = b.cap;
	assert_int_equal(ipc_batch_take(&b, &msgs[nmsg]), 0);
	nmsg++;
	assert_int_equal(b.cap, room); /* emptied, its room kept */
	for (size_t k = 0; k < nmsg; k++) {
		const char *body = nng_msg_body(msgs[k]);
		size_t off = 0, mlen = nng_msg_len(msgs[k]), got = 0;
		struct ipc_raw r;

		while (ipc_batch_next(body, mlen, &off, &r, err, sizeof err) == 1) {
			assert_int_equal(r.seq, want);
			want++;
			got++;
		}
		if (mlen > IPC_BATCH_BYTES)
			assert_int_equal(got, 1); /* the lone larger one */
		else if (k + 1 < nmsg && nng_msg_len(msgs[k + 1])
		    <= IPC_BATCH_BYTES)
			/* Full: the next event would not have fitted. */
			assert_true(mlen + 1 + small > IPC_BATCH_BYTES);
		nng_msg_free(msgs[k]);
	}
	assert_int_equal(want, (uint64_t)n + 2);
	assert_true(nmsg >= 5);
	ipc_batch_free(&b);
	cJSON_Delete(p);
}

/* A member is found only at the top level and only as a key. */
static void
raw_str_finds_top_level_members(void **state)
{
	const char *j = "{\"ours\":[{\"sym\":\"NO\"}],\"x\":\"sym\","
	    "\"t\":\"a\\\"sym\\\":\\\"NO\",\"sym\" : \"QDI\",\"id\":7}";
	const char *v;
	size_t vl;

	assert_int_equal(ipc_raw_str(j, strlen(j), "sym", &v, &vl), 0);
	assert_int_equal(vl, 3);
	assert_memory_equal(v, "QDI", 3);
	/* Not a string. */
	assert_int_equal(ipc_raw_str(j, strlen(j), "id", &v, &vl), -1);
	assert_int_equal(ipc_raw_str(j, strlen(j), "nope", &v, &vl), -1);
	/* Cut short. */
	assert_int_equal(ipc_raw_str(j, 30, "sym", &v, &vl), -1);
}

static void
command_parse_names_the_problem(void **state)
{
	cJSON *root;
	const char *code;
	char err[256];
	const char *ok = "{\"cmd\":\"pause\",\"id\":\"a-1\",\"reason\":\"x\\u001b[2Jy\"}";

	assert_int_equal(ipc_command_parse(ok, strlen(ok), &root, &code, err,
	    sizeof err), 0);
	/* The escape sequence lost its ESC on the way in. */
	assert_string_equal(cJSON_GetObjectItem(root, "reason")->valuestring,
	    "x[2Jy");
	cJSON_Delete(root);
	assert_int_equal(ipc_command_parse("{\"cmd\":1,\"id\":\"a\"}", 18, &root,
	    &code, err, sizeof err), -1);
	assert_string_equal(code, ERR_FIELD);
	assert_non_null(strstr(err, "\"cmd\""));
	assert_int_equal(ipc_command_parse("{\"cmd\":\"x\",\"id\":\"\"}", 19, &root,
	    &code, err, sizeof err), -1);
	assert_non_null(strstr(err, "\"id\""));
	assert_int_equal(ipc_command_parse("\"str\"", 5, &root, &code, err,
	    sizeof err), -1);
	assert_string_equal(code, ERR_PARSE);
	assert_null(root);
}

static void
json_depth_counts_outside_strings(void **state)
{
	assert_int_equal(ipc_json_depth("{\"a\":[1,{\"b\":2}]}", 17), 3);
	assert_int_equal(ipc_json_depth("{\"a\":\"[[[[[\"}", 13), 1);
	assert_int_equal(ipc_json_depth("{\"a\":\"\\\"[[\"}", 12), 1);
	assert_int_equal(ipc_json_depth("", 0), 0);
}

static void
strip_controls_removes_c0_c1_and_del(void **state)
{
	char s[] = "a\x1b[31mb\x07\x7f" "c\xc2\x9b" "d\xc3\xa9";

	ipc_strip_controls(s);
	assert_string_equal(s, "a[31mbcd\xc3\xa9"); /* é survives */
}

static void
getters_check_types(void **state)
{
	cJSON *o = cJSON_Parse("{\"n\":5,\"s\":\"12\",\"f\":1.5,\"x\":\"1e\","
	    "\"p\":\"8%\",\"b\":true}");
	int64_t v;
	double d;
	const char *str;

	assert_int_equal(ipc_get_i64(o, "n", &v), 0);
	assert_int_equal(v, 5);
	assert_int_equal(ipc_get_i64(o, "s", &v), 0);
	assert_int_equal(v, 12);
	assert_int_equal(ipc_get_i64(o, "f", &v), -2);
	assert_int_equal(ipc_get_i64(o, "x", &v), -2);
	assert_int_equal(ipc_get_i64(o, "missing", &v), -1);
	assert_int_equal(ipc_get_num(o, "p", &d), 0);
	assert_true(d == 8.0);
	assert_int_equal(ipc_get_num(o, "b", &d), -2);
	assert_int_equal(ipc_get_str(o, "n", &str), -2);
	cJSON_Delete(o);
}

static void
events_url_is_derived(void **state)
{
	char buf[128];

	assert_int_equal(ipc_events_url("ipc:///tmp/x/ctl", buf, sizeof buf), 0);
	assert_string_equal(buf, "ipc:///tmp/x/ctl.events");
	assert_int_equal(ipc_events_url("tcp://127.0.0.1:7400", buf, sizeof buf),
	    0);
	assert_string_equal(buf, "tcp://127.0.0.1:7401");
	assert_int_equal(ipc_events_url("tcp://[::1]:9000", buf, sizeof buf), 0);
	assert_string_equal(buf, "tcp://[::1]:9001");
	assert_true(ipc_events_url("tcp://host", buf, sizeof buf) < 0);
	assert_true(ipc_events_url("http://x:1", buf, sizeof buf) < 0);
}

/* Numbers as people type them (ipc_number_text): the decimal forms a
 * person uses, and never hex, inf, nan, a comma or a space (strtod read
 * "0x10" as 16 until 2026-12-05), in any locale. */
static void
number_text_takes_decimals_only(void **state)
{
	static const struct {
		const char *s;
		double v;
	} good[] = {
		{ "5", 5 }, { "0.5", 0.5 }, { ".5", 0.5 }, { "1.", 1 },
		{ "+5", 5 }, { "05", 5 }, { "-0.25", -0.25 }, { "-.5", -0.5 },
		{ "1e3", 1000 }, { "1.e3", 1000 }, { "2.5E-1", 0.25 },
		{ "00", 0 }, { "100", 100 },
	};
	static const char *bad[] = {
		"", ".", "+", "-", "0x10", "0X1A", "inf", "nan", "INF", "1,5",
		" 5", "5 ", "5%", "+-5", "--5", "1e", "1e999", "1.2.3", "e5",
		"5e5e5", "1 000", "1..5", "5..", "1e3.", "1.5.",
	};
	double v;

	(void)state;
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		if (ipc_number_text(good[i].s, &v) != 0)
			fail_msg("\"%s\" refused", good[i].s);
		assert_true(v == good[i].v);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (ipc_number_text(bad[i], &v) == 0)
			fail_msg("\"%s\" taken as %g", bad[i], v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(event_roundtrips_with_seq_and_time),
		cmocka_unit_test(event_parse_refuses_damage),
		cmocka_unit_test(batch_joins_events_up_to_the_limit),
		cmocka_unit_test(command_parse_names_the_problem),
		cmocka_unit_test(json_depth_counts_outside_strings),
		cmocka_unit_test(strip_controls_removes_c0_c1_and_del),
		cmocka_unit_test(getters_check_types),
		cmocka_unit_test(events_url_is_derived),
		cmocka_unit_test(batch_splits_events_and_reads_their_heads),
		cmocka_unit_test(raw_str_finds_top_level_members),
		cmocka_unit_test(number_text_takes_decimals_only),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
