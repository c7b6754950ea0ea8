/*
 * num_expr.h -- a one-argument function that only computes a number or
 * a comparison, read into a program C runs (num_expr.c says how and why).
 *
 *     lo_value program = lo_num_expr_read(L, fn, my_leaf_ok);
 *     if (!lo_null(L, program))
 *         switch (lo_num_expr_test(program, my_leaf, ctx)) {
 *         case LO_NUM_EXPR_YES: ...      fn would return true
 *         case LO_NUM_EXPR_NO: ...       fn would return NIL
 *         default: ...                   call fn: only it knows
 *         }
 */
#ifndef LO_LISP_NUM_EXPR_H
#define LO_LISP_NUM_EXPR_H

#include "lisp/internal.h"

/* Whether a call of callee with nargs arguments, the function's argument
 * and a constant, is a leaf the caller can compute (lo_num_expr_leaf). */
typedef bool lo_num_expr_leaf_ok(lo_lisp *L, lo_value callee, uint32_t nargs);
/* A leaf's value for the constant (LO_UNBOUND, or anything not a number:
 * the program cannot tell). */
typedef lo_value lo_num_expr_leaf(void *ctx, lo_value constant);

/* fn's program (a simple-vector), or NIL when fn does more than
 * arithmetic, comparisons, AND, OR, IF, NOT and LET over leaves and
 * constants (num_expr.c). */
lo_value lo_num_expr_read(lo_lisp *L, lo_value fn, lo_num_expr_leaf_ok *leaf_ok);

enum { LO_NUM_EXPR_NO, LO_NUM_EXPR_YES, LO_NUM_EXPR_UNKNOWN };
/* What fn would return, run on the leaves' values; never calls Lisp,
 * never allocates. */
int lo_num_expr_test(lo_value program, lo_num_expr_leaf *leaf, void *ctx);

#endif
