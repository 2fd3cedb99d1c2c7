/*
 * engine/exec/exec.c -- parent orders: the engine's blocks, the markets
 * they trade in, and the loop that makes every decision when it is due.
 *
 * exec_submit checks a block and files it under the market of its symbol;
 * exec_tick advances every market to each decision due in turn, so a
 * decision sees the book as it is at its own time even when the caller's
 * clock jumps; with an emit callback it also stops on a one-second grid of
 * simulated time to sample each market's mid ("mid" events), so what the
 * journal's TCA reads is the same at any speed.  The market's callbacks (fills, children gone, prints) come
 * back here and are booked against the block that owns the child.
 *
 * The rest of the folder, one subject a file (exec-int.h is what they
 * share): the tactic that turns a schedule into children (exec-tactic.c),
 * the controls a person has (exec-control.c), the risk checks every child
 * passes (exec-risk.c), the events and JSON views (exec-event.c), plans an
 * algorithm owns (exec-plan.c), the fast signals and the decisions they
 * wake (exec-signal.c), and the registry of algorithms (algo-registry.c,
 * one algo-*.c each).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/exec/exec-int.h"
#include "engine/model/model.h"
#include "engine/tca/tca.h"

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
exec_on_fill(void *arg, const struct market_fill *f)
{
	struct exec_mkt *mk = arg;
	struct exec *x = mk->x;
	struct child *c;
	struct parent *p = exec_owner_of(x, mk->m, f->id, &c);

	if (p == NULL)
		return;
	c->filled += f->qty;
	p->filled += f->qty;
	p->cash += f->px * f->qty;
	tca_sums_add(&p->tca, p->spec.side, p->arrival, &(struct tca_fill){
	    .t = p->m->now, .px = f->px, .qty = f->qty, .mid = c->mid,
	    .half_spread = c->half_spread, .passive = f->passive });
	p->venue_filled[f->venue >= 0 && f->venue < VENUE_COUNT ? f->venue :
	    VENUE_LIT] += f->qty;
	if (f->venue != VENUE_LIT)
		mk->our_venue += f->qty;
	exec_desk_sample(x, mk->m, mk->m->now);
	if (f->passive) {
		p->passive_filled += f->qty;
		/* A dark order or an accepted quote was held apart from the
		 * lit book's working shares. */
		if (c->venue != VENUE_LIT)
			p->venue_working -= f->qty;
		else
			p->working -= f->qty;
		if (f->left == 0)
			c->live = 0;
	}
	p->dirty = 1;
	if (x->e.emit != NULL) {
		exec_fill_event(x, p, c, f);
		if (f->passive && f->left == 0)
			exec_child_event(x, p, c, "filled", NULL);
	}
	/* Never meant to happen: what is sent and held never exceeds what
	 * is left.  Were it to, the supervisor hears of it, once a block. */
	if (p->filled > p->spec.qty && !p->overfill_told) {
		p->overfill_told = 1;
		exec_alert(x, p, "crit", "overfill", "block %u filled past its "
		    "quantity: %lld of %lld shares", p->id, (long long)p->filled,
		    (long long)p->spec.qty);
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

	exec_desk_sample(x, mk->m, mk->m->now);
	if (mid > 0) {
		if (mk->var_t0 == 0)
			mk->var_t0 = mk->m->now;
		else
			mk->var_sum += (long double)(mid - mk->var_mid) *
			    (mid - mk->var_mid);
		mk->var_mid = mid;
		mk->var_t = mk->m->now;
	}
	if (aggressor == BOOK_BID) {
		mk->wbuy += qty;
		mk->sbuy += qty;
	} else {
		mk->wsell += qty;
		mk->ssell += qty;
	}
	if (x->e.emit != NULL)
		exec_trade_event(x, mk->m, px, qty, aggressor);
}

/* A request's deadline: the router chooses among its quotes. */
static int
exec_on_rfq(void *arg, const struct venue_rfq *r)
{
	struct exec_mkt *mk = arg;
	struct child *c;
	struct parent *p = exec_owner_of(mk->x, mk->m, r->id, &c);

	if (p == NULL || !c->live)
		return -1;
	/* A trader's request waits for the trader, never the router. */
	if (c->manual)
		return exec_rfq_expire(mk->x, p, c, r);
	return exec_route_choose(mk->x, p, c, r);
}

/* The pool invites a conditional of ours to firm up. */
static int64_t
exec_on_firm(void *arg, const struct venue_invite *iv)
{
	struct exec_mkt *mk = arg;
	struct child *c;
	struct parent *p = exec_owner_of(mk->x, mk->m, iv->id, &c);

	if (p == NULL || !c->live || !c->cond)
		return 0;
	return exec_route_firm(mk->x, p, c, iv);
}

static void
exec_wire(struct exec *x, struct market *m)
{
	struct exec_mkt *mk = &x->mk[x->nmk++];

	mk->x = x;
	mk->m = m;
	mk->jump_at = INT64_MIN;
	mk->jump_age = -1;
	m->cbs.fill = exec_on_fill;
	m->cbs.gone = exec_on_gone;
	m->cbs.trade = exec_on_trade;
	m->cbs.rfq = exec_on_rfq;
	m->cbs.rfq_change = exec_rfq_on_change;
	m->cbs.firm = exec_on_firm;
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
	x->desk_pov = 100;
	x->desk_pov_s = 300;
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

struct exec_mkt *
exec_mkt_of(const struct exec *x, const struct market *m)
{
	for (size_t i = 0; i < x->nmk; i++)
		if (x->mk[i].m == m)
			return (struct exec_mkt *)&x->mk[i];
	return NULL;
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
	if (x->dealers != NULL) {
		dealer_model_free(x->dealers);
		free(x->dealers);
	}
	cJSON_Delete(x->dec_extra);
	exec_news_free(x);
	exec_rfq_free(x);
	watch_free(x->watch);
	free(x->parents);
	free(x);
}

/*
 * A learned block needs a model before it is accepted: the one set with
 * exec_set_model, else model_default_path() loaded once here.  A block is
 * refused, naming the file and what is wrong with it, rather than accepted
 * and quietly worked as plain AC.
 */
int
exec_need_model(struct exec *x, char *err, size_t errlen)
{
	char e[300], hex[MODEL_DIGEST_HEX];

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
	exec_set_model(x, x->own_model);
	/* Which model decides, in the daemon's log (an engine that
	 * publishes; a backtest's sessions do not): the digest a journal's
	 * decisions carry and a recovery is held to. */
	if (exec_emitting(x))
		fprintf(stderr, "tranched: learned model %s: \"%s\", digest "
		    "%s\n", model_default_path(), x->model->name,
		    model_digest_hex(x->model_digest, hex));
	return 0;
}

/* Cash is kept in ticks x shares, 64 bits: a block worth more than
 * EXEC_MAX_VALUE at the market's price now is refused, with room for the
 * price to move 90-fold (a $1e6 price in millionths and a billion shares,
 * each within its own range, overflowed the accounts: found by a review;
 * an amend too, by the next one). */
int
exec_value_check(const struct market *m, int64_t qty, char *err,
                 size_t errlen)
{
	double px = market_mid(m);

	if (!(px > 0))
		px = (double)m->last_px;
	if (px > 0 && px * (double)qty > EXEC_MAX_VALUE) {
		snprintf(err, errlen, "at %.0f ticks the block is worth %.3g "
		    "ticks x shares, more than the %.0e its accounts hold", px,
		    px * (double)qty, EXEC_MAX_VALUE);
		return -1;
	}
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
	{
		char why[160];

		if (exec_value_check(m, s->qty, why, sizeof why) != 0) {
			snprintf(err, errlen, "qty %lld: %s", (long long)s->qty, why);
			return -1;
		}
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
	if (!(s->catchup >= 0 && s->catchup <= EXEC_CATCHUP_MAX)) {
		snprintf(err, errlen, "catchup %g: must be 0 (the algorithm's "
		    "own) or at most %d slices behind", s->catchup,
		    EXEC_CATCHUP_MAX);
		return -1;
	}
	if (!(s->catchup_max >= 0 && s->catchup_max <= EXEC_CATCHUP_MAX)) {
		snprintf(err, errlen, "catchup_max %g: must be 0 (the "
		    "algorithm's own) or at most %d slices a decision",
		    s->catchup_max, EXEC_CATCHUP_MAX);
		return -1;
	}
	if (s->aggression < 0 || s->aggression > 1 + AGGR_AGGRESSIVE ||
	    s->pov < 0 || s->pov >= 100 || s->pov_floor < 0 ||
	    s->pov_cap < 0 || s->pov_cap > 100 || s->nprofile < 0 ||
	    s->nprofile > 64 || s->ac_lambda < 0 || s->win_pov < 0 ||
	    s->win_pov > 100 || s->win_s < 0 || s->max_rate < 0) {
		snprintf(err, errlen, "tactic or algorithm parameter out of range: "
		    "aggression %d, pov %g/%g/%g, profile %d buckets, "
		    "ac_lambda %g, win_pov %g, win_s %g, max_rate %g", s->aggression,
		    s->pov, s->pov_floor, s->pov_cap, s->nprofile,
		    s->ac_lambda, s->win_pov, s->win_s, s->max_rate);
		return -1;
	}
	if (!(s->adapt >= 0 && s->adapt <= 5) || !(s->event_k >= 0 &&
	    s->event_k <= 100) || !(s->event_f >= 0 && s->event_f <= 1) ||
	    !(s->event_win >= 0 && s->event_win < SIG_HIST) ||
	    !(s->event_flow >= 0 && s->event_flow <= 1) ||
	    !(s->react_s == 0 || (s->react_s >= 1 && s->react_s <= 10))) {
		snprintf(err, errlen, "adaptive parameter out of range: adapt %g "
		    "(0..5), event_k %g (0..100), event_f %g (0..1), event_win %g "
		    "(0..%d s), event_flow %g (0..1), react_s %g (0 or 1..10 s)",
		    s->adapt, s->event_k, s->event_f, s->event_win, SIG_HIST - 1,
		    s->event_flow, s->react_s);
		return -1;
	}
	if (s->lot <= 0 || s->limit_px < 0) {
		snprintf(err, errlen, "lot %lld / limit_px %lld: lot must be > 0, "
		    "limit_px >= 0", (long long)s->lot, (long long)s->limit_px);
		return -1;
	}
	if ((algo = algo_find(s->algo)) == NULL) {
		char known[160];

		algo_known(known, sizeof known);
		snprintf(err, errlen, "algo \"%s\": unknown (known: %s)", s->algo,
		    known);
		return -1;
	}
	if (exec_route_check(s, m, err, errlen) != 0)
		return -1;
	if (algo->needs_model && exec_need_model(x, err, errlen) != 0)
		return -1;
	if (strncmp(s->dealers, "learned:", 8) == 0 &&
	    exec_need_dealer_model(x, err, errlen) != 0)
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
	p->news_fired = INT64_MIN;
	x->parents[x->nparents++] = p;
	if (id != NULL)
		*id = p->id;
	return 0;
}

/*
 * Block p's decision at due, and what follows every decision: the policy's
 * note is dropped, the next decision is an interval on, and the block is
 * alerted about once when it falls well behind its schedule.
 */
static void
exec_tick_decide(struct exec *x, struct parent *p, int64_t due)
{
	exec_route_pre(x, p, due);
	exec_decide(x, p, due);
	exec_route_post(x, p, due);
	/* A policy's note is for its own decision only. */
	x->dec_note[0] = '\0';
	x->dec_plan[0] = '\0';
	cJSON_Delete(x->dec_extra);
	x->dec_extra = NULL;
	p->last_decision = due;
	p->next_decision = due + p->spec.interval;
	p->dirty = 1;
	/* Alert once when the block falls well behind its schedule;
	 * with the alert detector on, it tells that better (how far,
	 * for how long, escalating) and this only keeps the flag the
	 * learned policy reads. */
	int64_t sched = exec_target(p, due);
	if (sched > 0 && p->filled < sched * 9 / 10 &&
	    !p->behind_alerted) {
		p->behind_alerted = 1;
		if (x->watch == NULL)
			exec_alert(x, p, "warn", "behind", "block %u "
			    "behind schedule: %lld filled of %lld "
			    "scheduled", p->id,
			    (long long)p->filled, (long long)sched);
	} else if (p->filled >= sched * 95 / 100)
		p->behind_alerted = 0;
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

			/* A paused block decides nothing, but its window still
			 * ends (exec_end_of_window says what that does to it);
			 * a halted one is told once that its window ended. */
			if (p->state != PARENT_NEW && p->state != PARENT_WORKING &&
			    p->state != PARENT_PAUSED && (p->state !=
			    PARENT_HALTED || p->halt_end_told))
				continue;
			int64_t when = p->next_decision < p->spec.end &&
			    p->state != PARENT_PAUSED &&
			    p->state != PARENT_HALTED ? p->next_decision :
			    p->spec.end;
			if (when <= due) {
				due = when;
				next = p;
			}
		}
		/* With someone listening, the mids are sampled on their grid
		 * of simulated time, whatever steps the caller's clock takes
		 * (the backtester, which listens to nobody, is not slowed). */
		if (x->e.emit != NULL && x->nmk > 0) {
			if (x->mid_next == 0)
				x->mid_next = (x->mk[0].m->now + EXEC_MID_SAMPLE_NS -
				    1) / EXEC_MID_SAMPLE_NS * EXEC_MID_SAMPLE_NS;
			if (x->mid_next < due) {
				due = x->mid_next;
				next = NULL;
			}
		}
		/* A news item is published at its own time. */
		if (x->e.emit != NULL && exec_news_due(x) < due) {
			due = exec_news_due(x);
			next = NULL;
		}
		/* While an algorithm reads fast signals, every market is
		 * sampled on a grid of whole seconds, and a block that asks
		 * for it may decide at any of them (exec-signal.c).  With none
		 * the loop takes exactly the steps it always took. */
		int sig_due = 0;

		if (exec_signal_wanted(x)) {
			/* The first second after now: at the start, or again
			 * after a spell with nobody reading (the grid is not
			 * walked through seconds nobody sampled). */
			if (x->sig_next <= x->mk[0].m->now)
				x->sig_next = (x->mk[0].m->now / EXEC_SIG_STEP_NS + 1) *
				    EXEC_SIG_STEP_NS;
			if (x->sig_next < due) {
				due = x->sig_next;
				next = NULL;
			}
			sig_due = x->sig_next == due;
		}
		/* The alert detector's samples up to then come first, so
		 * they do not depend on how the caller slices time. */
		exec_watch_to(x, due);
		/* Every market to the same time: each block trades in its own,
		 * and none may lag behind another's decisions. */
		for (size_t i = 0; i < x->nmk; i++)
			market_advance(x->mk[i].m, due);
		if (x->e.emit != NULL)
			exec_news_publish(x, due);
		if (sig_due) {
			exec_signal_sample(x, due);
			x->sig_next += EXEC_SIG_STEP_NS;
			/* Every block woken at this second decides now, unless
			 * it is due on its own grid anyway. */
			for (long w = exec_signal_woken(x, due, 0); w >= 0;
			    w = exec_signal_woken(x, due, (size_t)w + 1))
				if (x->parents[w] != next)
					exec_tick_decide(x, x->parents[w], due);
		}
		if (x->e.emit != NULL && x->nmk > 0 && due == x->mid_next) {
			exec_mid_events(x);
			x->mid_next += EXEC_MID_SAMPLE_NS;
			if (next == NULL && due < t)
				continue;
		}
		if (next == NULL) {
			if (due < t)
				continue; /* a stop for news, a signal or a mid */
			return;
		}
		if (next->state == PARENT_PAUSED) {
			exec_end_of_window(x, next, "paused");
			continue;
		}
		if (next->state == PARENT_HALTED) {
			/* The kill switch stays on until a supervisor releases
			 * it, so the block stays HALTED; the release ends it
			 * without crossing, as a window's end ends a paused
			 * block. */
			next->halt_end_told = 1;
			exec_alert(x, next, "warn", "unfilled", "block %u window "
			    "ended while halted by the kill switch: %lld of %lld "
			    "shares unfilled; nothing will cross, the release ends "
			    "it EXPIRED", next->id, (long long)(next->spec.qty -
			    next->filled), (long long)next->spec.qty);
			continue;
		}
		if (next->state == PARENT_NEW)
			exec_start(x, next);
		if (due >= next->spec.end) {
			exec_end_of_window(x, next, NULL);
			continue;
		}
		exec_tick_decide(x, next, due);
	}
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
	x->model_digest = m != NULL ? model_digest(m) : 0;
}

uint64_t
exec_model_digest(const struct exec *x)
{
	return x->model_digest;
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
	/* The registry says which algorithm can watch with a model. */
	x->shadow_ops = m != NULL ? algo_shadow_ops() : NULL;
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
		if (!EXEC_STATE_FINAL(x->parents[i]->state))
			return 0;
	return 1;
}
