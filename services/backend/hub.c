/* The built-in chaos hub: every Linux fault rift-agent runs (agent/faults/, docs/agent.md), with its
 * Harness tunables, as data. The agent's validate() stays the final judge; this table lets the
 * backend refuse a bad manifest before it is stored and lets the portal draw forms. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/str.h"
#include "services/backend/backend.h"

#define MAX_TUNABLE_VALUE 4096u /* bytes of one tunable value */

/* the tables below list leading members positionally and leave the rest zero */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#define NET_FILTERS                                                                                          \
        { "NETWORK_INTERFACES", "list", NULL, NULL, 0, 0, "interfaces to act on: eth0,eth1" },               \
            { "DESTINATION_HOSTS",                                                                           \
              "list",                                                                                        \
              NULL,                                                                                          \
              NULL,                                                                                          \
              0,                                                                                             \
              0,                                                                                             \
              "hosts (A+AAAA), IPv4/IPv6 addresses or CIDRs, optional |port; ! excludes" },                  \
            { "DESTINATION_IPS", "list", NULL, NULL, 0, 0, "IPv4 and IPv6 addresses or CIDRs; ! excludes" }, \
            { "SOURCE_PORTS", "list", NULL, NULL, 0, 0, "source ports; ! excludes" },                        \
            { "DESTINATION_PORTS", "list", NULL, NULL, 0, 0, "destination ports; ! excludes" },              \
            { "WHITELIST_SSH", "bool", "true", NULL, 0, 0, "leave port 22 alone" },                          \
        {                                                                                                    \
                "INCLUDE_CONTROL_PLANE", "bool", "false", NULL, 0, 0, "also affect the control-plane host"   \
        }

#define SHAPING                                                                                              \
        { "SHAPER", "enum:auto,netem,nfqueue", "auto", NULL, 0, 0, "netem, the NFQUEUE shaper, or auto" },   \
        {                                                                                                    \
                "QUEUE_NUM", "int", NULL, NULL, 0, 65535, "NFQUEUE number of the shaper"                     \
        }

static const struct hub_tunable t_latency[] = {
        { "NETWORK_LATENCY", "duration", "2000", "ms", 0, 3600000, "delay added to each packet" },
        { "JITTER", "duration", "0", "ms", 0, 3600000, "random variation of the delay" },
        NET_FILTERS,
        SHAPING,
        { NULL },
};
static const struct hub_tunable t_loss[] = {
        { "NETWORK_PACKET_LOSS_PERCENTAGE", "float", "100", "%", 0.0001, 100, "share of packets dropped" },
        NET_FILTERS,
        SHAPING,
        { NULL },
};
static const struct hub_tunable t_corruption[] = {
        { "NETWORK_PACKET_CORRUPTION_PERCENTAGE", "float", "100", "%", 0.0001, 100,
          "share of packets corrupted" },
        NET_FILTERS,
        SHAPING,
        { NULL },
};
static const struct hub_tunable t_duplication[] = {
        { "NETWORK_PACKET_DUPLICATION_PERCENTAGE", "float", "100", "%", 0.0001, 100,
          "share of packets duplicated" },
        NET_FILTERS,
        SHAPING,
        { NULL },
};
static const struct hub_tunable t_rate[] = {
        { "NETWORK_BANDWIDTH", "rate", "1mbit", "bit/s", 0, 0, "rate limit (8kbit..10gbit)" },
        { "BURST", "bytesize", "32kb", "bytes", 0, 0, "token bucket size" },
        { "LIMIT", "bytesize", "2mb", "bytes", 0, 0, "bytes queued before drops" },
        { "PEAK_RATE", "rate", NULL, "bit/s", 0, 0, "peak rate" },
        { "MIN_BURST", "bytesize", "1500", "bytes", 0, 0, "peak bucket size" },
        NET_FILTERS,
        { NULL },
};
static const struct hub_tunable t_partition[] = {
        NET_FILTERS,
        { NULL },
};
static const struct hub_tunable t_cpu[] = {
        { "LOAD", "float", "100", "%", 1, 100, "load per worker" },
        { "WORKERS", "int", "1", NULL, 1, 256, "worker processes" },
        { "CPU_CORES", "list", NULL, NULL, 0, 0, "cores to pin workers to, round-robin (default all)" },
        { NULL },
};
static const struct hub_tunable t_memory[] = {
        { "MEMORY", "size_or_pct", "256m", "bytes or %", 0, 0,
          "memory to consume (256m, 1G or N% of MemTotal)" },
        { "WORKERS", "int", "1", NULL, 1, 256, "worker processes" },
        { NULL },
};
static const struct hub_tunable t_disk_fill[] = {
        { "FILL_PATH", "string", "/tmp", NULL, 0, 0, "directory of the fill file" },
        { "FILL_STORAGE", "size_or_pct", "50%", "bytes or %", 0, 0, "size, or share of the file system" },
        { NULL },
};
static const struct hub_tunable t_disk_io[] = {
        { "VOLUME_MOUNT_PATH", "string", "/tmp", NULL, 0, 0, "directory of the scratch files" },
        { "FILE_SYSTEM_UTILISATION", "size_or_pct", "10%", "bytes or %", 0, 0,
          "size, or share of free space" },
        { "WORKERS", "int", "1", NULL, 1, 256, "worker processes" },
        { NULL },
};
#define PROC_MATCH                                                                                           \
        { "PROCESS_IDS", "list", NULL, NULL, 0, 0, "pids" },                                                 \
            { "PROCESS_NAMES", "list", NULL, NULL, 0, 0, "process names (comm)" },                           \
        {                                                                                                    \
                "PROCESS_COMMAND", "string", NULL, NULL, 0, 0, "command-line substring"                      \
        }
static const struct hub_tunable t_kill[] = {
        PROC_MATCH,
        { "FORCE_KILL", "bool", "false", NULL, 0, 0, "SIGKILL instead of SIGTERM" },
        { "SIGNAL",
          "enum:SIGKILL,SIGTERM,SIGINT,SIGHUP,SIGQUIT,SIGUSR1,SIGUSR2,KILL,TERM,INT,HUP,QUIT,USR1,USR2,9,15",
          NULL, NULL, 0, 0, "signal to send" },
        { NULL },
};
static const struct hub_tunable t_stop[] = {
        PROC_MATCH,
        { NULL },
};

static const struct hub_tunable t_service[] = {
        { "SERVICES", "list", NULL, NULL, 0, 0, "systemd units restarted with systemctl restart" },
        { "SELF_HEALING_SERVICES", "list", NULL, NULL, 0, 0,
          "units killed (SIGKILL) for systemd to restart" },
        { "SEQUENCE", "enum:parallel,serial", "parallel", NULL, 0, 0,
          "all units each round, or one in turn" },
        { "INTERVAL", "duration", "10000", "ms", 1000, 3600000, "time between rounds" },
        { NULL },
};

static const struct hub_tunable t_dns_error[] = {
        { "HOST_NAMES", "list", NULL, NULL, 0, 0, "host names whose queries get the error" },
        { "MATCH_SCHEME", "enum:exact,substring", "exact", NULL, 0, 0, "how HOST_NAMES match" },
        { "RESPONSE_CODE", "enum:NXDOMAIN,SERVFAIL,REFUSED", "NXDOMAIN", NULL, 0, 0, "the error answered" },
        { "DNS_PORT", "int", "53", NULL, 1, 65535, "port of the DNS servers" },
        { "NETWORK_INTERFACES", "list", NULL, NULL, 0, 0, "interfaces the queries leave by" },
        { "DESTINATION_HOSTS", "list", NULL, NULL, 0, 0, "DNS servers (hosts or addresses); ! excludes" },
        { "DESTINATION_IPS", "list", NULL, NULL, 0, 0,
          "DNS servers (IPv4 and IPv6 addresses or CIDRs); ! excludes" },
        { "WHITELIST_SSH", "bool", "true", NULL, 0, 0, "leave port 22 alone" },
        { "INCLUDE_CONTROL_PLANE", "bool", "false", NULL, 0, 0, "also affect the control-plane host" },
        { "QUEUE_NUM", "int", "7400", NULL, 0, 65535, "NFQUEUE number of the interceptor" },
        { NULL },
};

static const struct hub_fault faults[] = {
        { "linux-network-latency", "network", "Delays matching egress packets.", t_latency },
        { "linux-network-loss", "network", "Drops a share of matching egress packets.", t_loss },
        { "linux-network-corruption", "network", "Corrupts a share of matching egress packets.",
          t_corruption },
        { "linux-network-duplication", "network", "Duplicates a share of matching egress packets.",
          t_duplication },
        { "linux-network-rate-limit", "network", "Limits the bandwidth of an interface.", t_rate },
        { "linux-network-partition", "network", "Drops matching traffic in both directions.", t_partition },
        { "linux-cpu-stress", "resource", "Loads CPU cores.", t_cpu },
        { "linux-memory-stress", "resource", "Consumes memory.", t_memory },
        { "linux-disk-fill", "disk", "Fills a file system.", t_disk_fill },
        { "linux-disk-io-stress", "disk", "Writes, syncs and reads back scratch files.", t_disk_io },
        { "linux-process-kill", "process", "Kills matching processes for the duration.", t_kill },
        { "linux-process-stop", "process", "Stops (SIGSTOP) matching processes for the duration.", t_stop },
        { "linux-service-restart", "service", "Restarts systemd units every interval.", t_service },
        { "linux-dns-error", "dns", "Answers DNS queries for listed host names with an error.", t_dns_error },
};

size_t hub_count(void)
{
        return ARRAY_SIZE(faults);
}

const struct hub_fault *hub_get(size_t i)
{
        return i < ARRAY_SIZE(faults) ? &faults[i] : NULL;
}

const struct hub_fault *hub_find(const char *name)
{
        for (size_t i = 0; i < ARRAY_SIZE(faults); i++)
                if (rift_streq(faults[i].name, name))
                        return &faults[i];
        return NULL;
}

cJSON *hub_fault_json(const struct hub_fault *f)
{
        cJSON *o = cJSON_CreateObject(), *tl = cJSON_AddArrayToObject(o, "tunables");

        cJSON_AddStringToObject(o, "name", f->name);
        cJSON_AddStringToObject(o, "category", f->category);
        cJSON_AddStringToObject(o, "description", f->description);
        cJSON_AddStringToObject(o, "platform", "Linux");
        for (const struct hub_tunable *t = f->tuns; t->name; t++) {
                cJSON *j = cJSON_CreateObject();
                cJSON_AddStringToObject(j, "name", t->name);
                cJSON_AddStringToObject(j, "type", t->type);
                if (t->def)
                        cJSON_AddStringToObject(j, "default", t->def);
                if (t->unit)
                        cJSON_AddStringToObject(j, "unit", t->unit);
                if (t->min != 0 || t->max != 0) {
                        cJSON_AddNumberToObject(j, "min", t->min);
                        cJSON_AddNumberToObject(j, "max", t->max);
                }
                cJSON_AddStringToObject(j, "description", t->description);
                cJSON_AddItemToArray(tl, j);
        }
        return o;
}

static bool in_enum(const char *type, const char *v)
{
        const char *p = type + 5;
        size_t n = strlen(v);

        while (*p) {
                const char *end = strchr(p, ',');
                size_t len = end ? (size_t)(end - p) : strlen(p);
                if (len == n && strncasecmp(p, v, n) == 0)
                        return true;
                if (!end)
                        break;
                p = end + 1;
        }
        return false;
}

/* The value's check by type; returns a reason or NULL when fine. */
static const char *check_value(const struct hub_tunable *t, const char *v)
{
        int64_t i;
        double d;
        bool b;
        uint64_t u;

        if (rift_startswith(t->type, "enum:"))
                return in_enum(t->type, v) ? NULL : "is not one of the allowed values";
        if (!strcmp(t->type, "int"))
                return rift_parse_int64(v, (int64_t)t->min, (int64_t)t->max, &i) < 0
                           ? "is not an integer in range"
                           : NULL;
        if (!strcmp(t->type, "float"))
                return rift_parse_double(v, &d) < 0 || !isfinite(d) || d < t->min || d > t->max
                           ? "is not a number in range"
                           : NULL;
        if (!strcmp(t->type, "duration")) {
                if (rift_parse_int64(v, 0, INT64_MAX, &i) < 0 && rift_parse_duration_ms(v, &i) < 0)
                        return "is not a duration (ms, or 150ms, 2s)";
                return (double)i < t->min || (double)i > t->max ? "is out of range" : NULL;
        }
        if (!strcmp(t->type, "bool"))
                return rift_parse_bool(v, &b) < 0 ? "is not true or false" : NULL;
        if (!strcmp(t->type, "size_or_pct")) {
                size_t n = strlen(v);
                if (n > 1 && v[n - 1] == '%') {
                        char num[32];
                        if (n > sizeof(num))
                                return "is not a size or a percentage";
                        memcpy(num, v, n - 1);
                        num[n - 1] = '\0';
                        return rift_parse_double(num, &d) < 0 || d <= 0 || d > 100
                                   ? "is not a percentage in 0..100"
                                   : NULL;
                }
                return rift_parse_size(v, &u) < 0 ? "is not a size or a percentage" : NULL;
        }
        return v[0] ? NULL : "is empty"; /* string, list, rate, bytesize: the agent parses them */
}

int hub_check_tunable(const struct hub_fault *f, const char *name, const char *value, char *err, size_t n)
{
        const char *why;

        for (const struct hub_tunable *t = f->tuns; t->name; t++) {
                if (strcmp(t->name, name) != 0)
                        continue;
                if (strlen(value) > MAX_TUNABLE_VALUE)
                        why = "is too long";
                else
                        why = check_value(t, value);
                if (!why)
                        return 0;
                snprintf(err, n, "%s: \"%.64s\" %s", name, value, why);
                return RIFT_E_INVALID;
        }
        snprintf(err, n, "%s: not a tunable of %s", name, f->name);
        return RIFT_E_INVALID;
}
