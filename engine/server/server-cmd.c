/*
 * engine/server/server-cmd.c -- the command catalogue and its dispatcher.
 *
 * One table row per command: name, handler, whether it changes anything.
 * The dispatcher does what every command needs before the handler runs:
 * decode and bound-check the bytes (ipc_command_parse), answer a repeated
 * id with the remembered first answer (NNG's REQ resends after a reconnect,
 * and a trader's pause must not become pause-resume-pause), require a
 * reason of commands that change something, and afterwards journal the
 * request with its answer, sync the journal, and publish an audit event --
 * all before the answer leaves.  A handler only decides and acts.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/model/impact.h"
#include "engine/server/server-int.h"
#include "ipc/codec.h"
#include "ipc/protocol.h"

typedef cJSON *(*cmd_fn)(struct server *s, const cJSON *req, const char *id,
                         struct session *sess);

struct cmd_entry {
	const char *name;
	cmd_fn fn;
	int mutating;
	int min_rank;   /* ROLE_*: the least role that may send it */
};

static uint64_t
cmd_hash(const char *str)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *str; str++)
		h = (h ^ (unsigned char)*str) * 1099511628211ULL;
	return h;
}

static struct idem *
cmd_idem_find(struct server *s, const char *id)
{
	uint64_t h = cmd_hash(id);

	for (int i = 0; i < IDEM_SIZE; i++)
		if (s->idem[i].id != NULL && s->idem[i].hash == h &&
		    strcmp(s->idem[i].id, id) == 0)
			return &s->idem[i];
	return NULL;
}

static void
cmd_idem_store(struct server *s, const char *id, const char *reply, size_t len)
{
	struct idem *e = &s->idem[s->idem_next++ % IDEM_SIZE];
	char *idc = strdup(id), *rc = malloc(len);

	if (idc == NULL || rc == NULL) {
		free(idc);
		free(rc);
		return;
	}
	free(e->id);
	free(e->reply);
	memcpy(rc, reply, len);
	e->hash = cmd_hash(id);
	e->id = idc;
	e->reply = rc;
	e->len = len;
}

void
server_idem_free(struct server *s)
{
	for (int i = 0; i < IDEM_SIZE; i++) {
		free(s->idem[i].id);
		free(s->idem[i].reply);
	}
}

static struct session *
cmd_session(struct server *s, const struct peer *peer)
{
	for (int i = 0; i < s->nsessions; i++)
		if (s->sessions[i].pipe == peer->pipe)
			return &s->sessions[i];
	/* Unknown pipe: a slot of its own (oldest reused when full). */
	int slot = s->nsessions < SESSIONS_MAX ? s->nsessions++ :
	    (int)(peer->pipe % SESSIONS_MAX);
	struct session *sess = &s->sessions[slot];
	memset(sess, 0, sizeof *sess);
	sess->pipe = peer->pipe;
	sess->kind = peer->kind;
	sess->rank = ROLE_VIEWER;
	strcpy(sess->client, "anonymous");
	strcpy(sess->role, "viewer");
	return sess;
}

int
server_role_rank(const char *role)
{
	if (strcmp(role, "viewer") == 0)
		return ROLE_VIEWER;
	if (strcmp(role, "trader") == 0)
		return ROLE_TRADER;
	if (strcmp(role, "supervisor") == 0)
		return ROLE_SUPERVISOR;
	return -1;
}

const char *
server_role_name(int rank)
{
	return rank == ROLE_SUPERVISOR ? "supervisor" : rank == ROLE_TRADER ?
	    "trader" : "viewer";
}

/* A field's JSON text for an error message (cut, never NULL). */
static const char *
cmd_field_text(const cJSON *req, const char *name, char *buf, size_t n)
{
	char *txt = cJSON_PrintUnformatted(
	    cJSON_GetObjectItemCaseSensitive(req, name));

	/* Cut on a character, so the message stays valid UTF-8. */
	snprintf(buf, n, "%s", txt ? txt : "?");
	if (strlen(buf) > 60 && n > 64)
		strcat(ipc_utf8_cut(buf, 60), "...");
	cJSON_free(txt);
	return buf;
}

/* An error reply for a field of the wrong type or out of range. */
static cJSON *
cmd_bad_field(const char *id, const cJSON *req, const char *name,
              const char *must)
{
	char v[80];

	return ipc_reply_error(id, ERR_FIELD, "field \"%s\" %s: %s", name,
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
		    ipc_show(v, sizeof v, *out, strlen(*out)));
		return -1;
	}
	if (rv != 0) {
		*err = cmd_bad_field(id, req, name, "must be a string");
		return -1;
	}
	return 0;
}

/* 1 when the kill switch is on: some block is HALTED. */
static int
cmd_halted(struct server *s)
{
	for (size_t i = 0; i < exec_count(s->x); i++)
		if (exec_get(s->x, i)->state == PARENT_HALTED)
			return 1;
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
		const cJSON *f = cJSON_GetObjectItemCaseSensitive(req, "block");
		char *txt = cJSON_PrintUnformatted(f);

		*err = ipc_reply_error(id, ERR_FIELD, "field \"block\" %s: must be "
		    "a block id (a positive whole number)", txt ? txt : "?");
		cJSON_free(txt);
		return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

/* Compare without stopping at the first difference. */
static int
cmd_token_eq(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned d = la != lb;

	for (size_t i = 0; i < la && i < lb; i++)
		d |= (unsigned char)a[i] ^ (unsigned char)b[i];
	return d == 0;
}

static cJSON *
cmd_hello(struct server *s, const cJSON *req, const char *id,
          struct session *sess)
{
	const char *client = NULL, *role = "viewer", *token = NULL;
	int64_t v = -1;
	int rank, granted = -1;
	cJSON *r, *e = NULL;

	if (ipc_get_i64(req, "v", &v) != 0)
		return ipc_reply_error(id, ERR_FIELD, "field \"v\": the client's "
		    "protocol version is required (this engine speaks %d)",
		    TRANCHE_PROTO_VERSION);
	if (v != TRANCHE_PROTO_VERSION)
		return ipc_reply_error(id, ERR_VERSION, "protocol version %lld "
		    "(client) is not %d (engine): use matching tranche and "
		    "tranched builds", (long long)v, TRANCHE_PROTO_VERSION);
	if (cmd_str(req, id, "role", &role, &e) < 0 ||
	    cmd_str(req, id, "client", &client, &e) < 0 ||
	    cmd_str(req, id, "token", &token, &e) < 0)
		return e;
	if ((rank = server_role_rank(role)) < 0)
		return ipc_reply_error(id, ERR_FIELD, "field \"role\" \"%.32s\": "
		    "must be viewer, trader or supervisor", role);
	if (token != NULL) {
		for (int i = 0; i < s->ntokens; i++)
			if (cmd_token_eq(s->tokens[i].token, token))
				granted = s->tokens[i].rank;
		if (granted < 0)
			return ipc_reply_error(id, ERR_AUTH, "field \"token\": not "
			    "a token this engine knows");
		if (granted < rank)
			return ipc_reply_error(id, ERR_ROLE, "role \"%s\": this "
			    "token grants %s at most", role,
			    server_role_name(granted));
	} else if (sess->kind != PEER_LOCAL)
		return ipc_reply_error(id, ERR_AUTH, "field \"token\": required "
		    "(%s); set TRANCHE_TOKEN", sess->kind == PEER_REMOTE ?
		    "a tcp:// or tls+tcp:// peer must present a token" :
		    "an ipc:// peer of another uid must present a token");
	if (client != NULL && client[0] != '\0')
		ipc_utf8_cut(sess->client, (size_t)snprintf(sess->client,
		    sizeof sess->client, "%s", client));
	sess->rank = rank;
	sess->authed = 1;
	snprintf(sess->role, sizeof sess->role, "%s", server_role_name(rank));
	r = ipc_reply_ok(id);
	cJSON_AddStringToObject(r, "engine", s->name);
	cJSON_AddStringToObject(r, "version", TRANCHE_VERSION);
	cJSON_AddNumberToObject(r, "v", TRANCHE_PROTO_VERSION);
	cJSON_AddNumberToObject(r, "tick", s->m->tick);
	cJSON_AddStringToObject(r, "sym", s->m->sym);
	cJSON_AddItemToObject(r, "syms", server_syms_json(s));
	cJSON_AddStringToObject(r, "events", s->events_url);
	cJSON_AddStringToObject(r, "role", sess->role);
	cJSON_AddStringToObject(r, "journal", s->jpath);
	if (s->readonly)
		cJSON_AddBoolToObject(r, "replay", 1);
	return r;
}

static cJSON *
cmd_blocks(struct server *s)
{
	cJSON *a = cJSON_CreateArray();

	for (size_t i = 0; i < exec_count(s->x); i++)
		cJSON_AddItemToArray(a, exec_block_json(s->x, exec_get(s->x, i)));
	return a;
}

static cJSON *
cmd_status(struct server *s, const cJSON *req, const char *id,
           struct session *sess)
{
	cJSON *r = ipc_reply_ok(id), *lim;
	double pov = 100;

	cJSON_AddStringToObject(r, "state", server_state(s));
	ipc_add_i64_str(r, "t", s->m->now);
	cJSON_AddNumberToObject(r, "speed", s->speed);
	cJSON_AddItemToObject(r, "syms", server_syms_json(s));
	cJSON_AddItemToObject(r, "blocks", cmd_blocks(s));
	for (size_t i = 0; i < exec_count(s->x); i++)
		if (exec_get(s->x, i)->spec.max_pov < pov)
			pov = exec_get(s->x, i)->spec.max_pov;
	lim = cJSON_AddObjectToObject(r, "limits");
	cJSON_AddNumberToObject(lim, "max_pov", pov);
	return r;
}

static cJSON *
cmd_snapshot(struct server *s, const cJSON *req, const char *id,
             struct session *sess)
{
	cJSON *r = ipc_reply_ok(id), *kids, *books;

	/* Everything the engine has said is in the outbox or already sent:
	 * push it out so this snapshot's seq is the last one published. */
	exec_emit_dirty(s->x);
	server_flush(s);
	cJSON_AddNumberToObject(r, "seq", (double)s->seq);
	ipc_add_i64_str(r, "t", s->m->now);
	cJSON_AddNumberToObject(r, "tick", s->m->tick);
	cJSON_AddStringToObject(r, "sym", s->m->sym);
	cJSON_AddStringToObject(r, "state", server_state(s));
	cJSON_AddItemToObject(r, "syms", server_syms_json(s));
	/* "book" is the first symbol's (what a one-symbol console reads),
	 * "books" every symbol's. */
	cJSON_AddItemToObject(r, "book", server_book_json(s, s->m));
	books = cJSON_AddArrayToObject(r, "books");
	for (size_t i = 0; i < exec_market_count(s->x); i++)
		cJSON_AddItemToArray(books, server_book_json(s,
		    exec_market_at(s->x, i)));
	cJSON_AddItemToObject(r, "blocks", cmd_blocks(s));
	cJSON_AddItemToObject(r, "decisions", server_ring_json(&s->decisions));
	cJSON_AddItemToObject(r, "alerts", server_ring_json(&s->alerts));
	cJSON_AddItemToObject(r, "audit", server_ring_json(&s->audits));
	kids = cJSON_AddArrayToObject(r, "children");
	for (size_t i = 0; i < exec_count(s->x); i++) {
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
	return r;
}

static cJSON *
cmd_pause_resume(struct server *s, const cJSON *req, const char *id, int pause)
{
	char err[256];
	uint32_t block;
	cJSON *e = NULL, *r;

	if (cmd_block(req, id, 0, &block, &e) != 0)
		return e;
	if (!pause && cmd_halted(s))
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
	const char *aggr = NULL;
	struct exec_limits l = { 0, 0, -1 };
	struct parent *p;
	cJSON *e = NULL, *r;
	int rv = ipc_get_num(req, "pct", &pct);

	if (rv == -2)
		return cmd_bad_field(id, req, "pct", "must be a number");
	if (rv == 0 && !(pct > 0 && pct <= 100))
		return ipc_reply_error(id, ERR_FIELD, "field \"pct\" %g: must be "
		    "> 0 and <= 100", pct);
	if (rv == 0)
		l.pct = pct;
	if ((rv = cmd_int(req, id, "max_child", 1, 1000000000LL, &maxc, &e)) < 0)
		return e;
	if (rv == 0)
		l.max_child = maxc;
	if (cmd_str(req, id, "aggression", &aggr, &e) < 0)
		return e;
	if (aggr != NULL && (l.aggression = exec_aggression_parse(aggr)) < 0)
		return ipc_reply_error(id, ERR_FIELD, "field \"aggression\" "
		    "\"%.32s\": must be passive, neutral or aggressive", aggr);
	if (l.pct <= 0 && l.max_child <= 0 && l.aggression < 0)
		return ipc_reply_error(id, ERR_FIELD, "field \"pct\": required "
		    "unless max_child or aggression is given (maximum "
		    "participation in percent, > 0 and <= 100)");
	if (cmd_block(req, id, 0, &block, &e) != 0)
		return e;
	if (exec_limit(s->x, block, &l, err, sizeof err) != 0)
		return cmd_exec_error(id, err);
	r = ipc_reply_ok(id);
	p = block ? exec_find(s->x, block) : exec_count(s->x) ?
	    exec_get(s->x, 0) : NULL;
	cJSON_AddNumberToObject(r, "max_pov", p ? p->spec.max_pov : pct);
	cJSON_AddNumberToObject(r, "max_child", p ? (double)p->max_child : 0);
	cJSON_AddStringToObject(r, "aggression", exec_aggression_name(p ?
	    p->aggr_cap : AGGR_AGGRESSIVE));
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

static cJSON *
cmd_submit(struct server *s, const cJSON *req, const char *id,
           struct session *sess)
{
	struct parent_spec ps;
	const char *sym = NULL, *side = NULL, *algo = "twap", *urg = NULL;
	char syms[160];
	int64_t qty = 0, lim = 0, start = s->m->now, end = 0, dur = 0;
	double pov = 100;
	const cJSON *params;
	char err[256];
	uint32_t block;
	cJSON *e = NULL, *r;
	int rv;

	if (cmd_halted(s))
		return ipc_reply_error(id, ERR_HALTED, "the kill switch is on: "
		    "release it before submitting");
	memset(&ps, 0, sizeof ps);
	exec_syms(s->x, syms, sizeof syms);
	if ((rv = cmd_str(req, id, "sym", &sym, &e)) < 0)
		return e;
	if (rv == 1)
		return ipc_reply_error(id, ERR_FIELD, "field \"sym\": required "
		    "(this engine trades %s)", syms);
	if (exec_market_sym(s->x, sym) == NULL)
		return ipc_reply_error(id, ERR_FIELD, "field \"sym\" \"%.16s\": "
		    "not traded by this engine (it trades %s)", sym, syms);
	if (cmd_str(req, id, "side", &side, &e) < 0)
		return e;
	if (side == NULL || (strcmp(side, "buy") != 0 &&
	    strcmp(side, "sell") != 0))
		return ipc_reply_error(id, ERR_FIELD, "field \"side\" \"%.16s\": "
		    "must be buy or sell", side ? side : "");
	if ((rv = cmd_int(req, id, "qty", 1, 1000000000LL, &qty, &e)) < 0)
		return e;
	if (rv == 1)
		return ipc_reply_error(id, ERR_FIELD, "field \"qty\": required "
		    "(shares, 1..1000000000)");
	if (cmd_str(req, id, "algo", &algo, &e) < 0)
		return e;
	if (algo_find(algo) == NULL)
		return ipc_reply_error(id, ERR_FIELD, "field \"algo\" \"%.16s\": "
		    "unknown (known: twap)", algo);
	if (cmd_time(s, req, id, "start", &start, &e) < 0 ||
	    (rv = cmd_time(s, req, id, "end", &end, &e)) < 0)
		return e;
	if (start < s->m->now)
		start = s->m->now;
	if (rv == 1) {
		if ((rv = cmd_int(req, id, "duration_s", 1, 86400, &dur, &e)) < 0)
			return e;
		if (rv == 1)
			return ipc_reply_error(id, ERR_FIELD, "field \"end\": "
			    "required, or \"duration_s\"");
		end = start + dur * 1000000000LL;
	}
	if (end > s->sc.close)
		return ipc_reply_error(id, ERR_FIELD, "field \"end\" %lld: after "
		    "the close at %lld", (long long)end, (long long)s->sc.close);
	if (end <= start)
		return ipc_reply_error(id, ERR_FIELD, "field \"end\" %lld: must be "
		    "after the start %lld", (long long)end, (long long)start);
	if (cmd_int(req, id, "limit_px", 0, 1LL << 40, &lim, &e) < 0)
		return e;
	rv = ipc_get_num(req, "max_pov", &pov);
	if (rv == -2 || (rv == 0 && !(pov > 0 && pov <= 100)))
		return cmd_bad_field(id, req, "max_pov", "must be a number > 0 "
		    "and <= 100");
	if (cmd_str(req, id, "urgency", &urg, &e) < 0)
		return e;
	if (urg != NULL && strcmp(urg, "low") != 0 &&
	    strcmp(urg, "medium") != 0 && strcmp(urg, "high") != 0)
		return ipc_reply_error(id, ERR_FIELD, "field \"urgency\" "
		    "\"%.16s\": must be low, medium or high", urg);
	params = cJSON_GetObjectItemCaseSensitive(req, "params");
	if (params != NULL && !cJSON_IsObject(params))
		return cmd_bad_field(id, req, "params", "must be an object");
	if (params != NULL && params->child != NULL)
		return ipc_reply_error(id, ERR_FIELD, "field \"params.%.32s\": "
		    "algo %s takes no parameters", params->child->string, algo);
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
	ps.cleanup = 1;
	snprintf(ps.algo, sizeof ps.algo, "%s", algo);
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
		    "(style, limit, algo, child or cancel_children)");
	if (exec_find(s->x, block) == NULL)
		return ipc_reply_error(id, ERR_NOT_FOUND, "block %u: no such "
		    "block", block);
	if (strcmp(action, "cancel_children") == 0) {
		rv = exec_cancel_children(s->x, block, err, sizeof err);
	} else if (cmd_halted(s)) {
		return ipc_reply_error(id, ERR_HALTED, "the kill switch is on: "
		    "override %.20s refused until release", action);
	} else if (strcmp(action, "style") == 0) {
		if ((rv = cmd_str(req, id, "style", &str, &e)) < 0)
			return e;
		if (str == NULL || (style = exec_aggression_parse(str)) < 0)
			return ipc_reply_error(id, ERR_FIELD, "field \"style\" "
			    "\"%.20s\": must be passive, neutral or aggressive",
			    str ? str : "");
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
		if (str == NULL || algo_find(str) == NULL)
			return ipc_reply_error(id, ERR_FIELD, "field \"algo\" "
			    "\"%.20s\": unknown (known: twap)", str ? str : "");
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
			return ipc_reply_error(id, ERR_FIELD, "field \"tif\" "
			    "\"%.16s\": must be day or ioc", tif);
		struct parent *p = exec_find(s->x, block);
		if (exec_risk_check(s->x, p, px, qty, err, sizeof err) != 0)
			return ipc_reply_error(id, ERR_RISK, "%s", err);
		rv = exec_manual_child(s->x, block, px, qty,
		    strcmp(tif, "ioc") == 0, err, sizeof err);
	} else
		return ipc_reply_error(id, ERR_FIELD, "field \"action\" "
		    "\"%.32s\": must be style, limit, algo, child or "
		    "cancel_children", action);
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
	char err[256];
	cJSON *r;

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
	double v = -1;
	char shown[96];
	cJSON *r;

	if (f == NULL)
		return ipc_reply_error(id, ERR_FIELD, "field \"speed\": required "
		    "(1, 10, 60, max or a number)");
	/* Only "max" means as fast as possible: 0, -0, "0.0" and a number
	 * that underflows are refused, not taken as max. */
	if (cJSON_IsString(f) && strcmp(f->valuestring, "max") == 0)
		v = 0;
	else if (cJSON_IsString(f) && (ipc_decimal(f->valuestring,
	    strlen(f->valuestring), &v) != 0 || !(v > 0 && v <= 100000)))
		return ipc_reply_error(id, ERR_FIELD, "field \"speed\" \"%s\": "
		    "must be max or a decimal number > 0 and <= 100000",
		    ipc_show(shown, sizeof shown, f->valuestring,
		    strlen(f->valuestring)));
	else if (cJSON_IsNumber(f) && !(f->valuedouble > 0 &&
	    f->valuedouble <= 100000))
		return ipc_reply_error(id, ERR_FIELD, "field \"speed\" %.17g: "
		    "must be max or a number > 0 and <= 100000", f->valuedouble);
	else if (cJSON_IsNumber(f))
		v = f->valuedouble;
	else if (!cJSON_IsString(f))
		return cmd_bad_field(id, req, "speed", "must be max or a number "
		    "> 0 and <= 100000");
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

static cJSON *
cmd_ack(struct server *s, const cJSON *req, const char *id,
        struct session *sess)
{
	int64_t seq = 0;
	cJSON *e = NULL;
	char pat[48];
	int rv;

	if ((rv = cmd_int(req, id, "alert", 1, 1LL << 52, &seq, &e)) < 0)
		return e;
	if (rv == 1)
		return ipc_reply_error(id, ERR_FIELD, "field \"alert\": required "
		    "(the seq of an alert event)");
	snprintf(pat, sizeof pat, "\"seq\":%lld,", (long long)seq);
	for (int i = 0; i < s->alerts.count; i++) {
		int k = (s->alerts.head - s->alerts.count + i + RING_SIZE) %
		    RING_SIZE;

		if (strstr(s->alerts.items[k], pat) != NULL)
			return ipc_reply_ok(id);
	}
	return ipc_reply_error(id, ERR_NOT_FOUND, "field \"alert\" %lld: no "
	    "such alert among the last %d", (long long)seq, RING_SIZE);
}

static cJSON *
cmd_cancel(struct server *s, const cJSON *req, const char *id,
           struct session *sess)
{
	char err[256];
	uint32_t block;
	cJSON *e = NULL, *r;

	if (cmd_block(req, id, 1, &block, &e) != 0)
		return e;
	if (exec_cancel(s->x, block, err, sizeof err) != 0)
		return ipc_reply_error(id, strstr(err, "no such") ? ERR_NOT_FOUND :
		    ERR_STATE, "%s", err);
	r = ipc_reply_ok(id);
	cJSON_AddStringToObject(r, "state", "CANCELLED");
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
	double usd_bps;
	char err[256];
	cJSON *e = NULL, *r;

	if (cmd_block(req, id, 0, &block, &e) != 0)
		return e;
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
			return ipc_reply_error(id, ERR_FIELD, "field \"sym\" "
			    "\"%.16s\": %s", sym, ms == NULL ? "not traded by this "
			    "engine" : "not the block's symbol");
		m = ms;
	}
	if (m == NULL)
		return ipc_reply_error(id, ERR_FIELD, "field \"block\" or \"sym\": "
		    "one is required (this engine trades %s)", syms);
	if (cmd_str(req, id, "side", &side, &e) < 0)
		return e;
	if (side != NULL) {
		if (strcmp(side, "buy") != 0 && strcmp(side, "sell") != 0)
			return ipc_reply_error(id, ERR_FIELD, "field \"side\" "
			    "\"%.16s\": must be buy or sell", side);
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

/* Which commands change something (journaled, audited, need a reason). */
enum { CMD_READ = 0, CMD_CHANGES = 1, CMD_CHANGES_REASON_OPTIONAL = 2 };

static const struct cmd_entry cmd_table[] = {
	{ CMD_HELLO, cmd_hello, CMD_READ, ROLE_VIEWER },
	{ CMD_STATUS, cmd_status, CMD_READ, ROLE_VIEWER },
	{ CMD_SNAPSHOT, cmd_snapshot, CMD_READ, ROLE_VIEWER },
	{ CMD_ESTIMATE, cmd_estimate, CMD_READ, ROLE_VIEWER },
	{ CMD_SUBMIT, cmd_submit, CMD_CHANGES, ROLE_TRADER },
	{ CMD_PAUSE, cmd_pause, CMD_CHANGES, ROLE_TRADER },
	{ CMD_RESUME, cmd_resume, CMD_CHANGES, ROLE_TRADER },
	{ CMD_THROTTLE, cmd_throttle, CMD_CHANGES, ROLE_TRADER },
	{ CMD_OVERRIDE, cmd_override, CMD_CHANGES, ROLE_TRADER },
	{ CMD_CANCEL, cmd_cancel, CMD_CHANGES, ROLE_TRADER },
	{ CMD_ACK, cmd_ack, CMD_CHANGES_REASON_OPTIONAL, ROLE_TRADER },
	{ CMD_KILL, cmd_kill, CMD_CHANGES, ROLE_SUPERVISOR },
	{ CMD_RELEASE, cmd_release, CMD_CHANGES, ROLE_SUPERVISOR },
	{ CMD_SPEED, cmd_speed, CMD_CHANGES, ROLE_SUPERVISOR },
};
#define CMD_KNOWN "hello, status, snapshot, estimate, submit, pause, " \
	"resume, throttle, override, cancel, ack, kill, release, speed"

static const struct cmd_entry *
cmd_find(const char *name)
{
	for (size_t i = 0; i < sizeof cmd_table / sizeof cmd_table[0]; i++)
		if (strcmp(cmd_table[i].name, name) == 0)
			return &cmd_table[i];
	return NULL;
}

static void
cmd_audit(struct server *s, const struct session *sess, const char *cmd,
          const char *reason, const cJSON *reply)
{
	cJSON *o = cJSON_CreateObject(), *err;
	const char *msg = "ok";

	err = cJSON_GetObjectItemCaseSensitive(reply, "error");
	if (err != NULL)
		ipc_get_str(err, "message", &msg);
	cJSON_AddStringToObject(o, "client", sess->client);
	cJSON_AddStringToObject(o, "role", sess->role);
	cJSON_AddStringToObject(o, "cmd", cmd);
	cJSON_AddStringToObject(o, "reason", reason ? reason : "");
	cJSON_AddBoolToObject(o, "ok", err == NULL);
	cJSON_AddStringToObject(o, "result", msg);
	server_publish(s, TOPIC_AUDIT, o);
	cJSON_Delete(o);
}

static void
cmd_journal(struct server *s, const cJSON *req, const char *rawreq,
            size_t rawlen, const cJSON *reply, const struct session *sess)
{
	cJSON *o = cJSON_CreateObject();
	char *txt;

	if (req != NULL)
		cJSON_AddItemToObject(o, "req", cJSON_Duplicate(req, 1));
	else {
		/* Undecodable input is kept as text (cut on a character, control
		 * characters as \uXXXX, invalid UTF-8 as \xNN) so that the
		 * journal shows what came and stays valid JSON. */
		char cut[512];

		ipc_show(cut, sizeof cut, rawreq, rawlen);
		cJSON_AddStringToObject(o, "raw", cut);
	}
	cJSON_AddItemToObject(o, "rep", cJSON_Duplicate(reply, 1));
	cJSON_AddStringToObject(o, "client", sess->client);
	cJSON_AddStringToObject(o, "role", sess->role);
	txt = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (txt != NULL && s->j != NULL)
		jrnl_append(s->j, JRNL_COMMAND, s->m->now, txt, strlen(txt));
	cJSON_free(txt);
}

/*
 * The checks every command passes before its handler, in order: the role
 * (a viewer changes nothing; kill, release and speed are a supervisor's),
 * read-only replay, and a reason for anything that changes something.
 */
static cJSON *
cmd_check(struct server *s, const struct cmd_entry *ce, const cJSON *req,
          const char *id, const struct session *sess, const char **reason)
{
	int rv;

	if (sess->kind != PEER_LOCAL && !sess->authed &&
	    strcmp(ce->name, CMD_HELLO) != 0)
		return ipc_reply_error(id, ERR_AUTH, "command \"%s\": say hello "
		    "with a token first", ce->name);
	if (sess->rank < ce->min_rank)
		return ipc_reply_error(id, ERR_ROLE, "command \"%s\": role %s may "
		    "not; it needs %s%s", ce->name, sess->role,
		    server_role_name(ce->min_rank), sess->authed ? "" :
		    " (say hello with a role first)");
	if (ce->mutating && s->readonly)
		return ipc_reply_error(id, ERR_STATE, "command \"%s\": read-only "
		    "replay", ce->name);
	rv = ipc_get_str(req, "reason", reason);
	if (rv == -2 || (ce->mutating == CMD_CHANGES &&
	    (rv != 0 || (*reason)[0] == '\0'))) {
		*reason = NULL;
		return ipc_reply_error(id, ERR_FIELD, "field \"reason\": %s "
		    "requires a reason (a non-empty string)", ce->name);
	}
	if (rv != 0)
		*reason = NULL;
	else
		ipc_utf8_cut((char *)*reason, TRANCHE_MAX_TEXT);
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
	if (name == NULL || (ce = cmd_find(name)) == NULL)
		return ipc_reply_error(id, ERR_UNKNOWN, "command: unknown");
	return ce->fn(s, req, id, sess);
}

void
server_idem_restore(struct server *s, const char *id, const cJSON *rep)
{
	char *txt = cJSON_PrintUnformatted(rep);

	if (txt != NULL && cmd_idem_find(s, id) == NULL)
		cmd_idem_store(s, id, txt, strlen(txt));
	cJSON_free(txt);
}

char *
server_command(struct server *s, const void *buf, size_t len,
               const struct peer *peer, size_t *outlen)
{
	const char *code = NULL, *id = NULL, *name = NULL, *reason = NULL;
	char err[512], *out;
	cJSON *req = NULL, *reply = NULL;
	const struct cmd_entry *ce = NULL;
	struct session *sess = cmd_session(s, peer);
	struct idem *seen;

	if (ipc_command_parse(buf, len, &req, &code, err, sizeof err) != 0) {
		reply = ipc_reply_error(NULL, code, "%s", err);
		goto answer;
	}
	ipc_get_str(req, "id", &id);
	if ((seen = cmd_idem_find(s, id)) != NULL) {
		/* Already executed: the first answer, nothing done again. */
		cJSON_Delete(req);
		out = malloc(seen->len);
		if (out != NULL)
			memcpy(out, seen->reply, seen->len);
		*outlen = seen->len;
		return out;
	}
	ipc_get_str(req, "cmd", &name);
	if ((ce = cmd_find(name)) == NULL) {
		reply = ipc_reply_error(id, ERR_UNKNOWN, "command \"%.64s\": unknown "
		    "(known: " CMD_KNOWN ")", name);
		goto answer;
	}
	if ((reply = cmd_check(s, ce, req, id, sess, &reason)) != NULL)
		goto answer;
	reply = ce->fn(s, req, id, sess);
answer:
	if (reply == NULL)
		reply = ipc_reply_error(id, "internal", "out of memory");
	/* Reads are answered from memory and change nothing: only what
	 * changes (or tried to) is journaled and audited. */
	if (ce == NULL || ce->mutating || strcmp(ce->name, CMD_HELLO) == 0) {
		cmd_journal(s, req, buf, len, reply, sess);
		if (ce == NULL || ce->mutating)
			cmd_audit(s, sess, ce ? ce->name : (name ? name : "?"),
			    reason, reply);
		/* The answer leaves only once the command is on disk. */
		if (s->j != NULL)
			jrnl_sync(s->j);
	}
	out = cJSON_PrintUnformatted(reply);
	*outlen = out ? strlen(out) : 0;
	if (out != NULL && id != NULL && ce != NULL)
		cmd_idem_store(s, id, out, *outlen);
	cJSON_Delete(reply);
	cJSON_Delete(req);
	server_status_check(s);
	if (out != NULL) {
		/* Hand back plain malloc memory. */
		char *copy = malloc(*outlen);

		if (copy != NULL)
			memcpy(copy, out, *outlen);
		cJSON_free(out);
		out = copy;
	}
	return out;
}
