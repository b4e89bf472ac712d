/* The userspace packet shaper: an NFQUEUE handler (libnetfilter_queue) for kernels without netem. The
 * agent's iptables chain sends matched packets to queue `queue` with --queue-bypass, so traffic flows
 * unshaped (never blocked) if the shaper dies. It runs as a worker process with its own deadline. */
#ifndef RIFT_AGENT_SHAPER_H
#define RIFT_AGENT_SHAPER_H

#include <stdint.h>

#define SHAPER_DUP_MARK 0x52494654u /* SO_MARK on duplicates we send, so our chain lets them pass */
#define SHAPER_MAX_HELD 65536u      /* packets held for delay at once; beyond that they pass at once */

struct shaper_config {
        uint16_t queue;           /* NFQUEUE number */
        uint32_t latency_ms;      /* added delay */
        uint32_t jitter_ms;       /* uniform +- jitter around latency */
        double loss_pct;          /* packets dropped */
        double corrupt_pct;       /* packets with one byte after the IP header flipped */
        double dup_pct;           /* packets sent twice */
        int64_t deadline_mono_ms; /* rift_mono_ms() at which the shaper exits by itself */
};

/* Worker body (see worker.h): binds the queue, reports ready, shapes until the deadline. */
int shaper_main(void *config);

#endif
