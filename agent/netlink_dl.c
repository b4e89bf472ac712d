/* libnl-route-3 and libnetfilter_queue loaded on first use: see netlink_dl.h. */
#include <errno.h>
#include <libnetfilter_queue/libnetfilter_queue.h>
#include <netlink/errno.h>
#include <netlink/route/class.h>
#include <netlink/route/classifier.h>
#include <netlink/route/cls/u32.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/qdisc/htb.h>
#include <netlink/route/qdisc/netem.h>
#include <netlink/route/qdisc/tbf.h>
#include <netlink/route/tc.h>
#include <pthread.h>
#include <stddef.h>

#include "agent/dl.h"
#include "agent/netlink_dl.h"
#include "lib/error.h"
#include "lib/log.h"
#include "lib/macro.h"

/* Each library's functions: R(return type, value on load failure, name, parameters, arguments) and
 * V(name, parameters, arguments) for void ones. The compiler checks every line against the header. */
#define NL_FUNCS(R, V)                                                                                       \
        R(struct nl_sock *, NULL, nl_socket_alloc, (void), ())                                               \
        V(nl_socket_free, (struct nl_sock * a), (a))                                                         \
        R(int, -NLE_OPNOTSUPP, nl_connect, (struct nl_sock * a, int b), (a, b))                              \
        V(nl_cache_free, (struct nl_cache * a), (a))                                                         \
        R(struct rtnl_qdisc *, NULL, rtnl_qdisc_alloc, (void), ())                                           \
        V(rtnl_qdisc_put, (struct rtnl_qdisc * a), (a))                                                      \
        R(int, -NLE_OPNOTSUPP, rtnl_qdisc_add, (struct nl_sock * a, struct rtnl_qdisc * b, int c),           \
          (a, b, c))                                                                                         \
        R(int, -NLE_OPNOTSUPP, rtnl_qdisc_delete, (struct nl_sock * a, struct rtnl_qdisc * b), (a, b))       \
        R(int, -NLE_OPNOTSUPP, rtnl_qdisc_alloc_cache, (struct nl_sock * a, struct nl_cache * *b), (a, b))   \
        R(struct rtnl_qdisc *, NULL, rtnl_qdisc_get_by_parent, (struct nl_cache * a, int b, uint32_t c),     \
          (a, b, c))                                                                                         \
        V(rtnl_qdisc_tbf_set_limit, (struct rtnl_qdisc * a, int b), (a, b))                                  \
        V(rtnl_qdisc_tbf_set_rate, (struct rtnl_qdisc * a, int b, int c, int d), (a, b, c, d))               \
        R(int, -NLE_OPNOTSUPP, rtnl_qdisc_tbf_set_peakrate, (struct rtnl_qdisc * a, int b, int c, int d),    \
          (a, b, c, d))                                                                                      \
        V(rtnl_netem_set_delay, (struct rtnl_qdisc * a, int b), (a, b))                                      \
        V(rtnl_netem_set_jitter, (struct rtnl_qdisc * a, int b), (a, b))                                     \
        V(rtnl_netem_set_loss, (struct rtnl_qdisc * a, int b), (a, b))                                       \
        R(int, -NLE_OPNOTSUPP, rtnl_htb_set_defcls, (struct rtnl_qdisc * a, uint32_t b), (a, b))             \
        R(struct rtnl_class *, NULL, rtnl_class_alloc, (void), ())                                           \
        V(rtnl_class_put, (struct rtnl_class * a), (a))                                                      \
        R(int, -NLE_OPNOTSUPP, rtnl_class_add, (struct nl_sock * a, struct rtnl_class * b, int c),           \
          (a, b, c))                                                                                         \
        R(int, -NLE_OPNOTSUPP, rtnl_htb_set_rate, (struct rtnl_class * a, uint32_t b), (a, b))               \
        R(int, -NLE_OPNOTSUPP, rtnl_htb_set_ceil, (struct rtnl_class * a, uint32_t b), (a, b))               \
        R(struct rtnl_cls *, NULL, rtnl_cls_alloc, (void), ())                                               \
        V(rtnl_cls_put, (struct rtnl_cls * a), (a))                                                          \
        R(int, -NLE_OPNOTSUPP, rtnl_cls_add, (struct nl_sock * a, struct rtnl_cls * b, int c), (a, b, c))    \
        V(rtnl_cls_set_prio, (struct rtnl_cls * a, uint16_t b), (a, b))                                      \
        V(rtnl_cls_set_protocol, (struct rtnl_cls * a, uint16_t b), (a, b))                                  \
        R(int, -NLE_OPNOTSUPP, rtnl_u32_add_key_uint16,                                                      \
          (struct rtnl_cls * a, uint16_t b, uint16_t c, int d, int e), (a, b, c, d, e))                      \
        R(int, -NLE_OPNOTSUPP, rtnl_u32_add_key_uint32,                                                      \
          (struct rtnl_cls * a, uint32_t b, uint32_t c, int d, int e), (a, b, c, d, e))                      \
        R(int, -NLE_OPNOTSUPP, rtnl_u32_set_classid, (struct rtnl_cls * a, uint32_t b), (a, b))              \
        R(int, -NLE_OPNOTSUPP, rtnl_u32_set_cls_terminal, (struct rtnl_cls * a), (a))                        \
        R(char *, NULL, rtnl_tc_get_kind, (struct rtnl_tc * a), (a))                                         \
        R(int, -NLE_OPNOTSUPP, rtnl_tc_set_kind, (struct rtnl_tc * a, const char *b), (a, b))                \
        V(rtnl_tc_set_handle, (struct rtnl_tc * a, uint32_t b), (a, b))                                      \
        V(rtnl_tc_set_ifindex, (struct rtnl_tc * a, int b), (a, b))                                          \
        V(rtnl_tc_set_parent, (struct rtnl_tc * a, uint32_t b), (a, b))

#define NFQ_FUNCS(R, V)                                                                                      \
        R(struct nfq_handle *, NULL, nfq_open, (void), ())                                                   \
        R(int, -1, nfq_close, (struct nfq_handle * a), (a))                                                  \
        R(int, -1, nfq_fd, (struct nfq_handle * a), (a))                                                     \
        R(struct nfq_q_handle *, NULL, nfq_create_queue,                                                     \
          (struct nfq_handle * a, uint16_t b, nfq_callback * c, void *d), (a, b, c, d))                      \
        R(int, -1, nfq_destroy_queue, (struct nfq_q_handle * a), (a))                                        \
        R(int, -1, nfq_set_mode, (struct nfq_q_handle * a, uint8_t b, unsigned int c), (a, b, c))            \
        R(int, -1, nfq_set_queue_flags, (struct nfq_q_handle * a, uint32_t b, uint32_t c), (a, b, c))        \
        R(int, -1, nfq_set_queue_maxlen, (struct nfq_q_handle * a, uint32_t b), (a, b))                      \
        R(int, -1, nfq_handle_packet, (struct nfq_handle * a, char *b, int c), (a, b, c))                    \
        R(struct nfqnl_msg_packet_hdr *, NULL, nfq_get_msg_packet_hdr, (struct nfq_data * a), (a))           \
        R(int, -1, nfq_get_payload, (struct nfq_data * a, unsigned char **b), (a, b))                        \
        R(int, -1, nfq_set_verdict,                                                                          \
          (struct nfq_q_handle * a, uint32_t b, uint32_t c, uint32_t d, const unsigned char *e),             \
          (a, b, c, d, e))

/* ---- the function-pointer structs and their name tables ---- */
#define SLOT_R(ret, fail, f, params, args) __typeof__(&f) f;
#define SLOT_V(f, params, args)            __typeof__(&f) f;
struct nl_syms {
        NL_FUNCS(SLOT_R, SLOT_V) /* libnl's function of the same name */
};
struct nfq_syms {
        NFQ_FUNCS(SLOT_R, SLOT_V) /* libnetfilter_queue's function of the same name */
};
#undef SLOT_R
#undef SLOT_V

#define NAME_R(ret, fail, f, params, args) { #f, offsetof(SYMS, f) },
#define NAME_V(f, params, args)            { #f, offsetof(SYMS, f) },
#define SYMS                               struct nl_syms
static const struct dl_sym nl_table[] = { NL_FUNCS(NAME_R, NAME_V) };
#undef SYMS
#define SYMS struct nfq_syms
static const struct dl_sym nfq_table[] = { NFQ_FUNCS(NAME_R, NAME_V) };
#undef SYMS
#undef NAME_R
#undef NAME_V

static struct nl_syms nl;   /* all set once libnl is loaded */
static struct nfq_syms nfq; /* all set once libnetfilter_queue is loaded */

/* One library's loading state. */
struct lib {
        const char *soname;         /* what dlopen() is asked for */
        const char *purpose;        /* for the log line */
        const struct dl_sym *table; /* its functions */
        size_t n;                   /* entries in table */
        void *slots;                /* &nl or &nfq */
        size_t slots_size;          /* sizeof that struct */
        pthread_once_t once;        /* the one attempt */
        bool loaded;                /* written once under once */
        char error[512];            /* why the attempt failed */
};

static struct lib libs[] = {
        [NETLINK_DL_NL] = { NETLINK_DL_NL_SONAME, "traffic control faults (netem, tbf, htb) will fail",
                            nl_table, ARRAY_SIZE(nl_table), &nl, sizeof(nl), PTHREAD_ONCE_INIT, false, "" },
        [NETLINK_DL_NFQ] = { NETLINK_DL_NFQ_SONAME, "the NFQUEUE shaper and DNS faults will fail", nfq_table,
                             ARRAY_SIZE(nfq_table), &nfq, sizeof(nfq), PTHREAD_ONCE_INIT, false, "" },
};

static void load(struct lib *l)
{
        if (dl_table_open(l->soname, l->table, l->n, l->slots, l->slots_size, l->error, sizeof(l->error)) <
            0) {
                log_error("cannot load a library", LOG_STR("library", l->soname),
                          LOG_STR("effect", l->purpose), LOG_STR("detail", l->error));
                return;
        }
        __atomic_store_n(&l->loaded, true, __ATOMIC_RELEASE);
}

static void load_nl(void)
{
        load(&libs[NETLINK_DL_NL]);
}

static void load_nfq(void)
{
        load(&libs[NETLINK_DL_NFQ]);
}

int netlink_dl_load(enum netlink_dl_lib lib)
{
        pthread_once(&libs[lib].once, lib == NETLINK_DL_NL ? load_nl : load_nfq);
        return libs[lib].loaded ? 0 : RIFT_E_UNAVAILABLE;
}

bool netlink_dl_loaded(enum netlink_dl_lib lib)
{
        return __atomic_load_n(&libs[lib].loaded, __ATOMIC_ACQUIRE);
}

const char *netlink_dl_error(enum netlink_dl_lib lib)
{
        return netlink_dl_loaded(lib) ? "" : libs[lib].error;
}

/* ---- the forwarding definitions ---- */
static bool nfq_ready(void)
{
        if (netlink_dl_load(NETLINK_DL_NFQ) == 0)
                return true;
        errno = ELIBACC;
        return false;
}

#define DEF_NL_R(ret, fail, f, params, args)                                                                 \
        ret f params                                                                                         \
        {                                                                                                    \
                return netlink_dl_load(NETLINK_DL_NL) == 0 ? nl.f args : fail;                               \
        }
#define DEF_NL_V(f, params, args)                                                                            \
        void f params                                                                                        \
        {                                                                                                    \
                if (netlink_dl_load(NETLINK_DL_NL) == 0)                                                     \
                        nl.f args;                                                                           \
        }
NL_FUNCS(DEF_NL_R, DEF_NL_V)

#define DEF_NFQ_R(ret, fail, f, params, args)                                                                \
        ret f params                                                                                         \
        {                                                                                                    \
                return nfq_ready() ? nfq.f args : fail;                                                      \
        }
#define DEF_NFQ_V(f, params, args) /* none so far */
NFQ_FUNCS(DEF_NFQ_R, DEF_NFQ_V)
