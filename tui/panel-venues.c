/*
 * tui/panel-venues.c -- where the selected block's shares went: fills and
 * share by venue (lit book, dark pool, dealers), what rests in or is asked
 * of the venues, the dark pool's fill rate (shares filled of shares sent)
 * and the market's leakage estimate (shares the predator and losing
 * dealers traded ahead of us in the lit book).  Everything comes from the
 * block events (store_apply_venues); a block that trades lit only says so
 * rather than showing a table of zeros.
 */
#include <stdio.h>
#include <string.h>

#include "tui/tui.h"

static void
venues_draw(struct panel *p, const struct tui_view *v)
{
	static const char *const names[3] = { "lit", "dark", "rfq" };
	const struct store_block *b = view_block(v);
	WINDOW *w = p->win;
	char title[64], q[32], q2[32];
	int iw = p->w - 2, y = 1;
	int64_t total = 0;
	attr_t h = view_attr(v, ROLE_HEADER), dim = view_attr(v, ROLE_DIM);

	snprintf(title, sizeof title, "VENUES%s%s", b ? " block " : "",
	    b ? b->id : "");
	panel_frame(p, v, title, v->focus == PANEL_VENUES);
	if (iw < 20 || p->h < 3)
		return;
	if (b == NULL) {
		panel_put(w, y, 2, iw - 2, dim, "no block yet", v->utf8);
		return;
	}
	if (!b->has_venues) {
		panel_printf(w, y, 2, iw - 2, dim, v->utf8, "block %s trades %s "
		    "only", b->id, b->venues[0] ? b->venues : "lit");
		return;
	}
	for (int i = 0; i < 3; i++)
		total += b->venue_filled[i];
	panel_printf(w, y++, 1, iw, h, v->utf8, " %-6s %10s %6s", "VENUE",
	    "FILLED", "SHARE");
	for (int i = 0; i < 3 && y < p->h - 1; i++) {
		int on = strstr(b->venues, names[i]) != NULL;

		text_qty(q, sizeof q, b->venue_filled[i]);
		panel_printf(w, y++, 1, iw, on ? A_NORMAL : dim, v->utf8,
		    " %-6s %10s %5.0f%%%s", names[i], q, total > 0 ?
		    100.0 * (double)b->venue_filled[i] / (double)total : 0.0,
		    on ? "" : "  (not in the set)");
	}
	if (y < p->h - 1) {
		text_qty(q, sizeof q, b->venue_working);
		panel_printf(w, y++, 1, iw, A_NORMAL, v->utf8, " resting/asked "
		    "in venues %s", q);
	}
	if (y < p->h - 1) {
		text_qty(q, sizeof q, b->venue_filled[1]);
		text_qty(q2, sizeof q2, b->dark_sent);
		if (b->dark_sent > 0)
			panel_printf(w, y++, 1, iw, A_NORMAL, v->utf8, " dark fill "
			    "rate %.0f%% (%s of %s sent)", 100.0 *
			    (double)b->venue_filled[1] / (double)b->dark_sent, q, q2);
		else
			panel_put(w, y++, 2, iw - 1, dim, "dark fill rate: nothing "
			    "sent yet", v->utf8);
	}
	if (y < p->h - 1) {
		text_qty(q, sizeof q, b->leak_vol);
		panel_printf(w, y++, 1, iw, b->leak_vol > 0 ?
		    view_attr(v, ROLE_WARN) : A_NORMAL, v->utf8, " leakage %s "
		    "shares traded ahead (market)", q);
	}
}

const struct panel_ops panel_venues_ops = {
	.name = "venues",
	.watch = DIRTY_BLOCK | DIRTY_RFQ,
	.draw = venues_draw,
};
