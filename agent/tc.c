/* Traffic control through libnl-route. The agent owns exactly one root qdisc per interface (handle
 * 5254:) and everything under it; deleting that root restores the kernel's default qdisc. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/pkt_sched.h>
#include <net/if.h>
#include <netlink/route/classifier.h>
#include <netlink/route/class.h>
#include <netlink/route/cls/u32.h>
#include <netlink/route/link.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/qdisc/htb.h>
#include <netlink/route/qdisc/netem.h>
#include <netlink/route/qdisc/tbf.h>
#include <netlink/route/tc.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent/tc.h"
#include "agent/undo.h"
#include "lib/macro.h"
#include "lib/str.h"

#define PASS_RATE_BYTES 1250000000u /* 10 Gbit/s: "unlimited" for the pass class */

DEFINE_CLEANUP_FUNC(struct nl_sock, nl_socket_free)
DEFINE_CLEANUP_FUNC(struct rtnl_qdisc, rtnl_qdisc_put)
DEFINE_CLEANUP_FUNC(struct rtnl_class, rtnl_class_put)
DEFINE_CLEANUP_FUNC(struct rtnl_cls, rtnl_cls_put)
DEFINE_CLEANUP_FUNC(struct nl_cache, nl_cache_free)

static int nl_err(int e)
{
        switch (-e) {
        case NLE_OBJ_NOTFOUND:
                return -ENOENT;
        case NLE_NODEV:
                return -ENODEV;
        case NLE_EXIST:
                return -EEXIST;
        case NLE_PERM:
                return -EPERM;
        case NLE_NOMEM:
                return -ENOMEM;
        case NLE_OPNOTSUPP:
                return -EOPNOTSUPP;
        default:
                return -EIO;
        }
}

static int connect_route(struct nl_sock **ret)
{
        struct nl_sock *sk = nl_socket_alloc();
        if (!sk)
                return -ENOMEM;
        int r = nl_connect(sk, NETLINK_ROUTE);
        if (r < 0) {
                nl_socket_free(sk);
                return nl_err(r);
        }
        *ret = sk;
        return 0;
}

int tc_ifindex(const char *ifname)
{
        unsigned idx = if_nametoindex(ifname);
        return idx == 0 ? -ENODEV : (int)idx;
}

static int add_netem_on(struct nl_sock *sk, int ifindex)
{
        _cleanup_(rtnl_qdisc_putp) struct rtnl_qdisc *q = rtnl_qdisc_alloc();
        if (!q)
                return -ENOMEM;
        rtnl_tc_set_ifindex(TC_CAST(q), ifindex);
        rtnl_tc_set_parent(TC_CAST(q), TC_H_ROOT);
        rtnl_tc_set_handle(TC_CAST(q), TC_HANDLE(TC_RIFT_MAJOR, 0));
        if (rtnl_tc_set_kind(TC_CAST(q), "netem") < 0)
                return -EOPNOTSUPP;
        rtnl_netem_set_delay(q, 1000);
        int r = rtnl_qdisc_add(sk, q, NLM_F_CREATE | NLM_F_EXCL);
        return r < 0 ? nl_err(r) : 0;
}

bool tc_netem_available(void)
{
        pid_t pid = fork();
        if (pid < 0)
                return false;
        if (pid == 0) {
                /* a fresh namespace: its loopback is ours to play with and vanishes with us */
                struct nl_sock *sk;
                if (unshare(CLONE_NEWNET) < 0 || connect_route(&sk) < 0)
                        _exit(3);
                _exit(add_netem_on(sk, 1) == 0 ? 0 : 2);
        }
        int status;
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return false;
        return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

int tc_root_kind(const char *ifname, char *ret, size_t size)
{
        int ifindex = tc_ifindex(ifname);
        if (ifindex < 0)
                return ifindex;
        _cleanup_(nl_socket_freep) struct nl_sock *sk = NULL;
        _cleanup_(nl_cache_freep) struct nl_cache *cache = NULL;
        int r = connect_route(&sk);
        if (r < 0)
                return r;
        r = rtnl_qdisc_alloc_cache(sk, &cache);
        if (r < 0)
                return nl_err(r);
        struct rtnl_qdisc *q = rtnl_qdisc_get_by_parent(cache, ifindex, TC_H_ROOT);
        const char *kind = q ? rtnl_tc_get_kind(TC_CAST(q)) : "";
        r = rift_strlcpy(ret, kind ? kind : "", size);
        if (q)
                rtnl_qdisc_put(q);
        return r;
}

int tc_qdisc_delete(const char *ifname, uint32_t handle, uint32_t parent)
{
        int ifindex = tc_ifindex(ifname);
        if (ifindex < 0)
                return 0; /* interface gone: so is its qdisc */
        _cleanup_(nl_socket_freep) struct nl_sock *sk = NULL;
        int r = connect_route(&sk);
        if (r < 0)
                return r;
        _cleanup_(rtnl_qdisc_putp) struct rtnl_qdisc *q = rtnl_qdisc_alloc();
        if (!q)
                return -ENOMEM;
        rtnl_tc_set_ifindex(TC_CAST(q), ifindex);
        rtnl_tc_set_parent(TC_CAST(q), parent);
        rtnl_tc_set_handle(TC_CAST(q), handle);
        r = rtnl_qdisc_delete(sk, q);
        if (r == -NLE_OBJ_NOTFOUND || r == -NLE_NODEV || r == -NLE_INVAL)
                return 0;
        return r < 0 ? nl_err(r) : 0;
}

static int add_root(struct nl_sock *sk, int ifindex)
{
        _cleanup_(rtnl_qdisc_putp) struct rtnl_qdisc *q = rtnl_qdisc_alloc();
        if (!q)
                return -ENOMEM;
        rtnl_tc_set_ifindex(TC_CAST(q), ifindex);
        rtnl_tc_set_parent(TC_CAST(q), TC_H_ROOT);
        rtnl_tc_set_handle(TC_CAST(q), TC_HANDLE(TC_RIFT_MAJOR, 0));
        rtnl_tc_set_kind(TC_CAST(q), "htb");
        rtnl_htb_set_defcls(q, TC_HANDLE(TC_RIFT_MAJOR, 1));
        int r = rtnl_qdisc_add(sk, q, NLM_F_CREATE | NLM_F_EXCL);
        return r < 0 ? nl_err(r) : 0;
}

static int add_class(struct nl_sock *sk, int ifindex, uint32_t minor, uint32_t rate_bytes)
{
        _cleanup_(rtnl_class_putp) struct rtnl_class *cl = rtnl_class_alloc();
        if (!cl)
                return -ENOMEM;
        rtnl_tc_set_ifindex(TC_CAST(cl), ifindex);
        rtnl_tc_set_parent(TC_CAST(cl), TC_HANDLE(TC_RIFT_MAJOR, 0));
        rtnl_tc_set_handle(TC_CAST(cl), TC_HANDLE(TC_RIFT_MAJOR, minor));
        rtnl_tc_set_kind(TC_CAST(cl), "htb");
        rtnl_htb_set_rate(cl, rate_bytes);
        rtnl_htb_set_ceil(cl, rate_bytes);
        int r = rtnl_class_add(sk, cl, NLM_F_CREATE);
        return r < 0 ? nl_err(r) : 0;
}

static uint32_t pct_to_u32(double pct)
{
        return pct >= 100.0 ? UINT32_MAX : (uint32_t)(pct / 100.0 * (double)UINT32_MAX);
}

static int add_leaf(struct nl_sock *sk, int ifindex, const struct tc_leaf *leaf)
{
        _cleanup_(rtnl_qdisc_putp) struct rtnl_qdisc *q = rtnl_qdisc_alloc();
        if (!q)
                return -ENOMEM;
        rtnl_tc_set_ifindex(TC_CAST(q), ifindex);
        rtnl_tc_set_parent(TC_CAST(q), TC_HANDLE(TC_RIFT_MAJOR, 2));
        rtnl_tc_set_handle(TC_CAST(q), TC_HANDLE(TC_RIFT_MAJOR + 1, 0));
        if (leaf->netem) {
                if (rtnl_tc_set_kind(TC_CAST(q), "netem") < 0)
                        return -EOPNOTSUPP;
                rtnl_netem_set_delay(q, (int)leaf->delay_us);
                rtnl_netem_set_jitter(q, (int)leaf->jitter_us);
                rtnl_netem_set_loss(q, (int)pct_to_u32(leaf->loss_pct));
        } else {
                rtnl_tc_set_kind(TC_CAST(q), "tbf");
                rtnl_qdisc_tbf_set_limit(q, (int)leaf->limit);
                rtnl_qdisc_tbf_set_rate(q, (int)(leaf->rate_bps / 8), (int)leaf->burst, 0);
                if (leaf->peak_bps)
                        rtnl_qdisc_tbf_set_peakrate(q, (int)(leaf->peak_bps / 8), (int)leaf->min_burst, 0);
        }
        int r = rtnl_qdisc_add(sk, q, NLM_F_CREATE);
        return r < 0 ? nl_err(r) : 0;
}

/* The u32 keys of one destination network: a 32-bit word per 4 address bytes the prefix reaches (one
 * key with mask 0 for prefix 0: any), at off (16: IPv4 destination, 24: IPv6 destination). */
static void add_addr_keys(struct rtnl_cls *cls, const struct tc_match *m, size_t len, int off)
{
        for (size_t w = 0; w < len / 4; w++) {
                unsigned bits = m->prefix >= (w + 1) * 32 ? 32 : m->prefix > w * 32 ? m->prefix - w * 32 : 0;
                if (bits == 0 && w > 0)
                        break;
                uint32_t mask = bits == 0 ? 0 : UINT32_MAX << (32 - bits), word;
                memcpy(&word, m->addr + 4 * w, 4);
                rtnl_u32_add_key_uint32(cls, ntohl(word) & mask, mask, off + 4 * (int)w, 0);
        }
}

/* prio orders the filters: each family's excludes before its includes (filters of one prio share
 * their protocol). */
static uint16_t filter_prio(const struct tc_match *m, bool exclude)
{
        return (uint16_t)((m->family == AF_INET6 ? 3 : 1) + !exclude);
}

static int add_filter(struct nl_sock *sk, int ifindex, const struct tc_match *m, bool exclude)
{
        bool v6 = m->family == AF_INET6;
        _cleanup_(rtnl_cls_putp) struct rtnl_cls *cls = rtnl_cls_alloc();
        if (!cls)
                return -ENOMEM;
        rtnl_tc_set_ifindex(TC_CAST(cls), ifindex);
        rtnl_tc_set_parent(TC_CAST(cls), TC_HANDLE(TC_RIFT_MAJOR, 0));
        rtnl_tc_set_kind(TC_CAST(cls), "u32");
        rtnl_cls_set_prio(cls, filter_prio(m, exclude));
        rtnl_cls_set_protocol(cls, v6 ? ETH_P_IPV6 : ETH_P_IP);
        add_addr_keys(cls, m, v6 ? 16 : 4, v6 ? 24 : 16);
        if (m->dport) /* after a 20-byte IPv4 or a 40-byte IPv6 header */
                rtnl_u32_add_key_uint16(cls, m->dport, 0xffff, v6 ? 42 : 22, 0);
        rtnl_u32_set_classid(cls, TC_HANDLE(TC_RIFT_MAJOR, exclude ? 1 : 2));
        rtnl_u32_set_cls_terminal(cls);
        int r = rtnl_cls_add(sk, cls, NLM_F_CREATE);
        return r < 0 ? nl_err(r) : 0;
}

int tc_shape(const char *ifname, const struct tc_match *incl, size_t n_incl, const struct tc_match *excl,
             size_t n_excl, const struct tc_leaf *leaf)
{
        int ifindex = tc_ifindex(ifname);
        if (n_incl == 0)
                return -EINVAL;
        if (ifindex < 0)
                return ifindex;
        _cleanup_(nl_socket_freep) struct nl_sock *sk = NULL;
        int r = connect_route(&sk);
        if (r < 0)
                return r;
        uint32_t shaped_rate =
            leaf->netem ? PASS_RATE_BYTES : (uint32_t)MIN(leaf->rate_bps / 8, PASS_RATE_BYTES);
        if ((r = add_root(sk, ifindex)) < 0 || (r = add_class(sk, ifindex, 1, PASS_RATE_BYTES)) < 0 ||
            (r = add_class(sk, ifindex, 2, shaped_rate)) < 0 || (r = add_leaf(sk, ifindex, leaf)) < 0)
                return r;
        for (size_t i = 0; i < n_excl; i++)
                if ((r = add_filter(sk, ifindex, &excl[i], true)) < 0)
                        return r;
        for (size_t i = 0; i < n_incl; i++)
                if ((r = add_filter(sk, ifindex, &incl[i], false)) < 0)
                        return r;
        return 0;
}

bool tc_kind_is_default(const char *kind)
{
        static const char *const defaults[] = { "", "noqueue", "pfifo_fast", "mq" };
        char sysdef[32] = "";
        FILE *f = fopen("/proc/sys/net/core/default_qdisc", "re");
        if (f) {
                if (!fgets(sysdef, sizeof(sysdef), f))
                        sysdef[0] = '\0';
                fclose(f);
        }
        if (rift_streq(rift_strstrip(sysdef), kind))
                return true;
        for (size_t i = 0; i < ARRAY_SIZE(defaults); i++)
                if (rift_streq(defaults[i], kind))
                        return true;
        return false;
}

int tc_shape_owned(struct undo_journal *j, const char *ifname, const struct tc_match *incl, size_t n_incl,
                   const struct tc_match *excl, size_t n_excl, const struct tc_leaf *leaf, char *ret_kind,
                   size_t kind_size)
{
        int r = tc_root_kind(ifname, ret_kind, kind_size);
        if (r < 0)
                return r;
        if (!tc_kind_is_default(ret_kind))
                return -EBUSY;
        struct undo_entry e = { .kind = UNDO_QDISC, .handle = TC_RIFT_MAJOR << 16, .parent = TC_H_ROOT };
        rift_strlcpy(e.name, ifname, sizeof(e.name));
        if ((r = undo_record(j, &e, NULL)) < 0 ||
            (r = tc_shape(ifname, incl, n_incl, excl, n_excl, leaf)) < 0)
                return r;
        undo_crash_point("after-change");
        return 0;
}
