/*
 * engine/exec/exec-event.c -- what exec tells a person, as (topic, JSON)
 * through the one emit callback: alerts, children, decisions with their
 * reasons, fills, prints, and the block view that status and snapshot
 * replies carry.  With no emit callback (the backtester) none of this is
 * built; callers test x->e.emit before they spend anything on it.
 *
 * Times travel as decimal strings and dollars to the cent, because cJSON
 * numbers are doubles and the desk reads them.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "engine/exec/exec-int.h"
#include "engine/tca/tca.h"

static const char *state_names[] = {
	"NEW", "WORKING", "PAUSED", "DONE", "CANCELLED", "HALTED",
	"JOURNAL-HALTED", "EXPIRED",
};

const char *
exec_state_name(int state)
{
	return state >= 0 && state <= PARENT_EXPIRED ?
	    state_names[state] : "?";
}

static const char *style_names[] = { "passive", "inside", "cross" };

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

const char *
exec_side_name(int side)
{
	return side == BOOK_BID ? "buy" : "sell";
}

void
exec_emit(struct exec *x, const char *topic, cJSON *o)
{
	if (o == NULL)
		return;
	x->e.emit(x->e.arg, topic, o);
	cJSON_Delete(o);
}

void
exec_emit_of(struct exec *x, const struct market *m, const char *topic,
             cJSON *o)
{
	int64_t was = x->emit_at;

	x->emit_at = m->now;
	exec_emit(x, topic, o);
	x->emit_at = was;
}

int64_t
exec_event_time(const struct exec *x)
{
	return x->emit_at;
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

void
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

void
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
	cJSON_AddStringToObject(o, "venue", venue_name(c->venue));
	/* An indication commits nothing: a reader counting what was sent
	 * (the TCA's fill rate) skips it. */
	if (c->cond)
		cJSON_AddBoolToObject(o, "cond", 1);
	if (reason != NULL)
		cJSON_AddStringToObject(o, "reason", reason);
	exec_emit_of(x, p->m, "child", o);
}

void
exec_decision(struct exec *x, const struct parent *p, const char *action,
              int64_t qty, int64_t px, int style, int64_t sched,
              const char *fmt, ...)
{
	char reason[256], id[16], full[sizeof reason + sizeof x->dec_note +
	    sizeof x->dec_plan + 4];
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
	 * alternatives and features as extra fields.  What its re-plan changed
	 * goes between: why, then what changed, then what the tactic did. */
	if (x->dec_note[0] != '\0' || x->dec_plan[0] != '\0') {
		snprintf(full, sizeof full, "%s%s%s%s%s", x->dec_note,
		    x->dec_note[0] != '\0' ? "; " : "", x->dec_plan,
		    x->dec_plan[0] != '\0' ? "; " : "", reason);
		rs = full;
		x->dec_note[0] = '\0';
		x->dec_plan[0] = '\0';
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

void
exec_fill_event(struct exec *x, const struct parent *p, const struct child *c,
                const struct market_fill *f)
{
	cJSON *o = cJSON_CreateObject();
	char id[32];

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
	cJSON_AddStringToObject(o, "venue", venue_name(f->venue));
	cJSON_AddNumberToObject(o, "filled", (double)p->filled);
	cJSON_AddNumberToObject(o, "remaining",
	    (double)(p->spec.qty - p->filled));
	exec_emit_of(x, p->m, "fill", o);
}

void
exec_trade_event(struct exec *x, const struct market *m, int64_t px,
                 int64_t qty, int aggressor)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "sym", m->sym);
	cJSON_AddNumberToObject(o, "px", (double)px);
	cJSON_AddNumberToObject(o, "qty", (double)qty);
	cJSON_AddStringToObject(o, "aggr", aggressor == BOOK_BID ? "buy" : "sell");
	exec_emit_of(x, m, "trade", o);
}

/*
 * Each market's mid on a grid of simulated time (EXEC_MID_SAMPLE_NS), when
 * it changed since the last sample: the benchmarks and markouts of the
 * journal's TCA read these, not the book events, which are conflated by
 * wall time and so differ between two runs of one seed at two speeds.
 * A market with a side empty has no mid and says nothing.
 */
void
exec_mid_events(struct exec *x)
{
	for (size_t i = 0; i < x->nmk; i++) {
		struct exec_mkt *mk = &x->mk[i];
		double mid = market_mid(mk->m);
		cJSON *o;

		if (!(mid > 0) || mid == mk->sampled_mid)
			continue;
		mk->sampled_mid = mid;
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "sym", mk->m->sym);
		cJSON_AddNumberToObject(o, "mid", mid);
		exec_emit(x, "mid", o);
	}
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
	double mid = EXEC_STATE_FINAL(p->state) ? (double)p->end_px :
	    market_mid(p->m);

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
	int64_t t = p->m->now, sched = exec_target(p, t);
	int64_t vol = p->ended > 0 ? p->vol_end : p->m->volume;
	int64_t ourvol = p->ended > 0 ? p->ourvol_end : p->m->our_volume;
	int64_t others = (vol - p->vol0) - (ourvol - p->ourvol0);

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
	/* A block's own catch-up, when it has one (else its algorithm's). */
	if (p->spec.catchup > 0)
		cJSON_AddNumberToObject(o, "catchup", p->spec.catchup);
	if (p->spec.catchup_max > 0)
		cJSON_AddNumberToObject(o, "catchup_max", p->spec.catchup_max);
	cJSON_AddNumberToObject(o, "mkt_vol", (double)(vol - p->vol0));
	cJSON_AddNumberToObject(o, "pov", others + p->filled > 0 ?
	    100.0 * (double)p->filled / (double)(others + p->filled) : 0.0);
	cJSON_AddNumberToObject(o, "passive_filled", (double)p->passive_filled);
	{
		/* Where it trades, and (beyond the lit book) what each venue
		 * filled and what rests in or is asked of the others. */
		char set[32];

		venue_set_format(p->spec.venues, set, sizeof set);
		cJSON_AddStringToObject(o, "venues", set);
		if (p->spec.venues & ~VENUE_BIT(VENUE_LIT)) {
			cJSON *vf = cJSON_AddObjectToObject(o, "venue_filled");

			for (int v = 0; v < VENUE_COUNT; v++)
				cJSON_AddNumberToObject(vf, venue_name(v),
				    (double)p->venue_filled[v]);
			cJSON_AddNumberToObject(o, "venue_working",
			    (double)p->venue_working);
			/* The pool's fill rate is shares filled of shares sent;
			 * the leakage is the market's (the predator and the
			 * dealers who lost a request trade ahead of whoever
			 * asked), what a venues panel shows beside it. */
			int64_t sent = 0;
			struct venue_stats vs;

			for (size_t k = 0; k < p->nchildren; k++)
				if (p->children[k].venue == VENUE_DARK)
					sent += p->children[k].qty;
			venue_stats_get(p->m, &vs);
			cJSON_AddNumberToObject(o, "dark_sent", (double)sent);
			cJSON_AddNumberToObject(o, "leak_vol", (double)vs.leak_vol);
			cJSON_AddStringToObject(o, "dealers", p->spec.dealers[0] ?
			    p->spec.dealers : "all");
		}
	}
	cJSON_AddNumberToObject(o, "max_child", (double)p->max_child);
	cJSON_AddStringToObject(o, "aggression", exec_aggression_name(p->aggr_cap));
	if (exec_forced(p) >= 0) {
		cJSON_AddStringToObject(o, "forced", exec_aggression_name(
		    p->force_style));
		exec_add_time(o, "forced_until", p->force_until);
	}
	cJSON_AddNumberToObject(o, "limit_px", (double)p->spec.limit_px);
	cJSON_AddStringToObject(o, "at_end", exec_at_end_name(p->spec.cleanup));
	if ((p->state == PARENT_DONE || p->state == PARENT_CANCELLED ||
	    p->state == PARENT_EXPIRED) &&
	    p->ended > 0) {
		exec_add_time(o, "ended", p->ended);
		cJSON_AddNumberToObject(o, "end_mid", p->end_mid);
	}
	if (p->shadow_state != NULL && x->shadow_ops != NULL)
		cJSON_AddItemToObject(o, "shadow", x->shadow_ops->shadow_json(p));
	if (p->spec.origin.kind[0] != '\0') {
		cJSON *og = cJSON_AddObjectToObject(o, "origin");

		cJSON_AddStringToObject(og, "kind", p->spec.origin.kind);
		if (p->spec.origin.session[0] != '\0')
			cJSON_AddStringToObject(og, "session",
			    p->spec.origin.session);
		if (p->spec.origin.clordid[0] != '\0')
			cJSON_AddStringToObject(og, "clordid",
			    p->spec.origin.clordid);
	}
	exec_block_is_parts(x, p, o);
	{
		/* The trajectory the block follows, when its algorithm owns
		 * one, beside the algorithm's own schedule. */
		cJSON *pl = exec_plan_json(p, t);

		if (pl != NULL)
			cJSON_AddItemToObject(o, "plan", pl);
	}
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
