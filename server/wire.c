/*
 * wire.c -- the store's and the ACL's methods, each one call of a Lisp
 * function (wire.h).
 */
#include <stdio.h>
#include <string.h>

#include "server/values.h"
#include "server/wire.h"

static const struct lo_wire_method methods[] = {
    { "store.put", "%WIRE-PUT", 1, 2, "[object] or [object, attributes]",
      false },
    { "store.get", "%WIRE-GET", 1, 1, "[id]", false },
    { "store.set", "%WIRE-SET", 2, 2, "[id, changes]", false },
    { "store.delete", "%WIRE-DELETE", 1, 1, "[id]", false },
    { "store.history", "%WIRE-HISTORY", 1, 1, "[id]", false },
    { "store.revert", "%WIRE-REVERT", 2, 2, "[id, version]", false },
    { "acl.grant", "%WIRE-GRANT", 3, 3, "[id, principal, bits]", false },
    { "acl.revoke", "%WIRE-REVOKE", 2, 2, "[id, principal]", false },
    /* the administrator's, in the system environment */
    { "admin.group-add", "%WIRE-GROUP-ADD", 1, 1, "[group]", true },
    { "admin.group-delete", "%WIRE-GROUP-DELETE", 1, 1, "[group]", true },
    { "admin.group-list", "%WIRE-GROUP-LIST", 0, 0, "[]", true },
    { "admin.group-add-member", "%WIRE-GROUP-ADD-MEMBER", 2, 2,
      "[group, user]", true },
    { "admin.group-remove-member", "%WIRE-GROUP-REMOVE-MEMBER", 2, 2,
      "[group, user]", true },
    { "admin.acl-show", "%WIRE-ACL-SHOW", 1, 1, "[id]", true },
    { "admin.acl-grant", "%WIRE-GRANT", 3, 3, "[id, principal, bits]", true },
    { "admin.acl-revoke", "%WIRE-REVOKE", 2, 2, "[id, principal]", true },
};

enum { ARGS_MOST = 4 };

const struct lo_wire_method *lo_wire_method_named(
    const struct lo_rpc_call *call, bool administrator)
{
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
        if (methods[i].system == administrator &&
            lo_rpc_method_is(call, methods[i].name))
            return &methods[i];
    return NULL;
}

bool lo_wire_args(lo_lisp *W, const msgpack_object *params, bool maps,
                  struct lo_handles *handles, lo_ref *args, uint32_t n,
                  uint64_t msgid, msgpack_packer *pk)
{
    struct lo_wire wire = { handles, maps };
    for (uint32_t i = 0; i < n; i++) {
        struct lo_wire_error err;
        args[i] = i < params->via.array.size
                      ? lo_unpack_value(W, &params->via.array.ptr[i], &wire,
                                        &err)
                      : lo_new_nil(W);
        if (!args[i]) {
            if (i < params->via.array.size)
                lo_rpc_pack_error(pk, msgid, err.type, err.message, "");
            else
                lo_rpc_pack_error(pk, msgid, "SERVER-ERROR", "out of memory",
                                  "");
            return false;
        }
    }
    return true;
}

void lo_wire_apply(lo_lisp *W, const char *function, const lo_ref *args,
                   size_t nargs, struct lo_handles *handles, uint64_t msgid,
                   msgpack_packer *pk)
{
    lo_ref value = lo_call_named(W, "LISPOS-INTERNAL", function, args, nargs);
    if (!value) {
        const struct lo_error *e = lo_last_error(W);
        lo_rpc_pack_error(pk, msgid, e->type, e->message, e->backtrace);
        return;
    }
    struct lo_wire wire = { handles, true };
    lo_rpc_pack_result_head(pk, msgid);
    lo_pack_value(W, pk, value, &wire);
}

void lo_wire_call(lo_lisp *W, const struct lo_wire_method *m,
                  const char *params, size_t len, struct lo_handles *handles,
                  uint64_t msgid, msgpack_packer *pk)
{
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    size_t off = 0;
    if (msgpack_unpack_next(&u, params, len, &off) != MSGPACK_UNPACK_SUCCESS ||
        u.data.type != MSGPACK_OBJECT_ARRAY) {
        msgpack_unpacked_destroy(&u);
        lo_rpc_pack_error(pk, msgid, "SERVER-ERROR", "lost its parameters", "");
        return;
    }
    lo_scope scope = lo_scope_open(W);
    lo_ref args[ARGS_MOST];
    if (lo_wire_args(W, &u.data, true, handles, args, m->most, msgid, pk))
        lo_wire_apply(W, m->function, args, m->most, handles, msgid, pk);
    lo_scope_close(W, scope);
    msgpack_unpacked_destroy(&u);
}
