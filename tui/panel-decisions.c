/*
 * tui/panel-decisions.c -- the algorithm's decisions, newest first, each
 * with the reason it gave: what it did (action, quantity, price, style) and
 * why.  This is the panel a trader reads to trust or stop the machine, so
 * the reason gets whatever width is left after the numbers.  A decision
 * that moved the block's plan starts with what moved ("[plan: half by
 * 10:45:10, was 11:20:00; +12,000 now]", built by the store from the
 * event's plan_before and plan_after), because an adaptive algorithm's own
 * why comes first in the engine's reason and runs past a narrow panel.
 *
 * The list scrolls back through the store's last STORE_DECISIONS entries
 * (arrows, PgUp/PgDn, Home/End when the panel has focus); while scrolled
 * back it holds still as new decisions arrive, and its title says so.
 */
#include <string.h>

#include "tui/tui.h"

static int
decisions_visible(const struct panel *p)
{
	return p->h - 3 > 0 ? p->h - 3 : 0;
}

/* One decision as columns (wide) or as "action qty@px  reason" (narrow);
 * a long reason goes on over a second row, under the columns.  Returns the
 * rows used, at most `rows`. */
static int
decisions_row(WINDOW *w, int y, int rows, int iw, int wide, int style,
              int blk, const struct tui_view *v,
              const struct store_decision *d)
{
	const struct store *s = v->store;
	char clock[16], qty[32], px[32], line[sizeof d->reason + 2];
	int x = 1;

	if (d->qty != 0)
		text_qty(qty, sizeof qty, d->qty);
	else
		snprintf(qty, sizeof qty, "-");
	if (d->has_px && d->px > 0)
		text_px(px, sizeof px, d->px, s->tick, s->px_decimals);
	else
		snprintf(px, sizeof px, "-");
	x += panel_printf(w, y, x, 9, view_attr(v, ROLE_DIM), v->utf8, "%s ",
	    text_clock(clock, sizeof clock, d->t));
	/* A program: which block decided, before what it decided. */
	if (blk)
		x += panel_printf(w, y, x, 7, A_NORMAL, v->utf8, "%-6.6s ",
		    d->block[0] ? d->block : "-");
	if (!wide) {
		x += panel_printf(w, y, x, iw + 1 - x, A_BOLD, v->utf8, "%s ",
		    d->action);
		if (d->qty != 0)
			x += panel_printf(w, y, x, iw + 1 - x, A_NORMAL, v->utf8,
			    d->has_px && d->px > 0 ? "%s@%s " : "%s ", qty, px);
		snprintf(line, sizeof line, " %s", d->reason);
		return panel_wrap(w, y, x, iw + 1 - x, 10, iw - 9, rows,
		    A_NORMAL, line, v->utf8);
	}
	x += panel_printf(w, y, x, 9, A_BOLD, v->utf8, "%-8.8s ", d->action);
	x += panel_printf(w, y, x, 9, A_NORMAL, v->utf8, "%8s ", qty);
	x += panel_printf(w, y, x, 10, A_NORMAL, v->utf8, "%9s ", px);
	if (style)
		x += panel_printf(w, y, x, 8, view_attr(v, ROLE_DIM), v->utf8,
		    "%-7.7s ", d->style);
	return panel_wrap(w, y, x, iw + 1 - x, 10, iw - 9, rows, A_NORMAL,
	    d->reason, v->utf8);
}

static void
decisions_draw(struct panel *p, const struct tui_view *v)
{
	const struct store *s = v->store;
	WINDOW *w = p->win;
	char title[96];
	int iw = p->w - 2, vis = decisions_visible(p), i, x, y, wide, style, skip;
	int blk, before = p->scroll;
	size_t n = store_ndecisions(s);
	uint64_t since = s->decisions.pushed - p->mark;
	attr_t h = view_attr(v, ROLE_HEADER);

	panel_list_anchor(p, &s->decisions);
	if (v->search[0] != '\0') {
		size_t k, m = 0, fresh = 0;

		for (k = 0; k < n; k++) {
			int hit = panel_decision_matches(store_decision(s, k),
			    v->search);

			m += hit;
			fresh += hit && k < since;
		}
		/* Searching, the offset counts matching rows: scrolled back,
		 * the view stays on its rows by what matched of the pushes
		 * since, not by all of them (it jumped further back by every
		 * decision that did not match). */
		if (before > 0 && since > 0)
			p->scroll = before + (int)fresh;
		if (m > 0 && p->scroll > (int)m - 1)
			p->scroll = (int)m - 1;
		snprintf(title, sizeof title, "DECISIONS /%.24s: %zu of %zu", v->search,
		    m, n);
	} else if (p->scroll > 0)
		snprintf(title, sizeof title, "DECISIONS %zu  back %d", n,
		    p->scroll);
	else
		snprintf(title, sizeof title, "DECISIONS %zu", n);
	panel_frame(p, v, title, v->focus == PANEL_DECISIONS);
	if (vis <= 0 || iw < 20)
		return;
	/* The block column when there is more than one block. */
	blk = s->nblocks > 1 && iw >= 40;
	wide = iw >= 56 + (blk ? 7 : 0);
	style = iw >= 80 + (blk ? 7 : 0);
	x = 1;
	x += panel_put(w, 1, x, 9, h, "TIME     ", v->utf8);
	if (blk)
		x += panel_put(w, 1, x, 7, h, "BLOCK  ", v->utf8);
	if (wide) {
		x += panel_printf(w, 1, x, 9, h, v->utf8, "%-8s ", "ACTION");
		x += panel_printf(w, 1, x, 9, h, v->utf8, "%8s ", "QTY");
		x += panel_printf(w, 1, x, 10, h, v->utf8, "%9s ", "PX");
		if (style)
			x += panel_printf(w, 1, x, 8, h, v->utf8, "%-7s ",
			    "STYLE");
		panel_put(w, 1, x, iw + 1 - x, h, "REASON", v->utf8);
	} else
		panel_put(w, 1, x, iw + 1 - x, h, "ACTION QTY@PX  REASON",
		    v->utf8);
	if (n == 0) {
		panel_put(w, 2, 2, iw - 2, view_attr(v, ROLE_DIM),
		    "no decisions yet", v->utf8);
		return;
	}
	/* A reason may take a second row when there is room for it.  While
	 * searching, only matching rows count, scrolled or not. */
	for (i = 0, y = 2, skip = p->scroll; y < 2 + vis; i++) {
		const struct store_decision *d = store_decision(s,
		    (size_t)(v->search[0] ? i : p->scroll + i));
		int left = 2 + vis - y;

		if (d == NULL)
			break;
		if (v->search[0] != '\0' &&
		    (!panel_decision_matches(d, v->search) || skip-- > 0))
			continue;
		y += decisions_row(w, y, left < 2 ? left : 2, iw, wide, style,
		    blk, v, d);
	}
}

int
panel_decision_matches(const struct store_decision *d, const char *q)
{
	char hay[sizeof d->reason + 100];

	if (q[0] == '\0')
		return 1;
	snprintf(hay, sizeof hay, "%s %s %s %s", d->block, d->action, d->style,
	    d->reason);
	return strcasestr(hay, q) != NULL;
}

static unsigned
decisions_key(struct panel *p, struct tui_view *v, int key)
{
	(void)v;
	return panel_list_key(p, key, decisions_visible(p));
}

const struct panel_ops panel_decisions_ops = {
	.name = "decisions",
	.watch = DIRTY_DECISIONS,
	.draw = decisions_draw,
	.key = decisions_key,
};
