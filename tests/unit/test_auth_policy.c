// link: services/auth/policy.c services/auth/rbac.c
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "lib/macro.h"
#include "services/auth/auth.h"

static void usernames(void **state)
{
        static const struct {
                const char *in; /* candidate username */
                bool ok;        /* expected verdict */
        } cases[] = {
                { "admin", true },   { "a.b_c@d+e-f", true }, { "abc", true },    { "ab", false },
                { ".abc", false },   { "-abc", false },       { "ab c", false },  { "", false },
                { "ab/c", false },   { "ab\xc3\xa9", false }, { "a\"bc", false }, { "9lives", true },
                { "a;drop", false }, { "a\nbc", false },
        };
        char longest[AUTH_USERNAME_MAX + 2];

        for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
                assert_int_equal(auth_username_valid(cases[i].in), cases[i].ok);
        assert_false(auth_username_valid(NULL));
        memset(longest, 'a', sizeof(longest));
        longest[AUTH_USERNAME_MAX] = '\0';
        assert_true(auth_username_valid(longest));
        longest[AUTH_USERNAME_MAX] = 'a';
        longest[AUTH_USERNAME_MAX + 1] = '\0';
        assert_false(auth_username_valid(longest));
}

static void passwords(void **state)
{
        static const struct {
                const char *in; /* candidate password */
                bool ok;        /* expected verdict */
        } cases[] = {
                { "Litmus@123", true },
                { "Aa1!aaaa", true },      /* exactly 8 */
                { "Aa1!aaa", false },      /* 7 */
                { "litmus@123", false },   /* no upper */
                { "LITMUS@123", false },   /* no lower */
                { "Litmus@abc", false },   /* no digit */
                { "Litmus1234", false },   /* no symbol */
                { "Litmus 123", true },    /* space counts as a symbol */
                { "Litmus\t@123", false }, /* control character */
                { "L\xc3\xa9tmus@123", false },
                { "Aa1!aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", true },   /* 64 */
                { "Aa1!aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false }, /* 65 */
        };

        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                const char *p = auth_password_problem(cases[i].in);

                assert_int_equal(p == NULL, cases[i].ok);
                if (p)
                        assert_null(strstr(p, cases[i].in)); /* the reason never echoes the password */
        }
        assert_non_null(auth_password_problem(NULL));
}

static void emails_names_ids(void **state)
{
        assert_true(auth_email_valid(""));
        assert_true(auth_email_valid("a@b.io"));
        assert_false(auth_email_valid("a@b"));
        assert_false(auth_email_valid("@b.io"));
        assert_false(auth_email_valid("a@@b.io"));
        assert_false(auth_email_valid("a b@c.io"));
        assert_false(auth_email_valid("a@b.io."));
        assert_false(auth_email_valid(NULL));
        assert_true(auth_display_name_valid(""));
        assert_true(auth_display_name_valid("Zoë Smith"));
        assert_false(auth_display_name_valid("bad\x01"));
        assert_false(auth_display_name_valid("\xff"));
        assert_true(auth_project_name_valid("chaos-1"));
        assert_false(auth_project_name_valid(""));
        assert_false(auth_project_name_valid(" lead"));
        assert_false(auth_project_name_valid("trail "));
        assert_true(auth_uuid_valid("0b6f0e4e-7c2a-4a1e-9f2b-0a1b2c3d4e5f"));
        assert_false(auth_uuid_valid("../etc"));
        assert_false(auth_uuid_valid(""));
}

static void role_vocabularies(void **state)
{
        enum auth_prole r;
        enum auth_invite s;
        enum auth_grole g;

        assert_int_equal(auth_prole_parse("Owner", &r), 0);
        assert_int_equal(r, AUTH_PROLE_OWNER);
        assert_int_equal(auth_prole_parse("Editor", &r), 0);
        assert_int_equal(r, AUTH_PROLE_EXECUTOR);
        assert_string_equal(auth_prole_name(r), "Executor");
        assert_int_equal(auth_prole_parse("N/A", &r), RIFT_E_INVALID);
        assert_int_equal(auth_prole_parse("owner", &r), RIFT_E_INVALID);
        assert_int_equal(auth_invite_parse("Exited", &s), 0);
        assert_int_equal(s, AUTH_INV_EXITED);
        assert_int_equal(auth_invite_parse("N/A", &s), RIFT_E_INVALID);
        assert_int_equal(auth_grole_parse("admin", &g), 0);
        assert_int_equal(g, AUTH_GROLE_ADMIN);
        assert_int_equal(auth_grole_parse("root", &g), RIFT_E_INVALID);
}

#define A  AUTH_GROLE_ADMIN
#define U  AUTH_GROLE_USER
#define OW AUTH_PROLE_OWNER
#define EX AUTH_PROLE_EXECUTOR
#define VI AUTH_PROLE_VIEWER
#define NO AUTH_PROLE_NONE
#define PE AUTH_INV_PENDING
#define AC AUTH_INV_ACCEPTED
#define DE AUTH_INV_DECLINED
#define XT AUTH_INV_EXITED
#define NS AUTH_INV_NONE

static void project_rules(void **state)
{
        static const struct {
                enum auth_action act; /* what the caller attempts */
                enum auth_grole g;    /* caller's global role */
                enum auth_prole r;    /* caller's project role */
                enum auth_invite s;   /* caller's membership state */
                bool allowed;         /* expected decision */
        } cases[] = {
                { AUTH_ACT_GET_PROJECT, U, VI, AC, true },
                { AUTH_ACT_GET_PROJECT, U, VI, PE, false },
                { AUTH_ACT_GET_PROJECT, U, NO, NS, false },
                { AUTH_ACT_GET_PROJECT, A, NO, NS, true },
                { AUTH_ACT_GET_OWNERS, U, NO, NS, false }, /* Litmus left this open */
                { AUTH_ACT_GET_OWNERS, U, EX, AC, true },
                { AUTH_ACT_GET_OWNERS, U, EX, XT, false },
                { AUTH_ACT_LIST_MEMBERS, U, OW, AC, true },
                { AUTH_ACT_LIST_MEMBERS, U, EX, AC, false },
                { AUTH_ACT_LIST_MEMBERS, A, NO, NS, true },
                { AUTH_ACT_SEND_INVITATION, U, OW, AC, true },
                { AUTH_ACT_SEND_INVITATION, U, OW, PE, false },
                { AUTH_ACT_SEND_INVITATION, U, EX, AC, false },
                { AUTH_ACT_SEND_INVITATION, A, NO, NS, false },
                { AUTH_ACT_DELETE_PROJECT, U, OW, AC, true },
                { AUTH_ACT_DELETE_PROJECT, U, VI, AC, false },
                { AUTH_ACT_DELETE_PROJECT, A, VI, AC, false },
                { AUTH_ACT_RENAME_PROJECT, U, OW, DE, false },
                { AUTH_ACT_UPDATE_MEMBER_ROLE, U, OW, AC, true },
                { AUTH_ACT_REMOVE_INVITATION, U, EX, AC, false },
                { AUTH_ACT_INVITE_USERS, U, OW, AC, true },
                { AUTH_ACT_ACCEPT_INVITATION, U, VI, PE, true },
                { AUTH_ACT_ACCEPT_INVITATION, U, VI, AC, false },
                { AUTH_ACT_ACCEPT_INVITATION, U, VI, DE, false },
                { AUTH_ACT_DECLINE_INVITATION, U, EX, PE, true },
                { AUTH_ACT_DECLINE_INVITATION, A, NO, NS, false },
                { AUTH_ACT_LEAVE_PROJECT, U, EX, AC, true },
                { AUTH_ACT_LEAVE_PROJECT, U, EX, PE, false },
                { AUTH_ACT_LEAVE_PROJECT, U, NO, NS, false },
                { (enum auth_action)99, A, OW, AC, false },
        };

        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                int r = auth_rbac_project(cases[i].act, cases[i].g, cases[i].r, cases[i].s);

                if (cases[i].allowed != (r == 0))
                        fail_msg("case %zu: expected %s", i, cases[i].allowed ? "allow" : "deny");
        }
}

static void user_rules(void **state)
{
        static const struct {
                enum auth_user_action act; /* what the caller attempts */
                enum auth_grole g;         /* caller's global role */
                bool self;                 /* target is the caller */
                bool allowed;              /* expected decision */
        } cases[] = {
                { AUTH_UACT_GET_USER, U, true, true },        { AUTH_UACT_GET_USER, U, false, false },
                { AUTH_UACT_GET_USER, A, false, true },       { AUTH_UACT_LIST_USERS, U, true, false },
                { AUTH_UACT_LIST_USERS, A, false, true },     { AUTH_UACT_CREATE_USER, U, false, false },
                { AUTH_UACT_RESET_PASSWORD, A, false, true }, { AUTH_UACT_RESET_PASSWORD, U, true, false },
                { AUTH_UACT_UPDATE_STATE, U, true, false },   { AUTH_UACT_UPDATE_DETAILS, A, false, false },
                { AUTH_UACT_UPDATE_DETAILS, U, true, true },  { AUTH_UACT_TOKENS, A, false, false },
                { AUTH_UACT_TOKENS, U, true, true },          { AUTH_UACT_USER_PROJECTS, U, false, false },
                { AUTH_UACT_USER_PROJECTS, A, false, true },
        };

        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                int r = auth_rbac_user(cases[i].act, cases[i].g, "u1", cases[i].self ? "u1" : "u2");

                if (cases[i].allowed != (r == 0))
                        fail_msg("case %zu: expected %s", i, cases[i].allowed ? "allow" : "deny");
        }
        assert_int_equal(auth_rbac_user(AUTH_UACT_GET_USER, U, NULL, NULL), RIFT_E_FORBIDDEN);
}

static void validate_and_membership_changes(void **state)
{
        static const enum auth_prole owner_exec[] = { OW, EX };

        assert_true(auth_rbac_roles_match(EX, AC, owner_exec, 2, AC));
        assert_false(auth_rbac_roles_match(VI, AC, owner_exec, 2, AC));
        assert_false(auth_rbac_roles_match(OW, PE, owner_exec, 2, AC));
        assert_true(auth_rbac_roles_match(OW, PE, owner_exec, 2, PE));
        assert_false(auth_rbac_roles_match(NO, AC, owner_exec, 2, AC));
        assert_false(auth_rbac_roles_match(OW, AC, owner_exec, 0, AC));
        assert_int_equal(auth_rbac_leave(OW, 1), RIFT_E_CONFLICT);
        assert_int_equal(auth_rbac_leave(OW, 2), 0);
        assert_int_equal(auth_rbac_leave(VI, 1), 0);
        assert_int_equal(auth_rbac_member_change("a", "a"), RIFT_E_FORBIDDEN);
        assert_int_equal(auth_rbac_member_change("a", "b"), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(usernames),
                cmocka_unit_test(passwords),
                cmocka_unit_test(emails_names_ids),
                cmocka_unit_test(role_vocabularies),
                cmocka_unit_test(project_rules),
                cmocka_unit_test(user_rules),
                cmocka_unit_test(validate_and_membership_changes),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
