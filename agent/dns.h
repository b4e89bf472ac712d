/* DNS messages for linux-dns-error: reading the question of a query and building an error reply
 * packet for it. Pure functions over untrusted bytes (a packet from the NFQUEUE); fuzzed. */
#ifndef RIFT_AGENT_DNS_H
#define RIFT_AGENT_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DNS_NAME_MAX       254u /* a dotted name without the final dot, with its NUL */
#define DNS_RCODE_SERVFAIL 2u
#define DNS_RCODE_NXDOMAIN 3u
#define DNS_RCODE_REFUSED  5u

/* Reads the single question of a standard query (QR=0, opcode 0, QDCOUNT 1, no compression in the
 * question) into name (lower case, dotted, no final dot). Returns the offset just past the question, or
 * -EBADMSG. */
int dns_parse_query(const uint8_t *msg, size_t len, char *name, size_t name_size, uint16_t *ret_qtype);
/* pkt is an IPv4/UDP or IPv6/UDP packet (UDP right after the fixed IPv6 header) carrying a DNS query;
 * writes to out the reply of the same family from the queried server back to the client: addresses and
 * ports swapped, same id, QR=1, the query's RD, RA=1, rcode, the question and no records; IPv4 and UDP
 * checksums set. Returns 0 or -EBADMSG/-ENOBUFS. */
int dns_build_error_reply(const uint8_t *pkt, size_t len, unsigned rcode, uint8_t *out, size_t cap,
                          size_t *ret_len);
/* name (from dns_parse_query) against pattern (lower case, no final dot): equal, or with substring
 * true, contained. */
bool dns_name_matches(const char *name, const char *pattern, bool substring);

#endif
