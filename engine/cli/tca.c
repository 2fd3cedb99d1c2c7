/*
 * engine/cli/tca.c -- `tranched tca JOURNAL`: the transaction cost
 * report of every block in a journal, as a table, --json or --csv.
 *
 * The journal holds the events exactly as published, so the report is
 * rebuilt from what the desk saw: "block" events give each block's side,
 * quantity, window, arrival and end state (and, once it ended, the exact
 * simulated time and mid); "child" events the mid and half spread when
 * each child was sent; "fill" events the fills; "trade" events every print
 * (the interval VWAP and the participation); "mid" events the mid on a
 * one-second grid of simulated time (the TWAP of the mid, markouts and the
 * end price).  Nothing it reads depends on the wall clock, so one seed's
 * report is the same at any --speed and after a crash and recovery.  A
 * journal written before "mid" events existed falls back on the "book"
 * events, which are conflated by wall time.  The arithmetic is
 * tca_analyse() in engine/tca/.
 *
 * A crossing child fills while it is being sent, so its fill events come
 * before its "child" event: such fills are kept waiting for their child,
 * which then gives them their mid and half spread and counts them.
 *
 * By venue (the fill and child events' "venue": lit, dark, rfq), each
 * block's fills are split into their shares of the block, their cost
 * against the mid when their child was sent, the mid's move over the
 * minute after them in the direction we traded (what a dark print or a
 * request told the market shows there: leakage), and for the dark pool
 * the fill rate, shares filled of shares sent.  Journals written before
 * venues existed read as all lit.
 *
 * With --leakage, the leakage is also measured against matched sessions:
 * the journal's session is re-simulated from its header (scenario and
 * seed) by the backtester, which runs it again without the dark pool and
 * without RFQ and compares the lit mid's move after each dark fill and
 * request with the matched session's (backtest_leak_bps).  That needs the
 * journal's session to be the scenario's own, unsteered by commands: the
 * re-simulation's filled shares must be the journal's, and
 * when they are not the report is refused rather than measured on another
 * session.
 *
 * A journal of several symbols keeps one series of prints and mids per
 * symbol (events carry "sym"), and each block is analysed against its own
 * symbol's.  A session of more than one block ends with one line for the
 * whole: the blocks' shortfalls in dollars added up, over the arrival
 * value of all their quantities (the notional-weighted shortfall in bps).
 *
 * The journal is input like any other: a header of another protocol
 * version is refused (its events may mean something else), and so is a
 * fill that cannot have happened (a quantity or price out of range, or
 * sums that would overflow), naming the record's offset and the field,
 * since one such fill turns every figure of its block into nonsense.  A
 * damaged span is skipped with jrnl_resync() and reported on stderr: the
 * records after it are as good as the ones before.
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "engine/backtest/backtest.h"
#include "engine/cli/cli.h"
#include "engine/journal/journal.h"
#include "engine/market/book.h"
#include "engine/market/venue.h"
#include "engine/server/server.h"
#include "engine/tca/tca.h"
#include "ipc/protocol.h"

#define TCA_MAX_SYMS 16
/* The largest fill believed: a trillion shares, a price of 10^15 ticks. */
#define TCA_MAX_FILL_QTY 1e12
#define TCA_MAX_FILL_PX 1e15

struct tc_child {
	char id[24];
	int block;
	double mid, half;
	int64_t px, qty, filled, t;
	char style[12];
	int venue;
	/* Seen only in fills so far: its fills, from its block's fill
	 * pend_first on, wait for the child event's mid and half spread. */
	int pending;
	size_t pend_first;
};

struct tc_block {
	char id[16], sym[16];
	int side;
	int64_t qty, start, end, t_end;
	double arrival, end_mid; /* end_mid: the block event's, 0 unknown */
	int ended;               /* t_end is the block's own "ended" */
	char state[16], algo[24];
	int64_t fill_qty, fill_value; /* sums, checked for overflow */
	struct tca_fill *fills;
	size_t *fill_child;      /* each fill's child, an index into tc->c */
	unsigned char *fill_venue; /* each fill's venue (enum venue_kind) */
	size_t nfills, capfills;
};

/* One symbol's prints and mids: from book events (mid) and from the
 * simulated-time samples (smp), which win when the journal has them. */
struct tc_series {
	char sym[16];
	int64_t *mid_t, *tr_t, *tr_px, *tr_qty, *smp_t;
	double *mid, *smp;
	size_t nmid, capmid, ntr, captr, nsmp, capsmp;
};

struct tc {
	/* Every block of the journal (64 at most until a review found the
	 * 65th and later dropped without a word, the session's totals
	 * wrong). */
	struct tc_block *b;
	int nb;
	size_t capb;
	int oom;
	struct tc_child *c;
	size_t nc, capc;
	struct tc_series ser[TCA_MAX_SYMS];
	int nser;
	double tick;
};

/*
 * Block ids in order: numbers by value ("2" before "10"), then any other
 * id by its bytes.  qsort has no context argument in C11, hence the
 * file-scope pointer; the report runs once a process.
 */
static const struct tc *tc_order;

static int
tc_id_number(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

static int
tc_block_cmp(const void *a, const void *b)
{
	const char *x = tc_order->b[*(const int *)a].id;
	const char *y = tc_order->b[*(const int *)b].id;
	int nx = tc_id_number(x), ny = tc_id_number(y);

	if (nx != ny)
		return ny - nx;
	if (nx) {
		while (*x == '0' && x[1] != '\0')
			x++;
		while (*y == '0' && y[1] != '\0')
			y++;
		if (strlen(x) != strlen(y))
			return strlen(x) < strlen(y) ? -1 : 1;
	}
	int c = strcmp(x, y);

	return c != 0 ? c : *(const int *)a - *(const int *)b;
}

static int
tc_grow(void **p, size_t *cap, size_t n, size_t sz)
{
	if (n < *cap)
		return 0;
	size_t nc = *cap ? *cap * 2 : 256;
	void *v = realloc(*p, nc * sz);

	if (v == NULL)
		return -1;
	*p = v;
	*cap = nc;
	return 0;
}

/* A venue's index from its name; lit for anything else (journals from
 * before venues). */
static int
tc_venue(const char *s)
{
	for (int v = 0; v < VENUE_COUNT; v++)
		if (strcmp(s, venue_name(v)) == 0)
			return v;
	return VENUE_LIT;
}

/* One block's fills by venue. */
struct tc_venue_report {
	int64_t qty[VENUE_COUNT], sent[VENUE_COUNT];
	double pct[VENUE_COUNT], cost_bps[VENUE_COUNT], move_bps[VENUE_COUNT];
};

/* The mid at or before t in mids sorted by time; -1 before the first. */
static double
tc_mid_at(const int64_t *mt, const double *mid, size_t n, int64_t t)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t m = (lo + hi) / 2;

		if (mt[m] <= t)
			lo = m + 1;
		else
			hi = m;
	}
	return lo > 0 ? mid[lo - 1] : -1;
}

static void
tc_by_venue(const struct tc *tc, int bi, const struct tca_input *in,
            struct tc_venue_report *vr)
{
	const struct tc_block *b = &tc->b[bi];
	long double cost[VENUE_COUNT] = { 0 }, move[VENUE_COUNT] = { 0 };
	long double mq[VENUE_COUNT] = { 0 };
	double s = b->side == BOOK_BID ? 1 : -1;
	int64_t all = 0;

	memset(vr, 0, sizeof *vr);
	for (size_t k = 0; k < b->nfills; k++) {
		const struct tca_fill *f = &b->fills[k];
		int v = b->fill_venue[k] < VENUE_COUNT ? b->fill_venue[k] : 0;
		double m0, m1;

		vr->qty[v] += f->qty;
		all += f->qty;
		if (f->mid > 0)
			cost[v] += s * ((long double)f->px - f->mid) / f->mid * 1e4L *
			    f->qty;
		m0 = tc_mid_at(in->mid_t, in->mid, in->nmid, f->t);
		m1 = tc_mid_at(in->mid_t, in->mid, in->nmid, f->t + 60000000000LL);
		if (m0 > 0 && m1 > 0 && f->t + 60000000000LL <= in->markout_until) {
			move[v] += s * ((long double)m1 - m0) / m0 * 1e4L * f->qty;
			mq[v] += f->qty;
		}
	}
	for (size_t k = 0; k < tc->nc; k++)
		if (tc->c[k].block == bi && !tc->c[k].pending)
			vr->sent[tc->c[k].venue] += tc->c[k].qty;
	for (int v = 0; v < VENUE_COUNT; v++) {
		vr->pct[v] = all > 0 ? 100.0 * (double)vr->qty[v] / (double)all : 0;
		vr->cost_bps[v] = vr->qty[v] > 0 ? (double)(cost[v] / vr->qty[v]) :
		    0;
		vr->move_bps[v] = mq[v] > 0 ? (double)(move[v] / mq[v]) : 0;
	}
}

static struct tc_block *
tc_block(struct tc *tc, const char *id)
{
	for (int i = 0; i < tc->nb; i++)
		if (strcmp(tc->b[i].id, id) == 0)
			return &tc->b[i];
	if (tc->nb == INT_MAX || tc_grow((void **)&tc->b, &tc->capb,
	    (size_t)tc->nb, sizeof *tc->b) != 0) {
		tc->oom = 1;
		return NULL;
	}
	struct tc_block *b = &tc->b[tc->nb++];

	memset(b, 0, sizeof *b);
	snprintf(b->id, sizeof b->id, "%s", id);
	return b;
}

static const char *
tc_str(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : "";
}

static double
tc_num(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsNumber(v) ? v->valuedouble : cJSON_IsString(v) ?
	    strtod(v->valuestring, NULL) : 0;
}

/* The series of sym, made on first sight; an event without a symbol (a
 * journal older than symbols on every event) belongs to the first. */
static struct tc_series *
tc_series(struct tc *tc, const char *sym)
{
	if (sym[0] == '\0' && tc->nser > 0)
		return &tc->ser[0];
	for (int i = 0; i < tc->nser; i++)
		if (strcmp(tc->ser[i].sym, sym) == 0)
			return &tc->ser[i];
	if (tc->nser == TCA_MAX_SYMS)
		return NULL;
	struct tc_series *se = &tc->ser[tc->nser++];

	/* sym may be a block's own, inside *tc: copied, never overlapping
	 * a series' name, but the compiler cannot see that. */
	size_t n = strnlen(sym, sizeof se->sym - 1);

	memset(se, 0, sizeof *se);
	memmove(se->sym, sym, n);
	return se;
}

/* Append (t, v) to two parallel arrays grown together; -1 out of memory. */
static int
tc_push(int64_t **tv, double **vv, size_t *n, size_t *cap, int64_t t,
        double v)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 1024;
		int64_t *a = realloc(*tv, nc * sizeof *a);
		double *d;

		if (a == NULL)
			return -1;
		*tv = a;
		if ((d = realloc(*vv, nc * sizeof *d)) == NULL)
			return -1;
		*vv = d;
		*cap = nc;
	}
	(*tv)[*n] = t;
	(*vv)[(*n)++] = v;
	return 0;
}

static struct tc_child *
tc_child(struct tc *tc, const char *id)
{
	for (size_t i = tc->nc; i-- > 0;)
		if (strcmp(tc->c[i].id, id) == 0)
			return &tc->c[i];
	return NULL;
}

/*
 * A fill's px (ticks) and qty (shares) are JSON numbers: both must be
 * numbers in range, qty whole, and the block's sums of quantity and of
 * px * qty must fit in 64 bits.  err names the field and the value.
 */
static int
tc_fill_check(const struct tc_block *b, const cJSON *o, int64_t *px,
              int64_t *qty, char *err, size_t errlen)
{
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(o, "px");
	const cJSON *q = cJSON_GetObjectItemCaseSensitive(o, "qty");
	int64_t v, sum;

	if (!cJSON_IsNumber(q) || !isfinite(q->valuedouble) ||
	    q->valuedouble < 1 || q->valuedouble > TCA_MAX_FILL_QTY ||
	    q->valuedouble != floor(q->valuedouble)) {
		snprintf(err, errlen, "qty %.17g: must be a whole number of "
		    "shares from 1 to %.0f", cJSON_IsNumber(q) ? q->valuedouble :
		    NAN, TCA_MAX_FILL_QTY);
		return -1;
	}
	if (!cJSON_IsNumber(p) || !isfinite(p->valuedouble) ||
	    p->valuedouble < 1 || p->valuedouble > TCA_MAX_FILL_PX) {
		snprintf(err, errlen, "px %.17g: must be a price from 1 to %.0f "
		    "ticks", cJSON_IsNumber(p) ? p->valuedouble : NAN,
		    TCA_MAX_FILL_PX);
		return -1;
	}
	*qty = (int64_t)q->valuedouble;
	*px = (int64_t)p->valuedouble;
	if (__builtin_add_overflow(b->fill_qty, *qty, &sum)) {
		snprintf(err, errlen, "qty %lld: the block's filled quantity "
		    "%lld would overflow", (long long)*qty,
		    (long long)b->fill_qty);
		return -1;
	}
	if (__builtin_mul_overflow(*px, *qty, &v) ||
	    __builtin_add_overflow(b->fill_value, v, &sum)) {
		snprintf(err, errlen, "px %lld x qty %lld: the block's filled "
		    "value would overflow", (long long)*px, (long long)*qty);
		return -1;
	}
	return 0;
}

/* 0, -1 out of memory, -2 an impossible event (err says why). */
static int
tc_event(struct tc *tc, const char *topic, const cJSON *o, int64_t t,
         char *err, size_t errlen)
{
	if (strcmp(topic, "block") == 0) {
		struct tc_block *b = tc_block(tc, tc_str(o, "id"));

		if (b == NULL)
			return 0;
		b->side = strcmp(tc_str(o, "side"), "buy") == 0 ? BOOK_BID : BOOK_ASK;
		snprintf(b->sym, sizeof b->sym, "%s", tc_str(o, "sym"));
		b->qty = (int64_t)tc_num(o, "qty");
		b->start = (int64_t)tc_num(o, "start");
		b->end = (int64_t)tc_num(o, "end");
		if (tc_num(o, "arrival_px") > 0)
			b->arrival = tc_num(o, "arrival_px");
		snprintf(b->algo, sizeof b->algo, "%s", tc_str(o, "algo"));
		snprintf(b->state, sizeof b->state, "%s", tc_str(o, "state"));
		/* The block's own end time and mid when it says them; else
		 * (older journals) the first event that showed it ended. */
		if (tc_num(o, "ended") > 0) {
			b->t_end = (int64_t)tc_num(o, "ended");
			b->end_mid = tc_num(o, "end_mid");
			b->ended = 1;
		} else if ((strcmp(b->state, "DONE") == 0 ||
		    strcmp(b->state, "CANCELLED") == 0 ||
		    strcmp(b->state, "EXPIRED") == 0) && b->t_end == 0)
			b->t_end = t;
	} else if (strcmp(topic, "child") == 0) {
		const char *id = tc_str(o, "id");
		struct tc_child *c = tc_child(tc, id);

		/* A conditional's indication was never sent: the child starts
		 * when it firms up, at the mid then. */
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "cond")))
			return 0;
		if (c == NULL || c->pending) {
			if (c == NULL) {
				if (tc_grow((void **)&tc->c, &tc->capc, tc->nc,
				    sizeof *tc->c))
					return -1;
				c = &tc->c[tc->nc++];
				memset(c, 0, sizeof *c);
			}
			snprintf(c->id, sizeof c->id, "%s", id);
			c->mid = tc_num(o, "mid");
			c->half = tc_num(o, "half_spread");
			c->px = (int64_t)tc_num(o, "px");
			c->qty = (int64_t)tc_num(o, "qty");
			c->t = t;
			snprintf(c->style, sizeof c->style, "%s", tc_str(o, "style"));
			c->venue = tc_venue(tc_str(o, "venue"));
			struct tc_block *b = tc_block(tc, tc_str(o, "block"));
			c->block = b ? (int)(b - tc->b) : -1;
			/* Fills that came first: now they have a reference. */
			if (c->pending && b != NULL)
				for (size_t k = c->pend_first; k < b->nfills; k++) {
					if (b->fill_child[k] != (size_t)(c - tc->c))
						continue;
					b->fills[k].mid = c->mid > 0 ? c->mid :
					    (double)b->fills[k].px;
					b->fills[k].half_spread = c->half;
				}
			c->pending = 0;
		}
	} else if (strcmp(topic, "fill") == 0) {
		struct tc_block *b = tc_block(tc, tc_str(o, "block"));
		struct tc_child *c = tc_child(tc, tc_str(o, "child"));
		int64_t px, qty;

		if (b == NULL)
			return 0;
		if (tc_fill_check(b, o, &px, &qty, err, errlen) != 0)
			return -2;
		if (c == NULL) {
			/* A crossing child fills before its child event is
			 * published: keep its place until that event comes. */
			if (tc_grow((void **)&tc->c, &tc->capc, tc->nc, sizeof *tc->c))
				return -1;
			c = &tc->c[tc->nc++];
			memset(c, 0, sizeof *c);
			snprintf(c->id, sizeof c->id, "%s", tc_str(o, "child"));
			c->block = (int)(b - tc->b);
			c->pending = 1;
			c->pend_first = b->nfills;
			c->t = t;
		}

		b->fill_qty += qty;
		b->fill_value += px * qty;
		if (b->nfills == b->capfills) {
			size_t n = b->capfills ? b->capfills * 2 : 256;
			struct tca_fill *v = realloc(b->fills, n * sizeof *v);
			size_t *w;

			if (v == NULL)
				return -1;
			b->fills = v;
			if ((w = realloc(b->fill_child, n * sizeof *w)) == NULL)
				return -1;
			b->fill_child = w;
			unsigned char *vv = realloc(b->fill_venue, n);

			if (vv == NULL)
				return -1;
			b->fill_venue = vv;
			b->capfills = n;
		}
		b->fill_child[b->nfills] = (size_t)(c - tc->c);
		b->fill_venue[b->nfills] = (unsigned char)tc_venue(tc_str(o,
		    "venue"));
		struct tca_fill *f = &b->fills[b->nfills++];

		f->t = t;
		f->px = px;
		f->qty = qty;
		f->passive = strcmp(tc_str(o, "liq"), "passive") == 0;
		f->mid = c && c->mid > 0 ? c->mid : (double)f->px;
		f->half_spread = c ? c->half : 0;
		if (c != NULL)
			c->filled += f->qty;
	} else if (strcmp(topic, "trade") == 0) {
		struct tc_series *se = tc_series(tc, tc_str(o, "sym"));

		if (se == NULL)
			return 0;
		/* Three parallel arrays, grown together. */
		if (se->ntr == se->captr) {
			size_t n = se->captr ? se->captr * 2 : 1024;
			int64_t *a = realloc(se->tr_t, n * sizeof *a);

			if (a == NULL)
				return -1;
			se->tr_t = a;
			if ((a = realloc(se->tr_px, n * sizeof *a)) == NULL)
				return -1;
			se->tr_px = a;
			if ((a = realloc(se->tr_qty, n * sizeof *a)) == NULL)
				return -1;
			se->tr_qty = a;
			se->captr = n;
		}
		se->tr_t[se->ntr] = t;
		se->tr_px[se->ntr] = (int64_t)tc_num(o, "px");
		se->tr_qty[se->ntr++] = (int64_t)tc_num(o, "qty");
	} else if (strcmp(topic, "mid") == 0) {
		struct tc_series *se = tc_series(tc, tc_str(o, "sym"));

		if (se != NULL && tc_num(o, "mid") > 0 && tc_push(&se->smp_t,
		    &se->smp, &se->nsmp, &se->capsmp, t, tc_num(o, "mid")) != 0)
			return -1;
	} else if (strcmp(topic, "book") == 0) {
		struct tc_series *se = tc_series(tc, tc_str(o, "sym"));
		const cJSON *bids = cJSON_GetObjectItemCaseSensitive(o, "bids");
		const cJSON *asks = cJSON_GetObjectItemCaseSensitive(o, "asks");
		const cJSON *b0 = cJSON_GetArrayItem(bids, 0);
		const cJSON *a0 = cJSON_GetArrayItem(asks, 0);

		if (se == NULL || !cJSON_IsArray(b0) || !cJSON_IsArray(a0))
			return 0;
		if (tc_push(&se->mid_t, &se->mid, &se->nmid, &se->capmid, t,
		    (cJSON_GetArrayItem(b0, 0)->valuedouble +
		    cJSON_GetArrayItem(a0, 0)->valuedouble) / 2) != 0)
			return -1;
	}
	return 0;
}

static void
tc_free(struct tc *tc)
{
	for (int i = 0; i < tc->nb; i++) {
		free(tc->b[i].fills);
		free(tc->b[i].fill_child);
		free(tc->b[i].fill_venue);
	}
	free(tc->b);
	free(tc->c);
	for (int i = 0; i < tc->nser; i++) {
		free(tc->ser[i].mid_t);
		free(tc->ser[i].mid);
		free(tc->ser[i].tr_t);
		free(tc->ser[i].tr_px);
		free(tc->ser[i].tr_qty);
		free(tc->ser[i].smp_t);
		free(tc->ser[i].smp);
	}
}

/* Events are read as the protocol this build speaks defines them; a
 * journal that names another version (or none) is refused. */
static int
tca_header_check(const char *path, const char *hdr)
{
	cJSON *h = cJSON_Parse(hdr != NULL ? hdr : "");
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(h, "protocol");
	int ok = cJSON_IsNumber(v) && TRANCHE_PROTO_JOURNAL_OK(v->valuedouble);

	if (!ok) {
		char *txt = v != NULL ? cJSON_PrintUnformatted(v) : NULL;

		fprintf(stderr, "tranched tca: %s: header protocol %s: this "
		    "build reads protocols %d to %d\n", path, txt != NULL ? txt :
		    "(missing)", TRANCHE_PROTO_JOURNAL_MIN,
		    TRANCHE_PROTO_VERSION);
		cJSON_free(txt);
	}
	cJSON_Delete(h);
	return ok ? 0 : -1;
}

/* The session of the journal's header re-simulated with leakage (the
 * backtester's matched sessions) into *r; 0, or -1 having said why. */
static int
tca_leak_run(const char *path, const char *hdr, struct bt_result *r,
             int64_t *qty)
{
	cJSON *h = cJSON_Parse(hdr != NULL ? hdr : "");
	struct scenario s;
	struct bt_opts o = { .leakage = 1 };
	char err[512];
	uint64_t seed = 0;
	int rv = -1;

	/* The session as an engine recovering the journal takes it. */
	if (server_journal_session(h, path, &s, &seed, err, sizeof err) != 0) {
		fprintf(stderr, "tranched tca: --leakage: %s\n", err);
		cJSON_Delete(h);
		return -1;
	}
	*qty = 0;
	for (int i = 0; i < s.norders; i++) {
		struct parent_spec ps;

		scenario_order(&s, i, seed, &ps);
		*qty += ps.qty;
	}
	if (backtest_session_opts(&s, &o, seed, r, err,
	    sizeof err) != 0)
		fprintf(stderr, "tranched tca: %s: --leakage: %s\n", path, err);
	else
		rv = 0;
	scenario_free(&s);
	cJSON_Delete(h);
	return rv;
}

/* Whether the re-simulated session (sim_qty shares in its blocks) is the
 * journal's: the same filled shares of the same quantity; -1 having said
 * so if not. */
static int
tca_leak_same(const char *path, const struct tc *tc, const struct bt_result *r,
              int64_t sim_qty)
{
	int64_t qty = 0, filled = 0;

	for (int i = 0; i < tc->nb; i++) {
		qty += tc->b[i].qty;
		for (size_t k = 0; k < tc->b[i].nfills; k++)
			filled += tc->b[i].fills[k].qty;
	}
	if (qty != sim_qty || llround(r->completion * (double)qty) != filled) {
		fprintf(stderr, "tranched tca: %s: --leakage: the scenario's "
		    "session re-simulated fills %lld of %lld shares, the journal "
		    "%lld of %lld: a session steered by commands (or of other "
		    "blocks) has no matched session to re-run\n", path,
		    llround(r->completion * (double)sim_qty), (long long)sim_qty,
		    (long long)filled, (long long)qty);
		return -1;
	}
	return 0;
}

/* A leakage figure, null when nothing could be measured. */
static void
tca_leak_json(cJSON *o, const char *key, double v)
{
	if (isnan(v))
		cJSON_AddNullToObject(o, key);
	else
		cJSON_AddNumberToObject(o, key, v);
}

static int
backtest_tca_main(int argc, char **argv)
{
	const char *path = NULL;
	int json = 0, csv = 0, rv;
	struct jrnl_reader *rd;
	struct jrnl_span span;
	struct jrnl_rec rec;
	char *hdr = NULL, msg[1024];
	struct tc *tc;
	long double sess_usd = 0, sess_value = 0;
	int sess_n = 0, leakage = 0, have_leak = 0;
	struct seq_outliers so = { 0 };
	struct bt_result lk;
	int64_t sim_qty = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0) {
			printf("usage: tranched tca JOURNAL [--json|--csv]\n"
			    "Transaction cost analysis of every block in a journal, in\n"
			    "the order of the blocks' ids:\n"
			    "shortfall against arrival and its decomposition (spread,\n"
			    "temporary impact, timing, opportunity), interval VWAP and\n"
			    "TWAP of the mid, participation, passive share, markouts;\n"
			    "each block against its own symbol's prints and mids.  With\n"
			    "several blocks, a last line sums the session: dollars over\n"
			    "the arrival value of all blocks (notional-weighted bps).\n"
			    "Benchmarks and markouts come from the engine's simulated-time\n"
			    "mid events and the block's own end, so one seed's report is\n"
			    "the same at any speed and after a recovery; a markout looks\n"
			    "no later than the block's end.\n"
			    "A damaged span is skipped and named on stderr, and so is an\n"
			    "event out of the order the engine published them in\n"
			    "(another session's record, or one written twice); a journal of\n"
			    "another protocol version, or with a fill whose quantity or\n"
			    "price cannot be, is refused naming the record (exit 1).\n\n"
			    "  --json   one JSON object per block, children included\n"
			    "  --csv    one CSV row per block, with a header\n"
			    "  --leakage  re-simulate the session from the journal's header,\n"
			    "           run its matched sessions (the same seed without the\n"
			    "           dark pool, without RFQ) and report by venue the lit\n"
			    "           mid's move after our dark fills and requests against\n"
			    "           theirs, +30 s and +5 min, bps against us\n"
			    "  --help   print this help and exit\n");
			return 0;
		} else if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (strcmp(argv[i], "--csv") == 0)
			csv = 1;
		else if (strcmp(argv[i], "--leakage") == 0)
			leakage = 1;
		else if (argv[i][0] == '-' || path != NULL) {
			fprintf(stderr, "tranched tca: unexpected \"%s\" (see --help)\n",
			    argv[i]);
			return 2;
		} else
			path = argv[i];
	}
	if (path == NULL || (json && csv)) {
		fprintf(stderr, "usage: tranched tca JOURNAL [--json|--csv] "
		    "[--leakage]\n");
		return 2;
	}
	if ((rv = jrnl_reader_open(&rd, path, &hdr)) != 0) {
		fprintf(stderr, "tranched tca: %s\n", jrnl_describe(msg,
		    sizeof msg, rv, path));
		return 1;
	}
	if (tca_header_check(path, hdr) != 0) {
		jrnl_reader_close(rd);
		free(hdr);
		return 1;
	}
	if (leakage && tca_leak_run(path, hdr, &lk, &sim_qty) != 0) {
		jrnl_reader_close(rd);
		free(hdr);
		return 1;
	}
	have_leak = leakage;
	if ((tc = calloc(1, sizeof *tc)) == NULL)
		return 1;
	/* Events out of the order the engine published them in, decided
	 * over the whole journal (server-seqorder.c): skipped below. */
	if (server_journal_seq_outliers(path, &so, msg, sizeof msg) != 0)
		fprintf(stderr, "tranched tca: %s (events' order not checked)\n",
		    msg);
	tc->tick = 0.01;
	{
		/* The tick is in the header's scenario, when the writer put it. */
		cJSON *h = cJSON_Parse(hdr ? hdr : "{}");
		const cJSON *sc = cJSON_GetObjectItemCaseSensitive(h, "scenario");
		const cJSON *mk = cJSON_IsObject(sc) ?
		    cJSON_GetObjectItemCaseSensitive(sc, "market") : NULL;

		/* Several markets share one tick: the first one's. */
		if (mk == NULL && cJSON_IsObject(sc))
			mk = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(sc,
			    "markets"), 0);
		const cJSON *tk = mk ? cJSON_GetObjectItemCaseSensitive(mk, "tick") :
		    NULL;

		if (cJSON_IsNumber(tk) && tk->valuedouble > 0)
			tc->tick = tk->valuedouble;
		cJSON_Delete(h);
	}
	free(hdr);
	for (;;) {
		while ((rv = jrnl_next(rd, &rec)) == 1) {
			const char *nul;
			const cJSON *sq;
			cJSON *o;

			if (rec.kind != JRNL_EVENT ||
			    (nul = memchr(rec.data, '\0', rec.len)) == NULL)
				continue;
			size_t tl = (size_t)(nul - (const char *)rec.data);

			o = cJSON_ParseWithLength(nul + 1, rec.len - tl - 1);
			/* Each seq once, in order, as the engine published
			 * them: one not past the one before is another
			 * session's record or one written twice, skipped and
			 * said (a foreign mid moved a report's shortfall by 26
			 * bps without a word: found by an adversarial review). */
			if (server_seq_outlier(&so, rec.offset)) {
				sq = cJSON_GetObjectItemCaseSensitive(o, "seq");
				fprintf(stderr, "tranched tca: %s: %s event at offset "
				    "%llu (seq %.0f) is out of the order the engine "
				    "published its events in: another session's "
				    "record or one written twice, skipped "
				    "(`tranched journal check` lists them)\n", path,
				    (const char *)rec.data,
				    (unsigned long long)rec.offset,
				    cJSON_IsNumber(sq) ? sq->valuedouble : -1.0);
				cJSON_Delete(o);
				continue;
			}
			rv = o != NULL ? tc_event(tc, (const char *)rec.data, o,
			    rec.t, msg, sizeof msg) : 0;
			cJSON_Delete(o);
			if (tc->oom)
				rv = -1;
			if (rv != 0) {
				if (rv == -1)
					fprintf(stderr, "tranched tca: out of memory\n");
				else
					fprintf(stderr, "tranched tca: %s: %s event at "
					    "offset %llu: %s: refused\n", path,
					    (const char *)rec.data,
					    (unsigned long long)rec.offset, msg);
				jrnl_reader_close(rd);
				server_seq_outliers_free(&so);
				tc_free(tc);
				free(tc);
				return 1;
			}
		}
		if (rv >= 0)
			break;
		if (rv != JRNL_ECORRUPT && rv != JRNL_ETORN) {
			fprintf(stderr, "tranched tca: %s: at offset %llu: %s\n",
			    path, (unsigned long long)rec.offset,
			    jrnl_describe(msg, sizeof msg, rv, path));
			break;
		}
		/* Skip the span and go on with the records after it. */
		if ((rv = jrnl_resync(rd, &span)) < 0) {
			fprintf(stderr, "tranched tca: %s\n", jrnl_describe(msg,
			    sizeof msg, rv, path));
			break;
		}
		fprintf(stderr, "tranched tca: %s: %s at offset %llu: %llu "
		    "bytes skipped%s\n", path, span.error == JRNL_ETORN ?
		    "torn tail" : "damaged span", (unsigned long long)span.offset,
		    (unsigned long long)span.bytes, rv == 1 ?
		    ", going on with the next good record" :
		    ", nothing good after it");
		if (rv == 0)
			break;
	}
	jrnl_reader_close(rd);
	server_seq_outliers_free(&so);
	if (have_leak && tca_leak_same(path, tc, &lk, sim_qty) != 0) {
		tc_free(tc);
		free(tc);
		return 1;
	}
	if (csv)
		printf("block,algo,side,qty,filled,state,arrival,avg_px,is_bps,"
		    "is_usd,spread_usd,temp_usd,timing_usd,opp_usd,vwap,vs_vwap_bps,"
		    "twap_mid,vs_twap_bps,participation,passive_share,markout_1m_bps,"
		    "markout_5m_bps,sym\n");
	/* Rows in the blocks' order, not the journal's: which block the
	 * journal first names depends on how the markets' steps fell. */
	int *ord = malloc(((size_t)tc->nb + 1) * sizeof *ord);

	if (ord == NULL) {
		fprintf(stderr, "tranched tca: out of memory\n");
		tc_free(tc);
		free(tc);
		return 1;
	}
	for (int i = 0; i < tc->nb; i++)
		ord[i] = i;
	tc_order = tc;
	qsort(ord, (size_t)tc->nb, sizeof ord[0], tc_block_cmp);
	for (int oi = 0; oi < tc->nb; oi++) {
		int i = ord[oi];
		struct tc_block *b = &tc->b[i];
		int64_t tend = b->t_end ? b->t_end : b->end;
		static const struct tc_series none;
		const struct tc_series *se = tc_series(tc, b->sym);
		struct tca_input in;
		struct tca_report r;
		double tk = tc->tick;
		int smp;

		/* Fills of a block no block event introduced (a damaged span
		 * took it, or the journal was pieced together): no quantity,
		 * side or window to measure them against, so they are left
		 * out, and said to be. */
		if (b->qty <= 0) {
			if (b->nfills > 0)
				fprintf(stderr, "tranched tca: %s: %zu fills (%lld "
				    "shares) name block \"%s\", which no block event "
				    "introduced: not in the report\n", path, b->nfills,
				    (long long)b->fill_qty, b->id);
			continue;
		}
		if (se == NULL)
			se = &none;
		/* The simulated-time samples when there are any. */
		smp = se->nsmp > 0;
		in = (struct tca_input){
			.side = b->side, .qty = b->qty, .arrival = b->arrival,
			.tick = tc->tick, .start = b->start, .end = tend,
			.fills = b->fills, .nfills = b->nfills,
			.mid_t = smp ? se->smp_t : se->mid_t,
			.mid = smp ? se->smp : se->mid, .nmid = smp ? se->nsmp :
			se->nmid, .tr_t = se->tr_t,
			.tr_px = se->tr_px, .tr_qty = se->tr_qty, .ntr = se->ntr,
			/* After the block's end the journal holds what the
			 * engine happened to run on for: wall time's choice. */
			.markout_until = tend,
		};
		/* The end price: the block's own mid when it ended, else the
		 * last mid at or before its end. */
		if (b->ended && b->end_mid > 0)
			in.end_mid = b->end_mid;
		else
			for (size_t k = 0; k < in.nmid; k++)
				if (in.mid_t[k] <= tend)
					in.end_mid = in.mid[k];
		if (in.end_mid <= 0)
			in.end_mid = b->arrival;
		for (size_t k = 0; k < b->nfills; k++)
			if (b->fill_venue[k] != VENUE_LIT)
				in.off_tape += b->fills[k].qty;
		if (tca_analyse(&in, &r) != 0)
			continue;
		sess_usd += r.is_usd;
		sess_value += (long double)b->arrival * tk * (long double)b->qty;
		sess_n++;
		if (csv) {
			/* Text from the journal quoted where it must be (a
			 * symbol "X,Y" made a row of one more field). */
			char q1[40], q2[56], q3[40], q4[40];

			printf("%s,%s,%s,%lld,%lld,%s,%.4f,%.4f,%.3f,%.2f,%.2f,%.2f,"
			    "%.2f,%.2f,%.4f,%.3f,%.4f,%.3f,%.3f,%.2f,%.3f,%.3f,%s\n",
			    cli_csv_field(q1, sizeof q1, b->id),
			    cli_csv_field(q2, sizeof q2, b->algo),
			    b->side == BOOK_BID ? "buy" : "sell",
			    (long long)b->qty, (long long)r.filled,
			    cli_csv_field(q3, sizeof q3, b->state),
			    b->arrival * tk, r.avg_px * tk, r.is_bps, r.is_usd,
			    r.spread_usd, r.temp_usd, r.timing_usd, r.opp_usd,
			    r.vwap * tk, r.vs_vwap_bps, r.twap_mid * tk, r.vs_twap_bps,
			    r.participation, r.passive_share, r.markout1_bps,
			    r.markout5_bps, cli_csv_field(q4, sizeof q4, se->sym));
		} else if (json) {
			cJSON *o = cJSON_CreateObject(), *ch = cJSON_CreateArray();

			cJSON_AddStringToObject(o, "block", b->id);
			cJSON_AddStringToObject(o, "sym", se->sym);
			cJSON_AddStringToObject(o, "algo", b->algo);
			cJSON_AddStringToObject(o, "side", b->side == BOOK_BID ? "buy" :
			    "sell");
			cJSON_AddNumberToObject(o, "qty", (double)b->qty);
			cJSON_AddNumberToObject(o, "filled", (double)r.filled);
			cJSON_AddStringToObject(o, "state", b->state);
			cJSON_AddNumberToObject(o, "arrival", b->arrival * tk);
			cJSON_AddNumberToObject(o, "avg_px", r.avg_px * tk);
			cJSON_AddNumberToObject(o, "is_bps", r.is_bps);
			cJSON_AddNumberToObject(o, "is_usd", r.is_usd);
			cJSON_AddNumberToObject(o, "spread_usd", r.spread_usd);
			cJSON_AddNumberToObject(o, "temp_usd", r.temp_usd);
			cJSON_AddNumberToObject(o, "timing_usd", r.timing_usd);
			cJSON_AddNumberToObject(o, "opp_usd", r.opp_usd);
			cJSON_AddNumberToObject(o, "vwap", r.vwap * tk);
			cJSON_AddNumberToObject(o, "vs_vwap_bps", r.vs_vwap_bps);
			cJSON_AddNumberToObject(o, "twap_mid", r.twap_mid * tk);
			cJSON_AddNumberToObject(o, "vs_twap_bps", r.vs_twap_bps);
			cJSON_AddNumberToObject(o, "participation", r.participation);
			cJSON_AddNumberToObject(o, "passive_share", r.passive_share);
			cJSON_AddNumberToObject(o, "markout_1m_bps", r.markout1_bps);
			cJSON_AddNumberToObject(o, "markout_5m_bps", r.markout5_bps);
			for (size_t k = 0; k < tc->nc; k++) {
				struct tc_child *c = &tc->c[k];

				if (c->block != i)
					continue;
				cJSON *co = cJSON_CreateObject();
				cJSON_AddStringToObject(co, "id", c->id);
				cJSON_AddNumberToObject(co, "px", c->px * tk);
				cJSON_AddNumberToObject(co, "qty", (double)c->qty);
				cJSON_AddNumberToObject(co, "filled", (double)c->filled);
				cJSON_AddStringToObject(co, "style", c->style);
				cJSON_AddNumberToObject(co, "mid", c->mid * tk);
				cJSON_AddItemToArray(ch, co);
			}
			cJSON_AddItemToObject(o, "children", ch);
			{
				struct tc_venue_report vr;
				cJSON *vo = cJSON_CreateObject();

				tc_by_venue(tc, i, &in, &vr);
				for (int v = 0; v < VENUE_COUNT; v++) {
					cJSON *one = cJSON_CreateObject();

					cJSON_AddNumberToObject(one, "filled", (double)vr.qty[v]);
					cJSON_AddNumberToObject(one, "share_pct", vr.pct[v]);
					cJSON_AddNumberToObject(one, "cost_bps", vr.cost_bps[v]);
					cJSON_AddNumberToObject(one, "move_1m_bps",
					    vr.move_bps[v]);
					if (v == VENUE_DARK)
						cJSON_AddNumberToObject(one, "fill_rate_pct",
						    vr.sent[v] > 0 ? 100.0 * (double)vr.qty[v] /
						    (double)vr.sent[v] : 0);
					if (have_leak && v != VENUE_LIT) {
						cJSON_AddNumberToObject(one, "leak_events",
						    lk.leak_n[v]);
						tca_leak_json(one, "leak_30s_bps",
						    lk.leak_bps[v][0]);
						tca_leak_json(one, "leak_5m_bps", lk.leak_bps[v][1]);
					}
					cJSON_AddItemToObject(vo, venue_name(v), one);
				}
				cJSON_AddItemToObject(o, "venues", vo);
			}
			char *txt = cJSON_PrintUnformatted(o);
			printf("%s\n", txt);
			cJSON_free(txt);
			cJSON_Delete(o);
		} else {
			size_t nch = 0;

			for (size_t k = 0; k < tc->nc; k++)
				nch += tc->c[k].block == i;
			printf("block %s  %s  %s %lld  %s  %s  filled %lld  children "
			    "%zu\n", b->id, se->sym, b->side == BOOK_BID ? "buy" : "sell",
			    (long long)b->qty, b->algo, b->state, (long long)r.filled,
			    nch);
			printf("  arrival %.4f  avg %.4f  shortfall %.2f bps  $%.0f\n",
			    b->arrival * tk, r.avg_px * tk, r.is_bps, r.is_usd);
			printf("  spread $%.0f  temporary $%.0f  timing $%.0f  "
			    "opportunity $%.0f\n", r.spread_usd, r.temp_usd,
			    r.timing_usd, r.opp_usd);
			printf("  interval VWAP %.4f (%+.2f bps)  TWAP of mid %.4f "
			    "(%+.2f bps)\n", r.vwap * tk, r.vs_vwap_bps, r.twap_mid * tk,
			    r.vs_twap_bps);
			printf("  participation %.2f%%  passive %.1f%%  markout +1m "
			    "%+.2f bps  +5m %+.2f bps\n", r.participation,
			    r.passive_share, r.markout1_bps, r.markout5_bps);
			struct tc_venue_report vr;

			tc_by_venue(tc, i, &in, &vr);
			/* A lit-only block says nothing more than it always did. */
			for (int v = 0; v < VENUE_COUNT && vr.qty[VENUE_LIT] <
			    r.filled; v++) {
				if (vr.qty[v] == 0)
					continue;
				printf("  %-4s %lld shares (%.1f%%)  cost %+.2f bps vs "
				    "mid  mid +1m %+.2f bps", venue_name(v),
				    (long long)vr.qty[v], vr.pct[v], vr.cost_bps[v],
				    vr.move_bps[v]);
				if (v == VENUE_DARK && vr.sent[v] > 0)
					printf("  fill rate %.1f%%", 100.0 *
					    (double)vr.qty[v] / (double)vr.sent[v]);
				if (have_leak && v != VENUE_LIT && lk.leak_n[v] > 0)
					printf("  leak vs matched +30s %+.2f bps  +5m %+.2f bps "
					    "(%d events)", lk.leak_bps[v][0], lk.leak_bps[v][1],
					    lk.leak_n[v]);
				printf("\n");
			}
		}
	}
	/* The session as one: notional-weighted across its blocks. */
	if (!csv && !json && sess_n > 1)
		printf("session  %d blocks on %d symbol%s  shortfall %.2f bps of "
		    "the arrival value (notional-weighted)  $%.0f\n", sess_n,
		    tc->nser, tc->nser == 1 ? "" : "s", sess_value > 0 ?
		    (double)(sess_usd / sess_value * 1e4L) : 0.0,
		    (double)sess_usd);
	free(ord);
	tc_free(tc);
	free(tc);
	return 0;
}

const struct cli_cmd cli_tca_cmd = {
	.name = "tca",
	.main = backtest_tca_main,
	.usage = "tca JOURNAL [--json|--csv]",
	.help = "transaction cost analysis of every block in a journal",
};
