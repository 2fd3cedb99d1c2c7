/*
 * fixwire.c -- what the FIX judges share: starting and stopping the acceptor
 * under test, TCP connections that collect what the acceptor sends, framing
 * received messages by BodyLength and checking their CheckSum, and making
 * messages to send (QuickFIX's <TIME> substitution and 9/10 computation).
 *
 * It is written against the FIX specification alone and links nothing from
 * engine/, so that the judges cannot share a bug with the session layer they
 * judge.  Every wait has a deadline; nothing here blocks without one.
 */
#include "fixwire.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <arpa/inet.h>
#include <unistd.h>

double fw_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}


/* A message made printable: SOH as '|', other control bytes as \xNN, cut
 * at a few hundred bytes. */
void fw_printable(char *out, size_t cap, const char *m, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; i < len && o + 8 < cap; i++) {
		unsigned char c = (unsigned char)m[i];
		if (c == SOH)
			out[o++] = '|';
		else if (c < 32 || c >= 127)
			o += (size_t)snprintf(out + o, cap - o, "\\x%02x", c);
		else
			out[o++] = (char)c;
	}
	if (o + 8 >= cap && cap > 4) {
		o = cap - 4;
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = 0;
}


int fw_read_file(const char *path, char **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *b = NULL;
	size_t n = 0, cap = 0;

	if (!f)
		return -errno;
	for (;;) {
		if (n + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			char *nb = realloc(b, cap);
			if (!nb) {
				free(b);
				fclose(f);
				return -ENOMEM;
			}
			b = nb;
		}
		size_t r = fread(b + n, 1, 4096, f);
		n += r;
		if (r < 4096)
			break;
	}
	fclose(f);
	b[n] = 0;
	*out = b;
	*len = n;
	return 0;
}


/* The value of a tag in a line's message (between SOHs), copied. */
int fw_field(const char *m, size_t len, const char *tag, char *out, size_t cap)
{
	size_t tl = strlen(tag);
	size_t i = 0;

	while (i < len) {
		size_t j = i;
		while (j < len && m[j] != SOH && m[j] != '\n')
			j++;
		if (j - i > tl && memcmp(m + i, tag, tl) == 0 && m[i + tl] == '=') {
			size_t vl = j - i - tl - 1;
			if (vl >= cap)
				vl = cap - 1;
			memcpy(out, m + i + tl + 1, vl);
			out[vl] = 0;
			return 0;
		}
		if (j < len && m[j] == '\n')
			break;
		i = j + 1;
	}
	return -1;
}


/* <TIME>, <TIME+n>, <TIME-n> as YYYYMMDD-HH:MM:SS of UTC now.
 *
 * The format has whole seconds, so a time is truncated: <TIME+121> taken at
 * hh:mm:ss.97 is 120.03 s ahead when written and, after a few milliseconds
 * on the wire, inside the 120 s an acceptor allows (QuickFIX's own check
 * too) -- 2o_SendingTimeValueOutOfRange then fails about once in a few
 * hundred runs on a loaded machine.  Where a line shifts a time, it is
 * stamped between 20 ms and half a second into a second, so the shift the
 * definition writes is the shift the acceptor sees to within half a second
 * plus the wire. */
static void shift_settle(const char *in, size_t len)
{
	int shifted = 0;
	for (size_t i = 0; i + 6 <= len && !shifted; i++)
		shifted = memcmp(in + i, "<TIME", 5) == 0 && (in[i + 5] == '+' || in[i + 5] == '-');
	if (!shifted)
		return;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	if (ts.tv_nsec < 480000000L)
		return;
	struct timespec d = {0, 1000000000L - ts.tv_nsec + 20000000L};
	while (nanosleep(&d, &d) < 0 && errno == EINTR)
		;
}

int fw_timify(const char *in, size_t len, char *out, size_t cap)
{
	shift_settle(in, len);
	/* Not time(): glibc reads the coarse clock for it, up to a tick behind
	 * the CLOCK_REALTIME an acceptor reads, and just after a second turns it
	 * still says the one before. */
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	time_t t0 = now.tv_sec;
	size_t o = 0;

	for (size_t i = 0; i < len;) {
		if (len - i >= 6 && memcmp(in + i, "<TIME", 5) == 0) {
			size_t j = i + 5;
			long shift = 0;
			if (in[j] == '+' || in[j] == '-') {
				char *end;
				shift = strtol(in + j + 1, &end, 10);
				if (end == in + j + 1)
					return -1;
				if (in[j] == '-')
					shift = -shift;
				j = (size_t)(end - in);
			}
			if (j >= len || in[j] != '>')
				return -1;
			time_t t = t0 + shift;
			struct tm tm;
			gmtime_r(&t, &tm);
			if (o + 18 >= cap)
				return -1;
			o += strftime(out + o, cap - o, "%Y%m%d-%H:%M:%S", &tm);
			i = j + 1;
			continue;
		}
		if (o + 1 >= cap)
			return -1;
		out[o++] = in[i++];
	}
	out[o] = 0;
	return (int)o;
}

/* QuickFIX's fixify: where the message starts with 8= and has no 9, a 9 is
 * put after the 8 counting from there to the 10 (or the end); where it has no
 * 10, one is computed.  A message not starting with 8= is left alone.  One
 * difference: where a 10 is written but no 9 (3b_InvalidChecksum), QuickFIX
 * counts one byte short (it drops the SOH before the 10); here the 9 is right,
 * so that such a line tests the acceptor's CheckSum check and not, again, its
 * BodyLength check. */
int fw_fixify(const char *in, size_t len, char *out, size_t cap)
{
	const char *head_end;
	size_t hl, bl;
	const char *body, *cks = NULL;
	int has_len = 0;

	if (len < 2 || memcmp(in, "8=", 2) != 0 || !(head_end = memchr(in, SOH, len))) {
		if (len + 1 > cap)
			return -1;
		memcpy(out, in, len);
		out[len] = 0;
		return (int)len;
	}
	hl = (size_t)(head_end - in) + 1;
	body = in + hl;
	bl = len - hl;
	/* Is there a 9 field anywhere (QuickFIX looks for SOH 9=)? */
	for (size_t i = 0; i + 3 <= len; i++)
		if (in[i] == SOH && in[i + 1] == '9' && in[i + 2] == '=') {
			has_len = 1;
			break;
		}
	/* A 10 field running to the end of the message. */
	for (size_t i = 1; i + 4 <= bl; i++)
		if (body[i - 1] == SOH && memcmp(body + i, "10=", 3) == 0 && body[bl - 1] == SOH) {
			cks = body + i;
			break;
		}
	size_t msgl = cks ? (size_t)(cks - body) : bl;
	size_t o = 0;
	if (hl + msgl + 64 > cap)
		return -1;
	memcpy(out, in, hl);
	o = hl;
	if (!has_len)
		o += (size_t)snprintf(out + o, cap - o, "9=%zu%c", msgl, SOH);
	memcpy(out + o, body, msgl);
	o += msgl;
	if (cks) {
		size_t cl = bl - msgl;
		if (o + cl + 1 > cap)
			return -1;
		memcpy(out + o, cks, cl);
		o += cl;
	} else {
		unsigned sum = 0;
		for (size_t i = 0; i < o; i++)
			sum += (unsigned char)out[i];
		o += (size_t)snprintf(out + o, cap - o, "10=%03u%c", sum % 256, SOH);
	}
	out[o] = 0;
	return (int)o;
}


/* One complete frame at the start of b: its length, 0 when more bytes
 * are needed, -1 with why when the bytes cannot be a FIX message. */
long fw_frame_len(const char *b, size_t n, char *why, size_t cap)
{

	if (n < 2)
		return 0;
	if (memcmp(b, "8=", 2) != 0) {
		snprintf(why, cap, "received bytes that do not start with 8=");
		return -1;
	}
	const char *s1 = memchr(b, SOH, n);
	if (!s1)
		return n > 64 ? (snprintf(why, cap, "no SOH after BeginString"), -1) : 0;
	size_t p = (size_t)(s1 - b) + 1;
	if (n < p + 2)
		return 0;
	if (memcmp(b + p, "9=", 2) != 0) {
		snprintf(why, cap, "second field is not 9 (BodyLength)");
		return -1;
	}
	size_t q = p + 2;
	unsigned long blen = 0;
	while (q < n && isdigit((unsigned char)b[q])) {
		blen = blen * 10 + (unsigned long)(b[q] - '0');
		if (blen > 1000000) {
			snprintf(why, cap, "BodyLength over 1000000");
			return -1;
		}
		q++;
	}
	if (q == n)
		return 0;
	if (q == p + 2 || b[q] != SOH) {
		snprintf(why, cap, "BodyLength is not a number");
		return -1;
	}
	size_t body = q + 1;
	size_t end = body + blen;
	if (n < end + 7)
		return 0;
	if (memcmp(b + end, "10=", 3) != 0 || b[end + 6] != SOH || b[end - 1] != SOH) {
		/* Find where the trailer really is, to say by how much it is wrong. */
		for (size_t i = body; i + 4 <= n; i++)
			if (b[i - 1] == SOH && memcmp(b + i, "10=", 3) == 0) {
				snprintf(why, cap, "BodyLength %lu but the body is %zu bytes", blen, i - body);
				return -1;
			}
		return n > end + 4096 ? (snprintf(why, cap, "BodyLength %lu: no 10= at its end", blen), -1)
		                      : 0;
	}
	unsigned sum = 0;
	for (size_t i = 0; i < end; i++)
		sum += (unsigned char)b[i];
	if (!isdigit((unsigned char)b[end + 3]) || !isdigit((unsigned char)b[end + 4]) ||
	    !isdigit((unsigned char)b[end + 5])) {
		snprintf(why, cap, "CheckSum \"%.3s\" is not three digits", b + end + 3);
		return -1;
	}
	unsigned got = (unsigned)((b[end + 3] - '0') * 100 + (b[end + 4] - '0') * 10 + (b[end + 5] - '0'));
	if (got != sum % 256) {
		snprintf(why, cap, "CheckSum %03u but the bytes sum to %03u", got, sum % 256);
		return -1;
	}
	return (long)(end + 7);
}

/* Why the bytes b are not a whole message (they stopped coming
 * before the end their BodyLength promised). */
void fw_frame_diag(const char *b, size_t n, char *why, size_t cap)
{
	const char *s1 = memchr(b, SOH, n);
	char *end;

	snprintf(why, cap, "an incomplete message (%zu bytes) and nothing more", n);
	if (!s1 || (size_t)(s1 - b) + 3 > n || memcmp(s1 + 1, "9=", 2) != 0)
		return;
	unsigned long blen = strtoul(s1 + 3, &end, 10);
	if (end >= b + n || *end != SOH)
		return;
	size_t body = (size_t)(end - b) + 1;
	for (size_t i = body; i + 4 <= n; i++)
		if (b[i - 1] == SOH && memcmp(b + i, "10=", 3) == 0) {
			snprintf(why, cap, "BodyLength %lu but the body is %zu bytes", blen, i - body);
			return;
		}
	snprintf(why, cap, "BodyLength %lu but only %zu bytes came", blen, n - body);
}

/* Reads into c until a frame is complete, EOF, or the deadline. */
int fw_conn_fill(struct fw_conn *c, double deadline)
{
	for (;;) {
		double left = deadline - fw_now();
		if (left <= 0)
			return 0;
		struct pollfd p = {.fd = c->fd, .events = POLLIN};
		int pr = poll(&p, 1, (int)(left * 1000) + 1);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0)
			continue;
		if (c->len + 4096 > c->cap) {
			size_t ncap = c->cap ? c->cap * 2 : 16384;
			char *nb = realloc(c->buf, ncap);
			if (!nb)
				return -1;
			c->buf = nb;
			c->cap = ncap;
		}
		ssize_t r = read(c->fd, c->buf + c->len, 4096);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			c->eof = 1;
			return 0;
		}
		c->len += (size_t)r;
		return 1;
	}
}

void fw_conn_consume(struct fw_conn *c, size_t n)
{
	memmove(c->buf, c->buf + n, c->len - n);
	c->len -= n;
}


int fw_conn_open(struct fw_conn *c, int port)
{
	return fw_conn_open_rcvbuf(c, port, 0);
}

int fw_conn_open_rcvbuf(struct fw_conn *c, int port, int rcvbuf)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int one = 1;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return -errno;
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	/* Before connect, so that the window the peer sees is small too. */
	if (rcvbuf > 0)
		setsockopt(c->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		int e = errno;
		close(c->fd);
		c->fd = -1;
		return -e;
	}
	c->len = 0;
	c->eof = 0;
	return 0;
}

void fw_conn_close(struct fw_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->len = 0;
	c->eof = 0;
}

int fw_conn_send(struct fw_conn *c, const char *m, size_t n)
{
	size_t off = 0;

	while (off < n) {
		ssize_t w = send(c->fd, m + off, n - off, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		off += (size_t)w;
	}
	return 0;
}

long fw_conn_next(struct fw_conn *c, double deadline, char *why, size_t cap)
{
	long fl;

	while ((fl = fw_frame_len(c->buf, c->len, why, cap)) == 0) {
		if ((c->eof || fw_now() >= deadline) && c->len > 0) {
			fw_frame_diag(c->buf, c->len, why, cap);
			return -1;
		}
		if (c->eof) {
			snprintf(why, cap, "disconnected");
			return 0;
		}
		if (fw_now() >= deadline) {
			snprintf(why, cap, "nothing came in time");
			return 0;
		}
		if (fw_conn_fill(c, deadline) < 0) {
			snprintf(why, cap, "out of memory");
			return -1;
		}
	}
	return fl;
}

int fw_msg(char *out, size_t cap, const char *bars)
{
	char t[8192], soh[8192];
	size_t n = strlen(bars);

	if (n >= sizeof soh)
		return -1;
	for (size_t i = 0; i < n; i++)
		soh[i] = bars[i] == '|' ? SOH : bars[i];
	int tl = fw_timify(soh, n, t, sizeof t);
	return tl < 0 ? -1 : fw_fixify(t, (size_t)tl, out, cap);
}

int fw_proc_start(struct fw_proc *p, char *const argv[], const char *log, int wait_listen,
                  double timeout, char *err, size_t cap)
{
	int pfd[2];

	p->pid = -1;
	p->out = -1;
	p->port = 0;
	p->exited = 0;
	if (pipe(pfd) < 0) {
		snprintf(err, cap, "pipe: %s", strerror(errno));
		return -1;
	}
	p->pid = fork();
	if (p->pid < 0) {
		snprintf(err, cap, "fork: %s", strerror(errno));
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (p->pid == 0) {
		/* The acceptor must not outlive the judge if the judge is killed. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		int logfd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(pfd[1], 1);
		if (logfd >= 0)
			dup2(logfd, 2);
		close(pfd[0]);
		close(pfd[1]);
		execv(argv[0], argv);
		fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(pfd[1]);
	p->out = pfd[0];
	if (!wait_listen)
		return 0;

	/* Its stdout, up to the listening line. */
	char line[512];
	size_t ll = 0;
	double deadline = fw_now() + timeout;
	for (;;) {
		double left = deadline - fw_now();
		if (left <= 0) {
			char seen[200];
			fw_printable(seen, sizeof seen, line, ll);
			snprintf(err, cap,
			         "printed no \"listening tcp://127.0.0.1:PORT\" in %.0f s (its stdout so far: "
			         "\"%s\"; %s)",
			         timeout, seen, fw_proc_alive(p) ? "still running" : "no longer running");
			return -1;
		}
		struct pollfd pf = {.fd = p->out, .events = POLLIN};
		int pr = poll(&pf, 1, (int)(left * 1000) + 1);
		if (pr <= 0)
			continue;
		ssize_t r = read(p->out, line + ll, 1);
		if (r <= 0) {
			int st;
			waitpid(p->pid, &st, 0);
			snprintf(err, cap, "exited before listening (%s %d)",
			         WIFEXITED(st) ? "status" : "signal",
			         WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
			p->pid = -1;
			return -1;
		}
		if (line[ll] == '\n' || ll + 2 >= sizeof line) {
			line[ll] = 0;
			const char *pre = "listening tcp://";
			if (strncmp(line, pre, strlen(pre)) == 0) {
				const char *colon = strrchr(line, ':');
				char *end;
				long port = strtol(colon + 1, &end, 10);
				if (port <= 0 || port > 65535 || *end) {
					snprintf(err, cap, "its line \"%s\" has no port", line);
					return -1;
				}
				p->port = (int)port;
				return 0;
			}
			ll = 0;
			continue;
		}
		ll++;
	}
}

int fw_proc_alive(struct fw_proc *p)
{
	if (p->pid <= 0 || p->exited)
		return 0;
	if (waitpid(p->pid, &p->status, WNOHANG) == p->pid) {
		p->exited = 1;
		return 0;
	}
	return 1;
}

int fw_proc_stop(struct fw_proc *p, double timeout, char *err, size_t cap)
{
	int st = 0, rc = 0;

	if (p->pid > 0 && p->exited) {
		st = p->status;
		snprintf(err, cap, "had ended by itself with %s %d", WIFEXITED(st) ? "status" : "signal",
		         WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
		rc = -1;
		p->pid = -1;
	} else if (p->pid > 0) {
		kill(p->pid, SIGTERM);
		double deadline = fw_now() + timeout;
		pid_t w;
		while ((w = waitpid(p->pid, &st, WNOHANG)) == 0 && fw_now() < deadline) {
			/* Drain its stdout so that it can never block on a full pipe. */
			char sink[512];
			struct pollfd pf = {.fd = p->out, .events = POLLIN};
			if (pf.fd < 0 || (poll(&pf, 1, 20) > 0 && read(p->out, sink, sizeof sink) <= 0))
				usleep(20000);
		}
		if (w == 0) {
			kill(p->pid, SIGKILL);
			waitpid(p->pid, &st, 0);
			snprintf(err, cap, "did not exit within %.0f s of SIGTERM", timeout);
			rc = -1;
		} else if (w < 0) {
			snprintf(err, cap, "had already ended (waitpid: %s)", strerror(errno));
			rc = -1;
		} else if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			snprintf(err, cap, "ended with %s %d after SIGTERM", WIFEXITED(st) ? "status" : "signal",
			         WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
			rc = -1;
		}
		p->pid = -1;
	}
	if (p->out >= 0)
		close(p->out);
	p->out = -1;
	return rc;
}
