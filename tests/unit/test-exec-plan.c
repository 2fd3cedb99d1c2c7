/*
 * tests/unit/test-exec-plan.c -- the plan people see: what the block event
 * says of a re-planned remainder, and what each decision says it changed.
 *
 * The published plan must be the schedule the engine follows, not a copy
 * of its arithmetic that could drift: every sample of "points" is
 * exec_target() at its time, every sample of "base_points" the
 * algorithm's own target, twelve of them from now to the end, and the
 * half-way times are the first second each curve has the half due.  A
 * block without a plan (TWAP), or finished, has none.  A decision that
 * re-planned says why first (the rule's trigger values), then what
 * changed (before -> after, the same numbers as its plan_before and
 * plan_after), then what the tactic did; exec_plan_describe says "plan
 * kept" when nothing a person could see moved.
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

/* A market whose fundamental falls 150 ticks ten minutes in: against a
 * seller, so ais-pass speeds up and the event rule fires. */
static void
sim_with_fall(struct sim_params *sp)
{
	sim_params_default(sp);
	sp->nevents = 1;
	sim_event_default(&sp->events[0]);
	snprintf(sp->events[0].name, sizeof sp->events[0].name, "headline");
	sp->events[0].at = JUMP_AT;
	sp->events[0].dur_s = 1800;
	sp->events[0].jump = -150;
}

static int64_t
json_i64(const cJSON *o, const char *name)
{
	const cJSON *f = cJSON_GetObjectItemCaseSensitive(o, name);

	assert_non_null(f);
	if (cJSON_IsString(f))
		return strtoll(f->valuestring, NULL, 10);
	assert_true(cJSON_IsNumber(f));
	return (int64_t)f->valuedouble;
}

/* Decisions kept as they were published. */
struct decs {
	cJSON *all;
};

static void
decs_emit(void *arg, const char *topic, cJSON *o)
{
	struct decs *d = arg;

	if (strcmp(topic, "decision") == 0)
		cJSON_AddItemToArray(d->all, cJSON_Duplicate(o, 1));
}

/* A session of one block of algo on the falling market, to `to`, with
 * participation capped at max_pov percent. */
static void
session_cap(const char *algo, double max_pov, int64_t to, struct market **m,
            struct exec **x, struct decs *d)
{
	struct sim_params sp;
	struct parent_spec ps;
	struct exec_emit em = { decs_emit, d };
	char err[256];

	sim_with_fall(&sp);
	spec_init(&ps, algo);
	ps.max_pov = max_pov;
	if (strcmp(algo, "event") == 0) {
		/* The mechanism, not the tuned defaults. */
		ps.event_k = 3;
		ps.event_win = 10;
		ps.event_f = 0.25;
	}
	d->all = cJSON_CreateArray();
	assert_int_equal(market_sim_new(m, &sp, 3, OPEN - 300 * NS), 0);
	assert_int_equal(exec_new(x, *m, &em), 0);
	assert_int_equal(exec_submit(*x, &ps, NULL, err, sizeof err), 0);
	exec_tick(*x, to);
}

/* The event rule's first firing among the decisions kept. */
static const cJSON *
first_event_decision(const struct decs *d)
{
	for (int i = 0; i < cJSON_GetArraySize(d->all); i++) {
		const cJSON *c = cJSON_GetArrayItem(d->all, i);

		if (strncmp(cJSON_GetObjectItem(c, "reason")->valuestring,
		    "event:", 6) == 0)
			return c;
	}
	fail_msg("the event rule never fired");
	return NULL;
}

static void
session(const char *algo, int64_t to, struct market **m, struct exec **x,
        struct decs *d)
{
	session_cap(algo, 100, to, m, x, d);
}

/* Every sample of the block's plan is the schedule the engine follows at
 * its time, and every base sample the algorithm's own; twelve, from now
 * to the end; the half-way times are the first second with half due. */
static void
block_plan_is_the_schedule_followed(void **state)
{
	struct market *m;
	struct exec *x;
	struct decs d;
	int64_t now = JUMP_AT + 300 * NS, q, ht, bht;
	const struct parent *p;
	const cJSON *pl, *pts, *bpts;
	cJSON *o;
	int differ = 0;

	(void)state;
	session("ais-pass", now, &m, &x, &d);
	p = exec_get(x, 0);
	o = exec_block_json(x, p);
	pl = cJSON_GetObjectItemCaseSensitive(o, "plan");
	assert_true(cJSON_IsObject(pl));
	pts = cJSON_GetObjectItemCaseSensitive(pl, "points");
	bpts = cJSON_GetObjectItemCaseSensitive(pl, "base_points");
	assert_int_equal(cJSON_GetArraySize(pts), 12);
	assert_int_equal(cJSON_GetArraySize(bpts), 12);
	for (int i = 0; i < 12; i++) {
		const cJSON *a = cJSON_GetArrayItem(pts, i);
		const cJSON *b = cJSON_GetArrayItem(bpts, i);
		int64_t t = strtoll(cJSON_GetArrayItem(a, 0)->valuestring, NULL,
		    10);

		assert_true(cJSON_IsString(cJSON_GetArrayItem(a, 0)));
		assert_string_equal(cJSON_GetArrayItem(a, 0)->valuestring,
		    cJSON_GetArrayItem(b, 0)->valuestring);
		if (i == 0)
			assert_true(t == now);
		if (i == 11)
			assert_true(t == p->spec.end);
		assert_int_equal((int64_t)cJSON_GetArrayItem(a, 1)->valuedouble,
		    exec_target(p, t));
		assert_int_equal((int64_t)cJSON_GetArrayItem(b, 1)->valuedouble,
		    p->algo->target(p, t));
		differ += exec_target(p, t) != p->algo->target(p, t);
	}
	/* Five minutes after a fall against the seller, ais-pass has sped
	 * up: the plan is not the base schedule, and it is ahead of it. */
	assert_true(differ >= 8);
	assert_int_equal(json_i64(pl, "since"), p->plan.t0);
	assert_int_equal(json_i64(pl, "end"), p->spec.end);
	assert_true(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(pl,
	    "urgency")));
	q = json_i64(pl, "half_qty");
	ht = json_i64(pl, "half_t");
	bht = json_i64(pl, "base_half_t");
	assert_int_equal(q, p->algo->target(p, now) + (p->spec.qty -
	    p->algo->target(p, now) + 1) / 2);
	assert_true(exec_target(p, ht) >= q && exec_target(p, ht - NS) < q);
	assert_true(p->algo->target(p, bht) >= q &&
	    p->algo->target(p, bht - NS) < q);
	assert_true(ht < bht - 60 * NS);
	cJSON_Delete(o);

	/* Cancelled, nothing is left to plan. */
	char err[160];

	assert_int_equal(exec_cancel(x, 1, err, sizeof err), 0);
	o = exec_block_json(x, p);
	assert_null(cJSON_GetObjectItemCaseSensitive(o, "plan"));
	cJSON_Delete(o);
	cJSON_Delete(d.all);
	exec_free(x);
	market_free(m);
}

/* A block whose algorithm never re-plans publishes no plan. */
static void
twap_block_has_no_plan(void **state)
{
	struct market *m;
	struct exec *x;
	struct decs d;
	cJSON *o;

	(void)state;
	session("twap", JUMP_AT + 60 * NS, &m, &x, &d);
	o = exec_block_json(x, exec_get(x, 0));
	assert_null(cJSON_GetObjectItemCaseSensitive(o, "plan"));
	cJSON_Delete(o);
	for (int i = 0; i < cJSON_GetArraySize(d.all); i++)
		assert_null(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(
		    d.all, i), "plan_after"));
	cJSON_Delete(d.all);
	exec_free(x);
	market_free(m);
}

/* The event rule's decision: why (its trigger values, in words and in
 * "rule"), then what changed ("re-plan: ... instead of ..., +N now",
 * N its lump, the same numbers as plan_before and plan_after), then
 * what the tactic did. */
static void
event_decision_says_why_and_what_changed(void **state)
{
	struct market *m;
	struct exec *x;
	struct decs d;
	const cJSON *dec, *pb, *pa, *rule;
	const char *why, *rp, *tail;
	char want[64], lump[32];
	int64_t l;

	(void)state;
	session("event", JUMP_AT + 120 * NS, &m, &x, &d);
	dec = first_event_decision(&d);
	why = cJSON_GetObjectItem(dec, "reason")->valuestring;
	print_message("%s\n", why);
	rule = cJSON_GetObjectItemCaseSensitive(dec, "rule");
	assert_true(cJSON_IsObject(rule));
	assert_true(json_i64(rule, "k") == 3);
	assert_true(cJSON_GetObjectItem(rule, "move")->valuedouble <= -3);
	assert_true(cJSON_GetObjectItem(rule, "flow")->valuedouble <= -0.5);
	assert_non_null(strstr(why, "(trigger 3.0)"));
	assert_non_null(strstr(why, "(trigger 0.50)"));
	pb = cJSON_GetObjectItemCaseSensitive(dec, "plan_before");
	pa = cJSON_GetObjectItemCaseSensitive(dec, "plan_after");
	assert_true(cJSON_IsObject(pb) && cJSON_IsObject(pa));
	assert_string_equal(cJSON_GetObjectItem(pb, "kind")->valuestring,
	    "base");
	assert_string_equal(cJSON_GetObjectItem(pa, "kind")->valuestring, "own");
	l = json_i64(cJSON_GetObjectItem(dec, "plan"), "lump");
	assert_true(l > 0);
	assert_int_equal(json_i64(pa, "due") - json_i64(pb, "due"), l);
	assert_int_equal(json_i64(pa, "lump"), l);
	assert_int_equal(json_i64(pa, "half_qty"), json_i64(pb, "half_qty"));
	assert_true(json_i64(pa, "half_t") < json_i64(pb, "half_t"));
	/* Why, then what changed, then the tactic. */
	rp = strstr(why, "; re-plan: half the rest (");
	assert_non_null(rp);
	assert_non_null(strstr(rp, " instead of "));
	assert_non_null(strstr(rp, "(the event schedule -> the event shape, "
	    "rescaled)"));
	snprintf(lump, sizeof lump, "%lld", (long long)l);
	/* The lump with its thousands separator: "+92,813 now". */
	snprintf(want, sizeof want, ", +%.*s,%s now; ",
	    (int)strlen(lump) - 3, lump, lump + strlen(lump) - 3);
	tail = strstr(rp, want);
	assert_non_null(tail);
	assert_true(strlen(tail) > strlen(want));
	cJSON_Delete(d.all);
	exec_free(x);
	market_free(m);
}

/* ais-pass re-plans at every decision: each says why (the move in sigmas
 * and the adapt factor, as "rule" too), then "re-plan" or "plan kept",
 * then the tactic; after the fall against the seller, a re-plan brings
 * the half-way time forward. */
static void
ais_decisions_say_why_and_what_changed(void **state)
{
	struct market *m;
	struct exec *x;
	struct decs d;
	int replans = 0, sooner = 0, n = 0;

	(void)state;
	session("ais-pass", JUMP_AT + 600 * NS, &m, &x, &d);
	for (int i = 0; i < cJSON_GetArraySize(d.all); i++) {
		const cJSON *c = cJSON_GetArrayItem(d.all, i);
		const char *why = cJSON_GetObjectItem(c, "reason")->valuestring;
		const cJSON *pb = cJSON_GetObjectItem(c, "plan_before");
		const cJSON *pa = cJSON_GetObjectItem(c, "plan_after");
		const char *rp = strstr(why, "; re-plan: ");
		const char *kept = strstr(why, "; plan kept: ");

		if (strncmp(why, "ais-pass: price ", 16) != 0)
			continue;
		n++;
		assert_non_null(strstr(why, "adapt 1.00"));
		assert_true(cJSON_IsObject(cJSON_GetObjectItem(c, "rule")));
		assert_true(cJSON_IsObject(pb) && cJSON_IsObject(pa));
		assert_true((rp != NULL) != (kept != NULL));
		/* Something follows: the tactic's own reason. */
		assert_non_null(strstr(rp != NULL ? rp + 2 : kept + 2, "; "));
		if (rp != NULL) {
			replans++;
			assert_non_null(strstr(rp, "(urgency "));
			assert_non_null(strstr(rp, " -> "));
			sooner += json_i64(pa, "half_t") <
			    json_i64(pb, "half_t") - 60 * NS;
		} else
			assert_int_equal(json_i64(pa, "half_t") / NS,
			    json_i64(pb, "half_t") / NS);
	}
	print_message("%d ais-pass decisions, %d re-planned, %d brought half "
	    "the rest a minute or more sooner\n", n, replans, sooner);
	assert_true(n >= 20);
	assert_true(replans >= n / 2);
	assert_true(sooner >= 1);
	cJSON_Delete(d.all);
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

/* exec_plan_describe, directly: TWAP's straight line, then urgency 3
 * (half the rest sooner), then the same plan again (kept), then a lump on
 * TWAP's shape ("+20,000 now"). */
static void
describe_before_after(void **state)
{
	struct parent p;
	struct exec_plan before;
	char err[160], buf[200];
	cJSON *extra = NULL;
	int64_t t0 = OPEN + 1200 * NS;

	(void)state;
	fake_block(&p);
	before = p.plan;
	assert_int_equal(exec_replan(&p, t0, 3.0 / (2400.0 * NS), 0, 0, err,
	    sizeof err), 0);
	assert_int_equal(exec_plan_describe(&p, &before, t0, buf, sizeof buf,
	    &extra), 1);
	/* TWAP has 33,333 due at 09:50 and half of the other 66,667 at
	 * 10:10:00 (to the second above); AC at urgency 3 much sooner. */
	assert_non_null(strstr(buf, "re-plan: half the rest (66,667) due by "
	    "09:5"));
	assert_non_null(strstr(buf, " instead of 10:10:0"));
	assert_non_null(strstr(buf, "(the twap schedule -> urgency 3.00)"));
	assert_null(strstr(buf, "now"));
	assert_non_null(cJSON_GetObjectItem(extra, "plan_before"));
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(extra,
	    "plan_after"), "kind")->valuestring, "ac");
	assert_true(fabs(cJSON_GetObjectItem(cJSON_GetObjectItem(extra,
	    "plan_after"), "urgency")->valuedouble - 3) < 1e-9);
	cJSON_Delete(extra);

	/* Re-made with the same urgency a minute on: the same curve. */
	before = p.plan;
	assert_int_equal(exec_replan(&p, t0 + 60 * NS, 3.0 / (2400.0 * NS), 0,
	    0, err, sizeof err), 0);
	assert_int_equal(exec_plan_describe(&p, &before, t0 + 60 * NS, buf,
	    sizeof buf, NULL), 0);
	assert_non_null(strstr(buf, "plan kept: half the rest ("));
	assert_non_null(strstr(buf, "(urgency 2.9"));

	before = p.plan;
	assert_int_equal(exec_replan(&p, t0 + 120 * NS, EXEC_PLAN_OWN, 20000, 0,
	    err, sizeof err), 0);
	assert_int_equal(exec_plan_describe(&p, &before, t0 + 120 * NS, buf,
	    sizeof buf, NULL), 1);
	assert_non_null(strstr(buf, "(urgency 2.85 -> the twap shape, "
	    "rescaled), +20,000 now"));
}

/* A lump the participation cap holds back: the re-plan says "+N now" (the
 * plan's), and the tactic's part says what it sends and that the cap holds
 * the rest, so nobody reads the plan's N as a child. */
static void
a_capped_lump_says_what_the_cap_holds(void **state)
{
	struct market *m;
	struct exec *x;
	struct decs d;
	const cJSON *dec;
	const char *why;
	char want[96];
	int64_t l, q;

	(void)state;
	session_cap("event", 10, JUMP_AT + 120 * NS, &m, &x, &d);
	dec = first_event_decision(&d);
	why = cJSON_GetObjectItem(dec, "reason")->valuestring;
	print_message("%s\n", why);
	l = json_i64(cJSON_GetObjectItem(dec, "plan"), "lump");
	q = json_i64(dec, "qty");
	assert_string_equal(cJSON_GetObjectItem(dec, "action")->valuestring,
	    "cross");
	/* The cap must bite for the test to mean anything. */
	assert_true(q > 0 && q < l);
	assert_non_null(strstr(why, " now; behind schedule by "));
	snprintf(want, sizeof want, "crossing %lld at most ", (long long)q);
	assert_non_null(strstr(why, want));
	snprintf(want, sizeof want, "; %lld of the %lld due: the participation "
	    "cap holds the rest", (long long)q, (long long)json_i64(dec, "sched_qty")
	    - json_i64(dec, "filled"));
	if (strstr(why, want) == NULL)
		fail_msg("\"%s\" does not say \"%s\"", why, want);
	/* The same in fields, for a reader whose line cuts the reason. */
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(dec,
	    "held"), "by")->valuestring, "participation");
	assert_int_equal(json_i64(cJSON_GetObjectItem(dec, "held"), "due"),
	    json_i64(dec, "sched_qty") - json_i64(dec, "filled"));
	cJSON_Delete(d.all);
	exec_free(x);
	market_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(block_plan_is_the_schedule_followed),
		cmocka_unit_test(twap_block_has_no_plan),
		cmocka_unit_test(event_decision_says_why_and_what_changed),
		cmocka_unit_test(ais_decisions_say_why_and_what_changed),
		cmocka_unit_test(describe_before_after),
		cmocka_unit_test(a_capped_lump_says_what_the_cap_holds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
