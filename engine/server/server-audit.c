/*
 * engine/server/server-audit.c -- an intervention in words, for the audit
 * record: "throttle block 1 12% (was 100%)", "algo block 2 vwap -> ac",
 * "manual block 1 sell 5,000 @ 100.30".
 *
 * A supervisor reading the audit log, live or in a replay years later,
 * must see what a person did without decoding a request: the command, its
 * target, the new values and the ones they replaced.  The old values are
 * gone once the handler has run, so the dispatcher takes a small picture
 * of what a command can change (server_audit_before) before it runs the
 * handler, and server_audit_words writes the sentence afterwards from the
 * request, that picture and the answer.  The same words go into the audit
 * event and the command's journal record ("what"), beside the person
 * ("user", server-session.c) and their reason.
 *
 * The words say what was asked of the engine; whether it was done is the
 * record's "ok" (a refused command reads the same, marked refused).  Prices
 * are in dollars to the tick's decimals, quantities with thousands
 * separators, times as hh:mm:ss of simulated time.  Only ASCII: the words
 * reach terminals running with --ascii.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "engine/server/server-int.h"
#include "ipc/codec.h"
#include "ipc/protocol.h"

void
server_audit_before(struct server *s, struct audit_before *b)
{
	size_t n = exec_count(s->x);

	memset(b, 0, sizeof *b);
	b->taken = 1;
	b->speed = s->speed;
	for (size_t i = 0; i < n && b->n < AUDIT_BEFORE_BLOCKS; i++) {
		const struct parent *p = exec_get(s->x, i);
		struct audit_block *a = &b->blocks[b->n++];

		a->id = p->id;
		a->max_pov = p->spec.max_pov;
		a->max_child = p->max_child;
		a->aggr = p->aggr_cap;
		a->cleanup = p->spec.cleanup;
		a->cost_limit = p->cost_limit;
		a->limit_px = p->spec.limit_px;
		a->state = p->state;
		a->filled = p->filled;
		a->qty = p->spec.qty;
		a->end = p->spec.end;
		a->forced = p->force_style >= 0 && p->m->now < p->force_until ?
		    p->force_style : -1;
		a->force_until = p->force_until;
		snprintf(a->algo, sizeof a->algo, "%s", p->algo->name);
	}
}

/* Append to out[n] at *off, never past its end. */
static void
aw_put(char *out, size_t n, size_t *off, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void
aw_put(char *out, size_t n, size_t *off, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (*off >= n)
		return;
	va_start(ap, fmt);
	k = vsnprintf(out + *off, n - *off, fmt, ap);
	va_end(ap);
	if (k > 0)
		*off = *off + (size_t)k < n ? *off + (size_t)k : n - 1;
}

/* 5000 -> "5,000". */
static const char *
aw_qty(char *buf, size_t n, int64_t q)
{
	char raw[32];
	size_t len, o = 0;
	int neg = q < 0;

	/* The magnitude unsigned: -q of INT64_MIN (a refused quantity a
	 * fuzzer sent) is undefined. */
	snprintf(raw, sizeof raw, "%llu", neg ? 0ULL - (unsigned long long)q :
	    (unsigned long long)q);
	len = strlen(raw);
	if (neg && o + 1 < n)
		buf[o++] = '-';
	for (size_t i = 0; i < len && o + 1 < n; i++) {
		if (i > 0 && (len - i) % 3 == 0 && o + 1 < n)
			buf[o++] = ',';
		if (o + 1 < n)
			buf[o++] = raw[i];
	}
	buf[o] = '\0';
	return buf;
}

/* ticks -> dollars with as many decimals as the tick has. */
static const char *
aw_px(const struct server *s, char *buf, size_t n, double ticks)
{
	double tick = s->m->tick > 0 ? s->m->tick : 0.01;
	int dec = 0;

	while (dec < 6 && fabs(tick * pow(10, dec) -
	    round(tick * pow(10, dec))) > 1e-9)
		dec++;
	snprintf(buf, n, "%.*f", dec, ticks * tick);
	return buf;
}

static const char *
aw_clock(char *buf, size_t n, int64_t t)
{
	int64_t sec = t / 1000000000LL;

	snprintf(buf, n, "%02lld:%02lld:%02lld", (long long)(sec / 3600 % 24),
	    (long long)(sec / 60 % 60), (long long)(sec % 60));
	return buf;
}

static const struct audit_block *
aw_block(const struct audit_before *b, uint32_t id)
{
	for (int i = 0; i < b->n; i++)
		if (b->blocks[i].id == id)
			return &b->blocks[i];
	return NULL;
}

/* The "block" field: 0 when absent (every block), AW_NO_BLOCK when it is
 * there but not a block id (the handler's refusal says why).  Read as the
 * handlers read it (cmd_block, ipc_get_i64): a probe found "02" done to
 * block 2 and audited as "block ?", and a refused "18e0" audited as a
 * change to block 18. */
#define AW_NO_BLOCK UINT32_MAX
static uint32_t
aw_block_id(const cJSON *req)
{
	int64_t v;
	int rv = ipc_get_i64(req, "block", &v);

	if (rv == -1)
		return 0;
	return rv == 0 && v >= 1 && v < (int64_t)UINT32_MAX ? (uint32_t)v :
	    AW_NO_BLOCK;
}

static void
aw_target(char *out, size_t n, size_t *off, uint32_t id)
{
	if (id == AW_NO_BLOCK)
		aw_put(out, n, off, " block ?");
	else if (id != 0)
		aw_put(out, n, off, " block %u", id);
	else
		aw_put(out, n, off, " all blocks");
}

/*
 * What one field was, over the blocks the command reaches: "100%" or, when
 * they differed, "100%/50%" (the first three distinct values).  fmt
 * formats one block's value.
 */
typedef void (*aw_fmt)(const struct server *s, const struct audit_block *a,
                       char *buf, size_t n);

static void
aw_was(const struct server *s, const struct audit_before *b, uint32_t id,
       aw_fmt fmt, char *out, size_t n, size_t *off)
{
	char seen[3][48], v[48];
	int ns = 0;

	if (!b->taken)
		return;
	for (int i = 0; i < b->n && ns < 3; i++) {
		int dup = 0;

		if (id != 0 && b->blocks[i].id != id)
			continue;
		fmt(s, &b->blocks[i], v, sizeof v);
		for (int k = 0; k < ns; k++)
			dup |= strcmp(seen[k], v) == 0;
		if (!dup)
			snprintf(seen[ns++], sizeof seen[0], "%s", v);
	}
	if (ns == 0)
		return;
	aw_put(out, n, off, " (was %s", seen[0]);
	for (int k = 1; k < ns; k++)
		aw_put(out, n, off, "/%s", seen[k]);
	aw_put(out, n, off, ")");
}

static void
aw_fmt_pov(const struct server *s, const struct audit_block *a, char *buf,
           size_t n)
{
	(void)s;
	snprintf(buf, n, "%g%%", a->max_pov);
}

static void
aw_fmt_child(const struct server *s, const struct audit_block *a, char *buf,
             size_t n)
{
	(void)s;
	if (a->max_child > 0)
		aw_qty(buf, n, a->max_child);
	else
		snprintf(buf, n, "none");
}

static void
aw_fmt_aggr(const struct server *s, const struct audit_block *a, char *buf,
            size_t n)
{
	(void)s;
	snprintf(buf, n, "%s", exec_aggression_name(a->aggr));
}

static void
aw_fmt_at_end(const struct server *s, const struct audit_block *a, char *buf,
              size_t n)
{
	(void)s;
	snprintf(buf, n, "%s", exec_at_end_name(a->cleanup));
}

static void
aw_fmt_cost(const struct server *s, const struct audit_block *a, char *buf,
            size_t n)
{
	(void)s;
	if (a->cost_limit > 0)
		snprintf(buf, n, "%g bps", a->cost_limit);
	else
		snprintf(buf, n, "the scenario's");
}

static void
aw_fmt_state(const struct server *s, const struct audit_block *a, char *buf,
             size_t n)
{
	(void)s;
	snprintf(buf, n, "%s", exec_state_name(a->state));
}

static void
aw_fmt_limit(const struct server *s, const struct audit_block *a, char *buf,
             size_t n)
{
	if (a->limit_px > 0)
		aw_px(s, buf, n, (double)a->limit_px);
	else
		snprintf(buf, n, "none");
}

static void
aw_fmt_forced(const struct server *s, const struct audit_block *a, char *buf,
              size_t n)
{
	char clock[16];

	if (a->forced >= 0)
		snprintf(buf, n, "%s until %s", exec_aggression_name(a->forced),
		    aw_clock(clock, sizeof clock, a->force_until));
	else
		snprintf(buf, n, "none");
}

static const char *
aw_str(const cJSON *req, const char *name)
{
	const cJSON *f = cJSON_GetObjectItemCaseSensitive(req, name);

	return cJSON_IsString(f) ? f->valuestring : NULL;
}

static int
aw_num(const cJSON *req, const char *name, double *v)
{
	const cJSON *f = cJSON_GetObjectItemCaseSensitive(req, name);

	if (cJSON_IsNumber(f)) {
		*v = f->valuedouble;
		return 0;
	}
	if (cJSON_IsString(f) && ipc_decimal(f->valuestring,
	    strlen(f->valuestring), v) == 0)
		return 0;
	return -1;
}

static void
aw_speed(double v, char *buf, size_t n)
{
	if (v <= 0)
		snprintf(buf, n, "max");
	else
		snprintf(buf, n, "%gx", v);
}

static void
aw_override(struct server *s, const cJSON *req, const struct audit_before *b,
            char *out, size_t n, size_t *off)
{
	const char *action = aw_str(req, "action"), *str;
	uint32_t id = aw_block_id(req);
	char q[32], px[32];
	double v;

	if (action == NULL)
		action = "?";
	if (strcmp(action, "style") == 0) {
		str = aw_str(req, "style");
		aw_put(out, n, off, "style");
		aw_target(out, n, off, id);
		aw_put(out, n, off, " %.20s", str ? str : "?");
		if (aw_num(req, "for_s", &v) == 0)
			aw_put(out, n, off, " for %g s", v);
		aw_was(s, b, id, aw_fmt_forced, out, n, off);
	} else if (strcmp(action, "limit") == 0) {
		aw_put(out, n, off, "limit");
		aw_target(out, n, off, id);
		if (aw_num(req, "px", &v) != 0)
			aw_put(out, n, off, " ?");
		else if (v <= 0)
			aw_put(out, n, off, " cleared");
		else
			aw_put(out, n, off, " %s", aw_px(s, px, sizeof px, v));
		aw_was(s, b, id, aw_fmt_limit, out, n, off);
	} else if (strcmp(action, "algo") == 0) {
		const struct audit_block *a = aw_block(b, id);

		str = aw_str(req, "algo");
		aw_put(out, n, off, "algo");
		aw_target(out, n, off, id);
		aw_put(out, n, off, " %s -> %.20s", a ? a->algo : "?",
		    str ? str : "?");
	} else if (strcmp(action, "child") == 0) {
		const struct parent *p = id ? exec_find(s->x, id) : NULL;
		const char *tif = aw_str(req, "tif");
		double qty = 0;

		aw_put(out, n, off, "manual");
		aw_target(out, n, off, id);
		aw_put(out, n, off, " %s", p ? (p->spec.side == BOOK_BID ? "buy" :
		    "sell") : "?");
		aw_put(out, n, off, " %s", aw_num(req, "qty", &qty) == 0 ?
		    aw_qty(q, sizeof q, (int64_t)qty) : "?");
		aw_put(out, n, off, " @ %s", aw_num(req, "px", &v) == 0 ?
		    aw_px(s, px, sizeof px, v) : "?");
		if (tif != NULL && strcmp(tif, "ioc") == 0)
			aw_put(out, n, off, " ioc");
	} else if (strcmp(action, "cancel_children") == 0) {
		aw_put(out, n, off, "cancel children");
		aw_target(out, n, off, id);
	} else if (strcmp(action, "cancel_child") == 0) {
		str = aw_str(req, "child");
		aw_put(out, n, off, "cancel child %.24s", str ? str : "?");
		aw_target(out, n, off, id);
	} else if (strcmp(action, "cost_limit") == 0) {
		aw_put(out, n, off, "cost limit");
		aw_target(out, n, off, id);
		/* As given: a refused -1 reads as -1, not as the default
		 * that 0 asks for. */
		if (aw_num(req, "bps", &v) != 0)
			aw_put(out, n, off, " ?");
		else if (v == 0)
			aw_put(out, n, off, " the scenario's");
		else
			aw_put(out, n, off, " %g bps", v);
		aw_was(s, b, id, aw_fmt_cost, out, n, off);
	} else
		aw_put(out, n, off, "override %.20s", action);
}

void
server_audit_words(struct server *s, const char *cmd, const cJSON *req,
                   const cJSON *reply, const struct audit_before *b,
                   char *out, size_t n)
{
	uint32_t id = aw_block_id(req);
	size_t off = 0;
	char q[32], px[32], sp[32];
	const char *str;
	double v;

	if (n == 0)
		return;
	out[0] = '\0';
	if (strcmp(cmd, CMD_THROTTLE) == 0) {
		aw_put(out, n, &off, "throttle");
		aw_target(out, n, &off, id);
		if (aw_num(req, "pct", &v) == 0) {
			aw_put(out, n, &off, " %g%%", v);
			aw_was(s, b, id, aw_fmt_pov, out, n, &off);
		}
		if (aw_num(req, "max_child", &v) == 0) {
			aw_put(out, n, &off, " max child %s",
			    aw_qty(q, sizeof q, (int64_t)v));
			aw_was(s, b, id, aw_fmt_child, out, n, &off);
		}
		if ((str = aw_str(req, "aggression")) != NULL) {
			aw_put(out, n, &off, " aggression %.20s", str);
			aw_was(s, b, id, aw_fmt_aggr, out, n, &off);
		}
		if ((str = aw_str(req, "at_end")) != NULL) {
			aw_put(out, n, &off, " at end %.20s", str);
			aw_was(s, b, id, aw_fmt_at_end, out, n, &off);
		}
	} else if (strcmp(cmd, CMD_PAUSE) == 0 || strcmp(cmd, CMD_RESUME) == 0) {
		aw_put(out, n, &off, "%s", cmd);
		aw_target(out, n, &off, id);
		aw_was(s, b, id, aw_fmt_state, out, n, &off);
	} else if (strcmp(cmd, CMD_OVERRIDE) == 0) {
		aw_override(s, req, b, out, n, &off);
	} else if (strcmp(cmd, CMD_SUBMIT) == 0) {
		const char *blk = aw_str(reply, "block");

		str = aw_str(req, "side");
		aw_put(out, n, &off, "submit %.8s", str ? str : "?");
		aw_put(out, n, &off, " %s", aw_num(req, "qty", &v) == 0 ?
		    aw_qty(q, sizeof q, (int64_t)v) : "?");
		str = aw_str(req, "sym");
		aw_put(out, n, &off, " %.16s", str ? str : "?");
		str = aw_str(req, "algo");
		aw_put(out, n, &off, " %.20s", str ? str : "twap");
		if (aw_num(req, "limit_px", &v) == 0 && v > 0)
			aw_put(out, n, &off, " limit %s", aw_px(s, px, sizeof px, v));
		if (blk != NULL)
			aw_put(out, n, &off, " -> block %.16s", blk);
	} else if (strcmp(cmd, CMD_CANCEL) == 0) {
		const struct audit_block *a = aw_block(b, id);

		aw_put(out, n, &off, "cancel");
		aw_target(out, n, &off, id);
		if (a != NULL)
			aw_put(out, n, &off, " (was %s, %s of %s filled)",
			    exec_state_name(a->state), aw_qty(q, sizeof q, a->filled),
			    aw_qty(px, sizeof px, a->qty));
	} else if (strcmp(cmd, CMD_AMEND) == 0) {
		/* Each term with the value it replaced: "amend block 1 qty
		 * 200,000 (was 150,000) end 11:00:00 (was 10:30:00)". */
		const struct audit_block *a = aw_block(b, id);
		char was[32];
		int64_t t;

		aw_put(out, n, &off, "amend");
		aw_target(out, n, &off, id);
		if (aw_num(req, "qty", &v) == 0) {
			aw_put(out, n, &off, " qty %s", aw_qty(q, sizeof q,
			    (int64_t)v));
			if (a != NULL)
				aw_put(out, n, &off, " (was %s)", aw_qty(was,
				    sizeof was, a->qty));
		}
		if (aw_num(req, "limit_px", &v) == 0) {
			aw_put(out, n, &off, " limit %s", v > 0 ? aw_px(s, px,
			    sizeof px, v) : "none");
			if (a != NULL)
				aw_put(out, n, &off, " (was %s)", a->limit_px > 0 ?
				    aw_px(s, was, sizeof was, (double)a->limit_px) :
				    "none");
		}
		if (ipc_get_i64(req, "end", &t) == 0) {
			aw_put(out, n, &off, " end %s", aw_clock(q, sizeof q, t));
			if (a != NULL)
				aw_put(out, n, &off, " (was %s)", aw_clock(was,
				    sizeof was, a->end));
		}
		if ((str = aw_str(req, "clordid")) != NULL)
			aw_put(out, n, &off, " clordid %.40s", str);
	} else if (strcmp(cmd, CMD_ACK) == 0) {
		const cJSON *all = cJSON_GetObjectItemCaseSensitive(req, "all");

		const cJSON *al = cJSON_GetObjectItemCaseSensitive(req, "alert");
		char shown[48];

		/* The alert as it was sent: "0272" is what the person typed,
		 * and a refused 99999999999999999999 is not 1e20 rounded. */
		if (cJSON_IsTrue(all))
			aw_put(out, n, &off, "ack all alerts");
		else if (cJSON_IsString(al))
			aw_put(out, n, &off, "ack alert %s", ipc_show(shown,
			    sizeof shown, al->valuestring,
			    strlen(al->valuestring)));
		else if (cJSON_IsNumber(al))
			aw_put(out, n, &off, "ack alert %.17g", al->valuedouble);
		else
			aw_put(out, n, &off, "ack");
	} else if (strcmp(cmd, CMD_KILL) == 0) {
		aw_put(out, n, &off, "kill switch on");
	} else if (strcmp(cmd, CMD_RELEASE) == 0) {
		aw_put(out, n, &off, "kill switch off");
	} else if (strcmp(cmd, CMD_SPEED) == 0) {
		const cJSON *f = cJSON_GetObjectItemCaseSensitive(req, "speed");

		if (cJSON_IsString(f) && strcmp(f->valuestring, "max") == 0)
			aw_put(out, n, &off, "speed max");
		else if (aw_num(req, "speed", &v) == 0)
			aw_put(out, n, &off, "speed %s", (aw_speed(v, sp, sizeof sp),
			    sp));
		else
			aw_put(out, n, &off, "speed ?");
		if (b->taken)
			aw_put(out, n, &off, " (was %s)", (aw_speed(b->speed, sp,
			    sizeof sp), sp));
	} else if (strcmp(cmd, CMD_JOURNAL_RESUME) == 0) {
		aw_put(out, n, &off, "journal resume");
	} else if (strcmp(cmd, CMD_VENUE) == 0) {
		const char *dl = aw_str(req, "dealer");

		str = aw_str(req, "venue");
		aw_put(out, n, &off, "%s %.20s %s", dl != NULL ? "dealer" : "venue",
		    dl != NULL ? dl : str != NULL ? str : "?", cJSON_IsTrue(
		    cJSON_GetObjectItemCaseSensitive(req, "enabled")) ? "on" :
		    "off");
		if (aw_num(reply, "cancelled", &v) == 0 && v > 0)
			aw_put(out, n, &off, " (%.0f %s cancelled)", v, v == 1 ?
			    "child" : "children");
	} else if (strcmp(cmd, CMD_RFQ) == 0) {
		const char *rid = aw_str(reply, "rfq");

		aw_put(out, n, &off, "rfq");
		aw_target(out, n, &off, id);
		aw_put(out, n, &off, " %s", aw_num(req, "qty", &v) == 0 ?
		    aw_qty(q, sizeof q, (int64_t)v) : "?");
		str = aw_str(req, "dealers");
		aw_put(out, n, &off, " from %.40s", str != NULL ? str : "all");
		if (rid != NULL)
			aw_put(out, n, &off, " -> %.20s", rid);
	} else if (strcmp(cmd, CMD_RFQ_ACCEPT) == 0 ||
	    strcmp(cmd, CMD_RFQ_REJECT) == 0) {
		const char *dl = aw_str(req, "dealer");

		str = aw_str(req, "rfq");
		aw_put(out, n, &off, "%s %.20s", strcmp(cmd, CMD_RFQ_ACCEPT) == 0 ?
		    "accept" : "reject", str != NULL ? str : "?");
		if (dl != NULL)
			aw_put(out, n, &off, " %.20s", dl);
		if (aw_num(reply, "px", &v) == 0)
			aw_put(out, n, &off, " at %s", aw_px(s, px, sizeof px, v));
	} else
		aw_put(out, n, &off, "%.32s", cmd);
}
