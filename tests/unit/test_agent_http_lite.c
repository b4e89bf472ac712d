// link: agent/http_lite.c agent/http_resp.c agent/tls_dl.c agent/tls_mbed.c agent/dl.c
/* agent/http_lite.c, rift-agent's HTTP client without libcurl, against a scripted server on 127.0.0.1 (a
 * thread; plain TCP, or TLS with a self-signed certificate made by the openssl command): framing
 * (Content-Length, chunked, close-delimited, 1xx skipped), keep-alive reuse and transparent reconnection
 * of a connection the server closed, retries and their errors, deadline, body cap, malformed replies,
 * certificate, name and IP address verification, proxies from the environment. Every TLS case runs with
 * each library forced (mbedTLS, OpenSSL), and auto mode falls back to OpenSSL for a TLS 1.3-only server. */
#include <errno.h>
#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "agent/http_lite.h"
#include "agent/tls_dl.h"
#include "agent/tls_mbed.h"
#include "lib/clock.h"
#include "lib/error.h"
#include "lib/str.h"

/* The scripted server: one connection at a time, replies chosen by the request path. */
struct server {
        int lfd;                 /* listening socket */
        int port;                /* its port */
        SSL_CTX *ctx;            /* TLS server context; NULL for plain TCP */
        pthread_t thread;        /* serve() */
        volatile int stop;       /* asks serve() to return */
        volatile int accepted;   /* connections accepted */
        volatile int requests;   /* requests read */
        volatile int hits_503;   /* requests to /503 */
        volatile int version;    /* TLS version of the last accepted handshake (SSL_version) */
        char last_request[4096]; /* the last request's head and body */
};

/* One accepted connection. */
struct peer {
        int fd;   /* socket */
        SSL *ssl; /* TLS, or NULL */
};

static ssize_t peer_read(struct peer *p, char *buf, size_t n)
{
        struct pollfd pf = { .fd = p->fd, .events = POLLIN };

        if (p->ssl && SSL_pending(p->ssl) == 0 && poll(&pf, 1, 5000) <= 0)
                return -1;
        if (p->ssl)
                return SSL_read(p->ssl, buf, (int)n);
        if (poll(&pf, 1, 5000) <= 0)
                return -1;
        return recv(p->fd, buf, n, 0);
}

static void peer_write(struct peer *p, const char *s, size_t n)
{
        if (p->ssl)
                SSL_write(p->ssl, s, (int)n);
        else if (send(p->fd, s, n, MSG_NOSIGNAL) < 0)
                return;
}

static void peer_puts(struct peer *p, const char *s)
{
        peer_write(p, s, strlen(s));
}

/* Reads one request (head and Content-Length body) into buf: its length, or -1 at the end. */
static ssize_t read_request(struct peer *p, char *buf, size_t size)
{
        size_t len = 0;

        for (;;) {
                char *end;
                ssize_t n = peer_read(p, buf + len, size - 1 - len);
                if (n <= 0)
                        return -1;
                len += (size_t)n;
                buf[len] = '\0';
                end = strstr(buf, "\r\n\r\n");
                if (end) {
                        const char *cl = strcasestr(buf, "\r\nContent-Length:");
                        size_t body = cl ? strtoul(cl + 17, NULL, 10) : 0;
                        if ((size_t)(end + 4 - buf) + body <= len)
                                return (ssize_t)len;
                }
                if (len + 1 >= size)
                        return -1;
        }
}

/* A CONNECT tunnel to 127.0.0.1:port: relays bytes both ways until one side closes. */
static void relay(struct peer *p, int port)
{
        struct sockaddr_in a = { .sin_family = AF_INET,
                                 .sin_port = htons((uint16_t)port),
                                 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        int up = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        char buf[4096];

        if (up < 0 || connect(up, (struct sockaddr *)&a, sizeof(a)) < 0) {
                peer_puts(p, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n");
                if (up >= 0)
                        close(up);
                return;
        }
        peer_puts(p, "HTTP/1.1 200 Connection established\r\n\r\n");
        for (;;) {
                struct pollfd pf[2] = { { .fd = p->fd, .events = POLLIN }, { .fd = up, .events = POLLIN } };
                ssize_t n;

                if (poll(pf, 2, 5000) <= 0)
                        break;
                if (pf[0].revents) {
                        n = recv(p->fd, buf, sizeof(buf), 0);
                        if (n <= 0 || send(up, buf, (size_t)n, MSG_NOSIGNAL) != n)
                                break;
                }
                if (pf[1].revents) {
                        n = recv(up, buf, sizeof(buf), 0);
                        if (n <= 0 || send(p->fd, buf, (size_t)n, MSG_NOSIGNAL) != n)
                                break;
                }
        }
        close(up);
}

/* Answers one request; false when the connection is to be closed. */
static bool answer(struct server *s, struct peer *p, const char *req, bool *drop_next)
{
        char path[256] = "", big[256];

        sscanf(req, "%*s %255s", path);
        if (strncmp(req, "CONNECT ", 8) == 0) { /* acting as a proxy */
                const char *colon = strrchr(path, ':');
                if (strncmp(path, "refused.test:", 13) == 0 || !colon) {
                        peer_puts(p, "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n");
                        return false;
                }
                relay(p, (int)strtol(colon + 1, NULL, 10));
                return false;
        }
        if (strcmp(path, "/cl") == 0 || strcmp(path, "/idle-close") == 0 || strcmp(path, "/drop-next") == 0) {
                peer_puts(p, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Thing: a b\r\n\r\nhello");
                *drop_next = strcmp(path, "/drop-next") == 0;
                return strcmp(path, "/idle-close") != 0;
        }
        if (strcmp(path, "/chunked") == 0) {
                peer_puts(p, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"
                             "6;ext=1\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n");
                return true;
        }
        if (strcmp(path, "/close") == 0) {
                peer_puts(p, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the ");
                peer_puts(p, "end");
                return false;
        }
        if (strcmp(path, "/1xx") == 0) {
                peer_puts(p, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\nX-Early: 1\r\n\r\n"
                             "HTTP/1.1 201 Created\r\nContent-Length: 2\r\nX-Final: yes\r\n\r\nok");
                return true;
        }
        if (strcmp(path, "/big") == 0 || strcmp(path, "/bigchunk") == 0) {
                bool chunked = strcmp(path, "/bigchunk") == 0;
                memset(big, 'x', sizeof(big));
                peer_puts(p, chunked ? "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                     : "HTTP/1.1 200 OK\r\nContent-Length: 2560\r\n\r\n");
                for (int i = 0; i < 10; i++) {
                        if (chunked)
                                peer_puts(p, "100\r\n");
                        peer_write(p, big, sizeof(big));
                        if (chunked)
                                peer_puts(p, "\r\n");
                }
                if (chunked)
                        peer_puts(p, "0\r\n\r\n");
                return true;
        }
        if (strcmp(path, "/bad") == 0) {
                peer_puts(p, "HTTP/1.1 2x0 OK\r\n\r\n");
                return false;
        }
        if (strcmp(path, "/badchunk") == 0) {
                peer_puts(p, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n");
                return false;
        }
        if (strcmp(path, "/slow") == 0) {
                char b[64];
                while (!s->stop && peer_read(p, b, sizeof(b)) != 0) /* until the client gives up */
                        ;
                return false;
        }
        if (strcmp(path, "/503") == 0) {
                s->hits_503++;
                peer_puts(p, s->hits_503 < 3 ? "HTTP/1.1 503 Busy\r\nContent-Length: 0\r\n\r\n"
                                             : "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
                return true;
        }
        /* anything else: echo the request as the body */
        snprintf(big, sizeof(big), "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n", strlen(req));
        peer_puts(p, big);
        peer_puts(p, req);
        return true;
}

static void serve_conn(struct server *s, struct peer *p)
{
        char req[4096];
        bool drop_next = false;

        for (;;) {
                ssize_t n = read_request(p, req, sizeof(req));
                if (n < 0)
                        return;
                s->requests++;
                rift_strlcpy(s->last_request, req, sizeof(s->last_request));
                if (drop_next) /* the server closes a kept connection as the request arrives */
                        return;
                if (!answer(s, p, req, &drop_next))
                        return;
        }
}

static void *serve(void *arg)
{
        struct server *s = arg;

        while (!s->stop) {
                struct pollfd pf = { .fd = s->lfd, .events = POLLIN };
                struct peer p = { .fd = -1 };

                if (poll(&pf, 1, 50) <= 0)
                        continue;
                p.fd = accept4(s->lfd, NULL, NULL, SOCK_CLOEXEC);
                if (p.fd < 0)
                        continue;
                s->accepted++;
                if (s->ctx) {
                        p.ssl = SSL_new(s->ctx);
                        SSL_set_fd(p.ssl, p.fd);
                        if (SSL_accept(p.ssl) == 1) {
                                s->version = SSL_version(p.ssl);
                                serve_conn(s, &p);
                        } else
                                ERR_clear_error();
                        SSL_free(p.ssl);
                } else {
                        serve_conn(s, &p);
                }
                close(p.fd);
        }
        return NULL;
}

/* How a TLS server differs from the default (IPv4, TLS 1.2 and 1.3, no client certificate). */
struct server_opts {
        bool ipv6;             /* listen on ::1 */
        bool tls13_only;       /* refuse TLS 1.2 */
        const char *client_ca; /* require a client certificate chaining to this */
};

static void server_start_opts(struct server *s, const char *cert, const char *key,
                              const struct server_opts *o)
{
        struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        struct sockaddr *sa = o->ipv6 ? (struct sockaddr *)&a6 : (struct sockaddr *)&a;
        socklen_t len = o->ipv6 ? sizeof(a6) : sizeof(a);

        memset(s, 0, sizeof(*s));
        if (cert) {
                s->ctx = SSL_CTX_new(TLS_server_method());
                assert_non_null(s->ctx);
                assert_int_equal(SSL_CTX_use_certificate_chain_file(s->ctx, cert), 1);
                assert_int_equal(SSL_CTX_use_PrivateKey_file(s->ctx, key, SSL_FILETYPE_PEM), 1);
                if (o->tls13_only)
                        assert_int_equal(SSL_CTX_set_min_proto_version(s->ctx, TLS1_3_VERSION), 1);
                if (o->client_ca) {
                        assert_int_equal(SSL_CTX_load_verify_locations(s->ctx, o->client_ca, NULL), 1);
                        SSL_CTX_set_verify(s->ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
                }
        }
        s->lfd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        assert_true(s->lfd >= 0);
        assert_int_equal(bind(s->lfd, sa, len), 0);
        assert_int_equal(listen(s->lfd, 8), 0);
        assert_int_equal(getsockname(s->lfd, sa, &len), 0);
        s->port = ntohs(o->ipv6 ? a6.sin6_port : a.sin_port);
        assert_int_equal(pthread_create(&s->thread, NULL, serve, s), 0);
}

static void server_start(struct server *s, const char *cert, const char *key)
{
        static const struct server_opts defaults = { 0 };

        server_start_opts(s, cert, key, &defaults);
}

static void server_stop(struct server *s)
{
        s->stop = 1;
        pthread_join(s->thread, NULL);
        close(s->lfd);
        if (s->ctx)
                SSL_CTX_free(s->ctx);
}

static char *url(const struct server *s, const char *scheme_host, const char *path)
{
        static char u[256];

        snprintf(u, sizeof(u), "%s:%d%s", scheme_host, s->port, path);
        return u;
}

/* One request with cfg: the result, *resp filled. */
static int get(const struct rift_http_client_config *cfg, const char *u, struct rift_http_response *resp)
{
        struct rift_http_client *c = NULL;
        struct rift_http_client_request rq = { .url = u };
        int r;

        assert_int_equal(rift_http_client_new(cfg, &c), 0);
        r = rift_http_client_do(c, &rq, resp);
        rift_http_client_free(c);
        return r;
}

static int setup_plain(void **state)
{
        static struct server s;

        server_start(&s, NULL, NULL);
        *state = &s;
        return 0;
}

static int teardown(void **state)
{
        server_stop(*state);
        return 0;
}

static void test_framing(void **state)
{
        struct server *s = *state;
        struct rift_http_client_config cfg = { 0 };
        struct rift_http_response resp = { 0 };
        char v[64];

        assert_int_equal(get(&cfg, url(s, "http://127.0.0.1", "/cl"), &resp), 0);
        assert_int_equal(resp.status, 200);
        assert_string_equal(resp.body.data, "hello");
        assert_int_equal(resp.attempts, 1);
        assert_int_equal(rift_http_response_header(&resp, "x-thing", v, sizeof(v)), 0);
        assert_string_equal(v, "a b");
        assert_int_equal(get(&cfg, url(s, "http://127.0.0.1", "/chunked"), &resp), 0);
        assert_string_equal(resp.body.data, "hello world");
        assert_int_equal(get(&cfg, url(s, "http://127.0.0.1", "/close"), &resp), 0);
        assert_string_equal(resp.body.data, "until the end");
        assert_int_equal(get(&cfg, url(s, "http://127.0.0.1", "/1xx"), &resp), 0);
        assert_int_equal(resp.status, 201);
        assert_string_equal(resp.body.data, "ok");
        assert_int_equal(rift_http_response_header(&resp, "X-Final", v, sizeof(v)), 0);
        assert_int_equal(rift_http_response_header(&resp, "X-Early", v, sizeof(v)), -ENOENT);
        rift_http_response_free(&resp);
}

static void test_request_format(void **state)
{
        struct server *s = *state;
        struct rift_http_client_config cfg = { .user_agent = "rift-test/1" };
        struct rift_http_header h[] = { { "Authorization", "Bearer t" } };
        struct rift_http_client_request rq = {
                .method = "POST", .headers = h, .n_headers = 1, .body = "abc", .body_len = 3
        };
        _cleanup_(rift_http_response_free) struct rift_http_response resp = { 0 };
        struct rift_http_client *c = NULL;
        char u[128];

        snprintf(u, sizeof(u), "http://127.0.0.1:%d/echo?q=1#frag", s->port);
        rq.url = u;
        assert_int_equal(rift_http_client_new(&cfg, &c), 0);
        assert_int_equal(rift_http_client_do(c, &rq, &resp), 0);
        assert_non_null(strstr(resp.body.data, "POST /echo?q=1 HTTP/1.1\r\n"));
        assert_non_null(strstr(resp.body.data, "\r\nUser-Agent: rift-test/1\r\n"));
        assert_non_null(strstr(resp.body.data, "\r\nAuthorization: Bearer t\r\n"));
        assert_non_null(strstr(resp.body.data, "\r\nContent-Length: 3\r\n"));
        assert_non_null(strstr(resp.body.data, "\r\n\r\nabc"));
        h[0].value = "x\r\nInjected: 1"; /* header injection is refused */
        assert_int_equal(rift_http_client_do(c, &rq, &resp), -EINVAL);
        rq.url = "ftp://127.0.0.1/";
        assert_int_equal(rift_http_client_do(c, &rq, &resp), -EINVAL);
        rift_http_client_free(c);
}

static void test_keepalive(void **state)
{
        struct server *s = *state;
        struct rift_http_client_config cfg = { 0 };
        _cleanup_(rift_http_response_free) struct rift_http_response resp = { 0 };
        struct rift_http_client_request rq = { .method = "POST", .body = "x", .body_len = 1 };
        struct rift_http_client *c = NULL;
        int before = s->accepted;

        assert_int_equal(rift_http_client_new(&cfg, &c), 0);
        rq.url = url(s, "http://127.0.0.1", "/cl");
        assert_int_equal(rift_http_client_do(c, &rq, &resp), 0);
        rq.url = url(s, "http://127.0.0.1", "/chunked");
        assert_int_equal(rift_http_client_do(c, &rq, &resp), 0);
        assert_string_equal(resp.body.data, "hello world");
        assert_int_equal(s->accepted - before, 1); /* one connection for both */
        assert_int_equal(http_lite_connections(c), 1);

        /* the server closed the idle connection: the next request opens another one */
        rq.url = url(s, "http://127.0.0.1", "/idle-close");
        assert_int_equal(rift_http_client_do(c, &rq, &resp), 0);
        usleep(50 * 1000);
        rq.url = url(s, "http://127.0.0.1", "/cl");
        assert_int_equal(rift_http_client_do(c, &rq, &resp), 0);
        assert_string_equal(resp.body.data, "hello");
        assert_int_equal(resp.attempts, 1);
        assert_int_equal(http_lite_connections(c), 2);

        /* the server closes as the request arrives (nothing of a response came back): a POST, not
         * idempotent, is still sent again once on a new connection, as curl does */
        rq.url = url(s, "http://127.0.0.1", "/drop-next");
        assert_int_equal(rift_http_client_do(c, &rq, &resp), 0);
        rq.url = url(s, "http://127.0.0.1", "/chunked");
        assert_int_equal(rift_http_client_do(c, &rq, &resp), 0);
        assert_string_equal(resp.body.data, "hello world");
        assert_int_equal(resp.attempts, 1);
        assert_int_equal(http_lite_connections(c), 3);
        assert_int_equal(s->accepted - before, 3);
        rift_http_client_free(c);
}

static void test_refused(void **state)
{
        struct rift_http_client_config cfg = { .max_retries = 2, .retry_base_ms = 10 };
        _cleanup_(rift_http_response_free) struct rift_http_response resp = { 0 };
        struct rift_http_client_request rq = { .method = "POST" };
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t len = sizeof(a);
        struct rift_http_client *c = NULL;
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        char u[64];

        assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0); /* a port nobody listens on */
        assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
        snprintf(u, sizeof(u), "http://127.0.0.1:%d/x", ntohs(a.sin_port));
        rq.url = u;
        assert_int_equal(rift_http_client_new(&cfg, &c), 0);
        assert_int_equal(rift_http_client_do(c, &rq, &resp), RIFT_E_UNAVAILABLE);
        assert_int_equal(resp.attempts, 3); /* never connected: even a POST is retried */
        snprintf(u, sizeof(u), "http://[::1]:%d/x", ntohs(a.sin_port)); /* IPv6 literal */
        assert_int_equal(rift_http_client_do(c, &rq, &resp), RIFT_E_UNAVAILABLE);
        rq.url = "http://no-such-host.invalid/x";
        assert_int_equal(rift_http_client_do(c, &rq, &resp), RIFT_E_UNAVAILABLE);
        rift_http_client_free(c);
        close(fd);
}

static void test_errors(void **state)
{
        struct server *s = *state;
        struct rift_http_client_config cfg = { .max_response = 1000, .max_retries = 3, .retry_base_ms = 5 };
        _cleanup_(rift_http_response_free) struct rift_http_response resp = { 0 };
        struct rift_http_client_request rq = { .method = "POST", .timeout_ms = 300 };
        struct rift_http_client *c = NULL;
        int64_t t0;

        assert_int_equal(rift_http_client_new(&cfg, &c), 0);
        rq.url = url(s, "http://127.0.0.1", "/big");
        assert_int_equal(rift_http_client_do(c, &rq, &resp), RIFT_E_TOOBIG);
        rq.url = url(s, "http://127.0.0.1", "/bigchunk");
        assert_int_equal(rift_http_client_do(c, &rq, &resp), RIFT_E_TOOBIG);
        rq.url = url(s, "http://127.0.0.1", "/bad");
        assert_int_equal(rift_http_client_do(c, &rq, &resp), RIFT_E_PROTOCOL);
        rq.url = url(s, "http://127.0.0.1", "/badchunk");
        assert_int_equal(rift_http_client_do(c, &rq, &resp), RIFT_E_PROTOCOL);
        t0 = rift_mono_ms();
        rq.url = url(s, "http://127.0.0.1", "/slow");
        assert_int_equal(rift_http_client_do(c, &rq, &resp), RIFT_E_TIMEOUT);
        assert_int_equal(resp.attempts, 1); /* a POST that may have been processed is not resent */
        assert_true(rift_mono_ms() - t0 >= 290 && rift_mono_ms() - t0 < 2000);
        /* idempotent: 503 twice, then 200 */
        rq.url = url(s, "http://127.0.0.1", "/503");
        rq.idempotent = true;
        rq.timeout_ms = 5000;
        assert_int_equal(rift_http_client_do(c, &rq, &resp), 0);
        assert_int_equal(resp.status, 200);
        assert_int_equal(resp.attempts, 3);
        rift_http_client_free(c);
}

static void test_proxy(void **state)
{
        struct server *s = *state;
        struct rift_http_client_config cfg = { 0 };
        _cleanup_(rift_http_response_free) struct rift_http_response resp = { 0 };
        char proxy[64], out[64];

        snprintf(proxy, sizeof(proxy), "http://127.0.0.1:%d", s->port);
        setenv("http_proxy", proxy, 1);
        setenv("no_proxy", "example.com, .internal", 1);
        assert_int_equal(http_lite_proxy_for(false, "a.example.com", out, sizeof(out)), 0);
        assert_int_equal(http_lite_proxy_for(false, "x.internal", out, sizeof(out)), 0);
        assert_int_equal(http_lite_proxy_for(false, "notexample.com", out, sizeof(out)), 1);
        assert_int_equal(http_lite_proxy_for(true, "notexample.com", out, sizeof(out)),
                         0); /* no https_proxy */
        /* the "proxy" (our echo server) gets the absolute URI */
        assert_int_equal(get(&cfg, "http://upstream.test:81/echo", &resp), 0);
        assert_non_null(strstr(resp.body.data, "GET http://upstream.test:81/echo HTTP/1.1\r\n"));
        assert_non_null(strstr(resp.body.data, "\r\nHost: upstream.test:81\r\n"));
        setenv("http_proxy", "socks5://127.0.0.1:1", 1);
        assert_int_equal(get(&cfg, "http://upstream.test/echo", &resp), -EINVAL);
        unsetenv("http_proxy");
        unsetenv("no_proxy");
}

/* ---- TLS ---- */

static char tmpdir[64];

/* Runs argv with output discarded: its exit status. */
static int run(char *const argv[])
{
        posix_spawn_file_actions_t fa;
        int status = -1;
        pid_t pid;

        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
        posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
        if (posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ) == 0 && waitpid(pid, &status, 0) < 0)
                status = -1;
        posix_spawn_file_actions_destroy(&fa);
        return status;
}

/* A self-signed certificate NAME.pem (its own CA) with its key NAME.key in tmpdir. */
static void make_cert(const char *name, const char *san)
{
        char ext[128], key[128], cert[128];
        char *argv[] = { "openssl",
                         "req",
                         "-x509",
                         "-newkey",
                         "ec",
                         "-pkeyopt",
                         "ec_paramgen_curve:P-256",
                         "-nodes",
                         "-days",
                         "1",
                         "-subj",
                         "/CN=rift-test",
                         "-addext",
                         ext,
                         "-keyout",
                         key,
                         "-out",
                         cert,
                         NULL };

        snprintf(ext, sizeof(ext), "subjectAltName=%s", san);
        snprintf(key, sizeof(key), "%s/%s.key", tmpdir, name);
        snprintf(cert, sizeof(cert), "%s/%s.pem", tmpdir, name);
        assert_int_equal(run(argv), 0);
}

static int setup_tls(void **state)
{
        static struct server s;
        char cert[128], key[128];

        snprintf(tmpdir, sizeof(tmpdir), "/tmp/rift-http-lite-XXXXXX");
        if (!mkdtemp(tmpdir))
                return -1;
        make_cert("server", "DNS:localhost");
        make_cert("other", "DNS:localhost");
        make_cert("ip", "IP:127.0.0.1,IP:::1");
        make_cert("ipother", "IP:127.0.0.2,IP:::2,DNS:127.0.0.1,DNS:::1"); /* names are not addresses */
        make_cert("client", "DNS:rift-agent");
        snprintf(cert, sizeof(cert), "%s/server.pem", tmpdir);
        snprintf(key, sizeof(key), "%s/server.key", tmpdir);
        server_start(&s, cert, key);
        *state = &s;
        return 0;
}

static int teardown_tls(void **state)
{
        static const char *const files[] = { "server.pem", "server.key", "other.pem",   "other.key",
                                             "ip.pem",     "ip.key",     "ipother.pem", "ipother.key",
                                             "client.pem", "client.key" };
        char path[128];

        server_stop(*state);
        for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
                snprintf(path, sizeof(path), "%s/%s", tmpdir, files[i]);
                unlink(path);
        }
        return rmdir(tmpdir) == 0 ? 0 : -1;
}

/* The TLS cases, with the library the caller forced. */
static void tls_cases(struct server *s)
{
        char ca[128], other[128];
        struct rift_http_client_config cfg = { .ca_file = ca };
        _cleanup_(rift_http_response_free) struct rift_http_response resp = { 0 };
        struct rift_http_client_request rq = { .method = "POST" };
        struct rift_http_client *c = NULL;
        int before = s->accepted;

        snprintf(ca, sizeof(ca), "%s/server.pem", tmpdir);
        snprintf(other, sizeof(other), "%s/other.pem", tmpdir);
        /* the right CA and name; keep-alive over TLS */
        assert_int_equal(rift_http_client_new(&cfg, &c), 0);
        rq.url = url(s, "https://localhost", "/cl");
        assert_int_equal(rift_http_client_do(c, &rq, &resp), 0);
        assert_string_equal(resp.body.data, "hello");
        rq.url = url(s, "https://localhost", "/chunked");
        assert_int_equal(rift_http_client_do(c, &rq, &resp), 0);
        assert_string_equal(resp.body.data, "hello world");
        assert_int_equal(s->accepted - before, 1);
        /* the certificate names localhost, not 127.0.0.1 */
        rq.url = url(s, "https://127.0.0.1", "/cl");
        assert_int_equal(rift_http_client_do(c, &rq, &resp), RIFT_E_TLS);
        rift_http_client_free(c);
        /* another CA */
        cfg.ca_file = other;
        assert_int_equal(get(&cfg, url(s, "https://localhost", "/cl"), &resp), RIFT_E_TLS);
        /* insecure skips both */
        cfg.insecure = true;
        assert_int_equal(get(&cfg, url(s, "https://127.0.0.1", "/cl"), &resp), 0);
        assert_string_equal(resp.body.data, "hello");
        /* through an http proxy's CONNECT tunnel (the plain server relays), still verified end to end */
        {
                struct server proxy;
                char pu[64];

                server_start(&proxy, NULL, NULL);
                snprintf(pu, sizeof(pu), "http://127.0.0.1:%d", proxy.port);
                setenv("https_proxy", pu, 1);
                cfg = (struct rift_http_client_config){ .ca_file = ca };
                before = s->accepted;
                assert_int_equal(get(&cfg, url(s, "https://localhost", "/chunked"), &resp), 0);
                assert_string_equal(resp.body.data, "hello world");
                assert_int_equal(s->accepted - before, 1);
                assert_non_null(strstr(proxy.last_request, "CONNECT localhost:"));
                cfg.ca_file = other;
                assert_int_equal(get(&cfg, url(s, "https://localhost", "/cl"), &resp), RIFT_E_TLS);
                cfg.max_retries = 1;
                cfg.retry_base_ms = 5;
                assert_int_equal(get(&cfg, "https://refused.test/", &resp), RIFT_E_UNAVAILABLE);
                assert_int_equal(resp.attempts, 2); /* no tunnel: never sent, so retried */
                unsetenv("https_proxy");
                server_stop(&proxy);
        }
        /* the system CAs load, but none of them signed the test certificate */
        {
                struct tls_dl_ctx *ctx = NULL;
                char err[256];

                assert_int_equal(tls_dl_ctx_new(&(struct tls_dl_config){ 0 }, &ctx, err, sizeof(err)), 0);
                tls_dl_ctx_free(ctx);
        }
        cfg = (struct rift_http_client_config){ 0 };
        assert_int_equal(get(&cfg, url(s, "https://localhost", "/cl"), &resp), RIFT_E_TLS);
        /* a CA file that cannot be read */
        cfg = (struct rift_http_client_config){ .ca_file = "/nonexistent/ca.pem" };
        before = s->accepted;
        assert_int_equal(get(&cfg, url(s, "https://localhost", "/cl"), &resp), RIFT_E_TLS);
        /* its TCP connection was made first: let the server accept it before the next test counts */
        for (int i = 0; i < 200 && s->accepted == before; i++)
                usleep(10 * 1000);
        assert_int_equal(s->accepted - before, 1);
}

static void test_tls_mbedtls(void **state)
{
        struct server *s = *state;

        tls_dl_set_backend(TLS_DL_MBEDTLS);
        tls_cases(s);
        assert_true(tls_mbed_loaded());
        assert_false(tls_dl_loaded()); /* OpenSSL was never needed */
        assert_int_equal(s->version, TLS1_2_VERSION);
        tls_dl_set_backend(TLS_DL_AUTO);
}

static void test_tls_openssl(void **state)
{
        struct server *s = *state;

        tls_dl_set_backend(TLS_DL_OPENSSL);
        tls_cases(s);
        assert_true(tls_dl_loaded());
        assert_int_equal(s->version, TLS1_3_VERSION);
        tls_dl_set_backend(TLS_DL_AUTO);
}

/* One https GET of /cl from a server with cert (its own CA) at host: the result; *requests set to the
 * number of requests the server read. */
static int get_from(const char *cert, const char *host, const struct server_opts *o,
                    const struct rift_http_client_config *cfg_in, int *requests)
{
        struct rift_http_client_config cfg = *cfg_in;
        _cleanup_(rift_http_response_free) struct rift_http_response resp = { 0 };
        char pem[128], key[128], u[128];
        struct server srv;
        int r;

        snprintf(pem, sizeof(pem), "%s/%s.pem", tmpdir, cert);
        snprintf(key, sizeof(key), "%s/%s.key", tmpdir, cert);
        if (!cfg.ca_file)
                cfg.ca_file = pem;
        server_start_opts(&srv, pem, key, o);
        snprintf(u, sizeof(u), "https://%s:%d/cl", host, srv.port);
        r = get(&cfg, u, &resp);
        if (r == 0)
                assert_string_equal(resp.body.data, "hello");
        *requests = srv.requests;
        server_stop(&srv);
        return r;
}

/* iPAddress SANs, IPv4 and IPv6 (mbedTLS 2.28 does not check them itself: tls_mbed.c does). */
static void ip_cases(void)
{
        static const struct server_opts v4 = { 0 }, v6 = { .ipv6 = true };
        struct rift_http_client_config cfg = { 0 };
        int n;

        assert_int_equal(get_from("ip", "127.0.0.1", &v4, &cfg, &n), 0);
        assert_int_equal(n, 1);
        assert_int_equal(get_from("ip", "[::1]", &v6, &cfg, &n), 0);
        assert_int_equal(n, 1);
        /* a certificate for other addresses (and DNS names spelling ours): refused before any request */
        assert_int_equal(get_from("ipother", "127.0.0.1", &v4, &cfg, &n), RIFT_E_TLS);
        assert_int_equal(n, 0);
        assert_int_equal(get_from("ipother", "[::1]", &v6, &cfg, &n), RIFT_E_TLS);
        assert_int_equal(n, 0);
        /* a name certificate at an address, and insecure accepting it */
        assert_int_equal(get_from("server", "127.0.0.1", &v4, &cfg, &n), RIFT_E_TLS);
        cfg.insecure = true;
        assert_int_equal(get_from("ipother", "[::1]", &v6, &cfg, &n), 0);
}

static void test_ip_san(void **state)
{
        static const enum tls_dl_backend each[] = { TLS_DL_MBEDTLS, TLS_DL_OPENSSL };

        for (size_t i = 0; i < ARRAY_SIZE(each); i++) {
                tls_dl_set_backend(each[i]);
                ip_cases();
        }
        tls_dl_set_backend(TLS_DL_AUTO);
}

/* A server requiring a client certificate: refused without one, accepted with it. */
static void test_client_cert(void **state)
{
        static const enum tls_dl_backend each[] = { TLS_DL_MBEDTLS, TLS_DL_OPENSSL };
        struct server_opts o = { 0 };
        char client[128], ckey[128];
        struct rift_http_client_config cfg = { 0 };
        int n;

        snprintf(client, sizeof(client), "%s/client.pem", tmpdir);
        snprintf(ckey, sizeof(ckey), "%s/client.key", tmpdir);
        o.client_ca = client;
        for (size_t i = 0; i < ARRAY_SIZE(each); i++) {
                tls_dl_set_backend(each[i]);
                cfg.client_cert = cfg.client_key = NULL;
                assert_int_not_equal(get_from("server", "localhost", &o, &cfg, &n), 0);
                assert_int_equal(n, 0);
                cfg.client_cert = client;
                cfg.client_key = ckey;
                assert_int_equal(get_from("server", "localhost", &o, &cfg, &n), 0);
                assert_int_equal(n, 1);
        }
        tls_dl_set_backend(TLS_DL_AUTO);
}

/* A TLS 1.3-only server: mbedTLS 2.28 cannot talk to it; auto mode retries that client with OpenSSL,
 * whose later connections go straight to OpenSSL. */
static void test_tls13_fallback(void **state)
{
        static const struct server_opts o = { .tls13_only = true };
        _cleanup_(rift_http_response_free) struct rift_http_response resp = { 0 };
        struct rift_http_client_request rq = { .method = "POST" };
        char pem[128], key[128];
        struct rift_http_client_config cfg = { .ca_file = pem };
        struct rift_http_client *c = NULL;
        struct server srv;
        int n;

        snprintf(pem, sizeof(pem), "%s/server.pem", tmpdir);
        snprintf(key, sizeof(key), "%s/server.key", tmpdir);
        tls_dl_set_backend(TLS_DL_MBEDTLS); /* forced: no fallback */
        assert_int_equal(get_from("server", "localhost", &o, &cfg, &n), RIFT_E_TLS);
        tls_dl_set_backend(TLS_DL_AUTO);
        server_start_opts(&srv, pem, key, &o);
        assert_int_equal(rift_http_client_new(&cfg, &c), 0);
        rq.url = url(&srv, "https://localhost", "/idle-close");
        assert_int_equal(rift_http_client_do(c, &rq, &resp), 0);
        assert_string_equal(resp.body.data, "hello");
        assert_int_equal(resp.attempts, 1);
        assert_int_equal(srv.accepted, 2); /* the refused mbedTLS handshake, then OpenSSL */
        assert_int_equal(srv.version, TLS1_3_VERSION);
        usleep(50 * 1000);
        rq.url = url(&srv, "https://localhost", "/cl");
        assert_int_equal(rift_http_client_do(c, &rq, &resp), 0);
        assert_int_equal(srv.accepted, 3); /* remembered: one connection */
        rift_http_client_free(c);
        server_stop(&srv);
        /* auto with a TLS 1.2 server stays on mbedTLS */
        assert_int_equal(get_from("server", "localhost", &(struct server_opts){ 0 }, &cfg, &n), 0);
        assert_true(tls_mbed_loaded());
}

int main(void)
{
        const struct CMUnitTest plain[] = {
                cmocka_unit_test(test_framing),   cmocka_unit_test(test_request_format),
                cmocka_unit_test(test_keepalive), cmocka_unit_test(test_refused),
                cmocka_unit_test(test_errors),    cmocka_unit_test(test_proxy),
        };
        const struct CMUnitTest tls[] = {
                cmocka_unit_test(test_tls_mbedtls),    cmocka_unit_test(test_tls_openssl),
                cmocka_unit_test(test_ip_san),         cmocka_unit_test(test_client_cert),
                cmocka_unit_test(test_tls13_fallback),
        };
        int failed;

        signal(SIGPIPE, SIG_IGN); /* as rift-agent: a peer that closes makes writes fail, not kill */
        failed = cmocka_run_group_tests_name("http_lite", plain, setup_plain, teardown);
        return failed + cmocka_run_group_tests_name("http_lite_tls", tls, setup_tls, teardown_tls);
}
