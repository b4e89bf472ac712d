/* TLS client connections on mbedTLS 2.28 loaded on first use: the backend agent/tls_dl.c prefers, since
 * it costs the idle network process ~0.85 MB where OpenSSL 3 costs ~4.6 MB. rift-agent does not link
 * mbedTLS: tls_mbed_ctx_new() dlopen()s the three libraries below (once per process; agent/dl.h) and
 * seeds one CTR-DRBG from mbedTLS's entropy sources (again in a forked child).
 *
 * Same contract as tls_dl.h (non-blocking socket, -EAGAIN with tls_mbed_want(), RIFT_E_TLS with the
 * reason in err), with these mbedTLS specifics:
 *   - TLS 1.2 only (2.28 has no TLS 1.3 client). A handshake the server refuses for its version fails
 *     with tls_mbed_conn_version_refused() true: the caller may try OpenSSL on a new connection.
 *   - Names: SNI and mbedTLS's own name check (DNS SANs, wildcards, CN when there are no SANs).
 *   - IP literals: no SNI (RFC 6066), and since 2.28 does not match iPAddress SANs, the peer certificate
 *     is checked here after the handshake, before the caller can write anything. */
#ifndef RIFT_AGENT_TLS_MBED_H
#define RIFT_AGENT_TLS_MBED_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "agent/tls_dl.h"

#define TLS_MBED_SONAME        "libmbedtls.so.14"
#define TLS_MBED_X509_SONAME   "libmbedx509.so.1"
#define TLS_MBED_CRYPTO_SONAME "libmbedcrypto.so.7"

struct tls_mbed_ctx;
struct tls_mbed_conn;

/* Loads mbedTLS (once per process): 0, or RIFT_E_UNAVAILABLE with the reason in err. */
int tls_mbed_load(char *err, size_t errsz);
/* true once mbedTLS is mapped in this process; never loads it */
bool tls_mbed_loaded(void);

/* A client context (CAs, client certificate, verification mode); loads mbedTLS first. */
int tls_mbed_ctx_new(const struct tls_dl_config *cfg, struct tls_mbed_ctx **ret, char *err, size_t errsz);
void tls_mbed_ctx_free(struct tls_mbed_ctx *ctx);
/* A connection over the non-blocking socket fd (not owned) to host (a name or an IP literal). */
int tls_mbed_conn_new(struct tls_mbed_ctx *ctx, int fd, const char *host, struct tls_mbed_conn **ret,
                      char *err, size_t errsz);
/* Sends close_notify if the handshake was done (best effort, never waits), then frees. */
void tls_mbed_conn_free(struct tls_mbed_conn *conn);
int tls_mbed_handshake(struct tls_mbed_conn *conn, char *err, size_t errsz);
ssize_t tls_mbed_read(struct tls_mbed_conn *conn, void *buf, size_t size);
ssize_t tls_mbed_write(struct tls_mbed_conn *conn, const void *buf, size_t size);
short tls_mbed_want(const struct tls_mbed_conn *conn);
bool tls_mbed_pending(const struct tls_mbed_conn *conn);
/* Did the handshake fail because the server refused TLS 1.2 (protocol_version alert or version)? */
bool tls_mbed_conn_version_refused(const struct tls_mbed_conn *conn);

#endif
