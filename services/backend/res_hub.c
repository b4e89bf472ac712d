/* Chaos hubs over GraphQL: listChaosHub, getChaosHub, listChaosFaults, getChaosFault (built-in hub "rift" and the
 * HUB_DIRS hubs of hub_dir.c), listPredefinedExperiments and getPredefinedExperiment. Every field
 * needs Viewer in the project (Litmus checks only the token here; docs/backend.md). */
#include <string.h>

#include "lib/graphql/graphql.h"
#include "lib/str.h"
#include "services/backend/backend.h"

#define BUILTIN_HUB "rift"

/* hubID: "rift" (or Litmus's "default") is the built-in hub; otherwise a directory hub. */
static int find_hub(struct gql_resolve_info *ri, const char *id, const struct hub_dir **ret)
{
        *ret = NULL;
        if (!id || !strcmp(id, BUILTIN_HUB) || !strcmp(id, "default"))
                return 0;
        *ret = hub_dir_find(id);
        return *ret ? 0 : gql_resolve_error(ri, "hubID: unknown hub (listChaosHub lists them)");
}

static cJSON *builtin_fault_json(const struct hub_fault *f)
{
        cJSON *o = hub_fault_json(f);

        cJSON_AddBoolToObject(o, "runnable", true);
        cJSON_AddStringToObject(o, "hubID", BUILTIN_HUB);
        return o;
}

/* A directory hub's fault: a runnable one shows the Rift fault's tunables (what the agent takes);
 * the others their chart's env with its defaults. */
static cJSON *dir_fault_json(const struct hub_dir_fault *f)
{
        cJSON *o = cJSON_CreateObject(), *tl, *t;
        const cJSON *e;

        cJSON_AddStringToObject(o, "name", f->name);
        cJSON_AddStringToObject(o, "category", f->category);
        cJSON_AddStringToObject(o, "description", f->description);
        cJSON_AddStringToObject(o, "platform", f->runnable ? "Linux" : "Kubernetes");
        cJSON_AddBoolToObject(o, "runnable", f->runnable);
        cJSON_AddStringToObject(o, "hubID", f->hub_id);
        if (f->rift) {
                cJSON *rf = hub_fault_json(f->rift);
                cJSON_AddItemToObject(o, "tunables", cJSON_DetachItemFromObject(rf, "tunables"));
                cJSON_AddStringToObject(o, "runsAs", f->rift->name);
                cJSON_Delete(rf);
                return o;
        }
        tl = cJSON_AddArrayToObject(o, "tunables");
        cJSON_ArrayForEach(e, f->env)
        {
                const cJSON *n = cJSON_GetObjectItem(e, "name"), *v = cJSON_GetObjectItem(e, "value");
                if (!cJSON_IsString(n))
                        continue;
                t = cJSON_CreateObject();
                cJSON_AddStringToObject(t, "name", n->valuestring);
                cJSON_AddStringToObject(t, "type", "string");
                if (cJSON_IsString(v))
                        cJSON_AddStringToObject(t, "default", v->valuestring);
                cJSON_AddStringToObject(t, "description", "");
                cJSON_AddItemToArray(tl, t);
        }
        return o;
}

static cJSON *hub_status(const char *id, const char *name, const char *type, bool def, size_t faults,
                         size_t exps)
{
        cJSON *hub = cJSON_CreateObject();

        cJSON_AddStringToObject(hub, "id", id);
        cJSON_AddStringToObject(hub, "name", name);
        cJSON_AddStringToObject(hub, "hubType", type);
        cJSON_AddBoolToObject(hub, "isDefault", def);
        cJSON_AddNumberToObject(hub, "totalFaults", (double)faults);
        cJSON_AddNumberToObject(hub, "totalExperiments", (double)exps);
        return hub;
}

/* The ChaosHubStatus of a directory hub, or of the built-in one (h NULL). */
static cJSON *status_of(const struct hub_dir *h)
{
        if (!h)
                return hub_status(BUILTIN_HUB, "Rift built-in hub", "BUILTIN", true, hub_count(),
                                  hub_builtin_exp_count());
        return hub_status(h->id, h->id, "DIRECTORY", false, h->n_faults, h->n_exps);
}

/* getChaosHub(chaosHubID, projectID) */
int res_get_hub(struct gql_resolve_info *ri, struct gql_value **ret)
{
        struct gql_req *q = ri->ctx;
        const char *project, *id = backend_arg_str(ri, "chaosHubID");
        const struct hub_dir *h;
        int r = backend_authorize(ri, ROLE_VIEWER, &project);

        if (r < 0)
                return r;
        if (!id || !id[0])
                return gql_resolve_error(ri, "chaosHubID: required");
        if ((r = find_hub(ri, id, &h)) < 0)
                return r;
        *ret = gql_value_opaque(ri->arena, backend_keep(q, status_of(h)), "ChaosHubStatus");
        return 0;
}

/* listChaosHub: the built-in hub, then the directory hubs in HUB_DIRS order. */
int res_list_hubs(struct gql_resolve_info *ri, struct gql_value **ret)
{
        struct gql_req *q = ri->ctx;
        const char *project;
        struct gql_value *l;
        int r = backend_authorize(ri, ROLE_VIEWER, &project);

        if (r < 0)
                return r;
        l = gql_value_list(ri->arena, 1 + hub_dir_count());
        for (size_t i = 0; i < l->list.n; i++)
                l->list.items[i] = gql_value_opaque(
                    ri->arena, backend_keep(q, status_of(i ? hub_dir_get(i - 1) : NULL)), "ChaosHubStatus");
        *ret = l;
        return 0;
}

int res_list_faults(struct gql_resolve_info *ri, struct gql_value **ret)
{
        struct gql_req *q = ri->ctx;
        const struct hub_dir *h;
        const char *project;
        struct gql_value *l;
        int r = backend_authorize(ri, ROLE_VIEWER, &project);

        if (r < 0 || (r = find_hub(ri, backend_arg_str(ri, "hubID"), &h)) < 0)
                return r;
        l = gql_value_list(ri->arena, h ? h->n_faults : hub_count());
        for (size_t i = 0; i < l->list.n; i++)
                l->list.items[i] = gql_value_opaque(
                    ri->arena,
                    backend_keep(q, h ? dir_fault_json(&h->faults[i]) : builtin_fault_json(hub_get(i))),
                    "ChaosFault");
        *ret = l;
        return 0;
}

int res_get_fault(struct gql_resolve_info *ri, struct gql_value **ret)
{
        struct gql_req *q = ri->ctx;
        const struct gql_value *req = gql_arg(ri, "request");
        const char *project, *name = backend_field_str(req, "experimentName");
        const struct hub_dir *h;
        cJSON *out = NULL;
        int r = backend_authorize(ri, ROLE_VIEWER, &project);

        if (r < 0 || (r = find_hub(ri, backend_field_str(req, "hubID"), &h)) < 0)
                return r;
        if (!h && hub_find(name))
                out = builtin_fault_json(hub_find(name));
        for (size_t i = 0; h && name && i < h->n_faults; i++)
                if (!strcmp(h->faults[i].name, name))
                        out = dir_fault_json(&h->faults[i]);
        if (!out)
                return gql_resolve_error(ri, "request.experimentName: no such fault in the hub");
        *ret = gql_value_opaque(ri->arena, backend_keep(q, out), "ChaosFault");
        return 0;
}

static cJSON *exp_json(const struct hub_experiment *e)
{
        cJSON *o = cJSON_CreateObject();

        cJSON_AddStringToObject(o, "experimentName", e->name);
        cJSON_AddStringToObject(o, "experimentCSV", e->description);
        cJSON_AddStringToObject(o, "experimentManifest", e->manifest);
        cJSON_AddStringToObject(o, "hubID", e->hub_id);
        cJSON_AddBoolToObject(o, "runnable", e->runnable);
        if (e->reason)
                cJSON_AddStringToObject(o, "reason", e->reason);
        return o;
}

static const struct hub_experiment *hub_exp(const struct hub_dir *h, size_t i)
{
        return h ? (i < h->n_exps ? &h->exps[i] : NULL) : hub_builtin_exp(i);
}

/* listPredefinedExperiments(hubID, projectID) */
int res_list_predefined(struct gql_resolve_info *ri, struct gql_value **ret)
{
        struct gql_req *q = ri->ctx;
        const struct hub_dir *h;
        const char *project;
        struct gql_value *l;
        int r = backend_authorize(ri, ROLE_VIEWER, &project);

        if (r < 0 || (r = find_hub(ri, backend_arg_str(ri, "hubID"), &h)) < 0)
                return r;
        l = gql_value_list(ri->arena, h ? h->n_exps : hub_builtin_exp_count());
        for (size_t i = 0; i < l->list.n; i++)
                l->list.items[i] = gql_value_opaque(ri->arena, backend_keep(q, exp_json(hub_exp(h, i))),
                                                    "PredefinedExperimentList");
        *ret = l;
        return 0;
}

/* getPredefinedExperiment(hubID, experimentName: [String!]!, projectID): the named ones, in order. */
int res_get_predefined(struct gql_resolve_info *ri, struct gql_value **ret)
{
        struct gql_req *q = ri->ctx;
        const struct gql_value *names = gql_arg(ri, "experimentName");
        const struct hub_dir *h;
        const char *project;
        struct gql_value *l;
        int r = backend_authorize(ri, ROLE_VIEWER, &project);

        if (r < 0 || (r = find_hub(ri, backend_arg_str(ri, "hubID"), &h)) < 0)
                return r;
        if (!names || names->kind != GQL_LIST || names->list.n == 0 || names->list.n > BACKEND_MAX_PAGE)
                return gql_resolve_error(ri, "experimentName: 1..100 names");
        l = gql_value_list(ri->arena, names->list.n);
        for (size_t k = 0; k < names->list.n; k++) {
                const struct gql_value *n = names->list.items[k];
                const struct hub_experiment *e = NULL;
                for (size_t i = 0; hub_exp(h, i) && !e; i++)
                        if (n && n->kind == GQL_STRING && !strcmp(hub_exp(h, i)->name, n->str.s))
                                e = hub_exp(h, i);
                if (!e)
                        return gql_resolve_error(ri,
                                                 "experimentName: no such predefined experiment in the hub");
                l->list.items[k] =
                    gql_value_opaque(ri->arena, backend_keep(q, exp_json(e)), "PredefinedExperimentList");
        }
        *ret = l;
        return 0;
}
