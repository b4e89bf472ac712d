/* The agent's iptables chains for network faults. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "agent/ipt.h"
#include "agent/netfilter.h"
#include "agent/shaper.h"
#include "agent/tc.h"
#include "lib/buf.h"
#include "lib/error.h"
#include "lib/macro.h"
#include "lib/str.h"

static int resolve_v4(const char *host, uint32_t *ret)
{
        struct in_addr a;
        if (inet_pton(AF_INET, host, &a) == 1) {
                *ret = ntohl(a.s_addr);
                return 0;
        }
        struct addrinfo hints = { .ai_family = AF_INET }, *res = NULL;
        if (getaddrinfo(host, NULL, &hints, &res) != 0 || !res)
                return RIFT_E_NOTFOUND;
        *ret = ntohl(((struct sockaddr_in *)res->ai_addr)->sin_addr.s_addr);
        freeaddrinfo(res);
        return 0;
}

int netfilter_parse_target(const char *s, struct nf_target *ret)
{
        char host[256];
        struct nf_target t = { .prefix = 32 };
        if (rift_strlcpy(host, s, sizeof(host)) < 0)
                return RIFT_E_TOOBIG;
        char *bar = strchr(host, '|');
        if (bar) {
                int64_t port;
                *bar = '\0';
                if (rift_parse_int64(bar + 1, 1, 65535, &port) < 0)
                        return RIFT_E_INVALID;
                t.port = (uint16_t)port;
        }
        char *slash = strchr(host, '/');
        if (slash) {
                int64_t pfx;
                *slash = '\0';
                if (rift_parse_int64(slash + 1, 0, 32, &pfx) < 0)
                        return RIFT_E_INVALID;
                t.prefix = (uint8_t)pfx;
        }
        if (!host[0] || resolve_v4(host, &t.addr) < 0)
                return RIFT_E_INVALID;
        *ret = t;
        return 0;
}

static int parse_targets(struct fault_ctx *ctx, const cJSON *t, const char *key, struct nf_filter *f)
{
        char storage[RIFT_MAX_CONFIG_VALUE];
        char *words[RIFT_MAX_FAULT_TARGETS];
        size_t n;
        int r = tun_list(ctx, t, key, storage, sizeof(storage), words, ARRAY_SIZE(words), &n);
        for (size_t i = 0; r == 0 && i < n; i++) {
                bool neg = words[i][0] == '!';
                struct nf_target tg;
                if (netfilter_parse_target(words[i] + neg, &tg) < 0)
                        return fault_fail(
                            ctx, "%s: \"%s\" is not an IPv4 address, CIDR or host (with optional |port)", key,
                            words[i]);
                size_t *cnt = neg ? &f->n_excl : &f->n_dst;
                struct nf_target *arr = neg ? f->excl : f->dst;
                if (*cnt >= RIFT_MAX_FAULT_TARGETS)
                        return fault_fail(ctx, "%s: too many targets", key);
                arr[(*cnt)++] = tg;
        }
        return r;
}

static int parse_ports(struct fault_ctx *ctx, const cJSON *t, const char *key, uint16_t *ports,
                       size_t *n_ports, struct nf_filter *f)
{
        char storage[RIFT_MAX_CONFIG_VALUE];
        char *words[RIFT_MAX_FAULT_TARGETS];
        size_t n;
        int r = tun_list(ctx, t, key, storage, sizeof(storage), words, ARRAY_SIZE(words), &n);
        for (size_t i = 0; r == 0 && i < n; i++) {
                bool neg = words[i][0] == '!';
                int64_t p;
                if (rift_parse_int64(words[i] + neg, 1, 65535, &p) < 0)
                        return fault_fail(ctx, "%s: \"%s\" is not a port in 1..65535", key, words[i]);
                if (neg)
                        f->excl_ports[f->n_excl_ports++] = (uint16_t)p;
                else
                        ports[(*n_ports)++] = (uint16_t)p;
        }
        return r;
}

static int parse_ifaces(struct fault_ctx *ctx, const cJSON *t, struct nf_filter *f)
{
        char storage[RIFT_MAX_CONFIG_VALUE];
        char *words[NETFILTER_MAX_IFACES];
        size_t n;
        int r =
            tun_list(ctx, t, "NETWORK_INTERFACES", storage, sizeof(storage), words, ARRAY_SIZE(words), &n);
        for (size_t i = 0; r == 0 && i < n; i++) {
                if (strlen(words[i]) >= IFNAMSIZ || strpbrk(words[i], " /!"))
                        return fault_fail(ctx, "NETWORK_INTERFACES: \"%s\" is not an interface name",
                                          words[i]);
                if (if_nametoindex(words[i]) == 0)
                        return fault_fail(ctx, "NETWORK_INTERFACES: no interface \"%s\"", words[i]);
                rift_strlcpy(f->ifaces[f->n_ifaces++], words[i], IFNAMSIZ);
        }
        return r;
}

int netfilter_parse(struct fault_ctx *ctx, const cJSON *t, const char *control_plane, struct nf_filter *ret)
{
        struct nf_filter *f = ret;
        bool include_cp = false;
        memset(f, 0, sizeof(*f));
        f->whitelist_ssh = true;
        int r;
        if ((r = parse_ifaces(ctx, t, f)) < 0 || (r = parse_targets(ctx, t, "DESTINATION_HOSTS", f)) < 0 ||
            (r = parse_targets(ctx, t, "DESTINATION_IPS", f)) < 0 ||
            (r = parse_ports(ctx, t, "SOURCE_PORTS", f->sports, &f->n_sports, f)) < 0 ||
            (r = parse_ports(ctx, t, "DESTINATION_PORTS", f->dports, &f->n_dports, f)) < 0 ||
            (r = tun_bool(ctx, t, "WHITELIST_SSH", &f->whitelist_ssh)) < 0 ||
            (r = tun_bool(ctx, t, "INCLUDE_CONTROL_PLANE", &include_cp)) < 0)
                return r;
        if (control_plane && control_plane[0] && !include_cp) {
                struct nf_target cp;
                if (netfilter_parse_target(control_plane, &cp) < 0)
                        return fault_fail(ctx, "control plane address \"%s\" cannot be resolved",
                                          control_plane);
                cp.port = 0; /* the whole host: also its other ports */
                if (f->n_excl < RIFT_MAX_FAULT_TARGETS)
                        f->excl[f->n_excl++] = cp;
        }
        return 0;
}

/* ---- rules ----------------------------------------------------------------------------------------- */

struct rules {
        char text[NETFILTER_MAX_RULES][160]; /* one rule each */
        size_t n;                            /* used */
};

static int add(struct rules *rs, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int add(struct rules *rs, const char *fmt, ...)
{
        if (rs->n >= NETFILTER_MAX_RULES)
                return RIFT_E_TOOBIG;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(rs->text[rs->n++], sizeof(rs->text[0]), fmt, ap);
        va_end(ap);
        return 0;
}

static void cidr(const struct nf_target *t, char *buf, size_t size)
{
        struct in_addr a = { .s_addr = htonl(t->addr) };
        char ip[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, &a, ip, sizeof(ip));
        snprintf(buf, size, "%s/%u", ip, t->prefix);
}

/* Exclusions: our duplicates, excluded hosts, SSH, excluded ports. `peer` is -d (egress) or -s. */
static int add_excludes(struct rules *rs, const struct nf_filter *f, const char *peer)
{
        static const char *const protos[] = { "tcp", "udp" };
        char net[64];
        int r = add(rs, "-m mark --mark 0x%x -j RETURN", SHAPER_DUP_MARK);
        for (size_t i = 0; r == 0 && i < f->n_excl; i++) {
                cidr(&f->excl[i], net, sizeof(net));
                r = add(rs, "%s %s -j RETURN", peer, net);
        }
        if (r == 0 && f->whitelist_ssh)
                r = add(rs, "-p tcp --dport 22 -j RETURN") ?: add(rs, "-p tcp --sport 22 -j RETURN");
        for (size_t i = 0; r == 0 && i < f->n_excl_ports; i++)
                for (size_t p = 0; r == 0 && p < ARRAY_SIZE(protos); p++)
                        r = add(rs, "-p %s --dport %u -j RETURN", protos[p], f->excl_ports[i])
                                ?: add(rs, "-p %s --sport %u -j RETURN", protos[p], f->excl_ports[i]);
        return r;
}

/* Include rules for one destination match (dst may be empty = any host). */
static int add_includes_for(struct rules *rs, const struct nf_filter *f, const char *dst, uint16_t dst_port,
                            bool egress, const char *action)
{
        static const char *const protos[] = { "tcp", "udp" };
        const char *rport = egress ? "--dport" : "--sport", *lport = egress ? "--sport" : "--dport";
        int r = 0;
        if (dst_port == 0 && f->n_dports == 0 && f->n_sports == 0)
                return add(rs, "%s -j %s", dst, action);
        for (size_t p = 0; r == 0 && p < ARRAY_SIZE(protos); p++) {
                if (dst_port)
                        r = add(rs, "%s -p %s %s %u -j %s", dst, protos[p], rport, dst_port, action);
                for (size_t i = 0; r == 0 && !dst_port && i < f->n_dports; i++)
                        r = add(rs, "%s -p %s %s %u -j %s", dst, protos[p], rport, f->dports[i], action);
                for (size_t i = 0; r == 0 && i < f->n_sports; i++)
                        r = add(rs, "%s -p %s %s %u -j %s", dst, protos[p], lport, f->sports[i], action);
        }
        return r;
}

static int build_rules(struct rules *rs, const struct nf_filter *f, bool egress, const char *action)
{
        const char *peer = egress ? "-d" : "-s";
        char net[64], match[80];
        int r = add_excludes(rs, f, peer);
        if (r == 0 && f->n_dst == 0)
                r = add_includes_for(rs, f, "", 0, egress, action);
        for (size_t i = 0; r == 0 && i < f->n_dst; i++) {
                cidr(&f->dst[i], net, sizeof(net));
                snprintf(match, sizeof(match), "%s %s", peer, net);
                r = add_includes_for(rs, f, match, f->dst[i].port, egress, action);
        }
        return r;
}

/* Journals one direction's chain and its jumps (each record fsync'ed before anything is changed) and adds
 * the chain, its rules and the jumps to batch. */
static int add_chain(struct undo_journal *j, struct ipt_batch *batch, struct rules *rs,
                     const struct nf_filter *f, const char *action, bool egress)
{
        char chain[32];
        snprintf(chain, sizeof(chain), "RIFT-%d-%c", (int)getpid(), egress ? 'O' : 'I');
        rs->n = 0;
        int r = build_rules(rs, f, egress, action);
        if (r < 0)
                return r;
        struct undo_entry ce = { .kind = UNDO_IPT_CHAIN, .table = "filter" };
        rift_strlcpy(ce.name, chain, sizeof(ce.name));
        if ((r = undo_record(j, &ce, NULL)) < 0 || (r = ipt_batch_add(batch, "-N", chain, NULL)) < 0)
                return r;
        for (size_t i = 0; i < rs->n; i++)
                if ((r = ipt_batch_add(batch, "-A", chain, rs->text[i])) < 0)
                        return r;
        for (size_t i = 0; i < (f->n_ifaces ? f->n_ifaces : 1); i++) {
                struct undo_entry je = { .kind = UNDO_IPT_RULE, .table = "filter" };
                rift_strlcpy(je.name, egress ? "OUTPUT" : "INPUT", sizeof(je.name));
                if (f->n_ifaces)
                        snprintf(je.arg, sizeof(je.arg), "%s %s -j %s", egress ? "-o" : "-i", f->ifaces[i],
                                 chain);
                else
                        snprintf(je.arg, sizeof(je.arg), "-j %s", chain);
                if ((r = undo_record(j, &je, NULL)) < 0 ||
                    (r = ipt_batch_add(batch, "-I", je.name, je.arg)) < 0)
                        return r;
        }
        return 0;
}

/* Everything is journalled first, then applied by one iptables-restore: either all of it is in place or
 * none of it (and then the journal's entries revert as "already gone"). */
int netfilter_install(struct undo_journal *j, const struct nf_filter *f, const char *action, bool ingress)
{
        static struct rules rs; /* large: not on the stack */
        struct ipt_batch batch;
        ipt_batch_init(&batch, "filter");
        int r = add_chain(j, &batch, &rs, f, action, true);
        if (r == 0 && ingress)
                r = add_chain(j, &batch, &rs, f, action, false);
        if (r == 0)
                r = ipt_batch_commit(&batch);
        ipt_batch_free(&batch);
        if (r == -EIO) { /* refused as a whole: say why if it is the one reason we can name */
                char chain[32];
                snprintf(chain, sizeof(chain), "RIFT-%d-O", (int)getpid());
                r = ipt_chain_exists("filter", chain) == 1 ? -EEXIST : -EIO;
        }
        if (r == 0)
                undo_crash_point("after-change");
        return r;
}

static bool is_ipt(const struct undo_entry *e)
{
        return e->kind == UNDO_IPT_CHAIN || e->kind == UNDO_IPT_RULE;
}

/* Reverts the newest open iptables entries of the fault in one batch, newest first: jumps deleted,
 * chains emptied (declared) and deleted. Returns how many it marked done, or a negative errno when the
 * batch was refused (one of them is already gone) and nothing changed. */
static int revert_batch(struct fault_ctx *ctx)
{
        const struct undo_entry *es[2 * (NETFILTER_MAX_IFACES + 1)];
        size_t n = 0;
        for (size_t i = undo_count(ctx->journal); i-- > 0 && n < ARRAY_SIZE(es);) {
                const struct undo_entry *e = undo_get(ctx->journal, i);
                if (e->id <= ctx->first_id)
                        break; /* older than the fault */
                if (e->done)
                        continue;
                if (!is_ipt(e) || !rift_streq(e->table, "filter"))
                        break; /* a change to revert before anything older: the replay keeps the order */
                es[n++] = e;
        }
        if (n == 0)
                return 0;
        struct ipt_batch batch;
        ipt_batch_init(&batch, "filter");
        for (size_t i = 0; i < n; i++)
                if (es[i]->kind == UNDO_IPT_CHAIN)
                        ipt_batch_declare(&batch, es[i]->name);
        for (size_t i = 0; i < n; i++)
                ipt_batch_add(&batch, es[i]->kind == UNDO_IPT_CHAIN ? "-X" : "-D", es[i]->name,
                              es[i]->kind == UNDO_IPT_CHAIN ? NULL : es[i]->arg);
        int r = ipt_batch_commit(&batch);
        ipt_batch_free(&batch);
        for (size_t i = 0; r == 0 && i < n; i++) {
                r = undo_mark_done(ctx->journal, es[i]->id);
                undo_crash_point("mid-revert"); /* the rest are gone but still open: replay finds them so */
        }
        return r < 0 ? r : (int)n;
}

int netfilter_revert(struct fault_ctx *ctx)
{
        revert_batch(ctx); /* whatever it could not do, the journal replay below does piece by piece */
        return fault_revert_journal(ctx);
}

void netfilter_to_tc(const struct nf_filter *f, struct tc_match *incl, size_t *ret_n_incl,
                     struct tc_match *excl, size_t *ret_n_excl)
{
        size_t n_excl = 0;
        for (size_t i = 0; i < f->n_dst; i++)
                incl[i] = (struct tc_match){ .addr = f->dst[i].addr,
                                             .prefix = f->dst[i].prefix,
                                             .dport = f->dst[i].port };
        for (size_t i = 0; i < f->n_excl; i++)
                excl[n_excl++] = (struct tc_match){ .addr = f->excl[i].addr, .prefix = f->excl[i].prefix };
        if (f->whitelist_ssh)
                excl[n_excl++] = (struct tc_match){ .dport = 22 };
        *ret_n_incl = f->n_dst;
        *ret_n_excl = n_excl;
}
