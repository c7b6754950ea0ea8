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

#include <stddef.h>
#include <stdint.h>

#include "lisp/lisp.h"

int lo_store_register(void);

/* fn(id, ctx) is called after every change of an entry -- its put, a
 * change of its object, attributes or ACL, its deletion, a revert -- on
 * the thread that made it, while that thread holds the store's lock
 * exclusive: it must be quick and must not call the Lisp (the server's
 * live queries note the id and look later).  Id 0 says a group's members
 * changed or a group was deleted: any entry whose ACL names a group may
 * now grant a user more or less.  One listener; NULL for none.  Set it
 * at start-up, before any thread changes the store. */
void lo_store_listen(void (*fn)(int64_t id, void *ctx), void *ctx);

/*
 * One entry read by C code, without running Lisp code and without
 * waiting (peek.c): for a program's fast path -- the server answers most
 * store.get requests so, on its event loop, where handing them to a worker
 * would cost more than the read.
 *
 * L must be inside the Lisp (not between lo_lisp_wait_begin and _end)
 * and between evaluations.  lo_store_peek reads entry id as the user
 * named user (NULL: the administrator, as the system environment does)
 * reads it with ENTRY-OBJECT, ENTRY-ATTRIBUTES, ENTRY-OWNER and
 * %STORE-BITS, and tells the visitor: first head() with the entry's
 * figures, then value() for the object, then for each attribute its key
 * (a keyword) and its value, then :ACL and the ACL when it has one; a
 * list's elements follow the LIST value that announces their number.
 *
 * LO_OK; LO_ENOENT when there is no entry of id the user may read;
 * LO_EBUSY when it cannot answer so -- a writer holds the store's lock or
 * waits for it, the user has no environment yet, a value is of another
 * kind than those below (a character, a big integer, a date, an object
 * sent as a handle ...), or the entry is larger than a fast path should
 * carry (LO_PEEK_VALUES_MOST values, LO_PEEK_BYTES_MOST bytes of text) --
 * and then the caller asks the Lisp.  The visitor may have been called
 * before LO_EBUSY: the caller drops what it made of it.
 */
enum { LO_PEEK_VALUES_MOST = 1024, LO_PEEK_BYTES_MOST = 64 << 10 };
enum lo_peek_kind {
    LO_PEEK_NIL, LO_PEEK_T, LO_PEEK_INTEGER, LO_PEEK_DOUBLE,
    LO_PEEK_STRING,         /* text: UTF-8 (valid while value() runs) */
    LO_PEEK_BYTES,          /* text: the bytes of a byte vector */
    LO_PEEK_KEYWORD,        /* text: its name, UTF-8 */
    LO_PEEK_LIST,           /* integer: the number of elements */
};
enum lo_peek_role { LO_PEEK_OBJECT, LO_PEEK_KEY, LO_PEEK_VALUE,
                    LO_PEEK_ELEMENT };
struct lo_peek_value {
    enum lo_peek_kind kind;
    enum lo_peek_role role;     /* an element: of the list before it */
    int64_t integer;
    double number;
    const char *text;
    size_t length;
};
struct lo_peek_head {
    int64_t id, version;
    unsigned access;            /* the user's bits on the entry */
    uint32_t attributes;        /* the keys and values to come, ACL's too */
    bool administrator;         /* the owner: the administrator, or */
    char owner[4 * 64 + 1];     /* a user's name, UTF-8 */
};
struct lo_peek_visitor {
    void (*head)(void *ctx, const struct lo_peek_head *h);
    void (*value)(void *ctx, const struct lo_peek_value *v);
    void *ctx;
};
int lo_store_peek(lo_lisp *L, const char *user, int64_t id,
                  const struct lo_peek_visitor *visitor);

#endif
