/*
 * tests/unit/test-fix-dict.c -- data dictionaries (engine/fix/fix-dict.c).
 *
 * builtin_loads_for_42_and_44_only: the built-in dictionary exists for the
 *   two versions and says which one it is; another version is refused by
 *   name.
 * builtin_validates_the_engines_messages: a good NewOrderSingle passes;
 *   a missing ClOrdID, a bad Side, a malformed OrderQty are refused with
 *   the reason and tag the FIX session rules give; a standard tag it
 *   does not name is not defined for the message (373=2).
 * std_tags_are_the_specs: the tags it counts as standard are the
 *   QuickFIX dictionaries' (skipped without ../shared/fix/spec).
 * quickfix_xml_gives_the_suites_rejects: with ../shared/fix/spec/FIX44.xml
 *   (skipped when absent), each of the validation definitions' cases
 *   (14a-14i, 2q) gives the SessionRejectReason and RefTagID QuickFIX
 *   gives.
 * data_with_soh_validates: under FIX44.xml a Logon with RawData and an
 *   order with EncodedText validate when their data holds SOH and "tag=".
 * bad_xml_is_refused_with_file_and_line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine/fix/fix-int.h"
#include "tests/unit/fix-fixture.h"

static int check(const struct fix_dict *d, const char *text, int *reason, int *tag)
{
	char m[1024];
	size_t n = fx_msg(m, sizeof m, text, 1700000000);
	struct fix_parsed *p = malloc(sizeof *p);
	const char *why;
	assert_int_equal(fix_parse(m, n, p, &why), 0);
	struct fix_rej r = {-1, 0, 0};
	int rc = fix_dict_validate(d, &p->m, &r);
	free(p);
	*reason = rc ? r.reason : -1;
	*tag = rc && r.has_ref ? r.reftag : -9999;
	return rc;
}


static void expect(const struct fix_dict *d, const char *text, int reason, int tag)
{
	int r, t;
	check(d, text, &r, &t);
	if (r != reason || t != tag)
		fail_msg("%s: got reason %d tag %d, want %d %d", text, r, t, reason, tag);
}

static void builtin_loads_for_42_and_44_only(void **state)
{
	struct fix_dict *d;
	char err[256];
	assert_int_equal(fix_dict_builtin(&d, "FIX.4.2", err, sizeof err), 0);
	assert_string_equal(fix_dict_version(d), "FIX.4.2");
	fix_dict_free(d);
	assert_int_equal(fix_dict_builtin(&d, "FIX.4.4", err, sizeof err), 0);
	assert_string_equal(fix_dict_version(d), "FIX.4.4");
	assert_true(fix_dict_has_msg(d, "D"));
	assert_true(fix_dict_has_msg(d, "A"));
	assert_false(fix_dict_has_msg(d, "d"));
	fix_dict_free(d);
	assert_int_equal(fix_dict_builtin(&d, "FIX.4.3", err, sizeof err), -1);
	assert_non_null(strstr(err, "FIX.4.3"));
}

static void builtin_validates_the_engines_messages(void **state)
{
	struct fix_dict *d;
	char err[256];
	assert_int_equal(fix_dict_builtin(&d, "FIX.4.4", err, sizeof err), 0);
	expect(d, "8=FIX.4.4|35=D|34=2|49=TW|52=<NOW>|56=ISLD|11=A1|38=100|40=2|44=10.5|54=1|55=IBM|60=<NOW>|", -1, -9999);
	expect(d, "8=FIX.4.4|35=D|34=2|49=TW|52=<NOW>|56=ISLD|38=100|40=2|54=1|55=IBM|60=<NOW>|",
	       FIX_REJ_REQUIRED_MISSING, 11);
	expect(d, "8=FIX.4.4|35=D|34=2|49=TW|52=<NOW>|56=ISLD|11=A|38=100|40=2|54=7|55=IBM|60=<NOW>|",
	       FIX_REJ_BAD_VALUE, 54);
	expect(d, "8=FIX.4.4|35=D|34=2|49=TW|52=<NOW>|56=ISLD|11=A|38=1e2|40=2|54=1|55=IBM|60=<NOW>|",
	       FIX_REJ_BAD_FORMAT, 38);
	/* Not a FIX message type: invalid.  One of FIX.4.4's that the
	 * engine does not take (Z QuoteCancel, E NewOrderList, AE
	 * TradeCaptureReport): it validates, and the application answers it
	 * with a BusinessMessageReject 380=3 (it was an invalid MsgType,
	 * 373=11: found by an independent probe). */
	expect(d, "8=FIX.4.4|35=ZZ|34=2|49=TW|52=<NOW>|56=ISLD|", FIX_REJ_INVALID_MSGTYPE, -9999);
	expect(d, "8=FIX.4.4|35=Z|34=2|49=TW|52=<NOW>|56=ISLD|", -1, -9999);
	expect(d, "8=FIX.4.4|35=E|34=2|49=TW|52=<NOW>|56=ISLD|66=L1|", -1, -9999);
	expect(d, "8=FIX.4.4|35=AE|34=2|49=TW|52=<NOW>|56=ISLD|", -1, -9999);
	expect(d, "8=FIX.4.4|35=BI|34=2|49=TW|52=<NOW>|56=ISLD|", FIX_REJ_INVALID_MSGTYPE, -9999);
	/* FIX.4.4 does not require HandlInst(21). */
	expect(d, "8=FIX.4.4|35=D|34=2|49=TW|52=<NOW>|56=ISLD|11=A1|38=100|40=1|54=1|55=IBM|60=<NOW>|", -1, -9999);
	expect(d, "8=FIX.4.4|35=0|34=2|49=TW|52=<NOW>|56=ISLD|55=IBM|", FIX_REJ_TAG_NOT_IN_MSG, 55);
	expect(d, "8=FIX.4.4|35=0|34=2|49=TW|52=<NOW>|56=ISLD|9999=x|", FIX_REJ_INVALID_TAG, 9999);
	/* A tag FIX.4.4 defines that the built-in dictionary does not name
	 * (RawDataLength 95, 956 the last) is not defined for this message,
	 * as a full dictionary answers (it was an invalid tag number: found
	 * by an independent probe); one it leaves out (101) or beyond its
	 * last is an invalid tag number. */
	expect(d, "8=FIX.4.4|35=D|34=2|49=TW|52=<NOW>|56=ISLD|11=A1|38=100|40=2|44=10.5|54=1|55=IBM|60=<NOW>|95=3|",
	       FIX_REJ_TAG_NOT_IN_MSG, 95);
	expect(d, "8=FIX.4.4|35=D|34=2|49=TW|52=<NOW>|56=ISLD|11=A1|38=100|40=2|44=10.5|54=1|55=IBM|60=<NOW>|956=x|",
	       FIX_REJ_TAG_NOT_IN_MSG, 956);
	expect(d, "8=FIX.4.4|35=D|34=2|49=TW|52=<NOW>|56=ISLD|11=A1|38=100|40=2|44=10.5|54=1|55=IBM|60=<NOW>|101=x|",
	       FIX_REJ_INVALID_TAG, 101);
	expect(d, "8=FIX.4.4|35=D|34=2|49=TW|52=<NOW>|56=ISLD|11=A1|38=100|40=2|44=10.5|54=1|55=IBM|60=<NOW>|957=x|",
	       FIX_REJ_INVALID_TAG, 957);
	fix_dict_free(d);
	/* FIX.4.2: HandlInst(21) is required in D and G (FIX42.xml; a 4.2 D
	 * without it became a block), and AE is not one of its types. */
	assert_int_equal(fix_dict_builtin(&d, "FIX.4.2", err, sizeof err), 0);
	expect(d, "8=FIX.4.2|35=D|34=2|49=TW|52=<NOW>|56=ISLD|11=A1|38=100|40=1|54=1|55=IBM|60=<NOW>|",
	       FIX_REJ_REQUIRED_MISSING, 21);
	expect(d, "8=FIX.4.2|35=D|34=2|49=TW|52=<NOW>|56=ISLD|11=A1|21=1|38=100|40=1|54=1|55=IBM|60=<NOW>|", -1, -9999);
	expect(d, "8=FIX.4.2|35=AE|34=2|49=TW|52=<NOW>|56=ISLD|", FIX_REJ_INVALID_MSGTYPE, -9999);
	expect(d, "8=FIX.4.2|35=E|34=2|49=TW|52=<NOW>|56=ISLD|", -1, -9999);
	fix_dict_free(d);
}

/* The tags the built-in dictionary counts as FIX.4.2's and FIX.4.4's
 * are those the QuickFIX dictionaries define, number for number (skipped
 * when ../shared/fix/spec is absent). */
static void std_tags_are_the_specs(void **state)
{
	static const char *const ver[2] = {"FIX.4.2", "FIX.4.4"};
	static const char *const file[2] = {"FIX42.xml", "FIX44.xml"};

	(void)state;
	for (int v = 0; v < 2; v++) {
		char path[512], *text;
		static char defined[2000];
		FILE *f;
		long len;

		snprintf(path, sizeof path, "%s/../shared/fix/spec/%s",
		    TRANCHE_SOURCE_DIR, file[v]);
		if ((f = fopen(path, "rb")) == NULL)
			skip();
		assert_int_equal(fseek(f, 0, SEEK_END), 0);
		len = ftell(f);
		assert_true(len > 0);
		rewind(f);
		text = malloc((size_t)len + 1);
		assert_non_null(text);
		assert_int_equal(fread(text, 1, (size_t)len, f), (size_t)len);
		text[len] = '\0';
		fclose(f);
		memset(defined, 0, sizeof defined);
		int n = 0;
		for (const char *q = text; (q = strstr(q, "<field number='")) != NULL;) {
			int tag = atoi(q + strlen("<field number='"));
			assert_true(tag > 0 && tag < (int)sizeof defined);
			defined[tag] = 1;
			n++;
			q++;
		}
		free(text);
		assert_true(n > 400);
		for (int tag = 0; tag < (int)sizeof defined; tag++)
			if (fix_std_tag(ver[v], tag) != defined[tag])
				fail_msg("%s tag %d: fix_std_tag %d, %s %s", ver[v],
				    tag, fix_std_tag(ver[v], tag), file[v],
				    defined[tag] ? "defines it" : "does not");
	}
}

/* check() with every '~' of text turned into a NUL once parsed (the
 * codec lets one into a value; the checksum is the '~' one's). */
static void expect_nul(const struct fix_dict *d, const char *text, int reason,
                       int tag)
{
	char m[1024];
	size_t n = fx_msg(m, sizeof m, text, 1700000000);
	struct fix_parsed *p = malloc(sizeof *p);
	const char *why;
	struct fix_rej r = {-1, 0, 0};
	int rc, got_reason, got_tag;

	assert_int_equal(fix_parse(m, n, p, &why), 0);
	for (char *q = m; (q = memchr(q, '~', (size_t)(m + n - q))) != NULL;)
		*q = '\0';
	rc = fix_dict_validate(d, &p->m, &r);
	free(p);
	got_reason = rc ? r.reason : -1;
	got_tag = rc && r.has_ref ? r.reftag : -9999;
	if (got_reason != reason || got_tag != tag)
		fail_msg("%s: got reason %d tag %d, want %d %d", text, got_reason,
		    got_tag, reason, tag);
}

/* A NUL inside a value: only raw data may hold one.  A ClOrdID "A<NUL>B"
 * would be read as "A" by everything after the session. */
static void nul_only_in_raw_data(void **state)
{
	struct fix_dict *d;
	char err[512], path[512];

	(void)state;
	assert_int_equal(fix_dict_builtin(&d, "FIX.4.4", err, sizeof err), 0);
	expect_nul(d, "8=FIX.4.4|35=D|34=2|49=TW|52=<NOW>|56=ISLD|11=A~B|38=100|"
	    "40=2|44=10.5|54=1|55=IBM|60=<NOW>|", FIX_REJ_BAD_FORMAT, 11);
	expect_nul(d, "8=FIX.4.4|35=D|34=2|49=TW|52=<NOW>|56=ISLD|11=AB|38=100|"
	    "40=2|44=10.5|54=1|55=IBM~|60=<NOW>|", FIX_REJ_BAD_FORMAT, 55);
	expect_nul(d, "8=FIX.4.4|35=D|34=2|49=TW|52=<NOW>|56=ISLD|11=AB|38=100|"
	    "40=2|44=10.5|54=1|55=IBM|60=<NOW>|5005=6~|", FIX_REJ_BAD_FORMAT,
	    5005);
	fix_dict_free(d);
	snprintf(path, sizeof path, "%s/../shared/fix/spec/FIX44.xml",
	    TRANCHE_SOURCE_DIR);
	if (access(path, R_OK) != 0)
		skip(); /* the DATA case needs a dictionary with a DATA field */
	if (fix_dict_load(&d, path, err, sizeof err) != 0)
		fail_msg("%s", err);
	/* RawData (DATA) may. */
	expect_nul(d, "8=FIX.4.4|35=A|34=1|49=TW|52=<NOW>|56=ISLD|98=0|108=30|"
	    "95=3|96=a~b|", -1, -9999);
	fix_dict_free(d);
}

/* A data field holds SOH when its length field says so (the codec reads
 * it whole): such a Logon and an order with EncodedText validate under
 * QuickFIX's FIX44.xml, and the SOH inside is not a field's end. */
static void data_with_soh_validates(void **state)
{
	struct fix_dict *d;
	char err[512], path[512];

	(void)state;
	snprintf(path, sizeof path, "%s/../shared/fix/spec/FIX44.xml",
	    TRANCHE_SOURCE_DIR);
	if (access(path, R_OK) != 0)
		skip(); /* the built-in dictionary has no DATA field */
	if (fix_dict_load(&d, path, err, sizeof err) != 0)
		fail_msg("%s", err);
	expect(d, "8=FIX.4.4|35=A|34=1|49=TW|52=<NOW>|56=ISLD|98=0|108=30|"
	    "95=6|96=u|58=x|", -1, -9999);
	expect(d, "8=FIX.4.4|35=D|34=2|49=TW|52=<NOW>|56=ISLD|11=A1|38=100|"
	    "40=2|44=10.5|54=1|55=IBM|60=<NOW>|354=6|355=a|55=B|", -1, -9999);
	fix_dict_free(d);
}

static void quickfix_xml_gives_the_suites_rejects(void **state)
{
	char path[512];
	snprintf(path, sizeof path, "%s/../shared/fix/spec/FIX44.xml", TRANCHE_SOURCE_DIR);
	if (access(path, R_OK) != 0)
		skip();
	struct fix_dict *d;
	char err[512];
	if (fix_dict_load(&d, path, err, sizeof err) != 0)
		fail_msg("%s", err);
	assert_string_equal(fix_dict_version(d), "FIX.4.4");
	/* 14a */
	expect(d, "8=FIX.4.4|35=0|34=2|49=TW|52=<NOW>|56=ISLD|999=HI|", FIX_REJ_INVALID_TAG, 999);
	expect(d, "8=FIX.4.4|35=0|34=2|49=TW|52=<NOW>|56=ISLD|0=HI|", FIX_REJ_INVALID_TAG, 0);
	expect(d, "8=FIX.4.4|35=0|34=2|49=TW|52=<NOW>|56=ISLD|-1=HI|", FIX_REJ_INVALID_TAG, -1);
	/* 14b */
	expect(d, "8=FIX.4.4|35=0|34=2|49=TW|52=<NOW>|", FIX_REJ_REQUIRED_MISSING, 56);
	expect(d, "8=FIX.4.4|35=D|49=TW|34=3|56=ISLD|52=<NOW>|40=1|60=<NOW>|54=1|21=3|",
	       FIX_REJ_REQUIRED_MISSING, 11);
	/* 14c, 14d */
	expect(d, "8=FIX.4.4|35=0|34=2|49=TW|52=<NOW>|56=ISLD|55=MSFT|", FIX_REJ_TAG_NOT_IN_MSG, 55);
	expect(d, "8=FIX.4.4|35=0|34=2|49=TW|52=<NOW>|56=|", FIX_REJ_NO_VALUE, 56);
	/* 14e, 14f */
	expect(d, "8=FIX.4.4|35=D|34=2|49=TW|52=<NOW>|56=ISLD|11=ID|21=4|40=1|54=1|38=002000.00|55=INTC|60=<NOW>|",
	       FIX_REJ_BAD_VALUE, 21);
	expect(d, "8=FIX.4.4|35=D|34=2|49=TW|52=<NOW>|56=ISLD|11=ID|21=1|40=1|54=1|38=+200.00|55=INTC|60=<NOW>|",
	       FIX_REJ_BAD_FORMAT, 38);
	/* 14g, 14h, 14i */
	expect(d, "8=FIX.4.4|35=D|11=id|21=3|40=1|54=1|55=MSFT|60=<NOW>|34=2|49=TW|52=<NOW>|56=ISLD|",
	       FIX_REJ_OUT_OF_ORDER, 34);
	expect(d, "8=FIX.4.4|35=D|34=2|49=TW|52=<NOW>|56=ISLD|11=ID|21=1|40=1|40=2|54=1|38=200.00|55=INTC|60=<NOW>|",
	       FIX_REJ_REPEATED_TAG, 40);
	expect(d, "8=FIX.4.4|35=D|34=2|49=TW|52=<NOW>|56=ISLD|11=ID|21=1|40=1|54=1|38=200.00|55=INTC|386=3|336=PRE-OPEN|336=AFTER-HOURS|60=<NOW>|",
	       FIX_REJ_GROUP_COUNT, 386);
	/* 21: a group count of zero with no entries is fine. */
	expect(d, "8=FIX.4.4|35=d|34=2|49=TW|56=ISLD|52=<NOW>|320=J|322=1|323=6|55=TBS|22=8|167=CS|336=ONE|58=No|454=0|",
	       -1, -9999);
	/* 2q */
	expect(d, "8=FIX.4.4|35=*|34=2|49=TW|52=<NOW>|56=ISLD|", FIX_REJ_INVALID_MSGTYPE, -9999);
	fix_dict_free(d);
}

static void bad_xml_is_refused_with_file_and_line(void **state)
{
	char dir[64], path[128], err[512];
	fx_tmpdir(dir, sizeof dir, "fixdict");
	snprintf(path, sizeof path, "%s/bad.xml", dir);
	FILE *f = fopen(path, "w");
	fprintf(f, "<fix type='FIX' major='4' minor='4'>\n<header>\n<field name='X' required='Y'>\n</fix>\n");
	fclose(f);
	struct fix_dict *d;
	assert_int_equal(fix_dict_load(&d, path, err, sizeof err), -1);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, ":4:"));
	f = fopen(path, "w");
	fprintf(f, "<fix type='FIX' major='4' minor='4'><header><field name='Nope' required='Y'/></header>"
	           "<messages/><fields><field number='8' name='BeginString' type='STRING'/></fields></fix>");
	fclose(f);
	assert_int_equal(fix_dict_load(&d, path, err, sizeof err), -1);
	assert_non_null(strstr(err, "field Nope is not defined"));
	assert_int_equal(fix_dict_load(&d, "/nonexistent/x.xml", err, sizeof err), -1);
	assert_non_null(strstr(err, "/nonexistent/x.xml"));
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(builtin_loads_for_42_and_44_only),
		cmocka_unit_test(builtin_validates_the_engines_messages),
		cmocka_unit_test(std_tags_are_the_specs),
		cmocka_unit_test(nul_only_in_raw_data),
		cmocka_unit_test(data_with_soh_validates),
		cmocka_unit_test(quickfix_xml_gives_the_suites_rejects),
		cmocka_unit_test(bad_xml_is_refused_with_file_and_line),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
