/*
 * package_prims.c -- the Lisp functions of packages and symbols (the
 * work is package.c's):
 *
 *   packages  find-package make-package delete-package rename-package
 *             package-name package-nicknames package-use-list
 *             package-used-by-list package-shadowing-symbols packagep
 *             list-all-packages use-package unuse-package
 *   symbols   intern find-symbol unintern export unexport import
 *             shadowing-import shadow find-all-symbols
 *   helpers   %in-package and %defpackage (under the IN-PACKAGE and
 *             DEFPACKAGE macros of lisp/boot), %package-symbols and
 *             %all-symbols (under DO-SYMBOLS and its kin)
 *
 * (READ-FROM-STRING, which reads with *PACKAGE*, is input.c's.)
 * Arguments follow Common Lisp: a package designator is a package or a
 * string designator (string, symbol, character) naming one; a symbol list
 * designator is a symbol or a list of them (NIL: none).  Errors are
 * TYPE-ERROR for a wrong kind of argument and PACKAGE-ERROR otherwise.
 */
#include <string.h>

#include "lisp/numbers.h"
#include "lisp/package.h"
#include "lisp/sequences.h"
#include "lisp/streams.h"

/* ---- arguments ------------------------------------------------------------ */

/* The types of designators, as SBCL spells them in its TYPE-ERRORs. */
#define STRING_DESIGNATOR "(OR STRING SYMBOL CHARACTER)"
#define PACKAGE_DESIGNATOR "(OR STRING SYMBOL CHARACTER PACKAGE)"

static bool string_designator_p(lo_value v)
{
    return lo_typep(v, LO_T_STRING) || lo_symbolp(v) || lo_charp(v);
}

/* A string designator as a string (the symbol's own name; a new string
 * for a character). */
static lo_value name_arg(lo_lisp *L, lo_value v, const char *op)
{
    if (lo_typep(v, LO_T_STRING)) {
        lo_check_access(L, v, LO_ACCESS_READ, op);
        return v;
    }
    if (lo_symbolp(v))
        return lo_symbol_name(v);
    if (lo_charp(v)) {
        lo_value s = lo_alloc_string(L, 1);
        lo_string_chars(s)[0] = lo_char_code(v);
        return s;
    }
    lo_arg_error_op(L, op, v, STRING_DESIGNATOR);
}

/* A package or nil, for the name a designator gives. */
static lo_value find_package(lo_lisp *L, lo_value v, const char *op)
{
    if (lo_packagep(v))
        return v;
    if (!string_designator_p(v))
        lo_arg_error_op(L, op, v, PACKAGE_DESIGNATOR);
    struct lo_name name = lo_name_of(name_arg(L, v, op));
    return lo_find_package_named(L, &name);
}

/* A live package, else a PACKAGE-ERROR. */
static lo_value package_arg(lo_lisp *L, lo_value v, const char *op)
{
    lo_value pkg = find_package(L, v, op);
    if (lo_null(L, pkg)) {
        char buf[128];
        lo_string_utf8(name_arg(L, v, op), buf, sizeof buf);
        lo_error_initargs(L, "PACKAGE-ERROR",
                          &(struct lo_initarg){ "PACKAGE", v }, 1,
                          "%s: there is no package named %s", op, buf);
    }
    if (lo_package_deleted(pkg))
        lo_error_initargs(L, "PACKAGE-ERROR",
                          &(struct lo_initarg){ "PACKAGE", pkg }, 1,
                          "%s: the package has been deleted", op);
    return pkg;
}

/* Optional argument i: a package, by default *PACKAGE*. */
static lo_value package_opt(lo_lisp *L, lo_value *a, uint32_t n, uint32_t i,
                            const char *op)
{
    return i < n ? package_arg(L, a[i], op) : lo_current_package(L, true);
}

/* A list designator: x alone, or the list x (NIL: the empty list).  An
 * atom that is no designator of an element is a TYPE-ERROR of type
 * atom_type (SBCL's for the argument). */
static lo_value list_of(lo_lisp *L, lo_value x, bool element_p(lo_value),
                        const char *atom_type, const char *op)
{
    if (lo_null(L, x) || lo_consp(x)) {
        lo_list_length_arg(L, x);
        return x;
    }
    if (!element_p(x))
        lo_arg_error_op(L, op, x, atom_type);
    return lo_cons(L, x, L->nil);
}

static bool symbol_p(lo_value v) { return lo_symbolp(v); }

static lo_value symbols_arg(lo_lisp *L, lo_value x, const char *op)
{
    lo_value list = list_of(L, x, symbol_p, "(OR CONS SYMBOL)", op);
    for (lo_value l = list; lo_consp(l); l = lo_cdr_raw(l))
        if (!lo_symbolp(lo_car_raw(l)))
            lo_arg_error_op(L, op, lo_car_raw(l), "SYMBOL");
    return list;
}

static lo_value copy_list(lo_lisp *L, lo_value list, bool names)
{
    if (!lo_consp(list))
        return L->nil;
    lo_value x = lo_car_raw(list);
    return lo_cons(L, names ? lo_read_only(x) : x,
                   copy_list(L, lo_cdr_raw(list), names));
}

static lo_value status_keyword(lo_lisp *L, enum lo_sym_status s)
{
    switch (s) {
    case LO_SYM_INTERNAL: return lo_intern_keyword(L, "INTERNAL");
    case LO_SYM_EXTERNAL: return lo_intern_keyword(L, "EXTERNAL");
    case LO_SYM_INHERITED: return lo_intern_keyword(L, "INHERITED");
    default: return L->nil;
    }
}

/* ---- packages ------------------------------------------------------------- */

LO_PRIMITIVE(p_find_package, "FIND-PACKAGE", CL, ANY, 1, 1, "(name)",
             "The package named NAME (a string designator, matched against "
             "names and nicknames), or NIL; a package is returned itself.  "
             "Only the packages the caller's environment sees are found.")
{
    return find_package(L, args[0], "FIND-PACKAGE");
}

LO_PRIMITIVE(p_packagep, "PACKAGEP", CL, ANY, 1, 1, "(object)",
             "True when OBJECT is a package.")
{
    return lo_truth(L, lo_packagep(args[0]));
}

/* Strings for each string designator of a list designator (atom_type:
 * list_of's). */
static lo_value names_arg(lo_lisp *L, lo_value x, const char *atom_type,
                          const char *op)
{
    lo_value out = L->nil;
    for (lo_value l = list_of(L, x, string_designator_p, atom_type, op);
         lo_consp(l); l = lo_cdr_raw(l))
        out = lo_cons(L, name_arg(L, lo_car_raw(l), op), out);
    return out;                         /* reversed: SBCL's order after */
}

static bool package_designator_p(lo_value v)
{
    return lo_packagep(v) || string_designator_p(v);
}

static lo_value packages_arg(lo_lisp *L, lo_value x, const char *atom_type,
                             const char *op)
{
    lo_value out = L->nil;
    for (lo_value l = list_of(L, x, package_designator_p, atom_type, op);
         lo_consp(l); l = lo_cdr_raw(l))
        out = lo_cons(L, package_arg(L, lo_car_raw(l), op), out);
    return out;
}

/* Reverse a fresh list (the helpers above build theirs backwards). */
static lo_value reverse(lo_lisp *L, lo_value list)
{
    lo_value out = L->nil;
    for (; lo_consp(list); list = lo_cdr_raw(list))
        out = lo_cons(L, lo_car_raw(list), out);
    return out;
}

/* (make-package name &key nicknames use): NIL is the default use list,
 * as in SBCL. */
LO_PRIMITIVE(p_make_package, "MAKE-PACKAGE", CL, ANY, 1, -1,
             "(package-name &key nicknames use)",
             "A new package named PACKAGE-NAME with the NICKNAMES given, "
             "using the packages USE lists (none by default, as in SBCL).  "
             "A name already in use signals PACKAGE-ERROR.")
{
    lo_value keys[2];
    lo_parse_keys(L, "MAKE-PACKAGE", args, nargs, 1, "NICKNAMES USE", keys);
    lo_value name = name_arg(L, args[0], "MAKE-PACKAGE");
    lo_value nicknames = keys[0] == LO_UNBOUND ? L->nil
        : reverse(L, names_arg(L, keys[0], "LIST", "MAKE-PACKAGE"));
    lo_value use = keys[1] == LO_UNBOUND ? L->nil
        : reverse(L, packages_arg(L, keys[1], "LIST", "MAKE-PACKAGE"));
    return lo_make_package(L, name, nicknames, use);
}

/* (delete-package package): T, or NIL when it was deleted already. */
LO_PRIMITIVE(p_delete_package, "DELETE-PACKAGE", CL, ANY, 1, 1, "(package)",
             "Delete PACKAGE, freeing its names; its symbols lose their "
             "home package.  T, or NIL when it was deleted already.  "
             "COMMON-LISP, KEYWORD, a package others use and, from a user's "
             "environment, the system's packages cannot be deleted.")
{
    lo_value pkg = lo_packagep(args[0]) ? args[0]
                 : package_arg(L, args[0], "DELETE-PACKAGE");
    return lo_truth(L, lo_delete_package(L, pkg));
}

LO_PRIMITIVE(p_rename_package, "RENAME-PACKAGE", CL, ANY, 2, 3,
             "(package new-name &optional new-nicknames)",
             "Give PACKAGE the name NEW-NAME and the nicknames "
             "NEW-NICKNAMES (replacing the old ones); returns PACKAGE.  "
             "Packages of the system environment cannot be changed from a "
             "user's.")
{
    lo_value pkg = package_arg(L, args[0], "RENAME-PACKAGE");
    if (!package_designator_p(args[1]))
        lo_arg_error(L, args[1], PACKAGE_DESIGNATOR);
    lo_value name = lo_packagep(args[1]) ? lo_ptr(args[1])[PKG_NAME]
                  : name_arg(L, args[1], "RENAME-PACKAGE");
    lo_value nicknames = nargs > 2 ? reverse(L, names_arg(L, args[2], "LIST",
                                                      "RENAME-PACKAGE"))
                               : L->nil;
    lo_rename_package(L, pkg, name, nicknames);
    return pkg;
}

/* The package a designator names, deleted ones included (their name is
 * NIL), for the readers below. */
static lo_value any_package(lo_lisp *L, lo_value v, const char *op)
{
    return lo_packagep(v) ? v : package_arg(L, v, op);
}

LO_PRIMITIVE(p_package_name, "PACKAGE-NAME", CL, ANY, 1, 1, "(package)",
             "The name of PACKAGE, a string that cannot be changed; NIL for "
             "a deleted package.")
{
    lo_value name = lo_ptr(any_package(L, args[0], "PACKAGE-NAME"))[PKG_NAME];
    return lo_null(L, name) ? name : lo_read_only(name);
}

static lo_value package_list(lo_lisp *L, lo_value v, unsigned slot,
                             const char *op)
{
    return copy_list(L, lo_ptr(any_package(L, v, op))[slot],
                     slot == PKG_NICKNAMES);
}

LO_PRIMITIVE(p_package_nicknames, "PACKAGE-NICKNAMES", CL, ANY, 1, 1,
             "(package)",
             "A fresh list of the nicknames of PACKAGE.")
{
    return package_list(L, args[0], PKG_NICKNAMES, "PACKAGE-NICKNAMES");
}

LO_PRIMITIVE(p_package_use_list, "PACKAGE-USE-LIST", CL, ANY, 1, 1,
             "(package)",
             "A fresh list of the packages PACKAGE uses.")
{
    return package_list(L, args[0], PKG_USE, "PACKAGE-USE-LIST");
}

/* Whether pkg is on the list packages. */
static bool package_member(lo_value pkg, lo_value packages)
{
    for (lo_value l = packages; lo_consp(l); l = lo_cdr_raw(l))
        if (lo_eq(lo_car_raw(l), pkg))
            return true;
    return false;
}

/* The packages that use a package include every user's that uses it
 * (each user's COMMON-LISP-USER uses COMMON-LISP): a user sees only those
 * of her own environment and the system's, never another user's, which
 * she could otherwise change (INTERN, UNINTERN into it). */
LO_PRIMITIVE(p_package_used_by_list, "PACKAGE-USED-BY-LIST", CL, ANY, 1, 1,
             "(package)",
             "A fresh list of the packages that use PACKAGE (those this "
             "environment can see).")
{
    lo_value pkg = any_package(L, args[0], "PACKAGE-USED-BY-LIST");
    lo_value visible = lo_visible_packages(L), out = L->nil;
    lo_value *tail = &out;
    for (lo_value l = lo_ptr(pkg)[PKG_USED_BY]; lo_consp(l);
         l = lo_cdr_raw(l))
        if (package_member(lo_car_raw(l), visible)) {
            *tail = lo_cons(L, lo_car_raw(l), L->nil);
            tail = &lo_ptr(*tail)[2];
        }
    return out;
}

LO_PRIMITIVE(p_package_shadowing_symbols, "PACKAGE-SHADOWING-SYMBOLS",
             CL, ANY, 1, 1, "(package)",
             "A fresh list of the symbols of PACKAGE that shadow others "
             "(SHADOW, SHADOWING-IMPORT).")
{
    return package_list(L, args[0], PKG_SHADOWING, "PACKAGE-SHADOWING-SYMBOLS");
}

LO_PRIMITIVE(p_list_all_packages, "LIST-ALL-PACKAGES", CL, ANY, 0, 0, "()",
             "A fresh list of the packages the caller's environment sees.")
{
    return lo_visible_packages(L);
}

/* What USE-PACKAGE and UNUSE-PACKAGE take first, as SBCL spells it. */
#define PACKAGES_TYPE "(OR STRING CONS SYMBOL CHARACTER PACKAGE)"

LO_PRIMITIVE(p_use_package, "USE-PACKAGE", CL, ANY, 1, 2,
             "(packages-to-use &optional (package *package*))",
             "Make the external symbols of PACKAGES-TO-USE (a package "
             "designator or a list of them) accessible in PACKAGE; T.  A "
             "name conflict signals PACKAGE-ERROR.  Packages of the system "
             "environment cannot be changed from a user's.")
{
    lo_value pkg = package_opt(L, args, nargs, 1, "USE-PACKAGE");
    for (lo_value l = reverse(L, packages_arg(L, args[0], PACKAGES_TYPE,
                                              "USE-PACKAGE"));
         lo_consp(l); l = lo_cdr_raw(l))
        lo_use_package(L, lo_car_raw(l), pkg);
    return L->t;
}

LO_PRIMITIVE(p_unuse_package, "UNUSE-PACKAGE", CL, ANY, 1, 2,
             "(packages-to-unuse &optional (package *package*))",
             "Stop PACKAGE from using PACKAGES-TO-UNUSE (a package "
             "designator or a list of them); T.  Packages of the system "
             "environment cannot be changed from a user's.")
{
    lo_value pkg = package_opt(L, args, nargs, 1, "UNUSE-PACKAGE");
    for (lo_value l = packages_arg(L, args[0], PACKAGES_TYPE, "UNUSE-PACKAGE");
         lo_consp(l); l = lo_cdr_raw(l))
        lo_unuse_package(L, lo_car_raw(l), pkg);
    return L->t;
}

/* (in-package name) expands to (%in-package 'name). */
LO_PRIMITIVE(p_in_package, "%IN-PACKAGE", INTERNAL, ANY, 1, 1, "(name)",
             "Make the package named NAME the current package (*PACKAGE*) "
             "and return it: what (IN-PACKAGE NAME) expands into.")
{
    lo_value pkg = package_arg(L, args[0], "IN-PACKAGE");
    lo_set_current_package(L, pkg);
    return pkg;
}

/* ---- symbols ---------------------------------------------------------------- */

/* (intern string &optional package): the symbol and NIL when it was
 * made, else how it was found (:INTERNAL :EXTERNAL :INHERITED). */
LO_PRIMITIVE(p_intern, "INTERN", CL, ANY, 1, 2,
             "(string &optional (package *package*))",
             "The symbol named STRING in PACKAGE, made and made present "
             "there when none is accessible.  Second value: NIL when it was "
             "made, else :INTERNAL, :EXTERNAL or :INHERITED.  A user's "
             "environment cannot make new symbols in the system's packages.")
{
    struct lo_name name = lo_name_of(
        lo_arg_string_with(L, args[0], LO_ACCESS_READ, "INTERN"));
    lo_value pkg = package_opt(L, args, nargs, 1, "INTERN");
    enum lo_sym_status status;
    lo_value v[2];
    v[0] = lo_intern_in(L, pkg, &name, &status);
    v[1] = status_keyword(L, status);
    return lo_values(L, 2, v);
}

LO_PRIMITIVE(p_find_symbol, "FIND-SYMBOL", CL, ANY, 1, 2,
             "(string &optional (package *package*))",
             "The symbol named STRING accessible in PACKAGE and how: "
             ":INTERNAL, :EXTERNAL or :INHERITED; NIL and NIL when there is "
             "none.")
{
    struct lo_name name = lo_name_of(
        lo_arg_string_with(L, args[0], LO_ACCESS_READ, "FIND-SYMBOL"));
    lo_value pkg = package_opt(L, args, nargs, 1, "FIND-SYMBOL");
    lo_value v[2];
    v[1] = status_keyword(L, lo_find_symbol(L, pkg, &name, &v[0]));
    return lo_values(L, 2, v);
}

LO_PRIMITIVE(p_unintern, "UNINTERN", CL, ANY, 1, 2,
             "(symbol &optional (package *package*))",
             "Remove SYMBOL from PACKAGE (and from its shadowing symbols); "
             "T when it was present there, else NIL.  Packages of the "
             "system environment cannot be changed from a user's.")
{
    lo_value sym = lo_arg_symbol(L, args[0]);
    lo_value pkg = package_opt(L, args, nargs, 1, "UNINTERN");
    return lo_truth(L, lo_unintern(L, sym, pkg));
}

/* export, unexport, import, shadowing-import: each symbol in turn. */
static lo_value each_symbol(lo_lisp *L, lo_value *a, uint32_t n,
                            const char *op,
                            void (*fn)(lo_lisp *, lo_value, lo_value))
{
    lo_value pkg = package_opt(L, a, n, 1, op);
    for (lo_value l = symbols_arg(L, a[0], op); lo_consp(l);
         l = lo_cdr_raw(l))
        fn(L, lo_car_raw(l), pkg);
    return L->t;
}

static void import_one(lo_lisp *L, lo_value sym, lo_value pkg)
{
    lo_import(L, sym, pkg, false);
}

static void shadowing_import_one(lo_lisp *L, lo_value sym, lo_value pkg)
{
    lo_import(L, sym, pkg, true);
}

LO_PRIMITIVE(p_export, "EXPORT", CL, ANY, 1, 2,
             "(symbols &optional (package *package*))",
             "Make SYMBOLS (a symbol or a list of them), which must be "
             "accessible in PACKAGE, its external symbols; T.  Packages of "
             "the system environment cannot be changed from a user's.")
{
    return each_symbol(L, args, nargs, "EXPORT", lo_export);
}

LO_PRIMITIVE(p_unexport, "UNEXPORT", CL, ANY, 1, 2,
             "(symbols &optional (package *package*))",
             "Make SYMBOLS (a symbol or a list of them), external in "
             "PACKAGE, internal again; T.  Packages of the system "
             "environment cannot be changed from a user's.")
{
    return each_symbol(L, args, nargs, "UNEXPORT", lo_unexport);
}

LO_PRIMITIVE(p_import, "IMPORT", CL, ANY, 1, 2,
             "(symbols &optional (package *package*))",
             "Make SYMBOLS (a symbol or a list of them) present in PACKAGE; "
             "T.  A different symbol of the same name already accessible "
             "there signals PACKAGE-ERROR.  Packages of the system "
             "environment cannot be changed from a user's.")
{
    return each_symbol(L, args, nargs, "IMPORT", import_one);
}

LO_PRIMITIVE(p_shadowing_import, "SHADOWING-IMPORT", CL, ANY, 1, 2,
             "(symbols &optional (package *package*))",
             "Make SYMBOLS (a symbol or a list of them) present in PACKAGE, "
             "shadowing any other symbol of the same name; T.  Packages of "
             "the system environment cannot be changed from a user's.")
{
    return each_symbol(L, args, nargs, "SHADOWING-IMPORT", shadowing_import_one);
}

LO_PRIMITIVE(p_shadow, "SHADOW", CL, ANY, 1, 2,
             "(symbol-names &optional (package *package*))",
             "Make a symbol of each of SYMBOL-NAMES (a string designator or "
             "a list of them) present in PACKAGE, new when needed, "
             "shadowing any inherited one of that name; T.  Packages of the "
             "system environment cannot be changed from a user's.")
{
    lo_value pkg = package_opt(L, args, nargs, 1, "SHADOW");
    for (lo_value l = reverse(L, names_arg(L, args[0],
                                           "(OR STRING CHARACTER CONS SYMBOL)",
                                           "SHADOW"));
         lo_consp(l); l = lo_cdr_raw(l)) {
        struct lo_name name = lo_name_of(lo_car_raw(l));
        lo_shadow(L, &name, pkg);
    }
    return L->t;
}

/* (find-all-symbols name): the symbols of that name present anywhere. */
LO_PRIMITIVE(p_find_all_symbols, "FIND-ALL-SYMBOLS", CL, ANY, 1, 1, "(string)",
             "A fresh list of the symbols named STRING (a string "
             "designator) present in the packages the caller's environment "
             "sees.")
{
    struct lo_name name = lo_name_of(name_arg(L, args[0], "FIND-ALL-SYMBOLS"));
    lo_value out = L->nil, sym;
    for (lo_value l = lo_visible_packages(L); lo_consp(l);
         l = lo_cdr_raw(l)) {
        enum lo_sym_status s = lo_find_symbol(L, lo_car_raw(l), &name, &sym);
        bool seen = false;
        for (lo_value o = out; lo_consp(o); o = lo_cdr_raw(o))
            seen |= lo_eq(lo_car_raw(o), sym);
        if ((s == LO_SYM_INTERNAL || s == LO_SYM_EXTERNAL) && !seen)
            out = lo_cons(L, sym, out);
    }
    return out;
}

/* (%package-symbols package external-only): for DO-SYMBOLS (every
 * accessible symbol) and DO-EXTERNAL-SYMBOLS. */
LO_PRIMITIVE(p_package_symbols, "%PACKAGE-SYMBOLS", INTERNAL, ANY, 1, 2,
             "(package &optional external-only)",
             "A fresh list of the symbols accessible in PACKAGE, or with "
             "EXTERNAL-ONLY of its external symbols: what DO-SYMBOLS and "
             "DO-EXTERNAL-SYMBOLS iterate over.")
{
    lo_value pkg = package_arg(L, args[0], "DO-SYMBOLS");
    bool external = nargs > 1 && !lo_null(L, args[1]);
    return lo_package_symbols(L, pkg, external, !external);
}

/* (%all-symbols): every symbol present in some package, for
 * DO-ALL-SYMBOLS (a symbol present in several comes several times). */
LO_PRIMITIVE(p_all_symbols, "%ALL-SYMBOLS", INTERNAL, ANY, 0, 0, "()",
             "A fresh list of the symbols present in every package the "
             "caller's environment sees (a symbol present in several comes "
             "once for each): what DO-ALL-SYMBOLS iterates over.")
{
    lo_value out = L->nil;
    for (lo_value l = lo_visible_packages(L); lo_consp(l);
         l = lo_cdr_raw(l))
        for (lo_value s = lo_package_symbols(L, lo_car_raw(l), false, false);
             lo_consp(s); s = lo_cdr_raw(s))
            out = lo_cons(L, lo_car_raw(s), out);
    return out;
}

/* ---- defpackage ----------------------------------------------------------- */

enum { OPT_NICKNAMES, OPT_USE, OPT_EXPORT, OPT_INTERN, OPT_SHADOW,
       OPT_SHADOWING_IMPORT, OPT_IMPORT, OPT_DOCUMENTATION, OPT_SIZE,
       OPT_COUNT };
static const char *const option_names[OPT_COUNT] = {
    "NICKNAMES", "USE", "EXPORT", "INTERN", "SHADOW", "SHADOWING-IMPORT-FROM",
    "IMPORT-FROM", "DOCUMENTATION", "SIZE",
};

static int option_kind(lo_lisp *L, lo_value option)
{
    if (lo_consp(option) && lo_list_length(L, option) >= 0)
        for (int k = 0; k < OPT_COUNT; k++)
            if (lo_keyword_is(lo_car_raw(option), option_names[k]))
                return k;
    lo_error(L, "PROGRAM-ERROR", "DEFPACKAGE: bad option");
}

/* The arguments of every option of kind k, in order, as one list. */
static lo_value option_args(lo_lisp *L, lo_value options, int k)
{
    lo_value out = L->nil;
    for (lo_value l = options; lo_consp(l); l = lo_cdr_raw(l))
        if (option_kind(L, lo_car_raw(l)) == k)
            for (lo_value x = lo_cdr_raw(lo_car_raw(l)); lo_consp(x);
                 x = lo_cdr_raw(x))
                out = lo_cons(L, lo_car_raw(x), out);
    return reverse(L, out);
}

/* (:import-from pkg name...) and (:shadowing-import-from ...): each name
 * must be accessible in pkg. */
static void import_from(lo_lisp *L, lo_value options, int k, lo_value pkg)
{
    for (lo_value l = options; lo_consp(l); l = lo_cdr_raw(l)) {
        if (option_kind(L, lo_car_raw(l)) != k)
            continue;
        lo_value args = lo_cdr_raw(lo_car_raw(l));
        lo_value from = package_arg(L, lo_car(L, args), "DEFPACKAGE");
        for (args = lo_cdr(L, args); lo_consp(args); args = lo_cdr_raw(args)) {
            lo_value s = name_arg(L, lo_car_raw(args), "DEFPACKAGE"), sym;
            struct lo_name name = lo_name_of(s);
            if (lo_find_symbol(L, from, &name, &sym) == LO_SYM_NONE) {
                char buf[128];
                lo_string_utf8(s, buf, sizeof buf);
                lo_error_initargs(L, "PACKAGE-ERROR",
                                  &(struct lo_initarg){ "PACKAGE", from }, 1,
                                  "DEFPACKAGE: no symbol %s to import", buf);
            }
            lo_import(L, sym, pkg, k == OPT_SHADOWING_IMPORT);
        }
    }
}

static lo_value intern_names(lo_lisp *L, lo_value names, lo_value pkg,
                             bool export)
{
    for (; lo_consp(names); names = lo_cdr_raw(names)) {
        struct lo_name name = lo_name_of(name_arg(L, lo_car_raw(names),
                                                  "DEFPACKAGE"));
        enum lo_sym_status status;
        lo_value sym = lo_intern_in(L, pkg, &name, &status);
        if (export)
            lo_export(L, sym, pkg);
    }
    return pkg;
}

/* (%defpackage 'name 'options): make the package or add to it, then in
 * the standard's order: shadow, shadowing-import, use, import, intern,
 * export. */
LO_PRIMITIVE(p_defpackage, "%DEFPACKAGE", INTERNAL, ANY, 2, 2,
             "(name options)",
             "Make the package NAME or add to it as the DEFPACKAGE OPTIONS "
             "say (:NICKNAMES :USE :EXPORT :INTERN :SHADOW "
             ":SHADOWING-IMPORT-FROM :IMPORT-FROM :DOCUMENTATION :SIZE), in "
             "the standard's order; returns the package.  What DEFPACKAGE "
             "expands into.")
{
    lo_value name = name_arg(L, args[0], "DEFPACKAGE"), options = args[1];
    if (lo_list_length(L, options) < 0)
        lo_error(L, "PROGRAM-ERROR", "DEFPACKAGE: options are not a list");
    lo_value nicknames = L->nil;
    for (lo_value l = option_args(L, options, OPT_NICKNAMES); lo_consp(l);
         l = lo_cdr_raw(l))
        nicknames = lo_cons(L, name_arg(L, lo_car_raw(l), "DEFPACKAGE"),
                            nicknames);
    nicknames = reverse(L, nicknames);
    lo_value use = L->nil;
    for (lo_value l = option_args(L, options, OPT_USE); lo_consp(l);
         l = lo_cdr_raw(l))
        use = lo_cons(L, package_arg(L, lo_car_raw(l), "DEFPACKAGE"), use);
    struct lo_name pname = lo_name_of(name);
    lo_value pkg = lo_find_package_named(L, &pname);
    if (lo_null(L, pkg))
        pkg = lo_make_package(L, name, nicknames, L->nil);
    else if (!lo_null(L, nicknames))
        lo_rename_package(L, pkg, lo_ptr(pkg)[PKG_NAME], nicknames);
    for (lo_value l = option_args(L, options, OPT_SHADOW); lo_consp(l);
         l = lo_cdr_raw(l)) {
        struct lo_name s = lo_name_of(name_arg(L, lo_car_raw(l),
                                               "DEFPACKAGE"));
        lo_shadow(L, &s, pkg);
    }
    import_from(L, options, OPT_SHADOWING_IMPORT, pkg);
    for (lo_value l = reverse(L, use); lo_consp(l); l = lo_cdr_raw(l))
        lo_use_package(L, lo_car_raw(l), pkg);
    import_from(L, options, OPT_IMPORT, pkg);
    intern_names(L, option_args(L, options, OPT_INTERN), pkg, false);
    return intern_names(L, option_args(L, options, OPT_EXPORT), pkg, true);
}

const struct lo_primitive *const lo_prims_packages[] = {
    LO_ROW(p_find_package),
    LO_ROW(p_packagep),
    LO_ROW(p_make_package),
    LO_ROW(p_delete_package),
    LO_ROW(p_rename_package),
    LO_ROW(p_package_name),
    LO_ROW(p_package_nicknames),
    LO_ROW(p_package_use_list),
    LO_ROW(p_package_used_by_list),
    LO_ROW(p_package_shadowing_symbols),
    LO_ROW(p_list_all_packages),
    LO_ROW(p_use_package),
    LO_ROW(p_unuse_package),
    LO_ROW(p_in_package),
    LO_ROW(p_intern),
    LO_ROW(p_find_symbol),
    LO_ROW(p_unintern),
    LO_ROW(p_export),
    LO_ROW(p_unexport),
    LO_ROW(p_import),
    LO_ROW(p_shadowing_import),
    LO_ROW(p_shadow),
    LO_ROW(p_find_all_symbols),
    LO_ROW(p_package_symbols),
    LO_ROW(p_all_symbols),
    LO_ROW(p_defpackage),
    NULL,
};
