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
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

#include <nng/nng.h>

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
	/* An error replaced before the line had shown it for 2 s in all (a
	 * prompt hides the line; answers come in bursts), and not read in
	 * the log either, is counted, and the line says so until M. */
	if (t->msg[0] != '\0' && t->msg_level == MSG_ERR &&
	    t->msg_logidx >= t->msglog.read && t->msg_seen_ms +
	    (t->msg_shown_ms != 0 ? tui_now_ms() - t->msg_shown_ms : 0) < 2000)
		t->msglog.unseen++;
	store_text(t->msg, sizeof t->msg, raw);
	t->msg_level = level;
	t->msg_dirty = 1;
	t->msg_shown_ms = t->msg_seen_ms = 0;
	t->msg_logidx = t->msglog.n;
	tui_msglog_add(&t->msglog, level, t->msg, time(NULL));
}

void
tui_msglog_add(struct tui_msglog *l, int level, const char *text, time_t when)
{
	struct tm tm;
	struct tui_msg *r = &l->rec[l->n++ % TUI_MSGLOG];

	r->when[0] = '\0';
	if (localtime_r(&when, &tm) != NULL)
		strftime(r->when, sizeof r->when, "%H:%M:%S", &tm);
	r->level = level;
	snprintf(r->text, sizeof r->text, "%s", text);
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

/* What a console says of an action it will not send while the engine is
 * away (an em dash when the terminal can show one). */
static const char *
tui_unreachable(const struct tui *t)
{
	return t->view.utf8 ? "engine unreachable \u2014 not sent" :
	    "engine unreachable -- not sent";
}

int
tui_check_lost(struct tui *t)
{
	int lost = !t->view.replay && t->store.conn == CONN_DISCONNECTED;

	if (lost == t->view.lost)
		return 0;
	t->view.lost = lost;
	t->full_redraw = 1;
	if (lost && prompt_sends(&t->prompt)) {
		char what[sizeof t->prompt.action];

		snprintf(what, sizeof what, "%s", t->prompt.action);
		prompt_cancel(&t->prompt);
		t->pending_ack = 0;
		tui_message(t, MSG_ERR, "%s: %s", what, tui_unreachable(t));
	}
	return 1;
}

/* The engine answered as a new session: a prompt that would send was
 * opened on the last session's picture (its block 1, its alert 7 are not
 * this one's), so it is closed unsent; its action in closed ("" none),
 * for the transport to say with what else it dropped. */
void
tui_session_new(struct tui *t, char *closed, size_t n)
{
	closed[0] = '\0';
	if (prompt_sends(&t->prompt)) {
		snprintf(closed, n, "%s", t->prompt.action);
		prompt_cancel(&t->prompt);
	}
	t->pending_ack = 0;
}

/* A manual order's form wants the engine's impact estimate: ask for it
 * beside the form, which never waits for the answer. */
static void
tui_ask_estimate(struct tui *t)
{
	cJSON *req = prompt_estimate_request(&t->prompt, t->store.sym);

	if (req == NULL)
		return;
	/* Counted before it is queued: a request the transport drops at
	 * once is answered, and uncounted, inside the send. */
	t->est_inflight++;
	if (t->tp->send(t, req, CMD_ESTIMATE) == 0)
		return;
	t->est_inflight--;
	if (prompt_estimate_reply(&t->prompt, -1, "cannot ask in this "
	    "mode", NULL))
		t->msg_dirty = 1;
}

void
tui_reply(struct tui *t, const char *what, int rv, const cJSON *reply)
{
	const cJSON *err;
	const char *state, *code = "?", *text = "no message";
	double pov;

	/* The estimate is the form's, not the message line's.  Requests
	 * are answered one at a time in order: while a later one is still
	 * to come, this answer (or timeout) is an earlier prompt's, which
	 * showed under a prompt opened since for another block. */
	if (strcmp(what, CMD_ESTIMATE) == 0) {
		if (t->est_inflight > 0 && --t->est_inflight > 0)
			return;
		if (prompt_estimate_reply(&t->prompt, rv, rv != 0 ?
		    ipc_client_strerror(rv) : NULL, reply))
			t->msg_dirty = 1;
		return;
	}
	if (rv == NNG_EMSGSIZE) {
		/* ipc_client_request() sent nothing: over the engine's limit. */
		tui_message(t, MSG_ERR, "%s: not sent: over the %d byte limit of "
		    "a command (%s)", what, TRANCHE_MAX_MSG, ERR_TOO_BIG);
		return;
	}
	if (rv != 0) {
		/* The engine may have it all the same (stopped, it answers
		 * when it runs again): its audit record brings the answer,
		 * said by tui_late_say. */
		tui_message(t, MSG_ERR, "%s: no answer from the engine (%s): it "
		    "may still be carried out, and a late answer is shown when "
		    "it comes; check the block's state before trying again",
		    what, ipc_client_strerror(rv));
		return;
	}
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(reply, "ok"))) {
		const cJSON *acked = cJSON_GetObjectItemCaseSensitive(reply,
		    "acked");

		if (strcmp(what, CMD_ACK) == 0 && cJSON_IsArray(acked)) {
			const cJSON *q, *already = cJSON_GetObjectItemCaseSensitive(
			    reply, "already");
			int n = 0, nalready = cJSON_GetArraySize(already);

			/* The audit event marks them too (and on every other
			 * console); marking here as well covers an event that
			 * has not come yet. */
			cJSON_ArrayForEach(q, acked)
				if (cJSON_IsString(q) && store_alert_ack(&t->store,
				    strtoull(q->valuestring, NULL, 10)) == 0)
					n++;
			/* The alert the engine says it acknowledged: the one
			 * marked now may be another, if a second ack's prompt
			 * opened while this one was in flight. */
			uint64_t one = 0;

			if (t->pending_ack != 0 && cJSON_GetArraySize(acked) == 1) {
				const cJSON *a1 = cJSON_GetArrayItem(acked, 0);

				if (cJSON_IsString(a1))
					one = strtoull(a1->valuestring, NULL, 10);
			}
			if (one != 0 && nalready > 0)
				tui_message(t, MSG_INFO, "ack: alert %llu was "
				    "already acknowledged; the first "
				    "acknowledgement is kept",
				    (unsigned long long)one);
			else if (one != 0)
				tui_message(t, MSG_OK, "ack: ok, alert %llu "
				    "acknowledged (recorded in the audit log)",
				    (unsigned long long)one);
			else
				tui_message(t, MSG_OK, "ack all: ok, %d alert(s) "
				    "acknowledged, %d of them already "
				    "(recorded in the audit log)", n, nalready);
			if (one == 0 || one == t->pending_ack)
				t->pending_ack = 0;
		} else if (strcmp(what, CMD_ACK) == 0 && t->pending_ack != 0) {
			store_alert_ack(&t->store, t->pending_ack);
			tui_message(t, MSG_OK, "ack: ok, alert %llu acknowledged "
			    "(recorded in the audit log)",
			    (unsigned long long)t->pending_ack);
			t->pending_ack = 0;
		} else if (ipc_get_str(reply, "rfq", &state) == 0) {
			/* A request's id, and what an acceptance filled. */
			char id[16], px[32];
			double d = 0, f = 0;

			store_text(id, sizeof id, state);
			if (ipc_get_num(reply, "px", &d) == 0) {
				ipc_get_num(reply, "filled", &f);
				text_px(px, sizeof px, d, t->store.tick,
				    t->store.px_decimals);
				tui_message(t, MSG_OK, "%s: ok, %s filled %.0f at %s",
				    what, id, f, px);
			} else
				tui_message(t, MSG_OK, "%s: ok, %s%s", what, id,
				    strcmp(what, CMD_RFQ) == 0 ? " sent: the RFQ panel "
				    "shows the quotes" : " rejected");
		} else if (ipc_get_str(reply, "state", &state) == 0)
			/* The engine's state, which a pause of one block of
			 * several leaves LIVE: said as the engine's (it read
			 * as the block's, found by a review). */
			tui_message(t, MSG_OK, "%s: ok, engine %s", what, state);
		else if (ipc_get_num(reply, "max_pov", &pov) == 0) {
			double mc = 0;
			const char *ag = NULL;

			ipc_get_num(reply, "max_child", &mc);
			ipc_get_str(reply, "aggression", &ag);
			char more[96] = "";

			if (mc > 0)
				snprintf(more, sizeof more, ", max child %.0f", mc);
			/* The engine says the block's aggression cap either
			 * way; "aggressive" is none, and said as one it read
			 * as a block just made aggressive (found by a probe). */
			if (ag != NULL && strcmp(ag, "aggressive") != 0)
				snprintf(more + strlen(more), sizeof more -
				    strlen(more), ", aggression cap %.16s", ag);
			tui_message(t, MSG_OK, "%s: ok, participation cap %g%%%s",
			    what, pov, more);
		}
		else
			tui_message(t, MSG_OK, "%s: ok", what);
		return;
	}
	err = cJSON_GetObjectItemCaseSensitive(reply, "error");
	if (cJSON_IsObject(err)) {
		ipc_get_str(err, "code", &code);
		ipc_get_str(err, "message", &text);
	}
	/* Carried out, its own record the write that failed: in force, not
	 * refused, and said first, before the engine's long sentence runs
	 * past the edge (it read "refused" for a throttle in force: found
	 * by an adversarial review). */
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(err, "carried_out")))
		tui_message(t, MSG_ERR, "%s: DONE, NOT DURABLE: in force; it "
		    "stands if a supervisor resumes the journal (%s)", what,
		    text);
	else
		tui_message(t, MSG_ERR, "%s refused: %s (%s)", what, text,
		    code);
}

/*
 * The late answers the store found (store_late_take): the trader was told
 * a command had no answer, and the engine has since said what it did with
 * it.  Said as an error, so that one replaced before it was read is
 * counted until M, and kept in the message log; the engine's audit record
 * is in the audit log too.
 */
void
tui_late_say(struct tui *t)
{
	struct store_late_answer la;

	while (store_late_take(&t->store, &la)) {
		if (la.a.ok)
			tui_message(t, MSG_ERR, "late answer to %s: done%s%s%s; the "
			    "console had stopped waiting for it", la.what,
			    la.a.done[0] ? " (" : "", la.a.done,
			    la.a.done[0] ? ")" : "");
		else if (la.a.carried)
			tui_message(t, MSG_ERR, "late answer to %s: DONE, NOT "
			    "DURABLE: in force; it stands if a supervisor resumes "
			    "the journal (%s); the console had stopped waiting "
			    "for it", la.what, la.a.result);
		else
			tui_message(t, MSG_ERR, "late answer to %s: refused: %s "
			    "(%s); the console had stopped waiting for it", la.what,
			    la.a.result[0] ? la.a.result : "no message",
			    la.a.code[0] ? la.a.code : "?");
	}
}

/* An action on what is selected, with the display frozen (Z): the rows
 * and the marked alert the person sees are not the ones the selection now
 * names.  The display is thawed and nothing is done; the same key again
 * acts on what is then shown.  1 when it was frozen. */
static int
tui_thaw_first(struct tui *t, const char *what)
{
	if (!t->view.frozen)
		return 0;
	t->view.frozen = 0;
	t->full_redraw = 1;
	t->store.dirty |= DIRTY_STATUS;
	tui_message(t, MSG_INFO, "%s: the display was FROZEN, so what it "
	    "showed was not what is selected now: it is live again; press the "
	    "key again to act on what it shows", what);
	return 1;
}

/* Nothing is sent from a replay or a --readonly console: say so before a
 * prompt opens.  1 when the action may go on. */
static int
tui_may_send(struct tui *t, const char *what)
{
	if (t->view.replay) {
		tui_message(t, MSG_ERR, "%s: read-only in replay: nothing is sent",
		    what);
		return 0;
	}
	if (t->view.readonly) {
		tui_message(t, MSG_ERR, "%s: this console is --readonly "
		    "(role viewer): nothing is sent", what);
		return 0;
	}
	if (t->view.lost) {
		tui_message(t, MSG_ERR, "%s: %s", what, tui_unreachable(t));
		return 0;
	}
	/* The engine holds this connection a viewer that has not logged in:
	 * a prompt would end in a refusal. */
	if (t->view.refused) {
		tui_message(t, MSG_ERR, "%s: the login was refused: nothing is "
		    "sent until a hello succeeds (the status bar's role is none)",
		    what);
		return 0;
	}
	return 1;
}

/* What a form needs to know about the market and the block. */
static void
tui_ctx(const struct tui *t, const struct store_block *b,
        struct prompt_ctx *c)
{
	/* The book of the block's own symbol. */
	const struct store_book *bk = store_book_of(&t->store,
	    b != NULL ? b->sym : NULL);
	int i;

	memset(c, 0, sizeof *c);
	snprintf(c->algos, sizeof c->algos, "%s", t->store.algos);
	c->tick = t->store.tick;
	c->decimals = t->store.px_decimals;
	if (bk->nbids > 0)
		c->bid = bk->bids[0].px;
	if (bk->nasks > 0)
		c->ask = bk->asks[0].px;
	if (b != NULL) {
		snprintf(c->block_id, sizeof c->block_id, "%s", b->id);
		c->buy = strcmp(b->side, "sell") != 0;
		c->max_child = b->have & BLK_MAXCHILD ? b->max_child : 0;
		c->remaining = b->remaining;
		c->max_pov = b->max_pov;
		c->have_cap = (b->have & BLK_MAXPOV) != 0;
		for (i = 0; i < (c->buy ? bk->nasks : bk->nbids) && i < 5; i++)
			c->depth += c->buy ? bk->asks[i].qty : bk->bids[i].qty;
	}
}

/*
 * The block the person chose: the selection's block by its id, wherever
 * its row is now (a key before the next frame acts on what was drawn).
 * NULL, said, when the console no longer holds it; the block shown when
 * nothing was chosen yet.
 */
static const struct store_block *
tui_block_chosen(struct tui *t, const char *action, int *gone)
{
	int k = panel_blotter_find(&t->store, t->view.sel_block_id);

	*gone = 0;
	if (k >= 0)
		return &t->store.blocks[k];
	if (t->view.sel_block_id[0] != '\0') {
		*gone = 1;
		tui_message(t, MSG_ERR, "%s: block %s is no longer in the console's "
		    "list; nothing sent (the selection moves to the block shown "
		    "in its row: look, then act again)", action,
		    t->view.sel_block_id);
		return NULL;
	}
	return view_block(&t->view);
}

/* Open the prompt for an action on the selected block (or the engine). */
static void
tui_action(struct tui *t, const char *action, const char *values)
{
	const struct store_block *b;
	struct prompt_ctx ctx;
	int gone = 0;
	int whole = strcmp(action, CMD_KILL) == 0 ||
	    strcmp(action, CMD_RELEASE) == 0 || strcmp(action, CMD_SPEED) == 0 ||
	    strcmp(action, CMD_JOURNAL_RESUME) == 0;

	if (!tui_may_send(t, action))
		return;
	if (!whole && tui_thaw_first(t, action))
		return;
	if (whole &&
	    strcmp(t->opt.role ? t->opt.role : "trader", "supervisor") != 0) {
		tui_message(t, MSG_ERR, "%s is for a supervisor: start the "
		    "console with --role supervisor", action);
		return;
	}
	b = whole ? view_block(&t->view) : tui_block_chosen(t, action, &gone);
	if (gone)
		return;
	if (b == NULL && !whole) {
		tui_message(t, MSG_ERR, "no block yet: nothing to %s", action);
		return;
	}
	if (b != NULL && !whole && (strcmp(b->state, "DONE") == 0 ||
	    strcmp(b->state, "CANCELLED") == 0 ||
	    strcmp(b->state, "EXPIRED") == 0)) {
		tui_message(t, MSG_ERR, "block %s is %s: nothing to %s", b->id,
		    b->state, action);
		return;
	}
	tui_ctx(t, b, &ctx);
	/* Every action on a block names it, the one selected when the
	 * prompt opened.  With one block known, pause, resume and throttle
	 * went without a block, which the engine reads as every block: one
	 * that arrived before the person confirmed was throttled too. */
	/* A word the action does not take (":algo vwap extra") is refused
	 * before anything opens, as the command line refuses others. */
	if (prompt_begin_with(&t->prompt, action, whole ? "" : b->id, &ctx,
	    values) == PROMPT_EXTRA) {
		char note[sizeof t->prompt.note];

		snprintf(note, sizeof note, "%s", t->prompt.note);
		prompt_cancel(&t->prompt);
		tui_message(t, MSG_ERR, ":%s: %s; nothing opened", action, note);
		return;
	}
	tui_ask_estimate(t);
	t->msg_dirty = 1;
}

static void
tui_action_pause(struct tui *t, int all)
{
	const struct store_block *b;
	int gone = 0;

	if (!tui_may_send(t, CMD_PAUSE))
		return;
	if (all) {
		prompt_begin(&t->prompt, strcmp(t->store.state, "PAUSED") == 0 ?
		    CMD_RESUME : CMD_PAUSE, "", 0);
		t->msg_dirty = 1;
		return;
	}
	if (tui_thaw_first(t, CMD_PAUSE))
		return;
	b = tui_block_chosen(t, CMD_PAUSE, &gone);
	if (gone)
		return;
	if (b == NULL) {
		tui_message(t, MSG_ERR, "no block yet: nothing to pause");
		return;
	}
	tui_action(t, strcmp(b->state, "PAUSED") == 0 ? CMD_RESUME : CMD_PAUSE,
	    NULL);
}

/* A: acknowledge the marked alert (the top row of the alerts list);
 * :ack all, every alert the engine holds. */
static void
tui_action_ack(struct tui *t, int all)
{
	const struct panel *p = &t->panels[PANEL_ALERTS];
	const struct store_alert *a;
	struct prompt_ctx ctx;
	int64_t i;

	if (!tui_may_send(t, CMD_ACK))
		return;
	if (all) {
		memset(&ctx, 0, sizeof ctx);
		ctx.ack_all = 1;
		prompt_begin(&t->prompt, CMD_ACK, "", 0);
		t->prompt.ctx = ctx;
		t->pending_ack = 0;
		t->msg_dirty = 1;
		return;
	}
	if (tui_thaw_first(t, CMD_ACK))
		return;
	if (p->win == NULL) {
		tui_message(t, MSG_ERR, "ack: the alerts panel is not in this "
		    "layout (L to change it, or :ack all)");
		return;
	}
	/* The alert at the marked row as the person saw it, not whatever
	 * has been pushed into that row since the last frame. */
	i = panel_list_meant(p, &t->store.alerts);
	a = i >= 0 ? store_alert(&t->store, (size_t)i) : NULL;
	if (a == NULL || a->seq == 0) {
		tui_message(t, MSG_ERR, "ack: no alert marked (Tab to the "
		    "alerts, arrows to choose)");
		return;
	}
	if (a->acked) {
		tui_message(t, MSG_INFO, "alert %llu is already acknowledged",
		    (unsigned long long)a->seq);
		return;
	}
	memset(&ctx, 0, sizeof ctx);
	ctx.alert_seq = a->seq;
	/* The prompt says which alert in words, as the panel shows it: the
	 * seq alone is not on the screen. */
	{
		const char *what = a->text[0] ? a->text : a->code;
		char head[48];
		size_t room, n;

		snprintf(head, sizeof head, "%s %s%s%s", store_sev_name(a->sev),
		    a->block[0] ? "[" : "", a->block, a->block[0] ? "] " : "");
		/* Whole characters only, and "..." when cut. */
		room = sizeof ctx.alert_text - strlen(head) - 4;
		n = text_prefix(what, (int)room, t->view.utf8);
		while (n > room && room > 0)
			n = text_prefix(what, (int)(--room), t->view.utf8);
		if (n > room)
			n = 0;
		/* Never a character's first bytes without the rest. */
		while (n > 0 && what[n] != '\0' &&
		    ((unsigned char)what[n] & 0xc0) == 0x80)
			n--;
		memcpy(ctx.alert_text, head, strlen(head));
		memcpy(ctx.alert_text + strlen(head), what, n);
		snprintf(ctx.alert_text + strlen(head) + n, 4, "%s",
		    what[n] != '\0' ? "..." : "");
	}
	prompt_begin(&t->prompt, CMD_ACK, "", 0);
	t->prompt.ctx = ctx;
	t->pending_ack = a->seq;
	t->msg_dirty = 1;
}

/* x: cancel the child selected in the child-orders panel, on its own. */
static void
tui_action_cancel_child(struct tui *t)
{
	const struct store_our *u;
	struct prompt_ctx ctx;
	int k;

	if (!tui_may_send(t, "cancel_child") ||
	    tui_thaw_first(t, "cancel_child"))
		return;
	/* Only a child the person can see selected: x on a layout without
	 * the panel would cancel a row nobody looked at. */
	if (t->panels[PANEL_CHILDREN].win == NULL) {
		tui_message(t, MSG_ERR, "cancel_child: the child-orders panel is "
		    "not in this layout (L: the supervisor layout has it)");
		return;
	}
	/* The child the person saw selected, not the row's newcomer. */
	if (t->view.sel_child_id[0] == '\0') {
		tui_message(t, MSG_ERR, "cancel_child: no working child selected "
		    "(the child-orders panel lists them)");
		return;
	}
	k = panel_children_find(&t->store, t->view.sel_child_block,
	    t->view.sel_child_id);
	u = k >= 0 ? panel_children_at(&t->store, k) : NULL;
	if (u == NULL || u->block[0] == '\0') {
		tui_message(t, MSG_ERR, "cancel_child: child %s of block %s is no "
		    "longer working (filled or cancelled); nothing sent (the "
		    "arrows choose another)", t->view.sel_child_id,
		    t->view.sel_child_block[0] ? t->view.sel_child_block : "?");
		return;
	}
	memset(&ctx, 0, sizeof ctx);
	snprintf(ctx.child, sizeof ctx.child, "%s", u->id);
	prompt_begin(&t->prompt, "cancel_child", u->block, 0);
	t->prompt.ctx = ctx;
	t->msg_dirty = 1;
}

/* Y: accept the quote selected in the RFQ panel; X: reject the request
 * selected there.  Only what the person can see selected is acted on. */
static void
tui_action_rfq(struct tui *t, int accept)
{
	const char *what = accept ? CMD_RFQ_ACCEPT : CMD_RFQ_REJECT;
	const struct store_rfq_dealer *d = NULL;
	const struct store_rfq *r = NULL;
	struct prompt_ctx ctx;
	char px[32], qty[32];
	int k;

	if (!tui_may_send(t, what) || tui_thaw_first(t, what))
		return;
	if (t->panels[PANEL_RFQ].win == NULL) {
		tui_message(t, MSG_ERR, "%s: the RFQ panel is not in this layout "
		    "(L: the trader layout has it)", what);
		return;
	}

	/* The quote the person chose, wherever its row is now; a quote
	 * that has gone is not replaced by the one in its row. */
	k = panel_rfq_find(&t->store, t->view.sel_rfq_id,
	    t->view.sel_rfq_dealer);
	if (k >= 0 && !t->panels[PANEL_RFQ].sel_shown) {
		/* Not drawn in the last frame: scrolled off, or chosen a key
		 * ago and not yet drawn (the advice was only ever "a taller
		 * panel", found by a review). */
		tui_message(t, MSG_ERR, "%s: the selected row was not on the "
		    "RFQ panel's screen when the key came; nothing sent (look at "
		    "the row, then press again)", what);
		return;
	}
	if (k >= 0)
		r = store_rfq_row(&t->store, k, &d);
	else if (!accept && (r = store_rfq_live(&t->store,
	    t->view.sel_rfq_id)) != NULL)
		d = NULL; /* X rejects the request, whichever of its rows */
	else if (t->view.sel_rfq_id[0] != '\0') {
		tui_message(t, MSG_ERR, "%s: %s%s%s is no longer open (the request "
		    "ended or the quote was withdrawn); nothing sent (the arrows "
		    "choose another)", what, t->view.sel_rfq_id,
		    t->view.sel_rfq_dealer[0] ? "'s quote from " : "",
		    t->view.sel_rfq_dealer);
		return;
	}
	if (r == NULL || (accept && d == NULL)) {
		tui_message(t, MSG_ERR, "%s: no %s selected in the RFQ panel",
		    what, accept ? "quote" : "request in flight");
		return;
	}
	memset(&ctx, 0, sizeof ctx);
	snprintf(ctx.rfq, sizeof ctx.rfq, "%s", r->id);
	if (d != NULL) {
		snprintf(ctx.dealer, sizeof ctx.dealer, "%s", d->name);
		text_px(px, sizeof px, (double)d->px, t->store.tick,
		    t->store.px_decimals);
		text_qty(qty, sizeof qty, d->size);
		snprintf(ctx.quote, sizeof ctx.quote, "%s x %s", px, qty);
	}
	prompt_begin(&t->prompt, what, "", 0);
	t->prompt.ctx = ctx;
	t->msg_dirty = 1;
}

/* The panels that can have the keyboard, in screen order. */
static void
tui_focus_step(struct tui *t, int dir)
{
	int order[PANEL_COUNT], n = 0, i, at = 0;

	for (i = 0; i < PANEL_COUNT; i++)
		if (t->panels[i].win != NULL && i != PANEL_TITLE &&
		    i != PANEL_STATUS)
			order[n++] = i;
	if (n == 0)
		return;
	/* Sort by position: left to right, top to bottom. */
	for (i = 1; i < n; i++) {
		int k = order[i], j = i - 1;

		while (j >= 0 && (t->panels[order[j]].x > t->panels[k].x ||
		    (t->panels[order[j]].x == t->panels[k].x &&
		    t->panels[order[j]].y > t->panels[k].y))) {
			order[j + 1] = order[j];
			j--;
		}
		order[j + 1] = k;
	}
	for (i = 0; i < n; i++)
		if (order[i] == t->view.focus)
			at = i;
	t->panels[t->view.focus].dirty = 1;
	t->view.focus = order[(at + dir + n) % n];
	t->panels[t->view.focus].dirty = 1;
}

static void
tui_layout_next(struct tui *t, const char *name)
{
	char q[PROMPT_QUOTE];
	int idx;

	if (t->layouts.n == 0) {
		tui_message(t, MSG_ERR, "no layout files could be read: using the "
		    "built-in one");
		return;
	}
	if (name != NULL) {
		if ((idx = layout_find(&t->layouts, name)) < 0) {
			const char *why = layout_error_of(&t->layouts, name);

			if (why != NULL)
				tui_message(t, MSG_ERR, "layout %s cannot be "
				    "used: %s", prompt_quote(q, sizeof q, name),
				    why);
			else
				tui_message(t, MSG_ERR, "layout %s: no such "
				    "layout", prompt_quote(q, sizeof q, name));
			return;
		}
	} else
		idx = (t->layout_idx + 1) % t->layouts.n;
	screen_set_layout(t, idx);
	tui_message(t, MSG_INFO, "layout %s (%s)", t->layouts.items[idx].name,
	    t->layouts.items[idx].path);
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
	if (t->view.lost) {
		cJSON_Delete(req);
		tui_message(t, MSG_ERR, "%s: %s", what, tui_unreachable(t));
		return;
	}
	if (t->tp->send(t, req, what) != 0)
		tui_message(t, MSG_ERR, "%s: cannot send in this mode", what);
	else
		tui_message(t, MSG_INFO, "%s: sent, waiting for the engine...",
		    what);
}

static void tui_command(struct tui *t, const char *line);

/* A finished search / command / go-to line. */
static void
tui_input(struct tui *t)
{
	char line[TRANCHE_MAX_TEXT + 8], action[16];

	prompt_line(&t->prompt, line, sizeof line, action, sizeof action);
	if (strcmp(action, "search") == 0) {
		snprintf(t->view.search, sizeof t->view.search, "%.60s", line);
		t->panels[PANEL_DECISIONS].scroll = 0;
		t->panels[PANEL_DECISIONS].dirty = 1;
		if (t->panels[PANEL_DECISIONS].win == NULL && line[0] != '\0')
			tui_message(t, MSG_INFO, "search set; this layout does not "
			    "show the decisions");
		else if (line[0] != '\0')
			tui_message(t, MSG_INFO, "decisions matching '%s' (/ then "
			    "Enter clears)", line);
		else
			tui_message(t, MSG_INFO, "search cleared");
	} else if (strcmp(action, "command") == 0)
		tui_command(t, line);
	else if (strcmp(action, "goto") == 0 && t->tp->seek != NULL)
		t->tp->seek(t, line);
}

/* The first word of s, quoted as a note quotes a value (prompt_quote). */
static const char *
tui_quote_word(char *dst, size_t n, const char *s)
{
	char w[PROMPT_QUOTE_MAX * 4];

	while (*s == ' ')
		s++;
	snprintf(w, sizeof w, "%.*s", (int)strcspn(s, " "), s);
	return prompt_quote(dst, n, w);
}

/*
 * The block a : command names, made the selection: "block N" before any
 * values, or for the commands that take no values a bare N.  What else
 * such a command is given ("all" for pause and resume aside) is refused.
 * 0 to go on (*rest past the block), -1 when refused (said).
 */
static int
tui_command_block(struct tui *t, const char *word, char **rest)
{
	static const char *const bare[] = { "pause", "resume", "cancel",
		"cancel_children", NULL };
	static const char *const valued[] = { "throttle", "style", "algo",
		"child", "limit", CMD_RFQ, NULL };
	char id[24], q[PROMPT_QUOTE];
	const char *p = *rest;
	int takes_bare = 0, takes_block = 0, k;
	size_t n;

	for (k = 0; bare[k] != NULL; k++)
		takes_bare |= strcmp(word, bare[k]) == 0;
	for (k = 0; valued[k] != NULL; k++)
		takes_block |= strcmp(word, valued[k]) == 0;
	takes_block |= takes_bare;
	if (!takes_block)
		return 0;
	if (strncmp(p, "block ", 6) == 0)
		p += 6;
	else if (!takes_bare || !(*p >= '0' && *p <= '9'))
		p = NULL;
	if (p != NULL) {
		while (*p == ' ')
			p++;
		n = strspn(p, "0123456789");
		if (n == 0 || n >= sizeof id || (p[n] != '\0' && p[n] != ' ')) {
			tui_message(t, MSG_ERR, ":%s: block %s: not a block number; "
			    "nothing opened", word, tui_quote_word(q, sizeof q, p));
			return -1;
		}
		snprintf(id, sizeof id, "%.*s", (int)n, p);
		if ((k = panel_blotter_find(&t->store, id)) < 0) {
			tui_message(t, MSG_ERR, ":%s: no block %s in the console's "
			    "list; nothing opened", word, id);
			return -1;
		}
		panel_blotter_take(&t->view, k);
		p += n;
		while (*p == ' ')
			p++;
		*rest = (char *)p;
	}
	if (takes_bare && (*rest)[0] != '\0' && !(strcmp(*rest, "all") == 0 &&
	    (strcmp(word, "pause") == 0 || strcmp(word, "resume") == 0))) {
		tui_message(t, MSG_ERR, ":%s takes a block (\"block N\" or N)%s, "
		    "not %s; nothing opened", word, strcmp(word, "pause") == 0 ||
		    strcmp(word, "resume") == 0 ? " or \"all\"" : "",
		    tui_quote_word(q, sizeof q, strncmp(*rest, "all ", 4) == 0 ?
		    *rest + 4 : *rest));
		return -1;
	}
	return 0;
}

/* The : command line: the same actions as the keys, with their values. */
static void
tui_command(struct tui *t, const char *line)
{
	char word[32], q[PROMPT_QUOTE], *rest, buf[TRANCHE_MAX_TEXT + 8];
	const char *p = buf;
	size_t n;

	/* Spaces at the end are no word: ":pause all " was refused as
	 * "not ''" (a review). */
	snprintf(buf, sizeof buf, "%s", line);
	for (n = strlen(buf); n > 0 && buf[n - 1] == ' '; n--)
		buf[n - 1] = '\0';
	while (*p == ' ')
		p++;
	n = strcspn(p, " ");
	if (n == 0)
		return;
	snprintf(word, sizeof word, "%.*s", (int)(n < 31 ? n : 31), p);
	rest = (char *)p + n;
	while (*rest == ' ')
		rest++;
	/* "block N" names the block any block action acts on (for pause,
	 * resume, cancel and cancel_children, which take no values, a bare
	 * N too): it becomes the selection.  Words a command does not take
	 * are refused, naming them: ":cancel 6" cancelled the block that
	 * happened to be selected (found by a probe). */
	if (tui_command_block(t, word, &rest) != 0)
		return;
	if (strcmp(word, "pause") == 0 || strcmp(word, "resume") == 0) {
		if (strcmp(rest, "all") == 0) {
			if (tui_may_send(t, word)) {
				prompt_begin(&t->prompt, word, "", 0);
				t->msg_dirty = 1;
			}
		} else
			tui_action(t, word, NULL);
	} else if (strcmp(word, "throttle") == 0 || strcmp(word, "style") == 0 ||
	    strcmp(word, "algo") == 0 || strcmp(word, "child") == 0 ||
	    strcmp(word, "limit") == 0 || strcmp(word, "speed") == 0 ||
	    strcmp(word, "kill") == 0 || strcmp(word, "release") == 0 ||
	    strcmp(word, CMD_JOURNAL_RESUME) == 0 ||
	    strcmp(word, "cancel_children") == 0 || strcmp(word, "cancel") == 0 ||
	    strcmp(word, CMD_RFQ) == 0)
		tui_action(t, word, rest[0] ? rest : NULL);
	else if (strcmp(word, "ack") == 0) {
		if (rest[0] != '\0' && strcmp(rest, "all") != 0)
			tui_message(t, MSG_ERR, ":ack takes \"all\" or nothing (the "
			    "selected alert), not %s; nothing opened",
			    tui_quote_word(q, sizeof q, strncmp(rest, "all ", 4) ==
			    0 ? rest + 4 : rest));
		else
			tui_action_ack(t, strcmp(rest, "all") == 0);
	}
	else if (strcmp(word, "search") == 0) {
		snprintf(t->view.search, sizeof t->view.search, "%s", rest);
		t->panels[PANEL_DECISIONS].dirty = 1;
	} else if ((strcmp(word, "freeze") == 0 || strcmp(word, "help") == 0 ||
	    strcmp(word, "quit") == 0 || strcmp(word, "q") == 0 ||
	    (strcmp(word, "layout") == 0 && strchr(rest, ' ') != NULL)) &&
	    rest[0] != '\0') {
		/* ":quit now" quit, the word unread. */
		tui_message(t, MSG_ERR, ":%s: %s: a word too many (%s); nothing "
		    "done", word, tui_quote_word(q, sizeof q, strcmp(word,
		    "layout") == 0 ? strchr(rest, ' ') : rest), strcmp(word,
		    "layout") == 0 ? "layout takes one NAME" : "it takes no "
		    "values");
	} else if (strcmp(word, "layout") == 0)
		tui_layout_next(t, rest[0] ? rest : NULL);
	else if (strcmp(word, "freeze") == 0)
		tui_key(t, 'Z');
	else if (strcmp(word, "help") == 0)
		tui_key(t, '?');
	else if (strcmp(word, "quit") == 0 || strcmp(word, "q") == 0)
		tui_quit(t, 0);
	else
		tui_message(t, MSG_ERR, "unknown command %s (Tab completes; "
		    "? lists the keys)", tui_quote_word(q, sizeof q, p));
}

/* A mouse click gives the keyboard to the panel under it. */
static void
tui_mouse(struct tui *t)
{
	MEVENT me;
	int i;

	if (getmouse(&me) != OK)
		return;
	for (i = 0; i < PANEL_COUNT; i++) {
		struct panel *p = &t->panels[i];

		if (p->win != NULL && i != PANEL_TITLE && i != PANEL_STATUS &&
		    me.y >= p->y && me.y < p->y + p->h && me.x >= p->x &&
		    me.x < p->x + p->w) {
			t->panels[t->view.focus].dirty = 1;
			t->view.focus = i;
			p->dirty = 1;
		}
	}
}

void
tui_input_invalid(struct tui *t)
{
	if (prompt_input_invalid(&t->prompt)) {
		t->msg_dirty = 1;
		return;
	}
	tui_message(t, MSG_ERR, "a character that is not UTF-8 was typed or "
	    "pasted: it and what came after it were dropped");
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
		tui_ask_estimate(t);
		if (bits & TUI_SEND)
			tui_send(t);
		else if (bits & TUI_INPUT)
			tui_input(t);
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
	case TK(KEY_F(1)):
		t->help_visible = OVERLAY_HELP;
		t->help_dirty = 1;
		return TUI_HANDLED | TUI_REDRAW;
	case 'M':
		t->help_visible = OVERLAY_MESSAGES;
		t->help_dirty = 1;
		t->msglog.unseen = 0;
		t->msglog.read = t->msglog.n;
		t->msg_dirty = 1;
		return TUI_HANDLED | TUI_REDRAW;
	case 'p':
		tui_action_pause(t, 0);
		return TUI_HANDLED | TUI_REDRAW;
	case 'P':
		tui_action_pause(t, 1);
		return TUI_HANDLED | TUI_REDRAW;
	case 't':
		tui_action(t, CMD_THROTTLE, NULL);
		return TUI_HANDLED | TUI_REDRAW;
	case 'a':
		tui_action(t, "style", NULL);
		return TUI_HANDLED | TUI_REDRAW;
	case 's':
		tui_action(t, "algo", NULL);
		return TUI_HANDLED | TUI_REDRAW;
	case 'm':
		tui_action(t, "child", NULL);
		return TUI_HANDLED | TUI_REDRAW;
	case 'c':
		tui_action(t, "cancel_children", NULL);
		return TUI_HANDLED | TUI_REDRAW;
	case 'x':
		tui_action_cancel_child(t);
		return TUI_HANDLED | TUI_REDRAW;
	case 'R':
		tui_action(t, CMD_RFQ, NULL);
		return TUI_HANDLED | TUI_REDRAW;
	case 'Y':
		tui_action_rfq(t, 1);
		return TUI_HANDLED | TUI_REDRAW;
	case 'X':
		tui_action_rfq(t, 0);
		return TUI_HANDLED | TUI_REDRAW;
	case 'K':
		tui_action(t, CMD_KILL, NULL);
		return TUI_HANDLED | TUI_REDRAW;
	case 'J':
		tui_action(t, CMD_JOURNAL_RESUME, NULL);
		return TUI_HANDLED | TUI_REDRAW;
	case 'A':
		tui_action_ack(t, 0);
		return TUI_HANDLED | TUI_REDRAW;
	case 'Z':
		t->view.frozen = !t->view.frozen;
		t->full_redraw = !t->view.frozen;
		t->store.dirty |= DIRTY_STATUS;
		tui_message(t, MSG_INFO, "%s", t->view.frozen ? "display FROZEN "
		    "(Z again to thaw; the engine goes on)" : "display live");
		return TUI_HANDLED | TUI_REDRAW;
	case '/':
		prompt_begin(&t->prompt, "search", "", 1);
		t->msg_dirty = 1;
		return TUI_HANDLED | TUI_REDRAW;
	case ':':
		prompt_begin(&t->prompt, "command", "", 1);
		t->msg_dirty = 1;
		return TUI_HANDLED | TUI_REDRAW;
	case 'L':
		tui_layout_next(t, NULL);
		return TUI_HANDLED | TUI_REDRAW;
	case 'b':
		if (t->store.nblocks > 1) {
			int k = panel_blotter_find(&t->store,
			    t->view.sel_block_id);

			panel_blotter_take(&t->view, ((k >= 0 ? k :
			    t->view.sel_block) + 1) % t->store.nblocks);
		}
		return TUI_HANDLED | TUI_REDRAW;
	case '\t':
	case 'l':
	case TK(KEY_RIGHT):
		tui_focus_step(t, 1);
		return TUI_HANDLED | TUI_REDRAW;
	case TK(KEY_BTAB):
	case 'h':
	case TK(KEY_LEFT):
		tui_focus_step(t, -1);
		return TUI_HANDLED | TUI_REDRAW;
	case TK(KEY_MOUSE):
		tui_mouse(t);
		return TUI_HANDLED | TUI_REDRAW;
	case 0x0c: /* Ctrl-L */
		t->full_redraw = 1;
		clearok(curscr, TRUE);
		return TUI_HANDLED | TUI_REDRAW;
	case TUI_ESC:
		return TUI_HANDLED;
	}
	p = &t->panels[t->view.focus];
	if (p->ops != NULL && p->ops->key != NULL && p->win != NULL &&
	    (bits = p->ops->key(p, &t->view, key)) != 0) {
		p->dirty = 1;
		return bits;
	}
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
	t->view.msgs = &t->msglog;
	t->view.focus = PANEL_DECISIONS;
	t->view.replay = opt->journal != NULL;
	t->view.readonly = opt->readonly;
	t->view.replay_frac = -1;
	t->view.url = opt->url;
	layout_load_all(&t->layouts, opt->layout_dir);
	t->layout_idx = -1;
	{
		const char *want = opt->layout ? opt->layout : t->view.replay ?
		    "replay" : "trader";
		int idx = layout_find(&t->layouts, want);

		if (idx < 0 && opt->layout != NULL) {
			/* A file of that name that could not be used says
			 * why (it read as if there were no such file). */
			const char *why = layout_error_of(&t->layouts,
			    opt->layout);

			if (why != NULL)
				fprintf(stderr, "tranche: layout '%s' cannot be "
				    "used: %s\n", opt->layout, why);
			else
				fprintf(stderr, "tranche: no layout named "
				    "'%s'\n", opt->layout);
			store_free(&t->store);
			free(t);
			return 2;
		}
		if (idx < 0)
			idx = layout_find(&t->layouts, "trader");
		screen_set_layout(t, idx);
	}
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
	/* Each in the messages (M), the first on the line with how many more
	 * (only the first was ever said). */
	for (int i = t->layouts.nerrors < 8 ? t->layouts.nerrors : 8; i-- > 1;)
		tui_message(t, MSG_ERR, "bad layout %s", t->layouts.errors[i]);
	if (t->layouts.nerrors > 1)
		tui_message(t, MSG_ERR, "bad layout %s (and %d more: M lists "
		    "them); using %s", t->layouts.errors[0],
		    t->layouts.nerrors - 1, t->view.layout);
	else if (t->layouts.nerrors > 0)
		tui_message(t, MSG_ERR, "bad layout %s; using %s",
		    t->layouts.errors[0], t->view.layout);
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
