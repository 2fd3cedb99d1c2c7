/*
 * tests/unit/test-fix-session.c -- the FIX session state machine
 * (engine/fix/fix-session.c) and its store (fix-store.c), driven without
 * sockets: messages and the time go in, the output buffer is read back.
 *
 * restart_resumes_numbers_and_resends_from_store: after a close and a
 *   reopen of the store (a restart) the session goes on at the next
 *   numbers, and a ResendRequest is answered from the file: admin
 *   messages as GapFills, application ones again with PossDupFlag=Y and
 *   OrigSendingTime.
 * too_high_asks_for_resend_and_holds_back: a gap is asked for once and
 *   the held message is processed, in order, when the gap is filled.
 * too_low_without_possdup_logs_out_and_disconnects.
 * possdup_resend_is_not_delivered_twice.
 * silence_gives_heartbeat_test_request_then_disconnect.
 * reset_logon_inside_session_starts_at_one: a Logon with
 *   ResetSeqNumFlag=Y while logged on (SessionReset.def).
 * second_logon_is_refused_and_first_kept (duplicate identity).
 * garbled_message_changes_nothing.
 * store_that_cannot_be_written_sends_nothing: the log is /dev/full;
 *   fix_send() returns <0 and numbers nothing.
 * sent_while_logged_out_is_kept_for_resend.
 * reset_after_restart_sends_what_was_made_while_away: the W records.
 * reset_sends_what_never_went_out: the mark is a low-water one.
 * kept_aside_reports_survive_what_follows_the_reset.
 * a_late_write_marks_only_its_own_numbering: the store's epoch.
 * torn_store_tail_is_cut_and_damage_refused.
 * sessions_file_errors_name_file_index_field_value.
 * big_resend_goes_a_chunk_at_a_time: a resend past the 16 MiB output
 *   bound goes in chunks (fix_session_pump), in order, no disconnect; a
 *   report made meanwhile goes after it, once.
 * bad_resend_range_is_rejected: a range below 1, backwards, or above the
 *   last number sent is a Reject naming the tag, and no GapFill.
 * mutated_messages_never_crash_the_session: 20,000 seeded mutations of
 *   good messages (bytes flipped, cut, repeated, SOH moved) go through the
 *   framer and a logged-on session under the sanitizers; the session is
 *   still answering afterwards.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine/fix/fix-int.h"
#include "tests/unit/fix-fixture.h"

#define NS 1000000000LL
static int64_t T = 1700000000LL * NS;
static int64_t fake_clock(void)
{
	return T;
}

struct seen {
	int napp, nlogon, nlogout;
	char last_type[8];
	long long last_seq;
};

static void on_app(void *ud, struct fix_session *s, const struct fix_msg *m)
{
	struct seen *r = ud;
	r->napp++;
	fix_get_str(m, 35, r->last_type, sizeof r->last_type);
	fix_get_int(m, 34, &r->last_seq);
}

static void on_logon(void *ud, struct fix_session *s)
{
	((struct seen *)ud)->nlogon++;
}

static void on_logout(void *ud, struct fix_session *s, const char *why)
{
	((struct seen *)ud)->nlogout++;
}

struct fx {
	int rod;      /* the session resets on disconnect */
	int rate;     /* its max_msg_rate; 0: the ceiling (the clock here
	                 stands still, and most tests send many at once) */
	char dir[64];
	struct fix_engine *e;
	struct fix_session *s;
	struct seen seen;
	int conn;
};

static void fx_open(struct fx *f)
{
	struct fix_sess_cfg c = {0};
	c.reset_on_disconnect = f->rod ? 1 : -1;
	snprintf(c.name, sizeof c.name, "oms");
	snprintf(c.version, sizeof c.version, "FIX.4.4");
	snprintf(c.sender, sizeof c.sender, "ISLD");
	snprintf(c.target, sizeof c.target, "TW");
	c.heartbeat = 30;
	c.max_msg_rate = f->rate ? f->rate : FIX_RATE_MAX;
	snprintf(c.role, sizeof c.role, "trader");
	snprintf(c.user, sizeof c.user, "oms");
	struct fix_app app = {.ud = &f->seen, .on_app = on_app, .on_logon = on_logon,
	                      .on_logout = on_logout};
	char err[512];
	if (fix_engine_open(&f->e, &c, 1, f->dir, &app, err, sizeof err) != 0)
		fail_msg("%s", err);
	fix_engine_set_clock(f->e, fake_clock);
	f->s = fix_engine_session(f->e, 0);
}

/* A fresh session in a new store; rod 1: it resets on disconnect. */
static void fx_new_rod(struct fx *f, int rod)
{
	memset(f, 0, sizeof *f);
	f->rod = rod;
	fx_tmpdir(f->dir, sizeof f->dir, "fixsess");
	assert_true(f->dir[0]);
	fx_open(f);
}

static void fx_new(struct fx *f)
{
	fx_new_rod(f, 0);
}

static void fx_free(struct fx *f)
{
	char p[128];
	fix_engine_close(f->e);
	snprintf(p, sizeof p, "%s/oms.log", f->dir);
	unlink(p);
	rmdir(f->dir);
}

/* Everything the session queued, as text ('|' for SOH), written as the
 * acceptor writes it: committed, then marked sent once written. */
static char *fx_out(struct fx *f)
{
	struct fix_batch b;

	fix_session_commit(f->s);
	char *t = fx_text(fix_session_out_buf(f->s) ? fix_session_out_buf(f->s) : "",
	                  fix_session_out_len(f->s));
	fix_session_take_batch(f->s, &b);
	fix_session_out_clear(f->s);
	fix_session_batch_sent(f->s, &b);
	fix_batch_free(&b);
	return t;
}

static int fx_in(struct fx *f, const char *text)
{
	char m[8400];
	size_t n = fx_msg(m, sizeof m, text, T / NS);
	return fix_session_input(f->s, T, m, n);
}

static void fx_logon(struct fx *f, long long seq, const char *extra)
{
	char text[256], m[1024];
	const char *why = NULL;
	snprintf(text, sizeof text, "8=FIX.4.4|35=A|34=%lld|49=TW|52=<NOW>|56=ISLD|98=0|108=30|%s",
	         seq, extra ? extra : "");
	size_t n = fx_msg(m, sizeof m, text, T / NS);
	struct fix_session *s = fix_engine_logon(f->e, &f->conn, T, m, n, &why);
	if (s != f->s)
		fail_msg("logon refused: %s", why ? why : "?");
}

/* An ExecutionReport for order id, ExecID exec, through fix_send(): its
 * number, or <0. */
static long long send_er(struct fx *f, const char *id, const char *exec)
{
	struct fix_out er;

	fix_out_begin(&er, "8");
	fix_out_str(&er, 37, id);
	fix_out_str(&er, 17, exec);
	return fix_send(f->s, &er);
}

/* The counterparty logs on at 1 with ResetSeqNumFlag: what we answer. */
static char *fx_reset_logon(struct fx *f)
{
	fx_logon(f, 1, "141=Y|");
	return fx_out(f);
}

/* The whole of file p, its length in *n. */
static char *slurp_n(const char *p, size_t *n)
{
	FILE *f = fopen(p, "rb");
	char *b = malloc(1 << 20);

	assert_non_null(f);
	assert_non_null(b);
	*n = fread(b, 1, 1 << 20, f);
	assert_true(*n < (1 << 20));
	fclose(f);
	return b;
}

static void expect_has(const char *out, const char *want)
{
	if (!strstr(out, want))
		fail_msg("output lacks %s:\n%s", want, out);
}

static void expect_lacks(const char *out, const char *unwanted)
{
	if (strstr(out, unwanted))
		fail_msg("output has %s:\n%s", unwanted, out);
}

static void restart_resumes_numbers_and_resends_from_store(void **state)
{
	struct fx f;
	fx_new(&f);
	fx_logon(&f, 1, NULL);
	char *o = fx_out(&f);
	expect_has(o, "|35=A|34=1|49=ISLD|");
	expect_has(o, "|56=TW|98=0|108=30|10=");
	free(o);
	assert_int_equal(fx_in(&f, "8=FIX.4.4|35=D|34=2|49=TW|52=<NOW>|56=ISLD|11=A|38=100|40=1|54=1|55=IBM|60=<NOW>|"), FIX_CONT);
	assert_int_equal(f.seen.napp, 1);
	assert_true(send_er(&f, "O1", "E1") == 2);
	free(fx_out(&f));
	/* A restart: the connection goes, the process goes. */
	fix_session_disconnected(f.s, "test");
	fix_engine_close(f.e);
	T += 5 * NS;
	fx_open(&f);
	assert_true(fix_session_next_in(f.s) == 3);
	assert_true(fix_session_next_out(f.s) == 3);
	fx_logon(&f, 3, NULL);
	o = fx_out(&f);
	expect_has(o, "|35=A|34=3|");
	free(o);
	assert_int_equal(fx_in(&f, "8=FIX.4.4|35=2|34=4|49=TW|52=<NOW>|56=ISLD|7=1|16=0|"), FIX_CONT);
	o = fx_out(&f);
	char *gap = strstr(o, "|35=4|34=1|43=Y|");
	char *er2 = strstr(o, "|35=8|34=2|43=Y|");
	char *gap2 = strstr(o, "|35=4|34=3|43=Y|");
	if (!gap || !er2 || !gap2 || !(gap < er2 && er2 < gap2))
		fail_msg("resend answer:\n%s", o);
	expect_has(gap, "|36=2|123=Y|");
	expect_has(er2, "|122=20231114-22:13:20|37=O1|17=E1|");
	expect_has(gap2, "|36=4|123=Y|");
	free(o);
	assert_true(fix_session_next_in(f.s) == 5);
	fx_free(&f);
}

static void too_high_asks_for_resend_and_holds_back(void **state)
{
	struct fx f;
	fx_new(&f);
	fx_logon(&f, 1, NULL);
	free(fx_out(&f));
	fx_in(&f, "8=FIX.4.4|35=D|34=5|49=TW|52=<NOW>|56=ISLD|11=A|38=100|40=1|54=1|55=IBM|60=<NOW>|");
	char *o = fx_out(&f);
	expect_has(o, "|35=2|34=2|49=ISLD|");
	expect_has(o, "|7=2|16=0|");
	free(o);
	assert_int_equal(f.seen.napp, 0);
	fx_in(&f, "8=FIX.4.4|35=0|34=6|49=TW|52=<NOW>|56=ISLD|");
	o = fx_out(&f);
	assert_string_equal(o, ""); /* asked once, not again */
	free(o);
	fx_in(&f, "8=FIX.4.4|35=0|34=2|49=TW|52=<NOW>|56=ISLD|");
	fx_in(&f, "8=FIX.4.4|35=0|34=3|49=TW|52=<NOW>|56=ISLD|");
	assert_int_equal(f.seen.napp, 0);
	fx_in(&f, "8=FIX.4.4|35=0|34=4|49=TW|52=<NOW>|56=ISLD|");
	assert_int_equal(f.seen.napp, 1);
	assert_true(f.seen.last_seq == 5);
	assert_true(fix_session_next_in(f.s) == 7);
	fx_free(&f);
}

static void too_low_without_possdup_logs_out_and_disconnects(void **state)
{
	struct fx f;
	fx_new(&f);
	fx_logon(&f, 1, NULL);
	fx_in(&f, "8=FIX.4.4|35=0|34=2|49=TW|52=<NOW>|56=ISLD|");
	free(fx_out(&f));
	assert_int_equal(fx_in(&f, "8=FIX.4.4|35=0|34=2|49=TW|52=<NOW>|56=ISLD|"), FIX_DISCONNECT);
	char *o = fx_out(&f);
	expect_has(o, "|35=5|");
	expect_has(o, "|58=MsgSeqNum too low, expecting 3 but received 2|");
	free(o);
	fx_free(&f);
}

static void possdup_resend_is_not_delivered_twice(void **state)
{
	struct fx f;
	fx_new(&f);
	fx_logon(&f, 1, NULL);
	fx_in(&f, "8=FIX.4.4|35=D|34=2|49=TW|52=<NOW>|56=ISLD|11=A|38=100|40=1|54=1|55=IBM|60=<NOW>|");
	free(fx_out(&f));
	assert_int_equal(fx_in(&f, "8=FIX.4.4|35=D|34=2|43=Y|49=TW|52=<NOW>|56=ISLD|122=<NOW>|11=A|38=100|40=1|54=1|55=IBM|60=<NOW>|"), FIX_CONT);
	assert_int_equal(f.seen.napp, 1);
	char *o = fx_out(&f);
	assert_string_equal(o, "");
	free(o);
	/* Without OrigSendingTime it is rejected, numbers untouched. */
	fx_in(&f, "8=FIX.4.4|35=D|34=2|43=Y|49=TW|52=<NOW>|56=ISLD|11=A|38=100|40=1|54=1|55=IBM|60=<NOW>|");
	o = fx_out(&f);
	expect_has(o, "|35=3|");
	expect_has(o, "|45=2|58=Required tag missing|371=122|372=D|373=1|");
	free(o);
	assert_true(fix_session_next_in(f.s) == 3);
	fx_free(&f);
}

static void silence_gives_heartbeat_test_request_then_disconnect(void **state)
{
	struct fx f;
	fx_new(&f);
	int64_t t0 = T;
	fx_logon(&f, 1, NULL);
	free(fx_out(&f));
	assert_int_equal(fix_session_tick(f.s, t0 + 29 * NS), FIX_CONT);
	char *o = fx_out(&f);
	assert_string_equal(o, "");
	free(o);
	T = t0 + 30 * NS;
	assert_int_equal(fix_session_tick(f.s, T), FIX_CONT);
	o = fx_out(&f);
	expect_has(o, "|35=0|34=2|");
	free(o);
	T = t0 + 36 * NS;
	assert_int_equal(fix_session_tick(f.s, T), FIX_CONT);
	o = fx_out(&f);
	expect_has(o, "|35=1|34=3|");
	expect_has(o, "|112=TEST|");
	free(o);
	T = t0 + 72 * NS;
	assert_int_equal(fix_session_tick(f.s, T), FIX_DISCONNECT);
	fx_free(&f);
	T = t0 + 100 * NS;
}

static void reset_logon_inside_session_starts_at_one(void **state)
{
	struct fx f;
	fx_new(&f);
	fx_logon(&f, 1, NULL);
	for (int i = 2; i <= 5; i++) {
		char t[128];
		snprintf(t, sizeof t, "8=FIX.4.4|35=1|34=%d|49=TW|52=<NOW>|56=ISLD|112=x|", i);
		fx_in(&f, t);
	}
	free(fx_out(&f));
	assert_int_equal(fx_in(&f, "8=FIX.4.4|35=A|34=1|49=TW|52=<NOW>|56=ISLD|98=0|108=30|141=Y|"), FIX_CONT);
	char *o = fx_out(&f);
	expect_has(o, "|35=A|34=1|");
	expect_has(o, "|98=0|108=30|141=Y|");
	free(o);
	assert_true(fix_session_next_in(f.s) == 2);
	assert_true(fix_session_next_out(f.s) == 2);
	fx_free(&f);
}

static void second_logon_is_refused_and_first_kept(void **state)
{
	struct fx f;
	fx_new(&f);
	fx_logon(&f, 1, NULL);
	int other;
	char m[512];
	const char *why = NULL;
	size_t n = fx_msg(m, sizeof m, "8=FIX.4.4|35=A|34=1|49=TW|52=<NOW>|56=ISLD|98=0|108=30|", T / NS);
	assert_null(fix_engine_logon(f.e, &other, T, m, n, &why));
	assert_non_null(strstr(why, "already logged on"));
	assert_ptr_equal(fix_session_conn(f.s), &f.conn);
	assert_true(fix_session_logged_on(f.s));
	/* An unknown CompID is refused too. */
	n = fx_msg(m, sizeof m, "8=FIX.4.4|35=A|34=1|49=WT|52=<NOW>|56=ISLD|98=0|108=30|", T / NS);
	assert_null(fix_engine_logon(f.e, &other, T, m, n, &why));
	/* So is a SendingTime two minutes off. */
	fix_session_disconnected(f.s, "test");
	n = fx_msg(m, sizeof m, "8=FIX.4.4|35=A|34=1|49=TW|52=<NOW>|56=ISLD|98=0|108=30|", T / NS - 121);
	assert_null(fix_engine_logon(f.e, &other, T, m, n, &why));
	assert_non_null(strstr(why, "SendingTime"));
	fx_free(&f);
}

static void garbled_message_changes_nothing(void **state)
{
	struct fx f;
	fx_new(&f);
	fx_logon(&f, 1, NULL);
	free(fx_out(&f));
	char m[512];
	size_t n = fx_msg(m, sizeof m, "8=FIX.4.4|35=D|34=2|49=TW|52=<NOW>|56=ISLD|11=A|38=100|40=1|54=1|55=IBM|60=<NOW>|", T / NS);
	m[n - 3] ^= 1;
	assert_int_equal(fix_session_input(f.s, T, m, n), FIX_CONT);
	assert_true(fix_session_next_in(f.s) == 2);
	assert_int_equal(f.seen.napp, 0);
	char *o = fx_out(&f);
	assert_string_equal(o, "");
	free(o);
	fx_free(&f);
}

static void store_that_cannot_be_written_sends_nothing(void **state)
{
	struct fx f;
	char p[128];
	memset(&f, 0, sizeof f);
	fx_tmpdir(f.dir, sizeof f.dir, "fixfull");
	snprintf(p, sizeof p, "%s/oms.log", f.dir);
	if (symlink("/dev/full", p) != 0 || access("/dev/full", W_OK) != 0)
		skip();
	fx_open(&f);
	struct fix_out er;
	fix_out_begin(&er, "8");
	fix_out_str(&er, 37, "O1");
	assert_true(fix_send(f.s, &er) < 0);
	assert_true(fix_session_next_out(f.s) == 1);
	assert_int_equal(fix_session_out_len(f.s), 0);
	fx_free(&f);
}

static void sent_while_logged_out_is_kept_for_resend(void **state)
{
	struct fx f;
	fx_new(&f);
	struct fix_out er;
	fix_out_begin(&er, "8");
	fix_out_str(&er, 37, "O9");
	assert_true(fix_send(f.s, &er) == 1);
	assert_int_equal(fix_session_out_len(f.s), 0);
	fx_logon(&f, 1, NULL);
	char *o = fx_out(&f);
	expect_has(o, "|35=A|34=2|");
	free(o);
	fx_in(&f, "8=FIX.4.4|35=2|34=2|49=TW|52=<NOW>|56=ISLD|7=1|16=0|");
	o = fx_out(&f);
	expect_has(o, "|35=8|34=1|43=Y|");
	expect_has(o, "|37=O9|");
	free(o);
	fx_free(&f);
}

static void torn_store_tail_is_cut_and_damage_refused(void **state)
{
	char dir[64], p[128], err[512];
	fx_tmpdir(dir, sizeof dir, "fixstore");
	snprintf(p, sizeof p, "%s/s.log", dir);
	FILE *fp = fopen(p, "w");
	fprintf(fp, "I 1\nO 1 5\nhello\nI 2\nO 2 50\nhel");
	fclose(fp);
	struct fix_store *st;
	if (fix_store_open(&st, dir, "s", err, sizeof err) != 0)
		fail_msg("%s", err);
	assert_true(fix_store_next_in(st) == 3);
	assert_true(fix_store_next_out(st) == 2);
	assert_int_equal(fix_store_count(st), 1);
	char *raw;
	size_t len;
	assert_int_equal(fix_store_read(st, 0, &raw, &len), 0);
	assert_int_equal(len, 5);
	assert_memory_equal(raw, "hello", 5);
	free(raw);
	fix_store_close(st);
	struct stat sb;
	stat(p, &sb);
	/* The torn record cut; the file, older than W records, is given
	 * one saying that what it holds was sent. */
	assert_int_equal(sb.st_size, strlen("I 1\nO 1 5\nhello\nI 2\nW 1\n"));
	fp = fopen(p, "w");
	fprintf(fp, "I 1\nX 7\nI 2\n");
	fclose(fp);
	assert_int_equal(fix_store_open(&st, dir, "s", err, sizeof err), -1);
	assert_non_null(strstr(err, "damaged record at offset 4"));
	unlink(p);
	rmdir(dir);
}

/* A reset starts the store afresh but keeps the ExecIDs of the reports
 * sent that begin with the kept prefix (S records), across a reopen and
 * a second reset; others' and admin messages' are not kept. */
static void reset_keeps_the_reports_sent(void **state)
{
	char dir[64], p[128], err[512];
	const char *er1 = "8=FIX.4.4\0019=5\00135=8\00117=day1-2-1\00110=000\001";
	const char *er2 = "8=FIX.4.4\0019=5\00135=8\00117=day0-2-9\00110=000\001";
	const char *er3 = "8=FIX.4.4\0019=5\00135=8\00117=day1-2-2\00110=000\001";
	const char *hb = "8=FIX.4.4\0019=5\00135=0\00110=000\001";
	const char *er4 = "8=FIX.4.4\0019=5\00135=8\00117=day1-2-4\00110=000\001";
	struct fix_store *st;

	(void)state;
	fx_tmpdir(dir, sizeof dir, "fixkeep");
	snprintf(p, sizeof p, "%s/s.log", dir);
	if (fix_store_open(&st, dir, "s", err, sizeof err) != 0)
		fail_msg("%s", err);
	fix_store_keep_ids(st, "day1-");
	assert_int_equal(fix_store_out(st, 1, er1, strlen(er1), 1), 0);
	assert_int_equal(fix_store_out(st, 2, er2, strlen(er2), 1), 0);
	assert_int_equal(fix_store_out(st, 3, hb, strlen(hb), 1), 0);
	assert_int_equal(fix_store_out(st, 4, er4, strlen(er4), 1), 0);
	/* 1 to 3 went to the counterparty; 4 was queued and never did:
	 * its reset sends it again, so its ExecID is not kept as sent. */
	for (long long q = 1; q <= 3; q++)
		fix_store_mark_sent(st, q);
	assert_int_equal(fix_store_mark_written(st), 0);
	assert_true(fix_store_written(st) == 3);
	assert_int_equal(fix_store_set(st, 1, 1), 0);
	assert_int_equal(fix_store_count(st), 0);
	assert_int_equal(fix_store_id_count(st), 1);
	assert_string_equal(fix_store_id(st, 0), "day1-2-1");
	assert_true(fix_store_written(st) == 0);
	assert_true(fix_store_next_out(st) == 1);
	fix_store_close(st);
	if (fix_store_open(&st, dir, "s", err, sizeof err) != 0)
		fail_msg("%s", err);
	assert_int_equal(fix_store_id_count(st), 1);
	assert_true(fix_store_next_in(st) == 1 && fix_store_next_out(st) == 1);
	/* A second reset keeps it again, with what was sent since. */
	fix_store_keep_ids(st, "day1-");
	assert_int_equal(fix_store_out(st, 1, er3, strlen(er3), 1), 0);
	fix_store_mark_sent(st, 1);
	assert_int_equal(fix_store_set(st, 1, 1), 0);
	assert_int_equal(fix_store_id_count(st), 2);
	assert_string_equal(fix_store_id(st, 1), "day1-2-2");
	fix_store_close(st);
	/* Where no file can be made beside it (here a directory stands
	 * in the way), the reset is appended to the file itself, keeping the
	 * same ExecIDs and cutting nothing: the file was truncated and then
	 * written, so a crash between the two lost every kept ExecID, and a
	 * restart would have sent those reports again. */
	{
		char nd[160], *before, *after;
		size_t nb, na;
		const char *er5 = "8=FIX.4.4\0019=5\00135=8\00117=day1-3-1\00110=000\001";

		snprintf(nd, sizeof nd, "%s.new", p);
		assert_int_equal(mkdir(nd, 0700), 0);
		/* Straight after a reset that wrote beside it (the file ends
		 * in its S records), twice: the two ids once each. */
		for (int round = 0; round < 2; round++) {
			if (fix_store_open(&st, dir, "s", err, sizeof err) != 0)
				fail_msg("%s", err);
			assert_int_equal(fix_store_id_count(st), 2);
			fix_store_keep_ids(st, "day1-");
			assert_int_equal(fix_store_set(st, 1, 1), 0);
			assert_int_equal(fix_store_id_count(st), 2);
			fix_store_close(st);
		}
		/* Another day's prefix keeps none, and none come back. */
		{
			char cp[300];

			snprintf(cp, sizeof cp, "cp %s %s.keep", p, p);
			assert_int_equal(system(cp), 0);
			if (fix_store_open(&st, dir, "s", err, sizeof err) != 0)
				fail_msg("%s", err);
			fix_store_keep_ids(st, "day2-");
			assert_int_equal(fix_store_set(st, 1, 1), 0);
			assert_int_equal(fix_store_id_count(st), 0);
			fix_store_close(st);
			if (fix_store_open(&st, dir, "s", err, sizeof err) != 0)
				fail_msg("%s", err);
			assert_int_equal(fix_store_id_count(st), 0);
			fix_store_close(st);
			snprintf(cp, sizeof cp, "mv %s.keep %s", p, p);
			assert_int_equal(system(cp), 0);
		}
		/* A report sent, then the reset: the old bytes stay the file's
		 * prefix, and the report's ExecID is kept with the others. */
		if (fix_store_open(&st, dir, "s", err, sizeof err) != 0)
			fail_msg("%s", err);
		fix_store_keep_ids(st, "day1-");
		assert_int_equal(fix_store_out(st, 1, er5, strlen(er5), 1), 0);
		fix_store_mark_sent(st, 1);
		assert_int_equal(fix_store_mark_written(st), 0);
		assert_int_equal(fix_store_sync(st), 0);
		before = slurp_n(p, &nb);
		assert_int_equal(fix_store_set(st, 1, 1), 0);
		assert_int_equal(fix_store_count(st), 0);
		assert_int_equal(fix_store_id_count(st), 3);
		after = slurp_n(p, &na);
		assert_true(na > nb);
		assert_memory_equal(before, after, nb);
		fix_store_close(st);
		/* Read back: the reset holds, the message stored before it is
		 * gone from the index, and the ids are the three kept. */
		if (fix_store_open(&st, dir, "s", err, sizeof err) != 0)
			fail_msg("%s", err);
		assert_int_equal(fix_store_id_count(st), 3);
		assert_string_equal(fix_store_id(st, 2), "day1-3-1");
		assert_int_equal(fix_store_count(st), 0);
		assert_true(fix_store_next_in(st) == 1 &&
		    fix_store_next_out(st) == 1);
		assert_true(fix_store_written(st) == 0);
		fix_store_close(st);
		/* A crash part of the way through the append: cut the file at
		 * every length between the old one and the whole.  Before the
		 * N line is whole, the session is as it was (the report stored
		 * and sent, numbers 1/2); from it on, the reset, with nothing
		 * counted as sent even where the W 0 after it is lost. */
		for (size_t cut = nb; cut < na; cut++) {
			FILE *fp = fopen(p, "wb");
			int whole = memmem(after + nb, cut - nb, "N 1 1 3\n", 8) !=
			    NULL;

			assert_non_null(fp);
			assert_int_equal(fwrite(after, 1, cut, fp), cut);
			fclose(fp);
			if (fix_store_open(&st, dir, "s", err, sizeof err) != 0)
				fail_msg("cut at %zu: %s", cut, err);
			if (whole) {
				assert_int_equal(fix_store_count(st), 0);
				assert_int_equal(fix_store_id_count(st), 3);
				assert_true(fix_store_written(st) == 0);
				assert_true(fix_store_next_out(st) == 1);
			} else {
				assert_int_equal(fix_store_count(st), 1);
				assert_true(fix_store_written(st) == 1);
				assert_true(fix_store_next_out(st) == 2);
			}
			fix_store_close(st);
		}
		{
			FILE *fp = fopen(p, "wb");

			assert_int_equal(fwrite(after, 1, na, fp), na);
			fclose(fp);
		}
		free(before);
		free(after);
		assert_int_equal(rmdir(nd), 0);
	}
	/* Without a prefix a reset keeps nothing (the echo acceptor). */
	if (fix_store_open(&st, dir, "s", err, sizeof err) != 0)
		fail_msg("%s", err);
	assert_int_equal(fix_store_set(st, 1, 1), 0);
	assert_int_equal(fix_store_id_count(st), 0);
	fix_store_close(st);
	/* An S record with a space in it is damage, named. */
	FILE *fp = fopen(p, "w");
	fprintf(fp, "N 1 1\nS a b\n");
	fclose(fp);
	assert_int_equal(fix_store_open(&st, dir, "s", err, sizeof err), -1);
	assert_non_null(strstr(err, "damaged record at offset 6"));
	unlink(p);
	rmdir(dir);
}

/*
 * Reports made while the counterparty was away outlive a restart: after
 * one, a Logon with ResetSeqNumFlag=Y gets them again as new messages,
 * and not the ones it had before it left.  The store says where the
 * numbers handed over end (W records); a store older than them counts
 * everything stored as handed over, as before.
 */
static void reset_after_restart_sends_what_was_made_while_away(void **state)
{
	struct fx f;
	char p[128], *o;

	(void)state;
	fx_new(&f);
	fx_logon(&f, 1, NULL);
	free(fx_out(&f));
	assert_true(send_er(&f, "O1", "HAD") == 2);
	free(fx_out(&f));
	/* The counterparty goes; a fill is reported while it is away. */
	fix_session_disconnected(f.s, "test");
	assert_true(send_er(&f, "O1", "AWAY") == 3);
	/* The engine restarts; the counterparty comes back resetting. */
	fix_engine_close(f.e);
	T += 5 * NS;
	fx_open(&f);
	o = fx_reset_logon(&f);
	expect_has(o, "|35=A|34=1|");
	expect_has(o, "|141=Y|");
	expect_has(o, "|35=8|34=2|");
	expect_has(o, "|97=Y|");
	expect_has(o, "|17=AWAY|");
	expect_lacks(o, "|17=HAD|");
	free(o);
	/* Now it has it: another restart and reset sends nothing again. */
	fix_session_disconnected(f.s, "test");
	fix_engine_close(f.e);
	fx_open(&f);
	o = fx_reset_logon(&f);
	expect_lacks(o, "|35=8|");
	free(o);
	fix_session_disconnected(f.s, "test");
	fix_engine_close(f.e);
	/* A store from before W records: what it holds counts as sent
	 * (nothing is sent again), and what is queued from then on does
	 * not. */
	snprintf(p, sizeof p, "%s/oms.log", f.dir);
	FILE *fp = fopen(p, "w");
	const char *old_er = "8=FIX.4.4\0019=5\00135=8\00117=OLD\00110=000\001";
	fprintf(fp, "N 1 1\nO 1 %zu\n%s\n", strlen(old_er), old_er);
	fclose(fp);
	fx_open(&f);
	assert_true(send_er(&f, "O2", "NEW") == 2);
	fix_engine_close(f.e);
	fx_open(&f);
	o = fx_reset_logon(&f);
	expect_has(o, "|35=A|34=1|");
	expect_lacks(o, "|17=OLD|");
	expect_has(o, "|17=NEW|");
	free(o);
	fx_free(&f);
}

/*
 * What never went out is sent after a reset, whatever was numbered after
 * it: our own Logon above a report still waiting for its ResendRequest
 * does not carry the report with it (the mark is a low-water one), before
 * or after a restart; and a report in the output buffer when the
 * connection dropped, before any commit, never went.
 */
static void reset_sends_what_never_went_out(void **state)
{
	struct fx f;
	char *o;

	(void)state;
	fx_new(&f);
	fx_logon(&f, 1, NULL);
	free(fx_out(&f));
	fix_session_disconnected(f.s, "test");
	assert_true(send_er(&f, "O1", "WAITING") == 2);
	/* It comes back; our Logon (3) goes; it drops before asking for 2. */
	fx_logon(&f, 2, NULL);
	o = fx_out(&f);
	expect_has(o, "|35=A|34=3|");
	free(o);
	fix_session_disconnected(f.s, "test");
	fix_engine_close(f.e);
	fx_open(&f);
	o = fx_reset_logon(&f);
	expect_has(o, "|97=Y|");
	expect_has(o, "|17=WAITING|");
	free(o);
	/* Logged on: a report queued, and the connection gone before the
	 * batch was committed and written. */
	assert_true(send_er(&f, "O1", "INFLIGHT") > 0);
	assert_true(fix_session_out_len(f.s) > 0);
	fix_session_disconnected(f.s, "test");
	o = fx_reset_logon(&f);
	expect_has(o, "|17=INFLIGHT|");
	expect_lacks(o, "|17=WAITING|");
	free(o);
	fx_free(&f);
}

/*
 * Nothing a reset kept aside is lost by what follows it: a session that
 * resets on disconnect stores the reports it kept aside at once (first in
 * the new numbering, PossResend), so the next Logon with ResetSeqNumFlag
 * sends them, and a ResendRequest gets them with PossDupFlag and
 * PossResend; a reset Logon inside a session that is then refused (a
 * stale SendingTime) keeps them the same way; and a report of the old
 * numbering not yet written when a reset Logon arrives goes once, anew.
 */
static void kept_aside_reports_survive_what_follows_the_reset(void **state)
{
	struct fx f;
	char *o;

	(void)state;
	fx_new_rod(&f, 1);
	fx_logon(&f, 1, NULL);
	free(fx_out(&f));
	assert_true(send_er(&f, "O1", "ROD") == 2);
	fix_session_disconnected(f.s, "test");
	assert_true(fix_session_next_out(f.s) == 2); /* stored as 1 */
	o = fx_reset_logon(&f);
	expect_has(o, "|35=A|34=1|");
	expect_has(o, "|35=8|34=2|");
	expect_has(o, "|97=Y|");
	expect_has(o, "|17=ROD|");
	free(o);
	/* The same, the counterparty logging on at 1 without a reset: our
	 * Logon follows the stored report, which a ResendRequest brings. */
	assert_true(send_er(&f, "O1", "ROD2") == 3);
	fix_session_disconnected(f.s, "test");
	assert_true(fix_session_next_out(f.s) == 2);
	fx_logon(&f, 1, NULL);
	o = fx_out(&f);
	expect_has(o, "|35=A|34=2|");
	free(o);
	assert_int_equal(fx_in(&f, "8=FIX.4.4|35=2|34=2|49=TW|52=<NOW>|56=ISLD|7=1|16=0|"),
	                 FIX_CONT);
	o = fx_out(&f);
	expect_has(o, "|35=8|34=1|43=Y|");
	expect_has(o, "|97=Y|");
	expect_has(o, "|17=ROD2|");
	free(o);
	fix_session_disconnected(f.s, "test");
	fx_free(&f);

	/* A reset Logon inside a session, refused for its SendingTime. */
	fx_new(&f);
	fx_logon(&f, 1, NULL);
	free(fx_out(&f));
	fix_session_disconnected(f.s, "test");
	assert_true(send_er(&f, "O1", "STALE") == 2);
	fx_logon(&f, 2, NULL);
	free(fx_out(&f));
	fx_in(&f, "8=FIX.4.4|35=A|34=1|49=TW|52=20000101-00:00:00|56=ISLD|98=0|"
	    "108=30|141=Y|");
	free(fx_out(&f));
	fix_session_disconnected(f.s, "test");
	o = fx_reset_logon(&f);
	expect_has(o, "|17=STALE|");
	expect_has(o, "|97=Y|");
	free(o);

	/* A report not yet written when a reset Logon arrives goes once. */
	assert_true(send_er(&f, "O1", "ONCE") > 0);
	assert_int_equal(fx_in(&f, "8=FIX.4.4|35=A|34=2|49=TW|52=<NOW>|56=ISLD|98=0|"
	    "108=30|141=Y|"), FIX_CONT);
	o = fx_out(&f);
	char *first = strstr(o, "|17=ONCE|");
	if (first == NULL || strstr(first + 1, "|17=ONCE|") != NULL ||
	    strstr(o, "|35=A|34=1|") == NULL || strstr(o, "|35=A|34=1|") > first)
		fail_msg("a report of the old numbering at a reset:\n%s", o);
	free(o);
	fx_free(&f);
}

/*
 * A batch counts when its write is done, in the numbering it was written
 * in: one of the old numbering whose write lands after a reset marks
 * nothing of the new (the store's epoch), and the marks of the last
 * writes before a close reach the file with the close.
 */
static void a_late_write_marks_only_its_own_numbering(void **state)
{
	struct fx f;
	struct fix_batch old, fresh;
	char *o;

	(void)state;
	fx_new(&f);
	fx_logon(&f, 1, NULL);
	free(fx_out(&f));
	assert_true(send_er(&f, "O1", "LATE") == 2);
	fix_session_commit(f.s);
	fix_session_take_batch(f.s, &old);  /* its write is under way */
	fix_session_out_clear(f.s);
	/* A reset Logon arrives; LATE, not known to have gone, goes anew. */
	assert_int_equal(fx_in(&f, "8=FIX.4.4|35=A|34=2|49=TW|52=<NOW>|56=ISLD|"
	    "98=0|108=30|141=Y|"), FIX_CONT);
	fix_session_commit(f.s);
	fix_session_take_batch(f.s, &fresh);
	fix_session_out_clear(f.s);
	/* The old write lands; the new one is cancelled by a close. */
	fix_session_batch_sent(f.s, &old);
	fix_batch_free(&old);
	fix_batch_free(&fresh);
	fix_session_disconnected(f.s, "test");
	o = fx_reset_logon(&f);
	expect_has(o, "|17=LATE|");
	free(o);
	/* Written and marked, then the engine closes before any commit:
	 * the close keeps the mark, so a restart's reset sends nothing. */
	assert_true(send_er(&f, "O1", "DONE") > 0);
	free(fx_out(&f));
	fix_engine_close(f.e); /* connected: no disconnect wrote the mark */
	fx_open(&f);
	o = fx_reset_logon(&f);
	expect_lacks(o, "|17=DONE|");
	expect_lacks(o, "|17=LATE|");
	free(o);
	fx_free(&f);
}

/*
 * A reset on disconnect whose store cannot take the reports it kept aside
 * (here a file-size limit, as a full disk would) keeps them, in order,
 * and the next reset Logon sends them.
 */
static void kept_aside_reports_wait_for_a_store_that_takes_them(void **state)
{
	struct fx f;
	struct rlimit was, lim;
	char *o;

	(void)state;
	fx_new_rod(&f, 1);
	fx_logon(&f, 1, NULL);
	free(fx_out(&f));
	assert_true(send_er(&f, "O1", "KEPT1") == 2);
	assert_true(send_er(&f, "O1", "KEPT2") == 3);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &was), 0);
	signal(SIGXFSZ, SIG_IGN);
	lim = was;
	lim.rlim_cur = 64;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	fix_session_disconnected(f.s, "test");
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &was), 0);
	signal(SIGXFSZ, SIG_DFL);
	o = fx_reset_logon(&f);
	char *k1 = strstr(o, "|17=KEPT1|"), *k2 = strstr(o, "|17=KEPT2|");
	if (k1 == NULL || k2 == NULL || k2 < k1)
		fail_msg("reports the store could not take are lost:\n%s", o);
	free(o);
	fx_free(&f);
}

/*
 * A counterparty past its max_msg_rate (here 5 a second, so 50 at once
 * over 10 s) is logged out with a Text that says so, and the message that
 * went over is neither delivered nor counted in: it is sent again after
 * the next Logon.  The bucket refills with time (a message a fifth of a
 * second) and is the session's, not the connection's: logging on again
 * at once does not refill it.
 */
static void message_rate_logs_out_a_flood(void **state)
{
	struct fx f;
	char m[1024], *out;
	const char *why = NULL;
	long long next;

	memset(&f, 0, sizeof f);
	f.rate = 5;
	fx_tmpdir(f.dir, sizeof f.dir, "fixrate");
	fx_open(&f);
	fx_logon(&f, 1, NULL); /* one of the 50 */
	free(fx_out(&f));
	for (int i = 0; i < 49; i++) {
		char t[128];
		snprintf(t, sizeof t, "8=FIX.4.4|35=H|34=%d|49=TW|52=<NOW>|56=ISLD|37=1|11=X|55=QDI|54=1|", i + 2);
		assert_int_equal(fx_in(&f, t), FIX_CONT);
	}
	assert_int_equal(f.seen.napp, 49);
	free(fx_out(&f));
	next = fix_session_next_in(f.s);
	assert_int_equal(next, 51);
	assert_int_equal(fx_in(&f, "8=FIX.4.4|35=H|34=51|49=TW|52=<NOW>|56=ISLD|37=1|11=X|55=QDI|54=1|"),
	                 FIX_CONT);
	out = fx_out(&f);
	if (!strstr(out, "35=5|") || !strstr(out, "58=more than 5 messages a second over 10 s"))
		fail_msg("no Logout naming the rate: %s", out);
	free(out);
	/* What follows is read and dropped (closing with it unread would
	 * reset the connection, and the Logout with it), until its Logout. */
	assert_int_equal(fx_in(&f, "8=FIX.4.4|35=H|34=52|49=TW|52=<NOW>|56=ISLD|37=1|11=X|55=QDI|54=1|"),
	                 FIX_CONT);
	out = fx_out(&f);
	assert_string_equal(out, "");
	free(out);
	assert_int_equal(fx_in(&f, "8=FIX.4.4|35=5|34=53|49=TW|52=<NOW>|56=ISLD|"), FIX_DISCONNECT);
	assert_int_equal(f.seen.napp, 49);
	assert_int_equal(fix_session_next_in(f.s), 51);
	fix_session_disconnected(f.s, "rate");
	/* At once again: refused, the bucket is the session's. */
	size_t n = fx_msg(m, sizeof m, "8=FIX.4.4|35=A|34=51|49=TW|52=<NOW>|56=ISLD|98=0|108=30|", T / NS);
	assert_null(fix_engine_logon(f.e, &f.conn, T, m, n, &why));
	assert_non_null(strstr(why, "max_msg_rate"));
	/* A second later five more may come: the Logon first. */
	T += NS;
	fx_logon(&f, 54, NULL);
	out = fx_out(&f);
	/* Its Logon is answered, and 51, never taken, is asked for again. */
	if (!strstr(out, "35=A|") || !strstr(out, "35=2|") || !strstr(out, "7=51|"))
		fail_msg("after the wait: %s", out);
	free(out);
	/* A flooder that never answers the Logout is cut off after the
	 * wait, and the reason stays the rate. */
	for (int i = 0; i < 10; i++)
		fx_in(&f, "8=FIX.4.4|35=0|34=51|49=TW|52=<NOW>|56=ISLD|43=Y|");
	free(fx_out(&f));
	assert_int_equal(fix_session_tick(f.s, T + NS), FIX_CONT);
	assert_int_equal(fix_session_tick(f.s, T + 3 * NS), FIX_DISCONNECT);
	fx_free(&f);
}

/*
 * The rate's bucket is refilled by the wall clock: a step back (NTP, a
 * resumed machine) left the last mark in the future, so nothing refilled
 * until the wall passed it again, and a steady counterparty was logged
 * out and its Logons refused for as long as the step.  And a resend of
 * what was already taken (PossDup below the next number), dropped
 * unanswered, is not charged: a counterparty answering our ResendRequest
 * resends the messages queued behind the gap too.
 */
static void message_rate_survives_a_clock_step_back_and_resends(void **state)
{
	struct fx f;
	char t[160];
	int seq = 2;

	memset(&f, 0, sizeof f);
	f.rate = 5; /* a bucket of 50 */
	fx_tmpdir(f.dir, sizeof f.dir, "fixrate2");
	fx_open(&f);
	fx_logon(&f, 1, NULL);
	for (int i = 0; i < 10; i++, seq++) {
		snprintf(t, sizeof t, "8=FIX.4.4|35=0|34=%d|49=TW|52=<NOW>|56=ISLD|", seq);
		assert_int_equal(fx_in(&f, t), FIX_CONT);
	}
	/* An hour back, 10 more; then two seconds on: 10 refilled. */
	T -= 3600 * NS;
	for (int i = 0; i < 10; i++, seq++) {
		snprintf(t, sizeof t, "8=FIX.4.4|35=0|34=%d|49=TW|52=<NOW>|56=ISLD|", seq);
		assert_int_equal(fx_in(&f, t), FIX_CONT);
	}
	T += 2 * NS;
	/* 39 left: 30 heartbeats, and 40 resends of old numbers between
	 * them, which are dropped and cost nothing. */
	for (int i = 0; i < 30; i++, seq++) {
		snprintf(t, sizeof t, "8=FIX.4.4|35=0|34=%d|49=TW|52=<NOW>|56=ISLD|", seq);
		assert_int_equal(fx_in(&f, t), FIX_CONT);
		if (i % 3 == 0)
			continue;
		snprintf(t, sizeof t, "8=FIX.4.4|35=0|34=%d|43=Y|49=TW|52=<NOW>|56=ISLD|"
		         "122=<NOW>|", 2 + i);
		assert_int_equal(fx_in(&f, t), FIX_CONT);
		snprintf(t, sizeof t, "8=FIX.4.4|35=0|34=%d|43=Y|49=TW|52=<NOW>|56=ISLD|"
		         "122=<NOW>|", 3 + i);
		assert_int_equal(fx_in(&f, t), FIX_CONT);
	}
	char *out = fx_out(&f);
	if (strstr(out, "35=5|"))
		fail_msg("logged out within the rate: %s", out);
	free(out);
	/* Nine left; the tenth is over. */
	for (int i = 0; i < 9; i++, seq++) {
		snprintf(t, sizeof t, "8=FIX.4.4|35=0|34=%d|49=TW|52=<NOW>|56=ISLD|", seq);
		assert_int_equal(fx_in(&f, t), FIX_CONT);
	}
	free(fx_out(&f));
	snprintf(t, sizeof t, "8=FIX.4.4|35=0|34=%d|49=TW|52=<NOW>|56=ISLD|", seq);
	fx_in(&f, t);
	out = fx_out(&f);
	if (!strstr(out, "35=5|") || !strstr(out, "max_msg_rate"))
		fail_msg("not logged out past the rate: %s", out);
	free(out);
	T += 3600 * NS - 2 * NS;
	fx_free(&f);
}

static void sessions_file_errors_name_file_index_field_value(void **state)
{
	static const struct {
		const char *json, *want;
	} cases[] = {
		{"{\"sessions\":[{\"name\":\"a\",\"version\":\"FIX.4.4\",\"sender\":\"S\",\"target\":\"T\",\"heartbeat\":0}]}",
		 "sessions[0].heartbeat 0: must be 1 to 3600"},
		{"{\"sessions\":[{\"name\":\"a\",\"version\":\"FIX.4.3\",\"sender\":\"S\",\"target\":\"T\"}]}",
		 "sessions[0].version \"FIX.4.3\": must be FIX.4.2 or FIX.4.4"},
		{"{\"sessions\":[{\"name\":\"a\",\"version\":\"FIX.4.4\",\"sender\":\"S\",\"target\":\"T\"},"
		 "{\"name\":\"b\",\"version\":\"FIX.4.4\",\"sender\":\"S\",\"target\":\"T\"}]}",
		 "sessions[1].target \"T\": FIX.4.4 T->S (target to sender) is also sessions[0]'s"},
		{"{\"sessions\":[{\"name\":\"a\",\"version\":\"FIX.4.4\",\"target\":\"T\"}]}",
		 "sessions[0].sender: missing"},
		{"{\"sessions\":[{\"name\":\"a\",\"version\":\"FIX.4.4\",\"sender\":\"S\",\"target\":\"T\",\"role\":\"boss\"}]}",
		 "sessions[0].role \"boss\": must be trader, supervisor or viewer"},
		{"{\"sessions\":[{\"name\":\"a\",\"version\":\"FIX.4.4\",\"sender\":\"S\",\"target\":\"T\",\"hb\":3}]}",
		 "sessions[0].hb: unknown field"},
		{"{\"sessions\":[]}", "sessions: must be a list of at least one session"},
		{"{\"sessions\":[{\"name\":\"a\",\"version\":\"FIX.4.4\",\"sender\":\"S\",\"target\":\"T\","
		 "\"max_msg_rate\":0}]}", "sessions[0].max_msg_rate 0: must be a whole number of messages"},
		{"{\"sessions\":[{\"name\":\"a\",\"version\":\"FIX.4.4\",\"sender\":\"S\",\"target\":\"T\","
		 "\"max_msg_rate\":2.5}]}", "sessions[0].max_msg_rate 2.5: must be a whole number"},
		{"{\"sessions\":[{\"name\":\"a\",\"version\":\"FIX.4.4\",\"sender\":\"S\",\"target\":\"T\","
		 "\"max_msg_rate\":\"100\"}]}", "sessions[0].max_msg_rate \"100\": must be a whole"},
		/* A key twice: which session is the OMS's would depend on the
		 * reader. */
		{"{\"sessions\":[{\"name\":\"a\",\"version\":\"FIX.4.4\",\"sender\":\"S\",\"target\":\"T\","
		 "\"target\":\"U\"}]}", "\"target\" appears twice in sessions.0"},
		{"{\"sessions\":[{\"name\":\"a\",\"version\":\"FIX.4.4\",\"sender\":\"S\",\"target\":\"T\"}]}x",
		 "1 bytes after the JSON value"},
		{"{\"sessions\":[{\"name\":\"a\",\"version\":\"FIX.4.4\",\"sender\":\"S\",\"target\":\"T\","
		 "\"dictionary\":\"/nonexistent/FIX44.xml\"}]}",
		 "sessions[0].dictionary \"/nonexistent/FIX44.xml\": No such file or directory"},
		{"{\"sessions\":[{\"name\":\"a\",\"version\":\"FIX.4.4\",\"sender\":\"S\",\"target\":\"T\","
		 "\"user\":\"j.smith\\u0001\\nroot\"}]}",
		 "sessions[0].user \"j.smith\\x01\\x0aroot\": 1 to 32 letters"},
	};
	char dir[64], p[128], err[512];
	fx_tmpdir(dir, sizeof dir, "fixcfg");
	snprintf(p, sizeof p, "%s/sessions.json", dir);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		FILE *fp = fopen(p, "w");
		fputs(cases[i].json, fp);
		fclose(fp);
		struct fix_sess_cfg *cfg = NULL;
		int n = 0;
		assert_int_equal(fix_sessions_load(p, &cfg, &n, err, sizeof err), -1);
		if (!strstr(err, cases[i].want) || !strstr(err, p))
			fail_msg("case %zu: %s", i, err);
	}
	FILE *fp = fopen(p, "w");
	fputs("{\"sessions\":[{\"name\":\"a\",\"version\":\"FIX.4.2\",\"sender\":\"S\",\"target\":\"T\"}]}", fp);
	fclose(fp);
	struct fix_sess_cfg *cfg = NULL;
	int n = 0;
	assert_int_equal(fix_sessions_load(p, &cfg, &n, err, sizeof err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(cfg[0].heartbeat, 30);
	assert_string_equal(cfg[0].role, "trader");
	assert_string_equal(cfg[0].user, "a");
	free(cfg);
	unlink(p);
	rmdir(dir);
}

static void mutated_messages_never_crash_the_session(void **state)
{
	static const char *seeds[][2] = {
		{"D", "49=TW|52=<NOW>|56=ISLD|11=A|38=100|40=1|54=1|55=IBM|60=<NOW>|"},
		{"2", "49=TW|52=<NOW>|56=ISLD|7=1|16=0|"},
		{"4", "49=TW|52=<NOW>|56=ISLD|36=3|123=Y|"},
		{"1", "43=Y|49=TW|52=<NOW>|56=ISLD|122=<NOW>|112=x|"},
		{"A", "49=TW|52=<NOW>|56=ISLD|98=0|108=30|141=Y|"},
	};
	struct fx f;
	fx_new(&f);
	fx_logon(&f, 1, NULL);
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	char text[256], m[1024], buf[4096];
	for (int i = 0; i < 20000; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		snprintf(text, sizeof text, "8=FIX.4.4|35=%s|34=%d|%s", seeds[x % 5][0],
		         (int)((x >> 8) % 40), seeds[x % 5][1]);
		size_t n = fx_msg(m, sizeof m, text, T / NS);
		int muts = 1 + (int)((x >> 20) % 4);
		for (int k = 0; k < muts; k++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			size_t at = (size_t)(x % n);
			switch ((x >> 32) % 4) {
			case 0: m[at] = (char)(x >> 40); break;
			case 1: m[at] = '\001'; break;
			case 2: n = at + 1; break;
			default:
				if (n + 8 < sizeof m) {
					memmove(m + at + 8, m + at, n - at);
					n += 8;
				}
			}
		}
		/* Frame it the way the acceptor does, then hand it over. */
		memcpy(buf, m, n);
		size_t st, en;
		int r = fix_frame(buf, n, &st, &en);
		if (r == 1 && fix_session_logged_on(f.s)) {
			if (fix_session_input(f.s, T, buf + st, en - st) == FIX_DISCONNECT) {
				fix_session_disconnected(f.s, "mutation");
				fx_logon(&f, fix_session_next_in(f.s), NULL);
			}
		}
		fix_session_out_clear(f.s);
		if (!fix_session_logged_on(f.s))
			fx_logon(&f, fix_session_next_in(f.s), NULL);
	}
	/* Still a session: a TestRequest is answered. */
	char t[128];
	fix_session_out_clear(f.s);
	snprintf(t, sizeof t, "8=FIX.4.4|35=1|34=%lld|49=TW|52=<NOW>|56=ISLD|112=alive|",
	         fix_session_next_in(f.s));
	fx_in(&f, t);
	char *o = fx_out(&f);
	expect_has(o, "|112=alive|");
	free(o);
	fx_free(&f);
}

/* A TestReqID of 200 bytes comes back whole (it was dropped above 127);
 * one longer than any message of ours can carry gets a Reject naming
 * tag 112, never a Heartbeat without it. */
static void long_test_req_id_is_echoed_whole(void **state)
{
	struct fx f;
	char id[5000], t[5200];

	(void)state;
	fx_new(&f);
	fx_logon(&f, 1, NULL);
	free(fx_out(&f));
	memset(id, 'q', 200);
	id[200] = '\0';
	snprintf(t, sizeof t, "8=FIX.4.4|35=1|34=2|49=TW|52=<NOW>|56=ISLD|112=%s|", id);
	assert_int_equal(fx_in(&f, t), FIX_CONT);
	char *o = fx_out(&f);
	char want[220];
	/* The id is 200 bytes here: the precision says so to -Wformat-truncation. */
	snprintf(want, sizeof want, "|112=%.200s|", id);
	expect_has(o, "|35=0|");
	expect_has(o, want);
	free(o);
	memset(id, 'q', 4500);
	id[4500] = '\0';
	snprintf(t, sizeof t, "8=FIX.4.4|35=1|34=3|49=TW|52=<NOW>|56=ISLD|112=%s|", id);
	assert_int_equal(fx_in(&f, t), FIX_CONT);
	o = fx_out(&f);
	expect_has(o, "|35=3|");
	expect_has(o, "|371=112|");
	free(o);
	assert_true(fix_session_next_in(f.s) == 4);
	fx_free(&f);
}

/* A ResendRequest whose BeginSeqNo is below 1, or whose EndSeqNo (not
 * 0) is below its BeginSeqNo, gets a Reject naming the tag: it was
 * answered by a SequenceReset numbered -5, or one whose NewSeqNo is
 * below its own number, which no counterparty can follow. */
static void bad_resend_range_is_rejected(void **state)
{
	/* Each range and the tag its Reject names: below 1, backwards, and
	 * from above the last number sent (nothing there to fill: a GapFill
	 * numbered 500 would take the counterparty's number back; it was
	 * sent, 34=500 with 36=4). */
	static const struct {
		const char *range, *tag;
	} bad[] = {
		{ "7=-5|16=3|", "|371=7|" },
		{ "7=4|16=2|", "|371=16|" },
		{ "7=500|16=0|", "|371=7|" },
	};
	struct fx f;
	char text[160];

	(void)state;
	fx_new(&f);
	fx_logon(&f, 1, NULL);
	free(fx_out(&f));
	for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
		snprintf(text, sizeof text, "8=FIX.4.4|35=2|34=%zu|49=TW|52=<NOW>|"
		         "56=ISLD|%s", k + 2, bad[k].range);
		assert_int_equal(fx_in(&f, text), FIX_CONT);
		char *o = fx_out(&f);
		expect_has(o, "|35=3|");
		expect_has(o, bad[k].tag);
		expect_lacks(o, "|35=4|");
		free(o);
		/* The request's own number is taken. */
		assert_true(fix_session_next_in(f.s) == (long long)k + 3);
	}
	fx_free(&f);
}

static void kick_nothing(void *conn)
{
	(void)conn;
}

/*
 * A ResendRequest whose answer is larger than the session's output bound
 * (16 MiB; 4,800 reports of 3,900 bytes here, about 55,000 of an engine's
 * own) is answered a chunk at a time as the acceptor asks for the next
 * (fix_session_pump): every report again with PossDupFlag, in order, none
 * twice, no chunk above 300 KiB, no disconnect (there was one, "output
 * buffer above 16777216 bytes", so an OMS that had missed a day's fills
 * could never hear them).  A report made while the resend runs waits
 * until it is done, then goes once, as new.
 */
static void big_resend_goes_a_chunk_at_a_time(void **state)
{
	enum { N = 4800 };
	struct fx f;
	char text[3901], id[16];
	long long want = 2, live = -1;
	size_t biggest = 0, total = 0;
	int rounds = 0, live_seen = 0;

	(void)state;
	fx_new(&f);
	fx_logon(&f, 1, NULL);
	free(fx_out(&f));
	fix_session_set_kick(f.s, kick_nothing);
	memset(text, 'x', sizeof text - 1);
	text[sizeof text - 1] = '\0';
	for (int i = 0; i < N; i++) {
		struct fix_out er;

		snprintf(id, sizeof id, "E%d", i);
		fix_out_begin(&er, "8");
		fix_out_str(&er, 37, "O1");
		fix_out_str(&er, 17, id);
		fix_out_str(&er, 58, text);
		assert_true(fix_send(f.s, &er) == i + 2);
		if (i % 256 == 255)
			free(fx_out(&f));
	}
	free(fx_out(&f));
	assert_int_equal(fx_in(&f, "8=FIX.4.4|35=2|34=2|49=TW|52=<NOW>|56=ISLD|7=2|16=0|"),
	                 FIX_CONT);
	for (;;) {
		size_t n = fix_session_out_len(f.s);
		char *o, *p;

		if (n > biggest)
			biggest = n;
		total += n;
		o = fx_out(&f);
		for (p = o; (p = strstr(p, "|35=8|34=")) != NULL; p++) {
			long long seq = atoll(p + 9);

			if (seq == live) {
				/* The live one: after every resent one, as new. */
				assert_true(want == N + 2);
				assert_true(strncmp(strchr(p + 9, '|'), "|43=Y|", 6) != 0);
				live_seen++;
				continue;
			}
			if (seq != want)
				fail_msg("resent %lld where %lld was next", seq, want);
			assert_true(strncmp(strchr(p + 9, '|'), "|43=Y|", 6) == 0);
			want++;
		}
		free(o);
		if (rounds++ == 3) {
			/* A report made while the resend runs. */
			struct fix_out er;

			fix_out_begin(&er, "8");
			fix_out_str(&er, 37, "O1");
			fix_out_str(&er, 17, "LIVE");
			live = fix_send(f.s, &er);
			assert_true(live == N + 2);
			assert_int_equal(fix_session_out_len(f.s), 0);
		}
		if (!fix_session_pump(f.s) && fix_session_out_len(f.s) == 0)
			break;
		assert_true(rounds < 1000);
	}
	fprintf(stderr, "big resend: %lld reports again in %d chunks of at most "
	    "%zu bytes, %zu in all\n", want - 2, rounds, biggest, total);
	assert_true(want == N + 2);
	assert_int_equal(live_seen, 1);
	assert_true(total > (16u << 20));
	assert_true(biggest < (300u << 10));
	assert_true(fix_session_logged_on(f.s));
	fx_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(restart_resumes_numbers_and_resends_from_store),
		cmocka_unit_test(big_resend_goes_a_chunk_at_a_time),
		cmocka_unit_test(too_high_asks_for_resend_and_holds_back),
		cmocka_unit_test(too_low_without_possdup_logs_out_and_disconnects),
		cmocka_unit_test(possdup_resend_is_not_delivered_twice),
		cmocka_unit_test(silence_gives_heartbeat_test_request_then_disconnect),
		cmocka_unit_test(reset_logon_inside_session_starts_at_one),
		cmocka_unit_test(second_logon_is_refused_and_first_kept),
		cmocka_unit_test(garbled_message_changes_nothing),
		cmocka_unit_test(store_that_cannot_be_written_sends_nothing),
		cmocka_unit_test(reset_keeps_the_reports_sent),
		cmocka_unit_test(reset_after_restart_sends_what_was_made_while_away),
		cmocka_unit_test(reset_sends_what_never_went_out),
		cmocka_unit_test(kept_aside_reports_survive_what_follows_the_reset),
		cmocka_unit_test(a_late_write_marks_only_its_own_numbering),
		cmocka_unit_test(kept_aside_reports_wait_for_a_store_that_takes_them),
		cmocka_unit_test(sent_while_logged_out_is_kept_for_resend),
		cmocka_unit_test(torn_store_tail_is_cut_and_damage_refused),
		cmocka_unit_test(sessions_file_errors_name_file_index_field_value),
		cmocka_unit_test(message_rate_logs_out_a_flood),
		cmocka_unit_test(message_rate_survives_a_clock_step_back_and_resends),
		cmocka_unit_test(mutated_messages_never_crash_the_session),
		cmocka_unit_test(long_test_req_id_is_echoed_whole),
		cmocka_unit_test(bad_resend_range_is_rejected),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
