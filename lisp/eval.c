/*
 * eval.c -- the primitives of evaluation and compilation (CLHS chapter
 * 3): EVAL, COMPILE, MACRO-FUNCTION, MACROEXPAND, SPECIAL-OPERATOR-P;
 * and the reading loop of the entry points that take text
 * (lo_eval_text).  The cells of symbols they read are symbols.c's.
 */
#include <string.h>

#include "lisp/environment.h"
#include "lisp/package.h"

static _Noreturn void unbound(lo_lisp *L, lo_value sym, bool function)
{
    lo_cell_error(L, sym, function);
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

/* ---- evaluation ---- */

lo_value lo_eval_text(lo_lisp *L, const char *text)
{
    const char *cursor = text;
    lo_value form, value = L->nil;
    /* one source for the whole text: a stream a dispatch function needs
     * is made over it once (reader.c), and kept across the forms' runs */
    struct lo_read_source src = { text, L->nil };
    uint32_t mark = lo_roots_mark(L);
    lo_root(L, &src.stream);
    /* value is dropped, not kept, across the next form's run */
    while (lo_read_from(L, &src, &cursor, &form)) {
        lo_value fn = lo_compile_toplevel(L, form);
        value = lo_vm_apply(L, fn, NULL, 0);
    }
    lo_roots_release(L, mark);
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
        lo_define_function(L, args[0], fn, "COMPILE");
        fn = args[0];
    }
    lo_value v[3] = { fn, L->nil, L->nil };
    return lo_values(L, 3, v);
}

/* (macroexpand-1 form [env]) and (macroexpand form [env]): the expansion
 * and whether there was one. */
LO_PRIMITIVE(p_macroexpand_1, "MACROEXPAND-1", CL, ANY, 1, 2,
             "(form &optional env)",
             "Expand FORM once if it is a macro form (or a symbol macro) in "
             "ENV (NIL: the global environment).  Two values: the expansion "
             "(FORM itself when none) and whether it was expanded.")
{
    bool expanded;
    lo_value v[2];
    v[0] = lo_macroexpand_1(L, args[0], nargs > 1 ? args[1] : L->nil, &expanded);
    v[1] = lo_truth(L, expanded);
    return lo_values(L, 2, v);
}

LO_PRIMITIVE(p_macroexpand, "MACROEXPAND", CL, ANY, 1, 2,
             "(form &optional env)",
             "Expand FORM repeatedly in ENV (NIL: the global environment) "
             "until it is no macro form.  Two values: the final form and "
             "whether any expansion happened.")
{
    lo_value v[2] = { args[0], L->nil };
    for (bool expanded = true; expanded;) {
        v[0] = lo_macroexpand_1(L, v[0], nargs > 1 ? args[1] : L->nil, &expanded);
        if (expanded)
            v[1] = L->t;
    }
    return lo_values(L, 2, v);
}

const struct lo_primitive *const lo_prims_eval[] = {
    LO_ROW(p_macro_function),
    LO_ROW(p_special_operator_p),
    LO_ROW(p_eval),
    LO_ROW(p_compile),
    LO_ROW(p_macroexpand_1),
    LO_ROW(p_macroexpand),
    NULL,
};
