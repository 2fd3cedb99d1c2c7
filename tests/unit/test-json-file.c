/*
 * tests/unit/test-json-file.c -- the files people write are read as every
 * other JSON reader would read them (engine/json/json-file.h): one value,
 * nothing after it, no key twice at any depth (named with its path), no
 * \u0000 cutting a string; and what is fine stays fine.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "engine/json/json-file.h"

#define ANY (SIZE_MAX - 1)

static void
refuses_what_readers_would_read_differently(void **state)
{
	static const struct {
		const char *text, *want;
		size_t at;
	} cases[] = {
		{ "{\"a\":1,\"a\":2}", "\"a\" appears twice in the top-level "
		  "object", SIZE_MAX },
		{ "{\"orders\":[{\"qty\":5},{\"qty\":1,\"side\":\"b\",\"qty\":2}]}",
		  "\"qty\" appears twice in orders.1", SIZE_MAX },
		{ "{\"m\":{\"x\":{\"k\":1,\"k\":1}}}", "\"k\" appears twice in m.x",
		  SIZE_MAX },
		{ "{\"a\":1} {\"b\":2}", "7 bytes after the JSON value (from byte "
		  "8): \"{\"b\":2}\"", 8 },
		{ "{\"a\":1}\n}\n", "1 bytes after the JSON value", 8 },
		{ "{\"h\":\"a\\u0000b\"}", "\\u0000 in a string (at byte 7)", 7 },
		/* Where cJSON stops is its own; that it says where is ours. */
		{ "{\"a\":", "not valid JSON (at byte", ANY },
		{ "", "not valid JSON", ANY },
	};
	char err[256];
	size_t at;

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		err[0] = '\0';
		at = 12345;
		assert_null(json_parse_strict(cases[i].text, strlen(cases[i].text),
		    &at, err, sizeof err));
		if (strstr(err, cases[i].want) == NULL)
			fail_msg("%s: got \"%s\", want \"%s\"", cases[i].text, err,
			    cases[i].want);
		if (cases[i].at != ANY)
			assert_int_equal(at, cases[i].at);
		else
			assert_true(at <= strlen(cases[i].text));
	}
}

static void
takes_what_is_fine(void **state)
{
	static const char *good[] = {
		"{\"a\":1}",
		"  {\"a\":1}\r\n\t ",
		/* The same key in two objects, and a literal backslash-u0000
		 * (an escaped backslash, then text). */
		"{\"x\":{\"k\":1},\"y\":{\"k\":2},\"z\":[{\"k\":1},{\"k\":2}]}",
		"{\"h\":\"\\\\u0000\"}",
		"[1,2,3]",
	};
	char err[256];
	size_t at;

	(void)state;
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		cJSON *o = json_parse_strict(good[i], strlen(good[i]), &at, err,
		    sizeof err);

		if (o == NULL)
			fail_msg("%s: refused: %s", good[i], err);
		assert_int_equal(at, strlen(good[i]));
		cJSON_Delete(o);
	}
	/* Only len bytes are read: what follows them is not the file's. */
	cJSON *o = json_parse_strict("{\"a\":1}garbage", 7, NULL, err,
	    sizeof err);
	assert_non_null(o);
	cJSON_Delete(o);
}

/* Text as a person's screen gets it: json_text_ok takes UTF-8 with no
 * control character, json_text_clean drops the controls and refuses what
 * is not UTF-8, json_text_show escapes both and says when it cut. */
static void
text_ok_clean_and_show(void **state)
{
	char s[64], shown[64];

	(void)state;
	assert_int_equal(json_text_ok("QDI caf\xc3\xa9 \xe6\x97\xa5"), 1);
	assert_int_equal(json_text_ok(""), 1);
	assert_int_equal(json_text_ok("A\x1b[2J"), 0);     /* ESC */
	assert_int_equal(json_text_ok("A\x7f"), 0);        /* DEL */
	assert_int_equal(json_text_ok("A\xc2\x85"), 0);    /* C1 NEL */
	assert_int_equal(json_text_ok("A\xff"), 0);        /* not UTF-8 */
	assert_int_equal(json_text_ok("\xc0\xaf"), 0);     /* overlong */
	strcpy(s, "a\x1b" "b\xc2\x85" "c");
	assert_int_equal(json_text_clean(s), 0);
	assert_string_equal(s, "abc");
	strcpy(s, "a\xff");
	assert_int_equal(json_text_clean(s), -1);
	assert_string_equal(json_text_show(shown, sizeof shown, "A\x1b" "B\xff",
	    40), "A\\x1bB\\xff");
	assert_string_equal(json_text_show(shown, sizeof shown, "abcdef", 3),
	    "abc...");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(refuses_what_readers_would_read_differently),
		cmocka_unit_test(takes_what_is_fine),
		cmocka_unit_test(text_ok_clean_and_show),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
