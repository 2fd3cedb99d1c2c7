/*
 * tui/panel-rfq.c -- requests for quotes: each one in flight with the
 * dealers asked, each dealer's quote (price and size) or "pending" /
 * "declined", and a countdown to its deadline in simulated time; below
 * them the outcome of recent ones (accepted with the dealer, price and
 * fill; rejected; expired; cancelled) and who asked (a trader or the
 * router).
 *
 * The selected row -- a quote, or a request that has none yet -- is marked
 * with '>' as well as reversed, so it survives monochrome; arrows or j/k
 * move it while the panel has the keyboard.  The selection is the quote
 * (request and dealer), not the row: quotes arriving and requests ending
 * move rows, not what Y takes; a quote gone is said in the title, marked
 * nowhere, and Y sends nothing until the arrows choose again (a
 * selection nobody chose moves on to the row in its place).  The keys that act on it are
 * the console's (console.c): R asks for a new request for the selected
 * block, Y accepts the selected quote, X rejects the selected request,
 * each in two steps with a reason.
 */
#include <stdio.h>
#include <string.h>

#include "tui/tui.h"

static void
rfq_countdown(char *buf, size_t n, const struct store *s,
              const struct store_rfq *r)
{
	if (r->deadline > 0 && s->t > 0 && r->deadline > s->t)
		snprintf(buf, n, "%llds left", (long long)((r->deadline - s->t +
		    999999999) / 1000000000LL));
	else
		snprintf(buf, n, "due");
}

int
panel_rfq_find(const struct store *s, const char *id, const char *dealer)
{
	int n = store_rfq_rows(s);

	if (id[0] == '\0')
		return -1;
	for (int k = 0; k < n; k++) {
		const struct store_rfq_dealer *d;
		const struct store_rfq *r = store_rfq_row(s, k, &d);

		if (r == NULL || strcmp(r->id, id) != 0)
			continue;
		if (d == NULL ? dealer[0] == '\0' : strcmp(d->name, dealer) == 0)
			return k;
	}
	return -1;
}

static void
rfq_take(struct tui_view *v, int k)
{
	const struct store_rfq_dealer *d;
	const struct store_rfq *r = store_rfq_row(v->store, k, &d);

	v->sel_rfq = k;
	v->sel_rfq_gone = 0;
	snprintf(v->sel_rfq_id, sizeof v->sel_rfq_id, "%s",
	    r != NULL ? r->id : "");
	snprintf(v->sel_rfq_dealer, sizeof v->sel_rfq_dealer, "%s",
	    d != NULL ? d->name : "");
}

/* Before a frame: as the child-orders panel's (panel-children.c).  A
 * quote that arrives above the selected one, or a request that ends above
 * it, no longer moves Y onto a quote nobody chose. */
void
panel_rfq_follow(struct tui_view *v)
{
	int k = panel_sel_follow(panel_rfq_find(v->store, v->sel_rfq_id,
	    v->sel_rfq_dealer), store_rfq_rows(v->store), &v->sel_rfq,
	    &v->sel_rfq_gone, v->sel_rfq_id[0] != '\0', v->sel_rfq_chosen);

	if (k >= 0)
		rfq_take(v, k);
}

/*
 * The first request in flight to draw, and in *rows_before the selection
 * rows above it, so that the selected row (sel, -1 none) is on one of the
 * panel's room lines: the requests above it give way whole.  A request
 * takes a line and one per dealer; its rows are its quotes, or itself
 * while it has none.
 */
static int
rfq_first_shown(const struct store *s, int sel, int room, int *rows_before)
{
	int lines = 0, row = 0, at = -1, i, first = 0;

	*rows_before = 0;
	for (i = 0; i < s->nrfqs && sel >= 0; i++) {
		const struct store_rfq *r = &s->rfqs[i];
		int q = store_rfq_quotes(r);

		if (strcmp(r->state, "live") != 0)
			continue;
		if (sel < row + (q > 0 ? q : 1)) {
			/* Its line within the request: the request's own, or
			 * the (sel - row)th quoting dealer's. */
			at = 0;
			for (int k = 0, n = sel - row; q > 0 && k < r->ndealers;
			    k++)
				if (strcmp(r->d[k].status, "quoted") == 0 &&
				    n-- == 0)
					at = 1 + k;
			break;
		}
		lines += 1 + r->ndealers;
		row += q > 0 ? q : 1;
	}
	for (int j = 0; at >= 0 && j < i && lines + at >= room; j++) {
		const struct store_rfq *o = &s->rfqs[j];
		int q = store_rfq_quotes(o);

		if (strcmp(o->state, "live") != 0)
			continue;
		lines -= 1 + o->ndealers;
		*rows_before += q > 0 ? q : 1;
		first = j + 1;
	}
	return first;
}

static void
rfq_draw(struct panel *p, const struct tui_view *v)
{
	const struct store *s = v->store;
	WINDOW *w = p->win;
	char title[112], px[32], qty[32], left[32];
	int iw = p->w - 2, y = 1, row = 0, live = 0, start = 0;
	int nrows = store_rfq_rows(s);
	int sel = v->sel_rfq < nrows ? v->sel_rfq : nrows - 1;
	attr_t h = view_attr(v, ROLE_HEADER), dim = view_attr(v, ROLE_DIM);

	for (int i = 0; i < s->nrfqs; i++)
		live += strcmp(s->rfqs[i].state, "live") == 0;
	p->sel_shown = 0;
	if (v->sel_rfq_gone && nrows > 0) {
		/* What was chosen is not there: nothing is marked. */
		snprintf(title, sizeof title, "RFQ %d in flight  %.15s%s%.11s "
		    "gone: arrows to choose", live, v->sel_rfq_id,
		    v->sel_rfq_dealer[0] ? " " : "", v->sel_rfq_dealer);
	} else
		snprintf(title, sizeof title, "RFQ %d in flight", live);
	if (v->sel_rfq_gone)
		sel = -1;
	panel_frame(p, v, title, v->focus == PANEL_RFQ);
	if (iw < 30 || p->h < 3)
		return;
	if (s->nrfqs == 0) {
		panel_put(w, y, 2, iw - 2, dim, "no requests for quotes (R asks "
		    "dealers for the block)", v->utf8);
		return;
	}
	/* In flight first, oldest first: a quote keeps its row.  When the
	 * selected row would be below the panel's edge, the requests above
	 * it give way, so that what Y or X would act on is on the screen. */
	start = rfq_first_shown(s, sel, p->h - 2, &row);
	for (int i = start; i < s->nrfqs && y < p->h - 1; i++) {
		const struct store_rfq *r = &s->rfqs[i];
		int quotes = store_rfq_quotes(r);

		if (strcmp(r->state, "live") != 0)
			continue;
		text_qty(qty, sizeof qty, r->qty);
		rfq_countdown(left, sizeof left, s, r);
		if (quotes == 0 && row == sel)
			p->sel_shown = 1;
		panel_printf(w, y++, 1, iw, quotes == 0 && row == sel ? A_REVERSE :
		    h, v->utf8, "%c %s blk %s %s %s %s %s", quotes == 0 &&
		    row == sel ? '>' : ' ', r->id, r->block,
		    strcmp(r->side, "buy") == 0 ? "BUY" : "SELL", qty, r->by, left);
		if (quotes == 0)
			row++;
		for (int k = 0; k < r->ndealers && y < p->h - 1; k++) {
			const struct store_rfq_dealer *d = &r->d[k];
			int q = strcmp(d->status, "quoted") == 0;

			if (q) {
				text_px(px, sizeof px, (double)d->px, s->tick,
				    s->px_decimals);
				text_qty(qty, sizeof qty, d->size);
				if (row == sel)
					p->sel_shown = 1;
				panel_printf(w, y++, 1, iw, row == sel ? A_REVERSE :
				    A_NORMAL, v->utf8, "%c    %-4s %9s x %s",
				    row == sel ? '>' : ' ', d->name, px, qty);
				row++;
			} else
				panel_printf(w, y++, 1, iw, dim, v->utf8, "     "
				    "%-4s %s", d->name, d->status);
		}
	}
	/* Then what became of the recent ones, newest first. */
	for (int i = s->nrfqs - 1; i >= 0 && y < p->h - 1; i--) {
		const struct store_rfq *r = &s->rfqs[i];

		if (strcmp(r->state, "live") == 0)
			continue;
		text_qty(qty, sizeof qty, r->qty);
		if (strcmp(r->state, "accepted") == 0) {
			char f[32];

			text_px(px, sizeof px, (double)r->px, s->tick,
			    s->px_decimals);
			text_qty(f, sizeof f, r->filled);
			panel_printf(w, y++, 1, iw, view_attr(v, ROLE_GOOD),
			    v->utf8, "  %s accepted %s %s x %s (%s)", r->id,
			    r->dealer, px, f, r->by);
		} else
			panel_printf(w, y++, 1, iw, dim, v->utf8, "  %s %s %s (%s): "
			    "%s", r->id, r->state, qty, r->by, r->reason);
	}
}

static unsigned
rfq_key(struct panel *p, struct tui_view *v, int key)
{
	int k = panel_sel_key(key, panel_rfq_find(v->store, v->sel_rfq_id,
	    v->sel_rfq_dealer), v->sel_rfq, store_rfq_rows(v->store),
	    p->h - 3);

	if (k < 0)
		return 0;
	rfq_take(v, k);
	v->sel_rfq_chosen = 1;
	return TUI_HANDLED | TUI_REDRAW;
}

const struct panel_ops panel_rfq_ops = {
	.name = "rfq",
	/* The countdown moves with the clock, which the status line follows. */
	.watch = DIRTY_RFQ | DIRTY_STATUS,
	.draw = rfq_draw,
	.key = rfq_key,
};
