/*
 * ipc/tls.h -- TLS for tls+tcp:// endpoints, shared by the engine (which
 * listens with a certificate and key) and its clients (which verify that
 * certificate against a CA they were given).
 *
 * NNG does the TLS (Debian's libnng is built with mbedTLS); this is only
 * the part that turns option values into an nng_tls_config with errors that
 * name the option, the file and what was wrong with it, before any socket
 * is opened.  A client always verifies: there is no "insecure" mode, and a
 * tls+tcp:// URL without a CA is refused at startup.
 */
#ifndef TRANCHE_IPC_TLS_H
#define TRANCHE_IPC_TLS_H

#include <stddef.h>

#include <nng/nng.h>
#include <nng/supplemental/tls/tls.h>

/* 1 if the URL is tls+tcp://. */
int ipc_url_is_tls(const char *url);

/* The host of a tcp:// or tls+tcp:// URL (IPv6 brackets removed): 0, or -1
 * when there is none. */
int ipc_url_host(const char *url, char *buf, size_t n);

/*
 * A server configuration from a PEM certificate (or chain) file and a PEM
 * private key file (not encrypted).  The labels name where each came from
 * in messages ("--tls-cert").  0 and *out (free with nng_tls_config_free),
 * or -1 with err saying which option, which file and what is wrong.
 */
int ipc_tls_server_config(nng_tls_config **out, const char *cert_file,
                          const char *cert_label, const char *key_file,
                          const char *key_label, char *err, size_t errlen);

/*
 * A client configuration for `url` that requires the server's certificate
 * to verify against the PEM CA file and to name the URL's host.  0 and
 * *out, or -1 with err naming ca_label and the file.
 */
int ipc_tls_client_config(nng_tls_config **out, const char *url,
                          const char *ca_file, const char *ca_label,
                          char *err, size_t errlen);

#endif
