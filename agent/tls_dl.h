/* TLS client connections on OpenSSL loaded on first use (for agent/http_lite.c). rift-agent does not link
 * libssl or libcrypto: the first tls_dl_ctx_new() dlopen()s TLS_DL_SSL_SONAME and TLS_DL_CRYPTO_SONAME
 * (agent/dl.h), so a control plane reached over http:// never maps them. OpenSSL is initialised without
 * reading openssl.cnf. Connections use TLS >= 1.2, send SNI for host names, and verify the peer's chain
 * against the CA file (or the system CAs) and its name or IP address, unless insecure.
 *
 *   struct tls_dl_config cfg = { .ca_file = "ca.pem" };
 *   r = tls_dl_ctx_new(&cfg, &ctx, err, sizeof(err));
 *   r = tls_dl_conn_new(ctx, fd, "example.com", &conn, err, sizeof(err));
 *   r = tls_dl_handshake(conn, err, sizeof(err));   // -EAGAIN: poll fd for tls_dl_want(conn)
 *   n = tls_dl_read(conn, buf, size);                // -EAGAIN likewise; 0 = end of stream
 *
 * Errors: RIFT_E_TLS (handshake, verification, protocol; the reason in err), RIFT_E_UNAVAILABLE (OpenSSL
 * cannot be loaded), a negative errno from the socket. */
#ifndef RIFT_AGENT_TLS_DL_H
#define RIFT_AGENT_TLS_DL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define TLS_DL_SSL_SONAME    "libssl.so.3"
#define TLS_DL_CRYPTO_SONAME "libcrypto.so.3"

struct tls_dl_ctx;
struct tls_dl_conn;

struct tls_dl_config {
        const char *ca_file;     /* PEM CAs the server must chain to; NULL = the system CAs */
        const char *client_cert; /* PEM client certificate chain; NULL = none */
        const char *client_key;  /* PEM key of client_cert; NULL = in client_cert's file */
        bool insecure;           /* no chain, name or address verification */
};

/* Loads OpenSSL (once per process) and makes a client context; the reason of a failure goes to err. */
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
