/*
 * tui/panel-status.c -- the two one-line panels that frame the screen.
 *
 * The title bar (top) says what the console is looking at: the engine and
 * its symbol when live, or a REPLAY banner with the transport (PLAYING or
 * PAUSED, speed, position) when playing a journal.  The status bar
 * (bottom) says how much to trust what is on screen: the connection
 * (CONNECTING, CONNECTED, DISCONNECTED), the engine's state (LIVE, PAUSED,
 * HALTED, JOURNAL-HALTED when it cannot write its journal, DONE), the
 * count of CRIT alerts nobody has acknowledged, the simulated time, the
 * heartbeat's age (STALE past three seconds), and how many sequence gaps
 * were found.  Each fact is a word, and the ones that
 * need attention are also coloured or reversed.
 */
#include <string.h>

#include "tui/tui.h"

/* Write one segment; advances *x. */
static void
status_seg(WINDOW *w, const struct tui_view *v, int *x, attr_t base,
           attr_t a, const char *text)
{
	int cols = getmaxx(w) - *x;

	/* A separator before every segment but the first. */
	if (*x > 1 && cols > 0) {
		*x += panel_put(w, 0, *x, cols, base, v->utf8 ? " \u2502 " : " | ",
		    v->utf8);
		cols = getmaxx(w) - *x;
	}
	if (cols > 0)
		*x += panel_put(w, 0, *x, cols, a, text, v->utf8);
}

static int
status_state_role(const char *state)
{
	if (strcmp(state, "LIVE") == 0)
		return ROLE_GOOD;
	if (strcmp(state, "PAUSED") == 0)
		return ROLE_WARN;
	if (strcmp(state, "HALTED") == 0 ||
	    strcmp(state, "JOURNAL-HALTED") == 0)
		return ROLE_CRIT;
	return ROLE_STATUS;
}

/* On the status background, a role's colour must stay readable: colours
 * become bold text, and alarms reverse out of the bar. */
static attr_t
status_attr(const struct tui_view *v, int role)
{
	attr_t base = view_attr(v, ROLE_STATUS);

	switch (role) {
	case ROLE_CRIT:
		return v->color ? view_attr(v, ROLE_CRIT) | A_REVERSE | A_BOLD :
		    A_BOLD;
	case ROLE_WARN:
		return v->color ? view_attr(v, ROLE_WARN) | A_REVERSE | A_BOLD :
		    A_BOLD | A_UNDERLINE;
	case ROLE_GOOD:
		return base | A_BOLD;
	default:
		return base;
	}
}

static void
status_draw(struct panel *p, const struct tui_view *v)
{
	const struct store *s = v->store;
	WINDOW *w = p->win;
	attr_t base = view_attr(v, ROLE_STATUS);
	char buf[128], clock[16];
	int x = 0, conn_role;
	int64_t age;

	wbkgdset(w, ' ' | base);
	werase(w);
	x += panel_put(w, 0, x, p->w, base, " ", v->utf8);
	if (!v->replay) {
		snprintf(buf, sizeof buf, "%.24s %.60s", s->engine[0] ? s->engine :
		    "engine", v->url ? v->url : "(default address)");
		x += panel_put(w, 0, x, p->w - x, base | A_BOLD, buf, v->utf8);
	}
	switch (s->conn) {
	case CONN_CONNECTED:
		conn_role = ROLE_GOOD;
		break;
	case CONN_DISCONNECTED:
		conn_role = ROLE_CRIT;
		break;
	case CONN_REPLAY:
		conn_role = ROLE_BANNER;
		break;
	default:
		conn_role = ROLE_WARN;
	}
	status_seg(w, v, &x, base, conn_role == ROLE_BANNER ? base | A_BOLD :
	    status_attr(v, conn_role), store_conn_name(s->conn));
	status_seg(w, v, &x, base, status_attr(v, status_state_role(s->state)),
	    s->state[0] ? s->state : "-");
	/* Unacknowledged CRIT alerts stay in sight until someone says they
	 * have seen them (A, or :ack all). */
	{
		size_t ncrit = store_alerts_crit_unacked(s);

		if (ncrit > 0) {
			snprintf(buf, sizeof buf, "CRIT %zu unacked", ncrit);
			status_seg(w, v, &x, base, status_attr(v, ROLE_CRIT),
			    buf);
		}
	}
	snprintf(buf, sizeof buf, "t %s", text_clock(clock, sizeof clock, s->t));
	status_seg(w, v, &x, base, base | A_BOLD, buf);
	if (!v->replay) {
		age = store_hb_age_ms(s, v->now_ms);
		if (age < 0)
			snprintf(buf, sizeof buf, "hb -");
		else if (age > STORE_STALE_MS)
			snprintf(buf, sizeof buf, "hb %llds STALE",
			    (long long)(age / 1000));
		else
			snprintf(buf, sizeof buf, "hb %llds",
			    (long long)(age / 1000));
		status_seg(w, v, &x, base, age > STORE_STALE_MS ?
		    status_attr(v, ROLE_CRIT) : base, buf);
	}
	snprintf(buf, sizeof buf, "gaps %llu", (unsigned long long)s->gaps);
	status_seg(w, v, &x, base, s->gaps > 0 ? status_attr(v, ROLE_WARN) : base,
	    buf);
	if (s->resync != RESYNC_NONE)
		status_seg(w, v, &x, base, status_attr(v, ROLE_WARN), "RESYNC");
	snprintf(buf, sizeof buf, "seq %llu", (unsigned long long)s->last_seq);
	status_seg(w, v, &x, base, base, buf);
	if (s->speed > 0 && !v->replay) {
		char sp[16];

		snprintf(buf, sizeof buf, "speed %s", text_speed(sp, sizeof sp,
		    s->speed));
		status_seg(w, v, &x, base, base, buf);
	}
	if (!v->replay) {
		snprintf(buf, sizeof buf, "role %s%s", s->role[0] ? s->role : "-",
		    v->readonly ? " READ-ONLY" : "");
		status_seg(w, v, &x, base, base, buf);
	}
	if (v->frozen)
		status_seg(w, v, &x, base, status_attr(v, ROLE_WARN), "FROZEN");
	wbkgdset(w, ' ');
}

static void
title_draw(struct panel *p, const struct tui_view *v)
{
	const struct store *s = v->store;
	WINDOW *w = p->win;
	attr_t base = view_attr(v, ROLE_TITLE);
	char buf[640], tick[32];
	const char *hint;
	int x = 0, hw;

	wbkgdset(w, ' ' | base);
	werase(w);
	if (v->replay) {
		x += panel_put(w, 0, x, p->w, view_attr(v, ROLE_BANNER) | A_BOLD,
		    " REPLAY ", v->utf8);
		x += panel_put(w, 0, x, p->w - x, base, " ", v->utf8);
		x += panel_put(w, 0, x, p->w - x, base | A_BOLD, v->transport,
		    v->utf8);
		hint = "space play  +/- speed  . step  n/N alerts  g go to  ? help ";
	} else {
		x += panel_put(w, 0, x, p->w, base | A_BOLD, " tranche ", v->utf8);
		hint = "p pause  t throttle  ? help  q quit ";
	}
	text_px(tick, sizeof tick, 1, s->tick, s->px_decimals);
	snprintf(buf, sizeof buf, "%s%s  %s  tick %s", v->utf8 ? " \u2502 " :
	    " | ", s->engine[0] ? s->engine : "engine",
	    s->sym[0] ? s->sym : "-", tick);
	x += panel_put(w, 0, x, p->w - x, base, buf, v->utf8);
	if (v->source[0] != '\0' && p->w - x > 20) {
		snprintf(buf, sizeof buf, "%s%s", v->utf8 ? " \u2502 " : " | ",
		    v->source);
		x += panel_put(w, 0, x, p->w - x - 2, view_attr(v, ROLE_TITLE),
		    buf, v->utf8);
	}
	hw = text_width(hint, v->utf8);
	if (p->w - x > hw + 2)
		panel_put(w, 0, p->w - hw, hw, base, hint, v->utf8);
	wbkgdset(w, ' ');
}

const struct panel_ops panel_status_ops = {
	.name = "status",
	.watch = DIRTY_STATUS | DIRTY_ALERTS,
	.draw = status_draw,
	.key = NULL,
};

const struct panel_ops panel_title_ops = {
	.name = "title",
	.watch = DIRTY_STATUS,
	.draw = title_draw,
	.key = NULL,
};
