/* Infrastructures (registerInfra, listInfras, getInfra, deleteInfra) and getServerVersion (the hub
 * queries are in res_hub.c). Infrastructures are stored in "infras"
 * with _id = infraID; only hashes of the registration and access keys are kept. */
#include <stdio.h>
#include <string.h>

#include "lib/crypto.h"
#include "lib/graphql/graphql.h"
#include "lib/store.h"
#include "lib/str.h"
#include "services/backend/backend.h"

#define REG_KEY_BYTES 24 /* random bytes of a one-time registration key */

static int check_env(struct gql_resolve_info *ri, const char *project, const char *env)
{
        struct gql_req *q = ri->ctx;
        char id[256];
        cJSON *doc = NULL;
        int r;

        if (!env || !env[0] || strlen(env) > BACKEND_MAX_NAME)
                return gql_resolve_error(ri, "environmentID: required");
        snprintf(id, sizeof(id), "%s/%s", project, env);
        r = rift_store_get(q->b->store, BC_ENVS, id, &doc);
        cJSON_Delete(doc);
        return r < 0 ? gql_resolve_error(ri, "environmentID: no such environment in this project") : 0;
}

static void install_command(const struct backend_config *cfg, const char *id, const char *key, char *ret,
                            size_t n)
{
        char url[300];

        if (cfg->public_rpc_url)
                rift_strlcpy(url, cfg->public_rpc_url, sizeof(url));
        else
                snprintf(url, sizeof(url), "%s://%s:%lld", cfg->tls_cert ? "https" : "http",
                         cfg->bind_address, (long long)cfg->rpc_port);
        snprintf(ret, n,
                 "printf '%%s' '%s' | sudo sh install.sh --endpoint '%s' --infra-id '%s' --access-key-file - "
                 "--start",
                 key, url, id);
}

static cJSON *new_infra(struct gql_req *q, const struct gql_value *req, const char *project, const char *id,
                        const char *key_hash)
{
        cJSON *doc = cJSON_CreateObject();
        const struct gql_value *tags = gql_value_field(req, "tags");
        cJSON *t = cJSON_AddArrayToObject(doc, "tags");

        backend_set_str(doc, "_id", id);
        backend_set_str(doc, "infraID", id);
        backend_set_str(doc, "projectID", project);
        backend_set_str(doc, "name", backend_field_str(req, "name"));
        backend_set_str(doc, "description", backend_field_str(req, "description"));
        backend_set_str(doc, "environmentID", backend_field_str(req, "environmentID"));
        backend_set_str(doc, "platformName", backend_field_str(req, "platformName"));
        backend_set_str(doc, "infraType", backend_field_str(req, "infrastructureType"));
        backend_set_str(doc, "registrationKeyHash", key_hash);
        backend_set_str(doc, "accessKeyHash", "");
        backend_set_str(doc, "version", "");
        backend_set_str(doc, "updateStatus", "NOT_REQUIRED");
        backend_set_str(doc, "startTime", "");
        backend_set_now(doc, "createdAt");
        backend_set_now(doc, "updatedAt");
        cJSON_AddNumberToObject(doc, "lastHeartbeatMs", 0);
        cJSON_AddBoolToObject(doc, "isActive", false);
        cJSON_AddBoolToObject(doc, "isInfraConfirmed", false);
        cJSON_AddBoolToObject(doc, "isRemoved", false);
        cJSON_AddItemToObject(doc, "createdBy", backend_user_json(q));
        for (size_t i = 0; tags && tags->kind == GQL_LIST && i < tags->list.n && i < 64; i++)
                if (tags->list.items[i] && tags->list.items[i]->kind == GQL_STRING)
                        cJSON_AddItemToArray(t, cJSON_CreateString(tags->list.items[i]->str.s));
        return doc;
}

int res_register_infra(struct gql_resolve_info *ri, struct gql_value **ret)
{
        struct gql_req *q = ri->ctx;
        const struct gql_value *req = gql_arg(ri, "request");
        const char *project, *name, *type;
        char id[RIFT_UUID_STRLEN + 1], hash[65], cmd[1024];
        _cleanup_free_ char *key = NULL;
        cJSON *doc, *out;
        int r = backend_authorize(ri, ROLE_OWNER, &project);

        if (r < 0)
                return r;
        name = backend_field_str(req, "name");
        type = backend_field_str(req, "infrastructureType");
        if (!name || !name[0] || strlen(name) > BACKEND_MAX_NAME)
                return gql_resolve_error(ri, "request.name: required, at most 128 bytes");
        if (!rift_streq(type, "Linux") && !rift_streq(type, "Kubernetes"))
                return gql_resolve_error(ri, "request.infrastructureType: Linux or Kubernetes");
        if ((r = check_env(ri, project, backend_field_str(req, "environmentID"))) < 0)
                return r;
        if (rift_crypto_uuid4(id) < 0 || rift_crypto_random_hex(REG_KEY_BYTES, &key) < 0)
                return gql_resolve_error(ri, "no randomness");
        backend_hash_key(key, hash);
        doc = new_infra(q, req, project, id, hash);
        if (rift_streq(type, "Kubernetes") && (r = k8s_infra_fields(ri, req, doc)) < 0) {
                cJSON_Delete(doc);
                return r;
        }
        r = rift_store_insert(q->b->store, BC_INFRAS, doc, NULL);
        cJSON_Delete(doc);
        if (r < 0)
                return gql_resolve_error(ri, "cannot store the infrastructure");
        if (rift_streq(type, "Kubernetes"))
                return k8s_register_reply(ri, id, key, ret);
        install_command(q->b->cfg, id, key, cmd, sizeof(cmd));
        out = backend_keep(q, cJSON_CreateObject());
        cJSON_AddStringToObject(out, "token", key);
        cJSON_AddStringToObject(out, "infraID", id);
        cJSON_AddStringToObject(out, "name", name);
        cJSON_AddStringToObject(out, "manifest", cmd);
        cJSON_AddStringToObject(out, "installCommand", cmd);
        *ret = gql_value_opaque(ri->arena, out, "RegisterInfraResponse");
        return 0;
}

/* Adds the derived lastHeartbeat (decimal ms) to an infra document for output. */
static cJSON *infra_out(cJSON *doc)
{
        const cJSON *hb = cJSON_GetObjectItemCaseSensitive(doc, "lastHeartbeatMs");
        char t[24];

        if (cJSON_IsNumber(hb) && hb->valuedouble > 0) {
                snprintf(t, sizeof(t), "%.0f", hb->valuedouble);
                backend_set_str(doc, "lastHeartbeat", t);
        }
        return doc;
}

int backend_load_infra(struct gql_resolve_info *ri, const char *project, const char *id, cJSON **ret)
{
        struct gql_req *q = ri->ctx;
        cJSON *doc = NULL;
        const cJSON *p, *rm;
        int r;

        if (!id || !id[0] || strlen(id) > RIFT_MAX_ID)
                return gql_resolve_error(ri, "infraID: required");
        r = rift_store_get(q->b->store, BC_INFRAS, id, &doc);
        backend_keep(q, doc);
        if (r < 0 && r != RIFT_E_NOTFOUND)
                return gql_resolve_error(ri, "cannot read the store");
        p = cJSON_GetObjectItemCaseSensitive(doc, "projectID");
        rm = cJSON_GetObjectItemCaseSensitive(doc, "isRemoved");
        if (r < 0 || !cJSON_IsString(p) || strcmp(p->valuestring, project) != 0 || cJSON_IsTrue(rm))
                return gql_resolve_error(ri, "infrastructure not found");
        *ret = infra_out(doc);
        return 0;
}

int res_get_infra(struct gql_resolve_info *ri, struct gql_value **ret)
{
        const char *project;
        cJSON *doc;
        int r = backend_authorize(ri, ROLE_VIEWER, &project);

        if (r < 0 || (r = backend_load_infra(ri, project, backend_arg_str(ri, "infraID"), &doc)) < 0)
                return r;
        *ret = gql_value_opaque(ri->arena, doc, "Infra");
        return 0;
}

static void infra_filter(cJSON *filter, const struct gql_value *f)
{
        const struct gql_value *active = f ? gql_value_field(f, "isActive") : NULL;
        static const char *const exact[] = { "name", "infraID", "platformName" };

        for (size_t i = 0; f && i < ARRAY_SIZE(exact); i++) {
                const char *v = backend_field_str(f, exact[i]);
                if (v && v[0])
                        cJSON_AddStringToObject(filter, exact[i], v);
        }
        if (active && active->kind == GQL_BOOLEAN)
                cJSON_AddBoolToObject(filter, "isActive", active->b);
}

int res_list_infras(struct gql_resolve_info *ri, struct gql_value **ret)
{
        struct gql_req *q = ri->ctx;
        const struct gql_value *req = gql_arg(ri, "request");
        static const struct rift_store_sort by_time = { "createdAt", true };
        const char *project;
        cJSON *filter, *out, *e;
        int r = backend_authorize(ri, ROLE_VIEWER, &project);

        if (r < 0)
                return r;
        filter = backend_keep(q, cJSON_CreateObject());
        cJSON_AddStringToObject(filter, "projectID", project);
        cJSON_AddBoolToObject(filter, "isRemoved", false);
        backend_filter_in(filter, "infraID", req ? gql_value_field(req, "infraIDs") : NULL);
        backend_filter_in(filter, "environmentID", req ? gql_value_field(req, "environmentIDs") : NULL);
        infra_filter(filter, req ? gql_value_field(req, "filter") : NULL);
        r = backend_list(ri, BC_INFRAS, filter, &by_time, req ? gql_value_field(req, "pagination") : NULL,
                         "totalNoOfInfras", "infras", &out);
        if (r < 0)
                return r;
        cJSON_ArrayForEach(e, cJSON_GetObjectItem(out, "infras")) infra_out(e);
        *ret = gql_value_opaque(ri->arena, out, "ListInfraResponse");
        return 0;
}

int res_delete_infra(struct gql_resolve_info *ri, struct gql_value **ret)
{
        struct gql_req *q = ri->ctx;
        const char *project;
        cJSON *doc;
        int r = backend_authorize(ri, ROLE_OWNER, &project);

        if (r < 0 || (r = backend_load_infra(ri, project, backend_arg_str(ri, "infraID"), &doc)) < 0)
                return r;
        cJSON_ReplaceItemInObject(doc, "isRemoved", cJSON_CreateBool(true));
        cJSON_ReplaceItemInObject(doc, "isActive", cJSON_CreateBool(false));
        backend_set_str(doc, "accessKeyHash", "");
        backend_set_str(doc, "registrationKeyHash", "");
        backend_set_now(doc, "updatedAt");
        if (rift_store_update(q->b->store, BC_INFRAS, doc, NULL) < 0)
                return gql_resolve_error(ri, "cannot delete the infrastructure");
        infra_record_event(q->b, backend_arg_str(ri, "infraID"), project, "deleted",
                           "infrastructure deleted");
        infra_rpc_wake(q->b, backend_arg_str(ri, "infraID"));
        *ret = gql_value_string(ri->arena, "infra deleted", 13);
        return 0;
}

int res_server_version(struct gql_resolve_info *ri, struct gql_value **ret)
{
        struct gql_req *q = ri->ctx;
        const char *project;
        cJSON *out;
        int r = backend_authorize(ri, ROLE_TOKEN, &project);

        if (r < 0)
                return r;
        out = backend_keep(q, cJSON_CreateObject());
        cJSON_AddStringToObject(out, "key", "version");
        cJSON_AddStringToObject(out, "value", BACKEND_VERSION);
        *ret = gql_value_opaque(ri->arena, out, "ServerVersionResponse");
        return 0;
}

/* getInfraDetails: getInfra for Owners and Executors (as in Litmus). */
int res_get_infra_details(struct gql_resolve_info *ri, struct gql_value **ret)
{
        const char *project;
        cJSON *doc;
        int r = backend_authorize(ri, ROLE_EXECUTOR, &project);

        if (r < 0 || (r = backend_load_infra(ri, project, backend_arg_str(ri, "infraID"), &doc)) < 0)
                return r;
        *ret = gql_value_opaque(ri->arena, doc, "Infra");
        return 0;
}

static uint64_t count_infras(struct backend_ctx *b, const char *project, const char *field, bool value)
{
        cJSON *f = cJSON_CreateObject();
        uint64_t n = 0;

        cJSON_AddStringToObject(f, "projectID", project);
        cJSON_AddBoolToObject(f, "isRemoved", false);
        if (field)
                cJSON_AddBoolToObject(f, field, value);
        rift_store_count(b->store, BC_INFRAS, f, &n);
        cJSON_Delete(f);
        return n;
}

int res_infra_stats(struct gql_resolve_info *ri, struct gql_value **ret)
{
        struct gql_req *q = ri->ctx;
        const char *project;
        cJSON *out;
        int r = backend_authorize(ri, ROLE_EXECUTOR, &project);

        if (r < 0)
                return r;
        out = backend_keep(q, cJSON_CreateObject());
        cJSON_AddNumberToObject(out, "totalInfrastructures",
                                (double)count_infras(q->b, project, NULL, false));
        cJSON_AddNumberToObject(out, "activeInfrastructures",
                                (double)count_infras(q->b, project, "isActive", true));
        cJSON_AddNumberToObject(out, "inactiveInfrastructures",
                                (double)count_infras(q->b, project, "isActive", false));
        cJSON_AddNumberToObject(out, "confirmedInfrastructures",
                                (double)count_infras(q->b, project, "isInfraConfirmed", true));
        cJSON_AddNumberToObject(out, "pendingInfrastructures",
                                (double)count_infras(q->b, project, "isInfraConfirmed", false));
        *ret = gql_value_opaque(ri->arena, out, "GetInfraStatsResponse");
        return 0;
}

int res_version_details(struct gql_resolve_info *ri, struct gql_value **ret)
{
        struct gql_req *q = ri->ctx;
        const char *project;
        cJSON *out;
        int r = backend_authorize(ri, ROLE_VIEWER, &project);

        if (r < 0)
                return r;
        out = backend_keep(q, cJSON_CreateObject());
        cJSON_AddStringToObject(out, "latestVersion", BACKEND_VERSION);
        cJSON_AddItemToArray(cJSON_AddArrayToObject(out, "compatibleVersions"),
                             cJSON_CreateString(BACKEND_VERSION));
        *ret = gql_value_opaque(ri->arena, out, "InfraVersionDetails");
        return 0;
}
