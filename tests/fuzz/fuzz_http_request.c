/* libFuzzer target: raw bytes sent over loopback TCP to a real lib/http_server (with a Twirp route from
 * lib/rpc_server mounted), as a client would. Covers libevent's request parsing together with Rift's
 * routing, path parameter decoding, queries, CORS, JSON bodies, error replies, async replies and the RPC
 * layer. Each input is one connection: write everything, half-close, pump the loop until the server has
 * answered and closed (bounded). */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <event2/event.h>

#include "lib/error.h"
#include "lib/http_server.h"
#include "lib/json.h"
#include "lib/rpc_server.h"
#include "proto/health.pb-c.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_PUMPS 400 /* loop turns per input before giving up on the connection */

static struct event_base *base;

static int echo_json(struct rift_http_request *req, void *ud)
{
        static const char *const allowed[] = { "username", "password", "name" };
        _cleanup_json_ cJSON *o = NULL;

        if (rift_http_request_json(req, allowed, ARRAY_SIZE(allowed), &o) < 0)
                return 0;
        return rift_http_reply_json(req, 200, o);
}

static int params(struct rift_http_request *req, void *ud)
{
        _cleanup_json_ cJSON *o = cJSON_CreateObject();
        const char *q = rift_http_request_query(req, "q"), *h = rift_http_request_header(req, "X-Test");

        rift_json_add_string(o, "a", rift_http_request_param(req, "a"));
        rift_json_add_string(o, "b", rift_http_request_param(req, "b"));
        rift_json_add_string(o, "q", q);
        rift_json_add_string(o, "h", h);
        rift_json_add_string(o, "path", rift_http_request_path(req));
        rift_json_add_string(o, "peer", rift_http_request_peer(req));
        return rift_http_reply_json(req, 200, o);
}

static int rest(struct rift_http_request *req, void *ud)
{
        const char *r = rift_http_request_param(req, "*");
        return rift_http_reply(req, 200, "text/plain", r, strlen(r));
}

static int fails(struct rift_http_request *req, void *ud)
{
        return RIFT_E_INVALID;
}

static void later(evutil_socket_t fd, short what, void *arg)
{
        rift_http_reply_error(arg, 202, "accepted", "later");
}

static int deferred(struct rift_http_request *req, void *ud)
{
        struct timeval tv = { 0, 1000 };

        event_base_once(base, -1, EV_TIMEOUT, later, req, &tv);
        return RIFT_HTTP_ASYNC;
}

static const struct rift_http_route routes[] = {
        { RIFT_HTTP_POST | RIFT_HTTP_PUT, "/json", echo_json },
        { RIFT_HTTP_GET | RIFT_HTTP_HEAD, "/p/:a/:b", params },
        { RIFT_HTTP_GET, "/static/*", rest },
        { RIFT_HTTP_ANY, "/fail", fails },
        { RIFT_HTTP_GET, "/later", deferred },
};

static int check(const ProtobufCMessage *in, ProtobufCMessage **ret_out, struct rift_rpc_ctx *ctx)
{
        Rift__Health__V1__CheckResponse *out = malloc(sizeof(*out));

        if (!out)
                return -ENOMEM;
        rift__health__v1__check_response__init(out);
        out->service = strdup(((const Rift__Health__V1__CheckRequest *)in)->service);
        *ret_out = &out->base;
        return out->service ? 0 : (free(out), -ENOMEM);
}

static const struct rift_rpc_method methods[] = {
        { "Check", &rift__health__v1__check_request__descriptor,
          &rift__health__v1__check_response__descriptor, check },
};
static const struct rift_rpc_service health = { "rift.health.v1.Health", methods, ARRAY_SIZE(methods) };
static const char *const origins[] = { "https://portal.example", NULL };

static uint16_t start_server(void)
{
        static struct rift_http_server *srv;
        static struct rift_rpc_server *rpc;
        struct rift_http_server_config cfg = {
                .max_body = 64 * 1024, .max_headers = 8192, .timeout_ms = 2000, .cors_origins = origins
        };

        base = event_base_new();
        if (!base || rift_http_server_new(base, &cfg, &srv) < 0 ||
            rift_http_server_add_routes(srv, routes, ARRAY_SIZE(routes), NULL) < 0 ||
            rift_rpc_server_new(srv, 4096, &rpc) < 0 || rift_rpc_server_add_service(rpc, &health, NULL) < 0)
                abort();
        return rift_http_server_port(srv);
}

static int dial(uint16_t port)
{
        struct sockaddr_in sa = { .sin_family = AF_INET,
                                  .sin_port = htons(port),
                                  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        struct linger lg = { 1, 0 }; /* reset on close: no TIME_WAIT pile-up over millions of inputs */
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

        if (fd < 0)
                abort();
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno != EINPROGRESS)
                abort();
        return fd;
}

/* One loop turn, then wait up to 1 ms for the socket. Returns false once the server has closed. */
static bool pump(int fd, short events, char *buf, size_t size)
{
        struct pollfd p = { .fd = fd, .events = events };
        ssize_t n;

        event_base_loop(base, EVLOOP_NONBLOCK);
        if (poll(&p, 1, 1) <= 0 || !(p.revents & (POLLIN | POLLHUP | POLLERR)))
                return true;
        n = recv(fd, buf, size, 0);
        return n > 0 || (n < 0 && (errno == EAGAIN || errno == EINTR));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static uint16_t port;
        char buf[4096];
        size_t off = 0;
        int fd, i;

        if (!port)
                port = start_server();
        fd = dial(port);
        for (i = 0; i < MAX_PUMPS && off < size; i++) {
                ssize_t n = send(fd, data + off, size - off, MSG_NOSIGNAL);
                if (n > 0)
                        off += (size_t)n;
                else if (n < 0 && errno != EAGAIN && errno != EINTR && errno != ENOTCONN)
                        break;
                if (!pump(fd, POLLIN, buf, sizeof(buf)))
                        break;
        }
        shutdown(fd, SHUT_WR);
        for (i = 0; i < MAX_PUMPS && pump(fd, POLLIN, buf, sizeof(buf)); i++)
                ;
        close(fd);
        for (i = 0; i < 4; i++) /* let the server see the reset */
                event_base_loop(base, EVLOOP_NONBLOCK);
        return 0;
}
