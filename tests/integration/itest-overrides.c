/*
 * tests/integration/itest-overrides.c -- overrides that do what the person
 * means, against the real tranched:
 *
 * overrides_algos_at_end_preview: hello lists every algorithm the engine
 *   has (the same list as the "known: ..." of a refusal); a block's
 *   end-of-window setting is given at submit (by whoever submits, a
 *   trader too: it is part of the order), shown in its payload, and
 *   changed by a supervisor only (a trader is refused naming the field);
 *   estimate with "pct" previews a throttle; a block that ends unfilled
 *   with "leave" is EXPIRED, never DONE;
 *   a member a command does not take (pause "blokc", throttle "percent",
 *   submit "limitpx", and one for every other command that changes
 *   something, override by its action) is refused naming it, and nothing
 *   is done, as is a submit with both end and duration_s;
 * overrides_manual_rest_and_cancel_child: a manual day order through the
 *   far touch keeps its rest working in the snapshot, and cancel_child
 *   cancels exactly it; bad child ids are refused naming the value;
 * overrides_at_end_survives_a_crash: the setting is journaled: after
 *   SIGKILL and a restart from the journal it is what the supervisor set.
 * overrides_desk_limits_bound_every_block: a submit or an amend past the
 *   desk's limits (shares or notional of one block, notional of all the
 *   unfinished blocks) is refused "risk" naming qty and the limit, and
 *   changes nothing; a block that ends gives its room back.
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

#include "ipc/protocol.h"
#include "tests/integration/itest.h"

static const char *tranched;



static void
ok_del(cJSON *r)
{
	if (!itest_ok(r))
		fail_msg("refused: %s (%s)", itest_errmsg(r), itest_err(r));
	cJSON_Delete(r);
}

/* Refused with this code, the message holding each needle. */
static void
expect_err(cJSON *r, const char *code, const char *n1, const char *n2)
{
	assert_false(itest_ok(r));
	if (strcmp(itest_err(r), code) != 0 ||
	    (n1 && strstr(itest_errmsg(r), n1) == NULL) ||
	    (n2 && strstr(itest_errmsg(r), n2) == NULL))
		fail_msg("wanted %s mentioning \"%s\" \"%s\", got %s: %s", code,
		    n1 ? n1 : "", n2 ? n2 : "", itest_err(r), itest_errmsg(r));
	cJSON_Delete(r);
}

/* A block's field from status: a string, or a number printed with %g. */
static const char *
block_field(struct itest_engine *e, const char *id, const char *field)
{
	static char v[64];
	cJSON *r = itest_cmd(e, "{\"cmd\":\"status\"}"), *b, *f;

	v[0] = '\0';
	cJSON_ArrayForEach(b, cJSON_GetObjectItem(r, "blocks")) {
		if (strcmp(itest_str(b, "id"), id) != 0)
			continue;
		f = cJSON_GetObjectItemCaseSensitive(b, field);
		if (cJSON_IsString(f))
			snprintf(v, sizeof v, "%s", f->valuestring);
		else if (cJSON_IsNumber(f))
			snprintf(v, sizeof v, "%g", f->valuedouble);
	}
	cJSON_Delete(r);
	return v;
}

static struct ipc_client *
client_as(struct itest_engine *e, const char *role)
{
	struct ipc_client *c = itest_client_as(e, role, NULL);

	assert_non_null(c);
	return c;
}

static cJSON *
cmd_on(struct ipc_client *c, const char *json)
{
	cJSON *rep = itest_cmd_on(c, json);

	assert_non_null(rep);
	return rep;
}

static void
overrides_algos_at_end_preview(void **state)
{
	struct itest_engine e;
	struct ipc_client *trader;
	cJSON *r, *a, *t;
	char known[512] = "", buf[512], sym[16];
	const char *k;
	int n = 0;

	(void)state;
	assert_int_equal(itest_start(&e, tranched, "--speed=60", NULL), 0);
	r = itest_cmd(&e, "{\"cmd\":\"snapshot\"}");
	snprintf(sym, sizeof sym, "%s", itest_str(r, "sym"));
	cJSON_Delete(r);

	/* The algorithms hello lists are the registry's "known: ...". */
	snprintf(buf, sizeof buf, "{\"cmd\":\"hello\",\"client\":\"it\","
	    "\"role\":\"supervisor\",\"v\":%d}", TRANCHE_PROTO_VERSION);
	r = itest_cmd(&e, buf);
	a = cJSON_GetObjectItem(r, "algos");
	assert_true(cJSON_IsArray(a));
	cJSON_ArrayForEach(t, a) {
		assert_true(cJSON_IsString(t));
		snprintf(known + strlen(known), sizeof known - strlen(known),
		    "%s%s", n++ ? ", " : "", t->valuestring);
	}
	cJSON_Delete(r);
	assert_true(n >= 2);
	r = itest_cmd(&e, "{\"cmd\":\"override\",\"block\":\"1\",\"action\":"
	    "\"algo\",\"algo\":\"foo\",\"reason\":\"t\"}");
	k = strstr(itest_errmsg(r), "known: ");
	assert_non_null(k);
	if (strncmp(k + 7, known, strlen(known)) != 0 ||
	    k[7 + strlen(known)] != ')')
		fail_msg("hello lists \"%s\"; the refusal %s", known, k);
	cJSON_Delete(r);
	/* An algorithm with a '-' in its name switches. */
	ok_del(itest_cmd(&e, "{\"cmd\":\"override\",\"block\":\"1\",\"action\":"
	    "\"algo\",\"algo\":\"twap-aggressive\",\"reason\":\"t\"}"));
	assert_string_equal(block_field(&e, "1", "algo"), "twap-aggressive");

	/* at_end at submit: refused naming the value, then taken. */
	snprintf(buf, sizeof buf, "{\"cmd\":\"submit\",\"sym\":\"%s\",\"side\":"
	    "\"buy\",\"qty\":200000,\"duration_s\":120,\"urgency\":\"low\","
	    "\"at_end\":\"sometimes\",\"reason\":\"t\"}", sym);
	expect_err(itest_cmd(&e, buf), ERR_FIELD, "\"at_end\"", "sometimes");
	snprintf(buf, sizeof buf, "{\"cmd\":\"submit\",\"sym\":\"%s\",\"side\":"
	    "\"buy\",\"qty\":200000,\"duration_s\":120,\"urgency\":\"low\","
	    "\"at_end\":\"leave\",\"reason\":\"t\"}", sym);
	r = itest_cmd(&e, buf);
	assert_string_equal(itest_str(r, "block"), "2");
	cJSON_Delete(r);
	assert_string_equal(block_field(&e, "2", "at_end"), "leave");
	assert_string_equal(block_field(&e, "1", "at_end"), "cross");

	/* A trader may not change it; a supervisor may. */
	trader = client_as(&e, "trader");
	expect_err(cmd_on(trader, "{\"cmd\":\"throttle\",\"block\":\"1\","
	    "\"at_end\":\"leave\",\"id\":\"t-1\",\"reason\":\"t\"}"), ERR_ROLE,
	    "\"at_end\"", "trader");
	assert_string_equal(block_field(&e, "1", "at_end"), "cross");
	expect_err(itest_cmd(&e, "{\"cmd\":\"throttle\",\"block\":\"1\","
	    "\"at_end\":\"later\",\"reason\":\"t\"}"), ERR_FIELD, "\"at_end\"",
	    "later");
	r = itest_cmd(&e, "{\"cmd\":\"throttle\",\"block\":\"1\",\"at_end\":"
	    "\"leave\",\"reason\":\"t\"}");
	assert_string_equal(itest_str(r, "at_end"), "leave");
	ok_del(r);
	assert_string_equal(block_field(&e, "1", "at_end"), "leave");
	/* The trader's throttle of pct alone still works. */
	ok_del(cmd_on(trader, "{\"cmd\":\"throttle\",\"block\":\"1\","
	    "\"pct\":30,\"id\":\"t-2\",\"reason\":\"t\"}"));
	ipc_client_close(trader);

	/* A member the command does not take is refused, naming it, and
	 * nothing is done: a misspelt block must not mean every block, and a
	 * misspelt limit must not make a block without one. */
	expect_err(itest_cmd(&e, "{\"cmd\":\"pause\",\"blokc\":\"2\","
	    "\"reason\":\"t\"}"), ERR_FIELD, "\"blokc\"", "pause");
	assert_string_not_equal(block_field(&e, "1", "state"), "PAUSED");
	assert_string_not_equal(block_field(&e, "2", "state"), "PAUSED");
	expect_err(itest_cmd(&e, "{\"cmd\":\"throttle\",\"block\":\"1\","
	    "\"pct\":40,\"percent\":5,\"reason\":\"t\"}"), ERR_FIELD,
	    "\"percent\"", "throttle");
	assert_string_equal(block_field(&e, "1", "max_pov"), "30");
	expect_err(itest_cmd(&e, "{\"cmd\":\"submit\",\"sym\":\"QDI\","
	    "\"side\":\"buy\",\"qty\":100,\"duration_s\":60,\"limitpx\":"
	    "9000,\"reason\":\"t\"}"), ERR_FIELD, "\"limitpx\"", "submit");
	assert_string_equal(block_field(&e, "3", "state"), "");
	expect_err(itest_cmd(&e, "{\"cmd\":\"submit\",\"sym\":\"QDI\","
	    "\"side\":\"buy\",\"qty\":100,\"duration_s\":60,\"end\":"
	    "\"57600000000000\",\"reason\":\"t\"}"), ERR_FIELD,
	    "\"duration_s\"", "not both");
	assert_string_equal(block_field(&e, "3", "state"), "");
	/* The same for every command that names its members: a misspelt
	 * "tif" must not make a day order of an IOC. */
	{
		static const struct {
			const char *req, *member, *what;
		} bad[] = {
			{ "{\"cmd\":\"override\",\"block\":\"1\",\"action\":"
			    "\"child\",\"px\":1,\"qty\":100,\"TIF\":\"ioc\","
			    "\"reason\":\"t\"}", "\"TIF\"", "override child" },
			{ "{\"cmd\":\"override\",\"block\":\"1\",\"action\":"
			    "\"style\",\"style\":\"passive\",\"for_s\":60,"
			    "\"px\":5,\"reason\":\"t\"}", "\"px\"",
			    "override style" },
			{ "{\"cmd\":\"override\",\"block\":\"1\",\"action\":"
			    "\"cancel_children\",\"child\":\"c1\",\"reason\":"
			    "\"t\"}", "\"child\"", "override cancel_children" },
			{ "{\"cmd\":\"cancel\",\"block\":\"1\",\"blokc\":\"2\","
			    "\"reason\":\"t\"}", "\"blokc\"", "cancel" },
			{ "{\"cmd\":\"amend\",\"block\":\"1\",\"qty\":490000,"
			    "\"limitpx\":9000,\"reason\":\"t\"}", "\"limitpx\"",
			    "amend" },
			{ "{\"cmd\":\"ack\",\"alerts\":5}", "\"alerts\"",
			    "ack" },
			{ "{\"cmd\":\"rfq\",\"block\":\"1\",\"qty\":100,"
			    "\"deadline\":5,\"reason\":\"t\"}", "\"deadline\"",
			    "rfq" },
			{ "{\"cmd\":\"rfq_accept\",\"rfq\":\"R1\",\"dealer\":"
			    "\"D1\",\"px\":1,\"reason\":\"t\"}", "\"px\"",
			    "rfq_accept" },
			{ "{\"cmd\":\"rfq_reject\",\"rfq\":\"R1\",\"dealer\":"
			    "\"D1\",\"reason\":\"t\"}", "\"dealer\"",
			    "rfq_reject" },
			{ "{\"cmd\":\"venue\",\"venue\":\"dark\",\"enabled\":"
			    "false,\"dealr\":\"D1\",\"reason\":\"t\"}",
			    "\"dealr\"", "venue" },
			/* The value whole, not a valid-looking 20 of it. */
			{ "{\"cmd\":\"submit\",\"sym\":\"QDI\",\"side\":\"buy\","
			    "\"qty\":100,\"duration_s\":60,\"dealers\":"
			    "\"top:99999999999999999999\",\"reason\":\"t\"}",
			    "\"top:99999999999999999999\"", "at most 15" },
			/* A participation cap that could never trade. */
			{ "{\"cmd\":\"throttle\",\"block\":\"1\",\"pct\":"
			    "1e-300,\"reason\":\"t\"}", "\"pct\"",
			    "from 0.01 to 100" },
			{ "{\"cmd\":\"submit\",\"sym\":\"QDI\",\"side\":\"buy\","
			    "\"qty\":100,\"duration_s\":60,\"max_pov\":0.001,"
			    "\"reason\":\"t\"}", "\"max_pov\"", "from 0.01 to 100" },
			/* A reason that shows nothing is none. */
			{ "{\"cmd\":\"pause\",\"block\":\"1\",\"reason\":"
			    "\"  \\u200b\\u00a0\"}", "\"reason\"", "says something" },
			/* Dealers for a block that may not ask them. */
			{ "{\"cmd\":\"submit\",\"sym\":\"QDI\",\"side\":\"buy\","
			    "\"qty\":100,\"duration_s\":60,\"venues\":\"lit,dark\","
			    "\"dealers\":\"top:3\",\"reason\":\"t\"}",
			    "field \"dealers\" \"top:3\"", "\"lit,dark\" have no rfq" },
			/* Dark only is refused, not widened to lit,dark. */
			{ "{\"cmd\":\"submit\",\"sym\":\"QDI\",\"side\":\"buy\","
			    "\"qty\":100,\"duration_s\":60,\"venues\":\"dark\","
			    "\"reason\":\"t\"}", "\"dark\"", "must include lit" },
			{ "{\"cmd\":\"submit\",\"sym\":\"QDI\",\"side\":\"buy\","
			    "\"qty\":100,\"duration_s\":60,\"origin\":{\"kind\":"
			    "\"fix\",\"session\":\"zz\",\"clordid\":\"Q3\","
			    "\"clordId\":\"Q4\"},\"reason\":\"t\"}",
			    "\"origin.clordId\"", "kind, session and clordid" },
		};

		for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
			expect_err(itest_cmd(&e, bad[i].req), ERR_FIELD,
			    bad[i].member, bad[i].what);
	}
	assert_string_not_equal(block_field(&e, "1", "state"), "CANCELLED");
	assert_string_equal(block_field(&e, "1", "qty"), "500000");
	r = itest_cmd(&e, "{\"cmd\":\"status\"}");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(r,
	    "venues_off")), 0);
	cJSON_Delete(r);

	/* The throttle preview: read-only, any role, from the engine. */
	expect_err(itest_cmd(&e, "{\"cmd\":\"estimate\",\"block\":\"1\","
	    "\"pct\":0}"), ERR_FIELD, "\"pct\"", "0");
	expect_err(itest_cmd(&e, "{\"cmd\":\"estimate\",\"pct\":5}"), ERR_FIELD,
	    "\"block\"", NULL);
	expect_err(itest_cmd(&e, "{\"cmd\":\"estimate\",\"block\":\"9\","
	    "\"pct\":5}"), ERR_NOT_FOUND, "block 9", NULL);
	r = itest_cmd(&e, "{\"cmd\":\"estimate\",\"block\":\"1\",\"pct\":5}");
	t = cJSON_GetObjectItem(r, "throttle");
	assert_non_null(t);
	assert_true(cJSON_GetObjectItem(t, "pct")->valuedouble == 5);
	assert_true(cJSON_GetObjectItem(t, "expected_fill")->valuedouble +
	    cJSON_GetObjectItem(t, "unfilled")->valuedouble ==
	    atof(block_field(&e, "1", "qty")));
	assert_string_equal(itest_str(t, "at_end"), "leave");
	assert_true(strlen(itest_str(t, "end")) > 0);
	cJSON_Delete(r);
	assert_string_equal(block_field(&e, "1", "max_pov"), "30");

	/* Block 2 (passive, leave, two simulated minutes) ends EXPIRED. */
	for (long long t0 = itest_now_ms(); itest_now_ms() - t0 < 20000 &&
	    strcmp(block_field(&e, "2", "state"), "EXPIRED") != 0 &&
	    strcmp(block_field(&e, "2", "state"), "DONE") != 0;)
		usleep(100000);
	assert_string_equal(block_field(&e, "2", "state"), "EXPIRED");
	assert_true(atof(block_field(&e, "2", "filled")) < 200000);
	/* A child for a finished block: its state, not a risk check. */
	expect_err(itest_cmd(&e, "{\"cmd\":\"override\",\"block\":\"2\","
	    "\"action\":\"child\",\"px\":10000,\"qty\":100,\"reason\":"
	    "\"t\"}"), ERR_STATE, "block 2 is EXPIRED", "send a child for");

	/* A trader's own order carries its end instruction, as a FIX order
	 * does: at submit at_end is the submitter's (leave gives a trader
	 * nothing a cancel does not); on a working block it is the desk's. */
	trader = client_as(&e, "trader");
	snprintf(buf, sizeof buf, "{\"cmd\":\"submit\",\"sym\":\"%s\",\"side\":"
	    "\"sell\",\"qty\":1000,\"duration_s\":600,\"at_end\":\"leave\","
	    "\"id\":\"t-3\",\"reason\":\"t\"}", sym);
	r = cmd_on(trader, buf);
	if (!itest_ok(r))
		fail_msg("a trader's submit with at_end refused: %s (%s)",
		    itest_errmsg(r), itest_err(r));
	assert_string_equal(itest_str(r, "block"), "3");
	cJSON_Delete(r);
	assert_string_equal(block_field(&e, "3", "at_end"), "leave");
	expect_err(cmd_on(trader, "{\"cmd\":\"throttle\",\"block\":\"3\","
	    "\"at_end\":\"cross\",\"id\":\"t-4\",\"reason\":\"t\"}"), ERR_ROLE,
	    "\"at_end\"", "trader");
	assert_string_equal(block_field(&e, "3", "at_end"), "leave");
	ipc_client_close(trader);
	assert_int_equal(itest_stop(&e), 0);
}

static void
overrides_manual_rest_and_cancel_child(void **state)
{
	struct itest_engine e;
	cJSON *r, *c;
	char buf[512], sym[16], cid[32] = "";
	long long ask = 0, askq = 0, qty = 0;

	(void)state;
	assert_int_equal(itest_start(&e, tranched, "--speed=1", NULL), 0);
	r = itest_cmd(&e, "{\"cmd\":\"snapshot\"}");
	snprintf(sym, sizeof sym, "%s", itest_str(r, "sym"));
	cJSON_Delete(r);
	snprintf(buf, sizeof buf, "{\"cmd\":\"submit\",\"sym\":\"%s\",\"side\":"
	    "\"buy\",\"qty\":100000,\"duration_s\":3600,\"urgency\":\"low\","
	    "\"reason\":\"t\"}", sym);
	ok_del(itest_cmd(&e, buf));
	/* The block starts at the engine's next clock pass. */
	for (long long t0 = itest_now_ms(); itest_now_ms() - t0 < 10000 &&
	    strcmp(block_field(&e, "2", "state"), "WORKING") != 0;)
		usleep(50000);
	assert_string_equal(block_field(&e, "2", "state"), "WORKING");
	/* Through the far touch for more than it holds: the rest rests.
	 * The book moves between a snapshot and the order, so try again
	 * when the touch happened to fill it all. */
	for (int tries = 0; tries < 5 && cid[0] == '\0'; tries++) {
		r = itest_cmd(&e, "{\"cmd\":\"snapshot\"}");
		c = cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(r,
		    "book"), "asks"), 0);
		ask = (long long)cJSON_GetArrayItem(c, 0)->valuedouble;
		askq = (long long)cJSON_GetArrayItem(c, 1)->valuedouble;
		cJSON_Delete(r);
		qty = (askq / 100 + 5) * 100;
		snprintf(buf, sizeof buf, "{\"cmd\":\"override\",\"block\":\"2\","
		    "\"action\":\"child\",\"px\":%lld,\"qty\":%lld,\"tif\":"
		    "\"day\",\"reason\":\"t\"}", ask, qty);
		ok_del(itest_cmd(&e, buf));
		r = itest_cmd(&e, "{\"cmd\":\"snapshot\"}");
		cJSON_ArrayForEach(c, cJSON_GetObjectItem(r, "children"))
			if (strcmp(itest_str(c, "block"), "2") == 0 &&
			    (long long)cJSON_GetObjectItem(c, "px")->valuedouble ==
			    ask && (long long)cJSON_GetObjectItem(c,
			    "qty")->valuedouble == qty &&
			    cJSON_GetObjectItem(c, "filled")->valuedouble > 0)
				snprintf(cid, sizeof cid, "%s", itest_str(c, "id"));
		cJSON_Delete(r);
	}
	if (cid[0] == '\0')
		fail_msg("no manual child of %lld at %lld rests after a part "
		    "fill", qty, ask);
	/* Bad ids name the value; a good one cancels exactly that child. */
	expect_err(itest_cmd(&e, "{\"cmd\":\"override\",\"block\":\"2\","
	    "\"action\":\"cancel_child\",\"child\":\"x1\",\"reason\":\"t\"}"),
	    ERR_FIELD, "\"child\"", "x1");
	expect_err(itest_cmd(&e, "{\"cmd\":\"override\",\"block\":\"2\","
	    "\"action\":\"cancel_child\",\"child\":\"c999999\",\"reason\":"
	    "\"t\"}"), ERR_NOT_FOUND, "c999999", NULL);
	snprintf(buf, sizeof buf, "{\"cmd\":\"override\",\"block\":\"2\","
	    "\"action\":\"cancel_child\",\"child\":\"%s\",\"reason\":\"t\"}",
	    cid);
	ok_del(itest_cmd(&e, buf));
	r = itest_cmd(&e, "{\"cmd\":\"snapshot\"}");
	cJSON_ArrayForEach(c, cJSON_GetObjectItem(r, "children"))
		assert_string_not_equal(itest_str(c, "id"), cid);
	cJSON_Delete(r);
	expect_err(itest_cmd(&e, buf), ERR_STATE, cid, "not working");
	assert_int_equal(itest_stop(&e), 0);
}

static void
overrides_at_end_survives_a_crash(void **state)
{
	struct itest_engine e;
	char dir[256], jarg[320];

	(void)state;
	snprintf(dir, sizeof dir, "%s/tranche-ovr-XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(dir));
	snprintf(jarg, sizeof jarg, "--journal=%s/o.trj", dir);
	assert_int_equal(itest_start(&e, tranched, jarg, "--seed=5",
	    "--speed=60", (char *)NULL), 0);
	ok_del(itest_cmd(&e, "{\"cmd\":\"throttle\",\"block\":\"1\","
	    "\"at_end\":\"leave\",\"id\":\"ovr-1\",\"reason\":\"t\"}"));
	usleep(200000);
	itest_kill9(&e);
	assert_int_equal(itest_start(&e, tranched, jarg, "--speed=60",
	    (char *)NULL), 0);
	assert_string_equal(block_field(&e, "1", "at_end"), "leave");
	assert_int_equal(itest_stop(&e), 0);
	snprintf(jarg, sizeof jarg, "rm -rf '%s'", dir);
	assert_int_equal(system(jarg), 0);
}

/*
 * The desk's bounds on one block (the scenario's "limits"): a submit or an
 * amend over the shares or the notional at the mid is refused "risk",
 * naming qty, its value and the limit, and changes nothing; status says
 * the limits.  A 10^9-share TWAP was once accepted and its children
 * emptied the book.
 */
static void
overrides_desk_limits_bound_every_block(void **state)
{
	struct itest_engine e;
	cJSON *r, *l;

	(void)state;
	assert_int_equal(itest_start(&e, tranched, "--speed=1",
	    "--set=limits.block_notional=2e7", "--set=limits.open_notional=8e7",
	    (char *)NULL), 0);
	r = itest_cmd(&e, "{\"cmd\":\"status\"}");
	l = cJSON_GetObjectItem(r, "limits");
	assert_true(cJSON_GetObjectItem(l, "block_shares")->valuedouble ==
	    5000000);
	assert_true(cJSON_GetObjectItem(l, "block_notional")->valuedouble ==
	    2e7);
	assert_true(cJSON_GetObjectItem(l, "open_notional")->valuedouble ==
	    8e7);
	cJSON_Delete(r);
	expect_err(itest_cmd(&e, "{\"cmd\":\"submit\",\"sym\":\"QDI\","
	    "\"side\":\"sell\",\"qty\":1000000000,\"duration_s\":600,"
	    "\"reason\":\"t\"}"), ERR_RISK, "\"qty\" 1000000000",
	    "limits.block_shares");
	/* About $100 a share: 300,000 are $30 M, over $20 M. */
	expect_err(itest_cmd(&e, "{\"cmd\":\"submit\",\"sym\":\"QDI\","
	    "\"side\":\"buy\",\"qty\":300000,\"duration_s\":600,"
	    "\"reason\":\"t\"}"), ERR_RISK, "\"qty\" 300000",
	    "limits.block_notional");
	assert_string_equal(block_field(&e, "2", "state"), "");
	r = itest_cmd(&e, "{\"cmd\":\"submit\",\"sym\":\"QDI\","
	    "\"side\":\"buy\",\"qty\":100000,\"duration_s\":600,"
	    "\"reason\":\"t\"}");
	assert_string_equal(itest_str(r, "block"), "2");
	cJSON_Delete(r);
	/* An amend that raises the block past a limit changes nothing; one
	 * that lowers it is never refused for the limits. */
	expect_err(itest_cmd(&e, "{\"cmd\":\"amend\",\"block\":\"2\","
	    "\"qty\":300000,\"reason\":\"t\"}"), ERR_RISK,
	    "\"qty\" 300000", "limits.block_notional");
	assert_string_equal(block_field(&e, "2", "qty"), "100000");
	ok_del(itest_cmd(&e, "{\"cmd\":\"amend\",\"block\":\"2\","
	    "\"qty\":150000,\"reason\":\"t\"}"));
	assert_string_equal(block_field(&e, "2", "qty"), "150000");
	/* The desk's open blocks: the scenario's 500,000 (about $50 M) and
	 * these 150,000 leave $15 M of $80 M; 190,000 more is over it, and
	 * names the limit; 100,000 is not. */
	expect_err(itest_cmd(&e, "{\"cmd\":\"submit\",\"sym\":\"QDI\","
	    "\"side\":\"sell\",\"qty\":190000,\"duration_s\":600,"
	    "\"reason\":\"t\"}"), ERR_RISK, "\"qty\" 190000",
	    "limits.open_notional");
	assert_string_equal(block_field(&e, "3", "state"), "");
	r = itest_cmd(&e, "{\"cmd\":\"submit\",\"sym\":\"QDI\","
	    "\"side\":\"sell\",\"qty\":100000,\"duration_s\":600,"
	    "\"reason\":\"t\"}");
	assert_string_equal(itest_str(r, "block"), "3");
	cJSON_Delete(r);
	/* A block that ends gives its room back. */
	ok_del(itest_cmd(&e, "{\"cmd\":\"cancel\",\"block\":\"3\","
	    "\"reason\":\"t\"}"));
	r = itest_cmd(&e, "{\"cmd\":\"submit\",\"sym\":\"QDI\","
	    "\"side\":\"sell\",\"qty\":120000,\"duration_s\":600,"
	    "\"reason\":\"t\"}");
	assert_string_equal(itest_str(r, "block"), "4");
	cJSON_Delete(r);
	assert_int_equal(itest_stop(&e), 0);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(overrides_algos_at_end_preview),
		cmocka_unit_test(overrides_manual_rest_and_cancel_child),
		cmocka_unit_test(overrides_at_end_survives_a_crash),
		cmocka_unit_test(overrides_desk_limits_bound_every_block),
	};

	if (argc < 2) {
		fprintf(stderr, "usage: itest-overrides TRANCHED\n");
		return 2;
	}
	tranched = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
