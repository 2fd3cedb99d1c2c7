/*
 * engine/server/server-cmd.c -- the commands' handlers and their
 * dispatcher.
 *
 * The table of commands is server-cmds.def, included below the handlers:
 * one row per command with its handler, least role and flags (what it
 * is: CMD_WRITE, CMD_RECOVER, CMD_REPLAY ...; server-int.h), which the
 * dispatcher, recovery and the replay all read.  The dispatcher does what
 * every command needs before the handler runs:
 * decode and bound-check the bytes (ipc_command_parse), authenticate, answer
 * a repeated id with the remembered first answer of the same principal
 * (server-idem.c: NNG's REQ resends after a reconnect, and a trader's pause
 * must not become pause-resume-pause), require a reason of commands that
 * change something, and afterwards journal the request with its answer,
 * sync the journal, and publish an audit event -- all before the answer
 * leaves.  Other refusals are recorded by server-session.c.  A handler only
 * decides and acts.
 *
 * A command that changes something runs only on a journal that is written
 * and synced up to that moment; when the journal cannot be written it is
 * answered journal_unavailable and not run (server-journal.c), and if its
 * own record then fails to sync, its ok becomes journal_unavailable too.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/model/impact.h"
#include "engine/server/server-int.h"
#include "ipc/codec.h"
#include "ipc/protocol.h"

typedef cJSON *(*cmd_fn)(struct server *s, const cJSON *req, const char *id,
                         struct session *sess);

struct cmd_entry {
	const char *name;
	cmd_fn fn;
	int min_rank;   /* ROLE_*: the least role that may send it */
	int flags;      /* CMD_WRITE ... (server-int.h) */
};

/* JSON text in buf cut past 60 bytes, marked "...": on a character, so
 * the message stays valid UTF-8, and not inside an escape of the JSON
 * text (half of \" or \u001b: found by a review). */
static void
cmd_cut_json(char *buf, size_t n)
{
	if (strlen(buf) > 60 && n > 64) {
		size_t k = strlen(ipc_utf8_cut(buf, 60));

		for (size_t i = 0; i < k; i++)
			if (buf[i] == '\\') {
				size_t esc = buf[i + 1] == 'u' ? 6 : 2;

				if (i + esc > k) {
					buf[i] = '\0';
					break;
				}
				i += esc - 1;
			}
		strcat(buf, "...");
	}
}

/* A field's JSON text for an error message (cut, never NULL). */
static const char *
cmd_field_text(const cJSON *req, const char *name, char *buf, size_t n)
{
	const cJSON *f = cJSON_GetObjectItemCaseSensitive(req, name);
	const char *spelt = ipc_number_spelling(f);
	/* A number as it was sent, not as cJSON prints its double: whoever
	 * sent 1.50 or 1e2 must find that in the refusal, not 1.5 or 100. */
	char *txt = spelt == NULL ? cJSON_PrintUnformatted(f) : NULL;

	snprintf(buf, n, "%s", spelt ? spelt : txt ? txt : "?");
	cmd_cut_json(buf, n);
	cJSON_free(txt);
	return buf;
}

/* A member's name for an error message: escaped as in JSON, without its
 * quotes, cut with "..." past 60 bytes (it was cut at 64 unmarked and
 * unescaped: note27's probe, D4). */
static const char *
cmd_name_text(const char *name, char *buf, size_t n)
{
	cJSON *str = cJSON_CreateString(name != NULL ? name : "?");
	char *txt = str != NULL ? cJSON_PrintUnformatted(str) : NULL;
	size_t len;

	snprintf(buf, n, "%s", txt != NULL ? txt : "\"?\"");
	cJSON_free(txt);
	cJSON_Delete(str);
	/* Without its quotes. */
	len = strlen(buf);
	if (len >= 2) {
		memmove(buf, buf + 1, len - 2);
		buf[len - 2] = '\0';
	}
	cmd_cut_json(buf, n);
	return buf;
}

/* An error reply for a field of the wrong type or out of range. */
static cJSON *
cmd_bad_field(const char *id, const cJSON *req, const char *name,
              const char *must)
{
	char v[80];

	/* A token is a password: a refusal is journaled and published on
	 * the audit topic, so it never shows one. */
	return ipc_reply_error(id, ERR_FIELD, "field \"%s\" %s: %s", name,
	    strcmp(name, "token") == 0 ? "(not shown)" :
	    cmd_field_text(req, name, v, sizeof v), must);
}

/*
 * An optional whole number in [lo, hi]: 0 found, 1 absent, -1 with *err.
 */
static int
cmd_int(const cJSON *req, const char *id, const char *name, int64_t lo,
        int64_t hi, int64_t *out, cJSON **err)
{
	int rv = ipc_get_i64(req, name, out);
	char must[96];

	if (rv == -1)
		return 1;
	if (rv != 0 || *out < lo || *out > hi) {
		snprintf(must, sizeof must, "must be a whole number from %lld to "
		    "%lld", (long long)lo, (long long)hi);
		*err = cmd_bad_field(id, req, name, must);
		return -1;
	}
	return 0;
}

/* An optional name, enum value or token: 0, 1 absent, -1 *err.  A control
 * character or invalid UTF-8 is refused, never stripped: "\u001bpassive"
 * is not passive. */
static int
cmd_str(const cJSON *req, const char *id, const char *name, const char **out,
        cJSON **err)
{
	int rv = ipc_get_name(req, name, out);
	char v[96];

	if (rv == -1)
		return 1;
	if (rv == -3) {
		*err = ipc_reply_error(id, ERR_FIELD, "field \"%s\" \"%s\": must "
		    "be valid UTF-8 without control characters", name,
		    strcmp(name, "token") == 0 ? "(not shown)" :
		    ipc_show(v, sizeof v, *out, strlen(*out)));
		return -1;
	}
	if (rv != 0) {
		*err = cmd_bad_field(id, req, name, "must be a string");
		return -1;
	}
	return 0;
}

/* An exec error as a reply: no such block, or not in this state. */
static cJSON *
cmd_exec_error(const char *id, const char *err)
{
	return ipc_reply_error(id, strstr(err, "no such") ? ERR_NOT_FOUND :
	    ERR_STATE, "%s", err);
}

/*
 * The block a command names: "block" as a string or number; absent means
 * every block (0) when allowed.  Returns 0, or -1 with *err set.
 */
static int
cmd_block(const cJSON *req, const char *id, int required, uint32_t *out,
          cJSON **err)
{
	int64_t v;
	int rv = ipc_get_i64(req, "block", &v);

	*out = 0;
	if (rv == -1 && !required)
		return 0;
	if (rv == -1) {
		*err = ipc_reply_error(id, ERR_FIELD, "field \"block\": required");
		return -1;
	}
	if (rv != 0 || v <= 0 || v > UINT32_MAX) {
		*err = cmd_bad_field(id, req, "block", "must be a block id (a "
		    "positive whole number)");
		return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

/*
 * Refused unless block (0: every block) has one that is not finished: a
 * limit set on a DONE, CANCELLED or EXPIRED block changed nothing and was
 * answered ok, journaled and audited as if it had.  Recovery re-applies
 * what was accepted before, under whatever rule held then.
 */
static cJSON *
cmd_unfinished(const struct server *s, const char *id, uint32_t block,
               const char *what)
{
	const struct parent *p;

	if (s->recovering)
		return NULL;
	if (block != 0) {
		if ((p = exec_find(s->x, block)) != NULL &&
		    EXEC_STATE_FINAL(p->state))
			return ipc_reply_error(id, ERR_STATE, "block %u is %s: "
			    "nothing to %s", block, exec_state_name(p->state),
			    what);
		return NULL;
	}
	for (size_t i = 0; i < exec_count(s->x); i++)
		if (!EXEC_STATE_FINAL(exec_get(s->x, i)->state))
			return NULL;
	return ipc_reply_error(id, ERR_STATE, "no block is working (%zu, all "
	    "finished): nothing to %s", exec_count(s->x), what);
}

/* 1 when k is a member of a command taking `allowed` (NULL ended):
 * cmd, id and reason are every command's. */
static int
cmd_member_ok(const char *k, const char *const *allowed)
{
	if (k == NULL)
		return 0;
	if (strcmp(k, "cmd") == 0 || strcmp(k, "id") == 0 ||
	    strcmp(k, "reason") == 0)
		return 1;
	for (int i = 0; allowed[i] != NULL; i++)
		if (strcmp(k, allowed[i]) == 0)
			return 1;
	return 0;
}

/*
 * The members a command takes besides cmd, id and reason (allowed, NULL
 * ended): any other is refused naming it, and nothing is done.  A
 * misspelt member used to be ignored, and for pause, resume and throttle
 * a misspelt "block" meant every block; for submit a misspelt limit_px
 * made a block with no limit.  Recovery re-applies what was accepted
 * before, under whatever rule held then, and is not checked.
 */
cJSON *
cmd_members(const struct server *s, const cJSON *req, const char *id,
            const char *cmd, const char *const *allowed)
{
	const cJSON *m;

	if (s->recovering)
		return NULL;
	cJSON_ArrayForEach(m, req) {
		const char *k = m->string;

		if (!cmd_member_ok(k, allowed)) {
			char list[400] = "", name[80];
			size_t n = 0;

			for (int i = 0; allowed[i] != NULL && n < sizeof list; i++)
				n += (size_t)snprintf(list + n, sizeof list - n,
				    "%s%s", i ? ", " : "", allowed[i]);
			cmd_name_text(k, name, sizeof name);
			if (allowed[0] == NULL)
				return ipc_reply_error(id, ERR_FIELD, "field "
				    "\"%s\": not a member of %s (it takes only "
				    "cmd, id and reason)", name, cmd);
			return ipc_reply_error(id, ERR_FIELD, "field \"%s\": "
			    "not a member of %s (it takes %s, and cmd, id and "
			    "reason)", name, cmd, list);
		}
	}
	return NULL;
}

/*
 * A hello refused for who it asks to be (a bad role, token or grant)
 * leaves the connection as a new one is, a viewer that has not
 * authenticated: whoever sent it must not go on under the role an earlier
 * hello on the same connection earned (a shared terminal where the next
 * person's login fails).  Its answer, the refusal, is e.
 */
static cJSON *
cmd_hello_refused(struct session *sess, cJSON *e)
{
	sess->rank = ROLE_VIEWER;
	sess->authed = 0;
	sess->token = 0;
	snprintf(sess->role, sizeof sess->role, "%s",
	    server_role_name(ROLE_VIEWER));
	snprintf(sess->user, sizeof sess->user, "%s", sess->peer_user);
	/* Nor the name the last hello gave: the refused one is recorded as
	 * a new connection's, not as the terminal's before (found by an
	 * adversarial review). */
	snprintf(sess->client, sizeof sess->client, "anonymous");
	server_session_principal(sess);
	return e;
}

/* 1 when a request the parser refused reads, leniently, as a hello. */
static int
cmd_looks_like_hello(const void *buf, size_t len)
{
	cJSON *lax = cJSON_ParseWithLength(buf, len);
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(lax, "cmd");
	int yes = cJSON_IsString(c) && strcmp(c->valuestring, CMD_HELLO) == 0;

	cJSON_Delete(lax);
	return yes;
}

static const char *const hello_mem[] = { "v", "role", "client", "token",
    NULL };


/*
 * The events URL for sess: its own listener's twin, at the address the
 * peer reached for a tcp:// or tls+tcp:// one (a listener on 0.0.0.0 or
 * a name is no address to dial back).  An engine listening on ipc:// and
 * tcp:// told a tcp:// peer the ipc:// twin (found by an independent probe
 * on 2026-12-07).  The first listener's when NNG does not say.
 */
static const char *
cmd_events_url(struct server *s, const struct session *sess)
{
	static char url[600];
	nng_pipe p = NNG_PIPE_INITIALIZER;
	nng_listener l;
	nng_sockaddr sa;
	char *lurl = NULL, ip[INET6_ADDRSTRLEN + 2] = "", ctl[600];
	const char *scheme;
	unsigned port = 0;

	p.id = sess->pipe;
	l = nng_pipe_listener(p);
	if (nng_listener_id(l) <= 0 ||
	    nng_listener_get_string(l, NNG_OPT_URL, &lurl) != 0)
		return s->events_url;
	scheme = strncmp(lurl, "tls+tcp://", 10) == 0 ? "tls+tcp" :
	    strncmp(lurl, "tcp://", 6) == 0 ? "tcp" : NULL;
	if (scheme != NULL && nng_pipe_get_addr(p, NNG_OPT_LOCADDR, &sa) == 0) {
		if (sa.s_family == NNG_AF_INET && inet_ntop(AF_INET,
		    &sa.s_in.sa_addr, ip, sizeof ip) != NULL)
			port = ntohs(sa.s_in.sa_port);
		else if (sa.s_family == NNG_AF_INET6 && inet_ntop(AF_INET6,
		    sa.s_in6.sa_addr, ip + 1, sizeof ip - 2) != NULL) {
			ip[0] = '[';
			strcat(ip, "]");
			port = ntohs(sa.s_in6.sa_port);
		}
	}
	/* The control URL the peer reached, and its events twin by the one
	 * rule (ipc_events_url). */
	if (port > 0)
		snprintf(ctl, sizeof ctl, "%s://%s:%u", scheme, ip, port);
	else
		snprintf(ctl, sizeof ctl, "%s", lurl);
	if (ipc_events_url(ctl, url, sizeof url) != 0)
		snprintf(url, sizeof url, "%s", s->events_url);
	nng_strfree(lurl);
	return url;
}

static cJSON *
cmd_hello(struct server *s, const cJSON *req, const char *id,
          struct session *sess)
{
	const char *client = NULL, *role = "viewer", *token = NULL;
	int64_t v = -1;
	int rank, granted = -1, tok = 0, rv;
	cJSON *r, *e = NULL;

	if ((rv = ipc_get_i64(req, "v", &v)) == -1)
		return ipc_reply_error(id, ERR_FIELD, "field \"v\": the client's "
		    "protocol version is required (this engine speaks %d)",
		    TRANCHE_PROTO_VERSION);
	if (rv != 0) {
		char must[96];

		snprintf(must, sizeof must, "must be the client's protocol "
		    "version, a whole number (this engine speaks %d)",
		    TRANCHE_PROTO_VERSION);
		return cmd_bad_field(id, req, "v", must);
	}
	if (v != TRANCHE_PROTO_VERSION)
		return ipc_reply_error(id, ERR_VERSION, "protocol version %lld "
		    "(client) is not %d (engine): use matching tranche and "
		    "tranched builds", (long long)v, TRANCHE_PROTO_VERSION);
	/* Nothing else: a successful hello is journaled whole and synced,
	 * so a stray member was a token holder's way to write a megabyte to
	 * disk per request. */
	if ((e = cmd_members(s, req, id, CMD_HELLO, hello_mem)) != NULL)
		return cmd_hello_refused(sess, e);
	if (cmd_str(req, id, "role", &role, &e) < 0 ||
	    cmd_str(req, id, "client", &client, &e) < 0 ||
	    cmd_str(req, id, "token", &token, &e) < 0)
		return cmd_hello_refused(sess, e);
	/* The name the audit and the journal give it: cut, it was another
	 * name than the one sent. */
	if (client != NULL && strlen(client) >= sizeof sess->client) {
		char shown[96];

		return cmd_hello_refused(sess, ipc_reply_error(id, ERR_FIELD,
		    "field \"client\" \"%s\": at most %zu bytes (%zu given)",
		    ipc_show(shown, sizeof shown, client, strlen(client)),
		    sizeof sess->client - 1, strlen(client)));
	}
	if ((rank = server_role_rank(role)) < 0)
		return cmd_hello_refused(sess, cmd_bad_field(id, req, "role",
		    "must be viewer, trader or supervisor"));
	if (token != NULL) {
		if ((granted = server_token_grant(s, token, &tok)) < 0)
			return cmd_hello_refused(sess, ipc_reply_error(id,
			    ERR_AUTH, "field \"token\": not a token this engine "
			    "knows"));
		if (granted < rank)
			return cmd_hello_refused(sess, ipc_reply_error(id,
			    ERR_ROLE, "role \"%s\": this token grants %s at most",
			    role, server_role_name(granted)));
	} else if (sess->kind != PEER_LOCAL)
		return cmd_hello_refused(sess, ipc_reply_error(id, ERR_AUTH,
		    "field \"token\": required (%s); set TRANCHE_TOKEN",
		    sess->kind == PEER_REMOTE ? "a tcp:// or tls+tcp:// peer "
		    "must present a token" : "an ipc:// peer of another uid "
		    "must present a token"));
	/* A hello without a name is "anonymous", not the name an earlier
	 * hello on the connection gave (another person's, on a shared
	 * terminal, and their principal). */
	snprintf(sess->client, sizeof sess->client, "%s", client != NULL &&
	    client[0] != '\0' ? client : "anonymous");
	sess->rank = rank;
	sess->authed = 1;
	sess->token = tok;
	snprintf(sess->token_name, sizeof sess->token_name, "%s", tok > 0 ?
	    s->tokens[tok - 1].name : "");
	/* The person: the token's, else whom the transport vouched for. */
	snprintf(sess->user, sizeof sess->user, "%s", tok > 0 ?
	    s->tokens[tok - 1].name : sess->peer_user);
	snprintf(sess->role, sizeof sess->role, "%s", server_role_name(rank));
	server_session_principal(sess);
	r = ipc_reply_ok(id);
	cJSON_AddStringToObject(r, "engine", s->name);
	cJSON_AddStringToObject(r, "version", TRANCHE_VERSION);
	cJSON_AddNumberToObject(r, "v", TRANCHE_PROTO_VERSION);
	cJSON_AddNumberToObject(r, "tick", server_tick(s));
	cJSON_AddStringToObject(r, "sym", server_sym(s));
	cJSON_AddItemToObject(r, "syms", server_syms_json(s));
	cJSON_AddStringToObject(r, "events", cmd_events_url(s, sess));
	cJSON_AddStringToObject(r, "role", sess->role);
	/* Whom the audit names for this session: a console knows its own
	 * commands' audit records by it and the id (another person may send
	 * a command under an id a console used: ids are public). */
	cJSON_AddStringToObject(r, "user", sess->user);
	/* Every algorithm the registry holds: a console validates a switch
	 * against this list rather than against one of its own. */
	cJSON *algos = cJSON_AddArrayToObject(r, "algos");
	for (size_t i = 0; i < algo_count; i++)
		cJSON_AddItemToArray(algos, cJSON_CreateString(algo_all[i]->name));
	cJSON_AddStringToObject(r, "journal", s->jpath);
	cJSON_AddStringToObject(r, "session", s->session);
	if (s->readonly)
		cJSON_AddBoolToObject(r, "replay", 1);
	return r;
}

static cJSON *
cmd_status(struct server *s, const cJSON *req, const char *id,
           struct session *sess)
{
	static const char *const mem[] = { NULL };
	cJSON *r, *lim;
	double pov = 100;

	/* A read takes nothing: a member there (a "block" meant as a
	 * filter) would be answered for every block without a word. */
	if ((r = cmd_members(s, req, id, CMD_STATUS, mem)) != NULL)
		return r;
	r = ipc_reply_ok(id);
	cJSON_AddStringToObject(r, "state", server_state(s));
	ipc_add_i64_str(r, "t", server_now(s));
	cJSON_AddNumberToObject(r, "speed", s->speed);
	if (!s->readonly)
		cJSON_AddNumberToObject(r, "lost_ms", round(s->lost_ms));
	cJSON_AddItemToObject(r, "syms", server_syms_json(s));
	cJSON_AddItemToObject(r, "blocks", server_blocks_json(s));
	if (s->readonly) {
		/* A replay has no limits in force, only what it replayed. */
		cJSON_AddBoolToObject(r, "replay", 1);
		cJSON_AddBoolToObject(r, "ended", s->rp->ended);
		return r;
	}
	for (size_t i = 0; i < exec_count(s->x); i++)
		if (exec_get(s->x, i)->spec.max_pov < pov)
			pov = exec_get(s->x, i)->spec.max_pov;
	lim = cJSON_AddObjectToObject(r, "limits");
	cJSON_AddNumberToObject(lim, "max_pov", pov);
	cJSON_AddNumberToObject(lim, "block_shares",
	    (double)s->sc.limits.block_shares);
	cJSON_AddNumberToObject(lim, "block_notional",
	    s->sc.limits.block_notional);
	cJSON_AddNumberToObject(lim, "open_notional",
	    s->sc.limits.open_notional);
	cJSON_AddNumberToObject(lim, "symbol_pov", s->sc.limits.symbol_pov);
	cJSON_AddNumberToObject(lim, "symbol_pov_s",
	    s->sc.limits.symbol_pov_s);
	{
		/* What a supervisor turned off (the venue command), as the
		 * first market with venues has it: the command sets all. */
		cJSON *off = cJSON_AddArrayToObject(r, "venues_off");

		for (size_t i = 0; i < exec_market_count(s->x); i++) {
			struct market *m = exec_market_at(s->x, i);

			if (!venue_present(m))
				continue;
			for (int v = VENUE_DARK; v < VENUE_COUNT; v++)
				if (!venue_enabled(m, v))
					cJSON_AddItemToArray(off,
					    cJSON_CreateString(venue_name(v)));
			for (int d = 0; d < venue_dealer_count(m); d++)
				if (!venue_dealer_enabled(m, d))
					cJSON_AddItemToArray(off, cJSON_CreateString(
					    venue_dealer_name(m, d)));
			break;
		}
	}
	server_jrnl_describe(s, r);
	return r;
}

/*
 * The snapshot as it is now, without "ok" and "id": everything a console
 * needs to start over.  Built at most once per state of the engine -- the
 * last seq published and the simulated time -- and shared by every request
 * that asks before either moves, so thirty consoles asking in one loop pass
 * cost the loop one build (and a copy each), not thirty.
 */
static const char *
cmd_snapshot_text(struct server *s)
{
	cJSON *r, *kids;
	char *txt;

	if (s->snap_text != NULL && s->snap_seq == s->seq &&
	    s->snap_t == server_now(s))
		return s->snap_text;
	r = cJSON_CreateObject();
	cJSON_AddNumberToObject(r, "seq", (double)s->seq);
	ipc_add_i64_str(r, "t", server_now(s));
	/* The session's prints up to seq: the tape's count. */
	cJSON_AddNumberToObject(r, "prints", (double)s->prints);
	cJSON_AddNumberToObject(r, "tick", server_tick(s));
	cJSON_AddStringToObject(r, "sym", server_sym(s));
	cJSON_AddStringToObject(r, "state", server_state(s));
	cJSON_AddItemToObject(r, "syms", server_syms_json(s));
	/* "book" is the first symbol's (what a one-symbol console reads),
	 * "books" every symbol's. */
	cJSON_AddItemToObject(r, "book", server_book_first_json(s));
	cJSON_AddItemToObject(r, "books", server_books_json(s));
	cJSON_AddItemToObject(r, "blocks", server_blocks_json(s));
	cJSON_AddItemToObject(r, "decisions", server_ring_json(&s->decisions));
	cJSON_AddItemToObject(r, "alerts", server_alerts_json(s));
	cJSON_AddItemToObject(r, "audit", server_ring_json(&s->audits));
	cJSON_AddItemToObject(r, "refusals", server_ring_json(&s->refusals));
	cJSON_AddItemToObject(r, "news", server_ring_json(&s->news));
	/* The recent requests for quotes, as their last rfq events said. */
	cJSON_AddItemToObject(r, "rfqs", s->x != NULL ? exec_rfq_json(s->x) :
	    cJSON_CreateArray());
	/* A replay's live children are not in the event stream as a set. */
	kids = cJSON_AddArrayToObject(r, "children");
	if (s->readonly)
		cJSON_AddBoolToObject(r, "replay", 1);
	for (size_t i = 0; s->x != NULL && i < exec_count(s->x); i++) {
		struct parent *p = exec_get(s->x, i);

		for (size_t k = 0; k < p->nchildren; k++) {
			struct child *c = &p->children[k];
			char cid[32];

			if (!c->live)
				continue;
			cJSON *o = cJSON_CreateObject();
			snprintf(cid, sizeof cid, "%u", p->id);
			cJSON_AddStringToObject(o, "block", cid);
			snprintf(cid, sizeof cid, "c%llu",
			    (unsigned long long)(c->id & ~(1ULL << 63)));
			cJSON_AddStringToObject(o, "id", cid);
			cJSON_AddStringToObject(o, "sym", p->spec.sym);
			cJSON_AddNumberToObject(o, "px", (double)c->px);
			cJSON_AddNumberToObject(o, "qty", (double)c->qty);
			cJSON_AddNumberToObject(o, "filled", (double)c->filled);
			cJSON_AddItemToArray(kids, o);
		}
	}
	txt = cJSON_PrintUnformatted(r);
	cJSON_Delete(r);
	if (txt == NULL || txt[0] != '{')
		return (cJSON_free(txt), NULL);
	free(s->snap_text);
	s->snap_len = strlen(txt);
	if ((s->snap_text = malloc(s->snap_len + 1)) != NULL)
		memcpy(s->snap_text, txt, s->snap_len + 1);
	cJSON_free(txt);
	s->snap_seq = s->seq;
	s->snap_t = server_now(s);
	return s->snap_text;
}

static cJSON *
cmd_snapshot(struct server *s, const cJSON *req, const char *id,
             struct session *sess)
{
	static const char *const mem[] = { NULL };
	cJSON *e;

	if ((e = cmd_members(s, req, id, CMD_SNAPSHOT, mem)) != NULL)
		return e;
	/* Everything the engine has said is in the outbox or already sent:
	 * push it out so this snapshot's seq is the last one published (a
	 * replay sends each event as it reads it). */
	if (!s->readonly) {
		exec_emit_dirty(s->x);
		server_flush(s);
	}
	if (cmd_snapshot_text(s) == NULL)
		return ipc_reply_error(id, ERR_STATE, "snapshot: out of memory");
	/* server_command appends the shared text to {"ok":true,"id":...}. */
	s->snap_splice = 1;
	return ipc_reply_ok(id);
}

static cJSON *
cmd_pause_resume(struct server *s, const cJSON *req, const char *id, int pause)
{
	static const char *const mem[] = { "block", NULL };
	char err[256];
	uint32_t block;
	cJSON *e = NULL, *r;

	if ((e = cmd_members(s, req, id, pause ? CMD_PAUSE : CMD_RESUME,
	    mem)) != NULL || cmd_block(req, id, 0, &block, &e) != 0)
		return e;
	if (!pause && server_kill_holds(s))
		return ipc_reply_error(id, ERR_HALTED, "the kill switch is on: "
		    "a supervisor must release it");
	if ((pause ? exec_pause : exec_resume)(s->x, block, err, sizeof err) != 0)
		return ipc_reply_error(id, strstr(err, "no such") ? ERR_NOT_FOUND :
		    ERR_STATE, "%s", err);
	r = ipc_reply_ok(id);
	cJSON_AddStringToObject(r, "state", server_state(s));
	/* The last event this pause or resume caused: everything after it
	 * happened under the new state. */
	cJSON_AddNumberToObject(r, "seq", (double)s->seq);
	return r;
}

static cJSON *
cmd_pause(struct server *s, const cJSON *req, const char *id,
          struct session *sess)
{
	return cmd_pause_resume(s, req, id, 1);
}

static cJSON *
cmd_resume(struct server *s, const cJSON *req, const char *id,
           struct session *sess)
{
	return cmd_pause_resume(s, req, id, 0);
}

static cJSON *
cmd_throttle(struct server *s, const cJSON *req, const char *id,
             struct session *sess)
{
	char err[256];
	uint32_t block;
	double pct = 0;
	int64_t maxc = 0;
	const char *aggr = NULL, *at_end = NULL;
	int cross = -1;
	struct exec_limits l = { 0, 0, -1 };
	struct parent *p;
	cJSON *e = NULL, *r;
	static const char *const mem[] = { "block", "pct", "max_child",
	    "aggression", "at_end", NULL };
	int rv = ipc_get_num(req, "pct", &pct);

	if ((e = cmd_members(s, req, id, CMD_THROTTLE, mem)) != NULL)
		return e;
	if (rv == -2)
		return cmd_bad_field(id, req, "pct", "must be a number");
	if (rv == 0 && !(pct > 0 && pct <= 100 && (pct >= EXEC_POV_MIN ||
	    s->recovering)))
		return cmd_bad_field(id, req, "pct", "must be from "
		    EXEC_POV_MIN_TEXT " to 100");
	if (rv == 0)
		l.pct = pct;
	if ((rv = cmd_int(req, id, "max_child", 1, 1000000000LL, &maxc, &e)) < 0)
		return e;
	if (rv == 0)
		l.max_child = maxc;
	if (cmd_str(req, id, "aggression", &aggr, &e) < 0)
		return e;
	/* Values are quoted whole, or cut with "..." (cmd_field_text): a
	 * silent cut can read as another value. */
	if (aggr != NULL && (l.aggression = exec_aggression_parse(aggr)) < 0)
		return cmd_bad_field(id, req, "aggression", "must be passive, "
		    "neutral or aggressive");
	if (cmd_str(req, id, "at_end", &at_end, &e) < 0)
		return e;
	if (at_end != NULL && (cross = exec_at_end_parse(at_end)) < 0)
		return cmd_bad_field(id, req, "at_end", "must be cross or leave");
	/* What happens to a block's unfilled rest is the desk's decision,
	 * not the trader's working the block. */
	if (at_end != NULL && sess->rank < ROLE_SUPERVISOR)
		return ipc_reply_error(id, ERR_ROLE, "field \"at_end\" \"%s\": "
		    "a supervisor's setting (this session is %s)", at_end,
		    sess->role);
	if (l.pct <= 0 && l.max_child <= 0 && l.aggression < 0 && cross < 0)
		return ipc_reply_error(id, ERR_FIELD, "field \"pct\": required "
		    "unless max_child, aggression or at_end is given (maximum "
		    "participation in percent, > 0 and <= 100)");
	if (cmd_block(req, id, 0, &block, &e) != 0)
		return e;
	if ((e = cmd_unfinished(s, id, block, "throttle")) != NULL)
		return e;
	if (cross >= 0 && exec_set_at_end(s->x, block, cross, err,
	    sizeof err) != 0)
		return cmd_exec_error(id, err);
	if ((l.pct > 0 || l.max_child > 0 || l.aggression >= 0) &&
	    exec_limit(s->x, block, &l, err, sizeof err) != 0)
		return cmd_exec_error(id, err);
	r = ipc_reply_ok(id);
	p = block ? exec_find(s->x, block) : exec_count(s->x) ?
	    exec_get(s->x, 0) : NULL;
	cJSON_AddNumberToObject(r, "max_pov", p ? p->spec.max_pov : pct);
	cJSON_AddNumberToObject(r, "max_child", p ? (double)p->max_child : 0);
	cJSON_AddStringToObject(r, "aggression", exec_aggression_name(p ?
	    p->aggr_cap : AGGR_AGGRESSIVE));
	if (p != NULL)
		cJSON_AddStringToObject(r, "at_end", exec_at_end_name(
		    p->spec.cleanup));
	return r;
}

/* A time field: ns as a string (or number), within the session's day. */
static int
cmd_time(struct server *s, const cJSON *req, const char *id, const char *name,
         int64_t *out, cJSON **err)
{
	int rv = ipc_get_i64(req, name, out);

	if (rv == -1)
		return 1;
	if (rv != 0 || *out < 0 || *out > 86400LL * 1000000000LL) {
		*err = cmd_bad_field(id, req, name, "must be simulated ns since "
		    "midnight, as a string");
		return -1;
	}
	return 0;
}

/*
 * A submit's optional "origin": {"kind":"fix","session","clordid"} for a
 * block an order management system sent, {"kind":"ctl"|"console"} for one
 * a person typed.  0 (absent leaves ps->origin empty), or -1 with *err
 * naming the member and its value.  A FIX origin naming a session of this
 * engine's own FIX gateway comes only from the gateway (or the journal
 * that recorded it): from anyone else it would send that counterparty
 * reports of an order it never sent.
 */
static int
cmd_origin(const struct server *s, const cJSON *req, const char *id,
           struct parent_spec *ps, const struct session *who, cJSON **err)
{
	const cJSON *o = cJSON_GetObjectItemCaseSensitive(req, "origin");
	const char *kind = NULL, *sess = NULL, *ref = NULL;
	/* A value quoted back is cut on a character and escaped (ipc_show):
	 * a "%.40s" cut a name in the middle of one, and the reply was not
	 * UTF-8. */
	char shown[80];
	int fix;

	if (o == NULL)
		return 0;
	if (!cJSON_IsObject(o)) {
		*err = cmd_bad_field(id, req, "origin", "must be an object "
		    "{\"kind\":\"fix|ctl|console\",...}");
		return -1;
	}
	/* Its members as strictly as the command's: "clordId" must not
	 * leave a FIX origin without its ClOrdID unsaid. */
	if (!s->recovering) {
		const cJSON *m;

		cJSON_ArrayForEach(m, o)
			if (m->string == NULL || (strcmp(m->string, "kind") != 0 &&
			    strcmp(m->string, "session") != 0 &&
			    strcmp(m->string, "clordid") != 0)) {
				char name[80];

				*err = ipc_reply_error(id, ERR_FIELD, "field "
				    "\"origin.%s\": not a member of origin (it "
				    "takes kind, session and clordid)",
				    cmd_name_text(m->string, name, sizeof name));
				return -1;
			}
	}
	if (cmd_str(o, id, "kind", &kind, err) < 0 ||
	    cmd_str(o, id, "session", &sess, err) < 0 ||
	    cmd_str(o, id, "clordid", &ref, err) < 0)
		return -1;
	if (kind == NULL || (strcmp(kind, "fix") != 0 &&
	    strcmp(kind, "ctl") != 0 && strcmp(kind, "console") != 0)) {
		*err = ipc_reply_error(id, ERR_FIELD, "field \"origin.kind\" "
		    "\"%s\": must be fix, ctl or console", ipc_show(shown,
		    20, kind ? kind : "", kind ? strlen(kind) : 0));
		return -1;
	}
	fix = strcmp(kind, "fix") == 0;
	if (fix && (sess == NULL || sess[0] == '\0' ||
	    strlen(sess) >= sizeof ps->origin.session)) {
		*err = ipc_reply_error(id, ERR_FIELD, "field \"origin.session\" "
		    "\"%s\": a FIX origin needs its session's name (1 to %zu "
		    "characters)", ipc_show(shown, 44, sess ? sess : "", sess ?
		    strlen(sess) : 0), sizeof ps->origin.session - 1);
		return -1;
	}
	if (fix && (ref == NULL || ref[0] == '\0' ||
	    strlen(ref) >= sizeof ps->origin.clordid)) {
		*err = ipc_reply_error(id, ERR_FIELD, "field \"origin.clordid\" "
		    "\"%s\": a FIX origin needs the order's ClOrdID (1 to %zu "
		    "characters)", ipc_show(shown, 74, ref ? ref : "", ref ?
		    strlen(ref) : 0), sizeof ps->origin.clordid - 1);
		return -1;
	}
	if (fix && !who->gateway && !s->recovering &&
	    server_fix_has_session(s, sess)) {
		*err = ipc_reply_error(id, ERR_ROLE, "field \"origin.session\" "
		    "\"%s\": a session of this engine's FIX gateway; only the "
		    "gateway submits its orders", ipc_show(shown, 44, sess,
		    strlen(sess)));
		return -1;
	}
	if (!fix && (sess != NULL || ref != NULL)) {
		*err = ipc_reply_error(id, ERR_FIELD, "field \"origin.%s\": only "
		    "a fix origin has one (kind is %s)", sess ? "session" :
		    "clordid", kind);
		return -1;
	}
	snprintf(ps->origin.kind, sizeof ps->origin.kind, "%s", kind);
	if (fix) {
		snprintf(ps->origin.session, sizeof ps->origin.session, "%s",
		    sess);
		snprintf(ps->origin.clordid, sizeof ps->origin.clordid, "%s",
		    ref);
	}
	return 0;
}

/* The price a block's notional is counted at, ticks: the mid; with one
 * side of the book empty (a block of ours may have swept it), the other
 * side's best or the last trade, whichever is higher; 0 with neither. */
static double
cmd_ref_px(const struct market *m)
{
	double mid = m != NULL ? market_mid(m) : 0;
	int64_t bpx = 0, q = 0, px;

	if (m == NULL || mid > 0)
		return mid > 0 ? mid : 0;
	px = m->last_px;
	for (int side = BOOK_BID; side <= BOOK_ASK; side++)
		if (m->book != NULL && book_best(m->book, side, &bpx, &q) == 0 &&
		    bpx > px)
			px = bpx;
	return px > 0 ? (double)px : 0;
}

/* A block's shares at its market's reference price, dollars. */
static double
cmd_notional(const struct market *m, int64_t qty)
{
	return (double)qty * cmd_ref_px(m) * (m != NULL ? m->tick : 0);
}

/*
 * The desk's limits (the scenario's "limits") on a block of qty shares in
 * market m, new or (self) amended: on the block, its shares and its
 * notional; on the desk, the notional of what its unfinished blocks have
 * left to trade, this one's included.  NULL, or the risk refusal naming
 * qty, its value and the limit it passes.  Notionals are at each symbol's
 * mid now (none before its book has one).  Recovery re-applies what was
 * accepted before.
 */
static cJSON *
cmd_block_limits(const struct server *s, const char *id, const cJSON *req,
                 const struct market *m, int64_t qty,
                 const struct parent *self)
{
	const struct scenario_limits *l = &s->sc.limits;
	double notional = cmd_notional(m, qty), open = 0, mine;
	int others = 0;
	char v[80];

	if (s->recovering)
		return NULL;
	/* qty as it was sent (req's): "0500000" is not what was typed as
	 * 500000. */
	cmd_field_text(req, "qty", v, sizeof v);
	if (qty > l->block_shares)
		return ipc_reply_error(id, ERR_RISK, "field \"qty\" %s: over "
		    "the desk's limit of %lld shares a block "
		    "(limits.block_shares)", v, (long long)l->block_shares);
	if (notional > l->block_notional)
		return ipc_reply_error(id, ERR_RISK, "field \"qty\" %s: $%.0f "
		    "at $%.2f, over the desk's limit of $%.0f a block "
		    "(limits.block_notional)", v, notional,
		    cmd_ref_px(m) * m->tick, l->block_notional);
	for (size_t i = 0; i < exec_count(s->x); i++) {
		const struct parent *p = exec_get(s->x, i);

		if (p == self || EXEC_STATE_FINAL(p->state))
			continue;
		open += cmd_notional(p->m, p->spec.qty - p->filled);
		others++;
	}
	mine = cmd_notional(m, qty - (self != NULL ? self->filled : 0));
	if (open + mine > l->open_notional)
		return ipc_reply_error(id, ERR_RISK, "field \"qty\" %s: the "
		    "desk's unfinished blocks would have $%.0f left to trade "
		    "($%.0f of it this block's, the rest in %d others), over its "
		    "limit of $%.0f (limits.open_notional)", v,
		    open + mine, mine, others, l->open_notional);
	return NULL;
}

static cJSON *
cmd_submit(struct server *s, const cJSON *req, const char *id,
           struct session *sess)
{
	struct parent_spec ps;
	const char *sym = NULL, *side = NULL, *algo = "twap", *urg = NULL,
	    *at_end = NULL, *venues = NULL, *dealers = NULL, *endf = "end";
	char syms[160];
	int64_t qty = 0, lim = 0, start = s->m->now, end = 0, dur = 0;
	double pov = 100;
	const cJSON *params;
	char err[256];
	uint32_t block;
	cJSON *e = NULL, *r;
	int rv;
	static const char *const mem[] = { "sym", "side", "qty", "algo",
	    "start", "end", "duration_s", "limit_px", "max_pov", "urgency",
	    "at_end", "venues", "dealers", "dark_cond", "params", "origin",
	    NULL };

	if ((e = cmd_members(s, req, id, CMD_SUBMIT, mem)) != NULL)
		return e;
	if (server_kill_holds(s))
		return ipc_reply_error(id, ERR_HALTED, "the kill switch is on: "
		    "release it before submitting");
	memset(&ps, 0, sizeof ps);
	exec_syms(s->x, syms, sizeof syms);
	if ((rv = cmd_str(req, id, "sym", &sym, &e)) < 0)
		return e;
	if (rv == 1)
		return ipc_reply_error(id, ERR_FIELD, "field \"sym\": required "
		    "(this engine trades %s)", syms);
	/* Values are quoted whole, or cut with "..." (cmd_field_text): a
	 * silent cut can read as another value. */
	if (exec_market_sym(s->x, sym) == NULL) {
		char must[200];

		snprintf(must, sizeof must, "not traded by this engine (it "
		    "trades %s)", syms);
		return cmd_bad_field(id, req, "sym", must);
	}
	if (cmd_str(req, id, "side", &side, &e) < 0)
		return e;
	if (side == NULL)
		return ipc_reply_error(id, ERR_FIELD, "field \"side\": required "
		    "(buy or sell)");
	if (strcmp(side, "buy") != 0 && strcmp(side, "sell") != 0)
		return cmd_bad_field(id, req, "side", "must be buy or sell");
	if ((rv = cmd_int(req, id, "qty", 1, 1000000000LL, &qty, &e)) < 0)
		return e;
	if (rv == 1)
		return ipc_reply_error(id, ERR_FIELD, "field \"qty\": required "
		    "(shares, 1..1000000000)");
	if ((e = cmd_block_limits(s, id, req, exec_market_sym(s->x, sym), qty,
	    NULL)) != NULL)
		return e;
	if (cmd_str(req, id, "algo", &algo, &e) < 0)
		return e;
	if (algo_find(algo) == NULL) {
		char known[160], must[180];

		algo_known(known, sizeof known);
		snprintf(must, sizeof must, "unknown (known: %s)", known);
		return cmd_bad_field(id, req, "algo", must);
	}
	if (cmd_time(s, req, id, "start", &start, &e) < 0 ||
	    (rv = cmd_time(s, req, id, "end", &end, &e)) < 0)
		return e;
	if (start < s->m->now)
		start = s->m->now;
	/* Two ends are one too many: end used to win without a word.
	 * Recovery re-applies what was accepted before. */
	if (rv == 0 && !s->recovering &&
	    cJSON_GetObjectItemCaseSensitive(req, "duration_s") != NULL)
		return ipc_reply_error(id, ERR_FIELD, "field \"duration_s\": "
		    "give end or duration_s, not both");
	if (rv == 1) {
		if ((rv = cmd_int(req, id, "duration_s", 1, 86400, &dur, &e)) < 0)
			return e;
		if (rv == 1)
			return ipc_reply_error(id, ERR_FIELD, "field \"end\": "
			    "required, or \"duration_s\"");
		end = start + dur * 1000000000LL;
		endf = "duration_s";
	}
	/* The end as it was sent, or the duration_s it came from. */
	if (end > s->sc.close) {
		char must[96];

		if (strcmp(endf, "end") == 0)
			snprintf(must, sizeof must, "after the close at %lld",
			    (long long)s->sc.close);
		else
			snprintf(must, sizeof must, "ends at %lld, after the close "
			    "at %lld", (long long)end, (long long)s->sc.close);
		return cmd_bad_field(id, req, endf, must);
	}
	if (end <= start) {
		char must[64];

		snprintf(must, sizeof must, "must be after the start %lld",
		    (long long)start);
		return cmd_bad_field(id, req, "end", must);
	}
	if (cmd_int(req, id, "limit_px", 0, 1LL << 40, &lim, &e) < 0)
		return e;
	rv = ipc_get_num(req, "max_pov", &pov);
	if (rv == -2 || (rv == 0 && !(pov > 0 && pov <= 100 &&
	    (pov >= EXEC_POV_MIN || s->recovering))))
		return cmd_bad_field(id, req, "max_pov", "must be a number from "
		    EXEC_POV_MIN_TEXT " to 100");
	if (cmd_str(req, id, "urgency", &urg, &e) < 0)
		return e;
	if (urg != NULL && strcmp(urg, "low") != 0 &&
	    strcmp(urg, "medium") != 0 && strcmp(urg, "high") != 0)
		return cmd_bad_field(id, req, "urgency", "must be low, medium or "
		    "high");
	/* Any role that may submit may give at_end: it is part of the order,
	 * as a FIX order carries it, and "leave" gives a trader nothing that
	 * cancelling the block does not.  Changing it once the block works
	 * is the desk's (cmd_throttle). */
	if (cmd_str(req, id, "at_end", &at_end, &e) < 0)
		return e;
	if (at_end != NULL && exec_at_end_parse(at_end) < 0)
		return cmd_bad_field(id, req, "at_end", "must be cross or leave");
	/* Where it may trade (exec-route.c): the venue set and the dealers. */
	if (cmd_str(req, id, "venues", &venues, &e) < 0 ||
	    cmd_str(req, id, "dealers", &dealers, &e) < 0)
		return e;
	/* A set without lit was taken, with lit added, before 2026-12-06:
	 * recovery reads an old journal's submit as it was taken. */
	if (venues != NULL && (rv = venue_set_parse(venues, &ps.venues, err,
	    sizeof err)) != 0 && !(rv == -2 && s->recovering))
		return ipc_reply_error(id, ERR_FIELD, "field \"venues\": %s", err);
	/* The value as sent, whole up to 64 characters and said to go on
	 * past them: cut at 20, "top:99999999999999999999" read as a valid
	 * "top:9999999999999999" (found by a probe). */
	if (dealers != NULL && strlen(dealers) >= sizeof ps.dealers) {
		char v[80];

		return ipc_reply_error(id, ERR_FIELD, "field \"dealers\" %s (%zu "
		    "characters): must be all, random:K, top:K or learned:K, at "
		    "most %zu characters", cmd_field_text(req, "dealers", v,
		    sizeof v), strlen(dealers), sizeof ps.dealers - 1);
	}
	/* Dealers chosen for a block that may not ask them would be taken
	 * and never asked: a trader who meant "lit,rfq" would not know.
	 * "all" is every block's default (its block event says so), and a
	 * client may send back what it read. */
	if (dealers != NULL && strcmp(dealers, "all") != 0 &&
	    !(ps.venues & VENUE_BIT(VENUE_RFQ)) && !s->recovering) {
		char set[32], v[80];

		venue_set_format(ps.venues != 0 ? ps.venues : VENUE_BIT(VENUE_LIT),
		    set, sizeof set);
		return ipc_reply_error(id, ERR_FIELD, "field \"dealers\" %s: the "
		    "block's venues \"%s\" have no rfq, so no dealer would be "
		    "asked (add rfq to venues, or leave dealers out)",
		    cmd_field_text(req, "dealers", v, sizeof v), set);
	}
	if (dealers != NULL)
		snprintf(ps.dealers, sizeof ps.dealers, "%s", dealers);
	/* The dark child as a conditional order instead of a firm one. */
	const cJSON *cond = cJSON_GetObjectItemCaseSensitive(req, "dark_cond");

	if (cond != NULL && !cJSON_IsBool(cond))
		return cmd_bad_field(id, req, "dark_cond", "must be true or false");
	ps.dark_cond = cJSON_IsTrue(cond);
	params = cJSON_GetObjectItemCaseSensitive(req, "params");
	if (params != NULL && !cJSON_IsObject(params))
		return cmd_bad_field(id, req, "params", "must be an object");
	/* The parameters every algorithm takes: its catch-up (exec.h,
	 * parent_spec), 0 meaning the algorithm's own. */
	for (const cJSON *it = params != NULL ? params->child : NULL;
	    it != NULL; it = it->next) {
		double *to = strcmp(it->string, "catchup") == 0 ? &ps.catchup :
		    strcmp(it->string, "catchup_max") == 0 ? &ps.catchup_max :
		    NULL;
		char v[80];

		if (to == NULL)
			return ipc_reply_error(id, ERR_FIELD, "field \"params.%.32s\": "
			    "not a parameter (algo %s takes catchup and "
			    "catchup_max)", it->string, algo);
		if (!cJSON_IsNumber(it) || !isfinite(it->valuedouble) ||
		    it->valuedouble < 0 || it->valuedouble > EXEC_CATCHUP_MAX)
			return ipc_reply_error(id, ERR_FIELD, "field \"params.%s\" "
			    "%s: must be a number of slices from 0 (the "
			    "algorithm's own) to %d", it->string,
			    cmd_field_text(params, it->string, v, sizeof v),
			    EXEC_CATCHUP_MAX);
		*to = it->valuedouble;
	}
	snprintf(ps.sym, sizeof ps.sym, "%s", sym);
	ps.side = strcmp(side, "buy") == 0 ? BOOK_BID : BOOK_ASK;
	ps.qty = qty;
	ps.start = start;
	ps.end = end;
	ps.interval = 60LL * 1000000000LL;
	if (ps.interval > end - start)
		ps.interval = end - start;
	ps.limit_px = lim;
	ps.lot = 100;
	ps.max_pov = pov;
	/* Crossing the rest at the end is what a block did before the
	 * setting existed, and what a desk that must finish expects. */
	ps.cleanup = at_end != NULL ? exec_at_end_parse(at_end) : 1;
	snprintf(ps.algo, sizeof ps.algo, "%s", algo);
	if (cmd_origin(s, req, id, &ps, sess, &e) != 0)
		return e;
	if (exec_submit(s->x, &ps, &block, err, sizeof err) != 0)
		return ipc_reply_error(id, ERR_FIELD, "%s", err);
	if (urg != NULL) {
		struct exec_limits l = { 0, 0, strcmp(urg, "low") == 0 ?
		    AGGR_PASSIVE : strcmp(urg, "medium") == 0 ? AGGR_NEUTRAL :
		    AGGR_AGGRESSIVE };

		exec_limit(s->x, block, &l, err, sizeof err);
	}
	r = ipc_reply_ok(id);
	snprintf(err, sizeof err, "%u", block);
	cJSON_AddStringToObject(r, "block", err);
	return r;
}

static cJSON *
cmd_override(struct server *s, const cJSON *req, const char *id,
             struct session *sess)
{
	const char *action = NULL, *str = NULL;
	char err[256];
	uint32_t block;
	int64_t px = 0, qty = 0;
	double for_s = 0;
	cJSON *e = NULL, *r;
	int rv, style;

	if (cmd_block(req, id, 1, &block, &e) != 0)
		return e;
	if ((rv = cmd_str(req, id, "action", &action, &e)) < 0)
		return e;
	if (rv == 1)
		return ipc_reply_error(id, ERR_FIELD, "field \"action\": required "
		    "(style, limit, algo, child, cancel_child, "
		    "cancel_children or cost_limit)");
	/* What each action takes: a misspelt "tif" must not make a day
	 * order of an IOC, nor a misspelt "for_s" a default. */
	{
		static const struct {
			const char *action, *what;
			const char *mem[6];
		} acts[] = {
			{ "cancel_children", "override cancel_children",
			    { "block", "action", NULL } },
			{ "cancel_child", "override cancel_child",
			    { "block", "action", "child", NULL } },
			{ "style", "override style",
			    { "block", "action", "style", "for_s", NULL } },
			{ "limit", "override limit",
			    { "block", "action", "px", NULL } },
			{ "algo", "override algo",
			    { "block", "action", "algo", NULL } },
			{ "child", "override child",
			    { "block", "action", "px", "qty", "tif", NULL } },
			{ "cost_limit", "override cost_limit",
			    { "block", "action", "bps", NULL } },
		};

		for (size_t i = 0; i < sizeof acts / sizeof acts[0]; i++)
			if (strcmp(action, acts[i].action) == 0 &&
			    (e = cmd_members(s, req, id, acts[i].what,
			    acts[i].mem)) != NULL)
				return e;
	}
	if (exec_find(s->x, block) == NULL)
		return ipc_reply_error(id, ERR_NOT_FOUND, "block %u: no such "
		    "block", block);
	if (strcmp(action, "cancel_children") == 0) {
		rv = exec_cancel_children(s->x, block, err, sizeof err);
	} else if (strcmp(action, "cancel_child") == 0) {
		/* One child, as its events name it: "c17". */
		const char *cid = NULL;
		char *end = NULL;
		unsigned long long n = 0;

		if (cmd_str(req, id, "child", &cid, &e) < 0)
			return e;
		/* The ids the child events show are below 2^63 (our orders'
		 * high bit is not part of them): a larger number, or one past
		 * 2^64 that strtoull clamps, would name another child. */
		errno = 0;
		if (cid != NULL && cid[0] == 'c' && cid[1] >= '0' &&
		    cid[1] <= '9')
			n = strtoull(cid + 1, &end, 10);
		if (cid == NULL || end == NULL || *end != '\0' || n == 0 ||
		    errno == ERANGE || n >= (1ULL << 63))
			return cid == NULL ? ipc_reply_error(id, ERR_FIELD,
			    "field \"child\": required (a child id such as "
			    "\"c17\")") : cmd_bad_field(id, req, "child",
			    "must be a child id such as \"c17\"");
		rv = exec_cancel_child_id(s->x, block, n, err, sizeof err);
	} else if (server_kill_holds(s)) {
		return ipc_reply_error(id, ERR_HALTED, "the kill switch is on: "
		    "override %.20s refused until release", action);
	} else if (strcmp(action, "style") == 0) {
		if ((rv = cmd_str(req, id, "style", &str, &e)) < 0)
			return e;
		if (str == NULL || (style = exec_aggression_parse(str)) < 0)
			return str == NULL ? ipc_reply_error(id, ERR_FIELD,
			    "field \"style\": required (passive, neutral or "
			    "aggressive)") : cmd_bad_field(id, req, "style",
			    "must be passive, neutral or aggressive");
		rv = ipc_get_num(req, "for_s", &for_s);
		if (rv != 0 || !(for_s > 0 && for_s <= 86400))
			return rv == -1 ? ipc_reply_error(id, ERR_FIELD, "field "
			    "\"for_s\": required (seconds, > 0)") :
			    cmd_bad_field(id, req, "for_s", "must be seconds, > 0 "
			    "and <= 86400");
		rv = exec_force_style(s->x, block, style,
		    (int64_t)(for_s * 1e9), err, sizeof err);
	} else if (strcmp(action, "limit") == 0) {
		if ((rv = cmd_int(req, id, "px", 0, 1LL << 40, &px, &e)) < 0)
			return e;
		if (rv == 1)
			return ipc_reply_error(id, ERR_FIELD, "field \"px\": "
			    "required (ticks; 0 clears the limit)");
		rv = exec_set_limit_px(s->x, block, px, err, sizeof err);
	} else if (strcmp(action, "algo") == 0) {
		if (cmd_str(req, id, "algo", &str, &e) < 0)
			return e;
		if (str == NULL || algo_find(str) == NULL) {
			char known[160], must[180];

			algo_known(known, sizeof known);
			snprintf(must, sizeof must, "unknown (known: %s)", known);
			return str == NULL ? ipc_reply_error(id, ERR_FIELD,
			    "field \"algo\": required (%s)", known) :
			    cmd_bad_field(id, req, "algo", must);
		}
		rv = exec_switch_algo(s->x, block, str, err, sizeof err);
	} else if (strcmp(action, "child") == 0) {
		const char *tif = "day";

		if ((rv = cmd_int(req, id, "px", 1, 1LL << 40, &px, &e)) < 0)
			return e;
		if (rv == 1)
			return ipc_reply_error(id, ERR_FIELD, "field \"px\": "
			    "required (ticks)");
		if ((rv = cmd_int(req, id, "qty", 1, 1000000000LL, &qty,
		    &e)) < 0)
			return e;
		if (rv == 1)
			return ipc_reply_error(id, ERR_FIELD, "field \"qty\": "
			    "required (shares)");
		if (cmd_str(req, id, "tif", &tif, &e) < 0)
			return e;
		if (strcmp(tif, "day") != 0 && strcmp(tif, "ioc") != 0)
			return cmd_bad_field(id, req, "tif", "must be day or ioc");
		struct parent *p = exec_find(s->x, block);
		/* A finished block is a state, not a risk, refusal (it was
		 * refused "risk" by the check below: found by a probe). */
		if ((e = cmd_unfinished(s, id, block, "send a child for")) !=
		    NULL)
			return e;
		if (exec_risk_check(s->x, p, px, qty, err, sizeof err) != 0)
			return ipc_reply_error(id, ERR_RISK, "%s", err);
		rv = exec_manual_child(s->x, block, px, qty,
		    strcmp(tif, "ioc") == 0, err, sizeof err);
	} else if (strcmp(action, "cost_limit") == 0) {
		double bps = -1;

		/* The block's shortfall alert limit is the supervisor's. */
		if (sess != NULL && sess->rank < ROLE_SUPERVISOR)
			return ipc_reply_error(id, ERR_ROLE, "override cost_limit: "
			    "role %s may not set a cost limit (supervisor only)",
			    server_role_name(sess->rank));
		if ((rv = ipc_get_num(req, "bps", &bps)) != 0)
			return rv == -1 ? ipc_reply_error(id, ERR_FIELD, "field "
			    "\"bps\": required (basis points; 0 clears the "
			    "block's limit)") : cmd_bad_field(id, req, "bps",
			    "must be a number of basis points");
		if ((e = cmd_unfinished(s, id, block, "set a cost limit on")) !=
		    NULL)
			return e;
		rv = exec_set_cost_limit(s->x, block, bps, err, sizeof err);
		if (rv != 0)
			return ipc_reply_error(id, ERR_FIELD, "%s", err);
	} else
		return cmd_bad_field(id, req, "action", "must be style, limit, "
		    "algo, child, cancel_child, cancel_children or cost_limit");
	if (rv != 0)
		return cmd_exec_error(id, err);
	r = ipc_reply_ok(id);
	snprintf(err, sizeof err, "%u", block);
	cJSON_AddStringToObject(r, "block", err);
	cJSON_AddStringToObject(r, "action", action);
	return r;
}

static cJSON *
cmd_kill(struct server *s, const cJSON *req, const char *id,
         struct session *sess)
{
	char err[256];
	cJSON *r;

	/* Any member is taken on purpose: a stray one must not stop a kill
	 * (tranche-protocol(7)). */
	if (exec_kill(s->x, err, sizeof err) != 0)
		return ipc_reply_error(id, ERR_STATE, "%s", err);
	r = ipc_reply_ok(id);
	cJSON_AddStringToObject(r, "state", "HALTED");
	return r;
}

static cJSON *
cmd_release(struct server *s, const cJSON *req, const char *id,
            struct session *sess)
{
	static const char *const mem[] = { NULL };
	char err[256];
	cJSON *r, *e;

	/* A "block" here was ignored, and every halted block released. */
	if ((e = cmd_members(s, req, id, CMD_RELEASE, mem)) != NULL)
		return e;
	if (exec_release(s->x, err, sizeof err) != 0)
		return ipc_reply_error(id, ERR_STATE, "%s", err);
	r = ipc_reply_ok(id);
	cJSON_AddStringToObject(r, "state", server_state(s));
	return r;
}

static cJSON *
cmd_speed(struct server *s, const cJSON *req, const char *id,
          struct session *sess)
{
	const cJSON *f = cJSON_GetObjectItemCaseSensitive(req, "speed");
	/* Slower than a hundredth of real time is a frozen clock that says
	 * LIVE (1e-300 was taken); recovery re-applies what was accepted
	 * before this floor (anything above 0). */
	double v = -1, lo = s->recovering ? 0 : 0.01;
	static const char *const mem[] = { "speed", NULL };
	char shown[96];
	cJSON *r, *e;

	if ((e = cmd_members(s, req, id, CMD_SPEED, mem)) != NULL)
		return e;
	if (f == NULL)
		return ipc_reply_error(id, ERR_FIELD, "field \"speed\": required "
		    "(1, 10, 60, max or a number)");
	/* Only "max" means as fast as possible: 0, -0, "0.0" and a number
	 * that underflows are refused, not taken as max. */
	if (cJSON_IsString(f) && strcmp(f->valuestring, "max") == 0)
		v = 0;
	else if (cJSON_IsString(f) && (ipc_decimal(f->valuestring,
	    strlen(f->valuestring), &v) != 0 || !(v > 0 && v >= lo &&
	    v <= 100000)))
		return ipc_reply_error(id, ERR_FIELD, "field \"speed\" \"%s\": "
		    "must be max or a decimal number from 0.01 to 100000",
		    ipc_show(shown, sizeof shown, f->valuestring,
		    strlen(f->valuestring)));
	else if (cJSON_IsNumber(f) && !(f->valuedouble > 0 &&
	    f->valuedouble >= lo && f->valuedouble <= 100000))
		return cmd_bad_field(id, req, "speed", "must be max or a number "
		    "from 0.01 to 100000");
	else if (cJSON_IsNumber(f))
		v = f->valuedouble;
	else if (!cJSON_IsString(f))
		return cmd_bad_field(id, req, "speed", "must be max or a number "
		    "from 0.01 to 100000");
	server_set_speed(s, v);
	r = ipc_reply_ok(id);
	if (v == 0)
		cJSON_AddStringToObject(r, "speed", "max");
	else {
		char buf[32];

		snprintf(buf, sizeof buf, "%g", v);
		cJSON_AddStringToObject(r, "speed", buf);
	}
	return r;
}

/*
 * Mark the alert in ring slot k acknowledged by user at t, so that the
 * snapshot of a console that connects later shows it acknowledged too.  The
 * first acknowledgement is kept: who saw it first is what a review asks.
 * Returns 1 when it already was acknowledged, 0 when marked now, -1 when the
 * slot holds no readable alert; *seq is its seq.
 */
static int
cmd_ack_mark(struct ring *ring, int k, const char *user, int64_t t,
             int64_t *seq)
{
	cJSON *ev = cJSON_Parse(ring->items[k]);
	const cJSON *q = cJSON_GetObjectItemCaseSensitive(ev, "seq");
	char *json, *copy;
	int was;

	if (!cJSON_IsNumber(q)) {
		cJSON_Delete(ev);
		return -1;
	}
	*seq = (int64_t)q->valuedouble;
	was = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ev, "acked"));
	if (!was) {
		cJSON_AddBoolToObject(ev, "acked", 1);
		cJSON_AddStringToObject(ev, "acked_by", user);
		ipc_add_i64_str(ev, "acked_at", t);
		/* Out of memory leaves the alert unmarked, not lost. */
		if ((json = cJSON_PrintUnformatted(ev)) != NULL &&
		    (copy = strdup(json)) != NULL) {
			free(ring->items[k]);
			ring->items[k] = copy;
		}
		cJSON_free(json);
	}
	cJSON_Delete(ev);
	return was;
}

/* The alerts the engine holds, oldest first: the kept CRITs, then the
 * last RING_SIZE.  The ring of the i-th of cmd_alerts_n(s) and its slot
 * in *k. */
static int
cmd_alerts_n(const struct server *s)
{
	return s->crits.count + s->alerts.count;
}

static struct ring *
cmd_alert_at(struct server *s, int i, int *k)
{
	struct ring *ring = i < s->crits.count ? &s->crits : &s->alerts;
	int j = i < s->crits.count ? i : i - s->crits.count;

	*k = (ring->head - ring->count + j + RING_SIZE) % RING_SIZE;
	return ring;
}

/*
 * Recovery and replay rebuild the alerts' acknowledgements from the ack
 * audit events in the journal (an alert's event always comes before the
 * ack that names it), so that a restarted engine's snapshot still shows
 * them acknowledged, by whom the live engine said, at the audit's time t.
 */
void
server_ack_from_audit(struct server *s, const cJSON *audit, int64_t t)
{
	const cJSON *acked = cJSON_GetObjectItemCaseSensitive(audit, "acked");
	const cJSON *q;
	const char *cmd = "", *user = "";
	char pat[48];
	int64_t got;

	if (ipc_get_str(audit, "cmd", &cmd) != 0 || strcmp(cmd, CMD_ACK) != 0 ||
	    !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(audit, "ok")) ||
	    !cJSON_IsArray(acked))
		return;
	ipc_get_str(audit, "user", &user);
	cJSON_ArrayForEach(q, acked) {
		if (!cJSON_IsString(q))
			continue;
		snprintf(pat, sizeof pat, "\"seq\":%s,", q->valuestring);
		for (int i = 0; i < cmd_alerts_n(s); i++) {
			int k;
			struct ring *ring = cmd_alert_at(s, i, &k);

			if (strstr(ring->items[k], pat) != NULL) {
				cmd_ack_mark(ring, k, user, t, &got);
				break;
			}
		}
	}
	server_crits_drop_acked(s);
}

/*
 * ack: one alert by the seq of its event, or with "all": true every alert
 * the engine still holds (the last RING_SIZE).  The engine keeps the
 * acknowledgement on the alert (acked, acked_by, acked_at: the snapshot
 * carries them), and the reply's "acked" names the seqs, which the audit
 * event repeats so that every console marks them, not only the sender's.
 * An alert already acknowledged is accepted again (acknowledging is
 * idempotent) but the reply says so: its seq is in "already" as well, and
 * the first acknowledgement is the one kept.  The reason is optional and
 * journaled with the command like any other.
 */
static cJSON *
cmd_ack(struct server *s, const cJSON *req, const char *id,
        struct session *sess)
{
	const cJSON *all = cJSON_GetObjectItemCaseSensitive(req, "all");
	const char *user = sess != NULL ? sess->user : "";
	int64_t seq = 0, got, now = server_now(s);
	cJSON *e = NULL, *r, *acked, *already;
	char pat[48];
	int rv, was;

	static const char *const mem[] = { "alert", "all", NULL };

	if ((e = cmd_members(s, req, id, CMD_ACK, mem)) != NULL)
		return e;
	if (all != NULL && !cJSON_IsBool(all))
		return cmd_bad_field(id, req, "all", "must be true or false");
	if ((rv = cmd_int(req, id, "alert", 1, 1LL << 52, &seq, &e)) < 0)
		return e;
	if (cJSON_IsTrue(all)) {
		if (rv == 0)
			return cmd_bad_field(id, req, "alert", "not with \"all\": "
			    "true (one or the other)");
		r = ipc_reply_ok(id);
		acked = cJSON_AddArrayToObject(r, "acked");
		already = cJSON_AddArrayToObject(r, "already");
		for (int i = 0; i < cmd_alerts_n(s); i++) {
			int k;
			struct ring *ring = cmd_alert_at(s, i, &k);

			if ((was = cmd_ack_mark(ring, k, user, now, &got)) < 0)
				continue;
			snprintf(pat, sizeof pat, "%lld", (long long)got);
			cJSON_AddItemToArray(acked, cJSON_CreateString(pat));
			if (was)
				cJSON_AddItemToArray(already,
				    cJSON_CreateString(pat));
		}
		server_crits_drop_acked(s);
		/* Everything up to here, the alerts the engine no longer
		 * holds too: a console that kept more unacknowledged CRITs
		 * than the engine's bound clears them by this (they stayed
		 * counted there, and no ack could reach them: found by a
		 * review). */
		ipc_add_i64_str(r, "through", (int64_t)s->seq);
		return r;
	}
	if (rv == 1)
		return ipc_reply_error(id, ERR_FIELD, "field \"alert\": required "
		    "(the seq of an alert event), or \"all\": true");
	snprintf(pat, sizeof pat, "\"seq\":%lld,", (long long)seq);
	for (int i = 0; i < cmd_alerts_n(s); i++) {
		int k;
		struct ring *ring = cmd_alert_at(s, i, &k);

		if (strstr(ring->items[k], pat) == NULL ||
		    (was = cmd_ack_mark(ring, k, user, now, &got)) < 0 ||
		    got != seq)
			continue;
		r = ipc_reply_ok(id);
		snprintf(pat, sizeof pat, "%lld", (long long)seq);
		acked = cJSON_AddArrayToObject(r, "acked");
		cJSON_AddItemToArray(acked, cJSON_CreateString(pat));
		already = cJSON_AddArrayToObject(r, "already");
		if (was)
			cJSON_AddItemToArray(already, cJSON_CreateString(pat));
		server_crits_drop_acked(s);
		return r;
	}
	{
		char v[80];

		return ipc_reply_error(id, ERR_NOT_FOUND, "field \"alert\" %s: no "
		    "such alert among the last %d and the unacknowledged CRITs",
		    cmd_field_text(req, "alert", v, sizeof v), RING_SIZE);
	}
}

/* A ClOrdID field of a cancel or an amend: NULL when absent or fit for
 * block p, else the refusal naming field and value (what: what only a FIX
 * block does with one). */
static cJSON *
cmd_clordid_bad(const char *id, const char *field, const char *ref,
                const struct parent *p, const char *what)
{
	if (ref == NULL)
		return NULL;
	if (strcmp(p->spec.origin.kind, "fix") != 0)
		return ipc_reply_error(id, ERR_FIELD, "field \"%s\" \"%.70s\": "
		    "only a block from FIX %s", field, ref, what);
	if (ref[0] == '\0' || strlen(ref) >= sizeof p->spec.origin.clordid)
		return ipc_reply_error(id, ERR_FIELD, "field \"%s\" \"%.70s\": "
		    "must be 1 to %zu characters", field, ref,
		    sizeof p->spec.origin.clordid - 1);
	return NULL;
}

static cJSON *
cmd_cancel(struct server *s, const cJSON *req, const char *id,
           struct session *sess)
{
	char err[256];
	uint32_t block;
	cJSON *e = NULL, *r;
	const struct parent *p;
	const char *ref = NULL;
	static const char *const mem[] = { "block", "fix_clordid", NULL };

	if ((e = cmd_members(s, req, id, CMD_CANCEL, mem)) != NULL)
		return e;
	if (cmd_block(req, id, 1, &block, &e) != 0)
		return e;
	if (cmd_str(req, id, "fix_clordid", &ref, &e) < 0)
		return e;
	p = exec_find(s->x, block);
	/* The ClOrdID of an OrderCancelRequest, which the gateway reports
	 * the cancel under to its counterparty: the gateway's alone. */
	if (ref != NULL && !s->recovering && (sess == NULL || !sess->gateway) &&
	    p != NULL && server_fix_has_session(s, p->spec.origin.session))
		return ipc_reply_error(id, ERR_ROLE, "field \"fix_clordid\": "
		    "block %u is an order of FIX session %s; only the gateway "
		    "cancels it under a ClOrdID", block, p->spec.origin.session);
	/* It names a FIX order's cancel: on any other block it was dropped
	 * unread, whatever it held. */
	if (!s->recovering && p != NULL && (e = cmd_clordid_bad(id,
	    "fix_clordid", ref, p, "is cancelled under a ClOrdID")) != NULL)
		return e;
	if (exec_cancel(s->x, block, err, sizeof err) != 0)
		return ipc_reply_error(id, strstr(err, "no such") ? ERR_NOT_FOUND :
		    ERR_STATE, "%s", err);
	r = ipc_reply_ok(id);
	cJSON_AddStringToObject(r, "state", "CANCELLED");
	return r;
}

/*
 * amend: a live block's quantity, limit price and end of window (the
 * order's terms; a FIX cancel/replace arrives as one), all checked before
 * any changes, and "clordid", the new ClOrdID of a FIX block's origin.
 */
static cJSON *
cmd_amend(struct server *s, const cJSON *req, const char *id,
          struct session *sess)
{
	struct exec_amend a = { 0, -1, 0 };
	const char *ref = NULL, *field;
	struct parent *p;
	char err[256];
	uint32_t block;
	int64_t v;
	cJSON *e = NULL, *r;
	int rv;
	static const char *const mem[] = { "block", "qty", "limit_px", "end",
	    "clordid", NULL };

	if ((e = cmd_members(s, req, id, CMD_AMEND, mem)) != NULL)
		return e;
	if (cmd_block(req, id, 1, &block, &e) != 0)
		return e;
	if ((rv = cmd_int(req, id, "qty", 1, 1000000000LL, &v, &e)) < 0)
		return e;
	if (rv == 0)
		a.qty = v;
	if ((rv = cmd_int(req, id, "limit_px", 0, 1LL << 40, &v, &e)) < 0)
		return e;
	if (rv == 0)
		a.limit_px = v;
	if ((rv = cmd_time(s, req, id, "end", &v, &e)) < 0)
		return e;
	if (rv == 0 && v > s->sc.close) {
		char t[80];

		return ipc_reply_error(id, ERR_FIELD, "field \"end\" %s: after "
		    "the close at %lld", cmd_field_text(req, "end", t, sizeof t),
		    (long long)s->sc.close);
	}
	if (rv == 0 && v == 0)
		return cmd_bad_field(id, req, "end", "must be after the start");
	if (rv == 0)
		a.end = v;
	if (cmd_str(req, id, "clordid", &ref, &e) < 0)
		return e;
	if (a.qty == 0 && a.limit_px < 0 && a.end == 0)
		return ipc_reply_error(id, ERR_FIELD, "field \"qty\": required "
		    "unless limit_px or end is given (the block's new terms)");
	if ((p = exec_find(s->x, block)) == NULL)
		return ipc_reply_error(id, ERR_NOT_FOUND, "block %u: no such "
		    "block", block);
	if (a.qty > p->spec.qty && (e = cmd_block_limits(s, id, req, p->m,
	    a.qty, p)) != NULL)
		return e;
	/* The new ClOrdID of an order of one of the gateway's sessions
	 * comes from its counterparty, through the gateway: from anyone else
	 * the OMS would hear of an order chain it never made (as a submit
	 * with such an origin, cmd_origin). */
	if (ref != NULL && !s->recovering && (sess == NULL || !sess->gateway) &&
	    server_fix_has_session(s, p->spec.origin.session))
		return ipc_reply_error(id, ERR_ROLE, "field \"clordid\" "
		    "\"%.70s\": block %u is an order of FIX session %s; only "
		    "the gateway renames it", ref, block,
		    p->spec.origin.session);
	if ((e = cmd_clordid_bad(id, "clordid", ref, p, "has a ClOrdID")) !=
	    NULL)
		return e;
	if (server_kill_holds(s))
		return ipc_reply_error(id, ERR_HALTED, "the kill switch is on: "
		    "amend refused until release");
	if (exec_amend(s->x, block, &a, &field, err, sizeof err) != 0)
		return field != NULL ? cmd_bad_field(id, req, field, err) :
		    cmd_exec_error(id, err);
	if (ref != NULL)
		snprintf(p->spec.origin.clordid, sizeof p->spec.origin.clordid,
		    "%s", ref);
	r = ipc_reply_ok(id);
	snprintf(err, sizeof err, "%u", block);
	cJSON_AddStringToObject(r, "block", err);
	cJSON_AddNumberToObject(r, "qty", (double)p->spec.qty);
	cJSON_AddNumberToObject(r, "limit_px", (double)p->spec.limit_px);
	ipc_add_i64_str(r, "end", p->spec.end);
	cJSON_AddStringToObject(r, "state", exec_state_name(p->state));
	return r;
}

/* fix_status: the FIX sessions and their open orders (a read). */
static cJSON *
cmd_fix_status(struct server *s, const cJSON *req, const char *id,
               struct session *sess)
{
	static const char *const mem[] = { NULL };
	cJSON *st, *r, *it;

	if ((r = cmd_members(s, req, id, CMD_FIX_STATUS, mem)) != NULL)
		return r;
	st = server_fix_status(s);
	if (st == NULL)
		return ipc_reply_error(id, ERR_STATE, "this engine has no FIX "
		    "acceptor (start tranched with --fix-listen and "
		    "--fix-sessions)");
	r = ipc_reply_ok(id);
	while ((it = st->child) != NULL)
		cJSON_AddItemToObject(r, it->string, cJSON_DetachItemViaPointer(
		    st, it));
	cJSON_Delete(st);
	return r;
}

/* journal_resume: a supervisor says the disk is writable again. */
static cJSON *
cmd_journal_resume(struct server *s, const cJSON *req, const char *id,
                   struct session *sess)
{
	static const char *const mem[] = { NULL };
	const char *reason = NULL;
	cJSON *e;

	if ((e = cmd_members(s, req, id, CMD_JOURNAL_RESUME, mem)) != NULL)
		return e;
	ipc_get_str(req, "reason", &reason);
	return server_jrnl_resume(s, id, sess, reason);
}

/*
 * estimate with "pct": what throttling the block to pct would lead to (the
 * console's throttle prompt shows it before the person confirms), from the
 * market's volume rate over what is left of the window.  Read-only.
 */
static cJSON *
cmd_estimate_throttle(struct server *s, const cJSON *req, const char *id,
                      uint32_t block, int rv, double pct)
{
	struct exec_preview pv;
	char err[256], buf[32];
	cJSON *r, *o;

	if (rv != 0 || !(pct >= EXEC_POV_MIN && pct <= 100))
		return cmd_bad_field(id, req, "pct", "must be a number from "
		    EXEC_POV_MIN_TEXT " to 100 (the participation to preview)");
	if (block == 0)
		return ipc_reply_error(id, ERR_FIELD, "field \"block\": required "
		    "with \"pct\" (the block whose throttle to preview)");
	if (exec_throttle_preview(s->x, block, pct, &pv, err, sizeof err) != 0)
		return cmd_exec_error(id, err);
	r = ipc_reply_ok(id);
	o = cJSON_AddObjectToObject(r, "throttle");
	snprintf(buf, sizeof buf, "%u", block);
	cJSON_AddStringToObject(o, "block", buf);
	cJSON_AddNumberToObject(o, "pct", pv.pct);
	snprintf(buf, sizeof buf, "%lld", (long long)pv.end);
	cJSON_AddStringToObject(o, "end", buf);
	cJSON_AddNumberToObject(o, "expected_volume", (double)pv.expected_volume);
	cJSON_AddNumberToObject(o, "expected_fill", (double)pv.expected_fill);
	cJSON_AddNumberToObject(o, "filled_pct", round(pv.filled_pct * 10) / 10);
	cJSON_AddNumberToObject(o, "unfilled", (double)pv.unfilled);
	cJSON_AddStringToObject(o, "at_end", exec_at_end_name(pv.cross));
	return r;
}

/*
 * estimate: what a marketable child of qty shares would cost if it crossed
 * now, by the impact model and by the square-root law, and the market's
 * volume over the next five minutes.  Read-only: it looks at the book and
 * the market's activity record and touches neither.
 */
static cJSON *
cmd_estimate(struct server *s, const cJSON *req, const char *id,
             struct session *sess)
{
	const char *sym = NULL, *side = NULL, *why = "";
	const struct impact_model *im;
	struct market *m = NULL;
	char syms[160];
	struct impact_ctx c;
	struct impact_est est;
	int64_t qty = 0;
	uint32_t block;
	int bside = -1, rv;
	double usd_bps, pct = 0;
	char err[256];
	cJSON *e = NULL, *r;
	static const char *const mem[] = { "block", "sym", "side", "qty", "pct",
	    NULL };
	static const char *const thr[] = { "block", "pct", NULL };

	/* A misspelt "qty" answered for another size; with "pct" (a
	 * throttle's preview) sym, side and qty were read as nothing. */
	if ((e = cmd_members(s, req, id, CMD_ESTIMATE,
	    cJSON_HasObjectItem(req, "pct") ? thr : mem)) != NULL)
		return e;
	if (cmd_block(req, id, 0, &block, &e) != 0)
		return e;
	if ((rv = ipc_get_num(req, "pct", &pct)) != -1)
		return cmd_estimate_throttle(s, req, id, block, rv, pct);
	if (block != 0) {
		const struct parent *p = exec_find(s->x, block);

		if (p == NULL)
			return ipc_reply_error(id, ERR_NOT_FOUND, "block %u: no such "
			    "block", block);
		bside = p->spec.side;
		m = p->m;
	}
	exec_syms(s->x, syms, sizeof syms);
	if ((rv = cmd_str(req, id, "sym", &sym, &e)) < 0)
		return e;
	if (rv == 0) {
		struct market *ms = exec_market_sym(s->x, sym);

		if (ms == NULL || (m != NULL && ms != m))
			return cmd_bad_field(id, req, "sym", ms == NULL ?
			    "not traded by this engine" : "not the block's symbol");
		m = ms;
	}
	if (m == NULL)
		return ipc_reply_error(id, ERR_FIELD, "field \"block\" or \"sym\": "
		    "one is required (this engine trades %s)", syms);
	if (cmd_str(req, id, "side", &side, &e) < 0)
		return e;
	if (side != NULL) {
		if (strcmp(side, "buy") != 0 && strcmp(side, "sell") != 0)
			return cmd_bad_field(id, req, "side", "must be buy or sell");
		bside = strcmp(side, "buy") == 0 ? BOOK_BID : BOOK_ASK;
	}
	if (bside < 0)
		return ipc_reply_error(id, ERR_FIELD, "field \"side\": required "
		    "(buy or sell) when no block is named");
	if ((rv = cmd_int(req, id, "qty", 1, 1000000000LL, &qty, &e)) < 0)
		return e;
	if (rv == 1)
		return ipc_reply_error(id, ERR_FIELD, "field \"qty\": required "
		    "(shares, 1..1000000000)");
	if ((im = exec_impact(s->x, &why)) == NULL)
		return ipc_reply_error(id, ERR_STATE, "no impact model: %s", why);
	if (impact_context(m, bside, qty, &c, err, sizeof err) != 0)
		return ipc_reply_error(id, ERR_STATE, "%s", err);
	impact_predict(im, &c, &est);
	/* Dollars per bps of this child's value at the mid. */
	usd_bps = c.mid * m->tick * (double)qty / 1e4;
	r = ipc_reply_ok(id);
	cJSON_AddStringToObject(r, "sym", m->sym);
	cJSON_AddStringToObject(r, "side", bside == BOOK_BID ? "buy" : "sell");
	cJSON_AddNumberToObject(r, "qty", (double)qty);
	cJSON_AddNumberToObject(r, "mid", c.mid);
	cJSON_AddNumberToObject(r, "impact_bps", est.bps);
	cJSON_AddNumberToObject(r, "impact_usd", est.bps * usd_bps);
	cJSON_AddNumberToObject(r, "sqrt_bps", est.sqrt_bps);
	cJSON_AddNumberToObject(r, "sqrt_usd", est.sqrt_bps * usd_bps);
	cJSON_AddNumberToObject(r, "volume_5min", round(est.vol5));
	cJSON_AddNumberToObject(r, "sigma_bps", c.sigma_bps);
	cJSON_AddNumberToObject(r, "adv", round(c.adv));
	cJSON_AddStringToObject(r, "model", im->name);
	/* The model was trained on children up to half the far top-10 depth. */
	cJSON_AddBoolToObject(r, "extrapolated", c.x[IMPACT_SIZE_DEPTH10] >
	    log(0.5));
	return r;
}

/*
 * venue: the supervisor turns the dark pool, RFQ or one dealer off or on
 * (exec_venue_enable); the audit event says which and how many children
 * it cancelled.
 */
static cJSON *
cmd_venue(struct server *s, const cJSON *req, const char *id,
          struct session *sess)
{
	const char *venue = NULL, *dealer = NULL;
	const cJSON *on = cJSON_GetObjectItemCaseSensitive(req, "enabled");
	char err[256];
	int n = 0;
	cJSON *e = NULL, *r;

	static const char *const mem[] = { "venue", "dealer", "enabled",
	    NULL };

	(void)sess;
	if ((e = cmd_members(s, req, id, CMD_VENUE, mem)) != NULL)
		return e;
	if (cmd_str(req, id, "venue", &venue, &e) < 0 ||
	    cmd_str(req, id, "dealer", &dealer, &e) < 0)
		return e;
	if (!cJSON_IsBool(on))
		return cmd_bad_field(id, req, "enabled", "must be true or false");
	if (exec_venue_enable(s->x, venue, dealer, cJSON_IsTrue(on), &n, err,
	    sizeof err) != 0)
		return ipc_reply_error(id, ERR_FIELD, "%s", err);
	r = ipc_reply_ok(id);
	if (venue != NULL)
		cJSON_AddStringToObject(r, "venue", venue);
	else
		cJSON_AddStringToObject(r, "dealer", dealer);
	cJSON_AddBoolToObject(r, "enabled", cJSON_IsTrue(on));
	cJSON_AddNumberToObject(r, "cancelled", n);
	return r;
}

/* The table (server-cmds.def), after the handlers it names. */
static const struct cmd_entry cmd_table[] = {
#define SERVER_CMD(name, fn, rank, flags) { name, fn, rank, flags },
#include "engine/server/server-cmds.def"
#undef SERVER_CMD
};
#define CMD_COUNT (sizeof cmd_table / sizeof cmd_table[0])

static const struct cmd_entry *
cmd_find(const char *name)
{
	for (size_t i = 0; name != NULL && i < CMD_COUNT; i++)
		if (strcmp(cmd_table[i].name, name) == 0)
			return &cmd_table[i];
	return NULL;
}

int
server_cmd_flags(const char *name)
{
	const struct cmd_entry *ce = cmd_find(name);

	return ce != NULL ? ce->flags : -1;
}

const char *
server_cmd_known(void)
{
	/* Built once from the table: the names in its order. */
	static char known[CMD_COUNT * 24];
	size_t off = 0;

	if (known[0] != '\0')
		return known;
	for (size_t i = 0; i < CMD_COUNT && off < sizeof known; i++)
		off += (size_t)snprintf(known + off, sizeof known - off, "%s%s",
		    i > 0 ? ", " : "", cmd_table[i].name);
	return known;
}

/* "hello, status, snapshot": what a read-only replay answers. */
static const char *
cmd_replay_known(void)
{
	static char known[CMD_COUNT * 24];
	size_t off = 0;

	if (known[0] != '\0')
		return known;
	for (size_t i = 0; i < CMD_COUNT && off < sizeof known; i++)
		if (cmd_table[i].flags & CMD_REPLAY)
			off += (size_t)snprintf(known + off, sizeof known - off,
			    "%s%s", off > 0 ? ", " : "", cmd_table[i].name);
	return known;
}

/* A reply's error code, or "" when it is ok. */
static const char *
cmd_code(const cJSON *reply)
{
	const char *code = "";

	ipc_get_str(cJSON_GetObjectItemCaseSensitive(reply, "error"), "code",
	    &code);
	return code;
}

static void
cmd_audit(struct server *s, const struct session *sess, const char *cmd,
          const char *reason, const cJSON *reply)
{
	cJSON *o = cJSON_CreateObject(), *err;
	const char *msg = "ok", *code = NULL, *id = NULL;

	err = cJSON_GetObjectItemCaseSensitive(reply, "error");
	if (err != NULL) {
		ipc_get_str(err, "message", &msg);
		ipc_get_str(err, "code", &code);
	}
	cJSON_AddStringToObject(o, "client", sess->client);
	cJSON_AddStringToObject(o, "user", sess->user);
	cJSON_AddStringToObject(o, "role", sess->role);
	cJSON_AddStringToObject(o, "cmd", cmd);
	if (s->audit_what[0] != '\0')
		cJSON_AddStringToObject(o, "what", s->audit_what);
	cJSON_AddStringToObject(o, "reason", reason ? reason : "");
	cJSON_AddBoolToObject(o, "ok", err == NULL);
	if (code != NULL)
		cJSON_AddStringToObject(o, "code", code);
	/* Carried out, its own record the write that failed: not a
	 * refusal (server_jrnl_unsynced). */
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(err, "carried_out")))
		cJSON_AddTrueToObject(o, "carried_out");
	cJSON_AddStringToObject(o, "result", msg);
	/* The request's id, as its client sent it: a client that stopped
	 * waiting for the answer (a console's timeout while the engine was
	 * stopped) finds it here.  Ids are kept apart per principal
	 * (server-idem.c), so another's id reads no answer. */
	if (ipc_get_str(reply, "id", &id) == 0)
		cJSON_AddStringToObject(o, "id", id);
	/* An acknowledgement reaches every console through its audit event:
	 * the seqs it names are the ones each console marks. */
	if (err == NULL && strcmp(cmd, CMD_ACK) == 0 &&
	    cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(reply, "acked")))
		cJSON_AddItemToObject(o, "acked", cJSON_Duplicate(
		    cJSON_GetObjectItemCaseSensitive(reply, "acked"), 1));
	if (err == NULL && strcmp(cmd, CMD_ACK) == 0 &&
	    cJSON_IsString(cJSON_GetObjectItemCaseSensitive(reply, "through")))
		cJSON_AddStringToObject(o, "through",
		    cJSON_GetObjectItemCaseSensitive(reply,
		    "through")->valuestring);
	server_publish(s, TOPIC_AUDIT, o);
	cJSON_Delete(o);
}

/* Text that may name a token: "token" in any case, or an escape that
 * could spell one ("tok\u0065n"). */
static int
cmd_may_hold_token(const void *raw, size_t len)
{
	const char *p = raw;

	for (size_t i = 0; i < len; i++) {
		if (p[i] == '\\' && i + 1 < len && p[i + 1] == 'u')
			return 1;
		if (i + 5 <= len && strncasecmp(p + i, "token", 5) == 0)
			return 1;
	}
	return 0;
}

/* A refused request's record: members in order while the whole stays
 * within REFUSED_KEEP bytes of JSON; a member whose value takes more than
 * REFUSED_KEEP_MEMBER is said by its size, one whose name is longer than
 * REFUSED_KEEP_NAME is left out, and so is every member past the budget;
 * "not_journaled" counts those left out. */
#define REFUSED_KEEP 1024
#define REFUSED_KEEP_MEMBER 256
#define REFUSED_KEEP_NAME 64

static cJSON *
cmd_record_bound(cJSON *d)
{
	cJSON *out = cJSON_CreateObject();
	size_t used = 2;
	int left = 0;

	if (out == NULL || !cJSON_IsObject(d)) {
		cJSON_Delete(out);
		return d;
	}
	for (const cJSON *m = d->child; m != NULL; m = m->next) {
		size_t nl = strlen(m->string != NULL ? m->string : ""), vl;
		char *v, said[64];
		cJSON *keep;

		if (nl > REFUSED_KEEP_NAME) {
			left++;
			continue;
		}
		v = cJSON_PrintUnformatted(m);
		vl = v != NULL ? strlen(v) : 0;
		cJSON_free(v);
		if (vl > REFUSED_KEEP_MEMBER) {
			snprintf(said, sizeof said, "(%zu bytes, not journaled)", vl);
			keep = cJSON_CreateString(said);
			vl = strlen(said) + 2;
		} else
			keep = cJSON_Duplicate(m, 1);
		if (keep == NULL || used + nl + vl + 4 > REFUSED_KEEP) {
			cJSON_Delete(keep);
			left++;
			continue;
		}
		used += nl + vl + 4;
		cJSON_AddItemToObject(out, m->string, keep);
	}
	if (left > 0)
		cJSON_AddNumberToObject(out, "not_journaled", left);
	cJSON_Delete(d);
	return out;
}

cJSON *
server_command_record(const cJSON *req, const void *raw, size_t rawlen,
                      const cJSON *reply, const char *client, const char *role)
{
	cJSON *o = cJSON_CreateObject();

	if (req != NULL) {
		cJSON *d = cJSON_Duplicate(req, 1);
		const cJSON *c = cJSON_GetObjectItemCaseSensitive(req, "cmd");

		/* A hello's token is a password: the journal is exported and
		 * read by many, and must not hand it out.  Nothing re-applies a
		 * hello, so nothing needs it back; and of a hello only the
		 * members a hello has are kept (a refused one may carry a
		 * password under another name). */
		if (cJSON_IsString(c) && strcmp(c->valuestring, CMD_HELLO) == 0 &&
		    d != NULL) {
			cJSON *m = d->child, *next;

			for (; m != NULL; m = next) {
				next = m->next;
				if (!cmd_member_ok(m->string, hello_mem))
					cJSON_Delete(cJSON_DetachItemViaPointer(d, m));
			}
		}
		if (cJSON_GetObjectItemCaseSensitive(d, "token") != NULL)
			cJSON_ReplaceItemInObjectCaseSensitive(d, "token",
			    cJSON_CreateString("(not journaled)"));
		/* A refused request changed nothing and is never re-applied:
		 * it is kept to say what came, in at most REFUSED_KEEP bytes,
		 * so that a request padded with a 250 KB member, refused
		 * again and again, cannot fill the disk (a trader's grew the
		 * journal 24 MB/s, a tokenless peer's 0.6 MB/s: found by an
		 * adversarial review).  What an accepted command holds is
		 * bounded by its own checks, and kept whole. */
		if (d != NULL && !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
		    reply, "ok")))
			d = cmd_record_bound(d);
		cJSON_AddItemToObject(o, "req", d);
	} else {
		/* Undecodable input is kept as text (cut on a character, control
		 * characters as \uXXXX, invalid UTF-8 as \xNN) so that the
		 * journal shows what came and stays valid JSON. */
		char cut[512];

		ipc_show(cut, sizeof cut, raw, rawlen);
		/* Text that may hold a token (a hello that did not parse) is
		 * not kept: only that it came, and its size. */
		if (raw != NULL && cmd_may_hold_token(raw, rawlen))
			snprintf(cut, sizeof cut, "(%zu bytes that did not parse, "
			    "naming a token: not journaled)", rawlen);
		cJSON_AddStringToObject(o, "raw", cut);
	}
	cJSON_AddItemToObject(o, "rep", cJSON_Duplicate(reply, 1));
	cJSON_AddStringToObject(o, "client", client);
	cJSON_AddStringToObject(o, "role", role);
	return o;
}

/* Whether req's cmd is name. */
static int
cmd_is(const cJSON *req, const char *name)
{
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(req, "cmd");

	return cJSON_IsString(c) && strcmp(c->valuestring, name) == 0;
}

static void
cmd_journal(struct server *s, const cJSON *req, const char *rawreq,
            size_t rawlen, const cJSON *reply, struct session *sess,
            const char *principal)
{
	cJSON *o = server_command_record(req, rawreq, rawlen, reply,
	    sess->client, sess->role);

	cJSON_AddStringToObject(o, "user", sess->user);
	/* A hello says how many of the session's hellos before it were
	 * answered and not journaled (server_command_session). */
	if (sess->hello.hidden > 0 && cmd_is(req, CMD_HELLO)) {
		cJSON_AddNumberToObject(o, "hellos_not_journaled",
		    (double)sess->hello.hidden);
		sess->hello.hidden = 0;
	}
	/* And a session's first hello how many first hellos of its token's
	 * (or of local peers') before it were not. */
	if (s->hello_carry > 0 && cmd_is(req, CMD_HELLO))
		cJSON_AddNumberToObject(o, "sessions_not_journaled",
		    (double)s->hello_carry);
	/* Recovery must know the gateway's own requests from a control
	 * client's: only those become the FIX orders it reports on. */
	if (sess->gateway)
		cJSON_AddBoolToObject(o, "gateway", 1);
	if (s->audit_what[0] != '\0')
		cJSON_AddStringToObject(o, "what", s->audit_what);
	/* Recovery remembers the answer under it again (server-idem.c). */
	if (principal != NULL)
		cJSON_AddStringToObject(o, "principal", principal);
	(void)server_jrnl_command(s, o, s->m->now, "a command");
	cJSON_Delete(o);
}

/* Whether UTF-8 text r shows nothing: only white space (ASCII, no-break
 * and ideographic spaces) and zero-width characters (U+200B..U+200D,
 * U+2060, U+FEFF). */
static int
cmd_blank(const char *r)
{
	const unsigned char *p = (const unsigned char *)r;

	while (*p != '\0') {
		if (*p == ' ' || (*p >= '\t' && *p <= '\r'))
			p++;
		else if (p[0] == 0xc2 && p[1] == 0xa0)
			p += 2;
		else if (p[0] == 0xe2 && p[1] == 0x80 && p[2] >= 0x8b &&
		    p[2] <= 0x8d)
			p += 3;
		else if (p[0] == 0xe2 && p[1] == 0x81 && p[2] == 0xa0)
			p += 3;
		else if (p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf)
			p += 3;
		else if (p[0] == 0xe3 && p[1] == 0x80 && p[2] == 0x80)
			p += 3;
		else
			return 0;
	}
	return 1;
}

/*
 * The checks every command passes before its handler, in order:
 * authentication, read-only replay (what the table marks CMD_REPLAY is
 * all it answers), the role (the table's least role for the command), and
 * a reason where the table says CMD_REASON.
 */
static cJSON *
cmd_check(struct server *s, const struct cmd_entry *ce, const cJSON *req,
          const char *id, const struct session *sess, const char **reason)
{
	cJSON *r;
	int rv;

	if (sess->kind != PEER_LOCAL && !sess->authed &&
	    !(ce->flags & CMD_AUTH))
		return ipc_reply_error(id, ERR_AUTH, "command \"%s\": say hello "
		    "with a token first", ce->name);
	/* In a replay nothing changes, whoever asks. */
	if ((ce->flags & CMD_WRITE) && s->readonly)
		return ipc_reply_error(id, ERR_STATE, "command \"%s\": read-only "
		    "replay of %s", ce->name, s->jpath);
	if (!(ce->flags & CMD_REPLAY) && s->readonly)
		return ipc_reply_error(id, ERR_STATE, "command \"%s\": not "
		    "served by a read-only replay of %s (it answers %s)",
		    ce->name, s->jpath, cmd_replay_known());
	if ((r = server_role_refusal(sess, ce->name, ce->min_rank, id)) != NULL)
		return r;
	rv = ipc_get_str(req, "reason", reason);
	if (rv == -2 || ((ce->flags & CMD_REASON) &&
	    (rv != 0 || (*reason)[0] == '\0'))) {
		*reason = NULL;
		return ipc_reply_error(id, ERR_FIELD, "field \"reason\": %s "
		    "requires a reason (a non-empty string)", ce->name);
	}
	/* A reason a supervisor cannot read is none (found by a probe:
	 * spaces, or a zero-width space, passed).  Recovery takes what was
	 * accepted then. */
	if (rv == 0 && (ce->flags & CMD_REASON) && !s->recovering &&
	    cmd_blank(*reason)) {
		*reason = NULL;
		return ipc_reply_error(id, ERR_FIELD, "field \"reason\": %s "
		    "requires a reason that says something (it has only spaces "
		    "or invisible characters)", ce->name);
	}
	if (rv != 0)
		*reason = NULL;
	return NULL;
}

cJSON *
server_command_apply(struct server *s, const cJSON *req,
                     struct session *sess)
{
	const char *id = NULL, *name = NULL;
	const struct cmd_entry *ce;

	ipc_get_str(req, "id", &id);
	ipc_get_str(req, "cmd", &name);
	cJSON *reply;

	if (name == NULL || (ce = cmd_find(name)) == NULL)
		return ipc_reply_error(id, ERR_UNKNOWN, "command: unknown");
	reply = ce->fn(s, req, id, sess);
	/* Recovery rebuilds the FIX orders' reports as the live engine made
	 * them, command by command. */
	if (s->fix != NULL && (ce->flags & CMD_WRITE) &&
	    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(reply, "ok")))
		server_fix_command(s, sess, ce->name, req, reply);
	return reply;
}

/* 1 when a hello may be journaled under budget b at now (ms), counted as
 * shown; else 0, counted as hidden, for the next one journaled to say. */
static int
hello_budget_take(struct hello_budget *b, uint64_t now)
{
	if (now - b->t0 > HELLO_INTERVAL_MS) {
		b->t0 = now;
		b->shown = 0;
	}
	if (b->shown >= HELLO_JOURNALED) {
		b->hidden++;
		return 0;
	}
	b->shown++;
	return 1;
}

void
server_idem_restore(struct server *s, const cJSON *record)
{
	const cJSON *req = cJSON_GetObjectItemCaseSensitive(record, "req");
	const cJSON *rep = cJSON_GetObjectItemCaseSensitive(record, "rep");
	const char *principal = NULL, *id = NULL;
	char *txt, now[256];

	/* Records without a principal (refusals, reads, older journals) were
	 * never remembered. */
	if (ipc_get_str(record, "principal", &principal) != 0 ||
	    ipc_get_str(req, "id", &id) != 0 || rep == NULL)
		return;
	principal = server_idem_principal_now(principal, now, sizeof now);
	if ((txt = cJSON_PrintUnformatted(rep)) != NULL)
		server_idem_store(s, principal, id, server_idem_body(req), txt,
		    strlen(txt));
	cJSON_free(txt);
}

/*
 * One request, start to answer.  In order: the session of the pipe (none
 * when the table is full), decoding, the command's name, authentication;
 * then, for a trusted session's command that changes something, the
 * remembered answer to its id (or id_reused); then the role, replay and
 * reason checks and the handler.  A trusted session's command that changes
 * something (or tried to) is journaled with its answer, audited and synced
 * before the answer leaves, and its answer remembered; every other refusal
 * goes to server_refusal(), which records it and keeps an unauthenticated
 * peer to its error budget.
 */
char *
server_command(struct server *s, const void *buf, size_t len,
               struct peer *peer, size_t *outlen)
{
	return server_command_session(s, buf, len, server_session_get(s, peer),
	    peer, outlen);
}

char *
server_command_session(struct server *s, const void *buf, size_t len,
                       struct session *sess, struct peer *peer,
                       size_t *outlen)
{
	const char *code = NULL, *id = NULL, *name = NULL, *reason = NULL;
	const char *seen;
	char err[512], *out, *durable = NULL, early_id[IPC_ID_MAX + 1];
	cJSON *req = NULL, *reply = NULL;
	const struct cmd_entry *ce = NULL;
	struct audit_before before = { 0 };
	uint64_t body = 0;
	size_t seenlen;
	int remember = 0, rv, done, hello_same = 0;
	char was_role[sizeof sess->role], was_client[sizeof sess->client];
	char was_user[sizeof sess->user];
	int was_token = 0, was_authed = 0;

	s->snap_splice = 0;
	if (ipc_command_parse(buf, len, &req, &code, err, sizeof err) != 0) {
		/* Refused before it was decoded, but with its id when one can
		 * be read: the client must know which request this was. */
		reply = ipc_reply_error(ipc_command_id(buf, len, early_id,
		    sizeof early_id) == 0 ? early_id : NULL, code, "%s", err);
		/* A hello refused as it arrived (a token pasted with a
		 * trailing \r) is a failed login all the same. */
		if (sess != NULL && cmd_looks_like_hello(buf, len))
			cmd_hello_refused(sess, NULL);
		goto answer;
	}
	ipc_get_str(req, "id", &id);
	ipc_get_str(req, "cmd", &name);
	/* The reason as it is kept, audited and journaled, before anything
	 * reads the request: recovery remembers an id under the body it
	 * reads in the journal, so a longer one hashed as sent made the
	 * resend after a restart id_reused. */
	if (ipc_get_str(req, "reason", &reason) == 0)
		ipc_utf8_cut((char *)reason, TRANCHE_MAX_TEXT);
	else
		reason = NULL;
	if (sess == NULL) {
		reply = ipc_reply_error(id, ERR_SESSIONS_FULL, "the engine holds "
		    "%d authenticated sessions, its limit (--max-sessions): this "
		    "connection is refused until one closes", s->max_sessions);
		goto answer;
	}
	if ((ce = cmd_find(name)) == NULL) {
		char v[80];

		reply = ipc_reply_error(id, ERR_UNKNOWN, "command %s: unknown "
		    "(known: %s)", cmd_field_text(req, "cmd", v, sizeof v),
		    server_cmd_known());
		goto answer;
	}
	if (!server_session_trusted(sess) && !(ce->flags & CMD_AUTH)) {
		reply = ipc_reply_error(id, ERR_AUTH, "command \"%s\": say hello "
		    "with a token first", ce->name);
		goto answer;
	}
	/* Only now, authenticated, may an id find a remembered answer. */
	if ((ce->flags & CMD_WRITE) && !s->readonly && id != NULL &&
	    sess->principal[0] != '\0') {
		body = server_idem_body(req);
		rv = server_idem_find(s, sess->principal, id, body, &seen,
		    &seenlen);
		if (rv == 1) {
			/* Already executed: the first answer, nothing done
			 * again. */
			cJSON_Delete(req);
			if ((out = malloc(seenlen ? seenlen : 1)) != NULL)
				memcpy(out, seen, seenlen);
			*outlen = out != NULL ? seenlen : 0;
			return out;
		}
		if (rv < 0) {
			reply = ipc_reply_error(id, ERR_ID_REUSED, "field \"id\" "
			    "\"%.64s\": already used by this client for another "
			    "request within the last %d s; use a new id",
			    id, IDEM_WINDOW_S);
			goto answer;
		}
		remember = 1;
	}
	/* What the command may change, as it was: the audit's "was". */
	if ((ce->flags & CMD_WRITE) && !s->readonly)
		server_audit_before(s, &before);
	if ((reply = cmd_check(s, ce, req, id, sess, &reason)) != NULL)
		goto answer;
	/* Nothing changes unless it can be journaled (resuming the journal
	 * is how it can be again). */
	if ((ce->flags & CMD_WRITE) && !(ce->flags & CMD_HALTED) &&
	    (reply = server_jrnl_refusal(s, id, ce->name)) != NULL)
		goto answer;
	/* A hello that leaves the session as it was (authenticated, the
	 * same role, client, token and person) is answered and not journaled:
	 * 55,000 of them in 20 s on four connections grew the journal by
	 * 32 MB, each synced (found by an adversarial review). */
	if (ce->flags & CMD_AUTH) {
		hello_same = was_authed = sess->authed;
		snprintf(was_role, sizeof was_role, "%s", sess->role);
		snprintf(was_client, sizeof was_client, "%s", sess->client);
		snprintf(was_user, sizeof was_user, "%s", sess->user);
		was_token = sess->token;
	}
	reply = ce->fn(s, req, id, sess);
	/* hello_same: 1 the session as it was; 2 only its client name
	 * changed (capped below); 0 its first hello, or a change of role,
	 * token or person: always journaled (a login under another person's
	 * token after four hellos went unjournaled: found by a review). */
	if (hello_same && (!sess->authed || strcmp(was_role, sess->role) != 0 ||
	    strcmp(was_user, sess->user) != 0 || was_token != sess->token))
		hello_same = 0;
	else if (hello_same && strcmp(was_client, sess->client) != 0)
		hello_same = 2;
answer:
	if (reply == NULL)
		reply = ipc_reply_error(id, "internal", "out of memory");
	done = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(reply, "ok"));
	/* Any refused hello leaves the connection as a new one is, whatever
	 * refused it (a bad "v" or "reason", checked before cmd_hello):
	 * the next person's failed login on a shared terminal must not go
	 * on under the role an earlier hello earned. */
	if (ce != NULL && (ce->flags & CMD_AUTH) && !done && sess != NULL)
		cmd_hello_refused(sess, NULL);
	/* A viewer's attempt to change something is a refusal (below), said
	 * in the same words as an intervention's. */
	if (ce != NULL && (ce->flags & CMD_WRITE) && !s->readonly && !done &&
	    server_session_trusted(sess) && sess->rank == ROLE_VIEWER)
		server_audit_words(s, ce->name, req, reply, &before,
		    s->audit_what, sizeof s->audit_what);
	if (ce != NULL && (ce->flags & CMD_WRITE) && !s->readonly &&
	    server_session_trusted(sess) && sess->rank > ROLE_VIEWER &&
	    strcmp(cmd_code(reply), ERR_ID_REUSED) != 0) {
		/* A trusted session's intervention, done or refused: on disk
		 * and audited before the answer leaves.  A refused one says
		 * the reason it was given all the same.  While the journal is
		 * halted nothing is journaled; the audit event still goes
		 * out. */
		if (reason == NULL && ipc_get_str(req, "reason", &reason) != 0)
			reason = NULL;
		server_audit_words(s, ce->name, req, reply, &before,
		    s->audit_what, sizeof s->audit_what);
		cmd_audit(s, sess, ce->name, reason, reply);
		if (!s->jhalted) {
			/* The command's record goes last: a write that a full
			 * disk cuts short cannot leave it whole, so a command
			 * answered journal_unavailable is not in the journal as
			 * accepted. */
			cmd_journal(s, req, buf, len, reply, sess, remember &&
			    done ? sess->principal : NULL);
			/* The answer leaves only once the command is on
			 * disk. */
			if (server_jrnl_commit(s, 1, "a command") != 0) {
				cJSON *r2 = server_jrnl_unsynced(s, id, reply);

				/* Its own answer, true once a resume has
				 * written it (server_idem_durable_later). */
				if (done && remember)
					durable = cJSON_PrintUnformatted(reply);
				/* A FIX order carried out is the gateway's to
				 * report, from its own answer: the reports wait
				 * for the resume (server_flush), as every report
				 * does while halted.  It was told Rejected and
				 * then traded unannounced (found by a review). */
				if (done && s->fix != NULL)
					server_fix_command(s, sess, ce->name, req,
					    reply);
				cJSON_Delete(reply);
				reply = r2;
				cmd_audit(s, sess, ce->name, reason, reply);
			}
		}
		s->audit_what[0] = '\0';
		/* A FIX order's report of what was done to it. */
		if (s->fix != NULL && cJSON_IsTrue(
		    cJSON_GetObjectItemCaseSensitive(reply, "ok")))
			server_fix_command(s, sess, ce->name, req, reply);
	} else if (ce != NULL && (ce->flags & CMD_AUTH) &&
	    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(reply, "ok"))) {
		/* A hello (a read) is answered either way; a replay has no
		 * journal of its own. */
		uint64_t now = server_now_ms();
		int first = !was_authed && sess->token >= 0 &&
		    sess->token <= TOKENS_MAX, journal;

		/* The first hello of a session and any that changes its role
		 * or principal; one that changes only the client name, at most
		 * HELLO_JOURNALED a session in HELLO_INTERVAL_MS; the rest are
		 * counted into the next one journaled (a client name new at
		 * every hello made each one a record).  A session's first
		 * hello, at most HELLO_JOURNALED a token (or local peers) in
		 * HELLO_INTERVAL_MS, the rest counted the same way: a viewer
		 * token connecting anew for each hello grew the journal 0.8
		 * MB/s, each record synced (left open by a review on
		 * 2026-12-07). */
		if (hello_same == 1) {
			sess->hello.hidden++;
			journal = 0;
		} else if (first)
			journal = hello_budget_take(&s->hello_first[sess->token],
			    now);
		else if (hello_same == 2)
			journal = hello_budget_take(&sess->hello, now);
		else
			journal = 1;
		if (!s->jhalted && !s->readonly && journal) {
			if (first) {
				s->hello_carry = s->hello_first[sess->token].hidden;
				s->hello_first[sess->token].hidden = 0;
			}
			cmd_journal(s, req, buf, len, reply, sess, NULL);
			s->hello_carry = 0;
			if (server_jrnl_commit(s, 1, "a hello") != 0)
				server_jrnl_halt(s);
		}
	} else if (!done && server_refusal(s, sess, peer, ce ? ce->name :
	    name ? name : "?", req, buf, len, reply, NULL)) {
		/* Past its error budget: no answer, the connection closed. */
		s->audit_what[0] = '\0';
		peer->close = 1;
		cJSON_Delete(reply);
		cJSON_Delete(req);
		*outlen = 0;
		return NULL;
	}
	s->audit_what[0] = '\0';
	out = cJSON_PrintUnformatted(reply);
	*outlen = out ? strlen(out) : 0;
	/* Only what was done is remembered under its id, and answered again
	 * to a resend: a refusal did nothing (a bad field, a role, a state,
	 * or no journal to record it), and the same id may be sent again,
	 * corrected or later.  Remembered refusals made a corrected request
	 * "id_reused" for ten minutes.  A command carried out whose record
	 * could not be synced (journal_unavailable after it was done) was:
	 * it is remembered, so that a resend does not do it twice; a
	 * refusal whose record could not be synced was not. */
	if (out != NULL && remember && done) {
		server_idem_store(s, sess->principal, id, body, out, *outlen);
		if (durable != NULL)
			server_idem_durable_later(s, sess->principal, id, durable,
			    strlen(durable));
	}
	cJSON_free(durable);
	cJSON_Delete(reply);
	cJSON_Delete(req);
	server_status_check(s);
	if (out != NULL) {
		/* Hand back plain malloc memory; a snapshot's shared text goes
		 * after {"ok":true,"id":...}. */
		size_t extra = s->snap_splice && s->snap_text != NULL ?
		    s->snap_len : 0;
		char *copy = malloc(*outlen + extra + 1);

		if (copy != NULL) {
			memcpy(copy, out, *outlen);
			if (extra > 0 && *outlen > 1) {
				copy[*outlen - 1] = ',';
				memcpy(copy + *outlen, s->snap_text + 1, extra - 1);
				*outlen += extra - 1;
			}
		}
		cJSON_free(out);
		out = copy;
	}
	s->snap_splice = 0;
	return out;
}
