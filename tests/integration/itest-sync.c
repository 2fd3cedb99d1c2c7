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

/* The syncs the engine has made so far, and the largest size of a file
 * it synced (its journal's, the largest file it syncs). */
static long
syncs(long long *largest)
{
	FILE *f = fopen(counts, "r");
	long long v;
	long n = 0;

	*largest = 0;
	if (f == NULL)
		return 0;
	while (fscanf(f, "%lld", &v) == 1) {
		n++;
		if (v > *largest)
			*largest = v;
	}
	fclose(f);
	return n;
}

/* The offset just past the last place needle is in the file at path, or
 * -1. */
static long long
last_end(const char *path, const char *needle)
{
	FILE *f = fopen(path, "rb");
	size_t n = strlen(needle), k = 0;
	long long at = -1, off = 0;
	int c;

	if (f == NULL)
		return -1;
	/* The needle has no repeated prefix ("id":"sync-N"): a plain
	 * scan finds every place. */
	while ((c = getc(f)) != EOF) {
		off++;
		if (c == needle[k]) {
			if (++k == n) {
				at = off;
				k = 0;
			}
		} else
			k = c == needle[0] ? 1 : 0;
	}
	fclose(f);
	return at;
}

/* The command (with "id":"ID" in it) is answered ok, and by then its
 * record in the journal was synced: the largest size synced reaches past
 * it.  Each sync takes 150 ms more here, so one made just after the
 * answer is not counted before the answer arrives. */
static void
expect_synced(struct itest_engine *e, const char *id, const char *json)
{
	long long before_size, size, end;
	long before = syncs(&before_size), after;
	char needle[64];
	cJSON *r = itest_cmd(e, json);

	if (r == NULL || !itest_ok(r))
		fail_msg("%s: %s", json, r ? itest_err(r) : "no answer");
	after = syncs(&size);
	snprintf(needle, sizeof needle, "\"id\":\"%s\"", id);
	end = last_end(e->journal, needle);
	fprintf(stderr, "sync: %s: %ld syncs before its answer; its record "
	    "ends at %lld, %lld bytes synced\n", json, after - before, end,
	    size);
	if (end < 0)
		fail_msg("%s: its record is not in the journal", json);
	if (after <= before || size < end)
		fail_msg("%s was answered before its record (to byte %lld) was "
		    "synced (%lld bytes)", json, end, size);
	cJSON_Delete(r);
}

/*
 * With the block paused (no fills, which are synced as well) and the
 * engine's own syncs of its start behind it: every change a supervisor
 * makes is answered only once its own record is synced, a new block's
 * acknowledgement too.  (A first version counted any sync, and passed an
 * engine that synced only what came before the command: found by a
 * review.)
 */
static void
changes_are_synced_before_they_are_answered(void **state)
{
	struct itest_engine e;
	const char *asan = getenv("ASAN_OPTIONS");
	char aopt[512];
	long long was;
	long n;

	(void)state;
	snprintf(counts, sizeof counts, "/tmp/itest-sync-%d.count",
	    (int)getpid());
	unlink(counts);
	/* The shim comes before the sanitizer's runtime: said to it. */
	snprintf(aopt, sizeof aopt, "%s%sverify_asan_link_order=0",
	    asan ? asan : "", asan && asan[0] ? ":" : "");
	setenv("ASAN_OPTIONS", aopt, 1);
	setenv("SYNCSHIM_OUT", counts, 1);
	setenv("SYNCSHIM_DELAY_MS", "150", 1);
	setenv("LD_PRELOAD", shim, 1);
	assert_int_equal(itest_start(&e, tranched, "--speed=60", NULL), 0);
	unsetenv("LD_PRELOAD");
	unsetenv("SYNCSHIM_OUT");
	unsetenv("SYNCSHIM_DELAY_MS");
	if (asan != NULL)
		setenv("ASAN_OPTIONS", asan, 1);
	else
		unsetenv("ASAN_OPTIONS");
	/* The shim is there: the engine synced its journal's start. */
	if (syncs(&was) == 0)
		fail_msg("no sync counted: is %s preloaded?", shim);
	expect_synced(&e, "s1", "{\"cmd\":\"pause\",\"id\":\"s1\",\"reason\":"
	    "\"sync test\"}");
	/* Until the fills of children that were working are done. */
	do {
		n = syncs(&was);
		usleep(500 * 1000);
	} while (syncs(&was) != n);
	expect_synced(&e, "s2", "{\"cmd\":\"throttle\",\"id\":\"s2\",\"pct\":"
	    "20,\"reason\":\"sync test\"}");
	expect_synced(&e, "s3", "{\"cmd\":\"speed\",\"id\":\"s3\",\"speed\":10,"
	    "\"reason\":\"sync test\"}");
	expect_synced(&e, "s4", "{\"cmd\":\"kill\",\"id\":\"s4\",\"reason\":"
	    "\"sync test\"}");
	expect_synced(&e, "s5", "{\"cmd\":\"release\",\"id\":\"s5\",\"reason\":"
	    "\"sync test\"}");
	expect_synced(&e, "s6", "{\"cmd\":\"submit\",\"id\":\"s6\",\"sym\":"
	    "\"QDI\",\"side\":\"buy\",\"qty\":1000,\"duration_s\":600,"
	    "\"reason\":\"sync test\"}");
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
