/*
 * tui/panel-help.c -- the help overlay (? or F1): every key the console
 * understands, in the mode it is in.  It is drawn over the other panels in
 * its own window; any key closes it (console.c).  The key list is a table so that the
 * help, the man page and the key handlers can be checked against each
 * other.
 */
#include <string.h>

#include "tui/tui.h"

struct help_line {
	const char *keys;
	const char *what;
	int live, replay; /* shown in this mode */
};

static const struct help_line help_lines[] = {
	{ "p", "pause / resume the block (a reason, then y)", 1, 0 },
	{ "t", "throttle: set the participation cap, percent", 1, 0 },
	{ "b", "show the next block when there are several", 1, 1 },
	{ "Tab", "keyboard to the decisions or the alerts", 1, 1 },
	{ "Up/Down j/k", "scroll the focused list", 1, 1 },
	{ "PgUp/PgDn", "scroll a page", 1, 1 },
	{ "Home/End g/G", "newest / oldest", 1, 1 },
	{ "space", "play / pause the replay", 0, 1 },
	{ "+ / -", "replay speed x2 / /2 (0.25x to 100x)", 0, 1 },
	{ "Esc", "cancel a prompt", 1, 0 },
	{ "Ctrl-L", "redraw the screen", 1, 1 },
	{ "? / F1", "this help", 1, 1 },
	{ "q", "quit (the engine keeps trading)", 1, 1 },
};

static void
help_draw(struct panel *p, const struct tui_view *v)
{
	WINDOW *w = p->win;
	size_t i;
	int y = 2;

	wbkgdset(w, ' ');
	werase(w);
	panel_frame(p, v, v->replay ? "HELP - replay (read-only)" : "HELP", 1);
	for (i = 0; i < sizeof help_lines / sizeof help_lines[0]; i++) {
		const struct help_line *h = &help_lines[i];

		if (y >= p->h - 2)
			break;
		if (!(v->replay ? h->replay : h->live))
			continue;
		panel_printf(w, y, 2, 14, view_attr(v, ROLE_HEADER), v->utf8,
		    "%-13s", h->keys);
		panel_put(w, y, 16, p->w - 18, A_NORMAL, h->what, v->utf8);
		y++;
	}
	panel_put(w, p->h - 2, 2, p->w - 4, view_attr(v, ROLE_DIM),
	    "any key closes this help", v->utf8);
}

const struct panel_ops panel_help_ops = {
	.name = "help",
	.watch = 0,
	.draw = help_draw,
	.key = NULL, /* any key closes it: the console does that */
};
