/*
 * rpc.h -- MessagePack-RPC messages (docs/protocol.md), packed with
 * msgpack-c: a request is [0, msgid, method, params], a response
 * [1, msgid, error, result], a notification [2, method, params].  An
 * error is a map {"type": ..., "message": ..., "backtrace": ...}.
 *
 *   msgpack_sbuffer buf;  msgpack_sbuffer_init(&buf);
 *   msgpack_packer pk;    msgpack_packer_init(&pk, &buf, msgpack_sbuffer_write);
 *   lo_rpc_pack_result_head(&pk, msgid);   then pack the result value
 *   send buf.data, buf.size
 */
#ifndef LO_PROTO_RPC_H
#define LO_PROTO_RPC_H

#include <msgpack.h>
#include <stdbool.h>
#include <stdint.h>

enum { LO_RPC_REQUEST = 0, LO_RPC_RESPONSE = 1, LO_RPC_NOTIFICATION = 2 };

/* A request or notification, its parts pointing into the unpacked
 * object (valid as long as its zone). */
struct lo_rpc_call {
    int kind;                   /* LO_RPC_REQUEST or LO_RPC_NOTIFICATION */
    uint64_t msgid;             /* a request's */
    const char *method;         /* not NUL-terminated: method_len bytes */
    uint32_t method_len;
    const msgpack_object *params;   /* an array */
};

/* Read a message as a call: false (with why, static text) when it is no
 * request or notification of the right shape. */
bool lo_rpc_parse(const msgpack_object *o, struct lo_rpc_call *call,
                  const char **why);
/* Whether the call's method is name. */
bool lo_rpc_method_is(const struct lo_rpc_call *call, const char *name);

/* [1, msgid, nil, -- the result is packed next. */
void lo_rpc_pack_result_head(msgpack_packer *pk, uint64_t msgid);
/* A whole error response [1, msgid, {type, message, backtrace}, nil]. */
void lo_rpc_pack_error(msgpack_packer *pk, uint64_t msgid, const char *type,
                       const char *message, const char *backtrace);
/* A string (UTF-8, len bytes) and a NUL-terminated one. */
void lo_rpc_pack_text(msgpack_packer *pk, const char *s, size_t len);
void lo_rpc_pack_string(msgpack_packer *pk, const char *s);
/* A string argument: params[i] when it is a string (its bytes and
 * length), else false. */
bool lo_rpc_string_arg(const struct lo_rpc_call *call, uint32_t i,
                       const char **s, uint32_t *len);

#endif
