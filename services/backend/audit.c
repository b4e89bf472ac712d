/* The backend's audit trail (docs/safety.md): every GraphQL mutation that reaches its resolver's
 * execution pass is recorded with who (user id and name from rift-auth), when, what (operation, action,
 * the ids it named, success or the error) and from where (the client's address). Mutations are wrapped
 * when the schema is built, so a feature's new mutation is audited without further code. Events
 * expire after AUDIT_RETENTION (a store TTL); Owners list their project's events with listAuditEvents. */
#include <stdio.h>
#include <string.h>

#include "lib/crypto.h"
#include "lib/graphql/graphql.h"
#include "lib/log.h"
#include "lib/store.h"
#include "lib/str.h"
#include "services/backend/backend.h"

#define AUDIT_MAX_WRAPPED  128u /* mutations that can be wrapped */
#define AUDIT_MAX_RESOURCE 512u /* bytes of the "resource" summary */

/* The mutations' own resolvers, by field name. */
static struct {
        const char *name;               /* mutation field */
        gql_resolve_fn resolve;         /* its resolver */
        const struct gql_arg_def *args; /* its arguments */
} wrapped[AUDIT_MAX_WRAPPED];
static size_t n_wrapped;
static const struct rift_store *ttl_set_on; /* the store handle whose TTL was declared */

/* Operation name prefix to audit action, most specific first. */
static const struct {
        const char *prefix; /* operation name starts with */
        const char *action; /* recorded action */
} actions[] = {
        { "releaseEmergencyStop", "release_emergency_stop" },
        { "emergencyStop", "emergency_stop" },
        { "dryRun", "dry_run" },
        { "create", "create" },
        { "register", "create" },
        { "add", "create" },
        { "save", "save" },
        { "update", "update" },
        { "set", "update" },
        { "delete", "delete" },
        { "run", "run" },
        { "stop", "stop" },
};

static const char *action_of(const char *op)
{
        for (size_t i = 0; i < ARRAY_SIZE(actions); i++)
                if (rift_startswith(op, actions[i].prefix))
                        return actions[i].action;
        return "other";
}

static void declare_ttl(struct backend_ctx *b)
{
        if (ttl_set_on == b->store)
                return;
        if (rift_store_ensure_ttl(b->store, BC_AUDIT, "expiresAt") == 0)
                ttl_set_on = b->store;
}

static void append(char *buf, size_t n, const char *name, const char *value)
{
        size_t l = strlen(buf);

        if (value && value[0] && l < n)
                snprintf(buf + l, n - l, "%s%s=%.128s", l ? " " : "", name, value);
}

/* "experimentID=x infraID=y": string arguments, and id-like fields of input objects. */
static void resource_of(const struct gql_resolve_info *ri, const struct gql_arg_def *args, char *buf,
                        size_t n)
{
        buf[0] = '\0';
        for (const struct gql_arg_def *a = args; a && a->name; a++) {
                const struct gql_value *v = gql_arg(ri, a->name);
                if (!v || rift_streq(a->name, "projectID"))
                        continue;
                if (v->kind == GQL_STRING || v->kind == GQL_ENUM) {
                        append(buf, n, a->name, v->str.s);
                        continue;
                }
                for (size_t i = 0; v->kind == GQL_OBJECT && i < v->obj.n; i++) {
                        const struct gql_value *e = v->obj.values[i];
                        const char *k = v->obj.names[i];
                        if (e && e->kind == GQL_STRING &&
                            (rift_endswith(k, "ID") || rift_endswith(k, "Name") || rift_streq(k, "name") ||
                             rift_streq(k, "id")))
                                append(buf, n, k, e->str.s);
                }
        }
}

void audit_record(struct backend_ctx *b, const struct gql_req *q, const char *project, const char *op,
                  const char *resource, const char *error)
{
        char id[RIFT_STORE_ID_LEN + 1];
        int64_t now = backend_now_ms();
        cJSON *doc = cJSON_CreateObject();

        declare_ttl(b);
        rift_store_new_id(id);
        cJSON_AddStringToObject(doc, "_id", id);
        cJSON_AddStringToObject(doc, "eventID", id);
        cJSON_AddNumberToObject(doc, "timeMs", (double)now);
        backend_set_now(doc, "time");
        cJSON_AddStringToObject(doc, "service", "backend");
        cJSON_AddStringToObject(doc, "operation", op);
        cJSON_AddStringToObject(doc, "action", action_of(op));
        cJSON_AddStringToObject(doc, "projectID", project ? project : "");
        cJSON_AddStringToObject(doc, "userID", q->user_id);
        cJSON_AddStringToObject(doc, "username", q->username);
        cJSON_AddStringToObject(doc, "source", q->peer);
        cJSON_AddStringToObject(doc, "resource", resource ? resource : "");
        cJSON_AddStringToObject(doc, "outcome", error ? "failure" : "success");
        cJSON_AddStringToObject(doc, "detail", error ? error : "");
        cJSON_AddNumberToObject(doc, "expiresAt", (double)(now + b->cfg->audit_keep_ms));
        if (rift_store_insert(b->store, BC_AUDIT, doc, NULL) < 0)
                log_error("cannot store an audit event", LOG_STR("operation", op),
                          LOG_STR("user", q->username));
        cJSON_Delete(doc);
}

static int audit_resolve(struct gql_resolve_info *ri, struct gql_value **ret)
{
        struct gql_req *q = ri->ctx;
        gql_resolve_fn fn = NULL;
        const struct gql_arg_def *args = NULL;
        char resource[AUDIT_MAX_RESOURCE];
        int r;

        for (size_t i = 0; i < n_wrapped && !fn; i++)
                if (rift_streq(wrapped[i].name, ri->field_name)) {
                        fn = wrapped[i].resolve;
                        args = wrapped[i].args;
                }
        if (!fn)
                return gql_resolve_error(ri, "internal error: unknown mutation");
        r = fn(ri, ret);
        if (q->discover || q->overflow)
                return r;
        resource_of(ri, args, resource, sizeof(resource));
        audit_record(q->b, q, backend_arg_str(ri, "projectID"), ri->field_name, resource,
                     r < 0 ? (ri->error ? ri->error : "failed") : NULL);
        return r;
}

void audit_wrap_mutations(struct gql_field_def *m, size_t n)
{
        for (size_t i = 0; i < n && m[i].name; i++) {
                if (m[i].resolve == audit_resolve)
                        continue;
                if (n_wrapped == AUDIT_MAX_WRAPPED) {
                        log_error("audit: too many mutations to wrap", LOG_STR("field", m[i].name));
                        return;
                }
                size_t k = 0;
                while (k < n_wrapped && !rift_streq(wrapped[k].name, m[i].name))
                        k++;
                wrapped[k].name = m[i].name;
                wrapped[k].resolve = m[i].resolve;
                wrapped[k].args = m[i].args;
                if (k == n_wrapped)
                        n_wrapped++;
                m[i].resolve = audit_resolve;
        }
}

int audit_res_list(struct gql_resolve_info *ri, struct gql_value **ret)
{
        struct gql_req *q = ri->ctx;
        const struct gql_value *f = gql_arg(ri, "filter"), *since = gql_value_field(f, "sinceMs");
        static const struct rift_store_sort newest = { "timeMs", true };
        const char *project, *v;
        cJSON *filter, *out;
        int r = backend_authorize(ri, ROLE_OWNER, &project);

        if (r < 0)
                return r;
        declare_ttl(q->b);
        filter = backend_keep(q, cJSON_CreateObject());
        cJSON_AddStringToObject(filter, "projectID", project);
        if ((v = backend_field_str(f, "action")) && v[0])
                cJSON_AddStringToObject(filter, "action", v);
        if ((v = backend_field_str(f, "username")) && v[0])
                cJSON_AddStringToObject(filter, "username", v);
        if (since && (since->kind == GQL_FLOAT || since->kind == GQL_INT))
                cJSON_AddNumberToObject(cJSON_AddObjectToObject(filter, "timeMs"), "$gte",
                                        since->kind == GQL_INT ? (double)since->i : since->f);
        r = backend_list(ri, BC_AUDIT, filter, &newest, gql_arg(ri, "pagination"), "totalNoOfEvents",
                         "events", &out);
        if (r < 0)
                return r;
        *ret = gql_value_opaque(ri->arena, out, "ListAuditEventsResponse");
        return 0;
}
