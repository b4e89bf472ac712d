/* Every hard limit on data that comes from the network or a file, in one place (STYLE rule 6).
 * Services may lower these through their configuration; they never raise them. */
#ifndef RIFT_LIMITS_RIFT_H
#define RIFT_LIMITS_RIFT_H

#define RIFT_MAX_HTTP_BODY    (4u * 1024 * 1024)  /* JSON or GraphQL request body */
#define RIFT_MAX_HTTP_HEADERS (16u * 1024)        /* all request headers together */
#define RIFT_MAX_RPC_MESSAGE  (4u * 1024 * 1024)  /* one protobuf request or response */
#define RIFT_MAX_JWT          (8u * 1024)         /* one bearer token */
#define RIFT_MAX_CONFIG_FILE  (256u * 1024)       /* one configuration file */
#define RIFT_MAX_CONFIG_VALUE 4096u               /* one configuration value */
#define RIFT_MAX_DOCUMENT     (16u * 1024 * 1024) /* one stored JSON document (MongoDB's own cap) */
#define RIFT_MAX_LOG_LINE     8192u               /* one structured log line */
#define RIFT_MAX_ID           64u                 /* an id or key name */
#define RIFT_MAX_PASSWORD     1024u               /* one password given to argon2id */

/* metrics (lib/metrics.c) */
#define RIFT_METRICS_MAX_SERIES     1000u /* default series per metric family (cardinality cap) */
#define RIFT_MAX_METRIC_LABEL_VALUE 1024u /* one metric label value, in bytes */

/* agent (agent/) */
#define RIFT_MAX_UNDO_TEXT     512u         /* one path, chain or rule text in an undo record */
#define RIFT_MAX_UNDO_RECORD   4096u        /* one undo journal record (JSON payload) */
#define RIFT_MAX_UNDO_ENTRIES  4096u        /* entries in one undo journal */
#define RIFT_MAX_FAULT_SPEC    (64u * 1024) /* one fault spec file */
#define RIFT_MAX_FAULT_TARGETS 64u          /* hosts, ports or processes named by one fault */

#define RIFT_MAX_JSON_DEPTH    64u                 /* nesting of arrays/objects in one JSON document */
#define RIFT_MAX_HTTP_RESPONSE (16u * 1024 * 1024) /* one HTTP response body read by lib/http_client */
#define RIFT_HTTP_TIMEOUT_MS   30000               /* default read/write/idle timeout per connection */

/* GraphQL engine defaults (lib/graphql, docs/graphql.md); an engine may lower them. */
#define RIFT_MAX_GQL_DOCUMENT   (256u * 1024)       /* query text of one request */
#define RIFT_MAX_GQL_TOKENS     50000u              /* lexical tokens in one document */
#define RIFT_MAX_GQL_MEMORY     (64u * 1024 * 1024) /* arena bytes per request */
#define RIFT_MAX_GQL_RESPONSE   (16u * 1024 * 1024) /* JSON response bytes */
#define RIFT_MAX_GQL_DEPTH      24u                 /* field nesting after fragment expansion */
#define RIFT_MAX_GQL_FIELDS     5000u               /* selected fields after fragment expansion */
#define RIFT_MAX_GQL_COMPLEXITY 200000u             /* fields weighted by list multipliers */
#define RIFT_MAX_GQL_ERRORS     100u                /* validation errors reported */
#define RIFT_MAX_GQL_NESTING    128u                /* syntactic nesting (selections, values, types) */

/* document store (lib/store.c) */
#define RIFT_STORE_MAX_IN           1000u   /* entries in one $in / $nin list of a filter */
#define RIFT_STORE_MAX_CONDS        64u     /* conditions in one filter */
#define RIFT_STORE_MAX_SORT         8u      /* sort keys in one query */
#define RIFT_STORE_MAX_INDEX_FIELDS 8u      /* fields in one index */
#define RIFT_STORE_MAX_TTL          64u     /* collections with a TTL field per open store */
#define RIFT_STORE_MAX_RESULTS      100000u /* documents returned by one find */
#define RIFT_STORE_MAX_FIELD        256u    /* bytes in one dotted field path */
#define RIFT_STORE_MAX_DEPTH        64u     /* nesting of objects and arrays in a stored document */

/* agent probes (agent/probes/, docs/probes.md) */
#define RIFT_PROBE_MAX_SPEC        (256u * 1024)        /* one probe spec document */
#define RIFT_PROBE_MAX_PROBES      32u                  /* probes in one set */
#define RIFT_PROBE_MAX_NAME        128u                 /* bytes in a probe name */
#define RIFT_PROBE_MAX_TEXT        8192u                /* url, command, query, body or expected value */
#define RIFT_PROBE_MAX_OUTPUT      (64u * 1024)         /* stdout kept from one cmdProbe try */
#define RIFT_PROBE_MAX_RESPONSE    (1024u * 1024)       /* Prometheus API response body */
#define RIFT_PROBE_MAX_BODYFILE    (1024u * 1024)       /* httpProbe bodyPath / promProbe queryPath file */
#define RIFT_PROBE_MAX_TRIES       100u                 /* attempt / retry */
#define RIFT_PROBE_MAX_DURATION_MS (24LL * 3600 * 1000) /* any runProperties duration */

/* rift-auth (services/auth, docs/auth.md) */
#define RIFT_AUTH_MAX_USERNAME     254u    /* bytes in a username (Litmus's pattern allows 254) */
#define RIFT_AUTH_MAX_PASSWORD     64u     /* characters in a password (policy: 8..64) */
#define RIFT_AUTH_MAX_EMAIL        254u    /* bytes in an e-mail address */
#define RIFT_AUTH_MAX_NAME         128u    /* bytes in a display name or token name */
#define RIFT_AUTH_MAX_PROJECT_NAME 100u    /* bytes in a project name */
#define RIFT_AUTH_MAX_DESCRIPTION  1024u   /* bytes in a project description */
#define RIFT_AUTH_MAX_TAGS         32u     /* tags of one project */
#define RIFT_AUTH_MAX_TAG          64u     /* bytes in one tag */
#define RIFT_AUTH_MAX_USERS        100000u /* accounts one server holds */
#define RIFT_AUTH_MAX_PROJECTS     1000u   /* projects one user may own */
#define RIFT_AUTH_MAX_MEMBERS      1000u   /* members of one project */
#define RIFT_AUTH_MAX_API_TOKENS   50u     /* API tokens one user may hold */
#define RIFT_AUTH_MAX_TOKEN_DAYS   365     /* longest API token lifetime */
#define RIFT_AUTH_MAX_KEYS         16u     /* JWT signing keys kept after rotations */

/* riftctl (cli/, docs/cli.md) */
#define RIFT_CLI_MAX_CONFIG       (1024u * 1024) /* bytes in the config file (~/.riftconfig) */
#define RIFT_CLI_MAX_CONFIG_NODES 100000u        /* YAML nodes read from it, aliases expanded */
#define RIFT_CLI_MAX_ACCOUNTS     64u            /* endpoints in the config file */
#define RIFT_CLI_MAX_USERS        64u            /* users of one endpoint */
#define RIFT_CLI_MAX_ENDPOINT     2048u          /* bytes in an endpoint URL */
#define RIFT_CLI_MAX_SECRET       1024u          /* bytes of a password read from stdin or a prompt */
#define RIFT_CLI_MAX_PAGES        200u           /* pages fetched for one listing */

/* rift-agent run: the run log it streams to the control plane */
#define RIFT_MAX_AGENT_LOG_LINE  4096u  /* one run log line the agent pushes (the backend's cap) */
#define RIFT_MAX_AGENT_LOG_QUEUE 20000u /* unacknowledged run log lines kept in memory */
#define RIFT_MAX_AGENT_LOG_BATCH 256u   /* lines per PushLogs call */

#endif
