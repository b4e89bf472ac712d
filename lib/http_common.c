/* Shared by both HTTP clients: see http_common.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "lib/error.h"
#include "lib/http_common.h"
#include "lib/limits_rift.h"
#include "lib/macro.h"

static char *dup_or_null(const char *s, bool *failed)
{
        char *d;

        if (!s)
                return NULL;
        d = strdup(s);
        if (!d)
                *failed = true;
        return d;
}

int rift_http_config_copy(struct rift_http_client_config *dst, const struct rift_http_client_config *src)
{
        bool failed = false;

        *dst = *src;
        dst->ca_file = dup_or_null(src->ca_file, &failed);
        dst->client_cert = dup_or_null(src->client_cert, &failed);
        dst->client_key = dup_or_null(src->client_key, &failed);
        dst->user_agent = dup_or_null(src->user_agent ? src->user_agent : "rift", &failed);
        if (dst->connect_timeout_ms <= 0)
                dst->connect_timeout_ms = RIFT_HTTP_DEFAULT_CONNECT_MS;
        if (dst->timeout_ms <= 0)
                dst->timeout_ms = RIFT_HTTP_DEFAULT_TIMEOUT_MS;
        if (dst->max_retries < 0)
                dst->max_retries = 0;
        if (dst->retry_base_ms <= 0)
                dst->retry_base_ms = RIFT_HTTP_DEFAULT_RETRY_BASE;
        if (dst->retry_max_ms <= 0)
                dst->retry_max_ms = RIFT_HTTP_DEFAULT_RETRY_MAX;
        if (dst->max_response == 0)
                dst->max_response = RIFT_MAX_HTTP_RESPONSE;
        return failed ? -ENOMEM : 0;
}

void rift_http_config_free(struct rift_http_client_config *cfg)
{
        if (!cfg)
                return;
        free((char *)cfg->ca_file);
        free((char *)cfg->client_cert);
        free((char *)cfg->client_key);
        free((char *)cfg->user_agent);
        cfg->ca_file = cfg->client_cert = cfg->client_key = cfg->user_agent = NULL;
}

bool rift_http_method_idempotent(const char *m)
{
        static const char *const idem[] = { "GET", "HEAD", "PUT", "DELETE", "OPTIONS" };

        for (size_t i = 0; i < ARRAY_SIZE(idem); i++)
                if (strcmp(m, idem[i]) == 0)
                        return true;
        return false;
}

int64_t rift_http_backoff_ms(const struct rift_http_client_config *cfg, int attempt, int64_t left_ms)
{
        int64_t ceiling = cfg->retry_base_ms;

        for (int i = 0; i < attempt && ceiling < cfg->retry_max_ms; i++)
                ceiling *= 2;
        ceiling = MIN(ceiling, (int64_t)cfg->retry_max_ms);
        return MIN((int64_t)arc4random_uniform((uint32_t)ceiling + 1), MAX(left_ms, 0));
}

void rift_http_backoff(const struct rift_http_client_config *cfg, int attempt, int64_t left_ms)
{
        int64_t ms = rift_http_backoff_ms(cfg, attempt, left_ms);
        struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

void rift_http_response_free(struct rift_http_response *r)
{
        if (!r)
                return;
        rift_buf_free(&r->body);
        rift_buf_free(&r->headers);
}

int rift_http_response_header(const struct rift_http_response *r, const char *name, char *out, size_t size)
{
        size_t nlen = strlen(name);
        const char *p = r->headers.data;

        for (; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
                const char *eol = strpbrk(p, "\r\n"), *v;
                size_t vlen;

                if (!eol || strncasecmp(p, name, nlen) != 0 || p[nlen] != ':')
                        continue;
                for (v = p + nlen + 1; *v == ' ' || *v == '\t'; v++)
                        ;
                vlen = (size_t)(eol - v);
                if (vlen >= size)
                        return RIFT_E_TOOBIG;
                memcpy(out, v, vlen);
                out[vlen] = '\0';
                return 0;
        }
        return -ENOENT;
}
