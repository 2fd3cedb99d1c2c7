/*
 * tui/panel-blotter.c -- every parent order the engine is working, one row
 * each: id, side in words, symbol, quantity, % done, state, algorithm,
 * average price and shortfall.  The selected row (arrow keys or j/k when
 * the blotter has the keyboard, b anywhere) is the block the progress
 * panel shows and the one actions apply to; it is marked with '>' as well
 * as reversed, so the selection survives monochrome.  When the engine
 * trades several symbols the first column names the symbol after the id.
 * A program of several blocks gets a totals row on the frame's bottom
 * line.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tui/tui.h"

/*
 * The program's totals: every block's filled shares against its quantity,
 * the shortfall in dollars (the sum of the blocks' Cost), and in basis
 * points weighted by each block's filled notional at its arrival price --
 * the dollars over the notional, so a small block's bps weigh little.
 */
static void
blotter_totals(WINDOW *w, int y, int iw, const struct tui_view *v)
{
	const struct store *s = v->store;
	char filled[32], qty[32], usd[40], bps[32], line[200];
	int64_t f = 0, q = 0;
	double cash = 0, wsum = 0, wbps = 0;
	int i, have_cash = 1;

	for (i = 0; i < s->nblocks; i++) {
		const struct store_block *b = &s->blocks[i];
		double notional = (double)b->filled * b->arrival_px;

		f += b->filled;
		q += b->qty;
		if (b->have & BLK_CASH)
			cash += b->is_cash;
		else if (b->filled > 0)
			have_cash = 0;
		if ((b->have & BLK_IS) && (b->have & BLK_ARRIVAL) &&
		    notional > 0) {
			wsum += notional;
			wbps += notional * b->is_bps;
		}
	}
	text_qty(filled, sizeof filled, f);
	text_qty(qty, sizeof qty, q);
	if (have_cash) {
		char a[32];

		text_qty(a, sizeof a, (int64_t)llround(fabs(cash)));
		snprintf(usd, sizeof usd, "%s$%s", cash <= -0.5 ? "-" : "", a);
	} else
		snprintf(usd, sizeof usd, "-");
	if (wsum > 0)
		snprintf(bps, sizeof bps, "%+.1f bps", wbps / wsum);
	else
		snprintf(bps, sizeof bps, "-");
	snprintf(line, sizeof line, " ALL %d: %s/%s filled  IS %s  %s by "
	    "notional ", s->nblocks, filled, qty, usd, bps);
	panel_put(w, y, 2, iw, view_attr(v, ROLE_HEADER), line, v->utf8);
}

static void
blotter_draw(struct panel *p, const struct tui_view *v)
{
	const struct store *s = v->store;
	WINDOW *w = p->win;
	char title[64], qty[32], avg[32], is[32], id[48];
	int iw = p->w - 2, rows = p->h - 3, i, first = 0, multi = s->nbooks > 1;
	int idw = 10, aw = 6;
	attr_t h = view_attr(v, ROLE_HEADER);

	snprintf(title, sizeof title, "BLOTTER %d%s", s->nblocks,
	    s->blocks_full ? " (full: more live blocks than shown)" : "");
	panel_frame(p, v, title, v->focus == PANEL_BLOTTER);
	if (iw < 30 || rows < 1)
		return;
	/* A program (more than one block): its totals on the frame's bottom
	 * line, as the title is on the top one, so no block row gives way. */
	if (s->nblocks > 1)
		blotter_totals(w, p->h - 1, iw - 2, v);
	/* Ids, symbols and algorithms whole: cut to one width, twap-passive
	 * and twap-patient both read "twap-p". */
	for (i = 0; i < s->nblocks; i++) {
		int li = (int)strlen(s->blocks[i].id) + (multi ? 1 +
		    (int)strlen(s->blocks[i].sym) : 0);
		int la = (int)strlen(s->blocks[i].algo);

		idw = li > idw ? li : idw;
		aw = la > aw ? la : aw;
	}
	panel_printf(w, 1, 1, iw, h, v->utf8, "  %-*s %-4s %10s %5s %-9s "
	    "%-*s %9s %7s", idw, multi ? "BLOCK SYM" : "BLOCK", "SIDE", "QTY",
	    "DONE", "STATE", aw, "ALGO", "AVG", "IS bps");
	if (s->nblocks == 0) {
		panel_put(w, 2, 2, iw - 2, view_attr(v, ROLE_DIM),
		    "no parent orders", v->utf8);
		return;
	}
	if (v->sel_block >= rows)
		first = v->sel_block - rows + 1;
	for (i = first; i < s->nblocks && i - first < rows; i++) {
		const struct store_block *b = &s->blocks[i];
		int sel = i == v->sel_block;
		attr_t a = sel ? A_REVERSE : A_NORMAL;

		text_qty(qty, sizeof qty, b->qty);
		snprintf(id, sizeof id, "%s%s%s", b->id, multi ? " " : "",
		    multi ? b->sym : "");
		if (b->have & BLK_AVG && b->filled > 0)
			text_px(avg, sizeof avg, b->avg_px, s->tick, s->px_decimals);
		else
			snprintf(avg, sizeof avg, "-");
		if (b->have & BLK_IS)
			snprintf(is, sizeof is, "%+.1f", b->is_bps);
		else
			snprintf(is, sizeof is, "-");
		panel_printf(w, 2 + i - first, 1, iw, a, v->utf8,
		    "%c %-*s %-4s %10s %4.0f%% %-9.9s %-*s %9s %7s",
		    sel ? '>' : ' ', idw, id, strcmp(b->side, "buy") == 0 ? "BUY" :
		    strcmp(b->side, "sell") == 0 ? "SELL" : b->side, qty,
		    text_done_pct((double)b->filled, (double)b->qty),
		    /* The state column is nine wide: the halt in a word
		     * that fits (the block panel spells it out). */
		    strcmp(b->state, "JOURNAL-HALTED") == 0 ? "J-HALTED" :
		    b->state, aw, b->algo, avg, is);
	}
}

int
panel_blotter_find(const struct store *s, const char *id)
{
	if (id[0] == '\0')
		return -1;
	for (int i = 0; i < s->nblocks; i++)
		if (strcmp(s->blocks[i].id, id) == 0)
			return i;
	return -1;
}

void
panel_blotter_take(struct tui_view *v, int k)
{
	const struct store *s = v->store;

	v->sel_block = k >= 0 && k < s->nblocks ? k : 0;
	snprintf(v->sel_block_id, sizeof v->sel_block_id, "%s",
	    s->nblocks > 0 ? s->blocks[v->sel_block].id : "");
}

/*
 * Before a frame: the selection's row is its block's (a snapshot rebuilds
 * the list in the engine's order; a full list reuses a finished block's
 * slot).  A block the console no longer holds gives its row to the one
 * shown there, which this frame shows selected; the block panels always
 * show one.  The actions take the block by its id (console.c), so a key
 * before this frame acts on the block that was drawn.
 */
void
panel_blotter_follow(struct tui_view *v)
{
	int k = panel_blotter_find(v->store, v->sel_block_id);

	panel_blotter_take(v, k >= 0 ? k : v->sel_block);
}

static unsigned
blotter_key(struct panel *p, struct tui_view *v, int key)
{
	int k = panel_sel_key(key, panel_blotter_find(v->store,
	    v->sel_block_id), v->sel_block, v->store->nblocks, p->h - 3);

	if (k < 0)
		return 0;
	panel_blotter_take(v, k);
	return TUI_HANDLED | TUI_REDRAW;
}

const struct panel_ops panel_blotter_ops = {
	.name = "blotter",
	.watch = DIRTY_BLOCK,
	.draw = blotter_draw,
	.key = blotter_key,
};
