/* Request pipeline and executor; see execute.h and graphql.h. */
#include <errno.h>
#include <string.h>

#include "lib/error.h"
#include "lib/graphql/execute.h"
#include "lib/graphql/limits.h"
#include "lib/graphql/parser.h"
#include "lib/graphql/validate.h"
#include "lib/limits_rift.h"

/* ---- values -------------------------------------------------------------------------------------------- */
static struct gql_value *value_new(struct gql_arena *a, enum gql_value_kind kind)
{
        struct gql_value *v = gql_arena_alloc(a, sizeof(*v));

        v->kind = kind;
        return v;
}

struct gql_value *gql_value_null(struct gql_arena *a)
{
        return value_new(a, GQL_NULL);
}

struct gql_value *gql_value_int(struct gql_arena *a, int64_t i)
{
        struct gql_value *v = value_new(a, GQL_INT);

        v->i = i;
        return v;
}

struct gql_value *gql_value_float(struct gql_arena *a, double f)
{
        struct gql_value *v = value_new(a, GQL_FLOAT);

        v->f = f;
        return v;
}

struct gql_value *gql_value_bool(struct gql_arena *a, bool b)
{
        struct gql_value *v = value_new(a, GQL_BOOLEAN);

        v->b = b;
        return v;
}

struct gql_value *gql_value_string(struct gql_arena *a, const char *s, size_t len)
{
        struct gql_value *v = value_new(a, GQL_STRING);

        v->str.s = gql_arena_strndup(a, s, len);
        v->str.len = len;
        return v;
}

struct gql_value *gql_value_string_ref(struct gql_arena *a, const char *s, size_t len)
{
        struct gql_value *v = value_new(a, GQL_STRING);

        v->str.s = s;
        v->str.len = len;
        return v;
}

struct gql_value *gql_value_enum(struct gql_arena *a, const char *name)
{
        struct gql_value *v = value_new(a, GQL_ENUM);

        v->str.s = name;
        v->str.len = strlen(name);
        return v;
}

struct gql_value *gql_value_list(struct gql_arena *a, size_t n)
{
        struct gql_value *v = value_new(a, GQL_LIST);

        v->list.items = gql_arena_alloc(a, (n ? n : 1) * sizeof(*v->list.items));
        v->list.n = n;
        return v;
}

struct gql_value *gql_value_opaque(struct gql_arena *a, const void *ptr, const char *type_name)
{
        struct gql_value *v = value_new(a, GQL_OPAQUE);

        v->opaque.ptr = ptr;
        v->opaque.type_name = type_name;
        return v;
}

const struct gql_value *gql_value_field(const struct gql_value *obj, const char *name)
{
        for (size_t i = 0; obj && obj->kind == GQL_OBJECT && i < obj->obj.n; i++)
                if (strcmp(obj->obj.names[i], name) == 0)
                        return obj->obj.values[i];
        return NULL;
}

const struct gql_value *gql_arg(const struct gql_resolve_info *ri, const char *name)
{
        const struct gql_field *f = ri->field;

        for (size_t i = 0; f && i < f->n_args; i++)
                if (strcmp(f->args[i].name, name) == 0)
                        return ri->args ? ri->args[i] : NULL;
        return NULL;
}

int gql_resolve_error(struct gql_resolve_info *ri, const char *message)
{
        ri->error = gql_arena_strdup(ri->arena, message ? message : "error");
        return RIFT_E_INVALID;
}

/* ---- engine ------------------------------------------------------------------------------------------- */
void gql_limits_default(struct gql_limits *ret)
{
        *ret = (struct gql_limits){
                .max_document = RIFT_MAX_GQL_DOCUMENT,
                .max_tokens = RIFT_MAX_GQL_TOKENS,
                .max_memory = RIFT_MAX_GQL_MEMORY,
                .max_response = RIFT_MAX_GQL_RESPONSE,
                .max_depth = RIFT_MAX_GQL_DEPTH,
                .max_fields = RIFT_MAX_GQL_FIELDS,
                .max_complexity = RIFT_MAX_GQL_COMPLEXITY,
                .max_errors = RIFT_MAX_GQL_ERRORS,
                .introspection = true,
        };
}

int gql_engine_new(const struct gql_schema *schema, const struct gql_limits *limits, struct gql_engine **ret)
{
        struct gql_engine *e = calloc(1, sizeof(*e));

        if (!e)
                return -ENOMEM;
        e->schema = schema;
        if (limits)
                e->limits = *limits;
        else
                gql_limits_default(&e->limits);
        *ret = e;
        return 0;
}

void gql_engine_free(struct gql_engine *e)
{
        free(e);
}

/* ---- results -------------------------------------------------------------------------------------------- */
enum rkind {
        R_NULL,
        R_LEAF,
        R_LIST,
        R_OBJECT,
};

/* A completed result value. */
struct rnode {
        enum rkind kind;                   /* what follows */
        const struct gql_value *v;         /* LEAF: serialized scalar/enum */
        struct rnode **items;              /* LIST items, OBJECT values (NULL: field left out) */
        const struct group *const *groups; /* OBJECT: the field groups, items[i] answers groups[i] */
        size_t n;                          /* LIST/OBJECT count */
};

/* Sentinels: an error was reported here / a non-null position became null (propagates). */
static struct rnode ERRNODE, PROPAGATE, NULLVAL;
static struct rnode NULLNODE = { .kind = R_NULL };

/* Field selections sharing one response name. */
struct group {
        const char *key;                 /* response name */
        const char *json_key;            /* ,"key": as written between members (the first skips the comma) */
        size_t json_key_len;             /* its length */
        struct gql_ptrvec fields;        /* const struct gql_ast_selection * */
        const struct gql_type *sub_type; /* object type sub_groups were collected for, or NULL */
        struct gql_ptrvec sub_groups;    /* the sub-selections' groups for sub_type (list items share them) */
};

struct exec {
        struct gql_request *req; /* the request */
        struct gql_arena *a;     /* = &req->arena */
        bool all_roots;          /* GQL_EXEC_ALL_ROOT_FIELDS */
};

static const struct gql_path *path_copy(struct gql_arena *a, const struct gql_path *p)
{
        struct gql_path *c;

        if (!p)
                return NULL;
        c = gql_arena_alloc(a, sizeof(*c));
        c->prev = path_copy(a, p->prev);
        c->key = p->key ? gql_arena_strdup(a, p->key) : NULL;
        c->index = p->index;
        return c;
}

static void field_error(struct exec *x, const struct group *g, const struct gql_path *path,
                        const struct gql_loc *loc, const char *msg)
{
        struct gql_loc locs[16];
        size_t n = 0;

        if (loc)
                locs[n++] = *loc;
        for (size_t i = 0; !loc && i < g->fields.n && n < ARRAY_SIZE(locs); i++)
                locs[n++] = ((const struct gql_ast_selection *)g->fields.items[i])->loc;
        gql_errors_add(&x->req->errs, locs, n, path_copy(x->a, path), "%s", msg);
}

/* @skip / @include */
static bool directive_if(struct exec *x, const struct gql_ast_directive *d, bool *ret)
{
        for (size_t i = 0; i < d->n_args; i++) {
                struct gql_value *v = NULL;

                if (strcmp(d->args[i].name, "if"))
                        continue;
                if (gql_coerce_literal(x->a, d->args[i].value,
                                       &gql_schema_type(x->req->schema, "Boolean")->ref, &x->req->vars,
                                       &v) < 0 ||
                    !v || v->kind != GQL_BOOLEAN)
                        return false;
                *ret = v->b;
                return true;
        }
        return false;
}

static bool should_include(struct exec *x, const struct gql_ast_directive *dirs, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                bool b;

                if (strcmp(dirs[i].name, "skip") == 0 && directive_if(x, &dirs[i], &b) && b)
                        return false;
                if (strcmp(dirs[i].name, "include") == 0 && directive_if(x, &dirs[i], &b) && !b)
                        return false;
        }
        return true;
}

/* Does a fragment with this type condition apply to obj? *cache keeps the condition's type. */
static bool fragment_applies(const struct gql_schema *s, const char *cond, const void **cache,
                             const struct gql_type *obj)
{
        const struct gql_type *t;

        if (!cond)
                return true;
        if (!*cache)
                *cache = gql_schema_type(s, cond);
        t = *cache;
        return t && gql_type_possible(t, obj);
}

/* Response names are GraphQL names (the lexer allows only [_A-Za-z0-9]): the JSON key needs no escaping. */
static void group_set_key(struct gql_arena *a, struct group *g, const char *key)
{
        size_t n = strlen(key);
        char *j = gql_arena_alloc(a, n + 5);

        j[0] = ',';
        j[1] = '"';
        memcpy(j + 2, key, n);
        j[n + 2] = '"';
        j[n + 3] = ':';
        g->key = key;
        g->json_key = j;
        g->json_key_len = n + 4;
}

static void collect(struct exec *x, const struct gql_type *obj, const struct gql_ast_selset *ss,
                    struct gql_ptrvec *groups, struct gql_ptrvec *visited)
{
        for (size_t i = 0; i < ss->n; i++) {
                const struct gql_ast_selection *s = ss->items[i];
                const struct gql_ast_definition *frag;
                struct group *g = NULL;
                const char *key;
                bool seen = false;

                if (!should_include(x, s->directives, s->n_directives))
                        continue;
                switch (s->kind) {
                case GQL_SEL_FIELD:
                        key = s->alias ? s->alias : s->name;
                        for (size_t j = 0; j < groups->n && !g; j++) {
                                const char *k = ((struct group *)groups->items[j])->key;

                                if (k == key || (k[0] == key[0] && strcmp(k, key) == 0))
                                        g = groups->items[j];
                        }
                        if (!g) {
                                g = gql_arena_alloc(x->a, sizeof(*g));
                                group_set_key(x->a, g, key);
                                gql_ptrvec_push(x->a, groups, g);
                        }
                        gql_ptrvec_push(x->a, &g->fields, (void *)s);
                        break;
                case GQL_SEL_INLINE:
                        if (fragment_applies(x->req->schema, s->type_cond, (const void **)&s->cache_type,
                                             obj))
                                collect(x, obj, s->selset, groups, visited);
                        break;
                case GQL_SEL_SPREAD:
                        for (size_t j = 0; j < visited->n && !seen; j++)
                                seen = strcmp(visited->items[j], s->name) == 0;
                        frag = seen ? NULL : gql_doc_fragment(x->req->doc, s->name);
                        if (!frag)
                                break;
                        gql_ptrvec_push(x->a, visited, (void *)s->name);
                        if (fragment_applies(x->req->schema, frag->type_cond,
                                             (const void **)&frag->cache_type, obj))
                                collect(x, obj, frag->selset, groups, visited);
                        break;
                }
        }
}

/* coerceArgumentValues; on failure reports a field error and returns false. */
static bool coerce_args(struct exec *x, const struct gql_field *f, const struct group *g,
                        const struct gql_path *path, struct gql_value ***ret)
{
        const struct gql_ast_selection *s = g->fields.items[0];
        struct gql_value **vals;

        if (!f->n_args) { /* most fields: nothing to coerce, and gql_arg() finds nothing either */
                *ret = NULL;
                return true;
        }
        vals = gql_arena_alloc(x->a, (f->n_args + 1) * sizeof(*vals));

        for (size_t i = 0; i < f->n_args; i++) {
                const struct gql_input_value *d = &f->args[i];
                const struct gql_ast_arg *arg = NULL;
                const char *ts = NULL;
                int idx;

                for (size_t j = 0; j < s->n_args && !arg; j++)
                        if (strcmp(s->args[j].name, d->name) == 0)
                                arg = &s->args[j];
                if (arg && arg->value->kind == GQL_AV_VARIABLE) {
                        idx = gql_op_var_index(x->req->op, arg->value->str);
                        if (idx < 0 || !x->req->vars.values[idx]) {
                                if (d->default_ast || d->type->kind != GQL_KIND_NON_NULL) {
                                        arg = NULL;
                                } else {
                                        ts = gql_typeref_str(x->a, d->type);
                                        field_error(
                                            x, g, path, &s->loc,
                                            gql_arena_printf(
                                                x->a,
                                                "Argument \"%s\" of required type \"%s\" was provided the "
                                                "variable \"$%s\" which was not provided a runtime value.",
                                                d->name, ts, arg->value->str));
                                        return false;
                                }
                        }
                }
                if (!arg) {
                        if (d->default_ast)
                                gql_coerce_literal(x->a, d->default_ast, d->type, NULL, &vals[i]);
                        else if (d->type->kind == GQL_KIND_NON_NULL) {
                                field_error(x, g, path, &s->loc,
                                            gql_arena_printf(
                                                x->a,
                                                "Argument \"%s\" of required type \"%s\" was not provided.",
                                                d->name, gql_typeref_str(x->a, d->type)));
                                return false;
                        }
                        continue;
                }
                if (gql_coerce_literal(x->a, arg->value, d->type, &x->req->vars, &vals[i]) < 0 || !vals[i]) {
                        bool isnull = vals[i] == NULL && arg->value->kind == GQL_AV_VARIABLE;

                        field_error(x, g, path, &arg->value->loc,
                                    isnull || arg->value->kind == GQL_AV_VARIABLE
                                        ? gql_arena_printf(
                                              x->a,
                                              "Argument \"%s\" of non-null type \"%s\" must not be null.",
                                              d->name, gql_typeref_str(x->a, d->type))
                                        : gql_arena_printf(x->a, "Argument \"%s\" has invalid value %s.",
                                                           d->name, gql_ast_value_str(x->a, arg->value)));
                        return false;
                }
        }
        *ret = vals;
        return true;
}

static struct rnode *execute_fields(struct exec *x, const struct gql_type *obj, const void *parent,
                                    struct gql_ptrvec *groups, const struct gql_path *path);
static struct rnode *complete(struct exec *x, const struct gql_field *f, const struct gql_type *owner,
                              const struct gql_typeref *t, const struct group *g, struct gql_value *v,
                              const struct gql_path *path);

static const struct gql_type *runtime_type(struct exec *x, const struct gql_type *t,
                                           const struct gql_value *v, const struct gql_field *f,
                                           const struct gql_type *owner, const struct group *g,
                                           const struct gql_path *path)
{
        const char *name = v->opaque.type_name;
        const struct gql_type *obj;

        if (!name && t->resolve_type)
                name = t->resolve_type(v->opaque.ptr, x->req->ctx);
        if (t->kind == GQL_KIND_OBJECT && (!name || strcmp(name, t->name) == 0))
                return t;
        obj = name ? gql_schema_type(x->req->schema, name) : NULL;
        if (!name)
                field_error(
                    x, g, path, NULL,
                    gql_arena_printf(
                        x->a,
                        "Abstract type \"%s\" must resolve to an Object type at runtime for field "
                        "\"%s.%s\". Either the \"%s\" type should provide a \"resolveType\" function or "
                        "each possible type should provide an \"isTypeOf\" function.",
                        t->name, owner->name, f->name, t->name));
        else if (!obj || obj->kind != GQL_KIND_OBJECT)
                field_error(x, g, path, NULL,
                            gql_arena_printf(x->a,
                                             "Abstract type \"%s\" was resolved to a type \"%s\" that does "
                                             "not exist inside the schema.",
                                             t->name, name));
        else if (!gql_type_possible(t, obj))
                field_error(x, g, path, NULL,
                            gql_arena_printf(x->a,
                                             "Runtime Object type \"%s\" is not a possible type for \"%s\".",
                                             obj->name, t->name));
        else
                return obj;
        return NULL;
}

static struct rnode *complete_object(struct exec *x, const struct gql_field *f, const struct gql_type *owner,
                                     const struct gql_type *t, const struct group *g, struct gql_value *v,
                                     const struct gql_path *path)
{
        const struct gql_type *obj;
        struct gql_ptrvec groups = { 0 }, visited = { 0 };

        if (v->kind != GQL_OPAQUE) {
                field_error(
                    x, g, path, NULL,
                    gql_arena_printf(x->a, "Expected an object for field \"%s.%s\".", owner->name, f->name));
                return &ERRNODE;
        }
        obj = runtime_type(x, t, v, f, owner, g, path);
        if (!obj)
                return &ERRNODE;
        if (g->sub_type == obj) /* collected already (CollectSubfields is memoized by graphql-js too) */
                return execute_fields(x, obj, v->opaque.ptr, (struct gql_ptrvec *)&g->sub_groups, path);
        for (size_t i = 0; i < g->fields.n; i++) {
                const struct gql_ast_selection *s = g->fields.items[i];

                if (s->selset)
                        collect(x, obj, s->selset, &groups, &visited);
        }
        ((struct group *)g)->sub_type = obj;
        ((struct group *)g)->sub_groups = groups;
        return execute_fields(x, obj, v->opaque.ptr, &groups, path);
}

static struct rnode *complete_list(struct exec *x, const struct gql_field *f, const struct gql_type *owner,
                                   const struct gql_typeref *t, const struct group *g, struct gql_value *v,
                                   const struct gql_path *path)
{
        struct rnode *r;

        if (v->kind != GQL_LIST) {
                field_error(x, g, path, NULL,
                            gql_arena_printf(x->a,
                                             "Expected Iterable, but did not find one for field \"%s.%s\".",
                                             owner->name, f->name));
                return &ERRNODE;
        }
        r = gql_arena_alloc(x->a, sizeof(*r));
        r->kind = R_LIST;
        r->n = v->list.n;
        r->items = gql_arena_alloc(x->a, (r->n ? r->n : 1) * sizeof(*r->items));
        for (size_t i = 0; i < v->list.n; i++) {
                struct gql_path p = { .prev = path, .key = NULL, .index = i };

                r->items[i] = complete(x, f, owner, t->of, g, v->list.items[i], &p);
                if (r->items[i] == &PROPAGATE)
                        return &PROPAGATE;
        }
        return r;
}

/* Completion of a nullable type: a node, NULLVAL, ERRNODE, or PROPAGATE from below. */
static struct rnode *complete_raw(struct exec *x, const struct gql_field *f, const struct gql_type *owner,
                                  const struct gql_typeref *t, const struct group *g, struct gql_value *v,
                                  const struct gql_path *path)
{
        struct gql_value *out = NULL;
        const char *err;
        struct rnode *r;

        if (!v || v->kind == GQL_NULL)
                return &NULLVAL;
        if (t->kind == GQL_KIND_LIST)
                return complete_list(x, f, owner, t, g, v, path);
        if (gql_type_is_composite(t->named))
                return complete_object(x, f, owner, t->named, g, v, path);
        err = gql_serialize_leaf(x->a, t->named, v, &out);
        if (err) {
                field_error(x, g, path, NULL, err);
                return &ERRNODE;
        }
        r = gql_arena_alloc(x->a, sizeof(*r));
        r->kind = R_LEAF;
        r->v = out;
        return r;
}

static struct rnode *complete(struct exec *x, const struct gql_field *f, const struct gql_type *owner,
                              const struct gql_typeref *t, const struct group *g, struct gql_value *v,
                              const struct gql_path *path)
{
        struct rnode *r;

        if (t->kind == GQL_KIND_NON_NULL) {
                r = complete_raw(x, f, owner, t->of, g, v, path);
                if (r == &NULLVAL)
                        field_error(x, g, path, NULL,
                                    gql_arena_printf(x->a, "Cannot return null for non-nullable field %s.%s.",
                                                     owner->name, f->name));
                if (r == &NULLVAL || r == &ERRNODE || r == &PROPAGATE)
                        return &PROPAGATE;
                return r;
        }
        r = complete_raw(x, f, owner, t, g, v, path);
        return r == &NULLVAL || r == &ERRNODE || r == &PROPAGATE ? &NULLNODE : r;
}

/* A non-null value of a named leaf type that serializes without error, or NULL (complete() then takes
 * it, reporting any error). */
static struct rnode *complete_leaf(struct exec *x, const struct gql_typeref *t, const struct gql_value *v)
{
        struct gql_value *out = NULL;
        struct rnode *r;

        if (t->kind == GQL_KIND_LIST ||
            (t->named->kind != GQL_KIND_SCALAR && t->named->kind != GQL_KIND_ENUM))
                return NULL;
        switch (t->named->scalar) { /* values that serialize to themselves (as gql_serialize_leaf does) */
        case GQL_SCALAR_STRING:
        case GQL_SCALAR_ID:
                if (v->kind == GQL_STRING)
                        out = (struct gql_value *)v;
                break;
        case GQL_SCALAR_BOOLEAN:
                if (v->kind == GQL_BOOLEAN)
                        out = (struct gql_value *)v;
                break;
        default:
                break;
        }
        if (!out && gql_serialize_leaf(x->a, t->named, v, &out))
                return NULL;
        r = gql_arena_alloc(x->a, sizeof(*r));
        r->kind = R_LEAF;
        r->v = out;
        return r;
}

static struct rnode *typename_node(struct exec *x, const struct gql_type *obj)
{
        struct rnode *r = gql_arena_alloc(x->a, sizeof(*r));

        r->kind = R_LEAF;
        r->v = gql_value_string_ref(x->a, obj->name, strlen(obj->name)); /* the schema outlives it */
        return r;
}

static struct rnode *execute_field(struct exec *x, const struct gql_type *obj, const void *parent,
                                   const struct group *g, const struct gql_path *path)
{
        struct gql_ast_selection *s = g->fields.items[0];
        const struct gql_field *f = s->cache_type == obj ? s->cache_field : NULL;
        struct gql_resolve_info ri = {
                .arena = x->a, .parent = parent, .ctx = x->req->ctx, .schema = x->req->schema
        };
        struct gql_value *v = NULL;

        if (!f) {
                f = gql_type_field(x->req->schema, obj, s->name, x->req->engine->limits.introspection);
                s->cache_type = obj;
                s->cache_field = f;
        }
        if (!f)
                return NULL; /* not reachable after validation */
        if (f == x->req->schema->meta_typename)
                return typename_node(x, obj);
        ri.field_name = f->name;
        ri.field = f;
        if (f->n_args && !coerce_args(x, f, g, path, &ri.args))
                return f->type->kind == GQL_KIND_NON_NULL ? &PROPAGATE : &NULLNODE;
        if (f->resolve(&ri, &v) < 0) {
                field_error(x, g, path, NULL, ri.error ? ri.error : "Resolver failed.");
                return f->type->kind == GQL_KIND_NON_NULL ? &PROPAGATE : &NULLNODE;
        }
        if (v && v->kind != GQL_NULL) { /* the common case, a non-null scalar or enum: no error possible */
                const struct gql_typeref *t = f->type->kind == GQL_KIND_NON_NULL ? f->type->of : f->type;
                struct rnode *r = complete_leaf(x, t, v);

                if (r)
                        return r;
        }
        return complete(x, f, obj, f->type, g, v, path);
}

static struct rnode *execute_fields(struct exec *x, const struct gql_type *obj, const void *parent,
                                    struct gql_ptrvec *groups, const struct gql_path *path)
{
        struct rnode *r = gql_arena_alloc(x->a, sizeof(*r));
        bool propagated = false;

        r->kind = R_OBJECT;
        r->items = gql_arena_alloc(x->a, (groups->n + 1) * sizeof(*r->items));
        r->groups = (const struct group *const *)groups->items;
        r->n = groups->n;
        for (size_t i = 0; i < groups->n; i++) {
                const struct group *g = groups->items[i];
                struct gql_path p = { .prev = path, .key = g->key };
                struct rnode *c = execute_field(x, obj, parent, g, &p);

                if (c == &PROPAGATE && !(x->all_roots && !path))
                        return &PROPAGATE;
                if (c == &PROPAGATE)
                        propagated = true; /* the root's later fields still run (GQL_EXEC_ALL_ROOT_FIELDS) */
                r->items[i] = c;
        }
        return propagated ? &PROPAGATE : r;
}

/* ---- JSON serialization ---------------------------------------------------------------------------------- */
static int write_int(struct rift_buf *out, int64_t i)
{
        char tmp[24], *p = tmp + sizeof(tmp);
        uint64_t u = i < 0 ? (uint64_t)0 - (uint64_t)i : (uint64_t)i;

        do
                *--p = (char)('0' + u % 10);
        while ((u /= 10));
        if (i < 0)
                *--p = '-';
        return gql_buf_put(out, p, (size_t)(tmp + sizeof(tmp) - p));
}

static int write_leaf(struct rift_buf *out, const struct gql_value *v)
{
        switch (v->kind) {
        case GQL_INT:
                return write_int(out, v->i);
        case GQL_FLOAT:
                return gql_json_write_double(out, v->f);
        case GQL_BOOLEAN:
                return v->b ? gql_buf_put(out, "true", 4) : gql_buf_put(out, "false", 5);
        case GQL_STRING:
        case GQL_ENUM:
                return gql_json_write_string(out, v->str.s, v->str.len);
        default:
                return gql_buf_put(out, "null", 4);
        }
}

static int write_node(struct rift_buf *out, const struct rnode *r)
{
        int ret = 0;

        switch (r->kind) {
        case R_NULL:
                return gql_buf_put(out, "null", 4);
        case R_LEAF:
                return write_leaf(out, r->v);
        case R_LIST:
                ret = gql_buf_putc(out, '[');
                for (size_t i = 0; ret >= 0 && i < r->n; i++) {
                        if (i)
                                ret = gql_buf_putc(out, ',');
                        if (ret >= 0)
                                ret = write_node(out, r->items[i]);
                }
                return ret < 0 ? ret : gql_buf_putc(out, ']');
        case R_OBJECT:
                ret = gql_buf_putc(out, '{');
                for (size_t i = 0, first = 1; ret >= 0 && i < r->n; i++) {
                        if (!r->items[i])
                                continue;
                        ret = gql_buf_put(out, r->groups[i]->json_key + first,
                                          r->groups[i]->json_key_len - first);
                        first = 0;
                        if (ret < 0)
                                break;
                        if (r->items[i]->kind == R_LEAF &&
                            r->items[i]->v->kind == GQL_STRING) /* most members */
                                ret = gql_json_write_string(out, r->items[i]->v->str.s,
                                                            r->items[i]->v->str.len);
                        else
                                ret = write_node(out, r->items[i]);
                }
                return ret < 0 ? ret : gql_buf_putc(out, '}');
        }
        return 0;
}

/* {"errors":[...],"data":...} like graphql-js (errors first when present; data omitted when NULL). */
static int write_response(const struct gql_errors *errs, const struct rnode *data, struct rift_buf *out)
{
        size_t mark = out->len;
        int r = rift_buf_append_char(out, '{');

        if (r >= 0 && errs->list.n) {
                r = gql_errors_write_json(errs, out);
                if (r >= 0 && data)
                        r = rift_buf_append_char(out, ',');
        }
        if (r >= 0 && data) {
                r = rift_buf_append_str(out, "\"data\":");
                if (r >= 0)
                        r = write_node(out, data == &PROPAGATE ? &NULLNODE : data);
        }
        if (r >= 0)
                r = rift_buf_append_char(out, '}');
        if (r < 0) {
                out->len = mark;
                if (out->data)
                        out->data[mark] = '\0';
        }
        return r < 0 ? r : 0;
}

/* ---- pipeline -------------------------------------------------------------------------------------------- */
static const struct gql_ast_definition *select_operation(struct gql_request *req, const char *name)
{
        const struct gql_ast_definition *found = NULL;
        size_t n = 0;

        for (size_t i = 0; i < req->doc->n; i++) {
                const struct gql_ast_definition *d = req->doc->defs[i];

                if (d->kind != GQL_DEF_OPERATION)
                        continue;
                n++;
                if (name ? d->name && strcmp(d->name, name) == 0 : !found)
                        found = d;
        }
        if (name && !found)
                gql_errors_add(&req->errs, NULL, 0, NULL, "Unknown operation named \"%s\".", name);
        else if (!name && n > 1) {
                gql_errors_add(&req->errs, NULL, 0, NULL,
                               "Must provide operation name if query contains multiple operations.");
                found = NULL;
        } else if (!found)
                gql_errors_add(&req->errs, NULL, 0, NULL, "Must provide an operation.");
        return found;
}

/* Parse, check limits, validate, pick the operation, coerce variables: 0 or RIFT_E_INVALID with errors. */
static int prepare(struct gql_request *req, const char *query, size_t len, const cJSON *variables,
                   const char *opname)
{
        const struct gql_limits *lim = &req->engine->limits;
        struct gql_parse_opts po = { .max_tokens = lim->max_tokens, .max_nesting = RIFT_MAX_GQL_NESTING };
        struct gql_loc start = { 1, 1 };

        if (len > lim->max_document) {
                gql_errors_add(&req->errs, &start, 1, NULL, "Document is larger than %zu bytes.",
                               lim->max_document);
                return RIFT_E_INVALID;
        }
        if (gql_parse(&req->arena, query, len, &po, &req->errs, &req->doc) < 0 ||
            gql_limits_check(&req->arena, req->schema, req->doc, lim, &req->errs) < 0)
                return RIFT_E_INVALID;
        req->errs.max = lim->max_errors;
        if (gql_validate(&req->arena, req->schema, req->doc, lim->introspection, &req->errs) > 0) {
                if (gql_errors_full(&req->errs)) { /* as graphql-js says it */
                        req->errs.max = 0;
                        gql_errors_add(
                            &req->errs, NULL, 0, NULL,
                            "Too many validation errors, error limit reached. Validation aborted.");
                }
                return RIFT_E_INVALID;
        }
        req->errs.max = 0;
        req->op = select_operation(req, opname);
        if (!req->op)
                return RIFT_E_INVALID;
        req->vars.op = req->op;
        return gql_coerce_variables(&req->arena, req->schema, req->op, variables, &req->errs,
                                    &req->vars.values);
}

static const struct gql_type *root_of(const struct gql_request *req)
{
        return req->op->op == GQL_OP_QUERY      ? req->schema->query
               : req->op->op == GQL_OP_MUTATION ? req->schema->mutation
                                                : req->schema->subscription;
}

static struct gql_request *request_new(struct gql_engine *e, void *ctx)
{
        struct gql_request *req = calloc(1, sizeof(*req));

        if (!req)
                return NULL;
        req->engine = e;
        req->schema = e->schema;
        req->ctx = ctx;
        gql_arena_init(&req->arena, e->limits.max_memory);
        req->arena.oom = &req->oom;
        gql_errors_init(&req->errs, &req->arena, 0);
        return req;
}

void gql_request_free(struct gql_request *req)
{
        if (!req)
                return;
        gql_arena_free(&req->arena);
        free(req);
}

static int oom_response(struct gql_request *req, struct rift_buf *out)
{
        /* the arena is exhausted: answer from static text */
        (void)req;
        return rift_buf_append_str(
            out, "{\"errors\":[{\"message\":\"Request exceeds the server's memory limit.\"}]}");
}

static int run(struct gql_request *req, const char *query, size_t len, const cJSON *variables,
               const char *opname, struct rift_buf *out)
{
        struct exec x = { .req = req, .a = &req->arena, .all_roots = req->flags & GQL_EXEC_ALL_ROOT_FIELDS };
        struct gql_ptrvec groups = { 0 }, visited = { 0 };
        const struct gql_type *root;
        struct rnode *data;

        if (prepare(req, query, len, variables, opname) < 0)
                return write_response(&req->errs, NULL, out);
        root = root_of(req);
        collect(&x, root, req->op->selset, &groups, &visited);
        data = execute_fields(&x, root, NULL, &groups, NULL);
        return write_response(&req->errs, data, out);
}

static int execute_run(struct gql_request *req, const char *query, size_t len, const cJSON *vars,
                       const char *opname, struct rift_buf *out)
{
        size_t mark = out->len;

        if (setjmp(req->oom)) {
                out->len = mark;
                if (out->data)
                        out->data[mark] = '\0';
                return oom_response(req, out);
        }
        return run(req, query, len, vars, opname, out);
}

static int execute_parsed(struct gql_engine *e, const char *query, size_t query_len, const cJSON *variables,
                          const char *operation_name, void *ctx, unsigned flags, struct rift_buf *out)
{
        struct gql_request *req = request_new(e, ctx);
        int r;

        if (!req)
                return -ENOMEM;
        req->flags = flags;
        r = execute_run(req, query, query_len, variables, operation_name, out);
        gql_request_free(req);
        return r;
}

int gql_execute_parsed(struct gql_engine *e, const char *query, size_t query_len, const cJSON *variables,
                       const char *operation_name, void *ctx, struct rift_buf *out)
{
        return execute_parsed(e, query, query_len, variables, operation_name, ctx, 0, out);
}

int gql_execute(struct gql_engine *e, const char *query, size_t query_len, const char *variables_json,
                const char *operation_name, void *ctx, struct rift_buf *out)
{
        return gql_execute_flags(e, query, query_len, variables_json, operation_name, ctx, 0, out);
}

int gql_execute_flags(struct gql_engine *e, const char *query, size_t query_len, const char *variables_json,
                      const char *operation_name, void *ctx, unsigned flags, struct rift_buf *out)
{
        cJSON *vars = NULL;
        int r;

        if (variables_json) {
                vars = cJSON_ParseWithLength(variables_json, strlen(variables_json));
                if (!vars || !(cJSON_IsObject(vars) || cJSON_IsNull(vars))) {
                        cJSON_Delete(vars);
                        return rift_buf_append_str(
                            out, "{\"errors\":[{\"message\":\"Variables must be a JSON object.\"}]}");
                }
        }
        r = execute_parsed(e, query, query_len, vars, operation_name, ctx, flags, out);
        cJSON_Delete(vars);
        return r;
}

/* ---- subscriptions --------------------------------------------------------------------------------------- */
static int subscribe_source(struct gql_request *req, struct rift_buf *out, const struct gql_value **ret)
{
        struct exec x = { .req = req, .a = &req->arena };
        struct gql_ptrvec groups = { 0 }, visited = { 0 };
        struct gql_resolve_info ri = { .arena = &req->arena, .ctx = req->ctx, .schema = req->schema };
        const struct group *g;
        struct gql_path p = { 0 };
        struct gql_value *v = NULL;

        if (req->op->op != GQL_OP_SUBSCRIPTION) {
                gql_errors_add(&req->errs, &req->op->loc, 1, NULL, "Operation is not a subscription.");
                return write_response(&req->errs, NULL, out);
        }
        collect(&x, req->schema->subscription, req->op->selset, &groups, &visited);
        if (groups.n != 1)
                return write_response(&req->errs, NULL, out);
        g = groups.items[0];
        req->sub = g->fields.items[0];
        req->sub_def = gql_type_field(req->schema, req->schema->subscription, req->sub->name, false);
        if (!req->sub_def)
                return write_response(&req->errs, NULL, out);
        p.key = g->key;
        ri.field = req->sub_def;
        ri.field_name = req->sub_def->name;
        if (!coerce_args(&x, req->sub_def, g, &p, &ri.args))
                return write_response(&req->errs, NULL, out);
        if (req->sub_def->resolve(&ri, &v) < 0) {
                field_error(&x, g, &p, NULL, ri.error ? ri.error : "Resolver failed.");
                return write_response(&req->errs, NULL, out);
        }
        *ret = v;
        return 1;
}

static int subscribe_run(struct gql_request *req, const char *query, size_t len, const cJSON *vars,
                         const char *opname, struct rift_buf *out, const struct gql_value **ret)
{
        if (setjmp(req->oom))
                return oom_response(req, out) < 0 ? -ENOMEM : 0;
        if (prepare(req, query, len, vars, opname) < 0)
                return write_response(&req->errs, NULL, out);
        return subscribe_source(req, out, ret);
}

int gql_subscribe(struct gql_engine *e, const char *query, size_t query_len, const char *variables_json,
                  const char *operation_name, void *ctx, struct rift_buf *out, struct gql_request **ret_req,
                  const struct gql_value **ret_source)
{
        struct gql_request *req = request_new(e, ctx);
        cJSON *vars = variables_json ? cJSON_Parse(variables_json) : NULL;
        const struct gql_value *src = NULL;
        int r;

        if (!req) {
                cJSON_Delete(vars);
                return -ENOMEM;
        }
        r = subscribe_run(req, query, query_len, vars, operation_name, out, &src);
        cJSON_Delete(vars);
        if (r != 1) {
                gql_request_free(req);
                return r;
        }
        *ret_req = req;
        *ret_source = src;
        return 1;
}

int gql_request_execute_event(struct gql_request *req, struct gql_value *event, struct rift_buf *out)
{
        struct exec x = { .req = req, .a = &req->arena };
        struct group g = { 0 };
        const struct group *gp = &g;
        struct gql_path p = { .key = req->sub->alias ? req->sub->alias : req->sub->name };
        struct rnode *data, *field;
        size_t n_errs = req->errs.list.n;
        int r;

        if (setjmp(req->oom))
                return oom_response(req, out);
        group_set_key(&req->arena, &g, p.key);
        gql_ptrvec_push(&req->arena, &g.fields, (void *)req->sub);
        field = complete(&x, req->sub_def, req->schema->subscription, req->sub_def->type, &g, event, &p);
        data = &PROPAGATE;
        if (field != &PROPAGATE) {
                data = gql_arena_alloc(&req->arena, sizeof(*data));
                data->kind = R_OBJECT;
                data->n = 1;
                data->groups = &gp;
                data->items = gql_arena_alloc(&req->arena, sizeof(*data->items));
                data->items[0] = field;
        }
        r = write_response(&req->errs, data, out);
        req->errs.list.n = n_errs; /* errors belong to this event only */
        return r;
}
