/*
 * tests/unit/test-exec-algos.c -- every scheduler and the tactic's options,
 * in-process against the simulated market.
 *
 * For each schedule: it starts at zero, never goes down, stays within the
 * quantity and reaches it exactly at the end of the window.  Worked in the
 * market: fills add up to the parent exactly, no child is larger than what
 * remains, none is priced through the limit; the passive TWAP never
 * crosses, the patient one crosses only what is left at the end and the
 * aggressive one only crosses; risk limits refuse children
 * with an alert that names the limit and the values; several blocks run at
 * once, and the desk's limit on its share of a symbol holds them all.
 */
#include <math.h>
#include <stdio.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine/exec/exec.h"
#include "engine/exec/scenario.h"
#include "engine/watch/watch.h"

#define NS 1000000000LL
#define OPEN (34200LL * NS)

struct rec {
	int64_t fills, child_qty, over_remaining, through_limit;
	int crosses, posts, inside;
	int cleanups;        /* crossing children sent by the end-of-window
	                        clean-up (reason "cleanup"), among crosses */
	int catchups;        /* ... sent to catch up (reason "catch-up") */
	int64_t max_catchup; /* the largest of those */
	int held;            /* decisions saying a cap held part back */
	int held_desk;       /* ... the desk's limit on the symbol */
	char held_text[512], held_by[16];
	int risk_alerts;
	char last_alert[256];
	int unfilled_alerts;
	char unfilled_text[256];
	int behind_alerts;   /* "behind schedule" alerts, and the last one */
	char behind_text[256];
	int64_t limit_px;
	int side;
	int64_t filled_seen, qty;
};

static void
rec_emit(void *arg, const char *topic, cJSON *o)
{
	struct rec *r = arg;

	if (strcmp(topic, "child") == 0) {
		const char *st = cJSON_GetObjectItem(o, "status")->valuestring;
		const char *style = cJSON_GetObjectItem(o, "style")->valuestring;
		int64_t q = (int64_t)cJSON_GetObjectItem(o, "qty")->valuedouble;
		int64_t f = (int64_t)cJSON_GetObjectItem(o, "filled")->valuedouble;
		int64_t px = (int64_t)cJSON_GetObjectItem(o, "px")->valuedouble;

		if (strcmp(st, "cancelled") == 0 || !cJSON_GetObjectItem(o, "reason"))
			return;
		r->child_qty += q;
		if (q - (r->qty - (r->filled_seen - f)) > r->over_remaining)
			r->over_remaining = q - (r->qty - (r->filled_seen - f));
		if (r->limit_px && (r->side == BOOK_ASK ? px < r->limit_px :
		    px > r->limit_px))
			r->through_limit++;
		if (strcmp(style, "cross") == 0) {
			r->crosses++;
			r->cleanups += strcmp(cJSON_GetObjectItem(o,
			    "reason")->valuestring, "cleanup") == 0;
			if (strcmp(cJSON_GetObjectItem(o, "reason")->valuestring,
			    "catch-up") == 0) {
				r->catchups++;
				if (q > r->max_catchup)
					r->max_catchup = q;
			}
		}
		else if (strcmp(style, "inside") == 0)
			r->inside++;
		else
			r->posts++;
	} else if (strcmp(topic, "decision") == 0 &&
	    cJSON_GetObjectItem(o, "held") != NULL) {
		r->held++;
		snprintf(r->held_text, sizeof r->held_text, "%s",
		    cJSON_GetObjectItem(o, "reason")->valuestring);
		snprintf(r->held_by, sizeof r->held_by, "%s", cJSON_GetObjectItem(
		    cJSON_GetObjectItem(o, "held"), "by")->valuestring);
		r->held_desk += strcmp(r->held_by, "desk") == 0;
	} else if (strcmp(topic, "fill") == 0) {
		int64_t q = (int64_t)cJSON_GetObjectItem(o, "qty")->valuedouble;

		r->fills += q;
		r->filled_seen += q;
	} else if (strcmp(topic, "alert") == 0 &&
	    strcmp(cJSON_GetObjectItem(o, "code")->valuestring, "unfilled") == 0) {
		r->unfilled_alerts++;
		snprintf(r->unfilled_text, sizeof r->unfilled_text, "%s",
		    cJSON_GetObjectItem(o, "text")->valuestring);
	} else if (strcmp(topic, "alert") == 0 &&
	    strcmp(cJSON_GetObjectItem(o, "code")->valuestring, "behind") == 0) {
		r->behind_alerts++;
		snprintf(r->behind_text, sizeof r->behind_text, "%s",
		    cJSON_GetObjectItem(o, "text")->valuestring);
	} else if (strcmp(topic, "alert") == 0 &&
	    strcmp(cJSON_GetObjectItem(o, "code")->valuestring, "risk") == 0) {
		r->risk_alerts++;
		snprintf(r->last_alert, sizeof r->last_alert, "%s",
		    cJSON_GetObjectItem(o, "text")->valuestring);
	}
}

static void
spec_init(struct parent_spec *ps, const char *algo, int64_t qty)
{
	memset(ps, 0, sizeof *ps);
	strcpy(ps->sym, "QDI");
	snprintf(ps->algo, sizeof ps->algo, "%s", algo);
	ps->side = BOOK_ASK;
	ps->qty = qty;
	ps->start = OPEN;
	ps->end = OPEN + 3600 * NS;
	ps->interval = 60 * NS;
	ps->lot = 100;
	ps->max_pov = 100;
	ps->cleanup = 1;
}

static void
run(const struct parent_spec *ps, struct rec *r, uint64_t seed,
    struct parent *out)
{
	struct sim_params sp;
	struct market *m;
	struct exec *x;
	struct exec_emit em = { rec_emit, r };
	char err[256];

	memset(r, 0, sizeof *r);
	r->qty = ps->qty;
	r->limit_px = ps->limit_px;
	r->side = ps->side;
	sim_params_default(&sp);
	assert_int_equal(market_sim_new(&m, &sp, seed, OPEN - 300 * NS), 0);
	assert_int_equal(exec_new(&x, m, &em), 0);
	assert_int_equal(exec_submit(x, ps, NULL, err, sizeof err), 0);
	exec_tick(x, ps->end + NS);
	*out = *exec_get(x, 0);
	out->children = NULL;
	exec_free(x);
	market_free(m);
}

/* The shape every schedule must have, probed on a fake block. */
static void
check_schedule(const struct algo_ops *a, struct parent *p)
{
	int64_t prev = 0;

	assert_int_equal(a->target(p, p->spec.start), 0);
	assert_int_equal(a->target(p, p->spec.start - NS), 0);
	for (int64_t t = p->spec.start; t <= p->spec.end; t += 7 * NS) {
		int64_t v = a->target(p, t);

		assert_true(v >= prev);
		assert_true(v >= 0 && v <= p->spec.qty);
		prev = v;
	}
	assert_int_equal(a->target(p, p->spec.end), p->spec.qty);
	assert_int_equal(a->target(p, p->spec.end + NS), p->spec.qty);
}

static void
every_schedule_starts_at_zero_rises_and_ends_at_qty(void **state)
{
	struct parent p;

	(void)state;
	for (size_t i = 0; i < algo_count; i++) {
		memset(&p, 0, sizeof p);
		spec_init(&p.spec, algo_all[i]->name, 123457);
		p.algo = algo_all[i];
		p.mkt_vol = 40000;
		p.mkt_t = OPEN + 600 * NS;
		p.spec.nprofile = 4;
		p.spec.profile[0] = 4;
		p.spec.profile[1] = 1;
		p.spec.profile[2] = 1;
		p.spec.profile[3] = 3;
		p.ac_kappa = 2.0 / (3600.0 * NS);
		check_schedule(algo_all[i], &p);
	}
}

static void
vwap_follows_the_profile(void **state)
{
	struct parent p;

	(void)state;
	memset(&p, 0, sizeof p);
	spec_init(&p.spec, "vwap", 100000);
	p.spec.nprofile = 4;
	p.spec.profile[0] = 4;
	p.spec.profile[1] = 1;
	p.spec.profile[2] = 1;
	p.spec.profile[3] = 4;
	/* A quarter of the window holds 40% of the volume. */
	assert_int_equal(algo_vwap_ops.target(&p, OPEN + 900 * NS), 40000);
	assert_int_equal(algo_vwap_ops.target(&p, OPEN + 1800 * NS), 50000);
	/* No profile: TWAP. */
	p.spec.nprofile = 0;
	assert_int_equal(algo_vwap_ops.target(&p, OPEN + 900 * NS), 25000);
}

static void
pov_tracks_volume_between_floor_and_cap(void **state)
{
	struct parent p;

	(void)state;
	memset(&p, 0, sizeof p);
	spec_init(&p.spec, "pov", 1000000);
	p.spec.pov = 20;
	p.mkt_vol = 80000;
	p.mkt_t = OPEN + 600 * NS;
	/* 20% of all volume: 20/80 of the others'. */
	assert_int_equal(algo_pov_ops.target(&p, OPEN + 600 * NS), 20000);
	/* Projected at the rate seen so far. */
	assert_int_equal(algo_pov_ops.target(&p, OPEN + 1200 * NS), 40000);
	/* The floor: at least half of TWAP when the market is quiet. */
	p.mkt_vol = 100;
	p.spec.pov_floor = 50;
	assert_int_equal(algo_pov_ops.target(&p, OPEN + 600 * NS),
	    1000000 / 6 / 2);
	/* The cap wins over the floor. */
	p.spec.pov_cap = 30;
	assert_true(algo_pov_ops.target(&p, OPEN + 600 * NS) <= 43);
}

static void
ac_front_loads_and_lambda_zero_is_twap(void **state)
{
	struct parent p;

	(void)state;
	memset(&p, 0, sizeof p);
	spec_init(&p.spec, "ac", 500000);
	p.spec.interval = 300 * NS;
	p.spec.end = OPEN + 180 * 60 * NS;
	p.spec.ac_lambda = 3.80882e-6;
	p.spec.ac_sigma = 0.95 / sqrt(390.0);
	p.spec.ac_eta = 7.2e-5;
	p.spec.ac_gamma = 2.5e-7;
	algo_ac_ops.start(&p, NULL);
	/* kappa T = 2 and the paper's first slice. */
	assert_true(fabs(p.ac_kappa * (double)(p.spec.end - p.spec.start) - 2) <
	    1e-4);
	assert_int_equal(algo_ac_ops.target(&p, OPEN + 300 * NS), 28057);
	p.spec.ac_lambda = 0;
	p.spec.urgency = 1e-12;
	algo_ac_ops.start(&p, NULL);
	assert_int_equal(algo_ac_ops.target(&p, OPEN + 300 * NS),
	    algo_twap_ops.target(&p, OPEN + 300 * NS));
}

static void
every_algo_fills_exactly_and_never_oversends(void **state)
{
	struct parent_spec ps;
	struct parent out;
	struct rec r;

	(void)state;
	for (size_t i = 0; i < algo_count; i++) {
		spec_init(&ps, algo_all[i]->name, 60000);
		ps.pov = 15;
		ps.pov_floor = 80;
		run(&ps, &r, 3, &out);
		assert_true(r.over_remaining <= 0);
		assert_int_equal(r.fills, out.filled);
		assert_true(out.filled <= ps.qty);
		if (strcmp(algo_all[i]->name, "twap-passive") == 0) {
			assert_int_equal(r.crosses, 0);
		} else {
			/* With cleanup, everything is done at the end. */
			if (out.filled != ps.qty)
				print_message("%s: %lld filled, state %d\n", algo_all[i]->name, (long long)out.filled, out.state);
			assert_int_equal(out.filled, ps.qty);
			assert_int_equal(out.state, PARENT_DONE);
		}
		if (strcmp(algo_all[i]->name, "twap-aggressive") == 0) {
			assert_int_equal(r.posts, 0);
			assert_true(r.crosses > 0);
		}
	}
}

static void
no_child_goes_through_the_limit(void **state)
{
	struct parent_spec ps;
	struct parent out;
	struct rec r;

	(void)state;
	for (size_t i = 0; i < algo_count; i++) {
		spec_init(&ps, algo_all[i]->name, 200000);
		/* A sell limit a little above the market: some children must
		 * wait, none may be priced below it. */
		ps.limit_px = 10001;
		run(&ps, &r, 5, &out);
		assert_int_equal(r.through_limit, 0);
		assert_true(out.filled <= ps.qty);
		assert_true(out.filled == 0 || (double)out.cash /
		    (double)out.filled >= 10001);
		/* And a buy limited at the market: none priced above it (a
		 * buy's check was off by a tick and no test saw it: found by
		 * mutation testing). */
		spec_init(&ps, algo_all[i]->name, 200000);
		ps.side = BOOK_BID;
		ps.limit_px = 10000;
		run(&ps, &r, 5, &out);
		assert_int_equal(r.through_limit, 0);
		assert_true(out.filled <= ps.qty);
		assert_true(out.filled == 0 || (double)out.cash /
		    (double)out.filled <= 10000);
	}
}

static void
inside_and_catchup_options_change_the_tactic(void **state)
{
	struct parent_spec ps;
	struct parent out;
	struct rec r, r2;

	(void)state;
	spec_init(&ps, "twap", 100000);
	ps.inside = 1;
	run(&ps, &r, 9, &out);
	assert_true(r.inside > 0);
	assert_int_equal(out.filled, ps.qty);
	spec_init(&ps, "twap", 100000);
	ps.catchup = 1000;
	run(&ps, &r2, 9, &out);
	spec_init(&ps, "twap", 100000);
	run(&ps, &r, 9, &out);
	/* With a tolerance nobody reaches, only the end-of-window clean-up
	 * crosses. */
	assert_true(r2.crosses <= 1);
	assert_true(r.crosses >= r2.crosses);
}

/*
 * twap-band catches up one slice a decision, and only when more than its
 * band behind: with the band narrowed to 2 slices (the block's catchup) a
 * session that leaves twap-passive short crosses before the end, never
 * more than a slice (7,000 shares) at once, and finishes; catchup_max
 * widens the most it crosses; a catchup_max out of range is refused with
 * its name and value.
 */
static void
band_twap_catches_up_a_slice_at_a_time(void **state)
{
	struct parent_spec ps;
	struct parent out;
	struct rec r, r3;
	struct sim_params sp;
	struct market *m;
	struct exec *x;
	char err[256];
	uint32_t id;

	(void)state;
	spec_init(&ps, "twap-band", 420000);
	ps.catchup = 2;
	run(&ps, &r, 4, &out);
	if (r.catchups == 0)
		fail_msg("twap-band never caught up (%lld of %lld filled)",
		    (long long)out.filled, (long long)ps.qty);
	if (r.max_catchup > 7000)
		fail_msg("a catch-up crossed %lld shares, more than the slice "
		    "of 7000", (long long)r.max_catchup);
	assert_int_equal(out.filled, ps.qty);
	assert_int_equal(out.state, PARENT_DONE);
	/* Three slices a decision: larger catch-ups, never above three. */
	ps.catchup_max = 3;
	run(&ps, &r3, 4, &out);
	if (r3.max_catchup <= 7000 || r3.max_catchup > 21000)
		fail_msg("catchup_max 3: the largest catch-up crossed %lld",
		    (long long)r3.max_catchup);
	/* A slice of one lot at half a slice a decision: a lot at a time
	 * (half a lot would round to nothing and never catch up). */
	spec_init(&ps, "twap-band", 6000);
	ps.catchup = 2;
	ps.catchup_max = 0.5;
	run(&ps, &r, 4, &out);
	if (r.catchups == 0 || r.max_catchup != 100)
		fail_msg("a 100-share slice at half a slice: %d catch-ups, the "
		    "largest %lld", r.catchups, (long long)r.max_catchup);

	sim_params_default(&sp);
	assert_int_equal(market_sim_new(&m, &sp, 4, OPEN - 300 * NS), 0);
	assert_int_equal(exec_new(&x, m, NULL), 0);
	spec_init(&ps, "twap-band", 420000);
	ps.catchup_max = -1;
	assert_int_not_equal(exec_submit(x, &ps, &id, err, sizeof err), 0);
	if (strstr(err, "catchup_max -1") == NULL)
		fail_msg("\"%s\" does not name catchup_max -1", err);
	ps.catchup_max = NAN;
	assert_int_not_equal(exec_submit(x, &ps, &id, err, sizeof err), 0);
	assert_non_null(strstr(err, "catchup_max nan"));
	exec_free(x);
	market_free(m);
}

static void
cleanup_off_reports_the_unfilled_part(void **state)
{
	struct parent_spec ps;
	struct parent out;
	struct rec r;

	(void)state;
	spec_init(&ps, "twap-passive", 3000000);
	ps.cleanup = 0;
	run(&ps, &r, 4, &out);
	assert_int_equal(r.crosses, 0);
	assert_true(out.filled < ps.qty);
	/* Ended unfilled: EXPIRED, never DONE. */
	assert_int_equal(out.state, PARENT_EXPIRED);
	/* The report it is named after: one alert naming the shares left of
	 * the block's quantity. */
	{
		char want[96];

		assert_int_equal(r.unfilled_alerts, 1);
		snprintf(want, sizeof want, "%lld of %lld shares unfilled",
		    (long long)(ps.qty - out.filled), (long long)ps.qty);
		if (strstr(r.unfilled_text, want) == NULL)
			fail_msg("unfilled alert \"%s\" does not say \"%s\"",
			    r.unfilled_text, want);
	}
}

/* run(), with a person acting on block 1 before the window opens: cap its
 * aggression at passive (how 1), force the passive style for the whole
 * window (how 2), or limit its children to 500 shares (how 3). */
static void
run_steered(const struct parent_spec *ps, struct rec *r, uint64_t seed,
            int how, struct parent *out)
{
	struct sim_params sp;
	struct market *m;
	struct exec *x;
	struct exec_emit em = { rec_emit, r };
	struct exec_limits l = { .pct = -1, .max_child = how == 3 ? 500 : -1,
	    .aggression = how == 3 ? -1 : AGGR_PASSIVE };
	char err[256];
	uint32_t id;

	memset(r, 0, sizeof *r);
	r->qty = ps->qty;
	sim_params_default(&sp);
	assert_int_equal(market_sim_new(&m, &sp, seed, OPEN - 300 * NS), 0);
	assert_int_equal(exec_new(&x, m, &em), 0);
	assert_int_equal(exec_submit(x, ps, &id, err, sizeof err), 0);
	if ((how == 1 || how == 3) && exec_limit(x, id, &l, err, sizeof err) != 0)
		fail_msg("limit: %s", err);
	/* The market opens its warm-up 300 s before OPEN: past the end. */
	if (how == 2 && exec_force_style(x, id, AGGR_PASSIVE, ps->end - OPEN +
	    600 * NS, err, sizeof err) != 0)
		fail_msg("force: %s", err);
	exec_tick(x, ps->end + NS);
	*out = *exec_get(x, 0);
	out->children = NULL;
	exec_free(x);
	market_free(m);
}

/*
 * twap-patient posts exactly as twap-passive does until the window ends,
 * never crossing to catch up, and then crosses what is left (the block's
 * clean-up), so it finishes where twap-passive reports a remainder.  The
 * block's own aggression does not change that (it is the algorithm's, as
 * twap-passive's is); clean-up off leaves the rest, and so does a person
 * who capped the block at passive or forced the passive style.
 */
static void
patient_twap_posts_then_finishes_at_the_end(void **state)
{
	struct parent_spec ps;
	struct parent passive, patient, out;
	struct rec rp, rq, r;

	(void)state;
	spec_init(&ps, "twap-passive", 420000);
	run(&ps, &rp, 4, &passive);
	spec_init(&ps, "twap-patient", 420000);
	run(&ps, &rq, 4, &patient);
	/* The session must leave twap-passive something to report, or the
	 * clean-up would not be tested. */
	assert_true(passive.filled < ps.qty);
	assert_int_equal(rp.crosses, 0);
	assert_int_equal(rq.posts, rp.posts);
	assert_true(rq.cleanups > 0);
	if (rq.crosses != rq.cleanups)
		fail_msg("twap-patient crossed %d times before the end of the "
		    "window", rq.crosses - rq.cleanups);
	assert_int_equal(patient.filled, ps.qty);
	assert_int_equal(patient.state, PARENT_DONE);
	assert_int_equal(rq.unfilled_alerts, 0);

	/* The block's aggression, either way, changes nothing. */
	for (int a = AGGR_PASSIVE; a <= AGGR_AGGRESSIVE; a += 2) {
		spec_init(&ps, "twap-patient", 420000);
		ps.aggression = 1 + a;
		run(&ps, &r, 4, &out);
		if (r.posts != rq.posts || r.crosses != rq.crosses ||
		    out.filled != patient.filled)
			fail_msg("aggression %d: %d posts, %d crosses, %lld filled; "
			    "without it %d, %d, %lld", a, r.posts, r.crosses,
			    (long long)out.filled, rq.posts, rq.crosses,
			    (long long)patient.filled);
	}

	/* Clean-up off, an aggression cap at passive or a forced passive
	 * style: it leaves what is left, EXPIRED, and says so. */
	for (int how = 0; how < 3; how++) {
		spec_init(&ps, "twap-patient", 420000);
		if (how == 0) {
			ps.cleanup = 0;
			run(&ps, &r, 4, &out);
		} else
			run_steered(&ps, &r, 4, how, &out);
		if (r.crosses != 0 || out.state != PARENT_EXPIRED ||
		    r.unfilled_alerts != 1)
			fail_msg("case %d: %d crosses, state %d, %d unfilled alerts",
			    how, r.crosses, out.state, r.unfilled_alerts);
		if (how > 0 && strstr(r.unfilled_text, "nothing crossed") == NULL)
			fail_msg("case %d: \"%s\" does not say nothing was crossed",
			    how, r.unfilled_text);
	}
	assert_int_equal(out.filled, passive.filled);
}

/* A child the maximum child cut says so, in words beside what it sends and
 * as "held", on the aggressive path and the catch-up alike. */
static void
a_cut_child_says_what_the_cap_holds(void **state)
{
	static const char *const algos[] = { "twap-aggressive", "twap" };
	struct parent_spec ps;
	struct parent out;
	struct rec r;

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		spec_init(&ps, algos[i], 200000);
		run_steered(&ps, &r, 5, 3, &out);
		if (r.held == 0 || strcmp(r.held_by, "max_child") != 0 ||
		    strstr(r.held_text, "500 of the ") == NULL ||
		    strstr(r.held_text, " due: the maximum child holds the rest") ==
		    NULL)
			fail_msg("%s: %d held, by \"%s\": \"%s\"", algos[i], r.held,
			    r.held_by, r.held_text);
	}
}

static void
rate_limit_refuses_with_an_alert_naming_it(void **state)
{
	struct parent_spec ps;
	struct parent out;
	struct rec r;

	(void)state;
	spec_init(&ps, "twap-aggressive", 100000);
	ps.interval = 5 * NS;
	ps.max_rate = 3;
	run(&ps, &r, 2, &out);
	assert_true(r.risk_alerts > 0);
	assert_non_null(strstr(r.last_alert, "order rate"));
	assert_non_null(strstr(r.last_alert, "limit 3 per minute"));
	assert_true(out.refused > 0);
	/* At most three children in any minute reached the market. */
	assert_true(r.crosses + r.posts <= 3 * 61);
}

static void
window_participation_refuses_with_the_values(void **state)
{
	struct parent_spec ps;
	struct parent out;
	struct rec r;

	struct sim_params sp;
	struct market *m;
	struct exec *x;
	struct exec_emit em = { rec_emit, &r };
	char err[256];
	const struct parent *p;

	(void)state;
	spec_init(&ps, "twap-aggressive", 400000);
	ps.win_pov = 5;
	ps.win_s = 300;
	memset(&r, 0, sizeof r);
	r.qty = ps.qty;
	r.side = ps.side;
	sim_params_default(&sp);
	assert_int_equal(market_sim_new(&m, &sp, 2, OPEN - 300 * NS), 0);
	assert_int_equal(exec_new(&x, m, &em), 0);
	assert_int_equal(exec_submit(x, &ps, NULL, err, sizeof err), 0);
	exec_tick(x, OPEN + 1800 * NS);
	p = exec_get(x, 0);
	/* A child past it (a trader's, say) is refused naming the values. */
	assert_int_equal(exec_risk_check(x, p, m->last_px, 50000, err,
	    sizeof err), -1);
	assert_non_null(strstr(err, "participation"));
	assert_non_null(strstr(err, "limit 5.0%"));
	/* At its edge: the smallest child past 5% is refused, the largest
	 * within it taken (a check 5 points loose passed every test: found
	 * by mutation testing). */
	{
		long long ours, all, q;
		double wours, wall;
		int64_t over, within;
		const char *at = strstr(err, " s (");

		assert_non_null(at);
		assert_int_equal(sscanf(at, " s (%lld of %lld shares, this "
		    "child %lld", &ours, &all, &q), 3);
		wours = (double)(ours - q);
		wall = (double)(all - q);
		/* 100 (wours + k) / (wall + k) <= 5 for k <= within. */
		within = (int64_t)floor((0.05 * wall - wours) / 0.95);
		over = within < 0 ? 1 : within + 1;
		assert_true(100.0 * (wours + (double)over) / (wall +
		    (double)over) < 5.0 + 1.0);
		assert_int_equal(exec_risk_check(x, p, m->last_px, over, err,
		    sizeof err), -1);
		assert_non_null(strstr(err, "participation"));
		if (within >= 1)
			assert_int_equal(exec_risk_check(x, p, m->last_px,
			    within, err, sizeof err), 0);
	}
	/* The tactic's children, the clean-up's too, are sized within it:
	 * none is refused, and what it leaves is said. */
	exec_tick(x, ps.end + NS);
	assert_int_equal(r.risk_alerts, 0);
	assert_true(r.held > 0);
	assert_true(p->filled > 0 && p->filled < ps.qty);
	assert_non_null(strstr(r.unfilled_text, "window limit"));
	(void)out;
	exec_free(x);
	market_free(m);
}

/* A block held to its window limit sizes its children within it, as
 * within its cap, and fills: sized without it, every child was refused
 * whole, a block behind asked for more each time, and 150,000 shares at
 * 25% over 300 s filled 1,600 in three hours (found by an adversarial
 * review).  What it holds back is said ("window"). */
static void
window_participation_sizes_the_children(void **state)
{
	struct parent_spec ps;
	struct parent out;
	struct rec r;

	(void)state;
	spec_init(&ps, "twap", 150000);
	ps.end = OPEN + 3 * 3600 * NS;
	ps.win_pov = 25;
	ps.win_s = 300;
	run(&ps, &r, 1, &out);
	if (out.filled < 140000)
		fail_msg("filled %lld of 150,000 (%d risk alerts, the last: %s)",
		    (long long)out.filled, r.risk_alerts, r.last_alert);
	/* Before the end-of-window clean-up, at most a child refused now
	 * and then (a fill between the sizing and the check). */
	assert_true(out.refused <= 3);
	assert_true(r.held > 0);
	/* A window shorter than the decisions' interval: it reaches back to
	 * the decision before (it read only the decision's own sample, no
	 * volume, never traded and swept all 20,000 at the end unchecked:
	 * found by a review). */
	spec_init(&ps, "twap", 20000);
	ps.win_pov = 25;
	ps.win_s = 30;
	run(&ps, &r, 1, &out);
	if (r.posts + r.crosses < 20 || out.filled < 15000)
		fail_msg("%d children, %lld of 20,000 filled", r.posts +
		    r.crosses, (long long)out.filled);
	assert_true(r.cleanups <= 1);
	assert_int_equal(r.risk_alerts, 0);
}

/* A simulated market from seed and an exec on it whose desk holds each
 * symbol to pct percent over 300 s (em may be NULL). */
static struct exec *
desk_exec(uint64_t seed, double pct, const struct exec_emit *em,
          struct market **m)
{
	struct sim_params sp;
	struct exec *x;
	char err[256];

	sim_params_default(&sp);
	assert_int_equal(market_sim_new(m, &sp, seed, OPEN - 300 * NS), 0);
	assert_int_equal(exec_new(&x, *m, em), 0);
	assert_int_equal(exec_set_desk_pov(x, pct, 300, err, sizeof err), 0);
	return x;
}

/*
 * The desk's limit on its share of a symbol (limits.symbol_pov): two
 * blocks on one symbol, an aggressive TWAP and a POV at 30%, take 60% of
 * some 300 s of the hour without it.  With the desk held to 15% over 300 s
 * their children are sized within it (decisions cut "desk"), and over
 * every 300 s of the hour, the market sampled every 10 s, ours stays
 * under 18%: the limit is checked as each child is sent, counting what
 * works as filled, and a posted child fills later while the window moves
 * on (measured: 6.4% at 5%, 11.2% at 10%, 17.4% at 15%, 23.9% at 20%,
 * 43.0% at 40%; 6.5%, 19%, 26% and 46% while the market was sampled only
 * at decisions).  A
 * trader's child past it is refused naming the symbol, the share and the
 * limit.
 */
static double
desk_run(double pct, int *refused, int *held, char *why, size_t whyn)
{
	struct market *m;
	struct exec *x;
	struct parent_spec a, b;
	struct rec r;
	struct exec_emit em = { rec_emit, &r };
	char err[256];
	int64_t vol[400], our[400];
	double worst = 0;
	int n = 0;

	memset(&r, 0, sizeof r);
	r.qty = 1 << 30;
	x = desk_exec(3, pct, &em, &m);
	spec_init(&a, "twap-aggressive", 200000);
	spec_init(&b, "pov", 200000);
	b.pov = 30;
	assert_int_equal(exec_submit(x, &a, NULL, err, sizeof err), 0);
	assert_int_equal(exec_submit(x, &b, NULL, err, sizeof err), 0);
	for (int64_t t = OPEN; t <= OPEN + 3600 * NS; t += 10 * NS) {
		exec_tick(x, t);
		vol[n] = m->volume;
		our[n] = m->our_volume;
		if (n >= 30) {
			double share = (double)(our[n] - our[n - 30]) /
			    (double)(vol[n] - vol[n - 30]);

			if (share > worst)
				worst = share;
		}
		n++;
	}
	*refused = (int)(exec_get(x, 0)->refused + exec_get(x, 1)->refused);
	*held = r.held_desk;
	why[0] = '\0';
	if (pct < 100) {
		/* Past the room: a trader's 50,000 shares at once. */
		struct parent_spec c;
		int64_t bp, q;

		spec_init(&c, "twap-passive", 100000);
		c.start = OPEN + 3600 * NS;
		c.end = OPEN + 7200 * NS;
		assert_int_equal(exec_submit(x, &c, NULL, err, sizeof err), 0);
		exec_tick(x, OPEN + 3601 * NS);
		assert_int_equal(book_best(m->book, BOOK_BID, &bp, &q), 0);
		assert_int_equal(exec_manual_child(x, 3, bp, 50000, 1, why, whyn),
		    -1);
	}
	exec_free(x);
	market_free(m);
	return worst;
}

static void
desk_limit_holds_every_block_on_a_symbol(void **state)
{
	char why[256];
	int refused, held;
	double w;

	(void)state;
	/* Without it the two take far more than 15% (the test can fail). */
	assert_true(desk_run(100, &refused, &held, why, sizeof why) > 0.50);
	assert_int_equal(held, 0);
	w = desk_run(15, &refused, &held, why, sizeof why);
	assert_true(w <= 0.18);
	/* Sized within it: the tactic's children were cut ("desk"), and
	 * refused only at the window's end, where the clean-up sweeps what
	 * is left whatever the room (one a block). */
	assert_true(held > 0);
	assert_true(refused <= 2);
	assert_non_null(strstr(why, "the desk's participation in QDI"));
	assert_non_null(strstr(why, "limit 15.0% (limits.symbol_pov)"));
}

/*
 * The limit holds while nothing decides, and whatever a block's interval
 * (found by a review on 2026-12-05: the market was sampled only at
 * decisions, so a block paused longer than the window, or one deciding
 * less often than the window, found no sample in it and the check was
 * skipped: a trader's 20,000 shares went through after a pause, and an
 * interval of 310 s against a 300-s window never traded at all).  And two
 * blocks share the room: an aggressive TWAP beside a POV that decided
 * first got none of it.
 */
static void
desk_limit_holds_through_a_pause_and_a_long_interval(void **state)
{
	struct market *m;
	struct exec *x;
	struct parent_spec a;
	char err[256];
	int64_t bp, q;

	(void)state;
	x = desk_exec(3, 10, NULL, &m);
	spec_init(&a, "twap", 200000);
	a.interval = 310 * NS;
	assert_int_equal(exec_submit(x, &a, NULL, err, sizeof err), 0);
	exec_tick(x, OPEN + 1800 * NS);
	/* A decision every 310 s still finds the window and trades. */
	assert_true(exec_get(x, 0)->filled > 0);
	assert_int_equal(exec_pause(x, 1, err, sizeof err), 0);
	exec_tick(x, OPEN + 2700 * NS);
	assert_int_equal(book_best(m->book, BOOK_BID, &bp, &q), 0);
	err[0] = '\0';
	assert_int_equal(exec_manual_child(x, 1, bp, 20000, 1, err,
	    sizeof err), -1);
	assert_non_null(strstr(err, "limits.symbol_pov"));
	exec_free(x);
	market_free(m);
}

static void
desk_limit_is_shared_by_the_blocks(void **state)
{
	struct market *m;
	struct exec *x;
	struct parent_spec a, b;
	char err[256];

	(void)state;
	x = desk_exec(7, 15, NULL, &m);
	spec_init(&b, "pov", 200000);
	b.pov = 30;
	spec_init(&a, "twap-aggressive", 500000);
	assert_int_equal(exec_submit(x, &b, NULL, err, sizeof err), 0);
	assert_int_equal(exec_submit(x, &a, NULL, err, sizeof err), 0);
	exec_tick(x, OPEN + 3601 * NS);
	/* Both trade, the larger more. */
	assert_true(exec_get(x, 0)->filled > 0);
	assert_true(exec_get(x, 1)->filled > exec_get(x, 0)->filled);
	exec_free(x);
	market_free(m);
}

/* A 20,000-share TWAP beside a 1,000,000-share one, the desk held to 10%:
 * the small block gets its part, whether the large one is trading, has
 * not started, or is held by its own cap (found by a probe on 2026-12-05:
 * a part in proportion to what each had left gave it nothing all hour,
 * even while the desk traded nothing). */
static void
desk_limit_leaves_a_small_block_its_part(void **state)
{
	/* Cases 3 to 5 submit the small block first: the parts do not
	 * depend on which block decides first at an instant. */
	for (int k = 0; k < 6; k++) {
		struct market *m;
		struct exec *x;
		struct parent_spec big, small;
		char err[256];

		(void)state;
		x = desk_exec(3, 10, NULL, &m);
		spec_init(&big, "twap", 1000000);
		big.end = OPEN + 3 * 3600 * NS;
		if (k % 3 == 1) {
			big.start = OPEN + 2 * 3600 * NS;
			big.end = OPEN + 4 * 3600 * NS;
		} else if (k % 3 == 2)
			big.max_pov = 0.01;
		spec_init(&small, "twap", 20000);
		if (k >= 3)
			assert_int_equal(exec_submit(x, &small, NULL, err,
			    sizeof err), 0);
		assert_int_equal(exec_submit(x, &big, NULL, err, sizeof err), 0);
		if (k < 3)
			assert_int_equal(exec_submit(x, &small, NULL, err,
			    sizeof err), 0);
		exec_tick(x, OPEN + 3601 * NS);
		if (exec_get(x, k < 3 ? 1 : 0)->filled < 10000)
			fail_msg("case %d: the small block filled %lld", k,
			    (long long)exec_get(x, k < 3 ? 1 : 0)->filled);
		exec_free(x);
		market_free(m);
	}
}

/* Two equal TWAPs on one symbol get about equal parts, whichever decides
 * first (the first of them filled twice the second's when each took a
 * part of what the one before had left). */
static void
desk_limit_parts_are_equal(void **state)
{
	struct market *m;
	struct exec *x;
	struct parent_spec a;
	char err[256];
	double f0, f1;

	(void)state;
	x = desk_exec(3, 10, NULL, &m);
	spec_init(&a, "twap", 200000);
	assert_int_equal(exec_submit(x, &a, NULL, err, sizeof err), 0);
	assert_int_equal(exec_submit(x, &a, NULL, err, sizeof err), 0);
	exec_tick(x, OPEN + 3601 * NS);
	f0 = (double)exec_get(x, 0)->filled;
	f1 = (double)exec_get(x, 1)->filled;
	print_message("equal TWAPs at 10%%: %.0f and %.0f\n", f0, f1);
	assert_true(f0 > 0 && f1 > 0);
	assert_true(f0 / f1 < 1.25 && f1 / f0 < 1.25);
	exec_free(x);
	market_free(m);
}

/* A room of fewer lots than the blocks wanting one goes round among
 * them: three equal TWAPs at 5% fill alike, whichever decides first at
 * an instant (the first to ask took the lot every time, and they filled
 * 5,300, 9,100 and 13,500: found by a review). */
static void
desk_limit_scarce_lots_go_round(void **state)
{
	struct market *m;
	struct exec *x;
	struct parent_spec a;
	char err[256];
	double f[3], lo, hi;

	(void)state;
	for (uint64_t seed = 1; seed <= 2; seed++) {
		x = desk_exec(seed, 5, NULL, &m);
		spec_init(&a, "twap", 300000);
		a.end = OPEN + 3 * 3600 * NS;
		for (int i = 0; i < 3; i++)
			assert_int_equal(exec_submit(x, &a, NULL, err,
			    sizeof err), 0);
		exec_tick(x, a.end + NS);
		lo = hi = f[0] = (double)exec_get(x, 0)->filled;
		for (int i = 1; i < 3; i++) {
			f[i] = (double)exec_get(x, (size_t)i)->filled;
			lo = f[i] < lo ? f[i] : lo;
			hi = f[i] > hi ? f[i] : hi;
		}
		print_message("three equal TWAPs at 5%%, seed %llu: %.0f, %.0f, "
		    "%.0f\n", (unsigned long long)seed, f[0], f[1], f[2]);
		assert_true(lo > 0);
		assert_true(hi / lo < 1.15);
		exec_free(x);
		market_free(m);
	}
}

static void
desk_limit_refuses_nonsense(void **state)
{
	struct sim_params sp;
	struct market *m;
	struct exec *x;
	char err[256];

	(void)state;
	sim_params_default(&sp);
	assert_int_equal(market_sim_new(&m, &sp, 3, OPEN - 300 * NS), 0);
	assert_int_equal(exec_new(&x, m, NULL), 0);
	assert_int_equal(exec_set_desk_pov(x, 0, 300, err, sizeof err), -1);
	assert_non_null(strstr(err, "limits.symbol_pov 0"));
	assert_int_equal(exec_set_desk_pov(x, NAN, 300, err, sizeof err), -1);
	assert_int_equal(exec_set_desk_pov(x, 101, 300, err, sizeof err), -1);
	assert_int_equal(exec_set_desk_pov(x, 10, 0.5, err, sizeof err), -1);
	assert_non_null(strstr(err, "limits.symbol_pov_s 0.5"));
	exec_free(x);
	market_free(m);
}

static void
several_blocks_at_once(void **state)
{
	struct sim_params sp;
	struct market *m;
	struct exec *x;
	struct parent_spec a, b, c;
	struct rec r;
	struct exec_emit em = { rec_emit, &r };
	char err[256];

	(void)state;
	memset(&r, 0, sizeof r);
	r.qty = 1 << 30;
	sim_params_default(&sp);
	assert_int_equal(market_sim_new(&m, &sp, 8, OPEN - 300 * NS), 0);
	assert_int_equal(exec_new(&x, m, &em), 0);
	spec_init(&a, "twap", 50000);
	spec_init(&b, "vwap", 30000);
	b.side = BOOK_BID;
	b.start = OPEN + 600 * NS;
	spec_init(&c, "pov", 20000);
	c.pov = 10;
	assert_int_equal(exec_submit(x, &a, NULL, err, sizeof err), 0);
	assert_int_equal(exec_submit(x, &b, NULL, err, sizeof err), 0);
	assert_int_equal(exec_submit(x, &c, NULL, err, sizeof err), 0);
	exec_tick(x, OPEN + 3601 * NS);
	assert_true(exec_all_done(x));
	assert_int_equal(exec_get(x, 0)->filled, 50000);
	assert_int_equal(exec_get(x, 1)->filled, 30000);
	assert_int_equal(exec_get(x, 2)->filled, 20000);
	assert_int_equal(r.fills, 100000);
	exec_free(x);
	market_free(m);
}

/*
 * The alert that a block is behind blames a person's cap only when that
 * cap is what holds it: under the desk's limit on the symbol (5%) a block
 * a person throttled to 50% is behind because of the desk, and the alert
 * says "behind" without naming the person's cap; the same block throttled
 * to 5% with no desk limit is behind by the person's cap, and the alert
 * names it.
 */
static void
desk_limit_is_not_blamed_on_a_persons_cap(void **state)
{
	static const struct {
		double desk, cap;
		int blames;
	} c[] = { { 5, 50, 0 }, { 100, 5, 1 } };

	(void)state;
	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
		struct market *m;
		struct exec *x;
		struct parent_spec a;
		struct watch_config wc;
		struct rec r;
		struct exec_emit em = { rec_emit, &r };
		char err[256];

		memset(&r, 0, sizeof r);
		r.qty = 1 << 30;
		x = desk_exec(3, c[i].desk, &em, &m);
		watch_config_default(&wc);
		assert_int_equal(exec_set_alerts(x, &wc, err, sizeof err), 0);
		spec_init(&a, "twap-aggressive", 400000);
		assert_int_equal(exec_submit(x, &a, NULL, err, sizeof err), 0);
		assert_int_equal(exec_throttle(x, exec_get(x, 0)->id, c[i].cap,
		    err, sizeof err), 0);
		for (int64_t t = OPEN; t <= OPEN + 1800 * NS; t += 10 * NS)
			exec_tick(x, t);
		if (r.behind_alerts == 0)
			fail_msg("desk %g%%, cap %g%%: no behind alert", c[i].desk,
			    c[i].cap);
		if ((strstr(r.behind_text, "person's cap") != NULL) !=
		    c[i].blames)
			fail_msg("desk %g%%, cap %g%%: \"%s\"", c[i].desk, c[i].cap,
			    r.behind_text);
		exec_free(x);
		market_free(m);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_schedule_starts_at_zero_rises_and_ends_at_qty),
		cmocka_unit_test(vwap_follows_the_profile),
		cmocka_unit_test(pov_tracks_volume_between_floor_and_cap),
		cmocka_unit_test(ac_front_loads_and_lambda_zero_is_twap),
		cmocka_unit_test(every_algo_fills_exactly_and_never_oversends),
		cmocka_unit_test(no_child_goes_through_the_limit),
		cmocka_unit_test(inside_and_catchup_options_change_the_tactic),
		cmocka_unit_test(band_twap_catches_up_a_slice_at_a_time),
		cmocka_unit_test(cleanup_off_reports_the_unfilled_part),
		cmocka_unit_test(patient_twap_posts_then_finishes_at_the_end),
		cmocka_unit_test(a_cut_child_says_what_the_cap_holds),
		cmocka_unit_test(rate_limit_refuses_with_an_alert_naming_it),
		cmocka_unit_test(window_participation_refuses_with_the_values),
		cmocka_unit_test(window_participation_sizes_the_children),
		cmocka_unit_test(several_blocks_at_once),
		cmocka_unit_test(desk_limit_holds_every_block_on_a_symbol),
		cmocka_unit_test(desk_limit_refuses_nonsense),
		cmocka_unit_test(desk_limit_holds_through_a_pause_and_a_long_interval),
		cmocka_unit_test(desk_limit_is_shared_by_the_blocks),
		cmocka_unit_test(desk_limit_leaves_a_small_block_its_part),
		cmocka_unit_test(desk_limit_parts_are_equal),
		cmocka_unit_test(desk_limit_scarce_lots_go_round),
		cmocka_unit_test(desk_limit_is_not_blamed_on_a_persons_cap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
