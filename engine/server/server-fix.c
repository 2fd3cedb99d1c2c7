/*
 * engine/server/server-fix.c -- the FIX application layer: orders from an
 * order management system become blocks, and everything that happens to
 * such a block goes back to it as execution reports.
 *
 * It sits on the session layer (engine/fix/fix.h) and on the engine's own
 * command path.  A NewOrderSingle (D) is checked tag by tag (an error names
 * the tag and its value) and becomes a submit request with an origin
 * {"kind":"fix","session","clordid"}; an OrderCancelRequest (F) a cancel;
 * an OrderCancelReplaceRequest (G) an amend.  Each goes through
 * server_command_session() as the FIX session's own session (its role and
 * user from the sessions file), so it meets the same checks, journal and
 * audit as a command from a console.  What the engine refuses is answered
 * at once: an ExecutionReport with OrdStatus 8 Rejected, or an
 * OrderCancelReject (9), with the engine's words naming field and value.
 *
 * Reports of what was done are not sent from the handlers.  They are made
 * from what the journal holds -- an accepted command (server_fix_command,
 * called by the dispatcher and by recovery as it re-applies the journal)
 * and a fill event (server_fix_event, called for every event, re-simulated
 * ones included) -- and each has an ExecID made of the engine session's
 * id, the block and the report's number for that block.  Recovery
 * re-simulates the same session command by command, so it makes the same
 * reports with the same ExecIDs in the same order.  They wait in a queue
 * until the pass's journal is durable (server_fix_flush, from
 * server_flush): a report never tells of a fill the journal could lose.
 * At start the layer reads from each session's store every ExecID it has
 * already sent (fix_session_each_sent); a report whose ExecID is among them
 * is not sent again.  So after kill -9 at any point every fill the journal
 * kept is reported exactly once, with the ExecID it had or would have had.
 *
 * A person's pause, resume, throttle, override, kill, release, amend or
 * cancel of a FIX block is reported as ExecType D (Restated) or 4
 * (Canceled) with Text "paused by j.smith: reason"; pause and kill make
 * the order's status 9 (Suspended) until resume or release.
 *
 * Time: a UTC timestamp's time of day is the simulated clock's time of day
 * (the simulated session is one day; the date is not looked at), and
 * TransactTime carries today's UTC date with the simulated time of day.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/fix/fix.h"
#include "engine/server/server-int.h"
#include "ipc/codec.h"
#include "ipc/protocol.h"

#define SFIX_VERSIONS 64
/* The Text of the status a message sent again is answered with. */
#define SFIX_AGAIN_TEXT "sent again (PossResend/PossDup): ClOrdID(11) " \
	"already received on this session; the order's status"

/* A FIX order: the block it became and what its reports have said. */
struct sfix_order {
	uint32_t block;
	/* A sessions file's name is 1 to 32 characters (tranche-fix(7)). */
	char session[33];
	char clordid[64];     /* the latest of the cancel/replace chain */
	char sym[16];
	char side, ordtype;
	int64_t qty, limit_px;
	int64_t cum, cash;    /* shares; ticks x shares */
	int nexec;            /* reports made: the next ExecID's number */
	char final;           /* OrdStatus once it can change no more, or 0 */
	int suspended;        /* paused or killed by a person */
};

/* Every ClOrdID a session has used, for which order, in which message
 * (D, F or G) and under which MsgSeqNum (-1: not known, a journal whose
 * command ids do not carry it): a message sent again is known as that
 * message, not as any use of its id. */
struct sfix_ref {
	char session[33];
	char clordid[64];
	char kind;
	long long seq;
	size_t order;
};

/* A set of strings: open addressing, FNV-1a.  The ExecIDs already sent;
 * the ClOrdIDs of NewOrderSingles the engine refused, as
 * "SESSION\001CLORDID" (found by a probe: a D refused while the kill
 * switch was on, sent again after the release, became a working order on
 * the ClOrdID the OMS had heard rejected; a refused id is never an order,
 * and never to be one).  Kept in memory, and the refused ids read back
 * from the store at start: at most SFIX_REFUSED_MAX of them. */
struct sfix_set {
	char **v;
	size_t cap, n;
};
#define SFIX_REFUSED_MAX 100000

struct server_fix {
	struct server *s;
	struct sfix_set refused;
	const char *each_session;  /* the session whose store is being read */
	struct fix_acceptor *acc;
	char store[1100];
	struct { char name[33]; int v42; } vers[SFIX_VERSIONS];
	int nvers;
	struct sfix_order *orders;
	size_t norders, caporders;
	struct sfix_ref *refs;
	size_t nrefs, caprefs;
	struct fix_er *q;     /* reports waiting for a durable journal */
	size_t nq, capq;
	struct sfix_set sent; /* ExecIDs already sent */
	uint64_t last_wall;   /* the last wall-clock ExecID (sfix_wall_id) */
};

static void *
sfix_grow(void *v, size_t *cap, size_t n, size_t size)
{
	size_t c;
	void *nv;

	if (n < *cap)
		return v;
	c = *cap ? *cap * 2 : 64;
	if ((nv = realloc(v, c * size)) == NULL)
		return NULL;
	*cap = c;
	return nv;
}

/* FNV-1a: the sent set's hash. */
static uint64_t
sfix_hash(const char *k)
{
	uint64_t h = 1469598103934665603ULL;

	while (*k)
		h = (h ^ (unsigned char)*k++) * 1099511628211ULL;
	return h;
}

static int
sfix_set_has(const struct sfix_set *t, const char *k)
{
	if (t->cap == 0)
		return 0;
	for (size_t i = sfix_hash(k) & (t->cap - 1);; i = (i + 1) &
	    (t->cap - 1)) {
		if (t->v[i] == NULL)
			return 0;
		if (strcmp(t->v[i], k) == 0)
			return 1;
	}
}

/* 1 added, 0 already there, -1 out of memory. */
static int
sfix_set_add(struct sfix_set *t, const char *k)
{
	size_t i;

	if (sfix_set_has(t, k))
		return 0;
	if ((t->n + 1) * 2 > t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 1024;
		char **v = calloc(cap, sizeof *v);

		if (v == NULL)
			return -1;
		for (size_t j = 0; j < t->cap; j++) {
			if (t->v[j] == NULL)
				continue;
			for (i = sfix_hash(t->v[j]) & (cap - 1); v[i] != NULL;
			    i = (i + 1) & (cap - 1))
				;
			v[i] = t->v[j];
		}
		free(t->v);
		t->v = v;
		t->cap = cap;
	}
	for (i = sfix_hash(k) & (t->cap - 1); t->v[i] != NULL;
	    i = (i + 1) & (t->cap - 1))
		;
	if ((t->v[i] = strdup(k)) == NULL)
		return -1;
	t->n++;
	return 1;
}

static void
sfix_set_free(struct sfix_set *t)
{
	for (size_t i = 0; i < t->cap; i++)
		free(t->v[i]);
	free(t->v);
	memset(t, 0, sizeof *t);
}

static int
sfix_sent_has(const struct server_fix *f, const char *id)
{
	return sfix_set_has(&f->sent, id);
}

static void
sfix_sent_add(struct server_fix *f, const char *id)
{
	(void)sfix_set_add(&f->sent, id);
}

/* ---- the orders ---- */

static struct sfix_order *
sfix_order_of_block(struct server_fix *f, uint32_t block)
{
	for (size_t i = 0; i < f->norders; i++)
		if (f->orders[i].block == block)
			return &f->orders[i];
	return NULL;
}

/* The refused set's key: a session name and a ClOrdID cannot hold SOH. */
static void
sfix_refused_key(char *k, size_t n, const char *session, const char *clordid)
{
	snprintf(k, n, "%s\001%s", session, clordid);
}

static int
sfix_refused_find(const struct server_fix *f, const char *session,
                  const char *clordid)
{
	char k[sizeof ((struct sfix_order *)0)->session + FIX_ECHO_MAX + 2];

	sfix_refused_key(k, sizeof k, session, clordid);
	return sfix_set_has(&f->refused, k);
}

static struct sfix_ref *
sfix_ref_find(struct server_fix *f, const char *session, const char *clordid)
{
	for (size_t i = 0; i < f->nrefs; i++)
		if (strcmp(f->refs[i].session, session) == 0 &&
		    strcmp(f->refs[i].clordid, clordid) == 0)
			return &f->refs[i];
	return NULL;
}

/* The id the OMS heard rejected stays used: at a refusal, and at start
 * from the refusals in the session's store (sfix_each_sent).  An id an
 * order could never have (past 63 characters) need not be kept.  One that
 * is an order's too is kept as well: both say "already used". */
static void
sfix_refused_add(struct server_fix *f, const char *session,
                 const char *clordid)
{
	char k[sizeof ((struct sfix_order *)0)->session + FIX_ECHO_MAX + 2];

	if (strlen(clordid) >= sizeof ((struct sfix_order *)0)->clordid ||
	    f->refused.n >= SFIX_REFUSED_MAX)
		return;
	sfix_refused_key(k, sizeof k, session, clordid);
	(void)sfix_set_add(&f->refused, k);
}

/*
 * The MsgSeqNum a gateway command was made from: its id is
 * "fix-SESSION-SEQ-CLORDID" (server_fix_order_req, sfix_on_change;
 * "fix-SESSION-SEQ" in journals before 2026-12-03); -1 when it is not of
 * either form.
 */
static long long
sfix_id_seq(const cJSON *req, const char *session)
{
	const char *id = NULL, *p;
	size_t n = strlen(session);
	long long seq = 0;

	if (ipc_get_str(req, "id", &id) != 0 || strncmp(id, "fix-", 4) != 0 ||
	    strncmp(id + 4, session, n) != 0 || id[4 + n] != '-')
		return -1;
	for (p = id + 5 + n; *p >= '0' && *p <= '9' && seq < 1000000000000LL;
	    p++)
		seq = seq * 10 + (*p - '0');
	return p > id + 5 + n && (*p == '-' || *p == '\0') ? seq : -1;
}

static void
sfix_ref_add(struct server_fix *f, const char *session, const char *clordid,
             size_t order, char kind, long long seq)
{
	struct sfix_ref *v = sfix_grow(f->refs, &f->caprefs, f->nrefs,
	    sizeof *v);

	if (v == NULL)
		return;
	v[f->nrefs].seq = seq;
	f->refs = v;
	snprintf(v[f->nrefs].session, sizeof v[f->nrefs].session, "%s",
	    session);
	snprintf(v[f->nrefs].clordid, sizeof v[f->nrefs].clordid, "%s",
	    clordid);
	v[f->nrefs].kind = kind;
	v[f->nrefs++].order = order;
}

/* The order's status now. */
static char
sfix_status(const struct sfix_order *o)
{
	if (o->final)
		return o->final;
	if (o->suspended)
		return '9';
	return o->cum == 0 ? '0' : o->cum < o->qty ? '1' : '2';
}

/* A report of order o, numbered: the caller fills in what it says. */
static void
sfix_er_init(struct server_fix *f, struct sfix_order *o, struct fix_er *er,
             char exectype)
{
	memset(er, 0, sizeof *er);
	snprintf(er->session, sizeof er->session, "%s", o->session);
	snprintf(er->execid, sizeof er->execid, "%s-%u-%d", f->s->session,
	    o->block, ++o->nexec);
	er->exectype = exectype;
	snprintf(er->orderid, sizeof er->orderid, "%u", o->block);
	snprintf(er->clordid, sizeof er->clordid, "%s", o->clordid);
	snprintf(er->sym, sizeof er->sym, "%s", o->sym);
	er->side = o->side;
	er->ordtype = o->ordtype;
	er->qty = o->qty;
	er->limit_px = o->limit_px;
	er->cum = o->cum;
	er->avgpx = o->cum > 0 ? (double)o->cash / (double)o->cum : 0;
	er->rejreason = -1;
	/* A fill's report at the fill's own time: its market's, which a
	 * second symbol's is (not the first market's clock). */
	er->t = server_event_now(f->s);
}

static void
sfix_queue(struct server_fix *f, struct sfix_order *o, struct fix_er *er)
{
	struct fix_er *v;

	er->status = sfix_status(o);
	er->leaves = o->final ? 0 : o->qty - o->cum;
	if ((v = sfix_grow(f->q, &f->capq, f->nq, sizeof *v)) == NULL) {
		fprintf(stderr, "tranched: FIX report %s: out of memory; the "
		    "counterparty will not hear it\n", er->execid);
		return;
	}
	f->q = v;
	f->q[f->nq++] = *er;
}

/* An order whose block ended without a report saying so (its window
 * ended, or it finished while nobody was told): Expired, Filled or
 * Canceled now.  The block's state is the same live and re-simulated, so
 * this report has the same number either way. */
static void
sfix_sync_final(struct server_fix *f, struct sfix_order *o)
{
	const struct parent *p;
	struct fix_er er;

	if (o->final || (p = exec_find(f->s->x, o->block)) == NULL ||
	    !EXEC_STATE_FINAL(p->state))
		return;
	if (p->state == PARENT_DONE && o->cum >= o->qty) {
		o->final = '2';
		return;
	}
	sfix_er_init(f, o, &er, p->state == PARENT_EXPIRED ? 'C' :
	    p->state == PARENT_DONE ? 'D' : '4');
	o->final = p->state == PARENT_EXPIRED ? 'C' : p->state == PARENT_DONE ?
	    '2' : '4';
	snprintf(er.text, sizeof er.text, "block %u %s: %lld of %lld shares "
	    "filled", o->block, exec_state_name(p->state), (long long)o->cum,
	    (long long)o->qty);
	sfix_queue(f, o, &er);
}

void
server_fix_event(struct server *s, const char *topic, const cJSON *payload)
{
	struct server_fix *f = s->fix;
	struct sfix_order *o;
	struct fix_er er;
	const char *venue = "lit";
	int64_t block, px, qty, remaining;

	if (strcmp(topic, TOPIC_FILL) != 0 ||
	    ipc_get_i64(payload, "block", &block) != 0 ||
	    (o = sfix_order_of_block(f, (uint32_t)block)) == NULL ||
	    o->final || ipc_get_i64(payload, "px", &px) != 0 ||
	    ipc_get_i64(payload, "qty", &qty) != 0 ||
	    ipc_get_i64(payload, "remaining", &remaining) != 0)
		return;
	ipc_get_str(payload, "venue", &venue);
	o->cum += qty;
	o->cash += px * qty;
	sfix_er_init(f, o, &er, 'F');
	er.lastqty = qty;
	er.lastpx = px;
	snprintf(er.lastmkt, sizeof er.lastmkt, "%s", venue);
	if (remaining <= 0)
		o->final = '2';
	sfix_queue(f, o, &er);
}

/* "paused by j.smith: reason" */
static void
sfix_by(char *buf, size_t n, const char *what, const struct session *sess,
        const cJSON *req)
{
	const char *reason = "";

	ipc_get_str(req, "reason", &reason);
	snprintf(buf, n, "%s by %s: %s", what, sess != NULL &&
	    sess->user[0] != '\0' ? sess->user : "the desk", reason);
}

static void
sfix_restated(struct server_fix *f, struct sfix_order *o, const char *text)
{
	struct fix_er er;

	sfix_er_init(f, o, &er, 'D');
	snprintf(er.text, sizeof er.text, "%s", text);
	sfix_queue(f, o, &er);
}

void
server_fix_command(struct server *s, const struct session *sess,
                   const char *cmd, const cJSON *req, const cJSON *reply)
{
	struct server_fix *f = s->fix;
	const cJSON *og = cJSON_GetObjectItemCaseSensitive(req, "origin");
	struct sfix_order *o;
	const char *kind = NULL, *str = NULL;
	struct fix_er er;
	char text[240];
	int64_t block = 0, v;

	if (strcmp(cmd, CMD_SUBMIT) == 0) {
		const char *sess_name = NULL, *ref = NULL, *side = "buy";
		struct sfix_order *no;

		/* Only the gateway's own orders are its counterparty's: a
		 * block a control client labelled with a FIX origin (accepted
		 * while that session was not the gateway's, and re-applied
		 * by recovery after it became one) is never reported to it. */
		if (sess == NULL || !sess->gateway ||
		    ipc_get_str(og, "kind", &kind) != 0 ||
		    strcmp(kind, "fix") != 0 ||
		    ipc_get_str(og, "session", &sess_name) != 0 ||
		    ipc_get_str(og, "clordid", &ref) != 0 ||
		    ipc_get_i64(reply, "block", &block) != 0)
			return;
		if ((no = sfix_grow(f->orders, &f->caporders, f->norders,
		    sizeof *no)) == NULL)
			return;
		f->orders = no;
		o = &f->orders[f->norders++];
		memset(o, 0, sizeof *o);
		o->block = (uint32_t)block;
		snprintf(o->session, sizeof o->session, "%s", sess_name);
		snprintf(o->clordid, sizeof o->clordid, "%s", ref);
		ipc_get_str(req, "sym", &str);
		snprintf(o->sym, sizeof o->sym, "%s", str ? str : "");
		ipc_get_str(req, "side", &side);
		o->side = strcmp(side, "sell") == 0 ? '2' : '1';
		ipc_get_i64(req, "qty", &o->qty);
		o->limit_px = ipc_get_i64(req, "limit_px", &v) == 0 ? v : 0;
		o->ordtype = o->limit_px > 0 ? '2' : '1';
		sfix_ref_add(f, o->session, o->clordid, f->norders - 1, 'D',
		    sfix_id_seq(req, o->session));
		sfix_er_init(f, o, &er, '0');
		sfix_queue(f, o, &er);
		return;
	}
	/* Everything else concerns one block or, without "block", all. */
	ipc_get_i64(req, "block", &block);
	for (size_t i = 0; i < f->norders; i++) {
		o = &f->orders[i];
		if (block != 0 && o->block != (uint32_t)block)
			continue;
		/* A cancel or an amend may itself have finished the block: its
		 * own report says so.  Before anything else, a block that ended
		 * earlier is reported ended. */
		if (strcmp(cmd, CMD_CANCEL) != 0 && strcmp(cmd, CMD_AMEND) != 0)
			sfix_sync_final(f, o);
		if (o->final)
			continue;
		if (strcmp(cmd, CMD_CANCEL) == 0) {
			sfix_er_init(f, o, &er, '4');
			if (ipc_get_str(req, "fix_clordid", &str) == 0) {
				snprintf(er.orig, sizeof er.orig, "%s", o->clordid);
				snprintf(er.clordid, sizeof er.clordid, "%s", str);
				snprintf(o->clordid, sizeof o->clordid, "%s", str);
				sfix_ref_add(f, o->session, str, i, 'F',
				    sfix_id_seq(req, o->session));
			} else
				sfix_by(er.text, sizeof er.text, "cancelled", sess,
				    req);
			o->final = '4';
			sfix_queue(f, o, &er);
		} else if (strcmp(cmd, CMD_AMEND) == 0) {
			if (ipc_get_i64(reply, "qty", &v) == 0)
				o->qty = v;
			if (ipc_get_i64(reply, "limit_px", &v) == 0) {
				o->limit_px = v;
				o->ordtype = v > 0 ? '2' : '1';
			}
			if (ipc_get_str(req, "clordid", &str) == 0) {
				sfix_er_init(f, o, &er, '5');
				snprintf(er.orig, sizeof er.orig, "%s", o->clordid);
				snprintf(o->clordid, sizeof o->clordid, "%s", str);
				snprintf(er.clordid, sizeof er.clordid, "%s", str);
				sfix_ref_add(f, o->session, str, i, 'G',
				    sfix_id_seq(req, o->session));
			} else {
				sfix_er_init(f, o, &er, 'D');
				sfix_by(er.text, sizeof er.text, "amended", sess, req);
			}
			if (o->cum >= o->qty)
				o->final = '2';
			sfix_queue(f, o, &er);
		} else if (strcmp(cmd, CMD_PAUSE) == 0 ||
		    strcmp(cmd, CMD_KILL) == 0) {
			const struct parent *p = exec_find(s->x, o->block);

			if (p == NULL || (p->state != PARENT_PAUSED &&
			    p->state != PARENT_HALTED))
				continue;
			o->suspended = 1;
			sfix_by(text, sizeof text, strcmp(cmd, CMD_PAUSE) == 0 ?
			    "paused" : "halted by the kill switch", sess, req);
			sfix_restated(f, o, text);
		} else if (strcmp(cmd, CMD_RESUME) == 0 ||
		    strcmp(cmd, CMD_RELEASE) == 0) {
			const struct parent *p = exec_find(s->x, o->block);

			if (!o->suspended)
				continue;
			/* A block paused before the kill switch is paused still
			 * after the release (and one halted stays halted after a
			 * resume): its status says what it is now. */
			o->suspended = p != NULL && (p->state == PARENT_PAUSED ||
			    p->state == PARENT_HALTED);
			sfix_by(text, sizeof text, strcmp(cmd, CMD_RESUME) == 0 ?
			    "resumed" : "released from the kill switch", sess, req);
			sfix_restated(f, o, text);
		} else if (strcmp(cmd, CMD_THROTTLE) == 0 ||
		    strcmp(cmd, CMD_OVERRIDE) == 0) {
			char what[64];

			if (strcmp(cmd, CMD_THROTTLE) == 0)
				snprintf(what, sizeof what, "throttled");
			else {
				str = "";
				ipc_get_str(req, "action", &str);
				snprintf(what, sizeof what, "overridden (%.20s)", str);
			}
			sfix_by(text, sizeof text, what, sess, req);
			sfix_restated(f, o, text);
		}
	}
}

/* ---- the sessions ---- */

static int
sfix_v42(const struct server_fix *f, const char *session)
{
	for (int i = 0; i < f->nvers; i++)
		if (strcmp(f->vers[i].name, session) == 0)
			return f->vers[i].v42;
	return 0;
}

static void
sfix_today(char *date, size_t n)
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(date, n, "%Y%m%d", &tm);
}

/* Send one report now (a refusal, a status answer): they tell of nothing
 * the journal must keep first. */
static void
sfix_send_now(struct server_fix *f, struct fix_session *fs,
              const struct fix_er *er)
{
	struct fix_out *o = malloc(sizeof *o);
	char date[16];

	if (o == NULL)
		return;
	sfix_today(date, sizeof date);
	server_fix_er_body(er, sfix_v42(f, fix_session_name(fs)),
	    server_tick(f->s), date, o);
	if (fix_send(fs, o) < 0)
		fprintf(stderr, "tranched: FIX session %s: report %s not sent "
		    "(the store could not keep it)\n", fix_session_name(fs),
		    er->execid);
	else
		sfix_sent_add(f, er->execid);
	free(o);
}

void
server_fix_flush(struct server *s)
{
	struct server_fix *f = s->fix;
	struct fix_out *o;
	char date[16];
	size_t i;

	if (f->acc == NULL)
		return;
	/* A block that ended since the last pass is told now. */
	for (i = 0; i < f->norders; i++)
		sfix_sync_final(f, &f->orders[i]);
	if (f->nq == 0 || (o = malloc(sizeof *o)) == NULL)
		return;
	sfix_today(date, sizeof date);
	for (i = 0; i < f->nq; i++) {
		const struct fix_er *er = &f->q[i];
		struct fix_session *fs;

		if (sfix_sent_has(f, er->execid))
			continue;
		if ((fs = fix_session_find(f->acc, er->session)) == NULL) {
			fprintf(stderr, "tranched: FIX report %s: session %s is "
			    "not in the sessions file; not sent\n", er->execid,
			    er->session);
			continue;
		}
		server_fix_er_body(er, sfix_v42(f, er->session), server_tick(s),
		    date, o);
		if (fix_send(fs, o) < 0) {
			/* Kept, in order, for the next pass. */
			fprintf(stderr, "tranched: FIX session %s: report %s not "
			    "stored; trying again\n", er->session, er->execid);
			break;
		}
		sfix_sent_add(f, er->execid);
	}
	memmove(f->q, f->q + i, (f->nq - i) * sizeof *f->q);
	f->nq -= i;
	free(o);
}

/*
 * The ExecID of a report that is no event of an order's (a refusal, a
 * status answer): the engine session's id, a letter, and wall-clock ns,
 * kept strictly increasing.  A counterparty may start its sequence
 * numbers again, so they would not do; the wall clock moves on across
 * restarts.
 */
static void
sfix_wall_id(struct server_fix *f, char letter, char *out, size_t n)
{
	struct timespec ts;
	uint64_t now;

	clock_gettime(CLOCK_REALTIME, &ts);
	now = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
	if (now <= f->last_wall)
		now = f->last_wall + 1;
	f->last_wall = now;
	snprintf(out, n, "%s-%c%llu", f->s->session, letter,
	    (unsigned long long)now);
}

/* A refused NewOrderSingle: Rejected, with the tag and value. */
static void
sfix_reject(struct server_fix *f, struct fix_session *fs,
            const struct fix_msg *m, long long inseq, int rej,
            const char *text)
{
	struct fix_er er;
	char v[64];
	double qty = 0;

	memset(&er, 0, sizeof er);
	snprintf(er.session, sizeof er.session, "%s", fix_session_name(fs));
	sfix_wall_id(f, 'R', er.execid, sizeof er.execid);
	er.exectype = '8';
	er.status = '8';
	snprintf(er.orderid, sizeof er.orderid, "NONE");
	if (fix_get_str(m, 11, er.clordid, sizeof er.clordid) != 0 ||
	    er.clordid[0] == '\0')
		snprintf(er.clordid, sizeof er.clordid, "NONE");
	if (fix_get_str(m, 55, er.sym, sizeof er.sym) != 0)
		er.sym[0] = '\0';
	/* Side as sent, when it is one character: a refused 54=5 was
	 * reported as a buy (found by a probe). */
	if (fix_get_str(m, 54, v, sizeof v) == 0 && v[0] > ' ' && v[0] < 127 &&
	    v[1] == '\0')
		er.side = v[0];
	/* The quantity as asked, when it is one (12.5 is not 12). */
	if (fix_get_num(m, 38, &qty) == 0 && qty >= 1 && qty <= 1e9 &&
	    qty == floor(qty))
		er.qty = (int64_t)qty;
	er.rejreason = rej;
	ipc_utf8_cut(er.text, (size_t)snprintf(er.text, sizeof er.text, "%s",
	    text));
	er.t = server_now(f->s);
	sfix_send_now(f, fs, &er);
	if (strcmp(er.clordid, "NONE") != 0)
		sfix_refused_add(f, er.session, er.clordid);
}

int
server_fix_has_session(const struct server *s, const char *name)
{
	return s->fix != NULL && name != NULL &&
	    fix_session_find(s->fix->acc, name) != NULL;
}

/* Run a request as the FIX session: the reply (caller frees), or NULL. */
static cJSON *
sfix_run(struct server_fix *f, struct fix_session *fs, cJSON *req)
{
	struct session sess;
	struct peer peer;
	char *txt = cJSON_PrintUnformatted(req), *out;
	size_t outlen = 0;
	cJSON *reply;
	int rank = server_role_rank(fix_session_role(fs));

	if (txt == NULL)
		return NULL;
	memset(&sess, 0, sizeof sess);
	memset(&peer, 0, sizeof peer);
	sess.used = 1;
	sess.kind = PEER_LOCAL;
	sess.authed = 1;
	sess.gateway = 1;
	sess.rank = rank >= 0 ? rank : ROLE_VIEWER;
	snprintf(sess.role, sizeof sess.role, "%s", server_role_name(sess.rank));
	snprintf(sess.client, sizeof sess.client, "fix:%s",
	    fix_session_name(fs));
	snprintf(sess.user, sizeof sess.user, "%s", fix_session_user(fs));
	snprintf(sess.principal, sizeof sess.principal, "fix:%s",
	    fix_session_name(fs));
	snprintf(peer.addr, sizeof peer.addr, "fix %s", fix_session_name(fs));
	peer.kind = PEER_LOCAL;
	out = server_command_session(f->s, txt, strlen(txt), &sess, &peer,
	    &outlen);
	cJSON_free(txt);
	reply = out != NULL ? cJSON_ParseWithLength(out, outlen) : NULL;
	free(out);
	return reply;
}

/* 1 when a reply that is not ok was carried out all the same: its own
 * journal record was the write that failed (server_jrnl_unsynced). */
static int
sfix_carried_out(const cJSON *reply)
{
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(reply, "error"), "carried_out"));
}

/* The error message of a refused reply. */
static const char *
sfix_errmsg(const cJSON *reply, const char **code)
{
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(reply, "error");
	const char *msg = "the engine did not answer";

	*code = "";
	ipc_get_str(e, "message", &msg);
	ipc_get_str(e, "code", code);
	return msg;
}

/*
 * The engine's words for a refusal name its own field ("sym", "qty"): the
 * counterparty sent a tag, so the Text names that tag and the value sent
 * first, then the engine's words: "Symbol(55) \"ZZZ\": refused: ...".
 */
static void
sfix_refused(char *text, size_t n, const struct fix_msg *m, const char *msg)
{
	static const struct {
		const char *field, *name;
		int tag;
	} map[] = {
		{ "sym", "Symbol", 55 }, { "qty", "OrderQty", 38 },
		{ "limit_px", "Price", 44 }, { "start", "EffectiveTime", 168 },
		{ "end", "ExpireTime", 126 }, { "algo", "TargetStrategy", 847 },
		{ "max_pov", "MaxParticipation", 5001 },
		{ "venues", "VenueSet", 5003 },
	};
	char q[40], raw[256], buf[96];

	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
		size_t k = strlen(map[i].field);

		/* "field \"sym\" ..." from a command, "qty 5: ..." from
		 * exec_submit()'s own checks. */
		snprintf(q, sizeof q, "field \"%s\"", map[i].field);
		if ((strstr(msg, q) == NULL && (strncmp(msg, map[i].field,
		    k) != 0 || msg[k] != ' ')) ||
		    fix_get_str(m, map[i].tag, raw, sizeof raw) == -1)
			continue;
		snprintf(text, n, "%s(%d) \"%s\": refused: %s", map[i].name,
		    map[i].tag, server_fix_val(m, map[i].tag, buf, sizeof buf),
		    msg);
		return;
	}
	snprintf(text, n, "refused: %s", msg);
}

/* Whether m's Boolean field tag is Y. */
static int
sfix_flag(const struct fix_msg *m, int tag)
{
	char v[4];

	return fix_get_str(m, tag, v, sizeof v) == 0 && strcmp(v, "Y") == 0;
}

/*
 * Whether m, a message of kind (D, F or G) whose ClOrdID is ref's, is
 * ref's message sent again: the id used in a message of the same kind,
 * for the symbol and side of ref's order, and m marked as sent again --
 * PossResend(97)=Y (the application's resend, under a new MsgSeqNum), or
 * PossDupFlag(43)=Y under the MsgSeqNum ref's message had (a message the
 * session took just before the engine stopped, before the store kept its
 * number, comes back so in the gap fill).  A PossDup under another number
 * is another message that reuses the id.  The quantity is not compared:
 * it may have been replaced since.  A ClOrdID reused in another kind of
 * message, for another symbol or side, or in another message marked
 * PossDup is a duplicate, refused as any is.
 */
static int
sfix_sent_again(const struct server_fix *f, const struct fix_msg *m,
                const struct sfix_ref *ref, char kind)
{
	const struct sfix_order *o = &f->orders[ref->order];
	char v[16], sym[sizeof o->sym];
	long long seq = -1;

	fix_get_int(m, 34, &seq);
	return ref->kind == kind && (sfix_flag(m, 97) || (sfix_flag(m, 43) &&
	    (ref->seq < 0 || ref->seq == seq))) &&
	    fix_get_str(m, 55, sym, sizeof sym) == 0 &&
	    strcmp(sym, o->sym) == 0 && fix_get_str(m, 54, v, sizeof v) == 0 &&
	    v[0] == o->side && v[1] == '\0';
}

/*
 * Order o's status now, as an ExecutionReport 150=I (FIX.4.2: 20=3) with
 * text: the answer to an H, and to a message sent again.  For an F or G
 * sent again (m), the report carries that request's ClOrdID and
 * OrigClOrdID, as a response to a cancel or replace must.
 */
static void
sfix_status_answer(struct server_fix *f, struct fix_session *fs,
                   struct sfix_order *o, const struct fix_msg *m,
                   const char *text)
{
	struct fix_er er;

	sfix_sync_final(f, o);
	sfix_er_init(f, o, &er, 'I');
	/* An answer is no event of the order's: it takes no number of the
	 * order's own, and its id says which request it answers. */
	o->nexec--;
	sfix_wall_id(f, 'S', er.execid, sizeof er.execid);
	er.status = sfix_status(o);
	er.leaves = o->final ? 0 : o->qty - o->cum;
	if (m != NULL) {
		fix_get_str(m, 11, er.clordid, sizeof er.clordid);
		if (fix_get_str(m, 41, er.orig, sizeof er.orig) != 0)
			er.orig[0] = '\0';
	}
	if (text != NULL)
		snprintf(er.text, sizeof er.text, "%s", text);
	sfix_send_now(f, fs, &er);
}

static void
sfix_on_order(struct server_fix *f, struct fix_session *fs,
              const struct fix_msg *m, long long inseq)
{
	struct fix_ctx c;
	char text[240], clordid[64];
	const char *code, *msg;
	struct sfix_ref *r;
	cJSON *req, *reply;
	int rej;

	/* The OMS sends again an order it is not sure we heard: we did, so
	 * it gets the order's status -- before any other check, which the
	 * order met when it came (its ExpireTime may have passed since) --
	 * not a second block, and not a Rejected that it could read as the
	 * fate of the order it has working. */
	r = fix_get_str(m, 11, clordid, sizeof clordid) == 0 ?
	    sfix_ref_find(f, fix_session_name(fs), clordid) : NULL;
	if (r != NULL && sfix_sent_again(f, m, r, 'D')) {
		sfix_status_answer(f, fs, &f->orders[r->order], NULL,
		    SFIX_AGAIN_TEXT);
		return;
	}
	c.tick = server_tick(f->s);
	c.now = server_now(f->s);
	c.close = f->s->sc.close;
	c.v42 = sfix_v42(f, fix_session_name(fs));
	if ((req = server_fix_order_req(m, fix_session_name(fs), inseq, &c,
	    text, sizeof text, &rej)) == NULL) {
		sfix_reject(f, fs, m, inseq, rej, text);
		return;
	}
	if (r != NULL) {
		snprintf(text, sizeof text, "ClOrdID(11) \"%s\": already used on "
		    "session %s (block %u)", clordid, fix_session_name(fs),
		    f->orders[r->order].block);
		sfix_reject(f, fs, m, inseq, 6, text);
		cJSON_Delete(req);
		return;
	}
	/* Refused before, sent again (PossResend or not): its fate was that
	 * refusal, and the id is used. */
	if (sfix_refused_find(f, fix_session_name(fs), clordid)) {
		snprintf(text, sizeof text, "ClOrdID(11) \"%s\": already used on "
		    "session %s by an order that was rejected", clordid,
		    fix_session_name(fs));
		sfix_reject(f, fs, m, inseq, 6, text);
		cJSON_Delete(req);
		return;
	}
	reply = sfix_run(f, fs, req);
	cJSON_Delete(req);
	/* Carried out, its record the write that failed: no refusal; its
	 * New report goes out once the journal is resumed (server-cmd.c). */
	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(reply, "ok")) &&
	    !sfix_carried_out(reply)) {
		msg = sfix_errmsg(reply, &code);
		rej = strstr(msg, "\"sym\"") != NULL ? 1 :
		    strcmp(code, ERR_HALTED) == 0 || strcmp(code, ERR_RISK) == 0 ?
		    3 : c.v42 ? 0 : 99;
		sfix_refused(text, sizeof text, m, msg);
		sfix_reject(f, fs, m, inseq, rej, text);
	}
	cJSON_Delete(reply);
}

/* An OrderCancelReject (9) for an F (to 1) or a G (to 2). */
static void
sfix_cancel_reject(struct server_fix *f, struct fix_session *fs,
                   const struct fix_msg *m, const struct sfix_order *o,
                   int to, int reason, const char *text)
{
	struct fix_out *out = malloc(sizeof *out);
	char v[FIX_ECHO_MAX + 1], st[2] = { o != NULL ? sfix_status(o) : '8',
	    0 };

	if (out == NULL)
		return;
	fix_out_begin(out, "9");
	if (o != NULL)
		snprintf(v, sizeof v, "%u", o->block);
	fix_out_str(out, 37, o != NULL ? v : "NONE");
	fix_out_str(out, 11, fix_get_str(m, 11, v, sizeof v) == 0 &&
	    v[0] != '\0' ? v : "NONE");
	fix_out_str(out, 41, fix_get_str(m, 41, v, sizeof v) == 0 &&
	    v[0] != '\0' ? v : "NONE");
	fix_out_str(out, 39, st);
	fix_out_int(out, 434, to);
	fix_out_int(out, 102, reason);
	fix_out_str(out, 58, text);
	if (fix_send(fs, out) < 0)
		fprintf(stderr, "tranched: FIX session %s: OrderCancelReject not "
		    "sent (the store could not keep it)\n", fix_session_name(fs));
	free(out);
}

/* F and G: the order named by OrigClOrdID, a fresh ClOrdID, then cancel
 * or amend through the command path. */
static void
sfix_on_change(struct server_fix *f, struct fix_session *fs,
               const struct fix_msg *m, long long inseq, int replace)
{
	const char *name = fix_session_name(fs), *code, *msg;
	char orig[64], clordid[64], text[240], buf[96], ts[40];
	int v42 = sfix_v42(f, name), to = replace ? 2 : 1, has11;
	struct sfix_ref *r, *again;
	struct sfix_order *o;
	cJSON *req, *reply;

	if (fix_get_str(m, 41, orig, sizeof orig) != 0 ||
	    (r = sfix_ref_find(f, name, orig)) == NULL) {
		snprintf(text, sizeof text, "OrigClOrdID(41) \"%s\": no such order "
		    "on session %s", fix_get_str(m, 41, orig, sizeof orig) == -1 ?
		    "" : server_fix_val(m, 41, buf, sizeof buf), name);
		sfix_cancel_reject(f, fs, m, NULL, to, 1, text);
		return;
	}
	o = &f->orders[r->order];
	sfix_sync_final(f, o);
	/* A cancel or replace we took, sent again marked PossResend: its
	 * ClOrdID is already this order's, and the answer is the order's
	 * status (canceled, replaced), not a reject of a change that was
	 * made. */
	has11 = fix_get_str(m, 11, clordid, sizeof clordid) == 0;
	again = has11 ? sfix_ref_find(f, name, clordid) : NULL;
	if (again != NULL && again->order == r->order && sfix_sent_again(f, m,
	    again, replace ? 'G' : 'F')) {
		sfix_status_answer(f, fs, o, m, SFIX_AGAIN_TEXT);
		return;
	}
	/* A ClOrdID a refused NewOrderSingle had stays used here too: a
	 * cancel under it was taken (found by a review). */
	if (!has11 || clordid[0] == '\0' || again != NULL ||
	    sfix_refused_find(f, name, clordid)) {
		int rv = fix_get_str(m, 11, clordid, sizeof clordid);
		int dup = rv == 0 && clordid[0] != '\0';

		snprintf(text, sizeof text, "ClOrdID(11) \"%s\": %s", rv == -1 ?
		    "" : server_fix_val(m, 11, buf, sizeof buf), rv == -2 ?
		    "longer than 63 characters" : !dup ? "required, a new id" :
		    again != NULL ? "already used on this session" :
		    "already used on this session by an order that was rejected");
		/* 6 is Duplicate ClOrdID; a missing or overlong one is
		 * other (FIX.4.2 has neither: broker option). */
		sfix_cancel_reject(f, fs, m, o, to, v42 ? 2 : dup ? 6 : 99, text);
		return;
	}
	if (server_fix_id_ok(m, 11, clordid, text, sizeof text) != 0) {
		sfix_cancel_reject(f, fs, m, o, to, v42 ? 2 : 99, text);
		return;
	}
	if (o->final) {
		snprintf(text, sizeof text, "OrigClOrdID(41) \"%s\": block %u is "
		    "already finished (OrdStatus %c)", orig, o->block, o->final);
		sfix_cancel_reject(f, fs, m, o, to, 0, text);
		return;
	}
	/* A cancel or replace names the order's symbol and side; one that
	 * names others is for a different order than the counterparty
	 * thinks, and a replace cannot change them: refused, not ignored. */
	{
		char sym[32], side[8];
		int rs = fix_get_str(m, 55, sym, sizeof sym);
		int rd = fix_get_str(m, 54, side, sizeof side);

		if ((rs != -1 && (rs != 0 || strcmp(sym, o->sym) != 0)) ||
		    (rd != -1 && (rd != 0 || side[0] != o->side ||
		    side[1] != '\0'))) {
			int bad = rs != -1 && (rs != 0 || strcmp(sym, o->sym) != 0);

			snprintf(text, sizeof text, "%s(%d) \"%s\": block %u is %s; "
			    "a %s cannot change it", bad ? "Symbol" : "Side",
			    bad ? 55 : 54, server_fix_val(m, bad ? 55 : 54, buf,
			    sizeof buf), o->block, bad ? o->sym : o->side == '2' ?
			    "2 (sell)" : "1 (buy)", replace ? "replace" : "cancel");
			sfix_cancel_reject(f, fs, m, o, to, v42 ? 2 : 99, text);
			return;
		}
	}
	/* Nor can it change the block's catch-up (CatchUp(5005),
	 * CatchUpMax(5006)): a replace that repeats the order's own values is
	 * taken, one that asks for others is refused, not reported Replaced
	 * with them ignored. */
	if (replace) {
		const struct fix_catchup_tag *cu = server_fix_catchup_tags;
		const struct parent *p = exec_find(f->s->x, o->block);

		for (size_t i = 0; p != NULL && i < 2; i++) {
			double v, own = i == 0 ? p->spec.catchup :
			    p->spec.catchup_max;
			int rv = fix_get_num(m, cu[i].tag, &v);

			if (rv == -1 || (rv == 0 && v == own))
				continue;
			snprintf(text, sizeof text, "%s(%d) \"%s\": block %u's is "
			    "%.15g; a replace cannot change it", cu[i].name,
			    cu[i].tag, server_fix_val(m, cu[i].tag, buf,
			    sizeof buf), o->block, own);
			sfix_cancel_reject(f, fs, m, o, to, v42 ? 2 : 99, text);
			return;
		}
	}
	req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "cmd", replace ? CMD_AMEND : CMD_CANCEL);
	/* The new ClOrdID makes the id unique even after the counterparty
	 * starts its sequence numbers again. */
	snprintf(text, sizeof text, "fix-%s-%lld-%s", name, inseq, clordid);
	cJSON_AddStringToObject(req, "id", text);
	snprintf(buf, sizeof buf, "%u", o->block);
	cJSON_AddStringToObject(req, "block", buf);
	if (replace) {
		double qty = 0, px = 0;
		char ot[8] = "";
		int64_t end;
		int rv;

		cJSON_AddStringToObject(req, "clordid", clordid);
		if ((rv = fix_get_num(m, 38, &qty)) != -1) {
			if (rv != 0 || !(qty >= 1 && qty <= 1e9) ||
			    qty != floor(qty)) {
				snprintf(text, sizeof text, "OrderQty(38) \"%s\": must "
				    "be a whole number of shares from 1 to 1000000000",
				    server_fix_val(m, 38, buf, sizeof buf));
				goto refuse;
			}
			cJSON_AddNumberToObject(req, "qty", qty);
		}
		/* What a NewOrderSingle refuses, a replace refuses too: an
		 * OrdType not 1 or 2, a price on a market order (it was made a
		 * market order, its price dropped without a word), a
		 * TimeInForce not 0 or 6 (it was Replaced and worked as a day
		 * order): found by an adversarial review. */
		if ((rv = fix_get_str(m, 40, ot, sizeof ot)) != -1 &&
		    (rv != 0 || (strcmp(ot, "1") != 0 && strcmp(ot, "2") != 0))) {
			snprintf(text, sizeof text, "OrdType(40) \"%s\": must be 1 "
			    "(market) or 2 (limit)", server_fix_val(m, 40, buf,
			    sizeof buf));
			goto refuse;
		}
		if (strcmp(ot, "1") == 0 && fix_get_num(m, 44, &px) != -1) {
			snprintf(text, sizeof text, "Price(44) %s: a market order "
			    "(OrdType 1) has no price", server_fix_val(m, 44, buf,
			    sizeof buf));
			goto refuse;
		}
		if ((rv = fix_get_str(m, 59, ts, sizeof ts)) != -1 &&
		    (rv != 0 || (strcmp(ts, "0") != 0 && strcmp(ts, "6") != 0))) {
			snprintf(text, sizeof text, "TimeInForce(59) \"%s\": must "
			    "be 0 (day) or 6 (good till date, with ExpireTime)",
			    server_fix_val(m, 59, buf, sizeof buf));
			goto refuse;
		}
		if (strcmp(ot, "1") == 0)
			cJSON_AddNumberToObject(req, "limit_px", 0);
		else if (strcmp(ot, "2") == 0 && fix_get_num(m, 44, &px) == -1) {
			/* A limit order without its price is not the market
			 * order it was (found by a probe: taken as one). */
			snprintf(text, sizeof text, "Price(44) \"\": a limit order "
			    "(OrdType 2) needs a price > 0");
			goto refuse;
		} else if ((rv = fix_get_num(m, 44, &px)) != -1) {
			int64_t ticks = 0;

			if (rv != 0 || !(px > 0) || server_fix_px_ticks(m,
			    server_tick(f->s), &ticks) != 0) {
				snprintf(text, sizeof text, "Price(44) \"%s\": must be "
				    "> 0 and a whole number of ticks of %g",
				    server_fix_val(m, 44, buf, sizeof buf),
				    server_tick(f->s));
				goto refuse;
			}
			cJSON_AddNumberToObject(req, "limit_px", (double)ticks);
		}
		if ((rv = fix_get_str(m, 126, ts, sizeof ts)) != -1) {
			if (rv != 0 || server_fix_time(ts, &end) != 0) {
				snprintf(text, sizeof text, "ExpireTime(126) \"%s\": "
				    "must be a UTC timestamp YYYYMMDD-HH:MM:SS[.sss]",
				    server_fix_val(m, 126, buf, sizeof buf));
				goto refuse;
			}
			ipc_add_i64_str(req, "end", end);
		}
		snprintf(text, sizeof text, "FIX OrderCancelReplaceRequest "
		    "ClOrdID %s for %s from session %s", clordid, orig, name);
	} else {
		cJSON_AddStringToObject(req, "fix_clordid", clordid);
		snprintf(text, sizeof text, "FIX OrderCancelRequest ClOrdID %s "
		    "for %s from session %s", clordid, orig, name);
	}
	cJSON_AddStringToObject(req, "reason", text);
	reply = sfix_run(f, fs, req);
	cJSON_Delete(req);
	/* Carried out but not durable: its report goes out once the
	 * journal is resumed, never a reject (a cancel carried out was
	 * rejected, then reported Canceled: found by a review). */
	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(reply, "ok")) &&
	    !sfix_carried_out(reply)) {
		msg = sfix_errmsg(reply, &code);
		sfix_refused(text, sizeof text, m, msg);
		sfix_cancel_reject(f, fs, m, o, to, strcmp(code, ERR_STATE) == 0 ?
		    0 : v42 ? 2 : 99, text);
	}
	cJSON_Delete(reply);
	return;
refuse:
	cJSON_Delete(req);
	sfix_cancel_reject(f, fs, m, o, to, v42 ? 2 : 99, text);
}

/* H: the order's status now, or Rejected when there is no such order. */
static void
sfix_on_status(struct server_fix *f, struct fix_session *fs,
               const struct fix_msg *m, long long inseq)
{
	const char *name = fix_session_name(fs);
	char clordid[64], buf[96];
	struct sfix_ref *r;
	struct fix_er er;

	if (fix_get_str(m, 11, clordid, sizeof clordid) != 0 ||
	    (r = sfix_ref_find(f, name, clordid)) == NULL) {
		memset(&er, 0, sizeof er);
		snprintf(er.session, sizeof er.session, "%s", name);
		sfix_wall_id(f, 'S', er.execid, sizeof er.execid);
		er.exectype = 'I';
		er.status = '8';
		snprintf(er.orderid, sizeof er.orderid, "NONE");
		if (fix_get_str(m, 11, er.clordid, sizeof er.clordid) != 0 ||
		    er.clordid[0] == '\0')
			snprintf(er.clordid, sizeof er.clordid, "NONE");
		fix_get_str(m, 55, er.sym, sizeof er.sym);
		er.rejreason = -1;
		snprintf(er.text, sizeof er.text, "ClOrdID(11) \"%s\": no such "
		    "order on session %s", server_fix_val(m, 11, buf, sizeof buf),
		    name);
		er.t = server_now(f->s);
		sfix_send_now(f, fs, &er);
		return;
	}
	sfix_status_answer(f, fs, &f->orders[r->order], NULL, NULL);
}

static void
sfix_on_app(void *ud, struct fix_session *fs, const struct fix_msg *m)
{
	struct server_fix *f = ud;
	char type[8];
	long long inseq = 0;

	if (fix_get_str(m, 35, type, sizeof type) != 0)
		return;
	fix_get_int(m, 34, &inseq);
	if (strcmp(type, "D") == 0)
		sfix_on_order(f, fs, m, inseq);
	else if (strcmp(type, "F") == 0)
		sfix_on_change(f, fs, m, inseq, 0);
	else if (strcmp(type, "G") == 0)
		sfix_on_change(f, fs, m, inseq, 1);
	else if (strcmp(type, "H") == 0)
		sfix_on_status(f, fs, m, inseq);
	else {
		struct fix_out *o = malloc(sizeof *o);
		char text[96];

		/* 35=j: an application message this engine does not take. */
		if (o == NULL)
			return;
		fix_out_begin(o, "j");
		fix_out_int(o, 45, inseq);
		fix_out_str(o, 372, type);
		fix_out_int(o, 380, 3);
		snprintf(text, sizeof text, "MsgType(35) \"%s\": not taken by "
		    "this engine (D, F, G and H are)", type);
		fix_out_str(o, 58, text);
		fix_send(fs, o);
		free(o);
	}
	/* What the command did is on disk by the end of the pass: its
	 * reports go now, as a console's answer would. */
	server_flush(f->s);
}

static void
sfix_on_logon(void *ud, struct fix_session *fs)
{
	fprintf(stderr, "tranched: FIX session %s logged on\n",
	    fix_session_name(fs));
	server_flush(((struct server_fix *)ud)->s);
}

static void
sfix_on_logout(void *ud, struct fix_session *fs, const char *why)
{
	fprintf(stderr, "tranched: FIX session %s logged out: %s\n",
	    fix_session_name(fs), why ? why : "");
}

int
server_fix_init(struct server *s, char *err, size_t errlen)
{
	const struct server_opts *o = s->opts;

	if (o->fix_listen == NULL && o->fix_sessions == NULL &&
	    o->fix_store == NULL)
		return 0;
	if (o->fix_listen == NULL || o->fix_sessions == NULL) {
		snprintf(err, errlen, "%s: --fix-listen and --fix-sessions go "
		    "together", o->fix_listen == NULL ? "--fix-listen missing" :
		    "--fix-sessions missing");
		return -1;
	}
	if ((s->fix = calloc(1, sizeof *s->fix)) == NULL) {
		snprintf(err, errlen, "FIX: out of memory");
		return -1;
	}
	s->fix->s = s;
	return 0;
}

/* An ExecID the store kept across a reset of the numbers. */
static void
sfix_each_kept(void *ud, const char *execid)
{
	sfix_sent_add(ud, execid);
}

static void
sfix_each_sent(void *ud, long long seq, const struct fix_msg *m)
{
	struct server_fix *f = ud;
	char id[64], type[8], pre[80], v[8], clordid[64];

	(void)seq;
	if (fix_get_str(m, 35, type, sizeof type) != 0 ||
	    strcmp(type, "8") != 0 || fix_get_str(m, 17, id, sizeof id) != 0)
		return;
	sfix_sent_add(f, id);
	/* A refused NewOrderSingle this engine session reported (its ExecID
	 * "SESSION-R...", sfix_reject): its ClOrdID stays used after a
	 * restart, as long as the store holds the refusal (until a reset of
	 * the numbers empties it). */
	snprintf(pre, sizeof pre, "%s-R", f->s->session);
	if (strncmp(id, pre, strlen(pre)) == 0 &&
	    fix_get_str(m, 39, v, sizeof v) == 0 && strcmp(v, "8") == 0 &&
	    fix_get_str(m, 11, clordid, sizeof clordid) == 0 &&
	    strcmp(clordid, "NONE") != 0 && f->each_session != NULL)
		sfix_refused_add(f, f->each_session, clordid);
}

int
server_fix_open(struct server *s, char *err, size_t errlen)
{
	struct server_fix *f = s->fix;
	struct fix_opts fo;
	struct fix_app app = { f, sfix_on_logon, sfix_on_logout, sfix_on_app };
	cJSON *st, *it;
	char e[1024], prefix[80];

	if (f == NULL)
		return 0;
	if (s->opts->fix_store != NULL)
		snprintf(f->store, sizeof f->store, "%s", s->opts->fix_store);
	else
		snprintf(f->store, sizeof f->store, "%s.fix", s->jpath);
	fo.url = s->opts->fix_listen;
	fo.sessions = s->opts->fix_sessions;
	fo.store = f->store;
	if (fix_acceptor_open(&f->acc, &s->loop, &fo, &app, e, sizeof e) != 0) {
		f->acc = NULL;
		/* Say which option is wrong, once: the acceptor's own words
		 * name the listener, or the sessions file or store path. */
		if (strncmp(e, "--fix-listen ", 13) == 0)
			snprintf(err, errlen, "%s", e);
		else if (strncmp(e, fo.sessions, strlen(fo.sessions)) == 0)
			snprintf(err, errlen, "--fix-sessions %s", e);
		else if (strncmp(e, "store ", 6) == 0)
			snprintf(err, errlen, "--fix-store %s: %s", fo.store, e);
		else
			snprintf(err, errlen, "--fix-listen %s: %s", fo.url, e);
		return -1;
	}
	st = fix_acceptor_status(f->acc);
	cJSON_ArrayForEach(it, st) {
		const char *name = NULL, *ver = "";
		struct fix_session *fs;

		if (ipc_get_str(it, "name", &name) != 0 ||
		    f->nvers == SFIX_VERSIONS)
			continue;
		ipc_get_str(it, "version", &ver);
		snprintf(f->vers[f->nvers].name, sizeof f->vers[f->nvers].name,
		    "%s", name);
		f->vers[f->nvers++].v42 = strcmp(ver, "FIX.4.2") == 0;
		/* What this session already heard, before anything is sent:
		 * the reports in its store, and those it sent before a reset
		 * of the numbers emptied it (the store keeps this engine
		 * session's ExecIDs across one). */
		snprintf(prefix, sizeof prefix, "%s-", s->session);
		if ((fs = fix_session_find(f->acc, name)) != NULL)
			(void)fix_session_keep_sent(fs, prefix, sfix_each_kept, f);
		f->each_session = name;
		if (fs != NULL &&
		    fix_session_each_sent(fs, sfix_each_sent, f) < 0) {
			f->each_session = NULL;
			cJSON_Delete(st);
			snprintf(err, errlen, "FIX store %s: session %s: what was "
			    "sent cannot be read", f->store, name);
			return -1;
		}
	}
	f->each_session = NULL;
	cJSON_Delete(st);
	fprintf(stderr, "tranched: FIX acceptor on %s (port %d), store %s, %zu "
	    "reports already sent, %zu refused ids\n", fo.url,
	    fix_acceptor_port(f->acc), f->store, f->sent.n, f->refused.n);
	/* The reports recovery rebuilt that the counterparty never had. */
	server_fix_flush(s);
	return 0;
}

cJSON *
server_fix_status(struct server *s)
{
	struct server_fix *f = s->fix;
	cJSON *r, *a;
	char id[16];

	if (f == NULL || f->acc == NULL)
		return NULL;
	r = cJSON_CreateObject();
	cJSON_AddItemToObject(r, "sessions", fix_acceptor_status(f->acc));
	cJSON_AddNumberToObject(r, "port", fix_acceptor_port(f->acc));
	cJSON_AddStringToObject(r, "store", f->store);
	a = cJSON_AddArrayToObject(r, "orders");
	for (size_t i = 0; i < f->norders; i++) {
		struct sfix_order *o = &f->orders[i];
		const struct parent *p = exec_find(s->x, o->block);
		cJSON *j;
		char st[2];

		sfix_sync_final(f, o);
		if (o->final)
			continue;
		st[0] = sfix_status(o);
		st[1] = '\0';
		j = cJSON_CreateObject();
		snprintf(id, sizeof id, "%u", o->block);
		cJSON_AddStringToObject(j, "block", id);
		cJSON_AddStringToObject(j, "session", o->session);
		cJSON_AddStringToObject(j, "clordid", o->clordid);
		cJSON_AddStringToObject(j, "sym", o->sym);
		cJSON_AddStringToObject(j, "side", o->side == '2' ? "sell" : "buy");
		cJSON_AddNumberToObject(j, "qty", (double)o->qty);
		cJSON_AddNumberToObject(j, "cum", (double)o->cum);
		cJSON_AddNumberToObject(j, "leaves", (double)(o->qty - o->cum));
		cJSON_AddStringToObject(j, "ord_status", st);
		cJSON_AddStringToObject(j, "state", p != NULL ?
		    exec_state_name(p->state) : "?");
		cJSON_AddNumberToObject(j, "reports", o->nexec);
		cJSON_AddItemToArray(a, j);
	}
	cJSON_AddNumberToObject(r, "reports_sent", (double)f->sent.n);
	cJSON_AddNumberToObject(r, "reports_waiting", (double)f->nq);
	return r;
}

void
server_fix_close(struct server *s)
{
	if (s->fix == NULL || s->fix->acc == NULL)
		return;
	fix_acceptor_close(s->fix->acc);
	s->fix->acc = NULL;
}

void
server_fix_free(struct server *s)
{
	struct server_fix *f = s->fix;

	if (f == NULL)
		return;
	sfix_set_free(&f->sent);
	free(f->orders);
	free(f->refs);
	sfix_set_free(&f->refused);
	free(f->q);
	free(f);
	s->fix = NULL;
}
