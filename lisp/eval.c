/*
 * eval.c -- primitives about symbols and evaluation: the values and
 * functions of symbols, property lists, EVAL, COMPILE.
 */
#include <string.h>

#include "lisp/environment.h"
#include "lisp/package.h"

static void check_symbol(lo_lisp *L, lo_value v, const char *op)
{
    if (!lo_symbolp(v))
        lo_error(L, "TYPE-ERROR", "%s: not a symbol", op);
}

static _Noreturn void unbound(lo_lisp *L, lo_value sym, bool function)
{
    char name[64];
    lo_string_utf8(lo_symbol_name(sym), name, sizeof name);
    if (function)
        lo_error(L, "UNDEFINED-FUNCTION", "the function %s is undefined", name);
    lo_error(L, "UNBOUND-VARIABLE", "the variable %s is unbound", name);
}

/* ---- values of symbols ---- */

LO_PRIMITIVE(p_symbol_value, "SYMBOL-VALUE", CL, ANY, 1, 1, "(symbol)",
             "")
{
    check_symbol(L, args[0], "SYMBOL-VALUE");
    if (lo_null(L, args[0]) || lo_eq(args[0], L->t))
        return args[0];
    lo_value v = lo_symbol_value(L, args[0]);
    if (v == LO_UNBOUND)
        unbound(L, args[0], false);
    return v;
}

/* (set symbol value): the dynamic (or global) value. */
LO_PRIMITIVE(p_set, "SET", CL, ANY, 2, 2, "(symbol new-value)",
             "")
{
    check_symbol(L, args[0], "SET");
    if (lo_null(L, args[0]) || lo_eq(args[0], L->t))
        lo_error(L, "PROGRAM-ERROR", "SET: NIL and T are constants");
    lo_assign_checked(L, lo_variable_cell(L, args[0], true), args[1], "SET");
    return args[1];
}

LO_PRIMITIVE(p_makunbound, "MAKUNBOUND", CL, ANY, 1, 1, "(symbol)",
             "")
{
    check_symbol(L, args[0], "MAKUNBOUND");
    lo_value cell = lo_variable_cell(L, args[0], false);
    if (!lo_null(L, cell))
        lo_assign_checked(L, cell, LO_UNBOUND, "MAKUNBOUND");
    return args[0];
}

/* ---- functions of symbols ---- */

LO_PRIMITIVE(p_symbol_function, "SYMBOL-FUNCTION", CL, ANY, 1, 1, "(symbol)",
             "")
{
    check_symbol(L, args[0], "SYMBOL-FUNCTION");
    lo_value cell = lo_function_cell(L, args[0], false);
    if (lo_null(L, cell) || lo_cell_get(cell) == LO_UNBOUND)
        unbound(L, args[0], true);
    return lo_cell_get(cell);
}

/*
 * A function named (setf sym) lives in the function cell of a hidden
 * symbol: uninterned (no package reaches it, no name can collide with
 * it) and kept on sym's property list under %SETF-FUNCTION, so it
 * persists with sym.  Its name, "(SETF SYM)", is what errors and the
 * printer show.
 */
lo_value lo_function_symbol(lo_lisp *L, lo_value name, bool create)
{
    if (lo_symbolp(name))
        return name;
    if (!lo_consp(name) || !lo_symbolp(lo_car_raw(name)) ||
        !lo_eq(lo_car_raw(name), lo_intern(L, "SETF")) ||
        !lo_consp(lo_cdr_raw(name)) ||
        !lo_symbolp(lo_car_raw(lo_cdr_raw(name))) ||
        !lo_null(L, lo_cdr_raw(lo_cdr_raw(name))))
        return 0;
    lo_value sym = lo_car_raw(lo_cdr_raw(name));
    lo_value key = lo_intern(L, "%SETF-FUNCTION");
    for (lo_value l = lo_ptr(sym)[SYM_PLIST];
         lo_consp(l) && lo_consp(lo_cdr_raw(l)); l = lo_cdr_raw(lo_cdr_raw(l)))
        if (lo_eq(lo_car_raw(l), key))
            return lo_car_raw(lo_cdr_raw(l));
    if (!create)
        return 0;
    if (lo_null(L, sym))
        lo_error(L, "PROGRAM-ERROR", "(SETF NIL) cannot be defined");
    char text[300] = "(SETF ";
    size_t used = strlen(text);
    lo_string_utf8(lo_symbol_name(sym), text + used, sizeof text - used - 2);
    used = strlen(text);
    text[used] = ')';
    struct lo_name hidden_name = lo_name_of(lo_make_string(L, text, used + 1));
    lo_value hidden = lo_make_symbol(L, &hidden_name, L->nil);
    lo_ptr(sym)[SYM_PLIST] = lo_cons(L, key, lo_cons(L, hidden,
                                     lo_ptr(sym)[SYM_PLIST]));
    return hidden;
}

/* The symbol of a function name, for FDEFINITION and the like. */
static lo_value function_name_arg(lo_lisp *L, lo_value name, const char *op)
{
    lo_value sym = lo_function_symbol(L, name, true);
    if (!sym)
        lo_error(L, "TYPE-ERROR", "%s: not a function name", op);
    return sym;
}

/* (fdefinition name): name is a symbol or (setf symbol). */
LO_PRIMITIVE(p_fdefinition, "FDEFINITION", CL, ANY, 1, 1, "(name)",
             "")
{
    lo_value sym = function_name_arg(L, args[0], "FDEFINITION");
    return p_symbol_function(L, &sym, nargs);
}

/* (%function-symbol name): where the function called name lives, for
 * the store forms of setf expansions. */
LO_PRIMITIVE(p_function_symbol, "%FUNCTION-SYMBOL", INTERNAL, ANY, 1, 1, "(arg1)",
             "")
{
    return function_name_arg(L, args[0], "%FUNCTION-SYMBOL");
}

/* Make fn the global function named sym, where the current environment
 * may. */
static void define_function(lo_lisp *L, lo_value sym, lo_value fn,
                            const char *op)
{
    lo_value cell = lo_function_cell(L, sym, true);
    lo_check_definable(L, lo_current_env(L), cell, op);
    lo_cell_set(cell, fn);
}

/* (%set-symbol-function symbol function), for (setf symbol-function). */
LO_PRIMITIVE(p_set_symbol_function, "%SET-SYMBOL-FUNCTION", INTERNAL, ANY, 2, 2, "(arg1 arg2)",
             "")
{
    check_symbol(L, args[0], "(SETF SYMBOL-FUNCTION)");
    if (!lo_typep(args[1], LO_T_FUNCTION) && !lo_typep(args[1], LO_T_PRIMITIVE) &&
        !lo_instance_callee(args[1]))
        lo_error(L, "TYPE-ERROR", "(SETF SYMBOL-FUNCTION): not a function");
    define_function(L, args[0], args[1], "(SETF SYMBOL-FUNCTION)");
    return args[1];
}

LO_PRIMITIVE(p_fmakunbound, "FMAKUNBOUND", CL, ANY, 1, 1, "(name)",
             "")
{
    lo_value sym = function_name_arg(L, args[0], "FMAKUNBOUND");
    lo_value env = lo_current_env(L);
    lo_value cells[2] = { lo_function_cell(L, sym, false),
                          lo_macro_cell(L, sym, false) };
    for (int i = 0; i < 2; i++)
        if (!lo_null(L, cells[i]))
            lo_check_definable(L, env, cells[i], "FMAKUNBOUND");
    for (int i = 0; i < 2; i++)
        if (!lo_null(L, cells[i]))
            lo_cell_set(cells[i], LO_UNBOUND);
    return args[0];
}

LO_PRIMITIVE(p_macro_function, "MACRO-FUNCTION", CL, ANY, 1, 2, "(symbol &optional env)",
             "")
{
    check_symbol(L, args[0], "MACRO-FUNCTION");
    return lo_macro_function(L, args[0]);
}

LO_PRIMITIVE(p_special_operator_p, "SPECIAL-OPERATOR-P", CL, ANY, 1, 1, "(symbol)",
             "")
{
    check_symbol(L, args[0], "SPECIAL-OPERATOR-P");
    return lo_truth(L, lo_special_form_p(L, args[0]));
}

/* ---- property lists ---- */

LO_PRIMITIVE(p_symbol_plist, "SYMBOL-PLIST", CL, ANY, 1, 1, "(symbol)",
             "")
{
    check_symbol(L, args[0], "SYMBOL-PLIST");
    return *lo_plist_place(L, args[0], false);
}

/* (get symbol indicator [default]) */
LO_PRIMITIVE(p_get, "GET", CL, ANY, 2, 3, "(symbol indicator &optional (default nil))",
             "")
{
    check_symbol(L, args[0], "GET");
    for (lo_value l = *lo_plist_place(L, args[0], false);
         lo_consp(l) && lo_consp(lo_cdr_raw(l)); l = lo_cdr_raw(lo_cdr_raw(l)))
        if (lo_eq(lo_car_raw(l), args[1]))
            return lo_car_raw(lo_cdr_raw(l));
    return nargs > 2 ? args[2] : L->nil;
}

/* (%put symbol indicator value), for (setf get). */
LO_PRIMITIVE(p_put, "%PUT", INTERNAL, ANY, 3, 3, "(arg1 arg2 arg3)",
             "")
{
    check_symbol(L, args[0], "(SETF GET)");
    if (lo_null(L, args[0]))
        lo_error(L, "PROGRAM-ERROR", "(SETF GET): NIL's property list is "
                 "constant");
    lo_value *plist = lo_plist_place(L, args[0], true);
    for (lo_value l = *plist;
         lo_consp(l) && lo_consp(lo_cdr_raw(l)); l = lo_cdr_raw(lo_cdr_raw(l)))
        if (lo_eq(lo_car_raw(l), args[1])) {
            lo_ptr(lo_cdr_raw(l))[1] = args[2];
            return args[2];
        }
    lo_value added = lo_cons(L, args[1], lo_cons(L, args[2], L->nil));
    plist = lo_plist_place(L, args[0], true);  /* (allocation moves nothing) */
    lo_ptr(lo_cdr_raw(added))[2] = *plist;
    *plist = added;
    return args[2];
}

LO_PRIMITIVE(p_remprop, "REMPROP", CL, ANY, 2, 2, "(symbol indicator)",
             "")
{
    check_symbol(L, args[0], "REMPROP");
    lo_value *place = lo_plist_place(L, args[0], true);
    while (lo_consp(*place) && lo_consp(lo_cdr_raw(*place))) {
        if (lo_eq(lo_car_raw(*place), args[1])) {
            *place = lo_cdr_raw(lo_cdr_raw(*place));
            return L->t;
        }
        place = &lo_ptr(lo_cdr_raw(*place))[2];
    }
    return L->nil;
}

/* ---- evaluation ---- */

LO_PRIMITIVE(p_eval, "EVAL", CL, ANY, 1, 1, "(original-exp)",
             "")
{
    lo_value fn = lo_compile_toplevel(L, args[0]);
    return lo_vm_apply(L, fn, NULL, 0);
}

/* (compile name [definition]): name nil compiles a lambda expression (or
 * returns a function as it is); a name gets the definition as its
 * function.  Everything is compiled already, so a name alone is left as
 * it is.  Returns the function, nil, nil. */
LO_PRIMITIVE(p_compile, "COMPILE", CL, ANY, 1, 2, "(name &optional (definition (or (and (symbolp name) (macro-function name)) (fdefinition name))))",
             "")
{
    lo_value fn;
    if (nargs < 2 || lo_null(L, args[1])) {
        if (lo_null(L, args[0]))
            lo_error(L, "PROGRAM-ERROR", "COMPILE: nothing to compile");
        check_symbol(L, args[0], "COMPILE");
        lo_value cell = lo_function_cell(L, args[0], false);
        if (lo_null(L, cell) || lo_cell_get(cell) == LO_UNBOUND)
            unbound(L, args[0], true);
        fn = args[0];
    } else if (lo_typep(args[1], LO_T_FUNCTION) || lo_typep(args[1], LO_T_PRIMITIVE)) {
        fn = args[1];
    } else {
        lo_value code = lo_compile_toplevel(L, lo_cons(L,
            lo_intern(L, "FUNCTION"), lo_cons(L, args[1], L->nil)));
        fn = lo_vm_apply(L, code, NULL, 0);
    }
    if (!lo_null(L, args[0]) && nargs > 1 && !lo_null(L, args[1])) {
        check_symbol(L, args[0], "COMPILE");
        define_function(L, args[0], fn, "COMPILE");
        fn = args[0];
    }
    lo_value v[3] = { fn, L->nil, L->nil };
    return lo_values(L, 3, v);
}

const struct lo_primitive *const lo_prims_eval[] = {
    LO_ROW(p_symbol_value),
    LO_ROW(p_set),
    LO_ROW(p_makunbound),
    LO_ROW(p_symbol_function),
    LO_ROW(p_fdefinition),
    LO_ROW(p_set_symbol_function),
    LO_ROW(p_fmakunbound),
    LO_ROW(p_macro_function),
    LO_ROW(p_special_operator_p),
    LO_ROW(p_symbol_plist),
    LO_ROW(p_get),
    LO_ROW(p_put),
    LO_ROW(p_remprop),
    LO_ROW(p_eval),
    LO_ROW(p_compile),
    LO_ROW(p_function_symbol),
    NULL,
};
