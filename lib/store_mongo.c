/* MongoDB backend of the document store (libmongoc). Documents cross as JSON text: cJSON prints,
 * bson_new_from_json parses; reads come back as relaxed extended JSON.
 *
 * Unique indexes are enforced here, not by the server (the test server has none, and a server-side
 * unique index would also count expired, unpurged documents): every unique index is described in
 * the collection "_rift_indexes", and every document holds one key document per unique index in
 * "_rift_unique" whose _id is a hash of (collection, index, values). Inserting that key is the
 * uniqueness check, because _id uniqueness is what every server enforces. A key whose owner is gone
 * or no longer has those values (left by a crash between steps) is taken over.
 *
 * Ids: the server's _id is an ObjectId derived from the store's string _id (a 96-bit BLAKE2b hash),
 * and the string itself is kept in the field "_rid"; filters and sorts on _id use _rid. Servers that
 * only accept ObjectId _ids (the congodb test server) and real MongoDB thus behave the same. */
#include <errno.h>
#include <string.h>

#include <mongoc/mongoc.h>
#include <sodium.h>

#include "lib/buf.h"
#include "lib/error.h"
#include "lib/log.h"
#include "lib/store_mongo.h"
#include "lib/str.h"

#define INDEXES_COLL        "_rift_indexes"
#define UNIQUE_COLL         "_rift_unique"
#define KEY_HEX             32u
#define SELECT_TIMEOUT_MS   5000
#define MAX_UNIQUE_PER_COLL 16u

struct mongo_store {
        struct rift_store base;   /* must be first */
        mongoc_client_t *client;  /* one connection pool-less client, one thread */
        char db[RIFT_MAX_ID + 1]; /* database name from the URI */
};

/* One unique index of a collection, as stored in _rift_indexes. */
struct unique_spec {
        char id[KEY_HEX + 1];                                               /* hash of (collection, fields) */
        char fields[RIFT_STORE_MAX_INDEX_FIELDS][RIFT_STORE_MAX_FIELD + 1]; /* indexed paths */
        size_t n_fields;                                                    /* used entries of fields */
};

struct unique_specs {
        struct unique_spec spec[MAX_UNIQUE_PER_COLL]; /* the collection's unique indexes */
        size_t n;                                     /* used entries */
};

DEFINE_CLEANUP_FUNC(cJSON, cJSON_Delete)
DEFINE_CLEANUP_FUNC(bson_t, bson_destroy)
DEFINE_CLEANUP_FUNC(mongoc_collection_t, mongoc_collection_destroy)
DEFINE_CLEANUP_FUNC(mongoc_cursor_t, mongoc_cursor_destroy)

static struct mongo_store *to_mongo(struct rift_store *s)
{
        return (struct mongo_store *)s;
}

static int map_error(const bson_error_t *e)
{
        log_debug("mongodb error", LOG_INT("domain", e->domain), LOG_INT("code", e->code),
                  LOG_STR("message", e->message));
        if (e->code == 11000 || e->code == 11001)
                return RIFT_E_EXISTS;
        if (e->domain == MONGOC_ERROR_SERVER_SELECTION || e->domain == MONGOC_ERROR_STREAM)
                return RIFT_E_UNAVAILABLE;
        if (e->code == 10334 || e->code == MONGOC_ERROR_BSON_INVALID)
                return RIFT_E_TOOBIG;
        return RIFT_E_STORE;
}

static mongoc_collection_t *coll_get(struct mongo_store *m, const char *name)
{
        return mongoc_client_get_collection(m->client, m->db, name);
}

/* cJSON -> new BSON document. */
static int to_bson(const cJSON *j, bson_t **ret)
{
        bson_error_t e;
        char *text = cJSON_PrintUnformatted(j);
        bson_t *b;

        if (!text)
                return -ENOMEM;
        b = bson_new_from_json((const uint8_t *)text, (ssize_t)strlen(text), &e);
        cJSON_free(text);
        if (!b)
                return RIFT_E_INVALID;
        *ret = b;
        return 0;
}

/* Renames a top-level "_id" key of a filter or sort object to "_rid" (see the file comment). */
static void rename_id(cJSON *obj)
{
        cJSON *id = cJSON_DetachItemFromObjectCaseSensitive(obj, "_id");

        if (id)
                cJSON_AddItemToObject(obj, "_rid", id);
}

/* A filter as the server sees it. */
static int filter_to_bson(const cJSON *f, bson_t **ret)
{
        _cleanup_(cJSON_Deletep) cJSON *copy = f ? cJSON_Duplicate(f, true) : cJSON_CreateObject();

        if (!copy)
                return -ENOMEM;
        rename_id(copy);
        return to_bson(copy, ret);
}

/* A document as the server stores it: {"_id": ObjectId(hash(id)), "_rid": id, ...}. */
static int doc_to_bson(const cJSON *doc, bson_t **ret)
{
        _cleanup_(cJSON_Deletep) cJSON *copy = cJSON_Duplicate(doc, true);
        const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "_id"));
        unsigned char h[12];
        char hex[sizeof(h) * 2 + 1];
        cJSON *oid;

        if (!copy || !id)
                return copy ? RIFT_E_INVALID : -ENOMEM;
        crypto_generichash(h, sizeof(h), (const unsigned char *)id, strlen(id), NULL, 0);
        sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
        rename_id(copy);
        oid = cJSON_CreateObject();
        if (!oid || !cJSON_AddStringToObject(oid, "$oid", hex)) {
                cJSON_Delete(oid);
                return -ENOMEM;
        }
        cJSON_AddItemToObject(copy, "_id", oid);
        return to_bson(copy, ret);
}

static int from_bson(const bson_t *b, cJSON **ret)
{
        size_t len;
        char *text = bson_as_relaxed_extended_json(b, &len);
        cJSON *j, *rid;

        if (!text)
                return RIFT_E_STORE;
        j = cJSON_ParseWithLength(text, len);
        bson_free(text);
        if (!j)
                return RIFT_E_STORE;
        cJSON_DeleteItemFromObjectCaseSensitive(j, "_id");
        rid = cJSON_DetachItemFromObjectCaseSensitive(j, "_rid");
        if (!cJSON_IsString(rid)) {
                cJSON_Delete(rid);
                cJSON_Delete(j);
                return RIFT_E_STORE;
        }
        cJSON_AddItemToObject(j, "_id", rid);
        *ret = j;
        return 0;
}

/* The server filter of a request: the user's filter ANDed with "not expired". */
static int filter_json(const struct rift_store_req *req, cJSON **ret)
{
        _cleanup_(cJSON_Deletep) cJSON *f = NULL;
        cJSON *and, *ttl, *not, *lte;

        f = req->filter_json ? cJSON_Duplicate(req->filter_json, true) : cJSON_CreateObject();
        if (!f)
                return -ENOMEM;
        rename_id(f);
        if (req->ttl_field) {
                and = cJSON_CreateArray();
                ttl = cJSON_CreateObject();
                not = cJSON_AddObjectToObject(ttl, req->ttl_field);
                lte = not ? cJSON_AddObjectToObject(not, "$not") : NULL;
                if (!and || !lte || !cJSON_AddNumberToObject(lte, "$lte", (double)req->now_ms)) {
                        cJSON_Delete(and);
                        cJSON_Delete(ttl);
                        return -ENOMEM;
                }
                cJSON_AddItemToArray(and, TAKE_PTR(f));
                cJSON_AddItemToArray(and, ttl);
                f = cJSON_CreateObject();
                if (!f) {
                        cJSON_Delete(and);
                        return -ENOMEM;
                }
                cJSON_AddItemToObject(f, "$and", and);
        }
        *ret = TAKE_PTR(f);
        return 0;
}

static int filter_bson(const struct rift_store_req *req, bson_t **ret)
{
        _cleanup_(cJSON_Deletep) cJSON *f = NULL;
        int r = filter_json(req, &f);

        return r < 0 ? r : to_bson(f, ret);
}

static int find_opts(const struct rift_store_req *req, bson_t *opts)
{
        bson_t sort;
        bool ok;

        ok = BSON_APPEND_DOCUMENT_BEGIN(opts, "sort", &sort);
        for (size_t i = 0; ok && i < req->n_sort; i++)
                ok = BSON_APPEND_INT32(&sort,
                                       strcmp(req->sort[i].field, "_id") == 0 ? "_rid" : req->sort[i].field,
                                       req->sort[i].desc ? -1 : 1);
        ok = ok && BSON_APPEND_INT32(&sort, "_rid", 1) && bson_append_document_end(opts, &sort);
        ok = ok && BSON_APPEND_INT64(opts, "skip", (int64_t)MIN(req->skip, (size_t)INT64_MAX));
        ok = ok && BSON_APPEND_INT64(opts, "limit", (int64_t)req->limit);
        return ok ? 0 : -ENOMEM;
}

static int cursor_collect(mongoc_cursor_t *cur, cJSON **ret_docs)
{
        _cleanup_(cJSON_Deletep) cJSON *docs = cJSON_CreateArray();
        const bson_t *b;
        bson_error_t e;
        cJSON *doc;
        int r;

        if (!docs)
                return -ENOMEM;
        while (mongoc_cursor_next(cur, &b)) {
                r = from_bson(b, &doc);
                if (r < 0)
                        return r;
                cJSON_AddItemToArray(docs, doc);
        }
        if (mongoc_cursor_error(cur, &e))
                return map_error(&e);
        *ret_docs = TAKE_PTR(docs);
        return 0;
}

static int mongo_find(struct rift_store *s, const struct rift_store_req *req, cJSON **ret_docs)
{
        struct mongo_store *m = to_mongo(s);
        _cleanup_(mongoc_collection_destroyp) mongoc_collection_t *c = NULL;
        _cleanup_(mongoc_cursor_destroyp) mongoc_cursor_t *cur = NULL;
        _cleanup_(bson_destroyp) bson_t *filter = NULL;
        bson_t opts = BSON_INITIALIZER;
        int r;

        r = filter_bson(req, &filter);
        if (r >= 0)
                r = find_opts(req, &opts);
        if (r < 0) {
                bson_destroy(&opts);
                return r;
        }
        c = coll_get(m, req->coll);
        cur = mongoc_collection_find_with_opts(c, filter, &opts, NULL);
        bson_destroy(&opts);
        return cursor_collect(cur, ret_docs);
}

static int mongo_count(struct rift_store *s, const struct rift_store_req *req, uint64_t *ret_count)
{
        struct mongo_store *m = to_mongo(s);
        _cleanup_(mongoc_collection_destroyp) mongoc_collection_t *c = NULL;
        _cleanup_(bson_destroyp) bson_t *filter = NULL;
        bson_error_t e;
        int64_t n;
        int r;

        r = filter_bson(req, &filter);
        if (r < 0)
                return r;
        c = coll_get(m, req->coll);
        n = mongoc_collection_count_documents(c, filter, NULL, NULL, NULL, &e);
        if (n < 0)
                return map_error(&e);
        *ret_count = (uint64_t)n;
        return 0;
}

/* Runs find on any collection with a cJSON filter (internal bookkeeping queries). */
static int raw_find(struct mongo_store *m, const char *coll, const cJSON *filter, size_t limit,
                    cJSON **ret_docs)
{
        const struct rift_store_filter none = { .n = 0 };
        const struct rift_store_req req = {
                .coll = coll, .filter_json = filter, .filter = &none, .limit = limit
        };

        return mongo_find(&m->base, &req, ret_docs);
}

static int raw_delete(struct mongo_store *m, const char *coll, const cJSON *filter, bool many,
                      uint64_t *ret_n)
{
        _cleanup_(mongoc_collection_destroyp) mongoc_collection_t *c = coll_get(m, coll);
        _cleanup_(bson_destroyp) bson_t *f = NULL;
        bson_t reply;
        bson_error_t e;
        bson_iter_t it;
        bool ok;
        int r;

        r = filter_to_bson(filter, &f);
        if (r < 0)
                return r;
        ok = many ? mongoc_collection_delete_many(c, f, NULL, &reply, &e)
                  : mongoc_collection_delete_one(c, f, NULL, &reply, &e);
        if (ok && ret_n)
                *ret_n =
                    bson_iter_init_find(&it, &reply, "deletedCount") ? (uint64_t)bson_iter_as_int64(&it) : 0;
        bson_destroy(&reply);
        return ok ? 0 : map_error(&e);
}

static int raw_insert(struct mongo_store *m, const char *coll, const cJSON *doc)
{
        _cleanup_(mongoc_collection_destroyp) mongoc_collection_t *c = coll_get(m, coll);
        _cleanup_(bson_destroyp) bson_t *b = NULL;
        bson_error_t e;
        int r;

        r = doc_to_bson(doc, &b);
        if (r < 0)
                return r;
        if (!mongoc_collection_insert_one(c, b, NULL, NULL, &e))
                return map_error(&e);
        return 0;
}

/* ---- unique keys ------------------------------------------------------------------------------- */

static void hash_hex(const char *const *parts, size_t n, char out[KEY_HEX + 1])
{
        crypto_generichash_state st;
        unsigned char h[KEY_HEX / 2];

        crypto_generichash_init(&st, NULL, 0, sizeof(h));
        for (size_t i = 0; i < n; i++)
                crypto_generichash_update(&st, (const unsigned char *)parts[i], strlen(parts[i]) + 1);
        crypto_generichash_final(&st, h, sizeof(h));
        sodium_bin2hex(out, KEY_HEX + 1, h, sizeof(h));
}

/* Follows a dotted path through objects only (indexed fields hold scalars). */
static const cJSON *path_get(const cJSON *doc, const char *field)
{
        char comp[RIFT_STORE_MAX_FIELD + 1];
        const char *p = field, *dot;

        while (doc && *p) {
                dot = strchrnul(p, '.');
                if ((size_t)(dot - p) >= sizeof(comp) || !cJSON_IsObject(doc))
                        return NULL;
                memcpy(comp, p, (size_t)(dot - p));
                comp[dot - p] = '\0';
                doc = cJSON_GetObjectItemCaseSensitive(doc, comp);
                p = *dot ? dot + 1 : dot;
        }
        return doc;
}

/* The key _id of doc for spec, or 0 with *ret_has = false when doc lacks a field (sparse). */
static int unique_key(const char *coll, const struct unique_spec *spec, const cJSON *doc, bool *ret_has,
                      char ret[KEY_HEX + 1])
{
        _cleanup_(cJSON_Deletep) cJSON *vals = cJSON_CreateArray();
        const cJSON *v;
        char *text;

        if (!vals)
                return -ENOMEM;
        for (size_t i = 0; i < spec->n_fields; i++) {
                v = path_get(doc, spec->fields[i]);
                if (!v) {
                        *ret_has = false;
                        return 0;
                }
                cJSON_AddItemToArray(vals, cJSON_Duplicate(v, true));
        }
        text = cJSON_PrintUnformatted(vals);
        if (!text)
                return -ENOMEM;
        hash_hex((const char *const[]){ coll, spec->id, text }, 3, ret);
        cJSON_free(text);
        *ret_has = true;
        return 0;
}

static int specs_load(struct mongo_store *m, const char *coll, struct unique_specs *ret)
{
        _cleanup_(cJSON_Deletep) cJSON *f = cJSON_CreateObject(), *docs = NULL;
        const cJSON *d, *fields, *fv;
        struct unique_spec *sp;
        int r;

        if (!f || !cJSON_AddStringToObject(f, "coll", coll))
                return -ENOMEM;
        r = raw_find(m, INDEXES_COLL, f, MAX_UNIQUE_PER_COLL, &docs);
        if (r < 0)
                return r;
        ret->n = 0;
        cJSON_ArrayForEach(d, docs)
        {
                sp = &ret->spec[ret->n];
                fields = cJSON_GetObjectItemCaseSensitive(d, "fields");
                if (rift_strlcpy(sp->id,
                                 cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(d, "spec")) ?: "",
                                 sizeof(sp->id)) < 0 ||
                    cJSON_GetArraySize(fields) < 1 ||
                    cJSON_GetArraySize(fields) > (int)RIFT_STORE_MAX_INDEX_FIELDS)
                        return RIFT_E_STORE;
                sp->n_fields = 0;
                cJSON_ArrayForEach(fv, fields)
                {
                        if (!cJSON_IsString(fv) || rift_strlcpy(sp->fields[sp->n_fields++], fv->valuestring,
                                                                RIFT_STORE_MAX_FIELD + 1) < 0)
                                return RIFT_E_STORE;
                }
                ret->n++;
        }
        return 0;
}

static cJSON *key_doc(const char *key, const char *coll, const char *spec_id, const char *owner)
{
        cJSON *k = cJSON_CreateObject();

        if (k && cJSON_AddStringToObject(k, "_id", key) && cJSON_AddStringToObject(k, "coll", coll) &&
            cJSON_AddStringToObject(k, "spec", spec_id) && cJSON_AddStringToObject(k, "owner", owner))
                return k;
        cJSON_Delete(k);
        return NULL;
}

static int key_delete(struct mongo_store *m, const char *key, const char *owner)
{
        _cleanup_(cJSON_Deletep) cJSON *f = cJSON_CreateObject();

        if (!f || !cJSON_AddStringToObject(f, "_id", key) || !cJSON_AddStringToObject(f, "owner", owner))
                return -ENOMEM;
        return raw_delete(m, UNIQUE_COLL, f, false, NULL);
}

/* True if the key's current holder no longer exists or no longer has the key's values. */
static bool key_stale(struct mongo_store *m, const char *coll, const struct unique_spec *spec,
                      const char *key, char *ret_owner, size_t owner_size)
{
        _cleanup_(cJSON_Deletep) cJSON *f = cJSON_CreateObject(), *docs = NULL, *of = NULL, *owners = NULL;
        const char *owner;
        char cur[KEY_HEX + 1];
        bool has = false;

        if (!f || !cJSON_AddStringToObject(f, "_id", key) || raw_find(m, UNIQUE_COLL, f, 1, &docs) < 0)
                return false;
        owner = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(docs, 0), "owner"));
        of = cJSON_CreateObject();
        if (!owner || !of || !cJSON_AddStringToObject(of, "_id", owner) ||
            raw_find(m, coll, of, 1, &owners) < 0)
                return false;
        rift_strlcpy(ret_owner, owner, owner_size);
        if (cJSON_GetArraySize(owners) == 0)
                return true;
        if (unique_key(coll, spec, cJSON_GetArrayItem(owners, 0), &has, cur) < 0)
                return false;
        return !has || strcmp(cur, key) != 0;
}

/* Claims key for owner: RIFT_E_EXISTS if a live document holds it. */
static int key_claim(struct mongo_store *m, const char *coll, const struct unique_spec *spec, const char *key,
                     const char *owner)
{
        _cleanup_(cJSON_Deletep) cJSON *k = key_doc(key, coll, spec->id, owner);
        char holder[RIFT_MAX_ID + 1];
        int r;

        if (!k)
                return -ENOMEM;
        r = raw_insert(m, UNIQUE_COLL, k);
        if (r != RIFT_E_EXISTS)
                return r;
        if (!key_stale(m, coll, spec, key, holder, sizeof(holder)))
                return RIFT_E_EXISTS;
        log_debug("store: taking over a stale unique key", LOG_STR("collection", coll));
        r = key_delete(m, key, holder);
        return r < 0 ? r : raw_insert(m, UNIQUE_COLL, k);
}

/* Keys of one document for every spec ("" where the document is not indexed). */
struct doc_keys {
        char key[MAX_UNIQUE_PER_COLL][KEY_HEX + 1]; /* per spec */
        bool claimed[MAX_UNIQUE_PER_COLL];          /* claimed by this operation (to roll back) */
};

static int keys_compute(const char *coll, const struct unique_specs *specs, const cJSON *doc,
                        struct doc_keys *ret)
{
        bool has;
        int r;

        for (size_t i = 0; i < specs->n; i++) {
                r = unique_key(coll, &specs->spec[i], doc, &has, ret->key[i]);
                if (r < 0)
                        return r;
                if (!has)
                        ret->key[i][0] = '\0';
                ret->claimed[i] = false;
        }
        return 0;
}

static void keys_release(struct mongo_store *m, const struct unique_specs *specs, const struct doc_keys *k,
                         const char *owner)
{
        for (size_t i = 0; i < specs->n; i++)
                if (k->claimed[i])
                        (void)key_delete(m, k->key[i], owner);
}

/* Claims the keys of nk that old (may be NULL) does not already hold; rolls back on failure. */
static int keys_claim(struct mongo_store *m, const char *coll, const struct unique_specs *specs,
                      struct doc_keys *nk, const struct doc_keys *old, const char *owner)
{
        int r;

        for (size_t i = 0; i < specs->n; i++) {
                if (!nk->key[i][0] || (old && strcmp(old->key[i], nk->key[i]) == 0))
                        continue;
                r = key_claim(m, coll, &specs->spec[i], nk->key[i], owner);
                if (r < 0) {
                        keys_release(m, specs, nk, owner);
                        return r;
                }
                nk->claimed[i] = true;
        }
        return 0;
}

/* ---- writes -------------------------------------------------------------------------------------- */

static int mongo_insert(struct rift_store *s, const char *coll, const cJSON *doc, const char *json)
{
        struct mongo_store *m = to_mongo(s);
        const char *id = cJSON_GetObjectItemCaseSensitive(doc, "_id")->valuestring;
        struct unique_specs specs;
        struct doc_keys keys;
        int r;

        r = specs_load(m, coll, &specs);
        if (r >= 0)
                r = keys_compute(coll, &specs, doc, &keys);
        if (r >= 0)
                r = keys_claim(m, coll, &specs, &keys, NULL, id);
        if (r < 0)
                return r;
        r = raw_insert(m, coll, doc);
        if (r < 0)
                keys_release(m, &specs, &keys, id);
        return r;
}

static int replace_one(struct mongo_store *m, const struct rift_store_req *req, const cJSON *doc,
                       bool *ret_matched)
{
        _cleanup_(mongoc_collection_destroyp) mongoc_collection_t *c = coll_get(m, req->coll);
        _cleanup_(bson_destroyp) bson_t *filter = NULL, *b = NULL;
        bson_t reply;
        bson_error_t e;
        bson_iter_t it;
        bool ok;
        int r;

        r = filter_bson(req, &filter);
        if (r >= 0)
                r = doc_to_bson(doc, &b);
        if (r < 0)
                return r;
        ok = mongoc_collection_replace_one(c, filter, b, NULL, &reply, &e);
        if (ok)
                *ret_matched =
                    bson_iter_init_find(&it, &reply, "matchedCount") && bson_iter_as_int64(&it) > 0;
        bson_destroy(&reply);
        return ok ? 0 : map_error(&e);
}

/* The request narrowed to {_id: id, _version: version}. */
static cJSON *version_filter(const char *id, int64_t version)
{
        cJSON *f = cJSON_CreateObject();

        if (f && cJSON_AddStringToObject(f, "_id", id) &&
            cJSON_AddNumberToObject(f, "_version", (double)version))
                return f;
        cJSON_Delete(f);
        return NULL;
}

static int mongo_replace(struct rift_store *s, const struct rift_store_req *req, const char *id,
                         int64_t version, const cJSON *doc, const char *json)
{
        struct mongo_store *m = to_mongo(s);
        _cleanup_(cJSON_Deletep) cJSON *vf = version_filter(id, version), *cur = NULL;
        struct rift_store_req vreq = *req;
        struct unique_specs specs;
        struct doc_keys old, nk;
        bool matched = false;
        int r;

        if (!vf)
                return -ENOMEM;
        vreq.filter_json = vf;
        vreq.limit = 1;
        r = specs_load(m, req->coll, &specs);
        if (r >= 0)
                r = mongo_find(s, &vreq, &cur);
        if (r < 0)
                return r;
        if (cJSON_GetArraySize(cur) == 0)
                return RIFT_E_NOTFOUND;
        r = keys_compute(req->coll, &specs, cJSON_GetArrayItem(cur, 0), &old);
        if (r >= 0)
                r = keys_compute(req->coll, &specs, doc, &nk);
        if (r >= 0)
                r = keys_claim(m, req->coll, &specs, &nk, &old, id);
        if (r < 0)
                return r;
        r = replace_one(m, &vreq, doc, &matched);
        if (r < 0 || !matched) {
                keys_release(m, &specs, &nk, id);
                return r < 0 ? r : RIFT_E_NOTFOUND;
        }
        for (size_t i = 0; i < specs.n; i++)
                if (old.key[i][0] && strcmp(old.key[i], nk.key[i]) != 0)
                        (void)key_delete(m, old.key[i], id);
        return 0;
}

/* Deletes the documents a request matches, and their unique keys. */
static int delete_docs(struct mongo_store *m, const struct rift_store_req *req, uint64_t *ret_deleted)
{
        _cleanup_(cJSON_Deletep) cJSON *docs = NULL, *kf = NULL;
        struct rift_store_req all = *req;
        struct unique_specs specs;
        cJSON *in, *ids;
        const cJSON *d;
        int r;

        r = specs_load(m, req->coll, &specs);
        if (r < 0)
                return r;
        if (specs.n == 0) {
                _cleanup_(cJSON_Deletep) cJSON *f = NULL;

                r = filter_json(req, &f);
                return r < 0 ? r : raw_delete(m, req->coll, f, true, ret_deleted);
        }
        all.limit = RIFT_STORE_MAX_RESULTS;
        r = mongo_find(&m->base, &all, &docs);
        if (r < 0)
                return r;
        kf = cJSON_CreateObject();
        in = cJSON_AddObjectToObject(kf, "_id");
        ids = in ? cJSON_AddArrayToObject(in, "$in") : NULL;
        if (!ids)
                return -ENOMEM;
        cJSON_ArrayForEach(d, docs)
            cJSON_AddItemToArray(ids, cJSON_Duplicate(cJSON_GetObjectItem(d, "_id"), true));
        r = raw_delete(m, req->coll, kf, true, ret_deleted);
        if (r < 0)
                return r;
        cJSON_DetachItemFromObject(kf, "_id");
        cJSON_AddItemToObject(kf, "owner", in);
        if (!cJSON_AddStringToObject(kf, "coll", req->coll))
                return -ENOMEM;
        return raw_delete(m, UNIQUE_COLL, kf, true, NULL);
}

static int mongo_delete_many(struct rift_store *s, const struct rift_store_req *req, uint64_t *ret_deleted)
{
        return delete_docs(to_mongo(s), req, ret_deleted);
}

static int mongo_purge(struct rift_store *s, const char *coll, const char *ttl_field, int64_t now_ms,
                       uint64_t *ret_purged)
{
        _cleanup_(cJSON_Deletep) cJSON *f = cJSON_CreateObject();
        const struct rift_store_filter none = { .n = 0 };
        struct rift_store_req req = { .coll = coll, .filter = &none, .filter_json = f };
        cJSON *cond;
        uint64_t n = 0;
        int r;

        cond = f ? cJSON_AddObjectToObject(f, ttl_field) : NULL;
        if (!cond || !cJSON_AddNumberToObject(cond, "$lte", (double)now_ms))
                return -ENOMEM;
        r = delete_docs(to_mongo(s), &req, &n);
        if (r >= 0 && ret_purged)
                *ret_purged = n;
        return r;
}

/* ---- indexes ------------------------------------------------------------------------------------- */

/* A server index (never unique: uniqueness is ours) named after its fields, for query speed. */
static int server_index(struct mongo_store *m, const char *coll, const char *const *fields, size_t n_fields)
{
        _cleanup_(mongoc_collection_destroyp) mongoc_collection_t *c = coll_get(m, coll);
        _cleanup_buf_ struct rift_buf name =
            RIFT_BUF_INIT(RIFT_STORE_MAX_FIELD * RIFT_STORE_MAX_INDEX_FIELDS * 2);
        bson_t cmd = BSON_INITIALIZER, arr, idx, keys;
        bson_error_t e;
        bool ok;
        int r = rift_buf_append_str(&name, "rift");

        for (size_t i = 0; r >= 0 && i < n_fields; i++)
                r = rift_buf_printf(&name, "_%s", fields[i]);
        if (r < 0)
                return r;
        ok = BSON_APPEND_UTF8(&cmd, "createIndexes", coll) &&
             BSON_APPEND_ARRAY_BEGIN(&cmd, "indexes", &arr) && BSON_APPEND_DOCUMENT_BEGIN(&arr, "0", &idx) &&
             BSON_APPEND_DOCUMENT_BEGIN(&idx, "key", &keys);
        for (size_t i = 0; ok && i < n_fields; i++)
                ok = BSON_APPEND_INT32(&keys, fields[i], 1);
        ok = ok && bson_append_document_end(&idx, &keys) && BSON_APPEND_UTF8(&idx, "name", name.data) &&
             bson_append_document_end(&arr, &idx) && bson_append_array_end(&cmd, &arr);
        ok = ok && mongoc_collection_write_command_with_opts(c, &cmd, NULL, NULL, &e);
        bson_destroy(&cmd);
        return ok ? 0 : map_error(&e);
}

static cJSON *spec_doc(const char *coll, const struct unique_spec *spec)
{
        cJSON *d = cJSON_CreateObject(), *f;

        f = d ? cJSON_AddArrayToObject(d, "fields") : NULL;
        if (!f || !cJSON_AddStringToObject(d, "_id", spec->id) || !cJSON_AddStringToObject(d, "coll", coll) ||
            !cJSON_AddStringToObject(d, "spec", spec->id)) {
                cJSON_Delete(d);
                return NULL;
        }
        for (size_t i = 0; i < spec->n_fields; i++)
                cJSON_AddItemToArray(f, cJSON_CreateString(spec->fields[i]));
        return d;
}

/* Claims the keys of every existing document for a new unique index. */
static int unique_backfill(struct mongo_store *m, const char *coll, const struct unique_spec *spec)
{
        _cleanup_(cJSON_Deletep) cJSON *docs = NULL;
        struct unique_specs one = { .n = 1 };
        struct doc_keys k;
        const cJSON *d;
        int r;

        one.spec[0] = *spec;
        r = raw_find(m, coll, NULL, RIFT_STORE_MAX_RESULTS, &docs);
        cJSON_ArrayForEach(d, docs)
        {
                const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(d, "_id"));

                if (r < 0)
                        break;
                r = id ? keys_compute(coll, &one, d, &k) : RIFT_E_STORE;
                if (r >= 0)
                        r = keys_claim(m, coll, &one, &k, NULL, id);
        }
        return r;
}

static int mongo_ensure_index(struct rift_store *s, const char *coll, const char *const *fields,
                              size_t n_fields, bool unique)
{
        struct mongo_store *m = to_mongo(s);
        _cleanup_(cJSON_Deletep) cJSON *sd = NULL, *kf = NULL;
        struct unique_specs specs;
        struct unique_spec spec = { .n_fields = n_fields };
        const char *parts[RIFT_STORE_MAX_INDEX_FIELDS + 1] = { coll };
        int r;

        r = server_index(m, coll, fields, n_fields);
        if (r < 0 || !unique)
                return r;
        for (size_t i = 0; i < n_fields; i++) {
                rift_strlcpy(spec.fields[i], fields[i], sizeof(spec.fields[i]));
                parts[i + 1] = fields[i];
        }
        hash_hex(parts, n_fields + 1, spec.id);
        r = specs_load(m, coll, &specs);
        if (r < 0)
                return r;
        for (size_t i = 0; i < specs.n; i++)
                if (strcmp(specs.spec[i].id, spec.id) == 0)
                        return 0;
        if (specs.n >= MAX_UNIQUE_PER_COLL)
                return RIFT_E_TOOBIG;
        sd = spec_doc(coll, &spec);
        kf = sd ? cJSON_CreateObject() : NULL;
        if (!kf || !cJSON_AddStringToObject(kf, "spec", spec.id))
                return -ENOMEM;
        r = unique_backfill(m, coll, &spec);
        if (r >= 0)
                r = raw_insert(m, INDEXES_COLL, sd);
        if (r < 0)
                (void)raw_delete(m, UNIQUE_COLL, kf, true, NULL);
        return r;
}

/* ---- open/close ---------------------------------------------------------------------------------- */

static int ping(struct mongo_store *m)
{
        bson_t cmd = BSON_INITIALIZER;
        bson_error_t e;
        bool ok;

        BSON_APPEND_INT32(&cmd, "ping", 1);
        ok = mongoc_client_command_simple(m->client, "admin", &cmd, NULL, NULL, &e);
        bson_destroy(&cmd);
        return ok ? 0 : map_error(&e) == RIFT_E_STORE ? RIFT_E_UNAVAILABLE : map_error(&e);
}

static int client_new(const char *uri_text, struct mongo_store *m)
{
        mongoc_uri_t *uri;
        bson_error_t e;
        const char *db;

        uri = mongoc_uri_new_with_error(uri_text, &e);
        if (!uri)
                return RIFT_E_INVALID;
        db = mongoc_uri_get_database(uri);
        if (!db || !*db || rift_strlcpy(m->db, db, sizeof(m->db)) < 0 || !rift_store_collection_valid(db)) {
                mongoc_uri_destroy(uri);
                return RIFT_E_INVALID;
        }
        if (!mongoc_uri_has_option(uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS))
                mongoc_uri_set_option_as_int32(uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS, SELECT_TIMEOUT_MS);
        m->client = mongoc_client_new_from_uri(uri);
        mongoc_uri_destroy(uri);
        if (!m->client)
                return RIFT_E_INVALID;
        mongoc_client_set_error_api(m->client, MONGOC_ERROR_API_VERSION_2);
        mongoc_client_set_appname(m->client, "rift");
        return 0;
}

static int mongo_open(const char *uri, struct rift_store **ret)
{
        struct mongo_store *m;
        int r;

        mongoc_init(); /* idempotent */
        m = calloc(1, sizeof(*m));
        if (!m)
                return -ENOMEM;
        r = client_new(uri, m);
        if (r >= 0)
                r = ping(m);
        if (r < 0) {
                if (m->client)
                        mongoc_client_destroy(m->client);
                free(m);
                return r;
        }
        *ret = &m->base;
        return 0;
}

static void mongo_close(struct rift_store *s)
{
        struct mongo_store *m = to_mongo(s);

        mongoc_client_destroy(m->client);
        free(m);
}

const struct rift_store_ops rift_store_mongo_ops = {
        .name = "mongodb",
        .scheme = "mongodb://",
        .open = mongo_open,
        .close = mongo_close,
        .insert = mongo_insert,
        .find = mongo_find,
        .count = mongo_count,
        .replace = mongo_replace,
        .delete_many = mongo_delete_many,
        .ensure_index = mongo_ensure_index,
        .purge = mongo_purge,
};
