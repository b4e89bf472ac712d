/* rift-backend: the Chaos Center API (GraphQL on HTTP_PORT) and InfraService (Twirp on RPC_PORT).
 * This private header is the table of contents: one block per file. */
#ifndef RIFT_BACKEND_H
#define RIFT_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "lib/error.h"
#include "lib/macro.h"

struct event_base;
struct event;
struct rift_store;
struct rift_metrics;
struct rift_metric;
struct rift_rpc_client;
struct rift_rpc_server;
struct rift_http_server;
struct gql_schema;
struct gql_engine;
struct gql_resolve_info;
struct gql_value;

#define BACKEND_API_MAJOR 1u /* InfraService major version (proto/infra.proto) */
#define BACKEND_VERSION   "0.1.0"

/* hard limits (see also lib/limits_rift.h) */
#define BACKEND_MAX_QUERY_BODY    (1024u * 1024) /* bytes of one POST /query body */
#define BACKEND_MAX_MANIFEST      (256u * 1024)  /* bytes of one experiment manifest */
#define BACKEND_MAX_PAGE          100u           /* items in one page of any list */
#define BACKEND_MAX_NEEDS         8u             /* distinct (project, role) checks in one request */
#define BACKEND_MAX_LOG_LINE      4096u          /* bytes of one pushed log line */
#define BACKEND_MAX_LOG_BATCH     500u           /* lines in one PushLogs */
#define BACKEND_MAX_STEPS         64u            /* fault steps in one experiment */
#define BACKEND_MAX_NAME          128u           /* bytes in a name */
#define RIFT_BACKEND_USERNAME_MAX 254u           /* bytes of a username */
#define BACKEND_MAX_WAITERS       20000u         /* parked Poll calls */

/* collections */
#define BC_ENVS   "environments"
#define BC_INFRAS "infras"
#define BC_EVENTS "infra_events"
#define BC_EXPS   "experiments"
#define BC_RUNS   "experiment_runs"
#define BC_TASKS  "tasks"
#define BC_LOGS   "task_logs"

struct backend_config {
        int64_t http_port;        /* GraphQL, status, metrics, portal */
        int64_t rpc_port;         /* InfraService */
        char *bind_address;       /* both listeners */
        char *db_server;          /* store URI */
        char *auth_rpc_addr;      /* host:port of rift-auth's RPC listener */
        char *tls_cert;           /* PEM certificate for both listeners, or NULL */
        char *tls_key;            /* its key */
        char **allowed_origins;   /* exact CORS origins */
        char *portal_dir;         /* static files served at /, or NULL */
        char *public_rpc_url;     /* URL agents use to reach InfraService (install command) */
        int64_t infra_timeout_ms; /* silence after which an infrastructure is inactive */
        int64_t poll_timeout_ms;  /* longest long-poll */
        int64_t run_grace_ms;     /* a Running run times out this long after its faults' total duration */
        int64_t queue_timeout_ms; /* a Queued run not picked up by then becomes Timeout (RUN_QUEUE_TIMEOUT) */
        int64_t auth_cache_ms;    /* how long a ValidateRequest answer is reused */
        int log_level;            /* index in main.c's levels */
        bool introspection;       /* __schema/__type allowed (ENABLE_GQL_INTROSPECTION) */
        char *results_token;      /* bearer token ResultService callers (rift-exporter) present; NULL = off */
        bool print_schema;        /* print the SDL and exit */
        int64_t sse_max_streams;  /* live streams (GET /sse/...) open at once (SSE_MAX_STREAMS) */
        int64_t sse_max_per_run;  /* live streams of one run (SSE_MAX_PER_RUN) */
        int64_t sse_ping_ms;      /* keep-alive comment interval (SSE_PING_INTERVAL) */
        uint64_t sse_max_buffer;  /* unsent bytes one stream may hold (SSE_MAX_BUFFER) */
        int64_t sse_slow_ms;      /* a stream whose backlog does not shrink this long is dropped */
        char **hub_dirs;          /* chaos-charts directories loaded as hubs (HUB_DIRS) */
        int64_t audit_keep_ms;    /* audit events are kept this long (AUDIT_RETENTION) */
};

/* Roles as in Litmus, each including the ones above it. */
enum backend_role {
        ROLE_TOKEN,    /* any valid token (no project) */
        ROLE_VIEWER,   /* any member */
        ROLE_EXECUTOR, /* Owner or Executor */
        ROLE_OWNER,    /* Owner */
};

struct authz_cache;
struct poll_waiter;
struct sse_hub;

struct backend_ctx {
        const struct backend_config *cfg;
        struct event_base *base;        /* the one loop */
        struct rift_store *store;       /* documents */
        struct gql_schema *schema;      /* the API schema */
        struct gql_engine *engine;      /* executes /query */
        struct rift_rpc_client *auth;   /* AuthService client (async on base) */
        struct authz_cache *cache;      /* recent ValidateRequest answers */
        struct rift_metrics *metrics;   /* /metrics registry */
        struct rift_metric *m_requests; /* GraphQL requests by result */
        struct rift_metric *m_rpc;      /* InfraService calls by method */
        struct poll_waiter *waiters;    /* parked Poll calls (doubly linked) */
        size_t n_waiters;               /* entries in waiters */
        struct event *liveness;         /* periodic inactivity check */
        struct event *cross_wake;       /* wakes polls for tasks other processes queued */
        struct sse_hub *sse;            /* live streams (sse.c) */
        struct backend_obs *obs;        /* obs_metrics.c: per-operation, infrastructure and run metrics */
};

/* What one GraphQL request carries through the engine. */
struct authz_need {
        char project[64];       /* project id, "" for token-only */
        enum backend_role role; /* least role wanted */
        bool ok;                /* ValidateRequest said yes */
        char error[128];        /* why not */
};

struct gql_req {
        struct backend_ctx *b;                        /* the process */
        bool discover;                                /* first pass: only record needs */
        bool overflow;                                /* more needs than fit */
        struct authz_need needs[BACKEND_MAX_NEEDS];   /* checks asked by root resolvers */
        size_t n_needs;                               /* entries in needs */
        char user_id[64];                             /* the caller (after validation) */
        char username[RIFT_BACKEND_USERNAME_MAX + 1]; /* the caller's name */
        cJSON *keep;                                  /* documents referenced by results */
        char operation[64];                           /* first root field authorised (metrics label) */
        char peer[64];                                /* the client's address (audit trail) */
        char user_role[16];                           /* the caller's global role: admin or user */
};

/* server.c */
int backend_ctx_new(const struct backend_config *cfg, struct event_base *base, struct backend_ctx **ret);
void backend_ctx_free(struct backend_ctx *b);
int backend_http_mount(struct backend_ctx *b, struct rift_http_server *http);
int64_t backend_now_ms(void);
/* Hex BLAKE2b-256 of a key (access and registration keys are stored only hashed). */
void backend_hash_key(const char *key, char ret[65]);
/* Adds a document to the request's keep list and returns it (NULL stays NULL). */
cJSON *backend_keep(struct gql_req *q, cJSON *doc);

/* query.c: POST /query with authorisation before execution */
int backend_query_mount(struct backend_ctx *b, struct rift_http_server *http);
/* Root resolvers call this first: records the need (discovery) or checks it was granted. On success
 * *ret_project is the projectID argument ("" for ROLE_TOKEN). */
int backend_authorize(struct gql_resolve_info *ri, enum backend_role role, const char **ret_project);
struct authz_cache;
int authz_cache_new(size_t slots, struct authz_cache **ret);
void authz_cache_free(struct authz_cache *c);

/* schema.c: the schema is the union of parts, each feature's types and root fields in its own file */
struct gql_type_def;
struct gql_field_def;
struct backend_schema_part {
        const struct gql_type_def *types;     /* NULL-name terminated, or NULL (not Query/Mutation) */
        const struct gql_field_def *query;    /* fields added to Query, or NULL */
        const struct gql_field_def *mutation; /* fields added to Mutation, or NULL */
};
extern const struct backend_schema_part backend_part_core;      /* schema.c */
extern const struct backend_schema_part backend_part_probes;    /* schema_probes.c: probes, hubs */
extern const struct backend_schema_part backend_part_manifests; /* schema_manifests.c: revisions */
extern const struct backend_schema_part backend_part_schedule;  /* schema_schedule.c: cron */
extern const struct backend_schema_part backend_part_live;      /* schema_live.c: live updates */
extern const struct backend_schema_part backend_part_safety;    /* schema_safety.c: guards, audit */
int backend_schema_new(struct gql_schema **ret);
/* generic resolvers reading the parent cJSON object's member named like the field */
int backend_res_json(struct gql_resolve_info *ri, struct gql_value **ret);
int backend_res_float(struct gql_resolve_info *ri, struct gql_value **ret);
/* cJSON (kept alive by the request) to a GraphQL value */
struct gql_value *backend_value(struct gql_resolve_info *ri, const cJSON *j);
/* Argument helpers: string argument (or input field) or NULL. */
const char *backend_arg_str(const struct gql_resolve_info *ri, const char *name);
const char *backend_field_str(const struct gql_value *obj, const char *name);

/* res_env.c: environments, and helpers the other resolvers share */
cJSON *backend_user_json(const struct gql_req *q);
void backend_set_str(cJSON *doc, const char *key, const char *value);
void backend_set_now(cJSON *doc, const char *key);
/* Pagination {page, limit} (limit at most BACKEND_MAX_PAGE) to skip and limit. */
int backend_page(const struct gql_value *pagination, size_t *ret_skip, size_t *ret_limit);
void backend_filter_in(cJSON *filter, const char *field, const struct gql_value *list);
struct rift_store_sort;
int backend_list(struct gql_resolve_info *ri, const char *coll, const cJSON *filter,
                 const struct rift_store_sort *sort, const struct gql_value *pagination,
                 const char *total_name, const char *items_name, cJSON **ret);

/* res_infra.c: loads a live infrastructure of project (kept by the request) or fails the field */
int backend_load_infra(struct gql_resolve_info *ri, const char *project, const char *id, cJSON **ret);

/* res_env.c, res_infra.c, res_exp.c: resolvers, referenced by schema.c's tables */
int res_create_environment(struct gql_resolve_info *ri, struct gql_value **ret);
int res_update_environment(struct gql_resolve_info *ri, struct gql_value **ret);
int res_delete_environment(struct gql_resolve_info *ri, struct gql_value **ret);
int res_get_environment(struct gql_resolve_info *ri, struct gql_value **ret);
int res_list_environments(struct gql_resolve_info *ri, struct gql_value **ret);
int res_register_infra(struct gql_resolve_info *ri, struct gql_value **ret);
int res_list_infras(struct gql_resolve_info *ri, struct gql_value **ret);
int res_get_infra(struct gql_resolve_info *ri, struct gql_value **ret);
int res_get_infra_details(struct gql_resolve_info *ri, struct gql_value **ret);
int res_infra_stats(struct gql_resolve_info *ri, struct gql_value **ret);
int res_version_details(struct gql_resolve_info *ri, struct gql_value **ret);
int res_list_hubs(struct gql_resolve_info *ri, struct gql_value **ret);
int res_delete_infra(struct gql_resolve_info *ri, struct gql_value **ret);
int res_server_version(struct gql_resolve_info *ri, struct gql_value **ret);
int res_list_faults(struct gql_resolve_info *ri, struct gql_value **ret);
int res_get_fault(struct gql_resolve_info *ri, struct gql_value **ret);
int res_create_experiment(struct gql_resolve_info *ri, struct gql_value **ret);
int res_save_experiment(struct gql_resolve_info *ri, struct gql_value **ret);
int res_update_experiment(struct gql_resolve_info *ri, struct gql_value **ret);
int res_list_experiments(struct gql_resolve_info *ri, struct gql_value **ret);
int res_get_experiment(struct gql_resolve_info *ri, struct gql_value **ret);
int res_delete_experiment(struct gql_resolve_info *ri, struct gql_value **ret);
int res_run_experiment(struct gql_resolve_info *ri, struct gql_value **ret);
int res_stop_runs(struct gql_resolve_info *ri, struct gql_value **ret);
int res_get_run(struct gql_resolve_info *ri, struct gql_value **ret);
int res_list_runs(struct gql_resolve_info *ri, struct gql_value **ret);
int res_experiment_stats(struct gql_resolve_info *ri, struct gql_value **ret);
int res_run_stats(struct gql_resolve_info *ri, struct gql_value **ret);
/* ExperimentRun.logs: the lines the agent pushed (the run was authorised by its root field). */
int res_run_logs(struct gql_resolve_info *ri, struct gql_value **ret);

/* hub.c: the built-in hub (Rift's Linux faults) as data */
struct hub_tunable {
        const char *name;        /* Harness tunable name */
        const char *type;        /* int, float, duration, size, string, list, bool */
        const char *def;         /* default or NULL */
        const char *unit;        /* unit or NULL */
        double min, max;         /* range for int/float/duration(ms) (both 0 = unchecked) */
        const char *description; /* one line */
};
struct hub_fault {
        const char *name;               /* "linux-network-latency" */
        const char *category;           /* network, resource, process, disk */
        const char *description;        /* one line */
        const struct hub_tunable *tuns; /* NULL-name terminated */
};
const struct hub_fault *hub_find(const char *name);
size_t hub_count(void);
const struct hub_fault *hub_get(size_t i);
cJSON *hub_fault_json(const struct hub_fault *f);
/* Checks one tunable value; on failure writes "NAME: why" to err. */
int hub_check_tunable(const struct hub_fault *f, const char *name, const char *value, char *err, size_t n);

/* yaml.c: one YAML document (no aliases) as cJSON; on failure err says where */
int backend_yaml_to_json(const char *text, size_t len, cJSON **ret, char *err, size_t n);

/* manifest.c: Rift's experiment format, in JSON or YAML */
/* Parses and validates a manifest; *ret is the normalised steps document {"groups":[[step...]...],
 * "probes":[...]}. On failure err names the field ("groups[0][1].tunables.JITTER: ..."). */
int manifest_parse(const char *text, size_t len, cJSON **ret, char *err, size_t errlen);
/* Σ(weight × probe success %) / Σ weight over a result's faults. */
double manifest_score(const cJSON *faults);

/* runs.c: runs and tasks shared by GraphQL and InfraService */
int runs_create(struct backend_ctx *b, const cJSON *exp, const char *user, cJSON **ret_run);
int runs_stop(struct backend_ctx *b, const char *project, const char *exp_id, const char *run_id,
              uint64_t *ret_n);
/* Events of liveness changes */
int infra_record_event(struct backend_ctx *b, const char *infra_id, const char *project, const char *type,
                       const char *text);

/* infra_rpc.c */
int infra_rpc_mount(struct backend_ctx *b, struct rift_rpc_server *rpc);
/* Wakes the parked Poll calls of this infrastructure (a task was queued). */
void infra_rpc_wake(struct backend_ctx *b, const char *infra_id);
void infra_rpc_drop_waiters(struct backend_ctx *b);

/* results_rpc.c: ResultService (proto/results.proto) for rift-exporter */
int results_rpc_mount(struct backend_ctx *b, struct rift_rpc_server *rpc);

/* obs_metrics.c: GraphQL requests and latency per operation, infrastructures by state, runs by phase,
 * run durations (docs/observability/README.md) */
struct backend_obs;
int backend_obs_new(struct backend_ctx *b);
void backend_obs_free(struct backend_obs *o); /* accepts NULL */
/* Monotonic microseconds, for request latencies. */
int64_t backend_obs_now_us(void);
/* One finished POST /query: operation "" when no resolver ran; started_us from backend_obs_now_us(). */
void backend_obs_request(struct backend_ctx *b, const char *operation, const char *result,
                         int64_t started_us);
/* A run reached a final phase (created_ms: its createdAt). */
void backend_obs_run_final(struct backend_ctx *b, const char *phase, int64_t created_ms);

/* liveness.c: the periodic timers (inactive infrastructures, run deadlines, cross-process wake-up) */
int infra_liveness_start(struct backend_ctx *b);

/* probe_spec.c: saved probes (Litmus's ProbeRequest shape) checked, in the agent's format, as YAML */
#define BC_PROBES "probes"
/* Checks an addProbe/updateProbe request (cJSON); err names the field ("request.promProperties.query"). */
int probe_spec_check(const cJSON *req, char *err, size_t n);
/* A stored probe as the agent parses it ({name, type, mode, runProperties, "<type>/inputs"}); RIFT_E_INVALID
 * for a k8sProbe. */
int probe_spec_agent_json(const cJSON *probe, const char *mode, cJSON **ret);
/* A JSON document as YAML text (malloc'd). */
int probe_spec_yaml(const cJSON *doc, char **ret);
bool probe_spec_mode_valid(const char *mode);
bool probe_spec_name_valid(const char *name);
const char *probe_spec_member(const char *type);

/* manifest.c: steps may name saved probes; find answers 0 (exists), RIFT_E_NOTFOUND, or RIFT_E_INVALID with
 * why in err. The normalised spec lists them in "savedProbes" [{name, mode}]. */
struct manifest_probe_lookup {
        int (*find)(void *ud, const char *name, char *err, size_t n); /* is name a usable saved probe */
        void *ud;                                                     /* passed to find */
};
int manifest_parse_saved(const char *text, size_t len, const struct manifest_probe_lookup *lk, cJSON **ret,
                         char *err, size_t errlen);

/* res_probe.c: probe resolvers, and saved probes in experiments */
int res_add_probe(struct gql_resolve_info *ri, struct gql_value **ret);
int res_update_probe(struct gql_resolve_info *ri, struct gql_value **ret);
int res_delete_probe(struct gql_resolve_info *ri, struct gql_value **ret);
int res_list_probes(struct gql_resolve_info *ri, struct gql_value **ret);
int res_get_probe(struct gql_resolve_info *ri, struct gql_value **ret);
int res_get_probe_yaml(struct gql_resolve_info *ri, struct gql_value **ret);
/* manifest_parse_saved with the project's saved probes. */
int probe_manifest_parse(struct backend_ctx *b, const char *project, const char *text, size_t len,
                         cJSON **ret, char *err, size_t errlen);
/* Appends the current definition of each of spec's savedProbes to spec's probes (a run's task). */
int probe_snapshot(struct backend_ctx *b, const char *project, cJSON *spec);
/* Adds {field: {$gte: startDate, $lte: endDate}} (epoch ms) from a DateRange input; -1 after a field error. */
int backend_filter_date_range(struct gql_resolve_info *ri, cJSON *filter, const char *field,
                              const struct gql_value *range);

/* cron.c: five-field cron expressions (UTC) */
struct cron_spec {
        uint64_t minutes; /* bit m: minute m */
        uint32_t hours;   /* bit h */
        uint32_t dom;     /* bit d: day of month 1..31 */
        uint16_t months;  /* bit m: month 1..12 */
        uint8_t dow;      /* bit d: weekday, 0 = Sunday */
        bool dom_star;    /* day of month was "*" */
        bool dow_star;    /* day of week was "*" */
};
/* On failure err (may be NULL) names the field: "minute: 61 is out of range 0-59". */
int cron_parse(const char *text, struct cron_spec *ret, char *err, size_t n);
/* The first slot strictly after after_ms (epoch ms, whole minutes), or -1 if none within 8 years. */
int64_t cron_next(const struct cron_spec *c, int64_t after_ms);

/* schedule.c: cron experiments on the loop (claims slots with a conditional update; missed slots Skipped) */
#define BC_SCHEDULES "schedules"
/* "request.cronSyntax: ..." in err if cron ("" or NULL = none) is not valid. */
int schedule_check(const char *cron, char *err, size_t n);
/* Creates, moves or deletes the experiment's schedule after it was stored. */
int schedule_sync(struct backend_ctx *b, const cJSON *exp);
int schedule_set_disabled(struct backend_ctx *b, const char *exp_id, bool disable);
int schedule_start(struct backend_ctx *b);
int res_update_cron_state(struct gql_resolve_info *ri, struct gql_value **ret);
/* Experiment.schedule */
int res_schedule_json(struct gql_resolve_info *ri, struct gql_value **ret);

/* query.c: one authorisation outside GraphQL (the SSE endpoint) */
struct backend_authz_answer {
        bool ok;            /* granted */
        bool authenticated; /* the token is valid (refusals of a valid token are 403, others 401) */
        bool unavailable;   /* rift-auth did not answer */
        char error[128];    /* why not */
};
/* Answers from the cache (returns 1, *ret filled) or asks rift-auth (returns 0; done(userdata, answer)
 * runs later on the loop, exactly once). */
int backend_authz_check(struct backend_ctx *b, const char *token, const char *project, enum backend_role role,
                        void (*done)(void *userdata, const struct backend_authz_answer *a), void *userdata,
                        struct backend_authz_answer *ret);

/* sse.c: GET /sse/runs/{id}, the live run and its log lines as Server-Sent Events */
int backend_sse_mount(struct backend_ctx *b, struct rift_http_server *http);
void backend_sse_free(struct backend_ctx *b);
/* This process stored a change of run_id (state, lines, result): its streams catch up now. */
void backend_sse_notify(struct backend_ctx *b, const char *run_id);

/* infra_k8s.c: Kubernetes infrastructures (registerInfra's manifest, getInfraManifest) */
int k8s_infra_fields(struct gql_resolve_info *ri, const struct gql_value *req, cJSON *doc);
int k8s_register_reply(struct gql_resolve_info *ri, const char *id, const char *key, struct gql_value **ret);
int res_get_infra_manifest(struct gql_resolve_info *ri, struct gql_value **ret);
/* manifest_litmus.c: Litmus manifests (ChaosEngine, Argo Workflow/CronWorkflow) into Rift's format */
/* A doc with a "kind" is converted in place (*doc replaced; freed and NULL on failure, err naming the
 * field in the original manifest); a doc without one is Rift's format and left alone. */
int manifest_litmus_detect(cJSON **doc, char *err, size_t n);
bool manifest_litmus_is(const cJSON *doc);
int manifest_litmus_convert(const cJSON *doc, cJSON **ret, char *err, size_t n);
/* Rift's Linux fault for a Rift, Harness or Litmus fault name, or NULL (*ret_kube: a known
 * Kubernetes or cloud fault). */
const char *manifest_litmus_fault(const char *name, bool *ret_kube);

/* hub_dir.c: hubs from chaos-charts directories (HUB_DIRS) and predefined experiments */
struct hub_dir_fault {
        char *name;                   /* metadata.name of fault.yaml */
        char *category;               /* faults/<category>/ */
        char *description;            /* description.message */
        const char *hub_id;           /* the hub's id */
        bool runnable;                /* Rift runs it on Linux (rift != NULL) */
        const struct hub_fault *rift; /* the built-in fault it runs as, or NULL */
        cJSON *env;                   /* spec.definition.env [{name, value}], or NULL */
};
struct hub_experiment {
        const char *name;        /* experiments/<name>/ */
        const char *hub_id;      /* the hub's id */
        const char *description; /* one line */
        const char *manifest;    /* the manifest text */
        bool runnable;           /* it validates as it is */
        const char *reason;      /* why not, or NULL */
};
struct hub_dir {
        char *id;                     /* directory base name (hubID) */
        char *path;                   /* the directory */
        struct hub_dir_fault *faults; /* n_faults entries */
        size_t n_faults;              /* faults loaded */
        struct hub_experiment *exps;  /* n_exps entries */
        size_t n_exps;                /* predefined experiments loaded */
};
int hub_dir_load(char *const *dirs);
void hub_dir_free_all(void);
size_t hub_dir_count(void);
const struct hub_dir *hub_dir_get(size_t i);
const struct hub_dir *hub_dir_find(const char *id);
const struct hub_dir_fault *hub_dir_find_fault(const char *name);
size_t hub_builtin_exp_count(void);
const struct hub_experiment *hub_builtin_exp(size_t i);

/* res_hub.c: listChaosHub, listChaosFaults, getChaosFault, list/getPredefinedExperiment(s) */
int res_list_predefined(struct gql_resolve_info *ri, struct gql_value **ret);
int res_get_predefined(struct gql_resolve_info *ri, struct gql_value **ret);
int res_get_hub(struct gql_resolve_info *ri, struct gql_value **ret);

/* res_revision.c: experiment revisions (Experiment.revision) */
#define BC_REVISIONS "experiment_revisions"
int revision_store(struct backend_ctx *b, const cJSON *exp);
int res_exp_revisions(struct gql_resolve_info *ri, struct gql_value **ret);
/* Experiment.recentExperimentRunDetails: its newest runs (at most 10), newest first */
int res_exp_recent_runs(struct gql_resolve_info *ri, struct gql_value **ret);

/* safety.c: emergency stop, guards at save and dispatch, dry run */
#define BC_STOPS "safety_stops"
#define BC_AUDIT "audit_events"
int safety_check_save(struct backend_ctx *b, const char *project, const char *infra_id, const cJSON *spec,
                      char *err, size_t n);
/* Refuses a run (RIFT_E_FORBIDDEN, err says why) under an emergency stop or against the guards. */
int safety_check_dispatch(struct backend_ctx *b, const cJSON *exp, char *err, size_t n);
/* An emergency stop covers project (its own or the global one). */
bool safety_estop_active(struct backend_ctx *b, const char *project);
int safety_res_estop(struct gql_resolve_info *ri, struct gql_value **ret);
int safety_res_estop_release(struct gql_resolve_info *ri, struct gql_value **ret);
int safety_res_estop_all(struct gql_resolve_info *ri, struct gql_value **ret);
int safety_res_estop_all_release(struct gql_resolve_info *ri, struct gql_value **ret);
int safety_res_get_estop(struct gql_resolve_info *ri, struct gql_value **ret);
int safety_res_set_guards(struct gql_resolve_info *ri, struct gql_value **ret);
int safety_res_get_guards(struct gql_resolve_info *ri, struct gql_value **ret);
int safety_res_dry_run(struct gql_resolve_info *ri, struct gql_value **ret);
/* runs.c: runs_create with a dry-run flag and the refusal's reason in err */
int runs_create_ex(struct backend_ctx *b, const cJSON *exp, const char *user, bool dry_run, char *err,
                   size_t errlen, cJSON **ret_run);
/* infra_rpc.c: answers the parked Polls of project's infrastructures (NULL = all) with emergency_stop */
void infra_rpc_wake_estop(struct backend_ctx *b, const char *project);

/* audit.c: the audit trail */
void audit_record(struct backend_ctx *b, const struct gql_req *q, const char *project, const char *op,
                  const char *resource, const char *error);
/* Makes every mutation of m (n fields) record an audit event after it ran. */
void audit_wrap_mutations(struct gql_field_def *m, size_t n);
int audit_res_list(struct gql_resolve_info *ri, struct gql_value **ret);

/* res_exp_list.c: listExperiment reads "expidx.<projectID>", a small copy of the listed fields of each
 * live experiment of the project (_id = experimentID), kept by every write of an experiment */
#define BC_META          "backend_meta"        /* markers of one-time store upgrades */
#define EXP_INDEX_MARKER "experiment_index_v2" /* the list copy holds every experiment */
int exp_index_put(struct backend_ctx *b, const cJSON *exp);
/* Builds the copy once for a store written before it existed. */
int exp_index_rebuild(struct backend_ctx *b);

#endif
