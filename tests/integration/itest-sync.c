/*
 * tests/integration/itest-sync.c -- what the engine says yes to is synced
 * before it says so (tranche-protocol(7): a command "is journaled and
 * synced before it is answered").  The engine runs with syncshim.so
 * preloaded, which counts every fdatasync and fsync it makes; a kill -9
 * keeps the page cache, so the crash tests cannot tell a sync from a
 * flush, and mutation testing (2026-12-07) turned every sync of the
 * journal into a flush with no test failing.
 *
 *   itest-sync TRANCHED SYNCSHIM.so [[-]TEST-PATTERN]
 */
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

#include "tests/integration/itest-filter.h"
#include "tests/integration/itest.h"

static const char *tranched, *shim;
static char counts[512];

/* The syncs the engine has made so far. */
static long
syncs(void)
{
	struct stat st;

	return stat(counts, &st) == 0 ? (long)st.st_size : 0;
}

static void
expect_synced(struct itest_engine *e, const char *json)
{
	long before = syncs(), after;
	cJSON *r = itest_cmd(e, json);

	if (r == NULL || !itest_ok(r))
		fail_msg("%s: %s", json, r ? itest_err(r) : "no answer");
	after = syncs();
	fprintf(stderr, "sync: %s: %ld syncs before its answer\n", json,
	    after - before);
	if (after <= before)
		fail_msg("%s was answered with no sync since it was sent", json);
	cJSON_Delete(r);
}

/*
 * With the block paused (no fills, which are synced as well) and the
 * engine's own syncs of its start behind it: every change a supervisor
 * makes is answered only after a sync, a new block's acknowledgement too.
 */
static void
changes_are_synced_before_they_are_answered(void **state)
{
	struct itest_engine e;
	const char *asan = getenv("ASAN_OPTIONS");
	char aopt[512];
	long was;
	cJSON *r;

	(void)state;
	snprintf(counts, sizeof counts, "/tmp/itest-sync-%d.count",
	    (int)getpid());
	unlink(counts);
	/* The shim comes before the sanitizer's runtime: said to it. */
	snprintf(aopt, sizeof aopt, "%s%sverify_asan_link_order=0",
	    asan ? asan : "", asan && asan[0] ? ":" : "");
	setenv("ASAN_OPTIONS", aopt, 1);
	setenv("SYNCSHIM_OUT", counts, 1);
	setenv("LD_PRELOAD", shim, 1);
	assert_int_equal(itest_start(&e, tranched, "--speed=60", NULL), 0);
	unsetenv("LD_PRELOAD");
	unsetenv("SYNCSHIM_OUT");
	if (asan != NULL)
		setenv("ASAN_OPTIONS", asan, 1);
	else
		unsetenv("ASAN_OPTIONS");
	/* The shim is there: the engine synced its journal's start. */
	if (syncs() == 0)
		fail_msg("no sync counted: is %s preloaded?", shim);
	expect_synced(&e, "{\"cmd\":\"pause\",\"reason\":\"sync test\"}");
	/* Until the fills of children that were working are done. */
	do {
		was = syncs();
		usleep(500 * 1000);
	} while (syncs() != was);
	expect_synced(&e, "{\"cmd\":\"throttle\",\"pct\":20,\"reason\":"
	    "\"sync test\"}");
	expect_synced(&e, "{\"cmd\":\"speed\",\"speed\":10,\"reason\":"
	    "\"sync test\"}");
	expect_synced(&e, "{\"cmd\":\"kill\",\"reason\":\"sync test\"}");
	expect_synced(&e, "{\"cmd\":\"release\",\"reason\":\"sync test\"}");
	expect_synced(&e, "{\"cmd\":\"submit\",\"sym\":\"QDI\",\"side\":\"buy\","
	    "\"qty\":1000,\"duration_s\":600,\"reason\":\"sync test\"}");
	/* A read changes nothing and needs none. */
	r = itest_cmd(&e, "{\"cmd\":\"status\"}");
	assert_true(itest_ok(r));
	cJSON_Delete(r);
	assert_int_equal(itest_stop(&e), 0);
	unlink(counts);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(changes_are_synced_before_they_are_answered),
	};

	if (argc < 3) {
		fprintf(stderr, "usage: itest-sync TRANCHED SYNCSHIM.so "
		    "[[-]TEST-PATTERN]\n");
		return 2;
	}
	tranched = argv[1];
	shim = argv[2];
	itest_filter(argc > 3 ? argv[3] : NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
