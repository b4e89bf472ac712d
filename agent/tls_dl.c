/* TLS client connections on OpenSSL loaded on first use: see tls_dl.h. */
#include <errno.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "agent/dl.h"
#include "agent/tls_dl.h"
#include "agent/tls_mbed.h"
#include "lib/log.h"
#include "lib/error.h"
#include "lib/macro.h"
#include "lib/str.h"

/* The libssl entry points used, by name; each member has the type of ssl.h's function. */
#define SSL_DL_FUNCS(X)                                                                                      \
        X(OPENSSL_init_ssl)                                                                                  \
        X(TLS_client_method)                                                                                 \
        X(SSL_CTX_new)                                                                                       \
        X(SSL_CTX_free)                                                                                      \
        X(SSL_CTX_ctrl)                                                                                      \
        X(SSL_CTX_set_options)                                                                               \
        X(SSL_CTX_set_verify)                                                                                \
        X(SSL_CTX_load_verify_locations)                                                                     \
        X(SSL_CTX_set_default_verify_paths)                                                                  \
        X(SSL_CTX_use_certificate_chain_file)                                                                \
        X(SSL_CTX_use_PrivateKey_file)                                                                       \
        X(SSL_CTX_check_private_key)                                                                         \
        X(SSL_new)                                                                                           \
        X(SSL_free)                                                                                          \
        X(SSL_set_fd)                                                                                        \
        X(SSL_ctrl)                                                                                          \
        X(SSL_set1_host)                                                                                     \
        X(SSL_get0_param)                                                                                    \
        X(SSL_connect)                                                                                       \
        X(SSL_read)                                                                                          \
        X(SSL_write)                                                                                         \
        X(SSL_pending)                                                                                       \
        X(SSL_get_error)                                                                                     \
        X(SSL_get_verify_result)

/* ... and the libcrypto ones. */
#define CRYPTO_DL_FUNCS(X)                                                                                   \
        X(ERR_get_error)                                                                                     \
        X(ERR_error_string_n)                                                                                \
        X(ERR_clear_error)                                                                                   \
        X(X509_verify_cert_error_string)                                                                     \
        X(X509_VERIFY_PARAM_set1_ip_asc)                                                                     \
        X(X509_VERIFY_PARAM_set_hostflags)

struct tls_syms {
#define X(f) __typeof__(&f) f; /* OpenSSL's f */
        SSL_DL_FUNCS(X)
        CRYPTO_DL_FUNCS(X)
#undef X
};

static const struct dl_sym ssl_table[] = {
#define X(f) { #f, offsetof(struct tls_syms, f) },
        SSL_DL_FUNCS(X)
#undef X
};

static const struct dl_sym crypto_table[] = {
#define X(f) { #f, offsetof(struct tls_syms, f) },
        CRYPTO_DL_FUNCS(X)
#undef X
};

/* An OpenSSL client context. */
struct ossl_ctx {
        SSL_CTX *ctx;  /* OpenSSL's client context: CAs, client certificate, versions */
        bool insecure; /* connections skip name and address verification */
};

/* An OpenSSL connection. */
struct ossl_conn {
        SSL *ssl;   /* the connection's OpenSSL state */
        short want; /* POLLIN or POLLOUT after -EAGAIN */
};

/* What tls_dl.h's handles are: one backend's context or connection. */
struct tls_dl_ctx {
        struct tls_dl_config cfg;  /* a copy (strings owned), for an OpenSSL context made on fallback */
        enum tls_dl_backend using; /* MBEDTLS or OPENSSL: what new connections use */
        bool may_fall_back;        /* auto: a server refusing TLS 1.2 switches this client to OpenSSL */
        struct tls_mbed_ctx *mbed; /* mbedTLS context, or NULL */
        struct ossl_ctx *ossl;     /* OpenSSL context, or NULL */
};

struct tls_dl_conn {
        enum tls_dl_backend backend; /* which of the two below */
        struct tls_mbed_conn *mbed;  /* mbedTLS connection */
        struct ossl_conn *ossl;      /* OpenSSL connection */
        struct tls_dl_ctx *ctx;      /* its context, which outlives it */
        bool retry;                  /* failed for the TLS version: try again on a new connection */
};

static void ossl_ctx_free(struct ossl_ctx *ctx);
static void ossl_conn_free(struct ossl_conn *conn);

static enum tls_dl_backend chosen = TLS_DL_AUTO; /* tls_dl_set_backend() */

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static struct tls_syms sym;       /* all set once loaded */
static bool loaded;               /* written once under load_once */
static char load_error[512] = ""; /* why loading failed */

static void load(void)
{
        struct tls_syms s;

        if (dl_table_open(TLS_DL_SSL_SONAME, ssl_table, ARRAY_SIZE(ssl_table), &s, sizeof(s), load_error,
                          sizeof(load_error)) < 0 ||
            dl_table_open(TLS_DL_CRYPTO_SONAME, crypto_table, ARRAY_SIZE(crypto_table), &s, sizeof(s),
                          load_error, sizeof(load_error)) < 0)
                return;
        /* No openssl.cnf: its engines and providers would be loaded into every agent. No error strings
         * (0.19 MB of the idle network process's RSS): the reasons logged at debug level are then
         * numeric ("error:0A000086:lib(20)::reason(134)"; `openssl errstr 0A000086` tells it), while
         * certificate verification failures keep their text (X509_verify_cert_error_string). */
        if (s.OPENSSL_init_ssl(OPENSSL_INIT_NO_LOAD_CONFIG | OPENSSL_INIT_NO_LOAD_SSL_STRINGS |
                                   OPENSSL_INIT_NO_LOAD_CRYPTO_STRINGS,
                               NULL) != 1) {
                rift_strlcpy(load_error, "OPENSSL_init_ssl failed", sizeof(load_error));
                return;
        }
        sym = s;
        __atomic_store_n(&loaded, true, __ATOMIC_RELEASE);
}

bool tls_dl_loaded(void)
{
        return __atomic_load_n(&loaded, __ATOMIC_ACQUIRE);
}

/* OpenSSL's reason for the last failure (its error queue, emptied), after what. */
static int tls_error(const char *what, char *err, size_t errsz)
{
        unsigned long e, last = 0;
        char reason[256] = "";

        while ((e = sym.ERR_get_error()) != 0)
                last = e; /* the innermost is the most telling */
        if (last)
                sym.ERR_error_string_n(last, reason, sizeof(reason));
        snprintf(err, errsz, "%s%s%s", what, reason[0] ? ": " : "", reason);
        return RIFT_E_TLS;
}

static int ctx_setup(struct ossl_ctx *c, const struct tls_dl_config *cfg, char *err, size_t errsz)
{
        SSL_CTX *ctx = c->ctx;

        if (sym.SSL_CTX_ctrl(ctx, SSL_CTRL_SET_MIN_PROTO_VERSION, TLS1_2_VERSION, NULL) != 1)
                return tls_error("cannot require TLS 1.2", err, errsz);
        /* a peer closing without close_notify ends a close-delimited body; not an error */
        sym.SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF | SSL_OP_NO_RENEGOTIATION);
        sym.SSL_CTX_ctrl(ctx, SSL_CTRL_MODE, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_AUTO_RETRY, NULL);
        sym.SSL_CTX_set_verify(ctx, cfg->insecure ? SSL_VERIFY_NONE : SSL_VERIFY_PEER, NULL);
        if (cfg->ca_file && sym.SSL_CTX_load_verify_locations(ctx, cfg->ca_file, NULL) != 1)
                return tls_error("cannot load the CA file", err, errsz);
        if (!cfg->ca_file && !cfg->insecure && sym.SSL_CTX_set_default_verify_paths(ctx) != 1)
                return tls_error("cannot use the system CAs", err, errsz);
        if (cfg->client_cert) {
                const char *key = cfg->client_key ? cfg->client_key : cfg->client_cert;
                if (sym.SSL_CTX_use_certificate_chain_file(ctx, cfg->client_cert) != 1)
                        return tls_error("cannot load the client certificate", err, errsz);
                if (sym.SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 ||
                    sym.SSL_CTX_check_private_key(ctx) != 1)
                        return tls_error("cannot load the client key", err, errsz);
        }
        return 0;
}

static int ossl_ctx_new(const struct tls_dl_config *cfg, struct ossl_ctx **ret, char *err, size_t errsz)
{
        struct ossl_ctx *c;
        int r;

        pthread_once(&load_once, load);
        if (!tls_dl_loaded()) {
                snprintf(err, errsz, "cannot load OpenSSL: %s", load_error);
                return RIFT_E_UNAVAILABLE;
        }
        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        sym.ERR_clear_error();
        c->insecure = cfg->insecure;
        c->ctx = sym.SSL_CTX_new(sym.TLS_client_method());
        r = c->ctx ? ctx_setup(c, cfg, err, errsz) : tls_error("SSL_CTX_new failed", err, errsz);
        if (r < 0) {
                ossl_ctx_free(c);
                return r;
        }
        *ret = c;
        return 0;
}

static void ossl_ctx_free(struct ossl_ctx *ctx)
{
        if (!ctx)
                return;
        if (ctx->ctx)
                sym.SSL_CTX_free(ctx->ctx);
        free(ctx);
}

static bool is_ip_literal(const char *host)
{
        unsigned char a[16];

        return inet_pton(AF_INET, host, a) == 1 || inet_pton(AF_INET6, host, a) == 1;
}

/* SNI for names (never for addresses), and what the certificate must match. */
static int conn_peer(struct ossl_ctx *ctx, SSL *ssl, const char *host, char *err, size_t errsz)
{
        bool ip = is_ip_literal(host);

        if (!ip &&
            sym.SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, (void *)host) != 1)
                return tls_error("cannot set the server name", err, errsz);
        if (ctx->insecure)
                return 0;
        if (ip) {
                if (sym.X509_VERIFY_PARAM_set1_ip_asc(sym.SSL_get0_param(ssl), host) != 1)
                        return tls_error("cannot set the address to verify", err, errsz);
                return 0;
        }
        sym.X509_VERIFY_PARAM_set_hostflags(sym.SSL_get0_param(ssl), X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        if (sym.SSL_set1_host(ssl, host) != 1)
                return tls_error("cannot set the host name to verify", err, errsz);
        return 0;
}

static int ossl_conn_new(struct ossl_ctx *ctx, int fd, const char *host, struct ossl_conn **ret, char *err,
                         size_t errsz)
{
        struct ossl_conn *c = calloc(1, sizeof(*c));
        int r;

        if (!c)
                return -ENOMEM;
        sym.ERR_clear_error();
        c->ssl = sym.SSL_new(ctx->ctx);
        if (!c->ssl)
                r = tls_error("SSL_new failed", err, errsz);
        else if (sym.SSL_set_fd(c->ssl, fd) != 1)
                r = tls_error("SSL_set_fd failed", err, errsz);
        else
                r = conn_peer(ctx, c->ssl, host, err, errsz);
        if (r < 0) {
                ossl_conn_free(c);
                return r;
        }
        *ret = c;
        return 0;
}

static void ossl_conn_free(struct ossl_conn *conn)
{
        if (!conn)
                return;
        if (conn->ssl)
                sym.SSL_free(conn->ssl);
        free(conn);
}

/* Turns an OpenSSL return n <= 0 into -EAGAIN (with want set), 0 (closed), -errno or RIFT_E_TLS. */
static int io_result(struct ossl_conn *c, int n, char *err, size_t errsz)
{
        int e = sym.SSL_get_error(c->ssl, n), saved = errno;

        switch (e) {
        case SSL_ERROR_WANT_READ:
                c->want = POLLIN;
                return -EAGAIN;
        case SSL_ERROR_WANT_WRITE:
                c->want = POLLOUT;
                return -EAGAIN;
        case SSL_ERROR_ZERO_RETURN:
                return 0;
        case SSL_ERROR_SYSCALL:
                sym.ERR_clear_error();
                if (err)
                        snprintf(err, errsz, "TLS connection failed: %s", saved ? strerror(saved) : "closed");
                return saved ? -saved : -ECONNRESET;
        default:
                if (err)
                        return tls_error("TLS error", err, errsz);
                sym.ERR_clear_error();
                return RIFT_E_TLS;
        }
}

static int ossl_handshake(struct ossl_conn *conn, char *err, size_t errsz)
{
        long v;
        int n, r;

        sym.ERR_clear_error();
        errno = 0;
        n = sym.SSL_connect(conn->ssl);
        if (n == 1)
                return 0;
        v = sym.SSL_get_verify_result(conn->ssl);
        if (v != X509_V_OK) {
                sym.ERR_clear_error();
                snprintf(err, errsz, "server certificate verification failed: %s",
                         sym.X509_verify_cert_error_string(v));
                return RIFT_E_TLS;
        }
        r = io_result(conn, n, err, errsz);
        if (r == 0) { /* closed during the handshake */
                snprintf(err, errsz, "TLS handshake failed: connection closed by the server");
                return RIFT_E_TLS;
        }
        if (r != -EAGAIN && r != RIFT_E_TLS) {
                char why[200];
                rift_strlcpy(why, err, sizeof(why));
                snprintf(err, errsz, "TLS handshake failed: %s", why);
                return RIFT_E_TLS;
        }
        return r;
}

static ssize_t ossl_read(struct ossl_conn *conn, void *buf, size_t size)
{
        int n;

        sym.ERR_clear_error();
        errno = 0;
        n = sym.SSL_read(conn->ssl, buf, (int)MIN(size, (size_t)INT32_MAX));
        return n > 0 ? n : io_result(conn, n, NULL, 0);
}

static ssize_t ossl_write(struct ossl_conn *conn, const void *buf, size_t size)
{
        int n;

        sym.ERR_clear_error();
        errno = 0;
        n = sym.SSL_write(conn->ssl, buf, (int)MIN(size, (size_t)INT32_MAX));
        if (n > 0)
                return n;
        n = io_result(conn, n, NULL, 0);
        return n == 0 ? -EPIPE : n;
}

static short ossl_want(const struct ossl_conn *conn)
{
        return conn->want;
}

static bool ossl_pending(const struct ossl_conn *conn)
{
        return sym.SSL_pending(conn->ssl) > 0;
}

/* ---- the interface: mbedTLS when it loads (or is forced), else OpenSSL --------------------------------- */

static const char *const backend_names[] = {
        [TLS_DL_AUTO] = "auto", [TLS_DL_MBEDTLS] = "mbedtls", [TLS_DL_OPENSSL] = "openssl"
};

void tls_dl_set_backend(enum tls_dl_backend b)
{
        chosen = b;
}

const char *tls_dl_backend_name(enum tls_dl_backend b)
{
        return (unsigned)b < ARRAY_SIZE(backend_names) ? backend_names[b] : "?";
}

enum tls_dl_backend tls_dl_ctx_backend(const struct tls_dl_ctx *ctx)
{
        return ctx->using;
}

static int config_copy(struct tls_dl_config *dst, const struct tls_dl_config *src)
{
        *dst = (struct tls_dl_config){ .insecure = src->insecure };
        if ((src->ca_file && !(dst->ca_file = strdup(src->ca_file))) ||
            (src->client_cert && !(dst->client_cert = strdup(src->client_cert))) ||
            (src->client_key && !(dst->client_key = strdup(src->client_key))))
                return -ENOMEM;
        return 0;
}

/* auto: mbedTLS if its libraries load, else OpenSSL; a forced backend has no alternative. */
static int ctx_backend_new(struct tls_dl_ctx *c, char *err, size_t errsz)
{
        int r;

        if (chosen != TLS_DL_OPENSSL) {
                r = tls_mbed_ctx_new(&c->cfg, &c->mbed, err, errsz);
                if (r != RIFT_E_UNAVAILABLE || chosen == TLS_DL_MBEDTLS) {
                        c->using = TLS_DL_MBEDTLS;
                        c->may_fall_back = chosen == TLS_DL_AUTO;
                        return r;
                }
                log_debug("mbedTLS unavailable, using OpenSSL", LOG_STR("reason", err));
        }
        c->using = TLS_DL_OPENSSL;
        return ossl_ctx_new(&c->cfg, &c->ossl, err, errsz);
}

int tls_dl_ctx_new(const struct tls_dl_config *cfg, struct tls_dl_ctx **ret, char *err, size_t errsz)
{
        struct tls_dl_ctx *c = calloc(1, sizeof(*c));
        int r;

        if (!c)
                return -ENOMEM;
        r = config_copy(&c->cfg, cfg);
        if (r == 0)
                r = ctx_backend_new(c, err, errsz);
        if (r < 0) {
                tls_dl_ctx_free(c);
                return r;
        }
        *ret = c;
        return 0;
}

void tls_dl_ctx_free(struct tls_dl_ctx *ctx)
{
        if (!ctx)
                return;
        tls_mbed_ctx_free(ctx->mbed);
        ossl_ctx_free(ctx->ossl);
        free((char *)ctx->cfg.ca_file);
        free((char *)ctx->cfg.client_cert);
        free((char *)ctx->cfg.client_key);
        free(ctx);
}

int tls_dl_conn_new(struct tls_dl_ctx *ctx, int fd, const char *host, struct tls_dl_conn **ret, char *err,
                    size_t errsz)
{
        struct tls_dl_conn *c = calloc(1, sizeof(*c));
        int r;

        if (!c)
                return -ENOMEM;
        c->backend = ctx->using;
        c->ctx = ctx;
        if (c->backend == TLS_DL_MBEDTLS)
                r = tls_mbed_conn_new(ctx->mbed, fd, host, &c->mbed, err, errsz);
        else
                r = ossl_conn_new(ctx->ossl, fd, host, &c->ossl, err, errsz);
        if (r < 0) {
                free(c);
                return r;
        }
        log_debug("TLS connection", LOG_STR("host", host),
                  LOG_STR("library", tls_dl_backend_name(c->backend)));
        *ret = c;
        return 0;
}

void tls_dl_conn_free(struct tls_dl_conn *conn)
{
        if (!conn)
                return;
        tls_mbed_conn_free(conn->mbed);
        ossl_conn_free(conn->ossl);
        free(conn);
}

/* The mbedTLS handshake failed because the server refused TLS 1.2: with auto, this client uses OpenSSL
 * from now on (if it loads), and the caller is told to try again on a new connection. */
static int fall_back(struct tls_dl_conn *conn, int r, char *err, size_t errsz)
{
        struct tls_dl_ctx *ctx = conn->ctx;
        char why[256], oerr[256];

        if (!ctx->may_fall_back || !tls_mbed_conn_version_refused(conn->mbed))
                return r;
        rift_strlcpy(why, err, sizeof(why));
        if (ossl_ctx_new(&ctx->cfg, &ctx->ossl, oerr, sizeof(oerr)) < 0) {
                snprintf(err, errsz, "%s; no OpenSSL to fall back to: %s", why, oerr);
                return r;
        }
        ctx->using = TLS_DL_OPENSSL;
        ctx->may_fall_back = false;
        conn->retry = true;
        log_debug("the server refused TLS 1.2 from mbedTLS: falling back to OpenSSL", LOG_STR("reason", why));
        snprintf(err, errsz, "%s; the next connection uses OpenSSL", why);
        return r;
}

int tls_dl_handshake(struct tls_dl_conn *conn, char *err, size_t errsz)
{
        int r;

        if (conn->backend == TLS_DL_OPENSSL)
                return ossl_handshake(conn->ossl, err, errsz);
        r = tls_mbed_handshake(conn->mbed, err, errsz);
        return r == RIFT_E_TLS ? fall_back(conn, r, err, errsz) : r;
}

bool tls_dl_conn_retry(const struct tls_dl_conn *conn)
{
        return conn->retry;
}

ssize_t tls_dl_read(struct tls_dl_conn *conn, void *buf, size_t size)
{
        return conn->backend == TLS_DL_MBEDTLS ? tls_mbed_read(conn->mbed, buf, size)
                                               : ossl_read(conn->ossl, buf, size);
}

ssize_t tls_dl_write(struct tls_dl_conn *conn, const void *buf, size_t size)
{
        return conn->backend == TLS_DL_MBEDTLS ? tls_mbed_write(conn->mbed, buf, size)
                                               : ossl_write(conn->ossl, buf, size);
}

short tls_dl_want(const struct tls_dl_conn *conn)
{
        return conn->backend == TLS_DL_MBEDTLS ? tls_mbed_want(conn->mbed) : ossl_want(conn->ossl);
}

bool tls_dl_pending(const struct tls_dl_conn *conn)
{
        return conn->backend == TLS_DL_MBEDTLS ? tls_mbed_pending(conn->mbed) : ossl_pending(conn->ossl);
}
