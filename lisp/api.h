/*
 * api.h -- the Lisp's value-level embedding API: how C code above the
 * Lisp (the server, the store's C side, tools) makes Lisp values, calls
 * Lisp functions and gets structured errors back.  docs/embedding.md has
 * a complete program; lisp.h's text API (lo_lisp_eval_string) is a thin
 * layer on this one.
 *
 *   lo_scope s = lo_scope_open(L);
 *   lo_ref args[2] = { lo_new_integer(L, 2), lo_new_string(L, "x", 1) };
 *   lo_ref r = lo_call_named(L, "CL-USER", "MY-FUNCTION", args, 2);
 *   if (!r)
 *       report(lo_last_error(L));     // type, message, backtrace, kind
 *   lo_scope_close(L, s);
 *
 * Values are handles.  A lo_ref names a slot that holds one Lisp value
 * and that the collector knows: when it moves the value, it updates the
 * slot.  C code never holds a bare value, so nothing it holds goes stale
 * whatever the Lisp does in between.  There are three kinds of slots:
 *
 *   - handles (every lo_new_*, lo_get_*, lo_call... result): in the
 *     thread's handle table, released together by lo_scope_close back to
 *     the mark lo_scope_open gave -- as V8's handle scopes, or the stack
 *     slots of Lua's C API.  A handle is only valid on the thread (the
 *     lo_lisp) that made it, until its scope closes.
 *   - kept references (lo_ref_keep): valid on every thread of the system
 *     until lo_ref_free; for what a host holds across requests.
 *   - named roots (lo_named_root): slots of the heap's root page, kept
 *     with the store and found by name again after a restart; for the
 *     persistent roots of a layer above (the store's indexes).
 *
 * Protection.  Every function here is safe to call from anywhere: a Lisp
 * error, a limit, or the store filling up never jumps past the caller.
 * Inside a protected call (lo_pcall, below) an error goes to that
 * lo_pcall, so a sequence of calls inside one fails as a unit.  Outside
 * one, each function protects itself: it fails on its own, returning NULL
 * (or a negative status) with lo_last_error describing why.  lo_pcall is
 * the one place where C enters the Lisp: lisp.h's entry points, the cold
 * boot and the functions here all go through it.
 *
 * A C function run by lo_pcall, like a primitive, may hold no C resource
 * (a lock, memory) across a call into the Lisp: an error leaves it
 * without returning.  It returns normally otherwise.
 *
 * Threads.  Each lo_lisp is one thread of evaluation (lisp.h,
 * lo_lisp_thread_open) and is used by one OS thread.  Collections stop
 * every thread at a safepoint: a thread that waits outside the Lisp (I/O,
 * a lock, a condition variable) says so with lo_lisp_wait_begin/end, or
 * the others cannot collect until it comes back.
 */
#ifndef LO_LISP_API_H
#define LO_LISP_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gc/heap.h"
#include "lisp/lisp.h"

/* A slot holding one Lisp value (never dereferenced by C). */
typedef struct lo_slot *lo_ref;

/* ---- the protected call ---- */

typedef void lo_protected_fn(lo_lisp *L, void *ctx);

/*
 * Run fn(L, ctx) as an evaluation: in the thread's environment (the
 * user's defaults bound), with an ABORT restart, under the evaluation
 * limits (lisp.h, lo_lisp_set_limits: counted from here to the end of
 * the outermost lo_pcall).  LO_OK when fn returned; LO_ELISP when the
 * evaluation failed -- an error nobody handled, a limit exceeded (even
 * if fn's code caught it and went on), the ABORT restart -- and then
 * lo_last_error(L) says what, and the handles fn made are released
 * (those made before stay).  Nested calls nest: an error goes to the
 * innermost lo_pcall; a THROW or RETURN-FROM never crosses one.
 */
int lo_pcall(lo_lisp *L, lo_protected_fn *fn, void *ctx);

/* ---- errors ---- */

enum lo_error_kind {
    LO_ERR_NONE,        /* no failure yet */
    LO_ERR_ERROR,       /* a condition nobody handled (TYPE-ERROR, ...) */
    LO_ERR_ACCESS,      /* ACCESS-DENIED: a missing access bit, a system-
                         * only function called by a user's code */
    LO_ERR_LIMIT,       /* the evaluation exceeded a limit (steps, bytes,
                         * wall time: RESOURCE-EXHAUSTED) */
    LO_ERR_STORAGE,     /* STORAGE-CONDITION: the store is full, a stack
                         * or table of the thread is exhausted */
    LO_ERR_ABORT,       /* the ABORT restart ended the evaluation */
};

struct lo_error {
    enum lo_error_kind kind;
    const char *type;       /* the condition's type, "TYPE-ERROR"; "ABORT"
                             * for the ABORT restart */
    const char *message;    /* its report, UTF-8 (truncated at 4 KiB) */
    const char *backtrace;  /* the frames active when it was signalled,
                             * innermost first, one a line, "0: (FOO 1 2)"
                             * (lisp.h, lo_lisp_take_backtrace); "" when
                             * there were none */
    lo_ref condition;       /* the condition object, a handle in the scope
                             * the failed call was made in; NULL when there
                             * is none (a limit's cut-off, ABORT) */
};

/*
 * The last failure on L: the kind is a fact of the failure, not of the
 * condition's name -- LO_ERR_LIMIT exactly when a limit was exceeded,
 * whatever code signalled RESOURCE-EXHAUSTED itself.  ACCESS and STORAGE
 * cover the subtypes of ACCESS-DENIED and STORAGE-CONDITION.  The strings
 * stay valid until the next failure on L.
 */
const struct lo_error *lo_last_error(lo_lisp *L);

/* ---- handles and scopes ---- */

typedef uint32_t lo_scope;
lo_scope lo_scope_open(lo_lisp *L);
/* Release every handle made since s was opened. */
void lo_scope_close(lo_lisp *L, lo_scope s);
/* The same, but r (made in the scope) survives: a handle of the
 * enclosing scope holding its value is returned (V8's Escape). */
lo_ref lo_scope_close_keep(lo_lisp *L, lo_scope s, lo_ref r);

/* A new handle holding r's value (of any kind of slot). */
lo_ref lo_ref_copy(lo_lisp *L, lo_ref r);
/* Store value's value in the slot r (a handle, kept reference or named
 * root): LO_OK, or LO_ELISP for a NULL reference. */
int lo_ref_set(lo_lisp *L, lo_ref r, lo_ref value);

/* A reference valid on every thread of this system until lo_ref_free. */
lo_ref lo_ref_keep(lo_lisp *L, lo_ref r);
void lo_ref_free(lo_lisp *L, lo_ref kept);

/*
 * The persistent root named name (1 to 31 printable ASCII characters,
 * "layer:what" by convention): a slot of the heap's root page, kept with
 * the store, so that the same name finds the same value after a restart.
 * NIL until set with lo_ref_set.  Valid on every thread until
 * lo_lisp_close.  NULL when the name is malformed or every slot is taken
 * (gc/heap.h, LO_HEAP_ROOTS).
 */
lo_ref lo_named_root(lo_lisp *L, const char *name);

/* ---- making values ---- */

lo_ref lo_new_nil(lo_lisp *L);
lo_ref lo_new_boolean(lo_lisp *L, bool b);          /* T or NIL */
lo_ref lo_new_integer(lo_lisp *L, int64_t n);       /* a fixnum or bignum */
lo_ref lo_new_unsigned(lo_lisp *L, uint64_t n);
/* The integer written in digits (base 2 to 36, an optional sign):
 * integers of any size.  A PARSE-ERROR when the text is not one. */
lo_ref lo_new_integer_text(lo_lisp *L, const char *digits, unsigned base);
lo_ref lo_new_double(lo_lisp *L, double d);
/* A string of the UTF-8 text (a malformed sequence becomes U+FFFD). */
lo_ref lo_new_string(lo_lisp *L, const char *utf8, size_t len);
lo_ref lo_new_bytes(lo_lisp *L, const void *data, size_t len);
/* The symbol name (UTF-8, exact case) in the package named package
 * (as the thread's environment sees it; "KEYWORD" for keywords),
 * interned there when new, as INTERN does (a user cannot intern in a
 * system package).  The functions below that name a symbol by package
 * and name only find it (a name that does not exist is an error, and
 * asking never fills a package). */
lo_ref lo_new_symbol(lo_lisp *L, const char *package, const char *name);
lo_ref lo_new_cons(lo_lisp *L, lo_ref car, lo_ref cdr);
lo_ref lo_new_list(lo_lisp *L, const lo_ref *items, size_t n);
enum lo_hash_test { LO_TEST_EQ, LO_TEST_EQL, LO_TEST_EQUAL, LO_TEST_EQUALP };
lo_ref lo_new_hash_table(lo_lisp *L, enum lo_hash_test test);

/* ---- looking at values ---- */

enum lo_type_code {
    LO_TYPE_NIL, LO_TYPE_T, LO_TYPE_INTEGER, LO_TYPE_DOUBLE,
    LO_TYPE_RATIO, LO_TYPE_CHARACTER, LO_TYPE_STRING, LO_TYPE_BYTES,
    LO_TYPE_SYMBOL, LO_TYPE_CONS, LO_TYPE_VECTOR, LO_TYPE_HASH_TABLE,
    LO_TYPE_FUNCTION, LO_TYPE_OTHER,
};
enum lo_type_code lo_type_code(lo_lisp *L, lo_ref r);
bool lo_is_nil(lo_lisp *L, lo_ref r);
bool lo_eq_refs(lo_lisp *L, lo_ref a, lo_ref b);    /* EQ */
/* The access bits (0 to 15) r's value carries as a capability, or -1
 * for a value that carries none (a list, number, character, symbol). */
int lo_get_access(lo_lisp *L, lo_ref r);

/* The integer's value: LO_OK, or LO_ERANGE when it does not fit (*out
 * unchanged); a TYPE-ERROR when r holds no integer. */
int lo_get_int64(lo_lisp *L, lo_ref r, int64_t *out);
int lo_get_uint64(lo_lisp *L, lo_ref r, uint64_t *out);
/* Any real as a double (integers and ratios rounded as FLOAT does);
 * LO_ERANGE past the double range (*out then an infinity). */
int lo_get_double(lo_lisp *L, lo_ref r, double *out);
/* A string's text as UTF-8 into buf (NUL-terminated, cut at len - 1
 * bytes on a character boundary); returns the whole text's length in
 * bytes (like snprintf: a longer one means it was cut), or a negative
 * status.  The string's read access bit is needed. */
int64_t lo_get_string(lo_lisp *L, lo_ref r, char *buf, size_t len);
/* A byte vector's bytes into buf (at most len); returns its length.
 * The read access bit is needed. */
int64_t lo_get_bytes(lo_lisp *L, lo_ref r, void *buf, size_t len);
/* A symbol's name and its package's name (NUL-terminated, cut; ""
 * for an uninterned symbol's package); LO_OK or a negative status. */
int lo_get_symbol(lo_lisp *L, lo_ref r, char *package, size_t package_len,
                  char *name, size_t name_len);
/* CAR and CDR of a list (NIL of NIL; a TYPE-ERROR otherwise). */
lo_ref lo_get_car(lo_lisp *L, lo_ref list);
lo_ref lo_get_cdr(lo_lisp *L, lo_ref list);
/* LENGTH of a proper list or a sequence; negative status otherwise. */
int64_t lo_length(lo_lisp *L, lo_ref sequence);
/* The text PRIN1 writes for r into buf (NUL-terminated, cut as
 * lo_get_string cuts); returns the whole text's length in bytes, or a
 * negative status.  PRINT-OBJECT methods run. */
int64_t lo_get_printed(lo_lisp *L, lo_ref r, char *buf, size_t len);

/* ---- hash tables ---- */

/* The value under key, or NULL when absent (*found false) or on failure
 * (*found false, lo_last_error set). */
lo_ref lo_hash_get(lo_lisp *L, lo_ref table, lo_ref key, bool *found);
int lo_hash_set(lo_lisp *L, lo_ref table, lo_ref key, lo_ref value);
/* 1 when key was there, 0 when not, or a negative status. */
int lo_hash_remove(lo_lisp *L, lo_ref table, lo_ref key);
int64_t lo_hash_count(lo_lisp *L, lo_ref table);
/* Call fn on each entry (key and value handles, released after each
 * call); fn returns false to stop.  The table's entries are taken first,
 * so fn may change the table. */
int lo_hash_each(lo_lisp *L, lo_ref table,
                 bool (*fn)(lo_lisp *L, lo_ref key, lo_ref value, void *ctx),
                 void *ctx);

/* ---- calling ---- */

/* Call fn (a function, or a symbol naming one) on the arguments: its
 * primary value, or NULL on failure.  Outside a lo_pcall, the call is a
 * whole evaluation: environment, ABORT restart and limits as lo_pcall. */
lo_ref lo_call(lo_lisp *L, lo_ref fn, const lo_ref *args, size_t nargs);
/* The same for the function named name in package. */
lo_ref lo_call_named(lo_lisp *L, const char *package, const char *name,
                     const lo_ref *args, size_t nargs);
/* The same with every value: up to max of them in values[] (the rest
 * NIL); returns how many the call returned, or a negative status. */
int lo_call_values(lo_lisp *L, lo_ref fn, const lo_ref *args, size_t nargs,
                   lo_ref *values, size_t max);
/* Read and evaluate the forms of text in order: the last one's value. */
lo_ref lo_eval(lo_lisp *L, const char *text);
/* The same with every value of the last form, as lo_call_values. */
int lo_eval_values(lo_lisp *L, const char *text, lo_ref *values, size_t max);

/* ---- global variables ---- */

/* SYMBOL-VALUE of the symbol package::name, as the thread's environment
 * sees it; NULL (an UNBOUND-VARIABLE) when it has none. */
lo_ref lo_get_global(lo_lisp *L, const char *package, const char *name);
/* (SETF SYMBOL-VALUE): the environment's rules apply (a user cannot
 * change a system variable's global value). */
int lo_set_global(lo_lisp *L, const char *package, const char *name,
                  lo_ref value);

/* ---- primitives written above the Lisp (lisp/primitive.h) ----
 * A primitive's arguments are on the VM's stack, roots for the length
 * of the call: lo_arg_ref names one as a reference (no handle is made).
 * lo_ref_value gives the value a reference holds, for the primitive to
 * return -- a bare value, to be returned at once (it is stale after
 * anything that may collect). */
lo_ref lo_arg_ref(lo_lisp *L, lo_value *arg);
lo_value lo_ref_value(lo_ref r);

/* ---- waiting outside the Lisp ---- */

/* Between these, the thread holds no bare values (handles are fine) and
 * does not touch the heap: collections may run meanwhile.  Any wait of
 * a thread that has a lo_lisp must be inside such a pair, or the other
 * threads cannot collect until it returns. */
void lo_lisp_wait_begin(lo_lisp *L);
void lo_lisp_wait_end(lo_lisp *L);
/* lo_lisp_wait_end when no collection or snapshot flip holds the other
 * threads stopped; false, and still waiting, while one does.  For a
 * thread with better things to do than wait (the server's event loop). */
bool lo_lisp_wait_try_end(lo_lisp *L);

#endif
