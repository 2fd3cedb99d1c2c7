/*
 * ipc/tls.c -- option values to NNG TLS configurations.
 *
 * The files are read here rather than handed to NNG by name
 * (nng_tls_config_cert_key_file wants certificate and key in one file, and
 * its errors say only "Cryptographic error"): reading them ourselves lets a
 * message say which option, which file, and whether the file could not be
 * read, holds no PEM block of the right kind, or held one the TLS library
 * would not take.  The certificate is parsed on its own first (as a CA
 * chain on a scratch configuration), so that a failure of the pair after
 * that is the key's; and a key that parses but is not the certificate's is
 * caught by one handshake over loopback (tls_pair_mismatch).
 *
 * Clients set the server name to the URL's host and require verification.
 * mbedTLS 2.28, the one Debian's NNG uses, matches that name against the
 * certificate's DNS names only (an IP address in subjectAltName is not
 * looked at), so a certificate for 127.0.0.1 must carry it as a DNS name
 * too; tranched(1) says so.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>

#include "ipc/nngclose.h"
#include "ipc/tls.h"

#define TLS_FILE_MAX (1024 * 1024)

int
ipc_url_is_tls(const char *url)
{
	return url != NULL && strncmp(url, "tls+tcp://", 10) == 0;
}

int
ipc_url_host(const char *url, char *buf, size_t n)
{
	const char *h, *end;

	if ((h = strstr(url, "://")) == NULL)
		return -1;
	h += 3;
	if (*h == '[') {
		h++;
		if ((end = strchr(h, ']')) == NULL)
			return -1;
	} else if ((end = strrchr(h, ':')) == NULL)
		end = h + strlen(h);
	if (end == h || (size_t)(end - h) >= n)
		return -1;
	memcpy(buf, h, (size_t)(end - h));
	buf[end - h] = '\0';
	return 0;
}

/* The whole of a small text file, NUL-terminated; NULL with err set. */
static char *
tls_read(const char *path, const char *label, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *buf;
	size_t n;

	if (f == NULL) {
		snprintf(err, errlen, "%s %s: %s", label, path, strerror(errno));
		return NULL;
	}
	if ((buf = malloc(TLS_FILE_MAX + 1)) == NULL) {
		fclose(f);
		snprintf(err, errlen, "%s %s: out of memory", label, path);
		return NULL;
	}
	n = fread(buf, 1, TLS_FILE_MAX + 1, f);
	if (ferror(f) || n > TLS_FILE_MAX) {
		snprintf(err, errlen, "%s %s: %s", label, path, ferror(f) ?
		    strerror(errno ? errno : EIO) : "larger than 1 MiB: not a "
		    "PEM file");
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	buf[n] = '\0';
	if (strlen(buf) != n) {
		snprintf(err, errlen, "%s %s: binary data: expected PEM text "
		    "(-----BEGIN ...)", label, path);
		free(buf);
		return NULL;
	}
	return buf;
}

/*
 * A key that is not the certificate's passes every parser and fails only
 * in handshakes, where a client sees nothing better than "cryptographic
 * error".  So one handshake is made here, over loopback, by a client that
 * does not check the chain (the key is the question, not the CA): it fails
 * only when the key does not match the certificate.  1 when it failed; 0
 * when it worked or could not be tried (no loopback), which is left to the
 * real listeners to find out.
 */
static int
tls_pair_mismatch(nng_tls_config *server)
{
	nng_socket rep = NNG_SOCKET_INITIALIZER, req = NNG_SOCKET_INITIALIZER;
	nng_tls_config *client = NULL;
	nng_listener l;
	nng_dialer d;
	nng_sockaddr sa;
	char url[64];
	int rv, bad = 0;

	if (nng_rep0_open(&rep) != 0 || nng_req0_open(&req) != 0 ||
	    nng_tls_config_alloc(&client, NNG_TLS_MODE_CLIENT) != 0 ||
	    nng_tls_config_auth_mode(client, NNG_TLS_AUTH_MODE_NONE) != 0 ||
	    nng_listener_create(&l, rep, "tls+tcp://127.0.0.1:0") != 0 ||
	    nng_listener_set_ptr(l, NNG_OPT_TLS_CONFIG, server) != 0 ||
	    nng_listener_start(l, 0) != 0 ||
	    nng_listener_get_addr(l, NNG_OPT_LOCADDR, &sa) != 0 ||
	    sa.s_family != NNG_AF_INET)
		goto out;
	snprintf(url, sizeof url, "tls+tcp://127.0.0.1:%u",
	    (unsigned)ntohs(sa.s_in.sa_port));
	if (nng_dialer_create(&d, req, url) != 0 ||
	    nng_dialer_set_ptr(d, NNG_OPT_TLS_CONFIG, client) != 0)
		goto out;
	/* Blocking: the first connection, handshake included, or its error. */
	rv = nng_dialer_start(d, 0);
	bad = rv == NNG_ECRYPTO || rv == NNG_EPEERAUTH;
out:
	if (client != NULL)
		nng_tls_config_free(client);
	if (nng_socket_id(req) > 0)
		ipc_nng_close(req, 2000);
	if (nng_socket_id(rep) > 0)
		ipc_nng_close(rep, 2000);
	return bad;
}

static int
tls_has_cert(const char *pem)
{
	return strstr(pem, "-----BEGIN CERTIFICATE-----") != NULL;
}

int
ipc_tls_server_config(nng_tls_config **out, const char *cert_file,
                      const char *cert_label, const char *key_file,
                      const char *key_label, char *err, size_t errlen)
{
	nng_tls_config *cfg = NULL, *scratch = NULL;
	char *cert = NULL, *key = NULL;
	int rv, status = -1;

	*out = NULL;
	if ((cert = tls_read(cert_file, cert_label, err, errlen)) == NULL ||
	    (key = tls_read(key_file, key_label, err, errlen)) == NULL)
		goto out;
	if (!tls_has_cert(cert)) {
		snprintf(err, errlen, "%s %s: no PEM certificate in it (-----BEGIN "
		    "CERTIFICATE-----)", cert_label, cert_file);
		goto out;
	}
	if (strstr(key, "PRIVATE KEY-----") == NULL) {
		snprintf(err, errlen, "%s %s: no PEM private key in it (-----BEGIN "
		    "... PRIVATE KEY-----)", key_label, key_file);
		goto out;
	}
	if (strstr(key, "ENCRYPTED") != NULL) {
		snprintf(err, errlen, "%s %s: the key is encrypted; give an "
		    "unencrypted key (mode 0600)", key_label, key_file);
		goto out;
	}
	if ((rv = nng_tls_config_alloc(&scratch, NNG_TLS_MODE_CLIENT)) != 0 ||
	    (rv = nng_tls_config_alloc(&cfg, NNG_TLS_MODE_SERVER)) != 0) {
		snprintf(err, errlen, "TLS: %s", nng_strerror(rv));
		goto out;
	}
	if ((rv = nng_tls_config_ca_chain(scratch, cert, NULL)) != 0) {
		snprintf(err, errlen, "%s %s: the certificate is not valid PEM "
		    "X.509 (%s)", cert_label, cert_file, nng_strerror(rv));
		goto out;
	}
	if ((rv = nng_tls_config_own_cert(cfg, cert, key, NULL)) != 0) {
		snprintf(err, errlen, "%s %s: the private key is not valid (%s)",
		    key_label, key_file, nng_strerror(rv));
		goto out;
	}
	if (tls_pair_mismatch(cfg)) {
		snprintf(err, errlen, "%s %s: the private key does not belong to "
		    "the certificate in %s (a test handshake failed)", key_label,
		    key_file, cert_file);
		goto out;
	}
	*out = cfg;
	cfg = NULL;
	status = 0;
out:
	if (scratch != NULL)
		nng_tls_config_free(scratch);
	if (cfg != NULL)
		nng_tls_config_free(cfg);
	free(cert);
	free(key);
	return status;
}

int
ipc_tls_client_config(nng_tls_config **out, const char *url,
                      const char *ca_file, const char *ca_label, char *err,
                      size_t errlen)
{
	nng_tls_config *cfg = NULL;
	char host[256], *ca = NULL;
	int rv, status = -1;

	*out = NULL;
	if (ca_file == NULL || ca_file[0] == '\0') {
		snprintf(err, errlen, "%s: a tls+tcp:// engine needs the CA that "
		    "signed its certificate: give --tls-ca FILE (or set "
		    "TRANCHE_TLS_CA)", url);
		return -1;
	}
	if (ipc_url_host(url, host, sizeof host) != 0) {
		snprintf(err, errlen, "%s: no host name to verify the engine's "
		    "certificate against", url);
		return -1;
	}
	if ((ca = tls_read(ca_file, ca_label, err, errlen)) == NULL)
		return -1;
	if (!tls_has_cert(ca)) {
		snprintf(err, errlen, "%s %s: no PEM certificate in it (-----BEGIN "
		    "CERTIFICATE-----)", ca_label, ca_file);
		goto out;
	}
	if ((rv = nng_tls_config_alloc(&cfg, NNG_TLS_MODE_CLIENT)) != 0) {
		snprintf(err, errlen, "TLS: %s", nng_strerror(rv));
		goto out;
	}
	if ((rv = nng_tls_config_ca_chain(cfg, ca, NULL)) != 0) {
		snprintf(err, errlen, "%s %s: not a valid PEM X.509 certificate "
		    "(%s)", ca_label, ca_file, nng_strerror(rv));
		goto out;
	}
	if ((rv = nng_tls_config_server_name(cfg, host)) != 0 ||
	    (rv = nng_tls_config_auth_mode(cfg,
	    NNG_TLS_AUTH_MODE_REQUIRED)) != 0) {
		snprintf(err, errlen, "TLS: %s", nng_strerror(rv));
		goto out;
	}
	*out = cfg;
	cfg = NULL;
	status = 0;
out:
	if (cfg != NULL)
		nng_tls_config_free(cfg);
	free(ca);
	return status;
}
