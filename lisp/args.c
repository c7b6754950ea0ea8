/*
 * args.c -- the argument checkers of primitives (primitive.h), in the
 * manner of Lua's luaL_check*: each returns its argument when it has the
 * type wanted, else signals one TYPE-ERROR through lo_arg_error, whose
 * condition carries the datum and the expected type and whose message
 * names the primitive running (L->primitive, which the VM keeps).
 *
 * An expected type is given as its text, a symbol's name ("CONS") or a
 * list ("(INTEGER 2 36)"), which becomes the type specifier the condition
 * carries: read here by a small reader of symbols, keywords, integers and
 * lists -- all a type specifier in an error needs.
 */
#include <string.h>

#include "drivers/printf.h"
#include "lisp/internal.h"

/* The name of the primitive running, for messages. */
static const char *running(lo_lisp *L)
{
    return L->primitive ? L->primitive->name : "a built-in function";
}

static bool type_delimiter(char c)
{
    return c == '\0' || c == ' ' || c == '(' || c == ')';
}

/* One type specifier read from *text ("(INTEGER 0 (3))"): symbols as
 * lo_intern finds them (the standard's are COMMON-LISP's), :NAME a
 * keyword, digits a fixnum.  The texts are the C code's own. */
static lo_value type_form(lo_lisp *L, const char **text)
{
    const char *p = *text;
    while (*p == ' ')
        p++;
    if (*p == '(') {
        lo_value items[16];
        unsigned n = 0;
        for (p++;;) {
            while (*p == ' ')
                p++;
            if (*p == ')' || *p == '\0' || n == 16)
                break;
            items[n++] = type_form(L, &p);
        }
        *text = *p == ')' ? p + 1 : p;
        lo_value list = L->nil;     /* allocating moves nothing */
        while (n)
            list = lo_cons(L, items[--n], list);
        return list;
    }
    char atom[64];
    size_t len = 0;
    for (; !type_delimiter(*p); p++)
        if (len + 1 < sizeof atom)
            atom[len++] = *p;
    atom[len] = '\0';
    *text = p;
    bool minus = atom[0] == '-', digits = len > (size_t)minus;
    int64_t value = 0;
    for (size_t i = minus; i < len && digits; i++) {
        digits = atom[i] >= '0' && atom[i] <= '9';
        value = value * 10 + (atom[i] - '0');
    }
    if (digits)
        return lo_fixnum(minus ? -value : value);
    if (atom[0] == ':')
        return lo_intern_keyword(L, atom + 1);
    return lo_intern(L, atom);
}

lo_value lo_type_specifier(lo_lisp *L, const char *text)
{
    return type_form(L, &text);
}

/* "RPLACA: the value 1 is not of type CONS" -- the datum printed short;
 * op names the operation (NULL: the primitive running).  form is the
 * expected type when the caller made it, else it is read from the text. */
static _Noreturn void arg_error(lo_lisp *L, const char *op, lo_value datum,
                                const char *expected, lo_value form)
{
    char text[72];
    struct lo_text out = { .buf = text, .cap = sizeof text };
    lo_prin1(L, datum, &out);
    if (out.len + 1 >= out.cap)
        memcpy(text + sizeof text - 4, "...", 4);
    if (!form && expected[0] == '(') {
        const char *p = expected;
        form = type_form(L, &p);
    }
    lo_type_error_as(L, datum, expected, form,
                     "%s: the value %s is not of type %s",
                     op ? op : running(L), text, expected);
}

_Noreturn void lo_arg_error(lo_lisp *L, lo_value datum, const char *expected)
{
    arg_error(L, NULL, datum, expected, 0);
}

_Noreturn void lo_arg_error_op(lo_lisp *L, const char *op, lo_value datum,
                               const char *expected)
{
    arg_error(L, op, datum, expected, 0);
}

lo_value lo_improper_tail(lo_lisp *L, lo_value v)
{
    lo_value slow = v, fast = v;
    while (lo_consp(fast)) {
        fast = lo_cdr_raw(fast);
        if (!lo_consp(fast))
            break;
        fast = lo_cdr_raw(fast);
        slow = lo_cdr_raw(slow);
        if (lo_eq(fast, slow))
            return v;                   /* circular */
    }
    return lo_null(L, fast) ? v : fast;
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

lo_value lo_arg_string_with(lo_lisp *L, lo_value v, unsigned bits,
                            const char *op)
{
    lo_check_access(L, lo_arg_string(L, v), bits, op);
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
        lo_arg_error(L, lo_improper_tail(L, v), "LIST");
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
    arg_error(L, NULL, v, expected, form);
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
