/* Accounts: the user documents, the first administrator, login and the account endpoints. Password
 * hashes stay inside this file and the store: replies use auth_user_json(), which leaves them out. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/clock.h"
#include "lib/crypto.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/metrics.h"
#include "lib/store.h"
#include "lib/str.h"
#include "services/auth/auth.h"

int auth_user_get(struct auth_ctx *ctx, const char *uid, cJSON **ret)
{
        if (!uid || !*uid || strlen(uid) > RIFT_MAX_ID)
                return RIFT_E_NOTFOUND;
        return rift_store_get(ctx->store, AUTH_C_USERS, uid, ret);
}

int auth_user_by_name(struct auth_ctx *ctx, const char *username, cJSON **ret)
{
        _cleanup_json_ cJSON *f = cJSON_CreateObject();

        if (!f || rift_json_add_string(f, "username", username) < 0)
                return -ENOMEM;
        return rift_store_find_one(ctx->store, AUTH_C_USERS, f, ret);
}

static void copy_str(cJSON *out, const char *to, const cJSON *in, const char *from)
{
        const char *s;

        if (rift_json_get_string(in, from, &s) == 0)
                cJSON_AddStringToObject(out, to, s);
}

static void copy_num(cJSON *out, const char *to, const cJSON *in, const char *from)
{
        int64_t v;

        if (rift_json_get_int64(in, from, &v) == 0)
                cJSON_AddNumberToObject(out, to, (double)v);
}

/* Litmus's user shape: userID, username, email, name, role, isInitialLogin, isRemoved, timestamps. */
cJSON *auth_user_json(const cJSON *user)
{
        cJSON *o = cJSON_CreateObject();
        bool b = false;

        if (!o)
                return NULL;
        copy_str(o, "userID", user, "_id");
        copy_str(o, "username", user, "username");
        copy_str(o, "email", user, "email");
        copy_str(o, "name", user, "name");
        copy_str(o, "role", user, "role");
        (void)rift_json_get_bool(user, "is_initial_login", &b);
        cJSON_AddBoolToObject(o, "isInitialLogin", b);
        cJSON_AddBoolToObject(o, "isRemoved", false);
        copy_num(o, "createdAt", user, "created_at");
        copy_num(o, "updatedAt", user, "updated_at");
        copy_num(o, "deactivatedAt", user, "deactivated_at");
        return o;
}

static int hash_password(struct auth_ctx *ctx, const char *pw, char ret[RIFT_PWHASH_STRLEN])
{
        struct rift_pwhash_params p = { .opslimit = (uint64_t)ctx->cfg->pwhash_ops,
                                        .memlimit = ctx->cfg->pwhash_memory };

        return rift_pwhash(pw, strlen(pw), &p, ret);
}

static int set_string(cJSON *doc, const char *key, const char *value)
{
        cJSON_DeleteItemFromObjectCaseSensitive(doc, key);
        return cJSON_AddStringToObject(doc, key, value) ? 0 : -ENOMEM;
}

static int set_number(cJSON *doc, const char *key, int64_t v)
{
        cJSON_DeleteItemFromObjectCaseSensitive(doc, key);
        return cJSON_AddNumberToObject(doc, key, (double)v) ? 0 : -ENOMEM;
}

static int set_bool(cJSON *doc, const char *key, bool v)
{
        cJSON_DeleteItemFromObjectCaseSensitive(doc, key);
        return cJSON_AddBoolToObject(doc, key, v) ? 0 : -ENOMEM;
}

/* A new user document (password hashed), not yet stored. */
static int user_new(struct auth_ctx *ctx, const char *username, const char *pw, const char *role,
                    const char *email, const char *name, bool initial, cJSON **ret)
{
        _cleanup_json_ cJSON *u = cJSON_CreateObject();
        char id[RIFT_UUID_STRLEN + 1], hash[RIFT_PWHASH_STRLEN];
        int64_t now = rift_now_ms();
        int r;

        if (!u)
                return -ENOMEM;
        r = rift_crypto_uuid4(id);
        if (r < 0)
                return r;
        r = hash_password(ctx, pw, hash);
        if (r < 0)
                return r;
        if (set_string(u, "_id", id) < 0 || set_string(u, "username", username) < 0 ||
            set_string(u, "password", hash) < 0 || set_string(u, "role", role) < 0 ||
            set_string(u, "email", email ? email : "") < 0 || set_string(u, "name", name ? name : "") < 0 ||
            set_bool(u, "is_initial_login", initial) < 0 || set_number(u, "created_at", now) < 0 ||
            set_number(u, "updated_at", now) < 0 || !cJSON_AddNullToObject(u, "deactivated_at"))
                r = -ENOMEM;
        rift_crypto_zero(hash, sizeof(hash));
        if (r < 0)
                return r;
        *ret = TAKE_PTR(u);
        return 0;
}

/* Writes a changed user document; bumps updated_at. */
static int user_save(struct auth_ctx *ctx, cJSON *user)
{
        int r = set_number(user, "updated_at", rift_now_ms());

        if (r < 0)
                return r;
        r = rift_store_update(ctx->store, AUTH_C_USERS, user, NULL);
        auth_cache_flush(ctx->cache);
        return r;
}

static int user_set_password(struct auth_ctx *ctx, cJSON *user, const char *pw)
{
        char hash[RIFT_PWHASH_STRLEN];
        int r = hash_password(ctx, pw, hash);

        if (r < 0)
                return r;
        r = set_string(user, "password", hash);
        rift_crypto_zero(hash, sizeof(hash));
        return r;
}

static bool password_matches(const cJSON *user, const char *pw)
{
        const char *hash;

        if (rift_json_get_string(user, "password", &hash) < 0)
                return false;
        return rift_pwhash_verify(hash, pw, strlen(pw)) == 0;
}

/* ---- the first administrator ------------------------------------------------------------------------ */

int auth_admin_bootstrap(struct auth_ctx *ctx)
{
        _cleanup_json_ cJSON *admin = NULL;
        const struct auth_config *cfg = ctx->cfg;
        const char *problem;
        int r;

        if (!auth_username_valid(cfg->admin_username)) {
                log_error("ADMIN_USERNAME is not a valid username");
                return RIFT_E_INVALID;
        }
        r = auth_user_by_name(ctx, cfg->admin_username, &admin);
        if (r == 0) {
                if (!password_matches(admin, cfg->admin_password))
                        log_warn("ADMIN_PASSWORD differs from the stored administrator password; it is only "
                                 "used at first "
                                 "start: run `rift-auth reset-admin` to reset the administrator to it",
                                 LOG_STR("username", cfg->admin_username));
                return 0;
        }
        if (r != RIFT_E_NOTFOUND)
                return r;
        problem = auth_password_problem(cfg->admin_password);
        if (problem) {
                log_error("ADMIN_PASSWORD does not satisfy the password policy", LOG_STR("reason", problem));
                return RIFT_E_INVALID;
        }
        r = user_new(ctx, cfg->admin_username, cfg->admin_password, "admin", "", "", true, &admin);
        if (r < 0)
                return r;
        r = rift_store_insert(ctx->store, AUTH_C_USERS, admin, NULL);
        if (r < 0)
                return r;
        log_info("created the administrator account; its password must be changed at first login",
                 LOG_STR("username", cfg->admin_username));
        return 0;
}

/* `rift-auth reset-admin`: gives ADMIN_USERNAME the password ADMIN_PASSWORD, the admin role, an active
 * state and a forced password change, creating the account if it does not exist. */
int auth_admin_reset(struct auth_ctx *ctx)
{
        _cleanup_json_ cJSON *admin = NULL;
        const struct auth_config *cfg = ctx->cfg;
        const char *problem = auth_password_problem(cfg->admin_password);
        int r;

        if (problem) {
                log_error("ADMIN_PASSWORD does not satisfy the password policy", LOG_STR("reason", problem));
                return RIFT_E_INVALID;
        }
        r = auth_user_by_name(ctx, cfg->admin_username, &admin);
        if (r == RIFT_E_NOTFOUND)
                return auth_admin_bootstrap(ctx);
        if (r < 0)
                return r;
        if ((r = user_set_password(ctx, admin, cfg->admin_password)) < 0 ||
            (r = set_string(admin, "role", "admin")) < 0 ||
            (r = set_bool(admin, "is_initial_login", true)) < 0)
                return r;
        cJSON_DeleteItemFromObjectCaseSensitive(admin, "deactivated_at");
        if (!cJSON_AddNullToObject(admin, "deactivated_at"))
                return -ENOMEM;
        r = user_save(ctx, admin);
        if (r == 0)
                log_info("administrator reset; its password must be changed at next login",
                         LOG_STR("username", cfg->admin_username));
        return r;
}

/* ---- login --------------------------------------------------------------------------------------- */

static int login_reply(struct auth_ctx *ctx, const cJSON *user, struct auth_reply *rp)
{
        _cleanup_free_ char *token = NULL, *project_id = NULL;
        int64_t life = auth_token_lifetime_ms(ctx->cfg);
        bool initial = false;
        cJSON *out;
        int r;

        (void)rift_json_get_bool(user, "is_initial_login", &initial);
        if (!initial) {
                r = auth_project_ensure_default(ctx, user, &project_id);
                if (r < 0)
                        return r;
        }
        r = auth_token_issue(ctx, user, life, "session", &token, NULL);
        if (r < 0)
                return r;
        out = cJSON_CreateObject();
        if (!out || !cJSON_AddStringToObject(out, "accessToken", token) ||
            !cJSON_AddStringToObject(out, "projectID", project_id ? project_id : "") ||
            !cJSON_AddStringToObject(out, "projectRole", project_id ? "Owner" : "") ||
            !cJSON_AddNumberToObject(out, "expiresIn", (double)(life / 1000)) ||
            !cJSON_AddStringToObject(out, "type", "Bearer")) {
                cJSON_Delete(out);
                return -ENOMEM;
        }
        return auth_reply_json(rp, 200, out);
}

static int throttled(struct auth_reply *rp, int64_t wait_s)
{
        char msg[128];

        snprintf(msg, sizeof(msg), "too many failed login attempts; try again in %lld s", (long long)wait_s);
        rp->retry_after = wait_s;
        return auth_reply_error(rp, 429, "too_many_requests", msg);
}

int auth_h_login(struct auth_ctx *ctx, struct auth_call *c, struct auth_reply *rp)
{
        _cleanup_json_ cJSON *user = NULL;
        const char *username, *pw;
        int64_t wait_s = 0;
        bool ok;
        int r;

        if ((r = auth_body_string(c, "username", true, &username)) < 0 ||
            (r = auth_body_string(c, "password", true, &pw)) < 0)
                return r;
        if (!auth_username_valid(username) || strlen(pw) > RIFT_MAX_PASSWORD)
                return auth_reply_error(rp, 401, "invalid_credentials", "Invalid Credentials");
        if (auth_throttle_check(ctx->throttle, username, c->peer, &wait_s) < 0) {
                rift_metric_inc(ctx->m_auth_failures, RIFT_LV("throttled"));
                return throttled(rp, wait_s);
        }
        r = auth_user_by_name(ctx, username, &user);
        if (r < 0 && r != RIFT_E_NOTFOUND)
                return r;
        if (user)
                ok = password_matches(user, pw);
        else
                ok = (rift_pwhash_verify(ctx->dummy_hash, pw, strlen(pw)),
                      false); /* same cost as a real check */
        if (ok && cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(user, "deactivated_at")))
                ok = false;
        if (!ok) {
                auth_throttle_failure(ctx->throttle, username, c->peer);
                rift_metric_inc(ctx->m_auth_failures, RIFT_LV("invalid_credentials"));
                log_info("login failed", LOG_STR("username", username), LOG_STR("peer", c->peer));
                auth_audit(ctx, c, "login", username, NULL, "invalid credentials", false);
                return auth_reply_error(rp, 401, "invalid_credentials", "Invalid Credentials");
        }
        auth_throttle_success(ctx->throttle, username, c->peer);
        auth_audit(ctx, c, "login", username, NULL, NULL, true);
        return login_reply(ctx, user, rp);
}

/* ---- account endpoints --------------------------------------------------------------------------- */

int auth_h_update_password(struct auth_ctx *ctx, struct auth_call *c, struct auth_reply *rp)
{
        _cleanup_json_ cJSON *user = NULL;
        _cleanup_free_ char *project_id = NULL;
        const char *old_pw, *new_pw, *username = NULL, *problem;
        int64_t wait_s;
        cJSON *out;
        int r;

        if ((r = auth_body_string(c, "oldPassword", true, &old_pw)) < 0 ||
            (r = auth_body_string(c, "newPassword", true, &new_pw)) < 0 ||
            (r = auth_body_string(c, "username", false, &username)) < 0)
                return r;
        if (username && strcmp(username, c->who.username) != 0)
                return RIFT_E_FORBIDDEN;
        if (auth_throttle_check(ctx->throttle, c->who.username, c->peer, &wait_s) < 0)
                return throttled(rp, wait_s);
        r = auth_user_get(ctx, c->who.uid, &user);
        if (r < 0)
                return r;
        if (strlen(old_pw) > RIFT_MAX_PASSWORD || !password_matches(user, old_pw)) {
                auth_throttle_failure(ctx->throttle, c->who.username, c->peer);
                rift_metric_inc(ctx->m_auth_failures, RIFT_LV("invalid_credentials"));
                return auth_reply_error(rp, 401, "invalid_credentials", "old password is not correct");
        }
        if (strcmp(old_pw, new_pw) == 0)
                return auth_reply_error(rp, 400, "invalid_request",
                                        "the new password must differ from the old one");
        problem = auth_password_problem(new_pw);
        if (problem)
                return auth_reply_error(rp, 400, "invalid_password", problem);
        if ((r = user_set_password(ctx, user, new_pw)) < 0 ||
            (r = set_bool(user, "is_initial_login", false)) < 0 || (r = user_save(ctx, user)) < 0)
                return r;
        r = auth_project_ensure_default(ctx, user, &project_id);
        if (r < 0)
                return r;
        out = cJSON_CreateObject();
        if (!out || !cJSON_AddStringToObject(out, "message", "password has been updated successfully") ||
            !cJSON_AddStringToObject(out, "projectID", project_id)) {
                cJSON_Delete(out);
                return -ENOMEM;
        }
        return auth_reply_json(rp, 200, out);
}

int auth_h_reset_password(struct auth_ctx *ctx, struct auth_call *c, struct auth_reply *rp)
{
        _cleanup_json_ cJSON *user = NULL;
        const char *username, *pw, *problem;
        int r;

        if ((r = auth_body_string(c, "username", true, &username)) < 0 ||
            (r = auth_body_string(c, "newPassword", true, &pw)) < 0)
                return r;
        if (auth_rbac_user(AUTH_UACT_RESET_PASSWORD, c->who.role, c->who.uid, NULL) < 0)
                return RIFT_E_FORBIDDEN;
        problem = auth_password_problem(pw);
        if (problem)
                return auth_reply_error(rp, 400, "invalid_password", problem);
        if (!auth_username_valid(username))
                return auth_reply_error(rp, 400, "invalid_request", "invalid username");
        r = auth_user_by_name(ctx, username, &user);
        if (r == RIFT_E_NOTFOUND)
                return auth_reply_error(rp, 404, "not_found", "user does not exist");
        if (r < 0 || (r = user_set_password(ctx, user, pw)) < 0 || (r = user_save(ctx, user)) < 0)
                return r;
        return auth_reply_message(rp, "password has been reset successfully");
}

/* Checks the optional email and name fields of a body; fills the problem for a 400. */
static int details_valid(struct auth_call *c, const char **ret_email, const char **ret_name)
{
        int r;

        if ((r = auth_body_string(c, "email", false, ret_email)) < 0 ||
            (r = auth_body_string(c, "name", false, ret_name)) < 0)
                return r;
        if (*ret_email && !auth_email_valid(*ret_email)) {
                snprintf(c->problem, sizeof(c->problem), "invalid email");
                return RIFT_E_INVALID;
        }
        if (*ret_name && !auth_display_name_valid(*ret_name)) {
                snprintf(c->problem, sizeof(c->problem), "invalid name");
                return RIFT_E_INVALID;
        }
        return 0;
}

int auth_h_create_user(struct auth_ctx *ctx, struct auth_call *c, struct auth_reply *rp)
{
        _cleanup_json_ cJSON *user = NULL;
        const char *username, *pw, *role = "user", *email = NULL, *name = NULL, *problem;
        enum auth_grole g;
        uint64_t n = 0;
        int r;

        if (auth_rbac_user(AUTH_UACT_CREATE_USER, c->who.role, c->who.uid, NULL) < 0)
                return RIFT_E_FORBIDDEN;
        if ((r = auth_body_string(c, "username", true, &username)) < 0 ||
            (r = auth_body_string(c, "password", true, &pw)) < 0 ||
            (r = auth_body_string(c, "role", false, &role)) < 0 || (r = details_valid(c, &email, &name)) < 0)
                return r;
        if (!role)
                role = "user";
        if (!auth_username_valid(username))
                return auth_reply_error(rp, 400, "invalid_request", "invalid username");
        if (auth_grole_parse(role, &g) < 0)
                return auth_reply_error(rp, 400, "invalid_request", "role must be admin or user");
        problem = auth_password_problem(pw);
        if (problem)
                return auth_reply_error(rp, 400, "invalid_password", problem);
        r = rift_store_count(ctx->store, AUTH_C_USERS, NULL, &n);
        if (r < 0)
                return r;
        if (n >= AUTH_MAX_USERS)
                return auth_reply_error(rp, 409, "limit_reached",
                                        "the most accounts this server holds exist already");
        r = auth_user_by_name(ctx, username, &user);
        if (r == 0)
                return auth_reply_error(rp, 409, "user_exists", "this username is already taken");
        if (r != RIFT_E_NOTFOUND)
                return r;
        r = user_new(ctx, username, pw, role, email, name, false, &user);
        if (r < 0)
                return r;
        r = rift_store_insert(ctx->store, AUTH_C_USERS, user, NULL);
        if (r == RIFT_E_EXISTS)
                return auth_reply_error(rp, 409, "user_exists", "this username is already taken");
        if (r < 0)
                return r;
        log_info("user created", LOG_STR("username", username), LOG_STR("by", c->who.username));
        return auth_reply_json(rp, 200, auth_user_json(user));
}

int auth_h_update_details(struct auth_ctx *ctx, struct auth_call *c, struct auth_reply *rp)
{
        _cleanup_json_ cJSON *user = NULL;
        const char *email = NULL, *name = NULL;
        int r = details_valid(c, &email, &name);

        if (r < 0)
                return r;
        r = auth_user_get(ctx, c->who.uid, &user);
        if (r < 0)
                return r;
        if ((email && (r = set_string(user, "email", email)) < 0) ||
            (name && (r = set_string(user, "name", name)) < 0))
                return r;
        r = user_save(ctx, user);
        if (r < 0)
                return r;
        return auth_reply_message(rp, "user details updated successfully");
}

int auth_h_get_user(struct auth_ctx *ctx, struct auth_call *c, struct auth_reply *rp)
{
        _cleanup_json_ cJSON *user = NULL;
        const char *uid = c->param(c->ud, "uid");
        int r;

        if (auth_rbac_user(AUTH_UACT_GET_USER, c->who.role, c->who.uid, uid) < 0)
                return RIFT_E_FORBIDDEN;
        r = auth_user_get(ctx, uid, &user);
        if (r == RIFT_E_NOTFOUND)
                return auth_reply_error(rp, 404, "not_found", "user does not exist");
        if (r < 0)
                return r;
        return auth_reply_json(rp, 200, auth_user_json(user));
}

int auth_h_users(struct auth_ctx *ctx, struct auth_call *c, struct auth_reply *rp)
{
        _cleanup_json_ cJSON *docs = NULL;
        static const struct rift_store_sort by_name = { "username", false };
        struct rift_store_query q = { .sort = &by_name, .n_sort = 1 };
        cJSON *out, *d;
        int r;

        if (auth_rbac_user(AUTH_UACT_LIST_USERS, c->who.role, c->who.uid, NULL) < 0)
                return RIFT_E_FORBIDDEN;
        r = rift_store_find(ctx->store, AUTH_C_USERS, &q, &docs);
        if (r < 0)
                return r;
        out = cJSON_CreateArray();
        if (!out)
                return -ENOMEM;
        cJSON_ArrayForEach(d, docs) cJSON_AddItemToArray(out, auth_user_json(d));
        return auth_reply_json(rp, 200, out);
}

/* Marks (or clears) deactivated_at on every membership of uid, best effort. */
static void memberships_set_state(struct auth_ctx *ctx, const char *uid, int64_t when)
{
        _cleanup_json_ cJSON *f = cJSON_CreateObject(), *projects = NULL;
        struct rift_store_query q = { 0 };
        cJSON *p;

        if (!f || rift_json_add_string(f, "members.user_id", uid) < 0)
                return;
        q.filter = f;
        if (rift_store_find(ctx->store, AUTH_C_PROJECTS, &q, &projects) < 0)
                return;
        cJSON_ArrayForEach(p, projects)
        {
                cJSON *m = auth_project_member(p, uid);

                if (!m)
                        continue;
                cJSON_DeleteItemFromObjectCaseSensitive(m, "deactivated_at");
                if (when)
                        cJSON_AddNumberToObject(m, "deactivated_at", (double)when);
                (void)auth_project_save(ctx, p);
        }
}

int auth_h_update_state(struct auth_ctx *ctx, struct auth_call *c, struct auth_reply *rp)
{
        _cleanup_json_ cJSON *user = NULL;
        const char *username, *uid;
        bool deactivate;
        int64_t now = rift_now_ms();
        int r;

        if (auth_rbac_user(AUTH_UACT_UPDATE_STATE, c->who.role, c->who.uid, NULL) < 0)
                return RIFT_E_FORBIDDEN;
        if ((r = auth_body_string(c, "username", true, &username)) < 0)
                return r;
        if (rift_json_get_bool(c->json, "isDeactivate", &deactivate) < 0)
                return auth_reply_error(rp, 400, "invalid_request", "isDeactivate must be a boolean");
        if (strcmp(username, c->who.username) == 0)
                return auth_reply_error(rp, 400, "invalid_request", "you cannot change your own state");
        r = auth_user_by_name(ctx, username, &user);
        if (r == RIFT_E_NOTFOUND)
                return auth_reply_error(rp, 404, "not_found", "user does not exist");
        if (r < 0)
                return r;
        cJSON_DeleteItemFromObjectCaseSensitive(user, "deactivated_at");
        if (!(deactivate ? cJSON_AddNumberToObject(user, "deactivated_at", (double)now)
                         : cJSON_AddNullToObject(user, "deactivated_at")))
                return -ENOMEM;
        r = user_save(ctx, user);
        if (r < 0)
                return r;
        if (rift_json_get_string(user, "_id", &uid) == 0)
                memberships_set_state(ctx, uid, deactivate ? now : 0);
        log_info(deactivate ? "user deactivated" : "user reactivated", LOG_STR("username", username),
                 LOG_STR("by", c->who.username));
        return auth_reply_message(rp, "user's state updated successfully");
}
