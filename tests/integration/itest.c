/*
 * tests/integration/itest.c -- the engine harness behind itest.h.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ipc/protocol.h"
#include "tests/integration/itest.h"

extern char **environ;

long long
itest_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The engine dies with the test process: a failed assertion or a ctest
 * timeout must not leave a daemon running behind it. */
pid_t
itest_spawn(const char *path, char *const argv[])
{
	pid_t parent = getpid(), pid = fork();

	if (pid < 0) {
		fprintf(stderr, "itest: fork for %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (pid == 0) {
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
			_exit(127);
		execve(path, argv, environ);
		fprintf(stderr, "itest: exec %s: %s\n", path, strerror(errno));
		_exit(127);
	}
	return pid;
}

int
itest_start(struct itest_engine *e, const char *tranched, ...)
{
	char *argv[64];
	int argc = 0;
	va_list ap;
	const char *a;
	char listen[320], journal[320];

	memset(e, 0, sizeof *e);
	snprintf(e->dir, sizeof e->dir, "%s/tranche-itest-XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(e->dir) == NULL)
		return -1;
	snprintf(e->url, sizeof e->url, "ipc://%s/ctl", e->dir);
	snprintf(e->journal, sizeof e->journal, "%s/session.trj", e->dir);
	snprintf(listen, sizeof listen, "--listen=%s", e->url);
	snprintf(journal, sizeof journal, "--journal=%s", e->journal);
	argv[argc++] = (char *)tranched;
	argv[argc++] = listen;
	argv[argc++] = journal;
	va_start(ap, tranched);
	while ((a = va_arg(ap, const char *)) != NULL && argc < 62)
		argv[argc++] = (char *)a;
	va_end(ap);
	argv[argc] = NULL;
	if ((e->pid = itest_spawn(tranched, argv)) < 0) {
		e->pid = 0;
		return -1;
	}
	if (ipc_client_open(&e->c, e->url, NULL, "itest") != 0)
		return -1;
	/* The client dials in the background; hello until it answers. */
	for (long long t0 = itest_now_ms(); itest_now_ms() - t0 < 20000;) {
		cJSON *r = itest_cmd(e, "{\"cmd\":\"hello\",\"client\":\"itest\","
		    "\"role\":\"supervisor\",\"v\":3}");

		if (r != NULL) {
			int ok = itest_ok(r);

			cJSON_Delete(r);
			return ok ? 0 : -1;
		}
		if (waitpid(e->pid, NULL, WNOHANG) == e->pid) {
			fprintf(stderr, "itest: tranched exited before answering\n");
			e->pid = 0;
			return -1;
		}
	}
	fprintf(stderr, "itest: tranched did not answer hello in 20 s\n");
	return -1;
}

cJSON *
itest_cmd(struct itest_engine *e, const char *json)
{
	cJSON *req = cJSON_Parse(json), *rep = NULL;

	if (req == NULL)
		return NULL;
	if (ipc_client_request(e->c, req, &rep, 2000) != 0)
		rep = NULL;
	cJSON_Delete(req);
	return rep;
}

struct ipc_client *
itest_client_as(struct itest_engine *e, const char *role, const char *name)
{
	struct ipc_client *c;
	char hello[200], pipe[64];
	cJSON *rep;

	snprintf(pipe, sizeof pipe, "it-%s", role != NULL ? role : "client");
	if (ipc_client_open(&c, e->url, NULL, name != NULL ? name : pipe) != 0)
		return NULL;
	if (role == NULL)
		return c;
	snprintf(hello, sizeof hello, "{\"cmd\":\"hello\",\"client\":\"%s\","
	    "\"role\":\"%s\",\"v\":%d}", name != NULL ? name : pipe, role,
	    TRANCHE_PROTO_VERSION);
	rep = itest_cmd_on(c, hello);
	if (!itest_ok(rep)) {
		cJSON_Delete(rep);
		ipc_client_close(c);
		return NULL;
	}
	cJSON_Delete(rep);
	return c;
}

cJSON *
itest_cmd_on(struct ipc_client *c, const char *json)
{
	cJSON *req = cJSON_Parse(json), *rep = NULL;

	if (req == NULL)
		return NULL;
	if (ipc_client_request(c, req, &rep, 5000) != 0)
		rep = NULL;
	cJSON_Delete(req);
	return rep;
}

int
itest_ok(const cJSON *reply)
{
	return reply != NULL &&
	    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(reply, "ok"));
}

const char *
itest_err(const cJSON *reply)
{
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(reply, "error");
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(e, "code");

	return cJSON_IsString(c) ? c->valuestring : "";
}

const char *
itest_errmsg(const cJSON *reply)
{
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(reply, "error");
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(e, "message");

	return cJSON_IsString(m) ? m->valuestring : "";
}

const char *
itest_str(const cJSON *o, const char *name)
{
	const cJSON *f = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsString(f) ? f->valuestring : "";
}

static void
itest_rmdir(struct itest_engine *e)
{
	char cmd[400];

	if (getenv("TRANCHE_KEEP_TEST_DIRS") != NULL) {
		fprintf(stderr, "itest: kept %s\n", e->dir);
		return;
	}
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", e->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "itest: could not remove %s\n", e->dir);
}

int
itest_wait_exit(struct itest_engine *e, int timeout_ms)
{
	int st;

	for (long long t0 = itest_now_ms(); itest_now_ms() - t0 < timeout_ms;) {
		pid_t p = waitpid(e->pid, &st, WNOHANG);

		if (p == e->pid) {
			e->pid = 0;
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		}
		usleep(10000);
	}
	return -1;
}

void
itest_kill9(struct itest_engine *e)
{
	kill(e->pid, SIGKILL);
	waitpid(e->pid, NULL, 0);
	e->pid = 0;
	itest_stop(e);
}

int
itest_stop(struct itest_engine *e)
{
	int rv = 0;

	if (e->pid > 0) {
		kill(e->pid, SIGTERM);
		rv = itest_wait_exit(e, 10000);
		if (rv < 0) {
			kill(e->pid, SIGKILL);
			waitpid(e->pid, NULL, 0);
		}
	}
	ipc_client_close(e->c);
	e->c = NULL;
	itest_rmdir(e);
	return rv;
}

int
itest_fds(pid_t pid)
{
	char path[64];
	struct dirent *d;
	DIR *dir;
	int n = 0;

	snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
	if ((dir = opendir(path)) == NULL)
		return -1;
	while ((d = readdir(dir)) != NULL)
		n += d->d_name[0] != '.';
	closedir(dir);
	return n;
}

int
itest_fds_settle(pid_t pid, int most, int ms)
{
	int now = itest_fds(pid);

	for (long long t0 = itest_now_ms(); now > most &&
	    itest_now_ms() - t0 < ms; now = itest_fds(pid))
		usleep(200000);
	return now;
}

void
itest_rounds(pid_t pid, int rounds, int per, int (*open)(void *), void *arg,
             int *opened, int *peak)
{
	int *fds = calloc((size_t)(rounds * per), sizeof *fds), n = 0, now;

	*opened = *peak = 0;
	if (fds == NULL)
		return;
	for (int r = 0; r < rounds; r++) {
		for (int i = 0; i < per; i++) {
			int fd = open(arg);

			if (fd >= 0)
				fds[n++] = fd;
		}
		usleep(1000000);
		/* The round before goes, two seconds old. */
		for (int i = (r - 1) * per; r >= 1 && i < r * per && i < n; i++)
			if (fds[i] >= 0) {
				close(fds[i]);
				fds[i] = -1;
			}
		now = itest_fds(pid);
		*peak = now > *peak ? now : *peak;
	}
	for (int i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	free(fds);
	*opened = n;
}
