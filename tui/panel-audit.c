/*
 * tui/panel-audit.c -- the audit log: every intervention the engine
 * journaled (who, in which role, what, accepted or refused, and the reason
 * they typed), newest first.  Refusals say REFUSED in words, and a
 * command carried out whose own record the journal could not write says
 * NOT DURABLE (it is in force; the record before it says so); a refusal
 * of nobody known says the peer and the engine's reason, and its repeats
 * are folded into it with a count (tui/store.c).  A record
 * reads as a sentence:
 *
 *   10:42:13 j.smith (supervisor) throttle block 1 12% (was 100%)
 *            - reduce footprint
 *
 * the person and role first, then the command in the engine's words with
 * the values it replaced, then the reason: on the same row when all of it
 * fits there, else on a row of its own -- a reason run on after a long
 * command would break wherever the panel's width fell, and the reason is
 * what a supervisor reads for.  Records of an
 * engine that did not name the person show the command, client and role
 * instead.
 */
#include <string.h>

#include "tui/tui.h"

static int
audit_visible(const struct panel *p)
{
	return p->h - 2;
}

/*
 * What a folded row stands for, in front of its words, where a row cut at
 * the panel's edge keeps it (tui/store.c, store_audit_put): how often the
 * refusal came, and how many more of its peer's the engine only counted;
 * "" for a row of one.
 */
static const char *
audit_counts(char *buf, size_t n, const struct store_audit *a)
{
	char times[32] = "", more[64] = "";

	if (a->times > 1)
		snprintf(times, sizeof times, "%lld times", (long long)a->times);
	if (a->more > 0)
		snprintf(more, sizeof more, "+%lld more%s", (long long)a->more,
		    strcmp(a->peer, AUDIT_MORE_PEERS) == 0 ? "" :
		    " from this peer");
	if (times[0] == '\0' && more[0] == '\0')
		buf[0] = '\0';
	else
		snprintf(buf, n, "(%s%s%s) ", times, times[0] && more[0] ? "; " :
		    "", more);
	return buf;
}

static void
audit_draw(struct panel *p, const struct tui_view *v)
{
	const struct store *s = v->store;
	const struct store_ring *r = &s->audit;
	WINDOW *w = p->win;
	char title[64], clock[16], head[160], body[500], why[260], n[100];
	int iw = p->w - 2, vis = audit_visible(p), i, x, y;

	panel_list_anchor(p, r);
	if (p->scroll > 0)
		snprintf(title, sizeof title, "AUDIT %zu  back %d", r->count,
		    p->scroll);
	else
		snprintf(title, sizeof title, "AUDIT %zu", r->count);
	panel_frame(p, v, title, v->focus == PANEL_AUDIT);
	if (iw < 20 || vis < 1)
		return;
	if (r->count == 0) {
		panel_put(w, 1, 2, iw - 2, view_attr(v, ROLE_DIM),
		    "no interventions", v->utf8);
		return;
	}
	for (i = 0, y = 1; y < 1 + vis; i++) {
		const struct store_audit *a = store_ring_get(r,
		    (size_t)(p->scroll + i));
		int left = 1 + vis - y;

		if (a == NULL)
			break;
		x = 1;
		why[0] = '\0';
		x += panel_printf(w, y, x, 9, view_attr(v, ROLE_DIM), v->utf8,
		    "%s ", text_clock(clock, sizeof clock, a->t));
		if (!a->stranger && a->user[0] != '\0' && a->what[0] != '\0') {
			snprintf(head, sizeof head, "%s%s (%s) ", a->ok ? "" :
			    a->carried ? "NOT DURABLE " : "REFUSED ", a->user,
			    a->role[0] ? a->role : "?");
			snprintf(body, sizeof body, "%s%s", audit_counts(n,
			    sizeof n, a), a->what);
			/* An em dash where the terminal can show one. */
			if (a->text[0] != '\0')
				snprintf(why, sizeof why, "%s %s", v->utf8 ?
				    "\xe2\x80\x94" : "-", a->text);
		} else {
			snprintf(head, sizeof head, "%s %s %s%s%s ", a->cmd, a->ok ?
			    "ok" : a->carried ? "NOT DURABLE" : "REFUSED",
			    a->client[0] ? a->client : "?",
			    a->role[0] ? "/" : "", a->role);
			snprintf(body, sizeof body, "%s%s", audit_counts(n,
			    sizeof n, a), a->text);
		}
		x += panel_put(w, y, x, iw + 1 - x, a->ok ?
		    view_attr(v, ROLE_OURS) | A_BOLD : view_attr(v, ROLE_CRIT),
		    head, v->utf8);
		/* A short sentence is one row. */
		if (why[0] != '\0' && text_width(body, v->utf8) + 1 +
		    text_width(why, v->utf8) <= iw + 1 - x) {
			size_t bl = strlen(body);

			snprintf(body + bl, sizeof body - bl, " %s", why);
			why[0] = '\0';
		}
		y += panel_wrap(w, y, x, iw + 1 - x, 10, iw - 9,
		    left < 2 ? left : 2, A_NORMAL, body, v->utf8);
		left = 1 + vis - y;
		if (why[0] != '\0' && left > 0)
			y += panel_wrap(w, y, 10, iw - 9, 10, iw - 9,
			    left < 2 ? left : 2, A_NORMAL, why, v->utf8);
	}
}

static unsigned
audit_key(struct panel *p, struct tui_view *v, int key)
{
	(void)v;
	return panel_list_key(p, key, audit_visible(p));
}

const struct panel_ops panel_audit_ops = {
	.name = "audit",
	.watch = DIRTY_AUDIT,
	.draw = audit_draw,
	.key = audit_key,
};
