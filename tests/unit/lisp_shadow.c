/*
 * lisp_shadow.c -- names nobody defines yet (lisp/environment.c,
 * docs/environments.md): a user's look-up of a function or macro named by
 * a symbol of a system package makes the system's cell, frozen (freeze.c)
 * with the table it grows, so the user's code sees what the system
 * defines later; and lo_env_mend_shadow_cells, which mends the cells of
 * the user's own that older builds made instead (made here the old way,
 * with lo_env_make_shadow_cell): the user's old code calls what the
 * system defines before or after the mend, an extensible generic function
 * becomes the user's to extend, a macro is seen, a variable of the
 * user's keeps its value, and all of it after a restart.
 */
#include <string.h>

#include "lisp/environment.h"
#include "tests/helpers/fixture.h"
#include "tests/tap.h"

static lo_lisp *L;

static void user(const char *name)
{
    if (lo_lisp_set_user(L, name) != LO_OK)
        bail_out("cannot select user %s", name ? name : "(system)");
}

/* The symbol the text reads as (a package-qualified name). */
static lo_value symbol(const char *text)
{
    lo_value sym;
    if (!lo_read(L, &text, &sym) || !lo_symbolp(sym))
        bail_out("no symbol");
    return sym;
}

struct find {
    lo_value sym;
    bool found;
};

static void find_cell(lo_lisp *L, lo_value cell, void *ctx)
{
    (void)L;
    struct find *f = ctx;
    if (lo_eq(lo_ptr(cell)[CELL_NAME], f->sym))
        f->found = true;
}

/* Whether env's own table of namespace slot has a cell for the symbol. */
static bool has_own_cell(lo_value env, unsigned slot, const char *name)
{
    struct find f = { symbol(name), false };
    lo_for_each_cell(L, env, slot, find_cell, &f);
    return f.found;
}

/* The system's function table: its identity, capacity and count. */
static lo_value system_functions(void)
{
    return lo_ptr(lo_system_env(L))[ENV_FUNCTIONS];
}

static int64_t table_word(lo_value table, unsigned i)
{
    return lo_fixnum_value(lo_ptr(table)[i]);
}

struct shadow {
    const char *name;
    unsigned slot;
};

/* Make each shadow cell of the list (ending with a NULL name) in the
 * current user's environment, as older builds did. */
static void make_shadows(lo_lisp *L, void *ctx)
{
    for (const struct shadow *s = ctx; s->name; s++)
        lo_env_make_shadow_cell(L, L->env, s->slot, symbol(s->name));
}

static void mend(lo_lisp *L, void *ctx)
{
    *(uint64_t *)ctx = lo_env_mend_shadow_cells(L);
}

static uint64_t run_mend(void)
{
    uint64_t mended = 0;
    user(NULL);
    if (lo_protect(L, mend, &mended) != LO_OK)
        bail_out("the mend failed: %s", lo_last_error(L)->message);
    return mended;
}

/* ---- the fix: the system's cell, frozen ---- */

static void new_lookups(void)
{
    fixture_run(L, "(defpackage :shadow-new (:use :cl) (:export #:later "
                   "#:later-macro))");
    /* enough new system symbols to make the system's function table grow */
    /* (counts only: a collection may move the table) */
    lo_value before = system_functions();
    int64_t length = table_word(before, 1), count = table_word(before, 2);
    int64_t room = (length - 1) / 2 - count;
    char form[200];
    snprintf(form, sizeof form, "(dotimes (i %lld) (intern (format nil "
             "\"S~D\" i) :shadow-many))", (long long)room + 2);
    fixture_run(L, "(defpackage :shadow-many (:use))");
    fixture_run(L, form);

    user("alice");
    /* whatever is left unfrozen (making a user hangs her packages off the
     * system's used-by lists): the baseline */
    lo_freeze_system(L);
    eval_is(L, "(defun call-later (x) (shadow-new:later x))", "CALL-LATER",
            "alice's function calls a system symbol nobody defines");
    eval_fails(L, "(call-later 1)", "UNDEFINED-FUNCTION: the function LATER "
               "is undefined", "which is undefined");
    ok(!has_own_cell(L->env, ENV_FUNCTIONS, "shadow-new:later"),
       "alice's environment got no cell of her own for it");
    lo_value cell = lo_env_cell(L, lo_system_env(L), ENV_FUNCTIONS,
                                symbol("shadow-new:later"), false);
    ok(!lo_null(L, cell) && (lo_cell_flags(cell) & CELL_SYSTEM) &&
       lo_frozen_p(cell), "the system's environment has it, a system cell, "
       "frozen");
    snprintf(form, sizeof form, "(dotimes (i %lld) (compile nil `(lambda () "
             "(,(find-symbol (format nil \"S~D\" i) :shadow-many)))))",
             (long long)room + 2);
    eval_is(L, form, "NIL", "alice refers to %lld more", (long long)room + 2);
    lo_value after = system_functions();
    ok(table_word(after, 1) > length && lo_frozen_p(after),
       "the system's function table grew, and the new one is frozen");
    ok(table_word(after, 2) == count + room + 3,
       "by one cell a name (%lld, %lld before)",
       (long long)table_word(after, 2), (long long)count);
    is_int(lo_freeze_system(L), 0, "nothing the system reaches was left "
           "unfrozen");

    user(NULL);
    fixture_run(L, "(defun shadow-new:later (x) (list :later x))");
    fixture_run(L, "(defmacro shadow-new:later-macro (x) `(list :macro ,x))");
    user("alice");
    eval_is(L, "(call-later 1)", "(:LATER 1)", "once the system defines it, "
            "alice's code calls it");
    eval_fails(L, "(defun shadow-new:later (x) x)", "ENVIRONMENT-ERROR: "
               "DEFUN: LATER belongs to the system environment; it cannot be "
               "changed from the environment of alice",
               "which she still may not redefine");
    eval_is(L, "(call-later 2)", "(:LATER 2)", "... and it is unchanged");
    user("bob");
    eval_is(L, "(shadow-new:later 3)", "(:LATER 3)", "bob calls it too");
}

/* A macro: alice's refused DEFMACRO made a cell, which hides nothing. */
static void new_macro(void)
{
    user(NULL);
    fixture_run(L, "(defpackage :shadow-mac (:use :cl) (:export #:m))");
    user("alice");
    eval_fails(L, "(defmacro shadow-mac:m (x) x)", "ENVIRONMENT-ERROR: "
               "DEFMACRO: M belongs to the system environment; it cannot be "
               "changed from the environment of alice",
               "alice may not define a macro on a system symbol");
    ok(!has_own_cell(L->env, ENV_MACROS, "shadow-mac:m"),
       "and that made no macro cell of her own");
    user(NULL);
    fixture_run(L, "(defmacro shadow-mac:m (x) `(list :m ,x))");
    user("alice");
    eval_is(L, "(shadow-mac:m 1)", "(:M 1)", "the system's macro, later, "
            "is hers to use");
}

/* ---- the mend ---- */

static const struct shadow shadows[] = {
    { "shadow-test:early", ENV_FUNCTIONS },
    { "shadow-test:late", ENV_FUNCTIONS },
    { "shadow-test:gen", ENV_FUNCTIONS },
    { "shadow-test:mac", ENV_MACROS },
    { NULL, 0 },
};

static void old_store(void)
{
    user(NULL);
    fixture_run(L, "(defpackage :shadow-test (:use :cl) (:export #:early "
                   "#:late #:gen #:mac #:var))");
    user("alice");
    if (lo_protect(L, make_shadows, (void *)shadows) != LO_OK)
        bail_out("no shadow cells: %s", lo_last_error(L)->message);
    ok(has_own_cell(L->env, ENV_FUNCTIONS, "shadow-test:early") &&
       has_own_cell(L->env, ENV_MACROS, "shadow-test:mac"),
       "alice has shadow cells, as older builds made them");
    fixture_run(L, "(defun call-early (x) (shadow-test:early x))");
    fixture_run(L, "(defun call-late (x) (shadow-test:late x))");
    fixture_run(L, "(defun call-gen (x) (shadow-test:gen x))");
    eval_is(L, "(setq shadow-test:var 5)", "5", "alice's own global value of "
            "a system symbol's variable");

    user(NULL);
    fixture_run(L, "(defun shadow-test:early (x) (list :early x))");
    fixture_run(L, "(defgeneric shadow-test:gen (x))");
    fixture_run(L, "(defmethod shadow-test:gen ((x t)) :system)");
    fixture_run(L, "(lispos-internal::%make-extensible 'shadow-test:gen)");
    fixture_run(L, "(defmacro shadow-test:mac (x) `(list :mac ,x))");
    user("alice");
    eval_fails(L, "(call-early 1)", "UNDEFINED-FUNCTION: the function EARLY "
               "is undefined", "the bug: the system defined it, but alice's "
               "code holds her shadow cell");
    eval_fails(L, "(shadow-test:early 1)", "UNDEFINED-FUNCTION: the function "
               "EARLY is undefined", "and so does her new code");
    eval_fails(L, "(shadow-test:mac 1)", "UNDEFINED-FUNCTION: the function "
               "MAC is undefined", "and the system's macro is hidden");
}

static void mended(void)
{
    is_int(run_mend(), 4, "the mend mends alice's four shadow cells");
    user("alice");
    lo_value alice = L->env;
    ok(!has_own_cell(alice, ENV_FUNCTIONS, "shadow-test:early") &&
       !has_own_cell(alice, ENV_FUNCTIONS, "shadow-test:late") &&
       !has_own_cell(alice, ENV_MACROS, "shadow-test:mac"),
       "the shadow cells left her tables");
    ok(has_own_cell(alice, ENV_FUNCTIONS, "shadow-test:gen"),
       "but the extensible generic function's is hers now");
    eval_is(L, "(call-early 1)", "(:EARLY 1)", "her old code calls what the "
            "system defined before the mend");
    eval_is(L, "(shadow-test:early 2)", "(:EARLY 2)", "so does her new code");
    eval_fails(L, "(call-late 1)", "UNDEFINED-FUNCTION: the function LATE is "
               "undefined", "a name the system has not defined yet is "
               "undefined, by its name");
    eval_is(L, "(shadow-test:mac 3)", "(:MAC 3)", "the system's macro");
    eval_is(L, "shadow-test:var", "5", "her variable keeps its value");
    eval_is(L, "(call-gen 1)", ":SYSTEM", "the generic function");
    eval_is(L, "(progn (defmethod shadow-test:gen ((x integer)) :alice) "
               "(list (call-gen 1) (call-gen \"s\")))", "(:ALICE :SYSTEM)",
            "extended by alice, her old code sees her method");
    eval_fails(L, "(defun shadow-test:late (x) x)", "ENVIRONMENT-ERROR: "
               "DEFUN: LATE belongs to the system environment; it cannot be "
               "changed from the environment of alice",
               "she still may not define a system name");
    user("bob");
    eval_is(L, "(shadow-test:gen 1)", ":SYSTEM", "bob does not see alice's "
            "method");

    user(NULL);
    fixture_run(L, "(defun shadow-test:late (x) (list :late x))");
    user("alice");
    eval_is(L, "(call-late 1)", "(:LATE 1)", "her old code calls what the "
            "system defines after the mend");
    is_int(run_mend(), 0, "a second mend finds nothing");
    is_int(lo_freeze_system(L), 0, "nothing the system reaches was left "
           "unfrozen");
}

int main(void)
{
    struct fixture fx = { 0 };
    fixture_lisp(&fx, 16384);
    L = fx.L;

    new_lookups();
    new_macro();
    old_store();
    mended();

    lo_ckpt_sync(fx.store);
    fixture_reopen(&fx);
    L = fx.L;
    user("alice");
    eval_is(L, "(list (call-early 1) (call-late 2) (call-gen 3))",
            "((:EARLY 1) (:LATE 2) :ALICE)", "all of it after a restart");
    user(NULL);
    fixture_run(L, "(defun shadow-test:late (x) (values :late2 x))");
    user("alice");
    eval_is(L, "(multiple-value-list (call-late 4))", "(:LATE2 4)",
            "and the forwarder follows a redefinition, values and all");

    fixture_close(&fx);
    return done_testing();
}
