/*
 * tests/unit/test-exec-adapt.c -- the adaptive algorithms and what they
 * stand on: plans an algorithm owns (exec_replan) and event-driven
 * decisions, in-process against the simulated market.
 *
 * ais-aggr and ais-pass are run beside ac on the same seed of a market
 * whose fundamental jumps 100 ticks ten minutes into a one-hour sale: up
 * (in the seller's favour), ais-aggr's schedule must be ahead of AC's and
 * ais-pass's behind it; down, the other way round.  The event rule must
 * act within seconds of a headline, off the one-minute grid, with a
 * crossing child of a good part of the remainder, and its decisions must
 * keep their spacing.  A plan must start where the schedule stands, put a
 * lump due at once into the decision that made it, reach the quantity at
 * the end, and refuse bad values naming them without changing anything.
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
#include "engine/model/signal.h"

#define NS 1000000000LL
#define OPEN (34200LL * NS)
#define JUMP_AT (OPEN + 600 * NS)

static void
spec_init(struct parent_spec *ps, const char *algo)
{
	memset(ps, 0, sizeof *ps);
	strcpy(ps->sym, "QDI");
	snprintf(ps->algo, sizeof ps->algo, "%s", algo);
	ps->side = BOOK_ASK;
	ps->qty = 100000;
	ps->start = OPEN;
	ps->end = OPEN + 3600 * NS;
	ps->interval = 60 * NS;
	ps->lot = 100;
	ps->max_pov = 100;
	ps->cleanup = 1;
}

static void
sim_with_jump(struct sim_params *sp, double jump)
{
	sim_params_default(sp);
	sp->nevents = 1;
	sim_event_default(&sp->events[0]);
	snprintf(sp->events[0].name, sizeof sp->events[0].name, "headline");
	sp->events[0].at = JUMP_AT;
	sp->events[0].dur_s = 1800;
	sp->events[0].jump = jump;
}

/* The schedule block 1 of algo wants done by `at`, as it stands at `at`
 * after a session on seed 3 with a jump of `jump` ticks. */
static int64_t
target_at(const char *algo, double jump, int64_t at)
{
	struct sim_params sp;
	struct parent_spec ps;
	struct market *m;
	struct exec *x;
	char err[256];
	int64_t v;

	sim_with_jump(&sp, jump);
	spec_init(&ps, algo);
	assert_int_equal(market_sim_new(&m, &sp, 3, OPEN - 300 * NS), 0);
	assert_int_equal(exec_new(&x, m, NULL), 0);
	assert_int_equal(exec_submit(x, &ps, NULL, err, sizeof err), 0);
	exec_tick(x, at);
	v = exec_target(exec_get(x, 0), at + 10 * 60 * NS);
	exec_free(x);
	market_free(m);
	return v;
}

static void
ais_aggr_speeds_up_and_ais_pass_slows_in_the_money(void **state)
{
	int64_t at = JUMP_AT + 15 * 60 * NS;
	int64_t ac = target_at("ac", 100, at);
	int64_t aggr = target_at("ais-aggr", 100, at);
	int64_t pass = target_at("ais-pass", 100, at);

	(void)state;
	print_message("price up 100 ticks for a seller: schedule 35 min in: "
	    "ac %lld, ais-aggr %lld, ais-pass %lld\n", (long long)ac,
	    (long long)aggr, (long long)pass);
	/* At least 5% of the block apart either way. */
	assert_true(aggr > ac + 5000);
	assert_true(pass < ac - 5000);
}

static void
ais_aggr_slows_and_ais_pass_speeds_up_out_of_the_money(void **state)
{
	int64_t at = JUMP_AT + 15 * 60 * NS;
	int64_t ac = target_at("ac", -100, at);
	int64_t aggr = target_at("ais-aggr", -100, at);
	int64_t pass = target_at("ais-pass", -100, at);

	(void)state;
	print_message("price down 100 ticks for a seller: schedule 35 min in: "
	    "ac %lld, ais-aggr %lld, ais-pass %lld\n", (long long)ac,
	    (long long)aggr, (long long)pass);
	assert_true(aggr < ac - 5000);
	assert_true(pass > ac + 5000);
}

struct evrec {
	const struct market *m;
	int64_t first_event_t, first_event_qty;
	int nevent;
	int64_t last_t, min_gap;
	int64_t crossed_after;
};

static void
ev_emit(void *arg, const char *topic, cJSON *o)
{
	struct evrec *r = arg;

	if (strcmp(topic, "decision") == 0) {
		const char *why = cJSON_GetObjectItem(o, "reason")->valuestring;
		int64_t t = r->m->now;

		/* One decision may say two things (cross, then post) at
		 * the same time: the gap is between decisions. */
		if (r->last_t != 0 && t != r->last_t && t - r->last_t < r->min_gap)
			r->min_gap = t - r->last_t;
		r->last_t = t;
		if (strncmp(why, "event:", 6) == 0 && t > JUMP_AT &&
		    r->nevent++ == 0) {
			r->first_event_t = t;
			r->first_event_qty = (int64_t)cJSON_GetObjectItem(o,
			    "qty")->valuedouble;
		}
	} else if (strcmp(topic, "fill") == 0 && r->m->now >= JUMP_AT &&
	    r->m->now < JUMP_AT + 30 * NS &&
	    strcmp(cJSON_GetObjectItem(o, "liq")->valuestring, "aggressive") == 0)
		r->crossed_after += (int64_t)cJSON_GetObjectItem(o,
		    "qty")->valuedouble;
}

static void
event_rule_acts_within_seconds_of_a_headline(void **state)
{
	struct sim_params sp;
	struct parent_spec ps;
	struct market *m;
	struct exec *x;
	struct evrec r = { .min_gap = INT64_MAX };
	struct exec_emit em = { ev_emit, &r };
	char err[256];

	(void)state;
	sim_with_jump(&sp, -150);
	spec_init(&ps, "event");
	/* The mechanism, not the tuned defaults: 3 sigmas in 10 s, a
	 * quarter of the remainder. */
	ps.event_k = 3;
	ps.event_win = 10;
	ps.event_f = 0.25;
	assert_int_equal(market_sim_new(&m, &sp, 3, OPEN - 300 * NS), 0);
	r.m = m;
	assert_int_equal(exec_new(&x, m, &em), 0);
	assert_int_equal(exec_submit(x, &ps, NULL, err, sizeof err), 0);
	exec_tick(x, JUMP_AT + 120 * NS);
	print_message("event fired %d time(s) after the headline, first %.0f s "
	    "after it "
	    "for %lld shares; %lld crossed in the 30 s after it\n", r.nevent,
	    (double)(r.first_event_t - JUMP_AT) / 1e9,
	    (long long)r.first_event_qty, (long long)r.crossed_after);
	assert_true(r.nevent >= 1);
	assert_true(r.first_event_t <= JUMP_AT + 30 * NS);
	/* Off the one-minute grid: the rule was woken by the market. */
	assert_true((r.first_event_t - OPEN) % (60 * NS) != 0);
	/* A quarter of what remained, less what the schedule had done. */
	assert_true(r.first_event_qty >= 15000);
	assert_true(r.crossed_after >= 10000);
	/* Never two decisions closer than the rule's spacing (5 s). */
	assert_true(r.min_gap >= 5 * NS);
	/* What the block reads two minutes after a fall of 150 ticks: the
	 * move since arrival is against it, the clock and the inventory are
	 * where they are, and no news feed is attached. */
	struct exec_signals sg;
	const struct parent *p = exec_get(x, 0);

	assert_int_equal(exec_signals(x, p, &sg), 0);
	assert_true(sg.sigma1 > 0);
	assert_true(sg.move_arrival < -1);
	assert_true(fabs(sg.time_left - (3600.0 - 720.0) / 3600.0) < 1e-9);
	assert_true(fabs(sg.inv_left - (double)(p->spec.qty - p->filled) /
	    (double)p->spec.qty) < 1e-12);
	assert_true(sg.news_age_s == -1 && sg.news_sentiment == 0);
	exec_free(x);
	market_free(m);
}

static void
event_rule_quiet_on_override(void **state)
{
	struct sim_params sp;
	struct parent_spec ps;
	struct market *m;
	struct exec *x;
	struct evrec r = { .min_gap = INT64_MAX };
	struct exec_emit em = { ev_emit, &r };
	char err[256];

	(void)state;
	sim_with_jump(&sp, -150);
	spec_init(&ps, "event");
	assert_int_equal(market_sim_new(&m, &sp, 3, OPEN - 300 * NS), 0);
	r.m = m;
	assert_int_equal(exec_new(&x, m, &em), 0);
	assert_int_equal(exec_submit(x, &ps, NULL, err, sizeof err), 0);
	exec_tick(x, JUMP_AT - 30 * NS);
	/* A trader forces the passive style over the headline: the rule is
	 * not asked, and nothing crosses. */
	assert_int_equal(exec_force_style(x, 1, AGGR_PASSIVE, 300 * NS, err,
	    sizeof err), 0);
	exec_tick(x, JUMP_AT + 120 * NS);
	assert_int_equal(r.nevent, 0);
	assert_int_equal(r.crossed_after, 0);
	exec_free(x);
	market_free(m);
}

/* A block to plan on, without a market: the schedule is TWAP's. */
static void
fake_block(struct parent *p)
{
	memset(p, 0, sizeof *p);
	spec_init(&p->spec, "twap");
	p->algo = &algo_twap_ops;
}

static void
plan_starts_where_schedule_stands(void **state)
{
	struct parent p;
	char err[160];
	int64_t t0 = OPEN + 1200 * NS;

	(void)state;
	fake_block(&p);
	int64_t before = exec_target(&p, t0);

	assert_int_equal(before, 33333);
	/* Urgency 3 over the 40 minutes left. */
	assert_int_equal(exec_replan(&p, t0, 3.0 / (2400.0 * NS), 0, 0, err,
	    sizeof err), 0);
	assert_int_equal(exec_target(&p, t0), before);
	assert_int_equal(exec_target(&p, p.spec.end), p.spec.qty);
	/* Front-loaded: half the time left does more than half the rest. */
	int64_t mid = exec_target(&p, t0 + 1200 * NS);

	assert_true(mid - before > (p.spec.qty - before) * 3 / 4);
	/* Non-decreasing. */
	for (int64_t t = t0, prev = 0; t <= p.spec.end; t += 13 * NS) {
		int64_t v = exec_target(&p, t);

		assert_true(v >= prev);
		prev = v;
	}
	/* The same kappa again gives the same curve. */
	int64_t later = exec_target(&p, t0 + 600 * NS);

	assert_int_equal(exec_replan(&p, t0 + 600 * NS, 3.0 / (2400.0 * NS), 0,
	    0, err, sizeof err), 0);
	assert_true(llabs(exec_target(&p, t0 + 1200 * NS) - mid) <= 2);
	assert_int_equal(exec_target(&p, t0 + 600 * NS), later);
}

static void
plan_lump_is_due_at_once(void **state)
{
	struct parent p;
	char err[160];
	int64_t t0 = OPEN + 1200 * NS;

	(void)state;
	fake_block(&p);
	assert_int_equal(exec_replan(&p, t0, EXEC_PLAN_OWN, 20000, 0, err,
	    sizeof err), 0);
	assert_int_equal(exec_target(&p, t0), 33333 + 20000);
	/* The rest keeps TWAP's straight line: half way through what is
	 * left, half of the rest. */
	int64_t rest = 100000 - 33333 - 20000;

	assert_true(llabs(exec_target(&p, t0 + 1200 * NS) - (53333 + rest / 2))
	    <= 1);
	assert_int_equal(exec_target(&p, p.spec.end), 100000);
	/* A lump larger than what remains is clipped to it. */
	assert_int_equal(exec_replan(&p, t0 + 60 * NS, 0, 1000000, 0, err,
	    sizeof err), 0);
	assert_int_equal(exec_target(&p, t0 + 60 * NS), 100000);
}

static void
plan_refuses_bad_values(void **state)
{
	struct parent p;
	char err[160];
	int64_t t0 = OPEN + 1200 * NS;

	(void)state;
	fake_block(&p);
	assert_int_equal(exec_replan(&p, t0, NAN, 0, 0, err, sizeof err), -1);
	assert_non_null(strstr(err, "kappa nan"));
	/* An urgency of 200 over the 40 minutes left. */
	assert_int_equal(exec_replan(&p, t0, 200.0 / (2400.0 * NS), 0, 0, err,
	    sizeof err), -1);
	assert_non_null(strstr(err, "at most 100"));
	assert_int_equal(exec_replan(&p, t0, 0, -5, 0, err, sizeof err), -1);
	assert_non_null(strstr(err, "lump -5"));
	assert_int_equal(exec_replan(&p, p.spec.end, 0, 0, 0, err, sizeof err),
	    -1);
	assert_non_null(strstr(err, "outside the window"));
	/* Nothing changed. */
	assert_int_equal(p.plan.on, 0);
	assert_int_equal(exec_target(&p, t0), 33333);
}

static void
submit_refuses_bad_adaptive_fields(void **state)
{
	struct sim_params sp;
	struct parent_spec ps;
	struct market *m;
	struct exec *x;
	char err[256];

	(void)state;
	sim_params_default(&sp);
	assert_int_equal(market_sim_new(&m, &sp, 3, OPEN - 300 * NS), 0);
	assert_int_equal(exec_new(&x, m, NULL), 0);
	spec_init(&ps, "event");
	ps.event_f = 1.5;
	assert_int_equal(exec_submit(x, &ps, NULL, err, sizeof err), -1);
	assert_non_null(strstr(err, "event_f 1.5"));
	spec_init(&ps, "event");
	ps.react_s = 0.5;
	assert_int_equal(exec_submit(x, &ps, NULL, err, sizeof err), -1);
	assert_non_null(strstr(err, "react_s 0.5"));
	assert_int_equal(exec_count(x), 0);
	exec_free(x);
	market_free(m);
}

/* Signals are sampled only while someone reads them: after an hour with
 * no reader, a new one's sampling starts at the next second instead of
 * walking through every second nobody sampled. */
static void
signals_resume_at_now_after_a_quiet_spell(void **state)
{
	struct sim_params sp;
	struct parent_spec ps;
	struct market *m;
	struct exec *x;
	char err[256];
	int64_t n0;

	(void)state;
	sim_params_default(&sp);
	assert_int_equal(market_sim_new(&m, &sp, 3, OPEN - 300 * NS), 0);
	assert_int_equal(exec_new(&x, m, NULL), 0);
	spec_init(&ps, "event");
	ps.qty = 1000;
	ps.end = OPEN + 120 * NS;
	assert_int_equal(exec_submit(x, &ps, NULL, err, sizeof err), 0);
	exec_tick(x, OPEN + 3600 * NS);
	assert_true(exec_all_done(x));
	n0 = exec_sig_state(x, m)->n;
	/* Sampled from the first tick to the block's end, and not since. */
	assert_true(n0 >= 400 && n0 <= 430);
	spec_init(&ps, "event");
	ps.qty = 1000;
	ps.start = OPEN + 3600 * NS;
	ps.end = OPEN + 4000 * NS;
	assert_int_equal(exec_submit(x, &ps, NULL, err, sizeof err), 0);
	exec_tick(x, OPEN + 3610 * NS);
	assert_int_equal(exec_sig_state(x, m)->n - n0, 10);
	exec_free(x);
	market_free(m);
}

/* Others' aggressive volume over the 5 s from just before a trader's IOC
 * of qty shares (0: none) crosses into the bid, half a second before
 * OPEN + 600 s. */
static int64_t
others_after_cross(int64_t qty)
{
	struct sim_params sp;
	struct parent_spec ps;
	struct market *m;
	struct exec *x;
	char err[256];
	int64_t vol = -1, bp, q;

	sim_params_default(&sp);
	assert_int_equal(market_sim_new(&m, &sp, 3, OPEN - 300 * NS), 0);
	assert_int_equal(exec_new(&x, m, NULL), 0);
	spec_init(&ps, "event");
	ps.event_k = 100;  /* never fires: the flow is what is looked at */
	assert_int_equal(exec_submit(x, &ps, NULL, err, sizeof err), 0);
	exec_tick(x, OPEN + 600 * NS - NS / 2);
	if (qty > 0) {
		assert_int_equal(book_best(m->book, BOOK_BID, &bp, &q), 0);
		assert_int_equal(exec_manual_child(x, 1, bp - 40, qty, 1, err,
		    sizeof err), 0);
	}
	exec_tick(x, OPEN + 604 * NS);
	sig_flow(exec_sig_state(x, m), 5, &vol);
	exec_free(x);
	market_free(m);
	return vol;
}

/* A rule that reacts to one-sided flow must not react to the engine's own
 * crossing: 20,000 shares sold into the bid are not others' selling. */
static void
own_crossing_is_not_others_flow(void **state)
{
	int64_t quiet = others_after_cross(0), crossed = others_after_cross(20000);

	(void)state;
	print_message("others' volume in the 5 s after: %lld without our cross, "
	    "%lld with a 20,000-share cross\n", (long long)quiet,
	    (long long)crossed);
	assert_true(crossed < quiet + 10000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ais_aggr_speeds_up_and_ais_pass_slows_in_the_money),
		cmocka_unit_test(ais_aggr_slows_and_ais_pass_speeds_up_out_of_the_money),
		cmocka_unit_test(event_rule_acts_within_seconds_of_a_headline),
		cmocka_unit_test(event_rule_quiet_on_override),
		cmocka_unit_test(plan_starts_where_schedule_stands),
		cmocka_unit_test(plan_lump_is_due_at_once),
		cmocka_unit_test(plan_refuses_bad_values),
		cmocka_unit_test(submit_refuses_bad_adaptive_fields),
		cmocka_unit_test(signals_resume_at_now_after_a_quiet_spell),
		cmocka_unit_test(own_crossing_is_not_others_flow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
