/*
 * eval.c -- primitives about symbols and evaluation: the values and
 * functions of symbols, property lists, EVAL, COMPILE; and the reading
 * loop of the entry points that take text (lo_eval_text).
 */
#include <string.h>

#include "lisp/environment.h"
#include "lisp/package.h"

static _Noreturn void unbound(lo_lisp *L, lo_value sym, bool function)
{
    lo_cell_error(L, sym, function);
}

/* ---- values of symbols ---- */

LO_PRIMITIVE(p_symbol_value, "SYMBOL-VALUE", CL, ANY, 1, 1, "(symbol)",
             "The value of SYMBOL as a variable: its dynamic binding, else "
             "its global value in the current environment.  An "
             "UNBOUND-VARIABLE error when it has none.")
{
    lo_arg_symbol(L, args[0]);
    if (lo_null(L, args[0]) || lo_eq(args[0], L->t))
        return args[0];
    lo_value v = lo_symbol_value(L, args[0]);
    if (v == LO_UNBOUND)
        unbound(L, args[0], false);
    return v;
}

/* (set symbol value): the dynamic (or global) value. */
LO_PRIMITIVE(p_set, "SET", CL, ANY, 2, 2, "(symbol value)",
             "Make VALUE the value of the variable SYMBOL (its dynamic "
             "binding, else its global value); returns VALUE.  A user's "
             "environment cannot change the system's global variables.")
{
    lo_arg_symbol(L, args[0]);
    if (lo_null(L, args[0]) || lo_eq(args[0], L->t))
        lo_error(L, "PROGRAM-ERROR", "SET: NIL and T are constants");
    lo_assign_checked(L, lo_variable_cell(L, args[0], true), args[1], "SET");
    return args[1];
}

LO_PRIMITIVE(p_makunbound, "MAKUNBOUND", CL, ANY, 1, 1, "(symbol)",
             "Leave the variable SYMBOL without a value (its dynamic "
             "binding, else its global value); returns SYMBOL.")
{
    lo_arg_symbol(L, args[0]);
    lo_value cell = lo_variable_cell(L, args[0], false);
    if (!lo_null(L, cell))
        lo_assign_checked(L, cell, LO_UNBOUND, "MAKUNBOUND");
    return args[0];
}

/* ---- functions of symbols ---- */

LO_PRIMITIVE(p_symbol_function, "SYMBOL-FUNCTION", CL, ANY, 1, 1,
             "(symbol)",
             "The global function named SYMBOL in the current environment; "
             "an UNDEFINED-FUNCTION error when there is none (a macro's name "
             "has none here).")
{
    lo_arg_symbol(L, args[0]);
    lo_value cell = lo_function_cell(L, args[0], false);
    if (lo_null(L, cell) || lo_cell_get(cell) == LO_UNBOUND)
        unbound(L, args[0], true);
    return lo_cell_get(cell);
}

/*
 * A function named (setf sym) lives in the function cell of a hidden
 * symbol: uninterned (no package reaches it, no name can collide with
 * it) and kept on sym's property list under %SETF-FUNCTION, so it
 * persists with sym.  Its name, "(SETF SYM)", is what the printer
 * shows; its own property list holds sym under %SETF-NAME, so that
 * errors and DESCRIBE can name the function (SETF SYM)
 * (lo_function_name).
 */
static bool setf_name_p(lo_lisp *L, lo_value name)
{
    return lo_consp(name) && lo_eq(lo_car_raw(name), lo_intern(L, "SETF")) &&
           lo_consp(lo_cdr_raw(name)) &&
           lo_symbolp(lo_car_raw(lo_cdr_raw(name))) &&
           lo_null(L, lo_cdr_raw(lo_cdr_raw(name)));
}

lo_value lo_function_symbol(lo_lisp *L, lo_value name, bool create)
{
    if (lo_symbolp(name))
        return name;
    if (!setf_name_p(L, name))
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
    lo_ptr(hidden)[SYM_PLIST] = lo_cons(L, lo_intern(L, "%SETF-NAME"),
                                        lo_cons(L, sym, L->nil));
    lo_ptr(sym)[SYM_PLIST] = lo_cons(L, key, lo_cons(L, hidden,
                                     lo_ptr(sym)[SYM_PLIST]));
    return hidden;
}

lo_value lo_function_name(lo_lisp *L, lo_value sym)
{
    if (!lo_symbolp(sym) || !lo_null(L, lo_ptr(sym)[SYM_PACKAGE]))
        return sym;
    lo_value plist = lo_ptr(sym)[SYM_PLIST];
    if (!lo_consp(plist) || !lo_eq(lo_car_raw(plist), lo_intern(L, "%SETF-NAME"))
        || !lo_consp(lo_cdr_raw(plist)))
        return sym;
    return lo_cons(L, lo_intern(L, "SETF"),
                   lo_cons(L, lo_car_raw(lo_cdr_raw(plist)), L->nil));
}

lo_value lo_arg_function_name(lo_lisp *L, lo_value name, bool create)
{
    if (!lo_symbolp(name) && !setf_name_p(L, name))
        lo_arg_error(L, name, "(OR SYMBOL (CONS (EQL SETF) (CONS SYMBOL "
                     "NULL)))");
    return lo_function_symbol(L, name, create);
}

/* (fdefinition name): name is a symbol or (setf symbol). */
LO_PRIMITIVE(p_fdefinition, "FDEFINITION", CL, ANY, 1, 1, "(function-name)",
             "The global function named FUNCTION-NAME, a symbol or (SETF "
             "symbol), in the current environment; an UNDEFINED-FUNCTION "
             "error when there is none.")
{
    lo_value sym = lo_arg_function_name(L, args[0], true);
    lo_value cell = lo_function_cell(L, sym, false);
    if (lo_null(L, cell) || lo_ptr(cell)[CELL_VALUE] == LO_UNBOUND)
        unbound(L, args[0], true);          /* named as given: (SETF F) */
    return lo_ptr(cell)[CELL_VALUE];
}

/* (%function-symbol name): where the function called name lives, for
 * the store forms of setf expansions. */
LO_PRIMITIVE(p_function_symbol, "%FUNCTION-SYMBOL", INTERNAL, ANY, 1, 1,
             "(function-name)",
             "The symbol whose function cell holds the function called "
             "FUNCTION-NAME: the symbol itself, or for (SETF symbol) a "
             "hidden one, made the first time.  SETF expansions store "
             "through it.")
{
    return lo_arg_function_name(L, args[0], true);
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
LO_PRIMITIVE(p_set_symbol_function, "%SET-SYMBOL-FUNCTION", INTERNAL, ANY,
             2, 2, "(symbol function)",
             "Make FUNCTION the global function named SYMBOL in the current "
             "environment, where it may define it; returns FUNCTION.  What "
             "(SETF SYMBOL-FUNCTION) and (SETF FDEFINITION) become.")
{
    lo_arg_symbol(L, args[0]);
    lo_arg_function(L, args[1]);
    define_function(L, args[0], args[1], "(SETF SYMBOL-FUNCTION)");
    return args[1];
}

LO_PRIMITIVE(p_fmakunbound, "FMAKUNBOUND", CL, ANY, 1, 1, "(name)",
             "Remove the global function or macro called NAME (a symbol or "
             "(SETF symbol)) from the current environment, where it may "
             "change it; returns NAME.")
{
    lo_value sym = lo_arg_function_name(L, args[0], true);
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

LO_PRIMITIVE(p_macro_function, "MACRO-FUNCTION", CL, ANY, 1, 2,
             "(symbol &optional environment)",
             "The expander of the global macro named SYMBOL in the current "
             "environment, or NIL.  ENVIRONMENT is accepted and not looked "
             "at: local macros are not seen.")
{
    lo_arg_symbol(L, args[0]);
    return lo_macro_function(L, args[0]);
}

LO_PRIMITIVE(p_special_operator_p, "SPECIAL-OPERATOR-P", CL, ANY, 1, 1,
             "(symbol)",
             "True when SYMBOL names a special operator (QUOTE, IF, LET, "
             "...), which the compiler handles itself.")
{
    lo_arg_symbol(L, args[0]);
    return lo_truth(L, lo_special_form_p(L, args[0]));
}

/* ---- property lists ---- */

LO_PRIMITIVE(p_symbol_plist, "SYMBOL-PLIST", CL, ANY, 1, 1, "(symbol)",
             "The property list of SYMBOL.  For a symbol of the system, a "
             "user's environment sees its own copy once it has changed one.")
{
    lo_arg_symbol(L, args[0]);
    return *lo_plist_place(L, args[0], false);
}

/* (get symbol indicator [default]) */
LO_PRIMITIVE(p_get, "GET", CL, ANY, 2, 3,
             "(symbol indicator &optional default)",
             "The value under INDICATOR (compared with EQ) on SYMBOL's "
             "property list, or DEFAULT (NIL) when there is none.")
{
    lo_arg_symbol(L, args[0]);
    for (lo_value l = *lo_plist_place(L, args[0], false);
         lo_consp(l) && lo_consp(lo_cdr_raw(l)); l = lo_cdr_raw(lo_cdr_raw(l)))
        if (lo_eq(lo_car_raw(l), args[1]))
            return lo_car_raw(lo_cdr_raw(l));
    return nargs > 2 ? args[2] : L->nil;
}

/* (%put symbol indicator value), for (setf get). */
LO_PRIMITIVE(p_put, "%PUT", INTERNAL, ANY, 3, 3, "(symbol indicator value)",
             "Store VALUE under INDICATOR on SYMBOL's property list (a user's "
             "own copy for a system symbol); returns VALUE.  What (SETF GET) "
             "becomes.")
{
    lo_arg_symbol(L, args[0]);
    if (lo_null(L, args[0]))
        lo_error(L, "PROGRAM-ERROR", "(SETF GET): NIL's property list is "
                 "constant");
    lo_value *plist = lo_plist_place(L, args[0], true);
    for (lo_value l = *plist;
         lo_consp(l) && lo_consp(lo_cdr_raw(l)); l = lo_cdr_raw(lo_cdr_raw(l)))
        if (lo_eq(lo_car_raw(l), args[1])) {
            /* the system's own list is frozen: the new value is frozen
             * with it (a whole walk follows a write the system may do) */
            lo_check_cons_write(L, lo_cdr_raw(l), "(SETF GET)");
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
             "Remove INDICATOR and its value from SYMBOL's property list, "
             "destructively; true when it was there.")
{
    lo_arg_symbol(L, args[0]);
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

lo_value lo_eval_text(lo_lisp *L, const char *text)
{
    const char *cursor = text;
    lo_value form, value = L->nil;
    /* value is dropped, not kept, across the next form's run */
    while (lo_read(L, &cursor, &form)) {
        lo_value fn = lo_compile_toplevel(L, form);
        value = lo_vm_apply(L, fn, NULL, 0);
    }
    return value;
}

LO_PRIMITIVE(p_eval, "EVAL", CL, ANY, 1, 1, "(form)",
             "Evaluate FORM in the current environment (with no lexical "
             "bindings) and return its values.  FORM is compiled first: "
             "everything runs compiled.")
{
    lo_value fn = lo_compile_toplevel(L, args[0]);
    return lo_vm_apply(L, fn, NULL, 0);
}

/* (compile name [definition]): name nil compiles a lambda expression (or
 * returns a function as it is); a name gets the definition as its
 * function.  Everything is compiled already, so a name alone is left as
 * it is.  Returns the function, nil, nil. */
LO_PRIMITIVE(p_compile, "COMPILE", CL, ANY, 1, 2,
             "(name &optional definition)",
             "Compile DEFINITION (a lambda expression or a function) and, when "
             "NAME is a symbol, make it NAME's global function and return "
             "NAME; NAME NIL returns the function.  Three values, the last "
             "two NIL.  Everything is compiled already, so NAME alone is "
             "left as it is.")
{
    lo_value fn;
    if (nargs < 2 || lo_null(L, args[1])) {
        if (lo_null(L, args[0]))
            lo_error(L, "PROGRAM-ERROR", "COMPILE: nothing to compile");
        lo_arg_symbol(L, args[0]);
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
        lo_arg_symbol(L, args[0]);
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
