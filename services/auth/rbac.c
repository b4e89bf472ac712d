/* Who may do what: the project and account rules of rift-auth as static tables and pure functions,
 * so every decision is unit-tested without a store or a server. */
#include "lib/macro.h"
#include "lib/str.h"
#include "services/auth/auth.h"

#define R(x)     (1u << (x))
#define ANY_ROLE (R(AUTH_PROLE_OWNER) | R(AUTH_PROLE_EXECUTOR) | R(AUTH_PROLE_VIEWER))

struct project_rule {
        unsigned roles;         /* bit set of enum auth_prole a member needs */
        enum auth_invite state; /* membership state the member needs */
        bool admin;             /* a global admin passes without membership */
};

/* Reads are open to every accepted member (and admins); everything that changes a project needs an
 * accepted Owner: admins do not bypass project mutations. */
static const struct project_rule project_rules[] = {
        [AUTH_ACT_GET_PROJECT] = { ANY_ROLE, AUTH_INV_ACCEPTED, true },
        [AUTH_ACT_GET_OWNERS] = { ANY_ROLE, AUTH_INV_ACCEPTED, true },
        [AUTH_ACT_LIST_MEMBERS] = { R(AUTH_PROLE_OWNER), AUTH_INV_ACCEPTED, true },
        [AUTH_ACT_INVITE_USERS] = { R(AUTH_PROLE_OWNER), AUTH_INV_ACCEPTED, false },
        [AUTH_ACT_SEND_INVITATION] = { R(AUTH_PROLE_OWNER), AUTH_INV_ACCEPTED, false },
        [AUTH_ACT_REMOVE_INVITATION] = { R(AUTH_PROLE_OWNER), AUTH_INV_ACCEPTED, false },
        [AUTH_ACT_UPDATE_MEMBER_ROLE] = { R(AUTH_PROLE_OWNER), AUTH_INV_ACCEPTED, false },
        [AUTH_ACT_RENAME_PROJECT] = { R(AUTH_PROLE_OWNER), AUTH_INV_ACCEPTED, false },
        [AUTH_ACT_DELETE_PROJECT] = { R(AUTH_PROLE_OWNER), AUTH_INV_ACCEPTED, false },
        [AUTH_ACT_ACCEPT_INVITATION] = { ANY_ROLE, AUTH_INV_PENDING, false },
        [AUTH_ACT_DECLINE_INVITATION] = { ANY_ROLE, AUTH_INV_PENDING, false },
        [AUTH_ACT_LEAVE_PROJECT] = { ANY_ROLE, AUTH_INV_ACCEPTED, false },
};

int auth_rbac_project(enum auth_action a, enum auth_grole grole, enum auth_prole role, enum auth_invite state)
{
        const struct project_rule *r;

        if ((size_t)a >= ARRAY_SIZE(project_rules))
                return RIFT_E_FORBIDDEN;
        r = &project_rules[a];
        if (r->admin && grole == AUTH_GROLE_ADMIN)
                return 0;
        if (role != AUTH_PROLE_NONE && (r->roles & R(role)) && state == r->state)
                return 0;
        return RIFT_E_FORBIDDEN;
}

struct user_rule {
        bool self;  /* the caller may act on their own account */
        bool admin; /* a global admin may act on any account */
};

static const struct user_rule user_rules[] = {
        [AUTH_UACT_GET_USER] = { true, true },         [AUTH_UACT_LIST_USERS] = { false, true },
        [AUTH_UACT_CREATE_USER] = { false, true },     [AUTH_UACT_RESET_PASSWORD] = { false, true },
        [AUTH_UACT_UPDATE_STATE] = { false, true },    [AUTH_UACT_UPDATE_DETAILS] = { true, false },
        [AUTH_UACT_UPDATE_PASSWORD] = { true, false }, [AUTH_UACT_TOKENS] = { true, false },
        [AUTH_UACT_USER_PROJECTS] = { true, true },
};

int auth_rbac_user(enum auth_user_action a, enum auth_grole grole, const char *caller_uid,
                   const char *target_uid)
{
        const struct user_rule *r;

        if ((size_t)a >= ARRAY_SIZE(user_rules))
                return RIFT_E_FORBIDDEN;
        r = &user_rules[a];
        if (r->admin && grole == AUTH_GROLE_ADMIN)
                return 0;
        if (r->self && caller_uid && target_uid && rift_streq(caller_uid, target_uid))
                return 0;
        return RIFT_E_FORBIDDEN;
}

bool auth_rbac_roles_match(enum auth_prole role, enum auth_invite state, const enum auth_prole *required,
                           size_t n_required, enum auth_invite required_state)
{
        if (role == AUTH_PROLE_NONE || state != required_state)
                return false;
        for (size_t i = 0; i < n_required; i++)
                if (required[i] == role)
                        return true;
        return false;
}

int auth_rbac_leave(enum auth_prole role, size_t accepted_owners)
{
        if (role == AUTH_PROLE_OWNER && accepted_owners <= 1)
                return RIFT_E_CONFLICT;
        return 0;
}

int auth_rbac_member_change(const char *caller_uid, const char *target_uid)
{
        return rift_streq(caller_uid, target_uid) ? RIFT_E_FORBIDDEN : 0;
}
