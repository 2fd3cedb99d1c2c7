/*
 * engine/exec/exec-watch.c -- what exec feeds the alert detector
 * (engine/watch/) and how its alerts go out.
 *
 * The detector wants samples on a fixed grid of simulated time, so
 * exec_watch_to() walks every market through each grid point up to the
 * time exec_tick() is going to: the markets are the same whichever steps
 * they are advanced in, so the grid changes nothing they do, and because
 * a sample is always taken before a decision at the same time the alerts
 * do not depend on how the caller slices time (--speed, recovery).
 *
 * Each alert goes out through the emit callback as an "alert" event with
 * the fields every alert has (sev, code, text, sym, block) and the
 * detector's own: its id, the change (raised, escalated, cleared), the
 * blocks it concerns and a suggested action.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "engine/exec/exec-int.h"
#include "engine/tca/tca.h"

static void
exec_watch_emit(void *arg, const struct watch_alert *a)
{
	struct exec *x = arg;
	char buf[32];
	cJSON *o, *blocks;

	if (x->e.emit == NULL)
		return;
	o = cJSON_CreateObject();
	snprintf(buf, sizeof buf, "%u", a->id);
	cJSON_AddStringToObject(o, "id", buf);
	cJSON_AddStringToObject(o, "sev", watch_level_name(a->level));
	cJSON_AddStringToObject(o, "code", a->kind);
	cJSON_AddStringToObject(o, "state", watch_change_name(a->change));
	cJSON_AddStringToObject(o, "text", a->text);
	cJSON_AddStringToObject(o, "action", a->action);
	cJSON_AddStringToObject(o, "sym", x->mk[a->sym].m->sym);
	snprintf(buf, sizeof buf, "%lld", (long long)a->since);
	cJSON_AddStringToObject(o, "since", buf);
	blocks = cJSON_AddArrayToObject(o, "blocks");
	if (a->block != 0) {
		snprintf(buf, sizeof buf, "%u", a->block);
		cJSON_AddStringToObject(o, "block", buf);
		cJSON_AddItemToArray(blocks, cJSON_CreateString(buf));
	} else {
		/* A market alert concerns every unfinished block in its
		 * symbol. */
		for (size_t i = 0; i < x->nparents; i++) {
			const struct parent *p = x->parents[i];

			if (p->m != x->mk[a->sym].m || p->state == PARENT_DONE ||
			    p->state == PARENT_CANCELLED)
				continue;
			snprintf(buf, sizeof buf, "%u", p->id);
			cJSON_AddItemToArray(blocks, cJSON_CreateString(buf));
		}
	}
	exec_emit(x, "alert", o);
}

int
exec_set_alerts(struct exec *x, const struct watch_config *c, char *err,
                size_t errlen)
{
	const char *syms[EXEC_MAX_MARKETS];

	if (watch_config_check(c, err, errlen) != 0)
		return -1;
	for (size_t i = 0; i < x->nmk; i++)
		syms[i] = x->mk[i].m->sym;
	watch_free(x->watch);
	x->watch = NULL;
	if (watch_new(&x->watch, c, syms, (int)x->nmk, x->mk[0].m->tick,
	    exec_watch_emit, x) != 0) {
		snprintf(err, errlen, "alerts: out of memory");
		return -1;
	}
	x->watch_next = 0;
	return 0;
}

int
exec_alert_news(struct exec *x, const char *sym, int64_t at, double dur_s,
                const char *name)
{
	for (size_t i = 0; i < x->nmk; i++)
		if (strcmp(x->mk[i].m->sym, sym) == 0)
			return x->watch != NULL ? watch_news(x->watch, (int)i, at,
			    dur_s, name) : -1;
	return -1;
}

int
exec_set_cost_limit(struct exec *x, uint32_t id, double bps, char *err,
                    size_t errlen)
{
	struct parent *p = exec_find(x, id);

	if (p == NULL) {
		snprintf(err, errlen, "block %u: no such block", id);
		return -1;
	}
	if (!(bps >= 0 && bps <= 100000)) {
		snprintf(err, errlen, "field \"bps\" %g: must be in [0, 100000] "
		    "(0 clears the block's limit)", bps);
		return -1;
	}
	p->cost_limit = bps;
	return 0;
}

int64_t
exec_alerts_raised(const struct exec *x, int market)
{
	return x->watch != NULL ? watch_raised(x->watch, market) : 0;
}

/* One grid point: every market's book, then every block. */
static void
exec_watch_sample(struct exec *x, int64_t t)
{
	for (size_t i = 0; i < x->nmk; i++) {
		struct exec_mkt *mk = &x->mk[i];
		struct book_level lv[5];
		struct watch_sample s;
		int n;

		memset(&s, 0, sizeof s);
		s.mid = market_mid(mk->m);
		book_best(mk->m->book, BOOK_BID, &s.bid, &s.bid_top);
		book_best(mk->m->book, BOOK_ASK, &s.ask, &s.ask_top);
		n = book_depth(mk->m->book, BOOK_BID, lv, 5);
		for (int k = 0; k < n; k++)
			s.bid5 += lv[k].qty;
		n = book_depth(mk->m->book, BOOK_ASK, lv, 5);
		for (int k = 0; k < n; k++)
			s.ask5 += lv[k].qty;
		s.buy = mk->wbuy > mk->wourbuy ? mk->wbuy - mk->wourbuy : 0;
		s.sell = mk->wsell > mk->woursell ? mk->wsell - mk->woursell : 0;
		mk->wbuy = mk->wsell = mk->wourbuy = mk->woursell = 0;
		watch_sample(x->watch, (int)i, t, &s);
	}
	for (size_t i = 0; i < x->nparents; i++) {
		struct parent *p = x->parents[i];
		struct watch_blockinfo b;

		if (p->state == PARENT_NEW)
			continue;
		memset(&b, 0, sizeof b);
		b.id = p->id;
		for (size_t k = 0; k < x->nmk; k++)
			if (x->mk[k].m == p->m)
				b.sym = (int)k;
		/* A finished block (DONE, CANCELLED or EXPIRED) has nothing
		 * left to be alerted about: its alerts clear, naming how it
		 * ended. */
		b.active = !EXEC_STATE_FINAL(p->state);
		b.state = exec_state_name(p->state);
		b.buy = p->spec.side == BOOK_BID;
		b.qty = p->spec.qty;
		b.filled = p->filled;
		b.sched = t < p->spec.end ? exec_target(p, t) : p->spec.qty;
		b.cost_bps = p->filled > 0 ? tca_is_bps(p->spec.side,
		    p->arrival, p->filled, p->cash) : 0;
		b.cost_limit = p->cost_limit;
		/* A block someone stopped, or whose window is over, falls
		 * behind because of that, not because of the market: the
		 * schedule alerts say nothing new about it. */
		b.stopped = p->state == PARENT_PAUSED ||
		    p->state == PARENT_HALTED ||
		    p->state == PARENT_JOURNAL_HALTED || t >= p->spec.end;
		/* A person's cap binds when the room it leaves is less than
		 * the shares the block is behind: the tactic could not catch
		 * up without breaking it (and the desk's limit on the symbol
		 * is not the tighter: then the person's cap is not why). */
		if (p->cap_person && p->spec.max_pov < 100) {
			int64_t room = exec_pov_room(x, p);

			if (exec_room_by(p, room) == EXEC_ROOM_CAP &&
			    room < b.sched - b.filled) {
				b.cap_binds = 1;
				b.cap_pct = p->spec.max_pov;
				b.cap_set = p->cap_t0;
			}
		}
		watch_block(x->watch, t, &b);
	}
}

void
exec_watch_to(struct exec *x, int64_t t)
{
	const int64_t step = WATCH_STEP_S * WATCH_NS_PER_SEC;

	if (x->watch == NULL)
		return;
	if (x->watch_next == 0)
		x->watch_next = (exec_now(x) / step + 1) * step;
	while (x->watch_next <= t) {
		for (size_t i = 0; i < x->nmk; i++)
			market_advance(x->mk[i].m, x->watch_next);
		exec_watch_sample(x, x->watch_next);
		x->watch_next += step;
	}
}
