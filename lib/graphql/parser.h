/* Recursive-descent parser for executable GraphQL documents (spec 2.2-2.12). Type system
 * definitions are rejected as syntax errors (see docs/graphql.md). */
#ifndef RIFT_GQL_PARSER_H
#define RIFT_GQL_PARSER_H

#include "lib/graphql/ast.h"
#include "lib/graphql/errors.h"

struct gql_parse_opts {
        size_t max_tokens;    /* 0: unlimited */
        unsigned max_nesting; /* selection sets, list/object values and types nested deeper are an error */
};

/* Parses src into *ret. On a syntax error adds one error ("Syntax Error: ...", with location) to
 * errs and returns RIFT_E_PARSE. Allocation failure jumps to the arena's recovery point. */
int gql_parse(struct gql_arena *a, const char *src, size_t len, const struct gql_parse_opts *opts,
              struct gql_errors *errs, struct gql_ast_document **ret);
/* Parses one constant value (schema default values). */
int gql_parse_value(struct gql_arena *a, const char *src, size_t len, struct gql_errors *errs,
                    struct gql_ast_value **ret);
/* Parses one type reference ("[Int!]!"). */
int gql_parse_type(struct gql_arena *a, const char *src, size_t len, struct gql_errors *errs,
                   struct gql_ast_type **ret);

#endif
