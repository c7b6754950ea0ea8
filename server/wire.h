/*
 * wire.h -- the methods that are one call of a Lisp function: the store's
 * (store.put, store.get, store.set, store.delete, store.history,
 * store.revert), the ACL's (acl.grant, acl.revoke) and the
 * administrator's on groups (admin.group-*).  Each names a
 * function of LISPOS-INTERNAL (store/boot/74-wire.lisp) that does the
 * work as the session's user and checks what the user sent; this file
 * moves the values across (values.h).
 *
 *   const struct lo_wire_method *m = lo_wire_method_named(call, false);
 *   if (m && lo_wire_arity_ok(m, n)) ... on a worker, as the user:
 *       lo_wire_call(W, m, params, len, handles, msgid, &pk);
 */
#ifndef LO_SERVER_WIRE_H
#define LO_SERVER_WIRE_H

#include <msgpack.h>
#include <stdbool.h>
#include <stdint.h>

#include "lisp/api.h"
#include "proto/rpc.h"
#include "server/handles.h"

struct lo_wire_method {
    const char *name;           /* "store.put" */
    const char *function;       /* "%WIRE-PUT" in LISPOS-INTERNAL */
    uint32_t least, most;       /* params: missing ones are NIL */
    const char *usage;          /* for ARGUMENT-ERROR */
    bool system;                /* the administrator's: runs in the
                                   system environment */
};

/* The method call names, or NULL when it is not one of these: the
 * administrator's (admin.group-*) when administrator, else the users'.
 * Who may call the administrator's is the caller's to check. */
const struct lo_wire_method *lo_wire_method_named(
    const struct lo_rpc_call *call, bool administrator);

/* Params (the MessagePack array the client sent, len bytes) turned into
 * Lisp values, the function called, its value packed as the response to
 * msgid (or its error). */
void lo_wire_call(lo_lisp *W, const struct lo_wire_method *m,
                  const char *params, size_t len, struct lo_handles *handles,
                  uint64_t msgid, msgpack_packer *pk);

/* The LISPOS-INTERNAL function called on args as the thread's user, its
 * value packed as the response to msgid (maps and arrays as the wire
 * functions make them), or its error: store.query and store.count's
 * work, and every method above once its params are values. */
void lo_wire_apply(lo_lisp *W, const char *function, const lo_ref *args,
                   size_t nargs, struct lo_handles *handles, uint64_t msgid,
                   msgpack_packer *pk);

/* Params into n Lisp values (handles of W's scope) in args: false, with
 * the error packed as the response to msgid, when one is refused. */
bool lo_wire_args(lo_lisp *W, const msgpack_object *params, bool maps,
                  struct lo_handles *handles, lo_ref *args, uint32_t n,
                  uint64_t msgid, msgpack_packer *pk);

#endif
