/* libFuzzer target: the GraphQL lexer and parser (lib/graphql/parser.c) on arbitrary bytes, with a
 * small token cap and arena so the caps' error paths run too; a parsed document's literals are also
 * printed back, which walks every value node. */
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/graphql/parser.h"
#include "lib/graphql/schema.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void print_values(const struct gql_ast_selset *ss, struct rift_buf *b)
{
        for (size_t i = 0; ss && i < ss->n; i++) {
                const struct gql_ast_selection *s = ss->items[i];

                for (size_t j = 0; j < s->n_args; j++)
                        gql_ast_print_value(b, s->args[j].value);
                print_values(s->selset, b);
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct gql_parse_opts po = { .max_tokens = 2000, .max_nesting = 64 };
        struct rift_buf b = RIFT_BUF_INIT(1 << 20);
        struct gql_ast_document *doc = NULL;
        struct gql_errors errs;
        struct gql_arena a;
        jmp_buf oom;

        gql_arena_init(&a, 4u << 20);
        a.oom = &oom;
        if (setjmp(oom) == 0) {
                gql_errors_init(&errs, &a, 0);
                if (gql_parse(&a, (const char *)data, size, &po, &errs, &doc) == 0)
                        for (size_t i = 0; i < doc->n; i++)
                                print_values(doc->defs[i]->selset, &b);
        }
        gql_arena_free(&a);
        rift_buf_free(&b);
        return 0;
}
