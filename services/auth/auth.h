/* rift-auth's private table of contents: users, projects, invitations, API tokens, JWTs, throttling,
 * the REST routes and the AuthService RPC. Nothing outside services/auth includes this header. */
#ifndef RIFT_AUTH_H
#define RIFT_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/error.h"
#include "lib/limits_rift.h"

#define AUTH_USERNAME_MIN     3u
#define AUTH_USERNAME_MAX     254u
#define AUTH_PASSWORD_MIN     8u
#define AUTH_PASSWORD_MAX     64u
#define AUTH_EMAIL_MAX        254u
#define AUTH_NAME_MAX         128u
#define AUTH_PROJECT_NAME_MAX 100u

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

#endif
