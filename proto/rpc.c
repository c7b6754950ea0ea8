/*
 * rpc.c -- reading calls and packing responses (rpc.h).
 */
#include <string.h>

#include "proto/rpc.h"

bool lo_rpc_parse(const msgpack_object *o, struct lo_rpc_call *call,
                  const char **why)
{
    if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size < 3 ||
        o->via.array.ptr[0].type != MSGPACK_OBJECT_POSITIVE_INTEGER) {
        *why = "a message must be an array [kind, ...]";
        return false;
    }
    const msgpack_object *a = o->via.array.ptr;
    call->kind = (int)a[0].via.u64;
    if (call->kind == LO_RPC_REQUEST && o->via.array.size == 4) {
        if (a[1].type != MSGPACK_OBJECT_POSITIVE_INTEGER ||
            a[1].via.u64 > UINT32_MAX) {
            *why = "a request's msgid must be an unsigned 32-bit integer";
            return false;
        }
        call->msgid = a[1].via.u64;
        a++;
    } else if (call->kind != LO_RPC_NOTIFICATION || o->via.array.size != 3) {
        *why = "a message must be a request [0, msgid, method, params] "
               "or a notification [2, method, params]";
        return false;
    }
    if (a[1].type != MSGPACK_OBJECT_STR) {
        *why = "a method must be a string";
        return false;
    }
    if (a[2].type != MSGPACK_OBJECT_ARRAY) {
        *why = "params must be an array";
        return false;
    }
    call->method = a[1].via.str.ptr;
    call->method_len = a[1].via.str.size;
    call->params = &a[2];
    return true;
}

bool lo_rpc_method_is(const struct lo_rpc_call *call, const char *name)
{
    return strlen(name) == call->method_len &&
           !memcmp(call->method, name, call->method_len);
}

void lo_rpc_pack_text(msgpack_packer *pk, const char *s, size_t len)
{
    msgpack_pack_str(pk, len);
    msgpack_pack_str_body(pk, s, len);
}

void lo_rpc_pack_string(msgpack_packer *pk, const char *s)
{
    lo_rpc_pack_text(pk, s, strlen(s));
}

void lo_rpc_pack_result_head(msgpack_packer *pk, uint64_t msgid)
{
    msgpack_pack_array(pk, 4);
    msgpack_pack_uint8(pk, LO_RPC_RESPONSE);
    msgpack_pack_uint64(pk, msgid);
    msgpack_pack_nil(pk);
}

void lo_rpc_pack_error(msgpack_packer *pk, uint64_t msgid, const char *type,
                       const char *message, const char *backtrace)
{
    msgpack_pack_array(pk, 4);
    msgpack_pack_uint8(pk, LO_RPC_RESPONSE);
    msgpack_pack_uint64(pk, msgid);
    msgpack_pack_map(pk, 3);
    lo_rpc_pack_string(pk, "type");
    lo_rpc_pack_string(pk, type);
    lo_rpc_pack_string(pk, "message");
    lo_rpc_pack_string(pk, message);
    lo_rpc_pack_string(pk, "backtrace");
    lo_rpc_pack_string(pk, backtrace ? backtrace : "");
    msgpack_pack_nil(pk);
}

bool lo_rpc_string_arg(const struct lo_rpc_call *call, uint32_t i,
                       const char **s, uint32_t *len)
{
    const msgpack_object_array *a = &call->params->via.array;
    if (i >= a->size || a->ptr[i].type != MSGPACK_OBJECT_STR)
        return false;
    *s = a->ptr[i].via.str.ptr;
    *len = a->ptr[i].via.str.size;
    return true;
}
