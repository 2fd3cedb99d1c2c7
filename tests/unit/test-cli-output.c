/*
 * tests/unit/test-cli-output.c -- what the command line's reports print
 * that someone else's program reads (found by an adversarial review,
 * 2026-12-07):
 *
 * t975_is_students: backtest_stats' interval uses Student's t with n - 1
 *   degrees of freedom (1.96 at every n made three sessions' interval 45%
 *   too narrow), and one session has none (NAN, not a zero width);
 * csv_fields_are_quoted_where_they_must_be: a field with a comma, a quote
 *   or a line break is quoted, quotes doubled; any other is itself;
 * json_strings_are_escaped: a scenario's name with a quote and a backslash
 *   is a JSON string.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "engine/backtest/backtest.h"
#include "engine/cli/cli.h"

static void
t975_is_students(void **state)
{
	/* Exact to 1e-4 (tables; 31 and beyond by the expansion). */
	static const struct { int df; double t; } k[] = {
		{ 1, 12.7062 }, { 2, 4.3027 }, { 10, 2.2281 }, { 30, 2.0423 },
		{ 31, 2.0395 }, { 40, 2.0211 }, { 60, 2.0003 }, { 120, 1.9799 },
		{ 499, 1.9647 }, { 100000, 1.9600 },
	};
	const double v[3] = { 10, 20, 60 };
	struct bt_stats s;

	(void)state;
	for (size_t i = 0; i < sizeof k / sizeof k[0]; i++)
		assert_true(fabs(backtest_t975(k[i].df) - k[i].t) < 1.5e-4);
	assert_true(isnan(backtest_t975(0)));
	backtest_stats(v, 3, &s);
	assert_true(fabs(s.mean - 30) < 1e-12);
	assert_true(fabs(s.hi - s.mean - 4.3027 * s.sd / sqrt(3)) < 1e-3);
	assert_true(fabs(s.mean - s.lo - 4.3027 * s.sd / sqrt(3)) < 1e-3);
	backtest_stats(v, 1, &s);
	assert_true(s.mean == 10 && s.sd == 0 && isnan(s.lo) && isnan(s.hi));
}

static void
csv_fields_are_quoted_where_they_must_be(void **state)
{
	char b[64];

	(void)state;
	assert_string_equal(cli_csv_field(b, sizeof b, "calm"), "calm");
	assert_string_equal(cli_csv_field(b, sizeof b, "X,Y"), "\"X,Y\"");
	assert_string_equal(cli_csv_field(b, sizeof b, "a\"b\\c,d"),
	    "\"a\"\"b\\c,d\"");
	assert_string_equal(cli_csv_field(b, sizeof b, "two\nlines"),
	    "\"two\nlines\"");
	/* Cut to fit, still closed. */
	assert_string_equal(cli_csv_field(b, 8, "a,bcdefgh"), "\"a,bc\"");
}

static void
json_strings_are_escaped(void **state)
{
	char *s = cli_json_string("a\"b\\c,d");
	cJSON *o;

	(void)state;
	assert_non_null(s);
	assert_string_equal(s, "\"a\\\"b\\\\c,d\"");
	o = cJSON_Parse(s);
	assert_true(cJSON_IsString(o));
	assert_string_equal(o->valuestring, "a\"b\\c,d");
	cJSON_Delete(o);
	cJSON_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t975_is_students),
		cmocka_unit_test(csv_fields_are_quoted_where_they_must_be),
		cmocka_unit_test(json_strings_are_escaped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
