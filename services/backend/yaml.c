/* YAML (libyaml) to cJSON for manifests written in YAML: one document of mappings, sequences and
 * scalars. Quoted scalars are strings; plain scalars true/false, null/~/empty and numbers get their
 * JSON types. Aliases, anchors' reuse and tags are refused (no billion-laughs expansion); nesting is
 * capped at YAML_MAX_DEPTH. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "lib/str.h"
#include "services/backend/backend.h"

#define YAML_MAX_DEPTH 64

static cJSON *plain_scalar(const char *v, size_t len)
{
        double d;

        if (len == 0 || !strcmp(v, "null") || !strcmp(v, "~") || !strcmp(v, "Null") || !strcmp(v, "NULL"))
                return cJSON_CreateNull();
        if (!strcmp(v, "true") || !strcmp(v, "True") || !strcmp(v, "TRUE"))
                return cJSON_CreateTrue();
        if (!strcmp(v, "false") || !strcmp(v, "False") || !strcmp(v, "FALSE"))
                return cJSON_CreateFalse();
        if (strspn(v, "+-0123456789.eE") == len && rift_parse_double(v, &d) == 0 && isfinite(d))
                return cJSON_CreateNumber(d);
        return cJSON_CreateString(v);
}

static int parse_node(yaml_parser_t *p, const yaml_event_t *ev, unsigned depth, cJSON **ret, char *err,
                      size_t n);

/* Reads the children of a mapping or sequence until its end event. */
static int parse_children(yaml_parser_t *p, cJSON *into, bool mapping, unsigned depth, char *err, size_t n)
{
        yaml_event_t ev;
        char *key = NULL;
        int r = 0;

        for (;;) {
                cJSON *child = NULL;
                if (!yaml_parser_parse(p, &ev)) {
                        snprintf(err, n, "manifest: YAML error at line %zu: %s", p->problem_mark.line + 1,
                                 p->problem ? p->problem : "?");
                        r = RIFT_E_INVALID;
                        break;
                }
                if (ev.type == YAML_MAPPING_END_EVENT || ev.type == YAML_SEQUENCE_END_EVENT) {
                        yaml_event_delete(&ev);
                        break;
                }
                if (mapping && !key) {
                        if (ev.type != YAML_SCALAR_EVENT) {
                                snprintf(err, n, "manifest: YAML mapping keys must be scalars (line %zu)",
                                         ev.start_mark.line + 1);
                                yaml_event_delete(&ev);
                                r = RIFT_E_INVALID;
                                break;
                        }
                        key = strdup((const char *)ev.data.scalar.value);
                        yaml_event_delete(&ev);
                        if (!key) {
                                r = -ENOMEM;
                                break;
                        }
                        continue;
                }
                r = parse_node(p, &ev, depth + 1, &child, err, n);
                yaml_event_delete(&ev);
                if (r < 0)
                        break;
                if (mapping) {
                        cJSON_DeleteItemFromObjectCaseSensitive(into, key);
                        cJSON_AddItemToObject(into, key, child);
                        free(key);
                        key = NULL;
                } else {
                        cJSON_AddItemToArray(into, child);
                }
        }
        free(key);
        return r;
}

static int parse_node(yaml_parser_t *p, const yaml_event_t *ev, unsigned depth, cJSON **ret, char *err,
                      size_t n)
{
        cJSON *node;
        int r;

        if (depth > YAML_MAX_DEPTH) {
                snprintf(err, n, "manifest: nested deeper than %d", YAML_MAX_DEPTH);
                return RIFT_E_INVALID;
        }
        switch (ev->type) {
        case YAML_SCALAR_EVENT:
                node = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE
                           ? plain_scalar((const char *)ev->data.scalar.value, ev->data.scalar.length)
                           : cJSON_CreateString((const char *)ev->data.scalar.value);
                break;
        case YAML_MAPPING_START_EVENT:
        case YAML_SEQUENCE_START_EVENT:
                node = ev->type == YAML_MAPPING_START_EVENT ? cJSON_CreateObject() : cJSON_CreateArray();
                if (!node)
                        return -ENOMEM;
                r = parse_children(p, node, ev->type == YAML_MAPPING_START_EVENT, depth, err, n);
                if (r < 0) {
                        cJSON_Delete(node);
                        return r;
                }
                break;
        case YAML_ALIAS_EVENT:
                snprintf(err, n, "manifest: YAML aliases are not accepted (line %zu)",
                         ev->start_mark.line + 1);
                return RIFT_E_INVALID;
        default:
                snprintf(err, n, "manifest: unexpected YAML event (line %zu)", ev->start_mark.line + 1);
                return RIFT_E_INVALID;
        }
        if (!node)
                return -ENOMEM;
        *ret = node;
        return 0;
}

/* Skips stream and document starts; returns the first node's event. */
static int first_node(yaml_parser_t *p, yaml_event_t *ev, char *err, size_t n)
{
        for (;;) {
                if (!yaml_parser_parse(p, ev)) {
                        snprintf(err, n, "manifest: YAML error at line %zu: %s", p->problem_mark.line + 1,
                                 p->problem ? p->problem : "?");
                        return RIFT_E_INVALID;
                }
                if (ev->type != YAML_STREAM_START_EVENT && ev->type != YAML_DOCUMENT_START_EVENT)
                        return 0;
                yaml_event_delete(ev);
        }
}

int backend_yaml_to_json(const char *text, size_t len, cJSON **ret, char *err, size_t n)
{
        yaml_parser_t p;
        yaml_event_t ev;
        cJSON *doc = NULL;
        int r;

        if (!yaml_parser_initialize(&p))
                return -ENOMEM;
        yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
        r = first_node(&p, &ev, err, n);
        if (r == 0) {
                if (ev.type == YAML_STREAM_END_EVENT) {
                        snprintf(err, n, "manifest: empty");
                        r = RIFT_E_INVALID;
                } else {
                        r = parse_node(&p, &ev, 1, &doc, err, n);
                }
                yaml_event_delete(&ev);
        }
        yaml_parser_delete(&p);
        if (r < 0)
                return r;
        *ret = doc;
        return 0;
}
