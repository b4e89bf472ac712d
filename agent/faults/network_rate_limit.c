/* linux-network-rate-limit: an htb tree with u32 filters and a tbf leaf on each NETWORK_INTERFACES
 * interface (tunables as Harness: NETWORK_BANDWIDTH, BURST, LIMIT, PEAK_RATE, MIN_BURST). It refuses an
 * interface whose root qdisc is not the kernel default, because revert could not bring that back. IPv4
 * and IPv6 destinations (u32 filters per family; ports only after an IPv6 header without extension
 * headers); without destinations both families are limited where the machine has IPv6. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "agent/faults/fault.h"
#include "agent/netfilter.h"
#include "agent/tc.h"
#include "lib/error.h"
#include "lib/macro.h"
#include "lib/str.h"

struct rate_limit {
        struct nf_filter filter; /* interfaces and destinations */
        struct tc_leaf leaf;     /* tbf parameters */
};

/* "1mbit", "500kbit", "10mbps" (bytes), "8000" (bit/s) -> bits per second, as tc reads them. */
static int parse_rate(const char *s, uint64_t *ret)
{
        static const struct {
                const char *suffix; /* unit */
                uint64_t mult;      /* bits per unit */
        } units[] = { { "gbit", 1000000000ull },
                      { "mbit", 1000000ull },
                      { "kbit", 1000ull },
                      { "gbps", 8000000000ull },
                      { "mbps", 8000000ull },
                      { "kbps", 8000ull },
                      { "bit", 1 },
                      { "bps", 8 },
                      { "", 1 } };
        for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
                size_t ls = strlen(s), lu = strlen(units[i].suffix);
                if (ls <= lu || strcasecmp(s + ls - lu, units[i].suffix) != 0)
                        continue;
                char num[32];
                uint64_t v;
                if (ls - lu >= sizeof(num))
                        return RIFT_E_INVALID;
                memcpy(num, s, ls - lu);
                num[ls - lu] = '\0';
                if (rift_parse_uint64(num, UINT64_MAX / units[i].mult, &v) < 0 || v == 0)
                        return RIFT_E_INVALID;
                *ret = v * units[i].mult;
                return 0;
        }
        return RIFT_E_INVALID;
}

static int tun_rate(struct fault_ctx *ctx, const cJSON *t, const char *key, uint64_t *ret)
{
        char s[64] = "";
        int r = tun_string(ctx, t, key, s, sizeof(s));
        if (r < 0 || !s[0])
                return r;
        if (parse_rate(s, ret) < 0 || *ret < 8000 || *ret > 10000000000ull)
                return fault_fail(ctx, "%s: \"%s\" is not a rate between 8kbit and 10gbit (\"1mbit\")", key,
                                  s);
        return 0;
}

static int tun_bytes(struct fault_ctx *ctx, const cJSON *t, const char *key, uint32_t *ret)
{
        char s[64] = "";
        uint64_t v;
        int r = tun_string(ctx, t, key, s, sizeof(s));
        if (r < 0 || !s[0])
                return r;
        size_t n = strlen(s);
        if (n > 1 && (s[n - 1] == 'b' || s[n - 1] == 'B') && s[n - 2] != 'i' && s[n - 2] != 'I')
                s[n - 1] = '\0'; /* tc writes "32kb" for 32 KiB */
        if (rift_parse_size(s, &v) < 0 || v < 64 || v > UINT32_MAX)
                return fault_fail(ctx, "%s: \"%s\" is not a size between 64 bytes and 4 GiB (\"32kb\")", key,
                                  s);
        *ret = (uint32_t)v;
        return 0;
}

static int validate(struct fault_ctx *ctx, const cJSON *t)
{
        struct rate_limit *rl = ctx->state;
        rl->leaf = (struct tc_leaf){
                .rate_bps = 1000000, .burst = 32 * 1024, .limit = 2 * 1024 * 1024, .min_burst = 1500
        };
        int r = netfilter_parse(ctx, t, ctx->control_plane, &rl->filter);
        if (r == 0)
                r = tun_rate(ctx, t, "NETWORK_BANDWIDTH", &rl->leaf.rate_bps);
        if (r == 0)
                r = tun_bytes(ctx, t, "BURST", &rl->leaf.burst);
        if (r == 0)
                r = tun_bytes(ctx, t, "LIMIT", &rl->leaf.limit);
        if (r == 0)
                r = tun_rate(ctx, t, "PEAK_RATE", &rl->leaf.peak_bps);
        if (r == 0)
                r = tun_bytes(ctx, t, "MIN_BURST", &rl->leaf.min_burst);
        if (r < 0)
                return r;
        if (rl->filter.n_ifaces == 0)
                return fault_fail(ctx, "NETWORK_INTERFACES: required (the interfaces to limit)");
        if (rl->filter.n_sports)
                return fault_fail(ctx, "SOURCE_PORTS: not supported by linux-network-rate-limit");
        return 0;
}

static int inject(struct fault_ctx *ctx)
{
        struct rate_limit *rl = ctx->state;
        struct tc_match incl[RIFT_MAX_FAULT_TARGETS], excl[TC_MAX_EXCLUDES];
        size_t n_incl, n_excl;
        netfilter_to_tc(&rl->filter, incl, &n_incl, excl, &n_excl);
        for (size_t i = 0; i < rl->filter.n_ifaces; i++) {
                const char *ifname = rl->filter.ifaces[i];
                char kind[32] = "";
                int r = tc_shape_owned(ctx->journal, ifname, incl, n_incl, excl, n_excl, &rl->leaf, kind,
                                       sizeof(kind));
                if (r == -EBUSY)
                        return fault_fail(
                            ctx, "NETWORK_INTERFACES: %s has a %s root qdisc; refusing to replace it", ifname,
                            kind);
                if (r < 0)
                        return fault_fail(ctx, "htb/tbf on %s: %s", ifname, rift_strerror(r));
        }
        return 0;
}

const struct fault_ops fault_network_rate_limit = {
        .name = "linux-network-rate-limit",
        .state_size = sizeof(struct rate_limit),
        .validate = validate,
        .inject = inject,
        .revert = fault_revert_journal,
};
