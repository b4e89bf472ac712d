/* NFQUEUE shaper. Delayed packets stay in the kernel's queue; we keep only (release time, packet id) in
 * a min-heap and give the ACCEPT verdict when the head is due, from a libevent timer. */
#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <libnetfilter_queue/libnetfilter_queue.h>
#include <linux/netfilter.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "agent/shaper.h"
#include "agent/worker.h"
#include "lib/clock.h"
#include "lib/macro.h"

struct held {
        int64_t release_us; /* monotonic time to release at */
        uint64_t seq;       /* arrival order: equal release times keep FIFO order */
        uint32_t id;        /* NFQUEUE packet id */
};

struct shaper {
        const struct shaper_config *cfg; /* what to do */
        struct nfq_q_handle *qh;         /* our queue */
        struct event_base *base;         /* the loop */
        struct event *release_ev;        /* fires when the heap's head is due */
        struct held *heap;               /* held packets, min-heap on (release_us, seq) */
        size_t n_held;                   /* packets in heap */
        uint64_t seq;                    /* next arrival number */
        uint64_t rng;                    /* xorshift64 state */
        int raw_fd;                      /* raw IPv4 socket for duplicates (marked) */
        int raw6_fd;                     /* raw IPv6 socket for duplicates (marked, header included) */
};

static int64_t mono_us(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static uint64_t rnd(struct shaper *s)
{
        s->rng ^= s->rng << 13;
        s->rng ^= s->rng >> 7;
        s->rng ^= s->rng << 17;
        return s->rng;
}

static bool roll(struct shaper *s, double pct)
{
        return pct > 0 && (double)(rnd(s) % 1000000u) < pct * 10000.0;
}

static bool before(const struct held *a, const struct held *b)
{
        return a->release_us < b->release_us || (a->release_us == b->release_us && a->seq < b->seq);
}

static void heap_push(struct shaper *s, struct held h)
{
        size_t i = s->n_held++;
        s->heap[i] = h;
        while (i > 0 && before(&s->heap[i], &s->heap[(i - 1) / 2])) {
                struct held t = s->heap[i];
                s->heap[i] = s->heap[(i - 1) / 2];
                s->heap[(i - 1) / 2] = t;
                i = (i - 1) / 2;
        }
}

static struct held heap_pop(struct shaper *s)
{
        struct held top = s->heap[0];
        s->heap[0] = s->heap[--s->n_held];
        for (size_t i = 0;;) {
                size_t l = 2 * i + 1, r = l + 1, m = i;
                if (l < s->n_held && before(&s->heap[l], &s->heap[m]))
                        m = l;
                if (r < s->n_held && before(&s->heap[r], &s->heap[m]))
                        m = r;
                if (m == i)
                        break;
                struct held t = s->heap[i];
                s->heap[i] = s->heap[m];
                s->heap[m] = t;
                i = m;
        }
        return top;
}

static void arm(struct shaper *s)
{
        if (s->n_held == 0)
                return;
        int64_t wait = s->heap[0].release_us - mono_us();
        struct timeval tv = { 0, 0 };
        if (wait > 0) {
                tv.tv_sec = wait / 1000000;
                tv.tv_usec = wait % 1000000;
        }
        evtimer_add(s->release_ev, &tv);
}

static void on_release(evutil_socket_t fd, short what, void *arg)
{
        struct shaper *s = arg;
        int64_t now = mono_us();
        while (s->n_held > 0 && s->heap[0].release_us <= now) {
                struct held h = heap_pop(s);
                nfq_set_verdict(s->qh, h.id, NF_ACCEPT, 0, NULL);
        }
        arm(s);
}

static void send_duplicate(struct shaper *s, const unsigned char *pkt, int len)
{
        if (len >= (int)sizeof(struct ip6_hdr) && (pkt[0] >> 4) == 6 && s->raw6_fd >= 0) {
                /* IPPROTO_RAW on AF_INET6 sends the packet with its own header, as for IPv4 */
                struct sockaddr_in6 dst = { .sin6_family = AF_INET6 };
                memcpy(&dst.sin6_addr, pkt + offsetof(struct ip6_hdr, ip6_dst), 16);
                (void)sendto(s->raw6_fd, pkt, (size_t)len, 0, (struct sockaddr *)&dst, sizeof(dst));
                return;
        }
        if (s->raw_fd < 0 || len < (int)sizeof(struct iphdr) || (pkt[0] >> 4) != 4)
                return;
        const struct iphdr *ip = (const struct iphdr *)pkt;
        struct sockaddr_in dst = { .sin_family = AF_INET, .sin_addr.s_addr = ip->daddr };
        (void)sendto(s->raw_fd, pkt, (size_t)len, 0, (struct sockaddr *)&dst, sizeof(dst));
}

/* Flips one byte after the IP header (IPv4: its IHL; IPv6: the fixed 40 bytes) and fixes nothing else
 * (checksums stay wrong, as on a bad link). */
static int corrupt(struct shaper *s, uint32_t id, const unsigned char *pkt, int len)
{
        int hl = len > 0 && (pkt[0] >> 4) == 4 ? (pkt[0] & 0x0f) * 4 : 40;
        if (len <= hl)
                return nfq_set_verdict(s->qh, id, NF_ACCEPT, 0, NULL);
        unsigned char copy[65536];
        memcpy(copy, pkt, (size_t)len);
        size_t at = (size_t)hl + rnd(s) % (uint64_t)(len - hl);
        copy[at] ^= (unsigned char)(1u + rnd(s) % 255u);
        return nfq_set_verdict(s->qh, id, NF_ACCEPT, (uint32_t)len, copy);
}

static int on_packet(struct nfq_q_handle *qh, struct nfgenmsg *msg, struct nfq_data *nfa, void *data)
{
        struct shaper *s = data;
        struct nfqnl_msg_packet_hdr *ph = nfq_get_msg_packet_hdr(nfa);
        if (!ph)
                return 0;
        uint32_t id = ntohl(ph->packet_id);
        unsigned char *pkt = NULL;
        int len = nfq_get_payload(nfa, &pkt);
        const struct shaper_config *c = s->cfg;
        if (roll(s, c->loss_pct))
                return nfq_set_verdict(qh, id, NF_DROP, 0, NULL);
        if (len > 0 && roll(s, c->dup_pct))
                send_duplicate(s, pkt, len);
        if (len > 0 && roll(s, c->corrupt_pct))
                return corrupt(s, id, pkt, len);
        if ((c->latency_ms == 0 && c->jitter_ms == 0) || s->n_held >= SHAPER_MAX_HELD)
                return nfq_set_verdict(qh, id, NF_ACCEPT, 0, NULL);
        int64_t delay = (int64_t)c->latency_ms * 1000;
        if (c->jitter_ms)
                delay += (int64_t)(rnd(s) % (2u * c->jitter_ms * 1000u + 1u)) - (int64_t)c->jitter_ms * 1000;
        heap_push(s, (struct held){ .release_us = mono_us() + MAX(delay, 0), .seq = s->seq++, .id = id });
        arm(s);
        return 0;
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

static void on_deadline(evutil_socket_t fd, short what, void *arg)
{
        event_base_loopbreak(arg);
}

static int shaper_setup(struct shaper *s, struct nfq_handle **ret_h)
{
        struct nfq_handle *h = nfq_open();
        if (!h)
                return -errno;
        s->qh = nfq_create_queue(h, s->cfg->queue, on_packet, s);
        if (!s->qh || nfq_set_mode(s->qh, NFQNL_COPY_PACKET, 0xffff) < 0) {
                nfq_close(h);
                return -EBUSY;
        }
        nfq_set_queue_maxlen(s->qh, SHAPER_MAX_HELD);
        nfq_set_queue_flags(s->qh, NFQA_CFG_F_FAIL_OPEN, NFQA_CFG_F_FAIL_OPEN);
        int bufsize = 8 << 20;
        setsockopt(nfq_fd(h), SOL_SOCKET, SO_RCVBUFFORCE, &bufsize, sizeof(bufsize));
        s->raw_fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
        s->raw6_fd = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
        uint32_t mark = SHAPER_DUP_MARK;
        if (s->raw_fd >= 0)
                setsockopt(s->raw_fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark));
        if (s->raw6_fd >= 0)
                setsockopt(s->raw6_fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark));
        *ret_h = h;
        return 0;
}

int shaper_main(void *config)
{
        struct shaper s = { .cfg = config, .raw_fd = -1, .raw6_fd = -1 };
        struct nfq_handle *h = NULL;
        if (getrandom(&s.rng, sizeof(s.rng), 0) != sizeof(s.rng) || s.rng == 0)
                s.rng = 0x9E3779B97F4A7C15ull ^ (uint64_t)getpid();
        s.heap = calloc(SHAPER_MAX_HELD, sizeof(*s.heap));
        s.base = event_base_new();
        if (!s.heap || !s.base || shaper_setup(&s, &h) < 0)
                return 1;
        s.release_ev = evtimer_new(s.base, on_release, &s);
        struct event *rd = event_new(s.base, nfq_fd(h), EV_READ | EV_PERSIST, on_readable, h);
        struct event *dl = evtimer_new(s.base, on_deadline, s.base);
        struct event *term = evsignal_new(s.base, SIGTERM, on_deadline, s.base); /* revert: let go cleanly */
        evsignal_add(term, NULL);
        int64_t left = s.cfg->deadline_mono_ms - rift_mono_ms();
        struct timeval tv = { .tv_sec = MAX(left, 0) / 1000, .tv_usec = (MAX(left, 0) % 1000) * 1000 };
        event_add(rd, NULL);
        evtimer_add(dl, &tv);
        worker_ready();
        event_base_dispatch(s.base);
        while (s.n_held > 0) /* let held packets go before leaving */
                nfq_set_verdict(s.qh, heap_pop(&s).id, NF_ACCEPT, 0, NULL);
        nfq_destroy_queue(s.qh);
        nfq_close(h);
        return 0;
}
