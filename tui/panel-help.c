/*
 * tui/panel-help.c -- the help overlay (? or F1): every key the console
 * understands, in the mode it is in; and in the same window the message
 * log (M).  It is drawn over the other panels in
 * its own window; any key closes it (console.c).  The key list is a table
 * so that the help, the man page and the key handlers can be checked
 * against each other (tests/unit/test-tui-render.c).  When one column is
 * not tall enough the keys go in two.
 */
#include <string.h>

#include "tui/tui.h"

struct help_line {
	const char *keys;
	const char *what;
	int live, replay; /* shown in this mode */
};

static const struct help_line help_lines[] = {
	{ "space", "play / pause the replay", 0, 1 },
	{ "+ / -", "replay speed x2 / /2 (0.25x to 100x)", 0, 1 },
	{ ".", "one event forward (pauses)", 0, 1 },
	{ "n / N", "next / previous alert, intervention, restart", 0, 1 },
	{ "g", "go to a time, HH:MM[:SS]", 0, 1 },
	{ "p", "pause / resume the block (reason, y)", 1, 0 },
	{ "P", "pause / resume every block", 1, 0 },
	{ "t", "throttle: participation cap, percent", 1, 0 },
	{ "a", "aggression override: style, seconds", 1, 0 },
	{ "s", "switch the block's algorithm", 1, 0 },
	{ "m", "manual child order: PRICE QTY [ioc]", 1, 0 },
	{ "c / x", "cancel the block's children / one", 1, 0 },
	{ "K / J", "kill / journal resume (supervisor)", 1, 0 },
	{ "A", "acknowledge the marked alert", 1, 0 },
	{ "R / Y / X", "RFQ: ask; accept the quote; reject", 1, 0 },
	{ "Z", "freeze / thaw the display", 1, 1 },
	{ "/", "search the decisions", 1, 1 },
	{ ":", "command line (Tab completes)", 1, 1 },
	{ "L", "next layout", 1, 1 },
	{ "b", "next block, when there are several", 1, 1 },
	{ "Tab l Right", "focus to the next panel", 1, 1 },
	{ "S-Tab h Left", "focus to the previous panel", 1, 1 },
	{ "click", "focus to the panel clicked", 1, 1 },
	{ "j k Up Down", "scroll the focused list; blotter: block", 1, 1 },
	{ "PgUp PgDn", "scroll a page", 1, 1 },
	{ "Home/End g/G", "newest / oldest", 1, 0 },
	{ "Home / End G", "newest / oldest", 0, 1 },
	{ "Esc", "cancel a prompt", 1, 1 },
	{ "Ctrl-L", "redraw the screen", 1, 1 },
	{ "M", "messages: the last 64 the line showed", 1, 1 },
	{ "? / F1", "this help", 1, 1 },
	{ "q", "quit (the engine keeps trading)", 1, 1 },
};

#define HELP_KEYW 13 /* the keys column */
#define HELP_COLW 56 /* one column of keys and what they do */

static void
help_draw(struct panel *p, const struct tui_view *v)
{
	WINDOW *w = p->win;
	size_t i;
	int n = 0, rows = p->h - 4, ncol, per, k = 0, colw, room;

	wbkgdset(w, ' ');
	werase(w);
	panel_frame(p, v, v->replay ? "HELP - replay (read-only)" : "HELP", 1);
	for (i = 0; i < sizeof help_lines / sizeof help_lines[0]; i++)
		if (v->replay ? help_lines[i].replay : help_lines[i].live)
			n++;
	if (rows < 1 || p->w < 8)
		return;
	/* Two columns when one is not tall enough and the window is wide. */
	ncol = n > rows && p->w - 4 >= 2 * HELP_COLW - 8 ? 2 : 1;
	per = (n + ncol - 1) / ncol;
	if (per > rows)
		per = rows;
	room = per * ncol;
	if (room < n)
		room--; /* the last place says where the rest are */
	colw = (p->w - 4) / ncol;
	for (i = 0; i < sizeof help_lines / sizeof help_lines[0]; i++) {
		const struct help_line *h = &help_lines[i];
		int y, x;

		if (!(v->replay ? h->replay : h->live))
			continue;
		y = 2 + k % per;
		x = 2 + (k / per) * colw;
		if (k++ >= room) {
			panel_put(w, y, x, colw - 1, view_attr(v, ROLE_DIM),
			    "(more: a taller terminal, or tranche(1))", v->utf8);
			break;
		}
		panel_printf(w, y, x, HELP_KEYW, view_attr(v, ROLE_HEADER),
		    v->utf8, "%-*s", HELP_KEYW, h->keys);
		panel_put(w, y, x + HELP_KEYW + 1, colw - HELP_KEYW - 2, A_NORMAL,
		    h->what, v->utf8);
	}
	panel_put(w, p->h - 2, 2, p->w - 4, view_attr(v, ROLE_DIM),
	    "any key closes this help", v->utf8);
}

void
panel_help_size(int replay, int rows, int cols, int *h, int *w)
{
	size_t i;
	int n = 0;

	for (i = 0; i < sizeof help_lines / sizeof help_lines[0]; i++)
		if (replay ? help_lines[i].replay : help_lines[i].live)
			n++;
	/* Frame, a blank row, the keys, a blank row and the closing line. */
	*h = n + 5;
	*w = HELP_COLW + 6;
	if (*h > rows - 4 && cols - 8 >= 2 * HELP_COLW - 4) {
		*h = (n + 1) / 2 + 5;
		*w = 2 * HELP_COLW + 4;
	}
	if (*h > rows - 4)
		*h = rows - 4;
	if (*w > cols - 8)
		*w = cols - 8;
}

/*
 * The message log (M), in the help's window: newest first, each message
 * with its time and level, wrapped over as many rows as it needs, so an
 * answer the message line replaced or a prompt hid can still be read.
 */
static void
messages_draw(struct panel *p, const struct tui_view *v)
{
	const struct tui_msglog *l = v->msgs;
	WINDOW *w = p->win;
	int y = 2, last = p->h - 3, textw = p->w - 4 - 14;
	unsigned k, n = l != NULL ? l->n : 0;

	wbkgdset(w, ' ');
	werase(w);
	panel_frame(p, v, "MESSAGES - newest first", 1);
	if (last < y || textw < 10)
		return;
	if (n == 0)
		panel_put(w, y, 2, p->w - 4, view_attr(v, ROLE_DIM),
		    "no messages yet", v->utf8);
	for (k = 0; k < n && k < TUI_MSGLOG && y <= last; k++) {
		const struct tui_msg *m = &l->rec[(n - 1 - k) % TUI_MSGLOG];
		const char *s = m->text;
		int role = m->level == MSG_ERR ? ROLE_CRIT : m->level == MSG_OK ?
		    ROLE_GOOD : ROLE_NORMAL;

		panel_printf(w, y, 2, 14, view_attr(v, ROLE_DIM), v->utf8,
		    "%-8s %-4s", m->when, m->level == MSG_ERR ? "ERR" :
		    m->level == MSG_OK ? "ok" : "");
		do {
			size_t len = text_prefix(s, textw, v->utf8);
			char line[sizeof m->text];

			if (len == 0)
				len = strlen(s) > 0 ? 1 : 0;
			snprintf(line, sizeof line, "%.*s", (int)len, s);
			panel_put(w, y++, 16, textw, view_attr(v, role), line,
			    v->utf8);
			s += len;
			while (*s == ' ')
				s++;
		} while (*s != '\0' && y <= last);
	}
	panel_put(w, p->h - 2, 2, p->w - 4, view_attr(v, ROLE_DIM),
	    k < n && k < TUI_MSGLOG ? "any key closes; older ones did not fit" :
	    "any key closes", v->utf8);
}

const struct panel_ops panel_messages_ops = {
	.name = "messages",
	.watch = 0,
	.draw = messages_draw,
	.key = NULL, /* any key closes it: the console does that */
};

const struct panel_ops panel_help_ops = {
	.name = "help",
	.watch = 0,
	.draw = help_draw,
	.key = NULL, /* any key closes it: the console does that */
};
