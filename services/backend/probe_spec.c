/* Saved probes (Litmus's addProbe request shape) as stored documents, validated with the agent's rules
 * (docs/probes.md), turned into the agent's probe format (what Task.probes spec_json carries) and
 * written as YAML (getProbeYAML). Pure functions: no store, no GraphQL. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "lib/str.h"
#include "services/backend/backend.h"

#define MAX_TEXT  4096u /* bytes of one property (url, command, query) */
#define MAX_TRIES 100   /* attempt, retry */

static int fail(char *err, size_t n, const char *fmt, ...) _printf_(3, 4);
static int fail(char *err, size_t n, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(err, n, fmt, ap);
        va_end(ap);
        return RIFT_E_INVALID;
}

/* The request member holding each type's properties, as in Litmus. */
static const struct {
        const char *type;   /* ProbeType */
        const char *member; /* ProbeRequest member */
        const char *inputs; /* the agent's inputs key, NULL: not run by the agent */
} kinds[] = {
        { "httpProbe", "kubernetesHTTPProperties", "httpProbe/inputs" },
        { "cmdProbe", "kubernetesCMDProperties", "cmdProbe/inputs" },
        { "promProbe", "promProperties", "promProbe/inputs" },
        { "k8sProbe", "k8sProperties", NULL },
};

static int kind_of(const char *type)
{
        for (size_t i = 0; type && i < ARRAY_SIZE(kinds); i++)
                if (!strcmp(kinds[i].type, type))
                        return (int)i;
        return -1;
}

const char *probe_spec_member(const char *type)
{
        int k = kind_of(type);

        return k < 0 ? NULL : kinds[k].member;
}

bool probe_spec_mode_valid(const char *mode)
{
        static const char *const modes[] = { "SOT", "EOT", "Edge", "Continuous", "OnChaos" };

        for (size_t i = 0; mode && i < ARRAY_SIZE(modes); i++)
                if (!strcmp(modes[i], mode))
                        return true;
        return false;
}

bool probe_spec_name_valid(const char *s)
{
        if (!s || !s[0] || strlen(s) >= BACKEND_MAX_NAME)
                return false;
        for (; *s; s++)
                if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.", *s))
                        return false;
        return true;
}

/* A Go duration ("500ms", "1m30s", "2.5s") or a whole number of seconds, as the agent accepts; *ret_ms
 * receives its length. */
static bool duration_ms(const char *s, double *ret_ms)
{
        static const struct {
                const char *unit; /* suffix, longest first where one is a prefix of another */
                double ms;        /* its length */
        } units[] = { { "ns", 1e-6 }, { "us", 1e-3 }, { "\xc2\xb5s", 1e-3 }, { "ms", 1 },
                      { "s", 1000 },  { "m", 60000 }, { "h", 3600000 } };
        double total = 0;
        int64_t secs;

        if (rift_parse_int64(s, 0, 24 * 3600, &secs) == 0) {
                *ret_ms = (double)secs * 1000;
                return true;
        }
        if (!strcmp(s, "0")) {
                *ret_ms = 0;
                return true;
        }
        if (!*s)
                return false;
        while (*s) {
                char num[32];
                size_t len = strspn(s, "0123456789."), i;
                if (len == 0 || len >= sizeof(num) || (len == 1 && s[0] == '.'))
                        return false;
                memcpy(num, s, len);
                num[len] = '\0';
                if (strchr(num, '.') != strrchr(num, '.'))
                        return false;
                s += len;
                for (i = 0; i < ARRAY_SIZE(units); i++)
                        if (rift_startswith(s, units[i].unit))
                                break;
                if (i == ARRAY_SIZE(units))
                        return false;
                total += strtod(num, NULL) * units[i].ms;
                s += strlen(units[i].unit);
        }
        *ret_ms = total;
        return total <= 24.0 * 3600 * 1000;
}

static const char *text_of(const cJSON *o, const char *key)
{
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

        return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int check_text(const cJSON *o, const char *key, bool required, const char *at, char *err, size_t n)
{
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

        if (!v || cJSON_IsNull(v))
                return required ? fail(err, n, "%s.%s: required", at, key) : 0;
        if (!cJSON_IsString(v))
                return fail(err, n, "%s.%s: must be a string", at, key);
        if (strlen(v->valuestring) > MAX_TEXT)
                return fail(err, n, "%s.%s: longer than %u bytes", at, key, MAX_TEXT);
        if (required && !v->valuestring[0])
                return fail(err, n, "%s.%s: must not be empty", at, key);
        return 0;
}

/* probeTimeout, interval (required), retry, attempt, the optional durations, stopOnFailure. */
static int check_run_props(const cJSON *p, const char *at, char *err, size_t n)
{
        static const char *const durs[] = { "probeTimeout", "interval", "probePollingInterval",
                                            "initialDelay", "evaluationTimeout" };
        static const char *const tries[] = { "retry", "attempt" };
        const cJSON *v;
        int r;

        for (size_t i = 0; i < ARRAY_SIZE(durs); i++) {
                const char *s;
                double ms = 0;
                if ((r = check_text(p, durs[i], i < 2, at, err, n)) < 0)
                        return r;
                if ((s = text_of(p, durs[i])) && !duration_ms(s, &ms))
                        return fail(err, n, "%s.%s: \"%.32s\" is not a duration (e.g. \"5s\", \"500ms\")", at,
                                    durs[i], s);
                if (i == 0 && ms <= 0)
                        return fail(err, n, "%s.probeTimeout: must be greater than 0", at);
        }
        for (size_t i = 0; i < ARRAY_SIZE(tries); i++) {
                v = cJSON_GetObjectItemCaseSensitive(p, tries[i]);
                if (v && !cJSON_IsNull(v) &&
                    (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) || v->valuedouble < 0 ||
                     v->valuedouble > MAX_TRIES))
                        return fail(err, n, "%s.%s: must be an integer in 0..%d", at, tries[i], MAX_TRIES);
        }
        v = cJSON_GetObjectItemCaseSensitive(p, "stopOnFailure");
        if (v && !cJSON_IsNull(v) && !cJSON_IsBool(v))
                return fail(err, n, "%s.stopOnFailure: must be true or false", at);
        return 0;
}

static bool one_of(const char *s, const char *const *set, size_t n)
{
        for (size_t i = 0; s && i < n; i++)
                if (!strcmp(s, set[i]))
                        return true;
        return false;
}

/* {type, criteria, value} as the agent's comparators (numeric_only: promProbe). */
static int check_comparator(const cJSON *p, bool numeric_only, const char *at, char *err, size_t n)
{
        static const char *const num[] = { ">=", "<=", ">", "<", "==", "!=", "oneOf", "between" };
        static const char *const str[] = {
                "equal", "notEqual", "contains", "matches", "notMatches", "oneOf"
        };
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(p, "comparator");
        const char *type, *crit;
        char w[256];
        int r;

        if (!cJSON_IsObject(c))
                return fail(err, n, "%s.comparator: required, {type, criteria, value}", at);
        snprintf(w, sizeof(w), "%s.comparator", at);
        if ((r = check_text(c, "type", !numeric_only, w, err, n)) < 0 ||
            (r = check_text(c, "criteria", true, w, err, n)) < 0 ||
            (r = check_text(c, "value", true, w, err, n)) < 0)
                return r;
        type = text_of(c, "type");
        crit = text_of(c, "criteria");
        if (type && strcmp(type, "int") && strcmp(type, "float") && (numeric_only || strcmp(type, "string")))
                return fail(err, n, "%s.type: \"%.32s\" is not %s", w, type,
                            numeric_only ? "int or float" : "int, float or string");
        if (type && !strcmp(type, "string") ? !one_of(crit, str, ARRAY_SIZE(str))
                                            : !one_of(crit, num, ARRAY_SIZE(num)))
                return fail(err, n, "%s.criteria: \"%.32s\" is not a valid %s criteria", w, crit,
                            type && !strcmp(type, "string") ? "string" : "numeric");
        return 0;
}

static int check_http(const cJSON *p, const char *at, char *err, size_t n)
{
        static const char *const crit[] = { "==", "!=", "oneOf" };
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(p, "method"), *get, *post, *one;
        const char *url = text_of(p, "url"), *code;
        char w[256];
        int r;

        if ((r = check_text(p, "url", true, at, err, n)) < 0)
                return r;
        if (!rift_startswith(url, "http://") && !rift_startswith(url, "https://"))
                return fail(err, n, "%s.url: must start with http:// or https://", at);
        if (cJSON_GetObjectItemCaseSensitive(p, "insecureSkipVerify") &&
            !cJSON_IsBool(cJSON_GetObjectItemCaseSensitive(p, "insecureSkipVerify")) &&
            !cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(p, "insecureSkipVerify")))
                return fail(err, n, "%s.insecureSkipVerify: must be true or false", at);
        get = cJSON_GetObjectItemCaseSensitive(m, "get");
        post = cJSON_GetObjectItemCaseSensitive(m, "post");
        get = cJSON_IsObject(get) ? get : NULL;
        post = cJSON_IsObject(post) ? post : NULL;
        if (!cJSON_IsObject(m) || !get == !post)
                return fail(err, n, "%s.method: exactly one of get or post", at);
        one = get ? get : post;
        snprintf(w, sizeof(w), "%s.method.%s", at, get ? "get" : "post");
        if ((r = check_text(one, "criteria", true, w, err, n)) < 0 ||
            (r = check_text(one, "responseCode", true, w, err, n)) < 0)
                return r;
        if (!one_of(text_of(one, "criteria"), crit, ARRAY_SIZE(crit)))
                return fail(err, n, "%s.criteria: \"%.32s\" is not ==, != or oneOf", w,
                            text_of(one, "criteria"));
        code = text_of(one, "responseCode");
        if (strcmp(text_of(one, "criteria"), "oneOf") &&
            rift_parse_int64(code, 100, 599, &(int64_t){ 0 }) < 0)
                return fail(err, n, "%s.responseCode: \"%.32s\" is not an HTTP status code", w, code);
        if (post && ((r = check_text(post, "contentType", false, w, err, n)) < 0 ||
                     (r = check_text(post, "body", false, w, err, n)) < 0 ||
                     (r = check_text(post, "bodyPath", false, w, err, n)) < 0))
                return r;
        if (post && text_of(post, "body") && text_of(post, "bodyPath"))
                return fail(err, n, "%s: body and bodyPath are exclusive", w);
        return 0;
}

static int check_cmd(const cJSON *p, const char *at, char *err, size_t n)
{
        const char *src = text_of(p, "source");
        int r;

        if ((r = check_text(p, "command", true, at, err, n)) < 0)
                return r;
        if (cJSON_GetObjectItemCaseSensitive(p, "source") && src && strcmp(src, "inline") && src[0])
                return fail(err, n, "%s.source: only inline commands run on a Linux infrastructure", at);
        return check_comparator(p, false, at, err, n);
}

static int check_prom(const cJSON *p, const char *at, char *err, size_t n)
{
        int r;

        if ((r = check_text(p, "endpoint", true, at, err, n)) < 0 ||
            (r = check_text(p, "query", false, at, err, n)) < 0 ||
            (r = check_text(p, "queryPath", false, at, err, n)) < 0)
                return r;
        if (!rift_startswith(text_of(p, "endpoint"), "http://") &&
            !rift_startswith(text_of(p, "endpoint"), "https://"))
                return fail(err, n, "%s.endpoint: must start with http:// or https://", at);
        if (!text_of(p, "query") == !text_of(p, "queryPath") ||
            (text_of(p, "query") && !text_of(p, "query")[0]))
                return fail(err, n, "%s: exactly one of query or queryPath", at);
        return check_comparator(p, true, at, err, n);
}

static int check_k8s(const cJSON *p, const char *at, char *err, size_t n)
{
        static const char *const ops[] = { "present", "absent", "create", "delete" };
        int r;

        if ((r = check_text(p, "version", true, at, err, n)) < 0 ||
            (r = check_text(p, "resource", true, at, err, n)) < 0 ||
            (r = check_text(p, "operation", true, at, err, n)) < 0)
                return r;
        if (!one_of(text_of(p, "operation"), ops, ARRAY_SIZE(ops)))
                return fail(err, n, "%s.operation: must be present, absent, create or delete", at);
        return 0;
}

int probe_spec_check(const cJSON *req, char *err, size_t n)
{
        static int (*const check[])(const cJSON *, const char *, char *, size_t) = { check_http, check_cmd,
                                                                                     check_prom, check_k8s };
        const char *name = text_of(req, "name"), *type = text_of(req, "type");
        char at[64];
        int k = kind_of(type), r;

        if (!probe_spec_name_valid(name))
                return fail(err, n, "request.name: required, [A-Za-z0-9._-], less than %u bytes",
                            BACKEND_MAX_NAME);
        if (k < 0)
                return fail(err, n, "request.type: must be httpProbe, cmdProbe, promProbe or k8sProbe");
        for (size_t i = 0; i < ARRAY_SIZE(kinds); i++)
                if ((int)i != k && cJSON_GetObjectItemCaseSensitive(req, kinds[i].member) &&
                    !cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(req, kinds[i].member)))
                        return fail(err, n, "request.%s: not allowed for a %s", kinds[i].member, type);
        snprintf(at, sizeof(at), "request.%s", kinds[k].member);
        if (!cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(req, kinds[k].member)))
                return fail(err, n, "%s: required for a %s", at, type);
        if ((r = check_run_props(cJSON_GetObjectItemCaseSensitive(req, kinds[k].member), at, err, n)) < 0)
                return r;
        return check[k](cJSON_GetObjectItemCaseSensitive(req, kinds[k].member), at, err, n);
}

/* Copies the members named in keys that are present and not null. */
static void copy_keys(cJSON *to, const cJSON *from, const char *const *keys, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                const cJSON *v = cJSON_GetObjectItemCaseSensitive(from, keys[i]);
                if (v && !cJSON_IsNull(v))
                        cJSON_AddItemToObject(to, keys[i], cJSON_Duplicate(v, true));
        }
}

int probe_spec_agent_json(const cJSON *probe, const char *mode, cJSON **ret)
{
        static const char *const run[] = {
                "probeTimeout", "interval",          "retry",        "attempt", "probePollingInterval",
                "initialDelay", "evaluationTimeout", "stopOnFailure"
        };
        static const char *const in[] = { "url",    "insecureSkipVerify", "method", "command",  "comparator",
                                          "source", "endpoint",           "query",  "queryPath" };
        const char *type = text_of(probe, "type");
        int k = kind_of(type);
        const cJSON *props;
        cJSON *out;

        if (k < 0 || !kinds[k].inputs)
                return RIFT_E_INVALID;
        props = cJSON_GetObjectItemCaseSensitive(probe, kinds[k].member);
        out = cJSON_CreateObject();
        if (!out)
                return -ENOMEM;
        cJSON_AddStringToObject(out, "name", text_of(probe, "name"));
        cJSON_AddStringToObject(out, "type", type);
        cJSON_AddStringToObject(out, "mode", mode);
        copy_keys(cJSON_AddObjectToObject(out, "runProperties"), props, run, ARRAY_SIZE(run));
        copy_keys(cJSON_AddObjectToObject(out, kinds[k].inputs), props, in, ARRAY_SIZE(in));
        *ret = out;
        return 0;
}

/* ---- YAML ---- */
struct out {
        char *p;  /* bytes written */
        size_t n; /* count */
        size_t cap;
};

static int out_write(void *data, unsigned char *buf, size_t size)
{
        struct out *o = data;

        if (o->n + size + 1 > o->cap) {
                size_t cap = (o->n + size + 1) * 2;
                char *p = cap <= 4 * BACKEND_MAX_MANIFEST ? realloc(o->p, cap) : NULL;
                if (!p)
                        return 0;
                o->p = p;
                o->cap = cap;
        }
        memcpy(o->p + o->n, buf, size);
        o->n += size;
        o->p[o->n] = '\0';
        return 1;
}

/* A string that YAML would read as something else (number, bool, null) is quoted. */
static bool needs_quotes(const char *s)
{
        static const char *const words[] = {
                "true", "false", "yes", "no", "on", "off", "null", "~", "y", "n"
        };
        double d;

        if (!s[0] || rift_parse_double(s, &d) == 0 || strpbrk(s, ":#{}[],&*!|>'\"%@`\n") ||
            strchr(" -?", s[0]) || s[strlen(s) - 1] == ' ')
                return true;
        for (size_t i = 0; i < ARRAY_SIZE(words); i++)
                if (!strcasecmp(s, words[i]))
                        return true;
        return false;
}

static int emit_scalar(yaml_emitter_t *e, const char *s, bool quote)
{
        yaml_event_t ev;

        if (!yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s, (int)strlen(s), 1, 1,
                                          quote ? YAML_DOUBLE_QUOTED_SCALAR_STYLE : YAML_PLAIN_SCALAR_STYLE))
                return -ENOMEM;
        return yaml_emitter_emit(e, &ev) ? 0 : -EIO;
}

static int emit_node(yaml_emitter_t *e, const cJSON *j)
{
        yaml_event_t ev;
        const cJSON *c;
        char num[64];
        int r;

        if (cJSON_IsObject(j) || cJSON_IsArray(j)) {
                bool obj = cJSON_IsObject(j);
                if (!(obj ? yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE)
                          : yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
                                                                 YAML_BLOCK_SEQUENCE_STYLE)) ||
                    !yaml_emitter_emit(e, &ev))
                        return -EIO;
                cJSON_ArrayForEach(c, j)
                {
                        if ((obj && (r = emit_scalar(e, c->string, needs_quotes(c->string))) < 0) ||
                            (r = emit_node(e, c)) < 0)
                                return r;
                }
                if (!(obj ? yaml_mapping_end_event_initialize(&ev)
                          : yaml_sequence_end_event_initialize(&ev)) ||
                    !yaml_emitter_emit(e, &ev))
                        return -EIO;
                return 0;
        }
        if (cJSON_IsString(j))
                return emit_scalar(e, j->valuestring, needs_quotes(j->valuestring));
        if (cJSON_IsNumber(j))
                snprintf(num, sizeof(num), "%.17g", j->valuedouble);
        else
                snprintf(num, sizeof(num), "%s",
                         cJSON_IsTrue(j)    ? "true"
                         : cJSON_IsFalse(j) ? "false"
                                            : "null");
        return emit_scalar(e, num, false);
}

int probe_spec_yaml(const cJSON *doc, char **ret)
{
        struct out o = { 0 };
        yaml_emitter_t e;
        yaml_event_t ev;
        int r = -EIO;

        if (!yaml_emitter_initialize(&e))
                return -ENOMEM;
        yaml_emitter_set_output(&e, out_write, &o);
        yaml_emitter_set_unicode(&e, 1);
        yaml_emitter_set_width(&e, -1);
        if (yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING) && yaml_emitter_emit(&e, &ev) &&
            yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1) && yaml_emitter_emit(&e, &ev) &&
            emit_node(&e, doc) == 0 && yaml_document_end_event_initialize(&ev, 1) &&
            yaml_emitter_emit(&e, &ev) && yaml_stream_end_event_initialize(&ev) &&
            yaml_emitter_emit(&e, &ev) && yaml_emitter_flush(&e))
                r = 0;
        yaml_emitter_delete(&e);
        if (r < 0 || !o.p) {
                free(o.p);
                return r < 0 ? r : -EIO;
        }
        *ret = o.p;
        return 0;
}
