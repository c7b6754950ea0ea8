/*
 * access.c -- capabilities: checking a value's access bits (value.h) and
 * the ACCESS-DENIED condition a missing one signals.
 *
 * Which values carry access bits, and what each bit allows on each
 * built-in type, is docs/lisp.md's "Capabilities".  In short: pointers
 * to header objects carry them, except symbols (a symbol is found again
 * by its name, so restricting one would protect nothing) and numbers;
 * conses, fixnums and characters are not pointers to header objects.
 */
#include <string.h>

#include "drivers/printf.h"
#include "lisp/environment.h"
#include "lisp/internal.h"

bool lo_carries_access(lo_value v)
{
    if (!lo_objectp(v))
        return false;
    switch (lo_type_of_object(v)) {
    case LO_T_SYMBOL:
    case LO_T_BIGNUM:
    case LO_T_DOUBLE:
    case LO_T_RATIO:
        return false;
    default:
        return true;
    }
}

/* What a built-in type is called in an ACCESS-DENIED message. */
static const char *kind_name(lo_value v)
{
    if (lo_consp(v))
        return "cons";
    if (!lo_objectp(v))
        return "object";
    switch (lo_type_of_object(v)) {
    case LO_T_STRING:     return "string";
    case LO_T_VECTOR:     return "vector";
    case LO_T_BYTES:      return "byte vector";
    case LO_T_HASH_TABLE: return "hash table";
    case LO_T_STREAM:     return "stream";
    case LO_T_FUNCTION:
    case LO_T_PRIMITIVE:  return "function";
    case LO_T_INSTANCE:   return "instance";
    case LO_T_PACKAGE:    return "package";
    case LO_T_CONDITION:  return "condition";
    case LO_T_CONS:       return "cons";
    default:              return "object";
    }
}

static const char *bit_name(unsigned bit)
{
    return bit & LO_ACCESS_READ ? "read" : bit & LO_ACCESS_WRITE ? "write"
         : bit & LO_ACCESS_CALL ? "call" : "user";
}

struct denied { lo_value datum; const char *op; unsigned bit; };

/* The initargs: :datum (the value as the program held it, restricted),
 * :operation (the operation's name, a string) and :access (:read,
 * :write, :call or :user, the bit missing). */
static lo_value denied_data(lo_lisp *L, void *ctx)
{
    struct denied *d = ctx;
    const char *access = d->bit & LO_ACCESS_READ ? "READ"
                       : d->bit & LO_ACCESS_WRITE ? "WRITE"
                       : d->bit & LO_ACCESS_CALL ? "CALL" : "USER";
    return lo_cons(L, lo_intern_keyword(L, "DATUM"),
           lo_cons(L, d->datum,
           lo_cons(L, lo_intern_keyword(L, "OPERATION"),
           lo_cons(L, lo_make_string(L, d->op, strlen(d->op)),
           lo_cons(L, lo_intern_keyword(L, "ACCESS"),
           lo_cons(L, lo_intern_keyword(L, access), L->nil))))));
}

_Noreturn void lo_access_denied(lo_lisp *L, lo_value v, unsigned missing,
                                const char *op)
{
    /* report one bit: read before write before call */
    unsigned bit = missing & -missing;
    char message[LO_ERROR_MAX];
    lo_snprintf(message, sizeof message, "%s: no %s access to this %s", op,
                bit_name(bit), kind_name(v));
    struct denied d = { v, op, bit };
    lo_raise_error(L, "ACCESS-DENIED", message, denied_data, &d);
}

/* A write to one of the system's objects (freeze.c) by a user's code. */
_Noreturn void lo_access_denied_system(lo_lisp *L, lo_value v, const char *op)
{
    char message[LO_ERROR_MAX];
    lo_snprintf(message, sizeof message, "%s: no write access to this %s: "
                "it is the system's, shared by every user", op, kind_name(v));
    struct denied d = { v, op, LO_ACCESS_WRITE };
    lo_raise_error(L, "ACCESS-DENIED", message, denied_data, &d);
}

/* Brent's check, as lo_list_length: a circular list ends once every
 * cons of its cycle was seen. */
void lo_check_list_write(lo_lisp *L, lo_value list, const char *op)
{
    int64_t n = 0, next_mark = 1;
    lo_value mark = list;
    for (lo_value l = list; lo_consp(l);) {
        lo_check_cons_write(L, l, op);
        l = lo_cdr_raw(l);
        if (l == mark)
            return;
        if (++n == next_mark) {
            mark = l;
            next_mark *= 2;
        }
    }
}

/* A SYSTEM primitive runs only for the system: in an evaluation of the
 * system environment (L->env, chosen by the host) with no function of a
 * user's on the stack (lo_current_env).  A system function a user calls
 * acts for that user, so it cannot reach one either. */
void lo_check_privilege(lo_lisp *L, const struct lo_primitive *p)
{
    if (p->privilege == LO_PRIV_ANY ||
        (lo_env_is_system(L, L->env) && !lo_in_user_env(L)))
        return;
    lo_value fn = lo_cell_get(lo_function_cell(L, lo_primitive_symbol(L, p),
                                               true));
    char message[LO_ERROR_MAX];
    lo_snprintf(message, sizeof message, "%s: only the system may call "
                "this function, not a user's code", p->name);
    struct denied d = { fn, p->name, LO_ACCESS_CALL };
    lo_raise_error(L, "ACCESS-DENIED", message, denied_data, &d);
}

/* (%primitive-privilege function): :SYSTEM or :ANY for a primitive (its
 * row's privilege), NIL for any other function (and for a primitive this
 * build no longer has: primitives.c) -- what the audit of
 * what users can reach lists (tests/integration/lisp_audit.t). */
LO_PRIMITIVE(p_primitive_privilege, "%PRIMITIVE-PRIVILEGE", INTERNAL, ANY,
             1, 1, "(function)",
             "For a function written in C, who may call it: :SYSTEM (the "
             "system environment only) or :ANY; NIL for any other object.")
{
    if (!lo_typep(args[0], LO_T_PRIMITIVE))
        return L->nil;
    const struct lo_primitive *p = lo_primitive_of(args[0]);
    if (!p)                             /* removed from this build */
        return L->nil;
    return lo_intern_keyword(L, p->privilege == LO_PRIV_SYSTEM ? "SYSTEM"
                                                                : "ANY");
}

/* (access-bits x): the four access bits x grants (value.h).  Values that
 * carry none -- conses, numbers, characters, symbols (above) -- are
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

const struct lo_primitive *const lo_prims_access[] = {
    LO_ROW(p_primitive_privilege),
    LO_ROW(p_access_bits),
    LO_ROW(p_restrict),
    NULL,
};
