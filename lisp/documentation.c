/*
 * documentation.c -- what DOCUMENTATION and DESCRIBE know of definitions
 * (the Lisp side is lisp/boot/92-documentation.lisp and 94-describe.lisp).
 *
 * A name's documentation lives on its property list, under the indicator
 * LISPOS-INTERNAL::%DOCUMENTATION, as an association list keyed by
 * documentation type (FUNCTION, VARIABLE, TYPE, STRUCTURE, SETF,
 * COMPILER-MACRO, METHOD-COMBINATION) plus the system's own keys:
 *
 *   %LAMBDA-LIST          the lambda list of the function or macro
 *   %SETF-DOCUMENTATION   the documentation of the function (SETF name)
 *   %SETF-LAMBDA-LIST     and its lambda list
 *
 * Property lists respect environments (environment.c, lo_plist_place): a
 * user who documents a system symbol changes a copy of its property list
 * of their own, so no one else sees it.  The list is therefore never
 * changed in place -- that copy shares it with the system's -- but
 * replaced by a fresh one.
 *
 * The definers record what they define: the compiler (compiler.c) calls
 * %NOTE-DEFINITION for DEFUN and DEFMACRO, and %SET-DOCUMENTATION for a
 * DEFVAR, DEFPARAMETER or DEFCONSTANT with a documentation string; the
 * boot code's DEFCLASS, DEFSTRUCT, DEFTYPE, DEFINE-CONDITION,
 * DEFGENERIC, DEFSETF, ... call %SET-DOCUMENTATION.  A primitive's
 * documentation and lambda list are in its row (primitive.h), which
 * %PRIMITIVE-INFO gives; a documentation string set on its name comes
 * first.
 */
#include <string.h>

#include "lisp/environment.h"

/* ---- the association list on a property list ---- */

static lo_value plist_get(lo_lisp *L, lo_value plist, lo_value key)
{
    for (lo_value l = plist; lo_consp(l) && lo_consp(lo_cdr_raw(l));
         l = lo_cdr_raw(lo_cdr_raw(l)))
        if (lo_eq(lo_car_raw(l), key))
            return lo_car_raw(lo_cdr_raw(l));
    return L->nil;
}

/* Put value under key on sym's property list, as the current environment
 * sees it (a user's own copy for a system symbol).  Changing a cons of
 * the system's list is the system's own write to a frozen object
 * (freeze.c), so that what it now holds gets frozen too. */
static void plist_put(lo_lisp *L, lo_value sym, lo_value key, lo_value value)
{
    lo_value *plist = lo_plist_place(L, sym, true);
    for (lo_value l = *plist; lo_consp(l) && lo_consp(lo_cdr_raw(l));
         l = lo_cdr_raw(lo_cdr_raw(l)))
        if (lo_eq(lo_car_raw(l), key)) {
            lo_check_cons_write(L, lo_cdr_raw(l), "(SETF DOCUMENTATION)");
            lo_ptr(lo_cdr_raw(l))[1] = value;
            return;
        }
    lo_value added = lo_cons(L, key, lo_cons(L, value, L->nil));
    plist = lo_plist_place(L, sym, true);   /* (allocation moves nothing) */
    lo_ptr(lo_cdr_raw(added))[2] = *plist;
    *plist = added;
}

static lo_value assq(lo_value alist, lo_value key)
{
    for (lo_value l = alist; lo_consp(l); l = lo_cdr_raw(l))
        if (lo_consp(lo_car_raw(l)) && lo_eq(lo_car_raw(lo_car_raw(l)), key))
            return lo_car_raw(l);
    return 0;
}

/*
 * Set n entries of sym's documentation list: keys[i] to values[i].  A
 * definition (definition[i] true) that brings no documentation (nil)
 * removes what an earlier one said but adds no entry, so undocumented
 * definitions cost nothing.
 */
static void set_entries(lo_lisp *L, lo_value sym, unsigned n,
                        const lo_value *keys, const lo_value *values,
                        const bool *definition)
{
    if (lo_null(L, sym))
        lo_error(L, "PROGRAM-ERROR", "(SETF DOCUMENTATION): NIL's property "
                 "list is constant");
    lo_value indicator = lo_intern(L, "%DOCUMENTATION");
    lo_value old = plist_get(L, *lo_plist_place(L, sym, false), indicator);
    lo_value fresh = L->nil;
    bool changed = false;
    for (unsigned i = 0; i < n; i++) {
        if (definition[i] && lo_null(L, values[i]) && !assq(old, keys[i]))
            continue;
        fresh = lo_cons(L, lo_cons(L, keys[i], values[i]), fresh);
        changed = true;
    }
    if (!changed)
        return;
    /* then the entries of the other keys, in their order */
    lo_value *tail = &fresh;
    while (lo_consp(*tail))
        tail = &lo_ptr(*tail)[2];
    for (lo_value l = old; lo_consp(l); l = lo_cdr_raw(l)) {
        lo_value entry = lo_car_raw(l);
        bool replaced = false;
        for (unsigned i = 0; i < n && !replaced; i++)
            replaced = lo_consp(entry) && lo_eq(lo_car_raw(entry), keys[i]);
        if (replaced)
            continue;
        *tail = lo_cons(L, entry, L->nil);
        tail = &lo_ptr(*tail)[2];
    }
    plist_put(L, sym, indicator, fresh);
}

static lo_value doc_arg(lo_lisp *L, lo_value v, const char *op)
{
    if (!lo_null(L, v) && !lo_typep(v, LO_T_STRING))
        lo_type_error_as(L, v, "(OR STRING NULL)",
                         lo_cons(L, lo_intern(L, "OR"),
                                 lo_cons(L, lo_intern(L, "STRING"),
                                         lo_cons(L, lo_intern(L, "NULL"),
                                                 L->nil))),
                         "%s: a documentation string is a string or NIL", op);
    return v;
}

/* (%set-documentation symbol key value &optional definition): the entry
 * key of symbol's documentation list is value, in the current
 * environment; definition says a definer sets it (see set_entries). */
LO_PRIMITIVE(p_set_documentation, "%SET-DOCUMENTATION", INTERNAL, ANY, 3, 4,
             "(symbol key value &optional definition)",
             "Set the entry KEY (a documentation type, or %LAMBDA-LIST, "
             "%SETF-DOCUMENTATION, %SETF-LAMBDA-LIST) of SYMBOL's "
             "documentation to VALUE, as the current environment sees it.")
{
    lo_value sym = lo_arg_symbol(L, args[0]);
    lo_arg_symbol(L, args[1]);
    bool definition = nargs > 3 && !lo_null(L, args[3]);
    set_entries(L, sym, 1, &args[1], &args[2], &definition);
    return args[2];
}

/* (%note-definition name lambda-list documentation): what DEFUN or
 * DEFMACRO defined (name a symbol or (SETF symbol)); the compiler calls
 * it after each. */
LO_PRIMITIVE(p_note_definition, "%NOTE-DEFINITION", INTERNAL, ANY, 3, 3,
             "(name lambda-list documentation)",
             "Record the lambda list and documentation string of the "
             "function or macro NAME just defined.")
{
    lo_value name = args[0], sym = name;
    bool setf = false;
    if (lo_consp(name) && lo_consp(lo_cdr_raw(name))) {
        sym = lo_car_raw(lo_cdr_raw(name));
        setf = true;
    }
    lo_arg_symbol(L, sym);
    doc_arg(L, args[2], "%NOTE-DEFINITION");
    lo_value keys[2] = {
        lo_intern(L, setf ? "%SETF-DOCUMENTATION" : "FUNCTION"),
        lo_intern(L, setf ? "%SETF-LAMBDA-LIST" : "%LAMBDA-LIST"),
    };
    lo_value values[2] = { args[2], args[1] };
    bool definition[2] = { true, false };
    set_entries(L, sym, 2, keys, values, definition);
    return name;
}

/* ---- functions ---- */

/* (%primitive-info function): when function is a primitive, its name,
 * its lambda list (text, as the row gives it) and its documentation
 * (nil when the row has none); else nil. */
LO_PRIMITIVE(p_primitive_info, "%PRIMITIVE-INFO", INTERNAL, ANY, 1, 1,
             "(function)",
             "The name, lambda list (a string) and documentation of the "
             "primitive FUNCTION, as three values; NIL when FUNCTION is "
             "not a primitive.")
{
    lo_value f = args[0];
    if (!lo_typep(f, LO_T_PRIMITIVE))
        return L->nil;
    /* One this build no longer has (primitives.c) is still a primitive:
     * nil here would send DESCRIBE looking for its lambda list through
     * its name, which names it, for ever. */
    const struct lo_primitive *p = lo_primitive_of(f);
    const char *ll = p && p->lambda_list ? p->lambda_list : "";
    const char *doc = !p ? "Removed from LispOS: this build has no such "
                           "function, and calling it signals "
                           "UNDEFINED-FUNCTION."
                  : p->doc ? p->doc : "";
    lo_value v[3] = {
        lo_ptr(f)[PRIM_NAME],
        lo_make_string(L, ll, strlen(ll)),
        *doc ? lo_make_string(L, doc, strlen(doc)) : L->nil,
    };
    return lo_values(L, 3, v);
}

/* (%function-name function): the name a function was defined under (a
 * DEFUN's or DEFMACRO's, a primitive's; nil for a lambda) and whether it
 * is a closure (holds variables of the code around it). */
LO_PRIMITIVE(p_function_name, "%FUNCTION-NAME", INTERNAL, ANY, 1, 1,
             "(function)",
             "The name FUNCTION was defined under ((SETF F) for a setf "
             "function, NIL for a lambda), and "
             "whether it is a closure, as two values.")
{
    lo_value f = args[0];
    lo_value v[2] = { L->nil, L->nil };
    if (lo_typep(f, LO_T_PRIMITIVE)) {
        v[0] = lo_ptr(f)[PRIM_NAME];
    } else if (lo_typep(f, LO_T_FUNCTION)) {
        v[0] = lo_ptr(lo_ptr(f)[FN_CODE])[CODE_NAME];
        v[1] = lo_truth(L, !lo_null(L, lo_ptr(f)[FN_ENV]));
    }
    v[0] = lo_symbolp(v[0]) ? lo_function_name(L, v[0]) : L->nil;
    return lo_values(L, 2, v);
}

/* (%function-source function): the lambda expression function was
 * compiled from, when its code kept it (compile_lambda.c, code_source:
 * users' code does, the system's does not, nor code made before layout 1
 * of the heap), else nil.  A macro's expander keeps its defmacro pattern
 * and body, which are not a lambda expression of the expander: nil too.
 * Needs the function's read bit, as DISASSEMBLE does: the source shows
 * what the code does. */
LO_PRIMITIVE(p_function_source, "%FUNCTION-SOURCE", INTERNAL, ANY, 1, 1,
             "(function)",
             "The lambda expression FUNCTION was compiled from, or NIL "
             "when it was not kept (system code, a macro's expander, code "
             "compiled before sources were kept).")
{
    lo_value f = args[0];
    if (!lo_typep(f, LO_T_FUNCTION))
        return L->nil;
    uint64_t *code = lo_ptr(lo_ptr(f)[FN_CODE]);
    if (!lo_code_has_source(code))
        return L->nil;
    lo_check_access(L, f, LO_ACCESS_READ, "FUNCTION-LAMBDA-EXPRESSION");
    lo_value source = code[CODE_SOURCE];
    if (lo_consp(source))
        return source;
    /* #(lambda macro-p free...): a closure's, or a macro expander's */
    if (lo_typep(source, LO_T_VECTOR) && lo_null(L, lo_ptr(source)[3]))
        return lo_ptr(source)[2];
    return L->nil;
}

const struct lo_primitive *const lo_prims_documentation[] = {
    LO_ROW(p_set_documentation),
    LO_ROW(p_note_definition),
    LO_ROW(p_primitive_info),
    LO_ROW(p_function_name),
    LO_ROW(p_function_source),
    NULL,
};
