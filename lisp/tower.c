/*
 * tower.c -- making numbers and converting between their types
 * (numbers.h): doubles, integers built in place as bignums, ratios in
 * lowest terms, and the conversions between rationals and doubles as
 * SBCL makes them (a double's exact value; an integer's nearest double; a
 * ratio's double by SBCL's FLOAT-RATIO, step for step).
 */
#include "lisp/numbers.h"

/* ---- doubles and integers ---- */

lo_value lo_make_double(lo_lisp *L, double d)
{
    uint64_t *p = lo_alloc_raw(L, LO_T_DOUBLE, 2, 0);
    p[1] = lo_double_bits(d);
    return lo_make_object(p);
}

lo_big lo_big_new(lo_lisp *L, size_t room)
{
    if (room == SIZE_MAX || room > LO_BIG_MAX_LIMBS)
        lo_error(L, "STORAGE-CONDITION", "an integer too large (more than "
                 "%zu bits)", LO_BIG_MAX_LIMBS * 64);
    uint64_t *p = lo_alloc_raw(L, LO_T_BIGNUM, 2 + room, 0);
    lo_big b = { p + 2, 0, false };
    return b;
}

lo_value lo_big_finish(lo_lisp *L, lo_big *b)
{
    int64_t v;
    lo_big_normalize(b);
    if (lo_big_fixnump(b) && lo_big_to_int64(b, &v))
        return lo_fixnum(v);        /* the object is left as garbage */
    uint64_t *p = b->limb - 2;
    p[1] = (uint64_t)b->len | (uint64_t)b->neg << 63;
    lo_shrink_raw(p, 2 + b->len);
    (void)L;
    return lo_make_object(p);
}

lo_limb *lo_big_scratch(lo_lisp *L, size_t limbs)
{
    if (limbs == SIZE_MAX || limbs > 4 * LO_BIG_MAX_LIMBS)
        lo_error(L, "STORAGE-CONDITION", "an integer too large (more than "
                 "%zu bits)", LO_BIG_MAX_LIMBS * 64);
    return lo_alloc_raw(L, (enum lo_type)LO_T_FILLER,
                        1 + (limbs ? limbs : 1), 0) + 1;
}

lo_value lo_make_integer(lo_lisp *L, int64_t v)
{
    if (v >= LO_FIXNUM_MIN && v <= LO_FIXNUM_MAX)
        return lo_fixnum(v);
    lo_big b = lo_big_new(L, 1);
    lo_big_from_int64(&b, v);
    return lo_big_finish(L, &b);
}

/* ---- ratios ---- */

lo_value lo_make_ratio(lo_lisp *L, lo_value num, lo_value den)
{
    if (den == lo_fixnum(0))
        lo_arithmetic_error(L, "DIVISION-BY-ZERO", "/",
                            (lo_value[]){ num, den }, 2,
                            "/: division by zero");
    if (den == lo_fixnum(1))
        return num;
    lo_value g = lo_int_gcd(L, num, den), rest;
    if (g != lo_fixnum(1)) {
        lo_int_divide(L, num, g, LO_BIG_TRUNCATE, &num, &rest);
        lo_int_divide(L, den, g, LO_BIG_TRUNCATE, &den, &rest);
    }
    if (lo_int_compare(den, lo_fixnum(0)) < 0) {
        num = lo_int_sub(L, lo_fixnum(0), num);
        den = lo_int_sub(L, lo_fixnum(0), den);
    }
    if (den == lo_fixnum(1))
        return num;
    uint64_t *p = lo_alloc_object(L, LO_T_RATIO, RATIO_WORDS);
    p[RATIO_NUM] = num;
    p[RATIO_DEN] = den;
    return lo_make_object(p);
}

/* ---- rationals to doubles ---- */

/* Bit i of a magnitude. */
static bool big_bit(const lo_big *a, uint64_t i)
{
    return i / 64 < a->len && (a->limb[i / 64] >> (i % 64) & 1);
}

static int64_t int_length(lo_value v)
{
    lo_limb one[1];
    lo_big b = lo_integer_view(v, one);
    return (int64_t)lo_big_integer_length(&b);
}

/* bits * 2^(e - 53), bits < 2^53 and the result in the double range
 * (or a subnormal truncated, as SBCL's scale-float truncates it). */
static bool scale_bits(uint64_t bits, int64_t e, double *out)
{
    int64_t biased = 1022 + e;
    if (biased > 2046) {
        *out = __builtin_inf();
        return false;
    }
    if (biased < 1) {                   /* subnormal: the low bits go */
        int64_t shift = 1 - biased;
        bits = shift > 52 ? 0 : bits >> shift;
        union { uint64_t u; double d; } sub = { bits };
        *out = sub.d;
        return true;
    }
    union { uint64_t u; double d; } v = {
        (uint64_t)biased << 52 | (bits & ((1ull << 52) - 1)) };
    *out = v.d;
    return true;
}

/* |num|/den (den > 1, in lowest terms) as SBCL's FLOAT-RATIO makes it:
 * a quotient of 54 bits (the numerator shifted, right shifts dropping
 * bits), rounded to 53 on its last bit (a tie only when the division was
 * exact), then scaled. */
static bool ratio_to_double(lo_lisp *L, lo_value num, lo_value den,
                            double *out)
{
    if (lo_int_compare(num, lo_fixnum(0)) < 0)
        num = lo_int_sub(L, lo_fixnum(0), num);
    lo_limb one[1];
    lo_big d = lo_integer_view(den, one);
    int64_t twos = 0;
    while (!big_bit(&d, (uint64_t)twos))
        twos++;
    den = lo_int_ash(L, den, -twos);
    int64_t delta = int_length(den) - int_length(num);
    int64_t scale = -twos - delta;
    lo_value shifted = lo_int_ash(L, num, 1 + delta + 53), q, rem;
    for (;;) {
        lo_int_divide(L, shifted, den, LO_BIG_TRUNCATE, &q, &rem);
        if (int_length(q) - 53 == 1)
            break;
        shifted = lo_int_ash(L, shifted, -1);
        scale++;
    }
    uint64_t bits = (uint64_t)lo_fixnum_value(q);     /* 54 bits */
    if ((bits & 1) && (rem != lo_fixnum(0) || (bits & 2)))
        bits++;
    bits >>= 1;
    if (bits >> 53) {
        bits >>= 1;
        scale++;
    }
    return scale_bits(bits, scale, out);
}

bool lo_real_to_double(lo_lisp *L, lo_value v, double *out)
{
    if (lo_fixnump(v)) {
        *out = (double)lo_fixnum_value(v);
        return true;
    }
    if (lo_doublep(v)) {
        *out = lo_double_value(v);
        return true;
    }
    if (lo_bignump(v)) {
        lo_big b = lo_bignum_view(v);
        return lo_big_to_double(&b, out);
    }
    bool ok = ratio_to_double(L, lo_ptr(v)[RATIO_NUM], lo_ptr(v)[RATIO_DEN],
                              out);
    if (lo_int_compare(lo_ptr(v)[RATIO_NUM], lo_fixnum(0)) < 0)
        *out = -*out;
    return ok;
}

double lo_to_double(lo_lisp *L, lo_value v, const char *op)
{
    double d;
    if (!lo_numberp(v))
        lo_arg_error_op(L, op, v, "REAL");
    if (!lo_real_to_double(L, v, &d))
        lo_arithmetic_error(L, "FLOATING-POINT-OVERFLOW", op,
                            (lo_value[]){ v }, 1, "%s: too large to be a "
                            "double-float", op);
    return d;
}

/* ---- doubles to rationals ---- */

bool lo_double_decode(double d, uint64_t *m, int64_t *e, bool *neg)
{
    uint64_t bits = lo_double_bits(d);
    unsigned biased = (unsigned)(bits >> 52 & 0x7ff);
    *neg = bits >> 63;
    *m = bits & ((1ull << 52) - 1);
    if (biased)
        *m |= 1ull << 52;
    *e = (int64_t)(biased ? biased : 1) - 1075;
    return biased != 0x7ff;
}

static _Noreturn void not_finite(lo_lisp *L)
{
    lo_error(L, "SIMPLE-ERROR", "cannot decode an infinity or a NaN");
}

lo_value lo_double_rational(lo_lisp *L, double d)
{
    uint64_t m;
    int64_t e;
    bool neg;
    if (!lo_double_decode(d, &m, &e, &neg))
        not_finite(L);
    if (m == 0)
        return lo_fixnum(0);
    if (e < 0) {                    /* take out common factors of two */
        int tz = __builtin_ctzll(m);
        int64_t shift = tz < -e ? tz : -e;
        m >>= shift;
        e += shift;
    }
    lo_value num = lo_fixnum(neg ? -(int64_t)m : (int64_t)m);
    if (e >= 0)
        return lo_int_ash(L, num, e);
    uint64_t *r = lo_alloc_object(L, LO_T_RATIO, RATIO_WORDS);
    r[RATIO_NUM] = num;             /* m is odd here: lowest terms */
    r[RATIO_DEN] = lo_int_ash(L, lo_fixnum(1), -e);
    return lo_make_object(r);
}

lo_value lo_double_truncate(lo_lisp *L, double d)
{
    if ((lo_double_bits(d) >> 52 & 0x7ff) == 0x7ff)
        not_finite(L);
    if (d > -0x1p61 && d < 0x1p61)
        return lo_fixnum((int64_t)d);
    lo_big b = lo_big_new(L, LO_BIG_DOUBLE_LIMBS);
    lo_big_from_double(&b, d, NULL);
    return lo_big_finish(L, &b);
}
