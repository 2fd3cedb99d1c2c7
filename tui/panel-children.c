/*
 * tui/panel-children.c -- every working child order of every block, one
 * row each: block, child id, venue, side, price, size resting, the queue
 * ahead of it at its price, and its age in simulated time; a trader's
 * manual order is marked "M" in the last column.  The columns fit the
 * 60-column minimum of a console.  The rows come from the books' "ours" (the
 * engine lists its live children with each book event), symbol after
 * symbol, so the panel shows what rests in the books, not what the
 * console believes was sent.
 *
 * The selected row (arrow keys or j/k when the panel has the keyboard) is
 * marked with '>' as well as reversed, so the selection survives
 * monochrome; x anywhere cancels that one child, after the usual two steps
 * and a reason (override cancel_child).  Children come and go every few
 * seconds, so the selection is a child, not a row: it follows its child
 * while the rows move, and x acts on that child.  When a child the arrows
 * chose stops working the selection is "gone" (the title says so, no row
 * is marked, x sends nothing) until the arrows choose another.
 */
#include <string.h>

#include "tui/tui.h"

int
panel_children_count(const struct store *s)
{
	int n = 0;

	for (int i = 0; i < s->nbooks; i++)
		n += s->books[i].nours;
	return n;
}

const struct store_our *
panel_children_at(const struct store *s, int k)
{
	for (int i = 0; i < s->nbooks && k >= 0; i++) {
		if (k < s->books[i].nours)
			return &s->books[i].ours[k];
		k -= s->books[i].nours;
	}
	return NULL;
}

/* The row of the child `id` of `block`, or -1 when it no longer works. */
int
panel_children_find(const struct store *s, const char *block, const char *id)
{
	int n = panel_children_count(s);

	if (id[0] == '\0')
		return -1;
	for (int k = 0; k < n; k++) {
		const struct store_our *u = panel_children_at(s, k);

		if (strcmp(u->id, id) == 0 && strcmp(u->block, block) == 0)
			return k;
	}
	return -1;
}

static void
children_take(struct tui_view *v, int k)
{
	const struct store_our *u = panel_children_at(v->store, k);

	v->sel_child = k;
	v->sel_child_gone = 0;
	snprintf(v->sel_child_block, sizeof v->sel_child_block, "%s",
	    u != NULL ? u->block : "");
	snprintf(v->sel_child_id, sizeof v->sel_child_id, "%s",
	    u != NULL ? u->id : "");
}

/*
 * Before a frame: the selection's row is its child's.  A child the arrows
 * chose that has gone (filled, cancelled) stays the selection, marked
 * nowhere, until the person picks another: the row in its place is
 * another child, which nobody chose.  A selection nobody chose (the first
 * row's, as the console starts) moves on to the row in its place.
 */
void
panel_children_follow(struct tui_view *v)
{
	int k = panel_sel_follow(panel_children_find(v->store,
	    v->sel_child_block, v->sel_child_id),
	    panel_children_count(v->store), &v->sel_child, &v->sel_child_gone,
	    v->sel_child_id[0] != '\0', v->sel_child_chosen);

	if (k >= 0)
		children_take(v, k);
}

static void
children_draw(struct panel *p, const struct tui_view *v)
{
	const struct store *s = v->store;
	WINDOW *w = p->win;
	char title[96], px[32], qty[32], ahead[32], age[32];
	int iw = p->w - 2, rows = p->h - 3, n = panel_children_count(s);
	int first = 0, sel = v->sel_child < n ? v->sel_child : n - 1;
	int bw = 4, cw = 10;
	attr_t h = view_attr(v, ROLE_HEADER);

	int total = 0;

	for (int i = 0; i < s->nbooks; i++)
		total += s->books[i].ours_total > s->books[i].nours ?
		    s->books[i].ours_total : s->books[i].nours;
	/* More working than the console keeps: said, not hidden. */
	if (total > n && v->sel_child_gone)
		snprintf(title, sizeof title, "CHILD ORDERS %d of %d  %.20s gone: "
		    "arrows to choose", n, total, v->sel_child_id);
	else if (total > n)
		snprintf(title, sizeof title, "CHILD ORDERS %d of %d (the first "
		    "%d a symbol shown)", n, total, STORE_OURS);
	else if (v->sel_child_gone && n > 0)
		snprintf(title, sizeof title, "CHILD ORDERS %d  %.20s gone: "
		    "arrows to choose", n, v->sel_child_id);
	else
		snprintf(title, sizeof title, "CHILD ORDERS %d", n);
	panel_frame(p, v, title, v->focus == PANEL_CHILDREN);
	if (iw < 30 || rows < 1)
		return;
	/* Ids whole, however long (a market's child ids run to 20
	 * characters): two children cut to one width looked alike. */
	for (int i = 0; i < n; i++) {
		const struct store_our *u = panel_children_at(s, i);
		int lb = (int)strlen(u->block), lc = (int)strlen(u->id);

		bw = lb > bw ? lb : bw;
		cw = lc > cw ? lc : cw;
	}
	panel_printf(w, 1, 1, iw, h, v->utf8, "  %-*s %-*s %-4s %-4s %8s "
	    "%7s %7s %7s %s", bw, "BLK", cw, "CHILD", "VEN", "SIDE", "PRICE",
	    "QTY", "AHEAD", "AGE", "M");
	if (n == 0) {
		panel_put(w, 2, 2, iw - 2, view_attr(v, ROLE_DIM),
		    "no working child orders", v->utf8);
		return;
	}
	if (sel >= rows)
		first = sel - rows + 1;
	if (v->sel_child_gone)
		sel = -1; /* its place is kept, nothing marked */
	for (int i = first; i < n && i - first < rows; i++) {
		const struct store_our *u = panel_children_at(s, i);
		attr_t a = i == sel ? A_REVERSE : A_NORMAL;

		text_px(px, sizeof px, (double)u->px, s->tick, s->px_decimals);
		text_qty(qty, sizeof qty, u->qty);
		text_qty(ahead, sizeof ahead, u->ahead);
		if (u->since > 0 && s->t >= u->since)
			text_duration(age, sizeof age, s->t - u->since);
		else
			snprintf(age, sizeof age, "?");
		panel_printf(w, 2 + i - first, 1, iw, a, v->utf8,
		    "%c %-*s %-*s %-4.4s %-4s %8s %7s %7s %7s %s",
		    i == sel ? '>' : ' ', bw, u->block[0] ? u->block : "?", cw,
		    u->id,
		    u->venue[0] ? u->venue : "?", u->buy ? "BUY" : "SELL", px,
		    qty, ahead, age, u->manual ? "M" : "");
	}
}

static unsigned
children_key(struct panel *p, struct tui_view *v, int key)
{
	int k = panel_sel_key(key, panel_children_find(v->store,
	    v->sel_child_block, v->sel_child_id), v->sel_child,
	    panel_children_count(v->store), p->h - 3);

	if (k < 0)
		return 0;
	children_take(v, k);
	v->sel_child_chosen = 1;
	return TUI_HANDLED | TUI_REDRAW;
}

const struct panel_ops panel_children_ops = {
	.name = "children",
	/* Ages move with the clock, which the status line follows. */
	.watch = DIRTY_BOOK | DIRTY_STATUS,
	.draw = children_draw,
	.key = children_key,
};
