/*
 * tests/unit/test-ipc-trade.c -- the fast trade reader (ipc/codec-trade.c)
 * beside the codec: it reads the compact form the engine writes, refuses
 * every other form so the caller decodes it in full, and where it accepts
 * it agrees with cJSON on every member.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ipc/codec.h"
#include "ipc/protocol.h"

static int
fast(const char *json, struct ipc_trade *tr)
{
	return ipc_trade_fast(json, strlen(json), tr);
}

static void
trade_fast_reads_the_engines_form(void **state)
{
	struct ipc_trade tr;

	assert_int_equal(fast("{\"sym\":\"QDI\",\"px\":10001,\"qty\":300,"
	    "\"aggr\":\"buy\"}", &tr), 0);
	assert_string_equal(tr.sym, "QDI");
	assert_true(tr.has_px && tr.px == 10001);
	assert_true(tr.has_qty && tr.qty == 300);
	assert_true(tr.has_aggr && tr.buy);
	assert_int_equal(fast("{\"px\":-7,\"qty\":5,\"aggr\":\"sell\"}", &tr),
	    0);
	assert_true(tr.px == -7 && !tr.buy && tr.sym[0] == '\0');
	/* Members it does not know are stepped over; absent ones stay so. */
	assert_int_equal(fast("{\"v\":3,\"seq\":9,\"t\":\"1\",\"qty\":8}", &tr),
	    0);
	assert_true(!tr.has_px && tr.has_qty && tr.qty == 8 && !tr.has_aggr);
	/* The first of a repeated member counts, as cJSON's getters do. */
	assert_int_equal(fast("{\"px\":1,\"px\":2}", &tr), 0);
	assert_true(tr.px == 1);
	assert_int_equal(fast("{\"px\":999999999999999}", &tr), 0);
	assert_true(tr.px == 999999999999999LL);
}

static void
trade_fast_refuses_every_other_form(void **state)
{
	static const char *const other[] = {
		"",
		"[]",
		"{}",                                  /* no member */
		"{\"px\":1.5}",                        /* a fraction */
		"{\"px\":1e3}",                        /* an exponent */
		"{\"px\":1000000000000000}",           /* 16 digits */
		"{\"px\":\"10001\"}",                  /* a number as a string */
		"{\"qty\":\"5\"}",
		"{\"aggr\":1}",                        /* aggr not a string */
		"{\"sym\":\"Q\\u0044I\",\"px\":1}",    /* an escape */
		"{\"s\\\"ym\":\"QDI\"}",               /* an escaped key */
		"{\"sym\":\"QDI\xc3\xa9\",\"px\":1}",  /* not ASCII */
		"{\"sym\":\"ABCDEFGHIJKLMNOPQ\"}",     /* longer than sym[] */
		"{\"px\":{\"a\":1}}",                  /* nested */
		"{\"px\":[1]}",
		"{\"px\":1} ",                         /* bytes after */
		"{\"px\":1}x",
		"{\"px\":1,}",
		"{\"px\":1",                           /* cut */
		"{\"px\":-}",
		"{\"px\" :1}",                         /* not compact */
		"{ \"px\":1}",
		"{\"px\":true}",
		"{\"px\":null}",
	};
	struct ipc_trade tr;

	for (size_t i = 0; i < sizeof other / sizeof other[0]; i++) {
		if (fast(other[i], &tr) != -1)
			fail_msg("accepted: %s", other[i]);
	}
}

/* Where the fast reader accepts, cJSON reads the same numbers and text. */
static void
trade_fast_agrees_with_cjson(void **state)
{
	static const char *const sym[] = { "QDI", "XYZ", "", "A-B.C" };
	uint64_t r = 88172645463325252ULL;
	char json[256];

	for (int i = 0; i < 2000; i++) {
		struct ipc_trade tr;
		cJSON *o;
		int64_t px, qty;
		const cJSON *f;

		r ^= r << 13, r ^= r >> 7, r ^= r << 17;
		px = (int64_t)(r % 2000000) - 1000;
		qty = (int64_t)(r >> 20) % 100000;
		snprintf(json, sizeof json, "{\"v\":3,\"seq\":%d,\"t\":\"%d\","
		    "\"sym\":\"%s\",\"px\":%lld,\"qty\":%lld,\"aggr\":\"%s\"}",
		    i, i * 7, sym[r % 4], (long long)px, (long long)qty,
		    (r >> 40) & 1 ? "buy" : "sell");
		assert_int_equal(fast(json, &tr), 0);
		assert_non_null(o = cJSON_Parse(json));
		f = cJSON_GetObjectItemCaseSensitive(o, "px");
		assert_true((double)tr.px == f->valuedouble);
		f = cJSON_GetObjectItemCaseSensitive(o, "qty");
		assert_true((double)tr.qty == f->valuedouble);
		f = cJSON_GetObjectItemCaseSensitive(o, "sym");
		assert_string_equal(tr.sym, f->valuestring);
		f = cJSON_GetObjectItemCaseSensitive(o, "aggr");
		assert_int_equal(tr.buy, strcmp(f->valuestring, "buy") == 0);
		cJSON_Delete(o);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(trade_fast_reads_the_engines_form),
		cmocka_unit_test(trade_fast_refuses_every_other_form),
		cmocka_unit_test(trade_fast_agrees_with_cjson),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
