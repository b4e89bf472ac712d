/* Table-driven configuration: defaults < file < environment < command line, validated whole. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/config.h"
#include "lib/error.h"
#include "lib/limits_rift.h"
#include "lib/macro.h"
#include "lib/str.h"

#define MSG_MAX   512 /* longest error message */
#define SHOWN_MAX 64  /* longest part of a value quoted in a message */

/* One load in progress: the candidate struct and what each option has seen so far. */
struct load {
        const struct rift_config_spec *spec; /* the program's table */
        void *tmp;                           /* candidate struct, applied only when everything is valid */
        enum rift_config_source *src;        /* per option: source of the current value */
        unsigned *line;                      /* per option: file line that set it (0 = none) */
        bool *in_args;                       /* per option: already given on the command line */
        bool tmp_ready;                      /* tmp holds a copy whose option fields we own */
        char msg[MSG_MAX];                   /* the first error */
};

/* Parses text into the field at f; on failure writes the reason (naming `shown`) into why. */
typedef int (*parse_fn)(const struct rift_config_option *o, const char *text, const char *shown, void *f,
                        char *why, size_t why_size);
/* Appends the field's value as a file value would be written. */
typedef int (*format_fn)(const struct rift_config_option *o, const void *f, struct rift_buf *out);

/* How one type is parsed, printed and released. */
struct type_ops {
        const char *name; /* placeholder in --help */
        size_t size;      /* size of the field */
        parse_fn parse;   /* text -> field */
        format_fn format; /* field -> text */
        bool owned;       /* field is heap memory released by rift_config_free */
};

static void *field(const struct rift_config_option *o, void *cfg)
{
        return (char *)cfg + o->offset;
}

static const void *cfield(const struct rift_config_option *o, const void *cfg)
{
        return (const char *)cfg + o->offset;
}

static void free_list(char **list)
{
        if (!list)
                return;
        for (char **p = list; *p; p++)
                free(*p);
        free(list);
}

/* ---- parsers ---------------------------------------------------------------------------------------- */

static int parse_int(const struct rift_config_option *o, const char *text, const char *shown, void *f,
                     char *why, size_t why_size)
{
        bool any = o->min == 0 && o->max == 0;
        int64_t min = any ? INT64_MIN : o->min, max = any ? INT64_MAX : o->max, v;
        int r = rift_parse_int64(text, min, max, &v);

        if (r == -ERANGE)
                snprintf(why, why_size, "%s is out of range %" PRId64 "..%" PRId64, shown, min, max);
        else if (r < 0)
                snprintf(why, why_size, "%s is not an integer", shown);
        else
                *(int64_t *)f = v;
        return r;
}

static int parse_bool(const struct rift_config_option *o, const char *text, const char *shown, void *f,
                      char *why, size_t why_size)
{
        bool v;
        int r = rift_parse_bool(text, &v);

        if (r < 0)
                snprintf(why, why_size, "%s is not a boolean (true/false, yes/no, on/off, 1/0)", shown);
        else
                *(bool *)f = v;
        return r;
}

static void format_ms(int64_t ms, char *out, size_t size)
{
        static const struct {
                const char *suffix; /* unit accepted by rift_parse_duration_ms */
                int64_t ms;         /* its length */
        } units[] = { { "d", 86400000 }, { "h", 3600000 }, { "m", 60000 }, { "s", 1000 } };

        for (size_t i = 0; i < ARRAY_SIZE(units); i++)
                if (ms != 0 && ms % units[i].ms == 0) {
                        snprintf(out, size, "%" PRId64 "%s", ms / units[i].ms, units[i].suffix);
                        return;
                }
        snprintf(out, size, "%" PRId64 "ms", ms);
}

static void format_bytes(uint64_t n, char *out, size_t size)
{
        static const char *const suffix[] = { "TiB", "GiB", "MiB", "KiB" };

        for (size_t i = 0; i < ARRAY_SIZE(suffix); i++) {
                uint64_t unit = 1ull << (10 * (ARRAY_SIZE(suffix) - i));

                if (n != 0 && n % unit == 0) {
                        snprintf(out, size, "%" PRIu64 "%s", n / unit, suffix[i]);
                        return;
                }
        }
        snprintf(out, size, "%" PRIu64, n);
}

static int parse_duration(const struct rift_config_option *o, const char *text, const char *shown, void *f,
                          char *why, size_t why_size)
{
        char lo[32], hi[32];
        int64_t v;
        int r = rift_parse_duration_ms(text, &v);

        if (r < 0) {
                snprintf(why, why_size, "%s is not a duration (like 150ms, 5s, 2m, 1h)", shown);
                return r;
        }
        if (o->max > 0 && (v < o->min || v > o->max)) {
                format_ms(o->min, lo, sizeof(lo));
                format_ms(o->max, hi, sizeof(hi));
                snprintf(why, why_size, "%s is out of range %s..%s", shown, lo, hi);
                return -ERANGE;
        }
        *(int64_t *)f = v;
        return 0;
}

static int parse_size(const struct rift_config_option *o, const char *text, const char *shown, void *f,
                      char *why, size_t why_size)
{
        char lo[32], hi[32];
        uint64_t v;
        int r = rift_parse_size(text, &v);

        if (r < 0) {
                snprintf(why, why_size, "%s is not a size (like 512, 64k, 4MiB, 1G)", shown);
                return r;
        }
        if (o->max > 0 && (v < (uint64_t)MAX(o->min, 0) || v > (uint64_t)o->max)) {
                format_bytes((uint64_t)MAX(o->min, 0), lo, sizeof(lo));
                format_bytes((uint64_t)o->max, hi, sizeof(hi));
                snprintf(why, why_size, "%s is out of range %s..%s", shown, lo, hi);
                return -ERANGE;
        }
        *(uint64_t *)f = v;
        return 0;
}

static void join_choices(const char *const *choices, const char *sep, char *out, size_t size)
{
        size_t n = 0;

        out[0] = '\0';
        for (size_t i = 0; choices && choices[i] && n < size; i++)
                n += (size_t)snprintf(out + n, size - n, "%s%s", i ? sep : "", choices[i]);
}

static int parse_enum(const struct rift_config_option *o, const char *text, const char *shown, void *f,
                      char *why, size_t why_size)
{
        char names[256];

        for (int i = 0; o->choices && o->choices[i]; i++)
                if (strcasecmp(text, o->choices[i]) == 0) {
                        *(int *)f = i;
                        return 0;
                }
        join_choices(o->choices, ", ", names, sizeof(names));
        snprintf(why, why_size, "%s is not one of %s", shown, names);
        return RIFT_E_INVALID;
}

static bool has_control(const char *s)
{
        for (; *s; s++)
                if ((unsigned char)*s < 0x20 || *s == 0x7f)
                        return true;
        return false;
}

static int set_string(void *f, const char *text)
{
        char *copy = strdup(text);

        if (!copy)
                return -ENOMEM;
        free(*(char **)f);
        *(char **)f = copy;
        return 0;
}

static int parse_string(const struct rift_config_option *o, const char *text, const char *shown, void *f,
                        char *why, size_t why_size)
{
        if (o->max > 0 && strlen(text) > (size_t)o->max) {
                snprintf(why, why_size, "value is longer than %" PRId64 " bytes", o->max);
                return RIFT_E_TOOBIG;
        }
        return set_string(f, text);
}

static int parse_path(const struct rift_config_option *o, const char *text, const char *shown, void *f,
                      char *why, size_t why_size)
{
        if (text[0] == '\0' || strlen(text) >= PATH_MAX || has_control(text)) {
                snprintf(why, why_size, "%s is not a valid path", shown);
                return RIFT_E_INVALID;
        }
        return set_string(f, text);
}

static bool scheme_allowed(const struct rift_config_option *o, const char *text, size_t n)
{
        if (!o->choices)
                return true;
        for (size_t i = 0; o->choices[i]; i++)
                if (strlen(o->choices[i]) == n && strncasecmp(text, o->choices[i], n) == 0)
                        return true;
        return false;
}

static int parse_uri(const struct rift_config_option *o, const char *text, const char *shown, void *f,
                     char *why, size_t why_size)
{
        char names[256];
        size_t n = strspn(text, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-");

        if (n == 0 || !strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", text[0]) ||
            text[n] != ':' || text[n + 1] == '\0' || has_control(text) || strchr(text, ' ')) {
                snprintf(why, why_size, "%s is not a URI (scheme:...)", shown);
                return RIFT_E_INVALID;
        }
        if (!scheme_allowed(o, text, n)) {
                join_choices(o->choices, ", ", names, sizeof(names));
                snprintf(why, why_size, "%s: scheme must be one of %s", shown, names);
                return RIFT_E_INVALID;
        }
        return set_string(f, text);
}

/* Splits "a, b,c" into a NULL-terminated array of stripped copies. */
static int split_list(const char *text, char ***ret, size_t *ret_n)
{
        size_t n = 0, cap = 1;
        char **list;

        for (const char *p = text; *p; p++)
                cap += *p == ',';
        list = calloc(cap + 1, sizeof(char *));
        if (!list)
                return -ENOMEM;
        for (const char *p = text;;) {
                size_t len = strcspn(p, ",");
                char *item = rift_strndup(p, len);

                if (!item) {
                        free_list(list);
                        return -ENOMEM;
                }
                list[n++] = item;
                rift_strstrip(item);
                if (p[len] == '\0')
                        break;
                p += len + 1;
        }
        *ret = list;
        *ret_n = n;
        return 0;
}

static int parse_list(const struct rift_config_option *o, const char *text, const char *shown, void *f,
                      char *why, size_t why_size)
{
        char **list = NULL;
        size_t n = 0;
        int r;

        if (*text) {
                r = split_list(text, &list, &n);
                if (r < 0)
                        return r;
        } else {
                list = calloc(1, sizeof(char *));
                if (!list)
                        return -ENOMEM;
        }
        for (size_t i = 0; i < n; i++)
                if (list[i][0] == '\0') {
                        snprintf(why, why_size, "%s has an empty item", shown);
                        free_list(list);
                        return RIFT_E_INVALID;
                }
        if (o->max > 0 && n > (size_t)o->max) {
                snprintf(why, why_size, "%zu items are more than the limit of %" PRId64, n, o->max);
                free_list(list);
                return RIFT_E_TOOBIG;
        }
        free_list(*(char ***)f);
        *(char ***)f = list;
        return 0;
}

/* ---- formatters ------------------------------------------------------------------------------------- */

static int format_int(const struct rift_config_option *o, const void *f, struct rift_buf *out)
{
        return rift_buf_printf(out, "%" PRId64, *(const int64_t *)f);
}

static int format_bool(const struct rift_config_option *o, const void *f, struct rift_buf *out)
{
        return rift_buf_append_str(out, *(const bool *)f ? "true" : "false");
}

static int format_duration(const struct rift_config_option *o, const void *f, struct rift_buf *out)
{
        char s[32];

        format_ms(*(const int64_t *)f, s, sizeof(s));
        return rift_buf_append_str(out, s);
}

static int format_size(const struct rift_config_option *o, const void *f, struct rift_buf *out)
{
        char s[32];

        format_bytes(*(const uint64_t *)f, s, sizeof(s));
        return rift_buf_append_str(out, s);
}

static int format_enum(const struct rift_config_option *o, const void *f, struct rift_buf *out)
{
        int i = *(const int *)f;
        int n = 0;

        while (o->choices && o->choices[n])
                n++;
        return rift_buf_append_str(out, i >= 0 && i < n ? o->choices[i] : "?");
}

static int format_string(const struct rift_config_option *o, const void *f, struct rift_buf *out)
{
        const char *s = *(char *const *)f;

        return rift_buf_append_str(out, s ? s : "");
}

static int format_list(const struct rift_config_option *o, const void *f, struct rift_buf *out)
{
        char *const *list = *(char **const *)f;
        int r = 0;

        for (size_t i = 0; list && list[i] && r >= 0; i++)
                r = rift_buf_printf(out, "%s%s", i ? "," : "", list[i]);
        return r;
}

static const struct type_ops type_ops[] = {
        [RIFT_CONFIG_STRING] = { "STRING", sizeof(char *), parse_string, format_string, true },
        [RIFT_CONFIG_INT] = { "INT", sizeof(int64_t), parse_int, format_int, false },
        [RIFT_CONFIG_BOOL] = { "BOOL", sizeof(bool), parse_bool, format_bool, false },
        [RIFT_CONFIG_DURATION] = { "DURATION", sizeof(int64_t), parse_duration, format_duration, false },
        [RIFT_CONFIG_SIZE] = { "SIZE", sizeof(uint64_t), parse_size, format_size, false },
        [RIFT_CONFIG_ENUM] = { "CHOICE", sizeof(int), parse_enum, format_enum, false },
        [RIFT_CONFIG_LIST] = { "LIST", sizeof(char **), parse_list, format_list, true },
        [RIFT_CONFIG_PATH] = { "PATH", sizeof(char *), parse_path, format_string, true },
        [RIFT_CONFIG_URI] = { "URI", sizeof(char *), parse_uri, format_string, true },
};

static const struct type_ops *ops(const struct rift_config_option *o)
{
        return (size_t)o->type < ARRAY_SIZE(type_ops) ? &type_ops[o->type] : &type_ops[RIFT_CONFIG_STRING];
}

/* ---- loading ---------------------------------------------------------------------------------------- */

static int fail(struct load *l, int r, const char *fmt, ...) _printf_(3, 4);
static int fail(struct load *l, int r, const char *fmt, ...)
{
        va_list ap;

        if (l->msg[0] == '\0') {
                va_start(ap, fmt);
                vsnprintf(l->msg, sizeof(l->msg), fmt, ap);
                va_end(ap);
        }
        return r;
}

/* Parses one value from one source into the candidate; `where` names key and source for messages. */
static int apply(struct load *l, size_t i, const char *text, enum rift_config_source src, const char *where)
{
        const struct rift_config_option *o = &l->spec->options[i];
        char shown[SHOWN_MAX + 8], why[MSG_MAX];
        int r;

        if (strlen(text) > RIFT_MAX_CONFIG_VALUE)
                return fail(l, RIFT_E_TOOBIG, "%s: value is longer than %u bytes", where,
                            RIFT_MAX_CONFIG_VALUE);
        if (!rift_utf8_valid(text, strlen(text)))
                return fail(l, RIFT_E_PARSE, "%s: value is not valid UTF-8", where);
        if (o->flags & RIFT_CONFIG_SECRET)
                snprintf(shown, sizeof(shown), "[secret]");
        else if (text[0] == '\0')
                snprintf(shown, sizeof(shown), "\"\"");
        else
                snprintf(shown, sizeof(shown), "%.*s%s", SHOWN_MAX, text,
                         strlen(text) > SHOWN_MAX ? "..." : "");
        why[0] = '\0';
        r = ops(o)->parse(o, text, shown, field(o, l->tmp), why, sizeof(why));
        if (r < 0)
                return fail(l, r, "%s: %s", where, why[0] ? why : rift_strerror(r));
        l->src[i] = src;
        return 0;
}

static int apply_defaults(struct load *l)
{
        char where[RIFT_MAX_ID + 32];

        for (size_t i = 0; i < l->spec->n_options; i++) {
                const struct rift_config_option *o = &l->spec->options[i];
                int r;

                if (!o->def)
                        continue;
                snprintf(where, sizeof(where), "%s (default)", o->key);
                r = apply(l, i, o->def, RIFT_CONFIG_SRC_DEFAULT, where);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int find_option(const struct rift_config_spec *spec, const char *key, size_t len, bool dashes)
{
        for (size_t i = 0; i < spec->n_options; i++) {
                const char *k = spec->options[i].key;
                size_t j = 0;

                for (; j < len && k[j]; j++)
                        if (key[j] != k[j] && !(dashes && key[j] == '-' && k[j] == '_'))
                                break;
                if (j == len && k[j] == '\0')
                        return (int)i;
        }
        return -1;
}

static bool key_valid(const char *key, size_t len)
{
        return len > 0 && len <= RIFT_MAX_ID && strspn(key, "abcdefghijklmnopqrstuvwxyz0123456789_") >= len;
}

/* Handles one non-blank, non-comment line [p, end) of the file. */
static int file_line(struct load *l, const char *name, unsigned lineno, const char *p, const char *end)
{
        char value[RIFT_MAX_CONFIG_VALUE + 1], where[RIFT_MAX_ID + PATH_MAX + 64];
        const char *eq = memchr(p, '=', (size_t)(end - p)), *k_end, *v;
        int i;

        if (!eq)
                return fail(l, RIFT_E_PARSE, "%s line %u: expected 'key = value'", name, lineno);
        for (k_end = eq; k_end > p && (k_end[-1] == ' ' || k_end[-1] == '\t');)
                k_end--;
        if (!key_valid(p, (size_t)(k_end - p)))
                return fail(l, RIFT_E_PARSE, "%s line %u: invalid key (expected [a-z0-9_]+)", name, lineno);
        i = find_option(l->spec, p, (size_t)(k_end - p), false);
        if (i < 0)
                return fail(l, RIFT_E_NOTFOUND, "%s line %u: unknown key '%.*s'", name, lineno,
                            (int)(k_end - p), p);
        snprintf(where, sizeof(where), "%s (%s line %u)", l->spec->options[i].key, name, lineno);
        if (l->line[i])
                return fail(l, RIFT_E_EXISTS, "%s: duplicate key, first set on line %u", where, l->line[i]);
        l->line[i] = lineno;
        for (v = eq + 1; v < end && (*v == ' ' || *v == '\t');)
                v++;
        while (end > v && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
                end--;
        if ((size_t)(end - v) > RIFT_MAX_CONFIG_VALUE)
                return fail(l, RIFT_E_TOOBIG, "%s: value is longer than %u bytes", where,
                            RIFT_MAX_CONFIG_VALUE);
        memcpy(value, v, (size_t)(end - v));
        value[end - v] = '\0';
        return apply(l, (size_t)i, value, RIFT_CONFIG_SRC_FILE, where);
}

static int apply_text(struct load *l, const char *name, const char *text, size_t len)
{
        const char *p = text, *end = text + len;
        unsigned lineno = 0;

        if (len > RIFT_MAX_CONFIG_FILE)
                return fail(l, RIFT_E_TOOBIG, "%s: file is larger than %u bytes", name, RIFT_MAX_CONFIG_FILE);
        if (memchr(text, '\0', len))
                return fail(l, RIFT_E_PARSE, "%s: file contains a NUL byte", name);
        if (!rift_utf8_valid(text, len))
                return fail(l, RIFT_E_PARSE, "%s: file is not valid UTF-8", name);
        while (p < end) {
                const char *eol = memchr(p, '\n', (size_t)(end - p)), *q = p;
                int r;

                if (!eol)
                        eol = end;
                lineno++;
                while (q < eol && (*q == ' ' || *q == '\t' || *q == '\r'))
                        q++;
                if (q < eol && *q != '#') {
                        r = file_line(l, name, lineno, q, eol);
                        if (r < 0)
                                return r;
                }
                p = eol + 1;
        }
        return 0;
}

/* Reads at most RIFT_MAX_CONFIG_FILE + 1 bytes of a regular file into an allocated buffer. */
static int read_file(const char *path, char **ret, size_t *ret_len)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        _cleanup_free_ char *data = NULL;
        size_t len = 0;
        struct stat st;

        if (fd < 0 || fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
        data = malloc(RIFT_MAX_CONFIG_FILE + 2);
        if (!data)
                return -ENOMEM;
        while (len <= RIFT_MAX_CONFIG_FILE) {
                ssize_t n = read(fd, data + len, RIFT_MAX_CONFIG_FILE + 1 - len);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        break;
                len += (size_t)n;
        }
        data[len] = '\0';
        *ret = TAKE_PTR(data);
        *ret_len = len;
        return 0;
}

static int apply_file(struct load *l, const struct rift_config_sources *src)
{
        const char *name = src->file_path ? src->file_path : "config";
        _cleanup_free_ char *data = NULL;
        size_t len = 0;
        int r;

        if (src->file_text)
                return apply_text(l, name, src->file_text, src->file_len);
        if (!src->file_path)
                return 0;
        r = read_file(src->file_path, &data, &len);
        if (r < 0)
                return fail(l, r, "config file %s: %s", src->file_path, rift_strerror(r));
        return apply_text(l, name, data, len);
}

static const char *env_lookup(char *const *envp, const char *name)
{
        size_t n = strlen(name);

        for (; envp && *envp; envp++)
                if (strncmp(*envp, name, n) == 0 && (*envp)[n] == '=')
                        return *envp + n + 1;
        return NULL;
}

static int apply_env(struct load *l, char *const *envp)
{
        char where[RIFT_MAX_ID + 32];

        for (size_t i = 0; i < l->spec->n_options; i++) {
                const struct rift_config_option *o = &l->spec->options[i];
                const char *v = o->env ? env_lookup(envp, o->env) : NULL;
                int r;

                if (!v || !*v)
                        continue;
                snprintf(where, sizeof(where), "%s (environment)", o->env);
                r = apply(l, i, v, RIFT_CONFIG_SRC_ENV, where);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Handles argv[*k] ("--key=value", "--key value" or "--flag"), advancing *k past what it used. */
static int apply_arg(struct load *l, int argc, char *const *argv, int *k)
{
        const char *a = argv[*k], *name = a + 2, *eq, *value;
        char where[RIFT_MAX_ID + 32];
        size_t len = 0;
        int i;

        if (!rift_startswith(a, "--"))
                return fail(l, RIFT_E_PARSE, "%.*s (command line): expected --key=value", SHOWN_MAX, a);
        eq = strchr(name, '=');
        len = eq ? (size_t)(eq - name) : strlen(name);
        i = len <= RIFT_MAX_ID ? find_option(l->spec, name, len, true) : -1;
        if (i < 0)
                return fail(l, RIFT_E_NOTFOUND, "--%.*s (command line): unknown option", (int)MIN(len, 64),
                            name);
        snprintf(where, sizeof(where), "--%s (command line)", l->spec->options[i].key);
        if (l->in_args[i])
                return fail(l, RIFT_E_EXISTS, "%s: given more than once", where);
        l->in_args[i] = true;
        if (eq)
                value = eq + 1;
        else if (l->spec->options[i].type == RIFT_CONFIG_BOOL)
                value = "true";
        else if (*k + 1 < argc)
                value = argv[++*k];
        else
                return fail(l, RIFT_E_PARSE, "%s: missing value", where);
        return apply(l, (size_t)i, value, RIFT_CONFIG_SRC_ARGS, where);
}

static int check_required(struct load *l)
{
        for (size_t i = 0; i < l->spec->n_options; i++) {
                const struct rift_config_option *o = &l->spec->options[i];

                if (!(o->flags & RIFT_CONFIG_REQUIRED) || o->def || l->src[i] != RIFT_CONFIG_SRC_DEFAULT)
                        continue;
                if (o->env)
                        return fail(l, RIFT_E_INVALID, "%s: required; set it in the file, with --%s or %s",
                                    o->key, o->key, o->env);
                return fail(l, RIFT_E_INVALID, "%s: required; set it in the file or with --%s", o->key,
                            o->key);
        }
        return 0;
}

static int load_all(struct load *l, const struct rift_config_sources *src)
{
        char why[MSG_MAX] = "";
        int r;

        r = apply_defaults(l);
        if (r >= 0)
                r = apply_file(l, src);
        if (r >= 0)
                r = apply_env(l, src->envp);
        for (int k = 0; r >= 0 && k < src->argc; k++)
                r = apply_arg(l, src->argc, src->argv, &k);
        if (r >= 0)
                r = check_required(l);
        if (r >= 0 && l->spec->validate) {
                r = l->spec->validate(l->tmp, why, sizeof(why));
                if (r < 0)
                        fail(l, r, "%s", why[0] ? why : rift_strerror(r));
        }
        return r;
}

static void load_done(struct load *l)
{
        free(l->src);
        free(l->line);
        free(l->in_args);
        if (l->tmp_ready)
                rift_config_free(l->spec, l->tmp);
        free(l->tmp);
}

/* Catches table mistakes (a field outside the struct, a bad key or type) before anything is written. */
static int check_spec(struct load *l)
{
        for (size_t i = 0; i < l->spec->n_options; i++) {
                const struct rift_config_option *o = &l->spec->options[i];

                if (!o->key || !key_valid(o->key, strlen(o->key)))
                        return fail(l, -EINVAL, "option %zu: invalid key", i);
                if ((size_t)o->type >= ARRAY_SIZE(type_ops) || o->offset > l->spec->size ||
                    l->spec->size - o->offset < type_ops[o->type].size)
                        return fail(l, -EINVAL, "%s: invalid type or field offset in the option table",
                                    o->key);
                if (o->type == RIFT_CONFIG_ENUM && (!o->choices || !o->choices[0]))
                        return fail(l, -EINVAL, "%s: enum option without choices", o->key);
        }
        return 0;
}

static int load_init(struct load *l, const struct rift_config_spec *spec, const void *cfg)
{
        size_t n = spec->n_options ? spec->n_options : 1;

        *l = (struct load){ .spec = spec };
        l->tmp = malloc(spec->size ? spec->size : 1);
        l->src = calloc(n, sizeof(*l->src));
        l->line = calloc(n, sizeof(*l->line));
        l->in_args = calloc(n, sizeof(*l->in_args));
        if (!l->tmp || !l->src || !l->line || !l->in_args)
                return -ENOMEM;
        if (check_spec(l) < 0)
                return -EINVAL;
        memcpy(l->tmp, cfg, spec->size);
        for (size_t i = 0; i < spec->n_options; i++)
                memset(field(&spec->options[i], l->tmp), 0, ops(&spec->options[i])->size);
        l->tmp_ready = true;
        return 0;
}

int rift_config_load(const struct rift_config_spec *spec, const struct rift_config_sources *src, void *cfg,
                     enum rift_config_source *ret_sources, char **ret_error)
{
        static const struct rift_config_sources none = { 0 };
        struct load l;
        int r;

        r = load_init(&l, spec, cfg);
        if (r >= 0)
                r = load_all(&l, src ? src : &none);
        if (r < 0) {
                if (ret_error)
                        *ret_error = strdup(l.msg[0] ? l.msg : rift_strerror(r));
                load_done(&l);
                return r;
        }
        rift_config_free(spec, cfg);
        memcpy(cfg, l.tmp, spec->size);
        free(l.tmp);
        l.tmp = NULL;
        l.tmp_ready = false;
        if (ret_sources)
                memcpy(ret_sources, l.src, spec->n_options * sizeof(*l.src));
        load_done(&l);
        return 0;
}

void rift_config_free(const struct rift_config_spec *spec, void *cfg)
{
        if (!spec || !cfg)
                return;
        for (size_t i = 0; i < spec->n_options; i++) {
                const struct rift_config_option *o = &spec->options[i];
                void *f = field(o, cfg);

                if (o->type == RIFT_CONFIG_LIST) {
                        free_list(*(char ***)f);
                        *(char ***)f = NULL;
                } else if (ops(o)->owned) {
                        free(*(char **)f);
                        *(char **)f = NULL;
                }
        }
}

/* ---- output ----------------------------------------------------------------------------------------- */

const char *rift_config_source_name(enum rift_config_source source)
{
        static const char *const names[] = {
                [RIFT_CONFIG_SRC_DEFAULT] = "default",
                [RIFT_CONFIG_SRC_FILE] = "file",
                [RIFT_CONFIG_SRC_ENV] = "environment",
                [RIFT_CONFIG_SRC_ARGS] = "command line",
        };

        return (size_t)source < ARRAY_SIZE(names) ? names[source] : "?";
}

static bool is_unset(const struct rift_config_option *o, const void *cfg)
{
        return ops(o)->owned && *(void *const *)cfield(o, cfg) == NULL;
}

int rift_config_format(const struct rift_config_spec *spec, const void *cfg,
                       const enum rift_config_source *sources, struct rift_buf *out)
{
        int r = 0;

        for (size_t i = 0; i < spec->n_options && r >= 0; i++) {
                const struct rift_config_option *o = &spec->options[i];
                enum rift_config_source s = sources ? sources[i] : RIFT_CONFIG_SRC_DEFAULT;

                r = rift_buf_printf(out, "%s = ", o->key);
                if (r >= 0 && (o->flags & RIFT_CONFIG_SECRET) && !is_unset(o, cfg))
                        r = rift_buf_append_str(out, "[secret]");
                else if (r >= 0)
                        r = ops(o)->format(o, cfield(o, cfg), out);
                if (r >= 0 && is_unset(o, cfg))
                        r = rift_buf_append_str(out, "  # unset");
                else if (r >= 0 && sources)
                        r = rift_buf_printf(out, "  # %s%s%s", rift_config_source_name(s),
                                            s == RIFT_CONFIG_SRC_ENV ? " " : "",
                                            s == RIFT_CONFIG_SRC_ENV ? o->env : "");
                if (r >= 0)
                        r = rift_buf_append_char(out, '\n');
        }
        return r;
}

static int format_option_help(const struct rift_config_option *o, struct rift_buf *out)
{
        char names[256], lo[32], hi[32];
        int r;

        if (o->type == RIFT_CONFIG_ENUM)
                join_choices(o->choices, "|", names, sizeof(names));
        else
                snprintf(names, sizeof(names), "%s", ops(o)->name);
        r = rift_buf_printf(out, "  --%s=%s", o->key, names);
        if (r >= 0 && o->env)
                r = rift_buf_printf(out, "  (env %s)", o->env);
        if (r >= 0)
                r = rift_buf_printf(out, "\n      %s", o->help ? o->help : "");
        if (r >= 0 && o->def && !(o->flags & RIFT_CONFIG_SECRET))
                r = rift_buf_printf(out, "; default %s", o->def);
        if (r >= 0 && o->type == RIFT_CONFIG_INT && (o->min || o->max))
                r = rift_buf_printf(out, "; %" PRId64 "..%" PRId64, o->min, o->max);
        if (r >= 0 && o->type == RIFT_CONFIG_DURATION && o->max > 0) {
                format_ms(o->min, lo, sizeof(lo));
                format_ms(o->max, hi, sizeof(hi));
                r = rift_buf_printf(out, "; %s..%s", lo, hi);
        }
        if (r >= 0 && (o->flags & RIFT_CONFIG_REQUIRED))
                r = rift_buf_append_str(out, "; required");
        if (r >= 0 && (o->flags & RIFT_CONFIG_SECRET))
                r = rift_buf_append_str(out, "; secret");
        return r >= 0 ? rift_buf_append_char(out, '\n') : r;
}

int rift_config_format_help(const struct rift_config_spec *spec, struct rift_buf *out)
{
        int r;

        r = rift_buf_printf(
            out,
            "Usage: %s [--config FILE] [--check-config] [--KEY=VALUE...]\n%s%s"
            "\n  --config FILE     read settings from FILE ('key = value' lines, '#' comments)\n"
            "  --check-config    validate, print the effective configuration and exit\n"
            "  --help            show this help and exit\n"
            "  --version         print the version and exit\n"
            "\nSettings (command line > environment > file > default):\n",
            spec->program, spec->summary ? spec->summary : "", spec->summary ? "\n" : "");
        for (size_t i = 0; i < spec->n_options && r >= 0; i++)
                r = format_option_help(&spec->options[i], out);
        return r;
}

/* ---- command line ----------------------------------------------------------------------------------- */

/* What the standard options asked for. */
struct main_opts {
        const char *config; /* --config FILE */
        bool check;         /* --check-config */
        bool help;          /* --help */
        bool version;       /* --version */
        int n_rest;         /* number of --key=value arguments kept in rest */
};

/* Separates the standard options from the --key=value ones (kept, in order, in rest). */
static int split_args(int argc, char **argv, struct main_opts *m, char **rest, FILE *err, const char *prog)
{
        for (int k = 1; k < argc; k++) {
                const char *a = argv[k];

                if (rift_streq(a, "--config") || rift_streq(a, "-c")) {
                        if (k + 1 >= argc) {
                                fprintf(err, "%s: --config needs a file name\n", prog);
                                return RIFT_E_PARSE;
                        }
                        m->config = argv[++k];
                } else if (rift_startswith(a, "--config=")) {
                        m->config = a + strlen("--config=");
                } else if (rift_streq(a, "--check-config")) {
                        m->check = true;
                } else if (rift_streq(a, "--help") || rift_streq(a, "-h")) {
                        m->help = true;
                } else if (rift_streq(a, "--version")) {
                        m->version = true;
                } else {
                        rest[m->n_rest++] = argv[k];
                }
        }
        return 0;
}

static int print_buf_result(int r, struct rift_buf *b, FILE *out)
{
        if (r >= 0 && b->data)
                fputs(b->data, out);
        fflush(out);
        return r;
}

static int check_and_print(const struct rift_config_spec *spec, void *cfg,
                           const enum rift_config_source *srcs, FILE *out)
{
        _cleanup_buf_ struct rift_buf b = RIFT_BUF_INIT(1024 * 1024);
        int r;

        r = rift_buf_printf(&b, "# %s: configuration is valid\n", spec->program);
        if (r >= 0)
                r = rift_config_format(spec, cfg, srcs, &b);
        rift_config_free(spec, cfg);
        return print_buf_result(r, &b, out);
}

int rift_config_main(const struct rift_config_spec *spec, int argc, char **argv, char *const *envp, FILE *out,
                     FILE *err, void *cfg)
{
        _cleanup_buf_ struct rift_buf b = RIFT_BUF_INIT(1024 * 1024);
        _cleanup_free_ enum rift_config_source *srcs = calloc(spec->n_options + 1, sizeof(*srcs));
        _cleanup_free_ char **rest = calloc((size_t)MAX(argc, 1), sizeof(char *));
        _cleanup_free_ char *error = NULL;
        struct main_opts m = { 0 };
        struct rift_config_sources src;
        int r;

        if (!srcs || !rest)
                return -ENOMEM;
        r = split_args(argc, argv, &m, rest, err, spec->program);
        if (r < 0)
                return r;
        if (m.help)
                return print_buf_result(rift_config_format_help(spec, &b), &b, out) < 0 ? -ENOMEM : 0;
        if (m.version) {
                fprintf(out, "%s %s\n", spec->program, spec->version ? spec->version : "unknown");
                return 0;
        }
        src = (struct rift_config_sources){
                .file_path = m.config, .envp = envp, .argc = m.n_rest, .argv = rest
        };
        r = rift_config_load(spec, &src, cfg, srcs, &error);
        if (r < 0) {
                fprintf(err, "%s: %s\n", spec->program, error ? error : rift_strerror(r));
                return r;
        }
        if (m.check)
                return check_and_print(spec, cfg, srcs, out) < 0 ? -ENOMEM : 0;
        return 1;
}

int rift_config_main_args(const struct rift_config_spec *spec, int argc, char **argv, void *cfg)
{
        extern char **environ;

        return rift_config_main(spec, argc, argv, environ, stdout, stderr, cfg);
}
