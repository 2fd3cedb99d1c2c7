/*
 * tui/panel-book.c -- the price ladder.
 *
 * Asks sit above the spread line, best ask nearest it; bids below, best bid
 * nearest it, the way a desk ladder reads.  Every row says its side in
 * words (ASK / BID) as well as in colour, so nothing is lost in monochrome.
 * Columns: side, price in dollars (ticks x tick, as wide as the widest
 * price shown), size, cumulative size
 * from the touch out, our own working quantity at that price (from the
 * book's "ours") with the shares queued ahead of it, the order count, and a
 * size bar scaled to the largest level shown.  Columns the width cannot
 * hold are dropped from the right (bar first, then the order count, then
 * ahead, then ours).  A quantity too long for its column is shown in
 * thousands, millions or billions (1.000000B), never cut.
 *
 * The panel shows as many levels a side as its height allows, up to ten,
 * keeping the spread line in the middle.  When the engine trades several
 * symbols the ladder is the selected block's symbol's, named in the title.
 */
#include <string.h>

#include "tui/tui.h"

/* Our quantity resting at a price on one side, and the fewest shares
 * queued ahead of any of our orders there. */
static int64_t
book_ours_at(const struct store_book *b, int buy, int64_t px, int64_t *ahead)
{
	int64_t q = 0;
	int i;

	*ahead = -1;
	for (i = 0; i < b->nours; i++)
		if (b->ours[i].buy == buy && b->ours[i].px == px) {
			q += b->ours[i].qty;
			if (*ahead < 0 || b->ours[i].ahead < *ahead)
				*ahead = b->ours[i].ahead;
		}
	return q;
}

struct book_cols {
	int side, px, size, cum, ours, ahead, ord, bar; /* x; -1 dropped */
	int pxw, barw;
};

/* Columns left to right with a space between each, the price as wide as
 * the widest price shown (at least 9: a tick of 1e-6 makes 50.035777, and
 * a size of 1,000,000 must not run into it), each dropped when the width
 * cannot hold it. */
static void
book_columns(int inner, int pxw, struct book_cols *c)
{
	int x;

	/* side(3) px(pxw) size(9) cum(9) ours(8) ahead(7) ord(5) bar(rest) */
	c->side = 1;
	c->px = 5;
	c->pxw = pxw;
	c->size = c->px + pxw + 1;
	x = c->size + 10;
	c->cum = x + 8 <= inner ? x : -1;
	x += 10;
	c->ours = c->cum >= 0 && x + 7 <= inner ? x : -1;
	x += 9;
	c->ahead = c->ours >= 0 && x + 6 <= inner ? x : -1;
	x += 8;
	c->ord = c->ahead >= 0 && x + 4 <= inner ? x : -1;
	x += 6;
	c->bar = -1;
	c->barw = 0;
	if (c->ord >= 0 && inner - x + 1 >= 3) {
		c->bar = x;
		c->barw = inner - x + 1;
	}
}

static void
book_row(struct panel *p, const struct tui_view *v, const struct book_cols *c,
         int y, const struct store_book *b, const struct store_level *lv,
         int buy, int64_t maxq, int64_t cum)
{
	const struct store *s = v->store;
	WINDOW *w = p->win;
	attr_t a = view_attr(v, buy ? ROLE_BID : ROLE_ASK);
	char px[32], qty[32], ord[24], ours[40];
	int64_t mine, ahead;

	text_px(px, sizeof px, (double)lv->px, s->tick, s->px_decimals);
	text_qty_fit(qty, sizeof qty, lv->qty, 9);
	snprintf(ord, sizeof ord, "%lld", (long long)lv->orders);
	panel_put(w, y, c->side, 3, a | A_BOLD, buy ? "BID" : "ASK", v->utf8);
	panel_printf(w, y, c->px, c->pxw, a, v->utf8, "%*s", c->pxw, px);
	panel_printf(w, y, c->size, 9, a, v->utf8, "%9s", qty);
	if (c->cum >= 0) {
		text_qty_fit(qty, sizeof qty, cum, 9);
		panel_printf(w, y, c->cum, 9, view_attr(v, ROLE_DIM), v->utf8,
		    "%9s", qty);
	}
	if (c->ord >= 0)
		panel_printf(w, y, c->ord, 5, view_attr(v, ROLE_DIM), v->utf8,
		    "%5s", ord);
	if (c->ours >= 0) {
		mine = book_ours_at(b, buy, lv->px, &ahead);
		if (mine > 0) {
			text_qty_fit(qty, sizeof qty, mine, 7);
			snprintf(ours, sizeof ours, "*%s", qty);
			panel_printf(w, y, c->ours, 8, view_attr(v, ROLE_OURS),
			    v->utf8, "%8s", ours);
			if (c->ahead >= 0 && ahead >= 0) {
				text_qty_fit(qty, sizeof qty, ahead, 7);
				panel_printf(w, y, c->ahead, 7, view_attr(v,
				    ROLE_OURS), v->utf8, "%7s", qty);
			}
		}
	}
	if (c->bar >= 0 && maxq > 0)
		panel_bar(w, y, c->bar, c->barw, (double)lv->qty / (double)maxq,
		    a, v->utf8);
}

/* The width of a price as the ladder prints it, or w if that is wider. */
static int
book_pxw(const struct store *s, int64_t px, int w)
{
	char buf[32];
	int n;

	text_px(buf, sizeof buf, (double)px, s->tick, s->px_decimals);
	n = (int)strlen(buf);
	return n > w ? n : w;
}

static void
book_draw(struct panel *p, const struct tui_view *v)
{
	const struct store *s = v->store;
	const struct store_block *sel = view_block(v);
	const struct store_book *b = store_book_of(s, sel ? sel->sym : NULL);
	struct book_cols c;
	WINDOW *w = p->win;
	char title[64], bid[32], ask[32], sp[32], last[32], line[160];
	int inner = p->w - 2, rows = p->h - 2, n, mid, i, y, pxw = 9;
	int64_t maxq = 0, cum;

	snprintf(title, sizeof title, "BOOK %s", b->sym[0] ? b->sym : s->sym);
	panel_frame(p, v, title, v->focus == PANEL_BOOK);
	if (inner < 20 || rows < 4)
		return;
	/* Rows 2..rows: n asks, the spread line, n bids. */
	n = (rows - 2) / 2;
	if (n > STORE_LEVELS)
		n = STORE_LEVELS;
	for (i = 0; i < b->nasks && i < n; i++)
		pxw = book_pxw(s, b->asks[i].px, pxw);
	for (i = 0; i < b->nbids && i < n; i++)
		pxw = book_pxw(s, b->bids[i].px, pxw);
	book_columns(inner, pxw, &c);
	panel_put(w, 1, c.side, 4, view_attr(v, ROLE_HEADER), "SIDE", v->utf8);
	panel_printf(w, 1, c.px, c.pxw, view_attr(v, ROLE_HEADER), v->utf8,
	    "%*s", c.pxw, "PRICE");
	panel_printf(w, 1, c.size, 9, view_attr(v, ROLE_HEADER), v->utf8,
	    "%9s", "SIZE");
	if (c.cum >= 0)
		panel_printf(w, 1, c.cum, 9, view_attr(v, ROLE_HEADER), v->utf8,
		    "%9s", "CUM");
	if (c.ord >= 0)
		panel_printf(w, 1, c.ord, 5, view_attr(v, ROLE_HEADER), v->utf8,
		    "%5s", "ORD");
	if (c.ours >= 0)
		panel_printf(w, 1, c.ours, 8, view_attr(v, ROLE_HEADER),
		    v->utf8, "%8s", "OURS");
	if (c.ahead >= 0)
		panel_printf(w, 1, c.ahead, 7, view_attr(v, ROLE_HEADER),
		    v->utf8, "%7s", "AHEAD");
	wattrset(w, A_NORMAL);

	if (b->nbids == 0 && b->nasks == 0) {
		panel_put(w, rows / 2 + 1, 2, inner - 2, view_attr(v, ROLE_DIM),
		    "waiting for the book...", v->utf8);
		return;
	}
	mid = 2 + n + ((rows - 1) - (2 * n + 1)) / 2;
	for (i = 0; i < b->nasks && i < n; i++)
		if (b->asks[i].qty > maxq)
			maxq = b->asks[i].qty;
	for (i = 0; i < b->nbids && i < n; i++)
		if (b->bids[i].qty > maxq)
			maxq = b->bids[i].qty;
	for (i = 0, cum = 0; i < b->nasks && i < n; i++) {
		y = mid - 1 - i;
		cum += b->asks[i].qty;
		if (y >= 2)
			book_row(p, v, &c, y, b, &b->asks[i], 0, maxq, cum);
	}
	for (i = 0, cum = 0; i < b->nbids && i < n; i++) {
		y = mid + 1 + i;
		cum += b->bids[i].qty;
		if (y <= rows)
			book_row(p, v, &c, y, b, &b->bids[i], 1, maxq, cum);
	}

	/* The spread line: best bid x best ask, spread, last print. */
	wattrset(w, view_attr(v, ROLE_DIM));
	mvwhline(w, mid, 1, v->utf8 ? ACS_HLINE : '-', inner);
	wattrset(w, A_NORMAL);
	/* The longest of these that fits. */
	bid[0] = ask[0] = sp[0] = last[0] = '\0';
	if (b->nbids > 0 && b->nasks > 0) {
		text_px(bid, sizeof bid, (double)b->bids[0].px, s->tick,
		    s->px_decimals);
		text_px(ask, sizeof ask, (double)b->asks[0].px, s->tick,
		    s->px_decimals);
		text_px(sp, sizeof sp, (double)(b->asks[0].px - b->bids[0].px),
		    s->tick, s->px_decimals);
	}
	if (b->last > 0)
		text_px(last, sizeof last, (double)b->last, s->tick,
		    s->px_decimals);
	for (i = 0; i < 4; i++) {
		int quote = bid[0] != '\0', lastp = last[0] != '\0';

		if (i == 0 && quote && lastp)
			snprintf(line, sizeof line, " %s x %s  spread %s  last %s ",
			    bid, ask, sp, last);
		else if (i == 0 && quote)
			snprintf(line, sizeof line, " %s x %s  spread %s ", bid,
			    ask, sp);
		else if (i == 1 && quote && lastp)
			snprintf(line, sizeof line, " %s x %s  last %s ", bid, ask,
			    last);
		else if (i == 2 && quote)
			snprintf(line, sizeof line, " %s x %s ", bid, ask);
		else if (lastp)
			snprintf(line, sizeof line, " last %s ", last);
		else
			line[0] = '\0';
		if (text_width(line, v->utf8) <= inner)
			break;
	}
	if (line[0] != '\0') {
		int wl = text_width(line, v->utf8);
		int x = wl < inner ? 1 + (inner - wl) / 2 : 1;

		panel_put(w, mid, x, inner, view_attr(v, ROLE_HEADER), line,
		    v->utf8);
	}
}

const struct panel_ops panel_book_ops = {
	.name = "book",
	.watch = DIRTY_BOOK,
	.draw = book_draw,
	.key = NULL,
};
