/*
 * tests/fuzz/fuzz-render.c -- fuzz target for the console's renderer: what
 * the engine (or anything on the events socket) says goes through the same
 * decoding, store and panels as in the console, and nothing may crash,
 * overrun or leak, whatever the text and numbers.
 *
 * The input is lines.  A line "TOPIC JSON" becomes the wire event
 * "TOPIC\0JSON" and is decoded with ipc_event_parse(); "snapshot JSON",
 * "hello JSON" and "status JSON" are replies and go to the store's reply
 * functions; any other line is decoded as it stands (raw bytes).  After
 * every line the store's clock ticks; at the end every panel (book, block,
 * decisions, alerts, title, status, help, tape, chart, blotter, audit) is
 * drawn into off-screen pads of a few sizes, in ASCII and in UTF-8, live
 * and replay, with the lists scrolled and a search set, on a curses
 * terminal whose output goes to /dev/null.  Whatever was drawn is read back
 * from the pads: no format character (a bidi override such as U+202E, a
 * zero-width character; text_is_format()) may be on them.
 *
 * gcc builds run it with tests/fuzz/fuzz-render-driver.c (ctest
 * fuzz/render-smoke, over tests/fuzz/corpus-render/); for libFuzzer,
 * build this file with clang -fsanitize=fuzzer,address,undefined against
 * the tui/ and ipc/ sources (as scripts/fuzz does for fuzz-command.c) and
 * give it that corpus.
 */
#include <locale.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "tui/tui.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static SCREEN *fz_scr;

static void
fz_init(void)
{
	FILE *out, *in;

	if (fz_scr != NULL)
		return;
	if (setlocale(LC_ALL, "C.UTF-8") == NULL)
		setlocale(LC_ALL, "");
	out = fopen("/dev/null", "w");
	in = fopen("/dev/null", "r");
	if (out == NULL || in == NULL ||
	    (fz_scr = newterm("xterm", out, in)) == NULL) {
		fprintf(stderr, "fuzz-render: no curses terminal (TERM xterm)\n");
		abort();
	}
	set_term(fz_scr);
}

static void
fz_line(struct store *s, const char *line, size_t len, int64_t now)
{
	static const char *const replies[] = { "snapshot ", "hello ",
		"status " };
	struct ipc_event ev;
	char err[256], *buf;
	const char *sp;
	size_t i, tl;

	for (i = 0; i < 3; i++) {
		size_t rl = strlen(replies[i]);
		cJSON *o;

		if (len < rl || memcmp(line, replies[i], rl) != 0)
			continue;
		if ((o = cJSON_ParseWithLength(line + rl, len - rl)) == NULL)
			return;
		if (i == 0)
			store_apply_snapshot(s, o, now);
		else if (i == 1)
			store_apply_hello(s, o);
		else
			store_apply_status(s, o);
		cJSON_Delete(o);
		return;
	}
	/* "TOPIC JSON": the wire's NUL in place of the first space. */
	if ((buf = malloc(len + 1)) == NULL)
		abort();
	memcpy(buf, line, len);
	buf[len] = '\0';
	sp = memchr(buf, ' ', len);
	tl = sp != NULL ? (size_t)(sp - buf) : 0;
	if (sp != NULL && tl > 0 && tl < 32)
		buf[tl] = '\0';
	/* Every other line the way the live console takes a drain: found
	 * undecoded, conflated, trades read without cJSON when they can be. */
	if (((now / 250) & 1) != 0) {
		struct ipc_raw r;
		unsigned char keep;
		size_t off = 0;

		if (ipc_batch_next(buf, len, &off, &r, err, sizeof err) == 1)
			store_push_drain(s, &r, 1, &keep, now);
	} else if (ipc_event_parse(buf, len, &ev, err, sizeof err) == 0) {
		store_push(s, &ev, now);
		ipc_event_free(&ev);
	}
	free(buf);
	if (store_resync_wanted(s) && (now & 7) == 0) {
		/* Sometimes the snapshot never comes. */
		store_resync_begin(s);
		store_resync_failed(s, now);
	}
}

/* Nothing on the pad is a format character. */
static void
fz_check_pad(WINDOW *win, int h, int w)
{
	wchar_t row[512];
	int y, x, n = w < 511 ? w : 511;

	for (y = 0; y < h; y++) {
		if (mvwinnwstr(win, y, 0, row, n) == ERR)
			continue;
		for (x = 0; row[x] != L'\0'; x++)
			if (text_is_format((uint32_t)row[x]))
				abort();
	}
}

static void
fz_draw(struct store *s, int h, int w, int utf8, int ascii, int replay,
        int scroll)
{
	static const struct panel_ops *const ops[] = {
		&panel_book_ops, &panel_block_ops, &panel_decisions_ops,
		&panel_alerts_ops, &panel_title_ops, &panel_status_ops,
		&panel_help_ops, &panel_tape_ops, &panel_chart_ops,
		&panel_blotter_ops, &panel_audit_ops,
	};
	static const int keys[] = { 'j', 'j', TK(KEY_NPAGE), 'k', 'G',
		TK(KEY_END), TK(KEY_DOWN), TK(KEY_UP) };
	struct tui_view v;
	size_t i;

	memset(&v, 0, sizeof v);
	v.store = s;
	v.utf8 = utf8;
	v.ascii = ascii;
	v.replay = replay;
	v.readonly = replay;
	v.now_ms = 5000;
	v.focus = PANEL_DECISIONS;
	v.sel_block = s->nblocks > 0 ? s->nblocks - 1 : 0;
	v.replay_frac = replay ? 0.5 : -1;
	v.layout = "trader";
	v.url = "ipc:///tmp/fuzz";
	snprintf(v.transport, sizeof v.transport, "> PLAYING  4x  %s",
	    s->engine);
	snprintf(v.source, sizeof v.source, "%s", s->sym);
	if (scroll)
		snprintf(v.search, sizeof v.search, "%.8s", s->engine);
	for (i = 0; i < sizeof ops / sizeof ops[0]; i++) {
		struct panel p;
		size_t k;

		memset(&p, 0, sizeof p);
		p.ops = ops[i];
		p.h = h;
		p.w = w;
		if ((p.win = newpad(h, w)) == NULL)
			abort();
		ops[i]->draw(&p, &v);
		fz_check_pad(p.win, h, w);
		if (scroll && ops[i]->key != NULL) {
			for (k = 0; k < sizeof keys / sizeof keys[0]; k++) {
				ops[i]->key(&p, &v, keys[k]);
				if (v.sel_block < 0 || (s->nblocks > 0 &&
				    v.sel_block >= s->nblocks))
					abort(); /* the blotter lost its block */
			}
			werase(p.win);
			ops[i]->draw(&p, &v);
			fz_check_pad(p.win, h, w);
		}
		delwin(p.win);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct store s;
	const char *p = (const char *)data, *end = p + size, *nl;
	int64_t now = 1000;

	if (size > 1 << 18)
		return 0;
	fz_init();
	store_init(&s);
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		fz_line(&s, p, (size_t)(nl - p), now);
		now += 250;
		store_tick(&s, now);
		p = nl + 1;
	}
	store_take_dirty(&s);
	fz_draw(&s, 40, 120, 1, 0, 0, 0);
	fz_draw(&s, 40, 120, 0, 1, 1, 1);
	fz_draw(&s, 24, 80, 1, 0, 1, 1);
	fz_draw(&s, 7, 22, 1, 0, 0, 1);
	fz_draw(&s, 3, 5, 0, 0, 0, 0);
	store_free(&s);
	return 0;
}
