/* Agent-side fault counters (see metrics.h): a small table, one row per fault type. */
#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#include "agent/metrics.h"
#include "lib/str.h"
#include "proto/infra.pb-c.h"

struct row {
        char fault[64];                 /* fault type, "" = free row */
        uint64_t v[AGENT_METRIC_KINDS]; /* totals */
};

static struct row rows[AGENT_METRICS_MAX_FAULTS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER; /* runs count on their threads, the daemon reads */

static struct row *row_of(const char *fault, bool create)
{
        const char *name = fault && fault[0] && strlen(fault) < sizeof(rows[0].fault) ? fault : "other";

        for (size_t i = 0; i < AGENT_METRICS_MAX_FAULTS; i++) {
                if (!strcmp(rows[i].fault, name))
                        return &rows[i];
                if (!rows[i].fault[0]) {
                        if (!create)
                                return NULL;
                        /* the last row is kept for "other" once the table is full */
                        if (i == AGENT_METRICS_MAX_FAULTS - 1 && strcmp(name, "other") != 0)
                                return row_of("other", true);
                        rift_strlcpy(rows[i].fault, name, sizeof(rows[i].fault));
                        return &rows[i];
                }
        }
        return create && strcmp(name, "other") != 0 ? row_of("other", false) : NULL;
}

void agent_metrics_count(const char *fault, enum agent_metric what)
{
        pthread_mutex_lock(&lock);
        struct row *r = row_of(fault, true);
        if (r && what < AGENT_METRIC_KINDS)
                r->v[what]++;
        pthread_mutex_unlock(&lock);
}

uint64_t agent_metrics_get(const char *fault, enum agent_metric what)
{
        pthread_mutex_lock(&lock);
        const struct row *r = row_of(fault, false);
        uint64_t v = r && what < AGENT_METRIC_KINDS ? r->v[what] : 0;
        pthread_mutex_unlock(&lock);
        return v;
}

size_t agent_metrics_snapshot(struct Rift__Infra__V1__FaultCounter *buf,
                              struct Rift__Infra__V1__FaultCounter **ptrs, size_t n)
{
        size_t k = 0;

        pthread_mutex_lock(&lock);
        for (size_t i = 0; i < AGENT_METRICS_MAX_FAULTS && k < n && rows[i].fault[0]; i++, k++) {
                rift__infra__v1__fault_counter__init(&buf[k]);
                buf[k].fault = rows[i].fault;
                buf[k].injected = rows[i].v[AGENT_INJECT_OK];
                buf[k].inject_failed = rows[i].v[AGENT_INJECT_FAILED];
                buf[k].reverted = rows[i].v[AGENT_REVERT_OK];
                buf[k].revert_failed = rows[i].v[AGENT_REVERT_FAILED];
                ptrs[k] = &buf[k];
        }
        pthread_mutex_unlock(&lock);
        return k;
}

void agent_metrics_reset(void)
{
        pthread_mutex_lock(&lock);
        memset(rows, 0, sizeof(rows));
        pthread_mutex_unlock(&lock);
}
