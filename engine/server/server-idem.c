/*
 * engine/server/server-idem.c -- the remembered answers that make a command
 * id execute at most once.
 *
 * NNG's REQ socket resends a request after a reconnect, and a client that
 * timed out asks again with the same id: the engine must answer the repeat
 * with the first answer and do nothing twice.  The key is the principal
 * (who the authenticated session is: server-session.c) together with the
 * id, so one peer's id never reaches another's answer -- a viewer's status
 * with id P does not answer a supervisor's kill with id P, and a peer that
 * has not authenticated has no principal and so reads nothing.  The id
 * alone would let anyone who guesses an id read someone else's answer.
 *
 * Only commands that change something are remembered: a read may simply
 * run again, and remembering snapshots (tens of kilobytes each) is what let
 * the resident size grow without bound.  With each answer goes a hash of
 * its request's body, so the same principal reusing an id for a different
 * request is told so (id_reused) instead of being handed an answer to a
 * question it did not ask.
 *
 * The cache is a chained hash table (IDEM_BUCKETS) over a list in the
 * order of storing.  It is bounded twice: an answer is forgotten
 * IDEM_WINDOW_S seconds after it was given (wall time; a restart's
 * recovery restores the journaled ones with the restart's time), and when
 * the answers held pass IDEM_MAX_BYTES the oldest are forgotten first.
 * Both are documented in tranche-protocol(7): the window is how long a
 * client may retry with a guarantee.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/server/server-int.h"

#define IDEM_BUCKETS 4096u  /* a power of two */
/* What an entry costs besides its key and answer, for the byte bound. */
#define IDEM_OVERHEAD 64u

struct idem_entry {
	struct idem_entry *chain;         /* same bucket */
	struct idem_entry *newer, *older; /* storing order */
	uint64_t hash;                    /* of principal and id */
	uint64_t body;                    /* of the request */
	uint64_t at_ms;
	char *key;                        /* principal '\n' id */
	char *reply;
	size_t len;
	/* A command carried out whose record a full disk kept from the
	 * journal is answered "not durable" (reply); once a journal_resume
	 * has written it, its own answer (durable) is the true one. */
	char *durable;
	size_t durable_len;
	uint64_t resumes;                 /* s->jresumes when stored */
};

uint64_t
server_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static uint64_t
idem_fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ c[i]) * 1099511628211ULL;
	return h;
}

uint64_t
server_idem_body(const cJSON *req)
{
	char *txt = cJSON_PrintUnformatted(req);
	uint64_t h = 1469598103934665603ULL;

	if (txt != NULL)
		h = idem_fnv(h, txt, strlen(txt));
	cJSON_free(txt);
	return h;
}

static uint64_t
idem_key_hash(const char *principal, const char *id)
{
	uint64_t h = 1469598103934665603ULL;

	h = idem_fnv(h, principal, strlen(principal));
	h = idem_fnv(h, "\n", 1);
	return idem_fnv(h, id, strlen(id));
}

static int
idem_key_eq(const struct idem_entry *e, const char *principal, const char *id)
{
	size_t pl = strlen(principal);

	return strncmp(e->key, principal, pl) == 0 && e->key[pl] == '\n' &&
	    strcmp(e->key + pl + 1, id) == 0;
}

static size_t
idem_cost(const struct idem_entry *e)
{
	return strlen(e->key) + e->len + e->durable_len + IDEM_OVERHEAD;
}

/* Unlink and free one entry (from its chain and from the order). */
static void
idem_drop(struct idem_cache *c, struct idem_entry *e)
{
	struct idem_entry **pp = &c->buckets[e->hash & (IDEM_BUCKETS - 1)];

	while (*pp != NULL && *pp != e)
		pp = &(*pp)->chain;
	if (*pp == e)
		*pp = e->chain;
	if (e->newer != NULL)
		e->newer->older = e->older;
	else
		c->newest = e->older;
	if (e->older != NULL)
		e->older->newer = e->newer;
	else
		c->oldest = e->newer;
	c->bytes -= idem_cost(e);
	c->count--;
	free(e->key);
	free(e->reply);
	free(e->durable);
	free(e);
}

/* Forget what is past the window, then what is over the byte bound. */
static void
idem_trim(struct idem_cache *c, uint64_t now, size_t room)
{
	while (c->oldest != NULL && now - c->oldest->at_ms >
	    (uint64_t)IDEM_WINDOW_S * 1000u)
		idem_drop(c, c->oldest);
	while (c->oldest != NULL && c->bytes + room > IDEM_MAX_BYTES)
		idem_drop(c, c->oldest);
}

int
server_idem_find(struct server *s, const char *principal, const char *id,
                 uint64_t body, const char **reply, size_t *len)
{
	struct idem_cache *c = &s->idem;
	uint64_t h;

	if (c->buckets == NULL || principal == NULL || principal[0] == '\0' ||
	    id == NULL)
		return 0;
	idem_trim(c, server_now_ms(), 0);
	h = idem_key_hash(principal, id);
	for (struct idem_entry *e = c->buckets[h & (IDEM_BUCKETS - 1)];
	    e != NULL; e = e->chain)
		if (e->hash == h && idem_key_eq(e, principal, id)) {
			if (e->body != body)
				return -1;
			if (e->durable != NULL && s->jresumes > e->resumes) {
				*reply = e->durable;
				*len = e->durable_len;
			} else {
				*reply = e->reply;
				*len = e->len;
			}
			return 1;
		}
	return 0;
}

void
server_idem_durable_later(struct server *s, const char *principal,
                          const char *id, const char *reply, size_t len)
{
	struct idem_cache *c = &s->idem;
	struct idem_entry *e;
	uint64_t h;

	if (c->buckets == NULL || principal == NULL || principal[0] == '\0' ||
	    id == NULL)
		return;
	h = idem_key_hash(principal, id);
	for (e = c->buckets[h & (IDEM_BUCKETS - 1)]; e != NULL; e = e->chain)
		if (e->hash == h && idem_key_eq(e, principal, id))
			break;
	if (e == NULL || e->durable != NULL ||
	    (e->durable = malloc(len ? len : 1)) == NULL)
		return;
	memcpy(e->durable, reply, len);
	e->durable_len = len;
	e->resumes = s->jresumes;
	c->bytes += len;
}

void
server_idem_store(struct server *s, const char *principal, const char *id,
                  uint64_t body, const char *reply, size_t len)
{
	struct idem_cache *c = &s->idem;
	size_t pl, il;
	struct idem_entry *e;
	const char *old;
	size_t oldlen;

	if (principal == NULL || principal[0] == '\0' || id == NULL)
		return;
	if (c->buckets == NULL &&
	    (c->buckets = calloc(IDEM_BUCKETS, sizeof *c->buckets)) == NULL)
		return; /* the command ran; only its repeat is not recognised */
	if (server_idem_find(s, principal, id, body, &old, &oldlen) != 0)
		return; /* the first answer stays the answer */
	pl = strlen(principal);
	il = strlen(id);
	if ((e = calloc(1, sizeof *e)) == NULL ||
	    (e->key = malloc(pl + il + 2)) == NULL ||
	    (e->reply = malloc(len ? len : 1)) == NULL) {
		if (e != NULL)
			free(e->key);
		free(e);
		return;
	}
	memcpy(e->key, principal, pl);
	e->key[pl] = '\n';
	memcpy(e->key + pl + 1, id, il + 1);
	memcpy(e->reply, reply, len);
	e->len = len;
	e->body = body;
	e->hash = idem_key_hash(principal, id);
	e->at_ms = server_now_ms();
	idem_trim(c, e->at_ms, idem_cost(e));
	e->chain = c->buckets[e->hash & (IDEM_BUCKETS - 1)];
	c->buckets[e->hash & (IDEM_BUCKETS - 1)] = e;
	e->older = c->newest;
	if (c->newest != NULL)
		c->newest->newer = e;
	else
		c->oldest = e;
	c->newest = e;
	c->bytes += idem_cost(e);
	c->count++;
}

void
server_idem_free(struct server *s)
{
	struct idem_cache *c = &s->idem;

	while (c->oldest != NULL)
		idem_drop(c, c->oldest);
	free(c->buckets);
	memset(c, 0, sizeof *c);
}
