/* The document store suite. It runs against the backend named by RIFT_STORE_URI (default: a fresh
 * SQLite file in a temporary folder); tests/integration/test_store_mongo.py runs it against MongoDB.
 * Every test uses its own collection names, so a shared MongoDB database needs no cleaning. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include <sqlite3.h>

#include "lib/clock.h"
#include "lib/error.h"
#include "lib/limits_rift.h"
#include "lib/store.h"

DEFINE_CLEANUP_FUNC(cJSON, cJSON_Delete)
#define _cleanup_json_ _cleanup_(cJSON_Deletep)

static char uri[1024];      /* store under test */
static char tmpdir[256];    /* our temporary folder when the default SQLite file is used */
static char prefix[16];     /* makes collection names unique per run */
static bool is_sqlite_file; /* the URI is a SQLite file (durability test applies) */

struct fixture {
        struct rift_store *s; /* open store */
        char coll[64];        /* this test's main collection */
};

static int setup(void **state)
{
        static unsigned counter;
        struct fixture *f = calloc(1, sizeof(*f));

        if (!f || rift_store_open(uri, &f->s) < 0) {
                free(f);
                return -1;
        }
        snprintf(f->coll, sizeof(f->coll), "%s_c%u", prefix, ++counter);
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        struct fixture *f = *state;

        rift_clock_fake_stop();
        rift_store_close(f->s);
        free(f);
        return 0;
}

static cJSON *J(const char *text)
{
        cJSON *j = cJSON_Parse(text);

        assert_non_null(j);
        return j;
}

static cJSON *insert_json(struct fixture *f, const char *coll, const char *text)
{
        _cleanup_json_ cJSON *doc = J(text);
        cJSON *stored = NULL;

        assert_int_equal(rift_store_insert(f->s, coll, doc, &stored), 0);
        return stored;
}

static void insert_quiet(struct fixture *f, const char *text)
{
        cJSON_Delete(insert_json(f, f->coll, text));
}

static uint64_t count_json(struct fixture *f, const char *filter)
{
        _cleanup_json_ cJSON *flt = filter ? J(filter) : NULL;
        uint64_t n = 0;

        assert_int_equal(rift_store_count(f->s, f->coll, flt, &n), 0);
        return n;
}

/* Ids of the matching documents, in order, joined with ",". */
static void find_ids(struct fixture *f, const char *filter, const struct rift_store_sort *sort, size_t n_sort,
                     size_t skip, size_t limit, char *out, size_t size)
{
        _cleanup_json_ cJSON *flt = filter ? J(filter) : NULL, *docs = NULL;
        const struct rift_store_query q = {
                .filter = flt, .sort = sort, .n_sort = n_sort, .skip = skip, .limit = limit
        };
        const cJSON *d;
        size_t o = 0;

        assert_int_equal(rift_store_find(f->s, f->coll, &q, &docs), 0);
        out[0] = '\0';
        cJSON_ArrayForEach(d, docs)
        {
                o += (size_t)snprintf(out + o, size - o, "%s%s", o ? "," : "",
                                      cJSON_GetObjectItem(d, "_id")->valuestring);
                assert_true(o < size);
        }
}

static int64_t version_of(const cJSON *doc)
{
        return (int64_t)cJSON_GetObjectItem(doc, "_version")->valuedouble;
}

static const char *str_of(const cJSON *doc, const char *key)
{
        return cJSON_GetStringValue(cJSON_GetObjectItem(doc, key));
}

/* ---- tests ---------------------------------------------------------------------------------------- */

static void insert_and_get(void **state)
{
        struct fixture *f = *state;
        _cleanup_json_ cJSON *a = insert_json(f, f->coll, "{\"name\":\"alpha\",\"n\":1,\"_version\":7}");
        _cleanup_json_ cJSON *got = NULL, *dup = J("{\"_id\":\"fixed-1\",\"name\":\"x\"}"), *b = NULL;
        const char *id = str_of(a, "_id");

        assert_int_equal(strlen(id), RIFT_STORE_ID_LEN);
        assert_int_equal(strspn(id, "0123456789abcdef"), RIFT_STORE_ID_LEN);
        assert_int_equal(version_of(a), 1); /* a given _version is replaced */
        assert_int_equal(rift_store_get(f->s, f->coll, id, &got), 0);
        assert_string_equal(str_of(got, "name"), "alpha");
        assert_int_equal(version_of(got), 1);
        assert_true(cJSON_Compare(a, got, true));

        assert_int_equal(rift_store_insert(f->s, f->coll, dup, &b), 0);
        assert_string_equal(str_of(b, "_id"), "fixed-1");
        assert_int_equal(rift_store_insert(f->s, f->coll, dup, NULL), RIFT_E_EXISTS);
        assert_int_equal(count_json(f, NULL), 2);

        cJSON_Delete(got);
        got = NULL;
        assert_int_equal(rift_store_get(f->s, f->coll, "no-such-id", &got), RIFT_E_NOTFOUND);
        assert_null(got);
        {
                _cleanup_json_ cJSON *flt = J("{\"name\":\"x\"}"), *one = NULL;

                assert_int_equal(rift_store_find_one(f->s, f->coll, flt, &one), 0);
                assert_string_equal(str_of(one, "_id"), "fixed-1");
                cJSON_ReplaceItemInObject(flt, "name", cJSON_CreateString("none"));
                assert_int_equal(rift_store_find_one(f->s, f->coll, flt, &got), RIFT_E_NOTFOUND);
        }
}

static void update_is_optimistic(void **state)
{
        struct fixture *f = *state;
        _cleanup_json_ cJSON *a = insert_json(f, f->coll, "{\"name\":\"alpha\",\"n\":1}");
        _cleanup_json_ cJSON *v2 = NULL, *stale = cJSON_Duplicate(a, true), *got = NULL, *ghost = NULL;

        cJSON_ReplaceItemInObject(a, "n", cJSON_CreateNumber(2));
        assert_int_equal(rift_store_update(f->s, f->coll, a, &v2), 0);
        assert_int_equal(version_of(v2), 2);

        /* a writer that read version 1 loses */
        cJSON_ReplaceItemInObject(stale, "n", cJSON_CreateNumber(99));
        assert_int_equal(rift_store_update(f->s, f->coll, stale, NULL), RIFT_E_CONFLICT);
        assert_int_equal(rift_store_get(f->s, f->coll, str_of(a, "_id"), &got), 0);
        assert_int_equal(version_of(got), 2);
        assert_int_equal((int)cJSON_GetObjectItem(got, "n")->valuedouble, 2);

        /* the current version wins again */
        assert_int_equal(rift_store_update(f->s, f->coll, v2, NULL), 0);
        ghost = J("{\"_id\":\"nobody\",\"_version\":1}");
        assert_int_equal(rift_store_update(f->s, f->coll, ghost, NULL), RIFT_E_NOTFOUND);
        cJSON_DeleteItemFromObject(ghost, "_version");
        assert_int_equal(rift_store_update(f->s, f->coll, ghost, NULL), RIFT_E_INVALID);
}

static void unique_index(void **state)
{
        struct fixture *f = *state;
        const char *user[] = { "username" };
        const char *pair[] = { "project", "name" };
        _cleanup_json_ cJSON *a = NULL, *b = NULL, *dup = J("{\"username\":\"admin\",\"role\":\"x\"}"),
                             *got = NULL;

        assert_int_equal(rift_store_ensure_index(f->s, f->coll, user, 1, true), 0);
        assert_int_equal(rift_store_ensure_index(f->s, f->coll, user, 1, true), 0); /* idempotent */
        a = insert_json(f, f->coll, "{\"username\":\"admin\",\"role\":\"owner\"}");
        b = insert_json(f, f->coll, "{\"username\":\"bob\"}");
        assert_int_equal(rift_store_insert(f->s, f->coll, dup, NULL), RIFT_E_EXISTS);
        assert_int_equal(count_json(f, "{\"username\":\"admin\"}"), 1);

        /* an update may not take a name either, and leaves the document as it was */
        cJSON_ReplaceItemInObject(b, "username", cJSON_CreateString("admin"));
        assert_int_equal(rift_store_update(f->s, f->coll, b, NULL), RIFT_E_EXISTS);
        assert_int_equal(rift_store_get(f->s, f->coll, str_of(b, "_id"), &got), 0);
        assert_string_equal(str_of(got, "username"), "bob");
        assert_int_equal(version_of(got), 1);

        /* renaming frees the old name; deleting frees the new one */
        cJSON_ReplaceItemInObject(a, "username", cJSON_CreateString("root"));
        assert_int_equal(rift_store_update(f->s, f->coll, a, NULL), 0);
        assert_int_equal(rift_store_insert(f->s, f->coll, dup, NULL), 0);
        assert_int_equal(rift_store_delete(f->s, f->coll, str_of(a, "_id")), 0);
        cJSON_ReplaceItemInObject(dup, "username", cJSON_CreateString("root"));
        assert_int_equal(rift_store_insert(f->s, f->coll, dup, NULL), 0);

        /* documents without the field are not checked (sparse) */
        insert_quiet(f, "{\"other\":1}");
        insert_quiet(f, "{\"other\":2}");

        /* compound: only the pair must be unique */
        assert_int_equal(rift_store_ensure_index(f->s, "cmp", pair, 2, true) == 0 ||
                             rift_store_ensure_index(f->s, "cmp", pair, 2, true) == 0,
                         1);
}

static void compound_and_existing_duplicates(void **state)
{
        struct fixture *f = *state;
        char other[80];
        const char *pair[] = { "project", "name" };
        const char *name[] = { "name" };
        _cleanup_json_ cJSON *d = J("{\"project\":\"p1\",\"name\":\"exp\"}");

        assert_int_equal(rift_store_ensure_index(f->s, f->coll, pair, 2, true), 0);
        insert_quiet(f, "{\"project\":\"p1\",\"name\":\"exp\"}");
        insert_quiet(f, "{\"project\":\"p2\",\"name\":\"exp\"}");
        assert_int_equal(rift_store_insert(f->s, f->coll, d, NULL), RIFT_E_EXISTS);
        /* a unique index over existing duplicates cannot be created, and inserts stay possible */
        assert_int_equal(rift_store_ensure_index(f->s, f->coll, name, 1, true), RIFT_E_EXISTS);
        insert_quiet(f, "{\"project\":\"p3\",\"name\":\"exp\"}");
        assert_int_equal(count_json(f, "{\"name\":\"exp\"}"), 3);
        /* a non-unique index is fine */
        assert_int_equal(rift_store_ensure_index(f->s, f->coll, name, 1, false), 0);
        snprintf(other, sizeof(other), "%s_x", f->coll);
        assert_int_equal(rift_store_insert(f->s, other, d, NULL), 0); /* indexes are per collection */
}

static void filters(void **state)
{
        struct fixture *f = *state;

        insert_quiet(f, "{\"_id\":\"a\",\"n\":1,\"s\":\"apple\",\"flag\":true,\"opt\":null}");
        insert_quiet(f, "{\"_id\":\"b\",\"n\":2,\"s\":\"banana\",\"flag\":false,\"sub\":{\"k\":\"v\"}}");
        insert_quiet(f, "{\"_id\":\"c\",\"n\":3.5,\"s\":\"cherry\",\"sub\":{\"k\":\"w\"}}");
        insert_quiet(f, "{\"_id\":\"d\",\"n\":\"3\",\"s\":\"date\"}");

        assert_int_equal(count_json(f, "{\"n\":2}"), 1);
        assert_int_equal(count_json(f, "{\"n\":{\"$eq\":2}}"), 1);
        assert_int_equal(count_json(f, "{\"n\":\"3\"}"), 1); /* types are not coerced */
        assert_int_equal(count_json(f, "{\"n\":{\"$ne\":2}}"), 3);
        assert_int_equal(count_json(f, "{\"n\":{\"$gt\":1}}"), 2); /* numbers only: not "3" */
        assert_int_equal(count_json(f, "{\"n\":{\"$gte\":1,\"$lt\":3.5}}"), 2);
        assert_int_equal(count_json(f, "{\"n\":{\"$lte\":3.5}}"), 3);
        assert_int_equal(count_json(f, "{\"s\":{\"$gt\":\"banana\"}}"), 2);
        assert_int_equal(count_json(f, "{\"s\":{\"$gte\":\"banana\",\"$lte\":\"cherry\"}}"), 2);
        assert_int_equal(count_json(f, "{\"s\":{\"$in\":[\"apple\",\"date\",\"fig\"]}}"), 2);
        assert_int_equal(count_json(f, "{\"s\":{\"$nin\":[\"apple\",\"date\"]}}"), 2);
        assert_int_equal(count_json(f, "{\"flag\":true}"), 1);
        assert_int_equal(count_json(f, "{\"flag\":false}"), 1);
        assert_int_equal(count_json(f, "{\"flag\":{\"$exists\":true}}"), 2);
        assert_int_equal(count_json(f, "{\"flag\":{\"$exists\":false}}"), 2);
        assert_int_equal(count_json(f, "{\"opt\":null}"), 4); /* null or missing */
        assert_int_equal(count_json(f, "{\"opt\":{\"$exists\":true}}"), 1);
        assert_int_equal(count_json(f, "{\"sub.k\":\"w\"}"), 1);
        assert_int_equal(count_json(f, "{\"sub.k\":{\"$exists\":true},\"n\":{\"$lt\":3}}"), 1);
        assert_int_equal(count_json(f, "{\"_id\":\"c\"}"), 1);
        assert_int_equal(count_json(f, "{\"_id\":\"c\",\"n\":1}"), 0);
        assert_int_equal(count_json(f, "{}"), 4);
}

static void invalid_filters(void **state)
{
        static const char *const bad[] = {
                "{\"$or\":[{\"a\":1}]}",
                "{\"a\":{\"$regex\":\"x\"}}",
                "{\"a\":{\"b\":1}}",
                "{\"a\":[1,2]}",
                "{\"a\":{\"$in\":3}}",
                "{\"a\":{\"$in\":[{\"x\":1}]}}",
                "{\"a\":{\"$gt\":true}}",
                "{\"a\":{\"$exists\":1}}",
                "{\"a b\":1}",
                "{\"a..b\":1}",
                "{\"a.0\":1}",
                "{\"_rid\":\"x\"}",
                "{\"a\":{}}",
                "[1]",
                "{\"a\":{\"$gt\":{}}}",
        };
        struct fixture *f = *state;
        uint64_t n = 42;

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                _cleanup_json_ cJSON *flt = J(bad[i]), *docs = NULL;
                const struct rift_store_query q = { .filter = flt };

                assert_int_equal(rift_store_count(f->s, f->coll, flt, &n), RIFT_E_INVALID);
                assert_int_equal(rift_store_find(f->s, f->coll, &q, &docs), RIFT_E_INVALID);
                assert_int_equal(rift_store_delete_many(f->s, f->coll, flt, NULL), RIFT_E_INVALID);
                assert_null(docs);
        }
        assert_int_equal(n, 42); /* outputs untouched on failure */
}

static void array_contains(void **state)
{
        struct fixture *f = *state;
        char ids[256];

        insert_quiet(f, "{\"_id\":\"p1\",\"members\":[{\"user_id\":\"u1\",\"role\":\"owner\"},"
                        "{\"user_id\":\"u2\",\"role\":\"viewer\"}],\"tags\":[\"a\",\"b\"]}");
        insert_quiet(f, "{\"_id\":\"p2\",\"members\":[{\"user_id\":\"u2\",\"role\":\"owner\"}],\"tags\":[]}");
        insert_quiet(f, "{\"_id\":\"p3\",\"members\":[],\"tags\":\"a\"}");

        find_ids(f, "{\"members.user_id\":\"u2\"}", NULL, 0, 0, 0, ids, sizeof(ids));
        assert_string_equal(ids, "p1,p2");
        find_ids(f, "{\"members.user_id\":\"u1\"}", NULL, 0, 0, 0, ids, sizeof(ids));
        assert_string_equal(ids, "p1");
        find_ids(f, "{\"members.role\":\"owner\",\"members.user_id\":\"u2\"}", NULL, 0, 0, 0, ids,
                 sizeof(ids));
        assert_string_equal(ids, "p1,p2"); /* each condition may match a different element */
        find_ids(f, "{\"members.user_id\":{\"$in\":[\"u1\",\"u9\"]}}", NULL, 0, 0, 0, ids, sizeof(ids));
        assert_string_equal(ids, "p1");
        find_ids(f, "{\"members.user_id\":{\"$ne\":\"u1\"}}", NULL, 0, 0, 0, ids, sizeof(ids));
        assert_string_equal(ids, "p2,p3");
        find_ids(f, "{\"tags\":\"a\"}", NULL, 0, 0, 0, ids, sizeof(ids));
        assert_string_equal(ids, "p1,p3");
        find_ids(f, "{\"members.user_id\":{\"$exists\":true}}", NULL, 0, 0, 0, ids, sizeof(ids));
        assert_string_equal(ids, "p1,p2");
}

/* Indexes speed up equality (SQLite prefilters through them) but never change what matches. */
static void indexed_equality_keeps_array_semantics(void **state)
{
        struct fixture *f = *state;
        const char *tags[] = { "tags" };
        const char *member[] = { "members.user_id" };
        const char *num[] = { "n" };
        char ids[256];

        assert_int_equal(rift_store_ensure_index(f->s, f->coll, tags, 1, false), 0);
        assert_int_equal(rift_store_ensure_index(f->s, f->coll, member, 1, false), 0);
        assert_int_equal(rift_store_ensure_index(f->s, f->coll, num, 1, false), 0);
        insert_quiet(f, "{\"_id\":\"a\",\"tags\":\"x\",\"n\":1,\"members\":{\"user_id\":\"u1\"}}");
        insert_quiet(f, "{\"_id\":\"b\",\"tags\":[\"y\",\"x\"],\"n\":[2,1],"
                        "\"members\":[{\"user_id\":\"u2\"},{\"user_id\":\"u1\"}]}");
        insert_quiet(f, "{\"_id\":\"c\",\"tags\":[\"y\"],\"n\":\"1\",\"members\":[]}");
        insert_quiet(f, "{\"_id\":\"d\",\"n\":1.0}");
        insert_quiet(f, "{\"_id\":\"e\",\"tags\":{\"x\":1},\"n\":true}");

        find_ids(f, "{\"tags\":\"x\"}", NULL, 0, 0, 0, ids, sizeof(ids));
        assert_string_equal(ids, "a,b");
        find_ids(f, "{\"members.user_id\":\"u1\"}", NULL, 0, 0, 0, ids, sizeof(ids));
        assert_string_equal(ids, "a,b");
        find_ids(f, "{\"n\":1}", NULL, 0, 0, 0, ids, sizeof(ids));
        assert_string_equal(ids, "a,b,d");
        find_ids(f, "{\"n\":\"1\"}", NULL, 0, 0, 0, ids, sizeof(ids));
        assert_string_equal(ids, "c");
        find_ids(f, "{\"n\":1,\"tags\":\"y\"}", NULL, 0, 0, 0, ids, sizeof(ids));
        assert_string_equal(ids, "b");
        assert_int_equal(count_json(f, "{\"tags\":\"z\"}"), 0);
}

static void sort_skip_limit(void **state)
{
        struct fixture *f = *state;
        const struct rift_store_sort by_n_desc[] = { { "n", true } };
        const struct rift_store_sort by_g_then_n[] = { { "g", false }, { "n", true } };
        const struct rift_store_sort nested[] = { { "m.t", false } };
        char ids[256];

        insert_quiet(f, "{\"_id\":\"e\",\"n\":5,\"g\":\"b\",\"m\":{\"t\":\"z\"}}");
        insert_quiet(f, "{\"_id\":\"a\",\"n\":1,\"g\":\"a\",\"m\":{\"t\":\"y\"}}");
        insert_quiet(f, "{\"_id\":\"c\",\"n\":3,\"g\":\"b\",\"m\":{\"t\":\"x\"}}");
        insert_quiet(f, "{\"_id\":\"b\",\"n\":2,\"g\":\"a\",\"m\":{\"t\":\"w\"}}");
        insert_quiet(f, "{\"_id\":\"d\",\"n\":4,\"g\":\"a\",\"m\":{\"t\":\"v\"}}");

        find_ids(f, NULL, NULL, 0, 0, 0, ids, sizeof(ids));
        assert_string_equal(ids, "a,b,c,d,e"); /* by _id without a sort */
        find_ids(f, NULL, by_n_desc, 1, 0, 0, ids, sizeof(ids));
        assert_string_equal(ids, "e,d,c,b,a");
        find_ids(f, NULL, by_n_desc, 1, 1, 2, ids, sizeof(ids));
        assert_string_equal(ids, "d,c");
        find_ids(f, NULL, by_g_then_n, 2, 0, 0, ids, sizeof(ids));
        assert_string_equal(ids, "d,b,a,e,c");
        find_ids(f, "{\"g\":\"a\"}", by_n_desc, 1, 1, 10, ids, sizeof(ids));
        assert_string_equal(ids, "b,a");
        find_ids(f, NULL, nested, 1, 3, 0, ids, sizeof(ids));
        assert_string_equal(ids, "a,e");
        find_ids(f, NULL, by_n_desc, 1, 10, 0, ids, sizeof(ids));
        assert_string_equal(ids, "");
        assert_int_equal(count_json(f, "{\"g\":\"a\"}"), 3);

        /* missing values sort first ascending, last descending, ties by _id */
        insert_quiet(f, "{\"_id\":\"f\",\"g\":\"c\"}");
        insert_quiet(f, "{\"_id\":\"g\",\"g\":\"d\"}");
        find_ids(f, NULL, by_n_desc, 1, 0, 0, ids, sizeof(ids));
        assert_string_equal(ids, "e,d,c,b,a,f,g");
        {
                const struct rift_store_sort by_n_asc[] = { { "n", false } };

                find_ids(f, NULL, by_n_asc, 1, 0, 3, ids, sizeof(ids));
                assert_string_equal(ids, "f,g,a");
        }

        {
                _cleanup_json_ cJSON *docs = NULL;
                const struct rift_store_sort bad[] = { { "n;drop", false } };
                const struct rift_store_query q = { .sort = bad, .n_sort = 1 };

                assert_int_equal(rift_store_find(f->s, f->coll, &q, &docs), RIFT_E_INVALID);
        }
}

static void delete_one_and_many(void **state)
{
        struct fixture *f = *state;
        _cleanup_json_ cJSON *flt = J("{\"kind\":\"tmp\"}");
        uint64_t n = 0;

        insert_quiet(f, "{\"_id\":\"k1\",\"kind\":\"keep\"}");
        insert_quiet(f, "{\"_id\":\"t1\",\"kind\":\"tmp\"}");
        insert_quiet(f, "{\"_id\":\"t2\",\"kind\":\"tmp\"}");
        assert_int_equal(rift_store_delete(f->s, f->coll, "t1"), 0);
        assert_int_equal(rift_store_delete(f->s, f->coll, "t1"), RIFT_E_NOTFOUND);
        assert_int_equal(rift_store_delete_many(f->s, f->coll, flt, &n), 0);
        assert_int_equal(n, 1);
        assert_int_equal(rift_store_delete_many(f->s, f->coll, flt, &n), 0);
        assert_int_equal(n, 0);
        assert_int_equal(count_json(f, NULL), 1);
        /* the freed _id can be used again */
        insert_quiet(f, "{\"_id\":\"t1\",\"kind\":\"new\"}");
        assert_int_equal(count_json(f, NULL), 2);
}

static void ttl_with_fake_clock(void **state)
{
        struct fixture *f = *state;
        const char *key[] = { "token" };
        _cleanup_json_ cJSON *got = NULL, *s1 = NULL, *again = J("{\"_id\":\"s1\",\"token\":\"t-1\"}");
        const int64_t t0 = 1800000000000;
        char doc[256];
        uint64_t n = 0;

        rift_clock_fake_start(t0);
        assert_int_equal(rift_store_ensure_ttl(f->s, f->coll, "expires_at"), 0);
        assert_int_equal(rift_store_ensure_index(f->s, f->coll, key, 1, true), 0);
        snprintf(doc, sizeof(doc), "{\"_id\":\"s1\",\"token\":\"t-1\",\"expires_at\":%lld}",
                 (long long)t0 + 1000);
        s1 = insert_json(f, f->coll, doc);
        snprintf(doc, sizeof(doc), "{\"_id\":\"s2\",\"token\":\"t-2\",\"expires_at\":%lld}",
                 (long long)t0 + 5000);
        insert_quiet(f, doc);
        insert_quiet(f, "{\"_id\":\"forever\",\"token\":\"t-3\"}");
        insert_quiet(f, "{\"_id\":\"odd\",\"expires_at\":\"not a number\"}");
        assert_int_equal(count_json(f, NULL), 4);

        rift_clock_fake_advance(999);
        assert_int_equal(rift_store_get(f->s, f->coll, "s1", &got), 0);
        rift_clock_fake_advance(1); /* expiry is inclusive */
        cJSON_Delete(got);
        got = NULL;
        assert_int_equal(rift_store_get(f->s, f->coll, "s1", &got), RIFT_E_NOTFOUND);
        assert_int_equal(count_json(f, NULL), 3);
        assert_int_equal(count_json(f, "{\"token\":\"t-1\"}"), 0);
        assert_int_equal(rift_store_update(f->s, f->coll, s1, NULL), RIFT_E_NOTFOUND);
        assert_int_equal(rift_store_delete(f->s, f->coll, "s1"), RIFT_E_NOTFOUND);

        /* the expired document's _id and unique key are free again */
        assert_int_equal(rift_store_insert(f->s, f->coll, again, NULL), 0);
        assert_int_equal(rift_store_get(f->s, f->coll, "s1", &got), 0);
        assert_null(cJSON_GetObjectItem(got, "expires_at"));

        rift_clock_fake_advance(10000);
        assert_int_equal(count_json(f, NULL), 3);
        assert_int_equal(rift_store_purge_expired(f->s, f->coll, &n), 0);
        assert_int_equal(n, 1); /* s2 */
        assert_int_equal(rift_store_purge_expired(f->s, f->coll, &n), 0);
        assert_int_equal(n, 0);
}

static void ttl_is_per_collection(void **state)
{
        struct fixture *f = *state;
        char other[80], doc[128];
        _cleanup_json_ cJSON *d = NULL, *docs = NULL;

        rift_clock_fake_start(1000000);
        snprintf(other, sizeof(other), "%s_nottl", f->coll);
        assert_int_equal(rift_store_ensure_ttl(f->s, f->coll, "exp"), 0);
        snprintf(doc, sizeof(doc), "{\"exp\":%d}", 500);
        d = J(doc);
        assert_int_equal(rift_store_insert(f->s, other, d, NULL), 0);
        assert_int_equal(rift_store_insert(f->s, f->coll, d, NULL), 0);
        assert_int_equal(count_json(f, NULL), 0);
        assert_int_equal(rift_store_find(f->s, other, NULL, &docs), 0);
        assert_int_equal(cJSON_GetArraySize(docs), 1);
}

static void big_documents(void **state)
{
        struct fixture *f = *state;
        size_t big = RIFT_MAX_DOCUMENT + 16;
        _cleanup_free_ char *s = malloc(big + 1);
        _cleanup_json_ cJSON *doc = cJSON_CreateObject(), *ok = NULL, *got = NULL, *stored = NULL;
        size_t mib = 1024 * 1024;

        assert_non_null(s);
        memset(s, 'x', big);
        s[big] = '\0';
        cJSON_AddStringToObject(doc, "blob", s);
        assert_int_equal(rift_store_insert(f->s, f->coll, doc, NULL), RIFT_E_TOOBIG);
        assert_int_equal(count_json(f, NULL), 0);

        /* 1 MiB is fine, and an update past the cap leaves it intact */
        s[mib] = '\0';
        ok = cJSON_CreateObject();
        cJSON_AddStringToObject(ok, "blob", s);
        assert_int_equal(rift_store_insert(f->s, f->coll, ok, &stored), 0);
        assert_int_equal(rift_store_get(f->s, f->coll, str_of(stored, "_id"), &got), 0);
        assert_int_equal(strlen(str_of(got, "blob")), mib);
        s[mib] = 'x';
        cJSON_ReplaceItemInObject(stored, "blob", cJSON_CreateString(s));
        assert_int_equal(rift_store_update(f->s, f->coll, stored, NULL), RIFT_E_TOOBIG);
        cJSON_Delete(got);
        assert_int_equal(rift_store_get(f->s, f->coll, str_of(stored, "_id"), &got), 0);
        assert_int_equal(strlen(str_of(got, "blob")), mib);
        assert_int_equal(version_of(got), 1);
}

static void bad_names_and_documents(void **state)
{
        static const char *const bad_colls[] = {
                "",
                "bad name",
                "a;drop table x",
                "_private",
                "-x",
                "a\"b",
                "ä",
                "x2345678901234567890123456789012345678901234567890123456789012345",
        };
        static const char *const bad_docs[] = {
                "{\"$set\":1}", "{\"a.b\":1}",    "{\"x\":{\"$where\":1}}",
                "{\"_id\":5}",  "{\"_id\":\"\"}", "{\"_rid\":\"x\"}",
        };
        struct fixture *f = *state;
        _cleanup_json_ cJSON *d = J("{\"a\":1}"), *out = NULL;
        const char *bad_field[] = { "a b" };
        uint64_t n;

        for (size_t i = 0; i < sizeof(bad_colls) / sizeof(bad_colls[0]); i++) {
                assert_int_equal(rift_store_insert(f->s, bad_colls[i], d, NULL), RIFT_E_INVALID);
                assert_int_equal(rift_store_count(f->s, bad_colls[i], NULL, &n), RIFT_E_INVALID);
                assert_int_equal(rift_store_find(f->s, bad_colls[i], NULL, &out), RIFT_E_INVALID);
                assert_int_equal(rift_store_delete(f->s, bad_colls[i], "x"), RIFT_E_INVALID);
                assert_false(rift_store_collection_valid(bad_colls[i]));
        }
        assert_true(rift_store_collection_valid("chaos.experiments-v2_x"));
        for (size_t i = 0; i < sizeof(bad_docs) / sizeof(bad_docs[0]); i++) {
                _cleanup_json_ cJSON *bd = J(bad_docs[i]);

                assert_int_equal(rift_store_insert(f->s, f->coll, bd, NULL), RIFT_E_INVALID);
        }
        assert_int_equal(rift_store_ensure_index(f->s, f->coll, bad_field, 1, true), RIFT_E_INVALID);
        assert_int_equal(rift_store_ensure_index(f->s, f->coll, bad_field, 0, true), RIFT_E_INVALID);
        assert_int_equal(rift_store_ensure_ttl(f->s, f->coll, "$x"), RIFT_E_INVALID);
        assert_int_equal(count_json(f, NULL), 0);
        assert_null(out);
}

static void reopen_keeps_data(void **state)
{
        struct fixture *f = *state;
        _cleanup_json_ cJSON *a = NULL, *got = NULL;
        struct rift_store *again = NULL;
        const char *uniq[] = { "u" };

        if (!is_sqlite_file) {
                print_message("skipped: applies to a SQLite file only (%s)\n", uri);
                skip();
        }
        assert_int_equal(rift_store_ensure_index(f->s, f->coll, uniq, 1, true), 0);
        a = insert_json(f, f->coll, "{\"u\":\"durable\",\"v\":[1,2,3]}");
        rift_store_close(f->s);
        f->s = NULL;
        assert_int_equal(rift_store_open(uri, &again), 0);
        f->s = again;
        assert_int_equal(rift_store_get(f->s, f->coll, str_of(a, "_id"), &got), 0);
        assert_true(cJSON_Compare(a, got, true));
        /* the unique index survived too */
        assert_int_equal(rift_store_insert(f->s, f->coll, a, NULL), RIFT_E_EXISTS);
        cJSON_DeleteItemFromObject(a, "_id");
        assert_int_equal(rift_store_insert(f->s, f->coll, a, NULL), RIFT_E_EXISTS);
}

static void sqlite_file_uses_wal(void **state)
{
        char path[sizeof(uri)];
        sqlite3 *db = NULL;
        sqlite3_stmt *st = NULL;

        if (!is_sqlite_file) {
                print_message("skipped: applies to a SQLite file only (%s)\n", uri);
                skip();
        }
        snprintf(path, sizeof(path), "%s", uri + strlen("sqlite://"));
        assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
        sqlite3_finalize(st);
        sqlite3_close(db);
}

static void open_errors(void **state)
{
        static const char *const bad[] = {
                "",          "postgres://x/y",         "sqlite://relative.db",
                "sqlite://", "mongodb://127.0.0.1:1/", "mongodb://127.0.0.1:1/bad name",
        };
        struct rift_store *s = NULL;

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                assert_int_equal(rift_store_open(bad[i], &s), RIFT_E_INVALID);
        assert_int_equal(rift_store_open(NULL, &s), RIFT_E_INVALID);
        /* nothing listens on port 1 */
        assert_int_equal(rift_store_open("mongodb://127.0.0.1:1/db?serverSelectionTimeoutMS=300", &s),
                         RIFT_E_UNAVAILABLE);
        assert_int_equal(rift_store_open("sqlite:///nonexistent-dir/x/y.db", &s), RIFT_E_UNAVAILABLE);
        assert_null(s);
}

static void memory_store_works(void **state)
{
        struct rift_store *s = NULL;
        _cleanup_json_ cJSON *d = J("{\"x\":1}"), *got = NULL;

        assert_int_equal(rift_store_open("sqlite://:memory:", &s), 0);
        assert_string_equal(rift_store_backend(s), "sqlite");
        assert_int_equal(rift_store_insert(s, "m", d, &got), 0);
        assert_int_equal(version_of(got), 1);
        rift_store_close(s);
        rift_store_close(NULL);
}

static void failed_operations_change_nothing(void **state)
{
        struct fixture *f = *state;
        const char *key[] = { "email" };
        _cleanup_json_ cJSON *a = NULL, *b = NULL, *docs_before = NULL, *docs_after = NULL;

        assert_int_equal(rift_store_ensure_index(f->s, f->coll, key, 1, true), 0);
        a = insert_json(f, f->coll, "{\"email\":\"a@x\",\"n\":1}");
        b = insert_json(f, f->coll, "{\"email\":\"b@x\",\"n\":2}");
        assert_int_equal(rift_store_find(f->s, f->coll, NULL, &docs_before), 0);

        /* conflict, unique violation, bad document, duplicate id: all rejected */
        cJSON_ReplaceItemInObject(a, "email", cJSON_CreateString("b@x"));
        assert_int_equal(rift_store_update(f->s, f->coll, a, NULL), RIFT_E_EXISTS);
        cJSON_ReplaceItemInObject(a, "email", cJSON_CreateString("c@x"));
        cJSON_ReplaceItemInObject(a, "_version", cJSON_CreateNumber(5));
        assert_int_equal(rift_store_update(f->s, f->coll, a, NULL), RIFT_E_CONFLICT);
        cJSON_AddNumberToObject(b, "$bad", 1);
        assert_int_equal(rift_store_update(f->s, f->coll, b, NULL), RIFT_E_INVALID);
        cJSON_DeleteItemFromObject(b, "$bad");
        cJSON_ReplaceItemInObject(b, "email", cJSON_CreateString("new@x"));
        assert_int_equal(rift_store_insert(f->s, f->coll, b, NULL), RIFT_E_EXISTS); /* same _id */

        assert_int_equal(rift_store_find(f->s, f->coll, NULL, &docs_after), 0);
        assert_true(cJSON_Compare(docs_before, docs_after, true));
        /* no unique key was left behind by the failed writes */
        insert_quiet(f, "{\"email\":\"c@x\"}");
        insert_quiet(f, "{\"email\":\"new@x\"}");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(insert_and_get, setup, teardown),
                cmocka_unit_test_setup_teardown(update_is_optimistic, setup, teardown),
                cmocka_unit_test_setup_teardown(unique_index, setup, teardown),
                cmocka_unit_test_setup_teardown(compound_and_existing_duplicates, setup, teardown),
                cmocka_unit_test_setup_teardown(filters, setup, teardown),
                cmocka_unit_test_setup_teardown(invalid_filters, setup, teardown),
                cmocka_unit_test_setup_teardown(array_contains, setup, teardown),
                cmocka_unit_test_setup_teardown(indexed_equality_keeps_array_semantics, setup, teardown),
                cmocka_unit_test_setup_teardown(sort_skip_limit, setup, teardown),
                cmocka_unit_test_setup_teardown(delete_one_and_many, setup, teardown),
                cmocka_unit_test_setup_teardown(ttl_with_fake_clock, setup, teardown),
                cmocka_unit_test_setup_teardown(ttl_is_per_collection, setup, teardown),
                cmocka_unit_test_setup_teardown(big_documents, setup, teardown),
                cmocka_unit_test_setup_teardown(bad_names_and_documents, setup, teardown),
                cmocka_unit_test_setup_teardown(failed_operations_change_nothing, setup, teardown),
                cmocka_unit_test_setup_teardown(reopen_keeps_data, setup, teardown),
                cmocka_unit_test(sqlite_file_uses_wal),
                cmocka_unit_test(open_errors),
                cmocka_unit_test(memory_store_works),
        };
        const char *env = getenv("RIFT_STORE_URI");
        char id[RIFT_STORE_ID_LEN + 1];
        char cmd_path[300];
        int failed;

        rift_store_new_id(id);
        snprintf(prefix, sizeof(prefix), "t%.8s", id);
        if (env && *env) {
                snprintf(uri, sizeof(uri), "%s", env);
        } else {
                snprintf(tmpdir, sizeof(tmpdir), "%s/rift-store-XXXXXX", getenv("TMPDIR") ?: "/tmp");
                if (!mkdtemp(tmpdir))
                        return 1;
                snprintf(uri, sizeof(uri), "sqlite://%s/store.db", tmpdir);
        }
        is_sqlite_file = strncmp(uri, "sqlite:///", 10) == 0;
        printf("store under test: %s\n", uri);
        failed = cmocka_run_group_tests(tests, NULL, NULL);
        if (tmpdir[0]) {
                static const char *const files[] = { "store.db", "store.db-wal", "store.db-shm" };

                for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
                        snprintf(cmd_path, sizeof(cmd_path), "%s/%s", tmpdir, files[i]);
                        unlink(cmd_path);
                }
                rmdir(tmpdir);
        }
        return failed;
}
