/* lib/http_server streamed replies: a real server on 127.0.0.1 in a thread with its own loop, read by
 * raw sockets from the test thread. Chunks arrive as written, the stream ends cleanly, a client that
 * leaves is noticed, a client that stops reading is dropped, an idle stream outlives the read timeout,
 * and a graceful stop asks open streams to end. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <poll.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <event2/event.h>
#include <cmocka.h>

#include "lib/error.h"
#include "lib/http_server.h"

/* One stream as the handler keeps it. */
struct stream_state {
        struct fixture *f;               /* the test */
        struct rift_http_stream *stream; /* the reply */
        struct event *tick;              /* writes the next chunk */
        int n;                           /* chunks written */
        int limit;                       /* chunks before the end (0 = until the client goes) */
        size_t chunk;                    /* bytes per chunk */
};

struct fixture {
        struct event_base *base;      /* the server thread's loop */
        struct rift_http_server *srv; /* the server under test */
        pthread_t thread;             /* runs the loop */
        int ctl[2];                   /* pipe: 'x' exits the loop, 's' starts a graceful stop */
        struct event *ctl_ev;         /* watches ctl[0] */
        uint16_t port;                /* the server's port */
        int gone;                     /* on_gone calls */
        int dropped;                  /* writes answered RIFT_E_TOOBIG */
        int ended;                    /* streams ended */
        int stopped;                  /* the graceful stop completed */
        int tick_ms;                  /* interval between chunks */
};

static void end_stream(struct stream_state *st)
{
        event_free(st->tick);
        rift_http_stream_end(st->stream);
        __atomic_add_fetch(&st->f->ended, 1, __ATOMIC_SEQ_CST);
        free(st);
}

static void on_gone(void *userdata)
{
        struct stream_state *st = userdata;

        __atomic_add_fetch(&st->f->gone, 1, __ATOMIC_SEQ_CST);
        /* writes fail now; the owner ends the stream */
        assert_int_equal(rift_http_stream_write(st->stream, "x", 1), -EPIPE);
        end_stream(st);
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
        struct stream_state *st = arg;
        char buf[64 * 1024];
        int r;

        if (st->limit && st->n == st->limit) {
                end_stream(st);
                return;
        }
        if (st->chunk > sizeof(buf))
                st->chunk = sizeof(buf);
        memset(buf, 'a' + st->n % 26, st->chunk);
        if (st->chunk >= 7) {
                char head[16];
                snprintf(head, sizeof(head), "tick%02d\n", st->n % 100);
                memcpy(buf, head, 7);
        }
        r = rift_http_stream_write(st->stream, buf, st->chunk);
        st->n++;
        if (r == RIFT_E_TOOBIG) {
                __atomic_add_fetch(&st->f->dropped, 1, __ATOMIC_SEQ_CST);
                end_stream(st);
                return;
        }
        assert_int_equal(r, 0);
        struct timeval tv = { 0, st->f->tick_ms * 1000 };
        evtimer_add(st->tick, &tv);
}

/* GET /stream?n=N&size=S&wait=MS: N chunks of S bytes every tick (N=0: until the client goes), the first
 * after MS milliseconds. */
static int h_stream(struct rift_http_request *req, void *ud)
{
        struct fixture *f = ud;
        struct stream_state *st = calloc(1, sizeof(*st));
        const char *n = rift_http_request_query(req, "n"), *size = rift_http_request_query(req, "size"),
                   *wait = rift_http_request_query(req, "wait");
        int w = wait ? (int)strtol(wait, NULL, 10) : 0;
        struct timeval tv = { w / 1000, (w % 1000) * 1000 };
        int r;

        st->f = f;
        st->limit = n ? (int)strtol(n, NULL, 10) : 3;
        st->chunk = size ? (size_t)strtol(size, NULL, 10) : 8;
        st->tick = evtimer_new(f->base, on_tick, st);
        r = rift_http_stream_start(req, 200, "text/event-stream", 64 * 1024, on_gone, st, &st->stream);
        assert_int_equal(r, 0);
        evtimer_add(st->tick, &tv);
        return 0;
}

static const struct rift_http_route routes[] = {
        { RIFT_HTTP_GET, "/stream", h_stream },
};

static void stop_done(void *ud)
{
        struct fixture *f = ud;

        __atomic_store_n(&f->stopped, 1, __ATOMIC_SEQ_CST);
}

static void on_ctl(evutil_socket_t fd, short what, void *arg)
{
        struct fixture *f = arg;
        char c = 0;

        if (read(fd, &c, 1) != 1 || c == 'x') {
                event_base_loopexit(f->base, NULL);
                return;
        }
        rift_http_server_stop(f->srv, stop_done, f);
}

static void *loop_thread(void *arg)
{
        struct fixture *f = arg;

        event_base_dispatch(f->base);
        return NULL;
}

static int setup(void **state)
{
        struct fixture *f = calloc(1, sizeof(*f));
        struct rift_http_server_config cfg = { .address = "127.0.0.1",
                                               .timeout_ms = 400,
                                               .shutdown_timeout_ms = 3000 };

        f->tick_ms = 20;
        f->base = event_base_new();
        assert_int_equal(pipe2(f->ctl, O_CLOEXEC), 0);
        f->ctl_ev = event_new(f->base, f->ctl[0], EV_READ | EV_PERSIST, on_ctl, f);
        event_add(f->ctl_ev, NULL);
        assert_int_equal(rift_http_server_new(f->base, &cfg, &f->srv), 0);
        assert_int_equal(rift_http_server_add_routes(f->srv, routes, 1, f), 0);
        f->port = rift_http_server_port(f->srv);
        assert_int_equal(pthread_create(&f->thread, NULL, loop_thread, f), 0);
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        struct fixture *f = *state;

        if (write(f->ctl[1], "x", 1) != 1)
                return -1;
        pthread_join(f->thread, NULL);
        rift_http_server_free(f->srv);
        event_free(f->ctl_ev);
        event_base_free(f->base);
        close(f->ctl[0]);
        close(f->ctl[1]);
        free(f);
        return 0;
}

/* Connects (with a small receive buffer if rcvbuf > 0) and sends a GET. */
static int open_get(struct fixture *f, const char *target, int rcvbuf)
{
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(f->port) };
        char req[256];
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

        assert_true(fd >= 0);
        if (rcvbuf > 0)
                setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
        snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", target);
        assert_int_equal(write(fd, req, strlen(req)), (ssize_t)strlen(req));
        return fd;
}

/* Reads until the peer closes, the terminating chunk arrives, or timeout_ms passes. */
static size_t read_all(int fd, char *buf, size_t cap, int timeout_ms)
{
        size_t len = 0;

        for (int waited = 0; waited < timeout_ms && len + 1 < cap;) {
                struct pollfd p = { .fd = fd, .events = POLLIN };
                ssize_t n;
                if (poll(&p, 1, 50) == 0) {
                        waited += 50;
                        continue;
                }
                n = read(fd, buf + len, cap - 1 - len);
                if (n <= 0)
                        break;
                len += (size_t)n;
                buf[len] = '\0';
                if (strstr(buf, "\r\n0\r\n\r\n"))
                        break;
        }
        buf[len] = '\0';
        return len;
}

static int wait_for(int *counter, int want, int timeout_ms)
{
        for (int i = 0; i < timeout_ms / 10 && __atomic_load_n(counter, __ATOMIC_SEQ_CST) < want; i++)
                usleep(10 * 1000);
        return __atomic_load_n(counter, __ATOMIC_SEQ_CST);
}

static void chunks_arrive_and_stream_ends(void **state)
{
        struct fixture *f = *state;
        char buf[4096];
        int fd = open_get(f, "/stream?n=3&size=7", 0);

        read_all(fd, buf, sizeof(buf), 3000);
        close(fd);
        assert_non_null(strstr(buf, "HTTP/1.1 200"));
        assert_non_null(strstr(buf, "Content-Type: text/event-stream"));
        assert_non_null(strstr(buf, "Transfer-Encoding: chunked"));
        assert_non_null(strstr(buf, "Cache-Control: no-cache"));
        /* three chunks of 7 bytes in order, then the terminating chunk */
        const char *a = strstr(buf, "7\r\ntick00\n\r\n"), *b = strstr(buf, "7\r\ntick01\n\r\n"),
                   *c = strstr(buf, "7\r\ntick02\n\r\n"), *end = strstr(buf, "\r\n0\r\n\r\n");
        assert_true(a && b && c && end && a < b && b < c && c < end);
        assert_int_equal(wait_for(&f->ended, 1, 2000), 1);
        assert_int_equal(f->gone, 0);
        assert_int_equal(rift_http_server_streams(f->srv), 0);
        for (int i = 0; i < 100 && rift_http_server_inflight(f->srv); i++)
                usleep(10 * 1000);
        assert_int_equal(rift_http_server_inflight(f->srv), 0);
}

static void client_leaving_is_noticed(void **state)
{
        struct fixture *f = *state;
        char buf[1024] = "";
        int fd = open_get(f, "/stream?n=0&size=8&wait=100000", 0); /* idle: nothing to write */

        /* the headers are sent at once, before any chunk */
        for (int i = 0; i < 100 && !strstr(buf, "\r\n\r\n"); i++)
                read_all(fd, buf, sizeof(buf), 50);
        assert_non_null(strstr(buf, "HTTP/1.1 200"));
        assert_int_equal(rift_http_server_streams(f->srv), 1);
        close(fd);
        assert_int_equal(wait_for(&f->gone, 1, 3000), 1);
        assert_int_equal(wait_for(&f->ended, 1, 1000), 1);
        assert_int_equal(rift_http_server_streams(f->srv), 0);
        assert_int_equal(rift_http_server_inflight(f->srv), 0);
}

static void idle_stream_outlives_read_timeout(void **state)
{
        struct fixture *f = *state;
        char buf[4096];
        /* the server's read timeout is 400 ms; the first chunk comes after 1 s */
        int fd = open_get(f, "/stream?n=1&size=7&wait=1000", 0);

        read_all(fd, buf, sizeof(buf), 4000);
        close(fd);
        assert_non_null(strstr(buf, "7\r\ntick00\n\r\n0\r\n\r\n"));
        assert_int_equal(f->gone, 0);
}

static void client_not_reading_is_dropped(void **state)
{
        struct fixture *f = *state;
        int fd = open_get(f, "/stream?n=0&size=16384", 4096); /* never read: 16 KiB every 20 ms */
        char buf[65536];
        ssize_t n, total = 0;

        /* with a 64 KiB cap the server gives up after a few hundred KiB at most, not unbounded */
        assert_int_equal(wait_for(&f->dropped, 1, 10000), 1);
        assert_int_equal(wait_for(&f->ended, 1, 1000), 1);
        assert_int_equal(f->gone, 0);
        assert_int_equal(rift_http_server_streams(f->srv), 0);
        assert_int_equal(rift_http_server_inflight(f->srv), 0);
        /* the client sees what had been sent, then the end of the connection */
        while ((n = read(fd, buf, sizeof(buf))) > 0)
                total += n;
        close(fd);
        assert_true(total > 0 && total < 4 * 1024 * 1024);
}

static void graceful_stop_ends_open_streams(void **state)
{
        struct fixture *f = *state;
        char buf[4096];
        int fd = open_get(f, "/stream?n=0&size=8&wait=100000", 0);

        for (int i = 0; i < 100 && rift_http_server_streams(f->srv) == 0; i++)
                usleep(10 * 1000);
        assert_int_equal(rift_http_server_streams(f->srv), 1);
        assert_int_equal(write(f->ctl[1], "s", 1), 1);
        /* the owner was told, ended its stream, and the stop completed well before its 3 s bound */
        assert_int_equal(wait_for(&f->stopped, 1, 2000), 1);
        assert_int_equal(f->gone, 1);
        read_all(fd, buf, sizeof(buf), 2000);
        close(fd);
        assert_non_null(strstr(buf, "\r\n0\r\n\r\n"));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(chunks_arrive_and_stream_ends, setup, teardown),
                cmocka_unit_test_setup_teardown(client_leaving_is_noticed, setup, teardown),
                cmocka_unit_test_setup_teardown(idle_stream_outlives_read_timeout, setup, teardown),
                cmocka_unit_test_setup_teardown(client_not_reading_is_dropped, setup, teardown),
                cmocka_unit_test_setup_teardown(graceful_stop_ends_open_streams, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
