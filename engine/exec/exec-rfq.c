/*
 * engine/exec/exec-rfq.c -- requests for quotes as people see and steer
 * them: a trader asks dealers for part of a block, watches the quotes come
 * in, and takes one or none.
 *
 * The market's venues (engine/market/venue.c) do the asking and the
 * quoting; they tell exec of every change of a request of ours through the
 * rfq_change callback (asked, a quote, a refusal, the end).  Here each
 * change updates a record (struct exec_rfq_rec, the recent EXEC_RFQ_KEEP
 * of them) and is published as an "rfq" event: the dealers asked, each
 * dealer's quote or "pending" / "declined", the deadline, and how it ended.
 * The router's own requests (exec-route.c) are recorded and published the
 * same way, so a desk sees everything asked in its name.
 *
 * A trader's request is a manual child at the "rfq" venue, so it is held
 * apart from the lit book's working shares exactly as the router's are,
 * and the router sends no request of its own while it is live.  It waits
 * for the trader: at the deadline exec_on_rfq (exec.c) hands it here
 * instead of to the router's choice, and without a decision it expires.
 * Accepting books the fill at once through the fill callback, like any
 * fill, and so through the journal; recovery re-applies the commands at
 * their simulated times and the same quotes arrive at the same times, so
 * the fill is made again, once, at the same price.
 *
 * Everything a command names is checked before anything changes: the
 * block, the dealers, the quantity against what is unworked, the venue
 * set, the request's state and the quote's price against the block's limit
 * and the collar.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/exec/exec-int.h"

/* The block and child of our order id in market m; NULL if none. */
static struct parent *
rfq_owner(struct exec *x, const struct market *m, uint64_t id,
          struct child **cp)
{
	for (size_t i = 0; i < x->nparents; i++) {
		struct parent *p = x->parents[i];

		if (p->m != m)
			continue;
		for (size_t k = p->nchildren; k-- > 0;)
			if (p->children[k].id == id) {
				*cp = &p->children[k];
				return p;
			}
	}
	return NULL;
}

static struct exec_rfq_rec *
rfq_rec(const struct exec *x, uint64_t id)
{
	for (int i = 0; x->rfq != NULL && i < EXEC_RFQ_KEEP; i++)
		if (x->rfq[i].id == id)
			return &x->rfq[i];
	return NULL;
}

/* A slot for a new record: a free one, else the oldest that has ended
 * (requests in flight are at most VENUE_MAX_RFQ a market, far fewer than
 * the slots). */
static struct exec_rfq_rec *
rfq_slot(struct exec *x)
{
	struct exec_rfq_rec *best = NULL;

	if (x->rfq == NULL && (x->rfq = calloc(EXEC_RFQ_KEEP,
	    sizeof *x->rfq)) == NULL)
		return NULL;
	for (int i = 0; i < EXEC_RFQ_KEEP; i++) {
		struct exec_rfq_rec *r = &x->rfq[i];

		if (r->id == 0)
			return r;
		if (strcmp(r->state, "live") != 0 && (best == NULL ||
		    r->seq < best->seq))
			best = r;
	}
	return best;
}

void
exec_rfq_free(struct exec *x)
{
	free(x->rfq);
	x->rfq = NULL;
}

static void
rfq_id_str(char *buf, size_t n, uint64_t id)
{
	snprintf(buf, n, "r%llu", (unsigned long long)(id & ~(1ULL << 63)));
}

static void
rfq_time(cJSON *o, const char *name, int64_t t)
{
	char buf[32];

	snprintf(buf, sizeof buf, "%lld", (long long)t);
	cJSON_AddStringToObject(o, name, buf);
}

/* The index in r->q of dealer d's quote, or -1. */
static int
rfq_quote_of(const struct venue_rfq *r, int d)
{
	for (int k = 0; k < r->nquotes; k++)
		if (r->q[k].dealer == d)
			return k;
	return -1;
}

static cJSON *
rfq_rec_json(const struct exec *x, const struct exec_rfq_rec *rec)
{
	const struct venue_rfq *r = &rec->r;
	struct parent *p = exec_find((struct exec *)x, rec->block);
	const struct market *m = p != NULL ? p->m : NULL;
	int live = strcmp(rec->state, "live") == 0;
	cJSON *o = cJSON_CreateObject(), *ds;
	char buf[32];

	rfq_id_str(buf, sizeof buf, rec->id);
	cJSON_AddStringToObject(o, "id", buf);
	snprintf(buf, sizeof buf, "%u", rec->block);
	cJSON_AddStringToObject(o, "block", buf);
	cJSON_AddStringToObject(o, "sym", p != NULL ? p->spec.sym : "?");
	cJSON_AddStringToObject(o, "side", exec_side_name(r->side));
	cJSON_AddNumberToObject(o, "qty", (double)r->qty);
	cJSON_AddStringToObject(o, "by", rec->trader ? "trader" : "router");
	rfq_time(o, "asked", r->t0);
	rfq_time(o, "deadline", r->deadline);
	cJSON_AddNumberToObject(o, "mid0", r->mid0);
	ds = cJSON_AddArrayToObject(o, "dealers");
	for (int d = 0; m != NULL && d < venue_dealer_count(m); d++) {
		int k = rfq_quote_of(r, d);
		cJSON *e;

		if (!(r->asked & (1u << d)))
			continue;
		e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "dealer", venue_dealer_name(m, d));
		if (k >= 0) {
			cJSON_AddStringToObject(e, "status", "quoted");
			cJSON_AddNumberToObject(e, "px", (double)r->q[k].px);
			cJSON_AddNumberToObject(e, "size", (double)r->qty);
			rfq_time(e, "at", r->q[k].t);
		} else
			cJSON_AddStringToObject(e, "status", (r->declined &
			    (1u << d)) ? "declined" : live ? "pending" : "none");
		cJSON_AddItemToArray(ds, e);
	}
	cJSON_AddStringToObject(o, "state", rec->state);
	if (r->state == VENUE_RFQ_WON && m != NULL) {
		cJSON_AddStringToObject(o, "dealer", venue_dealer_name(m, r->won));
		cJSON_AddNumberToObject(o, "px", (double)r->won_px);
		cJSON_AddNumberToObject(o, "filled", (double)r->qty);
	} else
		cJSON_AddNumberToObject(o, "filled", 0);
	if (!live)
		rfq_time(o, "ended", rec->ended);
	if (rec->reason[0] != '\0')
		cJSON_AddStringToObject(o, "reason", rec->reason);
	return o;
}

cJSON *
exec_rfq_json(const struct exec *x)
{
	cJSON *a = cJSON_CreateArray();
	unsigned last = 0;

	/* Oldest first: by creation order. */
	for (;;) {
		const struct exec_rfq_rec *next = NULL;

		for (int i = 0; x->rfq != NULL && i < EXEC_RFQ_KEEP; i++) {
			const struct exec_rfq_rec *r = &x->rfq[i];

			if (r->id != 0 && r->seq > last && (next == NULL ||
			    r->seq < next->seq))
				next = r;
		}
		if (next == NULL)
			break;
		cJSON_AddItemToArray(a, rfq_rec_json(x, next));
		last = next->seq;
	}
	return a;
}

void
exec_rfq_on_change(void *arg, const struct venue_rfq *r)
{
	struct exec_mkt *mk = arg;
	struct exec *x = mk->x;
	struct exec_rfq_rec *rec = rfq_rec(x, r->id);
	struct child *c = NULL;
	struct parent *p = rfq_owner(x, mk->m, r->id, &c);

	if (p == NULL)
		return;
	if (rec == NULL) {
		if ((rec = rfq_slot(x)) == NULL)
			return;
		memset(rec, 0, sizeof *rec);
		rec->id = r->id;
		rec->seq = ++x->rfq_seq;
		rec->block = p->id;
		rec->trader = c->manual;
		rec->state = "live";
		if (x->rfq_why != NULL)
			snprintf(rec->reason, sizeof rec->reason, "%s", x->rfq_why);
	}
	rec->r = *r;
	if (r->state != VENUE_RFQ_OPEN) {
		rec->ended = mk->m->now;
		if (r->state == VENUE_RFQ_WON)
			rec->state = "accepted";
		else if (x->rfq_end != NULL)
			rec->state = x->rfq_end;
		else if (r->state == VENUE_RFQ_NONE)
			rec->state = rec->trader ? "expired" : "rejected";
		else
			rec->state = "cancelled";
		if (x->rfq_why != NULL)
			snprintf(rec->reason, sizeof rec->reason, "%s", x->rfq_why);
		else if (r->state == VENUE_RFQ_NONE)
			snprintf(rec->reason, sizeof rec->reason, "%s", rec->trader ?
			    "no decision by the deadline" : "the router took no "
			    "quote (its decision says why)");
		else if (r->state == VENUE_RFQ_WITHDRAWN)
			snprintf(rec->reason, sizeof rec->reason, "withdrawn with "
			    "its child (block paused, cancelled or halted, or RFQ "
			    "turned off)");
		else if (!rec->trader)
			snprintf(rec->reason, sizeof rec->reason, "the router took "
			    "the best quote");
	}
	if (x->e.emit != NULL)
		exec_emit_of(x, mk->m, "rfq", rfq_rec_json(x, rec));
}

int
exec_rfq_expire(struct exec *x, struct parent *p, struct child *c,
                const struct venue_rfq *r)
{
	char why[120], id[32];

	rfq_id_str(id, sizeof id, r->id);
	snprintf(why, sizeof why, "rfq %s expired: no decision by the deadline "
	    "(%d of %d dealers quoted)", id, r->nquotes,
	    __builtin_popcount(r->asked));
	c->live = 0;
	p->venue_working -= c->qty - c->filled;
	p->dirty = 1;
	exec_child_event(x, p, c, "cancelled", why);
	return -1;
}

/* The mask of the dealers named by s ("all", NULL, "" or "D1,D3") in
 * market m: 0 with *mask, or -1 with err naming the dealer. */
static int
rfq_dealers(const struct market *m, const char *s, unsigned *mask, char *err,
            size_t errlen)
{
	char known[120] = "";
	size_t off = 0;
	const char *p = s;

	for (int d = 0; d < venue_dealer_count(m) && off < sizeof known; d++)
		off += (size_t)snprintf(known + off, sizeof known - off, "%s%s",
		    d ? ", " : "", venue_dealer_name(m, d));
	*mask = 0;
	if (s == NULL || s[0] == '\0' || strcmp(s, "all") == 0) {
		*mask = venue_dealers_all(m);
		if (*mask == 0) {
			snprintf(err, errlen, "field \"dealers\" \"all\": every "
			    "dealer is turned off by a supervisor");
			return -1;
		}
		return 0;
	}
	while (*p != '\0') {
		size_t n = strcspn(p, ",");
		char name[16];
		int d;

		snprintf(name, sizeof name, "%.*s", (int)(n < 15 ? n : 15), p);
		d = n < sizeof name ? venue_dealer_find(m, name) : -1;
		if (d < 0) {
			snprintf(err, errlen, "field \"dealers\" \"%.*s\": no such "
			    "dealer (known: %s)", (int)(n < 24 ? n : 24), p, known);
			return -1;
		}
		if (!venue_dealer_enabled(m, d)) {
			snprintf(err, errlen, "field \"dealers\" \"%s\": turned off "
			    "by a supervisor", name);
			return -1;
		}
		if (*mask & 1u << d) {
			snprintf(err, errlen, "field \"dealers\" \"%.40s\": names "
			    "%s twice", s, name);
			return -1;
		}
		*mask |= 1u << d;
		p += n;
		if (*p == ',' && p[1] == '\0') {
			snprintf(err, errlen, "field \"dealers\" \"%.40s\": ends "
			    "with a comma", s);
			return -1;
		}
		if (*p == ',')
			p++;
	}
	if (*mask == 0) {
		snprintf(err, errlen, "field \"dealers\" \"%.40s\": names no "
		    "dealer (known: %s)", s, known);
		return -1;
	}
	return 0;
}

int
exec_rfq_send(struct exec *x, uint32_t block, int64_t qty,
              const char *dealers, double deadline_s, const char *reason,
              char *id, size_t idlen, int64_t *deadline, char *err,
              size_t errlen)
{
	struct parent *p = exec_find(x, block);
	int64_t unworked, px, bp, ap, q;
	unsigned mask;
	double mid;
	uint64_t rid;
	struct child *c;
	char set[32];
	int rv;

	*deadline = 0;
	if (id != NULL && idlen > 0)
		id[0] = '\0';
	if (p == NULL) {
		snprintf(err, errlen, "block %u: no such block", block);
		return EXEC_ENOTFOUND;
	}
	venue_set_format(p->spec.venues, set, sizeof set);
	if (!(p->spec.venues & VENUE_BIT(VENUE_RFQ))) {
		snprintf(err, errlen, "block %u venues \"%s\": no rfq in the "
		    "block's venue set", block, set);
		return EXEC_EFIELD;
	}
	if (rfq_dealers(p->m, dealers, &mask, err, errlen) != 0)
		return EXEC_EFIELD;
	if (!(deadline_s == 0 || (deadline_s >= 1 && deadline_s <= 600))) {
		snprintf(err, errlen, "field \"deadline_s\" %g: must be from 1 to "
		    "600 seconds", deadline_s);
		return EXEC_EFIELD;
	}
	if (p->state != PARENT_WORKING) {
		snprintf(err, errlen, "block %u is %s: a request needs a working "
		    "block", block, exec_state_name(p->state));
		return EXEC_ESTATE;
	}
	if (!venue_enabled(p->m, VENUE_RFQ)) {
		snprintf(err, errlen, "venue rfq: turned off by a supervisor");
		return EXEC_ESTATE;
	}
	unworked = p->spec.qty - p->filled - p->working - p->venue_working;
	if (qty <= 0 || qty > unworked) {
		snprintf(err, errlen, "field \"qty\" %lld: %s (block %u: %lld "
		    "less %lld filled, %lld working in the book, %lld in venues "
		    "leaves %lld)", (long long)qty, qty <= 0 ? "must be > 0" :
		    "above what is unworked", block, (long long)p->spec.qty,
		    (long long)p->filled, (long long)p->working,
		    (long long)p->venue_working, (long long)unworked);
		return EXEC_EFIELD;
	}
	mid = market_mid(p->m);
	px = mid > 0 ? (int64_t)llround(mid) : p->m->last_px;
	if (exec_risk_check(x, p, px, qty, err, errlen) != 0)
		return EXEC_ERISK;
	rid = p->m->next_our_id;
	if (exec_child_add(p, rid, px, qty, STYLE_PASSIVE, p->m->now) != 0) {
		snprintf(err, errlen, "block %u: out of memory for a child", block);
		return EXEC_ESTATE;
	}
	c = &p->children[p->nchildren - 1];
	c->venue = VENUE_RFQ;
	c->manual = 1;
	c->mid = mid > 0 ? mid : (double)p->m->last_px;
	if (book_best(p->m->book, BOOK_BID, &bp, &q) == 0 &&
	    book_best(p->m->book, BOOK_ASK, &ap, &q) == 0)
		c->half_spread = (double)(ap - bp) / 2.0;
	/* The record made when the venue says it asked carries the
	 * trader's reason from its first event on. */
	x->rfq_why = reason;
	rv = venue_rfq_request_by(p->m, p->spec.side, qty, mask, deadline_s,
	    &rid);
	x->rfq_why = NULL;
	c = &p->children[p->nchildren - 1];
	if (rv != 0) {
		/* Nothing reached the market: the child never was. */
		p->nchildren--;
		snprintf(err, errlen, "venue rfq: %s", rv == BOOK_ENOMEM ?
		    "as many requests in flight as the venue holds (8)" :
		    rv == VENUE_EOFF ? "turned off" : "refused the request");
		return EXEC_ESTATE;
	}
	p->sent_t[p->nsent++ % 64] = p->m->now;
	c->live = 1;
	p->venue_working += qty;
	p->dirty = 1;
	rfq_id_str(id, idlen, rid);
	exec_child_event(x, p, c, "new", "rfq: a trader's request");
	{
		struct venue_rfq r;

		if (venue_rfq_get(p->m, rid, &r) == 0) {
			deadline_s = (double)(r.deadline - r.t0) / 1e9;
			*deadline = r.deadline;
		}
	}
	exec_decision(x, p, "rfq", qty, 0, STYLE_PASSIVE, qty, "trader asked "
	    "%d dealers for %lld (%s), deadline in %g s%s%s",
	    __builtin_popcount(mask), (long long)qty, id, deadline_s,
	    reason ? ": " : "", reason ? reason : "");
	return 0;
}

/* The record and, while it is live, the block and child of request s
 * ("r17" or "17"). */
static int
rfq_lookup(struct exec *x, const char *s, struct exec_rfq_rec **recp,
           struct parent **pp, struct child **cp, char *err, size_t errlen)
{
	const char *d = s != NULL && s[0] == 'r' ? s + 1 : s;
	char *end;
	unsigned long long n;

	if (d == NULL || *d < '0' || *d > '9' || (n = strtoull(d, &end, 10),
	    *end != '\0') || n == 0) {
		snprintf(err, errlen, "field \"rfq\" \"%.32s\": must be a request "
		    "id (r17)", s != NULL ? s : "");
		return EXEC_EFIELD;
	}
	for (int i = 0; x->rfq != NULL && i < EXEC_RFQ_KEEP; i++) {
		struct exec_rfq_rec *r = &x->rfq[i];

		if (r->id != 0 && (r->id & ~(1ULL << 63)) == n) {
			*recp = r;
			*pp = exec_find(x, r->block);
			*cp = NULL;
			if (*pp != NULL)
				rfq_owner(x, (*pp)->m, r->id, cp);
			return 0;
		}
	}
	snprintf(err, errlen, "field \"rfq\" \"%.32s\": no such request among "
	    "the last %d", s, EXEC_RFQ_KEEP);
	return EXEC_ENOTFOUND;
}

/* A request that has ended cannot be decided on again: say how it ended
 * and when. */
static int
rfq_ended(const struct exec_rfq_rec *rec, char *err, size_t errlen)
{
	char id[32];
	int64_t s = rec->ended / 1000000000LL;

	rfq_id_str(id, sizeof id, rec->id);
	snprintf(err, errlen, "rfq %s: %s at %02lld:%02lld:%02lld (%s); nothing "
	    "is left to decide", id, rec->state, (long long)(s / 3600),
	    (long long)(s / 60 % 60), (long long)(s % 60), rec->reason);
	return EXEC_ESTATE;
}

int
exec_rfq_accept(struct exec *x, const char *rfq, const char *dealer,
                const char *reason, char *err, size_t errlen)
{
	struct exec_rfq_rec *rec;
	struct parent *p;
	struct child *c;
	struct venue_rfq now;
	char id[32], why[200];
	double mid;
	int rv, d, k;

	if ((rv = rfq_lookup(x, rfq, &rec, &p, &c, err, errlen)) != 0)
		return rv;
	rfq_id_str(id, sizeof id, rec->id);
	if (strcmp(rec->state, "live") != 0 || p == NULL || c == NULL ||
	    !c->live || venue_rfq_get(p->m, rec->id, &now) != 0)
		return rfq_ended(rec, err, errlen);
	if (!rec->trader) {
		snprintf(err, errlen, "rfq %s: the router's request (it takes a "
		    "quote or none at the deadline); a trader may reject it", id);
		return EXEC_ESTATE;
	}
	if (dealer == NULL || (d = venue_dealer_find(p->m, dealer)) < 0) {
		snprintf(err, errlen, "field \"dealer\" \"%.20s\": no such dealer",
		    dealer != NULL ? dealer : "");
		return EXEC_EFIELD;
	}
	if (!(now.asked & (1u << d))) {
		snprintf(err, errlen, "field \"dealer\" \"%s\": was not asked on "
		    "%s", dealer, id);
		return EXEC_EFIELD;
	}
	if ((k = rfq_quote_of(&now, d)) < 0) {
		snprintf(err, errlen, "field \"dealer\" \"%s\": has not quoted on "
		    "%s (%s)", dealer, id, (now.declined & (1u << d)) ?
		    "declined" : "pending");
		return EXEC_EFIELD;
	}
	/* A dealer a supervisor turned off is sent nothing, an acceptance
	 * included (it was taken and filled: an adversarial review). */
	if (!venue_dealer_enabled(p->m, d)) {
		snprintf(err, errlen, "field \"dealer\" \"%s\": turned off by a "
		    "supervisor; its quote on %s cannot be taken until it is on "
		    "again", dealer, id);
		return EXEC_EFIELD;
	}
	mid = market_mid(p->m);
	if (!exec_px_ok(p, now.q[k].px)) {
		snprintf(err, errlen, "rfq %s: %s's quote %.2f is through the "
		    "block's limit %.2f", id, dealer, now.q[k].px * p->m->tick,
		    p->spec.limit_px * p->m->tick);
		return EXEC_ERISK;
	}
	if (mid > 0 && fabs((double)now.q[k].px - mid) > EXEC_COLLAR * mid) {
		snprintf(err, errlen, "rfq %s: %s's quote %.2f is outside the "
		    "%.0f%% collar around the mid %.2f", id, dealer,
		    now.q[k].px * p->m->tick, EXEC_COLLAR * 100, mid * p->m->tick);
		return EXEC_ERISK;
	}
	exec_decision(x, p, "rfq-accept", now.qty, now.q[k].px, STYLE_PASSIVE,
	    now.qty, "trader accepted %s at %.2f on %s (%.1f bps from the mid "
	    "when asked), %d of %d dealers quoted%s%s", dealer,
	    now.q[k].px * p->m->tick, id, (p->spec.side == BOOK_BID ? 1.0 :
	    -1.0) * ((double)now.q[k].px - now.mid0) / now.mid0 * 1e4,
	    now.nquotes, __builtin_popcount(now.asked), reason ? ": " : "",
	    reason ? reason : "");
	snprintf(why, sizeof why, "%s", reason != NULL ? reason : "");
	x->rfq_end = "accepted";
	x->rfq_why = why;
	rv = venue_rfq_accept(p->m, rec->id, d);
	x->rfq_end = NULL;
	x->rfq_why = NULL;
	if (rv != 0) {
		snprintf(err, errlen, "rfq %s: the venue refused the acceptance "
		    "(%d)", id, rv);
		return EXEC_ESTATE;
	}
	return 0;
}

int
exec_rfq_reject(struct exec *x, const char *rfq, const char *reason,
                char *err, size_t errlen)
{
	struct exec_rfq_rec *rec;
	struct parent *p;
	struct child *c;
	char id[32], why[200];
	int rv;

	if ((rv = rfq_lookup(x, rfq, &rec, &p, &c, err, errlen)) != 0)
		return rv;
	rfq_id_str(id, sizeof id, rec->id);
	if (strcmp(rec->state, "live") != 0 || p == NULL || c == NULL ||
	    !c->live)
		return rfq_ended(rec, err, errlen);
	exec_decision(x, p, "rfq-reject", 0, 0, -1, rec->r.qty, "trader "
	    "rejected %s (%d quotes)%s%s", id, rec->r.nquotes, reason ? ": " :
	    "", reason ? reason : "");
	snprintf(why, sizeof why, "%s", reason != NULL ? reason : "");
	x->rfq_end = "rejected";
	x->rfq_why = why;
	{
		char cwhy[240];

		snprintf(cwhy, sizeof cwhy, "rfq %s rejected by the trader%s%s", id,
		    reason ? ": " : "", reason ? reason : "");
		exec_cancel_child(x, p, c, cwhy);
	}
	x->rfq_end = NULL;
	x->rfq_why = NULL;
	return 0;
}
