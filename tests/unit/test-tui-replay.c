/*
 * tests/unit/test-tui-replay.c -- the replay transport on its own: a
 * journal written with the journal API is played into a store on a real
 * libuv loop, without a terminal.  It proves the pacing (records wait for
 * their simulated time), pause and speed keys, the end of a journal, that
 * a damaged journal skips the damaged span, plays on and names the byte,
 * that a header of another protocol version is refused; and
 * the controls: . one event, n / N between alerts and interventions, g to
 * a time (backwards rebuilds the store), the transport bar.
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

#include "engine/journal/journal.h"
#include "tui/tui.h"

#define T0 34200000000000LL
#define SEC 1000000000LL
#define PROTO_STR2(v) #v
#define PROTO_STR1(v) PROTO_STR2(v)
#define PROTO_STR PROTO_STR1(TRANCHE_PROTO_VERSION)

/* A journal of `n` decisions one simulated second apart, then a block
 * event; returns the byte offset where record `mark` (1-based) starts. */
static uint64_t
journal_write(const char *path, int n, int mark)
{
	struct jrnl *j;
	struct jrnl_reader *r;
	struct jrnl_rec rec;
	char payload[128];
	uint64_t off = 0;
	int i;

	unlink(path);
	assert_int_equal(jrnl_create(&j, path, "{\"tick\":0.01,\"sym\":\"QDI\","
	    "\"scenario_name\":\"calm\",\"seed\":\"7\",\"protocol\":"
	    PROTO_STR "}"), 0);
	for (i = 1; i <= n + 1; i++) {
		cJSON *p;
		char *buf;
		size_t len;

		if (i <= n)
			snprintf(payload, sizeof payload, "{\"action\":\"post\","
			    "\"qty\":%d,\"reason\":\"slice %d\"}", i * 100, i);
		else
			snprintf(payload, sizeof payload, "{\"id\":\"B1\","
			    "\"state\":\"DONE\",\"qty\":500,\"filled\":500}");
		p = cJSON_Parse(payload);
		buf = ipc_event_format(i <= n ? TOPIC_DECISION : TOPIC_BLOCK,
		    (uint64_t)i, T0 + i * SEC, p, &len);
		assert_int_equal(jrnl_append(j, JRNL_EVENT, T0 + i * SEC, buf,
		    len), 0);
		/* Other record kinds are skipped by the player. */
		if (i == 1)
			assert_int_equal(jrnl_append(j, JRNL_NOTE, T0, "{}", 2), 0);
		free(buf);
		cJSON_Delete(p);
	}
	jrnl_close(j);
	assert_int_equal(jrnl_reader_open(&r, path, NULL), 0);
	for (i = 1; jrnl_next(r, &rec) == 1; i++)
		if (i == mark)
			off = rec.offset;
	jrnl_reader_close(r);
	return off;
}

static struct tui *
replay_new(const char *path, double speed)
{
	struct tui *t = calloc(1, sizeof *t);

	assert_non_null(t);
	t->opt.journal = path;
	t->opt.speed = speed;
	store_init(&t->store);
	t->view.store = &t->store;
	t->view.replay = 1;
	t->store.replay = 1;
	t->tp = &transport_replay_ops;
	assert_int_equal(t->tp->open(t), 0);
	assert_int_equal(uv_loop_init(&t->loop), 0);
	assert_int_equal(t->tp->start(t), 0);
	return t;
}

/* Run the loop for about `ms` milliseconds, or until the transport line
 * says `until` (when not NULL). */
static void
replay_run(struct tui *t, int ms, const char *until)
{
	int64_t end = tui_now_ms() + ms;

	while (tui_now_ms() < end) {
		uv_run(&t->loop, UV_RUN_ONCE);
		if (until != NULL && strstr(t->view.transport, until) != NULL)
			return;
	}
}

static void
replay_free(struct tui *t)
{
	t->tp->close(t);
	uv_run(&t->loop, UV_RUN_DEFAULT);
	t->tp->free(t);
	assert_int_equal(uv_loop_close(&t->loop), 0);
	store_free(&t->store);
	free(t);
}

static char journal_path[256];

static void
replay_waits_for_simulated_time(void **state)
{
	struct tui *t;

	(void)state;
	journal_write(journal_path, 20, 0);
	/* At 1x the second decision is a whole second after the first. */
	t = replay_new(journal_path, 1);
	assert_string_equal(t->store.sym, "QDI");
	assert_non_null(strstr(t->view.source, "calm"));
	assert_non_null(strstr(t->view.source, "seed 7"));
	replay_run(t, 300, NULL);
	assert_int_equal(store_ndecisions(&t->store), 1);
	assert_non_null(strstr(t->view.transport, "PLAYING"));
	assert_non_null(strstr(t->view.transport, "1x"));
	assert_int_equal(t->store.t, T0 + SEC);

	/* Paused, nothing moves; + doubles the speed up to 100x. */
	assert_true(t->tp->key(t, ' ') & TUI_HANDLED);
	assert_non_null(strstr(t->view.transport, "PAUSED"));
	replay_run(t, 1200, NULL);
	assert_int_equal(store_ndecisions(&t->store), 1);
	for (int i = 0; i < 10; i++)
		t->tp->key(t, '+');
	assert_non_null(strstr(t->view.transport, "100x"));
	for (int i = 0; i < 12; i++)
		t->tp->key(t, '-');
	assert_non_null(strstr(t->view.transport, "0.25x"));
	t->tp->key(t, '+');
	assert_non_null(strstr(t->view.transport, "0.5x"));
	assert_int_equal(t->tp->key(t, 'x'), 0);

	/* Fast and playing: everything arrives, in order, and it ends. */
	for (int i = 0; i < 10; i++)
		t->tp->key(t, '+');
	t->tp->key(t, ' ');
	replay_run(t, 5000, "END");
	assert_non_null(strstr(t->view.transport, "END"));
	assert_int_equal(store_ndecisions(&t->store), 20);
	assert_string_equal(store_decision(&t->store, 0)->reason, "slice 20");
	assert_string_equal(t->store.blocks[0].state, "DONE");
	assert_int_equal(t->store.gaps, 0);
	assert_non_null(strstr(t->msg, "end of journal: 21 events"));
	/* Read-only. */
	assert_true(t->tp->send(t, cJSON_CreateObject(), "pause") < 0);
	replay_free(t);
}

/* A journal still being written is played as it was when opened: reading
 * on, the bar said 158/147 events and g refused a time already on the
 * screen (found by a review on 2026-12-07). */
static void
replay_plays_the_journal_as_opened(void **state)
{
	struct tui *t;
	struct jrnl *j;
	char *buf;
	size_t len;
	cJSON *p;

	(void)state;
	journal_write(journal_path, 5, 0);
	t = replay_new(journal_path, 100);
	/* The engine writes on. */
	assert_int_equal(jrnl_open_append(&j, journal_path, NULL, NULL), 0);
	for (int i = 7; i <= 12; i++) {
		p = cJSON_Parse("{\"action\":\"post\",\"qty\":1,\"reason\":"
		    "\"later\"}");
		buf = ipc_event_format(TOPIC_DECISION, (uint64_t)i, T0 + i * SEC,
		    p, &len);
		assert_int_equal(jrnl_append(j, JRNL_EVENT, T0 + i * SEC, buf,
		    len), 0);
		free(buf);
		cJSON_Delete(p);
	}
	jrnl_close(j);
	replay_run(t, 5000, "END");
	assert_non_null(strstr(t->view.transport, "6/6 events"));
	assert_int_equal(store_ndecisions(&t->store), 5);
	assert_string_equal(t->store.blocks[0].state, "DONE");
	replay_free(t);
}

static void
replay_skips_damage_and_says_where(void **state)
{
	struct tui *t;
	uint64_t off;
	char want[64];
	FILE *f;

	(void)state;
	/* Record 8 of 22 (21 events and a note), decision 7, gets a bad
	 * byte in its frame. */
	off = journal_write(journal_path, 20, 8);
	assert_true(off > 0);
	f = fopen(journal_path, "r+b");
	assert_non_null(f);
	assert_int_equal(fseek(f, (long)off + 20, SEEK_SET), 0);
	fputc('#', f);
	fclose(f);

	t = replay_new(journal_path, 100);
	replay_run(t, 5000, "STOPPED");
	assert_non_null(strstr(t->view.transport, "STOPPED"));
	snprintf(want, sizeof want, "journal damaged at byte %llu",
	    (unsigned long long)off);
	if (strstr(t->msg, want) == NULL)
		fail_msg("message \"%s\" lacks \"%s\"", t->msg, want);
	/* Every decision but the damaged one, and the block after it. */
	assert_int_equal(store_ndecisions(&t->store), 19);
	assert_string_equal(t->store.blocks[0].state, "DONE");
	assert_int_equal(t->msg_level, MSG_ERR);
	/* Space after the end says so instead of playing. */
	t->tp->key(t, ' ');
	assert_non_null(strstr(t->msg, "nothing more to play"));
	replay_free(t);
}

/* A record whose time is not of the day (10^18 ns: 31 years), its
 * checksum whole, held every event after it back for as long as its time
 * says: the replay never reached the block after it.  It is skipped now,
 * and the end of the journal says so. */
static void
replay_skips_a_time_not_of_the_day(void **state)
{
	struct tui *t;
	struct jrnl *j;
	cJSON *p;
	char *buf;
	size_t len;

	(void)state;
	journal_write(journal_path, 5, 0);
	assert_int_equal(jrnl_open_append(&j, journal_path, NULL, NULL), 0);
	/* The record far off; a record on time whose event says -5 ns;
	 * then the block. */
	for (int i = 0; i < 3; i++) {
		int64_t at = i == 0 ? 1000000000000000000LL : T0 + (8 + i) * SEC;

		p = cJSON_Parse(i < 2 ? "{\"action\":\"post\",\"qty\":1,"
		    "\"reason\":\"far\"}" : "{\"id\":\"B2\",\"state\":\"DONE\","
		    "\"qty\":100,\"filled\":100}");
		buf = ipc_event_format(i < 2 ? TOPIC_DECISION : TOPIC_BLOCK,
		    (uint64_t)(10 + i), i == 1 ? -5 : at, p, &len);
		assert_int_equal(jrnl_append(j, JRNL_EVENT, at, buf, len), 0);
		free(buf);
		cJSON_Delete(p);
	}
	jrnl_close(j);
	t = replay_new(journal_path, 100);
	replay_run(t, 5000, "END");
	assert_non_null(strstr(t->view.transport, "END"));
	assert_int_equal(store_ndecisions(&t->store), 5);
	if (strstr(t->msg, "end of journal: 7 events played; 2 with a time not "
	    "of the day skipped") == NULL)
		fail_msg("message \"%s\"", t->msg);
	replay_free(t);
}

/* A journal of another protocol version is not played at all. */
static void
replay_refuses_another_protocol(void **state)
{
	static const char *const headers[] = {
		"{\"protocol\":1}", "{\"protocol\":4}", "{\"protocol\":\"2\"}",
		"{\"tick\":0.01}",
	};
	struct tui *t;
	struct jrnl *j;

	(void)state;
	for (size_t i = 0; i < sizeof headers / sizeof headers[0]; i++) {
		unlink(journal_path);
		assert_int_equal(jrnl_create(&j, journal_path, headers[i]), 0);
		jrnl_close(j);
		t = calloc(1, sizeof *t);
		assert_non_null(t);
		t->opt.journal = journal_path;
		store_init(&t->store);
		t->view.store = &t->store;
		t->tp = &transport_replay_ops;
		assert_int_equal(t->tp->open(t), -1);
		t->tp->free(t);
		store_free(&t->store);
		free(t);
	}
}

/* 20 events one second apart: decisions, with alerts at 5 and 12 and an
 * audit record at 15. */
static void
journal_write_marks(const char *path)
{
	struct jrnl *j;
	char payload[160];
	int i;

	unlink(path);
	assert_int_equal(jrnl_create(&j, path, "{\"tick\":0.01,\"sym\":\"QDI\","
	    "\"protocol\":" PROTO_STR "}"), 0);
	for (i = 1; i <= 20; i++) {
		const char *topic = TOPIC_DECISION;
		cJSON *p;
		char *buf;
		size_t len;

		if (i == 5 || i == 12) {
			topic = TOPIC_ALERT;
			snprintf(payload, sizeof payload, "{\"sev\":\"warn\","
			    "\"code\":\"LAG%d\",\"text\":\"behind at %d\"}", i, i);
		} else if (i == 15) {
			topic = TOPIC_AUDIT;
			snprintf(payload, sizeof payload, "{\"cmd\":\"pause\","
			    "\"ok\":true,\"client\":\"c1\",\"role\":\"trader\","
			    "\"reason\":\"lunch\"}");
		} else
			snprintf(payload, sizeof payload, "{\"action\":\"post\","
			    "\"qty\":%d,\"reason\":\"slice %d\"}", i * 100, i);
		p = cJSON_Parse(payload);
		buf = ipc_event_format(topic, (uint64_t)i, T0 + i * SEC, p, &len);
		assert_int_equal(jrnl_append(j, JRNL_EVENT, T0 + i * SEC, buf,
		    len), 0);
		free(buf);
		cJSON_Delete(p);
	}
	jrnl_close(j);
}

static void
replay_controls_step_seek_and_marks(void **state)
{
	struct tui *t;

	(void)state;
	journal_write_marks(journal_path);
	t = replay_new(journal_path, 1);
	t->tp->key(t, ' ');
	/* The bar: paused, the span of the journal, events played / held. */
	assert_non_null(strstr(t->view.transport, "PAUSED"));
	assert_non_null(strstr(t->view.transport, "09:30:01|"));
	assert_non_null(strstr(t->view.transport, "|09:30:20"));
	assert_non_null(strstr(t->view.transport, "/20 events"));

	/* . : one event at a time, paused. */
	assert_true(t->tp->key(t, '.') & TUI_HANDLED);
	assert_int_equal(store_ndecisions(&t->store), 1);
	assert_int_equal(t->store.t, T0 + SEC);
	t->tp->key(t, '.');
	assert_int_equal(store_ndecisions(&t->store), 2);
	assert_non_null(strstr(t->view.transport, "PAUSED"));
	assert_non_null(strstr(t->view.transport, "09:30:02 "));
	assert_non_null(strstr(t->view.transport, "2/20 events"));
	replay_run(t, 300, NULL);
	assert_int_equal(store_ndecisions(&t->store), 2);

	/* n: the next alert, then the next, then the audit record. */
	t->tp->key(t, 'n');
	assert_int_equal(t->store.t, T0 + 5 * SEC);
	assert_int_equal(store_nalerts(&t->store), 1);
	assert_string_equal(store_alert(&t->store, 0)->code, "LAG5");
	assert_non_null(strstr(t->view.transport, "PAUSED"));
	t->tp->key(t, 'n');
	assert_int_equal(store_nalerts(&t->store), 2);
	t->tp->key(t, 'n');
	assert_int_equal(t->store.t, T0 + 15 * SEC);
	assert_int_equal(t->store.audit.count, 1);
	t->tp->key(t, 'n');
	assert_non_null(strstr(t->msg, "no later alert"));
	assert_int_equal(t->store.t, T0 + 15 * SEC);

	/* N: back to the second alert; the store is rebuilt from the start,
	 * so the audit record after it is gone again. */
	t->tp->key(t, 'N');
	assert_int_equal(t->store.t, T0 + 12 * SEC);
	assert_int_equal(store_nalerts(&t->store), 2);
	assert_int_equal(t->store.audit.count, 0);
	assert_int_equal(store_ndecisions(&t->store), 10);
	assert_int_equal(t->store.gaps, 0);
	assert_string_equal(t->store.sym, "QDI");
	assert_true(t->store.tick_known);
	t->tp->key(t, 'N');
	t->tp->key(t, 'N');
	assert_non_null(strstr(t->msg, "no earlier alert"));
	assert_int_equal(t->store.t, T0 + 5 * SEC);

	/* g opens the go-to prompt; seek does the work. */
	assert_true(t->tp->key(t, 'g') & TUI_HANDLED);
	assert_int_equal(t->prompt.stage, PROMPT_VALUE);
	assert_string_equal(t->prompt.action, "goto");
	prompt_cancel(&t->prompt);
	t->tp->seek(t, "09:30:03");
	assert_int_equal(t->store.t, T0 + 3 * SEC);
	assert_int_equal(store_nalerts(&t->store), 0);
	assert_int_equal(store_ndecisions(&t->store), 3);
	assert_non_null(strstr(t->view.transport, "3/20 events"));
	t->tp->seek(t, "09:30:18");
	assert_int_equal(t->store.t, T0 + 18 * SEC);
	assert_int_equal(store_nalerts(&t->store), 2);
	t->tp->seek(t, "10:00");
	assert_int_equal(t->msg_level, MSG_ERR);
	assert_non_null(strstr(t->msg, "outside the journal"));
	t->tp->seek(t, "soon");
	assert_non_null(strstr(t->msg, "go to: time 'soon': must be HH:MM or "
	    "HH:MM:SS"));
	assert_int_equal(t->store.t, T0 + 18 * SEC);
	/* To the last event: the end. */
	t->tp->seek(t, "9:30:20");
	assert_non_null(strstr(t->view.transport, "END"));
	assert_non_null(strstr(t->view.transport, "20/20 events"));
	t->tp->key(t, '.');
	assert_non_null(strstr(t->msg, "nothing more to play"));
	/* And back from the end, playing again. */
	t->tp->seek(t, "09:30:10");
	assert_int_equal(t->store.t, T0 + 10 * SEC);
	assert_null(strstr(t->view.transport, "END"));
	t->tp->key(t, ' ');
	assert_non_null(strstr(t->view.transport, "PLAYING"));
	replay_free(t);
}

static void
replay_refuses_a_missing_journal(void **state)
{
	struct tui *t = calloc(1, sizeof *t);

	(void)state;
	t->opt.journal = "/nonexistent/j.trj";
	store_init(&t->store);
	t->view.store = &t->store;
	t->tp = &transport_replay_ops;
	assert_int_equal(t->tp->open(t), -1);
	t->tp->free(t);
	store_free(&t->store);
	free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(replay_waits_for_simulated_time),
		cmocka_unit_test(replay_plays_the_journal_as_opened),
		cmocka_unit_test(replay_skips_damage_and_says_where),
		cmocka_unit_test(replay_skips_a_time_not_of_the_day),
		cmocka_unit_test(replay_refuses_another_protocol),
		cmocka_unit_test(replay_controls_step_seek_and_marks),
		cmocka_unit_test(replay_refuses_a_missing_journal),
	};
	const char *dir = getenv("TMPDIR");
	int rc;

	snprintf(journal_path, sizeof journal_path, "%s/test-tui-replay-%d.trj",
	    dir ? dir : "/tmp", (int)getpid());
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	unlink(journal_path);
	return rc;
}
