/*
 * tests/integration/syncshim.c -- preloaded into tranched by
 * integration/journal-sync (LD_PRELOAD): every fdatasync() and fsync()
 * the process makes is passed on, then counted as one byte appended to the
 * file $SYNCSHIM_OUT ('d' or 'f'), so that a test can tell a sync from a
 * write the page cache holds.  A kill -9 keeps the page cache: no crash
 * test can (mutation testing, 2026-12-07, turned every sync of the
 * journal into a flush and no test failed).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

static int out = -1;
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
}

static void
syncshim_note(char c)
{
	if (out >= 0 && write(out, &c, 1) != 1)
		abort();
}

int
fdatasync(int fd)
{
	int rc = real_fdatasync(fd);

	syncshim_note('d');
	return rc;
}

int
fsync(int fd)
{
	int rc = real_fsync(fd);

	syncshim_note('f');
	return rc;
}
