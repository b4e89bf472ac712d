/* Private to the store module and its backends: the backend operation table and the request a
 * front-end call becomes once names, filter and documents have been checked (lib/store.c). */
#ifndef RIFT_STORE_IMPL_H
#define RIFT_STORE_IMPL_H

#include <stdint.h>

#include "lib/limits_rift.h"
#include "lib/store.h"
#include "lib/store_filter.h"

/* One checked read or delete request. */
struct rift_store_req {
        const char *coll;                       /* validated collection name */
        const cJSON *filter_json;               /* validated filter object, NULL = all */
        const struct rift_store_filter *filter; /* the same, parsed; never NULL */
        const char *ttl_field;                  /* expiry field, NULL if the collection has none */
        int64_t now_ms;                         /* documents with ttl_field <= now_ms are invisible */
        const struct rift_store_sort *sort;     /* validated sort keys (ties by _id are implicit) */
        size_t n_sort;                          /* number of sort keys */
        size_t skip;                            /* documents to skip */
        size_t limit;                           /* at most this many, >= 1 */
};

/* A backend. Every call gets checked arguments; documents are complete (_id, _version) and json is
 * their compact serialization (at most RIFT_MAX_DOCUMENT bytes). */
struct rift_store_ops {
        const char *name;   /* "sqlite", "mongodb" */
        const char *scheme; /* URI prefix that selects it */
        int (*open)(const char *uri, struct rift_store **ret);
        void (*close)(struct rift_store *s);
        /* RIFT_E_EXISTS on a duplicate _id or unique key (also against expired, unpurged ones) */
        int (*insert)(struct rift_store *s, const char *coll, const cJSON *doc, const char *json);
        int (*find)(struct rift_store *s, const struct rift_store_req *req, cJSON **ret_docs);
        int (*count)(struct rift_store *s, const struct rift_store_req *req, uint64_t *ret_count);
        /* Replaces the live document with _id id and _version version by doc; RIFT_E_NOTFOUND if
         * there is none (the caller tells a conflict from a missing document). */
        int (*replace)(struct rift_store *s, const struct rift_store_req *req, const char *id,
                       int64_t version, const cJSON *doc, const char *json);
        int (*delete_many)(struct rift_store *s, const struct rift_store_req *req, uint64_t *ret_deleted);
        int (*ensure_index)(struct rift_store *s, const char *coll, const char *const *fields,
                            size_t n_fields, bool unique);
        /* Deletes documents whose ttl_field is a number <= now_ms. */
        int (*purge)(struct rift_store *s, const char *coll, const char *ttl_field, int64_t now_ms,
                     uint64_t *ret_purged);
};

struct rift_store_ttl {
        char coll[RIFT_MAX_ID + 1];           /* collection */
        char field[RIFT_STORE_MAX_FIELD + 1]; /* its expiry field */
        int64_t last_purge_ms;                /* wall time of the last automatic purge */
};

/* The part of every backend's handle that lib/store.c uses; backends embed it first. */
struct rift_store {
        const struct rift_store_ops *ops;              /* the backend */
        struct rift_store_ttl ttl[RIFT_STORE_MAX_TTL]; /* TTL settings of this handle */
        size_t n_ttl;                                  /* used entries of ttl */
};

#endif
