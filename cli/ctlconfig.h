/* riftctl's config file (~/.riftconfig, shaped like litmusctl's ~/.litmusconfig), YAML, mode 0600:
 *
 *   apiVersion: "v1"
 *   kind: "Config"
 *   current-account: "https://chaos.example:3000"
 *   current-user: "admin"
 *   accounts:
 *     - endpoint: "https://chaos.example:3000"
 *       serverEndpoint: "https://chaos.example:3000"
 *       users:
 *         - username: "admin"
 *           token: "eyJ..."
 *           expires_in: "1764000000"      # Unix time (seconds) the token expires, as litmusctl writes it
 *
 * Reading is bounded (RIFT_CLI_MAX_CONFIG bytes, RIFT_CLI_MAX_CONFIG_NODES nodes, RIFT_CLI_MAX_ACCOUNTS
 * accounts of RIFT_CLI_MAX_USERS users); saving writes a temporary file 0600 and renames it over. */
#ifndef RIFT_CLI_CTLCONFIG_H
#define RIFT_CLI_CTLCONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>

#include "lib/buf.h"
#include "lib/macro.h"

struct ctlconfig_user {
        char *username;     /* account name on the server */
        char *token;        /* session JWT from /login */
        int64_t expires_at; /* Unix seconds when token stops working; 0 = unknown */
};

struct ctlconfig_account {
        char *endpoint;               /* rift-auth URL, no trailing '/' (the key of the account) */
        char *server_endpoint;        /* rift-backend URL (GraphQL), same as endpoint by default */
        struct ctlconfig_user *users; /* users logged in at this endpoint */
        size_t n_users;               /* entries in users */
};

struct ctlconfig {
        struct ctlconfig_account *accounts; /* one per endpoint */
        size_t n_accounts;                  /* entries in accounts */
        char *current_account;              /* endpoint in use; NULL = none */
        char *current_user;                 /* username in use at current_account; NULL = none */
};

void ctlconfig_free(struct ctlconfig *c);
static inline void ctlconfig_freep(struct ctlconfig *c)
{
        ctlconfig_free(c);
}

/* Parses the YAML text; RIFT_E_PARSE (bad YAML or shape, with *ret_msg set to a static reason),
 * RIFT_E_TOOBIG, -ENOMEM. */
int ctlconfig_parse(const char *data, size_t len, struct ctlconfig *ret, const char **ret_msg);
/* The file's content as JSON (what ctlconfig_format writes as YAML); NULL on -ENOMEM. */
cJSON *ctlconfig_to_json(const struct ctlconfig *c);
/* Appends the YAML text of c. */
int ctlconfig_format(const struct ctlconfig *c, struct rift_buf *out);
/* The first document of a YAML text whose root is a mapping, within the config file's limits (size,
 * nodes with aliases expanded, depth); RIFT_E_PARSE with *ret_msg. Scalars are strings, except with
 * typed: plain true, false, null and integers get those JSON types. */
int ctlconfig_yaml_to_json(const char *data, size_t len, bool typed, cJSON **ret, const char **ret_msg);
/* Reads path; -ENOENT if it does not exist, other negative errno, or ctlconfig_parse's errors. */
int ctlconfig_load(const char *path, struct ctlconfig *ret, const char **ret_msg);
/* Writes c to path atomically with mode 0600. */
int ctlconfig_save(const char *path, const struct ctlconfig *c);
/* The path to use: explicit if not NULL, else $RIFTCONFIG, else $HOME/.riftconfig. -ENOENT if no HOME. */
int ctlconfig_path(const char *explicit_path, char *ret, size_t size);

/* Adds or replaces the user's token at endpoint (creating the account) and makes it current. */
int ctlconfig_set_user(struct ctlconfig *c, const char *endpoint, const char *server_endpoint,
                       const char *username, const char *token, int64_t expires_at);
/* Looks up (endpoint, username); a NULL username matches the first user of endpoint. */
int ctlconfig_find(const struct ctlconfig *c, const char *endpoint, const char *username,
                   const struct ctlconfig_account **ret_account, const struct ctlconfig_user **ret_user);
/* Makes (endpoint, username) current; RIFT_E_NOTFOUND if it is not in c. */
int ctlconfig_use(struct ctlconfig *c, const char *endpoint, const char *username);

#endif
