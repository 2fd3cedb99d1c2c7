/*
 * tui/panel.c -- what every panel shares: the frame with its title, text
 * clipped to a width, bars, and the attributes that carry colour roles.
 *
 * Colour is never the only carrier of meaning.  With colour, a role is a
 * colour pair (plus bold where it helps); without it (NO_COLOR, --no-color,
 * a monochrome terminal) a role falls back to bold, reverse or underline,
 * and the text itself (BID/ASK, WARN/CRIT, PAUSED) still says everything.
 */
#include <stdarg.h>
#include <string.h>

#include "tui/tui.h"

attr_t
view_attr(const struct tui_view *v, int role)
{
	if (v->color) {
		switch (role) {
		case ROLE_NORMAL:
			return A_NORMAL;
		case ROLE_TITLE:
		case ROLE_STATUS:
		case ROLE_BANNER:
			return COLOR_PAIR(role) | A_BOLD;
		case ROLE_CRIT:
		case ROLE_HEADER:
		case ROLE_FOCUS:
			return COLOR_PAIR(role) | A_BOLD;
		default:
			return COLOR_PAIR(role);
		}
	}
	switch (role) {
	case ROLE_TITLE:
	case ROLE_STATUS:
	case ROLE_PROMPT:
		return A_REVERSE;
	case ROLE_BANNER:
	case ROLE_CRIT:
		return A_REVERSE | A_BOLD;
	case ROLE_WARN:
	case ROLE_FOCUS:
	case ROLE_HEADER:
	case ROLE_OURS:
		return A_BOLD;
	case ROLE_DIM:
		return A_DIM;
	default:
		return A_NORMAL;
	}
}

const struct store_block *
view_block(const struct tui_view *v)
{
	const struct store *s = v->store;

	if (s->nblocks == 0)
		return NULL;
	if (v->sel_block >= 0 && v->sel_block < s->nblocks)
		return &s->blocks[v->sel_block];
	return &s->blocks[0];
}

/*
 * Selections that are items (tui.h), the rules every such panel shares.
 * k is the selected item's row now, -1 when it is not in the list; n the
 * rows.  Before a frame: the row to take, or -1 to leave the selection as
 * it is (its item found: *sel is its row; an item the arrows chose gone:
 * *gone; nothing to take).
 */
int
panel_sel_follow(int k, int n, int *sel, int *gone, int named, int chosen)
{
	if (k >= 0) {
		*sel = k;
		*gone = 0;
		return -1;
	}
	if (named && chosen) {
		*gone = 1;
		return -1;
	}
	if (n > 0)
		return *sel < n && *sel >= 0 ? *sel : 0;
	return -1;
}

/* The row a key (j/k and the arrows, PgUp/PgDn by a page of `page` rows,
 * Home/g and End/G) moves the selection to, from its item wherever it is
 * now; from an item gone, Down is the row in its place and Up the one
 * above.  -1 for another key or no rows. */
int
panel_sel_key(int key, int k, int sel, int n, int page)
{
	int gone = k < 0;

	if (n == 0)
		return -1;
	if (gone) {
		k = sel < n ? sel : n;
		if (k < 0)
			k = 0;
	}
	switch (key) {
	case TK(KEY_UP):
	case 'k':
		return k > 0 ? k - 1 : k;
	case TK(KEY_DOWN):
	case 'j':
		if (gone)
			return k < n ? k : n - 1;
		return k < n - 1 ? k + 1 : k;
	case TK(KEY_PPAGE):
		page = page > 1 ? page - 1 : 1;
		return k > page ? k - page : 0;
	case TK(KEY_NPAGE):
		page = page > 1 ? page - 1 : 1;
		return k < n - 1 - page ? k + page : n - 1;
	case TK(KEY_HOME):
	case 'g':
		return 0;
	case TK(KEY_END):
	case 'G':
		return n - 1;
	}
	return -1;
}

void
view_selection_follow(struct tui_view *v)
{
	panel_blotter_follow(v);
	panel_children_follow(v);
	panel_rfq_follow(v);
}

void
view_selection_reset(struct tui_view *v)
{
	v->sel_block = v->sel_child = v->sel_rfq = 0;
	v->sel_block_id[0] = '\0';
	v->sel_child_block[0] = v->sel_child_id[0] = '\0';
	v->sel_rfq_id[0] = v->sel_rfq_dealer[0] = '\0';
	v->sel_child_gone = v->sel_rfq_gone = 0;
	v->sel_child_chosen = v->sel_rfq_chosen = 0;
}

int
panel_put(WINDOW *w, int y, int x, int cols, attr_t a, const char *s,
          int utf8)
{
	char buf[1024];
	int maxx = getmaxx(w);

	if (cols > maxx - x)
		cols = maxx - x;
	if (cols <= 0 || y < 0 || y >= getmaxy(w))
		return 0;
	text_fit(buf, sizeof buf, s, cols, utf8);
	wattrset(w, a);
	mvwaddstr(w, y, x, buf);
	wattrset(w, A_NORMAL);
	return text_width(buf, utf8);
}

int
panel_printf(WINDOW *w, int y, int x, int cols, attr_t a, int utf8,
             const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	return panel_put(w, y, x, cols, a, buf, utf8);
}

void
panel_bar(WINDOW *w, int y, int x, int cols, double frac, attr_t a, int utf8)
{
	static const char *const eighths[] = { "", "\u258f", "\u258e",
		"\u258d", "\u258c", "\u258b", "\u258a", "\u2589" };
	int units, i;

	if (cols <= 0)
		return;
	if (frac < 0)
		frac = 0;
	if (frac > 1)
		frac = 1;
	wattrset(w, a);
	wmove(w, y, x);
	if (utf8) {
		units = (int)(frac * cols * 8 + 0.5);
		for (i = 0; i < units / 8; i++)
			waddstr(w, "\u2588");
		if (units % 8 != 0 && units / 8 < cols)
			waddstr(w, eighths[units % 8]);
	} else {
		units = (int)(frac * cols + 0.5);
		for (i = 0; i < units; i++)
			waddch(w, '#');
	}
	wattrset(w, A_NORMAL);
}

void
panel_frame(struct panel *p, const struct tui_view *v, const char *title,
            int focused)
{
	WINDOW *w = p->win;
	attr_t a = focused ? view_attr(v, ROLE_FOCUS) : view_attr(v, ROLE_DIM);

	if (!v->color)
		a = focused ? A_BOLD : A_NORMAL;
	wattrset(w, a);
	/* --ascii: no line-drawing characters, not even the terminal's
	 * alternate set. */
	if (v->ascii)
		wborder(w, '|', '|', '-', '-', '+', '+', '+', '+');
	else
		box(w, 0, 0);
	wattrset(w, A_NORMAL);
	/* The panel with the keyboard says so in its title, in reverse video
	 * and with a marker, not only in colour.  While the engine is lost
	 * every title says STALE: the panel shows its last picture. */
	if (title != NULL && p->w > 6) {
		char t[256];
		int used;

		snprintf(t, sizeof t, " %s%s ", focused ? (v->utf8 ? "\u25b8 " :
		    "> ") : "", title);
		used = panel_put(w, 0, 2, p->w - 4, view_attr(v, ROLE_HEADER) |
		    (focused ? A_REVERSE : 0), t, v->utf8);
		if (v->lost)
			panel_put(w, 0, 2 + used, p->w - 4 - used,
			    view_attr(v, ROLE_CRIT) | A_REVERSE, " STALE ",
			    v->utf8);
	}
}

/*
 * Lists (decisions, alerts) show the newest first.  Scrolled back, a list
 * stays on the rows the reader was looking at while new ones arrive above:
 * the offset grows by what was pushed since the last draw.
 */
void
panel_list_anchor(struct panel *p, const struct store_ring *r)
{
	int64_t max;

	if (p->scroll > 0 && r->pushed > p->mark)
		p->scroll += (int)(r->pushed - p->mark);
	p->mark = r->pushed;
	p->mark_cleared = r->cleared;
	p->mark_count = r->count;
	/* Rows may take two lines, so scrolling stops with the oldest on top
	 * rather than at a page from the end. */
	max = r->count > 0 ? (int64_t)r->count - 1 : 0;
	if (p->scroll > max)
		p->scroll = (int)max;
	if (p->scroll < 0)
		p->scroll = 0;
}

/*
 * The row a key meant: keys act on the list as the person last saw it, so
 * the marked row is row p->scroll of the list as last drawn, wherever the
 * pushes since have moved it (a new alert arriving between the frame and
 * the key must not become the one acknowledged).  Its index from the
 * newest now, or -1 when nothing was drawn there, it has left the ring, or
 * the list was reloaded (a snapshot) since.
 */
int64_t
panel_list_meant(const struct panel *p, const struct store_ring *r)
{
	uint64_t since;
	int64_t i;

	if (p->win == NULL || p->mark == 0 || r->pushed < p->mark ||
	    r->cleared != p->mark_cleared)
		return -1;
	since = r->pushed - p->mark;
	i = p->scroll < 0 ? 0 : p->scroll;
	/* End (G), or down past the end, before a draw: the oldest of the
	 * list as drawn, as the draw would show it, wherever the pushes
	 * since have moved it (before, an alert pushed in between made it
	 * "no alert marked"). */
	if (p->mark_count > 0 && i > (int64_t)p->mark_count - 1)
		i = (int64_t)p->mark_count - 1;
	i += (int64_t)since;
	return i < (int64_t)r->count ? i : -1;
}

unsigned
panel_list_key(struct panel *p, int key, int visible)
{
	int page = visible > 1 ? visible - 1 : 1;

	switch (key) {
	case TK(KEY_DOWN):
	case 'j':
		p->scroll++;
		break;
	case TK(KEY_UP):
	case 'k':
		p->scroll--;
		break;
	case TK(KEY_NPAGE):
		p->scroll += page;
		break;
	case TK(KEY_PPAGE):
		p->scroll -= page;
		break;
	case TK(KEY_HOME):
	case 'g':
		p->scroll = 0;
		break;
	case TK(KEY_END):
	case 'G':
		p->scroll = 1 << 30; /* clamped by the next draw */
		break;
	default:
		return 0;
	}
	if (p->scroll < 0)
		p->scroll = 0;
	p->dirty = 1;
	return TUI_HANDLED | TUI_REDRAW;
}

int
panel_wrap(WINDOW *w, int y, int x1, int cols1, int x2, int cols2, int lines,
           attr_t a, const char *s, int utf8)
{
	char piece[1024];
	size_t n;
	int row = 0, x = x1, cols = cols1;

	while (row < lines) {
		while (*s == ' ' && row > 0)
			s++;
		if (row == lines - 1 || text_width(s, utf8) <= cols) {
			panel_put(w, y + row, x, cols, a, s, utf8);
			return row + 1;
		}
		n = text_prefix(s, cols, utf8);
		if (n == 0 || n >= sizeof piece)
			n = n == 0 ? 1 : sizeof piece - 1;
		memcpy(piece, s, n);
		piece[n] = '\0';
		panel_put(w, y + row, x, cols, a, piece, utf8);
		s += n;
		row++;
		x = x2;
		cols = cols2;
	}
	return row;
}
