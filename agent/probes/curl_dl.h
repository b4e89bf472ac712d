/* libcurl loaded on first use. rift-agent does not link libcurl: Debian's build pulls in about 30 shared
 * objects (gnutls, krb5, ldap, ssh2, rtmp, nghttp2...) that every process would map and relocate at
 * start. curl_dl.c instead defines the curl_* functions the agent calls (probe_http.c and probe_prom.c;
 * the multi functions are kept for lib/http_client.c's API, which the agent no longer links: its
 * control-plane client is agent/http_lite.c), with curl.h's own prototypes; the first call dlopen()s
 * CURL_DL_SONAME and each forwards to its dlsym()ed counterpart. The root injector makes no HTTP
 * request, so it never maps libcurl; the network process maps it at its first httpProbe or promProbe.
 * If libcurl cannot be loaded, the reason is logged once, curl_global_init() returns CURLE_FAILED_INIT
 * and the constructors return NULL. A new curl_* call in those files fails the agent's link until it is
 * added to curl_dl.c's table. */
#ifndef RIFT_AGENT_CURL_DL_H
#define RIFT_AGENT_CURL_DL_H

#include <stdbool.h>

#define CURL_DL_SONAME "libcurl.so.4" /* the ABI curl.h describes since libcurl 7.16 */

/* Loads libcurl once per process (thread-safe): 0, or RIFT_E_UNAVAILABLE (reason: curl_dl_error()). */
int curl_dl_load(void);
/* true once libcurl is mapped in this process; never loads it */
bool curl_dl_loaded(void);
/* why the load failed; "" before a load or after a successful one */
const char *curl_dl_error(void);

#endif
