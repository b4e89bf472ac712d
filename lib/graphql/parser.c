/* Recursive-descent parser; see parser.h. One token of lookahead; errors stop the parse. */
#include <stdlib.h>
#include <string.h>

#include "lib/error.h"
#include "lib/graphql/lexer.h"
#include "lib/graphql/parser.h"

struct parser {
        struct gql_arena *arena; /* AST nodes */
        struct gql_lexer lx;     /* token source */
        struct gql_token tok;    /* current token */
        struct gql_errors *errs; /* where the one syntax error goes */
        unsigned depth;          /* current nesting */
        unsigned max_nesting;    /* cap on depth */
};

static int fail_at(struct parser *p, struct gql_loc loc, const char *msg)
{
        gql_errors_add(p->errs, &loc, 1, NULL, "Syntax Error: %s", msg);
        return RIFT_E_PARSE;
}

static int advance(struct parser *p)
{
        if (gql_lexer_next(&p->lx, &p->tok) < 0)
                return fail_at(p, p->lx.err_loc, p->lx.error);
        return 0;
}

static int unexpected(struct parser *p)
{
        return fail_at(p, p->tok.loc,
                       gql_arena_printf(p->arena, "Unexpected %s.", gql_token_describe(p->arena, &p->tok)));
}

static bool peek_kind(const struct parser *p, enum gql_tok_kind k)
{
        return p->tok.kind == k;
}

static bool peek_name(const struct parser *p, const char *name)
{
        return p->tok.kind == GQL_TOK_NAME && strcmp(p->tok.value, name) == 0;
}

static const char *const expect_names[] = {
        [GQL_TOK_EOF] = "<EOF>",       [GQL_TOK_BANG] = "\"!\"",
        [GQL_TOK_DOLLAR] = "\"$\"",    [GQL_TOK_AMP] = "\"&\"",
        [GQL_TOK_PAREN_L] = "\"(\"",   [GQL_TOK_PAREN_R] = "\")\"",
        [GQL_TOK_SPREAD] = "\"...\"",  [GQL_TOK_COLON] = "\":\"",
        [GQL_TOK_EQUALS] = "\"=\"",    [GQL_TOK_AT] = "\"@\"",
        [GQL_TOK_BRACKET_L] = "\"[\"", [GQL_TOK_BRACKET_R] = "\"]\"",
        [GQL_TOK_BRACE_L] = "\"{\"",   [GQL_TOK_PIPE] = "\"|\"",
        [GQL_TOK_BRACE_R] = "\"}\"",   [GQL_TOK_NAME] = "Name",
        [GQL_TOK_INT] = "Int",         [GQL_TOK_FLOAT] = "Float",
        [GQL_TOK_STRING] = "String",   [GQL_TOK_BLOCK_STRING] = "BlockString",
};

static int expect(struct parser *p, enum gql_tok_kind k)
{
        if (p->tok.kind != k)
                return fail_at(p, p->tok.loc,
                               gql_arena_printf(p->arena, "Expected %s, found %s.", expect_names[k],
                                                gql_token_describe(p->arena, &p->tok)));
        return advance(p);
}

/* Skips the token if it is k; returns 1 if skipped, 0 if not, negative on lexer error. */
static int skip(struct parser *p, enum gql_tok_kind k)
{
        int r;

        if (p->tok.kind != k)
                return 0;
        r = advance(p);
        return r < 0 ? r : 1;
}

static int parse_name(struct parser *p, const char **ret, struct gql_loc *ret_loc)
{
        const char *v = p->tok.value;
        struct gql_loc loc = p->tok.loc;
        int r = expect(p, GQL_TOK_NAME);

        if (r < 0)
                return r;
        *ret = v;
        if (ret_loc)
                *ret_loc = loc;
        return 0;
}

static int enter(struct parser *p)
{
        if (++p->depth > p->max_nesting)
                return fail_at(
                    p, p->tok.loc,
                    gql_arena_printf(p->arena, "Document nesting exceeds %u levels.", p->max_nesting));
        return 0;
}

static int parse_value(struct parser *p, bool is_const, struct gql_ast_value **ret);

static int parse_list_value(struct parser *p, bool is_const, struct gql_ast_value *v)
{
        size_t cap = 0;
        int r;

        v->kind = GQL_AV_LIST;
        if ((r = advance(p)) < 0)
                return r;
        while (!peek_kind(p, GQL_TOK_BRACKET_R)) {
                struct gql_ast_value *item;

                if ((r = parse_value(p, is_const, &item)) < 0)
                        return r;
                v->items = gql_arena_grow(p->arena, v->items, &cap, v->n + 1, sizeof(*v->items));
                v->items[v->n++] = item;
        }
        return advance(p);
}

static int parse_object_value(struct parser *p, bool is_const, struct gql_ast_value *v)
{
        size_t cap = 0, cap2 = 0, cap3 = 0;
        int r;

        v->kind = GQL_AV_OBJECT;
        if ((r = advance(p)) < 0)
                return r;
        while (!peek_kind(p, GQL_TOK_BRACE_R)) {
                const char *name;
                struct gql_loc loc;
                struct gql_ast_value *item;

                if ((r = parse_name(p, &name, &loc)) < 0 || (r = expect(p, GQL_TOK_COLON)) < 0 ||
                    (r = parse_value(p, is_const, &item)) < 0)
                        return r;
                v->items = gql_arena_grow(p->arena, v->items, &cap, v->n + 1, sizeof(*v->items));
                v->names = gql_arena_grow(p->arena, v->names, &cap2, v->n + 1, sizeof(*v->names));
                v->name_locs = gql_arena_grow(p->arena, v->name_locs, &cap3, v->n + 1, sizeof(*v->name_locs));
                v->items[v->n] = item;
                v->names[v->n] = name;
                v->name_locs[v->n++] = loc;
        }
        return advance(p);
}

static int parse_scalar_value(struct parser *p, bool is_const, struct gql_ast_value *v)
{
        static const enum gql_ast_value_kind kinds[] = {
                [GQL_TOK_INT] = GQL_AV_INT,
                [GQL_TOK_FLOAT] = GQL_AV_FLOAT,
                [GQL_TOK_STRING] = GQL_AV_STRING,
                [GQL_TOK_BLOCK_STRING] = GQL_AV_STRING,
        };
        int r;

        switch (p->tok.kind) {
        case GQL_TOK_INT:
        case GQL_TOK_FLOAT:
        case GQL_TOK_STRING:
        case GQL_TOK_BLOCK_STRING:
                v->kind = kinds[p->tok.kind];
                v->str = p->tok.value;
                v->len = p->tok.len;
                return advance(p);
        case GQL_TOK_NAME:
                if (peek_name(p, "true") || peek_name(p, "false")) {
                        v->kind = GQL_AV_BOOLEAN;
                        v->b = p->tok.value[0] == 't';
                } else if (peek_name(p, "null"))
                        v->kind = GQL_AV_NULL;
                else {
                        v->kind = GQL_AV_ENUM;
                        v->str = p->tok.value;
                        v->len = p->tok.len;
                }
                return advance(p);
        case GQL_TOK_DOLLAR:
                if (is_const) {
                        struct gql_loc loc = p->tok.loc;

                        if ((r = advance(p)) < 0)
                                return r;
                        if (peek_kind(p, GQL_TOK_NAME))
                                return fail_at(p, loc,
                                               gql_arena_printf(
                                                   p->arena, "Unexpected variable \"$%s\" in constant value.",
                                                   p->tok.value));
                        return fail_at(p, loc, "Unexpected \"$\".");
                }
                v->kind = GQL_AV_VARIABLE;
                if ((r = advance(p)) < 0 || (r = parse_name(p, &v->str, NULL)) < 0)
                        return r;
                v->len = strlen(v->str);
                return 0;
        default:
                return unexpected(p);
        }
}

static int parse_value(struct parser *p, bool is_const, struct gql_ast_value **ret)
{
        struct gql_ast_value *v = gql_arena_alloc(p->arena, sizeof(*v));
        int r;

        v->loc = p->tok.loc;
        if ((r = enter(p)) < 0)
                return r;
        if (peek_kind(p, GQL_TOK_BRACKET_L))
                r = parse_list_value(p, is_const, v);
        else if (peek_kind(p, GQL_TOK_BRACE_L))
                r = parse_object_value(p, is_const, v);
        else
                r = parse_scalar_value(p, is_const, v);
        p->depth--;
        if (r < 0)
                return r;
        *ret = v;
        return 0;
}

static int parse_type(struct parser *p, struct gql_ast_type **ret)
{
        struct gql_ast_type *t = gql_arena_alloc(p->arena, sizeof(*t));
        int r;

        t->loc = p->tok.loc;
        if ((r = enter(p)) < 0)
                return r;
        if (peek_kind(p, GQL_TOK_BRACKET_L)) {
                t->kind = GQL_AT_LIST;
                if ((r = advance(p)) < 0 || (r = parse_type(p, &t->of)) < 0 ||
                    (r = expect(p, GQL_TOK_BRACKET_R)) < 0)
                        return r;
        } else {
                t->kind = GQL_AT_NAMED;
                if ((r = parse_name(p, &t->name, NULL)) < 0)
                        return r;
        }
        p->depth--;
        if (peek_kind(p, GQL_TOK_BANG)) {
                struct gql_ast_type *nn = gql_arena_alloc(p->arena, sizeof(*nn));

                nn->kind = GQL_AT_NON_NULL;
                nn->of = t;
                nn->loc = t->loc;
                t = nn;
                if ((r = advance(p)) < 0)
                        return r;
        }
        *ret = t;
        return 0;
}

static int parse_arguments(struct parser *p, bool is_const, struct gql_ast_arg **ret, size_t *ret_n)
{
        size_t cap = 0, n = 0;
        struct gql_ast_arg *args = NULL;
        int r;

        if (!peek_kind(p, GQL_TOK_PAREN_L))
                return 0;
        if ((r = advance(p)) < 0)
                return r;
        do {
                args = gql_arena_grow(p->arena, args, &cap, n + 1, sizeof(*args));
                if ((r = parse_name(p, &args[n].name, &args[n].loc)) < 0 ||
                    (r = expect(p, GQL_TOK_COLON)) < 0 || (r = parse_value(p, is_const, &args[n].value)) < 0)
                        return r;
                n++;
        } while (!peek_kind(p, GQL_TOK_PAREN_R));
        *ret = args;
        *ret_n = n;
        return advance(p);
}

static int parse_directives(struct parser *p, bool is_const, struct gql_ast_directive **ret, size_t *ret_n)
{
        size_t cap = 0, n = 0;
        struct gql_ast_directive *dirs = NULL;
        int r;

        while (peek_kind(p, GQL_TOK_AT)) {
                dirs = gql_arena_grow(p->arena, dirs, &cap, n + 1, sizeof(*dirs));
                dirs[n] = (struct gql_ast_directive){ .loc = p->tok.loc };
                if ((r = advance(p)) < 0 || (r = parse_name(p, &dirs[n].name, NULL)) < 0 ||
                    (r = parse_arguments(p, is_const, &dirs[n].args, &dirs[n].n_args)) < 0)
                        return r;
                n++;
        }
        *ret = dirs;
        *ret_n = n;
        return 0;
}

static int parse_selset(struct parser *p, struct gql_ast_selset **ret);

static int parse_field(struct parser *p, struct gql_ast_selection *s)
{
        int r;

        s->kind = GQL_SEL_FIELD;
        if ((r = parse_name(p, &s->name, NULL)) < 0)
                return r;
        if (peek_kind(p, GQL_TOK_COLON)) {
                s->alias = s->name;
                if ((r = advance(p)) < 0 || (r = parse_name(p, &s->name, NULL)) < 0)
                        return r;
        }
        if ((r = parse_arguments(p, false, &s->args, &s->n_args)) < 0 ||
            (r = parse_directives(p, false, &s->directives, &s->n_directives)) < 0)
                return r;
        if (peek_kind(p, GQL_TOK_BRACE_L))
                return parse_selset(p, &s->selset);
        return 0;
}

static int parse_fragment_selection(struct parser *p, struct gql_ast_selection *s)
{
        int r;

        if ((r = advance(p)) < 0)
                return r;
        if (peek_kind(p, GQL_TOK_NAME) && !peek_name(p, "on")) {
                s->kind = GQL_SEL_SPREAD;
                if ((r = parse_name(p, &s->name, &s->name_loc)) < 0)
                        return r;
                return parse_directives(p, false, &s->directives, &s->n_directives);
        }
        s->kind = GQL_SEL_INLINE;
        if (peek_name(p, "on") &&
            ((r = advance(p)) < 0 || (r = parse_name(p, &s->type_cond, &s->type_cond_loc)) < 0))
                return r;
        if ((r = parse_directives(p, false, &s->directives, &s->n_directives)) < 0)
                return r;
        return parse_selset(p, &s->selset);
}

static int parse_selset(struct parser *p, struct gql_ast_selset **ret)
{
        struct gql_ast_selset *ss = gql_arena_alloc(p->arena, sizeof(*ss));
        size_t cap = 0;
        int r;

        ss->loc = p->tok.loc;
        if ((r = enter(p)) < 0 || (r = expect(p, GQL_TOK_BRACE_L)) < 0)
                return r;
        do {
                struct gql_ast_selection *s = gql_arena_alloc(p->arena, sizeof(*s));

                s->loc = p->tok.loc;
                r = peek_kind(p, GQL_TOK_SPREAD) ? parse_fragment_selection(p, s) : parse_field(p, s);
                if (r < 0)
                        return r;
                ss->items = gql_arena_grow(p->arena, ss->items, &cap, ss->n + 1, sizeof(*ss->items));
                ss->items[ss->n++] = s;
        } while (!peek_kind(p, GQL_TOK_BRACE_R));
        p->depth--;
        *ret = ss;
        return advance(p);
}

static int parse_vardefs(struct parser *p, struct gql_ast_definition *d)
{
        size_t cap = 0;
        int r;

        if (!peek_kind(p, GQL_TOK_PAREN_L))
                return 0;
        if ((r = advance(p)) < 0)
                return r;
        do {
                struct gql_ast_vardef *v;

                d->vardefs =
                    gql_arena_grow(p->arena, d->vardefs, &cap, d->n_vardefs + 1, sizeof(*d->vardefs));
                v = &d->vardefs[d->n_vardefs];
                v->loc = p->tok.loc;
                if ((r = expect(p, GQL_TOK_DOLLAR)) < 0 || (r = parse_name(p, &v->name, &v->name_loc)) < 0 ||
                    (r = expect(p, GQL_TOK_COLON)) < 0 || (r = parse_type(p, &v->type)) < 0)
                        return r;
                if ((r = skip(p, GQL_TOK_EQUALS)) < 0)
                        return r;
                if (r > 0 && (r = parse_value(p, true, &v->default_value)) < 0)
                        return r;
                if ((r = parse_directives(p, true, &v->directives, &v->n_directives)) < 0)
                        return r;
                d->n_vardefs++;
        } while (!peek_kind(p, GQL_TOK_PAREN_R));
        return advance(p);
}

static const char *const op_keywords[] = {
        [GQL_OP_QUERY] = "query", [GQL_OP_MUTATION] = "mutation", [GQL_OP_SUBSCRIPTION] = "subscription"
};

static int parse_operation(struct parser *p, struct gql_ast_definition *d)
{
        int r;

        d->kind = GQL_DEF_OPERATION;
        if (peek_kind(p, GQL_TOK_BRACE_L))
                return parse_selset(p, &d->selset);
        for (size_t i = 0; i < 3; i++)
                if (peek_name(p, op_keywords[i]))
                        d->op = (enum gql_op_type)i;
        if ((r = advance(p)) < 0)
                return r;
        if (peek_kind(p, GQL_TOK_NAME) && (r = parse_name(p, &d->name, &d->name_loc)) < 0)
                return r;
        if ((r = parse_vardefs(p, d)) < 0 ||
            (r = parse_directives(p, false, &d->directives, &d->n_directives)) < 0)
                return r;
        return parse_selset(p, &d->selset);
}

static int parse_fragment(struct parser *p, struct gql_ast_definition *d)
{
        int r;

        d->kind = GQL_DEF_FRAGMENT;
        if ((r = advance(p)) < 0)
                return r;
        if (peek_name(p, "on"))
                return unexpected(p);
        if ((r = parse_name(p, &d->name, &d->name_loc)) < 0)
                return r;
        if (!peek_name(p, "on"))
                return fail_at(p, p->tok.loc,
                               gql_arena_printf(p->arena, "Expected \"on\", found %s.",
                                                gql_token_describe(p->arena, &p->tok)));
        if ((r = advance(p)) < 0 || (r = parse_name(p, &d->type_cond, &d->type_cond_loc)) < 0 ||
            (r = parse_directives(p, false, &d->directives, &d->n_directives)) < 0)
                return r;
        return parse_selset(p, &d->selset);
}

static int parse_definition(struct parser *p, struct gql_ast_definition **ret)
{
        struct gql_ast_definition *d = gql_arena_alloc(p->arena, sizeof(*d));
        int r;

        d->loc = p->tok.loc;
        if (peek_kind(p, GQL_TOK_BRACE_L) || peek_name(p, "query") || peek_name(p, "mutation") ||
            peek_name(p, "subscription"))
                r = parse_operation(p, d);
        else if (peek_name(p, "fragment"))
                r = parse_fragment(p, d);
        else
                r = unexpected(p);
        if (r < 0)
                return r;
        *ret = d;
        return 0;
}

static void parser_init(struct parser *p, struct gql_arena *a, const char *src, size_t len, size_t max_tokens,
                        unsigned max_nesting, struct gql_errors *errs)
{
        *p = (struct parser){ .arena = a, .errs = errs, .max_nesting = max_nesting ? max_nesting : 256 };
        gql_lexer_init(&p->lx, a, src, len, max_tokens);
}

/* Sort orders for the lookup indexes: by name, then by position. */
static int cmp_frag(const void *a, const void *b)
{
        const struct gql_ast_definition *x = *(struct gql_ast_definition *const *)a;
        const struct gql_ast_definition *y = *(struct gql_ast_definition *const *)b;
        int c = strcmp(x->name, y->name);

        return c ? c : (x->index > y->index) - (x->index < y->index);
}

static int cmp_var(const void *a, const void *b, void *op)
{
        const struct gql_ast_definition *d = op;
        size_t x = *(const size_t *)a, y = *(const size_t *)b;
        int c = strcmp(d->vardefs[x].name, d->vardefs[y].name);

        return c ? c : (x > y) - (x < y);
}

static void build_indexes(struct gql_arena *a, struct gql_ast_document *doc)
{
        doc->frags = gql_arena_alloc(a, (doc->n + 1) * sizeof(*doc->frags));
        for (size_t i = 0; i < doc->n; i++) {
                struct gql_ast_definition *d = doc->defs[i];

                d->index = i;
                if (d->kind == GQL_DEF_FRAGMENT)
                        doc->frags[doc->n_frags++] = d;
                d->var_sorted = gql_arena_alloc(a, (d->n_vardefs + 1) * sizeof(size_t));
                for (size_t j = 0; j < d->n_vardefs; j++)
                        d->var_sorted[j] = j;
                qsort_r(d->var_sorted, d->n_vardefs, sizeof(size_t), cmp_var, d);
        }
        qsort(doc->frags, doc->n_frags, sizeof(*doc->frags), cmp_frag);
}

int gql_parse(struct gql_arena *a, const char *src, size_t len, const struct gql_parse_opts *opts,
              struct gql_errors *errs, struct gql_ast_document **ret)
{
        struct gql_ast_document *doc = gql_arena_alloc(a, sizeof(*doc));
        struct parser p;
        size_t cap = 0;
        int r;

        parser_init(&p, a, src, len, opts ? opts->max_tokens : 0, opts ? opts->max_nesting : 0, errs);
        if ((r = advance(&p)) < 0)
                return r;
        do {
                struct gql_ast_definition *d;

                if ((r = parse_definition(&p, &d)) < 0)
                        return r;
                doc->defs = gql_arena_grow(a, doc->defs, &cap, doc->n + 1, sizeof(*doc->defs));
                doc->defs[doc->n++] = d;
        } while (!peek_kind(&p, GQL_TOK_EOF));
        build_indexes(a, doc);
        *ret = doc;
        return 0;
}

int gql_parse_value(struct gql_arena *a, const char *src, size_t len, struct gql_errors *errs,
                    struct gql_ast_value **ret)
{
        struct parser p;
        struct gql_ast_value *v;
        int r;

        parser_init(&p, a, src, len, 0, 0, errs);
        if ((r = advance(&p)) < 0 || (r = parse_value(&p, true, &v)) < 0 || (r = expect(&p, GQL_TOK_EOF)) < 0)
                return r;
        *ret = v;
        return 0;
}

int gql_parse_type(struct gql_arena *a, const char *src, size_t len, struct gql_errors *errs,
                   struct gql_ast_type **ret)
{
        struct parser p;
        struct gql_ast_type *t;
        int r;

        parser_init(&p, a, src, len, 0, 0, errs);
        if ((r = advance(&p)) < 0 || (r = parse_type(&p, &t)) < 0 || (r = expect(&p, GQL_TOK_EOF)) < 0)
                return r;
        *ret = t;
        return 0;
}
