/*
 * primitives.c -- functions written in C, reached from the heap by their
 * index in this table (never by a C pointer).  The order is part of the
 * system version (runtime.c): changing it makes old heaps refuse to open
 * with a clear message instead of calling the wrong function.
 */
#include <string.h>

#include "lisp/internal.h"

static lo_value p_car(lo_lisp *L, lo_value *a, uint32_t n) { (void)n; return lo_car(L, a[0]); }
static lo_value p_cdr(lo_lisp *L, lo_value *a, uint32_t n) { (void)n; return lo_cdr(L, a[0]); }
static lo_value p_cons(lo_lisp *L, lo_value *a, uint32_t n) { (void)n; return lo_cons(L, a[0], a[1]); }

static lo_value p_list(lo_lisp *L, lo_value *a, uint32_t n)
{
    lo_value list = L->nil;
    for (uint32_t i = n; i > 0; i--)
        list = lo_cons(L, a[i - 1], list);
    return list;
}


static lo_value p_eq(lo_lisp *L, lo_value *a, uint32_t n) { (void)n; return lo_truth(L, lo_eq(a[0], a[1])); }
static lo_value p_null(lo_lisp *L, lo_value *a, uint32_t n) { (void)n; return lo_truth(L, lo_null(L, a[0])); }
static lo_value p_consp(lo_lisp *L, lo_value *a, uint32_t n) { (void)n; return lo_truth(L, lo_consp(a[0])); }
static lo_value p_atom(lo_lisp *L, lo_value *a, uint32_t n) { (void)n; return lo_truth(L, !lo_consp(a[0])); }

/* (access-bits x): the four access bits x grants (value.h).  Values that
 * carry none -- conses, numbers, characters, symbols (access.c) -- are
 * never refused anything: 15. */
static lo_value p_access_bits(lo_lisp *L, lo_value *a, uint32_t n)
{
    (void)L; (void)n;
    if (!lo_carries_access(a[0]))
        return lo_fixnum(LO_ACCESS_ALL);
    return lo_fixnum(lo_access_bits(a[0]));
}

/* (restrict x bits): the same object with only `bits` kept -- it can only
 * remove access bits, never add them.  x must carry access bits: a cons
 * or a number has nothing to remove, and returning it unchanged would
 * let a caller believe it restricted. */
static lo_value p_restrict(lo_lisp *L, lo_value *a, uint32_t n)
{
    (void)n;
    if (!lo_fixnump(a[1]) || lo_fixnum_value(a[1]) < 0 ||
        lo_fixnum_value(a[1]) > 15)
        lo_error(L, "TYPE-ERROR", "RESTRICT: the bits must be an integer "
                 "from 0 to 15");
    if (!lo_carries_access(a[0]))
        lo_error(L, "TYPE-ERROR", "RESTRICT: %s carries no access bits "
                 "(conses, numbers, characters and symbols have none)",
                 lo_consp(a[0]) || lo_null(L, a[0]) ? "a list"
                 : lo_charp(a[0]) ? "a character"
                 : lo_symbolp(a[0]) ? "a symbol" : "a number");
    uint64_t keep = (uint64_t)lo_fixnum_value(a[1]);
    return a[0] & ~((~keep & LO_ACCESS_ALL) << LO_ACCESS_SHIFT);
}

/* FUNCALL and APPLY: the VM turns a call of either into a call of its
 * first argument (vm.c, spread_funcall), from Lisp or from C alike, so
 * these bodies never run. */
static lo_value p_funcall(lo_lisp *L, lo_value *a, uint32_t n)
{
    (void)a;
    (void)n;
    lo_error(L, "PROGRAM-ERROR", "internal: FUNCALL reached its primitive");
}

/* (append list ... last): copies all but the last. */
static lo_value p_append(lo_lisp *L, lo_value *a, uint32_t n)
{
    if (n == 0)
        return L->nil;
    lo_value result = a[n - 1];
    for (uint32_t i = n - 1; i > 0; i--) {
        lo_value list = a[i - 1];
        if (lo_list_length(L, list) < 0)
            lo_error(L, "TYPE-ERROR", "APPEND: not a proper list");
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
static lo_value p_macroexpand_1(lo_lisp *L, lo_value *a, uint32_t n)
{
    bool expanded;
    lo_value v[2];
    v[0] = lo_macroexpand_1(L, a[0], n > 1 ? a[1] : L->nil, &expanded);
    v[1] = lo_truth(L, expanded);
    return lo_values(L, 2, v);
}

static lo_value p_macroexpand(lo_lisp *L, lo_value *a, uint32_t n)
{
    lo_value v[2] = { a[0], L->nil };
    for (bool expanded = true; expanded;) {
        v[0] = lo_macroexpand_1(L, v[0], n > 1 ? a[1] : L->nil, &expanded);
        if (expanded)
            v[1] = L->t;
    }
    return lo_values(L, 2, v);
}

/* (gc): a full collection now; the live bytes after it, or nil when
 * collecting is not safe here (called from a macro, inside the compiler). */
static lo_value p_gc(lo_lisp *L, lo_value *a, uint32_t n)
{
    (void)a, (void)n;
    struct lo_gc_result r;
    if (lo_lisp_collect(L, &r) != LO_OK)
        return L->nil;
    return lo_fixnum((int64_t)r.live_bytes);
}

/* ---- type predicates ---- */

static lo_value p_symbolp(lo_lisp *L, lo_value *a, uint32_t n) { (void)n; return lo_truth(L, lo_symbolp(a[0])); }
static lo_value p_stringp(lo_lisp *L, lo_value *a, uint32_t n) { (void)n; return lo_truth(L, lo_typep(a[0], LO_T_STRING)); }
static lo_value p_characterp(lo_lisp *L, lo_value *a, uint32_t n) { (void)n; return lo_truth(L, lo_charp(a[0])); }
static lo_value p_listp(lo_lisp *L, lo_value *a, uint32_t n) { (void)n; return lo_truth(L, lo_consp(a[0]) || lo_null(L, a[0])); }
static lo_value p_functionp(lo_lisp *L, lo_value *a, uint32_t n)
{
    (void)n;
    return lo_truth(L, lo_typep(a[0], LO_T_FUNCTION) || lo_typep(a[0], LO_T_PRIMITIVE) ||
                       lo_instance_callee(a[0]));
}

/* eql: eq, and for numbers and characters the same value (fixnums and
 * characters are immediate, so eq already is). */
static lo_value p_eql(lo_lisp *L, lo_value *a, uint32_t n) { (void)n; return lo_truth(L, lo_eql(a[0], a[1])); }

static lo_value p_equal(lo_lisp *L, lo_value *a, uint32_t n) { (void)n; return lo_truth(L, lo_equal(L, a[0], a[1])); }

/* ---- conses ---- */

static lo_value p_rplaca(lo_lisp *L, lo_value *a, uint32_t n)
{
    (void)n;
    if (!lo_consp(a[0]))
        lo_error(L, "TYPE-ERROR", "RPLACA: not a cons");
    lo_ptr(a[0])[1] = a[1];
    return a[0];
}

static lo_value p_rplacd(lo_lisp *L, lo_value *a, uint32_t n)
{
    (void)n;
    if (!lo_consp(a[0]))
        lo_error(L, "TYPE-ERROR", "RPLACD: not a cons");
    lo_ptr(a[0])[2] = a[1];
    return a[0];
}

/* Strings, vectors and byte vectors keep their length in word 1. */
static lo_value p_length(lo_lisp *L, lo_value *a, uint32_t n)
{
    (void)n;
    if (lo_typep(a[0], LO_T_STRING) || lo_typep(a[0], LO_T_VECTOR) ||
        lo_typep(a[0], LO_T_BYTES))
        return lo_ptr(a[0])[1];
    int64_t len = lo_list_length(L, a[0]);
    if (len < 0)
        lo_error(L, "TYPE-ERROR", "LENGTH: not a sequence (a proper list, "
                 "a string or a vector)");
    return lo_fixnum(len);
}

static lo_value p_boundp(lo_lisp *L, lo_value *a, uint32_t n)
{
    (void)n;
    if (!lo_symbolp(a[0]))
        lo_error(L, "TYPE-ERROR", "BOUNDP: not a symbol");
    if (lo_eq(a[0], L->nil) || lo_eq(a[0], L->t) || lo_keywordp(a[0]))
        return L->t;
    return lo_truth(L, lo_symbol_value(L, a[0]) != LO_UNBOUND);
}

const struct lo_primitive lo_prims_core[] = {
    { "CAR", 1, 1, p_car },
    { "CDR", 1, 1, p_cdr },
    { "CONS", 2, 2, p_cons },
    { "LIST", 0, -1, p_list },
    { "EQ", 2, 2, p_eq },
    { "NULL", 1, 1, p_null },
    { "NOT", 1, 1, p_null },
    { "CONSP", 1, 1, p_consp },
    { "ATOM", 1, 1, p_atom },
    { "ACCESS-BITS", 1, 1, p_access_bits },
    { "RESTRICT", 2, 2, p_restrict },
    { "FUNCALL", 1, -1, p_funcall },
    { "APPLY", 2, -1, p_funcall },
    { "APPEND", 0, -1, p_append },
    { "MACROEXPAND-1", 1, 2, p_macroexpand_1 },
    { "MACROEXPAND", 1, 2, p_macroexpand },
    { "BOUNDP", 1, 1, p_boundp },
    { "SYMBOLP", 1, 1, p_symbolp },
    { "STRINGP", 1, 1, p_stringp },
    { "CHARACTERP", 1, 1, p_characterp },
    { "LISTP", 1, 1, p_listp },
    { "FUNCTIONP", 1, 1, p_functionp },
    { "EQL", 2, 2, p_eql },
    { "EQUAL", 2, 2, p_equal },
    { "RPLACA", 2, 2, p_rplaca },
    { "RPLACD", 2, 2, p_rplacd },
    { "LENGTH", 1, 1, p_length },
    { "GC", 0, 0, p_gc },
    { NULL, 0, 0, NULL },
};

/* ---- the table of every primitive ----
 * Each file of primitives exports one table ending in a NULL name; here
 * they are laid end to end, in this order, into the one table the heap
 * refers to by index.  The order is part of the system version: append
 * new modules at the end of the list (or bump the version knowingly). */

static const struct lo_primitive *const modules[] = {
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
    lo_prims_locks,
};

enum { MAX_PRIMITIVES = 2048 };
static struct lo_primitive table[MAX_PRIMITIVES];
const struct lo_primitive *lo_primitives = table;
unsigned lo_primitive_count;
int64_t lo_funcall_index = -1, lo_apply_index = -1;

void lo_primitives_init(void)
{
    static _Atomic int done;
    if (atomic_load(&done))
        return;
    unsigned n = 0;
    for (unsigned m = 0; m < sizeof modules / sizeof modules[0]; m++)
        for (const struct lo_primitive *p = modules[m]; p->name; p++) {
            if (n == MAX_PRIMITIVES)
                lo_panic("more than %d primitives", MAX_PRIMITIVES);
            if (!strcmp(p->name, "FUNCALL"))
                lo_funcall_index = n;
            if (!strcmp(p->name, "APPLY"))
                lo_apply_index = n;
            table[n++] = *p;
        }
    lo_primitive_count = n;
    lo_vm_init();
    atomic_store(&done, 1);
}
