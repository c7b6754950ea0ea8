/*
 * rpc_fuzz.c -- libFuzzer target (make fuzz): the RPC dispatch of the
 * methods that reach the Lisp with values a client chose.  Each input is
 * framed as the server frames it (after login); a request whose method is
 * a store or ACL method (wire.c) goes the whole way -- its params turned
 * into Lisp values (values.c: every extension type, handles, maps), the
 * method's Lisp function called as a user, the reply packed -- on a real
 * store in memory.  The reply must be a well-formed response to the
 * request.  Entries and a handle exist from the start, so ids and
 * handle numbers can hit.
 */
#include <msgpack.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lisp/api.h"
#include "proto/frame.h"
#include "proto/rpc.h"
#include "server/handles.h"
#include "server/values.h"
#include "server/wire.h"
#include "tests/helpers/fixture.h"

static struct fixture fx;
static struct lo_handles *handles;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fixture_lisp(&fx, 32768);               /* a 128 MiB store in RAM */
    struct lo_limits limits = { .steps = 200000, .bytes = 8u << 20 };
    lo_lisp_set_limits(fx.L, &limits);
    fixture_as(fx.L, "fuzz");
    handles = lo_handles_new(LO_HANDLES_MOST);
    lo_scope s = lo_scope_open(fx.L);
    lo_eval(fx.L, "(store-put \"one\" :name \"one\" :year 2013)"
                  "(store-put (vector 1 2) :name \"two\" :acl '((\"bob\" 1)))");
    lo_ref v = lo_eval(fx.L, "(vector 3 4 5)");
    if (v)
        lo_handles_add(fx.L, handles, v);
    lo_scope_close(fx.L, s);
    return 0;
}

/* The reply is one response to msgid: [1, msgid, error, result] with
 * exactly one of error and result nil. */
static void check_reply(const msgpack_sbuffer *b, uint64_t msgid)
{
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    size_t off = 0;
    if (msgpack_unpack_next(&u, b->data, b->size, &off) !=
            MSGPACK_UNPACK_SUCCESS || off != b->size)
        abort();
    const msgpack_object *o = &u.data;
    if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size != 4)
        abort();
    const msgpack_object *a = o->via.array.ptr;
    bool failed = a[2].type != MSGPACK_OBJECT_NIL;
    if (a[0].via.u64 != LO_RPC_RESPONSE || a[1].via.u64 != msgid ||
        (failed && (a[2].type != MSGPACK_OBJECT_MAP ||
                    a[3].type != MSGPACK_OBJECT_NIL)))
        abort();
    msgpack_unpacked_destroy(&u);
}

static void dispatch(const msgpack_object *message)
{
    struct lo_rpc_call call;
    const char *why;
    if (!lo_rpc_parse(message, &call, &why) || call.kind != LO_RPC_REQUEST)
        return;
    const struct lo_wire_method *m = lo_wire_method_named(&call, false);
    uint32_t n = call.params->via.array.size;
    if (!m || n < m->least || n > m->most)
        return;
    msgpack_sbuffer params, reply;
    msgpack_sbuffer_init(&params);
    msgpack_sbuffer_init(&reply);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &params, msgpack_sbuffer_write);
    msgpack_pack_object(&pk, *call.params);
    msgpack_packer_init(&pk, &reply, msgpack_sbuffer_write);
    lo_wire_call(fx.L, m, params.data, params.size, handles, call.msgid, &pk);
    check_reply(&reply, call.msgid);
    msgpack_sbuffer_destroy(&params);
    msgpack_sbuffer_destroy(&reply);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct lo_frame_limits after_login = { 1u << 20, 32 };
    size_t used = 0;
    if (lo_frame_scan(data, size, &after_login, &used) != LO_FRAME_COMPLETE)
        return 0;
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    size_t off = 0;
    if (msgpack_unpack_next(&u, (const char *)data, used, &off) ==
        MSGPACK_UNPACK_SUCCESS)
        dispatch(&u.data);
    msgpack_unpacked_destroy(&u);
    return 0;
}
