/* httpProbe: GET or POST a URL with libcurl (loaded on first use: curl_dl.h) and compare the response
 * code (==, !=, oneOf). */
#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/probes/curl_dl.h"
#include "agent/probes/probe_ops.h"
#include "lib/error.h"
#include "lib/limits_rift.h"
#include "lib/macro.h"
#include "lib/str.h"

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_result = CURLE_FAILED_INIT; /* CURLE_FAILED_INIT: libcurl could not be loaded */

static void curl_init_once(void)
{
        curl_init_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}

struct sink {
        char *data; /* NULL = discard */
        size_t len; /* bytes kept */
        size_t cap; /* hard limit */
        bool over;  /* the body was longer than cap */
};

static size_t sink_write(char *ptr, size_t size, size_t nmemb, void *ud)
{
        struct sink *s = ud;
        size_t n = size * nmemb;
        if (!s->data)
                return n;
        if (n > s->cap - s->len) {
                s->over = true;
                return 0;
        }
        memcpy(s->data + s->len, ptr, n);
        s->len += n;
        s->data[s->len] = '\0';
        return n;
}

static int curl_result(CURLcode c)
{
        switch (c) {
        case CURLE_OK:
                return 0;
        case CURLE_OPERATION_TIMEDOUT:
                return RIFT_E_TIMEOUT;
        case CURLE_WRITE_ERROR:
                return RIFT_E_TOOBIG;
        case CURLE_SSL_CONNECT_ERROR:
        case CURLE_PEER_FAILED_VERIFICATION:
                return RIFT_E_TLS;
        default:
                return RIFT_E_UNAVAILABLE;
        }
}

const char *probe_fetch_strerror(int r)
{
        switch (r) {
        case RIFT_E_TIMEOUT:
                return "timed out";
        case RIFT_E_UNSUPPORTED:
                return "libcurl (" CURL_DL_SONAME ") cannot be loaded, the agent log says why";
        default:
                return rift_strerror(r);
        }
}

int probe_curl_fetch(const char *url, bool insecure, const char *post_body, const char *content_type,
                     int64_t timeout_ms, size_t cap, long *ret_code, char **ret_body)
{
        struct sink sink = { .cap = cap };
        struct curl_slist *headers = NULL;
        char ct[256];
        int r;

        pthread_once(&curl_once, curl_init_once);
        if (curl_init_result != CURLE_OK)
                return RIFT_E_UNSUPPORTED;
        CURL *h = curl_easy_init();
        if (!h)
                return -ENOMEM;
        if (ret_body && !(sink.data = malloc(cap + 1))) {
                curl_easy_cleanup(h);
                return -ENOMEM;
        }
        if (sink.data)
                sink.data[0] = '\0';
        curl_easy_setopt(h, CURLOPT_URL, url);
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
        /* like Litmus's Go client: follow up to 10 redirects, compare the final status */
        curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
        curl_easy_setopt(h, CURLOPT_MAXREDIRS, 10L);
        curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink_write);
        curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
        if (insecure) {
                curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
                curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
        }
        if (post_body) {
                curl_easy_setopt(h, CURLOPT_POSTFIELDS, post_body);
                snprintf(ct, sizeof ct, "Content-Type: %.200s",
                         content_type ? content_type : "application/json");
                headers = curl_slist_append(NULL, ct);
                curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
        }
        r = curl_result(curl_easy_perform(h));
        if (r == 0)
                curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, ret_code);
        curl_slist_free_all(headers);
        curl_easy_cleanup(h);
        if (r < 0 || sink.over) {
                free(sink.data);
                return sink.over ? RIFT_E_TOOBIG : r;
        }
        if (ret_body)
                *ret_body = sink.data;
        return 0;
}

static int http_parse_method(struct probe_http *h, const cJSON *m, const char *where, char *err, size_t errsz)
{
        const cJSON *get = cJSON_GetObjectItemCaseSensitive(m, "get");
        const cJSON *post = cJSON_GetObjectItemCaseSensitive(m, "post");
        _cleanup_free_ char *criteria = NULL;
        char w[512];
        int r;

        if (!cJSON_IsObject(m))
                return probe_fail(err, errsz, "%s.method: missing or not an object", where);
        if (!!get == !!post)
                return probe_fail(err, errsz, "%s.method: needs exactly one of get or post", where);
        h->post = post != NULL;
        const cJSON *o = post ? post : get;
        snprintf(w, sizeof w, "%s.method.%s", where, post ? "post" : "get");
        if (!cJSON_IsObject(o))
                return probe_fail(err, errsz, "%s: must be an object", w);
        h->code.type = PROBE_CMP_INT;
        if ((r = probe_json_text(o, "criteria", true, w, err, errsz, &criteria)) < 0 ||
            (r = probe_json_text(o, "responseCode", true, w, err, errsz, &h->code.value)) < 0)
                return r;
        if (probe_op_from_string(PROBE_CMP_INT, criteria, &h->code.op) < 0 ||
            (h->code.op != PROBE_OP_EQ && h->code.op != PROBE_OP_NE && h->code.op != PROBE_OP_ONEOF))
                return probe_fail(err, errsz, "%s.criteria: \"%.32s\" is not ==, != or oneOf", w, criteria);
        if (probe_compare(&h->code, "0", NULL, 0) == RIFT_E_INVALID)
                return probe_fail(err, errsz, "%s.responseCode: \"%.32s\" is not a status code", w,
                                  h->code.value);
        if (!post)
                return 0;
        if ((r = probe_json_text(o, "body", false, w, err, errsz, &h->body)) < 0 ||
            (r = probe_json_text(o, "bodyPath", false, w, err, errsz, &h->body_path)) < 0 ||
            (r = probe_json_text(o, "contentType", false, w, err, errsz, &h->content_type)) < 0)
                return r;
        if (h->body && h->body_path)
                return probe_fail(err, errsz, "%s: body and bodyPath are exclusive", w);
        return 0;
}

static int http_parse(struct probe_def *def, const cJSON *in, const char *where, char *err, size_t errsz)
{
        struct probe_http *h = &def->http;
        int r;

        if ((r = probe_json_text(in, "url", true, where, err, errsz, &h->url)) < 0 ||
            (r = probe_json_bool(in, "insecureSkipVerify", where, err, errsz, &h->insecure)) < 0)
                return r;
        if (!rift_startswith(h->url, "http://") && !rift_startswith(h->url, "https://"))
                return probe_fail(err, errsz, "%s.url: must start with http:// or https://", where);
        const cJSON *rt = cJSON_GetObjectItemCaseSensitive(in, "responseTimeout");
        if (rt &&
            (!cJSON_IsNumber(rt) || rt->valuedouble < 0 || rt->valuedouble > RIFT_PROBE_MAX_DURATION_MS))
                return probe_fail(err, errsz, "%s.responseTimeout: must be milliseconds", where);
        h->response_timeout_ms = rt ? (int64_t)rt->valuedouble : 0;
        return http_parse_method(h, cJSON_GetObjectItemCaseSensitive(in, "method"), where, err, errsz);
}

static void http_done(struct probe_def *def)
{
        struct probe_http *h = &def->http;
        free(h->url);
        free(h->body);
        free(h->body_path);
        free(h->content_type);
        free(h->code.value);
        *h = (struct probe_http){ 0 };
}

static int http_run(const struct probe_def *def, int64_t timeout_ms, struct probe_outcome *out, char *reg,
                    size_t regsz)
{
        const struct probe_http *h = &def->http;
        _cleanup_free_ char *file_body = NULL;
        char code[16];
        long status = 0;
        int r;

        if (h->response_timeout_ms > 0 && h->response_timeout_ms < timeout_ms)
                timeout_ms = h->response_timeout_ms;
        if (h->body_path && (r = probe_read_file(h->body_path, RIFT_PROBE_MAX_BODYFILE, &file_body)) < 0) {
                snprintf(out->description, sizeof out->description, "cannot read bodyPath %.128s: %s",
                         h->body_path, rift_strerror(r));
                return 0;
        }
        const char *body = h->post ? (file_body ? file_body : h->body ? h->body : "") : NULL;
        r = probe_curl_fetch(h->url, h->insecure, body, h->content_type, timeout_ms, 0, &status, NULL);
        if (r < 0) {
                snprintf(out->description, sizeof out->description, "request to %.128s failed: %s", h->url,
                         probe_fetch_strerror(r));
                return 0;
        }
        snprintf(code, sizeof code, "%ld", status);
        if (reg && regsz)
                rift_strlcpy(reg, code, regsz);
        out->passed = probe_compare(&h->code, code, out->description, sizeof out->description) == 1;
        return 0;
}

const struct probe_ops probe_http_ops = {
        .type_name = "httpProbe",
        .inputs_key = "httpProbe/inputs",
        .parse = http_parse,
        .done = http_done,
        .run = http_run,
};
