/* libFuzzer target: a request body through lib/json the way a handler uses it: bounded parse, strict
 * field check, every typed getter on every key, then formatting and reparsing the result (which must
 * succeed: what we print we must read back). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "lib/error.h"
#include "lib/json.h"
#include "lib/limits_rift.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const allowed[] = { "username", "password", "email", "name", "role", "projectID" };

static void poke_getters(const cJSON *o)
{
        for (const cJSON *v = o->child; v; v = v->next) {
                const char *s;
                const cJSON *sub;
                int64_t i;
                double d;
                bool b;

                if (!v->string)
                        continue;
                (void)rift_json_get_string(o, v->string, &s);
                (void)rift_json_get_int64(o, v->string, &i);
                (void)rift_json_get_double(o, v->string, &d);
                (void)rift_json_get_bool(o, v->string, &b);
                if (rift_json_get_object(o, v->string, &sub) == 0)
                        poke_getters(sub);
                (void)rift_json_get_array(o, v->string, &sub);
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        _cleanup_json_ cJSON *o = NULL, *again = NULL;
        _cleanup_buf_ struct rift_buf out = RIFT_BUF_INIT(RIFT_MAX_HTTP_BODY * 2);
        struct rift_json_error e;
        const char *bad;

        if (rift_json_parse_object((const char *)data, size, 64 * 1024, &e, &o) < 0)
                return 0;
        (void)rift_json_check_fields(o, allowed, ARRAY_SIZE(allowed), &bad);
        poke_getters(o);
        if (rift_json_format(o, &out) < 0)
                abort();
        if (rift_json_parse_object(out.data, out.len, out.max, &e, &again) < 0)
                abort();
        return 0;
}
