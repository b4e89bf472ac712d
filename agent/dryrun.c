/* Dry runs (Task.dry_run): for each fault step, what the agent would do and whether this machine has
 * what it needs (privileges, netem or the NFQUEUE fallback, iptables, cgroup controllers, the target
 * processes, paths and hosts), found without changing anything: netem is probed in a throw-away
 * network namespace, iptables is only listed, names are only resolved. */
#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "agent/cgroup.h"
#include "agent/dryrun.h"
#include "agent/ipt.h"
#include "agent/proc.h"
#include "agent/tc.h"
#include "lib/error.h"
#include "lib/str.h"

#define CAP_KILL_BIT      5
#define CAP_NET_ADMIN_BIT 12
#define CAP_SYS_ADMIN_BIT 21

struct report {
        char *buf;    /* the text */
        size_t size;  /* its capacity */
        bool missing; /* something the fault needs is absent */
};

static void say(struct report *r, bool ok, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(struct report *r, bool ok, const char *fmt, ...)
{
        size_t l = strlen(r->buf);
        va_list ap;

        if (!ok)
                r->missing = true;
        if (l + 3 >= r->size)
                return;
        if (l)
                l += (size_t)snprintf(r->buf + l, r->size - l, "; ");
        va_start(ap, fmt);
        vsnprintf(r->buf + l, r->size - l, fmt, ap);
        va_end(ap);
}

static const char *tun(const Rift__Infra__V1__FaultStep *m, const char *key)
{
        for (size_t i = 0; i < m->n_tunables; i++)
                if (rift_streq(m->tunables[i]->key, key))
                        return m->tunables[i]->value;
        return NULL;
}

/* Effective capability bit of this process (from /proc/self/status). */
static bool has_cap(int bit)
{
        FILE *f = fopen("/proc/self/status", "re");
        char line[256];
        unsigned long long caps = 0;

        if (!f)
                return false;
        while (fgets(line, sizeof(line), f))
                if (sscanf(line, "CapEff: %llx", &caps) == 1)
                        break;
        fclose(f);
        return (caps >> bit) & 1;
}

static void check_privilege(struct report *r, int bit, const char *name, bool injector)
{
        if (injector)
                say(r, true, "privileges: faults run in the privileged injector");
        else if (geteuid() == 0 || has_cap(bit))
                say(r, true, "privileges: %s present", name);
        else
                say(r, false, "privileges: %s missing (run rift-agent as root)", name);
}

static bool nfqueue_available(void)
{
        struct stat st;

        return stat("/proc/net/netfilter/nfnetlink_queue", &st) == 0 ||
               stat("/sys/module/nfnetlink_queue", &st) == 0;
}

static void check_hosts(struct report *r, const char *hosts)
{
        char buf[1024], *save = NULL;

        if (!hosts || !hosts[0] || rift_strlcpy(buf, hosts, sizeof(buf)) < 0)
                return;
        for (char *h = strtok_r(buf, ",", &save); h; h = strtok_r(NULL, ",", &save)) {
                struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM }, *res = NULL;
                while (*h == ' ')
                        h++;
                if (!*h || *h == '!')
                        continue;
                int e = getaddrinfo(h, NULL, &hints, &res);
                say(r, e == 0, "target host %s %s", h, e == 0 ? "resolves" : "does not resolve");
                if (res)
                        freeaddrinfo(res);
        }
}

static void check_network(struct report *r, const Rift__Infra__V1__FaultStep *m, bool injector)
{
        const char *ifs = tun(m, "NETWORK_INTERFACES"), *ips = tun(m, "DESTINATION_IPS");
        bool netem = tc_netem_available(), nfq = nfqueue_available();
        int ipt = ipt_chain_exists("filter", "OUTPUT");
        char buf[512], *save = NULL;

        check_privilege(r, CAP_NET_ADMIN_BIT, "CAP_NET_ADMIN", injector);
        if (ifs && ifs[0] && rift_strlcpy(buf, ifs, sizeof(buf)) == 0)
                for (char *i = strtok_r(buf, ",", &save); i; i = strtok_r(NULL, ",", &save)) {
                        while (*i == ' ')
                                i++;
                        say(r, tc_ifindex(i) > 0, "interface %s %s", i,
                            tc_ifindex(i) > 0 ? "exists" : "missing");
                }
        say(r, true, "targets: %s%s%s", ips && ips[0] ? ips : "every destination",
            tun(m, "DESTINATION_HOSTS") ? " and hosts " : "",
            tun(m, "DESTINATION_HOSTS") ? tun(m, "DESTINATION_HOSTS") : "");
        check_hosts(r, tun(m, "DESTINATION_HOSTS"));
        say(r, ipt == 1, "iptables %s", ipt == 1 ? "usable" : "not usable");
        /* IPv6 rules: for IPv6 addresses, host names (AAAA) or no destination at all on an IPv6 machine */
        if ((ips && strchr(ips, ':')) || tun(m, "DESTINATION_HOSTS") ||
            (!(ips && ips[0]) && access("/proc/net/if_inet6", F_OK) == 0)) {
                int ip6 = ipt_family_chain_exists(AF_INET6, "filter", "OUTPUT");
                say(r, ip6 == 1, "ip6tables %s", ip6 == 1 ? "usable" : "not usable");
        }
        if (rift_streq(m->fault, "linux-network-partition") ||
            rift_streq(m->fault, "linux-network-rate-limit"))
                return;
        if (netem)
                say(r, true, "netem available");
        else
                say(r, nfq && ipt == 1, "netem missing: NFQUEUE fallback %s",
                    nfq && ipt == 1 ? "available" : "missing");
}

static void check_cgroup(struct report *r, const char *controller)
{
        char path[512];
        int e = cgroup_find_root(controller, path, sizeof(path));

        say(r, e == 0, "cgroup controller %s %s%s", controller, e == 0 ? "at " : "missing",
            e == 0 ? path : "");
}

static void check_process(struct report *r, const Rift__Infra__V1__FaultStep *m, bool injector)
{
        struct proc_match pm = { 0 };
        pid_t pids[PROC_MATCH_MAX];
        const char *names = tun(m, "PROCESS_NAMES"), *ids = tun(m, "PROCESS_IDS");
        char buf[1024], list[256] = "", *save = NULL;
        int n;

        check_privilege(r, CAP_KILL_BIT, "CAP_KILL", injector);
        if (names && rift_strlcpy(buf, names, sizeof(buf)) == 0)
                for (char *w = strtok_r(buf, ",", &save); w && pm.n_names < PROC_MATCH_MAX;
                     w = strtok_r(NULL, ",", &save)) {
                        while (*w == ' ')
                                w++;
                        rift_strlcpy(pm.names[pm.n_names++], w, sizeof(pm.names[0]));
                }
        save = NULL;
        if (ids && rift_strlcpy(buf, ids, sizeof(buf)) == 0)
                for (char *w = strtok_r(buf, ",", &save); w && pm.n_pids < PROC_MATCH_MAX;
                     w = strtok_r(NULL, ",", &save))
                        pm.pids[pm.n_pids++] = (pid_t)strtol(w, NULL, 10);
        n = proc_find(&pm, pids, PROC_MATCH_MAX);
        for (int i = 0; i < n && strlen(list) < sizeof(list) - 16; i++)
                snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%d", i ? "," : "",
                         (int)pids[i]);
        say(r, n > 0, "target processes: %d matching%s%s%s", n < 0 ? 0 : n, n > 0 ? " (pids " : "",
            n > 0 ? list : "", n > 0 ? ")" : "");
        if (n > 0)
                say(r, true, "would %s them",
                    rift_streq(m->fault, "linux-process-kill") ? "kill" : "stop (SIGSTOP)");
}

static void check_path(struct report *r, const char *key, const char *path)
{
        struct statvfs vs;
        bool ok = path && statvfs(path, &vs) == 0;

        if (ok)
                say(r, true, "%s %s: %llu MiB free", key, path,
                    (unsigned long long)vs.f_bavail * vs.f_frsize / (1024 * 1024));
        else
                say(r, false, "%s %s does not exist", key, path ? path : "?");
}

int dryrun_step(const Rift__Infra__V1__FaultStep *m, int64_t duration_ms, bool injector, char *report,
                size_t n)
{
        struct report r = { .buf = report, .size = n };

        report[0] = '\0';
        say(&r, true, "would inject %s for %lld ms", m->fault, (long long)duration_ms);
        if (rift_startswith(m->fault, "linux-network-"))
                check_network(&r, m, injector);
        else if (rift_startswith(m->fault, "linux-process-"))
                check_process(&r, m, injector);
        else if (rift_streq(m->fault, "linux-cpu-stress") || rift_streq(m->fault, "linux-memory-stress")) {
                check_privilege(&r, CAP_SYS_ADMIN_BIT, "CAP_SYS_ADMIN", injector);
                check_cgroup(&r, rift_streq(m->fault, "linux-cpu-stress") ? "cpuacct" : "memory");
        } else if (rift_streq(m->fault, "linux-disk-fill"))
                check_path(&r, "FILL_PATH", tun(m, "FILL_PATH") ? tun(m, "FILL_PATH") : "/tmp");
        else if (rift_streq(m->fault, "linux-disk-io-stress"))
                check_path(&r, "VOLUME_MOUNT_PATH",
                           tun(m, "VOLUME_MOUNT_PATH") ? tun(m, "VOLUME_MOUNT_PATH") : "/tmp");
        return r.missing ? RIFT_E_UNSUPPORTED : 0;
}
