/* Execution (spec section 6): field collection with @skip/@include, argument coercion, resolver
 * calls, value completion with null propagation, abstract type resolution, and the JSON response. */
#ifndef RIFT_GQL_EXECUTE_H
#define RIFT_GQL_EXECUTE_H

#include <cjson/cJSON.h>
#include <setjmp.h>

#include "lib/graphql/coerce.h"
#include "lib/graphql/graphql.h"

/* One request's state, from parse to response; all memory lives in arena. */
struct gql_request {
        const struct gql_engine *engine;     /* limits */
        const struct gql_schema *schema;     /* types and resolvers */
        struct gql_arena arena;              /* AST, values, errors, results */
        jmp_buf oom;                         /* arena cap recovery point */
        struct gql_errors errs;              /* every error of the request */
        struct gql_ast_document *doc;        /* parsed document */
        const struct gql_ast_definition *op; /* the operation executed */
        struct gql_varscope vars;            /* coerced variables */
        void *ctx;                           /* application context for resolvers */
        const struct gql_ast_selection *sub; /* subscriptions: the root field */
        const struct gql_field *sub_def;     /* subscriptions: its definition */
        unsigned flags;                      /* GQL_EXEC_* */
};

struct gql_engine {
        const struct gql_schema *schema; /* not owned */
        struct gql_limits limits;        /* caps for every request */
};

/* Like gql_execute with variables already parsed (NULL: none). */
int gql_execute_parsed(struct gql_engine *e, const char *query, size_t query_len, const cJSON *variables,
                       const char *operation_name, void *ctx, struct rift_buf *out);

#endif
