/* `rift-agent run` (see daemon.h): one control thread making synchronous InfraService calls, and at
 * most one task thread running an experiment. Signals only set a flag; every wait is bounded. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agent/daemon.h"
#include "agent/metrics.h"
#include "agent/policy.h"
#include "agent/privsep.h"
#include "agent/task.h"
#include "agent/tls_dl.h"
#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/config.h"
#include "lib/error.h"
#include "lib/log.h"
#include "lib/macro.h"
#include "lib/memory.h"
#include "lib/rpc_client.h"
#include "lib/str.h"

#define SERVICE       "rift.infra.v1.InfraService"
#define API_MAJOR     1
#define AGENT_VERSION "0.1.0"
#define BACKOFF_MIN   200
#define BACKOFF_MAX   10000
#define KEY_FILE      "access_key"
#define NET_DIR       "net" /* STATE_DIR/net: the network process's own directory (spool, CA copy) */

static volatile sig_atomic_t terminating;

/* The daemon's state, owned by the control thread. */
struct daemon {
        const struct daemon_config *cfg; /* configuration */
        struct rift_rpc_client *rpc;     /* InfraService client */
        char access_key[256];            /* from Register or the key file */
        char connection_id[64];          /* "<start ms>-<random>" */
        char host[256];                  /* control-plane host (never cut by faults) */
        struct task *task;               /* the run in progress, or NULL */
        bool running_sent;               /* ReportStatus Running acknowledged for task */
        char last_task[128];             /* task_id of the last run taken (deduplication) */
        int64_t last_ok_ms;              /* mono ms of the last successful call */
        int64_t next_heartbeat_ms;       /* mono ms */
        int64_t next_status_ms;          /* mono ms: ReportStatus also asks "stop requested?" */
        int64_t backoff_ms;              /* current backoff after a failed call */
        int64_t started_ms;              /* mono ms at start, for uptime */
        bool superseded;                 /* a newer connection took over: leave */
        bool estop;                      /* an emergency stop is in force: revert, take no run */
        struct privsep_client *injector; /* the privileged injector (faults, key storage) */
        int64_t next_rotate_ms;          /* mono ms of the next RotateKey (0 = off) */
};

/* ---- configuration: one lib/config table (environment only; the command line is main.c's) ---- */

static const char *const url_schemes[] = { "http", "https", NULL };
/* in enum tls_dl_backend's order */
static const char *const tls_libraries[] = { "auto", "mbedtls", "openssl", NULL };

#define OPT(k, e, t, f, d, lo, hi, fl, h)                                                                    \
        {                                                                                                    \
                .key = k, .env = e, .type = t, .offset = offsetof(struct daemon_config, f), .def = d,        \
                .min = lo, .max = hi, .flags = fl, .help = h                                                 \
        }
static const struct rift_config_option options[] = {
        { .key = "control_plane",
          .env = "RIFT_AGENT_CONTROL_PLANE",
          .type = RIFT_CONFIG_URI,
          .offset = offsetof(struct daemon_config, control_plane),
          .choices = url_schemes,
          .flags = RIFT_CONFIG_REQUIRED,
          .help = "InfraService base URL, http://host:port or https://host:port" },
        OPT("infra_id", "RIFT_AGENT_INFRA_ID", RIFT_CONFIG_STRING, infra_id, NULL, 0, 256,
            RIFT_CONFIG_REQUIRED, "the infrastructure's id from registerInfra"),
        OPT("access_key", "RIFT_AGENT_ACCESS_KEY", RIFT_CONFIG_STRING, registration_key, NULL, 0, 255,
            RIFT_CONFIG_SECRET, "one-time registration key (used only when no key is stored)"),
        OPT("state_dir", "RIFT_AGENT_STATE_DIR", RIFT_CONFIG_PATH, state_dir, NULL, 0, 0, 0,
            "where access_key and net/ live (default: the journal directory)"),
        OPT("ca_file", "RIFT_AGENT_CA_FILE", RIFT_CONFIG_PATH, ca_file, NULL, 0, 0, 0,
            "PEM CA the https control plane must chain to (default: system CAs)"),
        { .key = "tls",
          .env = "RIFT_AGENT_TLS",
          .type = RIFT_CONFIG_ENUM,
          .offset = offsetof(struct daemon_config, tls_backend),
          .def = "auto",
          .choices = tls_libraries,
          .help = "TLS library for https: auto (mbedTLS, else OpenSSL), mbedtls or openssl" },
        OPT("unreachable_timeout", "RIFT_AGENT_UNREACHABLE_TIMEOUT", RIFT_CONFIG_DURATION, unreachable_ms,
            "60s", 1000, 24LL * 3600 * 1000, 0, "a run is reverted when no call succeeded for this long"),
        OPT("heartbeat_interval", "RIFT_AGENT_HEARTBEAT_INTERVAL", RIFT_CONFIG_DURATION, heartbeat_ms, "15s",
            100, 3600 * 1000, 0, "Heartbeat period"),
        OPT("poll_wait", "RIFT_AGENT_POLL_WAIT", RIFT_CONFIG_DURATION, poll_wait_ms, "5s", 100, 60 * 1000, 0,
            "longest Poll wait asked for"),
        OPT("user", "RIFT_AGENT_USER", RIFT_CONFIG_STRING, user, NULL, 0, 32, 0,
            "user of the network process (default: rift, else nobody)"),
        OPT("key_rotation", "RIFT_AGENT_KEY_ROTATION", RIFT_CONFIG_DURATION, key_rotation_ms, "24h", 0,
            365LL * 24 * 3600 * 1000, 0, "RotateKey period; 0 = never, else at least 1s"),
        OPT("policy", "RIFT_AGENT_POLICY", RIFT_CONFIG_PATH, policy_path, NULL, 0, 0, 0,
            "local policy file (default /etc/rift/agent.policy)"),
};

static int config_check(const void *cfg, char *msg, size_t size)
{
        const struct daemon_config *c = cfg;
        if (c->key_rotation_ms > 0 && c->key_rotation_ms < 1000) {
                snprintf(msg, size, "RIFT_AGENT_KEY_ROTATION: 0 (off) or at least 1s");
                return -EINVAL;
        }
        if (!strstr(c->control_plane, "://")) {
                snprintf(msg, size,
                         "RIFT_AGENT_CONTROL_PLANE: must be http://host:port or https://host:port");
                return -EINVAL;
        }
        return 0;
}

static const struct rift_config_spec spec = { .program = "rift-agent",
                                              .options = options,
                                              .n_options = ARRAY_SIZE(options),
                                              .size = sizeof(struct daemon_config),
                                              .validate = config_check };

int daemon_config_load(struct daemon_config *c, const char *journal_dir)
{
        extern char **environ;
        struct rift_config_sources src = { .envp = environ };
        char *err = NULL;
        *c = (struct daemon_config){ 0 };
        int r = rift_config_load(&spec, &src, c, NULL, &err);
        if (r < 0) {
                log_error("invalid setting", LOG_STR("detail", err ? err : rift_strerror(r)));
                free(err);
                return -EINVAL;
        }
        c->journal_dir = journal_dir;
        if (!c->state_dir)
                c->state_dir = c->journal_dir;
        return 0;
}

void daemon_config_free(struct daemon_config *c)
{
        if (c->state_dir == c->journal_dir)
                c->state_dir = NULL; /* not ours */
        rift_config_free(&spec, c);
}

int daemon_config_format(const struct daemon_config *c, struct rift_buf *out)
{
        int r = rift_config_format(&spec, c, NULL, out);
        return r < 0 ? r : rift_buf_printf(out, "journal = %s\n", c->journal_dir);
}

/* "https://host:port/..." -> "host" (IPv6 literals in brackets are left to the faults' resolver). */
static void url_host(const char *url, char *out, size_t size)
{
        const char *h = strstr(url, "://") + 3;
        size_t n = strcspn(h, ":/");
        if (*h == '[')
                n = strcspn(h, "]") + 1;
        snprintf(out, size, "%.*s", (int)n, h);
}

/* ---- the access key file ---- */

static int key_path(const struct daemon *d, char *out, size_t size)
{
        return (size_t)snprintf(out, size, "%s/" KEY_FILE, d->cfg->state_dir) < size ? 0 : -ENAMETOOLONG;
}

static int key_load(struct daemon *d)
{
        char path[600];
        int r = key_path(d, path, sizeof(path));
        if (r < 0)
                return r;
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        ssize_t n = read(fd, d->access_key, sizeof(d->access_key) - 1);
        if (n <= 0)
                return n < 0 ? -errno : -ENOENT;
        d->access_key[n] = '\0';
        d->access_key[strcspn(d->access_key, "\r\n")] = '\0';
        return d->access_key[0] ? 0 : -ENOENT;
}

/* The injector writes the key (0600, temporary file, fsync, rename): the state directory is not
 * writable by this unprivileged process. */
static int key_store(struct daemon *d)
{
        struct privsep_request rq;
        struct privsep_reply rp;
        privsep_request_init(&rq, PRIVSEP_STORE_KEY);
        if (strlen(d->access_key) >= sizeof(rq.key))
                return -E2BIG;
        memcpy(rq.key, d->access_key, strlen(d->access_key) + 1);
        int r = privsep_call(d->injector, &rq, &rp);
        if (r == 0 && rp.status < 0) {
                log_error("the injector could not store the access key", LOG_STR("error", rp.text));
                r = rp.status;
        }
        explicit_bzero(rq.key, sizeof(rq.key));
        return r;
}

/* ---- calls ---- */

static void auth_init(struct daemon *d, Rift__Infra__V1__InfraAuth *a)
{
        rift__infra__v1__infra_auth__init(a);
        a->api_major = API_MAJOR;
        a->infra_id = (char *)d->cfg->infra_id;
        a->access_key = d->access_key;
        a->connection_id = d->connection_id;
}

/* The call did not reach the InfraService (as opposed to being refused by it). */
static bool transport_error(int r)
{
        return r == RIFT_E_UNAVAILABLE || r == RIFT_E_TIMEOUT || r == RIFT_E_TLS || r == RIFT_E_PROTOCOL ||
               r > RIFT_E_LAST || r < RIFT_E_FIRST;
}

/* One call; success resets the backoff and the unreachable clock. */
static int call(struct daemon *d, const char *method, const ProtobufCMessage *in,
                const ProtobufCMessageDescriptor *out_desc, int timeout_ms, ProtobufCMessage **ret)
{
        struct rift_rpc_call_opts o = { .timeout_ms = timeout_ms };
        int r = rift_rpc_call_with(d->rpc, &o, SERVICE, method, in, out_desc, ret);
        if (r == 0 || !transport_error(r)) { /* an answer, even a refusal, means it is reachable */
                d->last_ok_ms = rift_mono_ms();
                if (d->task)
                        task_contact(d->task);
        }
        if (r == 0) {
                d->backoff_ms = 0;
                return 0;
        }
        const struct rift_rpc_error *e = rift_rpc_client_last_error(d->rpc);
        log_warn("control plane call failed", LOG_STR("method", method), LOG_ERR(r),
                 LOG_STR("detail", e ? e->msg : ""));
        return r;
}

/* Sleeps for the current backoff (doubling, with full jitter), waking early on a signal. */
static void backoff(struct daemon *d)
{
        d->backoff_ms = d->backoff_ms ? d->backoff_ms * 2 : BACKOFF_MIN;
        if (d->backoff_ms > BACKOFF_MAX)
                d->backoff_ms = BACKOFF_MAX;
        uint32_t rnd = 0;
        if (getrandom(&rnd, sizeof(rnd), 0) < 0)
                rnd = (uint64_t)rift_now_ms();
        int64_t until = rift_mono_ms() + d->backoff_ms / 2 + rnd % (d->backoff_ms / 2 + 1);
        while (!terminating && rift_mono_ms() < until) {
                struct timespec ts = { .tv_nsec = 50 * 1000000L };
                nanosleep(&ts, NULL);
        }
}

static int do_register(struct daemon *d)
{
        Rift__Infra__V1__RegisterRequest rq = RIFT__INFRA__V1__REGISTER_REQUEST__INIT;
        struct utsname u = {};
        char host[65] = "", platform[80];
        uname(&u);
        gethostname(host, sizeof(host) - 1);
        snprintf(platform, sizeof(platform), "linux/%s", u.machine);
        rq.api_major = API_MAJOR;
        rq.infra_id = (char *)d->cfg->infra_id;
        rq.registration_key = (char *)d->cfg->registration_key;
        rq.hostname = host;
        rq.agent_version = AGENT_VERSION;
        rq.platform = platform;
        Rift__Infra__V1__RegisterResponse *rs = NULL;
        int r = call(d, "RegisterInfra", &rq.base, &rift__infra__v1__register_response__descriptor, 10000,
                     (ProtobufCMessage **)&rs);
        if (r < 0)
                return r;
        rift_strlcpy(d->access_key, rs->access_key, sizeof(d->access_key));
        protobuf_c_message_free_unpacked(&rs->base, NULL);
        r = key_store(d);
        if (r < 0)
                log_error("cannot store the access key", LOG_STR("dir", d->cfg->state_dir), LOG_ERR(r));
        else
                log_info("registered", LOG_STR("infra", d->cfg->infra_id));
        return r;
}

/* RotateKey: the new key is stored by the injector before it is used; if storing fails the old key
 * (still accepted for the server's overlap) is kept and the rotation is retried later. */
static void rotate_key(struct daemon *d)
{
        Rift__Infra__V1__RotateKeyRequest rq = RIFT__INFRA__V1__ROTATE_KEY_REQUEST__INIT;
        Rift__Infra__V1__InfraAuth a;
        auth_init(d, &a);
        rq.auth = &a;
        Rift__Infra__V1__RotateKeyResponse *rs = NULL;
        d->next_rotate_ms = rift_mono_ms() + d->cfg->key_rotation_ms;
        if (call(d, "RotateKey", &rq.base, &rift__infra__v1__rotate_key_response__descriptor, 10000,
                 (ProtobufCMessage **)&rs) < 0) {
                d->next_rotate_ms = rift_mono_ms() + 5000;
                return;
        }
        char old[sizeof(d->access_key)];
        memcpy(old, d->access_key, sizeof(old));
        int r = !rs->access_key[0] || strlen(rs->access_key) >= sizeof(d->access_key) ? -EPROTO : 0;
        if (r == 0) {
                rift_strlcpy(d->access_key, rs->access_key, sizeof(d->access_key));
                r = key_store(d);
        }
        if (r < 0) {
                memcpy(d->access_key, old, sizeof(old));
                d->next_rotate_ms = rift_mono_ms() + 5000;
                log_error("access key rotation failed: keeping the old key", LOG_ERR(r),
                          LOG_INT("old_valid_until_ms", rs->old_valid_until_ms));
        } else {
                log_info("access key rotated", LOG_INT("old_valid_until_ms", rs->old_valid_until_ms));
        }
        explicit_bzero(old, sizeof(old));
        protobuf_c_message_free_unpacked(&rs->base, NULL);
}

/* Uses the stored key, or registers once with the one-time key (retrying while unreachable). */
static int obtain_key(struct daemon *d)
{
        if (d->access_key[0]) { /* read by the injector before the fork */
                log_info("using the stored access key", LOG_STR("dir", d->cfg->state_dir));
                return 0;
        }
        if (!d->cfg->registration_key) {
                log_error("no stored access key and no RIFT_AGENT_ACCESS_KEY to register with");
                return -EINVAL;
        }
        while (!terminating) {
                int r = do_register(d);
                if (r == 0 || r == RIFT_E_AUTH || r == -EINVAL || r == -EACCES || r == -EROFS)
                        return r;
                if (r == RIFT_E_TLS)
                        log_error("TLS verification of the control plane failed");
                backoff(d);
        }
        return -EINTR;
}

static void heartbeat(struct daemon *d)
{
        Rift__Infra__V1__HeartbeatRequest rq = RIFT__INFRA__V1__HEARTBEAT_REQUEST__INIT;
        Rift__Infra__V1__InfraAuth a;
        auth_init(d, &a);
        rq.auth = &a;
        rq.agent_version = AGENT_VERSION;
        rq.uptime_ms = rift_mono_ms() - d->started_ms;
        Rift__Infra__V1__FaultCounter counters[AGENT_METRICS_MAX_FAULTS], *cp[AGENT_METRICS_MAX_FAULTS];
        rq.n_fault_counters = agent_metrics_snapshot(counters, cp, AGENT_METRICS_MAX_FAULTS);
        rq.fault_counters = cp; /* totals since start: rift-backend's /metrics */
        Rift__Infra__V1__HeartbeatResponse *rs = NULL;
        if (call(d, "Heartbeat", &rq.base, &rift__infra__v1__heartbeat_response__descriptor, 10000,
                 (ProtobufCMessage **)&rs) < 0)
                return;
        d->superseded |= rs->superseded;
        protobuf_c_message_free_unpacked(&rs->base, NULL);
        d->next_heartbeat_ms = rift_mono_ms() + d->cfg->heartbeat_ms;
}

/* ReportStatus; returns 1 if the user asked to stop the run. */
static int report_status(struct daemon *d, const char *task_id, const char *phase, const char *step)
{
        Rift__Infra__V1__ReportStatusRequest rq = RIFT__INFRA__V1__REPORT_STATUS_REQUEST__INIT;
        Rift__Infra__V1__InfraAuth a;
        auth_init(d, &a);
        rq.auth = &a;
        rq.task_id = (char *)task_id;
        rq.phase = (char *)phase;
        rq.step = (char *)step;
        Rift__Infra__V1__ReportStatusResponse *rs = NULL;
        int r = call(d, "ReportStatus", &rq.base, &rift__infra__v1__report_status_response__descriptor, 10000,
                     (ProtobufCMessage **)&rs);
        if (r < 0)
                return r;
        r = rs->stop_requested ? 1 : 0;
        protobuf_c_message_free_unpacked(&rs->base, NULL);
        return r;
}

/* Sends one batch of unacknowledged lines; 0 when nothing is left or the batch was acknowledged. */
static int push_logs(struct daemon *d)
{
        struct task_line lines[RIFT_MAX_AGENT_LOG_BATCH];
        Rift__Infra__V1__LogLine lm[RIFT_MAX_AGENT_LOG_BATCH], *lp[RIFT_MAX_AGENT_LOG_BATCH];
        size_t n = task_peek_lines(d->task, lines, ARRAY_SIZE(lines));
        if (n == 0)
                return 0;
        for (size_t i = 0; i < n; i++) {
                rift__infra__v1__log_line__init(&lm[i]);
                lm[i].seq = lines[i].seq;
                lm[i].time_ms = lines[i].time_ms;
                lm[i].step = lines[i].step;
                lm[i].line = lines[i].line;
                lp[i] = &lm[i];
        }
        Rift__Infra__V1__PushLogsRequest rq = RIFT__INFRA__V1__PUSH_LOGS_REQUEST__INIT;
        Rift__Infra__V1__InfraAuth a;
        auth_init(d, &a);
        rq.auth = &a;
        rq.task_id = (char *)task_id(d->task);
        rq.n_lines = n;
        rq.lines = lp;
        Rift__Infra__V1__PushLogsResponse *rs = NULL;
        int r = call(d, "PushLogs", &rq.base, &rift__infra__v1__push_logs_response__descriptor, 10000,
                     (ProtobufCMessage **)&rs);
        if (r < 0)
                return r;
        task_ack_lines(d->task, rs->acked_seq);
        if (rs->acked_seq < lines[n - 1].seq) /* the server stored less than we sent: a gap it refuses */
                log_warn("the control plane acknowledged fewer lines than sent",
                         LOG_INT("acked", rs->acked_seq));
        protobuf_c_message_free_unpacked(&rs->base, NULL);
        return 0;
}

static int submit_result(struct daemon *d)
{
        Rift__Infra__V1__SubmitResultRequest *rq = task_result(d->task);
        Rift__Infra__V1__InfraAuth a;
        auth_init(d, &a);
        rq->auth = &a;
        rq->task_id = (char *)task_id(d->task);
        Rift__Infra__V1__SubmitResultResponse *rs = NULL;
        int r = call(d, "SubmitResult", &rq->base, &rift__infra__v1__submit_result_response__descriptor,
                     10000, (ProtobufCMessage **)&rs);
        rq->auth = NULL;
        if (r < 0)
                return r;
        log_info("result submitted", LOG_STR("task", rq->task_id), LOG_STR("phase", rq->phase),
                 LOG_DBL("resilience_score", rs->resilience_score), LOG_BOOL("duplicate", rs->duplicate));
        protobuf_c_message_free_unpacked(&rs->base, NULL);
        return 0;
}

/* ---- tasks ---- */

static void take_task(struct daemon *d, const Rift__Infra__V1__Task *t)
{
        if (strcmp(t->kind, "stop") == 0) {
                if (d->task && (strcmp(t->task_id, task_id(d->task)) == 0 ||
                                strcmp(t->experiment_run_id, task_run_id(d->task)) == 0)) {
                        log_info("stop requested by the control plane", LOG_STR("task", t->task_id));
                        task_request_stop(d->task, TASK_STOP_USER);
                }
                return;
        }
        if (d->task || strcmp(t->task_id, d->last_task) == 0 || d->estop)
                return; /* one run at a time (none under an emergency stop); it is delivered again later */
        if (report_status(d, t->task_id, "Running", "") < 0)
                return; /* not acknowledged: Poll delivers it again */
        int r =
            task_start(t, d->cfg->journal_dir, d->host, d->cfg->state_dir, d->cfg->unreachable_ms, &d->task);
        if (r < 0) {
                log_error("cannot start the run", LOG_STR("task", t->task_id), LOG_ERR(r));
                return;
        }
        rift_strlcpy(d->last_task, t->task_id, sizeof(d->last_task));
        d->next_status_ms = rift_mono_ms() + 1000;
        log_info("run started", LOG_STR("task", t->task_id), LOG_STR("run", t->experiment_run_id));
}

/* Polls once; returns the number of tasks received, or a negative error. */
static int poll_once(struct daemon *d, int64_t wait_ms)
{
        Rift__Infra__V1__PollRequest rq = RIFT__INFRA__V1__POLL_REQUEST__INIT;
        Rift__Infra__V1__InfraAuth a;
        auth_init(d, &a);
        rq.auth = &a;
        rq.wait_ms = wait_ms;
        Rift__Infra__V1__PollResponse *rs = NULL;
        int r = call(d, "Poll", &rq.base, &rift__infra__v1__poll_response__descriptor, (int)wait_ms + 10000,
                     (ProtobufCMessage **)&rs);
        if (r < 0)
                return r;
        d->superseded |= rs->superseded;
        if (rs->emergency_stop != d->estop) /* safety: emergency stop pressed or released */
                log_warn(rs->emergency_stop ? "emergency stop: reverting every fault, taking no run"
                                            : "emergency stop released");
        d->estop = rs->emergency_stop;
        if (d->estop && d->task)
                task_request_stop(d->task, TASK_STOP_USER);
        for (size_t i = 0; i < rs->n_tasks && !d->superseded; i++)
                take_task(d, rs->tasks[i]);
        r = (int)rs->n_tasks;
        protobuf_c_message_free_unpacked(&rs->base, NULL);
        return r;
}

/* The result is acknowledged (or refused for good): forget the run, spool included. */
static void finish_task(struct daemon *d)
{
        task_discard_spool(d->task);
        task_free(d->task);
        d->task = NULL;
}

/* A refusal that no retry can change (unknown task, invalid request): drop what is left to deliver. */
static int give_up_if_refused(struct daemon *d, int r)
{
        if (r >= 0 || transport_error(r) || r == RIFT_E_AUTH || !task_finished(d->task))
                return r;
        log_error("the control plane refused the run's logs or result: dropping them",
                  LOG_STR("task", task_id(d->task)), LOG_ERR(r));
        finish_task(d);
        return 0;
}

/* Streams logs, reports the step (and learns of stops), submits the result once the run is done and
 * every line is acknowledged. Returns a negative error if a call failed. */
static int service_task(struct daemon *d)
{
        int r = push_logs(d);
        if (r < 0)
                return r;
        if (!task_finished(d->task)) {
                if (rift_mono_ms() < d->next_status_ms)
                        return 0;
                char step[64];
                task_current_step(d->task, step, sizeof(step));
                r = report_status(d, task_id(d->task), "Running", step);
                if (r == 1)
                        task_request_stop(d->task, TASK_STOP_USER);
                d->next_status_ms = rift_mono_ms() + 1000;
                return r < 0 ? r : 0;
        }
        if (task_pending_lines(d->task) > 0)
                return 0;
        r = submit_result(d);
        if (r < 0)
                return r;
        finish_task(d);
        return 0;
}

static void on_signal(int sig)
{
        terminating = 1;
}

static void loop_once(struct daemon *d)
{
        int r = 0;
        if (d->task)
                r = give_up_if_refused(d, service_task(d));
        if (r == 0 && rift_mono_ms() >= d->next_heartbeat_ms)
                heartbeat(d);
        if (r == 0 && d->next_rotate_ms && rift_mono_ms() >= d->next_rotate_ms)
                rotate_key(d);
        if (r == 0 && !terminating && !d->superseded)
                r = poll_once(d, d->task ? 500 : d->cfg->poll_wait_ms);
        if (r > 0 && d->task) {
                struct timespec ts = { .tv_nsec = 200 * 1000000L }; /* tasks we cannot take yet */
                nanosleep(&ts, NULL);
        }
        if (r >= 0)
                return;
        backoff(d); /* the task thread's dead-man switch reverts the run if this lasts too long */
}

/* On SIGTERM: stop and revert the run, then try for a few seconds to deliver its logs and result. */
static void shutdown_task(struct daemon *d, enum task_stop why)
{
        if (!d->task)
                return;
        task_request_stop(d->task, why);
        while (!task_finished(d->task)) {
                struct timespec ts = { .tv_nsec = 50 * 1000000L };
                nanosleep(&ts, NULL);
        }
        int64_t until = rift_mono_ms() + 5000;
        while (d->task && rift_mono_ms() < until)
                if (service_task(d) < 0)
                        break;
        task_free(d->task);
        d->task = NULL;
}

static void connection_id_init(struct daemon *d)
{
        uint64_t rnd = 0;
        if (getrandom(&rnd, sizeof(rnd), 0) < 0)
                rnd = (uint64_t)rift_now_ms();
        snprintf(d->connection_id, sizeof(d->connection_id), "%lld-%016llx", (long long)rift_now_ms(),
                 (unsigned long long)rnd);
}

static int client_new(const struct daemon_config *c, struct rift_rpc_client **ret)
{
        struct rift_rpc_client_config rc = {
                .base_url = c->control_plane,
                .http = { .ca_file = c->ca_file,
                          .connect_timeout_ms = 5000,
                          .user_agent = "rift-agent/" AGENT_VERSION },
        };
        return rift_rpc_client_new(&rc, ret);
}

/* The network process: unprivileged, in STATE_DIR/net, talking to the control plane. */
static int network_main(struct daemon *d, const struct daemon_config *c)
{
        int r;

        tls_dl_set_backend((enum tls_dl_backend)c->tls_backend);
        r = client_new(c, &d->rpc);
        if (r < 0) {
                log_error("cannot create the control-plane client", LOG_ERR(r));
                return AGENT_EXIT_USAGE;
        }
        r = obtain_key(d);
        if (r < 0) {
                rift_rpc_client_free(d->rpc);
                return terminating ? AGENT_EXIT_OK : AGENT_EXIT_USAGE;
        }
        log_info("connected", LOG_STR("control_plane", c->control_plane),
                 LOG_STR("connection", d->connection_id));
        if (c->key_rotation_ms > 0)
                d->next_rotate_ms = rift_mono_ms() + c->key_rotation_ms;
        if (task_restore(c->state_dir, &d->task) > 0)
                log_info("delivering a run left by the previous agent process",
                         LOG_STR("task", task_id(d->task)));
        while (!terminating && !d->superseded)
                loop_once(d);
        if (d->superseded)
                log_warn("a newer agent connection took over: leaving");
        shutdown_task(d, d->superseded ? TASK_STOP_SUPERSEDED : TASK_STOP_TERM);
        rift_rpc_client_free(d->rpc);
        return AGENT_EXIT_OK;
}

/* Copies the pinned CA into the network process's directory (it cannot read the original's path). */
static int copy_ca(const char *from, const char *to, uid_t uid, gid_t gid)
{
        char buf[64 * 1024];
        _cleanup_close_ int in = open(from, O_RDONLY | O_CLOEXEC);
        if (in < 0)
                return -errno;
        ssize_t n = read(in, buf, sizeof(buf));
        if (n < 0 || n == (ssize_t)sizeof(buf))
                return n < 0 ? -errno : -EFBIG;
        unlink(to);
        _cleanup_close_ int out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (out < 0 || write(out, buf, (size_t)n) != n || fchown(out, uid, gid) < 0)
                return -errno;
        return 0;
}

/* STATE_DIR/net, 0700, owned by the network process's user (an existing one is re-owned). */
static int net_dir_prepare(const struct daemon_config *c, uid_t uid, gid_t gid, char *out, size_t size)
{
        if ((size_t)snprintf(out, size, "%s/" NET_DIR, c->state_dir) >= size)
                return -ENAMETOOLONG;
        mkdir(c->state_dir, 0700);
        if (mkdir(out, 0700) < 0 && errno != EEXIST)
                return -errno;
        struct stat st;
        if (lstat(out, &st) < 0 || !S_ISDIR(st.st_mode))
                return -ENOTDIR;
        if (chown(out, uid, gid) < 0 || chmod(out, 0700) < 0)
                return -errno;
        return 0;
}

/* The machine owner's policy (policy.h): a broken or unsafe file stops the agent, a missing default
 * file means no local limits. */
static int load_policy(const struct daemon_config *c)
{
        const char *path = c->policy_path ? c->policy_path : POLICY_DEFAULT_PATH;
        struct agent_policy *p = NULL;
        char err[400];
        int r = policy_load(path, c->policy_path != NULL, &p, err, sizeof(err));
        if (r < 0) {
                log_error("cannot use the local policy", LOG_STR("detail", err));
                return AGENT_EXIT_USAGE;
        }
        policy_set_active(p, path);
        log_info(p ? "local policy loaded" : "no local policy", LOG_STR("path", path));
        return AGENT_EXIT_OK;
}

int daemon_run(const struct daemon_config *c)
{
        struct daemon d = { .cfg = c, .started_ms = rift_mono_ms(), .last_ok_ms = rift_mono_ms() };
        struct sigaction sa = { .sa_handler = on_signal };
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);
        signal(SIGPIPE, SIG_IGN);
        rift_memory_tune_daemon();              /* idle most of the time: give freed memory back */
        int r = runner_recover(c->journal_dir); /* leftovers of a killed agent go first */
        if (r != AGENT_EXIT_OK)
                return r;
        if ((r = load_policy(c)) != AGENT_EXIT_OK)
                return r;
        url_host(c->control_plane, d.host, sizeof(d.host));
        connection_id_init(&d);
        bool root = geteuid() == 0;
        uid_t uid = geteuid();
        gid_t gid = getegid();
        if (root && (r = privsep_user(c->user, &uid, &gid)) < 0) {
                log_error("no unprivileged user for the network process",
                          LOG_STR("variable", "RIFT_AGENT_USER"),
                          LOG_STR("user", c->user ? c->user : "rift or nobody"), LOG_ERR(r));
                return AGENT_EXIT_USAGE;
        }
        if (!root)
                log_warn("not started as root: the network process keeps this user's privileges");
        char net_dir[600];
        if ((r = net_dir_prepare(c, uid, gid, net_dir, sizeof(net_dir))) < 0) {
                log_error("cannot prepare the network process's directory", LOG_STR("dir", net_dir),
                          LOG_ERR(r));
                return AGENT_EXIT_USAGE;
        }
        struct daemon_config nc = *c; /* the network process's view: paths relative to its directory */
        nc.state_dir = ".";
        if (c->ca_file) {
                char ca[620];
                snprintf(ca, sizeof(ca), "%s/ca.pem", net_dir);
                if ((r = copy_ca(c->ca_file, ca, uid, gid)) < 0) {
                        log_error("cannot read the CA file", LOG_STR("path", c->ca_file), LOG_ERR(r));
                        return AGENT_EXIT_USAGE;
                }
                nc.ca_file = "ca.pem";
        }
        key_load(&d);
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
                log_error("socketpair failed", LOG_ERR(-errno));
                return AGENT_EXIT_USAGE;
        }
        pid_t parent = getpid(), child = fork();
        if (child < 0) {
                log_error("fork failed", LOG_ERR(-errno));
                return AGENT_EXIT_USAGE;
        }
        if (child == 0) {
                close(sv[0]);
                if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
                        _exit(AGENT_EXIT_USAGE);
                if (chdir(net_dir) < 0 || (root && (r = privsep_drop(uid, gid)) < 0)) {
                        log_error("cannot drop privileges", LOG_ERR(r < 0 ? r : -errno));
                        _exit(AGENT_EXIT_USAGE);
                }
                if ((r = privsep_seccomp()) < 0 && r != -EOPNOTSUPP) {
                        log_error("cannot install the seccomp filter", LOG_ERR(r));
                        _exit(AGENT_EXIT_USAGE);
                }
                struct privsep_client pc = { .fd = sv[1] };
                pthread_mutex_init(&pc.lock, NULL);
                d.cfg = &nc;
                d.injector = &pc;
                task_use_injector(&pc);
                log_info("network process started", LOG_INT("uid", (int64_t)getuid()));
                _exit(network_main(&d, &nc));
        }
        close(sv[1]);
        explicit_bzero(d.access_key, sizeof(d.access_key));
        log_info("injector started", LOG_INT("network_pid", child));
        struct privsep_server_config sc = { .journal_dir = c->journal_dir,
                                            .state_dir = c->state_dir,
                                            .control_plane = d.host,
                                            .child = child,
                                            .terminating = &terminating };
        r = privsep_serve(sv[0], &sc);
        close(sv[0]);
        return r;
}
