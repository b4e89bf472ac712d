/* Rift's own experiment manifest (JSON), validated against the hub before it is stored:
 *
 *   {"groups": [{"steps": [{"name": "lat", "fault": "linux-network-latency", "duration": "30s",
 *                           "weight": 10, "tunables": {"NETWORK_LATENCY": "200"}, "probes": ["up"]}]}],
 *    "probes": [{"name": "up", "type": "httpProbe", "mode": "Continuous", ...}]}
 *
 * Groups run one after another; the steps of a group run in parallel. Errors name the field:
 * "groups[0].steps[1].tunables.JITTER: \"x\" is not a duration". */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/str.h"
#include "services/backend/backend.h"

#define DEFAULT_WEIGHT      10
#define DEFAULT_DURATION_MS 30000
#define MAX_DURATION_MS     (24LL * 3600 * 1000)
#define MAX_PROBES          32

static int fail(char *err, size_t n, const char *fmt, ...) _printf_(3, 4);
static int fail(char *err, size_t n, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(err, n, fmt, ap);
        va_end(ap);
        return RIFT_E_INVALID;
}

static bool name_ok(const cJSON *v)
{
        if (!cJSON_IsString(v) || !v->valuestring[0] || strlen(v->valuestring) > BACKEND_MAX_NAME)
                return false;
        for (const char *p = v->valuestring; *p; p++)
                if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.", *p))
                        return false;
        return true;
}

static int check_probes(const cJSON *probes, char *err, size_t n)
{
        const cJSON *p;
        int i = 0;

        if (probes && !cJSON_IsArray(probes))
                return fail(err, n, "probes: must be a list");
        if (cJSON_GetArraySize(probes) > MAX_PROBES)
                return fail(err, n, "probes: more than %d", MAX_PROBES);
        cJSON_ArrayForEach(p, probes)
        {
                const cJSON *type = cJSON_GetObjectItemCaseSensitive(p, "type");
                if (!name_ok(cJSON_GetObjectItemCaseSensitive(p, "name")))
                        return fail(err, n, "probes[%d].name: required, [A-Za-z0-9._-], at most %u bytes", i,
                                    BACKEND_MAX_NAME);
                if (!cJSON_IsString(type) ||
                    (strcmp(type->valuestring, "httpProbe") && strcmp(type->valuestring, "cmdProbe") &&
                     strcmp(type->valuestring, "promProbe")))
                        return fail(err, n, "probes[%d].type: must be httpProbe, cmdProbe or promProbe", i);
                i++;
        }
        return 0;
}

static bool probe_defined(const cJSON *probes, const char *name)
{
        const cJSON *p;

        cJSON_ArrayForEach(p, probes)
        {
                const cJSON *nm = cJSON_GetObjectItemCaseSensitive(p, "name");
                if (cJSON_IsString(nm) && !strcmp(nm->valuestring, name))
                        return true;
        }
        return false;
}

/* Saved probes (res_probe.c) a manifest's steps name: each step reference is a name defined in the
 * manifest's probes, or a saved probe of the project, written as "name" (mode Continuous) or
 * {"name": ..., "mode": ...}. Saved ones are listed once in the spec's "savedProbes" [{name, mode}] and
 * copied into the task when a run is queued (probe_snapshot). */
struct saved_refs {
        const struct manifest_probe_lookup *lk; /* NULL: inline probes only */
        cJSON *list;                            /* savedProbes being built */
};

static bool mode_ok(const cJSON *md)
{
        static const char *const modes[] = { "SOT", "EOT", "Edge", "Continuous", "OnChaos" };

        for (size_t i = 0; cJSON_IsString(md) && i < sizeof(modes) / sizeof(modes[0]); i++)
                if (!strcmp(modes[i], md->valuestring))
                        return true;
        return false;
}

static int check_probe_ref(cJSON *refs, cJSON *ref, const cJSON *probes, struct saved_refs *saved,
                           const char *at, char *err, size_t n)
{
        const cJSON *nm = cJSON_IsObject(ref) ? cJSON_GetObjectItemCaseSensitive(ref, "name") : ref;
        const cJSON *md = cJSON_IsObject(ref) ? cJSON_GetObjectItemCaseSensitive(ref, "mode") : NULL, *e;
        const char *mode = cJSON_IsString(md) ? md->valuestring : "Continuous";
        char why[256] = "";
        int r;

        if (!cJSON_IsString(nm))
                return fail(err, n, "%s.probes: each item is a probe name or {name, mode}", at);
        if (md && !mode_ok(md))
                return fail(err, n,
                            "%s.probes: probe \"%.64s\": mode must be SOT, EOT, Edge, Continuous or OnChaos",
                            at, nm->valuestring);
        if (!md && probe_defined(probes, nm->valuestring))
                return 0;
        if (probe_defined(probes, nm->valuestring))
                return fail(err, n, "%s.probes: probe \"%.64s\" is defined in probes: its mode is set there",
                            at, nm->valuestring);
        r = saved->lk ? saved->lk->find(saved->lk->ud, nm->valuestring, why, sizeof(why)) : RIFT_E_NOTFOUND;
        if (r == RIFT_E_NOTFOUND)
                return fail(err, n, "%s.probes: probe \"%.64s\" is not defined in probes%s", at,
                            nm->valuestring, saved->lk ? " nor saved in the project" : "");
        if (r < 0)
                return r == RIFT_E_INVALID ? fail(err, n, "%s.probes: %s", at, why) : r;
        cJSON_ArrayForEach(
            e, saved->list) if (!strcmp(cJSON_GetObjectItem(e, "name")->valuestring, nm->valuestring))
        {
                if (strcmp(cJSON_GetObjectItem(e, "mode")->valuestring, mode))
                        return fail(err, n, "%s.probes: saved probe \"%.64s\" is used with two modes", at,
                                    nm->valuestring);
                break;
        }
        if (!e) {
                e = cJSON_CreateObject();
                cJSON_AddStringToObject((cJSON *)e, "name", nm->valuestring);
                cJSON_AddStringToObject((cJSON *)e, "mode", mode);
                cJSON_AddItemToArray(saved->list, (cJSON *)e);
        }
        if (cJSON_IsObject(ref)) { /* the agent's step carries names only */
                cJSON *name = cJSON_CreateString(nm->valuestring);
                if (!name)
                        return -ENOMEM;
                cJSON_ReplaceItemViaPointer(refs, ref, name);
        }
        return 0;
}

/* Checks every tunable against the hub and stores it as a string (numbers and booleans written
 * as YAML and JSON allow), which is how Harness passes tunables to the agent. */
static int check_tunables(const struct hub_fault *f, cJSON *tuns, const char *at, char *err, size_t n)
{
        cJSON *t, *next;
        char why[256];

        if (tuns && !cJSON_IsObject(tuns))
                return fail(err, n, "%s.tunables: must be an object of strings", at);
        for (t = tuns ? tuns->child : NULL; t; t = next) {
                char num[64];
                next = t->next;
                if (cJSON_IsNumber(t))
                        snprintf(num, sizeof(num), "%.17g", t->valuedouble);
                else if (cJSON_IsBool(t))
                        snprintf(num, sizeof(num), "%s", cJSON_IsTrue(t) ? "true" : "false");
                else if (!cJSON_IsString(t))
                        return fail(err, n, "%s.tunables.%s: must be a string", at, t->string);
                if (!cJSON_IsString(t)) {
                        cJSON *str = cJSON_CreateString(num);
                        /* the key moves over by hand: ReplaceItemViaPointer keeps no name (cJSON's
                         * default allocator, malloc, is what frees it) */
                        if (str && !(str->string = strdup(t->string))) {
                                cJSON_Delete(str);
                                str = NULL;
                        }
                        if (!str || !cJSON_ReplaceItemViaPointer(tuns, t, str)) {
                                cJSON_Delete(str);
                                return -ENOMEM;
                        }
                        t = str;
                }
                if (hub_check_tunable(f, t->string, t->valuestring, why, sizeof(why)) < 0)
                        return fail(err, n, "%s.tunables.%s", at, why);
        }
        return 0;
}

/* Why fault (not in the built-in hub) cannot be used: a Litmus name Rift knows under another name,
 * a directory hub's fault Rift cannot run, or a Kubernetes fault (manifest_litmus.c). */
static int unknown_fault(const char *fault, const char *at, char *err, size_t n)
{
        const struct hub_dir_fault *df = hub_dir_find_fault(fault);
        bool kube;
        const char *rift = manifest_litmus_fault(fault, &kube);

        if (rift)
                return fail(err, n, "%s.fault: unknown fault \"%.64s\" (Rift's name is %s)", at, fault, rift);
        if (df)
                return fail(err, n, "%s.fault: \"%.64s\" (hub %s) is not runnable on a Linux infrastructure",
                            at, fault, df->hub_id);
        if (kube)
                return fail(
                    err, n,
                    "%s.fault: \"%.64s\" is a Kubernetes fault: not available for a Linux infrastructure", at,
                    fault);
        return fail(err, n, "%s.fault: unknown fault \"%.64s\"", at, fault);
}

/* Checks one step and writes its normalised duration_ms and weight. */
static int check_step(cJSON *s, const cJSON *probes, struct saved_refs *saved, const char *at, char *err,
                      size_t n)
{
        const cJSON *fault = cJSON_GetObjectItemCaseSensitive(s, "fault");
        const cJSON *dur = cJSON_GetObjectItemCaseSensitive(s, "duration");
        const cJSON *w = cJSON_GetObjectItemCaseSensitive(s, "weight");
        cJSON *refs = cJSON_GetObjectItemCaseSensitive(s, "probes"), *ref, *next;
        const struct hub_fault *f;
        int64_t ms = DEFAULT_DURATION_MS;
        int r;

        if (!cJSON_IsObject(s) || !name_ok(cJSON_GetObjectItemCaseSensitive(s, "name")))
                return fail(err, n, "%s.name: required, [A-Za-z0-9._-], at most %u bytes", at,
                            BACKEND_MAX_NAME);
        if (!cJSON_IsString(fault))
                return fail(err, n, "%s.fault: required", at);
        f = hub_find(fault->valuestring);
        if (!f)
                return unknown_fault(fault->valuestring, at, err, n);
        if (dur && (!cJSON_IsString(dur) || rift_parse_duration_ms(dur->valuestring, &ms) < 0 || ms <= 0 ||
                    ms > MAX_DURATION_MS))
                return fail(err, n, "%s.duration: expected a duration such as \"30s\" (at most 24h)", at);
        if (w && (!cJSON_IsNumber(w) || w->valuedouble < 0 || w->valuedouble > 100 ||
                  w->valuedouble != floor(w->valuedouble)))
                return fail(err, n, "%s.weight: expected an integer in 0..100", at);
        r = check_tunables(f, cJSON_GetObjectItemCaseSensitive(s, "tunables"), at, err, n);
        if (r < 0)
                return r;
        if (refs && !cJSON_IsArray(refs))
                return fail(err, n, "%s.probes: must be a list of probe names", at);
        for (ref = refs ? refs->child : NULL; ref; ref = next) {
                next = ref->next; /* an object reference is replaced by its name */
                if ((r = check_probe_ref(refs, ref, probes, saved, at, err, n)) < 0)
                        return r;
        }
        cJSON_DeleteItemFromObjectCaseSensitive(s, "duration_ms");
        cJSON_AddNumberToObject(s, "duration_ms", (double)ms);
        if (!w)
                cJSON_AddNumberToObject(s, "weight", DEFAULT_WEIGHT);
        return 0;
}

static int check_groups(cJSON *groups, const cJSON *probes, struct saved_refs *saved, char *err, size_t n)
{
        cJSON *g, *s;
        int gi = 0, total = 0;

        if (!cJSON_IsArray(groups) || cJSON_GetArraySize(groups) == 0)
                return fail(err, n, "groups: required, a non-empty list");
        cJSON_ArrayForEach(g, groups)
        {
                cJSON *steps = cJSON_GetObjectItemCaseSensitive(g, "steps");
                int si = 0;
                if (!cJSON_IsArray(steps) || cJSON_GetArraySize(steps) == 0)
                        return fail(err, n, "groups[%d].steps: required, a non-empty list", gi);
                cJSON_ArrayForEach(s, steps)
                {
                        char at[64];
                        int r;
                        if (++total > (int)BACKEND_MAX_STEPS)
                                return fail(err, n, "groups: more than %u steps", BACKEND_MAX_STEPS);
                        snprintf(at, sizeof(at), "groups[%d].steps[%d]", gi, si++);
                        r = check_step(s, probes, saved, at, err, n);
                        if (r < 0)
                                return r;
                }
                gi++;
        }
        return 0;
}

/* JSON when the first non-blank byte opens an object or array; YAML otherwise. */
static bool looks_like_json(const char *text, size_t len)
{
        size_t i = 0;

        while (i < len && strchr(" \t\r\n", text[i]))
                i++;
        return i < len && (text[i] == '{' || text[i] == '[');
}

int manifest_parse(const char *text, size_t len, cJSON **ret, char *err, size_t errlen)
{
        return manifest_parse_saved(text, len, NULL, ret, err, errlen);
}

int manifest_parse_saved(const char *text, size_t len, const struct manifest_probe_lookup *lk, cJSON **ret,
                         char *err, size_t errlen)
{
        struct saved_refs saved = { lk, NULL };
        cJSON *doc;
        int r;

        if (len > BACKEND_MAX_MANIFEST)
                return fail(err, errlen, "manifest: larger than %u bytes", BACKEND_MAX_MANIFEST);
        if (looks_like_json(text, len)) {
                doc = cJSON_ParseWithLength(text, len);
        } else {
                doc = NULL;
                r = backend_yaml_to_json(text, len, &doc, err, errlen);
                if (r < 0)
                        return r == -ENOMEM ? r : RIFT_E_INVALID;
        }
        if (!cJSON_IsObject(doc)) {
                cJSON_Delete(doc);
                return fail(err, errlen, "manifest: not a JSON or YAML object (Rift's experiment format)");
        }
        if ((r = manifest_litmus_detect(&doc, err, errlen)) < 0) /* ChaosEngine, Argo: converted */
                return r;
        cJSON_DeleteItemFromObjectCaseSensitive(doc, "savedProbes");
        saved.list = cJSON_AddArrayToObject(doc, "savedProbes");
        r = saved.list ? check_probes(cJSON_GetObjectItemCaseSensitive(doc, "probes"), err, errlen) : -ENOMEM;
        if (r == 0)
                r = check_groups(cJSON_GetObjectItemCaseSensitive(doc, "groups"),
                                 cJSON_GetObjectItemCaseSensitive(doc, "probes"), &saved, err, errlen);
        if (r < 0) {
                cJSON_Delete(doc);
                return r;
        }
        *ret = doc;
        return 0;
}

double manifest_score(const cJSON *faults)
{
        const cJSON *f;
        double num = 0, den = 0;

        cJSON_ArrayForEach(f, faults)
        {
                const cJSON *w = cJSON_GetObjectItemCaseSensitive(f, "weight");
                const cJSON *p = cJSON_GetObjectItemCaseSensitive(f, "probeSuccessPercentage");
                double weight = cJSON_IsNumber(w) ? w->valuedouble : DEFAULT_WEIGHT;
                num += weight * (cJSON_IsNumber(p) ? p->valuedouble : 0);
                den += weight;
        }
        return den > 0 ? num / den : 0;
}
