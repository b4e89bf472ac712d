/* The document store front end: checks names, filters and documents, keeps TTL settings, and
 * dispatches to the backend chosen by the URI scheme (lib/store_sqlite.c, lib/store_mongo.c). */
#include <dlfcn.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

#include <sodium.h>

#include "lib/buf.h"
#include "lib/error.h"
#include "lib/limits_rift.h"
#include "lib/log.h"
#include "lib/clock.h"
#include "lib/store.h"
#include "lib/store_impl.h"
#include "lib/store_sqlite.h"
#include "lib/str.h"

/* The MongoDB backend is a plugin (rift-store-mongo.so, built from lib/store_mongo.c) loaded only
 * for mongodb:// URIs: libmongoc and its dependencies cost about 10 MB of RSS in every process that
 * links them, while most deployments use the embedded SQLite store. */
#define MONGO_SCHEME "mongodb://"
#define MONGO_PLUGIN "rift-store-mongo.so"

static const struct rift_store_ops *const backends[] = {
        &rift_store_sqlite_ops,
};

/* librift functions the plugin calls: referencing them here keeps them in every program that uses
 * the store, and the Makefile exports rift_* symbols so the plugin binds to the program's copy. */
__attribute__((used)) static const void *const plugin_abi[] = {
        (const void *)rift_buf_printf, (const void *)rift_buf_append_str, (const void *)rift_buf_free,
        (const void *)rift_strlcpy,    (const void *)rift_log_emit,       (const void *)rift_log_enabled,
};

/* Finds the plugin: $RIFT_STORE_MONGO_PLUGIN, then ../lib/ beside the running binary, then the
 * dynamic linker's search path. */
static const struct rift_store_ops *mongo_plugin_load(void)
{
        static const struct rift_store_ops *ops;
        char exe[PATH_MAX], path[PATH_MAX + 32];
        const char *env = getenv("RIFT_STORE_MONGO_PLUGIN");
        void *h = NULL;
        ssize_t n;

        if (ops)
                return ops;
        if (env && *env)
                h = dlopen(env, RTLD_NOW | RTLD_LOCAL);
        n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
        if (!h && n > 0) {
                exe[n] = '\0';
                snprintf(path, sizeof(path), "%s/../lib/" MONGO_PLUGIN, dirname(exe));
                h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
        }
        if (!h)
                h = dlopen(MONGO_PLUGIN, RTLD_NOW | RTLD_LOCAL);
        if (!h) {
                log_debug("store: cannot load the MongoDB plugin", LOG_STR("reason", dlerror()));
                return NULL;
        }
        ops = dlsym(h, "rift_store_mongo_ops");
        return ops;
}

static const struct rift_store_ops *backend_for(const char *uri)
{
        for (size_t i = 0; i < ARRAY_SIZE(backends); i++)
                if (strncmp(uri, backends[i]->scheme, strlen(backends[i]->scheme)) == 0)
                        return backends[i];
        if (strncmp(uri, MONGO_SCHEME, strlen(MONGO_SCHEME)) == 0)
                return mongo_plugin_load();
        return NULL;
}

DEFINE_CLEANUP_FUNC(cJSON, cJSON_Delete)

int rift_store_open(const char *uri, struct rift_store **ret)
{
        struct rift_store *s = NULL;
        int r;

        const struct rift_store_ops *ops;

        if (!uri)
                return RIFT_E_INVALID;
        ops = backend_for(uri);
        if (!ops)
                return strncmp(uri, MONGO_SCHEME, strlen(MONGO_SCHEME)) == 0 ? RIFT_E_UNSUPPORTED
                                                                             : RIFT_E_INVALID;
        r = ops->open(uri, &s);
        if (r < 0) {
                log_debug("store open failed", LOG_STR("backend", ops->name), LOG_ERR(r));
                return r;
        }
        s->ops = ops;
        s->n_ttl = 0;
        *ret = s;
        return 0;
}

void rift_store_close(struct rift_store *s)
{
        if (s)
                s->ops->close(s);
}

const char *rift_store_backend(const struct rift_store *s)
{
        return s->ops->name;
}

void rift_store_new_id(char ret[RIFT_STORE_ID_LEN + 1])
{
        unsigned char raw[RIFT_STORE_ID_LEN / 2];

        randombytes_buf(raw, sizeof(raw));
        sodium_bin2hex(ret, RIFT_STORE_ID_LEN + 1, raw, sizeof(raw));
}

static bool name_char(char c, bool dot)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
               c == '-' || (dot && c == '.');
}

bool rift_store_collection_valid(const char *name)
{
        size_t len;

        if (!name || !name_char(name[0], false) || name[0] == '_' || name[0] == '-')
                return false;
        len = strlen(name);
        if (len > RIFT_MAX_ID)
                return false;
        for (size_t i = 0; i < len; i++)
                if (!name_char(name[i], true))
                        return false;
        return true;
}

/* Dotted path of non-empty components of [A-Za-z0-9_-], none of them all digits, not "_rid". */
bool rift_store_field_valid(const char *field)
{
        size_t len, comp = 0;
        bool digits = true;

        if (!field || strcmp(field, "_rid") == 0 || rift_startswith(field, "_rid."))
                return false; /* reserved by the MongoDB backend */
        len = strlen(field);
        if (len == 0 || len > RIFT_STORE_MAX_FIELD)
                return false;
        for (size_t i = 0; i <= len; i++) {
                if (field[i] == '.' || field[i] == '\0') {
                        if (comp == 0 || digits)
                                return false;
                        comp = 0;
                        digits = true;
                        continue;
                }
                if (!name_char(field[i], false))
                        return false;
                digits = digits && field[i] >= '0' && field[i] <= '9';
                comp++;
        }
        return true;
}

static struct rift_store_ttl *ttl_find(struct rift_store *s, const char *coll)
{
        for (size_t i = 0; i < s->n_ttl; i++)
                if (strcmp(s->ttl[i].coll, coll) == 0)
                        return &s->ttl[i];
        return NULL;
}

/* Fills the parts of a request every call needs. */
static int req_init(struct rift_store *s, const char *coll, const cJSON *filter, struct rift_store_filter *f,
                    struct rift_store_req *ret)
{
        struct rift_store_ttl *t;
        int r;

        if (!rift_store_collection_valid(coll))
                return RIFT_E_INVALID;
        r = rift_store_filter_parse(filter, f);
        if (r < 0)
                return r;
        t = ttl_find(s, coll);
        *ret = (struct rift_store_req){
                .coll = coll,
                .filter_json = filter,
                .filter = f,
                .ttl_field = t ? t->field : NULL,
                .now_ms = rift_now_ms(),
                .limit = RIFT_STORE_MAX_RESULTS,
        };
        return 0;
}

/* Purges expired documents when the collection has a TTL and the last purge is old enough. */
static void maybe_purge(struct rift_store *s, const char *coll)
{
        struct rift_store_ttl *t = ttl_find(s, coll);
        int64_t now = rift_now_ms();
        int r;

        if (!t || now - t->last_purge_ms < RIFT_STORE_PURGE_INTERVAL_MS)
                return;
        t->last_purge_ms = now;
        r = s->ops->purge(s, coll, t->field, now, NULL);
        if (r < 0)
                log_debug("store purge failed", LOG_STR("collection", coll), LOG_ERR(r));
}

int rift_store_purge_expired(struct rift_store *s, const char *coll, uint64_t *ret_purged)
{
        struct rift_store_ttl *t;
        uint64_t n = 0;
        int r;

        if (!rift_store_collection_valid(coll))
                return RIFT_E_INVALID;
        t = ttl_find(s, coll);
        if (t) {
                t->last_purge_ms = rift_now_ms();
                r = s->ops->purge(s, coll, t->field, t->last_purge_ms, &n);
                if (r < 0)
                        return r;
        }
        if (ret_purged)
                *ret_purged = n;
        return 0;
}

int rift_store_ensure_ttl(struct rift_store *s, const char *coll, const char *field)
{
        struct rift_store_ttl *t;

        if (!rift_store_collection_valid(coll) || !rift_store_field_valid(field))
                return RIFT_E_INVALID;
        t = ttl_find(s, coll);
        if (!t) {
                if (s->n_ttl >= RIFT_STORE_MAX_TTL)
                        return RIFT_E_TOOBIG;
                t = &s->ttl[s->n_ttl++];
                rift_strlcpy(t->coll, coll, sizeof(t->coll));
        }
        rift_strlcpy(t->field, field, sizeof(t->field));
        t->last_purge_ms = 0;
        return 0;
}

/* Checks a document to store and serializes it; RIFT_E_TOOBIG past RIFT_MAX_DOCUMENT. */
static int doc_serialize(const cJSON *doc, char **ret_json)
{
        char *json;
        int r;

        r = rift_store_doc_check(doc);
        if (r < 0)
                return r;
        json = cJSON_PrintUnformatted(doc);
        if (!json)
                return -ENOMEM;
        if (strlen(json) > RIFT_MAX_DOCUMENT) {
                cJSON_free(json);
                return RIFT_E_TOOBIG;
        }
        *ret_json = json;
        return 0;
}

static bool id_valid(const cJSON *id)
{
        return cJSON_IsString(id) && id->valuestring[0] && strlen(id->valuestring) <= RIFT_MAX_ID &&
               rift_utf8_valid(id->valuestring, strlen(id->valuestring));
}

/* Runs a write, and once more after purging expired documents if a duplicate was reported: an
 * expired document may still hold the _id or unique key. */
static int insert_retry(struct rift_store *s, const char *coll, const cJSON *doc, const char *json)
{
        int r = s->ops->insert(s, coll, doc, json);

        if (r == RIFT_E_EXISTS && ttl_find(s, coll) && rift_store_purge_expired(s, coll, NULL) >= 0)
                r = s->ops->insert(s, coll, doc, json);
        return r;
}

int rift_store_insert(struct rift_store *s, const char *coll, const cJSON *doc, cJSON **ret_doc)
{
        _cleanup_(cJSON_Deletep) cJSON *copy = NULL;
        char id[RIFT_STORE_ID_LEN + 1];
        const cJSON *given;
        char *json = NULL;
        int r;

        if (!rift_store_collection_valid(coll) || !cJSON_IsObject(doc))
                return RIFT_E_INVALID;
        copy = cJSON_Duplicate(doc, true);
        if (!copy)
                return -ENOMEM;
        given = cJSON_GetObjectItemCaseSensitive(copy, "_id");
        if (given && !id_valid(given))
                return RIFT_E_INVALID;
        if (!given) {
                rift_store_new_id(id);
                if (!cJSON_AddStringToObject(copy, "_id", id))
                        return -ENOMEM;
        }
        cJSON_DeleteItemFromObjectCaseSensitive(copy, "_version");
        if (!cJSON_AddNumberToObject(copy, "_version", 1))
                return -ENOMEM;
        maybe_purge(s, coll);
        r = doc_serialize(copy, &json);
        if (r < 0)
                return r;
        r = insert_retry(s, coll, copy, json);
        cJSON_free(json);
        if (r < 0)
                return r;
        if (ret_doc)
                *ret_doc = TAKE_PTR(copy);
        return 0;
}

int rift_store_find(struct rift_store *s, const char *coll, const struct rift_store_query *q,
                    cJSON **ret_docs)
{
        struct rift_store_filter f;
        struct rift_store_req req;
        int r;

        r = req_init(s, coll, q ? q->filter : NULL, &f, &req);
        if (r < 0)
                return r;
        if (q) {
                if (q->n_sort > RIFT_STORE_MAX_SORT || (q->n_sort && !q->sort))
                        return RIFT_E_INVALID;
                for (size_t i = 0; i < q->n_sort; i++)
                        if (!rift_store_field_valid(q->sort[i].field))
                                return RIFT_E_INVALID;
                req.sort = q->sort;
                req.n_sort = q->n_sort;
                req.skip = q->skip;
                if (q->limit > 0 && q->limit < RIFT_STORE_MAX_RESULTS)
                        req.limit = q->limit;
        }
        return s->ops->find(s, &req, ret_docs);
}

/* The first document of a find, or RIFT_E_NOTFOUND. */
static int find_first(struct rift_store *s, const char *coll, const cJSON *filter, cJSON **ret_doc)
{
        _cleanup_(cJSON_Deletep) cJSON *docs = NULL;
        const struct rift_store_query q = { .filter = filter, .limit = 1 };
        cJSON *first;
        int r;

        r = rift_store_find(s, coll, &q, &docs);
        if (r < 0)
                return r;
        first = cJSON_DetachItemFromArray(docs, 0);
        if (!first)
                return RIFT_E_NOTFOUND;
        *ret_doc = first;
        return 0;
}

int rift_store_find_one(struct rift_store *s, const char *coll, const cJSON *filter, cJSON **ret_doc)
{
        return find_first(s, coll, filter, ret_doc);
}

/* {"_id": id} as a new filter object. */
static cJSON *id_filter(const char *id)
{
        cJSON *f = cJSON_CreateObject();

        if (f && !cJSON_AddStringToObject(f, "_id", id)) {
                cJSON_Delete(f);
                return NULL;
        }
        return f;
}

int rift_store_get(struct rift_store *s, const char *coll, const char *id, cJSON **ret_doc)
{
        _cleanup_(cJSON_Deletep) cJSON *f = NULL;

        if (!id || !*id || strlen(id) > RIFT_MAX_ID)
                return RIFT_E_NOTFOUND;
        f = id_filter(id);
        if (!f)
                return -ENOMEM;
        return find_first(s, coll, f, ret_doc);
}

int rift_store_count(struct rift_store *s, const char *coll, const cJSON *filter, uint64_t *ret_count)
{
        struct rift_store_filter f;
        struct rift_store_req req;
        int r;

        r = req_init(s, coll, filter, &f, &req);
        if (r < 0)
                return r;
        return s->ops->count(s, &req, ret_count);
}

int rift_store_delete_many(struct rift_store *s, const char *coll, const cJSON *filter, uint64_t *ret_deleted)
{
        struct rift_store_filter f;
        struct rift_store_req req;
        uint64_t n;
        int r;

        r = req_init(s, coll, filter, &f, &req);
        if (r < 0)
                return r;
        maybe_purge(s, coll);
        r = s->ops->delete_many(s, &req, &n);
        if (r < 0)
                return r;
        if (ret_deleted)
                *ret_deleted = n;
        return 0;
}

int rift_store_delete(struct rift_store *s, const char *coll, const char *id)
{
        _cleanup_(cJSON_Deletep) cJSON *f = NULL;
        uint64_t n;
        int r;

        if (!id || !*id || strlen(id) > RIFT_MAX_ID)
                return rift_store_collection_valid(coll) ? RIFT_E_NOTFOUND : RIFT_E_INVALID;
        f = id_filter(id);
        if (!f)
                return -ENOMEM;
        r = rift_store_delete_many(s, coll, f, &n);
        if (r < 0)
                return r;
        return n > 0 ? 0 : RIFT_E_NOTFOUND;
}

/* Reads _id and _version of a document given to update. */
static int update_key(const cJSON *doc, const char **ret_id, int64_t *ret_version)
{
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(doc, "_id");
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(doc, "_version");

        if (!id_valid(id) || !cJSON_IsNumber(v) || v->valuedouble < 1 ||
            v->valuedouble > 9007199254740991.0 || v->valuedouble != (double)(int64_t)v->valuedouble)
                return RIFT_E_INVALID;
        *ret_id = id->valuestring;
        *ret_version = (int64_t)v->valuedouble;
        return 0;
}

static int replace_retry(struct rift_store *s, const struct rift_store_req *req, const char *id,
                         int64_t version, const cJSON *doc, const char *json)
{
        int r = s->ops->replace(s, req, id, version, doc, json);

        if (r == RIFT_E_EXISTS && req->ttl_field && rift_store_purge_expired(s, req->coll, NULL) >= 0)
                r = s->ops->replace(s, req, id, version, doc, json);
        return r;
}

int rift_store_update(struct rift_store *s, const char *coll, const cJSON *doc, cJSON **ret_doc)
{
        _cleanup_(cJSON_Deletep) cJSON *copy = NULL, *current = NULL;
        struct rift_store_filter f;
        struct rift_store_req req;
        const char *id;
        int64_t version;
        char *json = NULL;
        int r;

        r = req_init(s, coll, NULL, &f, &req);
        if (r < 0)
                return r;
        if (!cJSON_IsObject(doc) || update_key(doc, &id, &version) < 0)
                return RIFT_E_INVALID;
        copy = cJSON_Duplicate(doc, true);
        if (!copy ||
            !cJSON_ReplaceItemInObjectCaseSensitive(copy, "_version", cJSON_CreateNumber(version + 1)))
                return -ENOMEM;
        maybe_purge(s, coll);
        r = doc_serialize(copy, &json);
        if (r < 0)
                return r;
        r = replace_retry(s, &req, id, version, copy, json);
        cJSON_free(json);
        if (r == RIFT_E_NOTFOUND && rift_store_get(s, coll, id, &current) == 0)
                r = RIFT_E_CONFLICT;
        if (r < 0)
                return r;
        if (ret_doc)
                *ret_doc = TAKE_PTR(copy);
        return 0;
}

int rift_store_ensure_index(struct rift_store *s, const char *coll, const char *const *fields,
                            size_t n_fields, bool unique)
{
        if (!rift_store_collection_valid(coll) || !fields || n_fields == 0 ||
            n_fields > RIFT_STORE_MAX_INDEX_FIELDS)
                return RIFT_E_INVALID;
        for (size_t i = 0; i < n_fields; i++)
                if (!rift_store_field_valid(fields[i]))
                        return RIFT_E_INVALID;
        return s->ops->ensure_index(s, coll, fields, n_fields, unique);
}
