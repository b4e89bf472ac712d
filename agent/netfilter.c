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
#include "agent/nft.h"
#include "agent/shaper.h"
#include "agent/tc.h"
#include "lib/buf.h"
#include "lib/error.h"
#include "lib/macro.h"
#include "lib/str.h"

/* Zeroes the host bits past prefix (iptables would do the same; the text then says what is matched). */
static void mask_host_bits(struct nf_target *t)
{
        size_t len = t->family == AF_INET ? 4 : 16;
        for (size_t i = 0; i < len; i++) {
                unsigned keep = t->prefix >= (i + 1) * 8 ? 8 : t->prefix > i * 8 ? t->prefix - i * 8 : 0;
                t->addr[i] &= (uint8_t)(0xff00u >> keep);
        }
}

static int literal(const char *host, struct nf_target *t)
{
        struct in_addr a4;
        struct in6_addr a6;
        if (inet_pton(AF_INET, host, &a4) == 1) {
                t->family = AF_INET;
                memcpy(t->addr, &a4, 4);
                return 0;
        }
        if (inet_pton(AF_INET6, host, &a6) == 1) {
                t->family = AF_INET6;
                memcpy(t->addr, &a6, 16);
                return 0;
        }
        return RIFT_E_NOTFOUND;
}

static bool same_target(const struct nf_target *a, const struct nf_target *b)
{
        return a->family == b->family && memcmp(a->addr, b->addr, sizeof(a->addr)) == 0;
}

/* Every A and AAAA address of host (deduplicated, in the resolver's order). */
static int resolve_all(const char *host, const struct nf_target *tmpl, struct nf_target *ret, size_t max,
                       size_t *ret_n)
{
        struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res = NULL;
        if (getaddrinfo(host, NULL, &hints, &res) != 0 || !res)
                return RIFT_E_NOTFOUND;
        size_t n = 0;
        int r = 0;
        for (const struct addrinfo *ai = res; ai; ai = ai->ai_next) {
                struct nf_target t = *tmpl;
                if (ai->ai_family == AF_INET) {
                        t.family = AF_INET;
                        t.prefix = 32;
                        memcpy(t.addr, &((const struct sockaddr_in *)ai->ai_addr)->sin_addr, 4);
                } else if (ai->ai_family == AF_INET6) {
                        t.family = AF_INET6;
                        t.prefix = 128;
                        memcpy(t.addr, &((const struct sockaddr_in6 *)ai->ai_addr)->sin6_addr, 16);
                } else {
                        continue;
                }
                bool dup = false;
                for (size_t i = 0; i < n && !dup; i++)
                        dup = same_target(&ret[i], &t);
                if (dup)
                        continue;
                if (n >= max) {
                        r = RIFT_E_TOOBIG;
                        break;
                }
                ret[n++] = t;
        }
        freeaddrinfo(res);
        *ret_n = n;
        return r < 0 ? r : n ? 0 : RIFT_E_NOTFOUND;
}

static int parse_fail(char *err, size_t size, int r, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int parse_fail(char *err, size_t size, int r, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        if (err && size)
                vsnprintf(err, size, fmt, ap);
        va_end(ap);
        return r;
}

int netfilter_parse_target(const char *s, struct nf_target *ret, size_t max, size_t *ret_n, char *err,
                           size_t err_size)
{
        char host[256];
        struct nf_target t = { .family = AF_UNSPEC };
        const char *prefix = NULL;
        if (rift_strlcpy(host, s, sizeof(host)) < 0)
                return parse_fail(err, err_size, RIFT_E_INVALID, "\"%.64s...\" is too long", s);
        if (max == 0)
                return parse_fail(err, err_size, RIFT_E_TOOBIG, "\"%s\": too many targets", s);
        char *bar = strchr(host, '|');
        if (bar) {
                int64_t port;
                *bar = '\0';
                if (rift_parse_int64(bar + 1, 1, 65535, &port) < 0)
                        return parse_fail(err, err_size, RIFT_E_INVALID,
                                          "\"%s\": port \"%s\" is not in 1..65535", s, bar + 1);
                t.port = (uint16_t)port;
        }
        char *addr = host;
        if (host[0] == '[') {
                char *close = strchr(host, ']');
                if (!close || (close[1] != '\0' && close[1] != '/'))
                        return parse_fail(err, err_size, RIFT_E_INVALID,
                                          "\"%s\": \"[\" needs a closing \"]\", then only /prefix or |port",
                                          s);
                *close = '\0';
                addr = host + 1;
                prefix = close[1] == '/' ? close + 2 : NULL;
                struct in6_addr a6;
                if (inet_pton(AF_INET6, addr, &a6) != 1)
                        return parse_fail(err, err_size, RIFT_E_INVALID,
                                          "\"%s\": brackets hold an IPv6 address only", s);
        } else {
                char *slash = strchr(host, '/');
                if (slash) {
                        *slash = '\0';
                        prefix = slash + 1;
                }
        }
        if (!addr[0])
                return parse_fail(err, err_size, RIFT_E_INVALID, "\"%s\": no address or host", s);
        if (literal(addr, &t) < 0) {
                if (prefix)
                        return parse_fail(err, err_size, RIFT_E_INVALID,
                                          "\"%s\": a /prefix needs an IPv4 or IPv6 address, not a host name",
                                          s);
                if (strchr(addr, ':'))
                        return parse_fail(err, err_size, RIFT_E_INVALID,
                                          "\"%s\" is not an IPv6 address (a port goes after \"|\": "
                                          "[2001:db8::1]|443)",
                                          s);
                int r = resolve_all(addr, &t, ret, max, ret_n);
                if (r == RIFT_E_TOOBIG)
                        return parse_fail(err, err_size, r, "\"%s\" has more than %zu addresses", s, max);
                if (r < 0)
                        return parse_fail(err, err_size, RIFT_E_INVALID,
                                          "\"%s\" is not an IPv4 or IPv6 address, CIDR or host that resolves",
                                          s);
                return 0;
        }
        unsigned max_prefix = t.family == AF_INET ? 32 : 128;
        int64_t pfx = max_prefix;
        if (prefix && rift_parse_int64(prefix, 0, max_prefix, &pfx) < 0)
                return parse_fail(err, err_size, RIFT_E_INVALID, "\"%s\": prefix \"%s\" is not in 0..%u", s,
                                  prefix, max_prefix);
        t.prefix = (uint8_t)pfx;
        mask_host_bits(&t);
        ret[0] = t;
        *ret_n = 1;
        return 0;
}

void netfilter_format(const struct nf_target *t, char *buf, size_t size)
{
        char ip[INET6_ADDRSTRLEN];
        inet_ntop(t->family == AF_INET6 ? AF_INET6 : AF_INET, t->addr, ip, sizeof(ip));
        snprintf(buf, size, "%s/%u", ip, t->prefix);
}

static int parse_targets(struct fault_ctx *ctx, const cJSON *t, const char *key, struct nf_filter *f)
{
        char storage[RIFT_MAX_CONFIG_VALUE];
        char *words[RIFT_MAX_FAULT_TARGETS];
        char err[FAULT_ERR_MAX - 64];
        size_t n;
        int r = tun_list(ctx, t, key, storage, sizeof(storage), words, ARRAY_SIZE(words), &n);
        for (size_t i = 0; r == 0 && i < n; i++) {
                bool neg = words[i][0] == '!';
                size_t *cnt = neg ? &f->n_excl : &f->n_dst;
                struct nf_target *arr = neg ? f->excl : f->dst;
                size_t got = 0;
                if (*cnt >= RIFT_MAX_FAULT_TARGETS)
                        return fault_fail(ctx, "%s: too many targets (at most %u addresses)", key,
                                          RIFT_MAX_FAULT_TARGETS);
                r = netfilter_parse_target(words[i] + neg, arr + *cnt, RIFT_MAX_FAULT_TARGETS - *cnt, &got,
                                           err, sizeof(err));
                if (r == RIFT_E_TOOBIG)
                        return fault_fail(ctx, "%s: too many targets (at most %u addresses): %s", key,
                                          RIFT_MAX_FAULT_TARGETS, err);
                if (r < 0)
                        return fault_fail(ctx, "%s: %s", key, err);
                *cnt += got;
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
                /* every address of the control plane, the whole host (also its other ports) */
                struct nf_target cp[RIFT_MAX_FAULT_TARGETS];
                size_t n_cp = 0;
                if (netfilter_parse_target(control_plane, cp, ARRAY_SIZE(cp), &n_cp, NULL, 0) < 0)
                        return fault_fail(ctx, "control plane address \"%s\" cannot be resolved",
                                          control_plane);
                for (size_t i = 0; i < n_cp; i++) {
                        if (f->n_excl >= RIFT_MAX_FAULT_TARGETS)
                                return fault_fail(ctx,
                                                  "too many exclusions with the control plane's %zu "
                                                  "addresses (at most %u)",
                                                  n_cp, RIFT_MAX_FAULT_TARGETS);
                        cp[i].port = 0;
                        f->excl[f->n_excl++] = cp[i];
                }
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

/* Exclusions: our duplicates, excluded hosts (of the family), SSH, excluded ports. `peer` is -d
 * (egress) or -s. */
static int add_excludes(struct rules *rs, const struct nf_filter *f, int family, const char *peer)
{
        static const char *const protos[] = { "tcp", "udp" };
        char net[64];
        /* IPv6 neighbour discovery (router solicitation/advertisement, neighbour solicitation/
         * advertisement, redirect) is what ARP is for IPv4, which iptables never sees: it always passes,
         * or a partition would also cut every excluded host on the link */
        static const unsigned nd_types[] = { 133, 134, 135, 136, 137 };
        int r = add(rs, "-m mark --mark 0x%x -j RETURN", SHAPER_DUP_MARK);
        for (size_t i = 0; r == 0 && family == AF_INET6 && i < ARRAY_SIZE(nd_types); i++)
                r = add(rs, "-p ipv6-icmp --icmpv6-type %u -j RETURN", nd_types[i]);
        for (size_t i = 0; r == 0 && i < f->n_excl; i++) {
                if (f->excl[i].family != family)
                        continue;
                netfilter_format(&f->excl[i], net, sizeof(net));
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

static int build_rules(struct rules *rs, const struct nf_filter *f, int family, bool egress,
                       const char *action)
{
        const char *peer = egress ? "-d" : "-s";
        char net[64], match[80];
        int r = add_excludes(rs, f, family, peer);
        if (r == 0 && f->n_dst == 0)
                r = add_includes_for(rs, f, "", 0, egress, action);
        for (size_t i = 0; r == 0 && i < f->n_dst; i++) {
                if (f->dst[i].family != family)
                        continue;
                netfilter_format(&f->dst[i], net, sizeof(net));
                snprintf(match, sizeof(match), "%s %s", peer, net);
                r = add_includes_for(rs, f, match, f->dst[i].port, egress, action);
        }
        return r;
}

/* Journals one direction's chain and its jumps (each record fsync'ed before anything is changed) and adds
 * the chain, its rules and the jumps to batch. */
static int add_chain(struct undo_journal *j, struct ipt_batch *batch, struct rules *rs,
                     const struct nf_filter *f, int family, const char *action, bool egress)
{
        char chain[32];
        bool v6 = family == AF_INET6;
        snprintf(chain, sizeof(chain), "RIFT-%d-%c", (int)getpid(), egress ? 'O' : 'I');
        rs->n = 0;
        int r = build_rules(rs, f, family, egress, action);
        if (r < 0)
                return r;
        struct undo_entry ce = { .kind = v6 ? UNDO_IP6T_CHAIN : UNDO_IPT_CHAIN, .table = "filter" };
        rift_strlcpy(ce.name, chain, sizeof(ce.name));
        if ((r = undo_record(j, &ce, NULL)) < 0 || (r = ipt_batch_add(batch, "-N", chain, NULL)) < 0)
                return r;
        for (size_t i = 0; i < rs->n; i++)
                if ((r = ipt_batch_add(batch, "-A", chain, rs->text[i])) < 0)
                        return r;
        for (size_t i = 0; i < (f->n_ifaces ? f->n_ifaces : 1); i++) {
                struct undo_entry je = { .kind = v6 ? UNDO_IP6T_RULE : UNDO_IPT_RULE, .table = "filter" };
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

unsigned netfilter_families(const struct nf_filter *f)
{
        unsigned fam = 0;
        for (size_t i = 0; i < f->n_dst; i++)
                fam |= f->dst[i].family == AF_INET6 ? NF_FAMILY_V6 : NF_FAMILY_V4;
        /* no destination: every family this machine has (a kernel booted with IPv6 disabled has no
         * /proc/net/if_inet6, and ip6tables would fail the whole fault there) */
        if (f->n_dst == 0)
                fam = NF_FAMILY_V4 | (access("/proc/net/if_inet6", F_OK) == 0 ? NF_FAMILY_V6 : 0);
        return fam;
}

/* One family: everything is journalled first, then applied by one (ip6)iptables-restore: either all of
 * it is in place or none of it (and then the journal's entries revert as "already gone"). */
static int install_family(struct undo_journal *j, const struct nf_filter *f, int family, const char *action,
                          bool ingress)
{
        static struct rules rs; /* large: not on the stack */
        struct ipt_batch batch;
        ipt_batch_init_family(&batch, family, "filter");
        int r = add_chain(j, &batch, &rs, f, family, action, true);
        if (r == 0 && ingress)
                r = add_chain(j, &batch, &rs, f, family, action, false);
        if (r == 0)
                r = ipt_batch_commit(&batch);
        ipt_batch_free(&batch);
        if (r == -EIO) { /* refused as a whole: say why if it is the one reason we can name */
                char chain[32];
                snprintf(chain, sizeof(chain), "RIFT-%d-O", (int)getpid());
                r = ipt_family_chain_exists(family, "filter", chain) == 1 ? -EEXIST : -EIO;
        }
        if (r == 0)
                undo_crash_point("after-change");
        return r;
}

/* IPv4 first, then IPv6; a failure of the second leaves the first journalled for the fault's revert. */
int netfilter_install(struct undo_journal *j, const struct nf_filter *f, const char *action, bool ingress)
{
        unsigned fam = netfilter_families(f);
        int r = 0;
        if (fam & NF_FAMILY_V4)
                r = install_family(j, f, AF_INET, action, ingress);
        if (r == 0 && (fam & NF_FAMILY_V6))
                r = install_family(j, f, AF_INET6, action, ingress);
        return r;
}

static int entry_family(const struct undo_entry *e)
{
        if (!rift_streq(e->table, "filter"))
                return AF_UNSPEC;
        return e->kind == UNDO_IPT_CHAIN || e->kind == UNDO_IPT_RULE     ? AF_INET
               : e->kind == UNDO_IP6T_CHAIN || e->kind == UNDO_IP6T_RULE ? AF_INET6
                                                                         : AF_UNSPEC;
}

static bool is_chain(const struct undo_entry *e)
{
        return e->kind == UNDO_IPT_CHAIN || e->kind == UNDO_IP6T_CHAIN;
}

static int mark_done(struct undo_journal *j, const struct undo_entry *const *es, size_t n)
{
        int r = 0;
        for (size_t i = 0; r == 0 && i < n; i++) {
                r = undo_mark_done(j, es[i]->id);
                undo_crash_point("mid-revert"); /* the rest are gone but still open: replay finds them so */
        }
        return r < 0 ? r : (int)n;
}

/* The chain a jump entry's rule ("[-o IF ]-j CHAIN") names, or NULL. */
static const char *jump_target(const struct undo_entry *e)
{
        const char *j = strstr(e->arg, "-j ");
        return j && (j == e->arg || j[-1] == ' ') && !strchr(j + 3, ' ') ? j + 3 : NULL;
}

/* The entries' chains and the jumps to them deleted through nft.h's kept socket (no process, no wait for
 * the kernel's destroy work): only when every jump goes to one of the entries' chains. 0 when done. */
static int revert_native(int family, const struct undo_entry *const *es, size_t n)
{
        const char *chains[NFT_MAX_CHAINS], *bases[NFT_MAX_BASES];
        size_t n_chains = 0, n_bases = 0;
        for (size_t i = 0; i < n; i++)
                if (is_chain(es[i])) {
                        if (n_chains >= NFT_MAX_CHAINS)
                                return -E2BIG;
                        chains[n_chains++] = es[i]->name;
                }
        for (size_t i = 0; i < n; i++) {
                if (is_chain(es[i]))
                        continue;
                const char *target = jump_target(es[i]);
                bool ours = false, seen = false;
                for (size_t k = 0; target && k < n_chains; k++)
                        ours = ours || rift_streq(target, chains[k]);
                if (!ours)
                        return -EINVAL;
                for (size_t k = 0; k < n_bases; k++)
                        seen = seen || rift_streq(bases[k], es[i]->name);
                if (!seen && n_bases >= NFT_MAX_BASES)
                        return -E2BIG;
                if (!seen)
                        bases[n_bases++] = es[i]->name;
        }
        if (n_chains == 0 || n_bases == 0)
                return -EINVAL;
        return nft_delete_chains(family, es[0]->table, bases, n_bases, chains, n_chains);
}

/* Reverts the newest open (ip6)iptables entries newer than id since, all of one family, in one batch,
 * newest first: jumps deleted, chains emptied (declared) and deleted. Returns how many it marked done, or
 * a negative errno when the batch was refused (one of them is already gone) and nothing changed. */
static int revert_batch(struct undo_journal *j, uint64_t since)
{
        const struct undo_entry *es[2 * (NETFILTER_MAX_IFACES + 1)];
        size_t n = 0;
        int family = AF_UNSPEC;
        for (size_t i = undo_count(j); i-- > 0 && n < ARRAY_SIZE(es);) {
                const struct undo_entry *e = undo_get(j, i);
                if (e->id <= since)
                        break; /* older than the fault */
                if (e->done)
                        continue;
                int fam = entry_family(e);
                if (fam == AF_UNSPEC || (family != AF_UNSPEC && fam != family))
                        break; /* a change to revert before anything older: the replay keeps the order */
                family = fam;
                es[n++] = e;
        }
        if (n == 0)
                return 0;
        if (revert_native(family, es, n) == 0)
                return mark_done(j, es, n);
        struct ipt_batch batch;
        ipt_batch_init_family(&batch, family, "filter");
        for (size_t i = 0; i < n; i++)
                if (is_chain(es[i]))
                        ipt_batch_declare(&batch, es[i]->name);
        for (size_t i = 0; i < n; i++)
                ipt_batch_add(&batch, is_chain(es[i]) ? "-X" : "-D", es[i]->name,
                              is_chain(es[i]) ? NULL : es[i]->arg);
        int r = ipt_batch_commit(&batch);
        ipt_batch_free(&batch);
        return r < 0 ? r : mark_done(j, es, n);
}

void netfilter_revert_batches(struct undo_journal *j, uint64_t since, unsigned max)
{
        for (unsigned i = 0; i < max && revert_batch(j, since) > 0; i++)
                ;
}

int netfilter_revert(struct fault_ctx *ctx)
{
        /* one batch per family (IPv6, journalled last, first); whatever a batch could not do, the journal
         * replay below does piece by piece */
        netfilter_revert_batches(ctx->journal, ctx->first_id, 2);
        return fault_revert_journal(ctx);
}

static struct tc_match to_tc(const struct nf_target *t, uint16_t port)
{
        struct tc_match m = { .family = t->family, .prefix = t->prefix, .dport = port };
        memcpy(m.addr, t->addr, sizeof(m.addr));
        return m;
}

void netfilter_to_tc(const struct nf_filter *f, struct tc_match *incl, size_t *ret_n_incl,
                     struct tc_match *excl, size_t *ret_n_excl)
{
        static const int families[] = { AF_INET, AF_INET6 };
        unsigned fam = netfilter_families(f);
        size_t n_incl = 0, n_excl = 0;
        for (size_t i = 0; i < f->n_dst; i++)
                incl[n_incl++] = to_tc(&f->dst[i], f->dst[i].port);
        for (size_t i = 0; i < f->n_excl; i++)
                if (fam & (f->excl[i].family == AF_INET6 ? NF_FAMILY_V6 : NF_FAMILY_V4))
                        excl[n_excl++] = to_tc(&f->excl[i], 0);
        for (size_t i = 0; i < ARRAY_SIZE(families); i++) {
                if (!(fam & (families[i] == AF_INET6 ? NF_FAMILY_V6 : NF_FAMILY_V4)))
                        continue;
                if (f->n_dst == 0) /* every destination of the family */
                        incl[n_incl++] = (struct tc_match){ .family = families[i] };
                if (f->whitelist_ssh)
                        excl[n_excl++] = (struct tc_match){ .family = families[i], .dport = 22 };
        }
        *ret_n_incl = n_incl;
        *ret_n_excl = n_excl;
}
