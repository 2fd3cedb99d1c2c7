/*
 * tui/store.c -- the console's state store: everything the engine has told
 * us, and nothing else.
 *
 * The store is fed by a snapshot (the answer to a `snapshot` command) and by
 * the events that follow it.  Panels read it and never see a socket; a
 * transport (live or replay) is the only writer.  Every mutation sets a
 * dirty bit so the screen redraws only the panels whose inputs changed.
 *
 * Sequencing.  The engine numbers its events gap-free, but PUB/SUB drops
 * messages for a slow subscriber without saying so.  So every event's "seq"
 * is checked against the last one applied: a jump counts a gap and asks for
 * a resync (RESYNC_WANTED).  The transport then asks for a snapshot and
 * calls store_resync_begin(); from then on events are held in a backlog,
 * because the snapshot reply and the events race each other.  When the
 * snapshot arrives the store is rebuilt from it, held events up to its "seq"
 * are dropped (the snapshot already contains them) and the rest are applied
 * in order.  An event at or below the last applied seq is stale and dropped.
 *
 * Liveness.  Heartbeats come once a second of wall time.  Their age, in the
 * caller's monotonic clock, drives CONNECTING / CONNECTED / DISCONNECTED;
 * when events resume after a disconnection the store wants a resync, since
 * whatever happened in between was missed.
 *
 * Text.  Everything that came off the wire and will reach a terminal passes
 * through store_text(): control characters go (ipc_strip_controls), so do
 * format characters (text_is_format: a U+202E in a reason would otherwise
 * draw the rest of the line backwards), invalid UTF-8 becomes '?', and cuts
 * fall on character boundaries.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tui/tui.h"

/* ------------------------------------------------------------------ text */

/* Length of a valid UTF-8 character at p (at most `left` bytes) with its
 * code point in *out, or 0: the codec's decoder (ipc_utf8_char), and C1
 * controls (U+0080..U+009F) are not text either. */
static size_t
store_utf8_len(const unsigned char *p, size_t left, uint32_t *out)
{
	size_t n = ipc_utf8_char((const char *)p, left, out);

	if (n == 0 || (*out >= 0x80 && *out <= 0x9f))
		return 0;
	return n;
}

void
store_text(char *dst, size_t n, const char *src)
{
	char *tmp;
	const unsigned char *p;
	size_t w = 0, left, len;
	uint32_t cp;

	if (n == 0)
		return;
	dst[0] = '\0';
	if (src == NULL)
		return;
	if ((tmp = strdup(src)) == NULL)
		abort();
	ipc_strip_controls(tmp);
	p = (const unsigned char *)tmp;
	left = strlen(tmp);
	while (left > 0) {
		len = store_utf8_len(p, left, &cp);
		if (len > 0 && text_is_format(cp)) {
			p += len, left -= len;
			continue;
		}
		if (len == 0) {
			if (w + 1 >= n)
				break;
			dst[w++] = '?';
			p++, left--;
			continue;
		}
		if (w + len >= n)
			break;
		memcpy(dst + w, p, len);
		w += len, p += len, left -= len;
	}
	dst[w] = '\0';
	free(tmp);
}

/* ------------------------------------------------------------------ rings */

static void
store_ring_init(struct store_ring *r, size_t size, size_t cap)
{
	r->items = calloc(cap, size);
	if (r->items == NULL)
		abort();
	r->size = size;
	r->cap = cap;
	r->head = r->count = 0;
}

static void
store_ring_clear(struct store_ring *r)
{
	r->head = r->count = 0;
	r->cleared++;
}

/* A zeroed slot for a new newest item, dropping the oldest when full. */
static void *
store_ring_push(struct store_ring *r)
{
	size_t slot;
	void *item;

	if (r->count == r->cap) {
		slot = r->head;
		r->head = (r->head + 1) % r->cap;
	} else {
		slot = (r->head + r->count) % r->cap;
		r->count++;
	}
	r->pushed++;
	item = (char *)r->items + slot * r->size;
	memset(item, 0, r->size);
	return item;
}

/* i = 0 is the newest. */
static const void *
store_ring_at(const struct store_ring *r, size_t i)
{
	if (i >= r->count)
		return NULL;
	return (const char *)r->items +
	    ((r->head + r->count - 1 - i) % r->cap) * r->size;
}

/* ------------------------------------------------------------ life cycle */

void
store_init(struct store *s)
{
	memset(s, 0, sizeof *s);
	store_ring_init(&s->decisions, sizeof(struct store_decision),
	    STORE_DECISIONS);
	store_ring_init(&s->alerts, sizeof(struct store_alert), STORE_ALERTS);
	store_ring_init(&s->tape, sizeof(struct store_print), STORE_TAPE);
	store_ring_init(&s->points, sizeof(struct store_point), STORE_POINTS);
	store_ring_init(&s->fills, sizeof(struct store_print), STORE_FILLS);
	store_ring_init(&s->audit, sizeof(struct store_audit), STORE_AUDIT);
	s->backlog = calloc(STORE_BACKLOG, sizeof *s->backlog);
	if (s->backlog == NULL)
		abort();
	store_set_tick(s, 0.01);
	s->tick_known = 0;
	s->speed = -1;
	s->shown_age_s = -1;
	s->resync = RESYNC_NONE;
	s->conn = CONN_CONNECTING;
	s->dirty = DIRTY_ALL;
}

static void
store_backlog_drop(struct store *s)
{
	size_t i;

	for (i = 0; i < s->nbacklog; i++)
		ipc_event_free(&s->backlog[(s->backlog_head + i) %
		    STORE_BACKLOG]);
	s->nbacklog = s->backlog_head = 0;
}

void
store_free(struct store *s)
{
	store_backlog_drop(s);
	free(s->backlog);
	free(s->decisions.items);
	free(s->alerts.items);
	free(s->tape.items);
	free(s->points.items);
	free(s->fills.items);
	free(s->audit.items);
	s->tape.items = s->points.items = s->fills.items = s->audit.items = NULL;
	s->backlog = NULL;
	s->decisions.items = s->alerts.items = NULL;
}

void
store_set_tick(struct store *s, double tick)
{
	if (!(tick > 0) || !isfinite(tick))
		return;
	s->tick = tick;
	s->px_decimals = text_decimals(tick);
	s->tick_known = 1;
	s->dirty |= DIRTY_ALL;
}

/* --------------------------------------------------------------- getters */

static void
store_get_text(const cJSON *o, const char *name, char *dst, size_t n)
{
	const char *v;

	if (ipc_get_str(o, name, &v) == 0)
		store_text(dst, n, v);
}

/* Returns 1 when the field was present and read. */
/*
 * Whole numbers from the wire are held to +-STORE_NUM_MAX: far beyond any
 * real price, quantity, time of day or count, and small enough that the
 * panels' sums (cumulative depth, totals) and products cannot overflow.
 * A hostile or broken publisher gets a silly number on screen, never
 * undefined arithmetic.
 */
#define STORE_NUM_MAX 1000000000000000LL /* 1e15 */

static int64_t
store_clamp(double d)
{
	if (!(d > -(double)STORE_NUM_MAX)) /* also NaN */
		return d != d ? 0 : -STORE_NUM_MAX;
	if (d > (double)STORE_NUM_MAX)
		return STORE_NUM_MAX;
	return (int64_t)llround(d);
}

static int
store_get_i64(const cJSON *o, const char *name, int64_t *dst)
{
	double d;

	if (ipc_get_i64(o, name, dst) == 0) {
		if (*dst > STORE_NUM_MAX)
			*dst = STORE_NUM_MAX;
		else if (*dst < -STORE_NUM_MAX)
			*dst = -STORE_NUM_MAX;
		return 1;
	}
	/* Quantities are whole, but be lenient with a fractional number. */
	if (ipc_get_num(o, name, &d) == 0 && isfinite(d)) {
		*dst = store_clamp(d);
		return 1;
	}
	return 0;
}

static int
store_get_num(const cJSON *o, const char *name, double *dst)
{
	return ipc_get_num(o, name, dst) == 0;
}

/* The engine's speed: a number, or "max" (kept as 0; -1 is not known). */
static void
store_get_speed(const cJSON *o, double *dst)
{
	const cJSON *f = cJSON_GetObjectItemCaseSensitive(o, "speed");

	if (cJSON_IsString(f) && strcmp(f->valuestring, "max") == 0)
		*dst = 0;
	else
		store_get_num(o, "speed", dst);
}

/* ---------------------------------------------------------------- topics */

static int
store_levels(const cJSON *arr, struct store_level *out)
{
	const cJSON *lv;
	int n = 0;

	if (!cJSON_IsArray(arr))
		return 0;
	cJSON_ArrayForEach(lv, arr) {
		const cJSON *px, *qty, *ord;

		if (n == STORE_LEVELS)
			break;
		if (!cJSON_IsArray(lv))
			continue;
		px = cJSON_GetArrayItem(lv, 0);
		qty = cJSON_GetArrayItem(lv, 1);
		ord = cJSON_GetArrayItem(lv, 2);
		if (!cJSON_IsNumber(px) || !cJSON_IsNumber(qty) ||
		    !isfinite(px->valuedouble) || !isfinite(qty->valuedouble))
			continue;
		out[n].px = store_clamp(px->valuedouble);
		out[n].qty = store_clamp(qty->valuedouble);
		out[n].orders = cJSON_IsNumber(ord) && isfinite(ord->valuedouble) ?
		    store_clamp(ord->valuedouble) : 0;
		n++;
	}
	return n;
}

/*
 * The book of sym, made on first sight (NULL when STORE_SYMS are taken).
 * A book event without a symbol (an engine older than symbols) is the
 * first book's.
 */
static struct store_book *
store_book_slot(struct store *s, const char *sym)
{
	struct store_book *b;

	if (sym[0] == '\0' && s->nbooks > 0)
		return &s->books[0];
	for (int i = 0; i < s->nbooks; i++)
		if (strcmp(s->books[i].sym, sym) == 0)
			return &s->books[i];
	if (s->nbooks == STORE_SYMS)
		return NULL;
	b = &s->books[s->nbooks++];
	memset(b, 0, sizeof *b);
	store_text(b->sym, sizeof b->sym, sym);
	return b;
}

const struct store_book *
store_book_of(const struct store *s, const char *sym)
{
	static const struct store_book none;

	if (sym != NULL && sym[0] != '\0')
		for (int i = 0; i < s->nbooks; i++)
			if (strcmp(s->books[i].sym, sym) == 0)
				return &s->books[i];
	return s->nbooks > 0 ? &s->books[0] : &none;
}

/* The symbols the engine trades, in its order (hello, status, snapshot):
 * books for each, so books[0] is the engine's first symbol. */
static void
store_apply_syms(struct store *s, const cJSON *syms)
{
	const cJSON *it;
	char sym[16];

	if (!cJSON_IsArray(syms))
		return;
	cJSON_ArrayForEach(it, syms) {
		if (!cJSON_IsString(it))
			continue;
		store_text(sym, sizeof sym, it->valuestring);
		if (sym[0] != '\0')
			store_book_slot(s, sym);
	}
}

static void
store_apply_book(struct store *s, const cJSON *o, int64_t t)
{
	struct store_book *b;
	const cJSON *ours, *it;
	const char *side;
	char sym[16];

	store_get_text(o, "sym", sym, sizeof sym);
	if ((b = store_book_slot(s, sym)) == NULL)
		return;
	if (b->sym[0] != '\0' && s->sym[0] == '\0')
		store_text(s->sym, sizeof s->sym, b->sym);
	b->nbids = store_levels(cJSON_GetObjectItemCaseSensitive(o, "bids"),
	    b->bids);
	b->nasks = store_levels(cJSON_GetObjectItemCaseSensitive(o, "asks"),
	    b->asks);
	store_get_i64(o, "last", &b->last);
	b->nours = 0;
	ours = cJSON_GetObjectItemCaseSensitive(o, "ours");
	b->ours_total = 0;
	if (cJSON_IsArray(ours)) {
		cJSON_ArrayForEach(it, ours) {
			struct store_our *u;
			int64_t px, qty;

			if (!cJSON_IsObject(it))
				break;
			/* Past what is kept, a child is counted, so that the
			 * panel can say how many it does not show. */
			if (b->nours == STORE_OURS) {
				b->ours_total += store_get_i64(it, "px", &px) &&
				    store_get_i64(it, "qty", &qty);
				continue;
			}
			u = &b->ours[b->nours];
			memset(u, 0, sizeof *u);
			store_get_text(it, "id", u->id, sizeof u->id);
			if (ipc_get_str(it, "side", &side) == 0)
				u->buy = strcmp(side, "buy") == 0;
			if (!store_get_i64(it, "px", &u->px) ||
			    !store_get_i64(it, "qty", &u->qty))
				continue;
			store_get_i64(it, "ahead", &u->ahead);
			store_get_text(it, "block", u->block, sizeof u->block);
			store_get_text(it, "venue", u->venue, sizeof u->venue);
			store_get_i64(it, "since", &u->since);
			u->manual = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(it,
			    "manual"));
			b->nours++;
		}
	}
	b->ours_total += b->nours;
	b->t = t;
	s->dirty |= DIRTY_BOOK;
	if (b->nbids > 0 && b->nasks > 0) {
		struct store_point *pt;
		int64_t mid2 = b->bids[0].px + b->asks[0].px;

		/* One sample per change of the symbol's mid, or per second. */
		if (b->pt_t == 0 || b->pt_mid2 != mid2 ||
		    t - b->pt_t >= 1000000000) {
			pt = store_ring_push(&s->points);
			pt->t = t;
			pt->mid2 = mid2;
			pt->last = b->last;
			memcpy(pt->sym, b->sym, sizeof pt->sym);
			b->pt_t = t;
			b->pt_mid2 = mid2;
			s->dirty |= DIRTY_CHART;
		}
	}
}

static void
store_block_clear(struct store_block *b, const char *id)
{
	int k;

	memset(b, 0, sizeof *b);
	store_text(b->id, sizeof b->id, id);
	for (k = 0; k < STORE_CURVE; k++)
		b->curve[k].sched = -1;
}

static struct store_block *
store_block_slot(struct store *s, const char *id)
{
	int i, victim = -1;

	for (i = 0; i < s->nblocks; i++)
		if (strcmp(s->blocks[i].id, id) == 0)
			return &s->blocks[i];
	if (s->nblocks < STORE_BLOCKS) {
		i = s->nblocks++;
		store_block_clear(&s->blocks[i], id);
		return &s->blocks[i];
	}
	/* Full: reuse the oldest finished block, if any. */
	for (i = 0; i < s->nblocks; i++) {
		const char *st = s->blocks[i].state;

		if (strcmp(st, "DONE") == 0 || strcmp(st, "CANCELLED") == 0 ||
		    strcmp(st, "EXPIRED") == 0) {
			if (victim < 0 || s->blocks[i].t < s->blocks[victim].t)
				victim = i;
		}
	}
	if (victim < 0)
		return NULL;
	store_block_clear(&s->blocks[victim], id);
	return &s->blocks[victim];
}

/* Which curve slice time t falls in, or -1 outside start..end. */
int
store_curve_slice(const struct store_block *b, int64_t t)
{
	if (!(b->have & BLK_END) || b->end <= b->start || t < b->start)
		return -1;
	if (t >= b->end)
		return STORE_CURVE - 1;
	return (int)((long double)(t - b->start) * STORE_CURVE /
	    (long double)(b->end - b->start));
}

static void
store_curve_sample(struct store_block *b, int64_t t)
{
	int k = store_curve_slice(b, t);

	if (k < 0 || !(b->have & BLK_SCHED))
		return;
	b->curve[k].sched = b->sched_qty;
	b->curve[k].filled = b->filled;
}

/* A whole number from an array item, read as store_get_i64 reads a
 * field: a number, or a string of decimal digits (times), held to
 * +-STORE_NUM_MAX. */
static int
store_item_i64(const cJSON *it, int64_t *dst)
{
	const char *d;

	if (cJSON_IsNumber(it) && isfinite(it->valuedouble)) {
		*dst = store_clamp(it->valuedouble);
		return 1;
	}
	if (!cJSON_IsString(it))
		return 0;
	d = it->valuestring + (it->valuestring[0] == '-');
	/* Sixteen digits are past STORE_NUM_MAX and well inside int64. */
	if (*d == '\0' || strspn(d, "0123456789") != strlen(d) ||
	    strlen(d) > 16)
		return 0;
	*dst = store_clamp((double)strtoll(it->valuestring, NULL, 10));
	return 1;
}

/*
 * The block's plan (its event's "plan"), read whole or not at all: the
 * samples must be pairs of [time, shares], the plan's and the base's at
 * the same times, in time order, at least two and at most STORE_PLAN_PTS.
 * A block event is the block's whole state, so no plan (or one that does
 * not read) means none is in force.
 */
static void
store_block_plan(struct store_block *b, const cJSON *o)
{
	const cJSON *pl = cJSON_GetObjectItemCaseSensitive(o, "plan");
	const cJSON *pts, *bpts;
	struct store_plan np;
	const char *shape;
	int n, i;

	b->plan.n = 0;
	if (!cJSON_IsObject(pl))
		return;
	pts = cJSON_GetObjectItemCaseSensitive(pl, "points");
	bpts = cJSON_GetObjectItemCaseSensitive(pl, "base_points");
	if (!cJSON_IsArray(pts) || !cJSON_IsArray(bpts))
		return;
	n = cJSON_GetArraySize(pts);
	if (n < 2 || n > STORE_PLAN_PTS || cJSON_GetArraySize(bpts) != n)
		return;
	memset(&np, 0, sizeof np);
	for (i = 0; i < n; i++) {
		const cJSON *a = cJSON_GetArrayItem(pts, i);
		const cJSON *c = cJSON_GetArrayItem(bpts, i);
		int64_t bt;

		if (!cJSON_IsArray(a) || !cJSON_IsArray(c) ||
		    cJSON_GetArraySize(a) != 2 || cJSON_GetArraySize(c) != 2 ||
		    !store_item_i64(cJSON_GetArrayItem(a, 0), &np.t[i]) ||
		    !store_item_i64(cJSON_GetArrayItem(a, 1), &np.due[i]) ||
		    !store_item_i64(cJSON_GetArrayItem(c, 0), &bt) ||
		    !store_item_i64(cJSON_GetArrayItem(c, 1), &np.base[i]) ||
		    bt != np.t[i] || (i > 0 && np.t[i] < np.t[i - 1]))
			return;
	}
	store_get_i64(pl, "since", &np.since);
	store_get_i64(pl, "lump", &np.lump);
	store_get_i64(pl, "half_qty", &np.half_qty);
	store_get_i64(pl, "half_t", &np.half_t);
	store_get_i64(pl, "base_half_t", &np.base_half_t);
	store_get_num(pl, "urgency", &np.urgency);
	np.own = ipc_get_str(pl, "shape", &shape) == 0 &&
	    strcmp(shape, "own") == 0;
	np.n = n;
	b->plan = np;
}

int64_t
store_plan_due(const struct store_plan *pl, int64_t t, int base)
{
	const int64_t *v = base ? pl->base : pl->due;
	int i;

	if (pl->n < 2 || t < pl->t[0])
		return -1;
	for (i = 1; i < pl->n; i++)
		if (t <= pl->t[i]) {
			int64_t span = pl->t[i] - pl->t[i - 1];

			if (span <= 0)
				return v[i];
			return v[i - 1] + (int64_t)llround((double)(v[i] -
			    v[i - 1]) * (double)(t - pl->t[i - 1]) / (double)span);
		}
	return v[pl->n - 1];
}

/* "FIX oms X1" from {"kind":"fix","session":"oms","clordid":"X1"}; a
 * kind the console does not know is shown as it came (stripped). */
static void
store_block_origin(struct store_block *b, const cJSON *og)
{
	char kind[16], sess[40], ref[70];

	if (!cJSON_IsObject(og))
		return;
	kind[0] = sess[0] = ref[0] = '\0';
	store_get_text(og, "kind", kind, sizeof kind);
	store_get_text(og, "session", sess, sizeof sess);
	store_get_text(og, "clordid", ref, sizeof ref);
	snprintf(b->origin, sizeof b->origin, "%s%s%s%s%s",
	    strcmp(kind, "fix") == 0 ? "FIX" : kind, sess[0] ? " " : "", sess,
	    ref[0] ? " " : "", ref);
}

static void
store_apply_block(struct store *s, const cJSON *o, int64_t t)
{
	struct store_block *b;
	char id[32];
	const char *raw;

	if (ipc_get_str(o, "id", &raw) != 0)
		return;
	store_text(id, sizeof id, raw);
	if (id[0] == '\0')
		return;
	/* Every slot holds a live block: this one cannot be shown, and the
	 * blotter says so instead of dropping it without a word. */
	if ((b = store_block_slot(s, id)) == NULL) {
		s->blocks_full = 1;
		return;
	}
	store_get_text(o, "sym", b->sym, sizeof b->sym);
	store_get_text(o, "side", b->side, sizeof b->side);
	store_get_text(o, "state", b->state, sizeof b->state);
	store_get_text(o, "algo", b->algo, sizeof b->algo);
	store_get_text(o, "at_end", b->at_end, sizeof b->at_end);
	store_block_origin(b, cJSON_GetObjectItemCaseSensitive(o, "origin"));
	store_get_i64(o, "qty", &b->qty);
	store_get_i64(o, "filled", &b->filled);
	store_get_i64(o, "working", &b->working);
	store_get_i64(o, "remaining", &b->remaining);
	store_get_i64(o, "start", &b->start);
	if (store_get_i64(o, "end", &b->end))
		b->have |= BLK_END;
	if (store_get_i64(o, "sched_qty", &b->sched_qty))
		b->have |= BLK_SCHED;
	if (store_get_num(o, "arrival_px", &b->arrival_px))
		b->have |= BLK_ARRIVAL;
	if (store_get_num(o, "avg_px", &b->avg_px))
		b->have |= BLK_AVG;
	if (store_get_num(o, "pct_sched", &b->pct_sched))
		b->have |= BLK_SCHED;
	if (store_get_num(o, "is_bps", &b->is_bps))
		b->have |= BLK_IS;
	if (store_get_num(o, "is_cash", &b->is_cash))
		b->have |= BLK_CASH;
	if (store_get_num(o, "max_pov", &b->max_pov))
		b->have |= BLK_MAXPOV;
	store_get_num(o, "mkt_vol", &b->mkt_vol);
	if (store_get_i64(o, "max_child", &b->max_child))
		b->have |= BLK_MAXCHILD;
	if (store_get_i64(o, "limit_px", &b->limit_px))
		b->have |= BLK_LIMIT;
	store_get_i64(o, "passive_filled", &b->passive_filled);
	store_get_text(o, "aggression", b->aggression, sizeof b->aggression);
	/* A block event is the block's whole state: no "forced" means the
	 * override has ended (and store_conflate relies on wholeness). */
	b->forced[0] = '\0';
	store_get_text(o, "forced", b->forced, sizeof b->forced);
	b->forced_until = 0;
	store_get_i64(o, "forced_until", &b->forced_until);
	if (store_get_num(o, "pov", &b->pov))
		b->have |= BLK_POV;
	if (store_get_num(o, "is_spread", &b->is_spread) &&
	    store_get_num(o, "is_temp", &b->is_temp) &&
	    store_get_num(o, "is_timing", &b->is_timing) &&
	    store_get_num(o, "is_opp", &b->is_opp))
		b->have |= BLK_PARTS;
	store_block_plan(b, o);
	store_apply_venues(b, o);
	store_curve_sample(b, t);
	if (t > b->t)
		b->t = t;
	s->dirty |= DIRTY_BLOCK | DIRTY_RFQ;
}

/* A shadow model that would have decided otherwise (tranched --shadow)
 * goes in front of the reason, where the trader reads, and is found by
 * searching for "shadow". */
static void
store_decision_shadow(const cJSON *o, struct store_decision *d)
{
	const cJSON *sh = cJSON_GetObjectItemCaseSensitive(o, "shadow");
	char choice[32] = "", reason[sizeof d->reason];
	double pct = 0, n = 0;

	if (!cJSON_IsObject(sh) || cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
	    sh, "agree")))
		return;
	store_get_text(sh, "choice", choice, sizeof choice);
	store_get_num(sh, "disagree_pct", &pct);
	store_get_num(sh, "decisions", &n);
	snprintf(reason, sizeof reason, "%s", d->reason);
	/* Cut to fit: the reason's tail is the least important part. */
	snprintf(d->reason, sizeof d->reason, "[shadow: %.31s; differs %.0f%% "
	    "of %.0f] %.120s", choice, pct, n, reason);
}

/*
 * A child a cap cut (the decision's "held") in a few words: "[cap: 700 of
 * 30,204 sent]", or "[max child: ...]"; "" when nothing was cut.  The
 * engine says it at the end of a reason a panel cuts first, and a re-plan's
 * "+N now" before it is the plan's, not what was sent.
 */
const char *
store_held_words(const cJSON *o, char *buf, size_t n)
{
	const cJSON *h = cJSON_GetObjectItemCaseSensitive(o, "held");
	char by[24] = "", q1[32], q2[32];
	int64_t due = 0, qty = 0;

	buf[0] = '\0';
	if (!cJSON_IsObject(h) || !store_get_i64(h, "due", &due) ||
	    !store_get_i64(o, "qty", &qty) || qty <= 0 || qty >= due)
		return buf;
	store_get_text(h, "by", by, sizeof by);
	snprintf(buf, n, "[%s: %s of %s sent]",
	    strcmp(by, "max_child") == 0 ? "max child" :
	    strcmp(by, "desk") == 0 ? "desk" : strcmp(by, "window") == 0 ?
	    "window" : "cap",
	    text_qty(q1, sizeof q1, qty), text_qty(q2, sizeof q2, due));
	return buf;
}

/* The cut, in front of the reason. */
static void
store_decision_held(const cJSON *o, struct store_decision *d)
{
	char reason[sizeof d->reason], w[96];
	size_t n;

	if (store_held_words(o, w, sizeof w)[0] == '\0')
		return;
	snprintf(reason, sizeof reason, "%s", d->reason);
	snprintf(d->reason, sizeof d->reason, "%s ", w);
	n = strlen(d->reason);
	snprintf(d->reason + n, sizeof d->reason - n, "%s", reason);
}

#define STORE_REPLAN_SHOWN_NS 60000000000LL

/*
 * A decision that changed the block's plan says so first, in a few words
 * from its plan_before and plan_after ("[plan: half by 10:45:10, was
 * 11:20:00; +12,000 now]"): the engine's reason says it in full, but after
 * the algorithm's why, past where a narrow panel cuts.
 */
static void
store_decision_plan(const cJSON *o, struct store_decision *d)
{
	const cJSON *b = cJSON_GetObjectItemCaseSensitive(o, "plan_before");
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, "plan_after");
	int64_t bt = 0, at = 0, bd = 0, ad = 0;
	char reason[sizeof d->reason], c1[16], c2[16], q[32], now[48] = "";

	if (!cJSON_IsObject(a) || !cJSON_IsObject(b) ||
	    !store_get_i64(b, "half_t", &bt) || !store_get_i64(a, "half_t", &at))
		return;
	store_get_i64(b, "due", &bd);
	store_get_i64(a, "due", &ad);
	/* An adaptive rule re-plans at every decision, mostly by seconds:
	 * a minute, or shares due at once, is what is worth the front. */
	if (llabs(at - bt) < STORE_REPLAN_SHOWN_NS && bd == ad)
		return;
	d->replan = 1;
	if (ad != bd)
		snprintf(now, sizeof now, "; %s%s now", ad > bd ? "+" : "",
		    text_qty(q, sizeof q, ad - bd));
	snprintf(reason, sizeof reason, "%s", d->reason);
	snprintf(d->reason, sizeof d->reason, "[plan: half by %s, was %s%s] "
	    "%.420s", text_clock(c1, sizeof c1, at), text_clock(c2, sizeof c2,
	    bt), now, reason);
}

static void
store_apply_decision(struct store *s, const cJSON *o, int64_t t)
{
	struct store_decision *d = store_ring_push(&s->decisions);
	int64_t tt;

	d->t = t;
	if (store_get_i64(o, "t", &tt))
		d->t = tt;
	store_get_text(o, "block", d->block, sizeof d->block);
	store_get_text(o, "action", d->action, sizeof d->action);
	store_get_text(o, "style", d->style, sizeof d->style);
	store_get_text(o, "reason", d->reason, sizeof d->reason);
	d->replan = 0;
	store_decision_held(o, d);
	store_decision_plan(o, d);
	store_decision_shadow(o, d);
	store_get_i64(o, "qty", &d->qty);
	store_get_i64(o, "sched_qty", &d->sched_qty);
	store_get_i64(o, "filled", &d->filled);
	d->has_px = store_get_num(o, "px", &d->px);
	s->dirty |= DIRTY_DECISIONS;
}

static int
store_sev_parse(const char *sev)
{
	if (strcmp(sev, "crit") == 0)
		return SEV_CRIT;
	if (strcmp(sev, "warn") == 0)
		return SEV_WARN;
	return SEV_INFO;
}

/* Make room in a full alerts ring without letting go of a CRIT nobody
 * acknowledged: the oldest alert that is not one goes instead (every
 * unacknowledged CRIT stays on screen until A or :ack all, however many
 * routine alerts follow it; with nothing else to let go of, the oldest
 * goes). */
static void
store_alerts_make_room(struct store_ring *r)
{
	size_t j;

	if (r->count < r->cap)
		return;
	for (j = 0; j < r->count; j++) {
		const struct store_alert *a = (const struct store_alert *)
		    ((const char *)r->items + ((r->head + j) % r->cap) * r->size);

		if (!(a->sev == SEV_CRIT && !a->acked))
			break;
	}
	if (j == 0 || j == r->count)
		return;
	/* Move the j protected ones one place newer, over the one that
	 * goes; the push then takes the oldest slot. */
	for (size_t k = j; k > 0; k--)
		memcpy((char *)r->items + ((r->head + k) % r->cap) * r->size,
		    (char *)r->items + ((r->head + k - 1) % r->cap) * r->size,
		    r->size);
}

static void
store_apply_alert(struct store *s, const cJSON *o, int64_t t)
{
	struct store_alert *a;
	const char *sev;
	int64_t tt;

	store_alerts_make_room(&s->alerts);
	a = store_ring_push(&s->alerts);

	a->t = t;
	if (store_get_i64(o, "t", &tt))
		a->t = tt;
	a->sev = ipc_get_str(o, "sev", &sev) == 0 ? store_sev_parse(sev) :
	    SEV_INFO;
	store_get_text(o, "code", a->code, sizeof a->code);
	store_get_text(o, "text", a->text, sizeof a->text);
	store_get_text(o, "block", a->block, sizeof a->block);
	/* The detector's alerts suggest what to do: it reads after the
	 * numbers, on the same line. */
	{
		char action[120] = "";
		size_t len = strlen(a->text);

		store_get_text(o, "action", action, sizeof action);
		if (action[0] != '\0' && strcmp(action, "none") != 0 &&
		    len + 4 < sizeof a->text)
			snprintf(a->text + len, sizeof a->text - len, " -> %s",
			    action);
	}
	a->seq = s->cur_seq;
	if (!store_get_i64(o, "seq", &tt) || tt < 0)
		tt = (int64_t)s->cur_seq;
	a->seq = (uint64_t)tt;
	/* A snapshot's alert carries the engine's acknowledgement, so that a
	 * console attached after an ack does not count it as unacknowledged. */
	a->acked = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "acked"));
	s->dirty |= DIRTY_ALERTS;
}

/* Audit records (who did what, and why) go to their own log, the
 * interventions a supervisor reviews. */
static int
store_audit_read(struct store_audit *a, const cJSON *o, int64_t t,
                 uint64_t seq)
{
	char cmd[24] = "", reason[200] = "";
	const cJSON *ok = cJSON_GetObjectItemCaseSensitive(o, "ok");
	int hello;

	store_get_text(o, "cmd", cmd, sizeof cmd);
	/* Read-only commands would drown the log, and so would every
	 * console's hello.  A refused hello stays: a failed login is what a
	 * supervisor reviews, and the engine records only the first few
	 * from a peer (the events socket's, the first in a minute) and
	 * counts the rest in its "refused" summary. */
	if (strcmp(cmd, CMD_STATUS) == 0 || strcmp(cmd, CMD_SNAPSHOT) == 0 ||
	    ((strcmp(cmd, CMD_HELLO) == 0 || strcmp(cmd, AUDIT_EVENTS_HELLO) ==
	    0) && cJSON_IsTrue(ok)))
		return -1;
	memset(a, 0, sizeof *a);
	a->t = t;
	a->seq = seq;
	a->ok = cJSON_IsTrue(ok);
	a->carried = !a->ok && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o,
	    "carried_out"));
	memcpy(a->cmd, cmd, sizeof a->cmd);
	store_get_text(o, "client", a->client, sizeof a->client);
	store_get_text(o, "role", a->role, sizeof a->role);
	store_get_text(o, "user", a->user, sizeof a->user);
	store_get_text(o, "what", a->what, sizeof a->what);
	store_get_text(o, "reason", reason, sizeof reason);
	store_get_text(o, "peer", a->peer, sizeof a->peer);
	a->seq0 = seq;
	a->times = 1;
	snprintf(a->text, sizeof a->text, "%s", reason);
	/*
	 * A stranger's refusal -- a failed login (a refused hello, whoever's
	 * account the connection came from), a command of a peer with no
	 * token, the engine's count of refusals it did not record one by one
	 * -- says where it came from and why it was refused, in the engine's
	 * words.  What such a peer typed as a reason comes after, marked as
	 * theirs; a hello's is not shown at all.
	 */
	hello = strcmp(cmd, CMD_HELLO) == 0 || strcmp(cmd, AUDIT_EVENTS_HELLO) ==
	    0;
	if (!a->ok && (hello || a->user[0] == '\0' || strcmp(a->user, "-") ==
	    0)) {
		char result[200] = "";
		size_t n;

		a->stranger = 1;
		/* A count carries its number to the row it folds into; a
		 * row of its own says it in the engine's words. */
		if (strcmp(cmd, AUDIT_REFUSED) == 0) {
			int64_t c;

			if (store_get_i64(o, "count", &c) && c > 0)
				a->more = c;
		}
		store_get_text(o, "result", result, sizeof result);
		if (a->peer[0] != '\0' && strstr(result, a->peer) == NULL)
			n = (size_t)snprintf(a->text, sizeof a->text, "from %s: %s",
			    a->peer, result);
		else
			n = (size_t)snprintf(a->text, sizeof a->text, "%s", result);
		if (!hello && reason[0] != '\0' && n < sizeof a->text)
			snprintf(a->text + n, sizeof a->text - n, " (their reason: "
			    "%s)", reason);
	}
	return 0;
}

/* Rows of strangers' refusals a log may hold apart; past them, a new
 * peer's go into one row for them all. */
#define AUDIT_STRANGER_ROWS 32

/* Whether rec is the engine's count of refusals (AUDIT_REFUSED). */
static int
store_audit_is_count(const struct store_audit *rec)
{
	return strcmp(rec->cmd, AUDIT_REFUSED) == 0;
}

/* Whether row a is stranger rec's own row: the same peer's same
 * refusal. */
static int
store_audit_same(const struct store_audit *a, const struct store_audit *rec)
{
	return rec->stranger && a->stranger && strcmp(a->peer, rec->peer) == 0 &&
	    strcmp(a->cmd, rec->cmd) == 0 && strcmp(a->text, rec->text) == 0;
}

/* Whether stranger's refusal rec, as read, folds into row a: its own
 * row, or for a count of the peer's refusals any row of the peer (which
 * counts them as more, whatever they were). */
static int
store_audit_folds(const struct store_audit *a, const struct store_audit *rec)
{
	return store_audit_is_count(rec) ? rec->stranger && a->stranger &&
	    strcmp(a->peer, rec->peer) == 0 : store_audit_same(a, rec);
}

/* Counts added to row a, and rec's time and seq when it is the newer (a
 * resync puts a missed refusal in after newer ones: the row says its
 * newest). */
static void
store_audit_add(struct store_audit *a, int64_t times, int64_t more,
                const struct store_audit *rec)
{
	a->times += times;
	a->more += more;
	if (rec->seq >= a->seq) {
		a->t = rec->t;
		a->seq = rec->seq;
	}
}

/* Fold rec, as read, into row a: a repeat, or the engine's count. */
static void
store_audit_fold(struct store_audit *a, const struct store_audit *rec)
{
	if (store_audit_is_count(rec))
		store_audit_add(a, 0, rec->more, rec);
	else
		store_audit_add(a, rec->times, 0, rec);
}

/*
 * The first row of r that match() takes for stranger rec, or NULL; then
 * *strangers is the count of strangers' rows and *more the row for the
 * peers past them (NULL when there is none yet).
 */
static struct store_audit *
store_audit_scan(struct store_ring *r, const struct store_audit *rec,
                 int (*match)(const struct store_audit *,
                 const struct store_audit *), size_t *strangers,
                 struct store_audit **more)
{
	struct store_audit *a;

	*strangers = 0;
	*more = NULL;
	for (size_t k = 0; k < r->count; k++) {
		a = (struct store_audit *)store_ring_at(r, k);
		if (match(a, rec))
			return a;
		if (a->stranger) {
			(*strangers)++;
			if (*more == NULL && strcmp(a->peer, AUDIT_MORE_PEERS) == 0)
				*more = a;
		}
	}
	return NULL;
}

/* n refusals of rec's, a stranger past the rows the log keeps apart,
 * into the row for all such peers (more, or a new one when NULL). */
static void
store_audit_to_more(struct store_ring *r, struct store_audit *more,
                    const struct store_audit *rec, int64_t n)
{
	struct store_audit m = *rec;

	if (more == NULL) {
		snprintf(m.cmd, sizeof m.cmd, "%s", AUDIT_REFUSED);
		snprintf(m.peer, sizeof m.peer, "%s", AUDIT_MORE_PEERS);
		snprintf(m.text, sizeof m.text, "refusals from more peers than "
		    "the log keeps apart");
		m.client[0] = m.role[0] = m.user[0] = m.what[0] = '\0';
		m.more = n;
		m.times = 1;
		*(struct store_audit *)store_ring_push(r) = m;
		return;
	}
	store_audit_add(more, 0, n, rec);
}

/*
 * Put rec, as read, in the audit log: as a row of its own, or, when
 * it is a stranger's refusal, folded into the newest row of the same
 * refusal from the same peer anywhere in the log (a console with a wrong
 * token says hello every few seconds all day, and each would push a
 * supervisor's interventions out; the engine keeps its own refusals in a
 * ring apart for the same reason).  A folded row keeps its first text and
 * place, and counts.  Strangers hold at most AUDIT_STRANGER_ROWS rows:
 * past them, a new peer's refusal goes into one row for all such peers,
 * so however many addresses a flood comes from, the interventions keep
 * the rest of the log.
 */
static void
store_audit_put(struct store_ring *r, const struct store_audit *rec)
{
	struct store_audit *more = NULL, *a;
	size_t strangers = 0;

	/* A person's refusal is a row of its own, but the same refusal again
	 * at once (a script that loops on a command its role may not send:
	 * the engine records three a peer in 10 s, and would push the
	 * interventions out in a quarter of an hour) is counted on it. */
	if (!rec->ok && !rec->stranger && r->count > 0) {
		a = (struct store_audit *)store_ring_at(r, 0);
		if (!a->ok && !a->stranger && strcmp(a->user, rec->user) == 0 &&
		    strcmp(a->client, rec->client) == 0 &&
		    strcmp(a->peer, rec->peer) == 0 && strcmp(a->cmd,
		    rec->cmd) == 0 && strcmp(a->what, rec->what) == 0 &&
		    strcmp(a->text, rec->text) == 0) {
			store_audit_fold(a, rec);
			return;
		}
	}
	if (rec->stranger) {
		if ((a = store_audit_scan(r, rec, store_audit_folds, &strangers,
		    &more)) != NULL) {
			store_audit_fold(a, rec);
			return;
		}
		if (strangers >= AUDIT_STRANGER_ROWS) {
			store_audit_to_more(r, more, rec,
			    store_audit_is_count(rec) ? rec->more : rec->times);
			return;
		}
	}
	a = store_ring_push(r);
	*a = *rec;
	/* A count on a row of its own says its number in its words. */
	if (store_audit_is_count(rec))
		a->more = 0;
}

/*
 * The engine keeps audit records with a "peer" (refusals) in a ring
 * apart, its newest RING_SIZE by seq, and a snapshot gives them apart:
 * note which the log has.  The highest STORE_REFUSED_SEEN seqs are kept,
 * in order (a merge notes older ones after newer): a refusal in the
 * engine's ring that the log has is among them, since fewer than
 * RING_SIZE refusals are newer than it.
 */
static void
store_refused_seen_add(struct store *s, uint64_t seq)
{
	size_t n = s->nrefused_seen, k = n;

	while (k > 0 && s->refused_seen[k - 1] > seq)
		k--;
	if (k > 0 && s->refused_seen[k - 1] == seq)
		return;
	if (n == STORE_REFUSED_SEEN) {
		if (k == 0)
			return; /* older than all kept: out of any ring */
		/* Drop the lowest. */
		memmove(s->refused_seen, s->refused_seen + 1, (k - 1) *
		    sizeof s->refused_seen[0]);
		s->refused_seen[k - 1] = seq;
		return;
	}
	memmove(s->refused_seen + k + 1, s->refused_seen + k, (n - k) *
	    sizeof s->refused_seen[0]);
	s->refused_seen[k] = seq;
	s->nrefused_seen++;
}

static int
store_refused_seen(const struct store *s, uint64_t seq)
{
	size_t lo = 0, hi = s->nrefused_seen;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->refused_seen[mid] < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < s->nrefused_seen && s->refused_seen[lo] == seq;
}

/* ---------------------------------------------------------- late answers */

/*
 * Late answers.  A command whose request times out may still reach the
 * engine and be carried out -- an engine stopped for seconds answers it
 * when it runs again -- but the REQ socket drops an answer that comes after
 * its timeout, and the trader was told there was none.  Every command that
 * changes something is audited, to every console, with its request's id:
 * so the console watches the ids it gave up on (store_late_watch), and an
 * audit record carrying one is its late answer, queued for the console to
 * say (store_late_take).  The newest answers seen are kept as well: the
 * audit event may arrive before the console has counted the timeout.
 */

static void
store_late_queue(struct store *s, const char *what,
                 const struct store_answer *a)
{
	struct store_late_answer *o;
	size_t k;

	if (s->late_count == STORE_LATE) {
		s->late_head = (s->late_head + 1) % STORE_LATE;
		s->late_count--;
	}
	o = &s->late_out[(s->late_head + s->late_count++) % STORE_LATE];
	/* what is a watched command's (s->late), never this queue's: a copy
	 * by length, which gcc -O3 does not take for an overlap. */
	k = strnlen(what, sizeof o->what - 1);
	memcpy(o->what, what, k);
	o->what[k] = '\0';
	o->a = *a;
	s->dirty |= DIRTY_STATUS;
}

/* An audit record's answer, kept by its id; queued when it is one the
 * console gave up on. */
static void
store_late_saw(struct store *s, const cJSON *o)
{
	struct store_answer *a;
	char id[sizeof a->id] = "", user[sizeof s->user] = "";
	size_t i, n;

	/* Only this console's person's records: the ids are public (every
	 * audit event carries one), and another person may send a command
	 * under an id this console used (found by a review).  An engine that
	 * does not say whom it knows this console as gives no late answers. */
	store_get_text(o, "id", id, sizeof id);
	store_get_text(o, "user", user, sizeof user);
	if (id[0] == '\0' || s->user[0] == '\0' || strcmp(user, s->user) != 0)
		return;
	a = &s->answers[s->nanswers++ % STORE_ANSWERS];
	memset(a, 0, sizeof *a);
	memcpy(a->id, id, sizeof a->id);
	a->ok = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "ok"));
	a->carried = !a->ok && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o,
	    "carried_out"));
	store_get_text(o, "code", a->code, sizeof a->code);
	store_get_text(o, "result", a->result, sizeof a->result);
	store_get_text(o, "what", a->done, sizeof a->done);
	n = s->nlate < STORE_LATE ? s->nlate : STORE_LATE;
	for (i = 0; i < n; i++)
		if (strcmp(s->late[i].id, id) == 0)
			store_late_queue(s, s->late[i].what, a);
}

void
store_late_watch(struct store *s, const char *id, const char *what)
{
	struct store_late *l;
	size_t k, n;

	if (id == NULL || id[0] == '\0')
		return;
	l = &s->late[s->nlate++ % STORE_LATE];
	snprintf(l->id, sizeof l->id, "%s", id);
	snprintf(l->what, sizeof l->what, "%s", what);
	/* Answered already, oldest first (a command carried out but not
	 * journaled is audited twice: the second is the answer that holds). */
	n = s->nanswers < STORE_ANSWERS ? s->nanswers : STORE_ANSWERS;
	for (k = 0; k < n; k++) {
		const struct store_answer *a = &s->answers[(s->nanswers - n + k) %
		    STORE_ANSWERS];

		if (strcmp(a->id, l->id) == 0)
			store_late_queue(s, l->what, a);
	}
}

int
store_late_take(struct store *s, struct store_late_answer *out)
{
	if (s->late_count == 0)
		return 0;
	*out = s->late_out[s->late_head];
	s->late_head = (s->late_head + 1) % STORE_LATE;
	s->late_count--;
	return 1;
}

static void
store_apply_audit(struct store *s, const cJSON *o, int64_t t)
{
	struct store_audit rec;
	const cJSON *acked = cJSON_GetObjectItemCaseSensitive(o, "acked"), *q;
	char cmd[24] = "";

	/* Whoever sent an ack, every console marks the seqs its audit event
	 * names: the count is of what nobody has acknowledged. */
	store_get_text(o, "cmd", cmd, sizeof cmd);
	if (strcmp(cmd, CMD_ACK) == 0 && cJSON_IsTrue(
	    cJSON_GetObjectItemCaseSensitive(o, "ok"))) {
		int64_t through;

		cJSON_ArrayForEach(q, acked)
			if (cJSON_IsString(q))
				store_alert_ack(s, strtoull(q->valuestring,
				    NULL, 10));
		/* "ack all" says through which seq: an alert this console
		 * kept that the engine no longer holds is acknowledged by it
		 * as well. */
		if (store_get_i64(o, "through", &through) && through > 0)
			for (size_t i = 0; i < s->alerts.count; i++) {
				struct store_alert *a = (struct store_alert *)
				    store_ring_at(&s->alerts, i);

				if (a->seq != 0 && a->seq <= (uint64_t)through &&
				    !a->acked) {
					a->acked = 1;
					s->dirty |= DIRTY_ALERTS;
				}
			}
	}
	if (cJSON_HasObjectItem(o, "peer"))
		store_refused_seen_add(s, s->cur_seq);
	store_late_saw(s, o);
	if (store_audit_read(&rec, o, t, s->cur_seq) != 0)
		return;
	store_audit_put(&s->audit, &rec);
	s->dirty |= DIRTY_AUDIT;
}

/*
 * A snapshot array's audit records (whole events, oldest first) that the
 * log does not hold, into out in seq order; how many.  A record of the
 * "audit" array is held when a row began at its seq (those never fold
 * into a row begun earlier); one of "refusals" (refused), which fold, when
 * the log was given its seq.
 */
static size_t
store_audit_unheld(struct store *s, const cJSON *arr, int refused,
                   const struct store_audit *have, size_t nh,
                   struct store_audit *out)
{
	const cJSON *it;
	size_t n = 0, i = 0;

	cJSON_ArrayForEach(it, arr) {
		int64_t seq = 0, t = 0;

		if (!cJSON_IsObject(it))
			continue;
		if (!store_get_i64(it, "seq", &seq) || seq <= 0)
			continue; /* unplaceable: the events will bring it */
		if (n > 0 && out[n - 1].seq >= (uint64_t)seq)
			continue; /* out of order: not trusted */
		if (refused && store_refused_seen(s, (uint64_t)seq))
			continue;
		if (!refused) {
			while (i < nh && have[i].seq0 < (uint64_t)seq)
				i++;
			if (i < nh && have[i].seq0 == (uint64_t)seq)
				continue;
		}
		store_get_i64(it, "t", &t);
		/* One missed in a gap may be a late answer. */
		store_late_saw(s, it);
		if (store_audit_read(&out[n], it, t, (uint64_t)seq) == 0)
			n++;
	}
	return n;
}

/*
 * Put row, a row the log held, back in it: as it was, or, when a refusal
 * the log had missed began a row of the same peer's same refusal before
 * it, added to that row's counts.
 */
static void
store_audit_keep(struct store_ring *r, const struct store_audit *row)
{
	struct store_audit *a, *more;
	size_t strangers;

	if (!row->stranger) {
		*(struct store_audit *)store_ring_push(r) = *row;
		return;
	}
	if ((a = store_audit_scan(r, row, store_audit_same, &strangers,
	    &more)) != NULL) {
		store_audit_add(a, row->times, row->more, row);
		return;
	}
	/* Missed peers' rows put in before it may have taken the strangers'
	 * last rows: it then joins the row for the rest. */
	if (strangers >= AUDIT_STRANGER_ROWS &&
	    strcmp(row->peer, AUDIT_MORE_PEERS) != 0) {
		store_audit_to_more(r, more, row, row->times + row->more);
		return;
	}
	*(struct store_audit *)store_ring_push(r) = *row;
}

/*
 * A snapshot's audit history -- its "audit" and its "refusals", which the
 * engine keeps apart -- merged with what the log holds: in seq order,
 * each record once, the newest STORE_AUDIT rows kept.  What the log did
 * not hold goes in as an event would, so a missed refusal folds into its
 * peer's row.  A console that attached mid-session sees who did what
 * before it came, failed logins included; one that resyncs after a gap
 * gets back the records it missed, none twice.
 */
static void
store_audit_merge(struct store *s, const cJSON *audit, const cJSON *refusals)
{
	struct store_audit *have, *sa, *sr;
	size_t nh = s->audit.count, na = 0, nr = 0, i = 0, j = 0, k = 0;
	int ca = cJSON_IsArray(audit) ? cJSON_GetArraySize(audit) : 0;
	int cr = cJSON_IsArray(refusals) ? cJSON_GetArraySize(refusals) : 0;

	if (ca <= 0 && cr <= 0)
		return;
	have = malloc((nh + 1) * sizeof *have);
	sa = malloc(((size_t)ca + 1) * sizeof *sa);
	sr = malloc(((size_t)cr + 1) * sizeof *sr);
	if (have == NULL || sa == NULL || sr == NULL)
		abort();
	for (k = 0; k < nh; k++)
		have[k] = *(const struct store_audit *)store_ring_at(&s->audit,
		    nh - 1 - k);
	if (ca > 0)
		na = store_audit_unheld(s, audit, 0, have, nh, sa);
	if (cr > 0)
		nr = store_audit_unheld(s, refusals, 1, have, nh, sr);
	store_ring_clear(&s->audit);
	k = 0;
	while (i < nh || j < na || k < nr) {
		uint64_t h = i < nh ? have[i].seq0 : UINT64_MAX;
		uint64_t a = j < na ? sa[j].seq : UINT64_MAX;
		uint64_t r = k < nr ? sr[k].seq : UINT64_MAX;

		if (h <= a && h <= r)
			store_audit_keep(&s->audit, &have[i++]);
		else if (a <= r)
			store_audit_put(&s->audit, &sa[j++]);
		else {
			store_refused_seen_add(s, sr[k].seq);
			store_audit_put(&s->audit, &sr[k++]);
		}
	}
	free(have);
	free(sa);
	free(sr);
	s->dirty |= DIRTY_AUDIT;
}

static void
store_apply_heartbeat(struct store *s, const cJSON *o)
{
	/* A replay engine's heartbeats are the journal's: the speed it was
	 * recorded at, not the one it plays at (its status answer says that;
	 * the bar showed one and then the other). */
	if (!s->engine_replay)
		store_get_speed(o, &s->speed);
	store_get_text(o, "state", s->state, sizeof s->state);
	store_get_i64(o, "subs", &s->subs);
	store_get_num(o, "util", &s->util);
	store_get_num(o, "lost_ms", &s->lost_ms);
	store_get_text(o, "name", s->engine, sizeof s->engine);
	s->dirty |= DIRTY_STATUS;
}

static void
store_trade_print(struct store *s)
{
	struct store_print *pr;

	pr = store_ring_push(&s->tape);
	pr->t = s->t;
	pr->px = s->last_trade_px;
	pr->qty = s->last_trade_qty;
	pr->buy = s->last_trade_buy;
	memcpy(pr->sym, s->last_trade_sym, sizeof pr->sym);
	s->dirty |= DIRTY_TAPE;
}

static int store_seq_accept(struct store *s, uint64_t seq);

static void
store_apply_trade(struct store *s, const cJSON *o)
{
	const char *aggr;

	s->trades++;
	store_get_i64(o, "px", &s->last_trade_px);
	store_get_i64(o, "qty", &s->last_trade_qty);
	if (ipc_get_str(o, "aggr", &aggr) == 0)
		s->last_trade_buy = strcmp(aggr, "buy") == 0;
	s->last_trade_sym[0] = '\0';
	store_get_text(o, "sym", s->last_trade_sym, sizeof s->last_trade_sym);
	store_trade_print(s);
}

/* A news item: the title bar shows the newest. */
static void
store_apply_news(struct store *s, const cJSON *o, int64_t t)
{
	struct store_news n;

	memset(&n, 0, sizeof n);
	n.t = t;
	store_get_text(o, "sym", n.sym, sizeof n.sym);
	store_get_text(o, "headline", n.headline, sizeof n.headline);
	if (!store_get_num(o, "sentiment", &n.sentiment) ||
	    !(n.sentiment >= -1 && n.sentiment <= 1) || n.headline[0] == '\0') {
		s->bad_events++;
		return;
	}
	s->news = n;
	s->nnews++;
	s->dirty |= DIRTY_STATUS;
}

/*
 * A trade -- seven in ten events at a busy engine -- read without cJSON
 * (ipc_trade_fast) when it is in the compact form the engine writes;
 * anything else returns -1 and the event is decoded as usual.
 */
static int
store_trade_fast(struct store *s, const struct ipc_raw *r)
{
	size_t tl = strlen(r->topic) + 1;
	struct ipc_trade tr;

	_Static_assert(sizeof tr.sym == sizeof s->last_trade_sym,
	    "a trade's symbol fits the store's as it is");

	if (r->len < tl || ipc_trade_fast(r->rec + tl, r->len - tl, &tr) != 0)
		return -1;
	if (!store_seq_accept(s, r->seq))
		return 0;
	if (r->t > s->t) {
		s->t = r->t;
		s->dirty |= DIRTY_STATUS;
	}
	s->trades++;
	s->fast++;
	if (tr.has_px)
		s->last_trade_px = tr.px;
	if (tr.has_qty)
		s->last_trade_qty = tr.qty;
	if (tr.has_aggr)
		s->last_trade_buy = tr.buy;
	memcpy(s->last_trade_sym, tr.sym, sizeof s->last_trade_sym);
	store_trade_print(s);
	return 0;
}

/* A fill moves the block's numbers before its next block event does. */
static void
store_apply_fill(struct store *s, const cJSON *o)
{
	struct store_block *b;
	const char *id;
	int64_t v;

	if (ipc_get_str(o, "block", &id) != 0)
		return;
	for (b = s->blocks; b < s->blocks + s->nblocks; b++)
		if (strcmp(b->id, id) == 0)
			break;
	if (b == s->blocks + s->nblocks)
		return;
	{
		struct store_print *pr = store_ring_push(&s->fills);

		pr->t = s->t;
		store_get_i64(o, "px", &pr->px);
		store_get_i64(o, "qty", &pr->qty);
		pr->buy = strcmp(b->side, "buy") == 0;
		pr->ours = 1;
		memcpy(pr->sym, b->sym, sizeof pr->sym);
		s->dirty |= DIRTY_CHART;
	}
	if (store_get_i64(o, "filled", &v))
		b->filled = v;
	if (store_get_i64(o, "remaining", &v))
		b->remaining = v;
	s->dirty |= DIRTY_BLOCK;
}

/* Apply one topic's payload, without sequencing. */
static void
store_apply(struct store *s, const char *topic, const cJSON *o, int64_t t)
{
	if (t > s->t) {
		s->t = t;
		s->dirty |= DIRTY_STATUS;
	}
	if (strcmp(topic, TOPIC_BOOK) == 0)
		store_apply_book(s, o, t);
	else if (strcmp(topic, TOPIC_BLOCK) == 0)
		store_apply_block(s, o, t);
	else if (strcmp(topic, TOPIC_DECISION) == 0)
		store_apply_decision(s, o, t);
	else if (strcmp(topic, TOPIC_ALERT) == 0)
		store_apply_alert(s, o, t);
	else if (strcmp(topic, TOPIC_AUDIT) == 0)
		store_apply_audit(s, o, t);
	else if (strcmp(topic, TOPIC_HEARTBEAT) == 0)
		store_apply_heartbeat(s, o);
	else if (strcmp(topic, TOPIC_STATUS) == 0) {
		/* The engine's state as it changes (kill, release, done), not
		 * only at the next heartbeat: a replayed 60x session showed
		 * LIVE for 50 s after a kill (found by a review). */
		store_get_text(o, "state", s->state, sizeof s->state);
		if (!s->engine_replay)
			store_get_speed(o, &s->speed);
		s->dirty |= DIRTY_STATUS;
	} else if (strcmp(topic, TOPIC_TRADE) == 0)
		store_apply_trade(s, o);
	else if (strcmp(topic, TOPIC_FILL) == 0)
		store_apply_fill(s, o);
	else if (strcmp(topic, TOPIC_NEWS) == 0)
		store_apply_news(s, o, t);
	else if (strcmp(topic, TOPIC_RFQ) == 0)
		store_apply_rfq(s, o);
	/* child: shown through the book's "ours" for now. */
}

/* ------------------------------------------------------------ sequencing */

/* Apply one event in sequence; the caller keeps ev. */
/* Count seq in: 1 to apply its event, 0 when it is stale. */
static int
store_seq_accept(struct store *s, uint64_t seq)
{
	if (s->have_seq && seq <= s->last_seq) {
		/* Already in the snapshot, or a duplicate.  An engine that
		 * restarted from scratch begins at 1 again: start over. */
		if (seq <= 1 && s->last_seq > 1 && !s->replay) {
			s->gaps++;
			s->resync = RESYNC_WANTED;
		} else {
			s->stale++;
			return 0;
		}
	} else if (s->have_seq && seq != s->last_seq + 1) {
		s->gaps++;
		s->dirty |= DIRTY_STATUS;
		/* A replay cannot ask for a snapshot; it shows the count. */
		if (!s->replay && s->resync == RESYNC_NONE)
			s->resync = RESYNC_WANTED;
	}
	s->last_seq = seq;
	s->have_seq = 1;
	s->events++;
	return 1;
}

static void
store_sequence(struct store *s, const struct ipc_event *ev)
{
	if (!store_seq_accept(s, ev->seq))
		return;
	if (ev->json == NULL) {
		/* Conflated: only its time counts. */
		s->conflated++;
		if (ev->t > s->t) {
			s->t = ev->t;
			s->dirty |= DIRTY_STATUS;
		}
		return;
	}
	s->cur_seq = ev->seq;
	store_apply(s, ev->topic, ev->json, ev->t);
	s->cur_seq = 0;
}

static void store_take(struct store *s, struct ipc_event *ev, int64_t now_ms);

void
store_push(struct store *s, struct ipc_event *ev, int64_t now_ms)
{
	if (ev->json == NULL) {
		s->bad_events++;
		return;
	}
	store_take(s, ev, now_ms);
}

void
store_push_seq(struct store *s, const char *topic, uint64_t seq, int64_t t,
               int64_t now_ms)
{
	struct ipc_event ev;

	memset(&ev, 0, sizeof ev);
	snprintf(ev.topic, sizeof ev.topic, "%s", topic);
	ev.seq = seq;
	ev.t = t;
	store_take(s, &ev, now_ms);
}

/* What a conflatable event replaces: its kind and key, or 0. */
static int
store_conflate_key(const struct ipc_raw *r, const char **key, size_t *klen)
{
	size_t tl = strlen(r->topic) + 1;
	const char *json = r->rec + tl;
	int kind;

	if (strcmp(r->topic, TOPIC_BOOK) == 0)
		kind = 1;
	else if (strcmp(r->topic, TOPIC_BLOCK) == 0)
		kind = 2;
	else if (strcmp(r->topic, TOPIC_FILL) == 0)
		kind = 3;
	else
		return 0;
	if (ipc_raw_str(json, r->len - tl, kind == 1 ? "sym" : kind == 2 ?
	    "id" : "block", key, klen) != 0) {
		if (kind != 1)
			return 0; /* a block without an id is not ours to judge */
		*key = "", *klen = 0;
	}
	return kind;
}

size_t
store_conflate(const struct ipc_raw *r, size_t n, unsigned char *keep)
{
	/* Books and blocks whose newest event is already kept. */
	struct { const char *key; size_t len; int kind; } seen[32];
	size_t nseen = 0, skipped = 0, i, k, klen;
	const char *key;
	int kind;

	for (i = n; i-- > 0;) {
		keep[i] = 1;
		if (!r[i].head || (kind = store_conflate_key(&r[i], &key,
		    &klen)) == 0)
			continue;
		for (k = 0; k < nseen; k++)
			if (seen[k].kind == (kind == 3 ? 2 : kind) &&
			    seen[k].len == klen && memcmp(seen[k].key, key,
			    klen) == 0)
				break;
		if (kind == 3) {
			/* A fill needs its block as it stood: block events
			 * before it are kept. */
			if (k < nseen)
				seen[k] = seen[--nseen];
			continue;
		}
		if (k < nseen) {
			keep[i] = 0;
			skipped++;
		} else if (nseen < sizeof seen / sizeof seen[0]) {
			seen[nseen].key = key;
			seen[nseen].len = klen;
			seen[nseen].kind = kind;
			nseen++;
		}
	}
	return skipped;
}

void
store_push_drain(struct store *s, const struct ipc_raw *r, size_t n,
                 unsigned char *keep, int64_t now_ms)
{
	struct ipc_event ev;
	char err[256];
	size_t i;

	store_conflate(r, n, keep);
	for (i = 0; i < n; i++) {
		if (!keep[i]) {
			store_push_seq(s, r[i].topic, r[i].seq, r[i].t, now_ms);
			continue;
		}
		/* Held events need their JSON: only applied ones go fast. */
		if (r[i].head && s->resync != RESYNC_REQUESTED &&
		    strcmp(r[i].topic, TOPIC_TRADE) == 0 &&
		    store_trade_fast(s, &r[i]) == 0)
			continue;
		if (ipc_event_parse(r[i].rec, r[i].len, &ev, err,
		    sizeof err) != 0) {
			s->bad_events++;
			continue;
		}
		store_push(s, &ev, now_ms);
		ipc_event_free(&ev);
	}
}

static int store_session_seen(struct store *s, const cJSON *o);

void
store_alive(struct store *s, int64_t now_ms)
{
	if (s->conn == CONN_DISCONNECTED && s->resync == RESYNC_NONE)
		s->resync = RESYNC_WANTED;
	s->hb_seen = 1;
	s->hb_wall_ms = now_ms;
	if (s->conn != CONN_CONNECTED) {
		s->conn = CONN_CONNECTED;
		s->dirty |= DIRTY_STATUS;
	}
}

static void
store_take(struct store *s, struct ipc_event *ev, int64_t now_ms)
{
	int beat = strcmp(ev->topic, TOPIC_HEARTBEAT) == 0;

	s->ev_wall_ms = now_ms;
	/* Liveness does not wait for a snapshot; nor does a new session.
	 * A replay engine publishes only the journal's events, whose
	 * heartbeats were one a wall second of the recording (one in a whole
	 * session recorded at max): every event of its says it is there. */
	if ((beat || s->engine_replay) && !s->replay) {
		if (beat && !s->engine_replay)
			store_session_seen(s, ev->json);
		store_alive(s, now_ms);
	}
	if (s->resync == RESYNC_REQUESTED) {
		if (s->nbacklog == STORE_BACKLOG) {
			/* Drop the oldest; the gap it leaves is found later.
			 * A ring: under a flood every event past the first
			 * 8,192 used to move all the others. */
			ipc_event_free(&s->backlog[s->backlog_head]);
			s->backlog_head = (s->backlog_head + 1) % STORE_BACKLOG;
			s->nbacklog--;
			s->backlog_dropped++;
		}
		s->backlog[(s->backlog_head + s->nbacklog++) % STORE_BACKLOG] =
		    *ev;
		ev->json = NULL;
		return;
	}
	store_sequence(s, ev);
	ipc_event_free(ev);
}

int
store_resync_wanted(const struct store *s)
{
	return s->resync == RESYNC_WANTED;
}

void
store_resync_begin(struct store *s)
{
	s->resync = RESYNC_REQUESTED;
	s->dirty |= DIRTY_STATUS;
}

/* Apply (or drop) whatever was held, oldest first. */
static void
store_backlog_apply(struct store *s)
{
	size_t i;

	for (i = 0; i < s->nbacklog; i++) {
		struct ipc_event *ev = &s->backlog[(s->backlog_head + i) %
		    STORE_BACKLOG];

		store_sequence(s, ev);
		ipc_event_free(ev);
	}
	s->nbacklog = s->backlog_head = 0;
}

void
store_resync_failed(struct store *s, int64_t now_ms)
{
	(void)now_ms;
	s->resync = RESYNC_NONE;
	store_backlog_apply(s);
	s->resync = RESYNC_WANTED;
	s->dirty |= DIRTY_STATUS;
}

/* ------------------------------------------------------------- replies */

/* The engine's algorithms, as text for the prompt's check and its "known:
 * ..." note; names that are not plain text are left out. */
static void
store_apply_algos(struct store *s, const cJSON *a)
{
	const cJSON *it;
	char name[32];
	size_t len = 0;

	if (!cJSON_IsArray(a))
		return;
	s->algos[0] = '\0';
	cJSON_ArrayForEach(it, a) {
		if (!cJSON_IsString(it))
			continue;
		store_text(name, sizeof name, it->valuestring);
		if (name[0] == '\0' || strchr(name, ',') != NULL ||
		    strchr(name, ' ') != NULL ||
		    len + strlen(name) + 3 >= sizeof s->algos)
			continue;
		len += (size_t)snprintf(s->algos + len, sizeof s->algos - len,
		    "%s%s", len ? ", " : "", name);
	}
}

/*
 * Forget what one engine session said before another's is shown: books,
 * blocks, every list, the counters and the engine's own words.  The
 * connection's liveness and a snapshot already asked for stay (the answer
 * comes from the new session), and the lists' push counts go on, so a
 * scrolled panel re-anchors instead of pointing into the old session.
 */
static void
store_session_reset(struct store *s)
{
	memset(s->books, 0, sizeof s->books);
	s->nbooks = 0;
	memset(s->blocks, 0, sizeof s->blocks);
	s->nblocks = 0;
	s->blocks_full = 0;
	s->nrfqs = 0;
	store_ring_clear(&s->decisions);
	store_ring_clear(&s->alerts);
	store_ring_clear(&s->tape);
	store_ring_clear(&s->points);
	store_ring_clear(&s->fills);
	store_ring_clear(&s->audit);
	s->nrefused_seen = 0;
	/* Another session never answers the last one's requests. */
	s->nlate = s->nanswers = s->late_head = s->late_count = 0;
	s->trades = s->last_trade_px = s->last_trade_qty = 0;
	s->last_trade_buy = 0;
	s->last_trade_sym[0] = '\0';
	s->engine[0] = s->sym[0] = s->role[0] = s->state[0] = '\0';
	s->util = s->lost_ms = 0;
	s->speed = -1;
	s->subs = 0;
	s->t = 0;
	s->gaps = s->stale = s->events = s->bad_events = 0;
	s->conflated = s->fast = 0;
	if (s->resync == RESYNC_NONE) {
		s->have_seq = 0;
		s->last_seq = 0;
		s->resync = RESYNC_WANTED;
	}
}

/*
 * The engine session that o (a hello's answer or a heartbeat) names: one
 * other than the store's empties the store (store_session_reset), raises
 * s->session_new for the transport and returns 1.  A heartbeat says it as
 * soon as a new engine's events arrive; a hello's answer can come seconds
 * later (its connection dials again on its own), and until then the old
 * session's audit log and decisions stood beside the new one's events
 * (tui/console-lost, one CI run).
 */
static int
store_session_seen(struct store *s, const cJSON *o)
{
	char session[sizeof s->session] = "";
	int reset = 0;

	store_get_text(o, "session", session, sizeof session);
	if (session[0] != '\0' && s->session[0] != '\0' &&
	    strcmp(session, s->session) != 0) {
		store_session_reset(s);
		s->session_new = 1;
		reset = 1;
	}
	if (session[0] != '\0')
		memcpy(s->session, session, sizeof s->session);
	return reset;
}

int
store_apply_hello(struct store *s, const cJSON *reply)
{
	double tick;
	int reset;

	int was = s->engine_replay, known = s->engine[0] != '\0';

	reset = store_session_seen(s, reply);
	s->engine_replay = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(reply,
	    "replay"));
	/* A live engine where a replay was, or the other way round, is
	 * another picture whatever the sessions say (a replay of an old
	 * journal names none). */
	if (!reset && known && was != s->engine_replay) {
		store_session_reset(s);
		s->session_new = 1;
		reset = 1;
	}
	s->replay_ended = 0;
	if (store_get_num(reply, "tick", &tick))
		store_set_tick(s, tick);
	store_get_text(reply, "engine", s->engine, sizeof s->engine);
	store_get_text(reply, "sym", s->sym, sizeof s->sym);
	store_get_text(reply, "role", s->role, sizeof s->role);
	store_get_text(reply, "user", s->user, sizeof s->user);
	store_apply_syms(s, cJSON_GetObjectItemCaseSensitive(reply, "syms"));
	store_apply_algos(s, cJSON_GetObjectItemCaseSensitive(reply, "algos"));
	s->dirty |= DIRTY_ALL;
	return reset;
}

void
store_apply_status(struct store *s, const cJSON *reply)
{
	/* Its "limits" are not kept: their max_pov is the lowest block's
	 * cap as it was, and the throttle prompt reads each block's cap from
	 * its events (prompt_cap_words). */
	store_get_text(reply, "state", s->state, sizeof s->state);
	store_get_speed(reply, &s->speed);
	/* A replay engine's: played to the end of its journal. */
	s->replay_ended = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(reply,
	    "ended"));
	store_apply_syms(s, cJSON_GetObjectItemCaseSensitive(reply, "syms"));
	s->dirty |= DIRTY_STATUS;
}

int
store_apply_snapshot(struct store *s, const cJSON *reply, int64_t now_ms)
{
	const cJSON *arr, *it, *book;
	struct store_block *old;
	int64_t seq, t = 0;
	double tick;
	int i, j, k, nold;

	(void)now_ms;
	if (!cJSON_IsObject(reply) || store_get_i64(reply, "seq", &seq) != 1 ||
	    seq < 0)
		return -1;
	store_get_i64(reply, "t", &t);
	if (store_get_num(reply, "tick", &tick))
		store_set_tick(s, tick);
	store_get_text(reply, "state", s->state, sizeof s->state);
	/* The session's prints up to seq (an engine before 2026-12-07 sends
	 * none: the count is then the prints this console has seen). */
	{
		int64_t prints;

		if (store_get_i64(reply, "prints", &prints) == 1 && prints >= 0)
			s->trades = prints;
	}

	/* Every symbol's book ("books"), or the one an older engine sends
	 * ("book"); the chart's samples stay. */
	memset(s->books, 0, sizeof s->books);
	s->nbooks = 0;
	store_apply_syms(s, cJSON_GetObjectItemCaseSensitive(reply, "syms"));
	arr = cJSON_GetObjectItemCaseSensitive(reply, "books");
	if (!cJSON_IsArray(arr))
		arr = NULL;
	book = arr != NULL ? arr->child : cJSON_GetObjectItemCaseSensitive(reply,
	    "book");
	for (; book != NULL; book = arr != NULL ? book->next : NULL) {
		int64_t bt = t;

		if (!cJSON_IsObject(book))
			continue;
		store_get_i64(book, "t", &bt);
		store_apply_book(s, book, bt);
	}
	/* The blocks start again from the snapshot, but what the console saw
	 * of a block's schedule and fills before stays on its curve. */
	if ((old = malloc(sizeof s->blocks)) == NULL)
		abort();
	memcpy(old, s->blocks, sizeof s->blocks);
	nold = s->nblocks;
	memset(s->blocks, 0, sizeof s->blocks);
	s->nblocks = 0;
	s->blocks_full = 0;
	arr = cJSON_GetObjectItemCaseSensitive(reply, "blocks");
	if (cJSON_IsArray(arr)) {
		cJSON_ArrayForEach(it, arr)
			if (cJSON_IsObject(it))
				store_apply_block(s, it, t);
	}
	for (i = 0; i < s->nblocks; i++)
		for (j = 0; j < nold; j++)
			if (strcmp(s->blocks[i].id, old[j].id) == 0 &&
			    s->blocks[i].start == old[j].start &&
			    s->blocks[i].end == old[j].end) {
				for (k = 0; k < STORE_CURVE; k++)
					if (s->blocks[i].curve[k].sched < 0)
						s->blocks[i].curve[k] =
						    old[j].curve[k];
				break;
			}
	free(old);
	arr = cJSON_GetObjectItemCaseSensitive(reply, "decisions");
	if (cJSON_IsArray(arr)) {
		store_ring_clear(&s->decisions);
		cJSON_ArrayForEach(it, arr)
			if (cJSON_IsObject(it))
				store_apply_decision(s, it, 0);
	}
	arr = cJSON_GetObjectItemCaseSensitive(reply, "alerts");
	if (cJSON_IsArray(arr)) {
		store_ring_clear(&s->alerts);
		cJSON_ArrayForEach(it, arr)
			if (cJSON_IsObject(it))
				store_apply_alert(s, it, 0);
	}
	store_audit_merge(s, cJSON_GetObjectItemCaseSensitive(reply, "audit"),
	    cJSON_GetObjectItemCaseSensitive(reply, "refusals"));
	/* Requests for quotes: the engine's recent ones, whole. */
	arr = cJSON_GetObjectItemCaseSensitive(reply, "rfqs");
	if (cJSON_IsArray(arr)) {
		s->nrfqs = 0;
		cJSON_ArrayForEach(it, arr)
			store_apply_rfq(s, it);
	}
	/* The news line: the newest item the engine holds, whole events. */
	arr = cJSON_GetObjectItemCaseSensitive(reply, "news");
	if (cJSON_IsArray(arr) && cJSON_GetArraySize(arr) > 0) {
		const cJSON *last = cJSON_GetArrayItem(arr,
		    cJSON_GetArraySize(arr) - 1);
		int64_t nt = 0;

		if (cJSON_IsObject(last) && ipc_get_i64(last, "t", &nt) == 0 &&
		    (s->nnews == 0 || nt >= s->news.t))
			store_apply_news(s, last, nt);
	}
	if (t > 0)
		s->t = t;
	s->last_seq = (uint64_t)seq;
	s->have_seq = 1;
	s->snapshots++;
	s->resync = RESYNC_NONE;
	s->dirty |= DIRTY_ALL;
	store_backlog_apply(s);
	return 0;
}

/* -------------------------------------------------------------- liveness */

int64_t
store_hb_age_ms(const struct store *s, int64_t now_ms)
{
	if (!s->hb_seen)
		return -1;
	return now_ms - s->hb_wall_ms;
}

void
store_tick(struct store *s, int64_t now_ms)
{
	int conn = s->conn;
	int64_t age_s;

	if (s->replay)
		conn = CONN_REPLAY;
	else if (!s->hb_seen)
		conn = CONN_CONNECTING;
	else if (now_ms - s->hb_wall_ms > STORE_STALE_MS)
		conn = CONN_DISCONNECTED;
	else
		conn = CONN_CONNECTED;
	if (conn != s->conn) {
		s->conn = conn;
		s->dirty |= DIRTY_STATUS;
	}
	age_s = s->hb_seen ? (now_ms - s->hb_wall_ms) / 1000 : -1;
	if (age_s != s->shown_age_s) {
		s->shown_age_s = age_s;
		s->dirty |= DIRTY_STATUS;
	}
}

unsigned
store_take_dirty(struct store *s)
{
	unsigned d = s->dirty;

	s->dirty = 0;
	return d;
}

/* --------------------------------------------------------------- queries */

size_t
store_ndecisions(const struct store *s)
{
	return s->decisions.count;
}

size_t
store_nalerts(const struct store *s)
{
	return s->alerts.count;
}

const struct store_decision *
store_decision(const struct store *s, size_t i)
{
	return store_ring_at(&s->decisions, i);
}

const struct store_alert *
store_alert(const struct store *s, size_t i)
{
	return store_ring_at(&s->alerts, i);
}

const void *
store_ring_get(const struct store_ring *r, size_t i)
{
	return store_ring_at(r, i);
}

size_t
store_alerts_crit_unacked(const struct store *s)
{
	size_t n = 0;

	for (size_t i = 0; i < s->alerts.count; i++) {
		const struct store_alert *a = store_ring_at(&s->alerts, i);

		n += a->sev == SEV_CRIT && !a->acked;
	}
	return n;
}

int
store_alert_ack(struct store *s, uint64_t seq)
{
	size_t i;
	struct store_alert *a;

	for (i = 0; i < s->alerts.count; i++) {
		a = (struct store_alert *)store_ring_at(&s->alerts, i);
		if (a->seq == seq && seq != 0) {
			a->acked = 1;
			s->dirty |= DIRTY_ALERTS;
			return 0;
		}
	}
	return -1;
}

const struct store_block *
store_block_find(const struct store *s, const char *id)
{
	int i;

	for (i = 0; i < s->nblocks; i++)
		if (strcmp(s->blocks[i].id, id) == 0)
			return &s->blocks[i];
	return NULL;
}

const char *
store_conn_name(int conn)
{
	switch (conn) {
	case CONN_CONNECTED:
		return "CONNECTED";
	case CONN_DISCONNECTED:
		return "DISCONNECTED";
	case CONN_REPLAY:
		return "REPLAY";
	default:
		return "CONNECTING";
	}
}

const char *
store_sev_name(int sev)
{
	switch (sev) {
	case SEV_CRIT:
		return "CRIT";
	case SEV_WARN:
		return "WARN";
	case SEV_AUDIT:
		return "AUDIT";
	default:
		return "INFO";
	}
}
