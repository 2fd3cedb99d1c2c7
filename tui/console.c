/*
 * tui/console.c -- the console's life cycle and what keys mean.
 *
 * tui_run() builds a console around a transport (live or replay), opens the
 * screen, and lets libuv run until something asks to quit.  Quitting closes
 * every handle (the screen's and the transport's), lets the loop run until
 * their close callbacks have fired and any request in flight has come back,
 * and then checks that endwin() and uv_loop_close() both return 0: a
 * console that leaks a handle fails its tests.
 *
 * Keys are routed in a fixed order: the help overlay takes any key (to
 * close itself); an open prompt takes every key; then the transport's own
 * keys (replay: space, +, -); then the console's keys; then the panel with
 * the keyboard focus.  Each handler answers with TUI_* bits.  Actions that
 * change something (pause, resume, throttle) never send directly: they open
 * a prompt (prompt.c), and only its confirmed request reaches the transport.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ipc/client.h"
#include "tui/tui.h"

int64_t
tui_now_ms(void)
{
	return (int64_t)(uv_hrtime() / 1000000);
}

void
tui_message(struct tui *t, int level, const char *fmt, ...)
{
	char raw[sizeof t->msg];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(raw, sizeof raw, fmt, ap);
	va_end(ap);
	store_text(t->msg, sizeof t->msg, raw);
	t->msg_level = level;
	t->msg_dirty = 1;
}

void
tui_quit(struct tui *t, int code)
{
	if (t->quitting)
		return;
	t->quitting = 1;
	t->exit_code = code;
	screen_close_handles(t);
	t->tp->close(t);
}

void
tui_reply(struct tui *t, const char *what, int rv, const cJSON *reply)
{
	const cJSON *err;
	const char *state, *code = "?", *text = "no message";
	double pov;

	if (rv != 0) {
		tui_message(t, MSG_ERR, "%s: no answer from the engine (%s); "
		    "check the block's state before trying again", what,
		    ipc_client_strerror(rv));
		return;
	}
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(reply, "ok"))) {
		if (ipc_get_str(reply, "state", &state) == 0)
			tui_message(t, MSG_OK, "%s: ok, state %s", what, state);
		else if (ipc_get_num(reply, "max_pov", &pov) == 0)
			tui_message(t, MSG_OK, "%s: ok, participation cap %g%%",
			    what, pov);
		else
			tui_message(t, MSG_OK, "%s: ok", what);
		return;
	}
	err = cJSON_GetObjectItemCaseSensitive(reply, "error");
	if (cJSON_IsObject(err)) {
		ipc_get_str(err, "code", &code);
		ipc_get_str(err, "message", &text);
	}
	tui_message(t, MSG_ERR, "%s refused: %s (%s)", what, text, code);
}

/* The block id to name in a command: none when there is only one block
 * (the command then applies to the engine's work as a whole). */
static const char *
tui_command_block(const struct tui *t, const struct store_block *b)
{
	return t->store.nblocks > 1 ? b->id : "";
}

static void
tui_action_pause(struct tui *t)
{
	const struct store_block *b = view_block(&t->view);

	if (t->view.replay) {
		tui_message(t, MSG_ERR, "read-only in replay: nothing is sent");
		return;
	}
	if (b == NULL) {
		tui_message(t, MSG_ERR, "no block yet: nothing to pause");
		return;
	}
	if (strcmp(b->state, "DONE") == 0 || strcmp(b->state, "CANCELLED") == 0) {
		tui_message(t, MSG_ERR, "block %s is %s: nothing to pause", b->id,
		    b->state);
		return;
	}
	prompt_begin(&t->prompt, strcmp(b->state, "PAUSED") == 0 ? CMD_RESUME :
	    CMD_PAUSE, tui_command_block(t, b), 0);
	t->msg_dirty = 1;
}

static void
tui_action_throttle(struct tui *t)
{
	const struct store_block *b = view_block(&t->view);

	if (t->view.replay) {
		tui_message(t, MSG_ERR, "read-only in replay: nothing is sent");
		return;
	}
	if (b == NULL) {
		tui_message(t, MSG_ERR, "no block yet: nothing to throttle");
		return;
	}
	prompt_begin(&t->prompt, CMD_THROTTLE, tui_command_block(t, b), 1);
	t->msg_dirty = 1;
}

static void
tui_focus_next(struct tui *t)
{
	t->view.focus = t->view.focus == PANEL_DECISIONS ? PANEL_ALERTS :
	    PANEL_DECISIONS;
	t->panels[PANEL_DECISIONS].dirty = 1;
	t->panels[PANEL_ALERTS].dirty = 1;
}

static void
tui_send(struct tui *t)
{
	char what[16];
	cJSON *req;

	snprintf(what, sizeof what, "%s", t->prompt.action);
	req = prompt_take(&t->prompt);
	if (req == NULL)
		return;
	if (t->tp->send(t, req, what) != 0)
		tui_message(t, MSG_ERR, "%s: cannot send in this mode", what);
	else
		tui_message(t, MSG_INFO, "%s: sent, waiting for the engine...",
		    what);
}

unsigned
tui_key(struct tui *t, int key)
{
	char msg[160];
	unsigned bits;
	struct panel *p;

	if (t->help_visible) {
		t->help_visible = 0;
		t->full_redraw = 1;
		return TUI_HANDLED | TUI_REDRAW;
	}
	if (t->prompt.stage != PROMPT_IDLE) {
		bits = prompt_key(&t->prompt, key, msg, sizeof msg);
		t->msg_dirty = 1;
		if (bits & TUI_SEND)
			tui_send(t);
		else if (msg[0] != '\0')
			tui_message(t, MSG_INFO, "%s", msg);
		return bits;
	}
	if (t->tp->key != NULL && (bits = t->tp->key(t, key)) != 0)
		return bits;
	switch (key) {
	case 'q':
	case 'Q':
		tui_quit(t, 0);
		return TUI_HANDLED | TUI_QUIT;
	case '?':
	case 'h':
	case TK(KEY_F(1)):
		t->help_visible = 1;
		t->help_dirty = 1;
		return TUI_HANDLED | TUI_REDRAW;
	case 'p':
		tui_action_pause(t);
		return TUI_HANDLED | TUI_REDRAW;
	case 't':
		tui_action_throttle(t);
		return TUI_HANDLED | TUI_REDRAW;
	case 'b':
		if (t->store.nblocks > 1) {
			t->view.sel_block = (t->view.sel_block + 1) %
			    t->store.nblocks;
			t->panels[PANEL_BLOCK].dirty = 1;
		}
		return TUI_HANDLED | TUI_REDRAW;
	case '\t':
		tui_focus_next(t);
		return TUI_HANDLED | TUI_REDRAW;
	case 0x0c: /* Ctrl-L */
		t->full_redraw = 1;
		clearok(curscr, TRUE);
		return TUI_HANDLED | TUI_REDRAW;
	case TUI_ESC:
		return TUI_HANDLED;
	}
	p = &t->panels[t->view.focus];
	if (p->ops != NULL && p->ops->key != NULL &&
	    (bits = p->ops->key(p, &t->view, key)) != 0)
		return bits;
	if (!(key & TUI_FN) && key >= 0x20 && key < 0x7f) {
		tui_message(t, MSG_INFO, "'%c' does nothing here: ? for help",
		    key);
		return TUI_HANDLED | TUI_REDRAW;
	}
	return 0;
}

int
tui_run(const struct tui_options *opt)
{
	struct tui *t;
	int rc, code;

	if ((t = calloc(1, sizeof *t)) == NULL)
		abort();
	t->opt = *opt;
	store_init(&t->store);
	t->view.store = &t->store;
	t->view.focus = PANEL_DECISIONS;
	t->view.replay = opt->journal != NULL;
	t->store.replay = t->view.replay;
	t->tp = t->view.replay ? &transport_replay_ops : &transport_live_ops;
	prompt_cancel(&t->prompt);

	if (t->tp->open(t) != 0) {
		t->tp->free(t);
		store_free(&t->store);
		free(t);
		return 1;
	}
	if ((rc = uv_loop_init(&t->loop)) != 0) {
		fprintf(stderr, "tranche: uv_loop_init: %s\n", uv_strerror(rc));
		t->tp->free(t);
		store_free(&t->store);
		free(t);
		return 1;
	}
	if (screen_open(t) != 0) {
		t->tp->free(t);
		uv_loop_close(&t->loop);
		store_free(&t->store);
		free(t);
		return 1;
	}
	if (t->tp->start(t) != 0) {
		tui_message(t, MSG_ERR, "the %s transport did not start",
		    t->tp->name);
		t->exit_code = 1;
	}
	screen_start(t);
	uv_run(&t->loop, UV_RUN_DEFAULT);

	code = t->exit_code;
	t->tp->free(t);
	if (screen_end(t) != 0) {
		fprintf(stderr, "tranche: endwin() failed\n");
		code = 1;
	}
	if ((rc = uv_loop_close(&t->loop)) != 0) {
		fprintf(stderr, "tranche: uv_loop_close: %s (a handle was left "
		    "open)\n", uv_strerror(rc));
		code = 1;
	}
	if (t->msg_level == MSG_ERR && t->msg[0] != '\0' && code != 0)
		fprintf(stderr, "tranche: %s\n", t->msg);
	store_free(&t->store);
	free(t);
	return code;
}
