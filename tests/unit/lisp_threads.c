/*
 * lisp_threads.c -- several threads evaluating Lisp on one heap at once,
 * with collections (forced, and triggered by allocation) and snapshots in
 * between, giving correct results; then the store reopened in the same
 * process still has every thread's definitions.
 *
 * Each thread defines its own functions (interning new symbols and adding
 * global cells concurrently), builds and checks lists that survive many
 * collections (the system's threads call (gc) themselves; a user may not,
 * so users' threads allocate more), and writes to standard output, which
 * must come back as its own; a further thread takes snapshots.  The last
 * USER_THREADS threads run in users' environments (docs/environments.md):
 * each defines MINE and sets *PRINT-BASE* and must keep seeing its own.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "ckpt/safepoint.h"
#include "lisp/lisp.h"
#include "tests/helpers/fixture.h"
#include "tests/tap.h"

enum { THREADS = 6, USER_THREADS = 2, ROUNDS = 60 };

/* Thread t's user, and the *print-base* it chooses. */
static bool user_thread(int t) { return t >= THREADS - USER_THREADS; }
static int user_base(int t) { return t % 2 ? 8 : 16; }

static lo_lisp *main_L;
static lo_ckpt *store;
static int failures[THREADS];
static char first_error[THREADS][1200];
static atomic_bool stop_snapshots;

static void expect(int t, lo_lisp *L, const char *form, const char *want)
{
    if (!fixture_evaluates(L, form, LO_OK, want) && !failures[t]++)
        snprintf(first_error[t], sizeof first_error[t],
                 "%s -> %s (wanted %s)", form, fixture_out(), want);
}

/* What L wrote to standard output since the last take is want. */
static void expect_output(int t, lo_lisp *L, const char *want)
{
    const char *text;
    size_t n = lo_lisp_take_output(L, &text);
    if (n != strlen(want) || memcmp(text, want, n) != 0) {
        if (!failures[t]++)
            snprintf(first_error[t], sizeof first_error[t],
                     "output %.*s (wanted %s)", (int)n, text, want);
    }
}

static void *worker(void *arg)
{
    int t = (int)(intptr_t)arg;
    lo_lisp *L;
    if (lo_lisp_thread_open(main_L, &L) != LO_OK) {
        failures[t]++;
        return NULL;
    }
    char form[512], want[64];
    if (user_thread(t)) {
        snprintf(want, sizeof want, "user%d", t);
        if (lo_lisp_set_user(L, want) != LO_OK)
            failures[t]++;
        snprintf(form, sizeof form, "(defun mine () %d)", t);
        expect(t, L, form, "MINE");
        snprintf(form, sizeof form, "(progn (setq *print-base* %d) nil)",
                 user_base(t));
        expect(t, L, form, "NIL");
    }
    snprintf(form, sizeof form,
             "(defun build-%d (n acc) (if (= n 0) acc "
             "(build-%d (- n 1) (cons (list n (* n %d)) acc))))", t, t, t);
    snprintf(want, sizeof want, "BUILD-%d", t);
    expect(t, L, form, want);
    snprintf(form, sizeof form,
             "(defun sum-%d (l acc) (if (null l) acc "
             "(sum-%d (cdr l) (+ acc (car (cdr (car l)))))))", t, t);
    snprintf(want, sizeof want, "SUM-%d", t);
    expect(t, L, form, want);
    expect(t, L, "(defvar *who* nil)", "*WHO*");
    for (int round = 0; round < ROUNDS; round++) {
        int n = 200 + round * 10;
        if (user_thread(t)) {
            /* its own MINE, and the *print-base* it left at the end of
             * the last round, whatever the others do; then base 10 for
             * this round's checks */
            snprintf(want, sizeof want, "(%d \"%s\")", t,
                     user_base(t) == 16 ? "FF" : "377");
            expect(t, L, "(prog1 (list (mine) (prin1-to-string 255)) "
                   "(setq *print-base* 10))", want);
        }
        /* sum of i * t for i = 1..n, through a list that lives across
         * collections triggered by the other threads */
        /* GC is the system's alone: users' threads allocate instead, and
         * the system's threads' collections move their objects */
        const char *collect = user_thread(t) ? "(make-list 20000)" : "(gc)";
        snprintf(form, sizeof form,
                 "(let ((l (build-%d %d nil))) %s "
                 "(mapcar (lambda (x) (list x x)) l) (sum-%d l 0))",
                 t, n, collect, t);
        snprintf(want, sizeof want, "%lld", (long long)n * (n + 1) / 2 * t);
        expect(t, L, form, want);
        /* standard output is each thread's own */
        snprintf(form, sizeof form, "(format t \"t~d ~{~a~}\" %d (list %d "
                 "(princ-to-string (build-%d 3 nil))))", t, round, t);
        expect(t, L, form, "NIL");
        snprintf(want, sizeof want, "t%d %d((1 %d) (2 %d) (3 %d))", t, round,
                 t, 2 * t, 3 * t);
        expect_output(t, L, want);
        /* special bindings are each thread's own, and non-local exits
         * (an error caught by a handler) undo them */
        snprintf(form, sizeof form,
                 "(let ((*who* %d)) %s (list *who* (handler-case "
                 "(let ((*who* 'inner)) (build-%d 50 nil) (error \"x\")) "
                 "(error () *who*)) (catch 'k (let ((*who* %d)) "
                 "(throw 'k (* *who* 2))))))", t, collect, t, t);
        snprintf(want, sizeof want, "(%d %d %d)", t, t, 2 * t);
        expect(t, L, form, want);
        snprintf(form, sizeof form, "(defvar *kept-%d-%d* (build-%d 20 nil))",
                 t, round, t);
        snprintf(want, sizeof want, "*KEPT-%d-%d*", t, round);
        expect(t, L, form, want);
        if (user_thread(t)) {
            snprintf(form, sizeof form, "(progn (setq *print-base* %d) nil)",
                     user_base(t));
            expect(t, L, form, "NIL");
        }
    }
    lo_lisp_thread_close(L);
    return NULL;
}

static void *snapshotter(void *arg)
{
    (void)arg;
    while (!atomic_load(&stop_snapshots)) {
        lo_ckpt_snapshot(store);
        struct timespec ts = { 0, 3 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
    return NULL;
}

int main(void)
{
    struct fixture fx = { 0 };
    fixture_lisp(&fx, 65536);
    store = fx.store;
    main_L = fx.L;

    pthread_t th[THREADS], snap;
    pthread_create(&snap, NULL, snapshotter, NULL);
    for (int t = 0; t < THREADS; t++)
        pthread_create(&th[t], NULL, worker, (void *)(intptr_t)t);
    /* The main thread is a mutator too: it must not hold up stops while it
     * waits, so it waits as "blocked". */
    bool blocked = lo_mutator_block_begin();
    for (int t = 0; t < THREADS; t++)
        pthread_join(th[t], NULL);
    atomic_store(&stop_snapshots, true);
    pthread_join(snap, NULL);
    lo_mutator_block_end(blocked);

    for (int t = 0; t < THREADS; t++)
        is_int(failures[t], 0, "thread %d: every result right %s", t,
               first_error[t]);
    struct lo_gc_result r;
    is_int(lo_lisp_collect(main_L, &r), LO_OK, "a final collection");
    ok(r.live_bytes > 0, "live after it: %llu bytes",
       (unsigned long long)r.live_bytes);
    eval_is(main_L, "(list (sum-2 *kept-2-59* 0) (length *kept-3-0*))",
            "(420 20)", "every thread's definitions and data are there");
    eval_is(main_L, "(list (fboundp 'mine) (fboundp 'build-4) 255)",
            "(NIL NIL 255)", "the users' definitions and defaults are not "
            "the system's");

    is_int(lo_ckpt_sync(store), LO_OK, "made durable");
    fixture_reopen_lisp(&fx);
    main_L = fx.L;
    eval_is(main_L, "(list (sum-1 *kept-1-30* 0) (length (build-0 7 nil)))",
            "(210 7)", "and still there when the heap is opened again");
    is_int(lo_lisp_set_user(main_L, "user4"), LO_OK, "back in user4's environment");
    eval_is(main_L, "(list (mine) (length *kept-4-59*) 255)", "(4 14 FF)",
            "user4's definitions and *print-base* are kept");
    fixture_close(&fx);
    return done_testing();
}
