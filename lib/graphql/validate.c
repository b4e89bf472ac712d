/* Validation rules (spec 5.2-5.8). One typed walk per definition records variable usages and
 * fragment spreads; document-level rules run afterwards on what the walks recorded. */
#include <string.h>

#include "lib/graphql/coerce.h"
#include "lib/graphql/overlap.h"
#include "lib/graphql/suggest.h"
#include "lib/graphql/validate.h"

/* A variable reference with the input type expected where it appears. */
struct usage {
        const struct gql_ast_value *node; /* the $var */
        const struct gql_typeref *type;   /* expected type, or NULL if unknown */
        bool has_default;                 /* the position has a default value */
};

/* What the walk of one definition recorded. */
struct defrec {
        struct gql_ptrvec usages;  /* struct usage * */
        struct gql_ptrvec spreads; /* struct gql_ast_selection * (SPREAD), in document order */
};

struct validator {
        struct gql_arena *arena;            /* scratch */
        const struct gql_schema *schema;    /* types */
        const struct gql_ast_document *doc; /* the document */
        struct gql_errors *errs;            /* output */
        bool introspection;                 /* __schema/__type allowed */
        struct defrec *recs;                /* one per doc->defs entry */
        struct defrec *cur;                 /* record of the definition being walked */
};

#define ERR1(v, loc, ...) gql_errors_add((v)->errs, &(loc), 1, NULL, __VA_ARGS__)

static void err2(struct validator *v, struct gql_loc a, struct gql_loc b, const char *msg)
{
        struct gql_loc locs[2] = { a, b };

        gql_errors_add(v->errs, locs, 2, NULL, "%s", msg);
}

const struct gql_ast_definition *gql_doc_fragment(const struct gql_ast_document *doc, const char *name)
{
        size_t lo = 0, hi = doc->n_frags;

        while (lo < hi) { /* first fragment with this name */
                size_t mid = lo + (hi - lo) / 2;

                if (strcmp(doc->frags[mid]->name, name) < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return lo < doc->n_frags && strcmp(doc->frags[lo]->name, name) == 0 ? doc->frags[lo] : NULL;
}

static size_t def_index(const struct validator *v, const struct gql_ast_definition *d)
{
        return d->index;
}

/* ---- suggestions ("Did you mean ...?") ------------------------------------------------------------------- */
static const char *suggest_inputs(struct validator *v, const char *input, const struct gql_input_value *defs,
                                  size_t n)
{
        const char **names = gql_arena_alloc(v->arena, (n + 1) * sizeof(*names));

        for (size_t i = 0; i < n; i++)
                names[i] = defs[i].name;
        return gql_suggest(v->arena, input, names, n);
}

static const char *suggest_types(struct validator *v, const char *input)
{
        const char **names = gql_arena_alloc(v->arena, (v->schema->n_types + 1) * sizeof(*names));

        for (size_t i = 0; i < v->schema->n_types; i++)
                names[i] = v->schema->types[i]->name;
        return gql_suggest(v->arena, input, names, v->schema->n_types);
}

static bool has_field(const struct gql_type *t, const char *name)
{
        for (size_t i = 0; i < t->n_fields; i++)
                if (strcmp(t->fields[i].name, name) == 0)
                        return true;
        return false;
}

/* graphql-js getSuggestedTypeNames: object and interface types of an abstract parent that have the
 * field, most used first, interfaces before their subtypes, then natural order (here: name order). */
static size_t suggested_type_names(struct validator *v, const struct gql_type *t, const char *field,
                                   const char **out, size_t *counts)
{
        size_t n = 0;

        for (size_t i = 0; i < t->n_possible; i++) {
                const struct gql_type *o = t->possible[i];
                const struct gql_type *cands[16];
                size_t nc = 0;

                if (!has_field(o, field))
                        continue;
                cands[nc++] = o;
                for (size_t j = 0; j < o->n_interfaces && nc < 16; j++)
                        if (has_field(o->interfaces[j], field))
                                cands[nc++] = o->interfaces[j];
                for (size_t c = 0; c < nc; c++) {
                        size_t k = 0;

                        while (k < n && strcmp(out[k], cands[c]->name))
                                k++;
                        if (k == n) {
                                out[n] = cands[c]->name;
                                counts[n++] = c == 0 ? 1 : 1;
                        } else if (c > 0)
                                counts[k]++;
                }
        }
        for (size_t i = 1; i < n; i++) /* insertion sort: count desc, interface first, name */
                for (size_t j = i; j > 0; j--) {
                        const struct gql_type *a = gql_schema_type(v->schema, out[j - 1]);
                        const struct gql_type *b = gql_schema_type(v->schema, out[j]);
                        bool swap = counts[j] > counts[j - 1] ||
                                    (counts[j] == counts[j - 1] &&
                                     ((b->kind == GQL_KIND_INTERFACE && gql_type_possible(b, a) && a != b) ||
                                      (!(a->kind == GQL_KIND_INTERFACE && gql_type_possible(a, b)) &&
                                       strcmp(out[j], out[j - 1]) < 0)));
                        const char *tn;
                        size_t tc;

                        if (!swap)
                                break;
                        tn = out[j], out[j] = out[j - 1], out[j - 1] = tn;
                        tc = counts[j], counts[j] = counts[j - 1], counts[j - 1] = tc;
                }
        return n;
}

static const char *suggest_field(struct validator *v, const struct gql_type *t, const char *field)
{
        const char **names =
            gql_arena_alloc(v->arena, (t->n_fields + t->n_possible * 2 + 1) * sizeof(*names));
        size_t *counts = gql_arena_alloc(v->arena, (t->n_possible * 16 + 1) * sizeof(*counts));
        const char **types = gql_arena_alloc(v->arena, (t->n_possible * 16 + 1) * sizeof(*types));
        size_t n = gql_type_is_abstract(t) ? suggested_type_names(v, t, field, types, counts) : 0;

        if (n)
                return gql_did_you_mean(v->arena, "to use an inline fragment on", types, n);
        for (size_t i = 0; i < t->n_fields; i++)
                names[i] = t->fields[i].name;
        return gql_suggest(v->arena, field, names, t->n_fields);
}

/* ---- values (ValuesOfCorrectType, UniqueInputFieldNames, variable usages) ------------------------------ */
static void value_leaf_check(struct validator *v, const struct gql_ast_value *val,
                             const struct gql_typeref *t)
{
        const char *err;

        if (t->named->kind != GQL_KIND_SCALAR && t->named->kind != GQL_KIND_ENUM) {
                ERR1(v, val->loc, "Expected value of type \"%s\", found %s.", gql_typeref_str(v->arena, t),
                     gql_ast_value_str(v->arena, val));
                return;
        }
        err = gql_literal_leaf_error(v->arena, t->named, val);
        if (err)
                ERR1(v, val->loc, "%s", err);
}

static void walk_value(struct validator *v, const struct gql_ast_value *val, const struct gql_typeref *t,
                       bool has_default, bool report);

static void walk_object_value(struct validator *v, const struct gql_ast_value *val,
                              const struct gql_typeref *t, bool report)
{
        const struct gql_type *it = t ? t->named : NULL;
        bool input = it && it->kind == GQL_KIND_INPUT_OBJECT;

        for (size_t i = 0; i < val->n; i++)
                for (size_t j = 0; j < i; j++)
                        if (strcmp(val->names[i], val->names[j]) == 0) {
                                err2(v, val->name_locs[j], val->name_locs[i],
                                     gql_arena_printf(v->arena,
                                                      "There can be only one input field named \"%s\".",
                                                      val->names[i]));
                                break;
                        }
        if (!input) {
                if (report && t)
                        value_leaf_check(v, val, t);
                for (size_t i = 0; i < val->n; i++)
                        walk_value(v, val->items[i], NULL, false, false);
                return;
        }
        for (size_t i = 0; report && i < it->n_input_fields; i++) {
                const struct gql_input_value *f = &it->input_fields[i];
                bool given = false;

                for (size_t j = 0; j < val->n && !given; j++)
                        given = strcmp(val->names[j], f->name) == 0;
                if (!given && f->type->kind == GQL_KIND_NON_NULL && !f->default_ast)
                        ERR1(v, val->loc, "Field \"%s.%s\" of required type \"%s\" was not provided.",
                             it->name, f->name, gql_typeref_str(v->arena, f->type));
        }
        for (size_t i = 0; i < val->n; i++) {
                const struct gql_input_value *f =
                    gql_input_find(it->input_fields, it->n_input_fields, val->names[i]);

                if (!f && report)
                        ERR1(v, val->name_locs[i], "Field \"%s\" is not defined by type \"%s\".%s",
                             val->names[i], it->name,
                             suggest_inputs(v, val->names[i], it->input_fields, it->n_input_fields));
                walk_value(v, val->items[i], f ? f->type : NULL, f && f->default_ast, report);
        }
}

static void walk_value(struct validator *v, const struct gql_ast_value *val, const struct gql_typeref *t,
                       bool has_default, bool report)
{
        const struct gql_typeref *nt = t ? gql_typeref_nullable(t) : NULL;

        switch (val->kind) {
        case GQL_AV_VARIABLE: {
                struct usage *u = gql_arena_alloc(v->arena, sizeof(*u));

                *u = (struct usage){ val, t, has_default };
                gql_ptrvec_push(v->arena, &v->cur->usages, u);
                return;
        }
        case GQL_AV_NULL:
                if (report && t && t->kind == GQL_KIND_NON_NULL)
                        ERR1(v, val->loc, "Expected value of type \"%s\", found null.",
                             gql_typeref_str(v->arena, t));
                return;
        case GQL_AV_LIST:
                if (nt && nt->kind == GQL_KIND_LIST) {
                        for (size_t i = 0; i < val->n; i++)
                                walk_value(v, val->items[i], nt->of, false, report);
                        return;
                }
                if (report && t)
                        value_leaf_check(v, val, t);
                for (size_t i = 0; i < val->n; i++)
                        walk_value(v, val->items[i], nt, false, false);
                return;
        case GQL_AV_OBJECT:
                walk_object_value(v, val, t, report);
                return;
        default:
                if (report && t)
                        value_leaf_check(v, val, t);
        }
}

/* ---- arguments and directives -------------------------------------------------------------------------- */
/* owner: "field \"Type.f\"" or "directive \"@d\"" for messages. */
static void walk_args(struct validator *v, const struct gql_ast_arg *args, size_t n,
                      const struct gql_input_value *defs, size_t n_defs, bool known, const char *owner)
{
        for (size_t i = 0; i < n; i++) {
                const struct gql_input_value *d = known ? gql_input_find(defs, n_defs, args[i].name) : NULL;
                size_t first = i;

                for (size_t j = 0; j < i && first == i; j++)
                        if (strcmp(args[j].name, args[i].name) == 0)
                                first = j;
                if (first == i) { /* one error per duplicated name, listing every occurrence */
                        struct gql_loc locs[8];
                        size_t nl = 0;

                        for (size_t j = i; j < n; j++)
                                if (strcmp(args[j].name, args[i].name) == 0 && nl < ARRAY_SIZE(locs))
                                        locs[nl++] = args[j].loc;
                        if (nl > 1)
                                gql_errors_add(v->errs, locs, nl, NULL,
                                               "There can be only one argument named \"%s\".", args[i].name);
                }
                if (known && !d)
                        ERR1(v, args[i].loc, "Unknown argument \"%s\" on %s.%s", args[i].name, owner,
                             suggest_inputs(v, args[i].name, defs, n_defs));
                walk_value(v, args[i].value, d ? d->type : NULL, d && d->default_ast, true);
        }
}

static void required_args(struct validator *v, struct gql_loc loc, const struct gql_ast_arg *args, size_t n,
                          const struct gql_input_value *defs, size_t n_defs, const char *what,
                          const char *name)
{
        for (size_t i = 0; i < n_defs; i++) {
                bool given = false;

                if (defs[i].type->kind != GQL_KIND_NON_NULL || defs[i].default_ast)
                        continue;
                for (size_t j = 0; j < n && !given; j++)
                        given = strcmp(args[j].name, defs[i].name) == 0;
                if (!given)
                        ERR1(v, loc,
                             "%s \"%s\" argument \"%s\" of type \"%s\" is required, but it was not provided.",
                             what, name, defs[i].name, gql_typeref_str(v->arena, defs[i].type));
        }
}

static void walk_directives(struct validator *v, const struct gql_ast_directive *dirs, size_t n,
                            enum gql_directive_loc where)
{
        for (size_t i = 0; i < n; i++) {
                const struct gql_directive *d = gql_schema_directive(v->schema, dirs[i].name);

                if (!d)
                        ERR1(v, dirs[i].loc, "Unknown directive \"@%s\".", dirs[i].name);
                else if (!(d->locations & (1u << where)))
                        ERR1(v, dirs[i].loc, "Directive \"@%s\" may not be used on %s.", dirs[i].name,
                             gql_directive_loc_names[where]);
                for (size_t j = 0; d && j < i; j++)
                        if (strcmp(dirs[j].name, dirs[i].name) == 0) {
                                err2(v, dirs[j].loc, dirs[i].loc,
                                     gql_arena_printf(
                                         v->arena,
                                         "The directive \"@%s\" can only be used once at this location.",
                                         dirs[i].name));
                                break;
                        }
                walk_args(v, dirs[i].args, dirs[i].n_args, d ? d->args : NULL, d ? d->n_args : 0, d != NULL,
                          gql_arena_printf(v->arena, "directive \"@%s\"", dirs[i].name));
                if (d)
                        required_args(v, dirs[i].loc, dirs[i].args, dirs[i].n_args, d->args, d->n_args,
                                      "Directive", gql_arena_printf(v->arena, "@%s", d->name));
        }
}

static const char *resp_name(const struct gql_ast_selection *s)
{
        return s->alias ? s->alias : s->name;
}

/* ---- selections ------------------------------------------------------------------------------------------- */
static void walk_selset(struct validator *v, const struct gql_ast_selset *ss, const struct gql_type *parent);

static bool is_leaf(const struct gql_type *t)
{
        return t->kind == GQL_KIND_SCALAR || t->kind == GQL_KIND_ENUM;
}

static void walk_field(struct validator *v, const struct gql_ast_selection *s, const struct gql_type *parent)
{
        const struct gql_field *f =
            parent ? gql_type_field(v->schema, parent, s->name, v->introspection) : NULL;
        const struct gql_type *t = f ? f->type->named : NULL;

        if (parent && !f) {
                if (!v->introspection && parent == v->schema->query &&
                    (strcmp(s->name, "__schema") == 0 || strcmp(s->name, "__type") == 0))
                        ERR1(v, s->loc,
                             "GraphQL introspection has been disabled, but the requested query contained the "
                             "field \"%s\".",
                             s->name);
                else
                        ERR1(v, s->loc, "Cannot query field \"%s\" on type \"%s\".%s", s->name, parent->name,
                             suggest_field(v, parent, s->name));
        }
        walk_args(v, s->args, s->n_args, f ? f->args : NULL, f ? f->n_args : 0, f != NULL,
                  parent && s->n_args ? gql_arena_printf(v->arena, "field \"%s.%s\"", parent->name, s->name)
                                      : ""); /* only messages about arguments use it */
        if (f)
                required_args(v, s->loc, s->args, s->n_args, f->args, f->n_args, "Field", s->name);
        walk_directives(v, s->directives, s->n_directives, GQL_DL_FIELD);
        if (t && is_leaf(t) && s->selset)
                ERR1(v, s->selset->loc,
                     "Field \"%s\" must not have a selection since type \"%s\" has no subfields.", s->name,
                     gql_typeref_str(v->arena, f->type));
        else if (t && !is_leaf(t) && !s->selset)
                ERR1(v, s->loc,
                     "Field \"%s\" of type \"%s\" must have a selection of subfields. Did you mean \"%s { "
                     "... }\"?",
                     s->name, gql_typeref_str(v->arena, f->type), s->name);
        if (s->selset)
                walk_selset(v, s->selset, t && gql_type_is_composite(t) ? t : NULL);
}

/* Type condition checks shared by inline fragments and fragment definitions; returns the type if composite. */
static const struct gql_type *type_condition(struct validator *v, const char *name, struct gql_loc loc,
                                             const char *frag_name)
{
        const struct gql_type *t = gql_schema_type(v->schema, name);

        if (!t) {
                ERR1(v, loc, "Unknown type \"%s\".%s", name, suggest_types(v, name));
                return NULL;
        }
        if (!gql_type_is_composite(t)) {
                if (frag_name)
                        ERR1(v, loc, "Fragment \"%s\" cannot condition on non composite type \"%s\".",
                             frag_name, name);
                else
                        ERR1(v, loc, "Fragment cannot condition on non composite type \"%s\".", name);
                return NULL;
        }
        return t;
}

static void walk_spread(struct validator *v, const struct gql_ast_selection *s, const struct gql_type *parent)
{
        const struct gql_ast_definition *frag = gql_doc_fragment(v->doc, s->name);
        const struct gql_type *ft = frag ? gql_schema_type(v->schema, frag->type_cond) : NULL;

        gql_ptrvec_push(v->arena, &v->cur->spreads, (void *)s);
        if (!frag)
                ERR1(v, s->name_loc, "Unknown fragment \"%s\".", s->name);
        else if (parent && ft && gql_type_is_composite(ft) && !gql_type_overlap(parent, ft))
                ERR1(v, s->loc,
                     "Fragment \"%s\" cannot be spread here as objects of type \"%s\" can never be of type "
                     "\"%s\".",
                     s->name, parent->name, ft->name);
        walk_directives(v, s->directives, s->n_directives, GQL_DL_FRAGMENT_SPREAD);
}

static void walk_inline(struct validator *v, const struct gql_ast_selection *s, const struct gql_type *parent)
{
        const struct gql_type *t = parent;

        if (s->type_cond) {
                t = type_condition(v, s->type_cond, s->type_cond_loc, NULL);
                if (t && parent && !gql_type_overlap(parent, t))
                        ERR1(v, s->loc,
                             "Fragment cannot be spread here as objects of type \"%s\" can never be of type "
                             "\"%s\".",
                             parent->name, t->name);
        }
        walk_directives(v, s->directives, s->n_directives, GQL_DL_INLINE_FRAGMENT);
        walk_selset(v, s->selset, t);
}

static void walk_selset(struct validator *v, const struct gql_ast_selset *ss, const struct gql_type *parent)
{
        for (size_t i = 0; i < ss->n; i++) {
                const struct gql_ast_selection *s = ss->items[i];

                if (s->kind == GQL_SEL_FIELD)
                        walk_field(v, s, parent);
                else if (s->kind == GQL_SEL_SPREAD)
                        walk_spread(v, s, parent);
                else
                        walk_inline(v, s, parent);
        }
        gql_check_overlaps(v->arena, v->schema, v->doc, v->errs, ss, parent);
}

/* ---- operations and variables ---------------------------------------------------------------------------- */
static const struct gql_type *op_root(const struct validator *v, enum gql_op_type op)
{
        return op == GQL_OP_QUERY      ? v->schema->query
               : op == GQL_OP_MUTATION ? v->schema->mutation
                                       : v->schema->subscription;
}

/* UniqueVariableNames: one error per name defined more than once, listing every definition. */
static void report_duplicate_vars(struct validator *v, const struct gql_ast_definition *d)
{
        for (size_t i = 0; i < d->n_vardefs;) {
                const char *name = d->vardefs[d->var_sorted[i]].name;
                struct gql_loc locs[8];
                size_t j = i, nl = 0;

                for (; j < d->n_vardefs && strcmp(d->vardefs[d->var_sorted[j]].name, name) == 0; j++)
                        if (nl < ARRAY_SIZE(locs))
                                locs[nl++] = d->vardefs[d->var_sorted[j]].name_loc;
                if (j - i > 1)
                        gql_errors_add(v->errs, locs, nl, NULL,
                                       "There can be only one variable named \"$%s\".", name);
                i = j;
        }
}

static void walk_vardefs(struct validator *v, const struct gql_ast_definition *d)
{
        report_duplicate_vars(v, d);
        for (size_t i = 0; i < d->n_vardefs; i++) {
                const struct gql_ast_vardef *vd = &d->vardefs[i];
                const struct gql_type *named = gql_typeref_from_ast_named(v->schema, vd->type);
                const struct gql_typeref *t = NULL;
                if (!named) {
                        const struct gql_ast_type *at = vd->type;

                        while (at->kind != GQL_AT_NAMED)
                                at = at->of;
                        ERR1(v, at->loc, "Unknown type \"%s\".%s", at->name, suggest_types(v, at->name));
                } else {
                        t = gql_typeref_from_ast(v->arena, v->schema, vd->type);
                        if (!gql_type_is_input(t)) {
                                ERR1(v, vd->type->loc, "Variable \"$%s\" cannot be non-input type \"%s\".",
                                     vd->name, gql_typeref_str(v->arena, t));
                                t = NULL;
                        }
                }
                walk_directives(v, vd->directives, vd->n_directives, GQL_DL_VARIABLE_DEFINITION);
                if (vd->default_value)
                        walk_value(v, vd->default_value, t, false, true);
        }
}

static void walk_definition(struct validator *v, const struct gql_ast_definition *d)
{
        static const enum gql_directive_loc op_locs[] = { GQL_DL_QUERY, GQL_DL_MUTATION,
                                                          GQL_DL_SUBSCRIPTION };
        const struct gql_type *root;

        if (d->kind == GQL_DEF_FRAGMENT) {
                root = type_condition(v, d->type_cond, d->type_cond_loc, d->name);
                walk_directives(v, d->directives, d->n_directives, GQL_DL_FRAGMENT_DEFINITION);
                walk_selset(v, d->selset, root);
                return;
        }
        walk_vardefs(v, d);
        walk_directives(v, d->directives, d->n_directives, op_locs[d->op]);
        root = op_root(v, d->op);
        if (!root)
                ERR1(v, d->loc, "Schema is not configured for %ss.",
                     d->op == GQL_OP_MUTATION ? "mutation" : "subscription");
        walk_selset(v, d->selset, root);
}

/* Fragments reachable from definition d, each once, in discovery order (graphql-js order). */
static void reachable_fragments(struct validator *v, const struct gql_ast_definition *d,
                                struct gql_ptrvec *out)
{
        struct gql_ptrvec stack = { 0 };
        bool *seen = gql_arena_alloc(v->arena, v->doc->n + 1);

        gql_ptrvec_push(v->arena, &stack, (void *)d);
        while (stack.n) {
                const struct gql_ast_definition *x = stack.items[--stack.n];
                struct defrec *rec = &v->recs[def_index(v, x)];

                for (size_t i = 0; i < rec->spreads.n; i++) {
                        const struct gql_ast_selection *s = rec->spreads.items[i];
                        const struct gql_ast_definition *f = gql_doc_fragment(v->doc, s->name);

                        if (!f || seen[f->index])
                                continue;
                        seen[f->index] = true;
                        gql_ptrvec_push(v->arena, out, (void *)f);
                        gql_ptrvec_push(v->arena, &stack, (void *)f);
                }
        }
}

static bool subtype_input(const struct gql_typeref *sub, const struct gql_typeref *super)
{
        if (super->kind == GQL_KIND_NON_NULL)
                return sub->kind == GQL_KIND_NON_NULL && subtype_input(sub->of, super->of);
        if (sub->kind == GQL_KIND_NON_NULL)
                return subtype_input(sub->of, super);
        if (super->kind == GQL_KIND_LIST)
                return sub->kind == GQL_KIND_LIST && subtype_input(sub->of, super->of);
        if (sub->kind == GQL_KIND_LIST)
                return false;
        return sub->named == super->named;
}

static bool allowed_usage(const struct gql_ast_vardef *vd, const struct gql_typeref *vt,
                          const struct usage *u)
{
        if (u->type->kind == GQL_KIND_NON_NULL && vt->kind != GQL_KIND_NON_NULL) {
                bool var_default = vd->default_value && vd->default_value->kind != GQL_AV_NULL;

                if (!var_default && !u->has_default)
                        return false;
                return subtype_input(vt, u->type->of);
        }
        return subtype_input(vt, u->type);
}

static void check_usage(struct validator *v, const struct gql_ast_definition *op, const struct usage *u,
                        bool *used)
{
        int idx = gql_op_var_index(op, u->node->str);
        const struct gql_ast_vardef *vd;
        const struct gql_typeref *vt;

        if (idx < 0) {
                if (op->name)
                        err2(v, u->node->loc, op->loc,
                             gql_arena_printf(v->arena,
                                              "Variable \"$%s\" is not defined by operation \"%s\".",
                                              u->node->str, op->name));
                else
                        err2(v, u->node->loc, op->loc,
                             gql_arena_printf(v->arena, "Variable \"$%s\" is not defined.", u->node->str));
                return;
        }
        used[idx] = true; /* idx is the first definition of the name; see check_operation_vars */
        vd = &op->vardefs[idx];
        vt = gql_typeref_from_ast(v->arena, v->schema, vd->type);
        if (u->type && vt && gql_type_is_input(vt) && !allowed_usage(vd, vt, u))
                err2(v, vd->loc, u->node->loc,
                     gql_arena_printf(
                         v->arena, "Variable \"$%s\" of type \"%s\" used in position expecting type \"%s\".",
                         vd->name, gql_typeref_str(v->arena, vt), gql_typeref_str(v->arena, u->type)));
}

static void check_operation_vars(struct validator *v, const struct gql_ast_definition *op)
{
        struct gql_ptrvec frags = { 0 };
        bool *used = gql_arena_alloc(v->arena, op->n_vardefs + 1);

        reachable_fragments(v, op, &frags);
        for (size_t k = 0; k <= frags.n; k++) {
                const struct defrec *rec = &v->recs[def_index(v, k ? frags.items[k - 1] : op)];

                for (size_t i = 0; i < rec->usages.n; i++)
                        check_usage(v, op, rec->usages.items[i], used);
        }
        for (size_t i = 0; i < op->n_vardefs; i++) {
                if (used[gql_op_var_index(op, op->vardefs[i].name)])
                        continue;
                if (op->name)
                        ERR1(v, op->vardefs[i].loc, "Variable \"$%s\" is never used in operation \"%s\".",
                             op->vardefs[i].name, op->name);
                else
                        ERR1(v, op->vardefs[i].loc, "Variable \"$%s\" is never used.", op->vardefs[i].name);
        }
}

static void count_root_fields(struct validator *v, const struct gql_ast_selset *ss, struct gql_ptrvec *fields,
                              struct gql_ptrvec *visited)
{
        for (size_t i = 0; i < ss->n; i++) {
                const struct gql_ast_selection *s = ss->items[i];
                const struct gql_ast_definition *f;
                bool seen = false;

                if (s->kind == GQL_SEL_FIELD) {
                        for (size_t j = 0; j < fields->n && !seen; j++)
                                seen = strcmp(resp_name(fields->items[j]), resp_name(s)) == 0;
                        if (!seen)
                                gql_ptrvec_push(v->arena, fields, (void *)s);
                } else if (s->kind == GQL_SEL_INLINE)
                        count_root_fields(v, s->selset, fields, visited);
                else if ((f = gql_doc_fragment(v->doc, s->name))) {
                        for (size_t j = 0; j < visited->n && !seen; j++)
                                seen = visited->items[j] == f;
                        if (!seen) {
                                gql_ptrvec_push(v->arena, visited, (void *)f);
                                count_root_fields(v, f->selset, fields, visited);
                        }
                }
        }
}

static void check_subscription(struct validator *v, const struct gql_ast_definition *op)
{
        struct gql_ptrvec fields = { 0 }, visited = { 0 };
        const char *who =
            op->name ? gql_arena_printf(v->arena, "Subscription \"%s\"", op->name) : "Anonymous Subscription";

        count_root_fields(v, op->selset, &fields, &visited);
        if (fields.n > 1) {
                struct gql_loc *locs = gql_arena_alloc(v->arena, fields.n * sizeof(*locs));

                for (size_t i = 1; i < fields.n; i++)
                        locs[i - 1] = ((const struct gql_ast_selection *)fields.items[i])->loc;
                gql_errors_add(v->errs, locs, fields.n - 1, NULL, "%s must select only one top level field.",
                               who);
        }
        for (size_t i = 0; i < fields.n; i++) {
                const struct gql_ast_selection *s = fields.items[i];

                if (strncmp(s->name, "__", 2) == 0)
                        ERR1(v, s->loc, "%s must not select an introspection top level field.", who);
        }
}

/* ---- document-level rules ---------------------------------------------------------------------------------- */
static void check_names(struct validator *v)
{
        size_t n_ops = 0;

        for (size_t i = 0; i < v->doc->n; i++)
                n_ops += v->doc->defs[i]->kind == GQL_DEF_OPERATION;
        for (size_t i = 0; i < v->doc->n; i++) {
                const struct gql_ast_definition *d = v->doc->defs[i];

                if (d->kind == GQL_DEF_OPERATION && !d->name && n_ops > 1)
                        ERR1(v, d->loc, "This anonymous operation must be the only defined operation.");
                for (size_t j = 0; d->name && j < i; j++) {
                        const struct gql_ast_definition *e = v->doc->defs[j];

                        if (e->kind != d->kind || !e->name || strcmp(e->name, d->name))
                                continue;
                        err2(v, e->name_loc, d->name_loc,
                             gql_arena_printf(v->arena, "There can be only one %s named \"%s\".",
                                              d->kind == GQL_DEF_OPERATION ? "operation" : "fragment",
                                              d->name));
                        break;
                }
        }
}

static void check_unused_fragments(struct validator *v)
{
        struct gql_ptrvec used = { 0 };
        bool *seen = gql_arena_alloc(v->arena, v->doc->n + 1);

        for (size_t i = 0; i < v->doc->n; i++)
                if (v->doc->defs[i]->kind == GQL_DEF_OPERATION) {
                        used.n = 0;
                        reachable_fragments(v, v->doc->defs[i], &used);
                        for (size_t j = 0; j < used.n; j++)
                                seen[((const struct gql_ast_definition *)used.items[j])->index] = true;
                }
        for (size_t i = 0; i < v->doc->n; i++) {
                const struct gql_ast_definition *d = v->doc->defs[i];

                /* usage is by name: the lookup gives the first fragment of that name */
                if (d->kind == GQL_DEF_FRAGMENT && !seen[gql_doc_fragment(v->doc, d->name)->index])
                        ERR1(v, d->loc, "Fragment \"%s\" is never used.", d->name);
        }
}

/* graphql-js NoFragmentCycles: depth-first over spreads, reporting each back edge with its path. */
struct cycles {
        struct gql_ptrvec path; /* spread selections on the current path */
        bool *visited;          /* by definition index: finished or in progress */
        long *index_by_def;     /* path index where each definition starts, -1 if not on path */
};

static void detect_cycles(struct validator *v, struct cycles *c, const struct gql_ast_definition *frag)
{
        size_t di = def_index(v, frag);
        const struct defrec *rec = &v->recs[di];

        if (c->visited[di])
                return;
        c->visited[di] = true;
        if (!rec->spreads.n)
                return;
        c->index_by_def[di] = (long)c->path.n;
        for (size_t i = 0; i < rec->spreads.n; i++) {
                const struct gql_ast_selection *s = rec->spreads.items[i];
                const struct gql_ast_definition *f = gql_doc_fragment(v->doc, s->name);
                long ci = f ? c->index_by_def[def_index(v, f)] : -1;

                gql_ptrvec_push(v->arena, &c->path, (void *)s);
                if (ci < 0) {
                        if (f)
                                detect_cycles(v, c, f);
                } else {
                        struct rift_buf via = RIFT_BUF_INIT(64 * 1024);
                        size_t n = c->path.n - (size_t)ci;
                        struct gql_loc *locs = gql_arena_alloc(v->arena, n * sizeof(*locs));

                        gql_arena_track(v->arena, &via);
                        for (size_t k = (size_t)ci; k < c->path.n; k++) {
                                const struct gql_ast_selection *p = c->path.items[k];

                                locs[k - (size_t)ci] = p->loc;
                                if (k + 1 < c->path.n)
                                        rift_buf_printf(&via, "%s\"%s\"", k > (size_t)ci ? ", " : "",
                                                        p->name);
                        }
                        gql_errors_add(v->errs, locs, n, NULL,
                                       "Cannot spread fragment \"%s\" within itself%s%s.", s->name,
                                       via.len ? " via " : "", via.len ? via.data : "");
                        gql_arena_untrack(v->arena, &via);
                        rift_buf_free(&via);
                }
                c->path.n--;
        }
        c->index_by_def[di] = -1;
}

static void check_cycles(struct validator *v)
{
        struct cycles c = { .visited = gql_arena_alloc(v->arena, v->doc->n + 1),
                            .index_by_def = gql_arena_alloc(v->arena, (v->doc->n + 1) * sizeof(long)) };

        for (size_t i = 0; i < v->doc->n; i++)
                c.index_by_def[i] = -1;
        for (size_t i = 0; i < v->doc->n; i++)
                if (v->doc->defs[i]->kind == GQL_DEF_FRAGMENT)
                        detect_cycles(v, &c, v->doc->defs[i]);
}

size_t gql_validate(struct gql_arena *a, const struct gql_schema *s, const struct gql_ast_document *doc,
                    bool introspection, struct gql_errors *errs)
{
        struct validator v = {
                .arena = a, .schema = s, .doc = doc, .errs = errs, .introspection = introspection
        };
        size_t before = errs->list.n;

        v.recs = gql_arena_alloc(a, (doc->n + 1) * sizeof(*v.recs));
        check_names(&v);
        for (size_t i = 0; i < doc->n; i++) {
                v.cur = &v.recs[i];
                walk_definition(&v, doc->defs[i]);
        }
        for (size_t i = 0; i < doc->n; i++) {
                const struct gql_ast_definition *d = doc->defs[i];

                if (d->kind != GQL_DEF_OPERATION)
                        continue;
                check_operation_vars(&v, d);
                if (d->op == GQL_OP_SUBSCRIPTION)
                        check_subscription(&v, d);
        }
        check_cycles(
            &v); /* graphql-js reports cycles (definition enter) before unused fragments (document leave) */
        check_unused_fragments(&v);
        return errs->list.n - before;
}
