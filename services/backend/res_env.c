/* Environments: createEnvironment, updateEnvironment, deleteEnvironment, getEnvironment,
 * listEnvironments. Stored in "environments" with _id "<projectID>/<environmentID>". */
#include <stdio.h>
#include <string.h>

#include "lib/graphql/graphql.h"
#include "lib/store.h"
#include "lib/str.h"
#include "services/backend/backend.h"

static int env_key(struct gql_resolve_info *ri, const char *project, const char *env, char *ret, size_t n)
{
        if (!env || !env[0] || strlen(env) > BACKEND_MAX_NAME || strchr(env, '/'))
                return gql_resolve_error(ri, "environmentID: required, at most 128 bytes, no '/'");
        snprintf(ret, n, "%s/%s", project, env);
        return 0;
}

static int set_tags(cJSON *doc, const struct gql_value *tags)
{
        cJSON *a;

        if (!tags || tags->kind != GQL_LIST)
                return 0;
        if (tags->list.n > 64)
                return RIFT_E_TOOBIG;
        cJSON_DeleteItemFromObjectCaseSensitive(doc, "tags");
        a = cJSON_AddArrayToObject(doc, "tags");
        for (size_t i = 0; i < tags->list.n; i++)
                if (tags->list.items[i] && tags->list.items[i]->kind == GQL_STRING)
                        cJSON_AddItemToArray(a, cJSON_CreateString(tags->list.items[i]->str.s));
        return 0;
}

cJSON *backend_user_json(const struct gql_req *q)
{
        cJSON *u = cJSON_CreateObject();

        cJSON_AddStringToObject(u, "userID", q->user_id);
        cJSON_AddStringToObject(u, "username", q->username);
        return u;
}

void backend_set_str(cJSON *doc, const char *key, const char *value)
{
        cJSON_DeleteItemFromObjectCaseSensitive(doc, key);
        cJSON_AddStringToObject(doc, key, value ? value : "");
}

void backend_set_now(cJSON *doc, const char *key)
{
        char t[24];

        snprintf(t, sizeof(t), "%lld", (long long)backend_now_ms());
        backend_set_str(doc, key, t);
}

int res_create_environment(struct gql_resolve_info *ri, struct gql_value **ret)
{
        struct gql_req *q = ri->ctx;
        const struct gql_value *req = gql_arg(ri, "request");
        const char *project, *name;
        char id[256];
        cJSON *doc, *stored = NULL;
        int r = backend_authorize(ri, ROLE_OWNER, &project);

        if (r < 0)
                return r;
        if (!req || req->kind != GQL_OBJECT)
                return gql_resolve_error(ri, "request: required");
        if ((r = env_key(ri, project, backend_field_str(req, "environmentID"), id, sizeof(id))) < 0)
                return r;
        name = backend_field_str(req, "name");
        if (!name || !name[0] || strlen(name) > BACKEND_MAX_NAME)
                return gql_resolve_error(ri, "name: required, at most 128 bytes");
        doc = cJSON_CreateObject();
        backend_set_str(doc, "_id", id);
        backend_set_str(doc, "environmentID", backend_field_str(req, "environmentID"));
        backend_set_str(doc, "projectID", project);
        backend_set_str(doc, "name", name);
        backend_set_str(doc, "description", backend_field_str(req, "description"));
        backend_set_str(doc, "type", backend_field_str(req, "type"));
        set_tags(doc, gql_value_field(req, "tags"));
        cJSON_AddArrayToObject(doc, "infraIDs");
        backend_set_now(doc, "createdAt");
        backend_set_now(doc, "updatedAt");
        cJSON_AddItemToObject(doc, "createdBy", backend_user_json(q));
        cJSON_AddItemToObject(doc, "updatedBy", backend_user_json(q));
        cJSON_AddBoolToObject(doc, "isRemoved", false);
        r = rift_store_insert(q->b->store, BC_ENVS, doc, &stored);
        cJSON_Delete(doc);
        if (r == RIFT_E_EXISTS)
                return gql_resolve_error(ri, "environmentID: an environment with this id already exists");
        if (r < 0)
                return gql_resolve_error(ri, "cannot store the environment");
        *ret = gql_value_opaque(ri->arena, backend_keep(q, stored), "Environment");
        return 0;
}

/* Loads the environment named by `environmentID` (argument or request field) in project. */
static int load_env(struct gql_resolve_info *ri, const char *project, const char *env, cJSON **ret)
{
        struct gql_req *q = ri->ctx;
        char id[256];
        int r = env_key(ri, project, env, id, sizeof(id));

        if (r < 0)
                return r;
        r = rift_store_get(q->b->store, BC_ENVS, id, ret);
        if (r == RIFT_E_NOTFOUND)
                return gql_resolve_error(ri, "environment not found");
        return r < 0 ? gql_resolve_error(ri, "cannot read the environment") : 0;
}

int res_update_environment(struct gql_resolve_info *ri, struct gql_value **ret)
{
        struct gql_req *q = ri->ctx;
        const struct gql_value *req = gql_arg(ri, "request");
        const char *project, *v;
        cJSON *doc;
        int r = backend_authorize(ri, ROLE_OWNER, &project);

        if (r < 0)
                return r;
        if (!req || req->kind != GQL_OBJECT)
                return gql_resolve_error(ri, "request: required");
        if ((r = load_env(ri, project, backend_field_str(req, "environmentID"), &doc)) < 0)
                return r;
        backend_keep(q, doc);
        if ((v = backend_field_str(req, "name")) != NULL) {
                if (!v[0] || strlen(v) > BACKEND_MAX_NAME)
                        return gql_resolve_error(ri, "name: at most 128 bytes, not empty");
                backend_set_str(doc, "name", v);
        }
        if ((v = backend_field_str(req, "description")) != NULL)
                backend_set_str(doc, "description", v);
        if ((v = backend_field_str(req, "type")) != NULL)
                backend_set_str(doc, "type", v);
        set_tags(doc, gql_value_field(req, "tags"));
        backend_set_now(doc, "updatedAt");
        cJSON_DeleteItemFromObjectCaseSensitive(doc, "updatedBy");
        cJSON_AddItemToObject(doc, "updatedBy", backend_user_json(q));
        r = rift_store_update(q->b->store, BC_ENVS, doc, NULL);
        if (r < 0)
                return gql_resolve_error(ri,
                                         r == RIFT_E_CONFLICT ? "concurrent update, retry" : "cannot store");
        *ret = gql_value_string(ri->arena, "environment updated", 19);
        return 0;
}

int res_delete_environment(struct gql_resolve_info *ri, struct gql_value **ret)
{
        struct gql_req *q = ri->ctx;
        const char *project;
        cJSON *doc, *f;
        uint64_t n = 0;
        int r = backend_authorize(ri, ROLE_OWNER, &project);

        if (r < 0)
                return r;
        if ((r = load_env(ri, project, backend_arg_str(ri, "environmentID"), &doc)) < 0)
                return r;
        backend_keep(q, doc);
        f = backend_keep(q, cJSON_CreateObject());
        cJSON_AddStringToObject(f, "projectID", project);
        cJSON_AddStringToObject(f, "environmentID", backend_arg_str(ri, "environmentID"));
        cJSON_AddBoolToObject(f, "isRemoved", false);
        rift_store_count(q->b->store, BC_INFRAS, f, &n);
        if (n > 0)
                return gql_resolve_error(ri, "environment still has infrastructures: delete them first");
        r = rift_store_delete(q->b->store, BC_ENVS, cJSON_GetObjectItem(doc, "_id")->valuestring);
        if (r < 0)
                return gql_resolve_error(ri, "cannot delete the environment");
        *ret = gql_value_string(ri->arena, "environment deleted", 19);
        return 0;
}

int res_get_environment(struct gql_resolve_info *ri, struct gql_value **ret)
{
        struct gql_req *q = ri->ctx;
        const char *project;
        cJSON *doc;
        int r = backend_authorize(ri, ROLE_VIEWER, &project);

        if (r < 0)
                return r;
        if ((r = load_env(ri, project, backend_arg_str(ri, "environmentID"), &doc)) < 0)
                return r;
        *ret = gql_value_opaque(ri->arena, backend_keep(q, doc), "Environment");
        return 0;
}

int backend_page(const struct gql_value *pagination, size_t *ret_skip, size_t *ret_limit)
{
        const struct gql_value *page = pagination ? gql_value_field(pagination, "page") : NULL;
        const struct gql_value *limit = pagination ? gql_value_field(pagination, "limit") : NULL;
        int64_t p = page && page->kind == GQL_INT ? page->i : 0;
        int64_t l = limit && limit->kind == GQL_INT ? limit->i : BACKEND_MAX_PAGE;

        if (p < 0 || l <= 0 || l > (int64_t)BACKEND_MAX_PAGE || p > 1000000)
                return RIFT_E_INVALID;
        *ret_skip = (size_t)(p * l);
        *ret_limit = (size_t)l;
        return 0;
}

/* Adds {"field": {"$in": [...]}} for a list argument of strings. */
void backend_filter_in(cJSON *filter, const char *field, const struct gql_value *list)
{
        cJSON *in;

        if (!list || list->kind != GQL_LIST)
                return;
        in = cJSON_CreateArray();
        for (size_t i = 0; i < list->list.n && i < RIFT_STORE_MAX_IN; i++)
                if (list->list.items[i] && list->list.items[i]->kind == GQL_STRING)
                        cJSON_AddItemToArray(in, cJSON_CreateString(list->list.items[i]->str.s));
        cJSON_AddItemToObject(cJSON_AddObjectToObject(filter, field), "$in", in);
}

/* Runs a filtered, paged find and builds {total: n, items: [...]} under the given names. */
int backend_list(struct gql_resolve_info *ri, const char *coll, const cJSON *filter,
                 const struct rift_store_sort *sort, const struct gql_value *pagination,
                 const char *total_name, const char *items_name, cJSON **ret)
{
        struct gql_req *q = ri->ctx;
        struct rift_store_query sq = { .filter = filter, .sort = sort, .n_sort = sort ? 1 : 0 };
        uint64_t total = 0;
        cJSON *docs = NULL, *out;
        int r = backend_page(pagination, &sq.skip, &sq.limit);

        if (r < 0)
                return gql_resolve_error(ri, "pagination: page >= 0 and limit in 1..100");
        if ((r = rift_store_count(q->b->store, coll, filter, &total)) < 0 ||
            (r = rift_store_find(q->b->store, coll, &sq, &docs)) < 0)
                return gql_resolve_error(ri, "cannot read the store");
        out = backend_keep(q, cJSON_CreateObject());
        cJSON_AddNumberToObject(out, total_name, (double)total);
        cJSON_AddItemToObject(out, items_name, docs);
        *ret = out;
        return 0;
}

int res_list_environments(struct gql_resolve_info *ri, struct gql_value **ret)
{
        struct gql_req *q = ri->ctx;
        const struct gql_value *req = gql_arg(ri, "request");
        static const struct rift_store_sort by_time = { "createdAt", true };
        const char *project;
        cJSON *filter, *out;
        int r = backend_authorize(ri, ROLE_VIEWER, &project);

        if (r < 0)
                return r;
        filter = backend_keep(q, cJSON_CreateObject());
        cJSON_AddStringToObject(filter, "projectID", project);
        backend_filter_in(filter, "environmentID", req ? gql_value_field(req, "environmentIDs") : NULL);
        r = backend_list(ri, BC_ENVS, filter, &by_time, req ? gql_value_field(req, "pagination") : NULL,
                         "totalNoOfEnvironments", "environments", &out);
        if (r < 0)
                return r;
        *ret = gql_value_opaque(ri->arena, out, "ListEnvironmentResponse");
        return 0;
}
