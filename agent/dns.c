/* DNS query reading and error replies (see dns.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "agent/dns.h"

#define DNS_HEADER 12u

static uint16_t get16(const uint8_t *p)
{
        return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
        p[0] = (uint8_t)(v >> 8);
        p[1] = (uint8_t)v;
}

int dns_parse_query(const uint8_t *msg, size_t len, char *name, size_t name_size, uint16_t *ret_qtype)
{
        if (len < DNS_HEADER || name_size == 0)
                return -EBADMSG;
        uint16_t flags = get16(msg + 2);
        if ((flags & 0x8000) || ((flags >> 11) & 0xf) != 0 || get16(msg + 4) != 1)
                return -EBADMSG; /* a response, not a standard query, or not one question */
        size_t at = DNS_HEADER, out = 0;
        for (;;) {
                if (at >= len)
                        return -EBADMSG;
                uint8_t l = msg[at++];
                if (l == 0)
                        break;
                if (l > 63 || at + l > len) /* 0xc0 pointers (and the reserved 0x40/0x80) land here */
                        return -EBADMSG;
                if (out + (out ? 1u : 0u) + l + 1 > name_size || out + (out ? 1u : 0u) + l > DNS_NAME_MAX - 1)
                        return -EBADMSG;
                if (out)
                        name[out++] = '.';
                for (uint8_t i = 0; i < l; i++) {
                        uint8_t c = msg[at + i];
                        if (c == 0 || c == '.')
                                return -EBADMSG;
                        name[out++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
                }
                at += l;
        }
        if (at + 4 > len)
                return -EBADMSG;
        name[out] = '\0';
        *ret_qtype = get16(msg + at);
        return (int)(at + 4);
}

static uint32_t sum16(const uint8_t *p, size_t n, uint32_t acc)
{
        for (size_t i = 0; i + 1 < n; i += 2)
                acc += get16(p + i);
        if (n & 1)
                acc += (uint32_t)p[n - 1] << 8;
        return acc;
}

static uint16_t fold(uint32_t acc)
{
        while (acc >> 16)
                acc = (acc & 0xffff) + (acc >> 16);
        return (uint16_t)~acc;
}

/* The reply's DNS part at d from the query at dns (dlen bytes: header and question). */
static void error_message(uint8_t *d, const uint8_t *dns, size_t dlen, unsigned rcode)
{
        memcpy(d, dns, dlen);
        uint16_t qflags = get16(dns + 2);
        put16(d + 2, (uint16_t)(0x8000 | (qflags & 0x0100) | 0x0080 | rcode));
        put16(d + 4, 1);
        memset(d + 6, 0, 6); /* no answer, authority or additional records */
}

/* The query's UDP header at udp (avail bytes up to the IP payload's end): its DNS message's length up to
 * the end of the question (what the reply repeats), or a negative errno. */
static int udp_query(const uint8_t *udp, size_t avail, size_t *ret_dlen)
{
        size_t ulen = get16(udp + 4);
        if (ulen < 8 || ulen > avail)
                return -EBADMSG;
        char name[DNS_NAME_MAX];
        uint16_t qtype;
        int qend = dns_parse_query(udp + 8, ulen - 8, name, sizeof(name), &qtype);
        if (qend < 0)
                return qend;
        *ret_dlen = (size_t)qend;
        return 0;
}

/* The reply's UDP header and DNS message at u, answering the query's udp; pseudo is the checksum sum of
 * the IP pseudo-header's addresses (the protocol and length are added here). */
static void udp_reply(uint8_t *u, const uint8_t *udp, size_t dlen, unsigned rcode, uint32_t pseudo)
{
        memcpy(u, udp + 2, 2); /* source port: the query's destination (53) */
        memcpy(u + 2, udp, 2);
        put16(u + 4, (uint16_t)(8 + dlen));
        error_message(u + 8, udp + 8, dlen, rcode);
        uint16_t ck = fold(sum16(u, 8 + dlen, pseudo + 17 + (uint32_t)(8 + dlen)));
        put16(u + 6, ck ? ck : 0xffff); /* mandatory over IPv6; 0 would mean "none" over IPv4 */
}

/* IPv6/UDP (UDP straight after the fixed header: a query with extension headers is not answered). */
static int build_v6(const uint8_t *pkt, size_t len, unsigned rcode, uint8_t *out, size_t cap, size_t *ret_len)
{
        size_t plen = get16(pkt + 4), dlen;
        if (len < 48 || pkt[6] != 17 /* UDP */ || plen < 8 || plen > len - 40)
                return -EBADMSG;
        const uint8_t *udp = pkt + 40;
        int r = udp_query(udp, plen, &dlen);
        if (r < 0)
                return r;
        size_t total = 40 + 8 + dlen;
        if (total > cap)
                return -ENOBUFS;
        uint8_t *ip = out;
        memset(out, 0, 48);
        ip[0] = 0x60;
        put16(ip + 4, (uint16_t)(8 + dlen));
        ip[6] = 17;
        ip[7] = 64;
        memcpy(ip + 8, pkt + 24, 16); /* from the server the query was for */
        memcpy(ip + 24, pkt + 8, 16); /* to the client */
        udp_reply(out + 40, udp, dlen, rcode, sum16(ip + 8, 32, 0));
        *ret_len = total;
        return 0;
}

int dns_build_error_reply(const uint8_t *pkt, size_t len, unsigned rcode, uint8_t *out, size_t cap,
                          size_t *ret_len)
{
        if (len >= 40 && (pkt[0] >> 4) == 6 && rcode <= 15)
                return build_v6(pkt, len, rcode, out, cap, ret_len);
        if (len < 20 || (pkt[0] >> 4) != 4 || rcode > 15)
                return -EBADMSG;
        size_t ihl = (size_t)(pkt[0] & 0x0f) * 4, tot = get16(pkt + 2), dlen;
        if (ihl < 20 || tot > len || tot < ihl + 8 || pkt[9] != 17 /* UDP */ || (get16(pkt + 6) & 0x3fff))
                return -EBADMSG; /* short, not UDP, or a fragment */
        const uint8_t *udp = pkt + ihl;
        int r = udp_query(udp, tot - ihl, &dlen);
        if (r < 0)
                return r;
        size_t total = 20 + 8 + dlen;
        if (total > cap)
                return -ENOBUFS;
        uint8_t *ip = out;
        memset(out, 0, 28);
        ip[0] = 0x45;
        put16(ip + 2, (uint16_t)total);
        put16(ip + 6, 0x4000); /* DF */
        ip[8] = 64;
        ip[9] = 17;
        memcpy(ip + 12, pkt + 16, 4); /* from the server the query was for */
        memcpy(ip + 16, pkt + 12, 4); /* to the client */
        put16(ip + 10, fold(sum16(ip, 20, 0)));
        udp_reply(out + 20, udp, dlen, rcode, sum16(ip + 12, 8, 0));
        *ret_len = total;
        return 0;
}

bool dns_name_matches(const char *name, const char *pattern, bool substring)
{
        if (!*pattern)
                return false;
        return substring ? strstr(name, pattern) != NULL : strcmp(name, pattern) == 0;
}
