/* Runs one fault spec: recover leftovers, validate, inject (every change journalled first), wait for
 * the duration or SIGTERM/SIGINT on a libevent loop, revert. */
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agent/netfilter.h"
#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/error.h"
#include "lib/log.h"
#include "lib/macro.h"
#include "lib/str.h"

#define DEFAULT_DURATION_MS 30000LL
#define MAX_DURATION_MS     (24LL * 3600 * 1000)
#define RECOVER_MAX_BATCHES 64 /* iptables batches tried before the entry-by-entry replay */

void runner_ctx_free(struct fault_ctx *ctx)
{
        free(ctx->state);
        ctx->state = NULL;
}

static int parse_duration(const cJSON *spec, struct fault_ctx *ctx)
{
        const cJSON *d = cJSON_GetObjectItemCaseSensitive(spec, "duration");
        ctx->duration_ms = DEFAULT_DURATION_MS;
        if (!d)
                return 0;
        if (cJSON_IsNumber(d) && d->valuedouble >= 1 && d->valuedouble <= MAX_DURATION_MS / 1000)
                ctx->duration_ms = (int64_t)(d->valuedouble * 1000);
        else if (!cJSON_IsString(d) || rift_parse_duration_ms(d->valuestring, &ctx->duration_ms) < 0 ||
                 ctx->duration_ms < 100 || ctx->duration_ms > MAX_DURATION_MS)
                return fault_fail(ctx, "duration: must be between 100ms and 24h (\"30s\")");
        return 0;
}

static int parse_spec_json(const cJSON *spec, struct fault_ctx *ctx)
{
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(spec, "fault");
        const cJSON *tun = cJSON_GetObjectItemCaseSensitive(spec, "tunables");
        if (!cJSON_IsString(name))
                return fault_fail(ctx, "fault: missing (a fault name such as \"linux-cpu-stress\")");
        ctx->ops = fault_find(name->valuestring);
        if (!ctx->ops)
                return fault_fail(ctx, "fault: unknown fault \"%.64s\"", name->valuestring);
        if (tun && !cJSON_IsObject(tun))
                return fault_fail(ctx, "tunables: must be an object");
        int r = parse_duration(spec, ctx);
        if (r < 0)
                return r;
        ctx->state = calloc(1, ctx->ops->state_size);
        if (!ctx->state)
                return -ENOMEM;
        static const cJSON empty = { .type = cJSON_Object };
        return ctx->ops->validate(ctx, tun ? tun : &empty);
}

int runner_parse_spec(const char *text, size_t len, struct fault_ctx *ctx)
{
        if (len > RIFT_MAX_FAULT_SPEC)
                return fault_fail(ctx, "spec: larger than %u bytes", RIFT_MAX_FAULT_SPEC);
        cJSON *spec = cJSON_ParseWithLength(text, len);
        if (!cJSON_IsObject(spec)) {
                cJSON_Delete(spec);
                fault_fail(ctx, "spec: not a JSON object");
                return RIFT_E_PARSE;
        }
        int r = parse_spec_json(spec, ctx);
        cJSON_Delete(spec);
        return r;
}

static int read_file(const char *path, struct rift_buf *b)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        for (;;) {
                char chunk[4096];
                ssize_t n = read(fd, chunk, sizeof(chunk));
                if (n < 0)
                        return -errno;
                if (n == 0)
                        return 0;
                int r = rift_buf_append(b, chunk, (size_t)n);
                if (r < 0)
                        return r;
        }
}

/* Prints one JSON event line on stdout (for tests and operators). */
static void emit(const char *event, struct fault_ctx *ctx, int err)
{
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "event", event);
        cJSON_AddStringToObject(o, "fault", ctx->ops ? ctx->ops->name : "");
        cJSON_AddNumberToObject(o, "pid", getpid());
        if (err)
                cJSON_AddStringToObject(o, "error", ctx->err[0] ? ctx->err : rift_strerror(err));
        if (ctx->ops && ctx->ops->status && ctx->state && !err)
                ctx->ops->status(ctx, o);
        char *text = cJSON_PrintUnformatted(o);
        if (text) {
                printf("%s\n", text);
                fflush(stdout);
        }
        free(text);
        cJSON_Delete(o);
}

int runner_recover(const char *journal_dir)
{
        struct undo_journal *j;
        unsigned reverted = 0, failed = 0;
        int r = undo_open(journal_dir, &j);
        if (r < 0) {
                log_error("cannot open the undo journal", LOG_STR("dir", journal_dir), LOG_ERR(r));
                return AGENT_EXIT_REVERT_FAILED;
        }
        size_t open_entries = undo_open_count(j);
        /* a killed network fault's chains and jumps: one transaction per family, as a revert does */
        netfilter_revert_batches(j, 0, RECOVER_MAX_BATCHES);
        size_t batched = open_entries - undo_open_count(j);
        r = undo_replay(j, &reverted, &failed);
        reverted += (unsigned)batched;
        undo_close(j);
        if (open_entries)
                log_info("recovered leftover chaos", LOG_INT("reverted", reverted),
                         LOG_INT("failed", failed));
        if (r < 0) {
                log_error("revert failed: a person must check this machine", LOG_STR("dir", journal_dir),
                          LOG_INT("failed", failed), LOG_ERR(r));
                return AGENT_EXIT_REVERT_FAILED;
        }
        return AGENT_EXIT_OK;
}

static void on_stop(evutil_socket_t fd, short what, void *arg)
{
        event_base_loopbreak(arg);
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
        struct fault_ctx *ctx = arg;
        ctx->ops->tick(ctx);
}

/* Waits for the duration, SIGTERM or SIGINT. Those signals are blocked on entry; unblocked here. */
static int wait_active(struct fault_ctx *ctx, const sigset_t *old_mask)
{
        struct event_base *base = event_base_new();
        if (!base)
                return -ENOMEM;
        struct event *term = evsignal_new(base, SIGTERM, on_stop, base);
        struct event *intr = evsignal_new(base, SIGINT, on_stop, base);
        struct event *done = evtimer_new(base, on_stop, base);
        struct event *tick = ctx->ops->tick ? event_new(base, -1, EV_PERSIST, on_tick, ctx) : NULL;
        struct timeval dur = { .tv_sec = ctx->duration_ms / 1000,
                               .tv_usec = (ctx->duration_ms % 1000) * 1000 };
        struct timeval sec = { .tv_sec = 1 };
        evsignal_add(term, NULL);
        evsignal_add(intr, NULL);
        evtimer_add(done, &dur);
        if (tick)
                event_add(tick, &sec);
        sigprocmask(SIG_SETMASK, old_mask, NULL);
        event_base_dispatch(base);
        if (tick)
                event_free(tick);
        event_free(done);
        event_free(intr);
        event_free(term);
        event_base_free(base);
        return 0;
}

static int revert(struct fault_ctx *ctx)
{
        int r = ctx->ops->revert(ctx);
        if (r < 0) {
                log_error("revert failed: a person must check this machine", LOG_STR("fault", ctx->ops->name),
                          LOG_STR("detail", ctx->err));
                emit("revert_failed", ctx, r);
                return AGENT_EXIT_REVERT_FAILED;
        }
        log_info("reverted", LOG_STR("fault", ctx->ops->name));
        emit("reverted", ctx, 0);
        return AGENT_EXIT_OK;
}

static int inject_and_wait(struct fault_ctx *ctx)
{
        sigset_t block, old;
        sigemptyset(&block);
        sigaddset(&block, SIGTERM);
        sigaddset(&block, SIGINT);
        sigprocmask(SIG_BLOCK, &block, &old);
        ctx->first_id = undo_last_id(ctx->journal);
        ctx->deadline_mono_ms = rift_mono_ms() + ctx->duration_ms;
        int r = ctx->ops->inject(ctx);
        if (r < 0) {
                log_error("inject failed; reverting", LOG_STR("fault", ctx->ops->name),
                          LOG_STR("detail", ctx->err));
                emit("inject_failed", ctx, r);
                sigprocmask(SIG_SETMASK, &old, NULL);
                return revert(ctx) == AGENT_EXIT_OK ? AGENT_EXIT_INJECT_FAILED : AGENT_EXIT_REVERT_FAILED;
        }
        undo_crash_point("after-inject");
        log_info("injected", LOG_STR("fault", ctx->ops->name), LOG_INT("duration_ms", ctx->duration_ms));
        emit("injected", ctx, 0);
        wait_active(ctx, &old);
        return revert(ctx);
}

int runner_run(const struct runner_options *o)
{
        struct fault_ctx ctx = { .control_plane = o->control_plane };
        struct rift_buf b;
        rift_buf_init(&b, RIFT_MAX_FAULT_SPEC + 1);
        int r = read_file(o->spec_path, &b);
        if (r == 0)
                r = runner_parse_spec(b.data ? b.data : "", b.len, &ctx);
        rift_buf_free(&b);
        if (r < 0) {
                log_error("invalid fault spec", LOG_STR("spec", o->spec_path),
                          LOG_STR("detail", ctx.err[0] ? ctx.err : rift_strerror(r)));
                emit("invalid", &ctx, r);
                runner_ctx_free(&ctx);
                return AGENT_EXIT_USAGE;
        }
        if (o->check_only) {
                runner_ctx_free(&ctx);
                return AGENT_EXIT_OK;
        }
        r = runner_recover(o->journal_dir); /* leftovers of a crashed run go first */
        if (r == AGENT_EXIT_OK && (r = undo_open(o->journal_dir, &ctx.journal)) < 0) {
                log_error("cannot open the undo journal", LOG_STR("dir", o->journal_dir), LOG_ERR(r));
                r = AGENT_EXIT_REVERT_FAILED;
        }
        if (r == AGENT_EXIT_OK)
                r = inject_and_wait(&ctx);
        undo_close(ctx.journal);
        runner_ctx_free(&ctx);
        return r;
}
