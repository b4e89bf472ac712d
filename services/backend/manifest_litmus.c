/* Litmus manifests in Rift: a ChaosEngine (litmuschaos.io/v1alpha1) or an Argo Workflow/CronWorkflow
 * as ChaosCenter generates it, converted into Rift's experiment format (manifest.c) which then
 * validates it against the hub. Errors name the field in the original manifest's terms:
 *
 *   spec.experiments[0].spec.components.env.NETWORK_LATENCY: "x" is not a duration
 *   spec.templates[2].inputs.artifacts[0].raw.data.spec.experiments[0].name: "pod-delete" is a ...
 *
 * Mapping (docs/experiments.md): Harness's linux-* faults keep their names; Litmus's node-cpu-hog,
 * node-memory-hog and node-io-stress become linux-cpu-stress, linux-memory-stress and
 * linux-disk-io-stress with their env renamed; other Kubernetes faults are refused for a Linux
 * infrastructure and stored as given (platform "Kubernetes") for a Kubernetes one. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/str.h"
#include "services/backend/backend.h"

#define DEFAULT_WEIGHT 10
#define MAX_AT         384 /* bytes of a field path */

/* the tables below list leading members positionally and leave the rest zero */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

/* One env variable of a Litmus fault that has another name in Rift ("" suffix: value as is). */
struct env_rename {
        const char *from;   /* Litmus env name */
        const char *to;     /* Rift tunable */
        const char *suffix; /* appended to the value: "%" or a size unit */
};

/* A Litmus fault Rift runs under another name. */
struct fault_map {
        const char *litmus;               /* Litmus fault name */
        const char *rift;                 /* Rift's Linux fault */
        const struct env_rename *renames; /* NULL-from terminated */
};

static const struct env_rename r_cpu[] = {
        { "CPU_LOAD", "LOAD", "" },
        { "NODE_CPU_CORE", "WORKERS", "" },
        { NULL },
};
static const struct env_rename r_mem[] = {
        { "MEMORY_CONSUMPTION_PERCENTAGE", "MEMORY", "%" },
        { "MEMORY_CONSUMPTION_MEBIBYTES", "MEMORY", "m" },
        { "NUMBER_OF_WORKERS", "WORKERS", "" },
        { NULL },
};
static const struct env_rename r_io[] = {
        { "FILESYSTEM_UTILIZATION_PERCENTAGE", "FILE_SYSTEM_UTILISATION", "%" },
        { "FILESYSTEM_UTILIZATION_BYTES", "FILE_SYSTEM_UTILISATION", "g" },
        { "NUMBER_OF_WORKERS", "WORKERS", "" },
        { NULL },
};
static const struct env_rename r_none[] = { { NULL } };

static const struct fault_map fault_maps[] = {
        { "node-cpu-hog", "linux-cpu-stress", r_cpu },
        { "node-memory-hog", "linux-memory-stress", r_mem },
        { "node-io-stress", "linux-disk-io-stress", r_io },
};

/* Renames every fault accepts (Litmus's singular interface name). */
static const struct env_rename r_common[] = {
        { "NETWORK_INTERFACE", "NETWORK_INTERFACES", "" },
        { NULL },
};

/* Litmus env that only means something on Kubernetes (targets, helper images, runtimes): ignored
 * for a Linux infrastructure, where the agent acts on its own host. */
static const char *const ignored_env[] = {
        "LIB",
        "LIB_IMAGE",
        "LIB_IMAGE_PULL_POLICY",
        "CONTAINER_RUNTIME",
        "SOCKET_PATH",
        "TARGET_PODS",
        "TARGET_CONTAINER",
        "PODS_AFFECTED_PERC",
        "TARGET_NODES",
        "TARGET_NODE",
        "NODE_LABEL",
        "NODES_AFFECTED_PERC",
        "SEQUENCE",
        "CHAOS_INTERVAL",
        "DEFAULT_HEALTH_CHECK",
        "DEFAULT_APP_HEALTH_CHECK",
        "CHAOS_NAMESPACE",
        "APP_NAMESPACE",
        "APP_LABEL",
        "APP_KIND",
        "STRESS_IMAGE",
        "TC_IMAGE",
        "INSTANCE_ID",
        "CPU",
        "VM_WORKERS",
        NULL,
};

/* Prefixes and names of Litmus faults that need a Kubernetes (or cloud) API. */
static const char *const kube_prefixes[] = {
        "pod-", "container-", "node-",    "kubelet-",   "docker-", "aws-",
        "ec2-", "ebs-",       "gcp-",     "azure-",     "vmware-", "spring-boot-",
        "k6-",  "locust-",    "redfish-", "cassandra-", "kafka-",  NULL,
};
static const char *const kube_names[] = { "disk-fill", "time-chaos", "http-chaos", NULL };

/* Argo steps ChaosCenter adds around the faults; Rift has nothing to install or clean up. */
static const char *const ignored_steps[] = {
        "install-chaos-faults", "install-chaos-experiments", "cleanup-chaos-resources", "revert-chaos", NULL,
};

/* snprintf for field paths and short values: a path longer than its buffer is cut, which only
 * shortens an error message. */
static void pfmt(char *out, size_t n, const char *fmt, ...) _printf_(3, 4);
static void pfmt(char *out, size_t n, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(out, n, fmt, ap);
        va_end(ap);
}

static int fail(char *err, size_t n, const char *fmt, ...) _printf_(3, 4);
static int fail(char *err, size_t n, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(err, n, fmt, ap);
        va_end(ap);
        return RIFT_E_INVALID;
}

static bool in_list(const char *const *list, const char *s)
{
        for (; *list; list++)
                if (!strcmp(*list, s))
                        return true;
        return false;
}

const char *manifest_litmus_fault(const char *name, bool *ret_kube)
{
        *ret_kube = false;
        if (hub_find(name))
                return name;
        for (size_t i = 0; i < ARRAY_SIZE(fault_maps); i++)
                if (!strcmp(fault_maps[i].litmus, name))
                        return fault_maps[i].rift;
        for (const char *const *p = kube_prefixes; *p; p++)
                if (rift_startswith(name, *p))
                        *ret_kube = true;
        if (in_list(kube_names, name))
                *ret_kube = true;
        return NULL;
}

static const struct env_rename *renames_of(const char *litmus)
{
        for (size_t i = 0; i < ARRAY_SIZE(fault_maps); i++)
                if (!strcmp(fault_maps[i].litmus, litmus))
                        return fault_maps[i].renames;
        return r_none;
}

static const char *kind_of(const cJSON *doc)
{
        const cJSON *k = cJSON_GetObjectItemCaseSensitive(doc, "kind");

        return cJSON_IsString(k) ? k->valuestring : NULL;
}

bool manifest_litmus_is(const cJSON *doc)
{
        const char *k = kind_of(doc);

        return k && (!strcmp(k, "ChaosEngine") || !strcmp(k, "Workflow") || !strcmp(k, "CronWorkflow"));
}

/* A scalar (string, number, bool) as a string in buf; NULL for anything else. */
static const char *scalar(const cJSON *v, char *buf, size_t n)
{
        if (cJSON_IsString(v))
                return v->valuestring;
        if (cJSON_IsNumber(v)) {
                pfmt(buf, n, "%.17g", v->valuedouble);
                return buf;
        }
        if (cJSON_IsBool(v)) {
                pfmt(buf, n, "%s", cJSON_IsTrue(v) ? "true" : "false");
                return buf;
        }
        return NULL;
}

static const cJSON *path2(const cJSON *o, const char *a, const char *b)
{
        return cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(o, a), b);
}

/* What the conversion builds. */
struct conv {
        cJSON *groups; /* Rift groups */
        cJSON *probes; /* inline probes (Litmus's probe[] entries) */
        int n_steps;   /* steps made so far (at most BACKEND_MAX_STEPS) */
        char *err;     /* message buffer */
        size_t errlen; /* its size */
};

/* Adds one inline probe, once per name (the same name twice must be the same probe). */
static int add_probe(struct conv *c, const cJSON *p, const char *at)
{
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(p, "name"),
                    *type = cJSON_GetObjectItemCaseSensitive(p, "type"), *e;

        if (!cJSON_IsObject(p) || !cJSON_IsString(name) || !name->valuestring[0])
                return fail(c->err, c->errlen, "%s.name: required", at);
        if (cJSON_IsString(type) &&
            (!strcmp(type->valuestring, "k8sProbe") || !strcmp(type->valuestring, "sloProbe")))
                return fail(c->err, c->errlen, "%s.type: %s is not available for a Linux infrastructure", at,
                            type->valuestring);
        cJSON_ArrayForEach(e, c->probes)
        {
                if (!strcmp(cJSON_GetObjectItemCaseSensitive(e, "name")->valuestring, name->valuestring)) {
                        if (!cJSON_Compare(e, p, true))
                                return fail(c->err, c->errlen,
                                            "%s.name: probe \"%.64s\" is defined twice, differently", at,
                                            name->valuestring);
                        return 0;
                }
        }
        cJSON_AddItemToArray(c->probes, cJSON_Duplicate(p, true));
        return 0;
}

static bool has_tunable(const struct hub_fault *f, const char *name)
{
        for (const struct hub_tunable *t = f->tuns; t->name; t++)
                if (!strcmp(t->name, name))
                        return true;
        return false;
}

/* TOTAL_CHAOS_DURATION (seconds, or a duration such as "90s") into the step's duration. */
static int set_duration(struct conv *c, cJSON *step, const char *v, const char *at)
{
        int64_t ms;
        char buf[32];

        if (rift_parse_int64(v, 1, 86400, &ms) == 0)
                ms *= 1000;
        else if (rift_parse_duration_ms(v, &ms) < 0 || ms <= 0)
                return fail(c->err, c->errlen,
                            "%s.TOTAL_CHAOS_DURATION: \"%.32s\" is not a number of seconds", at, v);
        pfmt(buf, sizeof(buf), "%lldms", (long long)ms);
        cJSON_AddStringToObject(step, "duration", buf);
        return 0;
}

/* One env entry of a Linux fault into the step's tunables (checked against the hub). */
static int linux_env(struct conv *c, cJSON *step, const struct hub_fault *f, const char *litmus,
                     const char *name, const char *v, const char *at)
{
        const struct env_rename *rn = renames_of(litmus);
        cJSON *tuns = cJSON_GetObjectItemCaseSensitive(step, "tunables");
        char value[4200], why[256];
        int64_t ramp;

        if (!strcmp(name, "TOTAL_CHAOS_DURATION"))
                return set_duration(c, step, v, at);
        if (!strcmp(name, "RAMP_TIME")) {
                if (v[0] && (rift_parse_int64(v, 0, 0, &ramp) < 0))
                        return fail(
                            c->err, c->errlen,
                            "%s.RAMP_TIME: \"%.32s\": rift-agent has no ramp time (use 0 or leave it out)",
                            at, v);
                return 0;
        }
        if (in_list(ignored_env, name) && !has_tunable(f, name))
                return 0;
        for (; rn->from; rn++)
                if (!strcmp(rn->from, name))
                        break;
        if (!rn->from)
                for (rn = r_common; rn->from && strcmp(rn->from, name); rn++)
                        ;
        if (!rn->from) {
                if (hub_check_tunable(f, name, v, why, sizeof(why)) < 0)
                        return fail(c->err, c->errlen, "%s.%s", at, why);
        } else {
                if (!v[0] || !strcmp(v, "0"))
                        return 0; /* Litmus's "unset" for the alternative of a pair */
                pfmt(value, sizeof(value), "%s%s", v, rn->suffix);
                if (hub_check_tunable(f, rn->to, value, why, sizeof(why)) < 0) /* why: "TO: \"v\" reason" */
                        return fail(c->err, c->errlen, "%s.%s:%s (as Rift's %s)", at, name,
                                    why + strlen(rn->to) + 1, rn->to);
                name = rn->to;
                v = value;
        }
        cJSON_DeleteItemFromObjectCaseSensitive(tuns, name);
        cJSON_AddStringToObject(tuns, name, v);
        return 0;
}

/* spec.components.env of one experiment into the step. */
static int convert_env(struct conv *c, cJSON *step, const struct hub_fault *f, const char *litmus,
                       const cJSON *env, const char *at)
{
        const cJSON *e;
        char envat[MAX_AT], buf[64];
        int i = 0, r;

        pfmt(envat, sizeof(envat), "%s.spec.components.env", at);
        if (env && !cJSON_IsArray(env))
                return fail(c->err, c->errlen, "%s: must be a list of {name, value}", envat);
        cJSON_ArrayForEach(e, env)
        {
                const cJSON *name = cJSON_GetObjectItemCaseSensitive(e, "name");
                const cJSON *val = cJSON_GetObjectItemCaseSensitive(e, "value");
                const char *v = val ? scalar(val, buf, sizeof(buf)) : "";
                if (!cJSON_IsString(name) || !name->valuestring[0] || !v)
                        return fail(c->err, c->errlen, "%s[%d]: name and a scalar value required", envat, i);
                if ((r = linux_env(c, step, f, litmus, name->valuestring, v, envat)) < 0)
                        return r;
                i++;
        }
        return 0;
}

/* probeRef annotation: a JSON list of {name, mode} naming saved probes of the project; they become
 * {name, mode} references in the step's probes, which manifest.c resolves against saved probes. */
static int convert_probe_refs(struct conv *c, const cJSON *engine, cJSON *names, const char *at)
{
        const cJSON *ann =
            path2(cJSON_GetObjectItemCaseSensitive(engine, "metadata"), "annotations", "probeRef");
        cJSON *list, *e;
        char refat[MAX_AT];
        int r = 0;

        if (!ann)
                return 0;
        pfmt(refat, sizeof(refat), "%smetadata.annotations.probeRef", at);
        list = cJSON_IsString(ann) ? cJSON_Parse(ann->valuestring) : NULL;
        if (!cJSON_IsArray(list)) {
                cJSON_Delete(list); /* valid JSON that is not a list */
                return fail(c->err, c->errlen, "%s: expected a JSON list of {\"name\", \"mode\"}", refat);
        }
        cJSON_ArrayForEach(e, list)
        {
                const cJSON *name = cJSON_GetObjectItemCaseSensitive(e, "name");
                const cJSON *mode = cJSON_GetObjectItemCaseSensitive(e, "mode");
                cJSON *ref;
                if (!cJSON_IsObject(e) || !cJSON_IsString(name) || !name->valuestring[0] ||
                    (mode && !cJSON_IsString(mode))) {
                        r = fail(c->err, c->errlen, "%s: each entry needs a \"name\" (and a string \"mode\")",
                                 refat);
                        break;
                }
                ref = cJSON_CreateObject();
                cJSON_AddStringToObject(ref, "name", name->valuestring);
                if (mode)
                        cJSON_AddStringToObject(ref, "mode", mode->valuestring);
                cJSON_AddItemToArray(names, ref);
        }
        cJSON_Delete(list);
        return r;
}

/* The weight of an engine: the Argo template's label, else the engine's label or annotation. */
static int engine_weight(const cJSON *engine, int def)
{
        const cJSON *md = cJSON_GetObjectItemCaseSensitive(engine, "metadata");
        const cJSON *w = path2(md, "labels", "weight");
        char buf[64];
        const char *s;
        int64_t v;

        if (!w)
                w = path2(md, "annotations", "weight");
        s = scalar(w, buf, sizeof(buf));
        return s && rift_parse_int64(s, 0, 100, &v) == 0 ? (int)v : def;
}

/* A unique step name from base (Rift requires unique names for weightages and results). */
static void step_name(struct conv *c, const char *base, char *out, size_t n)
{
        const cJSON *g, *s;
        int k = 1;
        bool taken;

        pfmt(out, n, "%s", base);
        do {
                taken = false;
                cJSON_ArrayForEach(g, c->groups) cJSON_ArrayForEach(s, cJSON_GetObjectItem(g, "steps"))
                {
                        const cJSON *nm = cJSON_GetObjectItemCaseSensitive(s, "name");
                        if (cJSON_IsString(nm) && !strcmp(nm->valuestring, out))
                                taken = true;
                }
                if (taken)
                        pfmt(out, n, "%.100s-%d", base, ++k);
        } while (taken && k < 1000);
}

/* One spec.experiments[i] entry into a step of steps. */
static int convert_experiment(struct conv *c, const cJSON *x, const char *base, int weight, cJSON *steps,
                              const char *at)
{
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(x, "name"),
                    *spec = cJSON_GetObjectItemCaseSensitive(x, "spec");
        const cJSON *probes = cJSON_GetObjectItemCaseSensitive(spec, "probe"), *p;
        const struct hub_fault *f = NULL;
        const char *rift;
        char sname[BACKEND_MAX_NAME + 1], pat[MAX_AT];
        cJSON *step, *names;
        bool kube;
        int i = 0, r;

        if (!cJSON_IsObject(x) || !cJSON_IsString(name) || !name->valuestring[0])
                return fail(c->err, c->errlen, "%s.name: required", at);
        if (++c->n_steps > (int)BACKEND_MAX_STEPS)
                return fail(c->err, c->errlen, "%s: more than %u faults in the manifest", at,
                            BACKEND_MAX_STEPS);
        rift = manifest_litmus_fault(name->valuestring, &kube);
        if (rift)
                f = hub_find(rift);
        else if (kube)
                return fail(
                    c->err, c->errlen,
                    "%s.name: \"%.64s\" is a Kubernetes fault: not available for a Linux infrastructure", at,
                    name->valuestring);
        else
                return fail(c->err, c->errlen, "%s.name: unknown fault \"%.64s\"", at, name->valuestring);
        step = cJSON_CreateObject();
        cJSON_AddItemToArray(steps, step);
        step_name(c, base ? base : name->valuestring, sname, sizeof(sname));
        cJSON_AddStringToObject(step, "name", sname);
        cJSON_AddStringToObject(step, "fault", f->name);
        cJSON_AddStringToObject(step, "litmusFault", name->valuestring);
        cJSON_AddNumberToObject(step, "weight", weight);
        cJSON_AddObjectToObject(step, "tunables");
        names = cJSON_AddArrayToObject(step, "probes");
        r = convert_env(c, step, f, name->valuestring, path2(spec, "components", "env"), at);
        if (r < 0)
                return r;
        if (probes && !cJSON_IsArray(probes))
                return fail(c->err, c->errlen, "%s.spec.probe: must be a list", at);
        cJSON_ArrayForEach(p, probes)
        {
                pfmt(pat, sizeof(pat), "%s.spec.probe[%d]", at, i++);
                if ((r = add_probe(c, p, pat)) < 0)
                        return r;
                cJSON_AddItemToArray(
                    names, cJSON_CreateString(cJSON_GetObjectItemCaseSensitive(p, "name")->valuestring));
        }
        return 0;
}

/* One ChaosEngine into steps (one per spec.experiments entry). at prefixes its field names. */
static int convert_engine(struct conv *c, const cJSON *engine, const char *at, const char *base, int weight,
                          cJSON *steps)
{
        const cJSON *xs = path2(engine, "spec", "experiments"), *x;
        cJSON *refs = cJSON_CreateArray(), *s;
        char xat[MAX_AT];
        int i = 0, first = cJSON_GetArraySize(steps), r;

        if (!rift_streq(kind_of(engine), "ChaosEngine"))
                r = fail(c->err, c->errlen, "%skind: expected ChaosEngine", at);
        else if (!cJSON_IsArray(xs) || cJSON_GetArraySize(xs) == 0)
                r = fail(c->err, c->errlen, "%sspec.experiments: required, a non-empty list", at);
        else
                r = convert_probe_refs(c, engine, refs, at);
        if (weight < 0)
                weight = engine_weight(engine, DEFAULT_WEIGHT);
        if (r < 0)
                xs = NULL;
        cJSON_ArrayForEach(x, xs)
        {
                pfmt(xat, sizeof(xat), "%sspec.experiments[%d]", at, i++);
                r = convert_experiment(c, x, cJSON_GetArraySize(xs) == 1 ? base : NULL, weight, steps, xat);
                if (r < 0)
                        break;
        }
        for (int k = first; r == 0 && (s = cJSON_GetArrayItem(steps, k)); k++) {
                const cJSON *ref;
                cJSON_ArrayForEach(ref, refs)
                    cJSON_AddItemToArray(cJSON_GetObjectItem(s, "probes"), cJSON_Duplicate(ref, true));
        }
        cJSON_Delete(refs);
        return r;
}

static int find_template(const cJSON *templates, const char *name)
{
        const cJSON *t;
        int i = 0;

        cJSON_ArrayForEach(t, templates)
        {
                const cJSON *nm = cJSON_GetObjectItemCaseSensitive(t, "name");
                if (cJSON_IsString(nm) && !strcmp(nm->valuestring, name))
                        return i;
                i++;
        }
        return -1;
}

/* The weight label of an Argo template (ChaosCenter puts it there), or -1 when it has none. */
static int template_weight(struct conv *c, const cJSON *t, const char *tat, int k, int *ret)
{
        const cJSON *wl = cJSON_GetObjectItemCaseSensitive(path2(t, "metadata", "labels"), "weight");
        char buf[64];
        const char *ws = scalar(wl, buf, sizeof(buf));
        int64_t v = -1;

        if (wl && (!ws || rift_parse_int64(ws, 0, 100, &v) < 0))
                return fail(c->err, c->errlen, "%s[%d].metadata.labels.weight: expected an integer in 0..100",
                            tat, k);
        *ret = (int)v;
        return 0;
}

/* The template of one Argo step: its ChaosEngine artifacts become steps of the group. */
static int convert_argo_step(struct conv *c, const cJSON *templates, const char *tat, const cJSON *st,
                             const char *sat, cJSON *steps)
{
        const cJSON *sname = cJSON_GetObjectItemCaseSensitive(st, "name");
        const cJSON *tname = cJSON_GetObjectItemCaseSensitive(st, "template"), *t, *a;
        char at[MAX_AT], yerr[256];
        int k, ai = 0, weight = -1, found = 0, r;

        if (!cJSON_IsString(sname) || !cJSON_IsString(tname))
                return fail(c->err, c->errlen, "%s: name and template required", sat);
        if (in_list(ignored_steps, sname->valuestring) || in_list(ignored_steps, tname->valuestring))
                return 0;
        if ((k = find_template(templates, tname->valuestring)) < 0)
                return fail(c->err, c->errlen, "%s.template: no template named \"%.64s\"", sat,
                            tname->valuestring);
        t = cJSON_GetArrayItem(templates, k);
        if ((r = template_weight(c, t, tat, k, &weight)) < 0)
                return r;
        cJSON_ArrayForEach(a, path2(t, "inputs", "artifacts"))
        {
                const cJSON *data = path2(a, "raw", "data");
                cJSON *engine = NULL;
                pfmt(at, sizeof(at), "%s[%d].inputs.artifacts[%d].raw.data", tat, k, ai++);
                if (!cJSON_IsString(data))
                        continue;
                if (backend_yaml_to_json(data->valuestring, strlen(data->valuestring), &engine, yerr,
                                         sizeof(yerr)) < 0) {
                        cJSON_Delete(engine);
                        return fail(c->err, c->errlen, "%s: %s", at, yerr);
                }
                if (rift_streq(kind_of(engine), "ChaosEngine")) {
                        size_t len = strlen(at);
                        pfmt(at + len, sizeof(at) - len, ".");
                        r = convert_engine(c, engine, at, sname->valuestring, weight, steps);
                        found++;
                }
                cJSON_Delete(engine);
                if (r < 0)
                        return r;
        }
        if (!found)
                return fail(
                    c->err, c->errlen,
                    "%s \"%.64s\": not a fault step (no ChaosEngine artifact); Rift runs ChaosEngine steps "
                    "and ignores install-chaos-faults and cleanup-chaos-resources",
                    sat, sname->valuestring);
        return 0;
}

/* An Argo Workflow's entrypoint steps: each inner list is a group (parallel), the outer list serial. */
static int convert_workflow(struct conv *c, const cJSON *spec, const char *at)
{
        const cJSON *entry = cJSON_GetObjectItemCaseSensitive(spec, "entrypoint");
        const cJSON *templates = cJSON_GetObjectItemCaseSensitive(spec, "templates"), *outer, *inner;
        char tat[MAX_AT], sat[MAX_AT];
        int k, i = 0, r;

        pfmt(tat, sizeof(tat), "%s.templates", at);
        if (!cJSON_IsString(entry))
                return fail(c->err, c->errlen, "%s.entrypoint: required", at);
        if (!cJSON_IsArray(templates) || (k = find_template(templates, entry->valuestring)) < 0)
                return fail(c->err, c->errlen, "%s: no template named \"%.64s\" (the entrypoint)", tat,
                            entry->valuestring);
        outer = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(templates, k), "steps");
        if (!cJSON_IsArray(outer) || cJSON_GetArraySize(outer) == 0)
                return fail(c->err, c->errlen, "%s[%d].steps: required, a list of lists of steps", tat, k);
        cJSON_ArrayForEach(inner, outer)
        {
                cJSON *group = cJSON_CreateObject(), *steps = cJSON_AddArrayToObject(group, "steps");
                const cJSON *st;
                int j = 0;
                cJSON_AddItemToArray(c->groups, group);
                if (!cJSON_IsArray(inner))
                        return fail(c->err, c->errlen, "%s[%d].steps[%d]: must be a list of steps", tat, k,
                                    i);
                cJSON_ArrayForEach(st, inner)
                {
                        pfmt(sat, sizeof(sat), "%s[%d].steps[%d][%d]", tat, k, i, j++);
                        if ((r = convert_argo_step(c, templates, tat, st, sat, steps)) < 0)
                                return r;
                }
                if (cJSON_GetArraySize(steps) == 0)
                        cJSON_DeleteItemFromArray(c->groups, cJSON_GetArraySize(c->groups) - 1);
                i++;
        }
        if (cJSON_GetArraySize(c->groups) == 0)
                return fail(c->err, c->errlen, "%s[%d].steps: no ChaosEngine step to run", tat, k);
        return 0;
}

int manifest_litmus_convert(const cJSON *doc, cJSON **ret, char *err, size_t n)
{
        const char *kind = kind_of(doc);
        cJSON *out = cJSON_CreateObject();
        struct conv c = { .err = err, .errlen = n };
        int r;

        if (!out)
                return -ENOMEM;
        c.groups = cJSON_AddArrayToObject(out, "groups");
        c.probes = cJSON_AddArrayToObject(out, "probes");
        cJSON_AddStringToObject(out, "source", kind ? kind : "");
        if (rift_streq(kind, "ChaosEngine")) {
                cJSON *group = cJSON_CreateObject();
                cJSON_AddItemToArray(c.groups, group);
                r = convert_engine(&c, doc, "", NULL, -1, cJSON_AddArrayToObject(group, "steps"));
        } else if (rift_streq(kind, "Workflow")) {
                r = convert_workflow(&c, cJSON_GetObjectItemCaseSensitive(doc, "spec"), "spec");
        } else if (rift_streq(kind, "CronWorkflow")) {
                const cJSON *sched = path2(doc, "spec", "schedule");
                if (cJSON_IsString(sched))
                        cJSON_AddStringToObject(out, "cronSyntax", sched->valuestring);
                r = convert_workflow(&c, path2(doc, "spec", "workflowSpec"), "spec.workflowSpec");
        } else {
                r = fail(err, n, "kind: \"%.64s\" is not ChaosEngine, Workflow or CronWorkflow",
                         kind ? kind : "");
        }
        if (r < 0) {
                cJSON_Delete(out);
                return r;
        }
        *ret = out;
        return 0;
}

int manifest_litmus_detect(cJSON **doc, char *err, size_t n)
{
        cJSON *conv = NULL;
        int r;

        if (!cJSON_GetObjectItemCaseSensitive(*doc, "kind"))
                return 0; /* Rift's format */
        if (!manifest_litmus_is(*doc))
                r = fail(err, n,
                         "kind: expected ChaosEngine, Workflow or CronWorkflow (or Rift's format, which has "
                         "no kind)");
        else
                r = manifest_litmus_convert(*doc, &conv, err, n);
        cJSON_Delete(*doc);
        *doc = conv;
        return r;
}
