// link: agent/probes/probe.c agent/probes/probe_parse.c agent/probes/probe_compare.c agent/probes/probe_verdict.c agent/probes/probe_duration.c agent/probes/probe_http.c agent/probes/probe_cmd.c agent/probes/probe_prom.c agent/probes/curl_dl.c agent/dl.c
/* agent/probes/curl_dl.c: libcurl is not mapped until the first request; requests through the forwarding
 * functions behave as with libcurl linked (options of every type reach it: URL, timeout, write callback,
 * POST body, header list, response code); when libcurl cannot be loaded (a bind mount hides it in a
 * private mount namespace; root only) every entry point fails cleanly and the probe says why.
 * The tests run in order: the first one needs a process that has not loaded libcurl yet. */
#include <curl/curl.h>
#include <dlfcn.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "agent/probes/curl_dl.h"
#include "agent/probes/probe_ops.h"
#include "lib/clock.h"
#include "lib/error.h"
#include "lib/str.h"
#include "tests/helpers/maps.h"

/* ---- a one-connection HTTP server on 127.0.0.1 ---- */
struct srv {
        int fd;             /* listening socket */
        int port;           /* its port */
        const char *reply;  /* full response to send; NULL = never answer (read until the client goes) */
        char request[8192]; /* what the client sent: headers and body */
        pthread_t thread;   /* serves one connection */
};

static void *srv_main(void *arg)
{
        struct srv *s = arg;
        size_t len = 0;
        int c = accept(s->fd, NULL, NULL);
        if (c < 0)
                return NULL;
        for (;;) {
                ssize_t n = read(c, s->request + len, sizeof(s->request) - 1 - len);
                if (n <= 0)
                        break;
                len += (size_t)n;
                s->request[len] = '\0';
                char *end = strstr(s->request, "\r\n\r\n");
                const char *cl = strcasestr(s->request, "Content-Length: ");
                size_t body = cl ? strtoul(cl + 16, NULL, 10) : 0;
                if (s->reply && end && len >= (size_t)(end + 4 - s->request) + body)
                        break;
        }
        if (s->reply && write(c, s->reply, strlen(s->reply)) < 0)
                perror("srv write");
        close(c);
        return NULL;
}

static void srv_start(struct srv *s, const char *reply)
{
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t alen = sizeof a;
        memset(s, 0, sizeof *s);
        s->reply = reply;
        s->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        assert_true(s->fd >= 0);
        assert_int_equal(bind(s->fd, (struct sockaddr *)&a, sizeof a), 0);
        assert_int_equal(listen(s->fd, 4), 0);
        assert_int_equal(getsockname(s->fd, (struct sockaddr *)&a, &alen), 0);
        s->port = ntohs(a.sin_port);
        assert_int_equal(pthread_create(&s->thread, NULL, srv_main, s), 0);
}

static void srv_stop(struct srv *s)
{
        pthread_join(s->thread, NULL);
        close(s->fd);
}

static void url_of(const struct srv *s, const char *path, char *out, size_t size)
{
        snprintf(out, size, "http://127.0.0.1:%d%s", s->port, path);
}

/* ---- tests ---- */

static void not_loaded_before_first_request(void **state)
{
        assert_false(curl_dl_loaded());
        assert_false(test_maps_contain("libcurl"));
        assert_string_equal(curl_dl_error(), "");
        /* building a promProbe URL needs no libcurl either */
        char *q = probe_url_escape("up{job=\"x\"} == 1");
        assert_string_equal(q, "up%7Bjob%3D%22x%22%7D%20%3D%3D%201");
        free(q);
        assert_false(test_maps_contain("libcurl"));
}

/* Runs in a child (fresh: libcurl not loaded) with libcurl's file hidden by /dev/null. */
static int child_without_libcurl(const char *path)
{
        long code = 0;
        if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
            mount("/dev/null", path, NULL, MS_BIND, NULL) < 0)
                return 77; /* no mount namespace here: skipped */
        if (curl_dl_load() != RIFT_E_UNAVAILABLE || curl_dl_loaded() || !curl_dl_error()[0])
                return 1;
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_FAILED_INIT || curl_easy_init() != NULL ||
            curl_multi_init() != NULL || curl_slist_append(NULL, "a: b") != NULL)
                return 2;
        int r = probe_curl_fetch("http://127.0.0.1:9/", false, NULL, NULL, 1000, 0, &code, NULL);
        if (r != RIFT_E_UNSUPPORTED || !strstr(probe_fetch_strerror(r), CURL_DL_SONAME))
                return 3;
        return test_maps_contain("libcurl") ? 4 : 0;
}

static void unloadable_libcurl_fails_cleanly(void **state)
{
        char path[512];
        int fds[2], st;

        if (geteuid() != 0)
                skip();
        /* learn the file's path in a child, so that this process stays without libcurl */
        assert_int_equal(pipe(fds), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                char p[512] = "";
                if (curl_dl_load() == 0 && test_mapped("/libcurl.so", p, sizeof p) == 0 &&
                    write(fds[1], p, strlen(p)) < 0)
                        _exit(1);
                _exit(0);
        }
        close(fds[1]);
        ssize_t n = read(fds[0], path, sizeof path - 1);
        close(fds[0]);
        assert_int_equal(waitpid(pid, &st, 0), pid);
        assert_true(n > 0);
        path[n] = '\0';

        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0)
                _exit(child_without_libcurl(path));
        assert_int_equal(waitpid(pid, &st, 0), pid);
        assert_true(WIFEXITED(st));
        if (WEXITSTATUS(st) == 77)
                skip();
        assert_int_equal(WEXITSTATUS(st), 0);
        assert_false(curl_dl_loaded());
}

static void get_loads_libcurl_and_keeps_body(void **state)
{
        struct srv s;
        char url[128], *body = NULL;
        long code = 0;

        srv_start(&s, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello");
        url_of(&s, "/ok", url, sizeof url);
        assert_int_equal(probe_curl_fetch(url, false, NULL, NULL, 5000, 64, &code, &body), 0);
        srv_stop(&s);
        assert_int_equal(code, 200);
        assert_string_equal(body, "hello");
        free(body);
        assert_non_null(strstr(s.request, "GET /ok HTTP/1.1\r\n"));
        assert_true(curl_dl_loaded());
        assert_true(test_maps_contain("libcurl"));
        assert_string_equal(curl_dl_error(), "");
}

static void post_sends_body_and_content_type(void **state)
{
        struct srv s;
        char url[128];
        long code = 0;

        srv_start(&s, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        url_of(&s, "/post", url, sizeof url);
        assert_int_equal(probe_curl_fetch(url, false, "{\"a\":1}", "text/x-test", 5000, 0, &code, NULL), 0);
        srv_stop(&s);
        assert_int_equal(code, 404); /* CURLINFO_RESPONSE_CODE came back through curl_easy_getinfo */
        assert_non_null(strstr(s.request, "POST /post HTTP/1.1\r\n"));
        assert_non_null(strstr(s.request, "\r\nContent-Type: text/x-test\r\n"));
        assert_non_null(strstr(s.request, "\r\n\r\n{\"a\":1}"));
}

static void body_over_cap_is_too_big(void **state)
{
        struct srv s;
        char url[128], *body = NULL;
        long code = 0;

        srv_start(&s, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\nConnection: close\r\n\r\n0123456789");
        url_of(&s, "/big", url, sizeof url);
        assert_int_equal(probe_curl_fetch(url, false, NULL, NULL, 5000, 4, &code, &body), RIFT_E_TOOBIG);
        srv_stop(&s);
        assert_null(body);
}

static void timeout_is_applied(void **state)
{
        struct srv s;
        char url[128];
        long code = 0;

        srv_start(&s, NULL); /* accepts, never answers */
        url_of(&s, "/slow", url, sizeof url);
        int64_t t0 = rift_mono_ms();
        assert_int_equal(probe_curl_fetch(url, false, NULL, NULL, 300, 0, &code, NULL), RIFT_E_TIMEOUT);
        int64_t took = rift_mono_ms() - t0;
        srv_stop(&s);
        assert_true(took >= 250 && took < 3000);
}

/* The probe's own percent-encoding matches libcurl's for every byte value. */
static void url_escape_matches_curl(void **state)
{
        char all[256];
        for (int i = 1; i < 256; i++)
                all[i - 1] = (char)i;
        all[255] = '\0';
        const char *cases[] = { "", "up", "a b+c/d?e=f&g", "rate(x[5m]) > 0.5", "~-._", all };
        /* the test's own look-up: curl_dl.c forwards only what the agent calls */
        assert_int_equal(curl_dl_load(), 0);
        void *lib = dlopen(CURL_DL_SONAME, RTLD_NOW | RTLD_NOLOAD);
        assert_non_null(lib);
        __typeof__(&curl_easy_escape) escape = (__typeof__(&curl_easy_escape))dlsym(lib, "curl_easy_escape");
        __typeof__(&curl_free) release = (__typeof__(&curl_free))dlsym(lib, "curl_free");
        assert_non_null(escape);
        assert_non_null(release);
        CURL *h = curl_easy_init();
        assert_non_null(h);
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
                char *mine = probe_url_escape(cases[i]);
                char *theirs = escape(h, cases[i], 0);
                assert_non_null(mine);
                assert_non_null(theirs);
                assert_string_equal(mine, theirs);
                free(mine);
                release(theirs);
        }
        curl_easy_cleanup(h);
        dlclose(lib); /* drops only the reference taken here */
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(not_loaded_before_first_request),
                cmocka_unit_test(unloadable_libcurl_fails_cleanly),
                cmocka_unit_test(get_loads_libcurl_and_keeps_body),
                cmocka_unit_test(post_sends_body_and_content_type),
                cmocka_unit_test(body_over_cap_is_too_big),
                cmocka_unit_test(timeout_is_applied),
                cmocka_unit_test(url_escape_matches_curl),
        };
        alarm(60); /* a forwarding bug must not hang the suite */
        return cmocka_run_group_tests(tests, NULL, NULL);
}
