/* Input coercion and leaf serialization; see coerce.h. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/error.h"
#include "lib/graphql/coerce.h"
#include "lib/graphql/suggest.h"

const char *gql_ast_value_str(struct gql_arena *a, const struct gql_ast_value *v)
{
        struct rift_buf b = RIFT_BUF_INIT(64 * 1024);
        const char *s;

        gql_arena_track(a, &b);
        gql_ast_print_value(&b, v);
        s = gql_arena_strndup(a, b.data ? b.data : "", b.len);
        gql_arena_untrack(a, &b);
        rift_buf_free(&b);
        return s;
}

int gql_op_var_index(const struct gql_ast_definition *op, const char *name)
{
        size_t lo = 0, hi = op ? op->n_vardefs : 0;

        while (lo < hi) { /* the first vardef with this name */
                size_t mid = lo + (hi - lo) / 2;

                if (strcmp(op->vardefs[op->var_sorted[mid]].name, name) < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        if (op && lo < op->n_vardefs && strcmp(op->vardefs[op->var_sorted[lo]].name, name) == 0)
                return (int)op->var_sorted[lo];
        return -1;
}

struct gql_type *gql_typeref_from_ast_named(const struct gql_schema *s, const struct gql_ast_type *t)
{
        while (t->kind != GQL_AT_NAMED)
                t = t->of;
        return gql_schema_type(s, t->name);
}

const struct gql_typeref *gql_typeref_from_ast(struct gql_arena *a, const struct gql_schema *s,
                                               const struct gql_ast_type *t)
{
        struct gql_typeref *r;
        const struct gql_typeref *of;
        struct gql_type *named;

        if (t->kind == GQL_AT_NAMED) {
                named = gql_schema_type(s, t->name);
                return named ? &named->ref : NULL;
        }
        of = gql_typeref_from_ast(a, s, t->of);
        if (!of)
                return NULL;
        r = gql_arena_alloc(a, sizeof(*r));
        r->kind = t->kind == GQL_AT_LIST ? GQL_KIND_LIST : GQL_KIND_NON_NULL;
        r->named = of->named;
        r->of = of;
        return r;
}

/* Parses an Int literal's text within the 32-bit range. */
static bool int32_text(const char *s, int64_t *ret)
{
        char *end;
        long long v;

        errno = 0;
        v = strtoll(s, &end, 10);
        if (errno || *end || v < INT32_MIN || v > INT32_MAX)
                return false;
        *ret = v;
        return true;
}

/* graphql-js didYouMeanEnumValue */
static const char *enum_suggestion(struct gql_arena *a, const struct gql_type *t, const char *input)
{
        const char **names = gql_arena_alloc(a, (t->n_values + 1) * sizeof(*names));
        const char **sug;
        size_t n;

        for (size_t i = 0; i < t->n_values; i++)
                names[i] = t->values[i].name;
        sug = gql_suggestion_list(a, input, names, t->n_values, &n);
        return gql_did_you_mean(a, "the enum value", sug, n);
}

/* Names of input fields, for suggestions. */
static const char **input_names(struct gql_arena *a, const struct gql_type *t)
{
        const char **names = gql_arena_alloc(a, (t->n_input_fields + 1) * sizeof(*names));

        for (size_t i = 0; i < t->n_input_fields; i++)
                names[i] = t->input_fields[i].name;
        return names;
}

static bool enum_has(const struct gql_type *t, const char *name)
{
        for (size_t i = 0; i < t->n_values; i++)
                if (t->values[i].name[0] == name[0] && strcmp(t->values[i].name, name) == 0)
                        return true;
        return false;
}

/* Leaf literal to value; NULL with *ret_err on failure. */
static struct gql_value *leaf_literal(struct gql_arena *a, const struct gql_type *t,
                                      const struct gql_ast_value *v, const char **ret_err)
{
        int64_t i;
        double d;

        *ret_err = NULL;
        switch (t->scalar) {
        case GQL_SCALAR_INT:
                if (v->kind != GQL_AV_INT)
                        break;
                if (!int32_text(v->str, &i)) {
                        *ret_err = gql_arena_printf(
                            a, "Int cannot represent non 32-bit signed integer value: %s", v->str);
                        return NULL;
                }
                return gql_value_int(a, i);
        case GQL_SCALAR_FLOAT:
                if (v->kind != GQL_AV_INT && v->kind != GQL_AV_FLOAT)
                        break;
                d = strtod(v->str, NULL);
                if (!isfinite(d))
                        break;
                return gql_value_float(a, d);
        case GQL_SCALAR_STRING:
                return v->kind == GQL_AV_STRING ? gql_value_string(a, v->str, v->len) : NULL;
        case GQL_SCALAR_BOOLEAN:
                return v->kind == GQL_AV_BOOLEAN ? gql_value_bool(a, v->b) : NULL;
        case GQL_SCALAR_ID:
                if (v->kind == GQL_AV_STRING || v->kind == GQL_AV_INT)
                        return gql_value_string(a, v->str, v->len);
                break;
        case GQL_SCALAR_NONE:
                if (v->kind != GQL_AV_ENUM) {
                        *ret_err = gql_arena_printf(a, "Enum \"%s\" cannot represent non-enum value: %s.%s",
                                                    t->name, gql_ast_value_str(a, v),
                                                    enum_suggestion(a, t, gql_ast_value_str(a, v)));
                        return NULL;
                }
                if (!enum_has(t, v->str)) {
                        *ret_err = gql_arena_printf(a, "Value \"%s\" does not exist in \"%s\" enum.%s",
                                                    v->str, t->name, enum_suggestion(a, t, v->str));
                        return NULL;
                }
                return gql_value_enum(a, v->str);
        }
        return NULL;
}

static const char *const literal_errors[] = {
        [GQL_SCALAR_INT] = "Int cannot represent non-integer value: ",
        [GQL_SCALAR_FLOAT] = "Float cannot represent non numeric value: ",
        [GQL_SCALAR_STRING] = "String cannot represent a non string value: ",
        [GQL_SCALAR_BOOLEAN] = "Boolean cannot represent a non boolean value: ",
        [GQL_SCALAR_ID] = "ID cannot represent a non-string and non-integer value: ",
};

const char *gql_literal_leaf_error(struct gql_arena *a, const struct gql_type *t,
                                   const struct gql_ast_value *v)
{
        const char *err;

        if (leaf_literal(a, t, v, &err))
                return NULL;
        if (err)
                return err;
        return gql_arena_printf(a, "%s%s", literal_errors[t->scalar], gql_ast_value_str(a, v));
}

static int coerce_list_literal(struct gql_arena *a, const struct gql_ast_value *v,
                               const struct gql_typeref *t, const struct gql_varscope *vs,
                               struct gql_value **ret)
{
        struct gql_value *l, *item;
        int r;

        if (v->kind != GQL_AV_LIST) {
                if ((r = gql_coerce_literal(a, v, t->of, vs, &item)) < 0 || !item)
                        return r < 0 ? r : RIFT_E_INVALID;
                l = gql_value_list(a, 1);
                l->list.items[0] = item;
                *ret = l;
                return 0;
        }
        l = gql_value_list(a, v->n);
        for (size_t i = 0; i < v->n; i++) {
                if ((r = gql_coerce_literal(a, v->items[i], t->of, vs, &item)) < 0)
                        return r;
                if (!item) { /* unprovided variable in a list: null, unless non-null */
                        if (t->of->kind == GQL_KIND_NON_NULL)
                                return RIFT_E_INVALID;
                        item = gql_value_null(a);
                }
                l->list.items[i] = item;
        }
        *ret = l;
        return 0;
}

static int coerce_object_literal(struct gql_arena *a, const struct gql_ast_value *v, const struct gql_type *t,
                                 const struct gql_varscope *vs, struct gql_value **ret)
{
        struct gql_value *o = gql_arena_alloc(a, sizeof(*o));
        int r;

        if (v->kind != GQL_AV_OBJECT)
                return RIFT_E_INVALID;
        o->kind = GQL_OBJECT;
        o->obj.names = gql_arena_alloc(a, (t->n_input_fields + 1) * sizeof(char *));
        o->obj.values = gql_arena_alloc(a, (t->n_input_fields + 1) * sizeof(void *));
        for (size_t i = 0; i < v->n; i++)
                if (!gql_input_find(t->input_fields, t->n_input_fields, v->names[i]))
                        return RIFT_E_INVALID;
        for (size_t i = 0; i < t->n_input_fields; i++) {
                const struct gql_input_value *f = &t->input_fields[i];
                const struct gql_ast_value *fv = NULL;
                struct gql_value *item = NULL;

                for (size_t j = 0; j < v->n && !fv; j++)
                        if (strcmp(v->names[j], f->name) == 0)
                                fv = v->items[j];
                if (fv && (r = gql_coerce_literal(a, fv, f->type, vs, &item)) < 0)
                        return r;
                if (!item && f->default_ast &&
                    (r = gql_coerce_literal(a, f->default_ast, f->type, NULL, &item)) < 0)
                        return r;
                if (!item && f->type->kind == GQL_KIND_NON_NULL)
                        return RIFT_E_INVALID;
                if (!item)
                        continue;
                o->obj.names[o->obj.n] = f->name;
                o->obj.values[o->obj.n++] = item;
        }
        *ret = o;
        return 0;
}

int gql_coerce_literal(struct gql_arena *a, const struct gql_ast_value *v, const struct gql_typeref *t,
                       const struct gql_varscope *vs, struct gql_value **ret)
{
        const char *err;
        struct gql_value *x;
        int idx;

        *ret = NULL;
        if (v->kind == GQL_AV_VARIABLE) {
                idx = vs ? gql_op_var_index(vs->op, v->str) : -1;
                x = idx >= 0 ? vs->values[idx] : NULL;
                if (x && x->kind == GQL_NULL && t->kind == GQL_KIND_NON_NULL)
                        return RIFT_E_INVALID;
                *ret = x;
                return 0;
        }
        if (t->kind == GQL_KIND_NON_NULL) {
                if (v->kind == GQL_AV_NULL)
                        return RIFT_E_INVALID;
                return gql_coerce_literal(a, v, t->of, vs, ret);
        }
        if (v->kind == GQL_AV_NULL) {
                *ret = gql_value_null(a);
                return 0;
        }
        if (t->kind == GQL_KIND_LIST)
                return coerce_list_literal(a, v, t, vs, ret);
        if (t->kind == GQL_KIND_INPUT_OBJECT)
                return coerce_object_literal(a, v, t->named, vs, ret);
        x = leaf_literal(a, t->named, v, &err);
        if (!x)
                return RIFT_E_INVALID;
        *ret = x;
        return 0;
}

/* ---- variables from JSON ------------------------------------------------------------------------------ */

/* graphql-js inspect() of a JSON value, shortened. */
static const char *inspect(struct gql_arena *a, const cJSON *j, int depth)
{
        struct rift_buf b = RIFT_BUF_INIT(4096);
        const char *s;
        char *txt;

        if (cJSON_IsArray(j) || cJSON_IsObject(j)) {
                bool arr = cJSON_IsArray(j);
                const cJSON *c;
                int i = 0;

                if (depth >= 2) {
                        s = arr ? "[Array]" : "[Object]";
                        return s;
                }
                gql_arena_track(a, &b);
                rift_buf_append_str(&b, arr ? "[" : "{");
                cJSON_ArrayForEach(c, j)
                {
                        rift_buf_append_str(&b, i++ ? ", " : (arr ? "" : " "));
                        if (!arr)
                                rift_buf_printf(&b, "%s: ", c->string);
                        rift_buf_append_str(&b, inspect(a, c, depth + 1));
                }
                rift_buf_append_str(&b, arr ? "]" : (i ? " }" : "}"));
                s = gql_arena_strndup(a, b.data ? b.data : "", b.len);
                gql_arena_untrack(a, &b);
                rift_buf_free(&b);
                return s;
        } else if (cJSON_IsNumber(j)) {
                gql_json_write_double(&b, j->valuedouble);
        } else {
                txt = cJSON_PrintUnformatted(j);
                rift_buf_append_str(&b, txt ? txt : "?");
                free(txt);
        }
        gql_arena_track(a, &b);
        s = gql_arena_strndup(a, b.data ? b.data : "", b.len);
        gql_arena_untrack(a, &b);
        rift_buf_free(&b);
        return s;
}

/* One coercion failure: message and path below the variable. */
struct vctx {
        struct gql_arena *arena;         /* values */
        struct gql_errors *errs;         /* reported errors */
        const struct gql_ast_vardef *vd; /* the variable */
        const cJSON *root;               /* the variable's whole value */
        char path[512];                  /* " at \"x.a[0]\"" suffix being built */
        int failed;                      /* number of errors for this variable */
};

static void vfail(struct vctx *c, const cJSON *bad, const char *msg)
{
        size_t plen = strlen(c->vd->name);
        bool nested = strlen(c->path) > plen;

        gql_errors_add(c->errs, &c->vd->loc, 1, NULL, "Variable \"$%s\" got invalid value %s%s%s%s; %s",
                       c->vd->name, inspect(c->arena, bad, 0), nested ? " at \"" : "", nested ? c->path : "",
                       nested ? "\"" : "", msg);
        c->failed++;
}

static struct gql_value *coerce_json(struct vctx *c, const cJSON *j, const struct gql_typeref *t);

static struct gql_value *json_leaf(struct vctx *c, const cJSON *j, const struct gql_type *t)
{
        double d = j->valuedouble;
        const char *msg = NULL;

        switch (t->scalar) {
        case GQL_SCALAR_INT:
                if (!cJSON_IsNumber(j) || d != floor(d) || !isfinite(d))
                        msg = gql_arena_printf(c->arena, "Int cannot represent non-integer value: %s",
                                               inspect(c->arena, j, 0));
                else if (d > INT32_MAX || d < INT32_MIN)
                        msg = gql_arena_printf(c->arena,
                                               "Int cannot represent non 32-bit signed integer value: %s",
                                               inspect(c->arena, j, 0));
                else
                        return gql_value_int(c->arena, (int64_t)d);
                break;
        case GQL_SCALAR_FLOAT:
                if (!cJSON_IsNumber(j) || !isfinite(d))
                        msg = gql_arena_printf(c->arena, "Float cannot represent non numeric value: %s",
                                               inspect(c->arena, j, 0));
                else
                        return gql_value_float(c->arena, d);
                break;
        case GQL_SCALAR_STRING:
                if (cJSON_IsString(j))
                        return gql_value_string(c->arena, j->valuestring, strlen(j->valuestring));
                msg = gql_arena_printf(c->arena, "String cannot represent a non string value: %s",
                                       inspect(c->arena, j, 0));
                break;
        case GQL_SCALAR_BOOLEAN:
                if (cJSON_IsBool(j))
                        return gql_value_bool(c->arena, cJSON_IsTrue(j));
                msg = gql_arena_printf(c->arena, "Boolean cannot represent a non boolean value: %s",
                                       inspect(c->arena, j, 0));
                break;
        case GQL_SCALAR_ID:
                if (cJSON_IsString(j))
                        return gql_value_string(c->arena, j->valuestring, strlen(j->valuestring));
                if (cJSON_IsNumber(j) && d == floor(d) && fabs(d) < 9007199254740992.0) {
                        char *s = gql_arena_printf(c->arena, "%.0f", d);

                        return gql_value_string(c->arena, s, strlen(s));
                }
                msg = gql_arena_printf(c->arena, "ID cannot represent value: %s", inspect(c->arena, j, 0));
                break;
        case GQL_SCALAR_NONE:
                if (!cJSON_IsString(j))
                        msg = gql_arena_printf(c->arena, "Enum \"%s\" cannot represent non-string value: %s.",
                                               t->name, inspect(c->arena, j, 0));
                else if (!enum_has(t, j->valuestring))
                        msg = gql_arena_printf(c->arena, "Value \"%s\" does not exist in \"%s\" enum.%s",
                                               j->valuestring, t->name,
                                               enum_suggestion(c->arena, t, j->valuestring));
                else
                        return gql_value_enum(c->arena, j->valuestring);
                break;
        }
        vfail(c, j, msg);
        return NULL;
}

static size_t path_push(struct vctx *c, const char *key, size_t index)
{
        size_t len = strlen(c->path);

        if (key)
                snprintf(c->path + len, sizeof(c->path) - len, ".%s", key);
        else
                snprintf(c->path + len, sizeof(c->path) - len, "[%zu]", index);
        return len;
}

static struct gql_value *json_list(struct vctx *c, const cJSON *j, const struct gql_typeref *t)
{
        struct gql_value *l, *item;
        size_t n = 0, i = 0, mark;
        const cJSON *e;

        if (!cJSON_IsArray(j)) {
                item = coerce_json(c, j, t->of);
                if (!item)
                        return NULL;
                l = gql_value_list(c->arena, 1);
                l->list.items[0] = item;
                return l;
        }
        cJSON_ArrayForEach(e, j) n++;
        l = gql_value_list(c->arena, n);
        cJSON_ArrayForEach(e, j)
        {
                mark = path_push(c, NULL, i);
                item = coerce_json(c, e, t->of);
                c->path[mark] = '\0';
                l->list.items[i++] = item;
        }
        for (i = 0; i < n; i++)
                if (!l->list.items[i])
                        return NULL;
        return l;
}

static struct gql_value *json_object(struct vctx *c, const cJSON *j, const struct gql_type *t)
{
        struct gql_value *o;
        const cJSON *e;
        int before = c->failed;

        if (!cJSON_IsObject(j)) {
                vfail(c, j, gql_arena_printf(c->arena, "Expected type \"%s\" to be an object.", t->name));
                return NULL;
        }
        o = gql_arena_alloc(c->arena, sizeof(*o));
        o->kind = GQL_OBJECT;
        o->obj.names = gql_arena_alloc(c->arena, (t->n_input_fields + 1) * sizeof(char *));
        o->obj.values = gql_arena_alloc(c->arena, (t->n_input_fields + 1) * sizeof(void *));
        for (size_t i = 0; i < t->n_input_fields; i++) {
                const struct gql_input_value *f = &t->input_fields[i];
                const cJSON *fv = cJSON_GetObjectItemCaseSensitive(j, f->name);
                struct gql_value *item = NULL;
                size_t mark;

                if (!fv) {
                        if (f->default_ast)
                                gql_coerce_literal(c->arena, f->default_ast, f->type, NULL, &item);
                        else if (f->type->kind == GQL_KIND_NON_NULL)
                                vfail(c, j,
                                      gql_arena_printf(
                                          c->arena, "Field \"%s\" of required type \"%s\" was not provided.",
                                          f->name, gql_typeref_str(c->arena, f->type)));
                } else {
                        mark = path_push(c, f->name, 0);
                        item = coerce_json(c, fv, f->type);
                        c->path[mark] = '\0';
                }
                if (item) {
                        o->obj.names[o->obj.n] = f->name;
                        o->obj.values[o->obj.n++] = item;
                }
        }
        cJSON_ArrayForEach(e, j) if (!gql_input_find(t->input_fields, t->n_input_fields, e->string)) vfail(
            c, j,
            gql_arena_printf(c->arena, "Field \"%s\" is not defined by type \"%s\".%s", e->string, t->name,
                             gql_suggest(c->arena, e->string, input_names(c->arena, t), t->n_input_fields)));
        return c->failed > before ? NULL : o;
}

static struct gql_value *coerce_json(struct vctx *c, const cJSON *j, const struct gql_typeref *t)
{
        if (t->kind == GQL_KIND_NON_NULL) {
                if (cJSON_IsNull(j)) {
                        vfail(c, j,
                              gql_arena_printf(c->arena, "Expected non-nullable type \"%s\" not to be null.",
                                               gql_typeref_str(c->arena, t)));
                        return NULL;
                }
                return coerce_json(c, j, t->of);
        }
        if (cJSON_IsNull(j))
                return gql_value_null(c->arena);
        if (t->kind == GQL_KIND_LIST)
                return json_list(c, j, t);
        if (t->kind == GQL_KIND_INPUT_OBJECT)
                return json_object(c, j, t->named);
        return json_leaf(c, j, t->named);
}

static void coerce_one_var(struct vctx *c, const struct gql_typeref *t, const cJSON *j,
                           struct gql_value **out)
{
        const char *tstr = gql_typeref_str(c->arena, t);
        const struct gql_ast_vardef *vd = c->vd;

        if (!j) {
                if (vd->default_value)
                        gql_coerce_literal(c->arena, vd->default_value, t, NULL, out);
                else if (t->kind == GQL_KIND_NON_NULL)
                        gql_errors_add(c->errs, &vd->loc, 1, NULL,
                                       "Variable \"$%s\" of required type \"%s\" was not provided.", vd->name,
                                       tstr);
                return;
        }
        if (cJSON_IsNull(j) && t->kind == GQL_KIND_NON_NULL) {
                gql_errors_add(c->errs, &vd->loc, 1, NULL,
                               "Variable \"$%s\" of non-null type \"%s\" must not be null.", vd->name, tstr);
                return;
        }
        snprintf(c->path, sizeof(c->path), "%s", vd->name);
        c->root = j;
        *out = coerce_json(c, j, t);
}

int gql_coerce_variables(struct gql_arena *a, const struct gql_schema *s, const struct gql_ast_definition *op,
                         const cJSON *vars, struct gql_errors *errs, struct gql_value ***ret)
{
        struct gql_value **values = gql_arena_alloc(a, (op->n_vardefs + 1) * sizeof(*values));
        size_t before = errs->list.n;

        for (size_t i = 0; i < op->n_vardefs; i++) {
                struct vctx c = { .arena = a, .errs = errs, .vd = &op->vardefs[i] };
                const struct gql_typeref *t = gql_typeref_from_ast(a, s, op->vardefs[i].type);
                const cJSON *j =
                    cJSON_IsObject(vars) ? cJSON_GetObjectItemCaseSensitive(vars, op->vardefs[i].name) : NULL;

                if (!t || !gql_type_is_input(t)) {
                        gql_errors_add(errs, &op->vardefs[i].loc, 1, NULL,
                                       "Variable \"$%s\" expected value of type \"%s\" which cannot be used "
                                       "as an input type.",
                                       op->vardefs[i].name, t ? gql_typeref_str(a, t) : "?");
                        continue;
                }
                coerce_one_var(&c, t, j, &values[i]);
        }
        if (errs->list.n > before)
                return RIFT_E_INVALID;
        *ret = values;
        return 0;
}

/* ---- result serialization ------------------------------------------------------------------------------ */
const char *gql_serialize_leaf(struct gql_arena *a, const struct gql_type *t, const struct gql_value *v,
                               struct gql_value **ret)
{
        double d;

        switch (t->scalar) {
        case GQL_SCALAR_INT:
                if (v->kind == GQL_INT && v->i >= INT32_MIN && v->i <= INT32_MAX) {
                        *ret = (struct gql_value *)v; /* already what it serializes to */
                        return NULL;
                }
                if (v->kind == GQL_BOOLEAN) {
                        *ret = gql_value_int(a, v->b);
                        return NULL;
                }
                if (v->kind != GQL_INT && v->kind != GQL_FLOAT)
                        return "Int cannot represent non-integer value";
                d = v->kind == GQL_INT ? (double)v->i : v->f;
                if (d != floor(d) || !isfinite(d))
                        return gql_arena_printf(a, "Int cannot represent non-integer value: %s",
                                                gql_arena_printf(a, "%.17g", d));
                if (d > INT32_MAX || d < INT32_MIN)
                        return gql_arena_printf(
                            a, "Int cannot represent non 32-bit signed integer value: %.17g", d);
                *ret = gql_value_int(a, (int64_t)d);
                return NULL;
        case GQL_SCALAR_FLOAT:
                if (v->kind != GQL_INT && v->kind != GQL_FLOAT)
                        return "Float cannot represent non numeric value";
                d = v->kind == GQL_INT ? (double)v->i : v->f;
                if (!isfinite(d))
                        return gql_arena_printf(a, "Float cannot represent non numeric value: %s",
                                                d > 0 ? "Infinity" : "NaN");
                *ret = v->kind == GQL_FLOAT ? (struct gql_value *)v : gql_value_float(a, d);
                return NULL;
        case GQL_SCALAR_STRING:
        case GQL_SCALAR_ID:
                if (v->kind == GQL_STRING) {
                        *ret = (struct gql_value *)v;
                        return NULL;
                }
                if (v->kind == GQL_ENUM) {
                        *ret = gql_value_string(a, v->str.s, v->str.len);
                        return NULL;
                }
                if (v->kind == GQL_INT) {
                        char *s = gql_arena_printf(a, "%lld", (long long)v->i);

                        *ret = gql_value_string(a, s, strlen(s));
                        return NULL;
                }
                if (v->kind == GQL_BOOLEAN && t->scalar == GQL_SCALAR_STRING) {
                        *ret = gql_value_string(a, v->b ? "true" : "false", v->b ? 4 : 5);
                        return NULL;
                }
                return t->scalar == GQL_SCALAR_ID ? "ID cannot represent value"
                                                  : "String cannot represent value";
        case GQL_SCALAR_BOOLEAN:
                if (v->kind == GQL_BOOLEAN) {
                        *ret = (struct gql_value *)v;
                        return NULL;
                }
                return "Boolean cannot represent a non boolean value";
        case GQL_SCALAR_NONE:
                if ((v->kind == GQL_ENUM || v->kind == GQL_STRING) && enum_has(t, v->str.s)) {
                        *ret = v->kind == GQL_ENUM ? (struct gql_value *)v : gql_value_enum(a, v->str.s);
                        return NULL;
                }
                return gql_arena_printf(a, "Enum \"%s\" cannot represent value: %s", t->name,
                                        v->kind == GQL_STRING || v->kind == GQL_ENUM
                                            ? gql_arena_printf(a, "\"%s\"", v->str.s)
                                            : "(value)");
        }
        return "unsupported scalar";
}
