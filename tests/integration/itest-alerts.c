/*
 * tests/integration/itest-alerts.c -- the alert detector in the real
 * tranched, news-shock at 600x.
 *
 * alerts_headline_raises_a_market_alert: the headline's news alert comes
 *   at 10:30:00, and a WARN or CRIT market alert (not the news one) within
 *   one simulated minute of it, with an id, "state":"raised", the numbers
 *   in words, a suggested action and block 1 among the blocks it concerns;
 *   the same alert is in the journal after the engine stops;
 * alerts_ack_reason_and_all: that alert is acknowledged with a reason and
 *   the ack is published on audit with the reason; "ack all" answers with
 *   every alert's seq, the market alert's among them and named in
 *   "already" (acknowledged before), the ack's audit event names the seq,
 *   the snapshot's alerts carry "acked": true with who and when, and a
 *   second ack of one alert is accepted and named in "already"; "all"
 *   that is not a boolean, and "all" beside "alert", are refused naming
 *   the field;
 * alerts_ack_survives_recovery: after ack all and kill -9, the engine
 *   recovered from its journal still holds the market alert acknowledged
 *   (the journal's ack audit event names it);
 * alerts_cost_limit_is_a_supervisors: a trader may not set a block's cost
 *   limit (ERR_ROLE naming the role), a negative one is refused naming
 *   "bps" and the value, and a supervisor's 1 bps limit on a sale through
 *   the headline raises a "cost" alert for block 1;
 * alerts_behind_schedule_on_the_daemon: a block throttled to 1% falls
 *   behind its TWAP schedule, and the engine raises a "behind" alert for
 *   block 1 saying by how many shares, what share of the block and for how
 *   long, with a suggested action.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine/journal/journal.h"
#include "ipc/protocol.h"
#include "tests/integration/itest.h"

#define NS 1000000000LL
#define HEADLINE ((10LL * 3600 + 30 * 60) * NS)

static const char *tranched;



/* Wait for the first WARN/CRIT market alert after the headline's news
 * alert; its seq, or 0.  *news_t and *t receive their times. */
static uint64_t
wait_market_alert(struct itest_engine *e, int64_t *news_t, int64_t *t,
                  cJSON **copy)
{
	struct ipc_event ev;

	*news_t = -1;
	for (long long t0 = itest_now_ms(); itest_now_ms() - t0 < 60000;) {
		if (ipc_client_wait_event(e->c, &ev, 500) != 1)
			continue;
		if (strcmp(ev.topic, TOPIC_ALERT) == 0) {
			const char *code = itest_str(ev.json, "code");
			const char *sev = itest_str(ev.json, "sev");

			if (strcmp(code, "news") == 0 && *news_t < 0)
				*news_t = ev.t;
			else if (*news_t >= 0 && cJSON_GetObjectItem(ev.json,
			    "block") == NULL && (strcmp(sev, "warn") == 0 ||
			    strcmp(sev, "crit") == 0)) {
				uint64_t seq = ev.seq;

				*t = ev.t;
				*copy = cJSON_Duplicate(ev.json, 1);
				ipc_event_free(&ev);
				return seq;
			}
		}
		ipc_event_free(&ev);
	}
	return 0;
}

static void
alerts_headline_raises_a_market_alert(void **state)
{
	struct itest_engine e;
	struct jrnl_reader *rd;
	struct jrnl_rec rec;
	int64_t news_t, t;
	uint64_t seq;
	cJSON *a = NULL, *blocks;
	int found = 0, has1 = 0;
	const cJSON *b;

	assert_int_equal(itest_start(&e, tranched, "--speed=600", NULL), 0);
	seq = wait_market_alert(&e, &news_t, &t, &a);
	assert_true(seq > 0);
	assert_int_equal(news_t, HEADLINE);
	fprintf(stderr, "itest-alerts: %s %s %.0f s after the headline: %s; "
	    "%s\n", itest_str(a, "sev"), itest_str(a, "code"),
	    (double)(t - news_t) / NS, itest_str(a, "text"), itest_str(a, "action"));
	assert_true(t - news_t <= 60 * NS);
	assert_string_equal(itest_str(a, "state"), "raised");
	assert_string_equal(itest_str(a, "sym"), "QDI");
	assert_true(strlen(itest_str(a, "id")) > 0);
	assert_true(strlen(itest_str(a, "action")) > 0);
	assert_non_null(strstr(itest_str(a, "text"), "QDI"));
	blocks = cJSON_GetObjectItem(a, "blocks");
	cJSON_ArrayForEach(b, blocks)
		has1 |= cJSON_IsString(b) && strcmp(b->valuestring, "1") == 0;
	assert_true(has1);
	cJSON_Delete(a);
	kill(e.pid, SIGTERM);
	assert_int_equal(itest_wait_exit(&e, 10000), 0);

	/* Journaled like every event: replay shows it. */
	assert_int_equal(jrnl_reader_open(&rd, e.journal, NULL), 0);
	while (!found && jrnl_next(rd, &rec) == 1) {
		struct ipc_event ev;
		char err[64];

		if (rec.kind != JRNL_EVENT ||
		    ipc_event_parse(rec.data, rec.len, &ev, err, sizeof err) != 0)
			continue;
		found = ev.seq == seq && strcmp(ev.topic, TOPIC_ALERT) == 0;
		ipc_event_free(&ev);
	}
	jrnl_reader_close(rd);
	itest_stop(&e);
	assert_true(found);
}

static void
alerts_ack_reason_and_all(void **state)
{
	struct itest_engine e;
	struct ipc_event ev;
	int64_t news_t, t;
	uint64_t seq;
	cJSON *a = NULL, *r, *acked;
	const cJSON *s;
	char cmd[200], want[32];
	int audited = 0, listed = 0;

	assert_int_equal(itest_start(&e, tranched, "--speed=600", NULL), 0);
	seq = wait_market_alert(&e, &news_t, &t, &a);
	assert_true(seq > 0);
	cJSON_Delete(a);

	snprintf(cmd, sizeof cmd, "{\"cmd\":\"ack\",\"alert\":%llu,\"reason\":"
	    "\"itest: seen the headline\"}", (unsigned long long)seq);
	r = itest_cmd(&e, cmd);
	assert_true(itest_ok(r));
	cJSON_Delete(r);
	for (long long t0 = itest_now_ms(); !audited &&
	    itest_now_ms() - t0 < 10000;) {
		if (ipc_client_wait_event(e.c, &ev, 500) != 1)
			continue;
		audited = strcmp(ev.topic, TOPIC_AUDIT) == 0 &&
		    strcmp(itest_str(ev.json, "cmd"), "ack") == 0 &&
		    strcmp(itest_str(ev.json, "reason"),
		    "itest: seen the headline") == 0;
		/* The audit event names the seq, so every console marks it. */
		if (audited) {
			acked = cJSON_GetObjectItem(ev.json, "acked");
			assert_int_equal(cJSON_GetArraySize(acked), 1);
			assert_true(cJSON_IsString(cJSON_GetArrayItem(acked, 0)));
			assert_int_equal(strtoull(cJSON_GetArrayItem(acked,
			    0)->valuestring, NULL, 10), seq);
		}
		ipc_event_free(&ev);
	}
	assert_true(audited);

	r = itest_cmd(&e, "{\"cmd\":\"ack\",\"all\":true,\"reason\":"
	    "\"itest: all of them\"}");
	assert_true(itest_ok(r));
	acked = cJSON_GetObjectItem(r, "acked");
	assert_true(cJSON_IsArray(acked));
	snprintf(want, sizeof want, "%llu", (unsigned long long)seq);
	cJSON_ArrayForEach(s, acked)
		listed |= cJSON_IsString(s) && strcmp(s->valuestring, want) == 0;
	assert_true(listed);
	/* Acknowledged before: accepted, and the reply says so. */
	listed = 0;
	cJSON_ArrayForEach(s, cJSON_GetObjectItem(r, "already"))
		listed |= cJSON_IsString(s) && strcmp(s->valuestring, want) == 0;
	assert_true(listed);
	cJSON_Delete(r);

	/* A console attached now learns it from the snapshot: the alert
	 * carries acked, by whom (the first ack's) and when. */
	r = itest_cmd(&e, "{\"cmd\":\"snapshot\"}");
	assert_true(itest_ok(r));
	listed = 0;
	cJSON_ArrayForEach(s, cJSON_GetObjectItem(r, "alerts")) {
		const cJSON *q = cJSON_GetObjectItem(s, "seq");

		if (cJSON_IsNumber(q) && (uint64_t)q->valuedouble == seq) {
			assert_true(cJSON_IsTrue(cJSON_GetObjectItem(s,
			    "acked")));
			assert_true(itest_str(s, "acked_by")[0] != '\0');
			assert_true(itest_str(s, "acked_at")[0] != '\0');
			listed = 1;
		}
	}
	assert_true(listed);
	cJSON_Delete(r);

	/* One alert acknowledged again: accepted, named in "already". */
	snprintf(cmd, sizeof cmd, "{\"cmd\":\"ack\",\"alert\":%llu}",
	    (unsigned long long)seq);
	r = itest_cmd(&e, cmd);
	assert_true(itest_ok(r));
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(r,
	    "already")), 1);
	cJSON_Delete(r);

	r = itest_cmd(&e, "{\"cmd\":\"ack\",\"all\":\"yes\",\"reason\":\"r\"}");
	assert_string_equal(itest_err(r), ERR_FIELD);
	assert_non_null(strstr(itest_errmsg(r), "\"all\""));
	assert_non_null(strstr(itest_errmsg(r), "yes"));
	cJSON_Delete(r);
	snprintf(cmd, sizeof cmd, "{\"cmd\":\"ack\",\"all\":true,\"alert\":%llu,"
	    "\"reason\":\"r\"}", (unsigned long long)seq);
	r = itest_cmd(&e, cmd);
	assert_string_equal(itest_err(r), ERR_FIELD);
	assert_non_null(strstr(itest_errmsg(r), "\"alert\""));
	cJSON_Delete(r);
	assert_int_equal(itest_stop(&e), 0);
}

/* The snapshot's alert with this seq, or NULL. */
static const cJSON *
snap_alert(const cJSON *snap, uint64_t seq)
{
	const cJSON *a;

	cJSON_ArrayForEach(a, cJSON_GetObjectItem(snap, "alerts")) {
		const cJSON *q = cJSON_GetObjectItem(a, "seq");

		if (cJSON_IsNumber(q) && (uint64_t)q->valuedouble == seq)
			return a;
	}
	return NULL;
}

static void
alerts_ack_survives_recovery(void **state)
{
	struct itest_engine e;
	int64_t news_t, t;
	uint64_t seq;
	cJSON *a = NULL, *r;
	const cJSON *held;
	char dir[256], jarg[320], cmd[300];

	snprintf(dir, sizeof dir, "%s/tranche-ack-XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(dir));
	snprintf(jarg, sizeof jarg, "--journal=%s/a.trj", dir);
	assert_int_equal(itest_start(&e, tranched, jarg, "--speed=600",
	    (char *)NULL), 0);
	seq = wait_market_alert(&e, &news_t, &t, &a);
	assert_true(seq > 0);
	cJSON_Delete(a);
	r = itest_cmd(&e, "{\"cmd\":\"ack\",\"all\":true,\"reason\":"
	    "\"itest: before the crash\"}");
	assert_true(itest_ok(r));
	cJSON_Delete(r);
	itest_kill9(&e);

	assert_int_equal(itest_start(&e, tranched, jarg, "--speed=600",
	    (char *)NULL), 0);
	r = itest_cmd(&e, "{\"cmd\":\"snapshot\"}");
	assert_true(itest_ok(r));
	held = snap_alert(r, seq);
	assert_non_null(held);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(held, "acked")));
	assert_true(itest_str(held, "acked_by")[0] != '\0');
	cJSON_Delete(r);
	assert_int_equal(itest_stop(&e), 0);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static void
alerts_cost_limit_is_a_supervisors(void **state)
{
	struct itest_engine e;
	struct ipc_client *trader;
	struct ipc_event ev;
	cJSON *req, *r = NULL;
	int cost = 0;

	assert_int_equal(itest_start(&e, tranched, "--speed=600", NULL), 0);
	assert_int_equal(ipc_client_open(&trader, e.url, NULL, "trader"), 0);
	{
		char hello[120];

		snprintf(hello, sizeof hello, "{\"cmd\":\"hello\",\"client\":"
		    "\"it-trader\",\"role\":\"trader\",\"v\":%d}",
		    TRANCHE_PROTO_VERSION);
		req = cJSON_Parse(hello);
	}
	assert_int_equal(ipc_client_request(trader, req, &r, 5000), 0);
	assert_true(itest_ok(r));
	cJSON_Delete(req);
	cJSON_Delete(r);
	req = cJSON_Parse("{\"cmd\":\"override\",\"block\":\"1\",\"action\":"
	    "\"cost_limit\",\"bps\":1,\"reason\":\"r\"}");
	assert_int_equal(ipc_client_request(trader, req, &r, 5000), 0);
	assert_string_equal(itest_err(r), ERR_ROLE);
	assert_non_null(strstr(itest_errmsg(r), "trader"));
	cJSON_Delete(req);
	cJSON_Delete(r);
	ipc_client_close(trader);

	r = itest_cmd(&e, "{\"cmd\":\"override\",\"block\":\"1\",\"action\":"
	    "\"cost_limit\",\"bps\":-3,\"reason\":\"r\"}");
	assert_string_equal(itest_err(r), ERR_FIELD);
	assert_non_null(strstr(itest_errmsg(r), "\"bps\" -3"));
	cJSON_Delete(r);
	r = itest_cmd(&e, "{\"cmd\":\"override\",\"block\":\"1\",\"action\":"
	    "\"cost_limit\",\"bps\":1,\"reason\":\"itest: tight\"}");
	assert_true(itest_ok(r));
	cJSON_Delete(r);
	for (long long t0 = itest_now_ms(); !cost &&
	    itest_now_ms() - t0 < 60000;) {
		if (ipc_client_wait_event(e.c, &ev, 500) != 1)
			continue;
		cost = strcmp(ev.topic, TOPIC_ALERT) == 0 &&
		    strcmp(itest_str(ev.json, "code"), "cost") == 0 &&
		    strcmp(itest_str(ev.json, "block"), "1") == 0 &&
		    strstr(itest_str(ev.json, "text"), "limit of 1.0 bps") != NULL;
		ipc_event_free(&ev);
	}
	assert_true(cost);
	assert_int_equal(itest_stop(&e), 0);
}

static void
alerts_behind_schedule_on_the_daemon(void **state)
{
	struct itest_engine e;
	struct ipc_event ev;
	cJSON *r;
	int behind = 0;

	(void)state;
	assert_int_equal(itest_start(&e, tranched, "--speed=600", NULL), 0);
	r = itest_cmd(&e, "{\"cmd\":\"throttle\",\"block\":\"1\",\"pct\":1,"
	    "\"reason\":\"itest: starve the schedule\"}");
	assert_true(itest_ok(r));
	cJSON_Delete(r);
	for (long long t0 = itest_now_ms(); !behind &&
	    itest_now_ms() - t0 < 60000;) {
		if (ipc_client_wait_event(e.c, &ev, 500) != 1)
			continue;
		if (strcmp(ev.topic, TOPIC_ALERT) == 0 &&
		    strcmp(itest_str(ev.json, "code"), "behind") == 0) {
			const char *text = itest_str(ev.json, "text");

			behind = strcmp(itest_str(ev.json, "block"), "1") == 0 &&
			    strstr(text, "behind schedule by") != NULL &&
			    strstr(text, "% of the block) for ") != NULL &&
			    itest_str(ev.json, "action")[0] != '\0';
			if (!behind)
				fprintf(stderr, "behind alert not as expected: "
				    "%s\n", text);
		}
		ipc_event_free(&ev);
	}
	assert_true(behind);
	assert_int_equal(itest_stop(&e), 0);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(alerts_headline_raises_a_market_alert),
		cmocka_unit_test(alerts_ack_reason_and_all),
		cmocka_unit_test(alerts_ack_survives_recovery),
		cmocka_unit_test(alerts_cost_limit_is_a_supervisors),
		cmocka_unit_test(alerts_behind_schedule_on_the_daemon),
	};

	if (argc < 2) {
		fprintf(stderr, "usage: itest-alerts PATH-TO-TRANCHED\n");
		return 2;
	}
	tranched = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
