/*
 * conses.c -- the primitives of conses and lists (CLHS chapter 14) that
 * are written in C: CONS, CAR, CDR, LIST, APPEND, RPLACA, RPLACD and the
 * predicates.  The rest of the chapter is Lisp (lisp/boot/).  Conses
 * carry no access bits; what guards a cons of the system is its frozen
 * bit (freeze.c), checked on every write.
 */
#include "lisp/internal.h"

LO_PRIMITIVE(p_cons, "CONS", CL, ANY, 2, 2, "(object-1 object-2)",
             "A fresh cons whose car is OBJECT-1 and whose cdr is "
             "OBJECT-2.  Conses carry no access bits.")
{ return lo_cons(L, args[0], args[1]); }

LO_PRIMITIVE(p_car, "CAR", CL, ANY, 1, 1, "(list)",
             "The first element of LIST: the car of a cons, NIL when LIST is "
             "NIL.")
{ return lo_car(L, args[0]); }

LO_PRIMITIVE(p_cdr, "CDR", CL, ANY, 1, 1, "(list)",
             "The rest of LIST after its first element: the cdr of a cons, "
             "NIL when LIST is NIL.")
{ return lo_cdr(L, args[0]); }

LO_PRIMITIVE(p_list, "LIST", CL, ANY, 0, -1, "(&rest objects)",
             "A fresh list of the OBJECTS, in the order given.")
{
    lo_value list = L->nil;
    for (uint32_t i = nargs; i > 0; i--)
        list = lo_cons(L, args[i - 1], list);
    return list;
}

LO_PRIMITIVE(p_consp, "CONSP", CL, ANY, 1, 1, "(object)",
             "True when OBJECT is a cons.")
{ return lo_truth(L, lo_consp(args[0])); }

LO_PRIMITIVE(p_atom, "ATOM", CL, ANY, 1, 1, "(object)",
             "True when OBJECT is anything but a cons (NIL is an atom).")
{ return lo_truth(L, !lo_consp(args[0])); }

LO_PRIMITIVE(p_listp, "LISTP", CL, ANY, 1, 1, "(object)",
             "True when OBJECT is a cons or NIL.")
{ return lo_truth(L, lo_consp(args[0]) || lo_null(L, args[0])); }

LO_PRIMITIVE(p_null, "NULL", CL, ANY, 1, 1, "(object)",
             "T when OBJECT is NIL (the empty list), else NIL.")
{ return lo_truth(L, lo_null(L, args[0])); }

LO_PRIMITIVE_ALIAS(p_not, p_null, "NOT", CL, ANY, 1, 1, "(x)",
                   "T when X is false (NIL), else NIL: logical negation.");

LO_PRIMITIVE(p_rplaca, "RPLACA", CL, ANY, 2, 2, "(cons object)",
             "Make OBJECT the car of CONS, destructively; returns CONS.")
{
    lo_check_cons_write(L, lo_arg_cons(L, args[0]), "RPLACA");
    lo_ptr(args[0])[1] = args[1];
    return args[0];
}

LO_PRIMITIVE(p_rplacd, "RPLACD", CL, ANY, 2, 2, "(cons object)",
             "Make OBJECT the cdr of CONS, destructively; returns CONS.")
{
    lo_check_cons_write(L, lo_arg_cons(L, args[0]), "RPLACD");
    lo_ptr(args[0])[2] = args[1];
    return args[0];
}

/* (append list ... last): copies all but the last. */
LO_PRIMITIVE(p_append, "APPEND", CL, ANY, 0, -1, "(&rest lists)",
             "A list of the elements of all LISTS in order: every list but "
             "the last is copied, the last is shared (and may be any "
             "object).  Each list copied has at most 4096 elements here.")
{
    if (nargs == 0)
        return L->nil;
    lo_value result = args[nargs - 1];
    for (uint32_t i = nargs - 1; i > 0; i--) {
        lo_value list = lo_arg_list(L, args[i - 1], NULL);
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

const struct lo_primitive *const lo_prims_conses[] = {
    LO_ROW(p_cons),
    LO_ROW(p_car),
    LO_ROW(p_cdr),
    LO_ROW(p_list),
    LO_ROW(p_consp),
    LO_ROW(p_atom),
    LO_ROW(p_listp),
    LO_ROW(p_null),
    LO_ROW(p_not),
    LO_ROW(p_rplaca),
    LO_ROW(p_rplacd),
    LO_ROW(p_append),
    NULL,
};
