/* HTTP client on libcurl easy handles: see http_client.h. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <sys/socket.h>
#include <curl/curl.h>
#include <event2/event.h>

#include "lib/clock.h"
#include "lib/error.h"
#include "lib/http_client.h"
#include "lib/http_common.h"
#include "lib/limits_rift.h"
#include "lib/log.h"
#include "lib/str.h"

#define MAX_REQUEST_HEADERS 64 /* extra headers one request may carry */

struct rift_http_client {
        CURL *easy;                         /* reused between requests so connections are kept alive */
        struct rift_http_client_config cfg; /* copy of the config, defaults applied, strings owned */
        char errbuf[CURL_ERROR_SIZE];       /* curl's description of the last failure */
        struct event_base *base;            /* loop for async transfers; NULL until attached */
        CURLM *multi;                       /* curl multi handle driving async transfers */
        struct event *timer;                /* curl's single timeout */
        struct transfer *transfers;         /* async transfers in progress (list) */
};

/* State of one attempt, seen by curl's callbacks. */
struct attempt {
        struct rift_http_response *resp; /* where body and headers go */
        bool too_big;                    /* the body went over its cap */
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_result = CURLE_FAILED_INIT;

static void curl_init(void)
{
        curl_init_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}

int rift_http_client_new(const struct rift_http_client_config *cfg, struct rift_http_client **ret)
{
        static const struct rift_http_client_config defaults = { 0 };
        struct rift_http_client *c;
        int r;

        pthread_once(&curl_once, curl_init);
        if (curl_init_result != CURLE_OK)
                return -EIO;
        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        r = rift_http_config_copy(&c->cfg, cfg ? cfg : &defaults);
        c->easy = curl_easy_init();
        if (r < 0 || !c->easy) {
                rift_http_client_free(c);
                return -ENOMEM;
        }
        *ret = c;
        return 0;
}

static void async_shutdown(struct rift_http_client *c);

void rift_http_client_free(struct rift_http_client *c)
{
        if (!c)
                return;
        async_shutdown(c);
        if (c->easy)
                curl_easy_cleanup(c->easy);
        rift_http_config_free(&c->cfg);
        free(c);
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *arg)
{
        struct attempt *a = arg;
        size_t n = size * nmemb;

        if (rift_buf_append(&a->resp->body, data, n) < 0) {
                a->too_big = true;
                return 0; /* makes curl stop with CURLE_WRITE_ERROR */
        }
        return n;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *arg)
{
        struct attempt *a = arg;
        size_t n = size * nmemb;

        /* a status line starts a new response (after 100 Continue): keep only the final one */
        if (n >= 5 && memcmp(data, "HTTP/", 5) == 0)
                rift_buf_reset(&a->resp->headers);
        return rift_buf_append(&a->resp->headers, data, n) < 0 ? 0 : n;
}

static const struct {
        CURLcode code;
        int err;
} curl_errors[] = {
        { CURLE_COULDNT_CONNECT, RIFT_E_UNAVAILABLE },
        { CURLE_COULDNT_RESOLVE_HOST, RIFT_E_UNAVAILABLE },
        { CURLE_COULDNT_RESOLVE_PROXY, RIFT_E_UNAVAILABLE },
        { CURLE_GOT_NOTHING, RIFT_E_UNAVAILABLE },
        { CURLE_SEND_ERROR, RIFT_E_UNAVAILABLE },
        { CURLE_RECV_ERROR, RIFT_E_UNAVAILABLE },
        { CURLE_OPERATION_TIMEDOUT, RIFT_E_TIMEOUT },
        { CURLE_PEER_FAILED_VERIFICATION, RIFT_E_TLS },
        { CURLE_SSL_CONNECT_ERROR, RIFT_E_TLS },
        { CURLE_SSL_CERTPROBLEM, RIFT_E_TLS },
        { CURLE_SSL_CACERT_BADFILE, RIFT_E_TLS },
        { CURLE_SSL_CIPHER, RIFT_E_TLS },
        { CURLE_SSL_ISSUER_ERROR, RIFT_E_TLS },
        { CURLE_SSL_PINNEDPUBKEYNOTMATCH, RIFT_E_TLS },
        { CURLE_FILESIZE_EXCEEDED, RIFT_E_TOOBIG },
        { CURLE_WEIRD_SERVER_REPLY, RIFT_E_PROTOCOL },
        { CURLE_PARTIAL_FILE, RIFT_E_PROTOCOL },
        { CURLE_HTTP2, RIFT_E_PROTOCOL },
        { CURLE_URL_MALFORMAT, -EINVAL },
        { CURLE_UNSUPPORTED_PROTOCOL, -EINVAL },
        { CURLE_OUT_OF_MEMORY, -ENOMEM },
};

static int error_from_curl(CURLcode code)
{
        for (size_t i = 0; i < ARRAY_SIZE(curl_errors); i++)
                if (curl_errors[i].code == code)
                        return curl_errors[i].err;
        return -EIO;
}

static int build_headers(const struct rift_http_client_request *rq, struct curl_slist **ret)
{
        _cleanup_buf_ struct rift_buf line = RIFT_BUF_INIT(RIFT_MAX_HTTP_HEADERS);
        struct curl_slist *l = NULL, *t;

        if (rq->n_headers > MAX_REQUEST_HEADERS)
                return -EINVAL;
        /* no "Expect: 100-continue" round trip before bodies */
        l = curl_slist_append(NULL, "Expect:");
        for (size_t i = 0; l && i < rq->n_headers; i++) {
                const struct rift_http_header *h = &rq->headers[i];
                rift_buf_reset(&line);
                if (strpbrk(h->name, ":\r\n") || strpbrk(h->value, "\r\n") ||
                    rift_buf_printf(&line, "%s: %s", h->name, h->value) < 0) {
                        curl_slist_free_all(l);
                        return -EINVAL;
                }
                t = curl_slist_append(l, line.data);
                if (!t) {
                        curl_slist_free_all(l);
                        return -ENOMEM;
                }
                l = t;
        }
        if (!l)
                return -ENOMEM;
        *ret = l;
        return 0;
}

/* curl's sockets are close-on-exec like every other fd (STYLE rule 14). */
static curl_socket_t open_socket(void *userdata, curlsocktype purpose, struct curl_sockaddr *addr)
{
        return socket(addr->family, addr->socktype | SOCK_CLOEXEC, addr->protocol);
}

static void set_tls(struct rift_http_client *c, CURL *e)
{
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, c->cfg.insecure ? 0L : 1L);
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, c->cfg.insecure ? 0L : 2L);
        curl_easy_setopt(e, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
        if (c->cfg.ca_file)
                curl_easy_setopt(e, CURLOPT_CAINFO, c->cfg.ca_file);
        if (c->cfg.client_cert) {
                curl_easy_setopt(e, CURLOPT_SSLCERT, c->cfg.client_cert);
                curl_easy_setopt(e, CURLOPT_SSLKEY,
                                 c->cfg.client_key ? c->cfg.client_key : c->cfg.client_cert);
        }
}

static void set_request(struct rift_http_client *c, CURL *e, const struct rift_http_client_request *rq,
                        const char *method, struct curl_slist *headers, int64_t timeout_ms, struct attempt *a)
{
        curl_easy_reset(e); /* keeps the connection cache */
        curl_easy_setopt(e, CURLOPT_URL, rq->url);
        curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(e, CURLOPT_ERRORBUFFER, c->errbuf);
        curl_easy_setopt(e, CURLOPT_USERAGENT, c->cfg.user_agent);
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers);
        curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)MIN(c->cfg.connect_timeout_ms, timeout_ms));
        curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
        curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)c->cfg.max_response);
        curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(e, CURLOPT_WRITEDATA, a);
        curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(e, CURLOPT_HEADERDATA, a);
        curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
        curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, open_socket);
        set_tls(c, e);
        if (strcmp(method, "HEAD") == 0)
                curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
        else if (strcmp(method, "GET") != 0)
                curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
        if (rq->body || strcmp(method, "POST") == 0) {
                curl_easy_setopt(e, CURLOPT_POSTFIELDS, rq->body ? rq->body : "");
                curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->body_len);
        }
}

/* One attempt; returns 0 with resp filled, or an error. */
static int attempt_once(struct rift_http_client *c, const struct rift_http_client_request *rq,
                        const char *method, struct curl_slist *headers, int64_t timeout_ms,
                        struct rift_http_response *resp, CURLcode *ret_code)
{
        struct attempt a = { .resp = resp };
        CURLcode code;
        long status = 0;

        rift_buf_reset(&resp->body);
        rift_buf_reset(&resp->headers);
        c->errbuf[0] = '\0';
        set_request(c, c->easy, rq, method, headers, timeout_ms, &a);
        code = curl_easy_perform(c->easy);
        *ret_code = code;
        if (code != CURLE_OK) {
                log_debug("http request failed", LOG_STR("url", rq->url), LOG_STR("reason", c->errbuf));
                return a.too_big ? RIFT_E_TOOBIG : error_from_curl(code);
        }
        curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &status);
        resp->status = status;
        return 0;
}

/* Connection never made: the request cannot have reached the server, so any request may be resent. */
static bool not_sent(CURLcode code)
{
        return code == CURLE_COULDNT_CONNECT || code == CURLE_COULDNT_RESOLVE_HOST ||
               code == CURLE_COULDNT_RESOLVE_PROXY;
}

static bool should_retry(int r, CURLcode code, long status, bool idempotent)
{
        if (not_sent(code))
                return true;
        if (!idempotent)
                return false; /* it may have been processed: a lost reply is not a reason to do it twice */
        return r == RIFT_E_TIMEOUT || r == RIFT_E_UNAVAILABLE ||
               (r == 0 && (status == 502 || status == 503 || status == 504));
}

int rift_http_client_do(struct rift_http_client *c, const struct rift_http_client_request *rq,
                        struct rift_http_response *ret)
{
        struct curl_slist *headers = NULL;
        const char *method;
        int64_t deadline;
        bool idempotent;
        CURLcode code;
        int r;

        if (!c || !rq || !rq->url || !ret)
                return -EINVAL;
        method = rq->method ? rq->method : "GET";
        deadline = rift_mono_ms() + (rq->timeout_ms > 0 ? rq->timeout_ms : c->cfg.timeout_ms);
        idempotent = rq->idempotent || rift_http_method_idempotent(method);
        r = build_headers(rq, &headers);
        if (r < 0)
                return r;
        rift_buf_free(&ret->body);
        rift_buf_free(&ret->headers);
        rift_buf_init(&ret->body, c->cfg.max_response);
        rift_buf_init(&ret->headers, RIFT_MAX_HTTP_HEADERS);
        for (int attempt = 0;; attempt++) {
                int64_t left = deadline - rift_mono_ms();

                if (left <= 0) {
                        r = RIFT_E_TIMEOUT;
                        break;
                }
                ret->attempts = attempt + 1;
                r = attempt_once(c, rq, method, headers, left, ret, &code);
                if (attempt >= c->cfg.max_retries || !should_retry(r, code, ret->status, idempotent))
                        break;
                rift_http_backoff(&c->cfg, attempt, deadline - rift_mono_ms());
        }
        curl_slist_free_all(headers);
        return r;
}

/* ---- asynchronous transfers: curl multi driven by the libevent loop ---------------------------------- */

/* One async request, across its attempts. */
struct transfer {
        struct rift_http_client *c;         /* owner */
        CURL *easy;                         /* this transfer's handle */
        struct curl_slist *headers;         /* request headers as curl wants them */
        struct rift_http_client_request rq; /* the request, pointing at the copies below */
        char *url;                          /* copy of rq.url */
        char *method;                       /* copy of rq.method */
        void *body;                         /* copy of rq.body */
        bool idempotent;                    /* may be resent after it may have reached the server */
        int64_t deadline;                   /* rift_mono_ms() time the whole request gives up */
        int attempt;                        /* attempts started so far */
        struct attempt a;                   /* state seen by curl's callbacks */
        struct rift_http_response resp;     /* the response being received */
        struct event *retry;                /* backoff timer between attempts */
        rift_http_client_cb cb;             /* completion callback */
        void *userdata;                     /* for cb */
        struct transfer *prev, *next;       /* in the client's list */
};

static void transfer_free(struct transfer *t)
{
        if (t->prev)
                t->prev->next = t->next;
        else if (t->c->transfers == t)
                t->c->transfers = t->next;
        if (t->next)
                t->next->prev = t->prev;
        if (t->easy) {
                curl_multi_remove_handle(t->c->multi, t->easy);
                curl_easy_cleanup(t->easy);
        }
        if (t->retry)
                event_free(t->retry);
        curl_slist_free_all(t->headers);
        rift_http_response_free(&t->resp);
        free(t->url);
        free(t->method);
        free(t->body);
        free(t);
}

static int transfer_start(struct transfer *t)
{
        int64_t left = t->deadline - rift_mono_ms();

        if (left <= 0)
                return RIFT_E_TIMEOUT;
        t->attempt++;
        t->resp.attempts = t->attempt;
        rift_buf_reset(&t->resp.body);
        rift_buf_reset(&t->resp.headers);
        t->a = (struct attempt){ .resp = &t->resp };
        set_request(t->c, t->easy, &t->rq, t->method, t->headers, left, &t->a);
        curl_easy_setopt(t->easy, CURLOPT_PRIVATE, t);
        return curl_multi_add_handle(t->c->multi, t->easy) == CURLM_OK ? 0 : -ENOMEM;
}

static void transfer_finish(struct transfer *t, int r)
{
        t->cb(r, r < 0 ? NULL : &t->resp, t->userdata);
        transfer_free(t);
}

static void on_retry(evutil_socket_t fd, short what, void *arg)
{
        struct transfer *t = arg;
        int r = transfer_start(t);

        if (r < 0)
                transfer_finish(t, r);
}

static void transfer_done(struct transfer *t, CURLcode code)
{
        struct rift_http_client *c = t->c;
        long status = 0;
        int r = 0;

        curl_multi_remove_handle(c->multi, t->easy);
        if (code != CURLE_OK)
                r = t->a.too_big ? RIFT_E_TOOBIG : error_from_curl(code);
        else
                curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
        t->resp.status = status;
        if (t->attempt <= c->cfg.max_retries && should_retry(r, code, status, t->idempotent) &&
            t->deadline > rift_mono_ms()) {
                int64_t ms = rift_http_backoff_ms(&c->cfg, t->attempt - 1, t->deadline - rift_mono_ms());
                struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
                if (t->retry || (t->retry = evtimer_new(c->base, on_retry, t))) {
                        evtimer_add(t->retry, &tv);
                        return;
                }
        }
        transfer_finish(t, r);
}

static void check_done(struct rift_http_client *c)
{
        CURLMsg *msg;
        int left;

        while ((msg = curl_multi_info_read(c->multi, &left))) {
                struct transfer *t = NULL;

                if (msg->msg != CURLMSG_DONE)
                        continue;
                curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&t);
                if (t)
                        transfer_done(t, msg->data.result);
        }
}

static void on_socket(evutil_socket_t fd, short what, void *arg)
{
        struct rift_http_client *c = arg;
        int flags = ((what & EV_READ) ? CURL_CSELECT_IN : 0) | ((what & EV_WRITE) ? CURL_CSELECT_OUT : 0);
        int running;

        curl_multi_socket_action(c->multi, fd, flags, &running);
        check_done(c);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
        struct rift_http_client *c = arg;
        int running;

        curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
        check_done(c);
}

/* curl tells which sockets to watch for what; the event lives in curl's per-socket pointer. */
static int sock_cb(CURL *e, curl_socket_t s, int what, void *userp, void *socketp)
{
        struct rift_http_client *c = userp;
        struct event *ev = socketp;
        short kind = (short)(((what & CURL_POLL_IN) ? EV_READ : 0) | ((what & CURL_POLL_OUT) ? EV_WRITE : 0) |
                             EV_PERSIST);

        if (what == CURL_POLL_REMOVE) {
                if (ev)
                        event_free(ev);
                curl_multi_assign(c->multi, s, NULL);
                return 0;
        }
        if (ev) {
                event_del(ev);
                event_assign(ev, c->base, s, kind, on_socket, c);
        } else {
                ev = event_new(c->base, s, kind, on_socket, c);
                if (!ev)
                        return -1;
                curl_multi_assign(c->multi, s, ev);
        }
        return event_add(ev, NULL);
}

static int timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
        struct rift_http_client *c = userp;
        struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };

        if (timeout_ms < 0)
                return evtimer_del(c->timer);
        return evtimer_add(c->timer, &tv);
}

int rift_http_client_attach(struct rift_http_client *c, struct event_base *base)
{
        if (!c || !base || c->base)
                return -EINVAL;
        c->multi = curl_multi_init();
        c->timer = evtimer_new(base, on_timer, c);
        if (!c->multi || !c->timer) {
                async_shutdown(c);
                return -ENOMEM;
        }
        c->base = base;
        curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, sock_cb);
        curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c);
        curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
        curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c);
        return 0;
}

static void async_shutdown(struct rift_http_client *c)
{
        while (c->transfers) { /* still running: tell their owners, once */
                struct transfer *t = c->transfers;
                t->cb(-ECANCELED, NULL, t->userdata);
                transfer_free(t);
        }
        if (c->multi)
                curl_multi_cleanup(c->multi);
        if (c->timer)
                event_free(c->timer);
        c->multi = NULL;
        c->timer = NULL;
        c->base = NULL;
}

static int transfer_copy(struct transfer *t, const struct rift_http_client_request *rq)
{
        t->url = strdup(rq->url);
        t->method = strdup(rq->method ? rq->method : "GET");
        if (rq->body_len > 0) {
                t->body = malloc(rq->body_len);
                if (t->body)
                        memcpy(t->body, rq->body, rq->body_len);
        }
        if (!t->url || !t->method || (rq->body_len > 0 && !t->body))
                return -ENOMEM;
        t->rq = (struct rift_http_client_request){
                .method = t->method, .url = t->url, .body = t->body, .body_len = rq->body_len
        };
        if (rq->body && rq->body_len == 0)
                t->rq.body = "";
        return build_headers(rq, &t->headers);
}

int rift_http_client_send(struct rift_http_client *c, const struct rift_http_client_request *rq,
                          rift_http_client_cb cb, void *userdata)
{
        struct transfer *t;
        int r;

        if (!c || !c->base || !rq || !rq->url || !cb)
                return -EINVAL;
        t = calloc(1, sizeof(*t));
        if (!t)
                return -ENOMEM;
        t->c = c;
        t->cb = cb;
        t->userdata = userdata;
        t->next = c->transfers;
        if (c->transfers)
                c->transfers->prev = t;
        c->transfers = t;
        t->deadline = rift_mono_ms() + (rq->timeout_ms > 0 ? rq->timeout_ms : c->cfg.timeout_ms);
        rift_buf_init(&t->resp.body, c->cfg.max_response);
        rift_buf_init(&t->resp.headers, RIFT_MAX_HTTP_HEADERS);
        r = transfer_copy(t, rq);
        t->idempotent = rq->idempotent || rift_http_method_idempotent(t->method ? t->method : "POST");
        t->easy = r < 0 ? NULL : curl_easy_init();
        if (r == 0 && !t->easy)
                r = -ENOMEM;
        if (r == 0)
                r = transfer_start(t);
        if (r < 0)
                transfer_free(t);
        return r;
}
