/* Input coercion (spec 3.5 scalars, 3.9 enums, 3.10 input objects, 3.11 lists, 6.1.2 variables)
 * with graphql-js's messages, and scalar result serialization (spec 3.5 result coercion). */
#ifndef RIFT_GQL_COERCE_H
#define RIFT_GQL_COERCE_H

#include <cjson/cJSON.h>

#include "lib/graphql/schema.h"

/* Where variable references in literals are looked up during execution. */
struct gql_varscope {
        const struct gql_ast_definition *op; /* the operation (its vardefs) */
        struct gql_value **values;           /* coerced values by vardef index; NULL = not provided */
};

/* NULL if literal v (no variables inside) is valid for leaf type t, else graphql-js's message. */
const char *gql_literal_leaf_error(struct gql_arena *a, const struct gql_type *t,
                                   const struct gql_ast_value *v);
/* The literal as graphql-js print() shows it, in the arena. */
const char *gql_ast_value_str(struct gql_arena *a, const struct gql_ast_value *v);

/* valueFromAST: coerces a literal of a validated document. Returns 0 with *ret (NULL means
 * "undefined": an unprovided variable), or RIFT_E_INVALID when the value cannot be coerced. */
int gql_coerce_literal(struct gql_arena *a, const struct gql_ast_value *v, const struct gql_typeref *t,
                       const struct gql_varscope *vs, struct gql_value **ret);
/* Coerces the operation's variables from JSON (vars may be NULL). Adds errors to errs and returns
 * RIFT_E_INVALID if any variable is invalid. */
int gql_coerce_variables(struct gql_arena *a, const struct gql_schema *s, const struct gql_ast_definition *op,
                         const cJSON *vars, struct gql_errors *errs, struct gql_value ***ret);
/* Serializes a resolver's leaf result for type t: NULL message and *ret set, or an error message. */
const char *gql_serialize_leaf(struct gql_arena *a, const struct gql_type *t, const struct gql_value *v,
                               struct gql_value **ret);
/* Looks up a vardef index by name; -1 if none. */
int gql_op_var_index(const struct gql_ast_definition *op, const char *name);
struct gql_type *gql_typeref_from_ast_named(const struct gql_schema *s, const struct gql_ast_type *t);
/* typeFromAST; NULL if a named type is unknown. */
const struct gql_typeref *gql_typeref_from_ast(struct gql_arena *a, const struct gql_schema *s,
                                               const struct gql_ast_type *t);

#endif
