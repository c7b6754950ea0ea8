/*
 * primitive.h -- how a module writes Lisp functions in C (primitives) and
 * hands them to the Lisp.  Everything about a primitive is said once, at
 * its definition: its Lisp name and package, who may call it, how many
 * arguments it takes, its lambda list and its documentation.
 *
 *   LO_PRIMITIVE(p_car, "CAR", CL, ANY, 1, 1, "(list)",
 *                "The first element of LIST; NIL when LIST is NIL.")
 *   {
 *       return lo_car(L, args[0]);
 *   }
 *
 *   const struct lo_primitive *const my_primitives[] = {
 *       LO_ROW(p_car),
 *       NULL,
 *   };
 *
 *   lo_lisp_register_primitives("my-module", my_primitives);  // before lo_lisp_open
 *
 * The body sees L (the thread), args (the arguments, on the VM's stack:
 * roots already) and nargs (how many, within the declared bounds: the VM
 * checked).  It returns the primary value; lo_values (internal.h) returns
 * more.  Argument checkers (lo_arg_*, below) signal a TYPE-ERROR with the
 * datum and expected type set, naming the primitive.
 *
 * The package says where the name lives: CL for the standard's symbols
 * only, LISPOS for the system's own API (exported, used by
 * COMMON-LISP-USER), INTERNAL for what the boot code and macro expansions
 * call (the package LISPOS-INTERNAL, not exported).  The privilege says
 * who may call it: ANY caller, or SYSTEM -- only an evaluation in the
 * system environment with no user's code on the stack (host files, the
 * collector, environment administration).  The VM checks the privilege
 * on every call, in one place (vm.c), and signals ACCESS-DENIED.
 *
 * The heap refers to a primitive by its package and name (never by a C
 * pointer): a primitive object holds its symbol, and every open gives it
 * the index of its row in this program's table (primitives.c,
 * lo_bind_primitives).
 */
#ifndef LO_LISP_PRIMITIVE_H
#define LO_LISP_PRIMITIVE_H

#include <stdint.h>

#include "gc/heap.h"

typedef struct lo_lisp lo_lisp;
typedef lo_value (*lo_primitive_fn)(lo_lisp *L, lo_value *args,
                                    uint32_t nargs);

enum lo_primitive_package {
    LO_PKG_CL,                  /* COMMON-LISP: standard symbols only */
    LO_PKG_LISPOS,              /* LISPOS: the system's API, exported */
    LO_PKG_INTERNAL,            /* LISPOS-INTERNAL: for the system's code */
};
enum lo_privilege {
    LO_PRIV_ANY,                /* any caller */
    LO_PRIV_SYSTEM,             /* the system environment only */
};

struct lo_primitive {
    const char *name;           /* the symbol's name, upper case */
    enum lo_primitive_package package;
    enum lo_privilege privilege;
    int16_t min_args, max_args; /* max -1: any number */
    lo_primitive_fn fn;
    const char *lambda_list;    /* as DOCUMENTATION and DESCRIBE show it */
    const char *doc;            /* its documentation string */
};

#define LO_PRIMITIVE_PARAMS                                                  \
    lo_lisp *L __attribute__((unused)),                                      \
    lo_value *args __attribute__((unused)),                                  \
    uint32_t nargs __attribute__((unused))

/* Define the C function cname and its table row cname_row. */
#define LO_PRIMITIVE(cname, lisp_name, pkg, priv, min, max, lambda, docstr) \
    static lo_value cname(LO_PRIMITIVE_PARAMS);                              \
    static const struct lo_primitive cname##_row = {                         \
        lisp_name, LO_PKG_##pkg, LO_PRIV_##priv, min, max, cname, lambda,     \
        docstr };                                                            \
    static lo_value cname(LO_PRIMITIVE_PARAMS)

/* A second Lisp name for a function defined above (NOT for NULL): the row
 * alias_row calls cname. */
#define LO_PRIMITIVE_ALIAS(alias, cname, lisp_name, pkg, priv, min, max,     \
                           lambda, docstr)                                   \
    static const struct lo_primitive alias##_row = {                         \
        lisp_name, LO_PKG_##pkg, LO_PRIV_##priv, min, max, cname, lambda,     \
        docstr }

/* A table lists the rows of a module, ending with NULL. */
#define LO_ROW(cname) (&cname##_row)

/*
 * Add a module's primitives to the Lisp.  Call it before the first
 * lo_lisp_open, from one thread (at start-up); the modules' order is the
 * order of registration, after the Lisp's own.  A store binds primitives
 * by name at every open, so a program that registers more, fewer or other
 * modules opens the same store: a primitive new to the store is bound in
 * its function cell, and one the program lacks signals UNDEFINED-FUNCTION
 * when called ("... was removed from LispOS").  LO_EBUSY once a Lisp is
 * open; LO_ENOSPC when the table is full.
 */
int lo_lisp_register_primitives(const char *module,
                                const struct lo_primitive *const *rows);

/* ---- the data lock (locks.c) ----
 * One reader-writer lock per open Lisp system, for the shared state a
 * module keeps in the heap (the object store): its readers share it, a
 * change takes it alone.  Each thread's holds are counted: taking it
 * again is allowed (shared inside shared or inside exclusive, exclusive
 * inside exclusive), but exclusive inside shared only (a reader turning
 * writer would wait for itself) is refused: lo_data_lock_exclusive
 * returns false and takes nothing.  A waiter waits blocked (a collection
 * never waits for it) and keeps to its evaluation limits.  A non-local
 * exit -- an error in Lisp code called under the lock -- gives back what
 * was taken since the catch entry it lands on, so a primitive never
 * needs a cleanup of its own. */
void lo_data_lock_shared(lo_lisp *L);
bool lo_data_lock_exclusive(lo_lisp *L);
/* lo_data_lock_shared without waiting: false, nothing taken, when a
 * writer holds the lock or waits for it. */
bool lo_data_lock_try_shared(lo_lisp *L);
void lo_data_unlock_shared(lo_lisp *L);
void lo_data_unlock_exclusive(lo_lisp *L);
/* Whether this thread holds it (shared or exclusive), and exclusive. */
bool lo_data_lock_held(lo_lisp *L);
bool lo_data_lock_held_exclusive(lo_lisp *L);

/* ---- argument checkers (args.c) ----
 * Each returns the argument when it is of the type, else signals a
 * TYPE-ERROR whose datum is the argument and whose expected type is
 * named, with a message naming the primitive running (L->primitive).
 * The expected type is a type specifier's text: a symbol's name ("CONS")
 * or a list ("(INTEGER 2 36)", "(OR FUNCTION SYMBOL)"). */
_Noreturn void lo_arg_error(lo_lisp *L, lo_value datum, const char *expected);
/* The same for a helper checking an argument of op, which the message
 * names instead of the primitive running ("(SETF AREF): ..."). */
_Noreturn void lo_arg_error_op(lo_lisp *L, const char *op, lo_value datum,
                               const char *expected);
/* The type specifier a text writes: symbols (as lo_intern finds them: the
 * standard's names are COMMON-LISP's), :keywords, integers and lists. */
lo_value lo_type_specifier(lo_lisp *L, const char *text);
lo_value lo_arg_symbol(lo_lisp *L, lo_value v);
lo_value lo_arg_string(lo_lisp *L, lo_value v);
/* A string this reference grants the access bits (LO_ACCESS_READ, ...)
 * of: else a TYPE-ERROR, or an ACCESS-DENIED naming op. */
lo_value lo_arg_string_with(lo_lisp *L, lo_value v, unsigned bits,
                            const char *op);
lo_value lo_arg_cons(lo_lisp *L, lo_value v);
/* A proper list: its length is returned in *length (when not NULL).  The
 * datum of a dotted list's TYPE-ERROR is the atom ending it (that is what
 * is not a list), as lo_improper_tail says. */
lo_value lo_arg_list(lo_lisp *L, lo_value v, int64_t *length);
/* What makes v (no proper list) improper: the atom ending it, or v itself
 * when it is circular or no list at all. */
lo_value lo_improper_tail(lo_lisp *L, lo_value v);
int64_t lo_arg_fixnum(lo_lisp *L, lo_value v);
lo_value lo_arg_integer(lo_lisp *L, lo_value v);
/* A non-negative fixnum below end (a valid index of a sequence of length
 * end): else a TYPE-ERROR of type (INTEGER 0 (end)). */
uint64_t lo_arg_index(lo_lisp *L, lo_value v, uint64_t end);
lo_value lo_arg_function(lo_lisp *L, lo_value v);
lo_value lo_arg_vector(lo_lisp *L, lo_value v);
lo_value lo_arg_character(lo_lisp *L, lo_value v);

#endif
