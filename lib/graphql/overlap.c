/* OverlappingFieldsCanBeMerged (spec 5.3.2): fields with one response name must be the same field with
 * the same arguments (unless their parents are different object types), return compatible types, and
 * have mergeable sub-selections. Follows graphql-js: pairs are compared within a selection set
 * (fragments expanded), conflicts inside one fragment are left to that fragment's own selection set,
 * and direct fields are named before fragment fields in messages. */
#include <string.h>

#include "lib/graphql/coerce.h"
#include "lib/graphql/overlap.h"
#include "lib/graphql/validate.h"

struct overlap {
        struct gql_arena *arena;            /* scratch */
        const struct gql_schema *schema;    /* types */
        const struct gql_ast_document *doc; /* fragments */
        struct gql_errors *errs;            /* output */
};

struct cfield {
        const struct gql_ast_selection *sel; /* the field */
        const struct gql_type *parent;       /* parent type, or NULL */
        const struct gql_field *def;         /* field definition, or NULL */
        const char *origin;                  /* top-level fragment spread it came through, or NULL */
};

static const char *resp_name(const struct gql_ast_selection *s)
{
        return s->alias ? s->alias : s->name;
}

static void collect_fields(struct overlap *v, const struct gql_ast_selset *ss, const struct gql_type *parent,
                           const char *origin, struct gql_ptrvec *out, struct gql_ptrvec *visited)
{
        for (size_t i = 0; i < ss->n; i++) {
                const struct gql_ast_selection *s = ss->items[i];
                const struct gql_type *t = parent;
                const struct gql_ast_definition *frag;
                struct cfield *f;
                bool seen = false;

                switch (s->kind) {
                case GQL_SEL_FIELD:
                        f = gql_arena_alloc(v->arena, sizeof(*f));
                        f->sel = s;
                        f->parent = parent;
                        f->def = parent && gql_type_is_composite(parent)
                                     ? gql_type_field(v->schema, parent, s->name, true)
                                     : NULL;
                        f->origin = origin;
                        gql_ptrvec_push(v->arena, out, f);
                        break;
                case GQL_SEL_INLINE:
                        if (s->type_cond)
                                t = gql_schema_type(v->schema, s->type_cond);
                        collect_fields(v, s->selset, t, origin, out, visited);
                        break;
                case GQL_SEL_SPREAD:
                        frag = gql_doc_fragment(v->doc, s->name);
                        for (size_t j = 0; j < visited->n && !seen; j++)
                                seen = visited->items[j] == frag;
                        if (!frag || seen)
                                break;
                        gql_ptrvec_push(v->arena, visited, (void *)frag);
                        collect_fields(v, frag->selset, gql_schema_type(v->schema, frag->type_cond),
                                       origin ? origin : frag->name, out, visited);
                        break;
                }
        }
}

/* A conflict: reason text and the field locations on each side. */
struct conflict {
        const char *resp;        /* response name */
        const char *reason;      /* leaf reason, or NULL when subs holds sub-conflicts */
        struct gql_ptrvec subs;  /* struct conflict * */
        struct gql_ptrvec locs1; /* struct gql_loc * */
        struct gql_ptrvec locs2;
};

static bool same_args(struct overlap *v, const struct gql_ast_selection *a, const struct gql_ast_selection *b)
{
        if (a->n_args != b->n_args)
                return false;
        for (size_t i = 0; i < a->n_args; i++) {
                const struct gql_ast_arg *m = NULL;

                for (size_t j = 0; j < b->n_args && !m; j++)
                        if (strcmp(a->args[i].name, b->args[j].name) == 0)
                                m = &b->args[j];
                if (!m || strcmp(gql_ast_value_str(v->arena, a->args[i].value),
                                 gql_ast_value_str(v->arena, m->value)))
                        return false;
        }
        return true;
}

static bool types_conflict(const struct gql_typeref *a, const struct gql_typeref *b)
{
        bool la = a->kind == GQL_KIND_LIST, lb = b->kind == GQL_KIND_LIST;
        bool na = a->kind == GQL_KIND_NON_NULL, nb = b->kind == GQL_KIND_NON_NULL;

        if (la || lb)
                return la && lb ? types_conflict(a->of, b->of) : true;
        if (na || nb)
                return na && nb ? types_conflict(a->of, b->of) : true;
        if (a->kind == GQL_KIND_SCALAR || a->kind == GQL_KIND_ENUM || b->kind == GQL_KIND_SCALAR ||
            b->kind == GQL_KIND_ENUM)
                return a->named != b->named;
        return false;
}

static struct conflict *find_conflict(struct overlap *v, const struct cfield *a, const struct cfield *b,
                                      bool exclusive);

static void conflicts_between(struct overlap *v, const struct gql_ast_selset *s1, const struct gql_type *t1,
                              const struct gql_ast_selset *s2, const struct gql_type *t2, bool exclusive,
                              struct gql_ptrvec *out)
{
        struct gql_ptrvec f1 = { 0 }, f2 = { 0 }, vis1 = { 0 }, vis2 = { 0 };

        collect_fields(v, s1, t1, NULL, &f1, &vis1);
        collect_fields(v, s2, t2, NULL, &f2, &vis2);
        for (size_t i = 0; i < f1.n; i++)
                for (size_t j = 0; j < f2.n; j++) {
                        const struct cfield *a = f1.items[i], *b = f2.items[j];
                        struct conflict *c;

                        if (strcmp(resp_name(a->sel), resp_name(b->sel)))
                                continue;
                        c = find_conflict(v, a, b, exclusive);
                        if (c)
                                gql_ptrvec_push(v->arena, out, c);
                }
}

static struct conflict *new_conflict(struct overlap *v, const struct cfield *a, const struct cfield *b,
                                     const char *reason)
{
        struct conflict *c = gql_arena_alloc(v->arena, sizeof(*c));

        c->resp = resp_name(a->sel);
        c->reason = reason;
        gql_ptrvec_push(v->arena, &c->locs1, (void *)&a->sel->loc);
        gql_ptrvec_push(v->arena, &c->locs2, (void *)&b->sel->loc);
        return c;
}

static struct conflict *find_conflict(struct overlap *v, const struct cfield *a, const struct cfield *b,
                                      bool exclusive)
{
        const struct gql_typeref *t1 = a->def ? a->def->type : NULL, *t2 = b->def ? b->def->type : NULL;
        struct gql_ptrvec subs = { 0 };
        struct conflict *c;

        exclusive = exclusive || (a->parent != b->parent && a->parent && b->parent &&
                                  a->parent->kind == GQL_KIND_OBJECT && b->parent->kind == GQL_KIND_OBJECT);
        if (!exclusive && strcmp(a->sel->name, b->sel->name))
                return new_conflict(v, a, b,
                                    gql_arena_printf(v->arena, "\"%s\" and \"%s\" are different fields",
                                                     a->sel->name, b->sel->name));
        if (!exclusive && !same_args(v, a->sel, b->sel))
                return new_conflict(v, a, b, "they have differing arguments");
        if (t1 && t2 && types_conflict(t1, t2))
                return new_conflict(
                    v, a, b,
                    gql_arena_printf(v->arena, "they return conflicting types \"%s\" and \"%s\"",
                                     gql_typeref_str(v->arena, t1), gql_typeref_str(v->arena, t2)));
        if (!a->sel->selset || !b->sel->selset)
                return NULL;
        conflicts_between(v, a->sel->selset, t1 ? t1->named : NULL, b->sel->selset, t2 ? t2->named : NULL,
                          exclusive, &subs);
        if (!subs.n)
                return NULL;
        c = new_conflict(v, a, b, NULL);
        c->subs = subs;
        for (size_t i = 0; i < subs.n; i++) {
                struct conflict *s = subs.items[i];

                for (size_t j = 0; j < s->locs1.n; j++)
                        gql_ptrvec_push(v->arena, &c->locs1, s->locs1.items[j]);
                for (size_t j = 0; j < s->locs2.n; j++)
                        gql_ptrvec_push(v->arena, &c->locs2, s->locs2.items[j]);
        }
        return c;
}

static void reason_text(struct rift_buf *b, const struct conflict *c)
{
        if (c->reason) {
                rift_buf_append_str(b, c->reason);
                return;
        }
        for (size_t i = 0; i < c->subs.n; i++) {
                const struct conflict *s = c->subs.items[i];

                rift_buf_printf(b, "%ssubfields \"%s\" conflict because ", i ? " and " : "", s->resp);
                reason_text(b, s);
        }
}

static void report_conflict(struct overlap *v, const struct conflict *c)
{
        struct rift_buf b = RIFT_BUF_INIT(64 * 1024);
        size_t n = c->locs1.n + c->locs2.n, k = 0;
        struct gql_loc *locs = gql_arena_alloc(v->arena, n * sizeof(*locs));

        gql_arena_track(v->arena, &b);
        for (size_t i = 0; i < c->locs1.n; i++)
                locs[k++] = *(struct gql_loc *)c->locs1.items[i];
        for (size_t i = 0; i < c->locs2.n; i++)
                locs[k++] = *(struct gql_loc *)c->locs2.items[i];
        reason_text(&b, c);
        gql_errors_add(v->errs, locs, n, NULL,
                       "Fields \"%s\" conflict because %s. Use different aliases on the fields to fetch both "
                       "if this was "
                       "intentional.",
                       c->resp, b.data ? b.data : "");
        gql_arena_untrack(v->arena, &b);
        rift_buf_free(&b);
}

static void check_overlaps_in(struct overlap *v, const struct gql_ast_selset *ss,
                              const struct gql_type *parent)
{
        struct gql_ptrvec fields = { 0 }, visited = { 0 };

        collect_fields(v, ss, parent, NULL, &fields, &visited);
        for (size_t i = 0; i < fields.n; i++)
                for (size_t j = i + 1; j < fields.n; j++) {
                        const struct cfield *a = fields.items[i], *b = fields.items[j];
                        struct conflict *c;

                        if (strcmp(resp_name(a->sel), resp_name(b->sel)))
                                continue;
                        if (a->origin && b->origin && strcmp(a->origin, b->origin) == 0)
                                continue;              /* checked where that fragment is defined */
                        if (a->origin && !b->origin) { /* graphql-js compares direct fields first */
                                const struct cfield *t = a;

                                a = b;
                                b = t;
                        }
                        c = find_conflict(v, a, b, false);
                        if (c)
                                report_conflict(v, c);
                }
}

void gql_check_overlaps(struct gql_arena *a, const struct gql_schema *s, const struct gql_ast_document *doc,
                        struct gql_errors *errs, const struct gql_ast_selset *ss,
                        const struct gql_type *parent)
{
        struct overlap v = { .arena = a, .schema = s, .doc = doc, .errs = errs };

        check_overlaps_in(&v, ss, parent);
}
