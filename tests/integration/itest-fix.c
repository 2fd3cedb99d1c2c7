/*
 * tests/integration/itest-fix.c -- the FIX application layer in the real
 * engine, driven by a small raw FIX.4.4 client written here (a socket,
 * BodyLength and CheckSum, sequence numbers, ResendRequest on a gap): it
 * links nothing of engine/.
 *
 * fix_orders_become_blocks_and_hear_every_fill: a control client's submit
 *   with the gateway session's FIX origin is refused (role, naming
 *   origin.session) and makes no FIX order; a NewOrderSingle becomes
 *   a block with its FIX origin (New, 37 = the block); every fill is an
 *   ExecutionReport F with LastQty, LastPx, LastMkt, CumQty, LeavesQty and
 *   AvgPx, ExecIDs never repeat, and CumQty is the running sum of LastQty;
 *   a duplicate ClOrdID and a fractional OrderQty are Rejected (39=8) with
 *   OrdRejReason and a Text naming the tag and value; a person's pause and
 *   resume are Restated (150=D, "paused by USER: reason", 39=9 while
 *   paused); H answers the status; G amends the quantity (150=5, 41 the old
 *   ClOrdID); F on an unknown order is an OrderCancelReject (9); F cancels
 *   (150=4) and the LastQty summed is what the engine says was filled;
 *   `fix_status` lists the session and its open order; a window that
 *   ends with shares left (AtEnd leave) is reported Expired (150=C).
 * fix_kill9_every_fill_reported_once: an aggressive order fills while the
 *   engine is killed with SIGKILL twice, the first time after the client
 *   logged on again with ResetSeqNumFlag (which empties the store); after
 *   each restart (same journal, same store) the client logs on again,
 *   asks for what it missed, and in
 *   the end has heard every fill exactly once: no ExecID twice, resends
 *   included, and the LastQty
 *   summed equals the block's filled quantity and `tranched tca`'s.
 * fix_possdup_known_by_its_number: a D taken just before a crash, its
 *   number not yet in the store, comes back PossDup under that number and
 *   hears its status; a PossDup D reusing its ClOrdID under another number
 *   is a duplicate (103=6).
 * fix_second_symbol_fills_carry_its_time: an order on the second symbol
 *   of a two-symbol session hears each fill at the fill's own time, the
 *   journal's, to the millisecond.  TransactTime was the first market's
 *   clock, up to a loop step (0.34 s at 50x) ahead of the second's.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "ipc/codec.h"
#include "tests/integration/itest.h"

static const char *tranched;

/* ---- a raw FIX.4.4 initiator ---- */

struct fc {
	int fd;
	long long out, in;     /* next to send, next expected */
	int resending;         /* a ResendRequest is out */
	const char *ver, *sender;  /* NULL: FIX.4.4 and OMS */
	char buf[1 << 17];
	size_t len;
};

static int
fc_connect(struct fc *c, int port)
{
	struct sockaddr_in a;

	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	c->fd = socket(AF_INET, SOCK_STREAM, 0);
	c->len = 0;
	c->resending = 0;
	for (int i = 0; i < 100; i++) {
		if (connect(c->fd, (struct sockaddr *)&a, sizeof a) == 0)
			return 0;
		usleep(50000);
	}
	return -1;
}

static void
fc_time(char *buf, size_t n)
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(buf, n, "%Y%m%d-%H:%M:%S", &tm);
}

/* Send type with body ("tag=value|..."; '|' is SOH), our header added. */
static void
fc_send(struct fc *c, const char *type, const char *body)
{
	char hdr[256], msg[4096], full[4400], ts[32];
	unsigned sum = 0;
	int n;

	fc_time(ts, sizeof ts);
	snprintf(hdr, sizeof hdr, "35=%s|34=%lld|49=%s|56=TRANCHE|52=%s|", type,
	    c->out++, c->sender ? c->sender : "OMS", ts);
	snprintf(msg, sizeof msg, "%s%s", hdr, body);
	for (char *p = msg; *p; p++)
		if (*p == '|')
			*p = '\001';
	n = snprintf(full, sizeof full, "8=%s\0019=%zu\001%s",
	    c->ver ? c->ver : "FIX.4.4", strlen(msg), msg);
	for (int i = 0; i < n; i++)
		sum += (unsigned char)full[i];
	n += snprintf(full + n, sizeof full - (size_t)n, "10=%03u\001",
	    sum % 256);
	if (getenv("ITEST_FIX_TRACE") != NULL)
		fprintf(stderr, ">> %s%s\n", hdr, body);
	assert_int_equal(write(c->fd, full, (size_t)n), n);
}

/* One whole message, SOH shown as '|': 1, 0 on timeout, -1 closed. */
static int
fc_read(struct fc *c, char *out, size_t cap, int timeout_ms)
{
	long long t0 = itest_now_ms();

	for (;;) {
		char *end = NULL;

		/* A message ends with "\00110=NNN\001". */
		for (size_t i = 0; i + 7 < c->len; i++)
			if (memcmp(c->buf + i, "\00110=", 4) == 0 &&
			    c->buf[i + 7] == '\001') {
				end = c->buf + i + 8;
				break;
			}
		if (end != NULL) {
			size_t n = (size_t)(end - c->buf);

			assert_true(n < cap);
			memcpy(out, c->buf, n);
			out[n] = '\0';
			for (size_t i = 0; i < n; i++)
				if (out[i] == '\001')
					out[i] = '|';
			memmove(c->buf, end, c->len - n);
			c->len -= n;
			if (getenv("ITEST_FIX_TRACE") != NULL)
				fprintf(stderr, "<< %s\n", out);
			return 1;
		}
		int left = timeout_ms - (int)(itest_now_ms() - t0);
		struct pollfd p = { c->fd, POLLIN, 0 };

		if (left <= 0)
			return 0;
		if (poll(&p, 1, left) <= 0)
			continue;
		ssize_t k = read(c->fd, c->buf + c->len, sizeof c->buf - c->len);
		if (k <= 0)
			return -1;
		c->len += (size_t)k;
	}
}

/* The value of tag in a shown message, or "". */
static const char *
fv(const char *msg, int tag, char *out, size_t n)
{
	char pat[16];
	const char *p;

	snprintf(pat, sizeof pat, "|%d=", tag);
	out[0] = '\0';
	if ((p = strstr(msg, pat)) == NULL)
		return out;
	p += strlen(pat);
	size_t k = strcspn(p, "|");
	snprintf(out, n, "%.*s", (int)(k < n ? k : n - 1), p);
	return out;
}

static long long
fvi(const char *msg, int tag)
{
	char v[64];

	return atoll(fv(msg, tag, v, sizeof v));
}

/*
 * The next application message (or Logon/Logout/Reject), keeping the
 * session: heartbeats are skipped, test requests answered, a gap asked
 * for, a GapFill followed.  *possdup says a resend.  1, 0, -1 as fc_read.
 */
static int
fc_next(struct fc *c, char *msg, size_t cap, int timeout_ms, int *possdup)
{
	char v[64], body[128];
	long long t0 = itest_now_ms();

	for (;;) {
		int left = timeout_ms - (int)(itest_now_ms() - t0), rv;
		long long seq;

		if (left <= 0)
			return 0;
		if ((rv = fc_read(c, msg, cap, left)) <= 0)
			return rv;
		seq = fvi(msg, 34);
		fv(msg, 35, v, sizeof v);
		*possdup = strstr(msg, "|43=Y|") != NULL;
		if (strcmp(v, "4") == 0) {
			/* SequenceReset: the next is NewSeqNo. */
			c->in = fvi(msg, 36);
			continue;
		}
		if (strcmp(v, "A") == 0) {
			/* A Logon is taken as it comes; a gap before it is asked
			 * for after it. */
			if (seq > c->in) {
				snprintf(body, sizeof body, "7=%lld|16=0|", c->in);
				fc_send(c, "2", body);
				c->resending = 1;
			} else
				c->in = seq + 1;
			return 1;
		}
		if (seq > c->in && strcmp(v, "5") != 0) {
			if (!c->resending) {
				snprintf(body, sizeof body, "7=%lld|16=0|", c->in);
				fc_send(c, "2", body);
				c->resending = 1;
			}
			continue;
		}
		if (seq < c->in)
			continue;
		c->in = seq + 1;
		c->resending = 0;
		if (strcmp(v, "0") == 0)
			continue;
		if (strcmp(v, "1") == 0) {
			snprintf(body, sizeof body, "112=%s|", fv(msg, 112, v,
			    sizeof v));
			fc_send(c, "0", body);
			continue;
		}
		if (strcmp(v, "2") == 0) {
			/* We keep nothing to resend: a gap fill to now. */
			snprintf(body, sizeof body, "123=Y|36=%lld|", c->out);
			c->out--;
			fc_send(c, "4", body);
			continue;
		}
		return 1;
	}
}

static void
fc_logon(struct fc *c, int port)
{
	char msg[8192];
	int pd;

	assert_int_equal(fc_connect(c, port), 0);
	fc_send(c, "A", "98=0|108=30|");
	assert_int_equal(fc_next(c, msg, sizeof msg, 10000, &pd), 1);
	if (strstr(msg, "|35=A|") == NULL)
		fail_msg("expected a Logon, got %s", msg);
}

/* The OMS logs on again on a new connection with ResetSeqNumFlag: both
 * numbers start again at 1 (the session's store starts afresh). */
static void
fc_logon_reset(struct fc *c, int port)
{
	char msg[8192];
	int pd;

	close(c->fd);
	c->out = 1;
	c->in = 1;
	c->resending = 0;
	c->len = 0;
	assert_int_equal(fc_connect(c, port), 0);
	fc_send(c, "A", "98=0|108=30|141=Y|");
	assert_int_equal(fc_next(c, msg, sizeof msg, 10000, &pd), 1);
	if (strstr(msg, "|35=A|") == NULL || strstr(msg, "|34=1|") == NULL)
		fail_msg("expected a Logon at 1, got %s", msg);
}

/* ---- the engine ---- */

static int
free_port(void)
{
	struct sockaddr_in a;
	socklen_t n = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &n), 0);
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

struct rig {
	char dir[256], sessions[300], store[300], journal[300];
	char a_listen[64], a_sessions[320], a_store[320], a_journal[320];
	int port;
};

static void
rig_make(struct rig *r)
{
	FILE *f;

	snprintf(r->dir, sizeof r->dir, "%s/tranche-fixapp-XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(r->dir));
	snprintf(r->sessions, sizeof r->sessions, "%s/sessions.json", r->dir);
	snprintf(r->store, sizeof r->store, "%s/store", r->dir);
	snprintf(r->journal, sizeof r->journal, "%s/j.trj", r->dir);
	assert_non_null(f = fopen(r->sessions, "w"));
	fprintf(f, "{\"sessions\":[{\"name\":\"oms\",\"version\":\"FIX.4.4\","
	    "\"sender\":\"TRANCHE\",\"target\":\"OMS\",\"heartbeat\":30,"
	    "\"role\":\"trader\",\"user\":\"oms-desk\"}]}\n");
	fclose(f);
	r->port = free_port();
	snprintf(r->a_listen, sizeof r->a_listen, "--fix-listen=tcp://"
	    "127.0.0.1:%d", r->port);
	snprintf(r->a_sessions, sizeof r->a_sessions, "--fix-sessions=%s",
	    r->sessions);
	snprintf(r->a_store, sizeof r->a_store, "--fix-store=%s", r->store);
	snprintf(r->a_journal, sizeof r->a_journal, "--journal=%s",
	    r->journal);
}

static void
rig_free(struct rig *r)
{
	char cmd[300];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", r->dir);
	assert_int_equal(system(cmd), 0);
}

static double
block_num(struct itest_engine *e, const char *id, const char *name)
{
	cJSON *r = itest_cmd(e, "{\"cmd\":\"status\"}"), *b;
	double v = -1;

	cJSON_ArrayForEach(b, cJSON_GetObjectItem(r, "blocks"))
		if (strcmp(itest_str(b, "id"), id) == 0)
			v = cJSON_GetObjectItem(b, name)->valuedouble;
	cJSON_Delete(r);
	return v;
}

/* Read reports until one with ExecType et (for ClOrdID, if given); fills
 * on the way are added to *sum and checked. */
struct heard {
	char ids[4096][64];
	int n;
	long long sum, cum;
};

static void
heard_add(struct heard *h, const char *msg)
{
	char id[64], et[8];

	/* fc_next() has dropped what was already received (a MsgSeqNum below
	 * the next expected), so a report here is new to the OMS, resent
	 * (PossDup) or not: an ExecID it has heard before is a second
	 * report of the same execution. */
	fv(msg, 17, id, sizeof id);
	for (int i = 0; i < h->n; i++)
		if (strcmp(h->ids[i], id) == 0)
			fail_msg("ExecID %s heard twice: %s", id, msg);
	assert_true(h->n < 4096);
	snprintf(h->ids[h->n++], sizeof h->ids[0], "%s", id);
	if (strcmp(fv(msg, 150, et, sizeof et), "F") == 0) {
		char v[64];

		h->sum += fvi(msg, 32);
		if (fvi(msg, 14) != h->sum)
			fail_msg("CumQty %lld after %lld heard: %s", fvi(msg, 14),
			    h->sum, msg);
		assert_true(fv(msg, 31, v, sizeof v)[0] != '\0');
		assert_string_equal(fv(msg, 30, v, sizeof v), "lit");
		assert_true(fv(msg, 151, v, sizeof v)[0] != '\0');
		assert_true(fv(msg, 6, v, sizeof v)[0] != '\0');
		h->cum = fvi(msg, 14);
	}
}

static void
expect(struct fc *c, struct heard *h, const char *type, const char *et,
       char *msg, size_t cap)
{
	char v[64];
	int pd;
	long long t0 = itest_now_ms();

	for (;;) {
		if (itest_now_ms() - t0 > 20000 ||
		    fc_next(c, msg, cap, 20000, &pd) != 1)
			fail_msg("no 35=%s 150=%s within 20 s", type, et ? et : "-");
		if (strcmp(fv(msg, 35, v, sizeof v), "8") == 0 &&
		    strcmp(fv(msg, 39, v, sizeof v), "8") != 0 &&
		    strcmp(fv(msg, 150, v, sizeof v), "I") != 0)
			heard_add(h, msg);
		if (strcmp(fv(msg, 35, v, sizeof v), type) == 0 && (et == NULL ||
		    strcmp(fv(msg, 150, v, sizeof v), et) == 0))
			return;
	}
}

static void
fix_orders_become_blocks_and_hear_every_fill(void **state)
{
	struct itest_engine e;
	struct rig r;
	struct fc c = { .out = 1, .in = 1 };
	static struct heard h;
	char msg[8192], v[256], body[512];
	cJSON *st;

	rig_make(&r);
	assert_int_equal(itest_start(&e, tranched, "--scenario=calm",
	    "--speed=60", r.a_listen, r.a_sessions, r.a_store, (char *)NULL), 0);
	fc_logon(&c, r.port);

	fc_send(&c, "D", "11=X1|55=QDI|54=1|38=3000|40=1|59=0|60=20261203-"
	    "09:30:00|126=20261203-09:50:00|847=1000|5002=aggressive|5005=6|"
	    "5006=0.5|");
	expect(&c, &h, "8", "0", msg, sizeof msg);
	assert_string_equal(fv(msg, 37, v, sizeof v), "2");
	assert_string_equal(fv(msg, 11, v, sizeof v), "X1");
	assert_string_equal(fv(msg, 39, v, sizeof v), "0");
	assert_int_equal(fvi(msg, 151), 3000);
	/* CatchUp(5005) and CatchUpMax(5006) are the block's own catch-up. */
	st = itest_cmd(&e, "{\"cmd\":\"status\"}");
	{
		const cJSON *b, *b2 = NULL;

		cJSON_ArrayForEach(b, cJSON_GetObjectItem(st, "blocks"))
			if (strcmp(itest_str(b, "id"), "2") == 0)
				b2 = b;
		assert_non_null(b2);
		assert_non_null(cJSON_GetObjectItem(b2, "catchup"));
		assert_non_null(cJSON_GetObjectItem(b2, "catchup_max"));
		assert_true(cJSON_GetObjectItem(b2, "catchup")->valuedouble == 6);
		assert_true(cJSON_GetObjectItem(b2, "catchup_max")->valuedouble ==
		    0.5);
	}
	cJSON_Delete(st);

	/* The OMS, unsure we heard X1, sends it again marked PossResend: it
	 * hears X1's status (150=I), not a Rejected it could take for the
	 * fate of the order working, and no second block is made.  Reused
	 * for another side, the ClOrdID is a duplicate as without 97. */
	fc_send(&c, "D", "97=Y|11=X1|55=QDI|54=1|38=3000|40=1|59=0|60=20261203-"
	    "09:30:00|126=20261203-09:50:00|847=1000|5002=aggressive|");
	expect(&c, &h, "8", "I", msg, sizeof msg);
	assert_string_equal(fv(msg, 37, v, sizeof v), "2");
	assert_string_equal(fv(msg, 11, v, sizeof v), "X1");
	assert_true(strcmp(fv(msg, 39, v, sizeof v), "0") == 0 ||
	    strcmp(v, "1") == 0);
	assert_non_null(strstr(fv(msg, 58, v, sizeof v), "sent again"));
	/* Again, its ExpireTime passed since: the checks it met when it
	 * came are not made again. */
	fc_send(&c, "D", "97=Y|11=X1|55=QDI|54=1|38=3000|40=1|60=20261203-"
	    "09:30:00|126=20261203-09:29:00|");
	expect(&c, &h, "8", "I", msg, sizeof msg);
	assert_string_equal(fv(msg, 37, v, sizeof v), "2");
	/* PossDupFlag under a number X1 did not come with is another
	 * message reusing the id, a duplicate (X1's own number, in a gap
	 * fill after a crash: fix_possdup_known_by_its_number). */
	fc_send(&c, "D", "43=Y|122=20261203-09:30:00|11=X1|55=QDI|54=1|"
	    "38=3000|40=1|60=20261203-09:30:00|");
	expect(&c, &h, "8", "8", msg, sizeof msg);
	assert_int_equal(fvi(msg, 103), 6);
	assert_non_null(strstr(fv(msg, 58, v, sizeof v), "already used"));
	fc_send(&c, "D", "97=Y|11=X1|55=QDI|54=2|38=3000|40=1|59=0|60=20261203-"
	    "09:30:00|");
	expect(&c, &h, "8", "8", msg, sizeof msg);
	assert_int_equal(fvi(msg, 103), 6);
	assert_non_null(strstr(fv(msg, 58, v, sizeof v), "already used"));
	st = itest_cmd(&e, "{\"cmd\":\"status\"}");
	/* The scenario's block 1 and X1's block 2. */
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(st, "blocks")),
	    2);
	cJSON_Delete(st);

	/* Refusals name the tag and value. */
	fc_send(&c, "D", "11=X1|55=QDI|54=1|38=100|40=1|60=20261203-09:30:00|");
	expect(&c, &h, "8", "8", msg, sizeof msg);
	assert_string_equal(fv(msg, 39, v, sizeof v), "8");
	assert_int_equal(fvi(msg, 103), 6);
	assert_non_null(strstr(fv(msg, 58, v, sizeof v), "ClOrdID(11) \"X1\": "
	    "already used"));
	fc_send(&c, "D", "11=X9|55=QDI|54=1|38=12.5|40=1|60=20261203-09:30:00|");
	expect(&c, &h, "8", "8", msg, sizeof msg);
	assert_non_null(strstr(fv(msg, 58, v, sizeof v), "OrderQty(38) "
	    "\"12.5\""));
	fc_send(&c, "D", "11=X6|55=QDI|54=1|38=100|40=1|60=20261203-09:30:00|"
	    "5005=2000|");
	expect(&c, &h, "8", "8", msg, sizeof msg);
	assert_non_null(strstr(fv(msg, 58, v, sizeof v), "CatchUp(5005) "
	    "\"2000\": must be a number of slices"));
	fc_send(&c, "D", "11=X8|55=ZZZ|54=1|38=100|40=1|60=20261203-09:30:00|");
	expect(&c, &h, "8", "8", msg, sizeof msg);
	assert_int_equal(fvi(msg, 103), 1);
	assert_non_null(strstr(fv(msg, 58, v, sizeof v), "\"ZZZ\""));
	/* A ClOrdID with a control character or bytes that are not UTF-8
	 * is named as sent, not as the engine's command id it would become
	 * (found by a review: 'field "id" "fix-oms-3-Z..."'). */
	fc_send(&c, "D", "11=Z\x7f" "2|55=QDI|54=1|38=100|40=1|60=20261203-"
	    "09:30:00|");
	expect(&c, &h, "8", "8", msg, sizeof msg);
	assert_non_null(strstr(fv(msg, 58, v, sizeof v), "ClOrdID(11) \"Z"));
	assert_non_null(strstr(v, "a control character (U+007F)"));
	assert_null(strstr(v, "fix-"));
	fc_send(&c, "D", "11=Z\xff" "1|55=QDI|54=1|38=100|40=1|60=20261203-"
	    "09:30:00|");
	expect(&c, &h, "8", "8", msg, sizeof msg);
	assert_non_null(strstr(fv(msg, 58, v, sizeof v), "ClOrdID(11) \"Z"));
	assert_non_null(strstr(v, "not valid UTF-8"));
	/* Over the desk's limit on a block: 103=3, naming OrderQty and the
	 * limit. */
	fc_send(&c, "D", "11=X7|55=QDI|54=1|38=6000000|40=1|60=20261203-"
	    "09:30:00|");
	expect(&c, &h, "8", "8", msg, sizeof msg);
	assert_int_equal(fvi(msg, 103), 3);
	assert_non_null(strstr(fv(msg, 58, v, sizeof v), "OrderQty(38) "
	    "\"6000000\""));
	assert_non_null(strstr(fv(msg, 58, v, sizeof v),
	    "limits.block_shares"));
	/* Found by a probe on 2026-12-06.  The id of an order the OMS heard
	 * rejected stays used: sent again in a form that would pass, marked
	 * PossResend or not, it is not a new order. */
	fc_send(&c, "D", "97=Y|11=X7|55=QDI|54=1|38=6000|40=1|60=20261203-"
	    "09:30:00|");
	expect(&c, &h, "8", "8", msg, sizeof msg);
	assert_int_equal(fvi(msg, 103), 6);
	assert_non_null(strstr(fv(msg, 58, v, sizeof v), "by an order that was "
	    "rejected"));
	/* Side as sent in a refusal; a price closer to a tick than a
	 * double can tell is still off the tick; a limit replace without a
	 * price is refused, not made a market order. */
	fc_send(&c, "D", "11=X3|55=QDI|54=5|38=100|40=1|60=20261203-09:30:00|");
	expect(&c, &h, "8", "8", msg, sizeof msg);
	assert_string_equal(fv(msg, 54, v, sizeof v), "5");
	fc_send(&c, "D", "11=X4|55=QDI|54=1|38=100|40=2|44=99.1099999999|"
	    "60=20261203-09:30:00|");
	expect(&c, &h, "8", "8", msg, sizeof msg);
	assert_non_null(strstr(fv(msg, 58, v, sizeof v), "Price(44) "
	    "99.1099999999: not a whole number of ticks"));
	fc_send(&c, "G", "41=X1|11=X5|55=QDI|54=1|38=3000|40=2|60=20261203-"
	    "09:30:00|");
	expect(&c, &h, "9", NULL, msg, sizeof msg);
	assert_non_null(strstr(fv(msg, 58, v, sizeof v), "Price(44) \"\": a "
	    "limit order (OrdType 2) needs a price"));
	/* What a D refuses, a G refuses too, naming the tag (found by an
	 * adversarial review, 2026-12-07: a price on a market replace was
	 * dropped, the order made a market one; an IOC was Replaced and
	 * worked as a day order). */
	fc_send(&c, "G", "41=X1|11=GX1|55=QDI|54=1|38=3000|40=1|44=99.10|"
	    "60=20261203-09:30:00|");
	expect(&c, &h, "9", NULL, msg, sizeof msg);
	assert_non_null(strstr(fv(msg, 58, v, sizeof v), "Price(44) 99.10: a "
	    "market order (OrdType 1) has no price"));
	fc_send(&c, "G", "41=X1|11=GX2|55=QDI|54=1|38=3000|40=2|44=99.10|59=3|"
	    "60=20261203-09:30:00|");
	expect(&c, &h, "9", NULL, msg, sizeof msg);
	assert_non_null(strstr(fv(msg, 58, v, sizeof v), "TimeInForce(59) "
	    "\"3\": must be 0 (day) or 6"));
	/* An OrdType the dictionary does not know is the session's to
	 * refuse, naming the tag. */
	fc_send(&c, "G", "41=X1|11=GX3|55=QDI|54=1|38=3000|40=3|44=99.10|"
	    "60=20261203-09:30:00|");
	expect(&c, &h, "3", NULL, msg, sizeof msg);
	assert_int_equal(fvi(msg, 371), 40);

	/* Some fills, then a person pauses the block. */
	while (h.sum < 300)
		expect(&c, &h, "8", "F", msg, sizeof msg);
	st = itest_cmd(&e, "{\"cmd\":\"pause\",\"id\":\"p1\",\"block\":\"2\","
	    "\"reason\":\"news on the wire\"}");
	assert_true(itest_ok(st));
	cJSON_Delete(st);
	expect(&c, &h, "8", "D", msg, sizeof msg);
	assert_string_equal(fv(msg, 39, v, sizeof v), "9");
	assert_non_null(strstr(fv(msg, 58, v, sizeof v), "paused by "));
	assert_non_null(strstr(v, ": news on the wire"));
	/* A control client cannot put an order in the gateway's name: the
	 * OMS would hear reports of an order it never sent. */
	st = itest_cmd(&e, "{\"cmd\":\"submit\",\"id\":\"f1\",\"sym\":"
	    "\"QDI\",\"side\":\"buy\",\"qty\":2000,\"duration_s\":300,"
	    "\"origin\":{\"kind\":\"fix\",\"session\":\"oms\",\"clordid\":"
	    "\"FORGED-1\"},\"reason\":\"forged\"}");
	assert_false(itest_ok(st));
	assert_string_equal(itest_err(st), "role");
	assert_non_null(strstr(itest_errmsg(st), "origin.session"));
	assert_non_null(strstr(itest_errmsg(st), "\"oms\""));
	cJSON_Delete(st);
	st = itest_cmd(&e, "{\"cmd\":\"fix_status\"}");
	assert_true(itest_ok(st));
	{
		char *txt = cJSON_PrintUnformatted(st);

		assert_non_null(strstr(txt, "\"name\":\"oms\""));
		assert_non_null(strstr(txt, "\"clordid\":\"X1\""));
		assert_null(strstr(txt, "FORGED-1"));
		cJSON_free(txt);
	}
	cJSON_Delete(st);
	/* Nor rename the gateway's order, nor cancel it under a ClOrdID
	 * of its own choosing: both are reported to the OMS. */
	st = itest_cmd(&e, "{\"cmd\":\"amend\",\"id\":\"f2\",\"block\":"
	    "\"2\",\"qty\":3000,\"clordid\":\"FORGED-2\",\"reason\":"
	    "\"forged\"}");
	assert_false(itest_ok(st));
	assert_string_equal(itest_err(st), "role");
	assert_non_null(strstr(itest_errmsg(st), "\"clordid\" \"FORGED-2\""));
	cJSON_Delete(st);
	st = itest_cmd(&e, "{\"cmd\":\"cancel\",\"id\":\"f3\",\"block\":"
	    "\"2\",\"fix_clordid\":\"FORGED-3\",\"reason\":\"forged\"}");
	assert_false(itest_ok(st));
	assert_string_equal(itest_err(st), "role");
	assert_non_null(strstr(itest_errmsg(st), "\"fix_clordid\""));
	cJSON_Delete(st);
	st = itest_cmd(&e, "{\"cmd\":\"fix_status\"}");
	{
		char *txt = cJSON_PrintUnformatted(st);

		assert_null(strstr(txt, "FORGED"));
		cJSON_free(txt);
	}
	cJSON_Delete(st);
	st = itest_cmd(&e, "{\"cmd\":\"resume\",\"id\":\"p2\",\"block\":\"2\","
	    "\"reason\":\"clear\"}");
	assert_true(itest_ok(st));
	cJSON_Delete(st);
	expect(&c, &h, "8", "D", msg, sizeof msg);
	assert_non_null(strstr(fv(msg, 58, v, sizeof v), "resumed by "));

	/* Status, then a replace to a larger quantity. */
	fc_send(&c, "H", "11=X1|55=QDI|54=1|");
	expect(&c, &h, "8", "I", msg, sizeof msg);
	assert_string_equal(fv(msg, 11, v, sizeof v), "X1");
	/* A replace cannot change the block's catch-up: another CatchUp is
	 * refused naming it; repeating the order's own is taken. */
	fc_send(&c, "G", "41=X1|11=X5|55=QDI|54=1|38=5000|40=1|60=20261203-"
	    "09:30:00|5005=2|");
	expect(&c, &h, "9", NULL, msg, sizeof msg);
	if (strcmp(fv(msg, 58, v, sizeof v), "CatchUp(5005) \"2\": block 2's "
	    "is 6; a replace cannot change it") != 0)
		fail_msg("a G asking for another catch-up: %s", msg);
	fc_send(&c, "G", "41=X1|11=X2|55=QDI|54=1|38=5000|40=1|60=20261203-"
	    "09:30:00|5005=6|5006=0.5|");
	expect(&c, &h, "8", "5", msg, sizeof msg);
	assert_string_equal(fv(msg, 41, v, sizeof v), "X1");
	assert_string_equal(fv(msg, 11, v, sizeof v), "X2");
	assert_int_equal(fvi(msg, 38), 5000);

	/* A cancel of an unknown order, then of this one. */
	fc_send(&c, "F", "41=NOPE|11=C0|55=QDI|54=1|60=20261203-09:30:00|");
	expect(&c, &h, "9", NULL, msg, sizeof msg);
	assert_int_equal(fvi(msg, 434), 1);
	assert_non_null(strstr(fv(msg, 58, v, sizeof v), "OrigClOrdID(41) "
	    "\"NOPE\""));
	/* A cancel whose own ClOrdID has a control character: named as
	 * sent, and the order goes on. */
	fc_send(&c, "F", "41=X2|11=Q\x7f" "1|55=QDI|54=1|60=20261203-09:30:00|");
	expect(&c, &h, "9", NULL, msg, sizeof msg);
	assert_non_null(strstr(fv(msg, 58, v, sizeof v), "ClOrdID(11) \"Q"));
	assert_non_null(strstr(v, "a control character (U+007F)"));
	fc_send(&c, "F", "41=X2|11=C1|55=QDI|54=1|60=20261203-09:30:00|");
	for (;;) {
		expect(&c, &h, "8", NULL, msg, sizeof msg);
		fv(msg, 150, v, sizeof v);
		if (strcmp(v, "4") == 0 || strcmp(v, "2") == 0 ||
		    (strcmp(v, "F") == 0 && fvi(msg, 151) == 0))
			break;
	}
	if (strcmp(v, "4") == 0) {
		assert_string_equal(fv(msg, 41, v, sizeof v), "X2");
		assert_string_equal(fv(msg, 11, v, sizeof v), "C1");
		assert_int_equal(fvi(msg, 151), 0);
		/* The cancel sent again marked PossResend: the order's
		 * status (Canceled), not a reject of a cancel that was
		 * made. */
		fc_send(&c, "F", "97=Y|41=X2|11=C1|55=QDI|54=1|60=20261203-"
		    "09:30:00|");
		expect(&c, &h, "8", "I", msg, sizeof msg);
		assert_string_equal(fv(msg, 39, v, sizeof v), "4");
		assert_string_equal(fv(msg, 11, v, sizeof v), "C1");
		assert_string_equal(fv(msg, 41, v, sizeof v), "X2");
		assert_non_null(strstr(fv(msg, 58, v, sizeof v),
		    "sent again"));
		/* A cancel under the order's own first ClOrdID is not that
		 * cancel sent again: refused as the duplicate it is. */
		fc_send(&c, "F", "97=Y|41=X2|11=X1|55=QDI|54=1|60=20261203-"
		    "09:30:00|");
		expect(&c, &h, "9", NULL, msg, sizeof msg);
		assert_non_null(strstr(fv(msg, 58, v, sizeof v), "already used"));
	} else
		fprintf(stderr, "fix: filled before the cancel; its PossResend "
		    "not tried\n");
	assert_int_equal(fvi(msg, 151), 0);
	assert_true(h.sum > 0);
	assert_true(h.sum == (long long)block_num(&e, "2", "filled"));
	fprintf(stderr, "fix: %d reports, %lld shares heard, block filled %.0f\n",
	    h.n, h.sum, block_num(&e, "2", "filled"));

	/* A window that ends with shares left (leave them, passive): Expired. */
	st = itest_cmd(&e, "{\"cmd\":\"status\"}");
	{
		long long t = atoll(itest_str(st, "t")) / 1000000000LL + 20;

		snprintf(body, sizeof body, "11=E1|55=QDI|54=1|38=90000|40=1|"
		    "60=20261203-09:30:00|126=20261203-%02lld:%02lld:%02lld|"
		    "5002=passive|5004=leave|", t / 3600, t / 60 % 60, t % 60);
	}
	cJSON_Delete(st);
	h.sum = 0;
	fc_send(&c, "D", body);
	expect(&c, &h, "8", "0", msg, sizeof msg);
	expect(&c, &h, "8", "C", msg, sizeof msg);
	assert_string_equal(fv(msg, 39, v, sizeof v), "C");
	assert_string_equal(fv(msg, 11, v, sizeof v), "E1");
	assert_int_equal(fvi(msg, 151), 0);
	assert_int_equal(fvi(msg, 14), h.sum);
	assert_true(h.sum < 90000);
	snprintf(body, sizeof body, "58=bye|");
	fc_send(&c, "5", body);
	close(c.fd);
	assert_int_equal(itest_stop(&e), 0);
	rig_free(&r);
}

static void
fix_kill9_every_fill_reported_once(void **state)
{
	struct itest_engine e;
	struct rig r;
	struct fc c = { .out = 1, .in = 1 };
	static struct heard h;
	char msg[8192], v[64], cmd[900];
	long long t0;
	int pd, kills = 0, rv;
	FILE *p;
	double filled, tca = -1;

	memset(&h, 0, sizeof h);
	rig_make(&r);
	assert_int_equal(itest_start(&e, tranched, "--scenario=calm",
	    "--speed=240", r.a_listen, r.a_sessions, r.a_store, r.a_journal,
	    (char *)NULL), 0);
	fc_logon(&c, r.port);
	fc_send(&c, "D", "11=K1|55=QDI|54=2|38=6000|40=1|60=20261203-09:30:00|"
	    "126=20261203-09:45:00|5002=aggressive|");
	expect(&c, &h, "8", "0", msg, sizeof msg);
	while (kills < 2) {
		/* Some fills heard, then kill -9 in the middle. */
		long long before = h.sum;

		while (h.sum < before + 1000 && h.sum < 4000)
			expect(&c, &h, "8", "F", msg, sizeof msg);
		if (kills == 0) {
			/* A reset of the numbers empties the store: what the OMS
			 * heard before it must stay heard after the crash (it was
			 * sent again, as new, under the new numbers).  The block
			 * is paused and the line quiet first: what is in flight
			 * when a counterparty resets is lost by FIX's own rule. */
			cJSON *st = itest_cmd(&e, "{\"cmd\":\"pause\",\"id\":"
			    "\"k-p\",\"block\":\"2\",\"reason\":\"reset\"}");

			assert_true(itest_ok(st));
			cJSON_Delete(st);
			expect(&c, &h, "8", "D", msg, sizeof msg);
			while (fc_next(&c, msg, sizeof msg, 1500, &pd) == 1)
				if (strcmp(fv(msg, 35, v, sizeof v), "8") == 0)
					heard_add(&h, msg);
			fc_logon_reset(&c, r.port);
			st = itest_cmd(&e, "{\"cmd\":\"resume\",\"id\":\"k-r\","
			    "\"block\":\"2\",\"reason\":\"reset done\"}");
			assert_true(itest_ok(st));
			cJSON_Delete(st);
			before = h.sum;
			while (h.sum < before + 500 && h.sum < 4000)
				expect(&c, &h, "8", "F", msg, sizeof msg);
		}
		itest_kill9(&e);
		close(c.fd);
		kills++;
		assert_int_equal(itest_start(&e, tranched, "--scenario=calm",
		    "--speed=240", r.a_listen, r.a_sessions, r.a_store,
		    r.a_journal, (char *)NULL), 0);
		fc_logon(&c, r.port);
	}
	/* Everything after, until the block is done. */
	t0 = itest_now_ms();
	while (h.cum < 6000 && itest_now_ms() - t0 < 60000) {
		if ((rv = fc_next(&c, msg, sizeof msg, 2000, &pd)) != 1)
			continue;
		if (strcmp(fv(msg, 35, v, sizeof v), "8") != 0)
			continue;
		heard_add(&h, msg);
	}
	filled = block_num(&e, "2", "filled");
	fprintf(stderr, "fix kill -9: %d kills, %d reports, %lld shares heard, "
	    "block filled %.0f\n", kills, h.n, h.sum, filled);
	assert_true(h.sum == (long long)filled);
	assert_int_equal(h.sum, 6000);
	close(c.fd);
	assert_int_equal(itest_stop(&e), 0);
	/* tranched tca reads the journal: the same shares. */
	snprintf(cmd, sizeof cmd, "'%s' tca '%s' --json 2>/dev/null", tranched,
	    r.journal);
	assert_non_null(p = popen(cmd, "r"));
	{
		/* One JSON object a line, one line a block. */
		static char line[1 << 20];

		while (fgets(line, sizeof line, p) != NULL) {
			cJSON *j = cJSON_Parse(line);

			if (j != NULL && strcmp(itest_str(j, "block"), "2") == 0)
				tca = cJSON_GetObjectItem(j, "filled")->valuedouble;
			cJSON_Delete(j);
		}
		pclose(p);
	}
	fprintf(stderr, "fix kill -9: tranched tca says block 2 filled %.0f\n",
	    tca);
	assert_true(tca == (double)h.sum);
	rig_free(&r);
}

/*
 * fix_people_and_long_session_names: a block paused by a person, then
 *   halted by the kill switch, is still paused after the release, and its
 *   report says so (39=9 until the resume); a session whose name has the
 *   32 characters a sessions file allows places orders and hears FIX.4.2
 *   reports (its name was cut to 31 and the order refused); a D or G
 *   the engine refuses has a Text naming the tag and value sent, not only
 *   the engine's field ("sym"); a G or F naming another side or symbol
 *   than the order's is refused (it was carried out on the order).
 */
static void
fix_people_and_long_session_names(void **state)
{
	static const char lname[] = "abcdefghijabcdefghijabcdefghij32";
	struct itest_engine e;
	struct rig r;
	struct fc c = { .out = 1, .in = 1 };
	struct fc l = { .out = 1, .in = 1, .ver = "FIX.4.2",
	    .sender = "LONG" };
	static struct heard h;
	char msg[8192], v[256], st42[8];
	const char *steps[][3] = {
		{ "pause", "\"block\":\"2\",", "9" },
		{ "kill", "", "9" },
		{ "release", "", "9" },
		{ "resume", "\"block\":\"2\",", "0" },
	};
	FILE *f;
	cJSON *st;

	memset(&h, 0, sizeof h);
	rig_make(&r);
	assert_non_null(f = fopen(r.sessions, "w"));
	fprintf(f, "{\"sessions\":[{\"name\":\"oms\",\"version\":\"FIX.4.4\","
	    "\"sender\":\"TRANCHE\",\"target\":\"OMS\",\"role\":\"trader\"},"
	    "{\"name\":\"%s\",\"version\":\"FIX.4.2\",\"sender\":\"TRANCHE\","
	    "\"target\":\"LONG\"}]}\n", lname);
	fclose(f);
	assert_int_equal(itest_start(&e, tranched, "--scenario=calm",
	    "--speed=10", r.a_listen, r.a_sessions, r.a_store, (char *)NULL), 0);
	fc_logon(&c, r.port);
	fc_send(&c, "D", "11=P1|55=QDI|54=1|38=3000|40=1|60=20261203-09:30:00|"
	    "126=20261203-15:50:00|847=1000|5002=passive|");
	expect(&c, &h, "8", "0", msg, sizeof msg);
	assert_string_equal(fv(msg, 37, v, sizeof v), "2");
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		char cmd[256];

		snprintf(cmd, sizeof cmd, "{\"cmd\":\"%s\",\"id\":\"s%zu\",%s"
		    "\"reason\":\"step %zu\"}", steps[i][0], i, steps[i][1], i);
		st = itest_cmd(&e, cmd);
		assert_true(itest_ok(st));
		cJSON_Delete(st);
		expect(&c, &h, "8", "D", msg, sizeof msg);
		fv(msg, 39, v, sizeof v);
		if (strcmp(steps[i][2], "0") == 0 ? strcmp(v, "9") == 0 :
		    strcmp(v, steps[i][2]) != 0)
			fail_msg("after %s, OrdStatus %s: %s", steps[i][0], v, msg);
	}

	/* What the engine refuses names the tag sent and its value. */
	fc_send(&c, "D", "11=P9|55=ZZZ|54=1|38=100|40=1|60=20261203-09:30:00|");
	expect(&c, &h, "8", "8", msg, sizeof msg);
	if (strncmp(fv(msg, 58, v, sizeof v), "Symbol(55) \"ZZZ\": refused: ",
	    27) != 0)
		fail_msg("a D for ZZZ: %s", msg);
	fc_send(&c, "G", "41=P1|11=P2|55=QDI|54=1|40=1|126=20261203-09:00:00|"
	    "60=20261203-09:30:00|");
	expect(&c, &h, "9", NULL, msg, sizeof msg);
	if (strncmp(fv(msg, 58, v, sizeof v), "ExpireTime(126) \"20261203-"
	    "09:00:00\": refused: ", 46) != 0)
		fail_msg("a G ending at 09:00: %s", msg);

	/* A replace that names another side or symbol is refused. */
	fc_send(&c, "G", "41=P1|11=P3|55=QDI|54=2|38=4000|40=1|"
	    "60=20261203-09:30:00|");
	expect(&c, &h, "9", NULL, msg, sizeof msg);
	if (strncmp(fv(msg, 58, v, sizeof v), "Side(54) \"2\": ", 14) != 0)
		fail_msg("a G selling a buy: %s", msg);
	fc_send(&c, "F", "41=P1|11=P4|55=XYZ|54=1|60=20261203-09:30:00|");
	expect(&c, &h, "9", NULL, msg, sizeof msg);
	if (strncmp(fv(msg, 58, v, sizeof v), "Symbol(55) \"XYZ\": ", 18) != 0)
		fail_msg("an F for XYZ: %s", msg);

	/* The 32-character session. */
	fc_logon(&l, r.port);
	fc_send(&l, "D", "11=L1|21=1|55=QDI|54=1|38=100|40=1|60=20261203-"
	    "09:30:00|");
	expect(&l, &h, "8", NULL, msg, sizeof msg);
	if (strcmp(fv(msg, 39, v, sizeof v), "0") != 0)
		fail_msg("the order of session %s: %s", lname, msg);
	/* FIX.4.2's form: ExecTransType, no OrdRejReason 99, and
	 * LastShares and LastPx, which 4.2 requires on every report. */
	assert_string_equal(fv(msg, 20, v, sizeof v), "0");
	assert_string_equal(fv(msg, 32, v, sizeof v), "0");
	assert_string_equal(fv(msg, 31, v, sizeof v), "0");
	fc_send(&l, "H", "11=L1|55=QDI|54=1|");
	expect(&l, &h, "8", NULL, msg, sizeof msg);
	assert_string_equal(fv(msg, 20, v, sizeof v), "3");
	/* 4.2 has no ExecType I: a status answer's is the status. */
	assert_string_equal(fv(msg, 150, v, sizeof v), fv(msg, 39, st42,
	    sizeof st42));
	assert_string_equal(fv(msg, 32, v, sizeof v), "0");
	assert_string_equal(fv(msg, 31, v, sizeof v), "0");
	assert_string_equal(fv(msg, 37, v, sizeof v), "3");
	/* A 4.2 cancel: Canceled, with the request's ids. */
	fc_send(&l, "F", "41=L1|11=L2|55=QDI|54=1|38=100|60=20261203-"
	    "09:30:00|");
	expect(&l, &h, "8", "4", msg, sizeof msg);
	assert_string_equal(fv(msg, 39, v, sizeof v), "4");
	assert_string_equal(fv(msg, 11, v, sizeof v), "L2");
	assert_string_equal(fv(msg, 41, v, sizeof v), "L1");
	assert_string_equal(fv(msg, 20, v, sizeof v), "0");
	assert_string_equal(fv(msg, 32, v, sizeof v), "0");
	assert_string_equal(fv(msg, 31, v, sizeof v), "0");
	close(l.fd);
	close(c.fd);
	assert_int_equal(itest_stop(&e), 0);
	rig_free(&r);
}

/*
 * fix_big_resend_is_answered: a counterparty that reads asks for a range
 * whose answer is more than the 1 MiB the acceptor lets wait for a peer
 * that stopped reading (5,000 reports): every one comes again (PossDup),
 * and the session is not cut off as "not reading" (it was, at once, so
 * an OMS that had missed a day's fills could never hear them).
 */
static void
fix_big_resend_is_answered(void **state)
{
	struct itest_engine e;
	struct rig r;
	struct fc c = { .out = 1, .in = 1 };
	char msg[8192], body[64];
	int n = 0, rv, pd;

	FILE *f;

	rig_make(&r);
	/* 5,000 messages in a few seconds: far past the default rate, which
	 * fix_status_flood_is_logged_out holds to. */
	assert_non_null(f = fopen(r.sessions, "w"));
	fprintf(f, "{\"sessions\":[{\"name\":\"oms\",\"version\":\"FIX.4.4\","
	    "\"sender\":\"TRANCHE\",\"target\":\"OMS\",\"max_msg_rate\":"
	    "100000}]}\n");
	fclose(f);
	assert_int_equal(itest_start(&e, tranched, "--scenario=calm",
	    "--speed=1", r.a_listen, r.a_sessions, r.a_store, (char *)NULL), 0);
	fc_logon(&c, r.port);
	/* 5,000 status answers (each stored, about 270 bytes), 500 at a
	 * time so that this side reads as it goes. */
	for (int batch = 0; batch < 10; batch++) {
		for (int i = 0; i < 500; i++) {
			snprintf(body, sizeof body, "11=N%d|55=QDI|54=1|",
			    batch * 500 + i);
			fc_send(&c, "H", body);
		}
		while (n < (batch + 1) * 500) {
			if ((rv = fc_next(&c, msg, sizeof msg, 10000, &pd)) != 1)
				fail_msg("status answer %d: %d", n, rv);
			if (strstr(msg, "|35=8|") != NULL)
				n++;
		}
	}
	fc_send(&c, "2", "7=1|16=0|");
	n = 0;
	while ((rv = fc_read(&c, msg, sizeof msg, 5000)) == 1)
		if (strstr(msg, "|35=8|") != NULL && strstr(msg, "|43=Y|") != NULL)
			n++;
	if (n != 5000)
		fail_msg("%d of 5000 reports resent, then %s", n, rv < 0 ?
		    "the connection closed" : "nothing");
	close(c.fd);
	assert_int_equal(itest_stop(&e), 0);
	rig_free(&r);
}

/*
 * fix_status_flood_is_logged_out: every message a counterparty sends may
 * be answered, and every answer is stored: an OMS in a loop asking for an
 * order's status grew the store without bound (about 270 bytes a
 * request), on the disk the journal is on.  At the default rate (100 a
 * second over 10 s) 2,000 requests at once are answered up to about a
 * thousand, then the session is logged out with a Text naming the limit
 * and the engine says so; the engine still trades, and the session logs
 * on again once the rate allows.
 */
static void
fix_status_flood_is_logged_out(void **state)
{
	struct itest_engine e;
	struct rig r;
	struct fc c = { .out = 1, .in = 1 }, c2 = { .out = 1, .in = 1 };
	char msg[8192], body[64], v[256];
	int answered = 0, rv, logout = 0;
	long long want, t0, took = -1;
	cJSON *st;

	rig_make(&r);
	assert_int_equal(itest_start(&e, tranched, "--scenario=calm",
	    "--speed=1", r.a_listen, r.a_sessions, r.a_store, (char *)NULL), 0);
	fc_logon(&c, r.port);
	t0 = itest_now_ms();
	for (int i = 0; i < 2000; i++) {
		snprintf(body, sizeof body, "11=F%d|55=QDI|54=1|", i);
		fc_send(&c, "H", body);
	}
	while ((rv = fc_read(&c, msg, sizeof msg, 3000)) == 1) {
		if (strstr(msg, "|35=8|") != NULL)
			answered++;
		if (strstr(msg, "|35=5|") != NULL) {
			logout = 1;
			took = itest_now_ms() - t0;
			fv(msg, 58, v, sizeof v);
		}
	}
	fprintf(stderr, "fix status flood: %d of 2000 answered, logout after "
	    "%lld ms: %s\n", answered, took, logout ? v : "none");
	assert_true(logout);
	assert_non_null(strstr(v, "more than 100 messages a second over 10 s"));
	/* The Logon took one of the bucket's 1,000, and it refills at 100 a
	 * second while the requests are read (a second or more under the
	 * sanitizers, more on a loaded machine): what the time taken
	 * allows, and no more. */
	assert_true(answered >= 990);
	if (answered > 1000 + 100 * (took + 999) / 1000 + 10)
		fail_msg("%d answered in %lld ms: more than the rate allows",
		    answered, took);
	close(c.fd);
	st = itest_cmd(&e, "{\"cmd\":\"status\"}");
	assert_true(itest_ok(st));
	cJSON_Delete(st);
	/* The bucket refills (a message each 10 ms): the session logs on
	 * again a second later, and the first request it sent past the
	 * limit, number 2 + the answered (the Logon was 1), is asked for
	 * again: it was not taken. */
	sleep(1);
	c2.out = c.out;
	c2.in = 1000000;
	assert_int_equal(fc_connect(&c2, r.port), 0);
	fc_send(&c2, "A", "98=0|108=30|");
	want = 0;
	while (fc_read(&c2, msg, sizeof msg, 3000) == 1)
		if (strstr(msg, "|35=2|") != NULL) {
			want = fvi(msg, 7);
			break;
		}
	fprintf(stderr, "fix status flood: logged on again, asked for %lld on\n",
	    want);
	assert_int_equal(want, 2 + answered);
	close(c2.fd);
	assert_int_equal(itest_stop(&e), 0);
	rig_free(&r);
}

/*
 * fix_forged_origin_is_not_reported_after_a_restart: a control client's
 *   block labelled with a FIX origin while "oms" is not a session of the
 *   engine (accepted: no gateway, nobody to mislead) is kept by a restart
 *   that brings the gateway with "oms", but the gateway does not take it
 *   for the OMS's order: the OMS, logged on, hears no report of it (it
 *   had heard a New and fills for an order it never sent).
 */
static void
fix_forged_origin_is_not_reported_after_a_restart(void **state)
{
	struct itest_engine e;
	struct rig r;
	struct fc c = { .out = 1, .in = 1 };
	char msg[8192], v[64];
	int pd, reports = 0, rv;
	cJSON *st;

	(void)state;
	rig_make(&r);
	assert_int_equal(itest_start(&e, tranched, "--scenario=calm",
	    "--speed=60", r.a_journal, (char *)NULL), 0);
	st = itest_cmd(&e, "{\"cmd\":\"submit\",\"id\":\"g1\",\"sym\":"
	    "\"QDI\",\"side\":\"buy\",\"qty\":20000,\"duration_s\":600,"
	    "\"origin\":{\"kind\":\"fix\",\"session\":\"oms\",\"clordid\":"
	    "\"FORGED-9\"},\"reason\":\"no gateway yet\"}");
	assert_true(itest_ok(st));
	assert_string_equal(itest_str(st, "block"), "2");
	cJSON_Delete(st);
	usleep(300000);
	itest_kill9(&e);
	assert_int_equal(itest_start(&e, tranched, "--scenario=calm",
	    "--speed=60", r.a_listen, r.a_sessions, r.a_store, r.a_journal,
	    (char *)NULL), 0);
	fc_logon(&c, r.port);
	for (long long t0 = itest_now_ms(); itest_now_ms() - t0 < 3000;) {
		if ((rv = fc_next(&c, msg, sizeof msg, 500, &pd)) < 0)
			break;
		if (rv == 1 && strcmp(fv(msg, 35, v, sizeof v), "8") == 0) {
			reports++;
			fprintf(stderr, "forged origin: report %s\n", msg);
		}
	}
	assert_int_equal(reports, 0);
	/* The block the engine said yes to is still there, as it was. */
	assert_true(block_num(&e, "2", "qty") == 20000);
	close(c.fd);
	assert_int_equal(itest_stop(&e), 0);
	rig_free(&r);
}

/*
 * The store of session oms without its I records from seq on: the
 * engine stopped after taking those messages and before the store kept
 * their numbers.  O records' bytes are copied whole.
 */
static void
store_forget_in(const struct rig *r, long long seq)
{
	char path[400], *buf, *out;
	size_t n = 0, k = 0, i = 0;
	FILE *f;

	snprintf(path, sizeof path, "%s/oms.log", r->store);
	assert_non_null(f = fopen(path, "rb"));
	assert_non_null(buf = malloc(1 << 22));
	n = fread(buf, 1, (1 << 22) - 1, f);
	fclose(f);
	assert_non_null(out = malloc(n + 1));
	while (i < n) {
		char *nl = memchr(buf + i, '\n', n - i);
		size_t ll = nl != NULL ? (size_t)(nl - (buf + i)) + 1 : n - i;
		long long a, len;

		if (buf[i] == 'O' && sscanf(buf + i, "O %lld %lld", &a, &len) ==
		    2)
			ll += (size_t)len + 1;
		else if (buf[i] == 'I' && sscanf(buf + i, "I %lld", &a) == 1 &&
		    a >= seq) {
			i += ll;
			continue;
		}
		assert_true(i + ll <= n);
		memcpy(out + k, buf + i, ll);
		k += ll;
		i += ll;
	}
	assert_true(k < n);
	assert_non_null(f = fopen(path, "wb"));
	assert_int_equal(fwrite(out, 1, k, f), k);
	assert_int_equal(fclose(f), 0);
	free(buf);
	free(out);
}

/*
 * fix_possdup_known_by_its_number: two D's the engine took (their News
 *   heard, their blocks journaled), whose incoming numbers the store had
 *   not kept when the engine was killed, are asked for again after the
 *   restart.  The first comes back marked PossDupFlag under its own
 *   number and hears its order's status (150=I), no second block made;
 *   in the second's place comes a D marked PossDup that reuses the
 *   first's ClOrdID under another number, a duplicate: Rejected 103=6.
 */
static void
fix_possdup_known_by_its_number(void **state)
{
	struct itest_engine e;
	struct rig r;
	struct fc c = { .out = 1, .in = 1 };
	static struct heard h;
	char msg[8192], v[256];
	long long t0;
	cJSON *st;

	(void)state;
	memset(&h, 0, sizeof h);
	rig_make(&r);
	assert_int_equal(itest_start(&e, tranched, "--scenario=calm",
	    "--speed=60", r.a_listen, r.a_sessions, r.a_store, r.a_journal,
	    (char *)NULL), 0);
	fc_logon(&c, r.port);
	fc_send(&c, "D", "11=P1|55=QDI|54=1|38=3000|40=1|60=20261203-"
	    "09:30:00|");
	expect(&c, &h, "8", "0", msg, sizeof msg);
	assert_string_equal(fv(msg, 11, v, sizeof v), "P1");
	fc_send(&c, "D", "11=P2|55=QDI|54=1|38=3000|40=1|60=20261203-"
	    "09:30:00|");
	expect(&c, &h, "8", "0", msg, sizeof msg);
	assert_string_equal(fv(msg, 11, v, sizeof v), "P2");
	itest_kill9(&e);
	close(c.fd);
	store_forget_in(&r, 2);
	assert_int_equal(itest_start(&e, tranched, "--scenario=calm",
	    "--speed=60", r.a_listen, r.a_sessions, r.a_store, r.a_journal,
	    (char *)NULL), 0);
	/* Logon at 4: the engine expects 2 and asks for 2 on. */
	c.len = 0;
	c.resending = 0;
	fc_logon(&c, r.port);
	for (t0 = itest_now_ms();;) {
		assert_true(itest_now_ms() - t0 < 20000);
		if (fc_read(&c, msg, sizeof msg, 1000) != 1)
			continue;
		if (fvi(msg, 34) >= c.in)
			c.in = fvi(msg, 34) + 1;
		if (strcmp(fv(msg, 35, v, sizeof v), "2") == 0)
			break;
	}
	assert_int_equal(fvi(msg, 7), 2);
	c.out = 2;
	fc_send(&c, "D", "43=Y|122=20261203-09:30:00|11=P1|55=QDI|54=1|"
	    "38=3000|40=1|60=20261203-09:30:00|");
	fc_send(&c, "D", "43=Y|122=20261203-09:30:00|11=P1|55=QDI|54=1|"
	    "38=3000|40=1|60=20261203-09:30:00|");
	c.out = 5;
	expect(&c, &h, "8", "I", msg, sizeof msg);
	assert_string_equal(fv(msg, 11, v, sizeof v), "P1");
	assert_string_equal(fv(msg, 37, v, sizeof v), "2");
	assert_non_null(strstr(fv(msg, 58, v, sizeof v), "sent again"));
	expect(&c, &h, "8", "8", msg, sizeof msg);
	assert_string_equal(fv(msg, 11, v, sizeof v), "P1");
	assert_int_equal(fvi(msg, 103), 6);
	assert_non_null(strstr(fv(msg, 58, v, sizeof v), "already used"));
	/* The scenario's block 1, P1's 2 and P2's 3: nothing more. */
	st = itest_cmd(&e, "{\"cmd\":\"status\"}");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(st, "blocks")),
	    3);
	cJSON_Delete(st);
	close(c.fd);
	assert_int_equal(itest_stop(&e), 0);
	rig_free(&r);
}

/*
 * fix_rejected_ids_outlive_a_restart: a NewOrderSingle Rejected, the
 *   engine killed and started again, and the same ClOrdID sent again with
 *   PossResend in a form that would pass: still not an order (the id was
 *   kept in memory only, so a restart forgot it).  A ClOrdID longer than
 *   an order may keep is refused naming it, and the refusal carries it
 *   (it said 11=NONE, so the OMS could not tell which order it was).
 */
static void
fix_rejected_ids_outlive_a_restart(void **state)
{
	struct itest_engine e;
	struct rig r;
	struct fc c = { .out = 1, .in = 1 };
	static struct heard h;
	char msg[8192], v[256], body[512], longid[71];
	cJSON *st;

	(void)state;
	memset(&h, 0, sizeof h);
	memset(longid, 'L', 70);
	longid[70] = '\0';
	rig_make(&r);
	assert_int_equal(itest_start(&e, tranched, "--scenario=calm",
	    "--speed=60", r.a_listen, r.a_sessions, r.a_store, r.a_journal,
	    (char *)NULL), 0);
	fc_logon(&c, r.port);
	fc_send(&c, "D", "11=R1|55=QDI|54=1|38=6000000|40=1|60=20261203-"
	    "09:30:00|");
	expect(&c, &h, "8", "8", msg, sizeof msg);
	assert_string_equal(fv(msg, 11, v, sizeof v), "R1");
	assert_int_equal(fvi(msg, 103), 3);
	snprintf(body, sizeof body, "11=%s|55=QDI|54=1|38=100|40=1|"
	    "60=20261203-09:30:00|", longid);
	fc_send(&c, "D", body);
	expect(&c, &h, "8", "8", msg, sizeof msg);
	assert_string_equal(fv(msg, 11, v, sizeof v), longid);
	assert_non_null(strstr(fv(msg, 58, v, sizeof v), "longer than 63"));
	/* A cancel under a long id, of an order that exists: the reject
	 * names it too. */
	fc_send(&c, "D", "11=R2|55=QDI|54=1|38=3000|40=1|60=20261203-"
	    "09:30:00|");
	expect(&c, &h, "8", "0", msg, sizeof msg);
	snprintf(body, sizeof body, "11=%s|41=R2|55=QDI|54=1|38=3000|"
	    "60=20261203-09:30:00|", longid);
	fc_send(&c, "F", body);
	expect(&c, &h, "9", NULL, msg, sizeof msg);
	assert_string_equal(fv(msg, 11, v, sizeof v), longid);
	assert_string_equal(fv(msg, 41, v, sizeof v), "R2");
	assert_non_null(strstr(fv(msg, 58, v, sizeof v), "longer than 63"));
	/* Other, not Duplicate ClOrdID. */
	assert_int_equal(fvi(msg, 102), 99);
	/* A cancel under the rejected order's id: a duplicate (it was
	 * taken, found by a review). */
	fc_send(&c, "F", "11=R1|41=R2|55=QDI|54=1|38=3000|60=20261203-"
	    "09:30:00|");
	expect(&c, &h, "9", NULL, msg, sizeof msg);
	assert_string_equal(fv(msg, 11, v, sizeof v), "R1");
	assert_int_equal(fvi(msg, 102), 6);
	assert_non_null(strstr(fv(msg, 58, v, sizeof v), "by an order that was "
	    "rejected"));
	itest_kill9(&e);
	close(c.fd);
	assert_int_equal(itest_start(&e, tranched, "--scenario=calm",
	    "--speed=60", r.a_listen, r.a_sessions, r.a_store, r.a_journal,
	    (char *)NULL), 0);
	c.len = 0;
	c.resending = 0;
	fc_logon(&c, r.port);
	fc_send(&c, "D", "97=Y|122=20261203-09:30:00|11=R1|55=QDI|54=1|"
	    "38=6000|40=1|60=20261203-09:30:00|");
	expect(&c, &h, "8", "8", msg, sizeof msg);
	assert_string_equal(fv(msg, 11, v, sizeof v), "R1");
	assert_int_equal(fvi(msg, 103), 6);
	assert_non_null(strstr(fv(msg, 58, v, sizeof v), "by an order that was "
	    "rejected"));
	/* The scenario's block 1 and R2's 2: nothing more. */
	st = itest_cmd(&e, "{\"cmd\":\"status\"}");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(st, "blocks")),
	    2);
	cJSON_Delete(st);
	close(c.fd);
	assert_int_equal(itest_stop(&e), 0);
	rig_free(&r);
}

/*
 * fix_reset_logon_hears_what_was_made_while_away: the OMS goes away (its
 *   line quiet first), fills go on, and it comes back with a Logon with
 *   ResetSeqNumFlag: the reports made while it was away, which a reset
 *   would have taken from the store unsent, come after the Logon as new
 *   messages, and in the end it has heard every fill exactly once.
 */
static void
fix_reset_logon_hears_what_was_made_while_away(void **state)
{
	struct itest_engine e;
	struct rig r;
	struct fc c = { .out = 1, .in = 1 };
	static struct heard h;
	char msg[8192], v[64];
	long long t0, away;
	int pd, rv;
	cJSON *st;

	(void)state;
	memset(&h, 0, sizeof h);
	rig_make(&r);
	assert_int_equal(itest_start(&e, tranched, "--scenario=calm",
	    "--speed=240", r.a_listen, r.a_sessions, r.a_store, r.a_journal,
	    (char *)NULL), 0);
	fc_logon(&c, r.port);
	fc_send(&c, "D", "11=W1|55=QDI|54=2|38=6000|40=1|60=20261203-09:30:00|"
	    "126=20261203-09:45:00|5002=aggressive|");
	expect(&c, &h, "8", "0", msg, sizeof msg);
	while (h.sum < 1000)
		expect(&c, &h, "8", "F", msg, sizeof msg);
	/* Quiet, then away: nothing in flight when the line drops. */
	st = itest_cmd(&e, "{\"cmd\":\"pause\",\"id\":\"w-p\",\"block\":"
	    "\"2\",\"reason\":\"away\"}");
	assert_true(itest_ok(st));
	cJSON_Delete(st);
	expect(&c, &h, "8", "D", msg, sizeof msg);
	while (fc_next(&c, msg, sizeof msg, 1500, &pd) == 1)
		if (strcmp(fv(msg, 35, v, sizeof v), "8") == 0)
			heard_add(&h, msg);
	close(c.fd);
	away = h.sum;
	st = itest_cmd(&e, "{\"cmd\":\"resume\",\"id\":\"w-r\",\"block\":"
	    "\"2\",\"reason\":\"go on\"}");
	assert_true(itest_ok(st));
	cJSON_Delete(st);
	/* Fills while it is away. */
	for (t0 = itest_now_ms(); itest_now_ms() - t0 < 20000 &&
	    block_num(&e, "2", "filled") < (double)away + 1000;)
		usleep(100000);
	assert_true(block_num(&e, "2", "filled") >= (double)away + 1000);
	c.fd = -1;
	fc_logon_reset(&c, r.port);
	t0 = itest_now_ms();
	while (h.sum < 6000 && itest_now_ms() - t0 < 60000) {
		if ((rv = fc_next(&c, msg, sizeof msg, 2000, &pd)) < 0)
			break;
		if (rv == 1 && strcmp(fv(msg, 35, v, sizeof v), "8") == 0 &&
		    strcmp(fv(msg, 150, v, sizeof v), "I") != 0)
			heard_add(&h, msg);
	}
	fprintf(stderr, "fix reset logon: %lld shares heard before going away, "
	    "%lld in all, block filled %.0f\n", away, h.sum,
	    block_num(&e, "2", "filled"));
	assert_int_equal(h.sum, 6000);
	assert_true(block_num(&e, "2", "filled") == 6000);
	close(c.fd);
	assert_int_equal(itest_stop(&e), 0);
	rig_free(&r);
}

/*
 * fix_second_symbol_fills_carry_its_time: see the top.  The journal's fill
 * events of the order's block are read out of the records as text
 * (strings(1), as tests/integration/tca-exact.sh does), in the order they
 * were published, which is the order their reports were queued in.
 */
static void
fix_second_symbol_fills_carry_its_time(void **state)
{
	struct itest_engine e;
	struct rig r;
	struct fc c = { .out = 1, .in = 1 };
	static struct heard h;
	static char at[12][40];
	char msg[8192], v[64], block[16], cmd[900], line[4096];
	int n = 0, k = 0, pd, diff = 0;
	long long t0;
	FILE *p;

	memset(&h, 0, sizeof h);
	rig_make(&r);
	assert_int_equal(itest_start(&e, tranched, "--scenario=program",
	    "--speed=50", r.a_listen, r.a_sessions, r.a_store, r.a_journal,
	    (char *)NULL), 0);
	fc_logon(&c, r.port);
	fc_send(&c, "D", "11=Y1|55=XYZ|54=1|38=6000|40=1|60=20261203-09:30:00|"
	    "126=20261203-09:45:00|5002=aggressive|");
	expect(&c, &h, "8", "0", msg, sizeof msg);
	fv(msg, 37, block, sizeof block);
	t0 = itest_now_ms();
	while (h.cum < 6000 && n < 12 && itest_now_ms() - t0 < 60000) {
		if (fc_next(&c, msg, sizeof msg, 2000, &pd) != 1 ||
		    strcmp(fv(msg, 35, v, sizeof v), "8") != 0)
			continue;
		heard_add(&h, msg);
		if (strcmp(fv(msg, 150, v, sizeof v), "F") != 0)
			continue;
		assert_string_equal(fv(msg, 55, v, sizeof v), "XYZ");
		/* 20261203-HH:MM:SS.sss: the time of day. */
		fv(msg, 60, v, sizeof v);
		assert_non_null(strchr(v, '-'));
		snprintf(at[n++], sizeof at[0], "%s", strchr(v, '-') + 1);
	}
	close(c.fd);
	assert_int_equal(itest_stop(&e), 0);
	assert_true(n > 0);

	snprintf(cmd, sizeof cmd, "strings -n 8 '%s' | grep -a '^{\"v\"'",
	    r.journal);
	assert_non_null(p = popen(cmd, "r"));
	while (fgets(line, sizeof line, p) != NULL) {
		cJSON *j = cJSON_Parse(line);
		const cJSON *t = cJSON_GetObjectItem(j, "t");
		char want[40];
		long long ms;

		if (j == NULL || cJSON_GetObjectItem(j, "liq") == NULL ||
		    cJSON_GetObjectItem(j, "child") == NULL ||
		    strcmp(itest_str(j, "block"), block) != 0 ||
		    !cJSON_IsString(t)) {
			cJSON_Delete(j);
			continue;
		}
		ms = strtoll(t->valuestring, NULL, 10) / 1000000;
		snprintf(want, sizeof want, "%02lld:%02lld:%02lld.%03lld",
		    ms / 3600000 % 24, ms / 60000 % 60, ms / 1000 % 60, ms % 1000);
		if (k < n && strcmp(at[k], want) != 0 && diff++ < 5)
			fprintf(stderr, "fill %d of block %s: TransactTime %s, "
			    "the journal's fill %s\n", k + 1, block, at[k], want);
		k++;
		cJSON_Delete(j);
	}
	pclose(p);
	fprintf(stderr, "fix second symbol: %d fill reports, %d journaled fills, "
	    "%d at another time\n", n, k, diff);
	assert_true(k >= n);
	assert_int_equal(diff, 0);
	rig_free(&r);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fix_orders_become_blocks_and_hear_every_fill),
		cmocka_unit_test(fix_kill9_every_fill_reported_once),
		cmocka_unit_test(fix_people_and_long_session_names),
		cmocka_unit_test(fix_big_resend_is_answered),
		cmocka_unit_test(fix_status_flood_is_logged_out),
		cmocka_unit_test(fix_forged_origin_is_not_reported_after_a_restart),
		cmocka_unit_test(fix_reset_logon_hears_what_was_made_while_away),
		cmocka_unit_test(fix_possdup_known_by_its_number),
		cmocka_unit_test(fix_rejected_ids_outlive_a_restart),
		cmocka_unit_test(fix_second_symbol_fills_carry_its_time),
	};

	if (argc < 2) {
		fprintf(stderr, "usage: %s TRANCHED\n", argv[0]);
		return 2;
	}
	tranched = argv[1];
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
