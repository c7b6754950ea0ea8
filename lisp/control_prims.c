/*
 * control_prims.c -- primitives for multiple values, keyword arguments
 * and conditions.
 *
 * The condition system proper (HANDLER-BIND, HANDLER-CASE, SIGNAL,
 * ERROR, the type hierarchy) is Lisp, in lisp/boot/20-conditions.lisp;
 * what it needs from C is here: the condition object and raising one
 * (control.c), which is also what errors signalled from C go through.
 */
#include "lisp/internal.h"
#include "lisp/sequences.h"

/* ---- multiple values ---- */

LO_PRIMITIVE(p_values, "VALUES", CL, ANY, 0, LO_MV_LIMIT, "(&rest args)",
             "")
{
    return lo_values(L, nargs, args);
}

LO_PRIMITIVE(p_values_list, "VALUES-LIST", CL, ANY, 1, 1, "(list)",
             "")
{
    int64_t len = lo_list_length(L, args[0]);
    if (len < 0)
        lo_error(L, "TYPE-ERROR", "VALUES-LIST: not a proper list");
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
LO_PRIMITIVE(p_key_tail, "%KEY-TAIL", INTERNAL, ANY, 2, 2, "(arg1 arg2)",
             "")
{
    for (lo_value l = args[0]; lo_consp(l) && lo_consp(lo_cdr_raw(l));
         l = lo_cdr_raw(lo_cdr_raw(l)))
        if (lo_eq(lo_car_raw(l), args[1]))
            return lo_cdr_raw(l);
    return L->nil;
}

/* (%check-keys plist allowed): an even number of elements, and only
 * allowed keys unless allowed is T or :allow-other-keys is true in it. */
LO_PRIMITIVE(p_check_keys, "%CHECK-KEYS", INTERNAL, ANY, 2, 2, "(arg1 arg2)",
             "")
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

/* ---- conditions ---- */

LO_PRIMITIVE(p_make_condition, "%MAKE-CONDITION", INTERNAL, ANY, 1, 3, "(arg1 &optional arg2 arg3)",
             "")
{
    if (!lo_symbolp(args[0]))
        lo_error(L, "TYPE-ERROR", "%%MAKE-CONDITION: the type is not a symbol");
    return lo_make_condition(L, args[0], nargs > 1 ? args[1] : L->nil,
                             nargs > 2 ? args[2] : L->nil);
}

static lo_value condition_field(lo_lisp *L, lo_value c, int field)
{
    if (!lo_typep(c, LO_T_CONDITION))
        lo_error(L, "TYPE-ERROR", "not a condition");
    return lo_ptr(c)[field];
}

LO_PRIMITIVE(p_condition_type, "%CONDITION-TYPE", INTERNAL, ANY, 1, 1, "(arg1)",
             "")
{
    return condition_field(L, args[0], CONDITION_TYPE);
}

LO_PRIMITIVE(p_condition_message, "%CONDITION-MESSAGE", INTERNAL, ANY, 1, 1, "(arg1)",
             "")
{
    return condition_field(L, args[0], CONDITION_MESSAGE);
}

LO_PRIMITIVE(p_condition_data, "%CONDITION-DATA", INTERNAL, ANY, 1, 1, "(arg1)",
             "")
{
    return condition_field(L, args[0], CONDITION_DATA);
}

LO_PRIMITIVE(p_conditionp, "%CONDITIONP", INTERNAL, ANY, 1, 1, "(arg1)",
             "")
{
    return lo_truth(L, lo_typep(args[0], LO_T_CONDITION));
}

/* (%raise condition): as an error -- to the handlers, then to the
 * evaluation entry point.  Never returns. */
LO_PRIMITIVE(p_raise, "%RAISE", INTERNAL, ANY, 1, 1, "(arg1)",
             "")
{
    if (!lo_typep(args[0], LO_T_CONDITION))
        lo_error(L, "TYPE-ERROR", "%%RAISE: not a condition");
    lo_raise(L, args[0]);
}

const struct lo_primitive *const lo_prims_control[] = {
    LO_ROW(p_values),
    LO_ROW(p_values_list),
    LO_ROW(p_key_tail),
    LO_ROW(p_check_keys),
    LO_ROW(p_make_condition),
    LO_ROW(p_condition_type),
    LO_ROW(p_condition_message),
    LO_ROW(p_condition_data),
    LO_ROW(p_conditionp),
    LO_ROW(p_raise),
    NULL,
};
