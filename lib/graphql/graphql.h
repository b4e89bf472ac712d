/* Rift's GraphQL engine (spec October 2021): the public entry. A schema is built once from static
 * tables (struct gql_type_def); an engine holds the schema and the limits; each request parses,
 * validates and executes a document in its own capped arena and writes a JSON response.
 * What is not supported is listed in docs/graphql.md. Module prefix: gql_. */
#ifndef RIFT_GRAPHQL_H
#define RIFT_GRAPHQL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"

struct gql_arena;
struct gql_schema;
struct gql_engine;
struct gql_resolve_info;

/* ---- values: coerced arguments handed to resolvers, and what resolvers return ---------------------- */
enum gql_value_kind {
        GQL_NULL,
        GQL_INT,     /* i: 32-bit range for Int */
        GQL_FLOAT,   /* f: finite */
        GQL_STRING,  /* str: UTF-8, NUL-terminated, may hold \0 (len counts bytes) */
        GQL_BOOLEAN, /* b */
        GQL_ENUM,    /* str: the enum value's name */
        GQL_LIST,    /* list */
        GQL_OBJECT,  /* obj: an input object (field names in definition order) */
        GQL_OPAQUE,  /* opaque: an application object for an object/interface/union field */
};

struct gql_value {
        enum gql_value_kind kind; /* which member of the union is set */
        union {
                int64_t i; /* GQL_INT */
                double f;  /* GQL_FLOAT */
                bool b;    /* GQL_BOOLEAN */
                struct {
                        const char *s; /* NUL-terminated */
                        size_t len;    /* bytes, without the terminator */
                } str;                 /* GQL_STRING, GQL_ENUM */
                struct {
                        struct gql_value **items; /* n items */
                        size_t n;                 /* number of items */
                } list;                           /* GQL_LIST */
                struct {
                        const char **names;        /* field names */
                        struct gql_value **values; /* field values, same index */
                        size_t n;                  /* number of fields present */
                } obj;                             /* GQL_OBJECT */
                struct {
                        const void *ptr;       /* the application's object, passed as parent */
                        const char *type_name; /* concrete object type, or NULL: ask resolve_type */
                } opaque;                      /* GQL_OPAQUE */
        };
};

/* ---- schema tables ---------------------------------------------------------------------------------- */
/* A resolver computes one field: writes *ret (allocated with the gql_value_* constructors) and returns
 * 0, or returns a negative code after gql_resolve_error() to make a field error. Resolvers run
 * synchronously; a NULL *ret is null. Allocation happens in the request arena: when the arena cap is
 * hit the request is abandoned, so resolvers must not hold malloc'd memory across gql_value_* calls. */
typedef int (*gql_resolve_fn)(struct gql_resolve_info *ri, struct gql_value **ret);
/* Picks the concrete object type name of an interface/union value; NULL is an execution error. */
typedef const char *(*gql_resolve_type_fn)(const void *obj, void *ctx);

enum gql_type_kind {
        GQL_KIND_SCALAR,
        GQL_KIND_OBJECT,
        GQL_KIND_INTERFACE,
        GQL_KIND_UNION,
        GQL_KIND_ENUM,
        GQL_KIND_INPUT_OBJECT,
        GQL_KIND_LIST,     /* wrapper, only in type references */
        GQL_KIND_NON_NULL, /* wrapper, only in type references */
};

/* An argument or input field. Types are written as in SDL ("[Phase!]!"). */
struct gql_arg_def {
        const char *name;          /* NULL ends a table */
        const char *type;          /* SDL type reference */
        const char *default_value; /* GraphQL literal ("10", "{page: 0}") or NULL */
        const char *description;   /* or NULL */
};

struct gql_field_def {
        const char *name;               /* NULL ends a table */
        const char *type;               /* SDL type reference */
        const struct gql_arg_def *args; /* NULL-name terminated, or NULL */
        gql_resolve_fn resolve;         /* NULL only for interface fields */
        const char *description;        /* or NULL */
        const char *deprecation_reason; /* non-NULL marks the field deprecated */
};

struct gql_enum_value_def {
        const char *name;               /* NULL ends a table */
        const char *description;        /* or NULL */
        const char *deprecation_reason; /* or NULL */
};

struct gql_type_def {
        enum gql_type_kind kind;                 /* SCALAR is not allowed: only built-in scalars */
        const char *name;                        /* NULL ends a table */
        const char *description;                 /* or NULL */
        const struct gql_field_def *fields;      /* OBJECT, INTERFACE */
        const char *const *interfaces;           /* OBJECT, INTERFACE: NULL-terminated names */
        const char *const *members;              /* UNION: NULL-terminated object type names */
        const struct gql_enum_value_def *values; /* ENUM */
        const struct gql_arg_def *input_fields;  /* INPUT_OBJECT */
        gql_resolve_type_fn resolve_type;        /* INTERFACE, UNION (else GQL_OPAQUE type_name) */
};

struct gql_schema_def {
        const struct gql_type_def *types; /* NULL-name terminated, in SDL order */
        const char *query;                /* root type names; mutation, subscription may be NULL */
        const char *mutation;
        const char *subscription;
};

/* Builds and checks a schema (every referenced name defined, interfaces implemented...). On failure
 * writes a description to errbuf (if given) and returns RIFT_E_INVALID. */
int gql_schema_new(const struct gql_schema_def *def, char *errbuf, size_t errlen, struct gql_schema **ret);
void gql_schema_free(struct gql_schema *s);
/* The schema in SDL, formatted like graphql-js printSchema (no trailing newline). */
int gql_schema_print_sdl(const struct gql_schema *s, struct rift_buf *out);

/* ---- engine ------------------------------------------------------------------------------------------ */
struct gql_limits {
        size_t max_document;     /* bytes of query text */
        size_t max_tokens;       /* lexical tokens in the document */
        size_t max_memory;       /* arena bytes per request (AST, values, errors) */
        size_t max_response;     /* bytes of JSON response */
        unsigned max_depth;      /* field nesting after fragment expansion (root fields are depth 1) */
        unsigned max_fields;     /* selected fields after fragment expansion (alias bombs) */
        unsigned max_complexity; /* fields weighted by list multipliers, see docs/graphql.md */
        unsigned max_errors;     /* validation errors reported before stopping */
        bool introspection;      /* __schema and __type allowed */
};

/* Default limits (documented in docs/graphql.md). */
void gql_limits_default(struct gql_limits *ret);

/* The schema must outlive the engine. */
int gql_engine_new(const struct gql_schema *schema, const struct gql_limits *limits, struct gql_engine **ret);
void gql_engine_free(struct gql_engine *e);

/* One GraphQL request. variables_json is the JSON text of the "variables" object (or NULL);
 * operation_name may be NULL. ctx is handed to every resolver (user, project...).
 * Writes the spec response ({"data":..,"errors":[..]}) to out. Returns 0 when a response was
 * written (even one holding only errors), or a negative code when out overflowed / OOM. */
int gql_execute(struct gql_engine *e, const char *query, size_t query_len, const char *variables_json,
                const char *operation_name, void *ctx, struct rift_buf *out);

/* gql_execute with flags. GQL_EXEC_ALL_ROOT_FIELDS: every root field is resolved even after one of them
 * nulled the whole data (a non-null root field failed). The response is still the spec's; the flag is
 * for callers that run a document once to learn what its resolvers need (rift-backend's authorisation
 * discovery pass), where a resolver skipped would be a need never asked for. */
#define GQL_EXEC_ALL_ROOT_FIELDS 1u
int gql_execute_flags(struct gql_engine *e, const char *query, size_t query_len, const char *variables_json,
                      const char *operation_name, void *ctx, unsigned flags, struct rift_buf *out);

/* Subscriptions: validates the request and resolves the root subscription field's source value
 * (the resolver's return, e.g. a stream handle, as GQL_OPAQUE). Later, each event is executed with
 * gql_request_execute_event(). Returns 1 and sets *ret_source on success; 0 when the response in out
 * holds errors (nothing to subscribe to); negative on overflow. */
struct gql_request;
int gql_subscribe(struct gql_engine *e, const char *query, size_t query_len, const char *variables_json,
                  const char *operation_name, void *ctx, struct rift_buf *out, struct gql_request **ret_req,
                  const struct gql_value **ret_source);
/* Executes the subscription's selection set on one event value, writing {"data":{"field":..}}. */
int gql_request_execute_event(struct gql_request *req, struct gql_value *event, struct rift_buf *out);
void gql_request_free(struct gql_request *req);

/* ---- resolver side ---------------------------------------------------------------------------------- */
struct gql_resolve_info {
        struct gql_arena *arena;         /* request arena for results */
        const void *parent;              /* the parent object (GQL_OPAQUE ptr; NULL at the root) */
        void *ctx;                       /* the request context given to gql_execute */
        const struct gql_schema *schema; /* the schema being executed */
        const char *field_name;          /* the field being resolved */
        const void *field;               /* internal: the field definition */
        struct gql_value **args;         /* internal: coerced arguments in definition order (NULL = absent) */
        const char *error;               /* set by gql_resolve_error */
};

/* The coerced argument, or NULL when not given and without default; explicit null is GQL_NULL. */
const struct gql_value *gql_arg(const struct gql_resolve_info *ri, const char *name);
/* Sets the field error message (copied into the arena); returns RIFT_E_INVALID for `return`. */
int gql_resolve_error(struct gql_resolve_info *ri, const char *message);

/* Field of an input object value, or NULL. */
const struct gql_value *gql_value_field(const struct gql_value *obj, const char *name);

/* Constructors in the request arena. */
struct gql_value *gql_value_null(struct gql_arena *a);
struct gql_value *gql_value_int(struct gql_arena *a, int64_t i);
struct gql_value *gql_value_float(struct gql_arena *a, double f);
struct gql_value *gql_value_bool(struct gql_arena *a, bool b);
struct gql_value *gql_value_string(struct gql_arena *a, const char *s, size_t len);
/* Like gql_value_string without a copy: s must outlive the request (NUL-terminated at len). */
struct gql_value *gql_value_string_ref(struct gql_arena *a, const char *s, size_t len);
struct gql_value *gql_value_enum(struct gql_arena *a, const char *name);
struct gql_value *gql_value_list(struct gql_arena *a, size_t n); /* n NULL items to fill */
struct gql_value *gql_value_opaque(struct gql_arena *a, const void *ptr, const char *type_name);

#endif
