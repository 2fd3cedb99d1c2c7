/*
 * tests/unit/test-tui-live.c -- the live transport's queue in a stress
 * event, in-process: the transport's source is included, so its queue is
 * driven without an engine, with a request held "in flight" so that
 * nothing is handed to the worker thread.
 *
 *   - a command (a pause, a kill) goes ahead of queued snapshots and
 *     previews, in the order given, and never ahead of a hello;
 *   - a newer preview replaces a queued one, and the one replaced is no
 *     longer counted in flight;
 *   - an engine that answers hello as a new session drops every queued
 *     command and closes an open prompt that would send, and one message
 *     names them all;
 *   - so does the first heartbeat of another session, at once (its hello's
 *     answer can come seconds later), emptying the old session's audit
 *     log and putting a hello first; a heartbeat of the same session, and
 *     then the hello's answer naming the new one, change nothing;
 *   - a replay engine's heartbeats, which may name several sessions one
 *     after another, clear nothing once its hello said "replay".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tui/transport-live.c"
#include "tests/unit/tui-fixture.h"

static struct live_req held; /* "in flight": live_submit() sends nothing */

static struct tui *
live_fixture(void)
{
	struct tui *t = calloc(1, sizeof *t);
	struct live *lv = calloc(1, sizeof *lv);

	assert_non_null(t);
	assert_non_null(lv);
	store_init(&t->store);
	t->view.store = &t->store;
	t->view.msgs = &t->msglog;
	prompt_cancel(&t->prompt);
	t->tp_state = lv;
	snprintf(lv->url, sizeof lv->url, "ipc:///test");
	lv->inflight = &held;
	return t;
}

static void
live_fixture_free(struct tui *t)
{
	struct live *lv = t->tp_state;

	while (lv->head != NULL) {
		struct live_req *r = lv->head;

		lv->head = r->next;
		live_req_free(r);
	}
	free(lv);
	store_free(&t->store);
	free(t);
}

/* The queue as "kind:what" words, in order. */
static const char *
queue_words(const struct tui *t)
{
	static char buf[512];
	const struct live *lv = t->tp_state;
	size_t off = 0;

	buf[0] = '\0';
	for (const struct live_req *r = lv->head; r != NULL; r = r->next)
		off += (size_t)snprintf(buf + off, sizeof buf - off, "%s%s",
		    off ? " " : "", r->what);
	return buf;
}

static void
queue(struct tui *t, int kind, const char *what)
{
	cJSON *req = cJSON_CreateObject();

	assert_non_null(req);
	cJSON_AddStringToObject(req, "cmd", what);
	if (strcmp(what, CMD_ESTIMATE) == 0)
		t->est_inflight++; /* as the console counts one asked */
	live_queue(t, kind, what, req, 1000);
}

static void
commands_go_ahead_of_snapshots_never_of_hello(void **state)
{
	struct tui *t = live_fixture();
	struct live *lv = t->tp_state;

	(void)state;
	queue(t, LIVE_HELLO, CMD_HELLO);
	queue(t, LIVE_SNAPSHOT, CMD_SNAPSHOT);
	queue(t, LIVE_COMMAND, CMD_ESTIMATE);
	queue(t, LIVE_COMMAND, CMD_PAUSE);
	assert_string_equal(queue_words(t), "hello pause snapshot estimate");
	/* A second command keeps the order given, still ahead of both. */
	queue(t, LIVE_COMMAND, CMD_KILL);
	assert_string_equal(queue_words(t),
	    "hello pause kill snapshot estimate");
	/* A newer preview replaces the queued one, which is no longer
	 * counted in flight. */
	assert_int_equal(t->est_inflight, 1);
	queue(t, LIVE_COMMAND, CMD_ESTIMATE);
	assert_string_equal(queue_words(t),
	    "hello pause kill snapshot estimate");
	assert_int_equal(t->est_inflight, 1);
	/* The tail is the last one: what is queued next goes after it. */
	assert_non_null(lv->tail);
	assert_string_equal(lv->tail->what, CMD_ESTIMATE);
	queue(t, LIVE_STATUS, CMD_STATUS);
	assert_string_equal(queue_words(t),
	    "hello pause kill snapshot estimate status");
	live_fixture_free(t);

	/* Without a hello queued: first. */
	t = live_fixture();
	queue(t, LIVE_SNAPSHOT, CMD_SNAPSHOT);
	queue(t, LIVE_COMMAND, CMD_ESTIMATE);
	queue(t, LIVE_COMMAND, CMD_THROTTLE);
	assert_string_equal(queue_words(t), "throttle snapshot estimate");
	live_fixture_free(t);
}

static void
new_session_drops_queued_commands_and_the_open_prompt(void **state)
{
	struct tui *t = live_fixture();
	struct live *lv = t->tp_state;
	struct live_req *r = calloc(1, sizeof *r);

	(void)state;
	snprintf(t->store.session, sizeof t->store.session, "old-session");
	queue(t, LIVE_COMMAND, CMD_PAUSE);
	queue(t, LIVE_SNAPSHOT, CMD_SNAPSHOT);
	queue(t, LIVE_COMMAND, CMD_THROTTLE);
	queue(t, LIVE_COMMAND, CMD_ESTIMATE);
	lv->head->again = 1; /* the pause was sent once before */
	prompt_begin(&t->prompt, CMD_KILL, "", 0);
	assert_true(prompt_sends(&t->prompt));

	assert_non_null(r);
	r->t = t;
	r->kind = LIVE_HELLO;
	r->rv = 0;
	r->reply = cJSON_Parse("{\"ok\":true,\"session\":\"new-session\","
	    "\"engine\":\"tranched\",\"role\":\"trader\"}");
	assert_non_null(r->reply);
	live_hello_done(t, r);
	live_req_free(r);

	/* Only the snapshot stays, and the new session's status. */
	assert_string_equal(queue_words(t), "snapshot status");
	assert_int_equal(t->est_inflight, 0);
	assert_int_equal(t->prompt.stage, PROMPT_IDLE);
	assert_int_equal(t->msg_level, MSG_ERR);
	if (strstr(t->msg, "a new engine session (new-session)") == NULL ||
	    strstr(t->msg, "not sent: kill (open), pause (sent once before), "
	    "throttle") == NULL)
		fail_msg("the message: \"%s\"", t->msg);
	live_fixture_free(t);
}

static void
heartbeat_of_a_new_session_clears_the_picture_at_once(void **state)
{
	struct tui *t = live_fixture();
	struct live *lv = t->tp_state;
	struct live_req *r;
	const int64_t t0 = 34200LL * 1000000000LL;

	(void)state;
	snprintf(t->store.session, sizeof t->store.session, "old-session");
	lv->hello_ok = 1;
	push_at(&t->store, TOPIC_AUDIT, 5, t0, "{\"cmd\":\"throttle\","
	    "\"ok\":true,\"client\":\"tranche\",\"role\":\"trader\","
	    "\"user\":\"bo\",\"what\":\"throttle block 1 30%\",\"reason\":"
	    "\"first session mark\",\"result\":\"ok\"}", 1000);
	assert_int_equal(t->store.audit.count, 1);
	queue(t, LIVE_COMMAND, CMD_PAUSE);

	/* The same session's heartbeat: nothing changes. */
	push_at(&t->store, TOPIC_HEARTBEAT, 6, t0, "{\"speed\":\"60\","
	    "\"state\":\"LIVE\",\"name\":\"first-engine\",\"session\":"
	    "\"old-session\"}", 1100);
	assert_false(t->store.session_new);
	live_session_check(t);
	assert_int_equal(t->store.audit.count, 1);
	assert_string_equal(queue_words(t), "pause");

	/* Another engine on the address: its first heartbeat. */
	push_at(&t->store, TOPIC_HEARTBEAT, 1, t0 + 1000000000LL,
	    "{\"speed\":\"60\",\"state\":\"LIVE\",\"name\":"
	    "\"second-engine\",\"session\":\"new-session\"}", 5000);
	assert_true(t->store.session_new);
	assert_int_equal(t->store.audit.count, 0);
	live_session_check(t);
	assert_false(t->store.session_new);
	assert_string_equal(t->store.session, "new-session");
	assert_string_equal(queue_words(t), "hello");
	assert_false(lv->hello_ok);
	if (strstr(t->msg, "a new engine session (new-session)") == NULL ||
	    strstr(t->msg, "not sent: pause") == NULL)
		fail_msg("the message: \"%s\"", t->msg);

	/* The hello's answer names the session the heartbeat did: nothing
	 * is cleared twice, and the console is attached; what was not sent
	 * stays said (an error stays on the line until a key). */
	push_at(&t->store, TOPIC_AUDIT, 2, t0 + 2000000000LL, "{\"cmd\":"
	    "\"throttle\",\"ok\":true,\"client\":\"tranche\",\"role\":"
	    "\"trader\",\"user\":\"bo\",\"what\":\"throttle block 1 40%\","
	    "\"reason\":\"second session mark\",\"result\":\"ok\"}", 5100);
	r = lv->head; /* the hello, sent and answered */
	assert_int_equal(r->kind, LIVE_HELLO);
	lv->head = r->next;
	lv->hello_pending = 1;
	r->rv = 0;
	r->reply = cJSON_Parse("{\"ok\":true,\"session\":\"new-session\","
	    "\"engine\":\"second-engine\",\"role\":\"trader\"}");
	assert_non_null(r->reply);
	live_hello_done(t, r);
	live_req_free(r);
	assert_false(t->store.session_new);
	assert_true(lv->hello_ok);
	assert_int_equal(t->store.audit.count, 1);
	assert_string_equal(queue_words(t), "status");
	if (strstr(t->msg, "not sent: pause") == NULL)
		fail_msg("the message: \"%s\"", t->msg);
	live_fixture_free(t);
}

/*
 * A replay engine plays a journal's heartbeats back as they were, and a
 * journal whose header kept no session name (before 2026-12-03) has one
 * id after another, each engine that continued it making its own: after a
 * hello whose answer says "replay", they are the recording's, not a new
 * engine, and clear nothing (found by a review).  A live engine's hello
 * on the address afterwards clears the replay's picture as before.
 */
static void
replayed_heartbeats_of_several_sessions_clear_nothing(void **state)
{
	struct tui *t = live_fixture();
	struct live *lv = t->tp_state;
	struct live_req *r;
	const int64_t t0 = 34200LL * 1000000000LL;

	(void)state;
	push_at(&t->store, TOPIC_HEARTBEAT, 1, t0, "{\"speed\":\"1\",\"state\":"
	    "\"LIVE\",\"name\":\"tranched\",\"session\":\"first-id\"}", 1000);
	assert_false(t->store.session_new);
	assert_string_equal(t->store.session, "first-id");
	queue(t, LIVE_HELLO, CMD_HELLO);
	r = lv->head;
	lv->head = r->next;
	r->reply = cJSON_Parse("{\"ok\":true,\"session\":\"\",\"engine\":"
	    "\"replay\",\"role\":\"viewer\",\"replay\":true}");
	live_hello_done(t, r);
	live_req_free(r);
	assert_true(t->store.engine_replay);
	push_at(&t->store, TOPIC_AUDIT, 2, t0, "{\"cmd\":\"pause\",\"ok\":true,"
	    "\"client\":\"tranche\",\"role\":\"trader\",\"user\":\"bo\","
	    "\"what\":\"pause block 1\",\"reason\":\"recorded\",\"result\":"
	    "\"ok\"}", 1100);
	push_at(&t->store, TOPIC_HEARTBEAT, 3, t0 + 1000000000LL, "{\"speed\":"
	    "\"1\",\"state\":\"LIVE\",\"name\":\"tranched\",\"session\":"
	    "\"second-id\"}", 2000);
	live_session_check(t);
	assert_false(t->store.session_new);
	assert_int_equal(t->store.audit.count, 1);
	assert_string_equal(t->store.session, "first-id");

	/* A live engine's hello on the address: another session. */
	queue(t, LIVE_HELLO, CMD_HELLO);
	r = lv->head;
	lv->head = r->next;
	r->reply = cJSON_Parse("{\"ok\":true,\"session\":\"live-id\","
	    "\"engine\":\"tranched\",\"role\":\"trader\"}");
	live_hello_done(t, r);
	live_req_free(r);
	assert_false(t->store.engine_replay);
	assert_int_equal(t->store.audit.count, 0);
	assert_string_equal(t->store.session, "live-id");
	live_fixture_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(commands_go_ahead_of_snapshots_never_of_hello),
		cmocka_unit_test(new_session_drops_queued_commands_and_the_open_prompt),
		cmocka_unit_test(
		    heartbeat_of_a_new_session_clears_the_picture_at_once),
		cmocka_unit_test(
		    replayed_heartbeats_of_several_sessions_clear_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
