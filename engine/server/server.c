/*
 * engine/server/server.c -- the engine daemon's loop.
 *
 * libuv owns the one thread.  Three timers drive it:
 *
 *   clock   every 10 ms of wall time the simulated clock moves on by
 *           10 ms x speed (at speed "max", by a fixed chunk per pass) and
 *           the execution layer makes every decision due by then;
 *   publish every 50 ms: each symbol's book (only if it changed:
 *           conflated to at most 20 per second per symbol), the blocks that
 *           changed, then the outbox;
 *   beat    once a second: the heartbeat.
 *
 * Commands arrive on an NNG REP socket whose receive descriptor is watched
 * with uv_poll; each is decoded, checked, executed at most once per client
 * id (a repeat gets the first answer), journaled with its answer and synced
 * to disk, and only then answered.
 *
 * Events do not go straight to the socket.  Everything the engine says is
 * appended to the journal and queued in an outbox; at the end of every pass
 * (the Redis beforeSleep habit) the journal is synced if a fill is among
 * them -- a fill is never published before it is on disk -- or merely
 * flushed, and then the outbox is published in order, as few messages as
 * possible (server_send_batched), to the peers admitted on the events
 * channel (server-events.c) and to nobody else.  If that write or sync
 * fails, nothing of the pass is sent and the engine goes JOURNAL-HALTED
 * (server-journal.c).  Sending never blocks: a slow peer loses messages,
 * sees the sequence gap, and asks for a snapshot.
 *
 * Nothing below this layer includes nng.h or uv.h.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/supplemental/util/platform.h>
#include <nng/transport/ipc/ipc.h>
#include <uv.h>

#include "engine/exec/exec.h"
#include "engine/exec/scenario.h"
#include "engine/journal/journal.h"
#include "engine/model/model.h"
#include "engine/server/server.h"
#include "engine/server/server-int.h"
#include "ipc/codec.h"
#include "ipc/nngclose.h"
#include "ipc/protocol.h"

#define CLOCK_MS 10
#define PUBLISH_MS 50
#define MAX_SPEED_CHUNK_NS (5LL * 1000000000LL)
/* A clock pass works at most CATCHUP_MS of wall time, in pieces of at
 * most MAX_SPEED_CHUNK_NS of simulated time, and reads the sockets before
 * the next; an engine that cannot keep its speed (stopped, starved, or
 * asked for more than it can do) owes at most OWED_MAX_MS of wall time's
 * worth and gives the rest up, counted in lost_ms.  Simulating the whole
 * lag in one pass made each pass longer than the last on a starved host:
 * seconds in which no request or events hello was answered. */
#define CATCHUP_MS 100
#define OWED_MAX_MS 1000

static void
server_outbox_push(struct server *s, char *buf, size_t len, int durable)
{
	if (s->nout == s->capout) {
		size_t n = s->capout ? s->capout * 2 : 256;
		struct outmsg *v = realloc(s->out, n * sizeof *v);

		if (v == NULL) {
			/* The journal has it; subscribers will see a gap. */
			free(buf);
			return;
		}
		s->out = v;
		s->capout = n;
	}
	s->out[s->nout].buf = buf;
	s->out[s->nout].len = len;
	s->nout++;
	if (durable)
		s->need_sync = 1;
}

/* Keep the last few decisions, alerts and audit records for snapshots. */
void
server_ring_push(struct ring *r, const char *json)
{
	char *copy = strdup(json);

	if (copy == NULL)
		return;
	free(r->items[r->head]);
	r->items[r->head] = copy;
	r->head = (r->head + 1) % RING_SIZE;
	if (r->count < RING_SIZE)
		r->count++;
}

void
server_alert_push(struct server *s, const char *json)
{
	struct ring *r = &s->alerts;

	if (r->count == RING_SIZE) {
		const char *old = r->items[r->head];

		/* The oldest, about to go: a CRIT nobody acknowledged stays
		 * (found by an adversarial review: 220 small blocks' routine
		 * WARNs pushed a raised spread CRIT out, and ack answered
		 * "no such alert"). */
		if (old != NULL && strstr(old, "\"sev\":\"crit\"") != NULL &&
		    strstr(old, "\"acked\":true") == NULL)
			server_ring_push(&s->crits, old);
	}
	server_ring_push(r, json);
}

void
server_crits_drop_acked(struct server *s)
{
	struct ring *r = &s->crits;
	char *keep[RING_SIZE];
	int n = 0;

	/* Oldest first into keep; every slot outside count is NULL. */
	for (int i = 0; i < r->count; i++) {
		int k = (r->head - r->count + i + RING_SIZE) % RING_SIZE;

		if (strstr(r->items[k], "\"acked\":true") != NULL)
			free(r->items[k]);
		else
			keep[n++] = r->items[k];
		r->items[k] = NULL;
	}
	memcpy(r->items, keep, (size_t)n * sizeof keep[0]);
	r->count = n;
	r->head = n % RING_SIZE;
}

cJSON *
server_alerts_json(const struct server *s)
{
	cJSON *a = server_ring_json(&s->crits), *b = server_ring_json(&s->alerts),
	    *o;

	if (a == NULL || b == NULL) {
		cJSON_Delete(a);
		return b;
	}
	while ((o = cJSON_DetachItemFromArray(b, 0)) != NULL)
		cJSON_AddItemToArray(a, o);
	cJSON_Delete(b);
	return a;
}

cJSON *
server_ring_json(const struct ring *r)
{
	cJSON *a = cJSON_CreateArray();

	for (int i = 0; i < r->count; i++) {
		int k = (r->head - r->count + i + RING_SIZE) % RING_SIZE;
		cJSON *o = cJSON_Parse(r->items[k]);

		if (o != NULL)
			cJSON_AddItemToArray(a, o);
	}
	return a;
}

void
server_publish(struct server *s, const char *topic, cJSON *payload)
{
	size_t len;
	char *buf;
	int64_t now;

	/* The FIX layer hears every fill, re-simulated ones too: recovery
	 * rebuilds its reports (server-fix.c). */
	if (s->fix != NULL && !(s->jhalted && strcmp(topic, TOPIC_FILL) == 0))
		server_fix_event(s, topic, payload);
	/* Every print of the session, re-simulated ones too: recovery
	 * rebuilds the count. */
	if (strcmp(topic, TOPIC_TRADE) == 0)
		s->prints++;
	if (s->recovering && server_recover_event(s, topic, payload))
		return;
	/* A fill that cannot be journaled is never published (none is made
	 * while halted: the clock stands still). */
	if (s->jhalted && strcmp(topic, TOPIC_FILL) == 0)
		return;
	/* An event of one market at its own time (exec_event_time): the
	 * first market's clock would make a second market's fills depend on
	 * how the loop sliced time, that is on the speed. */
	now = server_event_now(s);
	buf = ipc_event_format(topic, s->seq + 1, now, payload, &len);
	if (buf == NULL)
		return;
	s->seq++;
	/* A failed append is latched; server_flush halts at the pass's end. */
	if (!s->recovering && !s->jhalted)
		(void)server_jrnl_append(s, JRNL_EVENT, now, buf, len, topic);
	if (strcmp(topic, TOPIC_DECISION) == 0)
		server_ring_push(&s->decisions, buf + strlen(topic) + 1);
	else if (strcmp(topic, TOPIC_ALERT) == 0)
		server_alert_push(s, buf + strlen(topic) + 1);
	else if (strcmp(topic, TOPIC_NEWS) == 0)
		server_ring_push(&s->news, buf + strlen(topic) + 1);
	else if (strcmp(topic, TOPIC_AUDIT) == 0)
		/* Refusals keep a ring of their own: a flood of them must not
		 * push the interventions out (server-session.c). */
		server_ring_push(cJSON_HasObjectItem(payload, "peer") ?
		    &s->refusals : &s->audits, buf + strlen(topic) + 1);
	server_outbox_push(s, buf, len, strcmp(topic, TOPIC_FILL) == 0);
}

void
server_publish_alert(struct server *s, const char *sev, const char *code,
                     const char *text)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "sev", sev);
	cJSON_AddStringToObject(o, "code", code);
	cJSON_AddStringToObject(o, "text", text);
	server_publish(s, TOPIC_ALERT, o);
	cJSON_Delete(o);
}

static void
server_exec_emit(void *arg, const char *topic, cJSON *payload)
{
	server_publish(arg, topic, payload);
}

/*
 * Send a pass's events as few messages as possible: events joined by '\n',
 * up to IPC_BATCH_BYTES a message (ipc/batch.h).  Every NNG message
 * costs a subscriber several thread hand-offs inside NNG -- about 10% of a
 * core at 10,000 a second before it has read a byte -- and one per pass
 * costs almost nothing.  A lone event larger than the limit goes alone.
 */
static void
server_send_batched(struct server *s)
{
	/* Before the sockets open (recovery), or with no subscriber, there
	 * is nobody to tell. */
	if (s->ev == NULL || evchan_peers(s->ev) == 0)
		return;
	for (size_t i = 0; i < s->nout; i++) {
		if (ipc_batch_full(&s->batch, s->out[i].len))
			evchan_send_batch(s->ev, &s->batch);
		/* Out of memory it is left out: subscribers see the gap. */
		(void)ipc_batch_add(&s->batch, s->out[i].buf, s->out[i].len);
	}
	evchan_send_batch(s->ev, &s->batch);
}

/*
 * Before the loop sleeps: make the journal durable where it must be, then
 * let the events go.
 */
void
server_flush(struct server *s)
{
	/* Halting drops the pass's events and queues the alert instead. */
	if (!s->jhalted && server_jrnl_commit(s, s->need_sync,
	    s->need_sync ? "a fill" : "events") != 0)
		server_jrnl_halt(s);
	s->need_sync = 0;
	/* Execution reports only of what the journal holds. */
	if (s->fix != NULL && !s->jhalted)
		server_fix_flush(s);
	server_send_batched(s);
	for (size_t i = 0; i < s->nout; i++)
		free(s->out[i].buf);
	s->nout = 0;
}

int
server_kill_holds(struct server *s)
{
	if (!exec_killed(s->x))
		return 0;
	if (!s->recovering)
		return 1;
	/* Re-applying a journal: an engine before the latch took a command
	 * once no block was HALTED any more, its switch off from then on.
	 * What it accepted is re-applied as it was, and the switch goes off
	 * there as it did then (a journal of this engine holds no such
	 * command: the latch refused it). */
	for (size_t i = 0; i < exec_count(s->x); i++)
		if (exec_get(s->x, i)->state == PARENT_HALTED)
			return 1;
	exec_kill_forget(s->x);
	return 0;
}

const char *
server_state(struct server *s)
{
	int paused = 0, working = 0;

	if (s->rp != NULL)
		return s->rp->state;
	if (s->jhalted)
		return "JOURNAL-HALTED";
	/* The kill switch is on until a supervisor releases it, whether or
	 * not any block is left to halt. */
	if (exec_killed(s->x))
		return "HALTED";
	if (exec_all_done(s->x) && exec_count(s->x) > 0)
		return "DONE";
	for (size_t i = 0; i < exec_count(s->x); i++) {
		int st = exec_get(s->x, i)->state;

		paused += st == PARENT_PAUSED;
		working += st == PARENT_WORKING || st == PARENT_NEW;
	}
	if (paused > 0 && working == 0)
		return "PAUSED";
	return "LIVE";
}

static void
server_speed_text(const struct server *s, char *buf, size_t n)
{
	if (s->speed <= 0)
		snprintf(buf, n, "max");
	else
		snprintf(buf, n, "%g", s->speed);
}

void
server_status_check(struct server *s)
{
	const char *st;
	char speed[32];
	cJSON *o;

	/* A replay says only what the journal said. */
	if (s->readonly)
		return;
	st = server_state(s);
	if (strcmp(st, s->last_state) == 0 && s->speed == s->last_speed)
		return;
	snprintf(s->last_state, sizeof s->last_state, "%s", st);
	s->last_speed = s->speed;
	server_speed_text(s, speed, sizeof speed);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "state", st);
	cJSON_AddStringToObject(o, "speed", speed);
	server_publish(s, TOPIC_STATUS, o);
	cJSON_Delete(o);
}

void
server_set_speed(struct server *s, double speed)
{
	s->speed = speed;
	if (s->loop_inited && !s->stopping) {
		s->wall_last = uv_now(&s->loop);
		s->owed_ns = 0;
		uv_timer_set_repeat(&s->clock_timer, speed <= 0 ? 1 : CLOCK_MS);
		uv_timer_again(&s->clock_timer);
	}
}

int64_t
server_now(const struct server *s)
{
	return s->rp != NULL ? s->rp->t : s->m->now;
}

int64_t
server_event_now(const struct server *s)
{
	return s->rp == NULL && s->x != NULL && exec_event_time(s->x) != 0 ?
	    exec_event_time(s->x) : server_now(s);
}

double
server_tick(const struct server *s)
{
	return s->rp != NULL ? s->rp->tick : s->m->tick;
}

const char *
server_sym(const struct server *s)
{
	return s->rp != NULL ? s->rp->sym : s->m->sym;
}

cJSON *
server_book_first_json(struct server *s)
{
	const cJSON *first;

	if (s->rp == NULL)
		return server_book_json(s, s->m);
	/* The header's symbol's (the first), else the first seen. */
	first = s->rp->nbooks > 0 ? s->rp->books[0] : NULL;
	for (int i = 0; i < s->rp->nbooks; i++) {
		const char *sym = "";

		ipc_get_str(s->rp->books[i], "sym", &sym);
		if (strcmp(sym, s->rp->sym) == 0)
			first = s->rp->books[i];
	}
	return first != NULL ? cJSON_Duplicate(first, 1) : cJSON_CreateObject();
}

cJSON *
server_books_json(struct server *s)
{
	cJSON *a = cJSON_CreateArray();

	if (s->rp != NULL) {
		for (int i = 0; i < s->rp->nbooks; i++)
			cJSON_AddItemToArray(a, cJSON_Duplicate(s->rp->books[i], 1));
		return a;
	}
	for (size_t i = 0; i < exec_market_count(s->x); i++)
		cJSON_AddItemToArray(a, server_book_json(s,
		    exec_market_at(s->x, i)));
	return a;
}

cJSON *
server_blocks_json(struct server *s)
{
	cJSON *a = cJSON_CreateArray();

	if (s->rp != NULL) {
		for (int i = 0; i < REPLAY_BLOCKS; i++)
			if (s->rp->blocks[i] != NULL)
				cJSON_AddItemToArray(a, cJSON_Duplicate(
				    s->rp->blocks[i], 1));
		return a;
	}
	for (size_t i = 0; i < exec_count(s->x); i++)
		cJSON_AddItemToArray(a, exec_block_json(s->x, exec_get(s->x, i)));
	return a;
}

cJSON *
server_syms_json(struct server *s)
{
	cJSON *a;

	if (s->rp != NULL)
		return s->rp->syms != NULL ? cJSON_Duplicate(s->rp->syms, 1) :
		    cJSON_CreateStringArray(&(const char *){ s->rp->sym }, 1);
	a = cJSON_CreateArray();
	for (size_t i = 0; i < exec_market_count(s->x); i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(
		    exec_market_at(s->x, i)->sym));
	return a;
}

cJSON *
server_book_json(struct server *s, struct market *m)
{
	struct book_level lv[10];
	cJSON *o = cJSON_CreateObject(), *a, *ours;
	int n, side;

	cJSON_AddStringToObject(o, "sym", m->sym);
	for (side = 0; side < 2; side++) {
		a = cJSON_AddArrayToObject(o, side == BOOK_BID ? "bids" : "asks");
		n = book_depth(m->book, side, lv, 10);
		for (int i = 0; i < n; i++) {
			cJSON *l = cJSON_CreateArray();

			cJSON_AddItemToArray(l, cJSON_CreateNumber((double)lv[i].px));
			cJSON_AddItemToArray(l, cJSON_CreateNumber((double)lv[i].qty));
			cJSON_AddItemToArray(l, cJSON_CreateNumber(lv[i].orders));
			cJSON_AddItemToArray(a, l);
		}
	}
	cJSON_AddNumberToObject(o, "last", (double)m->last_px);
	ours = cJSON_AddArrayToObject(o, "ours");
	for (size_t i = 0; i < exec_count(s->x); i++) {
		struct parent *p = exec_get(s->x, i);

		if (p->m != m)
			continue;
		for (size_t k = 0; k < p->nchildren; k++) {
			struct child *c = &p->children[k];
			struct book_order_info oi;
			char id[32];

			if (!c->live || (c->venue == VENUE_LIT &&
			    book_order(m->book, c->id, &oi) != 0))
				continue;
			/* A dark order or a request rests nowhere in the book:
			 * what is left of it, at the mid it was sent at. */
			if (c->venue != VENUE_LIT)
				oi = (struct book_order_info){ .side = p->spec.side,
				    .px = c->px, .qty = c->qty - c->filled };
			cJSON *e = cJSON_CreateObject();
			snprintf(id, sizeof id, "c%llu",
			    (unsigned long long)(c->id & ~(1ULL << 63)));
			cJSON_AddStringToObject(e, "id", id);
			cJSON_AddStringToObject(e, "side", oi.side == BOOK_BID ?
			    "buy" : "sell");
			cJSON_AddNumberToObject(e, "px", (double)oi.px);
			cJSON_AddNumberToObject(e, "qty", (double)oi.qty);
			cJSON_AddNumberToObject(e, "ahead", c->venue != VENUE_LIT ?
			    0.0 : (double)book_queue_ahead(m->book, c->id));
			/* What the child-orders panel lists besides: whose it
			 * is, where it rests (the lit book, the dark pool, or
			 * with dealers), since when, and who sent it. */
			snprintf(id, sizeof id, "%u", p->id);
			cJSON_AddStringToObject(e, "block", id);
			cJSON_AddStringToObject(e, "venue", venue_name(c->venue));
			snprintf(id, sizeof id, "%lld", (long long)c->t);
			cJSON_AddStringToObject(e, "since", id);
			if (c->manual)
				cJSON_AddBoolToObject(e, "manual", 1);
			cJSON_AddItemToArray(ours, e);
		}
	}
	return o;
}

/* Each symbol's book that changed since its last: one per symbol per
 * publish pass at most. */
static void
server_publish_book(struct server *s)
{
	for (size_t i = 0; i < exec_market_count(s->x); i++) {
		struct market *m = exec_market_at(s->x, i);
		cJSON *b;

		if (m->changes == s->book_changes[i])
			continue;
		s->book_changes[i] = m->changes;
		b = server_book_json(s, m);
		server_publish(s, TOPIC_BOOK, b);
		cJSON_Delete(b);
	}
}

static void
server_stop(struct server *s)
{
	if (s->stopping)
		return;
	s->stopping = 1;
	uv_timer_stop(&s->clock_timer);
	uv_timer_stop(&s->pub_timer);
	uv_timer_stop(&s->beat_timer);
	uv_poll_stop(&s->rep_poll);
	uv_poll_stop(&s->ev_poll);
	uv_signal_stop(&s->sigint);
	uv_signal_stop(&s->sigterm);
	server_refusals_flush(s, 1);
	server_flush(s);
	server_sessions_stop(s);
	server_fix_close(s);
	uv_close((uv_handle_t *)&s->clock_timer, NULL);
	uv_close((uv_handle_t *)&s->pub_timer, NULL);
	uv_close((uv_handle_t *)&s->beat_timer, NULL);
	uv_close((uv_handle_t *)&s->rep_poll, NULL);
	uv_close((uv_handle_t *)&s->ev_poll, NULL);
	uv_close((uv_handle_t *)&s->sigint, NULL);
	uv_close((uv_handle_t *)&s->sigterm, NULL);
}

static void
server_busy_begin(struct server *s)
{
	s->busy_t0 = uv_hrtime();
}

static void
server_busy_end(struct server *s)
{
	s->busy_ns += uv_hrtime() - s->busy_t0;
}

/* The end of the whole MAX_SPEED_CHUNK_NS of the day that t is in (the
 * next one's when t is on a boundary). */
static int64_t
server_chunk_end(int64_t t)
{
	return (t / MAX_SPEED_CHUNK_NS + 1) * MAX_SPEED_CHUNK_NS;
}

static void
server_on_clock(uv_timer_t *h)
{
	struct server *s = h->data;
	uint64_t now = uv_now(&s->loop);

	/* Halted, the simulated clock stands still (server-journal.c). */
	if (s->jhalted) {
		s->wall_last = now;
		s->owed_ns = 0;
		return;
	}
	server_busy_begin(s);
	/* After the close there is no simulated time left to owe, and none
	 * to give up: a finished session stopped for a while is not late. */
	if (s->t >= s->sc.close)
		s->owed_ns = 0;
	else if (s->speed <= 0)
		s->owed_ns = MAX_SPEED_CHUNK_NS;
	else {
		double ns_per_ms = 1e6 * s->speed;
		int64_t owed_max = (int64_t)(OWED_MAX_MS * ns_per_ms);

		s->owed_ns += (int64_t)((double)(now - s->wall_last) * ns_per_ms);
		if (s->owed_ns > owed_max) {
			s->lost_ms += (double)(s->owed_ns - owed_max) / ns_per_ms;
			s->owed_ns = owed_max;
		}
	}
	s->wall_last = now;
	/* Not a piece more once the blocks are done: a journal continued
	 * after its session ended gained one (found by a review). */
	for (uint64_t t0 = uv_hrtime(); s->owed_ns > 0 && s->t < s->sc.close &&
	    !(s->opts->exit_when_done && exec_all_done(s->x)) &&
	    uv_hrtime() - t0 < CATCHUP_MS * 1000000ULL;) {
		int64_t target = s->t + (s->owed_ns < MAX_SPEED_CHUNK_NS ?
		    s->owed_ns : MAX_SPEED_CHUNK_NS);

		/* Never past a whole chunk of the day: the pieces at max are
		 * the day's, whatever came before, and --exit-when-done ends
		 * on one (below). */
		if (target > server_chunk_end(s->t))
			target = server_chunk_end(s->t);
		if (target > s->sc.close)
			target = s->sc.close;
		exec_tick(s->x, target);
		s->owed_ns -= target - s->t;
		s->t = target;
		/* Not on past the piece the blocks were done in. */
		if (s->opts->exit_when_done && exec_all_done(s->x))
			break;
	}
	/* At --speed max a pass is one piece; nothing is owed past it. */
	if (s->speed <= 0 || s->t >= s->sc.close)
		s->owed_ns = 0;
	if (s->need_sync)
		server_flush(s);
	server_busy_end(s);
	if (s->opts->exit_when_done && exec_all_done(s->x)) {
		/* The session ends at the end of its chunk, as it does at
		 * max: at 60x it ended where the wall clock had taken it, and
		 * an alert due in between was raised at max only (found by a
		 * review). */
		if (s->t < s->sc.close && s->t % MAX_SPEED_CHUNK_NS != 0) {
			int64_t end = server_chunk_end(s->t);

			s->t = end < s->sc.close ? end : s->sc.close;
			exec_tick(s->x, s->t);
		}
		exec_emit_dirty(s->x);
		server_publish_book(s);
		server_status_check(s);
		server_flush(s);
		server_stop(s);
	}
}

static void server_on_ev(uv_poll_t *h, int status, int events);
static void server_on_rep(uv_poll_t *h, int status, int events);

static void
server_on_publish(uv_timer_t *h)
{
	struct server *s = h->data;

	server_busy_begin(s);
	server_publish_book(s);
	exec_emit_dirty(s->x);
	server_status_check(s);
	server_flush(s);
	/* Connections that never said hello, or were refused, go.  Hellos
	 * that came while the loop was busy are answered first: libuv runs
	 * timers before it polls, and the timeout is the peer's silence,
	 * not the engine's. */
	evchan_read(s->ev, s->seq);
	evchan_sweep(s->ev);
	if (s->ev_poll_off && !evchan_hushed(s->ev)) {
		s->ev_poll_off = 0;
		uv_poll_start(&s->ev_poll, UV_READABLE, server_on_ev);
	}
	server_rep_sweep(s);
	if (s->rep_poll_off && s->rep_hush == 0) {
		s->rep_poll_off = 0;
		uv_poll_start(&s->rep_poll, UV_READABLE, server_on_rep);
	}
	server_nng_check(s);
	server_busy_end(s);
	/* A pipe sent away is closed once a pass found nothing waiting: with
	 * nothing to read the descriptor does not call for that pass (which
	 * counts its own busy time). */
	if (s->ncondemned > 0 && s->rep_hush == 0)
		server_on_rep(&s->rep_poll, 0, UV_READABLE);
}

static void
server_on_beat(uv_timer_t *h)
{
	struct server *s = h->data;
	uint64_t now = uv_hrtime();
	cJSON *o = cJSON_CreateObject();
	char speed[32];

	server_speed_text(s, speed, sizeof speed);
	cJSON_AddStringToObject(o, "speed", speed);
	cJSON_AddStringToObject(o, "state", server_state(s));
	cJSON_AddNumberToObject(o, "subs", evchan_peers(s->ev));
	cJSON_AddNumberToObject(o, "util", now > s->beat_t0 ?
	    round(1000.0 * (double)s->busy_ns / (double)(now - s->beat_t0)) /
	    1000.0 : 0.0);
	cJSON_AddNumberToObject(o, "lost_ms", round(s->lost_ms));
	cJSON_AddStringToObject(o, "name", s->name);
	/* Which session: a console that was watching another engine on
	 * this address knows from the first beat that its picture is not
	 * this one's, without waiting for its hello's answer. */
	cJSON_AddStringToObject(o, "session", s->session);
	server_jrnl_describe(s, o);
	server_publish(s, TOPIC_HEARTBEAT, o);
	cJSON_Delete(o);
	s->busy_ns = 0;
	s->beat_t0 = now;
	server_refusals_flush(s, 0);
	server_flush(s);
	server_listen_check(&s->lw, (int64_t)(uv_hrtime() / 1000000));
}

static void
server_on_signal(uv_signal_t *h, int signum)
{
	struct server *s = h->data;

	fprintf(stderr, "tranched: %s, stopping\n", strsignal(signum));
	server_stop(s);
}

/*
 * Who is behind a pipe.  On ipc:// the kernel tells us the peer's uid
 * (SO_PEERCRED, through NNG_OPT_IPC_PEER_UID): our own uid is trusted like
 * a shell of ours; anyone else, and anyone over tcp://, needs a token.
 */
void
server_peer(struct server *s, nng_pipe p, struct peer *peer)
{
	nng_sockaddr sa;
	uint64_t uid;

	memset(peer, 0, sizeof *peer);
	peer->pipe = nng_pipe_id(p);
	peer->kind = PEER_REMOTE;
	snprintf(peer->addr, sizeof peer->addr, "tcp ?");
	if (nng_pipe_get_addr(p, NNG_OPT_REMADDR, &sa) != 0)
		return;
	if (sa.s_family == NNG_AF_IPC) {
		peer->kind = PEER_IPC_OTHER;
		snprintf(peer->addr, sizeof peer->addr, "ipc uid ?");
		if (nng_pipe_get_uint64(p, NNG_OPT_IPC_PEER_UID, &uid) == 0) {
			peer->uid = uid;
			snprintf(peer->addr, sizeof peer->addr, "ipc uid %llu",
			    (unsigned long long)uid);
			if (uid == (uint64_t)getuid())
				peer->kind = PEER_LOCAL;
		}
	} else if (sa.s_family == NNG_AF_INET) {
		char ip[INET_ADDRSTRLEN];

		if (inet_ntop(AF_INET, &sa.s_in.sa_addr, ip, sizeof ip) != NULL)
			snprintf(peer->addr, sizeof peer->addr, "tcp %s", ip);
	} else if (sa.s_family == NNG_AF_INET6) {
		char ip[INET6_ADDRSTRLEN];

		if (inet_ntop(AF_INET6, sa.s_in6.sa_addr, ip, sizeof ip) != NULL)
			snprintf(peer->addr, sizeof peer->addr, "tcp %s", ip);
	}
}

/*
 * Requests, as many as REP_PASS_MS of work allows in one pass: the rest
 * wait for the next pass (the descriptor stays readable), after the timers
 * have run.  Draining every waiting request was what let a few clients
 * looping on snapshot hold the loop for good -- each answer let its client
 * ask again before the drain ended -- and stop the clock and the
 * heartbeats.  Closed pipes' sessions are freed first.
 */
#define REP_PASS_MS 5
#define REP_PASS_MAX 256

static void
server_on_rep(uv_poll_t *h, int status, int events)
{
	struct server *s = h->data;
	uint64_t t0 = uv_hrtime();
	nng_msg *msg;
	int n = 0;

	/* Hushed (server_rep_sweep()): not read, nor polled, meanwhile. */
	if (s->rep_hush != 0) {
		uv_poll_stop(h);
		s->rep_poll_off = 1;
		return;
	}
	server_busy_begin(s);
	server_sessions_drain(s);
	while (n++ < REP_PASS_MAX && uv_hrtime() - t0 < REP_PASS_MS * 1000000ULL) {
		size_t len;
		struct peer peer;
		char *reply;

		if (nng_recvmsg(s->rep, &msg, NNG_FLAG_NONBLOCK) != 0) {
			/* Nothing waits: a pipe sent away and not heard since
			 * a while is quiet (server_rep_sweep()). */
			s->rep_drained_ms = uv_hrtime() / 1000000ULL;
			break;
		}
		server_peer(s, nng_msg_get_pipe(msg), &peer);
		/* Sent away already: not read, only heard (for the close). */
		if (server_rep_condemned(s, peer.pipe)) {
			nng_msg_free(msg);
			continue;
		}
		if (peer.kind == PEER_REMOTE)
			server_rep_pipe_heard(s, peer.pipe);
		reply = server_command(s, nng_msg_body(msg), nng_msg_len(msg),
		    &peer, &len);
		if (peer.close) {
			/* An unauthenticated peer past its error budget. */
			server_rep_condemn(s, nng_msg_get_pipe(msg));
			nng_msg_free(msg);
			continue;
		}

		nng_msg_clear(msg);
		if (reply != NULL) {
			nng_msg_append(msg, reply, len);
			free(reply);
		}
		/* Never waited for (the raw socket, server_open_sockets()):
		 * a blocking send to a peer that does not read its answers
		 * held the loop -- the clock, every other client, a
		 * supervisor's kill -- for as long as that peer liked (2,000
		 * snapshots asked and none read froze the engine: found by an
		 * adversarial review).  The answer keeps its request's header
		 * (the route back); past its connection's 64 queued answers it
		 * is dropped. */
		if (nng_sendmsg(s->rep, msg, NNG_FLAG_NONBLOCK) != 0)
			nng_msg_free(msg);
	}
	server_flush(s);
	server_busy_end(s);
}

/* A refused events hello is recorded as a refused command is (journaled,
 * on the audit topic, counted per peer past a few): a wrong token on the
 * events socket is as much a failed login as one on the control socket. */
#define EV_REFUSED_QUIET_MS 60000

/* FNV-1a of a string, continued from h. */
static uint64_t
server_fnv(uint64_t h, const char *p)
{
	for (; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	return h;
}

static void
server_ev_refused(void *arg, nng_pipe p, const void *buf, size_t len,
                  const cJSON *reply)
{
	struct server *s = arg;
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(reply, "error");
	const char *code = "?", *msg = "?";
	uint64_t now = server_now_ms(), h;
	struct peer peer;
	char err[64], key[sizeof s->ev_refused[0].key];
	cJSON *req = NULL;
	int recorded = 0;

	server_peer(s, p, &peer);
	/* A client refused for its token or version dials again every
	 * second and is refused the same way: recorded once a minute, and
	 * counted in its peer's summary between. */
	ipc_get_str(e, "code", &code);
	ipc_get_str(e, "message", &msg);
	h = server_fnv(server_fnv(14695981039346656037ULL, code), msg);
	server_refusal_key(peer.addr[0] ? peer.addr : "?", key, sizeof key);
	/* The slot to remember it in: the same one's, else the oldest. */
	size_t slot = 0, nslot = sizeof s->ev_refused / sizeof s->ev_refused[0];

	for (size_t i = 0; i < nslot; i++) {
		if (s->ev_refused[i].hash == h && strcmp(s->ev_refused[i].key,
		    key) == 0) {
			if (now - s->ev_refused[i].t_ms < EV_REFUSED_QUIET_MS) {
				server_refusal_tally(s, &peer, reply);
				return;
			}
			slot = i;
			break;
		}
		if (s->ev_refused[i].t_ms < s->ev_refused[slot].t_ms)
			slot = i;
	}
	if (ipc_command_parse(buf, len, &req, &code, err, sizeof err) != 0)
		req = NULL;
	/* Which socket, in the record and the audit event. */
	snprintf(s->audit_what, sizeof s->audit_what, "hello on the events "
	    "socket");
	(void)server_refusal(s, NULL, &peer, AUDIT_EVENTS_HELLO, req, buf, len,
	    reply, &recorded);
	s->audit_what[0] = '\0';
	cJSON_Delete(req);
	/* Remembered only once recorded: one only counted (the peer's or the
	 * engine's budget spent) is recorded when it comes again. */
	if (recorded) {
		snprintf(s->ev_refused[slot].key, sizeof key, "%s", key);
		s->ev_refused[slot].hash = h;
		s->ev_refused[slot].t_ms = now;
	}
}

/* Hellos on the events channel: answered at once, in the loop. */
static void
server_on_ev(uv_poll_t *h, int status, int events)
{
	struct server *s = h->data;

	/* Hushed (evchan_sweep()): the descriptor stays readable and is
	 * not read, so it is not polled until the hush ends. */
	if (evchan_hushed(s->ev)) {
		uv_poll_stop(h);
		s->ev_poll_off = 1;
		return;
	}
	server_busy_begin(s);
	evchan_read(s->ev, s->seq);
	server_busy_end(s);
}

/* A control connection came (counted until its first request) or closed
 * (its session goes, on the loop), on an NNG thread (server-session.c). */
static void
server_rep_pipe_event(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	if (ev == NNG_PIPE_EV_ADD_PRE)
		server_rep_pipe_added(arg, p);
	else
		server_sessions_pipe_gone(arg, nng_pipe_id(p));
}

static int
server_open_sockets(struct server *s, char *err, size_t errlen)
{
	char evurl[600];
	nng_tls_config *tls;
	int rv, status = -1;

	if (server_tls_config(&tls, s->urls, s->nurls, s->opts->tls_cert,
	    s->opts->tls_key, err, errlen) != 0)
		return -1;
	/* Raw: each answer carries its request's route in its header and
	 * goes on its connection's own queue (64 deep), never waited for;
	 * past that it is dropped.  The cooked socket sends one answer a
	 * connection at a time, so a peer that did not read its answers
	 * held a blocking send, and with NNG_FLAG_NONBLOCK an answer to a
	 * client that asked again before NNG had marked the last one sent
	 * was lost (server_on_rep()). */
	if ((rv = nng_rep0_open_raw(&s->rep)) != 0) {
		snprintf(err, errlen, "nng: %s", nng_strerror(rv));
		goto out;
	}
	nng_socket_set_int(s->rep, NNG_OPT_SENDBUF, REP_SENDBUF);
	/* What a slow peer may lag by before it loses events (and finds a
	 * gap) is NNG's per-pipe queue (server-events.c); --event-queue
	 * sizes the queue in front of it, shared by all peers. */
	if (evchan_open(&s->ev, s->opts->event_queue, s->tokens, &s->ntokens,
	    err, errlen) != 0)
		goto out;
	evchan_on_refused(s->ev, server_ev_refused, s);
	/* NNG drops a message over its limit without a word; the codec refuses
	 * one over TRANCHE_MAX_MSG with an answer, so NNG's limit sits above. */
	nng_socket_set_size(s->rep, NNG_OPT_RECVMAXSZ, 4 * TRANCHE_MAX_MSG);
	nng_pipe_notify(s->rep, NNG_PIPE_EV_ADD_PRE, server_rep_pipe_event, s);
	nng_pipe_notify(s->rep, NNG_PIPE_EV_REM_POST, server_rep_pipe_event, s);
	for (int i = 0; i < s->nurls; i++) {
		if (ipc_events_url(s->urls[i], evurl, sizeof evurl) != 0) {
			snprintf(err, errlen, "--listen %s: not an ipc://, tcp:// or "
			    "tls+tcp:// URL with a port", s->urls[i]);
			goto out;
		}
		if (server_listen_watched(&s->lw, s->rep, s->urls[i], tls, err,
		    errlen) != 0 ||
		    evchan_listen(s->ev, &s->lw, evurl, tls, err, errlen) != 0)
			goto out;
		if (i == 0)
			snprintf(s->events_url, sizeof s->events_url, "%s", evurl);
	}
	if ((rv = nng_socket_get_int(s->rep, NNG_OPT_RECVFD, &s->rep_fd)) != 0) {
		snprintf(err, errlen, "nng recv fd: %s", nng_strerror(rv));
		goto out;
	}
	status = 0;
out:
	/* The listeners hold their own references. */
	if (tls != NULL)
		nng_tls_config_free(tls);
	return status;
}

static int
server_mkdirs(const char *path)
{
	char tmp[1024];

	snprintf(tmp, sizeof tmp, "%s", path);
	for (char *p = tmp + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
				return -1;
			*p = '/';
		}
	return mkdir(tmp, 0700) != 0 && errno != EEXIST ? -1 : 0;
}

/* The file's items for the journal header (the simulator's own come back
 * from the seed). */
static cJSON *
server_news_json(struct server *s)
{
	cJSON *a = cJSON_CreateArray();

	for (size_t i = 0; i < exec_news_count(s->x); i++) {
		const struct exec_news *n = exec_news_at(s->x, i);

		if (n->src == EXEC_NEWS_FILE)
			cJSON_AddItemToArray(a, exec_news_json(n));
	}
	return a;
}

static int
server_news_attach(struct server *s, int recover, char *err, size_t errlen)
{
	const cJSON *it;
	char why[512];
	int i = 0;

	if (!recover) {
		size_t late = 0;
		char clk[32];

		if (s->opts->news == NULL)
			return 0;
		if (exec_news_load(s->x, s->opts->news, err, errlen) != 0)
			return -1;
		/* Kept (a vendor's file holds the whole day), never published:
		 * said, not dropped without a word (found by a review). */
		for (size_t k = 0; k < exec_news_count(s->x); k++)
			late += exec_news_at(s->x, k)->src == EXEC_NEWS_FILE &&
			    exec_news_at(s->x, k)->t > s->sc.close;
		if (late > 0)
			fprintf(stderr, "tranched: news %s: %zu item%s after "
			    "the close (%s) will not be published\n",
			    s->opts->news, late, late == 1 ? "" : "s",
			    scenario_clock_text(clk, sizeof clk, s->sc.close));
		return 0;
	}
	cJSON_ArrayForEach(it, s->hdr_news) {
		if (exec_news_add_json(s->x, it, why, sizeof why) != 0) {
			snprintf(err, errlen, "journal %s: header news.%d: %s",
			    s->jpath, i, why);
			return -1;
		}
		i++;
	}
	return 0;
}

static int
server_open_journal(struct server *s, char *err, size_t errlen)
{
	const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	char dir[700], stamp[32];
	cJSON *h;
	char *hj;
	int rv;
	time_t now = time(NULL);
	struct tm tm;

	if (s->opts->journal != NULL)
		snprintf(s->jpath, sizeof s->jpath, "%s", s->opts->journal);
	else {
		if (state != NULL && state[0] == '/')
			snprintf(dir, sizeof dir, "%s/tranche", state);
		else
			snprintf(dir, sizeof dir, "%s/.local/state/tranche",
			    home ? home : "/tmp");
		if (server_mkdirs(dir) != 0) {
			snprintf(err, errlen, "journal directory %s: %s", dir,
			    strerror(errno));
			return -1;
		}
		localtime_r(&now, &tm);
		strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
		/* The scenario's name is anyone's text: in a file name it is
		 * letters, digits, '-', '_' and '.' not first, the rest '_'
		 * ("../../x" made the journal outside the directory: found by
		 * a review). */
		{
			char stem[65];
			size_t k = 0;

			for (const char *c = s->sc.name; *c != '\0' &&
			    k < sizeof stem - 1; c++, k++)
				stem[k] = (*c >= 'a' && *c <= 'z') ||
				    (*c >= 'A' && *c <= 'Z') ||
				    (*c >= '0' && *c <= '9') || *c == '-' ||
				    *c == '_' || (*c == '.' && k > 0) ? *c : '_';
			stem[k] = '\0';
			snprintf(s->jpath, sizeof s->jpath, "%s/%s-%s-%ld.trj",
			    dir, k > 0 ? stem : "session", stamp, (long)getpid());
		}
	}
	h = cJSON_CreateObject();
	cJSON_AddNumberToObject(h, "format", JRNL_FORMAT_VERSION);
	cJSON_AddStringToObject(h, "engine", "tranched " TRANCHE_VERSION);
	cJSON_AddNumberToObject(h, "protocol", TRANCHE_PROTO_VERSION);
	cJSON_AddStringToObject(h, "scenario_name", s->sc.name);
	cJSON_AddItemToObject(h, "scenario", cJSON_Parse(s->sc.json));
	ipc_add_i64_str(h, "seed", (int64_t)s->opts->seed);
	cJSON_AddNumberToObject(h, "speed", s->speed);
	cJSON_AddNumberToObject(h, "tick", s->m->tick);
	cJSON_AddStringToObject(h, "sym", s->m->sym);
	/* The market this engine runs the scenario on (its source): recovery
	 * refuses a journal written on another (server-recover.c). */
	cJSON_AddStringToObject(h, "market", s->sc.source[0] != '\0' ?
	    s->sc.source : "sim");
	if (s->opts->shadow != NULL)
		cJSON_AddStringToObject(h, "shadow", s->opts->shadow);
	if (s->opts->news != NULL)
		cJSON_AddItemToObject(h, "news", server_news_json(s));
	cJSON_AddItemToObject(h, "syms", server_syms_json(s));
	ipc_add_i64_str(h, "t0", s->t);
	cJSON_AddStringToObject(h, "session", s->session);
	hj = cJSON_PrintUnformatted(h);
	cJSON_Delete(h);
	/* Said as what it is, before the journal call's "invalid argument":
	 * a news file of 200,000 items makes a header past a record's size. */
	if (hj != NULL && strlen(hj) > JRNL_MAX_RECORD) {
		snprintf(err, errlen, "journal %s: its header would be %zu bytes, "
		    "more than a record's %u (it keeps every item of the --news "
		    "file: attach fewer)", s->jpath, strlen(hj), JRNL_MAX_RECORD);
		cJSON_free(hj);
		return -1;
	}
	rv = jrnl_create(&s->j, s->jpath, hj);
	cJSON_free(hj);
	if (rv != 0) {
		jrnl_describe(err, errlen, rv, s->jpath);
		return -1;
	}
	return 0;
}

static void
server_close(struct server *s)
{
	int rv;

	/* Closing the sockets stops NNG's threads before the loop goes.  The
	 * sessions' notification goes first: a close that NNG abandons must
	 * not call back into a server that is freed. */
	nng_pipe_notify(s->rep, NNG_PIPE_EV_ADD_PRE, NULL, NULL);
	nng_pipe_notify(s->rep, NNG_PIPE_EV_REM_POST, NULL, NULL);
	if (ipc_nng_close(s->rep, 3000) != 0 || evchan_close(s->ev) != 0)
		fprintf(stderr, "tranched: NNG did not close a socket within 3 s "
		    "(NNG 1.5.2's close deadlock); exiting anyway\n");
	server_fix_close(s);
	server_listen_watch_free(&s->lw);
	if (s->loop_inited) {
		uv_run(&s->loop, UV_RUN_DEFAULT);
		if ((rv = uv_loop_close(&s->loop)) != 0)
			fprintf(stderr, "tranched: loop did not close cleanly: %s\n",
			    uv_strerror(rv));
	}
	jrnl_close(s->j);
	scenario_exec_free(s->x);
	if (s->shadow != NULL) {
		model_free(s->shadow);
		free(s->shadow);
	}
	scenario_free(&s->sc);
	cJSON_Delete(s->hdr_news);
	for (int i = 0; i < RING_SIZE; i++) {
		free(s->decisions.items[i]);
		free(s->alerts.items[i]);
		free(s->crits.items[i]);
		free(s->news.items[i]);
		free(s->audits.items[i]);
		free(s->refusals.items[i]);
	}
	server_fix_free(s);
	server_idem_free(s);
	server_jrnl_free(s);
	server_sessions_free(s);
	free(s->snap_text);
	for (size_t i = 0; i < s->nout; i++)
		free(s->out[i].buf);
	free(s->out);
	ipc_batch_free(&s->batch);
}

int
server_run(const struct server_opts *o)
{
	struct server *s;
	char err[2048], defurl[512];
	struct stat jst;
	int rv, status = 1, recover;

	if ((s = calloc(1, sizeof *s)) == NULL)
		return 1;
	s->opts = o;
	s->speed = o->speed;
	s->seed = o->seed;
	snprintf(s->name, sizeof s->name, "%s", o->name ? o->name : "tranched");
	/* A new session's id; recovery replaces it with the journal's. */
	snprintf(s->session, sizeof s->session, "%08x%08x",
	    (unsigned)nng_random(), (unsigned)nng_random());
	if (server_jrnl_env_check(err, sizeof err) != 0) {
		fprintf(stderr, "tranched: %s\n", err);
		goto out;
	}
	/* An existing journal is a session to continue: its header says the
	 * scenario and the seed, whatever the command line says. */
	recover = o->journal != NULL && access(o->journal, F_OK) == 0;
	if (o->journal != NULL && !recover && lstat(o->journal, &jst) == 0 &&
	    S_ISLNK(jst.st_mode)) {
		/* A dangling link: creating through it would fail "exists". */
		fprintf(stderr, "tranched: journal %s: a symbolic link to a file "
		    "that does not exist: not started\n", o->journal);
		goto out;
	}
	if (recover) {
		if (server_recover_open(s, err, sizeof err) != 0) {
			fprintf(stderr, "tranched: %s\n", err);
			goto out;
		}
		/* What the command line asked of the session is not what
		 * continues: say so rather than drop it without a word (an
		 * operator tightening a limit on restart would believe it
		 * held; found by an independent review). */
		if (o->scenario_given || o->seed_given || o->nsets > 0 ||
		    o->news != NULL) {
			fprintf(stderr, "tranched: journal %s continues its session "
			    "(scenario %s, seed %llu, from its header): not "
			    "applied:", o->journal, s->sc.name,
			    (unsigned long long)s->seed);
			if (o->scenario_given)
				fprintf(stderr, " --scenario %s", o->scenario);
			if (o->seed_given)
				fprintf(stderr, " --seed %llu",
				    (unsigned long long)o->seed);
			for (int i = 0; i < o->nsets; i++)
				fprintf(stderr, " --set %s", o->sets[i]);
			/* The header's items are the session's (found by a
			 * review: a --news on a restart was dropped without a
			 * word). */
			if (o->news != NULL)
				fprintf(stderr, " --news %s", o->news);
			fprintf(stderr, "\n");
		}
		/* The warm-up's events were never journaled: say nothing. */
		s->recovering = 1;
	} else if (scenario_load(&s->sc, o->scenario, o->sets, o->nsets, err,
	    sizeof err) != 0) {
		fprintf(stderr, "tranched: %s\n", err);
		goto out;
	}
	/* One market per symbol, market 0 with the seed itself, of the
	 * scenario's source: simulated, a replay's recorded day, or the
	 * Almgren-Chriss world (it ran the agent simulator here, so the same
	 * scenario and seed cost 0 bps in the daemon and -24.5 in a backtest:
	 * found by a review). */
	struct exec_emit em = { server_exec_emit, s };
	if (scenario_exec_new(&s->sc, s->seed, 0, &em, &s->x, err,
	    sizeof err) != 0) {
		fprintf(stderr, "tranched: %s\n", err);
		goto out;
	}
	/* --news: a file's items, or on recovery the header's copy of them. */
	if (server_news_attach(s, recover, err, sizeof err) != 0) {
		fprintf(stderr, "tranched: %s\n", err);
		goto out;
	}
	if (o->shadow != NULL) {
		if ((s->shadow = calloc(1, sizeof *s->shadow)) == NULL ||
		    model_load(s->shadow, o->shadow, err, sizeof err) != 0) {
			fprintf(stderr, "tranched: --shadow %s: %s\n", o->shadow,
			    s->shadow != NULL ? err : "out of memory");
			free(s->shadow);
			s->shadow = NULL;
			goto out;
		}
		exec_set_shadow(s->x, s->shadow);
	}
	s->m = exec_market(s->x);
	for (int i = 0; i < s->sc.norders; i++) {
		struct parent_spec ps;

		/* In a replay the seed picks the start (scenario_order). */
		scenario_order(&s->sc, i, s->seed, &ps);
		if (exec_submit(s->x, &ps, NULL, err, sizeof err) != 0) {
			fprintf(stderr, "tranched: scenario %s: orders.%d: %s\n",
			    s->sc.path, i, err);
			goto out;
		}
	}
	/* Warm the market up to the open before anyone watches: no block
	 * starts before the open, so this only advances every market, and
	 * the alert detector learns the market's usual levels meanwhile. */
	s->t = s->sc.open;
	exec_tick(s->x, s->t - 1);
	/* The session's prints are those from the open, as it journals
	 * them; the warm-up's are nobody's. */
	s->prints = 0;
	if (server_fix_init(s, err, sizeof err) != 0) {
		fprintf(stderr, "tranched: %s\n", err);
		goto out;
	}
	if (recover && server_recover_run(s, err, sizeof err) != 0) {
		fprintf(stderr, "tranched: %s\n", err);
		goto out;
	}
	if (o->nlisten == 0) {
		if ((rv = ipc_default_url(defurl, sizeof defurl)) != 0) {
			fprintf(stderr, "tranched: default endpoint: %s\n",
			    strerror(-rv));
			goto out;
		}
		s->urls[0] = defurl;
		s->nurls = 1;
	} else {
		for (int i = 0; i < o->nlisten; i++)
			s->urls[i] = o->listen[i];
		s->nurls = o->nlisten;
	}
	if (server_tokens_load(s, err, sizeof err) != 0 ||
	    server_sessions_init(s, err, sizeof err) != 0 ||
	    server_open_sockets(s, err, sizeof err) != 0 ||
	    (!recover && server_open_journal(s, err, sizeof err) != 0)) {
		fprintf(stderr, "tranched: %s\n", err);
		goto out;
	}
	uv_loop_init(&s->loop);
	s->loop_inited = 1;
	/* Before any timer: a FIX acceptor that cannot open leaves nothing
	 * for the loop to run. */
	if (server_fix_open(s, err, sizeof err) != 0) {
		fprintf(stderr, "tranched: %s\n", err);
		goto out;
	}
	uv_timer_init(&s->loop, &s->clock_timer);
	uv_timer_init(&s->loop, &s->pub_timer);
	uv_timer_init(&s->loop, &s->beat_timer);
	uv_poll_init(&s->loop, &s->rep_poll, s->rep_fd);
	uv_poll_init(&s->loop, &s->ev_poll, evchan_fd(s->ev));
	uv_signal_init(&s->loop, &s->sigint);
	uv_signal_init(&s->loop, &s->sigterm);
	s->clock_timer.data = s->pub_timer.data = s->beat_timer.data = s;
	s->rep_poll.data = s->ev_poll.data = s->sigint.data = s->sigterm.data =
	    s;
	uv_timer_start(&s->clock_timer, server_on_clock, 0,
	    s->speed <= 0 ? 1 : CLOCK_MS);
	uv_timer_start(&s->pub_timer, server_on_publish, PUBLISH_MS, PUBLISH_MS);
	uv_timer_start(&s->beat_timer, server_on_beat, 0, 1000);
	uv_poll_start(&s->rep_poll, UV_READABLE, server_on_rep);
	uv_poll_start(&s->ev_poll, UV_READABLE, server_on_ev);
	uv_signal_start(&s->sigint, server_on_signal, SIGINT);
	uv_signal_start(&s->sigterm, server_on_signal, SIGTERM);
	server_sessions_start(s);
	s->wall_last = uv_now(&s->loop);
	s->beat_t0 = uv_hrtime();
	signal(SIGPIPE, SIG_IGN);
	char speed[32];
	if (s->speed <= 0)
		snprintf(speed, sizeof speed, "max");
	else
		snprintf(speed, sizeof speed, "%gx", s->speed);
	fprintf(stderr, "tranched: engine %s: scenario %s, seed %llu, speed %s, "
	    "listening on %s (events %s), journal %s\n", s->name, s->sc.name,
	    (unsigned long long)s->seed, speed, s->urls[0], s->events_url,
	    s->jpath);
	s->jbase = jrnl_records(s->j);
	uv_run(&s->loop, UV_RUN_DEFAULT);
	status = server_jrnl_finish(s);
out:
	server_close(s);
	free(s);
	return status;
}
