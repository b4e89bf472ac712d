/* riftctl output: tables that fit a width, stable JSON and YAML, all from cJSON values.
 *
 *   static const struct output_column cols[] = { { "ID", "projectID" }, { "NAME", "name" } };
 *   r = output_table(rows, cols, ARRAY_SIZE(cols), output_terminal_width(), &buf);
 *   r = output_yaml(value, &buf);   // also used for the config file
 *
 * Table cells are sanitized (control bytes become '?') so server data cannot drive the terminal. */
#ifndef RIFT_CLI_OUTPUT_H
#define RIFT_CLI_OUTPUT_H

#include <stddef.h>
#include <cjson/cJSON.h>

#include "lib/buf.h"

enum output_format {
        OUTPUT_TABLE,
        OUTPUT_JSON,
        OUTPUT_YAML,
};

struct output_column {
        const char *header; /* "PROJECT ID" */
        const char *key;    /* member of each row object shown in the column */
};

/* "table", "json" or "yaml"; -EINVAL otherwise. */
int output_format_parse(const char *s, enum output_format *ret);
/* Width of the terminal: COLUMNS if set and valid, else TIOCGWINSZ on stdout, else 0 (no limit). */
size_t output_terminal_width(void);
/* Number of characters (UTF-8 code points) in s[0..len). */
size_t output_text_width(const char *s, size_t len);
/* Appends a table of the objects in rows: a header line, then one line per row. Columns are two spaces
 * apart; when the whole is wider than width (0 = no limit), the widest columns shrink (never below 3
 * characters) and cut cells end with an ellipsis. Strings print as they are, integral numbers without
 * a fraction, true/false, null and missing members as empty cells. */
int output_table(const cJSON *rows, const struct output_column *cols, size_t n_cols, size_t width,
                 struct rift_buf *out);
/* Appends v as indented JSON with a final newline. */
int output_json(const cJSON *v, struct rift_buf *out);
/* Appends v as block YAML with a final newline; strings are always double-quoted. */
int output_yaml(const cJSON *v, struct rift_buf *out);
/* Formats v in format (rows and cols used for tables) and writes it to stdout. */
int output_print(enum output_format format, const cJSON *v, const struct output_column *cols, size_t n_cols);

#endif
