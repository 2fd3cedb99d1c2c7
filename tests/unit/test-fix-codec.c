/*
 * tests/unit/test-fix-codec.c -- framing, parsing and building FIX
 * messages (engine/fix/fix-codec.c) and the field helpers (fix-msg.c).
 *
 * frame_skips_garbage_and_waits_for_the_rest: bytes before "8=" are
 *   dropped, a message cut short asks for more.
 * frame_huge_bodylength_closes_without_buffering: a BodyLength above the
 *   cap is reported (-2) as soon as its digits pass it, before any body.
 * frame_wrong_bodylength_still_frames_at_next_checksum: too short and too
 *   long BodyLengths give a frame that parsing then refuses (QuickFIX's
 *   framing, which the garbled-message definitions assume).
 * parse_refuses_garbled_and_keeps_odd_tags: checksum, BodyLength, the
 *   first three fields and a non-numeric tag are garbled; a negative tag
 *   and an empty value are not (they are Rejects, not garbled).
 * data_fields_are_as_long_as_their_length_says: RawData (96) after
 *   RawDataLength (95) holds SOH and "58=" as data; a length that ends
 *   the value off a SOH, runs past the message or is not a number is
 *   garbled, one with twelve digits of leading zeros is not; a data field without its length ends at the first SOH, and
 *   Signature's length is 93.
 * build_then_parse_round_trips: 9 and 10 are computed, header fields
 *   after 35 are sorted by tag.
 * time_format_and_parse: UTC text both ways, milliseconds optional.
 * out_refuses_soh_and_overflow, getters_refuse_non_numbers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "engine/fix/fix-int.h"
#include "tests/unit/fix-fixture.h"

static void frame_skips_garbage_and_waits_for_the_rest(void **state)
{
	char buf[512], m[256];
	size_t n = fx_msg(m, sizeof m, "8=FIX.4.4|35=0|34=2|49=A|52=<NOW>|56=B|", 1700000000);
	memcpy(buf, "xx|junk\001", 8);
	memcpy(buf + 8, m, n);
	size_t st, en;
	assert_int_equal(fix_frame(buf, 8 + n, &st, &en), 1);
	assert_int_equal(st, 8);
	assert_int_equal(en, 8 + n);
	/* Every cut of the message asks for more, never frames garbage. */
	for (size_t cut = 1; cut < n; cut++) {
		int r = fix_frame(m, cut, &st, &en);
		assert_true(r == 0);
	}
	/* "8=" inside a value is not a start. */
	assert_int_equal(fix_frame("58=x\001", 5, &st, &en), 0);
	assert_int_equal(st, 5);
}

static void frame_huge_bodylength_closes_without_buffering(void **state)
{
	const char *h = "8=FIX.4.4\0019=999999999";
	size_t st, en;
	assert_int_equal(fix_frame(h, strlen(h), &st, &en), -2);
	const char *ok = "8=FIX.4.4\0019=65536\001";
	assert_int_equal(fix_frame(ok, strlen(ok), &st, &en), 0);
	const char *nan = "8=FIX.4.4\0019=12x\001";
	assert_int_equal(fix_frame(nan, strlen(nan), &st, &en), -1);
}

static void frame_wrong_bodylength_still_frames_at_next_checksum(void **state)
{
	char m[256], w[256];
	size_t n = fx_msg(m, sizeof m, "8=FIX.4.4|35=0|34=2|49=A|52=<NOW>|56=B|", 1700000000);
	/* Rewrite 9= to a too small value, keeping the rest. */
	char *nine = strstr(m, "\0019=") + 3;
	char *soh = strchr(nine, '\001');
	size_t pre = (size_t)(nine - m);
	memcpy(w, m, pre);
	int k = sprintf(w + pre, "5");
	memcpy(w + pre + k, soh, n - (size_t)(soh - m));
	size_t wn = pre + (size_t)k + n - (size_t)(soh - m);
	size_t st, en;
	assert_int_equal(fix_frame(w, wn, &st, &en), 1);
	assert_int_equal(en, wn);
	struct fix_parsed *p = malloc(sizeof *p);
	const char *why;
	assert_true(fix_parse(w, wn, p, &why) < 0);
	assert_string_equal(why, "BodyLength is not the body's length");
	free(p);
}

static void parse_refuses_garbled_and_keeps_odd_tags(void **state)
{
	struct fix_parsed *p = malloc(sizeof *p);
	const char *why;
	char m[256];
	size_t n = fx_msg(m, sizeof m, "8=FIX.4.4|35=0|34=2|49=A|52=<NOW>|56=B|-1=x|58=|", 1700000000);
	assert_int_equal(fix_parse(m, n, p, &why), 0);
	assert_int_equal(p->m.n, 10);
	assert_int_equal(p->f[7].tag, -1);
	assert_int_equal(p->f[8].len, 0);
	/* A wrong checksum digit. */
	m[n - 2] = m[n - 2] == '0' ? '1' : '0';
	assert_true(fix_parse(m, n, p, &why) < 0);
	assert_string_equal(why, "CheckSum is wrong");
	n = fx_msg(m, sizeof m, "8=FIX.4.4|34=2|35=0|49=A|52=<NOW>|56=B|", 1700000000);
	assert_true(fix_parse(m, n, p, &why) < 0);
	assert_string_equal(why, "8, 9 and 35 are not the first three fields");
	n = fx_msg(m, sizeof m, "8=FIX.4.4|35=0|34=2|4garbled9=A|52=<NOW>|56=B|", 1700000000);
	assert_true(fix_parse(m, n, p, &why) < 0);
	assert_string_equal(why, "tag is not a number");
	free(p);
}

static void data_fields_are_as_long_as_their_length_says(void **state)
{
	struct fix_parsed *p = malloc(sizeof *p);
	const char *why;
	char m[256];
	/* '|' is SOH: RawData's eight bytes are "a", SOH, "58=b", SOH, "c". */
	size_t n = fx_msg(m, sizeof m, "8=FIX.4.4|35=A|34=1|49=A|52=<NOW>|56=B|95=8|96=a|58=b|c|98=0|",
	                  1700000000);
	assert_int_equal(fix_parse(m, n, p, &why), 0);
	assert_int_equal(p->m.n, 11);
	assert_int_equal(p->f[8].tag, 96);
	assert_int_equal(p->f[8].len, 8);
	assert_memory_equal(p->f[8].val, "a\00158=b\001c", 8);
	assert_int_equal(p->f[9].tag, 98);
	/* No 58 was read out of the data. */
	for (int k = 0; k < p->m.n; k++)
		assert_int_not_equal(p->f[k].tag, 58);
	/* A length that leaves the value's end off a SOH. */
	n = fx_msg(m, sizeof m, "8=FIX.4.4|35=A|34=1|49=A|52=<NOW>|56=B|95=7|96=a|58=b|c|98=0|",
	           1700000000);
	assert_true(fix_parse(m, n, p, &why) < 0);
	assert_string_equal(why, "data field's length is not the length its length field gives");
	/* One past the end of the message, and one that is not a number. */
	n = fx_msg(m, sizeof m, "8=FIX.4.4|35=A|34=1|49=A|52=<NOW>|56=B|95=900|96=a|", 1700000000);
	assert_true(fix_parse(m, n, p, &why) < 0);
	n = fx_msg(m, sizeof m, "8=FIX.4.4|35=A|34=1|49=A|52=<NOW>|56=B|95=x|96=a|", 1700000000);
	assert_true(fix_parse(m, n, p, &why) < 0);
	/* Leading zeros are an int's as sent, however many; a length past
	 * any message's (twenty digits: no overflow) is garbled. */
	n = fx_msg(m, sizeof m, "8=FIX.4.4|35=A|34=1|49=A|52=<NOW>|56=B|95=000000000008|96=a|58=b|c|98=0|",
	           1700000000);
	assert_int_equal(fix_parse(m, n, p, &why), 0);
	assert_int_equal(p->f[8].len, 8);
	n = fx_msg(m, sizeof m, "8=FIX.4.4|35=A|34=1|49=A|52=<NOW>|56=B|95=99999999999999999999|96=a|",
	           1700000000);
	assert_true(fix_parse(m, n, p, &why) < 0);
	/* Without its length before it, a data field ends at the first SOH. */
	n = fx_msg(m, sizeof m, "8=FIX.4.4|35=A|34=1|49=A|52=<NOW>|56=B|96=ab|58=c|", 1700000000);
	assert_int_equal(fix_parse(m, n, p, &why), 0);
	assert_int_equal(p->f[7].len, 2);
	assert_int_equal(p->f[8].tag, 58);
	/* Signature (89) is measured by SignatureLength (93). */
	n = fx_msg(m, sizeof m, "8=FIX.4.4|35=0|34=2|49=A|52=<NOW>|56=B|93=3|89=x|y|", 1700000000);
	assert_int_equal(fix_parse(m, n, p, &why), 0);
	assert_int_equal(p->f[8].len, 3);
	assert_int_equal(fix_data_len_tag(89), 93);
	assert_int_equal(fix_data_len_tag(355), 354);
	assert_int_equal(fix_data_len_tag(58), 0);
	free(p);
}

static void build_then_parse_round_trips(void **state)
{
	struct fix_hdr h[4] = {{56, "B"}, {34, "7"}, {52, "20260101-00:00:00"}, {49, "A"}};
	char out[512];
	long n = fix_build(out, sizeof out, "FIX.4.2", "D", h, 4, "11=X\00155=IBM\001", 12);
	assert_true(n > 0);
	char *t = fx_text(out, (size_t)n);
	assert_true(!strncmp(t, "8=FIX.4.2|9=", 12));
	assert_non_null(strstr(t, "|35=D|34=7|49=A|52=20260101-00:00:00|56=B|11=X|55=IBM|10="));
	free(t);
	struct fix_parsed *p = malloc(sizeof *p);
	const char *why;
	assert_int_equal(fix_parse(out, (size_t)n, p, &why), 0);
	free(p);
	/* Too small a buffer is refused, not cut. */
	assert_int_equal(fix_build(out, 40, "FIX.4.2", "D", h, 4, "11=X\001", 5), -1);
}

static void time_format_and_parse(void **state)
{
	char b[32];
	fix_time_fmt(1700000000LL * 1000000000LL + 5, b, sizeof b);
	assert_string_equal(b, "20231114-22:13:20");
	int64_t ns;
	assert_int_equal(fix_time_parse(b, 17, &ns), 0);
	assert_true(ns == 1700000000LL * 1000000000LL);
	assert_int_equal(fix_time_parse("20231114-22:13:20.250", 21, &ns), 0);
	assert_true(ns == 1700000000LL * 1000000000LL + 250000000LL);
	assert_int_equal(fix_time_parse("20231314-22:13:20", 17, &ns), -1);
	assert_int_equal(fix_time_parse("2023111422:13:20", 16, &ns), -1);
}

static void out_refuses_soh_and_overflow(void **state)
{
	struct fix_out o;
	fix_out_begin(&o, "8");
	fix_out_str(&o, 58, "fine");
	assert_int_equal(o.overflow, 0);
	assert_string_equal(o.body, "58=fine\001");
	fix_out_str(&o, 58, "bad\001value");
	assert_int_equal(o.overflow, 1);
	fix_out_begin(&o, "8");
	char big[FIX_OUT_MAX];
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	fix_out_str(&o, 58, big);
	assert_int_equal(o.overflow, 1);
	fix_out_begin(&o, "8");
	fix_out_num(&o, 44, 1.0 / 0.0, 2);
	assert_int_equal(o.overflow, 1);
	fix_out_begin(&o, "8");
	fix_out_num(&o, 44, 10.126, 2);
	fix_out_int(&o, 38, -5);
	assert_string_equal(o.body, "44=10.13\00138=-5\001");
}

static void getters_refuse_non_numbers(void **state)
{
	struct fix_parsed *p = malloc(sizeof *p);
	const char *why;
	char m[256];
	size_t n = fx_msg(m, sizeof m, "8=FIX.4.4|35=D|34=2|38=+200|44=1e3|54=1|55=ABCDEFGH|", 0);
	assert_int_equal(fix_parse(m, n, p, &why), 0);
	long long v;
	double d;
	char s[4];
	assert_int_equal(fix_get_int(&p->m, 34, &v), 0);
	assert_true(v == 2);
	assert_int_equal(fix_get_num(&p->m, 44, &d), -2);
	assert_int_equal(fix_get_int(&p->m, 99, &v), -1);
	assert_int_equal(fix_get_str(&p->m, 55, s, sizeof s), -2);
	assert_int_equal(fix_get_str(&p->m, 54, s, sizeof s), 0);
	assert_string_equal(s, "1");
	/* A NUL inside a number's value (the codec lets one through): not
	 * the number before it. */
	n = fx_msg(m, sizeof m, "8=FIX.4.4|35=D|34=2|38=200~1|5005=6~junk|", 0);
	assert_int_equal(fix_parse(m, n, p, &why), 0);
	for (char *q = m; (q = memchr(q, '~', (size_t)(m + n - q))) != NULL; )
		*q = '\0';
	assert_int_equal(fix_get_int(&p->m, 38, &v), -2);
	assert_int_equal(fix_get_num(&p->m, 5005, &d), -2);
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(frame_skips_garbage_and_waits_for_the_rest),
		cmocka_unit_test(frame_huge_bodylength_closes_without_buffering),
		cmocka_unit_test(frame_wrong_bodylength_still_frames_at_next_checksum),
		cmocka_unit_test(parse_refuses_garbled_and_keeps_odd_tags),
		cmocka_unit_test(data_fields_are_as_long_as_their_length_says),
		cmocka_unit_test(build_then_parse_round_trips),
		cmocka_unit_test(time_format_and_parse),
		cmocka_unit_test(out_refuses_soh_and_overflow),
		cmocka_unit_test(getters_refuse_non_numbers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
