/* Input policies of rift-auth: usernames, passwords, e-mail addresses, display and project names, and
 * the role and invitation-state vocabularies. Pure functions: no store, no clock, no logging. */
#include <ctype.h>
#include <string.h>

#include "lib/macro.h"
#include "lib/str.h"
#include "services/auth/auth.h"

static const char *const global_role_names[] = {
        [AUTH_GROLE_USER] = "user",
        [AUTH_GROLE_ADMIN] = "admin",
};

static const char *const project_role_names[] = {
        [AUTH_PROLE_NONE] = "N/A",
        [AUTH_PROLE_OWNER] = "Owner",
        [AUTH_PROLE_EXECUTOR] = "Executor",
        [AUTH_PROLE_VIEWER] = "Viewer",
};

static const char *const invite_names[] = {
        [AUTH_INV_NONE] = "N/A",          [AUTH_INV_PENDING] = "Pending", [AUTH_INV_ACCEPTED] = "Accepted",
        [AUTH_INV_DECLINED] = "Declined", [AUTH_INV_EXITED] = "Exited",
};

/* Looks s up in names[first..n); returns its index or -1. */
static int lookup(const char *const *names, size_t first, size_t n, const char *s)
{
        if (!s)
                return -1;
        for (size_t i = first; i < n; i++)
                if (strcmp(names[i], s) == 0)
                        return (int)i;
        return -1;
}

int auth_grole_parse(const char *s, enum auth_grole *ret)
{
        int i = lookup(global_role_names, 0, ARRAY_SIZE(global_role_names), s);

        if (i < 0)
                return RIFT_E_INVALID;
        *ret = (enum auth_grole)i;
        return 0;
}

const char *auth_grole_name(enum auth_grole r)
{
        return (size_t)r < ARRAY_SIZE(global_role_names) ? global_role_names[r] : "user";
}

int auth_prole_parse(const char *s, enum auth_prole *ret)
{
        /* "Editor" is Litmus 2.x's name for Executor: accepted on input, never produced */
        int i = rift_streq(s, "Editor") ? AUTH_PROLE_EXECUTOR
                                        : lookup(project_role_names, 1, ARRAY_SIZE(project_role_names), s);

        if (i < 0)
                return RIFT_E_INVALID;
        *ret = (enum auth_prole)i;
        return 0;
}

const char *auth_prole_name(enum auth_prole r)
{
        return (size_t)r < ARRAY_SIZE(project_role_names) ? project_role_names[r] : "N/A";
}

int auth_invite_parse(const char *s, enum auth_invite *ret)
{
        int i = lookup(invite_names, 1, ARRAY_SIZE(invite_names), s);

        if (i < 0)
                return RIFT_E_INVALID;
        *ret = (enum auth_invite)i;
        return 0;
}

const char *auth_invite_name(enum auth_invite s)
{
        return (size_t)s < ARRAY_SIZE(invite_names) ? invite_names[s] : "N/A";
}

/* ^[a-zA-Z0-9][a-zA-Z0-9._@+-]{2,253}$ (Litmus's pattern, kept so existing accounts stay valid). */
bool auth_username_valid(const char *u)
{
        size_t n;

        if (!u)
                return false;
        n = strlen(u);
        if (n < AUTH_USERNAME_MIN || n > AUTH_USERNAME_MAX || !isalnum((unsigned char)u[0]))
                return false;
        for (size_t i = 1; i < n; i++) {
                unsigned char c = (unsigned char)u[i];

                if (c >= 0x80 || !(isalnum(c) || strchr("._@+-", c)))
                        return false;
        }
        return true;
}

const char *auth_password_problem(const char *pw)
{
        bool digit = false, lower = false, upper = false, symbol = false;
        size_t n;

        if (!pw)
                return "password is required";
        n = strlen(pw);
        if (n < AUTH_PASSWORD_MIN || n > AUTH_PASSWORD_MAX)
                return "password must be 8 to 64 characters long";
        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char)pw[i];

                if (c < 0x20 || c > 0x7e)
                        return "password may contain only printable ASCII characters";
                digit |= isdigit(c) != 0;
                lower |= islower(c) != 0;
                upper |= isupper(c) != 0;
                symbol |= ispunct(c) != 0 || c == ' ';
        }
        if (!digit || !lower || !upper || !symbol)
                return "password must contain a digit, a lowercase letter, an uppercase letter and a symbol";
        return NULL;
}

/* Printable UTF-8 without control characters, within max bytes; empty allowed if allow_empty. */
static bool text_valid(const char *s, size_t max, bool allow_empty)
{
        size_t n;

        if (!s)
                return false;
        n = strlen(s);
        if ((n == 0 && !allow_empty) || n > max || !rift_utf8_valid(s, n))
                return false;
        for (size_t i = 0; i < n; i++)
                if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
                        return false;
        return true;
}

bool auth_email_valid(const char *e)
{
        const char *at;

        if (!e || !*e)
                return e != NULL; /* empty means "no e-mail" */
        if (!text_valid(e, AUTH_EMAIL_MAX, false) || strchr(e, ' '))
                return false;
        at = strchr(e, '@');
        return at && at != e && !strchr(at + 1, '@') && strchr(at + 1, '.') && at[1] != '.' &&
               !rift_endswith(e, ".");
}

bool auth_display_name_valid(const char *s)
{
        return text_valid(s, AUTH_NAME_MAX, true);
}

bool auth_project_name_valid(const char *s)
{
        return text_valid(s, AUTH_PROJECT_NAME_MAX, false) && s[0] != ' ' && !rift_endswith(s, " ");
}

bool auth_uuid_valid(const char *s)
{
        size_t n = s ? strlen(s) : 0;

        if (n == 0 || n > RIFT_MAX_ID)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!isxdigit((unsigned char)s[i]) && s[i] != '-')
                        return false;
        return true;
}
