/*
 * tests/integration/itest-events.c -- events are confidential: over tcp://
 * and tls+tcp:// a peer that has not authenticated receives nothing.
 *
 * Each test starts a real tranched on a free pair of loopback ports with
 * two tokens in $TRANCHE_TOKENS and a fast clock (it publishes a heartbeat
 * a second and market events all the time), then listens on the events
 * port the ways a naive or hostile peer would:
 *
 *   events_tcp_tokenless_sub_gets_nothing
 *     a raw NNG SUB socket subscribed to everything (what a protocol 2
 *     client was, and what anyone would try first) receives nothing in
 *     3 s, while a client with a token, attached at the same time,
 *     receives heartbeats and market events;
 *   events_tcp_silent_or_wrong_peer_gets_nothing
 *     a pair1 peer that never says hello receives nothing and is closed
 *     after the engine's hello timeout; one that says hello with a wrong
 *     token, or with no token, or another protocol version, gets only the
 *     refusal (naming what was wrong: the token, or both versions) and is
 *     closed; a client library client with a wrong token receives no event
 *     and says why (ipc_client_problem);
 *   events_refused_floods_do_not_wedge_the_engine
 *     sixteen overlapping rounds of fifty peers refused at their hello
 *     that go on sending: afterwards the engine's descriptors are back
 *     where they were (every connection freed) and a viewer hears events;
 *   events_tcp_token_client_recovers_gap
 *     a client with a token that stops reading loses events, sees the gap
 *     by seq, takes a snapshot over the control socket and then receives
 *     every event after the snapshot's seq without a gap;
 *   events_tls_tokenless_sub_gets_nothing
 *     the same as the first over tls+tcp:// (a throwaway certificate made
 *     with openssl; the test is skipped without it): the SUB peer verifies
 *     the engine's certificate, so TLS itself is no obstacle, and still
 *     receives nothing, while a client with a token receives events;
 *   tls_clients_come_and_go
 *     30 short-lived TLS clients, two at a time, each answered and
 *     hearing events within 10 s;
 *   tls_unanswered_handshakes_are_dialled_again
 *     behind tests/integration/stallproxy, which never answers the first
 *     connection on each port (a handshake that never finishes), a client
 *     dials both again by itself and is answered and hears events;
 *   tls_bad_handshakes_leave_events_working
 *     rounds of bad TLS peers, each followed by a good client (skipped
 *     unless ITEST_TLS_ABUSE=1: not yet passing, see the test);
 *   stalled_engine_answers_while_it_catches_up
 *     the engine is stopped (SIGSTOP) for 8 s at 1000x while a status
 *     request waits: once it runs again it answers within a small part of
 *     the 8,000 simulated seconds it owes, rather than simulating them all
 *     in one pass first (seconds of wall time, on a starved host, in which
 *     no request or events hello was answered and hellos that were on time
 *     were swept as silent); it owes at most 1 s of wall time's worth and
 *     reports the rest as lost_ms;
 *   finished_engine_stopped_is_not_late
 *     stopped for 4 s after its session closed, the engine has given up
 *     nothing: lost_ms does not move.
 *
 * The SUB test needs no hello of its own, so it runs against an engine of
 * any protocol version: against tranched before protocol 3, whose events
 * port was a PUB socket, it fails at its first assertion (the SUB peer
 * received the heartbeat).
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/types.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <nng/nng.h>
#include <nng/protocol/pair1/pair.h>
#include <nng/protocol/pubsub0/sub.h>

#include "ipc/nngclose.h"
#include "ipc/protocol.h"
#include "ipc/tls.h"
#include "tests/integration/itest-filter.h"
#include "tests/integration/itest.h"

#define TRADER_TOKEN "events-trader-token"
#define VIEWER_TOKEN "events-viewer-token"
/* The engine's events connections at once (EVENTS_PIPES_MAX). */
#define EV_HOG 256

static const char *tranched, *stallproxy;

/* One engine on tcp:// or tls+tcp://, and what the test opened against it
 * (closed in the teardown whatever failed). */
static struct net {
	pid_t pid;
	char dir[256];
	char url[128], evurl[128];
	char ca[300];        /* tls: the CA (the self-signed certificate) */
	char log[300];       /* the engine's stderr, shown at the end */
	int tls;
	struct ipc_client *c;
	nng_socket raw;
	int raw_open;
	pid_t proxy;         /* a stallproxy in front of the engine, or 0 */
} n;

static void
net_shell(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	if (system(cmd) != 0)
		fprintf(stderr, "itest-events: failed: %s\n", cmd);
}

/* A client of the library: with a token (NULL: none). */
static int
net_client(struct ipc_client **c, const char *token, const char *name)
{
	struct ipc_client_cfg cfg = {
		.ctl_url = n.url, .name = name, .token = token,
		.tls_ca = n.tls ? n.ca : NULL,
	};
	char err[512];

	if (ipc_client_open_cfg(c, &cfg, err, sizeof err) != 0) {
		fprintf(stderr, "itest-events: %s\n", err);
		return -1;
	}
	return 0;
}

static cJSON *
net_cmd(struct ipc_client *c, const char *json)
{
	cJSON *req = cJSON_Parse(json), *rep = NULL;

	if (ipc_client_request(c, req, &rep, 2000) != 0)
		rep = NULL;
	cJSON_Delete(req);
	return rep;
}

/* A status, asked again until the engine answers (within 20 s): one
 * request's 2 s is not always enough for an engine simulating at 100000x on
 * two cores running four tests at once (CI of 5814da8). */
static cJSON *
net_status(struct ipc_client *c)
{
	cJSON *r = NULL;

	for (long long t0 = itest_now_ms(); r == NULL &&
	    itest_now_ms() - t0 < 20000;)
		r = net_cmd(c, "{\"cmd\":\"status\"}");
	return r;
}

/* A trader-token client that has said hello (asked again until the engine
 * answers: a loaded machine may take a while to connect). */
static void
net_trader(struct ipc_client **c, const char *name)
{
	cJSON *r = NULL;

	assert_int_equal(net_client(c, TRADER_TOKEN, name), 0);
	for (long long t0 = itest_now_ms(); r == NULL &&
	    itest_now_ms() - t0 < 20000;)
		r = net_cmd(*c, "{\"cmd\":\"hello\",\"role\":\"trader\","
		    "\"token\":\"" TRADER_TOKEN "\",\"v\":3}");
	if (!itest_ok(r))
		fail_msg("hello refused: %s", r ? cJSON_PrintUnformatted(r) :
		    "no answer");
	cJSON_Delete(r);
}

/* What the engine said (its stderr, kept in log), to stderr; the log
 * is emptied. */
static void
net_log_dump(const char *log)
{
	char buf[4096];
	size_t k;
	FILE *f = fopen(log, "r");

	if (f == NULL)
		return;
	while ((k = fread(buf, 1, sizeof buf, f)) > 0)
		fwrite(buf, 1, k, stderr);
	fclose(f);
	if (truncate(log, 0) != 0)
		fprintf(stderr, "itest-events: could not empty %s\n", log);
}

static int
net_log_has(const char *log, const char *what)
{
	char buf[16384];
	size_t k = 0;
	FILE *f = fopen(log, "r");

	if (f != NULL) {
		k = fread(buf, 1, sizeof buf - 1, f);
		fclose(f);
	}
	buf[k] = '\0';
	return strstr(buf, what) != NULL;
}

/* tranched with argv, its stderr going to log. */
static pid_t
net_spawn(char *const argv[], const char *log)
{
	int fd, saved;
	pid_t pid;

	fflush(stderr);
	assert_true((fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) >= 0);
	assert_true((saved = fcntl(2, F_DUPFD_CLOEXEC, 3)) >= 0);
	assert_true(dup2(fd, 2) == 2);
	pid = itest_spawn(tranched, argv);
	assert_true(dup2(saved, 2) == 2);
	close(saved);
	close(fd);
	return pid;
}

/*
 * Start tranched on a free pair of ports, over TLS when tls is set, and
 * wait until a client with the trader token is answered.  The engine gets
 * the tokens through its environment.
 */
static void
net_start(int tls, const char *speed, const char *set)
{
	char listen[160], journal[320], cert[320], key[320];

	memset(&n, 0, sizeof n);
	n.tls = tls;
	snprintf(n.dir, sizeof n.dir, "%s/tranche-itest-XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(n.dir));
	snprintf(n.ca, sizeof n.ca, "%s/engine.pem", n.dir);
	snprintf(n.log, sizeof n.log, "%s/engine.log", n.dir);
	snprintf(cert, sizeof cert, "--tls-cert=%s/engine.pem", n.dir);
	snprintf(key, sizeof key, "--tls-key=%s/engine.key", n.dir);
	if (tls)
		net_shell("openssl req -x509 -newkey ec -pkeyopt "
		    "ec_paramgen_curve:prime256v1 -nodes -days 1 -subj "
		    "/CN=127.0.0.1 -addext subjectAltName=DNS:127.0.0.1,"
		    "DNS:localhost,IP:127.0.0.1 -keyout %s/engine.key -out %s "
		    ">/dev/null 2>&1", n.dir, n.ca);
	setenv("TRANCHE_TOKENS", "trader=" TRADER_TOKEN ",viewer="
	    VIEWER_TOKEN, 1);
	unsetenv("TRANCHE_TOKENS_FILE");
	setenv("XDG_CONFIG_HOME", n.dir, 1);
	for (int tries = 0; tries < 20; tries++) {
		int port = 30000 + (int)(((unsigned)getpid() * 7919u +
		    (unsigned)tries * 104729u + (unsigned)itest_now_ms()) %
		    7500u) * 2;
		char *argv[] = { (char *)tranched, listen, journal,
		    (char *)speed, (char *)set, tls ? cert : NULL, key, NULL };

		snprintf(n.url, sizeof n.url, "%s://127.0.0.1:%d",
		    tls ? "tls+tcp" : "tcp", port);
		snprintf(n.evurl, sizeof n.evurl, "%s://127.0.0.1:%d",
		    tls ? "tls+tcp" : "tcp", port + 1);
		snprintf(listen, sizeof listen, "--listen=%s", n.url);
		snprintf(journal, sizeof journal, "--journal=%s/j%d.trj", n.dir,
		    tries);
		assert_true((n.pid = net_spawn(argv, n.log)) > 0);
		/* Up once it says it listens.  A port in use (ours is within
		 * the kernel's ephemeral range), it says so and exits -- after
		 * its warm-up, which takes most of a second in a sanitizer
		 * build on a loaded machine. */
		for (long long t0 = itest_now_ms(); n.pid > 0 &&
		    !net_log_has(n.log, "listening on") &&
		    itest_now_ms() - t0 < 20000;) {
			if (waitpid(n.pid, NULL, WNOHANG) == n.pid)
				n.pid = 0;
			else
				usleep(50000);
		}
		if (n.pid > 0 || !net_log_has(n.log, "in use"))
			break;
		net_log_dump(n.log);
	}
	if (n.pid <= 0 || !net_log_has(n.log, "listening on")) {
		net_log_dump(n.log);
		fail_msg("tranched did not start listening on %s", n.url);
	}
}

/* Wait until the engine answers a client with the trader token. */
static void
net_wait_up(void)
{
	struct ipc_client *c;
	cJSON *r = NULL;

	assert_int_equal(net_client(&c, TRADER_TOKEN, "itest-up"), 0);
	for (long long t0 = itest_now_ms(); r == NULL &&
	    itest_now_ms() - t0 < 20000;)
		r = net_cmd(c, "{\"cmd\":\"hello\",\"role\":\"trader\",\"token\":"
		    "\"" TRADER_TOKEN "\",\"v\":3}");
	ipc_client_close(c);
	assert_non_null(r);
	assert_true(itest_ok(r));
	cJSON_Delete(r);
}

/*
 * Wait until the events port takes a TCP connection, without a word of the
 * protocol: the SUB tests run against an engine of any version.
 */
static void
net_wait_port(void)
{
	const char *colon = strrchr(n.evurl, ':');
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int fd, ok = 0;

	assert_non_null(colon);
	sa.sin_port = htons((uint16_t)atoi(colon + 1));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (long long t0 = itest_now_ms(); !ok && itest_now_ms() - t0 < 20000;) {
		assert_true((fd = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
		ok = connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
		close(fd);
		if (!ok)
			usleep(50000);
	}
	assert_true(ok);
}

static void
net_dial_raw(nng_socket s)
{
	nng_dialer d;
	nng_tls_config *tls = NULL;
	char err[512];

	/* A refused SUB peer dials again and again; over TLS each is a
	 * handshake, and NNG 1.5.2 can hang on handshakes at once. */
	nng_socket_set_ms(s, NNG_OPT_RECONNMINT, n.tls ? 5000 : 300);
	nng_socket_set_ms(s, NNG_OPT_RECONNMAXT, n.tls ? 5000 : 1000);
	assert_int_equal(nng_dialer_create(&d, s, n.evurl), 0);
	if (n.tls) {
		assert_int_equal(ipc_tls_client_config(&tls, n.evurl, n.ca,
		    "test CA", err, sizeof err), 0);
		assert_int_equal(nng_dialer_set_ptr(d, NNG_OPT_TLS_CONFIG, tls),
		    0);
		nng_tls_config_free(tls);
	}
	assert_int_equal(nng_dialer_start(d, NNG_FLAG_NONBLOCK), 0);
}

/* Count the connections a raw socket made and lost. */
static int raw_added, raw_removed;

static void
net_raw_pipe(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	(void)p, (void)arg;
	if (ev == NNG_PIPE_EV_ADD_POST)
		__atomic_add_fetch(&raw_added, 1, __ATOMIC_SEQ_CST);
	else if (ev == NNG_PIPE_EV_REM_POST)
		__atomic_add_fetch(&raw_removed, 1, __ATOMIC_SEQ_CST);
}

/* Messages a raw socket receives in ms milliseconds (less when until_closed
 * and the engine closed it); the first is kept in first (NUL-terminated,
 * cut) when not NULL. */
static int
net_raw_count(nng_socket s, int ms, char *first, size_t flen,
              int until_closed)
{
	long long t0 = itest_now_ms();
	int got = 0;
	nng_msg *m;

	if (first != NULL)
		first[0] = '\0';
	while (itest_now_ms() - t0 < ms && !(until_closed &&
	    __atomic_load_n(&raw_removed, __ATOMIC_SEQ_CST) > 0)) {
		nng_socket_set_ms(s, NNG_OPT_RECVTIMEO, 100);
		if (nng_recvmsg(s, &m, 0) != 0)
			continue;
		if (got++ == 0 && first != NULL) {
			size_t k = nng_msg_len(m) < flen - 1 ? nng_msg_len(m) :
			    flen - 1;

			memcpy(first, nng_msg_body(m), k);
			first[k] = '\0';
		}
		nng_msg_free(m);
	}
	return got;
}

/* n.raw as a pair1 socket whose connections are counted; a closed one
 * stays closed for the count (no redial). */
static void
net_raw_pair(void)
{
	assert_int_equal(nng_pair1_open(&n.raw), 0);
	n.raw_open = 1;
	raw_added = raw_removed = 0;
	nng_pipe_notify(n.raw, NNG_PIPE_EV_ADD_POST, net_raw_pipe, NULL);
	nng_pipe_notify(n.raw, NNG_PIPE_EV_REM_POST, net_raw_pipe, NULL);
	nng_socket_set_ms(n.raw, NNG_OPT_RECONNMINT, 60000);
	nng_socket_set_ms(n.raw, NNG_OPT_RECONNMAXT, 60000);
}

/*
 * Events a library client receives in ms milliseconds, and how many
 * heartbeats among them.  Over TLS a second without any starts the events
 * dialer afresh, as the console does (a handshake NNG 1.5.2 never
 * finishes: ipc_client_redial_events()).
 */
static int
net_client_events(struct ipc_client *c, int ms, int *beats, int enough)
{
	long long t0 = itest_now_ms(), seen = t0;
	struct ipc_event ev;
	int got = 0;

	*beats = 0;
	while (itest_now_ms() - t0 < ms && !(enough && got >= 10 &&
	    *beats >= 1)) {
		if (ipc_client_wait_event(c, &ev, 100) == 1) {
			got++;
			*beats += strcmp(ev.topic, TOPIC_HEARTBEAT) == 0;
			ipc_event_free(&ev);
			seen = itest_now_ms();
		} else if (n.tls && itest_now_ms() - seen > 3000) {
			ipc_client_redial_events(c);
			seen = itest_now_ms();
		}
	}
	return got;
}

/* A library client is served: ten events and a heartbeat within ms (the
 * bound net_client_events() stops at). */
static void
net_client_served(struct ipc_client *c, int ms, const char *what)
{
	int beats, got = net_client_events(c, ms, &beats, 1);

	if (got < 10 || beats < 1)
		fail_msg("%s: a viewer-token client got %d events (%d "
		    "heartbeats) in %d ms, not 10 and a heartbeat", what, got,
		    beats, ms);
}

/* A raw SUB peer and a client with a token listen side by side: the
 * first receives nothing, the second heartbeats and market events. */
static void
net_sub_gets_nothing(void)
{
	int got, beats;

	assert_int_equal(nng_sub0_open(&n.raw), 0);
	n.raw_open = 1;
	nng_socket_set(n.raw, NNG_OPT_SUB_SUBSCRIBE, "", 0);
	net_dial_raw(n.raw);
	got = net_raw_count(n.raw, 3000, NULL, 0, 0);
	if (got != 0)
		fail_msg("a SUB peer with no token received %d events messages "
		    "from %s", got, n.evurl);
	/* Over TLS the SUB peer goes first: its endless redials are TLS
	 * handshakes beside the client's, which NNG 1.5.2 can leave hanging
	 * (nanomsg/nng#1666).  The engine published all along regardless. */
	if (n.tls) {
		ipc_nng_close(n.raw, 2000);
		n.raw_open = 0;
	}
	assert_int_equal(net_client(&n.c, VIEWER_TOKEN, "itest-viewer"), 0);
	got = net_client_events(n.c, 20000, &beats, 1);
	fprintf(stderr, "events: %s: the tokenless SUB peer received 0 "
	    "messages in 3 s; then a viewer-token client %d events, %d "
	    "heartbeats%s\n", n.evurl, got, beats, n.tls ? "" : ", the SUB peer "
	    "still none");
	assert_true(got >= 10 && beats >= 1);
	assert_int_equal(ipc_client_events_state(n.c, NULL, 0), 1);
	/* And still nothing for the SUB peer meanwhile. */
	if (!n.tls)
		assert_int_equal(net_raw_count(n.raw, 200, NULL, 0, 0), 0);
}

static void
events_tcp_tokenless_sub_gets_nothing(void **state)
{
	(void)state;
	net_start(0, "--speed=300", "--set=market.mkt_rate=2");
	net_wait_port();
	net_sub_gets_nothing();
}

/* A pair1 peer says `hello` (or nothing, when NULL) and must get exactly
 * one message, a refusal holding `why`, and then be closed. */
static void
net_refused(const char *hello, const char *why, int wait_ms)
{
	char first[1024];
	nng_msg *m;
	int got;

	net_raw_pair();
	{
		nng_dialer d;
		nng_tls_config *tls = NULL;
		char err[512];

		assert_int_equal(nng_dialer_create(&d, n.raw, n.evurl), 0);
		if (n.tls) {
			assert_int_equal(ipc_tls_client_config(&tls, n.evurl, n.ca,
			    "test CA", err, sizeof err), 0);
			nng_dialer_set_ptr(d, NNG_OPT_TLS_CONFIG, tls);
			nng_tls_config_free(tls);
		}
		assert_int_equal(nng_dialer_start(d, 0), 0);
	}
	if (hello != NULL) {
		assert_int_equal(nng_msg_alloc(&m, 0), 0);
		nng_msg_append(m, hello, strlen(hello));
		assert_int_equal(nng_sendmsg(n.raw, m, 0), 0);
	}
	got = net_raw_count(n.raw, wait_ms, first, sizeof first, 1);
	/* A refusal may come with the close: take what is left. */
	got += net_raw_count(n.raw, 200, got ? NULL : first, sizeof first, 0);
	fprintf(stderr, "events: hello %s: %d message(s), first %s; "
	    "connection closed: %s\n", hello ? hello : "(none)", got,
	    got ? first : "-", __atomic_load_n(&raw_removed, __ATOMIC_SEQ_CST) ?
	    "yes" : "no");
	if (why == NULL)
		assert_int_equal(got, 0);
	else {
		assert_int_equal(got, 1);
		assert_non_null(strstr(first, "\"ok\":false"));
		if (strstr(first, why) == NULL)
			fail_msg("the refusal %s does not say \"%s\"", first, why);
	}
	/* NNG may dial again after the close: that connection says nothing
	 * and gets nothing either. */
	assert_true(__atomic_load_n(&raw_added, __ATOMIC_SEQ_CST) >= 1);
	/* The engine closes it 1 s (refused) or 2 s (silent) on; a loaded
	 * machine may take longer to say so. */
	for (long long t0 = itest_now_ms(); itest_now_ms() - t0 < 10000 &&
	    __atomic_load_n(&raw_removed, __ATOMIC_SEQ_CST) < 1;)
		usleep(50000);
	assert_true(__atomic_load_n(&raw_removed, __ATOMIC_SEQ_CST) >= 1);
	ipc_nng_close(n.raw, 2000);
	n.raw_open = 0;
}

static void
events_tcp_silent_or_wrong_peer_gets_nothing(void **state)
{
	struct ipc_client *c = NULL;
	char why[512];
	int got, beats;

	(void)state;
	net_start(0, "--speed=300", "--set=market.mkt_rate=2");
	net_wait_up();
	/* Silent: closed after the engine's 2 s hello timeout. */
	/* The waits are deadlines: each ends when the engine closes the
	 * connection (within 2 s of silence, 1 s of a refusal when the
	 * machine is not starved). */
	net_refused(NULL, NULL, 10000);
	net_refused("{\"cmd\":\"hello\",\"id\":\"x1\",\"v\":3,\"token\":"
	    "\"not-the-token\"}", "not a token this engine knows", 10000);
	net_refused("{\"cmd\":\"hello\",\"id\":\"x2\",\"v\":3}",
	    "a tcp:// or tls+tcp:// peer must present a token", 10000);
	net_refused("{\"cmd\":\"hello\",\"id\":\"x3\",\"v\":2,\"token\":\""
	    TRADER_TOKEN "\"}", "protocol version 2 (client) is not 3 (engine)",
	    10000);
	net_refused("{\"cmd\":\"status\",\"id\":\"x4\"}",
	    "must be hello", 10000);
	/* Refused before it is decoded, it still carries its id. */
	net_refused("{\"cmd\":\"hello\",\"id\":\"x5\",\"v\":3,\"v\":3}",
	    "\"id\":\"x5\"", 10000);
	/* The client library with a wrong token: no events, and it says why. */
	assert_int_equal(net_client(&c, "wrong-token-123", "itest-wrong"), 0);
	got = 0;
	for (long long t0 = itest_now_ms(); itest_now_ms() - t0 < 10000 &&
	    ipc_client_events_state(c, NULL, 0) == 0;)
		got += net_client_events(c, 200, &beats, 0);
	got += net_client_events(c, 1000, &beats, 0);
	assert_int_equal(got, 0);
	assert_int_equal(ipc_client_events_state(c, why, sizeof why), -1);
	assert_non_null(strstr(why, "not a token this engine knows (auth)"));
	assert_int_equal(ipc_client_problem(c, why, sizeof why), 1);
	fprintf(stderr, "events: a client with a wrong token: %s\n", why);
	ipc_client_close(c);
	/* Each refused hello is on the audit topic as a refused command is,
	 * with the peer, the code and the words (the snapshot's ring of
	 * refusals), under the same bound: the first three from a peer in an
	 * interval one by one (the wrong token, none, the old version), the
	 * rest (not a hello, the library's wrong token, redialled) summed up
	 * when the interval ends.  The tokens presented are kept nowhere. */
	{
		cJSON *r = NULL;
		const cJSON *a;
		int bad_token = 0, no_token = 0, version = 0, shown = 0;
		double summed = 0;
		char *all = NULL, last[512] = "";

		net_trader(&c, "itest-audit");
		/* x1..x4 and the library's wrong token at least once. */
		for (long long t0 = itest_now_ms(); shown + summed < 5 &&
		    itest_now_ms() - t0 < 30000; usleep(250000)) {
			r = net_cmd(c, "{\"cmd\":\"snapshot\"}");
			assert_true(itest_ok(r));
			bad_token = no_token = version = shown = 0;
			summed = 0;
			cJSON_ArrayForEach(a, cJSON_GetObjectItem(r, "refusals")) {
				const cJSON *cnt = cJSON_GetObjectItem(a, "count");

				if (strcmp(itest_str(a, "peer"), "tcp 127.0.0.1") != 0)
					continue;
				if (strcmp(itest_str(a, "cmd"), "refused") == 0 &&
				    cJSON_IsNumber(cnt)) {
					summed += cnt->valuedouble;
					snprintf(last, sizeof last, "%s",
					    itest_str(a, "result"));
				}
				if (strcmp(itest_str(a, "cmd"), "events hello") != 0)
					continue;
				shown++;
				bad_token += strstr(itest_str(a, "result"),
				    "not a token this engine knows") != NULL &&
				    strcmp(itest_str(a, "code"), "auth") == 0;
				no_token += strstr(itest_str(a, "result"),
				    "must present a token") != NULL;
				version += strcmp(itest_str(a, "code"), "version") == 0;
			}
			cJSON_free(all);
			all = cJSON_PrintUnformatted(r);
			cJSON_Delete(r);
		}
		fprintf(stderr, "events: refused hellos audited: %d one by one "
		    "(wrong token %d, none %d, version %d); summed up %.0f: %s\n",
		    shown, bad_token, no_token, version, summed, last);
		assert_true(bad_token >= 1 && no_token >= 1 && version >= 1);
		assert_true(shown + summed >= 5);
		/* More than three in an interval: the rest summed up. */
		if (shown < 5)
			assert_non_null(strstr(last, "auth "));
		assert_null(strstr(all, "wrong-token-123"));
		assert_null(strstr(all, "not-the-token"));
		cJSON_free(all);
		ipc_client_close(c);
	}
}

/*
 * An admitted peer that goes on talking is closed: tranche's clients say
 * one hello a connection, and what an admitted peer sends is dropped
 * unread, but it took its share of each pass's bound from the hellos of
 * others (a flood from a peer holding a token).  A client attaching
 * meanwhile gets its events.
 */
/* Read one SP frame of fd (pair1: a 64-bit length, a 32-bit header, the
 * body) into buf (its body, NUL-ended, cut to cap), within ms: 1, 0 when
 * the engine closed the connection, -1 on timeout. */
static int
raw_frame(int fd, char *buf, size_t cap, int ms)
{
	unsigned char head[8];
	uint64_t len = 0;
	size_t got = 0;

	for (long long t0 = itest_now_ms(); got < 8; ) {
		struct pollfd pf = { .fd = fd, .events = POLLIN };
		ssize_t k;

		if (itest_now_ms() - t0 > ms)
			return -1;
		if (poll(&pf, 1, 100) <= 0)
			continue;
		if ((k = read(fd, head + got, 8 - got)) <= 0)
			return 0;
		got += (size_t)k;
	}
	for (int i = 0; i < 8; i++)
		len = len << 8 | head[i];
	buf[0] = '\0';
	for (uint64_t i = 0; i < len; ) {
		char c[4096];
		ssize_t k = read(fd, c, len - i < sizeof c ? (size_t)(len - i) :
		    sizeof c);

		if (k <= 0)
			return 0;
		/* The body after pair1's 4-byte header. */
		for (ssize_t j = 0; j < k; j++)
			if (i + (uint64_t)j >= 4 && i + (uint64_t)j - 4 < cap - 1) {
				buf[i + (uint64_t)j - 4] = c[j];
				buf[i + (uint64_t)j - 3] = '\0';
			}
		i += (uint64_t)k;
	}
	return 1;
}

/* Send body as one SP pair1 frame on fd: 0 or -1. */
static int
raw_send_frame(int fd, const char *body)
{
	size_t blen = strlen(body), len = blen + 4;
	unsigned char head[12] = { 0 };

	for (int i = 0; i < 8; i++)
		head[i] = (unsigned char)((uint64_t)len >> (56 - 8 * i));
	return write(fd, head, sizeof head) == (ssize_t)sizeof head &&
	    write(fd, body, blen) == (ssize_t)blen ? 0 : -1;
}

/*
 * An admitted peer that goes on talking is closed: tranche's clients say
 * one hello a connection, and what an admitted peer sends is dropped
 * unread, but it took its share of each pass's bound from the hellos of
 * others (a flood from a peer holding a token).  A client attaching
 * meanwhile gets its events.  The peer is a plain TCP socket speaking SP,
 * so that what sees the close is the kernel: an NNG peer closed while an
 * event of the engine arrives can wedge its own reaper and never hear of
 * it (the CI failure of 2026-12-07, 2 runs in 12 under load, with the
 * engine before that day's changes and after alike).
 */
static void
events_admitted_peer_that_talks_is_closed(void **state)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	unsigned char sp[8] = { 0, 'S', 'P', 0, 0, 0x11, 0, 0 }, peer[8];
	struct timeval tv = { .tv_sec = 0, .tv_usec = 200000 };
	char first[1024], buf[256];
	int fd, got, sent = 0, rv = 1, closed = 0;
	static const char hello[] = "{\"cmd\":\"hello\",\"id\":\"t1\","
	    "\"v\":3,\"token\":\"" TRADER_TOKEN "\"}";

	(void)state;
	net_start(0, "--speed=300", "--set=market.mkt_rate=2");
	net_wait_up();
	sa.sin_port = htons((uint16_t)atoi(strrchr(n.evurl, ':') + 1));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true((fd = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	assert_int_equal(write(fd, sp, sizeof sp), (ssize_t)sizeof sp);
	assert_int_equal(read(fd, peer, sizeof peer), (ssize_t)sizeof peer);
	assert_int_equal(raw_send_frame(fd, hello), 0);
	/* Admitted: the hello's answer, then events. */
	first[0] = '\0';
	got = 0;
	for (long long t0 = itest_now_ms(); itest_now_ms() - t0 < 3000 &&
	    got < 2 && (rv = raw_frame(fd, buf, sizeof buf, 3000)) == 1; got++)
		if (got == 0)
			snprintf(first, sizeof first, "%s", buf);
	if (strstr(first, "\"ok\":true") == NULL || got < 2)
		fail_msg("the hello: %d message(s), first %s", got, first);
	/* Then it talks: a few hundred messages, as fast as they go. */
	for (int i = 0; i < 400; i++) {
		char junk[64];

		snprintf(junk, sizeof junk, "{\"cmd\":\"hello\",\"n\":%d}", i);
		if (raw_send_frame(fd, junk) != 0)
			break;
		sent++;
	}
	/* Closed by the engine within 10 s: the events it sends meanwhile
	 * are read and dropped. */
	for (long long t0 = itest_now_ms(); !closed &&
	    itest_now_ms() - t0 < 10000;)
		closed = raw_frame(fd, buf, sizeof buf, 10000) == 0;
	close(fd);
	fprintf(stderr, "events: an admitted peer sent %d messages after its "
	    "hello; closed: %s\n", sent, closed ? "yes" : "no");
	assert_true(closed);
	/* Another client is served as before. */
	assert_int_equal(net_client(&n.c, VIEWER_TOKEN, "itest-viewer"), 0);
	net_client_served(n.c, 20000, "after the talking peer's close");
}

/*
 * 256 tcp:// connections of a viewer token, each admitted and never read,
 * fill the events table; a local (ipc://) console attaching then still
 * gets its events, the oldest tcp:// connection closed to make room.  It
 * got none for as long as the 256 stayed (found by an adversarial review,
 * 2026-12-07), where the control socket already let a local peer in.
 */
static void
events_a_full_table_of_remote_peers_lets_a_local_one_in(void **state)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	unsigned char sp[8] = { 0, 'S', 'P', 0, 0, 0x11, 0, 0 }, peer[8];
	static const char hello[] = "{\"cmd\":\"hello\",\"id\":\"h\","
	    "\"v\":3,\"token\":\"" VIEWER_TOKEN "\"}";
	struct ipc_client_cfg cfg = { .name = "itest-local" };
	static int fds[EV_HOG];
	char local[96], listen[128], buf[256], err[256];
	int nfd = 0, got, beats, shut = 0;

	(void)state;
	snprintf(local, sizeof local, "ipc:///tmp/tranche-itest-local-%d",
	    (int)getpid());
	snprintf(listen, sizeof listen, "--listen=%s", local);
	net_start(0, "--speed=60", listen);
	net_wait_up();
	sa.sin_port = htons((uint16_t)atoi(strrchr(n.evurl, ':') + 1));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	/* One at a time, each admitted (its hello answered) before the next:
	 * at most 8 may wait from one address. */
	for (int i = 0; i < EV_HOG; i++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);

		assert_true(fd >= 0);
		if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
		    write(fd, sp, sizeof sp) != (ssize_t)sizeof sp ||
		    read(fd, peer, sizeof peer) != (ssize_t)sizeof peer ||
		    raw_send_frame(fd, hello) != 0 ||
		    raw_frame(fd, buf, sizeof buf, 5000) != 1 ||
		    strstr(buf, "\"ok\":true") == NULL) {
			close(fd);
			break;
		}
		fds[nfd++] = fd;
	}
	fprintf(stderr, "events: %d tcp:// connections of a viewer token "
	    "admitted\n", nfd);
	assert_int_equal(nfd, EV_HOG);
	cfg.ctl_url = local;
	if (ipc_client_open_cfg(&n.c, &cfg, err, sizeof err) != 0)
		fail_msg("the local client: %s", err);
	got = net_client_events(n.c, 10000, &beats, 1);
	/* The one closed to make room: the oldest. */
	for (int i = 0; i < nfd; i++) {
		struct pollfd pf = { .fd = fds[i], .events = POLLIN };
		char b[4096];

		/* Drain what came; 0 from read is the close. */
		while (poll(&pf, 1, 0) == 1 && (pf.revents & (POLLIN |
		    POLLHUP))) {
			ssize_t k = read(fds[i], b, sizeof b);

			if (k <= 0) {
				shut += k == 0;
				break;
			}
		}
	}
	fprintf(stderr, "events: the local client got %d events (%d "
	    "heartbeats); %d of the tcp:// ones closed\n", got, beats, shut);
	for (int i = 0; i < nfd; i++)
		close(fds[i]);
	assert_true(got >= 10 && beats >= 1);
	assert_true(shut >= 1);
}

/* A raw pair1 connection to the events port that says a hello with a
 * token the engine does not know, then fills the connection with small
 * messages without waiting for them to be read: its descriptor. */
static int
net_flooder(int port)
{
	static const char hello[] = "{\"cmd\":\"hello\",\"id\":\"f\","
	    "\"v\":3,\"token\":\"not-a-token-of-this-engine\"}";
	static unsigned char burst[13 * 2000];
	unsigned char sp[8] = { 0, 'S', 'P', 0, 0, 0x11, 0, 0 }, got[8];
	unsigned char head[12] = { 0 };
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	size_t len = sizeof hello - 1 + 4;

	assert_true(fd >= 0);
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
	    write(fd, sp, sizeof sp) != sizeof sp ||
	    read(fd, got, sizeof got) != sizeof got) {
		close(fd);
		return -1;
	}
	/* SP: a 64-bit length, then pair1's 32-bit header, then the body. */
	for (int i = 0; i < 8; i++)
		head[i] = (unsigned char)(len >> (56 - 8 * i));
	if (write(fd, head, sizeof head) != sizeof head ||
	    write(fd, hello, sizeof hello - 1) != (ssize_t)(sizeof hello - 1)) {
		close(fd);
		return -1;
	}
	for (size_t i = 0; i < sizeof burst; i += 13) {
		memset(burst + i, 0, 13);
		burst[i + 7] = 5;
		burst[i + 12] = 'x';
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	for (int i = 0; i < 200 && write(fd, burst, sizeof burst) > 0; i++)
		;
	return fd;
}

/*
 * Peers refused at their hello that go on sending, round after round,
 * each round overlapping the last.  The engine closed each a second after
 * its refusal, in the middle of its flood; closing a pipe while a message
 * of it is arriving left NNG 1.5.2's reaper waiting for ever (ipc/
 * nngclose.h), after which no connection of the engine was freed: its
 * descriptors grew by the hundred and, the events table full, consoles
 * got no events (found by a probe; 20 to 570 descriptors in 16 rounds).
 * Now a refused peer is closed once quiet: every connection is freed, the
 * descriptors come back to where they were, and a viewer hears events.
 */
/* itest_rounds()'s opener: a flooder on the events port of n. */
static int
net_flooder_open(void *arg)
{
	(void)arg;
	return net_flooder(atoi(strrchr(n.evurl, ':') + 1));
}

static void
events_refused_floods_do_not_wedge_the_engine(void **state)
{
	enum { ROUNDS = 16, PER = 50 };
	int nfd, base, peak, now;

	(void)state;
	net_start(0, "--speed=300", "--set=market.mkt_rate=2");
	net_wait_up();
	assert_non_null(strrchr(n.evurl, ':'));
	base = itest_fds(n.pid);
	assert_true(base > 0);
	itest_rounds(n.pid, ROUNDS, PER, net_flooder_open, NULL, &nfd, &peak);
	now = itest_fds_settle(n.pid, base + 4, 20000);
	fprintf(stderr, "events: %d refused flooders in %d rounds: the "
	    "engine's descriptors %d before, %d at most, %d after\n", nfd,
	    ROUNDS, base, peak, now);
	if (now > base + 4)
		fail_msg("the engine kept %d descriptors of %d refused flooders "
		    "(%d before): NNG stopped freeing its connections", now - base,
		    nfd, base);
	assert_int_equal(net_client(&n.c, VIEWER_TOKEN, "itest-viewer"), 0);
	net_client_served(n.c, 20000, "after the flooders");
}

/* Whatever is wrong with a hello, a refusal never shows the token: the
 * refusal goes to the peer, the audit topic (every viewer), the journal
 * and the peer's summary.  A token with a control character in it (one
 * read from a CRLF file) was quoted in the refusal's words; a hello that
 * does not parse was journaled as its raw text. */
static void
events_refusals_never_show_a_token(void **state)
{
	struct ipc_client *c = NULL;
	cJSON *r = NULL;
	char cmd[600], *all;
	int rc;

	(void)state;
	net_start(0, "--speed=300", "--set=market.mkt_rate=2");
	net_wait_up();
	net_refused("{\"cmd\":\"hello\",\"id\":\"x5\",\"v\":3,\"token\":"
	    "\"s3cret-cr\\r\"}", "(not shown)", 10000);
	/* The same refusal from the same peer again, as a client dialling
	 * again would get: only counted. */
	net_refused("{\"cmd\":\"hello\",\"id\":\"x7\",\"v\":3,\"token\":"
	    "\"s3cret-cr\\r\"}", "(not shown)", 10000);
	net_refused("{\"cmd\":\"hello\",\"v\":3,\"token\":\"s3cret-raw",
	    "not valid JSON", 10000);
	net_refused("{\"cmd\":\"hello\",\"id\":\"x6\",\"v\":3,\"token\":"
	    "\"s3cret-\\u0001x\"}", "(not shown)", 10000);
	/* Neither a token sent without quotes, one under an escaped name,
	 * nor one inside an object (each answered, at least, without it). */
	net_refused("{\"cmd\":\"hello\",\"id\":\"x8\",\"v\":3,\"token\":"
	    "s3cret-bare}", "(not shown)", 10000);
	net_refused("{\"cmd\":\"hello\",\"id\":\"x9\",\"v\":3,\"tok\\u0065n\":"
	    "\"s3cret-esc\\r\"}", "(not shown)", 10000);
	net_refused("{\"cmd\":\"hello\",\"id\":\"xa\",\"v\":3,\"token\":"
	    "{\"x\":\"s3cret-obj\\r\"}}", "(not shown)", 10000);
	net_trader(&c, "itest-secret");
	for (int i = 0; i < 20 && r == NULL; i++)
		r = net_cmd(c, "{\"cmd\":\"snapshot\"}");
	assert_true(itest_ok(r));
	all = cJSON_PrintUnformatted(r);
	cJSON_Delete(r);
	/* Three were recorded one by one, the repeat only counted. */
	{
		const char *p = all;
		int cr = 0;

		while ((p = strstr(p, "character \\\\u000d")) != NULL) {
			cr++;
			p++;
		}
		assert_int_equal(cr, 1);
	}
	assert_non_null(strstr(all, "events hello"));
	assert_non_null(strstr(all, "not valid JSON"));
	assert_non_null(strstr(all, "character \\\\u0001"));
	assert_null(strstr(all, "s3cret"));
	cJSON_free(all);
	/* A hello on the control socket with such a token, refused the same
	 * way (last: it leaves the connection unauthenticated). */
	r = net_cmd(c, "{\"cmd\":\"hello\",\"role\":\"trader\",\"v\":3,"
	    "\"token\":\"s3cret-ctl\\r\"}");
	assert_non_null(r);
	assert_false(itest_ok(r));
	assert_non_null(strstr(itest_errmsg(r), "(not shown)"));
	assert_null(strstr(itest_errmsg(r), "s3cret"));
	cJSON_Delete(r);
	ipc_client_close(c);
	/* Nor the journal, written at the end of each pass. */
	usleep(500000);
	snprintf(cmd, sizeof cmd, "grep -c s3cret %s/j*.trj >/dev/null", n.dir);
	rc = system(cmd);
	if (rc == 0)
		fail_msg("the journal in %s holds a token", n.dir);
	snprintf(cmd, sizeof cmd, "grep -c 'did not parse, naming a token' "
	    "%s/j*.trj >/dev/null", n.dir);
	assert_int_equal(system(cmd), 0);
}

static void
events_tcp_token_client_recovers_gap(void **state)
{
	struct ipc_event ev;
	uint64_t first, last = 0, gaps = 0, snap_seq;
	int64_t seq;
	cJSON *r;
	int after = 0, silent = 0;

	(void)state;
	net_start(0, "--speed=1000", "--set=market.mkt_rate=3");
	net_wait_up();
	net_trader(&n.c, "itest-gap");
	assert_int_equal(ipc_client_wait_event(n.c, &ev, 20000), 1);
	first = last = ev.seq;
	ipc_event_free(&ev);
	/*
	 * Lose events: the events connection is dialled afresh (as the console
	 * does when a TLS handshake hangs), and what the engine publishes
	 * until the new connection has said hello again goes to nobody.  (A
	 * reader that merely stops loses nothing for a long while over
	 * loopback TCP: the kernel's buffers held 55,000 events, 8 MB, for
	 * 6 s when measured, so the stop would take too long for a test.)
	 */
	/* A redial loses what is published while the new connection says
	 * hello; when that window happens to hold no event, dial again. */
	assert_int_equal(ipc_client_redial_events(n.c), 0);
	for (long long t0 = itest_now_ms(), t_dial = t0, since = 0,
	    wait = 5000; gaps == 0 && itest_now_ms() - t0 < 60000;) {
		/* Dial again only once the new connection has been admitted and
		 * delivered without a gap (a redial before its hello is
		 * answered would never be admitted on a loaded machine); or,
		 * as the console does, when a dial has brought nothing for 5
		 * s, then 10, then 20: seen in CI under load, a new events
		 * connection that delivered nothing for 30 s, and once five
		 * dials 5 s apart that all brought nothing (2026-12-06), each
		 * perhaps cut while its handshake was still under way on a
		 * loaded engine (README, "Known gaps"); counted here. */
		if ((since > 0 && itest_now_ms() - t_dial >= 500) ||
		    (since == 0 && itest_now_ms() - t_dial >= wait)) {
			if (since == 0) {
				silent++;
				fprintf(stderr, "events: a redial brought nothing "
				    "in %lld s; dialling again\n", wait / 1000);
				if (wait < 20000)
					wait *= 2;
			}
			assert_int_equal(ipc_client_redial_events(n.c), 0);
			t_dial = itest_now_ms();
			since = 0;
		}
		if (ipc_client_wait_event(n.c, &ev, 200) != 1)
			continue;
		since++;
		if (ev.seq > last + 1)
			gaps++;
		last = ev.seq;
		ipc_event_free(&ev);
	}
	if (gaps == 0)
		fail_msg("no gap across a redial of the events (seq %llu to %llu "
		    "read, %llu messages, %d dials that brought nothing)",
		    (unsigned long long)first, (unsigned long long)last,
		    (unsigned long long)ipc_client_event_messages(n.c), silent);
	/* The new connection said hello again and was admitted. */
	assert_true(ipc_client_events_hellos(n.c) >= 2);
	assert_int_equal(ipc_client_events_state(n.c, NULL, 0), 1);
	r = NULL;
	for (long long t0 = itest_now_ms(); r == NULL &&
	    itest_now_ms() - t0 < 10000;)
		r = net_cmd(n.c, "{\"cmd\":\"snapshot\"}");
	assert_true(itest_ok(r));
	assert_int_equal(ipc_get_i64(r, "seq", &seq), 0);
	cJSON_Delete(r);
	snap_seq = (uint64_t)seq;
	/* From the snapshot on, every event in order. */
	last = 0;
	for (long long t0 = itest_now_ms(); after < 500 &&
	    itest_now_ms() - t0 < 10000;) {
		if (ipc_client_wait_event(n.c, &ev, 200) != 1)
			continue;
		if (ev.seq > snap_seq) {
			if (last != 0 && ev.seq != last + 1)
				fail_msg("gap after the snapshot: seq %llu after %llu",
				    (unsigned long long)ev.seq,
				    (unsigned long long)last);
			if (last == 0 && ev.seq != snap_seq + 1)
				fail_msg("first event after the snapshot at seq %llu "
				    "is %llu", (unsigned long long)snap_seq,
				    (unsigned long long)ev.seq);
			last = ev.seq;
			after++;
		}
		ipc_event_free(&ev);
	}
	fprintf(stderr, "events: a trader-token client found the gap, took a "
	    "snapshot at seq %llu, then read %d events in order\n",
	    (unsigned long long)snap_seq, after);
	assert_true(after >= 500);
}

static void
events_tls_tokenless_sub_gets_nothing(void **state)
{
	(void)state;
	if (system("openssl version >/dev/null 2>&1") != 0)
		skip();
	net_start(1, "--speed=300", "--set=market.mkt_rate=2");
	if (access(n.ca, R_OK) != 0)
		fail_msg("openssl made no certificate in %s", n.dir);
	net_wait_port();
	net_sub_gets_nothing();
}

/*
 * Short-lived TLS clients, two at a time (four handshakes at once, the
 * case NNG 1.5.2 with mbedTLS can leave hanging: nanomsg/nng#1666): every
 * one is answered and receives events within 10 s, by the library alone
 * -- no caller redials anything.
 */
static void
tls_clients_come_and_go(void **state)
{
	enum { CLIENTS = 30, PAR = 2, LIMIT_MS = 10000 };
	long long worst = 0, total = 0;
	int slow = 0;

	(void)state;
	if (system("openssl version >/dev/null 2>&1") != 0)
		skip();
	net_start(1, "--speed=300", "--set=market.mkt_rate=2");
	net_wait_up();
	for (int i = 0; i < CLIENTS; i += PAR) {
		struct ipc_client *c[PAR];
		int answered[PAR] = { 0 }, heard[PAR] = { 0 }, done = 0;
		long long t0 = itest_now_ms(), took;

		for (int k = 0; k < PAR; k++) {
			char name[32];

			snprintf(name, sizeof name, "itest-short%d", i + k);
			assert_int_equal(net_client(&c[k], TRADER_TOKEN, name), 0);
		}
		while (done < PAR && itest_now_ms() - t0 < LIMIT_MS) {
			done = 0;
			for (int k = 0; k < PAR; k++) {
				struct ipc_event ev;
				cJSON *r;

				if (!answered[k] && (r = net_cmd(c[k], "{\"cmd\":"
				    "\"hello\",\"role\":\"viewer\",\"token\":\""
				    VIEWER_TOKEN "\",\"v\":3}")) != NULL) {
					char why[256];

					answered[k] = itest_ok(r);
					snprintf(why, sizeof why, "%s", itest_errmsg(r));
					cJSON_Delete(r);
					if (!answered[k])
						fail_msg("TLS client %d: hello refused: %s",
						    i + k, why);
				}
				if (!heard[k] && ipc_client_wait_event(c[k], &ev,
				    50) == 1) {
					heard[k] = 1;
					ipc_event_free(&ev);
				}
				done += answered[k] && heard[k];
			}
		}
		took = itest_now_ms() - t0;
		for (int k = 0; k < PAR; k++) {
			if (!answered[k] || !heard[k])
				fail_msg("TLS client %d of %d: %s after %lld ms", i + k,
				    CLIENTS, !answered[k] ? "no answer" :
				    "no events", took);
			ipc_client_close(c[k]);
		}
		worst = took > worst ? took : worst;
		total += took;
		slow += took > 2000;
	}
	fprintf(stderr, "events: %d TLS clients, %d at a time: all answered "
	    "and heard, mean %lld ms, worst %lld ms, %d pairs over 2 s; %lu "
	    "closes abandoned in this process (NNG 1.5.2's reaper, "
	    "nanomsg/nng#1543)\n", CLIENTS, PAR, total / (CLIENTS / PAR),
	    worst, slow, ipc_nng_abandoned());
}

/*
 * A stallproxy in front of the engine (tests/integration/stallproxy.c):
 * its port, whose first silent connections on each of the two ports are
 * accepted and never answered.
 */
static int
net_proxy(int silent)
{
	char target[16], nsilent[16], line[32] = "";
	int fd[2], saved, port;
	ssize_t k;
	char *argv[] = { (char *)stallproxy, target, nsilent, NULL };

	snprintf(target, sizeof target, "%s", strrchr(n.url, ':') + 1);
	snprintf(nsilent, sizeof nsilent, "%d", silent);
	fflush(stdout);
	assert_int_equal(pipe(fd), 0);
	assert_true((saved = fcntl(1, F_DUPFD_CLOEXEC, 3)) >= 0);
	assert_true(dup2(fd[1], 1) == 1);
	n.proxy = itest_spawn(stallproxy, argv);
	assert_true(dup2(saved, 1) == 1);
	close(saved);
	close(fd[1]);
	assert_true(n.proxy > 0);
	k = read(fd[0], line, sizeof line - 1);
	close(fd[0]);
	assert_true(k > 0);
	line[k] = '\0';
	assert_true((port = atoi(line)) > 0);
	return port;
}

/*
 * Both of a TLS client's first connections are accepted and never
 * answered -- a handshake that never finishes, as NNG 1.5.2 sometimes
 * leaves one: the client dials both again by itself (the requests' dialer
 * while a request waits, the events' dialer while events are waited for)
 * and is answered and hears events within 20 s (3.2 s unloaded), with no
 * redial by its caller.  (Before, it waited for good: no answer, no events.)
 *
 * It runs in a process of its own (ctest integration/events-redial): after
 * tls_clients_come_and_go has opened and closed 30 TLS clients, NNG 1.5.2's
 * reaper is sometimes stuck for good (nanomsg/nng#1543; that case prints
 * how many closes it abandoned), and in such a process this case has
 * failed with no redial counted in 20 s (CI, and 1 run in 2 here with two
 * other tests beside it).  That is a state of a process that opened and
 * closed client after client; the console has one client per process.
 */
static void
tls_unanswered_handshakes_are_dialled_again(void **state)
{
	struct ipc_client_cfg cfg = { .name = "itest-stall", .token =
	    VIEWER_TOKEN };
	char url[64], evurl[64], err[512];
	long long t0, answered = -1, heard = -1;
	int port;

	(void)state;
	if (system("openssl version >/dev/null 2>&1") != 0)
		skip();
	if (stallproxy == NULL)
		skip();
	/* Few events: the proxy relays with blocking writes, and a client
	 * that reads slowly must not stall it. */
	net_start(1, "--speed=10", "--set=market.mkt_rate=0.5");
	net_wait_up();
	port = net_proxy(1);
	snprintf(url, sizeof url, "tls+tcp://127.0.0.1:%d", port);
	snprintf(evurl, sizeof evurl, "tls+tcp://127.0.0.1:%d", port + 1);
	cfg.ctl_url = url;
	cfg.events_url = evurl;
	cfg.tls_ca = n.ca;
	t0 = itest_now_ms();
	if (ipc_client_open_cfg(&n.c, &cfg, err, sizeof err) != 0)
		fail_msg("%s", err);
	while ((answered < 0 || heard < 0) && itest_now_ms() - t0 < 20000) {
		struct ipc_event ev;
		cJSON *r;

		if (answered < 0 && (r = net_cmd(n.c, "{\"cmd\":\"hello\","
		    "\"role\":\"viewer\",\"token\":\"" VIEWER_TOKEN "\","
		    "\"v\":3}")) != NULL) {
			if (itest_ok(r))
				answered = itest_now_ms() - t0;
			cJSON_Delete(r);
		}
		if (heard < 0 && ipc_client_wait_event(n.c, &ev, 200) == 1) {
			heard = itest_now_ms() - t0;
			ipc_event_free(&ev);
		}
	}
	fprintf(stderr, "events: behind a proxy that never answers a first "
	    "connection: answered after %lld ms, events after %lld ms, %lu "
	    "redials\n", answered, heard, ipc_client_redials(n.c));
	assert_true(answered >= 0);
	assert_true(heard >= 0);
	assert_true(ipc_client_redials(n.c) >= 2);
}

/* A good client of the engine n: answered and hears an event within
 * limit_ms; the time it took, or -1. */
static long long
net_good_client(const char *name, int limit_ms)
{
	struct ipc_client *c;
	long long t0 = itest_now_ms(), answered = -1, heard = -1;

	assert_int_equal(net_client(&c, VIEWER_TOKEN, name), 0);
	while ((answered < 0 || heard < 0) && itest_now_ms() - t0 < limit_ms) {
		struct ipc_event ev;
		cJSON *r;

		if (answered < 0 && (r = net_cmd(c, "{\"cmd\":\"hello\","
		    "\"role\":\"viewer\",\"token\":\"" VIEWER_TOKEN "\","
		    "\"v\":3}")) != NULL) {
			if (itest_ok(r))
				answered = itest_now_ms() - t0;
			cJSON_Delete(r);
		}
		if (heard < 0 && ipc_client_wait_event(c, &ev, 200) == 1) {
			heard = itest_now_ms() - t0;
			ipc_event_free(&ev);
		}
	}
	ipc_client_close(c);
	return answered >= 0 && heard >= 0 ? itest_now_ms() - t0 : -1;
}

/* A raw TCP connection to port that sends len bytes of what and closes. */
static void
net_raw_tcp(int port, const void *what, size_t len)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0 && len > 0 &&
	    write(fd, what, len) < 0)
		fprintf(stderr, "itest-events: raw write failed\n");
	close(fd);
}

/*
 * The TLS ports meet what a careless or hostile peer sends -- a client
 * whose CA does not verify the engine (many handshakes refused), a plain
 * tcp:// client, garbage, a connection closed at once, clients that go
 * away in the middle of their handshakes, openssl s_client hanging up
 * after its handshake -- round after round; after each round a good
 * client is answered and hears events within 15 s.
 *
 * NOT YET PASSING, so run only with ITEST_TLS_ABUSE=1: NNG 1.5.2's TLS
 * listener sometimes stops reading new connections after a client went
 * away mid-handshake (README, "Known limits").  The engine notices and
 * listens afresh (server-listen.c), and clients dial again by themselves,
 * but some rounds still wait past 15 s.
 */
static void
tls_bad_handshakes_leave_events_working(void **state)
{
	enum { ROUNDS = 15 };
	char other[400], plain[160], cmd[1024];
	int port;
	long long worst = 0;

	(void)state;
	if (getenv("ITEST_TLS_ABUSE") == NULL) {
		fprintf(stderr, "events: tls_bad_handshakes_leave_events_working "
		    "skipped: known to fail (NNG 1.5.2's TLS listener); set "
		    "ITEST_TLS_ABUSE=1 to run it\n");
		skip();
	}
	if (system("openssl version >/dev/null 2>&1") != 0)
		skip();
	net_start(1, "--speed=300", "--set=market.mkt_rate=2");
	net_wait_up();
	snprintf(other, sizeof other, "%s/other.pem", n.dir);
	net_shell("openssl req -x509 -newkey ec -pkeyopt "
	    "ec_paramgen_curve:prime256v1 -nodes -days 1 -subj /CN=127.0.0.1 "
	    "-addext subjectAltName=DNS:127.0.0.1,DNS:localhost,IP:127.0.0.1 "
	    "-keyout %s/other.key -out %s >/dev/null 2>&1", n.dir, other);
	port = atoi(strrchr(n.url, ':') + 1);
	snprintf(plain, sizeof plain, "tcp://127.0.0.1:%d", port);
	for (int round = 0; round < ROUNDS; round++) {
		struct ipc_client_cfg bad = { .ctl_url = n.url, .name = "bad-ca",
		    .token = VIEWER_TOKEN, .tls_ca = other };
		struct ipc_client_cfg tcp = { .ctl_url = plain, .name = "plain",
		    .token = VIEWER_TOKEN };
		struct ipc_client *c;
		char err[512], name[32];
		cJSON *req, *rep = NULL;
		long long took;

		assert_int_equal(ipc_client_open_cfg(&c, &bad, err, sizeof err), 0);
		req = cJSON_Parse("{\"cmd\":\"status\"}");
		assert_int_not_equal(ipc_client_request(c, req, &rep, 1000), 0);
		cJSON_Delete(req);
		ipc_client_close(c);
		assert_int_equal(ipc_client_open_cfg(&c, &tcp, err, sizeof err), 0);
		req = cJSON_Parse("{\"cmd\":\"status\"}");
		assert_int_not_equal(ipc_client_request(c, req, &rep, 500), 0);
		cJSON_Delete(req);
		ipc_client_close(c);
		for (int k = 0; k < 2; k++) {
			net_raw_tcp(port + k, NULL, 0);
			static const char junk[] = "\x16\x03\x01\x00\xff garbage";

			net_raw_tcp(port + k, junk, sizeof junk - 1);
		}
		/* Clients that go away at once, mid-handshake. */
		for (int k = 0; k < 10; k++) {
			struct ipc_client_cfg good = { .ctl_url = n.url,
			    .name = "brief", .token = VIEWER_TOKEN, .tls_ca = n.ca };

			assert_int_equal(ipc_client_open_cfg(&c, &good, err,
			    sizeof err), 0);
			usleep((useconds_t)(k * 3000));
			ipc_client_close(c);
		}
		snprintf(cmd, sizeof cmd, "timeout 10 openssl s_client -connect "
		    "127.0.0.1:%d -CAfile %s </dev/null >/dev/null 2>&1", port + 1,
		    n.ca);
		net_shell("%s", cmd);
		snprintf(name, sizeof name, "good-%d", round);
		took = net_good_client(name, 15000);
		if (took < 0)
			fail_msg("round %d: after the bad peers a good client was "
			    "not answered or heard no events in 15 s", round);
		if (took > 2000)
			fprintf(stderr, "events: round %d took %lld ms\n", round, took);
		worst = took > worst ? took : worst;
	}
	fprintf(stderr, "events: %d rounds of bad TLS peers; a good client "
	    "each time, worst %lld ms\n", ROUNDS, worst);
}

/* A status reply r (freed): its simulated time in seconds, and its
 * lost_ms in *lost when not NULL. */
static double
net_status_t(cJSON *r, double *lost)
{
	const char *t;
	double v;

	assert_non_null(r);
	assert_true(itest_ok(r));
	assert_non_null(t = itest_str(r, "t"));
	v = (double)strtoll(t, NULL, 10) / 1e9;
	if (lost != NULL)
		*lost = cJSON_GetNumberValue(cJSON_GetObjectItem(r, "lost_ms"));
	cJSON_Delete(r);
	return v;
}

static void
stalled_engine_answers_while_it_catches_up(void **state)
{
	const int stall_ms = 8000;
	const double speed = 1000, owed = stall_ms / 1000.0 * speed;
	double t0, t1, t2, lost0, lost;
	long long w0, w1;
	cJSON *req, *r = NULL;
	pid_t cont;

	(void)state;
	net_start(0, "--speed=1000", "--set=market.mkt_rate=2");
	net_wait_up();
	net_trader(&n.c, "itest-stall");
	t0 = net_status_t(net_status(n.c), &lost0);
	/* Stopped; a child lets it go on after stall_ms, while this asks. */
	assert_int_equal(kill(n.pid, SIGSTOP), 0);
	w0 = itest_now_ms();
	assert_true((cont = fork()) >= 0);
	if (cont == 0) {
		usleep((useconds_t)stall_ms * 1000);
		kill(n.pid, SIGCONT);
		_exit(0);
	}
	req = cJSON_Parse("{\"cmd\":\"status\"}");
	if (ipc_client_request(n.c, req, &r, stall_ms + 20000) != 0)
		r = NULL;
	cJSON_Delete(req);
	waitpid(cont, NULL, 0);
	kill(n.pid, SIGCONT);
	t1 = net_status_t(r, NULL);
	w1 = itest_now_ms() - w0;
	/* Asked again at once: were the first answered between two passes
	 * before the catch-up began, this one would wait behind it. */
	t2 = net_status_t(net_cmd(n.c, "{\"cmd\":\"status\"}"), NULL);
	fprintf(stderr, "events: stopped %d ms at %gx; the status asked meanwhile "
	    "was answered %lld ms after the stop, %.0f simulated s after the "
	    "one before, the next %.0f s (%.0f owed)\n", stall_ms, speed, w1,
	    t1 - t0, t2 - t0, owed);
	/* A pass works at most 100 ms, and at most 1 s of wall time's worth
	 * is owed; the rest is given up and counted.  The old engine
	 * simulated all 8,000 s first.  (The first answer may come before
	 * the clock's first pass after the stop: then its time is the one
	 * before the stop, and the second waits behind that pass.) */
	assert_true(t1 - t0 < 0.5 * owed);
	assert_true(t2 - t0 < 0.5 * owed);
	/* And the clock goes on; what it gave up is counted. */
	sleep(2);
	assert_true(net_status_t(net_status(n.c),
	    &lost) > t2);
	fprintf(stderr, "events: lost_ms +%.0f over the stop\n", lost - lost0);
	assert_true(lost - lost0 >= stall_ms - 2000);
}

/* A session that has closed has no simulated time left to owe, so an
 * engine stopped after its close has given up nothing (before, a 4 s stop
 * counted as lost_ms 3,011, and a console would have said LATE). */
static void
finished_engine_stopped_is_not_late(void **state)
{
	double t = -2, prev = -1, lost0 = -1, lost1 = -1;

	(void)state;
	/* At 100000x the 6.5-hour day closes within a second of wall time. */
	net_start(0, "--speed=100000", NULL);
	net_wait_up();
	/* Asked until answered: a fresh tcp:// connection to an engine
	 * simulating the day at full speed took more than the 2 s of one
	 * request on two cores running four tests at once. */
	net_trader(&n.c, "itest-late");
	/* Closed: the clock stands still between answers 0.3 s apart (a
	 * running one moves 30,000 simulated s in that time). */
	for (long long w0 = itest_now_ms(); itest_now_ms() - w0 < 20000;) {
		t = net_status_t(net_status(n.c), &lost0);
		if (t == prev)
			break;
		prev = t;
		usleep(300000);
	}
	assert_true(t == prev);
	assert_int_equal(kill(n.pid, SIGSTOP), 0);
	sleep(4);
	kill(n.pid, SIGCONT);
	usleep(1500000);
	net_status_t(net_status(n.c), &lost1);
	fprintf(stderr, "events: stopped 4 s after the close, lost_ms %.0f -> "
	    "%.0f\n", lost0, lost1);
	assert_true(lost1 == lost0);
}

static int
net_teardown(void **state)
{
	char cmd[400];

	(void)state;
	if (n.raw_open)
		ipc_nng_close(n.raw, 2000);
	ipc_client_close(n.c);
	if (n.proxy > 0) {
		kill(n.proxy, SIGTERM);
		waitpid(n.proxy, NULL, 0);
	}
	if (n.pid > 0) {
		kill(n.pid, SIGCONT);
		kill(n.pid, SIGTERM);
		waitpid(n.pid, NULL, 0);
	}
	if (n.log[0] != '\0')
		net_log_dump(n.log);
	if (n.dir[0] != '\0' && getenv("TRANCHE_KEEP_TEST_DIRS") == NULL) {
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", n.dir);
		if (system(cmd) != 0)
			fprintf(stderr, "itest-events: could not remove %s\n", n.dir);
	}
	memset(&n, 0, sizeof n);
	return 0;
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(events_tcp_tokenless_sub_gets_nothing,
		    net_teardown),
		cmocka_unit_test_teardown(
		    events_tcp_silent_or_wrong_peer_gets_nothing, net_teardown),
		cmocka_unit_test_teardown(
		    events_refused_floods_do_not_wedge_the_engine, net_teardown),
		cmocka_unit_test_teardown(events_refusals_never_show_a_token,
		    net_teardown),
		cmocka_unit_test_teardown(
		    events_admitted_peer_that_talks_is_closed, net_teardown),
		cmocka_unit_test_teardown(
		    events_a_full_table_of_remote_peers_lets_a_local_one_in,
		    net_teardown),
		cmocka_unit_test_teardown(events_tcp_token_client_recovers_gap,
		    net_teardown),
		cmocka_unit_test_teardown(events_tls_tokenless_sub_gets_nothing,
		    net_teardown),
		cmocka_unit_test_teardown(tls_clients_come_and_go,
		    net_teardown),
		cmocka_unit_test_teardown(
		    tls_unanswered_handshakes_are_dialled_again, net_teardown),
		cmocka_unit_test_teardown(
		    tls_bad_handshakes_leave_events_working, net_teardown),
		cmocka_unit_test_teardown(
		    stalled_engine_answers_while_it_catches_up, net_teardown),
		cmocka_unit_test_teardown(finished_engine_stopped_is_not_late,
		    net_teardown),
	};

	if (argc < 2) {
		fprintf(stderr, "usage: itest-events PATH-TO-TRANCHED "
		    "[PATH-TO-STALLPROXY [TEST-NAME-PATTERN | -SKIP-PATTERN]]\n");
		return 2;
	}
	tranched = argv[1];
	stallproxy = argc > 2 ? argv[2] : NULL;
	itest_filter(argc > 3 ? argv[3] : NULL);
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
