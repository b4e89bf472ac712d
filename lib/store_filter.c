/* Filter parsing and matching for the document store (see store_filter.h). */
#include <math.h>
#include <string.h>

#include "lib/error.h"
#include "lib/store_filter.h"

struct op_name {
        const char *name;      /* operator as written in a filter */
        enum rift_store_op op; /* its condition */
};

static const struct op_name op_names[] = {
        { "$eq", RIFT_STORE_OP_EQ },   { "$ne", RIFT_STORE_OP_NE },   { "$in", RIFT_STORE_OP_IN },
        { "$nin", RIFT_STORE_OP_NIN }, { "$gt", RIFT_STORE_OP_GT },   { "$gte", RIFT_STORE_OP_GTE },
        { "$lt", RIFT_STORE_OP_LT },   { "$lte", RIFT_STORE_OP_LTE }, { "$exists", RIFT_STORE_OP_EXISTS },
};

static bool is_scalar(const cJSON *v)
{
        return cJSON_IsString(v) || cJSON_IsNumber(v) || cJSON_IsBool(v) || cJSON_IsNull(v);
}

static int operand_check(enum rift_store_op op, const cJSON *v)
{
        const cJSON *e;
        int n = 0;

        switch (op) {
        case RIFT_STORE_OP_EQ:
        case RIFT_STORE_OP_NE:
                return is_scalar(v) ? 0 : RIFT_E_INVALID;
        case RIFT_STORE_OP_IN:
        case RIFT_STORE_OP_NIN:
                if (!cJSON_IsArray(v))
                        return RIFT_E_INVALID;
                cJSON_ArrayForEach(e, v)
                {
                        if (!is_scalar(e) || ++n > (int)RIFT_STORE_MAX_IN)
                                return RIFT_E_INVALID;
                }
                return 0;
        case RIFT_STORE_OP_EXISTS:
                return cJSON_IsBool(v) ? 0 : RIFT_E_INVALID;
        default:
                return (cJSON_IsString(v) || cJSON_IsNumber(v)) ? 0 : RIFT_E_INVALID;
        }
}

static int cond_add(struct rift_store_filter *f, const char *field, enum rift_store_op op, const cJSON *v)
{
        int r;

        if (f->n >= RIFT_STORE_MAX_CONDS)
                return RIFT_E_INVALID;
        if (cJSON_IsNumber(v) && !isfinite(v->valuedouble))
                return RIFT_E_INVALID;
        r = operand_check(op, v);
        if (r < 0)
                return r;
        f->conds[f->n++] = (struct rift_store_cond){ .field = field, .op = op, .value = v };
        return 0;
}

static int op_lookup(const char *name, enum rift_store_op *ret)
{
        for (size_t i = 0; i < ARRAY_SIZE(op_names); i++)
                if (strcmp(op_names[i].name, name) == 0) {
                        *ret = op_names[i].op;
                        return 0;
                }
        return RIFT_E_INVALID;
}

/* {"$gt": 1, "$lt": 5}: every key an operator; an empty object is not a valid condition. */
static int parse_operators(struct rift_store_filter *f, const char *field, const cJSON *ops)
{
        const cJSON *o;
        enum rift_store_op op;
        int r;

        if (!ops->child)
                return RIFT_E_INVALID;
        cJSON_ArrayForEach(o, ops)
        {
                if (!o->string || op_lookup(o->string, &op) < 0)
                        return RIFT_E_INVALID;
                r = cond_add(f, field, op, o);
                if (r < 0)
                        return r;
        }
        return 0;
}

int rift_store_filter_parse(const cJSON *filter, struct rift_store_filter *ret)
{
        struct rift_store_filter f = { .n = 0 };
        const cJSON *c;
        int r;

        if (!filter) {
                *ret = f;
                return 0;
        }
        if (!cJSON_IsObject(filter))
                return RIFT_E_INVALID;
        cJSON_ArrayForEach(c, filter)
        {
                if (!c->string || !rift_store_field_valid(c->string))
                        return RIFT_E_INVALID;
                if (cJSON_IsObject(c))
                        r = parse_operators(&f, c->string, c);
                else
                        r = cond_add(&f, c->string, RIFT_STORE_OP_EQ, c);
                if (r < 0)
                        return r;
        }
        *ret = f;
        return 0;
}

/* ---- matching ---------------------------------------------------------------------------------- */

/* Called for every value a path reaches; returns true to stop early. */
typedef bool (*visit_fn)(const cJSON *v, const struct rift_store_cond *c);

static bool visit(const cJSON *node, const char *path, visit_fn fn, const struct rift_store_cond *c,
                  bool *reached)
{
        const cJSON *e;
        const char *dot;
        size_t len;

        if (!*path) {
                *reached = true;
                if (fn(node, c))
                        return true;
                if (cJSON_IsArray(node))
                        cJSON_ArrayForEach(e, node) if (fn(e, c)) return true;
                return false;
        }
        if (cJSON_IsArray(node)) {
                cJSON_ArrayForEach(e, node)
                {
                        if (cJSON_IsObject(e) && visit(e, path, fn, c, reached))
                                return true;
                }
                return false;
        }
        if (!cJSON_IsObject(node))
                return false;
        dot = strchr(path, '.');
        len = dot ? (size_t)(dot - path) : strlen(path);
        cJSON_ArrayForEach(e, node)
        {
                if (e->string && strlen(e->string) == len && memcmp(e->string, path, len) == 0)
                        return visit(e, dot ? dot + 1 : path + len, fn, c, reached);
        }
        return false;
}

static bool scalar_equal(const cJSON *a, const cJSON *b)
{
        if (cJSON_IsNumber(a) && cJSON_IsNumber(b))
                return a->valuedouble == b->valuedouble;
        if (cJSON_IsString(a) && cJSON_IsString(b))
                return strcmp(a->valuestring, b->valuestring) == 0;
        if (cJSON_IsBool(a) && cJSON_IsBool(b))
                return cJSON_IsTrue(a) == cJSON_IsTrue(b);
        return cJSON_IsNull(a) && cJSON_IsNull(b);
}

static bool in_list(const cJSON *v, const cJSON *list)
{
        const cJSON *e;

        cJSON_ArrayForEach(e, list) if (scalar_equal(v, e)) return true;
        return false;
}

static bool list_has_null(const cJSON *list)
{
        const cJSON *e;

        cJSON_ArrayForEach(e, list) if (cJSON_IsNull(e)) return true;
        return false;
}

static bool fn_eq(const cJSON *v, const struct rift_store_cond *c)
{
        return scalar_equal(v, c->value);
}

static bool fn_in(const cJSON *v, const struct rift_store_cond *c)
{
        return in_list(v, c->value);
}

static bool fn_any(const cJSON *v, const struct rift_store_cond *c)
{
        return true;
}

/* <0, 0, >0, or 2 when the types cannot be ordered against each other. */
static int compare(const cJSON *a, const cJSON *b)
{
        int r;

        if (cJSON_IsNumber(a) && cJSON_IsNumber(b))
                return (a->valuedouble > b->valuedouble) - (a->valuedouble < b->valuedouble);
        if (cJSON_IsString(a) && cJSON_IsString(b)) {
                r = strcmp(a->valuestring, b->valuestring);
                return (r > 0) - (r < 0);
        }
        return 2;
}

static bool fn_cmp(const cJSON *v, const struct rift_store_cond *c)
{
        int r = compare(v, c->value);

        if (r == 2)
                return false;
        switch (c->op) {
        case RIFT_STORE_OP_GT:
                return r > 0;
        case RIFT_STORE_OP_GTE:
                return r >= 0;
        case RIFT_STORE_OP_LT:
                return r < 0;
        default:
                return r <= 0;
        }
}

static bool cond_match(const struct rift_store_cond *c, const cJSON *doc)
{
        bool reached = false, hit;

        switch (c->op) {
        case RIFT_STORE_OP_EQ:
        case RIFT_STORE_OP_NE:
                hit = visit(doc, c->field, fn_eq, c, &reached);
                if (!reached && cJSON_IsNull(c->value))
                        hit = true;
                return c->op == RIFT_STORE_OP_EQ ? hit : !hit;
        case RIFT_STORE_OP_IN:
        case RIFT_STORE_OP_NIN:
                hit = visit(doc, c->field, fn_in, c, &reached);
                if (!reached && list_has_null(c->value))
                        hit = true;
                return c->op == RIFT_STORE_OP_IN ? hit : !hit;
        case RIFT_STORE_OP_EXISTS:
                visit(doc, c->field, fn_any, c, &reached);
                return reached == cJSON_IsTrue(c->value);
        default:
                return visit(doc, c->field, fn_cmp, c, &reached);
        }
}

bool rift_store_filter_match(const struct rift_store_filter *f, const cJSON *doc)
{
        for (size_t i = 0; i < f->n; i++)
                if (!cond_match(&f->conds[i], doc))
                        return false;
        return true;
}

const char *rift_store_filter_id(const struct rift_store_filter *f)
{
        for (size_t i = 0; i < f->n; i++) {
                const struct rift_store_cond *c = &f->conds[i];

                if (c->op == RIFT_STORE_OP_EQ && strcmp(c->field, "_id") == 0 && cJSON_IsString(c->value))
                        return c->value->valuestring;
        }
        return NULL;
}

static int doc_check_depth(const cJSON *node, unsigned depth)
{
        const cJSON *e;
        int r;

        if (depth > RIFT_STORE_MAX_DEPTH)
                return RIFT_E_INVALID;
        cJSON_ArrayForEach(e, node)
        {
                if (cJSON_IsObject(node) && (!e->string || e->string[0] == '$' || strchr(e->string, '.')))
                        return RIFT_E_INVALID;
                if (cJSON_IsNumber(e) && !isfinite(e->valuedouble))
                        return RIFT_E_INVALID;
                if (cJSON_IsObject(e) || cJSON_IsArray(e)) {
                        r = doc_check_depth(e, depth + 1);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

int rift_store_doc_check(const cJSON *doc)
{
        if (!cJSON_IsObject(doc) || cJSON_GetObjectItemCaseSensitive(doc, "_rid"))
                return RIFT_E_INVALID; /* _rid is reserved by the MongoDB backend */
        return doc_check_depth(doc, 1);
}
