/*
 * tests/unit/test-market-lobster.c -- LOBSTER parsing, verification and
 * replay.  Small synthetic file pairs are written to a fresh temporary
 * folder so every format variant (header row, CRLF, 9 decimals, level 2)
 * and every error (truncated last line, malformed field) is exercised on
 * real files; the real AMZN sample is verified when the shared data is
 * present (the whole program exits 77, skipped, when it is not, after the
 * synthetic tests have passed).
 *
 * The AMZN pair has 57,515 messages and 57,515 rows.  Row 1 is the book
 * after message 1 and seeds the rebuilt book, so rows 2..57515 are the ones
 * checked: rows_checked is 57514.
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

#include "engine/market/lobster.h"

static char tmpdir[256];
static int amzn_absent;

static void
write_file(const char *name, const char *text, char *path, size_t n)
{
	FILE *f;

	snprintf(path, n, "%s/%s", tmpdir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

/* Level 2, header rows, CRLF, times with 9 decimals. */
static const char l2_msg[] =
	"Time,Type,OrderID,Size,Price,Direction\r\n"
	"34200.000000001,1,10,100,1000100,-1\r\n"
	"34200.5,4,10,100,1000100,-1\r\n"
	"34201.123456789,2,77,50,999900,1\r\n"
	"34202.100000000,3,78,250,999900,1\r\n"
	"34203.00000,5,0,10,1000000,1\r\n"
	"34204.00000,7,0,0,-1,-1\r\n";
static const char l2_ob[] =
	"AskPrice1,AskSize1,BidPrice1,BidSize1,AskPrice2,AskSize2,BidPrice2,"
	"BidSize2\r\n"
	"1000100,100,999900,300,1000200,200,999800,100\r\n"
	"1000200,200,999900,300,1000300,100,999800,100\r\n"
	"1000200,200,999900,250,1000300,100,999800,100\r\n"
	"1000200,200,999800,100,1000300,100,999700,40\r\n"
	"1000200,200,999800,100,1000300,100,999700,40\r\n"
	"1000200,200,999800,100,1000300,100,999700,40\r\n";

static void
parse_level2_header_crlf_nanoseconds(void **state)
{
	struct lobster_data d;
	char mp[512], op[512], err[256];

	(void)state;
	write_file("l2_msg.csv", l2_msg, mp, sizeof mp);
	write_file("l2_ob.csv", l2_ob, op, sizeof op);
	assert_int_equal(lobster_load(&d, mp, op, err, sizeof err), 0);
	assert_int_equal(d.n, 6);
	assert_int_equal(d.levels, 2);
	assert_int_equal(d.msg_line0, 2);
	assert_int_equal(d.msgs[0].t, 34200LL * MARKET_NS_PER_SEC + 1);
	assert_int_equal(d.msgs[1].t, 34200LL * MARKET_NS_PER_SEC + 500000000);
	assert_int_equal(d.msgs[2].t, 34201123456789LL);
	assert_int_equal(d.msgs[1].type, 4);
	/* Order 10's submit is the first message, already in the seed row. */
	assert_int_equal(d.msgs[1].known, 0);
	assert_int_equal(d.msgs[2].known, 0);
	assert_int_equal(d.msgs[2].dir, 1);
	assert_int_equal(d.msgs[5].px, -1);
	assert_int_equal(d.ob[8 * 3 + 6], 999700);
	assert_int_equal(d.ob[8 * 3 + 7], 40);
	lobster_data_free(&d);
}

static void
parse_truncated_last_line_names_line(void **state)
{
	char mp[512], op[512], err[256];
	struct lobster_data d;

	(void)state;
	write_file("tr_msg.csv", "34200.0,1,1,100,1000000,1\n"
	           "34201.0,1,2,100,1000000,1\n34202.0,5,0,10", mp, sizeof mp);
	write_file("tr_ob.csv", "1000100,1,1000000,100\n1000100,1,1000000,200\n"
	           "1000100,1,1000000,200\n", op, sizeof op);
	assert_int_equal(lobster_load(&d, mp, op, err, sizeof err),
	                 LOBSTER_EFORMAT);
	assert_non_null(strstr(err, "tr_msg.csv:3:"));
	assert_non_null(strstr(err, "field 5 (price)"));
	assert_non_null(strstr(err, "truncated"));

	/* The orderbook side, cut in the middle of a field list. */
	write_file("tr_msg.csv", "34200.0,1,1,100,1000000,1\n", mp, sizeof mp);
	write_file("tr_ob.csv", "1000100,1,1000000\n", op, sizeof op);
	assert_int_equal(lobster_load(&d, mp, op, err, sizeof err),
	                 LOBSTER_EFORMAT);
	assert_non_null(strstr(err, "tr_ob.csv:1:"));
}

static void
parse_malformed_field_names_line_and_field(void **state)
{
	char mp[512], op[512], err[256];
	struct lobster_data d;

	(void)state;
	write_file("bad_msg.csv", "34200.0,1,1,100,1000000,1\n"
	           "34201.0,1,2x,100,1000000,1\n", mp, sizeof mp);
	write_file("bad_ob.csv", "1000100,1,1000000,100\n1000100,1,1000000,200\n",
	           op, sizeof op);
	assert_int_equal(lobster_load(&d, mp, op, err, sizeof err),
	                 LOBSTER_EFORMAT);
	assert_non_null(strstr(err, "bad_msg.csv:2:"));
	assert_non_null(strstr(err, "field 3 (order id)"));

	write_file("bad_msg.csv", "34200.0,1,1,100,1000000,1\n"
	           "34201.0,9,2,100,1000000,1\n", mp, sizeof mp);
	assert_int_equal(lobster_load(&d, mp, op, err, sizeof err),
	                 LOBSTER_EFORMAT);
	assert_non_null(strstr(err, "bad_msg.csv:2: field 2 (type) is 9"));

	write_file("bad_msg.csv", "34200.0,1,1,100,1000000,1\n"
	           "34201.1234567890,1,2,100,1000000,1\n", mp, sizeof mp);
	assert_int_equal(lobster_load(&d, mp, op, err, sizeof err),
	                 LOBSTER_EFORMAT);
	assert_non_null(strstr(err, "field 1 (time): more than 9 decimals"));

	write_file("bad_msg.csv", "34200.0,1,1,100,1000000,1\n", mp, sizeof mp);
	write_file("bad_ob.csv", "1000100,1,1000000,100\n1000100,1,-,200\n", op,
	           sizeof op);
	assert_int_equal(lobster_load(&d, mp, op, err, sizeof err),
	                 LOBSTER_EFORMAT);
	assert_non_null(strstr(err, "bad_ob.csv:2: field 3 (bid price 1)"));

	assert_int_equal(lobster_load(&d, "/nonexistent/m.csv", op, err,
	                              sizeof err), LOBSTER_EIO);
	assert_non_null(strstr(err, "/nonexistent/m.csv"));
}

/* A message file of a header-less pair whose second message is `row`;
 * the result of loading it, with err. */
static int
load_row(const char *row, char *err, size_t errlen)
{
	static const char ob[] = "1000100,100,1000000,100\n"
	                         "1000100,100,1000000,100\n";
	struct lobster_data d;
	char msg[256];
	int rv;

	snprintf(msg, sizeof msg, "34200.0,1,1,100,1000000,1\n%s\n", row);
	rv = lobster_load_mem(&d, "m.csv", msg, strlen(msg), "o.csv", ob,
	                      sizeof ob - 1, err, errlen);
	if (rv == 0)
		lobster_data_free(&d);
	return rv;
}

/* The row is refused, the message naming the line and each needle. */
static void
row_refused(const char *row, const char *n1, const char *n2)
{
	char err[256] = "";

	if (load_row(row, err, sizeof err) != LOBSTER_EFORMAT)
		fail_msg("row accepted: %s", row);
	if (strstr(err, "m.csv:2: ") == NULL || strstr(err, n1) == NULL ||
	    (n2 != NULL && strstr(err, n2) == NULL))
		fail_msg("row %s: wanted m.csv:2: [%s] [%s], got %s", row, n1,
		         n2 ? n2 : "", err);
}

static void
row_accepted(const char *row)
{
	char err[256] = "";

	if (load_row(row, err, sizeof err) != 0)
		fail_msg("row refused: %s: %s", row, err);
}

static void
parse_range_checks_every_row_type(void **state)
{
	(void)state;
	/* Executions of hidden orders (5) and crosses (6). */
	row_refused("34200.5,5,0,-2223600,1000000,1", "field 4 (size)",
	            "-2223600");
	row_refused("34200.5,5,0,0,1000000,1", "field 4 (size)", "is 0");
	row_refused("34200.5,5,0,10,-1,1", "field 5 (price)", "is -1");
	row_refused("34200.5,5,0,10,0,-1", "field 5 (price)", "is 0");
	row_refused("34200.5,6,0,10,9999999999,1", "field 5 (price)",
	            "9999999999");
	row_refused("34200.5,6,0,-5,1000000,1", "field 4 (size)", "-5");
	/* Sizes past any real order. */
	row_refused("34200.5,1,2,2000000000,1000000,1", "field 4 (size)",
	            "2000000000");
	row_refused("34200.5,5,0,2000000000,1000000,1", "field 4 (size)",
	            "2000000000");
	/* Halts (7): price -1, 0 or 1, direction -1, id and size 0. */
	row_refused("34200.5,7,0,0,5,-1", "field 5 (price)", "is 5");
	row_refused("34200.5,7,0,100,-1,-1", "field 4 (size)", "is 100");
	row_refused("34200.5,7,12,0,-1,-1", "field 3 (order id)", "is 12");
	row_refused("34200.5,7,0,0,1,1", "field 6 (direction)", "is 1");
	/* Unknown types and directions. */
	row_refused("34200.5,0,2,100,1000000,1", "field 2 (type)", "is 0");
	row_refused("34200.5,8,2,100,1000000,1", "field 2 (type)", "is 8");
	row_refused("34200.5,1,2,100,1000000,0", "field 6 (direction)", "is 0");
	/* Their valid neighbours still load. */
	row_accepted("34200.5,5,0,10,1000000,1");
	row_accepted("34200.5,6,0,1000000000,1000000,-1");
	row_accepted("34200.5,7,0,0,-1,-1");
	row_accepted("34200.5,7,0,0,0,-1");
	row_accepted("34200.5,7,0,0,1,-1");
}

static void
parse_times_stay_in_the_day_and_in_order(void **state)
{
	(void)state;
	/* Backwards within the file. */
	row_refused("34199.999999999,1,2,100,1000000,1", "field 1 (time)",
	            "34199.999999999");
	/* From 24 hours on: a session's times are of its day
	 * (TRANCHE_TIME_OK), and recovery and replay refuse any other. */
	row_refused("86400.0,1,2,100,1000000,1", "field 1 (time)", "86400.0");
	row_refused("86400.000000001,1,2,100,1000000,1", "field 1 (time)",
	            "86400.000000001");
	row_refused("999999.0,1,2,100,1000000,1", "field 1 (time)", "999999");
	/* Equal times (5-decimal files round many to the same) are fine, and
	 * so is the last instant of the day. */
	row_accepted("34200.0,1,2,100,1000000,1");
	row_accepted("86399.999999999,1,2,100,1000000,1");
}

static void
parse_orderbook_rows_are_range_checked(void **state)
{
	static const char msg[] = "34200.0,1,1,100,1000000,1\n";
	static const char *const bad[][2] = {
		/* A real price with no size, and the reverse. */
		{ "1000100,0,1000000,100\n", "field 2 (ask size 1) is 0" },
		{ "9999999999,100,1000000,100\n", "field 2 (ask size 1) is 100" },
		{ "1000100,100,-1,100\n", "field 3 (bid price 1) is -1" },
		{ "1000100,100,0,100\n", "field 3 (bid price 1) is 0" },
		/* The dummies belong to their own sides. */
		{ "-9999999999,0,1000000,100\n", "field 1 (ask price 1)" },
		{ "1000100,100,9999999999,0\n", "field 3 (bid price 1)" },
	};
	struct lobster_data d;
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = '\0';
		if (lobster_load_mem(&d, "m.csv", msg, sizeof msg - 1, "o.csv",
		                     bad[i][0], strlen(bad[i][0]), err,
		                     sizeof err) != LOBSTER_EFORMAT)
			fail_msg("orderbook row accepted: %s", bad[i][0]);
		if (strstr(err, "o.csv:1: ") == NULL ||
		    strstr(err, bad[i][1]) == NULL)
			fail_msg("orderbook row %s: wanted [%s], got %s", bad[i][0],
			         bad[i][1], err);
	}
	/* Empty levels as LOBSTER writes them load. */
	assert_int_equal(lobster_load_mem(&d, "m.csv", msg, sizeof msg - 1,
	                 "o.csv", "9999999999,0,-9999999999,0\n", 27, err,
	                 sizeof err), 0);
	lobster_data_free(&d);
}

static void
parse_skips_a_byte_order_mark(void **state)
{
	static const char msg[] = "\xef\xbb\xbf" "34200.0,1,1,100,1000000,1\n"
	                          "34200.5,1,2,100,1000000,1\n";
	static const char ob[] = "\xef\xbb\xbf" "1000100,100,1000000,100\n"
	                         "1000100,100,1000000,200\n";
	static const char hmsg[] = "\xef\xbb\xbf" "Time,Type,OrderID,Size,Price,"
	                           "Direction\n34200.0,1,1,100,1000000,1\n";
	static const char hob[] = "\xef\xbb\xbf" "AskPrice1,AskSize1,BidPrice1,"
	                          "BidSize1\n1000100,100,1000000,100\n";
	struct lobster_data d;
	char err[256];

	(void)state;
	/* A BOM before data: the first row is data, not a header. */
	if (lobster_load_mem(&d, "m.csv", msg, sizeof msg - 1, "o.csv", ob,
	                     sizeof ob - 1, err, sizeof err) != 0)
		fail_msg("refused: %s", err);
	assert_int_equal(d.n, 2);
	assert_int_equal(d.msg_line0, 1);
	assert_int_equal(d.ob_line0, 1);
	assert_int_equal(d.msgs[0].t, 34200LL * MARKET_NS_PER_SEC);
	assert_int_equal(d.ob[0], 1000100);
	lobster_data_free(&d);
	/* A BOM before a header: the header is skipped as usual. */
	if (lobster_load_mem(&d, "m.csv", hmsg, sizeof hmsg - 1, "o.csv", hob,
	                     sizeof hob - 1, err, sizeof err) != 0)
		fail_msg("refused: %s", err);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.msg_line0, 2);
	assert_int_equal(d.ob_line0, 2);
	lobster_data_free(&d);
}

static void
verify_small_pair_exact(void **state)
{
	struct lobster_verify_report rep;
	char mp[512], op[512], err[256], *bad;

	(void)state;
	write_file("l2_msg.csv", l2_msg, mp, sizeof mp);
	write_file("l2_ob.csv", l2_ob, op, sizeof op);
	assert_int_equal(lobster_verify(mp, op, &rep, err, sizeof err), 0);
	assert_int_equal(rep.events, 6);
	assert_int_equal(rep.rows_checked, 5);
	assert_int_equal(rep.mismatches, 0);
	/* 1000300 after message 2 and 999700 after message 4 come from beyond
	 * level 2. */
	assert_int_equal(rep.deep_resyncs, 2);

	/* A wrong size at a price that was in view is a mismatch, reported on
	 * its line (header + 3rd data row = line 4). */
	bad = strdup(l2_ob);
	assert_non_null(bad);
	memcpy(strstr(bad, "999900,250"), "999900,240", 10);
	write_file("l2_bad_ob.csv", bad, op, sizeof op);
	free(bad);
	assert_int_equal(lobster_verify(mp, op, &rep, err, sizeof err),
	                 LOBSTER_EMISMATCH);
	assert_int_equal(rep.mismatches, 1);
	assert_int_equal(rep.first_bad_line, 4);
	assert_int_equal(rep.expected[3], 240);
	assert_int_equal(rep.rebuilt[3], 250);

	/* Liquidity appearing inside the old window is not a resync. */
	bad = strdup(l2_ob);
	assert_non_null(bad);
	memcpy(strstr(bad, "1000200,200,999900,250"), "1000200,200,999900,250",
	       22);
	memcpy(strstr(bad, "1000300,100,999800,100\r\n1000200,200,999800"),
	       "1000250,100", 11);
	write_file("l2_bad_ob.csv", bad, op, sizeof op);
	free(bad);
	assert_int_equal(lobster_verify(mp, op, &rep, err, sizeof err),
	                 LOBSTER_EMISMATCH);
	assert_int_equal(rep.first_bad_line, 4);
}

static void
verify_amzn_sample(void **state)
{
	struct lobster_verify_report rep;
	char err[512];
	const char *mp = TRANCHE_DATA_DIR
		"/lobster/AMZN_2012-06-21_34200000_57600000_message_1.csv";
	const char *op = TRANCHE_DATA_DIR
		"/lobster/AMZN_2012-06-21_34200000_57600000_orderbook_1.csv";

	(void)state;
	if (access(mp, R_OK) != 0 || access(op, R_OK) != 0) {
		printf("skip: AMZN LOBSTER sample not found under %s/lobster\n",
		       TRANCHE_DATA_DIR);
		amzn_absent = 1;
		return;
	}
	assert_int_equal(lobster_verify(mp, op, &rep, err, sizeof err), 0);
	assert_int_equal(rep.events, 57515);
	assert_int_equal(rep.rows_checked, 57515 - 1);
	assert_int_equal(rep.mismatches, 0);
	assert_int_equal(rep.levels, 1);
}

/* Level 1: two bids, one executed, a third that joins, more executions. */
static const char r_msg[] =
	"34200.0,1,1,100,1000000,1\n"
	"34201.0,1,2,300,1000000,1\n"
	"34202.0,4,1,100,1000000,1\n"
	"34202.5,1,3,100,1000000,1\n"
	"34203.0,4,2,300,1000000,1\n"
	"34204.0,4,3,60,1000000,1\n";
static const char r_ob[] =
	"1000100,200,1000000,100\n"
	"1000100,200,1000000,400\n"
	"1000100,200,1000000,300\n"
	"1000100,200,1000000,400\n"
	"1000100,200,1000000,100\n"
	"1000100,200,1000000,40\n";

struct fills {
	struct market_fill f[8];
	int64_t at[8]; /* the market's clock at each fill */
	int n;
	int64_t printed;
	const struct market *m;
};

static void
on_fill(void *arg, const struct market_fill *f)
{
	struct fills *fl = arg;

	if (fl->n < 8) {
		fl->at[fl->n] = fl->m != NULL ? fl->m->now : -1;
		fl->f[fl->n++] = *f;
	}
}

static void
on_trade(void *arg, int64_t px, int64_t qty, int aggressor)
{
	struct fills *fl = arg;

	(void)px;
	(void)aggressor;
	fl->printed += qty;
}

static struct market *
replay_new(struct fills *fl)
{
	struct lobster_verify_report rep;
	char mp[512], op[512], err[256];
	struct market *m;

	write_file("r_msg.csv", r_msg, mp, sizeof mp);
	write_file("r_ob.csv", r_ob, op, sizeof op);
	assert_int_equal(lobster_verify(mp, op, &rep, err, sizeof err), 0);
	assert_int_equal(market_lobster_new(&m, mp, op, "TEST", 0.01, err,
	                                    sizeof err), 0);
	memset(fl, 0, sizeof *fl);
	fl->m = m;
	m->cbs.fill = on_fill;
	m->cbs.trade = on_trade;
	m->cbs.arg = fl;
	return m;
}

static int64_t
best_bid(struct market *m)
{
	int64_t px, qty;

	if (book_best(m->book, BOOK_BID, &px, &qty) != 0)
		return 0;
	assert_int_equal(px, 10000);
	return qty;
}

static void
replay_aggressive_sell_consumes_displayed_bid(void **state)
{
	struct fills fl;
	struct market *m = replay_new(&fl);
	int64_t filled;
	uint64_t id;

	(void)state;
	assert_int_equal(market_advance(m, 34201500000000LL), 0);
	assert_int_equal(best_bid(m), 400);
	assert_int_equal(market_submit(m, BOOK_ASK, 10000, 150, BOOK_IOC, &id,
	                               &filled), 0);
	assert_int_equal(filled, 150);
	assert_int_equal(fl.n, 2); /* order 1 whole, then 50 of order 2 */
	assert_int_equal(fl.f[0].px, 10000);
	assert_int_equal(fl.f[0].passive, 0);
	assert_int_equal(fl.f[0].qty + fl.f[1].qty, 150);
	assert_int_equal(best_bid(m), 250);
	/* The replay executes order 1 (already ours) and 300 of order 2 (of
	 * which 250 are left): both clamp at zero, the book never goes
	 * negative, and the taken shares stay taken. */
	assert_int_equal(market_advance(m, 34202000000000LL), 0);
	assert_int_equal(best_bid(m), 250);
	assert_int_equal(market_advance(m, 34203000000000LL), 0);
	assert_int_equal(best_bid(m), 100);
	assert_int_equal(market_advance(m, 34205000000000LL), 0);
	assert_int_equal(best_bid(m), 40);
	assert_int_equal(market_lobster_position(m), 6);
	assert_int_equal(fl.n, 2);
	market_free(m);
}

static void
replay_passive_buy_waits_for_queue_ahead(void **state)
{
	struct fills fl;
	struct market *m = replay_new(&fl);
	uint64_t id;
	int64_t filled;

	(void)state;
	assert_int_equal(market_advance(m, 34201500000000LL), 0);
	assert_int_equal(market_submit(m, BOOK_BID, 10000, 50, BOOK_GTC, &id,
	                               &filled), 0);
	assert_int_equal(filled, 0);
	assert_int_equal(book_queue_ahead(m->book, id), 400);
	/* Executions of orders 1 and 2, both ahead of ours, only move us up. */
	assert_int_equal(market_advance(m, 34203000000000LL), 0);
	assert_int_equal(fl.n, 0);
	assert_int_equal(book_queue_ahead(m->book, id), 0);
	/* Order 3 joined behind us: its execution reaches us first, at the
	 * execution's own time whatever step the caller takes (it was
	 * stamped at the step before it, so the TCA moved with --speed). */
	assert_int_equal(market_advance(m, 34204700000000LL), 0);
	assert_int_equal(fl.n, 1);
	assert_true(fl.at[0] == 34204000000000LL);
	assert_true(m->now == 34204700000000LL);
	assert_int_equal(fl.f[0].id, id);
	assert_int_equal(fl.f[0].qty, 50);
	assert_int_equal(fl.f[0].px, 10000);
	assert_int_equal(fl.f[0].passive, 1);
	assert_int_equal(fl.f[0].left, 0);
	assert_int_equal(best_bid(m), 90);
	assert_int_equal(fl.printed, 100 + 300 + 60);
	assert_int_equal(m->volume, 100 + 300 + 60);
	assert_int_equal(m->our_volume, 50);
	market_free(m);
}

static void
replay_bad_tick_is_an_error(void **state)
{
	char mp[512], op[512], err[256];
	struct market *m;

	(void)state;
	write_file("r_msg.csv", r_msg, mp, sizeof mp);
	write_file("r_ob.csv", r_ob, op, sizeof op);
	assert_int_equal(market_lobster_new(&m, mp, op, "T", 0.05, err,
	                                    sizeof err), LOBSTER_EINVAL);
	assert_non_null(strstr(err, "not a multiple of the tick"));
	assert_null(m);
}

static int
cleanup(void)
{
	static const char *names[] = {
		"l2_msg.csv", "l2_ob.csv", "l2_bad_ob.csv", "tr_msg.csv",
		"tr_ob.csv", "bad_msg.csv", "bad_ob.csv", "r_msg.csv", "r_ob.csv",
	};
	char p[512];

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf(p, sizeof p, "%s/%s", tmpdir, names[i]);
		unlink(p);
	}
	return rmdir(tmpdir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_level2_header_crlf_nanoseconds),
		cmocka_unit_test(parse_truncated_last_line_names_line),
		cmocka_unit_test(parse_malformed_field_names_line_and_field),
		cmocka_unit_test(parse_range_checks_every_row_type),
		cmocka_unit_test(parse_times_stay_in_the_day_and_in_order),
		cmocka_unit_test(parse_orderbook_rows_are_range_checked),
		cmocka_unit_test(parse_skips_a_byte_order_mark),
		cmocka_unit_test(verify_small_pair_exact),
		cmocka_unit_test(verify_amzn_sample),
		cmocka_unit_test(replay_aggressive_sell_consumes_displayed_bid),
		cmocka_unit_test(replay_passive_buy_waits_for_queue_ahead),
		cmocka_unit_test(replay_bad_tick_is_an_error),
	};
	const char *t = getenv("TMPDIR");
	int rc;

	snprintf(tmpdir, sizeof tmpdir, "%s/tranche-lobster-XXXXXX",
	         t != NULL && t[0] != '\0' ? t : "/tmp");
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	cleanup();
	if (rc == 0 && amzn_absent)
		return 77;
	return rc;
}
