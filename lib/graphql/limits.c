/* Cost limits; see limits.h. The walk follows fragment spreads (never one already on the current
 * path, so cycles end) and stops at the first exceeded limit, so its own work is bounded too. */
#include <string.h>

#include "lib/error.h"
#include "lib/graphql/limits.h"
#include "lib/graphql/validate.h"

struct walk {
        const struct gql_schema *schema;    /* for list multipliers */
        const struct gql_ast_document *doc; /* fragments */
        const struct gql_limits *lim;       /* the caps */
        struct gql_arena *arena;            /* the fragment path */
        struct gql_ptrvec path;             /* fragments being expanded */
        size_t fields;                      /* fields seen */
        size_t work;                        /* fields + fragment expansions */
        unsigned long long complexity;      /* weighted fields */
        const char *error;                  /* first exceeded limit */
};

static int walk_selset(struct walk *w, const struct gql_ast_selset *ss, const struct gql_type *parent,
                       unsigned depth, unsigned long long mult);

static int walk_field(struct walk *w, const struct gql_ast_selection *s, const struct gql_type *parent,
                      unsigned depth, unsigned long long mult)
{
        const struct gql_field *f =
            parent && gql_type_is_composite(parent) ? gql_type_field(w->schema, parent, s->name, true) : NULL;
        const struct gql_typeref *t = f ? gql_typeref_nullable(f->type) : NULL;

        w->fields++;
        w->work++;
        w->complexity += mult;
        if (depth > w->lim->max_depth)
                w->error =
                    gql_arena_printf(w->arena, "Query depth exceeds the maximum of %u.", w->lim->max_depth);
        else if (w->fields > w->lim->max_fields)
                w->error =
                    gql_arena_printf(w->arena, "Query selects more than %u fields.", w->lim->max_fields);
        else if (w->complexity > w->lim->max_complexity)
                w->error = gql_arena_printf(w->arena, "Query complexity exceeds the maximum of %u.",
                                            w->lim->max_complexity);
        if (w->error)
                return RIFT_E_TOOBIG;
        if (!s->selset)
                return 0;
        if (t && t->kind == GQL_KIND_LIST && mult <= w->lim->max_complexity)
                mult *= GQL_LIST_FACTOR;
        return walk_selset(w, s->selset, f ? f->type->named : NULL, depth + 1, mult);
}

static int walk_spread(struct walk *w, const struct gql_ast_selection *s, unsigned depth,
                       unsigned long long mult)
{
        const struct gql_ast_definition *frag = gql_doc_fragment(w->doc, s->name);
        int r;

        if (!frag)
                return 0;
        for (size_t i = 0; i < w->path.n; i++)
                if (w->path.items[i] == frag)
                        return 0;
        if (++w->work > 4u * (size_t)w->lim->max_fields + 64) {
                w->error = "Query expands too many fragments.";
                return RIFT_E_TOOBIG;
        }
        gql_ptrvec_push(w->arena, &w->path, (void *)frag);
        r = walk_selset(w, frag->selset, gql_schema_type(w->schema, frag->type_cond), depth, mult);
        w->path.n--;
        return r;
}

static int walk_selset(struct walk *w, const struct gql_ast_selset *ss, const struct gql_type *parent,
                       unsigned depth, unsigned long long mult)
{
        int r = 0;

        for (size_t i = 0; i < ss->n && r >= 0; i++) {
                const struct gql_ast_selection *s = ss->items[i];

                if (s->kind == GQL_SEL_FIELD)
                        r = walk_field(w, s, parent, depth, mult);
                else if (s->kind == GQL_SEL_SPREAD)
                        r = walk_spread(w, s, depth, mult);
                else
                        r = walk_selset(w, s->selset,
                                        s->type_cond ? gql_schema_type(w->schema, s->type_cond) : parent,
                                        depth, mult);
        }
        return r;
}

int gql_limits_check(struct gql_arena *a, const struct gql_schema *s, const struct gql_ast_document *doc,
                     const struct gql_limits *lim, struct gql_errors *errs)
{
        for (size_t i = 0; i < doc->n; i++) {
                const struct gql_ast_definition *d = doc->defs[i];
                const struct gql_type *root = d->op == GQL_OP_QUERY      ? s->query
                                              : d->op == GQL_OP_MUTATION ? s->mutation
                                                                         : s->subscription;
                struct walk w = { .schema = s, .doc = doc, .lim = lim, .arena = a };

                if (d->kind != GQL_DEF_OPERATION)
                        continue;
                if (walk_selset(&w, d->selset, root, 1, 1) < 0) {
                        gql_errors_add(errs, &d->loc, 1, NULL, "%s", w.error);
                        return RIFT_E_TOOBIG;
                }
        }
        return 0;
}
