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
 * The values an action asks for are read from one line of words, so the
 * same parser serves the key (t, then "8") and the command line
 * (":throttle 8%"): throttle takes a percentage, "child N", an
 * aggression word and the end-of-window setting (cross or leave, a
 * supervisor's); a percentage for one block is previewed by the engine
 * (estimate with "pct": where the block gets to by its end, and what then
 * happens to the rest) on a line above the prompt before `y`; an
 * algorithm switch is checked against the list the engine sent in hello;
 * cancel_child names the child the child-orders panel has selected; a
 * style override a style word and seconds; a manual
 * child order "PRICE QTY [ioc]", and its confirmation is a form that
 * shows the risk checks (the +-5% collar around the mid, the block's max
 * child, what is left of the block) and an expected cost, labelled as an
 * estimate: half the spread plus a square-root impact term against the
 * shares visible on the side the order would take.  Once the quantity is
 * known the form also wants the engine's own estimate (its impact model
 * beside the square-root law): the console asks for it and fills the
 * reserved line when the answer comes, or says it is unavailable and why;
 * nothing waits for it.  The engine makes the real checks and its answer
 * is shown; the form is there so the trader sees the numbers before
 * deciding.
 *
 * Input is kept as UTF-8.  Only printable characters are accepted, so the
 * reason cannot carry control characters to the engine or to another
 * console's screen.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tui/tui.h"

/* The confirm line: " send " (its width), the request, and the room kept
 * for "  y sends, other key abandons " after it. */
#define PROMPT_SEND_W 6
#define PROMPT_CONFIRM_TAIL 26

/* The actions a prompt knows: what the value stage asks, and whether it
 * sends (search, goto and the command line give their line back instead). */
struct prompt_kind {
	const char *action;
	const char *ask;  /* the value stage's question; NULL: none */
	int sends;
};

static const struct prompt_kind prompt_kinds[] = {
	{ CMD_PAUSE, NULL, 1 },
	{ CMD_RESUME, NULL, 1 },
	{ CMD_THROTTLE, "participation cap %", 1 },
	{ "style", "style passive|neutral|aggressive, then seconds (300)", 1 },
	{ "algo", "switch the algorithm to (twap, vwap, pov ...)", 1 },
	{ "cancel_child", NULL, 1 },
	{ "child", "manual child order: PRICE QTY [ioc]", 1 },
	{ "limit", "limit price (0 clears)", 1 },
	{ "cancel_children", NULL, 1 },
	{ CMD_CANCEL, NULL, 1 },
	{ CMD_KILL, "KILL SWITCH: halts every block. Type KILL", 1 },
	{ CMD_RELEASE, NULL, 1 },
	{ CMD_JOURNAL_RESUME, NULL, 1 },
	{ CMD_SPEED, "speed 1|10|60|max|N", 1 },
	{ CMD_ACK, NULL, 1 },
	{ CMD_RFQ, "request for quotes: QTY [all|D1,D3] [SECONDS]", 1 },
	{ CMD_RFQ_ACCEPT, NULL, 1 },
	{ CMD_RFQ_REJECT, NULL, 1 },
	{ "search", "search decisions", 0 },
	{ "goto", "go to time HH:MM:SS", 0 },
	{ "command", "", 0 },
};

static const struct prompt_kind *
prompt_kind(const char *action)
{
	size_t i;

	for (i = 0; i < sizeof prompt_kinds / sizeof prompt_kinds[0]; i++)
		if (strcmp(prompt_kinds[i].action, action) == 0)
			return &prompt_kinds[i];
	return NULL;
}

int
prompt_wants_value(const char *action)
{
	const struct prompt_kind *k = prompt_kind(action);

	return k != NULL && k->ask != NULL;
}

int
prompt_sends(const struct prompt *p)
{
	const struct prompt_kind *k = prompt_kind(p->action);

	return p->stage != PROMPT_IDLE && k != NULL && k->sends;
}

static int
prompt_is_override(const char *action)
{
	return strcmp(action, "style") == 0 || strcmp(action, "algo") == 0 ||
	    strcmp(action, "child") == 0 || strcmp(action, "limit") == 0 ||
	    strcmp(action, "cancel_children") == 0 ||
	    strcmp(action, "cancel_child") == 0;
}

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
	char hist[PROMPT_HISTORY][96];
	int nh = p->nhistory;

	memcpy(hist, p->history, sizeof hist);
	if (p->req != NULL)
		cJSON_Delete(p->req);
	memset(p, 0, sizeof *p);
	memcpy(p->history, hist, sizeof hist);
	p->nhistory = nh;
	p->hpos = nh;
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

/* The whole request for the prompt's action and values. */
static cJSON *
prompt_request(const struct prompt *p)
{
	cJSON *req = cJSON_CreateObject();
	const char *a = p->action;

	if (req == NULL)
		abort();
	cJSON_AddStringToObject(req, "cmd", prompt_is_override(a) ?
	    CMD_OVERRIDE : a);
	if (p->block[0] != '\0')
		cJSON_AddStringToObject(req, "block", p->block);
	if (strcmp(a, CMD_THROTTLE) == 0) {
		if (p->pct > 0)
			cJSON_AddNumberToObject(req, "pct", p->pct);
		if (p->max_child > 0)
			cJSON_AddNumberToObject(req, "max_child",
			    (double)p->max_child);
		if (p->aggression[0] != '\0')
			cJSON_AddStringToObject(req, "aggression", p->aggression);
		if (p->at_end[0] != '\0')
			cJSON_AddStringToObject(req, "at_end", p->at_end);
	} else if (prompt_is_override(a)) {
		cJSON_AddStringToObject(req, "action", a);
		if (strcmp(a, "style") == 0) {
			cJSON_AddStringToObject(req, "style", p->style);
			cJSON_AddNumberToObject(req, "for_s", (double)p->for_s);
		} else if (strcmp(a, "algo") == 0) {
			cJSON_AddStringToObject(req, "algo", p->algo);
		} else if (strcmp(a, "cancel_child") == 0) {
			cJSON_AddStringToObject(req, "child", p->ctx.child);
		} else if (strcmp(a, "limit") == 0) {
			cJSON_AddNumberToObject(req, "px", (double)p->px);
		} else if (strcmp(a, "child") == 0) {
			cJSON_AddNumberToObject(req, "px", (double)p->px);
			cJSON_AddNumberToObject(req, "qty", (double)p->qty);
			cJSON_AddStringToObject(req, "tif", p->tif);
		}
	} else if (strcmp(a, CMD_RFQ) == 0) {
		cJSON_AddNumberToObject(req, "qty", (double)p->qty);
		if (p->dealers[0] != '\0' && strcmp(p->dealers, "all") != 0)
			cJSON_AddStringToObject(req, "dealers", p->dealers);
		if (p->deadline_s > 0)
			cJSON_AddNumberToObject(req, "deadline_s",
			    (double)p->deadline_s);
	} else if (strcmp(a, CMD_RFQ_ACCEPT) == 0 ||
	    strcmp(a, CMD_RFQ_REJECT) == 0) {
		cJSON_AddStringToObject(req, "rfq", p->ctx.rfq);
		if (strcmp(a, CMD_RFQ_ACCEPT) == 0)
			cJSON_AddStringToObject(req, "dealer", p->ctx.dealer);
	} else if (strcmp(a, CMD_SPEED) == 0) {
		cJSON_AddStringToObject(req, "speed", p->speed);
	} else if (strcmp(a, CMD_ACK) == 0) {
		if (p->ctx.ack_all)
			cJSON_AddBoolToObject(req, "all", 1);
		else
			cJSON_AddNumberToObject(req, "alert",
			    (double)p->ctx.alert_seq);
	}
	if (p->reason[0] != '\0' || strcmp(a, CMD_ACK) != 0)
		cJSON_AddStringToObject(req, "reason", p->reason);
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

	/* Nor a format character (a zero-width space, a bidi override):
	 * the screen draws nothing for it, so the confirmation would not
	 * show what y sends. */
	if (key & TUI_FN || key < 0x20 || key == 0x7f ||
	    (key >= 0x80 && key < 0xa0) || (key >= 0x80 &&
	    text_is_format((uint32_t)key)))
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

static const char *
prompt_style_word(const char *w)
{
	static const char *const styles[] = { "passive", "neutral",
		"aggressive" };
	size_t i, n = strlen(w);

	if (n == 0)
		return NULL;
	for (i = 0; i < 3; i++)
		if (strncasecmp(w, styles[i], n) == 0)
			return styles[i];
	return NULL;
}

/* A whole positive number of shares (commas allowed); -1 when not. */
static int64_t
prompt_shares(const char *w)
{
	char digits[32];
	size_t n = 0;
	char *end;
	long long v;

	for (; *w != '\0' && n + 1 < sizeof digits; w++)
		if (*w != ',')
			digits[n++] = *w;
	digits[n] = '\0';
	v = strtoll(digits, &end, 10);
	if (n == 0 || *end != '\0' || v <= 0 || v > 9007199254740992LL)
		return -1;
	return v;
}

/* The manual order's form: risk checks and the expected cost. */
static void
prompt_child_form(struct prompt *p)
{
	const struct prompt_ctx *c = &p->ctx;
	char a[32], b[32], q[32];
	double mid, lo, hi, half_bps = 0, impact_bps = 0, cost;
	int crosses, n = 0;

	text_px(a, sizeof a, (double)p->px, c->tick, c->decimals);
	text_qty(q, sizeof q, p->qty);
	snprintf(p->detail[n++], sizeof p->detail[0], "manual child order: %s "
	    "%s @ %s %s, block %s", c->buy ? "BUY" : "SELL", q, a, p->tif,
	    p->block[0] ? p->block : "(the only one)");
	if (c->bid > 0 && c->ask > 0) {
		mid = (double)(c->bid + c->ask) / 2;
		lo = mid * 0.95;
		hi = mid * 1.05;
		text_px(a, sizeof a, lo, c->tick, c->decimals);
		text_px(b, sizeof b, hi, c->tick, c->decimals);
		snprintf(p->detail[n++], sizeof p->detail[0], "  [%s] price "
		    "collar +-5%% of mid: %s .. %s", (double)p->px >= lo &&
		    (double)p->px <= hi ? " ok " : "FAIL", a, b);
	} else
		snprintf(p->detail[n++], sizeof p->detail[0], "  [ ?? ] price "
		    "collar: no quote to check against");
	if (c->max_child > 0) {
		text_qty(a, sizeof a, c->max_child);
		snprintf(p->detail[n++], sizeof p->detail[0], "  [%s] max child "
		    "order %s", p->qty <= c->max_child ? " ok " : "FAIL", a);
	} else
		snprintf(p->detail[n++], sizeof p->detail[0], "  [ -- ] max "
		    "child: no cap set on this block");
	text_qty(a, sizeof a, c->remaining);
	snprintf(p->detail[n++], sizeof p->detail[0], "  [%s] within what "
	    "is left of the block: %s", p->qty <= c->remaining ? " ok " : "FAIL",
	    a);
	if (c->bid > 0 && c->ask > 0) {
		mid = (double)(c->bid + c->ask) / 2;
		crosses = c->buy ? p->px >= c->ask : p->px <= c->bid;
		half_bps = (double)(c->ask - c->bid) / 2 / mid * 1e4;
		if (crosses && c->depth > 0)
			impact_bps = 10.0 * sqrt((double)p->qty / (double)c->depth);
		cost = crosses ? half_bps + impact_bps : 0;
		snprintf(p->detail[n++], sizeof p->detail[0], "  rough guide "
		    "(the console's, from the book shown): %.1f bps = half-spread "
		    "%.1f + impact %.1f (10 x sqrt(qty / depth))%s", cost,
		    crosses ? half_bps : 0, impact_bps, crosses ? "" :
		    "; passive: rests, may not fill");
		snprintf(p->detail[n++], sizeof p->detail[0], "  about $%.2f on "
		    "this order; the engine's impact model below is the one to "
		    "trust", cost / 1e4 * mid * c->tick * (double)p->qty);
	}
	/* The engine's impact model, asked for by the console; the line is
	 * kept so the form does not change size when the answer comes. */
	p->est_line = n;
	p->est = PROMPT_EST_WANTED;
	snprintf(p->detail[n++], sizeof p->detail[0], "  impact model: asking "
	    "the engine...");
	p->ndetail = n;
}

cJSON *
prompt_estimate_request(struct prompt *p, const char *sym)
{
	cJSON *req;

	if (p->est != PROMPT_EST_WANTED)
		return NULL;
	if ((req = cJSON_CreateObject()) == NULL)
		abort();
	cJSON_AddStringToObject(req, "cmd", CMD_ESTIMATE);
	if (strcmp(p->action, CMD_THROTTLE) == 0) {
		/* The throttle's preview: the engine's, so the console and
		 * `tranche ctl` show the same numbers. */
		cJSON_AddStringToObject(req, "block", p->block[0] ? p->block :
		    p->ctx.block_id);
		cJSON_AddNumberToObject(req, "pct", p->pct);
		p->est = PROMPT_EST_ASKED;
		return req;
	}
	if (p->block[0] != '\0')
		cJSON_AddStringToObject(req, "block", p->block);
	else
		cJSON_AddStringToObject(req, "sym", sym != NULL ? sym : "");
	cJSON_AddStringToObject(req, "side", p->ctx.buy ? "buy" : "sell");
	cJSON_AddNumberToObject(req, "qty", (double)p->qty);
	p->est = PROMPT_EST_ASKED;
	return req;
}

/* The throttle preview's answer, in the words of the issue: "at 12% block
 * 1 reaches about 61% by 12:30; the rest, 39,000: left unfilled".  A cross
 * at the end sweeps only 1% past the touch, so the line says so rather
 * than promise the rest all fills; short, to fit the prompt's box. */
static void
prompt_throttle_reply(struct prompt *p, char *line, const cJSON *t)
{
	double fp, un;
	int64_t end = 0;
	const char *at = "";
	char clock[16], rest[32];
	const char *id = p->block[0] ? p->block : p->ctx.block_id;

	if (ipc_get_num(t, "filled_pct", &fp) != 0 ||
	    ipc_get_num(t, "unfilled", &un) != 0 ||
	    ipc_get_i64(t, "end", &end) != 0) {
		snprintf(line, sizeof p->detail[0], "  preview: unavailable (the "
		    "engine's answer lacks filled_pct, unfilled or end)");
		return;
	}
	ipc_get_str(t, "at_end", &at);
	text_clock(clock, sizeof clock, end);
	text_qty(rest, sizeof rest, (int64_t)llround(un));
	if (un < 0.5)
		snprintf(line, sizeof p->detail[0], "  preview: at %.4g%% block "
		    "%.8s completes by %.8s (the engine's expected volume)",
		    p->pct, id, clock);
	else
		snprintf(line, sizeof p->detail[0], "  preview: at %.4g%% block "
		    "%.8s reaches about %.0f%% by %.8s; the rest, %.14s: %s",
		    p->pct, id, fp < 0 ? 0 : fp > 100 ? 100 : fp, clock,
		    rest, strcmp(at, "leave") == 0 ?
		    "left unfilled (EXPIRED), per the block's setting" :
		    strcmp(at, "cross") == 0 ? "crossed to 1% past the touch" :
		    "per the block's setting");
}

int
prompt_estimate_reply(struct prompt *p, int rv, const char *rvtext,
                      const cJSON *reply)
{
	char *line = p->detail[p->est_line], msg[96];
	const cJSON *err;
	const char *text = "no reason given";
	double qty, ib, iu, sb;

	int thr = strcmp(p->action, CMD_THROTTLE) == 0;
	const cJSON *tp = reply != NULL ?
	    cJSON_GetObjectItemCaseSensitive(reply, "throttle") : NULL;
	double pct;

	if ((p->est != PROMPT_EST_ASKED && p->est != PROMPT_EST_WANTED) ||
	    (strcmp(p->action, "child") != 0 && !thr))
		return 0;
	if (rv == 0 && reply != NULL && !thr &&
	    ipc_get_num(reply, "qty", &qty) == 0 && qty != (double)p->qty)
		return 0; /* an answer for an earlier form */
	if (rv == 0 && thr && cJSON_IsObject(tp) &&
	    ipc_get_num(tp, "pct", &pct) == 0 && pct != p->pct)
		return 0;
	p->est = PROMPT_EST_DONE;
	if (rv != 0 || reply == NULL) {
		if (thr)
			snprintf(line, sizeof p->detail[0], "  preview: "
			    "unavailable (%.100s)", rvtext != NULL ? rvtext :
			    "no answer");
		else
			snprintf(line, sizeof p->detail[0], "  impact model: "
			    "unavailable (%.80s): only the rough guide is left",
			    rvtext != NULL ? rvtext : "no answer");
		return 1;
	}
	if (thr && cJSON_IsObject(tp)) {
		prompt_throttle_reply(p, line, tp);
		return 1;
	}
	if (thr) {
		err = cJSON_GetObjectItemCaseSensitive(reply, "error");
		if (cJSON_IsObject(err))
			ipc_get_str(err, "message", &text);
		store_text(msg, sizeof msg, text);
		snprintf(line, sizeof p->detail[0], "  preview: unavailable (%s)",
		    msg);
		return 1;
	}
	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(reply, "ok")) ||
	    ipc_get_num(reply, "impact_bps", &ib) != 0 ||
	    ipc_get_num(reply, "impact_usd", &iu) != 0 ||
	    ipc_get_num(reply, "sqrt_bps", &sb) != 0) {
		err = cJSON_GetObjectItemCaseSensitive(reply, "error");
		if (cJSON_IsObject(err))
			ipc_get_str(err, "message", &text);
		store_text(msg, sizeof msg, text);
		snprintf(line, sizeof p->detail[0], "  impact model: unavailable "
		    "(%s): only the rough guide is left", msg);
		return 1;
	}
	snprintf(line, sizeof p->detail[0], "  impact model (TRUST THIS): "
	    "%.1f bps ($%.0f); square-root law, a cross-check: %.1f bps%s",
	    ib, iu, sb,
	    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(reply,
	    "extrapolated")) ? " (beyond the model's range)" : "");
	return 1;
}

/*
 * Why the value stage refused its words, in the prompt; rv back.  Every
 * note names the field and the value as typed (prompt_quote); one too long
 * for its buffer ends in "..." rather than stopping short unseen.
 */
static int prompt_note(struct prompt *p, int rv, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
prompt_note(struct prompt *p, int rv, const char *fmt, ...)
{
	va_list ap;
	size_t k;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(p->note, sizeof p->note, fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof p->note) {
		k = sizeof p->note - 4;
		while (k > 0 && ((unsigned char)p->note[k] & 0xc0) == 0x80)
			k--;
		memcpy(p->note + k, "...", 4);
	}
	return rv;
}

int
prompt_input_invalid(struct prompt *p)
{
	if (p->stage != PROMPT_VALUE && p->stage != PROMPT_REASON)
		return 0;
	p->len = 0;
	p->buf[0] = '\0';
	prompt_note(p, 0, "a character that is not UTF-8 was typed or "
	    "pasted, and the terminal library dropped what came after it: "
	    "the text is cleared, type it again");
	return 1;
}

/* The quantity word w (NULL: none given) into p->qty: 0, or -1 with
 * the note said (after: where the quantity goes, for the note). */
static int
prompt_qty_word(struct prompt *p, const char *w, const char *after)
{
	char q[PROMPT_QUOTE];

	if (w == NULL)
		return prompt_note(p, -1, "quantity: give one in whole shares%s",
		    after);
	if ((p->qty = prompt_shares(w)) < 0)
		return prompt_note(p, -1, "quantity %s: must be a whole number "
		    "of shares > 0", prompt_quote(q, sizeof q, w));
	return 0;
}

const char *
prompt_quote(char *dst, size_t n, const char *w)
{
	size_t len = strlen(w), k = len;

	/* Cut on a character's first byte, and say so. */
	if (len > PROMPT_QUOTE_MAX) {
		k = PROMPT_QUOTE_MAX;
		while (k > 0 && ((unsigned char)w[k] & 0xc0) == 0x80)
			k--;
	}
	snprintf(dst, n, "'%.*s%s'", (int)k, w, k < len ? "..." : "");
	return dst;
}

/* Whether w is meant as a number ("5", "-5", ".5", "+5", "5%"): it is
 * then judged as the action's number, not as a word it does not know
 * ("style passive -5" said "'-5' is not a style"). */
static int
prompt_numeric(const char *w)
{
	size_t n = strlen(w);

	if (w[0] >= '0' && w[0] <= '9')
		return 1;
	if (n > 0 && w[n - 1] == '%')
		return 1;
	return (w[0] == '-' || w[0] == '+' || w[0] == '.') &&
	    ((w[1] >= '0' && w[1] <= '9') || w[1] == '.');
}

/*
 * Read the value stage's words into the prompt: 0; -1 with a note when a
 * value does not read; PROMPT_EXTRA with a note naming it when there is a
 * word the action does not take (":algo vwap extra" sent vwap, the rest
 * ignored: found by a probe).  Each value is taken once: a second is
 * refused too, naming both.
 */
static int
prompt_values(struct prompt *p, const char *text)
{
	char words[TRANCHE_MAX_TEXT + 8], *w, *save = NULL;
	char q[PROMPT_QUOTE], q2[PROMPT_QUOTE];
	const char *a = p->action, *st;
	double v;

	snprintf(words, sizeof words, "%s", text);
	if (strcmp(a, CMD_THROTTLE) == 0) {
		int want_child = 0;

		p->pct = 0, p->max_child = 0, p->aggression[0] = '\0';
		p->at_end[0] = '\0';
		for (w = strtok_r(words, " ", &save); w != NULL;
		    w = strtok_r(NULL, " ", &save)) {
			prompt_quote(q, sizeof q, w);
			/* Each value once: "5 10" or "passive aggressive" was
			 * read as its last word, silently (found by a probe). */
			if (want_child) {
				if ((p->max_child = prompt_shares(w)) < 0)
					return prompt_note(p, -1, "child %s: must be "
					    "a whole number of shares > 0", q);
				want_child = 0;
			} else if (strcasecmp(w, "child") == 0 ||
			    strcasecmp(w, "max_child") == 0) {
				if (p->max_child > 0)
					return prompt_note(p, -1, "child given twice: "
					    "give one maximum child");
				want_child = 1;
			} else if (strcasecmp(w, "cross") == 0 ||
			    strcasecmp(w, "leave") == 0) {
				if (p->at_end[0] != '\0')
					return prompt_note(p, -1, "%s after '%s': give "
					    "cross or leave, once", q, p->at_end);
				snprintf(p->at_end, sizeof p->at_end, "%s",
				    strcasecmp(w, "cross") == 0 ? "cross" : "leave");
			} else if (!prompt_numeric(w) &&
			    (st = prompt_style_word(w)) != NULL) {
				if (p->aggression[0] != '\0')
					return prompt_note(p, -1, "%s after '%s': give "
					    "one aggression", q, p->aggression);
				snprintf(p->aggression, sizeof p->aggression, "%s",
				    st);
			} else if (!prompt_numeric(w)) {
				return prompt_note(p, PROMPT_EXTRA, "%s: not a "
				    "throttle value (a percentage, child N, passive|"
				    "neutral|aggressive, cross|leave)", q);
			} else if (p->pct > 0) {
				return prompt_note(p, -1, "%s after %g%%: give one "
				    "percentage", q, p->pct);
			} else {
				size_t n = strlen(w);

				if (n > 0 && w[n - 1] == '%')
					w[n - 1] = '\0';
				if (ipc_number_text(w, &v) != 0 ||
				    v <= 0 || v > 100)
					return prompt_note(p, -1, "percentage %s: must "
					    "be a number in (0, 100]", q);
				p->pct = v;
			}
		}
		if (want_child)
			return prompt_note(p, -1, "child: give a number of shares "
			    "after it");
		if (p->pct <= 0 && p->max_child <= 0 &&
		    p->aggression[0] == '\0' && p->at_end[0] == '\0')
			return prompt_note(p, -1, "throttle: give a percentage, "
			    "child N, passive|neutral|aggressive, or cross|leave");
		p->ndetail = 0;
		p->est = PROMPT_EST_NONE;
		if (p->pct > 0 && (p->block[0] != '\0' ||
		    p->ctx.block_id[0] != '\0')) {
			/* The engine previews it; the line is kept so the
			 * prompt does not move when the answer comes. */
			p->est_line = 0;
			p->est = PROMPT_EST_WANTED;
			snprintf(p->detail[0], sizeof p->detail[0], "  preview: "
			    "asking the engine where block %.8s gets to at "
			    "%.4g%%...", p->block[0] ? p->block : p->ctx.block_id,
			    p->pct);
			p->ndetail = 1;
		}
		return 0;
	}
	if (strcmp(a, "style") == 0) {
		int have_s = 0;

		p->style[0] = '\0';
		p->for_s = 300;
		for (w = strtok_r(words, " ", &save); w != NULL;
		    w = strtok_r(NULL, " ", &save)) {
			prompt_quote(q, sizeof q, w);
			if (have_s && p->style[0] != '\0')
				return prompt_note(p, PROMPT_EXTRA, "%s: a word too "
				    "many (style takes STYLE [SECONDS])", q);
			if (prompt_numeric(w)) {
				/* "-5" is seconds mistyped, not a style. */
				if (have_s)
					return prompt_note(p, -1, "seconds %s after "
					    "%lld: give one time", q,
					    (long long)p->for_s);
				if ((p->for_s = prompt_shares(w)) < 0)
					return prompt_note(p, -1, "seconds %s: must "
					    "be a whole number > 0", q);
				have_s = 1;
			} else if ((st = prompt_style_word(w)) != NULL) {
				if (p->style[0] != '\0')
					return prompt_note(p, -1, "style %s after "
					    "'%s': give one style", q, p->style);
				snprintf(p->style, sizeof p->style, "%s", st);
			} else if (p->style[0] == '\0')
				return prompt_note(p, -1, "style %s: must be "
				    "passive, neutral or aggressive", q);
			else
				return prompt_note(p, PROMPT_EXTRA, "%s: a word too "
				    "many (style takes STYLE [SECONDS])", q);
		}
		if (p->style[0] == '\0')
			return prompt_note(p, -1, "style: give passive, neutral "
			    "or aggressive");
		return 0;
	}
	if (strcmp(a, "algo") == 0) {
		if ((w = strtok_r(words, " ", &save)) == NULL)
			return prompt_note(p, -1, "algo: give an algorithm's "
			    "name");
		prompt_quote(q, sizeof q, w);
		if (strspn(w, "abcdefghijklmnopqrstuvwxyz_-0123456789") !=
		    strlen(w) || strlen(w) >= sizeof p->algo)
			return prompt_note(p, -1, "algo %s: must be a name in "
			    "lower case", q);
		/* The engine's own list, from hello: every algorithm it has,
		 * and none it has not. */
		if (p->ctx.algos[0] != '\0') {
			const char *k = p->ctx.algos;
			size_t n = strlen(w);
			int found = 0;

			while ((k = strstr(k, w)) != NULL && !found) {
				found = (k == p->ctx.algos || k[-1] == ' ') &&
				    (k[n] == ',' || k[n] == '\0');
				k += n;
			}
			if (!found)
				return prompt_note(p, -1, "algo %s: unknown "
				    "(known: %s)", q, p->ctx.algos);
		}
		snprintf(p->algo, sizeof p->algo, "%s", w);
		if ((w = strtok_r(NULL, " ", &save)) != NULL)
			return prompt_note(p, PROMPT_EXTRA, "%s: a word too many "
			    "(algo takes one NAME)", prompt_quote(q, sizeof q, w));
		return 0;
	}
	if (strcmp(a, "child") == 0 || strcmp(a, "limit") == 0) {
		int child = strcmp(a, "child") == 0;

		snprintf(p->tif, sizeof p->tif, "day");
		if ((w = strtok_r(words, " ", &save)) == NULL)
			return prompt_note(p, -1, "price: give one in dollars");
		prompt_quote(q, sizeof q, w);
		if (ipc_number_text(w, &v) != 0 || v < 0 || (v == 0 && child) ||
		    v > 1e9)
			return prompt_note(p, -1, "price %s: must be dollars %s "
			    "1e9", q, child ? "above 0, up to" : "from 0 (clears) "
			    "to");
		p->px = (int64_t)llround(v / (p->ctx.tick > 0 ? p->ctx.tick : 0.01));
		if (!child) {
			if ((w = strtok_r(NULL, " ", &save)) != NULL)
				return prompt_note(p, PROMPT_EXTRA, "%s: a word too "
				    "many (limit takes one PRICE)", prompt_quote(q,
				    sizeof q, w));
			return 0;
		}
		if (prompt_qty_word(p, strtok_r(NULL, " ", &save),
		    " after the price") != 0)
			return -1;
		if ((w = strtok_r(NULL, " ", &save)) != NULL) {
			prompt_quote(q, sizeof q, w);
			if (strcasecmp(w, "ioc") != 0 && strcasecmp(w, "day") != 0)
				return prompt_note(p, -1, "time in force %s: must "
				    "be ioc or day", q);
			snprintf(p->tif, sizeof p->tif, "%s", strcasecmp(w, "ioc") ?
			    "day" : "ioc");
			if ((w = strtok_r(NULL, " ", &save)) != NULL)
				return prompt_note(p, PROMPT_EXTRA, "%s: a word too "
				    "many (child takes PRICE QTY [ioc|day])",
				    prompt_quote(q, sizeof q, w));
		}
		prompt_child_form(p);
		return 0;
	}
	if (strcmp(a, CMD_RFQ) == 0) {
		/* QTY, then the dealers (a word) and the seconds (a number) in
		 * either order, each once. */
		p->dealers[0] = '\0';
		p->deadline_s = 0;
		if (prompt_qty_word(p, strtok_r(words, " ", &save), "") != 0)
			return -1;
		while ((w = strtok_r(NULL, " ", &save)) != NULL) {
			prompt_quote(q, sizeof q, w);
			if (p->deadline_s > 0 && p->dealers[0] != '\0')
				return prompt_note(p, PROMPT_EXTRA, "%s: a word too "
				    "many (rfq takes QTY [DEALERS] [SECONDS])", q);
			if (prompt_numeric(w)) {
				if (p->deadline_s > 0)
					return prompt_note(p, -1, "deadline %s after "
					    "%lld s: give one deadline", q,
					    (long long)p->deadline_s);
				if ((p->deadline_s = prompt_shares(w)) < 1 ||
				    p->deadline_s > 600)
					return prompt_note(p, -1, "deadline %s: must "
					    "be 1 to 600 seconds", q);
			} else if (p->dealers[0] != '\0') {
				return prompt_note(p, -1, "dealers %s after %s: "
				    "give one list, joined by commas (D1,D3)", q,
				    prompt_quote(q2, sizeof q2, p->dealers));
			} else if (strspn(w, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijkl"
			    "mnopqrstuvwxyz0123456789,_-") != strlen(w) ||
			    strlen(w) >= sizeof p->dealers)
				return prompt_note(p, -1, "dealers %s: must be all "
				    "or names joined by commas (D1,D3)", q);
			else
				snprintf(p->dealers, sizeof p->dealers, "%s", w);
		}
		return 0;
	}
	if (strcmp(a, CMD_KILL) == 0) {
		if ((w = strtok_r(words, " ", &save)) == NULL ||
		    strcmp(w, "KILL") != 0)
			return prompt_note(p, -1, "%s%stype KILL in capitals, "
			    "or Esc", w ? prompt_quote(q, sizeof q, w) : "",
			    w ? ": " : "");
		if ((w = strtok_r(NULL, " ", &save)) != NULL)
			return prompt_note(p, PROMPT_EXTRA, "%s: a word too many "
			    "(type KILL alone)", prompt_quote(q, sizeof q, w));
		return 0;
	}
	if (strcmp(a, CMD_SPEED) == 0) {
		if ((w = strtok_r(words, " ", &save)) == NULL)
			return prompt_note(p, -1, "speed: give 1, 10, 60, max or "
			    "a number");
		prompt_quote(q, sizeof q, w);
		if (strlen(w) >= sizeof p->speed || (strcmp(w, "max") != 0 &&
		    (ipc_number_text(w, &v) != 0 || v <= 0)))
			return prompt_note(p, -1, "speed %s: must be 1, 10, 60, "
			    "max or a number > 0", q);
		snprintf(p->speed, sizeof p->speed, "%s", w);
		if ((w = strtok_r(NULL, " ", &save)) != NULL)
			return prompt_note(p, PROMPT_EXTRA, "%s: a word too many "
			    "(speed takes one value)", prompt_quote(q, sizeof q,
			    w));
		return 0;
	}
	return 0;
}

/* Accept the value stage. */
static int
prompt_value_done(struct prompt *p)
{
	const struct prompt_kind *k = prompt_kind(p->action);
	int rv;

	if (k != NULL && !k->sends)
		return 0;
	if ((rv = prompt_values(p, p->buf)) != 0)
		return rv;
	p->note[0] = '\0';
	p->buf[0] = '\0';
	p->len = 0;
	p->stage = PROMPT_REASON;
	return 0;
}

int
prompt_begin_with(struct prompt *p, const char *action, const char *block,
                  const struct prompt_ctx *ctx, const char *values)
{
	char words[TRANCHE_MAX_TEXT + 8], q[PROMPT_QUOTE], *w, *save = NULL;

	prompt_begin(p, action, block, prompt_wants_value(action));
	if (ctx != NULL)
		p->ctx = *ctx;
	if (values == NULL)
		return 0;
	/* An action that takes no values is given none: ":release now"
	 * opened the release and dropped the word. */
	if (p->stage != PROMPT_VALUE) {
		snprintf(words, sizeof words, "%s", values);
		if ((w = strtok_r(words, " ", &save)) == NULL)
			return 0;
		return prompt_note(p, PROMPT_EXTRA, "%s: a word too many (%s "
		    "takes no values)", prompt_quote(q, sizeof q, w), action);
	}
	snprintf(p->buf, sizeof p->buf, "%s", values);
	p->len = strlen(p->buf);
	if (p->len > 0)
		return prompt_value_done(p);
	return 0;
}

static void
prompt_reason_done(struct prompt *p)
{
	char *json;
	size_t i;

	for (i = 0; i < p->len && p->buf[i] == ' '; i++)
		;
	/* An acknowledgement's reason is optional; every other change
	 * needs one. */
	if (i == p->len && strcmp(p->action, CMD_ACK) != 0) {
		snprintf(p->note, sizeof p->note, "a reason is required (the "
		    "engine journals it)");
		return;
	}
	snprintf(p->reason, sizeof p->reason, "%s", i == p->len ? "" : p->buf);
	p->req = prompt_request(p);
	json = cJSON_PrintUnformatted(p->req);
	if (json == NULL)
		abort();
	/* The preview is what y confirms: one cut short would send more
	 * than was shown.  (A reason's 255 bytes, escaped, fit.) */
	if (strlen(json) >= sizeof p->preview) {
		cJSON_free(json);
		cJSON_Delete(p->req);
		p->req = NULL;
		snprintf(p->note, sizeof p->note, "too long to show: shorten "
		    "the reason");
		return;
	}
	snprintf(p->preview, sizeof p->preview, "%s", json);
	cJSON_free(json);
	/* The engine takes prices in ticks; the person typed dollars. */
	p->px_words[0] = '\0';
	if (strcmp(p->action, "limit") == 0 || strcmp(p->action, "child") == 0) {
		char px[32];

		text_px(px, sizeof px, (double)p->px, p->ctx.tick > 0 ?
		    p->ctx.tick : 0.01, p->ctx.tick > 0 ? p->ctx.decimals : 2);
		if (strcmp(p->action, "limit") == 0 && p->px == 0)
			snprintf(p->px_words, sizeof p->px_words, "\"px\":0 "
			    "clears the block's limit price");
		else
			snprintf(p->px_words, sizeof p->px_words, "\"px\":%lld is "
			    "%s a share (the engine counts in ticks)",
			    (long long)p->px, px);
	}
	p->note[0] = '\0';
	p->stage = PROMPT_CONFIRM;
	p->confirm_drawn = 0;
	p->confirm_cut = 0;
}

/* Whether the confirm stage's request fits on the message line beside
 * its labels; where it does not, the screen shows it in the box above
 * (screen.c), wrapped, and y waits until a frame has shown all of it. */
int
prompt_confirm_inline(const struct prompt *p, int cols, int utf8)
{
	return text_width(p->preview, utf8) <= cols - PROMPT_SEND_W -
	    PROMPT_CONFIRM_TAIL;
}

/* The : command words, for completion and for help. */
static const char *const prompt_words[] = {
	"pause", "resume", "throttle", "style", "algo", "child", "limit",
	"cancel", "cancel_children", "kill", "release", "journal_resume",
	"speed", "ack", "rfq",
	"search", "layout", "freeze", "help", "quit",
};

const char *
prompt_complete(const char *line, char *alts, size_t n)
{
	static char out[96];
	size_t i, len = strlen(line), used = 0;
	const char *hit = NULL;
	int nhit = 0;

	alts[0] = '\0';
	if (strchr(line, ' ') != NULL)
		return NULL;
	for (i = 0; i < sizeof prompt_words / sizeof prompt_words[0]; i++) {
		if (strncmp(prompt_words[i], line, len) != 0)
			continue;
		if (strcmp(prompt_words[i], line) == 0) {
			hit = prompt_words[i], nhit = 1;
			break;
		}
		hit = prompt_words[i];
		nhit++;
		if (used < n)
			used += (size_t)snprintf(alts + used, n - used, "%s%s",
			    used ? " " : "", prompt_words[i]);
	}
	if (nhit != 1)
		return NULL;
	snprintf(out, sizeof out, "%s ", hit);
	return out;
}

/* History and completion on the command line; 1 when the key was one. */
static int
prompt_line_key(struct prompt *p, int key)
{
	char alts[120];
	const char *done;

	if (key == TK(KEY_UP) || key == TK(KEY_DOWN)) {
		if (p->nhistory == 0)
			return 1;
		p->hpos += key == TK(KEY_UP) ? -1 : 1;
		if (p->hpos < 0)
			p->hpos = 0;
		if (p->hpos >= p->nhistory) {
			p->hpos = p->nhistory;
			p->buf[0] = '\0';
		} else
			snprintf(p->buf, sizeof p->buf, "%s",
			    p->history[p->hpos]);
		p->len = strlen(p->buf);
		return 1;
	}
	if (key == '\t') {
		if ((done = prompt_complete(p->buf, alts, sizeof alts)) != NULL) {
			snprintf(p->buf, sizeof p->buf, "%s", done);
			p->len = strlen(p->buf);
			p->note[0] = '\0';
		} else
			snprintf(p->note, sizeof p->note, "%s", alts[0] ? alts :
			    "no such command");
		return 1;
	}
	return 0;
}

const char *
prompt_line(struct prompt *p, char *dst, size_t n, char *action, size_t an)
{
	snprintf(dst, n, "%s", p->buf);
	snprintf(action, an, "%s", p->action);
	if (strcmp(p->action, "command") == 0 && p->len > 0) {
		if (p->nhistory == PROMPT_HISTORY) {
			memmove(p->history[0], p->history[1],
			    sizeof p->history[0] * (PROMPT_HISTORY - 1));
			p->nhistory--;
		}
		snprintf(p->history[p->nhistory++], sizeof p->history[0], "%.90s",
		    p->buf);
	}
	prompt_cancel(p);
	return action;
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
		/* Only a y typed once the request was on the screen: keys
		 * are read in batches between frames, and a y typed ahead
		 * with the reason's Enter confirmed a request nobody saw.
		 * Only the small y: Y is the RFQ accept key. */
		if (key == 'y' && !p->confirm_drawn) {
			snprintf(p->note, sizeof p->note, p->confirm_cut ?
			    "not sent: too long to show here; enlarge the "
			    "screen or Esc" : "not sent: it was not on the "
			    "screen yet; read it, then y");
			return TUI_HANDLED | TUI_REDRAW;
		}
		if (key == 'y')
			return TUI_HANDLED | TUI_REDRAW | TUI_SEND;
		snprintf(msg, msglen, "%s abandoned: nothing sent (only y "
		    "sends)", action);
		prompt_cancel(p);
		return TUI_HANDLED | TUI_REDRAW;
	}
	if (p->stage == PROMPT_VALUE && prompt_kind(p->action) != NULL &&
	    !prompt_kind(p->action)->sends) {
		if (prompt_is_enter(key))
			return TUI_HANDLED | TUI_REDRAW | TUI_INPUT;
		if (strcmp(p->action, "command") == 0 &&
		    prompt_line_key(p, key))
			return TUI_HANDLED | TUI_REDRAW;
	}
	if (prompt_is_enter(key)) {
		if (p->stage == PROMPT_VALUE)
			(void)prompt_value_done(p);
		else
			prompt_reason_done(p);
	} else if (prompt_is_backspace(key)) {
		prompt_backspace(p->buf, &p->len);
	} else if (key == 0x15) { /* Ctrl-U */
		p->len = 0;
		p->buf[0] = '\0';
	} else if (p->stage == PROMPT_VALUE) {
		if (prompt_append(p, key, 80) != 0)
			snprintf(p->note, sizeof p->note, "80 bytes at most");
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

const char *
prompt_cap_words(const struct prompt *p, const struct store *s, char *buf,
                 size_t n)
{
	const struct store_block *b = store_block_find(s, p->block[0] ?
	    p->block : p->ctx.block_id);
	char clock[16];

	buf[0] = '\0';
	if (b == NULL || !(b->have & BLK_MAXPOV))
		return buf;
	text_clock(clock, sizeof clock, b->t);
	snprintf(buf, n, "now %g%% as of %s", b->max_pov, clock);
	/* Another console's throttle while this one is open: the figure the
	 * person started from is not the block's any more. */
	if (p->ctx.have_cap && p->ctx.max_pov != b->max_pov)
		snprintf(buf + strlen(buf), n - strlen(buf), "; %g%% when "
		    "opened", p->ctx.max_pov);
	return buf;
}

void
prompt_draw(const struct prompt *p, WINDOW *w, const struct tui_view *v)
{
	char label[200], tail[TRANCHE_MAX_TEXT + 8], cap[96];
	int cols = getmaxx(w), x = 0, room;
	const char *shown;
	attr_t pa = view_attr(v, ROLE_PROMPT) | A_BOLD;

	werase(w);
	switch (p->stage) {
	case PROMPT_VALUE:
		if (strcmp(p->action, "command") == 0)
			snprintf(label, sizeof label, ":");
		else if (strcmp(p->action, "search") == 0)
			snprintf(label, sizeof label, "/");
		else if (strcmp(p->action, CMD_THROTTLE) == 0 &&
		    prompt_cap_words(p, v->store, cap, sizeof cap)[0] != '\0')
			/* The block's cap as the console has it at this frame,
			 * not the engine's status read at attach: another
			 * console's throttle shows at once. */
			snprintf(label, sizeof label, " %s%s%s: participation cap "
			    "%% (%s): ", p->action, p->block[0] ? " " : "",
			    p->block, cap);
		else if (strcmp(p->action, CMD_THROTTLE) == 0)
			snprintf(label, sizeof label, " %s%s%s: participation cap "
			    "%% (0-100]: ", p->action, p->block[0] ? " " : "",
			    p->block);
		else
			snprintf(label, sizeof label, " %s%s%s: %s: ", p->action,
			    p->block[0] ? " " : "", p->block,
			    prompt_kind(p->action) ? prompt_kind(p->action)->ask :
			    "value");
		break;
	case PROMPT_REASON:
		if (strcmp(p->action, CMD_THROTTLE) == 0 &&
		    prompt_cap_words(p, v->store, cap, sizeof cap)[0] != '\0') {
			char to[32] = "";

			if (p->pct > 0)
				snprintf(to, sizeof to, " to %g%%", p->pct);
			snprintf(label, sizeof label, " %s%s%s%s (cap %s): reason: ",
			    p->action, p->block[0] ? " " : "", p->block, to, cap);
		} else if (strcmp(p->action, CMD_THROTTLE) == 0 && p->pct > 0)
			snprintf(label, sizeof label, " %s%s%s to %g%%: reason: ",
			    p->action, p->block[0] ? " " : "", p->block, p->pct);
		else if (strcmp(p->action, CMD_ACK) == 0 && p->ctx.ack_all)
			snprintf(label, sizeof label, " ack all alerts: reason "
			    "(optional): ");
		else if (strcmp(p->action, CMD_ACK) == 0)
		{
			/* The alert in words, cut to leave room to type. */
			int fit = cols - 56;
			size_t n = text_prefix(p->ctx.alert_text,
			    fit > 8 ? fit : 8, v->utf8);

			snprintf(label, sizeof label, " ack alert %llu (%.*s%s): "
			    "reason (optional): ",
			    (unsigned long long)p->ctx.alert_seq, (int)n,
			    p->ctx.alert_text,
			    p->ctx.alert_text[n] != '\0' ? "..." : "");
		}
		else if (strcmp(p->action, "cancel_child") == 0)
			snprintf(label, sizeof label, " cancel_child %s of block "
			    "%s: reason: ", p->ctx.child, p->block);
		else if (strcmp(p->action, CMD_RFQ_ACCEPT) == 0)
			snprintf(label, sizeof label, " accept %s %s %s: reason: ",
			    p->ctx.rfq, p->ctx.dealer, p->ctx.quote);
		else if (strcmp(p->action, CMD_RFQ_REJECT) == 0)
			snprintf(label, sizeof label, " reject %s: reason: ",
			    p->ctx.rfq);
		else
			snprintf(label, sizeof label, " %s%s%s: reason: ",
			    p->action, p->block[0] ? " " : "", p->block);
		break;
	case PROMPT_CONFIRM:
		/* Cut: the screen's 60 columns are for why y will not send. */
		if (p->confirm_cut) {
			panel_put(w, 0, 1, cols - 1, view_attr(v, ROLE_WARN),
			    p->note[0] != '\0' ? p->note : "too long to show "
			    "here: enlarge the screen, or Esc", v->utf8);
			return;
		}
		if (prompt_confirm_inline(p, cols, v->utf8)) {
			x += panel_put(w, 0, x, cols, pa, " send ", v->utf8);
			x += panel_put(w, 0, x, cols - x - PROMPT_CONFIRM_TAIL,
			    A_BOLD, p->preview, v->utf8);
		} else
			x += panel_put(w, 0, x, cols, pa, " send the request in the "
			    "box above", v->utf8);
		if (p->note[0] != '\0')
			panel_printf(w, 0, x, cols - x, view_attr(v, ROLE_WARN),
			    v->utf8, "  (%s)", p->note);
		else
			panel_put(w, 0, x, cols - x, pa, "  y sends, other key "
			    "abandons ", v->utf8);
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
