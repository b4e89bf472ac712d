/* rift-agent's HTTP/1.1 client without libcurl: see http_lite.h (the contract is lib/http_client.h's). */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "agent/http_lite.h"
#include "agent/http_resp.h"
#include "agent/tls_dl.h"
#include "lib/clock.h"
#include "lib/error.h"
#include "lib/http_common.h"
#include "lib/limits_rift.h"
#include "lib/log.h"
#include "lib/str.h"

#define DEFAULT_PROXY_PORT  "1080" /* curl's */
#define MAX_REQUEST_HEADERS 64     /* extra headers one request may carry */
#define MAX_HOST            256    /* host name or address in a URL */
#define READ_BUF            HTTP_RESP_MAX_HEAD

/* The parts of an absolute URL a request needs. */
struct url {
        bool tls;                      /* https */
        char host[MAX_HOST];           /* name or address, without IPv6 brackets */
        char port[8];                  /* decimal */
        char authority[MAX_HOST + 10]; /* Host header: host (bracketed if IPv6) and :port if not default */
        const char *path;              /* origin-form target inside the URL ("" means "/") */
        size_t path_len;               /* its length (up to a '#') */
};

/* The one connection a client keeps alive. */
struct conn {
        int fd;                      /* socket; -1 when there is none */
        struct tls_dl_conn *tls;     /* TLS state for https; NULL for plain http */
        char key[2 * MAX_HOST + 32]; /* scheme, host, port and proxy: which requests may reuse it */
        unsigned requests;           /* responses received on it */
};

struct rift_http_client {
        struct rift_http_client_config cfg; /* copy of the config, defaults applied, strings owned */
        struct tls_dl_ctx *tls;             /* TLS context, made on the first https connection */
        struct conn conn;                   /* the kept-alive connection */
        char rbuf[READ_BUF];                /* bytes read from conn not consumed yet */
        size_t rstart, rend;                /* rbuf[rstart, rend) holds them */
        unsigned connections;               /* connections opened so far */
        char err[640];                      /* why the last attempt failed, for the debug log */
};

/* How one attempt went, beyond its error code. */
struct outcome {
        bool not_sent; /* the request cannot have reached the server: any request may be resent */
        bool nothing;  /* no byte of a response came back */
};

/* ---- configuration ---------------------------------------------------------------------------------- */

int rift_http_client_new(const struct rift_http_client_config *cfg, struct rift_http_client **ret)
{
        static const struct rift_http_client_config defaults = { 0 };
        struct rift_http_client *c;
        int r;

        if (!ret)
                return -EINVAL;
        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->conn.fd = -1;
        r = rift_http_config_copy(&c->cfg, cfg ? cfg : &defaults);
        if (r < 0) {
                rift_http_client_free(c);
                return r;
        }
        *ret = c;
        return 0;
}

static void conn_close(struct rift_http_client *c)
{
        tls_dl_conn_free(c->conn.tls);
        if (c->conn.fd >= 0)
                close(c->conn.fd);
        c->conn = (struct conn){ .fd = -1 };
        c->rstart = c->rend = 0;
}

void rift_http_client_free(struct rift_http_client *c)
{
        if (!c)
                return;
        conn_close(c);
        tls_dl_ctx_free(c->tls);
        rift_http_config_free(&c->cfg);
        free(c);
}

unsigned http_lite_connections(const struct rift_http_client *c)
{
        return c->connections;
}

/* ---- URLs and proxies ------------------------------------------------------------------------------- */

static int parse_port(const char *s, size_t n, char *out, size_t size)
{
        unsigned v = 0;

        if (n == 0 || n > 5 || n >= size)
                return -EINVAL;
        for (size_t i = 0; i < n; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return -EINVAL;
                v = v * 10 + (unsigned)(s[i] - '0');
        }
        if (v == 0 || v > 65535)
                return -EINVAL;
        snprintf(out, size, "%u", v);
        return 0;
}

/* "host", "host:port", "[v6]" or "[v6]:port" in s[n]; port stays as given when absent. */
static int parse_authority(const char *s, size_t n, char *host, size_t hsize, char *port, size_t psize)
{
        const char *hs = s, *he, *colon;

        if (n == 0 || memchr(s, '@', n))
                return -EINVAL; /* credentials in URLs are not supported */
        if (s[0] == '[') {
                const char *rb = memchr(s, ']', n);
                if (!rb)
                        return -EINVAL;
                hs = s + 1;
                he = rb;
                colon = rb + 1 < s + n ? rb + 1 : NULL;
                if (colon && *colon != ':')
                        return -EINVAL;
        } else {
                colon = memchr(s, ':', n);
                he = colon ? colon : s + n;
        }
        if (he == hs || (size_t)(he - hs) >= hsize)
                return -EINVAL;
        memcpy(host, hs, (size_t)(he - hs));
        host[he - hs] = '\0';
        if (colon)
                return parse_port(colon + 1, (size_t)(s + n - colon - 1), port, psize);
        return 0;
}

static int url_parse(const char *s, struct url *u)
{
        size_t alen;
        bool v6;

        *u = (struct url){ 0 };
        for (const char *p = s; *p; p++)
                if ((unsigned char)*p <= 0x20 || *p == 0x7f)
                        return -EINVAL;
        if (strncasecmp(s, "https://", 8) == 0) {
                u->tls = true;
                s += 8;
        } else if (strncasecmp(s, "http://", 7) == 0) {
                s += 7;
        } else {
                return -EINVAL;
        }
        alen = strcspn(s, "/?#");
        rift_strlcpy(u->port, u->tls ? "443" : "80", sizeof(u->port));
        if (parse_authority(s, alen, u->host, sizeof(u->host), u->port, sizeof(u->port)) < 0)
                return -EINVAL;
        v6 = strchr(u->host, ':') != NULL;
        snprintf(u->authority, sizeof(u->authority), "%s%s%s", v6 ? "[" : "", u->host, v6 ? "]" : "");
        if (strcmp(u->port, u->tls ? "443" : "80") != 0)
                snprintf(u->authority + strlen(u->authority), sizeof(u->authority) - strlen(u->authority),
                         ":%s", u->port);
        u->path = s + alen;
        u->path_len = strcspn(u->path, "#");
        return 0;
}

/* Does host match one no_proxy entry (a name, a domain suffix with or without its dot, or "*")? */
static bool no_proxy_match(const char *host, const char *e, size_t n)
{
        size_t hl = strlen(host);

        while (n > 0 && e[0] == '.') { /* ".example.com" and "example.com" match the same hosts */
                e++;
                n--;
        }
        if (n == 1 && e[0] == '*')
                return true;
        if (n > 2 && e[0] == '[' && e[n - 1] == ']') { /* [::1] */
                e++;
                n -= 2;
        }
        if (n == 0 || n > hl)
                return false;
        if (strncasecmp(host + hl - n, e, n) != 0)
                return false;
        return hl == n || host[hl - n - 1] == '.';
}

static bool no_proxy_for(const char *host)
{
        const char *l = getenv("no_proxy");

        if (!l || !*l)
                l = getenv("NO_PROXY");
        while (l && *l) {
                size_t n = strcspn(l, ",");
                const char *e = l;
                size_t en = n;

                while (en > 0 && (*e == ' ' || *e == '\t')) {
                        e++;
                        en--;
                }
                while (en > 0 && (e[en - 1] == ' ' || e[en - 1] == '\t'))
                        en--;
                if (no_proxy_match(host, e, en))
                        return true;
                l += n + (l[n] == ',');
        }
        return false;
}

int http_lite_proxy_for(bool tls, const char *host, char *out, size_t size)
{
        const char *p = tls ? getenv("https_proxy") : getenv("http_proxy"); /* not HTTP_PROXY: httpoxy */
        char phost[MAX_HOST], pport[8] = DEFAULT_PROXY_PORT;
        size_t n;
        bool v6;

        if (tls && (!p || !*p))
                p = getenv("HTTPS_PROXY");
        if (!p || !*p || no_proxy_for(host))
                return 0;
        if (strncasecmp(p, "http://", 7) == 0)
                p += 7;
        else if (strstr(p, "://"))
                return -EINVAL; /* https:// or socks proxies: not supported */
        n = strcspn(p, "/");
        if (parse_authority(p, n, phost, sizeof(phost), pport, sizeof(pport)) < 0)
                return -EINVAL;
        v6 = strchr(phost, ':') != NULL;
        if ((size_t)snprintf(out, size, "%s%s%s:%s", v6 ? "[" : "", phost, v6 ? "]" : "", pport) >= size)
                return -EINVAL;
        return 1;
}

/* ---- socket I/O under a deadline ---------------------------------------------------------------------- */

/* Waits until fd is ready for events or the deadline passes (RIFT_E_TIMEOUT). */
static int wait_fd(int fd, short events, int64_t deadline)
{
        for (;;) {
                int64_t left = deadline - rift_mono_ms();
                struct pollfd p = { .fd = fd, .events = events };
                int n;

                if (left <= 0)
                        return RIFT_E_TIMEOUT;
                n = poll(&p, 1, (int)MIN(left, (int64_t)INT32_MAX));
                if (n > 0)
                        return 0;
                if (n < 0 && errno != EINTR)
                        return -errno;
        }
}

/* Reads some bytes: the count, 0 at the end of the stream, or an error. */
static ssize_t conn_read(struct rift_http_client *c, void *buf, size_t size, int64_t deadline)
{
        for (;;) {
                ssize_t n;
                short want = POLLIN;
                int r;

                if (c->conn.tls) {
                        n = tls_dl_read(c->conn.tls, buf, size);
                        want = tls_dl_want(c->conn.tls);
                } else {
                        n = recv(c->conn.fd, buf, size, 0);
                        if (n < 0)
                                n = errno == EWOULDBLOCK ? -EAGAIN : -errno;
                }
                if (n >= 0 || (n != -EAGAIN && n != -EINTR))
                        return n;
                if (n == -EAGAIN && (r = wait_fd(c->conn.fd, want, deadline)) < 0)
                        return r;
        }
}

static int conn_write(struct rift_http_client *c, const char *buf, size_t len, int64_t deadline)
{
        while (len > 0) {
                ssize_t n;
                short want = POLLOUT;
                int r;

                if (c->conn.tls) {
                        n = tls_dl_write(c->conn.tls, buf, len);
                        want = tls_dl_want(c->conn.tls);
                } else {
                        n = send(c->conn.fd, buf, len, MSG_NOSIGNAL);
                        if (n < 0)
                                n = errno == EWOULDBLOCK ? -EAGAIN : -errno;
                }
                if (n > 0) {
                        buf += n;
                        len -= (size_t)n;
                        continue;
                }
                if (n == 0 || (n != -EAGAIN && n != -EINTR))
                        return n == 0 ? -EPIPE : (int)n;
                if (n == -EAGAIN && (r = wait_fd(c->conn.fd, want, deadline)) < 0)
                        return r;
        }
        return 0;
}

/* Reads more into rbuf (moving what is left to its start): bytes read, 0 at the end, or an error. */
static ssize_t fill(struct rift_http_client *c, int64_t deadline)
{
        ssize_t n;

        if (c->rstart > 0) {
                memmove(c->rbuf, c->rbuf + c->rstart, c->rend - c->rstart);
                c->rend -= c->rstart;
                c->rstart = 0;
        }
        if (c->rend == sizeof(c->rbuf))
                return RIFT_E_PROTOCOL; /* callers never ask with a full buffer */
        n = conn_read(c, c->rbuf + c->rend, sizeof(c->rbuf) - c->rend, deadline);
        if (n > 0)
                c->rend += (size_t)n;
        return n;
}

/* ---- connecting --------------------------------------------------------------------------------------- */

/* One non-blocking connect to ai within its deadline: the socket, or an error. */
static int connect_one(const struct addrinfo *ai, int64_t deadline)
{
        int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol), r = 0,
            one = 1;
        socklen_t len = sizeof(r);

        if (fd < 0)
                return -errno;
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
                if (errno != EINPROGRESS) {
                        r = -errno;
                } else if ((r = wait_fd(fd, POLLOUT, deadline)) == 0) {
                        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &r, &len) < 0)
                                r = errno;
                        r = -r;
                }
        }
        if (r < 0) {
                close(fd);
                return r;
        }
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        return fd;
}

/* TCP connection to host:port, trying every address (each gets a share of what is left of the connect
 * timeout). RIFT_E_UNAVAILABLE (unresolved or refused) or RIFT_E_TIMEOUT when none answered. */
static int tcp_connect(struct rift_http_client *c, const char *host, const char *port, int64_t deadline)
{
        struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV }, *res = NULL;
        int64_t cdeadline = MIN(deadline, rift_mono_ms() + c->cfg.connect_timeout_ms);
        int n = 0, i = 0, r, fd = RIFT_E_UNAVAILABLE;
        bool timed_out = false;

        r = getaddrinfo(host, port, &hints, &res);
        if (r != 0) {
                snprintf(c->err, sizeof(c->err), "cannot resolve %s: %s", host, gai_strerror(r));
                return RIFT_E_UNAVAILABLE;
        }
        for (struct addrinfo *ai = res; ai; ai = ai->ai_next)
                n++;
        for (struct addrinfo *ai = res; ai; ai = ai->ai_next, i++) {
                int64_t now = rift_mono_ms(), share = (cdeadline - now) / (n - i);

                fd = connect_one(ai, ai->ai_next ? now + MAX(share, 1) : cdeadline);
                if (fd >= 0)
                        break;
                timed_out |= fd == RIFT_E_TIMEOUT;
                snprintf(c->err, sizeof(c->err), "cannot connect to %s port %s: %s", host, port,
                         fd == RIFT_E_TIMEOUT ? "timed out" : strerror(-fd));
        }
        freeaddrinfo(res);
        if (fd >= 0)
                c->connections++;
        return fd >= 0 ? fd : timed_out ? RIFT_E_TIMEOUT : RIFT_E_UNAVAILABLE;
}

/* Reads one response head into rbuf: its length, with *h filled; 0 when the stream ended first. */
static int read_head(struct rift_http_client *c, struct http_resp_head *h, int64_t deadline)
{
        for (;;) {
                int r = http_resp_parse_head(c->rbuf + c->rstart, c->rend - c->rstart, h);
                ssize_t n;

                if (r != 0)
                        return r;
                n = fill(c, deadline);
                if (n <= 0)
                        return (int)n;
        }
}

/* Opens a CONNECT tunnel to u through the proxy c is connected to. */
static int proxy_tunnel(struct rift_http_client *c, const struct url *u, int64_t deadline)
{
        _cleanup_buf_ struct rift_buf rq = RIFT_BUF_INIT(RIFT_MAX_HTTP_HEADERS);
        struct http_resp_head h;
        bool v6 = strchr(u->host, ':') != NULL;
        int r;

        if (rift_buf_printf(&rq, "CONNECT %s%s%s:%s HTTP/1.1\r\nHost: %s%s%s:%s\r\nUser-Agent: %s\r\n\r\n",
                            v6 ? "[" : "", u->host, v6 ? "]" : "", u->port, v6 ? "[" : "", u->host,
                            v6 ? "]" : "", u->port, c->cfg.user_agent) < 0)
                return -EINVAL;
        r = conn_write(c, rq.data, rq.len, deadline);
        if (r == 0)
                r = read_head(c, &h, deadline);
        if (r > 0 && (h.status < 200 || h.status > 299)) {
                snprintf(c->err, sizeof(c->err), "the proxy refused the tunnel: status %d", h.status);
                return RIFT_E_UNAVAILABLE;
        }
        if (r > 0 && c->rend - c->rstart != (size_t)r)
                return RIFT_E_PROTOCOL; /* bytes after the proxy's reply, before the handshake */
        c->rstart = c->rend = 0;
        if (r == 0)
                snprintf(c->err, sizeof(c->err), "the proxy closed the connection");
        return r > 0 ? 0 : r == 0 ? RIFT_E_UNAVAILABLE : r;
}

static int tls_start(struct rift_http_client *c, const struct url *u, int64_t deadline)
{
        struct tls_dl_config tc = { c->cfg.ca_file, c->cfg.client_cert, c->cfg.client_key, c->cfg.insecure };
        int r;

        if (!c->tls && (r = tls_dl_ctx_new(&tc, &c->tls, c->err, sizeof(c->err))) < 0)
                return r == RIFT_E_UNAVAILABLE ? RIFT_E_TLS : r;
        r = tls_dl_conn_new(c->tls, c->conn.fd, u->host, &c->conn.tls, c->err, sizeof(c->err));
        while (r == 0 && (r = tls_dl_handshake(c->conn.tls, c->err, sizeof(c->err))) == -EAGAIN)
                if ((r = wait_fd(c->conn.fd, tls_dl_want(c->conn.tls), deadline)) < 0)
                        break;
        return r;
}

/* Connects c to u (directly or through proxy "host:port"); sets o->not_sent while nothing could have
 * reached u's server. */
static int conn_open(struct rift_http_client *c, const struct url *u, const char *proxy, int64_t deadline,
                     struct outcome *o)
{
        char phost[MAX_HOST] = "", pport[8] = DEFAULT_PROXY_PORT;
        int r;

        conn_close(c);
        if (proxy && parse_authority(proxy, strlen(proxy), phost, sizeof(phost), pport, sizeof(pport)) < 0)
                return -EINVAL;
        r = tcp_connect(c, proxy ? phost : u->host, proxy ? pport : u->port, deadline);
        if (r < 0)
                return r;
        c->conn.fd = r;
        r = proxy && u->tls ? proxy_tunnel(c, u, deadline) : 0;
        if (r == 0 && u->tls)
                r = tls_start(c, u, deadline);
        if (r < 0) {
                /* the server refused mbedTLS's TLS 1.2: once more on a new socket, now with OpenSSL */
                bool again = c->conn.tls && tls_dl_conn_retry(c->conn.tls);
                conn_close(c);
                return again ? conn_open(c, u, proxy, deadline, o) : r;
        }
        o->not_sent = false;
        snprintf(c->conn.key, sizeof(c->conn.key), "%s://%s:%s via %s", u->tls ? "https" : "http", u->host,
                 u->port, proxy ? proxy : "-");
        return 0;
}

/* Is the kept connection still usable (nothing to read: no early EOF, no stray bytes)? A TLS socket may
 * be readable for records that carry no data (session tickets): reading consumes them. */
static bool conn_alive(struct rift_http_client *c)
{
        struct pollfd p = { .fd = c->conn.fd, .events = POLLIN };
        char b[1];

        if (c->rend != c->rstart || (c->conn.tls && tls_dl_pending(c->conn.tls)))
                return false;
        if (poll(&p, 1, 0) == 0)
                return true;
        return c->conn.tls && tls_dl_read(c->conn.tls, b, sizeof(b)) == -EAGAIN;
}

/* ---- one exchange ------------------------------------------------------------------------------------- */

static bool has_header(const struct rift_http_client_request *rq, const char *name)
{
        for (size_t i = 0; i < rq->n_headers; i++)
                if (strcasecmp(rq->headers[i].name, name) == 0)
                        return true;
        return false;
}

/* The request head: request line, Host, User-Agent, Accept, Content-Length, the caller's headers. */
static int format_request(struct rift_http_client *c, const struct rift_http_client_request *rq,
                          const char *method, const struct url *u, bool via_proxy, struct rift_buf *out)
{
        bool with_body = rq->body || strcmp(method, "POST") == 0;
        int r;

        if (strpbrk(method, " \r\n") || !*method)
                return -EINVAL;
        r = rift_buf_printf(out, "%s %s%s%s%.*s HTTP/1.1\r\n", method, via_proxy ? "http://" : "",
                            via_proxy ? u->authority : "", u->path_len == 0 || u->path[0] != '/' ? "/" : "",
                            (int)u->path_len, u->path);
        if (r == 0 && !has_header(rq, "Host"))
                r = rift_buf_printf(out, "Host: %s\r\n", u->authority);
        if (r == 0 && !has_header(rq, "User-Agent"))
                r = rift_buf_printf(out, "User-Agent: %s\r\n", c->cfg.user_agent);
        if (r == 0 && !has_header(rq, "Accept"))
                r = rift_buf_append_str(out, "Accept: */*\r\n");
        if (r == 0 && with_body)
                r = rift_buf_printf(out, "Content-Length: %zu\r\n", rq->body ? rq->body_len : 0);
        for (size_t i = 0; r == 0 && i < rq->n_headers; i++) {
                const struct rift_http_header *h = &rq->headers[i];
                if (!*h->name || strpbrk(h->name, ": \t\r\n") || strpbrk(h->value, "\r\n") ||
                    strcasecmp(h->name, "Content-Length") == 0 ||
                    strcasecmp(h->name, "Transfer-Encoding") == 0)
                        return -EINVAL;
                r = rift_buf_printf(out, "%s: %s\r\n", h->name, h->value);
        }
        if (r == 0)
                r = rift_buf_append_str(out, "\r\n");
        return r == RIFT_E_TOOBIG ? -EINVAL : r;
}

static int body_append(struct rift_http_response *resp, const char *data, size_t n)
{
        int r = rift_buf_append(&resp->body, data, n);

        return r == RIFT_E_TOOBIG || r == -ENOMEM ? r : 0;
}

static int read_chunked(struct rift_http_client *c, struct rift_http_response *resp, int64_t deadline)
{
        struct http_resp_chunked ck = { 0 };

        for (;;) {
                const char *data;
                size_t used, len;
                ssize_t n;
                int r;

                if (c->rend == c->rstart) {
                        n = fill(c, deadline);
                        if (n <= 0)
                                return n == 0 ? RIFT_E_PROTOCOL : (int)n;
                }
                r = http_resp_chunked_step(&ck, c->rbuf + c->rstart, c->rend - c->rstart, &used, &data, &len);
                if (r < 0)
                        return r;
                c->rstart += used;
                if (len > 0 && (r = body_append(resp, data, len)) < 0)
                        return r;
                if (r == 1)
                        return 0;
        }
}

/* Reads a Content-Length (known) or close-delimited body. */
static int read_plain(struct rift_http_client *c, struct rift_http_response *resp, bool known, uint64_t left,
                      int64_t deadline)
{
        if (known && left > c->cfg.max_response)
                return RIFT_E_TOOBIG;
        while (!known || left > 0) {
                size_t take;
                ssize_t n;
                int r;

                if (c->rend == c->rstart) {
                        n = fill(c, deadline);
                        if (n == 0 && !known)
                                return 0;
                        if (n <= 0)
                                return n == 0 ? RIFT_E_PROTOCOL : (int)n;
                }
                take = c->rend - c->rstart;
                if (known)
                        take = (size_t)MIN((uint64_t)take, left);
                if ((r = body_append(resp, c->rbuf + c->rstart, take)) < 0)
                        return r;
                c->rstart += take;
                left -= take;
        }
        return 0;
}

/* Reads the final response (after any 1xx) of a request: 0, or an error; sets o->nothing while no byte
 * came back; *ret_keep says whether the connection may serve another request. */
static int read_response(struct rift_http_client *c, bool head_only, struct rift_http_response *resp,
                         int64_t deadline, struct outcome *o, bool *ret_keep)
{
        struct http_resp_head h;
        int r;

        for (;;) {
                r = read_head(c, &h, deadline);
                if (c->rend > 0)
                        o->nothing = false;
                if (r <= 0)
                        return r == 0 ? (o->nothing ? RIFT_E_UNAVAILABLE : RIFT_E_PROTOCOL) : r;
                if (h.status >= 200)
                        break;
                if (h.status == 101)
                        return RIFT_E_PROTOCOL; /* no upgrade was asked for */
                c->rstart += (size_t)r;
        }
        rift_buf_reset(&resp->headers);
        if ((r = rift_buf_append(&resp->headers, c->rbuf + c->rstart, (size_t)r)) < 0)
                return r;
        c->rstart += resp->headers.len;
        resp->status = h.status;
        if (head_only || h.status == 204 || h.status == 304)
                r = 0;
        else if (h.chunked)
                r = read_chunked(c, resp, deadline);
        else
                r = read_plain(c, resp, h.has_length, h.content_length, deadline);
        /* bytes beyond the response were not asked for: do not trust the connection with another one */
        *ret_keep = r == 0 && !h.close &&
                    (h.chunked || h.has_length || head_only || h.status == 204 || h.status == 304) &&
                    c->rstart == c->rend;
        return r;
}

/* Sends the request on the open connection and reads its response. */
static int exchange(struct rift_http_client *c, const struct rift_http_client_request *rq, const char *method,
                    const struct rift_buf *head, struct rift_http_response *resp, int64_t deadline,
                    struct outcome *o)
{
        bool keep = false;
        int r;

        o->nothing = true;
        c->rstart = c->rend = 0;
        r = conn_write(c, head->data, head->len, deadline);
        if (r == 0 && rq->body && rq->body_len > 0)
                r = conn_write(c, rq->body, rq->body_len, deadline);
        if (r == 0)
                r = read_response(c, strcmp(method, "HEAD") == 0, resp, deadline, o, &keep);
        if (r < 0 && r != RIFT_E_TIMEOUT && r != RIFT_E_TOOBIG && r != RIFT_E_PROTOCOL && r != RIFT_E_TLS &&
            r != -ENOMEM) {
                snprintf(c->err, sizeof(c->err), "connection lost: %s",
                         r == RIFT_E_UNAVAILABLE ? "closed by the server" : strerror(-r));
                r = RIFT_E_UNAVAILABLE;
        }
        if (r == 0)
                c->conn.requests++;
        if (r < 0 || !keep)
                conn_close(c);
        return r;
}

/* One attempt: on the kept connection when it fits, reconnecting once if that connection turns out to be
 * closed by the server before any byte of the response came back. */
static int attempt_once(struct rift_http_client *c, const struct rift_http_client_request *rq,
                        const char *method, const struct url *u, const char *proxy,
                        const struct rift_buf *head, struct rift_http_response *resp, int64_t deadline,
                        struct outcome *o)
{
        char key[sizeof(c->conn.key)];
        bool reused;
        int r;

        *o = (struct outcome){ .not_sent = true, .nothing = true };
        rift_buf_reset(&resp->body);
        rift_buf_reset(&resp->headers);
        resp->status = 0;
        snprintf(key, sizeof(key), "%s://%s:%s via %s", u->tls ? "https" : "http", u->host, u->port,
                 proxy ? proxy : "-");
        reused = c->conn.fd >= 0 && strcmp(key, c->conn.key) == 0 && conn_alive(c);
        if (!reused && (r = conn_open(c, u, proxy, deadline, o)) < 0)
                return r;
        o->not_sent = false;
        r = exchange(c, rq, method, head, resp, deadline, o);
        if (r == RIFT_E_UNAVAILABLE && reused && o->nothing) { /* a stale keep-alive connection */
                log_debug("kept-alive connection closed by the server: reconnecting",
                          LOG_STR("url", rq->url));
                rift_buf_reset(&resp->body);
                o->not_sent = true;
                if ((r = conn_open(c, u, proxy, deadline, o)) < 0)
                        return r;
                o->not_sent = false;
                r = exchange(c, rq, method, head, resp, deadline, o);
        }
        return r;
}

/* ---- retries ------------------------------------------------------------------------------------------ */

static bool should_retry(int r, const struct outcome *o, long status, bool idempotent)
{
        if (r < 0 && o->not_sent && (r == RIFT_E_UNAVAILABLE || r == RIFT_E_TIMEOUT))
                return true; /* never connected: it cannot have been processed */
        if (!idempotent)
                return false; /* it may have been processed: a lost reply is not a reason to do it twice */
        return r == RIFT_E_TIMEOUT || r == RIFT_E_UNAVAILABLE ||
               (r == 0 && (status == 502 || status == 503 || status == 504));
}

/* Parses the URL, picks the proxy and formats the request head. */
static int prepare(struct rift_http_client *c, const struct rift_http_client_request *rq, const char *method,
                   struct url *u, char *proxy, size_t psize, struct rift_buf *head)
{
        int r;

        if (rq->n_headers > MAX_REQUEST_HEADERS || (rq->n_headers > 0 && !rq->headers))
                return -EINVAL;
        if (url_parse(rq->url, u) < 0)
                return -EINVAL;
        r = http_lite_proxy_for(u->tls, u->host, proxy, psize);
        if (r < 0) {
                log_debug("unusable proxy variable", LOG_STR("url", rq->url));
                return r;
        }
        if (r == 0)
                proxy[0] = '\0';
        return format_request(c, rq, method, u, r > 0 && !u->tls, head);
}

int rift_http_client_do(struct rift_http_client *c, const struct rift_http_client_request *rq,
                        struct rift_http_response *ret)
{
        _cleanup_buf_ struct rift_buf head = RIFT_BUF_INIT(RIFT_MAX_HTTP_HEADERS);
        char proxy[MAX_HOST + 10];
        struct outcome o;
        const char *method;
        struct url u;
        int64_t deadline;
        bool idempotent;
        int r;

        if (!c || !rq || !rq->url || !ret)
                return -EINVAL;
        method = rq->method ? rq->method : "GET";
        deadline = rift_mono_ms() + (rq->timeout_ms > 0 ? rq->timeout_ms : c->cfg.timeout_ms);
        idempotent = rq->idempotent || rift_http_method_idempotent(method);
        r = prepare(c, rq, method, &u, proxy, sizeof(proxy), &head);
        if (r < 0)
                return r;
        rift_buf_free(&ret->body);
        rift_buf_free(&ret->headers);
        rift_buf_init(&ret->body, c->cfg.max_response);
        rift_buf_init(&ret->headers, RIFT_MAX_HTTP_HEADERS);
        for (int attempt = 0;; attempt++) {
                if (deadline - rift_mono_ms() <= 0) {
                        r = RIFT_E_TIMEOUT;
                        break;
                }
                ret->attempts = attempt + 1;
                c->err[0] = '\0';
                r = attempt_once(c, rq, method, &u, proxy[0] ? proxy : NULL, &head, ret, deadline, &o);
                if (r < 0)
                        log_debug("http request failed", LOG_STR("url", rq->url), LOG_ERR(r),
                                  LOG_STR("reason", c->err));
                if (attempt >= c->cfg.max_retries || !should_retry(r, &o, ret->status, idempotent))
                        break;
                rift_http_backoff(&c->cfg, attempt, deadline - rift_mono_ms());
        }
        return r;
}
