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
 */
#include <stdio.h>
#include <string.h>

#include <nng/transport/ipc/ipc.h>

#include "engine/server/server-int.h"
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
	return 0;
}
