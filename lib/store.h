/* The document store: one interface, two backends (SQLite, MongoDB), chosen by URI.
 *
 *   _cleanup_store_ struct rift_store *s = NULL;
 *   r = rift_store_open("sqlite:///var/lib/rift/auth.db", &s);
 *   r = rift_store_ensure_index(s, "users", (const char *[]){ "username" }, 1, true);
 *   r = rift_store_insert(s, "users", doc, &stored);          // stored has _id and _version = 1
 *   r = rift_store_find_one(s, "users", filter, &user);       // filter: {"username": "admin"}
 *   r = rift_store_update(s, "users", user, &stored);         // only if user._version is current
 *
 * Documents are cJSON objects. Every stored document has a string "_id" (generated as 32 random hex
 * characters when the caller gives none) and an integer "_version" (1 on insert, +1 on every update).
 * A document, serialized as compact JSON, is at most RIFT_MAX_DOCUMENT bytes.
 *
 * Names: collection names match [A-Za-z0-9][A-Za-z0-9_.-]* (at most RIFT_MAX_ID bytes); field names
 * are dotted paths of components matching [A-Za-z0-9_-]+ ("members.user_id"). Collections exist as
 * soon as they are used.
 *
 * Filters are cJSON objects with MongoDB's query semantics, restricted to this subset:
 *   {"field": scalar}                       equality (scalar = string, number, bool, null)
 *   {"field": {"$eq": scalar}}              the same
 *   {"field": {"$ne": scalar}}              no value at field equals scalar (missing field matches)
 *   {"field": {"$in": [scalar, ...]}}       some value equals one of the list (at most
 *                                           RIFT_STORE_MAX_IN entries); "$nin" is its negation
 *   {"field": {"$gt"|"$gte"|"$lt"|"$lte": number or string}}
 *                                           ordered comparison within the same type only (numbers
 *                                           with numbers, strings bytewise with strings)
 *   {"field": {"$exists": true|false}}
 *   Several fields, or several operators on one field, are ANDed. {"f": null} matches documents
 *   where f is null or missing. NULL or {} matches every document.
 * Arrays behave as in MongoDB: a condition on a path matches when it holds for the array itself or
 * for any element, also through arrays of objects on the way ({"members.user_id": "u1"} matches
 * {"members": [{"user_id": "u0"}, {"user_id": "u1"}]}). Not supported (RIFT_E_INVALID): other
 * operators, $or/$and, equality with an object or array, numeric path components ("a.0").
 *
 * TTL: rift_store_ensure_ttl(s, coll, "expires_at") makes documents whose "expires_at" is a number
 * <= rift_now_ms() (epoch milliseconds) invisible to every operation, as if deleted; they are
 * removed by rift_store_purge_expired() and automatically at most every RIFT_STORE_PURGE_INTERVAL_MS
 * on writes to the collection. The TTL setting lives in the open handle: call it after every open.
 *
 * Unique indexes: a document that lacks any field of a unique index is not checked against it (as
 * a sparse index). Indexed fields should hold scalars.
 *
 * Errors: RIFT_E_INVALID (bad name, filter, document shape), RIFT_E_NOTFOUND, RIFT_E_EXISTS
 * (duplicate _id or unique index violation), RIFT_E_CONFLICT (stale _version), RIFT_E_TOOBIG,
 * RIFT_E_STORE (database error), RIFT_E_UNAVAILABLE (MongoDB not reachable), -ENOMEM. A failed
 * operation leaves the stored data unchanged. One handle is used by one thread at a time. */
#ifndef RIFT_STORE_H
#define RIFT_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "lib/limits_rift.h" /* RIFT_STORE_MAX_*: filter, sort, index and result limits */
#include "lib/macro.h"

#define RIFT_STORE_ID_LEN            32u   /* generated _id: hex characters */
#define RIFT_STORE_PURGE_INTERVAL_MS 60000 /* automatic purge of expired documents */

struct rift_store;

struct rift_store_sort {
        const char *field; /* dotted path to sort on */
        bool desc;         /* descending instead of ascending */
};

struct rift_store_query {
        const cJSON *filter;                /* see above; NULL matches everything */
        const struct rift_store_sort *sort; /* n_sort keys, most significant first; ties by _id */
        size_t n_sort;                      /* at most RIFT_STORE_MAX_SORT */
        size_t skip;                        /* documents to skip after sorting */
        size_t limit;                       /* at most this many; 0 = RIFT_STORE_MAX_RESULTS */
};

/* Opens a store: "sqlite:///abs/path/file.db", "sqlite://:memory:" or
 * "mongodb://host:port/dbname[?options]" (the database name is required). */
int rift_store_open(const char *uri, struct rift_store **ret);
/* Closes the store. Accepts NULL. */
void rift_store_close(struct rift_store *s);
DEFINE_CLEANUP_FUNC(struct rift_store, rift_store_close)
#define _cleanup_store_ _cleanup_(rift_store_closep)

/* "sqlite" or "mongodb". */
const char *rift_store_backend(const struct rift_store *s);

/* Inserts a copy of doc. Sets _id if absent (must be a non-empty string of at most RIFT_MAX_ID bytes
 * if present) and _version = 1 (any given _version is replaced). ret_doc (may be NULL) receives the
 * stored document. */
int rift_store_insert(struct rift_store *s, const char *coll, const cJSON *doc, cJSON **ret_doc);
/* The live document with this _id, or RIFT_E_NOTFOUND. */
int rift_store_get(struct rift_store *s, const char *coll, const char *id, cJSON **ret_doc);
/* Matching documents as a new cJSON array. */
int rift_store_find(struct rift_store *s, const char *coll, const struct rift_store_query *q,
                    cJSON **ret_docs);
/* The first matching document (lowest _id), or RIFT_E_NOTFOUND. */
int rift_store_find_one(struct rift_store *s, const char *coll, const cJSON *filter, cJSON **ret_doc);
/* Number of matching documents. */
int rift_store_count(struct rift_store *s, const char *coll, const cJSON *filter, uint64_t *ret_count);
/* Replaces the document with doc's _id, only if its stored _version equals doc's _version
 * (RIFT_E_CONFLICT otherwise, RIFT_E_NOTFOUND if there is none). The stored copy gets
 * _version + 1; ret_doc (may be NULL) receives it. */
int rift_store_update(struct rift_store *s, const char *coll, const cJSON *doc, cJSON **ret_doc);
/* Deletes the document with this _id, or RIFT_E_NOTFOUND. */
int rift_store_delete(struct rift_store *s, const char *coll, const char *id);
/* Deletes every matching document; ret_deleted (may be NULL) receives how many. */
int rift_store_delete_many(struct rift_store *s, const char *coll, const cJSON *filter,
                           uint64_t *ret_deleted);
/* Creates an index on 1..RIFT_STORE_MAX_INDEX_FIELDS fields if it does not exist. With unique, an
 * insert or update that would give two documents the same values fails with RIFT_E_EXISTS; creating
 * a unique index over existing duplicates fails with RIFT_E_EXISTS. */
int rift_store_ensure_index(struct rift_store *s, const char *coll, const char *const *fields,
                            size_t n_fields, bool unique);
/* Declares field as the collection's expiry time (epoch ms) for this handle. */
int rift_store_ensure_ttl(struct rift_store *s, const char *coll, const char *field);
/* Removes expired documents now; ret_purged (may be NULL) receives how many. */
int rift_store_purge_expired(struct rift_store *s, const char *coll, uint64_t *ret_purged);

/* Writes RIFT_STORE_ID_LEN random hex characters and a NUL. */
void rift_store_new_id(char ret[RIFT_STORE_ID_LEN + 1]);
/* Name checks used by every operation. */
bool rift_store_collection_valid(const char *name);
bool rift_store_field_valid(const char *field);

#endif
