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

static lo_value p_symbol_value(lo_lisp *L, lo_value *a, uint32_t n)
{
    (void)n;
    check_symbol(L, a[0], "SYMBOL-VALUE");
    if (lo_null(L, a[0]) || lo_eq(a[0], L->t))
        return a[0];
    lo_value v = lo_symbol_value(L, a[0]);
    if (v == LO_UNBOUND)
        unbound(L, a[0], false);
    return v;
}

/* (set symbol value): the dynamic (or global) value. */
static lo_value p_set(lo_lisp *L, lo_value *a, uint32_t n)
{
    (void)n;
    check_symbol(L, a[0], "SET");
    if (lo_null(L, a[0]) || lo_eq(a[0], L->t))
        lo_error(L, "PROGRAM-ERROR", "SET: NIL and T are constants");
    lo_assign_checked(L, lo_variable_cell(L, a[0], true), a[1], "SET");
    return a[1];
}

static lo_value p_makunbound(lo_lisp *L, lo_value *a, uint32_t n)
{
    (void)n;
    check_symbol(L, a[0], "MAKUNBOUND");
    lo_value cell = lo_variable_cell(L, a[0], false);
    if (!lo_null(L, cell))
        lo_assign_checked(L, cell, LO_UNBOUND, "MAKUNBOUND");
    return a[0];
}

/* ---- functions of symbols ---- */

static lo_value p_symbol_function(lo_lisp *L, lo_value *a, uint32_t n)
{
    (void)n;
    check_symbol(L, a[0], "SYMBOL-FUNCTION");
    lo_value cell = lo_function_cell(L, a[0], false);
    if (lo_null(L, cell) || lo_cell_get(cell) == LO_UNBOUND)
        unbound(L, a[0], true);
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
static lo_value p_fdefinition(lo_lisp *L, lo_value *a, uint32_t n)
{
    lo_value sym = function_name_arg(L, a[0], "FDEFINITION");
    return p_symbol_function(L, &sym, n);
}

/* (%function-symbol name): where the function called name lives, for
 * the store forms of setf expansions. */
static lo_value p_function_symbol(lo_lisp *L, lo_value *a, uint32_t n)
{
    (void)n;
    return function_name_arg(L, a[0], "%FUNCTION-SYMBOL");
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
static lo_value p_set_symbol_function(lo_lisp *L, lo_value *a, uint32_t n)
{
    (void)n;
    check_symbol(L, a[0], "(SETF SYMBOL-FUNCTION)");
    if (!lo_typep(a[1], LO_T_FUNCTION) && !lo_typep(a[1], LO_T_PRIMITIVE) &&
        !lo_instance_callee(a[1]))
        lo_error(L, "TYPE-ERROR", "(SETF SYMBOL-FUNCTION): not a function");
    define_function(L, a[0], a[1], "(SETF SYMBOL-FUNCTION)");
    return a[1];
}

static lo_value p_fmakunbound(lo_lisp *L, lo_value *a, uint32_t n)
{
    (void)n;
    lo_value sym = function_name_arg(L, a[0], "FMAKUNBOUND");
    lo_value env = lo_current_env(L);
    lo_value cells[2] = { lo_function_cell(L, sym, false),
                          lo_macro_cell(L, sym, false) };
    for (int i = 0; i < 2; i++)
        if (!lo_null(L, cells[i]))
            lo_check_definable(L, env, cells[i], "FMAKUNBOUND");
    for (int i = 0; i < 2; i++)
        if (!lo_null(L, cells[i]))
            lo_cell_set(cells[i], LO_UNBOUND);
    return a[0];
}

static lo_value p_macro_function(lo_lisp *L, lo_value *a, uint32_t n)
{
    (void)n;
    check_symbol(L, a[0], "MACRO-FUNCTION");
    return lo_macro_function(L, a[0]);
}

static lo_value p_special_operator_p(lo_lisp *L, lo_value *a, uint32_t n)
{
    (void)n;
    check_symbol(L, a[0], "SPECIAL-OPERATOR-P");
    return lo_truth(L, lo_special_form_p(L, a[0]));
}

/* ---- property lists ---- */

static lo_value p_symbol_plist(lo_lisp *L, lo_value *a, uint32_t n)
{
    (void)n;
    check_symbol(L, a[0], "SYMBOL-PLIST");
    return *lo_plist_place(L, a[0], false);
}

/* (get symbol indicator [default]) */
static lo_value p_get(lo_lisp *L, lo_value *a, uint32_t n)
{
    check_symbol(L, a[0], "GET");
    for (lo_value l = *lo_plist_place(L, a[0], false);
         lo_consp(l) && lo_consp(lo_cdr_raw(l)); l = lo_cdr_raw(lo_cdr_raw(l)))
        if (lo_eq(lo_car_raw(l), a[1]))
            return lo_car_raw(lo_cdr_raw(l));
    return n > 2 ? a[2] : L->nil;
}

/* (%put symbol indicator value), for (setf get). */
static lo_value p_put(lo_lisp *L, lo_value *a, uint32_t n)
{
    (void)n;
    check_symbol(L, a[0], "(SETF GET)");
    if (lo_null(L, a[0]))
        lo_error(L, "PROGRAM-ERROR", "(SETF GET): NIL's property list is "
                 "constant");
    lo_value *plist = lo_plist_place(L, a[0], true);
    for (lo_value l = *plist;
         lo_consp(l) && lo_consp(lo_cdr_raw(l)); l = lo_cdr_raw(lo_cdr_raw(l)))
        if (lo_eq(lo_car_raw(l), a[1])) {
            lo_ptr(lo_cdr_raw(l))[1] = a[2];
            return a[2];
        }
    lo_value added = lo_cons(L, a[1], lo_cons(L, a[2], L->nil));
    plist = lo_plist_place(L, a[0], true);  /* (allocation moves nothing) */
    lo_ptr(lo_cdr_raw(added))[2] = *plist;
    *plist = added;
    return a[2];
}

static lo_value p_remprop(lo_lisp *L, lo_value *a, uint32_t n)
{
    (void)n;
    check_symbol(L, a[0], "REMPROP");
    lo_value *place = lo_plist_place(L, a[0], true);
    while (lo_consp(*place) && lo_consp(lo_cdr_raw(*place))) {
        if (lo_eq(lo_car_raw(*place), a[1])) {
            *place = lo_cdr_raw(lo_cdr_raw(*place));
            return L->t;
        }
        place = &lo_ptr(lo_cdr_raw(*place))[2];
    }
    return L->nil;
}

/* ---- evaluation ---- */

static lo_value p_eval(lo_lisp *L, lo_value *a, uint32_t n)
{
    (void)n;
    lo_value fn = lo_compile_toplevel(L, a[0]);
    return lo_vm_apply(L, fn, NULL, 0);
}

/* (compile name [definition]): name nil compiles a lambda expression (or
 * returns a function as it is); a name gets the definition as its
 * function.  Everything is compiled already, so a name alone is left as
 * it is.  Returns the function, nil, nil. */
static lo_value p_compile(lo_lisp *L, lo_value *a, uint32_t n)
{
    lo_value fn;
    if (n < 2 || lo_null(L, a[1])) {
        if (lo_null(L, a[0]))
            lo_error(L, "PROGRAM-ERROR", "COMPILE: nothing to compile");
        check_symbol(L, a[0], "COMPILE");
        lo_value cell = lo_function_cell(L, a[0], false);
        if (lo_null(L, cell) || lo_cell_get(cell) == LO_UNBOUND)
            unbound(L, a[0], true);
        fn = a[0];
    } else if (lo_typep(a[1], LO_T_FUNCTION) || lo_typep(a[1], LO_T_PRIMITIVE)) {
        fn = a[1];
    } else {
        lo_value code = lo_compile_toplevel(L, lo_cons(L,
            lo_intern(L, "FUNCTION"), lo_cons(L, a[1], L->nil)));
        fn = lo_vm_apply(L, code, NULL, 0);
    }
    if (!lo_null(L, a[0]) && n > 1 && !lo_null(L, a[1])) {
        check_symbol(L, a[0], "COMPILE");
        define_function(L, a[0], fn, "COMPILE");
        fn = a[0];
    }
    lo_value v[3] = { fn, L->nil, L->nil };
    return lo_values(L, 3, v);
}

const struct lo_primitive lo_prims_eval[] = {
    { "SYMBOL-VALUE", 1, 1, p_symbol_value },
    { "SET", 2, 2, p_set },
    { "MAKUNBOUND", 1, 1, p_makunbound },
    { "SYMBOL-FUNCTION", 1, 1, p_symbol_function },
    { "FDEFINITION", 1, 1, p_fdefinition },
    { "%SET-SYMBOL-FUNCTION", 2, 2, p_set_symbol_function },
    { "FMAKUNBOUND", 1, 1, p_fmakunbound },
    { "MACRO-FUNCTION", 1, 2, p_macro_function },
    { "SPECIAL-OPERATOR-P", 1, 1, p_special_operator_p },
    { "SYMBOL-PLIST", 1, 1, p_symbol_plist },
    { "GET", 2, 3, p_get },
    { "%PUT", 3, 3, p_put },
    { "REMPROP", 2, 2, p_remprop },
    { "EVAL", 1, 1, p_eval },
    { "COMPILE", 1, 2, p_compile },
    { "%FUNCTION-SYMBOL", 1, 1, p_function_symbol },
    { NULL, 0, 0, NULL },
};
