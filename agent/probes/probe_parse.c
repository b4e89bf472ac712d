/* Probe definitions from JSON with Litmus's field names; every error names the field. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/probes/probe_ops.h"
#include "lib/error.h"
#include "lib/limits_rift.h"
#include "lib/macro.h"
#include "lib/str.h"

static const struct probe_ops *const ops_table[] = {
        [PROBE_TYPE_HTTP] = &probe_http_ops,
        [PROBE_TYPE_CMD] = &probe_cmd_ops,
        [PROBE_TYPE_PROM] = &probe_prom_ops,
};

static const char *const mode_names[] = {
        [PROBE_MODE_SOT] = "SOT",         [PROBE_MODE_EOT] = "EOT",
        [PROBE_MODE_EDGE] = "Edge",       [PROBE_MODE_CONTINUOUS] = "Continuous",
        [PROBE_MODE_ONCHAOS] = "OnChaos",
};

/* runProperties keys a spec may use (others are rejected as typos). */
static const char *const run_keys[] = {
        "probeTimeout",
        "interval",
        "attempt",
        "retry",
        "probePollingInterval",
        "initialDelay",
        "initialDelaySeconds",
        "stopOnFailure",
        "evaluationTimeout",
        "verbosity",
};

const struct probe_ops *probe_ops_of(enum probe_type t)
{
        return (size_t)t < ARRAY_SIZE(ops_table) ? ops_table[t] : NULL;
}

const char *probe_type_to_string(enum probe_type t)
{
        const struct probe_ops *o = probe_ops_of(t);
        return o ? o->type_name : "?";
}

const char *probe_mode_to_string(enum probe_mode m)
{
        return (size_t)m < ARRAY_SIZE(mode_names) ? mode_names[m] : "?";
}

int probe_fail(char *err, size_t errsz, const char *fmt, ...)
{
        if (err && errsz) {
                va_list ap;
                va_start(ap, fmt);
                vsnprintf(err, errsz, fmt, ap);
                va_end(ap);
        }
        return RIFT_E_INVALID;
}

int probe_json_text(const cJSON *obj, const char *key, bool required, const char *where, char *err,
                    size_t errsz, char **ret)
{
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
        char num[64];
        const char *s;

        if (!v || cJSON_IsNull(v)) {
                if (required)
                        return probe_fail(err, errsz, "%s.%s: missing", where, key);
                *ret = NULL;
                return 0;
        }
        if (cJSON_IsString(v))
                s = v->valuestring;
        else if (cJSON_IsNumber(v) && v->valuedouble == floor(v->valuedouble) &&
                 fabs(v->valuedouble) < 1e15) {
                snprintf(num, sizeof num, "%.0f", v->valuedouble);
                s = num;
        } else
                return probe_fail(err, errsz, "%s.%s: must be a string", where, key);
        size_t n = strlen(s);
        if (n > RIFT_PROBE_MAX_TEXT)
                return probe_fail(err, errsz, "%s.%s: longer than %u bytes", where, key, RIFT_PROBE_MAX_TEXT);
        if (required && n == 0)
                return probe_fail(err, errsz, "%s.%s: must not be empty", where, key);
        char *c = strdup(s);
        if (!c)
                return -ENOMEM;
        *ret = c;
        return 0;
}

int probe_json_bool(const cJSON *obj, const char *key, const char *where, char *err, size_t errsz, bool *ret)
{
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
        if (!v || cJSON_IsNull(v)) {
                *ret = false;
                return 0;
        }
        if (cJSON_IsBool(v)) {
                *ret = cJSON_IsTrue(v);
                return 0;
        }
        if (cJSON_IsString(v) && rift_parse_bool(v->valuestring, ret) == 0)
                return 0;
        return probe_fail(err, errsz, "%s.%s: must be true or false", where, key);
}

int probe_json_comparator(const cJSON *obj, const char *key, bool force_float, const char *where, char *err,
                          size_t errsz, struct probe_comparator *ret)
{
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(obj, key);
        _cleanup_free_ char *type = NULL, *criteria = NULL;
        struct probe_comparator cmp = { .type = PROBE_CMP_FLOAT };
        char w[512];
        int r;

        if (!cJSON_IsObject(c))
                return probe_fail(err, errsz, "%s.%s: missing or not an object", where, key);
        snprintf(w, sizeof w, "%s.%s", where, key);
        if ((r = probe_json_text(c, "type", !force_float, w, err, errsz, &type)) < 0 ||
            (r = probe_json_text(c, "criteria", true, w, err, errsz, &criteria)) < 0)
                return r;
        if (type && probe_cmp_type_from_string(type, &cmp.type) < 0)
                return probe_fail(err, errsz, "%s.type: \"%.32s\" is not int, float or string", w, type);
        if (force_float && cmp.type == PROBE_CMP_STRING)
                return probe_fail(err, errsz, "%s.type: must be numeric", w);
        if (probe_op_from_string(cmp.type, criteria, &cmp.op) < 0)
                return probe_fail(err, errsz, "%s.criteria: \"%.32s\" is not a valid %s criteria", w,
                                  criteria, cmp.type == PROBE_CMP_STRING ? "string" : "numeric");
        if ((r = probe_json_text(c, "value", true, w, err, errsz, &cmp.value)) < 0)
                return r;
        /* reject an expected value that can never be compared, now rather than at run time */
        if (probe_compare(&cmp, cmp.type == PROBE_CMP_STRING ? "" : "0", NULL, 0) == RIFT_E_INVALID) {
                free(cmp.value);
                return probe_fail(err, errsz, "%s.value: not valid for criteria %s", w, criteria);
        }
        *ret = cmp;
        return 0;
}

int probe_read_file(const char *path, size_t max, char **ret)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        struct stat st;
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode)) /* a FIFO or device could block or never end */
                return RIFT_E_INVALID;
        _cleanup_free_ char *buf = malloc(max + 1);
        if (!buf)
                return -ENOMEM;
        size_t n = 0;
        for (;;) {
                ssize_t k = read(fd, buf + n, max + 1 - n);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return -errno;
                if (k == 0)
                        break;
                n += (size_t)k;
                if (n > max)
                        return RIFT_E_TOOBIG;
        }
        buf[n] = '\0';
        *ret = TAKE_PTR(buf);
        return 0;
}

/* A duration given as a Go duration string, or as a number of seconds (older manifests). */
static int json_duration(const cJSON *obj, const char *key, const char *where, char *err, size_t errsz,
                         int64_t scale_ms, int64_t *ret)
{
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
        if (cJSON_IsNumber(v)) {
                if (!(v->valuedouble >= 0) || v->valuedouble * scale_ms > (double)RIFT_PROBE_MAX_DURATION_MS)
                        return probe_fail(err, errsz, "%s.%s: out of range", where, key);
                *ret = probe_round_ms(v->valuedouble * (double)scale_ms);
                return 0;
        }
        if (cJSON_IsString(v) && probe_parse_go_duration(v->valuestring, ret) == 0)
                return 0;
        if (cJSON_IsString(v) && scale_ms == 1000 &&
            rift_parse_int64(v->valuestring, 0, RIFT_PROBE_MAX_DURATION_MS / 1000, ret) == 0) {
                *ret *= 1000;
                return 0;
        }
        return probe_fail(err, errsz, "%s.%s: not a duration (e.g. \"5s\", \"500ms\")", where, key);
}

static int json_tries(const cJSON *obj, const char *key, const char *where, char *err, size_t errsz,
                      unsigned *ret)
{
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
        int64_t n = 0;
        if (!v)
                return 0;
        if (cJSON_IsNumber(v) && v->valuedouble == floor(v->valuedouble) && fabs(v->valuedouble) <= INT32_MAX)
                n = (int64_t)v->valuedouble;
        else if (!cJSON_IsString(v) || rift_parse_int64(v->valuestring, 0, INT32_MAX, &n) < 0)
                return probe_fail(err, errsz, "%s.%s: must be an integer", where, key);
        if (n < 0 || n > RIFT_PROBE_MAX_TRIES)
                return probe_fail(err, errsz, "%s.%s: must be 0..%u", where, key, RIFT_PROBE_MAX_TRIES);
        *ret = (unsigned)n;
        return 0;
}

static int check_run_keys(const cJSON *rp, const char *where, char *err, size_t errsz)
{
        const cJSON *k;
        cJSON_ArrayForEach(k, rp)
        {
                bool known = false;
                for (size_t i = 0; i < ARRAY_SIZE(run_keys) && !known; i++)
                        known = rift_streq(k->string, run_keys[i]);
                if (!known)
                        return probe_fail(err, errsz, "%s.%.64s: unknown run property", where, k->string);
        }
        return 0;
}

static int parse_run(struct probe_run_props *rp, const cJSON *o, const char *where, char *err, size_t errsz)
{
        char w[512];
        unsigned attempt = 0, retry = 0;
        int r;

        snprintf(w, sizeof w, "%s.runProperties", where);
        if (!cJSON_IsObject(o))
                return probe_fail(err, errsz, "%s: missing or not an object", w);
        if ((r = check_run_keys(o, w, err, errsz)) < 0)
                return r;
        if (!cJSON_GetObjectItemCaseSensitive(o, "probeTimeout"))
                return probe_fail(err, errsz, "%s.probeTimeout: missing", w);
        if (!cJSON_GetObjectItemCaseSensitive(o, "interval"))
                return probe_fail(err, errsz, "%s.interval: missing", w);
        *rp = (struct probe_run_props){ .polling_ms = 1000 };
        if ((r = json_duration(o, "probeTimeout", w, err, errsz, 1000, &rp->timeout_ms)) < 0 ||
            (r = json_duration(o, "interval", w, err, errsz, 1000, &rp->interval_ms)) < 0)
                return r;
        if (rp->timeout_ms <= 0)
                return probe_fail(err, errsz, "%s.probeTimeout: must be greater than 0", w);
        static const struct {
                const char *key; /* optional duration */
                size_t off;      /* field in probe_run_props */
        } opt[] = {
                { "probePollingInterval", offsetof(struct probe_run_props, polling_ms) },
                { "initialDelay", offsetof(struct probe_run_props, initial_delay_ms) },
                { "initialDelaySeconds", offsetof(struct probe_run_props, initial_delay_ms) },
                { "evaluationTimeout", offsetof(struct probe_run_props, eval_timeout_ms) },
        };
        for (size_t i = 0; i < ARRAY_SIZE(opt); i++)
                if (cJSON_GetObjectItemCaseSensitive(o, opt[i].key) &&
                    (r = json_duration(o, opt[i].key, w, err, errsz, 1000,
                                       (int64_t *)((char *)rp + opt[i].off))) < 0)
                        return r;
        if ((r = json_tries(o, "attempt", w, err, errsz, &attempt)) < 0 ||
            (r = json_tries(o, "retry", w, err, errsz, &retry)) < 0 ||
            (r = probe_json_bool(o, "stopOnFailure", w, err, errsz, &rp->stop_on_failure)) < 0)
                return r;
        rp->tries = attempt ? attempt : retry ? retry : 1;
        return 0;
}

static int lookup_type(const char *s, enum probe_type *ret)
{
        for (size_t i = 0; i < ARRAY_SIZE(ops_table); i++)
                if (rift_streq(s, ops_table[i]->type_name)) {
                        *ret = (enum probe_type)i;
                        return 0;
                }
        return RIFT_E_INVALID;
}

static int lookup_mode(const char *s, enum probe_mode *ret)
{
        for (size_t i = 0; i < ARRAY_SIZE(mode_names); i++)
                if (rift_streq(s, mode_names[i])) {
                        *ret = (enum probe_mode)i;
                        return 0;
                }
        return RIFT_E_INVALID;
}

void probe_def_done(struct probe_def *def)
{
        if (!def)
                return;
        if (def->name && probe_ops_of(def->type))
                probe_ops_of(def->type)->done(def);
        free(def->name);
        def->name = NULL;
}

static int parse_one(struct probe_def *def, const cJSON *o, size_t idx, char *err, size_t errsz)
{
        _cleanup_free_ char *type = NULL, *mode = NULL;
        char w[192];
        int r;

        snprintf(w, sizeof w, "probe[%zu]", idx);
        if (!cJSON_IsObject(o))
                return probe_fail(err, errsz, "%s: must be an object", w);
        if ((r = probe_json_text(o, "name", true, w, err, errsz, &def->name)) < 0)
                return r;
        if (strlen(def->name) >= RIFT_PROBE_MAX_NAME)
                return probe_fail(err, errsz, "%s.name: longer than %u bytes", w, RIFT_PROBE_MAX_NAME - 1);
        snprintf(w, sizeof w, "probe[%zu] \"%.64s\"", idx, def->name);
        if ((r = probe_json_text(o, "type", true, w, err, errsz, &type)) < 0 ||
            (r = probe_json_text(o, "mode", true, w, err, errsz, &mode)) < 0)
                return r;
        if (lookup_type(type, &def->type) < 0)
                return probe_fail(err, errsz, "%s.type: \"%.32s\" is not httpProbe, cmdProbe or promProbe", w,
                                  type);
        if (lookup_mode(mode, &def->mode) < 0)
                return probe_fail(err, errsz,
                                  "%s.mode: \"%.32s\" is not SOT, EOT, Edge, Continuous or OnChaos", w, mode);
        if ((r = parse_run(&def->run, cJSON_GetObjectItemCaseSensitive(o, "runProperties"), w, err, errsz)) <
            0)
                return r;
        const struct probe_ops *ops = probe_ops_of(def->type);
        const cJSON *in = cJSON_GetObjectItemCaseSensitive(o, ops->inputs_key);
        snprintf(w + strlen(w), sizeof w - strlen(w), ".%s", ops->inputs_key);
        if (!cJSON_IsObject(in))
                return probe_fail(err, errsz, "%s: missing or not an object", w);
        return ops->parse(def, in, w, err, errsz);
}

static const cJSON *probe_list(const cJSON *root)
{
        if (cJSON_IsArray(root))
                return root;
        const cJSON *l = cJSON_GetObjectItemCaseSensitive(root, "probe");
        return l ? l : cJSON_GetObjectItemCaseSensitive(root, "probes");
}

static int parse_all(const cJSON *list, struct probe_def *defs, size_t n, char *err, size_t errsz)
{
        for (size_t i = 0; i < n; i++) {
                int r = parse_one(&defs[i], cJSON_GetArrayItem(list, (int)i), i, err, errsz);
                if (r < 0)
                        return r;
                for (size_t j = 0; j < i; j++)
                        if (strcmp(defs[j].name, defs[i].name) == 0)
                                return probe_fail(err, errsz, "probe[%zu].name: \"%.64s\" is used twice", i,
                                                  defs[i].name);
        }
        return 0;
}

int probe_defs_parse(const char *json, size_t len, char *err, size_t errsz, struct probe_def **ret_defs,
                     size_t *ret_n)
{
        if (len > RIFT_PROBE_MAX_SPEC)
                return probe_fail(err, errsz, "spec: larger than %u bytes", RIFT_PROBE_MAX_SPEC),
                       RIFT_E_TOOBIG;
        cJSON *root = cJSON_ParseWithLength(json, len);
        if (!root) {
                probe_fail(err, errsz, "spec: not valid JSON");
                return RIFT_E_PARSE;
        }
        const cJSON *list = probe_list(root);
        int r = 0;
        size_t n = cJSON_IsArray(list) ? (size_t)cJSON_GetArraySize(list) : 0;
        struct probe_def *defs = NULL;
        if (!cJSON_IsArray(list))
                r = probe_fail(err, errsz, "probe: expected an array of probes");
        else if (n > RIFT_PROBE_MAX_PROBES)
                r = probe_fail(err, errsz, "probe: more than %u probes", RIFT_PROBE_MAX_PROBES);
        else if (!(defs = calloc(n ? n : 1, sizeof *defs)))
                r = -ENOMEM;
        else
                r = parse_all(list, defs, n, err, errsz);
        cJSON_Delete(root);
        if (r < 0) {
                for (size_t i = 0; defs && i < n; i++)
                        probe_def_done(&defs[i]);
                free(defs);
                return r;
        }
        *ret_defs = defs;
        *ret_n = n;
        return 0;
}
