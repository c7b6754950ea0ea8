/*
 * lisp_limits.c -- evaluation limits through the C API (lisp.h,
 * lo_lisp_set_limits): each kind stops a runaway evaluation with
 * RESOURCE-EXHAUSTED in bounded time, steps are counted exactly, turning
 * limits off restores the unlimited behaviour, and limits are per thread:
 * a limited thread's runaways are stopped again and again while an
 * unlimited thread, with collections in between, runs far past what the
 * other's limits allow -- and a thread opened later has none.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ckpt/safepoint.h"
#include "lisp/lisp.h"
#include "tests/helpers/fixture.h"
#include "tests/tap.h"

static lo_lisp *main_L;

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void set_limits(lo_lisp *L, uint64_t steps, uint64_t bytes,
                       uint64_t wall_ns)
{
    struct lo_limits limits = { steps, bytes, wall_ns };
    lo_lisp_set_limits(L, &limits);
}

/* form fails on L with "RESOURCE-EXHAUSTED: <message>". */
#define exhausts(L, form, message, name)                                    \
    eval_fails(L, form, "RESOURCE-EXHAUSTED: " message, "%s", name)

/* ---- two threads: one limited, one not ---- */

enum { RUNAWAYS = 20, LONG_RUNS = 5 };
static int limited_failures, unlimited_failures;
static char limited_error[600], unlimited_error[600];

static void note(int *failures, char *error, size_t len, const char *what,
                 const char *out)
{
    if (!(*failures)++)
        snprintf(error, len, "%s -> %s", what, out);
}

static void *limited(void *arg)
{
    (void)arg;
    lo_lisp *L;
    if (lo_lisp_thread_open(main_L, &L) != LO_OK) {
        limited_failures++;
        return NULL;
    }
    set_limits(L, 100000, 0, 0);
    const char *out = fixture_out();
    for (int i = 0; i < RUNAWAYS; i++) {
        const char *form = i % 2 ? "(spin)"
                                 : "(unwind-protect (spin) (setq *t1* t))";
        if (fixture_eval(L, form) != LO_EINVAL ||
            strcmp(out, "RESOURCE-EXHAUSTED: the evaluation took more than "
                   "100000 VM steps") != 0)
            note(&limited_failures, limited_error, sizeof limited_error,
                 form, out);
        if (fixture_eval(L, "(progn (gc) (cd 1000))") != LO_OK ||
            strcmp(out, "DONE") != 0)
            note(&limited_failures, limited_error, sizeof limited_error,
                 "(cd 1000)", out);
    }
    if (fixture_eval(L, "*t1*") != LO_OK || strcmp(out, "T") != 0)
        note(&limited_failures, limited_error, sizeof limited_error,
             "*t1*", out);
    lo_lisp_thread_close(L);
    return NULL;
}

static void *unlimited(void *arg)
{
    (void)arg;
    lo_lisp *L;
    if (lo_lisp_thread_open(main_L, &L) != LO_OK) {
        unlimited_failures++;
        return NULL;
    }
    const char *out = fixture_out();
    for (int i = 0; i < LONG_RUNS; i++) {
        /* 300,000 steps and a collection: three times the other's limit */
        if (fixture_eval(L, "(progn (gc) (cd 300000))") != LO_OK ||
            strcmp(out, "DONE") != 0)
            note(&unlimited_failures, unlimited_error,
                 sizeof unlimited_error, "(cd 300000)", out);
        if (fixture_eval(L, "(length (churn 20000))") != LO_OK ||
            strcmp(out, "20000") != 0)
            note(&unlimited_failures, unlimited_error,
                 sizeof unlimited_error, "(churn 20000)", out);
    }
    lo_lisp_thread_close(L);
    return NULL;
}

int main(void)
{
    alarm(120);         /* limits that fail to stop code fail, never hang */
    struct fixture fx = { 0 };
    fixture_lisp(&fx, 65536);
    lo_lisp *L = main_L = fx.L;
    fixture_run(L, "(defun cd (n) (if (= n 0) 'done (cd (- n 1))))");
    fixture_run(L, "(defun spin () (spin))");
    fixture_run(L, "(defun churn (n) (let ((l nil)) (dotimes (i n) "
                "(push (make-list 10) l)) l))");
    fixture_run(L, "(defvar *t1* nil)");

    eval_is(L, "(cd 1000000)", "DONE", "no limits by default");

    /* steps: (cd n) takes n + 2 (the evaluation's call, CD's, n tail
     * calls) */
    set_limits(L, 10000, 0, 0);
    exhausts(L, "(spin)", "the evaluation took more than 10000 VM steps",
             "steps: a runaway stopped");
    eval_is(L, "(cd 9998)", "DONE", "steps: exactly the limit is allowed");
    exhausts(L, "(cd 9999)", "the evaluation took more than 10000 VM steps",
             "steps: one more is not");
    eval_is(L, "(+ 1 2)", "3", "steps: a small evaluation after");

    /* bytes */
    set_limits(L, 0, 1 << 20, 0);
    exhausts(L, "(length (churn 1000000))",
             "the evaluation allocated more than 1048576 bytes",
             "bytes: an allocation loop stopped");
    eval_is(L, "(length (churn 1000))", "1000",
            "bytes: 1000 lists of 10 (about 250 KB) are within 1 MiB");
    exhausts(L, "(length (make-list 1000000))",
             "the evaluation allocated more than 1048576 bytes",
             "bytes: one primitive's allocation stopped");

    /* wall time */
    set_limits(L, 0, 0, 50 * 1000 * 1000);
    uint64_t t0 = now_ms();
    exhausts(L, "(spin)", "the evaluation ran longer than 0.050 seconds",
             "wall time: a runaway stopped");
    uint64_t ms = now_ms() - t0;
    ok(ms >= 50 && ms < 2000, "wall time: after %llu ms (50 asked)",
       (unsigned long long)ms);
    t0 = now_ms();
    exhausts(L, "(unwind-protect (spin) (spin))",
             "the evaluation ran longer than 0.050 seconds (what was left "
             "was cut off after its grace)",
             "wall time: a cleanup that never ends cut off");
    ms = now_ms() - t0;
    ok(ms >= 50 && ms < 2000, "wall time: after %llu ms, grace included",
       (unsigned long long)ms);

    /* every limit at once: the first reached reports */
    set_limits(L, 1000000, 1 << 20, 10ull * 1000 * 1000 * 1000);
    exhausts(L, "(length (churn 1000000))",
             "the evaluation allocated more than 1048576 bytes",
             "all three: the bytes went first");
    exhausts(L, "(spin)", "the evaluation took more than 1000000 VM steps",
             "all three: the steps went first");

    set_limits(L, 0, 0, 0);
    eval_is(L, "(cd 1000000)", "DONE", "limits off: unlimited again");

    /* per thread */
    set_limits(L, 1000, 0, 0);      /* the main thread's own: not theirs */
    pthread_t a, b;
    pthread_create(&a, NULL, limited, NULL);
    pthread_create(&b, NULL, unlimited, NULL);
    bool blocked = lo_mutator_block_begin();
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    lo_mutator_block_end(blocked);
    is_int(limited_failures, 0, "the limited thread: %d runaways stopped, "
           "its cleanups ran, small evaluations fine %s", RUNAWAYS,
           limited_error);
    is_int(unlimited_failures, 0, "the unlimited thread at the same time: "
           "%d runs of 300,000 steps %s", LONG_RUNS, unlimited_error);
    exhausts(L, "(cd 1000)", "the evaluation took more than 1000 VM steps",
             "the main thread kept its own limits");
    set_limits(L, 0, 0, 0);

    lo_lisp *fresh;
    if (lo_lisp_thread_open(main_L, &fresh) != LO_OK)
        bail_out("thread open");
    eval_is(fresh, "(cd 1000000)", "DONE", "a new thread has no limits");
    lo_lisp_thread_close(fresh);

    struct lo_gc_result r;
    is_int(lo_lisp_collect(L, &r), LO_OK, "a collection after it all");
    fixture_close(&fx);
    return done_testing();
}
