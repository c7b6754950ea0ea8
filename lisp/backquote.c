/*
 * backquote.c -- `x as the calls of LIST, APPEND and QUOTE it stands for.
 *
 * The reader turns `x into (quasiquote x), ,x into (unquote x) and ,@x
 * into (unquote-splicing x); the compiler hands (quasiquote x) here and
 * compiles the result.  Nested backquotes keep their inner commas for the
 * inner level.
 */
#include "lisp/internal.h"

static bool is(lo_lisp *L, lo_value v, const char *name)
{
    return lo_symbolp(v) && lo_eq(v, lo_intern(L, name));
}

static lo_value list2(lo_lisp *L, const char *op, lo_value x)
{
    return lo_cons(L, lo_intern(L, op), lo_cons(L, x, L->nil));
}

static lo_value qq(lo_lisp *L, lo_value x, int depth);

static bool tagged(lo_lisp *L, lo_value x, const char *tag)
{
    return lo_consp(x) && is(L, lo_car_raw(x), tag) &&
           lo_consp(lo_cdr_raw(x));
}

static lo_value qq_list(lo_lisp *L, lo_value x, int depth)
{
    /* (append part ...) where each element is (list elt) or a splice */
    lo_value parts = L->nil, *tail = &parts;
    lo_value p = x;
    for (; lo_consp(p); p = lo_cdr_raw(p)) {
        if (tagged(L, p, "UNQUOTE") && depth == 1)
            break;                      /* `(a . ,b) */
        lo_value e = lo_car_raw(p), part;
        if (tagged(L, e, "UNQUOTE-SPLICING") && depth == 1)
            part = lo_car_raw(lo_cdr_raw(e));
        else
            part = list2(L, "LIST", qq(L, e, depth));
        *tail = lo_cons(L, part, L->nil);
        tail = &lo_ptr(*tail)[2];
    }
    if (!lo_null(L, p))
        *tail = lo_cons(L, qq(L, p, depth), L->nil);
    return lo_cons(L, lo_intern(L, "APPEND"), parts);
}

static lo_value qq(lo_lisp *L, lo_value x, int depth)
{
    if (!lo_consp(x))
        return (lo_symbolp(x) && !lo_null(L, x) && !lo_eq(x, L->t))
            ? list2(L, "QUOTE", x) : x;
    if (tagged(L, x, "UNQUOTE")) {
        if (depth == 1)
            return lo_car_raw(lo_cdr_raw(x));
        return lo_cons(L, lo_intern(L, "LIST"),
                       lo_cons(L, list2(L, "QUOTE", lo_intern(L, "UNQUOTE")),
                               lo_cons(L, qq(L, lo_car_raw(lo_cdr_raw(x)),
                                             depth - 1), L->nil)));
    }
    if (tagged(L, x, "QUASIQUOTE"))
        return lo_cons(L, lo_intern(L, "LIST"),
                       lo_cons(L, list2(L, "QUOTE", lo_intern(L, "QUASIQUOTE")),
                               lo_cons(L, qq(L, lo_car_raw(lo_cdr_raw(x)),
                                             depth + 1), L->nil)));
    return qq_list(L, x, depth);
}

lo_value lo_quasiquote(lo_lisp *L, lo_value x)
{
    return qq(L, x, 1);
}
