/* Safe string helpers and strict number parsing (no atoi: every parse reports errors and ranges). */
#ifndef RIFT_STR_H
#define RIFT_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Copies src into dst (size bytes) always NUL-terminating; returns -RIFT_E_TOOBIG if truncated. */
int rift_strlcpy(char *dst, const char *src, size_t size);
bool rift_streq(const char *a, const char *b); /* NULL-safe equality */
bool rift_startswith(const char *s, const char *prefix);
bool rift_endswith(const char *s, const char *suffix);
int rift_hex_value(int c); /* 0..15 for a hex digit, -1 for anything else (EOF too) */
/* strndup that returns NULL only on allocation failure. */
char *rift_strndup(const char *s, size_t n);
/* Trims ASCII whitespace in place; returns s. */
char *rift_strstrip(char *s);

/* Strict parsers: whole string must be consumed, no leading/trailing junk, value within [min, max]. */
int rift_parse_int64(const char *s, int64_t min, int64_t max, int64_t *ret);
int rift_parse_uint64(const char *s, uint64_t max, uint64_t *ret);
int rift_parse_double(const char *s, double *ret);
int rift_parse_bool(const char *s, bool *ret); /* true/false, yes/no, on/off, 1/0 */
/* "150ms", "5s", "2m", "1h", "1d" or plain digits (seconds) -> milliseconds. */
int rift_parse_duration_ms(const char *s, int64_t *ret);
/* "512", "10k", "10KB", "4MiB", "2G" -> bytes (K=1024). */
int rift_parse_size(const char *s, uint64_t *ret);

/* True if s is valid UTF-8 of length len (no overlongs, no surrogates). */
bool rift_utf8_valid(const char *s, size_t len);

#endif
