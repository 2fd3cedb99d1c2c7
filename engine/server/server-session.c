/*
 * engine/server/server-session.c -- who is behind each connection, and what
 * the engine does with peers that are refused.
 *
 * Sessions.  A session is what hello told the engine about the peer behind
 * one NNG pipe of the REP socket: its role, client name and principal.  It
 * is made at the pipe's first request and freed when the pipe closes --
 * never earlier: an authenticated session is never evicted or downgraded,
 * whatever others connect.  NNG reports the closing on one of its own
 * threads (nng_pipe_notify), where only the pipe id is queued under a mutex
 * and the loop woken with uv_async_send; the loop frees the session
 * (server_sessions_drain).  A request already received from a pipe that has
 * since closed may still be read after its session was freed, so closed
 * pipes are remembered for a while (the tombstones) and get no new session.
 * The table holds --max-sessions sessions.  When it is full, the oldest
 * session that never authenticated gives way (its connection is closed):
 * otherwise peers without a token could hold every slot with one refused
 * request each and keep a trader's pause or a supervisor's kill out.  Only
 * when every slot holds an authenticated (or local) session is a new
 * pipe's request refused with "sessions_full", until one closes.
 *
 * Principals.  Remembered command ids are keyed by who asked
 * (server-idem.c): "uid:UID/ROLE/CLIENT" for a local ipc:// peer trusted by
 * its uid, "token:N/ROLE/CLIENT" for a peer that presented the Nth token.
 * A peer that has not authenticated has none and its ids are not
 * remembered.
 *
 * Persons.  The audit records name who acted (sess->user): over ipc://
 * the unix user of the peer's uid, which the kernel vouches for (a uid
 * with no name reads "uid 1234"); once hello presents a token, the token's
 * name from the tokens file instead (server-auth.c); over tcp:// with no
 * token, nobody: "-".
 *
 * Refusals.  Every refusal is recorded with its code and message.  A
 * trusted session's interventions are journaled and audited one by one by
 * server-cmd.c; everything else refused -- requests from peers that have
 * not authenticated, failed hellos, refused reads -- comes here.  Per peer
 * address (an IPv6 peer's /64) and REFUSAL_INTERVAL_MS, the first
 * REFUSAL_SHOWN are journaled (flushed, not synced: they changed nothing)
 * and published on the audit topic, and no more than REFUSAL_SHOWN_ALL in
 * all; the rest are counted by code and written as one record and one
 * audit event when the interval ends.  REFUSAL_PEERS addresses are counted
 * apart; beyond them, "other peers" together.  So a flood costs the
 * journal at most REFUSAL_SHOWN_ALL + REFUSAL_PEERS + 1 records an
 * interval however many addresses it comes from, no fsync at all, and the
 * snapshot's audit ring -- which keeps interventions -- sees none of it:
 * refusal audit
 * events carry "peer" and go to their own ring.  A peer that has not
 * authenticated may be refused --unauth-errors times on one connection;
 * after that the engine closes the connection without answering.
 */
#include <arpa/inet.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/journal/journal.h"
#include "engine/server/server-int.h"
#include "ipc/codec.h"
#include "ipc/nngclose.h"
#include "ipc/protocol.h"

#define TOMBS (sizeof ((struct server *)0)->tombs / sizeof (uint32_t))

static void
sessions_on_async(uv_async_t *h)
{
	server_sessions_drain(h->data);
}

static int
sessions_alloc(struct server *s)
{
	int n = s->opts != NULL && s->opts->max_sessions > 0 ?
	    s->opts->max_sessions : SESSIONS_DEFAULT;

	if (s->sessions != NULL)
		return 0;
	if ((s->sessions = calloc((size_t)n, sizeof *s->sessions)) == NULL)
		return -1;
	s->max_sessions = n;
	s->nsessions = 0;
	return 0;
}

int
server_sessions_init(struct server *s, char *err, size_t errlen)
{
	if (sessions_alloc(s) != 0) {
		snprintf(err, errlen, "--max-sessions %d: out of memory",
		    s->opts->max_sessions);
		return -1;
	}
	if (uv_mutex_init(&s->pipe_mu) != 0) {
		snprintf(err, errlen, "sessions: cannot make a mutex");
		return -1;
	}
	s->pipe_mu_inited = 1;
	return 0;
}

void
server_sessions_start(struct server *s)
{
	uv_async_init(&s->loop, &s->pipe_async, sessions_on_async);
	s->pipe_async.data = s;
	uv_mutex_lock(&s->pipe_mu);
	s->pipe_async_on = 1;
	if (s->ngone > 0)
		uv_async_send(&s->pipe_async);
	uv_mutex_unlock(&s->pipe_mu);
}

void
server_sessions_stop(struct server *s)
{
	if (!s->pipe_mu_inited)
		return;
	uv_mutex_lock(&s->pipe_mu);
	if (s->pipe_async_on)
		uv_close((uv_handle_t *)&s->pipe_async, NULL);
	s->pipe_async_on = 0;
	uv_mutex_unlock(&s->pipe_mu);
}

void
server_sessions_free(struct server *s)
{
	free(s->sessions);
	s->sessions = NULL;
	s->nsessions = s->max_sessions = 0;
	s->ntombs = 0;
	if (s->pipe_mu_inited)
		uv_mutex_destroy(&s->pipe_mu);
	s->pipe_mu_inited = 0;
	free(s->gone_pipes);
	s->gone_pipes = NULL;
	s->ngone = s->capgone = 0;
}

/*
 * Half-sent requests.  A session is made at a pipe's first request, so a
 * tcp:// peer that connects and then sends part of a message -- or a
 * length prefix and nothing more -- has no session to evict and used to
 * be held for as long as it liked: a few hundred of them took every
 * descriptor the engine had, and the local supervisor's kill could not
 * connect.  Such pipes are counted from the moment NNG starts them: at
 * most REP_WAITING_MAX wait at once (the next is closed as it comes), and
 * one that has not finished its first request in REP_FIRST_MS is closed;
 * of them at most WAITING_PER_PEER from one address (its refusal key).
 * ipc:// peers are not counted: they are this machine's users, and the
 * way in for a supervisor when the network is hostile.
 */
static uint64_t
rep_now_ms(void)
{
	return uv_hrtime() / 1000000ULL;
}

/* Called with pipe_mu held. */
static void
rep_waiting_drop(struct server *s, uint32_t pipe)
{
	for (int i = 0; i < s->nrep_waiting; i++)
		if (s->rep_waiting[i].pipe == pipe) {
			s->rep_waiting[i] = s->rep_waiting[--s->nrep_waiting];
			return;
		}
}

void
server_rep_pipe_added(struct server *s, nng_pipe p)
{
	char key[64];
	int full = 0, mine = 0;

	if (!server_pipe_key(p, key, sizeof key))
		return;
	uv_mutex_lock(&s->pipe_mu);
	for (int i = 0; i < s->nrep_waiting; i++)
		mine += strcmp(s->rep_waiting[i].key, key) == 0;
	if (s->nrep_waiting >= REP_WAITING_MAX || mine >= WAITING_PER_PEER)
		full = 1;
	else {
		s->rep_waiting[s->nrep_waiting].pipe = nng_pipe_id(p);
		s->rep_waiting[s->nrep_waiting].since_ms = rep_now_ms();
		snprintf(s->rep_waiting[s->nrep_waiting++].key,
		    sizeof s->rep_waiting[0].key, "%s", key);
	}
	uv_mutex_unlock(&s->pipe_mu);
	if (full)
		nng_pipe_close(p);
}

void
server_rep_pipe_heard(struct server *s, uint32_t pipe)
{
	uv_mutex_lock(&s->pipe_mu);
	if (s->nrep_waiting > 0)
		rep_waiting_drop(s, pipe);
	uv_mutex_unlock(&s->pipe_mu);
}

void
server_rep_sweep(struct server *s)
{
	uint32_t gone[REP_WAITING_MAX];
	uint64_t now = rep_now_ms();
	int n = 0;

	uv_mutex_lock(&s->pipe_mu);
	for (int i = 0; i < s->nrep_waiting; )
		if (now - s->rep_waiting[i].since_ms >= REP_FIRST_MS) {
			gone[n++] = s->rep_waiting[i].pipe;
			s->rep_waiting[i] = s->rep_waiting[--s->nrep_waiting];
		} else
			i++;
	uv_mutex_unlock(&s->pipe_mu);
	for (int i = 0; i < n; i++) {
		nng_pipe p = NNG_PIPE_INITIALIZER;

		p.id = gone[i];
		ipc_nng_pipe_close(p);
	}
	/* Those sent away, closed when nothing of them can be arriving:
	 * quiet (nothing of them read for IPC_PIPE_QUIET_MS before a pass
	 * that found nothing waiting: their messages may wait unread behind
	 * others'), or, still sending, after a hush: the control socket not
	 * read for EVENTS_HUSH_MS, in which each REP pipe stops reading once
	 * it holds one request nobody took. */
	for (int i = 0; i < s->ncondemned; )
		if (s->rep_drained_ms >= s->condemned[i].heard_ms +
		    IPC_PIPE_QUIET_MS || (s->rep_hush != 0 &&
		    now - s->rep_hush >= EVENTS_HUSH_MS)) {
			nng_pipe p = NNG_PIPE_INITIALIZER;

			p.id = s->condemned[i].pipe;
			s->condemned[i] = s->condemned[--s->ncondemned];
			ipc_nng_pipe_close(p);
		} else
			i++;
	/* At most one hush a second, so that a stream of peers sent away
	 * cannot keep everybody else waiting. */
	if (s->rep_hush != 0 && (s->ncondemned == 0 ||
	    now - s->rep_hush >= EVENTS_HUSH_MS)) {
		s->rep_hush = 0;
		s->rep_hushed_ms = now;
	} else if (s->ncondemned > 0 && s->rep_hush == 0 &&
	    now - s->rep_hushed_ms >= HUSH_EVERY_MS)
		s->rep_hush = now;
}

void
server_rep_condemn(struct server *s, nng_pipe p)
{
	if (server_rep_condemned(s, nng_pipe_id(p)))
		return;
	if (s->ncondemned == REP_CONDEMNED_MAX) {
		/* So many at once: this one goes now, at NNG's risk. */
		ipc_nng_pipe_close(p);
		return;
	}
	s->condemned[s->ncondemned].pipe = nng_pipe_id(p);
	s->condemned[s->ncondemned++].heard_ms = rep_now_ms();
}

int
server_rep_condemned(struct server *s, uint32_t pipe)
{
	for (int i = 0; i < s->ncondemned; i++)
		if (s->condemned[i].pipe == pipe) {
			s->condemned[i].heard_ms = rep_now_ms();
			return 1;
		}
	return 0;
}

/* One that went by itself is forgotten. */
static void
rep_condemned_gone(struct server *s, uint32_t pipe)
{
	for (int i = 0; i < s->ncondemned; i++)
		if (s->condemned[i].pipe == pipe) {
			s->condemned[i] = s->condemned[--s->ncondemned];
			return;
		}
}

void
server_sessions_pipe_gone(struct server *s, uint32_t pipe)
{
	nng_pipe p = NNG_PIPE_INITIALIZER;

	p.id = pipe;
	ipc_nng_pipe_released(p);
	uv_mutex_lock(&s->pipe_mu);
	rep_waiting_drop(s, pipe);
	if (s->ngone == s->capgone) {
		size_t n = s->capgone ? s->capgone * 2 : 64;
		uint32_t *v = realloc(s->gone_pipes, n * sizeof *v);

		if (v == NULL) {
			/* The session stays until the engine stops: a slot
			 * lost, never a session evicted. */
			uv_mutex_unlock(&s->pipe_mu);
			return;
		}
		s->gone_pipes = v;
		s->capgone = n;
	}
	s->gone_pipes[s->ngone++] = pipe;
	if (s->pipe_async_on)
		uv_async_send(&s->pipe_async);
	uv_mutex_unlock(&s->pipe_mu);
}

static int
sessions_tombstoned(const struct server *s, uint32_t pipe)
{
	unsigned n = s->ntombs < TOMBS ? s->ntombs : (unsigned)TOMBS;

	for (unsigned i = 0; i < n; i++)
		if (s->tombs[i] == pipe)
			return 1;
	return 0;
}

void
server_sessions_drain(struct server *s)
{
	uint32_t gone[256];
	size_t n;

	if (!s->pipe_mu_inited)
		return;
	do {
		uv_mutex_lock(&s->pipe_mu);
		n = s->ngone < 256 ? s->ngone : 256;
		if (n > 0)
			memcpy(gone, s->gone_pipes + s->ngone - n,
			    n * sizeof *gone);
		s->ngone -= n;
		uv_mutex_unlock(&s->pipe_mu);
		for (size_t i = 0; i < n; i++) {
			s->tombs[s->ntombs++ % TOMBS] = gone[i];
			rep_condemned_gone(s, gone[i]);
			for (int k = 0; k < s->max_sessions; k++)
				if (s->sessions[k].used &&
				    s->sessions[k].pipe == gone[i]) {
					memset(&s->sessions[k], 0,
					    sizeof s->sessions[k]);
					s->nsessions--;
					break;
				}
		}
	} while (n == 256);
}

/* The unix user name of uid, or "uid N" when it has none. */
static void
sessions_user_name(uint64_t uid, char *buf, size_t n)
{
	struct passwd pw, *res = NULL;
	char tmp[4096];

	if (getpwuid_r((uid_t)uid, &pw, tmp, sizeof tmp, &res) == 0 &&
	    res != NULL && res->pw_name != NULL && res->pw_name[0] != '\0')
		snprintf(buf, n, "%s", res->pw_name);
	else
		snprintf(buf, n, "uid %llu", (unsigned long long)uid);
}

/* The session that has waited longest without authenticating; when
 * every session is trusted and the newcomer is a local peer, the oldest
 * remote one (authenticated: a token holder's idle connections must not
 * keep this machine's supervisor from a kill); else NULL. */
static struct session *
sessions_evictable(struct server *s, int kind)
{
	struct session *old = NULL;

	for (int i = 0; i < s->max_sessions; i++) {
		struct session *x = &s->sessions[i];

		if (x->used && !server_session_trusted(x) &&
		    (old == NULL || x->born < old->born))
			old = x;
	}
	if (old != NULL || kind != PEER_LOCAL)
		return old;
	for (int i = 0; i < s->max_sessions; i++) {
		struct session *x = &s->sessions[i];

		if (x->used && x->kind == PEER_REMOTE && (old == NULL ||
		    x->born < old->born))
			old = x;
	}
	return old;
}

struct session *
server_session_get(struct server *s, const struct peer *peer)
{
	struct session *sess = NULL;

	if (s->sessions == NULL && sessions_alloc(s) != 0)
		return NULL;
	for (int i = 0; i < s->max_sessions; i++) {
		if (s->sessions[i].used && s->sessions[i].pipe == peer->pipe)
			return &s->sessions[i];
		if (sess == NULL && !s->sessions[i].used)
			sess = &s->sessions[i];
	}
	/* A late request of a pipe that has closed gets no session. */
	if (sessions_tombstoned(s, peer->pipe))
		return NULL;
	/* Full: the oldest session that never authenticated gives way, its
	 * connection closed.  Otherwise peers without a token could hold
	 * every slot, one refused request each, and keep a supervisor's kill
	 * out.  An authenticated (or local) session is not evicted for a
	 * remote newcomer: when every slot holds one, the new connection is
	 * refused.  A local newcomer takes the oldest remote session's slot:
	 * a local supervisor gets in whatever the network does. */
	if (sess == NULL && (sess = sessions_evictable(s, peer->kind)) != NULL) {
		nng_pipe gone = NNG_PIPE_INITIALIZER;

		gone.id = sess->pipe;
		s->tombs[s->ntombs++ % TOMBS] = sess->pipe;
		memset(sess, 0, sizeof *sess);
		s->nsessions--;
		s->sessions_evicted++;
		/* Closed once nothing of it can be arriving. */
		server_rep_condemn(s, gone);
	}
	if (sess == NULL)
		return NULL;
	memset(sess, 0, sizeof *sess);
	sess->born = ++s->sessions_born;
	sess->used = 1;
	sess->pipe = peer->pipe;
	sess->kind = peer->kind;
	sess->uid = peer->uid;
	sess->rank = ROLE_VIEWER;
	snprintf(sess->client, sizeof sess->client, "anonymous");
	snprintf(sess->role, sizeof sess->role, "viewer");
	snprintf(sess->addr, sizeof sess->addr, "%s", peer->addr[0] ?
	    peer->addr : "?");
	if (peer->kind == PEER_REMOTE || strcmp(peer->addr, "ipc uid ?") == 0)
		snprintf(sess->user, sizeof sess->user, "-");
	else
		sessions_user_name(peer->uid, sess->user, sizeof sess->user);
	snprintf(sess->peer_user, sizeof sess->peer_user, "%s", sess->user);
	server_session_principal(sess);
	s->nsessions++;
	return sess;
}

int
server_session_trusted(const struct session *sess)
{
	return sess != NULL && (sess->authed || sess->kind == PEER_LOCAL);
}

void
server_session_principal(struct session *sess)
{
	/* A token by its name, not its line in the tokens file: a line
	 * added above it must not hand its remembered ids to another token
	 * after a restart, nor lose them (a resent submit made twice). */
	if (sess->token > 0)
		snprintf(sess->principal, sizeof sess->principal,
		    "token:%s/%s/%.64s", sess->token_name, sess->role,
		    sess->client);
	else if (sess->kind == PEER_LOCAL)
		snprintf(sess->principal, sizeof sess->principal,
		    "uid:%llu/%s/%.64s", (unsigned long long)sess->uid,
		    sess->role, sess->client);
	else
		sess->principal[0] = '\0';
}

/*
 * The key refusals are counted under: the peer's address, but an IPv6
 * peer's /64, which one host is given whole (so one attacker's addresses
 * are one peer, not billions), and an IPv4 peer seen through IPv6 its
 * IPv4 address.
 */
void
server_refusal_key(const char *addr, char *key, size_t keylen)
{
	struct in6_addr a6;

	if (strncmp(addr, "tcp ", 4) == 0 && strchr(addr + 4, ':') != NULL &&
	    inet_pton(AF_INET6, addr + 4, &a6) == 1) {
		static const unsigned char nat64[12] = { 0, 0x64, 0xff, 0x9b };
		char ip[INET6_ADDRSTRLEN];

		/* An IPv4 peer on a dual-stack listener (::ffff:a.b.c.d), or
		 * behind NAT64 (64:ff9b::a.b.c.d), is its IPv4 address: every
		 * IPv4 peer's /64 is the same. */
		if (IN6_IS_ADDR_V4MAPPED(&a6) ||
		    memcmp(a6.s6_addr, nat64, sizeof nat64) == 0) {
			if (inet_ntop(AF_INET, a6.s6_addr + 12, ip,
			    sizeof ip) != NULL) {
				snprintf(key, keylen, "tcp %s", ip);
				return;
			}
		}
		memset(a6.s6_addr + 8, 0, 8);
		if (inet_ntop(AF_INET6, &a6, ip, sizeof ip) != NULL) {
			snprintf(key, keylen, "tcp %s/64", ip);
			return;
		}
	}
	snprintf(key, keylen, "%s", addr);
}

int
server_pipe_key(nng_pipe p, char *key, size_t keylen)
{
	struct peer pr;

	/* Who is behind it, as a hello's session is told (server_peer);
	 * an address NNG cannot give ("tcp ?") is not counted, as before. */
	server_peer(NULL, p, &pr);
	if (pr.kind != PEER_REMOTE || strcmp(pr.addr, "tcp ?") == 0)
		return 0;
	server_refusal_key(pr.addr, key, keylen);
	return 1;
}

/*
 * The bucket of a peer key: found or free; when every bucket is counting
 * a peer whose interval has not ended, the last bucket, which counts
 * "other peers" together.  Evicting a counting bucket instead wrote its
 * summary at once, so each new address cost a journal record: a peer
 * with many addresses had no bound.
 */
static struct refusal_peer *
refusal_bucket(struct server *s, const char *key, uint64_t now)
{
	struct refusal_peer *free_b = NULL;

	for (int pass = 0; pass < 2 && free_b == NULL; pass++) {
		if (pass == 1)
			server_refusals_flush(s, 0); /* frees ended buckets */
		for (int i = 0; i < REFUSAL_PEERS; i++) {
			struct refusal_peer *b = &s->refusal_peers[i];

			if (b->addr[0] == '\0') {
				if (free_b == NULL)
					free_b = b;
				continue;
			}
			if (strcmp(b->addr, key) == 0)
				return b;
		}
	}
	if (free_b == NULL) {
		free_b = &s->refusal_peers[REFUSAL_PEERS];
		if (free_b->addr[0] != '\0')
			return free_b;
		key = "other peers";
	}
	memset(free_b, 0, sizeof *free_b);
	snprintf(free_b->addr, sizeof free_b->addr, "%s", key);
	free_b->t0_ms = now;
	/* The others' bucket only counts. */
	if (free_b == &s->refusal_peers[REFUSAL_PEERS])
		free_b->shown = REFUSAL_SHOWN;
	return free_b;
}

static void
refusal_journal(struct server *s, cJSON *o)
{
	/* Flushed at the end of the pass, never synced: nothing changed. */
	if (!s->recovering)
		(void)server_jrnl_command(s, o, s->m->now, "a refusal");
}

/* The bucket of the peer at addr for an interval that has not ended: one
 * ended is written out first. */
static struct refusal_peer *
refusal_bucket_now(struct server *s, const char *addr, uint64_t now)
{
	struct refusal_peer *b;
	char key[sizeof b->addr];

	server_refusal_key(addr[0] ? addr : "?", key, sizeof key);
	b = refusal_bucket(s, key, now);
	if (now - b->t0_ms > REFUSAL_INTERVAL_MS) {
		server_refusals_flush(s, 0);
		b = refusal_bucket(s, key, now);
	}
	return b;
}

static void
refusal_count(struct refusal_peer *b, const char *code, const char *msg)
{
	int i;

	b->count++;
	snprintf(b->last, sizeof b->last, "%s", msg);
	for (i = 0; i < REFUSAL_CODES && b->codes[i].code[0] != '\0'; i++)
		if (strcmp(b->codes[i].code, code) == 0)
			break;
	if (i == REFUSAL_CODES)
		i = REFUSAL_CODES - 1; /* the last slot takes the rest */
	if (b->codes[i].code[0] == '\0')
		snprintf(b->codes[i].code, sizeof b->codes[i].code, "%s", code);
	b->codes[i].n++;
}

/* Bytes of a refusal's text kept, before ipc_utf8_cut() cuts it. */
#define REFUSAL_TEXT (TRANCHE_MAX_TEXT + 8)

int
server_refusal(struct server *s, struct session *sess,
               const struct peer *peer, const char *cmd, const cJSON *req,
               const void *raw, size_t rawlen, const cJSON *reply,
               int *recorded)
{
	const cJSON *err = cJSON_GetObjectItemCaseSensitive(reply, "error");
	const char *code = "?", *msg = "?", *reason = NULL;
	const char *addr = sess != NULL ? sess->addr : peer->addr;
	uint64_t now = server_now_ms();
	struct refusal_peer *b;
	int spent = 0;

	if (recorded != NULL)
		*recorded = 0;
	ipc_get_str(err, "code", &code);
	ipc_get_str(err, "message", &msg);
	if (sess != NULL && !server_session_trusted(sess))
		spent = ++sess->errors > (s->opts != NULL &&
		    s->opts->unauth_errors > 0 ? s->opts->unauth_errors :
		    UNAUTH_ERRORS_DEFAULT);
	/* A replay keeps no journal and publishes only the journal's
	 * events: a refusal there is answered and counted, not recorded. */
	if (s->readonly)
		return spent;
	b = refusal_bucket_now(s, addr, now);
	if (now - s->refusal_all_t0 > REFUSAL_INTERVAL_MS) {
		s->refusal_all_t0 = now;
		s->refusal_all_shown = 0;
	}
	/* Recorded one by one: a few a peer, and a few in all however many
	 * peers there are; the rest are counted. */
	if (b->shown >= REFUSAL_SHOWN ||
	    s->refusal_all_shown >= REFUSAL_SHOWN_ALL) {
		refusal_count(b, code, msg);
		return spent;
	}
	b->shown++;
	s->refusal_all_shown++;
	if (recorded != NULL)
		*recorded = 1;
	cJSON *a, *o = server_command_record(req, raw, rawlen, reply,
	    sess ? sess->client : "-", sess ? sess->role : "-");

	cJSON_AddStringToObject(o, "peer", addr);
	cJSON_AddStringToObject(o, "user", sess ? sess->user : "-");
	/* A viewer's attempt, in the words of an intervention. */
	if (s->audit_what[0] != '\0')
		cJSON_AddStringToObject(o, "what", s->audit_what);
	refusal_journal(s, o);
	cJSON_Delete(o);
	if (ipc_get_str(req, "reason", &reason) != 0)
		reason = "";
	a = cJSON_CreateObject();
	cJSON_AddStringToObject(a, "client", sess ? sess->client : "-");
	cJSON_AddStringToObject(a, "user", sess ? sess->user : "-");
	cJSON_AddStringToObject(a, "role", sess ? sess->role : "-");
	/* The command's name, reason and result as they came are anyone's
	 * text: cut, so that the audit event (journaled, and kept in the
	 * refusals every snapshot carries) stays small.  A 250 KB "cmd" from
	 * a peer with no token made each snapshot 30 MB, past what a client
	 * takes, and grew the journal 0.6 MB/s (found by a review). */
	{
		char c[REFUSAL_TEXT], r[REFUSAL_TEXT], m[REFUSAL_TEXT];

		snprintf(c, sizeof c, "%s", cmd);
		snprintf(r, sizeof r, "%s", reason);
		snprintf(m, sizeof m, "%s", msg);
		ipc_utf8_cut(c, 64);
		ipc_utf8_cut(r, TRANCHE_MAX_TEXT);
		ipc_utf8_cut(m, TRANCHE_MAX_TEXT);
		cJSON_AddStringToObject(a, "cmd", c);
		cJSON_AddStringToObject(a, "reason", r);
		cJSON_AddBoolToObject(a, "ok", 0);
		cJSON_AddStringToObject(a, "code", code);
		cJSON_AddStringToObject(a, "result", m);
	}
	cJSON_AddStringToObject(a, "peer", addr);
	if (s->audit_what[0] != '\0')
		cJSON_AddStringToObject(a, "what", s->audit_what);
	server_publish(s, TOPIC_AUDIT, a);
	cJSON_Delete(a);
	return spent;
}

void
server_refusal_tally(struct server *s, const struct peer *peer,
                     const cJSON *reply)
{
	const cJSON *err = cJSON_GetObjectItemCaseSensitive(reply, "error");
	const char *code = "?", *msg = "?";

	if (s->readonly)
		return;
	ipc_get_str(err, "code", &code);
	ipc_get_str(err, "message", &msg);
	refusal_count(refusal_bucket_now(s, peer->addr, server_now_ms()), code,
	    msg);
}

void
server_refusals_flush(struct server *s, int all)
{
	uint64_t now = server_now_ms();

	for (int i = 0; i <= REFUSAL_PEERS; i++) {
		struct refusal_peer *b = &s->refusal_peers[i];
		char codes[160] = "", msg[512];
		cJSON *o, *r, *c;
		size_t off = 0;

		if (b->addr[0] == '\0' || (!all && now - b->t0_ms <=
		    REFUSAL_INTERVAL_MS))
			continue;
		if (b->count == 0) {
			/* A quiet interval: the bucket is free again. */
			memset(b, 0, sizeof *b);
			continue;
		}
		o = cJSON_CreateObject();
		r = cJSON_AddObjectToObject(o, "refusals");
		cJSON_AddStringToObject(r, "peer", b->addr);
		cJSON_AddNumberToObject(r, "count", (double)b->count);
		cJSON_AddNumberToObject(r, "interval_ms", (double)(now - b->t0_ms));
		c = cJSON_AddObjectToObject(r, "codes");
		for (int k = 0; k < REFUSAL_CODES && b->codes[k].code[0]; k++) {
			cJSON_AddNumberToObject(c, b->codes[k].code,
			    (double)b->codes[k].n);
			if (off < sizeof codes)
				off += (size_t)snprintf(codes + off, sizeof codes -
				    off, "%s%s %llu", k ? ", " : "", b->codes[k].code,
				    (unsigned long long)b->codes[k].n);
		}
		cJSON_AddStringToObject(r, "last", b->last);
		refusal_journal(s, o);
		cJSON_Delete(o);
		snprintf(msg, sizeof msg, "%llu more refusals from %s in %.1f s "
		    "(%s); the last: %.200s", (unsigned long long)b->count,
		    b->addr, (double)(now - b->t0_ms) / 1000.0, codes, b->last);
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "client", "-");
		cJSON_AddStringToObject(o, "role", "-");
		cJSON_AddStringToObject(o, "cmd", AUDIT_REFUSED);
		cJSON_AddStringToObject(o, "reason", "");
		cJSON_AddBoolToObject(o, "ok", 0);
		cJSON_AddStringToObject(o, "code", "refusals");
		cJSON_AddStringToObject(o, "result", msg);
		cJSON_AddStringToObject(o, "peer", b->addr);
		cJSON_AddNumberToObject(o, "count", (double)b->count);
		server_publish(s, TOPIC_AUDIT, o);
		cJSON_Delete(o);
		memset(b, 0, sizeof *b);
	}
}

/*
 * NNG stopped freeing pipes (ipc/nngclose.h): a close the engine made has
 * not been released for IPC_PIPE_STUCK_MS.  Nothing mends that short of a
 * new process, and trading is untouched by it, so the supervisor hears it
 * once, on stderr and as a crit alert, with what it costs and what to do.
 */
void
server_nng_check(struct server *s)
{
	uint64_t stuck;
	char text[512];

	if (s->nng_stuck_told || (stuck = ipc_nng_pipe_stuck_ms()) == 0)
		return;
	s->nng_stuck_told = 1;
	snprintf(text, sizeof text, "connections are no longer freed: a "
	    "connection the engine closed %.0f s ago was never released (NNG "
	    "1.5.2's close race, see tranched(1)); trading goes on, but each "
	    "connection that ends now keeps a descriptor and a place, and "
	    "consoles may stop getting events; restart the engine on its "
	    "journal at a quiet moment", (double)stuck / 1000.0);
	fprintf(stderr, "tranched: %s\n", text);
	server_publish_alert(s, "crit", "connections", text);
}
