/* nf_tables through its netlink interface, for the chains iptables-nft created for the agent: deleting
 * them, and the rules that jump to them, in one nftables transaction on a socket the process keeps open.
 *
 * Why not iptables-restore for this: a transaction that deletes rules leaves the kernel destroy work to
 * do after an RCU grace period, and when a netfilter netlink socket is released the kernel waits for that
 * work (nft_rcv_nl_event): the iptables-restore child's exit took ~9 ms of a 19 ms revert. A socket that
 * stays open never waits, and no process is started.
 *
 * It only deletes: chains are still created by iptables-restore (ipt.h), which is also the fallback when
 * this fails (a machine on iptables-legacy has no nf_tables chains of those names: -ENOENT). */
#ifndef RIFT_AGENT_NFT_H
#define RIFT_AGENT_NFT_H

#include <stddef.h>

#define NFT_MAX_CHAINS 8    /* chains deleted in one call */
#define NFT_MAX_BASES  8    /* chains searched for jumps in one call */
#define NFT_MAX_JUMPS  64   /* jump rules deleted in one call */
#define NFT_TIMEOUT_MS 2000 /* waiting for the kernel's answers */
#define NFT_MAX_NAME   64   /* table and chain names (NFT_NAME_MAXLEN - 1 is 255; ours are short) */

/* In table of family (AF_INET: iptables' "ip" tables, AF_INET6: "ip6"), deletes every rule of the chains
 * bases[] whose verdict jumps (or goes) to one of chains[], then chains[] with their rules: one
 * transaction, all or nothing. 0 when done; -ENOENT when the table, a base or one of chains[] is not
 * in nf_tables (already gone, or iptables-legacy): nothing was changed; another negative errno when the
 * kernel refused or did not answer in time (nothing was changed either). */
int nft_delete_chains(int family, const char *table, const char *const *bases, size_t n_bases,
                      const char *const *chains, size_t n_chains);

/* Closes the kept socket (tests; a process that exits need not call it). */
void nft_close(void);

#endif
