/* linux-dns-error's NFQUEUE worker: outgoing DNS queries (udp, DNS_PORT) are queued to it; a query for
 * a listed host name is answered at once with an error reply sent from a raw socket (the client sees it
 * come from the server it asked) and the query is dropped; every other packet passes unchanged. With
 * --queue-bypass, DNS works normally if the worker dies. */
#ifndef RIFT_AGENT_DNS_INTERCEPTOR_H
#define RIFT_AGENT_DNS_INTERCEPTOR_H

#include <stdbool.h>
#include <stdint.h>

#include "agent/dns.h"

#define DNS_INTERCEPT_MAX_NAMES 64u

struct dns_interceptor_config {
        uint16_t queue;                                    /* NFQUEUE number */
        unsigned rcode;                                    /* NXDOMAIN, SERVFAIL, REFUSED */
        bool substring;                                    /* MATCH_SCHEME=substring */
        char names[DNS_INTERCEPT_MAX_NAMES][DNS_NAME_MAX]; /* HOST_NAMES, lower case, no final dot */
        unsigned n_names;                                  /* used names */
        int64_t deadline_mono_ms;                          /* exits by itself then */
};

/* Worker body (worker.h): binds the queue, reports ready, answers until the deadline or SIGTERM. */
int dns_interceptor_main(void *config);

#endif
