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
 * Damage.  The reader stops at the first damaged record (bad checksum,
 * impossible length, torn tail) and says at which byte; the console plays
 * everything before it and then says where it stopped and why.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/journal/journal.h"
#include "tui/tui.h"

#define REPLAY_TICK_MS 10
#define REPLAY_BATCH 20000
#define REPLAY_MIN_SPEED 0.25
#define REPLAY_MAX_SPEED 100.0

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
	char line[160];
};

/* Read ahead to the next event record; sets ended/damaged at the end. */
static void
replay_fetch(struct tui *t, struct replay *rp)
{
	struct jrnl_rec rec;
	int rc;

	rp->have_next = 0;
	while ((rc = jrnl_next(rp->rd, &rec)) == 1) {
		if (rec.kind != JRNL_EVENT)
			continue;
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
	if (rc < 0) {
		rp->damaged = 1;
		tui_message(t, MSG_ERR, "journal damaged at byte %llu (%s): "
		    "played %llu events up to there",
		    (unsigned long long)rec.offset, jrnl_strerror(rc),
		    (unsigned long long)rp->played);
	} else
		tui_message(t, MSG_OK, "end of journal: %llu events played",
		    (unsigned long long)rp->played);
}

static void
replay_deliver(struct tui *t, struct replay *rp)
{
	struct ipc_event ev;
	char err[256];

	if (ipc_event_parse(rp->next_data, rp->next_len, &ev, err,
	    sizeof err) == 0) {
		store_push(&t->store, &ev, t->view.now_ms);
		ipc_event_free(&ev);
		rp->played++;
	} else {
		rp->bad++;
		t->store.bad_events++;
	}
}

static void
replay_describe(struct tui *t, struct replay *rp)
{
	char speed[16], clock[16], line[sizeof rp->line];
	const char *state;

	text_speed(speed, sizeof speed, rp->speed);
	if (rp->damaged)
		state = "STOPPED at damage";
	else if (rp->ended)
		state = "END";
	else if (rp->playing)
		state = t->view.utf8 ? "\u25b6 PLAYING" : "> PLAYING";
	else
		state = t->view.utf8 ? "\u2016 PAUSED" : "|| PAUSED";
	snprintf(line, sizeof line, "%s  %s  %s  %llu events", state, speed,
	    text_clock(clock, sizeof clock, rp->sim_now),
	    (unsigned long long)rp->played);
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
			    "stopped at the damage: nothing more to play" :
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
		int err = errno;

		fprintf(stderr, "tranche replay: cannot read %s: %s\n",
		    t->opt.journal, rc == JRNL_EIO ? strerror(err) :
		    jrnl_strerror(rc));
		free(header);
		return -1;
	}
	replay_header(t, t->opt.journal, header);
	free(header);
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
	.close = replay_close,
	.free = replay_free,
};
