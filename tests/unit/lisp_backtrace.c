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
#include "tests/helpers/fixture.h"
#include "tests/tap.h"

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
    struct fixture fx = { 0 };
    fixture_lisp(&fx, 65536);
    lo_lisp *L = fx.L;

    fixture_run(L, "(defun inner (x) (car x))");
    fixture_run(L, "(defun middle (x) (list (inner x)))");
    fixture_run(L, "(defun outer (x y) (list (middle (+ x y))))");
    fixture_run(L, "(defun deep (n) (+ 1 (deep (+ n 1))))");

    ok(fixture_eval(L, "(outer 1 2)") == LO_EINVAL, "an unhandled error");
    const char *bt = take(L);
    is_str(bt, "0: (INNER 3)\n1: (MIDDLE 3)\n2: (OUTER 1 2)\n",
           "its backtrace: the frames, innermost first");
    is_str(take(L), "", "taken once");

    fixture_eval(L, "(outer 1 2)");
    ok(fixture_eval(L, "(+ 1 2)") == LO_OK, "a success");
    is_str(take(L), "", "... leaves no backtrace");

    ok(fixture_eval(L, "(ignore-errors (outer 1 2))") == LO_OK,
       "a handled error");
    is_str(take(L), "", "... leaves none");

    fixture_eval(L, "(outer 1 2)");
    ok(fixture_eval(L, "(abort)") == LO_EINVAL, "the ABORT restart");
    is_str(take(L), "", "... leaves none");

    ok(fixture_eval(L, "(deep 0)") == LO_EINVAL, "deep recursion");
    bt = take(L);
    is_int(count_lines(bt), 31, "30 frames and a line saying how many more");
    ok(strncmp(bt, "0: (DEEP ", 9) == 0, "innermost first: %.15s", bt);
    ok(strstr(bt, " more frames\n") != NULL, "... N more frames");

    ok(fixture_eval(L, "(error \"at top\")") == LO_EINVAL,
       "an error in the form");
    is_str(take(L), "0: (ERROR \"at top\" ...)\n", "ERROR's own frame");

    lo_lisp *T;
    if (lo_lisp_thread_open(L, &T) != LO_OK)
        bail_out("thread");
    fixture_eval(L, "(outer 1 2)");
    ok(fixture_eval(T, "(outer 2 3)") == LO_EINVAL,
       "an error on another thread");
    is_str(take(T), "0: (INNER 5)\n1: (MIDDLE 5)\n2: (OUTER 2 3)\n",
           "... has its own backtrace");
    is_str(take(L), "0: (INNER 3)\n1: (MIDDLE 3)\n2: (OUTER 1 2)\n",
           "... and the first thread keeps its own");
    lo_lisp_thread_close(T);

    fixture_close(&fx);
    return done_testing();
}
