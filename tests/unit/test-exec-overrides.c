/*
 * tests/unit/test-exec-overrides.c -- overrides that do what the person
 * means, run in-process against the simulated market:
 *
 *   - a throttle to X% means X% of the market's volume from now on: a block
 *     that traded at 45% and is throttled to 12% trades on at once, at no
 *     more than 12% of what prints after the throttle (the old cap, counted
 *     from the block's start, held it for tens of simulated minutes);
 *   - the throttle preview says where the block would get to by its end;
 *   - the end-of-window setting: "leave" leaves the rest and the block is
 *     EXPIRED, never DONE; "cross" crosses it as before;
 *   - a block halted by the kill switch past its window end stays HALTED
 *     (the switch is on until released), is told so, and its release ends
 *     it EXPIRED without crossing, as a window's end does to a paused one;
 *   - a manual day order that fills in part keeps its rest resting and
 *     working, the tactic leaves it alone, and it can be cancelled on its
 *     own.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine/exec/exec.h"

#define NS 1000000000LL
#define OPEN (34200LL * NS)

struct seen {
	int crosses_after;    /* crossing children sent after mark_t */
	int64_t mark_t;
	char last_alert[300];
	char halted_alert[300];
	char expired_alert[300];  /* the last alert that says EXPIRED */
	int cancelled_manual; /* cancelled events of the watched child */
	char watch[32];
};

static void
seen_emit(void *arg, const char *topic, cJSON *o)
{
	struct seen *s = arg;

	if (strcmp(topic, "child") == 0) {
		const char *st = cJSON_GetObjectItem(o, "status")->valuestring;
		const char *id = cJSON_GetObjectItem(o, "id")->valuestring;

		if (strcmp(st, "cancelled") != 0 && strcmp(cJSON_GetObjectItem(o,
		    "style")->valuestring, "cross") == 0 && s->mark_t > 0)
			s->crosses_after++;
		if (strcmp(st, "cancelled") == 0 && strcmp(id, s->watch) == 0)
			s->cancelled_manual++;
	} else if (strcmp(topic, "alert") == 0) {
		const char *text = cJSON_GetObjectItem(o, "text")->valuestring;

		snprintf(s->last_alert, sizeof s->last_alert, "%s", text);
		if (strstr(text, "EXPIRED") != NULL)
			snprintf(s->expired_alert, sizeof s->expired_alert, "%s",
			    text);
		if (strstr(text, "halted by the kill switch") != NULL &&
		    s->halted_alert[0] == '\0')
			snprintf(s->halted_alert, sizeof s->halted_alert, "%s",
			    text);
	}
}

/* A sell of qty QDI with twap over secs seconds from the open, decided
 * every minute, participation capped at max_pov, at_end cross. */
static void
session_of(struct market **m, struct exec **x, struct seen *s, int64_t qty,
           int64_t secs, double max_pov)
{
	struct sim_params sp;
	struct parent_spec ps = { 0 };
	struct exec_emit em = { seen_emit, s };
	char err[256];

	memset(s, 0, sizeof *s);
	sim_params_default(&sp);
	assert_int_equal(market_sim_new(m, &sp, 11, OPEN - 300 * NS), 0);
	market_advance(*m, OPEN - 1);
	assert_int_equal(exec_new(x, *m, &em), 0);
	strcpy(ps.sym, "QDI");
	strcpy(ps.algo, "twap");
	ps.side = BOOK_ASK;
	ps.qty = qty;
	ps.start = OPEN;
	ps.end = OPEN + secs * NS;
	ps.interval = 60 * NS;
	ps.lot = 100;
	ps.max_pov = max_pov;
	ps.cleanup = 1;
	assert_int_equal(exec_submit(*x, &ps, NULL, err, sizeof err), 0);
}

/* Our share, percent, of everything printed since the counters v0, o0. */
static double
share_since(const struct market *m, int64_t v0, int64_t o0)
{
	int64_t all = m->volume - v0, ours = m->our_volume - o0;

	return all > 0 ? 100.0 * (double)ours / (double)all : 0;
}

/*
 * The numbers: a block working at 45% of the volume, throttled to
 * 12% after twenty minutes.  From now on means it trades again within a
 * few decisions, at no more than 12% of what prints after the throttle.
 * The old cap (12% of everything since the start) had the block at about
 * four times its room and held it for 40+ simulated minutes.
 */
static void
throttle_counts_from_now_on(void **state)
{
	struct market *m;
	struct exec *x;
	struct seen s;
	char err[256];
	struct parent *p;
	int64_t f0, v0, o0, first_fill_t = 0;
	double pov0;

	session_of(&m, &x, &s, 1000000, 3 * 3600, 45);
	p = exec_get(x, 0);
	exec_tick(x, OPEN + 1200 * NS);
	/* It did work at the cap (the block wants more than 45%). */
	pov0 = share_since(m, p->vol0, p->ourvol0);
	assert_true(pov0 > 35);
	f0 = p->filled;
	v0 = m->volume;
	o0 = m->our_volume;
	assert_int_equal(exec_throttle(x, 1, 12, err, sizeof err), 0);
	for (int64_t t = OPEN + 1200 * NS; t <= OPEN + 3600 * NS; t += 60 * NS) {
		exec_tick(x, t);
		if (first_fill_t == 0 && p->filled > f0)
			first_fill_t = t;
	}
	print_message("pov at the throttle %.1f%%; first fill %lld s after "
	    "it; %.1f%% of the volume since\n", pov0, first_fill_t ?
	    (long long)((first_fill_t - (OPEN + 1200 * NS)) / NS) : -1LL,
	    share_since(m, v0, o0));
	assert_true(first_fill_t > 0);
	/* Trading again within five simulated minutes, not forty. */
	assert_true(first_fill_t - (OPEN + 1200 * NS) <= 300 * NS);
	/* And at most 12% of what printed since, a lot's rounding aside. */
	double since = share_since(m, v0, o0);
	assert_true(since <= 12.5);
	/* Near the cap, not starved: the block wants far more than 12%. */
	assert_true(since >= 8);
	exec_free(x);
	market_free(m);
}

/*
 * A throttle, then a pause of half an hour, then a resume: the market's
 * volume while paused is no room to make up.  In the first five minutes
 * after the resume the block takes at most 12% of what prints (a lot's
 * rounding aside).  The old cap counted from the throttle, paused time
 * included, so the block crossed what it had "banked" and took about half
 * the volume of those minutes.
 */
static void
throttle_is_not_made_up_after_a_pause(void **state)
{
	struct market *m;
	struct exec *x;
	struct seen s;
	char err[256];
	struct parent *p;
	int64_t v0, o0, f0;
	double after;

	session_of(&m, &x, &s, 1000000, 3 * 3600, 45);
	p = exec_get(x, 0);
	exec_tick(x, OPEN + 1200 * NS);
	assert_int_equal(exec_throttle(x, 1, 12, err, sizeof err), 0);
	exec_tick(x, OPEN + 1500 * NS);
	assert_int_equal(exec_pause(x, 1, err, sizeof err), 0);
	for (int64_t t = OPEN + 1560 * NS; t <= OPEN + 3600 * NS; t += 60 * NS)
		exec_tick(x, t);
	assert_int_equal(exec_resume(x, 1, err, sizeof err), 0);
	v0 = m->volume;
	o0 = m->our_volume;
	f0 = p->filled;
	for (int64_t t = OPEN + 3600 * NS; t <= OPEN + 3900 * NS; t += 60 * NS)
		exec_tick(x, t);
	after = share_since(m, v0, o0);
	print_message("%.1f%% of the volume in the 5 minutes after the resume "
	    "(%lld shares filled)\n", after, (long long)(p->filled - f0));
	assert_true(after <= 12.5);
	/* Still trading: the block wants far more than 12%. */
	assert_true(p->filled > f0);
	exec_free(x);
	market_free(m);
}

/*
 * The preview agrees with itself and with what happens: at 100% the block
 * reaches its quantity; at 5% it falls short, and the preview's end is
 * close to where a block throttled to 5% with at_end leave ends up.
 */
static void
throttle_preview_says_where_the_block_gets_to(void **state)
{
	struct market *m;
	struct exec *x;
	struct seen s;
	char err[256];
	struct exec_preview pv;
	struct parent *p;
	int64_t f0;

	session_of(&m, &x, &s, 400000, 3600, 100);
	p = exec_get(x, 0);
	exec_tick(x, OPEN + 600 * NS);
	f0 = p->filled;
	assert_int_equal(exec_throttle_preview(x, 1, 0, &pv, err, sizeof err),
	    -1);
	assert_non_null(strstr(err, "pct 0"));
	assert_int_equal(exec_throttle_preview(x, 7, 5, &pv, err, sizeof err),
	    -1);
	assert_non_null(strstr(err, "block 7"));
	assert_int_equal(exec_throttle_preview(x, 1, 100, &pv, err, sizeof err),
	    0);
	assert_int_equal(pv.expected_fill, 400000);
	assert_int_equal(pv.unfilled, 0);
	assert_int_equal(pv.cross, 1);
	assert_int_equal(exec_throttle_preview(x, 1, 5, &pv, err, sizeof err),
	    0);
	assert_true(pv.expected_volume > 0);
	assert_true(pv.expected_fill > p->filled);
	assert_true(pv.expected_fill < 400000);
	assert_int_equal(pv.unfilled, 400000 - pv.expected_fill);
	assert_true(fabs(pv.filled_pct - 100.0 * pv.expected_fill / 400000) <
	    1e-9);
	/* Reading changes nothing. */
	assert_true(p->spec.max_pov == 100);
	/* Now do it, leaving the rest, and compare. */
	assert_int_equal(exec_set_at_end(x, 1, 0, err, sizeof err), 0);
	assert_int_equal(exec_throttle(x, 1, 5, err, sizeof err), 0);
	exec_tick(x, OPEN + 3600 * NS + NS);
	assert_int_equal(p->state, PARENT_EXPIRED);
	/* Within a quarter of what the preview expected the rest of the
	 * window to add: the volume rate is an estimate, not a promise. */
	print_message("preview %lld (from %lld, volume %lld), got %lld\n",
	    (long long)pv.expected_fill, (long long)f0,
	    (long long)pv.expected_volume, (long long)p->filled);
	assert_true(fabs((double)(p->filled - pv.expected_fill)) <=
	    0.25 * (double)(pv.expected_fill - f0) + 100);
	exec_free(x);
	market_free(m);
}

/* at_end leave: the rest stays unfilled, nothing crosses at the end, the
 * block is EXPIRED with its filled share in the alert; cross: crossed. */
static void
at_end_leave_expires_cross_finishes(void **state)
{
	struct market *m;
	struct exec *x;
	struct seen s;
	char err[256], want[120];
	struct parent *p;
	struct exec_limits l = { 0, 0, AGGR_PASSIVE };

	session_of(&m, &x, &s, 200000, 600, 100);
	p = exec_get(x, 0);
	assert_int_equal(exec_set_at_end(x, 1, 2, err, sizeof err), -1);
	assert_non_null(strstr(err, "at_end 2"));
	assert_int_equal(exec_set_at_end(x, 9, 0, err, sizeof err), -1);
	assert_non_null(strstr(err, "block 9"));
	assert_int_equal(exec_set_at_end(x, 1, 0, err, sizeof err), 0);
	assert_int_equal(p->spec.cleanup, 0);
	exec_tick(x, OPEN + 540 * NS);
	s.mark_t = OPEN + 540 * NS;
	exec_tick(x, OPEN + 600 * NS + NS);
	assert_int_equal(p->state, PARENT_EXPIRED);
	assert_string_equal(exec_state_name(p->state), "EXPIRED");
	assert_true(p->filled < 200000);
	assert_int_equal(s.crosses_after, 0);
	snprintf(want, sizeof want, "%lld of 200000 shares unfilled: the "
	    "end-of-window setting is leave; EXPIRED %.0f%% filled",
	    (long long)(200000 - p->filled), 100.0 * p->filled / 200000);
	assert_non_null(strstr(s.expired_alert, want));
	assert_true(exec_all_done(x));
	/* A finished block's setting no longer matters, and says so. */
	assert_int_equal(exec_set_at_end(x, 1, 1, err, sizeof err), -1);
	assert_non_null(strstr(err, "finished"));
	exec_free(x);
	market_free(m);

	/* A block with cross: the rest is crossed at the end (passive until
	 * the last decision, so the end's clean-up does it) and it is DONE. */
	session_of(&m, &x, &s, 20000, 600, 100);
	p = exec_get(x, 0);
	assert_int_equal(exec_limit(x, 1, &l, err, sizeof err), 0);
	l.aggression = AGGR_NEUTRAL;
	exec_tick(x, OPEN + 540 * NS);
	assert_true(p->filled < 20000);
	assert_int_equal(exec_limit(x, 1, &l, err, sizeof err), 0);
	exec_tick(x, OPEN + 600 * NS + NS);
	assert_int_equal(p->state, PARENT_DONE);
	assert_int_equal(p->filled, 20000);
	exec_free(x);
	market_free(m);

	/* Passive and unfilled: EXPIRED too, never DONE. */
	session_of(&m, &x, &s, 200000, 600, 100);
	p = exec_get(x, 0);
	l.aggression = AGGR_PASSIVE;
	assert_int_equal(exec_limit(x, 1, &l, err, sizeof err), 0);
	exec_tick(x, OPEN + 600 * NS + NS);
	assert_int_equal(p->state, PARENT_EXPIRED);
	exec_free(x);
	market_free(m);
}

/*
 * The kill switch past the window's end: the block stays HALTED while the
 * switch is on (and says its window ended), and the release ends it
 * EXPIRED without crossing anything, whatever its end-of-window setting.
 * Before, the release swept the whole rest into the book.
 */
static void
halted_past_its_end_never_sweeps(void **state)
{
	struct market *m;
	struct exec *x;
	struct seen s;
	char err[256], want[120];
	struct parent *p;
	int64_t filled;

	session_of(&m, &x, &s, 100000, 1800, 100);
	p = exec_get(x, 0);
	exec_tick(x, OPEN + 600 * NS);
	assert_int_equal(exec_kill(x, err, sizeof err), 0);
	filled = p->filled;
	assert_true(filled < 100000);
	exec_tick(x, OPEN + 1800 * NS + 120 * NS);
	assert_int_equal(p->state, PARENT_HALTED);
	snprintf(want, sizeof want, "%lld of 100000 shares unfilled",
	    (long long)(100000 - filled));
	assert_non_null(strstr(s.halted_alert, "window ended while halted"));
	assert_non_null(strstr(s.halted_alert, want));
	s.mark_t = 1;
	assert_int_equal(exec_release(x, err, sizeof err), 0);
	assert_int_equal(p->state, PARENT_EXPIRED);
	assert_int_equal(p->filled, filled);
	assert_int_equal(s.crosses_after, 0);
	assert_non_null(strstr(s.expired_alert, "nothing crossed"));
	assert_non_null(strstr(s.expired_alert, "EXPIRED"));
	exec_tick(x, OPEN + 1800 * NS + 600 * NS);
	assert_int_equal(p->filled, filled);
	assert_int_equal(s.crosses_after, 0);
	exec_free(x);
	market_free(m);
}

/*
 * A manual day order of 5,000 through the far touch fills what the touch
 * holds and keeps the rest resting at its price: working, left alone by
 * the tactic's next decisions, and cancellable on its own.  Before, the
 * rest was sent IOC and vanished with no event.
 */
static void
manual_day_order_keeps_its_rest(void **state)
{
	struct market *m;
	struct exec *x;
	struct seen s;
	char err[256];
	struct parent *p;
	struct book_level lv[4];
	struct child *c;
	int64_t px, before_working, rest;

	session_of(&m, &x, &s, 500000, 3 * 3600, 100);
	p = exec_get(x, 0);
	exec_tick(x, OPEN + 120 * NS);
	/* We sell: the far touch is the best bid. */
	assert_true(book_depth(m->book, BOOK_BID, lv, 4) > 0);
	assert_true(lv[0].qty < 5000);
	px = lv[0].px;
	before_working = p->working;
	assert_int_equal(exec_manual_child(x, 1, px, 5000, 0, err, sizeof err),
	    0);
	c = &p->children[p->nchildren - 1];
	assert_true(c->filled > 0 && c->filled < 5000);
	rest = 5000 - c->filled;
	assert_int_equal(c->live, 1);
	assert_int_equal(c->manual, 1);
	assert_int_equal(p->working, before_working + rest);
	snprintf(s.watch, sizeof s.watch, "c%llu",
	    (unsigned long long)(c->id & ~(1ULL << 63)));
	/* The tactic's next decisions leave it alone. */
	exec_tick(x, OPEN + 300 * NS);
	c = NULL;
	for (size_t i = 0; i < p->nchildren; i++)
		if (p->children[i].manual)
			c = &p->children[i];
	assert_non_null(c);
	if (c->filled < 5000) {
		assert_int_equal(c->live, 1);
		assert_int_equal(s.cancelled_manual, 0);
		/* Cancelled on its own, by the id the desk sees. */
		uint64_t wire = c->id & ~(1ULL << 63);
		int64_t w = p->working, left = c->qty - c->filled;

		assert_int_equal(exec_cancel_child_id(x, 1, wire, err,
		    sizeof err), 0);
		assert_int_equal(c->live, 0);
		assert_int_equal(p->working, w - left);
		assert_int_equal(s.cancelled_manual, 1);
		assert_int_equal(exec_cancel_child_id(x, 1, wire, err,
		    sizeof err), -1);
		assert_non_null(strstr(err, "not working"));
	}
	assert_int_equal(exec_cancel_child_id(x, 1, 999999, err, sizeof err),
	    -1);
	assert_non_null(strstr(err, "c999999: no such child of block 1"));
	/* An IOC's rest is gone, and an event says so. */
	assert_true(book_depth(m->book, BOOK_BID, lv, 4) > 0);
	snprintf(s.watch, sizeof s.watch, "c%llu",
	    (unsigned long long)(m->next_our_id & ~(1ULL << 63)));
	s.cancelled_manual = 0;
	assert_int_equal(exec_manual_child(x, 1, lv[0].px, lv[0].qty + 300, 1,
	    err, sizeof err), 0);
	c = &p->children[p->nchildren - 1];
	assert_int_equal(c->live, 0);
	assert_true(c->filled > 0 && c->filled < c->qty);
	assert_int_equal(s.cancelled_manual, 1);
	exec_free(x);
	market_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(throttle_counts_from_now_on),
		cmocka_unit_test(throttle_is_not_made_up_after_a_pause),
		cmocka_unit_test(throttle_preview_says_where_the_block_gets_to),
		cmocka_unit_test(at_end_leave_expires_cross_finishes),
		cmocka_unit_test(halted_past_its_end_never_sweeps),
		cmocka_unit_test(manual_day_order_keeps_its_rest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
