/* Invitations: the membership life cycle of a project (Pending -> Accepted | Declined, Accepted ->
 * Exited, Declined/Exited -> Pending again), member roles, and the lists that feed the invite UI. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "lib/clock.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/store.h"
#include "lib/str.h"
#include "services/auth/auth.h"

/* Reads {projectID, userID} from the body and loads the project after the RBAC check for a. */
static int load(struct auth_ctx *ctx, struct auth_call *c, enum auth_action a, const char **ret_uid,
                cJSON **ret_project)
{
        const char *pid;
        int r;

        if ((r = auth_body_string(c, "projectID", true, &pid)) < 0 ||
            (r = auth_body_string(c, "userID", true, ret_uid)) < 0)
                return r;
        return auth_project_check(ctx, c, a, pid, ret_project);
}

static int set_member(cJSON *m, const char *key, const char *value)
{
        cJSON *v = cJSON_CreateString(value);

        if (!v)
                return -ENOMEM;
        if (!cJSON_ReplaceItemInObjectCaseSensitive(m, key, v))
                cJSON_AddItemToObject(m, key, v);
        return 0;
}

static int save(struct auth_ctx *ctx, cJSON *p)
{
        cJSON_ReplaceItemInObjectCaseSensitive(p, "updated_at", cJSON_CreateNumber((double)rift_now_ms()));
        return auth_project_save(ctx, p);
}

static int role_from_body(struct auth_call *c, struct auth_reply *rp, enum auth_prole *ret)
{
        const char *role;
        int r = auth_body_string(c, "role", true, &role);

        if (r < 0)
                return r;
        if (auth_prole_parse(role, ret) < 0) {
                r = auth_reply_error(rp, 400, "invalid_role", "role must be Owner, Executor or Viewer");
                return r < 0 ? r : 1; /* replied: the caller stops */
        }
        return 0;
}

int auth_h_send_invitation(struct auth_ctx *ctx, struct auth_call *c, struct auth_reply *rp)
{
        _cleanup_json_ cJSON *p = NULL, *user = NULL;
        enum auth_prole role = AUTH_PROLE_VIEWER, cur;
        enum auth_invite st;
        const char *uid;
        cJSON *m, *members;
        int r;

        if ((r = load(ctx, c, AUTH_ACT_SEND_INVITATION, &uid, &p)) < 0 ||
            (r = role_from_body(c, rp, &role)) != 0)
                return r;
        r = auth_user_get(ctx, uid, &user);
        if (r == RIFT_E_NOTFOUND ||
            (r == 0 && cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(user, "deactivated_at"))))
                return auth_reply_error(rp, 404, "not_found", "user does not exist or is deactivated");
        if (r < 0)
                return r;
        m = auth_project_member(p, uid);
        auth_member_state(m, &cur, &st);
        if (st == AUTH_INV_PENDING || st == AUTH_INV_ACCEPTED)
                return auth_reply_error(rp, 409, "already_member",
                                        "this user is already invited to or a member of the project");
        members = cJSON_GetObjectItemCaseSensitive(p, "members");
        if (!m && (size_t)cJSON_GetArraySize(members) >= AUTH_MAX_MEMBERS)
                return auth_reply_error(rp, 409, "limit_reached", "the project has the most members allowed");
        if (m)
                cJSON_Delete(cJSON_DetachItemViaPointer(members, m));
        cJSON_AddItemToArray(members, auth_member_new(user, role, AUTH_INV_PENDING));
        r = save(ctx, p);
        if (r < 0)
                return r;
        return auth_reply_message(rp, "invitation sent successfully");
}

/* Pending -> next, for the caller's own membership. */
static int answer(struct auth_ctx *ctx, struct auth_call *c, struct auth_reply *rp, enum auth_action a,
                  enum auth_invite next)
{
        _cleanup_json_ cJSON *p = NULL;
        const char *uid;
        cJSON *m;
        int r = load(ctx, c, a, &uid, &p);

        if (r < 0)
                return r;
        if (strcmp(uid, c->who.uid) != 0)
                return RIFT_E_FORBIDDEN; /* only the invitee answers an invitation */
        m = auth_project_member(p, uid);
        if ((r = set_member(m, "invitation", auth_invite_name(next))) < 0)
                return r;
        cJSON_ReplaceItemInObjectCaseSensitive(m, "joined_at", cJSON_CreateNumber((double)rift_now_ms()));
        r = save(ctx, p);
        if (r < 0)
                return r;
        return auth_reply_message(rp, next == AUTH_INV_ACCEPTED ? "successfully joined the project"
                                                                : "invitation declined successfully");
}

int auth_h_accept_invitation(struct auth_ctx *ctx, struct auth_call *c, struct auth_reply *rp)
{
        return answer(ctx, c, rp, AUTH_ACT_ACCEPT_INVITATION, AUTH_INV_ACCEPTED);
}

int auth_h_decline_invitation(struct auth_ctx *ctx, struct auth_call *c, struct auth_reply *rp)
{
        return answer(ctx, c, rp, AUTH_ACT_DECLINE_INVITATION, AUTH_INV_DECLINED);
}

static size_t accepted_owners(const cJSON *p)
{
        size_t n = 0;
        cJSON *m;

        cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(p, "members"))
        {
                enum auth_prole role;
                enum auth_invite st;

                auth_member_state(m, &role, &st);
                n += role == AUTH_PROLE_OWNER && st == AUTH_INV_ACCEPTED;
        }
        return n;
}

int auth_h_leave_project(struct auth_ctx *ctx, struct auth_call *c, struct auth_reply *rp)
{
        _cleanup_json_ cJSON *p = NULL;
        enum auth_prole role;
        enum auth_invite st;
        const char *uid;
        cJSON *m;
        int r = load(ctx, c, AUTH_ACT_LEAVE_PROJECT, &uid, &p);

        if (r < 0)
                return r;
        if (strcmp(uid, c->who.uid) != 0)
                return RIFT_E_FORBIDDEN;
        m = auth_project_member(p, uid);
        auth_member_state(m, &role, &st);
        if (auth_rbac_leave(role, accepted_owners(p)) < 0)
                return auth_reply_error(rp, 409, "last_owner", "the last Owner cannot leave the project");
        if ((r = set_member(m, "invitation", auth_invite_name(AUTH_INV_EXITED))) < 0 ||
            (r = save(ctx, p)) < 0)
                return r;
        return auth_reply_message(rp, "successfully left the project");
}

int auth_h_remove_invitation(struct auth_ctx *ctx, struct auth_call *c, struct auth_reply *rp)
{
        _cleanup_json_ cJSON *p = NULL;
        const char *uid;
        cJSON *m;
        int r = load(ctx, c, AUTH_ACT_REMOVE_INVITATION, &uid, &p);

        if (r < 0)
                return r;
        if (auth_rbac_member_change(c->who.uid, uid) < 0)
                return auth_reply_error(rp, 403, "permission_denied",
                                        "you cannot remove yourself; leave the project instead");
        m = auth_project_member(p, uid);
        if (!m)
                return auth_reply_error(rp, 404, "not_found", "this user has no membership in the project");
        cJSON_Delete(cJSON_DetachItemViaPointer(cJSON_GetObjectItemCaseSensitive(p, "members"), m));
        r = save(ctx, p);
        if (r < 0)
                return r;
        return auth_reply_message(rp, "invitation removed successfully");
}

int auth_h_update_member_role(struct auth_ctx *ctx, struct auth_call *c, struct auth_reply *rp)
{
        _cleanup_json_ cJSON *p = NULL;
        enum auth_prole role;
        const char *uid;
        cJSON *m;
        int r = load(ctx, c, AUTH_ACT_UPDATE_MEMBER_ROLE, &uid, &p);

        if (r < 0 || (r = role_from_body(c, rp, &role)) != 0)
                return r;
        if (auth_rbac_member_change(c->who.uid, uid) < 0)
                return auth_reply_error(rp, 403, "permission_denied", "you cannot change your own role");
        m = auth_project_member(p, uid);
        if (!m)
                return auth_reply_error(rp, 404, "not_found", "this user has no membership in the project");
        if ((r = set_member(m, "role", auth_prole_name(role))) < 0 || (r = save(ctx, p)) < 0)
                return r;
        char what[160];
        const char *pid = "";
        auth_body_string(c, "projectID", true, &pid);
        snprintf(what, sizeof(what), "user %s is now %s", uid, auth_prole_name(role));
        auth_audit(ctx, c, "role_change", NULL, pid, what, true);
        return auth_reply_message(rp, "member role updated successfully");
}

int auth_h_invite_users(struct auth_ctx *ctx, struct auth_call *c, struct auth_reply *rp)
{
        _cleanup_json_ cJSON *p = NULL, *users = NULL;
        struct rift_store_query q = { 0 };
        cJSON *out, *u;
        int r = auth_project_check(ctx, c, AUTH_ACT_INVITE_USERS, c->param(c->ud, "project_id"), &p);

        if (r < 0)
                return r;
        r = rift_store_find(ctx->store, AUTH_C_USERS, &q, &users);
        if (r < 0)
                return r;
        out = cJSON_CreateArray();
        if (!out)
                return -ENOMEM;
        cJSON_ArrayForEach(u, users)
        {
                enum auth_prole role;
                enum auth_invite st;
                const char *uid = "";

                (void)rift_json_get_string(u, "_id", &uid);
                auth_member_state(auth_project_member(p, uid), &role, &st);
                if (st == AUTH_INV_PENDING || st == AUTH_INV_ACCEPTED ||
                    cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(u, "deactivated_at")))
                        continue;
                cJSON_AddItemToArray(out, auth_user_json(u));
        }
        cJSON *o = cJSON_CreateObject();
        if (!o) {
                cJSON_Delete(out);
                return -ENOMEM;
        }
        cJSON_AddItemToObject(o, "data", out);
        return auth_reply_json(rp, 200, o);
}

static int invite_state_parse(const char *s, enum auth_invite *ret)
{
        for (int i = AUTH_INV_PENDING; i <= AUTH_INV_EXITED; i++)
                if (s && strcasecmp(s, auth_invite_name(i)) == 0) {
                        *ret = i;
                        return 0;
                }
        return RIFT_E_INVALID;
}

static cJSON *invitation_json(const cJSON *p, const cJSON *mine)
{
        cJSON *o = cJSON_CreateObject(), *m;
        const char *s;

        if (!o)
                return NULL;
        if (rift_json_get_string(p, "_id", &s) == 0)
                cJSON_AddStringToObject(o, "projectID", s);
        if (rift_json_get_string(p, "name", &s) == 0)
                cJSON_AddStringToObject(o, "projectName", s);
        if (rift_json_get_string(mine, "role", &s) == 0)
                cJSON_AddStringToObject(o, "invitationRole", s);
        cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(p, "members"))
        {
                enum auth_prole role;
                enum auth_invite st;

                auth_member_state(m, &role, &st);
                if (role == AUTH_PROLE_OWNER && st == AUTH_INV_ACCEPTED) {
                        cJSON *owner = cJSON_AddObjectToObject(o, "projectOwner");

                        if (owner && rift_json_get_string(m, "user_id", &s) == 0)
                                cJSON_AddStringToObject(owner, "userID", s);
                        if (owner && rift_json_get_string(m, "username", &s) == 0)
                                cJSON_AddStringToObject(owner, "username", s);
                        break;
                }
        }
        return o;
}

int auth_h_list_invitations(struct auth_ctx *ctx, struct auth_call *c, struct auth_reply *rp)
{
        _cleanup_json_ cJSON *f = cJSON_CreateObject(), *docs = NULL;
        struct rift_store_query q = { .limit = 10 * AUTH_MAX_PROJECTS };
        enum auth_invite want;
        cJSON *out, *o, *p;
        int r;

        if (invite_state_parse(c->param(c->ud, "state"), &want) < 0)
                return auth_reply_error(rp, 400, "invalid_request",
                                        "state must be Pending, Accepted, Declined or Exited");
        if (!f || rift_json_add_string(f, "members.user_id", c->who.uid) < 0)
                return -ENOMEM;
        q.filter = f;
        r = rift_store_find(ctx->store, AUTH_C_PROJECTS, &q, &docs);
        if (r < 0)
                return r;
        out = cJSON_CreateArray();
        o = cJSON_CreateObject();
        if (!out || !o) {
                cJSON_Delete(out);
                cJSON_Delete(o);
                return -ENOMEM;
        }
        cJSON_ArrayForEach(p, docs)
        {
                cJSON *m = auth_project_member(p, c->who.uid);
                enum auth_prole role;
                enum auth_invite st;

                auth_member_state(m, &role, &st);
                if (st == want)
                        cJSON_AddItemToArray(out, invitation_json(p, m));
        }
        cJSON_AddItemToObject(o, "data", out);
        return auth_reply_json(rp, 200, o);
}
