/*
 * arith.c -- arithmetic on any numbers (numbers.h): + - * /, exact
 * comparison, and the rounding divisions.
 *
 * Contagion is Common Lisp's: two integers give an integer (a bignum when
 * it no longer fits a fixnum), rationals give a rational in lowest terms,
 * and a double anywhere makes the result a double.  Float results follow
 * SBCL's order of operations (a quotient by a float division, then the
 * remainder from it), so that they agree with SBCL's bit for bit, and an
 * infinity or a NaN is an error, as SBCL's floating-point traps make it.
 */
#include "lisp/numbers.h"

enum rank { INTEGER, RATIO, DOUBLE };

static enum rank rank_of(lo_lisp *L, lo_value v, const char *op)
{
    if (lo_fixnump(v) || lo_bignump(v))
        return INTEGER;
    if (lo_ratiop(v))
        return RATIO;
    if (lo_doublep(v))
        return DOUBLE;
    lo_arg_error_op(L, op, v, "NUMBER");
}

static enum rank rank_of_pair(lo_lisp *L, lo_value a, lo_value b,
                              const char *op)
{
    enum rank x = rank_of(L, a, op), y = rank_of(L, b, op);
    return x > y ? x : y;
}

static int64_t fix(lo_value v) { return lo_fixnum_value(v); }

/* ---- integers ---- */

lo_value lo_int_add(lo_lisp *L, lo_value a, lo_value b)
{
    if (lo_fixnump(a) && lo_fixnump(b))
        return lo_make_integer(L, fix(a) + fix(b));
    lo_limb ab[1], bb[1];
    lo_big x = lo_integer_view(a, ab), y = lo_integer_view(b, bb);
    lo_big r = lo_big_new(L, lo_big_add_size(x.len, y.len));
    lo_big_add(&r, &x, &y);
    return lo_big_finish(L, &r);
}

lo_value lo_int_sub(lo_lisp *L, lo_value a, lo_value b)
{
    if (lo_fixnump(a) && lo_fixnump(b))
        return lo_make_integer(L, fix(a) - fix(b));
    lo_limb ab[1], bb[1];
    lo_big x = lo_integer_view(a, ab), y = lo_integer_view(b, bb);
    lo_big r = lo_big_new(L, lo_big_add_size(x.len, y.len));
    lo_big_sub(&r, &x, &y);
    return lo_big_finish(L, &r);
}

lo_value lo_int_mul(lo_lisp *L, lo_value a, lo_value b)
{
    int64_t p;
    if (lo_fixnump(a) && lo_fixnump(b) &&
        !__builtin_mul_overflow(fix(a), fix(b), &p))
        return lo_make_integer(L, p);
    lo_limb ab[1], bb[1];
    lo_big x = lo_integer_view(a, ab), y = lo_integer_view(b, bb);
    if (lo_big_zerop(&x) || lo_big_zerop(&y))
        return lo_fixnum(0);
    lo_big r = lo_big_new(L, lo_big_mul_size(x.len, y.len));
    size_t s = lo_big_mul_scratch_size(x.len, y.len);
    lo_big_mul(&r, &x, &y, s ? lo_big_scratch(L, s) : NULL);
    return lo_big_finish(L, &r);
}

int lo_int_compare(lo_value a, lo_value b)
{
    if (lo_fixnump(a) && lo_fixnump(b))
        return fix(a) < fix(b) ? -1 : fix(a) > fix(b);
    lo_limb ab[1], bb[1];
    lo_big x = lo_integer_view(a, ab), y = lo_integer_view(b, bb);
    return lo_big_cmp(&x, &y);
}

/* Fixnum division (no overflow: fixnums have 62 bits). */
static void fixnum_divide(lo_lisp *L, int64_t x, int64_t y,
                          enum lo_big_rounding mode, lo_value *q, lo_value *r)
{
    int64_t qq = x / y, rr = x % y;
    bool same_signs = (rr < 0) == (y < 0);
    if (rr != 0) {
        if (mode == LO_BIG_ROUND) {
            int64_t twice = 2 * (rr < 0 ? -rr : rr), ay = y < 0 ? -y : y;
            if (twice > ay || (twice == ay && (qq & 1)))
                mode = same_signs ? LO_BIG_CEILING : LO_BIG_FLOOR;
        }
        if (mode == LO_BIG_FLOOR && !same_signs) {
            qq--;
            rr += y;
        } else if (mode == LO_BIG_CEILING && same_signs) {
            qq++;
            rr -= y;
        }
    }
    *q = lo_make_integer(L, qq);
    *r = lo_fixnum(rr);
}

void lo_int_divide(lo_lisp *L, lo_value a, lo_value b,
                   enum lo_big_rounding mode, lo_value *q, lo_value *r)
{
    if (b == lo_fixnum(0))
        lo_arithmetic_error(L, "DIVISION-BY-ZERO", NULL, (lo_value[]){ a, b },
                            2, "division by zero");
    if (lo_fixnump(a) && lo_fixnump(b)) {
        fixnum_divide(L, fix(a), fix(b), mode, q, r);
        return;
    }
    lo_limb ab[1], bb[1];
    lo_big x = lo_integer_view(a, ab), y = lo_integer_view(b, bb);
    lo_big qb = lo_big_new(L, lo_big_div_qsize(x.len, y.len));
    lo_big rb = lo_big_new(L, lo_big_div_rsize(x.len, y.len));
    lo_big_divmod(&qb, &rb, &x, &y, mode,
                  lo_big_scratch(L, lo_big_div_scratch_size(x.len, y.len)));
    *q = lo_big_finish(L, &qb);
    *r = lo_big_finish(L, &rb);
}

static uint64_t gcd64(uint64_t u, uint64_t v)
{
    while (v) {
        uint64_t t = u % v;
        u = v;
        v = t;
    }
    return u;
}

lo_value lo_int_gcd(lo_lisp *L, lo_value a, lo_value b)
{
    if (lo_fixnump(a) && lo_fixnump(b)) {
        int64_t x = fix(a), y = fix(b);
        return lo_make_integer(L, (int64_t)gcd64(x < 0 ? -(uint64_t)x : (uint64_t)x,
                                                 y < 0 ? -(uint64_t)y : (uint64_t)y));
    }
    lo_limb ab[1], bb[1];
    lo_big x = lo_integer_view(a, ab), y = lo_integer_view(b, bb);
    lo_big r = lo_big_new(L, lo_big_gcd_size(x.len, y.len));
    lo_big_gcd(&r, &x, &y, lo_big_scratch(L, x.len + y.len));
    return lo_big_finish(L, &r);
}

lo_value lo_int_ash(lo_lisp *L, lo_value a, int64_t count)
{
    if (count == 0)
        return a;
    if (lo_fixnump(a)) {
        int64_t v = fix(a);
        if (count < 0)
            return lo_fixnum(count <= -63 ? (v < 0 ? -1 : 0) : v >> -count);
        if (count < 63) {
            int64_t shifted = (int64_t)((uint64_t)v << count);
            if (shifted >> count == v)
                return lo_make_integer(L, shifted);
        }
    }
    lo_limb ab[1];
    lo_big x = lo_integer_view(a, ab);
    lo_big r = lo_big_new(L, lo_big_ash_size(x.len, count));
    lo_big_ash(&r, &x, count);
    return lo_big_finish(L, &r);
}

/* ---- doubles ---- */

lo_value lo_float_result(lo_lisp *L, double d, const char *op)
{
    uint64_t bits = lo_double_bits(d);
    if ((bits >> 52 & 0x7ff) == 0x7ff) {
        if (bits & ((1ull << 52) - 1))
            lo_arithmetic_error(L, "FLOATING-POINT-INVALID-OPERATION", op,
                                NULL, 0, "%s: an invalid floating-point "
                                "operation", op);
        lo_arithmetic_error(L, "FLOATING-POINT-OVERFLOW", op, NULL, 0,
                            "%s: floating-point overflow", op);
    }
    return lo_make_double(L, d);
}

/* lo_float_result of op on a and b, whose error names them. */
static lo_value float_result_of(lo_lisp *L, double d, const char *op,
                                lo_value a, lo_value b)
{
    uint64_t bits = lo_double_bits(d);
    if ((bits >> 52 & 0x7ff) == 0x7ff) {
        if (bits & ((1ull << 52) - 1))
            lo_arithmetic_error(L, "FLOATING-POINT-INVALID-OPERATION", op,
                                (lo_value[]){ a, b }, 2, "%s: an invalid "
                                "floating-point operation", op);
        lo_arithmetic_error(L, "FLOATING-POINT-OVERFLOW", op,
                            (lo_value[]){ a, b }, 2,
                            "%s: floating-point overflow", op);
    }
    return lo_make_double(L, d);
}

/* ---- + - * / ---- */

lo_value lo_num_add(lo_lisp *L, lo_value a, lo_value b, const char *op)
{
    if (lo_fixnump(a) && lo_fixnump(b))
        return lo_make_integer(L, fix(a) + fix(b));
    switch (rank_of_pair(L, a, b, op)) {
    case INTEGER:
        return lo_int_add(L, a, b);
    case RATIO:     /* p/q + r/s = (ps + rq) / qs */
        return lo_make_ratio(L,
            lo_int_add(L, lo_int_mul(L, lo_numerator(a), lo_denominator(b)),
                       lo_int_mul(L, lo_numerator(b), lo_denominator(a))),
            lo_int_mul(L, lo_denominator(a), lo_denominator(b)));
    default:
        return float_result_of(L, lo_to_double(L, a, op) +
                               lo_to_double(L, b, op), op, a, b);
    }
}

lo_value lo_num_sub(lo_lisp *L, lo_value a, lo_value b, const char *op)
{
    if (lo_fixnump(a) && lo_fixnump(b))
        return lo_make_integer(L, fix(a) - fix(b));
    switch (rank_of_pair(L, a, b, op)) {
    case INTEGER:
        return lo_int_sub(L, a, b);
    case RATIO:
        return lo_make_ratio(L,
            lo_int_sub(L, lo_int_mul(L, lo_numerator(a), lo_denominator(b)),
                       lo_int_mul(L, lo_numerator(b), lo_denominator(a))),
            lo_int_mul(L, lo_denominator(a), lo_denominator(b)));
    default:
        return float_result_of(L, lo_to_double(L, a, op) -
                               lo_to_double(L, b, op), op, a, b);
    }
}

lo_value lo_num_mul(lo_lisp *L, lo_value a, lo_value b, const char *op)
{
    switch (rank_of_pair(L, a, b, op)) {
    case INTEGER:
        return lo_int_mul(L, a, b);
    case RATIO:
        return lo_make_ratio(L, lo_int_mul(L, lo_numerator(a), lo_numerator(b)),
                             lo_int_mul(L, lo_denominator(a), lo_denominator(b)));
    default:
        return float_result_of(L, lo_to_double(L, a, op) *
                               lo_to_double(L, b, op), op, a, b);
    }
}

lo_value lo_num_div(lo_lisp *L, lo_value a, lo_value b, const char *op)
{
    if (rank_of_pair(L, a, b, op) != DOUBLE) {
        if (b == lo_fixnum(0))
            lo_arithmetic_error(L, "DIVISION-BY-ZERO", op,
                                (lo_value[]){ a, b }, 2,
                                "%s: division by zero", op);
        return lo_make_ratio(L, lo_int_mul(L, lo_numerator(a), lo_denominator(b)),
                             lo_int_mul(L, lo_denominator(a), lo_numerator(b)));
    }
    double y = lo_to_double(L, b, op);
    if (y == 0)
        lo_arithmetic_error(L, "DIVISION-BY-ZERO", op, (lo_value[]){ a, b },
                            2, "%s: division by zero", op);
    return float_result_of(L, lo_to_double(L, a, op) / y, op, a, b);
}

lo_value lo_num_negate(lo_lisp *L, lo_value a, const char *op)
{
    switch (rank_of(L, a, op)) {
    case INTEGER:
        return lo_int_sub(L, lo_fixnum(0), a);
    case RATIO: {
        uint64_t *p = lo_alloc_object(L, LO_T_RATIO, RATIO_WORDS);
        p[RATIO_NUM] = lo_int_sub(L, lo_fixnum(0), lo_numerator(a));
        p[RATIO_DEN] = lo_denominator(a);
        return lo_make_object(p);
    }
    default:
        return lo_make_double(L, -lo_double_value(a));
    }
}

/* ---- comparison ---- */

int lo_num_sign(lo_lisp *L, lo_value v, const char *op)
{
    switch (rank_of(L, v, op)) {
    case INTEGER:
        return lo_int_compare(v, lo_fixnum(0));
    case RATIO:
        return lo_int_compare(lo_numerator(v), lo_fixnum(0));
    default: {
        double d = lo_double_value(v);
        return d < 0 ? -1 : d > 0;
    }
    }
}

static int compare_doubles(double x, double y)
{
    return x < y ? -1 : x > y ? 1 : x == y ? 0 : LO_UNORDERED;
}

/* Exact, as SBCL compares: a double against a rational by the double's
 * exact value (a fixnum within 2^53 converts exactly, the quick case). */
int lo_num_compare(lo_lisp *L, lo_value a, lo_value b, const char *op)
{
    if (lo_fixnump(a) && lo_fixnump(b))
        return fix(a) < fix(b) ? -1 : fix(a) > fix(b);
    enum rank ra = rank_of(L, a, op), rb = rank_of(L, b, op);
    if (ra == DOUBLE && rb == DOUBLE)
        return compare_doubles(lo_double_value(a), lo_double_value(b));
    if (ra == DOUBLE || rb == DOUBLE) {
        lo_value r = ra == DOUBLE ? b : a;
        if (lo_fixnump(r) && fix(r) <= (1ll << 53) && fix(r) >= -(1ll << 53))
            return compare_doubles(lo_to_double(L, a, op),
                                   lo_to_double(L, b, op));
        if (ra == DOUBLE)
            a = lo_double_rational(L, lo_double_value(a));
        else
            b = lo_double_rational(L, lo_double_value(b));
    }
    if (lo_integerp(a) && lo_integerp(b))
        return lo_int_compare(a, b);
    /* p/q against r/s, q and s positive: ps against rq */
    return lo_int_compare(lo_int_mul(L, lo_numerator(a), lo_denominator(b)),
                          lo_int_mul(L, lo_numerator(b), lo_denominator(a)));
}

bool lo_num_equal(lo_lisp *L, lo_value a, lo_value b)
{
    return lo_num_compare(L, a, b, "=") == 0;
}

/* ---- TRUNCATE FLOOR CEILING ROUND ---- */

static bool zerop(lo_lisp *L, lo_value v, const char *op)
{
    return lo_num_sign(L, v, op) == 0;
}

/* The nearest integer to d, ties to even (exact). */
static lo_value round_double(lo_lisp *L, double d)
{
    if (!(d > -0x1p52 && d < 0x1p52))
        return lo_double_truncate(L, d);    /* already integral */
    int64_t t = (int64_t)d;
    double frac = d - (double)t;            /* exact */
    if (frac > 0.5 || (frac == 0.5 && (t & 1)))
        t++;
    else if (frac < -0.5 || (frac == -0.5 && (t & 1)))
        t--;
    return lo_fixnum(t);
}

/* (truncate x y) as SBCL's TRUNCATE computes it. */
static void truncate2(lo_lisp *L, lo_value x, lo_value y, lo_value *q,
                      lo_value *r, const char *op)
{
    enum rank rx = rank_of(L, x, op), ry = rank_of(L, y, op);
    if (rx != DOUBLE && ry != DOUBLE) {         /* exact */
        if (y == lo_fixnum(0))
            lo_arithmetic_error(L, "DIVISION-BY-ZERO", op,
                                (lo_value[]){ x, y }, 2,
                                "%s: division by zero", op);
        if (rx == INTEGER && ry == INTEGER) {
            lo_int_divide(L, x, y, LO_BIG_TRUNCATE, q, r);
            return;
        }
        lo_value rem;
        lo_int_divide(L, lo_int_mul(L, lo_numerator(x), lo_denominator(y)),
                      lo_int_mul(L, lo_denominator(x), lo_numerator(y)),
                      LO_BIG_TRUNCATE, q, &rem);
        *r = lo_make_ratio(L, rem, lo_int_mul(L, lo_denominator(x),
                                              lo_denominator(y)));
        return;
    }
    if (rx == DOUBLE && y == lo_fixnum(1)) {
        double d = lo_double_value(x);
        *q = lo_double_truncate(L, d);
        *r = lo_make_double(L, d - lo_to_double(L, *q, op));
        return;
    }
    double divisor = lo_to_double(L, y, op);
    if (divisor == 0)
        lo_arithmetic_error(L, "DIVISION-BY-ZERO", op, (lo_value[]){ x, y },
                            2, "%s: division by zero", op);
    double xd = lo_to_double(L, x, op);
    lo_value divided = lo_float_result(L, xd / divisor, op);
    *q = lo_double_truncate(L, lo_double_value(divided));
    *r = lo_float_result(L, xd - lo_to_double(L, *q, op) * divisor, op);
}

/* (round x): to the nearest integer, ties to even. */
static void round1(lo_lisp *L, lo_value x, lo_value *q, lo_value *r,
                   const char *op)
{
    lo_value ignored;
    switch (rank_of(L, x, op)) {
    case INTEGER:
        *q = x;
        break;
    case RATIO:
        lo_int_divide(L, lo_numerator(x), lo_denominator(x), LO_BIG_ROUND,
                      q, &ignored);
        break;
    default:
        *q = round_double(L, lo_double_value(x));
    }
    *r = lo_num_sub(L, x, *q, op);
}

static bool int_oddp(lo_value v)
{
    lo_limb one[1];
    lo_big b = lo_integer_view(v, one);
    return lo_big_oddp(&b);
}

static lo_value plus_one(lo_lisp *L, lo_value v, int64_t d)
{
    return lo_int_add(L, v, lo_fixnum(d));
}

/* SBCL's ROUND with a divisor: truncate, then move by one when the
 * remainder is past half the divisor (or at half, toward an even q). */
static void round2(lo_lisp *L, lo_value x, lo_value y, lo_value *q,
                   lo_value *r, const char *op)
{
    truncate2(L, x, y, q, r, op);
    if (zerop(L, *r, op))
        return;
    bool negative = lo_num_sign(L, y, op) < 0;
    lo_value thresh = lo_num_div(L, negative ? lo_num_negate(L, y, op) : y,
                                 lo_fixnum(2), op);
    int above = lo_num_compare(L, *r, thresh, op);
    int below = lo_num_compare(L, *r, lo_num_negate(L, thresh, op), op);
    bool odd = int_oddp(*q);
    if (above > 0 || (above == 0 && odd)) {
        *q = plus_one(L, *q, negative ? -1 : 1);
        *r = negative ? lo_num_add(L, *r, y, op) : lo_num_sub(L, *r, y, op);
    } else if (below < 0 || (below == 0 && odd)) {
        *q = plus_one(L, *q, negative ? 1 : -1);
        *r = negative ? lo_num_sub(L, *r, y, op) : lo_num_add(L, *r, y, op);
    }
}

void lo_num_round(lo_lisp *L, lo_value x, lo_value y,
                  enum lo_big_rounding mode, lo_value *q, lo_value *r,
                  const char *op)
{
    if (mode == LO_BIG_ROUND) {
        if (y == lo_fixnum(1))
            round1(L, x, q, r, op);
        else
            round2(L, x, y, q, r, op);
        return;
    }
    truncate2(L, x, y, q, r, op);
    if (mode == LO_BIG_TRUNCATE || zerop(L, *r, op))
        return;
    /* SBCL's FLOOR and CEILING: adjust by the signs of x and y */
    int sx = lo_num_sign(L, x, op), sy = lo_num_sign(L, y, op);
    if (mode == LO_BIG_FLOOR && (sy < 0 ? sx > 0 : sx < 0)) {
        *q = plus_one(L, *q, -1);
        *r = lo_num_add(L, *r, y, op);
    } else if (mode == LO_BIG_CEILING && (sy < 0 ? sx < 0 : sx > 0)) {
        *q = plus_one(L, *q, 1);
        *r = lo_num_sub(L, *r, y, op);
    }
}
