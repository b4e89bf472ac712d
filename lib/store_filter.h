/* Filters of the document store: parsing MongoDB-style filter objects (untrusted input) into a
 * checked condition list, and matching documents against it with MongoDB's array semantics.
 * Used by every store backend; the language is described in lib/store.h. */
#ifndef RIFT_STORE_FILTER_H
#define RIFT_STORE_FILTER_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "lib/store.h"

enum rift_store_op {
        RIFT_STORE_OP_EQ,  /* some value equals (null also matches a missing field) */
        RIFT_STORE_OP_NE,  /* negation of EQ */
        RIFT_STORE_OP_IN,  /* some value equals one list entry */
        RIFT_STORE_OP_NIN, /* negation of IN */
        RIFT_STORE_OP_GT,  /* ordered comparisons, same type only */
        RIFT_STORE_OP_GTE,
        RIFT_STORE_OP_LT,
        RIFT_STORE_OP_LTE,
        RIFT_STORE_OP_EXISTS, /* the path reaches a value (value is true) or not (false) */
};

struct rift_store_cond {
        const char *field;     /* dotted path (points into the filter object) */
        enum rift_store_op op; /* what to test */
        const cJSON *value;    /* operand (points into the filter object) */
};

struct rift_store_filter {
        struct rift_store_cond conds[RIFT_STORE_MAX_CONDS]; /* ANDed */
        size_t n;                                           /* used entries */
};

/* Checks filter (NULL or an object) and fills ret; ret borrows pointers into filter, which must
 * outlive it. RIFT_E_INVALID for anything outside the supported subset. */
int rift_store_filter_parse(const cJSON *filter, struct rift_store_filter *ret);
/* True if doc satisfies every condition. */
bool rift_store_filter_match(const struct rift_store_filter *f, const cJSON *doc);
/* The string value of a top-level {"_id": "x"} equality, if the filter has one, else NULL. */
const char *rift_store_filter_id(const struct rift_store_filter *f);
/* Checks keys of a document to store: no key starts with '$' or contains '.', nesting bounded. */
int rift_store_doc_check(const cJSON *doc);

#endif
