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

int lo_store_register(void);

#endif
