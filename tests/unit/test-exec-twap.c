/*
 * tests/unit/test-exec-twap.c -- the TWAP schedule and the tactic that
 * works it, run in-process against the simulated market (no server).
 *
 * The emit callback records every child and fill the execution layer
 * reports, so the tests check what a person watching would have seen:
 * child quantities that never exceed what remains, fills that add up to the
 * parent exactly, nothing sent while paused, and a schedule that starts at
 * zero, never goes down, and ends at the quantity.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine/exec/exec.h"
#include "engine/exec/scenario.h"

#define NS 1000000000LL
#define OPEN (34200LL * NS)

struct record {
	int64_t children_sent;   /* child events with status new/partial/filled */
	int64_t child_qty_sum;   /* their quantities */
	int64_t fill_qty_sum;
	int64_t max_child_over_remaining; /* > 0 means a child exceeded it */
	int64_t filled_seen;     /* running total from fills */
	int sent_while_paused;
	int paused;
	int64_t qty;
};

static void
record_emit(void *arg, const char *topic, cJSON *o)
{
	struct record *r = arg;
	const char *status;

	if (strcmp(topic, "child") == 0) {
		status = cJSON_GetObjectItem(o, "status")->valuestring;
		if (strcmp(status, "cancelled") == 0 ||
		    strcmp(status, "rejected") == 0)
			return;
		/* A child is reported again, without a reason, when a resting
		 * one completes; count it once, when it is sent. */
		if (cJSON_GetObjectItem(o, "reason") == NULL)
			return;
		int64_t q = (int64_t)cJSON_GetObjectItem(o, "qty")->valuedouble;
		int64_t f = (int64_t)cJSON_GetObjectItem(o, "filled")->valuedouble;
		r->children_sent++;
		r->child_qty_sum += q;
		/* At sending time, what remains is qty - filled before this
		 * child's own immediate fills. */
		int64_t remaining = r->qty - (r->filled_seen - f);
		if (q - remaining > r->max_child_over_remaining)
			r->max_child_over_remaining = q - remaining;
		if (r->paused)
			r->sent_while_paused++;
	} else if (strcmp(topic, "fill") == 0) {
		int64_t q = (int64_t)cJSON_GetObjectItem(o, "qty")->valuedouble;

		r->fill_qty_sum += q;
		r->filled_seen += q;
	}
}

static void
setup_session(struct market **m, struct exec **x, struct record *r,
              int64_t qty, double max_pov)
{
	struct sim_params sp;
	struct parent_spec ps = { 0 };
	struct exec_emit em = { record_emit, r };
	char err[256];

	sim_params_default(&sp);
	assert_int_equal(market_sim_new(m, &sp, 7, OPEN - 300 * NS), 0);
	market_advance(*m, OPEN - 1);
	assert_int_equal(exec_new(x, *m, &em), 0);
	strcpy(ps.sym, "QDI");
	strcpy(ps.algo, "twap");
	ps.side = BOOK_ASK;
	ps.qty = qty;
	ps.start = OPEN;
	ps.end = OPEN + 3 * 3600 * NS;
	ps.interval = 60 * NS;
	ps.lot = 100;
	ps.max_pov = max_pov;
	ps.cleanup = 1;
	memset(r, 0, sizeof *r);
	r->qty = qty;
	assert_int_equal(exec_submit(*x, &ps, NULL, err, sizeof err), 0);
}

static void
twap_fills_sum_to_parent_exactly(void **state)
{
	struct market *m;
	struct exec *x;
	struct record r;
	struct parent *p;

	/* An odd quantity: the last child must carry the odd lot. */
	setup_session(&m, &x, &r, 500037, 100);
	exec_tick(x, OPEN + 3 * 3600 * NS + NS);
	p = exec_get(x, 0);
	assert_int_equal(p->state, PARENT_DONE);
	assert_int_equal(p->filled, 500037);
	assert_int_equal(r.fill_qty_sum, 500037);
	assert_int_equal(p->working, 0);
	assert_true(r.children_sent > 100);
	assert_true(r.max_child_over_remaining <= 0);
	exec_free(x);
	market_free(m);
}

static void
twap_never_sends_more_than_remains(void **state)
{
	struct market *m;
	struct exec *x;
	struct record r;

	/* A small parent against the same market: slices are tiny and the
	 * clean-up is most of it; nothing may overshoot. */
	setup_session(&m, &x, &r, 1250, 100);
	exec_tick(x, OPEN + 3 * 3600 * NS + NS);
	assert_int_equal(exec_get(x, 0)->filled, 1250);
	assert_int_equal(r.fill_qty_sum, 1250);
	assert_true(r.max_child_over_remaining <= 0);
	exec_free(x);
	market_free(m);
}

static void
twap_pause_sends_nothing_until_resume(void **state)
{
	struct market *m;
	struct exec *x;
	struct record r;
	char err[256];
	int64_t filled_at_pause;

	setup_session(&m, &x, &r, 500000, 100);
	exec_tick(x, OPEN + 1800 * NS);
	assert_int_equal(exec_pause(x, 0, err, sizeof err), 0);
	assert_int_equal(exec_get(x, 0)->working, 0);
	filled_at_pause = exec_get(x, 0)->filled;
	r.paused = 1;
	exec_tick(x, OPEN + 3600 * NS);
	assert_int_equal(r.sent_while_paused, 0);
	assert_int_equal(exec_get(x, 0)->filled, filled_at_pause);
	assert_int_equal(exec_get(x, 0)->state, PARENT_PAUSED);
	/* Pausing twice is refused with a reason. */
	assert_int_equal(exec_pause(x, 1, err, sizeof err), -1);
	assert_non_null(strstr(err, "nothing working"));
	r.paused = 0;
	assert_int_equal(exec_resume(x, 0, err, sizeof err), 0);
	exec_tick(x, OPEN + 3 * 3600 * NS + NS);
	assert_int_equal(exec_get(x, 0)->filled, 500000);
	exec_free(x);
	market_free(m);
}

static void
twap_participation_cap_holds(void **state)
{
	struct market *m;
	struct exec *x;
	struct record r;
	struct parent *p;
	int64_t others;

	/* Cleanup off: the cap must hold to the end. */
	setup_session(&m, &x, &r, 500000, 5);
	exec_get(x, 0)->spec.cleanup = 0;
	exec_tick(x, OPEN + 3 * 3600 * NS + NS);
	p = exec_get(x, 0);
	others = (m->volume - p->vol0) - (m->our_volume - p->ourvol0);
	assert_true(p->filled > 0);
	assert_true(p->filled < 500000);
	/* 5% of all volume: ours <= 5/95 of everyone else's, within a lot. */
	assert_true((double)p->filled <= 5.0 / 95.0 * (double)others + 100);
	exec_free(x);
	market_free(m);
}

static void
twap_target_is_linear_and_bounded(void **state)
{
	struct parent p = { 0 };

	p.spec.qty = 500000;
	p.spec.start = OPEN;
	p.spec.end = OPEN + 3 * 3600 * NS;
	assert_int_equal(algo_twap_ops.target(&p, OPEN - NS), 0);
	assert_int_equal(algo_twap_ops.target(&p, OPEN), 0);
	assert_int_equal(algo_twap_ops.target(&p, OPEN + 5400 * NS), 250000);
	assert_int_equal(algo_twap_ops.target(&p, p.spec.end), 500000);
	assert_int_equal(algo_twap_ops.target(&p, p.spec.end + NS), 500000);
	int64_t prev = 0;
	for (int64_t t = OPEN; t <= p.spec.end; t += 37 * NS) {
		int64_t v = algo_twap_ops.target(&p, t);

		assert_true(v >= prev);
		assert_true(v <= 500000);
		prev = v;
	}
}

static void
round_lot_never_leaves_an_odd_tail(void **state)
{
	assert_int_equal(exec_round_lot(2777, 100, 500000), 2700);
	assert_int_equal(exec_round_lot(0, 100, 500), 0);
	assert_int_equal(exec_round_lot(-5, 100, 500), 0);
	assert_int_equal(exec_round_lot(900, 100, 500), 500);   /* capped */
	assert_int_equal(exec_round_lot(400, 100, 437), 437);   /* no 37 tail */
	assert_int_equal(exec_round_lot(300, 100, 437), 300);
	assert_int_equal(exec_round_lot(50, 100, 37), 37);
}

static void
submit_refuses_impossible_orders(void **state)
{
	struct market *m;
	struct exec *x;
	struct record r;
	struct parent_spec ps = { 0 };
	char err[256];

	setup_session(&m, &x, &r, 100, 100);
	strcpy(ps.sym, "QDI");
	strcpy(ps.algo, "twap");
	ps.side = BOOK_ASK;
	ps.qty = 0;
	ps.start = OPEN;
	ps.end = OPEN + NS * 60;
	ps.interval = NS;
	ps.lot = 100;
	ps.max_pov = 10;
	assert_int_equal(exec_submit(x, &ps, NULL, err, sizeof err), -1);
	assert_non_null(strstr(err, "qty 0"));
	ps.qty = 100;
	ps.end = OPEN;
	assert_int_equal(exec_submit(x, &ps, NULL, err, sizeof err), -1);
	assert_non_null(strstr(err, "end"));
	ps.end = OPEN + 60 * NS;
	ps.max_pov = 0;
	assert_int_equal(exec_submit(x, &ps, NULL, err, sizeof err), -1);
	assert_non_null(strstr(err, "max_pov 0"));
	ps.max_pov = 10;
	strcpy(ps.algo, "magic");
	assert_int_equal(exec_submit(x, &ps, NULL, err, sizeof err), -1);
	assert_non_null(strstr(err, "\"magic\""));
	assert_int_equal(exec_count(x), 1);
	exec_free(x);
	market_free(m);
}

static void
scenario_rejects_unknown_keys_and_bad_values(void **state)
{
	struct scenario sc;
	char err[512];
	const char *bad_key[] = { "market.sigam=2" };
	const char *bad_val[] = { "market.tick=-1" };
	const char *bad_qty[] = { "orders.0.qty=0" };
	const char *good[] = { "market.sigma=2", "orders.0.qty=1000" };

	setenv("TRANCHE_SCENARIO_DIR", TRANCHE_SOURCE_DIR "/engine/scenarios", 1);
	assert_int_equal(scenario_load(&sc, "calm", bad_key, 1, err, sizeof err), -1);
	assert_non_null(strstr(err, "market.sigam: unknown key"));
	assert_int_equal(scenario_load(&sc, "calm", bad_val, 1, err, sizeof err), -1);
	assert_non_null(strstr(err, "market.tick -1"));
	assert_int_equal(scenario_load(&sc, "calm", bad_qty, 1, err, sizeof err), -1);
	assert_non_null(strstr(err, "orders.0.qty 0"));
	assert_int_equal(scenario_load(&sc, "nosuch", NULL, 0, err, sizeof err), -1);
	assert_non_null(strstr(err, "nosuch.json"));
	assert_int_equal(scenario_load(&sc, "calm", good, 2, err, sizeof err), 0);
	assert_true(sc.markets[0].sigma == 2.0);
	assert_int_equal(sc.orders[0].qty, 1000);
	assert_int_equal(sc.norders, 1);
	scenario_free(&sc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(twap_target_is_linear_and_bounded),
		cmocka_unit_test(round_lot_never_leaves_an_odd_tail),
		cmocka_unit_test(twap_fills_sum_to_parent_exactly),
		cmocka_unit_test(twap_never_sends_more_than_remains),
		cmocka_unit_test(twap_pause_sends_nothing_until_resume),
		cmocka_unit_test(twap_participation_cap_holds),
		cmocka_unit_test(submit_refuses_impossible_orders),
		cmocka_unit_test(scenario_rejects_unknown_keys_and_bad_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
