/* GraphQL lexer (spec 2.1): punctuators, names, numbers, strings with escapes and surrogate pairs,
 * block strings with the spec's indentation removal, comments; columns counted in UTF-16 units. */
#ifndef RIFT_GQL_LEXER_H
#define RIFT_GQL_LEXER_H

#include <stddef.h>

#include "lib/graphql/errors.h"

enum gql_tok_kind {
        GQL_TOK_EOF,
        GQL_TOK_BANG,
        GQL_TOK_DOLLAR,
        GQL_TOK_AMP,
        GQL_TOK_PAREN_L,
        GQL_TOK_PAREN_R,
        GQL_TOK_SPREAD,
        GQL_TOK_COLON,
        GQL_TOK_EQUALS,
        GQL_TOK_AT,
        GQL_TOK_BRACKET_L,
        GQL_TOK_BRACKET_R,
        GQL_TOK_BRACE_L,
        GQL_TOK_PIPE,
        GQL_TOK_BRACE_R,
        GQL_TOK_NAME,
        GQL_TOK_INT,
        GQL_TOK_FLOAT,
        GQL_TOK_STRING,
        GQL_TOK_BLOCK_STRING,
};

struct gql_token {
        enum gql_tok_kind kind; /* token type */
        struct gql_loc loc;     /* where it starts */
        const char *value;      /* NAME/INT/FLOAT text, STRING decoded; NUL-terminated, in the arena */
        size_t len;             /* bytes of value */
};

struct gql_lexer {
        struct gql_arena *arena; /* token values */
        const char *src;         /* document text */
        size_t len;              /* bytes of src */
        size_t pos;              /* next byte to read */
        uint32_t line;           /* current line (1-based) */
        size_t line_start;       /* offset of the current line's first byte */
        size_t col_pos;          /* offset up to which col_units is counted */
        uint32_t col_units;      /* UTF-16 units from line_start to col_pos */
        size_t tokens;           /* tokens produced */
        size_t max_tokens;       /* 0: unlimited */
        const char *error;       /* set with err_loc when next() fails */
        struct gql_loc err_loc;  /* where the error is */
};

void gql_lexer_init(struct gql_lexer *lx, struct gql_arena *a, const char *src, size_t len,
                    size_t max_tokens);
/* Reads the next token; returns 0, or RIFT_E_PARSE with lx->error/err_loc set. */
int gql_lexer_next(struct gql_lexer *lx, struct gql_token *ret);
/* "\"{\"", "Name \"foo\"", "<EOF>": the token as graphql-js names it in messages. */
const char *gql_token_describe(struct gql_arena *a, const struct gql_token *t);
/* The spec's BlockStringValue(): removes common indentation and blank first/last lines. */
char *gql_block_string_value(struct gql_arena *a, const char *raw, size_t len, size_t *ret_len);

#endif
