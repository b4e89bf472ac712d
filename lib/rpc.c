/* Twirp error codes and bodies: see rpc.h. */
#include <errno.h>
#include <string.h>

#include "lib/error.h"
#include "lib/json.h"
#include "lib/limits_rift.h"
#include "lib/rpc.h"
#include "lib/str.h"

#define MAX_ERROR_BODY (64u * 1024) /* a Twirp JSON error body a client will parse */

/* Twirp's table: code name and HTTP status (spec v7, "Error codes"). */
static const struct {
        const char *name;
        int status;
} twirp_codes[_RIFT_TWIRP_MAX] = {
        [RIFT_TWIRP_CANCELED] = { "canceled", 408 },
        [RIFT_TWIRP_UNKNOWN] = { "unknown", 500 },
        [RIFT_TWIRP_INVALID_ARGUMENT] = { "invalid_argument", 400 },
        [RIFT_TWIRP_MALFORMED] = { "malformed", 400 },
        [RIFT_TWIRP_DEADLINE_EXCEEDED] = { "deadline_exceeded", 408 },
        [RIFT_TWIRP_NOT_FOUND] = { "not_found", 404 },
        [RIFT_TWIRP_BAD_ROUTE] = { "bad_route", 404 },
        [RIFT_TWIRP_ALREADY_EXISTS] = { "already_exists", 409 },
        [RIFT_TWIRP_PERMISSION_DENIED] = { "permission_denied", 403 },
        [RIFT_TWIRP_UNAUTHENTICATED] = { "unauthenticated", 401 },
        [RIFT_TWIRP_RESOURCE_EXHAUSTED] = { "resource_exhausted", 429 },
        [RIFT_TWIRP_FAILED_PRECONDITION] = { "failed_precondition", 412 },
        [RIFT_TWIRP_ABORTED] = { "aborted", 409 },
        [RIFT_TWIRP_OUT_OF_RANGE] = { "out_of_range", 400 },
        [RIFT_TWIRP_UNIMPLEMENTED] = { "unimplemented", 501 },
        [RIFT_TWIRP_INTERNAL] = { "internal", 500 },
        [RIFT_TWIRP_UNAVAILABLE] = { "unavailable", 503 },
        [RIFT_TWIRP_DATALOSS] = { "dataloss", 500 },
};

/* Handler error -> Twirp code (server side); anything not listed is "internal". */
static const struct {
        int err;
        enum rift_twirp_code code;
} from_error[] = {
        { RIFT_E_PARSE, RIFT_TWIRP_INVALID_ARGUMENT },
        { RIFT_E_INVALID, RIFT_TWIRP_INVALID_ARGUMENT },
        { -EINVAL, RIFT_TWIRP_INVALID_ARGUMENT },
        { RIFT_E_TOOBIG, RIFT_TWIRP_RESOURCE_EXHAUSTED },
        { RIFT_E_NOTFOUND, RIFT_TWIRP_NOT_FOUND },
        { -ENOENT, RIFT_TWIRP_NOT_FOUND },
        { RIFT_E_EXISTS, RIFT_TWIRP_ALREADY_EXISTS },
        { -EEXIST, RIFT_TWIRP_ALREADY_EXISTS },
        { RIFT_E_CONFLICT, RIFT_TWIRP_ABORTED },
        { RIFT_E_AUTH, RIFT_TWIRP_UNAUTHENTICATED },
        { RIFT_E_FORBIDDEN, RIFT_TWIRP_PERMISSION_DENIED },
        { -EPERM, RIFT_TWIRP_PERMISSION_DENIED },
        { -EACCES, RIFT_TWIRP_PERMISSION_DENIED },
        { RIFT_E_PROTOCOL, RIFT_TWIRP_MALFORMED },
        { RIFT_E_TIMEOUT, RIFT_TWIRP_DEADLINE_EXCEEDED },
        { RIFT_E_UNAVAILABLE, RIFT_TWIRP_UNAVAILABLE },
        { RIFT_E_STORE, RIFT_TWIRP_UNAVAILABLE },
        { RIFT_E_UNSUPPORTED, RIFT_TWIRP_UNIMPLEMENTED },
        { -ENOSYS, RIFT_TWIRP_UNIMPLEMENTED },
};

/* Twirp code -> Rift code (client side), indexed by code. */
static const int to_error[_RIFT_TWIRP_MAX] = {
        [RIFT_TWIRP_CANCELED] = RIFT_E_TIMEOUT,
        [RIFT_TWIRP_UNKNOWN] = -EIO,
        [RIFT_TWIRP_INVALID_ARGUMENT] = RIFT_E_INVALID,
        [RIFT_TWIRP_MALFORMED] = RIFT_E_PARSE,
        [RIFT_TWIRP_DEADLINE_EXCEEDED] = RIFT_E_TIMEOUT,
        [RIFT_TWIRP_NOT_FOUND] = RIFT_E_NOTFOUND,
        [RIFT_TWIRP_BAD_ROUTE] = RIFT_E_NOTFOUND,
        [RIFT_TWIRP_ALREADY_EXISTS] = RIFT_E_EXISTS,
        [RIFT_TWIRP_PERMISSION_DENIED] = RIFT_E_FORBIDDEN,
        [RIFT_TWIRP_UNAUTHENTICATED] = RIFT_E_AUTH,
        [RIFT_TWIRP_RESOURCE_EXHAUSTED] = RIFT_E_TOOBIG,
        [RIFT_TWIRP_FAILED_PRECONDITION] = RIFT_E_CONFLICT,
        [RIFT_TWIRP_ABORTED] = RIFT_E_CONFLICT,
        [RIFT_TWIRP_OUT_OF_RANGE] = RIFT_E_INVALID,
        [RIFT_TWIRP_UNIMPLEMENTED] = RIFT_E_UNSUPPORTED,
        [RIFT_TWIRP_INTERNAL] = -EIO,
        [RIFT_TWIRP_UNAVAILABLE] = RIFT_E_UNAVAILABLE,
        [RIFT_TWIRP_DATALOSS] = -EIO,
};

const char *rift_twirp_code_name(enum rift_twirp_code code)
{
        return (unsigned)code < _RIFT_TWIRP_MAX ? twirp_codes[code].name : "unknown";
}

int rift_twirp_code_from_name(const char *name, enum rift_twirp_code *ret)
{
        for (unsigned i = 0; name && i < _RIFT_TWIRP_MAX; i++) {
                if (strcmp(twirp_codes[i].name, name) == 0) {
                        *ret = (enum rift_twirp_code)i;
                        return 0;
                }
        }
        return RIFT_E_INVALID;
}

int rift_twirp_http_status(enum rift_twirp_code code)
{
        return (unsigned)code < _RIFT_TWIRP_MAX ? twirp_codes[code].status : 500;
}

enum rift_twirp_code rift_twirp_code_from_error(int err)
{
        for (size_t i = 0; i < ARRAY_SIZE(from_error); i++)
                if (from_error[i].err == err)
                        return from_error[i].code;
        return RIFT_TWIRP_INTERNAL;
}

int rift_twirp_code_to_error(enum rift_twirp_code code)
{
        return (unsigned)code < _RIFT_TWIRP_MAX ? to_error[code] : -EIO;
}

enum rift_twirp_code rift_twirp_code_from_http_status(int status)
{
        switch (status) {
        case 400:
                return RIFT_TWIRP_INTERNAL;
        case 401:
                return RIFT_TWIRP_UNAUTHENTICATED;
        case 403:
                return RIFT_TWIRP_PERMISSION_DENIED;
        case 404:
                return RIFT_TWIRP_BAD_ROUTE;
        case 413:
                return RIFT_TWIRP_RESOURCE_EXHAUSTED;
        case 429:
        case 502:
        case 503:
        case 504:
                return RIFT_TWIRP_UNAVAILABLE;
        default:
                return RIFT_TWIRP_UNKNOWN;
        }
}

int rift_twirp_error_format(enum rift_twirp_code code, const char *msg, struct rift_buf *out)
{
        _cleanup_json_ cJSON *o = cJSON_CreateObject();

        if (!o || rift_json_add_string(o, "code", rift_twirp_code_name(code)) < 0 ||
            rift_json_add_string(o, "msg", msg ? msg : "") < 0)
                return -ENOMEM;
        return rift_json_format(o, out);
}

int rift_twirp_error_parse(const char *body, size_t len, char *msg_buf, size_t msg_size,
                           enum rift_twirp_code *ret)
{
        _cleanup_json_ cJSON *o = NULL;
        enum rift_twirp_code code;
        const char *name, *msg = "";
        int r;

        r = rift_json_parse_object(body, len, MAX_ERROR_BODY, NULL, &o);
        if (r < 0)
                return RIFT_E_PARSE;
        if (rift_json_get_string(o, "code", &name) < 0 || rift_twirp_code_from_name(name, &code) < 0)
                return RIFT_E_PARSE;
        r = rift_json_get_string(o, "msg", &msg);
        if (r < 0 && r != -ENOENT)
                return RIFT_E_PARSE;
        if (msg_buf && msg_size > 0)
                rift_strlcpy(msg_buf, msg, msg_size);
        *ret = code;
        return 0;
}

/* Is this field present in m? Only a oneof member needs a check: its case must name it. */
static bool field_present(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *fd)
{
        if (!(fd->flags & PROTOBUF_C_FIELD_FLAG_ONEOF))
                return true;
        return *(const uint32_t *)((const char *)m + fd->quantifier_offset) == fd->id;
}

static bool message_valid(const ProtobufCMessage *m, unsigned depth);

static bool value_valid(const ProtobufCFieldDescriptor *fd, const void *slot, unsigned depth)
{
        if (fd->type == PROTOBUF_C_TYPE_STRING) {
                const char *s = *(char *const *)slot;
                return !s || rift_utf8_valid(s, strlen(s));
        }
        if (fd->type == PROTOBUF_C_TYPE_MESSAGE) {
                const ProtobufCMessage *sub = *(ProtobufCMessage *const *)slot;
                return !sub || message_valid(sub, depth + 1);
        }
        return true;
}

static bool message_valid(const ProtobufCMessage *m, unsigned depth)
{
        const ProtobufCMessageDescriptor *d = m->descriptor;

        if (depth > RIFT_MAX_JSON_DEPTH)
                return false;
        for (unsigned i = 0; i < d->n_fields; i++) {
                const ProtobufCFieldDescriptor *fd = &d->fields[i];
                const char *member = (const char *)m + fd->offset;

                if (fd->type != PROTOBUF_C_TYPE_STRING && fd->type != PROTOBUF_C_TYPE_MESSAGE)
                        continue;
                if (!field_present(m, fd))
                        continue;
                if (fd->label != PROTOBUF_C_LABEL_REPEATED) {
                        if (!value_valid(fd, member, depth))
                                return false;
                        continue;
                }
                size_t n = *(const size_t *)((const char *)m + fd->quantifier_offset);
                void *const *arr = *(void *const *const *)member;
                for (size_t k = 0; k < n; k++)
                        if (!value_valid(fd, &arr[k], depth))
                                return false;
        }
        return true;
}

bool rift_rpc_message_utf8_valid(const ProtobufCMessage *m)
{
        return m && message_valid(m, 0);
}
