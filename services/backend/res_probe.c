/* Saved probes over GraphQL (Litmus's addProbe, updateProbe, deleteProbe, listProbes, getProbe,
 * getProbeYAML), stored in "probes" (_id = "<projectID>/<name>"), and the two places experiments use
 * them: a manifest step naming a saved probe is checked when the experiment is saved, and the probe's
 * current definition is copied into the run's task when the run is queued. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/graphql/graphql.h"
#include "lib/store.h"
#include "lib/str.h"
#include "services/backend/backend.h"

static const char *str_of(const cJSON *o, const char *key)
{
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

        return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* A coerced GraphQL input value as cJSON (enums as strings). */
static cJSON *value_json(const struct gql_value *v)
{
        cJSON *o;

        if (!v)
                return cJSON_CreateNull();
        switch (v->kind) {
        case GQL_INT:
                return cJSON_CreateNumber((double)v->i);
        case GQL_FLOAT:
                return cJSON_CreateNumber(v->f);
        case GQL_STRING:
        case GQL_ENUM:
                return cJSON_CreateString(v->str.s);
        case GQL_BOOLEAN:
                return cJSON_CreateBool(v->b);
        case GQL_LIST:
                o = cJSON_CreateArray();
                for (size_t i = 0; o && i < v->list.n; i++)
                        cJSON_AddItemToArray(o, value_json(v->list.items[i]));
                return o;
        case GQL_OBJECT:
                o = cJSON_CreateObject();
                for (size_t i = 0; o && i < v->obj.n; i++)
                        if (v->obj.values[i] && v->obj.values[i]->kind != GQL_NULL)
                                cJSON_AddItemToObject(o, v->obj.names[i], value_json(v->obj.values[i]));
                return o;
        default:
                return cJSON_CreateNull();
        }
}

static void probe_id(const char *project, const char *name, char ret[2 * BACKEND_MAX_NAME + 2])
{
        snprintf(ret, 2 * BACKEND_MAX_NAME + 2, "%s/%s", project, name);
}

/* Experiments (not deleted) of project whose manifest names the saved probe. */
static int count_references(struct backend_ctx *b, const char *project, const char *name, uint64_t *ret)
{
        cJSON *filter = cJSON_CreateObject();
        int r;

        cJSON_AddStringToObject(filter, "projectID", project);
        cJSON_AddBoolToObject(filter, "isRemoved", false);
        cJSON_AddStringToObject(filter, "spec.savedProbes.name", name);
        r = rift_store_count(b->store, BC_EXPS, filter, ret);
        cJSON_Delete(filter);
        return r;
}

static int load_probe(struct gql_resolve_info *ri, const char *project, const char *name, cJSON **ret)
{
        struct gql_req *q = ri->ctx;
        char id[2 * BACKEND_MAX_NAME + 2];
        cJSON *doc = NULL;
        uint64_t refs = 0;

        if (!probe_spec_name_valid(name))
                return gql_resolve_error(ri, "probeName: required, [A-Za-z0-9._-]");
        probe_id(project, name, id);
        if (rift_store_get(q->b->store, BC_PROBES, id, &doc) < 0)
                return gql_resolve_error(ri, "probe not found");
        backend_keep(q, doc);
        count_references(q->b, project, name, &refs);
        cJSON_AddNumberToObject(doc, "referencedBy", (double)refs);
        *ret = doc;
        return 0;
}

/* The request as a validated cJSON document (kept by the request). */
static int probe_request(struct gql_resolve_info *ri, cJSON **ret)
{
        struct gql_req *q = ri->ctx;
        cJSON *req = backend_keep(q, value_json(gql_arg(ri, "request")));
        char err[512];

        if (!cJSON_IsObject(req))
                return gql_resolve_error(ri, "request: required");
        if (probe_spec_check(req, err, sizeof(err)) < 0)
                return gql_resolve_error(ri, err);
        if (!rift_streq(str_of(req, "infrastructureType"), "Linux") &&
            !rift_streq(str_of(req, "type"), "k8sProbe"))
                return gql_resolve_error(
                    ri, "request.infrastructureType: httpProbe, cmdProbe and promProbe run on "
                        "Linux infrastructures");
        *ret = req;
        return 0;
}

/* Copies the request's fields that updateProbe may change. */
static void set_fields(cJSON *doc, const cJSON *req)
{
        static const char *const keys[] = { "description",
                                            "tags",
                                            "infrastructureType",
                                            "kubernetesHTTPProperties",
                                            "kubernetesCMDProperties",
                                            "promProperties",
                                            "k8sProperties" };

        for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
                const cJSON *v = cJSON_GetObjectItemCaseSensitive(req, keys[i]);
                cJSON_DeleteItemFromObjectCaseSensitive(doc, keys[i]);
                if (v)
                        cJSON_AddItemToObject(doc, keys[i], cJSON_Duplicate(v, true));
        }
        if (!cJSON_GetObjectItemCaseSensitive(doc, "description"))
                cJSON_AddStringToObject(doc, "description", "");
        backend_set_now(doc, "updatedAt");
        cJSON_DeleteItemFromObjectCaseSensitive(doc, "updatedAtMs");
        cJSON_AddNumberToObject(doc, "updatedAtMs", (double)backend_now_ms());
}

int res_add_probe(struct gql_resolve_info *ri, struct gql_value **ret)
{
        struct gql_req *q = ri->ctx;
        char id[2 * BACKEND_MAX_NAME + 2];
        const char *project;
        cJSON *req, *doc, *stored = NULL;
        int r = backend_authorize(ri, ROLE_OWNER, &project);

        if (r < 0 || (r = probe_request(ri, &req)) < 0)
                return r;
        probe_id(project, str_of(req, "name"), id);
        doc = backend_keep(q, cJSON_CreateObject());
        backend_set_str(doc, "_id", id);
        backend_set_str(doc, "projectID", project);
        backend_set_str(doc, "name", str_of(req, "name"));
        backend_set_str(doc, "type", str_of(req, "type"));
        set_fields(doc, req);
        backend_set_now(doc, "createdAt");
        cJSON_AddItemToObject(doc, "createdBy", backend_user_json(q));
        cJSON_AddItemToObject(doc, "updatedBy", backend_user_json(q));
        r = rift_store_insert(q->b->store, BC_PROBES, doc, &stored);
        if (r == RIFT_E_EXISTS)
                return gql_resolve_error(
                    ri, "request.name: a probe with this name already exists in the project");
        if (r < 0)
                return gql_resolve_error(ri, "cannot store the probe");
        backend_keep(q, stored);
        cJSON_AddNumberToObject(stored, "referencedBy", 0);
        *ret = gql_value_opaque(ri->arena, stored, "Probe");
        return 0;
}

int res_update_probe(struct gql_resolve_info *ri, struct gql_value **ret)
{
        struct gql_req *q = ri->ctx;
        const char *project;
        cJSON *req, *doc;
        int r = backend_authorize(ri, ROLE_OWNER, &project);

        if (r < 0 || (r = probe_request(ri, &req)) < 0 ||
            (r = load_probe(ri, project, str_of(req, "name"), &doc)) < 0)
                return r;
        if (!rift_streq(str_of(doc, "type"), str_of(req, "type")))
                return gql_resolve_error(
                    ri, "request.type: a probe's type cannot change (delete it and add it again)");
        if (rift_streq(str_of(req, "type"), "k8sProbe") &&
            cJSON_GetObjectItem(doc, "referencedBy")->valuedouble > 0)
                return gql_resolve_error(ri, "request.type: k8sProbe cannot run in a Linux experiment");
        set_fields(doc, req);
        cJSON_DeleteItemFromObjectCaseSensitive(doc, "referencedBy");
        cJSON_DeleteItemFromObjectCaseSensitive(doc, "updatedBy");
        cJSON_AddItemToObject(doc, "updatedBy", backend_user_json(q));
        r = rift_store_update(q->b->store, BC_PROBES, doc, NULL);
        if (r < 0)
                return gql_resolve_error(ri, r == RIFT_E_CONFLICT ? "concurrent update, retry"
                                                                  : "cannot store the probe");
        *ret = gql_value_string(ri->arena, "probe updated", 13);
        return 0;
}

/* Refuses while an experiment names the probe: its next run would have no definition to send. */
int res_delete_probe(struct gql_resolve_info *ri, struct gql_value **ret)
{
        struct gql_req *q = ri->ctx;
        const char *project;
        char msg[256];
        cJSON *doc;
        int r = backend_authorize(ri, ROLE_OWNER, &project);
        double refs;

        if (r < 0 || (r = load_probe(ri, project, backend_arg_str(ri, "probeName"), &doc)) < 0)
                return r;
        refs = cJSON_GetObjectItem(doc, "referencedBy")->valuedouble;
        if (refs > 0) {
                snprintf(msg, sizeof(msg),
                         "probeName: probe \"%s\" is used by %.0f experiment(s); remove it from their "
                         "manifests first",
                         str_of(doc, "name"), refs);
                return gql_resolve_error(ri, msg);
        }
        if (rift_store_delete(q->b->store, BC_PROBES, str_of(doc, "_id")) < 0)
                return gql_resolve_error(ri, "cannot delete the probe");
        *ret = gql_value_bool(ri->arena, true);
        return 0;
}

int res_get_probe(struct gql_resolve_info *ri, struct gql_value **ret)
{
        const char *project;
        cJSON *doc;
        int r = backend_authorize(ri, ROLE_VIEWER, &project);

        if (r < 0 || (r = load_probe(ri, project, backend_arg_str(ri, "probeName"), &doc)) < 0)
                return r;
        *ret = gql_value_opaque(ri->arena, doc, "Probe");
        return 0;
}

/* A date range bound: milliseconds since the epoch, as a string (Litmus) or number. */
static int range_bound(struct gql_resolve_info *ri, const struct gql_value *range, const char *name,
                       double *ret)
{
        const char *s = backend_field_str(range, name);
        int64_t v;

        if (!s)
                return 0;
        if (rift_parse_int64(s, 0, INT64_MAX / 2, &v) < 0)
                return gql_resolve_error(ri,
                                         "filter.dateRange: startDate and endDate are epoch milliseconds");
        *ret = (double)v;
        return 1;
}

int backend_filter_date_range(struct gql_resolve_info *ri, cJSON *filter, const char *field,
                              const struct gql_value *range)
{
        double lo = 0, hi = 0;
        int a, b;
        cJSON *cond;

        if (!range || range->kind != GQL_OBJECT)
                return 0;
        if ((a = range_bound(ri, range, "startDate", &lo)) < 0 ||
            (b = range_bound(ri, range, "endDate", &hi)) < 0)
                return -1;
        cond = cJSON_AddObjectToObject(filter, field);
        if (a)
                cJSON_AddNumberToObject(cond, "$gte", lo);
        if (b)
                cJSON_AddNumberToObject(cond, "$lte", hi);
        return 0;
}

int res_list_probes(struct gql_resolve_info *ri, struct gql_value **ret)
{
        struct gql_req *q = ri->ctx;
        const struct gql_value *f = gql_arg(ri, "filter");
        static const struct rift_store_sort by_time = { "updatedAtMs", true };
        struct rift_store_query sq = { .sort = &by_time, .n_sort = 1 };
        const char *project, *itype = backend_arg_str(ri, "infrastructureType"),
                             *name = backend_field_str(f, "name");
        cJSON *filter, *docs = NULL, *d, *next, *types;
        int r = backend_authorize(ri, ROLE_VIEWER, &project);

        if (r < 0)
                return r;
        filter = backend_keep(q, cJSON_CreateObject());
        cJSON_AddStringToObject(filter, "projectID", project);
        if (itype)
                cJSON_AddStringToObject(filter, "infrastructureType", itype);
        backend_filter_in(filter, "name", gql_arg(ri, "probeNames"));
        if ((types = value_json(gql_value_field(f, "type"))) && cJSON_IsArray(types)) /* enums */
                cJSON_AddItemToObject(cJSON_AddObjectToObject(filter, "type"), "$in", types);
        else
                cJSON_Delete(types);
        if (backend_filter_date_range(ri, filter, "updatedAtMs", gql_value_field(f, "dateRange")) < 0)
                return -1;
        sq.filter = filter;
        if (rift_store_find(q->b->store, BC_PROBES, &sq, &docs) < 0)
                return gql_resolve_error(ri, "cannot read the store");
        backend_keep(q, docs);
        /* the name filter matches a part of the name, as Litmus's regex does */
        for (d = docs->child; d; d = next) {
                uint64_t refs = 0;
                next = d->next;
                if (name && name[0] && !strstr(str_of(d, "name"), name)) {
                        cJSON_Delete(cJSON_DetachItemViaPointer(docs, d));
                        continue;
                }
                count_references(q->b, project, str_of(d, "name"), &refs);
                cJSON_AddNumberToObject(d, "referencedBy", (double)refs);
        }
        *ret = backend_value(ri, docs);
        return 0;
}

int res_get_probe_yaml(struct gql_resolve_info *ri, struct gql_value **ret)
{
        struct gql_req *q = ri->ctx;
        const struct gql_value *req = gql_arg(ri, "request");
        const char *project, *mode = backend_field_str(req, "mode");
        cJSON *doc, *agent = NULL;
        char *yaml = NULL;
        int r = backend_authorize(ri, ROLE_VIEWER, &project);

        if (r < 0 || (r = load_probe(ri, project, backend_field_str(req, "probeName"), &doc)) < 0)
                return r;
        if (!probe_spec_mode_valid(mode))
                return gql_resolve_error(ri, "request.mode: must be SOT, EOT, Edge, Continuous or OnChaos");
        if (probe_spec_agent_json(doc, mode, &agent) < 0)
                return gql_resolve_error(ri, "probeName: a k8sProbe has no Linux manifest (stored, not run)");
        backend_keep(q, agent);
        if (probe_spec_yaml(agent, &yaml) < 0)
                return gql_resolve_error(ri, "cannot write the YAML");
        *ret = gql_value_string(ri->arena, yaml, strlen(yaml));
        free(yaml);
        return 0;
}

/* ---- experiments ---- */
struct lookup_ctx {
        struct backend_ctx *b; /* the store */
        const char *project;   /* the experiment's project */
};

static int lookup_find(void *ud, const char *name, char *err, size_t n)
{
        struct lookup_ctx *c = ud;
        char id[2 * BACKEND_MAX_NAME + 2];
        cJSON *doc = NULL;
        int r;

        if (!probe_spec_name_valid(name))
                return RIFT_E_NOTFOUND;
        probe_id(c->project, name, id);
        r = rift_store_get(c->b->store, BC_PROBES, id, &doc);
        if (r == 0 && rift_streq(str_of(doc, "type"), "k8sProbe")) {
                snprintf(err, n, "probe \"%.64s\" is a k8sProbe (stored, not run on a Linux infrastructure)",
                         name);
                r = RIFT_E_INVALID;
        }
        cJSON_Delete(doc);
        return r;
}

int probe_manifest_parse(struct backend_ctx *b, const char *project, const char *text, size_t len,
                         cJSON **ret, char *err, size_t errlen)
{
        struct lookup_ctx c = { b, project };
        struct manifest_probe_lookup lk = { lookup_find, &c };

        return manifest_parse_saved(text, len, &lk, ret, err, errlen);
}

int probe_snapshot(struct backend_ctx *b, const char *project, cJSON *spec)
{
        cJSON *probes = cJSON_GetObjectItem(spec, "probes"), *ref;

        if (!probes)
                probes = cJSON_AddArrayToObject(spec, "probes");
        cJSON_ArrayForEach(ref, cJSON_GetObjectItem(spec, "savedProbes"))
        {
                char id[2 * BACKEND_MAX_NAME + 2];
                cJSON *doc = NULL, *agent = NULL;
                int r;
                probe_id(project, str_of(ref, "name"), id);
                r = rift_store_get(b->store, BC_PROBES, id, &doc);
                if (r == 0)
                        r = probe_spec_agent_json(doc, str_of(ref, "mode"), &agent);
                cJSON_Delete(doc);
                if (r < 0)
                        return r;
                cJSON_AddItemToArray(probes, agent);
        }
        return 0;
}
