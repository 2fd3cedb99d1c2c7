/*
 * tui/panel-chart.c -- the price chart: the mid over the last samples, the
 * selected block's arrival price as a dashed level, and our fills marked
 * B (bought) or S (sold) where they happened.
 *
 * In a UTF-8 terminal the mid is drawn in braille (each cell holds 2 x 4
 * dots, so a 40-column chart shows 80 samples at four times the vertical
 * resolution); with --ascii or in any other locale it is drawn with '*',
 * one sample a column.  The marks are letters and the level is dashes, so
 * colour adds to them but nothing depends on it.  The vertical scale
 * covers the samples shown, the arrival price and the fills, and its top
 * and bottom prices are printed in the legend line.
 */
#include <stdlib.h>
#include <string.h>

#include "tui/tui.h"

/* Braille dot bits for (column 0..1, row 0..3) within a cell. */
static const unsigned char chart_dots[2][4] = {
	{ 0x01, 0x02, 0x04, 0x40 },
	{ 0x08, 0x10, 0x20, 0x80 },
};

static void
chart_draw(struct panel *p, const struct tui_view *v)
{
	const struct store *s = v->store;
	const struct store_block *b = view_block(v);
	WINDOW *w = p->win;
	int iw = p->w - 2, rows = p->h - 3, braille = v->utf8 && !v->ascii;
	int per = braille ? 2 : 1, vrows, npts, i, x, y;
	char hi[32], lo[32], mid[32], arr[32], legend[200];
	double top = 0, bot = 0, px;
	unsigned char *cells;
	int64_t t0 = 0, t1 = 0;
	size_t k;
	/* Several symbols: the chart is the selected block's symbol's, its
	 * samples and fills picked out of the store's rings. */
	const char *sym = s->nbooks > 1 ? store_book_of(s, b ? b->sym :
	    NULL)->sym : NULL;
	const struct store_point *pts[STORE_POINTS];
	const struct store_print *fills[STORE_FILLS];
	size_t nall = 0, nfills = 0;
	char title[64];

	snprintf(title, sizeof title, "CHART %s%smid / arrival / fills",
	    sym ? sym : "", sym ? " " : "");
	panel_frame(p, v, title, v->focus == PANEL_CHART);
	if (iw < 16 || rows < 2)
		return;
	if (sym != NULL && b != NULL && strcmp(b->sym, sym) != 0)
		b = NULL;
	for (k = 0; k < s->points.count && nall < STORE_POINTS; k++) {
		const struct store_point *pt = store_ring_get(&s->points, k);

		if (sym == NULL || strcmp(pt->sym, sym) == 0)
			pts[nall++] = pt;
	}
	for (k = 0; k < s->fills.count && nfills < STORE_FILLS; k++) {
		const struct store_print *f = store_ring_get(&s->fills, k);

		if (sym == NULL || strcmp(f->sym, sym) == 0)
			fills[nfills++] = f;
	}
	npts = (int)nall < iw * per ? (int)nall : iw * per;
	if (npts < 2) {
		panel_put(w, 2, 2, iw - 2, view_attr(v, ROLE_DIM),
		    "waiting for prices...", v->utf8);
		return;
	}
	vrows = rows * (braille ? 4 : 1);
	/* Scale: the samples shown, the arrival, and the fills in view. */
	for (i = 0; i < npts; i++) {
		const struct store_point *pt = pts[i];

		px = (double)pt->mid2 / 2;
		if (i == 0 || px > top)
			top = px;
		if (i == 0 || px < bot)
			bot = px;
		if (i == 0)
			t1 = pt->t;
		t0 = pt->t;
	}
	if (b != NULL && b->have & BLK_ARRIVAL && b->arrival_px > 0) {
		if (b->arrival_px > top)
			top = b->arrival_px;
		if (b->arrival_px < bot)
			bot = b->arrival_px;
	}
	for (k = 0; k < nfills; k++) {
		const struct store_print *f = fills[k];

		if (f->t < t0)
			break;
		if ((double)f->px > top)
			top = (double)f->px;
		if ((double)f->px < bot)
			bot = (double)f->px;
	}
	if (top - bot < 1)
		top += 0.5, bot -= 0.5;
	if ((cells = calloc((size_t)(rows * iw), 1)) == NULL)
		abort();
#define CHART_VY(p_) ((int)((top - (p_)) / (top - bot) * (vrows - 1) + 0.5))
	/* The arrival level: dashes, drawn first so the mid goes over it. */
	if (b != NULL && b->have & BLK_ARRIVAL && b->arrival_px > 0) {
		y = CHART_VY(b->arrival_px) / (braille ? 4 : 1);
		for (x = 0; x < iw; x += 2)
			panel_put(w, 2 + y, 1 + x, 1, view_attr(v, ROLE_WARN), "-",
			    v->utf8);
	}
	/* Oldest sample at the left. */
	for (i = 0; i < npts; i++) {
		const struct store_point *pt = pts[npts - 1 - i];
		int vx = i + (iw * per - npts), vy;

		vy = CHART_VY((double)pt->mid2 / 2);
		if (braille)
			cells[(vy / 4) * iw + vx / 2] |= chart_dots[vx % 2][vy % 4];
		else
			cells[vy * iw + vx] = 1;
	}
	for (y = 0; y < rows; y++)
		for (x = 0; x < iw; x++) {
			unsigned char c = cells[y * iw + x];
			char u[4];

			if (c == 0)
				continue;
			if (braille) {
				unsigned cp = 0x2800u + c;

				u[0] = (char)(0xe0 | (cp >> 12));
				u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
				u[2] = (char)(0x80 | (cp & 0x3f));
				u[3] = '\0';
			} else
				u[0] = '*', u[1] = '\0';
			panel_put(w, 2 + y, 1 + x, 1, view_attr(v, ROLE_HEADER), u,
			    v->utf8);
		}
	/* Our fills: B or S at their time and price. */
	for (k = 0; k < nfills; k++) {
		const struct store_print *f = fills[k];

		if (f->t < t0)
			break;
		x = t1 > t0 ? (int)((double)(f->t - t0) / (double)(t1 - t0) *
		    (iw - 1)) : iw - 1;
		if (x < 0 || x >= iw)
			continue;
		y = CHART_VY((double)f->px) / (braille ? 4 : 1);
		panel_put(w, 2 + y, 1 + x, 1, view_attr(v, ROLE_OURS) | A_BOLD,
		    f->buy ? "B" : "S", v->utf8);
	}
#undef CHART_VY
	free(cells);
	{
		const struct store_point *last = pts[0];

		text_px(mid, sizeof mid, (double)last->mid2 / 2, s->tick,
		    s->px_decimals);
	}
	text_px(hi, sizeof hi, top, s->tick, s->px_decimals);
	text_px(lo, sizeof lo, bot, s->tick, s->px_decimals);
	if (b != NULL && b->have & BLK_ARRIVAL)
		text_px(arr, sizeof arr, b->arrival_px, s->tick, s->px_decimals);
	else
		snprintf(arr, sizeof arr, "-");
	snprintf(legend, sizeof legend, "mid %s  arrival %s (- -)  fills B/S  "
	    "high %s  low %s", mid, arr, hi, lo);
	panel_put(w, 1, 1, iw, view_attr(v, ROLE_DIM), legend, v->utf8);
}

const struct panel_ops panel_chart_ops = {
	.name = "chart",
	.watch = DIRTY_CHART | DIRTY_BLOCK,
	.draw = chart_draw,
	.key = NULL,
};
