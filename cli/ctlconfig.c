/* riftctl's config file (see ctlconfig.h). YAML is read with libyaml's document loader into cJSON
 * (every scalar a string), then checked into the structs; it is written through output_yaml. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "cli/ctlconfig.h"
#include "cli/output.h"
#include "lib/error.h"
#include "lib/json.h"
#include "lib/limits_rift.h"
#include "lib/str.h"

#define MAX_DEPTH 16 /* nesting read from the file */

static void user_free(struct ctlconfig_user *u)
{
        free(u->username);
        free(u->token);
}

static void account_free(struct ctlconfig_account *a)
{
        for (size_t i = 0; i < a->n_users; i++)
                user_free(&a->users[i]);
        free(a->users);
        free(a->endpoint);
        free(a->server_endpoint);
}

void ctlconfig_free(struct ctlconfig *c)
{
        if (!c)
                return;
        for (size_t i = 0; i < c->n_accounts; i++)
                account_free(&c->accounts[i]);
        free(c->accounts);
        free(c->current_account);
        free(c->current_user);
        *c = (struct ctlconfig){};
}

/* ---- YAML document -> cJSON ------------------------------------------------------------------------- */

struct loader {
        yaml_document_t *doc; /* the loaded document */
        size_t nodes;         /* nodes converted so far (aliases count each time) */
        bool typed;           /* plain true/false/null and integers get their JSON types */
};

/* A plain scalar as a JSON boolean, null or integer when it reads as one; NULL otherwise. */
static cJSON *typed_scalar(const yaml_node_t *n)
{
        const char *v = (const char *)n->data.scalar.value;
        int64_t i;

        if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
                return NULL;
        if (rift_streq(v, "true") || rift_streq(v, "false"))
                return cJSON_CreateBool(rift_streq(v, "true"));
        if (rift_streq(v, "null") || rift_streq(v, "~"))
                return cJSON_CreateNull();
        if (rift_parse_int64(v, -(INT64_C(1) << 53), INT64_C(1) << 53, &i) == 0)
                return cJSON_CreateNumber((double)i);
        return NULL;
}

static cJSON *node_json(struct loader *l, yaml_node_t *n, int depth)
{
        cJSON *o = NULL;

        if (!n || depth > MAX_DEPTH || ++l->nodes > RIFT_CLI_MAX_CONFIG_NODES)
                return NULL;
        if (n->type == YAML_SCALAR_NODE && l->typed && (o = typed_scalar(n)))
                return o;
        if (n->type == YAML_SCALAR_NODE)
                return cJSON_CreateString(
                    rift_utf8_valid((const char *)n->data.scalar.value, n->data.scalar.length)
                        ? (const char *)n->data.scalar.value
                        : "");
        if (n->type == YAML_SEQUENCE_NODE) {
                o = cJSON_CreateArray();
                for (yaml_node_item_t *it = n->data.sequence.items.start;
                     o && it < n->data.sequence.items.top; it++) {
                        cJSON *v = node_json(l, yaml_document_get_node(l->doc, *it), depth + 1);
                        if (!v || !cJSON_AddItemToArray(o, v)) {
                                cJSON_Delete(v);
                                cJSON_Delete(o);
                                return NULL;
                        }
                }
                return o;
        }
        if (n->type != YAML_MAPPING_NODE)
                return NULL;
        o = cJSON_CreateObject();
        for (yaml_node_pair_t *p = n->data.mapping.pairs.start; o && p < n->data.mapping.pairs.top; p++) {
                yaml_node_t *k = yaml_document_get_node(l->doc, p->key);
                cJSON *v = k && k->type == YAML_SCALAR_NODE
                               ? node_json(l, yaml_document_get_node(l->doc, p->value), depth + 1)
                               : NULL;
                if (!v || cJSON_GetObjectItemCaseSensitive(o, (const char *)k->data.scalar.value) ||
                    !cJSON_AddItemToObject(o, (const char *)k->data.scalar.value, v)) {
                        cJSON_Delete(v);
                        cJSON_Delete(o);
                        return NULL;
                }
        }
        return o;
}

int ctlconfig_yaml_to_json(const char *data, size_t len, bool typed, cJSON **ret, const char **ret_msg)
{
        yaml_parser_t parser;
        yaml_document_t doc;
        struct loader l = { .doc = &doc, .typed = typed };
        yaml_node_t *root;
        cJSON *v;

        if (len > RIFT_CLI_MAX_CONFIG)
                return RIFT_E_TOOBIG;
        if (!yaml_parser_initialize(&parser))
                return -ENOMEM;
        yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
        if (!yaml_parser_load(&parser, &doc)) {
                *ret_msg = "not valid YAML";
                yaml_parser_delete(&parser);
                return RIFT_E_PARSE;
        }
        root = yaml_document_get_root_node(&doc);
        v = root ? node_json(&l, root, 0) : cJSON_CreateObject();
        yaml_document_delete(&doc);
        yaml_parser_delete(&parser);
        if (!v || !cJSON_IsObject(v)) {
                cJSON_Delete(v);
                *ret_msg = "not a mapping of accounts (too deep, too large or repeated keys?)";
                return RIFT_E_PARSE;
        }
        *ret = v;
        return 0;
}

/* ---- cJSON -> structs ------------------------------------------------------------------------------ */

/* Copies the optional string member key (NULL when absent); RIFT_E_PARSE if not a string. */
static int dup_member(const cJSON *o, const char *key, bool required, char **ret)
{
        const char *s;
        int r = rift_json_get_string(o, key, &s);

        if (r == -ENOENT && !required) {
                *ret = NULL;
                return 0;
        }
        if (r < 0 || (required && !*s))
                return RIFT_E_PARSE;
        *ret = strdup(s);
        return *ret ? 0 : -ENOMEM;
}

static int user_from_json(const cJSON *o, struct ctlconfig_user *u)
{
        const char *exp = NULL;
        int r;

        r = dup_member(o, "username", true, &u->username);
        if (r >= 0)
                r = dup_member(o, "token", false, &u->token);
        if (r >= 0 && rift_json_get_string(o, "expires_in", &exp) == 0 && *exp)
                r = rift_parse_int64(exp, 0, INT64_MAX, &u->expires_at) < 0 ? RIFT_E_PARSE : 0;
        return r;
}

static int account_from_json(const cJSON *o, struct ctlconfig_account *a)
{
        const cJSON *users = NULL, *u;
        int r;

        r = dup_member(o, "endpoint", true, &a->endpoint);
        if (r >= 0)
                r = dup_member(o, "serverEndpoint", false, &a->server_endpoint);
        if (r < 0)
                return r;
        if (rift_json_get_array(o, "users", &users) < 0)
                return rift_json_get_object(o, "users", &users) == -ENOENT ? 0 : RIFT_E_PARSE;
        if ((size_t)cJSON_GetArraySize(users) > RIFT_CLI_MAX_USERS)
                return RIFT_E_TOOBIG;
        a->users = calloc((size_t)cJSON_GetArraySize(users) + 1, sizeof(*a->users));
        if (!a->users)
                return -ENOMEM;
        cJSON_ArrayForEach(u, users)
        {
                r = user_from_json(u, &a->users[a->n_users++]);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int config_from_json(const cJSON *o, struct ctlconfig *c)
{
        const cJSON *accounts = NULL, *a;
        int r;

        r = dup_member(o, "current-account", false, &c->current_account);
        if (r >= 0)
                r = dup_member(o, "current-user", false, &c->current_user);
        if (r < 0)
                return r;
        r = rift_json_get_array(o, "accounts", &accounts);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return RIFT_E_PARSE;
        if ((size_t)cJSON_GetArraySize(accounts) > RIFT_CLI_MAX_ACCOUNTS)
                return RIFT_E_TOOBIG;
        c->accounts = calloc((size_t)cJSON_GetArraySize(accounts) + 1, sizeof(*c->accounts));
        if (!c->accounts)
                return -ENOMEM;
        cJSON_ArrayForEach(a, accounts)
        {
                r = account_from_json(a, &c->accounts[c->n_accounts++]);
                if (r < 0)
                        return r;
        }
        return 0;
}

int ctlconfig_parse(const char *data, size_t len, struct ctlconfig *ret, const char **ret_msg)
{
        _cleanup_(ctlconfig_freep) struct ctlconfig c = {};
        _cleanup_json_ cJSON *o = NULL;
        const char *msg = NULL;
        int r;

        r = ctlconfig_yaml_to_json(data, len, false, &o, &msg);
        if (r >= 0) {
                r = config_from_json(o, &c);
                msg = "unexpected shape (accounts, users, endpoint, username, token, expires_in)";
        }
        if (r < 0) {
                if (ret_msg)
                        *ret_msg = r == RIFT_E_TOOBIG ? "too large" : msg;
                return r;
        }
        *ret = c;
        c = (struct ctlconfig){};
        return 0;
}

/* ---- structs -> YAML ------------------------------------------------------------------------------- */

static int add_str(cJSON *o, const char *key, const char *v)
{
        return v ? rift_json_add_string(o, key, v) : 0;
}

static cJSON *user_json(const struct ctlconfig_user *u)
{
        char exp[32];
        cJSON *o = cJSON_CreateObject();

        (void)snprintf(exp, sizeof(exp), "%lld", (long long)u->expires_at);
        if (!o || add_str(o, "username", u->username) < 0 ||
            add_str(o, "token", u->token ? u->token : "") < 0 || add_str(o, "expires_in", exp) < 0) {
                cJSON_Delete(o);
                return NULL;
        }
        return o;
}

static cJSON *account_json(const struct ctlconfig_account *a)
{
        cJSON *o = cJSON_CreateObject(), *users;

        if (!o || add_str(o, "endpoint", a->endpoint) < 0 ||
            add_str(o, "serverEndpoint", a->server_endpoint ? a->server_endpoint : a->endpoint) < 0 ||
            !(users = cJSON_AddArrayToObject(o, "users"))) {
                cJSON_Delete(o);
                return NULL;
        }
        for (size_t i = 0; i < a->n_users; i++) {
                cJSON *u = user_json(&a->users[i]);
                if (!u || !cJSON_AddItemToArray(users, u)) {
                        cJSON_Delete(u);
                        cJSON_Delete(o);
                        return NULL;
                }
        }
        return o;
}

cJSON *ctlconfig_to_json(const struct ctlconfig *c)
{
        _cleanup_json_ cJSON *o = cJSON_CreateObject();
        cJSON *accounts;

        if (!o || add_str(o, "apiVersion", "v1") < 0 || add_str(o, "kind", "Config") < 0 ||
            add_str(o, "current-account", c->current_account ? c->current_account : "") < 0 ||
            add_str(o, "current-user", c->current_user ? c->current_user : "") < 0 ||
            !(accounts = cJSON_AddArrayToObject(o, "accounts")))
                return NULL;
        for (size_t i = 0; i < c->n_accounts; i++) {
                cJSON *a = account_json(&c->accounts[i]);
                if (!a || !cJSON_AddItemToArray(accounts, a)) {
                        cJSON_Delete(a);
                        return NULL;
                }
        }
        return TAKE_PTR(o);
}

int ctlconfig_format(const struct ctlconfig *c, struct rift_buf *out)
{
        _cleanup_json_ cJSON *o = ctlconfig_to_json(c);

        return o ? output_yaml(o, out) : -ENOMEM;
}

/* ---- files ----------------------------------------------------------------------------------------- */

int ctlconfig_load(const char *path, struct ctlconfig *ret, const char **ret_msg)
{
        _cleanup_buf_ struct rift_buf data = RIFT_BUF_INIT(RIFT_CLI_MAX_CONFIG);
        char chunk[8192];
        ssize_t n;
        int fd, r = 0;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        while (r >= 0 && (n = read(fd, chunk, sizeof(chunk))) != 0) {
                if (n < 0)
                        r = errno == EINTR ? 0 : -errno;
                else
                        r = rift_buf_append(&data, chunk, (size_t)n);
        }
        close(fd);
        if (r < 0) {
                if (ret_msg)
                        *ret_msg = r == RIFT_E_TOOBIG ? "too large" : "cannot be read";
                return r;
        }
        return ctlconfig_parse(data.data ? data.data : "", data.len, ret, ret_msg);
}

static int write_all(int fd, const char *p, size_t len)
{
        while (len > 0) {
                ssize_t n = write(fd, p, len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                p += n;
                len -= (size_t)n;
        }
        return 0;
}

int ctlconfig_save(const char *path, const struct ctlconfig *c)
{
        _cleanup_buf_ struct rift_buf text = RIFT_BUF_INIT(RIFT_CLI_MAX_CONFIG);
        _cleanup_buf_ struct rift_buf tmp = RIFT_BUF_INIT(8192);
        int fd, r;

        r = ctlconfig_format(c, &text);
        if (r >= 0)
                r = rift_buf_printf(&tmp, "%s.tmp.%ld", path, (long)getpid());
        if (r < 0)
                return r;
        (void)unlink(tmp.data);
        fd = open(tmp.data, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return -errno;
        r = write_all(fd, text.data, text.len);
        if (r >= 0 && fchmod(fd, 0600) < 0)
                r = -errno;
        if (r >= 0 && fsync(fd) < 0)
                r = -errno;
        if (close(fd) < 0 && r >= 0)
                r = -errno;
        if (r >= 0 && rename(tmp.data, path) < 0)
                r = -errno;
        if (r < 0)
                (void)unlink(tmp.data);
        return r;
}

int ctlconfig_path(const char *explicit_path, char *ret, size_t size)
{
        const char *env = getenv("RIFTCONFIG"), *home = getenv("HOME");
        int n;

        if (explicit_path && *explicit_path)
                n = snprintf(ret, size, "%s", explicit_path);
        else if (env && *env)
                n = snprintf(ret, size, "%s", env);
        else if (home && *home)
                n = snprintf(ret, size, "%s/.riftconfig", home);
        else
                return -ENOENT;
        return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* ---- accounts -------------------------------------------------------------------------------------- */

static struct ctlconfig_account *account_find(const struct ctlconfig *c, const char *endpoint)
{
        for (size_t i = 0; i < c->n_accounts; i++)
                if (rift_streq(c->accounts[i].endpoint, endpoint))
                        return &c->accounts[i];
        return NULL;
}

static struct ctlconfig_user *user_find(const struct ctlconfig_account *a, const char *username)
{
        for (size_t i = 0; i < a->n_users; i++)
                if (!username || rift_streq(a->users[i].username, username))
                        return &a->users[i];
        return NULL;
}

static int replace_str(char **dst, const char *src)
{
        char *d = src ? strdup(src) : NULL;

        if (src && !d)
                return -ENOMEM;
        free(*dst);
        *dst = d;
        return 0;
}

static struct ctlconfig_account *account_add(struct ctlconfig *c, const char *endpoint)
{
        struct ctlconfig_account *a;

        if (c->n_accounts >= RIFT_CLI_MAX_ACCOUNTS)
                return NULL;
        a = realloc(c->accounts, (c->n_accounts + 1) * sizeof(*a));
        if (!a)
                return NULL;
        c->accounts = a;
        a = &c->accounts[c->n_accounts];
        *a = (struct ctlconfig_account){ .endpoint = strdup(endpoint) };
        if (!a->endpoint)
                return NULL;
        c->n_accounts++;
        return a;
}

static struct ctlconfig_user *user_add(struct ctlconfig_account *a, const char *username)
{
        struct ctlconfig_user *u;

        if (a->n_users >= RIFT_CLI_MAX_USERS)
                return NULL;
        u = realloc(a->users, (a->n_users + 1) * sizeof(*u));
        if (!u)
                return NULL;
        a->users = u;
        u = &a->users[a->n_users];
        *u = (struct ctlconfig_user){ .username = strdup(username) };
        if (!u->username)
                return NULL;
        a->n_users++;
        return u;
}

int ctlconfig_set_user(struct ctlconfig *c, const char *endpoint, const char *server_endpoint,
                       const char *username, const char *token, int64_t expires_at)
{
        struct ctlconfig_account *a = account_find(c, endpoint);
        struct ctlconfig_user *u;
        int r;

        if (!a && !(a = account_add(c, endpoint)))
                return c->n_accounts >= RIFT_CLI_MAX_ACCOUNTS ? RIFT_E_TOOBIG : -ENOMEM;
        u = user_find(a, username);
        if (!u && !(u = user_add(a, username)))
                return a->n_users >= RIFT_CLI_MAX_USERS ? RIFT_E_TOOBIG : -ENOMEM;
        r = replace_str(&u->token, token);
        if (r >= 0 && server_endpoint)
                r = replace_str(&a->server_endpoint, server_endpoint);
        if (r < 0)
                return r;
        u->expires_at = expires_at;
        return ctlconfig_use(c, endpoint, username);
}

int ctlconfig_find(const struct ctlconfig *c, const char *endpoint, const char *username,
                   const struct ctlconfig_account **ret_account, const struct ctlconfig_user **ret_user)
{
        const struct ctlconfig_account *a = endpoint ? account_find(c, endpoint) : NULL;
        const struct ctlconfig_user *u = a ? user_find(a, username) : NULL;

        if (!u)
                return RIFT_E_NOTFOUND;
        if (ret_account)
                *ret_account = a;
        if (ret_user)
                *ret_user = u;
        return 0;
}

int ctlconfig_use(struct ctlconfig *c, const char *endpoint, const char *username)
{
        const struct ctlconfig_user *u;
        int r;

        r = ctlconfig_find(c, endpoint, username, NULL, &u);
        if (r < 0)
                return r;
        r = replace_str(&c->current_account, endpoint);
        return r < 0 ? r : replace_str(&c->current_user, u->username);
}
