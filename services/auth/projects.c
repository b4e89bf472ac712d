/* Projects: documents with embedded memberships, the project endpoints, and the membership checks
 * every project-scoped endpoint goes through (auth_project_check). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/clock.h"
#include "lib/crypto.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/store.h"
#include "lib/str.h"
#include "services/auth/auth.h"

int auth_project_get(struct auth_ctx *ctx, const char *id, cJSON **ret)
{
        if (!id || !*id || strlen(id) > RIFT_MAX_ID)
                return RIFT_E_NOTFOUND;
        return rift_store_get(ctx->store, AUTH_C_PROJECTS, id, ret);
}

struct pcache_entry {
        char id[RIFT_MAX_ID + 1]; /* project id; "" = empty */
        int64_t until_ms;         /* monotonic time the entry expires */
        cJSON *doc;               /* the project document */
};

struct auth_pcache {
        struct pcache_entry e[AUTH_PCACHE_SLOTS]; /* direct-mapped by a hash of the id */
};

int auth_pcache_new(struct auth_pcache **ret)
{
        *ret = calloc(1, sizeof(**ret));
        return *ret ? 0 : -ENOMEM;
}

void auth_pcache_flush(struct auth_pcache *c)
{
        if (!c)
                return;
        for (size_t i = 0; i < AUTH_PCACHE_SLOTS; i++) {
                cJSON_Delete(c->e[i].doc);
                c->e[i] = (struct pcache_entry){ 0 };
        }
}

void auth_pcache_free(struct auth_pcache *c)
{
        auth_pcache_flush(c);
        free(c);
}

int auth_project_get_cached(struct auth_ctx *ctx, const char *id, const cJSON **ret)
{
        struct pcache_entry *e;
        uint32_t h = 2166136261u; /* FNV-1a: a collision only costs a store read */
        int64_t now = rift_mono_ms();
        cJSON *doc = NULL;
        int r;

        if (!id || !*id || strlen(id) > RIFT_MAX_ID)
                return RIFT_E_NOTFOUND;
        for (const char *p = id; *p; p++)
                h = (h ^ (uint8_t)*p) * 16777619u;
        e = &ctx->pcache->e[h % AUTH_PCACHE_SLOTS];
        if (e->doc && e->until_ms > now && strcmp(e->id, id) == 0) {
                *ret = e->doc;
                return 0;
        }
        r = auth_project_get(ctx, id, &doc);
        if (r < 0)
                return r;
        cJSON_Delete(e->doc);
        rift_strlcpy(e->id, id, sizeof(e->id));
        e->doc = doc;
        e->until_ms = now + AUTH_CACHE_TTL_MS;
        *ret = doc;
        return 0;
}

int auth_project_save(struct auth_ctx *ctx, const cJSON *p)
{
        int r = rift_store_update(ctx->store, AUTH_C_PROJECTS, p, NULL);

        auth_pcache_flush(ctx->pcache);
        return r;
}

cJSON *auth_project_member(const cJSON *project, const char *uid)
{
        const cJSON *members = cJSON_GetObjectItemCaseSensitive(project, "members");
        cJSON *m;

        cJSON_ArrayForEach(m, members)
        {
                const char *id;

                if (rift_json_get_string(m, "user_id", &id) == 0 && rift_streq(id, uid))
                        return m;
        }
        return NULL;
}

void auth_member_state(const cJSON *member, enum auth_prole *ret_role, enum auth_invite *ret_state)
{
        const char *s;

        *ret_role = AUTH_PROLE_NONE;
        *ret_state = AUTH_INV_NONE;
        if (!member || cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(member, "deactivated_at")))
                return;
        if (rift_json_get_string(member, "role", &s) == 0 && auth_prole_parse(s, ret_role) < 0)
                *ret_role = AUTH_PROLE_NONE;
        if (rift_json_get_string(member, "invitation", &s) == 0 && auth_invite_parse(s, ret_state) < 0)
                *ret_state = AUTH_INV_NONE;
}

int auth_project_check(struct auth_ctx *ctx, struct auth_call *c, enum auth_action a, const char *project_id,
                       cJSON **ret_project)
{
        _cleanup_json_ cJSON *p = NULL;
        enum auth_prole role;
        enum auth_invite state;
        int r = auth_project_get(ctx, project_id, &p);

        if (r == RIFT_E_NOTFOUND && c->who.role != AUTH_GROLE_ADMIN)
                return RIFT_E_FORBIDDEN; /* do not tell outsiders which ids exist */
        if (r < 0)
                return r;
        auth_member_state(auth_project_member(p, c->who.uid), &role, &state);
        r = auth_rbac_project(a, c->who.role, role, state);
        if (r < 0)
                return r;
        if (ret_project)
                *ret_project = TAKE_PTR(p);
        return 0;
}

static cJSON *member_json(const cJSON *m)
{
        cJSON *o = cJSON_CreateObject();
        const char *s;
        int64_t v;

        if (!o)
                return NULL;
        static const char *const map[][2] = {
                { "user_id", "userID" }, { "username", "username" }, { "email", "email" },
                { "name", "name" },      { "role", "role" },         { "invitation", "invitation" },
        };
        for (size_t i = 0; i < ARRAY_SIZE(map); i++)
                if (rift_json_get_string(m, map[i][0], &s) == 0)
                        cJSON_AddStringToObject(o, map[i][1], s);
        if (rift_json_get_int64(m, "joined_at", &v) == 0)
                cJSON_AddNumberToObject(o, "joinedAt", (double)v);
        if (rift_json_get_int64(m, "deactivated_at", &v) == 0)
                cJSON_AddNumberToObject(o, "deactivatedAt", (double)v);
        return o;
}

/* Litmus's project shape: projectID, name, members[], state, description, tags, timestamps. */
cJSON *auth_project_json(const cJSON *p)
{
        cJSON *o = cJSON_CreateObject(), *members, *m;
        const cJSON *tags;
        const char *s;
        int64_t v;

        if (!o)
                return NULL;
        if (rift_json_get_string(p, "_id", &s) == 0)
                cJSON_AddStringToObject(o, "projectID", s);
        if (rift_json_get_string(p, "created_by", &s) == 0)
                cJSON_AddStringToObject(o, "uid", s);
        static const char *const strs[] = { "name", "state", "description" };
        for (size_t i = 0; i < ARRAY_SIZE(strs); i++)
                if (rift_json_get_string(p, strs[i], &s) == 0)
                        cJSON_AddStringToObject(o, strs[i], s);
        if (rift_json_get_array(p, "tags", &tags) == 0)
                cJSON_AddItemToObject(o, "tags", cJSON_Duplicate(tags, true));
        if (rift_json_get_int64(p, "created_at", &v) == 0)
                cJSON_AddNumberToObject(o, "createdAt", (double)v);
        if (rift_json_get_int64(p, "updated_at", &v) == 0)
                cJSON_AddNumberToObject(o, "updatedAt", (double)v);
        cJSON_AddBoolToObject(o, "isRemoved", false);
        members = cJSON_AddArrayToObject(o, "members");
        cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(p, "members"))
            cJSON_AddItemToArray(members, member_json(m));
        return o;
}

static int reply_data(struct auth_reply *rp, cJSON *data)
{
        cJSON *o = cJSON_CreateObject();

        if (!o || !data) {
                cJSON_Delete(o);
                cJSON_Delete(data);
                return -ENOMEM;
        }
        cJSON_AddItemToObject(o, "data", data);
        return auth_reply_json(rp, 200, o);
}

/* A membership entry for user with role and state. */
cJSON *auth_member_new(const cJSON *user, enum auth_prole role, enum auth_invite state)
{
        cJSON *m = cJSON_CreateObject();
        const char *s;

        if (!m)
                return NULL;
        if (rift_json_get_string(user, "_id", &s) == 0)
                cJSON_AddStringToObject(m, "user_id", s);
        static const char *const keys[] = { "username", "email", "name" };
        for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
                cJSON_AddStringToObject(m, keys[i], rift_json_get_string(user, keys[i], &s) == 0 ? s : "");
        cJSON_AddStringToObject(m, "role", auth_prole_name(role));
        cJSON_AddStringToObject(m, "invitation", auth_invite_name(state));
        cJSON_AddNumberToObject(m, "joined_at", (double)rift_now_ms());
        return m;
}

static int name_taken(struct auth_ctx *ctx, const char *name)
{
        _cleanup_json_ cJSON *f = cJSON_CreateObject();
        uint64_t n = 0;
        int r;

        if (!f || rift_json_add_string(f, "name", name) < 0)
                return -ENOMEM;
        r = rift_store_count(ctx->store, AUTH_C_PROJECTS, f, &n);
        return r < 0 ? r : n > 0;
}

int auth_project_create(struct auth_ctx *ctx, const cJSON *owner, const char *name, const char *desc,
                        const cJSON *tags, cJSON **ret)
{
        _cleanup_json_ cJSON *p = cJSON_CreateObject();
        char id[RIFT_UUID_STRLEN + 1];
        const char *uid = "";
        int64_t now = rift_now_ms();
        cJSON *members;
        int r = name_taken(ctx, name);

        if (r < 0)
                return r;
        if (r > 0)
                return RIFT_E_EXISTS; /* checked here too: MongoDB-compatible servers may skip unique indexes */
        if (!p || (r = rift_crypto_uuid4(id)) < 0)
                return r < 0 ? r : -ENOMEM;
        (void)rift_json_get_string(owner, "_id", &uid);
        cJSON_AddStringToObject(p, "_id", id);
        cJSON_AddStringToObject(p, "name", name);
        cJSON_AddStringToObject(p, "state", "active");
        cJSON_AddStringToObject(p, "description", desc ? desc : "");
        cJSON_AddItemToObject(p, "tags", tags ? cJSON_Duplicate(tags, true) : cJSON_CreateArray());
        cJSON_AddStringToObject(p, "created_by", uid);
        cJSON_AddNumberToObject(p, "created_at", (double)now);
        cJSON_AddNumberToObject(p, "updated_at", (double)now);
        members = cJSON_AddArrayToObject(p, "members");
        if (!members)
                return -ENOMEM;
        cJSON_AddItemToArray(members, auth_member_new(owner, AUTH_PROLE_OWNER, AUTH_INV_ACCEPTED));
        r = rift_store_insert(ctx->store, AUTH_C_PROJECTS, p, ret);
        return r;
}

/* Accepted memberships of uid with this role (AUTH_PROLE_NONE: any role) as a cJSON array. */
static int projects_of(struct auth_ctx *ctx, const char *uid, enum auth_prole role, cJSON **ret)
{
        _cleanup_json_ cJSON *f = cJSON_CreateObject(), *docs = NULL;
        struct rift_store_query q = { .limit = 10 * AUTH_MAX_PROJECTS };
        cJSON *out = cJSON_CreateArray(), *p, *next;
        int r;

        if (!f || !out || rift_json_add_string(f, "members.user_id", uid) < 0) {
                cJSON_Delete(out);
                return -ENOMEM;
        }
        q.filter = f;
        r = rift_store_find(ctx->store, AUTH_C_PROJECTS, &q, &docs);
        if (r < 0) {
                cJSON_Delete(out);
                return r;
        }
        for (p = docs ? docs->child : NULL; p; p = next) {
                enum auth_prole pr;
                enum auth_invite st;

                next = p->next;
                auth_member_state(auth_project_member(p, uid), &pr, &st);
                if (st == AUTH_INV_ACCEPTED && (role == AUTH_PROLE_NONE || role == pr))
                        cJSON_AddItemToArray(out, cJSON_DetachItemViaPointer(docs, p));
        }
        *ret = out;
        return 0;
}

int auth_project_ensure_default(struct auth_ctx *ctx, const cJSON *user, char **ret_project_id)
{
        _cleanup_json_ cJSON *owned = NULL, *created = NULL;
        const char *uid, *username, *id;
        char name[AUTH_PROJECT_NAME_MAX + 1];
        int r;

        if (rift_json_get_string(user, "_id", &uid) < 0 ||
            rift_json_get_string(user, "username", &username) < 0)
                return RIFT_E_INVALID;
        r = projects_of(ctx, uid, AUTH_PROLE_OWNER, &owned);
        if (r < 0)
                return r;
        if (cJSON_GetArraySize(owned) > 0) {
                if (rift_json_get_string(cJSON_GetArrayItem(owned, 0), "_id", &id) < 0)
                        return RIFT_E_INVALID;
                *ret_project_id = strdup(id);
                return *ret_project_id ? 0 : -ENOMEM;
        }
        snprintf(name, sizeof(name), "%.80s-project", username);
        for (int i = 2;
             (r = auth_project_create(ctx, user, name, "", NULL, &created)) == RIFT_E_EXISTS && i < 20; i++)
                snprintf(name, sizeof(name), "%.80s-project-%d", username, i);
        if (r < 0)
                return r;
        if (rift_json_get_string(created, "_id", &id) < 0)
                return RIFT_E_INVALID;
        *ret_project_id = strdup(id);
        return *ret_project_id ? 0 : -ENOMEM;
}

static int check_tags(struct auth_call *c, const cJSON **ret)
{
        const cJSON *tags = NULL, *t;
        int r = rift_json_get_array(c->json, "tags", &tags);

        if (r == -ENOENT) {
                *ret = NULL;
                return 0;
        }
        if (r < 0 || cJSON_GetArraySize(tags) > (int)AUTH_MAX_TAGS)
                goto bad;
        cJSON_ArrayForEach(t, tags) if (!cJSON_IsString(t) || strlen(t->valuestring) > AUTH_TAG_MAX ||
                                        !auth_display_name_valid(t->valuestring)) goto bad;
        *ret = tags;
        return 0;
bad:
        snprintf(c->problem, sizeof(c->problem), "tags must be a list of at most 32 short strings");
        return RIFT_E_INVALID;
}

int auth_h_create_project(struct auth_ctx *ctx, struct auth_call *c, struct auth_reply *rp)
{
        _cleanup_json_ cJSON *user = NULL, *p = NULL, *owned = NULL;
        const char *name, *desc = NULL;
        const cJSON *tags;
        int r;

        if ((r = auth_body_string(c, "projectName", true, &name)) < 0 ||
            (r = auth_body_string(c, "description", false, &desc)) < 0 || (r = check_tags(c, &tags)) < 0)
                return r;
        if (!auth_project_name_valid(name))
                return auth_reply_error(rp, 400, "invalid_request", "invalid project name");
        if (desc && (strlen(desc) > AUTH_DESCRIPTION_MAX || !rift_utf8_valid(desc, strlen(desc))))
                return auth_reply_error(rp, 400, "invalid_request", "invalid description");
        r = projects_of(ctx, c->who.uid, AUTH_PROLE_OWNER, &owned);
        if (r < 0)
                return r;
        if ((size_t)cJSON_GetArraySize(owned) >= AUTH_MAX_PROJECTS)
                return auth_reply_error(rp, 409, "limit_reached", "you own the most projects allowed");
        r = auth_user_get(ctx, c->who.uid, &user);
        if (r < 0)
                return r;
        r = auth_project_create(ctx, user, name, desc, tags, &p);
        if (r == RIFT_E_EXISTS)
                return auth_reply_error(rp, 409, "project_exists", "a project with this name already exists");
        if (r < 0)
                return r;
        return reply_data(rp, auth_project_json(p));
}

/* Query parameter as a bool: absent = def; anything but true/false is an error. */
static int query_bool(struct auth_call *c, const char *name, bool def, bool *ret)
{
        const char *v = c->query ? c->query(c->ud, name) : NULL;

        *ret = def;
        if (!v || !*v)
                return 0;
        return rift_parse_bool(v, ret) < 0 ? RIFT_E_INVALID : 0;
}

static int query_int(struct auth_call *c, const char *name, int64_t def, int64_t min, int64_t max,
                     int64_t *ret)
{
        const char *v = c->query ? c->query(c->ud, name) : NULL;

        *ret = def;
        if (!v || !*v)
                return 0;
        return rift_parse_int64(v, min, max, ret) < 0 ? RIFT_E_INVALID : 0;
}

static bool sort_by_name; /* comparator settings for project_cmp (single-threaded) */
static bool sort_ascending;

static int project_cmp(const void *a, const void *b)
{
        const cJSON *pa = *(const cJSON *const *)a, *pb = *(const cJSON *const *)b;
        int d;

        if (sort_by_name) {
                const char *na = "", *nb = "";

                (void)rift_json_get_string(pa, "name", &na);
                (void)rift_json_get_string(pb, "name", &nb);
                d = strcasecmp(na, nb);
        } else {
                int64_t ta = 0, tb = 0;

                (void)rift_json_get_int64(pa, "created_at", &ta);
                (void)rift_json_get_int64(pb, "created_at", &tb);
                d = ta < tb ? -1 : ta > tb;
        }
        return sort_ascending ? d : -d;
}

/* Keeps the projects that pass the name and createdByMe filters, sorted, in a plain array. */
static size_t filter_sort(struct auth_call *c, cJSON *all, const char *name, bool mine, cJSON **arr,
                          size_t cap)
{
        size_t n = 0;
        cJSON *p;

        cJSON_ArrayForEach(p, all)
        {
                const char *pn = "", *by = "";

                (void)rift_json_get_string(p, "name", &pn);
                (void)rift_json_get_string(p, "created_by", &by);
                if ((name && *name && !strcasestr(pn, name)) || (mine && strcmp(by, c->who.uid) != 0) ||
                    n == cap)
                        continue;
                arr[n++] = p;
        }
        qsort(arr, n, sizeof(*arr), project_cmp);
        return n;
}

int auth_h_list_projects(struct auth_ctx *ctx, struct auth_call *c, struct auth_reply *rp)
{
        _cleanup_json_ cJSON *all = NULL;
        _cleanup_free_ cJSON **arr = NULL;
        const char *name = c->query ? c->query(c->ud, "projectName") : NULL, *field;
        bool mine, asc;
        int64_t page, limit;
        cJSON *data, *list;
        size_t n;
        int r;

        field = c->query ? c->query(c->ud, "sortField") : NULL;
        if (query_bool(c, "createdByMe", false, &mine) < 0 ||
            query_bool(c, "sortAscending", false, &asc) < 0 ||
            query_int(c, "page", 0, 0, 1000000, &page) < 0 ||
            query_int(c, "limit", AUTH_PAGE_DEFAULT, 1, AUTH_PAGE_MAX, &limit) < 0 ||
            (field && *field && strcmp(field, "name") != 0 && strcmp(field, "time") != 0))
                return auth_reply_error(rp, 400, "invalid_request", "invalid query parameter");
        r = projects_of(ctx, c->who.uid, AUTH_PROLE_NONE, &all);
        if (r < 0)
                return r;
        arr = calloc(MAX(cJSON_GetArraySize(all), 1), sizeof(*arr));
        if (!arr)
                return -ENOMEM;
        sort_by_name = field && strcmp(field, "name") == 0;
        sort_ascending = asc;
        n = filter_sort(c, all, name, mine, arr, (size_t)cJSON_GetArraySize(all));
        data = cJSON_CreateObject();
        list = cJSON_AddArrayToObject(data, "projects");
        if (!list) {
                cJSON_Delete(data);
                return -ENOMEM;
        }
        for (size_t i = (size_t)(page * limit); i < n && i < (size_t)((page + 1) * limit); i++)
                cJSON_AddItemToArray(list, auth_project_json(arr[i]));
        cJSON_AddNumberToObject(data, "totalNumberOfProjects", (double)n);
        return reply_data(rp, data);
}

int auth_h_get_project(struct auth_ctx *ctx, struct auth_call *c, struct auth_reply *rp)
{
        _cleanup_json_ cJSON *p = NULL;
        int r = auth_project_check(ctx, c, AUTH_ACT_GET_PROJECT, c->param(c->ud, "id"), &p);

        if (r < 0)
                return r;
        return reply_data(rp, auth_project_json(p));
}

/* Members of p whose state matches: "accepted", "not_accepted" (everything else) or "all". */
static int members_reply(struct auth_reply *rp, const cJSON *p, const char *which, bool owners_only)
{
        cJSON *out = cJSON_CreateArray(), *m;

        if (!out)
                return -ENOMEM;
        cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(p, "members"))
        {
                enum auth_prole role;
                enum auth_invite st;
                const char *s = "";

                (void)rift_json_get_string(m, "invitation", &s);
                (void)auth_invite_parse(s, &st);
                (void)rift_json_get_string(m, "role", &s);
                if (auth_prole_parse(s, &role) < 0)
                        role = AUTH_PROLE_NONE;
                if ((strcmp(which, "accepted") == 0 && st != AUTH_INV_ACCEPTED) ||
                    (strcmp(which, "not_accepted") == 0 && st == AUTH_INV_ACCEPTED) ||
                    (owners_only && (role != AUTH_PROLE_OWNER || st != AUTH_INV_ACCEPTED)))
                        continue;
                cJSON_AddItemToArray(out, member_json(m));
        }
        return reply_data(rp, out);
}

int auth_h_get_members(struct auth_ctx *ctx, struct auth_call *c, struct auth_reply *rp)
{
        _cleanup_json_ cJSON *p = NULL;
        const char *state = c->param(c->ud, "state");
        int r;

        if (!state || (strcmp(state, "accepted") && strcmp(state, "not_accepted") && strcmp(state, "all")))
                return auth_reply_error(rp, 400, "invalid_request",
                                        "state must be accepted, not_accepted or all");
        r = auth_project_check(ctx, c, AUTH_ACT_LIST_MEMBERS, c->param(c->ud, "id"), &p);
        if (r < 0)
                return r;
        return members_reply(rp, p, state, false);
}

int auth_h_get_owners(struct auth_ctx *ctx, struct auth_call *c, struct auth_reply *rp)
{
        _cleanup_json_ cJSON *p = NULL;
        int r = auth_project_check(ctx, c, AUTH_ACT_GET_OWNERS, c->param(c->ud, "id"), &p);

        if (r < 0)
                return r;
        return members_reply(rp, p, "all", true);
}

int auth_h_get_role(struct auth_ctx *ctx, struct auth_call *c, struct auth_reply *rp)
{
        _cleanup_json_ cJSON *p = NULL;
        enum auth_prole role = AUTH_PROLE_NONE;
        enum auth_invite st = AUTH_INV_NONE;
        cJSON *out;
        int r = auth_project_get(ctx, c->param(c->ud, "id"), &p);

        if (r < 0 && r != RIFT_E_NOTFOUND)
                return r;
        if (p)
                auth_member_state(auth_project_member(p, c->who.uid), &role, &st);
        out = cJSON_CreateObject();
        if (!out ||
            !cJSON_AddStringToObject(out, "role", st == AUTH_INV_ACCEPTED ? auth_prole_name(role) : "N/A")) {
                cJSON_Delete(out);
                return -ENOMEM;
        }
        return auth_reply_json(rp, 200, out);
}

int auth_h_user_with_project(struct auth_ctx *ctx, struct auth_call *c, struct auth_reply *rp)
{
        _cleanup_json_ cJSON *user = NULL, *projects = NULL;
        const char *uid = NULL;
        cJSON *out, *list, *p;
        int r;

        r = auth_user_by_name(ctx, c->param(c->ud, "username"), &user);
        if (r < 0 && r != RIFT_E_NOTFOUND)
                return r;
        if (user)
                (void)rift_json_get_string(user, "_id", &uid);
        if (auth_rbac_user(AUTH_UACT_USER_PROJECTS, c->who.role, c->who.uid, uid) < 0)
                return RIFT_E_FORBIDDEN;
        if (!user)
                return auth_reply_error(rp, 404, "not_found", "user does not exist");
        r = projects_of(ctx, uid, AUTH_PROLE_NONE, &projects);
        if (r < 0)
                return r;
        out = auth_user_json(user);
        list = cJSON_AddArrayToObject(out, "projects");
        if (!list) {
                cJSON_Delete(out);
                return -ENOMEM;
        }
        cJSON_ArrayForEach(p, projects) cJSON_AddItemToArray(list, auth_project_json(p));
        return reply_data(rp, out);
}

int auth_h_owner_projects(struct auth_ctx *ctx, struct auth_call *c, struct auth_reply *rp)
{
        _cleanup_json_ cJSON *projects = NULL;
        cJSON *out, *p;
        int r = projects_of(ctx, c->who.uid, AUTH_PROLE_OWNER, &projects);

        if (r < 0)
                return r;
        out = cJSON_CreateArray();
        if (!out)
                return -ENOMEM;
        cJSON_ArrayForEach(p, projects) cJSON_AddItemToArray(out, auth_project_json(p));
        return reply_data(rp, out);
}

int auth_h_rename_project(struct auth_ctx *ctx, struct auth_call *c, struct auth_reply *rp)
{
        _cleanup_json_ cJSON *p = NULL;
        const char *id, *name, *old = "";
        int r;

        if ((r = auth_body_string(c, "projectID", true, &id)) < 0 ||
            (r = auth_body_string(c, "projectName", true, &name)) < 0)
                return r;
        if (!auth_project_name_valid(name))
                return auth_reply_error(rp, 400, "invalid_request", "invalid project name");
        r = auth_project_check(ctx, c, AUTH_ACT_RENAME_PROJECT, id, &p);
        if (r < 0)
                return r;
        (void)rift_json_get_string(p, "name", &old);
        if (strcmp(old, name) != 0) {
                r = name_taken(ctx, name);
                if (r < 0)
                        return r;
                if (r > 0)
                        return auth_reply_error(rp, 409, "project_exists",
                                                "a project with this name already exists");
        }
        cJSON_ReplaceItemInObjectCaseSensitive(p, "name", cJSON_CreateString(name));
        cJSON_ReplaceItemInObjectCaseSensitive(p, "updated_at", cJSON_CreateNumber((double)rift_now_ms()));
        r = auth_project_save(ctx, p);
        if (r == RIFT_E_EXISTS)
                return auth_reply_error(rp, 409, "project_exists", "a project with this name already exists");
        if (r < 0)
                return r;
        return auth_reply_message(rp, "project name updated successfully");
}

int auth_h_delete_project(struct auth_ctx *ctx, struct auth_call *c, struct auth_reply *rp)
{
        const char *id = c->param(c->ud, "id");
        int r = auth_project_check(ctx, c, AUTH_ACT_DELETE_PROJECT, id, NULL);

        if (r < 0)
                return r;
        r = rift_store_delete(ctx->store, AUTH_C_PROJECTS, id);
        auth_pcache_flush(ctx->pcache);
        if (r < 0)
                return r;
        log_info("project deleted", LOG_STR("project_id", id), LOG_STR("by", c->who.username));
        return auth_reply_message(rp, "project deleted successfully");
}
