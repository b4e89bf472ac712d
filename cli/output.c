/* riftctl output formats (see output.h). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cli/output.h"
#include "lib/error.h"
#include "lib/str.h"

#define COLUMN_GAP     2  /* spaces between table columns */
#define COLUMN_MIN     3  /* narrowest a column is shrunk to */
#define MAX_TABLE_COLS 16 /* columns one table may have */
#define MAX_YAML_DEPTH 32 /* nesting printed as YAML */
#define ELLIPSIS       "\xe2\x80\xa6"

static const char *const format_names[] = {
        [OUTPUT_TABLE] = "table",
        [OUTPUT_JSON] = "json",
        [OUTPUT_YAML] = "yaml",
};

int output_format_parse(const char *s, enum output_format *ret)
{
        for (size_t i = 0; i < ARRAY_SIZE(format_names); i++)
                if (rift_streq(s, format_names[i])) {
                        *ret = (enum output_format)i;
                        return 0;
                }
        return -EINVAL;
}

size_t output_terminal_width(void)
{
        const char *env = getenv("COLUMNS");
        struct winsize ws = {};
        int64_t v;

        if (env && rift_parse_int64(env, 1, 100000, &v) == 0)
                return (size_t)v;
        if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
                return ws.ws_col;
        return 0;
}

size_t output_text_width(const char *s, size_t len)
{
        size_t n = 0;

        for (size_t i = 0; i < len; i++)
                if (((unsigned char)s[i] & 0xC0) != 0x80)
                        n++;
        return n;
}

/* Text of one cell into out (sanitized); "" for null or missing. */
static int cell_text(const cJSON *v, struct rift_buf *out)
{
        rift_buf_reset(out);
        if (cJSON_IsString(v)) {
                for (const char *p = v->valuestring; *p; p++) {
                        unsigned char c = (unsigned char)*p;
                        int r = rift_buf_append_char(out, c < 0x20 || c == 0x7f ? '?' : (char)c);
                        if (r < 0)
                                return r;
                }
                return rift_buf_append(out, "", 0);
        }
        if (cJSON_IsNumber(v)) {
                double d = v->valuedouble;
                if (d == floor(d) && fabs(d) < 9007199254740992.0)
                        return rift_buf_printf(out, "%lld", (long long)d);
                return rift_buf_printf(out, "%g", d);
        }
        if (cJSON_IsBool(v))
                return rift_buf_append_str(out, cJSON_IsTrue(v) ? "true" : "false");
        return rift_buf_append(out, "", 0);
}

/* Bytes of s that hold its first n characters. */
static size_t prefix_bytes(const char *s, size_t len, size_t n)
{
        size_t i = 0, chars = 0;

        for (; i < len; i++)
                if (((unsigned char)s[i] & 0xC0) != 0x80 && chars++ == n)
                        break;
        return i;
}

static int append_cell(struct rift_buf *out, const char *s, size_t w, bool last)
{
        size_t len = strlen(s), tw = output_text_width(s, len);
        int r;

        if (tw > w) {
                r = rift_buf_append(out, s, prefix_bytes(s, len, w - 1));
                if (r >= 0)
                        r = rift_buf_append_str(out, ELLIPSIS);
                tw = w;
        } else
                r = rift_buf_append(out, s, len);
        for (size_t i = tw; r >= 0 && !last && i < w + COLUMN_GAP; i++)
                r = rift_buf_append_char(out, ' ');
        return r;
}

/* Natural widths of the columns, then shrunk until the table fits width. */
static int column_widths(const cJSON *rows, const struct output_column *cols, size_t n_cols, size_t width,
                         size_t w[])
{
        _cleanup_buf_ struct rift_buf cell = RIFT_BUF_INIT(1u << 20);
        const cJSON *row;
        size_t total = 0;
        int r;

        for (size_t c = 0; c < n_cols; c++)
                w[c] = output_text_width(cols[c].header, strlen(cols[c].header));
        cJSON_ArrayForEach(row, rows)
        {
                for (size_t c = 0; c < n_cols; c++) {
                        r = cell_text(cJSON_GetObjectItemCaseSensitive(row, cols[c].key), &cell);
                        if (r < 0)
                                return r;
                        size_t tw = output_text_width(cell.data, cell.len);
                        if (tw > w[c])
                                w[c] = tw;
                }
        }
        for (size_t c = 0; c < n_cols; c++)
                total += w[c] + (c ? COLUMN_GAP : 0);
        while (width && total > width) {
                size_t widest = 0;
                for (size_t c = 1; c < n_cols; c++)
                        if (w[c] > w[widest])
                                widest = c;
                if (w[widest] <= COLUMN_MIN)
                        break;
                w[widest]--;
                total--;
        }
        return 0;
}

static int append_line(struct rift_buf *out, const cJSON *row, const struct output_column *cols,
                       size_t n_cols, const size_t w[])
{
        _cleanup_buf_ struct rift_buf cell = RIFT_BUF_INIT(1u << 20);
        int r;

        for (size_t c = 0; c < n_cols; c++) {
                if (row)
                        r = cell_text(cJSON_GetObjectItemCaseSensitive(row, cols[c].key), &cell);
                else {
                        rift_buf_reset(&cell);
                        r = rift_buf_append_str(&cell, cols[c].header);
                }
                if (r >= 0)
                        r = append_cell(out, cell.data, w[c], c + 1 == n_cols);
                if (r < 0)
                        return r;
        }
        return rift_buf_append_char(out, '\n');
}

int output_table(const cJSON *rows, const struct output_column *cols, size_t n_cols, size_t width,
                 struct rift_buf *out)
{
        size_t w[MAX_TABLE_COLS];
        const cJSON *row;
        int r;

        if (n_cols == 0 || n_cols > MAX_TABLE_COLS || !cJSON_IsArray(rows))
                return -EINVAL;
        r = column_widths(rows, cols, n_cols, width, w);
        if (r < 0)
                return r;
        r = append_line(out, NULL, cols, n_cols, w);
        cJSON_ArrayForEach(row, rows)
        {
                if (r < 0)
                        break;
                r = append_line(out, row, cols, n_cols, w);
        }
        return r < 0 ? r : 0;
}

/* A JSON string is a valid double-quoted YAML scalar. */
static int yaml_scalar(const cJSON *v, struct rift_buf *out)
{
        char *s;
        int r;

        if (cJSON_IsNull(v))
                return rift_buf_append_str(out, "null");
        if (cJSON_IsArray(v))
                return rift_buf_append_str(out, "[]");
        if (cJSON_IsObject(v))
                return rift_buf_append_str(out, "{}");
        s = cJSON_PrintUnformatted(v);
        if (!s)
                return -ENOMEM;
        r = rift_buf_append_str(out, s);
        cJSON_free(s);
        return r;
}

static bool yaml_is_block(const cJSON *v)
{
        return (cJSON_IsArray(v) || cJSON_IsObject(v)) && v->child;
}

static int yaml_indent(struct rift_buf *out, int depth)
{
        int r = 0;

        for (int i = 0; r >= 0 && i < depth; i++)
                r = rift_buf_append_str(out, "  ");
        return r;
}

/* Indented JSON (two spaces per level), members in the order they were built. */
static int json_node(const cJSON *v, int depth, struct rift_buf *out)
{
        bool arr = cJSON_IsArray(v);
        const cJSON *item;
        char *s;
        int r;

        if (depth > MAX_YAML_DEPTH)
                return RIFT_E_TOOBIG;
        if (!(arr || cJSON_IsObject(v)) || !v->child) {
                s = cJSON_PrintUnformatted(v);
                if (!s)
                        return -ENOMEM;
                r = rift_buf_append_str(out, s);
                cJSON_free(s);
                return r;
        }
        r = rift_buf_append_str(out, arr ? "[\n" : "{\n");
        cJSON_ArrayForEach(item, v)
        {
                if (r >= 0)
                        r = yaml_indent(out, depth + 1);
                if (r >= 0 && !arr) {
                        cJSON key = { .type = cJSON_String, .valuestring = item->string };
                        s = cJSON_PrintUnformatted(&key);
                        r = s ? rift_buf_printf(out, "%s: ", s) : -ENOMEM;
                        cJSON_free(s);
                }
                if (r >= 0)
                        r = json_node(item, depth + 1, out);
                if (r >= 0)
                        r = rift_buf_append_str(out, item->next ? ",\n" : "\n");
        }
        if (r >= 0)
                r = yaml_indent(out, depth);
        return r < 0 ? r : rift_buf_append_char(out, arr ? ']' : '}');
}

int output_json(const cJSON *v, struct rift_buf *out)
{
        int r = json_node(v, 0, out);

        return r < 0 ? r : rift_buf_append_char(out, '\n');
}

static int yaml_node(const cJSON *v, int depth, bool inline_first, struct rift_buf *out);

/* A key that reads back as the same string without quotes: a name, and not a YAML 1.1 keyword. */
static bool plain_key(const char *k)
{
        static const char *const words[] = { "y", "n", "yes", "no", "on", "off", "true", "false", "null" };

        if (!k || !((*k >= 'a' && *k <= 'z') || (*k >= 'A' && *k <= 'Z') || *k == '_'))
                return false;
        for (const char *p = k; *p; p++)
                if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.", *p))
                        return false;
        for (size_t i = 0; i < ARRAY_SIZE(words); i++)
                if (strcasecmp(k, words[i]) == 0)
                        return false;
        return true;
}

/* Whether s reads back the same as a literal block ("|" keeps one final newline, "|-" none): several
 * lines of printable text, the first not starting with a blank, at most one newline at the end. */
static bool literal_block(const char *s, const char **ret_style)
{
        size_t len = strlen(s);

        if (!strchr(s, '\n') || s[0] == ' ' || s[0] == '\n' ||
            (len >= 2 && s[len - 1] == '\n' && s[len - 2] == '\n'))
                return false;
        for (const char *p = s; *p; p++)
                if (((unsigned char)*p < 0x20 && *p != '\n') || *p == 0x7f)
                        return false;
        *ret_style = s[len - 1] == '\n' ? "|" : "|-";
        return true;
}

/* The lines of s at depth, after "key: |". */
static int yaml_literal(const char *s, const char *style, int depth, struct rift_buf *out)
{
        int r = rift_buf_printf(out, "%s\n", style);

        while (r >= 0 && *s) {
                size_t n = strcspn(s, "\n");
                if (n > 0)
                        r = yaml_indent(out, depth);
                if (r >= 0)
                        r = rift_buf_append(out, s, n);
                if (r >= 0)
                        r = rift_buf_append_char(out, '\n');
                s += n + (s[n] == '\n');
        }
        return r;
}

/* One entry: "key: scalar" or "key:" and a nested block; "- item" in sequences. */
static int yaml_entry(const cJSON *item, int depth, bool first_inline, bool seq, struct rift_buf *out)
{
        char *key;
        int r = first_inline ? 0 : yaml_indent(out, depth);

        if (r >= 0 && seq) /* a nested sequence starts on the next line: no blank after the dash */
                r = rift_buf_append_str(out, cJSON_IsArray(item) && yaml_is_block(item) ? "-" : "- ");
        else if (r >= 0) {
                cJSON tmp = { .type = cJSON_String, .valuestring = item->string };
                key = plain_key(item->string) ? NULL : cJSON_PrintUnformatted(&tmp);
                if (!key && !plain_key(item->string))
                        return -ENOMEM;
                r = rift_buf_printf(out, "%s:%s", key ? key : item->string, yaml_is_block(item) ? "\n" : " ");
                cJSON_free(key);
        }
        if (r < 0)
                return r;
        const char *style;
        if (!seq && cJSON_IsString(item) && literal_block(item->valuestring, &style))
                return yaml_literal(item->valuestring, style, depth + 1, out);
        if (!yaml_is_block(item)) {
                r = yaml_scalar(item, out);
                return r < 0 ? r : rift_buf_append_char(out, '\n');
        }
        /* a mapping in a sequence starts on the dash's line */
        return yaml_node(item, depth + 1, seq, out);
}

static int yaml_node(const cJSON *v, int depth, bool inline_first, struct rift_buf *out)
{
        const cJSON *item;
        bool first = true;
        int r = 0;

        if (depth > MAX_YAML_DEPTH)
                return RIFT_E_TOOBIG;
        if (!yaml_is_block(v)) {
                r = yaml_scalar(v, out);
                return r < 0 ? r : rift_buf_append_char(out, '\n');
        }
        if (cJSON_IsArray(v) && inline_first)
                r = rift_buf_append_char(out, '\n'), inline_first = false;
        cJSON_ArrayForEach(item, v)
        {
                if (r < 0)
                        return r;
                r = yaml_entry(item, depth, first && inline_first, cJSON_IsArray(v), out);
                first = false;
        }
        return r < 0 ? r : 0;
}

int output_yaml(const cJSON *v, struct rift_buf *out)
{
        return yaml_node(v, 0, false, out);
}

int output_print(enum output_format format, const cJSON *v, const struct output_column *cols, size_t n_cols)
{
        _cleanup_buf_ struct rift_buf out = RIFT_BUF_INIT(64u << 20);
        int r;

        switch (format) {
        case OUTPUT_JSON:
                r = output_json(v, &out);
                break;
        case OUTPUT_YAML:
                r = output_yaml(v, &out);
                break;
        default:
                r = output_table(v, cols, n_cols, output_terminal_width(), &out);
        }
        if (r < 0)
                return r;
        if (fwrite(out.data ? out.data : "", 1, out.len, stdout) != out.len || fflush(stdout) != 0)
                return -EIO;
        return 0;
}
