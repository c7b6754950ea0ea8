/*
 * frame_fuzz.c -- libFuzzer target (make fuzz): the server's framing of
 * MessagePack bytes (proto/frame.c) and its reading of a call
 * (proto/rpc.c), on any bytes, with the limits before and after login.
 * What it checks beyond "no crash, no leak, no undefined behaviour":
 * the frame's promise -- a message it calls complete, msgpack-c reads
 * whole, to exactly the same byte, and never from a byte past it.
 */
#include <msgpack.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/frame.h"
#include "proto/rpc.h"

static const struct lo_frame_limits limits[2] = {
    { 4096, 4 },                /* before login */
    { 16u << 20, 32 },          /* after: msgpack-c reads 32 deep */
};

static void one_message(const uint8_t *data, size_t len)
{
    /* a copy of exactly the frame: reading past it is an ASan error */
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy)
        return;
    memcpy(copy, data, len);
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    size_t off = 0;
    int status = msgpack_unpack_next(&u, (const char *)copy, len, &off);
    if (status != MSGPACK_UNPACK_SUCCESS || off != len)
        abort();                /* the frame and msgpack-c disagree */
    struct lo_rpc_call call;
    const char *why;
    if (lo_rpc_parse(&u.data, &call, &why)) {
        if (call.kind != LO_RPC_REQUEST && call.kind != LO_RPC_NOTIFICATION)
            abort();
        if (call.params->type != MSGPACK_OBJECT_ARRAY)
            abort();
        (void)lo_rpc_method_is(&call, "eval");
    }
    msgpack_unpacked_destroy(&u);
    free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    for (int l = 0; l < 2; l++) {
        size_t at = 0;
        while (at < size) {
            size_t used = 0;
            enum lo_frame_status st = lo_frame_scan(data + at, size - at,
                                                    &limits[l], &used);
            if (st != LO_FRAME_COMPLETE)
                break;          /* partial, or the connection would end */
            if (used == 0 || used > size - at || used > limits[l].max_bytes)
                abort();
            one_message(data + at, used);
            at += used;
        }
    }
    return 0;
}
