/*
 * tui/panel-block.c -- the block's progress: how much of the parent order is
 * done, against what the schedule wanted by now, at what price against the
 * arrival price, and how long is left.
 *
 * The panel shows the selected block (`b` cycles when the engine works more
 * than one).  It reads top to bottom in the order a trader asks questions:
 * what state is it in, how much is filled, is it keeping up with its
 * schedule, what is it costing (average price, arrival, shortfall in basis
 * points), how long is left and at what participation.  Lines that do not
 * fit the height are left out from the bottom.
 */
#include <math.h>
#include <string.h>

#include "tui/tui.h"

static int
block_state_role(const char *state)
{
	if (strcmp(state, "WORKING") == 0)
		return ROLE_GOOD;
	if (strcmp(state, "PAUSED") == 0 || strcmp(state, "NEW") == 0)
		return ROLE_WARN;
	if (strcmp(state, "HALTED") == 0 || strcmp(state, "CANCELLED") == 0)
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

static void
block_draw(struct panel *p, const struct tui_view *v)
{
	const struct store *s = v->store;
	const struct store_block *b = view_block(v);
	WINDOW *w = p->win;
	char title[256], a[64], c[64], d[64], line[192];
	int iw = p->w - 2, rows = p->h - 2, y = 1, half, lx = 1, rx;
	double frac;

	if (b == NULL) {
		panel_frame(p, v, "BLOCK", 0);
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
	if (s->nblocks > 1) {
		size_t used = strlen(title);

		snprintf(title + used, sizeof title - used, "  [%d/%d]",
		    (int)(b - s->blocks) + 1, s->nblocks);
	}
	panel_frame(p, v, title, 0);
	half = iw / 2;
	rx = 1 + half;

	/* State and algorithm. */
	if (y <= rows) {
		block_field(w, y, lx, half, v, "State  ",
		    view_attr(v, block_state_role(b->state)) | A_BOLD,
		    b->state[0] ? b->state : "?");
		block_field(w, y, rx, iw - half, v, "Algo ", A_BOLD,
		    b->algo[0] ? b->algo : "?");
		y++;
	}
	/* Filled / total and percent. */
	frac = b->qty > 0 ? (double)b->filled / (double)b->qty : 0;
	if (y <= rows) {
		text_qty(a, sizeof a, b->filled);
		text_qty(c, sizeof c, b->qty);
		snprintf(line, sizeof line, "%s / %s  %.1f%%", a, c, frac * 100);
		block_field(w, y, lx, iw, v, "Filled ", A_BOLD, line);
		y++;
	}
	/* The progress bar: filled, with the schedule's mark; on a short
	 * panel the numbers matter more. */
	if (y <= rows && iw > 12 && rows >= 7) {
		int bw = iw - 2, mark;

		wattrset(w, view_attr(v, ROLE_DIM));
		if (v->utf8) {
			for (int i = 0; i < bw; i++)
				mvwaddstr(w, y, 2 + i, "\u2591");
		} else {
			mvwaddch(w, y, 1, '[');
			mvwhline(w, y, 2, '.', bw);
			mvwaddch(w, y, iw, ']');
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
		block_field(w, y, lx, iw, v, "Sched  ",
		    b->pct_sched <= 95 && (b->have & BLK_SCHED) ?
		    view_attr(v, ROLE_WARN) : A_NORMAL, line);
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
		block_field(w, y, rx, iw - half, v, "Arr  ", A_NORMAL, c);
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
			char cash[32];

			text_qty(cash, sizeof cash, (int64_t)llround(fabs(b->is_cash)));
			snprintf(c, sizeof c, "%s$%s", b->is_cash < 0 ? "-" : "",
			    cash);
			block_field(w, y, rx, iw - half, v, "Cost ", A_NORMAL, c);
		}
		y++;
	}
	/* Time left and participation. */
	if (y <= rows) {
		if (strcmp(b->state, "DONE") == 0 ||
		    strcmp(b->state, "CANCELLED") == 0)
			snprintf(a, sizeof a, "-");
		else if (b->have & BLK_END)
			text_duration(a, sizeof a, b->end - s->t);
		else
			snprintf(a, sizeof a, "?");
		block_field(w, y, lx, half, v, "Left   ", A_BOLD, a);
		if (b->have & BLK_MAXPOV)
			snprintf(c, sizeof c, "%.0f%%", b->max_pov);
		else
			snprintf(c, sizeof c, "-");
		if (b->have & BLK_POV)
			snprintf(d, sizeof d, " pov %.1f%%", b->pov);
		else
			d[0] = '\0';
		snprintf(line, sizeof line, "%s%s", c, d);
		block_field(w, y, rx, iw - half, v, "Cap  ", A_NORMAL, line);
		y++;
	}
	/* Working and remaining. */
	if (y <= rows) {
		text_qty(a, sizeof a, b->working);
		text_qty(c, sizeof c, b->remaining);
		block_field(w, y, lx, half, v, "Work   ", A_NORMAL, a);
		block_field(w, y, rx, iw - half, v, "Rem  ", A_NORMAL, c);
		y++;
	}
}

const struct panel_ops panel_block_ops = {
	.name = "block",
	.watch = DIRTY_BLOCK | DIRTY_STATUS,
	.draw = block_draw,
	.key = NULL,
};
