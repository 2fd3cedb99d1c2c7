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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/server/server-int.h"
#include "ipc/codec.h"
#include "ipc/protocol.h"

typedef cJSON *(*cmd_fn)(struct server *s, const cJSON *req, const char *id,
                         struct session *sess);

struct cmd_entry {
	const char *name;
	cmd_fn fn;
	int mutating;
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
cmd_session(struct server *s, uint32_t pipe)
{
	for (int i = 0; i < s->nsessions; i++)
		if (s->sessions[i].pipe == pipe)
			return &s->sessions[i];
	/* Unknown pipe: a slot of its own (oldest reused when full). */
	int slot = s->nsessions < SESSIONS_MAX ? s->nsessions++ :
	    (int)(pipe % SESSIONS_MAX);
	struct session *sess = &s->sessions[slot];
	memset(sess, 0, sizeof *sess);
	sess->pipe = pipe;
	strcpy(sess->client, "anonymous");
	strcpy(sess->role, "trader");
	return sess;
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

static cJSON *
cmd_hello(struct server *s, const cJSON *req, const char *id,
          struct session *sess)
{
	const char *client = NULL, *role = NULL;
	int64_t v = -1;
	cJSON *r;

	if (ipc_get_i64(req, "v", &v) != 0)
		return ipc_reply_error(id, ERR_FIELD, "field \"v\": the client's "
		    "protocol version is required (this engine speaks %d)",
		    TRANCHE_PROTO_VERSION);
	if (v != TRANCHE_PROTO_VERSION)
		return ipc_reply_error(id, ERR_VERSION, "protocol version %lld "
		    "(client) is not %d (engine): use matching tranche and "
		    "tranched builds", (long long)v, TRANCHE_PROTO_VERSION);
	if (ipc_get_str(req, "role", &role) == 0 && strcmp(role, "viewer") != 0 &&
	    strcmp(role, "trader") != 0 && strcmp(role, "supervisor") != 0)
		return ipc_reply_error(id, ERR_FIELD, "field \"role\" \"%s\": must "
		    "be viewer, trader or supervisor", role);
	if (ipc_get_str(req, "client", &client) == 0 && client[0] != '\0')
		snprintf(sess->client, sizeof sess->client, "%s", client);
	if (role != NULL)
		snprintf(sess->role, sizeof sess->role, "%s", role);
	r = ipc_reply_ok(id);
	cJSON_AddStringToObject(r, "engine", s->name);
	cJSON_AddStringToObject(r, "version", TRANCHE_VERSION);
	cJSON_AddNumberToObject(r, "v", TRANCHE_PROTO_VERSION);
	cJSON_AddNumberToObject(r, "tick", s->m->tick);
	cJSON_AddStringToObject(r, "sym", s->m->sym);
	cJSON_AddStringToObject(r, "events", s->events_url);
	cJSON_AddStringToObject(r, "role", sess->role);
	cJSON_AddStringToObject(r, "journal", s->jpath);
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
	cJSON *r = ipc_reply_ok(id), *kids;

	/* Everything the engine has said is in the outbox or already sent:
	 * push it out so this snapshot's seq is the last one published. */
	exec_emit_dirty(s->x);
	server_flush(s);
	cJSON_AddNumberToObject(r, "seq", (double)s->seq);
	ipc_add_i64_str(r, "t", s->m->now);
	cJSON_AddNumberToObject(r, "tick", s->m->tick);
	cJSON_AddStringToObject(r, "sym", s->m->sym);
	cJSON_AddStringToObject(r, "state", server_state(s));
	cJSON_AddItemToObject(r, "book", server_book_json(s));
	cJSON_AddItemToObject(r, "blocks", cmd_blocks(s));
	cJSON_AddItemToObject(r, "decisions", server_ring_json(&s->decisions));
	cJSON_AddItemToObject(r, "alerts", server_ring_json(&s->alerts));
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
	double pct;
	cJSON *e = NULL, *r;
	int rv = ipc_get_num(req, "pct", &pct);

	if (rv == -1)
		return ipc_reply_error(id, ERR_FIELD, "field \"pct\": required "
		    "(maximum participation in percent, > 0 and <= 100)");
	if (rv != 0) {
		char *txt = cJSON_PrintUnformatted(
		    cJSON_GetObjectItemCaseSensitive(req, "pct"));

		r = ipc_reply_error(id, ERR_FIELD, "field \"pct\" %s: must be a "
		    "number", txt ? txt : "?");
		cJSON_free(txt);
		return r;
	}
	if (!(pct > 0 && pct <= 100))
		return ipc_reply_error(id, ERR_FIELD, "field \"pct\" %g: must be "
		    "> 0 and <= 100", pct);
	if (cmd_block(req, id, 0, &block, &e) != 0)
		return e;
	if (exec_throttle(s->x, block, pct, err, sizeof err) != 0)
		return ipc_reply_error(id, ERR_NOT_FOUND, "%s", err);
	r = ipc_reply_ok(id);
	cJSON_AddNumberToObject(r, "max_pov", pct);
	return r;
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

static const struct cmd_entry cmd_table[] = {
	{ CMD_HELLO, cmd_hello, 0 },
	{ CMD_STATUS, cmd_status, 0 },
	{ CMD_SNAPSHOT, cmd_snapshot, 0 },
	{ CMD_PAUSE, cmd_pause, 1 },
	{ CMD_RESUME, cmd_resume, 1 },
	{ CMD_THROTTLE, cmd_throttle, 1 },
	{ CMD_CANCEL, cmd_cancel, 1 },
};

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
		/* Undecodable input is kept as text (cut) so nothing is lost. */
		char cut[512];
		size_t n = rawlen < sizeof cut - 1 ? rawlen : sizeof cut - 1;

		memcpy(cut, rawreq, n);
		cut[n] = '\0';
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)cut[i] < 0x20 || cut[i] == 0x7f)
				cut[i] = '?';
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

char *
server_command(struct server *s, const void *buf, size_t len, uint32_t pipe,
               size_t *outlen)
{
	const char *code = NULL, *id = NULL, *name = NULL, *reason = NULL;
	char err[512], *out;
	cJSON *req = NULL, *reply = NULL;
	const struct cmd_entry *ce = NULL;
	struct session *sess = cmd_session(s, pipe);
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
	for (size_t i = 0; i < sizeof cmd_table / sizeof cmd_table[0]; i++)
		if (strcmp(cmd_table[i].name, name) == 0)
			ce = &cmd_table[i];
	if (ce == NULL) {
		reply = ipc_reply_error(id, ERR_UNKNOWN, "command \"%.64s\": unknown "
		    "(known: hello, status, snapshot, pause, resume, throttle, "
		    "cancel)", name);
		goto answer;
	}
	if (ce->mutating) {
		int rv = ipc_get_str(req, "reason", &reason);

		if (rv != 0 || reason[0] == '\0') {
			reply = ipc_reply_error(id, ERR_FIELD, "field \"reason\": "
			    "%s requires a reason (a non-empty string)", ce->name);
			reason = NULL;
			goto answer;
		}
	}
	reply = ce->fn(s, req, id, sess);
answer:
	if (reply == NULL)
		reply = ipc_reply_error(id, "internal", "out of memory");
	cmd_journal(s, req, buf, len, reply, sess);
	if (ce == NULL || ce->mutating)
		cmd_audit(s, sess, ce ? ce->name : (name ? name : "?"), reason,
		    reply);
	/* The answer leaves only once the command is on disk. */
	if (s->j != NULL)
		jrnl_sync(s->j);
	out = cJSON_PrintUnformatted(reply);
	*outlen = out ? strlen(out) : 0;
	if (out != NULL && id != NULL && ce != NULL)
		cmd_idem_store(s, id, out, *outlen);
	cJSON_Delete(reply);
	cJSON_Delete(req);
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
