/*
 * tui/panel-tape.c -- time and sales: the market's prints, newest first.
 *
 * Each row says the aggressor in a word (BUY / SELL) and marks the price's
 * move against the print before it with a sign (+ up, - down, = same), so
 * the tape reads the same in monochrome as in colour.  The tape is the
 * store's last STORE_TAPE prints; it does not scroll (the journal is the
 * record).  When the engine trades several symbols each row names its
 * symbol, and the sign compares with that symbol's print before.
 */
#include <string.h>

#include "tui/tui.h"

static void
tape_draw(struct panel *p, const struct tui_view *v)
{
	const struct store *s = v->store;
	const struct store_ring *r = &s->tape;
	WINDOW *w = p->win;
	char title[64], clock[16], px[32], qty[32];
	int iw = p->w - 2, rows = p->h - 3, i, multi = s->nbooks > 1;
	attr_t h = view_attr(v, ROLE_HEADER);

	snprintf(title, sizeof title, "TAPE %llu", (unsigned long long)s->trades);
	panel_frame(p, v, title, v->focus == PANEL_TAPE);
	if (iw < 20 || rows < 1)
		return;
	panel_printf(w, 1, 1, iw, h, v->utf8, "%-8s %-4s %10s %9s%s", "TIME",
	    "AGGR", "PRICE", "SIZE", multi ? " SYM" : "");
	if (r->count == 0) {
		panel_put(w, 2, 2, iw - 2, view_attr(v, ROLE_DIM),
		    "no prints yet", v->utf8);
		return;
	}
	for (i = 0; i < rows && (size_t)i < r->count; i++) {
		const struct store_print *t = store_ring_get(r, (size_t)i);
		const struct store_print *prev = NULL;

		for (size_t k = (size_t)i + 1; k < r->count; k++) {
			prev = store_ring_get(r, k);
			if (!multi || strcmp(prev->sym, t->sym) == 0)
				break;
			prev = NULL;
		}
		char move = prev == NULL ? ' ' : t->px > prev->px ? '+' :
		    t->px < prev->px ? '-' : '=';
		attr_t a = view_attr(v, t->buy ? ROLE_BID : ROLE_ASK);

		text_px(px, sizeof px, (double)t->px, s->tick, s->px_decimals);
		text_qty(qty, sizeof qty, t->qty);
		panel_printf(w, 2 + i, 1, iw, a, v->utf8, "%-8s %-4s %c%9s %9s%s%s",
		    text_clock(clock, sizeof clock, t->t), t->buy ? "BUY" : "SELL",
		    move, px, qty, multi ? " " : "", multi ? t->sym : "");
	}
}

const struct panel_ops panel_tape_ops = {
	.name = "tape",
	.watch = DIRTY_TAPE,
	.draw = tape_draw,
	.key = NULL,
};
