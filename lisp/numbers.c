/*
 * numbers.c -- the number primitives: arithmetic, comparison, the
 * rounding family, integer and bit functions, predicates, conversions,
 * and the elementary functions of floats.  The work is in arith.c and
 * tower.c (numbers.h); here are argument checks, folding over &rest
 * arguments, and SBCL's choices where Common Lisp leaves room.
 *
 * Every float is a double: where SBCL gives a single-float (FLOAT of a
 * rational without a prototype, SQRT EXP LOG SIN... of a rational), this
 * gives the double.  There are no complex numbers: where SBCL's result
 * would be complex ((sqrt -1.0), (log -1.0), (asin 2.0)), this is an
 * ARITHMETIC-ERROR.
 */
#include "lisp/numbers.h"

/* ---- argument checkers (numbers.h) ---- */

lo_value lo_arg_number(lo_lisp *L, lo_value v)
{
    if (!lo_numberp(v))
        lo_arg_error(L, v, "NUMBER");
    return v;
}

lo_value lo_arg_real(lo_lisp *L, lo_value v)
{
    if (!lo_numberp(v))             /* no complex numbers: every one */
        lo_arg_error(L, v, "REAL");
    return v;
}

lo_value lo_arg_rational(lo_lisp *L, lo_value v)
{
    if (!lo_rationalp(v))
        lo_arg_error(L, v, "RATIONAL");
    return v;
}

lo_value lo_arg_unsigned(lo_lisp *L, lo_value v)
{
    if (!lo_integerp(v) || lo_int_compare(v, lo_fixnum(0)) < 0)
        lo_arg_error(L, v, "UNSIGNED-BYTE");
    return v;
}

double lo_arg_double(lo_lisp *L, lo_value v)
{
    return lo_to_double(L, lo_arg_number(L, v), L->primitive->name);
}

static _Noreturn void complex_result(lo_lisp *L, const char *op)
{
    lo_arithmetic_error(L, "ARITHMETIC-ERROR", op, NULL, 0, "%s: the result "
                        "would be a complex number (not supported)", op);
}

static bool sign_bit(double d) { return lo_double_bits(d) >> 63; }

static double copy_sign(double magnitude, double sign)
{
    uint64_t bits = (lo_double_bits(magnitude) & ~(1ull << 63)) |
                    (lo_double_bits(sign) & (1ull << 63));
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
}

/* ---- + - * / ---- */

LO_PRIMITIVE(p_add, "+", CL, ANY, 0, -1, "(&rest numbers)",
             "The sum of NUMBERS; 0 when there are none.  Integers grow "
             "into bignums as needed; a float anywhere makes the sum a "
             "double-float.")
{
    if (nargs == 0)
        return lo_fixnum(0);
    lo_value acc = lo_arg_number(L, args[0]);
    for (uint32_t i = 1; i < nargs; i++)
        acc = lo_num_add(L, acc, args[i], "+");
    return acc;
}

LO_PRIMITIVE(p_sub, "-", CL, ANY, 1, -1, "(minuend &rest subtrahends)",
             "MINUEND less each of SUBTRAHENDS in turn; with no "
             "SUBTRAHENDS, the negation of MINUEND.")
{
    if (nargs == 1)
        return lo_num_negate(L, args[0], "-");
    lo_value acc = args[0];
    for (uint32_t i = 1; i < nargs; i++)
        acc = lo_num_sub(L, acc, args[i], "-");
    return acc;
}

LO_PRIMITIVE(p_mul, "*", CL, ANY, 0, -1, "(&rest numbers)",
             "The product of NUMBERS; 1 when there are none.")
{
    if (nargs == 0)
        return lo_fixnum(1);
    lo_value acc = lo_arg_number(L, args[0]);
    for (uint32_t i = 1; i < nargs; i++)
        acc = lo_num_mul(L, acc, args[i], "*");
    return acc;
}

LO_PRIMITIVE(p_div, "/", CL, ANY, 1, -1, "(numerator &rest denominators)",
             "NUMERATOR divided by each of DENOMINATORS in turn; with no "
             "DENOMINATORS, the reciprocal of NUMERATOR.  Integers divide "
             "exactly, into a ratio when needed; dividing by zero signals "
             "DIVISION-BY-ZERO.")
{
    if (nargs == 1)
        return lo_num_div(L, lo_fixnum(1), args[0], "/");
    lo_value acc = args[0];
    for (uint32_t i = 1; i < nargs; i++)
        acc = lo_num_div(L, acc, args[i], "/");
    return acc;
}

LO_PRIMITIVE(p_one_plus, "1+", CL, ANY, 1, 1, "(number)",
             "NUMBER plus one.")
{
    return lo_num_add(L, args[0], lo_fixnum(1), "1+");
}

LO_PRIMITIVE(p_one_minus, "1-", CL, ANY, 1, 1, "(number)",
             "NUMBER minus one.")
{
    return lo_num_sub(L, args[0], lo_fixnum(1), "1-");
}

/* ---- comparison ---- */

enum cmp { CMP_EQ, CMP_LT, CMP_GT, CMP_LE, CMP_GE };

/* = < > <= >=: every neighbouring pair compares so (every argument is
 * checked first, as SBCL does: a number for =, a real for the others). */
static lo_value compare(lo_lisp *L, lo_value *a, uint32_t n, enum cmp op,
                        const char *name)
{
    for (uint32_t i = 0; i < n; i++)
        op == CMP_EQ ? lo_arg_number(L, a[i]) : lo_arg_real(L, a[i]);
    for (uint32_t i = 0; i + 1 < n; i++) {
        int c = lo_num_compare(L, a[i], a[i + 1], name);
        bool ok = c != LO_UNORDERED &&
                  (op == CMP_EQ ? c == 0 : op == CMP_LT ? c < 0
                   : op == CMP_GT ? c > 0 : op == CMP_LE ? c <= 0 : c >= 0);
        if (!ok)
            return L->nil;
    }
    return L->t;
}

LO_PRIMITIVE(p_num_eq, "=", CL, ANY, 1, -1, "(number &rest more-numbers)",
             "True when all the numbers are numerically equal (a float is "
             "compared by its exact value).")
{ return compare(L, args, nargs, CMP_EQ, "="); }
LO_PRIMITIVE(p_lt, "<", CL, ANY, 1, -1, "(real &rest more-reals)",
             "True when each real is less than the next.")
{ return compare(L, args, nargs, CMP_LT, "<"); }
LO_PRIMITIVE(p_gt, ">", CL, ANY, 1, -1, "(real &rest more-reals)",
             "True when each real is greater than the next.")
{ return compare(L, args, nargs, CMP_GT, ">"); }
LO_PRIMITIVE(p_le, "<=", CL, ANY, 1, -1, "(real &rest more-reals)",
             "True when each real is less than or equal to the next.")
{ return compare(L, args, nargs, CMP_LE, "<="); }
LO_PRIMITIVE(p_ge, ">=", CL, ANY, 1, -1, "(real &rest more-reals)",
             "True when each real is greater than or equal to the next.")
{ return compare(L, args, nargs, CMP_GE, ">="); }

/* /=: no two arguments are equal. */
LO_PRIMITIVE(p_num_ne, "/=", CL, ANY, 1, -1, "(number &rest more-numbers)",
             "True when no two of the numbers are numerically equal.")
{
    for (uint32_t i = 0; i < nargs; i++)
        lo_arg_number(L, args[i]);
    for (uint32_t i = 0; i < nargs; i++)
        for (uint32_t j = i + 1; j < nargs; j++)
            if (lo_num_compare(L, args[i], args[j], "/=") == 0)
                return L->nil;
    return L->t;
}

/* max and min return an argument itself, the first of equal extremes. */
static lo_value extreme(lo_lisp *L, lo_value *a, uint32_t n, int want,
                        const char *op)
{
    lo_value best = lo_arg_real(L, a[0]);
    for (uint32_t i = 1; i < n; i++)
        if (lo_num_compare(L, lo_arg_real(L, a[i]), best, op) == want)
            best = a[i];
    return best;
}

LO_PRIMITIVE(p_max, "MAX", CL, ANY, 1, -1, "(real &rest more-reals)",
             "The greatest of the reals, returned as it was given (the "
             "first of equal ones).")
{ return extreme(L, args, nargs, 1, "MAX"); }
LO_PRIMITIVE(p_min, "MIN", CL, ANY, 1, -1, "(real &rest more-reals)",
             "The least of the reals, returned as it was given (the first "
             "of equal ones).")
{ return extreme(L, args, nargs, -1, "MIN"); }

LO_PRIMITIVE(p_abs, "ABS", CL, ANY, 1, 1, "(number)",
             "The absolute value of NUMBER.")
{
    if (lo_doublep(lo_arg_number(L, args[0])))
        return lo_make_double(L, copy_sign(lo_double_value(args[0]), 1.0));
    return lo_num_sign(L, args[0], "ABS") < 0 ? lo_num_negate(L, args[0], "ABS")
                                           : args[0];
}

LO_PRIMITIVE(p_signum, "SIGNUM", CL, ANY, 1, 1, "(number)",
             "-1, 0 or 1 by the sign of NUMBER, as a float when NUMBER is a "
             "float (a float zero is returned itself).")
{
    int s = lo_num_sign(L, args[0], "SIGNUM");
    if (!lo_doublep(args[0]))
        return lo_fixnum(s);
    return s == 0 ? args[0] : lo_make_double(L, s);
}

/* ---- predicates ---- */

LO_PRIMITIVE(p_zerop, "ZEROP", CL, ANY, 1, 1, "(number)",
             "True when NUMBER is zero.")
{ return lo_truth(L, lo_num_sign(L, args[0], "ZEROP") == 0); }
LO_PRIMITIVE(p_plusp, "PLUSP", CL, ANY, 1, 1, "(real)",
             "True when REAL is greater than zero.")
{ return lo_truth(L, lo_num_sign(L, lo_arg_real(L, args[0]), "PLUSP") > 0); }
LO_PRIMITIVE(p_minusp, "MINUSP", CL, ANY, 1, 1, "(real)",
             "True when REAL is less than zero.")
{ return lo_truth(L, lo_num_sign(L, lo_arg_real(L, args[0]), "MINUSP") < 0); }

static bool oddp(lo_lisp *L, lo_value v)
{
    lo_limb one[1];
    lo_big b = lo_integer_view(lo_arg_integer(L, v), one);
    return lo_big_oddp(&b);
}

LO_PRIMITIVE(p_evenp, "EVENP", CL, ANY, 1, 1, "(integer)",
             "True when INTEGER is even.")
{ return lo_truth(L, !oddp(L, args[0])); }
LO_PRIMITIVE(p_oddp, "ODDP", CL, ANY, 1, 1, "(integer)",
             "True when INTEGER is odd.")
{ return lo_truth(L, oddp(L, args[0])); }

LO_PRIMITIVE(p_numberp, "NUMBERP", CL, ANY, 1, 1, "(object)",
             "True when OBJECT is a number.")
{ return lo_truth(L, lo_numberp(args[0])); }
LO_PRIMITIVE_ALIAS(p_realp, p_numberp, "REALP", CL, ANY, 1, 1, "(object)",
                   "True when OBJECT is a real number: every number, as "
                   "LispOS has no complex numbers.");

LO_PRIMITIVE(p_integerp, "INTEGERP", CL, ANY, 1, 1, "(object)",
             "True when OBJECT is an integer (a fixnum or a bignum).")
{ return lo_truth(L, lo_integerp(args[0])); }
LO_PRIMITIVE(p_rationalp, "RATIONALP", CL, ANY, 1, 1, "(object)",
             "True when OBJECT is an integer or a ratio.")
{ return lo_truth(L, lo_rationalp(args[0])); }
LO_PRIMITIVE(p_floatp, "FLOATP", CL, ANY, 1, 1, "(object)",
             "True when OBJECT is a float; every float in LispOS is a "
             "double-float.")
{ return lo_truth(L, lo_doublep(args[0])); }
LO_PRIMITIVE(p_complexp, "COMPLEXP", CL, ANY, 1, 1, "(object)",
             "Always false: LispOS has no complex numbers.")
{ return L->nil; }

/* ---- the rounding family ---- */

/* (op x [divisor]): two values, the integer quotient and the remainder. */
static lo_value rounding(lo_lisp *L, lo_value *a, uint32_t n,
                         enum lo_big_rounding mode, const char *op)
{
    lo_value v[2];
    lo_num_round(L, lo_arg_real(L, a[0]),
                 n > 1 ? lo_arg_real(L, a[1]) : lo_fixnum(1), mode,
                 &v[0], &v[1], op);
    return lo_values(L, 2, v);
}

LO_PRIMITIVE(p_floor, "FLOOR", CL, ANY, 1, 2, "(number &optional (divisor 1))",
             "NUMBER divided by DIVISOR, rounded toward negative infinity, "
             "and the remainder: two values, the quotient an integer.")
{ return rounding(L, args, nargs, LO_BIG_FLOOR, "FLOOR"); }
LO_PRIMITIVE(p_ceiling, "CEILING", CL, ANY, 1, 2,
             "(number &optional (divisor 1))",
             "NUMBER divided by DIVISOR, rounded toward positive infinity, "
             "and the remainder: two values, the quotient an integer.")
{ return rounding(L, args, nargs, LO_BIG_CEILING, "CEILING"); }
LO_PRIMITIVE(p_truncate, "TRUNCATE", CL, ANY, 1, 2,
             "(number &optional (divisor 1))",
             "NUMBER divided by DIVISOR, rounded toward zero, and the "
             "remainder: two values, the quotient an integer.")
{ return rounding(L, args, nargs, LO_BIG_TRUNCATE, "TRUNCATE"); }
LO_PRIMITIVE(p_round, "ROUND", CL, ANY, 1, 2, "(number &optional (divisor 1))",
             "NUMBER divided by DIVISOR, rounded to the nearest integer (to "
             "the even one at a tie), and the remainder: two values.")
{ return rounding(L, args, nargs, LO_BIG_ROUND, "ROUND"); }

static lo_value remainder(lo_lisp *L, lo_value *a, enum lo_big_rounding mode,
                          const char *op)
{
    lo_value q, r;
    lo_num_round(L, lo_arg_real(L, a[0]), lo_arg_real(L, a[1]), mode,
                 &q, &r, op);
    return r;
}

LO_PRIMITIVE(p_mod, "MOD", CL, ANY, 2, 2, "(number divisor)",
             "The remainder of FLOOR of NUMBER by DIVISOR: it has the sign "
             "of DIVISOR.")
{ return remainder(L, args, LO_BIG_FLOOR, "MOD"); }
LO_PRIMITIVE(p_rem, "REM", CL, ANY, 2, 2, "(number divisor)",
             "The remainder of TRUNCATE of NUMBER by DIVISOR: it has the "
             "sign of NUMBER.")
{ return remainder(L, args, LO_BIG_TRUNCATE, "REM"); }

/* toward zero, keeping the sign of a zero result ((ftruncate -0.5) is
 * -0.0 in SBCL) */
static double trunc_double(double d)
{
    if (!(d > -0x1p52 && d < 0x1p52))
        return d;
    return copy_sign((double)(int64_t)d, d);
}

/* SBCL's FTRUNCATE: on rationals, TRUNCATE with the quotient made a
 * float; with a float, truncated in float arithmetic (%unary-ftruncate),
 * so the sign of a zero quotient survives. */
static void ftruncate2(lo_lisp *L, lo_value x, lo_value y, lo_value *q,
                       lo_value *r, const char *op)
{
    if (!lo_doublep(x) && !lo_doublep(y)) {
        lo_num_round(L, x, y, LO_BIG_TRUNCATE, q, r, op);
        *q = lo_make_double(L, lo_to_double(L, *q, op));
        return;
    }
    if (lo_doublep(x) && y == lo_fixnum(1)) {
        double res = trunc_double(lo_double_value(x));
        *q = lo_make_double(L, res);
        *r = lo_make_double(L, lo_double_value(x) - res);
        return;
    }
    double divisor = lo_to_double(L, y, op), xd = lo_to_double(L, x, op);
    if (divisor == 0)
        lo_arithmetic_error(L, "DIVISION-BY-ZERO", op, (lo_value[]){ x, y },
                            2, "%s: division by zero", op);
    double res = trunc_double(lo_double_value(lo_float_result(L, xd / divisor,
                                                              op)));
    *q = lo_make_double(L, res);
    *r = lo_float_result(L, xd - res * divisor, op);
}

/* ftruncate ffloor fceiling: SBCL's FFLOOR and FCEILING adjust
 * FTRUNCATE's results as FLOOR and CEILING adjust TRUNCATE's. */
static lo_value float_rounding(lo_lisp *L, lo_value *a, uint32_t n,
                               enum lo_big_rounding mode, const char *op)
{
    lo_value x = lo_arg_real(L, a[0]);
    lo_value y = n > 1 ? lo_arg_real(L, a[1]) : lo_fixnum(1), v[2];
    ftruncate2(L, x, y, &v[0], &v[1], op);
    if (mode != LO_BIG_TRUNCATE && lo_num_sign(L, v[1], op) != 0) {
        int sx = lo_num_sign(L, x, op), sy = lo_num_sign(L, y, op);
        if (mode == LO_BIG_FLOOR && (sy < 0 ? sx > 0 : sx < 0)) {
            v[0] = lo_num_sub(L, v[0], lo_fixnum(1), op);
            v[1] = lo_num_add(L, v[1], y, op);
        } else if (mode == LO_BIG_CEILING && (sy < 0 ? sx < 0 : sx > 0)) {
            v[0] = lo_num_add(L, v[0], lo_fixnum(1), op);
            v[1] = lo_num_sub(L, v[1], y, op);
        }
    }
    return lo_values(L, 2, v);
}

LO_PRIMITIVE(p_ffloor, "FFLOOR", CL, ANY, 1, 2,
             "(number &optional (divisor 1))",
             "As FLOOR, with the quotient a double-float.")
{ return float_rounding(L, args, nargs, LO_BIG_FLOOR, "FFLOOR"); }
LO_PRIMITIVE(p_fceiling, "FCEILING", CL, ANY, 1, 2,
             "(number &optional (divisor 1))",
             "As CEILING, with the quotient a double-float.")
{ return float_rounding(L, args, nargs, LO_BIG_CEILING, "FCEILING"); }
LO_PRIMITIVE(p_ftruncate, "FTRUNCATE", CL, ANY, 1, 2,
             "(number &optional (divisor 1))",
             "As TRUNCATE, with the quotient a double-float.")
{ return float_rounding(L, args, nargs, LO_BIG_TRUNCATE, "FTRUNCATE"); }

/* fround: ROUND, with the quotient made a float. */
LO_PRIMITIVE(p_fround, "FROUND", CL, ANY, 1, 2,
             "(number &optional (divisor 1))",
             "As ROUND, with the quotient a double-float.")
{
    lo_value v[2];
    lo_num_round(L, lo_arg_real(L, args[0]),
                 nargs > 1 ? lo_arg_real(L, args[1]) : lo_fixnum(1),
                 LO_BIG_ROUND, &v[0], &v[1], "FROUND");
    v[0] = lo_make_double(L, lo_to_double(L, v[0], "FROUND"));
    return lo_values(L, 2, v);
}

/* ---- integers ---- */

LO_PRIMITIVE(p_gcd, "GCD", CL, ANY, 0, -1, "(&rest integers)",
             "The greatest common divisor of INTEGERS, never negative; 0 "
             "when there are none.")
{
    lo_value g = lo_fixnum(0);
    for (uint32_t i = 0; i < nargs; i++)
        g = lo_int_gcd(L, g, lo_arg_integer(L, args[i]));
    return g;
}

static lo_value int_abs(lo_lisp *L, lo_value v)
{
    return lo_int_compare(v, lo_fixnum(0)) < 0
        ? lo_int_sub(L, lo_fixnum(0), v) : v;
}

LO_PRIMITIVE(p_lcm, "LCM", CL, ANY, 0, -1, "(&rest integers)",
             "The least common multiple of INTEGERS, never negative; 1 when "
             "there are none, 0 when one is zero.")
{
    lo_value m = lo_fixnum(1), rest;
    for (uint32_t i = 0; i < nargs; i++) {
        lo_value x = int_abs(L, lo_arg_integer(L, args[i]));
        if (x == lo_fixnum(0) || m == lo_fixnum(0)) {
            m = lo_fixnum(0);
            continue;
        }
        lo_int_divide(L, lo_int_mul(L, m, x), lo_int_gcd(L, m, x),
                      LO_BIG_TRUNCATE, &m, &rest);
    }
    return m;
}

/* isqrt: Newton's iteration from above, x' = (x + n/x) / 2, until it
 * stops decreasing. */
LO_PRIMITIVE(p_isqrt, "ISQRT", CL, ANY, 1, 1, "(natural)",
             "The greatest integer whose square is at most NATURAL, a "
             "non-negative integer.")
{
    lo_value v = lo_arg_unsigned(L, args[0]), q, r;
    if (v == lo_fixnum(0))
        return v;
    lo_limb one[1];
    lo_big b = lo_integer_view(v, one);
    lo_value x = lo_int_ash(L, lo_fixnum(1),
                            (int64_t)(lo_big_integer_length(&b) + 1) / 2);
    for (;;) {
        lo_int_divide(L, v, x, LO_BIG_FLOOR, &q, &r);
        lo_value next = lo_int_ash(L, lo_int_add(L, x, q), -1);
        if (lo_int_compare(next, x) >= 0)
            return x;
        x = next;
    }
}

/* A shift count or bit index (an integer, checked): a fixnum, or a bignum
 * standing for "far". */
static int64_t count_of(lo_value v)
{
    if (lo_fixnump(v))
        return lo_fixnum_value(v);
    return lo_int_compare(v, lo_fixnum(0)) < 0 ? INT64_MIN / 2 : INT64_MAX / 2;
}

LO_PRIMITIVE(p_ash, "ASH", CL, ANY, 2, 2, "(integer count)",
             "INTEGER shifted left by COUNT bits (right when COUNT is "
             "negative, rounding toward negative infinity).")
{
    lo_value x = lo_arg_integer(L, args[0]);
    int64_t count = count_of(lo_arg_integer(L, args[1]));
    if (x == lo_fixnum(0))
        return x;
    return lo_int_ash(L, x, count);
}

enum logop { LOG_AND, LOG_IOR, LOG_XOR };

static lo_value logop2(lo_lisp *L, enum logop op, lo_value a, lo_value b)
{
    if (lo_fixnump(a) && lo_fixnump(b))
        return op == LOG_AND ? (a & b) : op == LOG_IOR ? (a | b) : (a ^ b);
    lo_limb ab[1], bb[1];
    lo_big x = lo_integer_view(a, ab), y = lo_integer_view(b, bb);
    lo_big r = lo_big_new(L, lo_big_log_size(x.len, y.len));
    if (op == LOG_AND)
        lo_big_logand(&r, &x, &y);
    else if (op == LOG_IOR)
        lo_big_logior(&r, &x, &y);
    else
        lo_big_logxor(&r, &x, &y);
    return lo_big_finish(L, &r);
}

static lo_value logop_n(lo_lisp *L, lo_value *a, uint32_t n, enum logop op)
{
    lo_value acc = lo_fixnum(op == LOG_AND ? -1 : 0);
    for (uint32_t i = 0; i < n; i++)
        acc = logop2(L, op, acc, lo_arg_integer(L, a[i]));
    return acc;
}

LO_PRIMITIVE(p_logand, "LOGAND", CL, ANY, 0, -1, "(&rest integers)",
             "The bitwise and of INTEGERS in two's complement; -1 when "
             "there are none.")
{ return logop_n(L, args, nargs, LOG_AND); }
LO_PRIMITIVE(p_logior, "LOGIOR", CL, ANY, 0, -1, "(&rest integers)",
             "The bitwise inclusive or of INTEGERS in two's complement; 0 "
             "when there are none.")
{ return logop_n(L, args, nargs, LOG_IOR); }
LO_PRIMITIVE(p_logxor, "LOGXOR", CL, ANY, 0, -1, "(&rest integers)",
             "The bitwise exclusive or of INTEGERS in two's complement; 0 "
             "when there are none.")
{ return logop_n(L, args, nargs, LOG_XOR); }

static lo_value lognot(lo_lisp *L, lo_value v)
{
    return lo_int_sub(L, lo_fixnum(-1), v);         /* -v - 1 */
}

LO_PRIMITIVE(p_lognot, "LOGNOT", CL, ANY, 1, 1, "(integer)",
             "The bitwise complement of INTEGER, that is -INTEGER - 1.")
{
    return lognot(L, lo_arg_integer(L, args[0]));
}

LO_PRIMITIVE(p_logeqv, "LOGEQV", CL, ANY, 0, -1, "(&rest integers)",
             "The bitwise equivalence (exclusive nor) of INTEGERS in two's "
             "complement; -1 when there are none.")
{
    lo_value acc = lo_fixnum(-1);
    for (uint32_t i = 0; i < nargs; i++)
        acc = lognot(L, logop2(L, LOG_XOR, acc, lo_arg_integer(L, args[i])));
    return acc;
}

LO_PRIMITIVE(p_logtest, "LOGTEST", CL, ANY, 2, 2, "(integer-1 integer-2)",
             "True when INTEGER-1 and INTEGER-2 have a 1 bit in common.")
{
    return lo_truth(L, logop2(L, LOG_AND, lo_arg_integer(L, args[0]),
                              lo_arg_integer(L, args[1])) != lo_fixnum(0));
}

/* logcount: the 1 bits of a nonnegative integer, the 0 bits of a
 * negative one. */
LO_PRIMITIVE(p_logcount, "LOGCOUNT", CL, ANY, 1, 1, "(integer)",
             "How many 1 bits INTEGER has when it is non-negative, how many "
             "0 bits when it is negative.")
{
    lo_value v = lo_arg_integer(L, args[0]);
    if (lo_int_compare(v, lo_fixnum(0)) < 0)
        v = lognot(L, v);
    lo_limb one[1];
    lo_big b = lo_integer_view(v, one);
    int64_t count = 0;
    for (size_t i = 0; i < b.len; i++)
        count += __builtin_popcountll(b.limb[i]);
    return lo_fixnum(count);
}

LO_PRIMITIVE(p_integer_length, "INTEGER-LENGTH", CL, ANY, 1, 1, "(integer)",
             "The number of bits INTEGER needs in two's complement, the "
             "sign bit not counted.")
{
    lo_limb one[1];
    lo_big b = lo_integer_view(lo_arg_integer(L, args[0]), one);
    return lo_fixnum((int64_t)lo_big_integer_length(&b));
}

LO_PRIMITIVE(p_logbitp, "LOGBITP", CL, ANY, 2, 2, "(index integer)",
             "True when bit INDEX (from 0, the least significant) of "
             "INTEGER in two's complement is 1.")
{
    int64_t index = count_of(lo_arg_unsigned(L, args[0]));
    lo_value x = lo_arg_integer(L, args[1]);
    return lo_truth(L, oddp(L, lo_int_ash(L, x, -index)));
}

/* ---- rationals and floats ---- */

LO_PRIMITIVE(p_numerator, "NUMERATOR", CL, ANY, 1, 1, "(rational)",
             "The numerator of RATIONAL in lowest terms; an integer is its "
             "own.")
{ return lo_numerator(lo_arg_rational(L, args[0])); }
LO_PRIMITIVE(p_denominator, "DENOMINATOR", CL, ANY, 1, 1, "(rational)",
             "The denominator of RATIONAL in lowest terms, always positive; "
             "1 for an integer.")
{ return lo_denominator(lo_arg_rational(L, args[0])); }

/* (float x [prototype]): the prototype, when given, must be a float. */
LO_PRIMITIVE(p_float, "FLOAT", CL, ANY, 1, 2, "(number &optional prototype)",
             "The real NUMBER as a float.  Every float in LispOS is a "
             "double-float: NUMBER is converted to one whatever PROTOTYPE "
             "(a float) is, and a float is returned itself.")
{
    if (nargs > 1 && !lo_doublep(args[1]))
        lo_arg_error(L, args[1], "FLOAT");
    if (lo_doublep(lo_arg_real(L, args[0])))
        return args[0];
    return lo_make_double(L, lo_to_double(L, args[0], "FLOAT"));
}

LO_PRIMITIVE(p_rational, "RATIONAL", CL, ANY, 1, 1, "(number)",
             "The rational whose value equals the real NUMBER exactly (a "
             "float's exact binary value).")
{
    if (lo_doublep(lo_arg_real(L, args[0])))
        return lo_double_rational(L, lo_double_value(args[0]));
    return args[0];
}

/* rationalize: the simplest rational within half an ulp of the float,
 * by SBCL's continued-fraction iteration (float.lisp), step for step. */
LO_PRIMITIVE(p_rationalize, "RATIONALIZE", CL, ANY, 1, 1, "(number)",
             "A rational equal to the real NUMBER within the precision of a "
             "float: the simplest one, as SBCL computes it.  A rational is "
             "returned itself.")
{
    const char *op = "RATIONALIZE";
    if (!lo_doublep(lo_arg_real(L, args[0])))
        return args[0];
    uint64_t m;
    int64_t e;
    bool negative;
    if (!lo_double_decode(lo_double_value(args[0]), &m, &e, &negative))
        lo_error(L, "SIMPLE-ERROR", "%s: cannot decode an infinity or a NaN",
                 op);
    if (m == 0 || e >= 0) {
        lo_value v = lo_int_ash(L, lo_make_integer(L, (int64_t)m), e);
        return negative ? lo_int_sub(L, lo_fixnum(0), v) : v;
    }
    lo_value den = lo_int_ash(L, lo_fixnum(1), 1 - e);
    lo_value lo = lo_make_ratio(L, lo_make_integer(L, 2 * (int64_t)m - 1), den);
    lo_value hi = lo_make_ratio(L, lo_make_integer(L, 2 * (int64_t)m + 1), den);
    lo_value p0 = lo_fixnum(0), q0 = lo_fixnum(1), p1 = lo_fixnum(1),
             q1 = lo_fixnum(0), c, ignored;
    for (;;) {
        lo_num_round(L, lo, lo_fixnum(1), LO_BIG_CEILING, &c, &ignored, op);
        if (lo_num_compare(L, c, hi, op) < 0)
            break;
        lo_value k = lo_int_sub(L, c, lo_fixnum(1));
        lo_value p2 = lo_int_add(L, lo_int_mul(L, k, p1), p0);
        lo_value q2 = lo_int_add(L, lo_int_mul(L, k, q1), q0);
        lo_value new_lo = lo_num_div(L, lo_fixnum(1), lo_num_sub(L, hi, k, op), op);
        hi = lo_num_div(L, lo_fixnum(1), lo_num_sub(L, lo, k, op), op);
        lo = new_lo;
        p0 = p1, q0 = q1, p1 = p2, q1 = q2;
    }
    lo_value top = lo_int_add(L, lo_int_mul(L, c, p1), p0);
    lo_value bot = lo_int_add(L, lo_int_mul(L, c, q1), q0);
    return lo_make_ratio(L, negative ? lo_int_sub(L, lo_fixnum(0), top) : top,
                         bot);
}

/* ---- expt ---- */

/* A rational to an integer power, exactly (SBCL's INTEXP). */
static lo_value intexp(lo_lisp *L, lo_value base, lo_value power)
{
    const char *op = "EXPT";
    int psign = lo_int_compare(power, lo_fixnum(0));
    if (base == lo_fixnum(1))
        return base;
    if (base == lo_fixnum(-1))
        return oddp(L, power) ? base : lo_fixnum(1);
    if (base == lo_fixnum(0)) {
        if (psign < 0)
            lo_arithmetic_error(L, "DIVISION-BY-ZERO", op,
                                (lo_value[]){ base, power }, 2,
                                "EXPT: zero to a negative power");
        return psign > 0 ? base : lo_fixnum(1);
    }
    if (lo_ratiop(base)) {          /* (n/d)^-p = d^p / n^p */
        lo_value p = psign < 0 ? lo_int_sub(L, lo_fixnum(0), power) : power;
        lo_value num = intexp(L, lo_numerator(base), p);
        lo_value den = intexp(L, lo_denominator(base), p);
        return psign < 0 ? lo_make_ratio(L, den, num)
                         : lo_make_ratio(L, num, den);
    }
    if (psign < 0)
        return lo_num_div(L, lo_fixnum(1),
                          intexp(L, base, lo_int_sub(L, lo_fixnum(0), power)),
                          op);
    if (!lo_fixnump(power))
        lo_error(L, "STORAGE-CONDITION", "EXPT: the result is too large");
    uint64_t e = (uint64_t)lo_fixnum_value(power);
    lo_limb one[1];
    lo_big b = lo_integer_view(base, one);
    size_t size = lo_big_expt_size(&b, e);
    lo_big r = lo_big_new(L, size);
    lo_big_expt(&r, &b, e, lo_big_scratch(L, lo_big_expt_scratch_size(&b, e)));
    return lo_big_finish(L, &r);
}

/* 0: y is not an integer; 1: an odd one; 2: an even one. */
static int double_parity(double y)
{
    double ay = copy_sign(y, 1.0);
    if (ay >= 0x1p53)
        return 2;
    int64_t t = (int64_t)y;
    if ((double)t != y)
        return 0;
    return (t & 1) ? 1 : 2;
}

/* A float power, as SBCL's REAL-EXPT: the special cases of fdlibm's
 * pow first, then pow itself (y is not zero). */
static lo_value real_expt(lo_lisp *L, double x, double y)
{
    const char *op = "EXPT";
    bool xneg = sign_bit(x);
    int parity = xneg ? double_parity(y) : 0;
    double ax = copy_sign(x, 1.0);
    if (ax == 0 || ax == 1) {
        if (y < 0 && ax == 0)
            lo_arithmetic_error(L, "DIVISION-BY-ZERO", op, NULL, 0,
                                "EXPT: zero to a negative power");
        double z = ax;                          /* 1/|x| is |x| here */
        if (xneg && ax == 1 && parity == 0)
            complex_result(L, op);
        return lo_make_double(L, xneg && parity == 1 ? -z : z);
    }
    if (!xneg)
        return lo_float_result(L, lo_math(LO_MATH_POW, x, y), op);
    if (parity == 0)
        complex_result(L, op);
    double p = lo_math(LO_MATH_POW, ax, y);
    return lo_float_result(L, parity == 1 ? -p : p, op);
}

LO_PRIMITIVE(p_expt, "EXPT", CL, ANY, 2, 2, "(base-number power-number)",
             "BASE-NUMBER raised to POWER-NUMBER: exact for a rational base "
             "and an integer power, else a double-float.  A result that "
             "would be complex signals ARITHMETIC-ERROR (LispOS has no "
             "complex numbers).")
{
    const char *op = "EXPT";
    lo_value base = lo_arg_number(L, args[0]);
    lo_value power = lo_arg_number(L, args[1]);
    if (lo_num_sign(L, power, op) == 0) {
        if (lo_doublep(power) && lo_num_sign(L, base, op) == 0)
            lo_arithmetic_error(L, "ARITHMETIC-ERROR", op,
                                (lo_value[]){ base, power }, 2,
                                "EXPT: zero to a float zero power is "
                                "undefined");
        return lo_num_add(L, lo_fixnum(1), lo_num_mul(L, base, power, op), op);
    }
    if (lo_rationalp(base) && lo_integerp(power))
        return intexp(L, base, power);
    return real_expt(L, lo_to_double(L, base, op), lo_to_double(L, power, op));
}

/* ---- elementary functions of floats ---- */

static lo_value math1(lo_lisp *L, lo_value x, enum lo_math_fn fn,
                      const char *op)
{
    return lo_float_result(L, lo_math(fn, lo_arg_double(L, x), 0), op);
}

LO_PRIMITIVE(p_sqrt, "SQRT", CL, ANY, 1, 1, "(number)",
             "The square root of NUMBER, a double-float.  A negative NUMBER "
             "signals ARITHMETIC-ERROR: its root would be complex, and "
             "LispOS has no complex numbers.")
{
    if (lo_num_sign(L, args[0], "SQRT") < 0)
        complex_result(L, "SQRT");
    return math1(L, args[0], LO_MATH_SQRT, "SQRT");
}

LO_PRIMITIVE(p_exp, "EXP", CL, ANY, 1, 1, "(number)",
             "e raised to NUMBER, a double-float.")
{ return math1(L, args[0], LO_MATH_EXP, "EXP"); }
LO_PRIMITIVE(p_sin, "SIN", CL, ANY, 1, 1, "(radians)",
             "The sine of RADIANS, a double-float.")
{ return math1(L, args[0], LO_MATH_SIN, "SIN"); }
LO_PRIMITIVE(p_cos, "COS", CL, ANY, 1, 1, "(radians)",
             "The cosine of RADIANS, a double-float.")
{ return math1(L, args[0], LO_MATH_COS, "COS"); }
LO_PRIMITIVE(p_tan, "TAN", CL, ANY, 1, 1, "(radians)",
             "The tangent of RADIANS, a double-float.")
{ return math1(L, args[0], LO_MATH_TAN, "TAN"); }
LO_PRIMITIVE(p_sinh, "SINH", CL, ANY, 1, 1, "(number)",
             "The hyperbolic sine of NUMBER, a double-float.")
{ return math1(L, args[0], LO_MATH_SINH, "SINH"); }
LO_PRIMITIVE(p_cosh, "COSH", CL, ANY, 1, 1, "(number)",
             "The hyperbolic cosine of NUMBER, a double-float.")
{ return math1(L, args[0], LO_MATH_COSH, "COSH"); }
LO_PRIMITIVE(p_tanh, "TANH", CL, ANY, 1, 1, "(number)",
             "The hyperbolic tangent of NUMBER, a double-float.")
{ return math1(L, args[0], LO_MATH_TANH, "TANH"); }

/* asin and acos beyond [-1, 1] are complex. */
static lo_value arc(lo_lisp *L, lo_value x, enum lo_math_fn fn,
                    const char *op)
{
    double d = lo_arg_double(L, x);
    if (d > 1 || d < -1)
        complex_result(L, op);
    return lo_float_result(L, lo_math(fn, d, 0), op);
}

LO_PRIMITIVE(p_asin, "ASIN", CL, ANY, 1, 1, "(number)",
             "The arc sine of NUMBER in radians, a double-float.  NUMBER "
             "beyond [-1, 1] signals ARITHMETIC-ERROR (the result would be "
             "complex).")
{ return arc(L, args[0], LO_MATH_ASIN, "ASIN"); }
LO_PRIMITIVE(p_acos, "ACOS", CL, ANY, 1, 1, "(number)",
             "The arc cosine of NUMBER in radians, a double-float.  NUMBER "
             "beyond [-1, 1] signals ARITHMETIC-ERROR (the result would be "
             "complex).")
{ return arc(L, args[0], LO_MATH_ACOS, "ACOS"); }

#define PI 3.141592653589793

/* (atan y [x]); with x, SBCL's atan2 (its own answers when x is zero). */
LO_PRIMITIVE(p_atan, "ATAN", CL, ANY, 1, 2, "(number-1 &optional number-2)",
             "The arc tangent of NUMBER-1 in radians, a double-float; given "
             "NUMBER-2, that of NUMBER-1 / NUMBER-2 in the quadrant of the "
             "point (NUMBER-2, NUMBER-1).")
{
    const char *op = "ATAN";
    if (nargs == 1)
        return math1(L, args[0], LO_MATH_ATAN, op);
    double y = lo_arg_double(L, args[0]);
    double x = lo_arg_double(L, lo_arg_real(L, args[1]));
    if (x != 0)
        return lo_float_result(L, lo_math(LO_MATH_ATAN2, y, x), op);
    if (y != 0)
        return lo_make_double(L, copy_sign(PI / 2, y));
    return lo_make_double(L, sign_bit(x) ? copy_sign(PI, y) : y);
}

/* The natural logarithm of a double (SBCL's %log; a negative one, -0.0
 * included, has a complex logarithm; zero's is an error, as SBCL's
 * division-by-zero trap makes it). */
static double ln_double(lo_lisp *L, double d, const char *op)
{
    if (sign_bit(d))
        complex_result(L, op);
    if (d == 0)
        lo_arithmetic_error(L, "DIVISION-BY-ZERO", op, NULL, 0,
                            "%s: the logarithm of zero", op);
    return lo_double_value(lo_float_result(L, lo_math(LO_MATH_LOG, d, 0), op));
}

/* SBCL's LOG2 of an integer: from its top 53 bits when it has more. */
static double log2_integer(lo_lisp *L, lo_value x, const char *op)
{
    lo_limb one[1];
    lo_big b = lo_integer_view(x, one);
    int64_t bits = (int64_t)lo_big_integer_length(&b);
    double ln2 = lo_math(LO_MATH_LOG, 2.0, 0);
    if (bits < 53 || lo_big_minusp(&b))
        return ln_double(L, lo_to_double(L, x, op), op) / ln2;
    double f = lo_to_double(L, lo_int_ash(L, x, 53 - bits), op) * 0x1p-53;
    return (double)bits + ln_double(L, f, op) / ln2;
}

/* The natural logarithm of any real, as a double. */
static double ln(lo_lisp *L, lo_value x, const char *op)
{
    if (lo_doublep(x))
        return ln_double(L, lo_double_value(x), op);
    if (lo_num_sign(L, x, op) < 0)
        complex_result(L, op);
    double log2e = lo_math(LO_MATH_LOG, lo_math(LO_MATH_EXP, 1.0, 0), 0) /
                   lo_math(LO_MATH_LOG, 2.0, 0);
    if (lo_integerp(x))
        return log2_integer(L, x, op) / log2e;
    double d;
    if (lo_real_to_double(L, x, &d) && d >= 0x1p-1022)
        return ln_double(L, d, op);
    return (log2_integer(L, lo_numerator(x), op) -
            log2_integer(L, lo_denominator(x), op)) / log2e;
}

static lo_value float_quotient(lo_lisp *L, double a, double b, const char *op)
{
    if (b == 0)
        lo_arithmetic_error(L, "DIVISION-BY-ZERO", op, NULL, 0,
                            "%s: division by zero", op);
    return lo_float_result(L, a / b, op);
}

/* (log x [base]), with SBCL's cases for the two-argument form. */
LO_PRIMITIVE(p_log, "LOG", CL, ANY, 1, 2, "(number &optional base)",
             "The logarithm of NUMBER in BASE (natural when BASE is not "
             "given), a double-float.  A negative NUMBER signals "
             "ARITHMETIC-ERROR (the result would be complex), zero "
             "DIVISION-BY-ZERO.")
{
    const char *op = "LOG";
    lo_value x = lo_arg_number(L, args[0]);
    if (nargs == 1)
        return lo_make_double(L, ln(L, x, op));
    lo_value base = lo_arg_real(L, args[1]);
    double ln2 = lo_math(LO_MATH_LOG, 2.0, 0);
    if (lo_num_sign(L, base, op) == 0)
        return lo_make_double(L, 0.0);
    if (lo_integerp(x) && lo_integerp(base))
        return float_quotient(L, log2_integer(L, x, op),
                              log2_integer(L, base, op), op);
    if (lo_integerp(x) && lo_doublep(base))
        return float_quotient(L, log2_integer(L, x, op),
                              ln(L, base, op) / ln2, op);
    if (lo_doublep(x) && lo_integerp(base))
        return float_quotient(L, ln(L, x, op) / ln2,
                              log2_integer(L, base, op), op);
    return float_quotient(L, ln(L, x, op), ln(L, base, op), op);
}

const struct lo_primitive *const lo_prims_numbers[] = {
    LO_ROW(p_add),
    LO_ROW(p_sub),
    LO_ROW(p_mul),
    LO_ROW(p_div),
    LO_ROW(p_one_plus),
    LO_ROW(p_one_minus),
    LO_ROW(p_num_eq),
    LO_ROW(p_num_ne),
    LO_ROW(p_lt),
    LO_ROW(p_gt),
    LO_ROW(p_le),
    LO_ROW(p_ge),
    LO_ROW(p_max),
    LO_ROW(p_min),
    LO_ROW(p_abs),
    LO_ROW(p_signum),
    LO_ROW(p_zerop),
    LO_ROW(p_plusp),
    LO_ROW(p_minusp),
    LO_ROW(p_evenp),
    LO_ROW(p_oddp),
    LO_ROW(p_numberp),
    LO_ROW(p_integerp),
    LO_ROW(p_rationalp),
    LO_ROW(p_floatp),
    LO_ROW(p_realp),
    LO_ROW(p_complexp),
    LO_ROW(p_floor),
    LO_ROW(p_ceiling),
    LO_ROW(p_truncate),
    LO_ROW(p_round),
    LO_ROW(p_ffloor),
    LO_ROW(p_fceiling),
    LO_ROW(p_ftruncate),
    LO_ROW(p_fround),
    LO_ROW(p_mod),
    LO_ROW(p_rem),
    LO_ROW(p_gcd),
    LO_ROW(p_lcm),
    LO_ROW(p_isqrt),
    LO_ROW(p_ash),
    LO_ROW(p_logand),
    LO_ROW(p_logior),
    LO_ROW(p_logxor),
    LO_ROW(p_logeqv),
    LO_ROW(p_lognot),
    LO_ROW(p_logtest),
    LO_ROW(p_logcount),
    LO_ROW(p_integer_length),
    LO_ROW(p_logbitp),
    LO_ROW(p_numerator),
    LO_ROW(p_denominator),
    LO_ROW(p_float),
    LO_ROW(p_rational),
    LO_ROW(p_rationalize),
    LO_ROW(p_expt),
    LO_ROW(p_sqrt),
    LO_ROW(p_exp),
    LO_ROW(p_log),
    LO_ROW(p_sin),
    LO_ROW(p_cos),
    LO_ROW(p_tan),
    LO_ROW(p_asin),
    LO_ROW(p_acos),
    LO_ROW(p_atan),
    LO_ROW(p_sinh),
    LO_ROW(p_cosh),
    LO_ROW(p_tanh),
    NULL,
};
