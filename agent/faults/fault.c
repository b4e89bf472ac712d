/* The fault table and the tunable helpers every fault uses. Adding a fault: one file, one line here. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "agent/faults/fault.h"
#include "lib/error.h"
#include "lib/macro.h"
#include "lib/str.h"

extern const struct fault_ops fault_network_latency, fault_network_loss, fault_network_corruption,
    fault_network_duplication, fault_network_rate_limit, fault_network_partition, fault_cpu_stress,
    fault_memory_stress, fault_disk_fill, fault_disk_io_stress, fault_process_kill, fault_process_stop,
    fault_service_restart, fault_dns_error;

static const struct fault_ops *const faults[] = {
        &fault_network_latency,     &fault_network_loss,       &fault_network_corruption,
        &fault_network_duplication, &fault_network_rate_limit, &fault_network_partition,
        &fault_cpu_stress,          &fault_memory_stress,      &fault_disk_fill,
        &fault_disk_io_stress,      &fault_process_kill,       &fault_process_stop,
        &fault_service_restart,     &fault_dns_error,
};

const struct fault_ops *fault_find(const char *name)
{
        for (size_t i = 0; i < ARRAY_SIZE(faults); i++)
                if (rift_streq(faults[i]->name, name))
                        return faults[i];
        return NULL;
}

size_t fault_count(void)
{
        return ARRAY_SIZE(faults);
}

const struct fault_ops *fault_get(size_t i)
{
        return i < ARRAY_SIZE(faults) ? faults[i] : NULL;
}

int fault_revert_journal(struct fault_ctx *ctx)
{
        unsigned reverted, failed;
        int r = undo_replay_since(ctx->journal, ctx->first_id, &reverted, &failed);
        if (r < 0)
                snprintf(ctx->err, sizeof(ctx->err), "%u change(s) could not be reverted: %s", failed,
                         rift_strerror(r));
        return r;
}

int fault_fail(struct fault_ctx *ctx, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(ctx->err, sizeof(ctx->err), fmt, ap);
        va_end(ap);
        return RIFT_E_INVALID;
}

/* The tunable as text: strings as they are, numbers printed. NULL if absent. */
static const char *tun_text(const cJSON *t, const char *key, char *num, size_t size)
{
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(t, key);
        if (cJSON_IsString(v))
                return v->valuestring;
        if (cJSON_IsNumber(v)) {
                snprintf(num, size, "%.17g", v->valuedouble);
                return num;
        }
        if (cJSON_IsBool(v))
                return cJSON_IsTrue(v) ? "true" : "false";
        return v ? "" : NULL;
}

int tun_string(struct fault_ctx *ctx, const cJSON *t, const char *key, char *ret, size_t size)
{
        char num[64];
        const char *s = tun_text(t, key, num, sizeof(num));
        if (!s)
                return 0;
        if (rift_strlcpy(ret, s, size) < 0)
                return fault_fail(ctx, "%s: longer than %zu bytes", key, size - 1);
        return 0;
}

int tun_int(struct fault_ctx *ctx, const cJSON *t, const char *key, int64_t min, int64_t max, int64_t *ret)
{
        char num[64];
        const char *s = tun_text(t, key, num, sizeof(num));
        if (!s)
                return 0;
        if (rift_parse_int64(s, min, max, ret) < 0)
                return fault_fail(ctx, "%s: \"%s\" is not an integer in %lld..%lld", key, s, (long long)min,
                                  (long long)max);
        return 0;
}

int tun_double(struct fault_ctx *ctx, const cJSON *t, const char *key, double min, double max, double *ret)
{
        char num[64];
        double d;
        const char *s = tun_text(t, key, num, sizeof(num));
        if (!s)
                return 0;
        if (rift_parse_double(s, &d) < 0 || !(d >= min && d <= max))
                return fault_fail(ctx, "%s: \"%s\" is not a number in %g..%g", key, s, min, max);
        *ret = d;
        return 0;
}

int tun_bool(struct fault_ctx *ctx, const cJSON *t, const char *key, bool *ret)
{
        char num[64];
        const char *s = tun_text(t, key, num, sizeof(num));
        if (!s)
                return 0;
        if (rift_parse_bool(s, ret) < 0)
                return fault_fail(ctx, "%s: \"%s\" is not true or false", key, s);
        return 0;
}

int tun_ms(struct fault_ctx *ctx, const cJSON *t, const char *key, int64_t max, int64_t *ret)
{
        char num[64];
        int64_t v;
        const char *s = tun_text(t, key, num, sizeof(num));
        if (!s)
                return 0;
        /* a bare number is milliseconds (Harness's NETWORK_LATENCY); otherwise a duration with a unit */
        if (rift_parse_int64(s, 0, max, &v) < 0 && (rift_parse_duration_ms(s, &v) < 0 || v < 0 || v > max))
                return fault_fail(ctx, "%s: \"%s\" is not a duration up to %lld ms", key, s, (long long)max);
        *ret = v;
        return 0;
}

int tun_size_or_pct(struct fault_ctx *ctx, const cJSON *t, const char *key, uint64_t *ret_bytes,
                    double *ret_pct)
{
        char num[64], copy[64];
        const char *s = tun_text(t, key, num, sizeof(num));
        if (!s)
                return 0;
        size_t len = strlen(s);
        if (len > 1 && len < sizeof(copy) && s[len - 1] == '%') {
                double pct;
                memcpy(copy, s, len - 1);
                copy[len - 1] = '\0';
                if (rift_parse_double(copy, &pct) < 0 || !(pct > 0 && pct <= 100))
                        return fault_fail(ctx, "%s: \"%s\" is not a percentage in (0, 100]", key, s);
                *ret_pct = pct;
                *ret_bytes = 0;
                return 0;
        }
        uint64_t bytes;
        if (rift_parse_size(s, &bytes) < 0 || bytes == 0)
                return fault_fail(ctx, "%s: \"%s\" is not a size (\"256m\", \"1G\") or a percentage", key, s);
        *ret_bytes = bytes;
        *ret_pct = 0;
        return 0;
}

int tun_list(struct fault_ctx *ctx, const cJSON *t, const char *key, char *storage, size_t storage_size,
             char **words, size_t max, size_t *ret_n)
{
        storage[0] = '\0';
        int r = tun_string(ctx, t, key, storage, storage_size);
        if (r < 0)
                return r;
        size_t n = 0;
        char *save = NULL;
        for (char *w = strtok_r(storage, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
                w = rift_strstrip(w);
                if (!*w)
                        continue;
                if (n == max)
                        return fault_fail(ctx, "%s: more than %zu entries", key, max);
                words[n++] = w;
        }
        *ret_n = n;
        return 0;
}
