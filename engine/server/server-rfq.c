/*
 * engine/server/server-rfq.c -- the trader's requests for quotes: rfq,
 * rfq_accept and rfq_reject (rows of server-cmds.def).
 *
 * The handlers only read the request's fields and hand them to exec
 * (exec_rfq_send, exec_rfq_accept, exec_rfq_reject), which checks
 * everything before it changes anything; an exec refusal becomes the
 * error code its kind calls for (field, state, not_found, risk) with
 * exec's message, which names the field and the value.  The dispatcher
 * (server-cmd.c) does the rest, as for every command that changes
 * something: the role (trader and up), the reason, the journal record,
 * the audit event and the id's single execution; recovery re-applies the
 * three at their simulated times, so an accepted quote is filled again,
 * once, at the same price.  The kill switch refuses all three while on.
 */
#include <stdio.h>
#include <string.h>

#include "engine/server/server-int.h"
#include "ipc/codec.h"
#include "ipc/protocol.h"

/* An exec refusal as the reply its code calls for. */
static cJSON *
rfq_error(const char *id, int rv, const char *err)
{
	return ipc_reply_error(id, rv == EXEC_ENOTFOUND ? ERR_NOT_FOUND :
	    rv == EXEC_ERISK ? ERR_RISK : rv == EXEC_EFIELD ? ERR_FIELD :
	    ERR_STATE, "%s", err);
}

/* A string field that must be there: 0, or -1 with *e. */
static int
rfq_name(const cJSON *req, const char *id, const char *name, int required,
         const char **out, cJSON **e)
{
	char v[96];
	int rv = ipc_get_name(req, name, out);

	*e = NULL;
	if (rv == -1 && !required) {
		*out = NULL;
		return 0;
	}
	if (rv == -1)
		*e = ipc_reply_error(id, ERR_FIELD, "field \"%s\": required",
		    name);
	else if (rv == -3)
		*e = ipc_reply_error(id, ERR_FIELD, "field \"%s\" \"%s\": must "
		    "be valid UTF-8 without control characters", name,
		    ipc_show(v, sizeof v, *out, strlen(*out)));
	else if (rv != 0)
		*e = ipc_reply_error(id, ERR_FIELD, "field \"%s\": must be a "
		    "string", name);
	return *e != NULL ? -1 : 0;
}

/* A member's value as it came, for a refusal: "1.50", "\"x\"" (a number
 * as it was spelt, not as cJSON prints its double). */
static const char *
rfq_shown(const cJSON *req, const char *name, char *buf, size_t n)
{
	const cJSON *f = cJSON_GetObjectItemCaseSensitive(req, name);
	const char *spelt = ipc_number_spelling(f);
	char *v = spelt == NULL ? cJSON_PrintUnformatted(f) : NULL;

	if (spelt != NULL)
		ipc_show(buf, n, spelt, strlen(spelt));
	else
		ipc_show(buf, n, v != NULL ? v : "?", v != NULL ? strlen(v) : 1);
	cJSON_free(v);
	return buf;
}

cJSON *
cmd_rfq(struct server *s, const cJSON *req, const char *id,
        struct session *sess)
{
	const char *dealers = NULL, *reason = NULL;
	char err[320], rid[32], buf[32];
	int64_t block = 0, qty = 0;
	double deadline = 0;
	int64_t dl = 0;
	cJSON *e = NULL, *r;
	int rv;

	static const char *const mem[] = { "block", "qty", "dealers",
	    "deadline_s", NULL };

	(void)sess;
	if ((e = cmd_members(s, req, id, CMD_RFQ, mem)) != NULL)
		return e;
	if ((rv = ipc_get_i64(req, "block", &block)) == -1)
		return ipc_reply_error(id, ERR_FIELD, "field \"block\": required");
	if (rv != 0 || block <= 0 || block > UINT32_MAX)
		return ipc_reply_error(id, ERR_FIELD, "field \"block\" %s: must "
		    "be a block id (a positive whole number)", rfq_shown(req,
		    "block", buf, sizeof buf));
	if ((rv = ipc_get_i64(req, "qty", &qty)) == -1)
		return ipc_reply_error(id, ERR_FIELD, "field \"qty\": required "
		    "(shares to ask the dealers for)");
	if (rv != 0 || qty <= 0 || qty > 1000000000LL)
		return ipc_reply_error(id, ERR_FIELD, "field \"qty\" %s: must be "
		    "a whole number from 1 to 1000000000", rfq_shown(req, "qty",
		    buf, sizeof buf));
	if (rfq_name(req, id, "dealers", 0, &dealers, &e) != 0)
		return e;
	/* Absent asks every dealer; an empty string (a script's unset
	 * variable) is not taken for that. */
	if (dealers != NULL && dealers[0] == '\0')
		return ipc_reply_error(id, ERR_FIELD, "field \"dealers\" \"\": "
		    "names no dealer (leave it out, or say all, to ask every "
		    "dealer)");
	if ((rv = ipc_get_num(req, "deadline_s", &deadline)) == -2 ||
	    (rv == 0 && !(deadline >= 1 && deadline <= 600)))
		return rv == -2 ? ipc_reply_error(id, ERR_FIELD, "field "
		    "\"deadline_s\": must be a number of seconds from 1 to 600") :
		    ipc_reply_error(id, ERR_FIELD, "field \"deadline_s\" %s: must "
		    "be from 1 to 600 seconds", rfq_shown(req, "deadline_s", buf,
		    sizeof buf));
	if (server_kill_holds(s))
		return ipc_reply_error(id, ERR_HALTED, "the kill switch is on: "
		    "rfq refused until release");
	ipc_get_str(req, "reason", &reason);
	if ((rv = exec_rfq_send(s->x, (uint32_t)block, qty, dealers, deadline,
	    reason, rid, sizeof rid, &dl, err, sizeof err)) != 0)
		return rfq_error(id, rv, err);
	r = ipc_reply_ok(id);
	cJSON_AddStringToObject(r, "rfq", rid);
	snprintf(buf, sizeof buf, "%lld", (long long)block);
	cJSON_AddStringToObject(r, "block", buf);
	cJSON_AddNumberToObject(r, "qty", (double)qty);
	ipc_add_i64_str(r, "deadline", dl);
	return r;
}

cJSON *
cmd_rfq_accept(struct server *s, const cJSON *req, const char *id,
               struct session *sess)
{
	const char *rfq = NULL, *dealer = NULL, *reason = NULL;
	const cJSON *ev;
	char err[320];
	cJSON *e = NULL, *r, *all;
	int rv;

	static const char *const mem[] = { "rfq", "dealer", NULL };

	(void)sess;
	if ((e = cmd_members(s, req, id, CMD_RFQ_ACCEPT, mem)) != NULL)
		return e;
	if (rfq_name(req, id, "rfq", 1, &rfq, &e) != 0 ||
	    rfq_name(req, id, "dealer", 1, &dealer, &e) != 0)
		return e;
	if (server_kill_holds(s))
		return ipc_reply_error(id, ERR_HALTED, "the kill switch is on: "
		    "rfq_accept refused until release");
	ipc_get_str(req, "reason", &reason);
	if ((rv = exec_rfq_accept(s->x, rfq, dealer, reason, err,
	    sizeof err)) != 0)
		return rfq_error(id, rv, err);
	r = ipc_reply_ok(id);
	/* The request as it ended: the dealer, its price and the fill. */
	all = exec_rfq_json(s->x);
	cJSON_ArrayForEach(ev, all) {
		const char *rid = NULL;
		double v;

		if (ipc_get_str(ev, "id", &rid) != 0 || (strcmp(rid, rfq) != 0 &&
		    strcmp(rid + 1, rfq) != 0))
			continue;
		cJSON_AddStringToObject(r, "rfq", rid);
		cJSON_AddStringToObject(r, "dealer", dealer);
		if (ipc_get_num(ev, "px", &v) == 0)
			cJSON_AddNumberToObject(r, "px", v);
		if (ipc_get_num(ev, "filled", &v) == 0)
			cJSON_AddNumberToObject(r, "filled", v);
	}
	cJSON_Delete(all);
	return r;
}

cJSON *
cmd_rfq_reject(struct server *s, const cJSON *req, const char *id,
               struct session *sess)
{
	const char *rfq = NULL, *reason = NULL;
	char err[320];
	cJSON *e = NULL, *r;
	int rv;

	static const char *const mem[] = { "rfq", NULL };

	(void)sess;
	if ((e = cmd_members(s, req, id, CMD_RFQ_REJECT, mem)) != NULL)
		return e;
	if (rfq_name(req, id, "rfq", 1, &rfq, &e) != 0)
		return e;
	ipc_get_str(req, "reason", &reason);
	if ((rv = exec_rfq_reject(s->x, rfq, reason, err, sizeof err)) != 0)
		return rfq_error(id, rv, err);
	r = ipc_reply_ok(id);
	cJSON_AddStringToObject(r, "rfq", rfq);
	cJSON_AddStringToObject(r, "state", "rejected");
	return r;
}
