/* rift-auth's audit trail (docs/safety.md): logins (success and failure) and project role changes,
 * with who, when, what and from where, kept for AUDIT_RETENTION (a store TTL). GET /audit_events lists
 * them: an admin sees every event (or one project's with ?projectID=), a project Owner sees the
 * events of that project. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "lib/clock.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/store.h"
#include "lib/str.h"
#include "services/auth/auth.h"

#define AUDIT_PAGE 100 /* events in one answer */

static const struct rift_store *ttl_set_on; /* the store handle whose TTL was declared */

static void declare_ttl(struct auth_ctx *ctx)
{
        if (ttl_set_on != ctx->store && rift_store_ensure_ttl(ctx->store, AUTH_C_AUDIT, "expiresAt") == 0)
                ttl_set_on = ctx->store;
}

void auth_audit(struct auth_ctx *ctx, const struct auth_call *c, const char *action, const char *username,
                const char *project, const char *detail, bool ok)
{
        char id[RIFT_STORE_ID_LEN + 1], when[24];
        int64_t now = rift_now_ms();
        cJSON *doc = cJSON_CreateObject();

        declare_ttl(ctx);
        rift_store_new_id(id);
        snprintf(when, sizeof(when), "%lld", (long long)now);
        cJSON_AddStringToObject(doc, "_id", id);
        cJSON_AddStringToObject(doc, "eventID", id);
        cJSON_AddNumberToObject(doc, "timeMs", (double)now);
        cJSON_AddStringToObject(doc, "time", when);
        cJSON_AddStringToObject(doc, "service", "auth");
        cJSON_AddStringToObject(doc, "action", action);
        cJSON_AddStringToObject(doc, "operation", action);
        cJSON_AddStringToObject(doc, "projectID", project ? project : "");
        cJSON_AddStringToObject(doc, "userID", c->who.uid);
        cJSON_AddStringToObject(doc, "username", username ? username : c->who.username);
        cJSON_AddStringToObject(doc, "source", c->peer ? c->peer : "");
        cJSON_AddStringToObject(doc, "resource", "");
        cJSON_AddStringToObject(doc, "outcome", ok ? "success" : "failure");
        cJSON_AddStringToObject(doc, "detail", detail ? detail : "");
        cJSON_AddNumberToObject(doc, "expiresAt", (double)(now + ctx->cfg->audit_keep_ms));
        if (rift_store_insert(ctx->store, AUTH_C_AUDIT, doc, NULL) < 0)
                log_error("cannot store an audit event", LOG_STR("action", action));
        cJSON_Delete(doc);
}

int auth_h_audit_events(struct auth_ctx *ctx, struct auth_call *c, struct auth_reply *rp)
{
        static const struct rift_store_sort newest = { "timeMs", true };
        const char *project = c->query(c->ud, "projectID"), *action = c->query(c->ud, "action");
        struct rift_store_query q = { .sort = &newest, .n_sort = 1, .limit = AUDIT_PAGE };
        _cleanup_json_ cJSON *p = NULL;
        cJSON *filter, *events = NULL, *out;
        int r;

        if (project && (!project[0] || strlen(project) > RIFT_MAX_ID))
                return auth_reply_error(rp, 400, "invalid_request", "projectID: invalid");
        if (c->who.role != AUTH_GROLE_ADMIN) {
                if (!project)
                        return auth_reply_error(rp, 403, "permission_denied",
                                                "only an admin lists every event; give projectID");
                /* only the project's Owners may change roles, and only they read its trail */
                if ((r = auth_project_check(ctx, c, AUTH_ACT_UPDATE_MEMBER_ROLE, project, &p)) < 0)
                        return r == RIFT_E_NOTFOUND || r == RIFT_E_FORBIDDEN
                                   ? auth_reply_error(rp, 403, "permission_denied", "Owners only")
                                   : r;
        }
        declare_ttl(ctx);
        filter = cJSON_CreateObject();
        if (!filter)
                return -ENOMEM;
        if (project)
                cJSON_AddStringToObject(filter, "projectID", project);
        if (action && action[0])
                cJSON_AddStringToObject(filter, "action", action);
        q.filter = filter;
        r = rift_store_find(ctx->store, AUTH_C_AUDIT, &q, &events);
        cJSON_Delete(filter);
        if (r < 0)
                return r;
        out = cJSON_CreateObject();
        if (!out) {
                cJSON_Delete(events);
                return -ENOMEM;
        }
        cJSON_AddItemToObject(out, "events", events);
        return auth_reply_json(rp, 200, out);
}
