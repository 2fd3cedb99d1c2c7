/*
 * tui/panel-status.c -- the two one-line panels that frame the screen.
 *
 * The title bar (top) says what the console is looking at: the engine and
 * its symbol when live, or a REPLAY banner with the transport (PLAYING or
 * PAUSED, speed, position) when playing a journal; once news has come, the
 * newest item (time, symbol, sentiment, headline) before the key hints.  The status bar
 * (bottom) says how much to trust what is on screen: the connection
 * (CONNECTING, CONNECTED, DISCONNECTED), the engine's state (LIVE, PAUSED,
 * HALTED, JOURNAL-HALTED when it cannot write its journal, DONE), the
 * count of CRIT alerts nobody has acknowledged, the simulated time, the
 * heartbeat's age (STALE past three seconds), how many sequence gaps
 * were found, and LATE with the wall seconds the engine's clock gave up
 * when it could not keep its speed.  Each fact is a word, and the ones
 * that need attention are also coloured or reversed.  When the bar is too narrow for all of it,
 * status_fit() decides what stays: the words that say the picture cannot
 * be trusted (and the unacknowledged CRIT count) are the last to go.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tui/tui.h"

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

/*
 * What fits.  Segments are offered in screen order, each with a priority
 * (STATUS_PRIO_*, lower is more important); while they do not fit in
 * `cols`, the least important that is shown is left out, the latest of
 * equals first.  So narrowing cuts the engine's address, the counters and
 * the clock before it cuts a word that says the picture cannot be trusted
 * (DISCONNECTED, STALE, HALTED, an unacknowledged CRIT alert).  Sets
 * seg[i].shown; returns the columns used.
 */
int
status_fit(struct status_seg *seg, int n, int cols, int sepw)
{
	int i, used, worst;

	for (i = 0; i < n; i++)
		seg[i].shown = 1;
	for (;;) {
		used = 0;
		for (i = 0, worst = -1; i < n; i++) {
			if (!seg[i].shown)
				continue;
			used += (used > 0 ? sepw : 0) + seg[i].width;
			if (worst < 0 || seg[i].prio >= seg[worst].prio)
				worst = i;
		}
		if (used <= cols || worst < 0)
			return used;
		seg[worst].shown = 0;
	}
}

static void
status_add(struct status_seg *seg, int *n, int prio, attr_t a,
           const struct tui_view *v, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

static void
status_add(struct status_seg *seg, int *n, int prio, attr_t a,
           const struct tui_view *v, const char *fmt, ...)
{
	va_list ap;

	if (*n >= STATUS_SEGS)
		return;
	va_start(ap, fmt);
	vsnprintf(seg[*n].text, sizeof seg[*n].text, fmt, ap);
	va_end(ap);
	seg[*n].prio = prio;
	seg[*n].attr = a;
	seg[*n].width = text_width(seg[*n].text, v->utf8);
	(*n)++;
}

static void
status_draw(struct panel *p, const struct tui_view *v)
{
	const struct store *s = v->store;
	WINDOW *w = p->win;
	attr_t base = view_attr(v, ROLE_STATUS);
	struct status_seg seg[STATUS_SEGS];
	const char *sep = v->utf8 ? " \u2502 " : " | ";
	char clock[16], sp[16];
	int x = 0, n = 0, i, conn_role, first = 1;
	int64_t age;

	wbkgdset(w, ' ' | base);
	werase(w);
	if (!v->replay)
		status_add(seg, &n, STATUS_PRIO_WHERE, base | A_BOLD, v,
		    "%.24s %.60s", s->engine[0] ? s->engine : "engine",
		    v->url ? v->url : "(default address)");
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
	status_add(seg, &n, STATUS_PRIO_ALARM, conn_role == ROLE_BANNER ?
	    base | A_BOLD : status_attr(v, conn_role), v, "%s",
	    store_conn_name(s->conn));
	if (v->refused)
		status_add(seg, &n, STATUS_PRIO_ALARM, status_attr(v, ROLE_CRIT),
		    v, "LOGIN REFUSED");
	status_add(seg, &n, status_state_role(s->state) == ROLE_CRIT ?
	    STATUS_PRIO_ALARM : STATUS_PRIO_STATE,
	    status_attr(v, status_state_role(s->state)), v, "%s",
	    s->state[0] ? s->state : "-");
	/* Unacknowledged CRIT alerts stay in sight until someone says they
	 * have seen them (A, or :ack all), whatever narrowing cuts. */
	{
		size_t ncrit = store_alerts_crit_unacked(s);

		if (ncrit > 0)
			status_add(seg, &n, STATUS_PRIO_ALARM,
			    status_attr(v, ROLE_CRIT), v, "CRIT %zu unacked",
			    ncrit);
	}
	/* Attached to `tranched replay`: a recorded session, and whether it
	 * has played to its end (its state stays the journal's last). */
	if (s->engine_replay && !v->replay)
		status_add(seg, &n, STATUS_PRIO_STATE, base | A_BOLD, v, "%s",
		    s->replay_ended ? "RECORDED, ENDED" : "RECORDED");
	status_add(seg, &n, STATUS_PRIO_CLOCK, base | A_BOLD, v, "t %s",
	    text_clock(clock, sizeof clock, s->t));
	if (!v->replay) {
		age = store_hb_age_ms(s, v->now_ms);
		if (age < 0)
			status_add(seg, &n, STATUS_PRIO_COUNTS, base, v, "hb -");
		else if (age > STORE_STALE_MS)
			status_add(seg, &n, STATUS_PRIO_ALARM,
			    status_attr(v, ROLE_CRIT), v, "hb %llds STALE",
			    (long long)(age / 1000));
		else
			status_add(seg, &n, STATUS_PRIO_COUNTS, base, v, "hb %llds",
			    (long long)(age / 1000));
	}
	status_add(seg, &n, s->gaps > 0 ? STATUS_PRIO_WARN : STATUS_PRIO_COUNTS,
	    s->gaps > 0 ? status_attr(v, ROLE_WARN) : base, v, "gaps %llu",
	    (unsigned long long)s->gaps);
	if (s->resync != RESYNC_NONE)
		status_add(seg, &n, STATUS_PRIO_WARN, status_attr(v, ROLE_WARN), v,
		    "RESYNC");
	status_add(seg, &n, STATUS_PRIO_DETAIL, base, v, "seq %llu",
	    (unsigned long long)s->last_seq);
	if (s->speed >= 0 && !v->replay)
		status_add(seg, &n, STATUS_PRIO_DETAIL, base, v, "speed %s",
		    text_speed(sp, sizeof sp, s->speed));
	/* An engine that could not keep its speed (stopped, starved of CPU,
	 * or asked for more than the machine can do) gave up simulated time:
	 * its clock runs late, and the desk should know. */
	if (s->lost_ms >= 100 && !v->replay)
		status_add(seg, &n, STATUS_PRIO_WARN, status_attr(v, ROLE_WARN), v,
		    "LATE %.1fs", s->lost_ms / 1000);
	if (!v->replay)
		status_add(seg, &n, v->readonly ? STATUS_PRIO_STATE :
		    STATUS_PRIO_DETAIL, base, v, "role %s%s",
		    s->role[0] ? s->role : "-", v->readonly ? " READ-ONLY" : "");
	if (v->frozen)
		status_add(seg, &n, STATUS_PRIO_WARN, status_attr(v, ROLE_WARN), v,
		    "FROZEN");
	status_fit(seg, n, p->w - 1, text_width(sep, v->utf8));
	x += panel_put(w, 0, x, p->w, base, " ", v->utf8);
	for (i = 0; i < n; i++) {
		if (!seg[i].shown)
			continue;
		if (!first)
			x += panel_put(w, 0, x, p->w - x, base, sep, v->utf8);
		x += panel_put(w, 0, x, p->w - x, seg[i].attr, seg[i].text,
		    v->utf8);
		first = 0;
	}
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
	/* The news line: the newest item, its sentiment as a signed number
	 * and a word (never colour alone); it wins the space over the
	 * source and the hints. */
	if (s->nnews > 0 && p->w - x > 24) {
		const struct store_news *nw = &s->news;
		char clock[16];

		snprintf(buf, sizeof buf, "%sNEWS %s %s %+.2f %s: %s", v->utf8 ?
		    " \u2502 " : " | ", text_clock(clock, sizeof clock, nw->t),
		    nw->sym, nw->sentiment, nw->sentiment > 0.05 ? "good" :
		    nw->sentiment < -0.05 ? "bad" : "neutral", nw->headline);
		x += panel_put(w, 0, x, p->w - x - 1, base | A_BOLD, buf,
		    v->utf8);
	}
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
