/*
 * engine/exec/exec-tactic.c -- the tactic: how a block's schedule becomes
 * child orders.
 *
 * At each decision time a working block compares where it is with where
 * its scheduler says it should be:
 *
 *   1. children that no longer sit at the touch are cancelled (stale);
 *   2. if the block is behind the schedule by more than one slice, the gap
 *      is crossed at once with an immediate-or-cancel order at the touch;
 *   3. what the schedule wants done by the next decision, less what is
 *      filled and still working, is posted passively at the touch;
 *   4. no child is larger than what remains, or than the participation cap
 *      allows (our share of all printed volume since the start), and each
 *      is rounded to whole lots unless it is the last odd lot.
 *
 * A policy (algo_ops.decide) may choose the multiplier and the style
 * first; what it chooses is held under the same caps, limits and risk
 * checks.  Every decision is emitted with its reason in words, because the
 * person watching needs to know why the engine did what it did, not only
 * what.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/exec/exec-int.h"

int64_t
exec_round_lot(int64_t qty, int64_t lot, int64_t remaining)
{
	if (qty >= remaining)
		return remaining;
	if (qty <= 0)
		return 0;
	if (lot > 1)
		qty -= qty % lot;
	/* Never leave a remainder smaller than a lot behind. */
	if (remaining - qty > 0 && remaining - qty < lot)
		qty = remaining;
	return qty;
}

int
exec_child_add(struct parent *p, uint64_t id, int64_t px, int64_t qty,
               int style, int64_t t)
{
	if (p->nchildren == p->capchildren) {
		size_t n = p->capchildren ? p->capchildren * 2 : 64;
		struct child *v = realloc(p->children, n * sizeof *v);

		if (v == NULL)
			return -1;
		p->children = v;
		p->capchildren = n;
	}
	p->children[p->nchildren++] = (struct child){
		.id = id, .px = px, .qty = qty, .style = style, .live = 0, .t = t,
	};
	return 0;
}

void
exec_cancel_child(struct exec *x, struct parent *p, struct child *c,
                  const char *why)
{
	int64_t left = 0;

	if (!c->live)
		return;
	if (c->venue != VENUE_LIT) {
		/* A request withdrawn is all of it; a dark order what rests. */
		left = c->qty - c->filled;
		/* An indication was never in venue_working. */
		if (c->venue == VENUE_DARK && c->cond) {
			venue_cond_cancel(p->m, c->id, NULL);
			left = 0;
		} else if (c->venue == VENUE_DARK &&
		    venue_dark_cancel(p->m, c->id, &left) != 0)
			left = 0;
		else if (c->venue == VENUE_RFQ)
			venue_rfq_cancel(p->m, c->id);
		p->venue_working -= left;
		c->live = 0;
		p->dirty = 1;
		exec_child_event(x, p, c, "cancelled", why);
		return;
	}
	/* A failed cancel took nothing off the book, so left is 0 then.
	 * Subtracting it always is the same arithmetic as subtracting only
	 * on success, which GCC 12 at -O2 and -O3 took for a use of a
	 * dangling pointer to left (a local still in scope). */
	if (market_cancel(p->m, c->id, &left) != 0)
		left = 0;
	p->working -= left;
	c->live = 0;
	p->dirty = 1;
	exec_child_event(x, p, c, "cancelled", why);
}

void
exec_cancel_all(struct exec *x, struct parent *p, const char *why)
{
	for (size_t i = 0; i < p->nchildren; i++)
		exec_cancel_child(x, p, &p->children[i], why);
}

/* A block ends (DONE, CANCELLED or EXPIRED) and keeps the mid as its end
 * price, where unfilled shares are valued. */
void
exec_finish(struct exec *x, struct parent *p, int state)
{
	p->state = state;
	p->dirty = 1;
	double mid = market_mid(p->m);
	p->end_px = mid > 0 ? (int64_t)llround(mid) : p->m->last_px;
	/* The exact moment and mid, for a TCA that must not depend on when
	 * the block event happened to be published. */
	p->ended = p->m->now;
	p->end_mid = mid > 0 ? mid : (double)p->m->last_px;
	/* A finished block's participation is over its window: the volume
	 * traded after it ended is none of its business. */
	p->vol_end = p->m->volume;
	p->ourvol_end = p->m->our_volume;
}

/*
 * Send one child with time in force tif (BOOK_IOC or BOOK_GTC).  Returns
 * the shares it filled at once; a GTC child's rest counts as working.
 */
static int64_t
exec_send_tif(struct exec *x, struct parent *p, int64_t px, int64_t qty,
              int style, int tif, int manual, const char *why)
{
	int64_t filled = 0;
	uint64_t id;
	struct child *c;

	char err[200];
	double mid = market_mid(p->m);
	int64_t bp, ap, q;
	struct exec_mkt *mk;

	if (qty <= 0)
		return 0;
	if (exec_risk_check(x, p, px, qty, err, sizeof err) != 0) {
		p->refused++;
		/* One alert a minute is enough to say a limit is biting. */
		if (p->last_refusal_alert == 0 ||
		    p->m->now - p->last_refusal_alert >= 60 * 1000000000LL) {
			p->last_refusal_alert = p->m->now;
			exec_alert(x, p, "warn", "risk", "block %u child refused "
			    "(%s): %s", p->id, why, err);
		}
		return 0;
	}
	/* Register the child under the id market_submit() is about to give
	 * it, so fills reported during matching find their child. */
	id = p->m->next_our_id;
	if (exec_child_add(p, id, px, qty, style, p->m->now) != 0)
		return 0;
	c = &p->children[p->nchildren - 1];
	c->mid = mid > 0 ? mid : (double)p->m->last_px;
	if (book_best(p->m->book, BOOK_BID, &bp, &q) == 0 &&
	    book_best(p->m->book, BOOK_ASK, &ap, &q) == 0)
		c->half_spread = (double)(ap - bp) / 2.0;
	p->sent_t[p->nsent++ % 64] = p->m->now;
	if (market_submit(p->m, p->spec.side, px, qty, tif, &id, &filled) != 0) {
		c = &p->children[p->nchildren - 1];
		exec_child_event(x, p, c, "rejected", "refused by the book");
		return 0;
	}
	c = &p->children[p->nchildren - 1];
	c->manual = manual;
	/* What filled at once was our own aggression: the alert detector
	 * leaves it out of the market's flow and volume. */
	if (filled > 0 && (mk = exec_mkt_of(x, p->m)) != NULL) {
		if (p->spec.side == BOOK_BID) {
			mk->wourbuy += filled;
			mk->sourbuy += filled;
		} else {
			mk->woursell += filled;
			mk->soursell += filled;
		}
	}
	if (tif == BOOK_GTC && filled < qty) {
		c->live = 1;
		p->working += qty - filled;
	}
	exec_child_event(x, p, c, filled >= qty ? "filled" :
	    filled > 0 ? "partial" : "new", why);
	return filled;
}

/*
 * Send one child.  Returns the shares it filled at once.  A crossing child
 * is IOC; a passive one rests and counts as working.
 */
int64_t
exec_send(struct exec *x, struct parent *p, int64_t px, int64_t qty, int style,
          const char *why)
{
	return exec_send_tif(x, p, px, qty, style, style == STYLE_CROSS ?
	    BOOK_IOC : BOOK_GTC, 0, why);
}

/*
 * A trader's child.  A day order rests what does not fill at once even when
 * it crossed the spread: a person who sends 5,000 at a price means 5,000 at
 * that price until filled or cancelled, and an IOC would drop the rest with
 * no word.  An IOC order's rest is gone, and a cancelled event says so.
 */
int64_t
exec_send_manual(struct exec *x, struct parent *p, int64_t px, int64_t qty,
                 int style, int ioc)
{
	size_t n = p->nchildren;
	int64_t filled = exec_send_tif(x, p, px, qty, style, ioc ? BOOK_IOC :
	    BOOK_GTC, 1, "manual");

	if (ioc && p->nchildren > n && filled > 0 && filled < qty &&
	    p->children[n].filled < qty) {
		char why[96];

		snprintf(why, sizeof why, "IOC: the %lld shares not filled at "
		    "once are cancelled", (long long)(qty - filled));
		exec_child_event(x, p, &p->children[n], "cancelled", why);
	}
	return filled;
}

/*
 * What the AC schedule plans with when the market does not say (see
 * algo-ac.c): sigma from the realised variance of the mid seen so far, eta
 * and eps from crossing one TWAP slice against the book as it is now.
 */
static void
exec_estimate(struct exec *x, struct parent *p)
{
	const struct exec_mkt *mk = exec_mkt_of(x, p->m);
	struct book_level lv[64];
	int opp = p->spec.side == BOOK_BID ? BOOK_ASK : BOOK_BID, n;
	double tick = p->m->tick, mid = market_mid(p->m);
	double tau = (double)p->spec.interval / 60e9;
	int64_t slice = (int64_t)((long double)p->spec.qty * p->spec.interval /
	    (long double)(p->spec.end - p->spec.start)), left, cost = 0;

	if (mk != NULL && mk->var_t > mk->var_t0)
		p->est_sigma = sqrt((double)mk->var_sum / ((double)(mk->var_t -
		    mk->var_t0) / 60e9)) * tick;
	n = book_depth(p->m->book, opp, lv, 64);
	if (n <= 0 || mid <= 0 || slice <= 0)
		return;
	p->est_eps = fabs((double)lv[0].px - mid) * tick;
	left = slice;
	for (int i = 0; i < n && left > 0; i++) {
		int64_t q = lv[i].qty < left ? lv[i].qty : left;

		cost += q * (lv[i].px > lv[0].px ? lv[i].px - lv[0].px :
		    lv[0].px - lv[i].px);
		left -= q;
		/* Beyond the visible book, price the rest at the last level. */
		if (i == n - 1 && left > 0)
			cost += left * (lv[i].px > lv[0].px ? lv[i].px - lv[0].px :
			    lv[0].px - lv[i].px);
	}
	p->est_eta = (double)cost / (double)slice * tick * tau / (double)slice;
}

void
exec_start(struct exec *x, struct parent *p)
{
	double mid = market_mid(p->m);

	p->arrival = mid > 0 ? mid : (double)p->m->last_px;
	p->vol0 = p->m->volume;
	p->ourvol0 = p->m->our_volume;
	exec_pov_restart(p);
	p->mkt_t = p->m->now;
	exec_estimate(x, p);
	if (p->algo->start != NULL)
		p->algo->start(p, p->m);
	p->state = PARENT_WORKING;
	p->dirty = 1;
	exec_alert(x, p, "info", "start", "block %u started: %s %lld %s with %s, "
	    "arrival %.2f", p->id, exec_side_name(p->spec.side),
	    (long long)p->spec.qty, p->spec.sym, p->algo->name,
	    p->arrival * p->m->tick);
}

/* The far touch (where a crossing child trades) and the near touch (where a
 * passive child joins the queue). */
int
exec_touches(const struct exec *x, const struct parent *p, int64_t *far,
             int64_t *near)
{
	int64_t q;
	int opp = p->spec.side == BOOK_BID ? BOOK_ASK : BOOK_BID;

	if (book_best(p->m->book, opp, far, &q) != 0)
		return -1;
	if (book_best(p->m->book, p->spec.side, near, &q) != 0)
		*near = p->spec.side == BOOK_BID ? *far - 1 : *far + 1;
	return 0;
}

/*
 * The price a crossing child of qty needs to fill in full against the book
 * as it stands: the far touch, or as many levels past it as the visible
 * depth says (at most 64).  The limit and the collar still apply: the
 * caller checks the price, exec_send() the collar.
 */
static int64_t
exec_sweep_px(const struct exec *x, const struct parent *p, int64_t far,
              int64_t qty)
{
	struct book_level lv[64];
	int opp = p->spec.side == BOOK_BID ? BOOK_ASK : BOOK_BID;
	int n = book_depth(p->m->book, opp, lv, 64);
	int64_t px = far, got = 0;

	for (int i = 0; i < n && got < qty; i++) {
		px = lv[i].px;
		got += lv[i].qty;
	}
	if (p->spec.limit_px != 0 && (p->spec.side == BOOK_BID ?
	    px > p->spec.limit_px : px < p->spec.limit_px))
		px = p->spec.limit_px;
	return px;
}

/* The style the tactic uses now: a forced one while it lasts, else
 * neutral; never above the cap. */
int
exec_mode(const struct exec *x, const struct parent *p)
{
	int mode = AGGR_NEUTRAL;

	if (p->algo->aggression > 0)
		mode = p->algo->aggression - 1;
	else if (p->spec.aggression > 0)
		mode = p->spec.aggression - 1;
	if (exec_forced(p) >= 0)
		mode = p->force_style;
	return mode < p->aggr_cap ? mode : p->aggr_cap;
}

int
exec_mode_of(const struct exec *x, const struct parent *p)
{
	return exec_mode(x, p);
}

/*
 * Whether the end of the window may cross what is left: not for a passive
 * block, unless being passive is its algorithm's own way and the algorithm
 * finishes (twap-patient); a person's forced passive style or aggression
 * cap still keeps it from crossing.
 */
static int
exec_end_crosses(const struct exec *x, const struct parent *p)
{
	if (exec_mode(x, p) != AGGR_PASSIVE)
		return 1;
	if (!p->algo->finish || p->aggr_cap == AGGR_PASSIVE)
		return 0;
	return exec_forced(p) != AGGR_PASSIVE;
}

/*
 * The window has ended.  A working block cancels what rests and, with its
 * at_end setting "cross" (cleanup), crosses what is left; with "leave" it
 * leaves it.  A block a person stopped -- paused, or halted by the kill
 * switch -- never crosses, whatever the setting: sweeping the rest into the
 * book at the end (or on a later resume or release) is the one thing that
 * person did not ask for.  A block that ends with shares unfilled is
 * EXPIRED, never DONE, and the alert says how many are left and why.
 */
void
exec_end_of_window(struct exec *x, struct parent *p, const char *stopped)
{
	int64_t remaining, far, near, filled;
	int children = 0;
	char capped[96] = "";

	exec_cancel_all(x, p, "end of window");
	remaining = p->spec.qty - p->filled;
	if (stopped != NULL) {
		exec_finish(x, p, remaining > 0 ? PARENT_EXPIRED : PARENT_DONE);
		if (remaining > 0)
			exec_alert(x, p, "warn", "unfilled", "block %u window ended "
			    "while %s: %lld of %lld shares unfilled (EXPIRED "
			    "%.0f%%), nothing crossed because it was %s", p->id,
			    stopped, (long long)remaining, (long long)p->spec.qty,
			    floor(100.0 * (double)p->filled /
			    (double)p->spec.qty), stopped);
		return;
	}
	if (remaining > 0 && p->spec.cleanup && exec_end_crosses(x, p) &&
	    exec_touches(x, p, &far, &near) == 0) {
		/* Sweep up to 1% through the touch for what is left, in
		 * children no larger than the maximum child: one child of the
		 * whole rest would only be refused by the risk check.  Stop
		 * when a child fills nothing (the book is empty within the
		 * collar, or a limit refused it), and after
		 * EXEC_CLEANUP_CHILDREN children: a tiny maximum child (one
		 * share, against a million left) made a million children in
		 * one simulated instant, the loop stalled for seconds and the
		 * journal grew by tens of megabytes (found by a probe). */
		do {
			int64_t collar = (int64_t)ceil((double)far * 0.01);
			int64_t px = p->spec.side == BOOK_BID ? far + collar :
			    far - collar, qty = remaining;

			if (p->spec.limit_px != 0 && !exec_px_ok(p, px))
				px = p->spec.limit_px;
			const char *by = "maximum child";
			int64_t wroom = exec_win_room(p);

			if (p->max_child > 0 && qty > p->max_child) {
				qty = exec_round_lot(p->max_child, p->spec.lot,
				    remaining);
				if (qty <= 0 || qty > p->max_child)
					qty = p->max_child;
			}
			/* The block's window limit binds the sweep too: what
			 * it allows crosses, the rest is left (the sweep went
			 * through it unchecked: found by a review). */
			if (qty > wroom) {
				qty = wroom;
				by = "the block's window limit, win_pov";
				snprintf(capped, sizeof capped, ": the block's "
				    "window limit (win_pov %.1f%%) holds the rest",
				    p->spec.win_pov);
				if (qty <= 0)
					break;
			}
			if (qty == remaining)
				exec_decision(x, p, "cleanup", qty, px, STYLE_CROSS,
				    p->spec.qty, "end of window: crossing the %lld "
				    "shares left, at most %.2f", (long long)qty,
				    px * p->m->tick);
			else
				exec_decision(x, p, "cleanup", qty, px, STYLE_CROSS,
				    p->spec.qty, "end of window: crossing %lld of the "
				    "%lld shares left (%s), at most %.2f",
				    (long long)qty, (long long)remaining, by,
				    px * p->m->tick);
			filled = exec_send(x, p, px, qty, STYLE_CROSS, "cleanup");
			remaining -= filled;
		} while (p->max_child > 0 && remaining > 0 && filled > 0 &&
		    ++children < EXEC_CLEANUP_CHILDREN &&
		    p->state == PARENT_WORKING &&
		    exec_touches(x, p, &far, &near) == 0);
	}
	if (children >= EXEC_CLEANUP_CHILDREN && capped[0] == '\0')
		snprintf(capped, sizeof capped, ": the sweep stops after %d "
		    "children of the maximum child (%lld shares)",
		    EXEC_CLEANUP_CHILDREN, (long long)p->max_child);
	if (p->state == PARENT_WORKING)
		exec_finish(x, p, remaining > 0 ? PARENT_EXPIRED : PARENT_DONE);
	if (remaining > 0)
		exec_alert(x, p, "warn", "unfilled", "block %u window ended with "
		    "%lld of %lld shares unfilled%s; EXPIRED %.0f%% filled", p->id,
		    (long long)remaining, (long long)p->spec.qty,
		    !p->spec.cleanup ? ": the end-of-window setting is leave" :
		    !exec_end_crosses(x, p) ? ": nothing crossed, the "
		    "aggression is passive" : capped,
		    floor(100.0 * (double)p->filled / (double)p->spec.qty));
}

/* A cap that cut what a decision was due: which cap, and what was due. */
struct exec_cut {
	const char *by;      /* "participation", "max_child"; NULL: none */
	int64_t due;
};

/* want, no more than what is left to send (left: the rest of the block
 * less what works already), under the participation room and the maximum
 * child; *cut says which cap bit (the last) and what was due before the
 * caps -- never more than left, so the shares already working are not
 * blamed on a cap. */
static int64_t
exec_cap(const struct parent *p, int64_t want, int64_t room, int64_t left,
         struct exec_cut *cut)
{
	if (want > left)
		want = left;
	cut->by = NULL;
	cut->due = want;
	if (want > room) {
		want = room;
		int by = exec_room_by(p, room);

		cut->by = by == EXEC_ROOM_DESK ? "desk" : by == EXEC_ROOM_WINDOW ?
		    "window" : "participation";
	}
	if (p->max_child > 0 && want > p->max_child) {
		want = p->max_child;
		cut->by = "max_child";
	}
	return want;
}

/*
 * What a cap held back, said beside what is sent -- "; 700 of the 20799
 * due: the participation cap holds the rest" into buf (empty when nothing
 * was cut) -- and as the decision's "held" ({"by", "due"}), which a reader
 * whose line is too short for the whole reason still has.  A re-plan's
 * "+N now" is the plan's; this says what of it the child is.
 */
static const char *
exec_cut_note(struct exec *x, const struct exec_cut *cut, int64_t qty,
              char *buf, size_t n)
{
	cJSON *h;

	buf[0] = '\0';
	if (cut->by == NULL || qty <= 0 || qty >= cut->due)
		return buf;
	snprintf(buf, n, "; %lld of the %lld due: %s holds the rest",
	    (long long)qty, (long long)cut->due, strcmp(cut->by,
	    "participation") == 0 ? "the participation cap" : strcmp(cut->by,
	    "desk") == 0 ? "the desk's limit on the symbol" : strcmp(cut->by,
	    "window") == 0 ? "the block's window limit (win_pov)" :
	    "the maximum child");
	if (x->e.emit == NULL || (x->dec_extra == NULL &&
	    (x->dec_extra = cJSON_CreateObject()) == NULL))
		return buf;
	cJSON_DeleteItemFromObjectCaseSensitive(x->dec_extra, "held");
	if ((h = cJSON_AddObjectToObject(x->dec_extra, "held")) != NULL) {
		cJSON_AddStringToObject(h, "by", cut->by);
		cJSON_AddNumberToObject(h, "due", (double)cut->due);
	}
	return buf;
}

/*
 * A policy's explicit style: post at the touch or inside the spread, or
 * cross, mult times what the schedule wants done by the next decision and
 * is neither filled nor working.  No catch-up crossing here: when to cross
 * is what the policy chose.  The participation cap, the maximum child, the
 * limit and the trader's aggression cap still hold (a capped cross becomes
 * a passive post).
 */
static void
exec_decide_policy(struct exec *x, struct parent *p, int64_t t, int64_t far,
                   int64_t near, double mult, int style)
{
	int64_t remaining = p->spec.qty - p->filled - p->venue_working, sched,
	    next, room, want, qty;
	int64_t post = near;
	double tick = p->m->tick;
	struct exec_cut cap;
	char cut[128];
	/* A person's cap of passive turns a policy's cross into a post, and
	 * the decision says so (it said "crossing" and posted: found by a
	 * review). */
	int capped = style == STYLE_CROSS && p->aggr_cap == AGGR_PASSIVE;

	if (capped)
		style = STYLE_PASSIVE;
	if (style == STYLE_INSIDE) {
		int64_t in = p->spec.side == BOOK_BID ? far - 1 : far + 1;

		if (p->spec.side == BOOK_BID ? in > near : in < near)
			post = in;
		else
			style = STYLE_PASSIVE;
	}
	for (size_t i = 0; i < p->nchildren; i++) {
		struct child *c = &p->children[i];

		/* The router keeps its dark and RFQ children itself. */
		if (c->live && !c->manual && c->venue == VENUE_LIT &&
		    (style == STYLE_CROSS ||
		    c->px != post))
			exec_cancel_child(x, p, c, style == STYLE_CROSS ?
			    "policy crosses instead" : "stale: the touch moved");
	}
	sched = exec_target(p, t);
	next = exec_target(p, t + p->spec.interval);
	room = exec_pov_room(x, p);
	want = next - p->filled - p->working;
	want = want > 0 ? (int64_t)llround(mult * (double)want) : 0;
	want = exec_cap(p, want, room, remaining - p->working, &cap);
	qty = exec_round_lot(want, p->spec.lot, remaining - p->working);
	if (qty <= 0) {
		char why[200];

		/* A cap that leaves less than a lot holds it too. */
		if (room <= 0 || (cap.by != NULL && cap.due > 0 &&
		    strcmp(cap.by, "max_child") != 0))
			snprintf(why, sizeof why, "%s reached (%lld due)",
			    exec_room_why(x, p, room, cut, sizeof cut),
			    (long long)cap.due);
		else
			snprintf(why, sizeof why, "nothing to add");
		exec_decision(x, p, "hold", 0, 0, -1, sched, "%s: %lld filled, "
		    "%lld working, schedule %lld", why, (long long)p->filled,
		    (long long)p->working, (long long)sched);
		return;
	}
	if (style == STYLE_CROSS) {
		int64_t px;

		if (!exec_px_ok(p, far)) {
			exec_decision(x, p, "hold", 0, 0, -1, sched, "far touch %.2f "
			    "is through the limit %.2f", far * tick,
			    p->spec.limit_px * tick);
			return;
		}
		px = exec_sweep_px(x, p, far, qty);
		exec_decision(x, p, "cross", qty, px, STYLE_CROSS, sched,
		    "crossing %lld shares, at most %.2f%s", (long long)qty,
		    px * tick, exec_cut_note(x, &cap, qty, cut, sizeof cut));
		exec_send(x, p, px, qty, STYLE_CROSS, "policy");
		return;
	}
	if (!exec_px_ok(p, post)) {
		exec_decision(x, p, "hold", 0, 0, -1, sched, "touch %.2f is "
		    "through the limit %.2f", post * tick, p->spec.limit_px * tick);
		return;
	}
	exec_decision(x, p, "post", qty, post, style, sched, "%s%s %lld %s %.2f "
	    "(schedule %lld by the next decision)%s", capped ? "aggression is "
	    "capped at passive, so not crossing: " : "",
	    p->spec.side == BOOK_BID ? "bid" : "offer", (long long)qty,
	    style == STYLE_INSIDE ? "inside the spread at" : "at the touch",
	    post * tick, (long long)next, exec_cut_note(x, &cap, qty, cut,
	    sizeof cut));
	exec_send(x, p, post, qty, style, "policy");
}

/*
 * The re-plan an algorithm's action asks for (struct algo_action): applied
 * before the tactic looks at the schedule, so this very decision works the
 * new plan.  Published decisions carry the plan as "plan": the urgency over
 * the time left, the lump, and the shares the plan counts from; and what
 * changed, before -> after, in the reason and as "plan_before" and
 * "plan_after" (exec_plan_describe).
 */
static void
exec_decide_replan(struct exec *x, struct parent *p, int64_t t,
                   const struct algo_action *a)
{
	char err[200];
	double kappa = a->urgency == EXEC_PLAN_OWN ? EXEC_PLAN_OWN :
	    a->urgency / (double)(p->spec.end - t);
	struct exec_plan before = p->plan;

	if (exec_replan(p, t, kappa, a->lump, a->lump_ns, err, sizeof err) != 0) {
		size_t n = strlen(x->dec_note);

		snprintf(x->dec_note + n, sizeof x->dec_note - n, "%sno re-plan: "
		    "%s", n > 0 ? "; " : "", err);
		return;
	}
	if (x->e.emit == NULL)
		return;
	cJSON *o = cJSON_CreateObject();

	exec_plan_describe(p, &before, t, x->dec_plan, sizeof x->dec_plan,
	    &x->dec_extra);
	cJSON_AddNumberToObject(o, "from", (double)p->plan.from);
	cJSON_AddNumberToObject(o, "lump", (double)p->plan.lump);
	if (p->plan.own)
		cJSON_AddStringToObject(o, "shape", "own");
	else
		cJSON_AddNumberToObject(o, "urgency", p->plan.kappa *
		    (double)(p->spec.end - t));
	cJSON_DeleteItemFromObjectCaseSensitive(x->dec_extra, "plan");
	cJSON_AddItemToObject(x->dec_extra, "plan", o);
}

/*
 * The catch-up of block p: the block's own catchup and catchup_max, else
 * its algorithm's band where that holds (catchup_book: not where nothing
 * posted fills), else a slice behind and the whole gap (*rate 0).
 */
static void
exec_catchup(const struct parent *p, double *tol, double *rate)
{
	struct ac_params ac;
	int band = !p->algo->catchup_book || market_ac_get(p->m, &ac) != 0;

	*tol = p->spec.catchup > 0 ? p->spec.catchup :
	    band && p->algo->catchup > 0 ? p->algo->catchup : 1.0;
	*rate = p->spec.catchup_max > 0 ? p->spec.catchup_max :
	    band ? p->algo->catchup_max : 0;
}

void
exec_decide(struct exec *x, struct parent *p, int64_t t)
{
	/* What rests in the dark pool or is asked of dealers is not the lit
	 * book's to trade (exec-route.c). */
	int64_t remaining = p->spec.qty - p->filled - p->venue_working, far,
	    near, sched, next, slice, behind, room, want, qty, crossed = 0;
	double tick = p->m->tick;
	double mult = 1;  /* a policy's multiplier of the slice */
	double tol, rate; /* the catch-up: slices behind, slices a decision */
	int64_t post;
	struct exec_cut cap;
	char cut[128];

	p->mkt_vol = (p->m->volume - p->vol0) - (p->m->our_volume - p->ourvol0);
	p->mkt_t = t;
	p->win_t[p->nwin % 256] = t;
	p->win_vol[p->nwin % 256] = p->m->volume;
	p->win_our[p->nwin % 256] = p->m->our_volume;
	p->nwin++;
	exec_desk_sample(x, p->m, t);
	if (exec_touches(x, p, &far, &near) != 0) {
		exec_decision(x, p, "wait", 0, 0, -1, exec_target(p, t),
		    "no %s side in the book: nothing to trade against",
		    p->spec.side == BOOK_BID ? "ask" : "bid");
		return;
	}
	/* A policy chooses first, unless a trader forces a style. */
	int forced = exec_forced(p) >= 0;
	int live_style = !forced || p->force_style == AGGR_NEUTRAL ? -1 :
	    p->force_style == AGGR_PASSIVE ? STYLE_PASSIVE : STYLE_CROSS;

	/* The plan before a policy re-plans: a shadow chooses from it, as
	 * the live policy did (it added its offset to the live re-plan's
	 * urgency, and counted the same choice a disagreement: found by a
	 * review). */
	struct exec_plan before = p->plan;

	if (p->algo->decide != NULL && !forced) {
		struct algo_action act = { .mult = 1, .style = -1 };

		if (p->algo->decide(x, p, t, &act) == 0) {
			snprintf(x->dec_note, sizeof x->dec_note, "%s", act.note);
			cJSON_Delete(x->dec_extra);
			x->dec_extra = act.detail;
			if (act.replan)
				exec_decide_replan(x, p, t, &act);
			mult = act.mult >= 0 && act.mult <= 10 ? act.mult : 1;
			if (act.style >= STYLE_PASSIVE && act.style <= STYLE_CROSS) {
				if (x->shadow_ops != NULL)
					x->shadow_ops->shadow(x, p, x->shadow, t, mult,
					    act.style, &before, &x->dec_extra);
				exec_decide_policy(x, p, t, far, near, mult, act.style);
				return;
			}
		} else
			cJSON_Delete(act.detail);
	}
	if (x->shadow_ops != NULL)
		x->shadow_ops->shadow(x, p, x->shadow, t, mult, live_style,
		    &before, &x->dec_extra);
	/* Where a passive child goes: the near touch, or with inside one
	 * tick off the far touch when the spread leaves room. */
	post = near;
	if (p->spec.inside) {
		int64_t in = p->spec.side == BOOK_BID ? far - 1 : far + 1;

		if (p->spec.side == BOOK_BID ? in > near : in < near)
			post = in;
	}
	/* 1. Stale children: no longer where the tactic would post (the touch
	 * moved, or the market moved away). */
	for (size_t i = 0; i < p->nchildren; i++) {
		struct child *c = &p->children[i];

		if (c->live && !c->manual && c->venue == VENUE_LIT &&
		    c->px != post)
			exec_cancel_child(x, p, c, "stale: the touch moved");
	}
	sched = exec_target(p, t);
	next = exec_target(p, t + p->spec.interval);
	slice = next - sched;
	if (slice < p->spec.lot)
		slice = p->spec.lot;
	behind = sched - p->filled;
	room = exec_pov_room(x, p);
	if (room <= 0) {
		exec_decision(x, p, "hold", 0, 0, -1, sched, "%s reached: "
		    "waiting for the market to trade",
		    exec_room_why(x, p, room, cut, sizeof cut));
		return;
	}
	int mode = exec_mode(x, p);

	if (mode == AGGR_AGGRESSIVE) {
		/* Take the whole next slice now. */
		int64_t take = next - p->filled - p->working;

		if (mult != 1 && take > 0)
			take = (int64_t)llround(mult * (double)take);

		if (take < behind)
			take = behind;
		take = exec_cap(p, take, room, remaining - p->working, &cap);
		qty = exec_round_lot(take, p->spec.lot, remaining - p->working);
		if (qty > 0 && exec_px_ok(p, far)) {
			int64_t px = exec_sweep_px(x, p, far, qty);

			exec_decision(x, p, "cross", qty, px, STYLE_CROSS, sched,
			    "aggressive: taking the next slice, %lld shares, at most "
			    "%.2f%s", (long long)qty, px * tick, exec_cut_note(x,
			    &cap, qty, cut, sizeof cut));
			exec_send(x, p, px, qty, STYLE_CROSS, "aggressive");
			return;
		}
	}
	/* 2. Catch up by crossing when more than tol slices behind: the whole
	 * gap, or at most rate slices of it at a decision (twap-band), so that
	 * a block far behind crosses into a book that refills between its
	 * children instead of sweeping it at once. */
	exec_catchup(p, &tol, &rate);
	if (mode >= AGGR_NEUTRAL && (double)behind > tol * (double)slice &&
	    exec_px_ok(p, far)) {
		int64_t gap = behind;

		/* At least a lot: a part of a slice smaller than one would
		 * round to nothing and never catch up (a 100-share slice at
		 * half a slice).  The epsilon keeps 0.1 x 7000 at 700. */
		if (rate > 0 && (double)gap > rate * (double)slice) {
			gap = (int64_t)ceil(rate * (double)slice - 1e-9);
			if (gap < p->spec.lot)
				gap = p->spec.lot < behind ? p->spec.lot : behind;
		}
		qty = exec_cap(p, gap, room, remaining - p->working, &cap);
		qty = exec_round_lot(qty, p->spec.lot, remaining - p->working);
		if (qty > 0) {
			int64_t px = exec_sweep_px(x, p, far, qty);
			char by[64] = "";

			if (gap < behind)
				snprintf(by, sizeof by, "; a catch-up crosses at "
				    "most %g slice%s a decision", rate, rate == 1 ?
				    "" : "s");
			exec_decision(x, p, "cross", qty, px, STYLE_CROSS, sched,
			    "behind schedule by %lld shares (%.1f slices): crossing "
			    "%lld at most %.2f%s%s", (long long)behind,
			    (double)behind / slice, (long long)qty, px * tick, by,
			    exec_cut_note(x, &cap, qty, cut, sizeof cut));
			crossed = exec_send(x, p, px, qty, STYLE_CROSS, "catch-up");
			room -= crossed;
			remaining -= crossed;
			if (remaining <= 0 || p->state != PARENT_WORKING)
				return;
		}
	}
	/* 3. Post the next slice passively. */
	want = next - p->filled - p->working;
	if (mult != 1 && want > 0)
		want = (int64_t)llround(mult * (double)want);
	want = exec_cap(p, want, room, remaining - p->working, &cap);
	qty = exec_round_lot(want, p->spec.lot, remaining - p->working);
	if (qty <= 0) {
		/* Not "on schedule" when a cap left less than a lot of what
		 * was due: the trader must see what holds the block. */
		if (crossed == 0 && cap.by != NULL && cap.due > 0 &&
		    strcmp(cap.by, "max_child") != 0)
			exec_decision(x, p, "hold", 0, 0, -1, sched, "%s reached: "
			    "%lld due, %lld filled, %lld working, schedule %lld",
			    exec_room_why(x, p, room, cut, sizeof cut),
			    (long long)cap.due, (long long)p->filled,
			    (long long)p->working, (long long)sched);
		else if (crossed == 0)
			exec_decision(x, p, "hold", 0, 0, -1, sched, "on schedule: "
			    "%lld filled, %lld working, schedule %lld",
			    (long long)p->filled, (long long)p->working,
			    (long long)sched);
		return;
	}
	if (!exec_px_ok(p, post)) {
		exec_decision(x, p, "hold", 0, 0, -1, sched, "touch %.2f is "
		    "through the limit %.2f", post * tick, p->spec.limit_px * tick);
		return;
	}
	exec_decision(x, p, "post", qty, post, post != near ? STYLE_INSIDE :
	    STYLE_PASSIVE, sched,
	    "%s %lld %s %.2f for the next slice (schedule %lld by "
	    "then)%s", p->spec.side == BOOK_BID ? "bid" : "offer",
	    (long long)qty, post != near ? "inside the spread at" : "at the touch",
	    post * tick, (long long)next, exec_cut_note(x, &cap, qty, cut,
	    sizeof cut));
	exec_send(x, p, post, qty, post != near ? STYLE_INSIDE : STYLE_PASSIVE,
	    "slice");
}
