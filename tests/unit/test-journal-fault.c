/*
 * tests/unit/test-journal-fault.c -- a journal write that fails, through
 * the test-only TRANCHE_FAULT_JOURNAL_ENOSPC_AFTER budget.
 *
 * journal_enospc_is_sticky_and_keeps_errno: writes go through until the
 *   budget is spent; the write that does not fit puts down what fits and
 *   fails with ENOSPC, as a full disk does; jrnl_errno() says ENOSPC and
 *   every later append, flush and sync returns the same error.
 * journal_reopen_cuts_the_torn_write_and_has_a_new_budget: reopening cuts
 *   the torn tail the failed write left, keeps every whole record, and the
 *   reopened journal takes records again.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine/journal/journal.h"

static char path[256];

static int
setup(void **state)
{
	char dir[] = "/tmp/tranche-jfault-XXXXXX";

	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof path, "%s/j.trj", dir);
	return setenv("TRANCHE_FAULT_JOURNAL_ENOSPC_AFTER", "1000", 1);
}

static int
teardown(void **state)
{
	char *slash;

	(void)state;
	unsetenv("TRANCHE_FAULT_JOURNAL_ENOSPC_AFTER");
	unlink(path);
	if ((slash = strrchr(path, '/')) != NULL) {
		*slash = '\0';
		rmdir(path);
	}
	return 0;
}

/* Ten records of 90 bytes (90 + JRNL_REC_HDR with their frames): 8 fit
 * in 1000, and the ninth is torn part way (not on a record boundary, so
 * that the reopen has a tail to cut whatever the frame's size). */
#define REC_PAYLOAD 90
#define REC_BYTES (REC_PAYLOAD + JRNL_REC_HDR)

static void
append_ten(struct jrnl *j)
{
	char rec[REC_PAYLOAD];

	memset(rec, 'r', sizeof rec);
	for (int i = 0; i < 10; i++)
		assert_int_equal(jrnl_append(j, JRNL_EVENT, i, rec, sizeof rec),
		    0);
}

static void
journal_enospc_is_sticky_and_keeps_errno(void **state)
{
	struct jrnl *j;
	struct stat st;
	char rec[10] = "after";

	(void)state;
	assert_int_equal(jrnl_create(&j, path, "{}"), 0);
	assert_int_equal(jrnl_errno(j), 0);
	append_ten(j);
	assert_int_equal(jrnl_sync(j), JRNL_EIO);
	assert_int_equal(jrnl_errno(j), ENOSPC);
	errno = 0;
	assert_int_equal(jrnl_append(j, JRNL_EVENT, 11, rec, sizeof rec),
	    JRNL_EIO);
	assert_int_equal(jrnl_flush(j), JRNL_EIO);
	assert_int_equal(jrnl_sync(j), JRNL_EIO);
	assert_int_equal(jrnl_errno(j), ENOSPC);
	/* Header (JRNL_FILE_HDR + 2) plus exactly the budget. */
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, JRNL_FILE_HDR + 2 + 1000);
	jrnl_close(j);
}

static void
journal_reopen_cuts_the_torn_write_and_has_a_new_budget(void **state)
{
	struct jrnl_open_report rep;
	struct jrnl *j;
	char rec[10] = "after";

	(void)state;
	assert_int_equal(jrnl_open_append(&j, path, NULL, &rep), 0);
	assert_int_equal(rep.records, 8);
	assert_int_equal(rep.tail_error, JRNL_ETORN);
	assert_true(1000 % REC_BYTES != 0 && 1000 / REC_BYTES == 8);
	assert_int_equal(rep.cut_bytes, 1000 - 8 * REC_BYTES);
	assert_int_equal(jrnl_errno(j), 0);
	assert_int_equal(jrnl_append(j, JRNL_EVENT, 11, rec, sizeof rec), 0);
	assert_int_equal(jrnl_sync(j), 0);
	assert_int_equal(jrnl_records(j), 9);
	jrnl_close(j);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(journal_enospc_is_sticky_and_keeps_errno),
		cmocka_unit_test(
		    journal_reopen_cuts_the_torn_write_and_has_a_new_budget),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
