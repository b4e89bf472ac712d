/* nf_tables netlink: see nft.h. Messages are built and read by hand (a few attributes each), so the
 * agent links no libmnl/libnftnl. */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "agent/nft.h"
#include "lib/clock.h"
#include "lib/str.h"

#define MSG_BUF (16u << 10)  /* one request batch: a few hundred bytes per message */
#define RCV_BUF (128u << 10) /* one recv(): dump parts are at most a few pages */

static int nl_fd = -1;      /* the kept socket; -1 before the first call */
static uint32_t nl_seq = 1; /* sequence numbers of this process's requests */

/* A request being built: netlink messages back to back. */
struct req {
        uint8_t data[MSG_BUF] __attribute__((aligned(NLMSG_ALIGNTO))); /* the messages */
        size_t len;                                                    /* bytes used */
        size_t msg;                                                    /* offset of the open message */
        bool overflow;                                                 /* something did not fit */
};

/* What a dump found: rules that jump to one of the chains. */
struct jumps {
        char base[NFT_MAX_JUMPS][NFT_MAX_NAME]; /* the chain each rule is in */
        uint64_t handle[NFT_MAX_JUMPS];         /* the rule's handle */
        size_t n;                               /* used */
        bool overflow;                          /* more than NFT_MAX_JUMPS */
};

static int sock(void)
{
        if (nl_fd >= 0)
                return nl_fd;
        int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
        if (fd < 0)
                return -errno;
        struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
        if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
                int r = -errno;
                close(fd);
                return r;
        }
        return nl_fd = fd;
}

void nft_close(void)
{
        if (nl_fd >= 0)
                close(nl_fd);
        nl_fd = -1;
}

static void *req_reserve(struct req *q, size_t n)
{
        size_t need = NLMSG_ALIGN(n);
        if (q->overflow || q->len + need > sizeof(q->data)) {
                q->overflow = true;
                return NULL;
        }
        void *p = q->data + q->len;
        memset(p, 0, need);
        q->len += need;
        return p;
}

/* Opens a message: header and nfgenmsg. */
static void msg_begin(struct req *q, uint16_t type, uint16_t flags, int family, uint16_t res_id)
{
        q->msg = q->len;
        struct nlmsghdr *h = req_reserve(q, NLMSG_HDRLEN);
        struct nfgenmsg *g = req_reserve(q, sizeof(struct nfgenmsg));
        if (!h || !g)
                return;
        h->nlmsg_type = type;
        h->nlmsg_flags = NLM_F_REQUEST | flags;
        h->nlmsg_seq = nl_seq++;
        g->nfgen_family = (uint8_t)family;
        g->version = NFNETLINK_V0;
        g->res_id = htons(res_id);
}

static void msg_end(struct req *q)
{
        if (!q->overflow)
                ((struct nlmsghdr *)(q->data + q->msg))->nlmsg_len = (uint32_t)(q->len - q->msg);
}

static void attr_put(struct req *q, uint16_t type, const void *data, size_t len)
{
        struct nlattr *a = req_reserve(q, NLA_HDRLEN + len);
        if (!a)
                return;
        a->nla_type = type;
        a->nla_len = (uint16_t)(NLA_HDRLEN + len);
        memcpy((uint8_t *)a + NLA_HDRLEN, data, len);
}

static void attr_put_str(struct req *q, uint16_t type, const char *s)
{
        attr_put(q, type, s, strlen(s) + 1);
}

static uint16_t nft_type(int msg)
{
        return (uint16_t)((NFNL_SUBSYS_NFTABLES << 8) | msg);
}

static int nfproto(int family)
{
        return family == AF_INET ? NFPROTO_IPV4 : family == AF_INET6 ? NFPROTO_IPV6 : -1;
}

/* ---- reading ---------------------------------------------------------------------------------------- */

/* The attributes of a block, by type (the last of each type wins; unknown types are skipped). */
static void attrs_parse(const uint8_t *p, size_t len, const struct nlattr **tb, size_t max)
{
        memset(tb, 0, max * sizeof(*tb));
        while (len >= NLA_HDRLEN) {
                const struct nlattr *a = (const struct nlattr *)p;
                if (a->nla_len < NLA_HDRLEN || a->nla_len > len)
                        return;
                uint16_t type = a->nla_type & NLA_TYPE_MASK;
                if (type < max)
                        tb[type] = a;
                size_t step = NLA_ALIGN(a->nla_len);
                if (step >= len)
                        return;
                p += step;
                len -= step;
        }
}

static const uint8_t *attr_data(const struct nlattr *a)
{
        return (const uint8_t *)a + NLA_HDRLEN;
}

static size_t attr_len(const struct nlattr *a)
{
        return a->nla_len - NLA_HDRLEN;
}

/* A NUL-terminated string attribute equal to s. */
static bool attr_streq(const struct nlattr *a, const char *s)
{
        size_t n = strlen(s);
        return a && attr_len(a) == n + 1 && memcmp(attr_data(a), s, n + 1) == 0;
}

/* The chain an "immediate" expression's jump or goto names, if it is one of chains[]. */
static bool expr_jumps_to(const struct nlattr *expr, const char *const *chains, size_t n_chains)
{
        const struct nlattr *e[NFTA_EXPR_MAX + 1], *im[NFTA_IMMEDIATE_MAX + 1], *d[NFTA_DATA_MAX + 1],
            *v[NFTA_VERDICT_MAX + 1];
        attrs_parse(attr_data(expr), attr_len(expr), e, NFTA_EXPR_MAX + 1);
        if (!attr_streq(e[NFTA_EXPR_NAME], "immediate") || !e[NFTA_EXPR_DATA])
                return false;
        attrs_parse(attr_data(e[NFTA_EXPR_DATA]), attr_len(e[NFTA_EXPR_DATA]), im, NFTA_IMMEDIATE_MAX + 1);
        if (!im[NFTA_IMMEDIATE_DATA])
                return false;
        attrs_parse(attr_data(im[NFTA_IMMEDIATE_DATA]), attr_len(im[NFTA_IMMEDIATE_DATA]), d,
                    NFTA_DATA_MAX + 1);
        if (!d[NFTA_DATA_VERDICT])
                return false;
        attrs_parse(attr_data(d[NFTA_DATA_VERDICT]), attr_len(d[NFTA_DATA_VERDICT]), v, NFTA_VERDICT_MAX + 1);
        if (!v[NFTA_VERDICT_CODE] || attr_len(v[NFTA_VERDICT_CODE]) != 4 || !v[NFTA_VERDICT_CHAIN])
                return false;
        uint32_t code;
        memcpy(&code, attr_data(v[NFTA_VERDICT_CODE]), 4);
        int32_t verdict = (int32_t)ntohl(code);
        if (verdict != NFT_JUMP && verdict != NFT_GOTO)
                return false;
        for (size_t i = 0; i < n_chains; i++)
                if (attr_streq(v[NFTA_VERDICT_CHAIN], chains[i]))
                        return true;
        return false;
}

/* One NEWRULE message of a dump: records its handle if one of its expressions jumps to chains[]. */
static void rule_check(const struct nlmsghdr *h, const char *const *chains, size_t n_chains, struct jumps *js)
{
        size_t hdr = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct nfgenmsg));
        if (h->nlmsg_len < hdr)
                return;
        const struct nlattr *tb[NFTA_RULE_MAX + 1];
        attrs_parse((const uint8_t *)h + hdr, h->nlmsg_len - hdr, tb, NFTA_RULE_MAX + 1);
        const struct nlattr *ex = tb[NFTA_RULE_EXPRESSIONS], *chain = tb[NFTA_RULE_CHAIN];
        if (!ex || !chain || !tb[NFTA_RULE_HANDLE] || attr_len(tb[NFTA_RULE_HANDLE]) != 8 ||
            attr_len(chain) > NFT_MAX_NAME || attr_len(chain) == 0 || attr_data(chain)[attr_len(chain) - 1])
                return;
        const uint8_t *p = attr_data(ex);
        size_t len = attr_len(ex);
        while (len >= NLA_HDRLEN) {
                const struct nlattr *a = (const struct nlattr *)p;
                if (a->nla_len < NLA_HDRLEN || a->nla_len > len)
                        return;
                if (expr_jumps_to(a, chains, n_chains)) {
                        if (js->n >= NFT_MAX_JUMPS) {
                                js->overflow = true;
                                return;
                        }
                        uint64_t be;
                        memcpy(&be, attr_data(tb[NFTA_RULE_HANDLE]), 8);
                        js->handle[js->n] = be64toh(be);
                        memcpy(js->base[js->n], attr_data(chain), attr_len(chain));
                        js->n++;
                        return;
                }
                size_t step = NLA_ALIGN(a->nla_len);
                if (step >= len)
                        return;
                p += step;
                len -= step;
        }
}

static int send_req(int fd, const struct req *q)
{
        if (q->overflow)
                return -E2BIG;
        struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
        ssize_t n = sendto(fd, q->data, q->len, 0, (struct sockaddr *)&kernel, sizeof(kernel));
        return n < 0 ? -errno : (size_t)n == q->len ? 0 : -EIO;
}

/* Drops answers a timed-out earlier call left in the socket. */
static void drain(int fd)
{
        static uint8_t junk[4096];
        while (recv(fd, junk, sizeof(junk), MSG_DONTWAIT | MSG_TRUNC) > 0)
                ;
}

/* Receives into buf until the deadline; -ETIMEDOUT past it. */
static ssize_t recv_until(int fd, uint8_t *buf, size_t size, int64_t deadline)
{
        for (;;) {
                int64_t left = deadline - rift_mono_ms();
                if (left <= 0)
                        return -ETIMEDOUT;
                struct pollfd p = { .fd = fd, .events = POLLIN };
                int r = poll(&p, 1, (int)left);
                if (r < 0 && errno != EINTR)
                        return -errno;
                if (r <= 0)
                        continue;
                ssize_t n = recv(fd, buf, size, MSG_DONTWAIT);
                if (n < 0 && (errno == EAGAIN || errno == EINTR))
                        continue;
                return n < 0 ? -errno : n;
        }
}

/* The answers to requests first_seq..last_seq: dump parts go to js (when given); returns 0 once every
 * acknowledgement (or the dump's end) arrived, the first error the kernel reported otherwise. */
static int recv_answers(int fd, uint32_t first_seq, uint32_t last_seq, size_t acks, const char *const *chains,
                        size_t n_chains, struct jumps *js)
{
        static uint8_t buf[RCV_BUF] __attribute__((aligned(NLMSG_ALIGNTO)));
        int64_t deadline = rift_mono_ms() + NFT_TIMEOUT_MS;
        int err = 0;
        while (acks > 0) {
                ssize_t n = recv_until(fd, buf, sizeof(buf), deadline);
                if (n < 0)
                        return (int)n;
                size_t len = (size_t)n;
                for (const struct nlmsghdr *h = (const struct nlmsghdr *)buf; NLMSG_OK(h, len);
                     h = NLMSG_NEXT(h, len)) {
                        if (h->nlmsg_seq < first_seq || h->nlmsg_seq > last_seq)
                                continue; /* an earlier call's */
                        if (h->nlmsg_type == NLMSG_ERROR) {
                                const struct nlmsgerr *e = NLMSG_DATA(h);
                                if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
                                        return -EPROTO;
                                if (e->error != 0)
                                        err = err ? err : e->error;
                                acks--;
                        } else if (h->nlmsg_type == NLMSG_DONE) {
                                acks--;
                        } else if (js && h->nlmsg_type == nft_type(NFT_MSG_NEWRULE)) {
                                rule_check(h, chains, n_chains, js);
                        }
                }
                if (err)
                        return err;
        }
        return 0;
}

/* Every rule of the base chains that jumps to chains[]: one dump per base (a socket's dumps run in turn). */
static int find_jumps(int fd, int proto, const char *table, const char *const *bases, size_t n_bases,
                      const char *const *chains, size_t n_chains, struct jumps *js)
{
        static struct req q;
        int r = 0;
        for (size_t i = 0; r == 0 && i < n_bases; i++) {
                q.len = 0;
                q.overflow = false;
                uint32_t seq = nl_seq;
                msg_begin(&q, nft_type(NFT_MSG_GETRULE), NLM_F_DUMP, proto, 0);
                attr_put_str(&q, NFTA_RULE_TABLE, table);
                attr_put_str(&q, NFTA_RULE_CHAIN, bases[i]);
                msg_end(&q);
                r = send_req(fd, &q);
                if (r == 0)
                        r = recv_answers(fd, seq, seq, 1, chains, n_chains, js);
        }
        return r < 0 ? r : js->overflow ? -E2BIG : 0;
}

/* The transaction: the jumps by handle, then the chains (their rules go with them). */
static int delete_all(int fd, int proto, const char *table, const struct jumps *js, const char *const *chains,
                      size_t n_chains)
{
        static struct req q;
        q.len = 0;
        q.overflow = false;
        msg_begin(&q, NFNL_MSG_BATCH_BEGIN, 0, AF_UNSPEC, NFNL_SUBSYS_NFTABLES);
        msg_end(&q);
        uint32_t first = nl_seq;
        for (size_t i = 0; i < js->n; i++) {
                uint64_t be = htobe64(js->handle[i]);
                msg_begin(&q, nft_type(NFT_MSG_DELRULE), NLM_F_ACK, proto, 0);
                attr_put_str(&q, NFTA_RULE_TABLE, table);
                attr_put_str(&q, NFTA_RULE_CHAIN, js->base[i]);
                attr_put(&q, NFTA_RULE_HANDLE, &be, sizeof(be));
                msg_end(&q);
        }
        for (size_t i = 0; i < n_chains; i++) {
                msg_begin(&q, nft_type(NFT_MSG_DELCHAIN), NLM_F_ACK, proto, 0);
                attr_put_str(&q, NFTA_CHAIN_TABLE, table);
                attr_put_str(&q, NFTA_CHAIN_NAME, chains[i]);
                msg_end(&q);
        }
        uint32_t last = nl_seq - 1;
        msg_begin(&q, NFNL_MSG_BATCH_END, 0, AF_UNSPEC, NFNL_SUBSYS_NFTABLES);
        msg_end(&q);
        int r = send_req(fd, &q);
        if (r == 0)
                r = recv_answers(fd, first - 1, last + 1, js->n + n_chains, NULL, 0, NULL);
        return r;
}

static bool names_ok(const char *const *names, size_t n, size_t max)
{
        if (n == 0 || n > max)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!names[i] || !names[i][0] || strlen(names[i]) >= NFT_MAX_NAME)
                        return false;
        return true;
}

int nft_delete_chains(int family, const char *table, const char *const *bases, size_t n_bases,
                      const char *const *chains, size_t n_chains)
{
        int proto = nfproto(family);
        if (proto < 0 || !table || !table[0] || strlen(table) >= NFT_MAX_NAME ||
            !names_ok(bases, n_bases, NFT_MAX_BASES) || !names_ok(chains, n_chains, NFT_MAX_CHAINS))
                return -EINVAL;
        int fd = sock();
        if (fd < 0)
                return fd;
        drain(fd);
        static struct jumps js;
        js.n = 0;
        js.overflow = false;
        int r = find_jumps(fd, proto, table, bases, n_bases, chains, n_chains, &js);
        if (r == 0)
                r = delete_all(fd, proto, table, &js, chains, n_chains);
        if (r == -ETIMEDOUT || r == -EPROTO)
                nft_close(); /* answers may still come: a new socket will not see them */
        return r;
}
