/* GraphQL lexer; see lexer.h. Messages follow graphql-js ("Syntax Error: ..." is added by the parser). */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "lib/error.h"
#include "lib/graphql/lexer.h"
#include "lib/str.h"

void gql_lexer_init(struct gql_lexer *lx, struct gql_arena *a, const char *src, size_t len, size_t max_tokens)
{
        *lx = (struct gql_lexer){ .arena = a, .src = src, .len = len, .line = 1, .max_tokens = max_tokens };
}

/* Column of byte offset pos on the current line, counted incrementally in UTF-16 units. */
static uint32_t column_at(struct gql_lexer *lx, size_t pos)
{
        if (lx->col_pos < lx->line_start || lx->col_pos > pos) {
                lx->col_pos = lx->line_start;
                lx->col_units = 0;
        }
        for (; lx->col_pos < pos; lx->col_pos++) {
                unsigned char c = (unsigned char)lx->src[lx->col_pos];

                if ((c & 0xC0) != 0x80)
                        lx->col_units += c >= 0xF0 ? 2 : 1;
        }
        return lx->col_units + 1;
}

static struct gql_loc loc_at(struct gql_lexer *lx, size_t pos)
{
        return (struct gql_loc){ .line = lx->line, .col = column_at(lx, pos) };
}

static int lex_fail(struct gql_lexer *lx, size_t pos, const char *msg)
{
        lx->err_loc = loc_at(lx, pos);
        lx->error = msg;
        return RIFT_E_PARSE;
}

static void newline(struct gql_lexer *lx, size_t next)
{
        lx->line++;
        lx->line_start = next;
}

/* Decodes the UTF-8 sequence at pos; returns its length, 0 if invalid. */
static size_t utf8_decode(const char *s, size_t len, size_t pos, uint32_t *ret_cp)
{
        const unsigned char *p = (const unsigned char *)s + pos;
        size_t avail = len - pos, n;
        uint32_t cp;

        if (p[0] < 0x80) {
                *ret_cp = p[0];
                return 1;
        }
        if ((p[0] & 0xE0) == 0xC0) {
                n = 2;
                cp = p[0] & 0x1F;
        } else if ((p[0] & 0xF0) == 0xE0) {
                n = 3;
                cp = p[0] & 0x0F;
        } else if ((p[0] & 0xF8) == 0xF0) {
                n = 4;
                cp = p[0] & 0x07;
        } else
                return 0;
        if (avail < n)
                return 0;
        for (size_t i = 1; i < n; i++) {
                if ((p[i] & 0xC0) != 0x80)
                        return 0;
                cp = cp << 6 | (p[i] & 0x3F);
        }
        if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10FFFF ||
            (cp >= 0xD800 && cp <= 0xDFFF))
                return 0;
        *ret_cp = cp;
        return n;
}

static const char *describe_char(struct gql_lexer *lx, uint32_t cp)
{
        if (cp == '"')
                return "'\"'";
        if (cp >= 0x20 && cp < 0x7F)
                return gql_arena_printf(lx->arena, "\"%c\"", (char)cp);
        return gql_arena_printf(lx->arena, "U+%04X", cp);
}

/* Skips whitespace, line terminators, commas, BOM and comments. */
static void skip_ignored(struct gql_lexer *lx)
{
        while (lx->pos < lx->len) {
                unsigned char c = (unsigned char)lx->src[lx->pos];

                if (c == ' ' || c == '\t' || c == ',')
                        lx->pos++;
                else if (c == '\n')
                        newline(lx, ++lx->pos);
                else if (c == '\r') {
                        lx->pos++;
                        if (lx->pos < lx->len && lx->src[lx->pos] == '\n')
                                lx->pos++;
                        newline(lx, lx->pos);
                } else if (c == 0xEF && lx->pos + 2 < lx->len &&
                           (unsigned char)lx->src[lx->pos + 1] == 0xBB &&
                           (unsigned char)lx->src[lx->pos + 2] == 0xBF)
                        lx->pos += 3;
                else if (c == '#') {
                        while (lx->pos < lx->len && lx->src[lx->pos] != '\n' && lx->src[lx->pos] != '\r')
                                lx->pos++;
                } else
                        break;
        }
}

static bool is_name_start(int c)
{
        return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static bool is_digit(int c)
{
        return c >= '0' && c <= '9';
}

static int peek(const struct gql_lexer *lx, size_t pos)
{
        return pos < lx->len ? (unsigned char)lx->src[pos] : -1;
}

static int digits(struct gql_lexer *lx, size_t *pos)
{
        int c = peek(lx, *pos);

        if (!is_digit(c)) {
                const char *got = c < 0 ? "<EOF>" : describe_char(lx, (uint32_t)c);

                return lex_fail(
                    lx, *pos,
                    gql_arena_printf(lx->arena, "Invalid number, expected digit but got: %s.", got));
        }
        while (is_digit(peek(lx, *pos)))
                (*pos)++;
        return 0;
}

static int lex_number(struct gql_lexer *lx, struct gql_token *t)
{
        size_t pos = lx->pos;
        bool is_float = false;
        int r, c;

        if (peek(lx, pos) == '-')
                pos++;
        if (peek(lx, pos) == '0') {
                pos++;
                if (is_digit(peek(lx, pos)))
                        return lex_fail(lx, pos,
                                        gql_arena_printf(lx->arena,
                                                         "Invalid number, unexpected digit after 0: %s.",
                                                         describe_char(lx, (uint32_t)peek(lx, pos))));
        } else if ((r = digits(lx, &pos)) < 0)
                return r;
        if (peek(lx, pos) == '.') {
                is_float = true;
                pos++;
                if ((r = digits(lx, &pos)) < 0)
                        return r;
        }
        if (peek(lx, pos) == 'e' || peek(lx, pos) == 'E') {
                is_float = true;
                pos++;
                if (peek(lx, pos) == '+' || peek(lx, pos) == '-')
                        pos++;
                if ((r = digits(lx, &pos)) < 0)
                        return r;
        }
        c = peek(lx, pos);
        if (c == '.' || is_name_start(c))
                return lex_fail(lx, pos,
                                gql_arena_printf(lx->arena, "Invalid number, expected digit but got: %s.",
                                                 describe_char(lx, (uint32_t)c)));
        t->kind = is_float ? GQL_TOK_FLOAT : GQL_TOK_INT;
        t->value = gql_arena_strndup(lx->arena, lx->src + lx->pos, pos - lx->pos);
        t->len = pos - lx->pos;
        lx->pos = pos;
        return 0;
}

/* Reads \uXXXX (or \u{X...}) at pos (pointing at 'u'); returns bytes consumed after the backslash. */
static size_t read_hex4(const struct gql_lexer *lx, size_t pos, uint32_t *ret)
{
        uint32_t v = 0;

        for (size_t i = 1; i <= 4; i++) {
                int h = rift_hex_value(peek(lx, pos + i));

                if (h < 0)
                        return 0;
                v = v << 4 | (uint32_t)h;
        }
        *ret = v;
        return 5;
}

static size_t read_unicode_escape(const struct gql_lexer *lx, size_t pos, uint32_t *ret)
{
        uint32_t v = 0, lo;
        size_t n;

        if (peek(lx, pos + 1) == '{') {
                size_t i = pos + 2;

                for (; rift_hex_value(peek(lx, i)) >= 0; i++) {
                        v = v << 4 | (uint32_t)rift_hex_value(peek(lx, i));
                        if (v > 0x10FFFF)
                                return 0;
                }
                if (peek(lx, i) != '}' || i == pos + 2 || (v >= 0xD800 && v <= 0xDFFF))
                        return 0;
                *ret = v;
                return i + 1 - pos;
        }
        n = read_hex4(lx, pos, &v);
        if (!n)
                return 0;
        if (v >= 0xD800 && v <= 0xDBFF) {
                if (peek(lx, pos + 5) != '\\' || peek(lx, pos + 6) != 'u' || !read_hex4(lx, pos + 6, &lo) ||
                    lo < 0xDC00 || lo > 0xDFFF)
                        return 0;
                *ret = 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00);
                return 11;
        }
        if (v >= 0xDC00 && v <= 0xDFFF)
                return 0;
        *ret = v;
        return n;
}

static size_t utf8_encode(uint32_t cp, char *out)
{
        if (cp < 0x80) {
                out[0] = (char)cp;
                return 1;
        }
        if (cp < 0x800) {
                out[0] = (char)(0xC0 | cp >> 6);
                out[1] = (char)(0x80 | (cp & 0x3F));
                return 2;
        }
        if (cp < 0x10000) {
                out[0] = (char)(0xE0 | cp >> 12);
                out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
                out[2] = (char)(0x80 | (cp & 0x3F));
                return 3;
        }
        out[0] = (char)(0xF0 | cp >> 18);
        out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[3] = (char)(0x80 | (cp & 0x3F));
        return 4;
}

static int lex_escape(struct gql_lexer *lx, size_t *pos, char *out, size_t *o)
{
        static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
        int c = peek(lx, *pos + 1);
        const char *hit = c > 0 ? strchr(from, c) : NULL;
        uint32_t cp;
        size_t n;

        if (hit && c) {
                out[(*o)++] = to[hit - from];
                *pos += 2;
                return 0;
        }
        if (c == 'u' && (n = read_unicode_escape(lx, *pos + 1, &cp)) > 0) {
                *o += utf8_encode(cp, out + *o);
                *pos += 1 + n;
                return 0;
        }
        if (c == 'u') {
                size_t end = *pos + 2;

                while (end < lx->len && end < *pos + 12 && lx->src[end] != '"' && lx->src[end] != '\n')
                        end++;
                return lex_fail(lx, *pos,
                                gql_arena_printf(lx->arena, "Invalid Unicode escape sequence: \"%.*s\".",
                                                 (int)(end - *pos), lx->src + *pos));
        }
        return lex_fail(lx, *pos,
                        gql_arena_printf(lx->arena, "Invalid character escape sequence: \"\\%c\".",
                                         c < 0 ? ' ' : (char)c));
}

static int lex_string(struct gql_lexer *lx, struct gql_token *t)
{
        size_t pos = lx->pos + 1, o = 0, end = pos;
        char *out;

        /* decoded text is never longer than the source up to the closing quote or line end */
        while (end < lx->len && lx->src[end] != '"' && lx->src[end] != '\n' && lx->src[end] != '\r')
                end += lx->src[end] == '\\' ? 2 : 1;
        out = gql_arena_alloc(lx->arena, end - pos + 8);

        for (;;) {
                int c = peek(lx, pos);
                uint32_t cp;
                size_t n;
                int r;

                if (c < 0 || c == '\n' || c == '\r')
                        return lex_fail(lx, pos, "Unterminated string.");
                if (c == '"')
                        break;
                if (c == '\\') {
                        if ((r = lex_escape(lx, &pos, out, &o)) < 0)
                                return r;
                        continue;
                }
                n = utf8_decode(lx->src, lx->len, pos, &cp);
                if (!n)
                        return lex_fail(lx, pos, "Invalid UTF-8 in string.");
                memcpy(out + o, lx->src + pos, n);
                o += n;
                pos += n;
        }
        out[o] = '\0';
        t->kind = GQL_TOK_STRING;
        t->value = out;
        t->len = o;
        lx->pos = pos + 1;
        return 0;
}

static bool ws(char c)
{
        return c == ' ' || c == '\t';
}

/* Splits raw into lines, computes the common indent of lines after the first, strips it, drops
 * leading/trailing blank lines, joins with \n (spec BlockStringValue). */
char *gql_block_string_value(struct gql_arena *a, const char *raw, size_t len, size_t *ret_len)
{
        size_t nlines = 1, cap = 0, common = (size_t)-1, o = 0, first = 0, last;
        size_t *starts = NULL, *ends;
        char *out;

        for (size_t i = 0; i < len; i++)
                if (raw[i] == '\n' || (raw[i] == '\r' && !(i + 1 < len && raw[i + 1] == '\n')))
                        nlines++;
        starts = gql_arena_grow(a, starts, &cap, nlines, sizeof(size_t));
        ends = gql_arena_alloc(a, nlines * sizeof(size_t));
        for (size_t i = 0, l = 0, s = 0; i <= len; i++) {
                if (i == len || raw[i] == '\n' || raw[i] == '\r') {
                        starts[l] = s;
                        ends[l++] = i;
                        if (i < len && raw[i] == '\r' && i + 1 < len && raw[i + 1] == '\n')
                                i++;
                        s = i + 1;
                }
        }
        for (size_t l = 1; l < nlines; l++) {
                size_t ind = 0;

                while (starts[l] + ind < ends[l] && ws(raw[starts[l] + ind]))
                        ind++;
                if (starts[l] + ind < ends[l] && ind < common)
                        common = ind;
        }
        if (common != (size_t)-1)
                for (size_t l = 1; l < nlines; l++)
                        starts[l] = ends[l] - starts[l] < common ? ends[l] : starts[l] + common;
        last = nlines;
        for (; first < nlines; first++) {
                size_t i = starts[first];

                while (i < ends[first] && ws(raw[i]))
                        i++;
                if (i < ends[first])
                        break;
        }
        for (; last > first; last--) {
                size_t i = starts[last - 1];

                while (i < ends[last - 1] && ws(raw[i]))
                        i++;
                if (i < ends[last - 1])
                        break;
        }
        out = gql_arena_alloc(a, len + 1);
        for (size_t l = first; l < last; l++) {
                if (l > first)
                        out[o++] = '\n';
                memcpy(out + o, raw + starts[l], ends[l] - starts[l]);
                o += ends[l] - starts[l];
        }
        out[o] = '\0';
        *ret_len = o;
        return out;
}

static int lex_block_string(struct gql_lexer *lx, struct gql_token *t)
{
        size_t pos = lx->pos + 3, o = 0, end = pos;
        char *raw;

        while (end < lx->len && !(lx->src[end] == '"' && end + 2 < lx->len && lx->src[end + 1] == '"' &&
                                  lx->src[end + 2] == '"'))
                end +=
                    lx->src[end] == '\\' && end + 3 < lx->len && memcmp(lx->src + end + 1, "\"\"\"", 3) == 0
                        ? 4
                        : 1;
        raw = gql_arena_alloc(lx->arena, end - pos + 8);

        for (;;) {
                int c = peek(lx, pos);
                uint32_t cp;
                size_t n;

                if (c < 0)
                        return lex_fail(lx, pos, "Unterminated string.");
                if (c == '"' && peek(lx, pos + 1) == '"' && peek(lx, pos + 2) == '"')
                        break;
                if (c == '\\' && peek(lx, pos + 1) == '"' && peek(lx, pos + 2) == '"' &&
                    peek(lx, pos + 3) == '"') {
                        memcpy(raw + o, "\"\"\"", 3);
                        o += 3;
                        pos += 4;
                        continue;
                }
                if (c == '\n' || c == '\r') {
                        raw[o++] = (char)c;
                        pos++;
                        if (c == '\r' && peek(lx, pos) == '\n')
                                raw[o++] = lx->src[pos++];
                        newline(lx, pos);
                        continue;
                }
                n = utf8_decode(lx->src, lx->len, pos, &cp);
                if (!n)
                        return lex_fail(lx, pos, "Invalid UTF-8 in string.");
                memcpy(raw + o, lx->src + pos, n);
                o += n;
                pos += n;
        }
        t->kind = GQL_TOK_BLOCK_STRING;
        t->value = gql_block_string_value(lx->arena, raw, o, &t->len);
        lx->pos = pos + 3;
        return 0;
}

static const enum gql_tok_kind punct_kind[128] = {
        ['!'] = GQL_TOK_BANG,      ['$'] = GQL_TOK_DOLLAR,  ['&'] = GQL_TOK_AMP,
        ['('] = GQL_TOK_PAREN_L,   [')'] = GQL_TOK_PAREN_R, [':'] = GQL_TOK_COLON,
        ['='] = GQL_TOK_EQUALS,    ['@'] = GQL_TOK_AT,      ['['] = GQL_TOK_BRACKET_L,
        [']'] = GQL_TOK_BRACKET_R, ['{'] = GQL_TOK_BRACE_L, ['|'] = GQL_TOK_PIPE,
        ['}'] = GQL_TOK_BRACE_R,
};

static int lex_other(struct gql_lexer *lx, struct gql_token *t, int c)
{
        uint32_t cp;

        if (c == '.' && peek(lx, lx->pos + 1) == '.' && peek(lx, lx->pos + 2) == '.') {
                t->kind = GQL_TOK_SPREAD;
                lx->pos += 3;
                return 0;
        }
        if (c < 128 && punct_kind[c]) {
                t->kind = punct_kind[c];
                lx->pos++;
                return 0;
        }
        if (is_name_start(c)) {
                size_t end = lx->pos + 1;

                while (is_name_start(peek(lx, end)) || is_digit(peek(lx, end)))
                        end++;
                t->kind = GQL_TOK_NAME;
                t->value = gql_arena_strndup(lx->arena, lx->src + lx->pos, end - lx->pos);
                t->len = end - lx->pos;
                lx->pos = end;
                return 0;
        }
        if (c == '-' || is_digit(c))
                return lex_number(lx, t);
        if (c == '"')
                return peek(lx, lx->pos + 1) == '"' && peek(lx, lx->pos + 2) == '"' ? lex_block_string(lx, t)
                                                                                    : lex_string(lx, t);
        if (!utf8_decode(lx->src, lx->len, lx->pos, &cp))
                return lex_fail(lx, lx->pos, "Invalid UTF-8.");
        if (c == '.')
                return lex_fail(lx, lx->pos, "Unexpected character: \".\".");
        return lex_fail(lx, lx->pos,
                        gql_arena_printf(lx->arena, "Unexpected character: %s.", describe_char(lx, cp)));
}

int gql_lexer_next(struct gql_lexer *lx, struct gql_token *t)
{
        int c;

        skip_ignored(lx);
        *t = (struct gql_token){ .kind = GQL_TOK_EOF, .loc = loc_at(lx, lx->pos) };
        c = peek(lx, lx->pos);
        if (c < 0)
                return 0;
        if (lx->max_tokens && ++lx->tokens > lx->max_tokens)
                return lex_fail(lx, lx->pos,
                                gql_arena_printf(lx->arena,
                                                 "Document contains more than %zu tokens. Parsing aborted.",
                                                 lx->max_tokens));
        return lex_other(lx, t, c);
}

static const char *const tok_names[] = {
        [GQL_TOK_EOF] = "<EOF>",       [GQL_TOK_BANG] = "\"!\"",
        [GQL_TOK_DOLLAR] = "\"$\"",    [GQL_TOK_AMP] = "\"&\"",
        [GQL_TOK_PAREN_L] = "\"(\"",   [GQL_TOK_PAREN_R] = "\")\"",
        [GQL_TOK_SPREAD] = "\"...\"",  [GQL_TOK_COLON] = "\":\"",
        [GQL_TOK_EQUALS] = "\"=\"",    [GQL_TOK_AT] = "\"@\"",
        [GQL_TOK_BRACKET_L] = "\"[\"", [GQL_TOK_BRACKET_R] = "\"]\"",
        [GQL_TOK_BRACE_L] = "\"{\"",   [GQL_TOK_PIPE] = "\"|\"",
        [GQL_TOK_BRACE_R] = "\"}\"",   [GQL_TOK_NAME] = "Name",
        [GQL_TOK_INT] = "Int",         [GQL_TOK_FLOAT] = "Float",
        [GQL_TOK_STRING] = "String",   [GQL_TOK_BLOCK_STRING] = "BlockString",
};

const char *gql_token_describe(struct gql_arena *a, const struct gql_token *t)
{
        if (t->kind >= GQL_TOK_NAME && t->value)
                return gql_arena_printf(a, "%s \"%.*s\"", tok_names[t->kind], t->len > 60 ? 60 : (int)t->len,
                                        t->value);
        return tok_names[t->kind];
}
