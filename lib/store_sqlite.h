/* SQLite backend of the document store: "sqlite:///abs/path.db" or "sqlite://:memory:". One table per
 * collection (_id TEXT PRIMARY KEY, doc TEXT), WAL journal, synchronous=FULL. */
#ifndef RIFT_STORE_SQLITE_H
#define RIFT_STORE_SQLITE_H

#include "lib/store_impl.h"

extern const struct rift_store_ops rift_store_sqlite_ops;

#endif
