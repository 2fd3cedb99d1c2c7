/*
 * engine/market/venue.c -- the dark pool, the RFQ dealers and the agents
 * they feed, on the market's clock.
 *
 * Dark pool.  Contra liquidity is a process of hidden orders that arrive
 * each second (Poisson counts), rest an exponential time and leave: a few
 * natural blocks (large, patient) and more small flow.  Its volume follows
 * the lit book's: per side, half of dark_share / (1 - dark_share) times the
 * lit volume rate of the last two minutes, so that if it all traded the
 * pool would print dark_share of all volume.  The default 14% is the
 * middle of what dark pools (ATSs) printed of US consolidated equity
 * volume in 2018-2024 (Rosenblatt Securities' monthly "Let There Be Light"
 * reports: 12.6% in October 2020, 14.2-14.6% in late 2018 and 2019, 15.1%
 * in March 2024, 17.1% in August 2024); the small flow's mean of 200
 * shares is the average dark-pool trade size FINRA's first ATS data showed
 * for the five largest pools (166-187 shares, May 2014, as Traders
 * Magazine reported it), and natural blocks average 10,000 shares, FINRA's
 * block threshold.  Our orders never display anything: they are matched
 * against contra orders only, at the lit mid, and only while the lit book
 * has both sides and is not locked or crossed.
 *
 * The predator reads the tape: a dark print says neither side nor name,
 * but a string of small prints while the lit book leans one way does.
 * pred_count of our dark fills smaller than pred_small on one side within
 * pred_window_s, and it trades ahead of us in the lit book for pred_dur_s.
 * That is the leakage a minimum fill size protects against: larger, rarer
 * fills do not look like a metaorder being sliced.
 *
 * Conditional orders.  An indication of ours rests beside the firm orders
 * but never trades: it is a promise of nothing.  At each second of the
 * grid, after contra has arrived, the pool invites every indication that
 * one contra order could match (on the other side, at least the
 * indication's minimum) to firm up, and the requester answers through the
 * firm callback with a quantity.  What is firmed becomes a firm midpoint
 * order of the same id and crosses at once; it can never be more than the
 * indication.  An answer below the minimum is a failure to firm up -- the
 * block no longer has the shares, because it traded them elsewhere in the
 * meantime -- and, as real pools keep a firm-up rate per participant and
 * rank those below a threshold behind the others, a requester whose rate
 * (firmed of invited) is below cond_min_rate is invited only to contra
 * that has rested cond_delay_s: in the simulated pool the others are the
 * contra's own patience, so what it loses is the flow that leaves sooner.
 * The requester answers at the invitation's own second: its latency is
 * within the window every pool gives, and what is measured is whether it
 * still has the shares.
 *
 * Dealers.  Each asked dealer quotes with its own chance and latency; its
 * half spread is base_bps, plus size_bps per 1% of ADV asked, plus
 * vol_mult sigmas of the mid over hedge_s, skewed by its inventory (a
 * dealer long the stock sells cheaper), plus a whim.  The price is made
 * when the quote is sent, from the mid then, so a dealer who pre-hedged
 * quotes off the price it moved.  At the deadline the requester chooses
 * (the rfq callback) and the winner fills at its price, takes the position
 * and lays off part of it in the lit book; losers who leak trade ahead of
 * the requester's remaining interest there.  A requester who watches the
 * quotes come in (the rfq_change callback: asked, each quote, each
 * refusal, the end) may take one before the deadline (venue_rfq_accept),
 * which ends the request the same way.  A dealer who will not quote says
 * so at the time it would have quoted: the same draw, so watching changes
 * nothing the dealers do.
 *
 * Everything the venues send to the lit book is a market order of at most
 * a few hundred shares at a time (a "job"), so leakage moves the price
 * through the same book and the same agents' reactions as any other flow.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/market/venue.h"

#define VENUE_MAX_CONTRA 512
#define VENUE_MAX_OURS 16
#define VENUE_MAX_JOBS 64
#define VENUE_MAX_RFQ 8
#define VENUE_SMALL_RING 64
/* Lit order ids of the venues' agents: bit 62, never ours (bit 63) nor a
 * source's own. */
#define VENUE_ID_BIT (1ULL << 62)

struct venue_contra {
	int side;
	int64_t qty, until;
	int64_t t0;  /* when it arrived: a low-priority requester waits */
};

struct venue_cond {
	uint64_t id;
	int side;
	int64_t qty, min;
	int64_t limit; /* ticks, 0: none (venue_dark_submit()) */
	int64_t next;  /* not invited before this time (after a failure) */
};

struct venue_ours {
	uint64_t id;
	int side;
	int64_t left, min;
	int64_t limit; /* ticks, 0: none (venue_dark_submit()) */
};

/* Market orders a venue agent sends to the lit book, chunk shares every
 * `every` ns from next on, until none are left. */
struct venue_job {
	int side;
	int hedge;  /* a winner laying off: counted apart from leakage */
	uint32_t owner;
	int64_t left, chunk, next, every;
};

struct venue_req {
	struct venue_rfq r;
	int live;
	int64_t qt[VENUE_MAX_DEALERS];  /* when each asked dealer quotes;
	                                   INT64_MAX: it will not */
	int quoted[VENUE_MAX_DEALERS];
	/* When each asked dealer who will not quote says so: at the time it
	 * would have quoted (the same draw), so a requester watching the
	 * request sees a refusal arrive as a quote would.  INT64_MAX: none. */
	int64_t dt[VENUE_MAX_DEALERS];
};

struct venues {
	struct venue_params p;
	struct rng rng;     /* the pool's contra process */
	struct rng drng;    /* dealers' responses, latencies and whims */
	struct rng srng;    /* random choices of dealers asked */
	int64_t next;       /* the next second of the grid */
	struct venue_contra contra[VENUE_MAX_CONTRA];
	int ncontra;
	struct venue_ours ours[VENUE_MAX_OURS];
	int nours;
	struct venue_cond cond[VENUE_MAX_OURS];
	int ncond;
	int inviting;  /* in venue_cond_invite: cond[] must not move */
	int64_t small_t[VENUE_SMALL_RING];
	int small_side[VENUE_SMALL_RING];
	unsigned nsmall;
	int64_t pred_until;
	struct venue_job jobs[VENUE_MAX_JOBS];
	int njobs;
	struct venue_req req[VENUE_MAX_RFQ];
	int64_t inv[VENUE_MAX_DEALERS];
	uint64_t next_id;
	struct venue_stats st;
	unsigned off;         /* VENUE_BIT()s a supervisor turned off */
	unsigned dealers_off; /* dealers likewise */
};

void
venue_params_default(struct venue_params *p)
{
	/* name, base, size, vol, inv, noise, respond, latency, leak, prehedge,
	 * hedge: two clean and dear, two sharp ones that leak, a pre-hedger,
	 * and a slow careful one. */
	static const struct dealer_params d[] = {
		{ "D1", 4.0, 1.0, 0.5, 1.0, 1.0, 0.95, 2.0, 0.00, 0.00, 0.2 },
		{ "D2", 3.0, 1.5, 0.5, 1.5, 1.5, 0.85, 5.0, 0.00, 0.00, 0.3 },
		{ "D3", 2.0, 2.0, 0.4, 2.0, 1.5, 0.80, 3.0, 0.15, 0.00, 0.4 },
		{ "D4", 1.5, 2.5, 0.3, 2.5, 2.0, 0.70, 6.0, 0.30, 0.00, 0.5 },
		{ "D5", 2.5, 1.2, 0.5, 1.0, 1.0, 0.65, 8.0, 0.00, 0.20, 0.3 },
		{ "D6", 5.0, 0.8, 0.6, 1.0, 0.5, 0.90, 12.0, 0.00, 0.00, 0.1 },
	};

	memset(p, 0, sizeof *p);
	p->dark_share = 0.14;
	p->natural_share = 0.2;
	p->natural_size = 10000;
	p->flow_size = 200;
	p->natural_life = 600;
	p->flow_life = 30;
	p->pred_count = 4;
	p->pred_small = 1000;
	p->pred_window_s = 300;
	p->pred_dur_s = 120;
	p->pred_rate = 0.2;
	p->pred_size = 300;
	p->rfq_deadline_s = 15;
	p->hedge_s = 600;
	p->leak_s = 120;
	p->adv = 2000000;
	p->cond_min_rate = 0.8;
	p->cond_delay_s = 30;
	p->ndealers = (int)(sizeof d / sizeof d[0]);
	memcpy(p->dealers, d, sizeof d);
}

#define VCHK(cond, ...) do { if (!(cond)) { \
	snprintf(err, errlen, __VA_ARGS__); return -1; } } while (0)

int
venue_params_check(const struct venue_params *p, char *err, size_t errlen)
{
	VCHK(p->dark_share >= 0 && p->dark_share <= 0.5, "venues.dark_share "
	    "%g: must be in [0, 0.5]", p->dark_share);
	VCHK(p->natural_share >= 0 && p->natural_share <= 1,
	    "venues.natural_share %g: must be in [0, 1]", p->natural_share);
	VCHK(p->natural_size >= 100 && p->flow_size >= 100, "venues.natural_size "
	    "%g / flow_size %g: must be >= 100", p->natural_size, p->flow_size);
	VCHK(p->natural_life > 0 && p->flow_life > 0, "venues.natural_life %g / "
	    "flow_life %g: must be > 0", p->natural_life, p->flow_life);
	VCHK(p->pred_count >= 1, "venues.pred_count %d: must be >= 1",
	    p->pred_count);
	VCHK(p->cond_min_rate >= 0 && p->cond_min_rate <= 1,
	    "venues.cond_min_rate %g: must be in [0, 1]", p->cond_min_rate);
	VCHK(p->cond_delay_s >= 0 && p->cond_delay_s <= 86400,
	    "venues.cond_delay_s %g: must be in [0, 86400]", p->cond_delay_s);
	VCHK(p->rfq_deadline_s > 0 && p->rfq_deadline_s <= 600,
	    "venues.rfq_deadline_s %g: must be in (0, 600]", p->rfq_deadline_s);
	VCHK(p->ndealers >= 0 && p->ndealers <= VENUE_MAX_DEALERS,
	    "venues.dealers: %d dealers, at most %d", p->ndealers,
	    VENUE_MAX_DEALERS);
	for (int i = 0; i < p->ndealers; i++) {
		const struct dealer_params *d = &p->dealers[i];

		VCHK(d->respond >= 0 && d->respond <= 1, "venues.dealers.%d.respond "
		    "%g: must be in [0, 1]", i, d->respond);
		VCHK(d->latency_s >= 0 && d->base_bps >= 0 && d->size_bps >= 0,
		    "venues.dealers.%d: latency_s %g, base_bps %g, size_bps %g must "
		    "be >= 0", i, d->latency_s, d->base_bps, d->size_bps);
		VCHK(d->leak >= 0 && d->leak <= 1 && d->prehedge >= 0 &&
		    d->prehedge <= 1 && d->hedge >= 0 && d->hedge <= 1,
		    "venues.dealers.%d: leak %g, prehedge %g, hedge %g must be in "
		    "[0, 1]", i, d->leak, d->prehedge, d->hedge);
	}
	return 0;
}
#undef VCHK

int
venue_attach(struct market *m, const struct venue_params *p, uint64_t seed)
{
	struct venues *v;
	struct rng seeder;
	char err[200];

	if (m->venues != NULL || venue_params_check(p, err, sizeof err) != 0)
		return BOOK_EINVAL;
	if ((v = calloc(1, sizeof *v)) == NULL)
		return BOOK_ENOMEM;
	v->p = *p;
	/* Streams of their own, mixed away from the market's: the lit book
	 * never sees them unless we trade in the venues. */
	seed ^= 0x76656e7565730a5eULL;
	rng_seed(&seeder, seed);
	rng_seed(&v->rng, rng_next(&seeder));
	rng_seed(&v->drng, rng_next(&seeder));
	rng_seed(&v->srng, rng_next(&seeder));
	v->next = (m->now / MARKET_NS_PER_SEC + 1) * MARKET_NS_PER_SEC;
	v->next_id = VENUE_ID_BIT;
	m->venues = v;
	return 0;
}

int
venue_present(const struct market *m)
{
	return m->venues != NULL;
}

void
venue_free(struct market *m)
{
	free(m->venues);
	m->venues = NULL;
}

int64_t
venue_next(const struct market *m)
{
	return m->venues != NULL ? m->venues->next : INT64_MAX;
}

const char *
venue_name(int v)
{
	static const char *const n[VENUE_COUNT] = { "lit", "dark", "rfq" };

	return v >= 0 && v < VENUE_COUNT ? n[v] : "?";
}

/* s as a refusal quotes it: whole up to max bytes, else cut on a UTF-8
 * character with "..." (a bare %.60s could split a character, and said
 * nothing of the cut: found by a review). */
static const char *
venue_cut(char *out, size_t n, const char *s, size_t max)
{
	size_t k = strlen(s);

	if (k <= max) {
		snprintf(out, n, "%s", s);
		return out;
	}
	while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
		max--;
	snprintf(out, n, "%.*s...", (int)max, s);
	return out;
}

int
venue_set_parse(const char *s, unsigned *set, char *err, size_t errlen)
{
	unsigned m = VENUE_BIT(VENUE_LIT), seen = 0;
	const char *p = s;
	char q[72];

	if (s == NULL || *s == '\0') {
		snprintf(err, errlen, "venues \"\": must be lit, lit,dark, "
		    "lit,rfq or lit,dark,rfq");
		return -1;
	}
	while (*p != '\0') {
		size_t n = strcspn(p, ",");
		int v;

		for (v = 0; v < VENUE_COUNT; v++)
			if (strlen(venue_name(v)) == n &&
			    strncmp(p, venue_name(v), n) == 0)
				break;
		if (v == VENUE_COUNT) {
			char name[40], nq[32];

			snprintf(name, sizeof name, "%.*s", (int)(n < 39 ? n : 39),
			    p);
			snprintf(err, errlen, "venues \"%s\": unknown venue \"%s\" "
			    "(known: lit, dark, rfq)", venue_cut(q, sizeof q, s, 60),
			    venue_cut(nq, sizeof nq, name, 20));
			return -1;
		}
		/* A venue named twice or an empty name after a comma is a typo
		 * the caller should see, not a set to guess at. */
		if (seen & VENUE_BIT(v)) {
			snprintf(err, errlen, "venues \"%s\": \"%s\" named twice",
			    venue_cut(q, sizeof q, s, 60), venue_name(v));
			return -1;
		}
		seen |= VENUE_BIT(v);
		m |= VENUE_BIT(v);
		p += n;
		if (*p == ',' && *++p == '\0') {
			snprintf(err, errlen, "venues \"%s\": a comma with no venue "
			    "after it", venue_cut(q, sizeof q, s, 60));
			return -1;
		}
	}
	/* The lit book is in every set (a block must be able to finish
	 * where everyone trades): a set without it is not what it says, and
	 * was widened without a word (found by a probe: "dark" traded in the
	 * lit book). */
	*set = m;
	if (!(seen & VENUE_BIT(VENUE_LIT))) {
		snprintf(err, errlen, "venues \"%s\": must include lit (every "
		    "block may trade in the lit book: lit, lit,dark, lit,rfq or "
		    "lit,dark,rfq)", venue_cut(q, sizeof q, s, 60));
		return -2;
	}
	return 0;
}

void
venue_set_format(unsigned set, char *buf, size_t n)
{
	size_t len = 0;

	if (n == 0)
		return;
	buf[0] = '\0';
	set |= VENUE_BIT(VENUE_LIT);
	for (int v = 0; v < VENUE_COUNT && len < n; v++)
		if (set & VENUE_BIT(v)) {
			int w = snprintf(buf + len, n - len, "%s%s", len ? "," : "",
			    venue_name(v));

			if (w < 0)
				break;
			len += (size_t)w;
		}
}

/* A size in whole lots of 100 with about the given mean. */
static int64_t
venue_lots(struct rng *r, double mean)
{
	double m = mean / 100.0 - 0.5;

	return 100 * (1 + (m > 0 ? (int64_t)rng_exp(r, m) : 0));
}

/* A Poisson count of the given mean (inversion: the means here are far
 * below one). */
static int
venue_poisson(struct rng *r, double mean)
{
	double u = rng_uniform(r), p = exp(-mean), c = p;
	int k = 0;

	while (u > c && k < 100) {
		k++;
		p *= mean / k;
		c += p;
	}
	return k;
}

static void
venue_job_add(struct venues *v, int64_t now, int side, uint32_t owner,
              int64_t shares, int64_t chunk, double over_s)
{
	struct venue_job *j;
	int64_t n;

	if (shares < 100 || v->njobs == VENUE_MAX_JOBS)
		return;
	shares -= shares % 100;
	n = (shares + chunk - 1) / chunk;
	j = &v->jobs[v->njobs++];
	j->hedge = 0;
	j->side = side;
	j->owner = owner;
	j->left = shares;
	j->chunk = chunk;
	j->next = now + MARKET_NS_PER_SEC;
	j->every = (int64_t)(over_s / (double)n * MARKET_NS_PER_SEC);
	if (j->every < MARKET_NS_PER_SEC)
		j->every = MARKET_NS_PER_SEC;
}

static void
venue_jobs_run(struct market *m, struct venues *v, int64_t now)
{
	int n = 0;

	for (int i = 0; i < v->njobs; i++) {
		struct venue_job *j = &v->jobs[i];

		if (j->next <= now) {
			int64_t q = j->left < j->chunk ? j->left : j->chunk, got = 0;

			m->msgs++;
			if (book_add(m->book, v->next_id++, j->side, 0, q, BOOK_MARKET,
			    j->owner, &got) == 0 && got > 0) {
				m->changes++;
				*(j->hedge ? &v->st.hedge_vol : &v->st.leak_vol) += got;
			}
			j->left -= q;
			j->next += j->every;
		}
		if (j->left > 0)
			v->jobs[n++] = *j;
	}
	v->njobs = n;
}

/* The lit mid in half ticks (bid + ask); 0 while the book is one-sided,
 * locked or crossed, when the pool does not cross. */
static int64_t
venue_mid2(const struct market *m)
{
	int64_t bp, bq, ap, aq;

	if (book_best(m->book, BOOK_BID, &bp, &bq) != 0 ||
	    book_best(m->book, BOOK_ASK, &ap, &aq) != 0 || ap <= bp)
		return 0;
	return bp + ap;
}

static void
venue_report(struct market *m, struct venue_ours *o, int64_t px, int64_t q,
             int passive, int venue)
{
	struct market_fill f = {
		.id = o->id, .side = o->side, .px = px, .qty = q,
		.left = o->left, .passive = passive, .venue = venue,
	};

	if (m->cbs.fill != NULL)
		m->cbs.fill(m->cbs.arg, &f);
}

/* The predator notes one small dark print of ours, and starts when it has
 * seen enough of them on one side. */
static void
venue_predator_note(struct market *m, struct venues *v, int side, int64_t q)
{
	const struct venue_params *p = &v->p;
	int64_t now = m->now, since = now - (int64_t)(p->pred_window_s *
	    MARKET_NS_PER_SEC);
	unsigned have, n = 0;

	if ((double)q >= p->pred_small || p->pred_rate <= 0 ||
	    p->pred_size < 100)
		return;
	v->small_t[v->nsmall % VENUE_SMALL_RING] = now;
	v->small_side[v->nsmall % VENUE_SMALL_RING] = side;
	v->nsmall++;
	if (now < v->pred_until)
		return;
	have = v->nsmall < VENUE_SMALL_RING ? v->nsmall : VENUE_SMALL_RING;
	for (unsigned i = 0; i < have; i++) {
		unsigned k = (v->nsmall - 1 - i) % VENUE_SMALL_RING;

		if (v->small_t[k] < since)
			break;
		if (v->small_side[k] == side)
			n++;
	}
	if ((int)n < p->pred_count)
		return;
	v->pred_until = now + (int64_t)(p->pred_dur_s * MARKET_NS_PER_SEC);
	v->st.pred_trigs++;
	venue_job_add(v, now, side, VENUE_OWNER_PREDATOR, (int64_t)(p->pred_rate *
	    p->pred_dur_s * p->pred_size), (int64_t)p->pred_size, p->pred_dur_s);
}

/* 1 when an order of ours on side, limited at limit (0: none), may trade
 * at the mid mid2/2: both of its prices (a mid between two ticks trades
 * half at each) within the limit. */
static int
venue_limit_ok(int64_t mid2, int side, int64_t limit)
{
	if (limit == 0)
		return 1;
	return side == BOOK_BID ? (mid2 + 1) / 2 <= limit : mid2 / 2 >= limit;
}

/*
 * Cross our order o with contra order c as far as both allow: at least
 * o->min shares (or all that is left of o), at the lit mid, never through
 * o's limit.  A mid between two ticks needs an even quantity: half at
 * each tick.
 */
static int64_t
venue_cross(struct market *m, struct venues *v, struct venue_ours *o,
            struct venue_contra *c, int passive)
{
	int64_t mid2 = venue_mid2(m), q, need;

	if (mid2 == 0 || c->side == o->side ||
	    !venue_limit_ok(mid2, o->side, o->limit))
		return 0;
	q = c->qty < o->left ? c->qty : o->left;
	need = o->min < o->left ? o->min : o->left;
	if (mid2 % 2 != 0)
		q -= q % 2;
	if (q <= 0 || q < need)
		return 0;
	c->qty -= q;
	v->st.dark_fills++;
	v->st.dark_vol += q;
	if (mid2 % 2 == 0) {
		o->left -= q;
		venue_report(m, o, mid2 / 2, q, passive, VENUE_DARK);
	} else {
		o->left -= q / 2;
		venue_report(m, o, mid2 / 2, q / 2, passive, VENUE_DARK);
		o->left -= q / 2;
		venue_report(m, o, mid2 / 2 + 1, q / 2, passive, VENUE_DARK);
	}
	venue_predator_note(m, v, o->side, q);
	return q;
}

/* Drop filled and expired contra orders and our filled ones. */
static void
venue_compact(struct venues *v, int64_t now)
{
	int n = 0;

	for (int i = 0; i < v->ncontra; i++)
		if (v->contra[i].qty > 0 && v->contra[i].until > now)
			v->contra[n++] = v->contra[i];
	v->ncontra = n;
	n = 0;
	for (int i = 0; i < v->nours; i++)
		if (v->ours[i].left > 0)
			v->ours[n++] = v->ours[i];
	v->nours = n;
}

static void
venue_contra_arrive(struct market *m, struct venues *v, int side, int natural)
{
	const struct venue_params *p = &v->p;
	struct venue_contra *c;

	if (v->ncontra == VENUE_MAX_CONTRA)
		return;
	c = &v->contra[v->ncontra++];
	c->side = side;
	c->t0 = m->now;
	c->qty = venue_lots(&v->rng, natural ? p->natural_size : p->flow_size);
	c->until = m->now + 1 + (int64_t)(rng_exp(&v->rng, natural ?
	    p->natural_life : p->flow_life) * MARKET_NS_PER_SEC);
	v->st.contra_vol += c->qty;
	for (int i = 0; i < v->nours && c->qty > 0; i++)
		venue_cross(m, v, &v->ours[i], c, 1);
}

/* A dealer prices a quote for request q now. */
static int64_t
venue_quote_px(struct market *m, struct venues *v, const struct venue_rfq *r,
               int d)
{
	const struct dealer_params *dp = &v->p.dealers[d];
	double mid = market_mid(m), adv, sig, half, skew;
	int dir = r->side == BOOK_BID ? 1 : -1;

	if (!(mid > 0))
		mid = r->mid0;
	adv = market_volume_rate(m, 1) * 23400.0;
	if (adv < v->p.adv / 10)
		adv = v->p.adv;
	sig = market_sigma(m, 0) * sqrt(v->p.hedge_s);
	half = mid * (dp->base_bps + dp->size_bps * 100.0 * (double)r->qty / adv +
	    dp->noise_bps * rng_normal(&v->drng)) / 1e4 + dp->vol_mult * sig;
	/* A dealer long the stock sells cheaper and buys dearer: inventory
	 * lowers the price it quotes either way. */
	skew = mid * dp->inv_bps * (double)v->inv[d] / 10000.0 / 1e4;
	if (half < 0)
		half = 0;
	return dir > 0 ? (int64_t)ceil(mid + half - skew) :
	    (int64_t)floor(mid - half - skew);
}

/* Tell the requester that request q changed. */
static void
venue_rfq_changed(struct market *m, struct venue_req *q)
{
	if (m->cbs.rfq_change != NULL)
		m->cbs.rfq_change(m->cbs.arg, &q->r);
}

/*
 * Request q ends.  k is the index in q->r.q of the quote taken, -1 for
 * none; with ask set the requester is asked for it first (the rfq
 * callback, at the deadline).  The winner fills at its price, takes the
 * position and lays off part of it; the others asked who leak trade ahead
 * of the requester.
 */
static void
venue_rfq_finish(struct market *m, struct venues *v, struct venue_req *q,
                 int ask, int k, int state)
{
	struct venue_rfq *r = &q->r;
	int win = -1;

	q->live = 0;
	m->changes++;
	/* The requester hears at the deadline even when nobody quoted: it
	 * holds the shares it asked for until it does. */
	if (ask && m->cbs.rfq != NULL)
		k = m->cbs.rfq(m->cbs.arg, r);
	if (k >= 0 && k < r->nquotes)
		win = r->q[k].dealer;
	r->state = win >= 0 ? VENUE_RFQ_WON : state;
	r->won = win;
	if (win >= 0) {
		struct venue_ours o = { .id = r->id, .side = r->side,
		    .left = 0 };
		const struct dealer_params *dp = &v->p.dealers[win];
		int64_t px = r->q[k].px;

		r->won_px = px;
		v->inv[win] += r->side == BOOK_BID ? -r->qty : r->qty;
		v->st.rfq_won++;
		v->st.rfq_vol += r->qty;
		venue_report(m, &o, px, r->qty, 1, VENUE_RFQ);
		/* It lays off part of what it took: buying back what it
		 * sold us, selling what it bought. */
		int nj = v->njobs;

		venue_job_add(v, m->now, r->side, VENUE_OWNER_DEALER0 +
		    (uint32_t)win, (int64_t)(dp->hedge * (double)r->qty),
		    300, v->p.hedge_s);
		if (v->njobs > nj)
			v->jobs[nj].hedge = 1;
		v->inv[win] += (r->side == BOOK_BID ? 1 : -1) *
		    (int64_t)(dp->hedge * (double)r->qty);
	}
	/* The others asked know someone wants size: those who leak trade
	 * ahead of the rest of it. */
	for (int d = 0; d < v->p.ndealers; d++) {
		const struct dealer_params *dp = &v->p.dealers[d];

		if (!(r->asked & (1u << d)) || d == win || dp->leak <= 0)
			continue;
		venue_job_add(v, m->now, r->side, VENUE_OWNER_DEALER0 + (uint32_t)d,
		    (int64_t)(dp->leak * (double)r->qty), 200, v->p.leak_s);
	}
	venue_rfq_changed(m, q);
}

static void
venue_rfq_step(struct market *m, struct venues *v, int64_t now)
{
	for (int i = 0; i < VENUE_MAX_RFQ; i++) {
		struct venue_req *q = &v->req[i];

		if (!q->live)
			continue;
		int changed = 0;

		for (int d = 0; d < v->p.ndealers; d++) {
			if (!q->quoted[d] && q->qt[d] <= now &&
			    q->qt[d] <= q->r.deadline) {
				struct venue_quote *vq = &q->r.q[q->r.nquotes++];

				q->quoted[d] = 1;
				vq->dealer = d;
				vq->t = q->qt[d];
				vq->px = venue_quote_px(m, v, &q->r, d);
				v->st.rfq_quotes++;
				changed = 1;
			}
			if (!(q->r.declined & (1u << d)) && q->dt[d] <= now &&
			    q->dt[d] <= q->r.deadline) {
				q->r.declined |= 1u << d;
				changed = 1;
			}
		}
		if (now >= q->r.deadline)
			venue_rfq_finish(m, v, q, 1, -1, VENUE_RFQ_NONE);
		else if (changed)
			venue_rfq_changed(m, q);
	}
}

static double
venue_cond_rate_v(const struct venues *v)
{
	if (v->st.cond_invites == 0)
		return 1.0;
	return (double)v->st.cond_firmed / (double)v->st.cond_invites;
}

double
venue_cond_rate(const struct market *m)
{
	return m->venues != NULL ? venue_cond_rate_v(m->venues) : 1.0;
}

/* Drop withdrawn and firmed indications (never during the invitation
 * pass, which holds pointers into the array). */
static void
venue_cond_compact(struct venues *v)
{
	int n = 0;

	for (int i = 0; i < v->ncond; i++)
		if (v->cond[i].qty > 0)
			v->cond[n++] = v->cond[i];
	v->ncond = n;
}

static struct venue_cond *
venue_cond_find(struct venues *v, uint64_t id)
{
	for (int i = 0; i < v->ncond; i++)
		if (v->cond[i].id == id && v->cond[i].qty > 0)
			return &v->cond[i];
	return NULL;
}

/* Whether one contra order could match indication c now: on the other
 * side, at least its minimum, and, for a requester of low priority,
 * resting long enough. */
static int
venue_cond_matchable(const struct venues *v, const struct venue_cond *c,
                     int64_t t)
{
	int64_t need = c->min < c->qty ? c->min : c->qty, wait = 0;

	if (venue_cond_rate_v(v) < v->p.cond_min_rate)
		wait = (int64_t)(v->p.cond_delay_s * MARKET_NS_PER_SEC);
	for (int i = 0; i < v->ncontra; i++) {
		const struct venue_contra *k = &v->contra[i];

		if (k->side != c->side && k->qty >= need && k->until > t &&
		    k->t0 + wait <= t)
			return 1;
	}
	return 0;
}

/*
 * Invite every indication that could match to firm up.  The callback may
 * cancel our orders (which compacts the firm ones and the contra), so an
 * indication is found again by id after it, and the indications
 * themselves are compacted only here.
 */
static void
venue_cond_invite(struct market *m, struct venues *v, int64_t t)
{
	/* A pool turned off invites nobody; the indications stay until
	 * withdrawn, like our firm orders. */
	if (v->off & VENUE_BIT(VENUE_DARK))
		return;
	v->inviting = 1;
	for (int i = 0; i < v->ncond; i++) {
		struct venue_cond *c = &v->cond[i];
		struct venue_invite iv;
		struct venue_ours *o;
		int64_t got = 0;

		/* Not invited while the mid is through its limit: the firm
		 * order could not trade (and a firm-up refused is a failure
		 * counted against the requester). */
		if (c->qty <= 0 || t < c->next || venue_mid2(m) == 0 ||
		    !venue_limit_ok(venue_mid2(m), c->side, c->limit) ||
		    !venue_cond_matchable(v, c, t))
			continue;
		iv = (struct venue_invite){ .id = c->id, .side = c->side,
		    .qty = c->qty, .min_qty = c->min < c->qty ? c->min : c->qty,
		    .t = t };
		v->st.cond_invites++;
		m->changes++;
		if (m->cbs.firm != NULL)
			got = m->cbs.firm(m->cbs.arg, &iv);
		c = venue_cond_find(v, iv.id);
		if (c == NULL)
			got = 0;
		/* Never more than the indication, whatever the answer. */
		if (got > iv.qty)
			got = iv.qty;
		venue_compact(v, t);
		if (got < iv.min_qty || c == NULL || v->nours == VENUE_MAX_OURS) {
			v->st.cond_failed++;
			if (c != NULL)
				c->next = t + (int64_t)(v->p.cond_delay_s *
				    MARKET_NS_PER_SEC);
			continue;
		}
		v->st.cond_firmed++;
		v->st.cond_vol += got;
		c->qty = 0;
		o = &v->ours[v->nours++];
		*o = (struct venue_ours){ .id = iv.id, .side = iv.side, .left = got,
		    .min = c->min, .limit = c->limit };
		for (int k = 0; k < v->ncontra && o->left > 0; k++)
			venue_cross(m, v, o, &v->contra[k], 1);
	}
	v->inviting = 0;
	venue_cond_compact(v);
}

void
venue_run(struct market *m, int64_t t)
{
	struct venues *v = m->venues;
	const struct venue_params *p = &v->p;
	double lam, nat, flow;

	venue_compact(v, t);
	/* Contra liquidity this second: per side, half the dark volume the
	 * lit rate implies. */
	lam = p->dark_share < 1 ? p->dark_share / (1 - p->dark_share) *
	    market_volume_rate(m, 0) / 2 : 0;
	nat = lam * p->natural_share / p->natural_size;
	flow = lam * (1 - p->natural_share) / p->flow_size;
	for (int side = 0; side < 2; side++) {
		int kn = venue_poisson(&v->rng, nat), kf = venue_poisson(&v->rng,
		    flow);

		for (int k = 0; k < kn; k++)
			venue_contra_arrive(m, v, side, 1);
		for (int k = 0; k < kf; k++)
			venue_contra_arrive(m, v, side, 0);
	}
	/* An order of ours with a limit may have met contra liquidity that
	 * came while the mid was through it: crossed now if the mid came
	 * back (without a limit, whatever could cross did on arrival). */
	for (int i = 0; i < v->nours; i++)
		for (int k = 0; v->ours[i].limit != 0 && v->ours[i].left > 0 &&
		    k < v->ncontra; k++)
			venue_cross(m, v, &v->ours[i], &v->contra[k], 1);
	venue_cond_invite(m, v, t);
	venue_compact(v, t);
	venue_rfq_step(m, v, t);
	venue_jobs_run(m, v, t);
	venue_compact(v, t);
	v->next = t + MARKET_NS_PER_SEC;
}

int
venue_dark_submit(struct market *m, int side, int64_t qty, int64_t min_qty,
                  int64_t limit, uint64_t *id, int64_t *filled)
{
	struct venues *v = m->venues;
	struct venue_ours *o;
	int64_t got = 0;

	if (filled != NULL)
		*filled = 0;
	if (v == NULL)
		return VENUE_ENONE;
	if ((side != BOOK_BID && side != BOOK_ASK) || qty <= 0 || min_qty < 0 ||
	    limit < 0)
		return BOOK_EINVAL;
	if (v->off & VENUE_BIT(VENUE_DARK))
		return VENUE_EOFF;
	venue_compact(v, m->now);
	if (v->nours == VENUE_MAX_OURS)
		return BOOK_ENOMEM;
	*id = m->next_our_id++;
	o = &v->ours[v->nours++];
	*o = (struct venue_ours){ .id = *id, .side = side, .left = qty,
	    .min = min_qty > 0 ? min_qty : 1, .limit = limit };
	/* Nothing in the book changed, but our orders did: what a desk's
	 * view of them is conflated on. */
	m->changes++;
	for (int i = 0; i < v->ncontra && o->left > 0; i++)
		got += venue_cross(m, v, o, &v->contra[i], 0);
	if (filled != NULL)
		*filled = got;
	return 0;
}

int
venue_dark_cancel(struct market *m, uint64_t id, int64_t *qty)
{
	struct venues *v = m->venues;

	if (qty != NULL)
		*qty = 0;
	if (v == NULL)
		return VENUE_ENONE;
	for (int i = 0; i < v->nours; i++)
		if (v->ours[i].id == id && v->ours[i].left > 0) {
			if (qty != NULL)
				*qty = v->ours[i].left;
			v->ours[i].left = 0;
			venue_compact(v, m->now);
			m->changes++;
			return 0;
		}
	return BOOK_ENOENT;
}

int
venue_cond_submit(struct market *m, int side, int64_t qty, int64_t min_qty,
                  int64_t limit, uint64_t *id)
{
	struct venues *v = m->venues;

	if (v == NULL)
		return VENUE_ENONE;
	if ((side != BOOK_BID && side != BOOK_ASK) || qty <= 0 || min_qty < 0 ||
	    limit < 0)
		return BOOK_EINVAL;
	if (v->off & VENUE_BIT(VENUE_DARK))
		return VENUE_EOFF;
	if (!v->inviting)
		venue_cond_compact(v);
	if (v->ncond == VENUE_MAX_OURS)
		return BOOK_ENOMEM;
	*id = m->next_our_id++;
	v->cond[v->ncond++] = (struct venue_cond){ .id = *id, .side = side,
	    .qty = qty, .min = min_qty > 0 ? min_qty : 1, .limit = limit };
	m->changes++;
	return 0;
}

int
venue_dark_limit(struct market *m, uint64_t id, int64_t limit)
{
	struct venues *v = m->venues;
	struct venue_cond *c;

	if (v == NULL)
		return VENUE_ENONE;
	if (limit < 0)
		return BOOK_EINVAL;
	for (int i = 0; i < v->nours; i++)
		if (v->ours[i].id == id && v->ours[i].left > 0) {
			v->ours[i].limit = limit;
			return 0;
		}
	if ((c = venue_cond_find(v, id)) == NULL || c->qty <= 0)
		return BOOK_ENOENT;
	c->limit = limit;
	return 0;
}

int
venue_cond_cancel(struct market *m, uint64_t id, int64_t *qty)
{
	struct venues *v = m->venues;
	struct venue_cond *c;

	if (qty != NULL)
		*qty = 0;
	if (v == NULL)
		return VENUE_ENONE;
	if ((c = venue_cond_find(v, id)) == NULL)
		return BOOK_ENOENT;
	if (qty != NULL)
		*qty = c->qty;
	/* Only marked: the invitation pass may be iterating the array. */
	c->qty = 0;
	m->changes++;
	return 0;
}

int
venue_rfq_request(struct market *m, int side, int64_t qty, unsigned dealers,
                  uint64_t *id)
{
	return venue_rfq_request_by(m, side, qty, dealers, 0, id);
}

int
venue_rfq_request_by(struct market *m, int side, int64_t qty,
                     unsigned dealers, double deadline_s, uint64_t *id)
{
	struct venues *v = m->venues;
	struct venue_req *q = NULL;
	double mid = market_mid(m);

	if (v == NULL)
		return VENUE_ENONE;
	if (v->off & VENUE_BIT(VENUE_RFQ))
		return VENUE_EOFF;
	dealers &= venue_dealers_all(m);
	if ((side != BOOK_BID && side != BOOK_ASK) || qty <= 0 || dealers == 0 ||
	    !(mid > 0) || !(deadline_s >= 0 && deadline_s <= 600))
		return BOOK_EINVAL;
	if (deadline_s == 0)
		deadline_s = v->p.rfq_deadline_s;
	for (int i = 0; i < VENUE_MAX_RFQ; i++)
		if (!v->req[i].live) {
			q = &v->req[i];
			break;
		}
	if (q == NULL)
		return BOOK_ENOMEM;
	memset(q, 0, sizeof *q);
	q->live = 1;
	*id = m->next_our_id++;
	q->r.id = *id;
	q->r.side = side;
	q->r.qty = qty;
	q->r.t0 = m->now;
	q->r.deadline = m->now + (int64_t)(deadline_s * MARKET_NS_PER_SEC);
	q->r.mid0 = mid;
	q->r.asked = dealers;
	q->r.won = -1;
	v->st.rfq_requests++;
	m->changes++;
	for (int d = 0; d < v->p.ndealers; d++) {
		const struct dealer_params *dp = &v->p.dealers[d];
		double u = rng_uniform(&v->drng), lat = rng_exp(&v->drng,
		    dp->latency_s > 0 ? dp->latency_s : 1e-3);

		q->qt[d] = INT64_MAX;
		q->dt[d] = INT64_MAX;
		if (!(dealers & (1u << d)))
			continue;
		if (u < dp->respond)
			q->qt[d] = m->now + (int64_t)(lat * MARKET_NS_PER_SEC);
		else
			q->dt[d] = m->now + (int64_t)(lat * MARKET_NS_PER_SEC);
		/* A pre-hedger trades before it quotes, in the direction it
		 * will need if it wins: the requester's. */
		if (dp->prehedge > 0)
			venue_job_add(v, m->now, side, VENUE_OWNER_DEALER0 +
			    (uint32_t)d, (int64_t)(dp->prehedge * (double)qty), 300,
			    v->p.rfq_deadline_s);
	}
	venue_rfq_changed(m, q);
	return 0;
}

static struct venue_req *
venue_rfq_live(const struct market *m, uint64_t id)
{
	struct venues *v = m->venues;

	for (int i = 0; v != NULL && i < VENUE_MAX_RFQ; i++)
		if (v->req[i].live && v->req[i].r.id == id)
			return &v->req[i];
	return NULL;
}

int
venue_rfq_cancel(struct market *m, uint64_t id)
{
	struct venue_req *q;

	if (m->venues == NULL)
		return VENUE_ENONE;
	if ((q = venue_rfq_live(m, id)) == NULL)
		return BOOK_ENOENT;
	venue_rfq_finish(m, m->venues, q, 0, -1, VENUE_RFQ_WITHDRAWN);
	return 0;
}

int
venue_rfq_get(const struct market *m, uint64_t id, struct venue_rfq *r)
{
	const struct venue_req *q = venue_rfq_live(m, id);

	if (q == NULL)
		return BOOK_ENOENT;
	*r = q->r;
	return 0;
}

int
venue_rfq_accept(struct market *m, uint64_t id, int dealer)
{
	struct venue_req *q;

	if (m->venues == NULL)
		return VENUE_ENONE;
	if ((q = venue_rfq_live(m, id)) == NULL)
		return BOOK_ENOENT;
	for (int k = 0; k < q->r.nquotes; k++)
		if (q->r.q[k].dealer == dealer) {
			venue_rfq_finish(m, m->venues, q, 0, k, VENUE_RFQ_NONE);
			return 0;
		}
	return BOOK_EINVAL;
}

int
venue_dealer_count(const struct market *m)
{
	return m->venues != NULL ? m->venues->p.ndealers : 0;
}

const char *
venue_dealer_name(const struct market *m, int i)
{
	return i >= 0 && i < venue_dealer_count(m) ?
	    m->venues->p.dealers[i].name : "?";
}

unsigned
venue_dealers_all(const struct market *m)
{
	int n = venue_dealer_count(m);

	return n > 0 ? ((1u << n) - 1) & ~m->venues->dealers_off : 0;
}

int
venue_enable(struct market *m, int venue, int on)
{
	if (m->venues == NULL)
		return VENUE_ENONE;
	if (venue != VENUE_DARK && venue != VENUE_RFQ)
		return BOOK_EINVAL;
	if (on)
		m->venues->off &= ~VENUE_BIT(venue);
	else
		m->venues->off |= VENUE_BIT(venue);
	return 0;
}

int
venue_enabled(const struct market *m, int venue)
{
	return m->venues != NULL && !(m->venues->off & VENUE_BIT(venue));
}

int
venue_dealer_enable(struct market *m, int dealer, int on)
{
	if (m->venues == NULL)
		return VENUE_ENONE;
	if (dealer < 0 || dealer >= m->venues->p.ndealers)
		return BOOK_EINVAL;
	if (on)
		m->venues->dealers_off &= ~(1u << dealer);
	else
		m->venues->dealers_off |= 1u << dealer;
	return 0;
}

int
venue_dealer_enabled(const struct market *m, int dealer)
{
	return dealer >= 0 && dealer < venue_dealer_count(m) &&
	    !(m->venues->dealers_off & (1u << dealer));
}

int
venue_dealer_find(const struct market *m, const char *name)
{
	for (int i = 0; i < venue_dealer_count(m); i++)
		if (strcmp(m->venues->p.dealers[i].name, name) == 0)
			return i;
	return -1;
}

unsigned
venue_dealers_random(struct market *m, int k)
{
	int n = 0, idx[VENUE_MAX_DEALERS];
	unsigned mask = 0;

	/* Only dealers turned on are drawn from. */
	for (int i = 0; i < venue_dealer_count(m); i++)
		if (venue_dealer_enabled(m, i))
			idx[n++] = i;
	/* The first k of a Fisher-Yates shuffle. */
	for (int i = 0; i < k && i < n; i++) {
		int j = i + (int)rng_below(&m->venues->srng, (uint64_t)(n - i));
		int t = idx[i];

		idx[i] = idx[j];
		idx[j] = t;
		mask |= 1u << idx[i];
	}
	return mask;
}

unsigned
venue_dealers_top(const struct market *m, int k)
{
	int n = venue_dealer_count(m);
	unsigned mask = 0;

	for (int got = 0; got < k && got < n; got++) {
		int best = -1;
		double bv = 0;

		for (int i = 0; i < n; i++) {
			const struct dealer_params *d = &m->venues->p.dealers[i];
			double s = d->base_bps + d->size_bps;

			if (!(mask & (1u << i)) && venue_dealer_enabled(m, i) &&
			    (best < 0 || s < bv)) {
				best = i;
				bv = s;
			}
		}
		if (best < 0)
			break;
		mask |= 1u << best;
	}
	return mask;
}

void
venue_stats_get(const struct market *m, struct venue_stats *st)
{
	if (m->venues != NULL)
		*st = m->venues->st;
	else
		memset(st, 0, sizeof *st);
}
