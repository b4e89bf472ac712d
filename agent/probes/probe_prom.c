/* promProbe: GET <endpoint>/api/v1/query?query=<q>, take the first sample's value and compare it as a
 * float. Accepts vector and scalar results. */
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

char *probe_url_escape(const char *s)
{
        static const char hex[] = "0123456789ABCDEF";
        size_t n = strlen(s);
        char *out = malloc(3 * n + 1), *o = out;

        if (!out)
                return NULL;
        for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
                if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
                    strchr("-._~", *p)) {
                        *o++ = (char)*p;
                        continue;
                }
                *o++ = '%';
                *o++ = hex[*p >> 4];
                *o++ = hex[*p & 15];
        }
        *o = '\0';
        return out;
}

static int prom_url(const struct probe_prom *p, char **ret)
{
        _cleanup_free_ char *q = probe_url_escape(p->query);
        if (!q)
                return -ENOMEM;
        size_t n = strlen(p->endpoint);
        bool slash = n && p->endpoint[n - 1] == '/';
        return asprintf(ret, "%s%sapi/v1/query?query=%s", p->endpoint, slash ? "" : "/", q) < 0 ? -ENOMEM : 0;
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
                         r < 0 ? probe_fetch_strerror(r) : "HTTP status not 200");
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
