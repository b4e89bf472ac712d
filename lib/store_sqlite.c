/* SQLite backend of the document store. Each collection is a table "c_<name>" of (_id, doc JSON);
 * filters run in C through the rift_match() SQL function (MongoDB array semantics need more than
 * json_extract), sorting, TTL and indexes use JSON1 json_extract on bound paths. SQL text is built
 * only from validated collection and field names; every value is bound. */
#include <errno.h>
#include <string.h>

#include <sqlite3.h>

#include "lib/buf.h"
#include "lib/error.h"
#include "lib/log.h"
#include "lib/store_sqlite.h"
#include "lib/str.h"

#define MAX_TABLES   256u  /* collections remembered as created per handle */
#define MAX_INDEXED  256u  /* (collection, field) pairs remembered as leading an index */
#define PRE_PARAM    100   /* parameter number of the index prefilter's value */
#define SQL_MAX      4096u /* one generated statement */
#define PATH_MAX_LEN (RIFT_STORE_MAX_FIELD * 2 + 8)
#define FILTER_TAG   "rift_store_filter"

struct sqlite_store {
        struct rift_store base;                   /* must be first */
        sqlite3 *db;                              /* the connection */
        char tables[MAX_TABLES][RIFT_MAX_ID + 1]; /* collections known to have a table */
        size_t n_tables;                          /* used entries of tables */
        struct {
                char coll[RIFT_MAX_ID + 1];           /* collection */
                char field[RIFT_STORE_MAX_FIELD + 1]; /* first field of one of its indexes */
        } indexed[MAX_INDEXED];                       /* what ensure_index created in this handle */
        size_t n_indexed;                             /* used entries of indexed */
};

static struct sqlite_store *to_sqlite(struct rift_store *s)
{
        return (struct sqlite_store *)s;
}

static int map_error(sqlite3 *db, int rc)
{
        switch (rc & 0xff) {
        case SQLITE_OK:
        case SQLITE_DONE:
        case SQLITE_ROW:
                return 0;
        case SQLITE_CONSTRAINT:
                return RIFT_E_EXISTS;
        case SQLITE_TOOBIG:
                return RIFT_E_TOOBIG;
        case SQLITE_NOMEM:
                return -ENOMEM;
        default:
                log_debug("sqlite error", LOG_INT("code", rc),
                          LOG_STR("message", db ? sqlite3_errmsg(db) : NULL));
                return RIFT_E_STORE;
        }
}

static void stmt_finalizep(sqlite3_stmt **st)
{
        sqlite3_finalize(*st);
}
#define _cleanup_stmt_ _cleanup_(stmt_finalizep)

/* "a.b" -> $."a"."b" (components are validated: no quotes possible). */
static int json_path(const char *field, char out[PATH_MAX_LEN])
{
        size_t o = 0;

        out[o++] = '$';
        out[o++] = '.';
        out[o++] = '"';
        for (const char *p = field; *p; p++) {
                if (o + 4 >= PATH_MAX_LEN)
                        return RIFT_E_INVALID;
                if (*p == '.') {
                        out[o++] = '"';
                        out[o++] = '.';
                        out[o++] = '"';
                } else
                        out[o++] = *p;
        }
        out[o++] = '"';
        out[o] = '\0';
        return 0;
}

static int exec(sqlite3 *db, const char *sql)
{
        return map_error(db, sqlite3_exec(db, sql, NULL, NULL, NULL));
}

static int table_ensure(struct sqlite_store *q, const char *coll)
{
        _cleanup_buf_ struct rift_buf sql = RIFT_BUF_INIT(SQL_MAX);
        int r;

        for (size_t i = 0; i < q->n_tables; i++)
                if (strcmp(q->tables[i], coll) == 0)
                        return 0;
        r = rift_buf_printf(
            &sql, "CREATE TABLE IF NOT EXISTS \"c_%s\" (_id TEXT PRIMARY KEY, doc TEXT NOT NULL)", coll);
        if (r < 0)
                return r;
        r = exec(q->db, sql.data);
        if (r < 0)
                return r;
        if (q->n_tables < MAX_TABLES)
                rift_strlcpy(q->tables[q->n_tables++], coll, RIFT_MAX_ID + 1);
        return 0;
}

static int prepare(struct sqlite_store *q, const char *sql, sqlite3_stmt **ret)
{
        int rc = sqlite3_prepare_v2(q->db, sql, -1, ret, NULL);

        return map_error(q->db, rc);
}

/* rift_match(doc, filter): 1 if the JSON document satisfies the bound filter. */
static void fn_match(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
        const struct rift_store_filter *f = sqlite3_value_pointer(argv[1], FILTER_TAG);
        const char *text = (const char *)sqlite3_value_text(argv[0]);
        cJSON *doc;

        if (!f || !text) {
                sqlite3_result_error(ctx, "rift_match: bad arguments", -1);
                return;
        }
        doc = cJSON_ParseWithLength(text, (size_t)sqlite3_value_bytes(argv[0]));
        if (!doc) {
                sqlite3_result_error(ctx, "rift_match: stored document is not JSON", -1);
                return;
        }
        sqlite3_result_int(ctx, rift_store_filter_match(f, doc));
        cJSON_Delete(doc);
}

/* Parameters of a generated WHERE clause, in binding order. */
struct where_params {
        const char *id;              /* ?1: _id equality, or NULL */
        bool match;                  /* ?2: filter pointer for rift_match */
        char ttl_path[PATH_MAX_LEN]; /* ?3 json path of the TTL field, ?4 now */
        bool ttl;                    /* ttl_path/now are used */
        const cJSON *pre;            /* ?100: value of the indexed equality used as prefilter */
};

static bool field_indexed(const struct sqlite_store *q, const char *coll, const char *field)
{
        for (size_t i = 0; i < q->n_indexed; i++)
                if (strcmp(q->indexed[i].coll, coll) == 0 && strcmp(q->indexed[i].field, field) == 0)
                        return true;
        return false;
}

/* For the first equality on an indexed field, a condition the index can answer that keeps every
 * document the filter may match: equal values, arrays (an element may be equal) and NULL (missing,
 * or the path crosses an array). rift_match still decides. */
static int prefilter_build(const struct sqlite_store *q, const struct rift_store_req *req,
                           struct rift_buf *sql, struct where_params *p)
{
        char path[PATH_MAX_LEN];
        int r;

        for (size_t i = 0; i < req->filter->n; i++) {
                const struct rift_store_cond *c = &req->filter->conds[i];

                if (c->op != RIFT_STORE_OP_EQ || !(cJSON_IsString(c->value) || cJSON_IsNumber(c->value)) ||
                    !field_indexed(q, req->coll, c->field))
                        continue;
                r = json_path(c->field, path);
                if (r < 0)
                        return r;
                p->pre = c->value;
                return rift_buf_printf(
                    sql,
                    " AND (json_extract(doc, '%s') = ?%d OR json_extract(doc, '%s') IS NULL"
                    " OR json_type(doc, '%s') = 'array')",
                    path, PRE_PARAM, path, path);
        }
        return 0;
}

/* Appends " WHERE ..." for req. Parameters are numbered so unused ones stay unbound (NULL). */
static int where_build(const struct sqlite_store *q, const struct rift_store_req *req, struct rift_buf *sql,
                       struct where_params *p)
{
        int r;

        *p = (struct where_params){ .id = rift_store_filter_id(req->filter), .match = req->filter->n > 0 };
        r = rift_buf_append_str(sql, " WHERE 1");
        if (r >= 0 && p->id)
                r = rift_buf_append_str(sql, " AND _id = ?1");
        if (r >= 0 && !p->id)
                r = prefilter_build(q, req, sql, p);
        if (r >= 0 && p->match)
                r = rift_buf_append_str(sql, " AND rift_match(doc, ?2)");
        if (r >= 0 && req->ttl_field) {
                p->ttl = true;
                r = json_path(req->ttl_field, p->ttl_path);
                if (r >= 0)
                        r = rift_buf_append_str(
                            sql, " AND NOT (ifnull(json_type(doc, ?3), '') IN ('integer', 'real')"
                                 " AND json_extract(doc, ?3) <= ?4)");
        }
        return r;
}

static int where_bind(sqlite3_stmt *st, const struct rift_store_req *req, const struct where_params *p)
{
        int rc = SQLITE_OK;

        if (p->id)
                rc = sqlite3_bind_text(st, 1, p->id, -1, SQLITE_TRANSIENT);
        if (rc == SQLITE_OK && p->match)
                rc = sqlite3_bind_pointer(st, 2, (void *)req->filter, FILTER_TAG, NULL);
        if (rc == SQLITE_OK && p->ttl)
                rc = sqlite3_bind_text(st, 3, p->ttl_path, -1, SQLITE_TRANSIENT);
        if (rc == SQLITE_OK && p->ttl)
                rc = sqlite3_bind_int64(st, 4, req->now_ms);
        if (rc == SQLITE_OK && cJSON_IsString(p->pre))
                rc = sqlite3_bind_text(st, PRE_PARAM, p->pre->valuestring, -1, SQLITE_TRANSIENT);
        else if (rc == SQLITE_OK && p->pre)
                rc = sqlite3_bind_double(st, PRE_PARAM, p->pre->valuedouble);
        return rc == SQLITE_OK ? 0 : RIFT_E_STORE;
}

/* Appends "<head> FROM table WHERE ..." to sql; p receives what to bind. */
static int stmt_where(struct sqlite_store *q, const struct rift_store_req *req, const char *head,
                      struct rift_buf *sql, struct where_params *p)
{
        int r;

        r = table_ensure(q, req->coll);
        if (r >= 0)
                r = rift_buf_printf(sql, "%s FROM \"c_%s\"", head, req->coll);
        if (r >= 0)
                r = where_build(q, req, sql, p);
        return r;
}

/* Sort parameters start at ?5; their paths live in paths until the statement is done. */
static int order_build(const struct rift_store_req *req, struct rift_buf *sql,
                       char paths[RIFT_STORE_MAX_SORT][PATH_MAX_LEN])
{
        int r = rift_buf_append_str(sql, " ORDER BY ");

        for (size_t i = 0; r >= 0 && i < req->n_sort; i++) {
                r = json_path(req->sort[i].field, paths[i]);
                if (r >= 0)
                        r = rift_buf_printf(sql, "json_extract(doc, ?%zu) %s, ", i + 5,
                                            req->sort[i].desc ? "DESC" : "ASC");
        }
        if (r >= 0)
                r = rift_buf_printf(sql, "_id ASC LIMIT ?%zu OFFSET ?%zu", req->n_sort + 5, req->n_sort + 6);
        return r;
}

static int rows_collect(struct sqlite_store *q, sqlite3_stmt *st, cJSON **ret_docs)
{
        cJSON *docs = cJSON_CreateArray(), *doc;
        int rc;

        if (!docs)
                return -ENOMEM;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                doc = cJSON_ParseWithLength((const char *)sqlite3_column_text(st, 0),
                                            (size_t)sqlite3_column_bytes(st, 0));
                if (!doc) {
                        cJSON_Delete(docs);
                        return RIFT_E_STORE;
                }
                cJSON_AddItemToArray(docs, doc);
        }
        if (rc != SQLITE_DONE) {
                cJSON_Delete(docs);
                return map_error(q->db, rc);
        }
        *ret_docs = docs;
        return 0;
}

static int sqlite_find(struct rift_store *s, const struct rift_store_req *req, cJSON **ret_docs)
{
        struct sqlite_store *q = to_sqlite(s);
        _cleanup_buf_ struct rift_buf sql = RIFT_BUF_INIT(SQL_MAX);
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        char paths[RIFT_STORE_MAX_SORT][PATH_MAX_LEN];
        struct where_params p;
        int r, rc = SQLITE_OK;

        r = stmt_where(q, req, "SELECT doc", &sql, &p);
        if (r >= 0)
                r = order_build(req, &sql, paths);
        if (r >= 0)
                r = prepare(q, sql.data, &st);
        if (r >= 0)
                r = where_bind(st, req, &p);
        if (r < 0)
                return r;
        for (size_t i = 0; rc == SQLITE_OK && i < req->n_sort; i++)
                rc = sqlite3_bind_text(st, (int)i + 5, paths[i], -1, SQLITE_TRANSIENT);
        if (rc == SQLITE_OK)
                rc = sqlite3_bind_int64(st, (int)req->n_sort + 5, (sqlite3_int64)req->limit);
        if (rc == SQLITE_OK)
                rc = sqlite3_bind_int64(st, (int)req->n_sort + 6,
                                        (sqlite3_int64)MIN(req->skip, (size_t)INT64_MAX));
        if (rc != SQLITE_OK)
                return map_error(q->db, rc);
        return rows_collect(q, st, ret_docs);
}

/* Builds, prepares and binds "HEAD FROM coll WHERE ..." for a statement without sort or paging. */
static int where_prepare(struct sqlite_store *q, const struct rift_store_req *req, const char *head,
                         sqlite3_stmt **ret)
{
        _cleanup_buf_ struct rift_buf sql = RIFT_BUF_INIT(SQL_MAX);
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        struct where_params p;
        int r;

        r = stmt_where(q, req, head, &sql, &p);
        if (r >= 0)
                r = prepare(q, sql.data, &st);
        if (r >= 0)
                r = where_bind(st, req, &p);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(st);
        return 0;
}

static int sqlite_count(struct rift_store *s, const struct rift_store_req *req, uint64_t *ret_count)
{
        struct sqlite_store *q = to_sqlite(s);
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r, rc;

        r = where_prepare(q, req, "SELECT count(*)", &st);
        if (r < 0)
                return r;
        rc = sqlite3_step(st);
        if (rc != SQLITE_ROW)
                return map_error(q->db, rc) ?: RIFT_E_STORE;
        *ret_count = (uint64_t)sqlite3_column_int64(st, 0);
        return 0;
}

static int sqlite_delete_many(struct rift_store *s, const struct rift_store_req *req, uint64_t *ret_deleted)
{
        struct sqlite_store *q = to_sqlite(s);
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r, rc;

        r = where_prepare(q, req, "DELETE", &st);
        if (r < 0)
                return r;
        rc = sqlite3_step(st);
        if (rc != SQLITE_DONE)
                return map_error(q->db, rc) ?: RIFT_E_STORE;
        *ret_deleted = (uint64_t)sqlite3_changes64(q->db);
        return 0;
}

static int sqlite_insert(struct rift_store *s, const char *coll, const cJSON *doc, const char *json)
{
        struct sqlite_store *q = to_sqlite(s);
        _cleanup_buf_ struct rift_buf sql = RIFT_BUF_INIT(SQL_MAX);
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(doc, "_id");
        int r, rc;

        r = table_ensure(q, coll);
        if (r >= 0)
                r = rift_buf_printf(&sql, "INSERT INTO \"c_%s\" (_id, doc) VALUES (?1, ?2)", coll);
        if (r >= 0)
                r = prepare(q, sql.data, &st);
        if (r < 0)
                return r;
        rc = sqlite3_bind_text(st, 1, id->valuestring, -1, SQLITE_STATIC);
        if (rc == SQLITE_OK)
                rc = sqlite3_bind_text(st, 2, json, -1, SQLITE_STATIC);
        if (rc == SQLITE_OK)
                rc = sqlite3_step(st);
        return rc == SQLITE_DONE ? 0 : (map_error(q->db, rc) ?: RIFT_E_STORE);
}

static int sqlite_replace(struct rift_store *s, const struct rift_store_req *req, const char *id,
                          int64_t version, const cJSON *doc, const char *json)
{
        struct sqlite_store *q = to_sqlite(s);
        _cleanup_buf_ struct rift_buf sql = RIFT_BUF_INIT(SQL_MAX);
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        struct where_params p;
        int r, rc;

        /* req has an empty filter: the WHERE binds only the TTL's ?3 and ?4; ?1, ?5, ?6 are ours */
        r = table_ensure(q, req->coll);
        if (r >= 0)
                r = rift_buf_printf(&sql, "UPDATE \"c_%s\" SET doc = ?5", req->coll);
        if (r >= 0)
                r = where_build(q, req, &sql, &p);
        if (r >= 0)
                r = rift_buf_append_str(&sql, " AND _id = ?1 AND json_extract(doc, '$.\"_version\"') = ?6");
        if (r >= 0)
                r = prepare(q, sql.data, &st);
        if (r >= 0)
                r = where_bind(st, req, &p);
        if (r < 0)
                return r;
        rc = sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        if (rc == SQLITE_OK)
                rc = sqlite3_bind_text(st, 5, json, -1, SQLITE_STATIC);
        if (rc == SQLITE_OK)
                rc = sqlite3_bind_int64(st, 6, version);
        if (rc == SQLITE_OK)
                rc = sqlite3_step(st);
        if (rc != SQLITE_DONE)
                return map_error(q->db, rc) ?: RIFT_E_STORE;
        return sqlite3_changes64(q->db) > 0 ? 0 : RIFT_E_NOTFOUND;
}

/* An index on json_type(field), so the prefilter's "is an array" branch is indexed too. */
static int type_index(struct sqlite_store *q, const char *coll, const char *field)
{
        _cleanup_buf_ struct rift_buf sql = RIFT_BUF_INIT(SQL_MAX);
        char path[PATH_MAX_LEN];
        int r;

        r = json_path(field, path);
        if (r >= 0)
                r = rift_buf_printf(
                    &sql, "CREATE INDEX IF NOT EXISTS \"t_%s_%s\" ON \"c_%s\" (json_type(doc, '%s'))", coll,
                    field, coll, path);
        return r < 0 ? r : exec(q->db, sql.data);
}

static int sqlite_ensure_index(struct rift_store *s, const char *coll, const char *const *fields,
                               size_t n_fields, bool unique)
{
        struct sqlite_store *q = to_sqlite(s);
        _cleanup_buf_ struct rift_buf name = RIFT_BUF_INIT(SQL_MAX);
        _cleanup_buf_ struct rift_buf sql = RIFT_BUF_INIT(SQL_MAX);
        char path[PATH_MAX_LEN];
        int r;

        r = table_ensure(q, coll);
        if (r >= 0)
                r = rift_buf_printf(&name, "i_%s_%s", coll, unique ? "u" : "n");
        for (size_t i = 0; r >= 0 && i < n_fields; i++)
                r = rift_buf_printf(&name, "_%s", fields[i]);
        if (r >= 0)
                r = rift_buf_printf(&sql, "CREATE %sINDEX IF NOT EXISTS \"%s\" ON \"c_%s\" (",
                                    unique ? "UNIQUE " : "", name.data, coll);
        for (size_t i = 0; r >= 0 && i < n_fields; i++) {
                r = json_path(fields[i], path);
                if (r >= 0)
                        r = rift_buf_printf(&sql, "%sjson_extract(doc, '%s')", i ? ", " : "", path);
        }
        if (r >= 0)
                r = rift_buf_append_char(&sql, ')');
        if (r >= 0)
                r = exec(q->db, sql.data);
        if (r >= 0)
                r = type_index(q, coll, fields[0]);
        if (r < 0)
                return r;
        if (!field_indexed(q, coll, fields[0]) && q->n_indexed < MAX_INDEXED) {
                rift_strlcpy(q->indexed[q->n_indexed].coll, coll, RIFT_MAX_ID + 1);
                rift_strlcpy(q->indexed[q->n_indexed].field, fields[0], RIFT_STORE_MAX_FIELD + 1);
                q->n_indexed++;
        }
        return 0;
}

static int sqlite_purge(struct rift_store *s, const char *coll, const char *ttl_field, int64_t now_ms,
                        uint64_t *ret_purged)
{
        const struct rift_store_filter none = { .n = 0 };
        const struct rift_store_req req = { .coll = coll, .filter = &none };
        struct sqlite_store *q = to_sqlite(s);
        _cleanup_buf_ struct rift_buf sql = RIFT_BUF_INIT(SQL_MAX);
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        char path[PATH_MAX_LEN];
        int r, rc;

        r = table_ensure(q, req.coll);
        if (r >= 0)
                r = json_path(ttl_field, path);
        if (r >= 0)
                r = rift_buf_printf(&sql,
                                    "DELETE FROM \"c_%s\" WHERE json_type(doc, ?1) IN ('integer', 'real')"
                                    " AND json_extract(doc, ?1) <= ?2",
                                    coll);
        if (r >= 0)
                r = prepare(q, sql.data, &st);
        if (r < 0)
                return r;
        rc = sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
        if (rc == SQLITE_OK)
                rc = sqlite3_bind_int64(st, 2, now_ms);
        if (rc == SQLITE_OK)
                rc = sqlite3_step(st);
        if (rc != SQLITE_DONE)
                return map_error(q->db, rc) ?: RIFT_E_STORE;
        if (ret_purged)
                *ret_purged = (uint64_t)sqlite3_changes64(q->db);
        return 0;
}

/* "sqlite:///abs/path" -> "/abs/path"; "sqlite://:memory:" -> ":memory:". */
static int uri_path(const char *uri, const char **ret)
{
        const char *rest = uri + strlen("sqlite://");

        if (strcmp(rest, ":memory:") != 0 && (rest[0] != '/' || rest[1] == '\0'))
                return RIFT_E_INVALID;
        *ret = rest;
        return 0;
}

static int db_setup(sqlite3 *db, bool memory)
{
        static const char *const pragmas[] = {
                "PRAGMA synchronous = FULL",
                "PRAGMA busy_timeout = 5000",
                /* 512 KiB page cache instead of 2 MiB: services keep their hot data in their own
                 * caches, and the OS page cache holds the file; this keeps idle RSS small. */
                "PRAGMA cache_size = -512",
        };
        _cleanup_stmt_ sqlite3_stmt *st = NULL;
        int r;

        if (!memory) {
                /* WAL must be confirmed: a file that cannot use it is refused */
                if (sqlite3_prepare_v2(db, "PRAGMA journal_mode = WAL", -1, &st, NULL) != SQLITE_OK ||
                    sqlite3_step(st) != SQLITE_ROW ||
                    strcmp((const char *)sqlite3_column_text(st, 0), "wal") != 0)
                        return RIFT_E_STORE;
        }
        for (size_t i = 0; i < ARRAY_SIZE(pragmas); i++) {
                r = exec(db, pragmas[i]);
                if (r < 0)
                        return r;
        }
        return map_error(db, sqlite3_create_function_v2(db, "rift_match", 2, SQLITE_UTF8, NULL, fn_match,
                                                        NULL, NULL, NULL));
}

static int sqlite_open(const char *uri, struct rift_store **ret)
{
        struct sqlite_store *q;
        const char *path;
        int r, rc;

        r = uri_path(uri, &path);
        if (r < 0)
                return r;
        q = calloc(1, sizeof(*q));
        if (!q)
                return -ENOMEM;
        rc = sqlite3_open_v2(path, &q->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                             NULL);
        r = rc == SQLITE_OK ? db_setup(q->db, strcmp(path, ":memory:") == 0) : RIFT_E_UNAVAILABLE;
        if (r < 0) {
                log_debug("sqlite open failed", LOG_STR("path", path),
                          LOG_STR("message", q->db ? sqlite3_errmsg(q->db) : NULL));
                sqlite3_close(q->db);
                free(q);
                return r;
        }
        *ret = &q->base;
        return 0;
}

static void sqlite_close(struct rift_store *s)
{
        struct sqlite_store *q = to_sqlite(s);

        sqlite3_close(q->db);
        free(q);
}

const struct rift_store_ops rift_store_sqlite_ops = {
        .name = "sqlite",
        .scheme = "sqlite://",
        .open = sqlite_open,
        .close = sqlite_close,
        .insert = sqlite_insert,
        .find = sqlite_find,
        .count = sqlite_count,
        .replace = sqlite_replace,
        .delete_many = sqlite_delete_many,
        .ensure_index = sqlite_ensure_index,
        .purge = sqlite_purge,
};
