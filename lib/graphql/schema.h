/* The built schema: named types with resolved type references, built-in scalars, the specified
 * directives and the introspection types, ordered like graphql-js's type map. */
#ifndef RIFT_GQL_SCHEMA_H
#define RIFT_GQL_SCHEMA_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/graphql/arena.h"
#include "lib/graphql/ast.h"
#include "lib/graphql/graphql.h"

enum gql_scalar_id {
        GQL_SCALAR_NONE,
        GQL_SCALAR_INT,
        GQL_SCALAR_FLOAT,
        GQL_SCALAR_STRING,
        GQL_SCALAR_BOOLEAN,
        GQL_SCALAR_ID,
};

struct gql_type;

/* A type reference: a named type, or a LIST / NON_NULL wrapper around another reference. */
struct gql_typeref {
        enum gql_type_kind kind;      /* the named type's kind, or LIST / NON_NULL */
        struct gql_type *named;       /* the named type at the bottom (also set on wrappers) */
        const struct gql_typeref *of; /* wrapped reference (wrappers only) */
};

struct gql_input_value {
        const char *name;                        /* argument or input field name */
        const char *description;                 /* or NULL */
        const struct gql_typeref *type;          /* input type */
        const struct gql_ast_value *default_ast; /* parsed default, or NULL */
        const char *default_text;                /* default as graphql-js prints it, or NULL */
};

struct gql_field {
        const char *name;               /* field name */
        const char *description;        /* or NULL */
        const char *deprecation_reason; /* or NULL */
        const struct gql_typeref *type; /* output type */
        struct gql_input_value *args;   /* n_args arguments in definition order */
        size_t n_args;
        gql_resolve_fn resolve; /* NULL for interface fields */
};

struct gql_enum_value {
        const char *name;               /* value name */
        const char *description;        /* or NULL */
        const char *deprecation_reason; /* or NULL */
};

struct gql_type {
        enum gql_type_kind kind;   /* SCALAR .. INPUT_OBJECT */
        const char *name;          /* type name */
        const char *description;   /* or NULL */
        enum gql_scalar_id scalar; /* built-in scalar, or NONE */
        bool introspection;        /* one of the __ types */
        struct gql_field *fields;  /* OBJECT, INTERFACE */
        size_t n_fields;
        struct gql_type **interfaces; /* OBJECT, INTERFACE: implemented interfaces */
        size_t n_interfaces;
        struct gql_type **possible; /* UNION members, or objects implementing an INTERFACE */
        size_t n_possible;
        struct gql_enum_value *values; /* ENUM */
        size_t n_values;
        struct gql_input_value *input_fields; /* INPUT_OBJECT */
        size_t n_input_fields;
        gql_resolve_type_fn resolve_type; /* INTERFACE, UNION */
        struct gql_typeref ref;           /* a reference to this named type */
};

enum gql_directive_loc {
        GQL_DL_QUERY,
        GQL_DL_MUTATION,
        GQL_DL_SUBSCRIPTION,
        GQL_DL_FIELD,
        GQL_DL_FRAGMENT_DEFINITION,
        GQL_DL_FRAGMENT_SPREAD,
        GQL_DL_INLINE_FRAGMENT,
        GQL_DL_VARIABLE_DEFINITION,
        GQL_DL_SCHEMA,
        GQL_DL_SCALAR,
        GQL_DL_OBJECT,
        GQL_DL_FIELD_DEFINITION,
        GQL_DL_ARGUMENT_DEFINITION,
        GQL_DL_INTERFACE,
        GQL_DL_UNION,
        GQL_DL_ENUM,
        GQL_DL_ENUM_VALUE,
        GQL_DL_INPUT_OBJECT,
        GQL_DL_INPUT_FIELD_DEFINITION,
        GQL_DL_COUNT,
};
extern const char *const gql_directive_loc_names[GQL_DL_COUNT];

struct gql_directive {
        const char *name;                        /* without @ */
        const char *description;                 /* or NULL */
        uint32_t locations;                      /* bit set of 1u << enum gql_directive_loc */
        const enum gql_directive_loc *loc_order; /* the same locations in definition order */
        size_t n_locs;                           /* entries in loc_order */
        struct gql_input_value *args;            /* n_args */
        size_t n_args;
};

struct gql_schema {
        struct gql_arena arena;  /* everything below */
        struct gql_type **types; /* n_types, graphql-js type map order */
        size_t n_types;
        struct gql_type **defined; /* n_defined: the application's types in table order */
        size_t n_defined;
        struct gql_type *query, *mutation,
            *subscription;                /* root types (mutation, subscription may be NULL) */
        struct gql_directive *directives; /* n_directives, graphql-js order */
        size_t n_directives;
        struct gql_field *meta_schema;   /* __schema: __Schema! */
        struct gql_field *meta_type;     /* __type(name: String!): __Type */
        struct gql_field *meta_typename; /* __typename: String! */
};

struct gql_type *gql_schema_type(const struct gql_schema *s, const char *name);
const struct gql_directive *gql_schema_directive(const struct gql_schema *s, const char *name);
/* Field of an object/interface type by name, including __typename (and __schema/__type on the query
 * root when introspection is allowed); NULL if none. */
const struct gql_field *gql_type_field(const struct gql_schema *s, const struct gql_type *t, const char *name,
                                       bool introspection);
const struct gql_input_value *gql_input_find(const struct gql_input_value *v, size_t n, const char *name);
bool gql_type_is_input(const struct gql_typeref *t);
bool gql_type_is_composite(const struct gql_type *t);
bool gql_type_is_abstract(const struct gql_type *t);
/* True if object type obj is a possible type of abstract (or equal to) t. */
bool gql_type_possible(const struct gql_type *t, const struct gql_type *obj);
/* True if t is a subtype of super (same, or object implementing interface / member of union). */
bool gql_type_overlap(const struct gql_type *a, const struct gql_type *b);
/* Strips one NON_NULL wrapper, if any. */
const struct gql_typeref *gql_typeref_nullable(const struct gql_typeref *t);
/* "[Int!]!" */
const char *gql_typeref_str(struct gql_arena *a, const struct gql_typeref *t);
bool gql_typeref_equal(const struct gql_typeref *a, const struct gql_typeref *b);
/* Prints a literal the way graphql-js print() does. */
int gql_ast_print_value(struct rift_buf *out, const struct gql_ast_value *v);
int gql_print_string(struct rift_buf *out, const char *s, size_t len);

#endif
