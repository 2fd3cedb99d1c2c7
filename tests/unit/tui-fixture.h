/*
 * tests/unit/tui-fixture.h -- what the console's tests share: pushing an
 * event into the store as it would arrive off the wire, a curses terminal
 * whose output goes to /dev/null, drawing one panel into a pad, and reading
 * its rows back.  Included by test-tui-*.c after cmocka.h;
 * everything here is static inline so a test that uses part of it builds
 * without warnings.
 */
#ifndef TRANCHE_TESTS_TUI_FIXTURE_H
#define TRANCHE_TESTS_TUI_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/tui.h"

/* Push one event as it would arrive off the wire. */
static inline void
push_at(struct store *s, const char *topic, uint64_t seq, int64_t t,
     const char *payload, int64_t now_ms)
{
	cJSON *p = cJSON_Parse(payload);
	struct ipc_event ev;
	char err[256];
	size_t len;
	char *buf;

	assert_non_null(p);
	buf = ipc_event_format(topic, seq, t, p, &len);
	assert_non_null(buf);
	assert_int_equal(ipc_event_parse(buf, len, &ev, err, sizeof err), 0);
	store_push(s, &ev, now_ms);
	ipc_event_free(&ev);
	free(buf);
	cJSON_Delete(p);
}

static SCREEN *render_scr;
static FILE *render_out, *render_in;

static inline int
render_setup(void **state)
{
	(void)state;
	render_out = fopen("/dev/null", "w");
	render_in = fopen("/dev/null", "r");
	if (render_out == NULL || render_in == NULL)
		return -1;
	render_scr = newterm("xterm", render_out, render_in);
	if (render_scr == NULL)
		return -1;
	set_term(render_scr);
	return 0;
}

static inline int
render_teardown(void **state)
{
	(void)state;
	endwin();
	delscreen(render_scr);
	fclose(render_out);
	fclose(render_in);
	return 0;
}

/* Draw one panel into a pad of h x w. */
static inline struct panel
render(const struct panel_ops *ops, const struct tui_view *v, int h, int w)
{
	struct panel p;

	memset(&p, 0, sizeof p);
	p.ops = ops;
	p.h = h;
	p.w = w;
	p.win = newpad(h, w);
	assert_non_null(p.win);
	ops->draw(&p, v);
	return p;
}

/* The text of row y. */
static inline const char *
row(struct panel *p, int y)
{
	static char buf[512];
	int n = mvwinnstr(p->win, y, 0, buf, p->w < 511 ? p->w : 511);

	if (n < 0)
		buf[0] = '\0';
	return buf;
}

/* The first row containing `needle` (and `also`, if not NULL), or -1. */
static inline int
find_row2(struct panel *p, const char *needle, const char *also)
{
	int y;

	for (y = 0; y < p->h; y++)
		if (strstr(row(p, y), needle) != NULL &&
		    (also == NULL || strstr(row(p, y), also) != NULL))
			return y;
	return -1;
}

static inline int
find_row(struct panel *p, const char *needle)
{
	return find_row2(p, needle, NULL);
}

static inline void
view_init(struct tui_view *v, const struct store *s)
{
	memset(v, 0, sizeof *v);
	v->store = s;
	v->focus = PANEL_DECISIONS;
	v->now_ms = 1500;
}

#endif
