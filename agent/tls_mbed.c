/* TLS client connections on mbedTLS 2.28 loaded on first use: see tls_mbed.h. */
#include <errno.h>
#include <mbedtls/asn1.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>
#include <poll.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "agent/dl.h"
#include "agent/tls_mbed.h"
#include "lib/error.h"
#include "lib/macro.h"
#include "lib/str.h"

#define SYSTEM_CA_FILE "/etc/ssl/certs/ca-certificates.crt"
#define SYSTEM_CA_DIR  "/etc/ssl/certs"

/* The libmbedtls entry points used, by name; each member has the type of ssl.h's function. */
#define MBED_TLS_FUNCS(X)                                                                                    \
        X(mbedtls_ssl_config_init)                                                                           \
        X(mbedtls_ssl_config_defaults)                                                                       \
        X(mbedtls_ssl_config_free)                                                                           \
        X(mbedtls_ssl_conf_authmode)                                                                         \
        X(mbedtls_ssl_conf_ca_chain)                                                                         \
        X(mbedtls_ssl_conf_own_cert)                                                                         \
        X(mbedtls_ssl_conf_rng)                                                                              \
        X(mbedtls_ssl_conf_min_version)                                                                      \
        X(mbedtls_ssl_init)                                                                                  \
        X(mbedtls_ssl_setup)                                                                                 \
        X(mbedtls_ssl_free)                                                                                  \
        X(mbedtls_ssl_set_hostname)                                                                          \
        X(mbedtls_ssl_set_bio)                                                                               \
        X(mbedtls_ssl_handshake)                                                                             \
        X(mbedtls_ssl_get_verify_result)                                                                     \
        X(mbedtls_ssl_get_peer_cert)                                                                         \
        X(mbedtls_ssl_read)                                                                                  \
        X(mbedtls_ssl_write)                                                                                 \
        X(mbedtls_ssl_get_bytes_avail)                                                                       \
        X(mbedtls_ssl_check_pending)                                                                         \
        X(mbedtls_ssl_close_notify)

/* ... libmbedx509's ... */
#define MBED_X509_FUNCS(X)                                                                                   \
        X(mbedtls_x509_crt_init)                                                                             \
        X(mbedtls_x509_crt_free)                                                                             \
        X(mbedtls_x509_crt_parse_file)                                                                       \
        X(mbedtls_x509_crt_parse_path)                                                                       \
        X(mbedtls_x509_crt_verify_info)

/* ... and libmbedcrypto's. */
#define MBED_CRYPTO_FUNCS(X)                                                                                 \
        X(mbedtls_entropy_init)                                                                              \
        X(mbedtls_entropy_func)                                                                              \
        X(mbedtls_ctr_drbg_init)                                                                             \
        X(mbedtls_ctr_drbg_seed)                                                                             \
        X(mbedtls_ctr_drbg_reseed)                                                                           \
        X(mbedtls_ctr_drbg_random)                                                                           \
        X(mbedtls_pk_init)                                                                                   \
        X(mbedtls_pk_free)                                                                                   \
        X(mbedtls_pk_parse_keyfile)                                                                          \
        X(mbedtls_strerror)

struct mbed_syms {
#define X(f) __typeof__(&f) f; /* mbedTLS's f */
        MBED_TLS_FUNCS(X)
        MBED_X509_FUNCS(X)
        MBED_CRYPTO_FUNCS(X)
#undef X
};

#define X(f) { #f, offsetof(struct mbed_syms, f) },
static const struct dl_sym tls_table[] = { MBED_TLS_FUNCS(X) };
static const struct dl_sym x509_table[] = { MBED_X509_FUNCS(X) };
static const struct dl_sym crypto_table[] = { MBED_CRYPTO_FUNCS(X) };
#undef X

struct tls_mbed_ctx {
        mbedtls_ssl_config conf; /* versions, verification mode, CAs, own certificate, RNG */
        mbedtls_x509_crt ca;     /* trusted CAs (empty when insecure) */
        mbedtls_x509_crt own;    /* client certificate chain, if any */
        mbedtls_pk_context key;  /* its key */
        bool insecure;           /* no chain, name or address verification */
};

struct tls_mbed_conn {
        mbedtls_ssl_context ssl; /* the connection's state */
        int fd;                  /* the socket (not owned) */
        short want;              /* POLLIN or POLLOUT after -EAGAIN */
        int sys_errno;           /* errno of the socket call that failed, 0 if none */
        bool check_ip;           /* the certificate must name ip[0, ip_len) */
        unsigned char ip[16];    /* the peer's address, network order */
        size_t ip_len;           /* 4 or 16 */
        char host[64];           /* the IP literal, for the error */
        bool done;               /* handshake and checks complete */
        bool version_refused;    /* the server refused TLS 1.2 */
};

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static struct mbed_syms sym;      /* all set once loaded */
static bool loaded;               /* written once under load_once */
static char load_error[512] = ""; /* why loading failed */

static pthread_mutex_t rng_lock = PTHREAD_MUTEX_INITIALIZER;
static mbedtls_entropy_context entropy; /* mbedTLS's entropy sources (getrandom) */
static mbedtls_ctr_drbg_context drbg;   /* the process's RNG for every context */
static pid_t drbg_pid;                  /* the process that seeded or reseeded drbg; 0 = not seeded */

static void load(void)
{
        struct mbed_syms s;

        if (dl_table_open(TLS_MBED_CRYPTO_SONAME, crypto_table, ARRAY_SIZE(crypto_table), &s, sizeof(s),
                          load_error, sizeof(load_error)) < 0 ||
            dl_table_open(TLS_MBED_X509_SONAME, x509_table, ARRAY_SIZE(x509_table), &s, sizeof(s), load_error,
                          sizeof(load_error)) < 0 ||
            dl_table_open(TLS_MBED_SONAME, tls_table, ARRAY_SIZE(tls_table), &s, sizeof(s), load_error,
                          sizeof(load_error)) < 0)
                return;
        sym = s;
        sym.mbedtls_entropy_init(&entropy);
        sym.mbedtls_ctr_drbg_init(&drbg);
        __atomic_store_n(&loaded, true, __ATOMIC_RELEASE);
}

int tls_mbed_load(char *err, size_t errsz)
{
        pthread_once(&load_once, load);
        if (!tls_mbed_loaded()) {
                snprintf(err, errsz, "cannot load mbedTLS: %s", load_error);
                return RIFT_E_UNAVAILABLE;
        }
        return 0;
}

bool tls_mbed_loaded(void)
{
        return __atomic_load_n(&loaded, __ATOMIC_ACQUIRE);
}

/* what: mbedTLS's text for code ret. */
static int mbed_error(const char *what, int ret, char *err, size_t errsz)
{
        char reason[200];

        sym.mbedtls_strerror(ret, reason, sizeof(reason));
        if (err)
                snprintf(err, errsz, "%s: %s (-0x%04x)", what, reason, (unsigned)-ret);
        return RIFT_E_TLS;
}

/* Seeds the RNG once per process: a forked child reseeds so that it never repeats its parent's stream. */
static int rng_ready(char *err, size_t errsz)
{
        static const char pers[] = "rift-agent tls";
        pid_t pid = getpid();
        int ret = 0;

        pthread_mutex_lock(&rng_lock);
        if (drbg_pid == 0)
                ret = sym.mbedtls_ctr_drbg_seed(&drbg, sym.mbedtls_entropy_func, &entropy,
                                                (const unsigned char *)pers, sizeof(pers) - 1);
        else if (drbg_pid != pid)
                ret = sym.mbedtls_ctr_drbg_reseed(&drbg, (const unsigned char *)&pid, sizeof(pid));
        if (ret == 0)
                drbg_pid = pid;
        pthread_mutex_unlock(&rng_lock);
        return ret == 0 ? 0 : mbed_error("cannot seed the random generator", ret, err, errsz);
}

static int load_cas(struct tls_mbed_ctx *c, const struct tls_dl_config *cfg, char *err, size_t errsz)
{
        int ret;

        if (cfg->insecure)
                return 0;
        if (cfg->ca_file) {
                ret = sym.mbedtls_x509_crt_parse_file(&c->ca, cfg->ca_file);
                return ret == 0 ? 0 : mbed_error("cannot load the CA file", ret, err, errsz);
        }
        /* the bundle; else every file of the directory (> 0: some could not be parsed, the rest count) */
        ret = sym.mbedtls_x509_crt_parse_file(&c->ca, SYSTEM_CA_FILE);
        if (ret < 0 || c->ca.version == 0)
                ret = sym.mbedtls_x509_crt_parse_path(&c->ca, SYSTEM_CA_DIR);
        if (ret < 0 || c->ca.version == 0)
                return mbed_error("cannot use the system CAs",
                                  ret < 0 ? ret : MBEDTLS_ERR_X509_CERT_UNKNOWN_FORMAT, err, errsz);
        return 0;
}

static int ctx_setup(struct tls_mbed_ctx *c, const struct tls_dl_config *cfg, char *err, size_t errsz)
{
        int ret = sym.mbedtls_ssl_config_defaults(&c->conf, MBEDTLS_SSL_IS_CLIENT,
                                                  MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT);

        if (ret != 0)
                return mbed_error("cannot make the TLS configuration", ret, err, errsz);
        sym.mbedtls_ssl_conf_min_version(&c->conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
        sym.mbedtls_ssl_conf_rng(&c->conf, sym.mbedtls_ctr_drbg_random, &drbg);
        sym.mbedtls_ssl_conf_authmode(&c->conf,
                                      cfg->insecure ? MBEDTLS_SSL_VERIFY_NONE : MBEDTLS_SSL_VERIFY_REQUIRED);
        if ((ret = load_cas(c, cfg, err, errsz)) < 0)
                return ret;
        if (!cfg->insecure)
                sym.mbedtls_ssl_conf_ca_chain(&c->conf, &c->ca, NULL);
        if (cfg->client_cert) {
                const char *key = cfg->client_key ? cfg->client_key : cfg->client_cert;
                if ((ret = sym.mbedtls_x509_crt_parse_file(&c->own, cfg->client_cert)) != 0)
                        return mbed_error("cannot load the client certificate", ret, err, errsz);
                if ((ret = sym.mbedtls_pk_parse_keyfile(&c->key, key, NULL)) != 0)
                        return mbed_error("cannot load the client key", ret, err, errsz);
                if ((ret = sym.mbedtls_ssl_conf_own_cert(&c->conf, &c->own, &c->key)) != 0)
                        return mbed_error("cannot use the client certificate", ret, err, errsz);
        }
        return 0;
}

int tls_mbed_ctx_new(const struct tls_dl_config *cfg, struct tls_mbed_ctx **ret, char *err, size_t errsz)
{
        struct tls_mbed_ctx *c;
        int r = tls_mbed_load(err, errsz);

        if (r < 0)
                return r;
        if ((r = rng_ready(err, errsz)) < 0)
                return r;
        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        sym.mbedtls_ssl_config_init(&c->conf);
        sym.mbedtls_x509_crt_init(&c->ca);
        sym.mbedtls_x509_crt_init(&c->own);
        sym.mbedtls_pk_init(&c->key);
        c->insecure = cfg->insecure;
        r = ctx_setup(c, cfg, err, errsz);
        if (r < 0) {
                tls_mbed_ctx_free(c);
                return r;
        }
        *ret = c;
        return 0;
}

void tls_mbed_ctx_free(struct tls_mbed_ctx *ctx)
{
        if (!ctx)
                return;
        sym.mbedtls_ssl_config_free(&ctx->conf);
        sym.mbedtls_x509_crt_free(&ctx->ca);
        sym.mbedtls_x509_crt_free(&ctx->own);
        sym.mbedtls_pk_free(&ctx->key);
        free(ctx);
}

/* The bio callbacks: the socket's result in mbedTLS's terms; errno is kept for the caller. */
static int bio_send(void *arg, const unsigned char *buf, size_t len)
{
        struct tls_mbed_conn *c = arg;
        ssize_t n;

        do
                n = send(c->fd, buf, len, MSG_NOSIGNAL);
        while (n < 0 && errno == EINTR);
        if (n >= 0)
                return (int)n;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
                return MBEDTLS_ERR_SSL_WANT_WRITE;
        c->sys_errno = errno;
        return errno == EPIPE || errno == ECONNRESET ? MBEDTLS_ERR_NET_CONN_RESET
                                                     : MBEDTLS_ERR_NET_SEND_FAILED;
}

static int bio_recv(void *arg, unsigned char *buf, size_t len)
{
        struct tls_mbed_conn *c = arg;
        ssize_t n;

        do
                n = recv(c->fd, buf, len, 0);
        while (n < 0 && errno == EINTR);
        if (n >= 0)
                return (int)n;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
                return MBEDTLS_ERR_SSL_WANT_READ;
        c->sys_errno = errno;
        return errno == ECONNRESET ? MBEDTLS_ERR_NET_CONN_RESET : MBEDTLS_ERR_NET_RECV_FAILED;
}

int tls_mbed_conn_new(struct tls_mbed_ctx *ctx, int fd, const char *host, struct tls_mbed_conn **ret,
                      char *err, size_t errsz)
{
        struct tls_mbed_conn *c = calloc(1, sizeof(*c));
        int r;

        if (!c)
                return -ENOMEM;
        c->fd = fd;
        sym.mbedtls_ssl_init(&c->ssl);
        if (inet_pton(AF_INET, host, c->ip) == 1)
                c->ip_len = 4;
        else if (inet_pton(AF_INET6, host, c->ip) == 1)
                c->ip_len = 16;
        c->check_ip = c->ip_len && !ctx->insecure;
        rift_strlcpy(c->host, host, sizeof(c->host));
        if ((r = sym.mbedtls_ssl_setup(&c->ssl, &ctx->conf)) != 0)
                r = mbed_error("cannot set up the TLS connection", r, err, errsz);
        else if (!c->ip_len && (r = sym.mbedtls_ssl_set_hostname(&c->ssl, host)) != 0)
                r = mbed_error("cannot set the server name", r, err, errsz);
        if (r < 0) {
                tls_mbed_conn_free(c);
                return r;
        }
        sym.mbedtls_ssl_set_bio(&c->ssl, c, bio_send, bio_recv, NULL);
        *ret = c;
        return 0;
}

void tls_mbed_conn_free(struct tls_mbed_conn *conn)
{
        if (!conn)
                return;
        if (conn->done)
                (void)sym.mbedtls_ssl_close_notify(&conn->ssl); /* never waits: the bio does not block */
        sym.mbedtls_ssl_free(&conn->ssl);
        free(conn);
}

/* Does the certificate carry an iPAddress SAN ([7] OCTET STRING of 4 or 16 bytes) equal to ip? */
static bool san_has_ip(const mbedtls_x509_sequence *san, const unsigned char *ip, size_t len)
{
        for (; san; san = san->next)
                if (san->buf.tag == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | 7) && san->buf.len == len &&
                    memcmp(san->buf.p, ip, len) == 0)
                        return true;
        return false;
}

/* A handshake error: the reason in err; a refused version is remembered for the caller. */
static int handshake_error(struct tls_mbed_conn *c, int ret, char *err, size_t errsz)
{
        uint32_t flags = sym.mbedtls_ssl_get_verify_result(&c->ssl);
        char why[256];

        if (ret == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED && flags != 0 && flags != (uint32_t)-1) {
                sym.mbedtls_x509_crt_verify_info(why, sizeof(why), "", flags);
                why[strcspn(why, "\n")] = '\0'; /* the first reason */
                snprintf(err, errsz, "server certificate verification failed: %s", why);
                return RIFT_E_TLS;
        }
        c->version_refused = ret == MBEDTLS_ERR_SSL_BAD_HS_PROTOCOL_VERSION ||
                             (ret == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE && c->ssl.in_msg &&
                              c->ssl.in_msg[1] == MBEDTLS_SSL_ALERT_MSG_PROTOCOL_VERSION);
        if (c->sys_errno) {
                snprintf(err, errsz, "TLS handshake failed: %s", strerror(c->sys_errno));
                return RIFT_E_TLS;
        }
        if (ret == MBEDTLS_ERR_SSL_CONN_EOF) {
                snprintf(err, errsz, "TLS handshake failed: connection closed by the server");
                return RIFT_E_TLS;
        }
        return mbed_error(c->version_refused ? "TLS handshake failed: the server refused TLS 1.2"
                                             : "TLS handshake failed",
                          ret, err, errsz);
}

int tls_mbed_handshake(struct tls_mbed_conn *conn, char *err, size_t errsz)
{
        const mbedtls_x509_crt *peer;
        int ret;

        conn->sys_errno = 0;
        ret = sym.mbedtls_ssl_handshake(&conn->ssl);
        if (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE) {
                conn->want = ret == MBEDTLS_ERR_SSL_WANT_READ ? POLLIN : POLLOUT;
                return -EAGAIN;
        }
        if (ret != 0)
                return handshake_error(conn, ret, err, errsz);
        if (conn->check_ip) { /* before the caller writes a byte */
                peer = sym.mbedtls_ssl_get_peer_cert(&conn->ssl);
                if (!peer || !san_has_ip(&peer->subject_alt_names, conn->ip, conn->ip_len)) {
                        snprintf(err, errsz, "certificate does not match IP address %s", conn->host);
                        return RIFT_E_TLS;
                }
        }
        conn->done = true;
        return 0;
}

/* Turns an mbedTLS I/O result ret < 0 into -EAGAIN (with want set), 0 (closed), -errno or RIFT_E_TLS. */
static int io_result(struct tls_mbed_conn *c, int ret)
{
        switch (ret) {
        case MBEDTLS_ERR_SSL_WANT_READ:
                c->want = POLLIN;
                return -EAGAIN;
        case MBEDTLS_ERR_SSL_WANT_WRITE:
                c->want = POLLOUT;
                return -EAGAIN;
        case MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY:
        case MBEDTLS_ERR_SSL_CONN_EOF: /* no close_notify ends a close-delimited body: not an error */
                return 0;
        default:
                return c->sys_errno                        ? -c->sys_errno
                       : ret == MBEDTLS_ERR_NET_CONN_RESET ? -ECONNRESET
                                                           : RIFT_E_TLS;
        }
}

ssize_t tls_mbed_read(struct tls_mbed_conn *conn, void *buf, size_t size)
{
        int n;

        conn->sys_errno = 0;
        n = sym.mbedtls_ssl_read(&conn->ssl, buf, MIN(size, (size_t)INT32_MAX));
        return n > 0 ? n : n == 0 ? 0 : io_result(conn, n);
}

ssize_t tls_mbed_write(struct tls_mbed_conn *conn, const void *buf, size_t size)
{
        int n;

        conn->sys_errno = 0;
        n = sym.mbedtls_ssl_write(&conn->ssl, buf, MIN(size, (size_t)INT32_MAX));
        if (n > 0)
                return n;
        n = n == 0 ? 0 : io_result(conn, n);
        return n == 0 ? -EPIPE : n;
}

short tls_mbed_want(const struct tls_mbed_conn *conn)
{
        return conn->want;
}

bool tls_mbed_pending(const struct tls_mbed_conn *conn)
{
        return sym.mbedtls_ssl_get_bytes_avail(&conn->ssl) > 0 || sym.mbedtls_ssl_check_pending(&conn->ssl);
}

bool tls_mbed_conn_version_refused(const struct tls_mbed_conn *conn)
{
        return conn->version_refused;
}
