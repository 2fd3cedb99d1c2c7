/*
 * tui/screen.c -- ncurses and libuv plumbing: the terminal, the windows,
 * the frame, and the handles that drive them.
 *
 * The terminal.  The console reads and writes /dev/tty, never its stdin:
 * libuv puts a polled descriptor in non-blocking mode, and doing that to a
 * shell's stdin breaks the shell after we exit.  /dev/tty is opened twice,
 * because O_NONBLOCK belongs to an open file description: the input one is
 * polled (and so made non-blocking by uv_poll), the output one stays
 * blocking so ncurses never sees a short write.  newterm() gets both.
 *
 * The frame.  A repeating timer (TUI_FRAME_MS, 25 per second) is the only
 * place that draws.  Events and keys only change the store or set dirty
 * flags; the frame redraws the panels whose watched store bits changed (or
 * that were marked), each with werase() and wnoutrefresh(), and then calls
 * doupdate() once.  So a burst of a thousand events costs one redraw.
 * `--frames N` counts these passes and quits after N of them.
 *
 * Resizing.  SIGWINCH arrives through a uv_signal_t (on the loop thread,
 * not in signal context); the next frame asks the terminal its size,
 * resizeterm()s, recomputes the layout and redraws everything.  Below the
 * layout's minimum it shows the largest layout that fits and says so (the
 * one asked for comes back when the terminal grows); below TUI_MIN_COLS x
 * TUI_MIN_ROWS, where not even the built-in layout fits, it says what size
 * it needs instead.
 *
 * Input.  Keys are read with wget_wch() on stdscr in nodelay mode, all
 * that are waiting per wakeup.  stdscr itself is never drawn on except for
 * the too-small message, so wget_wch() never refreshes it over the panels.
 */
#include <errno.h>
#include <langinfo.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "tui/tui.h"

#define TUI_FRAME_MS 40

static const struct panel_ops *const screen_panel_ops[PANEL_COUNT] = {
	[PANEL_TITLE] = &panel_title_ops,
	[PANEL_BOOK] = &panel_book_ops,
	[PANEL_BLOCK] = &panel_block_ops,
	[PANEL_DECISIONS] = &panel_decisions_ops,
	[PANEL_ALERTS] = &panel_alerts_ops,
	[PANEL_STATUS] = &panel_status_ops,
	[PANEL_TAPE] = &panel_tape_ops,
	[PANEL_CHART] = &panel_chart_ops,
	[PANEL_BLOTTER] = &panel_blotter_ops,
	[PANEL_AUDIT] = &panel_audit_ops,
	[PANEL_CHILDREN] = &panel_children_ops,
	[PANEL_VENUES] = &panel_venues_ops,
	[PANEL_RFQ] = &panel_rfq_ops,
};

/* Dark theme: the terminal's own background, bright text.  Light theme:
 * colours that stay readable on white (no yellow or cyan text). */
static void
screen_colors(int on, int light)
{
	short bg = -1, dim;

	if (!on)
		return;
	start_color();
	if (use_default_colors() != OK)
		bg = light ? COLOR_WHITE : COLOR_BLACK;
	dim = COLORS >= 16 ? 8 : COLOR_CYAN;
	if (light) {
		init_pair(ROLE_BID, COLOR_GREEN, bg);
		init_pair(ROLE_ASK, COLOR_RED, bg);
		init_pair(ROLE_OURS, COLOR_BLUE, bg);
		init_pair(ROLE_TITLE, COLOR_WHITE, COLOR_BLUE);
		init_pair(ROLE_STATUS, COLOR_WHITE, COLOR_BLACK);
		init_pair(ROLE_GOOD, COLOR_GREEN, bg);
		init_pair(ROLE_WARN, COLOR_MAGENTA, bg);
		init_pair(ROLE_CRIT, COLOR_RED, bg);
		init_pair(ROLE_DIM, COLORS >= 16 ? 8 : COLOR_BLACK, bg);
		init_pair(ROLE_FOCUS, COLOR_MAGENTA, bg);
		init_pair(ROLE_PROMPT, COLOR_WHITE, COLOR_MAGENTA);
		init_pair(ROLE_BANNER, COLOR_WHITE, COLOR_MAGENTA);
		init_pair(ROLE_HEADER, COLOR_BLUE, bg);
		return;
	}
	init_pair(ROLE_BID, COLOR_GREEN, bg);
	init_pair(ROLE_ASK, COLOR_RED, bg);
	init_pair(ROLE_OURS, COLOR_CYAN, bg);
	init_pair(ROLE_TITLE, COLOR_WHITE, COLOR_BLUE);
	init_pair(ROLE_STATUS, COLOR_BLACK, COLOR_CYAN);
	init_pair(ROLE_GOOD, COLOR_GREEN, bg);
	init_pair(ROLE_WARN, COLOR_YELLOW, bg);
	init_pair(ROLE_CRIT, COLOR_RED, bg);
	init_pair(ROLE_DIM, dim, bg);
	init_pair(ROLE_FOCUS, COLOR_YELLOW, bg);
	init_pair(ROLE_PROMPT, COLOR_BLACK, COLOR_YELLOW);
	init_pair(ROLE_BANNER, COLOR_WHITE, COLOR_MAGENTA);
	init_pair(ROLE_HEADER, COLOR_CYAN, bg);
}

static void
screen_windows_free(struct tui *t)
{
	int i;

	for (i = 0; i < PANEL_COUNT; i++) {
		if (t->panels[i].win != NULL)
			delwin(t->panels[i].win);
		t->panels[i].win = NULL;
	}
	if (t->msg_win != NULL)
		delwin(t->msg_win);
	if (t->help_win != NULL)
		delwin(t->help_win);
	if (t->form_win != NULL)
		delwin(t->form_win);
	if (t->lost_win != NULL)
		delwin(t->lost_win);
	t->msg_win = t->help_win = t->form_win = t->lost_win = NULL;
}

static void screen_min_size(const struct tui *t, int *cols, int *rows);

/*
 * Which layout to show on a rows x cols screen: the one asked for when it
 * fits, else the largest (by its minimum area) that fits, else the
 * built-in one, whose minimum (TUI_MIN_COLS x TUI_MIN_ROWS) is the
 * console's.  A replay layout is only a fallback for a replay.  -1 is the
 * built-in one; -2 none fits.
 */
static int
screen_pick_layout(const struct tui *t, struct tui_rect r[PANEL_COUNT + 1])
{
	const struct layout *want = t->layout_idx >= 0 ?
	    &t->layouts.items[t->layout_idx] : NULL;
	int i, best = -1, area = -1;

	if (layout_place(want, t->rows, t->cols, r) == 0)
		return t->layout_idx;
	for (i = 0; i < t->layouts.n; i++) {
		const struct layout *l = &t->layouts.items[i];

		if (!t->view.replay && strcmp(l->name, "replay") == 0)
			continue;
		if (l->min_cols * l->min_rows > area &&
		    layout_place(l, t->rows, t->cols, r) == 0) {
			best = i;
			area = l->min_cols * l->min_rows;
		}
	}
	if (layout_place(best >= 0 ? &t->layouts.items[best] : NULL, t->rows,
	    t->cols, r) == 0)
		return best;
	return -2;
}

/* (Re)create the windows for the current size. */
static void
screen_layout(struct tui *t)
{
	struct tui_rect r[PANEL_COUNT + 1];
	int i, hh, hw, shown, was = t->layout_shown;

	screen_windows_free(t);
	getmaxyx(stdscr, t->rows, t->cols);
	shown = screen_pick_layout(t, r);
	t->too_small = shown == -2;
	t->full_redraw = 1;
	if (t->too_small)
		return;
	t->layout_shown = shown;
	t->view.layout = shown >= 0 ? t->layouts.items[shown].name : "built-in";
	if (shown != t->layout_idx && shown != was) {
		int mc, mr;

		screen_min_size(t, &mc, &mr);
		/* Short: it must fit the smallest screen it is said on. */
		tui_message(t, MSG_INFO, "%dx%d: %s needs %dx%d; showing %s "
		    "(%dx%d)", t->cols, t->rows, t->layout_idx >= 0 ?
		    t->layouts.items[t->layout_idx].name : "built-in", mc, mr,
		    t->view.layout, shown >= 0 ? t->layouts.items[shown].min_cols :
		    TUI_MIN_COLS, shown >= 0 ? t->layouts.items[shown].min_rows :
		    TUI_MIN_ROWS);
	} else if (shown == t->layout_idx && was != shown && was != -3)
		tui_message(t, MSG_INFO, "layout %s again (%dx%d)",
		    t->view.layout, t->cols, t->rows);
	for (i = 0; i < PANEL_COUNT; i++) {
		struct panel *p = &t->panels[i];

		p->ops = screen_panel_ops[i];
		p->y = r[i].y, p->x = r[i].x, p->h = r[i].h, p->w = r[i].w;
		if (p->h <= 0 || p->w <= 0)
			continue; /* not in this layout */
		if ((p->win = newwin(p->h, p->w, p->y, p->x)) == NULL)
			abort();
		leaveok(p->win, TRUE);
	}
	if (t->panels[t->view.focus].win == NULL ||
	    t->view.focus == PANEL_TITLE || t->view.focus == PANEL_STATUS)
		t->view.focus = shown >= 0 ? t->layouts.items[shown].focus :
		    PANEL_DECISIONS;
	t->msg_win = newwin(1, t->cols, r[PANEL_COUNT].y, 0);
	panel_help_size(t->view.replay, t->rows, t->cols, &hh, &hw);
	t->help_win = newwin(hh, hw, (t->rows - hh) / 2, (t->cols - hw) / 2);
	/* The engine-lost banner: four rows across the middle, over the
	 * panels, which stay visible above and below it. */
	t->lost_win = newwin(4, t->cols - 2, (t->rows - 4) / 2, 1);
	if (t->msg_win == NULL || t->help_win == NULL || t->lost_win == NULL)
		abort();
	leaveok(t->msg_win, TRUE);
	leaveok(t->help_win, TRUE);
	leaveok(t->lost_win, TRUE);
}

void
screen_set_layout(struct tui *t, int idx)
{
	t->layout_idx = idx;
	t->layout_shown = -3; /* not yet placed: nothing to say "again" of */
	t->view.layout = idx >= 0 ? t->layouts.items[idx].name : "built-in";
	if (idx >= 0)
		t->view.focus = t->layouts.items[idx].focus;
	if (t->scr != NULL) {
		werase(stdscr);
		wnoutrefresh(stdscr);
		clearok(curscr, TRUE);
		screen_layout(t);
	}
}

/* The minimum size the current layout needs. */
static void
screen_min_size(const struct tui *t, int *cols, int *rows)
{
	*cols = TUI_MIN_COLS;
	*rows = TUI_MIN_ROWS;
	if (t->layout_idx >= 0) {
		*cols = t->layouts.items[t->layout_idx].min_cols;
		*rows = t->layouts.items[t->layout_idx].min_rows;
	}
}

int
screen_open(struct tui *t)
{
	const char *nc = getenv("NO_COLOR");

	t->view.utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0 &&
	    !t->opt.ascii;
	t->view.ascii = t->opt.ascii;
	t->tty_out = fopen("/dev/tty", "r+");
	t->tty_in = fopen("/dev/tty", "r");
	if (t->tty_out == NULL || t->tty_in == NULL) {
		fprintf(stderr, "tranche: cannot open /dev/tty: the console "
		    "needs a terminal (use `tranche ctl` in scripts)\n");
		if (t->tty_out != NULL)
			fclose(t->tty_out);
		if (t->tty_in != NULL)
			fclose(t->tty_in);
		t->tty_out = t->tty_in = NULL;
		return -1;
	}
	t->scr = newterm(NULL, t->tty_out, t->tty_in);
	if (t->scr == NULL) {
		const char *term = getenv("TERM");

		fprintf(stderr, "tranche: cannot use terminal type '%s'\n",
		    term ? term : "(TERM unset)");
		fclose(t->tty_out);
		fclose(t->tty_in);
		t->tty_out = t->tty_in = NULL;
		return -1;
	}
	set_term(t->scr);
	set_escdelay(25);
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	leaveok(stdscr, TRUE);
	curs_set(0);
	t->view.color = !t->opt.no_color && (nc == NULL || nc[0] == '\0') &&
	    has_colors();
	screen_colors(t->view.color, t->opt.light);
	if (!t->opt.no_mouse)
		mousemask(BUTTON1_PRESSED | BUTTON1_CLICKED, NULL);
	/* stdscr is refreshed once, blank, so that wget_wch() on it never
	 * refreshes it again over the panels. */
	werase(stdscr);
	wnoutrefresh(stdscr);
	screen_layout(t);
	return 0;
}

/* ---------------------------------------------------------------- frame */

/* The message line no longer shows the message: its stretch on the
 * screen ends (tui_message() counts an error shown for under 2 s). */
static void
screen_msg_hidden(struct tui *t)
{
	if (t->msg_shown_ms != 0) {
		t->msg_seen_ms += tui_now_ms() - t->msg_shown_ms;
		t->msg_shown_ms = 0;
	}
}

static void
screen_draw_msg(struct tui *t)
{
	WINDOW *w = t->msg_win;
	const struct tui_view *v = &t->view;
	int role, cols = t->cols - 2;

	werase(w);
	if (t->prompt.stage != PROMPT_IDLE) {
		screen_msg_hidden(t);
		prompt_draw(&t->prompt, w, v);
		return;
	}
	/* Errors the line never showed long enough: said at its right. */
	if (t->msglog.unseen > 0) {
		char more[48];
		int n = snprintf(more, sizeof more, " M: %d unseen error%s ",
		    t->msglog.unseen, t->msglog.unseen == 1 ? "" : "s");

		if (t->cols - n - 1 > 20) {
			panel_put(w, 0, t->cols - n - 1, n, view_attr(v, ROLE_CRIT) |
			    A_REVERSE, more, v->utf8);
			cols = t->cols - n - 3;
		}
	}
	if (t->msg[0] != '\0') {
		role = t->msg_level == MSG_ERR ? ROLE_CRIT :
		    t->msg_level == MSG_OK ? ROLE_GOOD : ROLE_NORMAL;
		panel_put(w, 0, 1, cols, view_attr(v, role) | A_BOLD,
		    t->msg, v->utf8);
		if (t->msg_shown_ms == 0)
			t->msg_shown_ms = tui_now_ms();
		return;
	}
	panel_put(w, 0, 1, cols, view_attr(v, ROLE_DIM),
	    v->replay ? "replay: space play/pause, +/- speed, . step, g go to, "
	    "n/N next/prev alert, L layout, ? help, q quit" :
	    "p pause, t throttle, a style, s algo, m order, c cancel children, "
	    ": command, / search, L layout, ? help, q quit", v->utf8);
}

/*
 * The box above the prompt at the confirm stage: a form's lines (the
 * manual order's checks, a throttle's preview), what a price in ticks is
 * in dollars, and the request itself, wrapped, when it is too long for the
 * message line.  Laid out by screen_confirm_layout() before the message
 * line is drawn (which says where the request is) and drawn after the
 * panels.  A box that no longer fits the screen shows nothing it would
 * cut: the request then counts as not shown, and y does not send it.
 */
struct confirm_box {
	int n, h, w, y;
	int fits;                  /* everything y would send is on screen */
	struct { const char *s; size_t len; int warn; } ln[PROMPT_DETAIL + 32];
};

static void
screen_confirm_layout(struct tui *t, struct confirm_box *b)
{
	const struct prompt *pr = &t->prompt;
	int utf8 = t->view.utf8, inl = prompt_confirm_inline(pr, t->cols, utf8);
	int i, max = (int)(sizeof b->ln / sizeof b->ln[0]);
	const char *s;

	b->n = 0;
	b->w = t->cols - 4 < 110 ? t->cols - 4 : 110;
	for (i = 0; i < pr->ndetail; i++) {
		b->ln[b->n].s = pr->detail[i];
		b->ln[b->n].len = strlen(pr->detail[i]);
		b->ln[b->n++].warn = strstr(pr->detail[i], "FAIL") != NULL;
	}
	if (pr->px_words[0] != '\0') {
		b->ln[b->n].s = pr->px_words;
		b->ln[b->n].len = strlen(pr->px_words);
		b->ln[b->n++].warn = 0;
	}
	b->fits = inl;
	if (!inl && b->w >= 30) {
		/* The request, a box's inner width at a time, cut at the
		 * column: a break after a space would hide whether the space
		 * was there. */
		for (s = pr->preview; *s != '\0' && b->n < max; ) {
			size_t k = text_prefix_hard(s, b->w - 4, utf8);

			if (k == 0)
				k = 1;
			b->ln[b->n].s = s;
			b->ln[b->n].len = k;
			b->ln[b->n++].warn = 0;
			s += k;
		}
		b->fits = *s == '\0';
	}
	b->h = b->n + 2;
	b->y = t->rows - 2 - b->h;
	if (b->n > 0 && (b->y < 1 || b->w < 30)) {
		b->n = 0;
		if (!inl)
			b->fits = 0;
	}
}

static void
screen_draw_confirm(struct tui *t, const struct confirm_box *b)
{
	const struct tui_view *v = &t->view;
	struct panel fp;
	int i;
	char line[600];

	if (b->n == 0)
		return;
	if (t->form_win == NULL) {
		if ((t->form_win = newwin(b->h, b->w, b->y, 2)) == NULL)
			abort();
		leaveok(t->form_win, TRUE);
	}
	memset(&fp, 0, sizeof fp);
	fp.win = t->form_win;
	fp.h = b->h, fp.w = b->w, fp.y = b->y, fp.x = 2;
	werase(fp.win);
	panel_frame(&fp, v, "CHECK BEFORE SENDING", 1);
	for (i = 0; i < b->n; i++) {
		snprintf(line, sizeof line, "%.*s", (int)b->ln[i].len, b->ln[i].s);
		panel_put(fp.win, 1 + i, 2, b->w - 4, b->ln[i].warn ?
		    view_attr(v, ROLE_CRIT) : A_NORMAL, line, v->utf8);
	}
	touchwin(fp.win);
	wnoutrefresh(fp.win);
}

/*
 * The engine is lost: a banner across the screen says so, how long ago it
 * was last heard, that the panels show its last picture, and that nothing
 * is sent until it is back.  Drawn every frame while lost (the age goes
 * on), over whatever panels were redrawn beneath it.
 */
static void
screen_draw_lost(struct tui *t)
{
	const struct tui_view *v = &t->view;
	WINDOW *w = t->lost_win;
	attr_t a = view_attr(v, ROLE_BANNER) | A_BOLD;
	char line[400], clock[16];
	int64_t age = store_hb_age_ms(&t->store, v->now_ms);
	int cols = getmaxx(w);

	wbkgdset(w, ' ' | a);
	werase(w);
	snprintf(line, sizeof line, "ENGINE LOST: no heartbeat from %s for %llds",
	    t->store.engine[0] ? t->store.engine : "the engine",
	    (long long)(age > 0 ? age / 1000 : 0));
	panel_put(w, 0, 1, cols - 2, a, line, v->utf8);
	snprintf(line, sizeof line, "the panels are STALE: the last picture, "
	    "at t %s", text_clock(clock, sizeof clock, t->store.t));
	panel_put(w, 1, 1, cols - 2, a, line, v->utf8);
	snprintf(line, sizeof line, "nothing is sent until it is back; "
	    "reconnecting to %s", v->url ? v->url : "the default address");
	panel_put(w, 2, 1, cols - 2, a, line, v->utf8);
	panel_put(w, 3, 1, cols - 2, a, "q quits; keys still work", v->utf8);
	wbkgdset(w, ' ');
	touchwin(w);
	wnoutrefresh(w);
}

static void
screen_too_small(struct tui *t)
{
	char need[96], have[64];
	int y = t->rows / 2 - 1;

	werase(stdscr);
	/* Not even the built-in layout fits: its minimum is what is
	 * needed, whichever layout was asked for. */
	snprintf(need, sizeof need, "tranche needs %dx%d (the smallest "
	    "layout, built-in)", TUI_MIN_COLS, TUI_MIN_ROWS);
	if ((int)strlen(need) > t->cols)
		snprintf(need, sizeof need, "tranche needs %dx%d", TUI_MIN_COLS,
		    TUI_MIN_ROWS);
	if ((int)strlen(need) > t->cols)
		snprintf(need, sizeof need, "needs %dx%d", TUI_MIN_COLS,
		    TUI_MIN_ROWS);
	/* Shorter where it would be cut: at 20 columns "this terminal is
	 * 20x5" lost its height (found by an independent probe). */
	snprintf(have, sizeof have, "this terminal is %dx%d", t->cols, t->rows);
	if ((int)strlen(have) > t->cols)
		snprintf(have, sizeof have, "this is %dx%d", t->cols, t->rows);
	mvwaddnstr(stdscr, y < 0 ? 0 : y, 0, need, t->cols);
	if (y + 1 < t->rows)
		mvwaddnstr(stdscr, y + 1, 0, have, t->cols);
	wnoutrefresh(stdscr);
}

static void
screen_resize(struct tui *t)
{
	struct winsize ws;

	if (ioctl(fileno(t->tty_out), TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 &&
	    ws.ws_col > 0)
		resizeterm(ws.ws_row, ws.ws_col);
	werase(stdscr);
	wnoutrefresh(stdscr);
	clearok(curscr, TRUE);
	screen_layout(t);
}

static void
screen_frame(struct tui *t)
{
	unsigned dirty;
	int i, drew = 0;
	struct confirm_box box = { .n = 0, .fits = 1 };

	t->view.now_ms = tui_now_ms();
	store_tick(&t->store, t->view.now_ms);
	t->tp->tick(t, t->view.now_ms);
	if (t->quitting)
		return;
	tui_late_say(t);
	tui_check_lost(t);
	if (!t->view.frozen)
		view_selection_follow(&t->view);
	else if (t->view.sel_block >= t->store.nblocks)
		t->view.sel_block = 0;
	dirty = store_take_dirty(&t->store);
	if (strcmp(t->drawn_block_id, t->view.sel_block_id) != 0) {
		snprintf(t->drawn_block_id, sizeof t->drawn_block_id, "%s",
		    t->view.sel_block_id);
		dirty = DIRTY_ALL;
	}
	/* The throttle prompt says the block's cap as it is now: a block
	 * event (another console's throttle) redraws it. */
	if ((dirty & DIRTY_BLOCK) && strcmp(t->prompt.action, CMD_THROTTLE) ==
	    0 && (t->prompt.stage == PROMPT_VALUE ||
	    t->prompt.stage == PROMPT_REASON))
		t->msg_dirty = 1;
	if (t->prompt.stage == PROMPT_CONFIRM && !t->too_small) {
		screen_confirm_layout(t, &box);
		if (box.fits == t->prompt.confirm_cut) {
			t->msg_dirty = 1;
			/* Shown whole now: the last refusal no longer holds. */
			if (box.fits)
				t->prompt.note[0] = '\0';
		}
		t->prompt.confirm_cut = !box.fits;
	}
	/* A box above a prompt that has moved on (sent, abandoned, closed),
	 * no longer needs one, or needs another size or place: the panels
	 * beneath are drawn again. */
	if (t->form_win != NULL) {
		int h, w, y, x;

		getmaxyx(t->form_win, h, w);
		getbegyx(t->form_win, y, x);
		if (box.n == 0 || h != box.h || w != box.w || y != box.y ||
		    x != 2) {
			delwin(t->form_win);
			t->form_win = NULL;
			t->full_redraw = 1;
		}
	}
	if (t->too_small) {
		t->prompt.confirm_drawn = 0;
		screen_msg_hidden(t);
		if (t->full_redraw)
			screen_too_small(t);
	} else {
		if (t->full_redraw)
			dirty = DIRTY_ALL;
		for (i = 0; i < PANEL_COUNT; i++) {
			struct panel *p = &t->panels[i];

			if (p->win == NULL)
				continue;
			/* Z: everything but the title and status bars stays as
			 * it was, until Z again. */
			if (t->view.frozen && !t->full_redraw && i != PANEL_TITLE &&
			    i != PANEL_STATUS)
				continue;
			if (!t->full_redraw && !p->dirty && !(p->ops->watch & dirty))
				continue;
			werase(p->win);
			p->ops->draw(p, &t->view);
			wnoutrefresh(p->win);
			p->dirty = 0;
			drew = 1;
		}
		if (t->full_redraw || t->msg_dirty) {
			screen_draw_msg(t);
			wnoutrefresh(t->msg_win);
			t->msg_dirty = 0;
			drew = 1;
		}
		/* What y confirms has been put on the screen, all of it
		 * (doupdate at the end of this frame). */
		if (t->prompt.stage == PROMPT_CONFIRM)
			t->prompt.confirm_drawn = box.fits;
		if (t->view.lost && t->lost_win != NULL)
			screen_draw_lost(t);
		screen_draw_confirm(t, &box);
		if (t->help_visible && (drew || t->help_dirty)) {
			struct panel hp = { .ops = t->help_visible ==
				OVERLAY_MESSAGES ? &panel_messages_ops :
				&panel_help_ops, .win = t->help_win };

			getbegyx(t->help_win, hp.y, hp.x);
			getmaxyx(t->help_win, hp.h, hp.w);
			touchwin(t->help_win);
			hp.ops->draw(&hp, &t->view);
			wnoutrefresh(t->help_win);
			t->help_dirty = 0;
		}
	}
	t->full_redraw = 0;
	doupdate();
	t->frames++;
	if (t->opt.frames > 0 && t->frames >= t->opt.frames)
		tui_quit(t, 0);
}

/* -------------------------------------------------------------- handles */

static void
screen_on_frame(uv_timer_t *h)
{
	struct tui *t = h->data;

	if (t->resize_pending) {
		t->resize_pending = 0;
		screen_resize(t);
	}
	screen_frame(t);
}

static void
screen_on_tty(uv_poll_t *h, int status, int events)
{
	struct tui *t = h->data;
	wint_t wch;
	int rc, got = 0;

	if (status < 0 || (events & UV_DISCONNECT)) {
		tui_quit(t, 1);
		return;
	}
	while (!t->quitting) {
		errno = 0;
		if ((rc = wget_wch(stdscr, &wch)) == ERR) {
			/* Bytes that are not UTF-8: ncurses drops them and
			 * the rest of what it had read, so a paste of "5\xa0000"
			 * reached a prompt as "5" (found by an independent probe).
			 * A prompt being typed into is cleared and says so. */
			if (errno == EILSEQ) {
				got++;
				tui_input_invalid(t);
				continue;
			}
			break;
		}
		got++;
		/* resizeterm() queues a KEY_RESIZE; the resize itself came
		 * through SIGWINCH.  As a key it was "any other key" to an open
		 * confirmation, and abandoned it: enlarging the screen to read
		 * a request dropped the request. */
		if (rc == KEY_CODE_YES && wch == KEY_RESIZE)
			continue;
		tui_key(t, rc == KEY_CODE_YES ? TK((int)wch) : (int)wch);
	}
	/* Readable with nothing to read, again and again: the terminal has
	 * gone (EOF or hangup). */
	if (got == 0 && ++t->empty_reads > 100)
		tui_quit(t, 1);
	else if (got > 0)
		t->empty_reads = 0;
}

static void
screen_on_signal(uv_signal_t *h, int sig)
{
	struct tui *t = h->data;

	if (sig == SIGWINCH)
		t->resize_pending = 1;
	else
		tui_quit(t, sig == SIGHUP ? 1 : 0);
}

void
screen_start(struct tui *t)
{
	/* Ctrl-\ (SIGQUIT) quits as Ctrl-C does, with the terminal given
	 * back: its default left the alternate screen, mouse tracking and a
	 * hidden cursor behind (found by a probe). */
	uv_signal_t *sigs[] = { &t->sig_winch, &t->sig_int, &t->sig_term,
		&t->sig_hup, &t->sig_quit };
	int signums[] = { SIGWINCH, SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	size_t i;

	uv_timer_init(&t->loop, &t->frame_timer);
	t->frame_timer.data = t;
	uv_timer_start(&t->frame_timer, screen_on_frame, 0, TUI_FRAME_MS);
	uv_poll_init(&t->loop, &t->tty_poll, fileno(t->tty_in));
	t->tty_poll.data = t;
	uv_poll_start(&t->tty_poll, UV_READABLE | UV_DISCONNECT, screen_on_tty);
	for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
		uv_signal_init(&t->loop, sigs[i]);
		sigs[i]->data = t;
		uv_signal_start(sigs[i], screen_on_signal, signums[i]);
	}
	t->handles_open = 1;
}

void
screen_close_handles(struct tui *t)
{
	if (!t->handles_open)
		return;
	t->handles_open = 0;
	uv_close((uv_handle_t *)&t->frame_timer, NULL);
	uv_close((uv_handle_t *)&t->tty_poll, NULL);
	uv_close((uv_handle_t *)&t->sig_winch, NULL);
	uv_close((uv_handle_t *)&t->sig_int, NULL);
	uv_close((uv_handle_t *)&t->sig_term, NULL);
	uv_close((uv_handle_t *)&t->sig_hup, NULL);
	uv_close((uv_handle_t *)&t->sig_quit, NULL);
}

int
screen_end(struct tui *t)
{
	int rc;

	if (t->scr == NULL)
		return 0;
	screen_windows_free(t);
	rc = endwin();
	delscreen(t->scr);
	t->scr = NULL;
	fclose(t->tty_out);
	fclose(t->tty_in);
	t->tty_out = t->tty_in = NULL;
	return rc == OK ? 0 : -1;
}
