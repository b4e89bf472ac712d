// link: agent/privsep_msg.c
/* libFuzzer target: the injector's request decoder and the network process's reply decoder on
 * arbitrary bytes (the network process is the untrusted side). A request that passes must be exactly
 * what the rules allow: every string terminated inside its field with only zeros after it, tunable
 * count within bounds, unused entries zero, handles in range; and the accepted copy is byte for byte
 * the input (nothing is "repaired" on the way in). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent/privsep.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void terminated(const char *f, size_t n)
{
        const char *nul = memchr(f, '\0', n);
        if (!nul)
                abort();
        for (const char *c = nul; c < f + n; c++)
                if (*c)
                        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct privsep_request rq;
        struct privsep_reply rp;
        char err[256];
        uint8_t buf[sizeof(rq)];

        /* short inputs are spread over a zeroed, well-headed request so the deep checks are reached */
        if (size < sizeof(rq)) {
                privsep_request_init((struct privsep_request *)buf, PRIVSEP_INJECT);
                size_t off = offsetof(struct privsep_request, type);
                memcpy(buf + off, data, size < sizeof(buf) - off ? size : sizeof(buf) - off);
                if (privsep_request_check(buf, sizeof(buf), &rq, err, sizeof(err)) == 0 &&
                    memcmp(&rq, buf, sizeof(rq)) != 0)
                        abort();
        }
        if (privsep_request_check(data, size, &rq, err, sizeof(err)) == 0) {
                if (size != sizeof(rq) || memcmp(&rq, data, size) != 0)
                        abort();
                terminated(rq.fault, sizeof(rq.fault));
                terminated(rq.control_plane, sizeof(rq.control_plane));
                terminated(rq.key, sizeof(rq.key));
                if (rq.n_tunables > PRIVSEP_MAX_TUNABLES || rq.type < PRIVSEP_INJECT ||
                    rq.type >= _PRIVSEP_TYPE_MAX)
                        abort();
                for (uint32_t i = 0; i < rq.n_tunables; i++) {
                        terminated(rq.tunables[i].key, sizeof(rq.tunables[i].key));
                        terminated(rq.tunables[i].value, sizeof(rq.tunables[i].value));
                }
                if (rq.type != PRIVSEP_INJECT && rq.type != PRIVSEP_STORE_KEY &&
                    rq.handle >= PRIVSEP_MAX_FAULTS)
                        abort();
        } else if (!err[0]) {
                abort(); /* a refusal always says why */
        }
        for (int t = PRIVSEP_INJECT; t < _PRIVSEP_TYPE_MAX; t++)
                if (privsep_reply_check(data, size, (enum privsep_type)t, &rp) == 0) {
                        terminated(rp.text, sizeof(rp.text));
                        if (rp.status > 0 || rp.handle >= PRIVSEP_MAX_FAULTS)
                                abort();
                }
        return 0;
}
