/*
 * tests/unit/test-server-cmds.c -- the command table (server-cmds.def) as
 * every mode reads it, through server_cmd_flags() and server_cmd_known().
 *
 * cmds_table_is_the_protocols_catalogue: every command of ipc/protocol.h
 *   has a row, the "known: ..." list names each once in the table's order,
 *   and a name that is none has no flags (-1);
 * cmds_flags_agree_with_each_other: what recovery re-applies, what may run
 *   while JOURNAL-HALTED and what needs a reason all change state; nothing
 *   a replay answers does; hello alone authenticates;
 * cmds_modes_as_before: the table gives the lists the modes kept by hand
 *   before it -- recovery's nine commands, replay's three, the halted
 *   allow-list's one -- so moving them into it changed no mode.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine/server/server-int.h"
#include "ipc/protocol.h"

static const char *const catalogue[] = {
	CMD_HELLO, CMD_STATUS, CMD_SNAPSHOT, CMD_PAUSE, CMD_RESUME,
	CMD_THROTTLE, CMD_CANCEL, CMD_SUBMIT, CMD_OVERRIDE, CMD_KILL,
	CMD_RELEASE, CMD_SPEED, CMD_ACK, CMD_ESTIMATE, CMD_JOURNAL_RESUME,
	CMD_VENUE, CMD_AMEND, CMD_FIX_STATUS, CMD_RFQ, CMD_RFQ_ACCEPT,
	CMD_RFQ_REJECT,
};
#define NCAT (sizeof catalogue / sizeof catalogue[0])

/* The names of the known list, split at ", ". */
static int
known_split(char *buf, const char **names, int max)
{
	int n = 0;

	for (char *p = strtok(buf, ","); p != NULL && n < max;
	    p = strtok(NULL, ","))
		names[n++] = p + (p[0] == ' ');
	return n;
}

static void
cmds_table_is_the_protocols_catalogue(void **state)
{
	char known[512];
	const char *names[32];
	int n;

	snprintf(known, sizeof known, "%s", server_cmd_known());
	n = known_split(known, names, 32);
	assert_int_equal(n, (int)NCAT);
	for (size_t i = 0; i < NCAT; i++) {
		int seen = 0;

		assert_true(server_cmd_flags(catalogue[i]) >= 0);
		for (int k = 0; k < n; k++)
			seen += strcmp(names[k], catalogue[i]) == 0;
		assert_int_equal(seen, 1);
	}
	assert_int_equal(server_cmd_flags("nosuch"), -1);
	assert_int_equal(server_cmd_flags(""), -1);
	assert_int_equal(server_cmd_flags(NULL), -1);
	/* The list is the table's order: hello first. */
	assert_string_equal(names[0], CMD_HELLO);
}

static void
cmds_flags_agree_with_each_other(void **state)
{
	int auth = 0;

	for (size_t i = 0; i < NCAT; i++) {
		int f = server_cmd_flags(catalogue[i]);

		if (f & (CMD_RECOVER | CMD_HALTED | CMD_REASON))
			assert_true(f & CMD_WRITE);
		if (f & CMD_REPLAY)
			assert_false(f & CMD_WRITE);
		if (f & CMD_AUTH) {
			auth++;
			assert_string_equal(catalogue[i], CMD_HELLO);
		}
	}
	assert_int_equal(auth, 1);
}

static void
cmds_modes_as_before(void **state)
{
	/* rec_replays(), replay's hello/status/snapshot, and the dispatcher's
	 * "fn != cmd_journal_resume", as they were written out by hand. */
	static const char *const recover[] = {
		CMD_SUBMIT, CMD_PAUSE, CMD_RESUME, CMD_THROTTLE, CMD_OVERRIDE,
		CMD_CANCEL, CMD_KILL, CMD_RELEASE, CMD_SPEED, CMD_VENUE,
		CMD_AMEND, CMD_RFQ, CMD_RFQ_ACCEPT, CMD_RFQ_REJECT,
	};
	static const char *const replay[] = {
		CMD_HELLO, CMD_STATUS, CMD_SNAPSHOT,
	};
	static const char *const reads[] = {
		CMD_HELLO, CMD_STATUS, CMD_SNAPSHOT, CMD_ESTIMATE, CMD_FIX_STATUS,
	};

	for (size_t i = 0; i < NCAT; i++) {
		const char *c = catalogue[i];
		int f = server_cmd_flags(c), want;

		want = 0;
		for (size_t k = 0; k < sizeof recover / sizeof recover[0]; k++)
			want |= strcmp(recover[k], c) == 0;
		if (want != !!(f & CMD_RECOVER))
			fail_msg("%s: CMD_RECOVER %d, was %d", c, !!(f & CMD_RECOVER),
			    want);
		want = 0;
		for (size_t k = 0; k < sizeof replay / sizeof replay[0]; k++)
			want |= strcmp(replay[k], c) == 0;
		if (want != !!(f & CMD_REPLAY))
			fail_msg("%s: CMD_REPLAY %d, was %d", c, !!(f & CMD_REPLAY),
			    want);
		want = 1;
		for (size_t k = 0; k < sizeof reads / sizeof reads[0]; k++)
			want &= strcmp(reads[k], c) != 0;
		if (want != !!(f & CMD_WRITE))
			fail_msg("%s: CMD_WRITE %d, was %d", c, !!(f & CMD_WRITE),
			    want);
		/* A reason is optional only for ack. */
		if ((f & CMD_WRITE) && !(f & CMD_REASON))
			assert_string_equal(c, CMD_ACK);
		if (f & CMD_HALTED)
			assert_string_equal(c, CMD_JOURNAL_RESUME);
	}
	assert_true(server_cmd_flags(CMD_JOURNAL_RESUME) & CMD_HALTED);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cmds_table_is_the_protocols_catalogue),
		cmocka_unit_test(cmds_flags_agree_with_each_other),
		cmocka_unit_test(cmds_modes_as_before),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
