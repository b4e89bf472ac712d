/* Error codes: functions return 0/positive on success, a negative errno or a negative Rift code. */
#ifndef RIFT_ERROR_H
#define RIFT_ERROR_H

/* Rift's own codes live in [-10999, -10000], clear of every errno value. */
enum rift_error {
        RIFT_E_FIRST = -10999,
        RIFT_E_PARSE,       /* input is not well-formed (JSON, protobuf, config, token) */
        RIFT_E_TOOBIG,      /* input or buffer over its hard limit */
        RIFT_E_INVALID,     /* well-formed but semantically invalid value */
        RIFT_E_NOTFOUND,    /* no such document, user, route, key */
        RIFT_E_EXISTS,      /* a unique key is already taken */
        RIFT_E_CONFLICT,    /* optimistic version check failed */
        RIFT_E_AUTH,        /* credentials missing, wrong, expired or revoked */
        RIFT_E_FORBIDDEN,   /* authenticated but not allowed */
        RIFT_E_PROTOCOL,    /* peer broke the wire protocol */
        RIFT_E_TIMEOUT,     /* deadline passed */
        RIFT_E_UNAVAILABLE, /* peer or backend cannot be reached */
        RIFT_E_STORE,       /* the database reported an error */
        RIFT_E_TLS,         /* TLS handshake or certificate verification failed */
        RIFT_E_CRYPTO,      /* a cryptographic primitive failed */
        RIFT_E_UNSUPPORTED, /* feature not available on this machine or build */
        RIFT_E_LAST,
};

/* A static, human-readable description of a negative errno or Rift code. Never NULL. */
const char *rift_strerror(int err);

/* Short stable token for a code ("parse", "not_found", "ENOENT"...), for logs and error bodies. */
const char *rift_error_name(int err);

#endif
