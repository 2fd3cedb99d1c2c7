/*
 * tests/unit/test-tui-rfq.c -- the console's requests for quotes and venue
 * figures: what the store keeps of rfq events and snapshots, the rows the
 * RFQ panel lets a trader choose, and the RFQ and venues panels drawn into
 * curses pads (tui-fixture.h), read back row by row.
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

static int
rfq_ops_key(struct panel *p, struct tui_view *v, int key)
{
	return panel_rfq_ops.key(p, v, key) != 0;
}

static void
push(struct store *s, const char *topic, uint64_t seq, int64_t t,
     const char *payload)
{
	push_at(s, topic, seq, t, payload, 1000);
}

/* r3: live, D1 quoted 99.83 x 20,000, D2 pending, D3 declined, deadline
 * at 09:31:00. */
#define R3_LIVE "{\"id\":\"r3\",\"block\":\"1\",\"sym\":\"QDI\"," \
	"\"side\":\"sell\",\"qty\":20000,\"by\":\"trader\",\"asked\":" \
	"\"34200000000000\",\"deadline\":\"34260000000000\",\"dealers\":[" \
	"{\"dealer\":\"D1\",\"status\":\"quoted\",\"px\":9983,\"size\":20000}," \
	"{\"dealer\":\"D2\",\"status\":\"pending\"}," \
	"{\"dealer\":\"D3\",\"status\":\"declined\"}],\"state\":\"live\"," \
	"\"filled\":0}"

static void
store_keeps_each_request_whole_by_id(void **state)
{
	struct store s;
	const struct store_rfq_dealer *d;
	const struct store_rfq *r;

	(void)state;
	store_init(&s);
	push(&s, TOPIC_RFQ, 1, T0 + SEC, "{\"id\":\"r3\",\"block\":\"1\","
	    "\"side\":\"sell\",\"qty\":20000,\"by\":\"trader\",\"deadline\":"
	    "\"34260000000000\",\"dealers\":[{\"dealer\":\"D1\",\"status\":"
	    "\"pending\"}],\"state\":\"live\",\"filled\":0}");
	assert_int_equal(s.nrfqs, 1);
	/* A live request with no quote is one row: rejecting needs it. */
	assert_int_equal(store_rfq_rows(&s), 1);
	r = store_rfq_row(&s, 0, &d);
	assert_non_null(r);
	assert_null(d);
	push(&s, TOPIC_RFQ, 2, T0 + 2 * SEC, R3_LIVE);
	assert_int_equal(s.nrfqs, 1);
	assert_int_equal(s.rfqs[0].ndealers, 3);
	assert_string_equal(s.rfqs[0].d[2].status, "declined");
	/* Now the row is the quote. */
	assert_int_equal(store_rfq_rows(&s), 1);
	r = store_rfq_row(&s, 0, &d);
	assert_non_null(d);
	assert_string_equal(d->name, "D1");
	assert_int_equal(d->px, 9983);
	/* Ended requests are no rows; the table keeps them. */
	push(&s, TOPIC_RFQ, 3, T0 + 3 * SEC, "{\"id\":\"r3\",\"block\":\"1\","
	    "\"side\":\"sell\",\"qty\":20000,\"by\":\"trader\",\"state\":"
	    "\"accepted\",\"dealer\":\"D1\",\"px\":9983,\"filled\":20000}");
	assert_int_equal(s.nrfqs, 1);
	assert_int_equal(store_rfq_rows(&s), 0);
	assert_null(store_rfq_row(&s, 0, &d));
	/* A full table drops the oldest that has ended, never one in
	 * flight. */
	for (int i = 0; i < STORE_RFQS + 3; i++) {
		char ev[200];

		snprintf(ev, sizeof ev, "{\"id\":\"r%d\",\"block\":\"1\","
		    "\"qty\":100,\"state\":\"%s\"}", 10 + i, i == 0 ? "live" :
		    "expired");
		push(&s, TOPIC_RFQ, (uint64_t)(4 + i), T0 + 4 * SEC, ev);
	}
	assert_int_equal(s.nrfqs, STORE_RFQS);
	assert_string_equal(s.rfqs[0].id, "r10");
	assert_string_equal(s.rfqs[STORE_RFQS - 1].id, "r28");
	/* Control characters from the wire never reach the table. */
	push(&s, TOPIC_RFQ, 40, T0 + 5 * SEC, "{\"id\":\"r10\",\"state\":"
	    "\"live\",\"reason\":\"a\\u001b[2Jb\"}");
	assert_null(strchr(s.rfqs[0].reason, 0x1b));
	store_free(&s);
}

static void
snapshot_brings_the_requests_back(void **state)
{
	struct store s;
	cJSON *snap;

	(void)state;
	store_init(&s);
	push(&s, TOPIC_RFQ, 1, T0, "{\"id\":\"r1\",\"state\":\"live\"}");
	snap = cJSON_Parse("{\"seq\":50,\"t\":\"34201000000000\",\"rfqs\":["
	    R3_LIVE "]}");
	assert_non_null(snap);
	assert_int_equal(store_apply_snapshot(&s, snap, 1000), 0);
	/* The snapshot's list replaces what the store had. */
	assert_int_equal(s.nrfqs, 1);
	assert_string_equal(s.rfqs[0].id, "r3");
	cJSON_Delete(snap);
	store_free(&s);
}

static void
render_rfq_quotes_countdown_and_outcomes(void **state)
{
	struct store s;
	struct tui_view v;
	struct panel p;
	int y;

	(void)state;
	store_init(&s);
	store_set_tick(&s, 0.01);
	view_init(&v, &s);
	p = render(&panel_rfq_ops, &v, 10, 46);
	assert_true(find_row(&p, "RFQ 0 in flight") == 0);
	assert_true(find_row(&p, "no requests for quotes") > 0);
	delwin(p.win);

	push(&s, TOPIC_RFQ, 1, T0 + 48 * SEC, R3_LIVE);
	push(&s, TOPIC_RFQ, 2, T0 + 48 * SEC, "{\"id\":\"r2\",\"block\":\"1\","
	    "\"side\":\"sell\",\"qty\":5000,\"by\":\"trader\",\"state\":"
	    "\"rejected\",\"filled\":0,\"reason\":\"too wide\"}");
	v.focus = PANEL_RFQ;
	p = render(&panel_rfq_ops, &v, 10, 46);
	assert_true(find_row(&p, "RFQ 1 in flight") == 0);
	/* The request with its countdown: 12 s of simulated time left. */
	y = find_row2(&p, "r3", "12s left");
	assert_true(y > 0);
	assert_non_null(strstr(row(&p, y), "20,000"));
	/* Each dealer: the quote selected ('>' and reverse), then pending
	 * and declined. */
	y = find_row(&p, "99.83 x 20,000");
	assert_true(y > 0);
	assert_int_equal(row(&p, y)[1], '>');
	assert_true(mvwinch(p.win, y, 6) & A_REVERSE);
	assert_true(find_row2(&p, "D2", "pending") > y);
	assert_true(find_row2(&p, "D3", "declined") > y);
	/* Then how the recent ones ended. */
	assert_true(find_row2(&p, "r2 rejected 5,000", "too wide") > y);
	delwin(p.win);

	/* The clock moves: so does the countdown. */
	push(&s, TOPIC_MID, 3, T0 + 55 * SEC, "{\"sym\":\"QDI\",\"mid\":9990}");
	p = render(&panel_rfq_ops, &v, 10, 46);
	assert_true(find_row2(&p, "r3", "5s left") > 0);
	delwin(p.win);

	/* Accepted: the dealer, the price and the fill. */
	push(&s, TOPIC_RFQ, 4, T0 + 56 * SEC, "{\"id\":\"r3\",\"block\":\"1\","
	    "\"side\":\"sell\",\"qty\":20000,\"by\":\"trader\",\"state\":"
	    "\"accepted\",\"dealer\":\"D1\",\"px\":9983,\"filled\":20000}");
	p = render(&panel_rfq_ops, &v, 10, 46);
	assert_true(find_row(&p, "RFQ 0 in flight") == 0);
	assert_true(find_row(&p, "r3 accepted D1 99.83 x 20,000 (trader)") > 0);
	delwin(p.win);
	store_free(&s);
}

/* The RFQ selection is a quote (request and dealer), not a row: a quote
 * arriving above it or a request ending above it does not put Y on a
 * quote nobody chose, and a quote gone is said, not replaced. */
static void
rfq_selection_follows_the_quote(void **state)
{
	struct store s;
	struct tui_view v;
	struct panel p;

	(void)state;
	store_init(&s);
	store_set_tick(&s, 0.01);
	view_init(&v, &s);
	memset(&p, 0, sizeof p);
#define RQ(id, dealers, st) "{\"id\":\"" id "\",\"block\":\"1\",\"sym\":" \
	"\"QDI\",\"side\":\"sell\",\"qty\":20000,\"by\":\"trader\"," \
	"\"deadline\":\"34260000000000\",\"dealers\":[" dealers "]," \
	"\"state\":\"" st "\",\"filled\":0}"
#define Q(d, px) "{\"dealer\":\"" d "\",\"status\":\"quoted\",\"px\":" \
	#px ",\"size\":20000}"
#define PEND(d) "{\"dealer\":\"" d "\",\"status\":\"pending\"}"
	push(&s, TOPIC_RFQ, 1, T0 + SEC, RQ("r3", Q("D1", 9983) "," PEND("D2"),
	    "live"));
	push(&s, TOPIC_RFQ, 2, T0 + SEC, RQ("r4", Q("D1", 9981), "live"));
	panel_rfq_follow(&v);
	assert_true(rfq_ops_key(&p, &v, 'j'));
	assert_string_equal(v.sel_rfq_id, "r4");
	assert_string_equal(v.sel_rfq_dealer, "D1");
	assert_int_equal(v.sel_rfq, 1);
	/* D2 quotes on r3: a row above; the selection is still r4's D1. */
	push(&s, TOPIC_RFQ, 3, T0 + 2 * SEC, RQ("r3", Q("D1", 9983) ","
	    Q("D2", 9984), "live"));
	assert_int_equal(panel_rfq_find(&s, "r4", "D1"), 2);
	panel_rfq_follow(&v);
	assert_int_equal(v.sel_rfq, 2);
	assert_string_equal(v.sel_rfq_id, "r4");
	/* r3 expires: r4's D1 is the first row, still the one selected. */
	push(&s, TOPIC_RFQ, 4, T0 + 3 * SEC, RQ("r3", Q("D1", 9983), "expired"));
	panel_rfq_follow(&v);
	assert_int_equal(v.sel_rfq, 0);
	assert_string_equal(v.sel_rfq_id, "r4");
	/* r4 is rejected elsewhere and r5 arrives: r4's quote is gone, no
	 * row is marked, and it is not replaced by r5's. */
	push(&s, TOPIC_RFQ, 5, T0 + 4 * SEC, RQ("r4", Q("D1", 9981), "rejected"));
	push(&s, TOPIC_RFQ, 6, T0 + 4 * SEC, RQ("r5", Q("D3", 9980), "live"));
	panel_rfq_follow(&v);
	assert_true(v.sel_rfq_gone);
	assert_string_equal(v.sel_rfq_id, "r4");
	assert_int_equal(panel_rfq_find(&s, v.sel_rfq_id, v.sel_rfq_dealer), -1);
	p = render(&panel_rfq_ops, &v, 10, 60);
	assert_true(find_row(&p, "r4 D1 gone") == 0);
	assert_int_equal(row(&p, find_row(&p, "99.80 x 20,000"))[1], ' ');
	delwin(p.win);
	memset(&p, 0, sizeof p);
	/* Down chooses the row in its place. */
	assert_true(rfq_ops_key(&p, &v, 'j'));
	assert_string_equal(v.sel_rfq_id, "r5");
	assert_string_equal(v.sel_rfq_dealer, "D3");
	assert_false(v.sel_rfq_gone);

	/* A request chosen on its own row (no quote yet) is still live when
	 * its first quote arrives: its row has gone, X still has it. */
	push(&s, TOPIC_RFQ, 7, T0 + 5 * SEC, RQ("r6", PEND("D1"), "live"));
	assert_true(rfq_ops_key(&p, &v, 'j'));
	assert_string_equal(v.sel_rfq_id, "r6");
	assert_string_equal(v.sel_rfq_dealer, "");
	push(&s, TOPIC_RFQ, 8, T0 + 5 * SEC, RQ("r6", Q("D1", 9979), "live"));
	assert_int_equal(panel_rfq_find(&s, "r6", ""), -1);
	assert_non_null(store_rfq_live(&s, "r6"));
	assert_null(store_rfq_live(&s, "r4"));

	/* More in flight than the panel has lines: the requests above the
	 * selection give way, and the selected quote is drawn, marked. */
	for (int i = 0; i < 6; i++) {
		char id[8], json[512];

		snprintf(id, sizeof id, "x%d", i);
		snprintf(json, sizeof json, RQ("%s", Q("D1", 9970) "," Q("D2",
		    9971), "live"), id);
		push(&s, TOPIC_RFQ, (uint64_t)(9 + i), T0 + 6 * SEC, json);
	}
	while (rfq_ops_key(&p, &v, 'j') && strcmp(v.sel_rfq_id, "x5") != 0)
		;
	assert_true(rfq_ops_key(&p, &v, 'j'));
	assert_string_equal(v.sel_rfq_id, "x5");
	assert_string_equal(v.sel_rfq_dealer, "D2");
	p = render(&panel_rfq_ops, &v, 10, 60);
	assert_true(p.sel_shown);
	assert_int_equal(row(&p, find_row(&p, "99.71 x 20,000"))[1], ' ');
	{
		int y = find_row2(&p, "x5", "BUY");

		if (y < 0)
			y = find_row2(&p, "x5", "SELL");
		assert_true(y > 0);
		assert_int_equal(row(&p, y + 2)[1], '>');
		assert_non_null(strstr(row(&p, y + 2), "D2"));
	}
	/* The first requests gave way. */
	assert_int_equal(find_row(&p, "r5"), -1);
	delwin(p.win);
#undef RQ
#undef Q
#undef PEND
	store_free(&s);
}

static void
render_venues_fills_share_rate_and_leakage(void **state)
{
	struct store s;
	struct tui_view v;
	struct panel p;

	(void)state;
	store_init(&s);
	view_init(&v, &s);
	push(&s, TOPIC_BLOCK, 1, T0, "{\"id\":\"1\",\"sym\":\"QDI\",\"side\":"
	    "\"sell\",\"qty\":100000,\"filled\":0,\"state\":\"WORKING\","
	    "\"venues\":\"lit\"}");
	p = render(&panel_venues_ops, &v, 10, 46);
	assert_true(find_row(&p, "VENUES block 1") == 0);
	assert_true(find_row(&p, "trades lit only") > 0);
	delwin(p.win);

	push(&s, TOPIC_BLOCK, 2, T0 + SEC, "{\"id\":\"1\",\"sym\":\"QDI\","
	    "\"side\":\"sell\",\"qty\":100000,\"filled\":50000,\"state\":"
	    "\"WORKING\",\"venues\":\"lit,dark,rfq\",\"venue_filled\":{\"lit\":"
	    "25000,\"dark\":5000,\"rfq\":20000},\"venue_working\":3000,"
	    "\"dark_sent\":20000,\"leak_vol\":1200}");
	p = render(&panel_venues_ops, &v, 10, 46);
	assert_true(find_row2(&p, "lit", "25,000") > 0);
	assert_non_null(strstr(row(&p, find_row2(&p, "lit", "25,000")), "50%"));
	assert_non_null(strstr(row(&p, find_row2(&p, "dark", "5,000")), "10%"));
	assert_non_null(strstr(row(&p, find_row2(&p, "rfq", "20,000")), "40%"));
	assert_true(find_row(&p, "resting/asked in venues 3,000") > 0);
	assert_true(find_row(&p, "dark fill rate 25% (5,000 of 20,000 sent)") >
	    0);
	assert_true(find_row(&p, "leakage 1,200 shares traded ahead") > 0);
	delwin(p.win);
	store_free(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(store_keeps_each_request_whole_by_id),
		cmocka_unit_test(snapshot_brings_the_requests_back),
		cmocka_unit_test(render_rfq_quotes_countdown_and_outcomes),
		cmocka_unit_test(rfq_selection_follows_the_quote),
		cmocka_unit_test(render_venues_fills_share_rate_and_leakage),
	};

	return cmocka_run_group_tests(tests, render_setup, render_teardown);
}
