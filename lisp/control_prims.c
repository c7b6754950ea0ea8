/*
 * control_prims.c -- the primitives of data and control flow (CLHS
 * chapter 5) written in C: multiple values, FUNCALL and APPLY,
 * FUNCTIONP, and the keyword-argument parsing compiled lambda lists
 * call.  The control structures themselves are special operators
 * (compile_control.c) and macros (lisp/boot/); a symbol's function cell
 * is symbols.c's.
 */
#include "lisp/internal.h"
#include "lisp/sequences.h"

/* ---- multiple values ---- */

LO_PRIMITIVE(p_values, "VALUES", CL, ANY, 0, LO_MV_LIMIT, "(&rest objects)",
             "Return the OBJECTS as multiple values (none when there are "
             "none); at most 256 of them.")
{
    return lo_values(L, nargs, args);
}

LO_PRIMITIVE(p_values_list, "VALUES-LIST", CL, ANY, 1, 1, "(list)",
             "Return the elements of the proper list LIST as multiple "
             "values; at most 256 of them.")
{
    int64_t len;
    lo_arg_list(L, args[0], &len);
    if (len > LO_MV_LIMIT)
        lo_error(L, "PROGRAM-ERROR", "VALUES-LIST: more than %d values",
                 LO_MV_LIMIT);
    lo_value v[LO_MV_LIMIT];
    int64_t i = 0;
    for (lo_value l = args[0]; lo_consp(l); l = lo_cdr_raw(l))
        v[i++] = lo_car_raw(l);
    return lo_values(L, (uint32_t)len, v);
}

/* ---- keyword arguments (the prologue of a function with &key) ---- */

/* (%key-tail plist key): the tail of plist after key's first occurrence
 * as a key, or nil. */
LO_PRIMITIVE(p_key_tail, "%KEY-TAIL", INTERNAL, ANY, 2, 2, "(plist key)",
             "The tail of the property list PLIST after the first KEY in a "
             "key position, or NIL: how the prologue of a function with &key, "
             "and DESTRUCTURING-BIND, find a keyword argument.")
{
    for (lo_value l = args[0]; lo_consp(l) && lo_consp(lo_cdr_raw(l));
         l = lo_cdr_raw(lo_cdr_raw(l)))
        if (lo_eq(lo_car_raw(l), args[1]))
            return lo_cdr_raw(l);
    return L->nil;
}

/* (%check-keys plist allowed): an even number of elements, and only
 * allowed keys unless allowed is T or :allow-other-keys is true in it. */
LO_PRIMITIVE(p_check_keys, "%CHECK-KEYS", INTERNAL, ANY, 2, 2,
             "(plist allowed)",
             "Check the keyword arguments PLIST of a call: an even number, "
             "and only keys in the list ALLOWED unless ALLOWED is T or "
             ":ALLOW-OTHER-KEYS is true in PLIST (else a PROGRAM-ERROR).  "
             "The prologue of a function with &key calls it.")
{
    int64_t len = lo_list_length(L, args[0]);
    if (len < 0 || len % 2)
        lo_error(L, "PROGRAM-ERROR", "odd number of keyword arguments");
    if (lo_eq(args[1], L->t))
        return L->nil;
    lo_value bad = LO_UNBOUND;
    for (lo_value l = args[0]; lo_consp(l); l = lo_cdr_raw(lo_cdr_raw(l))) {
        lo_value key = lo_car_raw(l);
        if (lo_keyword_is(key, "ALLOW-OTHER-KEYS")) {
            if (!lo_null(L, lo_car_raw(lo_cdr_raw(l))))
                return L->nil;
            continue;
        }
        bool known = false;
        for (lo_value k = args[1]; lo_consp(k) && !known; k = lo_cdr_raw(k))
            known = lo_eq(lo_car_raw(k), key);
        if (!known && bad == LO_UNBOUND)
            bad = key;
    }
    if (bad != LO_UNBOUND) {
        char name[64] = "?";
        if (lo_symbolp(bad))
            lo_string_utf8(lo_symbol_name(bad), name, sizeof name);
        lo_error(L, "PROGRAM-ERROR", "unknown keyword argument %s", name);
    }
    return L->nil;
}

/* ---- calling functions ---- */

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

LO_PRIMITIVE(p_functionp, "FUNCTIONP", CL, ANY, 1, 1, "(object)",
             "True when OBJECT is a function: compiled Lisp, built-in, or a "
             "funcallable instance such as a generic function.")
{
    return lo_truth(L, lo_typep(args[0], LO_T_FUNCTION) || lo_typep(args[0], LO_T_PRIMITIVE) ||
                       lo_instance_callee(args[0]));
}

const struct lo_primitive *const lo_prims_control[] = {
    LO_ROW(p_values),
    LO_ROW(p_values_list),
    LO_ROW(p_key_tail),
    LO_ROW(p_check_keys),
    LO_ROW(p_funcall),
    LO_ROW(p_apply),
    LO_ROW(p_functionp),
    NULL,
};
