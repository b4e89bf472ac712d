/* Test schema resolvers; semantics are the descriptions in tests/graphql/schema.graphql. Parents are
 * cJSON nodes of the fixture (or of objects built by createExperiment), except ExperimentPage. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "lib/buf.h"
#include "lib/graphql/errors.h"
#include "tests/graphql/testschema.h"

/* the tables below list leading members positionally and leave the rest zero */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

static cJSON *fixture; /* the loaded fixture */
static cJSON *scratch; /* objects created by the current request */

/* Fixture objects by id (experiments, faults, probes, users, runs), sorted for bsearch. */
struct by_id {
        const char *id;    /* the object's id */
        const cJSON *node; /* the object */
        const cJSON *list; /* the fixture list it is in (runs: the experiment's runs) */
};
static struct by_id *id_index;
static size_t n_id_index;

struct page {
        int64_t total;           /* totalCount */
        struct gql_value *items; /* the page's experiments */
};

static const cJSON *list_of(const char *name)
{
        return cJSON_GetObjectItemCaseSensitive(fixture, name);
}

static int cmp_id(const void *a, const void *b)
{
        return strcmp(((const struct by_id *)a)->id, ((const struct by_id *)b)->id);
}

static void index_list(const cJSON *list)
{
        const cJSON *e;

        cJSON_ArrayForEach(e, list)
        {
                const cJSON *id = cJSON_GetObjectItemCaseSensitive(e, "id");
                struct by_id *grown;

                if (!cJSON_IsString(id))
                        continue;
                grown = realloc(id_index, (n_id_index + 1) * sizeof(*id_index));
                if (!grown)
                        return;
                id_index = grown;
                id_index[n_id_index++] = (struct by_id){ id->valuestring, e, list };
                index_list(cJSON_GetObjectItemCaseSensitive(e, "runs"));
        }
}

static void build_index(void)
{
        static const char *const lists[] = { "experiments", "faults", "probes", "users" };

        for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
                index_list(cJSON_GetObjectItemCaseSensitive(fixture, lists[i]));
        qsort(id_index, n_id_index, sizeof(*id_index), cmp_id);
}

/* The object with this id in list (a fixture list, or an experiment's runs). */
static const cJSON *find_by_id(const cJSON *list, const char *id)
{
        struct by_id key = { .id = id };
        const struct by_id *hit;
        size_t lo, hi;

        if (!id || !id_index)
                return NULL;
        hit = bsearch(&key, id_index, n_id_index, sizeof(*id_index), cmp_id);
        if (!hit)
                return NULL;
        /* ids may repeat across lists: scan the equal run */
        lo = hi = (size_t)(hit - id_index);
        while (lo > 0 && strcmp(id_index[lo - 1].id, id) == 0)
                lo--;
        while (hi + 1 < n_id_index && strcmp(id_index[hi + 1].id, id) == 0)
                hi++;
        for (size_t i = lo; i <= hi; i++)
                if (id_index[i].list == list)
                        return id_index[i].node;
        return NULL;
}

static const char *str_arg(const struct gql_resolve_info *ri, const char *name)
{
        const struct gql_value *v = gql_arg(ri, name);

        return v && (v->kind == GQL_STRING || v->kind == GQL_ENUM) ? v->str.s : NULL;
}

static struct gql_value *from_json(struct gql_arena *a, const cJSON *j)
{
        struct gql_value *l;
        const cJSON *e;
        size_t n = 0;

        if (!j || cJSON_IsNull(j))
                return NULL;
        if (cJSON_IsString(j)) /* the fixture outlives every request */
                return gql_value_string_ref(a, j->valuestring, strlen(j->valuestring));
        if (cJSON_IsBool(j))
                return gql_value_bool(a, cJSON_IsTrue(j));
        if (cJSON_IsNumber(j))
                return j->valuedouble == floor(j->valuedouble) && fabs(j->valuedouble) < 9e15
                           ? gql_value_int(a, (int64_t)j->valuedouble)
                           : gql_value_float(a, j->valuedouble);
        if (cJSON_IsArray(j)) {
                cJSON_ArrayForEach(e, j) n++;
                l = gql_value_list(a, n);
                n = 0;
                cJSON_ArrayForEach(e, j) l->list.items[n++] = from_json(a, e);
                return l;
        }
        return gql_value_opaque(a, j, NULL);
}

/* Fixture members as engine values, converted once and kept while the fixture is loaded: the fair
 * counterpart of graphql-js's resolvers reading properties of plain JavaScript objects. Keyed by the
 * object and the name pointer (field names are the schema's, so one pointer per name). Objects built by
 * mutations (scratch) are not memoized: they go away after the request. */
struct memo {
        const cJSON *obj;        /* the fixture object, NULL for a free slot */
        const void *key;         /* the field name pointer (or a resolver's own key) */
        struct gql_value *value; /* converted in memo_arena; NULL for null */
};
static struct memo *memo;           /* open addressing, memo_cap a power of two */
static size_t memo_cap, memo_n;     /* slots, used slots */
static struct gql_arena memo_arena; /* lives as long as the fixture */

static size_t memo_slot(const cJSON *obj, const void *key)
{
        uint64_t h = ((uint64_t)(uintptr_t)obj * 0x9e3779b97f4a7c15u) ^ ((uint64_t)(uintptr_t)key >> 3);

        h *= 0xff51afd7ed558ccdu;
        return (size_t)(h >> 32) & (memo_cap - 1);
}

static inline struct memo *memo_find(const cJSON *obj, const void *key)
{
        size_t i;

        if (!memo)
                return NULL;
        for (i = memo_slot(obj, key); memo[i].obj; i = (i + 1) & (memo_cap - 1))
                if (memo[i].obj == obj && memo[i].key == key)
                        return &memo[i];
        return NULL;
}

static void memo_free(void)
{
        free(memo);
        memo = NULL;
        memo_cap = memo_n = 0;
        gql_arena_free(&memo_arena);
}

/* Remembers obj.key = value (only for fixture objects, i.e. while no request-made object exists). */
static void memo_put(const cJSON *obj, const void *key, struct gql_value *value)
{
        size_t i;

        if ((memo_n + 1) * 2 > memo_cap) {
                struct memo *old = memo;
                size_t old_cap = memo_cap, ncap = memo_cap ? memo_cap * 2 : 1024;
                struct memo *grown = calloc(ncap, sizeof(*grown));

                if (!grown)
                        return;
                memo = grown;
                memo_cap = ncap;
                for (size_t j = 0; j < old_cap; j++) {
                        if (!old[j].obj)
                                continue;
                        for (i = memo_slot(old[j].obj, old[j].key); memo[i].obj; i = (i + 1) & (ncap - 1))
                                ;
                        memo[i] = old[j];
                }
                free(old);
        }
        for (i = memo_slot(obj, key); memo[i].obj; i = (i + 1) & (memo_cap - 1))
                ;
        memo[i] = (struct memo){ obj, key, value };
        memo_n++;
}

static bool memo_allowed(void)
{
        return scratch && !scratch->child;
}

/* obj's member name as a value (in the request arena when it cannot be memoized). */
static struct gql_value *member(struct gql_arena *a, const cJSON *obj, const char *name)
{
        const struct memo *m = memo_find(obj, name);
        struct gql_value *v;

        if (m)
                return m->value;
        if (!memo_allowed())
                return from_json(a, cJSON_GetObjectItemCaseSensitive(obj, name));
        v = from_json(&memo_arena, cJSON_GetObjectItemCaseSensitive(obj, name));
        memo_put(obj, name, v);
        return v;
}

/* Generic: the parent's JSON member named like the field. */
static int r_prop(struct gql_resolve_info *ri, struct gql_value **ret)
{
        *ret = member(ri->arena, ri->parent, ri->field_name);
        return 0;
}

static int r_null(struct gql_resolve_info *ri, struct gql_value **ret)
{
        *ret = NULL;
        return 0;
}

static int r_broken(struct gql_resolve_info *ri, struct gql_value **ret)
{
        return gql_resolve_error(ri, "broken field");
}

static int r_always_fails(struct gql_resolve_info *ri, struct gql_value **ret)
{
        return gql_resolve_error(ri, "always fails");
}

static int r_title(struct gql_resolve_info *ri, struct gql_value **ret)
{
        *ret = member(ri->arena, ri->parent, "name");
        return 0;
}

static bool phase_matches(const cJSON *obj, const char *phase)
{
        const cJSON *p = phase ? cJSON_GetObjectItemCaseSensitive(obj, "phase") : NULL;

        return !phase || (cJSON_IsString(p) && strcmp(p->valuestring, phase) == 0);
}

static int r_runs(struct gql_resolve_info *ri, struct gql_value **ret)
{
        const struct gql_value *runs = member(ri->arena, ri->parent, "runs");
        const struct gql_value *first = gql_arg(ri, "first");
        const char *phase = str_arg(ri, "phase");
        int64_t limit = first && first->kind == GQL_INT ? first->i : INT64_MAX; /* null: all */
        size_t total = runs && runs->kind == GQL_LIST ? runs->list.n : 0;
        struct gql_value *l;
        size_t n = 0;

        if (limit < 0)
                return gql_resolve_error(ri, "first must be >= 0");
        l = gql_value_list(ri->arena, total);
        for (size_t i = 0; i < total && (int64_t)n < limit; i++) {
                struct gql_value *e = runs->list.items[i];

                if (e && e->kind == GQL_OPAQUE && phase_matches(e->opaque.ptr, phase))
                        l->list.items[n++] = e;
        }
        l->list.n = n;
        *ret = l;
        return 0;
}

static int exp_faults(struct gql_resolve_info *ri, struct gql_value **ret)
{
        const cJSON *inline_faults = cJSON_GetObjectItemCaseSensitive(ri->parent, "_faults");
        const cJSON *ids = cJSON_GetObjectItemCaseSensitive(ri->parent, "faultIds"), *e;
        struct gql_value *l;
        size_t n = 0;

        if (inline_faults) {
                l = gql_value_list(ri->arena, (size_t)cJSON_GetArraySize(inline_faults));
                cJSON_ArrayForEach(e, inline_faults) l->list.items[n++] =
                    gql_value_opaque(ri->arena, e, "Fault");
                *ret = l;
                return 0;
        }
        l = gql_value_list(ri->arena, (size_t)cJSON_GetArraySize(ids));
        cJSON_ArrayForEach(e, ids)
        {
                const cJSON *f = cJSON_IsString(e) ? find_by_id(list_of("faults"), e->valuestring) : NULL;

                if (f)
                        l->list.items[n++] = gql_value_opaque(ri->arena, f, "Fault");
        }
        l->list.n = n;
        *ret = l;
        return 0;
}

static int owner(struct gql_resolve_info *ri, struct gql_value **ret)
{
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(ri->parent, "ownerId");
        const cJSON *u = cJSON_IsString(id) ? find_by_id(list_of("users"), id->valuestring) : NULL;

        *ret = u ? gql_value_opaque(ri->arena, u, "User") : NULL;
        return 0;
}

/* A resolver without arguments whose answer depends only on the (fixture) parent, computed once. */
static int memoized(struct gql_resolve_info *ri, int (*fn)(struct gql_resolve_info *, struct gql_value **),
                    struct gql_value **ret)
{
        const struct memo *m = memo_find(ri->parent, (const void *)fn);
        struct gql_arena *request_arena = ri->arena;
        int r;

        if (m) {
                *ret = m->value;
                return 0;
        }
        if (!memo_allowed())
                return fn(ri, ret);
        ri->arena = &memo_arena;
        r = fn(ri, ret);
        ri->arena = request_arena;
        if (r >= 0)
                memo_put(ri->parent, (const void *)fn, *ret);
        return r;
}

static int r_exp_faults(struct gql_resolve_info *ri, struct gql_value **ret)
{
        return memoized(ri, exp_faults, ret);
}

static int r_owner(struct gql_resolve_info *ri, struct gql_value **ret)
{
        return memoized(ri, owner, ret);
}

static int r_user_experiments(struct gql_resolve_info *ri, struct gql_value **ret)
{
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(ri->parent, "id"), *e;
        const cJSON *exps = list_of("experiments");
        struct gql_value *l = gql_value_list(ri->arena, (size_t)cJSON_GetArraySize(exps));
        size_t n = 0;

        cJSON_ArrayForEach(e, exps)
        {
                const cJSON *o = cJSON_GetObjectItemCaseSensitive(e, "ownerId");

                if (cJSON_IsString(o) && cJSON_IsString(id) && strcmp(o->valuestring, id->valuestring) == 0)
                        l->list.items[n++] = gql_value_opaque(ri->arena, e, "Experiment");
        }
        l->list.n = n;
        *ret = l;
        return 0;
}

static int r_page_total(struct gql_resolve_info *ri, struct gql_value **ret)
{
        *ret = gql_value_int(ri->arena, ((const struct page *)ri->parent)->total);
        return 0;
}

static int r_page_items(struct gql_resolve_info *ri, struct gql_value **ret)
{
        *ret = ((const struct page *)ri->parent)->items;
        return 0;
}

/* ---- Query ---------------------------------------------------------------------------------------------- */
static int r_experiment(struct gql_resolve_info *ri, struct gql_value **ret)
{
        const cJSON *e = find_by_id(list_of("experiments"), str_arg(ri, "id"));

        *ret = e ? gql_value_opaque(ri->arena, e, "Experiment") : NULL;
        return 0;
}

static bool filter_matches(const cJSON *e, const struct gql_value *filter)
{
        const struct gql_value *nc = gql_value_field(filter, "nameContains");
        const struct gql_value *ph = gql_value_field(filter, "phases");
        const struct gql_value *ms = gql_value_field(filter, "minScore");
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(e, "name");
        const cJSON *score = cJSON_GetObjectItemCaseSensitive(e, "score");

        if (nc && nc->kind == GQL_STRING && !strstr(name->valuestring, nc->str.s))
                return false;
        if (ph && ph->kind == GQL_LIST) {
                bool any = false;

                for (size_t i = 0; i < ph->list.n && !any; i++)
                        any = phase_matches(e, ph->list.items[i]->str.s);
                if (!any)
                        return false;
        }
        if (ms && (ms->kind == GQL_FLOAT || ms->kind == GQL_INT)) {
                double min = ms->kind == GQL_FLOAT ? ms->f : (double)ms->i;

                if (!cJSON_IsNumber(score) || score->valuedouble < min)
                        return false;
        }
        return true;
}

/* JavaScript Array.prototype.slice index normalisation. */
static int64_t js_index(int64_t i, int64_t n)
{
        if (i < 0)
                return i + n < 0 ? 0 : i + n;
        return i > n ? n : i;
}

static int r_list_experiments(struct gql_resolve_info *ri, struct gql_value **ret)
{
        const struct gql_value *filter = gql_arg(ri, "filter"), *pag = gql_arg(ri, "pagination");
        const struct gql_value *pv = gql_value_field(pag, "page"), *lv = gql_value_field(pag, "limit");
        int64_t page = pv && pv->kind == GQL_INT ? pv->i : 0, limit = lv && lv->kind == GQL_INT ? lv->i : 15;
        const cJSON *exps = list_of("experiments"), *e;
        struct gql_value *matches = gql_value_list(ri->arena, (size_t)cJSON_GetArraySize(exps));
        struct page *p = gql_arena_alloc(ri->arena, sizeof(*p));
        int64_t start, end, n = 0;

        cJSON_ArrayForEach(e, exps) if (!filter || filter->kind != GQL_OBJECT || filter_matches(e, filter))
            matches->list.items[n++] = gql_value_opaque(ri->arena, e, "Experiment");
        start = js_index(page * limit, n);
        end = js_index(page * limit + limit, n);
        p->total = n;
        p->items = gql_value_list(ri->arena, end > start ? (size_t)(end - start) : 0);
        for (int64_t i = start; i < end; i++)
                p->items->list.items[i - start] = matches->list.items[i];
        *ret = gql_value_opaque(ri->arena, p, "ExperimentPage");
        return 0;
}

static int r_node(struct gql_resolve_info *ri, struct gql_value **ret)
{
        static const struct {
                const char *list, *type;
        } kinds[] = { { "experiments", "Experiment" },
                      { "faults", "Fault" },
                      { "probes", "Probe" },
                      { "users", "User" } };
        const char *id = str_arg(ri, "id");
        const cJSON *e, *r;

        *ret = NULL;
        for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
                if ((e = find_by_id(list_of(kinds[i].list), id))) {
                        *ret = gql_value_opaque(ri->arena, e, kinds[i].type);
                        return 0;
                }
        cJSON_ArrayForEach(
            e, list_of("experiments")) if ((r = find_by_id(cJSON_GetObjectItemCaseSensitive(e, "runs"), id)))
        {
                *ret = gql_value_opaque(ri->arena, r, "Run");
                return 0;
        }
        return 0;
}

static int r_search(struct gql_resolve_info *ri, struct gql_value **ret)
{
        const char *text = str_arg(ri, "text");
        const cJSON *faults = list_of("faults"), *probes = list_of("probes"), *e;
        struct gql_value *l =
            gql_value_list(ri->arena, (size_t)(cJSON_GetArraySize(faults) + cJSON_GetArraySize(probes)));
        size_t n = 0;

        cJSON_ArrayForEach(e,
                           faults) if (strstr(cJSON_GetObjectItemCaseSensitive(e, "name")->valuestring, text))
            l->list.items[n++] = gql_value_opaque(ri->arena, e, "Fault");
        cJSON_ArrayForEach(e,
                           probes) if (strstr(cJSON_GetObjectItemCaseSensitive(e, "name")->valuestring, text))
            l->list.items[n++] = gql_value_opaque(ri->arena, e, "Probe");
        l->list.n = n;
        *ret = l;
        return 0;
}

static int r_me(struct gql_resolve_info *ri, struct gql_value **ret)
{
        const cJSON *u = find_by_id(list_of("users"), "u1");

        *ret = u ? gql_value_opaque(ri->arena, u, "User") : NULL;
        return 0;
}

/* JSON.stringify of a coerced value. */
static void stringify(struct rift_buf *b, const struct gql_value *v)
{
        switch (v->kind) {
        case GQL_INT:
                rift_buf_printf(b, "%lld", (long long)v->i);
                break;
        case GQL_FLOAT:
                gql_json_write_double(b, v->f);
                break;
        case GQL_BOOLEAN:
                rift_buf_append_str(b, v->b ? "true" : "false");
                break;
        case GQL_STRING:
        case GQL_ENUM:
                gql_json_write_string(b, v->str.s, v->str.len);
                break;
        case GQL_LIST:
                rift_buf_append_char(b, '[');
                for (size_t i = 0; i < v->list.n; i++) {
                        if (i)
                                rift_buf_append_char(b, ',');
                        stringify(b, v->list.items[i]);
                }
                rift_buf_append_char(b, ']');
                break;
        case GQL_OBJECT:
                rift_buf_append_char(b, '{');
                for (size_t i = 0; i < v->obj.n; i++) {
                        if (i)
                                rift_buf_append_char(b, ',');
                        gql_json_write_string(b, v->obj.names[i], strlen(v->obj.names[i]));
                        rift_buf_append_char(b, ':');
                        stringify(b, v->obj.values[i]);
                }
                rift_buf_append_char(b, '}');
                break;
        default:
                rift_buf_append_str(b, "null");
        }
}

static int r_echo(struct gql_resolve_info *ri, struct gql_value **ret)
{
        static const char *const names[] = { "int",   "float", "string", "boolean", "id",
                                             "phase", "list",  "nested", "input" };
        struct rift_buf b = RIFT_BUF_INIT(1024 * 1024);
        bool first = true;

        gql_arena_track(ri->arena, &b);
        rift_buf_append_char(&b, '{');
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
                const struct gql_value *v = gql_arg(ri, names[i]);

                if (!v)
                        continue;
                rift_buf_printf(&b, "%s\"%s\":", first ? "" : ",", names[i]);
                stringify(&b, v);
                first = false;
        }
        rift_buf_append_char(&b, '}');
        *ret = gql_value_string(ri->arena, b.data ? b.data : "{}", b.len);
        gql_arena_untrack(ri->arena, &b);
        rift_buf_free(&b);
        return 0;
}

/* ---- Mutation ------------------------------------------------------------------------------------------- */
static cJSON *json_of(const struct gql_value *v)
{
        if (!v || v->kind == GQL_NULL)
                return cJSON_CreateNull();
        switch (v->kind) {
        case GQL_INT:
                return cJSON_CreateNumber((double)v->i);
        case GQL_FLOAT:
                return cJSON_CreateNumber(v->f);
        case GQL_STRING:
        case GQL_ENUM:
                return cJSON_CreateString(v->str.s);
        case GQL_BOOLEAN:
                return cJSON_CreateBool(v->b);
        default:
                return cJSON_CreateNull();
        }
}

static int r_create_experiment(struct gql_resolve_info *ri, struct gql_value **ret)
{
        const struct gql_value *in = gql_arg(ri, "input"), *faults = gql_value_field(in, "faults");
        const struct gql_value *name = gql_value_field(in, "name");
        cJSON *e = cJSON_CreateObject(), *fl = cJSON_CreateArray();
        char id[512];

        if (!e || !fl || !scratch) {
                cJSON_Delete(e);
                cJSON_Delete(fl);
                return gql_resolve_error(ri, "out of memory");
        }
        cJSON_AddItemToArray(scratch, e);
        cJSON_AddItemToObject(e, "_faults", fl);
        snprintf(id, sizeof(id), "new-%s", name->str.s);
        cJSON_AddStringToObject(e, "id", id);
        cJSON_AddItemToObject(e, "name", json_of(name));
        cJSON_AddItemToObject(e, "description", json_of(gql_value_field(in, "description")));
        cJSON_AddStringToObject(e, "phase", "QUEUED");
        cJSON_AddNullToObject(e, "score");
        cJSON_AddNullToObject(e, "ownerId");
        cJSON_AddItemToObject(e, "runs", cJSON_CreateArray());
        for (size_t i = 0; faults && faults->kind == GQL_LIST && i < faults->list.n; i++) {
                const struct gql_value *f = faults->list.items[i];
                cJSON *o = cJSON_CreateObject();

                if (!o)
                        break;
                cJSON_AddItemToArray(fl, o);
                snprintf(id, sizeof(id), "nf-%zu", i);
                cJSON_AddStringToObject(o, "id", id);
                cJSON_AddItemToObject(o, "name", json_of(gql_value_field(f, "name")));
                cJSON_AddItemToObject(o, "category", json_of(gql_value_field(f, "category")));
                cJSON_AddItemToObject(o, "durationSeconds", json_of(gql_value_field(f, "durationSeconds")));
                cJSON_AddItemToObject(o, "weight", json_of(gql_value_field(f, "weight")));
                cJSON_AddItemToObject(o, "tunables", cJSON_CreateArray());
                cJSON_AddNullToObject(o, "tags");
        }
        *ret = gql_value_opaque(ri->arena, e, "Experiment");
        return 0;
}

static int r_delete_experiment(struct gql_resolve_info *ri, struct gql_value **ret)
{
        *ret = gql_value_bool(ri->arena, find_by_id(list_of("experiments"), str_arg(ri, "id")) != NULL);
        return 0;
}

static int r_run_updates(struct gql_resolve_info *ri, struct gql_value **ret)
{
        const cJSON *e = find_by_id(list_of("experiments"), str_arg(ri, "experimentId"));
        const cJSON *runs = cJSON_GetObjectItemCaseSensitive(e, "runs");

        /* the source stream: here simply the experiment's runs, one event each */
        *ret = from_json(ri->arena, runs);
        return 0;
}

/* ---- tables --------------------------------------------------------------------------------------------- */
static const char *const node_named[] = { "Node", "Named", NULL };
static const char *const node_only[] = { "Node", NULL };
static const char *const target_members[] = { "Fault", "Probe", NULL };

static const struct gql_enum_value_def phase_values[] = {
        { "QUEUED" }, { "RUNNING" }, { "COMPLETED" }, { "STOPPED" }, { "ERROR" }, { NULL },
};
static const struct gql_enum_value_def category_values[] = {
        { "NETWORK" }, { "RESOURCE" }, { "PROCESS" }, { NULL }
};

static const struct gql_field_def node_fields[] = { { "id", "ID!" }, { NULL } };
static const struct gql_field_def named_fields[] = { { "name", "String!" }, { NULL } };

static const struct gql_field_def tunable_fields[] = {
        { "key", "String!", NULL, r_prop },
        { "value", "String", NULL, r_prop },
        { "required", "Boolean!", NULL, r_prop },
        { NULL },
};

static const struct gql_field_def fault_fields[] = {
        { "id", "ID!", NULL, r_prop },
        { "name", "String!", NULL, r_prop },
        { "category", "FaultCategory!", NULL, r_prop },
        { "durationSeconds", "Int!", NULL, r_prop },
        { "weight", "Float", NULL, r_prop },
        { "tunables", "[Tunable!]!", NULL, r_prop },
        { "tags", "[String]", NULL, r_prop },
        { NULL },
};

static const struct gql_field_def probe_fields[] = {
        { "id", "ID!", NULL, r_prop },
        { "name", "String!", NULL, r_prop },
        { "kind", "String!", NULL, r_prop },
        { "successPercent", "Float", NULL, r_prop },
        { NULL },
};

static const struct gql_field_def run_fields[] = {
        { "id", "ID!", NULL, r_prop },
        { "phase", "Phase!", NULL, r_prop },
        { "startedAt", "String", NULL, r_prop },
        { "number", "Int!", NULL, r_prop },
        { NULL },
};

static const struct gql_field_def user_fields[] = {
        { "id", "ID!", NULL, r_prop },
        { "name", "String!", NULL, r_prop },
        { "email", "String", NULL, r_prop },
        { "experiments", "[Experiment!]!", NULL, r_user_experiments,
          "experiments whose ownerId is this user's id, in fixture order" },
        { NULL },
};

static const struct gql_arg_def runs_args[] = { { "first", "Int", "10" }, { "phase", "Phase" }, { NULL } };

static const struct gql_field_def experiment_fields[] = {
        { "id", "ID!", NULL, r_prop },
        { "name", "String!", NULL, r_prop },
        { "description", "String", NULL, r_prop },
        { "phase", "Phase!", NULL, r_prop },
        { "score", "Float", NULL, r_prop },
        { "runs", "[Run!]!", runs_args, r_runs,
          "the experiment's runs in fixture order, filtered by phase if given, then the first `first` (first "
          "< 0 is "
          "an error: 'first must be >= 0')" },
        { "faults", "[Fault!]!", NULL, r_exp_faults,
          "the fixture faults whose ids are in faultIds, in faultIds order" },
        { "owner", "User", NULL, r_owner, "the user whose id is ownerId, or null" },
        { "brokenRequired", "String!", NULL, r_null, "resolver always returns null (null propagation test)" },
        { "brokenOptional", "String", NULL, r_broken, "resolver always raises the error 'broken field'" },
        { "title", "String", NULL, r_title, "deprecated alias of name", "use name" },
        { NULL },
};

static const struct gql_field_def page_fields[] = {
        { "totalCount", "Int!", NULL, r_page_total },
        { "items", "[Experiment!]!", NULL, r_page_items },
        { NULL },
};

static const struct gql_arg_def filter_fields[] = {
        { "nameContains", "String", NULL, "case-sensitive substring of name" },
        { "phases", "[Phase!]", NULL, "phase must be one of these (empty list matches nothing)" },
        { "minScore", "Float", NULL, "score >= minScore (experiments with null score never match)" },
        { NULL },
};
static const struct gql_arg_def pagination_fields[] = { { "page", "Int!", "0" },
                                                        { "limit", "Int", "15" },
                                                        { NULL } };
static const struct gql_arg_def new_fault_fields[] = {
        { "name", "String!" },
        { "category", "FaultCategory!" },
        { "durationSeconds", "Int", "30" },
        { "weight", "Float" },
        { NULL },
};
static const struct gql_arg_def new_experiment_fields[] = {
        { "name", "String!" },
        { "description", "String" },
        { "faults", "[NewFault!]!" },
        { "filter", "ExperimentFilter" },
        { NULL },
};

static const struct gql_arg_def id_arg[] = { { "id", "ID!" }, { NULL } };
static const struct gql_arg_def list_args[] = { { "filter", "ExperimentFilter" },
                                                { "pagination", "Pagination" },
                                                { NULL } };
static const struct gql_arg_def search_args[] = { { "text", "String!" }, { NULL } };
static const struct gql_arg_def echo_args[] = {
        { "int", "Int" },
        { "float", "Float" },
        { "string", "String" },
        { "boolean", "Boolean" },
        { "id", "ID" },
        { "phase", "Phase" },
        { "list", "[Int]" },
        { "nested", "[[String!]]" },
        { "input", "NewExperiment" },
        { NULL },
};

static const struct gql_field_def query_fields[] = {
        { "experiment", "Experiment", id_arg, r_experiment, "the fixture experiment with this id, or null" },
        { "listExperiments", "ExperimentPage!", list_args, r_list_experiments,
          "filter (all given conditions must hold), then page: items = matches[page*limit : "
          "page*limit+limit]; "
          "totalCount = number of matches; limit defaults to 15 when null" },
        { "node", "Node", id_arg, r_node,
          "any fixture object (experiment, fault, probe, run, user) with this id, or null" },
        { "search", "[Target!]!", search_args, r_search,
          "faults then probes (fixture order) whose name contains text" },
        { "me", "User", NULL, r_me, "the user with id 'u1'" },
        { "echo", "String", echo_args, r_echo,
          "returns JSON.stringify of an object holding the coerced arguments that were provided (explicit "
          "null "
          "included), keys in argument definition order, input object fields in definition order with "
          "defaults "
          "applied; the differential comparison parses this string as JSON" },
        { "failing", "String", NULL, r_always_fails, "resolver always raises the error 'always fails'" },
        { "nonNullFailing", "String!", NULL, r_always_fails,
          "resolver always raises the error 'always fails'" },
        { NULL },
};

static const struct gql_arg_def create_args[] = { { "input", "NewExperiment!" }, { NULL } };
static const struct gql_field_def mutation_fields[] = {
        { "createExperiment", "Experiment!", create_args, r_create_experiment,
          "returns a new experiment (not stored): id 'new-' + name, name, description, phase QUEUED, score "
          "null, "
          "runs [], faults built from input.faults with ids 'nf-' + index (0-based) and tunables [], tags "
          "null, "
          "owner null" },
        { "deleteExperiment", "Boolean!", id_arg, r_delete_experiment,
          "true if the fixture has an experiment with this id (nothing is deleted)" },
        { NULL },
};

static const struct gql_arg_def run_updates_args[] = { { "experimentId", "ID!" }, { NULL } };
static const struct gql_field_def subscription_fields[] = {
        { "runUpdates", "Run!", run_updates_args, r_run_updates,
          "parsed and validated only; execution of subscriptions is out of the differential test" },
        { NULL },
};

static const struct gql_type_def types[] = {
        { .kind = GQL_KIND_ENUM,
          .name = "Phase",
          .description = "Phase of an experiment or run.",
          .values = phase_values },
        { .kind = GQL_KIND_ENUM, .name = "FaultCategory", .values = category_values },
        { .kind = GQL_KIND_INTERFACE, .name = "Node", .fields = node_fields },
        { .kind = GQL_KIND_INTERFACE, .name = "Named", .fields = named_fields },
        { .kind = GQL_KIND_OBJECT, .name = "Tunable", .fields = tunable_fields },
        { .kind = GQL_KIND_OBJECT, .name = "Fault", .fields = fault_fields, .interfaces = node_named },
        { .kind = GQL_KIND_OBJECT, .name = "Probe", .fields = probe_fields, .interfaces = node_named },
        { .kind = GQL_KIND_UNION, .name = "Target", .members = target_members },
        { .kind = GQL_KIND_OBJECT, .name = "Run", .fields = run_fields, .interfaces = node_only },
        { .kind = GQL_KIND_OBJECT, .name = "User", .fields = user_fields, .interfaces = node_named },
        { .kind = GQL_KIND_OBJECT,
          .name = "Experiment",
          .fields = experiment_fields,
          .interfaces = node_named },
        { .kind = GQL_KIND_OBJECT, .name = "ExperimentPage", .fields = page_fields },
        { .kind = GQL_KIND_INPUT_OBJECT, .name = "ExperimentFilter", .input_fields = filter_fields },
        { .kind = GQL_KIND_INPUT_OBJECT, .name = "Pagination", .input_fields = pagination_fields },
        { .kind = GQL_KIND_INPUT_OBJECT, .name = "NewFault", .input_fields = new_fault_fields },
        { .kind = GQL_KIND_INPUT_OBJECT, .name = "NewExperiment", .input_fields = new_experiment_fields },
        { .kind = GQL_KIND_OBJECT, .name = "Query", .fields = query_fields },
        { .kind = GQL_KIND_OBJECT, .name = "Mutation", .fields = mutation_fields },
        { .kind = GQL_KIND_OBJECT, .name = "Subscription", .fields = subscription_fields },
        { .name = NULL },
};

static const struct gql_schema_def schema_def = {
        .types = types,
        .query = "Query",
        .mutation = "Mutation",
        .subscription = "Subscription",
};

const struct gql_schema_def *testschema_def(void)
{
        return &schema_def;
}

int testschema_load_text(const char *json)
{
        testschema_unload();
        fixture = cJSON_Parse(json);
        scratch = cJSON_CreateArray();
        if (!cJSON_IsObject(fixture) || !scratch) {
                testschema_unload();
                return -1;
        }
        build_index();
        gql_arena_init(&memo_arena, SIZE_MAX / 2);
        return 0;
}

int testschema_load(const char *path)
{
        FILE *f;
        char *text;
        long n;
        int r;

        if (!path)
                path = getenv("RIFT_GQL_FIXTURE");
        if (!path)
                path = "tests/graphql/fixture.json";
        f = fopen(path, "re");
        if (!f)
                return -1;
        if (fseek(f, 0, SEEK_END) < 0 || (n = ftell(f)) < 0 || n > 64L * 1024 * 1024 ||
            fseek(f, 0, SEEK_SET) < 0) {
                fclose(f);
                return -1;
        }
        text = malloc((size_t)n + 1);
        if (!text || fread(text, 1, (size_t)n, f) != (size_t)n) {
                free(text);
                fclose(f);
                return -1;
        }
        text[n] = '\0';
        fclose(f);
        r = testschema_load_text(text);
        free(text);
        return r;
}

void testschema_unload(void)
{
        memo_free();
        cJSON_Delete(fixture);
        cJSON_Delete(scratch);
        fixture = scratch = NULL;
        free(id_index);
        id_index = NULL;
        n_id_index = 0;
}

void testschema_request_done(void)
{
        while (scratch && cJSON_GetArraySize(scratch) > 0)
                cJSON_DeleteItemFromArray(scratch, 0);
}
