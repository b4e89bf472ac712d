/* Structured logging: one line per event, `ts level component msg key=value...`.
 *
 *   log_info("listening", LOG_STR("addr", addr), LOG_INT("port", port));
 *
 * Values are typed fields so the logger can quote them and redact secrets: a field whose key names a
 * secret (password, token, secret, key, hash, authorization, cookie) is always written as "[redacted]".
 * lib/ modules log only at debug level (STYLE rule 7). */
#ifndef RIFT_LOG_H
#define RIFT_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum rift_log_level { RIFT_LOG_DEBUG, RIFT_LOG_INFO, RIFT_LOG_WARN, RIFT_LOG_ERROR };

enum rift_log_type { RIFT_LOG_T_STR, RIFT_LOG_T_INT, RIFT_LOG_T_DBL, RIFT_LOG_T_BOOL };

struct rift_log_field {
        const char *key;         /* field name, [a-z0-9_.] */
        enum rift_log_type type; /* which member of the union is set */
        union {
                const char *s; /* RIFT_LOG_T_STR (NULL prints as -) */
                int64_t i;     /* RIFT_LOG_T_INT */
                double d;      /* RIFT_LOG_T_DBL */
                bool b;        /* RIFT_LOG_T_BOOL */
        };
};

#define LOG_STR(k, v)  ((struct rift_log_field){ .key = (k), .type = RIFT_LOG_T_STR, .s = (v) })
#define LOG_INT(k, v)  ((struct rift_log_field){ .key = (k), .type = RIFT_LOG_T_INT, .i = (int64_t)(v) })
#define LOG_DBL(k, v)  ((struct rift_log_field){ .key = (k), .type = RIFT_LOG_T_DBL, .d = (double)(v) })
#define LOG_BOOL(k, v) ((struct rift_log_field){ .key = (k), .type = RIFT_LOG_T_BOOL, .b = (v) })
#define LOG_ERR(e)     LOG_STR("error", rift_strerror(e))

/* Sets the component name, the minimum level and the output fd (2 by default). */
void rift_log_init(const char *component, enum rift_log_level min_level, int fd);
int rift_log_parse_level(const char *s, enum rift_log_level *ret);
bool rift_log_enabled(enum rift_log_level level);

void rift_log_emit(enum rift_log_level level, const char *msg, const struct rift_log_field *fields,
                   size_t n_fields);

/* Formats one line (without writing it) into out; returns its length. For tests and the agent's
 * log shipping. */
size_t rift_log_format(char *out, size_t size, int64_t ts_ms, enum rift_log_level level,
                       const char *component, const char *msg, const struct rift_log_field *fields,
                       size_t n_fields);

#define rift_log(level, msg, ...)                                                                            \
        do {                                                                                                 \
                if (rift_log_enabled(level)) {                                                               \
                        const struct rift_log_field _lf[] = { __VA_ARGS__ };                                 \
                        rift_log_emit(level, msg, _lf, sizeof(_lf) / sizeof(_lf[0]));                        \
                }                                                                                            \
        } while (0)

#define log_debug(msg, ...) rift_log(RIFT_LOG_DEBUG, msg, ##__VA_ARGS__)
#define log_info(msg, ...)  rift_log(RIFT_LOG_INFO, msg, ##__VA_ARGS__)
#define log_warn(msg, ...)  rift_log(RIFT_LOG_WARN, msg, ##__VA_ARGS__)
#define log_error(msg, ...) rift_log(RIFT_LOG_ERROR, msg, ##__VA_ARGS__)

#endif
