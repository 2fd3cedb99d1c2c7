/*
 * tests/unit/test-exec-control.c -- what a trader or supervisor can do to a
 * working block, run in-process against the simulated market: the kill
 * switch halts and cancels and release puts things back, and stays on
 * from kill to release whatever happens to the blocks; an aggression cap
 * of passive never crosses, not even at the end of the window, and says so;
 * a forced aggressive style crosses while it lasts; the maximum child
 * bounds every child, the end-of-window clean-up's too; a throttle of
 * every block leaves the ended ones alone; a block worth more than its
 * accounts hold is refused; a block paused at
 * its end never sweeps; a switch of algorithm takes the new schedule; the
 * alerts say what happened with the numbers; a manual child passes the
 * risk checks or is refused naming the limit; a new limit price cancels
 * children through it; an unknown algorithm is refused with the list of
 * every registered one.
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
#include "engine/exec/scenario.h"

#define NS 1000000000LL
#define OPEN (34200LL * NS)

struct seen {
	int children;        /* children sent */
	int crosses;         /* of which crossing */
	int64_t max_qty;     /* largest child */
	int64_t aggressive_fills;
	char unfilled[300];   /* the last "unfilled" alert's text */
	struct {
		char code[16];
		char text[300];
	} alert[64];          /* the first 64 alerts */
	int nalerts;
};

/* The first alert with code, or NULL; *n (if given) how many there were. */
static const char *
seen_alert(const struct seen *s, const char *code, int *n)
{
	const char *first = NULL;
	int k = 0;

	for (int i = 0; i < s->nalerts && i < 64; i++)
		if (strcmp(s->alert[i].code, code) == 0) {
			if (first == NULL)
				first = s->alert[i].text;
			k++;
		}
	if (n != NULL)
		*n = k;
	return first;
}

static void
seen_emit(void *arg, const char *topic, cJSON *o)
{
	struct seen *s = arg;

	if (strcmp(topic, "child") == 0 && cJSON_GetObjectItem(o, "reason") &&
	    strcmp(cJSON_GetObjectItem(o, "status")->valuestring, "cancelled") != 0) {
		int64_t q = (int64_t)cJSON_GetObjectItem(o, "qty")->valuedouble;

		s->children++;
		if (strcmp(cJSON_GetObjectItem(o, "style")->valuestring, "cross") == 0)
			s->crosses++;
		if (q > s->max_qty)
			s->max_qty = q;
	} else if (strcmp(topic, "alert") == 0) {
		const char *code = cJSON_GetObjectItem(o, "code")->valuestring;
		const char *text = cJSON_GetObjectItem(o, "text")->valuestring;

		if (strcmp(code, "unfilled") == 0)
			snprintf(s->unfilled, sizeof s->unfilled, "%s", text);
		if (s->nalerts < 64) {
			snprintf(s->alert[s->nalerts].code,
			    sizeof s->alert[s->nalerts].code, "%s", code);
			snprintf(s->alert[s->nalerts].text,
			    sizeof s->alert[s->nalerts].text, "%s", text);
		}
		s->nalerts++;
	} else if (strcmp(topic, "fill") == 0 &&
	    strcmp(cJSON_GetObjectItem(o, "liq")->valuestring, "aggressive") == 0)
		s->aggressive_fills += (int64_t)cJSON_GetObjectItem(o, "qty")->valuedouble;
}

/* A sell of qty QDI with algo over a window of secs seconds from the
 * open, decided every minute, clean-up on. */
static void
session_of(struct market **m, struct exec **x, struct seen *s,
           const char *algo, int64_t qty, int64_t secs)
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
	snprintf(ps.algo, sizeof ps.algo, "%s", algo);
	ps.side = BOOK_ASK;
	ps.qty = qty;
	ps.start = OPEN;
	ps.end = OPEN + secs * NS;
	ps.interval = 60 * NS;
	ps.lot = 100;
	ps.max_pov = 100;
	ps.cleanup = 1;
	assert_int_equal(exec_submit(*x, &ps, NULL, err, sizeof err), 0);
}

static void
session(struct market **m, struct exec **x, struct seen *s)
{
	session_of(m, x, s, "twap", 500000, 3 * 3600);
}

static void
kill_halts_everything_and_release_restores(void **state)
{
	struct market *m;
	struct exec *x;
	struct seen s;
	char err[256];
	struct parent *p;
	int64_t filled;

	session(&m, &x, &s);
	exec_tick(x, OPEN + 600 * NS);
	p = exec_get(x, 0);
	assert_int_equal(exec_kill(x, err, sizeof err), 0);
	assert_int_equal(p->state, PARENT_HALTED);
	assert_int_equal(p->working, 0);
	filled = p->filled;
	int sent = s.children;
	exec_tick(x, OPEN + 1800 * NS);
	assert_int_equal(s.children, sent);
	assert_int_equal(p->filled, filled);
	/* Killing twice says why it cannot. */
	assert_int_equal(exec_kill(x, err, sizeof err), -1);
	assert_non_null(strstr(err, "already on"));
	assert_true(exec_killed(x));
	assert_int_equal(exec_release(x, err, sizeof err), 0);
	assert_false(exec_killed(x));
	assert_int_equal(p->state, PARENT_WORKING);
	exec_tick(x, OPEN + 3 * 3600 * NS + NS);
	assert_int_equal(p->filled, 500000);
	assert_int_equal(exec_release(x, err, sizeof err), -1);
	assert_non_null(strstr(err, "the kill switch is off"));
	exec_free(x);
	market_free(m);
}

/* The kill switch is a latch: cancelling every halted block does not end
 * it (a trader's cancel did, and with it every refusal the switch makes:
 * found by an independent probe), and it goes on with nothing working. */
static void
kill_switch_stays_on_until_release(void **state)
{
	struct market *m;
	struct exec *x;
	struct seen s;
	char err[256];
	struct parent *p;

	(void)state;
	session(&m, &x, &s);
	exec_tick(x, OPEN + 600 * NS);
	p = exec_get(x, 0);
	assert_int_equal(exec_kill(x, err, sizeof err), 0);
	assert_int_equal(exec_cancel(x, p->id, err, sizeof err), 0);
	assert_int_equal(p->state, PARENT_CANCELLED);
	assert_true(exec_killed(x));
	/* Nothing left to halt, and on already. */
	assert_int_equal(exec_kill(x, err, sizeof err), -1);
	assert_non_null(strstr(err, "already on"));
	assert_true(exec_killed(x));
	/* The release ends it with no block to put back. */
	assert_int_equal(exec_release(x, err, sizeof err), 0);
	assert_false(exec_killed(x));
	/* Nothing working: kill turns it on all the same, and says so. */
	int before = s.nalerts;
	assert_int_equal(exec_kill(x, err, sizeof err), 0);
	assert_true(exec_killed(x));
	assert_true(s.nalerts > before && s.nalerts <= 64);
	assert_non_null(strstr(s.alert[s.nalerts - 1].text,
	    "kill switch on: no block was working"));
	assert_int_equal(exec_release(x, err, sizeof err), 0);
	exec_free(x);
	market_free(m);
}

static void
passive_cap_never_crosses(void **state)
{
	struct market *m;
	struct exec *x;
	struct seen s;
	char err[256];
	struct exec_limits l = { .pct = 0, .max_child = 0,
	    .aggression = AGGR_PASSIVE };
	char want[160];

	session(&m, &x, &s);
	assert_int_equal(exec_limit(x, 0, &l, err, sizeof err), 0);
	exec_tick(x, OPEN + 3 * 3600 * NS + NS);
	assert_int_equal(s.crosses, 0);
	assert_int_equal(s.aggressive_fills, 0);
	/* Passive can still finish: the posted slices grow as it falls
	 * behind, and buyers take them. */
	assert_int_equal(exec_get(x, 0)->state, PARENT_DONE);
	assert_true(exec_get(x, 0)->passive_filled == exec_get(x, 0)->filled);
	exec_free(x);
	market_free(m);

	/* Too much for ten minutes of passive posting: the window ends with a
	 * rest, the clean-up does not cross it, and the unfilled alert says
	 * why. */
	session_of(&m, &x, &s, "twap", 200000, 600);
	assert_int_equal(exec_limit(x, 0, &l, err, sizeof err), 0);
	exec_tick(x, OPEN + 600 * NS + NS);
	assert_int_equal(s.crosses, 0);
	assert_int_equal(exec_get(x, 0)->state, PARENT_EXPIRED);
	assert_true(exec_get(x, 0)->filled < 200000);
	snprintf(want, sizeof want, "%lld of 200000 shares unfilled: nothing "
	    "crossed, the aggression is passive",
	    (long long)(200000 - exec_get(x, 0)->filled));
	assert_non_null(strstr(s.unfilled, want));
	exec_free(x);
	market_free(m);
}

static void
forced_aggressive_crosses_while_it_lasts(void **state)
{
	struct market *m;
	struct exec *x;
	struct seen s;
	char err[256];

	session(&m, &x, &s);
	exec_tick(x, OPEN + 300 * NS);
	int before = s.crosses;
	assert_int_equal(exec_force_style(x, 1, AGGR_AGGRESSIVE, 600 * NS, err,
	    sizeof err), 0);
	exec_tick(x, OPEN + 900 * NS);
	/* Ten decisions in the ten minutes; the first may find the slice
	 * already working at the touch and hold. */
	assert_true(s.crosses >= before + 8);
	assert_int_equal(exec_force_style(x, 1, 7, NS, err, sizeof err), -1);
	assert_int_equal(exec_force_style(x, 1, AGGR_PASSIVE, 0, err, sizeof err),
	    -1);
	assert_non_null(strstr(err, "must be > 0"));
	exec_free(x);
	market_free(m);
}

static double
num(const cJSON *o, const char *name)
{
	const cJSON *f = cJSON_GetObjectItemCaseSensitive(o, name);

	assert_true(cJSON_IsNumber(f));
	return f->valuedouble;
}

/*
 * The block payload carries the shortfall's decomposition: while working,
 * spread + temporary + timing is the shortfall of the filled part (is_cash)
 * to the cent, and the opportunity cost values the rest at the mid now;
 * finished, there is nothing left to value.  The parts are the TCA's own
 * (tca_sums_report on the same sums).
 */
static void
block_payload_decomposes_the_shortfall(void **state)
{
	struct market *m;
	struct exec *x;
	struct seen s;
	struct parent *p;
	struct tca_report r;
	cJSON *o;
	double parts, mid;

	session(&m, &x, &s);
	exec_tick(x, OPEN + 1800 * NS);
	p = exec_get(x, 0);
	assert_true(p->filled > 0 && p->filled < p->spec.qty);
	o = exec_block_json(x, p);
	parts = num(o, "is_spread") + num(o, "is_temp") + num(o, "is_timing");
	assert_true(fabs(parts - num(o, "is_cash")) < 0.03);
	assert_true(num(o, "is_spread") != 0);
	mid = market_mid(m);
	assert_int_equal(tca_sums_report(&p->tca, p->spec.side, p->spec.qty,
	    p->arrival, mid, m->tick, &r), 0);
	assert_true(fabs(num(o, "is_opp") - round(r.opp_usd * 100) / 100) < 0.006);
	/* A sell: the opportunity cost is the rest times how far the mid
	 * fell below arrival. */
	assert_true(fabs(r.opp_usd - (double)(p->spec.qty - p->filled) *
	    (p->arrival - mid) * m->tick) < 0.01);
	cJSON_Delete(o);
	exec_tick(x, OPEN + 3 * 3600 * NS + NS);
	assert_int_equal(p->state, PARENT_DONE);
	o = exec_block_json(x, p);
	assert_true(num(o, "is_opp") == 0);
	{
		/* Its participation is over its window: an hour of the
		 * market's trading after the end changes neither (before:
		 * pov 21.1% at 12:48, 10.97% at 16:00 for one block). */
		double pov = num(o, "pov"), vol = num(o, "mkt_vol");

		cJSON_Delete(o);
		exec_tick(x, OPEN + 4 * 3600 * NS);
		o = exec_block_json(x, p);
		assert_true(num(o, "pov") == pov);
		assert_true(num(o, "mkt_vol") == vol);
	}
	cJSON_Delete(o);
	exec_free(x);
	market_free(m);
}

/*
 * A throttle of every block leaves the blocks that have ended alone: a
 * cancelled block kept its cap and largest child as it traded (they were
 * rewritten: found by a review), while a working one takes them.
 */
static void
throttle_of_every_block_leaves_ended_ones(void **state)
{
	struct market *m;
	struct exec *x;
	struct seen s;
	char err[256];
	struct exec_limits l = { .pct = 33, .max_child = 77, .aggression = -1 };
	struct parent_spec ps;
	struct parent *a, *b;

	(void)state;
	session(&m, &x, &s);
	ps = exec_get(x, 0)->spec;
	ps.qty = 20000;
	assert_int_equal(exec_submit(x, &ps, NULL, err, sizeof err), 0);
	exec_tick(x, OPEN + 120 * NS);
	assert_int_equal(exec_cancel(x, 1, err, sizeof err), 0);
	assert_int_equal(exec_limit(x, 0, &l, err, sizeof err), 0);
	a = exec_find(x, 1);
	b = exec_find(x, 2);
	assert_int_equal(a->state, PARENT_CANCELLED);
	assert_true(a->spec.max_pov == 100);
	assert_int_equal(a->max_child, 0);
	assert_true(b->spec.max_pov == 33);
	assert_int_equal(b->max_child, 77);
	exec_free(x);
	market_free(m);
}

/*
 * A block worth more than its 64-bit accounts can hold at the market's
 * price is refused at submit, naming qty and the price: a $1e6 price in
 * millionths and a billion shares, each within its range, overflowed the
 * cash (found by a review).  One at the bound is taken.
 */
static void
block_worth_past_the_accounts_is_refused(void **state)
{
	struct sim_params sp;
	struct market *m;
	struct exec *x;
	struct parent_spec ps = { 0 };
	char err[256];

	(void)state;
	sim_params_default(&sp);
	sp.px0 = 1000000000000LL;
	sp.mm_size = 100000000;
	assert_int_equal(market_sim_new(&m, &sp, 11, OPEN - 300 * NS), 0);
	market_advance(m, OPEN - 1);
	assert_int_equal(exec_new(&x, m, NULL), 0);
	strcpy(ps.sym, "QDI");
	strcpy(ps.algo, "twap");
	ps.side = BOOK_ASK;
	ps.qty = 1000000000;
	ps.start = OPEN;
	ps.end = OPEN + 600 * NS;
	ps.interval = 60 * NS;
	ps.lot = 100;
	ps.max_pov = 100;
	assert_int_equal(exec_submit(x, &ps, NULL, err, sizeof err), -1);
	assert_non_null(strstr(err, "qty 1000000000: at "));
	assert_non_null(strstr(err, "accounts hold"));
	assert_int_equal(exec_count(x), 0);
	ps.qty = 50000;
	assert_int_equal(exec_submit(x, &ps, NULL, err, sizeof err), 0);
	/* Nor can an amend raise it there (it could: found by a review). */
	{
		const char *field = NULL;
		struct exec_amend am = { .qty = 10000000, .limit_px = -1 };

		assert_int_equal(exec_amend(x, 1, &am, &field, err, sizeof err),
		    -1);
		assert_non_null(field);
		assert_string_equal(field, "qty");
		assert_non_null(strstr(err, "accounts hold"));
		assert_int_equal(exec_get(x, 0)->spec.qty, 50000);
	}
	exec_free(x);
	market_free(m);
}

static void
max_child_bounds_every_child(void **state)
{
	struct market *m;
	struct exec *x;
	struct seen s;
	char err[256];
	struct exec_limits l = { .pct = 0, .max_child = 1500, .aggression = -1 };

	struct parent *p;
	char want[120];

	session(&m, &x, &s);
	assert_int_equal(exec_limit(x, 1, &l, err, sizeof err), 0);
	exec_tick(x, OPEN + 3600 * NS);
	assert_true(s.children > 10);
	assert_true(s.max_qty <= 1500);
	l.max_child = 0;
	l.aggression = -1;
	assert_int_equal(exec_limit(x, 1, &l, err, sizeof err), -1);
	assert_non_null(strstr(err, "nothing to change"));
	exec_free(x);
	market_free(m);

	/* To the end of the window, through the clean-up: 20,000 shares in
	 * half an hour with children of at most 500 leave a rest that the
	 * clean-up sends in children of 500, not as one child the risk check
	 * refuses.  (Before, it ended DONE with 17,500 unfilled.) */
	session_of(&m, &x, &s, "twap", 20000, 1800);
	l.max_child = 500;
	assert_int_equal(exec_limit(x, 1, &l, err, sizeof err), 0);
	p = exec_get(x, 0);
	exec_tick(x, OPEN + 1800 * NS - 1);
	assert_true(p->filled < 20000);
	exec_tick(x, OPEN + 1800 * NS + 60 * NS);
	assert_int_equal(p->state, PARENT_DONE);
	assert_true(s.max_qty <= 500);
	assert_int_equal(p->refused, 0);
	if (p->filled < 20000) {
		snprintf(want, sizeof want, "%lld of 20000 shares unfilled",
		    (long long)(20000 - p->filled));
		assert_non_null(strstr(s.unfilled, want));
	} else
		assert_string_equal(s.unfilled, "");
	assert_int_equal(p->filled, 20000);
	exec_free(x);
	market_free(m);

	/* A maximum child of one share as the window ends on 500,000 left
	 * (a probe: a million children in one simulated instant, the loop
	 * held for seconds, the journal tens of MB larger): the sweep sends
	 * at most EXEC_CLEANUP_CHILDREN, and the block expires saying why. */
	session_of(&m, &x, &s, "twap", 500000, 1800);
	p = exec_get(x, 0);
	l.max_child = 1;
	exec_tick(x, OPEN + 60 * NS);
	assert_int_equal(exec_limit(x, 1, &l, err, sizeof err), 0);
	s.children = 0;
	exec_tick(x, OPEN + 1800 * NS + 60 * NS);
	assert_int_equal(p->state, PARENT_EXPIRED);
	assert_true(s.children <= 200 + 60); /* the sweep and 29 slices */
	assert_non_null(strstr(s.unfilled, "the sweep stops after 200 children "
	    "of the maximum child (1 shares)"));
	exec_free(x);
	market_free(m);
}

/*
 * A block whose window ends while it is paused does not sweep: it ends
 * DONE with nothing crossed, the unfilled alert says why, and a resume
 * afterwards is refused instead of crossing the rest.  (Before, the block
 * stayed PAUSED past its end and a resume swept every share left in one
 * IOC.)
 */
static void
paused_block_at_its_end_never_sweeps(void **state)
{
	struct market *m;
	struct exec *x;
	struct seen s;
	char err[256], want[120];
	struct parent *p;
	int64_t filled;
	int sent;

	session_of(&m, &x, &s, "twap", 20000, 1800);
	p = exec_get(x, 0);
	exec_tick(x, OPEN + 600 * NS);
	assert_int_equal(exec_pause(x, 1, err, sizeof err), 0);
	filled = p->filled;
	assert_true(filled < 20000);
	sent = s.children;
	exec_tick(x, OPEN + 1800 * NS + 60 * NS);
	assert_int_equal(p->state, PARENT_EXPIRED);
	assert_int_equal(p->filled, filled);
	assert_int_equal(p->working, 0);
	snprintf(want, sizeof want, "%lld of 20000 shares unfilled",
	    (long long)(20000 - filled));
	assert_non_null(strstr(s.unfilled, want));
	assert_non_null(strstr(s.unfilled, "paused"));
	/* Nothing to resume, and nothing crosses later. */
	assert_int_equal(exec_resume(x, 1, err, sizeof err), -1);
	assert_non_null(strstr(err, "nothing paused"));
	exec_tick(x, OPEN + 1800 * NS + 600 * NS);
	assert_int_equal(p->filled, filled);
	assert_int_equal(s.children, sent);
	exec_free(x);
	market_free(m);
}

/*
 * A block switched from TWAP to AC takes AC's schedule: the shares
 * scheduled by a time (sched_qty, as a console shows it) are those of the
 * same block submitted as AC, which front-loads.  (Before, the switch
 * never called AC's start, so the schedule stayed TWAP's.)
 */
static void
switch_to_ac_takes_the_ac_schedule(void **state)
{
	struct market *m, *m2;
	struct exec *x, *x2;
	struct seen s, s2;
	char err[256];
	cJSON *o, *o2, *o3;
	double twap_sched;

	session_of(&m, &x, &s, "twap", 500000, 3 * 3600);
	session_of(&m2, &x2, &s2, "ac", 500000, 3 * 3600);
	exec_tick(x, OPEN + 600 * NS);
	exec_tick(x2, OPEN + 600 * NS);
	o3 = exec_block_json(x, exec_get(x, 0));
	assert_int_equal(exec_switch_algo(x, 1, "ac", err, sizeof err), 0);
	exec_tick(x, OPEN + 1200 * NS);
	exec_tick(x2, OPEN + 1200 * NS);
	o = exec_block_json(x, exec_get(x, 0));
	o2 = exec_block_json(x2, exec_get(x2, 0));
	assert_string_equal(cJSON_GetObjectItem(o, "algo")->valuestring, "ac");
	assert_int_equal((int64_t)num(o, "sched_qty"), (int64_t)num(o2,
	    "sched_qty"));
	/* TWAP's schedule at 20 minutes of 180 is a ninth; AC's is ahead. */
	twap_sched = 500000.0 * 1200 / (3 * 3600);
	assert_true(num(o, "sched_qty") > twap_sched + 1000);
	assert_true(num(o3, "sched_qty") <= 500000.0 * 600 / (3 * 3600) + 1);
	cJSON_Delete(o);
	cJSON_Delete(o2);
	cJSON_Delete(o3);
	exec_free(x);
	market_free(m);
	exec_free(x2);
	market_free(m2);
}

/*
 * The alerts besides behind-schedule and unfilled say what happened with
 * the numbers: a release names how many blocks came back; a block that
 * falls behind while halted is flagged once its decisions resume, with a
 * fill under nine tenths of the schedule; a block that fills says so with
 * its quantity; a child refused by the order-rate limit raises a risk
 * alert naming the limit.
 */
static void
alerts_say_what_happened(void **state)
{
	struct market *m;
	struct exec *x;
	struct seen s;
	char err[256], want[120];
	const char *a;
	long long f, sched;
	int n;
	struct exec_limits l = { .pct = 0, .max_child = 0, .aggression = -1 };

	/* Halted before its start, the block starts ten minutes late, and
	 * its first decision finds it a third of the window behind; capped
	 * at passive it cannot cross to catch up, so the alert is raised.
	 * Then the cap is lifted and it fills. */
	session_of(&m, &x, &s, "twap", 20000, 1800);
	l.aggression = AGGR_PASSIVE;
	assert_int_equal(exec_limit(x, 1, &l, err, sizeof err), 0);
	assert_int_equal(exec_kill(x, err, sizeof err), 0);
	exec_tick(x, OPEN + 600 * NS);
	assert_null(seen_alert(&s, "behind", NULL));
	assert_int_equal(exec_release(x, err, sizeof err), 0);
	a = seen_alert(&s, "release", &n);
	assert_int_equal(n, 1);
	assert_non_null(strstr(a, "1 block(s) back as they were"));
	exec_tick(x, OPEN + 600 * NS);
	a = seen_alert(&s, "behind", &n);
	assert_int_equal(n, 1);
	assert_int_equal(sscanf(a, "block 1 behind schedule: %lld filled of "
	    "%lld scheduled", &f, &sched), 2);
	assert_int_equal(f, 0);
	assert_int_equal(sched, 20000 * 600 / 1800);
	l.aggression = AGGR_NEUTRAL;
	assert_int_equal(exec_limit(x, 1, &l, err, sizeof err), 0);
	exec_tick(x, OPEN + 1800 * NS + NS);
	assert_int_equal(exec_get(x, 0)->state, PARENT_DONE);
	assert_int_equal(exec_get(x, 0)->filled, 20000);
	a = seen_alert(&s, "done", &n);
	assert_int_equal(n, 1);
	assert_string_equal(a, "block 1 complete: 20000 shares");
	assert_null(seen_alert(&s, "unfilled", NULL));
	exec_free(x);
	market_free(m);

	/* One child a minute at most: the tactic's cancel-and-repost and
	 * catch-up crosses sometimes want more; each refusal is counted and
	 * the alert names the limit and the count. */
	session_of(&m, &x, &s, "twap", 20000, 1800);
	exec_get(x, 0)->spec.max_rate = 1;
	exec_tick(x, OPEN + 1200 * NS);
	a = seen_alert(&s, "risk", &n);
	assert_non_null(a);
	snprintf(want, sizeof want, "order rate: 2 children in the last 60 s, "
	    "limit 1 per minute");
	assert_non_null(strstr(a, want));
	assert_true(n >= 1 && n <= exec_get(x, 0)->refused);
	exec_free(x);
	market_free(m);
}

static void
manual_child_checked_against_risk_limits(void **state)
{
	struct market *m;
	struct exec *x;
	struct seen s;
	char err[256];
	double mid;

	session(&m, &x, &s);
	exec_tick(x, OPEN + 120 * NS);
	mid = market_mid(m);
	/* Fat finger: 10% away from the mid. */
	assert_int_equal(exec_manual_child(x, 1, (int64_t)(mid * 0.9), 100, 0,
	    err, sizeof err), -1);
	assert_non_null(strstr(err, "collar"));
	assert_int_equal(exec_manual_child(x, 1, (int64_t)mid, 600000, 0, err,
	    sizeof err), -1);
	assert_non_null(strstr(err, "qty 600000"));
	assert_int_equal(exec_manual_child(x, 1, (int64_t)mid, 0, 0, err,
	    sizeof err), -1);
	assert_int_equal(exec_manual_child(x, 9, (int64_t)mid, 100, 0, err,
	    sizeof err), -1);
	assert_non_null(strstr(err, "no such block"));
	int before = s.children;
	assert_int_equal(exec_manual_child(x, 1, (int64_t)mid + 5, 1000, 0, err,
	    sizeof err), 0);
	assert_int_equal(s.children, before + 1);
	/* The collar's edges: 5.5% from the mid refused either way, 4.5%
	 * above it (a sell's passive price) taken; a collar 60% wider passed
	 * every test (found by mutation testing). */
	assert_int_equal(exec_manual_child(x, 1, (int64_t)ceil(mid * 1.055),
	    100, 0, err, sizeof err), -1);
	assert_non_null(strstr(err, "collar"));
	assert_int_equal(exec_manual_child(x, 1, (int64_t)floor(mid * 0.945),
	    100, 0, err, sizeof err), -1);
	assert_non_null(strstr(err, "collar"));
	assert_int_equal(exec_manual_child(x, 1, (int64_t)floor(mid * 1.045),
	    100, 0, err, sizeof err), 0);
	/* The block's maximum child, to the share: one over refused naming
	 * it, the maximum itself taken (one share over passed every test). */
	exec_get(x, 0)->max_child = 500;
	assert_int_equal(exec_manual_child(x, 1, (int64_t)mid + 5, 501, 0, err,
	    sizeof err), -1);
	assert_non_null(strstr(err, "qty 501: over the maximum child of 500"));
	assert_int_equal(exec_manual_child(x, 1, (int64_t)mid + 5, 500, 0, err,
	    sizeof err), 0);
	exec_free(x);
	market_free(m);
}

static void
new_limit_cancels_children_through_it(void **state)
{
	struct market *m;
	struct exec *x;
	struct seen s;
	char err[256];
	struct parent *p;

	session(&m, &x, &s);
	exec_tick(x, OPEN);
	p = exec_get(x, 0);
	assert_true(p->working > 0);
	/* A sell limit far above every child's price. */
	assert_int_equal(exec_set_limit_px(x, 1, 20000, err, sizeof err), 0);
	assert_int_equal(p->working, 0);
	int64_t filled = p->filled;
	exec_tick(x, OPEN + 1800 * NS);
	assert_int_equal(p->filled, filled);
	assert_int_equal(exec_set_limit_px(x, 1, -1, err, sizeof err), -1);
	assert_int_equal(exec_set_limit_px(x, 1, 0, err, sizeof err), 0);
	exec_free(x);
	market_free(m);
}

/*
 * An unknown algorithm is refused, changes nothing, and the error lists
 * every registered algorithm (the registry, not a copy that drifts): when
 * a block is submitted, when a trader switches a block to it, and when a
 * scenario's order names it.
 */
static void
unknown_algo_lists_every_registered_algorithm(void **state)
{
	struct market *m;
	struct exec *x;
	struct seen s;
	struct parent_spec ps;
	struct parent *p;
	struct scenario sc;
	const char *sets[] = { "orders.0.algo=nosuch" };
	char err[512];

	session(&m, &x, &s);
	p = exec_get(x, 0);
	ps = p->spec;
	strcpy(ps.algo, "nosuch");
	assert_int_equal(exec_submit(x, &ps, NULL, err, sizeof err), -1);
	assert_non_null(strstr(err, "algo \"nosuch\": unknown (known: "));
	for (size_t i = 0; i < algo_count; i++)
		assert_non_null(strstr(err, algo_all[i]->name));
	assert_int_equal(exec_count(x), 1);
	assert_int_equal(exec_switch_algo(x, p->id, "nosuch", err, sizeof err),
	    -1);
	assert_non_null(strstr(err, "algo \"nosuch\": unknown (known: "));
	for (size_t i = 0; i < algo_count; i++)
		assert_non_null(strstr(err, algo_all[i]->name));
	assert_string_equal(p->algo->name, "twap");
	exec_free(x);
	market_free(m);
	/* A scenario's order says the same. */
	assert_int_equal(scenario_load(&sc, "calm", sets, 1, err, sizeof err),
	    -1);
	assert_non_null(strstr(err, "orders.0.algo \"nosuch\": unknown (known: "));
	for (size_t i = 0; i < algo_count; i++)
		assert_non_null(strstr(err, algo_all[i]->name));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(kill_halts_everything_and_release_restores),
		cmocka_unit_test(kill_switch_stays_on_until_release),
		cmocka_unit_test(passive_cap_never_crosses),
		cmocka_unit_test(forced_aggressive_crosses_while_it_lasts),
		cmocka_unit_test(max_child_bounds_every_child),
		cmocka_unit_test(throttle_of_every_block_leaves_ended_ones),
		cmocka_unit_test(block_worth_past_the_accounts_is_refused),
		cmocka_unit_test(block_payload_decomposes_the_shortfall),
		cmocka_unit_test(paused_block_at_its_end_never_sweeps),
		cmocka_unit_test(switch_to_ac_takes_the_ac_schedule),
		cmocka_unit_test(alerts_say_what_happened),
		cmocka_unit_test(manual_child_checked_against_risk_limits),
		cmocka_unit_test(new_limit_cancels_children_through_it),
		cmocka_unit_test(unknown_algo_lists_every_registered_algorithm),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
