/*
 * api_bench.c -- what entering the Lisp from C costs (lisp/api.h), for a
 * host that calls it on every request (make bench).
 *
 *   api_bench [N]          N operations of each kind (default 200000)
 *
 * On a RAM-disk store, the nanoseconds per operation of
 *   bench api-pcall-empty        lo_pcall of a function doing nothing: a
 *                                whole evaluation's entry and exit, in the
 *                                system environment (whose end freezes
 *                                what is new: lisp/freeze.c)
 *   bench api-pcall-empty-user   the same in a user's environment
 *   bench api-new-integer-outside  lo_new_integer outside any lo_pcall:
 *                                a bare entry point of its own each
 *   bench api-new-integer-inside   the same inside one lo_pcall: a handle
 *   bench api-call-outside       lo_call_named "+" on two integers
 *                                outside a lo_pcall: an evaluation each
 *   bench api-call-inside        the same inside one lo_pcall
 *   bench api-call-kept-inside   lo_call of the symbol + found once,
 *                                inside one lo_pcall
 *   bench api-eval-string        lo_lisp_eval_string "(+ 1 2)": read,
 *                                compile, run, print
 * each the median of 3 runs, in CPU time (the thread's: a loaded machine
 * inflates wall time).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lisp/api.h"

static lo_lisp *L;
static long n_ops = 200000;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void nothing(lo_lisp *L, void *ctx)
{
    (void)L;
    (void)ctx;
}

static void integers(lo_lisp *L, void *ctx)
{
    (void)ctx;
    for (long i = 0; i < n_ops; i++) {
        lo_scope s = lo_scope_open(L);
        lo_new_integer(L, i);
        lo_scope_close(L, s);
    }
}

static void calls(lo_lisp *L, void *ctx)
{
    (void)ctx;
    for (long i = 0; i < n_ops; i++) {
        lo_scope s = lo_scope_open(L);
        lo_ref args[2] = { lo_new_integer(L, i), lo_new_integer(L, 2) };
        lo_call_named(L, "CL", "+", args, 2);
        lo_scope_close(L, s);
    }
}

static void check(int status)
{
    if (status != LO_OK) {
        fprintf(stderr, "api_bench: %s: %s\n", lo_last_error(L)->type,
                lo_last_error(L)->message);
        exit(1);
    }
}

static lo_ref plus;            /* the symbol +, found once */

static void kept_calls(lo_lisp *L, void *ctx)
{
    (void)ctx;
    for (long i = 0; i < n_ops; i++) {
        lo_scope s = lo_scope_open(L);
        lo_ref args[2] = { lo_new_integer(L, i), lo_new_integer(L, 2) };
        lo_call(L, plus, args, 2);
        lo_scope_close(L, s);
    }
}

/* One run of kind k: nanoseconds per operation. */
static double run(int k)
{
    char out[64];
    uint64_t t0 = now_ns();
    switch (k) {
    case 0:
        for (long i = 0; i < n_ops; i++)
            lo_pcall(L, nothing, NULL);
        break;
    case 1:
        integers(L, NULL);
        break;
    case 2:
        check(lo_pcall(L, integers, NULL));
        break;
    case 3:
        calls(L, NULL);
        break;
    case 4:
        check(lo_pcall(L, calls, NULL));
        break;
    case 6:
        check(lo_pcall(L, kept_calls, NULL));
        break;
    case 7:
        lo_lisp_set_user(L, "bench");
        for (long i = 0; i < n_ops; i++)
            lo_pcall(L, nothing, NULL);
        lo_lisp_set_user(L, NULL);
        break;
    case 5:
        for (long i = 0; i < n_ops / 10; i++)
            lo_lisp_eval_string(L, "(+ 1 2)", out, sizeof out);
        return (double)(now_ns() - t0) / (double)(n_ops / 10);
    }
    return (double)(now_ns() - t0) / (double)n_ops;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    if (argc > 1)
        n_ops = atol(argv[1]);
    lo_disk *d;
    lo_ram_disk_open(65536, 4096, &d);
    char why[300];
    struct lo_ckpt_options opt = { .create = true };
    lo_ckpt *store;
    if (lo_ckpt_open(d, &opt, &store, why, sizeof why) != LO_OK ||
        lo_lisp_open(store, &L, why, sizeof why) != LO_OK) {
        fprintf(stderr, "api_bench: %s\n", why);
        return 1;
    }
    static const char *const names[] = {
        "api-pcall-empty", "api-new-integer-outside",
        "api-new-integer-inside", "api-call-outside", "api-call-inside",
        "api-eval-string", "api-call-kept-inside", "api-pcall-empty-user",
    };
    plus = lo_ref_keep(L, lo_new_symbol(L, "CL", "+"));
    for (int k = 0; k < 8; k++) {
        double t[3];
        for (int r = 0; r < 3; r++)
            t[r] = run(k);
        qsort(t, 3, sizeof t[0], by_value);
        printf("bench %s ns=%.0f\n", names[k], t[1]);
    }
    lo_lisp_close(L);
    lo_ckpt_close(store);
    lo_disk_close(d);
    return 0;
}
