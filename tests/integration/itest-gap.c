/*
 * tests/integration/itest-gap.c -- a subscriber that stops reading.
 *
 * gap_stopped_subscriber_converges: two subscribers on the real engine.
 *   A keeps the console's own view (the store of tui/store.c, which finds
 *   gaps by seq and holds events while a snapshot is on its way) and asks
 *   for a snapshot whenever the store wants one, as the console's live
 *   transport does.  A stops reading while the engine publishes STOP_EVENTS
 *   events; B reads all along.  Then:
 *     - B saw at least 99% of them in order (all of them unless the
 *       machine starved B itself: each peer's queue is its own, see
 *       below), and the engine answered commands promptly throughout: a
 *       stopped subscriber changes nothing for the engine or the others;
 *     - A, resuming, finds the gap in what NNG had queued for it (NNG's
 *       SUB socket keeps the newest messages when its queue is full, so
 *       the gap shows at the first event read), asks for a snapshot and
 *       applies it; the queued events older than the snapshot are dropped
 *       as stale, and every event after it arrives gap-free (or, when
 *       a loaded machine let A fall behind again, every further gap is
 *       resynced by a snapshot of its own: gap_resynced);
 *     - with the blocks paused (so nothing moves), A's view of every block
 *       (filled, remaining, state) equals the engine's status.
 *
 * Why these engine options.  An earlier version ran the default scenario at
 * --speed=300 and waited for seq to advance by 20,000; it never returned.
 * Measured: at 300x the default scenario publishes about 230 events a
 * second (mostly market prints), and a whole session, open to close, is
 * about 15,700 events -- after the close only heartbeats come.  So here the
 * market trades ten times as often (market.mkt_rate=3) at 1000x, about
 * 4,000 events a second, the block's window is stretched to 15:30 so it is
 * still working when the view is compared, and every wait has a deadline.
 * Since protocol 2 an events message carries a loop pass's events, so
 * queues hold messages, not events: A's is cut to STOP_QUEUE messages, and
 * the engine's for each subscriber to EVENT_QUEUE (--event-queue; a
 * console's queues would hold minutes of events at this rate), and the
 * stop lasts at least 20,000 events and STOP_MESSAGES messages, more than
 * both hold, so it must gap.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ipc/protocol.h"
#include "tests/integration/itest.h"
#include "tui/tui.h"

#define STOP_EVENTS 20000
#define STR_(x) #x
#define STR(x) STR_(x)
/* Messages that overflow A's queues: the engine's EVENT_QUEUE per
 * subscriber (--event-queue) and A's own STOP_QUEUE, with room to spare. */
#define EVENT_QUEUE 32
#define STOP_QUEUE 16
#define STOP_MESSAGES 80
#define AFTER_SNAPSHOT 2000 /* events checked gap-free after the snapshot */

static const char *tranched;

/* A subscriber that only checks the sequence. */
struct reader {
	struct ipc_client *c;
	uint64_t first, last, n, gaps;
};

/* A subscriber with the console's view. */
struct viewer {
	struct ipc_client *c;
	struct store st;
	uint64_t raw_last;  /* last seq off the wire, before the store */
	uint64_t skipped;   /* seqs never received */
	uint64_t snap_seq;  /* the last snapshot's seq */
	long long snap_ms;  /* when it was applied */
	uint64_t events_at_snap; /* events the store had applied before it */
};

/* What a failed assertion leaves behind is cleaned up in gap_teardown:
 * above all the engine, which would otherwise keep ctest waiting on its
 * output until the timeout. */
static struct itest_engine e;
static struct viewer va;
static struct reader rb;

/*
 * B, reading all along, is not hurt by A.  Not "never a gap": since
 * protocol 3 the engine's queue for each peer is NNG pair1's two messages
 * plus the connection's socket buffers, so a reader the machine starves
 * for a moment (sanitizers, ctest's other tests beside it) can lose a
 * message of its own -- seen in CI once, "seq 4360 after 4358", before A
 * had stopped.  README "Reliability" lists it as a known limit.  So B may
 * see at most B_GAPS gaps in the whole run, and must have received 99% of
 * what the engine published from its first event on.
 */
#define B_GAPS 2

static void
reader_check(const struct reader *r, const char *when)
{
	uint64_t span = r->last - r->first + 1;

	if (r->gaps > B_GAPS || r->n * 100 < span * 99)
		fail_msg("B, reading all along, received %llu of %llu events "
		    "(%llu gaps) %s", (unsigned long long)r->n,
		    (unsigned long long)span, (unsigned long long)r->gaps, when);
}

static void
reader_take(struct reader *r, struct ipc_event *ev)
{
	if (r->n == 0)
		r->first = ev->seq;
	else if (ev->seq != r->last + 1) {
		fprintf(stderr, "gap: reader B: seq %llu after %llu\n",
		    (unsigned long long)ev->seq, (unsigned long long)r->last);
		r->gaps++;
	}
	r->last = ev->seq;
	r->n++;
	ipc_event_free(ev);
}

/* Everything waiting, after waiting up to wait_ms for the first. */
static void
reader_drain(struct reader *r, int wait_ms)
{
	struct ipc_event ev;
	char err[256];
	int rc;

	if (wait_ms > 0 && ipc_client_wait_event(r->c, &ev, wait_ms) == 1)
		reader_take(r, &ev);
	while ((rc = ipc_client_next_event(r->c, &ev, err, sizeof err)) != 0) {
		assert_true(rc > 0);
		reader_take(r, &ev);
	}
}

/* Ask for a snapshot and rebuild the view from it, as the live transport
 * does: events are held from the request on (here the request blocks, so
 * none arrive meanwhile; they wait in NNG's queue). */
static void
viewer_resync(struct viewer *v)
{
	cJSON *req = cJSON_Parse("{\"cmd\":\"snapshot\"}"), *rep = NULL;
	int64_t seq = -1;

	store_resync_begin(&v->st);
	v->events_at_snap = v->st.events;
	/* A liveness bound, not a latency check (status_filled measures how
	 * promptly the engine answers): a sanitizer build publishing 4,000
	 * events a second on two shared cores took over 3 s to answer a
	 * snapshot in several full runs this stop, at line 130 each time. */
	assert_int_equal(ipc_client_request(v->c, req, &rep, 10000), 0);
	assert_true(itest_ok(rep));
	assert_int_equal(ipc_get_i64(rep, "seq", &seq), 0);
	assert_int_equal(store_apply_snapshot(&v->st, rep, itest_now_ms()), 0);
	v->snap_seq = (uint64_t)seq;
	v->snap_ms = itest_now_ms();
	cJSON_Delete(req);
	cJSON_Delete(rep);
}

static void
viewer_drain(struct viewer *v)
{
	struct ipc_event ev;
	char err[256];
	int rc;

	while ((rc = ipc_client_next_event(v->c, &ev, err, sizeof err)) != 0) {
		assert_true(rc > 0);
		if (v->raw_last != 0 && ev.seq > v->raw_last + 1)
			v->skipped += ev.seq - v->raw_last - 1;
		if (ev.seq > v->raw_last)
			v->raw_last = ev.seq;
		store_push(&v->st, &ev, itest_now_ms());
		ipc_event_free(&ev);
		if (store_resync_wanted(&v->st))
			viewer_resync(v);
	}
}

/* Every block of a status or snapshot reply against the view: filled,
 * remaining, state. */
static void
compare_blocks(const cJSON *status, const struct store *st)
{
	const cJSON *b;
	int n = 0;

	cJSON_ArrayForEach(b, cJSON_GetObjectItem(status, "blocks")) {
		const char *id = cJSON_GetObjectItem(b, "id")->valuestring;
		const struct store_block *sb = store_block_find(st, id);
		int64_t filled = (int64_t)cJSON_GetObjectItem(b,
		    "filled")->valuedouble;
		int64_t rem = (int64_t)cJSON_GetObjectItem(b,
		    "remaining")->valuedouble;
		const char *state = cJSON_GetObjectItem(b, "state")->valuestring;

		if (sb == NULL)
			fail_msg("block %s: not in the viewer's view", id);
		if (sb->filled != filled || sb->remaining != rem ||
		    strcmp(sb->state, state) != 0)
			fail_msg("block %s: engine filled %lld remaining %lld %s, "
			    "view filled %lld remaining %lld %s", id,
			    (long long)filled, (long long)rem, state,
			    (long long)sb->filled, (long long)sb->remaining,
			    sb->state);
		n++;
	}
	assert_true(n >= 1);
}

static int64_t
status_filled(long long *ms)
{
	long long t0 = itest_now_ms();
	cJSON *r = itest_cmd(&e, "{\"cmd\":\"status\"}");
	int64_t f;

	*ms = itest_now_ms() - t0;
	assert_true(itest_ok(r));
	f = (int64_t)cJSON_GetObjectItem(cJSON_GetArrayItem(
	    cJSON_GetObjectItem(r, "blocks"), 0), "filled")->valuedouble;
	cJSON_Delete(r);
	return f;
}

/*
 * After the resync: in step, or, on a machine loaded enough that A's
 * drain fell behind the engine's 5,000 events a second again (CI at
 * 3e3d267, sanitizers beside other tests: one more gap after the
 * snapshot), every further gap found and resynced by a snapshot of its
 * own, and at most two.  The view equals the engine's at the end either
 * way (compare_blocks); what may never happen is a gap left unresynced.
 */
static void
gap_resynced(uint64_t gaps_at_snapshot, uint64_t snaps_at_snapshot,
             int settled)
{
	uint64_t more = va.st.gaps - gaps_at_snapshot;
	uint64_t snaps = va.st.snapshots - snaps_at_snapshot;

	if (more > 0)
		fprintf(stderr, "gap: %llu more gap(s) after the resync, %llu more "
		    "snapshot(s)%s\n", (unsigned long long)more,
		    (unsigned long long)snaps, settled ? ", at rest" : "");
	assert_true(more <= 2);
	assert_true(snaps <= more);
	/* Held still and compared: every gap has had its snapshot. */
	if (settled)
		assert_int_equal(snaps, more);
}

static void
gap_stopped_subscriber_converges(void **state)
{
	uint64_t stop_seq, gaps_before, gaps_at_snapshot, events_at_stop;
	uint64_t snaps_at_snapshot;
	uint64_t b_at_stop, b_last_at_stop, held_seq, b_msgs;
	long long t0, t_resume, t_status, slowest = 0, ms;
	int64_t view_filled, engine_filled;
	cJSON *r;

	(void)state;
	assert_int_equal(itest_start(&e, tranched, "--speed=1000",
	    "--set=market.mkt_rate=3", "--set=orders.0.end=\"15:30:00\"",
	    "--event-queue=" STR(EVENT_QUEUE), NULL), 0);
	assert_int_equal(ipc_client_open(&va.c, e.url, NULL, "gap-stopped"), 0);
	assert_int_equal(ipc_client_open(&rb.c, e.url, NULL, "gap-reader"), 0);
	/* A console's queue holds 8,192 messages, each a loop pass's events
	 * (protocol 2): minutes of events at this rate.  A's holds a few, so
	 * that a stop overflows what NNG queues for it here and there. */
	assert_int_equal(ipc_client_set_event_queue(va.c, STOP_QUEUE), 0);
	va.st.resync = RESYNC_WANTED; /* as the console attaches */

	/* Both attached and in step: A has its first snapshot and events
	 * after it, B is reading. */
	t0 = itest_now_ms();
	while ((va.st.snapshots == 0 || va.st.events < 200 || rb.n < 200) &&
	    itest_now_ms() - t0 < 15000) {
		if (store_resync_wanted(&va.st))
			viewer_resync(&va);
		viewer_drain(&va);
		reader_drain(&rb, 0);
		usleep(1000);
	}
	assert_true(va.st.snapshots >= 1 && va.st.events >= 200 && rb.n >= 200);
	reader_check(&rb, "while A attached");

	/* A stops.  B reads on until the engine has published STOP_EVENTS
	 * more; the engine must keep answering meanwhile. */
	stop_seq = va.st.last_seq;
	gaps_before = va.st.gaps;
	events_at_stop = va.st.events;
	view_filled = store_block_find(&va.st, "1") != NULL ?
	    store_block_find(&va.st, "1")->filled : -1;
	b_at_stop = rb.n;
	/* B's own place: it may be a few messages ahead of A's. */
	b_last_at_stop = rb.last;
	t0 = itest_now_ms();
	t_status = t0;
	b_msgs = ipc_client_event_messages(rb.c);
	while ((rb.last < stop_seq + STOP_EVENTS ||
	    ipc_client_event_messages(rb.c) < b_msgs + STOP_MESSAGES) &&
	    itest_now_ms() - t0 < 60000) {
		reader_drain(&rb, 50);
		if (itest_now_ms() - t_status >= 500) {
			status_filled(&ms);
			if (ms > slowest)
				slowest = ms;
			t_status = itest_now_ms();
		}
	}
	if (rb.last < stop_seq + STOP_EVENTS)
		fail_msg("the engine published only %llu events in 60 s while A "
		    "was stopped", (unsigned long long)(rb.last - stop_seq));
	if (ipc_client_event_messages(rb.c) < b_msgs + STOP_MESSAGES)
		fail_msg("the engine sent only %llu messages in 60 s while A was "
		    "stopped", (unsigned long long)(ipc_client_event_messages(
		    rb.c) - b_msgs));
	fprintf(stderr, "gap: A stopped at seq %llu; the engine published %llu "
	    "events in %llu messages in %lld ms (%.0f/s); B read %llu of the "
	    "%llu after its own place then, %llu gaps; slowest status reply "
	    "%lld ms\n",
	    (unsigned long long)stop_seq, (unsigned long long)(rb.last -
	    stop_seq), (unsigned long long)(ipc_client_event_messages(rb.c) -
	    b_msgs), itest_now_ms() - t0,
	    (double)(rb.last - stop_seq) * 1000.0 / (double)(itest_now_ms() -
	    t0 + 1), (unsigned long long)(rb.n - b_at_stop),
	    (unsigned long long)(rb.last - b_last_at_stop),
	    (unsigned long long)rb.gaps, slowest);
	/* B is not hurt by A: it reads (nearly) everything while A loses
	 * thousands (reader_check: seen here in 1 run of 6 at load 6, 2
	 * events of 20,133 lost). */
	if ((rb.n - b_at_stop) * 100 < (rb.last - b_last_at_stop) * 99 ||
	    rb.gaps > B_GAPS)
		fail_msg("B, reading all along, received %llu of %llu events "
		    "(%llu gaps) while A was stopped",
		    (unsigned long long)(rb.n - b_at_stop),
		    (unsigned long long)(rb.last - b_last_at_stop),
		    (unsigned long long)rb.gaps);
	assert_true(slowest < 1000);
	engine_filled = status_filled(&ms);
	/* The block moved while A was not looking. */
	assert_true(engine_filled > view_filled);

	/* A resumes: finds the gap, asks for a snapshot, converges. */
	t_resume = itest_now_ms();
	while (va.st.snapshots < 2 && itest_now_ms() - t_resume < 15000) {
		viewer_drain(&va);
		reader_drain(&rb, 0);
		usleep(1000);
	}
	assert_true(va.st.snapshots >= 2);
	assert_true(va.st.gaps > gaps_before);
	assert_true(va.skipped > 0);
	fprintf(stderr, "gap: A resumed: %llu event(s) applied before it saw "
	    "the gap (%llu seqs never received: NNG's SUB queue keeps the "
	    "newest when full); snapshot at seq %llu applied %lld ms after "
	    "resuming\n", (unsigned long long)(va.events_at_snap -
	    events_at_stop), (unsigned long long)va.skipped,
	    (unsigned long long)va.snap_seq, va.snap_ms - t_resume);

	/* After the snapshot: in step (gap_resynced).  The drain that applied
	 * it goes on through what NNG queued behind it, and on a loaded
	 * machine that queue, still full while the snapshot was fetched, can
	 * have dropped events newer than the snapshot: a second gap, found
	 * and resynced in the same drain (CI saw 3 snapshots once).  That is
	 * the store doing its job; what must hold is that it then stays in
	 * step. */
	gaps_at_snapshot = va.st.gaps;
	snaps_at_snapshot = va.st.snapshots;
	assert_true(snaps_at_snapshot <= 3);
	t0 = itest_now_ms();
	while (va.st.last_seq < va.snap_seq + AFTER_SNAPSHOT &&
	    itest_now_ms() - t0 < 15000) {
		viewer_drain(&va);
		reader_drain(&rb, 0);
		usleep(1000);
	}
	assert_true(va.st.last_seq >= va.snap_seq + AFTER_SNAPSHOT);
	gap_resynced(gaps_at_snapshot, snaps_at_snapshot, 0);
	assert_int_equal(va.st.backlog_dropped, 0);
	reader_check(&rb, "by the time A was in step again");

	/* Hold still, then compare the view with the engine.  The pause's
	 * block events go out with the next publish pass; a snapshot pushes
	 * them out, and its seq is then the last event published. */
	r = itest_cmd(&e, "{\"cmd\":\"pause\",\"reason\":\"itest: gap\"}");
	assert_true(itest_ok(r));
	cJSON_Delete(r);
	r = itest_cmd(&e, "{\"cmd\":\"snapshot\"}");
	assert_true(itest_ok(r));
	held_seq = (uint64_t)cJSON_GetObjectItem(r, "seq")->valuedouble;
	t0 = itest_now_ms();
	while (va.st.last_seq < held_seq && itest_now_ms() - t0 < 10000) {
		viewer_drain(&va);
		reader_drain(&rb, 0);
		usleep(1000);
	}
	assert_true(va.st.last_seq >= held_seq);
	compare_blocks(r, &va.st);
	cJSON_Delete(r);
	r = itest_cmd(&e, "{\"cmd\":\"status\"}");
	assert_true(itest_ok(r));
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(
	    cJSON_GetObjectItem(r, "blocks"), 0), "state")->valuestring,
	    "PAUSED");
	compare_blocks(r, &va.st);
	cJSON_Delete(r);
	gap_resynced(gaps_at_snapshot, snaps_at_snapshot, 1);
	reader_check(&rb, "in the whole run");
	fprintf(stderr, "gap: converged: view equals the snapshot and status "
	    "at seq %llu (%llu queued events older than the snapshot dropped "
	    "as stale, none held back); B read %llu events from seq %llu to "
	    "%llu, %llu gap(s)\n", (unsigned long long)va.st.last_seq,
	    (unsigned long long)va.st.stale, (unsigned long long)rb.n,
	    (unsigned long long)rb.first, (unsigned long long)rb.last,
	    (unsigned long long)rb.gaps);

	assert_int_equal(itest_stop(&e), 0);
}

static int
gap_setup(void **state)
{
	(void)state;
	memset(&e, 0, sizeof e);
	memset(&va, 0, sizeof va);
	memset(&rb, 0, sizeof rb);
	store_init(&va.st);
	return 0;
}

static int
gap_teardown(void **state)
{
	(void)state;
	store_free(&va.st);
	ipc_client_close(va.c);
	ipc_client_close(rb.c);
	va.c = rb.c = NULL;
	if (e.pid > 0 || e.c != NULL)
		itest_stop(&e);
	return 0;
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(gap_stopped_subscriber_converges,
		    gap_setup, gap_teardown),
	};

	if (argc < 2) {
		fprintf(stderr, "usage: itest-gap PATH-TO-TRANCHED\n");
		return 2;
	}
	tranched = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
