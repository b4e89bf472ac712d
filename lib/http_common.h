/* What both implementations of lib/http_client.h share (lib/http_client.c on libcurl, agent/http_lite.c
 * without it): the client configuration's defaults and copies, which methods are idempotent, the retry
 * backoff, and the response helpers http_client.h declares (rift_http_response_free,
 * rift_http_response_header, defined in http_common.c). */
#ifndef RIFT_HTTP_COMMON_H
#define RIFT_HTTP_COMMON_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/http_client.h"

#define RIFT_HTTP_DEFAULT_CONNECT_MS 5000  /* connect_timeout_ms when 0 */
#define RIFT_HTTP_DEFAULT_TIMEOUT_MS 30000 /* timeout_ms when 0 */
#define RIFT_HTTP_DEFAULT_RETRY_BASE 100   /* retry_base_ms when 0 */
#define RIFT_HTTP_DEFAULT_RETRY_MAX  5000  /* retry_max_ms when 0 */

/* *dst = *src with the defaults applied and its strings copied (user_agent "rift" when NULL); free them
 * with rift_http_config_free (also after -ENOMEM: whatever was copied). */
int rift_http_config_copy(struct rift_http_client_config *dst, const struct rift_http_client_config *src);
void rift_http_config_free(struct rift_http_client_config *cfg);
/* GET, HEAD, PUT, DELETE, OPTIONS: safe to send again after it may have reached the server. */
bool rift_http_method_idempotent(const char *method);
/* Full jitter: a random wait in [0, min(retry_max_ms, retry_base_ms * 2^attempt)] ms, never more than
 * left_ms (none when left_ms <= 0). */
int64_t rift_http_backoff_ms(const struct rift_http_client_config *cfg, int attempt, int64_t left_ms);
/* Sleeps rift_http_backoff_ms(...) (through EINTR). */
void rift_http_backoff(const struct rift_http_client_config *cfg, int attempt, int64_t left_ms);

#endif
