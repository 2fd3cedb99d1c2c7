/*
 * tests/integration/stallproxy.c -- a TCP proxy whose first connections
 * never get an answer.
 *
 *   stallproxy TARGET_PORT [SILENT]
 *
 * Listens on two consecutive loopback ports P and P+1 (an engine's control
 * and events ports), prints P on a line of its own and relays every
 * connection to 127.0.0.1:TARGET_PORT and TARGET_PORT+1 -- except the first
 * SILENT (default 1) on each port, which are accepted and then left alone:
 * nothing is read from them, nothing is sent, they are never closed.  To a
 * TLS client that is a handshake that never finishes, which is what NNG
 * 1.5.2 with mbedTLS sometimes leaves behind (nanomsg/nng#1666): a client
 * that does not give up on such a connection by itself never connects.
 * Runs until killed.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#define MAXFD 256

static int
listen_on(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	sa.sin_port = htons((unsigned short)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
	    listen(fd, 64) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int
connect_to(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		return -1;
	sa.sin_port = htons((unsigned short)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Write all of buf; 0, or -1 when the peer is gone. */
static int
write_all(int fd, const char *buf, size_t n)
{
	while (n > 0) {
		ssize_t k = write(fd, buf, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		buf += k;
		n -= (size_t)k;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	int target, silent = 1, lfd[2] = { -1, -1 }, port = 0, accepted[2] = { 0 };
	int peer[MAXFD]; /* peer[fd]: the other end of a relayed fd, or -1 */
	struct pollfd pf[MAXFD];

	if (argc < 2 || (target = atoi(argv[1])) <= 0 || target > 65534) {
		fprintf(stderr, "usage: stallproxy TARGET_PORT [SILENT]\n");
		return 2;
	}
	if (argc > 2)
		silent = atoi(argv[2]);
	signal(SIGPIPE, SIG_IGN);
	/* Two consecutive ports below the kernel's ephemeral range. */
	srand((unsigned)getpid());
	for (int tries = 0; tries < 200 && lfd[1] < 0; tries++) {
		port = 20000 + rand() % 5000 * 2;
		if ((lfd[0] = listen_on(port)) < 0)
			continue;
		if ((lfd[1] = listen_on(port + 1)) < 0) {
			close(lfd[0]);
			lfd[0] = -1;
		}
	}
	if (lfd[1] < 0) {
		fprintf(stderr, "stallproxy: no two free ports\n");
		return 1;
	}
	printf("%d\n", port);
	fflush(stdout);
	for (int i = 0; i < MAXFD; i++)
		peer[i] = -1;
	for (;;) {
		int n = 0;

		pf[n++] = (struct pollfd){ .fd = lfd[0], .events = POLLIN };
		pf[n++] = (struct pollfd){ .fd = lfd[1], .events = POLLIN };
		for (int fd = 0; fd < MAXFD; fd++)
			if (peer[fd] >= 0)
				pf[n++] = (struct pollfd){ .fd = fd, .events = POLLIN };
		if (poll(pf, (nfds_t)n, -1) < 0) {
			if (errno == EINTR)
				continue;
			return 1;
		}
		for (int i = 0; i < n; i++) {
			char buf[16384];
			ssize_t k;
			int fd = pf[i].fd, c, t;

			if (!(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (i < 2) {
				if ((c = accept(fd, NULL, NULL)) < 0)
					continue;
				if (accepted[i]++ < silent)
					continue; /* held open, never read: a tarpit */
				if (c >= MAXFD || (t = connect_to(target + i)) < 0 ||
				    t >= MAXFD) {
					close(c);
					continue;
				}
				peer[c] = t;
				peer[t] = c;
				continue;
			}
			if (peer[fd] < 0)
				continue; /* closed earlier in this pass */
			k = read(fd, buf, sizeof buf);
			if (k <= 0 || write_all(peer[fd], buf, (size_t)k) != 0) {
				c = peer[fd];
				close(fd);
				close(c);
				peer[fd] = peer[c] = -1;
			}
		}
	}
}
