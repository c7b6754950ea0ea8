/*
 * lisp_packages.c -- packages under concurrency and across a reopening.
 *
 * Several threads intern the same 676 names into one package at once
 * (the first lookups race the lock-free readers against the writers
 * growing the table), each exports a row of them, makes its own package,
 * races the others to make one package of the same name, and reads
 * package-qualified symbols -- with collections in between.  Afterwards
 * every thread must have got the very same symbols, exactly one MAKE-
 * PACKAGE of the shared name must have succeeded, and everything must be
 * there, found by name, when the heap is opened again (which also starts
 * in COMMON-LISP-USER, whatever *PACKAGE* was).  GC stress mode collects
 * every 64 KiB of allocation meanwhile.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "ckpt/safepoint.h"
#include "lisp/lisp.h"
#include "tests/helpers/fixture.h"
#include "tests/tap.h"

enum { THREADS = 4, ROUNDS = 6 };

static lo_lisp *main_L;
static pthread_barrier_t start_line;
static int failures[THREADS], made_race[THREADS];
static char first_error[THREADS][1200];

/* All threads start a round together (waiting as blocked mutators, so a
 * collection some thread starts meanwhile does not wait for them). */
static void line_up(void)
{
    bool blocked = lo_mutator_block_begin();
    pthread_barrier_wait(&start_line);
    lo_mutator_block_end(blocked);
}

static void expect(int t, lo_lisp *L, const char *form, const char *want)
{
    if (!fixture_evaluates(L, form, LO_OK, want) && !failures[t]++)
        snprintf(first_error[t], sizeof first_error[t],
                 "%s -> %s (wanted %s)", form, fixture_out(), want);
}

/* Names SAA .. SZZ, interned row by row. */
static const char *const setup =
    "(defun name-of (i j) (let ((s (make-string 3 :initial-element #\\S)))"
    "  (lispos-internal::%char-set s 1 (code-char (+ 65 i))) (lispos-internal::%char-set s 2 (code-char (+ 65 j)))"
    "  s))"
    "(defun intern-row (i j pkg acc) (if (= j 26) acc"
    "  (intern-row i (+ j 1) pkg (cons (intern (name-of i j) pkg) acc))))"
    "(defun intern-all (i pkg acc) (if (= i 26) acc"
    "  (intern-all (+ i 1) pkg (intern-row i 0 pkg acc))))"
    "(defun export-row (i j pkg) (if (= j 26) t"
    "  (progn (export (intern (name-of i j) pkg) pkg) (export-row i (+ j 1) pkg))))"
    "(defun all-eq (a b) (if (null a) (null b)"
    "  (if (eq (car a) (car b)) (all-eq (cdr a) (cdr b)) nil)))"
    "(defpackage :shared (:use))"
    "(defun make-rounds (r) (if (= r 0) t (progn"
    "  (make-package (name-of 17 r)) (make-rounds (- r 1)))))"
    "(make-rounds 6)";                  /* SRB .. SRG, one a round */

static void *worker(void *arg)
{
    int t = (int)(intptr_t)arg;
    lo_lisp *L;
    char form[512], want[64];
    if (lo_lisp_thread_open(main_L, &L) != LO_OK) {
        failures[t]++;
        return NULL;
    }
    snprintf(form, sizeof form,
             "(defvar *got-%d* (intern-all 0 (find-package :shared) nil))", t);
    snprintf(want, sizeof want, "*GOT-%d*", t);
    expect(t, L, form, want);
    made_race[t] = fixture_eval(L, "(make-package :race)") == LO_OK;
    snprintf(form, sizeof form, "(package-name (make-package \"PRIV-%d\"))",
             t);
    snprintf(want, sizeof want, "\"PRIV-%d\"", t);
    expect(t, L, form, want);
    snprintf(form, sizeof form, "(export-row %d 0 :shared)", t);
    expect(t, L, form, "T");
    for (int round = 0; round < ROUNDS; round++) {
        line_up();
        snprintf(form, sizeof form, "(defvar *got-%d-%d* (intern-all 0 "
                 "(name-of 17 %d) nil))", t, round, round + 1);
        snprintf(want, sizeof want, "*GOT-%d-%d*", t, round);
        expect(t, L, form, want);
        snprintf(form, sizeof form,
                 "(progn (gc) (all-eq *got-%d* (intern-all 0 :shared nil)))",
                 t);
        expect(t, L, form, "T");
        snprintf(form, sizeof form,
                 "(let ((s (intern-row %d 0 \"PRIV-%d\" nil)))"
                 " (eq (car s) (find-symbol \"S%cZ\" \"PRIV-%d\")))",
                 round, t, 'A' + round, t);
        expect(t, L, form, "T");
        expect(t, L, "(eq 'shared::sbc (intern \"SBC\" :shared))", "T");
        expect(t, L, "(eq 'shared:saa (intern \"SAA\" :shared))", "T");
    }
    lo_lisp_thread_close(L);
    return NULL;
}

int main(void)
{
    struct fixture fx = { 0 };
    fixture_lisp(&fx, 65536);
    main_L = fx.L;
    is_int(fixture_eval(main_L, setup), LO_OK, "setup: %s", fixture_out());
    /* Exported rows are what SHARED:SAA reads need: thread 0's row A. */
    is_int(fixture_eval(main_L, "(export-row 0 0 :shared)"), LO_OK,
           "row A exported first");

    lo_lisp_gc_stress(main_L, 64 * 1024);  /* collections mid-race */
    pthread_barrier_init(&start_line, NULL, THREADS);
    pthread_t th[THREADS];
    for (int t = 0; t < THREADS; t++)
        pthread_create(&th[t], NULL, worker, (void *)(intptr_t)t);
    bool blocked = lo_mutator_block_begin();
    for (int t = 0; t < THREADS; t++)
        pthread_join(th[t], NULL);
    lo_mutator_block_end(blocked);

    int made = 0;
    for (int t = 0; t < THREADS; t++) {
        is_int(failures[t], 0, "thread %d: every result right %s", t,
               first_error[t]);
        made += made_race[t];
    }
    is_int(made, 1, "exactly one thread made the package RACE");
    eval_is(main_L, "(list (all-eq *got-0* *got-1*) (all-eq *got-1* *got-2*)"
            " (all-eq *got-2* *got-3*) (length *got-3*))", "(T T T 676)",
            "every thread got the same 676 symbols");
    for (int r = 0; r < ROUNDS; r++) {
        char form[300];
        snprintf(form, sizeof form, "(list (all-eq *got-0-%d* *got-1-%d*)"
                 " (all-eq *got-1-%d* *got-2-%d*) (all-eq *got-2-%d* "
                 "*got-3-%d*) (length (lispos-internal::%%package-symbols (name-of 17 %d))))",
                 r, r, r, r, r, r, r + 1);
        eval_is(main_L, form, "(T T T 676)", "round %d: the threads racing "
                "into a new package got the same symbols", r);
    }
    eval_is(main_L, "(list (length (lispos-internal::%package-symbols :shared nil))"
            " (length (lispos-internal::%package-symbols :shared t)))", "(676 104)",
            "SHARED holds 676 symbols, 4 rows external");
    eval_is(main_L, "(length (find-all-symbols \"SAZ\"))", "11",
            "SAZ in SHARED, each round's and each private package");

    eval_is(main_L, "(in-package :shared)",
            "#<COMMON-LISP:PACKAGE \"SHARED\">", "in SHARED before closing");
    is_int(lo_ckpt_sync(fx.store), LO_OK, "made durable");
    fixture_reopen_lisp(&fx);
    main_L = fx.L;
    eval_is(main_L, "*package*", "#<PACKAGE \"COMMON-LISP-USER\">",
            "a reopened system starts in COMMON-LISP-USER");
    eval_is(main_L, "(all-eq *got-2* (intern-all 0 :shared nil))", "T",
            "the same symbols are found by name after reopening");
    eval_is(main_L, "(list 'shared:sbz (symbol-package 'priv-3::sca))",
            "(SHARED:SBZ #<PACKAGE \"PRIV-3\">)",
            "package-qualified names read after reopening");
    pthread_barrier_destroy(&start_line);
    fixture_close(&fx);
    return done_testing();
}
