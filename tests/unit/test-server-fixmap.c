/*
 * tests/unit/test-server-fixmap.c -- the FIX application layer's mapping
 * (engine/server/server-fix-map.c), tag by tag, without an engine.
 *
 * fixmap_order_maps_every_tag: a NewOrderSingle with every tag the engine
 *   reads becomes the submit request it should, origin included.
 * fixmap_order_refusals_name_tag_and_value: each bad tag is refused with
 *   its name, number and value, and the OrdRejReason the version allows.
 * fixmap_time_is_time_of_day: a UTC timestamp's time of day is simulated
 *   ns since midnight; malformed timestamps are refused.
 * fixmap_er_body_per_version: a fill's report is ExecType F in FIX.4.4 and
 *   1/2 with ExecTransType in FIX.4.2, prices in dollars at the tick's
 *   decimals, LastQty/LastPx/LastMkt/CumQty/LeavesQty/AvgPx present.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine/fix/fix.h"
#include "engine/server/server-int.h"
#include "ipc/codec.h"

/* A message from "tag=value|tag=value" ('|' for SOH). */
struct tmsg {
	char buf[1024];
	struct fix_field f[64];
	struct fix_msg m;
};

static void
tmsg_parse(struct tmsg *t, const char *text)
{
	char *p, *save = NULL;
	int n = 0;

	snprintf(t->buf, sizeof t->buf, "%s", text);
	for (p = strtok_r(t->buf, "|", &save); p != NULL;
	    p = strtok_r(NULL, "|", &save)) {
		char *eq = strchr(p, '=');

		assert_non_null(eq);
		t->f[n].tag = atoi(p);
		t->f[n].val = eq + 1;
		t->f[n].len = (int)strlen(eq + 1);
		n++;
	}
	t->m.f = t->f;
	t->m.n = n;
	t->m.raw = t->buf;
	t->m.rawlen = strlen(text);
}

static const struct fix_ctx ctx44 = {
	.tick = 0.01, .now = 34200000000000LL, .close = 57600000000000LL,
	.v42 = 0,
};

#define BASE "35=D|11=X1|55=QDI|54=2|38=200000|40=2|44=100.25"

static void
fixmap_order_maps_every_tag(void **state)
{
	struct tmsg t;
	char text[240];
	int rej = -7;
	cJSON *req;
	const cJSON *o;
	double v;

	tmsg_parse(&t, BASE "|59=6|168=20261203-10:00:00|126=20261203-"
	    "14:30:00.500|847=2|5001=12.5|5002=passive|5003=lit,dark|5004=leave");
	req = server_fix_order_req(&t.m, "oms", 7, &ctx44, text, sizeof text,
	    &rej);
	assert_non_null(req);
	assert_string_equal(text, "");
	assert_string_equal(cJSON_GetObjectItem(req, "cmd")->valuestring,
	    "submit");
	assert_string_equal(cJSON_GetObjectItem(req, "id")->valuestring,
	    "fix-oms-7-X1");
	assert_string_equal(cJSON_GetObjectItem(req, "sym")->valuestring, "QDI");
	assert_string_equal(cJSON_GetObjectItem(req, "side")->valuestring,
	    "sell");
	assert_true(cJSON_GetObjectItem(req, "qty")->valuedouble == 200000);
	assert_string_equal(cJSON_GetObjectItem(req, "algo")->valuestring, "pov");
	assert_string_equal(cJSON_GetObjectItem(req, "start")->valuestring,
	    "36000000000000");
	assert_string_equal(cJSON_GetObjectItem(req, "end")->valuestring,
	    "52200500000000");
	assert_true(cJSON_GetObjectItem(req, "limit_px")->valuedouble == 10025);
	assert_int_equal(ipc_get_num(req, "max_pov", &v), 0);
	assert_true(v == 12.5);
	assert_string_equal(cJSON_GetObjectItem(req, "urgency")->valuestring,
	    "low");
	assert_string_equal(cJSON_GetObjectItem(req, "at_end")->valuestring,
	    "leave");
	assert_string_equal(cJSON_GetObjectItem(req, "venues")->valuestring,
	    "lit,dark");
	/* Without CatchUp(5005) or CatchUpMax(5006), no params: the
	 * algorithm's own catch-up. */
	assert_null(cJSON_GetObjectItem(req, "params"));
	o = cJSON_GetObjectItem(req, "origin");
	assert_string_equal(cJSON_GetObjectItem(o, "kind")->valuestring, "fix");
	assert_string_equal(cJSON_GetObjectItem(o, "session")->valuestring,
	    "oms");
	assert_string_equal(cJSON_GetObjectItem(o, "clordid")->valuestring,
	    "X1");
	assert_non_null(strstr(cJSON_GetObjectItem(req, "reason")->valuestring,
	    "ClOrdID X1"));
	cJSON_Delete(req);

	/* A day market order: the window ends at the close, algo twap. */
	tmsg_parse(&t, "35=D|11=X2|55=QDI|54=1|38=100|40=1");
	req = server_fix_order_req(&t.m, "oms", 8, &ctx44, text, sizeof text,
	    &rej);
	assert_non_null(req);
	assert_string_equal(cJSON_GetObjectItem(req, "end")->valuestring,
	    "57600000000000");
	assert_string_equal(cJSON_GetObjectItem(req, "algo")->valuestring,
	    "twap");
	assert_null(cJSON_GetObjectItem(req, "limit_px"));
	assert_null(cJSON_GetObjectItem(req, "start"));
	cJSON_Delete(req);

	/* CatchUp(5005) and CatchUpMax(5006) are the submit's params, 0 (the
	 * algorithm's own) and 1000, the most, included. */
	tmsg_parse(&t, "35=D|11=X3|55=QDI|54=1|38=100|40=1|847=1003|5005=4|"
	    "5006=1.5");
	req = server_fix_order_req(&t.m, "oms", 9, &ctx44, text, sizeof text,
	    &rej);
	assert_non_null(req);
	o = cJSON_GetObjectItem(req, "params");
	assert_non_null(o);
	assert_int_equal(cJSON_GetArraySize(o), 2);
	assert_true(cJSON_GetObjectItem(o, "catchup")->valuedouble == 4);
	assert_true(cJSON_GetObjectItem(o, "catchup_max")->valuedouble == 1.5);
	cJSON_Delete(req);
	tmsg_parse(&t, "35=D|11=X4|55=QDI|54=1|38=100|40=1|5005=1000|5006=0");
	req = server_fix_order_req(&t.m, "oms", 10, &ctx44, text, sizeof text,
	    &rej);
	assert_non_null(req);
	o = cJSON_GetObjectItem(req, "params");
	assert_int_equal(cJSON_GetArraySize(o), 2);
	assert_true(cJSON_GetObjectItem(o, "catchup")->valuedouble == 1000);
	assert_true(cJSON_GetObjectItem(o, "catchup_max")->valuedouble == 0);
	cJSON_Delete(req);
}

static void
fixmap_order_refusals_name_tag_and_value(void **state)
{
	static const struct {
		const char *msg, *want;
		int rej44, rej42;
	} cases[] = {
		{ "35=D|55=QDI|54=1|38=100|40=1", "ClOrdID(11): required", 99, 0 },
		{ "35=D|11=A|54=1|38=100|40=1", "Symbol(55) \"\": required", 1, 1 },
		{ "35=D|11=A|55=QDI|54=5|38=100|40=1", "Side(54) \"5\"", 99, 0 },
		{ "35=D|11=A|55=QDI|54=1|38=12.5|40=1", "OrderQty(38) \"12.5\": "
		  "must be a whole number", 99, 0 },
		{ "35=D|11=A|55=QDI|54=1|38=0|40=1", "OrderQty(38) \"0\"", 99, 0 },
		{ "35=D|11=A|55=QDI|54=1|38=100|40=3", "OrdType(40) \"3\"", 99, 0 },
		{ "35=D|11=A|55=QDI|54=1|38=100|40=2", "Price(44) \"\": a limit "
		  "order needs", 99, 0 },
		{ "35=D|11=A|55=QDI|54=1|38=100|40=2|44=100.003", "Price(44) "
		  "100.003: not a whole number of ticks", 99, 0 },
		{ "35=D|11=A|55=QDI|54=1|38=100|40=2|44=1000000000000", "Price(44) "
		  "1000000000000: above the largest price", 99, 0 },
		{ "35=D|11=A|55=QDI|54=1|38=100|40=1|44=100", "Price(44) 100: a "
		  "market order", 99, 0 },
		{ "35=D|11=A|55=QDI|54=1|38=100|40=1|59=3", "TimeInForce(59) "
		  "\"3\"", 99, 0 },
		{ "35=D|11=A|55=QDI|54=1|38=100|40=1|59=6", "ExpireTime(126): "
		  "required with TimeInForce 6", 99, 0 },
		{ "35=D|11=A|55=QDI|54=1|38=100|40=1|126=2026-12-03", "ExpireTime"
		  "(126) \"2026-12-03\": must be a UTC timestamp", 99, 0 },
		{ "35=D|11=A|55=QDI|54=1|38=100|40=1|126=20261203-09:00:00",
		  "ExpireTime(126) 20261203-09:00:00: the window must end after",
		  99, 0 },
		{ "35=D|11=A|55=QDI|54=1|38=100|40=1|168=20261203-15:00:00|"
		  "126=20261203-14:00:00", "EffectiveTime(168) 20261203-15:00:00: "
		  "must be before", 99, 0 },
		{ "35=D|11=A|55=QDI|54=1|38=100|40=1|847=9", "TargetStrategy(847) "
		  "\"9\": unknown", 99, 0 },
		{ "35=D|11=A|55=QDI|54=1|38=100|40=1|5001=150",
		  "MaxParticipation(5001) \"150\"", 99, 0 },
		{ "35=D|11=A|55=QDI|54=1|38=100|40=1|5002=fast",
		  "Aggression(5002) \"fast\"", 99, 0 },
		{ "35=D|11=A|55=QDI|54=1|38=100|40=1|5003=lit,pool",
		  "VenueSet(5003) \"lit,pool\": venues \"lit,pool\": unknown "
		  "venue \"pool\"", 99, 0 },
		{ "35=D|11=A|55=QDI|54=1|38=100|40=1|5004=hold", "AtEnd(5004) "
		  "\"hold\"", 99, 0 },
		{ "35=D|11=A|55=QDI|54=1|38=100|40=1|5005=1000.5", "CatchUp(5005) "
		  "\"1000.5\": must be a number of slices from 0", 99, 0 },
		{ "35=D|11=A|55=QDI|54=1|38=100|40=1|5005=-1", "CatchUp(5005) "
		  "\"-1\"", 99, 0 },
		{ "35=D|11=A|55=QDI|54=1|38=100|40=1|5006=1000.0000001",
		  "CatchUpMax(5006) \"1000.0000001\"", 99, 0 },
		/* The built-in dictionary types both FLOAT, so a session
		 * rejects these before the map; a dictionary that types them
		 * STRING lets them through to it. */
		{ "35=D|11=A|55=QDI|54=1|38=100|40=1|5006=1e3", "CatchUpMax(5006) "
		  "\"1e3\"", 99, 0 },
		{ "35=D|11=A|55=QDI|54=1|38=100|40=1|5005=4|5006=", "CatchUpMax"
		  "(5006) \"\"", 99, 0 },
	};
	struct fix_ctx c42 = ctx44;

	c42.v42 = 1;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct tmsg t;
		char text[240];
		int rej = -7;
		cJSON *req;

		tmsg_parse(&t, cases[i].msg);
		req = server_fix_order_req(&t.m, "oms", 1, &ctx44, text,
		    sizeof text, &rej);
		if (req != NULL || strstr(text, cases[i].want) == NULL ||
		    rej != cases[i].rej44)
			fail_msg("%s: %s \"%s\" (%d), expected \"%s\" (%d)",
			    cases[i].msg, req ? "accepted" : "refused", text, rej,
			    cases[i].want, cases[i].rej44);
		req = server_fix_order_req(&t.m, "oms", 1, &c42, text,
		    sizeof text, &rej);
		assert_null(req);
		assert_int_equal(rej, cases[i].rej42);
	}
}

/* An unknown TargetStrategy lists every algorithm, numbered or by name,
 * and the whole list survives the longest value the tag may hold in the
 * 240 bytes an execution report's Text(58) has, even a value of bytes
 * that are shown escaped (four characters each). */
static void
fixmap_unknown_strategy_lists_every_algorithm(void **state)
{
	static const char *const vals[] = {
		"zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz",
		"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"
		"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff",
		"\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f\x10\x11\x12"
		"\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f\x7f\x7f\x7f",
	};
	struct tmsg t;
	char text[240], msg[160];
	int rej = -7;

	(void)state;
	for (size_t v = 0; v < sizeof vals / sizeof vals[0]; v++) {
		assert_int_equal(strlen(vals[v]), 31);
		snprintf(msg, sizeof msg, "35=D|11=A|55=QDI|54=1|38=100|40=1|"
		    "847=%s", vals[v]);
		tmsg_parse(&t, msg);
		assert_null(server_fix_order_req(&t.m, "oms", 1, &ctx44, text,
		    sizeof text, &rej));
		if (strstr(text, "1004 twap-patient") == NULL ||
		    strstr(text, "1001 twap-passive") == NULL ||
		    text[strlen(text) - 1] != ')')
			fail_msg("value %zu: cut or incomplete: \"%s\" (%zu bytes)",
			    v, text, strlen(text));
		for (size_t i = 0; i < algo_count; i++)
			if (strstr(text, algo_all[i]->name) == NULL)
				fail_msg("\"%s\" does not name %s", text,
				    algo_all[i]->name);
	}
	assert_non_null(strstr(text, "1005 twap-band; by name also "
	    "ais-aggr, ais-pass, event)"));
	/* The number is the name. */
	tmsg_parse(&t, "35=D|11=A|55=QDI|54=1|38=100|40=1|847=1004");
	cJSON *req = server_fix_order_req(&t.m, "oms", 1, &ctx44, text,
	    sizeof text, &rej);
	assert_non_null(req);
	assert_string_equal(cJSON_GetObjectItem(req, "algo")->valuestring,
	    "twap-patient");
	cJSON_Delete(req);
}

static void
fixmap_time_is_time_of_day(void **state)
{
	int64_t ns = -1;

	assert_int_equal(server_fix_time("20261203-14:30:00", &ns), 0);
	assert_true(ns == 52200LL * 1000000000LL);
	assert_int_equal(server_fix_time("19991231-00:00:01.5", &ns), 0);
	assert_true(ns == 1500000000LL);
	assert_int_equal(server_fix_time("20261203-09:30:00.123456789", &ns), 0);
	assert_true(ns == 34200123456789LL);
	assert_int_equal(server_fix_time("20261203-24:00:00", &ns), -1);
	assert_int_equal(server_fix_time("20261203 14:30:00", &ns), -1);
	assert_int_equal(server_fix_time("20261203-14:30", &ns), -1);
	assert_int_equal(server_fix_time("20261203-14:30:00.", &ns), -1);
	assert_int_equal(server_fix_time("20261203-14:30:00.x", &ns), -1);
}

static void
fixmap_er_body_per_version(void **state)
{
	struct fix_er er;
	struct fix_out *o = malloc(sizeof *o);
	char body[FIX_OUT_MAX + 1];

	memset(&er, 0, sizeof er);
	snprintf(er.execid, sizeof er.execid, "abc-2-5");
	er.exectype = 'F';
	er.status = '1';
	snprintf(er.orderid, sizeof er.orderid, "2");
	snprintf(er.clordid, sizeof er.clordid, "X1");
	snprintf(er.sym, sizeof er.sym, "QDI");
	er.side = '2';
	er.ordtype = '2';
	er.qty = 200000;
	er.limit_px = 10025;
	er.lastqty = 300;
	er.lastpx = 10031;
	snprintf(er.lastmkt, sizeof er.lastmkt, "lit");
	er.cum = 900;
	er.leaves = 199100;
	er.avgpx = 10030.5;
	er.rejreason = -1;
	er.t = 36000250000000LL;
	server_fix_er_body(&er, 0, 0.01, "20261203", o);
	assert_int_equal(o->overflow, 0);
	assert_string_equal(o->msgtype, "8");
	memcpy(body, o->body, o->len);
	body[o->len] = '\0';
	for (char *p = body; *p; p++)
		if (*p == '\001')
			*p = '|';
	assert_string_equal(body, "37=2|11=X1|17=abc-2-5|150=F|39=1|55=QDI|"
	    "54=2|38=200000|40=2|44=100.25|32=300|31=100.31|30=lit|151=199100|"
	    "14=900|6=100.305000|60=20261203-10:00:00.250|");
	server_fix_er_body(&er, 1, 0.01, "20261203", o);
	memcpy(body, o->body, o->len);
	body[o->len] = '\0';
	assert_non_null(strstr(body, "\00120=0\001150=1\00139=1\001"));
	er.status = '2';
	server_fix_er_body(&er, 1, 0.01, "20261203", o);
	memcpy(body, o->body, o->len);
	body[o->len] = '\0';
	assert_non_null(strstr(body, "\001150=2\00139=2\001"));
	free(o);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fixmap_order_maps_every_tag),
		cmocka_unit_test(fixmap_order_refusals_name_tag_and_value),
		cmocka_unit_test(fixmap_unknown_strategy_lists_every_algorithm),
		cmocka_unit_test(fixmap_time_is_time_of_day),
		cmocka_unit_test(fixmap_er_body_per_version),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
