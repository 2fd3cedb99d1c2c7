/*
 * engine/cli/fix-echo.c -- `tranched fix-echo`: the FIX session layer with
 * an application that reflects every application message to its sender.
 *
 * This is what QuickFIX's own test server does, and what its session
 * acceptance definitions (../shared/fix, run by tests/fix/) are written
 * against: the acceptor under test is the engine's own (engine/fix/, the
 * same code `tranched --fix-listen` runs), and only the application is a
 * mirror.  Like QuickFIX's, the mirror answers an ExecutionReport (which an
 * acceptor sends but never takes) with a BusinessMessageReject, and drops a
 * PossResend order whose ClOrdID it has already seen.  It echoes the body
 * with its fields in tag order, as QuickFIX's field maps put them, which
 * is what the definitions expect; repeating groups with entries are not
 * kept together by that order (the definitions send none).
 *
 * Sessions start again at MsgSeqNum 1 after every disconnect (QuickFIX's
 * ResetOnDisconnect, which the definitions assume) unless the sessions
 * file says "reset_on_disconnect": false.  It prints "listening URL" with
 * the real port once it is ready and exits 0 on SIGTERM or SIGINT after
 * closing every handle.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "engine/cli/cli.h"
#include "engine/fix/fix.h"

struct echo_seen {
	char *key;
	struct echo_seen *next;
};

struct echo {
	struct echo_seen *seen;
	struct fix_acceptor *acc;
	uv_signal_t sigterm, sigint;
};

static int echo_seen(struct echo *e, const char *session, const char *clordid)
{
	size_t n = strlen(session) + strlen(clordid) + 2;
	char *key = malloc(n);
	if (!key)
		return 0;
	snprintf(key, n, "%s\001%s", session, clordid);
	for (struct echo_seen *s = e->seen; s; s = s->next)
		if (!strcmp(s->key, key)) {
			free(key);
			return 1;
		}
	struct echo_seen *s = malloc(sizeof *s);
	if (!s) {
		free(key);
		return 0;
	}
	s->key = key;
	s->next = e->seen;
	e->seen = s;
	return 0;
}

/* Tags the session writes itself, which the mirror must not copy. */
static int echo_session_tag(int tag)
{
	switch (tag) {
	case 8: case 9: case 10: case 34: case 35: case 43: case 49: case 52:
	case 56: case 97: case 122:
		return 1;
	default:
		return 0;
	}
}

static int echo_cmp(const void *a, const void *b)
{
	const struct fix_field *x = *(const struct fix_field *const *)a;
	const struct fix_field *y = *(const struct fix_field *const *)b;
	if (x->tag != y->tag)
		return (x->tag > y->tag) - (x->tag < y->tag);
	return (x > y) - (x < y);
}

static void echo_on_app(void *ud, struct fix_session *s, const struct fix_msg *m)
{
	struct echo *e = ud;
	char mt[8], seq[24], v[FIX_OUT_MAX];
	struct fix_out o;
	if (fix_get_str(m, 35, mt, sizeof mt) < 0)
		return;
	if (!strcmp(mt, "8")) {
		fix_out_begin(&o, "j");
		if (fix_get_str(m, 34, seq, sizeof seq) == 0)
			fix_out_str(&o, 45, seq);
		fix_out_str(&o, 58, "Unsupported Message Type");
		fix_out_str(&o, 372, mt);
		fix_out_int(&o, 380, 3);
		if (fix_send(s, &o) < 0)
			fprintf(stderr, "tranched fix-echo: %s: could not send a reject\n",
			        fix_session_name(s));
		return;
	}
	char resend[4] = "";
	fix_get_str(m, 97, resend, sizeof resend);
	if (fix_get_str(m, 11, v, sizeof v) == 0) {
		int seen = echo_seen(e, fix_session_name(s), v);
		if (seen && !strcmp(resend, "Y"))
			return;
	}
	const struct fix_field **f = malloc((size_t)m->n * sizeof *f);
	int n = 0;
	if (!f)
		return;
	for (int i = 0; i < m->n; i++)
		if (!echo_session_tag(m->f[i].tag))
			f[n++] = &m->f[i];
	qsort(f, (size_t)n, sizeof *f, echo_cmp);
	fix_out_begin(&o, mt);
	if (resend[0])
		fix_out_str(&o, 97, resend);
	for (int i = 0; i < n; i++) {
		if ((size_t)f[i]->len >= sizeof v) {
			o.overflow = 1;
			break;
		}
		memcpy(v, f[i]->val, (size_t)f[i]->len);
		v[f[i]->len] = '\0';
		fix_out_str(&o, f[i]->tag, v);
	}
	free(f);
	if (fix_send(s, &o) < 0)
		fprintf(stderr, "tranched fix-echo: %s: could not echo a %s\n", fix_session_name(s), mt);
}

static void echo_on_logout(void *ud, struct fix_session *s, const char *why)
{
	fprintf(stderr, "tranched fix-echo: %s: logged out: %s\n", fix_session_name(s),
	        why && *why ? why : "connection closed");
}

static void echo_signal(uv_signal_t *h, int signum)
{
	struct echo *e = h->data;
	fix_acceptor_close(e->acc);
	e->acc = NULL;
	uv_close((uv_handle_t *)&e->sigterm, NULL);
	uv_close((uv_handle_t *)&e->sigint, NULL);
}

static void echo_usage(FILE *f)
{
	fprintf(f, "usage: tranched fix-echo --fix-listen tcp://HOST:PORT --fix-sessions FILE\n"
	           "                         --fix-store DIR\n\n"
	           "Runs the engine's FIX acceptor with an application that sends every\n"
	           "application message back to its sender (the QuickFIX test server's\n"
	           "behaviour), for the session acceptance suite.\n"
	           "  --fix-listen URL     where to accept connections (port 0: any free port;\n"
	           "                       the real one is printed as \"listening URL\")\n"
	           "  --fix-sessions FILE  the sessions file (tranche-fix(7))\n"
	           "  --fix-store DIR      the sessions' durable store (made if absent)\n"
	           "  --help               this text\n");
}

static int fix_echo_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"fix-listen", required_argument, NULL, 'l'},
		{"fix-sessions", required_argument, NULL, 's'},
		{"fix-store", required_argument, NULL, 'd'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct fix_opts o = {.reset_on_disconnect = 1};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'l': o.url = optarg; break;
		case 's': o.sessions = optarg; break;
		case 'd': o.store = optarg; break;
		case 'h': echo_usage(stdout); return 0;
		default: echo_usage(stderr); return 2;
		}
	}
	if (optind < argc || !o.url || !o.sessions || !o.store) {
		fprintf(stderr, "tranched fix-echo: %s\n",
		        optind < argc ? "unexpected argument"
		                      : "--fix-listen, --fix-sessions and --fix-store are required");
		echo_usage(stderr);
		return 2;
	}
	uv_loop_t loop;
	struct echo e = {0};
	struct fix_app app = {.ud = &e, .on_logout = echo_on_logout, .on_app = echo_on_app};
	char err[1024];
	if (uv_loop_init(&loop) < 0)
		return 1;
	if (fix_acceptor_open(&e.acc, &loop, &o, &app, err, sizeof err) < 0) {
		fprintf(stderr, "tranched fix-echo: %s\n", err);
		uv_loop_close(&loop);
		return 1;
	}
	uv_signal_init(&loop, &e.sigterm);
	uv_signal_init(&loop, &e.sigint);
	e.sigterm.data = e.sigint.data = &e;
	uv_signal_start(&e.sigterm, echo_signal, SIGTERM);
	uv_signal_start(&e.sigint, echo_signal, SIGINT);
	const char *host = o.url + 6;
	const char *colon = strrchr(host, ':');
	printf("listening tcp://%.*s:%d\n", (int)(colon - host), host, fix_acceptor_port(e.acc));
	fflush(stdout);
	uv_run(&loop, UV_RUN_DEFAULT);
	int rc = uv_loop_close(&loop);
	while (e.seen) {
		struct echo_seen *n = e.seen->next;
		free(e.seen->key);
		free(e.seen);
		e.seen = n;
	}
	if (rc != 0) {
		fprintf(stderr, "tranched fix-echo: the loop did not close: %s\n", uv_strerror(rc));
		return 1;
	}
	return 0;
}

const struct cli_cmd cli_fix_echo_cmd = {
	.name = "fix-echo",
	.main = fix_echo_main,
	.usage = "fix-echo --fix-listen tcp://HOST:PORT --fix-sessions FILE --fix-store DIR",
	.help = "the FIX acceptor with an echo application (the session acceptance suite)",
};
