/*
 * bignum.c -- arbitrary-precision integer arithmetic for Lisp's integers.
 *
 * The file has two layers.  The lower one works on bare magnitudes, an
 * array of 64-bit limbs (least significant first) and a count: functions
 * named mag_* and kmul/knuth_divide, which know nothing of signs.  The
 * upper one, lo_big_*, gives Common Lisp's signed semantics on top of it.
 * Nothing here allocates: results and working space are buffers handed in
 * by the caller, sized by the lo_big_*_size functions (see bignum.h).
 *
 * The algorithms are the classical ones (Knuth, TAOCP vol. 2, 4.3):
 * schoolbook multiplication with Karatsuba above a threshold, long
 * division by algorithm D, binary gcd, exponentiation by squaring, and
 * radix conversion a limb-sized chunk of digits at a time.  gcc's
 * unsigned __int128 holds the 128-bit products and dividends.
 */
#include <string.h>

#include "lisp/bignum.h"

typedef unsigned __int128 lo_dlimb;

/* Below this many limbs in the shorter operand, schoolbook multiplication
 * is used.  Measured (x86-64, gcc -O2, n x n limbs): Karatsuba from 24
 * limbs on takes 0.57 us at 24, 7.0 us at 100, 98 us at 500 and 0.9 ms at
 * 2000 limbs, against 0.64, 10.9, 276 and 4400 us for schoolbook alone;
 * thresholds of 16 to 32 are within noise of each other, 64 is slower. */
enum { KARATSUBA_MIN = 24 };

/* ======================================================================
 * Magnitudes
 * ====================================================================== */

static size_t mag_norm(const lo_limb *a, size_t n)
{
    while (n > 0 && a[n - 1] == 0)
        n--;
    return n;
}

/* Compares normalized magnitudes. */
static int mag_cmp(const lo_limb *a, size_t an, const lo_limb *b, size_t bn)
{
    if (an != bn)
        return an < bn ? -1 : 1;
    while (an-- > 0)
        if (a[an] != b[an])
            return a[an] < b[an] ? -1 : 1;
    return 0;
}

static unsigned bit_length64(uint64_t x)
{
    return x ? 64 - (unsigned)__builtin_clzll(x) : 0;
}

static uint64_t mag_bit_length(const lo_limb *a, size_t n)
{
    return n ? 64 * (uint64_t)(n - 1) + bit_length64(a[n - 1]) : 0;
}

/* r = a + x over n limbs; returns the carry out.  r may be a. */
static lo_limb mag_add_1(lo_limb *r, const lo_limb *a, size_t n, lo_limb x)
{
    for (size_t i = 0; i < n; i++) {
        lo_limb s = a[i] + x;
        x = s < x;
        r[i] = s;
    }
    return x;
}

/* r = a + b where an >= bn; writes an limbs and returns the carry.
 * r may be a or b: each limb is read before its place is written. */
static lo_limb mag_add(lo_limb *r, const lo_limb *a, size_t an,
                       const lo_limb *b, size_t bn)
{
    lo_limb carry = 0;
    for (size_t i = 0; i < bn; i++) {
        lo_limb s = a[i] + carry;
        carry = s < carry;
        lo_limb t = s + b[i];
        carry += t < s;
        r[i] = t;
    }
    return mag_add_1(r + bn, a + bn, an - bn, carry);
}

/* r = a - b where an >= bn; writes an limbs and returns the borrow (0 when
 * a >= b).  r may be a or b. */
static lo_limb mag_sub(lo_limb *r, const lo_limb *a, size_t an,
                       const lo_limb *b, size_t bn)
{
    lo_limb borrow = 0;
    for (size_t i = 0; i < an; i++) {
        lo_limb bi = i < bn ? b[i] : 0;
        lo_limb d = a[i] - bi;
        lo_limb b1 = a[i] < bi;
        r[i] = d - borrow;
        borrow = b1 | (d < borrow);
    }
    return borrow;
}

/* r = a * m + add over n limbs; returns the high limb.  r may be a. */
static lo_limb mag_mul_1(lo_limb *r, const lo_limb *a, size_t n, lo_limb m, lo_limb add)
{
    for (size_t i = 0; i < n; i++) {
        lo_dlimb p = (lo_dlimb)a[i] * m + add;
        r[i] = (lo_limb)p;
        add = (lo_limb)(p >> 64);
    }
    return add;
}

/* r += a * m over n limbs; returns the carry out of r[n-1]. */
static lo_limb mag_addmul_1(lo_limb *r, const lo_limb *a, size_t n, lo_limb m)
{
    lo_limb carry = 0;
    for (size_t i = 0; i < n; i++) {
        lo_dlimb p = (lo_dlimb)a[i] * m + r[i] + carry;  /* cannot overflow */
        r[i] = (lo_limb)p;
        carry = (lo_limb)(p >> 64);
    }
    return carry;
}

/* r -= a * m over n limbs; returns the borrow out of r[n-1]. */
static lo_limb mag_submul_1(lo_limb *r, const lo_limb *a, size_t n, lo_limb m)
{
    lo_limb borrow = 0;
    for (size_t i = 0; i < n; i++) {
        lo_dlimb p = (lo_dlimb)a[i] * m + borrow;
        lo_limb lo = (lo_limb)p;
        borrow = (lo_limb)(p >> 64) + (r[i] < lo);
        r[i] -= lo;
    }
    return borrow;
}

/* (hi:lo) / d with hi < d, so that the quotient fits in a limb.  On
 * x86-64 that is one divq (hi < d rules out its overflow trap), which
 * also keeps the core free of libgcc's __udivti3. */
static lo_limb div_2by1(lo_limb hi, lo_limb lo, lo_limb d, lo_limb *rem)
{
#if defined(__x86_64__)
    lo_limb q, r;
    __asm__("divq %4" : "=a"(q), "=d"(r) : "a"(lo), "d"(hi), "rm"(d));
    *rem = r;
    return q;
#else
    lo_dlimb n = (lo_dlimb)hi << 64 | lo;
    lo_limb q = (lo_limb)(n / d);
    *rem = (lo_limb)(n - (lo_dlimb)q * d);
    return q;
#endif
}

/* q = a / d over n limbs, returning the remainder.  q may be a. */
static lo_limb mag_divmod_1(lo_limb *q, const lo_limb *a, size_t n, lo_limb d)
{
    lo_limb rem = 0;
    for (size_t i = n; i-- > 0;)
        q[i] = div_2by1(rem, a[i], d, &rem);
    return rem;
}

/* r = a << bits; returns the normalized length and writes only the limbs
 * it counts (so a result known to be small fits a small buffer).  r may
 * be a: the copy runs from the top down. */
static size_t mag_shl(lo_limb *r, const lo_limb *a, size_t n, uint64_t bits)
{
    if (n == 0)
        return 0;
    size_t k = (size_t)(bits / 64);
    unsigned s = bits % 64;
    size_t len = n + k;
    if (s == 0) {
        memmove(r + k, a, n * sizeof *a);
    } else {
        lo_limb top = a[n - 1] >> (64 - s);
        if (top)
            r[len++] = top;
        for (size_t i = n - 1; i > 0; i--)
            r[i + k] = a[i] << s | a[i - 1] >> (64 - s);
        r[k] = a[0] << s;
    }
    memset(r, 0, k * sizeof *r);
    return len;
}

/* r = a >> bits (bits shifted out are lost); returns the normalized
 * length.  r may be a: the copy runs from the bottom up. */
static size_t mag_shr(lo_limb *r, const lo_limb *a, size_t n, uint64_t bits)
{
    if (bits / 64 >= n)
        return 0;
    size_t k = (size_t)(bits / 64), len = n - k;
    unsigned s = bits % 64;
    if (s == 0) {
        memmove(r, a + k, len * sizeof *a);
    } else {
        for (size_t i = 0; i + 1 < len; i++)
            r[i] = a[i + k] >> s | a[i + k + 1] << (64 - s);
        r[len - 1] = a[n - 1] >> s;
    }
    return mag_norm(r, len);
}

/* Whether any of the low `bits` bits of a is set. */
static bool mag_low_bits_set(const lo_limb *a, size_t n, uint64_t bits)
{
    size_t k = bits / 64 < n ? (size_t)(bits / 64) : n;
    for (size_t i = 0; i < k; i++)
        if (a[i])
            return true;
    return k < n && (a[k] & ((1ull << (bits % 64)) - 1)) != 0;
}

static uint64_t mag_trailing_zeros(const lo_limb *a, size_t n)
{
    size_t i = 0;
    while (i < n && a[i] == 0)
        i++;
    return i < n ? 64 * (uint64_t)i + (unsigned)__builtin_ctzll(a[i]) : 0;
}

/* ---- multiplication ---------------------------------------------------- */

/* r = a * b, an >= bn >= 1; writes an + bn limbs. */
static void mul_school(lo_limb *r, const lo_limb *a, size_t an,
                       const lo_limb *b, size_t bn)
{
    r[an] = mag_mul_1(r, a, an, b[0], 0);
    for (size_t j = 1; j < bn; j++)
        r[an + j] = mag_addmul_1(r + j, a, an, b[j]);
}

/* r[0..rn) += t[0..tn), tn <= rn, the carry running on inside r.  Used to
 * add partial products into a result whose total is known to fit. */
static void add_into(lo_limb *r, size_t rn, const lo_limb *t, size_t tn)
{
    lo_limb c = mag_add(r, r, tn, t, tn);
    mag_add_1(r + tn, r + tn, rn - tn, c);
}

/* r = |x - y| over xn limbs (xn >= yn, y taken as zero-extended); returns
 * whether x < y. */
static bool abs_diff(lo_limb *r, const lo_limb *x, size_t xn,
                     const lo_limb *y, size_t yn)
{
    size_t xs = mag_norm(x, xn), ys = mag_norm(y, yn);
    if (mag_cmp(x, xs, y, ys) >= 0) {
        mag_sub(r, x, xn, y, yn);
        return false;
    }
    mag_sub(r, y, yn, x, yn);  /* x < y: x's limbs past yn are zero */
    memset(r + yn, 0, (xn - yn) * sizeof *r);
    return true;
}

static void kmul(lo_limb *r, const lo_limb *a, size_t an,
                 const lo_limb *b, size_t bn, lo_limb *t);

/* The scratch kmul needs for an x bn limbs, an >= bn.  With
 * m = ceiling(an / 2), a balanced step takes 4m + 1 limbs and recurses on
 * at most m limbs; an unbalanced one takes 2 bn <= an + 1 and recurses on
 * bn <= m.  By induction S(an) <= 4 an + 5 ceiling(log2 an) bounds both,
 * and it grows with an, so it also covers every smaller product (expt
 * relies on that). */
static size_t kmul_scratch(size_t an, size_t bn)
{
    if (bn < KARATSUBA_MIN)
        return 0;
    return 4 * an + 5 * bit_length64(an - 1);  /* ceiling(log2 an) */
}

/* a is much longer than b: multiply b by slices of a as long as b and add
 * the slices' products in at their places. */
static void kmul_unbalanced(lo_limb *r, const lo_limb *a, size_t an,
                            const lo_limb *b, size_t bn, lo_limb *t)
{
    memset(r, 0, (an + bn) * sizeof *r);
    for (size_t i = 0; i < an; i += bn) {
        size_t p = an - i < bn ? an - i : bn;
        if (p >= bn)
            kmul(t, a + i, p, b, bn, t + p + bn);
        else
            kmul(t, b, bn, a + i, p, t + p + bn);
        add_into(r + i, an + bn - i, t, p + bn);
    }
}

/* r = a * b, an >= bn >= 1, r holding an + bn limbs; t is scratch of
 * kmul_scratch(an, bn) limbs.  Karatsuba: with a = a1 B^m + a0 and
 * b = b1 B^m + b0,
 *     a b = z2 B^2m + (z0 + z2 - (a0 - a1)(b0 - b1)) B^m + z0
 * where z0 = a0 b0 and z2 = a1 b1: three half-size products for four. */
static void kmul(lo_limb *r, const lo_limb *a, size_t an,
                 const lo_limb *b, size_t bn, lo_limb *t)
{
    if (bn < KARATSUBA_MIN) {
        mul_school(r, a, an, b, bn);
        return;
    }
    size_t m = (an + 1) / 2;
    if (bn <= m) {
        kmul_unbalanced(r, a, an, b, bn, t);
        return;
    }
    lo_limb *da = t, *db = t + m, *mid = t + 2 * m, *next = t + 4 * m + 1;
    kmul(r, a, m, b, m, next);                          /* z0 */
    kmul(r + 2 * m, a + m, an - m, b + m, bn - m, next); /* z2 */
    bool na = abs_diff(da, a, m, a + m, an - m);
    bool nb = abs_diff(db, b, m, b + m, bn - m);
    kmul(mid, da, m, db, m, next);
    mid[2 * m] = 0;
    /* mid = z0 + z2 -/+ |(a0 - a1)(b0 - b1)|, worked modulo B^(2m+1): the
     * true value, a0 b1 + a1 b0, is nonnegative and fits. */
    if (na == nb) {
        for (size_t i = 0; i <= 2 * m; i++)
            mid[i] = ~mid[i];
        mag_add_1(mid, mid, 2 * m + 1, 1);
    }
    add_into(mid, 2 * m + 1, r, 2 * m);
    add_into(mid, 2 * m + 1, r + 2 * m, an + bn - 2 * m);
    size_t room = an + bn - m;
    add_into(r + m, room, mid, 2 * m + 1 < room ? 2 * m + 1 : room);
}

/* ---- division ----------------------------------------------------------- */

/* Knuth's algorithm D.  u (un + 1 limbs, u[un] = 0 on entry) is divided
 * by v (vn >= 2 limbs, top bit set); q gets un - vn + 1 limbs and u is
 * left holding the remainder in its low vn limbs. */
static void knuth_divide(lo_limb *q, lo_limb *u, size_t un,
                         const lo_limb *v, size_t vn)
{
    lo_limb vtop = v[vn - 1], vnext = v[vn - 2];
    for (size_t j = un - vn + 1; j-- > 0;) {
        /* Estimate the quotient limb from the remainder's top two limbs
         * and v's top limb; it is at most two too large, and comparing
         * against the third limbs removes nearly every overestimate. */
        lo_limb top = u[j + vn], qhat, rhat;
        bool rhat_big = false;
        if (top >= vtop) {  /* top == vtop: the estimate would not fit */
            qhat = ~(lo_limb)0;
            rhat = u[j + vn - 1] + vtop;
            rhat_big = rhat < vtop;
        } else {
            qhat = div_2by1(top, u[j + vn - 1], vtop, &rhat);
        }
        while (!rhat_big &&
               (lo_dlimb)qhat * vnext > ((lo_dlimb)rhat << 64 | u[j + vn - 2])) {
            qhat--;
            rhat += vtop;
            rhat_big = rhat < vtop;
        }
        /* Subtract qhat v; if that went below zero (rare), qhat was still
         * one too large: add v back. */
        lo_limb borrow = mag_submul_1(u + j, v, vn, qhat);
        u[j + vn] = top - borrow;
        if (top < borrow) {
            qhat--;
            u[j + vn] += mag_add(u + j, u + j, vn, v, vn);
        }
        q[j] = qhat;
    }
}

/* ======================================================================
 * Signed integers
 * ====================================================================== */

static void set_len(lo_big *r, size_t len, bool neg)
{
    r->len = mag_norm(r->limb, len);
    r->neg = neg && r->len > 0;
}

void lo_big_from_uint64(lo_big *r, uint64_t v)
{
    r->limb[0] = v;
    set_len(r, 1, false);
}

void lo_big_from_int64(lo_big *r, int64_t v)
{
    /* Negating through uint64_t keeps INT64_MIN defined. */
    r->limb[0] = v < 0 ? -(uint64_t)v : (uint64_t)v;
    set_len(r, 1, v < 0);
}

bool lo_big_to_int64(const lo_big *a, int64_t *out)
{
    if (a->len == 0) {
        *out = 0;
        return true;
    }
    uint64_t m = a->limb[0], limit = a->neg ? 1ull << 63 : (1ull << 63) - 1;
    if (a->len > 1 || m > limit)
        return false;
    *out = a->neg ? (int64_t)(0 - m) : (int64_t)m;  /* 0 - 2^63 wraps to INT64_MIN */
    return true;
}

bool lo_big_fixnump(const lo_big *a)
{
    int64_t v;
    return lo_big_to_int64(a, &v) && v >= LO_BIG_FIXNUM_MIN && v <= LO_BIG_FIXNUM_MAX;
}

void lo_big_copy(lo_big *r, const lo_big *a)
{
    if (r->limb != a->limb)
        memmove(r->limb, a->limb, a->len * sizeof *a->limb);
    r->len = a->len;
    r->neg = a->neg;
}

void lo_big_neg(lo_big *r, const lo_big *a)
{
    bool neg = !a->neg && a->len > 0;
    lo_big_copy(r, a);
    r->neg = neg;
}

void lo_big_abs(lo_big *r, const lo_big *a)
{
    lo_big_copy(r, a);
    r->neg = false;
}

int lo_big_cmp_abs(const lo_big *a, const lo_big *b)
{
    return mag_cmp(a->limb, a->len, b->limb, b->len);
}

int lo_big_cmp(const lo_big *a, const lo_big *b)
{
    if (a->neg != b->neg)
        return a->neg ? -1 : 1;
    int c = lo_big_cmp_abs(a, b);
    return a->neg ? -c : c;
}

/* ---- + - * -------------------------------------------------------------- */

size_t lo_big_add_size(size_t alen, size_t blen)
{
    return (alen > blen ? alen : blen) + 1;
}

/* r = a + (bneg ? -|b| : |b|): the sign of b is passed apart so that
 * subtraction is addition without copying b. */
static void add_signed(lo_big *r, const lo_big *a, const lo_big *b, bool bneg)
{
    const lo_big *x = a, *y = b;
    bool xneg = a->neg, yneg = bneg;
    if (lo_big_cmp_abs(a, b) < 0) {  /* x is the larger in magnitude */
        x = b, y = a;
        xneg = bneg, yneg = a->neg;
    }
    size_t xn = x->len, yn = y->len;
    if (xneg == yneg) {
        r->limb[xn] = mag_add(r->limb, x->limb, xn, y->limb, yn);
        set_len(r, xn + 1, xneg);
    } else {
        mag_sub(r->limb, x->limb, xn, y->limb, yn);
        set_len(r, xn, xneg);
    }
}

void lo_big_add(lo_big *r, const lo_big *a, const lo_big *b)
{
    add_signed(r, a, b, b->neg);
}

void lo_big_sub(lo_big *r, const lo_big *a, const lo_big *b)
{
    add_signed(r, a, b, !b->neg && b->len > 0);
}

size_t lo_big_mul_size(size_t alen, size_t blen)
{
    return alen + blen;
}

size_t lo_big_mul_scratch_size(size_t alen, size_t blen)
{
    return alen >= blen ? kmul_scratch(alen, blen) : kmul_scratch(blen, alen);
}

void lo_big_mul(lo_big *r, const lo_big *a, const lo_big *b, lo_limb *scratch)
{
    bool neg = a->neg != b->neg;
    if (a->len == 0 || b->len == 0) {
        r->len = 0;
        r->neg = false;
        return;
    }
    if (a->len < b->len) {
        const lo_big *t = a;
        a = b, b = t;
    }
    kmul(r->limb, a->limb, a->len, b->limb, b->len, scratch);
    set_len(r, a->len + b->len, neg);
}

/* ---- division ----------------------------------------------------------- */

size_t lo_big_div_qsize(size_t alen, size_t blen)
{
    /* The truncated quotient has alen - blen + 1 limbs; rounding away
     * from zero may carry into one more. */
    return (alen >= blen ? alen - blen : 0) + 2;
}

size_t lo_big_div_rsize(size_t alen, size_t blen)
{
    (void)alen;
    return blen > 0 ? blen : 1;
}

size_t lo_big_div_scratch_size(size_t alen, size_t blen)
{
    return alen + blen + 1;
}

/* Compares 2|r| with |b|, for rounding to nearest. */
static int cmp_twice(const lo_limb *r, size_t rn, const lo_limb *b, size_t bn)
{
    size_t n = rn + (rn > 0 && (r[rn - 1] >> 63));  /* limbs of 2r */
    if (n != bn)
        return n < bn ? -1 : 1;
    for (size_t i = n; i-- > 0;) {
        lo_limb hi = i < rn ? r[i] << 1 : 0;
        lo_limb d = hi | (i > 0 ? r[i - 1] >> 63 : 0);
        if (d != b[i])
            return d < b[i] ? -1 : 1;
    }
    return 0;
}

/* The truncated quotient and remainder of |a| / |b|, b nonzero. */
static void divide_magnitudes(lo_big *q, lo_big *r, const lo_big *a,
                              const lo_big *b, lo_limb *scratch)
{
    size_t an = a->len, bn = b->len;
    if (an < bn) {
        q->len = 0;
        memcpy(r->limb, a->limb, an * sizeof *a->limb);
        r->len = an;
    } else if (bn == 1) {
        r->limb[0] = mag_divmod_1(q->limb, a->limb, an, b->limb[0]);
        q->len = mag_norm(q->limb, an);
        r->len = r->limb[0] != 0;
    } else {
        /* Shift both so that v's top bit is set: the quotient estimates
         * of algorithm D depend on it.  The remainder is shifted back. */
        unsigned s = (unsigned)__builtin_clzll(b->limb[bn - 1]);
        lo_limb *v = scratch, *u = scratch + bn;
        mag_shl(v, b->limb, bn, s);
        u[an] = 0;  /* mag_shl writes it only when nonzero */
        mag_shl(u, a->limb, an, s);
        knuth_divide(q->limb, u, an, v, bn);
        q->len = mag_norm(q->limb, an - bn + 1);
        r->len = mag_shr(r->limb, u, bn, s);
    }
}

bool lo_big_divmod(lo_big *q, lo_big *r, const lo_big *a, const lo_big *b,
                   enum lo_big_rounding mode, lo_limb *scratch)
{
    if (b->len == 0)
        return false;
    bool qneg = a->neg != b->neg, aneg = a->neg;
    divide_magnitudes(q, r, a, b, scratch);
    /* From the truncated q and r, every other rounding moves q one step
     * away from zero (when the mode asks for it), and then r = a - q b
     * becomes |b| - |r| with the sign opposite to a's. */
    bool away = false;
    if (r->len > 0) {
        switch (mode) {
        case LO_BIG_TRUNCATE: break;
        case LO_BIG_FLOOR: away = qneg; break;
        case LO_BIG_CEILING: away = !qneg; break;
        case LO_BIG_ROUND: {
            int c = cmp_twice(r->limb, r->len, b->limb, b->len);
            away = c > 0 || (c == 0 && q->len > 0 && (q->limb[0] & 1));
            break;
        }
        }
    }
    if (away) {
        q->limb[q->len] = mag_add_1(q->limb, q->limb, q->len, 1);
        q->len = mag_norm(q->limb, q->len + 1);
        mag_sub(r->limb, b->limb, b->len, r->limb, r->len);
        set_len(r, b->len, !aneg);
    } else {
        r->neg = aneg && r->len > 0;
    }
    q->neg = qneg && q->len > 0;
    return true;
}

/* ---- gcd and expt ------------------------------------------------------- */

size_t lo_big_gcd_size(size_t alen, size_t blen)
{
    if (alen == 0 || blen == 0)
        return (alen > blen ? alen : blen) + (alen == blen);
    return alen < blen ? alen : blen;
}

static uint64_t gcd64(uint64_t u, uint64_t v)
{
    if (u == 0 || v == 0)
        return u | v;
    unsigned k = (unsigned)__builtin_ctzll(u | v);
    u >>= __builtin_ctzll(u);
    while (v) {  /* u is odd */
        v >>= __builtin_ctzll(v);
        if (u > v) {
            uint64_t t = u;
            u = v, v = t;
        }
        v -= u;
    }
    return u << k;
}

/* Binary gcd (Stein): strip the common factor 2^k, then repeatedly
 * subtract the smaller odd number from the larger and drop the new
 * trailing zeros.  Once one side is a single limb, a division brings the
 * other down to a limb too and a word-sized gcd finishes. */
void lo_big_gcd(lo_big *r, const lo_big *a, const lo_big *b, lo_limb *scratch)
{
    if (a->len == 0 || b->len == 0) {
        lo_big_abs(r, a->len == 0 ? b : a);
        return;
    }
    lo_limb *u = scratch, *v = scratch + a->len;
    uint64_t za = mag_trailing_zeros(a->limb, a->len);
    uint64_t zb = mag_trailing_zeros(b->limb, b->len);
    uint64_t k = za < zb ? za : zb;
    size_t un = mag_shr(u, a->limb, a->len, za);
    size_t vn = mag_shr(v, b->limb, b->len, zb);
    for (;;) {
        int c = mag_cmp(u, un, v, vn);
        if (c == 0)
            break;
        if (c < 0) {  /* keep u the larger */
            lo_limb *t = u;
            size_t tn = un;
            u = v, un = vn, v = t, vn = tn;
        }
        if (vn == 1) {
            lo_limb rem = mag_divmod_1(u, u, un, v[0]);
            v[0] = gcd64(rem, v[0]);
            break;
        }
        mag_sub(u, u, un, v, vn);
        un = mag_norm(u, un);
        un = mag_shr(u, u, un, mag_trailing_zeros(u, un));
    }
    r->len = mag_shl(r->limb, v, vn, k);
    r->neg = false;
}

size_t lo_big_expt_size(const lo_big *base, uint64_t e)
{
    /* |base|^e < 2^(bits e); an intermediate product of two powers may
     * have one limb more than its value needs, hence the + 1. */
    uint64_t bits = mag_bit_length(base->limb, base->len);
    if (bits <= 1 || e == 0)
        return 1;
    lo_dlimb total = (lo_dlimb)bits * e;
    if (total / 64 >= SIZE_MAX - 2)
        return SIZE_MAX;
    return (size_t)((total + 63) / 64) + 1;
}

size_t lo_big_expt_scratch_size(const lo_big *base, uint64_t e)
{
    size_t n = lo_big_expt_size(base, e);
    if (n > SIZE_MAX / 8)
        return SIZE_MAX;
    return n + kmul_scratch(n, n);
}

/* Left to right binary exponentiation: square for each bit of e below the
 * top one, multiply by the base when the bit is set.  The power being
 * built moves between r's buffer and the scratch, a product at a time. */
void lo_big_expt(lo_big *r, const lo_big *base, uint64_t e, lo_limb *scratch)
{
    bool neg = base->neg && (e & 1);
    if (e == 0 || base->len == 0 || (base->len == 1 && base->limb[0] == 1)) {
        /* 1, 0 or +-1: no squaring (lo_big_expt_size gave one limb) */
        r->limb[0] = e == 0 || base->len > 0;
        set_len(r, 1, neg);
        return;
    }
    size_t size = lo_big_expt_size(base, e);
    lo_limb *x = r->limb, *t = scratch, *mul_scratch = scratch + size;
    size_t xn = base->len;
    memcpy(x, base->limb, xn * sizeof *x);
    for (int bit = 62 - __builtin_clzll(e); bit >= 0; bit--) {
        kmul(t, x, xn, x, xn, mul_scratch);
        xn = mag_norm(t, 2 * xn);
        lo_limb *s = x;
        x = t, t = s;
        if (e >> bit & 1) {
            if (xn >= base->len)
                kmul(t, x, xn, base->limb, base->len, mul_scratch);
            else
                kmul(t, base->limb, base->len, x, xn, mul_scratch);
            xn = mag_norm(t, xn + base->len);
            s = x;
            x = t, t = s;
        }
    }
    if (x != r->limb)
        memcpy(r->limb, x, xn * sizeof *x);
    set_len(r, xn, neg);
}

/* ---- bits --------------------------------------------------------------- */

size_t lo_big_ash_size(size_t alen, int64_t count)
{
    if (count >= 0) {
        uint64_t k = (uint64_t)count / 64;
        return k >= SIZE_MAX - alen - 1 ? SIZE_MAX : alen + (size_t)k + 1;
    }
    /* Rounding a negative number toward -infinity can carry one limb
     * past the shifted magnitude. */
    uint64_t k = (0 - (uint64_t)count) / 64;
    return k >= alen ? 1 : alen - (size_t)k + 1;
}

void lo_big_ash(lo_big *r, const lo_big *a, int64_t count)
{
    bool neg = a->neg;
    size_t n = a->len;
    if (count >= 0) {
        r->len = mag_shl(r->limb, a->limb, n, (uint64_t)count);
        r->neg = neg;
        return;
    }
    uint64_t bits = 0 - (uint64_t)count;
    /* For a negative a, a >> bits = -ceiling(|a| / 2^bits). */
    bool round_up = neg && mag_low_bits_set(a->limb, n, bits);
    size_t len = mag_shr(r->limb, a->limb, n, bits);
    if (round_up) {
        r->limb[len] = mag_add_1(r->limb, r->limb, len, 1);
        len++;
    }
    set_len(r, len, neg);
}

size_t lo_big_log_size(size_t alen, size_t blen)
{
    /* Two's complement needs a sign limb, and -2^(64n) = logand of two
     * n-limb numbers needs n + 1 limbs of magnitude. */
    return (alen > blen ? alen : blen) + 1;
}

/* Limb i of a's infinite two's complement form.  For a negative a this is
 * ~|a| + 1, produced a limb at a time: *carry starts at 1 and stays 1
 * while the limbs of |a| are zero. */
static lo_limb twos_limb(const lo_big *a, size_t i, lo_limb *carry)
{
    lo_limb m = i < a->len ? a->limb[i] : 0;
    if (!a->neg)
        return m;
    lo_limb t = ~m + *carry;
    *carry = *carry && m == 0;
    return t;
}

enum logop { LOG_AND, LOG_IOR, LOG_XOR };

static lo_limb logop_limb(enum logop op, lo_limb x, lo_limb y)
{
    switch (op) {
    case LOG_AND: return x & y;
    case LOG_IOR: return x | y;
    default: return x ^ y;
    }
}

/* Works limb by limb in two's complement over one limb more than the
 * longer operand (the sign limb), then turns a negative result back into
 * sign and magnitude. */
static void logop(lo_big *r, enum logop op, const lo_big *a, const lo_big *b)
{
    size_t n = lo_big_log_size(a->len, b->len);
    bool neg = logop_limb(op, a->neg, b->neg) & 1;
    lo_limb ca = 1, cb = 1;
    for (size_t i = 0; i < n; i++) {
        lo_limb x = twos_limb(a, i, &ca), y = twos_limb(b, i, &cb);
        r->limb[i] = logop_limb(op, x, y);
    }
    if (neg) {
        for (size_t i = 0; i < n; i++)
            r->limb[i] = ~r->limb[i];
        mag_add_1(r->limb, r->limb, n, 1);
    }
    set_len(r, n, neg);
}

void lo_big_logand(lo_big *r, const lo_big *a, const lo_big *b) { logop(r, LOG_AND, a, b); }
void lo_big_logior(lo_big *r, const lo_big *a, const lo_big *b) { logop(r, LOG_IOR, a, b); }
void lo_big_logxor(lo_big *r, const lo_big *a, const lo_big *b) { logop(r, LOG_XOR, a, b); }

void lo_big_lognot(lo_big *r, const lo_big *a)
{
    /* (lognot a) = -a - 1: -(|a| + 1) for a >= 0, |a| - 1 for a < 0. */
    size_t n = a->len;
    if (a->neg) {
        mag_sub(r->limb, a->limb, n, (const lo_limb[]){1}, 1);
        set_len(r, n, false);
    } else {
        r->limb[n] = mag_add_1(r->limb, a->limb, n, 1);
        set_len(r, n + 1, true);
    }
}

uint64_t lo_big_integer_length(const lo_big *a)
{
    /* For a negative a, the length of |a| - 1: one less than |a|'s when
     * |a| is a power of two. */
    uint64_t bits = mag_bit_length(a->limb, a->len);
    if (a->neg && mag_trailing_zeros(a->limb, a->len) == bits - 1)
        bits--;
    return bits;
}

/* ---- text --------------------------------------------------------------- */

static const char digits[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/* The largest power of radix that fits a limb, and its exponent: the
 * number of digits converted per limb operation. */
static lo_limb radix_chunk(unsigned radix, unsigned *ndigits)
{
    lo_limb big = radix;
    unsigned k = 1;
    while (big <= UINT64_MAX / radix)
        big *= radix, k++;
    *ndigits = k;
    return big;
}

size_t lo_big_text_size(const lo_big *a, unsigned radix)
{
    /* digits <= bits / log2(radix) + 1; floor(log2(radix)) keeps it an
     * upper bound.  Plus the sign and the NUL. */
    uint64_t bits = mag_bit_length(a->limb, a->len);
    return (size_t)(bits / (bit_length64(radix) - 1)) + 3;
}

size_t lo_big_to_text(const lo_big *a, unsigned radix, char *out, lo_limb *scratch)
{
    char *end = out + lo_big_text_size(a, radix) - 1, *p = end;
    *end = '\0';
    unsigned k;
    lo_limb big = radix_chunk(radix, &k);
    size_t n = a->len;
    memcpy(scratch, a->limb, n * sizeof *scratch);
    if (n == 0)
        *--p = '0';
    /* Digits come out least significant first, written backwards: each
     * division by radix^k gives k digits (fewer for the last chunk, which
     * has no leading zeros). */
    while (n > 0) {
        lo_limb rem = mag_divmod_1(scratch, scratch, n, big);
        n = mag_norm(scratch, n);
        for (unsigned i = 0; i < k && (n > 0 || rem > 0); i++) {
            *--p = digits[rem % radix];
            rem /= radix;
        }
    }
    if (a->neg)
        *--p = '-';
    size_t len = (size_t)(end - p);
    memmove(out, p, len + 1);
    return len;
}

size_t lo_big_parse_size(size_t n, unsigned radix)
{
    /* bits <= n * ceiling(log2(radix)); the extra limb is room for the
     * carry limb written before each normalization. */
    unsigned per_digit = bit_length64(radix - 1);
    if (n > (SIZE_MAX - 128) / per_digit)
        return SIZE_MAX;
    return n * per_digit / 64 + 2;
}

/* The weight of c as a digit in radices up to 36 (99 when none). */
int lo_digit_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'Z')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 10;
    return 99;
}

bool lo_big_parse(lo_big *r, const char *text, size_t n, unsigned radix, size_t *bad)
{
    size_t i = 0;
    bool neg = false;
    if (n > 0 && (text[0] == '+' || text[0] == '-'))
        neg = text[i++] == '-';
    if (i == n) {
        *bad = n;
        return false;
    }
    /* Multiply in k digits at a time: r = r * radix^k + chunk. */
    unsigned k;
    radix_chunk(radix, &k);
    size_t len = 0;
    while (i < n) {
        lo_limb chunk = 0, scale = 1;
        for (unsigned j = 0; j < k && i < n; j++, i++) {
            int d = lo_digit_value(text[i]);
            if (d >= (int)radix) {
                *bad = i;
                return false;
            }
            chunk = chunk * radix + (unsigned)d;
            scale *= radix;
        }
        lo_limb carry = mag_mul_1(r->limb, r->limb, len, scale, chunk);
        if (len == 0 && carry == 0)
            continue;  /* still zero (leading zeros) */
        r->limb[len++] = carry;
        len = mag_norm(r->limb, len);
    }
    set_len(r, len, neg);
    return true;
}

/* ---- doubles ------------------------------------------------------------ */

static double double_from_bits(uint64_t bits)
{
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
}

bool lo_big_to_double(const lo_big *a, double *out)
{
    uint64_t n = mag_bit_length(a->limb, a->len);
    uint64_t sign = (uint64_t)a->neg << 63;
    if (n == 0) {
        *out = 0.0;
        return true;
    }
    /* The top 64 bits, left-aligned, and whether any bit below them is
     * set; then round to 53 bits by hand, to nearest, ties to even. */
    uint64_t top;
    bool sticky = false;
    if (n <= 64) {
        top = a->limb[0] << (64 - n);
    } else {
        uint64_t low = n - 64;
        size_t k = (size_t)(low / 64);
        unsigned s = low % 64;
        top = a->limb[k] >> s;
        if (s)
            top |= a->limb[k + 1] << (64 - s);
        sticky = mag_low_bits_set(a->limb, a->len, low);
    }
    uint64_t mant = top >> 11, rest = top & 0x7ff;
    if (rest > 0x400 || (rest == 0x400 && (sticky || (mant & 1)))) {
        if (++mant == 1ull << 53) {
            mant >>= 1;
            n++;
        }
    }
    if (n > 1024) {  /* beyond the largest double */
        *out = double_from_bits(sign | 0x7ffull << 52);
        return false;
    }
    *out = double_from_bits(sign | (n - 1 + 1023) << 52 | (mant & ((1ull << 52) - 1)));
    return true;
}

bool lo_big_from_double(lo_big *r, double d, bool *fraction)
{
    uint64_t bits;
    memcpy(&bits, &d, sizeof bits);
    bool neg = bits >> 63;
    int exp = (int)(bits >> 52 & 0x7ff);
    uint64_t mant = bits & ((1ull << 52) - 1);
    bool dropped = false;
    if (exp == 0x7ff)
        return false;
    r->len = 0;
    if (exp == 0) {  /* zero or subnormal: below 1 */
        dropped = mant != 0;
    } else {
        /* d = (2^52 + mant) * 2^(exp - 1075) */
        mant |= 1ull << 52;
        int shift = exp - 1075;
        if (shift >= 0) {
            r->len = mag_shl(r->limb, &mant, 1, (uint64_t)shift);
        } else if (shift > -53) {
            dropped = (mant & ((1ull << -shift) - 1)) != 0;
            r->limb[0] = mant >> -shift;
            r->len = r->limb[0] != 0;
        } else {
            dropped = true;
        }
    }
    r->neg = neg && r->len > 0;
    if (fraction)
        *fraction = dropped;
    return true;
}
