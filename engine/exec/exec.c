/*
 * engine/exec/exec.c -- parent orders, the tactic that works them, and the
 * controls a person has over them.
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
 * Every decision is emitted with its reason in words, because the person
 * watching needs to know why the engine did what it did, not only what.
 * Pause cancels everything working and suspends decisions; resume makes the
 * next decision at once.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/exec/exec.h"
#include "engine/model/model.h"
#include "engine/tca/tca.h"

/*
 * One market the engine trades in (one symbol).  The market's callbacks
 * carry a pointer to this, so a fill is looked for among the children of
 * that market's blocks only: our order ids are per market.
 */
struct exec_mkt {
	struct exec *x;
	struct market *m;
	/* Realised variance of the mid, sampled at every print: what AC's
	 * sigma is estimated from in markets that do not say it. */
	double var_mid;
	int64_t var_t0, var_t;
	long double var_sum;
};

struct exec {
	struct exec_mkt mk[EXEC_MAX_MARKETS];
	size_t nmk;
	struct exec_emit e;
	struct parent **parents;
	size_t nparents, capparents;
	uint32_t next_id;
	/* The learned policy's model (borrowed), and what its choice adds to
	 * the next decision event. */
	const struct model *model;
	struct model *own_model;     /* loaded by the first learned block */
	const struct model *shadow;  /* --shadow (borrowed) */
	/* The impact model (borrowed, or loaded once by exec_impact). */
	const struct impact_model *impact;
	struct impact_model *own_impact;
	int impact_tried;
	char impact_err[300];
	char dec_note[200];
	cJSON *dec_extra;
};

const struct algo_ops *const algo_all[] = {
	&algo_twap_ops, &algo_twap_passive_ops, &algo_twap_aggressive_ops,
	&algo_vwap_ops, &algo_pov_ops, &algo_ac_ops, &algo_learned_ops,
};
const size_t algo_count = sizeof algo_all / sizeof algo_all[0];

const struct algo_ops *
algo_find(const char *name)
{
	for (size_t i = 0; i < algo_count; i++)
		if (strcmp(algo_all[i]->name, name) == 0)
			return algo_all[i];
	return NULL;
}

static const char *state_names[] = {
	"NEW", "WORKING", "PAUSED", "DONE", "CANCELLED", "HALTED",
	"JOURNAL-HALTED",
};

const char *
exec_state_name(int state)
{
	return state >= 0 && state <= PARENT_JOURNAL_HALTED ? state_names[state] : "?";
}

static const char *style_names[] = { "passive", "inside", "cross" };

static const char *
exec_side_name(int side)
{
	return side == BOOK_BID ? "buy" : "sell";
}

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

static void
exec_emit(struct exec *x, const char *topic, cJSON *o)
{
	if (o == NULL)
		return;
	x->e.emit(x->e.arg, topic, o);
	cJSON_Delete(o);
}

static void
exec_id_str(char *buf, size_t n, uint32_t id)
{
	snprintf(buf, n, "%u", id);
}

/* Times travel as decimal strings: cJSON numbers are doubles. */
static void
exec_add_time(cJSON *o, const char *name, int64_t t)
{
	char buf[32];

	snprintf(buf, sizeof buf, "%lld", (long long)t);
	cJSON_AddStringToObject(o, name, buf);
}

static void
exec_alert(struct exec *x, const struct parent *p, const char *sev,
           const char *code, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void
exec_alert(struct exec *x, const struct parent *p, const char *sev,
           const char *code, const char *fmt, ...)
{
	char text[256], id[16];
	va_list ap;
	cJSON *o;

	if (x->e.emit == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "sev", sev);
	cJSON_AddStringToObject(o, "code", code);
	cJSON_AddStringToObject(o, "text", text);
	if (p != NULL) {
		exec_id_str(id, sizeof id, p->id);
		cJSON_AddStringToObject(o, "block", id);
		cJSON_AddStringToObject(o, "sym", p->spec.sym);
	}
	exec_emit(x, "alert", o);
}

static void
exec_child_event(struct exec *x, const struct parent *p, const struct child *c,
                 const char *status, const char *reason)
{
	char id[32];
	cJSON *o;

	if (x->e.emit == NULL)
		return;
	o = cJSON_CreateObject();
	exec_id_str(id, sizeof id, p->id);
	cJSON_AddStringToObject(o, "block", id);
	snprintf(id, sizeof id, "c%llu",
	    (unsigned long long)(c->id & ~(1ULL << 63)));
	cJSON_AddStringToObject(o, "id", id);
	cJSON_AddStringToObject(o, "sym", p->spec.sym);
	cJSON_AddStringToObject(o, "side", exec_side_name(p->spec.side));
	cJSON_AddNumberToObject(o, "px", (double)c->px);
	cJSON_AddNumberToObject(o, "qty", (double)c->qty);
	cJSON_AddNumberToObject(o, "filled", (double)c->filled);
	cJSON_AddStringToObject(o, "status", status);
	cJSON_AddStringToObject(o, "style", style_names[c->style]);
	/* The mid and half spread when it was sent: the TCA's reference. */
	cJSON_AddNumberToObject(o, "mid", c->mid);
	cJSON_AddNumberToObject(o, "half_spread", c->half_spread);
	if (reason != NULL)
		cJSON_AddStringToObject(o, "reason", reason);
	exec_emit(x, "child", o);
}

static void
exec_decision(struct exec *x, const struct parent *p, const char *action,
              int64_t qty, int64_t px, int style, int64_t sched,
              const char *fmt, ...) __attribute__((format(printf, 8, 9)));

static void
exec_decision(struct exec *x, const struct parent *p, const char *action,
              int64_t qty, int64_t px, int style, int64_t sched,
              const char *fmt, ...)
{
	char reason[256], id[16], full[sizeof reason + sizeof x->dec_note + 2];
	const char *rs = reason;
	va_list ap;
	cJSON *o;

	if (x->e.emit == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof reason, fmt, ap);
	va_end(ap);
	o = cJSON_CreateObject();
	exec_id_str(id, sizeof id, p->id);
	cJSON_AddStringToObject(o, "block", id);
	cJSON_AddStringToObject(o, "sym", p->spec.sym);
	cJSON_AddStringToObject(o, "action", action);
	/* A policy's choice: its summary before the tactic's reason, and its
	 * alternatives and features as extra fields. */
	if (x->dec_note[0] != '\0') {
		snprintf(full, sizeof full, "%s; %s", x->dec_note, reason);
		rs = full;
		x->dec_note[0] = '\0';
	}
	if (x->dec_extra != NULL) {
		cJSON *it = x->dec_extra->child;

		while (it != NULL) {
			cJSON *nx = it->next;

			cJSON_AddItemToObject(o, it->string, cJSON_DetachItemViaPointer(
			    x->dec_extra, it));
			it = nx;
		}
		cJSON_Delete(x->dec_extra);
		x->dec_extra = NULL;
	}
	cJSON_AddNumberToObject(o, "qty", (double)qty);
	cJSON_AddNumberToObject(o, "px", (double)px);
	cJSON_AddStringToObject(o, "style", style >= 0 ? style_names[style] : "");
	cJSON_AddNumberToObject(o, "sched_qty", (double)sched);
	cJSON_AddNumberToObject(o, "filled", (double)p->filled);
	cJSON_AddStringToObject(o, "reason", rs);
	exec_emit(x, "decision", o);
}

static struct child *
exec_child_find(struct parent *p, uint64_t id)
{
	/* Live children are few and recent: search from the end. */
	for (size_t i = p->nchildren; i-- > 0;)
		if (p->children[i].id == id)
			return &p->children[i];
	return NULL;
}

static struct parent *
exec_owner_of(struct exec *x, const struct market *m, uint64_t id,
              struct child **cp)
{
	for (size_t i = 0; i < x->nparents; i++) {
		struct child *c;

		if (x->parents[i]->m != m)
			continue;
		c = exec_child_find(x->parents[i], id);

		if (c != NULL) {
			*cp = c;
			return x->parents[i];
		}
	}
	return NULL;
}

static void
exec_finish(struct exec *x, struct parent *p, int state)
{
	p->state = state;
	p->dirty = 1;
	double mid = market_mid(p->m);
	p->end_px = mid > 0 ? (int64_t)llround(mid) : p->m->last_px;
}

static void
exec_on_fill(void *arg, const struct market_fill *f)
{
	struct exec_mkt *mk = arg;
	struct exec *x = mk->x;
	struct child *c;
	struct parent *p = exec_owner_of(x, mk->m, f->id, &c);
	char id[32];

	if (p == NULL)
		return;
	c->filled += f->qty;
	p->filled += f->qty;
	p->cash += f->px * f->qty;
	tca_sums_add(&p->tca, p->spec.side, p->arrival, &(struct tca_fill){
	    .t = p->m->now, .px = f->px, .qty = f->qty, .mid = c->mid,
	    .half_spread = c->half_spread, .passive = f->passive });
	if (f->passive) {
		p->passive_filled += f->qty;
		p->working -= f->qty;
		if (f->left == 0)
			c->live = 0;
	}
	p->dirty = 1;
	if (x->e.emit != NULL) {
		cJSON *o = cJSON_CreateObject();

		exec_id_str(id, sizeof id, p->id);
		cJSON_AddStringToObject(o, "block", id);
		snprintf(id, sizeof id, "c%llu",
		    (unsigned long long)(c->id & ~(1ULL << 63)));
		cJSON_AddStringToObject(o, "child", id);
		cJSON_AddStringToObject(o, "sym", p->spec.sym);
		cJSON_AddNumberToObject(o, "px", (double)f->px);
		cJSON_AddNumberToObject(o, "qty", (double)f->qty);
		cJSON_AddStringToObject(o, "liq", f->passive ? "passive" :
		    "aggressive");
		cJSON_AddNumberToObject(o, "filled", (double)p->filled);
		cJSON_AddNumberToObject(o, "remaining",
		    (double)(p->spec.qty - p->filled));
		exec_emit(x, "fill", o);
		if (f->passive && f->left == 0)
			exec_child_event(x, p, c, "filled", NULL);
	}
	if (p->filled >= p->spec.qty && p->state == PARENT_WORKING) {
		exec_finish(x, p, PARENT_DONE);
		exec_alert(x, p, "info", "done", "block %u complete: %lld shares",
		    p->id, (long long)p->filled);
	}
}

static void
exec_on_gone(void *arg, uint64_t id, int64_t qty)
{
	struct exec_mkt *mk = arg;
	struct exec *x = mk->x;
	struct child *c;
	struct parent *p = exec_owner_of(x, mk->m, id, &c);

	if (p == NULL || !c->live)
		return;
	c->live = 0;
	p->working -= qty;
	p->dirty = 1;
	exec_child_event(x, p, c, "cancelled", "removed by the market");
}

static void
exec_on_trade(void *arg, int64_t px, int64_t qty, int aggressor)
{
	struct exec_mkt *mk = arg;
	struct exec *x = mk->x;
	double mid = market_mid(mk->m);
	cJSON *o;

	if (mid > 0) {
		if (mk->var_t0 == 0)
			mk->var_t0 = mk->m->now;
		else
			mk->var_sum += (long double)(mid - mk->var_mid) *
			    (mid - mk->var_mid);
		mk->var_mid = mid;
		mk->var_t = mk->m->now;
	}
	if (x->e.emit == NULL)
		return;
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "sym", mk->m->sym);
	cJSON_AddNumberToObject(o, "px", (double)px);
	cJSON_AddNumberToObject(o, "qty", (double)qty);
	cJSON_AddStringToObject(o, "aggr", aggressor == BOOK_BID ? "buy" : "sell");
	exec_emit(x, "trade", o);
}

static void
exec_wire(struct exec *x, struct market *m)
{
	struct exec_mkt *mk = &x->mk[x->nmk++];

	mk->x = x;
	mk->m = m;
	m->cbs.fill = exec_on_fill;
	m->cbs.gone = exec_on_gone;
	m->cbs.trade = exec_on_trade;
	m->cbs.arg = mk;
}

int
exec_new(struct exec **out, struct market *m, const struct exec_emit *e)
{
	struct exec *x = calloc(1, sizeof *x);

	*out = NULL;
	if (x == NULL)
		return -1;
	if (e != NULL)
		x->e = *e;
	x->next_id = 1;
	exec_wire(x, m);
	*out = x;
	return 0;
}

int
exec_add_market(struct exec *x, struct market *m, char *err, size_t errlen)
{
	if (x->nmk == EXEC_MAX_MARKETS) {
		snprintf(err, errlen, "market %s: more than %d markets", m->sym,
		    EXEC_MAX_MARKETS);
		return -1;
	}
	if (exec_market_sym(x, m->sym) != NULL) {
		snprintf(err, errlen, "market %s: a market trades that symbol "
		    "already", m->sym);
		return -1;
	}
	/* Our order ids are per market; a stride per market keeps the child
	 * ids the desk sees ("c1000000001") unique across symbols. */
	m->next_our_id += (uint64_t)x->nmk * EXEC_CHILD_ID_STRIDE;
	exec_wire(x, m);
	return 0;
}

size_t
exec_market_count(const struct exec *x)
{
	return x->nmk;
}

struct market *
exec_market_at(struct exec *x, size_t i)
{
	return i < x->nmk ? x->mk[i].m : NULL;
}

struct market *
exec_market_sym(struct exec *x, const char *sym)
{
	for (size_t i = 0; i < x->nmk; i++)
		if (strcmp(x->mk[i].m->sym, sym) == 0)
			return x->mk[i].m;
	return NULL;
}

void
exec_syms(const struct exec *x, char *buf, size_t n)
{
	size_t len = 0;

	if (n == 0)
		return;
	buf[0] = '\0';
	for (size_t i = 0; i < x->nmk && len < n; i++) {
		int w = snprintf(buf + len, n - len, "%s%s", i ? ", " : "",
		    x->mk[i].m->sym);

		if (w < 0)
			break;
		len += (size_t)w;
	}
}

int64_t
exec_now(const struct exec *x)
{
	return x->mk[0].m->now;
}

void
exec_free(struct exec *x)
{
	if (x == NULL)
		return;
	for (size_t i = 0; i < x->nparents; i++) {
		if (x->parents[i]->algo->release != NULL)
			x->parents[i]->algo->release(x->parents[i]);
		free(x->parents[i]->children);
		free(x->parents[i]->shadow_state);
		free(x->parents[i]);
	}
	if (x->own_model != NULL) {
		model_free(x->own_model);
		free(x->own_model);
	}
	if (x->own_impact != NULL) {
		impact_free(x->own_impact);
		free(x->own_impact);
	}
	cJSON_Delete(x->dec_extra);
	free(x->parents);
	free(x);
}

/*
 * A learned block needs a model before it is accepted: the one set with
 * exec_set_model, else model_default_path() loaded once here.  A block is
 * refused, naming the file and what is wrong with it, rather than accepted
 * and quietly worked as plain AC.
 */
static int
exec_need_model(struct exec *x, char *err, size_t errlen)
{
	char e[300];

	if (x->model != NULL)
		return 0;
	if ((x->own_model = calloc(1, sizeof *x->own_model)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (model_load(x->own_model, model_default_path(), e, sizeof e) != 0) {
		free(x->own_model);
		x->own_model = NULL;
		snprintf(err, errlen, "algo \"learned\": no usable model: %s", e);
		return -1;
	}
	x->model = x->own_model;
	return 0;
}

int
exec_submit(struct exec *x, const struct parent_spec *s, uint32_t *id,
            char *err, size_t errlen)
{
	const struct algo_ops *algo;
	struct parent *p;
	struct market *m = s->sym[0] == '\0' ? x->mk[0].m :
	    exec_market_sym(x, s->sym);

	if (m == NULL) {
		char syms[160];

		exec_syms(x, syms, sizeof syms);
		snprintf(err, errlen, "sym \"%.16s\": not traded here (symbols: "
		    "%s)", s->sym, syms);
		return -1;
	}
	if (s->qty <= 0 || s->qty > 1000000000LL) {
		snprintf(err, errlen, "qty %lld: must be 1..1000000000",
		    (long long)s->qty);
		return -1;
	}
	if (s->side != BOOK_BID && s->side != BOOK_ASK) {
		snprintf(err, errlen, "side %d: must be buy or sell", s->side);
		return -1;
	}
	if (s->end <= s->start) {
		snprintf(err, errlen, "end %lld: must be after start %lld",
		    (long long)s->end, (long long)s->start);
		return -1;
	}
	if (s->interval <= 0 || s->interval > s->end - s->start) {
		snprintf(err, errlen, "interval %lld ns: must be > 0 and no "
		    "longer than the window", (long long)s->interval);
		return -1;
	}
	if (!(s->max_pov > 0 && s->max_pov <= 100)) {
		snprintf(err, errlen, "max_pov %g: must be in (0, 100]",
		    s->max_pov);
		return -1;
	}
	if (s->aggression < 0 || s->aggression > 1 + AGGR_AGGRESSIVE ||
	    s->catchup < 0 || s->pov < 0 || s->pov >= 100 || s->pov_floor < 0 ||
	    s->pov_cap < 0 || s->pov_cap > 100 || s->nprofile < 0 ||
	    s->nprofile > 64 || s->ac_lambda < 0 || s->win_pov < 0 ||
	    s->win_pov > 100 || s->win_s < 0 || s->max_rate < 0) {
		snprintf(err, errlen, "tactic or algorithm parameter out of range: "
		    "aggression %d, catchup %g, pov %g/%g/%g, profile %d buckets, "
		    "ac_lambda %g, win_pov %g, win_s %g, max_rate %g", s->aggression,
		    s->catchup, s->pov, s->pov_floor, s->pov_cap, s->nprofile,
		    s->ac_lambda, s->win_pov, s->win_s, s->max_rate);
		return -1;
	}
	if (s->lot <= 0 || s->limit_px < 0) {
		snprintf(err, errlen, "lot %lld / limit_px %lld: lot must be > 0, "
		    "limit_px >= 0", (long long)s->lot, (long long)s->limit_px);
		return -1;
	}
	if ((algo = algo_find(s->algo)) == NULL) {
		snprintf(err, errlen, "algo \"%s\": unknown (known: twap, "
		    "twap-passive, twap-aggressive, vwap, pov, ac, learned)",
		    s->algo);
		return -1;
	}
	if (algo == &algo_learned_ops && exec_need_model(x, err, errlen) != 0)
		return -1;
	if (x->nparents == x->capparents) {
		size_t n = x->capparents ? x->capparents * 2 : 4;
		struct parent **v = realloc(x->parents, n * sizeof *v);

		if (v == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		x->parents = v;
		x->capparents = n;
	}
	if ((p = calloc(1, sizeof *p)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	p->id = x->next_id++;
	p->spec = *s;
	p->m = m;
	/* A spec without a symbol trades in the first market. */
	snprintf(p->spec.sym, sizeof p->spec.sym, "%s", m->sym);
	p->algo = algo;
	p->state = PARENT_NEW;
	p->next_decision = s->start;
	p->dirty = 1;
	p->aggr_cap = AGGR_AGGRESSIVE;
	p->force_style = -1;
	x->parents[x->nparents++] = p;
	if (id != NULL)
		*id = p->id;
	return 0;
}

static int
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

static void
exec_cancel_child(struct exec *x, struct parent *p, struct child *c,
                  const char *why)
{
	int64_t left = 0;

	if (!c->live)
		return;
	if (market_cancel(p->m, c->id, &left) == 0)
		p->working -= left;
	c->live = 0;
	p->dirty = 1;
	exec_child_event(x, p, c, "cancelled", why);
}

static void
exec_cancel_all(struct exec *x, struct parent *p, const char *why)
{
	for (size_t i = 0; i < p->nchildren; i++)
		exec_cancel_child(x, p, &p->children[i], why);
}

/*
 * Send one child.  Returns the shares it filled at once.  A crossing child
 * is IOC; a passive one rests and counts as working.
 */
static int64_t
exec_send(struct exec *x, struct parent *p, int64_t px, int64_t qty, int style,
          const char *why)
{
	int64_t filled = 0;
	uint64_t id;
	struct child *c;
	int tif = style == STYLE_CROSS ? BOOK_IOC : BOOK_GTC;

	char err[200];
	double mid = market_mid(p->m);
	int64_t bp, ap, q;

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
	if (style != STYLE_CROSS && filled < qty) {
		c->live = 1;
		p->working += qty - filled;
	}
	exec_child_event(x, p, c, filled >= qty ? "filled" :
	    filled > 0 ? "partial" : "new", why);
	return filled;
}

/* Shares the participation cap still allows (INT64_MAX when uncapped). */
static int64_t
exec_pov_room(const struct exec *x, const struct parent *p)
{
	double rate = p->spec.max_pov / 100.0;
	int64_t others;

	if (rate >= 1.0)
		return INT64_MAX;
	others = (p->m->volume - p->vol0) - (p->m->our_volume - p->ourvol0);
	return (int64_t)floor(rate / (1.0 - rate) * (double)others) - p->filled -
	    p->working;
}

/*
 * What the AC schedule plans with when the market does not say (see
 * algo-ac.c): sigma from the realised variance of the mid seen so far, eta
 * and eps from crossing one TWAP slice against the book as it is now.
 */
static const struct exec_mkt *
exec_mkt_of(const struct exec *x, const struct market *m)
{
	for (size_t i = 0; i < x->nmk; i++)
		if (x->mk[i].m == m)
			return &x->mk[i];
	return NULL;
}

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

static void
exec_start(struct exec *x, struct parent *p)
{
	double mid = market_mid(p->m);

	p->arrival = mid > 0 ? mid : (double)p->m->last_px;
	p->vol0 = p->m->volume;
	p->ourvol0 = p->m->our_volume;
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
static int
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

/* A price is allowed when it does not go through the limit. */
static int
exec_px_ok(const struct parent *p, int64_t px)
{
	if (p->spec.limit_px == 0)
		return 1;
	return p->spec.side == BOOK_BID ? px <= p->spec.limit_px :
	    px >= p->spec.limit_px;
}

/* The style the tactic uses now: a forced one while it lasts, else
 * neutral; never above the cap. */
static int
exec_mode(const struct exec *x, const struct parent *p)
{
	int mode = AGGR_NEUTRAL;

	if (p->algo->aggression > 0)
		mode = p->algo->aggression - 1;
	else if (p->spec.aggression > 0)
		mode = p->spec.aggression - 1;
	if (p->force_style >= 0 && p->m->now < p->force_until)
		mode = p->force_style;
	return mode < p->aggr_cap ? mode : p->aggr_cap;
}

static void
exec_end_of_window(struct exec *x, struct parent *p)
{
	int64_t remaining, far, near, filled;

	exec_cancel_all(x, p, "end of window");
	remaining = p->spec.qty - p->filled;
	if (remaining > 0 && p->spec.cleanup && exec_mode(x, p) != AGGR_PASSIVE &&
	    exec_touches(x, p, &far, &near) == 0) {
		/* Sweep up to 1% through the touch for what is left. */
		int64_t collar = (int64_t)ceil((double)far * 0.01);
		int64_t px = p->spec.side == BOOK_BID ? far + collar : far - collar;

		if (p->spec.limit_px != 0 && !exec_px_ok(p, px))
			px = p->spec.limit_px;
		exec_decision(x, p, "cleanup", remaining, px, STYLE_CROSS,
		    p->spec.qty, "end of window: crossing the %lld shares left, "
		    "at most %.2f", (long long)remaining, px * p->m->tick);
		filled = exec_send(x, p, px, remaining, STYLE_CROSS, "cleanup");
		remaining -= filled;
	}
	if (p->state == PARENT_WORKING || p->state == PARENT_PAUSED)
		exec_finish(x, p, PARENT_DONE);
	if (remaining > 0)
		exec_alert(x, p, "warn", "unfilled", "block %u window ended with "
		    "%lld of %lld shares unfilled", p->id, (long long)remaining,
		    (long long)p->spec.qty);
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
	int64_t remaining = p->spec.qty - p->filled, sched, next, room, want, qty;
	int64_t post = near;
	double tick = p->m->tick;

	if (style == STYLE_CROSS && p->aggr_cap == AGGR_PASSIVE)
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

		if (c->live && (style == STYLE_CROSS || c->px != post))
			exec_cancel_child(x, p, c, style == STYLE_CROSS ?
			    "policy crosses instead" : "stale: the touch moved");
	}
	sched = p->algo->target(p, t);
	next = p->algo->target(p, t + p->spec.interval);
	room = exec_pov_room(x, p);
	want = next - p->filled - p->working;
	want = want > 0 ? (int64_t)llround(mult * (double)want) : 0;
	if (want > room)
		want = room;
	if (p->max_child > 0 && want > p->max_child)
		want = p->max_child;
	qty = exec_round_lot(want, p->spec.lot, remaining - p->working);
	if (qty <= 0) {
		exec_decision(x, p, "hold", 0, 0, -1, sched, "%s: %lld filled, "
		    "%lld working, schedule %lld", room <= 0 ? "participation cap "
		    "reached" : "nothing to add", (long long)p->filled,
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
		    "crossing %lld shares, at most %.2f", (long long)qty, px * tick);
		exec_send(x, p, px, qty, STYLE_CROSS, "policy");
		return;
	}
	if (!exec_px_ok(p, post)) {
		exec_decision(x, p, "hold", 0, 0, -1, sched, "touch %.2f is "
		    "through the limit %.2f", post * tick, p->spec.limit_px * tick);
		return;
	}
	exec_decision(x, p, "post", qty, post, style, sched, "%s %lld %s %.2f "
	    "(schedule %lld by the next decision)", p->spec.side == BOOK_BID ?
	    "bid" : "offer", (long long)qty, style == STYLE_INSIDE ?
	    "inside the spread at" : "at the touch", post * tick,
	    (long long)next);
	exec_send(x, p, post, qty, style, "policy");
}

static void
exec_decide(struct exec *x, struct parent *p, int64_t t)
{
	int64_t remaining = p->spec.qty - p->filled, far, near, sched, next,
	    slice, behind, room, want, qty, crossed = 0;
	double tick = p->m->tick;
	double tol = p->spec.catchup > 0 ? p->spec.catchup : 1.0;
	double mult = 1;  /* a policy's multiplier of the slice */
	int64_t post;

	p->mkt_vol = (p->m->volume - p->vol0) - (p->m->our_volume - p->ourvol0);
	p->mkt_t = t;
	p->win_t[p->nwin % 256] = t;
	p->win_vol[p->nwin % 256] = p->m->volume;
	p->win_our[p->nwin % 256] = p->m->our_volume;
	p->nwin++;
	if (exec_touches(x, p, &far, &near) != 0) {
		exec_decision(x, p, "wait", 0, 0, -1, p->algo->target(p, t),
		    "no %s side in the book: nothing to trade against",
		    p->spec.side == BOOK_BID ? "ask" : "bid");
		return;
	}
	/* A policy chooses first, unless a trader forces a style. */
	int forced = p->force_style >= 0 && p->m->now < p->force_until;
	int live_style = !forced || p->force_style == AGGR_NEUTRAL ? -1 :
	    p->force_style == AGGR_PASSIVE ? STYLE_PASSIVE : STYLE_CROSS;

	if (p->algo->decide != NULL && !forced) {
		struct algo_action act = { .mult = 1, .style = -1 };

		if (p->algo->decide(x, p, t, &act) == 0) {
			snprintf(x->dec_note, sizeof x->dec_note, "%s", act.note);
			cJSON_Delete(x->dec_extra);
			x->dec_extra = act.detail;
			mult = act.mult >= 0 && act.mult <= 10 ? act.mult : 1;
			if (act.style >= STYLE_PASSIVE && act.style <= STYLE_CROSS) {
				if (x->shadow != NULL)
					learned_shadow(x, p, x->shadow, t, mult, act.style,
					    &x->dec_extra);
				exec_decide_policy(x, p, t, far, near, mult, act.style);
				return;
			}
		} else
			cJSON_Delete(act.detail);
	}
	if (x->shadow != NULL)
		learned_shadow(x, p, x->shadow, t, mult, live_style, &x->dec_extra);
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

		if (c->live && c->px != post)
			exec_cancel_child(x, p, c, "stale: the touch moved");
	}
	sched = p->algo->target(p, t);
	next = p->algo->target(p, t + p->spec.interval);
	slice = next - sched;
	if (slice < p->spec.lot)
		slice = p->spec.lot;
	behind = sched - p->filled;
	room = exec_pov_room(x, p);
	if (room <= 0) {
		exec_decision(x, p, "hold", 0, 0, -1, sched, "participation cap "
		    "%.1f%% reached: waiting for the market to trade",
		    p->spec.max_pov);
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
		if (take > room)
			take = room;
		if (p->max_child > 0 && take > p->max_child)
			take = p->max_child;
		qty = exec_round_lot(take, p->spec.lot, remaining - p->working);
		if (qty > 0 && exec_px_ok(p, far)) {
			int64_t px = exec_sweep_px(x, p, far, qty);

			exec_decision(x, p, "cross", qty, px, STYLE_CROSS, sched,
			    "aggressive: taking the next slice, %lld shares, at most "
			    "%.2f", (long long)qty, px * tick);
			exec_send(x, p, px, qty, STYLE_CROSS, "aggressive");
			return;
		}
	}
	/* 2. Catch up by crossing when more than a slice behind. */
	if (mode >= AGGR_NEUTRAL && (double)behind > tol * (double)slice &&
	    exec_px_ok(p, far)) {
		qty = behind < room ? behind : room;
		if (p->max_child > 0 && qty > p->max_child)
			qty = p->max_child;
		qty = exec_round_lot(qty, p->spec.lot, remaining - p->working);
		if (qty > 0) {
			int64_t px = exec_sweep_px(x, p, far, qty);

			exec_decision(x, p, "cross", qty, px, STYLE_CROSS, sched,
			    "behind schedule by %lld shares (%.1f slices): crossing "
			    "at most %.2f", (long long)behind, (double)behind / slice,
			    px * tick);
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
	if (want > room)
		want = room;
	if (p->max_child > 0 && want > p->max_child)
		want = p->max_child;
	qty = exec_round_lot(want, p->spec.lot, remaining - p->working);
	if (qty <= 0) {
		if (crossed == 0)
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
	    post * tick, (long long)next,
	    want > qty ? "" : room < INT64_MAX && room <= want ?
	    ", capped by participation" : "");
	exec_send(x, p, post, qty, post != near ? STYLE_INSIDE : STYLE_PASSIVE,
	    "slice");
}

void
exec_tick(struct exec *x, int64_t t)
{
	/* Advance the market to each due decision in turn, so a decision sees
	 * the book as it is at its own time even when t jumps far ahead. */
	for (;;) {
		int64_t due = t;
		struct parent *next = NULL;

		for (size_t i = 0; i < x->nparents; i++) {
			struct parent *p = x->parents[i];

			if (p->state != PARENT_NEW && p->state != PARENT_WORKING)
				continue;
			int64_t when = p->next_decision < p->spec.end ?
			    p->next_decision : p->spec.end;
			if (when <= due) {
				due = when;
				next = p;
			}
		}
		/* Every market to the same time: each block trades in its own,
		 * and none may lag behind another's decisions. */
		for (size_t i = 0; i < x->nmk; i++)
			market_advance(x->mk[i].m, due);
		if (next == NULL)
			return;
		if (next->state == PARENT_NEW)
			exec_start(x, next);
		if (due >= next->spec.end) {
			exec_end_of_window(x, next);
			continue;
		}
		exec_decide(x, next, due);
		/* A policy's note is for its own decision only. */
		x->dec_note[0] = '\0';
		cJSON_Delete(x->dec_extra);
		x->dec_extra = NULL;
		next->next_decision = due + next->spec.interval;
		next->dirty = 1;
		/* Alert once when the block falls well behind its schedule. */
		int64_t sched = next->algo->target(next, due);
		if (sched > 0 && next->filled < sched * 9 / 10 &&
		    !next->behind_alerted) {
			next->behind_alerted = 1;
			exec_alert(x, next, "warn", "behind", "block %u behind "
			    "schedule: %lld filled of %lld scheduled", next->id,
			    (long long)next->filled, (long long)sched);
		} else if (next->filled >= sched * 95 / 100)
			next->behind_alerted = 0;
	}
}

static int
exec_lookup(struct exec *x, uint32_t id, char *err, size_t errlen)
{
	if (id != 0 && exec_find(x, id) == NULL) {
		snprintf(err, errlen, "block %u: no such block", id);
		return -1;
	}
	return 0;
}

int
exec_pause(struct exec *x, uint32_t id, char *err, size_t errlen)
{
	int n = 0;

	if (exec_lookup(x, id, err, errlen) != 0)
		return -1;
	for (size_t i = 0; i < x->nparents; i++) {
		struct parent *p = x->parents[i];

		if ((id != 0 && p->id != id) ||
		    (p->state != PARENT_WORKING && p->state != PARENT_NEW))
			continue;
		exec_cancel_all(x, p, "paused");
		p->state = PARENT_PAUSED;
		p->dirty = 1;
		n++;
	}
	if (n == 0) {
		snprintf(err, errlen, "block %u: nothing working to pause", id);
		return -1;
	}
	return 0;
}

int
exec_resume(struct exec *x, uint32_t id, char *err, size_t errlen)
{
	int n = 0;

	if (exec_lookup(x, id, err, errlen) != 0)
		return -1;
	for (size_t i = 0; i < x->nparents; i++) {
		struct parent *p = x->parents[i];

		if ((id != 0 && p->id != id) || p->state != PARENT_PAUSED)
			continue;
		p->state = p->arrival > 0 ? PARENT_WORKING : PARENT_NEW;
		p->next_decision = p->m->now;
		p->dirty = 1;
		n++;
	}
	if (n == 0) {
		snprintf(err, errlen, "block %u: nothing paused to resume", id);
		return -1;
	}
	return 0;
}

int
exec_throttle(struct exec *x, uint32_t id, double pct, char *err,
              size_t errlen)
{
	if (!(pct > 0 && pct <= 100)) {
		snprintf(err, errlen, "pct %g: must be > 0 and <= 100", pct);
		return -1;
	}
	if (exec_lookup(x, id, err, errlen) != 0)
		return -1;
	for (size_t i = 0; i < x->nparents; i++) {
		struct parent *p = x->parents[i];

		if (id != 0 && p->id != id)
			continue;
		p->spec.max_pov = pct;
		p->dirty = 1;
	}
	return 0;
}

int
exec_cancel(struct exec *x, uint32_t id, char *err, size_t errlen)
{
	struct parent *p = exec_find(x, id);

	if (p == NULL) {
		snprintf(err, errlen, "block %u: no such block", id);
		return -1;
	}
	if (p->state == PARENT_DONE || p->state == PARENT_CANCELLED) {
		snprintf(err, errlen, "block %u is already %s", id,
		    exec_state_name(p->state));
		return -1;
	}
	exec_cancel_all(x, p, "block cancelled");
	exec_finish(x, p, PARENT_CANCELLED);
	return 0;
}

static const char *aggr_names[] = { "passive", "neutral", "aggressive" };

const char *
exec_aggression_name(int a)
{
	return a >= 0 && a <= AGGR_AGGRESSIVE ? aggr_names[a] : "?";
}

int
exec_aggression_parse(const char *str)
{
	for (int i = 0; i <= AGGR_AGGRESSIVE; i++)
		if (strcmp(str, aggr_names[i]) == 0)
			return i;
	return -1;
}

/* A block that can still be steered: not finished. */
static struct parent *
exec_steerable(struct exec *x, uint32_t id, char *err, size_t errlen)
{
	struct parent *p = exec_find(x, id);

	if (p == NULL) {
		snprintf(err, errlen, "block %u: no such block", id);
		return NULL;
	}
	if (p->state == PARENT_DONE || p->state == PARENT_CANCELLED) {
		snprintf(err, errlen, "block %u is %s", id,
		    exec_state_name(p->state));
		return NULL;
	}
	return p;
}

int
exec_limit(struct exec *x, uint32_t id, const struct exec_limits *l, char *err,
           size_t errlen)
{
	if (l->pct > 100) {
		snprintf(err, errlen, "pct %g: must be > 0 and <= 100", l->pct);
		return -1;
	}
	if (l->aggression > AGGR_AGGRESSIVE) {
		snprintf(err, errlen, "aggression %d: must be passive, neutral or "
		    "aggressive", l->aggression);
		return -1;
	}
	if (l->pct <= 0 && l->max_child <= 0 && l->aggression < 0) {
		snprintf(err, errlen, "nothing to change: give pct, max_child or "
		    "aggression");
		return -1;
	}
	if (exec_lookup(x, id, err, errlen) != 0)
		return -1;
	for (size_t i = 0; i < x->nparents; i++) {
		struct parent *p = x->parents[i];

		if (id != 0 && p->id != id)
			continue;
		if (l->pct > 0)
			p->spec.max_pov = l->pct;
		if (l->max_child > 0)
			p->max_child = l->max_child;
		if (l->aggression >= 0)
			p->aggr_cap = l->aggression;
		p->dirty = 1;
	}
	return 0;
}

int
exec_force_style(struct exec *x, uint32_t id, int style, int64_t for_ns,
                 char *err, size_t errlen)
{
	struct parent *p = exec_steerable(x, id, err, errlen);

	if (p == NULL)
		return -1;
	if (style < AGGR_PASSIVE || style > AGGR_AGGRESSIVE) {
		snprintf(err, errlen, "style %d: must be passive, neutral or "
		    "aggressive", style);
		return -1;
	}
	if (for_ns <= 0) {
		snprintf(err, errlen, "for %lld ns: must be > 0", (long long)for_ns);
		return -1;
	}
	p->force_style = style;
	p->force_until = p->m->now + for_ns;
	/* Act on it now rather than at the next interval. */
	p->next_decision = p->m->now;
	p->dirty = 1;
	return 0;
}

int
exec_set_limit_px(struct exec *x, uint32_t id, int64_t px, char *err,
                  size_t errlen)
{
	struct parent *p = exec_steerable(x, id, err, errlen);

	if (p == NULL)
		return -1;
	if (px < 0) {
		snprintf(err, errlen, "limit px %lld: must be >= 0 (0 clears it)",
		    (long long)px);
		return -1;
	}
	p->spec.limit_px = px;
	/* Children now through the limit must go. */
	for (size_t i = 0; i < p->nchildren; i++)
		if (p->children[i].live && !exec_px_ok(p, p->children[i].px))
			exec_cancel_child(x, p, &p->children[i], "through the new "
			    "limit");
	p->dirty = 1;
	return 0;
}

int
exec_switch_algo(struct exec *x, uint32_t id, const char *algo, char *err,
                 size_t errlen)
{
	struct parent *p = exec_steerable(x, id, err, errlen);
	const struct algo_ops *ops = algo_find(algo);

	if (p == NULL)
		return -1;
	if (ops == NULL) {
		snprintf(err, errlen, "algo \"%s\": unknown", algo);
		return -1;
	}
	if (ops == &algo_learned_ops && exec_need_model(x, err, errlen) != 0)
		return -1;
	if (p->algo->release != NULL)
		p->algo->release(p);
	p->algo = ops;
	snprintf(p->spec.algo, sizeof p->spec.algo, "%s", ops->name);
	p->next_decision = p->m->now;
	p->dirty = 1;
	return 0;
}

int
exec_cancel_children(struct exec *x, uint32_t id, char *err, size_t errlen)
{
	struct parent *p = exec_steerable(x, id, err, errlen);

	if (p == NULL)
		return -1;
	exec_cancel_all(x, p, "cancelled by a trader");
	/* The tactic would post again at once: wait for the next interval. */
	return 0;
}

int
exec_risk_check(const struct exec *x, const struct parent *p, int64_t px,
                int64_t qty, char *err, size_t errlen)
{
	int64_t unworked = p->spec.qty - p->filled - p->working;
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
	if (p->spec.win_pov > 0 && p->spec.win_pov < 100 && p->nwin > 0) {
		/* Volume since the oldest sample inside the window, with this
		 * child counted as if it traded in full. */
		int64_t win = (int64_t)((p->spec.win_s > 0 ? p->spec.win_s : 300) *
		    1e9), vol0 = -1, our0 = 0;
		unsigned have = p->nwin < 256 ? p->nwin : 256;

		for (unsigned i = 0; i < have; i++) {
			unsigned k = (p->nwin - 1 - i) % 256;

			if (p->win_t[k] < p->m->now - win)
				break;
			vol0 = p->win_vol[k];
			our0 = p->win_our[k];
		}
		if (vol0 >= 0) {
			int64_t ours = p->m->our_volume - our0 + p->working + qty;
			int64_t all = p->m->volume - vol0 + p->working + qty;
			double pct = 100.0 * (double)ours / (double)all;

			if (pct > p->spec.win_pov) {
				snprintf(err, errlen, "participation %.1f%% over the last "
				    "%.0f s (%lld of %lld shares, this child %lld "
				    "included): limit %.1f%%", pct, (double)win / 1e9,
				    (long long)ours, (long long)all, (long long)qty,
				    p->spec.win_pov);
				return -1;
			}
		}
	}
	return 0;
}

int
exec_mode_of(const struct exec *x, const struct parent *p)
{
	return exec_mode(x, p);
}

struct market *
exec_market(struct exec *x)
{
	return x->mk[0].m;
}

void
exec_set_model(struct exec *x, const struct model *m)
{
	x->model = m;
}

const struct model *
exec_model(const struct exec *x)
{
	return x->model;
}

void
exec_set_shadow(struct exec *x, const struct model *m)
{
	x->shadow = m;
}

void
exec_set_impact(struct exec *x, const struct impact_model *im)
{
	x->impact = im;
	x->impact_tried = 1;
	snprintf(x->impact_err, sizeof x->impact_err, "no impact model");
}

/*
 * The impact model: the one set with exec_set_impact, else
 * impact_default_path() loaded at the first call.  A file that cannot be
 * loaded is tried once; *why (may be NULL) then says why there is none.
 */
const struct impact_model *
exec_impact(struct exec *x, const char **why)
{
	if (!x->impact_tried) {
		x->impact_tried = 1;
		if ((x->own_impact = calloc(1, sizeof *x->own_impact)) == NULL)
			snprintf(x->impact_err, sizeof x->impact_err, "out of memory");
		else if (impact_load(x->own_impact, impact_default_path(),
		    x->impact_err, sizeof x->impact_err) != 0) {
			free(x->own_impact);
			x->own_impact = NULL;
		} else
			x->impact = x->own_impact;
	}
	if (why != NULL)
		*why = x->impact != NULL ? "" : x->impact_err;
	return x->impact;
}

int
exec_emitting(const struct exec *x)
{
	return x->e.emit != NULL;
}

int
exec_manual_child(struct exec *x, uint32_t id, int64_t px, int64_t qty,
                  int ioc, char *err, size_t errlen)
{
	struct parent *p = exec_steerable(x, id, err, errlen);
	int64_t far, near;
	int style;

	if (p == NULL)
		return -1;
	if (p->state != PARENT_WORKING && p->state != PARENT_PAUSED) {
		snprintf(err, errlen, "block %u is %s: no manual orders", id,
		    exec_state_name(p->state));
		return -1;
	}
	if (exec_risk_check(x, p, px, qty, err, errlen) != 0)
		return -1;
	style = STYLE_PASSIVE;
	if (exec_touches(x, p, &far, &near) == 0 &&
	    (p->spec.side == BOOK_BID ? px >= far : px <= far))
		style = STYLE_CROSS;
	if (ioc)
		style = STYLE_CROSS;
	exec_decision(x, p, "manual", qty, px, style, p->algo->target(p,
	    p->m->now), "manual child from a trader: %lld at %.2f%s",
	    (long long)qty, px * p->m->tick, ioc ? " (IOC)" : "");
	exec_send(x, p, px, qty, style, "manual");
	return 0;
}

int
exec_kill(struct exec *x, char *err, size_t errlen)
{
	int n = 0;

	for (size_t i = 0; i < x->nparents; i++) {
		struct parent *p = x->parents[i];

		if (p->state == PARENT_DONE || p->state == PARENT_CANCELLED ||
		    p->state == PARENT_HALTED)
			continue;
		exec_cancel_all(x, p, "kill switch");
		p->halted_from = p->state;
		p->state = PARENT_HALTED;
		p->dirty = 1;
		n++;
	}
	if (n == 0) {
		snprintf(err, errlen, "nothing to halt: every block is finished or "
		    "halted");
		return -1;
	}
	exec_alert(x, NULL, "crit", "kill", "kill switch: %d block(s) halted, "
	    "every working child cancelled", n);
	return 0;
}

int
exec_release(struct exec *x, char *err, size_t errlen)
{
	int n = 0;

	for (size_t i = 0; i < x->nparents; i++) {
		struct parent *p = x->parents[i];

		if (p->state != PARENT_HALTED)
			continue;
		p->state = p->halted_from;
		p->next_decision = p->m->now;
		p->dirty = 1;
		n++;
	}
	if (n == 0) {
		snprintf(err, errlen, "nothing is halted");
		return -1;
	}
	exec_alert(x, NULL, "warn", "release", "kill switch released: %d "
	    "block(s) back as they were", n);
	return 0;
}

int
exec_journal_halt(struct exec *x, int on)
{
	int n = 0;

	for (size_t i = 0; i < x->nparents; i++) {
		struct parent *p = x->parents[i];

		if (on && p->state != PARENT_DONE &&
		    p->state != PARENT_CANCELLED &&
		    p->state != PARENT_JOURNAL_HALTED) {
			p->jhalted_from = p->state;
			p->state = PARENT_JOURNAL_HALTED;
		} else if (!on && p->state == PARENT_JOURNAL_HALTED)
			p->state = p->jhalted_from;
		else
			continue;
		p->dirty = 1;
		n++;
	}
	return n;
}

size_t
exec_count(const struct exec *x)
{
	return x->nparents;
}

struct parent *
exec_get(struct exec *x, size_t i)
{
	return i < x->nparents ? x->parents[i] : NULL;
}

struct parent *
exec_find(struct exec *x, uint32_t id)
{
	for (size_t i = 0; i < x->nparents; i++)
		if (x->parents[i]->id == id)
			return x->parents[i];
	return NULL;
}

int
exec_all_done(const struct exec *x)
{
	for (size_t i = 0; i < x->nparents; i++)
		if (x->parents[i]->state != PARENT_DONE &&
		    x->parents[i]->state != PARENT_CANCELLED)
			return 0;
	return 1;
}

/* A dollar figure to the cent: short on the wire. */
static void
exec_add_usd(cJSON *o, const char *name, double usd)
{
	cJSON_AddNumberToObject(o, name, round(usd * 100) / 100 + 0.0);
}

/*
 * The shortfall's decomposition (engine/tca: spread, temporary impact,
 * timing -- our permanent impact and the market's drift -- and the
 * opportunity cost of what is unfilled, valued at the mid now, or at the
 * end mid once finished), in dollars, positive a cost.
 */
static void
exec_block_is_parts(const struct exec *x, const struct parent *p, cJSON *o)
{
	struct tca_report r;
	double mid = p->state == PARENT_DONE || p->state == PARENT_CANCELLED ?
	    (double)p->end_px : market_mid(p->m);

	(void)x;
	memset(&r, 0, sizeof r);
	if (mid <= 0)
		mid = (double)p->m->last_px;
	if (tca_sums_report(&p->tca, p->spec.side, p->spec.qty, p->arrival, mid,
	    p->m->tick, &r) != 0)
		return;
	exec_add_usd(o, "is_spread", r.spread_usd);
	exec_add_usd(o, "is_temp", r.temp_usd);
	exec_add_usd(o, "is_timing", r.timing_usd);
	exec_add_usd(o, "is_opp", r.opp_usd);
}

cJSON *
exec_block_json(const struct exec *x, const struct parent *p)
{
	cJSON *o = cJSON_CreateObject();
	char id[16];
	int64_t t = p->m->now, sched = p->algo->target(p, t);
	int64_t others = (p->m->volume - p->vol0) - (p->m->our_volume - p->ourvol0);

	exec_id_str(id, sizeof id, p->id);
	cJSON_AddStringToObject(o, "id", id);
	cJSON_AddStringToObject(o, "sym", p->spec.sym);
	cJSON_AddStringToObject(o, "side", exec_side_name(p->spec.side));
	cJSON_AddNumberToObject(o, "qty", (double)p->spec.qty);
	cJSON_AddNumberToObject(o, "filled", (double)p->filled);
	cJSON_AddNumberToObject(o, "working", (double)p->working);
	cJSON_AddNumberToObject(o, "remaining", (double)(p->spec.qty - p->filled));
	cJSON_AddStringToObject(o, "state", exec_state_name(p->state));
	cJSON_AddStringToObject(o, "algo", p->algo->name);
	exec_add_time(o, "start", p->spec.start);
	exec_add_time(o, "end", p->spec.end);
	cJSON_AddNumberToObject(o, "arrival_px", p->arrival);
	cJSON_AddNumberToObject(o, "avg_px", tca_avg_px(p->filled, p->cash));
	cJSON_AddNumberToObject(o, "sched_qty", (double)sched);
	cJSON_AddNumberToObject(o, "pct_sched", sched > 0 ?
	    100.0 * (double)p->filled / (double)sched : 100.0);
	cJSON_AddNumberToObject(o, "is_bps", tca_is_bps(p->spec.side, p->arrival,
	    p->filled, p->cash));
	cJSON_AddNumberToObject(o, "is_cash", tca_is_cash(p->spec.side,
	    p->arrival, p->filled, p->cash, p->m->tick));
	cJSON_AddNumberToObject(o, "max_pov", p->spec.max_pov);
	cJSON_AddNumberToObject(o, "mkt_vol", (double)(p->m->volume - p->vol0));
	cJSON_AddNumberToObject(o, "pov", others + p->filled > 0 ?
	    100.0 * (double)p->filled / (double)(others + p->filled) : 0.0);
	cJSON_AddNumberToObject(o, "passive_filled", (double)p->passive_filled);
	cJSON_AddNumberToObject(o, "max_child", (double)p->max_child);
	cJSON_AddStringToObject(o, "aggression", exec_aggression_name(p->aggr_cap));
	if (p->force_style >= 0 && p->m->now < p->force_until) {
		cJSON_AddStringToObject(o, "forced", exec_aggression_name(
		    p->force_style));
		exec_add_time(o, "forced_until", p->force_until);
	}
	cJSON_AddNumberToObject(o, "limit_px", (double)p->spec.limit_px);
	if (p->shadow_state != NULL)
		cJSON_AddItemToObject(o, "shadow", learned_shadow_json(p));
	exec_block_is_parts(x, p, o);
	return o;
}

void
exec_emit_dirty(struct exec *x)
{
	if (x->e.emit == NULL)
		return;
	for (size_t i = 0; i < x->nparents; i++) {
		struct parent *p = x->parents[i];

		if (!p->dirty)
			continue;
		p->dirty = 0;
		exec_emit(x, "block", exec_block_json(x, p));
	}
}
