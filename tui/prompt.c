/*
 * tui/prompt.c -- the two-step dialogue in front of every action that
 * changes something.
 *
 * An action walks through stages on the message line: its value when it
 * has one (throttle: a percentage), then a reason (free text, required,
 * journaled by the engine), then a confirmation that shows exactly the JSON
 * that will be sent.  Only `y` sends; any other key abandons the action and
 * says so, and Escape cancels at any stage.  Nothing here touches a socket:
 * prompt_key() answers TUI_SEND and the console hands prompt_take()'s
 * request to the transport.
 *
 * Input is kept as UTF-8.  Only printable characters are accepted, so the
 * reason cannot carry control characters to the engine or to another
 * console's screen.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tui/tui.h"

void
prompt_begin(struct prompt *p, const char *action, const char *block,
             int want_value)
{
	prompt_cancel(p);
	snprintf(p->action, sizeof p->action, "%s", action);
	snprintf(p->block, sizeof p->block, "%s", block ? block : "");
	p->stage = want_value ? PROMPT_VALUE : PROMPT_REASON;
}

void
prompt_cancel(struct prompt *p)
{
	if (p->req != NULL)
		cJSON_Delete(p->req);
	memset(p, 0, sizeof *p);
	p->stage = PROMPT_IDLE;
}

cJSON *
prompt_build(const char *action, const char *block, double pct,
             const char *reason)
{
	cJSON *req = cJSON_CreateObject();

	if (req == NULL)
		abort();
	cJSON_AddStringToObject(req, "cmd", action);
	if (block != NULL && block[0] != '\0')
		cJSON_AddStringToObject(req, "block", block);
	if (strcmp(action, CMD_THROTTLE) == 0)
		cJSON_AddNumberToObject(req, "pct", pct);
	cJSON_AddStringToObject(req, "reason", reason);
	return req;
}

/* Remove the last UTF-8 character of buf. */
static void
prompt_backspace(char *buf, size_t *len)
{
	while (*len > 0) {
		(*len)--;
		if (((unsigned char)buf[*len] & 0xc0) != 0x80)
			break;
	}
	buf[*len] = '\0';
}

/* Append a printable character; 0, or -1 when it is not accepted. */
static int
prompt_append(struct prompt *p, int key, size_t max)
{
	char mb[8];
	size_t k;
	int i;

	if (key & TUI_FN || key < 0x20 || key == 0x7f ||
	    (key >= 0x80 && key < 0xa0))
		return -1;
	if (key < 0x80) {
		mb[0] = (char)key;
		k = 1;
	} else {
		/* Encode the code point as UTF-8 by hand: the locale may not
		 * be UTF-8, and the wire always is. */
		if (key < 0x800) {
			mb[0] = (char)(0xc0 | (key >> 6));
			k = 2;
		} else if (key < 0x10000) {
			if (key >= 0xd800 && key <= 0xdfff)
				return -1;
			mb[0] = (char)(0xe0 | (key >> 12));
			k = 3;
		} else if (key <= 0x10ffff) {
			mb[0] = (char)(0xf0 | (key >> 18));
			k = 4;
		} else
			return -1;
		for (i = 1; i < (int)k; i++)
			mb[i] = (char)(0x80 | ((key >> (6 * ((int)k - 1 - i))) & 0x3f));
	}
	if (p->len + k >= max)
		return -1;
	memcpy(p->buf + p->len, mb, k);
	p->len += k;
	p->buf[p->len] = '\0';
	return 0;
}

static int
prompt_is_enter(int key)
{
	return key == '\n' || key == '\r' || key == TK(KEY_ENTER);
}

static int
prompt_is_backspace(int key)
{
	return key == 0x7f || key == 8 || key == TK(KEY_BACKSPACE);
}

/* Accept the value stage: a percentage in (0, 100]. */
static void
prompt_value_done(struct prompt *p)
{
	char *end;
	double v = strtod(p->buf, &end);

	if (p->len == 0 || *end != '\0' || !isfinite(v) || v <= 0 || v > 100) {
		snprintf(p->note, sizeof p->note, "'%.12s' is not a percentage in "
		    "(0, 100]", p->buf);
		return;
	}
	p->pct = v;
	p->note[0] = '\0';
	p->buf[0] = '\0';
	p->len = 0;
	p->stage = PROMPT_REASON;
}

static void
prompt_reason_done(struct prompt *p)
{
	char *json;
	size_t i;

	for (i = 0; i < p->len && p->buf[i] == ' '; i++)
		;
	if (i == p->len) {
		snprintf(p->note, sizeof p->note, "a reason is required (the "
		    "engine journals it)");
		return;
	}
	snprintf(p->reason, sizeof p->reason, "%s", p->buf);
	p->req = prompt_build(p->action, p->block, p->pct, p->reason);
	json = cJSON_PrintUnformatted(p->req);
	if (json == NULL)
		abort();
	snprintf(p->preview, sizeof p->preview, "%s", json);
	cJSON_free(json);
	p->note[0] = '\0';
	p->stage = PROMPT_CONFIRM;
}

unsigned
prompt_key(struct prompt *p, int key, char *msg, size_t msglen)
{
	char action[16];

	msg[0] = '\0';
	if (p->stage == PROMPT_IDLE)
		return 0;
	snprintf(action, sizeof action, "%s", p->action);
	if (key == TUI_ESC) {
		snprintf(msg, msglen, "%s cancelled: nothing sent", action);
		prompt_cancel(p);
		return TUI_HANDLED | TUI_REDRAW;
	}
	if (p->stage == PROMPT_CONFIRM) {
		if (key == 'y' || key == 'Y')
			return TUI_HANDLED | TUI_REDRAW | TUI_SEND;
		snprintf(msg, msglen, "%s abandoned: nothing sent (only y "
		    "sends)", action);
		prompt_cancel(p);
		return TUI_HANDLED | TUI_REDRAW;
	}
	if (prompt_is_enter(key)) {
		if (p->stage == PROMPT_VALUE)
			prompt_value_done(p);
		else
			prompt_reason_done(p);
	} else if (prompt_is_backspace(key)) {
		prompt_backspace(p->buf, &p->len);
	} else if (key == 0x15) { /* Ctrl-U */
		p->len = 0;
		p->buf[0] = '\0';
	} else if (p->stage == PROMPT_VALUE) {
		if ((key >= '0' && key <= '9') || key == '.')
			prompt_append(p, key, 8);
		else
			snprintf(p->note, sizeof p->note, "digits only");
	} else {
		if (prompt_append(p, key, TRANCHE_MAX_TEXT) != 0 &&
		    p->len + 4 >= TRANCHE_MAX_TEXT)
			snprintf(p->note, sizeof p->note, "%d bytes at most",
			    TRANCHE_MAX_TEXT - 1);
	}
	return TUI_HANDLED | TUI_REDRAW;
}

cJSON *
prompt_take(struct prompt *p)
{
	cJSON *req = p->req;

	p->req = NULL;
	prompt_cancel(p);
	return req;
}

void
prompt_draw(const struct prompt *p, WINDOW *w, const struct tui_view *v)
{
	char label[160], tail[TRANCHE_MAX_TEXT + 8];
	int cols = getmaxx(w), x = 0, room;
	const char *shown;
	attr_t pa = view_attr(v, ROLE_PROMPT) | A_BOLD;

	werase(w);
	switch (p->stage) {
	case PROMPT_VALUE:
		if (v->store->limit_max_pov > 0)
			snprintf(label, sizeof label, " %s%s%s: participation cap "
			    "%% (engine limit %g): ", p->action, p->block[0] ?
			    " " : "", p->block, v->store->limit_max_pov);
		else
			snprintf(label, sizeof label, " %s%s%s: participation cap "
			    "%% (0-100]: ", p->action, p->block[0] ? " " : "",
			    p->block);
		break;
	case PROMPT_REASON:
		if (strcmp(p->action, CMD_THROTTLE) == 0)
			snprintf(label, sizeof label, " %s%s%s to %g%%: reason: ",
			    p->action, p->block[0] ? " " : "", p->block, p->pct);
		else
			snprintf(label, sizeof label, " %s%s%s: reason: ",
			    p->action, p->block[0] ? " " : "", p->block);
		break;
	case PROMPT_CONFIRM:
		x += panel_put(w, 0, x, cols, pa, " send ", v->utf8);
		x += panel_put(w, 0, x, cols - x - 26 > 10 ? cols - x - 26 :
		    cols - x, A_BOLD, p->preview, v->utf8);
		panel_put(w, 0, x, cols - x, pa, "  y sends, other key abandons ",
		    v->utf8);
		return;
	default:
		return;
	}
	x += panel_put(w, 0, x, cols, pa, label, v->utf8);
	x += panel_put(w, 0, x, cols - x, A_NORMAL, " ", v->utf8);
	/* Show the end of a long input, where the typing happens. */
	room = cols - x - 2;
	shown = p->buf;
	while (text_width(shown, v->utf8) > room && *shown != '\0') {
		shown++;
		while ((*shown & 0xc0) == 0x80)
			shown++;
	}
	snprintf(tail, sizeof tail, "%s", shown);
	x += panel_put(w, 0, x, cols - x, A_BOLD, tail, v->utf8);
	x += panel_put(w, 0, x, cols - x, A_REVERSE, " ", v->utf8);
	if (p->note[0] != '\0' && cols - x > 12)
		panel_printf(w, 0, x + 2, cols - x - 2, view_attr(v, ROLE_WARN),
		    v->utf8, "(%s)", p->note);
	else if (cols - x > 30)
		panel_put(w, 0, cols - 27, 27, view_attr(v, ROLE_DIM),
		    "Enter: next  Esc: cancel ", v->utf8);
}
