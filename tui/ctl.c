/*
 * tui/ctl.c -- `tranche ctl`: one command to a running engine, its answer
 * printed, for scripts and for people without a console.
 *
 *   tranche ctl [--connect URL] [--tls-ca FILE] [--timeout MS] COMMAND
 *               [ARGS] [--json]
 *
 * Commands are a table (name, what it needs, help).  Each run says hello
 * first, as the console does, so a version mismatch is reported as such
 * rather than as a puzzling refusal, then sends the one command.  The exit
 * status is the contract with scripts: 0 only when the engine answered ok,
 * 1 when it refused or did not answer, 2 for a usage error (a tls+tcp://
 * URL without a CA, an unreadable CA file, included).  --json prints
 * the engine's reply as it came; otherwise a short human form.  Text from
 * the engine is stripped of control characters before it is printed.
 */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ipc/client.h"
#include "tui/tui.h"

#define CTL_TIMEOUT_MS 5000

enum { CTL_JSON = 256, CTL_TIMEOUT, CTL_ROLE, CTL_TOKEN, CTL_TLS_CA,
	CTL_DEADLINE };

/* What a command needs. */
enum {
	CTL_NEEDS_REASON = 1u << 0,
	CTL_NEEDS_BLOCK = 1u << 1,
	CTL_TAKES_BLOCK = 1u << 2,
	CTL_NEEDS_PCT = 1u << 3,
	CTL_TAKES_FIELDS = 1u << 4,  /* KEY=VALUE arguments become fields */
	CTL_OPT_REASON = 1u << 5,    /* a reason is taken but not required */
	CTL_POSITIONAL = 1u << 6,    /* ARGS fill fields in order (ctl_pos) */
};

struct ctl_cmd {
	const char *name;
	unsigned needs;
	const char *args;
	const char *help;
};

static const struct ctl_cmd ctl_cmds[] = {
	{ CMD_STATUS, 0, "", "engine state and every block" },
	{ CMD_SNAPSHOT, 0, "", "the engine's whole state (--json: all of it)" },
	{ CMD_PAUSE, CTL_NEEDS_REASON | CTL_TAKES_BLOCK,
	  "[--block ID] --reason TEXT", "stop sending child orders" },
	{ CMD_RESUME, CTL_NEEDS_REASON | CTL_TAKES_BLOCK,
	  "[--block ID] --reason TEXT", "carry on after a pause" },
	{ CMD_THROTTLE, CTL_NEEDS_REASON | CTL_TAKES_BLOCK | CTL_NEEDS_PCT |
	  CTL_TAKES_FIELDS,
	  "[PCT] [max_child=N] [aggression=A] [at_end=cross|leave] "
	  "[--block ID] --reason TEXT",
	  "participation cap from now on (0 < PCT <= 100), child size, "
	  "aggression cap, end of window (supervisor)" },
	{ CMD_CANCEL, CTL_NEEDS_REASON | CTL_NEEDS_BLOCK | CTL_TAKES_BLOCK,
	  "--block ID --reason TEXT", "cancel the parent order" },
	{ CMD_SUBMIT, CTL_NEEDS_REASON | CTL_TAKES_FIELDS,
	  "sym=S side=buy|sell qty=N duration_s=N [algo=A] [limit_px=N] "
	  "[max_pov=P] [urgency=U] [at_end=cross|leave] [venues=lit,dark,rfq] "
	  "[dealers=all|random:K|top:K|learned:K] [dark_cond=true|false] "
	  "[origin.kind=K origin.session=S "
	  "origin.clordid=ID] --reason TEXT",
	  "a new parent order (origin: ctl unless given)" },
	{ CMD_OVERRIDE, CTL_NEEDS_REASON | CTL_NEEDS_BLOCK | CTL_TAKES_BLOCK |
	  CTL_TAKES_FIELDS, "--block ID action=style|limit|algo|child|"
	  "cancel_child|cancel_children|cost_limit [FIELD=VALUE...] --reason TEXT",
	  "steer one block: force a style, set a limit, switch algo, manual "
	  "child, cancel one child (child=c17), a cost limit (supervisor)" },
	{ CMD_KILL, CTL_NEEDS_REASON, "--reason TEXT",
	  "supervisor: halt everything" },
	{ CMD_RELEASE, CTL_NEEDS_REASON, "--reason TEXT",
	  "supervisor: resume after kill" },
	{ CMD_SPEED, CTL_NEEDS_REASON | CTL_TAKES_FIELDS,
	  "speed=1|10|60|max|N --reason TEXT", "supervisor: simulated speed" },
	{ CMD_JOURNAL_RESUME, CTL_NEEDS_REASON, "--reason TEXT",
	  "supervisor: trade again after JOURNAL-HALTED, once the disk is "
	  "writable" },
	{ CMD_ACK, CTL_OPT_REASON | CTL_TAKES_FIELDS,
	  "alert=SEQ|all=true [--reason TEXT]",
	  "acknowledge an alert, or every alert the engine holds" },
	{ CMD_VENUE, CTL_NEEDS_REASON | CTL_TAKES_FIELDS,
	  "venue=dark|rfq|dealer=NAME enabled=true|false --reason TEXT",
	  "supervisor: turn the dark pool, RFQ or a dealer off or on" },
	{ CMD_ESTIMATE, CTL_TAKES_BLOCK | CTL_TAKES_FIELDS,
	  "[--block ID] [sym=S] [side=buy|sell] qty=N | --block ID pct=P",
	  "impact of a marketable child now (model, square-root law), 5-min "
	  "volume; with pct, where a throttle to P% takes the block" },
	{ CMD_AMEND, CTL_NEEDS_REASON | CTL_NEEDS_BLOCK | CTL_TAKES_BLOCK |
	  CTL_TAKES_FIELDS, "--block ID [qty=N] [limit_px=N] [end=NS] "
	  "--reason TEXT", "amend a live block's quantity (not below what is "
	  "filled), limit price (0: none) or end of window" },
	{ CMD_FIX_STATUS, 0, "(or: fix status)",
	  "the FIX sessions, their sequence numbers and open FIX orders" },
	{ "rfq", CTL_NEEDS_REASON | CTL_POSITIONAL,
	  "BLOCK QTY [DEALERS] [--deadline S] --reason TEXT",
	  "ask dealers (all, or D1,D3) for QTY shares of BLOCK; the request "
	  "waits for accept or reject and expires at its deadline" },
	{ "accept", CTL_NEEDS_REASON | CTL_POSITIONAL,
	  "RFQ DEALER --reason TEXT", "take DEALER's quote on request RFQ "
	  "(r17): filled at once at its price" },
	{ "reject", CTL_NEEDS_REASON | CTL_POSITIONAL, "RFQ --reason TEXT",
	  "take no quote on request RFQ; it ends" },
	{ NULL, 0, NULL, NULL },
};

/*
 * Commands typed with positional arguments: the ctl name, the command on
 * the wire, and the field each argument fills (the first `need` are
 * required).
 */
static const struct ctl_pos {
	const char *name, *wire;
	const char *fields[3];
	int need;
} ctl_pos[] = {
	{ "rfq", CMD_RFQ, { "block", "qty", "dealers" }, 2 },
	{ "accept", CMD_RFQ_ACCEPT, { "rfq", "dealer", NULL }, 2 },
	{ "reject", CMD_RFQ_REJECT, { "rfq", NULL, NULL }, 1 },
};

static const struct tui_opt ctl_opts[] = {
	{ "connect", 'c', "URL", "engine control address (default: "
	  "ipc://$XDG_RUNTIME_DIR/tranche/ctl)" },
	{ "block", 'b', "ID", "the block a command applies to" },
	{ "reason", 'r', "TEXT", "why (required for changes; journaled)" },
	{ "role", CTL_ROLE, "ROLE", "viewer, trader (default) or supervisor" },
	{ "token", CTL_TOKEN, "TOKEN", "token to present (default: "
	  "$TRANCHE_TOKEN)" },
	{ "tls-ca", CTL_TLS_CA, "FILE", "CA (PEM) to verify a tls+tcp:// "
	  "engine with (default: $TRANCHE_TLS_CA)" },
	{ "json", CTL_JSON, NULL, "print the engine's reply as JSON" },
	{ "timeout", CTL_TIMEOUT, "MS", "wait this long for an answer "
	  "(default 5000)" },
	{ "deadline", CTL_DEADLINE, "S", "rfq: seconds the dealers have to "
	  "quote, 1 to 600 (default: the venue's)" },
	{ "help", 'h', NULL, "this help" },
	{ NULL, 0, NULL, NULL },
};

static void
ctl_usage(FILE *f)
{
	const struct ctl_cmd *c;

	fprintf(f, "usage: tranche ctl [--connect URL] [--tls-ca FILE] "
	    "[--timeout MS] COMMAND [ARGS] [--json]\n\nSends one command to a running engine and "
	    "prints its answer.\n\ncommands:\n");
	/* Whole: submit's arguments ran past a 160-byte buffer, and the help
	 * lost dark_cond, origin.* and --reason (found by a review). */
	for (c = ctl_cmds; c->name != NULL; c++) {
		int w = (int)(strlen(c->name) + 1 + strlen(c->args));

		fprintf(f, "  %s %s%*s %s\n", c->name, c->args, w < 40 ? 40 - w :
		    0, "", c->help);
	}
	fprintf(f, "\noptions:\n");
	options_usage(f, ctl_opts);
	fprintf(f, "\nexit status: 0 the engine answered ok; 1 it refused or "
	    "did not answer;\n2 the command line was wrong; 3 it was done but "
	    "is not durable (JOURNAL-HALTED).\n");
}

/*
 * Print a reply as JSON that is safe on a terminal and means the same: cJSON
 * escapes C0 controls but writes everything else raw, so DEL, C1 controls
 * and format characters (a U+202E would reverse the rest of the line) are
 * written as \uXXXX escapes, and a byte of invalid UTF-8 as \ufffd.  JSON's
 * own syntax is ASCII, so any such character is inside a string.
 */
static void
ctl_print_json(const cJSON *reply)
{
	char *s = cJSON_PrintUnformatted(reply);
	size_t len, i, k, run = 0;
	uint32_t cp;

	if (s == NULL)
		abort();
	len = strlen(s);
	for (i = 0; i < len; i += k) {
		/* Plain ASCII is most of a reply: copied in runs. */
		if ((unsigned char)s[i] >= 0x20 && (unsigned char)s[i] < 0x7f) {
			k = 1;
			continue;
		}
		k = ipc_utf8_char(s + i, len - i, &cp);
		if (k != 0 && !(cp >= 0x7f && cp <= 0x9f) && !text_is_format(cp))
			continue;
		fwrite(s + run, 1, i - run, stdout);
		if (k == 0) {
			fputs("\\ufffd", stdout);
			k = 1;
		} else if (cp > 0xffff)
			printf("\\u%04x\\u%04x", 0xd800 + ((cp - 0x10000) >> 10),
			    0xdc00 + ((cp - 0x10000) & 0x3ff));
		else
			printf("\\u%04x", cp);
		run = i + k;
	}
	fwrite(s + run, 1, len - run, stdout);
	putchar('\n');
	cJSON_free(s);
}

/* A string field, made safe for a terminal. */
static const char *
ctl_str(const cJSON *o, const char *name, char *buf, size_t n)
{
	const char *v;

	if (ipc_get_str(o, name, &v) != 0) {
		snprintf(buf, n, "-");
		return buf;
	}
	store_text(buf, n, v);
	return buf;
}

static void
ctl_print_status(const cJSON *r)
{
	const cJSON *blocks, *b, *lim, *syms, *it;
	char st[32], clock[16], speed[16], id[40], bst[24], side[12];
	char filled[32], rem[32], qty[32], pov[16], sym[16], jerr[320];
	const char *jst;
	int64_t t = 0, v;
	double d;
	int multi;

	ipc_get_i64(r, "t", &t);
	printf("engine %s  t %s", ctl_str(r, "state", st, sizeof st),
	    text_clock(clock, sizeof clock, t));
	if (ipc_get_num(r, "speed", &d) == 0)
		printf("  speed %s", text_speed(speed, sizeof speed, d));
	lim = cJSON_GetObjectItemCaseSensitive(r, "limits");
	if (cJSON_IsObject(lim) && ipc_get_num(lim, "max_pov", &d) == 0)
		printf("  limit max_pov %g%%", d);
	/* Several symbols: say which, and give each block's. */
	syms = cJSON_GetObjectItemCaseSensitive(r, "syms");
	multi = cJSON_IsArray(syms) && cJSON_GetArraySize(syms) > 1;
	if (multi) {
		printf("  symbols");
		cJSON_ArrayForEach(it, syms)
			if (cJSON_IsString(it)) {
				store_text(sym, sizeof sym, it->valuestring);
				printf(" %s", sym);
			}
	}
	printf("\n");
	if (ipc_get_str(r, "journal", &jst) == 0 && strcmp(jst, "ok") != 0)
		printf("journal %s: %s\n", ctl_str(r, "journal", st, sizeof st),
		    ctl_str(r, "journal_error", jerr, sizeof jerr));
	blocks = cJSON_GetObjectItemCaseSensitive(r, "blocks");
	if (!cJSON_IsArray(blocks) || cJSON_GetArraySize(blocks) == 0) {
		printf("no blocks\n");
		return;
	}
	printf("%-12s %-14s %-5s %12s %12s %12s %8s%s\n", "BLOCK", "STATE",
	    "SIDE", "FILLED", "REMAINING", "QTY", "MAX_POV", multi ? "  SYM" : "");
	cJSON_ArrayForEach(b, blocks) {
		ctl_str(b, "id", id, sizeof id);
		ctl_str(b, "state", bst, sizeof bst);
		ctl_str(b, "side", side, sizeof side);
		snprintf(filled, sizeof filled, "-");
		snprintf(rem, sizeof rem, "-");
		snprintf(qty, sizeof qty, "-");
		snprintf(pov, sizeof pov, "-");
		if (ipc_get_i64(b, "filled", &v) == 0)
			text_qty(filled, sizeof filled, v);
		if (ipc_get_i64(b, "remaining", &v) == 0)
			text_qty(rem, sizeof rem, v);
		if (ipc_get_i64(b, "qty", &v) == 0)
			text_qty(qty, sizeof qty, v);
		if (ipc_get_num(b, "max_pov", &d) == 0)
			snprintf(pov, sizeof pov, "%g%%", d);
		ctl_str(b, "sym", sym, sizeof sym);
		printf("%-12s %-14s %-5s %12s %12s %12s %8s%s%s\n", id, bst, side,
		    filled, rem, qty, pov, multi ? "  " : "", multi ? sym : "");
	}
}

static void
ctl_print_snapshot(const cJSON *r)
{
	const cJSON *book, *a;
	char st[32], clock[16];
	int64_t seq = 0, t = 0;
	double tick = 0.01;

	ipc_get_i64(r, "seq", &seq);
	ipc_get_i64(r, "t", &t);
	ipc_get_num(r, "tick", &tick);
	printf("seq %lld  t %s  state %s  tick %g\n", (long long)seq,
	    text_clock(clock, sizeof clock, t), ctl_str(r, "state", st,
	    sizeof st), tick);
	book = cJSON_GetObjectItemCaseSensitive(r, "book");
	if (cJSON_IsObject(book)) {
		const cJSON *bids = cJSON_GetObjectItemCaseSensitive(book, "bids");
		const cJSON *asks = cJSON_GetObjectItemCaseSensitive(book, "asks");
		const cJSON *bb = cJSON_GetArrayItem(cJSON_GetArrayItem(bids, 0), 0);
		const cJSON *ba = cJSON_GetArrayItem(cJSON_GetArrayItem(asks, 0), 0);

		if (cJSON_IsNumber(bb) && cJSON_IsNumber(ba))
			printf("book  %.*f x %.*f\n", text_decimals(tick),
			    bb->valuedouble * tick, text_decimals(tick),
			    ba->valuedouble * tick);
	}
	a = cJSON_GetObjectItemCaseSensitive(r, "blocks");
	printf("blocks %d  decisions %d  alerts %d  children %d\n",
	    cJSON_GetArraySize(a),
	    cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r, "decisions")),
	    cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r, "alerts")),
	    cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r, "children")));
	if (cJSON_IsArray(a) && cJSON_GetArraySize(a) > 0)
		ctl_print_status(r);
}

/* An error reply, on stderr; returns 1. */
static void
ctl_print_estimate(const cJSON *r)
{
	double qty = 0, ib = 0, iu = 0, sb = 0, su = 0, v5 = 0;
	char side[16], sym[32], model[64];
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(r, "throttle");

	if (cJSON_IsObject(t)) {
		/* The throttle preview: the numbers the console's prompt shows. */
		double pct = 0, fp = 0, ef = 0, un = 0, ev = 0;
		int64_t end = 0;
		char block[32], at[16], clock[16];

		ipc_get_num(t, "pct", &pct);
		ipc_get_num(t, "filled_pct", &fp);
		ipc_get_num(t, "expected_fill", &ef);
		ipc_get_num(t, "unfilled", &un);
		ipc_get_num(t, "expected_volume", &ev);
		ipc_get_i64(t, "end", &end);
		text_clock(clock, sizeof clock, end);
		ctl_str(t, "at_end", at, sizeof at);
		/* The end-of-window cross sweeps only 1% past the touch
		 * (and never through the limit): say so rather than promise
		 * that all of the rest fills. */
		printf("throttle preview: at %g%% block %s reaches about %.0f%% "
		    "(%.0f shares) by %s; the rest, %.0f shares: %s at the end%s\n"
		    "  market volume expected until then: %.0f shares\n", pct,
		    ctl_str(t, "block", block, sizeof block), fp, ef, clock, un,
		    at, strcmp(at, "cross") == 0 ? ", up to 1% past the touch" :
		    "", ev);
		return;
	}
	ipc_get_num(r, "qty", &qty);
	ipc_get_num(r, "impact_bps", &ib);
	ipc_get_num(r, "impact_usd", &iu);
	ipc_get_num(r, "sqrt_bps", &sb);
	ipc_get_num(r, "sqrt_usd", &su);
	ipc_get_num(r, "volume_5min", &v5);
	printf("estimate: %s %.0f %s now\n"
	    "  impact model: %.2f bps ($%.0f), square-root law: %.2f bps ($%.0f)\n"
	    "  market volume, next 5 min: %.0f shares (model %s)\n",
	    ctl_str(r, "side", side, sizeof side), qty,
	    ctl_str(r, "sym", sym, sizeof sym), ib, iu, sb, su, v5,
	    ctl_str(r, "model", model, sizeof model));
}

static int
ctl_refused(const char *cmd, const cJSON *reply)
{
	const cJSON *err = cJSON_GetObjectItemCaseSensitive(reply, "error");
	char code[40] = "?", msg[512] = "no message";

	if (cJSON_IsObject(err)) {
		ctl_str(err, "code", code, sizeof code);
		ctl_str(err, "message", msg, sizeof msg);
	}
	/* Carried out, its own journal record the write that failed: in
	 * force, not refused; a script must tell the two apart (it read
	 * "refused", exit 1: found by a review). */
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(err, "carried_out"))) {
		fprintf(stderr, "tranche ctl: %s done, NOT DURABLE: in force; it "
		    "stands if a supervisor resumes the journal: %s (%s)\n", cmd,
		    msg, code);
		return 3;
	}
	fprintf(stderr, "tranche ctl: %s refused: %s (%s)\n", cmd, msg, code);
	return 1;
}

static int
ctl_request(struct ipc_client *c, const char *url, cJSON *req, cJSON **reply,
            long timeout_ms)
{
	int rv = ipc_client_request(c, req, reply, (int)timeout_ms);
	char why[512];

	if (rv != 0 && ipc_client_problem(c, why, sizeof why)) {
		fprintf(stderr, "tranche ctl: %s\n", why);
		return -1;
	}
	if (rv != 0) {
		fprintf(stderr, "tranche ctl: no answer from %s within %ld ms "
		    "(%s); is tranched running there?\n", url, timeout_ms,
		    ipc_client_strerror(rv));
		return -1;
	}
	return 0;
}

/* KEY=VALUE arguments: a value that is wholly a number travels as one. */
static int
ctl_add_field(cJSON *req, const char *arg)
{
	const char *eq = strchr(arg, '=');
	char key[64];
	double d;

	if (eq == NULL || eq == arg || (size_t)(eq - arg) >= sizeof key)
		return -1;
	memcpy(key, arg, (size_t)(eq - arg));
	key[eq - arg] = '\0';
	/* "origin.kind=fix": a member of an object field. */
	char *dot = strchr(key, '.');
	if (dot != NULL && dot != key && dot[1] != '\0') {
		cJSON *obj;

		*dot = '\0';
		obj = cJSON_GetObjectItemCaseSensitive(req, key);
		if (!cJSON_IsObject(obj)) {
			cJSON_DeleteItemFromObjectCaseSensitive(req, key);
			obj = cJSON_AddObjectToObject(req, key);
		}
		return ctl_add_field(obj, arg + (dot - key) + 1);
	}
	cJSON_DeleteItemFromObjectCaseSensitive(req, key);
	/* A number in JSON's own spelling goes as typed, so that a refusal
	 * quotes what the person wrote (1e300 came back as 1e+300: found by
	 * a review); "+5" or "05" as the number they mean. */
	if (strcmp(key, "start") != 0 && strcmp(key, "end") != 0 &&
	    ipc_decimal(eq + 1, strlen(eq + 1), &d) == 0)
		cJSON_AddRawToObject(req, key, eq + 1);
	else if (ipc_number_text(eq + 1, &d) == 0 &&
	    strcmp(key, "start") != 0 && strcmp(key, "end") != 0)
		cJSON_AddNumberToObject(req, key, d);
	else if (strcmp(eq + 1, "true") == 0 || strcmp(eq + 1, "false") == 0)
		cJSON_AddBoolToObject(req, key, eq[1] == 't'); /* ack all=true */
	else
		cJSON_AddStringToObject(req, key, eq + 1);
	return 0;
}

/* fix_status in lines: each session, then each open FIX order. */
static void
ctl_print_fix_status(const cJSON *reply)
{
	const cJSON *o;
	char a[64], b[64], c[64], d[64], e[64];
	double in = 0, out = 0, qty = 0, cum = 0;

	cJSON_ArrayForEach(o, cJSON_GetObjectItemCaseSensitive(reply,
	    "sessions")) {
		ipc_get_num(o, "next_in", &in);
		ipc_get_num(o, "next_out", &out);
		printf("session %s %s %s->%s %s: next in %.0f, next out %.0f\n",
		    ctl_str(o, "name", a, sizeof a), ctl_str(o, "version", b,
		    sizeof b), ctl_str(o, "target", c, sizeof c), ctl_str(o,
		    "sender", d, sizeof d), ctl_str(o, "state", e, sizeof e),
		    in, out);
	}
	cJSON_ArrayForEach(o, cJSON_GetObjectItemCaseSensitive(reply,
	    "orders")) {
		ipc_get_num(o, "qty", &qty);
		ipc_get_num(o, "cum", &cum);
		printf("order %s %s block %s %s: %.0f of %.0f filled\n",
		    ctl_str(o, "session", a, sizeof a), ctl_str(o, "clordid", b,
		    sizeof b), ctl_str(o, "block", c, sizeof c), ctl_str(o, "state",
		    d, sizeof d), cum, qty);
	}
}

/* 1 when a KEY=VALUE field's key (klen bytes of f) is set elsewhere on
 * the command line: "cmd", --block, --reason, the PCT or a positional
 * argument.  The field would replace it unseen. */
static int
ctl_field_taken(const char *f, size_t klen, const char *block,
                const char *reason, double pct, const struct ctl_pos *cp,
                int npos)
{
#define CTL_KEY_IS(k) (klen == strlen(k) && strncmp(f, k, klen) == 0)
	if (CTL_KEY_IS("cmd") || (block != NULL && CTL_KEY_IS("block")) ||
	    (reason != NULL && CTL_KEY_IS("reason")) ||
	    (pct > 0 && CTL_KEY_IS("pct")))
		return 1;
	for (int i = 0; cp != NULL && i < npos; i++)
		if (CTL_KEY_IS(cp->fields[i]))
			return 1;
	return 0;
#undef CTL_KEY_IS
}

/* The positional form of command name, or NULL. */
static const struct ctl_pos *
ctl_pos_find(const char *name)
{
	for (size_t i = 0; i < sizeof ctl_pos / sizeof ctl_pos[0]; i++)
		if (strcmp(ctl_pos[i].name, name) == 0)
			return &ctl_pos[i];
	return NULL;
}

static int
ctl_run(const char *url, const struct ctl_cmd *cmd, const char *block,
        double pct, const char *reason, int json, long timeout_ms,
        char **fields, int nfields, const char *role, const char *token,
        const char *tls_ca, const char *tls_ca_label, char **pos, int npos,
        double deadline)
{
	const struct ctl_pos *cp = ctl_pos_find(cmd->name);
	struct ipc_client_cfg cfg = {
		.ctl_url = url, .name = "tranche-ctl", .tls_ca = tls_ca,
		.tls_ca_label = tls_ca_label, .token = token,
	};
	struct ipc_client *c;
	cJSON *req, *reply = NULL;
	char st[32], err[1024];
	const char *state;
	double d;
	int rv, code;

	if ((rv = ipc_client_open_cfg(&c, &cfg, err, sizeof err)) != 0) {
		/* A URL or a CA file that will not do: the command line's. */
		fprintf(stderr, "tranche ctl: %s\n", err);
		return 2;
	}
	req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "cmd", CMD_HELLO);
	cJSON_AddStringToObject(req, "client", "tranche-ctl");
	cJSON_AddStringToObject(req, "role", role);
	if (token != NULL && token[0] != '\0')
		cJSON_AddStringToObject(req, "token", token);
	cJSON_AddNumberToObject(req, "v", TRANCHE_PROTO_VERSION);
	rv = ctl_request(c, url, req, &reply, timeout_ms);
	cJSON_Delete(req);
	if (rv != 0) {
		ipc_client_close(c);
		return 1;
	}
	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(reply, "ok"))) {
		code = ctl_refused(CMD_HELLO, reply);
		cJSON_Delete(reply);
		ipc_client_close(c);
		return code;
	}
	cJSON_Delete(reply);
	reply = NULL;

	req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "cmd", cp != NULL ? cp->wire : cmd->name);
	for (int i = 0; cp != NULL && i < npos; i++)
		cJSON_AddStringToObject(req, cp->fields[i], pos[i]);
	if (deadline > 0)
		cJSON_AddNumberToObject(req, "deadline_s", deadline);
	if (block != NULL && block[0] != '\0')
		cJSON_AddStringToObject(req, "block", block);
	if (pct > 0)
		cJSON_AddNumberToObject(req, "pct", pct);
	/* A block typed here says so, unless the caller says otherwise. */
	if (strcmp(cmd->name, CMD_SUBMIT) == 0)
		cJSON_AddStringToObject(cJSON_AddObjectToObject(req, "origin"),
		    "kind", "ctl");
	for (int i = 0; i < nfields; i++)
		ctl_add_field(req, fields[i]);
	if (reason != NULL)
		cJSON_AddStringToObject(req, "reason", reason);
	rv = ctl_request(c, url, req, &reply, timeout_ms);
	cJSON_Delete(req);
	ipc_client_close(c);
	if (rv != 0)
		return 1;
	if (json)
		ctl_print_json(reply);
	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(reply, "ok"))) {
		code = ctl_refused(cmd->name, reply);
		cJSON_Delete(reply);
		return code;
	}
	if (!json) {
		if (strcmp(cmd->name, CMD_STATUS) == 0)
			ctl_print_status(reply);
		else if (strcmp(cmd->name, CMD_ESTIMATE) == 0)
			ctl_print_estimate(reply);
		else if (strcmp(cmd->name, CMD_SNAPSHOT) == 0)
			ctl_print_snapshot(reply);
		else if (strcmp(cmd->name, CMD_FIX_STATUS) == 0)
			ctl_print_fix_status(reply);
		else if (cp != NULL && ipc_get_str(reply, "rfq", &state) == 0) {
			char dl[32], px[32];

			printf("%s: ok, rfq %s", cmd->name, ctl_str(reply, "rfq", st,
			    sizeof st));
			if (ipc_get_str(reply, "deadline", &state) == 0)
				printf(", deadline %s ns", ctl_str(reply, "deadline",
				    dl, sizeof dl));
			if (ipc_get_num(reply, "px", &d) == 0) {
				double f = 0;

				ipc_get_num(reply, "filled", &f);
				printf(", %s at %.0f ticks, %.0f filled", ctl_str(reply,
				    "dealer", px, sizeof px), d, f);
			} else if (ipc_get_str(reply, "state", &state) == 0)
				printf(", %s", ctl_str(reply, "state", dl, sizeof dl));
			printf("\n");
		} else if (ipc_get_str(reply, "block", &state) == 0 &&
		    strcmp(cmd->name, CMD_SUBMIT) == 0)
			printf("%s: ok, block %s\n", cmd->name,
			    ctl_str(reply, "block", st, sizeof st));
		else if (ipc_get_str(reply, "speed", &state) == 0)
			printf("%s: ok, speed %s\n", cmd->name,
			    ctl_str(reply, "speed", st, sizeof st));
		else if (ipc_get_num(reply, "max_pov", &d) == 0)
			printf("%s: ok, participation cap %g%%\n", cmd->name, d);
		else if (ipc_get_str(reply, "state", &state) == 0)
			printf("%s: ok, state %s\n", cmd->name,
			    ctl_str(reply, "state", st, sizeof st));
		else
			printf("%s: ok\n", cmd->name);
	}
	cJSON_Delete(reply);
	return 0;
}

int
ctl_main(int argc, char **argv)
{
	struct option lo[sizeof ctl_opts / sizeof ctl_opts[0]];
	const struct ctl_cmd *cmd;
	const char *url = NULL, *block = NULL, *reason = NULL, *name;
	const char *role = "trader", *token = getenv("TRANCHE_TOKEN");
	const char *tls_ca = getenv("TRANCHE_TLS_CA"), *tls_label =
	    "TRANCHE_TLS_CA";
	char *fields[32], *pos[3];
	int nfields = 0, npos = 0;
	double deadline = 0;
	const struct ctl_pos *cp;
	char defurl[512];
	long timeout_ms = CTL_TIMEOUT_MS;
	double pct = 0;
	int c, json = 0;

	options_build(ctl_opts, lo);
	opterr = 0;
	optind = 0;
	while ((c = getopt_long(argc, argv, ":c:b:r:h", lo, NULL)) != -1) {
		switch (c) {
		case 'c':
			if (options_check_url("tranche ctl", "--connect",
			    optarg) != 0)
				return 2;
			url = optarg;
			break;
		case 'b':
			/* An empty id (an unset shell variable) is not "every
			 * block": that is --block left out. */
			if (block != NULL || optarg[0] == '\0') {
				fprintf(stderr, "tranche ctl: --block '%s': %s\n",
				    optarg, block != NULL ? "given twice" : "not a "
				    "block id (leave --block out to act on every "
				    "block)");
				return 2;
			}
			block = optarg;
			break;
		case 'r':
			if (reason != NULL) {
				fprintf(stderr, "tranche ctl: --reason '%s': given "
				    "twice\n", optarg);
				return 2;
			}
			reason = optarg;
			break;
		case CTL_JSON:
			json = 1;
			break;
		case CTL_ROLE:
			if (strcmp(optarg, "viewer") != 0 &&
			    strcmp(optarg, "trader") != 0 &&
			    strcmp(optarg, "supervisor") != 0) {
				fprintf(stderr, "tranche ctl: --role '%s': must be "
				    "viewer, trader or supervisor\n", optarg);
				return 2;
			}
			role = optarg;
			break;
		case CTL_TOKEN:
			token = optarg;
			break;
		case CTL_TLS_CA:
			tls_ca = optarg;
			tls_label = "--tls-ca";
			break;
		case CTL_TIMEOUT:
			if (options_parse_long("tranche ctl", "--timeout", optarg,
			    1, 600000, &timeout_ms) != 0)
				return 2;
			break;
		case CTL_DEADLINE:
			if (options_parse_double("tranche ctl", "--deadline", optarg,
			    1, 600, &deadline) != 0)
				return 2;
			break;
		case 'h':
			ctl_usage(stdout);
			return 0;
		case ':':
			fprintf(stderr, "tranche ctl: option '%s' needs a value\n",
			    argv[optind - 1]);
			return 2;
		default:
			fprintf(stderr, "tranche ctl: unknown option '%s' (see "
			    "tranche ctl --help)\n", argv[optind - 1]);
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "tranche ctl: which command? (status, snapshot, "
		    "submit, pause, resume, throttle, override, cancel, ack, kill, "
		    "release, speed, journal_resume, amend, fix status, rfq, "
		    "accept, reject; see tranche ctl --help)\n");
		return 2;
	}
	name = argv[optind++];
	/* "fix status" is fix_status, as a person says it. */
	if (strcmp(name, "fix") == 0 && optind < argc &&
	    strcmp(argv[optind], "status") == 0) {
		name = CMD_FIX_STATUS;
		optind++;
	}
	for (cmd = ctl_cmds; cmd->name != NULL; cmd++)
		if (strcmp(cmd->name, name) == 0)
			break;
	if (cmd->name == NULL) {
		fprintf(stderr, "tranche ctl: unknown command '%s' (status, "
		    "snapshot, submit, pause, resume, throttle, override, "
		    "cancel, ack, kill, release, speed, journal_resume, amend, fix "
		    "status, rfq, accept, reject)\n", name);
		return 2;
	}
	if ((cmd->needs & CTL_NEEDS_PCT) && optind < argc &&
	    strchr(argv[optind], '=') != NULL) {
		/* throttle max_child=N ...: no PCT. */
	} else if (cmd->needs & CTL_NEEDS_PCT) {
		if (optind >= argc) {
			fprintf(stderr, "tranche ctl %s: which percentage? usage: "
			    "tranche ctl throttle PCT --reason TEXT\n", name);
			return 2;
		}
		if (options_parse_double("tranche ctl throttle", "PCT",
		    argv[optind], 0, 100, &pct) != 0)
			return 2;
		if (pct <= 0) {
			fprintf(stderr, "tranche ctl throttle: PCT '%s': must be "
			    "above 0\n", argv[optind]);
			return 2;
		}
		optind++;
	}
	if ((cp = ctl_pos_find(cmd->name)) != NULL) {
		while (optind < argc && npos < 3 && cp->fields[npos] != NULL)
			pos[npos++] = argv[optind++];
		if (npos < cp->need) {
			fprintf(stderr, "tranche ctl %s: %s is required (usage: "
			    "tranche ctl %s %s)\n", name, cp->fields[npos], name,
			    cmd->args);
			return 2;
		}
	}
	if (deadline > 0 && strcmp(cmd->name, "rfq") != 0) {
		fprintf(stderr, "tranche ctl %s: --deadline does not apply\n",
		    name);
		return 2;
	}
	while ((cmd->needs & CTL_TAKES_FIELDS) && optind < argc &&
	    nfields < 32) {
		const char *eq = strchr(argv[optind], '=');

		if (eq == NULL || eq == argv[optind] || eq - argv[optind] >= 64) {
			fprintf(stderr, "tranche ctl %s: argument '%s': must be "
			    "KEY=VALUE\n", name, argv[optind]);
			return 2;
		}
		/* One value a key: "side=buy ... side=sell" is a typo, not
		 * a sell; and a key an option already sets is set there. */
		size_t klen = (size_t)(eq - argv[optind]);
		for (int i = 0; i < nfields; i++)
			if (strncmp(fields[i], argv[optind], klen + 1) == 0) {
				fprintf(stderr, "tranche ctl %s: '%s': %.*s given "
				    "twice (also '%s')\n", name, argv[optind],
				    (int)klen, argv[optind], fields[i]);
				return 2;
			}
		if (ctl_field_taken(argv[optind], klen, block, reason, pct,
		    cp, npos)) {
			fprintf(stderr, "tranche ctl %s: '%s': %.*s is given "
			    "elsewhere on the line\n", name, argv[optind],
			    (int)klen, argv[optind]);
			return 2;
		}
		fields[nfields++] = argv[optind++];
	}
	if (optind < argc) {
		fprintf(stderr, "tranche ctl %s: unexpected argument '%s'\n", name,
		    argv[optind]);
		return 2;
	}
	if ((cmd->needs & CTL_NEEDS_REASON) &&
	    (reason == NULL || reason[0] == '\0')) {
		fprintf(stderr, "tranche ctl %s: --reason TEXT is required (the "
		    "engine journals it)\n", name);
		return 2;
	}
	if ((cmd->needs & CTL_NEEDS_BLOCK) && (block == NULL || block[0] == '\0')) {
		fprintf(stderr, "tranche ctl %s: --block ID is required\n", name);
		return 2;
	}
	if (block != NULL && !(cmd->needs & CTL_TAKES_BLOCK)) {
		fprintf(stderr, "tranche ctl %s: --block does not apply\n", name);
		return 2;
	}
	if (reason != NULL && !(cmd->needs & (CTL_NEEDS_REASON |
	    CTL_OPT_REASON))) {
		fprintf(stderr, "tranche ctl %s: --reason does not apply\n", name);
		return 2;
	}
	if (url == NULL) {
		if (ipc_default_url(defurl, sizeof defurl) != 0) {
			fprintf(stderr, "tranche ctl: no default engine address; "
			    "use --connect URL\n");
			return 2;
		}
		url = defurl;
	}
	return ctl_run(url, cmd, block, pct, reason, json, timeout_ms, fields,
	    nfields, role, token, tls_ca, tls_label, pos, npos, deadline);
}
