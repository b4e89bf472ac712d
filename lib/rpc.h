/* Twirp wire format shared by lib/rpc_server and lib/rpc_client: error codes, their HTTP statuses, their
 * mapping to Rift error codes, and the JSON error body {"code":"not_found","msg":"..."}.
 * See docs/rpc.md. */
#ifndef RIFT_RPC_H
#define RIFT_RPC_H

#include <stdbool.h>
#include <stddef.h>
#include <protobuf-c/protobuf-c.h>

#include "lib/buf.h"

#define RIFT_RPC_PATH_PREFIX  "/twirp/"
#define RIFT_RPC_CONTENT_TYPE "application/protobuf"
/* Optional request header: the caller's remaining time budget in milliseconds (relative, so clocks need
 * not agree). The server answers deadline_exceeded once it has passed. */
#define RIFT_RPC_DEADLINE_HEADER "Rift-Deadline-Ms"

/* Twirp's error codes (https://twitchtv.github.io/twirp/docs/spec_v7.html#error-codes). */
enum rift_twirp_code {
        RIFT_TWIRP_CANCELED,
        RIFT_TWIRP_UNKNOWN,
        RIFT_TWIRP_INVALID_ARGUMENT,
        RIFT_TWIRP_MALFORMED,
        RIFT_TWIRP_DEADLINE_EXCEEDED,
        RIFT_TWIRP_NOT_FOUND,
        RIFT_TWIRP_BAD_ROUTE,
        RIFT_TWIRP_ALREADY_EXISTS,
        RIFT_TWIRP_PERMISSION_DENIED,
        RIFT_TWIRP_UNAUTHENTICATED,
        RIFT_TWIRP_RESOURCE_EXHAUSTED,
        RIFT_TWIRP_FAILED_PRECONDITION,
        RIFT_TWIRP_ABORTED,
        RIFT_TWIRP_OUT_OF_RANGE,
        RIFT_TWIRP_UNIMPLEMENTED,
        RIFT_TWIRP_INTERNAL,
        RIFT_TWIRP_UNAVAILABLE,
        RIFT_TWIRP_DATALOSS,
        _RIFT_TWIRP_MAX,
};

/* "invalid_argument"... ; "unknown" for out-of-range values. */
const char *rift_twirp_code_name(enum rift_twirp_code code);
/* Parses a code name; RIFT_E_INVALID if unknown. */
int rift_twirp_code_from_name(const char *name, enum rift_twirp_code *ret);
/* Twirp's HTTP status for a code (invalid_argument 400, unauthenticated 401, ...). */
int rift_twirp_http_status(enum rift_twirp_code code);
/* Twirp code for a handler's negative Rift/errno code (RIFT_E_INVALID -> invalid_argument, ...). */
enum rift_twirp_code rift_twirp_code_from_error(int err);
/* Rift error code a client reports for a Twirp code (not_found -> RIFT_E_NOTFOUND, ...). */
int rift_twirp_code_to_error(enum rift_twirp_code code);
/* Code a client assumes for a non-Twirp error reply, from its HTTP status (Twirp spec: 404 -> bad_route,
 * 401 -> unauthenticated, 429/502/503/504 -> unavailable, ...). */
enum rift_twirp_code rift_twirp_code_from_http_status(int status);

/* Appends the JSON error body for code and msg to out. */
int rift_twirp_error_format(enum rift_twirp_code code, const char *msg, struct rift_buf *out);
/* Parses a Twirp JSON error body: RIFT_E_PARSE if it is not one. msg is copied (truncated) into
 * msg_buf[msg_size]. */
int rift_twirp_error_parse(const char *body, size_t len, char *msg_buf, size_t msg_size,
                           enum rift_twirp_code *ret);

/* True if every string field of m (nested and repeated included) is valid UTF-8, as proto3 requires;
 * protobuf-c does not check this when it decodes. Nesting deeper than RIFT_MAX_JSON_DEPTH is refused. */
bool rift_rpc_message_utf8_valid(const ProtobufCMessage *m);

#endif
