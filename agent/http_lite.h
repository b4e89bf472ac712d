/* rift-agent's HTTP/1.1 client without libcurl. agent/http_lite.c defines the SYNCHRONOUS functions of
 * lib/http_client.h (rift_http_client_new/free/do, rift_http_response_free, rift_http_response_header)
 * with the same contract: errors, retries with backoff and full jitter within the deadline, attempts,
 * raw header lines, the body cap, user agent, connect timeout, one keep-alive connection per client
 * (a reused connection the server closed is reconnected once when nothing of the response came back).
 * The agent's link rule puts its object before librift.a, so the archive's curl-based http_client.o is
 * never pulled in: rift-agent's control-plane client (lib/rpc_client.c) runs on this file, while riftctl
 * and the services keep libcurl. The asynchronous half (rift_http_client_attach/send) is not provided:
 * a program that needs it links lib/http_client.c (lib/rpc_client_async.c uses it).
 *
 * http:// goes over a plain TCP socket with poll() deadlines; https:// over OpenSSL loaded on the first
 * TLS connection (agent/tls_dl.h). Responses may be Content-Length, chunked or close-delimited framed;
 * 1xx responses are skipped (agent/http_resp.h parses the untrusted bytes). Host names are resolved with
 * getaddrinfo() (blocking, not bounded by the deadline) and every address is tried.
 *
 * Proxies, as libcurl reads them: http_proxy for http:// URLs (lower case only, as curl), https_proxy or
 * HTTPS_PROXY for https://, no_proxy / NO_PROXY (comma-separated host names, domain suffixes or "*"); the
 * proxy itself must be http://host[:port] (default port 1080) without credentials. http:// requests go to
 * the proxy with an absolute URI; https:// goes through a CONNECT tunnel. */
#ifndef RIFT_AGENT_HTTP_LITE_H
#define RIFT_AGENT_HTTP_LITE_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/http_client.h"

/* The proxy a request to scheme://host goes through by the environment: 1 with "host:port" of the
 * proxy in out[size], 0 for a direct connection, -EINVAL when the proxy variable is not usable. */
int http_lite_proxy_for(bool tls, const char *host, char *out, size_t size);
/* Connections opened by c so far (each TCP connect counts), for tests of keep-alive reuse. */
unsigned http_lite_connections(const struct rift_http_client *c);

#endif
