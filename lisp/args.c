/*
 * args.c -- the argument checkers of primitives (primitive.h), in the
 * manner of Lua's luaL_check*: each returns its argument when it has the
 * type wanted, else signals one TYPE-ERROR through lo_arg_error, whose
 * condition carries the datum and the expected type and whose message
 * names the primitive running (L->primitive, which the VM keeps).
 */
#include <string.h>

#include "drivers/printf.h"
#include "lisp/numbers.h"

/* The name of the primitive running, for messages. */
static const char *running(lo_lisp *L)
{
    return L->primitive ? L->primitive->name : "a built-in function";
}

/* ---- type specifiers from their text ---- */

static const char *skip_blanks(const char *s)
{
    while (*s == ' ')
        s++;
    return s;
}

/* One element of a specifier at *s: a list, an integer, a keyword or a
 * symbol (interned as lo_intern interns: the standard's names are
 * COMMON-LISP's). */
static lo_value specifier_at(lo_lisp *L, const char **s)
{
    const char *p = skip_blanks(*s);
    if (*p == '(') {
        lo_value head = L->nil, tail = L->nil;
        for (p = skip_blanks(p + 1); *p && *p != ')'; p = skip_blanks(p)) {
            lo_value cell = lo_cons(L, specifier_at(L, &p), L->nil);
            if (lo_null(L, head))
                head = cell;
            else
                lo_ptr(tail)[2] = cell;
            tail = cell;
        }
        *s = *p ? p + 1 : p;
        return head;
    }
    char token[64];
    size_t n = 0, digits = 0;
    bool negative = *p == '-';
    for (; p[n] && p[n] != ' ' && p[n] != '(' && p[n] != ')'; n++)
        if (n + 1 < sizeof token)
            token[n] = p[n];
    token[n < sizeof token ? n : sizeof token - 1] = '\0';
    *s = p + n;
    while (negative + digits < n && p[negative + digits] >= '0' &&
           p[negative + digits] <= '9')
        digits++;
    if (digits > 0 && negative + digits == n)
        return lo_digits_integer(L, p + negative, digits, 10, negative);
    if (token[0] == ':')
        return lo_intern_keyword(L, token + 1);
    return lo_intern(L, token);
}

lo_value lo_type_specifier(lo_lisp *L, const char *text)
{
    return specifier_at(L, &text);
}

/* "RPLACA: the value 1 is not of type CONS" -- the datum printed short;
 * a compound expected type is made from its text. */
static _Noreturn void arg_error(lo_lisp *L, const char *op, lo_value datum,
                                const char *expected)
{
    char text[72];
    struct lo_text out = { .buf = text, .cap = sizeof text };
    lo_prin1(L, datum, &out);
    if (out.len + 1 >= out.cap)
        memcpy(text + sizeof text - 4, "...", 4);
    lo_value form = expected[0] == '(' ? lo_type_specifier(L, expected) : 0;
    lo_type_error_as(L, datum, expected, form,
                     "%s: the value %s is not of type %s", op, text,
                     expected);
}

_Noreturn void lo_arg_error(lo_lisp *L, lo_value datum, const char *expected)
{
    arg_error(L, running(L), datum, expected);
}

_Noreturn void lo_arg_error_op(lo_lisp *L, const char *op, lo_value datum,
                               const char *expected)
{
    arg_error(L, op, datum, expected);
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
    char expected[48];
    lo_snprintf(expected, sizeof expected, "(INTEGER 0 (%llu))",
                (unsigned long long)end);
    lo_arg_error(L, v, expected);
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
