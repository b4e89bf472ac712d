/* promProbe: GET <endpoint>/api/v1/query?query=<q>, take the first sample's value and compare it as a
 * float. Accepts vector and scalar results. */
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/probes/probe_ops.h"
#include "lib/error.h"
#include "lib/limits_rift.h"
#include "lib/macro.h"
#include "lib/str.h"

static int prom_parse(struct probe_def *def, const cJSON *in, const char *where, char *err, size_t errsz)
{
        struct probe_prom *p = &def->prom;
        _cleanup_free_ char *path = NULL;
        int r;

        if ((r = probe_json_text(in, "endpoint", true, where, err, errsz, &p->endpoint)) < 0 ||
            (r = probe_json_text(in, "query", false, where, err, errsz, &p->query)) < 0 ||
            (r = probe_json_text(in, "queryPath", false, where, err, errsz, &path)) < 0)
                return r;
        if (!rift_startswith(p->endpoint, "http://") && !rift_startswith(p->endpoint, "https://"))
                return probe_fail(err, errsz, "%s.endpoint: must start with http:// or https://", where);
        if (!!p->query == !!path)
                return probe_fail(err, errsz, "%s: needs exactly one of query or queryPath", where);
        if (path && (r = probe_read_file(path, RIFT_PROBE_MAX_BODYFILE, &p->query)) < 0)
                return probe_fail(err, errsz, "%s.queryPath: cannot read %.128s: %s", where, path,
                                  rift_strerror(r));
        return probe_json_comparator(in, "comparator", true, where, err, errsz, &p->cmp);
}

static void prom_done(struct probe_def *def)
{
        free(def->prom.endpoint);
        free(def->prom.query);
        free(def->prom.cmp.value);
        def->prom = (struct probe_prom){ 0 };
}

/* The value string of the first sample: data.result[0].value[1] (vector) or data.result[1] (scalar). */
static int prom_first_value(const char *body, char *ret, size_t retsz)
{
        cJSON *root = cJSON_Parse(body);
        if (!root)
                return RIFT_E_PARSE;
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(root, "status");
        const cJSON *data = cJSON_GetObjectItemCaseSensitive(root, "data");
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(data, "resultType");
        const cJSON *res = cJSON_GetObjectItemCaseSensitive(data, "result");
        const cJSON *v = NULL;
        int r = RIFT_E_NOTFOUND;

        if (!cJSON_IsString(st) || strcmp(st->valuestring, "success") != 0)
                r = RIFT_E_PROTOCOL;
        else if (cJSON_IsString(type) && strcmp(type->valuestring, "scalar") == 0)
                v = cJSON_GetArrayItem(res, 1);
        else if (cJSON_IsArray(res))
                v = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(res, 0), "value"),
                                       1);
        if (cJSON_IsString(v))
                r = rift_strlcpy(ret, v->valuestring, retsz);
        cJSON_Delete(root);
        return r;
}

static int prom_url(const struct probe_prom *p, char **ret)
{
        CURL *h = curl_easy_init();
        if (!h)
                return -ENOMEM;
        char *q = curl_easy_escape(h, p->query, 0);
        curl_easy_cleanup(h);
        if (!q)
                return -ENOMEM;
        size_t n = strlen(p->endpoint);
        bool slash = n && p->endpoint[n - 1] == '/';
        int r = asprintf(ret, "%s%sapi/v1/query?query=%s", p->endpoint, slash ? "" : "/", q);
        curl_free(q);
        return r < 0 ? -ENOMEM : 0;
}

static int prom_run(const struct probe_def *def, int64_t timeout_ms, struct probe_outcome *out, char *reg,
                    size_t regsz)
{
        _cleanup_free_ char *url = NULL, *body = NULL;
        char value[128];
        long code = 0;
        int r;

        if ((r = prom_url(&def->prom, &url)) < 0)
                return r;
        r = probe_curl_fetch(url, false, NULL, NULL, timeout_ms, RIFT_PROBE_MAX_RESPONSE, &code, &body);
        if (r < 0 || code != 200) {
                snprintf(out->description, sizeof out->description, "prometheus query failed: %s",
                         r == RIFT_E_TIMEOUT ? "timed out"
                         : r < 0             ? rift_strerror(r)
                                             : "HTTP status not 200");
                return 0;
        }
        if ((r = prom_first_value(body, value, sizeof value)) < 0) {
                snprintf(out->description, sizeof out->description, "prometheus returned no sample: %s",
                         rift_strerror(r));
                return 0;
        }
        if (reg && regsz)
                (void)rift_strlcpy(reg, value, regsz);
        out->passed = probe_compare(&def->prom.cmp, value, out->description, sizeof out->description) == 1;
        return 0;
}

const struct probe_ops probe_prom_ops = {
        .type_name = "promProbe",
        .inputs_key = "promProbe/inputs",
        .parse = prom_parse,
        .done = prom_done,
        .run = prom_run,
};
