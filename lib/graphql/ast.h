/* The syntax tree of an executable GraphQL document. Every node lives in the request arena and
 * carries the source location of its first token. */
#ifndef RIFT_GQL_AST_H
#define RIFT_GQL_AST_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/graphql/errors.h"

enum gql_ast_value_kind {
        GQL_AV_VARIABLE,
        GQL_AV_INT,
        GQL_AV_FLOAT,
        GQL_AV_STRING,
        GQL_AV_BOOLEAN,
        GQL_AV_NULL,
        GQL_AV_ENUM,
        GQL_AV_LIST,
        GQL_AV_OBJECT,
};

struct gql_ast_value {
        enum gql_ast_value_kind kind; /* which fields below are meaningful */
        struct gql_loc loc;           /* first token */
        const char *str;              /* INT/FLOAT source text, STRING decoded, ENUM/VARIABLE name */
        size_t len;                   /* bytes of str */
        bool b;                       /* BOOLEAN */
        struct gql_ast_value **items; /* LIST items, OBJECT field values */
        const char **names;           /* OBJECT field names */
        struct gql_loc *name_locs;    /* OBJECT field name locations */
        size_t n;                     /* LIST/OBJECT count */
};

enum gql_ast_type_kind {
        GQL_AT_NAMED,
        GQL_AT_LIST,
        GQL_AT_NON_NULL,
};

struct gql_ast_type {
        enum gql_ast_type_kind kind; /* named or wrapper */
        const char *name;            /* NAMED */
        struct gql_ast_type *of;     /* LIST, NON_NULL */
        struct gql_loc loc;          /* first token */
};

struct gql_ast_arg {
        const char *name;            /* argument name */
        struct gql_loc loc;          /* of the name */
        struct gql_ast_value *value; /* literal or variable */
};

struct gql_ast_directive {
        const char *name;         /* without @ */
        struct gql_loc loc;       /* of the @ */
        struct gql_ast_arg *args; /* n_args arguments */
        size_t n_args;
};

enum gql_ast_sel_kind {
        GQL_SEL_FIELD,
        GQL_SEL_SPREAD,
        GQL_SEL_INLINE,
};

struct gql_ast_selset;

struct gql_ast_selection {
        enum gql_ast_sel_kind kind;   /* field, fragment spread, inline fragment */
        struct gql_loc loc;           /* first token */
        const char *alias;            /* FIELD: alias or NULL */
        const char *name;             /* FIELD: field name; SPREAD: fragment name */
        struct gql_loc name_loc;      /* SPREAD: of the fragment name */
        const char *type_cond;        /* INLINE: type condition or NULL */
        struct gql_loc type_cond_loc; /* INLINE: of the type condition */
        struct gql_ast_arg *args;     /* FIELD arguments */
        size_t n_args;
        struct gql_ast_directive *directives; /* n_directives */
        size_t n_directives;
        struct gql_ast_selset *selset; /* FIELD (may be NULL), INLINE */
        const void *cache_type;        /* FIELD: last parent type; INLINE: type_cond looked up */
        const void *cache_field;       /* ... and the field definition found for it */
};

struct gql_ast_selset {
        struct gql_ast_selection **items; /* n selections in source order */
        size_t n;
        struct gql_loc loc; /* the { */
};

struct gql_ast_vardef {
        const char *name;                    /* without $ */
        struct gql_loc name_loc;             /* of the name after the $ */
        struct gql_loc loc;                  /* of the $ */
        struct gql_ast_type *type;           /* declared type */
        struct gql_ast_value *default_value; /* constant or NULL */
        struct gql_ast_directive *directives;
        size_t n_directives;
};

enum gql_op_type {
        GQL_OP_QUERY,
        GQL_OP_MUTATION,
        GQL_OP_SUBSCRIPTION,
};

enum gql_def_kind {
        GQL_DEF_OPERATION,
        GQL_DEF_FRAGMENT,
};

struct gql_ast_definition {
        enum gql_def_kind kind;         /* operation or fragment */
        size_t index;                   /* position in the document */
        enum gql_op_type op;            /* OPERATION */
        const char *name;               /* or NULL for an anonymous operation */
        struct gql_loc name_loc;        /* of the name */
        struct gql_loc loc;             /* first token */
        const char *type_cond;          /* FRAGMENT */
        struct gql_loc type_cond_loc;   /* FRAGMENT: the type name */
        struct gql_ast_vardef *vardefs; /* OPERATION: n_vardefs */
        size_t n_vardefs;
        size_t *var_sorted;                   /* vardef indexes sorted by name (then position), for lookups */
        struct gql_ast_directive *directives; /* n_directives */
        size_t n_directives;
        struct gql_ast_selset *selset; /* never NULL */
        const void *cache_type;        /* FRAGMENT: execution's lookup of type_cond */
};

struct gql_ast_document {
        struct gql_ast_definition **defs; /* n definitions in source order */
        size_t n;
        struct gql_ast_definition **frags; /* n_frags fragments sorted by name (then source order) */
        size_t n_frags;
};

#endif
