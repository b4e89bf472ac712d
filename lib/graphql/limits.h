/* Request cost limits checked before validation: field nesting depth, selected field count and
 * list-weighted complexity, all after fragment expansion (docs/graphql.md explains the measure). */
#ifndef RIFT_GQL_LIMITS_H
#define RIFT_GQL_LIMITS_H

#include "lib/graphql/ast.h"
#include "lib/graphql/graphql.h"
#include "lib/graphql/schema.h"

/* Each list-typed field multiplies the cost of the fields below it by this factor. */
#define GQL_LIST_FACTOR 10u

/* Adds one error and returns RIFT_E_TOOBIG if an operation of doc exceeds a limit. */
int gql_limits_check(struct gql_arena *a, const struct gql_schema *s, const struct gql_ast_document *doc,
                     const struct gql_limits *lim, struct gql_errors *errs);

#endif
