/*
 * primitives.c -- functions written in C, reached from the heap by their
 * index in this table (never by a C pointer).  The order is part of the
 * system version (runtime.c): changing it makes old heaps refuse to open
 * with a clear message instead of calling the wrong function.
 */
#include <string.h>

#include "lisp/internal.h"

LO_PRIMITIVE(p_car, "CAR", CL, ANY, 1, 1, "(list)",
             "The first element of LIST: the car of a cons, NIL when LIST is "
             "NIL.")
{ return lo_car(L, args[0]); }
LO_PRIMITIVE(p_cdr, "CDR", CL, ANY, 1, 1, "(list)",
             "The rest of LIST after its first element: the cdr of a cons, "
             "NIL when LIST is NIL.")
{ return lo_cdr(L, args[0]); }
LO_PRIMITIVE(p_cons, "CONS", CL, ANY, 2, 2, "(object-1 object-2)",
             "A fresh cons whose car is OBJECT-1 and whose cdr is "
             "OBJECT-2.  Conses carry no access bits.")
{ return lo_cons(L, args[0], args[1]); }

LO_PRIMITIVE(p_list, "LIST", CL, ANY, 0, -1, "(&rest objects)",
             "A fresh list of the OBJECTS, in the order given.")
{
    lo_value list = L->nil;
    for (uint32_t i = nargs; i > 0; i--)
        list = lo_cons(L, args[i - 1], list);
    return list;
}


LO_PRIMITIVE(p_eq, "EQ", CL, ANY, 2, 2, "(x y)",
             "True when X and Y are the same object.  Two references to one "
             "object with different access bits are EQ.")
{ return lo_truth(L, lo_eq(args[0], args[1])); }
LO_PRIMITIVE(p_null, "NULL", CL, ANY, 1, 1, "(object)",
             "T when OBJECT is NIL (the empty list), else NIL.")
{ return lo_truth(L, lo_null(L, args[0])); }
LO_PRIMITIVE_ALIAS(p_not, p_null, "NOT", CL, ANY, 1, 1, "(x)",
                   "T when X is false (NIL), else NIL: logical negation.");

LO_PRIMITIVE(p_consp, "CONSP", CL, ANY, 1, 1, "(object)",
             "True when OBJECT is a cons.")
{ return lo_truth(L, lo_consp(args[0])); }
LO_PRIMITIVE(p_atom, "ATOM", CL, ANY, 1, 1, "(object)",
             "True when OBJECT is anything but a cons (NIL is an atom).")
{ return lo_truth(L, !lo_consp(args[0])); }

/* (access-bits x): the four access bits x grants (value.h).  Values that
 * carry none -- conses, numbers, characters, symbols (access.c) -- are
 * never refused anything: 15. */
LO_PRIMITIVE(p_access_bits, "ACCESS-BITS", LISPOS, ANY, 1, 1, "(object)",
             "The access bits this reference to OBJECT grants, 0 to 15: read "
             "1, write 2, call 4, and 8 left to the programmer.  Conses, "
             "numbers, characters and symbols carry none and are refused "
             "nothing: 15.")
{
    if (!lo_carries_access(args[0]))
        return lo_fixnum(LO_ACCESS_ALL);
    return lo_fixnum(lo_access_bits(args[0]));
}

/* (restrict x bits): the same object with only `bits` kept -- it can only
 * remove access bits, never add them.  x must carry access bits: a cons
 * or a number has nothing to remove, and returning it unchanged would
 * let a caller believe it restricted. */
LO_PRIMITIVE(p_restrict, "RESTRICT", LISPOS, ANY, 2, 2, "(object bits)",
             "A reference to the same OBJECT granting only those of its access "
             "bits that are also in BITS (0 to 15); it never adds one.  "
             "OBJECT must carry access bits: a list, number, character or "
             "symbol is a TYPE-ERROR.")
{
    if (!lo_fixnump(args[1]) || lo_fixnum_value(args[1]) < 0 ||
        lo_fixnum_value(args[1]) > 15)
        lo_arg_error(L, args[1], "(INTEGER 0 15)");
    if (!lo_carries_access(args[0]))
        lo_arg_error(L, args[0], "(NOT (OR LIST NUMBER CHARACTER SYMBOL))");
    uint64_t keep = (uint64_t)lo_fixnum_value(args[1]);
    return args[0] & ~((~keep & LO_ACCESS_ALL) << LO_ACCESS_SHIFT);
}

/* FUNCALL and APPLY: the VM turns a call of either into a call of its
 * first argument (vm.c, spread_funcall), from Lisp or from C alike, so
 * these bodies never run. */
LO_PRIMITIVE(p_funcall, "FUNCALL", CL, ANY, 1, -1, "(function &rest args)",
             "Call FUNCTION (a function, or a symbol naming a global one) "
             "with ARGS, returning what it returns.  The reference must "
             "grant the call access bit.")
{
    lo_error(L, "PROGRAM-ERROR", "internal: FUNCALL reached its primitive");
}
LO_PRIMITIVE_ALIAS(p_apply, p_funcall, "APPLY", CL, ANY, 2, -1,
                   "(function arg &rest more-args)",
                   "Call FUNCTION with the arguments given before the last, "
                   "followed by the elements of the last, which must be a "
                   "proper list.  At most 4096 arguments in all.");


/* (append list ... last): copies all but the last. */
LO_PRIMITIVE(p_append, "APPEND", CL, ANY, 0, -1, "(&rest lists)",
             "A list of the elements of all LISTS in order: every list but "
             "the last is copied, the last is shared (and may be any "
             "object).  Each list copied has at most 4096 elements here.")
{
    if (nargs == 0)
        return L->nil;
    lo_value result = args[nargs - 1];
    for (uint32_t i = nargs - 1; i > 0; i--) {
        lo_value list = lo_arg_list(L, args[i - 1], NULL);
        lo_value items[4096];
        uint32_t k = 0;
        for (; lo_consp(list); list = lo_cdr_raw(list)) {
            if (k == 4096)
                lo_error(L, "PROGRAM-ERROR", "APPEND: list too long (yet)");
            items[k++] = lo_car_raw(list);
        }
        while (k)
            result = lo_cons(L, items[--k], result);
    }
    return result;
}

/* (macroexpand-1 form [env]) and (macroexpand form [env]): the expansion
 * and whether there was one. */
LO_PRIMITIVE(p_macroexpand_1, "MACROEXPAND-1", CL, ANY, 1, 2,
             "(form &optional env)",
             "Expand FORM once if it is a macro form (or a symbol macro) in "
             "ENV (NIL: the global environment).  Two values: the expansion "
             "(FORM itself when none) and whether it was expanded.")
{
    bool expanded;
    lo_value v[2];
    v[0] = lo_macroexpand_1(L, args[0], nargs > 1 ? args[1] : L->nil, &expanded);
    v[1] = lo_truth(L, expanded);
    return lo_values(L, 2, v);
}

LO_PRIMITIVE(p_macroexpand, "MACROEXPAND", CL, ANY, 1, 2,
             "(form &optional env)",
             "Expand FORM repeatedly in ENV (NIL: the global environment) "
             "until it is no macro form.  Two values: the final form and "
             "whether any expansion happened.")
{
    lo_value v[2] = { args[0], L->nil };
    for (bool expanded = true; expanded;) {
        v[0] = lo_macroexpand_1(L, v[0], nargs > 1 ? args[1] : L->nil, &expanded);
        if (expanded)
            v[1] = L->t;
    }
    return lo_values(L, 2, v);
}

/* (gc): a full collection now; the live bytes after it, or nil when
 * collecting is not safe here (called from a macro, inside the compiler). */
LO_PRIMITIVE(p_gc, "GC", LISPOS, SYSTEM, 0, 0, "()",
             "Run a full garbage collection now and return the bytes live "
             "after it, or NIL when collecting is not safe at this point "
             "(inside a macro's expansion).  System environment only.")
{
    struct lo_gc_result r;
    if (lo_lisp_collect(L, &r) != LO_OK)
        return L->nil;
    return lo_fixnum((int64_t)r.live_bytes);
}

/* ---- type predicates ---- */

LO_PRIMITIVE(p_symbolp, "SYMBOLP", CL, ANY, 1, 1, "(object)",
             "True when OBJECT is a symbol (NIL and T included).")
{ return lo_truth(L, lo_symbolp(args[0])); }
LO_PRIMITIVE(p_stringp, "STRINGP", CL, ANY, 1, 1, "(object)",
             "True when OBJECT is a string.")
{ return lo_truth(L, lo_typep(args[0], LO_T_STRING)); }
LO_PRIMITIVE(p_characterp, "CHARACTERP", CL, ANY, 1, 1, "(object)",
             "True when OBJECT is a character.")
{ return lo_truth(L, lo_charp(args[0])); }
LO_PRIMITIVE(p_listp, "LISTP", CL, ANY, 1, 1, "(object)",
             "True when OBJECT is a cons or NIL.")
{ return lo_truth(L, lo_consp(args[0]) || lo_null(L, args[0])); }
LO_PRIMITIVE(p_functionp, "FUNCTIONP", CL, ANY, 1, 1, "(object)",
             "True when OBJECT is a function: compiled Lisp, built-in, or a "
             "funcallable instance such as a generic function.")
{
    return lo_truth(L, lo_typep(args[0], LO_T_FUNCTION) || lo_typep(args[0], LO_T_PRIMITIVE) ||
                       lo_instance_callee(args[0]));
}

/* eql: eq, and for numbers and characters the same value (fixnums and
 * characters are immediate, so eq already is). */
LO_PRIMITIVE(p_eql, "EQL", CL, ANY, 2, 2, "(x y)",
             "True when X and Y are EQ, or are numbers of the same type and "
             "value, or the same character.")
{ return lo_truth(L, lo_eql(args[0], args[1])); }

LO_PRIMITIVE(p_equal, "EQUAL", CL, ANY, 2, 2, "(x y)",
             "True when X and Y are structurally alike: EQL, or conses with "
             "EQUAL cars and cdrs, or strings of the same characters "
             "(comparing two strings needs the read bit of both).")
{ return lo_truth(L, lo_equal(L, args[0], args[1])); }

/* ---- conses ---- */

LO_PRIMITIVE(p_rplaca, "RPLACA", CL, ANY, 2, 2, "(cons object)",
             "Make OBJECT the car of CONS, destructively; returns CONS.")
{
    lo_check_cons_write(L, lo_arg_cons(L, args[0]), "RPLACA");
    lo_ptr(args[0])[1] = args[1];
    return args[0];
}

LO_PRIMITIVE(p_rplacd, "RPLACD", CL, ANY, 2, 2, "(cons object)",
             "Make OBJECT the cdr of CONS, destructively; returns CONS.")
{
    lo_check_cons_write(L, lo_arg_cons(L, args[0]), "RPLACD");
    lo_ptr(args[0])[2] = args[1];
    return args[0];
}

/* Strings, vectors and byte vectors keep their length in word 1. */
LO_PRIMITIVE(p_length, "LENGTH", CL, ANY, 1, 1, "(sequence)",
             "The number of elements of SEQUENCE: a proper list, a string or "
             "a vector.  No access bit is needed.")
{
    if (lo_typep(args[0], LO_T_STRING) || lo_typep(args[0], LO_T_VECTOR) ||
        lo_typep(args[0], LO_T_BYTES))
        return lo_ptr(args[0])[1];
    if (!lo_consp(args[0]) && !lo_null(L, args[0]))
        lo_arg_error(L, args[0], "SEQUENCE");
    int64_t len;
    lo_arg_list(L, args[0], &len);
    return lo_fixnum(len);
}

LO_PRIMITIVE(p_boundp, "BOUNDP", CL, ANY, 1, 1, "(symbol)",
             "True when SYMBOL has a value as a variable (dynamic or global) "
             "in the current environment.  Keywords, NIL and T always do.")
{
    lo_arg_symbol(L, args[0]);
    if (lo_eq(args[0], L->nil) || lo_eq(args[0], L->t) || lo_keywordp(args[0]))
        return L->t;
    return lo_truth(L, lo_symbol_value(L, args[0]) != LO_UNBOUND);
}

const struct lo_primitive *const lo_prims_core[] = {
    LO_ROW(p_car),
    LO_ROW(p_cdr),
    LO_ROW(p_cons),
    LO_ROW(p_list),
    LO_ROW(p_eq),
    LO_ROW(p_null),
    LO_ROW(p_not),
    LO_ROW(p_consp),
    LO_ROW(p_atom),
    LO_ROW(p_access_bits),
    LO_ROW(p_restrict),
    LO_ROW(p_funcall),
    LO_ROW(p_apply),
    LO_ROW(p_append),
    LO_ROW(p_macroexpand_1),
    LO_ROW(p_macroexpand),
    LO_ROW(p_boundp),
    LO_ROW(p_symbolp),
    LO_ROW(p_stringp),
    LO_ROW(p_characterp),
    LO_ROW(p_listp),
    LO_ROW(p_functionp),
    LO_ROW(p_eql),
    LO_ROW(p_equal),
    LO_ROW(p_rplaca),
    LO_ROW(p_rplacd),
    LO_ROW(p_length),
    LO_ROW(p_gc),
    NULL,
};

/* ---- the table of every primitive ----
 * Each module's table lists its rows, ending with NULL.  lisp/'s own
 * modules come first, in this order, then the modules the layers above
 * registered, in the order they did; laid end to end they make the one
 * table the heap refers to by index.  The order is part of the system
 * version (runtime.c): append new modules at the end. */

static const struct lo_primitive *const *const lisp_modules[] = {
    lo_prims_core,
    lo_prims_hash,
    lo_prims_strings,
    lo_prims_vectors,
    lo_prims_sequences,
    lo_prims_control,
    lo_prims_eval,
    lo_prims_packages,
    lo_prims_numbers,
    lo_prims_streams,
    lo_prims_write,
    lo_prims_format,
    lo_prims_input,
    lo_prims_disassemble,
    lo_prims_environment,
    lo_prims_conditions,
    lo_prims_destructive,
    lo_prims_instances,
    lo_prims_freeze,
    lo_prims_access,
    lo_prims_documentation,
    lo_prims_locks,
};

enum { MAX_PRIMITIVES = 2048, MAX_MODULES = 64 };
static const struct lo_primitive *table[MAX_PRIMITIVES];
const struct lo_primitive *const *lo_primitives = table;
unsigned lo_primitive_count;
int64_t lo_funcall_index = -1, lo_apply_index = -1;

static const struct lo_primitive *const *registered[MAX_MODULES];
static unsigned registered_count;
static _Atomic int table_built;

int lo_lisp_register_primitives(const char *module,
                                const struct lo_primitive *const *rows)
{
    if (atomic_load(&table_built))
        return LO_EBUSY;
    if (registered_count == MAX_MODULES) {
        lo_log(LO_LOG_ERROR, "lisp: no room to register the primitives of %s",
               module);
        return LO_ENOSPC;
    }
    registered[registered_count++] = rows;
    return LO_OK;
}

static void add_module(const struct lo_primitive *const *rows, unsigned *n)
{
    for (; *rows; rows++) {
        const struct lo_primitive *p = *rows;
        if (*n == MAX_PRIMITIVES)
            lo_panic("more than %d primitives", MAX_PRIMITIVES);
        LO_ASSERT(p->min_args >= 0 &&
                  (p->max_args < 0 || p->max_args >= p->min_args));
        if (p->package == LO_PKG_CL && !strcmp(p->name, "FUNCALL"))
            lo_funcall_index = *n;
        if (p->package == LO_PKG_CL && !strcmp(p->name, "APPLY"))
            lo_apply_index = *n;
        table[(*n)++] = p;
    }
}

void lo_primitives_init(void)
{
    if (atomic_load(&table_built))
        return;
    unsigned n = 0;
    for (unsigned m = 0; m < sizeof lisp_modules / sizeof lisp_modules[0]; m++)
        add_module(lisp_modules[m], &n);
    for (unsigned m = 0; m < registered_count; m++)
        add_module(registered[m], &n);
    lo_primitive_count = n;
    lo_vm_init();
    atomic_store(&table_built, 1);
}
