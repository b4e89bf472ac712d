/* gqlexec: the C side of the GraphQL differential test and benchmark (see tests/graphql/).
 *   gqlexec                       JSON-lines requests on stdin -> one JSON response per line
 *   gqlexec --sdl                 the test schema's SDL (graphql-js printSchema format)
 *   gqlexec --introspection       the result of graphql-js's standard introspection query
 *   gqlexec --bench N QUERYFILE   parse+validate+execute N times; prints ops_per_sec= peak_rss_kb=
 * The fixture comes from $RIFT_GQL_FIXTURE (default tests/graphql/fixture.json). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "lib/graphql/execute.h"
#include "lib/limits_rift.h"
#include "tests/graphql/testschema.h"

/* Same text as tests/graphql/introspection.graphql (without its comment). */
static const char introspection_query[] = "query IntrospectionQuery {\n"
                                          "  __schema {\n"
                                          "    queryType { name kind }\n"
                                          "    mutationType { name kind }\n"
                                          "    subscriptionType { name kind }\n"
                                          "    types { ...FullType }\n"
                                          "    directives {\n"
                                          "      name\n"
                                          "      description\n"
                                          "      locations\n"
                                          "      args { ...InputValue }\n"
                                          "    }\n"
                                          "  }\n"
                                          "}\n"
                                          "\n"
                                          "fragment FullType on __Type {\n"
                                          "  kind\n"
                                          "  name\n"
                                          "  description\n"
                                          "  fields(includeDeprecated: true) {\n"
                                          "    name\n"
                                          "    description\n"
                                          "    args { ...InputValue }\n"
                                          "    type { ...TypeRef }\n"
                                          "    isDeprecated\n"
                                          "    deprecationReason\n"
                                          "  }\n"
                                          "  inputFields { ...InputValue }\n"
                                          "  interfaces { ...TypeRef }\n"
                                          "  enumValues(includeDeprecated: true) {\n"
                                          "    name\n"
                                          "    description\n"
                                          "    isDeprecated\n"
                                          "    deprecationReason\n"
                                          "  }\n"
                                          "  possibleTypes { ...TypeRef }\n"
                                          "}\n"
                                          "\n"
                                          "fragment InputValue on __InputValue {\n"
                                          "  name\n"
                                          "  description\n"
                                          "  type { ...TypeRef }\n"
                                          "  defaultValue\n"
                                          "}\n"
                                          "\n"
                                          "fragment TypeRef on __Type {\n"
                                          "  kind\n"
                                          "  name\n"
                                          "  ofType {\n"
                                          "    kind\n"
                                          "    name\n"
                                          "    ofType {\n"
                                          "      kind\n"
                                          "      name\n"
                                          "      ofType {\n"
                                          "        kind\n"
                                          "        name\n"
                                          "        ofType {\n"
                                          "          kind\n"
                                          "          name\n"
                                          "          ofType {\n"
                                          "            kind\n"
                                          "            name\n"
                                          "            ofType {\n"
                                          "              kind\n"
                                          "              name\n"
                                          "              ofType {\n"
                                          "                kind\n"
                                          "                name\n"
                                          "                ofType {\n"
                                          "                  kind\n"
                                          "                  name\n"
                                          "                  ofType {\n"
                                          "                    kind\n"
                                          "                    name\n"
                                          "                  }\n"
                                          "                }\n"
                                          "              }\n"
                                          "            }\n"
                                          "          }\n"
                                          "        }\n"
                                          "      }\n"
                                          "    }\n"
                                          "  }\n"
                                          "}\n";

static int run_one(struct gql_engine *e, const char *query, size_t len, const cJSON *vars, const char *opname,
                   struct rift_buf *out)
{
        int r = gql_execute_parsed(e, query, len, vars, opname, NULL, out);

        testschema_request_done();
        return r;
}

static int serve_lines(struct gql_engine *e)
{
        struct rift_buf out = RIFT_BUF_INIT(RIFT_MAX_GQL_RESPONSE);
        char *line = NULL;
        size_t cap = 0;
        ssize_t n;

        while ((n = getline(&line, &cap, stdin)) >= 0) {
                cJSON *req = n <= (ssize_t)RIFT_MAX_HTTP_BODY ? cJSON_ParseWithLength(line, (size_t)n) : NULL;
                const cJSON *q = cJSON_GetObjectItemCaseSensitive(req, "query");
                const cJSON *v = cJSON_GetObjectItemCaseSensitive(req, "variables");
                const cJSON *op = cJSON_GetObjectItemCaseSensitive(req, "operationName");

                if (n <= 1 && !req)
                        continue;
                rift_buf_reset(&out);
                if (!cJSON_IsString(q) ||
                    run_one(e, q->valuestring, strlen(q->valuestring), cJSON_IsObject(v) ? v : NULL,
                            cJSON_IsString(op) ? op->valuestring : NULL, &out) < 0) {
                        rift_buf_reset(&out);
                        rift_buf_append_str(&out, "{\"errors\":[{\"message\":\"Invalid request.\"}]}");
                }
                fwrite(out.data, 1, out.len, stdout);
                fputc('\n', stdout);
                fflush(stdout);
                cJSON_Delete(req);
        }
        free(line);
        rift_buf_free(&out);
        return 0;
}

static char *read_file(const char *path, size_t *ret_len)
{
        FILE *f = fopen(path, "re");
        struct rift_buf b = RIFT_BUF_INIT(RIFT_MAX_HTTP_BODY);
        char chunk[4096];
        size_t n;

        if (!f)
                return NULL;
        while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
                if (rift_buf_append(&b, chunk, n) < 0) {
                        fclose(f);
                        rift_buf_free(&b);
                        return NULL;
                }
        fclose(f);
        *ret_len = b.len;
        return rift_buf_steal(&b);
}

static double now_s(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int bench(struct gql_engine *e, const char *count, const char *path)
{
        struct rift_buf out = RIFT_BUF_INIT(RIFT_MAX_GQL_RESPONSE);
        long n = strtol(count, NULL, 10);
        size_t len = 0;
        char *query = read_file(path, &len);
        struct rusage ru;
        double t0, dt;

        if (!query || n <= 0) {
                fprintf(stderr, "gqlexec: usage: --bench N QUERYFILE\n");
                free(query);
                return 2;
        }
        t0 = now_s();
        for (long i = 0; i < n; i++) {
                rift_buf_reset(&out);
                run_one(e, query, len, NULL, NULL, &out);
        }
        dt = now_s() - t0;
        getrusage(RUSAGE_SELF, &ru);
        printf("ops_per_sec=%.1f peak_rss_kb=%ld\n", dt > 0 ? (double)n / dt : 0.0, ru.ru_maxrss);
        free(query);
        rift_buf_free(&out);
        return 0;
}

static int print_sdl(const struct gql_schema *s)
{
        struct rift_buf out = RIFT_BUF_INIT(RIFT_MAX_GQL_RESPONSE);
        int r = gql_schema_print_sdl(s, &out);

        if (r >= 0)
                printf("%s\n", out.data ? out.data : "");
        rift_buf_free(&out);
        return r < 0;
}

static int print_introspection(struct gql_engine *e)
{
        struct rift_buf out = RIFT_BUF_INIT(RIFT_MAX_GQL_RESPONSE);
        int r = run_one(e, introspection_query, strlen(introspection_query), NULL, NULL, &out);

        if (r >= 0)
                printf("%s\n", out.data ? out.data : "");
        rift_buf_free(&out);
        return r < 0;
}

int main(int argc, char **argv)
{
        struct gql_schema *schema = NULL;
        struct gql_engine *engine = NULL;
        char err[256];
        int r;

        if (testschema_load(NULL) < 0) {
                fprintf(stderr, "gqlexec: cannot load the fixture\n");
                return 1;
        }
        if (gql_schema_new(testschema_def(), err, sizeof(err), &schema) < 0 ||
            gql_engine_new(schema, NULL, &engine) < 0) {
                fprintf(stderr, "gqlexec: schema: %s\n", err);
                return 1;
        }
        if (argc > 1 && strcmp(argv[1], "--sdl") == 0)
                r = print_sdl(schema);
        else if (argc > 1 && strcmp(argv[1], "--introspection") == 0)
                r = print_introspection(engine);
        else if (argc > 3 && strcmp(argv[1], "--bench") == 0)
                r = bench(engine, argv[2], argv[3]);
        else if (argc == 1)
                r = serve_lines(engine);
        else {
                fprintf(stderr, "usage: gqlexec [--sdl | --introspection | --bench N QUERYFILE]\n");
                r = 2;
        }
        gql_engine_free(engine);
        gql_schema_free(schema);
        testschema_unload();
        return r;
}
