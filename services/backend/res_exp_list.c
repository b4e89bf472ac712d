/* listExperiment with Litmus's filters and sort: experimentIDs, filter {experimentName (part of the name,
 * any case), infraID, infraName (part of the name, any case), infraActive, scheduleType (cron, non_cron,
 * all), status (phase of the latest run), dateRange (updatedAt, epoch ms)}, sort {field: NAME | TIME,
 * ascending} (default: TIME, newest first). Filters the store cannot express (parts of names, the latest
 * run) become a set of experiment or infrastructure ids first.
 *
 * Counting, filtering and sorting read "expidx.<projectID>", one small document per live experiment of
 * the project with only the fields a list filters or sorts on: the store matches filters in C on parsed
 * documents, the full experiments (manifest, spec, revisions) are one to two orders of magnitude larger,
 * and the plain list (by time or name) then needs no filter at all. Only the page's experiments are read
 * whole, by id. Every write of an experiment updates its entry (exp_index_put); a store without the copy
 * gets it built once at start (exp_index_rebuild). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/graphql/graphql.h"
#include "lib/store.h"
#include "lib/str.h"
#include "services/backend/backend.h"

static const char *str_of(const cJSON *o, const char *key)
{
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

        return cJSON_IsString(v) ? v->valuestring : "";
}

static const char *const index_keys[] = { "experimentID", "projectID", "name",     "updatedAt",
                                          "cronSyntax",   "infraID",   "isRemoved" };

/* The list copy of project's experiments: a collection per project, so that the plain list (every
 * experiment of the project, by time or name) needs no filter the store evaluates document by document. */
static int index_coll(const char *project, char ret[RIFT_MAX_ID + 1])
{
        int n = snprintf(ret, RIFT_MAX_ID + 1, "expidx.%s", project ? project : "");

        return n > 0 && n <= (int)RIFT_MAX_ID && project && project[0] && rift_store_collection_valid(ret)
                   ? 0
                   : RIFT_E_INVALID;
}

int exp_index_put(struct backend_ctx *b, const cJSON *exp)
{
        char coll[RIFT_MAX_ID + 1];
        cJSON *doc, *old = NULL;
        int r = index_coll(str_of(exp, "projectID"), coll);

        if (r < 0)
                return r;
        if (cJSON_IsTrue(cJSON_GetObjectItem(exp, "isRemoved"))) { /* deleted: out of the list */
                r = rift_store_delete(b->store, coll, str_of(exp, "experimentID"));
                return r == RIFT_E_NOTFOUND ? 0 : r;
        }
        if (!(doc = cJSON_CreateObject()))
                return -ENOMEM;
        cJSON_AddStringToObject(doc, "_id", str_of(exp, "experimentID"));
        for (size_t i = 0; i < ARRAY_SIZE(index_keys); i++) {
                const cJSON *v = cJSON_GetObjectItemCaseSensitive(exp, index_keys[i]);
                cJSON_AddItemToObject(doc, index_keys[i],
                                      v ? cJSON_Duplicate(v, true) : cJSON_CreateString(""));
        }
        for (int tries = 0; tries < 5; tries++) { /* insert, or replace whatever version is there */
                r = rift_store_insert(b->store, coll, doc, NULL);
                if (r != RIFT_E_EXISTS)
                        break;
                if ((r = rift_store_get(b->store, coll, str_of(doc, "_id"), &old)) == 0) {
                        cJSON_DeleteItemFromObject(doc, "_version");
                        cJSON_AddItemToObject(doc, "_version",
                                              cJSON_Duplicate(cJSON_GetObjectItem(old, "_version"), true));
                        cJSON_Delete(old);
                        old = NULL;
                        r = rift_store_update(b->store, coll, doc, NULL);
                }
                if (r != RIFT_E_CONFLICT && r != RIFT_E_NOTFOUND)
                        break;
        }
        cJSON_Delete(doc);
        return r;
}

/* Built once per store: a marker in "backend_meta" says the copy holds every experiment. */
int exp_index_rebuild(struct backend_ctx *b)
{
        cJSON *all = NULL, *e, *marker = NULL;
        struct rift_store_query q = { 0 };
        int r = rift_store_get(b->store, BC_META, EXP_INDEX_MARKER, &marker);

        cJSON_Delete(marker);
        if (r != RIFT_E_NOTFOUND)
                return r;
        if ((r = rift_store_find(b->store, BC_EXPS, &q, &all)) < 0)
                return r;
        cJSON_ArrayForEach(e, all) if ((r = exp_index_put(b, e)) < 0 && r != RIFT_E_INVALID) break;
        cJSON_Delete(all);
        if (r < 0 && r != RIFT_E_INVALID)
                return r;
        marker = cJSON_CreateObject();
        cJSON_AddStringToObject(marker, "_id", EXP_INDEX_MARKER);
        r = rift_store_insert(b->store, BC_META, marker, NULL);
        cJSON_Delete(marker);
        return r == RIFT_E_EXISTS ? 0 : r;
}

static bool contains_nocase(const char *hay, const char *needle)
{
        size_t n = strlen(needle);

        for (; *hay; hay++)
                if (!strncasecmp(hay, needle, n))
                        return true;
        return n == 0;
}

/* Narrows *ids (NULL = no restriction yet) to those also in next (consumed). */
static void intersect(cJSON **ids, cJSON *next)
{
        cJSON *e, *n;

        if (!*ids) {
                *ids = next;
                return;
        }
        for (e = (*ids)->child; e; e = n) {
                const cJSON *x;
                bool in = false;
                n = e->next;
                cJSON_ArrayForEach(x, next) in |= !strcmp(x->valuestring, e->valuestring);
                if (!in)
                        cJSON_Delete(cJSON_DetachItemViaPointer(*ids, e));
        }
        cJSON_Delete(next);
}

/* Values of key of the documents of coll matching filter that pass keep (NULL: all). */
static int collect(struct backend_ctx *b, const char *coll, const cJSON *filter, const char *key,
                   bool (*keep)(const cJSON *doc, const void *arg), const void *arg, cJSON **ret)
{
        struct rift_store_query q = { .filter = filter };
        cJSON *docs = NULL, *d, *out;
        int r = rift_store_find(b->store, coll, &q, &docs);

        if (r < 0)
                return r;
        out = cJSON_CreateArray();
        cJSON_ArrayForEach(d, docs) if (!keep || keep(d, arg))
        {
                if (cJSON_GetArraySize(out) >= (int)RIFT_STORE_MAX_IN)
                        break;
                cJSON_AddItemToArray(out, cJSON_CreateString(str_of(d, key)));
        }
        cJSON_Delete(docs);
        *ret = out;
        return 0;
}

static bool name_has(const cJSON *doc, const void *part)
{
        return contains_nocase(str_of(doc, "name"), part);
}

/* Experiments of project whose latest run (by createdAt) is in phase. */
static int latest_in_phase(struct backend_ctx *b, const char *project, const char *phase, cJSON **ret)
{
        static const struct rift_store_sort newest = { "createdAt", true };
        struct rift_store_query q = { .sort = &newest, .n_sort = 1 };
        cJSON *filter = cJSON_CreateObject(), *runs = NULL, *r0, *seen = cJSON_CreateObject(), *out;
        int r;

        cJSON_AddStringToObject(filter, "projectID", project);
        cJSON_AddBoolToObject(filter, "isRemoved", false);
        q.filter = filter;
        r = rift_store_find(b->store, BC_RUNS, &q, &runs);
        cJSON_Delete(filter);
        if (r < 0) {
                cJSON_Delete(seen);
                return r;
        }
        out = cJSON_CreateArray();
        cJSON_ArrayForEach(r0, runs)
        {
                const char *exp = str_of(r0, "experimentID");
                if (cJSON_GetObjectItemCaseSensitive(seen, exp))
                        continue;
                cJSON_AddTrueToObject(seen, exp);
                if (!strcmp(str_of(r0, "phase"), phase) && cJSON_GetArraySize(out) < (int)RIFT_STORE_MAX_IN)
                        cJSON_AddItemToArray(out, cJSON_CreateString(exp));
        }
        cJSON_Delete(runs);
        cJSON_Delete(seen);
        *ret = out;
        return 0;
}

/* The id and infrastructure restrictions of the filter, as $in lists. */
static int restrictions(struct gql_resolve_info *ri, const char *project, const struct gql_value *f,
                        cJSON *filter)
{
        struct gql_req *q = ri->ctx;
        const char *name = backend_field_str(f, "experimentName"), *iname = backend_field_str(f, "infraName");
        const char *status = backend_field_str(f, "status");
        const struct gql_value *active = gql_value_field(f, "infraActive");
        cJSON *ids = NULL, *infras = NULL, *sub, *base = cJSON_CreateObject();
        char coll[RIFT_MAX_ID + 1];
        int r = index_coll(project, coll);

        cJSON_AddStringToObject(base, "projectID", project);
        cJSON_AddBoolToObject(base, "isRemoved", false);
        if (r == 0 && name && name[0] &&
            (r = collect(q->b, coll, NULL, "experimentID", name_has, name, &sub)) == 0)
                intersect(&ids, sub);
        if (r == 0 && status && status[0] && strcmp(status, "All") &&
            (r = latest_in_phase(q->b, project, status, &sub)) == 0)
                intersect(&ids, sub);
        if (r == 0 && ((iname && iname[0]) || (active && active->kind == GQL_BOOLEAN))) {
                if (active && active->kind == GQL_BOOLEAN)
                        cJSON_AddBoolToObject(base, "isActive", active->b);
                r = collect(q->b, BC_INFRAS, base, "infraID", iname && iname[0] ? name_has : NULL, iname,
                            &infras);
        }
        cJSON_Delete(base);
        if (r < 0) {
                cJSON_Delete(ids);
                cJSON_Delete(infras);
                return gql_resolve_error(ri, "cannot read the store");
        }
        if (ids) {
                cJSON *in = cJSON_AddObjectToObject(filter, "_id");
                cJSON_AddItemToObject(in, "$in", ids);
        }
        if (infras)
                cJSON_AddItemToObject(cJSON_AddObjectToObject(filter, "infraID"), "$in", infras);
        return 0;
}

/* dateRange on updatedAt (decimal epoch ms of the same width, so strings compare as numbers). */
static int date_range(struct gql_resolve_info *ri, const struct gql_value *range, cJSON *filter)
{
        static const char *const keys[2][2] = { { "startDate", "$gte" }, { "endDate", "$lte" } };
        cJSON *cond = NULL;

        if (!range || range->kind != GQL_OBJECT)
                return 0;
        for (int i = 0; i < 2; i++) {
                const char *s = backend_field_str(range, keys[i][0]);
                int64_t v;
                char buf[24];
                if (!s)
                        continue;
                if (rift_parse_int64(s, 0, 9999999999999LL, &v) < 0)
                        return gql_resolve_error(
                            ri, "filter.dateRange: startDate and endDate are epoch milliseconds");
                snprintf(buf, sizeof(buf), "%013lld", (long long)v);
                if (!cond)
                        cond = cJSON_AddObjectToObject(filter, "updatedAt");
                cJSON_AddStringToObject(cond, keys[i][1], buf);
        }
        return 0;
}

static void add_infra(struct gql_req *q, cJSON *doc)
{
        const cJSON *id = cJSON_GetObjectItem(doc, "infraID");
        cJSON *infra = NULL;

        if (cJSON_IsString(id) && rift_store_get(q->b->store, BC_INFRAS, id->valuestring, &infra) == 0) {
                cJSON_DeleteItemFromObject(infra, "registrationKeyHash");
                cJSON_DeleteItemFromObject(infra, "accessKeyHash");
                cJSON_AddItemToObject(doc, "infra", infra);
        }
}

/* Replaces each index entry of out's page by the whole experiment (with its infrastructure). */
static void page_documents(struct gql_req *q, cJSON *page)
{
        cJSON *e, *next, *doc;

        for (e = page ? page->child : NULL; e; e = next) {
                next = e->next;
                doc = NULL;
                if (rift_store_get(q->b->store, BC_EXPS, str_of(e, "_id"), &doc) < 0) {
                        cJSON_Delete(cJSON_DetachItemViaPointer(page, e)); /* deleted meanwhile */
                        continue;
                }
                add_infra(q, doc);
                cJSON_ReplaceItemViaPointer(page, e, doc);
        }
}

int res_list_experiments(struct gql_resolve_info *ri, struct gql_value **ret)
{
        struct gql_req *q = ri->ctx;
        const struct gql_value *req = gql_arg(ri, "request"), *f = gql_value_field(req, "filter");
        const struct gql_value *sort = gql_value_field(req, "sort"),
                               *asc = gql_value_field(sort, "ascending");
        const char *project, *v, *field = backend_field_str(sort, "field");
        struct rift_store_sort so = { "updatedAt", true };
        char coll[RIFT_MAX_ID + 1];
        cJSON *filter, *out;
        int r = backend_authorize(ri, ROLE_VIEWER, &project);

        if (r < 0)
                return r;
        if (field && strcmp(field, "NAME") && strcmp(field, "TIME"))
                return gql_resolve_error(ri, "request.sort.field: NAME or TIME");
        v = backend_field_str(f, "scheduleType");
        if (v && strcmp(v, "cron") && strcmp(v, "non_cron") && strcmp(v, "all"))
                return gql_resolve_error(ri, "request.filter.scheduleType: cron, non_cron or all");
        if (index_coll(project, coll) < 0)
                return gql_resolve_error(ri, "projectID: not a valid project id");
        filter = backend_keep(q, cJSON_CreateObject()); /* the copy holds only this project's live ones */
        backend_filter_in(filter, "experimentID", gql_value_field(req, "experimentIDs"));
        if ((v = backend_field_str(f, "infraID")) && v[0])
                cJSON_AddStringToObject(filter, "infraID", v);
        if (rift_streq(backend_field_str(f, "scheduleType"), "cron"))
                cJSON_AddStringToObject(cJSON_AddObjectToObject(filter, "cronSyntax"), "$ne", "");
        else if (rift_streq(backend_field_str(f, "scheduleType"), "non_cron"))
                cJSON_AddStringToObject(filter, "cronSyntax", "");
        if ((r = date_range(ri, gql_value_field(f, "dateRange"), filter)) < 0 ||
            (r = restrictions(ri, project, f, filter)) < 0)
                return r;
        if (rift_streq(field, "NAME"))
                so.field = "name";
        so.desc = !(asc && asc->kind == GQL_BOOLEAN && asc->b);
        r = backend_list(ri, coll, filter, &so, gql_value_field(req, "pagination"), "totalNoOfExperiments",
                         "experiments", &out);
        if (r < 0)
                return r;
        page_documents(q, cJSON_GetObjectItem(out, "experiments"));
        *ret = gql_value_opaque(ri->arena, out, "ListExperimentResponse");
        return 0;
}
