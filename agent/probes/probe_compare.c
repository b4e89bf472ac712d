/* Comparators of Litmus probes: int/float criteria >= <= > < == != oneOf between, and string criteria
 * equal notEqual contains matches notMatches oneOf. Pure functions. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <regex.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "agent/probes/probe.h"
#include "lib/error.h"
#include "lib/macro.h"
#include "lib/str.h"

static const struct {
        const char *name; /* criteria as written in the spec */
        enum probe_op op; /* what it means */
        bool numeric;     /* valid for int/float comparators (else string) */
} op_table[] = {
        { ">=", PROBE_OP_GE, true },
        { "<=", PROBE_OP_LE, true },
        { ">", PROBE_OP_GT, true },
        { "<", PROBE_OP_LT, true },
        { "==", PROBE_OP_EQ, true },
        { "!=", PROBE_OP_NE, true },
        { "oneOf", PROBE_OP_ONEOF, true },
        { "between", PROBE_OP_BETWEEN, true },
        { "equal", PROBE_OP_EQUAL, false },
        { "notEqual", PROBE_OP_NOTEQUAL, false },
        { "contains", PROBE_OP_CONTAINS, false },
        { "matches", PROBE_OP_MATCHES, false },
        { "notMatches", PROBE_OP_NOTMATCHES, false },
        { "oneOf", PROBE_OP_ONEOF, false },
};

static const char *const cmp_type_names[] = {
        [PROBE_CMP_INT] = "int",
        [PROBE_CMP_FLOAT] = "float",
        [PROBE_CMP_STRING] = "string",
};

int probe_cmp_type_from_string(const char *s, enum probe_cmp_type *ret)
{
        for (size_t i = 0; i < ARRAY_SIZE(cmp_type_names); i++)
                if (rift_streq(s, cmp_type_names[i])) {
                        *ret = (enum probe_cmp_type)i;
                        return 0;
                }
        return RIFT_E_INVALID;
}

int probe_op_from_string(enum probe_cmp_type type, const char *s, enum probe_op *ret)
{
        bool numeric = type != PROBE_CMP_STRING;

        for (size_t i = 0; i < ARRAY_SIZE(op_table); i++)
                if (op_table[i].numeric == numeric && rift_streq(s, op_table[i].name)) {
                        *ret = op_table[i].op;
                        return 0;
                }
        return RIFT_E_INVALID;
}

static const char *op_name(enum probe_op op)
{
        for (size_t i = 0; i < ARRAY_SIZE(op_table); i++)
                if (op_table[i].op == op)
                        return op_table[i].name;
        return "?";
}

/* Parses one number of the comparator's type into a double (ints are exact up to 2^53). */
static int parse_num(enum probe_cmp_type type, const char *s, double *ret)
{
        _cleanup_free_ char *t = strdup(s);
        if (!t)
                return -ENOMEM;
        rift_strstrip(t);
        if (type == PROBE_CMP_INT) {
                int64_t v;
                int r = rift_parse_int64(t, INT64_MIN, INT64_MAX, &v);
                if (r < 0)
                        return r;
                *ret = (double)v;
                return 0;
        }
        double d;
        int r = rift_parse_double(t, &d);
        if (r < 0)
                return r;
        if (!isfinite(d))
                return RIFT_E_INVALID;
        *ret = d;
        return 0;
}

/* Splits a oneOf/between list: "a,b,c" or "[a, b, c]"; calls fn on each trimmed item until it returns
 * non-zero; returns that, 0 if none did, or a negative error. */
static int each_item(const char *list, int (*fn)(const char *item, void *ud), void *ud, size_t *ret_count)
{
        _cleanup_free_ char *copy = strdup(list);
        if (!copy)
                return -ENOMEM;
        char *s = rift_strstrip(copy);
        size_t n = strlen(s), count = 0;
        if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
                s[n - 1] = '\0';
                s++;
        }
        int r = 0;
        for (char *save = NULL, *item = strtok_r(s, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
                count++;
                r = fn(rift_strstrip(item), ud);
                if (r != 0)
                        break;
        }
        if (ret_count)
                *ret_count = count;
        return r;
}

struct num_match {
        enum probe_cmp_type type; /* how items parse */
        double actual;            /* value looked for */
};

static int num_item_eq(const char *item, void *ud)
{
        struct num_match *m = ud;
        double v;
        int r = parse_num(m->type, item, &v);
        if (r < 0)
                return r;
        return v == m->actual ? 1 : 0;
}

static int str_item_eq(const char *item, void *ud)
{
        return strcmp(item, (const char *)ud) == 0 ? 1 : 0;
}

static int num_between(const struct probe_comparator *c, double a)
{
        _cleanup_free_ char *copy = strdup(c->value);
        if (!copy)
                return -ENOMEM;
        char *s = rift_strstrip(copy);
        size_t n = strlen(s);
        if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
                s[n - 1] = '\0';
                s++;
        }
        char *comma = strchr(s, ',');
        if (!comma || strchr(comma + 1, ','))
                return RIFT_E_INVALID;
        *comma = '\0';
        double lo, hi;
        if (parse_num(c->type, s, &lo) < 0 || parse_num(c->type, comma + 1, &hi) < 0 || lo > hi)
                return RIFT_E_INVALID;
        return a >= lo && a <= hi;
}

static int compare_num(const struct probe_comparator *c, const char *actual)
{
        double a, e = 0;
        if (parse_num(c->type, actual, &a) < 0)
                return RIFT_E_PARSE;
        if (c->op == PROBE_OP_ONEOF) {
                struct num_match m = { c->type, a };
                size_t count = 0;
                int r = each_item(c->value, num_item_eq, &m, &count);
                if (r < 0 || count == 0)
                        return RIFT_E_INVALID;
                return r;
        }
        if (c->op == PROBE_OP_BETWEEN)
                return num_between(c, a);
        if (parse_num(c->type, c->value, &e) < 0)
                return RIFT_E_INVALID;
        switch (c->op) {
        case PROBE_OP_GE:
                return a >= e;
        case PROBE_OP_LE:
                return a <= e;
        case PROBE_OP_GT:
                return a > e;
        case PROBE_OP_LT:
                return a < e;
        case PROBE_OP_EQ:
                return a == e;
        case PROBE_OP_NE:
                return a != e;
        default:
                return RIFT_E_INVALID;
        }
}

/* glibc's regcomp expands every `+` and `{n,m}` by copying the operand's tree, so stacked or nested
 * quantifiers ("a+++++++…", "((a+)+)+…") grow exponentially: a probe's pattern could exhaust the agent's
 * memory. A pattern is refused when the product of its expansion factors (2 per `+`, the larger bound
 * per interval) passes REGEX_MAX_EXPANSION, as if every quantifier were nested, or when a quantifier
 * follows another one directly. */
#define REGEX_MAX_EXPANSION 65536.0
#define REGEX_MAX_LEN       1024

/* Reads "{n}", "{n,}" or "{n,m}" at p; returns its expansion factor and advances *end past it. */
static double interval_factor(const char *p, const char **end)
{
        char *e;
        double n = strtod(p + 1, &e), m = n;

        if (*e == ',') {
                m = isdigit((unsigned char)e[1]) ? strtod(e + 1, &e) : n + 1;
                if (*e == ',')
                        e++;
        }
        *end = *e == '}' ? e + 1 : e;
        return MAX(MAX(n, m), 1.0);
}

static bool regex_too_complex(const char *p)
{
        double product = 1;
        bool after_quantifier = false;

        if (strlen(p) > REGEX_MAX_LEN)
                return true;
        while (*p) {
                bool quantifier = *p == '*' || *p == '+' || *p == '?' || *p == '{';
                if (quantifier && after_quantifier)
                        return true;
                if (*p == '\\' && p[1]) {
                        p += 2;
                } else if (*p == '[') { /* bracket expression: "]" first is literal */
                        p += p[1] == '^' ? 2 : 1;
                        if (*p == ']')
                                p++;
                        while (*p && *p != ']')
                                p++;
                        if (*p)
                                p++;
                } else if (*p == '{' && isdigit((unsigned char)p[1])) {
                        product *= interval_factor(p, &p);
                } else {
                        if (*p == '+')
                                product *= 2;
                        p++;
                }
                after_quantifier = quantifier;
                if (product > REGEX_MAX_EXPANSION)
                        return true;
        }
        return false;
}

static int regex_match(const char *pattern, const char *actual)
{
        regex_t re;
        if (regex_too_complex(pattern))
                return RIFT_E_INVALID;
        if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) != 0)
                return RIFT_E_INVALID;
        int r = regexec(&re, actual, 0, NULL, 0);
        regfree(&re);
        return r == 0;
}

static int compare_str(const struct probe_comparator *c, const char *actual)
{
        int r;
        switch (c->op) {
        case PROBE_OP_EQUAL:
                return strcmp(actual, c->value) == 0;
        case PROBE_OP_NOTEQUAL:
                return strcmp(actual, c->value) != 0;
        case PROBE_OP_CONTAINS:
                return strstr(actual, c->value) != NULL;
        case PROBE_OP_MATCHES:
                return regex_match(c->value, actual);
        case PROBE_OP_NOTMATCHES:
                r = regex_match(c->value, actual);
                return r < 0 ? r : !r;
        case PROBE_OP_ONEOF: {
                size_t count = 0;
                r = each_item(c->value, str_item_eq, (void *)actual, &count);
                return r < 0 || count == 0 ? RIFT_E_INVALID : r;
        }
        default:
                return RIFT_E_INVALID;
        }
}

int probe_compare(const struct probe_comparator *c, const char *actual, char *why, size_t whysz)
{
        int r = c->type == PROBE_CMP_STRING ? compare_str(c, actual) : compare_num(c, actual);

        if (why && whysz) {
                if (r == RIFT_E_PARSE)
                        snprintf(why, whysz, "actual value %.64s is not a valid %s", actual,
                                 cmp_type_names[c->type]);
                else if (r < 0)
                        snprintf(why, whysz, "expected value %.64s is not valid for %s %s", c->value,
                                 cmp_type_names[c->type], op_name(c->op));
                else if (r == 0)
                        snprintf(why, whysz, "actual value: %.64s, expected: %s %.64s", actual,
                                 op_name(c->op), c->value);
                else
                        snprintf(why, whysz, "actual value: %.64s meets %s %.64s", actual, op_name(c->op),
                                 c->value);
        }
        return r;
}
