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
 * recovery restores the journaled ones with the restart's time), and by
 * bytes, the oldest first, at three levels: a principal's own answers past
 * IDEM_PRINCIPAL_BYTES, an identity's (the uid or token, whatever client
 * names it hellos with) past IDEM_IDENTITY_BYTES, and everyone's past
 * IDEM_MAX_BYTES.  With one bound shared by all, another user's burst of
 * 13,000 throttles pushed a trader's submit out within 21 s, and the
 * trader's retry made a second block (found by a review); now a burst
 * only forgets its sender's own answers unless several identities burst
 * at once.  All of it is documented in tranche-protocol(7): the window is
 * how long a client may retry with a guarantee.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/server/server-int.h"

#define IDEM_BUCKETS 4096u  /* a power of two */
#define IDEM_OWNER_BUCKETS 4096u /* a power of two */
/* What an entry costs besides its key and answer, for the byte bound. */
#define IDEM_OVERHEAD 64u

/* Who holds answers, at a level: IDEM_PRINCIPAL or IDEM_IDENTITY. */
enum { IDEM_PRINCIPAL, IDEM_IDENTITY, IDEM_LEVELS };

struct idem_owner {
	struct idem_owner *chain;         /* same bucket */
	struct idem_entry *oldest, *newest;
	size_t bytes, count;
	uint64_t hash;                    /* of level and name: its bucket */
	int level;
	char name[];
};

struct idem_entry {
	struct idem_entry *chain;         /* same bucket */
	struct idem_entry *newer, *older; /* storing order */
	/* The same, among its principal's and its identity's answers. */
	struct idem_owner *own[IDEM_LEVELS];
	struct idem_entry *onewer[IDEM_LEVELS], *oolder[IDEM_LEVELS];
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

/* How long the name of an owner at level is within principal: the whole
 * principal, or its identity (up to the first '/': "uid:1000",
 * "token:alice"). */
static size_t
idem_owner_len(const char *principal, int level)
{
	const char *slash = level == IDEM_IDENTITY ? strchr(principal, '/') :
	    NULL;

	return slash != NULL ? (size_t)(slash - principal) : strlen(principal);
}

/* The owner at level of principal, or NULL; made when make is set. */
static struct idem_owner *
idem_owner(struct idem_cache *c, const char *principal, int level, int make)
{
	size_t n = idem_owner_len(principal, level);
	uint64_t h = idem_fnv(1469598103934665603ULL + (uint64_t)level,
	    principal, n);
	struct idem_owner **b, *o;

	if (c->owners == NULL && (!make ||
	    (c->owners = calloc(IDEM_OWNER_BUCKETS, sizeof *c->owners)) == NULL))
		return NULL;
	b = &c->owners[h & (IDEM_OWNER_BUCKETS - 1)];
	for (o = *b; o != NULL; o = o->chain)
		if (o->level == level && strncmp(o->name, principal, n) == 0 &&
		    o->name[n] == '\0')
			return o;
	if (!make || (o = calloc(1, sizeof *o + n + 1)) == NULL)
		return NULL;
	memcpy(o->name, principal, n);
	o->name[n] = '\0';
	o->hash = h;
	o->level = level;
	o->chain = *b;
	*b = o;
	return o;
}

/* Unlink and free an owner that holds nothing: from its own bucket (a
 * scan of every bucket made a flood of client names, one owner each, cost
 * the loop 43% of its time and a 0.8 s stall when the window expired them
 * together: found by a review). */
static void
idem_owner_free(struct idem_cache *c, struct idem_owner *o)
{
	for (struct idem_owner **pp = &c->owners[o->hash &
	    (IDEM_OWNER_BUCKETS - 1)]; *pp != NULL; pp = &(*pp)->chain)
		if (*pp == o) {
			*pp = o->chain;
			free(o);
			return;
		}
}

/* Unlink and free one entry (from its chain, the order and its owners'
 * orders). */
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
	for (int l = 0; l < IDEM_LEVELS; l++) {
		struct idem_owner *o = e->own[l];

		if (o == NULL)
			continue;
		if (e->onewer[l] != NULL)
			e->onewer[l]->oolder[l] = e->oolder[l];
		else
			o->newest = e->oolder[l];
		if (e->oolder[l] != NULL)
			e->oolder[l]->onewer[l] = e->onewer[l];
		else
			o->oldest = e->onewer[l];
		o->bytes -= idem_cost(e);
		if (--o->count == 0)
			idem_owner_free(c, o);
	}
	c->bytes -= idem_cost(e);
	c->count--;
	free(e->key);
	free(e->reply);
	free(e->durable);
	free(e);
}

/* Forget what is past the window, then, for room more bytes of
 * principal's (NULL: none), what is over a byte bound: the principal's
 * own oldest, its identity's, then everyone's. */
static void
idem_trim(struct idem_cache *c, uint64_t now, const char *principal,
          size_t room)
{
	static const size_t cap[IDEM_LEVELS] = { IDEM_PRINCIPAL_BYTES,
	    IDEM_IDENTITY_BYTES };
	struct idem_owner *o;

	while (c->oldest != NULL && now - c->oldest->at_ms >
	    (uint64_t)IDEM_WINDOW_S * 1000u)
		idem_drop(c, c->oldest);
	for (int l = 0; principal != NULL && l < IDEM_LEVELS; l++)
		while ((o = idem_owner(c, principal, l, 0)) != NULL &&
		    o->bytes + room > cap[l])
			idem_drop(c, o->oldest);
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
	idem_trim(c, server_now_ms(), NULL, 0);
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
	for (int l = 0; l < IDEM_LEVELS; l++)
		if (e->own[l] != NULL)
			e->own[l]->bytes += len;
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
	idem_trim(c, e->at_ms, principal, idem_cost(e));
	for (int l = 0; l < IDEM_LEVELS; l++) {
		struct idem_owner *o = idem_owner(c, principal, l, 1);

		if (o == NULL) { /* out of memory: not remembered */
			while (--l >= 0)
				if (e->own[l]->count == 0)
					idem_owner_free(c, e->own[l]);
			free(e->key);
			free(e->reply);
			free(e);
			return;
		}
		e->own[l] = o;
	}
	for (int l = 0; l < IDEM_LEVELS; l++) {
		struct idem_owner *o = e->own[l];

		e->oolder[l] = o->newest;
		if (o->newest != NULL)
			o->newest->onewer[l] = e;
		else
			o->oldest = e;
		o->newest = e;
		o->bytes += idem_cost(e);
		o->count++;
	}
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
	free(c->owners);
	memset(c, 0, sizeof *c);
}

/*
 * A journaled principal as this engine names it.  An engine before
 * 2026-12-07 named a token without a name by its place among all tokens,
 * "token:trader#2/..."; one token with no name a role is allowed now, named
 * "trader#1" wherever it is (server-auth.c), so an older journal's
 * "ROLE#N" is that token (a NAME never holds '#').  Without this a resend
 * to an upgraded engine of what the older one had done was done again
 * (found by a review on 2026-12-07).  p itself when it needs no change.
 */
const char *
server_idem_principal_now(const char *p, char *buf, size_t n)
{
	const char *hash, *slash;
	size_t k;

	if (strncmp(p, "token:", 6) != 0 || (hash = strchr(p + 6, '#')) == NULL ||
	    (slash = strchr(hash, '/')) == NULL || slash == hash + 1 ||
	    strspn(hash + 1, "0123456789") != (size_t)(slash - hash - 1) ||
	    (slash == hash + 2 && hash[1] == '1'))
		return p;
	k = (size_t)(hash - p);
	if (snprintf(buf, n, "%.*s#1%s", (int)k, p, slash) >= (int)n)
		return p;
	return buf;
}
