/* rift-auth's private table of contents: users, projects, invitations, API tokens, JWTs, throttling,
 * the REST routes and the AuthService RPC. Nothing outside services/auth includes this header. */
#ifndef RIFT_AUTH_H
#define RIFT_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/error.h"
#include "lib/http_server.h"
#include "lib/limits_rift.h"

#define AUTH_USERNAME_MIN     3u
#define AUTH_USERNAME_MAX     RIFT_AUTH_MAX_USERNAME
#define AUTH_PASSWORD_MIN     8u
#define AUTH_PASSWORD_MAX     RIFT_AUTH_MAX_PASSWORD
#define AUTH_EMAIL_MAX        RIFT_AUTH_MAX_EMAIL
#define AUTH_NAME_MAX         RIFT_AUTH_MAX_NAME
#define AUTH_PROJECT_NAME_MAX RIFT_AUTH_MAX_PROJECT_NAME

/* Global role of an account. */
enum auth_grole { AUTH_GROLE_USER, AUTH_GROLE_ADMIN };

/* Role inside one project; NONE = not a member. */
enum auth_prole { AUTH_PROLE_NONE, AUTH_PROLE_OWNER, AUTH_PROLE_EXECUTOR, AUTH_PROLE_VIEWER };

/* State of a membership (Litmus's "invitation"); NONE = no membership at all. */
enum auth_invite { AUTH_INV_NONE, AUTH_INV_PENDING, AUTH_INV_ACCEPTED, AUTH_INV_DECLINED, AUTH_INV_EXITED };

/* Project-scoped actions, each with one rule in rbac.c. */
enum auth_action {
        AUTH_ACT_GET_PROJECT,
        AUTH_ACT_GET_OWNERS,
        AUTH_ACT_LIST_MEMBERS,
        AUTH_ACT_INVITE_USERS,
        AUTH_ACT_SEND_INVITATION,
        AUTH_ACT_REMOVE_INVITATION,
        AUTH_ACT_UPDATE_MEMBER_ROLE,
        AUTH_ACT_RENAME_PROJECT,
        AUTH_ACT_DELETE_PROJECT,
        AUTH_ACT_ACCEPT_INVITATION,
        AUTH_ACT_DECLINE_INVITATION,
        AUTH_ACT_LEAVE_PROJECT,
};

/* Account-scoped actions (self and/or admin). */
enum auth_user_action {
        AUTH_UACT_GET_USER,
        AUTH_UACT_LIST_USERS,
        AUTH_UACT_CREATE_USER,
        AUTH_UACT_RESET_PASSWORD,
        AUTH_UACT_UPDATE_STATE,
        AUTH_UACT_UPDATE_DETAILS,
        AUTH_UACT_UPDATE_PASSWORD,
        AUTH_UACT_TOKENS,
        AUTH_UACT_USER_PROJECTS,
};

struct cJSON;
struct rift_store;
struct rift_metrics;
struct rift_metric;
struct rift_http_server;
struct rift_rpc_server;
struct rift_jwt_key;
struct auth_throttle;
struct auth_cache;
struct auth_pcache;

#define AUTH_SECRET_LEN      32u /* bytes of a JWT signing key */
#define AUTH_MAX_KEYS        RIFT_AUTH_MAX_KEYS
#define AUTH_MAX_TOKEN_DAYS  RIFT_AUTH_MAX_TOKEN_DAYS
#define AUTH_MAX_API_TOKENS  RIFT_AUTH_MAX_API_TOKENS
#define AUTH_PAGE_MAX        50 /* list_projects: most projects per page (Litmus's cap) */
#define AUTH_PAGE_DEFAULT    15 /* list_projects: default page size */
#define AUTH_MAX_PROJECTS    RIFT_AUTH_MAX_PROJECTS
#define AUTH_MAX_MEMBERS     RIFT_AUTH_MAX_MEMBERS
#define AUTH_MAX_USERS       RIFT_AUTH_MAX_USERS
#define AUTH_MAX_TAGS        RIFT_AUTH_MAX_TAGS
#define AUTH_TAG_MAX         RIFT_AUTH_MAX_TAG
#define AUTH_DESCRIPTION_MAX RIFT_AUTH_MAX_DESCRIPTION
#define AUTH_PCACHE_SLOTS    256  /* projects cached for ValidateRequest */
#define AUTH_CACHE_TTL_MS    2000 /* how long a verified token -> user lookup is reused */
#define AUTH_KEY_RELOAD_MS   5000 /* how often signing keys are re-read (rotation by another process) */

/* Collections of the auth database. */
#define AUTH_C_USERS    "users"
#define AUTH_C_PROJECTS "projects"
#define AUTH_C_CONFIG   "auth_config"
#define AUTH_C_REVOKED  "revoked_tokens"
#define AUTH_C_TOKENS   "api_tokens"
#define AUTH_C_AUDIT    "audit_events"

/* Settings of one rift-auth process (filled by main.c's config table). */
struct auth_config {
        int64_t rest_port;       /* REST API port */
        int64_t rpc_port;        /* AuthService (Twirp) port */
        char *bind_address;      /* address both listeners bind */
        char *admin_username;    /* first administrator's name */
        char *admin_password;    /* first administrator's password (secret) */
        char *db_server;         /* store URI: sqlite:///path or mongodb://host/db */
        int64_t jwt_expiry_mins; /* login token lifetime, minutes (Litmus's knob) */
        int64_t jwt_expiry_ms;   /* if > 0, overrides jwt_expiry_mins (short lifetimes for tests) */
        char *tls_cert;          /* PEM certificate for both listeners, or NULL */
        char *tls_key;           /* PEM key for tls_cert */
        char **allowed_origins;  /* exact CORS origins, NULL-terminated, NULL = none */
        uint64_t pwhash_memory;  /* argon2id memory per hash, bytes */
        int64_t pwhash_ops;      /* argon2id passes */
        int log_level;           /* index in debug, info, warn, error */
        int64_t audit_keep_ms;   /* audit events are kept this long (AUDIT_RETENTION) */
};

/* Who is calling: the verified token's user as the store knows them now. */
struct auth_session {
        char uid[RIFT_MAX_ID + 1];            /* user id */
        char username[AUTH_USERNAME_MAX + 1]; /* user name */
        char jti[RIFT_MAX_ID + 1];            /* token id (revocation key) */
        enum auth_grole role;                 /* global role, from the user document */
        int64_t exp_ms;                       /* token expiry */
        bool initial_login;                   /* the default password has not been changed yet */
};

/* Process state shared by every handler. */
struct auth_ctx {
        struct rift_store *store;            /* the auth database */
        const struct auth_config *cfg;       /* settings */
        struct rift_jwt_key *keys;           /* verification keys; keys[current] signs */
        size_t n_keys;                       /* entries in keys */
        size_t current;                      /* index of the signing key */
        int64_t keys_loaded_ms;              /* monotonic time of the last key load */
        struct auth_throttle *throttle;      /* failed-login bookkeeping */
        struct auth_cache *cache;            /* verified token -> session */
        struct auth_pcache *pcache;          /* project id -> document, for ValidateRequest */
        char dummy_hash[128];                /* hash verified for unknown users (equal timing) */
        struct rift_metrics *metrics;        /* Prometheus registry */
        struct rift_metric *m_requests;      /* rift_auth_http_requests_total{route,code} */
        struct rift_metric *m_latency;       /* rift_auth_http_request_duration_seconds{route} */
        struct rift_metric *m_auth_failures; /* rift_auth_authentication_failures_total{reason} */
        struct rift_metric *m_validate;      /* rift_auth_validate_requests_total{result} */
};

/* A REST call as the handlers see it, independent of the HTTP layer (the fuzzer builds these). */
struct auth_call {
        const char *bearer;                               /* token from Authorization, or NULL */
        const char *peer;                                 /* client address */
        const char *body;                                 /* request body (POST), may be NULL */
        size_t body_len;                                  /* bytes in body */
        const char *(*param)(void *ud, const char *name); /* path parameter by name */
        const char *(*query)(void *ud, const char *name); /* query parameter by name */
        void *ud;                                         /* for param and query */
        struct cJSON *json;                               /* parsed body (dispatcher-owned) */
        struct auth_session who;                          /* caller (routes needing a token) */
        char problem[128];                                /* what was wrong with the body, for 400s */
};

/* What a handler answers. */
struct auth_reply {
        int status;          /* HTTP status */
        struct cJSON *body;  /* JSON body (owned) */
        int64_t retry_after; /* seconds for a Retry-After header, 0 = none */
};

typedef int (*auth_handler_fn)(struct auth_ctx *ctx, struct auth_call *c, struct auth_reply *rp);

#define AUTH_R_PUBLIC     (1u << 0) /* no token needed */
#define AUTH_R_INITIAL_OK (1u << 1) /* allowed before the default password is changed */
#define AUTH_R_BODY       (1u << 2) /* a JSON object body is required */

/* One REST endpoint and its policy. */
struct auth_route {
        unsigned methods;          /* mask of enum rift_http_method */
        const char *pattern;       /* lib/http_server pattern, "/get_project/:id" */
        const char *name;          /* short name for logs */
        auth_handler_fn fn;        /* the implementation */
        unsigned flags;            /* AUTH_R_* */
        const char *const *fields; /* allowed body fields (NULL-terminated) */
};

/* policy.c */
int auth_grole_parse(const char *s, enum auth_grole *ret);
const char *auth_grole_name(enum auth_grole r);
int auth_prole_parse(const char *s, enum auth_prole *ret);
const char *auth_prole_name(enum auth_prole r);
int auth_invite_parse(const char *s, enum auth_invite *ret);
const char *auth_invite_name(enum auth_invite s);
bool auth_username_valid(const char *u);
/* NULL if pw satisfies the policy, else a static description of what is wrong (never echoes pw). */
const char *auth_password_problem(const char *pw);
bool auth_email_valid(const char *e); /* "" (no e-mail) is valid */
bool auth_display_name_valid(const char *s);
bool auth_project_name_valid(const char *s);
bool auth_uuid_valid(const char *s);

/* rbac.c */
int auth_rbac_project(enum auth_action a, enum auth_grole grole, enum auth_prole role,
                      enum auth_invite state);
int auth_rbac_user(enum auth_user_action a, enum auth_grole grole, const char *caller_uid,
                   const char *target_uid);
bool auth_rbac_roles_match(enum auth_prole role, enum auth_invite state, const enum auth_prole *required,
                           size_t n_required, enum auth_invite required_state);
/* RIFT_E_CONFLICT if this member is the project's last accepted Owner. */
int auth_rbac_leave(enum auth_prole role, size_t accepted_owners);
/* RIFT_E_FORBIDDEN when an Owner tries to change or remove their own membership. */
int auth_rbac_member_change(const char *caller_uid, const char *target_uid);

/* throttle.c */
int auth_throttle_new(size_t slots, struct auth_throttle **ret);
void auth_throttle_free(struct auth_throttle *t);
/* 0 if a login for username from addr may be tried now, else -EAGAIN and the wait in seconds. */
int auth_throttle_check(struct auth_throttle *t, const char *username, const char *addr, int64_t *ret_wait_s);
void auth_throttle_failure(struct auth_throttle *t, const char *username, const char *addr);
void auth_throttle_success(struct auth_throttle *t, const char *username, const char *addr);

/* tokens.c */
int auth_keys_load(struct auth_ctx *ctx);
int auth_keys_rotate(struct rift_store *store, char ret_kid[RIFT_MAX_ID + 1]);
void auth_keys_clear(struct auth_ctx *ctx);
int auth_cache_new(size_t slots, struct auth_cache **ret);
void auth_cache_free(struct auth_cache *c);
void auth_cache_flush(struct auth_cache *c);
/* Signs a token for a user doc; lifetime_ms from now. ret_jti (may be NULL) gets the token id. */
int auth_token_issue(struct auth_ctx *ctx, const struct cJSON *user, int64_t lifetime_ms, const char *kind,
                     char **ret_token, char ret_jti[RIFT_MAX_ID + 1]);
/* Verifies a bearer token and loads its user; RIFT_E_AUTH with *ret_reason on refusal. */
int auth_token_authenticate(struct auth_ctx *ctx, const char *token, struct auth_session *ret,
                            const char **ret_reason);
int auth_token_revoke(struct auth_ctx *ctx, const char *jti, int64_t exp_ms);
int auth_h_logout(struct auth_ctx *ctx, struct auth_call *c, struct auth_reply *rp);
int auth_h_list_tokens(struct auth_ctx *ctx, struct auth_call *c, struct auth_reply *rp);
int auth_h_create_token(struct auth_ctx *ctx, struct auth_call *c, struct auth_reply *rp);
int auth_h_remove_token(struct auth_ctx *ctx, struct auth_call *c, struct auth_reply *rp);

/* users.c */
int auth_user_get(struct auth_ctx *ctx, const char *uid, struct cJSON **ret);
int auth_user_by_name(struct auth_ctx *ctx, const char *username, struct cJSON **ret);
struct cJSON *auth_user_json(const struct cJSON *user);
int auth_admin_bootstrap(struct auth_ctx *ctx);
int auth_admin_reset(struct auth_ctx *ctx);
int auth_h_login(struct auth_ctx *ctx, struct auth_call *c, struct auth_reply *rp);
int auth_h_update_password(struct auth_ctx *ctx, struct auth_call *c, struct auth_reply *rp);
int auth_h_reset_password(struct auth_ctx *ctx, struct auth_call *c, struct auth_reply *rp);
int auth_h_create_user(struct auth_ctx *ctx, struct auth_call *c, struct auth_reply *rp);
int auth_h_update_details(struct auth_ctx *ctx, struct auth_call *c, struct auth_reply *rp);
int auth_h_get_user(struct auth_ctx *ctx, struct auth_call *c, struct auth_reply *rp);
int auth_h_users(struct auth_ctx *ctx, struct auth_call *c, struct auth_reply *rp);
int auth_h_update_state(struct auth_ctx *ctx, struct auth_call *c, struct auth_reply *rp);

/* projects.c */
int auth_project_get(struct auth_ctx *ctx, const char *id, struct cJSON **ret);
/* The project document from a short-lived cache (AUTH_CACHE_TTL_MS, flushed on every project write of
 * this process), borrowed: valid until the next call. For the ValidateRequest hot path. */
int auth_project_get_cached(struct auth_ctx *ctx, const char *id, const struct cJSON **ret);
int auth_pcache_new(struct auth_pcache **ret);
void auth_pcache_free(struct auth_pcache *c);
void auth_pcache_flush(struct auth_pcache *c);
/* Writes a changed project document and flushes the project cache. */
int auth_project_save(struct auth_ctx *ctx, const struct cJSON *p);
/* The member entry of uid in a project document, or NULL. */
struct cJSON *auth_project_member(const struct cJSON *project, const char *uid);
void auth_member_state(const struct cJSON *member, enum auth_prole *ret_role, enum auth_invite *ret_state);
int auth_project_create(struct auth_ctx *ctx, const struct cJSON *owner, const char *name, const char *desc,
                        const struct cJSON *tags, struct cJSON **ret);
int auth_project_ensure_default(struct auth_ctx *ctx, const struct cJSON *user, char **ret_project_id);
int auth_project_check(struct auth_ctx *ctx, struct auth_call *c, enum auth_action a, const char *project_id,
                       struct cJSON **ret_project);
struct cJSON *auth_project_json(const struct cJSON *project);
/* A new membership entry for a user document. */
struct cJSON *auth_member_new(const struct cJSON *user, enum auth_prole role, enum auth_invite state);
int auth_h_create_project(struct auth_ctx *ctx, struct auth_call *c, struct auth_reply *rp);
int auth_h_list_projects(struct auth_ctx *ctx, struct auth_call *c, struct auth_reply *rp);
int auth_h_get_project(struct auth_ctx *ctx, struct auth_call *c, struct auth_reply *rp);
int auth_h_get_members(struct auth_ctx *ctx, struct auth_call *c, struct auth_reply *rp);
int auth_h_get_owners(struct auth_ctx *ctx, struct auth_call *c, struct auth_reply *rp);
int auth_h_get_role(struct auth_ctx *ctx, struct auth_call *c, struct auth_reply *rp);
int auth_h_user_with_project(struct auth_ctx *ctx, struct auth_call *c, struct auth_reply *rp);
int auth_h_owner_projects(struct auth_ctx *ctx, struct auth_call *c, struct auth_reply *rp);
int auth_h_rename_project(struct auth_ctx *ctx, struct auth_call *c, struct auth_reply *rp);
int auth_h_delete_project(struct auth_ctx *ctx, struct auth_call *c, struct auth_reply *rp);

/* invitations.c */
int auth_h_send_invitation(struct auth_ctx *ctx, struct auth_call *c, struct auth_reply *rp);
int auth_h_accept_invitation(struct auth_ctx *ctx, struct auth_call *c, struct auth_reply *rp);
int auth_h_decline_invitation(struct auth_ctx *ctx, struct auth_call *c, struct auth_reply *rp);
int auth_h_remove_invitation(struct auth_ctx *ctx, struct auth_call *c, struct auth_reply *rp);
int auth_h_leave_project(struct auth_ctx *ctx, struct auth_call *c, struct auth_reply *rp);
int auth_h_update_member_role(struct auth_ctx *ctx, struct auth_call *c, struct auth_reply *rp);
int auth_h_invite_users(struct auth_ctx *ctx, struct auth_call *c, struct auth_reply *rp);
int auth_h_list_invitations(struct auth_ctx *ctx, struct auth_call *c, struct auth_reply *rp);

/* audit.c: logins and role changes (who, when, what, from where); GET /audit_events */
void auth_audit(struct auth_ctx *ctx, const struct auth_call *c, const char *action, const char *username,
                const char *project, const char *detail, bool ok);
int auth_h_audit_events(struct auth_ctx *ctx, struct auth_call *c, struct auth_reply *rp);

/* routes.c */
extern const struct auth_route auth_routes[];
extern const size_t auth_n_routes;
/* Index of the route serving method+path pattern, or -1 (fuzzer, tests). */
int auth_route_find(const char *pattern);
/* Runs one REST call through authentication, body parsing and the handler; always fills rp. */
void auth_dispatch(struct auth_ctx *ctx, const struct auth_route *route, struct auth_call *c,
                   struct auth_reply *rp);
int auth_reply_error(struct auth_reply *rp, int status, const char *code, const char *description);
int auth_reply_json(struct auth_reply *rp, int status, struct cJSON *body);
int auth_reply_message(struct auth_reply *rp, const char *message);
/* Reads a string field of the call's body: -ENOENT if absent, RIFT_E_INVALID if not a string. */
int auth_body_string(struct auth_call *c, const char *key, bool required, const char **ret);
int auth_routes_mount(struct auth_ctx *ctx, struct rift_http_server *http);
void auth_reply_free(struct auth_reply *rp);

/* rpc_service.c */
int auth_rpc_mount(struct auth_ctx *ctx, struct rift_rpc_server *rpc);

/* server.c */
int auth_ctx_new(const struct auth_config *cfg, struct auth_ctx **ret);
void auth_ctx_free(struct auth_ctx *ctx);
int auth_store_prepare(struct rift_store *store);
int64_t auth_token_lifetime_ms(const struct auth_config *cfg);

#endif
