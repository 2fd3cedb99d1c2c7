/*
 * ipc/batch.c -- events joined into one message (ipc/batch.h).
 */
#include <stdlib.h>
#include <string.h>

#include "ipc/batch.h"

int
ipc_batch_full(const struct ipc_batch *b, size_t len)
{
	return b->len > 0 && b->len + 1 + len > IPC_BATCH_BYTES;
}

int
ipc_batch_add(struct ipc_batch *b, const void *data, size_t len)
{
	size_t need = b->len + (b->len > 0) + len;

	if (need > b->cap) {
		size_t cap = b->cap > 0 ? b->cap : 4096;
		char *buf;

		while (cap < need)
			cap *= 2;
		if ((buf = realloc(b->buf, cap)) == NULL)
			return -1;
		b->buf = buf;
		b->cap = cap;
	}
	if (b->len > 0)
		b->buf[b->len++] = '\n';
	memcpy(b->buf + b->len, data, len);
	b->len += len;
	return 0;
}

int
ipc_batch_take(struct ipc_batch *b, nng_msg **msg)
{
	int rv = 0;

	*msg = NULL;
	if (b->len > 0 && (rv = nng_msg_alloc(msg, b->len)) == 0)
		memcpy(nng_msg_body(*msg), b->buf, b->len);
	b->len = 0;
	return rv;
}

void
ipc_batch_free(struct ipc_batch *b)
{
	free(b->buf);
	b->buf = NULL;
	b->len = b->cap = 0;
}
