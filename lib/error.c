#include <errno.h>
#include <string.h>

#include "lib/error.h"
#include "lib/macro.h"

struct rift_error_desc {
        const char *name; /* stable token */
        const char *text; /* description for people */
};

static const struct rift_error_desc descs[] = {
        [RIFT_E_PARSE - RIFT_E_FIRST] = { "parse", "malformed input" },
        [RIFT_E_TOOBIG - RIFT_E_FIRST] = { "too_big", "input exceeds its size limit" },
        [RIFT_E_INVALID - RIFT_E_FIRST] = { "invalid", "invalid value" },
        [RIFT_E_NOTFOUND - RIFT_E_FIRST] = { "not_found", "not found" },
        [RIFT_E_EXISTS - RIFT_E_FIRST] = { "exists", "already exists" },
        [RIFT_E_CONFLICT - RIFT_E_FIRST] = { "conflict", "modified concurrently (version mismatch)" },
        [RIFT_E_AUTH - RIFT_E_FIRST] = { "unauthenticated", "authentication failed" },
        [RIFT_E_FORBIDDEN - RIFT_E_FIRST] = { "forbidden", "permission denied" },
        [RIFT_E_PROTOCOL - RIFT_E_FIRST] = { "protocol", "protocol violation by peer" },
        [RIFT_E_TIMEOUT - RIFT_E_FIRST] = { "timeout", "deadline exceeded" },
        [RIFT_E_UNAVAILABLE - RIFT_E_FIRST] = { "unavailable", "service unavailable" },
        [RIFT_E_STORE - RIFT_E_FIRST] = { "store", "database error" },
        [RIFT_E_TLS - RIFT_E_FIRST] = { "tls", "TLS failure" },
        [RIFT_E_CRYPTO - RIFT_E_FIRST] = { "crypto", "cryptographic failure" },
        [RIFT_E_UNSUPPORTED - RIFT_E_FIRST] = { "unsupported", "not supported here" },
};

static const struct rift_error_desc *rift_desc(int err)
{
        if (err > RIFT_E_FIRST && err < RIFT_E_LAST && descs[err - RIFT_E_FIRST].name)
                return &descs[err - RIFT_E_FIRST];
        return NULL;
}

const char *rift_strerror(int err)
{
        const struct rift_error_desc *d = rift_desc(err);
        const char *s;

        if (d)
                return d->text;
        if (err == 0)
                return "success";
        if (err < 0 && err > -4096) {
                s = strerrordesc_np(-err);
                if (s)
                        return s;
        }
        return "unknown error";
}

const char *rift_error_name(int err)
{
        const struct rift_error_desc *d = rift_desc(err);
        const char *s;

        if (d)
                return d->name;
        if (err == 0)
                return "ok";
        if (err < 0 && err > -4096) {
                s = strerrorname_np(-err);
                if (s)
                        return s;
        }
        return "unknown";
}
