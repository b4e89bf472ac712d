/* linux-dns-error (Harness's name and tunables): DNS queries for the host names in HOST_NAMES get an
 * error reply (NXDOMAIN by default; RESPONSE_CODE=SERVFAIL or REFUSED) at once, as if the server had
 * said so; other queries reach the server unchanged. MATCH_SCHEME exact (default) or substring.
 * DNS_PORT (53) and the network filters (NETWORK_INTERFACES, DESTINATION_IPS = which resolvers, ...)
 * choose which queries are looked at. Outgoing UDP and TCP to DNS_PORT go through the agent's own
 * iptables chain to an NFQUEUE worker (agent/dns_interceptor.c) with --queue-bypass; only UDP queries
 * are answered (a TCP query passes). Both the chain and the worker are journalled first. IPv4 and IPv6
 * resolvers alike (ip6tables chains for IPv6 ones, or for both families without a resolver filter). */
#include <stdio.h>
#include <string.h>

#include "agent/dns_interceptor.h"
#include "agent/netfilter.h"
#include "agent/worker.h"
#include "lib/error.h"
#include "lib/macro.h"

#define DNS_DEFAULT_QUEUE 7400

struct dns_error {
        struct nf_filter filter;
        struct dns_interceptor_config ic;
        pid_t pid; /* the worker */
};

static int validate(struct fault_ctx *ctx, const cJSON *t)
{
        struct dns_error *s = ctx->state;
        char storage[DNS_INTERCEPT_MAX_NAMES * 64], *words[DNS_INTERCEPT_MAX_NAMES];
        char scheme[16] = "exact", code[16] = "NXDOMAIN";
        size_t n = 0;
        int64_t port = 53, queue = DNS_DEFAULT_QUEUE;
        int r = netfilter_parse(ctx, t, ctx->control_plane, &s->filter);
        if (r == 0)
                r = tun_list(ctx, t, "HOST_NAMES", storage, sizeof(storage), words, ARRAY_SIZE(words), &n);
        if (r == 0)
                r = tun_string(ctx, t, "MATCH_SCHEME", scheme, sizeof(scheme));
        if (r == 0)
                r = tun_string(ctx, t, "RESPONSE_CODE", code, sizeof(code));
        if (r == 0)
                r = tun_int(ctx, t, "DNS_PORT", 1, 65535, &port);
        if (r == 0)
                r = tun_int(ctx, t, "QUEUE_NUM", 0, 65535, &queue);
        if (r < 0)
                return r;
        if (n == 0)
                return fault_fail(ctx, "HOST_NAMES: at least one host name is required");
        for (size_t i = 0; i < n; i++) {
                char *w = words[i];
                size_t len = strlen(w);
                if (len && w[len - 1] == '.')
                        w[--len] = '\0';
                if (len == 0 || len >= DNS_NAME_MAX)
                        return fault_fail(ctx, "HOST_NAMES: \"%.64s\" is not a host name", words[i]);
                for (char *c = w; *c; c++) {
                        if (*c >= 'A' && *c <= 'Z')
                                *c = (char)(*c + 32);
                        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || strchr("-_.*", *c)))
                                return fault_fail(ctx, "HOST_NAMES: \"%.64s\" is not a host name", w);
                }
                memcpy(s->ic.names[s->ic.n_names++], w, len + 1);
        }
        if (strcmp(scheme, "exact") != 0 && strcmp(scheme, "substring") != 0)
                return fault_fail(ctx, "MATCH_SCHEME: \"%s\" is not exact or substring", scheme);
        s->ic.substring = scheme[0] == 's';
        if (strcmp(code, "NXDOMAIN") == 0)
                s->ic.rcode = DNS_RCODE_NXDOMAIN;
        else if (strcmp(code, "SERVFAIL") == 0)
                s->ic.rcode = DNS_RCODE_SERVFAIL;
        else if (strcmp(code, "REFUSED") == 0)
                s->ic.rcode = DNS_RCODE_REFUSED;
        else
                return fault_fail(ctx, "RESPONSE_CODE: \"%s\" is not NXDOMAIN, SERVFAIL or REFUSED", code);
        if (s->filter.n_sports || s->filter.n_dports)
                return fault_fail(ctx,
                                  "SOURCE_PORTS/DESTINATION_PORTS: not used by this fault (DNS_PORT is)");
        s->filter.dports[0] = (uint16_t)port;
        s->filter.n_dports = 1;
        s->ic.queue = (uint16_t)queue;
        return 0;
}

static int inject(struct fault_ctx *ctx)
{
        struct dns_error *s = ctx->state;
        char action[64];
        s->ic.deadline_mono_ms = ctx->deadline_mono_ms;
        int r = worker_spawn(ctx->journal, NULL, dns_interceptor_main, &s->ic, true, &s->pid);
        if (r < 0)
                return fault_fail(ctx, "starting the DNS interceptor on queue %u: %s", s->ic.queue,
                                  rift_strerror(r));
        snprintf(action, sizeof(action), "NFQUEUE --queue-num %u --queue-bypass", s->ic.queue);
        r = netfilter_install(ctx->journal, &s->filter, action, false);
        if (r < 0)
                return fault_fail(ctx, "installing iptables rules: %s", rift_strerror(r));
        return 0;
}

static int status(struct fault_ctx *ctx, cJSON *out)
{
        struct dns_error *s = ctx->state;
        cJSON_AddNumberToObject(out, "interceptor_pid", s->pid);
        cJSON_AddNumberToObject(out, "queue", s->ic.queue);
        cJSON_AddNumberToObject(out, "host_names", s->ic.n_names);
        return 0;
}

const struct fault_ops fault_dns_error = {
        .name = "linux-dns-error",
        .state_size = sizeof(struct dns_error),
        .validate = validate,
        .inject = inject,
        .revert = netfilter_revert,
        .status = status,
};
