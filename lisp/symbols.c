/*
 * symbols.c -- the primitives of symbols (CLHS chapter 10): a symbol's
 * name, its value (SYMBOL-VALUE, SET, BOUNDP, MAKUNBOUND), its function
 * (SYMBOL-FUNCTION and, though the standard puts them in chapter 5,
 * FDEFINITION, FBOUNDP, FMAKUNBOUND, with the hidden symbols that hold
 * (SETF name) functions), its property list, its home package, GENSYM.
 * Where the values live -- per environment, in binding cells -- is
 * environment.c's business; interning and packages are package.c's.
 */
#include <string.h>

#include "lisp/environment.h"
#include "lisp/numbers.h"
#include "lisp/package.h"
#include "lisp/sequences.h"
#include "lisp/streams.h"

static _Noreturn void unbound(lo_lisp *L, lo_value sym, bool function)
{
    lo_cell_error(L, sym, function);
}

/* ---- names ---- */

LO_PRIMITIVE(p_symbolp, "SYMBOLP", CL, ANY, 1, 1, "(object)",
             "True when OBJECT is a symbol (NIL and T included).")
{ return lo_truth(L, lo_symbolp(args[0])); }

LO_PRIMITIVE(p_symbol_name, "SYMBOL-NAME", CL, ANY, 1, 1, "(symbol)",
             "The name of SYMBOL, a string without the write bit: changing it "
             "would rename the symbol.")
{
    return lo_read_only(lo_symbol_name(lo_arg_symbol(L, args[0])));
}

/* (make-symbol name): a fresh symbol in no package, with a copy of the
 * name (changing the string later does not rename the symbol). */
LO_PRIMITIVE(p_make_symbol, "MAKE-SYMBOL", CL, ANY, 1, 1, "(name)",
             "A fresh symbol in no package, named by a copy of the string "
             "NAME (whose read bit is needed), without value or function.")
{
    struct lo_name name = lo_name_of(lo_arg_string_with(L, args[0],
                                                        LO_ACCESS_READ,
                                                        "MAKE-SYMBOL"));
    return lo_make_symbol(L, &name, L->nil);
}

/* ---- values ---- */

LO_PRIMITIVE(p_symbol_value, "SYMBOL-VALUE", CL, ANY, 1, 1, "(symbol)",
             "The value of SYMBOL as a variable: its dynamic binding, else "
             "its global value in the current environment.  An "
             "UNBOUND-VARIABLE error when it has none.")
{
    lo_arg_symbol(L, args[0]);
    if (lo_null(L, args[0]) || lo_eq(args[0], L->t) || lo_keywordp(args[0]))
        return args[0];                 /* constants naming themselves */
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

LO_PRIMITIVE(p_boundp, "BOUNDP", CL, ANY, 1, 1, "(symbol)",
             "True when SYMBOL has a value as a variable (dynamic or global) "
             "in the current environment.  Keywords, NIL and T always do.")
{
    lo_arg_symbol(L, args[0]);
    if (lo_eq(args[0], L->nil) || lo_eq(args[0], L->t) || lo_keywordp(args[0]))
        return L->t;
    return lo_truth(L, lo_symbol_value(L, args[0]) != LO_UNBOUND);
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
    /* through the environment: a user's (SETF CAR) is on the user's copy
     * of CAR's property list, never on the system's */
    for (lo_value l = *lo_plist_place(L, sym, false);
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
    lo_value entry = lo_cons(L, key, lo_cons(L, hidden, L->nil));
    lo_value *plist = lo_plist_place(L, sym, true);  /* allocation moves nothing */
    lo_ptr(lo_cdr_raw(entry))[2] = *plist;
    *plist = entry;
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

/* Make fn the global function named sym, where the current environment
 * may. */
void lo_define_function(lo_lisp *L, lo_value sym, lo_value fn,
                            const char *op)
{
    lo_value cell = lo_function_cell(L, sym, true);
    lo_check_definable(L, lo_current_env(L), cell, op);
    lo_cell_set(cell, fn);
    lo_note_definition(L, cell);
}

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

/* (fboundp name): true when name is bound to a function or a macro. */
LO_PRIMITIVE(p_fboundp, "FBOUNDP", CL, ANY, 1, 1, "(name)",
             "True when NAME (a symbol or (SETF symbol)) names a global "
             "function or a macro in the current environment.")
{
    /* (setf f): its hidden symbol, when one was made */
    lo_value name = lo_arg_function_name(L, args[0], false);
    if (!name)
        return L->nil;
    lo_value cell = lo_function_cell(L, name, false);
    if (!lo_null(L, cell) && lo_cell_get(cell) != LO_UNBOUND)
        return L->t;
    return lo_truth(L, !lo_null(L, lo_macro_function(L, name)));
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

/* (%set-symbol-function symbol function), for (setf symbol-function). */
LO_PRIMITIVE(p_set_symbol_function, "%SET-SYMBOL-FUNCTION", INTERNAL, ANY,
             2, 2, "(symbol function)",
             "Make FUNCTION the global function named SYMBOL in the current "
             "environment, where it may define it; returns FUNCTION.  What "
             "(SETF SYMBOL-FUNCTION) and (SETF FDEFINITION) become.")
{
    lo_arg_symbol(L, args[0]);
    lo_arg_function(L, args[1]);
    lo_define_function(L, args[0], args[1], "(SETF SYMBOL-FUNCTION)");
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

/* ---- home package, keywords, fresh symbols ---- */

LO_PRIMITIVE(p_symbol_package, "SYMBOL-PACKAGE", CL, ANY, 1, 1, "(symbol)",
             "The home package of SYMBOL, or NIL when it has none (or it "
             "has been deleted).")
{
    lo_value home = lo_ptr(lo_arg_symbol(L, args[0]))[SYM_PACKAGE];
    return lo_packagep(home) && !lo_package_deleted(home) ? home : L->nil;
}

LO_PRIMITIVE(p_keywordp, "KEYWORDP", CL, ANY, 1, 1, "(object)",
             "True when OBJECT is a symbol of the KEYWORD package.")
{
    return lo_truth(L, lo_keywordp(args[0]));
}

/* The decimal digits of a non-negative integer, as a string. */
static lo_value decimal(lo_lisp *L, lo_value n)
{
    lo_value stream = lo_make_string_stream(L);
    char buf[64];
    struct lo_text t;
    lo_text_to_stream(&t, L, stream, buf, sizeof buf);
    lo_print_number(L, n, 10, false, &t);
    lo_text_finish(&t);
    return lo_stream_take_string(L, stream);
}

/* (gensym &optional x): #:G<counter>, #:<x><counter> for a string x, or
 * #:G<x> for a non-negative integer x. */
LO_PRIMITIVE(p_gensym, "GENSYM", CL, ANY, 0, 1, "(&optional x)",
             "A fresh uninterned symbol named G followed by a counter "
             "(incremented); with a string X, named X followed by the "
             "counter; with a non-negative integer X, named G followed by X.")
{
    if (nargs == 0)
        return lo_gensym(L);
    lo_value prefix, number;
    if (lo_integerp(args[0]) && lo_int_compare(args[0], lo_fixnum(0)) >= 0) {
        number = args[0];
        prefix = lo_make_string(L, "G", 1);
    } else if (lo_typep(args[0], LO_T_STRING)) {
        prefix = lo_arg_string_with(L, args[0], LO_ACCESS_READ, "GENSYM");
        number = lo_make_integer(L, (int64_t)++L->gensym_counter);
    } else {
        lo_arg_error(L, args[0], "(OR STRING UNSIGNED-BYTE)");
    }
    lo_value digits = decimal(L, number);
    uint64_t plen = lo_string_length(prefix), dlen = lo_string_length(digits);
    lo_value s = lo_alloc_string(L, plen + dlen);
    memcpy(lo_string_chars(s), lo_string_chars(prefix), plen * 4);
    memcpy(lo_string_chars(s) + plen, lo_string_chars(digits), dlen * 4);
    struct lo_name name = lo_name_of(s);
    return lo_make_symbol(L, &name, L->nil);
}

const struct lo_primitive *const lo_prims_symbols[] = {
    LO_ROW(p_symbolp),
    LO_ROW(p_symbol_name),
    LO_ROW(p_make_symbol),
    LO_ROW(p_symbol_value),
    LO_ROW(p_set),
    LO_ROW(p_boundp),
    LO_ROW(p_makunbound),
    LO_ROW(p_symbol_function),
    LO_ROW(p_fdefinition),
    LO_ROW(p_fboundp),
    LO_ROW(p_function_symbol),
    LO_ROW(p_set_symbol_function),
    LO_ROW(p_fmakunbound),
    LO_ROW(p_symbol_plist),
    LO_ROW(p_get),
    LO_ROW(p_put),
    LO_ROW(p_remprop),
    LO_ROW(p_symbol_package),
    LO_ROW(p_keywordp),
    LO_ROW(p_gensym),
    NULL,
};
