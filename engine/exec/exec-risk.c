/*
 * engine/exec/exec-risk.c -- the checks every child passes before it
 * reaches the market, whoever sent it (the tactic, a policy or a trader):
 * quantity within what remains and the maximum child, price inside the
 * fat-finger collar and not through the limit, the child rate, and
 * participation over a rolling window; and the room the participation cap
 * leaves the tactic, with the preview of what a new cap would lead to.
 *
 * The cap counts from the moment it was set (the block's start, or the
 * last throttle): a person who throttles to X% means "from now on, at most
 * X% of what the market trades", not "until the average since the open
 * comes down to X%", which after trading fast halts a block for as long as
 * it takes the market to dilute what it already did.  For the same reason
 * it counts again from a resume, a kill switch's release or the journal's
 * return: what the market traded while the block was stopped is not room
 * it may make up at once (a block throttled to 12%, paused for half an
 * hour and resumed, crossed 29,000 shares and took 55% of the next five
 * minutes).  A desk that pauses a block means to lose that time.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "engine/exec/exec-int.h"
#include "engine/market/venue.h"

/* Shares the block's own participation cap still allows (INT64_MAX when
 * uncapped): our share of all volume printed since the cap was set or the
 * block was last resumed, counting what is working as if it filled. */
static int64_t
exec_block_room(const struct parent *p)
{
	double rate = p->spec.max_pov / 100.0;
	int64_t others;

	if (rate >= 1.0)
		return INT64_MAX;
	others = (p->m->volume - p->cap_vol0) - (p->m->our_volume - p->cap_our0);
	return (int64_t)floor(rate / (1.0 - rate) * (double)others) -
	    (p->filled - p->cap_filled0) - p->working - p->venue_working;
}

/* The block's window limit (win_pov over win_s): what printed and what
 * was ours since the window began, what is working counted as ours and
 * printed.  The window begins at the newest of the block's samples (one a
 * decision) at least win_s old, or at the oldest while none is that old,
 * as the desk's does: from the oldest sample inside it, a win_s shorter
 * than the decisions' interval held only the decision's own sample, read
 * no volume and never let the block trade, and at the window's end none
 * was inside it and the clean-up swept unchecked (found by a review).
 * 0, or -1 when the block has no such limit or no sample yet. */
static int
exec_win_window(const struct parent *p, int64_t *all, int64_t *ours)
{
	int64_t win = (int64_t)((p->spec.win_s > 0 ? p->spec.win_s : 300) *
	    1e9), vol0 = -1, our0 = 0;
	unsigned have = p->nwin < 256 ? p->nwin : 256;

	if (!(p->spec.win_pov > 0 && p->spec.win_pov < 100) || p->nwin == 0)
		return -1;
	for (unsigned i = 0; i < have; i++) {
		unsigned k = (p->nwin - 1 - i) % 256;

		vol0 = p->win_vol[k];
		our0 = p->win_our[k];
		if (p->win_t[k] <= p->m->now - win)
			break;
	}
	*ours = p->m->our_volume - our0 + p->working;
	*all = p->m->volume - vol0 + p->working;
	return 0;
}

/* Shares the block's window limit still allows (INT64_MAX when it has
 * none): ours + q <= rate x (all + q).  The tactic sizes its children
 * within it, as within the other caps: sized without it, every child was
 * refused whole, and a block behind asked for more each time (150,000
 * shares at 25% over 300 s filled 1,600 in three hours: found by an
 * adversarial review). */
int64_t
exec_win_room(const struct parent *p)
{
	double rate = p->spec.win_pov / 100.0;
	int64_t all, ours, q;

	if (exec_win_window(p, &all, &ours) != 0)
		return INT64_MAX;
	q = (int64_t)floor((rate * (double)all - (double)ours) / (1.0 - rate));
	return q > 0 ? q : 0;
}

int
exec_set_desk_pov(struct exec *x, double pct, double secs, char *err,
                  size_t errlen)
{
	if (!(pct > 0 && pct <= 100)) {
		snprintf(err, errlen, "limits.symbol_pov %g: must be > 0 and "
		    "<= 100", pct);
		return -1;
	}
	if (!(secs >= 1 && secs <= 86400)) {
		snprintf(err, errlen, "limits.symbol_pov_s %g: must be 1 to "
		    "86400", secs);
		return -1;
	}
	x->desk_pov = pct;
	x->desk_pov_s = secs;
	return 0;
}

void
exec_desk_sample(struct exec *x, const struct market *m, int64_t t)
{
	struct exec_mkt *mk;
	int64_t gap = (int64_t)(x->desk_pov_s * 1e6); /* a thousandth */
	unsigned k;

	if (x->desk_pov >= 100 || (mk = exec_mkt_of(x, m)) == NULL)
		return;
	if (gap < 1000000000LL)
		gap = 1000000000LL;
	if (mk->ndv > 0 &&
	    t - mk->dv_t[(mk->ndv - 1) % EXEC_DESK_RING] < gap)
		return;
	k = mk->ndv++ % EXEC_DESK_RING;
	mk->dv_t[k] = t;
	mk->dv_vol[k] = m->volume;
	mk->dv_our[k] = m->our_volume;
	mk->dv_ven[k] = mk->our_venue;
}

/*
 * The desk's limit on m: what printed and what was ours since the window
 * began, every block's working children (lit, dark and with dealers)
 * counted as ours and printed.  The window begins at the newest sample at
 * least symbol_pov_s old (samples are taken at every print, fill and
 * decision, no closer than a thousandth of the window, so it is the
 * window to within that), or at the oldest when the session is younger;
 * with no sample yet, nothing has printed.  Our dark and dealer fills
 * count as ours and as printed: the lit tape does not carry them.  0, or
 * -1 when there is no limit.
 */
static int
exec_desk_window(const struct exec *x, const struct market *m,
                 int64_t *all, int64_t *ours)
{
	const struct exec_mkt *mk;
	int64_t win = (int64_t)(x->desk_pov_s * 1e9), vol0, our0, ven0,
	    working = 0;
	unsigned have, k = 0;

	if (x->desk_pov >= 100 || (mk = exec_mkt_of(x, m)) == NULL)
		return -1;
	vol0 = m->volume;
	our0 = m->our_volume;
	ven0 = mk->our_venue;
	have = mk->ndv < EXEC_DESK_RING ? mk->ndv : EXEC_DESK_RING;
	for (unsigned i = 0; i < have; i++) {
		k = (mk->ndv - 1 - i) % EXEC_DESK_RING;
		if (mk->dv_t[k] <= m->now - win)
			break;
	}
	if (have > 0) {
		vol0 = mk->dv_vol[k];
		our0 = mk->dv_our[k];
		ven0 = mk->dv_ven[k];
	}
	for (size_t i = 0; i < x->nparents; i++)
		if (x->parents[i]->m == m && !EXEC_STATE_FINAL(x->parents[i]->state))
			working += x->parents[i]->working +
			    x->parents[i]->venue_working;
	*ours = (m->our_volume - our0) + (mk->our_venue - ven0) + working;
	*all = (m->volume - vol0) + (mk->our_venue - ven0) + working;
	return 0;
}

/* What block q has neither filled nor working. */
static int64_t
exec_unworked(const struct parent *q)
{
	int64_t u = q->spec.qty - q->filled - q->working - q->venue_working;

	return u > 0 ? u : 0;
}

/* The shares a window of all and ours leaves at the desk's rate:
 * ours + q <= rate x (all + q). */
static int64_t
exec_desk_left(const struct exec *x, int64_t all, int64_t ours)
{
	double rate = x->desk_pov / 100.0;

	return (int64_t)floor(rate / (1.0 - rate) * (double)(all - ours)) - ours;
}

/* Shares the desk's limit on m still allows all its blocks together
 * (INT64_MAX when there is none). */
static int64_t
exec_desk_total(const struct exec *x, const struct market *m)
{
	int64_t all, ours;

	if (exec_desk_window(x, m, &all, &ours) != 0)
		return INT64_MAX;
	return exec_desk_left(x, all, ours);
}

/* 1 when block q could use room on its symbol now: working, inside its
 * window, with shares left to work and room under its own cap. */
static int
exec_desk_wants(const struct parent *q)
{
	return (q->state == PARENT_WORKING || q->state == PARENT_NEW) &&
	    q->m->now >= q->spec.start && q->m->now < q->spec.end &&
	    exec_unworked(q) > 0 && exec_block_room(q) > 0;
}

/* p's part of that room: an equal part of the room as it was at this
 * instant before any block sent a child, among the symbol's blocks that
 * could use some then, never less than a lot while the room holds one
 * and never more than the room left.  The block that decides first at a
 * time does not take it all (an aggressive POV beside a TWAP took every
 * share of it, and the TWAP never traded), nor more than the others: a
 * part of what the blocks before it left gave the first of two equal
 * TWAPs twice the second's fills (found by a review).  A small block
 * beside a large one is not left less than a lot (a part in proportion
 * to what each had left gave a 20,000-share TWAP beside a 1,000,000-share
 * one nothing all hour); a block that has not started or is held by its
 * own cap takes no part.  What a block leaves of its part is there for the
 * others at their next decision. */
/* How many blocks on p's market could use desk room now, and p's rank
 * among them (-1 when p is not one). */
static int
exec_desk_wanting(const struct exec *x, const struct parent *p, int *rank)
{
	int n = 0;

	*rank = -1;
	for (size_t i = 0; i < x->nparents; i++) {
		const struct parent *q = x->parents[i];

		if (q->m != p->m || !exec_desk_wants(q))
			continue;
		if (q == p)
			*rank = n;
		n++;
	}
	return n;
}

static int64_t
exec_desk_room(const struct exec *x, const struct parent *p)
{
	int64_t room = exec_desk_total(x, p->m), part, lot;
	struct exec_mkt *mk = exec_mkt_of(x, p->m);
	int rank = -1, n = 0;

	if (room == INT64_MAX || room <= 0 || mk == NULL)
		return room;
	lot = p->spec.lot > 0 ? p->spec.lot : 1;
	/* The room and the blocks wanting some as the first asker at this
	 * instant found them: a cache, so const in what it decides.  The
	 * lots a scarce room gave at the instant before move the turn on. */
	if (mk->desk_t != p->m->now || mk->desk_n == 0) {
		n = exec_desk_wanting(x, p, &rank);
		mk->desk_turn += (uint64_t)mk->desk_k;
		mk->desk_t = p->m->now;
		mk->desk_room0 = room;
		mk->desk_n = n > 0 ? n : 1;
		mk->desk_k = mk->desk_room0 / lot < mk->desk_n ?
		    (int)(mk->desk_room0 / lot) : 0;
	}
	part = mk->desk_room0 / mk->desk_n;
	if (part >= lot)
		return part < room ? part : room;
	/* Fewer lots than blocks wanting one: a lot each to desk_k of them,
	 * in turn, instant after instant.  Given to whoever decided first,
	 * the same block took it every time, and three equal TWAPs at 5%
	 * filled 5,300, 9,100 and 13,500 (found by a review). */
	if (mk->desk_k > 0) {
		n = exec_desk_wanting(x, p, &rank);
		/* The set that wanted some at the instant's first ask; one
		 * that changed since gets a lot, as before. */
		if (rank >= 0 && n == mk->desk_n) {
			uint64_t pos = ((uint64_t)rank + (uint64_t)n -
			    mk->desk_turn % (uint64_t)n) % (uint64_t)n;

			if (pos >= (uint64_t)mk->desk_k)
				return 0;
		}
	}
	return lot < room ? lot : room;
}

int64_t
exec_pov_room(const struct exec *x, const struct parent *p)
{
	int64_t a = exec_block_room(p), b = exec_desk_room(x, p),
	    c = exec_win_room(p);

	if (b < a)
		a = b;
	return c < a ? c : a;
}

int
exec_room_by(const struct parent *p, int64_t room)
{
	if (room >= exec_block_room(p))
		return EXEC_ROOM_CAP;
	return room == exec_win_room(p) ? EXEC_ROOM_WINDOW : EXEC_ROOM_DESK;
}

const char *
exec_room_why(const struct exec *x, const struct parent *p, int64_t room,
              char *buf, size_t n)
{
	switch (exec_room_by(p, room)) {
	case EXEC_ROOM_DESK:
		snprintf(buf, n, "the desk's limit of %.1f%% of %s's volume over "
		    "%.0f s (limits.symbol_pov)", x->desk_pov, p->m->sym,
		    x->desk_pov_s);
		break;
	case EXEC_ROOM_WINDOW:
		snprintf(buf, n, "the block's limit of %.1f%% over %.0f s "
		    "(win_pov)", p->spec.win_pov, p->spec.win_s > 0 ?
		    p->spec.win_s : 300);
		break;
	default:
		snprintf(buf, n, "participation cap %.1f%%", p->spec.max_pov);
	}
	return buf;
}

/* The cap counts from now: the block's start, or a person's new cap. */
void
exec_pov_restart(struct parent *p)
{
	p->cap_vol0 = p->m->volume;
	p->cap_our0 = p->m->our_volume;
	p->cap_filled0 = p->filled;
	p->cap_t0 = p->m->now;
}

/* The share of the block's window profile (flat without one) that lies
 * between a and b. */
static double
exec_profile_share(const struct parent *p, int64_t a, int64_t b)
{
	const struct parent_spec *s = &p->spec;
	double total = 0, part = 0, len = (double)(s->end - s->start);

	if (s->nprofile <= 0 || len <= 0)
		return len > 0 ? (double)(b - a) / len : 0;
	for (int i = 0; i < s->nprofile; i++) {
		double w = s->profile[i] > 0 ? s->profile[i] : 0;
		double b0 = s->start + len * i / s->nprofile;
		double b1 = s->start + len * (i + 1) / s->nprofile;
		double lo = a > b0 ? (double)a : b0, hi = b < b1 ? (double)b : b1;

		total += w;
		if (hi > lo)
			part += w * (hi - lo) / (b1 - b0);
	}
	return total > 0 ? part / total : (double)(b - a) / len;
}

int
exec_throttle_preview(struct exec *x, uint32_t id, double pct,
                      struct exec_preview *out, char *err, size_t errlen)
{
	struct parent *p = exec_find(x, id);
	double rate = pct / 100.0, vol, cap;
	int64_t now, left, can;

	if (p == NULL) {
		snprintf(err, errlen, "block %u: no such block", id);
		return -1;
	}
	if (!(pct > 0 && pct <= 100)) {
		snprintf(err, errlen, "pct %g: must be > 0 and <= 100", pct);
		return -1;
	}
	memset(out, 0, sizeof *out);
	now = p->m->now > p->spec.start ? p->m->now : p->spec.start;
	out->pct = pct;
	out->end = p->spec.end;
	out->cross = p->spec.cleanup;
	left = p->spec.qty - p->filled;
	if (EXEC_STATE_FINAL(p->state) || now >= p->spec.end) {
		out->expected_fill = p->filled;
	} else {
		/* All the market's volume, ours included, at the rate of the
		 * last half hour of the block's decisions (the market's own
		 * rate before any), over what is left of the window, where the
		 * block's profile says it falls.  Ours included because what a
		 * block takes is volume others would have traded: measured on
		 * the simulator, others' rate while a block sold at 60% was a
		 * third of what it was once the block was throttled, while the
		 * whole rate stayed within a fifth. */
		double per_s = market_volume_rate(p->m, 1);
		unsigned have = p->nwin < 256 ? p->nwin : 256;

		for (unsigned i = 0; i < have; i++) {
			unsigned k = (p->nwin - 1 - i) % 256;

			if (p->win_t[k] < p->m->now - 1800 * 1000000000LL)
				break;
			if (p->m->now - p->win_t[k] >= 60 * 1000000000LL)
				per_s = (double)(p->m->volume - p->win_vol[k]) /
				    ((double)(p->m->now - p->win_t[k]) / 1e9);
		}
		vol = per_s * (double)(p->spec.end - p->spec.start) / 1e9 *
		    exec_profile_share(p, now, p->spec.end);
		out->expected_volume = (int64_t)llround(vol);
		cap = rate * vol;
		can = cap >= (double)left ? left : (int64_t)floor(cap);
		out->expected_fill = p->filled + can;
	}
	out->unfilled = p->spec.qty - out->expected_fill;
	out->filled_pct = 100.0 * (double)out->expected_fill /
	    (double)p->spec.qty;
	return 0;
}

/* A price is allowed when it does not go through the limit. */
int
exec_px_ok(const struct parent *p, int64_t px)
{
	if (p->spec.limit_px == 0)
		return 1;
	return p->spec.side == BOOK_BID ? px <= p->spec.limit_px :
	    px >= p->spec.limit_px;
}

void
exec_limit_changed(struct exec *x, struct parent *p, const char *why)
{
	for (size_t i = 0; i < p->nchildren; i++) {
		struct child *c = &p->children[i];

		if (!c->live)
			continue;
		/* The pool holds the limit: a dark order never trades
		 * through it, and rests while the mid is beyond it. */
		if (c->venue == VENUE_DARK) {
			if (venue_dark_limit(p->m, c->id, p->spec.limit_px) == 0)
				continue;
		} else if (exec_px_ok(p, c->px))
			continue;
		exec_cancel_child(x, p, c, why);
	}
}

int
exec_risk_check(const struct exec *x, const struct parent *p, int64_t px,
                int64_t qty, char *err, size_t errlen)
{
	int64_t unworked = p->spec.qty - p->filled - p->working -
	    p->venue_working, wall, wours;
	double mid = market_mid(p->m);

	if (qty <= 0) {
		snprintf(err, errlen, "qty %lld: must be > 0", (long long)qty);
		return -1;
	}
	if (qty > unworked) {
		snprintf(err, errlen, "qty %lld: more than the %lld shares neither "
		    "filled nor working", (long long)qty, (long long)unworked);
		return -1;
	}
	if (p->max_child > 0 && qty > p->max_child) {
		snprintf(err, errlen, "qty %lld: over the maximum child of %lld",
		    (long long)qty, (long long)p->max_child);
		return -1;
	}
	if (px <= 0) {
		snprintf(err, errlen, "px %lld: must be > 0", (long long)px);
		return -1;
	}
	if (mid > 0 && fabs((double)px - mid) > EXEC_COLLAR * mid) {
		snprintf(err, errlen, "px %.2f: outside the %.0f%% collar around "
		    "the mid %.2f (fat-finger bound)", px * p->m->tick,
		    EXEC_COLLAR * 100, mid * p->m->tick);
		return -1;
	}
	if (!exec_px_ok(p, px)) {
		snprintf(err, errlen, "px %.2f: through the block's limit %.2f",
		    px * p->m->tick, p->spec.limit_px * p->m->tick);
		return -1;
	}
	if (p->spec.max_rate > 0) {
		/* Children sent in the last minute, from the ring of times. */
		int64_t since = p->m->now - 60 * 1000000000LL;
		unsigned n = 0, have = p->nsent < 64 ? p->nsent : 64;

		for (unsigned i = 0; i < have; i++)
			if (p->sent_t[(p->nsent - 1 - i) % 64] > since)
				n++;
		if (n + 1 > p->spec.max_rate) {
			snprintf(err, errlen, "order rate: %u children in the last "
			    "60 s, limit %g per minute", n + 1, p->spec.max_rate);
			return -1;
		}
	}
	if (exec_win_window(p, &wall, &wours) == 0) {
		/* This child counted as if it traded in full. */
		int64_t ours = wours + qty, all = wall + qty;
		double pct = 100.0 * (double)ours / (double)all;

		if (pct > p->spec.win_pov) {
			snprintf(err, errlen, "participation %.1f%% over the last "
			    "%.0f s (%lld of %lld shares, this child %lld "
			    "included): limit %.1f%%", pct, p->spec.win_s > 0 ?
			    p->spec.win_s : 300, (long long)ours, (long long)all,
			    (long long)qty, p->spec.win_pov);
			return -1;
		}
	}
	if (x->desk_pov < 100) {
		int64_t all, ours;

		/* The whole desk's room: a block's part of it, which the
		 * tactic sizes its children by, is never more. */
		if (exec_desk_window(x, p->m, &all, &ours) == 0 &&
		    qty > exec_desk_left(x, all, ours)) {
			snprintf(err, errlen, "the desk's participation in %s "
			    "%.1f%% over the last %.0f s (%lld of %lld shares, "
			    "every block's working children and this child %lld "
			    "included): limit %.1f%% (limits.symbol_pov)",
			    p->m->sym, 100.0 * (double)(ours + qty) /
			    (double)(all + qty), x->desk_pov_s,
			    (long long)(ours + qty), (long long)(all + qty),
			    (long long)qty, x->desk_pov);
			return -1;
		}
	}
	return 0;
}
