/* linux-service-restart (Harness's name and tunables): restarts the systemd units in SERVICES with
 * `systemctl restart`, again every INTERVAL for the duration, all at once (SEQUENCE=parallel) or one
 * unit per interval in turn (serial). Units listed in SELF_HEALING_SERVICES restart by themselves
 * (Restart= in their unit): they get `systemctl kill --signal=SIGKILL` instead, and systemd brings
 * them back. Each unit is journalled (UNDO_SERVICE) before it is touched; revert starts every one of
 * them again (`systemctl start` of a running unit changes nothing).
 *
 * Without a running systemd (no /run/systemd/system, as in containers and on the CI machines) the
 * fault fails before journalling anything, saying so. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "agent/faults/fault.h"
#include "agent/faults/service_restart.h"
#include "agent/proc.h"
#include "lib/clock.h"
#include "lib/error.h"
#include "lib/macro.h"

struct service_restart {
        char storage[SERVICE_MAX * SERVICE_NAME_MAX];
        char *units[SERVICE_MAX]; /* SERVICES then SELF_HEALING_SERVICES */
        size_t n_units;           /* used units */
        size_t n_plain;           /* units[0..n_plain) are restarted, the rest killed */
        bool serial;              /* SEQUENCE=serial */
        int64_t interval_ms;      /* INTERVAL */
        int64_t next_ms;          /* mono ms of the next round */
        size_t next_unit;         /* serial: whose turn it is */
        unsigned restarts;        /* systemctl calls that succeeded */
};

bool service_unit_name_ok(const char *u)
{
        size_t n = strlen(u);
        if (n == 0 || n >= SERVICE_NAME_MAX || u[0] == '-' || u[0] == '.')
                return false;
        for (const char *c = u; *c; c++)
                if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
                      strchr(":_.@-\\", *c)))
                        return false;
        return true;
}

int service_restart_argv(const char *unit, bool self_healing, char *argv[], size_t max)
{
        if (max < 6 || !service_unit_name_ok(unit))
                return -EINVAL;
        size_t i = 0;
        argv[i++] = "systemctl";
        if (self_healing) {
                argv[i++] = "kill";
                argv[i++] = "--signal=SIGKILL";
        } else {
                argv[i++] = "restart";
        }
        argv[i++] = "--"; /* a unit name is never taken for an option */
        argv[i++] = (char *)unit;
        argv[i] = NULL;
        return (int)i;
}

static int add_units(struct fault_ctx *ctx, const cJSON *t, const char *key, struct service_restart *s,
                     char *storage, size_t storage_size)
{
        size_t n = 0;
        int r =
            tun_list(ctx, t, key, storage, storage_size, s->units + s->n_units, SERVICE_MAX - s->n_units, &n);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++)
                if (!service_unit_name_ok(s->units[s->n_units + i]))
                        return fault_fail(ctx, "%s: \"%.64s\" is not a systemd unit name", key,
                                          s->units[s->n_units + i]);
        s->n_units += n;
        return 0;
}

static int validate(struct fault_ctx *ctx, const cJSON *t)
{
        struct service_restart *s = ctx->state;
        char seq[16] = "parallel";
        int r = add_units(ctx, t, "SERVICES", s, s->storage, sizeof(s->storage) / 2);
        if (r < 0)
                return r;
        s->n_plain = s->n_units;
        r = add_units(ctx, t, "SELF_HEALING_SERVICES", s, s->storage + sizeof(s->storage) / 2,
                      sizeof(s->storage) / 2);
        if (r < 0)
                return r;
        if (s->n_units == 0)
                return fault_fail(ctx, "SERVICES: at least one systemd unit is required");
        s->interval_ms = 10000;
        if ((r = tun_ms(ctx, t, "INTERVAL", 3600 * 1000, &s->interval_ms)) < 0 ||
            (r = tun_string(ctx, t, "SEQUENCE", seq, sizeof(seq))) < 0)
                return r;
        if (s->interval_ms < 1000)
                return fault_fail(ctx, "INTERVAL: at least 1s (a unit needs time to start)");
        if (strcmp(seq, "parallel") != 0 && strcmp(seq, "serial") != 0)
                return fault_fail(ctx, "SEQUENCE: \"%.16s\" is not parallel or serial", seq);
        s->serial = seq[0] == 's';
        return 0;
}

static bool systemd_running(void)
{
        return access("/run/systemd/system", F_OK) == 0;
}

static int act(struct fault_ctx *ctx, size_t i)
{
        struct service_restart *s = ctx->state;
        char *argv[8];
        if (service_restart_argv(s->units[i], i >= s->n_plain, argv, ARRAY_SIZE(argv)) < 0)
                return fault_fail(ctx, "SERVICES: bad unit \"%.64s\"", s->units[i]);
        int r = proc_exec(argv);
        if (r != 0)
                return fault_fail(ctx, "systemctl %s %s: %s", argv[1], s->units[i],
                                  r < 0 ? rift_strerror(r) : "failed (exit status non-zero)");
        s->restarts++;
        return 0;
}

static int round_once(struct fault_ctx *ctx)
{
        struct service_restart *s = ctx->state;
        int first = 0;
        if (s->serial) {
                first = act(ctx, s->next_unit);
                s->next_unit = (s->next_unit + 1) % s->n_units;
        } else {
                for (size_t i = 0; i < s->n_units; i++) {
                        int r = act(ctx, i);
                        if (r < 0 && first == 0)
                                first = r;
                }
        }
        s->next_ms = rift_mono_ms() + s->interval_ms;
        return first;
}

static int inject(struct fault_ctx *ctx)
{
        struct service_restart *s = ctx->state;
        if (!systemd_running())
                return fault_fail(ctx, "systemd is not running on this machine (no /run/systemd/system): "
                                       "cannot restart SERVICES");
        for (size_t i = 0; i < s->n_units; i++) {
                struct undo_entry e = { .kind = UNDO_SERVICE };
                snprintf(e.name, sizeof(e.name), "%s", s->units[i]);
                int r = undo_record(ctx->journal, &e, NULL);
                if (r < 0)
                        return fault_fail(ctx, "journal: %s", rift_strerror(r));
        }
        undo_crash_point("after-record");
        int r = round_once(ctx);
        undo_crash_point("after-change");
        return r;
}

static int tick(struct fault_ctx *ctx)
{
        struct service_restart *s = ctx->state;
        if (rift_mono_ms() < s->next_ms)
                return 0;
        return round_once(ctx);
}

static int status(struct fault_ctx *ctx, cJSON *out)
{
        struct service_restart *s = ctx->state;
        cJSON *arr = cJSON_AddArrayToObject(out, "services");
        for (size_t i = 0; arr && i < s->n_units; i++)
                cJSON_AddItemToArray(arr, cJSON_CreateString(s->units[i]));
        cJSON_AddNumberToObject(out, "restarts", s->restarts);
        return 0;
}

const struct fault_ops fault_service_restart = {
        .name = "linux-service-restart",
        .state_size = sizeof(struct service_restart),
        .validate = validate,
        .inject = inject,
        .tick = tick,
        .revert = fault_revert_journal,
        .status = status,
};
