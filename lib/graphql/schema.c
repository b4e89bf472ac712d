/* Schema building from tables and lookups; see graphql.h and schema.h. SDL printing is in sdl.c. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lib/error.h"
#include "lib/graphql/introspection.h"
#include "lib/graphql/parser.h"
#include "lib/graphql/schema.h"

const char *const gql_directive_loc_names[GQL_DL_COUNT] = {
        "QUERY",
        "MUTATION",
        "SUBSCRIPTION",
        "FIELD",
        "FRAGMENT_DEFINITION",
        "FRAGMENT_SPREAD",
        "INLINE_FRAGMENT",
        "VARIABLE_DEFINITION",
        "SCHEMA",
        "SCALAR",
        "OBJECT",
        "FIELD_DEFINITION",
        "ARGUMENT_DEFINITION",
        "INTERFACE",
        "UNION",
        "ENUM",
        "ENUM_VALUE",
        "INPUT_OBJECT",
        "INPUT_FIELD_DEFINITION",
};

static const struct {
        const char *name;
        enum gql_scalar_id id;
        const char *description;
} builtin_scalars[] = {
        { "String", GQL_SCALAR_STRING,
          "The `String` scalar type represents textual data, represented as UTF-8 character sequences. The "
          "String "
          "type is most often used by GraphQL to represent free-form human-readable text." },
        { "Int", GQL_SCALAR_INT,
          "The `Int` scalar type represents non-fractional signed whole numeric values. Int can represent "
          "values "
          "between -(2^31) and 2^31 - 1." },
        { "Float", GQL_SCALAR_FLOAT,
          "The `Float` scalar type represents signed double-precision fractional values as specified by "
          "[IEEE "
          "754](https://en.wikipedia.org/wiki/IEEE_floating_point)." },
        { "Boolean", GQL_SCALAR_BOOLEAN, "The `Boolean` scalar type represents `true` or `false`." },
        { "ID", GQL_SCALAR_ID,
          "The `ID` scalar type represents a unique identifier, often used to refetch an object or as key "
          "for a "
          "cache. The ID type appears in a JSON response as a String; however, it is not intended to be "
          "human-readable. When expected as an input type, any string (such as `\"4\"`) or integer (such as "
          "`4`) "
          "input value will be accepted as an ID." },
};

#define DL(x) (1u << GQL_DL_##x)
static const struct gql_arg_def include_args[] = { { "if", "Boolean!", NULL, "Included when true." },
                                                   { NULL } };
static const struct gql_arg_def skip_args[] = { { "if", "Boolean!", NULL, "Skipped when true." }, { NULL } };
static const struct gql_arg_def deprecated_args[] = {
        { "reason", "String", "\"No longer supported\"",
          "Explains why this element was deprecated, usually also including a suggestion for how to access "
          "supported similar data. Formatted using the Markdown syntax, as specified by "
          "[CommonMark](https://commonmark.org/)." },
        { NULL },
};
static const struct gql_arg_def specified_by_args[] = {
        { "url", "String!", NULL, "The URL that specifies the behavior of this scalar." },
        { NULL },
};
static const enum gql_directive_loc exec_locs[] = { GQL_DL_FIELD, GQL_DL_FRAGMENT_SPREAD,
                                                    GQL_DL_INLINE_FRAGMENT };
static const enum gql_directive_loc deprecated_locs[] = { GQL_DL_FIELD_DEFINITION, GQL_DL_ARGUMENT_DEFINITION,
                                                          GQL_DL_INPUT_FIELD_DEFINITION, GQL_DL_ENUM_VALUE };
static const enum gql_directive_loc scalar_locs[] = { GQL_DL_SCALAR };
static const enum gql_directive_loc input_locs[] = { GQL_DL_INPUT_OBJECT };
#define LOCS(a) a, ARRAY_SIZE(a)
static const struct {
        const char *name;
        const char *description;
        uint32_t locations;
        const struct gql_arg_def *args;
        const enum gql_directive_loc *loc_order;
        size_t n_locs;
} builtin_directives[] = {
        { "include",
          "Directs the executor to include this field or fragment only when the `if` argument is true.",
          DL(FIELD) | DL(FRAGMENT_SPREAD) | DL(INLINE_FRAGMENT), include_args, LOCS(exec_locs) },
        { "skip", "Directs the executor to skip this field or fragment when the `if` argument is true.",
          DL(FIELD) | DL(FRAGMENT_SPREAD) | DL(INLINE_FRAGMENT), skip_args, LOCS(exec_locs) },
        { "deprecated", "Marks an element of a GraphQL schema as no longer supported.",
          DL(FIELD_DEFINITION) | DL(ARGUMENT_DEFINITION) | DL(INPUT_FIELD_DEFINITION) | DL(ENUM_VALUE),
          deprecated_args, LOCS(deprecated_locs) },
        { "specifiedBy", "Exposes a URL that specifies the behavior of this scalar.", DL(SCALAR),
          specified_by_args, LOCS(scalar_locs) },
        { "oneOf", "Indicates exactly one field must be supplied and this field must not be `null`.",
          DL(INPUT_OBJECT), NULL, LOCS(input_locs) },
};

/* Build state: every named type known so far (builtins, application, introspection). */
struct builder {
        struct gql_schema *s;  /* schema being built */
        struct gql_ptrvec all; /* struct gql_type * in creation order */
        char *errbuf;          /* caller's error text buffer */
        size_t errlen;
};

static int build_fail(struct builder *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int build_fail(struct builder *b, const char *fmt, ...)
{
        va_list ap;

        if (b->errbuf && b->errlen) {
                va_start(ap, fmt);
                vsnprintf(b->errbuf, b->errlen, fmt, ap);
                va_end(ap);
        }
        return RIFT_E_INVALID;
}

static struct gql_type *find_type(struct builder *b, const char *name)
{
        for (size_t i = 0; i < b->all.n; i++) {
                struct gql_type *t = b->all.items[i];

                if (strcmp(t->name, name) == 0)
                        return t;
        }
        return NULL;
}

static struct gql_type *new_type(struct builder *b, enum gql_type_kind kind, const char *name,
                                 const char *desc)
{
        struct gql_type *t = gql_arena_alloc(&b->s->arena, sizeof(*t));

        t->kind = kind;
        t->name = name;
        t->description = desc;
        t->ref.kind = kind;
        t->ref.named = t;
        gql_ptrvec_push(&b->s->arena, &b->all, t);
        return t;
}

static const struct gql_typeref *ref_from_ast(struct builder *b, const struct gql_ast_type *at)
{
        struct gql_typeref *r;
        const struct gql_typeref *of;
        struct gql_type *t;

        if (at->kind == GQL_AT_NAMED) {
                t = find_type(b, at->name);
                return t ? &t->ref : NULL;
        }
        of = ref_from_ast(b, at->of);
        if (!of)
                return NULL;
        r = gql_arena_alloc(&b->s->arena, sizeof(*r));
        r->kind = at->kind == GQL_AT_LIST ? GQL_KIND_LIST : GQL_KIND_NON_NULL;
        r->named = of->named;
        r->of = of;
        return r;
}

static int resolve_ref(struct builder *b, const char *owner, const char *text, const struct gql_typeref **ret)
{
        struct gql_errors errs;
        struct gql_ast_type *at;

        gql_errors_init(&errs, &b->s->arena, 1);
        if (!text || gql_parse_type(&b->s->arena, text, strlen(text), &errs, &at) < 0)
                return build_fail(b, "%s: bad type reference \"%s\"", owner, text ? text : "(null)");
        *ret = ref_from_ast(b, at);
        if (!*ret)
                return build_fail(b, "%s: unknown type in \"%s\"", owner, text);
        return 0;
}

static int default_text(struct gql_arena *a, const struct gql_ast_value *v, const char **ret)
{
        struct rift_buf buf = RIFT_BUF_INIT(64 * 1024);
        int r = gql_ast_print_value(&buf, v);

        gql_arena_track(a, &buf);
        if (r >= 0)
                *ret = gql_arena_strndup(a, buf.data ? buf.data : "", buf.len);
        gql_arena_untrack(a, &buf);
        rift_buf_free(&buf);
        return r;
}

static int build_inputs(struct builder *b, const char *owner, const struct gql_arg_def *defs,
                        struct gql_input_value **ret, size_t *ret_n)
{
        size_t n = 0;
        struct gql_input_value *v;
        int r;

        while (defs && defs[n].name)
                n++;
        v = n ? gql_arena_alloc(&b->s->arena, n * sizeof(*v)) : NULL;
        for (size_t i = 0; i < n; i++) {
                const char *where = gql_arena_printf(&b->s->arena, "%s(%s)", owner, defs[i].name);

                v[i].name = defs[i].name;
                v[i].description = defs[i].description;
                if ((r = resolve_ref(b, where, defs[i].type, &v[i].type)) < 0)
                        return r;
                if (!gql_type_is_input(v[i].type))
                        return build_fail(b, "%s: not an input type", where);
                if (defs[i].default_value) {
                        struct gql_errors errs;
                        struct gql_ast_value *dv;

                        gql_errors_init(&errs, &b->s->arena, 1);
                        if (gql_parse_value(&b->s->arena, defs[i].default_value,
                                            strlen(defs[i].default_value), &errs, &dv) < 0)
                                return build_fail(b, "%s: bad default value", where);
                        v[i].default_ast = dv;
                        if ((r = default_text(&b->s->arena, dv, &v[i].default_text)) < 0)
                                return r;
                }
        }
        *ret = v;
        *ret_n = n;
        return 0;
}

static int build_fields(struct builder *b, struct gql_type *t, const struct gql_field_def *defs)
{
        size_t n = 0;
        int r;

        while (defs && defs[n].name)
                n++;
        if (!n)
                return build_fail(b, "%s: no fields", t->name);
        t->fields = gql_arena_alloc(&b->s->arena, n * sizeof(*t->fields));
        t->n_fields = n;
        for (size_t i = 0; i < n; i++) {
                struct gql_field *f = &t->fields[i];
                const char *where = gql_arena_printf(&b->s->arena, "%s.%s", t->name, defs[i].name);

                f->name = defs[i].name;
                f->description = defs[i].description;
                f->deprecation_reason = defs[i].deprecation_reason;
                f->resolve = defs[i].resolve;
                if ((r = resolve_ref(b, where, defs[i].type, &f->type)) < 0)
                        return r;
                if (f->type->named->kind == GQL_KIND_INPUT_OBJECT)
                        return build_fail(b, "%s: input type as output", where);
                if (!f->resolve && t->kind == GQL_KIND_OBJECT)
                        return build_fail(b, "%s: no resolver", where);
                if ((r = build_inputs(b, where, defs[i].args, &f->args, &f->n_args)) < 0)
                        return r;
        }
        return 0;
}

static int build_type_refs(struct builder *b, struct gql_type *t, const struct gql_type_def *d)
{
        const char *const *names = t->kind == GQL_KIND_UNION ? d->members : d->interfaces;
        struct gql_type ***list = t->kind == GQL_KIND_UNION ? &t->possible : &t->interfaces;
        size_t *count = t->kind == GQL_KIND_UNION ? &t->n_possible : &t->n_interfaces;
        size_t n = 0;

        while (names && names[n])
                n++;
        *list = n ? gql_arena_alloc(&b->s->arena, n * sizeof(**list)) : NULL;
        *count = n;
        for (size_t i = 0; i < n; i++) {
                struct gql_type *x = find_type(b, names[i]);
                enum gql_type_kind want = t->kind == GQL_KIND_UNION ? GQL_KIND_OBJECT : GQL_KIND_INTERFACE;

                if (!x || x->kind != want)
                        return build_fail(b, "%s: \"%s\" is not an %s type", t->name, names[i],
                                          want == GQL_KIND_OBJECT ? "object" : "interface");
                (*list)[i] = x;
        }
        return 0;
}

static int build_enum(struct builder *b, struct gql_type *t, const struct gql_enum_value_def *defs)
{
        size_t n = 0;

        while (defs && defs[n].name)
                n++;
        if (!n)
                return build_fail(b, "%s: no values", t->name);
        t->values = gql_arena_alloc(&b->s->arena, n * sizeof(*t->values));
        t->n_values = n;
        for (size_t i = 0; i < n; i++)
                t->values[i] =
                    (struct gql_enum_value){ defs[i].name, defs[i].description, defs[i].deprecation_reason };
        return 0;
}

static int build_type(struct builder *b, struct gql_type *t, const struct gql_type_def *d)
{
        int r = 0;

        t->resolve_type = d->resolve_type;
        switch (t->kind) {
        case GQL_KIND_OBJECT:
        case GQL_KIND_INTERFACE:
                if ((r = build_fields(b, t, d->fields)) < 0)
                        return r;
                return build_type_refs(b, t, d);
        case GQL_KIND_UNION:
                return build_type_refs(b, t, d);
        case GQL_KIND_ENUM:
                return build_enum(b, t, d->values);
        case GQL_KIND_INPUT_OBJECT:
                return build_inputs(b, t->name, d->input_fields, &t->input_fields, &t->n_input_fields);
        default:
                return build_fail(b, "%s: unsupported type kind", t->name);
        }
}

/* Each object's interface fields must exist with the same type (checked loosely: same printed type). */
static int check_implements(struct builder *b, const struct gql_type *t)
{
        for (size_t i = 0; i < t->n_interfaces; i++) {
                const struct gql_type *iface = t->interfaces[i];

                for (size_t j = 0; j < iface->n_fields; j++) {
                        const struct gql_field *f = NULL;

                        for (size_t k = 0; k < t->n_fields && !f; k++)
                                if (strcmp(t->fields[k].name, iface->fields[j].name) == 0)
                                        f = &t->fields[k];
                        if (!f)
                                return build_fail(b, "%s: missing field %s of interface %s", t->name,
                                                  iface->fields[j].name, iface->name);
                }
        }
        return 0;
}

/* graphql-js collectReferencedTypes: depth-first, field type before its arguments. */
static void collect(struct builder *b, struct gql_ptrvec *set, struct gql_type *t)
{
        for (size_t i = 0; i < set->n; i++)
                if (set->items[i] == t)
                        return;
        gql_ptrvec_push(&b->s->arena, set, t);
        for (size_t i = 0; t->kind == GQL_KIND_UNION && i < t->n_possible; i++)
                collect(b, set, t->possible[i]);
        for (size_t i = 0; i < t->n_interfaces; i++)
                collect(b, set, t->interfaces[i]);
        for (size_t i = 0; i < t->n_fields; i++) {
                collect(b, set, t->fields[i].type->named);
                for (size_t j = 0; j < t->fields[i].n_args; j++)
                        collect(b, set, t->fields[i].args[j].type->named);
        }
        for (size_t i = 0; i < t->n_input_fields; i++)
                collect(b, set, t->input_fields[i].type->named);
}

static void remove_item(struct gql_ptrvec *set, void *p)
{
        for (size_t i = 0; i < set->n; i++)
                if (set->items[i] == p) {
                        memmove(set->items + i, set->items + i + 1, (set->n - i - 1) * sizeof(void *));
                        set->n--;
                        return;
                }
}

/* The type map order of graphql-js's GraphQLSchema constructor given types: [defined...]. */
static void order_types(struct builder *b)
{
        struct gql_schema *s = b->s;
        struct gql_ptrvec set = { 0 };

        for (size_t i = 0; i < s->n_defined; i++)
                gql_ptrvec_push(&s->arena, &set, s->defined[i]);
        for (size_t i = 0; i < s->n_defined; i++) {
                remove_item(&set, s->defined[i]);
                collect(b, &set, s->defined[i]);
        }
        collect(b, &set, s->query);
        if (s->mutation)
                collect(b, &set, s->mutation);
        if (s->subscription)
                collect(b, &set, s->subscription);
        for (size_t i = 0; i < s->n_directives; i++)
                for (size_t j = 0; j < s->directives[i].n_args; j++)
                        collect(b, &set, s->directives[i].args[j].type->named);
        collect(b, &set, find_type(b, "__Schema"));
        s->types = (struct gql_type **)set.items;
        s->n_types = set.n;
}

static int build_directives(struct builder *b)
{
        struct gql_schema *s = b->s;
        int r;

        s->n_directives = ARRAY_SIZE(builtin_directives);
        s->directives = gql_arena_alloc(&s->arena, s->n_directives * sizeof(*s->directives));
        for (size_t i = 0; i < s->n_directives; i++) {
                struct gql_directive *d = &s->directives[i];

                d->name = builtin_directives[i].name;
                d->description = builtin_directives[i].description;
                d->locations = builtin_directives[i].locations;
                d->loc_order = builtin_directives[i].loc_order;
                d->n_locs = builtin_directives[i].n_locs;
                if ((r = build_inputs(b, d->name, builtin_directives[i].args, &d->args, &d->n_args)) < 0)
                        return r;
        }
        return 0;
}

static int build_meta(struct builder *b)
{
        struct gql_type fake = { .kind = GQL_KIND_OBJECT, .name = "(meta)" };
        int r = build_fields(b, &fake, gql_meta_field_defs);

        if (r < 0)
                return r;
        b->s->meta_schema = &fake.fields[0];
        b->s->meta_type = &fake.fields[1];
        b->s->meta_typename = &fake.fields[2];
        return 0;
}

static int create_types(struct builder *b, const struct gql_type_def *defs, bool introspection)
{
        for (const struct gql_type_def *d = defs; d->name; d++) {
                struct gql_type *t;

                if (find_type(b, d->name))
                        return build_fail(b, "%s: defined twice", d->name);
                if (d->kind == GQL_KIND_SCALAR || d->kind >= GQL_KIND_LIST)
                        return build_fail(b, "%s: only built-in scalars are supported", d->name);
                t = new_type(b, d->kind, d->name, d->description);
                t->introspection = introspection;
        }
        return 0;
}

static int build_all(struct builder *b, const struct gql_type_def *defs, const struct gql_type_def *idefs)
{
        size_t first = b->all.n, n_app;
        int r;

        if ((r = create_types(b, defs, false)) < 0)
                return r;
        n_app = b->all.n - first;
        b->s->defined = gql_arena_alloc(&b->s->arena, (n_app ? n_app : 1) * sizeof(*b->s->defined));
        memcpy(b->s->defined, b->all.items + first, n_app * sizeof(void *));
        b->s->n_defined = n_app;
        if ((r = create_types(b, idefs, true)) < 0)
                return r;
        for (size_t i = 0; defs[i].name; i++)
                if ((r = build_type(b, b->s->defined[i], &defs[i])) < 0)
                        return r;
        for (size_t i = 0; idefs[i].name; i++)
                if ((r = build_type(b, find_type(b, idefs[i].name), &idefs[i])) < 0)
                        return r;
        return 0;
}

/* Objects implementing each interface, in application table order. */
static void link_possible(struct builder *b)
{
        for (size_t i = 0; i < b->all.n; i++) {
                struct gql_type *iface = b->all.items[i];
                size_t cap = 0;

                if (iface->kind != GQL_KIND_INTERFACE)
                        continue;
                for (size_t j = 0; j < b->all.n; j++) {
                        struct gql_type *o = b->all.items[j];

                        for (size_t k = 0; o->kind == GQL_KIND_OBJECT && k < o->n_interfaces; k++)
                                if (o->interfaces[k] == iface) {
                                        iface->possible =
                                            gql_arena_grow(&b->s->arena, iface->possible, &cap,
                                                           iface->n_possible + 1, sizeof(void *));
                                        iface->possible[iface->n_possible++] = o;
                                }
                }
        }
}

static int root_type(struct builder *b, const char *name, bool required, struct gql_type **ret)
{
        struct gql_type *t;

        *ret = NULL;
        if (!name && !required)
                return 0;
        t = name ? find_type(b, name) : NULL;
        if (!t || t->kind != GQL_KIND_OBJECT)
                return build_fail(b, "root type \"%s\" is not a defined object type", name ? name : "(null)");
        *ret = t;
        return 0;
}

static int build_schema(struct builder *b, const struct gql_schema_def *def)
{
        int r;

        for (size_t i = 0; i < ARRAY_SIZE(builtin_scalars); i++)
                new_type(b, GQL_KIND_SCALAR, builtin_scalars[i].name, builtin_scalars[i].description)
                    ->scalar = builtin_scalars[i].id;
        if ((r = build_all(b, def->types, gql_introspection_type_defs)) < 0 ||
            (r = build_directives(b)) < 0 || (r = build_meta(b)) < 0)
                return r;
        for (size_t i = 0; i < b->all.n; i++)
                if ((r = check_implements(b, b->all.items[i])) < 0)
                        return r;
        link_possible(b);
        if ((r = root_type(b, def->query, true, &b->s->query)) < 0 ||
            (r = root_type(b, def->mutation, false, &b->s->mutation)) < 0 ||
            (r = root_type(b, def->subscription, false, &b->s->subscription)) < 0)
                return r;
        order_types(b);
        return 0;
}

int gql_schema_new(const struct gql_schema_def *def, char *errbuf, size_t errlen, struct gql_schema **ret)
{
        struct gql_schema *s = calloc(1, sizeof(*s));
        struct builder b = { .s = s, .errbuf = errbuf, .errlen = errlen };
        jmp_buf oom;
        int r;

        if (!s)
                return -ENOMEM;
        gql_arena_init(&s->arena, 64u * 1024 * 1024);
        s->arena.oom = &oom;
        if (setjmp(oom)) {
                gql_schema_free(s);
                return -ENOMEM;
        }
        r = build_schema(&b, def);
        s->arena.oom = NULL;
        if (r < 0) {
                gql_schema_free(s);
                return r;
        }
        *ret = s;
        return 0;
}

void gql_schema_free(struct gql_schema *s)
{
        if (!s)
                return;
        gql_arena_free(&s->arena);
        free(s);
}

struct gql_type *gql_schema_type(const struct gql_schema *s, const char *name)
{
        for (size_t i = 0; i < s->n_types; i++)
                if (strcmp(s->types[i]->name, name) == 0)
                        return s->types[i];
        return NULL;
}

const struct gql_directive *gql_schema_directive(const struct gql_schema *s, const char *name)
{
        for (size_t i = 0; i < s->n_directives; i++)
                if (strcmp(s->directives[i].name, name) == 0)
                        return &s->directives[i];
        return NULL;
}

const struct gql_field *gql_type_field(const struct gql_schema *s, const struct gql_type *t, const char *name,
                                       bool introspection)
{
        if (name[0] == '_' && name[1] == '_') {
                if (strcmp(name, "__typename") == 0 && gql_type_is_composite(t))
                        return s->meta_typename;
                if (introspection && t == s->query && strcmp(name, "__schema") == 0)
                        return s->meta_schema;
                if (introspection && t == s->query && strcmp(name, "__type") == 0)
                        return s->meta_type;
        }
        for (size_t i = 0; i < t->n_fields; i++)
                if (strcmp(t->fields[i].name, name) == 0)
                        return &t->fields[i];
        return NULL;
}

const struct gql_input_value *gql_input_find(const struct gql_input_value *v, size_t n, const char *name)
{
        for (size_t i = 0; i < n; i++)
                if (strcmp(v[i].name, name) == 0)
                        return &v[i];
        return NULL;
}

bool gql_type_is_input(const struct gql_typeref *t)
{
        enum gql_type_kind k = t->named->kind;

        return k == GQL_KIND_SCALAR || k == GQL_KIND_ENUM || k == GQL_KIND_INPUT_OBJECT;
}

bool gql_type_is_composite(const struct gql_type *t)
{
        return t->kind == GQL_KIND_OBJECT || t->kind == GQL_KIND_INTERFACE || t->kind == GQL_KIND_UNION;
}

bool gql_type_is_abstract(const struct gql_type *t)
{
        return t->kind == GQL_KIND_INTERFACE || t->kind == GQL_KIND_UNION;
}

bool gql_type_possible(const struct gql_type *t, const struct gql_type *obj)
{
        if (t == obj)
                return true;
        for (size_t i = 0; i < t->n_possible; i++)
                if (t->possible[i] == obj)
                        return true;
        return false;
}

bool gql_type_overlap(const struct gql_type *a, const struct gql_type *b)
{
        if (a == b)
                return true;
        if (gql_type_is_abstract(a)) {
                if (gql_type_is_abstract(b)) {
                        for (size_t i = 0; i < a->n_possible; i++)
                                if (gql_type_possible(b, a->possible[i]))
                                        return true;
                        return false;
                }
                return gql_type_possible(a, b);
        }
        return gql_type_is_abstract(b) && gql_type_possible(b, a);
}

const struct gql_typeref *gql_typeref_nullable(const struct gql_typeref *t)
{
        return t->kind == GQL_KIND_NON_NULL ? t->of : t;
}

static void typeref_print(struct rift_buf *b, const struct gql_typeref *t)
{
        if (t->kind == GQL_KIND_LIST) {
                rift_buf_append_char(b, '[');
                typeref_print(b, t->of);
                rift_buf_append_char(b, ']');
        } else if (t->kind == GQL_KIND_NON_NULL) {
                typeref_print(b, t->of);
                rift_buf_append_char(b, '!');
        } else
                rift_buf_append_str(b, t->named->name);
}

const char *gql_typeref_str(struct gql_arena *a, const struct gql_typeref *t)
{
        struct rift_buf b = RIFT_BUF_INIT(4096);
        const char *s;

        gql_arena_track(a, &b);
        typeref_print(&b, t);
        s = gql_arena_strndup(a, b.data ? b.data : "", b.len);
        gql_arena_untrack(a, &b);
        rift_buf_free(&b);
        return s;
}

bool gql_typeref_equal(const struct gql_typeref *a, const struct gql_typeref *b)
{
        if (a->kind != b->kind)
                return false;
        if (a->kind == GQL_KIND_LIST || a->kind == GQL_KIND_NON_NULL)
                return gql_typeref_equal(a->of, b->of);
        return a->named == b->named;
}
