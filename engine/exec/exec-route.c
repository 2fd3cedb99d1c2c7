/*
 * engine/exec/exec-route.c -- the router: which part of a block goes to
 * the dark pool and which to dealers, beside what the tactic does in the
 * lit book.
 *
 * Around every decision of a block whose venue set holds more than the lit
 * book (exec_tick calls exec_route_pre before the tactic and
 * exec_route_post after it):
 *
 *   dark  one child rests in the pool at the mid, for dark_pct of what is
 *         neither filled nor working in the lit book, with a minimum
 *         execution of dark_min shares.  It is kept while its size is
 *         still about right (within a quarter of the target, or dark_min)
 *         and no more than the block may rest, and replaced otherwise,
 *         before the tactic decides.  Dark fills
 *         count as fills: the schedule is ahead, and the tactic posts less.
 *   cond  with dark_cond, the dark child is instead a conditional: an
 *         indication for all that is neither filled nor asked for in an
 *         RFQ (under the maximum child), committing nothing, so the lit
 *         tactic works the same shares.  When the pool invites it to firm
 *         up (exec_route_firm), it firms up for what is unworked then, in
 *         lots, under the cap's room and the same risk checks as any
 *         child; less than the minimum execution is a failure to firm up,
 *         which the pool counts against us.  What a firm-up leaves resting
 *         is withdrawn at the next decision and the indication rests
 *         again: a firm-up answers one invitation.
 *   rfq   when what remains is more than rfq_trigger percent of the volume
 *         the market is expected to trade until the end (its rate of the
 *         last half hour), a request goes to the dealers the block's
 *         "dealers" setting names, for rfq_pct of what is unworked; at most
 *         one at a time and one every rfq_every_s.  At the deadline the
 *         best quote is accepted if it is no more than rfq_max_bps worse
 *         than the mid when asked, inside the collar and the limit
 *         (exec_route_choose); otherwise none is.
 *
 * The dealers asked are all of them, k at random, the k with the tightest
 * advertised pricing, or (learned:K) the k the dealer model (model.h,
 * dealer.c) ranks best by p(competitive) x gain less leakage, from this
 * desk's own history of each dealer (struct exec_mkt's dh).  Every request
 * is kept until ROUTE_MOVE_S after it, when the mid's move against us is
 * its leakage; then it teaches the history and becomes a training record
 * (an "rfq-outcome" decision, and the dealer sink's).
 *
 * Venue children pass exec_risk_check like any other (quantity within what
 * is unworked and the maximum child, price -- the mid -- inside the collar
 * and the limit, the child rate, rolling participation), and the
 * participation cap's room holds them too.  What rests in a venue is
 * p->venue_working, apart from the lit book's p->working, so the tactic's
 * arithmetic of slices is what it always was.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/exec/exec-int.h"

#define ROUTE_DARK_PCT 30.0
#define ROUTE_DARK_MIN 500
#define ROUTE_RFQ_PCT 50.0
#define ROUTE_RFQ_TRIGGER 10.0
#define ROUTE_RFQ_MAX_BPS 25.0
#define ROUTE_RFQ_EVERY_S 900.0
/* A request's leakage: the mid's move against us from the request to the
 * first decision this long after it (the deadline and the two minutes over
 * which a losing dealer trades ahead). */
#define ROUTE_MOVE_S 150.0

static double
route_or(double v, double dflt)
{
	return v > 0 ? v : dflt;
}

int
exec_dealers_parse(const char *s, int ndealers, int *mode, int *k, char *err,
                   size_t errlen)
{
	char *end;
	long n;

	*mode = 0;
	*k = ndealers;
	if (s == NULL || s[0] == '\0' || strcmp(s, "all") == 0)
		return 0;
	if (strncmp(s, "random:", 7) == 0)
		*mode = 1;
	else if (strncmp(s, "top:", 4) == 0)
		*mode = 2;
	else if (strncmp(s, "learned:", 8) == 0)
		*mode = 3;
	else {
		snprintf(err, errlen, "dealers \"%.20s\": must be all, random:K, "
		    "top:K or learned:K", s);
		return -1;
	}
	const char *ks = s + (*mode == 1 ? 7 : *mode == 3 ? 8 : 4);

	/* Digits only: strtol alone would take " 2" and "+2". */
	n = ks[0] >= '0' && ks[0] <= '9' ? strtol(ks, &end, 10) : -1;
	if (n < 0 || *end != '\0' || n < 1 || n > VENUE_MAX_DEALERS ||
	    (ndealers > 0 && n > ndealers)) {
		snprintf(err, errlen, "dealers \"%.20s\": K must be 1..%d (the "
		    "dealers there are)", s, ndealers > 0 ? ndealers :
		    VENUE_MAX_DEALERS);
		return -1;
	}
	*k = (int)n;
	return 0;
}

/* The venue fields of a block about to be accepted in market m. */
int
exec_route_check(const struct parent_spec *s, const struct market *m,
                 char *err, size_t errlen)
{
	int mode, k;
	char set[32];

	if (s->venues & ~VENUE_SET_ALL) {
		snprintf(err, errlen, "venues 0x%x: unknown venue bits", s->venues);
		return -1;
	}
	venue_set_format(s->venues, set, sizeof set);
	if ((s->venues & ~VENUE_BIT(VENUE_LIT)) && !venue_present(m)) {
		snprintf(err, errlen, "venues \"%s\": market %s has no dark pool or "
		    "dealers (a recorded or formula market trades lit only)", set,
		    m->sym);
		return -1;
	}
	if ((s->venues & VENUE_BIT(VENUE_RFQ)) && venue_dealer_count(m) == 0) {
		snprintf(err, errlen, "venues \"%s\": market %s has no dealers", set,
		    m->sym);
		return -1;
	}
	if (exec_dealers_parse(s->dealers, venue_dealer_count(m), &mode, &k, err,
	    errlen) != 0)
		return -1;
	if (!(s->dark_pct >= 0 && s->dark_pct <= 100) || s->dark_min < 0 ||
	    !(s->rfq_pct >= 0 && s->rfq_pct <= 100) ||
	    !(s->rfq_trigger >= 0 && s->rfq_trigger <= 1000) ||
	    !(s->rfq_max_bps >= 0 && s->rfq_max_bps <= 1000) ||
	    !(s->rfq_every_s >= 0 && s->rfq_every_s <= 86400)) {
		snprintf(err, errlen, "venue parameter out of range: dark_pct %g, "
		    "dark_min %lld, rfq_pct %g, rfq_trigger %g, rfq_max_bps %g, "
		    "rfq_every_s %g", s->dark_pct, (long long)s->dark_min,
		    s->rfq_pct, s->rfq_trigger, s->rfq_max_bps, s->rfq_every_s);
		return -1;
	}
	return 0;
}

static struct child *
route_live(struct parent *p, int venue)
{
	for (size_t i = p->nchildren; i-- > 0;)
		if (p->children[i].live && p->children[i].venue == venue)
			return &p->children[i];
	return NULL;
}

/* What the dark child should be now: dark_pct of what is neither filled
 * nor working in the lit book nor asked for in an RFQ, in whole lots,
 * under the cap's room and the maximum child; *most (may be NULL) is the
 * most it may be (what is free, the room, the maximum child). */
static int64_t
route_dark_target(const struct exec *x, const struct parent *p,
                  const struct child *dark, int64_t *most)
{
	int64_t held = dark != NULL ? dark->qty - dark->filled : 0;
	int64_t free_ = p->spec.qty - p->filled - p->working -
	    (p->venue_working - held), want, room, cap;

	if (most != NULL)
		*most = 0;
	if (free_ <= 0)
		return 0;
	want = (int64_t)((double)free_ * route_or(p->spec.dark_pct,
	    ROUTE_DARK_PCT) / 100.0);
	room = exec_pov_room(x, p);
	if (room < INT64_MAX - held)
		room += held;
	cap = free_ < room ? free_ : room;
	if (p->max_child > 0 && cap > p->max_child)
		cap = p->max_child;
	if (most != NULL)
		*most = cap;
	if (want > cap)
		want = cap;
	if (p->spec.lot > 1)
		want -= want % p->spec.lot;
	return want > 0 ? want : 0;
}

/* What a conditional should indicate now: all that is neither filled nor
 * asked for elsewhere in a venue, under the maximum child, in lots. */
static int64_t
route_cond_target(const struct parent *p, const struct child *dark)
{
	int64_t held = dark != NULL && !dark->cond ? dark->qty - dark->filled :
	    0;
	int64_t want = p->spec.qty - p->filled - (p->venue_working - held);

	if (p->max_child > 0 && want > p->max_child)
		want = p->max_child;
	if (p->spec.lot > 1)
		want -= want % p->spec.lot;
	return want > 0 ? want : 0;
}

void
exec_route_pre(struct exec *x, struct parent *p, int64_t t)
{
	struct child *dark = route_live(p, VENUE_DARK);
	int64_t min = p->spec.dark_min > 0 ? p->spec.dark_min : ROUTE_DARK_MIN;

	(void)t;
	if (dark == NULL || dark->manual)
		return;
	if (p->spec.dark_cond) {
		int64_t want = route_cond_target(p, dark);
		int64_t tol = want / 4 > min ? want / 4 : min;

		/* A firm-up answers one invitation; an indication follows the
		 * remainder as the firm dark child follows its share. */
		if (!dark->cond)
			exec_cancel_child(x, p, dark, "dark: what the firm-up left "
			    "resting is withdrawn; the indication rests again");
		else if (dark->qty > want + tol || dark->qty + tol <= want)
			exec_cancel_child(x, p, dark, "dark: indication re-sized to "
			    "the remainder");
		return;
	}
	int64_t left = dark->qty - dark->filled, most;
	int64_t want = route_dark_target(x, p, dark, &most);
	/* A resting dark order is left alone while it is within a quarter
	 * (or the minimum execution) of its share: re-sending it every
	 * decision as the lit fills shrink the remainder would only churn,
	 * and a pool's fill rate is shares filled of shares sent. */
	int64_t tol = want / 4 > min ? want / 4 : min;

	if (left > most || left > want + tol || left + tol <= want)
		exec_cancel_child(x, p, dark, left > most ? "dark: over what the "
		    "block may rest now" : left > want ? "dark: larger than its "
		    "share of the remainder" : "dark: re-sized to its share of "
		    "the remainder");
}

/* The mid in whole ticks (the last trade's price with a side empty): the
 * price a venue child is checked at. */
static int64_t
route_mid_px(const struct parent *p)
{
	double mid = market_mid(p->m);

	return mid > 0 ? (int64_t)llround(mid) : p->m->last_px;
}

static int64_t
route_send(struct exec *x, struct parent *p, int venue, int64_t qty,
           int64_t min, unsigned dealers, const char *why)
{
	char err[200];
	double mid = market_mid(p->m);
	int64_t px = route_mid_px(p), filled = 0;
	int64_t bp, ap, q;
	uint64_t id;
	struct child *c;
	int rv;

	/* A dark order is pegged to the mid and limited at the block's
	 * limit (the pool never crosses it through it): checked at the
	 * price it may trade at, the mid or the limit.  (It was checked at
	 * the mid when sent and then crossed at any later mid: 17,200 shares
	 * of a sell limited at 99.50 sold down to 98.50 after a headline;
	 * and a mid through the limit refused every re-send with a risk
	 * alert a minute.  Found by an adversarial review on 2026-12-07.) */
	if (venue == VENUE_DARK && !exec_px_ok(p, px))
		px = p->spec.limit_px;
	if (exec_risk_check(x, p, px, qty, err, sizeof err) != 0) {
		p->refused++;
		if (p->last_refusal_alert == 0 ||
		    p->m->now - p->last_refusal_alert >= 60 * 1000000000LL) {
			p->last_refusal_alert = p->m->now;
			exec_alert(x, p, "warn", "risk", "block %u %s child refused "
			    "(%s): %s", p->id, venue_name(venue), why, err);
		}
		return 0;
	}
	id = p->m->next_our_id;
	if (exec_child_add(p, id, px, qty, STYLE_PASSIVE, p->m->now) != 0)
		return 0;
	c = &p->children[p->nchildren - 1];
	c->venue = venue;
	c->min_qty = min;
	c->mid = mid > 0 ? mid : (double)p->m->last_px;
	if (book_best(p->m->book, BOOK_BID, &bp, &q) == 0 &&
	    book_best(p->m->book, BOOK_ASK, &ap, &q) == 0)
		c->half_spread = (double)(ap - bp) / 2.0;
	p->sent_t[p->nsent++ % 64] = p->m->now;
	rv = venue == VENUE_DARK ? venue_dark_submit(p->m, p->spec.side, qty, min,
	    p->spec.limit_px, &id, &filled) : venue_rfq_request(p->m,
	    p->spec.side, qty, dealers, &id);
	c = &p->children[p->nchildren - 1];
	if (rv != 0) {
		exec_child_event(x, p, c, "rejected", venue == VENUE_DARK ?
		    "refused by the dark pool" : "refused by the dealers' venue");
		return 0;
	}
	if (filled < qty) {
		c->live = 1;
		p->venue_working += qty - filled;
	}
	p->dirty = 1;
	exec_child_event(x, p, c, filled >= qty ? "filled" : filled > 0 ?
	    "partial" : "new", why);
	return filled;
}

/* q shares cut to the block's maximum child, the participation cap's room
 * and whole lots: what a venue child may be. */
static int64_t
route_fit(const struct parent *p, int64_t q, int64_t room)
{
	if (p->max_child > 0 && q > p->max_child)
		q = p->max_child;
	if (q > room)
		q = room;
	if (p->spec.lot > 1)
		q -= q % p->spec.lot;
	return q;
}

/* Rest an indication of qty in the pool: no risk check, since it commits
 * nothing; the firm-up passes them. */
static void
route_send_cond(struct exec *x, struct parent *p, int64_t qty, int64_t min)
{
	uint64_t id = p->m->next_our_id;
	struct child *c;

	if (exec_child_add(p, id, 0, qty, STYLE_PASSIVE, p->m->now) != 0)
		return;
	c = &p->children[p->nchildren - 1];
	c->venue = VENUE_DARK;
	c->cond = 1;
	c->min_qty = min;
	c->mid = market_mid(p->m);
	if (venue_cond_submit(p->m, p->spec.side, qty, min, p->spec.limit_px,
	    &id) != 0) {
		exec_child_event(x, p, c, "rejected", "refused by the dark pool");
		return;
	}
	c->live = 1;
	p->dirty = 1;
	exec_child_event(x, p, c, "new", "dark conditional");
}

int64_t
exec_route_firm(struct exec *x, struct parent *p, struct child *c,
                const struct venue_invite *iv)
{
	char err[200];
	double mid = market_mid(p->m);
	int64_t px = route_mid_px(p);
	int64_t unworked = p->spec.qty - p->filled - p->working -
	    p->venue_working, q = iv->qty < unworked ? iv->qty : unworked;
	int64_t room = exec_pov_room(x, p), bp, ap, bq;

	if (p->state != PARENT_WORKING) {
		exec_decision(x, p, "dark-firm-fail", 0, 0, -1, iv->qty, "invited "
		    "to firm up %lld but the block is %s", (long long)iv->qty,
		    exec_state_name(p->state));
		return 0;
	}
	q = route_fit(p, q, room);
	if (q < iv->min_qty) {
		exec_decision(x, p, "dark-firm-fail", 0, 0, -1, iv->qty, "invited "
		    "to firm up %lld (minimum %lld) but only %lld is unworked "
		    "(%lld working in the lit book) and the cap leaves %lld: no "
		    "firm-up, counted against our firm-up rate",
		    (long long)iv->qty, (long long)iv->min_qty,
		    (long long)(unworked > 0 ? unworked : 0),
		    (long long)p->working, (long long)(room > 0 ? room : 0));
		return 0;
	}
	if (exec_risk_check(x, p, px, q, err, sizeof err) != 0) {
		p->refused++;
		exec_decision(x, p, "dark-firm-fail", 0, 0, -1, iv->qty, "invited "
		    "to firm up %lld, refused by the risk checks: %s",
		    (long long)q, err);
		return 0;
	}
	exec_decision(x, p, "dark-firm", q, 0, STYLE_PASSIVE, q, "invited by "
	    "the dark pool: firming up %lld of the %lld indicated at the mid "
	    "(%.3f now)", (long long)q, (long long)iv->qty, mid * p->m->tick);
	p->sent_t[p->nsent++ % 64] = p->m->now;
	c->cond = 0;
	c->qty = c->filled + q;
	c->px = px;
	c->t = p->m->now;
	c->mid = mid > 0 ? mid : (double)p->m->last_px;
	if (book_best(p->m->book, BOOK_BID, &bp, &bq) == 0 &&
	    book_best(p->m->book, BOOK_ASK, &ap, &bq) == 0)
		c->half_spread = (double)(ap - bp) / 2.0;
	p->venue_working += q;
	p->dirty = 1;
	exec_child_event(x, p, c, "new", "dark conditional firmed up");
	return q;
}

/* What the requester knows of a request of qty shares now: the market's
 * own daily volume (its rate of the last half hour over 6.5 hours), the
 * mid's volatility over ten minutes, the spread, how far through the
 * block's window.  Nothing of the dealers' own habits. */
static void
route_dealer_req(const struct parent *p, int64_t qty, struct dealer_req *r)
{
	const struct market *m = p->m;
	double mid = market_mid(m), adv = market_volume_rate(m, 1) * 23400.0;
	int64_t bp, ap, q;

	memset(r, 0, sizeof *r);
	r->side = p->spec.side;
	r->size_pct = adv > 0 ? 100.0 * (double)qty / adv : 100;
	if (mid > 0) {
		r->vol_bps = market_sigma(m, 1) * sqrt(600.0) / mid * 1e4;
		if (book_best(m->book, BOOK_BID, &bp, &q) == 0 &&
		    book_best(m->book, BOOK_ASK, &ap, &q) == 0 && ap > bp)
			r->spread_bps = (double)(ap - bp) / mid * 1e4;
	}
	if (p->spec.end > p->spec.start)
		r->tod = (double)(m->now - p->spec.start) /
		    (double)(p->spec.end - p->spec.start);
}

static void
route_dealer_hist(const struct exec_mkt *mk, int n, char (*names)[8],
                  double (*h)[DEALER_NHIST])
{
	for (int d = 0; d < n && d < DEALER_MAX; d++) {
		snprintf(names[d], sizeof names[d], "%s",
		    venue_dealer_name(mk->m, d));
		dealer_hist_features(&mk->dh, d, h[d]);
	}
}

int
exec_need_dealer_model(struct exec *x, char *err, size_t errlen)
{
	char e[400];

	if (x->dealers != NULL)
		return 0;
	if ((x->dealers = calloc(1, sizeof *x->dealers)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (dealer_model_load(x->dealers, dealer_model_default_path(), e,
	    sizeof e) != 0) {
		free(x->dealers);
		x->dealers = NULL;
		/* Cut to fit: the model's own words come last. */
		if (snprintf(err, errlen, "dealers learned:K: no usable dealer "
		    "model: %s", e) >= (int)errlen && errlen > 4)
			memcpy(err + errlen - 4, "...", 4);
		return -1;
	}
	x->dealer_digest = dealer_model_digest(x->dealers);
	/* Which dealer model chooses, in the daemon's log: the digest its
	 * requests carry and a recovery is held to. */
	if (exec_emitting(x)) {
		char hex[MODEL_DIGEST_HEX];

		fprintf(stderr, "tranched: dealer model %s: digest %s\n",
		    dealer_model_default_path(), model_digest_hex(
		    x->dealer_digest, hex));
	}
	return 0;
}

int
exec_dealer_model_digest(struct exec *x, uint64_t *out, char *err,
                         size_t errlen)
{
	if (exec_need_dealer_model(x, err, errlen) != 0)
		return -1;
	*out = x->dealer_digest;
	return 0;
}

void
exec_set_dealer_sink(struct exec *x,
                     void (*fn)(void *arg, const struct dealer_obs *o),
                     void *arg)
{
	x->dealer_sink = fn;
	x->dealer_sink_arg = arg;
}

/*
 * The dealers to ask for qty shares of block p.  learned:K ranks the
 * dealers that are on by the dealer model's net benefit and says why in
 * why (which were asked with their p(competitive) and leakage estimates,
 * which were skipped and for what); the others leave why empty.
 */
static unsigned
route_dealers(struct exec *x, struct parent *p, int64_t qty, char *why,
              size_t whylen)
{
	int mode, k, n = venue_dealer_count(p->m);
	char err[120], names[DEALER_MAX][8];
	double h[DEALER_MAX][DEALER_NHIST];
	struct exec_mkt *mk = exec_mkt_of(x, p->m);
	struct dealer_req r;
	struct dealer_rank rk;
	unsigned mask;
	size_t at;

	why[0] = '\0';
	if (exec_dealers_parse(p->spec.dealers, n, &mode, &k, err,
	    sizeof err) != 0)
		return 0;
	if (mode != 3 || mk == NULL || exec_need_dealer_model(x, err,
	    sizeof err) != 0)
		return mode == 1 ? venue_dealers_random(p->m, k) : mode == 2 ?
		    venue_dealers_top(p->m, k) : venue_dealers_all(p->m);
	route_dealer_req(p, qty, &r);
	route_dealer_hist(mk, n, names, h);
	mask = dealer_choose(x->dealers, &r, n, (const char (*)[8])names,
	    (const double (*)[DEALER_NHIST])h, venue_dealers_all(p->m), k, &rk);
	/* "asked D2,D5: p(competitive) 0.81,0.77, leakage est 1.2,0.4 bps;
	 * skipped D4: leaks 6.1 bps, D6: p(competitive) 0.10". */
	at = (size_t)snprintf(why, whylen, "asked ");
	for (int i = 0; i < rk.n && i < k && at < whylen; i++)
		at += (size_t)snprintf(why + at, whylen - at, "%s%s", i ? "," : "",
		    venue_dealer_name(p->m, rk.idx[i]));
	for (int i = 0; i < rk.n && i < k && at < whylen; i++)
		at += (size_t)snprintf(why + at, whylen - at, "%s%.2f", i ? "," :
		    ": p(competitive) ", rk.p[i]);
	for (int i = 0; i < rk.n && i < k && at < whylen; i++)
		at += (size_t)snprintf(why + at, whylen - at, "%s%.1f", i ? "," :
		    ", leakage est ", rk.leak[i]);
	if (at < whylen)
		at += (size_t)snprintf(why + at, whylen - at, " bps");
	for (int i = k; i < rk.n && at < whylen; i++) {
		const char *nm = venue_dealer_name(p->m, rk.idx[i]);

		at += (size_t)snprintf(why + at, whylen - at, "%s%s: ", i == k ?
		    "; skipped " : ", ", nm);
		if (at >= whylen)
			break;
		if (rk.leak[i] > rk.p[i] * x->dealers->gain_bps)
			at += (size_t)snprintf(why + at, whylen - at, "leaks %.1f bps",
			    rk.leak[i]);
		else
			at += (size_t)snprintf(why + at, whylen - at,
			    "p(competitive) %.2f", rk.p[i]);
	}
	return mask;
}

/* A request just sent: kept until its leakage can be measured. */
static void
route_pend_add(struct exec *x, struct parent *p, const struct child *c,
               unsigned dealers)
{
	struct exec_mkt *mk = exec_mkt_of(x, p->m);
	struct exec_rfq_pend *pd = NULL;
	int n = venue_dealer_count(p->m);

	if (mk == NULL)
		return;
	for (int i = 0; i < EXEC_RFQ_PEND; i++)
		if (!mk->pend[i].live) {
			pd = &mk->pend[i];
			break;
		}
	if (pd == NULL)
		return;
	memset(pd, 0, sizeof *pd);
	pd->live = 1;
	pd->id = c->id;
	pd->block = p->id;
	pd->mid0 = c->mid;
	pd->o.t = p->m->now;
	pd->o.qty = c->qty;
	pd->o.winner = -1;
	pd->o.asked = dealers;
	pd->o.ndealers = n < DEALER_MAX ? n : DEALER_MAX;
	route_dealer_req(p, c->qty, &pd->o.req);
	route_dealer_hist(mk, pd->o.ndealers, pd->o.names, pd->o.h);
}

static struct parent *
route_block(struct exec *x, uint32_t id)
{
	for (size_t i = 0; i < x->nparents; i++)
		if (x->parents[i]->id == id)
			return x->parents[i];
	return NULL;
}

/*
 * Requests of market m sent ROUTE_MOVE_S or more before t: the mid's move
 * against us since is their leakage.  Each answered one teaches the
 * history, goes to the dealer sink and, with an emit callback, is an
 * "rfq-outcome" decision whose dealer_obs field is the training record a
 * journal keeps (tranched train-dealers --from-journal).
 */
static void
route_pend_finish(struct exec *x, const struct market *m, int64_t t)
{
	struct exec_mkt *mk = exec_mkt_of(x, m);
	double mid = market_mid(m);

	if (mk == NULL || !(mid > 0))
		return;
	for (int i = 0; i < EXEC_RFQ_PEND; i++) {
		struct exec_rfq_pend *pd = &mk->pend[i];
		struct parent *bp;
		double dir;

		if (!pd->live || t - pd->o.t < (int64_t)(ROUTE_MOVE_S * 1e9))
			continue;
		pd->live = 0;
		if (!pd->decided)
			continue;
		dir = pd->o.req.side == BOOK_BID ? 1 : -1;
		pd->o.move_bps = pd->mid0 > 0 ? dir * (mid - pd->mid0) / pd->mid0 *
		    1e4 : NAN;
		pd->o.move_t = t;
		dealer_hist_update(&mk->dh, &pd->o);
		if (x->dealer_sink != NULL)
			x->dealer_sink(x->dealer_sink_arg, &pd->o);
		if (x->e.emit != NULL && (bp = route_block(x, pd->block)) != NULL) {
			cJSON_Delete(x->dec_extra);
			x->dec_extra = cJSON_CreateObject();
			cJSON_AddItemToObject(x->dec_extra, "dealer_obs",
			    dealer_obs_to_json(&pd->o));
			exec_decision(x, bp, "rfq-outcome", pd->o.qty, 0, -1, pd->o.qty,
			    "rfq of %lld: %s; the mid moved %.1f bps against us in "
			    "the %.0f s after it", (long long)pd->o.qty,
			    pd->o.winner >= 0 ? venue_dealer_name(m, pd->o.winner) :
			    "none accepted", pd->o.move_bps,
			    (double)(t - pd->o.t) / 1e9);
		}
	}
}

/* 1 when the mid is within p's limit: a request for quotes then may be
 * answered within it.  (With the mid beyond it, dealers' quotes are too,
 * and each request was refused with a risk alert every rfq_every_s: 12
 * in a session, found by a review on 2026-12-07.) */
static int
route_mid_ok(const struct parent *p)
{
	return exec_px_ok(p, route_mid_px(p));
}

void
exec_route_post(struct exec *x, struct parent *p, int64_t t)
{
	double tick = p->m->tick;
	int64_t min = p->spec.dark_min > 0 ? p->spec.dark_min : ROUTE_DARK_MIN;

	route_pend_finish(x, p->m, t);
	if (p->state != PARENT_WORKING || t >= p->spec.end ||
	    !venue_present(p->m))
		return;
	if ((p->spec.venues & VENUE_BIT(VENUE_RFQ)) &&
	    venue_enabled(p->m, VENUE_RFQ) && route_mid_ok(p) &&
	    route_live(p, VENUE_RFQ) == NULL && (p->rfqs == 0 || t -
	    p->last_rfq >= (int64_t)(route_or(p->spec.rfq_every_s,
	    ROUTE_RFQ_EVERY_S) * 1e9))) {
		double rate = market_volume_rate(p->m, 1);
		double expect = rate * (double)(p->spec.end - t) / 1e9;
		int64_t left = p->spec.qty - p->filled;
		int64_t unworked = left - p->working - p->venue_working;
		double share = expect > 0 ? 100.0 * (double)left / expect : 0;
		struct child *dark = route_live(p, VENUE_DARK);

		/* An indication holds nothing the request could take. */
		if (dark != NULL && dark->cond)
			dark = NULL;
		if (share > route_or(p->spec.rfq_trigger, ROUTE_RFQ_TRIGGER)) {
			int64_t q = (int64_t)((double)(unworked + (dark != NULL ?
			    dark->qty - dark->filled : 0)) *
			    route_or(p->spec.rfq_pct, ROUTE_RFQ_PCT) / 100.0);
			int64_t room = exec_pov_room(x, p);
			unsigned dealers;
			char why[200];

			q = route_fit(p, q, room);
			/* The dark child gives way to the request: a dealer's
			 * fill is firm, the pool's only possible. */
			if (q > unworked && dark != NULL)
				exec_cancel_child(x, p, dark, "dark: gives way to an "
				    "RFQ");
			unworked = left - p->working - p->venue_working;
			if (q > unworked)
				q = unworked - unworked % (p->spec.lot > 1 ?
				    p->spec.lot : 1);
			if (q >= p->spec.lot && (dealers = route_dealers(x, p, q, why,
			    sizeof why)) != 0) {
				size_t nc = p->nchildren;

				/* The model's reason first: it is what a person
				 * wants to see, and the rest may be cut.  A
				 * choice the dealer model made names it: a
				 * recovery is held to it. */
				if (why[0] != '\0' && x->dealers != NULL &&
				    x->e.emit != NULL && (x->dec_extra != NULL ||
				    (x->dec_extra = cJSON_CreateObject()) != NULL)) {
					char hex[MODEL_DIGEST_HEX];

					cJSON_DeleteItemFromObjectCaseSensitive(
					    x->dec_extra, "dealer_model_digest");
					cJSON_AddStringToObject(x->dec_extra,
					    "dealer_model_digest", model_digest_hex(
					    x->dealer_digest, hex));
				}
				if (why[0] != '\0')
					exec_decision(x, p, "rfq", q, 0, STYLE_PASSIVE, q,
					    "%s; asking %d dealers for %lld: remainder %lld is "
					    "%.0f%% of the %.0f shares expected to trade by the "
					    "end", why, __builtin_popcount(dealers),
					    (long long)q, (long long)left, share, expect);
				else
					exec_decision(x, p, "rfq", q, 0, STYLE_PASSIVE, q,
					    "remainder %lld is %.0f%% of the %.0f shares "
					    "expected to trade by the end: asking %d dealers for "
					    "%lld", (long long)left, share, expect,
					    __builtin_popcount(dealers), (long long)q);
				p->rfqs++;
				p->last_rfq = t;
				route_send(x, p, VENUE_RFQ, q, 0, dealers, "rfq");
				if (p->nchildren > nc && p->children[nc].live)
					route_pend_add(x, p, &p->children[nc], dealers);
			}
		}
	}
	if ((p->spec.venues & VENUE_BIT(VENUE_DARK)) && p->state ==
	    PARENT_WORKING && venue_enabled(p->m, VENUE_DARK) &&
	    route_live(p, VENUE_DARK) == NULL && p->spec.dark_cond) {
		int64_t q = route_cond_target(p, NULL);

		if (q >= p->spec.lot && q >= (min < 100 ? min : 100)) {
			exec_decision(x, p, "dark-cond", q, 0, STYLE_PASSIVE, q,
			    "indicating %lld in the dark pool (conditional, minimum "
			    "execution %lld): firm only when invited, for what is "
			    "unworked then", (long long)q, (long long)min);
			route_send_cond(x, p, q, min);
		}
	} else if ((p->spec.venues & VENUE_BIT(VENUE_DARK)) && p->state ==
	    PARENT_WORKING && venue_enabled(p->m, VENUE_DARK) &&
	    route_live(p, VENUE_DARK) == NULL) {
		int64_t q = route_dark_target(x, p, NULL, NULL);

		if (q >= p->spec.lot && q >= (min < 100 ? min : 100)) {
			exec_decision(x, p, "dark", q, 0, STYLE_PASSIVE, q,
			    "resting %lld in the dark pool at the mid (%.3f now), "
			    "minimum execution %lld: %.0f%% of the %lld neither filled "
			    "nor working, to meet hidden blocks at the mid without "
			    "showing them or paying the spread", (long long)q,
			    market_mid(p->m) * tick, (long long)min,
			    route_or(p->spec.dark_pct, ROUTE_DARK_PCT),
			    (long long)(p->spec.qty - p->filled - p->working -
			    p->venue_working));
			route_send(x, p, VENUE_DARK, q, min, 0, "dark");
		}
	}
}

/*
 * A request of block p (child c) reached its deadline with the quotes in
 * r: the best one if it is within rfq_max_bps of the mid when asked and
 * inside the collar and the limit, else none.  A block no longer working
 * (paused, halted, finished) accepts nothing.
 */
int
exec_route_choose(struct exec *x, struct parent *p, struct child *c,
                  const struct venue_rfq *r)
{
	int dir = p->spec.side == BOOK_BID ? 1 : -1, best = -1;
	double tick = p->m->tick, cost = 0, lim = route_or(p->spec.rfq_max_bps,
	    ROUTE_RFQ_MAX_BPS), mid = market_mid(p->m);
	char why[200];

	struct exec_mkt *mk = exec_mkt_of(x, p->m);
	struct exec_rfq_pend *pd = NULL;

	/* A dealer a supervisor turned off since it quoted is sent nothing,
	 * an acceptance included. */
	for (int i = 0; i < r->nquotes; i++)
		if (venue_dealer_enabled(p->m, r->q[i].dealer) && (best < 0 ||
		    (double)dir * (double)(r->q[i].px - r->q[best].px) < 0))
			best = i;
	/* What came back is the dealer model's record of this request,
	 * whatever is accepted. */
	for (int i = 0; mk != NULL && i < EXEC_RFQ_PEND; i++)
		if (mk->pend[i].live && mk->pend[i].id == r->id)
			pd = &mk->pend[i];
	if (pd != NULL) {
		pd->decided = 1;
		for (int i = 0; i < r->nquotes; i++) {
			int d = r->q[i].dealer;

			if (d < 0 || d >= DEALER_MAX)
				continue;
			pd->o.quoted |= 1u << d;
			pd->o.quote_bps[d] = r->mid0 > 0 ? (double)dir *
			    ((double)r->q[i].px - r->mid0) / r->mid0 * 1e4 : 0;
		}
	}
	if (best >= 0)
		cost = (double)dir * ((double)r->q[best].px - r->mid0) / r->mid0 *
		    1e4;
	if (p->state != PARENT_WORKING)
		snprintf(why, sizeof why, "rfq: block %s, no quote accepted",
		    exec_state_name(p->state));
	else if (best < 0 && r->nquotes > 0)
		snprintf(why, sizeof why, "rfq: %d dealer(s) quoted, each turned "
		    "off by a supervisor since; no quote accepted", r->nquotes);
	else if (best < 0)
		snprintf(why, sizeof why, "rfq: no dealer quoted by the deadline "
		    "(%d asked)", __builtin_popcount(r->asked));
	else if (cost > lim)
		snprintf(why, sizeof why, "rfq: best quote %.2f from %s is %.1f bps "
		    "from the mid %.3f, over the %.1f bps allowed",
		    r->q[best].px * tick, venue_dealer_name(p->m,
		    r->q[best].dealer), cost, r->mid0 * tick, lim);
	else if (!exec_px_ok(p, r->q[best].px))
		snprintf(why, sizeof why, "rfq: best quote %.2f is through the "
		    "limit %.2f", r->q[best].px * tick, p->spec.limit_px * tick);
	else if (mid > 0 && fabs((double)r->q[best].px - mid) >
	    EXEC_COLLAR * mid)
		snprintf(why, sizeof why, "rfq: best quote %.2f is outside the "
		    "%.0f%% collar around the mid %.2f", r->q[best].px * tick,
		    EXEC_COLLAR * 100, mid * tick);
	else {
		exec_decision(x, p, "rfq-accept", r->qty, r->q[best].px,
		    STYLE_PASSIVE, r->qty, "accepting %s at %.2f (%.1f bps from "
		    "the mid when asked), best of %d quotes from %d dealers asked",
		    venue_dealer_name(p->m, r->q[best].dealer),
		    r->q[best].px * tick, cost, r->nquotes,
		    __builtin_popcount(r->asked));
		if (pd != NULL) {
			pd->o.winner = r->q[best].dealer;
			pd->o.filled = r->qty;
		}
		return best;
	}
	exec_decision(x, p, "rfq-reject", 0, 0, -1, r->qty, "%s", why);
	c->live = 0;
	p->venue_working -= c->qty - c->filled;
	p->dirty = 1;
	exec_child_event(x, p, c, "cancelled", why);
	return -1;
}

int
exec_venue_enable(struct exec *x, const char *venue, const char *dealer,
                  int on, int *cancelled, char *err, size_t errlen)
{
	int v = -1, n = 0, found = 0;

	if (cancelled != NULL)
		*cancelled = 0;
	if ((venue == NULL) == (dealer == NULL)) {
		snprintf(err, errlen, "venue or dealer: exactly one is needed");
		return -1;
	}
	if (venue != NULL) {
		for (int i = VENUE_DARK; i < VENUE_COUNT; i++)
			if (strcmp(venue, venue_name(i)) == 0)
				v = i;
		if (v < 0) {
			snprintf(err, errlen, "venue \"%.20s\": must be dark or rfq "
			    "(the lit book cannot be turned off)", venue);
			return -1;
		}
	}
	for (size_t i = 0; i < x->nmk; i++) {
		struct market *m = x->mk[i].m;
		int d = dealer != NULL ? venue_dealer_find(m, dealer) : -1;

		if (!venue_present(m) || (dealer != NULL && d < 0))
			continue;
		found = 1;
		if (dealer != NULL)
			venue_dealer_enable(m, d, on);
		else
			venue_enable(m, v, on);
	}
	if (!found) {
		snprintf(err, errlen, dealer != NULL ? "dealer \"%.20s\": no "
		    "market has a dealer of that name" : "venue \"%.20s\": no "
		    "market has one", dealer != NULL ? dealer : venue);
		return -1;
	}
	if (!on && v >= 0)
		for (size_t i = 0; i < x->nparents; i++) {
			struct parent *p = x->parents[i];

			for (size_t k = 0; k < p->nchildren; k++)
				if (p->children[k].live && p->children[k].venue == v) {
					exec_cancel_child(x, p, &p->children[k],
					    v == VENUE_DARK ? "the supervisor turned the "
					    "dark pool off" : "the supervisor turned RFQ off");
					n++;
				}
		}
	if (cancelled != NULL)
		*cancelled = n;
	return 0;
}
