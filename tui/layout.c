/*
 * tui/layout.c -- where the panels go, computed from the screen size.
 *
 *   +-------------------------------------------------------------+
 *   | title bar                                                   |
 *   +--------------------------+----------------------------------+
 *   | book ladder              | block progress                   |
 *   |                          +----------------------------------+
 *   |                          | decisions                        |
 *   |                          +----------------------------------+
 *   |                          | alerts                           |
 *   +--------------------------+----------------------------------+
 *   | message / prompt line                                       |
 *   | status bar                                                  |
 *   +-------------------------------------------------------------+
 *
 * The ladder takes about two fifths of the width (enough for its numbers
 * and a size bar), the block panel its ten natural rows when the height
 * allows, and the rest is split between decisions (three fifths) and
 * alerts.  A later issue reads layouts from JSON files in layouts/; this
 * function is then the default those files are checked against.
 */
#include "tui/tui.h"

int
layout_compute(int rows, int cols, struct tui_rect out[PANEL_COUNT + 1])
{
	int body = rows - 3, left, right, blk, rest, dec;

	if (rows < TUI_MIN_ROWS || cols < TUI_MIN_COLS)
		return -1;
	left = cols * 2 / 5;
	if (left < 40)
		left = 40;
	if (left > 58)
		left = 58;
	if (cols - left < 40)
		left = cols - 40 > 34 ? cols - 40 : 34;
	right = cols - left;
	/* Decisions need four rows to show one (frame, header, a row) and
	 * alerts three; the block panel gives up rows before they do. */
	blk = body - 7 < 10 ? body - 7 : 10;
	rest = body - blk;
	dec = rest * 3 / 5;
	if (dec < 4)
		dec = 4;

	out[PANEL_TITLE] = (struct tui_rect){ 0, 0, 1, cols };
	out[PANEL_BOOK] = (struct tui_rect){ 1, 0, body, left };
	out[PANEL_BLOCK] = (struct tui_rect){ 1, left, blk, right };
	out[PANEL_DECISIONS] = (struct tui_rect){ 1 + blk, left, dec, right };
	out[PANEL_ALERTS] = (struct tui_rect){ 1 + blk + dec, left, rest - dec,
		right };
	out[PANEL_STATUS] = (struct tui_rect){ rows - 1, 0, 1, cols };
	out[PANEL_COUNT] = (struct tui_rect){ rows - 2, 0, 1, cols };
	return 0;
}
