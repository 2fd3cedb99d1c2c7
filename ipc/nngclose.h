/*
 * ipc/nngclose.h -- closing an NNG socket without risking a hang.
 *
 * NNG 1.5.2 (Debian 12's) can deadlock in nng_close(): the reaper waits for
 * a task that was prepared but never started (nanomsg/nng#1543, fixed
 * upstream after 1.5.2).  We have seen it in ctl, the console and the tests,
 * a few times in hundreds of closes.  ipc_nng_close() runs nng_close() on a
 * thread of its own and waits at most timeout_ms; if that runs out the
 * socket is abandoned (the process is about to exit, or the client is being
 * replaced) rather than the caller hanging for ever.
 */
#ifndef TRANCHE_IPC_NNGCLOSE_H
#define TRANCHE_IPC_NNGCLOSE_H

#include <stdint.h>

#include <nng/nng.h>

/* 0 when the socket closed in time, NNG_ETIMEDOUT when it was abandoned. */
int ipc_nng_close(nng_socket s, int timeout_ms);
/* The same for one dialer (a redial must not hang on a dialer whose TLS
 * handshake NNG 1.5.2 left waiting). */
int ipc_nng_dialer_close(nng_dialer d, int timeout_ms);
/* And for one listener (the engine's stuck TLS listener). */
int ipc_nng_listener_close(nng_listener l, int timeout_ms);
/* How many closes this process has abandoned so far.  The reaper stays
 * stuck: in the tests every later close of that process was abandoned too
 * (new sockets still connect), so a count above 0 says the process's NNG
 * is wedged. */
unsigned long ipc_nng_abandoned(void);

/*
 * Closing one pipe.  How the reaper gets stuck (found 2026-12-06 with a
 * debug build of Debian's 1.5.2 source): the ipc, tcp and tls transports
 * read a message as a header, then the body.  When a pipe is closed after
 * a header (or part of a body) has arrived but before the transport's
 * callback asks for the rest, the close has already stopped the receive
 * aio, the callback's next read is refused without a word, and the
 * protocol's receive waits for ever.  The reaper, which destroys pipes one
 * at a time, then waits on it for ever: no pipe of the process is freed
 * again, each keeps its descriptor, and no NNG_PIPE_EV_REM_POST comes.
 *
 * So a pipe whose peer is sending is the one close that can do it; a
 * quiet pipe (its next header not yet begun) is closed safely.  A peer
 * the engine sends away is therefore closed once it has been quiet for
 * IPC_PIPE_QUIET_MS, and every close the engine makes goes through
 * ipc_nng_pipe_close(), which remembers it until its REM_POST comes
 * (ipc_nng_pipe_released(), from the pipe callback); one never released
 * after IPC_PIPE_STUCK_MS says this process's NNG is wedged.
 */
#define IPC_PIPE_QUIET_MS 250
#define IPC_PIPE_STUCK_MS 10000

/* nng_pipe_close(), remembered: NNG's answer (0, or NNG_ENOENT for a pipe
 * already gone, which is not remembered). */
int ipc_nng_pipe_close(nng_pipe p);
/* From an NNG_PIPE_EV_REM_POST callback: that pipe is freed. */
void ipc_nng_pipe_released(nng_pipe p);
/* Milliseconds since the oldest remembered close whose pipe has not been
 * freed, when that is IPC_PIPE_STUCK_MS or more; else 0. */
uint64_t ipc_nng_pipe_stuck_ms(void);

#endif
