/* TLS client connections on mbedTLS or OpenSSL loaded on first use (for agent/http_lite.c). rift-agent
 * links neither: the first tls_dl_ctx_new() dlopen()s mbedTLS 2.28 (agent/tls_mbed.h: ~0.85 MB of RSS
 * where OpenSSL 3 costs ~4.6 MB), or TLS_DL_SSL_SONAME and TLS_DL_CRYPTO_SONAME when mbedTLS is missing
 * or OpenSSL is forced (tls_dl_set_backend), so a control plane reached over http:// maps neither.
 * OpenSSL is initialised without reading openssl.cnf. Connections use TLS >= 1.2 (mbedTLS: exactly 1.2;
 * a server that refuses it moves that client to OpenSSL, see tls_dl_conn_retry), send SNI for host
 * names, and verify the peer's chain against the CA file (or the system CAs) and its name or IP address,
 * unless insecure.
 *
 *   struct tls_dl_config cfg = { .ca_file = "ca.pem" };
 *   r = tls_dl_ctx_new(&cfg, &ctx, err, sizeof(err));
 *   r = tls_dl_conn_new(ctx, fd, "example.com", &conn, err, sizeof(err));
 *   r = tls_dl_handshake(conn, err, sizeof(err));   // -EAGAIN: poll fd for tls_dl_want(conn)
 *   n = tls_dl_read(conn, buf, size);                // -EAGAIN likewise; 0 = end of stream
 *
 * Errors: RIFT_E_TLS (handshake, verification, protocol; the reason in err), RIFT_E_UNAVAILABLE (no TLS
 * library can be loaded), a negative errno from the socket. */
#ifndef RIFT_AGENT_TLS_DL_H
#define RIFT_AGENT_TLS_DL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define TLS_DL_SSL_SONAME    "libssl.so.3"
#define TLS_DL_CRYPTO_SONAME "libcrypto.so.3"

struct tls_dl_ctx;
struct tls_dl_conn;

/* Which library contexts made from now on use (RIFT_AGENT_TLS). */
enum tls_dl_backend {
        TLS_DL_AUTO,    /* mbedTLS if it loads, else OpenSSL; OpenSSL for a server refusing TLS 1.2 */
        TLS_DL_MBEDTLS, /* mbedTLS only */
        TLS_DL_OPENSSL, /* OpenSSL only */
};

struct tls_dl_config {
        const char *ca_file;     /* PEM CAs the server must chain to; NULL = the system CAs */
        const char *client_cert; /* PEM client certificate chain; NULL = none */
        const char *client_key;  /* PEM key of client_cert; NULL = in client_cert's file */
        bool insecure;           /* no chain, name or address verification */
};

/* Chooses the library of the contexts made from now on (default TLS_DL_AUTO); call before any. */
void tls_dl_set_backend(enum tls_dl_backend b);
/* "auto", "mbedtls" or "openssl" */
const char *tls_dl_backend_name(enum tls_dl_backend b);
/* TLS_DL_MBEDTLS or TLS_DL_OPENSSL: what ctx's next connection uses. */
enum tls_dl_backend tls_dl_ctx_backend(const struct tls_dl_ctx *ctx);

/* Loads mbedTLS or OpenSSL (once per process) and makes a client context; the reason of a failure goes to err. */
int tls_dl_ctx_new(const struct tls_dl_config *cfg, struct tls_dl_ctx **ret, char *err, size_t errsz);
void tls_dl_ctx_free(struct tls_dl_ctx *ctx);
/* A connection over the connected non-blocking socket fd (not owned) to host (a name or an IP literal
 * without brackets), which the certificate must match. */
int tls_dl_conn_new(struct tls_dl_ctx *ctx, int fd, const char *host, struct tls_dl_conn **ret, char *err,
                    size_t errsz);
void tls_dl_conn_free(struct tls_dl_conn *conn);
/* 0 once the handshake and verification are done, -EAGAIN to call again when the socket is ready for
 * tls_dl_want(), or an error. */
int tls_dl_handshake(struct tls_dl_conn *conn, char *err, size_t errsz);
/* After a failed handshake: true when the server refused mbedTLS's TLS 1.2 and the context now uses
 * OpenSSL; the caller should try once more on a new socket. */
bool tls_dl_conn_retry(const struct tls_dl_conn *conn);
/* Bytes read (0 = the peer closed), -EAGAIN, or an error. */
ssize_t tls_dl_read(struct tls_dl_conn *conn, void *buf, size_t size);
/* Bytes written (> 0), -EAGAIN, or an error. */
ssize_t tls_dl_write(struct tls_dl_conn *conn, const void *buf, size_t size);
/* POLLIN or POLLOUT: what the last -EAGAIN waits for. */
short tls_dl_want(const struct tls_dl_conn *conn);
/* Are decrypted bytes waiting (so the socket may not poll readable)? */
bool tls_dl_pending(const struct tls_dl_conn *conn);
/* true once OpenSSL is mapped in this process; never loads it */
bool tls_dl_loaded(void);

#endif
