/* The overlapping-fields validation rule (spec 5.3.2), used by validate.c on every selection set. */
#ifndef RIFT_GQL_OVERLAP_H
#define RIFT_GQL_OVERLAP_H

#include "lib/graphql/ast.h"
#include "lib/graphql/schema.h"

/* Adds one error per conflicting pair of fields in ss (parent may be NULL when unknown). */
void gql_check_overlaps(struct gql_arena *a, const struct gql_schema *s, const struct gql_ast_document *doc,
                        struct gql_errors *errs, const struct gql_ast_selset *ss,
                        const struct gql_type *parent);

#endif
