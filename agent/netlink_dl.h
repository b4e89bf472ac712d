/* libnl-route-3 (tc.c: netem, tbf, htb, u32) and libnetfilter_queue (shaper.c, dns_interceptor.c) loaded
 * on first use, as curl_dl.h does for libcurl: rift-agent does not link them, so its idle processes do not
 * map them (with libnl-3, libnfnetlink and libmnl: about 0.6 MB of the idle injector's RSS). netlink_dl.c
 * defines the rtnl_*, nl_* and nfq_* functions those files call, with the libraries' own prototypes; the
 * first call of a library's functions dlopen()s it. If it cannot be loaded, the reason is logged once,
 * constructors return NULL, functions returning int return -NLE_OPNOTSUPP (libnl) or -1 with errno
 * ELIBACC (libnetfilter_queue), and void functions do nothing. A new call of those libraries fails the
 * agent's link until it is added to netlink_dl.c's tables. */
#ifndef RIFT_AGENT_NETLINK_DL_H
#define RIFT_AGENT_NETLINK_DL_H

#include <stdbool.h>

#define NETLINK_DL_NL_SONAME  "libnl-route-3.so.200" /* brings libnl-3.so.200, where nl_* live */
#define NETLINK_DL_NFQ_SONAME "libnetfilter_queue.so.1"

enum netlink_dl_lib {
        NETLINK_DL_NL,  /* libnl-route-3 + libnl-3 */
        NETLINK_DL_NFQ, /* libnetfilter_queue */
};

/* Loads lib once per process (thread-safe): 0, or RIFT_E_UNAVAILABLE (reason: netlink_dl_error()). */
int netlink_dl_load(enum netlink_dl_lib lib);
/* true once lib is mapped in this process; never loads it */
bool netlink_dl_loaded(enum netlink_dl_lib lib);
/* why loading lib failed; "" before a load or after a successful one */
const char *netlink_dl_error(enum netlink_dl_lib lib);

#endif
