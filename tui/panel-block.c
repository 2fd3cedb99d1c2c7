/*
 * tui/panel-block.c -- the block's progress: how much of the parent order is
 * done, against what the schedule wanted by now, at what price against the
 * arrival price, and how long is left.
 *
 * The panel shows the selected block (`b` cycles when the engine works more
 * than one).  It reads top to bottom in the order a trader asks questions:
 * what state is it in, how much is filled, is it keeping up with its
 * schedule, what is it costing (average price, arrival, shortfall in basis
 * points, and where the shortfall comes from: spread, impact and timing,
 * which add up to the cost on screen, and opportunity, which is shown
 * apart), how long is left and what then happens to the rest (the
 * end-of-window setting: "then cross" or "then leave"; an unfilled end
 * reads "EXPIRED 61%"), and at what participation.  Lines that do
 * not fit the height are left out from the bottom.
 *
 * On a wide panel the right third says why the algorithm behaves as it
 * does -- a forced style and how long it has left, a limit price, an
 * aggression cap, a maximum child -- above a small chart of the schedule
 * against what was filled over the block's life ('-' the schedule, '#'
 * filled, '=' both: on or ahead of schedule; scaled to the largest value
 * so far).  On a narrow one the controls
 * join the list and the chart is left out.
 *
 * A block whose algorithm re-planned its remainder (ais-aggr, ais-pass,
 * event, a policy: the block event's "plan") also shows the plan against
 * the algorithm's own schedule from now to the end: in the chart, '+' the
 * plan and '.' the base schedule (the plan drawn over the base where they
 * meet; characters, so that neither colour nor its absence is needed), on
 * the scale of the whole quantity, since both run to it; and in words,
 * when each has half of what remains due ("half by 10:45:10, base
 * 11:20:00"), under the chart's legend on a wide panel and as a "Plan"
 * line after the schedule's on a narrow one.
 */
#include <math.h>
#include <string.h>

#include "tui/tui.h"

static int
block_state_role(const char *state)
{
	if (strcmp(state, "WORKING") == 0)
		return ROLE_GOOD;
	if (strcmp(state, "PAUSED") == 0 || strcmp(state, "NEW") == 0 ||
	    strcmp(state, "EXPIRED") == 0)
		return ROLE_WARN;
	if (strcmp(state, "HALTED") == 0 || strcmp(state, "CANCELLED") == 0 ||
	    strcmp(state, "JOURNAL-HALTED") == 0)
		return ROLE_CRIT;
	return ROLE_HEADER;
}

/* A label and a value at (y, x); the value in its own attribute. */
static int
block_field(WINDOW *w, int y, int x, int cols, const struct tui_view *v,
            const char *label, attr_t va, const char *value)
{
	int used;

	if (cols <= 0)
		return 0;
	used = panel_put(w, y, x, cols, view_attr(v, ROLE_DIM), label, v->utf8);
	return used + panel_put(w, y, x + used, cols - used, va, value, v->utf8);
}

/* Dollars, signed, whole: "$1,234", "-$56"; form 1 without the sign of
 * the currency, "1,234"; form 2 also in thousands from 10,000, "-132k". */
static char *
block_money(char *buf, size_t n, double usd, int form)
{
	char q[32];
	double a = fabs(usd);

	if (form >= 2 && a >= 9999.5)
		snprintf(q, sizeof q, "%.0fk", a / 1000);
	else
		text_qty(q, sizeof q, (int64_t)llround(a));
	snprintf(buf, n, "%s%s%s", usd <= -0.5 ? "-" : "", form == 0 ? "$" : "",
	    q);
	return buf;
}

static char *
block_usd(char *buf, size_t n, double usd)
{
	return block_money(buf, n, usd, 0);
}

/* The controls in force, one short line each; returns how many. */
static int
block_controls(const struct store *s, const struct store_block *b,
               char lines[4][64], int *warn)
{
	char a[32];
	int n = 0;

	*warn = 0;
	/* An override's end passes without a block event (the engine sends
	 * one when the block changes, not when time does): once simulated
	 * time is past it, the override is over and not shown. */
	if (b->forced[0] != '\0' && b->forced_until > s->t) {
		text_duration(a, sizeof a, b->forced_until - s->t);
		snprintf(lines[n++], 64, "Forced %s, %s left", b->forced, a);
		*warn = 1;
	} else if (b->forced[0] != '\0' && b->forced_until == 0) {
		snprintf(lines[n++], 64, "Forced %s", b->forced);
		*warn = 1;
	}
	if ((b->have & BLK_LIMIT) && b->limit_px > 0) {
		text_px(a, sizeof a, (double)b->limit_px, s->tick, s->px_decimals);
		snprintf(lines[n++], 64, "Limit %s", a);
	}
	if (b->aggression[0] != '\0' && strcmp(b->aggression, "aggressive") != 0)
		snprintf(lines[n++], 64, "Aggression cap %s", b->aggression);
	if ((b->have & BLK_MAXCHILD) && b->max_child > 0) {
		text_qty(a, sizeof a, b->max_child);
		snprintf(lines[n++], 64, "Max child %s", a);
	}
	return n;
}

/* 1 when block b has a plan to show: one in force and the block not
 * finished (a finished block's event has none; this guards a store that
 * has not heard the end yet from drawing a future that is over). */
static int
block_has_plan(const struct store_block *b)
{
	return b->plan.n > 0 && strcmp(b->state, "DONE") != 0 &&
	    strcmp(b->state, "CANCELLED") != 0 &&
	    strcmp(b->state, "EXPIRED") != 0;
}

/* The first of n candidate texts that fits cols columns, else the last. */
static const char *
block_fit(const char *const *cand, int n, int cols, int utf8)
{
	for (int i = 0; i < n - 1; i++)
		if (text_width(cand[i], utf8) <= cols)
			return cand[i];
	return cand[n - 1];
}

/* The plan in words, in at most cols columns: when the plan and the base
 * schedule each have half of the rest due; labelled 1 may start with
 * "Plan: " when that fits too. */
static const char *
block_plan_words(char buf[4][64], const struct store_block *b, int cols,
                 int utf8, int labelled)
{
	char pt[16], bt[16];
	const char *cand[4];

	text_clock(pt, sizeof pt, b->plan.half_t);
	text_clock(bt, sizeof bt, b->plan.base_half_t);
	snprintf(buf[0], 64, "Plan: half by %s, base %s", pt, bt);
	snprintf(buf[1], 64, "half by %s, base %s", pt, bt);
	/* HH:MM when seconds do not fit. */
	snprintf(buf[2], 64, "half %.5s, base %.5s", pt, bt);
	snprintf(buf[3], 64, "%.5s vs %.5s", pt, bt);
	for (int i = 0; i < 4; i++)
		cand[i] = buf[i];
	return block_fit(cand + !labelled, 4 - !labelled, cols, utf8);
}

/* The chart's legend in at most cols columns. */
static const char *
block_legend(const struct store_block *b, int cols, const struct tui_view *v)
{
	static const char *const plain[] = {
		"Sched - vs filled #",
	};
	static const char *const plain_u[] = {
		"Sched - vs filled \u2588",
	};
	static const char *const plan[] = {
		"# filled - sched + plan . base",
		"#fill -sched +plan .base",
		"#fill -sch +plan .base",
		"+plan .base",
	};
	static const char *const plan_u[] = {
		"\u2588 filled - sched + plan . base",
		"\u2588fill -sched +plan .base",
		"\u2588fill -sch +plan .base",
		"+plan .base",
	};

	if (!block_has_plan(b))
		return v->utf8 ? plain_u[0] : plain[0];
	return block_fit(v->utf8 ? plan_u : plan, 4, cols, v->utf8);
}

/*
 * The plan and the base schedule in one column at (y, x), h rows on a
 * scale of top shares, at time tc: '.' the base, '+' the plan over it.
 */
static void
block_chart_plan(WINDOW *w, int y, int x, int h, int64_t top, int64_t tc,
                 const struct store_block *b, const struct tui_view *v)
{
	int64_t due = store_plan_due(&b->plan, tc, 0);
	int64_t base = store_plan_due(&b->plan, tc, 1);
	int pr, br;

	if (due < 0 || base < 0)
		return;
	br = (int)llround((double)base / (double)top * h);
	pr = (int)llround((double)due / (double)top * h);
	if (br >= 1 && br <= h) {
		wattrset(w, view_attr(v, ROLE_DIM));
		mvwaddstr(w, y + h - br, x, ".");
	}
	if (pr >= 1 && pr <= h) {
		wattrset(w, view_attr(v, ROLE_OURS) | A_BOLD);
		mvwaddstr(w, y + h - pr, x, "+");
	}
	wattrset(w, A_NORMAL);
}

/*
 * The schedule against what was filled, h rows by cw columns at (y, x):
 * each column a slice of start..end, carrying the last sample forward to
 * now; after it the plan against the base schedule when there is a plan,
 * else nothing.
 */
static void
block_chart(WINDOW *w, int y, int x, int h, int cw, const struct store *s,
            const struct store_block *b, const struct tui_view *v)
{
	int c, r, k, now = store_curve_slice(b, s->t), plan = block_has_plan(b);
	int64_t sched = -1, filled = 0, top = 1;

	if (h <= 0 || cw <= 0 || b->qty <= 0)
		return;
	if (b->t > s->t || now < 0)
		now = store_curve_slice(b, b->t);
	/* Scaled to the largest value so far: the shapes matter, and a
	 * quarter of the way through a quarter of the height is all there
	 * would be otherwise.  A plan runs to the whole quantity, so with
	 * one the scale is that. */
	for (k = 0; k <= now && k < STORE_CURVE; k++) {
		if (b->curve[k].sched > top)
			top = b->curve[k].sched;
		if (b->curve[k].filled > top)
			top = b->curve[k].filled;
	}
	if (plan)
		top = b->qty;
	for (c = 0; c < cw; c++) {
		int fr, sr;

		k = c * STORE_CURVE / cw;
		if (now < 0 || k > now) {
			if (!plan)
				break;
			/* The column's time: the end of its span, so the
			 * last column is the window's end. */
			block_chart_plan(w, y, x + c, h, top, b->start +
			    (int64_t)((long double)(b->end - b->start) * (c + 1) /
			    cw), b, v);
			continue;
		}
		if (b->curve[k].sched >= 0) {
			sched = b->curve[k].sched;
			filled = b->curve[k].filled;
		}
		if (sched < 0)
			continue;
		/* Filled rounds down and the schedule to nearest, so falling
		 * behind shows as soon as it is half a row. */
		fr = (int)((double)filled / (double)top * h);
		sr = (int)llround((double)sched / (double)top * h);
		for (r = 1; r <= h; r++) {
			int f = r <= fr, sc = r == sr;
			const char *ch = f && sc ? "=" : f ? "#" : sc ? "-" : NULL;
			int role = f ? ROLE_GOOD : ROLE_WARN;

			if (ch == NULL)
				continue;
			if (v->utf8 && f && !sc)
				ch = "\u2588";
			wattrset(w, view_attr(v, role));
			mvwaddstr(w, y + h - r, x + c, ch);
		}
	}
	wattrset(w, A_NORMAL);
}

static void
block_draw(struct panel *p, const struct tui_view *v)
{
	const struct store *s = v->store;
	const struct store_block *b = view_block(v);
	WINDOW *w = p->win;
	char title[256], a[64], c[64], d[64], line[256], ctl[4][64];
	int iw = p->w - 2, rows = p->h - 2, y = 1, half, lx = 1, rx;
	int nctl, ctl_warn, cw = 0, fw, i;
	double frac;

	if (b == NULL) {
		panel_frame(p, v, "BLOCK", v->focus == PANEL_BLOCK);
		panel_put(w, 1, 2, iw - 2, view_attr(v, ROLE_DIM),
		    "no block order yet", v->utf8);
		return;
	}
	text_qty(a, sizeof a, b->qty);
	snprintf(c, sizeof c, "%s", b->side);
	for (char *q = c; *q != '\0'; q++)
		if (*q >= 'a' && *q <= 'z')
			*q = (char)(*q - 'a' + 'A');
	snprintf(title, sizeof title, "BLOCK %s  %s %s %s", b->id, c, a,
	    b->sym[0] ? b->sym : s->sym);
	/* Where it came from: an OMS's order is its session and ClOrdID. */
	if (b->origin[0] != '\0') {
		size_t used = strlen(title);

		snprintf(title + used, sizeof title - used, "  %s", b->origin);
	}
	if (s->nblocks > 1) {
		size_t used = strlen(title);

		snprintf(title + used, sizeof title - used, "  [%d/%d]",
		    (int)(b - s->blocks) + 1, s->nblocks);
	}
	panel_frame(p, v, title, v->focus == PANEL_BLOCK);
	nctl = block_controls(s, b, ctl, &ctl_warn);
	/* The right third, when there is room for it. */
	if (iw >= 66)
		cw = iw / 3;
	fw = cw > 0 ? iw - cw - 1 : iw;
	half = fw / 2;
	rx = 1 + half;
	if (cw > 0) {
		int cx = 1 + fw + 1, cy = 1, ch;

		for (i = 0; i < nctl && cy <= rows; i++, cy++)
			panel_put(w, cy, cx, cw, i == 0 && ctl_warn ?
			    view_attr(v, ROLE_WARN) | A_BOLD : A_NORMAL, ctl[i],
			    v->utf8);
		ch = rows - cy; /* below the legend */
		if (ch >= 2 && (b->have & BLK_END)) {
			panel_put(w, cy, cx, cw, view_attr(v, ROLE_DIM),
			    block_legend(b, cw, v), v->utf8);
			/* The plan in words under the legend, while the chart
			 * keeps two rows. */
			if (block_has_plan(b) && ch >= 3) {
				char pw[4][64];

				cy++;
				ch--;
				panel_put(w, cy, cx, cw, view_attr(v, ROLE_OURS) |
				    A_BOLD, block_plan_words(pw, b, cw, v->utf8, 1),
				    v->utf8);
			}
			block_chart(w, cy + 1, cx, ch, cw, s, b, v);
		}
	}

	/* State and algorithm. */
	if (y <= rows) {
		/* An expired block says how far it got: "EXPIRED 61%". */
		if (strcmp(b->state, "EXPIRED") == 0 && b->qty > 0)
			snprintf(a, sizeof a, "EXPIRED %.0f%%", text_done_pct(
			    (double)b->filled, (double)b->qty));
		else
			snprintf(a, sizeof a, "%s", b->state[0] ? b->state : "?");
		block_field(w, y, lx, half, v, "State  ",
		    view_attr(v, block_state_role(b->state)) | A_BOLD, a);
		block_field(w, y, rx, fw - half, v, "Algo ", A_BOLD,
		    b->algo[0] ? b->algo : "?");
		y++;
	}
	/* Narrow: the controls follow the state, the forced style first. */
	for (i = 0; cw == 0 && i < nctl && y <= rows; i++, y++)
		panel_put(w, y, lx, fw, i == 0 && ctl_warn ?
		    view_attr(v, ROLE_WARN) | A_BOLD : A_NORMAL, ctl[i], v->utf8);
	/* Filled / total and percent. */
	frac = b->qty > 0 ? (double)b->filled / (double)b->qty : 0;
	if (y <= rows) {
		text_qty(a, sizeof a, b->filled);
		text_qty(c, sizeof c, b->qty);
		snprintf(line, sizeof line, "%s / %s  %.1f%%", a, c, frac * 100);
		block_field(w, y, lx, fw, v, "Filled ", A_BOLD, line);
		y++;
	}
	/* The progress bar: filled, with the schedule's mark; on a short
	 * panel the numbers matter more. */
	if (y <= rows && fw > 12 && rows >= 7) {
		int bw = fw - 2, mark;

		wattrset(w, view_attr(v, ROLE_DIM));
		if (v->utf8) {
			for (int k = 0; k < bw; k++)
				mvwaddstr(w, y, 2 + k, "\u2591");
		} else {
			mvwaddch(w, y, 1, '[');
			mvwhline(w, y, 2, '.', bw);
			mvwaddch(w, y, fw, ']');
		}
		wattrset(w, A_NORMAL);
		panel_bar(w, y, 2, bw, frac, view_attr(v, ROLE_GOOD), v->utf8);
		if ((b->have & BLK_SCHED) && b->qty > 0 && b->sched_qty > 0) {
			mark = (int)((double)b->sched_qty / (double)b->qty * bw);
			if (mark >= bw)
				mark = bw - 1;
			wattrset(w, view_attr(v, ROLE_WARN) | A_BOLD);
			mvwaddch(w, y, 2 + mark, '|');
			wattrset(w, A_NORMAL);
		}
		y++;
	}
	/* Schedule. */
	if (y <= rows) {
		if (b->have & BLK_SCHED) {
			const char *pace = b->pct_sched >= 105 ? "ahead" :
			    b->pct_sched <= 95 ? "behind" : "on pace";

			text_qty(a, sizeof a, b->sched_qty);
			snprintf(line, sizeof line, "%.1f%% %s (due %s)",
			    b->pct_sched, pace, a);
		} else
			snprintf(line, sizeof line, "-");
		block_field(w, y, lx, fw, v, "Sched  ",
		    b->pct_sched <= 95 && (b->have & BLK_SCHED) ?
		    view_attr(v, ROLE_WARN) : A_NORMAL, line);
		y++;
	}
	/* Narrow: the plan in words joins the list, under the schedule it
	 * replaces. */
	if (cw == 0 && y <= rows && block_has_plan(b)) {
		char pw[4][64];

		block_field(w, y, lx, fw, v, "Plan   ", view_attr(v, ROLE_OURS) |
		    A_BOLD, block_plan_words(pw, b, fw - 7, v->utf8, 0));
		y++;
	}
	/* Prices. */
	if (y <= rows) {
		if (b->have & BLK_AVG && b->filled > 0)
			text_px(a, sizeof a, b->avg_px, s->tick, s->px_decimals + 2);
		else
			snprintf(a, sizeof a, "-");
		if (b->have & BLK_ARRIVAL)
			text_px(c, sizeof c, b->arrival_px, s->tick,
			    s->px_decimals + 2);
		else
			snprintf(c, sizeof c, "-");
		block_field(w, y, lx, half, v, "Avg    ", A_NORMAL, a);
		block_field(w, y, rx, fw - half, v, "Arr  ", A_NORMAL, c);
		y++;
	}
	/* Shortfall. */
	if (y <= rows) {
		if (b->have & BLK_IS)
			snprintf(a, sizeof a, "%+.1f bps", b->is_bps);
		else
			snprintf(a, sizeof a, "-");
		block_field(w, y, lx, half, v, "IS     ",
		    (b->have & BLK_IS) && b->is_bps > 0 ? view_attr(v, ROLE_WARN) :
		    A_NORMAL, a);
		if (b->have & BLK_CASH) {
			/* Dollars; positive is a cost. */
			block_usd(c, sizeof c, b->is_cash);
			block_field(w, y, rx, fw - half, v, "Cost ", A_NORMAL, c);
		}
		y++;
	}
	/* Where the shortfall comes from.  Cost is what the filled shares
	 * cost against arrival: spread, impact and timing add up to it, and
	 * the line says so with '+'.  Opportunity (what is left, at the mid
	 * now) is outside Cost and is shown apart, after a ';'.  The parts
	 * are rounded to whole dollars, so a rounding remainder that would
	 * stop the shown numbers adding up is shown as its own part. */
	if (y <= rows && (b->have & BLK_PARTS)) {
		static const char *const names[3][5] = {
			{ "spread", "impact", "timing", "other", "opp" },
			{ "spr", "imp", "tim", "oth", "opp" },
			{ "s", "i", "t", "o", "opp" },
		};
		double part[5] = { b->is_spread, b->is_temp, b->is_timing, 0,
			b->is_opp };
		int form, nparts = 3;

		if (b->have & BLK_CASH) {
			part[3] = (double)llround(b->is_cash) -
			    (double)(llround(part[0]) + llround(part[1]) +
			    llround(part[2]));
			if (part[3] != 0)
				nparts = 4;
		}
		/* Words and "not in Cost" while they fit, then words, then
		 * short labels, then no '$', then thousands, then letters
		 * (the chart's third is beside this line, and a remainder
		 * part makes it longer: "opp 33~" was seen cut). */
		for (form = 0; form < 6; form++) {
			size_t used = 0;

			line[0] = '\0';
			for (i = 0; i < 5; i++) {
				char u[40];

				if (i == 3 && nparts < 4)
					continue;
				block_money(u, sizeof u, part[i], form < 3 ? 0 :
				    form == 3 ? 1 : 2);
				used += (size_t)snprintf(line + used,
				    sizeof line - used, "%s%s %s", i == 0 ? "" :
				    i == 4 ? (form > 0 ? "; " : "; not in Cost: ") :
				    form > 2 ? "+" : " + ", names[form > 4 ? 2 :
				    form > 1][i], u);
			}
			if ((int)used <= fw - 4)
				break;
		}
		block_field(w, y, lx, fw, v, "  = ", A_NORMAL, line);
		y++;
	}
	/* Time left and participation. */
	if (y <= rows) {
		if (strcmp(b->state, "DONE") == 0 ||
		    strcmp(b->state, "CANCELLED") == 0 ||
		    strcmp(b->state, "EXPIRED") == 0)
			snprintf(a, sizeof a, "-");
		else if (b->have & BLK_END)
			text_duration(a, sizeof a, b->end - s->t);
		else
			snprintf(a, sizeof a, "?");
		/* Then what: the rest is crossed or left at the end. */
		if (strcmp(a, "-") != 0 && b->at_end[0] != '\0') {
			/* "1h58m34s then cross" runs into Cap on a half of 23
			 * columns; "1h58m34s, cross" says the same in less. */
			snprintf(line, sizeof line, "%s then %s", a, b->at_end);
			if ((int)(strlen("Left   ") + strlen(line)) > half - 1)
				snprintf(line, sizeof line, "%s, %s", a,
				    b->at_end);
		} else
			snprintf(line, sizeof line, "%s", a);
		block_field(w, y, lx, half, v, "Left   ", A_BOLD, line);
		if (b->have & BLK_MAXPOV)
			snprintf(c, sizeof c, "%.0f%%", b->max_pov);
		else
			snprintf(c, sizeof c, "-");
		if (b->have & BLK_POV)
			snprintf(d, sizeof d, " pov %.1f%%", b->pov);
		else
			d[0] = '\0';
		snprintf(line, sizeof line, "%s%s", c, d);
		block_field(w, y, rx, fw - half, v, "Cap  ", A_NORMAL, line);
		y++;
	}
	/* Working and remaining. */
	if (y <= rows) {
		text_qty(a, sizeof a, b->working);
		text_qty(c, sizeof c, b->remaining);
		block_field(w, y, lx, half, v, "Work   ", A_NORMAL, a);
		block_field(w, y, rx, fw - half, v, "Rem  ", A_NORMAL, c);
		y++;
	}
}

const struct panel_ops panel_block_ops = {
	.name = "block",
	.watch = DIRTY_BLOCK | DIRTY_STATUS,
	.draw = block_draw,
	.key = NULL,
};
