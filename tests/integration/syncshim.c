/*
 * tests/integration/syncshim.c -- preloaded into tranched by
 * integration/journal-sync (LD_PRELOAD): every fdatasync() and fsync()
 * the process makes is passed on, held $SYNCSHIM_DELAY_MS more, and then
 * written as a line to the file $SYNCSHIM_OUT: the size of the file it
 * synced.  So a test can tell a sync from a write the page cache holds,
 * and, the sync made slow, whether what it waits for was synced before
 * its answer came or only after.  A kill -9 keeps the page cache: no crash
 * test can (mutation testing, 2026-12-07, turned every sync of the
 * journal into a flush and no test failed).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static int out = -1, delay_ms;
static int (*real_fdatasync)(int);
static int (*real_fsync)(int);

__attribute__((constructor)) static void
syncshim_init(void)
{
	const char *path = getenv("SYNCSHIM_OUT");

	real_fdatasync = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
	real_fsync = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
	if (path != NULL)
		out = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (getenv("SYNCSHIM_DELAY_MS") != NULL)
		delay_ms = atoi(getenv("SYNCSHIM_DELAY_MS"));
}

/* One line, in one write (O_APPEND): the synced file's size. */
static void
syncshim_note(int fd)
{
	struct stat st;
	char line[32];
	int n;

	if (delay_ms > 0)
		usleep((useconds_t)delay_ms * 1000);
	if (out < 0)
		return;
	n = snprintf(line, sizeof line, "%lld\n", fstat(fd, &st) == 0 ?
	    (long long)st.st_size : -1LL);
	if (write(out, line, (size_t)n) != n)
		abort();
}

int
fdatasync(int fd)
{
	int rc = real_fdatasync(fd);

	syncshim_note(fd);
	return rc;
}

int
fsync(int fd)
{
	int rc = real_fsync(fd);

	syncshim_note(fd);
	return rc;
}
