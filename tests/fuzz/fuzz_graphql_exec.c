// link: tests/graphql/testschema.c
/* libFuzzer target: parse + validate + execute against the differential test schema. The input is
 * "query" or "query\0variables-json"; limits are small so depth, field, complexity, token and memory
 * caps are hit often. The fixture is a small inline one (no file access). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/graphql/execute.h"
#include "tests/graphql/testschema.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char fixture_json[] =
    "{\"users\":[{\"id\":\"u1\",\"name\":\"u\",\"email\":null}],\"experiments\":[{\"id\":\"e1\",\"name\":"
    "\"cpu\","
    "\"description\":null,\"phase\":\"RUNNING\",\"score\":1.5,\"ownerId\":\"u1\",\"faultIds\":[\"f1\"],"
    "\"runs\":[{"
    "\"id\":\"r1\",\"phase\":\"QUEUED\",\"startedAt\":null,\"number\":1}]}],\"faults\":[{\"id\":\"f1\","
    "\"name\":"
    "\"net\",\"category\":\"NETWORK\",\"durationSeconds\":30,\"weight\":null,\"tunables\":[{\"key\":\"k\","
    "\"value\":"
    "null,\"required\":true}],\"tags\":null}],\"probes\":[{\"id\":\"p1\",\"name\":\"probe\",\"kind\":\"cmd\","
    "\"successPercent\":null}]}";

static struct gql_schema *schema;
static struct gql_engine *engine;

static void init(void)
{
        struct gql_limits lim;

        if (engine)
                return;
        if (testschema_load_text(fixture_json) < 0 || gql_schema_new(testschema_def(), NULL, 0, &schema) < 0)
                __builtin_trap();
        gql_limits_default(&lim);
        lim.max_tokens = 3000;
        lim.max_depth = 12;
        lim.max_fields = 300;
        lim.max_complexity = 5000;
        lim.max_memory = 2u << 20;
        if (gql_engine_new(schema, &lim, &engine) < 0)
                __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct rift_buf out = RIFT_BUF_INIT(4u << 20);
        const char *nul = memchr(data, '\0', size);
        size_t qlen = nul ? (size_t)(nul - (const char *)data) : size;
        char *vars = NULL;

        init();
        if (nul) {
                vars = strndup(nul + 1, size - qlen - 1);
                if (!vars)
                        return 0;
        }
        gql_execute(engine, (const char *)data, qlen, vars, NULL, NULL, &out);
        testschema_request_done();
        free(vars);
        rift_buf_free(&out);
        return 0;
}
