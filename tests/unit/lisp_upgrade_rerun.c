/*
 * lisp_upgrade_rerun.c -- the boot code run again into an existing heap
 * (lisp/upgrade.c, lo_upgrade_rerun_boot; docs/upgrade-design.md 2.3),
 * the guard of a permanent rule: the boot code must stay re-runnable.
 *
 * The self re-run: on a store booted cold, the administrator and two
 * users (alice and bob) define functions calling system functions,
 * closures, classes subclassing system classes with instances, generic
 * functions with methods on their classes and on system classes, a
 * private PRINT-OBJECT method, structures, hash tables, a condition type
 * and a per-user default (alice's *PRINT-BASE* 16).  The same boot code
 * then runs again into the heap.  Afterwards the system environment has
 * the same cells, classes (the same objects, with the same layouts) and
 * methods, none still stale; every user value and behaviour is as it
 * was; the store reopens; and every corpus of tests/lisp gives, form by
 * form, what it gives on a fresh store.
 *
 * A changed boot: the re-run evaluates extra boot text after the boot
 * files (lo_upgrade_rerun_boot_with), first a version A of a small system
 * package, then a version B that changes a function, drops another and a
 * method, adds a function and gives a class a slot.  Alice's code,
 * compiled against A, calls B's function; calling the dropped one is
 * UNDEFINED-FUNCTION (while the function object she kept still works);
 * her instance of her subclass of the changed class gets the new slot.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lisp/api.h"
#include "lisp/upgrade.h"
#include "tests/helpers/fixture.h"
#include "tests/tap.h"

enum { STORE_BLOCKS = 65536 };          /* 256 MiB */

/* ---- the corpora of tests/lisp, form by form ---------------------------------- */

/* Every form of a text, each read and evaluated in turn, its value
 * printed (errors as ERROR), one line each. */
static const char *const corpus_runner =
    "(defun run-corpus (text)"
    "  (let ((out (make-string-output-stream)) (eof (list :eof)))"
    "    (with-input-from-string (s text)"
    "      (loop (let ((form (handler-case (read s nil eof)"
    "                          (error () eof))))"
    "              (when (eq form eof) (return))"
    "              (write-line (substitute #\\Space #\\Newline"
    "                            (handler-case (prin1-to-string (eval form))"
    "                              (error () \"ERROR\")))"
    "                          out))))"
    "    (get-output-stream-string out)))";

static const char *const corpora[] = {
    "corpus-clos", "corpus-conditions", "corpus-control", "corpus-core",
    "corpus-environments", "corpus-hash", "corpus-lists", "corpus-loop",
    "corpus-output", "corpus-packages", "corpus-setf", "corpus-strings",
};
enum { CORPORA = sizeof corpora / sizeof corpora[0] };

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *text = malloc((size_t)n + 1);
    if (text && fread(text, 1, (size_t)n, f) != (size_t)n) {
        free(text);
        text = NULL;
    }
    if (text)
        text[n] = '\0';
    fclose(f);
    return text;
}

/* What the corpus prints, run as a fresh user named after it (NULL when
 * it could not run). */
static char *run_corpus(lo_lisp *L, const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "tests/lisp/%s.lisp", name);
    char *text = read_file(path);
    if (!text)
        return NULL;
    fixture_as(L, name);
    fixture_setup(L, corpus_runner);
    lo_scope s = lo_scope_open(L);
    lo_ref arg = lo_new_string(L, text, strlen(text));
    lo_ref lines = arg ? lo_call_named(L, "CL-USER", "RUN-CORPUS", &arg, 1)
                       : NULL;
    char *out = NULL;
    if (lines) {
        int64_t n = lo_get_string(L, lines, NULL, 0);
        out = n >= 0 ? malloc((size_t)n + 1) : NULL;
        if (out)
            lo_get_string(L, lines, out, (size_t)n + 1);
    }
    lo_scope_close(L, s);
    free(text);
    fixture_as(L, NULL);
    return out;
}

/* The first line where a and b differ (1-based), 0 when they agree. */
static int first_difference(const char *a, const char *b, char *shown,
                            size_t len)
{
    for (int line = 1;; line++) {
        const char *ea = strchr(a, '\n'), *eb = strchr(b, '\n');
        size_t la = ea ? (size_t)(ea - a) : strlen(a);
        size_t lb = eb ? (size_t)(eb - b) : strlen(b);
        if (la != lb || memcmp(a, b, la) != 0) {
            snprintf(shown, len, "fresh: %.*s | re-run: %.*s", (int)la, a,
                     (int)lb, b);
            return line;
        }
        if (!ea || !eb)
            return ea || eb ? line : 0;
        a = ea + 1;
        b = eb + 1;
    }
}

/* ---- what the system environment holds ------------------------------------ */

/* Methods of the generic functions named by the system's packages. */
static const char *const count_methods =
    "(let ((n 0) (seen nil))"
    "  (dolist (p '(\"COMMON-LISP\" \"LISPOS\" \"LISPOS-INTERNAL\") n)"
    "    (do-symbols (s p)"
    "      (when (and (fboundp s) (not (macro-function s)))"
    "        (let ((f (fdefinition s)))"
    "          (when (and (lispos-internal::%generic-function-p f)"
    "                     (not (member f seen)))"
    "            (push f seen)"
    "            (incf n (length (generic-function-methods f)))))))))";

/* Every class named by a symbol of the system's packages, with its
 * wrapper (its layout). */
static const char *const keep_classes =
    "(defparameter *classes*"
    "  (let ((r nil))"
    "    (dolist (p '(\"COMMON-LISP\" \"LISPOS\" \"LISPOS-INTERNAL\") r)"
    "      (do-symbols (s p)"
    "        (let ((c (and (eq (symbol-package s) (find-package p))"
    "                      (find-class s nil))))"
    "          (when c"
    "            (push (list s c (lispos-internal::%slot-ref c 5)) r)))))))";

static const char *const same_classes =
    "(list (length *classes*)"
    "      (every (lambda (e) (eq (find-class (first e)) (second e)))"
    "             *classes*)"
    "      (every (lambda (e) (eq (lispos-internal::%slot-ref (second e) 5)"
    "                             (third e)))"
    "             *classes*))";

struct counts {
    struct lo_upgrade_census census;
    char methods[64], boot_methods[64], classes[64];
};

static void take_counts(lo_lisp *L, struct counts *c)
{
    fixture_as(L, NULL);
    lo_upgrade_census(L, &c->census);
    fixture_setup(L, count_methods);
    snprintf(c->methods, sizeof c->methods, "%s", fixture_out());
    fixture_setup(L, "(length lispos-internal::*%boot-methods*)");
    snprintf(c->boot_methods, sizeof c->boot_methods, "%s", fixture_out());
}

/* ---- the users ------------------------------------------------------------------ */

static const char *const alice_setup[] = {
    "(defun greet (x) (string-upcase (format nil \"hi ~a\" x)))",
    "(defparameter *counter* (let ((n 0)) (lambda () (incf n))))",
    "(defclass animal () ((name :initarg :name :accessor animal-name)))",
    "(defclass dog (animal) ((sound :initform \"woof\" :reader dog-sound)))",
    "(defparameter *rex* (make-instance 'dog :name \"Rex\"))",
    "(defgeneric speak (x))",
    "(defmethod speak ((x dog)) (list :dog (dog-sound x)))",
    "(defmethod speak ((x integer)) (list :int x))",
    "(defmethod speak ((x t)) :other)",
    "(defmethod print-object ((x dog) stream)"
    "  (format stream \"#<dog ~a>\" (animal-name x)))",
    "(defstruct point x (y 0))",
    "(defparameter *pt* (make-point :x 1))",
    "(defparameter *table* (let ((h (make-hash-table :test 'equal)))"
    "  (setf (gethash \"a\" h) 1 (gethash '(1 2) h) 2) h))",
    "(define-condition my-error (error) ((code :initarg :code :reader code)))",
    "(defun safe (x) (handler-case (error 'my-error :code x)"
    "  (my-error (e) (list :caught (code e)))))",
    "(defparameter *reader* (find-method #'animal-name nil"
    "  (list (find-class 'animal))))",
    "(setq *print-base* 16)",
};

static const char *const bob_setup[] = {
    "(defun greet (x) (concatenate 'string \"hello \" x))",
    "(defgeneric size (x))",
    "(defmethod size ((x string)) (length x))",
    "(defmethod size ((x list)) (list :list (length x)))",
    "(defclass box (standard-object) ((items :initform nil :accessor items)))",
    "(defparameter *box* (let ((b (make-instance 'box)))"
    "  (push 1 (items b)) (push 2 (items b)) b))",
    "(defparameter *keep* (lambda (y) (greet y)))",
};

/* The checks run before and after: each user's values and behaviour. */
struct check { const char *user, *form, *want; };
static const struct check checks[] = {
    { "alice", "(greet \"bob\")", "\"HI BOB\"" },
    { "alice", "(list (speak *rex*) (speak 3) (speak \"x\"))",
      "((:DOG \"woof\") (:INT 3) :OTHER)" },
    { "alice", "(prin1-to-string *rex*)", "\"#<dog Rex>\"" },
    { "alice", "(animal-name *rex*)", "\"Rex\"" },
    { "alice", "(list (typep *rex* 'animal) (typep *rex* 'standard-object)"
               " (class-name (class-of *rex*)))", "(T T DOG)" },
    { "alice", "(list (point-x *pt*) (point-y *pt*) (point-p *pt*))",
      "(1 0 T)" },
    { "alice", "(list (gethash \"a\" *table*) (gethash '(1 2) *table*))",
      "(1 2)" },
    { "alice", "(list *print-base* (format nil \"~a\" 255))", "(10 \"FF\")" },
    { "alice", "(safe 7)", "(:CAUGHT 7)" },
    { "alice", "(prin1-to-string (list 1 \"a\" #\\b))", "\"(1 \\\"a\\\" #\\\\b)\"" },
    { "alice", "(animal-name (make-instance 'dog :name \"Fido\"))",
      "\"Fido\"" },
    { "alice", "(eq (lispos-internal::%instance-wrapper *rex*)"
               " (lispos-internal::%slot-ref (class-of *rex*) 5))", "T" },
    { "bob", "(greet \"you\")", "\"hello you\"" },
    { "bob", "(list (size \"abc\") (size '(1 2)))", "(3 (:LIST 2))" },
    { "bob", "(items *box*)", "(2 1)" },
    { "bob", "(funcall *keep* \"me\")", "\"hello me\"" },
    { "bob", "(list *print-base* (format nil \"~a\" 255))", "(10 \"255\")" },
    { "bob", "(prin1-to-string (make-instance 'box))", NULL },  /* no dog */
    { NULL, "(admin-fn)", ":ADMIN" },
    { NULL, "(eq *integer* (find-class 'integer))", "T" },
};
enum { CHECKS = sizeof checks / sizeof checks[0] };

static void run_checks(lo_lisp *L, const char *when)
{
    for (int i = 0; i < CHECKS; i++) {
        const struct check *c = &checks[i];
        fixture_as(L, c->user);
        if (!c->want) {         /* printed as an unreadable object */
            int status = fixture_eval(L, c->form);
            ok(status == LO_OK && strncmp(fixture_out(), "\"#<BOX", 6) == 0,
               "%s: %s: %s", when, c->user, c->form);
            continue;
        }
        eval_is(L, c->form, c->want, "%s: %s: %s", when,
                c->user ? c->user : "system", c->form);
    }
    fixture_as(L, NULL);
}

/* ---- a changed boot ------------------------------------------------------------- */

static const char *const boot_a =
    "(defpackage :rerun-test (:use :cl)"
    "  (:export #:changed #:removed #:added #:gf #:shape #:shape-x"
    "           #:shape-y #:*state* #:*mode*))"
    "(in-package :rerun-test)"
    "(defun changed (x) (list :v1 x))"
    "(defun removed () :removed)"
    "(defgeneric gf (x))"
    "(defmethod gf ((x integer)) :int-v1)"
    "(defmethod gf ((x string)) :string)"
    "(defclass shape () ((x :initarg :x :accessor shape-x)))"
    "(defvar *state* (list :state))"
    "(defparameter *mode* :mode-a)"
    "(defconstant +limit+ 3)"
    "(defconstant +name+ \"shape\")"
    "(in-package :lispos-internal)";

static const char *const boot_b =
    "(defpackage :rerun-test (:use :cl)"
    "  (:export #:changed #:removed #:added #:gf #:shape #:shape-x"
    "           #:shape-y #:*state* #:*mode*))"
    "(in-package :rerun-test)"
    "(defun changed (x) (list :v2 x))"
    "(defun added () :new)"
    "(defgeneric gf (x))"
    "(defmethod gf ((x integer)) :int-v2)"
    "(defclass shape () ((x :initarg :x :accessor shape-x)"
    "                    (y :initform 42 :accessor shape-y)))"
    "(defvar *state* (list :other))"
    "(defparameter *mode* :mode-b)"
    "(defconstant +limit+ 4)"               /* another value */
    "(defconstant +name+ \"shape\")"        /* EQUAL, not EQL */
    /* the per-user defaults in another order, with a new one */
    "(defvar *per-user* :system-value)"
    "(in-package :lispos-internal)"
    "(%declare-user-defaults"
    " '(rerun-test::*per-user* *%condition-types* *readtable* *print-right-margin*"
    "   *print-readably* *print-radix* *print-pretty* *print-miser-width*"
    "   *print-lines* *print-level* *print-length* *print-gensym*"
    "   *print-escape* *print-circle* *print-case* *print-base*"
    "   *print-array* *package*))";

static void changed_boot(lo_lisp *L)
{
    char why[600];
    is_int(lo_upgrade_rerun_boot_with(L, boot_a, why, sizeof why), LO_OK,
           "the re-run with version A of a system package");
    if (*why)
        diag("%s", why);
    fixture_as(L, "alice");
    fixture_setup(L, "(defun call-changed (x) (rerun-test:changed x))");
    fixture_setup(L, "(defun call-removed () (rerun-test:removed))");
    fixture_setup(L, "(defun call-gf (x) (rerun-test:gf x))");
    fixture_setup(L, "(defclass my-shape (rerun-test:shape)"
             "  ((z :initform 5 :reader my-shape-z)))");
    fixture_setup(L, "(defparameter *s* (make-instance 'my-shape :x 1))");
    fixture_setup(L, "(defparameter *held* #'rerun-test:removed)");
    eval_is(L, "(list (call-changed 1) (call-removed) (call-gf 1)"
               " (call-gf \"s\"))", "((:V1 1) :REMOVED :INT-V1 :STRING)",
            "A: alice's code calls A's system functions");
    eval_is(L, "(list (rerun-test:shape-x *s*) (my-shape-z *s*))", "(1 5)",
            "A: alice's instance of her subclass of a system class");

    fixture_as(L, NULL);
    struct lo_upgrade_census before, after;
    lo_upgrade_census(L, &before);
    why[0] = '\0';
    is_int(lo_upgrade_rerun_boot_with(L, boot_b, why, sizeof why), LO_OK,
           "the re-run with version B");
    if (*why)
        diag("%s", why);
    lo_upgrade_census(L, &after);
    is_int(after.stale, 0, "B: no cell left stale");
    is_int(after.functions, before.functions + 2, "B: one system function "
           "dropped, three added (ADDED, SHAPE-Y and (SETF SHAPE-Y))");

    fixture_as(L, "alice");
    eval_is(L, "(call-changed 1)", "(:V2 1)",
            "B: alice's code compiled against A calls B's CHANGED");
    eval_is(L, "(handler-case (call-removed)"
               "  (undefined-function (e) (list :undefined"
               "                                (cell-error-name e))))",
            "(:UNDEFINED RERUN-TEST:REMOVED)",
            "B: calling REMOVED, which B dropped, is UNDEFINED-FUNCTION");
    eval_is(L, "(funcall *held*)", ":REMOVED",
            "B: the function object alice kept still works (old code)");
    eval_is(L, "(list (call-gf 1) (handler-case (call-gf \"s\")"
               "                     (error () :no-method)))",
            "(:INT-V2 :NO-METHOD)",
            "B: a changed method runs, a dropped method is gone");
    eval_is(L, "(list (rerun-test:shape-x *s*) (rerun-test:shape-y *s*)"
               " (my-shape-z *s*))", "(1 2A 5)",  /* her *print-base* is 16 */
            "B: alice's old instance gets the slot B added, keeps hers");
    eval_is(L, "(list (rerun-test:added) rerun-test:*mode*"
               " rerun-test:*state*)", "(:NEW :MODE-B (:STATE))",
            "B: a new function; DEFPARAMETER resets, DEFVAR keeps");
    eval_is(L, "(list (fboundp 'rerun-test:removed)"
               " (fboundp 'rerun-test:changed))", "(NIL T)",
            "B: REMOVED is unbound, CHANGED bound");
    eval_is(L, "(list (= *print-base* 16) (eq *package* (find-package"
               " \"CL-USER\")) rerun-test::*per-user*)",
            "(T T :SYSTEM-VALUE)", "B: the per-user defaults in a new "
            "order: alice's values follow their variables, a new one "
            "starts as the system's");
    fixture_setup(L, "(setq rerun-test::*per-user* :alice)");
    eval_is(L, "rerun-test::*per-user*", ":ALICE",
            "B: alice sets the new default");
    eval_is(L, "(list rerun-test::+limit+ rerun-test::+name+)",
            "(4 \"shape\")", "B: a constant has B's value");
    fixture_as(L, "bob");
    eval_is(L, "(list *print-base* rerun-test::*per-user*)",
            "(10 :SYSTEM-VALUE)", "B: bob's defaults are his");
    fixture_as(L, NULL);
    eval_fails(L, "(defconstant rerun-test::+limit+ 5)",
               "PROGRAM-ERROR: DEFCONSTANT: the constant already has "
               "another value", "but out of an upgrade, a constant keeps "
               "its value");
}

int main(void)
{
    /* the corpora on a fresh store, to compare with */
    char *fresh[CORPORA] = { 0 };
    struct fixture fx = { 0 };
    fixture_lisp(&fx, STORE_BLOCKS);
    for (int i = 0; i < CORPORA; i++)
        fresh[i] = run_corpus(fx.L, corpora[i]);
    fixture_close(&fx);

    memset(&fx, 0, sizeof fx);
    fixture_lisp(&fx, STORE_BLOCKS);
    lo_lisp *L = fx.L;
    fixture_setup(L, "(defun admin-fn () :admin)");
    fixture_setup(L, "(defparameter *integer* (find-class 'integer))");
    fixture_setup(L, keep_classes);
    fixture_as(L, "alice");
    for (size_t i = 0; i < sizeof alice_setup / sizeof *alice_setup; i++)
        fixture_setup(L, alice_setup[i]);
    fixture_as(L, "bob");
    for (size_t i = 0; i < sizeof bob_setup / sizeof *bob_setup; i++)
        fixture_setup(L, bob_setup[i]);
    fixture_as(L, "alice");
    eval_is(L, "(funcall *counter*)", "1", "before: alice's closure");
    run_checks(L, "before");

    struct counts before, after;
    fixture_setup(L, "(defparameter *epoch* lispos-internal::*%classes-epoch*)");
    take_counts(L, &before);
    ok(before.census.boot > 1000 && before.census.stale == 0,
       "the cold boot marked %llu system cells as the boot's, none stale",
       (unsigned long long)before.census.boot);

    char why[600] = "";
    /* collections all along: what the re-run holds in C must be roots */
    lo_lisp_gc_stress(L, 256 * 1024);
    is_int(lo_upgrade_rerun_boot(L, why, sizeof why), LO_OK,
           "the boot code runs again into the heap (collecting every "
           "256 KiB)");
    lo_lisp_gc_stress(L, 0);
    if (*why)
        diag("%s", why);

    take_counts(L, &after);
    is_int(after.census.cells, before.census.cells, "as many system cells");
    is_int(after.census.bound, before.census.bound, "as many bound");
    is_int(after.census.boot, before.census.boot, "as many the boot's");
    is_int(after.census.stale, 0, "none left stale");
    is_int(after.census.functions, before.census.functions,
           "as many functions (%llu)",
           (unsigned long long)after.census.functions);
    is_int(after.census.macros, before.census.macros, "as many macros");
    is_int(after.census.classes, before.census.classes, "as many classes");
    is_str(after.methods, before.methods, "as many methods of system generic "
       "functions (%s)", before.methods);
    is_str(after.boot_methods, before.boot_methods, "as many boot methods "
       "listed (%s): the list is rebuilt, not appended to",
       before.boot_methods);
    fixture_setup(L, same_classes);
    ok(strcmp(fixture_out() + strcspn(fixture_out(), " "), " T T)") == 0,
       "every system class is the same object, with the same layout: %s",
       fixture_out());
    eval_is(L, "(> lispos-internal::*%classes-epoch* *epoch*)", "T",
            "every dispatch cache went stale");

    fixture_setup(L, "(setf (get :rerun-probe 'print-object)"
             "  (mapcar (lambda (m) (lispos-internal::%slot-ref m 4))"
             "          (generic-function-methods #'print-object)))");
    fixture_as(L, "alice");
    eval_is(L, "(funcall *counter*)", "2", "after: alice's closure kept "
            "its state");
    eval_is(L, "(let ((system (get :rerun-probe 'print-object))"
               "      (mine (mapcar (lambda (m) (lispos-internal::%slot-ref m 4))"
               "                    (generic-function-methods"
               "                     #'print-object))))"
               "  (list (- (length mine) (length system))"
               "        (every (lambda (f) (member f mine)) system)))",
            "(1 T)", "after: alice's private PRINT-OBJECT has the "
            "system's methods as they are now, and hers");
    eval_is(L, "(eq *reader* (find-method #'animal-name nil"
               " (list (find-class 'animal)) nil))", "NIL",
            "after: alice's accessor methods were made again");
    run_checks(L, "after");

    /* the corpora, each as a fresh user of the re-run system */
    for (int i = 0; i < CORPORA; i++) {
        char *again = run_corpus(L, corpora[i]);
        char shown[600] = "";
        if (!fresh[i] || !again) {
            skip(1, "%s: could not run (tests/lisp from the tree's root)",
                 corpora[i]);
        } else {
            int line = first_difference(fresh[i], again, shown,
                                        sizeof shown);
            ok(line == 0, "%s: every form as on a fresh store", corpora[i]);
            if (line)
                diag("form %d: %s", line, shown);
        }
        free(fresh[i]);
        free(again);
    }

    /* the store commits and reopens */
    fixture_as(L, NULL);
    lo_ckpt_sync(fx.store);
    fixture_reopen(&fx);
    L = fx.L;
    fixture_as(L, "alice");
    eval_is(L, "(list (greet \"x\") (speak *rex*) (prin1-to-string *rex*))",
            "(\"HI X\" (:DOG \"woof\") \"#<dog Rex>\")",
            "reopened: alice's definitions");
    fixture_as(L, NULL);
    struct lo_upgrade_census reopened;
    lo_upgrade_census(L, &reopened);
    is_int(reopened.bound, after.census.bound, "reopened: the same cells");

    changed_boot(L);

    /* a heap made before the marks: the boot's definitions are guessed */
    struct lo_upgrade_census marked, unmarked;
    lo_upgrade_census(L, &marked);
    lo_upgrade_forget_marks(L);
    why[0] = '\0';
    is_int(lo_upgrade_rerun_boot(L, why, sizeof why), LO_OK,
           "unmarked: the re-run into a heap without marks");
    if (*why)
        diag("%s", why);
    lo_upgrade_census(L, &unmarked);
    is_int(unmarked.stale, 0, "unmarked: none left stale");
    is_int(unmarked.functions, marked.functions, "unmarked: as many "
           "functions");
    is_int(unmarked.classes, marked.classes, "unmarked: as many classes");
    ok(unmarked.boot + 50 > marked.boot && unmarked.boot <= marked.boot,
       "unmarked: the boot's marked again (%llu, %llu before)",
       (unsigned long long)unmarked.boot, (unsigned long long)marked.boot);
    run_checks(L, "unmarked");
    fixture_close(&fx);
    return done_testing();
}
