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

static lo_value p_values(lo_lisp *L, lo_value *a, uint32_t n)
{
    return lo_values(L, n, a);
}

static lo_value p_values_list(lo_lisp *L, lo_value *a, uint32_t n)
{
    (void)n;
    int64_t len = lo_list_length(L, a[0]);
    if (len < 0)
        lo_error(L, "TYPE-ERROR", "VALUES-LIST: not a proper list");
    if (len > LO_MV_LIMIT)
        lo_error(L, "PROGRAM-ERROR", "VALUES-LIST: more than %d values",
                 LO_MV_LIMIT);
    lo_value v[LO_MV_LIMIT];
    int64_t i = 0;
    for (lo_value l = a[0]; lo_consp(l); l = lo_cdr_raw(l))
        v[i++] = lo_car_raw(l);
    return lo_values(L, (uint32_t)len, v);
}

/* ---- keyword arguments (the prologue of a function with &key) ---- */

/* (%key-tail plist key): the tail of plist after key's first occurrence
 * as a key, or nil. */
static lo_value p_key_tail(lo_lisp *L, lo_value *a, uint32_t n)
{
    (void)n;
    for (lo_value l = a[0]; lo_consp(l) && lo_consp(lo_cdr_raw(l));
         l = lo_cdr_raw(lo_cdr_raw(l)))
        if (lo_eq(lo_car_raw(l), a[1]))
            return lo_cdr_raw(l);
    return L->nil;
}

/* (%check-keys plist allowed): an even number of elements, and only
 * allowed keys unless allowed is T or :allow-other-keys is true in it. */
static lo_value p_check_keys(lo_lisp *L, lo_value *a, uint32_t n)
{
    (void)n;
    int64_t len = lo_list_length(L, a[0]);
    if (len < 0 || len % 2)
        lo_error(L, "PROGRAM-ERROR", "odd number of keyword arguments");
    if (lo_eq(a[1], L->t))
        return L->nil;
    lo_value bad = LO_UNBOUND;
    for (lo_value l = a[0]; lo_consp(l); l = lo_cdr_raw(lo_cdr_raw(l))) {
        lo_value key = lo_car_raw(l);
        if (lo_keyword_is(key, "ALLOW-OTHER-KEYS")) {
            if (!lo_null(L, lo_car_raw(lo_cdr_raw(l))))
                return L->nil;
            continue;
        }
        bool known = false;
        for (lo_value k = a[1]; lo_consp(k) && !known; k = lo_cdr_raw(k))
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

static lo_value p_make_condition(lo_lisp *L, lo_value *a, uint32_t n)
{
    if (!lo_symbolp(a[0]))
        lo_error(L, "TYPE-ERROR", "%%MAKE-CONDITION: the type is not a symbol");
    return lo_make_condition(L, a[0], n > 1 ? a[1] : L->nil,
                             n > 2 ? a[2] : L->nil);
}

static lo_value condition_field(lo_lisp *L, lo_value c, int field)
{
    if (!lo_typep(c, LO_T_CONDITION))
        lo_error(L, "TYPE-ERROR", "not a condition");
    return lo_ptr(c)[field];
}

static lo_value p_condition_type(lo_lisp *L, lo_value *a, uint32_t n)
{
    (void)n;
    return condition_field(L, a[0], CONDITION_TYPE);
}

static lo_value p_condition_message(lo_lisp *L, lo_value *a, uint32_t n)
{
    (void)n;
    return condition_field(L, a[0], CONDITION_MESSAGE);
}

static lo_value p_condition_data(lo_lisp *L, lo_value *a, uint32_t n)
{
    (void)n;
    return condition_field(L, a[0], CONDITION_DATA);
}

static lo_value p_conditionp(lo_lisp *L, lo_value *a, uint32_t n)
{
    (void)n;
    return lo_truth(L, lo_typep(a[0], LO_T_CONDITION));
}

/* (%raise condition): as an error -- to the handlers, then to the
 * evaluation entry point.  Never returns. */
static lo_value p_raise(lo_lisp *L, lo_value *a, uint32_t n)
{
    (void)n;
    if (!lo_typep(a[0], LO_T_CONDITION))
        lo_error(L, "TYPE-ERROR", "%%RAISE: not a condition");
    lo_raise(L, a[0]);
}

const struct lo_primitive lo_prims_control[] = {
    { "VALUES", 0, LO_MV_LIMIT, p_values },
    { "VALUES-LIST", 1, 1, p_values_list },
    { "%KEY-TAIL", 2, 2, p_key_tail },
    { "%CHECK-KEYS", 2, 2, p_check_keys },
    { "%MAKE-CONDITION", 1, 3, p_make_condition },
    { "%CONDITION-TYPE", 1, 1, p_condition_type },
    { "%CONDITION-MESSAGE", 1, 1, p_condition_message },
    { "%CONDITION-DATA", 1, 1, p_condition_data },
    { "%CONDITIONP", 1, 1, p_conditionp },
    { "%RAISE", 1, 1, p_raise },
    { NULL, 0, 0, NULL },
};
