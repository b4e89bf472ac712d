/* The agent's local policy file (see policy.h), turned into the guard form of lib/guard.h so the
 * agent and the backend apply the same rules. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/policy.h"
#include "lib/error.h"
#include "lib/guard.h"
#include "lib/macro.h"
#include "lib/str.h"

struct agent_policy {
        cJSON *guards; /* lib/guard.h form */
};

static struct agent_policy *active;
static char active_path[512];

/* Policy keys and their guard names. */
enum pkind { P_LIST, P_INT, P_DURATION };
static const struct pkey {
        const char *key;   /* in the file */
        const char *guard; /* in lib/guard.h */
        enum pkind kind;   /* value type */
        long max;          /* P_INT upper bound */
} keys[] = {
        { "allowed_faults", "allowedFaults", P_LIST, 0 },
        { "forbidden_faults", "forbiddenFaults", P_LIST, 0 },
        { "allowed_cidrs", "allowedCIDRs", P_LIST, 0 },
        { "allowed_hosts", "allowedHosts", P_LIST, 0 },
        { "allowed_ports", "allowedPorts", P_LIST, 0 },
        { "allowed_process_names", "allowedProcessNames", P_LIST, 0 },
        { "allowed_paths", "allowedPaths", P_LIST, 0 },
        { "max_duration", "maxDurationMs", P_DURATION, 0 },
        { "max_concurrent_faults", "maxConcurrentFaults", P_INT, 64 },
        { "max_cpu_load", "maxCpuLoad", P_INT, 100 },
        { "max_disk_fill", "maxDiskFill", P_INT, 100 },
};

static char *trim(char *s)
{
        size_t l;

        while (*s == ' ' || *s == '\t')
                s++;
        l = strlen(s);
        while (l && (s[l - 1] == ' ' || s[l - 1] == '\t' || s[l - 1] == '\r'))
                s[--l] = '\0';
        return s;
}

static int set_value(cJSON *g, const struct pkey *k, char *v)
{
        char *end, *save = NULL;
        int64_t ms;
        long n;

        switch (k->kind) {
        case P_LIST: {
                cJSON *a = cJSON_AddArrayToObject(g, k->guard);
                for (char *w = strtok_r(v, ",", &save); w; w = strtok_r(NULL, ",", &save))
                        if (*(w = trim(w)))
                                cJSON_AddItemToArray(a, cJSON_CreateString(w));
                return cJSON_GetArraySize(a) > 0 ? 0 : RIFT_E_INVALID;
        }
        case P_INT:
                n = strtol(v, &end, 10);
                if (end == v || *end || n < 0 || n > k->max)
                        return RIFT_E_INVALID;
                cJSON_AddNumberToObject(g, k->guard, (double)n);
                return 0;
        case P_DURATION:
                if (rift_parse_duration_ms(v, &ms) < 0 || ms <= 0)
                        return RIFT_E_INVALID;
                cJSON_AddNumberToObject(g, k->guard, (double)ms);
                return 0;
        }
        return RIFT_E_INVALID;
}

static int parse_line(cJSON *g, char *line, int no, char *err, size_t n)
{
        char *eq, *key, *val;
        const struct pkey *k = NULL;

        if ((eq = strchr(line, '#')))
                *eq = '\0';
        line = trim(line);
        if (!*line)
                return 0;
        if (!(eq = strchr(line, '='))) {
                snprintf(err, n, "line %d: expected key = value", no);
                return RIFT_E_PARSE;
        }
        *eq = '\0';
        key = trim(line);
        val = trim(eq + 1);
        for (size_t i = 0; i < ARRAY_SIZE(keys) && !k; i++)
                if (rift_streq(keys[i].key, key))
                        k = &keys[i];
        if (!k) {
                snprintf(err, n, "line %d: unknown key \"%.64s\"", no, key);
                return RIFT_E_INVALID;
        }
        if (cJSON_GetObjectItem(g, k->guard)) {
                snprintf(err, n, "line %d: %s given twice", no, k->key);
                return RIFT_E_INVALID;
        }
        if (set_value(g, k, val) < 0) {
                snprintf(err, n, "line %d: %s: invalid value", no, k->key);
                return RIFT_E_INVALID;
        }
        return 0;
}

int policy_parse(const char *text, size_t len, struct agent_policy **ret, char *err, size_t n)
{
        _cleanup_free_ char *copy = NULL;
        struct agent_policy *p;
        char *line, *save = NULL;
        int no = 0, r = 0;

        if (len > POLICY_MAX_BYTES || !(copy = strndup(text, len)) || strlen(copy) != len) {
                snprintf(err, n, "not a text file of at most %u bytes", POLICY_MAX_BYTES);
                return RIFT_E_INVALID;
        }
        if (!(p = calloc(1, sizeof(*p))) || !(p->guards = cJSON_CreateObject())) {
                free(p);
                return -ENOMEM;
        }
        for (line = copy; r == 0 && line; line = save) {
                save = strchr(line, '\n');
                if (save)
                        *save++ = '\0';
                r = parse_line(p->guards, line, ++no, err, n);
        }
        if (r < 0) {
                policy_free(p);
                return r;
        }
        *ret = p;
        return 0;
}

int policy_load(const char *path, bool required, struct agent_policy **ret, char *err, size_t n)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        _cleanup_free_ char *buf = NULL;
        struct stat st;
        ssize_t got;

        if (fd < 0 && errno == ENOENT && !required) {
                *ret = NULL;
                return 0;
        }
        if (fd < 0) {
                snprintf(err, n, "%s: %s", path, strerror(errno));
                return -errno;
        }
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
                snprintf(err, n, "%s: not a regular file", path);
                return RIFT_E_INVALID;
        }
        if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH))) {
                snprintf(err, n, "%s: must be owned by root and not writable by group or others", path);
                return RIFT_E_FORBIDDEN;
        }
        if (st.st_size > (off_t)POLICY_MAX_BYTES || !(buf = malloc((size_t)st.st_size + 1))) {
                snprintf(err, n, "%s: larger than %u bytes", path, POLICY_MAX_BYTES);
                return RIFT_E_TOOBIG;
        }
        got = read(fd, buf, (size_t)st.st_size);
        if (got != st.st_size) {
                snprintf(err, n, "%s: short read", path);
                return -EIO;
        }
        char msg[200] = "";
        int r = policy_parse(buf, (size_t)got, ret, msg, sizeof(msg));
        if (r < 0)
                snprintf(err, n, "%s: %s", path, msg);
        return r;
}

void policy_free(struct agent_policy *p)
{
        if (!p)
                return;
        cJSON_Delete(p->guards);
        free(p);
}

/* The task as lib/guard.h's normalised spec. */
static cJSON *task_spec(const Rift__Infra__V1__Task *t)
{
        cJSON *spec = cJSON_CreateObject(), *groups = cJSON_AddArrayToObject(spec, "groups");

        for (size_t g = 0; g < t->n_groups; g++) {
                cJSON *group = cJSON_CreateObject(), *steps = cJSON_AddArrayToObject(group, "steps");
                cJSON_AddItemToArray(groups, group);
                for (size_t i = 0; i < t->groups[g]->n_steps; i++) {
                        const Rift__Infra__V1__FaultStep *m = t->groups[g]->steps[i];
                        cJSON *s = cJSON_CreateObject(), *tun = cJSON_AddObjectToObject(s, "tunables");
                        cJSON_AddStringToObject(s, "name", m->name);
                        cJSON_AddStringToObject(s, "fault", m->fault);
                        cJSON_AddNumberToObject(s, "duration_ms",
                                                (double)(m->duration_ms > 0 ? m->duration_ms : 30000));
                        for (size_t k = 0; k < m->n_tunables; k++)
                                cJSON_AddStringToObject(tun, m->tunables[k]->key, m->tunables[k]->value);
                        cJSON_AddItemToArray(steps, s);
                }
        }
        return spec;
}

int policy_check_task(const struct agent_policy *p, const Rift__Infra__V1__Task *t, char *err, size_t n)
{
        cJSON *spec;
        int r;

        if (!p)
                return 0;
        spec = task_spec(t);
        r = spec ? guard_check_spec(p->guards, NULL, spec, 0, err, n) : -ENOMEM;
        cJSON_Delete(spec);
        return r;
}

void policy_set_active(struct agent_policy *p, const char *path)
{
        active = p;
        rift_strlcpy(active_path, path ? path : "", sizeof(active_path));
}

const struct agent_policy *policy_active(void)
{
        return active;
}

const char *policy_active_path(void)
{
        return active_path;
}
