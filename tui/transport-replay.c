/*
 * tui/transport-replay.c -- the console playing a journal, read-only.
 *
 * A journal's JRNL_EVENT records hold events exactly as the engine
 * published them ("TOPIC\0JSON"), each stamped with its simulated time.
 * Playing feeds them to the same store, through the same sequencing, so
 * the screens are the live ones; only the title bar (a REPLAY banner and
 * the transport) and the status bar (no connection, no heartbeat age)
 * differ.  Commands are refused before a prompt opens: "read-only in
 * replay".
 *
 * Pacing.  The replay clock is anchored: at (wall time W0, simulated time
 * S0) it plays at `speed`, so at wall time W it stands at
 * S0 + (W - W0) * speed, and every record at or before that is delivered.
 * Pausing freezes the clock; resuming or changing speed re-anchors it at
 * the current position, so the picture never jumps.  A timer every
 * REPLAY_TICK_MS advances it; a single turn delivers at most
 * REPLAY_BATCH records so that keys are still read at 100x.
 *
 * Damage.  The reader stops at a damaged record (bad checksum, impossible
 * length, torn tail) and resynchronises on the next good one
 * (jrnl_resync()); the console plays on, says at which byte and how many
 * bytes it skipped on the message line, and says it again at the end so
 * the skip is not lost under later messages.  A header of another protocol
 * version is refused before anything plays: its events may mean something
 * else.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "engine/journal/journal.h"
#include "tui/tui.h"

#define REPLAY_TICK_MS 10
#define REPLAY_BATCH 20000
#define REPLAY_MIN_SPEED 0.25
#define REPLAY_MAX_SPEED 100.0

/* A place n / N stop at.  A restart is where the engine stopped (crashed,
 * or was stopped) and a new one recovered the session from the journal:
 * its time is the last record the old engine wrote. */
struct replay_mark {
	int64_t t;
	int restart;
	char what[240];
};

struct replay {
	struct jrnl_reader *rd;
	uv_timer_t timer;
	int timer_open;
	int playing, ended, damaged;
	double speed;
	int64_t anchor_wall, anchor_sim, sim_now;
	/* The next record to deliver (copied: the reader reuses its buffer). */
	int have_next;
	int64_t next_t;
	uint8_t *next_data;
	uint32_t next_len, next_cap;
	uint64_t played, bad, offset;
	/* The last record the opening scan read: a journal still being
	 * written is played as it was then (reading on, the bar said
	 * 158/147 events and g refused a time on the screen). */
	uint64_t scan_last;
	int scanned, grown;
	uint64_t bad_time; /* records with a time not of the day, skipped */
	uint64_t skipped_at, skipped_bytes, spans; /* first span, all bytes */
	char line[256];
	/* From a first pass over the journal (up to any damage): the span of
	 * simulated time, the events, and the marks n / N stop at -- alerts,
	 * interventions, and the engine's restarts, each said in words. */
	int64_t first_t, last_t;
	uint64_t total;
	struct replay_mark *marks;
	size_t nmarks, capmarks;
	size_t said; /* restarts already said while playing */
	/* Saved from the header, to rebuild the store on a rewind. */
	double tick;
	int tick_known;
	char engine[48], sym[16];
};

/* A record or event whose time is not of the day: skipped, the first
 * said on the message line, all counted at the end. */
static void
replay_bad_time(struct tui *t, struct replay *rp, uint64_t offset,
                int64_t at)
{
	if (rp->bad_time++ == 0)
		tui_message(t, MSG_ERR, "event at byte %llu has time %lld ns, not "
		    "a time of the day: skipped", (unsigned long long)offset,
		    (long long)at);
}

/* Read ahead to the next event record; sets ended/damaged at the end. */
static void
replay_fetch(struct tui *t, struct replay *rp)
{
	struct jrnl_rec rec;
	int rc;

	rp->have_next = 0;
	for (;;) {
		if ((rc = jrnl_next(rp->rd, &rec)) != 1) {
			struct jrnl_span span;

			if ((rc != JRNL_ECORRUPT && rc != JRNL_ETORN) ||
			    (rc = jrnl_resync(rp->rd, &span)) < 0)
				break;
			if (rp->spans++ == 0)
				rp->skipped_at = span.offset;
			rp->skipped_bytes += span.bytes;
			rp->damaged = 1;
			tui_message(t, MSG_ERR, "journal damaged at byte %llu: "
			    "%llu bytes skipped%s", (unsigned long long)span.offset,
			    (unsigned long long)span.bytes, rc == 1 ?
			    ", playing on" : "");
			if (rc == 0)
				break;
			continue;
		}
		if (rp->scanned && rec.offset > rp->scan_last) {
			if (!rp->grown++)
				tui_message(t, MSG_INFO, "the journal has grown "
				    "since it was opened: played as it was then "
				    "(open it again for the rest)");
			break;
		}
		if (rec.kind != JRNL_EVENT)
			continue;
		/* A time that is not of the day (a checksum cannot tell):
		 * paced by it, the record would hold every one after it
		 * back for as long as its time says. */
		if (!TRANCHE_TIME_OK(rec.t)) {
			replay_bad_time(t, rp, rec.offset, rec.t);
			continue;
		}
		if (rec.len > rp->next_cap) {
			free(rp->next_data);
			rp->next_cap = rec.len;
			if ((rp->next_data = malloc(rp->next_cap)) == NULL)
				abort();
		}
		memcpy(rp->next_data, rec.data, rec.len);
		rp->next_len = rec.len;
		rp->next_t = rec.t;
		rp->offset = rec.offset;
		rp->have_next = 1;
		return;
	}
	rp->ended = 1;
	rp->playing = 0;
	if (rc < 0)
		tui_message(t, MSG_ERR, "journal unreadable at byte %llu (%s): "
		    "played %llu events up to there",
		    (unsigned long long)rec.offset, jrnl_strerror(rc),
		    (unsigned long long)rp->played);
	else if (rp->spans > 0)
		tui_message(t, MSG_ERR, "end of journal: %llu events played; "
		    "journal damaged at byte %llu: %llu bytes in %llu spans "
		    "skipped", (unsigned long long)rp->played,
		    (unsigned long long)rp->skipped_at,
		    (unsigned long long)rp->skipped_bytes,
		    (unsigned long long)rp->spans);
	else if (rp->bad_time > 0)
		tui_message(t, MSG_ERR, "end of journal: %llu events played; %llu "
		    "with a time not of the day skipped",
		    (unsigned long long)rp->played,
		    (unsigned long long)rp->bad_time);
	else
		tui_message(t, MSG_OK, "end of journal: %llu events played",
		    (unsigned long long)rp->played);
}

/* A price in ticks, in dollars; "?" when the event has none. */
static const char *
replay_px(char *buf, size_t n, const cJSON *o, const char *name,
          const struct store *s)
{
	double px;

	if (ipc_get_num(o, name, &px) != 0)
		return "?";
	return text_px(buf, n, px, s->tick, s->px_decimals);
}

/* Text from the journal, stripped as text from the wire is; "" if none. */
static const char *
replay_str(char *buf, size_t n, const cJSON *o, const char *name)
{
	const char *v = "";

	ipc_get_str(o, name, &v);
	store_text(buf, n, v);
	return buf;
}

/*
 * One event in words, for `.` and for the marks: what happened, not its
 * number.  Topics this console does not know are named as such.
 */
/* Words cut to fit are fine here: the message line is cut anyway. */
static void replay_fmt(char *out, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
replay_fmt(char *out, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(out, n, fmt, ap);
	va_end(ap);
}

void
transport_replay_words(char *out, size_t n, const char *topic,
                       const cJSON *o, const struct store *s)
{
	char a[48], b[48], c[48], d[48], e[200], w[200], px[32], px2[32];
	double q = 0, q2 = 0;

	if (strcmp(topic, TOPIC_DECISION) == 0) {
		/* A cut child says so before the reason, which the message
		 * line cuts from the end (as the decisions panel does). */
		ipc_get_num(o, "qty", &q);
		store_held_words(o, w, sizeof w);
		replay_fmt(out, n, "decision, block %s: %s %.0f @ %s %s%s%s: %s",
		    replay_str(a, sizeof a, o, "block"),
		    replay_str(b, sizeof b, o, "action"), q,
		    replay_px(px, sizeof px, o, "px", s),
		    replay_str(c, sizeof c, o, "style"), w[0] != '\0' ? " " : "",
		    w, replay_str(e, sizeof e, o, "reason"));
	} else if (strcmp(topic, TOPIC_ALERT) == 0) {
		replay_str(a, sizeof a, o, "sev");
		for (char *k = a; *k != '\0'; k++)
			if (*k >= 'a' && *k <= 'z')
				*k = (char)(*k - 'a' + 'A');
		replay_fmt(out, n, "alert %s %s: %s", a,
		    replay_str(b, sizeof b, o, "code"),
		    replay_str(e, sizeof e, o, "text"));
	} else if (strcmp(topic, TOPIC_AUDIT) == 0 && (strcmp(replay_str(w,
	    sizeof w, o, "cmd"), CMD_HELLO) == 0 || strcmp(w,
	    AUDIT_EVENTS_HELLO) == 0 || strcmp(w, AUDIT_REFUSED) == 0)) {
		/* A failed login is no intervention, and what the peer
		 * typed is not shown (as in the audit panel). */
		replay_fmt(out, n, "%s from %s: %s", strcmp(w, AUDIT_REFUSED) ==
		    0 ? "refusals" : cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
		    o, "ok")) ? "login" : "failed login",
		    replay_str(b, sizeof b, o, "peer"),
		    replay_str(e, sizeof e, o, "result"));
	} else if (strcmp(topic, TOPIC_AUDIT) == 0) {
		/* The audit's own words and person when the engine wrote
		 * them; the command and client otherwise (older journals). */
		if (replay_str(w, sizeof w, o, "what")[0] == '\0')
			replay_str(w, sizeof w, o, "cmd");
		if (replay_str(b, sizeof b, o, "user")[0] == '\0')
			replay_str(b, sizeof b, o, "client");
		replay_fmt(out, n, "intervention: %s by %s (%s), %s: %s",
		    w, b,
		    replay_str(c, sizeof c, o, "role"),
		    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "ok")) ?
		    "done" : cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o,
		    "carried_out")) ? "done, not durable" : "refused",
		    replay_str(e, sizeof e, o, "reason"));
	} else if (strcmp(topic, TOPIC_TRADE) == 0) {
		ipc_get_num(o, "qty", &q);
		replay_fmt(out, n, "market print %s %.0f @ %s (%s aggressed)",
		    replay_str(a, sizeof a, o, "sym"), q,
		    replay_px(px, sizeof px, o, "px", s),
		    strcmp(replay_str(b, sizeof b, o, "aggr"), "buy") == 0 ?
		    "a buyer" : "a seller");
	} else if (strcmp(topic, TOPIC_FILL) == 0) {
		ipc_get_num(o, "qty", &q);
		replay_fmt(out, n, "our fill, block %s: %.0f @ %s (%s)",
		    replay_str(a, sizeof a, o, "block"), q,
		    replay_px(px, sizeof px, o, "px", s),
		    replay_str(b, sizeof b, o, "liq"));
	} else if (strcmp(topic, TOPIC_BLOCK) == 0) {
		ipc_get_num(o, "filled", &q);
		ipc_get_num(o, "qty", &q2);
		replay_fmt(out, n, "block %s %s: %.0f of %.0f filled",
		    replay_str(a, sizeof a, o, "id"),
		    replay_str(b, sizeof b, o, "state"), q, q2);
	} else if (strcmp(topic, TOPIC_CHILD) == 0) {
		ipc_get_num(o, "qty", &q);
		replay_fmt(out, n, "child order %s of block %s: %s %.0f @ %s %s",
		    replay_str(a, sizeof a, o, "id"),
		    replay_str(b, sizeof b, o, "block"),
		    replay_str(c, sizeof c, o, "status"), q,
		    replay_px(px, sizeof px, o, "px", s),
		    replay_str(d, sizeof d, o, "style"));
	} else if (strcmp(topic, TOPIC_BOOK) == 0) {
		const cJSON *bid = cJSON_GetArrayItem(
		    cJSON_GetObjectItemCaseSensitive(o, "bids"), 0);
		const cJSON *ask = cJSON_GetArrayItem(
		    cJSON_GetObjectItemCaseSensitive(o, "asks"), 0);
		const cJSON *bp = cJSON_GetArrayItem(bid, 0);
		const cJSON *ap = cJSON_GetArrayItem(ask, 0);

		replay_fmt(out, n, "book %s: bid %s, ask %s",
		    replay_str(a, sizeof a, o, "sym"), cJSON_IsNumber(bp) ?
		    text_px(px, sizeof px, bp->valuedouble, s->tick,
		    s->px_decimals) : "none", cJSON_IsNumber(ap) ?
		    text_px(px2, sizeof px2, ap->valuedouble, s->tick,
		    s->px_decimals) : "none");
	} else if (strcmp(topic, TOPIC_MID) == 0) {
		replay_fmt(out, n, "%s mid %s (the engine's one-second sample)",
		    replay_str(a, sizeof a, o, "sym"),
		    replay_px(px, sizeof px, o, "mid", s));
	} else if (strcmp(topic, TOPIC_NEWS) == 0) {
		ipc_get_num(o, "sentiment", &q);
		replay_fmt(out, n, "news %s, sentiment %+.2f: %s",
		    replay_str(a, sizeof a, o, "sym"), q,
		    replay_str(e, sizeof e, o, "headline"));
	} else if (strcmp(topic, TOPIC_HEARTBEAT) == 0)
		replay_fmt(out, n, "heartbeat, engine %s",
		    replay_str(a, sizeof a, o, "state"));
	else if (strcmp(topic, TOPIC_STATUS) == 0)
		replay_fmt(out, n, "engine now %s",
		    replay_str(a, sizeof a, o, "state"));
	else {
		store_text(a, sizeof a, topic);
		replay_fmt(out, n, "a '%s' event", a);
	}
}

static void
replay_deliver(struct tui *t, struct replay *rp)
{
	struct ipc_event ev;
	char err[256];
	int ok = ipc_event_parse(rp->next_data, rp->next_len, &ev, err,
	    sizeof err) == 0;

	if (ok && !TRANCHE_TIME_OK(ev.t)) {
		/* The record's time was the day's, the event's own is not:
		 * not shown, as tranched replay does not publish it. */
		replay_bad_time(t, rp, rp->offset, ev.t);
		ipc_event_free(&ev);
	} else if (ok) {
		store_push(&t->store, &ev, t->view.now_ms);
		ipc_event_free(&ev);
		rp->played++;
	} else {
		rp->bad++;
		t->store.bad_events++;
	}
}

/* The transport bar: state, speed, where playing stands between the
 * first and the last event, and how many events have been played. */
static void
replay_describe(struct tui *t, struct replay *rp)
{
	char speed[16], clock[16], c0[16], c1[16], bar[16 * 3 + 1];
	char line[sizeof rp->line];
	const char *state;
	double frac = 0;
	int i, fill, o = 0;

	text_speed(speed, sizeof speed, rp->speed);
	if (rp->damaged && rp->ended)
		state = "STOPPED (END, damage skipped)";
	else if (rp->ended)
		state = "STOPPED (END)";
	else if (rp->playing)
		state = t->view.utf8 ? "\u25b6 PLAYING" : "> PLAYING";
	else
		state = t->view.utf8 ? "\u2016 PAUSED" : "|| PAUSED";
	if (rp->last_t > rp->first_t)
		frac = (double)(rp->sim_now - rp->first_t) /
		    (double)(rp->last_t - rp->first_t);
	if (rp->ended)
		frac = 1;
	frac = frac < 0 ? 0 : frac > 1 ? 1 : frac;
	fill = (int)(frac * 16 + 0.5);
	for (i = 0; i < 16; i++) {
		const char *c = t->view.utf8 && !t->view.ascii ?
		    (i < fill ? "\u2588" : "\u2591") : (i < fill ? "#" : "-");
		size_t l = strlen(c);

		memcpy(bar + o, c, l);
		o += (int)l;
	}
	bar[o] = '\0';
	/* Restarts are marked on the bar with R (an ASCII letter: it must
	 * read without colour and in --ascii). */
	if (rp->last_t > rp->first_t)
		for (size_t k = 0; k < rp->nmarks; k++) {
			double f = (double)(rp->marks[k].t - rp->first_t) /
			    (double)(rp->last_t - rp->first_t);
			int cell = (int)(f * 16), off = 0;

			if (!rp->marks[k].restart)
				continue;
			cell = cell < 0 ? 0 : cell > 15 ? 15 : cell;
			/* The bar's cells may be several bytes each. */
			for (i = 0, off = 0; i < cell; i++)
				off += (bar[off] & 0x80) ? 3 : 1;
			if ((bar[off] & 0x80) != 0)
				memmove(bar + off + 1, bar + off + 3,
				    strlen(bar + off + 3) + 1);
			bar[off] = 'R';
		}
	snprintf(line, sizeof line, "%s  %s  %s %s|%s|%s  %llu/%llu events",
	    state, speed, text_clock(clock, sizeof clock, rp->sim_now),
	    text_clock(c0, sizeof c0, rp->first_t), bar,
	    text_clock(c1, sizeof c1, rp->last_t),
	    (unsigned long long)rp->played, (unsigned long long)rp->total);
	t->view.replay_frac = frac;
	if (strcmp(line, rp->line) != 0) {
		memcpy(rp->line, line, sizeof line);
		snprintf(t->view.transport, sizeof t->view.transport, "%s", line);
		t->store.dirty |= DIRTY_STATUS;
	}
}

static void
replay_advance(struct tui *t, int64_t now)
{
	struct replay *rp = t->tp_state;
	int n = 0;

	if (rp->playing) {
		rp->sim_now = rp->anchor_sim +
		    (int64_t)((double)(now - rp->anchor_wall) * rp->speed * 1e6);
		while (rp->have_next && rp->next_t <= rp->sim_now &&
		    n++ < REPLAY_BATCH) {
			replay_deliver(t, rp);
			replay_fetch(t, rp);
		}
		/* Behind after a full batch: hold the clock where playing got
		 * to rather than skip. */
		if (rp->have_next && rp->next_t <= rp->sim_now) {
			rp->anchor_sim = rp->next_t;
			rp->anchor_wall = now;
			rp->sim_now = rp->next_t;
		}
		/* Played past a restart: said on the message line, once. */
		for (; rp->said < rp->nmarks &&
		    rp->marks[rp->said].t < rp->sim_now; rp->said++)
			if (rp->marks[rp->said].restart)
				tui_message(t, MSG_ERR, "%s",
				    rp->marks[rp->said].what);
	}
	replay_describe(t, rp);
}

static void
replay_on_timer(uv_timer_t *h)
{
	struct tui *t = h->data;

	replay_advance(t, tui_now_ms());
}

/* Re-anchor the clock at where it stands now. */
static void
replay_anchor(struct replay *rp, int64_t now)
{
	if (rp->playing)
		rp->sim_now = rp->anchor_sim +
		    (int64_t)((double)(now - rp->anchor_wall) * rp->speed * 1e6);
	rp->anchor_sim = rp->sim_now;
	rp->anchor_wall = now;
}

/* Deliver, without drawing, every record at or before `until`. */
static void
replay_forward(struct tui *t, struct replay *rp, int64_t until)
{
	while (rp->have_next && rp->next_t <= until) {
		replay_deliver(t, rp);
		replay_fetch(t, rp);
	}
}

/* Back to the start of the journal with an empty store (what the header
 * said is kept); the panels start their lists again. */
static int
replay_rewind(struct tui *t, struct replay *rp)
{
	int rc, i;

	if ((rc = jrnl_rewind(rp->rd)) != 0) {
		tui_message(t, MSG_ERR, "cannot go back: %s", jrnl_strerror(rc));
		return -1;
	}
	store_free(&t->store);
	store_init(&t->store);
	if (rp->tick_known)
		store_set_tick(&t->store, rp->tick);
	memcpy(t->store.engine, rp->engine, sizeof rp->engine);
	memcpy(t->store.sym, rp->sym, sizeof rp->sym);
	t->store.replay = 1;
	t->store.conn = CONN_REPLAY;
	snprintf(t->store.state, sizeof t->store.state, "-");
	for (i = 0; i < PANEL_COUNT; i++) {
		t->panels[i].scroll = 0;
		t->panels[i].mark = 0;
		t->panels[i].dirty = 1;
	}
	/* The same journal again: the selections keep their items, which
	 * the replay to the new time brings back (a child or quote not yet
	 * there is "gone" until it is). */
	t->view.sel_child_gone = t->view.sel_rfq_gone = 0;
	t->full_redraw = 1;
	rp->played = rp->bad = rp->bad_time = 0;
	rp->said = 0;
	rp->ended = rp->damaged = 0;
	rp->spans = rp->skipped_at = rp->skipped_bytes = 0;
	rp->have_next = 0;
	replay_fetch(t, rp);
	return 0;
}

/* Go to simulated time `to`: forward from here, or from the start when it
 * is behind.  Playing goes on (or stays paused) from there. */
static int
replay_goto(struct tui *t, struct replay *rp, int64_t to)
{
	int64_t now = tui_now_ms();

	replay_anchor(rp, now);
	if (to < rp->sim_now && replay_rewind(t, rp) != 0)
		return -1;
	replay_forward(t, rp, to);
	rp->sim_now = rp->anchor_sim = to;
	rp->anchor_wall = now;
	if (rp->ended)
		rp->playing = 0;
	t->store.dirty |= DIRTY_ALL;
	return 0;
}

/* n / N: the next (dir 1) or previous (dir -1) alert or audit event. */
static void
replay_mark(struct tui *t, struct replay *rp, int dir)
{
	char clock[16];
	size_t i;
	int64_t to = 0;
	int found = 0;

	if (dir > 0) {
		for (i = 0; i < rp->nmarks; i++)
			if (rp->marks[i].t > rp->sim_now) {
				to = rp->marks[i].t, found = 1;
				break;
			}
	} else {
		for (i = rp->nmarks; i-- > 0;)
			if (rp->marks[i].t < rp->sim_now) {
				to = rp->marks[i].t, found = 1;
				break;
			}
	}
	if (!found) {
		tui_message(t, MSG_INFO, "no %s alert, intervention or restart%s",
		    dir > 0 ? "later" : "earlier", rp->nmarks == 0 ?
		    " in this journal" : "");
		return;
	}
	rp->playing = 0;
	if (replay_goto(t, rp, to) != 0)
		return;
	rp->playing = 0;
	/* A restart at this instant has been said now: playing on from here
	 * does not say it again. */
	for (rp->said = 0; rp->said < rp->nmarks &&
	    rp->marks[rp->said].t <= to; rp->said++)
		;
	/* What is there comes first: the line is cut at the screen's edge. */
	tui_message(t, MSG_INFO, "%s at %s: %s (mark %zu of %zu; n / N step)",
	    dir > 0 ? "next" : "previous", text_clock(clock, sizeof clock, to),
	    rp->marks[i].what, i + 1, rp->nmarks);
}

/* . : exactly one event forward, paused. */
static void
replay_step(struct tui *t, struct replay *rp)
{
	char clock[16], words[300], err[128];
	struct ipc_event ev;

	replay_anchor(rp, tui_now_ms());
	rp->playing = 0;
	if (!rp->have_next) {
		tui_message(t, MSG_INFO, "%s", rp->damaged ?
		    "end of journal (damage skipped): nothing more to play" :
		    "end of journal: nothing more to play");
		return;
	}
	rp->sim_now = rp->anchor_sim = rp->next_t;
	/* Said in words: decoded once more here (the store takes the
	 * delivered one). */
	if (ipc_event_parse(rp->next_data, rp->next_len, &ev, err,
	    sizeof err) == 0) {
		transport_replay_words(words, sizeof words, ev.topic, ev.json,
		    &t->store);
		ipc_event_free(&ev);
	} else
		snprintf(words, sizeof words, "an event that does not decode "
		    "(%s)", err);
	replay_deliver(t, rp);
	replay_fetch(t, rp);
	tui_message(t, MSG_INFO, "one event forward (paused): %s %s",
	    text_clock(clock, sizeof clock, rp->sim_now), words);
}

/* HH:MM[:SS] to nanoseconds; -1 when it is not a time. */
static int64_t
replay_parse_time(const char *s)
{
	unsigned h, m, sec = 0;
	char tail;
	int n;

	while (*s == ' ')
		s++;
	n = sscanf(s, "%u:%u:%u%c", &h, &m, &sec, &tail);
	if (n == 4 && tail == ' ')
		n = 3;
	if (n != 2 && n != 3)
		return -1;
	if (h > 47 || m > 59 || sec > 59)
		return -1;
	return ((int64_t)h * 3600 + m * 60 + sec) * 1000000000LL;
}

static void
replay_seek(struct tui *t, const char *when)
{
	struct replay *rp = t->tp_state;
	char clock[16], c0[16], c1[16];
	int64_t to = replay_parse_time(when);

	if (to < 0) {
		char q[PROMPT_QUOTE];

		/* Named as the prompts name a value (prompt_quote): it was
		 * cut at 40 bytes without a sign. */
		tui_message(t, MSG_ERR, "go to: time %s: must be HH:MM or "
		    "HH:MM:SS", prompt_quote(q, sizeof q, when));
		return;
	}
	if (rp->total == 0) {
		tui_message(t, MSG_ERR, "go to: the journal holds no events");
		return;
	}
	/* Times are typed to the second: the seconds the first and the last
	 * event fall in are inside. */
	if (to < rp->first_t - rp->first_t % 1000000000LL ||
	    to > rp->last_t - rp->last_t % 1000000000LL + 999999999LL) {
		tui_message(t, MSG_ERR, "go to: %s is outside the journal "
		    "(%s to %s)", text_clock(clock, sizeof clock, to),
		    text_clock(c0, sizeof c0, rp->first_t),
		    text_clock(c1, sizeof c1, rp->last_t));
		return;
	}
	if (to >= rp->last_t - rp->last_t % 1000000000LL)
		to = rp->last_t; /* the last event's second: to the end */
	if (replay_goto(t, rp, to) != 0)
		return;
	tui_message(t, MSG_INFO, "at %s: %llu events played (%s)",
	    text_clock(clock, sizeof clock, to),
	    (unsigned long long)rp->played, rp->playing ? "playing" : "paused");
	replay_describe(t, rp);
}

static unsigned
replay_key(struct tui *t, int key)
{
	struct replay *rp = t->tp_state;
	int64_t now = tui_now_ms();
	char speed[16];

	switch (key) {
	case ' ':
		if (rp->ended) {
			tui_message(t, MSG_INFO, "%s", rp->damaged ?
			    "end of journal (damage skipped): nothing more to play" :
			    "end of journal: nothing more to play");
			break;
		}
		replay_anchor(rp, now);
		rp->playing = !rp->playing;
		tui_message(t, MSG_INFO, "replay %s", rp->playing ? "playing" :
		    "paused");
		break;
	case '+':
	case '=':
		replay_anchor(rp, now);
		rp->speed = fmin(rp->speed * 2, REPLAY_MAX_SPEED);
		tui_message(t, MSG_INFO, "replay speed %s",
		    text_speed(speed, sizeof speed, rp->speed));
		break;
	case '-':
	case '_':
		replay_anchor(rp, now);
		rp->speed = fmax(rp->speed / 2, REPLAY_MIN_SPEED);
		tui_message(t, MSG_INFO, "replay speed %s",
		    text_speed(speed, sizeof speed, rp->speed));
		break;
	case '.':
		replay_step(t, rp);
		break;
	case 'n':
		replay_mark(t, rp, 1);
		break;
	case 'N':
		replay_mark(t, rp, -1);
		break;
	case 'g':
		prompt_begin(&t->prompt, "goto", "", 1);
		t->msg_dirty = 1;
		return TUI_HANDLED | TUI_REDRAW;
	default:
		return 0;
	}
	replay_describe(t, rp);
	return TUI_HANDLED | TUI_REDRAW;
}

/* The header says what the journal is; the tick size is needed to show
 * prices in dollars (live, it comes with hello). */
static void
replay_header(struct tui *t, const char *path, const char *header)
{
	cJSON *h = header ? cJSON_Parse(header) : NULL, *cfg;
	char scen[64] = "", name[48] = "";
	const char *base = strrchr(path, '/'), *sc, *nm;
	double tick;
	int64_t seed = 0;
	int has_seed = 0;

	base = base ? base + 1 : path;
	if (h != NULL) {
		cfg = cJSON_GetObjectItemCaseSensitive(h, "config");
		if (!cJSON_IsObject(cfg))
			cfg = cJSON_GetObjectItemCaseSensitive(h, "options");
		if (ipc_get_num(h, "tick", &tick) == 0 ||
		    (cJSON_IsObject(cfg) && ipc_get_num(cfg, "tick", &tick) == 0))
			store_set_tick(&t->store, tick);
		/* "scenario" may be a name or the whole scenario object. */
		if (ipc_get_str(h, "scenario", &sc) == 0 ||
		    ipc_get_str(h, "scenario_name", &sc) == 0 ||
		    ipc_get_str(cJSON_GetObjectItemCaseSensitive(h, "scenario"),
		    "name", &sc) == 0)
			store_text(scen, sizeof scen, sc);
		if (ipc_get_str(h, "sym", &sc) == 0)
			store_text(t->store.sym, sizeof t->store.sym, sc);
		if (ipc_get_i64(h, "seed", &seed) == 0)
			has_seed = 1;
		if (ipc_get_str(h, "engine", &nm) == 0 ||
		    ipc_get_str(h, "name", &nm) == 0)
			store_text(name, sizeof name, nm);
		if (name[0] != '\0')
			snprintf(t->store.engine, sizeof t->store.engine, "%s",
			    name);
		cJSON_Delete(h);
	}
	snprintf(t->view.source, sizeof t->view.source, "%s%s%s", base,
	    scen[0] ? "  scenario " : "", scen);
	if (has_seed) {
		size_t used = strlen(t->view.source);

		snprintf(t->view.source + used, sizeof t->view.source - used,
		    "  seed %lld", (long long)seed);
	}
}

/* A first pass over the journal, skipping damage as playing does: the span
 * of simulated time, the number of events, and when the alerts and audit
 * events are. */
/* Room for one more mark at time t: a new one, or the one already at
 * that instant (one stop per instant, in time order); NULL when t is
 * earlier than the last mark. */
static struct replay_mark *
replay_mark_at(struct replay *rp, int64_t t)
{
	struct replay_mark *m;

	if (rp->nmarks > 0 && rp->marks[rp->nmarks - 1].t >= t)
		return rp->marks[rp->nmarks - 1].t == t ?
		    &rp->marks[rp->nmarks - 1] : NULL;
	if (rp->nmarks == rp->capmarks) {
		rp->capmarks = rp->capmarks ? rp->capmarks * 2 : 64;
		rp->marks = realloc(rp->marks, rp->capmarks * sizeof *rp->marks);
		if (rp->marks == NULL)
			abort();
	}
	m = &rp->marks[rp->nmarks++];
	memset(m, 0, sizeof *m);
	m->t = t;
	return m;
}

/* The engine's "recovered" note: where the old engine stopped (the time
 * of the last record before it) and what the new one did. */
#define REPLAY_RECENT 256 /* event times kept to find where a restart is */

static void
replay_scan_note(struct replay *rp, const struct jrnl_rec *rec,
                 const int64_t *recent, uint64_t nrecent)
{
	cJSON *o = cJSON_ParseWithLength((const char *)rec->data, rec->len);
	const char *note = NULL;
	struct replay_mark *m;
	double records = 0, commands = 0, fresh = 0;
	char clock[16];
	int64_t prev_t;

	/* The new engine journals the events it made while catching up
	 * ("new_events") just before its note: the old one stopped at the
	 * event before those. */
	if (o != NULL)
		ipc_get_num(o, "new_events", &fresh);
	if (!(fresh >= 0) || fresh >= (double)nrecent ||
	    fresh >= REPLAY_RECENT - 1)
		fresh = 0;
	prev_t = recent[(nrecent - 1 - (uint64_t)fresh) % REPLAY_RECENT];
	if (o == NULL || ipc_get_str(o, "note", &note) != 0 ||
	    strcmp(note, "recovered") != 0 ||
	    (m = replay_mark_at(rp, prev_t)) == NULL) {
		cJSON_Delete(o);
		return;
	}
	ipc_get_num(o, "records", &records);
	ipc_get_num(o, "commands", &commands);
	m->restart = 1;
	snprintf(m->what, sizeof m->what, "RESTART: the engine stopped at %s; "
	    "a new one recovered the session from the journal (%.0f records, "
	    "%.0f commands applied again)", text_clock(clock, sizeof clock,
	    prev_t), records, commands);
	cJSON_Delete(o);
}

static void
replay_scan(struct tui *t, struct replay *rp, const char *path)
{
	struct jrnl_reader *rd;
	struct jrnl_span span;
	struct jrnl_rec rec;
	struct ipc_event ev;
	struct replay_mark *m;
	char err[64];
	int64_t recent[REPLAY_RECENT];
	int rc;

	if (jrnl_reader_open(&rd, path, NULL) != 0)
		return;
	for (;;) {
		const uint8_t *nul;

		if ((rc = jrnl_next(rd, &rec)) != 1) {
			if ((rc == JRNL_ECORRUPT || rc == JRNL_ETORN) &&
			    jrnl_resync(rd, &span) == 1)
				continue;
			break;
		}
		rp->scan_last = rec.offset;
		rp->scanned = 1;
		if (rec.kind == JRNL_NOTE && rp->total > 0)
			replay_scan_note(rp, &rec, recent, rp->total);
		if (rec.kind != JRNL_EVENT || !TRANCHE_TIME_OK(rec.t))
			continue;
		recent[rp->total % REPLAY_RECENT] = rec.t;
		if (rp->total++ == 0)
			rp->first_t = rec.t;
		if (rec.t > rp->last_t)
			rp->last_t = rec.t;
		nul = memchr(rec.data, '\0', rec.len);
		if (nul == NULL || (nul - rec.data != 5) ||
		    (memcmp(rec.data, TOPIC_ALERT, 5) != 0 &&
		    memcmp(rec.data, TOPIC_AUDIT, 5) != 0))
			continue;
		if (ipc_event_parse(rec.data, rec.len, &ev, err, sizeof err) != 0)
			continue;
		/* Reads (hello, status ...) change nothing: no stop. */
		if (strcmp(ev.topic, TOPIC_AUDIT) == 0) {
			const char *cmd = "";

			ipc_get_str(ev.json, "cmd", &cmd);
			/* Nor do logins, failed ones and the engine's
			 * counts of refusals included: they are in the
			 * audit panel, not stops. */
			if (strcmp(cmd, CMD_HELLO) == 0 ||
			    strcmp(cmd, AUDIT_EVENTS_HELLO) == 0 ||
			    strcmp(cmd, AUDIT_REFUSED) == 0 ||
			    strcmp(cmd, CMD_STATUS) == 0 ||
			    strcmp(cmd, CMD_SNAPSHOT) == 0 ||
			    strcmp(cmd, CMD_ESTIMATE) == 0) {
				ipc_event_free(&ev);
				continue;
			}
		}
		if ((m = replay_mark_at(rp, rec.t)) != NULL && m->what[0] == '\0')
			transport_replay_words(m->what, sizeof m->what, ev.topic,
			    ev.json, &t->store);
		ipc_event_free(&ev);
	}
	jrnl_reader_close(rd);
}

/* The events mean what this build's protocol says they mean: a header
 * naming another version (or none) is refused, naming it. */
static int
replay_protocol_check(const char *path, const char *header)
{
	cJSON *h = header != NULL ? cJSON_Parse(header) : NULL;
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(h, "protocol");
	int ok = cJSON_IsNumber(v) && TRANCHE_PROTO_JOURNAL_OK(v->valuedouble);

	if (!ok) {
		char *txt = v != NULL ? cJSON_PrintUnformatted(v) : NULL;

		fprintf(stderr, "tranche replay: %s: header protocol %s: this "
		    "console reads protocols %d to %d\n", path, txt != NULL ?
		    txt : "(missing)", TRANCHE_PROTO_JOURNAL_MIN,
		    TRANCHE_PROTO_VERSION);
		cJSON_free(txt);
	}
	cJSON_Delete(h);
	return ok ? 0 : -1;
}

static int
replay_open(struct tui *t)
{
	struct replay *rp = calloc(1, sizeof *rp);
	char *header = NULL;
	int rc;

	if (rp == NULL)
		abort();
	t->tp_state = rp;
	rp->speed = t->opt.speed > 0 ? t->opt.speed : 1;
	if ((rc = jrnl_reader_open(&rp->rd, t->opt.journal, &header)) != 0) {
		char msg[1024];

		fprintf(stderr, "tranche replay: cannot read %s\n",
		    jrnl_describe(msg, sizeof msg, rc, t->opt.journal));
		free(header);
		return -1;
	}
	if (replay_protocol_check(t->opt.journal, header) != 0) {
		free(header);
		return -1;
	}
	replay_header(t, t->opt.journal, header);
	free(header);
	replay_scan(t, rp, t->opt.journal);
	rp->tick = t->store.tick;
	rp->tick_known = t->store.tick_known;
	memcpy(rp->engine, t->store.engine, sizeof rp->engine);
	memcpy(rp->sym, t->store.sym, sizeof rp->sym);
	t->store.replay = 1;
	t->store.conn = CONN_REPLAY;
	snprintf(t->store.state, sizeof t->store.state, "-");
	return 0;
}

static int
replay_start(struct tui *t)
{
	struct replay *rp = t->tp_state;
	int64_t now = tui_now_ms();

	replay_fetch(t, rp);
	rp->anchor_sim = rp->sim_now = rp->have_next ? rp->next_t : 0;
	rp->anchor_wall = now;
	rp->playing = rp->have_next;
	if (!rp->have_next && !rp->damaged)
		tui_message(t, MSG_ERR, "the journal holds no events");
	uv_timer_init(&t->loop, &rp->timer);
	rp->timer.data = t;
	rp->timer_open = 1;
	uv_timer_start(&rp->timer, replay_on_timer, 0, REPLAY_TICK_MS);
	replay_describe(t, rp);
	return 0;
}

static void
replay_tick(struct tui *t, int64_t now)
{
	(void)t, (void)now;
}

static int
replay_send(struct tui *t, cJSON *req, const char *what)
{
	(void)t, (void)what;
	cJSON_Delete(req);
	return -1;
}

static void
replay_close(struct tui *t)
{
	struct replay *rp = t->tp_state;

	if (rp != NULL && rp->timer_open) {
		uv_close((uv_handle_t *)&rp->timer, NULL);
		rp->timer_open = 0;
	}
}

static void
replay_free(struct tui *t)
{
	struct replay *rp = t->tp_state;

	if (rp == NULL)
		return;
	if (rp->rd != NULL)
		jrnl_reader_close(rp->rd);
	free(rp->next_data);
	free(rp->marks);
	free(rp);
	t->tp_state = NULL;
}

const struct transport_ops transport_replay_ops = {
	.name = "replay",
	.open = replay_open,
	.start = replay_start,
	.tick = replay_tick,
	.send = replay_send,
	.key = replay_key,
	.seek = replay_seek,
	.close = replay_close,
	.free = replay_free,
};
