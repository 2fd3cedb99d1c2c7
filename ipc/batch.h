/*
 * ipc/batch.h -- events joined into one message, as the engine publishes
 * them (ipc/protocol.h: events joined by '\n'; ipc_batch_next() in
 * ipc/codec.h splits them again).
 *
 * A batch gathers its events in a buffer of its own, grown by doubling,
 * and is copied into an NNG message once, when taken.  nng_msg_append()
 * grows a message to the exact size asked each time, so a message built
 * one event at a time was copied once an event: under the sanitizers a
 * pass of 4,000 events at --speed max took 1.1 s to send, and no request
 * was read meanwhile (found 2026-12-07).
 */
#ifndef TRANCHE_IPC_BATCH_H
#define TRANCHE_IPC_BATCH_H

#include <stddef.h>

#include <nng/nng.h>

#define IPC_BATCH_BYTES (64 * 1024) /* events a message, at most */

struct ipc_batch {
	char *buf;
	size_t len, cap;
};

/* 1 when an event of len bytes would take b past IPC_BATCH_BYTES: take
 * what b holds first.  An empty batch takes any event (a lone larger one
 * goes alone). */
int ipc_batch_full(const struct ipc_batch *b, size_t len);
/* Add an event's bytes ('\n' before it unless it is the first): 0, or -1
 * out of memory (the event is left out; subscribers will see the gap). */
int ipc_batch_add(struct ipc_batch *b, const void *data, size_t len);
/* What b holds as one NNG message in *msg, NULL when b is empty; b is
 * emptied either way, keeping its room.  0, or NNG's error. */
int ipc_batch_take(struct ipc_batch *b, nng_msg **msg);
void ipc_batch_free(struct ipc_batch *b);

#endif
