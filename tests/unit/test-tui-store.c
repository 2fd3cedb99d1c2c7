/*
 * tests/unit/test-tui-store.c -- the console's state store, its panels and
 * its prompt, without a terminal or an engine.
 *
 * Events are built the way the engine builds them (ipc_event_format) and
 * decoded the way the console decodes them (ipc_event_parse), then pushed
 * into a store.  Panels are drawn into curses pads on a terminal whose
 * output goes to /dev/null, and the text is read back with mvwinnstr().
 */
#include <locale.h>
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

/* ---------------------------------------------------------------- helpers */


#define T0 34200000000000LL /* 09:30:00 */
#define SEC 1000000000LL

static const char *book_json =
	"{\"sym\":\"QDI\",\"bids\":[[10001,500,2],[10000,1200,4]],"
	"\"asks\":[[10002,300,1],[10003,900,3]],\"last\":10001,"
	"\"ours\":[{\"id\":\"c1\",\"side\":\"buy\",\"px\":10001,\"qty\":200,"
	"\"ahead\":300}]}";

static const char *block_json =
	"{\"id\":\"B1\",\"sym\":\"QDI\",\"side\":\"buy\",\"qty\":100000,"
	"\"filled\":42300,\"working\":2000,\"remaining\":57700,"
	"\"state\":\"WORKING\",\"algo\":\"vwap\",\"start\":\"34200000000000\","
	"\"end\":\"45000000000000\",\"arrival_px\":10000.5,\"avg_px\":10001.25,"
	"\"sched_qty\":41000,\"pct_sched\":103.2,\"is_bps\":0.7,"
	"\"is_cash\":317.25,\"max_pov\":15,\"mkt_vol\":300000,\"pov\":12.3}";

/* A store that has seen one of each event, seq 1..5, at wall time 1000. */
static void
store_fill(struct store *s)
{
	push_at(s, TOPIC_BOOK, 1, T0 + 1 * SEC, book_json, 1000);
	push_at(s, TOPIC_BLOCK, 2, T0 + 2 * SEC, block_json, 1000);
	push_at(s, TOPIC_DECISION, 3, T0 + 3 * SEC,
	    "{\"block\":\"B1\",\"action\":\"post\",\"qty\":500,\"px\":10001,"
	    "\"style\":\"passive\",\"sched_qty\":41000,\"filled\":42300,"
	    "\"reason\":\"join the bid for the next slice\"}", 1000);
	push_at(s, TOPIC_ALERT, 4, T0 + 4 * SEC,
	    "{\"sev\":\"warn\",\"code\":\"behind\",\"text\":\"behind "
	    "schedule\",\"block\":\"B1\"}", 1000);
	push_at(s, TOPIC_HEARTBEAT, 5, T0 + 5 * SEC,
	    "{\"speed\":60,\"state\":\"LIVE\",\"subs\":2,\"util\":0.1,"
	    "\"name\":\"desk-1\"}", 1000);
}

/* ------------------------------------------------------------------ store */

/* A block event with a plan: points and base are its "points" and
 * "base_points" as JSON text. */
static void
plan_event(char *json, size_t n, const char *points, const char *base)
{
	snprintf(json, n, "{\"id\":\"B1\",\"qty\":100000,\"filled\":48000,"
	    "\"state\":\"WORKING\",\"start\":\"34200000000000\","
	    "\"end\":\"37800000000000\",\"plan\":{\"since\":"
	    "\"35700000000000\",\"lump\":1200,\"shape\":\"own\","
	    "\"half_qty\":75000,\"half_t\":\"36527000000000\","
	    "\"base_half_t\":\"36900000000000\",\"points\":%s,"
	    "\"base_points\":%s}}", points, base);
}

#define PLAN_PTS "[[\"36000000000000\",50000],[\"36900000000000\",80000]," \
	"[\"37800000000000\",100000]]"
#define BASE_PTS "[[\"36000000000000\",50000],[\"36900000000000\",75000]," \
	"[\"37800000000000\",100000]]"

/*
 * The block's plan is read whole or not at all: samples in time order,
 * the base's at the plan's times, two to STORE_PLAN_PTS pairs of [time,
 * shares]; anything else, or a block event without one, leaves no plan in
 * force.  Between samples the plan is a straight line; a snapshot's block
 * carries it too (a console attaching late, a replay seeking).
 */

/* More live blocks than the store holds: each of the first STORE_BLOCKS is
 * kept, and the rest are said (the blotter's title), not dropped without a
 * word; a finished block's slot is taken by a new one.  It held 16, and a
 * desk's seventeenth FIX order was not shown at all. */
static void
store_blocks_past_the_slots_are_said(void **state)
{
	struct store s;
	char json[256], id[16];
	uint64_t seq = 1;

	(void)state;
	store_init(&s);
	for (int i = 1; i <= STORE_BLOCKS + 10; i++) {
		snprintf(json, sizeof json, "{\"id\":\"%d\",\"sym\":\"QDI\","
		    "\"side\":\"buy\",\"state\":\"WORKING\",\"qty\":100}", i);
		push_at(&s, TOPIC_BLOCK, seq++, 36000 * SEC, json, 1000);
	}
	assert_int_equal(s.nblocks, STORE_BLOCKS);
	assert_true(STORE_BLOCKS >= 200);
	assert_non_null(store_block_find(&s, "17"));
	assert_null(store_block_find(&s, "257"));
	assert_int_equal(s.blocks_full, 1);
	/* One finishes: the next new block takes its slot. */
	push_at(&s, TOPIC_BLOCK, seq++, 36001 * SEC, "{\"id\":\"3\",\"state\":"
	    "\"DONE\"}", 1000);
	snprintf(id, sizeof id, "%d", STORE_BLOCKS + 20);
	snprintf(json, sizeof json, "{\"id\":\"%s\",\"sym\":\"QDI\",\"side\":"
	    "\"buy\",\"state\":\"WORKING\",\"qty\":100}", id);
	push_at(&s, TOPIC_BLOCK, seq++, 36002 * SEC, json, 1000);
	assert_non_null(store_block_find(&s, id));
	assert_null(store_block_find(&s, "3"));
	store_free(&s);
}

static void
store_block_plan_whole_or_none(void **state)
{
	struct store s;
	const struct store_block *b;
	char json[4096], many[1024], snapjs[4200];
	size_t used = 0;
	cJSON *snap;
	uint64_t seq = 1;

	(void)state;
	store_init(&s);
	plan_event(json, sizeof json, PLAN_PTS, BASE_PTS);
	push_at(&s, TOPIC_BLOCK, seq++, 36000 * SEC, json, 1000);
	b = store_block_find(&s, "B1");
	assert_non_null(b);
	assert_int_equal(b->plan.n, 3);
	assert_int_equal(b->plan.own, 1);
	assert_int_equal(b->plan.lump, 1200);
	assert_int_equal(b->plan.half_t, 36527000000000LL);
	assert_int_equal(b->plan.base_half_t, 36900000000000LL);
	/* Half way between the first two samples. */
	assert_int_equal(store_plan_due(&b->plan, 36450 * SEC, 0), 65000);
	assert_int_equal(store_plan_due(&b->plan, 36450 * SEC, 1), 62500);
	assert_int_equal(store_plan_due(&b->plan, 35999 * SEC, 0), -1);
	assert_int_equal(store_plan_due(&b->plan, 37800 * SEC, 0), 100000);
	assert_int_equal(store_plan_due(&b->plan, 40000 * SEC, 1), 100000);

	/* The base at other times than the plan: none. */
	plan_event(json, sizeof json, PLAN_PTS, "[[\"36000000000000\",50000],"
	    "[\"36800000000000\",75000],[\"37800000000000\",100000]]");
	push_at(&s, TOPIC_BLOCK, seq++, 36001 * SEC, json, 1000);
	assert_int_equal(b->plan.n, 0);
	assert_int_equal(store_plan_due(&b->plan, 36450 * SEC, 0), -1);
	/* Out of time order, a sample not a pair, a share count that is
	 * not a number, one sample, or more than STORE_PLAN_PTS: none. */
	static const char *const bad[] = {
		"[[\"36900000000000\",50000],[\"36000000000000\",80000]]",
		"[[\"36000000000000\",50000],[\"36900000000000\"]]",
		"[[\"36000000000000\",50000],[\"36900000000000\",\"lots\"]]",
		"[[\"36000000000000\",50000]]",
		"{\"t\":1}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		push_at(&s, TOPIC_BLOCK, seq++, 36002 * SEC, (plan_event(json,
		    sizeof json, PLAN_PTS, BASE_PTS), json), 1000);
		assert_int_equal(b->plan.n, 3);
		plan_event(json, sizeof json, bad[i], bad[i]);
		push_at(&s, TOPIC_BLOCK, seq++, 36002 * SEC, json, 1000);
		assert_int_equal(b->plan.n, 0);
	}
	used += (size_t)snprintf(many + used, sizeof many - used, "[");
	for (int i = 0; i <= STORE_PLAN_PTS; i++)
		used += (size_t)snprintf(many + used, sizeof many - used,
		    "%s[\"%lld\",%d]", i ? "," : "", 36000000000000LL + i * SEC,
		    50000 + i);
	snprintf(many + used, sizeof many - used, "]");
	plan_event(json, sizeof json, many, many);
	push_at(&s, TOPIC_BLOCK, seq++, 36003 * SEC, json, 1000);
	assert_int_equal(b->plan.n, 0);

	/* A block event without a plan: the plan is over. */
	plan_event(json, sizeof json, PLAN_PTS, BASE_PTS);
	push_at(&s, TOPIC_BLOCK, seq++, 36004 * SEC, json, 1000);
	assert_int_equal(b->plan.n, 3);
	push_at(&s, TOPIC_BLOCK, seq++, 36005 * SEC, "{\"id\":\"B1\","
	    "\"qty\":100000,\"filled\":49000}", 1000);
	assert_int_equal(b->plan.n, 0);
	store_free(&s);

	/* A snapshot's block has its plan. */
	store_init(&s);
	plan_event(json, sizeof json, PLAN_PTS, BASE_PTS);
	snprintf(snapjs, sizeof snapjs, "{\"ok\":true,\"seq\":3,\"t\":"
	    "\"36000000000000\",\"blocks\":[%s]}", json);
	snap = cJSON_Parse(snapjs);
	assert_non_null(snap);
	assert_int_equal(store_apply_snapshot(&s, snap, 1000), 0);
	b = store_block_find(&s, "B1");
	assert_non_null(b);
	assert_int_equal(b->plan.n, 3);
	cJSON_Delete(snap);
	store_free(&s);
}

/* A decision's plan_before and plan_after put what changed in front of
 * its reason when the half-way time moved a minute or more, or shares
 * became due at once; the engine's reason follows whole. */
static void
store_decision_plan_change_in_front(void **state)
{
	struct store s;
	const struct store_decision *d;

	(void)state;
	store_init(&s);
	push_at(&s, TOPIC_DECISION, 1, 36000 * SEC, "{\"block\":\"1\","
	    "\"action\":\"post\",\"reason\":\"ais-pass: price 2.0 sigma "
	    "against us\",\"plan_before\":{\"kind\":\"ac\",\"due\":100,"
	    "\"half_t\":\"40800000000000\"},\"plan_after\":{\"kind\":\"ac\","
	    "\"due\":100,\"half_t\":\"40740000000000\"}}", 1000);
	d = store_decision(&s, 0);
	assert_int_equal(d->replan, 1);
	assert_string_equal(d->reason, "[plan: half by 11:19:00, was "
	    "11:20:00] ais-pass: price 2.0 sigma against us");
	push_at(&s, TOPIC_DECISION, 2, 36060 * SEC, "{\"block\":\"1\","
	    "\"action\":\"post\",\"reason\":\"seconds\",\"plan_before\":"
	    "{\"due\":100,\"half_t\":\"40800000000000\"},\"plan_after\":"
	    "{\"due\":100,\"half_t\":\"40741000000000\"}}", 1000);
	d = store_decision(&s, 0);
	assert_int_equal(d->replan, 0);
	assert_string_equal(d->reason, "seconds");
	push_at(&s, TOPIC_DECISION, 3, 36070 * SEC, "{\"block\":\"1\","
	    "\"action\":\"cross\",\"reason\":\"event: fired\",\"plan_before\":"
	    "{\"due\":100,\"half_t\":\"40800000000000\"},\"plan_after\":"
	    "{\"due\":1300,\"half_t\":\"40800000000000\"}}", 1000);
	d = store_decision(&s, 0);
	assert_int_equal(d->replan, 1);
	assert_string_equal(d->reason, "[plan: half by 11:20:00, was 11:20:00; "
	    "+1,200 now] event: fired");
	/* A cap that cut the child: what was sent, after the plan's "+N now"
	 * and before the engine's reason. */
	push_at(&s, TOPIC_DECISION, 4, 36075 * SEC, "{\"block\":\"1\","
	    "\"action\":\"cross\",\"qty\":700,\"reason\":\"event: fired\","
	    "\"held\":{\"by\":\"participation\",\"due\":30204},\"plan_before\":"
	    "{\"due\":100,\"half_t\":\"40800000000000\"},\"plan_after\":"
	    "{\"due\":20899,\"half_t\":\"40800000000000\"}}", 1000);
	assert_string_equal(store_decision(&s, 0)->reason, "[plan: half by "
	    "11:20:00, was 11:20:00; +20,799 now] [cap: 700 of 30,204 sent] "
	    "event: fired");
	/* Only one of the two: nothing to compare. */
	push_at(&s, TOPIC_DECISION, 5, 36080 * SEC, "{\"block\":\"1\","
	    "\"action\":\"post\",\"reason\":\"half\",\"plan_after\":"
	    "{\"due\":1300,\"half_t\":\"40800000000000\"}}", 1000);
	assert_string_equal(store_decision(&s, 0)->reason, "half");
	store_free(&s);
}

/* A cut child in words, for the decisions panel and the replay's `.`:
 * nothing when nothing was cut (no "held", no quantity, or all of it
 * sent); which cap it was, what was sent and what was due otherwise, in
 * front of the reason the message line cuts from the end. */
static void
held_words_say_the_cut_before_the_reason(void **state)
{
	struct store s;
	char w[96], out[512];
	static const struct {
		const char *json, *want;
	} cases[] = {
		{ "{\"qty\":700}", "" },
		{ "{\"qty\":700,\"held\":{\"by\":\"participation\"}}", "" },
		{ "{\"held\":{\"by\":\"participation\",\"due\":900}}", "" },
		{ "{\"qty\":900,\"held\":{\"by\":\"participation\",\"due\":"
		    "900}}", "" },
		{ "{\"qty\":700,\"held\":{\"by\":\"participation\",\"due\":"
		    "30204}}", "[cap: 700 of 30,204 sent]" },
		{ "{\"qty\":5000,\"held\":{\"by\":\"max_child\",\"due\":"
		    "12000}}", "[max child: 5,000 of 12,000 sent]" },
		{ "{\"qty\":1200,\"held\":{\"by\":\"desk\",\"due\":"
		    "4000}}", "[desk: 1,200 of 4,000 sent]" },
		{ "{\"qty\":700,\"held\":\"participation\"}", "" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		cJSON *o = cJSON_Parse(cases[i].json);

		assert_non_null(o);
		assert_string_equal(store_held_words(o, w, sizeof w),
		    cases[i].want);
		cJSON_Delete(o);
	}
	/* The replay's narration of a decision. */
	store_init(&s);
	store_set_tick(&s, 0.01);
	cJSON *o = cJSON_Parse("{\"block\":\"3\",\"action\":\"cross\","
	    "\"qty\":700,\"px\":9970,\"style\":\"cross\",\"reason\":"
	    "\"crossing 700 at most 99.70\",\"held\":{\"by\":"
	    "\"participation\",\"due\":30204}}");
	assert_non_null(o);
	transport_replay_words(out, sizeof out, TOPIC_DECISION, o, &s);
	assert_string_equal(out, "decision, block 3: cross 700 @ 99.70 cross "
	    "[cap: 700 of 30,204 sent]: crossing 700 at most 99.70");
	cJSON_DeleteItemFromObject(o, "held");
	transport_replay_words(out, sizeof out, TOPIC_DECISION, o, &s);
	assert_string_equal(out, "decision, block 3: cross 700 @ 99.70 cross: "
	    "crossing 700 at most 99.70");
	cJSON_Delete(o);
	store_free(&s);
}

/* A news event is the title bar's news line; one with a sentiment out of
 * [-1, 1] or no headline is a bad event and changes nothing, and the
 * headline reaches the store without its control characters. */
static void
store_news_is_the_newest_item(void **state)
{
	struct store s;

	(void)state;
	store_init(&s);
	push_at(&s, TOPIC_NEWS, 1, T0 + 1 * SEC,
	    "{\"sym\":\"QDI\",\"headline\":\"QDI cuts\\u001b[2J guidance\","
	    "\"sentiment\":-0.6,\"src\":\"file\",\"at\":\"1\"}", 1000);
	assert_int_equal(s.nnews, 1);
	assert_string_equal(s.news.sym, "QDI");
	assert_null(strchr(s.news.headline, 0x1b));
	assert_non_null(strstr(s.news.headline, "guidance"));
	assert_true(s.news.sentiment == -0.6 && s.news.t == T0 + 1 * SEC);
	push_at(&s, TOPIC_NEWS, 2, T0 + 2 * SEC,
	    "{\"sym\":\"QDI\",\"headline\":\"odd\",\"sentiment\":1.5}", 1000);
	push_at(&s, TOPIC_NEWS, 3, T0 + 3 * SEC,
	    "{\"sym\":\"QDI\",\"sentiment\":0.5}", 1000);
	assert_int_equal(s.nnews, 1);
	assert_int_equal(s.bad_events, 2);
	assert_true(s.news.sentiment == -0.6);
	push_at(&s, TOPIC_NEWS, 4, T0 + 4 * SEC,
	    "{\"sym\":\"QDI\",\"headline\":\"QDI wins\",\"sentiment\":0.7}",
	    1000);
	assert_int_equal(s.nnews, 2);
	assert_string_equal(s.news.headline, "QDI wins");
	store_free(&s);
}

/* An unacknowledged CRIT stays however many routine alerts follow it
 * (the console's 256 let it go after 256 of them); once acknowledged it
 * goes in turn. */
static void
store_keeps_an_unacked_crit(void **state)
{
	struct store s;
	char json[200];
	uint64_t seq = 1;

	(void)state;
	store_init(&s);
	push_at(&s, TOPIC_ALERT, seq++, T0, "{\"sev\":\"crit\",\"code\":"
	    "\"spread\",\"text\":\"QDI spread 32.0 ticks\"}", 1000);
	for (int i = 0; i < 600; i++) {
		snprintf(json, sizeof json, "{\"sev\":\"warn\",\"code\":"
		    "\"unfilled\",\"text\":\"block %d\"}", i);
		push_at(&s, TOPIC_ALERT, seq++, T0 + (i + 1) * SEC, json, 1000);
	}
	assert_int_equal(store_alerts_crit_unacked(&s), 1);
	assert_int_equal(store_nalerts(&s), STORE_ALERTS);
	/* The oldest kept is the CRIT; the newest the last warning. */
	assert_string_equal(store_alert(&s, STORE_ALERTS - 1)->text,
	    "QDI spread 32.0 ticks");
	assert_string_equal(store_alert(&s, 0)->text, "block 599");
	assert_string_equal(store_alert(&s, 1)->text, "block 598");
	/* An "ack all" whose audit no longer names it (the engine let it
	 * go past its own bound) clears it by the seq it goes through: it
	 * stayed counted, and nothing could clear it (found by a review). */
	push_at(&s, TOPIC_AUDIT, seq++, T0 + 650 * SEC, "{\"cmd\":\"ack\","
	    "\"ok\":true,\"user\":\"sup\",\"role\":\"supervisor\","
	    "\"acked\":[\"599\"],\"through\":\"601\"}", 1000);
	assert_int_equal(store_alerts_crit_unacked(&s), 0);
	assert_true(store_alert(&s, STORE_ALERTS - 1)->acked);
	push_at(&s, TOPIC_ALERT, seq++, T0 + 700 * SEC, "{\"sev\":\"warn\","
	    "\"code\":\"unfilled\",\"text\":\"after\"}", 1000);
	assert_string_not_equal(store_alert(&s, STORE_ALERTS - 1)->text,
	    "QDI spread 32.0 ticks");
	store_free(&s);
}

static void
store_events_build_the_state(void **state)
{
	struct store s;
	const struct store_block *b;
	const struct store_decision *d;
	const struct store_alert *a;

	(void)state;
	store_init(&s);
	store_fill(&s);

	assert_int_equal(s.books[0].nbids, 2);
	assert_int_equal(s.books[0].nasks, 2);
	assert_int_equal(s.books[0].asks[0].px, 10002);
	assert_int_equal(s.books[0].bids[1].qty, 1200);
	assert_int_equal(s.books[0].bids[0].orders, 2);
	assert_int_equal(s.books[0].last, 10001);
	assert_int_equal(s.books[0].nours, 1);
	assert_int_equal(s.books[0].ours[0].buy, 1);
	assert_string_equal(s.books[0].sym, "QDI");

	assert_int_equal(s.nblocks, 1);
	b = store_block_find(&s, "B1");
	assert_non_null(b);
	assert_string_equal(b->state, "WORKING");
	assert_string_equal(b->algo, "vwap");
	assert_int_equal(b->filled, 42300);
	assert_int_equal(b->end, 45000000000000LL);
	assert_true(b->have & BLK_SCHED);
	assert_true(b->pct_sched > 103.1 && b->pct_sched < 103.3);
	assert_true(b->max_pov == 15);

	assert_int_equal(store_ndecisions(&s), 1);
	d = store_decision(&s, 0);
	assert_string_equal(d->action, "post");
	assert_int_equal(d->qty, 500);
	assert_int_equal(d->t, T0 + 3 * SEC);
	assert_string_equal(d->reason, "join the bid for the next slice");

	assert_int_equal(store_nalerts(&s), 1);
	a = store_alert(&s, 0);
	assert_int_equal(a->sev, SEV_WARN);
	assert_string_equal(a->text, "behind schedule");

	assert_string_equal(s.state, "LIVE");
	assert_string_equal(s.engine, "desk-1");
	assert_int_equal(s.conn, CONN_CONNECTED);
	assert_int_equal(s.last_seq, 5);
	assert_int_equal(s.gaps, 0);
	assert_int_equal(s.t, T0 + 5 * SEC);
	assert_false(store_resync_wanted(&s));

	/* A later block event changes only what it carries. */
	push_at(&s, TOPIC_BLOCK, 6, T0 + 6 * SEC,
	    "{\"id\":\"B1\",\"state\":\"PAUSED\",\"filled\":43000}", 1000);
	b = store_block_find(&s, "B1");
	assert_string_equal(b->state, "PAUSED");
	assert_int_equal(b->filled, 43000);
	assert_string_equal(b->algo, "vwap");
	assert_int_equal(s.nblocks, 1);
	/* A status event changes the engine's state at once, before the
	 * next heartbeat (a replay showed LIVE for 50 s after a kill). */
	push_at(&s, TOPIC_STATUS, 7, T0 + 7 * SEC,
	    "{\"state\":\"HALTED\",\"speed\":\"60\"}", 1000);
	assert_string_equal(s.state, "HALTED");
	assert_true(s.speed == 60);
	push_at(&s, TOPIC_HEARTBEAT, 8, T0 + 8 * SEC,
	    "{\"speed\":60,\"state\":\"LIVE\",\"subs\":2,\"util\":0.1,"
	    "\"name\":\"desk-1\"}", 1000);
	assert_string_equal(s.state, "LIVE");
	/* The engine's "max" is a speed too: the bar kept the last number
	 * (found by a review). */
	push_at(&s, TOPIC_HEARTBEAT, 9, T0 + 9 * SEC,
	    "{\"speed\":\"max\",\"state\":\"LIVE\"}", 1000);
	assert_true(s.speed == 0);
	push_at(&s, TOPIC_STATUS, 10, T0 + 10 * SEC,
	    "{\"state\":\"LIVE\",\"speed\":\"4\"}", 1000);
	assert_true(s.speed == 4);
	store_free(&s);
}

static void
store_lists_keep_the_newest_first(void **state)
{
	struct store s;
	char payload[128];
	uint64_t i;

	(void)state;
	store_init(&s);
	for (i = 1; i <= STORE_DECISIONS + 10; i++) {
		snprintf(payload, sizeof payload, "{\"action\":\"post\",\"qty\":%llu,"
		    "\"reason\":\"r\"}", (unsigned long long)i);
		push_at(&s, TOPIC_DECISION, i, T0 + (int64_t)i, payload, 0);
	}
	assert_int_equal(store_ndecisions(&s), STORE_DECISIONS);
	assert_int_equal(store_decision(&s, 0)->qty, STORE_DECISIONS + 10);
	assert_int_equal(store_decision(&s, STORE_DECISIONS - 1)->qty, 11);
	assert_null(store_decision(&s, STORE_DECISIONS));
	store_free(&s);
}

/* A shadow model that would decide otherwise is read first in the reason
 * and found by searching for "shadow"; one that agrees adds nothing. */
static void
store_decision_shows_a_disagreeing_shadow(void **state)
{
	struct store s;

	(void)state;
	store_init(&s);
	push_at(&s, TOPIC_DECISION, 1, T0, "{\"action\":\"post\",\"qty\":500,"
	    "\"reason\":\"offer 500 at the touch\",\"shadow\":{\"model\":\"m2\","
	    "\"choice\":\"x2 cross\",\"live\":\"x1 tactic\",\"agree\":false,"
	    "\"shares_diff\":500,\"decisions\":30,\"disagreements\":21,"
	    "\"disagree_pct\":70}}", 0);
	push_at(&s, TOPIC_DECISION, 2, T0 + 1, "{\"action\":\"post\",\"qty\":500,"
	    "\"reason\":\"on schedule\",\"shadow\":{\"choice\":\"x1 tactic\","
	    "\"agree\":true,\"decisions\":31,\"disagree_pct\":67.7}}", 0);
	assert_int_equal(store_ndecisions(&s), 2);
	assert_string_equal(store_decision(&s, 1)->reason,
	    "[shadow: x2 cross; differs 70% of 30] offer 500 at the touch");
	assert_string_equal(store_decision(&s, 0)->reason, "on schedule");
	assert_true(panel_decision_matches(store_decision(&s, 1), "shadow"));
	assert_false(panel_decision_matches(store_decision(&s, 0), "shadow"));
	store_free(&s);
}

static void
store_gap_is_counted_and_wants_a_resync(void **state)
{
	struct store s;

	(void)state;
	store_init(&s);
	store_fill(&s);
	/* 6 is lost. */
	push_at(&s, TOPIC_ALERT, 7, T0 + 7 * SEC,
	    "{\"sev\":\"info\",\"code\":\"x\",\"text\":\"after the gap\"}", 1000);
	assert_int_equal(s.gaps, 1);
	assert_true(store_resync_wanted(&s));
	assert_int_equal(store_nalerts(&s), 2); /* still applied */

	/* While the snapshot is on its way, events are held. */
	store_resync_begin(&s);
	push_at(&s, TOPIC_ALERT, 8, T0 + 8 * SEC,
	    "{\"sev\":\"info\",\"code\":\"x\",\"text\":\"held, in snapshot\"}",
	    1000);
	push_at(&s, TOPIC_ALERT, 9, T0 + 9 * SEC,
	    "{\"sev\":\"crit\",\"code\":\"x\",\"text\":\"held, after it\"}",
	    1000);
	assert_int_equal(store_nalerts(&s), 2);
	assert_int_equal(s.nbacklog, 2);
	store_free(&s);
}

/* Join events into one events message, as the engine sends a pass's. */
struct drain_ev {
	const char *topic;
	uint64_t seq;
	const char *json;
};

static size_t
drain_build(char *msg, size_t cap, const struct drain_ev *e, size_t n)
{
	size_t used = 0, len, i;
	char *buf;

	for (i = 0; i < n; i++) {
		cJSON *p = cJSON_Parse(e[i].json);

		assert_non_null(p);
		buf = ipc_event_format(e[i].topic, e[i].seq,
		    T0 + (int64_t)e[i].seq * SEC, p, &len);
		assert_non_null(buf);
		assert_true(used + len + 1 < cap);
		if (used > 0)
			msg[used++] = '\n';
		memcpy(msg + used, buf, len);
		used += len;
		free(buf);
		cJSON_Delete(p);
	}
	return used;
}

static size_t
drain_split(const char *msg, size_t len, struct ipc_raw *r, size_t cap)
{
	size_t off = 0, n = 0;
	char err[128];

	while (n < cap && ipc_batch_next(msg, len, &off, &r[n], err,
	    sizeof err) == 1)
		n++;
	return n;
}

static const struct drain_ev drain_evs[] = {
	{ TOPIC_BOOK, 10, "{\"sym\":\"QDI\",\"bids\":[[100,1,1]],"
	    "\"asks\":[[102,1,1]]}" },
	{ TOPIC_BLOCK, 11, "{\"id\":\"B1\",\"side\":\"buy\",\"qty\":1000,"
	    "\"filled\":100,\"state\":\"WORKING\"}" },
	{ TOPIC_BOOK, 12, "{\"sym\":\"XYZ\",\"bids\":[[500,1,1]],"
	    "\"asks\":[[502,1,1]]}" },
	{ TOPIC_FILL, 13, "{\"block\":\"B1\",\"px\":101,\"qty\":50,"
	    "\"filled\":150,\"remaining\":850}" },
	{ TOPIC_BLOCK, 14, "{\"id\":\"B1\",\"side\":\"buy\",\"qty\":1000,"
	    "\"filled\":300,\"state\":\"WORKING\"}" },
	{ TOPIC_BOOK, 15, "{\"sym\":\"QDI\",\"bids\":[[101,1,1]],"
	    "\"asks\":[[103,1,1]]}" },
	{ TOPIC_BLOCK, 16, "{\"id\":\"B1\",\"side\":\"buy\",\"qty\":1000,"
	    "\"filled\":400,\"state\":\"WORKING\"}" },
	{ TOPIC_TRADE, 17, "{\"px\":101,\"qty\":7,\"aggr\":\"buy\"}" },
};

/*
 * In one drain, a book superseded by a later book of its symbol and a
 * block superseded by a later event of its id are not decoded -- but a
 * block event before a fill of that block is (the fill is applied to it)
 * -- and every seq is still counted: no gap, no resync.
 */
static void
store_drain_conflates_books_and_blocks_and_counts_every_seq(void **state)
{
	char msg[4096];
	struct ipc_raw r[16];
	unsigned char keep[16];
	static const unsigned char want[] = { 0, 1, 1, 1, 0, 1, 1, 1 };
	struct store s;
	const struct store_block *b;
	size_t len, n, i;

	(void)state;
	len = drain_build(msg, sizeof msg, drain_evs, 8);
	n = drain_split(msg, len, r, 16);
	assert_int_equal(n, 8);
	assert_int_equal(store_conflate(r, n, keep), 2);
	for (i = 0; i < n; i++)
		assert_int_equal(keep[i], want[i]);

	store_init(&s);
	push_at(&s, TOPIC_HEARTBEAT, 9, T0, "{\"state\":\"LIVE\"}", 1000);
	store_push_drain(&s, r, n, keep, 1000);
	assert_int_equal(s.last_seq, 17);
	assert_int_equal(s.gaps, 0);
	assert_false(store_resync_wanted(&s));
	assert_int_equal(s.events, 9);
	assert_int_equal(s.conflated, 2);
	/* The newest book (QDI at 15) is shown; the block as of 16. */
	assert_string_equal(store_book_of(&s, "QDI")->sym, "QDI");
	assert_int_equal(store_book_of(&s, "QDI")->bids[0].px, 101);
	b = store_block_find(&s, "B1");
	assert_non_null(b);
	assert_int_equal(b->filled, 400);
	/* The fill found its block. */
	assert_int_equal(s.fills.count, 1);
	assert_true(s.t == T0 + 17 * SEC);
	store_free(&s);
}

/*
 * Trades in a drain are read without cJSON when they are in the engine's
 * compact form, and decoded as usual otherwise; either way the store ends
 * exactly as if each had been decoded (compared with a store fed through
 * store_push), and a stale trade is still dropped.
 */
static void
store_drain_fast_trades_agree_with_decoding(void **state)
{
	static const char *trades[] = {
		"{\"px\":10001,\"qty\":300,\"aggr\":\"buy\"}",        /* fast */
		"{\"sym\":\"QDI\",\"px\":-7,\"qty\":5,\"aggr\":\"sell\"}", /* fast */
		"{\"px\":\"10002\",\"qty\":100,\"aggr\":\"buy\"}",     /* string */
		"{\"px\":10003,\"qty\":1.5,\"aggr\":\"sell\"}",        /* fraction */
		"{\"px\":10004,\"qty\":1e308,\"aggr\":\"buy\"}",       /* huge */
		"{\"px\":10005,\"qty\":9,\"aggr\":\"b\\\"uy\"}",        /* escape */
		"{\"px\":10006,\"qty\":4,\"aggr\":\"buy\",\"x\":[1]}",  /* nested */
		"{\"qty\":8}",                                       /* fast */
	};
	struct drain_ev ev[8];
	char msg[4096];
	struct ipc_raw r[16];
	unsigned char keep[16];
	struct store fast, slow;
	size_t len, n, i;

	(void)state;
	for (i = 0; i < 8; i++) {
		ev[i].topic = TOPIC_TRADE;
		ev[i].seq = 20 + i;
		ev[i].json = trades[i];
	}
	len = drain_build(msg, sizeof msg, ev, 8);
	n = drain_split(msg, len, r, 16);
	assert_int_equal(n, 8);
	store_init(&fast);
	store_init(&slow);
	push_at(&fast, TOPIC_TRADE, 19, T0, "{\"px\":1,\"qty\":1}", 1000);
	push_at(&slow, TOPIC_TRADE, 19, T0, "{\"px\":1,\"qty\":1}", 1000);
	store_push_drain(&fast, r, n, keep, 1000);
	for (i = 0; i < 8; i++)
		push_at(&slow, TOPIC_TRADE, 20 + i, T0 + (int64_t)(20 + i) * SEC,
		    trades[i], 1000);
	assert_int_equal(fast.fast, 3);
	assert_int_equal(slow.fast, 0);
	assert_int_equal(fast.trades, slow.trades);
	assert_int_equal(fast.events, slow.events);
	assert_int_equal(fast.last_seq, 27);
	assert_true(fast.t == slow.t);
	assert_int_equal(fast.tape.count, slow.tape.count);
	for (i = 0; i < fast.tape.count; i++) {
		const struct store_print *a = store_ring_get(&fast.tape, i);
		const struct store_print *b = store_ring_get(&slow.tape, i);

		assert_int_equal(a->px, b->px);
		assert_int_equal(a->qty, b->qty);
		assert_int_equal(a->buy, b->buy);
	}
	/* The same drain again: every trade is stale, none is applied. */
	store_push_drain(&fast, r, n, keep, 1000);
	assert_int_equal(fast.trades, slow.trades);
	assert_int_equal(fast.stale, 8);
	store_free(&fast);
	store_free(&slow);
}

/* While a snapshot is on its way, conflated events are held like the rest
 * and counted after it: a drain that straddles the snapshot's seq makes no
 * gap. */
static void
store_drain_held_during_resync_counts_after_the_snapshot(void **state)
{
	char msg[4096];
	struct ipc_raw r[16];
	unsigned char keep[16];
	struct store s;
	cJSON *snap;
	size_t len, n;

	(void)state;
	len = drain_build(msg, sizeof msg, drain_evs, 8);
	n = drain_split(msg, len, r, 16);
	store_init(&s);
	store_resync_begin(&s);
	store_push_drain(&s, r, n, keep, 1000);
	assert_int_equal(s.nbacklog, 8);
	snap = cJSON_Parse("{\"ok\":true,\"seq\":12,\"t\":\"34200000000000\","
	    "\"blocks\":[{\"id\":\"B1\",\"qty\":1000,\"filled\":120}]}");
	assert_int_equal(store_apply_snapshot(&s, snap, 1000), 0);
	cJSON_Delete(snap);
	assert_int_equal(s.last_seq, 17);
	assert_int_equal(s.gaps, 0);
	assert_int_equal(s.stale, 3);
	assert_int_equal(store_block_find(&s, "B1")->filled, 400);
	assert_int_equal(store_book_of(&s, "QDI")->bids[0].px, 101);
	store_free(&s);
}

/* Past STORE_BACKLOG held events the oldest are dropped, and what is kept
 * is applied after the snapshot in its order (a ring: the held list used
 * to be moved whole for every event past the first 8,192). */
static void
store_backlog_full_keeps_the_newest_in_order(void **state)
{
	struct store s;
	cJSON *snap;
	char json[128];
	const int extra = 100, n = STORE_BACKLOG + 100;

	(void)state;
	store_init(&s);
	store_resync_begin(&s);
	for (int i = 1; i <= n; i++) {
		snprintf(json, sizeof json, "{\"sev\":\"info\",\"code\":\"x\","
		    "\"text\":\"held %d\"}", i);
		push_at(&s, TOPIC_ALERT, (uint64_t)i, T0 + i, json, 1000);
	}
	assert_int_equal(s.nbacklog, STORE_BACKLOG);
	assert_int_equal(s.backlog_dropped, extra);
	/* The snapshot covers up to seq n - 40: the last 40 are applied. */
	snprintf(json, sizeof json, "{\"ok\":true,\"seq\":%d,\"t\":"
	    "\"34200000000000\",\"alerts\":[]}", n - 40);
	snap = cJSON_Parse(json);
	assert_int_equal(store_apply_snapshot(&s, snap, 2000), 0);
	cJSON_Delete(snap);
	assert_int_equal(s.nbacklog, 0);
	assert_int_equal(s.last_seq, n);
	assert_int_equal(s.gaps, 0);
	assert_int_equal(store_nalerts(&s), 40);
	for (int k = 0; k < 40; k++) {
		snprintf(json, sizeof json, "held %d", n - k);
		assert_string_equal(store_alert(&s, (size_t)k)->text, json);
	}
	store_free(&s);
}

/* The tape's count is the session's: a console attaching late starts from
 * the snapshot's "prints" (it counted only what it had seen, so two
 * consoles on one engine showed different TAPE counts), and counts the
 * prints after the snapshot's seq on top, once each. */
static void
store_snapshot_prints_count_the_tape(void **state)
{
	static const char tr[] = "{\"px\":10001,\"qty\":100,\"aggr\":"
	    "\"buy\",\"sym\":\"QDI\"}";
	struct store s;
	cJSON *snap;

	(void)state;
	store_init(&s);
	push_at(&s, TOPIC_TRADE, 1, T0 + 1 * SEC, tr, 1000);
	push_at(&s, TOPIC_TRADE, 2, T0 + 2 * SEC, tr, 1000);
	assert_int_equal(s.trades, 2);
	store_resync_begin(&s);
	/* Held: 3 is inside the snapshot, 4 comes after it. */
	push_at(&s, TOPIC_TRADE, 3, T0 + 3 * SEC, tr, 1000);
	push_at(&s, TOPIC_TRADE, 4, T0 + 4 * SEC, tr, 1000);
	snap = cJSON_Parse("{\"ok\":true,\"seq\":3,\"prints\":1000,"
	    "\"t\":\"34203000000000\"}");
	assert_int_equal(store_apply_snapshot(&s, snap, 2000), 0);
	cJSON_Delete(snap);
	assert_int_equal(s.trades, 1001);
	push_at(&s, TOPIC_TRADE, 5, T0 + 5 * SEC, tr, 2000);
	push_at(&s, TOPIC_TRADE, 4, T0 + 4 * SEC, tr, 2000); /* stale */
	assert_int_equal(s.trades, 1002);
	/* An engine that sends no count: what this console saw stands. */
	store_resync_begin(&s);
	snap = cJSON_Parse("{\"ok\":true,\"seq\":5,\"t\":"
	    "\"34205000000000\"}");
	assert_int_equal(store_apply_snapshot(&s, snap, 3000), 0);
	cJSON_Delete(snap);
	assert_int_equal(s.trades, 1002);
	store_free(&s);
}

static void
store_snapshot_rebuilds_the_store(void **state)
{
	struct store s;
	cJSON *snap;
	const struct store_block *b;

	(void)state;
	store_init(&s);
	store_fill(&s);
	push_at(&s, TOPIC_DECISION, 7, T0 + 7 * SEC,
	    "{\"action\":\"post\",\"qty\":1,\"reason\":\"before the gap\"}",
	    1000);
	assert_true(store_resync_wanted(&s));
	store_resync_begin(&s);
	/* Held: 8 is inside the snapshot, 9 comes after it. */
	push_at(&s, TOPIC_ALERT, 8, T0 + 8 * SEC,
	    "{\"sev\":\"info\",\"code\":\"x\",\"text\":\"in the snapshot\"}",
	    1000);
	push_at(&s, TOPIC_ALERT, 9, T0 + 9 * SEC,
	    "{\"sev\":\"crit\",\"code\":\"x\",\"text\":\"after the snapshot\"}",
	    1000);

	snap = cJSON_Parse("{\"ok\":true,\"id\":\"x-1\",\"seq\":8,"
	    "\"t\":\"34208000000000\",\"tick\":0.01,\"state\":\"PAUSED\","
	    "\"book\":{\"sym\":\"QDI\",\"bids\":[[9990,100,1]],"
	    "\"asks\":[[9995,200,2]],\"last\":9992,\"ours\":[]},"
	    "\"blocks\":[{\"id\":\"B2\",\"side\":\"sell\",\"qty\":5000,"
	    "\"filled\":100,\"state\":\"PAUSED\",\"algo\":\"twap\"}],"
	    "\"decisions\":[{\"t\":\"34207000000000\",\"action\":\"cancel\","
	    "\"qty\":300,\"reason\":\"from the snapshot\"}],"
	    "\"alerts\":[{\"t\":\"34207500000000\",\"sev\":\"info\","
	    "\"code\":\"s\",\"text\":\"in the snapshot\"}],\"children\":[]}");
	assert_non_null(snap);
	assert_int_equal(store_apply_snapshot(&s, snap, 2000), 0);
	cJSON_Delete(snap);

	assert_false(store_resync_wanted(&s));
	assert_int_equal(s.resync, RESYNC_NONE);
	assert_int_equal(s.snapshots, 1);
	assert_int_equal(s.gaps, 1);
	assert_int_equal(s.nbacklog, 0);
	assert_int_equal(s.last_seq, 9);
	assert_string_equal(s.state, "PAUSED");
	assert_int_equal(s.books[0].nbids, 1);
	assert_int_equal(s.books[0].bids[0].px, 9990);
	assert_int_equal(s.nblocks, 1);
	assert_null(store_block_find(&s, "B1"));
	b = store_block_find(&s, "B2");
	assert_non_null(b);
	assert_string_equal(b->state, "PAUSED");
	assert_int_equal(store_ndecisions(&s), 1);
	assert_string_equal(store_decision(&s, 0)->reason, "from the snapshot");
	/* The snapshot's alert, then held seq 9; held seq 8 was dropped. */
	assert_int_equal(store_nalerts(&s), 2);
	assert_string_equal(store_alert(&s, 0)->text, "after the snapshot");
	assert_string_equal(store_alert(&s, 1)->text, "in the snapshot");

	/* In step again: 10 applies with no new gap; a stale 9 is dropped. */
	push_at(&s, TOPIC_ALERT, 10, T0 + 10 * SEC,
	    "{\"sev\":\"info\",\"code\":\"x\",\"text\":\"ten\"}", 2000);
	push_at(&s, TOPIC_ALERT, 9, T0 + 9 * SEC,
	    "{\"sev\":\"info\",\"code\":\"x\",\"text\":\"stale\"}", 2000);
	assert_int_equal(s.gaps, 1);
	assert_int_equal(s.stale, 2); /* held 8, and this 9 */
	assert_string_equal(store_alert(&s, 0)->text, "ten");

	/* Not a snapshot: refused, nothing changes. */
	snap = cJSON_Parse("{\"ok\":true}");
	assert_int_equal(store_apply_snapshot(&s, snap, 2000), -1);
	cJSON_Delete(snap);
	assert_int_equal(s.nblocks, 1);
	store_free(&s);
}

static void
store_failed_resync_applies_what_was_held(void **state)
{
	struct store s;

	(void)state;
	store_init(&s);
	store_fill(&s);
	s.resync = RESYNC_WANTED;
	store_resync_begin(&s);
	push_at(&s, TOPIC_ALERT, 6, T0 + 6 * SEC,
	    "{\"sev\":\"info\",\"code\":\"x\",\"text\":\"held\"}", 1000);
	store_resync_failed(&s, 1000);
	assert_int_equal(store_nalerts(&s), 2);
	assert_true(store_resync_wanted(&s));
	assert_int_equal(s.last_seq, 6);
	store_free(&s);
}

static void
store_heartbeats_drive_the_connection(void **state)
{
	struct store s;

	(void)state;
	store_init(&s);
	store_tick(&s, 0);
	assert_int_equal(s.conn, CONN_CONNECTING);
	store_fill(&s); /* heartbeat at 1000 ms */
	store_tick(&s, 1500);
	assert_int_equal(s.conn, CONN_CONNECTED);
	assert_int_equal(store_hb_age_ms(&s, 1500), 500);
	(void)store_take_dirty(&s);
	store_tick(&s, 1000 + STORE_STALE_MS + 1);
	assert_int_equal(s.conn, CONN_DISCONNECTED);
	assert_true(store_take_dirty(&s) & DIRTY_STATUS);
	assert_false(store_resync_wanted(&s));
	/* Heartbeats resume: connected, and a snapshot is wanted. */
	push_at(&s, TOPIC_HEARTBEAT, 6, T0 + 60 * SEC,
	    "{\"speed\":60,\"state\":\"LIVE\"}", 9000);
	assert_int_equal(s.conn, CONN_CONNECTED);
	assert_true(store_resync_wanted(&s));
	store_free(&s);
}

static void
assert_clean_text(const char *s)
{
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		assert_true(*p >= 0x20);
		assert_true(*p != 0x7f);
		/* No C1 control, raw or UTF-8 encoded. */
		if (*p == 0xc2)
			assert_false(p[1] >= 0x80 && p[1] <= 0x9f);
		assert_false(*p >= 0x80 && *p <= 0x9f && (p == (const unsigned
		    char *)s || p[-1] < 0xc2));
	}
}

static void
store_strips_hostile_text(void **state)
{
	struct store s;
	const struct store_alert *a;
	const struct store_decision *d;
	char out[64];

	(void)state;
	store_init(&s);
	push_at(&s, TOPIC_ALERT, 1, T0,
	    "{\"sev\":\"crit\",\"code\":\"\\u001b]0;owned\\u0007\","
	    "\"text\":\"\\u001b[2J\\u001b[31mred\\r\\nline\\u0008\\u007f"
	    "\\u009b1mC1 ok\\u00e9\",\"block\":\"B\\u001b1\"}", 0);
	a = store_alert(&s, 0);
	assert_non_null(a);
	assert_clean_text(a->text);
	assert_clean_text(a->code);
	assert_clean_text(a->block);
	assert_null(strchr(a->text, 0x1b));
	assert_non_null(strstr(a->text, "red"));
	assert_non_null(strstr(a->text, "line"));
	assert_non_null(strstr(a->text, "C1 ok\xc3\xa9")); /* é survives */

	push_at(&s, TOPIC_DECISION, 2, T0,
	    "{\"action\":\"post\\u001bP\",\"reason\":\"a\\tb\\u0000c\"}", 0);
	d = store_decision(&s, 0);
	assert_clean_text(d->action);
	assert_clean_text(d->reason);

	/* Invalid UTF-8 and raw C1 bytes become '?'; cuts keep characters
	 * whole. */
	store_text(out, sizeof out, "ok\x9b[31m\xff\xc3");
	assert_string_equal(out, "ok?[31m??");
	store_text(out, 5, "ab\xc3\xa9\xc3\xa9");
	assert_string_equal(out, "ab\xc3\xa9");
	store_text(out, 4, "ab\xc3\xa9");
	assert_string_equal(out, "ab");

	/* Bidi and other format characters never reach the screen: U+202E
	 * (right-to-left override) would show "buy" as "yub" and everything
	 * after it backwards.  LRM, RLM, the embeddings and overrides, the
	 * isolates, ALM, the BOM / ZWNBSP, ZWSP, ZWJ and a tag character. */
	store_text(out, sizeof out, "a\xe2\x80\xae" "buy" "\xe2\x80\xac" "b");
	assert_string_equal(out, "abuyb");
	store_text(out, sizeof out, "\xe2\x80\x8e" "1\xe2\x80\x8f" "2"
	    "\xe2\x80\xaa" "3\xe2\x80\xab" "4\xe2\x80\xad" "5"
	    "\xe2\x81\xa6" "6\xe2\x81\xa7" "7\xe2\x81\xa8" "8"
	    "\xe2\x81\xa9" "9\xd8\x9c" "0\xef\xbb\xbf" "a\xe2\x80\x8b" "b"
	    "\xe2\x80\x8d" "c\xf3\xa0\x80\x81" "d\xe2\x80\xa8" "e");
	assert_string_equal(out, "1234567890abcde");
	/* Their neighbours in the table are printable and stay. */
	store_text(out, sizeof out, "\xe2\x80\x90\xe2\x80\xaf\xc3\xa9");
	assert_string_equal(out, "\xe2\x80\x90\xe2\x80\xaf\xc3\xa9");
	/* An event's text goes through the same door. */
	push_at(&s, TOPIC_ALERT, 3, T0, "{\"sev\":\"warn\",\"code\":\"x\","
	    "\"text\":\"sell \\u202e99 ,000\\u202c done\"}", 0);
	a = store_alert(&s, 0);
	assert_null(strstr(a->text, "\xe2\x80\xae"));
	assert_non_null(strstr(a->text, "sell 99 ,000 done"));
	store_free(&s);
}

static void
store_snapshot_sets_the_tick(void **state)
{
	struct store s;
	cJSON *hello;

	(void)state;
	store_init(&s);
	hello = cJSON_Parse("{\"ok\":true,\"engine\":\"e\\u001b1\",\"v\":1,"
	    "\"tick\":0.0025,\"sym\":\"ABC\",\"role\":\"trader\"}");
	store_apply_hello(&s, hello);
	cJSON_Delete(hello);
	assert_true(s.tick == 0.0025);
	assert_int_equal(s.px_decimals, 4);
	assert_string_equal(s.engine, "e1");
	assert_string_equal(s.sym, "ABC");
	store_free(&s);
}

/* ------------------------------------------------------------------- text */

static void
text_formats_numbers_and_times(void **state)
{
	char b[64];

	(void)state;
	assert_string_equal(text_qty(b, sizeof b, 0), "0");
	assert_string_equal(text_qty(b, sizeof b, 999), "999");
	assert_string_equal(text_qty(b, sizeof b, 1000), "1,000");
	assert_string_equal(text_qty(b, sizeof b, 1250000), "1,250,000");
	assert_string_equal(text_qty(b, sizeof b, -42300), "-42,300");
	assert_string_equal(text_px(b, sizeof b, 10002, 0.01, 2), "100.02");
	assert_string_equal(text_clock(b, sizeof b, T0 + 61 * SEC), "09:31:01");
	assert_string_equal(text_clock(b, sizeof b, 0), "--:--:--");
	assert_string_equal(text_duration(b, sizeof b, 3723 * SEC), "1h02m03s");
	assert_string_equal(text_duration(b, sizeof b, 83 * SEC), "1m23s");
	assert_string_equal(text_duration(b, sizeof b, 9 * SEC), "9s");
	assert_string_equal(text_speed(b, sizeof b, 0.25), "0.25x");
	assert_string_equal(text_speed(b, sizeof b, 0.5), "0.5x");
	assert_string_equal(text_speed(b, sizeof b, 64), "64x");
	/* 0 is "as fast as it goes" (it printed "0x" in tranche ctl status). */
	assert_string_equal(text_speed(b, sizeof b, 0), "max");
	assert_int_equal(text_decimals(0.01), 2);
	assert_int_equal(text_decimals(1), 2);
	assert_int_equal(text_decimals(0.0001), 4);
	assert_string_equal(text_fit(b, sizeof b, "abcdef", 4, 0), "abc~");
	assert_string_equal(text_fit(b, sizeof b, "abcd", 4, 0), "abcd");
	assert_string_equal(text_fit(b, sizeof b, "a\xc3\xa9z", 3, 0), "a?z");
}

/* text_fit(), the last guard before the screen, drops format characters in
 * a UTF-8 locale: no width, and the bidi ones reorder what follows. */
/* A block that is not all filled never reads 100%: 499,200 of 500,000
 * showed "EXPIRED 100%" beside "99.8%" filled. */
static void
text_done_pct_never_rounds_up_to_complete(void **state)
{
	(void)state;
	assert_true(text_done_pct(499200, 500000) == 99);
	assert_true(text_done_pct(499999, 500000) == 99);
	assert_true(text_done_pct(500000, 500000) == 100);
	assert_true(text_done_pct(305000, 500000) == 61);
	assert_true(text_done_pct(0, 500000) == 0);
	assert_true(text_done_pct(10, 0) == 0);
}

/* A wrapped request is cut at the column (every byte in its place); a
 * message may break after a space.  Whole characters either way. */
static void
text_prefix_hard_cuts_at_the_column(void **state)
{
	(void)state;
	assert_int_equal(text_prefix("stop now please", 6, 1), 5);
	assert_int_equal(text_prefix_hard("stop now please", 6, 1), 6);
	assert_int_equal(text_prefix_hard("stop", 6, 1), 4);
	if (setlocale(LC_CTYPE, "C.UTF-8") == NULL &&
	    setlocale(LC_CTYPE, "en_US.UTF-8") == NULL)
		skip();
	/* Two-column characters: one that would straddle stays out. */
	assert_int_equal(text_prefix_hard("ab\xe6\x97\xa5\xe6\x9c\xac", 3, 1),
	    2);
	assert_int_equal(text_prefix_hard("ab\xe6\x97\xa5\xe6\x9c\xac", 4, 1),
	    5);
	setlocale(LC_CTYPE, "C");
}

static void
text_fit_drops_format_characters(void **state)
{
	char b[64];

	(void)state;
	if (setlocale(LC_CTYPE, "C.UTF-8") == NULL &&
	    setlocale(LC_CTYPE, "en_US.UTF-8") == NULL)
		skip();
	assert_string_equal(text_fit(b, sizeof b, "buy \xe2\x80\xae" "001",
	    10, 1), "buy 001");
	assert_int_equal(text_width("buy \xe2\x80\xae" "001\xe2\x81\xa6", 1), 7);
	assert_string_equal(text_fit(b, sizeof b, "\xef\xbb\xbf" "a\xe2\x80\x8b"
	    "b\xd8\x9c" "c", 10, 1), "abc");
	/* Cut by columns, the dropped characters count for nothing. */
	assert_string_equal(text_fit(b, sizeof b, "ab\xe2\x80\x8f" "cdef", 4, 1),
	    "abc~");
	assert_string_equal(text_fit(b, sizeof b, "caf\xc3\xa9", 4, 1),
	    "caf\xc3\xa9");
	assert_true(text_is_format(0x202e) && text_is_format(0x200e) &&
	    text_is_format(0x2066) && text_is_format(0x2069) &&
	    text_is_format(0x061c) && text_is_format(0xfeff) &&
	    text_is_format(0xe0001) && text_is_format(0x00ad));
	assert_false(text_is_format('a') || text_is_format(0x00e9) ||
	    text_is_format(0x2010) || text_is_format(0x202f) ||
	    text_is_format(0x2070) || text_is_format(0xfffd));
	setlocale(LC_CTYPE, "C");
}

/* ----------------------------------------------------------------- layout */

static void
layout_fits_80x24_and_refuses_too_small(void **state)
{
	struct tui_rect r[PANEL_COUNT + 1];
	int i;

	(void)state;
	assert_int_equal(layout_compute(24, 80, r), 0);
	for (i = 0; i <= PANEL_COUNT; i++) {
		/* The built-in layout has no tape, chart, blotter, audit,
		 * child orders, venues or RFQ. */
		if (i == PANEL_TAPE || i == PANEL_CHART || i == PANEL_BLOTTER ||
		    i == PANEL_AUDIT || i == PANEL_CHILDREN ||
		    i == PANEL_VENUES || i == PANEL_RFQ) {
			assert_int_equal(r[i].h, 0);
			continue;
		}
		assert_true(r[i].h >= 1 && r[i].w >= 1);
		assert_true(r[i].y + r[i].h <= 24);
		assert_true(r[i].x + r[i].w <= 80);
	}
	/* The right column is stacked without overlap and fills the body. */
	assert_int_equal(r[PANEL_DECISIONS].y, r[PANEL_BLOCK].y + r[PANEL_BLOCK].h);
	assert_int_equal(r[PANEL_ALERTS].y + r[PANEL_ALERTS].h,
	    r[PANEL_BOOK].y + r[PANEL_BOOK].h);
	assert_int_equal(r[PANEL_BOOK].w + r[PANEL_BLOCK].w, 80);
	assert_int_equal(layout_compute(TUI_MIN_ROWS, TUI_MIN_COLS, r), 0);
	assert_int_equal(layout_compute(TUI_MIN_ROWS, TUI_MIN_COLS - 1, r), -1);
	assert_int_equal(layout_compute(TUI_MIN_ROWS - 1, 200, r), -1);
}

/* ----------------------------------------------------------------- prompt */

static unsigned
keys(struct prompt *p, const char *s, char *msg, size_t n)
{
	unsigned bits = 0;

	for (; *s != '\0'; s++)
		bits = prompt_key(p, (unsigned char)*s, msg, n);
	return bits;
}

static void
prompt_asks_value_reason_then_y(void **state)
{
	struct prompt p;
	char msg[160], *json;
	cJSON *req;

	(void)state;
	memset(&p, 0, sizeof p);
	prompt_begin(&p, CMD_THROTTLE, "", 1);
	assert_int_equal(p.stage, PROMPT_VALUE);
	keys(&p, "150\r", msg, sizeof msg);
	assert_int_equal(p.stage, PROMPT_VALUE); /* out of range */
	assert_non_null(strstr(p.note, "150"));
	/* A value given twice is refused, naming it (the last one won). */
	keys(&p, "\x7f\x7f\x7f" "5 10\r", msg, sizeof msg);
	assert_int_equal(p.stage, PROMPT_VALUE);
	assert_non_null(strstr(p.note, "'10' after 5%: give one percentage"));
	keys(&p, "\x7f\x7f\x7f\x7f" "passive aggressive\r", msg, sizeof msg);
	assert_int_equal(p.stage, PROMPT_VALUE);
	assert_non_null(strstr(p.note, "give one aggression"));
	for (int k = 0; k < 18; k++)
		keys(&p, "\x7f", msg, sizeof msg);
	keys(&p, "15\r", msg, sizeof msg);
	assert_int_equal(p.stage, PROMPT_REASON);
	keys(&p, "\r", msg, sizeof msg);
	assert_int_equal(p.stage, PROMPT_REASON); /* a reason is required */
	keys(&p, "vol \x1b", msg, sizeof msg);
	assert_int_equal(p.stage, PROMPT_IDLE); /* Escape cancels */
	assert_non_null(strstr(msg, "cancelled"));

	/* A format character (zero-width space, right-to-left override)
	 * is not taken: nothing on the screen would show it, and y would
	 * send it. */
	prompt_begin(&p, CMD_THROTTLE, "", 1);
	keys(&p, "15\rvol", msg, sizeof msg);
	prompt_key(&p, 0x200b, msg, sizeof msg);
	prompt_key(&p, 0x202e, msg, sizeof msg);
	keys(&p, " spike", msg, sizeof msg);
	assert_string_equal(p.buf, "vol spike");
	prompt_key(&p, 0xe9, msg, sizeof msg); /* an e-acute is text */
	assert_string_equal(p.buf, "vol spike\xc3\xa9");
	prompt_cancel(&p);

	prompt_begin(&p, CMD_THROTTLE, "", 1);
	keys(&p, "15\rvol spike\r", msg, sizeof msg);
	assert_int_equal(p.stage, PROMPT_CONFIRM);
	assert_string_equal(p.preview,
	    "{\"cmd\":\"throttle\",\"pct\":15,\"reason\":\"vol spike\"}");
	/* A y before any frame has shown the request sends nothing (typed
	 * ahead with the Enter) and says so; nor does Y, the RFQ key. */
	assert_false(prompt_key(&p, 'y', msg, sizeof msg) & TUI_SEND);
	assert_int_equal(p.stage, PROMPT_CONFIRM);
	assert_non_null(strstr(p.note, "not on the screen yet"));
	p.confirm_drawn = 1; /* what a frame does (screen.c) */
	assert_true(prompt_key(&p, 'y', msg, sizeof msg) & TUI_SEND);
	req = prompt_take(&p);
	assert_non_null(req);
	json = cJSON_PrintUnformatted(req);
	assert_int_equal(p.stage, PROMPT_IDLE);
	assert_string_equal(json,
	    "{\"cmd\":\"throttle\",\"pct\":15,\"reason\":\"vol spike\"}");
	cJSON_free(json);
	cJSON_Delete(req);

	/* Anything but y abandons, and says so: Y too. */
	prompt_begin(&p, CMD_PAUSE, "B7", 0);
	keys(&p, "news\r", msg, sizeof msg);
	assert_string_equal(p.preview,
	    "{\"cmd\":\"pause\",\"block\":\"B7\",\"reason\":\"news\"}");
	p.confirm_drawn = 1;
	assert_false(prompt_key(&p, 'Y', msg, sizeof msg) & TUI_SEND);
	assert_int_equal(p.stage, PROMPT_IDLE);
	prompt_begin(&p, CMD_PAUSE, "B7", 0);
	keys(&p, "news\r", msg, sizeof msg);
	p.confirm_drawn = 1;
	assert_false(prompt_key(&p, 'n', msg, sizeof msg) & TUI_SEND);
	assert_int_equal(p.stage, PROMPT_IDLE);
	assert_non_null(strstr(msg, "abandoned"));
	assert_null(prompt_take(&p));

	/* Control characters never get into a reason; UTF-8 does. */
	prompt_begin(&p, CMD_RESUME, "", 0);
	prompt_key(&p, 0x1b5b, msg, sizeof msg);
	prompt_key(&p, 0x07, msg, sizeof msg);
	prompt_key(&p, 0x9b, msg, sizeof msg);
	prompt_key(&p, 0xe9, msg, sizeof msg);
	prompt_key(&p, '\r', msg, sizeof msg);
	assert_int_equal(p.stage, PROMPT_CONFIRM);
	assert_string_equal(p.reason, "\xe1\xad\x9b\xc3\xa9");
	prompt_cancel(&p);
}

/* An empty prompt, and the context the prompt tests give it. */
static void
prompt_test_ctx(struct prompt *p, struct prompt_ctx *ctx)
{
	memset(p, 0, sizeof *p);
	memset(ctx, 0, sizeof *ctx);
	snprintf(ctx->algos, sizeof ctx->algos, "twap, vwap, pov");
	ctx->tick = 0.01;
}

/*
 * A word an action does not take is refused, naming it, and nothing goes
 * on to the reason: ":algo vwap extra" opened the switch to vwap, the
 * extra word dropped (found by a probe).  The console closes such a
 * prompt at once (PROMPT_EXTRA): nothing opens.
 */
static void
prompt_refuses_a_word_it_does_not_take(void **state)
{
	static const struct { const char *action, *values, *word; } bad[] = {
		{ "algo", "vwap extra", "'extra': a word too many" },
		{ "limit", "99.5 now", "'now': a word too many" },
		{ "child", "99.5 100 ioc more", "'more': a word too many" },
		{ "style", "passive 60 now", "'now': a word too many" },
		{ "style", "passive 60 90", "'90': a word too many" },
		{ CMD_RFQ, "5000 D1 30 extra", "'extra': a word too many" },
		{ CMD_THROTTLE, "5 extra", "'extra': not a throttle value" },
		{ CMD_SPEED, "10 fast", "'fast': a word too many" },
		{ CMD_KILL, "KILL now", "'now': a word too many" },
		{ CMD_RELEASE, "now", "'now': a word too many (release takes no "
		    "values)" },
	};
	static const struct { const char *action, *values; } good[] = {
		{ "algo", "vwap" }, { "limit", "99.5" }, { "child", "99.5 100 ioc" },
		{ "style", "passive 60" }, { CMD_THROTTLE, "5 child 100 passive" },
		{ CMD_SPEED, "10" }, { CMD_KILL, "KILL" },
		{ CMD_RFQ, "5000 D1,D3 30" }, { CMD_RFQ, "5000 30 all" },
	};
	struct prompt_ctx ctx;
	struct prompt p;
	size_t i;

	(void)state;
	prompt_test_ctx(&p, &ctx);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(prompt_begin_with(&p, bad[i].action, "1", &ctx,
		    bad[i].values), PROMPT_EXTRA);
		if (prompt_wants_value(bad[i].action))
			assert_int_equal(p.stage, PROMPT_VALUE);
		if (strstr(p.note, bad[i].word) == NULL)
			fail_msg("%s %s: note \"%s\", wanted \"%s\"", bad[i].action,
			    bad[i].values, p.note, bad[i].word);
		prompt_cancel(&p);
	}
	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		assert_int_equal(prompt_begin_with(&p, good[i].action, "1", &ctx,
		    good[i].values), 0);
		assert_int_equal(p.stage, PROMPT_REASON);
		prompt_cancel(&p);
	}
	/* Typed at the value stage, the same note, and the stage stays. */
	prompt_begin_with(&p, "algo", "1", &ctx, NULL);
	keys(&p, "vwap extra\r", (char[160]){ 0 }, 160);
	assert_int_equal(p.stage, PROMPT_VALUE);
	assert_non_null(strstr(p.note, "'extra': a word too many"));
	prompt_cancel(&p);
}

/*
 * A refusal names the field and the value as typed: "style passive -5"
 * said "'-5' is not a style" (it is seconds), and values were cut at 12
 * bytes without a sign.  Past PROMPT_QUOTE_MAX bytes a value is cut with
 * "..." inside its quotes.
 */
static void
prompt_notes_name_the_field_and_the_value(void **state)
{
	static const struct { const char *action, *values, *note; } cases[] = {
		{ "style", "passive -5", "seconds '-5': must be a whole number "
		    "> 0" },
		{ "style", "x", "style 'x': must be passive, neutral or "
		    "aggressive" },
		{ "style", "60 90", "seconds '90' after 60: give one time" },
		{ "style", "passive aggressive", "style 'aggressive' after "
		    "'passive': give one style" },
		{ CMD_THROTTLE, "150", "percentage '150': must be a number in "
		    "(0, 100]" },
		{ CMD_THROTTLE, "-5", "percentage '-5': must be" },
		{ CMD_THROTTLE, "5 child -5", "child '-5': must be a whole number "
		    "of shares > 0" },
		{ CMD_THROTTLE, "1234567890123456", "percentage "
		    "'1234567890123456': must be" },
		{ CMD_RFQ, "5000 D1 D3", "dealers 'D3' after 'D1': give one list" },
		{ CMD_RFQ, "5000 -5", "deadline '-5': must be 1 to 600 seconds" },
		{ CMD_RFQ, "5000 30 60", "deadline '60' after 30 s" },
		{ CMD_RFQ, "lots", "quantity 'lots': must be a whole number" },
		{ "child", "abc 100", "price 'abc': must be dollars" },
		{ "child", "99.5 1.5", "quantity '1.5': must be a whole number" },
		{ "child", "99.5 100 gtc", "time in force 'gtc': must be ioc or "
		    "day" },
		{ "limit", "-1", "price '-1': must be dollars from 0" },
		{ CMD_SPEED, "fast", "speed 'fast': must be 1, 10, 60, max" },
		{ "algo", "VWAP", "algo 'VWAP': must be a name in lower case" },
		{ "algo", "foo", "algo 'foo': unknown (known: twap, vwap, pov)" },
		{ CMD_KILL, "kill", "'kill': type KILL in capitals" },
		/* Forty bytes whole, then "..." inside the quotes. */
		{ "limit", "12345678901234567890123456789012345678901234567890",
		    "price '1234567890123456789012345678901234567890...': must" },
	};
	struct prompt_ctx ctx;
	struct prompt p;
	size_t i;

	(void)state;
	prompt_test_ctx(&p, &ctx);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		assert_int_equal(prompt_begin_with(&p, cases[i].action, "1", &ctx,
		    cases[i].values), -1);
		assert_int_equal(p.stage, PROMPT_VALUE);
		if (strstr(p.note, cases[i].note) == NULL)
			fail_msg("%s %s: note \"%s\", wanted \"%s\"",
			    cases[i].action, cases[i].values, p.note,
			    cases[i].note);
		prompt_cancel(&p);
	}
}

/*
 * The throttle prompt shows the block's cap as the store has it at each
 * frame: it showed the engine's status read at attach, stale after any
 * throttle (another console's, or this one's).  A cap that moves while
 * the prompt is open says what it was when the prompt opened.
 */
static void
prompt_throttle_shows_the_cap_now(void **state)
{
	struct store s;
	struct prompt p;
	struct prompt_ctx ctx;
	char cap[96], *json, *at;

	(void)state;
	store_init(&s);
	store_fill(&s); /* B1, max_pov 15, at 09:30:02 */
	memset(&p, 0, sizeof p);
	memset(&ctx, 0, sizeof ctx);
	ctx.max_pov = 15;
	ctx.have_cap = 1;
	prompt_begin_with(&p, CMD_THROTTLE, "B1", &ctx, NULL);
	assert_string_equal(prompt_cap_words(&p, &s, cap, sizeof cap),
	    "now 15% as of 09:30:02");
	/* Another console throttles B1 to 7%: its block event comes. */
	json = strdup(block_json);
	assert_non_null(at = strstr(json, "\"max_pov\":15"));
	memcpy(at, "\"max_pov\":7 ", 12);
	push_at(&s, TOPIC_BLOCK, 6, T0 + 9 * SEC, json, 2000);
	free(json);
	assert_string_equal(prompt_cap_words(&p, &s, cap, sizeof cap),
	    "now 7% as of 09:30:09; 15% when opened");
	/* A block the store does not know: no figure rather than a wrong
	 * one. */
	prompt_begin_with(&p, CMD_THROTTLE, "B9", &ctx, NULL);
	assert_string_equal(prompt_cap_words(&p, &s, cap, sizeof cap), "");
	prompt_cancel(&p);
	store_free(&s);
}

/* ----------------------------------------------------------------- render */


static void
render_ladder_shows_both_sides_in_words(void **state)
{
	struct store s;
	struct tui_view v;
	struct panel p;
	int ask, bid, spread, y;

	(void)state;
	store_init(&s);
	store_fill(&s);
	view_init(&v, &s);
	p = render(&panel_book_ops, &v, 24, 48);

	ask = find_row2(&p, "100.02", "ASK");
	bid = find_row2(&p, "100.01", "BID");
	spread = find_row(&p, "spread 0.01");
	assert_true(ask > 0 && bid > 0 && spread > 0);
	assert_non_null(strstr(row(&p, ask), "ASK"));
	assert_non_null(strstr(row(&p, ask), "300"));
	assert_non_null(strstr(row(&p, bid), "BID"));
	assert_non_null(strstr(row(&p, bid), "500"));
	/* Asks above the spread line, bids below, best prices nearest it. */
	assert_true(ask < spread && spread < bid);
	assert_int_equal(ask, spread - 1);
	assert_int_equal(bid, spread + 1);
	y = find_row2(&p, "100.03", "ASK");
	assert_true(y >= 0 && y < ask);
	/* Our 200 resting on the best bid. */
	assert_non_null(strstr(row(&p, bid), "*200"));
	assert_true(find_row2(&p, "100.00", "1,200") > bid);
	assert_non_null(strstr(row(&p, find_row(&p, "100.00")), "BID"));
	delwin(p.win);
	store_free(&s);
}

static void
render_progress_shows_the_block(void **state)
{
	struct store s;
	struct tui_view v;
	struct panel p;

	(void)state;
	store_init(&s);
	store_fill(&s);
	push_at(&s, TOPIC_BLOCK, 6, T0 + 6 * SEC,
	    "{\"id\":\"B1\",\"state\":\"PAUSED\"}", 1000);
	view_init(&v, &s);
	p = render(&panel_block_ops, &v, 10, 60);

	assert_true(find_row(&p, "PAUSED") > 0);
	assert_true(find_row(&p, "BLOCK B1") == 0);
	assert_true(find_row(&p, "BUY 100,000 QDI") == 0);
	assert_true(find_row(&p, "42,300 / 100,000") > 0);
	assert_true(find_row(&p, "42.3%") > 0);
	assert_true(find_row(&p, "103.2%") > 0);
	assert_true(find_row(&p, "100.0125") > 0); /* average, in dollars */
	assert_true(find_row(&p, "100.0050") > 0); /* arrival */
	assert_true(find_row(&p, "+0.7 bps") > 0);
	assert_true(find_row(&p, "vwap") > 0);
	assert_true(find_row(&p, "15%") > 0);
	/* end 12:30:00 - t 09:30:06 */
	assert_true(find_row(&p, "2h59m54s") > 0);
	delwin(p.win);
	store_free(&s);
}

/*
 * The snapshot's audit history fills the log of a console that attached
 * mid-session, and merges into the log of one that was there: each record
 * once (by seq), in order, read-only commands left out.
 */
/*
 * An ack is the engine's: an accepted ack's audit event (whoever sent it)
 * marks the seqs it names, a refused one marks nothing, and a snapshot's
 * alert with "acked":true is counted acknowledged.
 */
/*
 * A command the console stopped waiting for is answered late through the
 * engine's audit record of it, which carries the request's id: done or
 * refused, whether the record comes after the timeout was counted, before
 * it, or only in a snapshot after a gap.  Another request's record is not
 * an answer to it.  (Before, such an answer was never said.)
 */
static void
store_late_answers_come_by_their_id(void **state)
{
	struct store_late_answer la;
	struct store s;
	cJSON *snap;

	(void)state;
	store_init(&s);
	/* The hello said whom the engine knows this console as. */
	snprintf(s.user, sizeof s.user, "bo");
	store_late_watch(&s, "tranche-1-a-7", "pause block 5");
	assert_int_equal(store_late_take(&s, &la), 0);
	/* Another person's command under this console's id (ids are
	 * public: found by a review): not this console's answer. */
	push_at(&s, TOPIC_AUDIT, 1, T0 + 1 * SEC,
	    "{\"cmd\":\"pause\",\"ok\":false,\"client\":\"tranche\",\"role\":"
	    "\"trader\",\"user\":\"eve\",\"code\":\"not_found\",\"result\":"
	    "\"block 999: no such block\",\"id\":\"tranche-1-a-7\"}", 1000);
	assert_int_equal(store_late_take(&s, &la), 0);
	/* Another console's command, another id: not this answer. */
	push_at(&s, TOPIC_AUDIT, 2, T0 + 1 * SEC,
	    "{\"cmd\":\"pause\",\"ok\":true,\"client\":\"tranche\",\"role\":"
	    "\"trader\",\"user\":\"ana\",\"what\":\"pause block 5 (was "
	    "WORKING)\",\"result\":\"ok\",\"id\":\"tranche-2-b-7\"}", 1000);
	assert_int_equal(store_late_take(&s, &la), 0);
	push_at(&s, TOPIC_AUDIT, 3, T0 + 2 * SEC,
	    "{\"cmd\":\"pause\",\"ok\":true,\"client\":\"tranche\",\"role\":"
	    "\"trader\",\"user\":\"bo\",\"what\":\"pause block 5 (was "
	    "WORKING)\",\"result\":\"ok\",\"id\":\"tranche-1-a-7\"}", 1000);
	assert_int_equal(store_late_take(&s, &la), 1);
	assert_string_equal(la.what, "pause block 5");
	assert_true(la.a.ok);
	assert_string_equal(la.a.done, "pause block 5 (was WORKING)");
	assert_int_equal(store_late_take(&s, &la), 0);

	/* The record came before the timeout was counted: said at once. */
	push_at(&s, TOPIC_AUDIT, 4, T0 + 3 * SEC,
	    "{\"cmd\":\"resume\",\"ok\":false,\"code\":\"state\",\"user\":"
	    "\"bo\",\"result\":\"block 5 is DONE\",\"id\":\"tranche-1-a-8\"}",
	    1000);
	assert_int_equal(store_late_take(&s, &la), 0);
	store_late_watch(&s, "tranche-1-a-8", "resume block 5");
	assert_int_equal(store_late_take(&s, &la), 1);
	assert_false(la.a.ok);
	assert_string_equal(la.a.code, "state");
	assert_string_equal(la.a.result, "block 5 is DONE");

	/* Missed in a gap: the snapshot's audit history brings it. */
	store_late_watch(&s, "tranche-1-a-9", "throttle block 5");
	snap = cJSON_Parse("{\"ok\":true,\"seq\":9,\"t\":\"34209000000000\","
	    "\"audit\":[{\"v\":2,\"seq\":8,\"t\":\"34208000000000\","
	    "\"cmd\":\"throttle\",\"ok\":true,\"user\":\"bo\",\"what\":"
	    "\"throttle block 5 12% (was 100%)\",\"result\":\"ok\",\"id\":"
	    "\"tranche-1-a-9\"}]}");
	assert_non_null(snap);
	assert_int_equal(store_apply_snapshot(&s, snap, 1000), 0);
	cJSON_Delete(snap);
	assert_int_equal(store_late_take(&s, &la), 1);
	assert_string_equal(la.what, "throttle block 5");
	assert_string_equal(la.a.done, "throttle block 5 12% (was 100%)");
	assert_int_equal(store_late_take(&s, &la), 0);

	/* Carried out, its own record the write that failed: two records,
	 * done, then not durable, which is no refusal (found by an
	 * adversarial review: the audit log said REFUSED for a throttle in
	 * force). */
	store_late_watch(&s, "tranche-1-a-10", "throttle block 5");
	push_at(&s, TOPIC_AUDIT, 10, T0 + 4 * SEC,
	    "{\"cmd\":\"throttle\",\"ok\":true,\"user\":\"bo\",\"role\":"
	    "\"trader\",\"what\":\"throttle block 5 33% (was 12%)\",\"result\":"
	    "\"ok\",\"id\":\"tranche-1-a-10\"}", 1000);
	push_at(&s, TOPIC_AUDIT, 11, T0 + 4 * SEC,
	    "{\"cmd\":\"throttle\",\"ok\":false,\"user\":\"bo\",\"role\":"
	    "\"trader\",\"what\":\"throttle block 5 33% (was 12%)\",\"code\":"
	    "\"journal_unavailable\",\"carried_out\":true,\"result\":\"journal "
	    "write failed: ... it was carried out but is not durable\",\"id\":"
	    "\"tranche-1-a-10\"}", 1000);
	assert_int_equal(store_late_take(&s, &la), 1);
	assert_true(la.a.ok);
	assert_int_equal(store_late_take(&s, &la), 1);
	assert_false(la.a.ok);
	assert_true(la.a.carried);
	{
		const struct store_audit *a = store_ring_get(&s.audit, 0);

		assert_non_null(a);
		assert_int_equal(a->seq, 11);
		assert_false(a->ok);
		assert_true(a->carried);
		assert_false(a->stranger);
		a = store_ring_get(&s.audit, 1);
		assert_true(a->ok && !a->carried);
	}
	/* A refusal says nothing of it. */
	push_at(&s, TOPIC_AUDIT, 12, T0 + 5 * SEC,
	    "{\"cmd\":\"throttle\",\"ok\":false,\"user\":\"bo\",\"role\":"
	    "\"trader\",\"code\":\"journal_unavailable\",\"result\":\"journal "
	    "write failed\",\"id\":\"tranche-1-a-11\"}", 1000);
	assert_false(((const struct store_audit *)store_ring_get(&s.audit,
	    0))->carried);
	store_free(&s);
}

static void
store_ack_from_audit_and_snapshot(void **state)
{
	struct store s;
	cJSON *snap;

	(void)state;
	store_init(&s);
	push_at(&s, TOPIC_ALERT, 1, T0 + 1 * SEC,
	    "{\"sev\":\"crit\",\"code\":\"news\",\"text\":\"a\"}",
	    1000);
	push_at(&s, TOPIC_ALERT, 2, T0 + 2 * SEC,
	    "{\"sev\":\"crit\",\"code\":\"spread\",\"text\":\"b\"}",
	    1000);
	assert_int_equal(store_alerts_crit_unacked(&s), 2);
	push_at(&s, TOPIC_AUDIT, 3, T0 + 3 * SEC,
	    "{\"cmd\":\"ack\",\"ok\":false,\"client\":\"c\",\"role\":"
	    "\"viewer\",\"acked\":[\"1\"]}", 1000);
	assert_int_equal(store_alerts_crit_unacked(&s), 2);
	push_at(&s, TOPIC_AUDIT, 4, T0 + 4 * SEC,
	    "{\"cmd\":\"ack\",\"ok\":true,\"client\":\"ctl\",\"role\":"
	    "\"trader\",\"acked\":[\"1\"]}", 1000);
	assert_int_equal(store_alerts_crit_unacked(&s), 1);
	push_at(&s, TOPIC_AUDIT, 5, T0 + 5 * SEC,
	    "{\"cmd\":\"ack\",\"ok\":true,\"client\":\"ctl\",\"role\":"
	    "\"trader\",\"acked\":[\"1\",\"2\"]}", 1000);
	assert_int_equal(store_alerts_crit_unacked(&s), 0);
	store_free(&s);

	/* Attached after the ack: the snapshot says which are acknowledged. */
	store_init(&s);
	snap = cJSON_Parse("{\"ok\":true,\"seq\":9,\"t\":\"34209000000000\","
	    "\"alerts\":[{\"v\":2,\"seq\":1,\"t\":\"34201000000000\","
	    "\"sev\":\"crit\",\"code\":\"news\",\"text\":\"a\",\"acked\":true,"
	    "\"acked_by\":\"ana\",\"acked_at\":\"34202000000000\"},"
	    "{\"v\":2,\"seq\":2,\"t\":\"34203000000000\",\"sev\":\"crit\","
	    "\"code\":\"spread\",\"text\":\"b\"}]}");
	assert_non_null(snap);
	assert_int_equal(store_apply_snapshot(&s, snap, 1000), 0);
	cJSON_Delete(snap);
	assert_int_equal(store_nalerts(&s), 2);
	assert_int_equal(store_alerts_crit_unacked(&s), 1);
	store_free(&s);
}

/* A refused hello, as the engine publishes it (seq, peer, result); over
 * ipc the engine names the account the connection came from. */
static void
push_refused_hello(struct store *s, uint64_t seq, const char *peer,
                   const char *user)
{
	char j[400];

	snprintf(j, sizeof j, "{\"cmd\":\"hello\",\"ok\":false,\"client\":"
	    "\"-\",\"user\":\"%s\",\"role\":\"-\",\"code\":\"auth\","
	    "\"peer\":\"%s\",\"reason\":\"\\u001b[2J call me\",\"result\":"
	    "\"field \\\"token\\\": not a token this engine knows\"}", user,
	    peer);
	push_at(s, TOPIC_AUDIT, seq, T0 + (int64_t)seq * SEC, j, 1000);
}

/* The engine's count of a peer's refusals it did not record one by one. */
static void
push_refusal_count(struct store *s, uint64_t seq, const char *peer, int n)
{
	char j[400];

	snprintf(j, sizeof j, "{\"cmd\":\"refused\",\"ok\":false,\"client\":"
	    "\"-\",\"role\":\"-\",\"code\":\"refusals\",\"peer\":\"%s\","
	    "\"count\":%d,\"result\":\"%d more refusals from %s in 10.0 s "
	    "(auth %d)\"}", peer, n, n, peer, n);
	push_at(s, TOPIC_AUDIT, seq, T0 + (int64_t)seq * SEC, j, 1000);
}

/*
 * Refused logins in the audit log: a console with a wrong token says
 * hello every few seconds for as long as nobody fixes it, and the engine
 * records three a peer in 10 s and counts the rest.  Each repeat and
 * count folds into the peer's row, so interventions are not pushed out
 * of the log, locally (ipc, where the engine names the account) as over
 * tcp; past 32 peers' rows, a new peer's go into one row for them all; a
 * resync does not count them twice; what a stranger typed as a reason is
 * not shown for a hello, and is marked as theirs otherwise.
 */
static void
store_refused_logins_fold_and_keep_interventions(void **state)
{
	struct store s;
	struct tui_view v;
	struct panel p;
	cJSON *snap;
	const struct store_audit *a;
	uint64_t seq = 1;

	(void)state;
	store_init(&s);
	view_init(&v, &s);
	push_at(&s, TOPIC_AUDIT, seq++, T0, "{\"cmd\":\"kill\",\"ok\":true,"
	    "\"client\":\"sup\",\"role\":\"supervisor\",\"user\":\"ana\","
	    "\"what\":\"kill block 1\",\"reason\":\"runaway\"}", 1000);
	/* An hour of a console dialling with a wrong token: 3 recorded and
	 * a count every 10 s, 1,440 records; a local one's too, and a third
	 * peer's once, between. */
	for (int i = 0; i < 360; i++) {
		for (int k = 0; k < 3; k++)
			push_refused_hello(&s, seq++, "tcp 10.0.0.8", "-");
		push_refusal_count(&s, seq++, "tcp 10.0.0.8", 2);
		push_refused_hello(&s, seq++, "ipc uid 1000", "alice");
		if (i == 100)
			push_refused_hello(&s, seq++, "tcp 10.0.0.9", "-");
	}
	assert_int_equal(s.audit.count, 4);
	for (size_t k = 0; k < s.audit.count; k++) {
		a = store_ring_get(&s.audit, k);
		if (strcmp(a->peer, "tcp 10.0.0.8") == 0) {
			assert_int_equal(a->times, 1080);
			assert_int_equal(a->more, 720);
			assert_int_equal(a->seq, seq - 2);
		}
	}
	p = render(&panel_audit_ops, &v, 6, 160);
	assert_int_equal(find_row(&p, "hello REFUSED -/- (1080 times; +720 "
	    "more from this peer) from tcp 10.0.0.8: field \"token\": not a "
	    "token this engine knows"), 3);
	assert_int_equal(find_row(&p, "hello REFUSED -/- (360 times) from ipc "
	    "uid 1000: field \"token\": not a token this engine knows"), 2);
	assert_int_equal(find_row(&p, "from tcp 10.0.0.9"), 1);
	assert_int_equal(find_row(&p, "ana (supervisor) kill block 1"), 4);
	/* A hello's typed reason is the peer's words, not shown. */
	assert_int_equal(find_row(&p, "call me"), -1);
	delwin(p.win);

	/* A count with no row of its peer reads as the engine's words;
	 * a stranger's refused command shows its reason as theirs. */
	push_refusal_count(&s, seq++, "tcp 10.0.0.5", 4);
	push_at(&s, TOPIC_AUDIT, seq++, T0 + 9001 * SEC, "{\"cmd\":\"kill\","
	    "\"ok\":false,\"client\":\"-\",\"user\":\"-\",\"role\":\"-\","
	    "\"code\":\"auth\",\"peer\":\"tcp 10.0.0.6\",\"reason\":\"the "
	    "boss said so\",\"result\":\"say hello first\"}", 1000);
	p = render(&panel_audit_ops, &v, 8, 160);
	assert_int_equal(find_row(&p, "refused REFUSED -/- 4 more refusals "
	    "from tcp 10.0.0.5 in 10.0 s (auth 4)"), 2);
	assert_int_equal(find_row(&p, "(+"), -1);
	assert_int_equal(find_row(&p, "kill REFUSED -/- from tcp 10.0.0.6: say "
	    "hello first (their reason: the boss said so)"), 1);
	delwin(p.win);
	assert_int_equal(s.audit.count, 6);
	/* A person's refusal is not a stranger's: it is folded only into
	 * the same refusal just before it (a script looping on a command
	 * its role may not send), and another attempt between is its own
	 * row. */
	for (int k = 0; k < 40; k++)
		push_at(&s, TOPIC_AUDIT, seq++, T0 + 9002 * SEC, "{\"cmd\":"
		    "\"kill\",\"ok\":false,\"client\":\"v1\",\"user\":\"bob\","
		    "\"role\":\"viewer\",\"what\":\"kill block 1\",\"peer\":"
		    "\"ipc uid 1001\",\"reason\":\"stop it\",\"result\":"
		    "\"role viewer\"}", 1000);
	assert_int_equal(s.audit.count, 7);
	p = render(&panel_audit_ops, &v, 8, 160);
	assert_int_equal(find_row(&p, "REFUSED bob (viewer) (40 times) kill "
	    "block 1"), 1);
	delwin(p.win);
	push_at(&s, TOPIC_AUDIT, seq++, T0 + 9003 * SEC, "{\"cmd\":\"pause\","
	    "\"ok\":false,\"client\":\"v1\",\"user\":\"bob\",\"role\":"
	    "\"viewer\",\"what\":\"pause block 1\",\"peer\":\"ipc uid 1001\","
	    "\"result\":\"role viewer\"}", 1000);
	push_at(&s, TOPIC_AUDIT, seq++, T0 + 9004 * SEC, "{\"cmd\":\"kill\","
	    "\"ok\":false,\"client\":\"v1\",\"user\":\"bob\",\"role\":"
	    "\"viewer\",\"what\":\"kill block 1\",\"peer\":\"ipc uid 1001\","
	    "\"reason\":\"stop it\",\"result\":\"role viewer\"}", 1000);
	assert_int_equal(s.audit.count, 9);

	/* A flood from 100 addresses, each refused 3 times and counted:
	 * 32 peers' rows at most, then one for the rest. */
	for (int i = 0; i < 100; i++) {
		char peer[32];

		snprintf(peer, sizeof peer, "tcp 10.1.0.%d", i);
		for (int k = 0; k < 3; k++)
			push_refused_hello(&s, seq++, peer, "-");
		push_refusal_count(&s, seq++, peer, 5);
	}
	{
		size_t strangers = 0, people = 0;
		const struct store_audit *more = NULL;

		for (size_t k = 0; k < s.audit.count; k++) {
			a = store_ring_get(&s.audit, k);
			strangers += a->stranger;
			people += !a->stranger;
			if (strcmp(a->peer, AUDIT_MORE_PEERS) == 0)
				more = a;
		}
		assert_int_equal(people, 4);
		assert_int_equal(strangers, 33);
		assert_non_null(more);
		/* 73 peers' 3 refusals and count of 5 each (the rest were
		 * the 27 rows that fit, beside the 5 already there). */
		assert_int_equal(more->more, 73 * 8);
	}

	/* A resync's snapshot holds the newest interventions again: nothing
	 * is counted twice, and a record the console missed is put in. */
	store_resync_begin(&s);
	snap = cJSON_Parse("{\"ok\":true,\"seq\":5000,\"t\":\"0\",\"audit\":["
	    "{\"v\":2,\"seq\":1,\"t\":\"34200000000000\",\"cmd\":\"kill\","
	    "\"ok\":true,\"client\":\"sup\",\"role\":\"supervisor\","
	    "\"user\":\"ana\",\"what\":\"kill block 1\",\"reason\":"
	    "\"runaway\"},"
	    "{\"v\":2,\"seq\":1200,\"t\":\"34200000000000\",\"cmd\":"
	    "\"release\",\"ok\":true,\"client\":\"sup\",\"role\":"
	    "\"supervisor\",\"user\":\"ana\",\"what\":\"release block 1\"}]}");
	assert_non_null(snap);
	assert_int_equal(store_apply_snapshot(&s, snap, 1000), 0);
	cJSON_Delete(snap);
	assert_int_equal(s.audit.count, 38);
	for (size_t k = 0; k < s.audit.count; k++) {
		a = store_ring_get(&s.audit, k);
		if (strcmp(a->peer, "tcp 10.0.0.8") == 0)
			assert_int_equal(a->times, 1080);
	}
	store_free(&s);
}

/* A refused hello as the engine keeps it, a whole event for a
 * snapshot's "refusals". */
static void
refusal_json(char *out, size_t n, uint64_t seq, const char *peer)
{
	snprintf(out, n, "{\"v\":2,\"seq\":%llu,\"t\":\"%lld\","
	    "\"cmd\":\"hello\",\"ok\":false,\"client\":\"-\",\"user\":"
	    "\"-\",\"role\":\"-\",\"code\":\"auth\",\"peer\":\"%s\","
	    "\"result\":\"field \\\"token\\\": not a token this engine "
	    "knows\"}", (unsigned long long)seq, (long long)(T0 + (int64_t)seq *
	    SEC), peer);
}

/* A snapshot at seq holding audit (its records, or "") and refused
 * hellos at qs[k] from peers[k], applied to s as a resync's. */
static void
apply_refusals(struct store *s, uint64_t seq, const char *audit,
               const uint64_t *qs, const char *const *peers, size_t nq)
{
	size_t cap = nq * 600 + 4096, n;
	char *big = malloc(cap), one[600];
	cJSON *snap;

	assert_non_null(big);
	n = (size_t)snprintf(big, cap, "{\"ok\":true,\"seq\":%llu,\"t\":"
	    "\"0\",\"audit\":[%s],\"refusals\":[", (unsigned long long)seq,
	    audit);
	for (size_t k = 0; k < nq; k++) {
		refusal_json(one, sizeof one, qs[k], peers[k]);
		n += (size_t)snprintf(big + n, cap - n, "%s%s", k > 0 ? "," : "",
		    one);
	}
	snprintf(big + n, cap - n, "]}");
	assert_non_null(snap = cJSON_Parse(big));
	assert_int_equal(store_apply_snapshot(s, snap, 1000), 0);
	cJSON_Delete(snap);
	free(big);
}

/*
 * A snapshot's refusals, which the engine keeps apart from its audit
 * records: a console attached after a flood of failed logins shows them
 * (it showed none), folded by peer; one that resyncs after a gap puts in
 * those it missed, folded into the rows it holds, with the newest time,
 * and counts none twice, however often it resyncs; the strangers' 32-row
 * cap holds for rows put back.
 */
static void
store_snapshot_refusals_fold_in_once(void **state)
{
	static const char kill[] = "{\"v\":2,\"seq\":2,\"t\":"
	    "\"34200000000000\",\"cmd\":\"kill\",\"ok\":true,\"client\":"
	    "\"sup\",\"role\":\"supervisor\",\"user\":\"ana\",\"what\":"
	    "\"kill block 1\"}";
	static const char p8[] = "tcp 10.0.0.8", p9[] = "tcp 10.0.0.9",
	    p4[] = "tcp 10.0.0.4";
	static char many[60][32];
	const char *peers[200];
	uint64_t qs[200];
	struct store s;
	struct tui_view v;
	struct panel p;
	const struct store_audit *a;
	size_t n;

	(void)state;
	/* Attached after 10.0.0.8 failed 5 times and 10.0.0.9 once. */
	store_init(&s);
	view_init(&v, &s);
	for (n = 0; n < 6; n++) {
		qs[n] = 10 + n;
		peers[n] = n == 3 ? p9 : p8;
	}
	store_resync_begin(&s);
	apply_refusals(&s, 40, kill, qs, peers, n);
	assert_int_equal(s.audit.count, 3);
	p = render(&panel_audit_ops, &v, 6, 160);
	assert_int_equal(find_row(&p, "hello REFUSED -/- (5 times) from tcp "
	    "10.0.0.8"), 2);
	assert_int_equal(find_row(&p, "from tcp 10.0.0.9"), 1);
	assert_int_equal(find_row(&p, "ana (supervisor) kill block 1"), 3);
	delwin(p.win);

	/* Events 41 to 45: 10.0.0.8 twice more; then a gap (46 to 49: its
	 * 47, a new peer's 48) and 50 seen before the snapshot is asked.
	 * The engine's ring then holds everything from 10 on. */
	for (uint64_t q = 41; q <= 45; q++)
		if (q == 42 || q == 44)
			push_refused_hello(&s, q, p8, "-");
		else
			push_at(&s, TOPIC_HEARTBEAT, q, T0 + (int64_t)q * SEC,
			    "{\"speed\":1}", 1000);
	push_refused_hello(&s, 50, p8, "-");
	qs[6] = 42, qs[7] = 44, qs[8] = 47, qs[9] = 48, qs[10] = 50;
	for (n = 6; n < 11; n++)
		peers[n] = qs[n] == 48 ? p4 : p8;
	for (int round = 0; round < 2; round++) {
		store_resync_begin(&s);
		apply_refusals(&s, 50, "", qs, peers, n);
		assert_int_equal(s.audit.count, 4);
		for (size_t k = 0; k < s.audit.count; k++) {
			a = store_ring_get(&s.audit, k);
			if (strcmp(a->peer, p8) == 0) {
				assert_int_equal(a->times, 9);
				assert_int_equal(a->seq, 50);
				/* Its newest time, not the missed 47's. */
				assert_true(a->t == T0 + 50 * SEC);
			} else if (strcmp(a->peer, p4) == 0 ||
			    strcmp(a->peer, p9) == 0)
				assert_int_equal(a->times, 1);
		}
	}
	p = render(&panel_audit_ops, &v, 6, 160);
	assert_int_equal(find_row(&p, "(9 times) from tcp 10.0.0.8"), 3);
	assert_int_equal(find_row(&p, "from tcp 10.0.0.4"), 1);
	delwin(p.win);
	store_free(&s);

	/* A refusal applied live before the first snapshot (1000), the
	 * snapshot's 199 older ones noted after it, then 57 newer: 1000 is
	 * still in the engine's ring of 200 at the next resync, and still
	 * known as held (the seqs kept are the highest, not the last noted). */
	store_init(&s);
	push_refused_hello(&s, 1000, p8, "-");
	for (n = 0; n < 200; n++)
		peers[n] = p8;
	for (int round = 0; round < 2; round++) {
		uint64_t from = round == 0 ? 801 : 858;

		for (n = 0; n < 200; n++)
			qs[n] = from + n;
		store_resync_begin(&s);
		apply_refusals(&s, from + 199, "", qs, peers, n);
		if (round == 0)
			for (uint64_t q = 1001; q <= 1057; q++)
				push_refused_hello(&s, q, p8, "-");
	}
	assert_int_equal(s.audit.count, 1);
	a = store_ring_get(&s.audit, 0);
	assert_int_equal(a->times, 257);
	assert_int_equal(a->seq, 1057);
	store_free(&s);

	/* 20 peers' rows, a gap with 10 new peers in it, 10 more peers
	 * after it: put back in seq order the strangers still take at most
	 * 32 rows and one for the rest, and every refusal is counted. */
	store_init(&s);
	for (uint64_t q = 1; q < 50; q++) {
		snprintf(many[q], sizeof many[q], "tcp 10.2.0.%llu",
		    (unsigned long long)q);
		if (q <= 20 || q >= 40)
			push_refused_hello(&s, q, many[q], "-");
	}
	assert_int_equal(s.audit.count, 30);
	for (n = 0; n < 10; n++) {
		qs[n] = 25 + n;
		peers[n] = many[25 + n];
	}
	store_resync_begin(&s);
	apply_refusals(&s, 50, "", qs, peers, n);
	{
		int64_t total = 0;

		assert_int_equal(s.audit.count, 33);
		for (size_t k = 0; k < s.audit.count; k++) {
			a = store_ring_get(&s.audit, k);
			total += strcmp(a->peer, AUDIT_MORE_PEERS) == 0 ?
			    a->more : a->times;
		}
		assert_int_equal(total, 40);
	}
	store_free(&s);
}

static void
store_snapshot_audit_fills_the_log_once(void **state)
{
	static const char *snap_json =
	    "{\"ok\":true,\"seq\":9,\"t\":\"34209000000000\",\"audit\":["
	    "{\"v\":2,\"seq\":3,\"t\":\"34203000000000\",\"cmd\":\"submit\","
	    "\"ok\":true,\"client\":\"c1\",\"role\":\"trader\","
	    "\"reason\":\"client order 17\"},"
	    "{\"v\":2,\"seq\":5,\"t\":\"34205000000000\",\"cmd\":\"throttle\","
	    "\"ok\":true,\"client\":\"c1\",\"role\":\"trader\","
	    "\"reason\":\"news at 14:00\"},"
	    "{\"v\":2,\"seq\":6,\"t\":\"34206000000000\",\"cmd\":\"status\","
	    "\"ok\":true,\"client\":\"c1\",\"role\":\"trader\"},"
	    "{\"v\":2,\"seq\":7,\"t\":\"34207000000000\",\"cmd\":\"kill\","
	    "\"ok\":true,\"client\":\"sup\",\"role\":\"supervisor\","
	    "\"reason\":\"\\u001b[2Jrunaway\"}]}";
	struct store s;
	struct tui_view v;
	struct panel p;
	cJSON *snap;
	const struct store_audit *a;

	(void)state;
	/* Attached mid-session: an empty log, then the snapshot. */
	store_init(&s);
	view_init(&v, &s);
	snap = cJSON_Parse(snap_json);
	assert_int_equal(store_apply_snapshot(&s, snap, 1000), 0);
	assert_int_equal(s.audit.count, 3);
	p = render(&panel_audit_ops, &v, 6, 70);
	assert_true(find_row(&p, "AUDIT 3") == 0);
	assert_int_equal(find_row(&p, "kill ok sup/supervisor"), 1);
	assert_true(find_row(&p, "[2Jrunaway") == 1);
	assert_int_equal(find_row(&p, "throttle ok c1/trader"), 2);
	assert_int_equal(find_row(&p, "submit ok c1/trader"), 3);
	assert_int_equal(find_row(&p, "status"), -1);
	delwin(p.win);
	/* A console's hello is not an intervention: not in the log, on
	 * either socket.  A refused one is a failed login, which a
	 * supervisor reviews (the engine records the first few from a peer
	 * and counts the rest). */
	push_at(&s, TOPIC_AUDIT, 9, T0 + 9 * SEC, "{\"cmd\":\"hello\","
	    "\"ok\":true,\"client\":\"c2\",\"role\":\"viewer\"}", 1000);
	push_at(&s, TOPIC_AUDIT, 10, T0 + 10 * SEC, "{\"cmd\":\"events hello\","
	    "\"ok\":true,\"client\":\"c2\",\"role\":\"viewer\"}", 1000);
	assert_int_equal(s.audit.count, 3);
	push_at(&s, TOPIC_AUDIT, 11, T0 + 11 * SEC, "{\"cmd\":\"events hello\","
	    "\"ok\":false,\"client\":\"-\",\"role\":\"-\",\"code\":"
	    "\"auth\",\"peer\":\"tcp 10.0.0.7\",\"what\":"
	    "\"hello on the events socket\",\"result\":\"events hello: "
	    "unknown token\"}", 1000);
	push_at(&s, TOPIC_AUDIT, 12, T0 + 12 * SEC, "{\"cmd\":\"hello\","
	    "\"ok\":false,\"client\":\"-\",\"role\":\"-\",\"code\":"
	    "\"auth\",\"peer\":\"tcp 10.0.0.8\"}", 1000);
	assert_int_equal(s.audit.count, 5);
	p = render(&panel_audit_ops, &v, 8, 90);
	assert_int_equal(find_row(&p, "hello REFUSED"), 1);
	assert_int_equal(find_row(&p, "events hello REFUSED"), 2);
	/* Where from and why, since nobody typed a reason. */
	assert_int_equal(find_row(&p, "from tcp 10.0.0.8"), 1);
	assert_int_equal(find_row(&p, "from tcp 10.0.0.7: events hello: "
	    "unknown token"), 2);
	delwin(p.win);
	store_free(&s);

	/* There all along, saw 5 and 7 (and a later 11), missed 3: after the
	 * snapshot each is there once, in seq order. */
	store_init(&s);
	view_init(&v, &s);
	push_at(&s, TOPIC_AUDIT, 5, T0 + 5 * SEC, "{\"cmd\":\"throttle\","
	    "\"ok\":true,\"client\":\"c1\",\"role\":\"trader\","
	    "\"reason\":\"news at 14:00\"}", 1000);
	push_at(&s, TOPIC_AUDIT, 7, T0 + 7 * SEC, "{\"cmd\":\"kill\","
	    "\"ok\":true,\"client\":\"sup\",\"role\":\"supervisor\","
	    "\"reason\":\"runaway\"}", 1000);
	store_resync_begin(&s);
	push_at(&s, TOPIC_AUDIT, 11, T0 + 11 * SEC, "{\"cmd\":\"release\","
	    "\"ok\":true,\"client\":\"sup\",\"role\":\"supervisor\","
	    "\"reason\":\"calm again\"}", 1000);
	assert_int_equal(store_apply_snapshot(&s, snap, 1000), 0);
	cJSON_Delete(snap);
	assert_int_equal(s.audit.count, 4);
	a = store_ring_get(&s.audit, 0);
	assert_int_equal(a->seq, 11);
	assert_string_equal(a->cmd, "release");
	assert_int_equal(((const struct store_audit *)store_ring_get(&s.audit,
	    1))->seq, 7);
	assert_int_equal(((const struct store_audit *)store_ring_get(&s.audit,
	    2))->seq, 5);
	assert_int_equal(((const struct store_audit *)store_ring_get(&s.audit,
	    3))->seq, 3);
	p = render(&panel_audit_ops, &v, 8, 70);
	assert_true(find_row(&p, "AUDIT 4") == 0);
	assert_int_equal(find_row(&p, "kill ok"), 2);
	assert_int_equal(find_row2(&p, "kill ok", "runaway"), 2);
	delwin(p.win);
	store_free(&s);
}

static void
render_lists_and_status_bar(void **state)
{
	struct store s;
	struct tui_view v;
	struct panel p;

	(void)state;
	store_init(&s);
	store_fill(&s);
	push_at(&s, TOPIC_ALERT, 7, T0 + 7 * SEC,
	    "{\"sev\":\"crit\",\"code\":\"risk\",\"text\":\"\\u001b[2Jlimit "
	    "hit\"}", 1000); /* seq 6 lost */
	view_init(&v, &s);

	p = render(&panel_decisions_ops, &v, 6, 70);
	assert_true(find_row(&p, "DECISIONS 1") == 0);
	assert_true(find_row(&p, "09:30:03") > 0);
	assert_true(find_row(&p, "join the bid for the next slice") > 0);
	assert_true(find_row(&p, "100.01") > 0);
	delwin(p.win);

	p = render(&panel_alerts_ops, &v, 6, 70);
	assert_true(find_row(&p, "CRIT") == 1);
	assert_true(find_row(&p, "[2Jlimit hit") == 1);
	assert_true(find_row(&p, "WARN") == 2);
	delwin(p.win);

	store_tick(&s, 1000 + STORE_STALE_MS + 2000);
	v.now_ms = 1000 + STORE_STALE_MS + 2000;
	p = render(&panel_status_ops, &v, 1, 110);
	assert_non_null(strstr(row(&p, 0), "DISCONNECTED"));
	assert_non_null(strstr(row(&p, 0), "LIVE"));
	assert_non_null(strstr(row(&p, 0), "t 09:30:07"));
	assert_non_null(strstr(row(&p, 0), "hb 5s STALE"));
	assert_non_null(strstr(row(&p, 0), "gaps 1"));
	assert_null(strstr(row(&p, 0), "LATE"));
	delwin(p.win);
	/* An engine whose clock gave up time says so, in words. */
	push_at(&s, TOPIC_HEARTBEAT, 8, T0 + 8 * SEC,
	    "{\"speed\":1000,\"state\":\"LIVE\",\"lost_ms\":7010}",
	    1000 + STORE_STALE_MS + 2000);
	p = render(&panel_status_ops, &v, 1, 110);
	assert_non_null(strstr(row(&p, 0), "LATE 7.0s"));
	delwin(p.win);

	v.replay = 1;
	snprintf(v.transport, sizeof v.transport, "|| PAUSED  4x  09:30:07");
	p = render(&panel_title_ops, &v, 1, 100);
	assert_non_null(strstr(row(&p, 0), "REPLAY"));
	assert_non_null(strstr(row(&p, 0), "PAUSED  4x"));
	delwin(p.win);
	store_free(&s);
}

static void
render_fits_narrow_panels(void **state)
{
	struct store s;
	struct tui_view v;
	struct panel p;
	int y;

	(void)state;
	store_init(&s);
	store_fill(&s);
	view_init(&v, &s);
	/* The 80x24 layout's book and right column. */
	p = render(&panel_book_ops, &v, 21, 40);
	/* Nothing wrote over the right border. */
	for (y = 1; y < p.h - 1; y++)
		assert_true(mvwinch(p.win, y, p.w - 1) & A_ALTCHARSET);
	assert_true(find_row(&p, "100.02") > 0);
	delwin(p.win);
	p = render(&panel_decisions_ops, &v, 6, 40);
	assert_true(find_row(&p, "post") > 0);
	for (y = 1; y < p.h - 1; y++)
		assert_true(mvwinch(p.win, y, p.w - 1) & A_ALTCHARSET);
	delwin(p.win);
	store_free(&s);
}

/* Several symbols: a book each, from events and from a snapshot. */
static void
store_keeps_a_book_per_symbol(void **state)
{
	struct store s;
	cJSON *snap;

	(void)state;
	store_init(&s);
	push_at(&s, TOPIC_BOOK, 1, T0, "{\"sym\":\"QDI\",\"bids\":[[9999,500,1]],"
	    "\"asks\":[[10001,400,1]],\"last\":10000,\"ours\":[]}", 1000);
	push_at(&s, TOPIC_BOOK, 2, T0, "{\"sym\":\"XYZ\",\"bids\":[[4999,700,2]],"
	    "\"asks\":[[5001,300,1]],\"last\":5000,\"ours\":[{\"id\":\"c1000000001\","
	    "\"side\":\"sell\",\"px\":5001,\"qty\":100,\"ahead\":200}]}", 1000);
	push_at(&s, TOPIC_BOOK, 3, T0 + SEC, "{\"sym\":\"QDI\",\"bids\":[[9998,500,"
	    "1]],\"asks\":[[10001,400,1]],\"last\":10000,\"ours\":[]}", 1000);
	assert_int_equal(s.nbooks, 2);
	assert_int_equal(store_book_of(&s, "QDI")->bids[0].px, 9998);
	assert_int_equal(store_book_of(&s, "XYZ")->bids[0].px, 4999);
	assert_int_equal(store_book_of(&s, "XYZ")->nours, 1);
	assert_int_equal(store_book_of(&s, "QDI")->nours, 0);
	/* Unknown or no symbol: the first book. */
	assert_string_equal(store_book_of(&s, "ABC")->sym, "QDI");
	assert_string_equal(store_book_of(&s, NULL)->sym, "QDI");
	/* Chart samples carry their symbol. */
	assert_string_equal(((const struct store_point *)store_ring_get(
	    &s.points, 0))->sym, "QDI");
	assert_string_equal(((const struct store_point *)store_ring_get(
	    &s.points, 1))->sym, "XYZ");

	/* A snapshot rebuilds every book, in the engine's order. */
	snap = cJSON_Parse("{\"ok\":true,\"seq\":9,\"t\":\"34300000000000\","
	    "\"tick\":0.01,\"syms\":[\"XYZ\",\"QDI\"],\"book\":{\"sym\":\"XYZ\"},"
	    "\"books\":[{\"sym\":\"XYZ\",\"bids\":[[4990,1,1]],\"asks\":[[5010,1,"
	    "1]]},{\"sym\":\"QDI\",\"bids\":[[9990,1,1]],\"asks\":[[10010,1,1]]}],"
	    "\"blocks\":[],\"decisions\":[],\"alerts\":[]}");
	assert_int_equal(store_apply_snapshot(&s, snap, 2000), 0);
	cJSON_Delete(snap);
	assert_int_equal(s.nbooks, 2);
	assert_string_equal(s.books[0].sym, "XYZ");
	assert_int_equal(store_book_of(&s, "QDI")->bids[0].px, 9990);
	assert_int_equal(store_book_of(&s, "XYZ")->asks[0].px, 5010);
	store_free(&s);
}

/*
 * A acknowledges the alert at the marked row as the person last saw it.
 * Alerts pushed between that frame and the key, a move of the mark before
 * the next frame, and a snapshot reloading the list do not make it act on
 * an alert nobody looked at.
 */
static void
render_alert_marked_is_the_one_drawn(void **state)
{
	struct store s;
	struct tui_view v;
	struct panel p;
	const struct store_alert *a;
	cJSON *snap;

	(void)state;
	store_init(&s);
	view_init(&v, &s);
	v.focus = PANEL_ALERTS;
	p = render(&panel_alerts_ops, &v, 8, 70);
	/* Nothing was shown: nothing is meant, even once alerts arrive. */
	push_at(&s, TOPIC_ALERT, 1, T0 + 1 * SEC,
	    "{\"sev\":\"crit\",\"code\":\"gap\",\"text\":\"first\"}", 1000);
	assert_int_equal(panel_list_meant(&p, &s.alerts), -1);
	p.ops->draw(&p, &v);
	assert_true(find_row(&p, "first") == 1);
	assert_int_equal(row(&p, 1)[1], '>');
	assert_int_equal(panel_list_meant(&p, &s.alerts), 0);

	/* A new alert after the frame: the row the person saw marked is
	 * still "first", now second from the newest. */
	push_at(&s, TOPIC_ALERT, 2, T0 + 2 * SEC,
	    "{\"sev\":\"crit\",\"code\":\"halt\",\"text\":\"second\"}",
	    1000);
	a = store_alert(&s, (size_t)panel_list_meant(&p, &s.alerts));
	assert_string_equal(a->text, "first");
	assert_int_equal(a->seq, 1);
	/* Drawn again, the newest is marked and meant. */
	p.ops->draw(&p, &v);
	assert_true(find_row(&p, "second") == 1);
	assert_int_equal(row(&p, 1)[1], '>');
	assert_int_equal(panel_list_meant(&p, &s.alerts), 0);

	/* Down one, then two more alerts before the frame: the row below
	 * the mark as drawn, "first". */
	assert_true(p.ops->key(&p, &v, 'j') != 0);
	push_at(&s, TOPIC_ALERT, 3, T0 + 3 * SEC,
	    "{\"sev\":\"warn\",\"code\":\"a\",\"text\":\"third\"}", 1000);
	push_at(&s, TOPIC_ALERT, 4, T0 + 4 * SEC,
	    "{\"sev\":\"warn\",\"code\":\"b\",\"text\":\"fourth\"}", 1000);
	a = store_alert(&s, (size_t)panel_list_meant(&p, &s.alerts));
	assert_string_equal(a->text, "first");
	p.ops->draw(&p, &v);
	assert_int_equal(row(&p, find_row(&p, "first"))[1], '>');
	a = store_alert(&s, (size_t)panel_list_meant(&p, &s.alerts));
	assert_string_equal(a->text, "first");

	/* End (G), then an alert before the frame: the oldest as drawn,
	 * "first", not "no alert marked". */
	assert_true(p.ops->key(&p, &v, 'G') != 0);
	push_at(&s, TOPIC_ALERT, 5, T0 + 5 * SEC,
	    "{\"sev\":\"warn\",\"code\":\"c\",\"text\":\"fifth\"}", 1000);
	a = store_alert(&s, (size_t)panel_list_meant(&p, &s.alerts));
	assert_non_null(a);
	assert_string_equal(a->text, "first");
	p.ops->draw(&p, &v);
	a = store_alert(&s, (size_t)panel_list_meant(&p, &s.alerts));
	assert_string_equal(a->text, "first");

	/* A snapshot reloads the list after the frame: what was meant is
	 * not known until it is drawn again. */
	snap = cJSON_Parse("{\"ok\":true,\"seq\":9,\"t\":\"34300000000000\","
	    "\"tick\":0.01,\"book\":{\"sym\":\"QDI\"},\"blocks\":[],"
	    "\"decisions\":[],\"alerts\":[{\"seq\":8,\"sev\":\"crit\","
	    "\"code\":\"x\",\"text\":\"reloaded\"}]}");
	assert_int_equal(store_apply_snapshot(&s, snap, 2000), 0);
	cJSON_Delete(snap);
	assert_int_equal(panel_list_meant(&p, &s.alerts), -1);
	p.ops->draw(&p, &v);
	a = store_alert(&s, (size_t)panel_list_meant(&p, &s.alerts));
	assert_string_equal(a->text, "reloaded");
	delwin(p.win);

	/* A panel not on the screen means nothing. */
	memset(&p, 0, sizeof p);
	assert_int_equal(panel_list_meant(&p, &s.alerts), -1);
	store_free(&s);
}

/* The child-orders selection is a child, not a row: children ahead of it
 * leaving do not move it to another child, and one gone is not replaced
 * until a frame shows what took its row. */
static void
render_child_selection_follows_the_child(void **state)
{
	struct store s;
	struct tui_view v;
	struct panel p;
	int64_t seq = 1;

	(void)state;
	store_init(&s);
	view_init(&v, &s);
	memset(&p, 0, sizeof p);
#define OURS(list) push_at(&s, TOPIC_BOOK, (uint64_t)seq, T0 + seq * SEC, \
	    "{\"sym\":\"QDI\",\"bids\":[[10001,500,2]],\"asks\":[[10002,300," \
	    "1]],\"last\":10001,\"ours\":[" list "]}", 1000), seq++
#define C(id) "{\"id\":\"" id "\",\"block\":\"1\",\"side\":\"sell\"," \
	    "\"px\":10002,\"qty\":100,\"ahead\":0}"
	OURS(C("c1") "," C("c2") "," C("c3"));
	panel_children_follow(&v);
	assert_string_equal(v.sel_child_id, "c1");
	assert_true(panel_children_ops.key(&p, &v, 'j') != 0);
	assert_string_equal(v.sel_child_id, "c2");
	assert_int_equal(v.sel_child, 1);

	/* c1 fills: c2 is now the first row, and still the one selected. */
	OURS(C("c2") "," C("c3"));
	assert_int_equal(panel_children_find(&s, "1", "c2"), 0);
	panel_children_follow(&v);
	assert_string_equal(v.sel_child_id, "c2");
	assert_int_equal(v.sel_child, 0);
	/* Down from c2 wherever its row is: c3. */
	OURS(C("c0") "," C("c2") "," C("c3"));
	assert_true(panel_children_ops.key(&p, &v, 'j') != 0);
	assert_string_equal(v.sel_child_id, "c3");

	/* c3 fills: the selection still names c3, which is not working (x
	 * says so and sends nothing), through every frame, with no row
	 * marked: c4 took its row, and nobody chose c4. */
	OURS(C("c0") "," C("c2") "," C("c4"));
	assert_int_equal(panel_children_find(&s, v.sel_child_block,
	    v.sel_child_id), -1);
	panel_children_follow(&v);
	assert_string_equal(v.sel_child_id, "c3");
	assert_true(v.sel_child_gone);
	p = render(&panel_children_ops, &v, 8, 70);
	assert_true(find_row(&p, "c3 gone") == 0);
	assert_int_equal(find_row(&p, "> "), -1);
	delwin(p.win);
	memset(&p, 0, sizeof p);
	panel_children_follow(&v);
	assert_string_equal(v.sel_child_id, "c3");
	/* Down chooses the row in its place, c4; up from there c2. */
	assert_true(panel_children_ops.key(&p, &v, 'j') != 0);
	assert_string_equal(v.sel_child_id, "c4");
	assert_false(v.sel_child_gone);
	assert_true(panel_children_ops.key(&p, &v, 'k') != 0);
	assert_string_equal(v.sel_child_id, "c2");
	/* The same id in another block is another child. */
	assert_int_equal(panel_children_find(&s, "2", "c4"), -1);
	/* A new session forgets the selection; the first row is taken, and
	 * a selection nobody chose moves on when its child goes. */
	view_selection_reset(&v);
	panel_children_follow(&v);
	assert_string_equal(v.sel_child_id, "c0");
	OURS(C("c2") "," C("c4"));
	panel_children_follow(&v);
	assert_false(v.sel_child_gone);
	assert_string_equal(v.sel_child_id, "c2");
	/* More working than the console keeps (32 a symbol): the title
	 * says how many, not just the ones kept. */
	{
		char list[40 * 128] = "", one[128];

		for (int i = 0; i < 40; i++) {
			snprintf(one, sizeof one, "%s{\"id\":\"k%d\",\"block\":"
			    "\"1\",\"side\":\"sell\",\"px\":10002,\"qty\":1,"
			    "\"ahead\":0}", i ? "," : "", i);
			strcat(list, one);
		}
		snprintf(one, sizeof one, "{\"sym\":\"QDI\",\"bids\":[],"
		    "\"asks\":[],\"ours\":[");
		{
			char *json = malloc(strlen(list) + 256);

			assert_non_null(json);
			sprintf(json, "%s%s]}", one, list);
			push_at(&s, TOPIC_BOOK, (uint64_t)seq, T0 + seq * SEC, json,
			    1000);
			seq++;
			free(json);
		}
		assert_int_equal(s.books[0].nours, STORE_OURS);
		assert_int_equal(s.books[0].ours_total, 40);
		p = render(&panel_children_ops, &v, 8, 70);
		assert_true(find_row(&p, "CHILD ORDERS 32 of 40") == 0);
		delwin(p.win);
	}
#undef C
#undef OURS
	store_free(&s);
}

/* The blotter's selection is a block: a snapshot that lists the blocks in
 * another order keeps it on its block, not on its row. */
static void
render_block_selection_follows_the_block(void **state)
{
	struct store s;
	struct tui_view v;
	struct panel p;
	cJSON *snap;

	(void)state;
	store_init(&s);
	view_init(&v, &s);
	memset(&p, 0, sizeof p);
	push_at(&s, TOPIC_BLOCK, 1, T0 + SEC, "{\"id\":\"A\",\"sym\":\"QDI\","
	    "\"side\":\"sell\",\"qty\":100,\"state\":\"WORKING\"}", 1000);
	push_at(&s, TOPIC_BLOCK, 2, T0 + SEC, "{\"id\":\"B\",\"sym\":\"QDI\","
	    "\"side\":\"sell\",\"qty\":200,\"state\":\"WORKING\"}", 1000);
	view_selection_follow(&v);
	assert_string_equal(v.sel_block_id, "A");
	assert_true(panel_blotter_ops.key(&p, &v, 'j') != 0);
	assert_string_equal(v.sel_block_id, "B");
	assert_int_equal(v.sel_block, 1);
	snap = cJSON_Parse("{\"ok\":true,\"seq\":5,\"t\":\"34200000000000\","
	    "\"blocks\":[{\"id\":\"B\",\"qty\":200,\"state\":\"WORKING\"},"
	    "{\"id\":\"C\",\"qty\":300,\"state\":\"WORKING\"},"
	    "{\"id\":\"A\",\"qty\":100,\"state\":\"WORKING\"}]}");
	assert_int_equal(store_apply_snapshot(&s, snap, 2000), 0);
	cJSON_Delete(snap);
	assert_int_equal(panel_blotter_find(&s, "B"), 0);
	view_selection_follow(&v);
	assert_int_equal(v.sel_block, 0);
	assert_string_equal(view_block(&v)->id, "B");
	/* Down from B, wherever it is: C. */
	assert_true(panel_blotter_ops.key(&p, &v, 'j') != 0);
	assert_string_equal(v.sel_block_id, "C");
	store_free(&s);
}

/* Lists show their ids whole (children of a market whose ids run to 11
 * characters looked alike, cut to 10; twap-passive and twap-patient both
 * read "twap-p"), and g/G and PgUp/PgDn move the selection as the man page
 * says (they did nothing in the blotter, found by a review). */
static void
render_lists_show_whole_ids_and_page(void **state)
{
	struct store s;
	struct tui_view v;
	struct panel p;
	char ev[256];

	(void)state;
	store_init(&s);
	view_init(&v, &s);
	for (int i = 1; i <= 12; i++) {
		snprintf(ev, sizeof ev, "{\"id\":\"%d\",\"sym\":\"QDI\","
		    "\"side\":\"sell\",\"qty\":100,\"state\":\"WORKING\","
		    "\"algo\":\"%s\"}", 1000000 + i,
		    i % 2 ? "twap-passive" : "twap-patient");
		push_at(&s, TOPIC_BLOCK, (uint64_t)i, T0 + SEC, ev, 1000);
	}
	push_at(&s, TOPIC_BOOK, 13, T0 + 2 * SEC, "{\"sym\":\"QDI\","
	    "\"bids\":[],\"asks\":[],\"ours\":[{\"id\":\"c1000000220\","
	    "\"block\":\"1000001\",\"side\":\"sell\",\"px\":10002,"
	    "\"qty\":1,\"ahead\":0},{\"id\":\"c1000000222\",\"block\":"
	    "\"1000002\",\"side\":\"sell\",\"px\":10002,\"qty\":1,"
	    "\"ahead\":0}]}", 1000);
	view_selection_follow(&v);
	p = render(&panel_blotter_ops, &v, 8, 90);
	assert_true(find_row2(&p, "1000001", "twap-passive") > 0);
	assert_true(find_row2(&p, "1000002", "twap-patient") > 0);
	delwin(p.win);
	p = render(&panel_children_ops, &v, 8, 90);
	assert_true(find_row2(&p, "1000001", "c1000000220 ") > 0);
	assert_true(find_row2(&p, "1000002", "c1000000222 ") > 0);
	delwin(p.win);

	/* 12 blocks in a panel of 5 rows (8 - 3): a page is 4. */
	memset(&p, 0, sizeof p);
	p.h = 8;
	assert_true(panel_blotter_ops.key(&p, &v, 'G') != 0);
	assert_string_equal(v.sel_block_id, "1000012");
	assert_true(panel_blotter_ops.key(&p, &v, TK(KEY_PPAGE)) != 0);
	assert_string_equal(v.sel_block_id, "1000008");
	assert_true(panel_blotter_ops.key(&p, &v, 'g') != 0);
	assert_string_equal(v.sel_block_id, "1000001");
	assert_true(panel_blotter_ops.key(&p, &v, TK(KEY_NPAGE)) != 0);
	assert_string_equal(v.sel_block_id, "1000005");
	assert_true(panel_blotter_ops.key(&p, &v, TK(KEY_NPAGE)) != 0);
	assert_true(panel_blotter_ops.key(&p, &v, TK(KEY_NPAGE)) != 0);
	assert_string_equal(v.sel_block_id, "1000012");
	assert_true(panel_blotter_ops.key(&p, &v, TK(KEY_PPAGE)) != 0);
	assert_true(panel_blotter_ops.key(&p, &v, TK(KEY_PPAGE)) != 0);
	assert_true(panel_blotter_ops.key(&p, &v, TK(KEY_PPAGE)) != 0);
	assert_string_equal(v.sel_block_id, "1000001");
	/* The children take the same keys. */
	assert_true(panel_children_ops.key(&p, &v, 'G') != 0);
	assert_string_equal(v.sel_child_id, "c1000000222");
	store_free(&s);
}

/* The bar says "speed max" when the engine runs at max. */
static void
render_status_says_speed_max(void **state)
{
	struct store s;
	struct tui_view v;
	struct panel p;

	(void)state;
	store_init(&s);
	view_init(&v, &s);
	p = render(&panel_status_ops, &v, 1, 160);
	assert_int_equal(find_row(&p, "speed"), -1); /* not known yet */
	delwin(p.win);
	push_at(&s, TOPIC_HEARTBEAT, 1, T0, "{\"speed\":\"max\","
	    "\"state\":\"LIVE\"}", 1000);
	p = render(&panel_status_ops, &v, 1, 160);
	assert_int_equal(find_row(&p, "speed max"), 0);
	delwin(p.win);
	/* A replay engine's heartbeats are the journal's: the speed shown is
	 * the one its status answer gives (it flipped between the two). */
	s.engine_replay = 1;
	s.speed = 20;
	push_at(&s, TOPIC_HEARTBEAT, 2, T0 + SEC, "{\"speed\":\"max\","
	    "\"state\":\"LIVE\"}", 2000);
	assert_true(s.speed == 20);
	store_free(&s);
}

int
main(void)
{
	const struct CMUnitTest store_tests[] = {
		cmocka_unit_test(store_events_build_the_state),
		cmocka_unit_test(store_keeps_an_unacked_crit),
		cmocka_unit_test(text_fit_drops_format_characters),
		cmocka_unit_test(store_keeps_a_book_per_symbol),
		cmocka_unit_test(store_lists_keep_the_newest_first),
		cmocka_unit_test(store_decision_shows_a_disagreeing_shadow),
		cmocka_unit_test(store_gap_is_counted_and_wants_a_resync),
		cmocka_unit_test(store_snapshot_rebuilds_the_store),
		cmocka_unit_test(store_snapshot_prints_count_the_tape),
		cmocka_unit_test(
		    store_drain_conflates_books_and_blocks_and_counts_every_seq),
		cmocka_unit_test(
		    store_drain_held_during_resync_counts_after_the_snapshot),
		cmocka_unit_test(store_drain_fast_trades_agree_with_decoding),
		cmocka_unit_test(store_failed_resync_applies_what_was_held),
		cmocka_unit_test(store_backlog_full_keeps_the_newest_in_order),
		cmocka_unit_test(store_heartbeats_drive_the_connection),
		cmocka_unit_test(store_strips_hostile_text),
		cmocka_unit_test(store_snapshot_sets_the_tick),
		cmocka_unit_test(text_formats_numbers_and_times),
		cmocka_unit_test(layout_fits_80x24_and_refuses_too_small),
		cmocka_unit_test(prompt_asks_value_reason_then_y),
		cmocka_unit_test(prompt_refuses_a_word_it_does_not_take),
		cmocka_unit_test(prompt_notes_name_the_field_and_the_value),
		cmocka_unit_test(prompt_throttle_shows_the_cap_now),
	};
	const struct CMUnitTest render_tests[] = {
		cmocka_unit_test(render_ladder_shows_both_sides_in_words),
		cmocka_unit_test(render_progress_shows_the_block),
		cmocka_unit_test(render_lists_and_status_bar),
		cmocka_unit_test(store_snapshot_audit_fills_the_log_once),
		cmocka_unit_test(store_refused_logins_fold_and_keep_interventions),
		cmocka_unit_test(store_snapshot_refusals_fold_in_once),
		cmocka_unit_test(store_news_is_the_newest_item),
		cmocka_unit_test(store_block_plan_whole_or_none),
		cmocka_unit_test(store_blocks_past_the_slots_are_said),
		cmocka_unit_test(store_decision_plan_change_in_front),
		cmocka_unit_test(store_ack_from_audit_and_snapshot),
		cmocka_unit_test(store_late_answers_come_by_their_id),
		cmocka_unit_test(held_words_say_the_cut_before_the_reason),
		cmocka_unit_test(render_fits_narrow_panels),
		cmocka_unit_test(render_alert_marked_is_the_one_drawn),
		cmocka_unit_test(render_child_selection_follows_the_child),
		cmocka_unit_test(render_block_selection_follows_the_block),
		cmocka_unit_test(render_lists_show_whole_ids_and_page),
		cmocka_unit_test(render_status_says_speed_max),
		cmocka_unit_test(text_done_pct_never_rounds_up_to_complete),
		cmocka_unit_test(text_prefix_hard_cuts_at_the_column),
	};
	int failed;

	failed = cmocka_run_group_tests(store_tests, NULL, NULL);
	failed += cmocka_run_group_tests(render_tests, render_setup,
	    render_teardown);
	return failed;
}
