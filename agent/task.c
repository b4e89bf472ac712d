/* Runs one experiment run on its own thread (see task.h). Every journal and fault call happens on
 * this thread, so the undo journal needs no lock; the lock guards the log queue, the stop reason and
 * the current step, which the control thread reads. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agent/dryrun.h"
#include "agent/metrics.h"
#include "agent/policy.h"
#include "agent/privsep.h"
#include "agent/probes/probe.h"
#include "agent/task.h"
#include "lib/clock.h"
#include "lib/error.h"
#include "lib/limits_rift.h"
#include "lib/log.h"
#include "lib/macro.h"
#include "lib/str.h"

#define TASK_MAX_STEPS 64

/* One fault step while it runs. */
struct step_run {
        const Rift__Infra__V1__FaultStep *msg; /* the step as the control plane sent it */
        struct fault_ctx ctx;                  /* the fault */
        bool valid;                            /* spec parsed and validated */
        bool injected;                         /* inject succeeded, not yet reverted */
        bool failed;                           /* inject or revert failed: verdict Error */
        bool stopped;                          /* ended early by a stop */
        int64_t started_ms, ended_ms;          /* epoch ms */
        uint32_t handle;                       /* the injector's handle (when injector is set) */
        char err[FAULT_ERR_MAX];               /* why it failed */
};

struct task {
        pthread_t thread;                            /* runs task_main */
        pthread_mutex_t lock;                        /* guards the fields below marked (L) */
        Rift__Infra__V1__Task *msg;                  /* our own copy of the task */
        char journal_dir[512];                       /* undo journal directory */
        char control_plane[256];                     /* host never cut by network faults */
        enum task_stop stop;                         /* (L) why the run stops early */
        bool finished;                               /* (L) the thread is done and the result is ready */
        struct task_line *lines;                     /* (L) unacknowledged log lines, ascending seq */
        size_t n_lines;                              /* (L) entries in lines */
        uint64_t next_seq;                           /* (L) seq of the next line */
        uint64_t dropped;                            /* (L) lines not queued because the queue was full */
        char step[64];                               /* (L) current step */
        Rift__Infra__V1__SubmitResultRequest result; /* built by the thread before finished */
        Rift__Infra__V1__FaultResult *faults[TASK_MAX_STEPS];
        Rift__Infra__V1__FaultResult fault_res[TASK_MAX_STEPS];
        char result_msg[256];                           /* result.message */
        bool has_thread;                                /* thread was started (a restored task has none) */
        int spool_fd;                                   /* STATE/spool-<task>.log; -1 = not spooled */
        char spool_base[600];                           /* STATE/spool-<task> ("" = not spooled) */
        Rift__Infra__V1__SubmitResultRequest *restored; /* result read back from the spool */
        int64_t contact_mono_ms;                        /* (L) last answer from the control plane */
        int64_t unreachable_ms;                         /* (L) dead-man switch: 0 = off */
};

/* The privileged injector, or NULL when faults run in this process (`rift-agent` unit tests). */
static struct privsep_client *injector;

void task_use_injector(struct privsep_client *c)
{
        injector = c;
}

/* One request about an injected fault; its message goes to ctx.err. */
static int remote(struct step_run *s, enum privsep_type type)
{
        struct privsep_request rq;
        struct privsep_reply rp;
        privsep_request_init(&rq, type);
        rq.handle = s->handle;
        int r = privsep_call(injector, &rq, &rp);
        if (r < 0) {
                snprintf(s->ctx.err, sizeof(s->ctx.err), "injector: %s", rift_strerror(r));
                return r;
        }
        rift_strlcpy(s->ctx.err, rp.text, sizeof(s->ctx.err));
        return rp.status;
}

static int remote_inject(struct step_run *s, const char *control_plane, int *ret_revert)
{
        struct privsep_request rq;
        struct privsep_reply rp;
        const Rift__Infra__V1__FaultStep *m = s->msg;
        *ret_revert = 0;
        privsep_request_init(&rq, PRIVSEP_INJECT);
        rq.duration_ms = s->ctx.duration_ms;
        if (strlen(m->fault) >= sizeof(rq.fault) || strlen(control_plane) >= sizeof(rq.control_plane))
                return fault_fail(&s->ctx, "fault: name or control-plane host too long");
        memcpy(rq.fault, m->fault, strlen(m->fault) + 1);
        memcpy(rq.control_plane, control_plane, strlen(control_plane) + 1);
        for (size_t i = 0; i < m->n_tunables; i++)
                if (privsep_request_add_tunable(&rq, m->tunables[i]->key, m->tunables[i]->value, s->ctx.err,
                                                sizeof(s->ctx.err)) < 0)
                        return RIFT_E_INVALID;
        int r = privsep_call(injector, &rq, &rp);
        if (r < 0)
                return fault_fail(&s->ctx, "injector: %s", rift_strerror(r));
        rift_strlcpy(s->ctx.err, rp.text, sizeof(s->ctx.err));
        s->handle = rp.handle;
        *ret_revert = rp.revert_status;
        return rp.status;
}

/* Monotonic milliseconds with sub-millisecond precision (how long inject and revert took). */
static double mono_ms_exact(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int64_t now_ms(void)
{
        return rift_now_ms();
}

static void closedirp(DIR **d)
{
        if (*d)
                closedir(*d);
}

static void fclosep(FILE **f)
{
        if (*f)
                fclose(*f);
}

/* ---- the spool: unacknowledged lines and the result survive an agent restart ----
 * STATE/spool-<task>.log gets every line as {"seq","t","step","line"} (written before it is sent; the
 * page cache outlives a killed process); STATE/spool-<task>.result the packed SubmitResultRequest,
 * fsynced. Both go once the result is acknowledged. */

static bool safe_id(const char *id)
{
        if (!*id || strlen(id) > 128)
                return false;
        for (const char *c = id; *c; c++)
                if (!isalnum((unsigned char)*c) && *c != '-' && *c != '_' && *c != '.')
                        return false;
        return *id != '.';
}

static void spool_path(const struct task *t, const char *ext, char *out, size_t size)
{
        snprintf(out, size, "%s.%s", t->spool_base, ext);
}

static void spool_line(struct task *t, const struct task_line *l)
{
        if (t->spool_fd < 0)
                return;
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "seq", (double)l->seq);
        cJSON_AddNumberToObject(o, "t", (double)l->time_ms);
        cJSON_AddStringToObject(o, "step", l->step);
        cJSON_AddStringToObject(o, "line", l->line);
        char *text = cJSON_PrintUnformatted(o);
        cJSON_Delete(o);
        if (text) {
                size_t n = strlen(text);
                text[n] = '\n'; /* replaces the terminator: written with its length */
                if (write(t->spool_fd, text, n + 1) != (ssize_t)(n + 1))
                        log_warn("cannot spool a run log line", LOG_STR("task", t->msg->task_id));
        }
        free(text);
}

static void spool_open(struct task *t, const char *dir)
{
        t->spool_fd = -1;
        if (!dir || !safe_id(t->msg->task_id))
                return;
        snprintf(t->spool_base, sizeof(t->spool_base), "%s/spool-%s", dir, t->msg->task_id);
        char path[620];
        spool_path(t, "log", path, sizeof(path));
        t->spool_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (t->spool_fd < 0)
                log_warn("cannot open the run log spool", LOG_STR("path", path), LOG_ERR(-errno));
}

static void spool_result(struct task *t)
{
        if (t->spool_fd < 0)
                return;
        char path[620], tmp[630];
        spool_path(t, "result", path, sizeof(path));
        snprintf(tmp, sizeof(tmp), "%s.tmp", path);
        size_t len = rift__infra__v1__submit_result_request__get_packed_size(&t->result);
        _cleanup_free_ uint8_t *buf = malloc(len + 1);
        _cleanup_close_ int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (!buf || fd < 0)
                return;
        rift__infra__v1__submit_result_request__pack(&t->result, buf);
        if (write(fd, buf, len) == (ssize_t)len && fsync(fd) == 0 && fsync(t->spool_fd) == 0)
                rename(tmp, path);
}

void task_discard_spool(struct task *t)
{
        char path[620];
        if (!t->spool_base[0])
                return;
        spool_path(t, "log", path, sizeof(path));
        unlink(path);
        spool_path(t, "result", path, sizeof(path));
        unlink(path);
}

static void task_log(struct task *t, const char *step, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void task_log(struct task *t, const char *step, const char *fmt, ...)
{
        char buf[RIFT_MAX_AGENT_LOG_LINE];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        log_info("run log", LOG_STR("task", t->msg->task_id), LOG_STR("step", step ? step : ""),
                 LOG_STR("line", buf));
        pthread_mutex_lock(&t->lock);
        char *copy = strdup(buf);
        if (t->n_lines >= RIFT_MAX_AGENT_LOG_QUEUE || !copy) {
                t->dropped++;
                free(copy);
        } else {
                struct task_line *l = &t->lines[t->n_lines++];
                l->seq = ++t->next_seq;
                l->time_ms = now_ms();
                rift_strlcpy(l->step, step ? step : "", sizeof(l->step));
                l->line = copy;
                spool_line(t, l);
        }
        pthread_mutex_unlock(&t->lock);
}

/* The stop reason; the dead-man switch fires here, on the task thread, so a control thread stuck in a
 * slow call cannot delay the revert. */
static enum task_stop stop_reason(struct task *t)
{
        pthread_mutex_lock(&t->lock);
        int64_t silent = rift_mono_ms() - t->contact_mono_ms;
        bool fire =
            t->stop == TASK_STOP_NONE && !t->finished && t->unreachable_ms > 0 && silent > t->unreachable_ms;
        if (fire)
                t->stop = TASK_STOP_UNREACHABLE;
        enum task_stop s = t->stop;
        pthread_mutex_unlock(&t->lock);
        if (fire)
                log_error("control plane unreachable too long: reverting the run",
                          LOG_INT("unreachable_ms", silent));
        return s;
}

void task_contact(struct task *t)
{
        pthread_mutex_lock(&t->lock);
        t->contact_mono_ms = rift_mono_ms();
        pthread_mutex_unlock(&t->lock);
}

static void set_step(struct task *t, const char *step)
{
        pthread_mutex_lock(&t->lock);
        rift_strlcpy(t->step, step, sizeof(t->step));
        pthread_mutex_unlock(&t->lock);
}

/* Builds {"fault", "duration", "tunables"} from the step and validates it with the runner's parser. */
static int step_parse(struct step_run *s)
{
        const Rift__Infra__V1__FaultStep *m = s->msg;
        cJSON *spec = cJSON_CreateObject(), *tun = cJSON_AddObjectToObject(spec, "tunables");
        char dur[32];
        snprintf(dur, sizeof(dur), "%lldms", (long long)(m->duration_ms > 0 ? m->duration_ms : 30000));
        cJSON_AddStringToObject(spec, "fault", m->fault);
        cJSON_AddStringToObject(spec, "duration", dur);
        for (size_t i = 0; i < m->n_tunables; i++)
                cJSON_AddStringToObject(tun, m->tunables[i]->key, m->tunables[i]->value);
        char *text = cJSON_PrintUnformatted(spec);
        cJSON_Delete(spec);
        if (!text)
                return -ENOMEM;
        int r = runner_parse_spec(text, strlen(text), &s->ctx);
        free(text);
        return r;
}

/* The probes named by the group's steps, as one probe_set (NULL when none). */
static int group_probes(struct task *t, const Rift__Infra__V1__StepGroup *g, struct probe_set **ret)
{
        cJSON *arr = cJSON_CreateArray();
        for (size_t p = 0; p < t->msg->n_probes; p++) {
                bool used = false;
                for (size_t i = 0; i < g->n_steps && !used; i++)
                        for (size_t k = 0; k < g->steps[i]->n_probe_names && !used; k++)
                                used = strcmp(g->steps[i]->probe_names[k], t->msg->probes[p]->name) == 0;
                cJSON *one = used ? cJSON_Parse(t->msg->probes[p]->spec_json) : NULL;
                if (one)
                        cJSON_AddItemToArray(arr, one);
        }
        *ret = NULL;
        int r = 0;
        if (cJSON_GetArraySize(arr) > 0) {
                char *text = cJSON_PrintUnformatted(arr), err[256] = "";
                r = text ? probe_set_parse(text, strlen(text), err, sizeof(err), ret) : -ENOMEM;
                if (r < 0)
                        task_log(t, "", "probes: %s", err[0] ? err : rift_strerror(r));
                free(text);
        }
        cJSON_Delete(arr);
        return r;
}

static void step_revert(struct task *t, struct step_run *s)
{
        if (!s->injected)
                return;
        double t0 = mono_ms_exact();
        int r = injector ? remote(s, PRIVSEP_REVERT) : s->ctx.ops->revert(&s->ctx);
        for (int tries = 1; r < 0 && tries < 3; tries++) {
                task_log(t, s->msg->name, "revert failed (%s), retrying", s->ctx.err);
                r = injector ? remote(s, PRIVSEP_REVERT) : s->ctx.ops->revert(&s->ctx);
        }
        if (r < 0 && injector) {
                char err[FAULT_ERR_MAX];
                memcpy(err, s->ctx.err, sizeof(err));
                remote(s, PRIVSEP_RELEASE); /* the journal keeps it for --recover */
                memcpy(s->ctx.err, err, sizeof(err));
        }
        s->injected = false;
        s->ended_ms = now_ms();
        agent_metrics_count(s->msg->fault, r < 0 ? AGENT_REVERT_FAILED : AGENT_REVERT_OK);
        if (r < 0) {
                s->failed = true;
                snprintf(s->err, sizeof(s->err), "revert failed: %.200s", s->ctx.err);
                task_log(t, s->msg->name, "revert failed: a person must check this machine: %s", s->ctx.err);
        } else {
                task_log(t, s->msg->name, "%s reverted in %.1f ms", s->msg->fault, mono_ms_exact() - t0);
        }
}

static void step_inject(struct task *t, struct step_run *s, struct undo_journal *j)
{
        s->ctx.journal = j;
        s->ctx.first_id = j ? undo_last_id(j) : 0;
        s->ctx.deadline_mono_ms = rift_mono_ms() + s->ctx.duration_ms;
        s->started_ms = now_ms();
        set_step(t, s->msg->name);
        double t0 = mono_ms_exact();
        if (injector) {
                int reverted;
                int r = remote_inject(s, t->control_plane, &reverted);
                if (r < 0) { /* the injector already reverted what it had done */
                        agent_metrics_count(s->msg->fault, AGENT_INJECT_FAILED);
                        agent_metrics_count(s->msg->fault,
                                            reverted < 0 ? AGENT_REVERT_FAILED : AGENT_REVERT_OK);
                        s->failed = true;
                        s->ended_ms = now_ms();
                        snprintf(s->err, sizeof(s->err), "inject failed: %s",
                                 s->ctx.err[0] ? s->ctx.err : rift_strerror(r));
                        task_log(t, s->msg->name, "%s; reverting", s->err);
                        if (reverted < 0)
                                task_log(t, s->msg->name, "revert failed: a person must check this machine");
                        else
                                task_log(t, s->msg->name, "%s reverted", s->msg->fault);
                        return;
                }
                s->injected = true;
                agent_metrics_count(s->msg->fault, AGENT_INJECT_OK);
                task_log(t, s->msg->name, "%s injected for %lld ms (in %.1f ms)", s->msg->fault,
                         (long long)s->ctx.duration_ms, mono_ms_exact() - t0);
                return;
        }
        int r = s->ctx.ops->inject(&s->ctx);
        s->injected = true; /* whatever was done before a failure is reverted below */
        agent_metrics_count(s->msg->fault, r < 0 ? AGENT_INJECT_FAILED : AGENT_INJECT_OK);
        if (r < 0) {
                s->failed = true;
                snprintf(s->err, sizeof(s->err), "inject failed: %s",
                         s->ctx.err[0] ? s->ctx.err : rift_strerror(r));
                task_log(t, s->msg->name, "%s; reverting", s->err);
                step_revert(t, s);
                return;
        }
        task_log(t, s->msg->name, "%s injected for %lld ms (in %.1f ms)", s->msg->fault,
                 (long long)s->ctx.duration_ms, mono_ms_exact() - t0);
}

/* Reverts, newest first, every injected step whose deadline passed and that has no later-injected
 * step still active (journal ranges are reverted from the end); all of them when stopping. */
static bool revert_due(struct task *t, struct step_run *s, size_t n, bool all)
{
        bool active = false;
        int64_t now = rift_mono_ms();
        for (size_t i = n; i-- > 0;) {
                if (!s[i].injected)
                        continue;
                if (all || now >= s[i].ctx.deadline_mono_ms)
                        step_revert(t, &s[i]);
                else
                        break;
        }
        for (size_t i = 0; i < n; i++)
                active |= s[i].injected;
        return active;
}

static void nap_ms(long ms)
{
        struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
        nanosleep(&ts, NULL);
}

/* Waits for the group's faults to end, ticking them once a second; stops early on request. */
static void group_wait(struct task *t, struct step_run *s, size_t n, struct probe_set *ps)
{
        int64_t next_tick = rift_mono_ms() + 1000;
        for (;;) {
                enum task_stop why = stop_reason(t);
                if (why == TASK_STOP_NONE && ps && probe_set_stop_requested(ps)) {
                        task_log(t, "", "a stopOnFailure probe failed: stopping the run");
                        task_request_stop(t, TASK_STOP_USER);
                        why = TASK_STOP_USER;
                }
                if (why != TASK_STOP_NONE) {
                        for (size_t i = 0; i < n; i++)
                                s[i].stopped = s[i].injected;
                        revert_due(t, s, n, true);
                        return;
                }
                if (!revert_due(t, s, n, false))
                        return;
                if (rift_mono_ms() >= next_tick) {
                        next_tick += 1000;
                        for (size_t i = 0; i < n; i++)
                                if (s[i].injected && injector)
                                        remote(&s[i], PRIVSEP_TICK);
                                else if (s[i].injected && s[i].ctx.ops->tick)
                                        s[i].ctx.ops->tick(&s[i].ctx);
                }
                nap_ms(50);
        }
}

static void add_probe_results(struct task *t, Rift__Infra__V1__FaultResult *fr, struct step_run *s,
                              struct probe_set *ps)
{
        enum probe_verdict v[RIFT_MAX_FAULT_TARGETS];
        size_t nv = 0;
        enum probe_exp_verdict fv = s->failed    ? PROBE_EXP_ERROR
                                    : s->stopped ? PROBE_EXP_STOPPED
                                                 : PROBE_EXP_PASS;
        fr->probes = calloc(s->msg->n_probe_names + 1, sizeof(*fr->probes));
        for (size_t i = 0; ps && fr->probes && i < probe_set_count(ps); i++) {
                struct probe_result pr;
                bool mine = false;
                if (probe_set_result(ps, i, &pr) < 0)
                        continue;
                for (size_t k = 0; k < s->msg->n_probe_names && !mine; k++)
                        mine = strcmp(s->msg->probe_names[k], pr.name) == 0;
                if (!mine || nv >= ARRAY_SIZE(v) || fr->n_probes >= s->msg->n_probe_names)
                        continue;
                Rift__Infra__V1__ProbeResult *p = calloc(1, sizeof(*p));
                if (!p)
                        continue;
                rift__infra__v1__probe_result__init(p);
                p->name = strdup(pr.name);
                p->message = strdup(pr.description);
                v[nv] = pr.verdict;
                fr->probes[fr->n_probes++] = p;
                nv++;
        }
        struct probe_score sc;
        probe_score_compute(v, nv, fv, &sc);
        for (size_t i = 0; i < fr->n_probes; i++) {
                fr->probes[i]->verdict = strdup(probe_verdict_to_string(v[i]));
                fr->probes[i]->success_percent = v[i] == PROBE_PASSED ? 100 : 0;
                task_log(t, s->msg->name, "probe %s: %s (%s)", fr->probes[i]->name, fr->probes[i]->verdict,
                         fr->probes[i]->message);
        }
        fr->verdict = strdup(probe_exp_verdict_to_string(sc.verdict));
}

static void step_result(struct task *t, struct step_run *s, struct probe_set *ps)
{
        size_t k = t->result.n_faults;
        if (k >= TASK_MAX_STEPS)
                return;
        Rift__Infra__V1__FaultResult *fr = &t->fault_res[k];
        rift__infra__v1__fault_result__init(fr);
        fr->step = strdup(s->msg->name);
        fr->fault = strdup(s->msg->fault);
        fr->message = strdup(s->err[0] ? s->err : s->stopped ? "stopped" : "");
        fr->started_at_ms = s->started_ms;
        fr->ended_at_ms = s->ended_ms;
        add_probe_results(t, fr, s, ps);
        task_log(t, s->msg->name, "verdict %s", fr->verdict ? fr->verdict : "?");
        t->faults[k] = fr;
        t->result.n_faults = k + 1;
}

/* A dry run of one step in the injector, which has the privileges the checks need. */
static int remote_dryrun(struct step_run *s, const char *control_plane, char *report, size_t n)
{
        struct privsep_request rq;
        struct privsep_reply rp;
        const Rift__Infra__V1__FaultStep *m = s->msg;
        privsep_request_init(&rq, PRIVSEP_DRYRUN);
        rq.duration_ms = s->ctx.duration_ms;
        if (strlen(m->fault) >= sizeof(rq.fault) || strlen(control_plane) >= sizeof(rq.control_plane))
                return snprintf(report, n, "fault: name or control-plane host too long"), RIFT_E_INVALID;
        memcpy(rq.fault, m->fault, strlen(m->fault) + 1);
        memcpy(rq.control_plane, control_plane, strlen(control_plane) + 1);
        for (size_t i = 0; i < m->n_tunables; i++)
                if (privsep_request_add_tunable(&rq, m->tunables[i]->key, m->tunables[i]->value, report, n) <
                    0)
                        return RIFT_E_INVALID;
        int r = privsep_call(injector, &rq, &rp);
        if (r < 0)
                return snprintf(report, n, "injector: %s", rift_strerror(r)), r;
        rift_strlcpy(report, rp.text, n);
        return rp.status;
}

/* Dry run of a group: each probe once, each step's checks (dryrun.c); verdict Error if something the
 * fault needs is missing. */
static void dry_group(struct task *t, struct step_run *s, size_t n, struct probe_set *ps)
{
        char report[1024], reg[256];
        for (size_t i = 0; ps && i < probe_set_count(ps); i++) {
                struct probe_outcome o = { .passed = false };
                const struct probe_def *d = probe_set_def(ps, i);
                int r = probe_run_def(d, &o, reg, sizeof(reg));
                task_log(t, "", "dry run: probe %s ran once: %s (%s)", d->name,
                         r == 0 && o.passed ? "passed" : "failed", o.description);
        }
        for (size_t i = 0; i < n; i++) {
                s[i].started_ms = now_ms();
                if (s[i].valid && (injector ? remote_dryrun(&s[i], t->control_plane, report, sizeof(report))
                                            : dryrun_step(s[i].msg, s[i].ctx.duration_ms, false, report,
                                                          sizeof(report))) < 0) {
                        s[i].failed = true;
                        snprintf(s[i].err, sizeof(s[i].err), "dry run: %.200s", report);
                }
                s[i].ended_ms = now_ms();
                task_log(t, s[i].msg->name, "dry run: %s", s[i].valid ? report : s[i].err);
                step_result(t, &s[i], NULL);
                runner_ctx_free(&s[i].ctx);
        }
}

static void run_group(struct task *t, const Rift__Infra__V1__StepGroup *g, struct undo_journal *j)
{
        struct step_run s[TASK_MAX_STEPS] = {};
        size_t n = g->n_steps < TASK_MAX_STEPS ? g->n_steps : TASK_MAX_STEPS;
        int64_t longest = 0;
        struct probe_set *ps = NULL;
        group_probes(t, g, &ps);
        for (size_t i = 0; i < n; i++) {
                s[i].msg = g->steps[i];
                s[i].ctx.control_plane = t->control_plane[0] ? t->control_plane : NULL;
                s[i].valid = step_parse(&s[i]) == 0;
                if (!s[i].valid) {
                        s[i].failed = true;
                        snprintf(s[i].err, sizeof(s[i].err), "invalid: %.200s", s[i].ctx.err);
                        task_log(t, s[i].msg->name, "%s", s[i].err);
                } else if (s[i].ctx.duration_ms > longest)
                        longest = s[i].ctx.duration_ms;
        }
        if (t->msg->dry_run) { /* safety: report what would be done, change nothing */
                dry_group(t, s, n, ps);
                probe_set_free(ps);
                return;
        }
        if (ps)
                probe_run_phase(ps, PROBE_PHASE_PRE_CHAOS, 0);
        for (size_t i = 0; i < n && stop_reason(t) == TASK_STOP_NONE; i++)
                if (s[i].valid)
                        step_inject(t, &s[i], j);
        if (ps)
                probe_run_phase(ps, PROBE_PHASE_CHAOS_START, longest);
        group_wait(t, s, n, ps);
        if (ps)
                probe_run_phase(ps, PROBE_PHASE_POST_CHAOS, 0);
        for (size_t i = 0; i < n; i++) {
                if (!s[i].started_ms && !s[i].failed)
                        s[i].stopped = true; /* never started: the run was stopped first */
                step_result(t, &s[i], ps);
                runner_ctx_free(&s[i].ctx);
        }
        probe_set_free(ps);
}

static const char *final_phase(struct task *t)
{
        static const char *const by_stop[] = {
                [TASK_STOP_USER] = "Stopped",
                [TASK_STOP_TERM] = "Stopped",
                [TASK_STOP_UNREACHABLE] = "Error",
                [TASK_STOP_SUPERSEDED] = "Error",
        };
        enum task_stop why = stop_reason(t);
        if (why != TASK_STOP_NONE)
                return by_stop[why];
        for (size_t i = 0; i < t->result.n_faults; i++)
                if (!t->faults[i]->verdict || strcmp(t->faults[i]->verdict, "Pass") != 0)
                        return "Completed_With_Error";
        return "Completed";
}

static void *task_main(void *arg)
{
        struct task *t = arg;
        struct undo_journal *j = NULL;
        int r = injector ? 0 : undo_open(t->journal_dir, &j); /* the injector keeps its own */
        task_log(t, "", "run %s of experiment %s started: %zu group(s)%s", t->msg->experiment_run_id,
                 t->msg->experiment_name, t->msg->n_groups, t->msg->dry_run ? " (dry run)" : "");
        char why[256] = ""; /* safety: the machine owner's local policy wins over the control plane */
        if (r == 0 && policy_check_task(policy_active(), t->msg, why, sizeof(why)) < 0) {
                task_log(t, "", "refused by the local policy %s: %s", policy_active_path(), why);
                r = RIFT_E_FORBIDDEN;
        }
        for (size_t g = 0; r == 0 && g < t->msg->n_groups; g++)
                run_group(t, t->msg->groups[g], j);
        if (why[0])
                snprintf(t->result_msg, sizeof(t->result_msg), "refused by the agent's local policy: %.200s",
                         why);
        else if (r < 0)
                snprintf(t->result_msg, sizeof(t->result_msg), "cannot open the undo journal: %s",
                         rift_strerror(r));
        else if (stop_reason(t) == TASK_STOP_UNREACHABLE)
                rift_strlcpy(t->result_msg, "control plane unreachable: faults reverted",
                             sizeof(t->result_msg));
        undo_close(j);
        t->result.phase = (char *)(r < 0 ? "Error" : final_phase(t));
        t->result.message = t->result_msg;
        t->result.faults = t->faults;
        t->result.task_id = t->msg->task_id;
        task_log(t, "", "run finished: %s", t->result.phase);
        spool_result(t);
        pthread_mutex_lock(&t->lock);
        t->finished = true;
        pthread_mutex_unlock(&t->lock);
        return NULL;
}

static struct task *task_alloc(const Rift__Infra__V1__Task *msg)
{
        struct task *t = calloc(1, sizeof(*t));
        size_t len = rift__infra__v1__task__get_packed_size(msg);
        _cleanup_free_ uint8_t *buf = malloc(len + 1);
        if (!t || !buf || !(t->lines = calloc(RIFT_MAX_AGENT_LOG_QUEUE, sizeof(*t->lines)))) {
                free(t);
                return NULL;
        }
        t->spool_fd = -1;
        rift__infra__v1__task__pack(msg, buf);
        t->msg = rift__infra__v1__task__unpack(NULL, len, buf);
        pthread_mutex_init(&t->lock, NULL);
        rift__infra__v1__submit_result_request__init(&t->result);
        if (!t->msg) {
                task_free(t);
                return NULL;
        }
        return t;
}

int task_start(const Rift__Infra__V1__Task *msg, const char *journal_dir, const char *control_plane_host,
               const char *spool_dir, int64_t unreachable_ms, struct task **ret)
{
        struct task *t = task_alloc(msg);
        if (!t)
                return -ENOMEM;
        rift_strlcpy(t->journal_dir, journal_dir, sizeof(t->journal_dir));
        rift_strlcpy(t->control_plane, control_plane_host ? control_plane_host : "",
                     sizeof(t->control_plane));
        spool_open(t, spool_dir);
        t->unreachable_ms = unreachable_ms;
        t->contact_mono_ms = rift_mono_ms();
        if (pthread_create(&t->thread, NULL, task_main, t) != 0) {
                task_discard_spool(t);
                task_free(t);
                return -EAGAIN;
        }
        t->has_thread = true;
        *ret = t;
        return 0;
}

/* Reads a spooled log file back into t's queue (at most the queue's cap). */
static void restore_lines(struct task *t, const char *path)
{
        _cleanup_(fclosep) FILE *f = fopen(path, "re");
        char *buf = NULL;
        size_t cap = 0;
        ssize_t n;
        while (f && (n = getline(&buf, &cap, f)) > 0 && t->n_lines < RIFT_MAX_AGENT_LOG_QUEUE) {
                cJSON *o =
                    n < 8 * (ssize_t)RIFT_MAX_AGENT_LOG_LINE ? cJSON_ParseWithLength(buf, (size_t)n) : NULL;
                const cJSON *seq = cJSON_GetObjectItem(o, "seq"), *line = cJSON_GetObjectItem(o, "line");
                const cJSON *step = cJSON_GetObjectItem(o, "step"), *tm = cJSON_GetObjectItem(o, "t");
                if (cJSON_IsNumber(seq) && seq->valuedouble == (double)(t->next_seq + 1) &&
                    cJSON_IsString(line)) {
                        struct task_line *l = &t->lines[t->n_lines];
                        l->seq = ++t->next_seq;
                        l->time_ms = cJSON_IsNumber(tm) && tm->valuedouble >= 0 && tm->valuedouble < 9e18
                                         ? (int64_t)tm->valuedouble
                                         : 0; /* an epoch ms, or unknown */
                        rift_strlcpy(l->step, cJSON_IsString(step) ? step->valuestring : "", sizeof(l->step));
                        if ((l->line = strndup(line->valuestring, RIFT_MAX_AGENT_LOG_LINE)))
                                t->n_lines++;
                        else
                                t->next_seq--;
                }
                cJSON_Delete(o);
        }
        free(buf);
}

static void restore_result(struct task *t, const char *path)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        static uint8_t buf[256 * 1024];
        ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf));
        if (n > 0 && (size_t)n < sizeof(buf))
                t->restored = rift__infra__v1__submit_result_request__unpack(NULL, (size_t)n, buf);
}

int task_restore(const char *spool_dir, struct task **ret)
{
        _cleanup_(closedirp) DIR *d = opendir(spool_dir);
        struct dirent *de;
        char id[160] = "";
        while (d && (de = readdir(d))) {
                size_t len = strlen(de->d_name);
                if (strncmp(de->d_name, "spool-", 6) == 0 && len > 10 &&
                    strcmp(de->d_name + len - 4, ".log") == 0 && len - 10 < sizeof(id)) {
                        snprintf(id, sizeof(id), "%.*s", (int)(len - 10), de->d_name + 6);
                        break;
                }
        }
        if (!id[0] || !safe_id(id))
                return 0;
        Rift__Infra__V1__Task m = RIFT__INFRA__V1__TASK__INIT;
        m.task_id = id;
        m.kind = "run";
        struct task *t = task_alloc(&m);
        if (!t)
                return -ENOMEM;
        snprintf(t->spool_base, sizeof(t->spool_base), "%s/spool-%s", spool_dir, id);
        char path[620];
        spool_path(t, "log", path, sizeof(path));
        restore_lines(t, path);
        spool_path(t, "result", path, sizeof(path));
        restore_result(t, path);
        if (!t->restored) {
                /* killed mid-run: the journal replay at start reverted its faults */
                rift_strlcpy(t->result_msg,
                             "the agent restarted during the run; its faults were reverted by recovery",
                             sizeof(t->result_msg));
                t->result.phase = "Error";
                t->result.message = t->result_msg;
                t->result.task_id = t->msg->task_id;
                t->finished = true;
                task_log(t, "",
                         "agent restarted during the run: faults reverted by recovery; run finished: Error");
        }
        t->finished = true;
        *ret = t;
        return 1;
}

void task_request_stop(struct task *t, enum task_stop why)
{
        pthread_mutex_lock(&t->lock);
        if (t->stop == TASK_STOP_NONE && !t->finished)
                t->stop = why;
        pthread_mutex_unlock(&t->lock);
}

bool task_finished(struct task *t)
{
        pthread_mutex_lock(&t->lock);
        bool f = t->finished;
        pthread_mutex_unlock(&t->lock);
        return f;
}

const char *task_id(const struct task *t)
{
        return t->msg->task_id;
}

const char *task_run_id(const struct task *t)
{
        return t->msg->experiment_run_id;
}

size_t task_peek_lines(struct task *t, struct task_line *out, size_t max)
{
        pthread_mutex_lock(&t->lock);
        size_t n = t->n_lines < max ? t->n_lines : max;
        memcpy(out, t->lines, n * sizeof(*out));
        pthread_mutex_unlock(&t->lock);
        return n;
}

void task_ack_lines(struct task *t, uint64_t seq)
{
        pthread_mutex_lock(&t->lock);
        size_t k = 0;
        while (k < t->n_lines && t->lines[k].seq <= seq)
                free(t->lines[k++].line);
        memmove(t->lines, t->lines + k, (t->n_lines - k) * sizeof(*t->lines));
        t->n_lines -= k;
        pthread_mutex_unlock(&t->lock);
}

size_t task_pending_lines(struct task *t)
{
        pthread_mutex_lock(&t->lock);
        size_t n = t->n_lines;
        pthread_mutex_unlock(&t->lock);
        return n;
}

void task_current_step(struct task *t, char *out, size_t size)
{
        pthread_mutex_lock(&t->lock);
        rift_strlcpy(out, t->step, size);
        pthread_mutex_unlock(&t->lock);
}

Rift__Infra__V1__SubmitResultRequest *task_result(struct task *t)
{
        return t->restored ? t->restored : &t->result;
}

static void free_fault_result(Rift__Infra__V1__FaultResult *fr)
{
        for (size_t i = 0; i < fr->n_probes; i++) {
                free(fr->probes[i]->name);
                free(fr->probes[i]->message);
                free(fr->probes[i]->verdict);
                free(fr->probes[i]);
        }
        free(fr->probes);
        free(fr->step);
        free(fr->fault);
        free(fr->message);
        free(fr->verdict);
}

void task_free(struct task *t)
{
        if (!t)
                return;
        if (t->has_thread)
                pthread_join(t->thread, NULL);
        if (t->msg)
                rift__infra__v1__task__free_unpacked(t->msg, NULL);
        if (t->restored)
                rift__infra__v1__submit_result_request__free_unpacked(t->restored, NULL);
        if (t->spool_fd >= 0)
                close(t->spool_fd);
        for (size_t i = 0; i < t->result.n_faults; i++)
                free_fault_result(t->faults[i]);
        for (size_t i = 0; t->lines && i < t->n_lines; i++)
                free(t->lines[i].line);
        free(t->lines);
        free(t);
}
