/* Introspection (spec 4): the __ types as schema tables with their resolvers, and the meta fields
 * __schema, __type and __typename. */
#ifndef RIFT_GQL_INTROSPECTION_H
#define RIFT_GQL_INTROSPECTION_H

#include "lib/graphql/graphql.h"

/* __Schema, __Type, __TypeKind, __Field, __InputValue, __EnumValue, __Directive, __DirectiveLocation. */
extern const struct gql_type_def gql_introspection_type_defs[];
/* __schema, __type(name:), __typename (the last one is resolved by the executor). */
extern const struct gql_field_def gql_meta_field_defs[];

#endif
