/* Document validation (spec section 5) with graphql-js's messages; see docs/graphql.md for the rule
 * list. Errors are added to errs in document order; nothing else is allocated outside the arena. */
#ifndef RIFT_GQL_VALIDATE_H
#define RIFT_GQL_VALIDATE_H

#include "lib/graphql/ast.h"
#include "lib/graphql/schema.h"

/* Returns the number of errors added (0: valid). introspection=false makes __schema/__type errors. */
size_t gql_validate(struct gql_arena *a, const struct gql_schema *s, const struct gql_ast_document *doc,
                    bool introspection, struct gql_errors *errs);

/* Fragment definition by name, or NULL. */
const struct gql_ast_definition *gql_doc_fragment(const struct gql_ast_document *doc, const char *name);

#endif
