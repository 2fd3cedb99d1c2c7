/*
 * tests/integration/itest-fix-restart.c -- the FIX acceptor keeps its
 * sequence numbers and its sent messages across a kill -9.
 *
 * It runs the real `tranched fix-echo` with a session that does not reset
 * on disconnect, speaks FIX to it over TCP with messages built here
 * (tests/unit/fix-fixture.h, not the engine's codec), and checks:
 *
 * kill9_resumes_numbers_and_resends_from_store: a Logon and an order are
 *   answered (the order echoed as our MsgSeqNum 2); the acceptor is killed
 *   with SIGKILL and started again on the same store; the counterparty's
 *   Logon at 3 is answered at 3, and its ResendRequest for everything is
 *   answered from the store: a GapFill over the Logon, the order again
 *   with PossDupFlag=Y and OrigSendingTime, a GapFill over the second
 *   Logon.  A Logout ends it and SIGTERM gives exit status 0.
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
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/unit/fix-fixture.h"

static const char *tranched;
static char dir[64];

struct acc {
	pid_t pid;
	int port;
};

static void acc_start(struct acc *a)
{
	char sess[128], store[128];
	int p[2];
	snprintf(sess, sizeof sess, "%s/sessions.json", dir);
	snprintf(store, sizeof store, "%s/store", dir);
	assert_int_equal(pipe(p), 0);
	a->pid = fork();
	assert_true(a->pid >= 0);
	if (a->pid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		execl(tranched, tranched, "fix-echo", "--fix-listen", "tcp://127.0.0.1:0",
		      "--fix-sessions", sess, "--fix-store", store, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	char line[128];
	size_t n = 0;
	struct pollfd pf = {p[0], POLLIN, 0};
	while (n + 1 < sizeof line && poll(&pf, 1, 10000) > 0) {
		if (read(p[0], line + n, 1) != 1)
			break;
		if (line[n++] == '\n')
			break;
	}
	line[n] = '\0';
	close(p[0]);
	if (sscanf(line, "listening tcp://127.0.0.1:%d", &a->port) != 1)
		fail_msg("acceptor said: %s", line);
}

static int fx_connect(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	return fd;
}

static void fx_send(int fd, const char *text)
{
	char m[2048];
	size_t n = fx_msg(m, sizeof m, text, (long long)time(NULL));
	assert_int_equal(write(fd, m, n), (ssize_t)n);
}

/* Reads until want messages (each ending "10=NNN<SOH>") have come, or 10 s;
 * returns them as text with '|' for SOH. */
static char *fx_read(int fd, int want)
{
	static char buf[65536];
	size_t n = 0;
	int got = 0;
	struct pollfd pf = {fd, POLLIN, 0};
	while (got < want && poll(&pf, 1, 10000) > 0) {
		ssize_t r = read(fd, buf + n, sizeof buf - n - 1);
		if (r <= 0)
			break;
		n += (size_t)r;
		got = 0;
		for (size_t i = 0; i + 7 <= n; i++)
			if (buf[i] == '\001' && !memcmp(buf + i + 1, "10=", 3) && i + 7 < n + 1 &&
			    buf[i + 7] == '\001')
				got++;
	}
	return fx_text(buf, n);
}

static void kill9_resumes_numbers_and_resends_from_store(void **state)
{
	struct acc a;
	acc_start(&a);
	int fd = fx_connect(a.port);
	fx_send(fd, "8=FIX.4.4|35=A|34=1|49=TW|52=<NOW>|56=ISLD|98=0|108=30|");
	fx_send(fd, "8=FIX.4.4|35=D|34=2|49=TW|52=<NOW>|56=ISLD|11=K9|38=100|40=1|54=1|55=IBM|60=<NOW>|");
	char *o = fx_read(fd, 2);
	if (!strstr(o, "|35=A|34=1|") || !strstr(o, "|35=D|34=2|"))
		fail_msg("before the kill: %s", o);
	free(o);
	assert_int_equal(kill(a.pid, SIGKILL), 0);
	waitpid(a.pid, NULL, 0);
	close(fd);

	acc_start(&a);
	fd = fx_connect(a.port);
	fx_send(fd, "8=FIX.4.4|35=A|34=3|49=TW|52=<NOW>|56=ISLD|98=0|108=30|");
	o = fx_read(fd, 1);
	if (!strstr(o, "|35=A|34=3|"))
		fail_msg("Logon after the kill: %s", o);
	free(o);
	fx_send(fd, "8=FIX.4.4|35=2|34=4|49=TW|52=<NOW>|56=ISLD|7=1|16=0|");
	o = fx_read(fd, 3);
	char *g1 = strstr(o, "|35=4|34=1|43=Y|");
	char *d = strstr(o, "|35=D|34=2|43=Y|");
	char *g2 = strstr(o, "|35=4|34=3|43=Y|");
	if (!g1 || !d || !g2 || !(g1 < d && d < g2) || !strstr(g1, "|36=2|123=Y|") ||
	    !strstr(d, "|122=") || !strstr(d, "|11=K9|") || !strstr(g2, "|36=4|123=Y|"))
		fail_msg("resend after the kill: %s", o);
	free(o);
	fx_send(fd, "8=FIX.4.4|35=5|34=5|49=TW|52=<NOW>|56=ISLD|");
	o = fx_read(fd, 1);
	if (!strstr(o, "|35=5|34=4|"))
		fail_msg("Logout: %s", o);
	free(o);
	close(fd);
	int st = -1;
	kill(a.pid, SIGTERM);
	waitpid(a.pid, &st, 0);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: itest-fix-restart TRANCHED\n");
		return 2;
	}
	tranched = argv[1];
	fx_tmpdir(dir, sizeof dir, "itest-fix");
	char p[128];
	snprintf(p, sizeof p, "%s/sessions.json", dir);
	FILE *f = fopen(p, "w");
	fprintf(f, "{\"sessions\":[{\"name\":\"oms\",\"version\":\"FIX.4.4\",\"sender\":\"ISLD\","
	           "\"target\":\"TW\",\"reset_on_disconnect\":false}]}\n");
	fclose(f);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(kill9_resumes_numbers_and_resends_from_store),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	char cmd[160];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		rc = 1;
	return rc;
}
