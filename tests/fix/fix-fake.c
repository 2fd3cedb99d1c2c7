/*
 * fix-fake.c -- a deliberately small, and on request deliberately wrong, FIX
 * acceptor, so that the judge (fix-suite) can be shown to fail.
 *
 * It takes the command line of `tranched fix-echo` (fix-echo --fix-listen
 * tcp://127.0.0.1:0 --fix-sessions FILE --fix-store DIR; the sessions and the
 * store are ignored), prints "listening tcp://127.0.0.1:PORT" and answers
 * only Logon and Logout, as a correct acceptor would, unless FIX_FAKE_MODE
 * asks it to get one thing wrong:
 *
 *   good         correct answers (the runner must pass it)
 *   wrongfield   the Logon reply says HeartBtInt 99
 *   badchecksum  the Logon reply's CheckSum is off by one
 *   badlength    the Logon reply's BodyLength is one too many
 *   silent       answers nothing
 *   stayopen     answers Logout but keeps the connection open
 *   badexit      exits 3 on SIGTERM (as a sanitizer report would)
 *
 * A second Logon of a comp id already logged on is disconnected, as the
 * duplicate-identity case wants.  It serves several connections with poll.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define SOH '\001'
#define MAXC 16

struct client {
	int fd;
	char buf[65536];
	size_t len;
	int logged_on;
	int out_seq;
	char sender[64]; /* the counterparty's SenderCompID */
};

static volatile sig_atomic_t stop;
static const char *mode = "good";

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static int field(const char *m, size_t len, const char *tag, char *out, size_t cap)
{
	size_t tl = strlen(tag);

	for (size_t i = 0; i < len;) {
		size_t j = i;
		while (j < len && m[j] != SOH)
			j++;
		if (j - i > tl && !memcmp(m + i, tag, tl) && m[i + tl] == '=') {
			size_t vl = j - i - tl - 1 < cap - 1 ? j - i - tl - 1 : cap - 1;
			memcpy(out, m + i + tl + 1, vl);
			out[vl] = 0;
			return 0;
		}
		i = j + 1;
	}
	return -1;
}

/* Sends 8, 9, body, 10, getting 9 or 10 wrong when the mode says so. */
static void send_msg(struct client *c, const char *begin, const char *body)
{
	char m[1024];
	size_t bl = strlen(body);
	int n = snprintf(m, sizeof m, "8=%s%c9=%zu%c%s", begin, SOH,
	                 bl + (strcmp(mode, "badlength") == 0 ? 1 : 0), SOH, body);
	unsigned sum = 0;

	for (int i = 0; i < n; i++)
		sum += (unsigned char)m[i];
	if (strcmp(mode, "badchecksum") == 0)
		sum++;
	n += snprintf(m + n, sizeof m - (size_t)n, "10=%03u%c", sum % 256, SOH);
	if (write(c->fd, m, (size_t)n) < 0)
		perror("fix-fake: write");
}

static void now_ms(char *out, size_t cap)
{
	struct timeval tv;
	struct tm tm;

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	size_t n = strftime(out, cap, "%Y%m%d-%H:%M:%S", &tm);
	snprintf(out + n, cap - n, ".%03d", (int)(tv.tv_usec / 1000));
}

static void drop(struct client *c)
{
	close(c->fd);
	c->fd = -1;
	c->len = 0;
	c->logged_on = 0;
}

/* One complete message from the counterparty. */
static void on_msg(struct client *all, struct client *c, const char *m, size_t len)
{
	char begin[16], type[8], snd[64], tgt[64], hb[16] = "30", ts[32], body[512];

	if (field(m, len, "8", begin, sizeof begin) || field(m, len, "35", type, sizeof type) ||
	    field(m, len, "49", snd, sizeof snd) || field(m, len, "56", tgt, sizeof tgt))
		return;
	field(m, len, "108", hb, sizeof hb);
	if (strcmp(mode, "silent") == 0)
		return;
	now_ms(ts, sizeof ts);
	if (strcmp(type, "A") == 0) {
		for (int i = 0; i < MAXC; i++)
			if (&all[i] != c && all[i].fd >= 0 && all[i].logged_on &&
			    strcmp(all[i].sender, snd) == 0) {
				drop(c);
				return;
			}
		snprintf(c->sender, sizeof c->sender, "%s", snd);
		c->logged_on = 1;
		snprintf(body, sizeof body, "35=A%c34=%d%c49=%s%c52=%s%c56=%s%c98=0%c108=%s%c", SOH,
		         ++c->out_seq, SOH, tgt, SOH, ts, SOH, snd, SOH, SOH,
		         strcmp(mode, "wrongfield") == 0 ? "99" : hb, SOH);
		send_msg(c, begin, body);
	} else if (strcmp(type, "5") == 0) {
		snprintf(body, sizeof body, "35=5%c34=%d%c49=%s%c52=%s%c56=%s%c", SOH, ++c->out_seq,
		         SOH, tgt, SOH, ts, SOH, snd, SOH);
		send_msg(c, begin, body);
		if (strcmp(mode, "stayopen") != 0)
			drop(c);
	}
}

int main(int argc, char **argv)
{
	struct client cl[MAXC];
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t sl = sizeof sa;
	int one = 1;

	if (getenv("FIX_FAKE_MODE"))
		mode = getenv("FIX_FAKE_MODE");
	if (argc < 2 || strcmp(argv[1], "fix-echo") != 0) {
		fprintf(stderr, "fix-fake: usage: fix-fake fix-echo --fix-listen URL ...\n");
		return 2;
	}
	signal(SIGTERM, on_term);
	signal(SIGPIPE, SIG_IGN);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int lfd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(lfd, 16) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&sa, &sl) < 0) {
		perror("fix-fake: listen");
		return 1;
	}
	printf("listening tcp://127.0.0.1:%d\n", ntohs(sa.sin_port));
	fflush(stdout);
	for (int i = 0; i < MAXC; i++)
		cl[i].fd = -1;
	while (!stop) {
		struct pollfd p[MAXC + 1];
		p[0] = (struct pollfd){.fd = lfd, .events = POLLIN};
		for (int i = 0; i < MAXC; i++)
			p[i + 1] = (struct pollfd){.fd = cl[i].fd, .events = POLLIN};
		if (poll(p, MAXC + 1, 200) <= 0)
			continue;
		if (p[0].revents & POLLIN) {
			int fd = accept(lfd, NULL, NULL);
			int i = 0;
			while (i < MAXC && cl[i].fd >= 0)
				i++;
			if (fd >= 0 && i == MAXC)
				close(fd);
			else if (fd >= 0)
				cl[i] = (struct client){.fd = fd};
		}
		for (int i = 0; i < MAXC; i++) {
			struct client *c = &cl[i];
			if (c->fd < 0 || !(p[i + 1].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			ssize_t r = read(c->fd, c->buf + c->len, sizeof c->buf - c->len);
			if (r <= 0) {
				drop(c);
				continue;
			}
			c->len += (size_t)r;
			/* Every complete message: up to SOH 10=nnn SOH. */
			for (;;) {
				char *e = NULL;
				for (size_t k = 0; k + 8 <= c->len; k++)
					if (c->buf[k] == SOH && !memcmp(c->buf + k + 1, "10=", 3) &&
					    c->buf[k + 7] == SOH) {
						e = c->buf + k + 8;
						break;
					}
				if (!e)
					break;
				size_t ml = (size_t)(e - c->buf);
				char m[65536];
				memcpy(m, c->buf, ml);
				memmove(c->buf, e, c->len - ml);
				c->len -= ml;
				on_msg(cl, c, m, ml);
				if (c->fd < 0)
					break;
			}
			if (c->len == sizeof c->buf)
				drop(c);
		}
	}
	for (int i = 0; i < MAXC; i++)
		if (cl[i].fd >= 0)
			close(cl[i].fd);
	close(lfd);
	return strcmp(mode, "badexit") == 0 ? 3 : 0;
}
