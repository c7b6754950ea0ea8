/*
 * lisp_backtrace.c -- the backtrace of an unhandled error through the C
 * API (lisp.h, lo_lisp_take_backtrace): the frames of a nested failing
 * call, innermost first; empty after a success, after a handled error,
 * after the ABORT restart and once taken; bounded for deep recursion; per
 * thread.
 */
#include <stdio.h>
#include <string.h>

#include "lisp/lisp.h"
#include "tests/tap.h"

static int eval(lo_lisp *L, const char *form)
{
    char out[512];
    return lo_lisp_eval_string(L, form, out, sizeof out);
}

/* The backtrace taken, as a NUL-terminated copy. */
static const char *take(lo_lisp *L)
{
    static char copy[20000];
    const char *text;
    size_t n = lo_lisp_take_backtrace(L, &text);
    if (n >= sizeof copy)
        n = sizeof copy - 1;
    memcpy(copy, text, n);
    copy[n] = '\0';
    return copy;
}

static int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

int main(void)
{
    lo_disk *d;
    lo_ram_disk_open(65536, 4096, &d);
    char why[300];
    struct lo_ckpt_options opt = { .create = true };
    lo_ckpt *store;
    if (lo_ckpt_open(d, &opt, &store, why, sizeof why) != LO_OK)
        bail_out("%s", why);
    lo_lisp *L;
    if (lo_lisp_open(store, &L, why, sizeof why) != LO_OK)
        bail_out("%s", why);

    eval(L, "(defun inner (x) (car x))");
    eval(L, "(defun middle (x) (list (inner x)))");
    eval(L, "(defun outer (x y) (list (middle (+ x y))))");
    eval(L, "(defun deep (n) (+ 1 (deep (+ n 1))))");

    ok(eval(L, "(outer 1 2)") == LO_EINVAL, "an unhandled error");
    const char *bt = take(L);
    is_str(bt, "0: (INNER 3)\n1: (MIDDLE 3)\n2: (OUTER 1 2)\n",
           "its backtrace: the frames, innermost first");
    is_str(take(L), "", "taken once");

    eval(L, "(outer 1 2)");
    ok(eval(L, "(+ 1 2)") == LO_OK, "a success");
    is_str(take(L), "", "... leaves no backtrace");

    ok(eval(L, "(ignore-errors (outer 1 2))") == LO_OK, "a handled error");
    is_str(take(L), "", "... leaves none");

    eval(L, "(outer 1 2)");
    ok(eval(L, "(abort)") == LO_EINVAL, "the ABORT restart");
    is_str(take(L), "", "... leaves none");

    ok(eval(L, "(deep 0)") == LO_EINVAL, "deep recursion");
    bt = take(L);
    is_int(count_lines(bt), 31, "30 frames and a line saying how many more");
    ok(strncmp(bt, "0: (DEEP ", 9) == 0, "innermost first: %.15s", bt);
    ok(strstr(bt, " more frames\n") != NULL, "... N more frames");

    ok(eval(L, "(error \"at top\")") == LO_EINVAL, "an error in the form");
    is_str(take(L), "0: (ERROR \"at top\" ...)\n", "ERROR's own frame");

    lo_lisp *T;
    if (lo_lisp_thread_open(L, &T) != LO_OK)
        bail_out("thread");
    eval(L, "(outer 1 2)");
    ok(eval(T, "(outer 2 3)") == LO_EINVAL, "an error on another thread");
    is_str(take(T), "0: (INNER 5)\n1: (MIDDLE 5)\n2: (OUTER 2 3)\n",
           "... has its own backtrace");
    is_str(take(L), "0: (INNER 3)\n1: (MIDDLE 3)\n2: (OUTER 1 2)\n",
           "... and the first thread keeps its own");
    lo_lisp_thread_close(T);

    lo_lisp_close(L);
    lo_ckpt_close(store);
    lo_disk_close(d);
    return done_testing();
}
