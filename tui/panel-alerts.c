/*
 * tui/panel-alerts.c -- alerts from the engine (risk limits, market
 * conditions, refusals) and the audit trail of commands, newest first.
 *
 * Severity is a word (INFO, WARN, CRIT, AUDIT) in its own column before it
 * is a colour, and a critical alert is drawn in reverse video so it reads
 * on a monochrome terminal too.  Scrolling works as in the decisions panel.
 */
#include <string.h>

#include "tui/tui.h"

static int
alerts_visible(const struct panel *p)
{
	return p->h - 2 > 0 ? p->h - 2 : 0;
}

static int
alerts_role(int sev)
{
	switch (sev) {
	case SEV_CRIT:
		return ROLE_CRIT;
	case SEV_WARN:
		return ROLE_WARN;
	case SEV_AUDIT:
		return ROLE_OURS;
	default:
		return ROLE_DIM;
	}
}

static void
alerts_draw(struct panel *p, const struct tui_view *v)
{
	const struct store *s = v->store;
	WINDOW *w = p->win;
	char title[96], clock[16], text[320];
	int iw = p->w - 2, vis = alerts_visible(p), i, x, y;
	size_t n = store_nalerts(s);

	panel_list_anchor(p, &s->alerts);
	if (p->scroll > 0)
		snprintf(title, sizeof title, "ALERTS %zu  back %d", n, p->scroll);
	else
		snprintf(title, sizeof title, "ALERTS %zu", n);
	if (v->focus == PANEL_ALERTS && n > 0 && iw > 40)
		snprintf(title + strlen(title), sizeof title - strlen(title),
		    "  A ack the marked one");
	panel_frame(p, v, title, v->focus == PANEL_ALERTS);
	if (vis <= 0 || iw < 20)
		return;
	if (n == 0) {
		panel_put(w, 1, 2, iw - 2, view_attr(v, ROLE_DIM), "no alerts",
		    v->utf8);
		return;
	}
	for (i = 0, y = 1; y < 1 + vis; i++) {
		const struct store_alert *a =
		    store_alert(s, (size_t)(p->scroll + i));
		int left = 1 + vis - y;
		attr_t sa;

		if (a == NULL)
			break;
		sa = view_attr(v, alerts_role(a->sev));
		if (a->sev == SEV_CRIT && v->color)
			sa |= A_REVERSE;
		x = 1;
		/* The marked alert is the one A acknowledges. */
		if (i == 0 && v->focus == PANEL_ALERTS)
			x += panel_put(w, y, x, 1, view_attr(v, ROLE_FOCUS),
			    ">", v->utf8);
		else
			x += panel_put(w, y, x, 1, A_NORMAL, " ", v->utf8);
		x += panel_printf(w, y, x, 6, sa | A_BOLD, v->utf8, "%-5s ",
		    store_sev_name(a->sev));
		if (a->acked)
			x += panel_put(w, y, x, 4, view_attr(v, ROLE_DIM), "ack ",
			    v->utf8);
		x += panel_printf(w, y, x, 9, view_attr(v, ROLE_DIM), v->utf8,
		    "%s ", text_clock(clock, sizeof clock, a->t));
		if (a->block[0] != '\0')
			snprintf(text, sizeof text, "[%s] %s", a->block, a->text);
		else if (a->text[0] == '\0')
			snprintf(text, sizeof text, "%s", a->code);
		else
			snprintf(text, sizeof text, "%s", a->text);
		y += panel_wrap(w, y, x, iw + 1 - x, x, iw + 1 - x,
		    left < 2 ? left : 2, a->sev == SEV_CRIT ? sa : A_NORMAL, text,
		    v->utf8);
	}
}

static unsigned
alerts_key(struct panel *p, struct tui_view *v, int key)
{
	(void)v;
	return panel_list_key(p, key, alerts_visible(p));
}

const struct panel_ops panel_alerts_ops = {
	.name = "alerts",
	.watch = DIRTY_ALERTS,
	.draw = alerts_draw,
	.key = alerts_key,
};
