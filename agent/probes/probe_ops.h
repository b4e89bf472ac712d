/* Private to agent/probes: the per-type ops table and the JSON helpers the type files share. */
#ifndef RIFT_AGENT_PROBE_OPS_H
#define RIFT_AGENT_PROBE_OPS_H

#include <cjson/cJSON.h>

#include "agent/probes/probe.h"

/* One probe type: adding a type is one file plus one line in probe.c's table. */
struct probe_ops {
        const char *type_name;  /* "httpProbe" */
        const char *inputs_key; /* "httpProbe/inputs" */
        /* Fills def's union member from the inputs object; err names the field on failure. */
        int (*parse)(struct probe_def *def, const cJSON *inputs, const char *where, char *err, size_t errsz);
        void (*done)(struct probe_def *def); /* frees what parse allocated; safe on partial parses */
        /* One try bounded by timeout_ms: sets out->passed and out->description; reg gets the output. */
        int (*run)(const struct probe_def *def, int64_t timeout_ms, struct probe_outcome *out, char *reg,
                   size_t regsz);
};

extern const struct probe_ops probe_http_ops;
extern const struct probe_ops probe_cmd_ops;
extern const struct probe_ops probe_prom_ops;

/* probe_parse.c */
int probe_defs_parse(const char *json, size_t len, char *err, size_t errsz, struct probe_def **ret_defs,
                     size_t *ret_n);
void probe_def_done(struct probe_def *def);
const struct probe_ops *probe_ops_of(enum probe_type t);
int probe_fail(char *err, size_t errsz, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int probe_json_text(const cJSON *obj, const char *key, bool required, const char *where, char *err,
                    size_t errsz, char **ret);
int probe_json_bool(const cJSON *obj, const char *key, const char *where, char *err, size_t errsz, bool *ret);
int probe_json_comparator(const cJSON *obj, const char *key, bool force_float, const char *where, char *err,
                          size_t errsz, struct probe_comparator *ret);
int probe_read_file(const char *path, size_t max, char **ret);

/* probe_http.c: one HTTP request with libcurl; the body (if ret_body) is kept up to cap bytes, a longer
 * one fails with RIFT_E_TOOBIG. post_body NULL = GET. Errors: RIFT_E_TIMEOUT, RIFT_E_UNAVAILABLE,
 * RIFT_E_TLS, RIFT_E_UNSUPPORTED (libcurl could not be loaded: curl_dl.h). */
int probe_curl_fetch(const char *url, bool insecure, const char *post_body, const char *content_type,
                     int64_t timeout_ms, size_t cap, long *ret_code, char **ret_body);
/* What a probe's description says about probe_curl_fetch's error r. */
const char *probe_fetch_strerror(int r);
/* probe_prom.c: percent-encodes s as curl_easy_escape does (all but A-Z a-z 0-9 - . _ ~); NULL if out of
 * memory. */
char *probe_url_escape(const char *s);

#endif
