/*
 * tests/unit/test-tui-layout.c -- layout files (tranche-layout(5)): a good
 * file is parsed and placed, mistakes are reported as FILE:LINE: what, the
 * shipped layouts all parse, and a file in the user's directory replaces
 * the system one of the same name.
 */
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

#include "tui/tui.h"

static const char *good =
	"{\n"
	"  \"name\": \"desk\",\n"
	"  \"min_cols\": 90,\n"
	"  \"min_rows\": 26,\n"
	"  \"focus\": \"tape\",\n"
	"  \"columns\": [\n"
	"    { \"width\": 40,\n"
	"      \"panels\": [\n"
	"        { \"panel\": \"book\", \"height\": 60 },\n"
	"        { \"panel\": \"tape\" }\n"
	"      ] },\n"
	"    { \"panels\": [\n"
	"        { \"panel\": \"block\", \"rows\": 10 },\n"
	"        { \"panel\": \"chart\" },\n"
	"        { \"panel\": \"alerts\", \"rows\": 6 }\n"
	"      ] }\n"
	"  ]\n"
	"}\n";

static void
layout_good_file_parses_and_places(void **state)
{
	struct layout l;
	struct tui_rect r[PANEL_COUNT + 1];
	char err[400] = "";

	(void)state;
	assert_int_equal(layout_parse(&l, "desk.json", good, err, sizeof err),
	    0);
	assert_string_equal(err, "");
	assert_string_equal(l.name, "desk");
	assert_int_equal(l.min_cols, 90);
	assert_int_equal(l.min_rows, 26);
	assert_int_equal(l.focus, PANEL_TAPE);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.cols[0].n, 2);
	assert_int_equal(l.cols[0].cells[0].panel, PANEL_BOOK);
	assert_int_equal(l.cols[0].cells[0].pct, 60);
	assert_int_equal(l.cols[1].cells[0].rows, 10);

	/* Too small for it: refused. */
	assert_int_equal(layout_place(&l, 25, 120, r), -1);
	assert_int_equal(layout_place(&l, 40, 89, r), -1);
	/* Placed: the panels named are there and inside the screen, the
	 * others are not; the two columns share the width. */
	assert_int_equal(layout_place(&l, 40, 120, r), 0);
	assert_true(r[PANEL_BOOK].h > 0 && r[PANEL_TAPE].h > 0);
	assert_true(r[PANEL_BLOCK].h == 10);
	assert_int_equal(r[PANEL_DECISIONS].h, 0);
	assert_int_equal(r[PANEL_AUDIT].h, 0);
	assert_int_equal(r[PANEL_BOOK].x, 0);
	assert_int_equal(r[PANEL_BOOK].w, 48);
	assert_int_equal(r[PANEL_BLOCK].x, 48);
	assert_int_equal(r[PANEL_BLOCK].w, 72);
	assert_true(r[PANEL_TAPE].y > r[PANEL_BOOK].y);
	for (int i = 0; i < PANEL_COUNT; i++)
		if (r[i].h > 0) {
			assert_true(r[i].y >= 0 && r[i].y + r[i].h <= 40);
			assert_true(r[i].x >= 0 && r[i].x + r[i].w <= 120);
		}
}

static void
layout_unknown_panel_names_its_line(void **state)
{
	struct layout l;
	char err[400] = "", *text = strdup(good), *at;

	(void)state;
	at = strstr(text, "\"chart\"");
	memcpy(at, "\"graph\"", 7);
	assert_int_equal(layout_parse(&l, "desk.json", text, err, sizeof err),
	    -1);
	assert_non_null(strstr(err, "desk.json:14: "));
	assert_non_null(strstr(err, "unknown panel \"graph\""));
	free(text);

	/* An unknown key, on its own line. */
	text = strdup(good);
	at = strstr(text, "\"min_rows\"");
	memcpy(at, "\"max_rows\"", 10);
	assert_int_equal(layout_parse(&l, "desk.json", text, err, sizeof err),
	    -1);
	assert_non_null(strstr(err, "desk.json:4: "));
	assert_non_null(strstr(err, "unknown key \"max_rows\""));
	free(text);
}

static void
layout_bad_json_names_its_line(void **state)
{
	struct layout l;
	char err[400] = "", *text = strdup(good), *at;

	(void)state;
	/* Drop the comma at the end of line 9. */
	at = strstr(text, "\"height\": 60 },");
	at[strlen("\"height\": 60 }")] = ' ';
	assert_int_equal(layout_parse(&l, "x/desk.json", text, err, sizeof err),
	    -1);
	assert_true(strncmp(err, "x/desk.json:", 12) == 0);
	assert_non_null(strstr(err, "not valid JSON"));
	/* cJSON stops at the next token, on line 10. */
	assert_true(strncmp(err, "x/desk.json:10:", 15) == 0 ||
	    strncmp(err, "x/desk.json:9:", 14) == 0);
	free(text);

	assert_int_equal(layout_parse(&l, "e.json", "", err, sizeof err), -1);
	assert_non_null(strstr(err, "e.json:1:"));
	assert_int_equal(layout_parse(&l, "a.json", "[1,2]", err, sizeof err),
	    -1);
	assert_non_null(strstr(err, "a.json:1:"));
	assert_non_null(strstr(err, "a layout is a JSON object"));
	/* A trailing comma (cJSON stops at the end) and text cut short: never
	 * "near ''" (the pointer was on a newline). */
	assert_int_equal(layout_parse(&l, "t.json", "{\"name\":\"t\",\n}\n",
	    err, sizeof err), -1);
	assert_null(strstr(err, "near ''"));
	assert_non_null(strstr(err, "not valid JSON near '(end of file)'"));
	assert_int_equal(layout_parse(&l, "t.json", "{\"name\":\n\n  x\n}",
	    err, sizeof err), -1);
	assert_non_null(strstr(err, "t.json:3: not valid JSON near 'x'"));
}

/* Refusals name the value given; a minimum below the console's 60x16 or
 * not whole is refused; and a layout's minimum is at least what its
 * columns and panels take (found by a review on 2026-12-07). */
static void
layout_values_are_named_and_minimums_hold(void **state)
{
	static const struct {
		const char *text, *want;
	} bad[] = {
		{ "{\"name\":\"a\",\"min_cols\":40,\"columns\":[{\"panels\":"
		  "[{\"panel\":\"book\"}]}]}", "\"min_cols\" 40: must be a whole "
		  "number from 60 to 500" },
		{ "{\"name\":\"a\",\"min_cols\":60.9,\"columns\":[{\"panels\":"
		  "[{\"panel\":\"book\"}]}]}", "\"min_cols\" 60.9: must" },
		{ "{\"name\":\"a\",\"min_rows\":\"20\",\"columns\":[{\"panels\":"
		  "[{\"panel\":\"book\"}]}]}", "\"min_rows\" \"20\": must" },
		{ "{\"name\":\"B8\",\"columns\":[{\"panels\":[{\"panel\":"
		  "\"book\"}]}]}", "\"name\" \"B8\": must" },
		{ "{\"name\":\"a\",\"columns\":[{\"panels\":[{\"panel\":"
		  "\"book\",\"rows\":-5}]}]}", "\"rows\" -5: must" },
		{ "{\"name\":\"a\",\"focus\":\"tape\",\"columns\":[{\"panels\":"
		  "[{\"panel\":\"book\"}]}]}", "\"focus\" \"tape\": must" },
		{ "{\"name\":\"a\",\"columns\":[{\"panels\":[{\"panel\":7}]}]}",
		  "a panel needs \"panel\" 7: one of book," },
	};
	struct layout l;
	char err[400];

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(layout_parse(&l, "v.json", bad[i].text, err,
		    sizeof err), -1);
		if (strstr(err, bad[i].want) == NULL)
			fail_msg("%s: got %s", bad[i].want, err);
	}
	/* Four columns need 80 columns, six panels in one 21 rows. */
	assert_int_equal(layout_parse(&l, "w.json", "{\"name\":\"w\","
	    "\"columns\":[{\"cols\":20,\"panels\":[{\"panel\":\"book\"}]},"
	    "{\"cols\":20,\"panels\":[{\"panel\":\"tape\"}]},{\"cols\":20,"
	    "\"panels\":[{\"panel\":\"chart\"}]},{\"panels\":[{\"panel\":"
	    "\"block\"},{\"panel\":\"decisions\"},{\"panel\":\"alerts\"},"
	    "{\"panel\":\"audit\"},{\"panel\":\"blotter\"},{\"panel\":"
	    "\"children\"}]}]}", err, sizeof err), 0);
	assert_int_equal(l.min_cols, 80);
	assert_int_equal(l.min_rows, 21);
	{
		struct tui_rect out[PANEL_COUNT + 1];

		assert_int_equal(layout_place(&l, 21, 79, out), -1);
		assert_int_equal(layout_place(&l, 21, 80, out), 0);
	}
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void
layout_user_dir_overrides_the_system_one(void **state)
{
	char dir[200], sys[256], user[256], path[400], cmd[600];
	struct layout_set set;
	int i;
	const char *tmp = getenv("TMPDIR");

	(void)state;
	snprintf(dir, sizeof dir, "%s/test-tui-layout-%d", tmp ? tmp : "/tmp",
	    (int)getpid());
	snprintf(sys, sizeof sys, "%s/sys", dir);
	snprintf(user, sizeof user, "%s/cfg/tranche/layouts", dir);
	snprintf(cmd, sizeof cmd, "mkdir -p '%s' '%s'", sys, user);
	assert_int_equal(system(cmd), 0);

	/* The shipped layouts all parse. */
	layout_load_all(&set, TRANCHE_SOURCE_DIR "/layouts");
	for (i = 0; i < set.nerrors; i++)
		fprintf(stderr, "%s\n", set.errors[i]);
	assert_int_equal(set.nerrors, 0);
	assert_true(layout_find(&set, "trader") == 0);
	assert_true(layout_find(&set, "replay") >= 0);
	assert_true(layout_find(&set, "compact") >= 0);
	assert_true(layout_find(&set, "supervisor") >= 0);

	/* System: trader and desk.  User: a different trader, and a bad file
	 * that is skipped and reported. */
	snprintf(path, sizeof path, "%s/trader.json", sys);
	write_file(path, "{\"name\":\"trader\",\"columns\":[{\"panels\":"
	    "[{\"panel\":\"book\"}]}]}");
	snprintf(path, sizeof path, "%s/desk.json", sys);
	write_file(path, good);
	snprintf(path, sizeof path, "%s/trader.json", user);
	write_file(path, "{\"name\":\"trader\",\"min_cols\":70,\"columns\":"
	    "[{\"panels\":[{\"panel\":\"tape\"},{\"panel\":\"audit\"}]}]}");
	snprintf(path, sizeof path, "%s/broken.json", user);
	write_file(path, "{\n\"name\":\"broken\",\n\"columns\":[{\"panels\":"
	    "[{\"panel\":\"nope\"}]}]\n}\n");

	snprintf(path, sizeof path, "%s/cfg", dir);
	setenv("XDG_CONFIG_HOME", path, 1);
	layout_load_all(&set, sys);
	assert_int_equal(set.n, 2);
	assert_int_equal(layout_find(&set, "trader"), 0); /* shipped first */
	i = layout_find(&set, "trader");
	assert_int_equal(set.items[i].min_cols, 70);
	assert_int_equal(set.items[i].cols[0].cells[0].panel, PANEL_TAPE);
	assert_non_null(strstr(set.items[i].path, "/cfg/tranche/layouts/"));
	assert_true(layout_find(&set, "desk") >= 0);
	assert_int_equal(layout_find(&set, "broken"), -1);
	assert_int_equal(set.nerrors, 1);
	assert_non_null(strstr(set.errors[0], "broken.json:3: "));
	assert_non_null(strstr(set.errors[0], "unknown panel \"nope\""));
	/* The list names every panel a layout may place (venues and rfq were
	 * left out), and --layout broken says why it cannot be used. */
	assert_non_null(strstr(set.errors[0], "children, venues, rfq)"));
	assert_ptr_equal(layout_error_of(&set, "broken"), set.errors[0]);
	assert_null(layout_error_of(&set, "desk"));
	/* A second bad file is counted too (only the first was said). */
	snprintf(path, sizeof path, "%s/zero.json", user);
	write_file(path, "{\"name\":\"zero\",\"columns\":[{\"width\":0,"
	    "\"panels\":[{\"panel\":\"book\"}]}]}");
	layout_load_all(&set, sys);
	assert_int_equal(set.nerrors, 2);
	assert_non_null(strstr(set.errors[1], "\"width\" 0: must be"));
	assert_non_null(strstr(layout_error_of(&set, "zero"), "zero.json:1:"));
	/* Every one of them says why, the tenth too (only the first eight
	 * were kept, found by a review). */
	for (i = 1; i <= 10; i++) {
		snprintf(path, sizeof path, "%s/z%02d.json", user, i);
		write_file(path, "{\"name\":\"z\",\"columns\":[{\"width\":0,"
		    "\"panels\":[{\"panel\":\"book\"}]}]}");
	}
	layout_load_all(&set, sys);
	assert_int_equal(set.nerrors, 12);
	assert_non_null(layout_error_of(&set, "z10"));
	for (i = 1; i <= 10; i++) {
		snprintf(path, sizeof path, "%s/z%02d.json", user, i);
		unlink(path);
	}

	/* Without XDG_CONFIG_HOME: $HOME/.config/tranche/layouts. */
	unsetenv("XDG_CONFIG_HOME");
	setenv("HOME", dir, 1);
	layout_load_all(&set, sys);
	i = layout_find(&set, "trader");
	assert_int_equal(set.items[i].cols[0].cells[0].panel, PANEL_BOOK);
	assert_int_equal(set.nerrors, 0);

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(layout_good_file_parses_and_places),
		cmocka_unit_test(layout_unknown_panel_names_its_line),
		cmocka_unit_test(layout_bad_json_names_its_line),
		cmocka_unit_test(layout_values_are_named_and_minimums_hold),
		cmocka_unit_test(layout_user_dir_overrides_the_system_one),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
