/* MongoDB backend of the document store (libmongoc): "mongodb://host:port/dbname". Unique indexes
 * are enforced by the store itself through a key collection, so they also hold on servers (and
 * with TTL semantics) where a server-side unique index would not. */
#ifndef RIFT_STORE_MONGO_H
#define RIFT_STORE_MONGO_H

#include "lib/store_impl.h"

extern const struct rift_store_ops rift_store_mongo_ops;

#endif
