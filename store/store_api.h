/*
 * store_api.h -- what a program does to have the object store: register
 * it before it opens a Lisp (lisp/primitive.h, lo_lisp_register_
 * primitives).  lispos-repl, the server and the tests' fixtures do.
 *
 *   if (lo_store_register() != LO_OK) ...     // once, at start-up
 *   lo_lisp_open(store, &L, why, sizeof why);
 *
 * The store's Lisp API (the files of store/boot) is part of the system code
 * whether or not a program registers it; without the primitives its
 * functions signal UNDEFINED-FUNCTION.
 */
#ifndef LO_STORE_STORE_API_H
#define LO_STORE_STORE_API_H

#include <stdint.h>

int lo_store_register(void);

/* fn(id, ctx) is called after every change of an entry -- its put, a
 * change of its object, attributes or ACL, its deletion, a revert -- on
 * the thread that made it, while that thread holds the store's lock
 * exclusive: it must be quick and must not call the Lisp (the server's
 * live queries note the id and look later).  One listener; NULL for
 * none.  Set it at start-up, before any thread changes the store. */
void lo_store_listen(void (*fn)(int64_t id, void *ctx), void *ctx);

#endif
