// link: agent/dns.c
/* libFuzzer target: linux-dns-error reads every queued packet (untrusted: any local process can send
 * to port 53). The input is used twice: as a DNS message for dns_parse_query, and as an IPv4 or IPv6
 * packet for dns_build_error_reply. Whatever is accepted must be consistent: the name is terminated, lower case,
 * within DNS_NAME_MAX, the question lies inside the message; a built reply fits its buffer, is a
 * response with the asked rcode, swaps the addresses, and parses back to the same question. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent/dns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char name[DNS_NAME_MAX], name2[DNS_NAME_MAX];
        uint16_t qt, qt2;
        int q = dns_parse_query(data, size, name, sizeof(name), &qt);
        if (q >= 0) {
                if ((size_t)q > size || strlen(name) >= DNS_NAME_MAX)
                        abort();
                for (const char *c = name; *c; c++)
                        if (*c >= 'A' && *c <= 'Z')
                                abort();
                if (!dns_name_matches(name, name, false) && name[0])
                        abort();
        }
        uint8_t out[1500];
        size_t len = 0;
        unsigned rcode = size ? data[0] % 16u : 3u;
        if (dns_build_error_reply(data, size, rcode, out, sizeof(out), &len) == 0) {
                bool v6 = (data[0] >> 4) == 6;
                size_t hl = v6 ? 40 : 20, in_hl = v6 ? 40 : (size_t)(data[0] & 0x0f) * 4;
                if (len > sizeof(out) || len < hl + 8 + 12)
                        abort();
                if (v6 ? out[0] != 0x60 || out[6] != 17 || memcmp(out + 8, data + 24, 16) != 0 ||
                             memcmp(out + 24, data + 8, 16) != 0
                       : out[0] != 0x45 || out[9] != 17 || memcmp(out + 12, data + 16, 4) != 0 ||
                             memcmp(out + 16, data + 12, 4) != 0)
                        abort();
                const uint8_t *d = out + hl + 8;
                if (!(d[2] & 0x80) || (d[3] & 0x0f) != rcode)
                        abort();
                uint8_t copy[1500];
                memcpy(copy, d, len - hl - 8);
                copy[2] &= 0x7f; /* as a query again: same question */
                if (dns_parse_query(copy, len - hl - 8, name2, sizeof(name2), &qt2) < 0 ||
                    dns_parse_query(data + in_hl + 8, len - hl - 8, name, sizeof(name), &qt) < 0 ||
                    strcmp(name, name2) != 0 || qt != qt2)
                        abort();
        }
        return 0;
}
