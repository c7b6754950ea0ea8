/*
 * values.c -- Lisp values packed as MessagePack (values.h).
 */
#include <stdlib.h>
#include <string.h>

#include "proto/rpc.h"
#include "server/values.h"

enum { DEPTH_MOST = 32 };

static void pack_ext_text(msgpack_packer *pk, const char *text, size_t len)
{
    msgpack_pack_ext(pk, len, LO_EXT_PRINTED);
    msgpack_pack_ext_body(pk, text, len);
}

static void pack_printed(lo_lisp *W, msgpack_packer *pk, lo_ref v)
{
    char small[256];
    int64_t n = lo_get_printed(W, v, small, sizeof small);
    if (n < 0) {
        pack_ext_text(pk, "", 0);
        return;
    }
    char *text = (size_t)n < sizeof small ? small : malloc((size_t)n + 1);
    if (!text) {                        /* cut: better than nothing */
        pack_ext_text(pk, small, strlen(small));
        return;
    }
    if (text != small)
        lo_get_printed(W, v, text, (size_t)n + 1);
    pack_ext_text(pk, text, strlen(text));
    if (text != small)
        free(text);
}

static void pack_string(lo_lisp *W, msgpack_packer *pk, lo_ref v)
{
    char small[256];
    int64_t n = lo_get_string(W, v, small, sizeof small);
    if (n < 0) {                        /* no read access: its printed form */
        pack_printed(W, pk, v);
        return;
    }
    if ((size_t)n < sizeof small) {
        lo_rpc_pack_text(pk, small, (size_t)n);
        return;
    }
    char *text = malloc((size_t)n + 1);
    if (!text) {
        lo_rpc_pack_text(pk, small, sizeof small - 1);
        return;
    }
    lo_get_string(W, v, text, (size_t)n + 1);
    lo_rpc_pack_text(pk, text, (size_t)n);
    free(text);
}

static void pack_bytes(lo_lisp *W, msgpack_packer *pk, lo_ref v)
{
    int64_t n = lo_get_bytes(W, v, NULL, 0);
    void *data = n > 0 ? malloc((size_t)n) : NULL;
    if (n < 0 || (n > 0 && !data)) {
        free(data);
        pack_printed(W, pk, v);
        return;
    }
    lo_get_bytes(W, v, data, (size_t)n);
    msgpack_pack_bin(pk, (size_t)n);
    msgpack_pack_bin_body(pk, data, (size_t)n);
    free(data);
}

static void pack_at(lo_lisp *W, msgpack_packer *pk, lo_ref v, int depth)
{
    int64_t i;
    double d;
    switch (lo_type_code(W, v)) {
    case LO_TYPE_NIL:
        msgpack_pack_nil(pk);
        return;
    case LO_TYPE_T:
        msgpack_pack_true(pk);
        return;
    case LO_TYPE_INTEGER:
        if (lo_get_int64(W, v, &i) == LO_OK) {
            msgpack_pack_int64(pk, i);
            return;
        }
        break;
    case LO_TYPE_DOUBLE:
        if (lo_get_double(W, v, &d) == LO_OK) {
            msgpack_pack_double(pk, d);
            return;
        }
        break;
    case LO_TYPE_STRING:
        pack_string(W, pk, v);
        return;
    case LO_TYPE_BYTES:
        pack_bytes(W, pk, v);
        return;
    case LO_TYPE_CONS: {
        int64_t n = depth < DEPTH_MOST ? lo_length(W, v) : -1;
        if (n < 0)
            break;                      /* dotted, circular or too deep */
        msgpack_pack_array(pk, (size_t)n);
        lo_scope s = lo_scope_open(W);
        lo_ref at = lo_ref_copy(W, v);
        for (int64_t k = 0; k < n; k++) {
            lo_scope item = lo_scope_open(W);
            pack_at(W, pk, lo_get_car(W, at), depth + 1);
            lo_ref next = lo_get_cdr(W, at);
            lo_ref_set(W, at, next);
            lo_scope_close(W, item);
        }
        lo_scope_close(W, s);
        return;
    }
    default:
        break;
    }
    pack_printed(W, pk, v);
}

void lo_pack_value(lo_lisp *W, msgpack_packer *pk, lo_ref v)
{
    pack_at(W, pk, v, 0);
}
