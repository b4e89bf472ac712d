/* Privilege separation's messages (see privsep.h): building and checking them. Pure functions, so
 * the fuzz target links this file alone. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include "agent/privsep.h"

void privsep_request_init(struct privsep_request *rq, enum privsep_type type)
{
        memset(rq, 0, sizeof(*rq));
        rq->magic = PRIVSEP_MAGIC;
        rq->version = PRIVSEP_VERSION;
        rq->type = (uint16_t)type;
        rq->size = sizeof(*rq);
}

int privsep_request_add_tunable(struct privsep_request *rq, const char *key, const char *value, char *err,
                                size_t err_size)
{
        if (rq->n_tunables >= PRIVSEP_MAX_TUNABLES) {
                snprintf(err, err_size, "tunables: more than %u", PRIVSEP_MAX_TUNABLES);
                return -E2BIG;
        }
        if (strlen(key) >= PRIVSEP_NAME_MAX || strlen(value) >= PRIVSEP_VALUE_MAX) {
                snprintf(err, err_size, "%.64s: longer than %u bytes", key,
                         strlen(key) >= PRIVSEP_NAME_MAX ? PRIVSEP_NAME_MAX - 1 : PRIVSEP_VALUE_MAX - 1);
                return -E2BIG;
        }
        struct privsep_tunable *t = &rq->tunables[rq->n_tunables++];
        memcpy(t->key, key, strlen(key) + 1);
        memcpy(t->value, value, strlen(value) + 1);
        return 0;
}

enum charset { CS_FAULT, CS_KEY, CS_VALUE, CS_HOST, CS_ACCESS_KEY, CS_TEXT };

static bool char_ok(unsigned char c, enum charset cs)
{
        switch (cs) {
        case CS_FAULT:
                return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
        case CS_KEY:
                return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
        case CS_HOST:
                return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       strchr(".-:[]%_", c);
        case CS_ACCESS_KEY:
                return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       strchr("._~+/=-", c);
        case CS_VALUE:
        case CS_TEXT:
                return c >= 0x20 && c != 0x7f;
        }
        return false;
}

/* A string field: terminated inside the field, only zeros after the terminator, its character set.
 * Returns its length, or -1. */
static ssize_t field_len(const char *f, size_t size, enum charset cs)
{
        const char *nul = memchr(f, '\0', size);
        if (!nul)
                return -1;
        size_t n = (size_t)(nul - f);
        for (size_t i = 0; i < n; i++)
                if (!char_ok((unsigned char)f[i], cs))
                        return -1;
        for (size_t i = n; i < size; i++)
                if (f[i])
                        return -1;
        return (ssize_t)n;
}

static bool zeroed(const void *p, size_t n)
{
        const unsigned char *b = p;
        for (size_t i = 0; i < n; i++)
                if (b[i])
                        return false;
        return true;
}

static int refuse(char *err, size_t err_size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int refuse(char *err, size_t err_size, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, err_size, fmt, ap);
        va_end(ap);
        return -EBADMSG;
}

int privsep_request_check(const void *buf, size_t len, struct privsep_request *ret, char *err,
                          size_t err_size)
{
        struct privsep_request rq;
        if (len != sizeof(rq))
                return refuse(err, err_size, "request: %zu bytes, expected %zu", len, sizeof(rq));
        memcpy(&rq, buf, sizeof(rq));
        if (rq.magic != PRIVSEP_MAGIC || rq.version != PRIVSEP_VERSION || rq.size != sizeof(rq))
                return refuse(err, err_size, "request: bad magic, version or size");
        if (rq.type < PRIVSEP_INJECT || rq.type >= _PRIVSEP_TYPE_MAX)
                return refuse(err, err_size, "request: unknown type %u", rq.type);
        if (rq.reserved)
                return refuse(err, err_size, "request: reserved field is not zero");
        ssize_t fault = field_len(rq.fault, sizeof(rq.fault), CS_FAULT);
        ssize_t host = field_len(rq.control_plane, sizeof(rq.control_plane), CS_HOST);
        ssize_t key = field_len(rq.key, sizeof(rq.key), CS_ACCESS_KEY);
        if (fault < 0 || host < 0 || key < 0)
                return refuse(err, err_size, "request: a name field is not a terminated, valid string");
        if (rq.n_tunables > PRIVSEP_MAX_TUNABLES)
                return refuse(err, err_size, "request: %u tunables, at most %u", rq.n_tunables,
                              PRIVSEP_MAX_TUNABLES);
        for (uint32_t i = 0; i < PRIVSEP_MAX_TUNABLES; i++) {
                const struct privsep_tunable *t = &rq.tunables[i];
                if (i >= rq.n_tunables) {
                        if (!zeroed(t, sizeof(*t)))
                                return refuse(err, err_size, "request: unused tunable %u is not zero", i);
                        continue;
                }
                if (field_len(t->key, sizeof(t->key), CS_KEY) <= 0 ||
                    field_len(t->value, sizeof(t->value), CS_VALUE) < 0)
                        return refuse(err, err_size, "request: tunable %u is not a valid KEY and value", i);
                for (uint32_t k = 0; k < i; k++)
                        if (strcmp(rq.tunables[k].key, t->key) == 0)
                                return refuse(err, err_size, "request: tunable %.64s given twice", t->key);
        }
        bool inject = rq.type == PRIVSEP_INJECT || rq.type == PRIVSEP_DRYRUN,
             store = rq.type == PRIVSEP_STORE_KEY;
        if (inject && (fault == 0 || rq.duration_ms < PRIVSEP_MIN_DURATION ||
                       rq.duration_ms > PRIVSEP_MAX_DURATION || rq.handle || key))
                return refuse(err, err_size, "inject: needs a fault, a duration of 100ms..24h, no handle");
        if (!inject && (fault || host || rq.n_tunables || rq.duration_ms))
                return refuse(err, err_size, "request: fault fields are only allowed in inject");
        if (store && (key == 0 || rq.handle))
                return refuse(err, err_size, "store-key: needs a key and no handle");
        if (!inject && !store && (key || rq.handle >= PRIVSEP_MAX_FAULTS))
                return refuse(err, err_size, "request: handle %u out of range", rq.handle);
        *ret = rq;
        return 0;
}

int privsep_reply_check(const void *buf, size_t len, enum privsep_type type, struct privsep_reply *ret)
{
        struct privsep_reply rp;
        if (len != sizeof(rp))
                return -EBADMSG;
        memcpy(&rp, buf, sizeof(rp));
        if (rp.magic != PRIVSEP_MAGIC || rp.version != PRIVSEP_VERSION || rp.size != sizeof(rp) ||
            rp.type != type || rp.status > 0 || rp.revert_status > 0 || rp.handle >= PRIVSEP_MAX_FAULTS ||
            field_len(rp.text, sizeof(rp.text), CS_TEXT) < 0)
                return -EBADMSG;
        *ret = rp;
        return 0;
}

void privsep_text_sanitize(char *text)
{
        for (char *c = text; *c; c++)
                if (!char_ok((unsigned char)*c, CS_TEXT))
                        *c = '?';
}
