/* libFuzzer target: untrusted bytes as an RPC server and client meet them: a protobuf request or response
 * frame decoded with protobuf-c and checked for proto3 UTF-8 (lib/rpc), re-encoded (pack must write
 * exactly the size it announced) and decoded again, and the same bytes read as a Twirp JSON error body.
 * A second decode may fail: protobuf-c keeps unknown fields with tags it re-encodes differently. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "lib/rpc.h"
#include "proto/health.pb-c.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void frame(const ProtobufCMessageDescriptor *desc, const uint8_t *data, size_t size)
{
        ProtobufCMessage *m = protobuf_c_message_unpack(desc, NULL, size, data), *m2;
        uint8_t *buf;
        size_t len;

        if (!m)
                return;
        (void)rift_rpc_message_utf8_valid(m);
        len = protobuf_c_message_get_packed_size(m);
        buf = malloc(len ? len : 1);
        if (!buf)
                abort();
        if (protobuf_c_message_pack(m, buf) != len)
                abort();
        m2 = protobuf_c_message_unpack(desc, NULL, len, buf);
        if (m2)
                protobuf_c_message_free_unpacked(m2, NULL);
        protobuf_c_message_free_unpacked(m, NULL);
        free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        enum rift_twirp_code code;
        char msg[64];

        frame(&rift__health__v1__check_request__descriptor, data, size);
        frame(&rift__health__v1__check_response__descriptor, data, size);
        (void)rift_twirp_error_parse((const char *)data, size, msg, sizeof(msg), &code);
        return 0;
}
