/*
 * lisp_large.c -- large byte vectors from Lisp: (make-array n :element-type
 * '(unsigned-byte 8)) of 64 KiB and more lands in the large-object space;
 * it keeps its address through collections (with small garbage sliding
 * around), is freed when unreachable and its space reused, persists
 * across a reopen, and survives GC stress mode (a collection and a full
 * verify every KiB of allocation) while large vectors come and go.
 *
 * The heap root sits at the region's base (gc/heap.h); with one large
 * vector live, it is the large-object space's lowest block.
 */
#include <string.h>

#include "gc/heap.h"
#include "lisp/lisp.h"
#include "tests/helpers/fixture.h"
#include "tests/tap.h"

static struct fixture fx;

static struct lo_heap_root *root(void)
{
    return lo_ckpt_base(fx.store);
}

static void *bottom(void)
{
    return (char *)lo_ckpt_base(fx.store) + root()->los_bottom;
}

#define BYTES(n) "(make-array " #n " :element-type '(unsigned-byte 8))"

int main(void)
{
    fixture_lisp(&fx, 65536);                       /* 256 MiB */

    uint64_t before = root()->los_bytes;
    eval_is(fx.L, "(progn (defparameter *small* " BYTES(65535) ")"
            " (length *small*))", "65535", "a vector just under 64 KiB");
    is_int((long long)root()->los_bytes, (long long)before,
           "stays in the small-object space");
    eval_is(fx.L, "(progn (defparameter *big* " BYTES(1000000) ")"
            " (lispos-internal::%aset *big* 0 7) (lispos-internal::%aset *big* 999999 42) (length *big*))",
            "1000000",
            "a 1 MB byte vector");
    is_int((long long)root()->los_bytes, (long long)(before + 245 * 4096),
           "goes to the large-object space (245 pages)");
    void *big = bottom();

    /* collections with garbage around: it does not move */
    fixture_run(fx.L, "(defun churn (n) (let ((keep nil)) (dotimes (i n)"
                " (setq keep (cons (list 1 2 3 4 5 6 7 8)"
                " (if (> (length keep) 50) nil keep)))) nil))");
    int moved = 0;
    for (int i = 0; i < 5; i++) {
        fixture_run(fx.L, "(churn 2000)");
        fixture_run(fx.L, "(gc)");
        moved += bottom() != big;
    }
    is_int(moved, 0, "5 collections with garbage around: it never moved");
    eval_is(fx.L, "(list (aref *big* 0) (aref *big* 999999)"
            " (aref *big* 500000))", "(7 42 0)",
            "its contents are intact (zeros where unwritten)");

    /* freed when unreachable, the space reused */
    fixture_run(fx.L, "(defparameter *a* " BYTES(200000) ")");
    fixture_run(fx.L, "(defparameter *b* " BYTES(200000) ")");
    void *b = bottom();
    uint64_t with = root()->los_bytes;
    fixture_run(fx.L, "(setq *a* nil)");
    fixture_run(fx.L, "(gc)");
    is_int((long long)root()->los_bytes, (long long)(with - 49 * 4096),
           "an unreachable large vector is freed");
    fixture_run(fx.L, "(defparameter *c* " BYTES(100000) ")");
    ok(bottom() == b, "a new one reuses its space (the space did not grow)");
    fixture_run(fx.L, "(setq *b* nil *c* nil)");
    fixture_run(fx.L, "(gc)");
    ok(bottom() == big && root()->los_bytes == before + 245 * 4096,
       "all freed: the space shrinks back to *big*");

    /* persistence */
    is_int(lo_ckpt_sync(fx.store), LO_OK, "sync");
    fixture_reopen(&fx);
    ok(bottom() == big, "reopened: the large-object space is where it was");
    eval_is(fx.L, "(list (length *big*) (aref *big* 0) (aref *big* 999999))",
            "(1000000 7 42)", "reopened: *big* intact");
    fixture_run(fx.L, "(gc)");
    ok(bottom() == big, "and a collection does not move it");

    /* GC stress: a collection and a full verify every KiB, while large
     * vectors are made and dropped */
    lo_lisp_gc_stress(fx.L, 1024);
    eval_is(fx.L, "(let ((keep nil) (sum 0)) (dotimes (i 40) (let ((v "
            BYTES(70000) ")) (lispos-internal::%aset v 69999 (mod i 256))"
            " (setq keep (cons v keep)) (when (> (length keep) 3)"
            " (setq keep (list (car keep) (cadr keep)))) (churn 20)))"
            " (dolist (v keep) (setq sum (+ sum (aref v 69999)))) sum)",
            "77", "stress mode: 40 large vectors made and dropped, the "
            "kept ones intact");
    eval_is(fx.L, "(aref *big* 999999)", "42", "stress mode: *big* intact");
    lo_lisp_gc_stress(fx.L, 0);
    fixture_run(fx.L, "(gc)");
    /* stress mode collects young too: the heap keeps its crossing map in
     * a block of that space (gc/heap.h) */
    uint64_t map = fixture_crossing_bytes(root());
    ok(root()->los_bytes == before + 245 * 4096 + map,
       "after stress, only *big* (and the heap's crossing map, %llu "
       "bytes) is left in the large-object space",
       (unsigned long long)map);
    fixture_close(&fx);
    return done_testing();
}
