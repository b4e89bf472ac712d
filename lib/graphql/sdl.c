/* SDL printing in graphql-js printSchema's format, and literal printing like graphql-js print(). */
#include <string.h>

#include "lib/graphql/schema.h"

static size_t utf16_len(const char *s, size_t len)
{
        size_t n = 0;

        for (size_t i = 0; i < len; i++) {
                unsigned char c = (unsigned char)s[i];

                if ((c & 0xC0) != 0x80)
                        n += c >= 0xF0 ? 2 : 1;
        }
        return n;
}

int gql_print_string(struct rift_buf *out, const char *s, size_t len)
{
        static const char hex[] = "0123456789ABCDEF";
        int r = rift_buf_append_char(out, '"');

        for (size_t i = 0; r >= 0 && i < len; i++) {
                unsigned char c = (unsigned char)s[i];

                if (c == '"' || c == '\\') {
                        char esc[2] = { '\\', (char)c };

                        r = rift_buf_append(out, esc, 2);
                } else if (c == '\b' || c == '\t' || c == '\n' || c == '\f' || c == '\r') {
                        char esc[2] = { '\\', c == '\b'   ? 'b'
                                              : c == '\t' ? 't'
                                              : c == '\n' ? 'n'
                                              : c == '\f' ? 'f'
                                                          : 'r' };

                        r = rift_buf_append(out, esc, 2);
                } else if (c < 0x20 || c == 0x7f) {
                        char esc[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };

                        r = rift_buf_append(out, esc, 6);
                } else if (c == 0xC2 && i + 1 < len && (unsigned char)s[i + 1] >= 0x80 &&
                           (unsigned char)s[i + 1] <= 0x9f) {
                        unsigned char d = (unsigned char)s[++i];
                        char esc[6] = { '\\', 'u', '0', '0', hex[d >> 4], hex[d & 15] };

                        r = rift_buf_append(out, esc, 6);
                } else
                        r = rift_buf_append_char(out, (char)c);
        }
        return r < 0 ? r : rift_buf_append_char(out, '"');
}

int gql_ast_print_value(struct rift_buf *out, const struct gql_ast_value *v)
{
        int r = 0;

        switch (v->kind) {
        case GQL_AV_VARIABLE:
                return rift_buf_printf(out, "$%s", v->str);
        case GQL_AV_INT:
        case GQL_AV_FLOAT:
        case GQL_AV_ENUM:
                return rift_buf_append(out, v->str, v->len);
        case GQL_AV_STRING:
                return gql_print_string(out, v->str, v->len);
        case GQL_AV_BOOLEAN:
                return rift_buf_append_str(out, v->b ? "true" : "false");
        case GQL_AV_NULL:
                return rift_buf_append_str(out, "null");
        case GQL_AV_LIST:
                r = rift_buf_append_char(out, '[');
                for (size_t i = 0; r >= 0 && i < v->n; i++) {
                        if (i)
                                r = rift_buf_append_str(out, ", ");
                        if (r >= 0)
                                r = gql_ast_print_value(out, v->items[i]);
                }
                return r < 0 ? r : rift_buf_append_char(out, ']');
        case GQL_AV_OBJECT:
                r = rift_buf_append_char(out, '{');
                for (size_t i = 0; r >= 0 && i < v->n; i++) {
                        r = rift_buf_printf(out, "%s%s: ", i ? ", " : "", v->names[i]);
                        if (r >= 0)
                                r = gql_ast_print_value(out, v->items[i]);
                }
                return r < 0 ? r : rift_buf_append_char(out, '}');
        }
        return 0;
}

/* graphql-js isPrintableAsBlockString */
static bool printable_as_block(const char *s)
{
        bool empty_line = true, has_indent = false, common_indent = true, seen_non_empty = false;

        if (!*s)
                return true;
        for (; *s; s++) {
                unsigned char c = (unsigned char)*s;

                if (c == '\r' || (c < 0x20 && c != '\n' && c != '\t'))
                        return false;
                if (c == '\n') {
                        if (empty_line && !seen_non_empty)
                                return false;
                        seen_non_empty = true;
                        empty_line = true;
                        has_indent = false;
                } else if (c == '\t' || c == ' ')
                        has_indent = has_indent || empty_line;
                else {
                        common_indent = common_indent && has_indent;
                        empty_line = false;
                }
        }
        return !empty_line && !(common_indent && seen_non_empty);
}

static bool is_ws(char c)
{
        return c == ' ' || c == '\t';
}

/* graphql-js printBlockString; indent is inserted after every newline. */
static int print_block_string(struct rift_buf *out, const char *v, const char *indent)
{
        struct rift_buf esc = RIFT_BUF_INIT(out->max);
        size_t len = strlen(v), lines = 1;
        bool force_leading = false, multi, trailing_quotes, force_trailing;
        int r = 0;

        for (const char *p = v; *p && r >= 0; p++) {
                if (strncmp(p, "\"\"\"", 3) == 0) {
                        r = rift_buf_append_str(&esc, "\\\"\"\"");
                        p += 2;
                } else
                        r = rift_buf_append_char(&esc, *p);
        }
        if (r < 0 || !esc.data) {
                rift_buf_free(&esc);
                return r < 0 ? r : rift_buf_append_str(out, "\"\"\"\"\"\"");
        }
        force_leading = strchr(esc.data, '\n') != NULL;
        for (const char *p = esc.data; *p; p++)
                if (*p == '\n') {
                        lines++;
                        if (p[1] && p[1] != '\n' && !is_ws(p[1]))
                                force_leading = false;
                }
        trailing_quotes = len >= 3 && esc.len >= 4 && strcmp(esc.data + esc.len - 4, "\\\"\"\"") == 0;
        force_trailing = (len && v[len - 1] == '"' && !trailing_quotes) || (len && v[len - 1] == '\\');
        multi = lines > 1 || utf16_len(v, len) > 70 || force_trailing || force_leading || trailing_quotes;
        r = rift_buf_append_str(out, "\"\"\"");
        if (r >= 0 && ((multi && !(lines == 1 && is_ws(v[0]))) || force_leading))
                r = rift_buf_printf(out, "\n%s", indent);
        for (const char *p = esc.data; r >= 0 && *p; p++)
                r = *p == '\n' ? rift_buf_printf(out, "\n%s", indent) : rift_buf_append_char(out, *p);
        if (r >= 0 && (multi || force_trailing))
                r = rift_buf_printf(out, "\n%s", indent);
        rift_buf_free(&esc);
        return r < 0 ? r : rift_buf_append_str(out, "\"\"\"");
}

static int print_description(struct rift_buf *out, const char *desc, const char *indent, bool first)
{
        int r = 0;

        if (!desc)
                return 0;
        if (*indent && !first)
                r = rift_buf_printf(out, "\n%s", indent);
        else
                r = rift_buf_append_str(out, indent);
        if (r < 0)
                return r;
        if (printable_as_block(desc))
                r = print_block_string(out, desc, indent);
        else {
                r = gql_print_string(out, desc, strlen(desc));
        }
        return r < 0 ? r : rift_buf_append_char(out, '\n');
}

static int print_deprecated(struct rift_buf *out, const char *reason)
{
        int r;

        if (!reason)
                return 0;
        if (strcmp(reason, "No longer supported") == 0)
                return rift_buf_append_str(out, " @deprecated");
        r = rift_buf_append_str(out, " @deprecated(reason: ");
        if (r >= 0)
                r = gql_print_string(out, reason, strlen(reason));
        return r < 0 ? r : rift_buf_append_char(out, ')');
}

static int print_input_value(struct rift_buf *out, struct gql_arena *a, const struct gql_input_value *v)
{
        int r = rift_buf_printf(out, "%s: %s", v->name, gql_typeref_str(a, v->type));

        if (r >= 0 && v->default_text)
                r = rift_buf_printf(out, " = %s", v->default_text);
        return r;
}

static int print_args(struct rift_buf *out, struct gql_arena *a, const struct gql_field *f)
{
        bool described = false;
        int r = 0;

        if (!f->n_args)
                return 0;
        for (size_t i = 0; i < f->n_args; i++)
                described = described || f->args[i].description;
        r = rift_buf_append_str(out, described ? "(\n" : "(");
        for (size_t i = 0; r >= 0 && i < f->n_args; i++) {
                if (described) {
                        if (i)
                                r = rift_buf_append_char(out, '\n');
                        if (r >= 0)
                                r = print_description(out, f->args[i].description, "    ", !i);
                        if (r >= 0)
                                r = rift_buf_append_str(out, "    ");
                } else if (i)
                        r = rift_buf_append_str(out, ", ");
                if (r >= 0)
                        r = print_input_value(out, a, &f->args[i]);
        }
        return r < 0 ? r : rift_buf_append_str(out, described ? "\n  )" : ")");
}

static int print_fields(struct rift_buf *out, struct gql_arena *a, const struct gql_type *t)
{
        int r = rift_buf_append_str(out, " {\n");

        for (size_t i = 0; r >= 0 && i < t->n_fields; i++) {
                const struct gql_field *f = &t->fields[i];

                if (i)
                        r = rift_buf_append_char(out, '\n');
                if (r >= 0)
                        r = print_description(out, f->description, "  ", !i);
                if (r >= 0)
                        r = rift_buf_printf(out, "  %s", f->name);
                if (r >= 0)
                        r = print_args(out, a, f);
                if (r >= 0)
                        r = rift_buf_printf(out, ": %s", gql_typeref_str(a, f->type));
                if (r >= 0)
                        r = print_deprecated(out, f->deprecation_reason);
        }
        return r < 0 ? r : rift_buf_append_str(out, "\n}");
}

static int print_interfaces(struct rift_buf *out, const struct gql_type *t)
{
        int r = 0;

        for (size_t i = 0; r >= 0 && i < t->n_interfaces; i++)
                r = rift_buf_printf(out, "%s%s", i ? " & " : " implements ", t->interfaces[i]->name);
        return r;
}

static int print_type(struct rift_buf *out, struct gql_arena *a, const struct gql_type *t)
{
        static const char *const keyword[] = { [GQL_KIND_OBJECT] = "type",
                                               [GQL_KIND_INTERFACE] = "interface",
                                               [GQL_KIND_UNION] = "union",
                                               [GQL_KIND_ENUM] = "enum",
                                               [GQL_KIND_INPUT_OBJECT] = "input" };
        int r = print_description(out, t->description, "", true);

        if (r >= 0)
                r = rift_buf_printf(out, "%s %s", keyword[t->kind], t->name);
        if (r < 0)
                return r;
        switch (t->kind) {
        case GQL_KIND_OBJECT:
        case GQL_KIND_INTERFACE:
                r = print_interfaces(out, t);
                return r < 0 ? r : print_fields(out, a, t);
        case GQL_KIND_UNION:
                for (size_t i = 0; r >= 0 && i < t->n_possible; i++)
                        r = rift_buf_printf(out, "%s%s", i ? " | " : " = ", t->possible[i]->name);
                return r;
        case GQL_KIND_ENUM:
                r = rift_buf_append_str(out, " {\n");
                for (size_t i = 0; r >= 0 && i < t->n_values; i++) {
                        if (i)
                                r = rift_buf_append_char(out, '\n');
                        if (r >= 0)
                                r = print_description(out, t->values[i].description, "  ", !i);
                        if (r >= 0)
                                r = rift_buf_printf(out, "  %s", t->values[i].name);
                        if (r >= 0)
                                r = print_deprecated(out, t->values[i].deprecation_reason);
                }
                return r < 0 ? r : rift_buf_append_str(out, "\n}");
        case GQL_KIND_INPUT_OBJECT:
                r = rift_buf_append_str(out, " {\n");
                for (size_t i = 0; r >= 0 && i < t->n_input_fields; i++) {
                        if (i)
                                r = rift_buf_append_char(out, '\n');
                        if (r >= 0)
                                r = print_description(out, t->input_fields[i].description, "  ", !i);
                        if (r >= 0)
                                r = rift_buf_append_str(out, "  ");
                        if (r >= 0)
                                r = print_input_value(out, a, &t->input_fields[i]);
                }
                return r < 0 ? r : rift_buf_append_str(out, "\n}");
        default:
                return 0;
        }
}

static bool common_root_names(const struct gql_schema *s)
{
        return strcmp(s->query->name, "Query") == 0 &&
               (!s->mutation || strcmp(s->mutation->name, "Mutation") == 0) &&
               (!s->subscription || strcmp(s->subscription->name, "Subscription") == 0);
}

int gql_schema_print_sdl(const struct gql_schema *s, struct rift_buf *out)
{
        struct gql_arena a;
        bool first = true;
        int r = 0;

        gql_arena_init(&a, 16u * 1024 * 1024);
        if (!common_root_names(s)) {
                r = rift_buf_printf(out, "schema {\n  query: %s\n", s->query->name);
                if (r >= 0 && s->mutation)
                        r = rift_buf_printf(out, "  mutation: %s\n", s->mutation->name);
                if (r >= 0 && s->subscription)
                        r = rift_buf_printf(out, "  subscription: %s\n", s->subscription->name);
                if (r >= 0)
                        r = rift_buf_append_char(out, '}');
                first = false;
        }
        for (size_t i = 0; r >= 0 && i < s->n_types; i++) {
                const struct gql_type *t = s->types[i];

                if (t->introspection || t->scalar != GQL_SCALAR_NONE)
                        continue;
                if (!first)
                        r = rift_buf_append_str(out, "\n\n");
                first = false;
                if (r >= 0)
                        r = print_type(out, &a, t);
        }
        gql_arena_free(&a);
        return r < 0 ? r : 0;
}
