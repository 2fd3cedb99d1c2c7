/*
 * tests/unit/test-tui-render.c -- the tape, chart, blotter, audit and help
 * panels drawn into curses pads on a terminal whose output goes to
 * /dev/null, read back with mvwinnstr().  The help is also checked against
 * tranche(1): every key it lists has an entry in the man page.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tui/tui.h"
#include "tests/unit/tui-fixture.h"

#define T0 34200000000000LL /* 09:30:00 */
#define SEC 1000000000LL

/* The render tests push everything at one console time. */
static void
push(struct store *s, const char *topic, uint64_t seq, int64_t t,
     const char *payload)
{
	push_at(s, topic, seq, t, payload, 1000);
}

/* How many times c is on the panel, below its frame and first line. */
static int
count_char(struct panel *p, char c)
{
	int y, n = 0;
	const char *r;

	for (y = 2; y < p->h - 1; y++)
		for (r = row(p, y) + 1; *r; r++)
			n += *r == c;
	return n;
}


static void
render_tape_newest_first_in_words(void **state)
{
	struct store s;
	struct tui_view v;
	struct panel p;
	int y;

	(void)state;
	store_init(&s);
	view_init(&v, &s);
	p = render(&panel_tape_ops, &v, 10, 48);
	assert_true(find_row(&p, "TAPE 0") == 0);
	assert_true(find_row(&p, "no prints yet") > 0);
	delwin(p.win);

	push(&s, TOPIC_TRADE, 1, T0 + SEC, "{\"px\":10001,\"qty\":300,"
	    "\"aggr\":\"buy\"}");
	push(&s, TOPIC_TRADE, 2, T0 + 2 * SEC, "{\"px\":10000,\"qty\":1200,"
	    "\"aggr\":\"sell\"}");
	push(&s, TOPIC_TRADE, 3, T0 + 3 * SEC, "{\"px\":10000,\"qty\":100,"
	    "\"aggr\":\"sell\"}");
	push(&s, TOPIC_TRADE, 4, T0 + 4 * SEC, "{\"px\":10003,\"qty\":50,"
	    "\"aggr\":\"buy\"}");
	p = render(&panel_tape_ops, &v, 10, 48);
	assert_true(find_row(&p, "TAPE 4") == 0);
	y = find_row2(&p, "TIME", "PRICE");
	assert_int_equal(y, 1);
	/* Newest on top; the move against the print before it in a sign. */
	assert_non_null(strstr(row(&p, 2), "BUY  +   100.03"));
	assert_non_null(strstr(row(&p, 3), "SELL =   100.00"));
	assert_non_null(strstr(row(&p, 4), "SELL -   100.00"));
	assert_non_null(strstr(row(&p, 4), "1,200"));
	assert_non_null(strstr(row(&p, 5), "BUY"));
	assert_non_null(strstr(row(&p, 5), "100.01"));
	assert_non_null(strstr(row(&p, 2), "09:30:0"));
	assert_int_equal(find_row(&p, "no prints yet"), -1);
	delwin(p.win);

	/* A short panel shows only the newest that fit. */
	p = render(&panel_tape_ops, &v, 5, 48);
	assert_true(find_row(&p, "100.03") == 2);
	assert_int_equal(find_row(&p, "100.01"), -1);
	delwin(p.win);
	store_free(&s);
}

static void
render_chart_mid_arrival_and_fills(void **state)
{
	struct store s;
	struct tui_view v;
	struct panel p;
	char book[200];
	int i, yb, ya;
	uint64_t seq = 2;

	(void)state;
	store_init(&s);
	view_init(&v, &s);
	p = render(&panel_chart_ops, &v, 10, 50);
	assert_true(find_row(&p, "CHART") == 0);
	assert_true(find_row(&p, "waiting for prices") > 0);
	delwin(p.win);

	/* A mid climbing from 100.00 to 100.10, a buy block that arrived at
	 * 100.00, and one fill at 100.05. */
	push(&s, TOPIC_BLOCK, 1, T0, "{\"id\":\"B1\",\"sym\":\"QDI\","
	    "\"side\":\"buy\",\"qty\":1000,\"filled\":0,\"state\":\"WORKING\","
	    "\"arrival_px\":10000}");
	for (i = 0; i <= 10; i++) {
		snprintf(book, sizeof book, "{\"sym\":\"QDI\",\"bids\":[[%d,100,1]],"
		    "\"asks\":[[%d,100,1]]}", 9999 + i, 10001 + i);
		push(&s, TOPIC_BOOK, seq++, T0 + (1 + i) * SEC, book);
		if (i == 5)
			push(&s, TOPIC_FILL, seq++, T0 + 6 * SEC, "{\"block\":"
			    "\"B1\",\"px\":10005,\"qty\":100,\"filled\":100}");
	}
	assert_int_equal(s.gaps, 0);
	v.ascii = 1;
	p = render(&panel_chart_ops, &v, 12, 70);
	assert_true(find_row(&p, "mid 100.10") == 1);
	assert_true(find_row(&p, "arrival 100.00") == 1);
	assert_true(find_row(&p, "high 100.10") == 1);
	assert_true(find_row(&p, "low 100.00") == 1);
	/* One '*' a sample, the fill's B, the arrival as a dashed level at
	 * the bottom (the lowest price), the newest sample at the top right. */
	assert_int_equal(count_char(&p, '*'), 11);
	assert_int_equal(count_char(&p, 'B'), 1);
	for (yb = 2; yb < 11 && strchr(row(&p, yb) + 1, 'B') == NULL; yb++)
		;
	ya = find_row(&p, "- - -");
	assert_true(yb > 1 && ya > yb);
	assert_int_equal(ya, 12 - 2);
	assert_int_equal(row(&p, 2)[68], '*');
	delwin(p.win);

	/* Without --ascii but not in UTF-8 (this pad's terminal): '*' too. */
	v.ascii = 0;
	v.utf8 = 0;
	p = render(&panel_chart_ops, &v, 12, 70);
	assert_true(count_char(&p, '*') > 0);
	delwin(p.win);
	store_free(&s);
}

static void
render_blotter_marks_the_selected_block(void **state)
{
	struct store s;
	struct tui_view v;
	struct panel p;
	int y1, y2;

	(void)state;
	store_init(&s);
	view_init(&v, &s);
	p = render(&panel_blotter_ops, &v, 8, 90);
	assert_true(find_row(&p, "BLOTTER 0") == 0);
	assert_true(find_row(&p, "no parent orders") > 0);
	delwin(p.win);

	push(&s, TOPIC_BLOCK, 1, T0, "{\"id\":\"B1\",\"sym\":\"QDI\","
	    "\"side\":\"buy\",\"qty\":100000,\"filled\":42300,"
	    "\"state\":\"WORKING\",\"algo\":\"vwap\",\"avg_px\":10001.25,"
	    "\"is_bps\":0.7}");
	push(&s, TOPIC_BLOCK, 2, T0, "{\"id\":\"B2\",\"sym\":\"QDI\","
	    "\"side\":\"sell\",\"qty\":5000,\"filled\":0,\"state\":\"PAUSED\","
	    "\"algo\":\"twap\"}");
	v.sel_block = 1;
	v.focus = PANEL_BLOTTER;
	p = render(&panel_blotter_ops, &v, 8, 90);
	assert_true(find_row(&p, "BLOTTER 2") == 0);
	assert_true(find_row2(&p, "BLOCK", "IS bps") == 1);
	y1 = find_row(&p, "B1");
	y2 = find_row(&p, "B2");
	assert_int_equal(y1, 2);
	assert_int_equal(y2, 3);
	assert_non_null(strstr(row(&p, y1), "BUY"));
	assert_non_null(strstr(row(&p, y1), "100,000"));
	assert_non_null(strstr(row(&p, y1), "42%"));
	assert_non_null(strstr(row(&p, y1), "WORKING"));
	assert_non_null(strstr(row(&p, y1), "vwap"));
	assert_non_null(strstr(row(&p, y1), "100.01"));
	assert_non_null(strstr(row(&p, y1), "+0.7"));
	assert_non_null(strstr(row(&p, y2), "SELL"));
	assert_non_null(strstr(row(&p, y2), "PAUSED"));
	/* The selection is a '>' as well as reverse video. */
	assert_int_equal(row(&p, y2)[1], '>');
	assert_int_equal(row(&p, y1)[1], ' ');
	assert_true(mvwinch(p.win, y2, 5) & A_REVERSE);
	assert_false(mvwinch(p.win, y1, 5) & A_REVERSE);
	/* Up moves the selection (the console redraws). */
	assert_true(p.ops->key(&p, &v, TK(KEY_UP)) & TUI_HANDLED);
	assert_int_equal(v.sel_block, 0);
	delwin(p.win);
	store_free(&s);
}

/* A block an hour long, seven samples five minutes apart, behind its
 * schedule (7,000 filled for every 8,000 due), with a forced style, a
 * limit, an aggression cap and a maximum child, and its shortfall's parts. */
static void
block_history(struct store *s)
{
	char json[1024];
	int k;

	for (k = 0; k <= 6; k++) {
		snprintf(json, sizeof json, "{\"id\":\"B1\",\"sym\":\"QDI\","
		    "\"side\":\"buy\",\"qty\":100000,\"filled\":%d,"
		    "\"remaining\":%d,\"state\":\"WORKING\",\"algo\":\"vwap\","
		    "\"start\":\"34200000000000\",\"end\":\"37800000000000\","
		    "\"arrival_px\":10000,\"avg_px\":10001,\"sched_qty\":%d,"
		    "\"pct_sched\":87.5,\"is_bps\":1.2,\"is_cash\":120.5,"
		    "\"is_spread\":40.25,\"is_temp\":55.5,\"is_timing\":24.75,"
		    "\"is_opp\":-310.5,\"max_child\":1000,\"aggression\":"
		    "\"neutral\",\"limit_px\":10005,\"forced\":\"aggressive\","
		    "\"forced_until\":\"36100000000000\"}", 7000 * k,
		    100000 - 7000 * k, 8000 * k);
		push(s, TOPIC_BLOCK, (uint64_t)k + 1, T0 + k * 300 * SEC, json);
	}
}

/*
 * The block panel, wide: the shortfall's decomposition under the cost,
 * and on the right the controls in force -- the forced style with the time
 * it has left, first -- above the schedule-against-filled chart, which
 * stops at now.
 */
static void
render_block_chart_parts_and_controls(void **state)
{
	struct store s;
	struct tui_view v;
	struct panel p;
	int y, yc, x, hashes = 0, dashes = 0, last = -1;

	(void)state;
	store_init(&s);
	block_history(&s);
	view_init(&v, &s);
	p = render(&panel_block_ops, &v, 12, 96);
	if (getenv("TRANCHE_TEST_SHOW") != NULL)
		for (y = 0; y < p.h; y++)
			fprintf(stderr, "|%s|\n", row(&p, y));
	/* The parts of Cost add up to it on screen (40 + 56 + 25 = 121);
	 * opportunity follows the ';', outside it. */
	y = find_row(&p, "= spread $40 + impact $56 + timing $25; opp -$311");
	assert_true(y > find_row(&p, "Cost $121"));
	/* Forced until 10:01:40, now 10:00:00: 1m40s left, first. */
	assert_int_equal(find_row(&p, "Forced aggressive, 1m40s left"), 1);
	assert_int_equal(find_row(&p, "Limit 100.05"), 2);
	assert_int_equal(find_row(&p, "Aggression cap neutral"), 3);
	assert_int_equal(find_row(&p, "Max child 1,000"), 4);
	yc = find_row(&p, "Sched - vs filled #");
	assert_int_equal(yc, 5);
	/* Half the hour has passed: marks in the chart's left half only,
	 * behind schedule: the schedule's '-' above the filled '#'. */
	x = (int)(strstr(row(&p, yc), "Sched") - row(&p, yc));
	for (y = yc + 1; y < p.h - 1; y++) {
		const char *r = row(&p, y);
		int c;

		for (c = x; r[c] != '\0' && c < p.w - 1; c++) {
			hashes += r[c] == '#';
			dashes += r[c] == '-';
			if (r[c] == '#' || r[c] == '-' || r[c] == '=')
				last = c > last ? c : last;
		}
	}
	assert_true(hashes > 0);
	assert_true(dashes > 0);
	assert_true(last > x + 5 && last < x + (p.w - 2) / 3 / 2 + 2);
	delwin(p.win);

	/* The override's end passes with no block event (the engine sends
	 * one when the block changes, not when time does): past its end it
	 * is not shown, and never as "? left". */
	push(&s, TOPIC_TRADE, 8, 36101 * SEC, "{\"px\":10001,\"qty\":100,"
	    "\"aggr\":\"buy\"}");
	p = render(&panel_block_ops, &v, 12, 96);
	assert_int_equal(find_row(&p, "Forced"), -1);
	assert_int_equal(find_row(&p, "? left"), -1);
	delwin(p.win);

	/* The override ends: the next block event has no "forced". */
	push(&s, TOPIC_BLOCK, 9, T0 + 1900 * SEC, "{\"id\":\"B1\","
	    "\"qty\":100000,\"filled\":43000,\"sched_qty\":50000}");
	p = render(&panel_block_ops, &v, 12, 96);
	assert_int_equal(find_row(&p, "Forced"), -1);
	delwin(p.win);

	/* Big parts on a tighter panel: short labels, then no '$', so the
	 * opportunity cost is never cut off. */
	push(&s, TOPIC_BLOCK, 10, T0 + 1910 * SEC, "{\"id\":\"B1\","
	    "\"qty\":100000,\"filled\":43000,\"sched_qty\":50000,"
	    "\"is_spread\":40,\"is_temp\":56,\"is_timing\":-8250.4,"
	    "\"is_opp\":-123456,\"is_cash\":-8154.4}");
	p = render(&panel_block_ops, &v, 12, 96);
	assert_true(find_row(&p, "spread $40 + impact $56 + timing -$8,250; "
	    "opp -$123,456") > 0);
	delwin(p.win);
	p = render(&panel_block_ops, &v, 12, 70);
	assert_true(find_row(&p, "spr 40+imp 56+tim -8,250; opp -123,456") > 0);
	delwin(p.win);
	p = render(&panel_block_ops, &v, 12, 68);
	assert_true(find_row(&p, "spr 40+imp 56+tim -8,250; opp -123,456") > 0);
	delwin(p.win);
	push(&s, TOPIC_BLOCK, 11, T0 + 1920 * SEC, "{\"id\":\"B1\","
	    "\"qty\":100000,\"filled\":43000,\"sched_qty\":50000,"
	    "\"is_spread\":1040,\"is_temp\":56,\"is_timing\":-18250,"
	    "\"is_opp\":-123456,\"is_cash\":-17154}");
	p = render(&panel_block_ops, &v, 12, 68);
	assert_true(find_row(&p, "spr 1,040+imp 56+tim -18k; opp -123k") > 0);
	delwin(p.win);
	/* Parts that round away from their sum: the remainder is a part of
	 * its own, so what is shown adds up (0 + 0 + 0 + 1 = 1). */
	push(&s, TOPIC_BLOCK, 12, T0 + 1930 * SEC, "{\"id\":\"B1\","
	    "\"qty\":100000,\"filled\":43000,\"sched_qty\":50000,"
	    "\"is_spread\":0.4,\"is_temp\":0.4,\"is_timing\":0.4,"
	    "\"is_opp\":-2,\"is_cash\":1.2}");
	p = render(&panel_block_ops, &v, 12, 96);
	assert_true(find_row(&p, "Cost $1") > 0);
	assert_true(find_row(&p, "spread $0 + impact $0 + timing $0 + other $1; "
	    "opp -$2") > 0);
	delwin(p.win);
	/* A remainder part on a panel whose chart takes a third: the
	 * letters form keeps the opportunity cost whole ("opp 33~" was
	 * seen cut during a headline). */
	push(&s, TOPIC_BLOCK, 13, T0 + 1935 * SEC, "{\"id\":\"B1\","
	    "\"qty\":100000,\"filled\":43000,\"sched_qty\":50000,"
	    "\"is_spread\":-914.4,\"is_temp\":1668.4,\"is_timing\":-33224.4,"
	    "\"is_opp\":331234,\"is_cash\":-32469}");
	p = render(&panel_block_ops, &v, 12, 72);
	if (getenv("TRANCHE_TEST_SHOW") != NULL)
		for (y = 0; y < p.h; y++)
			fprintf(stderr, "|%s|\n", row(&p, y));
	assert_true(find_row(&p, "opp 331k") > 0);
	delwin(p.win);
	/* Two hours left and the end-of-window setting: the Left field
	 * says both within its half and never runs into Cap ("1h58m34s
	 * then c~Cap" was seen during a headline). */
	push(&s, TOPIC_BLOCK, 14, T0 + 1940 * SEC, "{\"id\":\"B1\","
	    "\"qty\":100000,\"filled\":43000,\"sched_qty\":50000,"
	    "\"end\":43000000000000,\"at_end\":\"cross\"}");
	p = render(&panel_block_ops, &v, 12, 72);
	if (getenv("TRANCHE_TEST_SHOW") != NULL)
		for (y = 0; y < p.h; y++)
			fprintf(stderr, "|%s|\n", row(&p, y));
	assert_true(find_row(&p, "cross") > 0);
	assert_int_equal(find_row(&p, "~Cap"), -1);
	delwin(p.win);
	store_free(&s);
}

/* Narrow: no room for the chart; the controls join the list under the
 * state, the forced style first. */
static void
render_block_narrow_lists_the_controls(void **state)
{
	struct store s;
	struct tui_view v;
	struct panel p;

	(void)state;
	store_init(&s);
	block_history(&s);
	view_init(&v, &s);
	p = render(&panel_block_ops, &v, 16, 56);
	assert_int_equal(find_row(&p, "State"), 1);
	assert_int_equal(find_row(&p, "Forced aggressive, 1m40s left"), 2);
	assert_int_equal(find_row(&p, "Max child 1,000"), 5);
	assert_int_equal(find_row(&p, "Sched - vs filled"), -1);
	assert_true(find_row(&p, "spread $40") > 5);
	delwin(p.win);
	store_free(&s);
}

/*
 * A block of ais-pass an hour long, half way through with 48,000 of
 * 100,000 filled and its plan ahead of the base schedule: both from now
 * (10:00) to the end (10:30), the plan front-loaded (50,000 + 50,000 (1 -
 * (1 - f)^2)) and the base a straight line (50,000 + 50,000 f); half of
 * the rest (75,000) due by 10:08:47 on the plan and 10:15:00 on the base.
 * with_plan 0: the same block event without one.
 */
static void
plan_block(char *json, size_t n, int with_plan)
{
	size_t used;
	int i;

	used = (size_t)snprintf(json, n, "{\"id\":\"B1\",\"sym\":\"QDI\","
	    "\"side\":\"sell\",\"qty\":100000,\"filled\":48000,"
	    "\"remaining\":52000,\"state\":\"WORKING\",\"algo\":\"ais-pass\","
	    "\"start\":\"34200000000000\",\"end\":\"37800000000000\","
	    "\"arrival_px\":10000,\"avg_px\":9990,\"sched_qty\":50000,"
	    "\"pct_sched\":96,\"is_bps\":10,\"is_cash\":4800");
	if (with_plan) {
		used += (size_t)snprintf(json + used, n - used, ",\"plan\":{"
		    "\"since\":\"35700000000000\",\"end\":\"37800000000000\","
		    "\"from\":40000,\"lump\":0,\"urgency\":2.5,"
		    "\"half_qty\":75000,\"half_t\":\"36527000000000\","
		    "\"base_half_t\":\"36900000000000\",\"points\":[");
		for (i = 0; i < 12; i++) {
			double f = i / 11.0;

			used += (size_t)snprintf(json + used, n - used,
			    "%s[\"%lld\",%.0f]", i ? "," : "",
			    36000000000000LL + (long long)(1800 * f) * SEC,
			    50000 + 50000 * (1 - (1 - f) * (1 - f)));
		}
		used += (size_t)snprintf(json + used, n - used,
		    "],\"base_points\":[");
		for (i = 0; i < 12; i++) {
			double f = i / 11.0;

			used += (size_t)snprintf(json + used, n - used,
			    "%s[\"%lld\",%.0f]", i ? "," : "",
			    36000000000000LL + (long long)(1800 * f) * SEC,
			    50000 + 50000 * f);
		}
		used += (size_t)snprintf(json + used, n - used, "]}");
	}
	snprintf(json + used, n - used, "}");
}

/* Where character c is in the rows of the chart's third: the rightmost
 * and leftmost columns and, in column col, the row (-1 when none). */
static void
chart_cols(struct panel *p, int x0, char c, int col, int *left, int *right,
           int *row_at)
{
	*left = *right = *row_at = -1;
	for (int y = 1; y < p->h - 1; y++) {
		const char *r = row(p, y);

		for (int x = x0; r[x] != '\0' && x < p->w - 1; x++) {
			if (r[x] != c)
				continue;
			if (*left < 0 || x < *left)
				*left = x;
			if (x > *right)
				*right = x;
			if (x == col)
				*row_at = y;
		}
	}
}

/*
 * The re-planned remainder against the base schedule: after now the chart
 * goes on with '+' (the plan) above '.' (the base) -- ahead of it -- to
 * the last column, nothing of either before now; the legend says which is
 * which; the plan in words under it.  Narrow: no chart, a Plan line under
 * Sched.  A block event without a plan takes it all away.
 */
static void
render_block_plan_against_base(void **state)
{
	struct store s;
	struct tui_view v;
	struct panel p;
	char json[2048];
	int y, x0, pl, pr, prow, bl, br, brow, now_col;

	(void)state;
	store_init(&s);
	view_init(&v, &s);
	for (int k = 0; k <= 6; k++) {
		/* The past: the schedule and what was filled, to 10:00. */
		snprintf(json, sizeof json, "{\"id\":\"B1\",\"qty\":100000,"
		    "\"filled\":%d,\"sched_qty\":%d,\"state\":\"WORKING\","
		    "\"start\":\"34200000000000\",\"end\":\"37800000000000\"}",
		    8000 * k, 8333 * k);
		push(&s, TOPIC_BLOCK, (uint64_t)k + 1, T0 + k * 300 * SEC, json);
	}
	plan_block(json, sizeof json, 1);
	push(&s, TOPIC_BLOCK, 8, 36000 * SEC, json);
	p = render(&panel_block_ops, &v, 12, 96);
	if (getenv("TRANCHE_TEST_SHOW") != NULL)
		for (y = 0; y < p.h; y++)
			fprintf(stderr, "|%s|\n", row(&p, y));
	y = find_row(&p, "# filled - sched + plan . base");
	assert_int_equal(y, 1);
	assert_int_equal(find_row(&p, "half by 10:08:47, base 10:15:00"), 2);
	x0 = (int)(strstr(row(&p, 1), "# filled") - row(&p, 1));
	/* The past (the schedule, what was filled) ends at now; the plan and
	 * the base begin right after it and run to the third's last column. */
	now_col = -1;
	for (const char *c = "#-="; *c != '\0'; c++) {
		chart_cols(&p, x0, *c, -1, &pl, &pr, &prow);
		assert_true(pl < 0 || pl >= x0);
		now_col = pr > now_col ? pr : now_col;
	}
	assert_true(now_col > x0 + 10 && now_col < x0 + 20);
	chart_cols(&p, x0, '+', x0 + 24, &pl, &pr, &prow);
	chart_cols(&p, x0, '.', x0 + 24, &bl, &br, &brow);
	assert_int_equal(pl, now_col + 1);
	/* Where the two meet, the plan is drawn over the base. */
	assert_true(bl > now_col && bl <= now_col + 3);
	assert_int_equal(pr, x0 + 30);
	/* Ahead of the base: higher on the screen. */
	assert_true(prow > 2 && brow > prow);
	delwin(p.win);

	/* --ascii reads the same; so does a UTF-8 terminal, but for the
	 * filled bar. */
	v.ascii = 1;
	p = render(&panel_block_ops, &v, 12, 96);
	assert_int_equal(find_row(&p, "# filled - sched + plan . base"), 1);
	delwin(p.win);
	v.ascii = 0;

	/* A narrower third: a shorter legend, the time to the minute. */
	p = render(&panel_block_ops, &v, 12, 70);
	if (getenv("TRANCHE_TEST_SHOW") != NULL)
		for (y = 0; y < p.h; y++)
			fprintf(stderr, "|%s|\n", row(&p, y));
	assert_int_equal(find_row(&p, "#fill -sch +plan .base"), 1);
	assert_int_equal(find_row(&p, "half 10:08, base 10:15"), 2);
	delwin(p.win);

	/* Narrow: no chart; the plan in words under the schedule. */
	p = render(&panel_block_ops, &v, 16, 56);
	y = find_row(&p, "Sched");
	assert_true(y > 0);
	assert_int_equal(find_row(&p, "Plan   half by 10:08:47, base 10:15:00"),
	    y + 1);
	assert_int_equal(find_row(&p, "+plan"), -1);
	delwin(p.win);

	/* The plan is over: the next block event has none. */
	plan_block(json, sizeof json, 0);
	push(&s, TOPIC_BLOCK, 9, 36010 * SEC, json);
	p = render(&panel_block_ops, &v, 12, 96);
	assert_int_equal(find_row(&p, "half by"), -1);
	assert_int_equal(find_row(&p, "Sched - vs filled #"), 1);
	chart_cols(&p, x0, '+', -1, &pl, &pr, &prow);
	assert_int_equal(pl, -1);
	delwin(p.win);
	p = render(&panel_block_ops, &v, 16, 56);
	assert_int_equal(find_row(&p, "Plan"), -1);
	delwin(p.win);
	store_free(&s);
}

/* A decision that moved the plan says so first, from plan_before and
 * plan_after, on the decisions panel; one that moved it by seconds does
 * not. */
static void
render_decision_says_the_plan_change_first(void **state)
{
	struct store s;
	struct tui_view v;
	struct panel p;

	(void)state;
	store_init(&s);
	view_init(&v, &s);
	push(&s, TOPIC_DECISION, 1, 36000 * SEC, "{\"block\":\"1\","
	    "\"action\":\"cross\",\"qty\":12000,\"px\":9990,\"style\":"
	    "\"cross\",\"reason\":\"event: price -3.6 sigma in 10 s\","
	    "\"plan_before\":{\"kind\":\"base\",\"lump\":0,\"due\":50000,"
	    "\"half_qty\":75000,\"half_t\":\"40800000000000\"},"
	    "\"plan_after\":{\"kind\":\"own\",\"lump\":12000,\"due\":62000,"
	    "\"half_qty\":75000,\"half_t\":\"38710000000000\"}}");
	push(&s, TOPIC_DECISION, 2, 36060 * SEC, "{\"block\":\"1\","
	    "\"action\":\"post\",\"qty\":500,\"px\":9991,\"style\":"
	    "\"passive\",\"reason\":\"ais-pass: price 0.1 sigma\","
	    "\"plan_before\":{\"kind\":\"ac\",\"urgency\":1,\"lump\":0,"
	    "\"due\":50000,\"half_qty\":75000,\"half_t\":\"40800000000000\"},"
	    "\"plan_after\":{\"kind\":\"ac\",\"urgency\":1.1,\"lump\":0,"
	    "\"due\":50000,\"half_qty\":75000,\"half_t\":\"40780000000000\"}}");
	p = render(&panel_decisions_ops, &v, 8, 140);
	if (getenv("TRANCHE_TEST_SHOW") != NULL)
		for (int y = 0; y < p.h; y++)
			fprintf(stderr, "|%s|\n", row(&p, y));
	assert_true(find_row2(&p, "cross", "[plan: half by 10:45:10, was "
	    "11:20:00; +12,000 now] event: price -3.6") > 0);
	assert_true(find_row2(&p, "post", "ais-pass: price 0.1") > 0);
	assert_int_equal(find_row2(&p, "post", "[plan"), -1);
	delwin(p.win);
	store_free(&s);
}

static void
render_audit_log_who_what_why(void **state)
{
	struct store s;
	struct tui_view v;
	struct panel p;
	int y;

	(void)state;
	store_init(&s);
	view_init(&v, &s);
	p = render(&panel_audit_ops, &v, 6, 70);
	assert_true(find_row(&p, "AUDIT 0") == 0);
	assert_true(find_row(&p, "no interventions") > 0);
	delwin(p.win);

	push(&s, TOPIC_AUDIT, 1, T0 + SEC, "{\"cmd\":\"throttle\",\"ok\":true,"
	    "\"client\":\"c1\",\"role\":\"trader\",\"reason\":\"news at 14:00\"}");
	push(&s, TOPIC_AUDIT, 2, T0 + 2 * SEC, "{\"cmd\":\"status\",\"ok\":true,"
	    "\"client\":\"c1\",\"role\":\"trader\"}");
	push(&s, TOPIC_AUDIT, 3, T0 + 3 * SEC, "{\"cmd\":\"kill\",\"ok\":false,"
	    "\"client\":\"c2\",\"role\":\"viewer\",\"reason\":\"\\u001b[2Jgone"
	    "\\u0007 now\"}");
	p = render(&panel_audit_ops, &v, 8, 70);
	/* Read-only commands are left out. */
	assert_true(find_row(&p, "AUDIT 2") == 0);
	assert_int_equal(find_row(&p, "status"), -1);
	y = find_row(&p, "kill REFUSED c2/viewer");
	assert_int_equal(y, 1);
	assert_non_null(strstr(row(&p, y), "09:30:03"));
	/* Control characters never reach the terminal. */
	assert_non_null(strstr(row(&p, y), "[2Jgone now"));
	y = find_row(&p, "throttle ok c1/trader");
	assert_true(y > 1);
	assert_non_null(strstr(row(&p, y), "news at 14:00"));
	delwin(p.win);

	/* An engine that names the person and says what was done: one
	 * sentence, the reason after it when it fits on the row, else on a
	 * row of its own; escapes in any of it never reach the terminal. */
	push(&s, TOPIC_AUDIT, 4, T0 + 4 * SEC, "{\"cmd\":\"throttle\",\"ok\":"
	    "true,\"client\":\"c3\",\"user\":\"j.smith\",\"role\":"
	    "\"supervisor\",\"what\":\"throttle block 1 12% (was 100%)\","
	    "\"reason\":\"news\"}");
	push(&s, TOPIC_AUDIT, 5, T0 + 5 * SEC, "{\"cmd\":\"pause\",\"ok\":"
	    "false,\"client\":\"c4\",\"user\":\"j\\u001b[2Jdoe\",\"role\":"
	    "\"viewer\",\"what\":\"pause block 1 (was WORKING)\","
	    "\"reason\":\"a reason too long to follow the command on its row\"}");
	p = render(&panel_audit_ops, &v, 8, 70);
	y = find_row(&p, "REFUSED j[2Jdoe (viewer) pause block 1 (was WORKING)");
	assert_int_equal(y, 1);
	assert_non_null(strstr(row(&p, y), "09:30:05"));
	assert_int_equal(find_row(&p, "a reason too long to follow the command "
	    "on its row"), y + 1);
	y = find_row(&p, "j.smith (supervisor) throttle block 1 12% (was "
	    "100%) - news");
	assert_int_equal(y, 3);
	delwin(p.win);

	/* Scrolled back: the title says how far. */
	p = render(&panel_audit_ops, &v, 4, 70);
	assert_true(p.ops->key(&p, &v, 'j') & TUI_HANDLED);
	p.ops->draw(&p, &v);
	assert_true(find_row(&p, "back 1") == 0);
	assert_true(find_row(&p, "j.smith (supervisor) throttle") == 1);
	delwin(p.win);
	store_free(&s);
}

/* The keys the console handles (console.c, transport-replay.c) as the
 * help shows them, and as tranche(1) has them in a .It line. */
static const struct {
	const char *help, *man;
	int live, replay;
} keys[] = {
	{ "p ", ".It Cm p\n", 1, 0 },
	{ "P ", ".It Cm P\n", 1, 0 },
	{ "t ", ".It Cm t\n", 1, 0 },
	{ "a ", ".It Cm a\n", 1, 0 },
	{ "s ", ".It Cm s\n", 1, 0 },
	{ "m ", ".It Cm m\n", 1, 0 },
	{ "c ", ".It Cm c\n", 1, 0 },
	{ "c / x", ".It Cm x\n", 1, 0 },
	{ "K ", ".It Cm K\n", 1, 0 },
	{ "K / J", ".It Cm J\n", 1, 0 },
	{ "A ", ".It Cm A\n", 1, 0 },
	{ "R / Y / X", ".It Cm R\n", 1, 0 },
	{ "R / Y / X", ".It Cm Y\n", 1, 0 },
	{ "R / Y / X", ".It Cm X\n", 1, 0 },
	{ "Z ", ".It Cm Z\n", 1, 1 },
	{ "/ ", ".It Cm /\n", 1, 1 },
	{ ": ", ".It Cm \\&:\n", 1, 1 },
	{ "L ", ".It Cm L\n", 1, 1 },
	{ "b ", ".It Cm b\n", 1, 1 },
	{ "Tab l Right", ".It Cm Tab , l , Right", 1, 1 },
	{ "S-Tab h Left", "Cm Shift\\-Tab , h , Left", 1, 1 },
	{ "click", ".It Cm click", 1, 1 },
	{ "j k Up Down", ".It Cm Down , j ; Cm Up , k", 1, 1 },
	{ "PgUp PgDn", ".It Cm PgDn ; Cm PgUp", 1, 1 },
	{ "Home/End g/G", ".It Cm Home , g ; Cm End , G", 1, 0 },
	{ "Esc", ".It Cm Esc", 1, 1 },
	{ "Ctrl-L", ".It Cm Ctrl\\-L", 1, 1 },
	{ "M ", ".It Cm M\n", 1, 1 },
	{ "? / F1", ".It Cm \\&? , F1", 1, 1 },
	{ "q ", ".It Cm q , Q", 1, 1 },
	{ "space", ".It Cm space", 0, 1 },
	{ "+ / -", ".It Cm + , =", 0, 1 },
	{ ". ", ".It Cm \\&.\n", 0, 1 },
	{ "n / N", ".It Cm n , N", 0, 1 },
	{ "g ", ".It Cm g\n", 0, 1 },
};

/* The help's key column holds exactly `k` at some row. */
static int
help_has(struct panel *p, const char *k)
{
	int y, x;

	for (y = 2; y < p->h - 2; y++)
		for (x = 2; x < p->w - 14; x++) {
			const char *r = row(p, y);

			if ((x == 2 || strncmp(r + x - 2, "  ", 2) == 0) &&
			    strncmp(r + x, k, strlen(k)) == 0)
				return 1;
		}
	return 0;
}

/*
 * Searching and scrolled back, the decisions shown stay where they are
 * while new ones arrive, matching or not (the view jumped back by every
 * decision pushed, matching or not).
 */
static void
render_search_scrolled_back_stays_put(void **state)
{
	struct store s;
	struct tui_view v;
	struct panel p;
	char json[160];
	uint64_t seq = 1;
	int top;

	(void)state;
	store_init(&s);
	view_init(&v, &s);
	for (int i = 0; i < 12; i++, seq++) {
		snprintf(json, sizeof json, "{\"block\":\"1\",\"action\":\"%s\","
		    "\"qty\":%d,\"reason\":\"row r%02d\"}", i % 2 ? "post" :
		    "hold", 100 + i, i);
		push(&s, TOPIC_DECISION, seq, T0 + (int64_t)seq * SEC, json);
	}
	snprintf(v.search, sizeof v.search, "post");
	p = render(&panel_decisions_ops, &v, 8, 100);
	/* Newest match first: r11; two down, r07 on top. */
	assert_true(find_row(&p, "r11") == 2);
	assert_true(p.ops->key(&p, &v, 'j') != 0);
	assert_true(p.ops->key(&p, &v, 'j') != 0);
	p.ops->draw(&p, &v);
	top = find_row(&p, "r07");
	assert_int_equal(top, 2);
	/* Five more, two of them matching: r07 stays on top. */
	for (int i = 12; i < 17; i++, seq++) {
		snprintf(json, sizeof json, "{\"block\":\"1\",\"action\":\"%s\","
		    "\"qty\":%d,\"reason\":\"row r%02d\"}", i % 2 ? "post" :
		    "hold", 100 + i, i);
		push(&s, TOPIC_DECISION, seq, T0 + (int64_t)seq * SEC, json);
	}
	p.ops->draw(&p, &v);
	if (find_row(&p, "r07") != top)
		fail_msg("r07 moved from row %d to %d", top, find_row(&p, "r07"));
	delwin(p.win);
	store_free(&s);
}

/*
 * M's log: newest first with time and level, a long message wrapped so its
 * last word is on the screen, and only the last TUI_MSGLOG kept.
 */
static void
render_messages_newest_first_whole(void **state)
{
	static struct tui_msglog l;
	struct store s;
	struct tui_view v;
	struct panel p;
	char text[320];
	int a, b, c;
	time_t when = 1700000000;

	(void)state;
	store_init(&s);
	view_init(&v, &s);
	v.msgs = &l;
	memset(&l, 0, sizeof l);
	p = render(&panel_messages_ops, &v, 20, 62);
	assert_true(find_row(&p, "no messages yet") >= 0);
	for (int i = 0; i < TUI_MSGLOG + 5; i++) {
		snprintf(text, sizeof text, "filler %d", i);
		tui_msglog_add(&l, MSG_INFO, text, when);
	}
	tui_msglog_add(&l, MSG_ERR, "throttle: refused: field \"pct\" 150: must "
	    "be above 0 and at most the engine's limit of 20, and this message "
	    "goes on past one row to its LASTWORD", when);
	tui_msglog_add(&l, MSG_OK, "pause: ok", when);
	assert_int_equal(l.n, TUI_MSGLOG + 7);
	p = render(&panel_messages_ops, &v, 20, 62);
	a = find_row(&p, "pause: ok");
	b = find_row2(&p, "ERR", "throttle: refused");
	c = find_row(&p, "LASTWORD");
	if (!(a >= 0 && b > a && c > b))
		fail_msg("rows: ok %d, the error %d, its last word %d", a, b, c);
	assert_true(find_row2(&p, "ok", "pause: ok") == a);
	/* The oldest kept is filler 7: 0..6 went with the ring's wrap. */
	p = render(&panel_messages_ops, &v, TUI_MSGLOG + 30, 62);
	assert_true(find_row(&p, "filler 7") >= 0);
	assert_int_equal(find_row(&p, "filler 6 "), -1);
	store_free(&s);
}

static void
render_help_lists_every_key_and_the_man_page_too(void **state)
{
	struct store s;
	struct tui_view v;
	struct panel p;
	char *man;
	long n;
	size_t i;
	FILE *f;
	int h, w, replay;

	(void)state;
	f = fopen(TRANCHE_SOURCE_DIR "/man/tranche.1", "r");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	man = calloc(1, (size_t)n + 1);
	assert_non_null(man);
	assert_int_equal(fread(man, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	store_init(&s);
	for (replay = 0; replay <= 1; replay++) {
		view_init(&v, &s);
		v.replay = replay;
		/* Tall enough: one column. */
		panel_help_size(replay, 50, 120, &h, &w);
		assert_true(w < 70);
		p = render(&panel_help_ops, &v, h, w);
		assert_int_equal(find_row(&p, "(more:"), -1);
		for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
			int want = replay ? keys[i].replay : keys[i].live;

			if (help_has(&p, keys[i].help) != want)
				fail_msg("help (%s) %s '%s'", replay ? "replay" :
				    "live", want ? "lacks" : "shows", keys[i].help);
			if (strstr(man, keys[i].man) == NULL)
				fail_msg("tranche(1) has no '%s'", keys[i].man);
		}
		assert_true(find_row(&p, "any key closes") == h - 2);
		delwin(p.win);

		/* 30 rows: two columns (live; the replay's fewer keys still
		 * fit in one), every key still there. */
		panel_help_size(replay, 30, 120, &h, &w);
		assert_true(h <= 26);
		assert_true(replay ? w < 70 : w > 100);
		p = render(&panel_help_ops, &v, h, w);
		assert_int_equal(find_row(&p, "(more:"), -1);
		for (i = 0; i < sizeof keys / sizeof keys[0]; i++)
			if ((replay ? keys[i].replay : keys[i].live) &&
			    !help_has(&p, keys[i].help))
				fail_msg("two-column help lacks '%s'", keys[i].help);
		delwin(p.win);

		/* The smallest screen: what does not fit says where it is. */
		panel_help_size(replay, TUI_MIN_ROWS, TUI_MIN_COLS, &h, &w);
		assert_true(h <= TUI_MIN_ROWS - 4 && w <= TUI_MIN_COLS - 8);
		p = render(&panel_help_ops, &v, h, w);
		assert_true(find_row(&p, "(more:") > 1);
		delwin(p.win);
	}
	/* h is focus-left now, not help. */
	assert_null(strstr(man, ".Cm h ,\n.Cm F1"));
	store_free(&s);
	free(man);
}

/*
 * Two symbols: the ladder is the selected block's symbol's and says so in
 * its title; the blotter and the tape name the symbol of each row; the
 * chart plots the selected symbol's mid only.
 */
/* A tick of 1e-6 makes prices of 9 characters and more, and a market
 * with no book to rest in shows a trillion shares a level: the ladder's
 * price column grows to its widest price and a quantity too long for its
 * column is said in units, so no number runs into the next or is cut
 * ("50.0357771,000,00~" before). */
static void
render_book_wide_prices_and_sizes_stay_apart(void **state)
{
	struct store s;
	struct tui_view v;
	struct panel p;
	cJSON *hello;
	int y;

	(void)state;
	store_init(&s);
	view_init(&v, &s);
	hello = cJSON_Parse("{\"ok\":true,\"engine\":\"e\",\"v\":1,"
	    "\"tick\":0.000001,\"sym\":\"ACW\",\"role\":\"trader\"}");
	store_apply_hello(&s, hello);
	cJSON_Delete(hello);
	push(&s, TOPIC_BOOK, 1, T0, "{\"sym\":\"ACW\",\"bids\":"
	    "[[50035777,1000000,1]],\"asks\":[[50035778,999999999,1],"
	    "[1234567890,1000000000000,1]],\"last\":50035777,"
	    "\"ours\":[]}");
	p = render(&panel_book_ops, &v, 12, 60);
	y = find_row2(&p, "SIDE", "PRICE");
	assert_true(y == 1);
	assert_true(find_row(&p, "BID   50.035777 1,000,000 1,000,000") > 1);
	assert_true(find_row(&p, "ASK 1234.567890 1.000000T 1.001000T") > 1);
	assert_true(find_row(&p, "ASK   50.035778 1.000000B 1.000000B") > 1);
	assert_int_equal(count_char(&p, '~'), 0);
	delwin(p.win);
	store_free(&s);
}

static void
render_two_symbols_follow_the_selection(void **state)
{
	struct store s;
	struct tui_view v;
	struct panel p;

	(void)state;
	store_init(&s);
	view_init(&v, &s);
	push(&s, TOPIC_BOOK, 1, T0, "{\"sym\":\"QDI\",\"bids\":[[9999,500,1]],"
	    "\"asks\":[[10001,400,1]],\"last\":10000,\"ours\":[]}");
	push(&s, TOPIC_BOOK, 2, T0, "{\"sym\":\"XYZ\",\"bids\":[[4999,700,2]],"
	    "\"asks\":[[5001,300,1]],\"last\":5000,\"ours\":[]}");
	push(&s, TOPIC_BLOCK, 3, T0, "{\"id\":\"1\",\"sym\":\"QDI\",\"side\":"
	    "\"sell\",\"qty\":300000,\"filled\":0,\"state\":\"WORKING\","
	    "\"algo\":\"twap\"}");
	push(&s, TOPIC_BLOCK, 4, T0, "{\"id\":\"2\",\"sym\":\"XYZ\",\"side\":"
	    "\"buy\",\"qty\":400000,\"filled\":0,\"state\":\"WORKING\","
	    "\"algo\":\"twap\",\"arrival_px\":5000}");
	push(&s, TOPIC_TRADE, 5, T0 + SEC, "{\"sym\":\"XYZ\",\"px\":5001,"
	    "\"qty\":300,\"aggr\":\"buy\"}");
	push(&s, TOPIC_TRADE, 6, T0 + 2 * SEC, "{\"sym\":\"QDI\",\"px\":9999,"
	    "\"qty\":200,\"aggr\":\"sell\"}");
	push(&s, TOPIC_BOOK, 7, T0 + 3 * SEC, "{\"sym\":\"XYZ\",\"bids\":[[5000,"
	    "700,2]],\"asks\":[[5002,300,1]],\"last\":5001,\"ours\":[]}");

	v.sel_block = 0;
	p = render(&panel_book_ops, &v, 12, 60);
	assert_true(find_row(&p, "BOOK QDI") == 0);
	assert_true(find_row(&p, "99.99") > 0);
	assert_int_equal(find_row(&p, "49.99"), -1);
	delwin(p.win);
	v.sel_block = 1;
	p = render(&panel_book_ops, &v, 12, 60);
	assert_true(find_row(&p, "BOOK XYZ") == 0);
	assert_true(find_row(&p, "50.00") > 0);
	assert_int_equal(find_row(&p, "99.99"), -1);
	delwin(p.win);

	p = render(&panel_blotter_ops, &v, 8, 90);
	assert_true(find_row2(&p, "BLOCK SYM", "IS bps") == 1);
	assert_true(find_row(&p, "1 QDI") > 1);
	assert_true(find_row(&p, "2 XYZ") > 1);
	delwin(p.win);

	p = render(&panel_tape_ops, &v, 8, 60);
	assert_true(find_row2(&p, "TIME", "SYM") == 1);
	assert_non_null(strstr(row(&p, 2), "99.99"));
	assert_non_null(strstr(row(&p, 2), "QDI"));
	assert_non_null(strstr(row(&p, 3), "50.01"));
	assert_non_null(strstr(row(&p, 3), "XYZ"));
	delwin(p.win);

	/* The chart of XYZ: its mids (about $50) and its block's arrival;
	 * nothing of QDI's $100. */
	p = render(&panel_chart_ops, &v, 10, 60);
	assert_true(find_row(&p, "CHART XYZ") == 0);
	assert_true(find_row(&p, "arrival 50.00") > 0);
	assert_int_equal(find_row(&p, "100.00"), -1);
	delwin(p.win);
	store_free(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(render_tape_newest_first_in_words),
		cmocka_unit_test(render_two_symbols_follow_the_selection),
		cmocka_unit_test(render_chart_mid_arrival_and_fills),
		cmocka_unit_test(render_blotter_marks_the_selected_block),
		cmocka_unit_test(render_audit_log_who_what_why),
		cmocka_unit_test(render_block_chart_parts_and_controls),
		cmocka_unit_test(render_block_narrow_lists_the_controls),
		cmocka_unit_test(render_block_plan_against_base),
		cmocka_unit_test(render_decision_says_the_plan_change_first),
		cmocka_unit_test(render_help_lists_every_key_and_the_man_page_too),
		cmocka_unit_test(render_messages_newest_first_whole),
		cmocka_unit_test(render_search_scrolled_back_stays_put),
		cmocka_unit_test(render_book_wide_prices_and_sizes_stay_apart),
	};

	return cmocka_run_group_tests(tests, render_setup, render_teardown);
}
