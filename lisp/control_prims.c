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

/* ---- conditions ---- */

LO_PRIMITIVE(p_make_condition, "%MAKE-CONDITION", INTERNAL, ANY, 1, 3,
             "(type &optional message data)",
             "A fresh condition object of TYPE (a symbol) with MESSAGE (a "
             "string, or NIL until its report is made) and DATA (the "
             "property list of its slots); MAKE-CONDITION builds on it.")
{
    lo_arg_symbol(L, args[0]);
    return lo_make_condition(L, args[0], nargs > 1 ? args[1] : L->nil,
                             nargs > 2 ? args[2] : L->nil);
}

static lo_value condition_field(lo_lisp *L, lo_value c, int field)
{
    return lo_ptr(lo_arg_condition(L, c))[field];
}

LO_PRIMITIVE(p_condition_type, "%CONDITION-TYPE", INTERNAL, ANY, 1, 1,
             "(condition)",
             "The type of CONDITION, a symbol: what TYPE-OF and TYPEP of a "
             "condition read.")
{
    return condition_field(L, args[0], CONDITION_TYPE);
}

LO_PRIMITIVE(p_condition_message, "%CONDITION-MESSAGE", INTERNAL, ANY, 1,
             1, "(condition)",
             "The message of CONDITION (a string, or NIL when its report is "
             "a function): what printing it without escapes shows.")
{
    return condition_field(L, args[0], CONDITION_MESSAGE);
}

LO_PRIMITIVE(p_condition_data, "%CONDITION-DATA", INTERNAL, ANY, 1, 1,
             "(condition)",
             "The property list of CONDITION's slots (:DATUM 1 ...): what "
             "the condition readers, such as TYPE-ERROR-DATUM, look in.")
{
    return condition_field(L, args[0], CONDITION_DATA);
}

LO_PRIMITIVE(p_conditionp, "%CONDITIONP", INTERNAL, ANY, 1, 1, "(object)",
             "True when OBJECT is a condition object, for TYPEP and "
             "TYPE-OF.")
{
    return lo_truth(L, lo_typep(args[0], LO_T_CONDITION));
}

/* (%raise condition): as an error -- to the handlers, then to the
 * evaluation entry point.  Never returns. */
LO_PRIMITIVE(p_raise, "%RAISE", INTERNAL, ANY, 1, 1, "(condition)",
             "Signal CONDITION as an error: offer it to the handlers, then "
             "leave for the evaluation entry point with it.  Never returns; "
             "ERROR ends with it.")
{
    lo_raise(L, lo_arg_condition(L, args[0]));
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
