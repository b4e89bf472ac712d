/* Lexer and parser of lib/graphql: token edge cases, escapes, block strings, numbers, error
 * messages with locations, nesting and token caps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "lib/error.h"
#include "lib/graphql/lexer.h"
#include "lib/graphql/parser.h"

/* Parses src; returns the first error message (or NULL) and its location. */
static const char *parse_err(struct gql_arena *a, const char *src, const struct gql_parse_opts *po,
                             struct gql_loc *ret_loc, struct gql_ast_document **ret_doc)
{
        struct gql_errors errs;
        struct gql_ast_document *doc = NULL;

        gql_errors_init(&errs, a, 0);
        if (gql_parse(a, src, strlen(src), po, &errs, &doc) == 0) {
                if (ret_doc)
                        *ret_doc = doc;
                return NULL;
        }
        assert_int_equal(errs.list.n, 1);
        *ret_loc = ((struct gql_error *)errs.list.items[0])->locs[0];
        return ((struct gql_error *)errs.list.items[0])->message;
}

static const struct {
        const char *src;     /* document */
        const char *message; /* expected error, NULL = valid */
        uint32_t line, col;  /* error location */
} syntax_cases[] = {
        { "{ a }", NULL, 0, 0 },
        { "query Q($a: [Int!]! = [1, 2] @x) @d { a: b(c: $a, d: {e: [null, true, ENUM, \"s\", 1.5e3]}) }",
          NULL, 0, 0 },
        { "subscription S { a } mutation { b } fragment F on T @d { ... on U { c } ...G @e ... { d } }", NULL,
          0, 0 },
        { "# comment only\n{ a } # trailing", NULL, 0, 0 },
        { "\xEF\xBB\xBF{ a }", NULL, 0, 0 },
        { "", "Syntax Error: Unexpected <EOF>.", 1, 1 },
        { "{", "Syntax Error: Expected Name, found <EOF>.", 1, 2 },
        { "{ }", "Syntax Error: Expected Name, found \"}\".", 1, 3 },
        { "{ a(): b }", "Syntax Error: Expected Name, found \")\".", 1, 5 },
        { "\n\n  { a(x: ) }", "Syntax Error: Unexpected \")\".", 3, 10 },
        { "{ a(x: \"abc) }", "Syntax Error: Unterminated string.", 1, 15 },
        { "{ a(x: \"a\nb\") }", "Syntax Error: Unterminated string.", 1, 10 },
        { "{ a(x: \"\\q\") }", "Syntax Error: Invalid character escape sequence: \"\\q\".", 1, 9 },
        { "{ a(x: \"\\uD800\") }", "Syntax Error: Invalid Unicode escape sequence: \"\\uD800\".", 1, 9 },
        { "{ a(x: \"\\uDE00\") }", "Syntax Error: Invalid Unicode escape sequence: \"\\uDE00\".", 1, 9 },
        { "{ a(x: 00) }", "Syntax Error: Invalid number, unexpected digit after 0: \"0\".", 1, 9 },
        { "{ a(x: 1.) }", "Syntax Error: Invalid number, expected digit but got: \")\".", 1, 10 },
        { "{ a(x: 1e) }", "Syntax Error: Invalid number, expected digit but got: \")\".", 1, 10 },
        { "{ a(x: 0x1) }", "Syntax Error: Invalid number, expected digit but got: \"x\".", 1, 9 },
        { "{ a(x: 1.5.3) }", "Syntax Error: Invalid number, expected digit but got: \".\".", 1, 11 },
        { "{ a(x: -) }", "Syntax Error: Invalid number, expected digit but got: \")\".", 1, 9 },
        { "{ a ? }", "Syntax Error: Unexpected character: \"?\".", 1, 5 },
        { "{ a .. }", "Syntax Error: Unexpected character: \".\".", 1, 5 },
        { "{ a(x: \"\xff\") }", "Syntax Error: Invalid UTF-8 in string.", 1, 9 },
        { "{ \xC3\xA9 }", "Syntax Error: Unexpected character: U+00E9.", 1, 3 },
        { "type T { a: Int }", "Syntax Error: Unexpected Name \"type\".", 1, 1 },
        { "fragment on on T { a }", "Syntax Error: Unexpected Name \"on\".", 1, 10 },
        { "fragment F T { a }", "Syntax Error: Expected \"on\", found Name \"T\".", 1, 12 },
        { "query ($a: Int = $b) { a }", "Syntax Error: Unexpected variable \"$b\" in constant value.", 1,
          18 },
        { "{ a } }", "Syntax Error: Unexpected \"}\".", 1, 7 },
        /* columns count UTF-16 units like graphql-js: the emoji is two */
        { "{ a(x: \"\xF0\x9F\x98\x80\") ? }", "Syntax Error: Unexpected character: \"?\".", 1, 14 },
};

static void syntax_table(void **state)
{
        for (size_t i = 0; i < sizeof(syntax_cases) / sizeof(syntax_cases[0]); i++) {
                struct gql_arena a;
                struct gql_loc loc = { 0 };
                const char *msg;

                gql_arena_init(&a, 1 << 20);
                msg = parse_err(&a, syntax_cases[i].src, NULL, &loc, NULL);
                if (!syntax_cases[i].message)
                        assert_null(msg);
                else {
                        assert_non_null(msg);
                        assert_string_equal(msg, syntax_cases[i].message);
                        assert_int_equal(loc.line, syntax_cases[i].line);
                        assert_int_equal(loc.col, syntax_cases[i].col);
                }
                gql_arena_free(&a);
        }
}

static const struct {
        const char *literal; /* GraphQL string literal */
        const char *value;   /* decoded */
        size_t len;          /* decoded bytes */
} string_cases[] = {
        { "\"plain\"", "plain", 5 },
        { "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", "\"\\/\b\f\n\r\t", 8 },
        { "\"\\u00e9\"", "\xC3\xA9", 2 },
        { "\"\\u0000x\"", "\0x", 2 },
        { "\"\\uD83D\\uDE00\"", "\xF0\x9F\x98\x80", 4 },
        { "\"\\u{1F600}\"", "\xF0\x9F\x98\x80", 4 },
        { "\"tab\there\"", "tab\there", 8 },
        { "\"\"\"\n    hello\n      world\n    \"\"\"", "hello\n  world", 13 },
        { "\"\"\"  x  \"\"\"", "  x  ", 5 },
        { "\"\"\"a \\\"\"\" b\"\"\"", "a \"\"\" b", 7 },
        { "\"\"\"\n\n  first\n\n  second\n\n\"\"\"", "first\n\nsecond", 13 },
        { "\"\"\"\r\n  one\r\n    two\r\n\"\"\"", "one\n  two", 9 },
        { "\"\"\"no \\n escape\"\"\"", "no \\n escape", 12 },
        /* a backslash not before """ is literal (fuzzer find: the size estimate skipped too far) */
        { "\"\"\"a \\\" \\\"\"\" b\"\"\"", "a \\\" \"\"\" b", 10 },
};

static void string_table(void **state)
{
        for (size_t i = 0; i < sizeof(string_cases) / sizeof(string_cases[0]); i++) {
                struct gql_arena a;
                struct gql_errors errs;
                struct gql_ast_value *v = NULL;

                gql_arena_init(&a, 1 << 20);
                gql_errors_init(&errs, &a, 0);
                assert_int_equal(
                    gql_parse_value(&a, string_cases[i].literal, strlen(string_cases[i].literal), &errs, &v),
                    0);
                assert_int_equal(v->kind, GQL_AV_STRING);
                assert_int_equal(v->len, string_cases[i].len);
                assert_memory_equal(v->str, string_cases[i].value, string_cases[i].len);
                gql_arena_free(&a);
        }
}

static void value_kinds(void **state)
{
        static const struct {
                const char *src;
                enum gql_ast_value_kind kind;
        } cases[] = {
                { "0", GQL_AV_INT },
                { "-12", GQL_AV_INT },
                { "1.0", GQL_AV_FLOAT },
                { "-1e-3", GQL_AV_FLOAT },
                { "6.02E+23", GQL_AV_FLOAT },
                { "true", GQL_AV_BOOLEAN },
                { "null", GQL_AV_NULL },
                { "RED", GQL_AV_ENUM },
                { "[]", GQL_AV_LIST },
                { "{}", GQL_AV_OBJECT },
                { "99999999999999999999999999", GQL_AV_INT },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct gql_arena a;
                struct gql_errors errs;
                struct gql_ast_value *v = NULL;

                gql_arena_init(&a, 1 << 20);
                gql_errors_init(&errs, &a, 0);
                assert_int_equal(gql_parse_value(&a, cases[i].src, strlen(cases[i].src), &errs, &v), 0);
                assert_int_equal(v->kind, cases[i].kind);
                gql_arena_free(&a);
        }
}

static void ast_shape(void **state)
{
        struct gql_arena a;
        struct gql_loc loc;
        struct gql_ast_document *doc = NULL;
        const struct gql_ast_selection *f;

        gql_arena_init(&a, 1 << 20);
        assert_null(parse_err(&a, "query Q($v: Int = 3) {\n  x: f(a: $v) @skip(if: false) { g }\n  ...F\n}",
                              NULL, &loc, &doc));
        assert_int_equal(doc->n, 1);
        assert_string_equal(doc->defs[0]->name, "Q");
        assert_int_equal(doc->defs[0]->n_vardefs, 1);
        assert_string_equal(doc->defs[0]->vardefs[0].default_value->str, "3");
        f = doc->defs[0]->selset->items[0];
        assert_string_equal(f->alias, "x");
        assert_string_equal(f->name, "f");
        assert_int_equal(f->loc.line, 2);
        assert_int_equal(f->loc.col, 3);
        assert_int_equal(f->args[0].value->kind, GQL_AV_VARIABLE);
        assert_string_equal(f->directives[0].name, "skip");
        assert_int_equal(doc->defs[0]->selset->items[1]->kind, GQL_SEL_SPREAD);
        gql_arena_free(&a);
}

static void nesting_and_token_caps(void **state)
{
        struct gql_parse_opts po = { .max_tokens = 10, .max_nesting = 8 };
        struct gql_arena a;
        struct gql_loc loc;
        char deep[512];
        size_t n = 0;
        const char *msg;

        gql_arena_init(&a, 1 << 20);
        msg = parse_err(&a, "{ a b c d e f g h i j k }", &po, &loc, NULL);
        assert_non_null(msg);
        assert_non_null(strstr(msg, "more than 10 tokens"));
        for (int i = 0; i < 20; i++)
                n += (size_t)snprintf(deep + n, sizeof(deep) - n, "{ a ");
        for (int i = 0; i < 20; i++)
                n += (size_t)snprintf(deep + n, sizeof(deep) - n, "}");
        po.max_tokens = 0;
        msg = parse_err(&a, deep, &po, &loc, NULL);
        assert_non_null(msg);
        assert_non_null(strstr(msg, "nesting exceeds 8"));
        /* values nest too: [[[[...]]]] */
        msg = parse_err(&a, "{ a(x: [[[[[[[[[[1]]]]]]]]]]) }", &po, &loc, NULL);
        assert_non_null(msg);
        gql_arena_free(&a);
}

static jmp_buf oom_jump;

static void arena_cap_jumps(void **state)
{
        struct gql_arena a;
        struct gql_errors errs;
        struct gql_ast_document *doc;
        static char big[200000];

        for (size_t i = 0; i + 4 < sizeof(big); i += 4)
                memcpy(big + i, "a b ", 4);
        big[0] = '{';
        big[sizeof(big) - 2] = '}';
        big[sizeof(big) - 1] = '\0';
        gql_arena_init(&a, 64 * 1024);
        a.oom = &oom_jump;
        gql_errors_init(&errs, &a, 0);
        if (setjmp(oom_jump) == 0) {
                gql_parse(&a, big, strlen(big), NULL, &errs, &doc);
                fail_msg("a 200 kB document fit in a 64 kB arena");
        }
        assert_true(a.used <= 64 * 1024);
        gql_arena_free(&a);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(syntax_table),
                cmocka_unit_test(string_table),
                cmocka_unit_test(value_kinds),
                cmocka_unit_test(ast_shape),
                cmocka_unit_test(nesting_and_token_caps),
                cmocka_unit_test(arena_cap_jumps),
        };
        return cmocka_run_group_tests_name("graphql_parse", tests, NULL, NULL);
}
