/*
 * tests/unit/test-exec-journal-halt.c -- exec_journal_halt(), the execution
 * layer's half of JOURNAL-HALTED, run in-process against the simulated
 * market.
 *
 * journal_halt_sends_nothing_and_keeps_children: a halted block is
 *   JOURNAL-HALTED, keeps its working children (nothing is cancelled, which
 *   would be an order the journal cannot hold), and makes no decision even
 *   if the clock is moved; a paused block comes back paused, a finished one
 *   is left alone.
 * journal_halt_and_resume_at_one_time_changes_nothing: a session halted and
 *   resumed at the same simulated time (the daemon stops its clock while
 *   halted) has exactly the fills of the session that never halted, which
 *   is what lets a restart re-simulate a resumed session.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine/exec/exec.h"

#define NS 1000000000LL
#define OPEN (34200LL * NS)

struct seen {
	int children;       /* children sent (status "new") */
	int cancels;
	int64_t fills;      /* sum of fill qty x px, a fingerprint */
	int nfills;
};

static void
seen_emit(void *arg, const char *topic, cJSON *o)
{
	struct seen *s = arg;

	if (strcmp(topic, "child") == 0) {
		const char *st = cJSON_GetObjectItem(o, "status")->valuestring;

		if (strcmp(st, "cancelled") == 0)
			s->cancels++;
		else if (strcmp(st, "new") == 0)
			s->children++;
	} else if (strcmp(topic, "fill") == 0) {
		s->nfills++;
		s->fills += (int64_t)cJSON_GetObjectItem(o, "qty")->valuedouble *
		    (int64_t)cJSON_GetObjectItem(o, "px")->valuedouble;
	}
}

static void
session(struct market **m, struct exec **x, struct seen *s, int blocks)
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
	ps.qty = 500000;
	ps.start = OPEN;
	ps.end = OPEN + 3 * 3600 * NS;
	ps.interval = 60 * NS;
	ps.lot = 100;
	ps.max_pov = 100;
	ps.cleanup = 1;
	for (int i = 0; i < blocks; i++)
		assert_int_equal(exec_submit(*x, &ps, NULL, err, sizeof err), 0);
}

static void
journal_halt_sends_nothing_and_keeps_children(void **state)
{
	struct market *m;
	struct exec *x;
	struct seen s;
	struct parent *a, *b;
	char err[256];
	int64_t working;
	int sent, cancels;

	(void)state;
	session(&m, &x, &s, 2);
	exec_tick(x, OPEN + 600 * NS);
	a = exec_get(x, 0);
	b = exec_get(x, 1);
	assert_int_equal(exec_pause(x, b->id, err, sizeof err), 0);
	assert_true(a->working > 0);
	working = a->working;
	sent = s.children;
	cancels = s.cancels;
	assert_int_equal(exec_journal_halt(x, 1), 2);
	assert_int_equal(a->state, PARENT_JOURNAL_HALTED);
	assert_int_equal(b->state, PARENT_JOURNAL_HALTED);
	assert_string_equal(exec_state_name(a->state), "JOURNAL-HALTED");
	/* Halting twice changes nothing more. */
	assert_int_equal(exec_journal_halt(x, 1), 0);
	/* Children stay; no decision is made even if time moves (resting
	 * children may fill then: the daemon keeps its clock still). */
	assert_int_equal(a->working, working);
	assert_int_equal(s.cancels, cancels);
	exec_tick(x, OPEN + 1800 * NS);
	assert_int_equal(s.children, sent);
	assert_int_equal(exec_journal_halt(x, 0), 2);
	assert_int_equal(a->state, PARENT_WORKING);
	assert_int_equal(b->state, PARENT_PAUSED);
	/* A finished block is not halted: b's window ended while it was
	 * paused, which finishes it too (EXPIRED: it ended unfilled). */
	exec_tick(x, OPEN + 3 * 3600 * NS + NS);
	assert_int_equal(a->state, PARENT_DONE);
	assert_int_equal(b->state, PARENT_EXPIRED);
	assert_int_equal(exec_journal_halt(x, 1), 0);
	assert_int_equal(a->state, PARENT_DONE);
	assert_int_equal(b->state, PARENT_EXPIRED);
	exec_free(x);
	market_free(m);
}

static void
journal_halt_and_resume_at_one_time_changes_nothing(void **state)
{
	struct market *m1, *m2;
	struct exec *x1, *x2;
	struct seen s1, s2;

	(void)state;
	session(&m1, &x1, &s1, 1);
	session(&m2, &x2, &s2, 1);
	for (int64_t t = OPEN; t <= OPEN + 3 * 3600 * NS + NS; t += 7 * NS) {
		exec_tick(x1, t);
		exec_tick(x2, t);
		if ((t / NS) % 301 == 0) {
			assert_true(exec_journal_halt(x2, 1) <= 1);
			assert_true(exec_journal_halt(x2, 0) <= 1);
		}
	}
	assert_true(s1.nfills > 10);
	assert_int_equal(s2.nfills, s1.nfills);
	assert_true(s2.fills == s1.fills);
	assert_int_equal(exec_get(x2, 0)->filled, exec_get(x1, 0)->filled);
	exec_free(x1);
	exec_free(x2);
	market_free(m1);
	market_free(m2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(journal_halt_sends_nothing_and_keeps_children),
		cmocka_unit_test(journal_halt_and_resume_at_one_time_changes_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
