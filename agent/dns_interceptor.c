/* linux-dns-error's NFQUEUE worker (see dns_interceptor.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <libnetfilter_queue/libnetfilter_queue.h>
#include <linux/netfilter.h>
#include <netinet/in.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "agent/dns_interceptor.h"
#include "agent/shaper.h"
#include "agent/worker.h"
#include "lib/clock.h"
#include "lib/macro.h"

struct interceptor {
        const struct dns_interceptor_config *cfg;
        struct nfq_q_handle *qh;
        int raw_fd;  /* raw IPv4 socket for the replies */
        int raw6_fd; /* raw IPv6 socket for the replies (header included) */
};

static bool listed(const struct dns_interceptor_config *c, const char *name)
{
        for (unsigned i = 0; i < c->n_names; i++)
                if (dns_name_matches(name, c->names[i], c->substring))
                        return true;
        return false;
}

static int on_packet(struct nfq_q_handle *qh, struct nfgenmsg *msg, struct nfq_data *nfa, void *data)
{
        struct interceptor *s = data;
        struct nfqnl_msg_packet_hdr *ph = nfq_get_msg_packet_hdr(nfa);
        if (!ph)
                return 0;
        uint32_t id = ntohl(ph->packet_id);
        unsigned char *pkt = NULL;
        int len = nfq_get_payload(nfa, &pkt);
        uint8_t reply[1500];
        size_t rlen = 0, hl;
        char name[DNS_NAME_MAX];
        uint16_t qtype;
        bool v6 = len >= 48 && (pkt[0] >> 4) == 6;
        if (v6 && pkt[6] == 17 && s->raw6_fd >= 0)
                hl = 40;
        else if (!v6 && len >= 28 && (pkt[0] >> 4) == 4 && pkt[9] == 17 && s->raw_fd >= 0)
                hl = (size_t)(pkt[0] & 0x0f) * 4;
        else
                return nfq_set_verdict(qh, id, NF_ACCEPT, 0, NULL);
        if ((size_t)len < hl + 8 ||
            dns_parse_query(pkt + hl + 8, (size_t)len - hl - 8, name, sizeof(name), &qtype) < 0 ||
            !listed(s->cfg, name) ||
            dns_build_error_reply(pkt, (size_t)len, s->cfg->rcode, reply, sizeof(reply), &rlen) < 0)
                return nfq_set_verdict(qh, id, NF_ACCEPT, 0, NULL);
        ssize_t sent;
        if (v6) {
                struct sockaddr_in6 dst = { .sin6_family = AF_INET6 };
                memcpy(&dst.sin6_addr, reply + 24, 16);
                sent = sendto(s->raw6_fd, reply, rlen, 0, (struct sockaddr *)&dst, sizeof(dst));
        } else {
                struct sockaddr_in dst = { .sin_family = AF_INET };
                memcpy(&dst.sin_addr, reply + 16, 4);
                sent = sendto(s->raw_fd, reply, rlen, 0, (struct sockaddr *)&dst, sizeof(dst));
        }
        if (sent != (ssize_t)rlen)
                return nfq_set_verdict(qh, id, NF_ACCEPT, 0, NULL); /* could not answer: let it pass */
        return nfq_set_verdict(qh, id, NF_DROP, 0, NULL);
}

static void on_readable(evutil_socket_t fd, short what, void *arg)
{
        struct nfq_handle *h = arg;
        char buf[65536 + 512] __attribute__((aligned));
        for (int i = 0; i < 64; i++) {
                ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
                if (n <= 0)
                        return;
                nfq_handle_packet(h, buf, (int)n);
        }
}

static void on_stop(evutil_socket_t fd, short what, void *arg)
{
        event_base_loopbreak(arg);
}

int dns_interceptor_main(void *config)
{
        struct interceptor s = { .cfg = config, .raw_fd = -1, .raw6_fd = -1 };
        struct event_base *base = event_base_new();
        struct nfq_handle *h = nfq_open();
        if (!base || !h)
                return 1;
        s.qh = nfq_create_queue(h, s.cfg->queue, on_packet, &s);
        if (!s.qh || nfq_set_mode(s.qh, NFQNL_COPY_PACKET, 0xffff) < 0)
                return 1;
        nfq_set_queue_flags(s.qh, NFQA_CFG_F_FAIL_OPEN, NFQA_CFG_F_FAIL_OPEN);
        s.raw_fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
        uint32_t mark = SHAPER_DUP_MARK; /* the agent's chains let marked packets through */
        if (s.raw_fd < 0 || setsockopt(s.raw_fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)) < 0)
                return 1;
        /* IPv6 replies: without IPv6 in this kernel, IPv6 queries simply pass */
        s.raw6_fd = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
        if (s.raw6_fd >= 0 && setsockopt(s.raw6_fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)) < 0)
                return 1;
        struct event *rd = event_new(base, nfq_fd(h), EV_READ | EV_PERSIST, on_readable, h);
        struct event *dl = evtimer_new(base, on_stop, base);
        struct event *term = evsignal_new(base, SIGTERM, on_stop, base);
        int64_t left = MAX(s.cfg->deadline_mono_ms - rift_mono_ms(), 0);
        struct timeval tv = { .tv_sec = left / 1000, .tv_usec = (left % 1000) * 1000 };
        if (!rd || !dl || !term || event_add(rd, NULL) < 0 || evtimer_add(dl, &tv) < 0 ||
            evsignal_add(term, NULL) < 0)
                return 1;
        worker_ready();
        event_base_dispatch(base);
        nfq_destroy_queue(s.qh);
        nfq_close(h);
        return 0;
}
