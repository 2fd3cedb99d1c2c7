/*
 * engine/server/server-listen.c -- the engine's listeners: ipc:// sockets
 * made mode 0600, tcp:// as it comes, and tls+tcp:// with the certificate
 * and key of --tls-cert and --tls-key.
 *
 * The TLS configuration is built once, before any socket is opened, so
 * every mistake is a startup error that names the option (and the file):
 * a tls+tcp:// URL without a certificate and key, a certificate and key
 * given with no tls+tcp:// URL to use them, or a file that cannot be read
 * or does not hold what it should (ipc/tls.c reads and checks them).  The
 * control URL and its events twin (the next port) both use it: both carry
 * the session.  Clients are not asked for certificates -- they present a
 * token in hello, exactly as over tcp:// (server-auth.c refuses a
 * network listener when no token is configured).
 *
 * NNG 1.5.2's TLS listener can stop serving: after a client goes away in
 * the middle of its handshake it sometimes accepts every later connection
 * and never reads a byte of it (no thread is blocked; the listener is
 * simply never woken again), so consoles connect and then wait for good.
 * Nothing in NNG reports it, so the engine looks for it where it shows:
 * once a second it reads the kernel's table of TCP sockets
 * (/proc/net/tcp, tcp6) and, for each tls+tcp:// listener, follows every
 * connection on its port with bytes waiting unread.  One whose unread
 * bytes have not moved for LISTEN_STUCK_MS, in looks no more than
 * LISTEN_GAP_MS apart (a healthy listener reads a handshake within
 * milliseconds, a busy but served connection is read now and then, and an
 * engine that was stopped starts over), means the listener is stuck: it
 * is closed (on a thread of its own, abandoned after 1 s) and a new one
 * started on the same address -- its connections close with it, and
 * clients dial again by themselves.  The sockets it leaves behind (NNG
 * never closes them) are not held against the next one, and restarts are
 * LISTEN_BACKOFF_MS apart at least.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nng/transport/ipc/ipc.h>

#include "engine/server/server-int.h"
#include "ipc/nngclose.h"
#include "ipc/tls.h"

int
server_tls_config(nng_tls_config **out, const char *const *urls, int nurls,
                  const char *cert, const char *key, char *err, size_t errlen)
{
	const char *tls_url = NULL;

	*out = NULL;
	for (int i = 0; i < nurls && tls_url == NULL; i++)
		if (ipc_url_is_tls(urls[i]))
			tls_url = urls[i];
	if (tls_url == NULL) {
		if (cert != NULL || key != NULL) {
			snprintf(err, errlen, "%s given but no --listen URL is "
			    "tls+tcp:// (the certificate would not be used)",
			    cert != NULL ? "--tls-cert" : "--tls-key");
			return -1;
		}
		return 0;
	}
	if (cert == NULL || key == NULL) {
		snprintf(err, errlen, "--listen %s: a tls+tcp:// listener needs "
		    "%s FILE (PEM)", tls_url, cert == NULL ? "--tls-cert" :
		    "--tls-key");
		return -1;
	}
	return ipc_tls_server_config(out, cert, "--tls-cert", key, "--tls-key",
	    err, errlen);
}

int
server_listen(nng_socket sock, const char *url, nng_tls_config *tls,
              char *err, size_t errlen)
{
	return server_listen_l(sock, url, tls, NULL, err, errlen);
}

int
server_listen_l(nng_socket sock, const char *url, nng_tls_config *tls,
                nng_listener *out, char *err, size_t errlen)
{
	nng_listener l;
	int rv;

	if ((rv = nng_listener_create(&l, sock, url)) != 0) {
		snprintf(err, errlen, "listen %s: %s", url, nng_strerror(rv));
		return -1;
	}
	if (strncmp(url, "ipc://", 6) == 0)
		nng_listener_set_int(l, NNG_OPT_IPC_PERMISSIONS, 0600);
	if (ipc_url_is_tls(url) && (tls == NULL ||
	    (rv = nng_listener_set_ptr(l, NNG_OPT_TLS_CONFIG, tls)) != 0)) {
		snprintf(err, errlen, "listen %s: TLS: %s", url, tls == NULL ?
		    "no certificate configured" : nng_strerror(rv));
		nng_listener_close(l);
		return -1;
	}
	if ((rv = nng_listener_start(l, 0)) != 0) {
		snprintf(err, errlen, "listen %s: %s%s", url, nng_strerror(rv),
		    rv == NNG_EADDRINUSE ? " (is another engine running there?)" :
		    "");
		return -1;
	}
	if (out != NULL)
		*out = l;
	return 0;
}

int
server_listen_watched(struct listen_watches *lw, nng_socket sock,
                      const char *url, nng_tls_config *tls, char *err,
                      size_t errlen)
{
	struct listen_watch *w;
	nng_listener l;
	int port = 0;

	if (server_listen_l(sock, url, tls, &l, err, errlen) != 0)
		return -1;
	if (!ipc_url_is_tls(url) || lw->n == LISTEN_WATCH_MAX ||
	    nng_listener_get_int(l, NNG_OPT_TCP_BOUND_PORT, &port) != 0)
		return 0;
	w = &lw->w[lw->n++];
	memset(w, 0, sizeof *w);
	w->sock = sock;
	w->l = l;
	w->up = 1;
	w->port = port;
	snprintf(w->url, sizeof w->url, "%s", url);
	nng_tls_config_hold(tls);
	w->tls = tls;
	return 0;
}

void
server_listen_watch_free(struct listen_watches *lw)
{
	for (int i = 0; i < lw->n; i++)
		if (lw->w[i].tls != NULL)
			nng_tls_config_free(lw->w[i].tls);
	lw->n = 0;
}

/* One line of /proc/net/tcp or tcp6: the local port, the state, the
 * bytes waiting unread and the inode; 0, or -1 for a header or junk. */
int
server_listen_parse(const char *line, unsigned *port, unsigned *st,
                    unsigned long *rx, unsigned long *ino)
{
	char local[64], rem[64];
	unsigned long tx;
	const char *colon;

	if (sscanf(line, " %*[0-9]: %63s %63s %x %lx:%lx %*s %*s %*s %*s %lu",
	    local, rem, st, &tx, rx, ino) != 6 ||
	    (colon = strrchr(local, ':')) == NULL)
		return -1;
	*port = (unsigned)strtoul(colon + 1, NULL, 16);
	return 0;
}

static int
listen_is_dead(const struct listen_watch *w, unsigned long ino)
{
	for (int k = 0; k < w->ndead; k++)
		if (w->dead[k] == ino)
			return 1;
	return 0;
}

/* Follow the connections of w with unread bytes; 1 when one of them has
 * not moved for LISTEN_STUCK_MS of looks no more than LISTEN_GAP_MS apart
 * (an engine that was stopped or starved starts over: NNG's threads get
 * no chance to read before the first look after it). */
int
server_listen_follow(struct listen_watch *w, const unsigned long *ino,
                     const unsigned long *rx, const unsigned *port, int n,
                     int64_t now)
{
	struct listen_unread next[LISTEN_UNREAD_MAX];
	int nn = 0, stuck = 0, fresh = w->looked == 0 ||
	    now - w->looked > LISTEN_GAP_MS;

	w->looked = now;
	for (int i = 0; i < n && nn < LISTEN_UNREAD_MAX; i++) {
		struct listen_unread *u = &next[nn];

		if (port[i] != (unsigned)w->port || listen_is_dead(w, ino[i]))
			continue;
		u->ino = ino[i];
		u->rx = rx[i];
		u->since = now;
		for (int k = 0; !fresh && k < w->nunread; k++)
			if (w->unread[k].ino == ino[i] && w->unread[k].rx == rx[i])
				u->since = w->unread[k].since;
		if (now - u->since >= LISTEN_STUCK_MS) {
			stuck = 1;
			w->stuck_ms = now - u->since;
		}
		nn++;
	}
	memcpy(w->unread, next, (size_t)nn * sizeof *next);
	w->nunread = nn;
	return stuck;
}

void
server_listen_check(struct listen_watches *lw, int64_t now)
{
	static const char *const files[] = { "/proc/net/tcp", "/proc/net/tcp6" };
	enum { MAXCONN = 512 };
	unsigned long ino[MAXCONN], rx[MAXCONN];
	unsigned port[MAXCONN];
	int nconn = 0;

	if (lw->n == 0)
		return;
	for (size_t f = 0; f < sizeof files / sizeof *files; f++) {
		FILE *fp = fopen(files[f], "r");
		char line[512];

		if (fp == NULL)
			continue;
		while (nconn < MAXCONN && fgets(line, sizeof line, fp) != NULL) {
			unsigned st, p;
			unsigned long r, i;

			/* 0x0A is LISTEN: its queue is of connections. */
			if (server_listen_parse(line, &p, &st, &r, &i) == 0 &&
			    st != 0x0A && r > 0 && i != 0) {
				port[nconn] = p;
				rx[nconn] = r;
				ino[nconn++] = i;
			}
		}
		fclose(fp);
	}
	for (int i = 0; i < lw->n; i++) {
		struct listen_watch *w = &lw->w[i];
		char err[256];

		if (w->up) {
			if (!server_listen_follow(w, ino, rx, port, nconn, now) ||
			    now - w->restarted < LISTEN_BACKOFF_MS)
				continue;
			/* Stuck: what it holds now is never counted again. */
			for (int k = 0; k < w->nunread; k++)
				if (w->ndead < LISTEN_DEAD_MAX)
					w->dead[w->ndead++] = w->unread[k].ino;
			w->nunread = 0;
			if (ipc_nng_listener_close(w->l, 1000) != 0)
				fprintf(stderr, "tranched: %s: NNG did not close the "
				    "listener within 1 s; abandoned\n", w->url);
			w->up = 0;
			w->restarted = now;
			fprintf(stderr, "tranched: %s: a connection waited %.1f s "
			    "with its bytes unread: the TLS listener stopped "
			    "serving (NNG 1.5.2); listening afresh\n", w->url,
			    w->stuck_ms / 1000.0);
		}
		if (server_listen_l(w->sock, w->url, w->tls, &w->l, err,
		    sizeof err) != 0) {
			/* Said once; tried again every second. */
			if (w->restarted == now)
				fprintf(stderr, "tranched: %s: listening again failed: "
				    "%s; trying every second\n", w->url, err);
			continue;
		}
		w->up = 1;
		w->looked = 0;
	}
}
