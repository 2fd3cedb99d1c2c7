/*
 * tests/integration/itest-parser.c -- the command parser's refusals, sent
 * as raw bytes to the real tranched over NNG.
 *
 * The client library builds requests with cJSON, which cannot produce most
 * of what a hostile or broken peer sends (a NUL inside a string, bytes
 * after the object, a key twice, invalid UTF-8), so this test opens its own
 * REQ socket and sends bytes.  The socket says hello as a supervisor first,
 * so that a refusal is the parser's and not the role check's; a well-formed
 * kill on the same socket at the end proves that it could have killed.
 *
 * parser_refuses_what_it_must_and_changes_nothing: each finding of issue 11
 *   (8 and 9) is refused with an error naming the field and the value, and
 *   afterwards no block is HALTED and the speed is what it was;
 * parser_refusals_carry_the_id: a refusal before decoding carries the
 *   request's id when "id" is there once and valid, and says so when it
 *   is twice;
 * parser_cuts_reasons_on_a_character: a reason longer than 256 bytes whose
 *   cut falls inside a character is cut before that character, and the
 *   audit record is valid UTF-8;
 * parser_journals_undecodable_bytes_as_text: bytes that are not JSON are
 *   journaled as printable, valid UTF-8 text (\xNN, \uXXXX), not raw.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>

#include "engine/journal/journal.h"
#include "ipc/protocol.h"

/* This build's protocol version as text, for hand-written hellos. */
#define PROTO_STR_(x) #x
#define PROTO_STR(x) PROTO_STR_(x)
#define PROTO_V PROTO_STR(TRANCHE_PROTO_VERSION)
#include "tests/integration/itest.h"

static const char *tranched;

/* A REQ socket of our own, dialled to the engine. */
static nng_socket
raw_open(struct itest_engine *e)
{
	nng_socket s;

	assert_int_equal(nng_req0_open(&s), 0);
	assert_int_equal(nng_socket_set_ms(s, NNG_OPT_RECVTIMEO, 5000), 0);
	assert_int_equal(nng_socket_set_ms(s, NNG_OPT_SENDTIMEO, 5000), 0);
	assert_int_equal(nng_dial(s, e->url, NULL, 0), 0);
	return s;
}

static char *raw_send(nng_socket s, const char *buf, size_t len, cJSON **rep);

/* raw_open() and say hello as a supervisor, so that a refusal is the
 * parser's and not the role check's. */
static nng_socket
raw_open_supervisor(struct itest_engine *e)
{
	static const char hello[] = "{\"cmd\":\"hello\",\"id\":\"h\","
	    "\"client\":\"raw\",\"role\":\"supervisor\",\"v\":" PROTO_V "}";
	nng_socket s = raw_open(e);
	cJSON *r;
	char *raw = raw_send(s, hello, sizeof hello - 1, &r);

	if (!cJSON_IsTrue(cJSON_GetObjectItem(r, "ok")))
		fail_msg("hello refused: %s", raw);
	cJSON_Delete(r);
	free(raw);
	return s;
}

/* Send len bytes as one request; the reply's bytes (NUL-terminated, caller
 * frees) and, parsed, *rep. */
static char *
raw_send(nng_socket s, const char *buf, size_t len, cJSON **rep)
{
	char *r = NULL, *out;
	size_t rl = 0;

	assert_int_equal(nng_send(s, (void *)buf, len, 0), 0);
	assert_int_equal(nng_recv(s, &r, &rl, NNG_FLAG_ALLOC), 0);
	out = malloc(rl + 1);
	assert_non_null(out);
	memcpy(out, r, rl);
	out[rl] = '\0';
	nng_free(r, rl);
	*rep = cJSON_ParseWithLength(out, rl);
	assert_non_null(*rep);
	return out;
}

static char *
raw_send_str(nng_socket s, const char *text, cJSON **rep)
{
	return raw_send(s, text, strlen(text), rep);
}


/* Well-formed UTF-8 (no overlong forms, no surrogates): 1 or 0. */
static int
utf8_valid(const unsigned char *p, size_t n)
{
	size_t i = 0, k, len;
	uint32_t cp;

	while (i < n) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		if (p[i] >= 0xc2 && p[i] <= 0xdf)
			len = 2, cp = p[i] & 0x1f;
		else if (p[i] >= 0xe0 && p[i] <= 0xef)
			len = 3, cp = p[i] & 0x0f;
		else if (p[i] >= 0xf0 && p[i] <= 0xf4)
			len = 4, cp = p[i] & 0x07;
		else
			return 0;
		if (i + len > n)
			return 0;
		for (k = 1; k < len; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (p[i + k] & 0x3f);
		}
		if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			return 0;
		i += len;
	}
	return 1;
}

/*
 * Send bytes that must be refused: not ok, the code wanted, the message
 * holding each needle, and no raw byte >= 0x80 of the request echoed
 * back unless it was valid UTF-8 in a valid request.
 */
static void
refused(nng_socket s, const char *buf, size_t len, const char *code,
        const char *n1, const char *n2)
{
	cJSON *r;
	char *raw = raw_send(s, buf, len, &r);
	const cJSON *c = cJSON_GetObjectItem(cJSON_GetObjectItem(r, "error"),
	    "code");

	if (cJSON_IsTrue(cJSON_GetObjectItem(r, "ok")))
		fail_msg("accepted: %.*s -> %s", (int)len, buf, raw);
	if (!cJSON_IsString(c) || strcmp(c->valuestring, code) != 0 ||
	    (n1 != NULL && strstr(itest_errmsg(r), n1) == NULL) ||
	    (n2 != NULL && strstr(itest_errmsg(r), n2) == NULL))
		fail_msg("%.*s: wanted %s naming [%s] [%s], got %s", (int)len, buf,
		    code, n1 ? n1 : "", n2 ? n2 : "", raw);
	if (!utf8_valid((const unsigned char *)raw, strlen(raw)))
		fail_msg("%.*s: the reply is not valid UTF-8: %s", (int)len, buf,
		    raw);
	cJSON_Delete(r);
	free(raw);
}

#define REFUSED(s, lit, code, n1, n2) \
	refused(s, lit, sizeof lit - 1, code, n1, n2)

static int
halted_blocks(struct itest_engine *e)
{
	cJSON *r = itest_cmd(e, "{\"cmd\":\"status\"}"), *b;
	int n = 0;

	assert_non_null(r);
	cJSON_ArrayForEach(b, cJSON_GetObjectItem(r, "blocks")) {
		const cJSON *st = cJSON_GetObjectItem(b, "state");

		n += cJSON_IsString(st) && strcmp(st->valuestring, "HALTED") == 0;
	}
	cJSON_Delete(r);
	return n;
}

static double
speed_now(struct itest_engine *e)
{
	cJSON *r = itest_cmd(e, "{\"cmd\":\"status\"}");
	double v;

	assert_non_null(r);
	v = cJSON_GetObjectItem(r, "speed")->valuedouble;
	cJSON_Delete(r);
	return v;
}

static void
parser_refuses_what_it_must_and_changes_nothing(void **state)
{
	struct itest_engine e;
	nng_socket s;
	cJSON *r;
	char *raw;

	(void)state;
	assert_int_equal(itest_start(&e, tranched, "--speed=60", NULL), 0);
	s = raw_open_supervisor(&e);
	assert_true(speed_now(&e) == 60);

	/* 8: a NUL or a control character in the command name. */
	REFUSED(s, "{\"cmd\":\"kill\\u0000x\",\"id\":\"k1\",\"reason\":\"r\"}",
	    ERR_FIELD, "\"cmd\"", "kill\\u0000x");
	REFUSED(s, "{\"cmd\":\"\\u001bkill\",\"id\":\"k2\",\"reason\":\"r\"}",
	    ERR_FIELD, "\"cmd\"", "\\u001bkill");
	/* A raw (unescaped) control byte is not JSON at all. */
	REFUSED(s, "{\"cmd\":\"kill\x01\",\"id\":\"k3\",\"reason\":\"r\"}",
	    ERR_PARSE, "\"cmd\"", "\\u0001");
	/* 8: an enum with a NUL or a control character. */
	REFUSED(s, "{\"cmd\":\"throttle\",\"id\":\"t1\",\"aggression\":"
	    "\"passive\\u0000aggressive\",\"reason\":\"r\"}", ERR_FIELD,
	    "\"aggression\"", "passive\\u0000aggressive");
	REFUSED(s, "{\"cmd\":\"throttle\",\"id\":\"t2\",\"aggression\":"
	    "\"\\u001bpassive\",\"reason\":\"r\"}", ERR_FIELD,
	    "\"aggression\"", "\\u001bpassive");
	/* 8: a token with a NUL tail, its value never shown (a refusal is
	 * audited to every viewer). */
	REFUSED(s, "{\"cmd\":\"hello\",\"id\":\"h2\",\"role\":\"viewer\","
	    "\"token\":\"\\u0000junk\",\"v\":" PROTO_V "}", ERR_FIELD, "\"token\"",
	    "(not shown)");
	/* A refused hello leaves the connection a viewer: say it again. */
	nng_close(s);
	s = raw_open_supervisor(&e);
	/* 8: bytes after the object. */
	REFUSED(s, "{\"cmd\":\"kill\",\"id\":\"k4\",\"reason\":\"r\"} x",
	    ERR_PARSE, "after the JSON value", "x");
	REFUSED(s, "{\"cmd\":\"kill\",\"id\":\"k5\",\"reason\":\"r\"}\0junk",
	    ERR_PARSE, "after the JSON value", "\\u0000");
	/* 8: a key twice (a standard parser would read the last reason). */
	REFUSED(s, "{\"cmd\":\"kill\",\"id\":\"k6\",\"reason\":\"audited\","
	    "\"reason\":\"acted on\"}", ERR_FIELD, "\"reason\"", "twice");
	REFUSED(s, "{\"cmd\":\"status\",\"cmd\":\"kill\",\"id\":\"k7\","
	    "\"reason\":\"r\"}", ERR_FIELD, "\"cmd\"", "twice");
	/* The same key spelt with an escape is the same key. */
	REFUSED(s, "{\"cmd\":\"status\",\"\\u0063md\":\"kill\",\"id\":\"k8\","
	    "\"reason\":\"r\"}", ERR_FIELD, "\"cmd\"", "twice");
	/* 8: speed 0, -0, "0.0", 1e-400, below 0.01 and hex floats. */
	REFUSED(s, "{\"cmd\":\"speed\",\"id\":\"s1\",\"speed\":0,\"reason\":\"r\"}",
	    ERR_FIELD, "\"speed\"", "0");
	REFUSED(s, "{\"cmd\":\"speed\",\"id\":\"s2\",\"speed\":-0,"
	    "\"reason\":\"r\"}", ERR_FIELD, "\"speed\"", "-0");
	REFUSED(s, "{\"cmd\":\"speed\",\"id\":\"s3\",\"speed\":\"0.0\","
	    "\"reason\":\"r\"}", ERR_FIELD, "\"speed\"", "0.0");
	REFUSED(s, "{\"cmd\":\"speed\",\"id\":\"s4\",\"speed\":1e-400,"
	    "\"reason\":\"r\"}", ERR_PARSE, "\"speed\"", "1e-400");
	REFUSED(s, "{\"cmd\":\"speed\",\"id\":\"s5\",\"speed\":\"0x1p6\","
	    "\"reason\":\"r\"}", ERR_FIELD, "\"speed\"", "0x1p6");
	REFUSED(s, "{\"cmd\":\"speed\",\"id\":\"s6\",\"speed\":1e400,"
	    "\"reason\":\"r\"}", ERR_PARSE, "\"speed\"", "1e400");
	/* Slower than 0.01 is a frozen clock that says LIVE. */
	REFUSED(s, "{\"cmd\":\"speed\",\"id\":\"s7\",\"speed\":1e-300,"
	    "\"reason\":\"r\"}", ERR_FIELD, "\"speed\"", "0.01");
	REFUSED(s, "{\"cmd\":\"speed\",\"id\":\"s8\",\"speed\":\"0.009\","
	    "\"reason\":\"r\"}", ERR_FIELD, "\"speed\"", "0.009");
	REFUSED(s, "{\"cmd\":\"throttle\",\"id\":\"p1\",\"pct\":\"0x1p6\","
	    "\"reason\":\"r\"}", ERR_FIELD, "\"pct\"", "0x1p6");
	REFUSED(s, "{\"cmd\":\"override\",\"id\":\"o1\",\"block\":\"1\","
	    "\"action\":\"style\",\"style\":\"passive\",\"for_s\":\"0x1p6\","
	    "\"reason\":\"r\"}", ERR_FIELD, "\"for_s\"", "0x1p6");
	REFUSED(s, "{\"cmd\":\"submit\",\"id\":\"m1\",\"sym\":\"QDI\",\"side\":"
	    "\"buy\",\"qty\":100,\"duration_s\":60,\"max_pov\":\"0x1p6\","
	    "\"reason\":\"r\"}", ERR_FIELD, "\"max_pov\"", "0x1p6");
	/* 9: invalid UTF-8 in an id or a reason is refused, not echoed. */
	REFUSED(s, "{\"cmd\":\"status\",\"id\":\"ab\xff\"}", ERR_FIELD,
	    "\"id\"", "ab\\xff");
	REFUSED(s, "{\"cmd\":\"pause\",\"id\":\"u1\",\"reason\":\"\xc3\"}",
	    ERR_FIELD, "\"reason\"", "\\xc3");

	/* A number is quoted as it was spelt, not as cJSON prints its double
	 * (found by a probe on 2026-12-06: an amend's end 1E0 was "end 1"). */
	REFUSED(s, "{\"cmd\":\"amend\",\"id\":\"n1\",\"block\":\"1\",\"end\":"
	    "1E0,\"reason\":\"r\"}", ERR_FIELD, "\"end\" 1E0:", "after");
	REFUSED(s, "{\"cmd\":\"amend\",\"id\":\"n2\",\"block\":\"1\","
	    "\"limit_px\":-5.0,\"reason\":\"r\"}", ERR_FIELD,
	    "\"limit_px\" -5.0:", NULL);
	REFUSED(s, "{\"cmd\":\"throttle\",\"id\":\"n3\",\"block\":\"1\","
	    "\"pct\":100.50,\"reason\":\"r\"}", ERR_FIELD, "\"pct\" 100.50:",
	    "from 0.01 to 100");
	REFUSED(s, "{\"cmd\":\"submit\",\"id\":\"n4\",\"sym\":\"QDI\",\"side\":"
	    "\"buy\",\"qty\":1.0e9,\"duration_s\":60,\"reason\":\"r\"}",
	    ERR_RISK, "\"qty\" 1.0e9:", "limits.block_shares");
	REFUSED(s, "{\"cmd\":\"submit\",\"id\":\"n5\",\"sym\":\"QDI\",\"side\":"
	    "\"buy\",\"qty\":100,\"duration_s\":8.64e4,\"reason\":\"r\"}",
	    ERR_FIELD, "\"duration_s\" 8.64e4:", "after the close");
	REFUSED(s, "{\"cmd\":\"pause\",\"id\":\"n6\",\"block\":0.0,"
	    "\"reason\":\"r\"}", ERR_FIELD, "\"block\" 0.0:", NULL);
	/* A string is quoted whole, or cut with "...": cut silently at 16,
	 * "twap-aggressive-x" read as "twap-aggressive-". */
	REFUSED(s, "{\"cmd\":\"submit\",\"id\":\"n11\",\"sym\":\"QDI\",\"side\":"
	    "\"buy\",\"qty\":100,\"duration_s\":60,\"algo\":\"twap-aggressive-x\","
	    "\"reason\":\"r\"}", ERR_FIELD, "\"algo\" \"twap-aggressive-x\":",
	    "known:");
	REFUSED(s, "{\"cmd\":\"submit\",\"id\":\"n12\",\"sym\":\"QDI\",\"side\":"
	    "\"sell                x\",\"qty\":100,\"duration_s\":60,"
	    "\"reason\":\"r\"}", ERR_FIELD, "\"side\" \"sell                x\":",
	    NULL);
	REFUSED(s, "{\"cmd\":\"submit\",\"id\":\"n13\",\"sym\":\"QDI\",\"side\":"
	    "\"buy\",\"qty\":100,\"duration_s\":60,\"urgency\":"
	    "\"medium-but-not-quite\",\"reason\":\"r\"}", ERR_FIELD,
	    "\"urgency\" \"medium-but-not-quite\":", NULL);
	REFUSED(s, "{\"cmd\":\"throttle\",\"id\":\"n14\",\"block\":\"1\","
	    "\"aggression\":\"" "passive-passive-passive-passive-passive-passive-"
	    "passive-passive-x\",\"reason\":\"r\"}", ERR_FIELD,
	    "\"aggression\" \"passive-passive-", "...");
	/* Not cut inside an escape: 58 letters and a quote printed as
	 * \" had become "aaa...a\..." (a review). */
	REFUSED(s, "{\"cmd\":\"throttle\",\"id\":\"n15\",\"block\":\"1\","
	    "\"aggression\":\"" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "\\\"x\",\"reason\":\"r\"}", ERR_FIELD, "\"aggression\" \"aaaa",
	    "a...:");
	/* A missing side is required, not a value "" (a review). */
	REFUSED(s, "{\"cmd\":\"submit\",\"id\":\"n16\",\"sym\":\"QDI\","
	    "\"qty\":100,\"duration_s\":60,\"reason\":\"r\"}", ERR_FIELD,
	    "\"side\": required", NULL);
	REFUSED(s, "{\"cmd\":\"rfq\",\"id\":\"n7\",\"block\":\"1\",\"qty\":100,"
	    "\"deadline_s\":0.50,\"reason\":\"r\"}", ERR_FIELD,
	    "\"deadline_s\" 0.50:", NULL);
	REFUSED(s, "{\"cmd\":\"rfq\",\"id\":\"n8\",\"block\":\"1\","
	    "\"qty\":1.0e10,\"reason\":\"r\"}", ERR_FIELD, "\"qty\" 1.0e10:",
	    NULL);
	REFUSED(s, "{\"cmd\":\"ack\",\"id\":\"n9\",\"alert\":1.0,\"all\":true}",
	    ERR_FIELD, "\"alert\" 1.0:", "one or the other");
	REFUSED(s, "{\"cmd\":\"ack\",\"id\":\"n10\",\"alert\":9.00e2}",
	    ERR_NOT_FOUND, "\"alert\" 9.00e2:", "no such alert");

	/* Nothing changed: no block is HALTED, the speed is still 60. */
	assert_int_equal(halted_blocks(&e), 0);
	assert_true(speed_now(&e) == 60);
	/* The same socket could kill all along. */
	raw = raw_send_str(s, "{\"cmd\":\"kill\",\"id\":\"k9\",\"reason\":"
	    "\"r\"}", &r);
	if (!cJSON_IsTrue(cJSON_GetObjectItem(r, "ok")))
		fail_msg("a well-formed kill was refused: %s", raw);
	cJSON_Delete(r);
	free(raw);
	assert_true(halted_blocks(&e) > 0);
	nng_close(s);
	assert_int_equal(itest_stop(&e), 0);
}

/*
 * Send bytes that must be refused, naming n1, and answered with the id
 * `id` (NULL: with no id at all).
 */
static void
refused_id(nng_socket s, const char *buf, size_t len, const char *code,
           const char *n1, const char *id)
{
	cJSON *r;
	char *raw = raw_send(s, buf, len, &r);
	const cJSON *c = cJSON_GetObjectItem(cJSON_GetObjectItem(r, "error"),
	    "code"), *got = cJSON_GetObjectItem(r, "id");

	if (cJSON_IsTrue(cJSON_GetObjectItem(r, "ok")))
		fail_msg("accepted: %.*s -> %s", (int)len, buf, raw);
	if (!cJSON_IsString(c) || strcmp(c->valuestring, code) != 0 ||
	    strstr(itest_errmsg(r), n1) == NULL)
		fail_msg("%.*s: wanted %s naming [%s], got %s", (int)len, buf, code,
		    n1, raw);
	if (id == NULL ? got != NULL : !cJSON_IsString(got) ||
	    strcmp(got->valuestring, id) != 0)
		fail_msg("%.*s: wanted the refusal to carry %s%s, got %s",
		    (int)len, buf, id ? "the id " : "no id", id ? id : "", raw);
	cJSON_Delete(r);
	free(raw);
}

#define REFUSED_ID(s, lit, code, n1, id) \
	refused_id(s, lit, sizeof lit - 1, code, n1, id)

/*
 * parser_refusals_carry_the_id: a request refused before it is decoded --
 * a key twice, a field of the wrong type or with a control character, a
 * number out of range, nesting too deep -- is answered with its id when
 * "id" is there once and valid, so a client can tell which request was
 * refused.  "id" itself twice is refused naming "id" and answered
 * without one, whatever else is twice; bytes that are not JSON, and a
 * command over the size limit, have no id to carry.
 */
static void
parser_refusals_carry_the_id(void **state)
{
	struct itest_engine e;
	nng_socket s;
	char *big;
	size_t n;

	(void)state;
	assert_int_equal(itest_start(&e, tranched, "--speed=60", NULL), 0);
	s = raw_open_supervisor(&e);
	/* The probe's finding: a key twice, the id once. */
	REFUSED_ID(s, "{\"cmd\":\"pause\",\"id\":\"p1\",\"block\":\"1\","
	    "\"block\":\"2\",\"reason\":\"r\"}", ERR_FIELD, "\"block\"", "p1");
	REFUSED_ID(s, "{\"block\":\"1\",\"block\":\"2\",\"cmd\":\"pause\","
	    "\"id\":\"p2\",\"reason\":\"r\"}", ERR_FIELD, "twice", "p2");
	/* The id twice: no id, and the message says it is the id. */
	REFUSED_ID(s, "{\"cmd\":\"pause\",\"id\":\"p3\",\"id\":\"p4\","
	    "\"reason\":\"r\"}", ERR_FIELD, "\"id\": appears twice", NULL);
	REFUSED_ID(s, "{\"cmd\":\"pause\",\"id\":\"p5\",\"\\u0069d\":\"p5\","
	    "\"reason\":\"r\"}", ERR_FIELD, "\"id\": appears twice", NULL);
	/* ... even when another key, sorting first, is twice as well. */
	REFUSED_ID(s, "{\"cmd\":\"pause\",\"block\":\"1\",\"block\":\"2\","
	    "\"id\":\"p6\",\"id\":\"p7\",\"reason\":\"r\"}", ERR_FIELD,
	    "\"id\": appears twice", NULL);
	/* Wrong types and control characters, the id valid. */
	REFUSED_ID(s, "{\"cmd\":5,\"id\":\"w1\"}", ERR_FIELD, "\"cmd\"", "w1");
	REFUSED_ID(s, "{\"id\":\"w2\"}", ERR_FIELD, "\"cmd\"", "w2");
	REFUSED_ID(s, "{\"cmd\":\"throttle\",\"id\":\"w3\",\"aggression\":"
	    "\"\\u001bpassive\",\"reason\":\"r\"}", ERR_FIELD, "\"aggression\"",
	    "w3");
	REFUSED_ID(s, "{\"cmd\":\"kill\x01\",\"id\":\"w4\",\"reason\":\"r\"}",
	    ERR_PARSE, "\"cmd\"", "w4");
	REFUSED_ID(s, "{\"cmd\":\"speed\",\"id\":\"w5\",\"speed\":1e400,"
	    "\"reason\":\"r\"}", ERR_PARSE, "\"speed\"", "w5");
	REFUSED_ID(s, "{\"cmd\":\"speed\",\"id\":\"w6\",\"speed\":01,"
	    "\"reason\":\"r\"}", ERR_PARSE, "\"speed\"", "w6");
	REFUSED_ID(s, "{\"cmd\":\"pause\",\"id\":\"w7\",\"x\":[[[[[[[[[[[[[[[[["
	    "]]]]]]]]]]]]]]]]],\"reason\":\"r\"}", ERR_TOO_BIG, "deeper", "w7");
	/* U+0000, a lone surrogate, nesting past cJSON's 1000 anywhere but in
	 * the id lost it until 2026-12-07 (an independent probe). */
	REFUSED_ID(s, "{\"cmd\":\"pause\",\"id\":\"a4\",\"block\":\"1\","
	    "\"reason\":\"x\\u0000\"}", ERR_FIELD, "\"reason\"", "a4");
	REFUSED_ID(s, "{\"cmd\":\"status\",\"id\":\"a6\",\"x\":\"\\u0000\"}",
	    ERR_FIELD, "\"x\"", "a6");
	REFUSED_ID(s, "{\"cmd\":\"kill\\u0000\",\"id\":\"a1\",\"reason\":"
	    "\"x\"}", ERR_FIELD, "\"cmd\"", "a1");
	REFUSED_ID(s, "{\"cmd\":\"pause\",\"id\":\"a8\",\"block\":\"1\","
	    "\"reason\":\"\\ud800\"}", ERR_FIELD, "\"reason\"", "a8");
	{
		char *deep = malloc(4200);
		size_t k;

		assert_non_null(deep);
		k = (size_t)sprintf(deep, "{\"cmd\":\"pause\",\"id\":\"a9\","
		    "\"n\":");
		for (int i = 0; i < 2000; i++)
			deep[k++] = '[';
		for (int i = 0; i < 2000; i++)
			deep[k++] = ']';
		deep[k++] = '}';
		refused_id(s, deep, k, ERR_TOO_BIG, "deeper", "a9");
		free(deep);
	}
	/* No valid id to carry. */
	REFUSED_ID(s, "{\"cmd\":\"pause\",\"id\":5}", ERR_FIELD, "\"id\"", NULL);
	REFUSED_ID(s, "{\"cmd\":\"pause\",\"id\":\"\"}", ERR_FIELD, "\"id\"",
	    NULL);
	REFUSED_ID(s, "{\"cmd\":\"pause\",\"id\":\"p\\u0000x\"}", ERR_FIELD,
	    "\"id\"", NULL);
	REFUSED_ID(s, "{\"cmd\":\"pause\",\"id\\u0000x\":\"p8\","
	    "\"reason\":\"r\"}", ERR_FIELD, "\\u0000", NULL);
	REFUSED_ID(s, "{\"cmd\":\"status\",\"id\":\"ab\xff\"}", ERR_FIELD,
	    "\"id\"", NULL);
	/* Not JSON: nothing in it is an id. */
	REFUSED_ID(s, "{\"cmd\":\"pause\",\"id\":\"m1\",", ERR_PARSE, "end",
	    NULL);
	REFUSED_ID(s, "{\"cmd\":\"pause\",\"id\":\"m2\"} x", ERR_PARSE,
	    "after the JSON value", NULL);
	REFUSED_ID(s, "[{\"cmd\":\"pause\",\"id\":\"m3\"}]", ERR_PARSE, "object",
	    NULL);
	/* Over the size limit the command is not read at all. */
	n = TRANCHE_MAX_MSG + 64;
	big = malloc(n + 1);
	assert_non_null(big);
	n = (size_t)snprintf(big, n + 1, "{\"cmd\":\"pause\",\"id\":\"L1\","
	    "\"reason\":\"%0*d\"}", TRANCHE_MAX_MSG, 0);
	refused_id(s, big, n, ERR_TOO_BIG, "limit", NULL);
	free(big);
	/* Nothing was paused. */
	{
		cJSON *r = itest_cmd(&e, "{\"cmd\":\"status\"}"), *b;

		assert_non_null(r);
		cJSON_ArrayForEach(b, cJSON_GetObjectItem(r, "blocks"))
			assert_string_not_equal(cJSON_GetObjectItem(b,
			    "state")->valuestring, "PAUSED");
		cJSON_Delete(r);
	}
	nng_close(s);
	assert_int_equal(itest_stop(&e), 0);
}

static void
parser_cuts_reasons_on_a_character(void **state)
{
	struct itest_engine e;
	nng_socket s;
	char req[600], *raw;
	const cJSON *a, *rs;
	cJSON *r;
	size_t n;
	int found = 0;

	(void)state;
	assert_int_equal(itest_start(&e, tranched, "--speed=60", NULL), 0);
	s = raw_open_supervisor(&e);
	/* 255 bytes of 'a' and then a two-byte character that straddles the
	 * 256-byte limit. */
	n = (size_t)snprintf(req, sizeof req, "{\"cmd\":\"pause\",\"id\":\"c1\","
	    "\"reason\":\"%0255d\xc3\xa9tail\"}", 0);
	raw = raw_send(s, req, n, &r);
	if (!cJSON_IsTrue(cJSON_GetObjectItem(r, "ok")))
		fail_msg("pause refused: %s", raw);
	cJSON_Delete(r);
	free(raw);
	r = itest_cmd(&e, "{\"cmd\":\"snapshot\"}");
	assert_non_null(r);
	cJSON_ArrayForEach(a, cJSON_GetObjectItem(r, "audit")) {
		rs = cJSON_GetObjectItem(a, "reason");
		if (!cJSON_IsString(rs) || rs->valuestring[0] != '0')
			continue;
		found = 1;
		if (!utf8_valid((const unsigned char *)rs->valuestring,
		    strlen(rs->valuestring)))
			fail_msg("the audited reason is not valid UTF-8 (%zu bytes)",
			    strlen(rs->valuestring));
		assert_int_equal(strlen(rs->valuestring), 255);
	}
	assert_true(found);
	cJSON_Delete(r);
	nng_close(s);
	assert_int_equal(itest_stop(&e), 0);
}

static void
parser_journals_undecodable_bytes_as_text(void **state)
{
	static const char junk[] = "\xff\xfe{\"cmd\":\"kill\x1b\xc3";
	struct itest_engine e;
	struct jrnl_reader *jr;
	struct jrnl_rec rec;
	nng_socket s;
	cJSON *r;
	char *raw;
	int seen = 0;

	(void)state;
	assert_int_equal(itest_start(&e, tranched, "--speed=60", NULL), 0);
	s = raw_open_supervisor(&e);
	raw = raw_send(s, junk, sizeof junk - 1, &r);
	assert_false(cJSON_IsTrue(cJSON_GetObjectItem(r, "ok")));
	cJSON_Delete(r);
	free(raw);
	/* The refusal is journaled (a refusal of input that cannot be decoded
	 * is not an intervention: it is written at the end of the loop pass,
	 * not synced on its own), so it is there within moments. */
	for (int tries = 0; tries < 50 && !seen; tries++) {
		usleep(100000);
		assert_int_equal(jrnl_reader_open(&jr, e.journal, NULL), 0);
		while (jrnl_next(jr, &rec) == 1) {
			const char *p = (const char *)rec.data;

			if (rec.kind != JRNL_COMMAND ||
			    memmem(p, rec.len, "\"raw\":", 6) == NULL)
				continue;
			seen = 1;
			if (!utf8_valid(rec.data, rec.len))
				fail_msg("the journaled command is not valid UTF-8: %.*s",
				    (int)rec.len, p);
			if (memmem(p, rec.len, "\\\\xff\\\\xfe", 10) == NULL ||
			    memmem(p, rec.len, "\\\\u001b", 7) == NULL)
				fail_msg("the journaled bytes are not shown as \\xNN and "
				    "\\uXXXX: %.*s", (int)rec.len, p);
		}
		jrnl_reader_close(jr);
	}
	assert_true(seen);
	nng_close(s);
	assert_int_equal(itest_stop(&e), 0);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parser_refuses_what_it_must_and_changes_nothing),
		cmocka_unit_test(parser_refusals_carry_the_id),
		cmocka_unit_test(parser_cuts_reasons_on_a_character),
		cmocka_unit_test(parser_journals_undecodable_bytes_as_text),
	};

	if (argc < 2) {
		fprintf(stderr, "usage: itest-parser PATH-TO-TRANCHED\n");
		return 2;
	}
	tranched = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
