#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "lib/clock.h"
#include "lib/error.h"
#include "lib/limits_rift.h"
#include "lib/log.h"

static char component[32] = "rift";
static enum rift_log_level min_level = RIFT_LOG_INFO;
static int log_fd = 2;

static const char *const level_names[] = { "debug", "info", "warn", "error" };

/* Key fragments that mark a value as secret. Matched as substrings, case-insensitively. */
static const char *const secret_words[] = { "password", "passwd",        "token",  "secret", "key",
                                            "hash",     "authorization", "cookie", "jwt" };

void rift_log_init(const char *comp, enum rift_log_level level, int fd)
{
        snprintf(component, sizeof(component), "%s", comp ? comp : "rift");
        min_level = level;
        log_fd = fd;
}

int rift_log_parse_level(const char *s, enum rift_log_level *ret)
{
        for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
                if (s && strcasecmp(s, level_names[i]) == 0) {
                        *ret = (enum rift_log_level)i;
                        return 0;
                }
        }
        return RIFT_E_INVALID;
}

bool rift_log_enabled(enum rift_log_level level)
{
        return level >= min_level;
}

static bool key_is_secret(const char *key)
{
        for (size_t i = 0; i < sizeof(secret_words) / sizeof(secret_words[0]); i++)
                if (strcasestr(key, secret_words[i]))
                        return true;
        return false;
}

/* Appends to out at *pos, never past size - 1; stops silently when full. */
static void put(char *out, size_t size, size_t *pos, const char *s, size_t n)
{
        if (*pos >= size - 1)
                return;
        if (n > size - 1 - *pos)
                n = size - 1 - *pos;
        memcpy(out + *pos, s, n);
        *pos += n;
}

static bool needs_quotes(const char *s)
{
        if (!*s)
                return true;
        for (; *s; s++)
                if ((unsigned char)*s <= ' ' || *s == '"' || *s == '=' || *s == '\\' ||
                    (unsigned char)*s == 0x7f)
                        return true;
        return false;
}

/* Writes a value, quoted and escaped when it has spaces, quotes or control characters. */
static void put_value(char *out, size_t size, size_t *pos, const char *s)
{
        char esc[8];

        if (!needs_quotes(s)) {
                put(out, size, pos, s, strlen(s));
                return;
        }
        put(out, size, pos, "\"", 1);
        for (; *s; s++) {
                unsigned char c = (unsigned char)*s;

                if (c == '"' || c == '\\') {
                        esc[0] = '\\';
                        esc[1] = (char)c;
                        put(out, size, pos, esc, 2);
                } else if (c == '\n') {
                        put(out, size, pos, "\\n", 2);
                } else if (c < ' ' || c == 0x7f) {
                        snprintf(esc, sizeof(esc), "\\x%02x", c);
                        put(out, size, pos, esc, 4);
                } else {
                        put(out, size, pos, s, 1);
                }
        }
        put(out, size, pos, "\"", 1);
}

size_t rift_log_format(char *out, size_t size, int64_t ts_ms, enum rift_log_level level, const char *comp,
                       const char *msg, const struct rift_log_field *fields, size_t n_fields)
{
        char ts[32], num[64];
        size_t pos = 0;

        if (size == 0)
                return 0;
        rift_clock_format_rfc3339(ts_ms, ts);
        put(out, size, &pos, ts, strlen(ts));
        put(out, size, &pos, " ", 1);
        put(out, size, &pos, level_names[level], strlen(level_names[level]));
        put(out, size, &pos, " ", 1);
        put(out, size, &pos, comp, strlen(comp));
        put(out, size, &pos, " ", 1);
        put_value(out, size, &pos, msg);
        for (size_t i = 0; i < n_fields; i++) {
                const struct rift_log_field *f = &fields[i];

                put(out, size, &pos, " ", 1);
                put(out, size, &pos, f->key, strlen(f->key));
                put(out, size, &pos, "=", 1);
                if (key_is_secret(f->key)) {
                        put(out, size, &pos, "[redacted]", 10);
                        continue;
                }
                switch (f->type) {
                case RIFT_LOG_T_STR:
                        put_value(out, size, &pos, f->s ? f->s : "-");
                        break;
                case RIFT_LOG_T_INT:
                        snprintf(num, sizeof(num), "%lld", (long long)f->i);
                        put(out, size, &pos, num, strlen(num));
                        break;
                case RIFT_LOG_T_DBL:
                        snprintf(num, sizeof(num), "%.6g", f->d);
                        put(out, size, &pos, num, strlen(num));
                        break;
                case RIFT_LOG_T_BOOL:
                        put(out, size, &pos, f->b ? "true" : "false", f->b ? 4 : 5);
                        break;
                }
        }
        out[pos] = '\0';
        return pos;
}

void rift_log_emit(enum rift_log_level level, const char *msg, const struct rift_log_field *fields,
                   size_t n_fields)
{
        char line[RIFT_MAX_LOG_LINE];
        size_t n;
        ssize_t w;

        if (!rift_log_enabled(level))
                return;
        n = rift_log_format(line, sizeof(line) - 1, rift_now_ms(), level, component, msg, fields, n_fields);
        line[n++] = '\n';
        /* One write per line so concurrent writers never interleave within a line. */
        do {
                w = write(log_fd, line, n);
        } while (w < 0 && errno == EINTR);
}
