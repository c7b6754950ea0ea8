/*
 * args.c -- the argument checkers of primitives (primitive.h), in the
 * manner of Lua's luaL_check*: each returns its argument when it has the
 * type wanted, else signals one TYPE-ERROR through lo_arg_error, whose
 * condition carries the datum and the expected type and whose message
 * names the primitive running (L->primitive, which the VM keeps).
 */
#include <string.h>

#include "drivers/printf.h"
#include "lisp/internal.h"

/* The name of the primitive running, for messages. */
static const char *running(lo_lisp *L)
{
    return L->primitive ? L->primitive->name : "a built-in function";
}

/* "RPLACA: the value 1 is not of type CONS" -- the datum printed short. */
static _Noreturn void arg_error(lo_lisp *L, lo_value datum,
                                const char *expected, lo_value expected_form)
{
    char text[72];
    struct lo_text out = { .buf = text, .cap = sizeof text };
    lo_prin1(L, datum, &out);
    if (out.len + 1 >= out.cap)
        memcpy(text + sizeof text - 4, "...", 4);
    lo_type_error_as(L, datum, expected, expected_form,
                     "%s: the value %s is not of type %s", running(L), text,
                     expected);
}

_Noreturn void lo_arg_error(lo_lisp *L, lo_value datum, const char *expected)
{
    arg_error(L, datum, expected, 0);
}

lo_value lo_arg_symbol(lo_lisp *L, lo_value v)
{
    if (!lo_symbolp(v))
        lo_arg_error(L, v, "SYMBOL");
    return v;
}

lo_value lo_arg_string(lo_lisp *L, lo_value v)
{
    if (!lo_typep(v, LO_T_STRING))
        lo_arg_error(L, v, "STRING");
    return v;
}

lo_value lo_arg_cons(lo_lisp *L, lo_value v)
{
    if (!lo_consp(v))
        lo_arg_error(L, v, "CONS");
    return v;
}

lo_value lo_arg_list(lo_lisp *L, lo_value v, int64_t *length)
{
    int64_t n = lo_list_length(L, v);
    if (n < 0)
        lo_arg_error(L, v, "LIST");
    if (length)
        *length = n;
    return v;
}

int64_t lo_arg_fixnum(lo_lisp *L, lo_value v)
{
    if (!lo_fixnump(v))
        lo_arg_error(L, v, "FIXNUM");
    return lo_fixnum_value(v);
}

lo_value lo_arg_integer(lo_lisp *L, lo_value v)
{
    if (!lo_fixnump(v) && !lo_typep(v, LO_T_BIGNUM))
        lo_arg_error(L, v, "INTEGER");
    return v;
}

uint64_t lo_arg_index(lo_lisp *L, lo_value v, uint64_t end)
{
    if (lo_fixnump(v) && lo_fixnum_value(v) >= 0 &&
        (uint64_t)lo_fixnum_value(v) < end)
        return (uint64_t)lo_fixnum_value(v);
    /* (INTEGER 0 (end)), the type SBCL names for a bad index */
    lo_value bound = lo_cons(L, lo_fixnum((int64_t)end), L->nil);
    lo_value form = lo_cons(L, lo_intern(L, "INTEGER"),
                    lo_cons(L, lo_fixnum(0), lo_cons(L, bound, L->nil)));
    char expected[48];
    lo_snprintf(expected, sizeof expected, "(INTEGER 0 (%llu))",
                (unsigned long long)end);
    arg_error(L, v, expected, form);
}

lo_value lo_arg_function(lo_lisp *L, lo_value v)
{
    if (!lo_typep(v, LO_T_FUNCTION) && !lo_typep(v, LO_T_PRIMITIVE) &&
        !lo_instance_callee(v))
        lo_arg_error(L, v, "FUNCTION");
    return v;
}

lo_value lo_arg_vector(lo_lisp *L, lo_value v)
{
    if (!lo_typep(v, LO_T_VECTOR))
        lo_arg_error(L, v, "SIMPLE-VECTOR");
    return v;
}

lo_value lo_arg_character(lo_lisp *L, lo_value v)
{
    if (!lo_charp(v))
        lo_arg_error(L, v, "CHARACTER");
    return v;
}
