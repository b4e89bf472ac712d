/* Blast-radius guards (lib/guard.h): the backend checks an environment's guards when an experiment is
 * saved and again when a run is dispatched; rift-agent checks its local policy, in the same form,
 * before it injects anything. A guard document holds only the
 * rules that are set; an empty list or a missing member means "no limit". Every refusal names the
 * rule and the step: "guard maxCpuLoad: groups[0].steps[1] (cpu) LOAD 90 exceeds 50". */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/error.h"
#include "lib/guard.h"
#include "lib/str.h"

#define GUARD_MAX_WORDS 64u /* entries of one comma-separated tunable that are checked */

static const char *tun(const cJSON *step, const char *name)
{
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItem(step, "tunables"), name);

        return cJSON_IsString(v) ? v->valuestring : NULL;
}

static bool list_has(const cJSON *list, const char *s)
{
        const cJSON *e;

        cJSON_ArrayForEach(e, list) if (cJSON_IsString(e) && rift_streq(e->valuestring, s)) return true;
        return false;
}

static bool list_set(const cJSON *list)
{
        return cJSON_IsArray(list) && cJSON_GetArraySize(list) > 0;
}

/* Splits "a, b,c" into trimmed words (at most GUARD_MAX_WORDS) in buf. */
static size_t split(const char *s, char *buf, size_t size, char **words)
{
        size_t n = 0;
        char *p, *save = NULL;

        if (!s || rift_strlcpy(buf, s, size) < 0)
                return 0;
        for (p = strtok_r(buf, ",", &save); p && n < GUARD_MAX_WORDS; p = strtok_r(NULL, ",", &save)) {
                while (*p == ' ')
                        p++;
                size_t l = strlen(p);
                while (l && p[l - 1] == ' ')
                        p[--l] = '\0';
                if (*p)
                        words[n++] = p;
        }
        return n;
}

/* a.b.c.d or a.b.c.d/len to network and prefix length. */
static bool parse_cidr(const char *s, uint32_t *ret_net, int *ret_len)
{
        char ip[64];
        const char *slash = strchr(s, '/');
        struct in_addr a;
        long len = 32;

        if (rift_strlcpy(ip, s, sizeof(ip)) < 0)
                return false;
        if (slash) {
                char *end;
                ip[slash - s] = '\0';
                len = strtol(slash + 1, &end, 10);
                if (*end || len < 0 || len > 32)
                        return false;
        }
        if (inet_pton(AF_INET, ip, &a) != 1)
                return false;
        *ret_net = ntohl(a.s_addr);
        *ret_len = (int)len;
        return true;
}

/* The target (address or CIDR) lies inside one allowed CIDR. */
static bool cidr_allowed(const cJSON *allowed, const char *target)
{
        uint32_t t, n;
        int tl, nl;
        const cJSON *e;

        if (!parse_cidr(target, &t, &tl))
                return false;
        cJSON_ArrayForEach(e, allowed)
        {
                if (!cJSON_IsString(e) || !parse_cidr(e->valuestring, &n, &nl) || tl < nl)
                        continue;
                uint32_t mask = nl == 0 ? 0 : ~0u << (32 - nl);
                if ((t & mask) == (n & mask))
                        return true;
        }
        return false;
}

/* "8080" or "8000-8100" to a range. */
static bool parse_ports(const char *s, long *lo, long *hi)
{
        char *end;

        *lo = strtol(s, &end, 10);
        *hi = *lo;
        if (*end == '-')
                *hi = strtol(end + 1, &end, 10);
        return !*end && *lo > 0 && *hi <= 65535 && *lo <= *hi;
}

static bool ports_allowed(const cJSON *allowed, const char *target)
{
        long lo, hi, alo, ahi;
        const cJSON *e;

        if (!parse_ports(target, &lo, &hi))
                return false;
        cJSON_ArrayForEach(e, allowed) if (cJSON_IsString(e) && parse_ports(e->valuestring, &alo, &ahi) &&
                                           lo >= alo && hi <= ahi) return true;
        return false;
}

/* path is an allowed directory or below one (no ".." components, absolute). */
static bool path_allowed(const cJSON *allowed, const char *path)
{
        const cJSON *e;

        if (path[0] != '/' || strstr(path, "/../") || rift_endswith(path, "/.."))
                return false;
        cJSON_ArrayForEach(e, allowed)
        {
                size_t l;
                if (!cJSON_IsString(e) || !(l = strlen(e->valuestring)))
                        continue;
                while (l > 1 && e->valuestring[l - 1] == '/')
                        l--;
                if (!strncmp(path, e->valuestring, l) && (path[l] == '\0' || path[l] == '/' || l == 1))
                        return true;
        }
        return false;
}

struct step_ref {
        int g, s;         /* indexes for messages */
        const char *name; /* step name */
        const cJSON *st;  /* the step */
};

static int refuse(char *err, size_t n, const char *rule, const struct step_ref *r, const char *what)
{
        snprintf(err, n, "guard %s: groups[%d].steps[%d] (%s): %s", rule, r->g, r->s, r->name, what);
        return RIFT_E_FORBIDDEN;
}

static int check_network(const cJSON *gd, const struct step_ref *r, char *err, size_t n)
{
        const cJSON *cidrs = cJSON_GetObjectItem(gd, "allowedCIDRs"),
                    *hosts = cJSON_GetObjectItem(gd, "allowedHosts");
        const cJSON *ports = cJSON_GetObjectItem(gd, "allowedPorts");
        char buf[4096], what[512], *w[GUARD_MAX_WORDS];
        size_t nw;

        if (list_set(cidrs) || list_set(hosts)) {
                const char *ips = tun(r->st, "DESTINATION_IPS"), *hs = tun(r->st, "DESTINATION_HOSTS");
                if ((!ips || !ips[0]) && (!hs || !hs[0]))
                        return refuse(err, n, list_set(cidrs) ? "allowedCIDRs" : "allowedHosts", r,
                                      "no DESTINATION_IPS or DESTINATION_HOSTS: the fault would hit every "
                                      "destination");
                nw = split(ips, buf, sizeof(buf), w);
                for (size_t i = 0; i < nw; i++)
                        if (w[i][0] != '!' && !cidr_allowed(cidrs, w[i])) {
                                snprintf(what, sizeof(what),
                                         "DESTINATION_IPS %.200s is outside the allowed CIDRs", w[i]);
                                return refuse(err, n, "allowedCIDRs", r, what);
                        }
                nw = split(hs, buf, sizeof(buf), w);
                for (size_t i = 0; i < nw; i++)
                        if (w[i][0] != '!' && !list_has(hosts, w[i]) && !cidr_allowed(cidrs, w[i])) {
                                snprintf(what, sizeof(what),
                                         "DESTINATION_HOSTS %.200s is not an allowed host", w[i]);
                                return refuse(err, n, "allowedHosts", r, what);
                        }
        }
        if (list_set(ports)) {
                nw = split(tun(r->st, "DESTINATION_PORTS"), buf, sizeof(buf), w);
                if (nw == 0)
                        return refuse(err, n, "allowedPorts", r,
                                      "no DESTINATION_PORTS: the fault would hit every port");
                for (size_t i = 0; i < nw; i++)
                        if (w[i][0] != '!' && !ports_allowed(ports, w[i])) {
                                snprintf(what, sizeof(what), "DESTINATION_PORTS %.200s is not allowed", w[i]);
                                return refuse(err, n, "allowedPorts", r, what);
                        }
        }
        return 0;
}

static int check_process(const cJSON *gd, const struct step_ref *r, char *err, size_t n)
{
        const cJSON *names = cJSON_GetObjectItem(gd, "allowedProcessNames");
        const char *pids = tun(r->st, "PROCESS_IDS"), *cmd = tun(r->st, "PROCESS_COMMAND");
        char buf[4096], what[512], *w[GUARD_MAX_WORDS];
        size_t nw;

        if (!list_set(names))
                return 0;
        if ((pids && pids[0]) || (cmd && cmd[0]))
                return refuse(err, n, "allowedProcessNames", r,
                              "PROCESS_IDS and PROCESS_COMMAND cannot be checked against allowed names");
        nw = split(tun(r->st, "PROCESS_NAMES"), buf, sizeof(buf), w);
        if (nw == 0)
                return refuse(err, n, "allowedProcessNames", r, "no PROCESS_NAMES");
        for (size_t i = 0; i < nw; i++)
                if (!list_has(names, w[i])) {
                        snprintf(what, sizeof(what), "process %.200s is not allowed", w[i]);
                        return refuse(err, n, "allowedProcessNames", r, what);
                }
        return 0;
}

/* The value of a "size or %" tunable as a percentage, or -1 when it is a size. */
static double pct_of(const char *v, const char *def)
{
        const char *s = v && v[0] ? v : def;
        char *end;
        double d = strtod(s, &end);

        return end != s && *end == '%' && !end[1] ? d : -1;
}

static int check_resources(const cJSON *gd, const struct step_ref *r, const char *fault, char *err, size_t n)
{
        const cJSON *paths = cJSON_GetObjectItem(gd, "allowedPaths"),
                    *cpu = cJSON_GetObjectItem(gd, "maxCpuLoad");
        const cJSON *fill = cJSON_GetObjectItem(gd, "maxDiskFill");
        char what[512];

        if (cJSON_IsNumber(cpu) && rift_streq(fault, "linux-cpu-stress")) {
                const char *load = tun(r->st, "LOAD");
                double l = load && load[0] ? strtod(load, NULL) : 100;
                if (l > cpu->valuedouble) {
                        snprintf(what, sizeof(what), "LOAD %g%% exceeds %g%%", l, cpu->valuedouble);
                        return refuse(err, n, "maxCpuLoad", r, what);
                }
        }
        if (cJSON_IsNumber(fill) && rift_streq(fault, "linux-disk-fill")) {
                double p = pct_of(tun(r->st, "FILL_STORAGE"), "50%");
                if (p < 0)
                        return refuse(err, n, "maxDiskFill", r, "FILL_STORAGE must be a percentage");
                if (p > fill->valuedouble) {
                        snprintf(what, sizeof(what), "FILL_STORAGE %g%% exceeds %g%%", p, fill->valuedouble);
                        return refuse(err, n, "maxDiskFill", r, what);
                }
        }
        if (list_set(paths)) {
                const char *key = rift_streq(fault, "linux-disk-fill")        ? "FILL_PATH"
                                  : rift_streq(fault, "linux-disk-io-stress") ? "VOLUME_MOUNT_PATH"
                                                                              : NULL;
                const char *p = key ? tun(r->st, key) : NULL;
                if (key && !path_allowed(paths, p && p[0] ? p : "/tmp")) {
                        snprintf(what, sizeof(what), "%s %.200s is not under an allowed path", key,
                                 p && p[0] ? p : "/tmp");
                        return refuse(err, n, "allowedPaths", r, what);
                }
        }
        return 0;
}

static int check_step(const cJSON *gd, const struct step_ref *r, char *err, size_t n)
{
        const cJSON *fj = cJSON_GetObjectItem(r->st, "fault");
        const char *fault = cJSON_IsString(fj) ? fj->valuestring : "";
        const cJSON *allow = cJSON_GetObjectItem(gd, "allowedFaults"),
                    *deny = cJSON_GetObjectItem(gd, "forbiddenFaults");
        const cJSON *maxd = cJSON_GetObjectItem(gd, "maxDurationMs");
        const cJSON *dj = cJSON_GetObjectItem(r->st, "duration_ms");
        double d = cJSON_IsNumber(dj) ? dj->valuedouble : 0;
        char what[256];
        int rc;

        if (list_set(allow) && !list_has(allow, fault))
                return refuse(err, n, "allowedFaults", r, "fault not in the allowed list");
        if (list_has(deny, fault))
                return refuse(err, n, "forbiddenFaults", r, "fault is forbidden");
        if (cJSON_IsNumber(maxd) && d > maxd->valuedouble) {
                snprintf(what, sizeof(what), "duration %.0f ms exceeds %.0f ms", d, maxd->valuedouble);
                return refuse(err, n, "maxDuration", r, what);
        }
        if (rift_startswith(fault, "linux-network-") && (rc = check_network(gd, r, err, n)) < 0)
                return rc;
        if (rift_startswith(fault, "linux-process-") && (rc = check_process(gd, r, err, n)) < 0)
                return rc;
        return check_resources(gd, r, fault, err, n);
}

int guard_largest_group(const cJSON *spec)
{
        const cJSON *g;
        int m = 0;

        cJSON_ArrayForEach(g, cJSON_GetObjectItem(spec, "groups"))
        {
                int k = cJSON_GetArraySize(cJSON_GetObjectItem(g, "steps"));
                if (k > m)
                        m = k;
        }
        return m;
}

int guard_check_spec(const cJSON *gd, const char *env, const cJSON *spec, int running_faults, char *err,
                     size_t n)
{
        const cJSON *g, *s, *maxc = cJSON_GetObjectItem(gd, "maxConcurrentFaults");
        struct step_ref r = { 0 };
        int rc, big = guard_largest_group(spec);

        if (!cJSON_IsObject(gd))
                return 0;
        cJSON_ArrayForEach(g, cJSON_GetObjectItem(spec, "groups"))
        {
                r.s = 0;
                cJSON_ArrayForEach(s, cJSON_GetObjectItem(g, "steps"))
                {
                        r.st = s;
                        r.name = cJSON_IsString(cJSON_GetObjectItem(s, "name"))
                                     ? cJSON_GetObjectItem(s, "name")->valuestring
                                     : "";
                        if ((rc = check_step(gd, &r, err, n)) < 0)
                                goto named;
                        r.s++;
                }
                r.g++;
        }
        if (cJSON_IsNumber(maxc) && big + running_faults > maxc->valuedouble) {
                snprintf(err, n,
                         "guard maxConcurrentFaults: %d fault(s) at once plus %d already running on the "
                         "infrastructure exceed %.0f",
                         big, running_faults, maxc->valuedouble);
                rc = RIFT_E_FORBIDDEN;
                goto named;
        }
        return 0;
named:
        if (env) {
                size_t l = strlen(err);
                snprintf(err + l, n > l ? n - l : 0, " (environment %s)", env);
        }
        return rc;
}
