/*
 * tests/integration/itest.h -- starting a real tranched for a test and
 * talking to it.  Each test starts its own engine in a fresh temporary
 * directory (the Redis habit: nothing shared between tests) and stops it at
 * the end, checking how it exited.
 */
#ifndef TRANCHE_ITEST_H
#define TRANCHE_ITEST_H

#include <sys/types.h>

#include "ipc/client.h"

struct itest_engine {
	pid_t pid;
	char dir[256];
	char url[300];
	char journal[300];
	struct ipc_client *c;
};

/* Start `tranched` with the given extra arguments (NULL-terminated), wait
 * until it answers hello; 0 or -1. */
int itest_start(struct itest_engine *e, const char *tranched, ...);
/* fork and exec path with argv; the child is killed when the test process
 * dies.  Its pid, or -1. */
pid_t itest_spawn(const char *path, char *const argv[]);
/* SIGTERM (if still running) and wait; returns its exit status, or -1. */
int itest_stop(struct itest_engine *e);
/* A crash: SIGKILL, wait, then what itest_stop does after its wait (the
 * client closed, the engine's own directory removed; a --journal given
 * elsewhere stays for a restart to find). */
void itest_kill9(struct itest_engine *e);
/* Wait for the engine to exit by itself; exit status, or -1 on timeout. */
int itest_wait_exit(struct itest_engine *e, int timeout_ms);
/* Send a command built from a JSON text; returns the reply (caller frees). */
cJSON *itest_cmd(struct itest_engine *e, const char *json);
/* A further client of e's endpoint, its pipe named name (NULL:
 * "it-ROLE"), that has said hello as role (NULL: no hello); NULL when it
 * cannot connect or the hello is refused. */
struct ipc_client *itest_client_as(struct itest_engine *e, const char *role,
                                   const char *name);
/* A command built from a JSON text on client c (5 s); the reply (caller
 * frees), or NULL. */
cJSON *itest_cmd_on(struct ipc_client *c, const char *json);
/* 1 if the reply is ok. */
int itest_ok(const cJSON *reply);
/* The error code of a refused reply, or "". */
const char *itest_err(const cJSON *reply);
/* The error message of a refused reply, or "". */
const char *itest_errmsg(const cJSON *reply);
/* The string field name of o, or "" when it is absent or not a string. */
const char *itest_str(const cJSON *o, const char *name);
long long itest_now_ms(void);
/* The open descriptors of process pid (Linux: /proc/PID/fd), or -1. */
int itest_fds(pid_t pid);
/* Wait up to ms for pid to hold at most `most` descriptors; the count at
 * the end. */
int itest_fds_settle(pid_t pid, int most, int ms);
/* rounds of per connections, each opened by open(arg) (a descriptor, or
 * -1), a second apart; each round's are closed a second after the next
 * began (each stays 2 s), the rest at the end.  *opened: how many; *peak:
 * the most descriptors pid held at a round's end. */
void itest_rounds(pid_t pid, int rounds, int per, int (*open)(void *),
                  void *arg, int *opened, int *peak);

#endif
