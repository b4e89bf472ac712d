/* Probe sets and the mode scheduler: SOT/EOT/Edge run on the caller's thread at their phase; each
 * Continuous or OnChaos probe gets one thread that polls until the post-chaos cancel (or the end of the
 * chaos window). Results are kept per probe under the set's lock. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent/probes/probe_ops.h"
#include "lib/clock.h"
#include "lib/error.h"
#include "lib/limits_rift.h"
#include "lib/macro.h"
#include "lib/str.h"

struct probe_slot {
        struct probe_def def;       /* what to run */
        struct probe_set *set;      /* back pointer for the thread */
        pthread_t thread;           /* Continuous/OnChaos worker */
        bool thread_started;        /* thread must be joined */
        int64_t window_end_ms;      /* OnChaos: monotonic end of the chaos window (0 = none) */
        enum probe_verdict verdict; /* current verdict */
        enum probe_verdict pre;     /* Edge: PreChaos verdict */
        char description[256];      /* why */
        char reg[256];              /* last output */
        unsigned runs;              /* completed runs */
};

struct probe_set {
        size_t n;                 /* probes */
        struct probe_slot *slots; /* n slots */
        pthread_mutex_t lock;     /* guards slot results and cancel */
        pthread_cond_t cond;      /* signalled on cancel */
        bool cancel;              /* PostChaos reached: background probes stop */
        atomic_bool stop;         /* a stopOnFailure probe failed */
        enum probe_phase next;    /* the phase expected next */
};

int probe_set_parse(const char *json, size_t len, char *err, size_t errsz, struct probe_set **ret)
{
        struct probe_def *defs;
        size_t n;
        int r = probe_defs_parse(json, len, err, errsz, &defs, &n);
        if (r < 0)
                return r;
        struct probe_set *s = calloc(1, sizeof *s);
        struct probe_slot *slots = calloc(n ? n : 1, sizeof *slots);
        pthread_condattr_t ca;
        if (!s || !slots) {
                for (size_t i = 0; i < n; i++)
                        probe_def_done(&defs[i]);
                free(defs);
                free(s);
                free(slots);
                return -ENOMEM;
        }
        for (size_t i = 0; i < n; i++)
                slots[i] = (struct probe_slot){ .def = defs[i], .set = s };
        free(defs);
        pthread_mutex_init(&s->lock, NULL);
        pthread_condattr_init(&ca);
        pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        pthread_cond_init(&s->cond, &ca);
        pthread_condattr_destroy(&ca);
        s->n = n;
        s->slots = slots;
        *ret = s;
        return 0;
}

static void cancel_and_join(struct probe_set *s)
{
        pthread_mutex_lock(&s->lock);
        s->cancel = true;
        pthread_cond_broadcast(&s->cond);
        pthread_mutex_unlock(&s->lock);
        for (size_t i = 0; i < s->n; i++)
                if (s->slots[i].thread_started) {
                        pthread_join(s->slots[i].thread, NULL);
                        s->slots[i].thread_started = false;
                }
}

void probe_set_free(struct probe_set *s)
{
        if (!s)
                return;
        cancel_and_join(s);
        for (size_t i = 0; i < s->n; i++)
                probe_def_done(&s->slots[i].def);
        free(s->slots);
        pthread_mutex_destroy(&s->lock);
        pthread_cond_destroy(&s->cond);
        free(s);
}

size_t probe_set_count(const struct probe_set *s)
{
        return s ? s->n : 0;
}

const struct probe_def *probe_set_def(const struct probe_set *s, size_t i)
{
        return s && i < s->n ? &s->slots[i].def : NULL;
}

int probe_set_result(const struct probe_set *s, size_t i, struct probe_result *ret)
{
        if (!s || i >= s->n)
                return -EINVAL;
        const struct probe_slot *sl = &s->slots[i];
        pthread_mutex_lock((pthread_mutex_t *)&s->lock);
        *ret = (struct probe_result){ .name = sl->def.name,
                                      .type = sl->def.type,
                                      .mode = sl->def.mode,
                                      .verdict = sl->verdict,
                                      .runs = sl->runs };
        memcpy(ret->description, sl->description, sizeof ret->description);
        memcpy(ret->register_, sl->reg, sizeof ret->register_);
        pthread_mutex_unlock((pthread_mutex_t *)&s->lock);
        return 0;
}

bool probe_set_stop_requested(const struct probe_set *s)
{
        return s && atomic_load(&s->stop);
}

/* Sleeps ms unless the set is cancelled first; returns true if cancelled. s may be NULL (plain sleep). */
static bool wait_cancel(struct probe_set *s, int64_t ms)
{
        struct timespec ts;
        bool cancelled;

        if (!s) {
                struct timespec d = { ms / 1000, (ms % 1000) * 1000000 };
                while (ms > 0 && nanosleep(&d, &d) < 0 && errno == EINTR)
                        ;
                return false;
        }
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_sec += ms / 1000;
        ts.tv_nsec += (ms % 1000) * 1000000;
        if (ts.tv_nsec >= 1000000000) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000;
        }
        pthread_mutex_lock(&s->lock);
        while (!s->cancel && ms > 0 && pthread_cond_timedwait(&s->cond, &s->lock, &ts) != ETIMEDOUT)
                ;
        cancelled = s->cancel;
        pthread_mutex_unlock(&s->lock);
        return cancelled;
}

/* All tries of one run: passes at the first passing try; tries are spaced by interval. */
static int run_tries(struct probe_set *s, const struct probe_def *def, struct probe_outcome *out, char *reg,
                     size_t regsz)
{
        const struct probe_ops *ops = probe_ops_of(def->type);
        for (unsigned i = 0; i < def->run.tries; i++) {
                *out = (struct probe_outcome){ 0 };
                int r = ops->run(def, def->run.timeout_ms, out, reg, regsz);
                if (r < 0)
                        snprintf(out->description, sizeof out->description, "probe error: %s",
                                 rift_strerror(r));
                if (out->passed)
                        return 0;
                if (i + 1 < def->run.tries && wait_cancel(s, def->run.interval_ms))
                        break;
        }
        return 0;
}

int probe_run_def(const struct probe_def *def, struct probe_outcome *ret_out, char *reg, size_t regsz)
{
        if (!def || !probe_ops_of(def->type))
                return -EINVAL;
        return run_tries(NULL, def, ret_out, reg, regsz);
}

/* Records one run. A failure is final at once; a pass is final only if `final` (a probe that will run
 * again stays Awaited, as Litmus shows a running probe). */
static void slot_record(struct probe_slot *sl, const struct probe_outcome *o, const char *reg, bool final)
{
        struct probe_set *s = sl->set;
        pthread_mutex_lock(&s->lock);
        sl->runs++;
        if (!o->passed)
                sl->verdict = PROBE_FAILED;
        else if (final)
                sl->verdict = PROBE_PASSED;
        if (o->passed)
                snprintf(sl->description, sizeof sl->description, "probe passed: %.200s", o->description);
        else
                snprintf(sl->description, sizeof sl->description, "%.250s", o->description);
        rift_strlcpy(sl->reg, reg, sizeof sl->reg);
        pthread_mutex_unlock(&s->lock);
        if (!o->passed && sl->def.run.stop_on_failure)
                atomic_store(&s->stop, true);
}

/* The register of the probe named name[0..len), or NULL. Caller holds the lock. */
static const char *register_of(const struct probe_set *s, const char *name, size_t len)
{
        for (size_t i = 0; i < s->n; i++)
                if (strlen(s->slots[i].def.name) == len && memcmp(s->slots[i].def.name, name, len) == 0)
                        return s->slots[i].reg;
        return NULL;
}

/* Probe chaining: replaces each {{ .<probe>.ProbeArtifacts.Register }} in text with that probe's last
 * output (empty if it has not run). Unknown names are left as written. */
static char *expand_registers(struct probe_set *s, const char *text)
{
        static const char open_tag[] = "{{", key[] = ".ProbeArtifacts.Register";
        _cleanup_free_ char *out = malloc(RIFT_PROBE_MAX_TEXT * 2 + 1);
        size_t len = 0, cap = RIFT_PROBE_MAX_TEXT * 2;
        if (!out)
                return NULL;
        pthread_mutex_lock(&s->lock);
        for (const char *p = text; *p;) {
                const char *b = strstr(p, open_tag), *e = b ? strstr(b, "}}") : NULL;
                const char *val = NULL;
                size_t n = b && e ? (size_t)(b - p) : strlen(p);
                if (b && e) {
                        const char *q = b + 2;
                        while (*q == ' ')
                                q++;
                        const char *k = strstr(q, key);
                        if (*q == '.' && k && k < e)
                                val = register_of(s, q + 1, (size_t)(k - q - 1));
                        if (!val)
                                n = (size_t)(e + 2 - p); /* not a register reference: keep as written */
                }
                n = MIN(n, cap - len);
                memcpy(out + len, p, n);
                len += n;
                if (val) {
                        size_t vn = MIN(strlen(val), cap - len);
                        memcpy(out + len, val, vn);
                        len += vn;
                }
                p = b && e ? e + 2 : p + strlen(p);
        }
        pthread_mutex_unlock(&s->lock);
        out[len] = '\0';
        return TAKE_PTR(out);
}

/* All tries of one run of a slot's probe, with registers of earlier probes substituted (cmdProbe). */
static void run_slot(struct probe_slot *sl, struct probe_set *cancel, struct probe_outcome *o, char *reg,
                     size_t regsz)
{
        struct probe_def d = sl->def;
        _cleanup_free_ char *cmd = NULL;
        if (d.type == PROBE_TYPE_CMD && strstr(d.cmd.command, "{{") &&
            (cmd = expand_registers(sl->set, d.cmd.command)))
                d.cmd.command = cmd;
        run_tries(cancel, &d, o, reg, regsz);
}

/* One synchronous run (SOT, EOT, Edge); returns the verdict. */
static enum probe_verdict run_sync(struct probe_slot *sl, bool final)
{
        struct probe_outcome o;
        char reg[256] = "";
        if (sl->def.run.initial_delay_ms > 0)
                wait_cancel(NULL, sl->def.run.initial_delay_ms);
        run_slot(sl, NULL, &o, reg, sizeof reg);
        slot_record(sl, &o, reg, final);
        return o.passed ? PROBE_PASSED : PROBE_FAILED;
}

static bool window_over(const struct probe_slot *sl, int64_t started)
{
        int64_t now = rift_mono_ms();
        if (sl->window_end_ms && now >= sl->window_end_ms)
                return true;
        return sl->def.run.eval_timeout_ms > 0 && now - started >= sl->def.run.eval_timeout_ms;
}

/* Continuous / OnChaos worker: at least one run, then every probePollingInterval; the first failure ends it. */
static void *background_main(void *ud)
{
        struct probe_slot *sl = ud;
        struct probe_set *s = sl->set;
        int64_t started = rift_mono_ms();

        if (sl->def.run.initial_delay_ms > 0)
                wait_cancel(s, sl->def.run.initial_delay_ms);
        for (;;) {
                struct probe_outcome o;
                char reg[256] = "";
                run_slot(sl, s, &o, reg, sizeof reg);
                slot_record(sl, &o, reg, false);
                if (!o.passed)
                        return NULL;
                if (window_over(sl, started) || wait_cancel(s, sl->def.run.polling_ms) ||
                    window_over(sl, started))
                        break;
        }
        pthread_mutex_lock(&s->lock);
        sl->verdict = PROBE_PASSED; /* every run passed until the end of its window */
        pthread_mutex_unlock(&s->lock);
        return NULL;
}

static int start_background(struct probe_set *s, enum probe_mode mode, int64_t window_ms)
{
        for (size_t i = 0; i < s->n; i++) {
                struct probe_slot *sl = &s->slots[i];
                if (sl->def.mode != mode)
                        continue;
                sl->window_end_ms = window_ms > 0 ? rift_mono_ms() + window_ms : 0;
                int r = pthread_create(&sl->thread, NULL, background_main, sl);
                if (r != 0)
                        return -r;
                sl->thread_started = true;
        }
        return 0;
}

static int phase_pre(struct probe_set *s)
{
        for (size_t i = 0; i < s->n; i++) {
                struct probe_slot *sl = &s->slots[i];
                if (sl->def.mode != PROBE_MODE_SOT && sl->def.mode != PROBE_MODE_EDGE)
                        continue;
                sl->pre = run_sync(sl, sl->def.mode == PROBE_MODE_SOT);
                if (sl->pre == PROBE_FAILED && sl->def.run.stop_on_failure)
                        return 1;
        }
        return start_background(s, PROBE_MODE_CONTINUOUS, 0);
}

static int phase_post(struct probe_set *s)
{
        cancel_and_join(s);
        if (atomic_load(&s->stop))
                return 1;
        for (size_t i = 0; i < s->n; i++) {
                struct probe_slot *sl = &s->slots[i];
                if (sl->def.mode != PROBE_MODE_EOT && sl->def.mode != PROBE_MODE_EDGE)
                        continue;
                enum probe_verdict v = run_sync(sl, true);
                if (sl->def.mode == PROBE_MODE_EDGE) {
                        pthread_mutex_lock(&s->lock);
                        sl->verdict = probe_edge_verdict(sl->pre, v);
                        if (sl->pre == PROBE_FAILED)
                                snprintf(sl->description, sizeof sl->description, "failed before chaos");
                        pthread_mutex_unlock(&s->lock);
                }
                if (v == PROBE_FAILED && sl->def.run.stop_on_failure)
                        return 1;
        }
        return 0;
}

int probe_run_phase(struct probe_set *s, enum probe_phase phase, int64_t chaos_duration_ms)
{
        int r;
        if (!s)
                return -EINVAL;
        if (phase < s->next || phase > PROBE_PHASE_POST_CHAOS)
                return RIFT_E_CONFLICT;
        s->next = phase + 1;
        switch (phase) {
        case PROBE_PHASE_PRE_CHAOS:
                r = phase_pre(s);
                break;
        case PROBE_PHASE_CHAOS_START:
                r = start_background(s, PROBE_MODE_ONCHAOS, chaos_duration_ms);
                break;
        default:
                r = phase_post(s);
                break;
        }
        if (r == 1)
                atomic_store(&s->stop, true);
        return r;
}

int probe_set_score(struct probe_set *s, enum probe_exp_verdict fault_verdict, struct probe_score *ret)
{
        enum probe_verdict v[RIFT_PROBE_MAX_PROBES];
        if (!s)
                return -EINVAL;
        cancel_and_join(s);
        for (size_t i = 0; i < s->n; i++)
                v[i] = s->slots[i].verdict;
        if (fault_verdict == PROBE_EXP_PASS && atomic_load(&s->stop))
                fault_verdict = PROBE_EXP_STOPPED;
        probe_score_compute(v, s->n, fault_verdict, ret);
        for (size_t i = 0; i < s->n; i++)
                s->slots[i].verdict = v[i];
        return 0;
}
