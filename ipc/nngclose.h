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

#endif
