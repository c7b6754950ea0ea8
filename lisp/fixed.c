/*
 * fixed.c -- FORMAT's ~F (fixed.h): SBCL's FORMAT-FIXED-AUX over its
 * FLONUM-TO-STRING, whose digits come from FLONUM-TO-DIGITS -- Burger and
 * Dybvig's free-format algorithm, with SBCL's extension that stops at a
 * digit position (~,dF) or after so many digits (~wF), rounding the exact
 * value there, ties upward.  Its integers are lo_big numbers (bignum.h)
 * in fixed-size buffers on the C stack.
 */
#include <string.h>

#include "lisp/bignum.h"
#include "lisp/fixed.h"
#include "lisp/flonum.h"
#include "lisp/streams.h"

enum { LIMBS = 160, MAX_DIGITS = 64, MAX_POSITION = 1000, MAX_TEXT = 4096 };

static _Noreturn void too_large(lo_lisp *L)
{
    lo_error(L, "FORMAT-ERROR", "~F: more digits than FORMAT writes (the "
             "limit is %d after the point)", MAX_POSITION);
}

/* ---- integers in fixed buffers ---- */

struct num {
    lo_limb limb[LIMBS];
    lo_big v;
};

static void num_set(struct num *n, uint64_t value)
{
    n->v = (lo_big){ n->limb, 0, false };
    lo_big_from_uint64(&n->v, value);
}

static void room(lo_lisp *L, size_t limbs)
{
    if (limbs > LIMBS)
        too_large(L);
}

static void num_add(lo_lisp *L, struct num *r, const struct num *a,
                    const struct num *b)
{
    room(L, lo_big_add_size(a->v.len, b->v.len));
    r->v.limb = r->limb;            /* r may be a fresh one */
    lo_big_add(&r->v, &a->v, &b->v);
}

static void num_sub(struct num *r, const struct num *a, const struct num *b)
{
    lo_big_sub(&r->v, &a->v, &b->v);
}

static int num_cmp(const struct num *a, const struct num *b)
{
    return lo_big_cmp(&a->v, &b->v);
}

static void num_copy(struct num *r, const struct num *a)
{
    r->v = (lo_big){ r->limb, 0, false };
    lo_big_copy(&r->v, &a->v);
}

static void num_mul_small(lo_lisp *L, struct num *n, uint64_t k)
{
    struct num factor, product;
    num_set(&factor, k);
    room(L, n->v.len + 1);
    product.v = (lo_big){ product.limb, 0, false };
    lo_big_mul(&product.v, &n->v, &factor.v, NULL);
    num_copy(n, &product);
}

static void num_mul_pow10(lo_lisp *L, struct num *n, int64_t k)
{
    for (; k >= 19; k -= 19)
        num_mul_small(L, n, 10000000000000000000ull);
    uint64_t rest = 1;
    while (k-- > 0)
        rest *= 10;
    num_mul_small(L, n, rest);
}

static void num_shl(lo_lisp *L, struct num *n, int64_t bits)
{
    room(L, lo_big_ash_size(n->v.len, bits));
    lo_big_ash(&n->v, &n->v, bits);
}

/* ---- FLONUM-TO-DIGITS ---- */

struct digits {
    char d[MAX_DIGITS];
    int n;
    int k;                  /* the value is 0.d[0]d[1]... times 10^k */
};

struct gen {                /* the algorithm's state */
    lo_lisp *L;
    struct num r, s, mp, mm;    /* remainder, scale, m+ and m- */
    bool high_ok, low_ok;
};

static void emit(struct gen *g, struct digits *out, uint64_t d)
{
    if (out->n == MAX_DIGITS || d > 9)
        too_large(g->L);
    out->d[out->n++] = (char)('0' + d);
}

static void generate(struct gen *g, struct digits *out)
{
    lo_lisp *L = g->L;
    struct num sum;
    uint64_t d;
    bool tc1, tc2;
    for (;;) {
        num_mul_small(L, &g->r, 10);
        for (d = 0; num_cmp(&g->r, &g->s) >= 0; d++)
            num_sub(&g->r, &g->r, &g->s);
        num_mul_small(L, &g->mp, 10);
        num_mul_small(L, &g->mm, 10);
        int low = num_cmp(&g->r, &g->mm);
        tc1 = low < 0 || (g->low_ok && low == 0);
        num_add(L, &sum, &g->r, &g->mp);
        int high = num_cmp(&sum, &g->s);
        tc2 = high > 0 || (g->high_ok && high == 0);
        if (tc1 || tc2)
            break;
        emit(g, out, d);
    }
    if (tc1 && tc2) {                   /* both ways: the nearer, ties up */
        num_add(L, &sum, &g->r, &g->r);
        d += num_cmp(&sum, &g->s) >= 0;
    } else if (tc2) {
        d++;
    }
    emit(g, out, d);
}

/* The free-format start: k estimated from the exponent, then fixed. */
static void scale_free(struct gen *g, uint64_t f, int e, struct digits *out)
{
    lo_lisp *L = g->L;
    int length = 64 - __builtin_clzll(f);
    double v = (double)(e + length - 1) * 0.30102999566398120
             - (double)1.0e-10f;        /* SBCL's constants, exactly */
    int est = (int)v;
    if (est < v)
        est++;                          /* the ceiling */
    if (est >= 0) {
        num_mul_pow10(L, &g->s, est);
    } else {
        num_mul_pow10(L, &g->r, -est);
        num_mul_pow10(L, &g->mp, -est);
        num_mul_pow10(L, &g->mm, -est);
    }
    struct num sum;
    num_add(L, &sum, &g->r, &g->mp);
    int c = num_cmp(&sum, &g->s);
    if (g->high_ok ? c >= 0 : c > 0) {
        est++;
        num_mul_small(L, &g->s, 10);
    }
    out->k = est;
    generate(g, out);
}

/* A relative position (significant digits) made absolute. */
static int absolute_position(struct gen *g, int position)
{
    lo_lisp *L = g->L;
    struct num sum, sl, lhs, rhs;
    num_add(L, &sum, &g->r, &g->mp);
    num_copy(&sl, &g->s);
    int k = 0;
    for (; num_cmp(&sl, &sum) < 0; k++)
        num_mul_small(L, &sl, 10);
    /* r + s * 10^(k-position) / 2 < s * 10^k, times 2 (and times
     * 10^(position-k) when that exponent is negative) */
    num_add(L, &lhs, &g->r, &g->r);
    num_add(L, &rhs, &sl, &sl);
    struct num term;
    num_copy(&term, &g->s);
    if (k >= position) {
        num_mul_pow10(L, &term, k - position);
    } else {
        num_mul_pow10(L, &lhs, position - k);
        num_mul_pow10(L, &rhs, position - k);
    }
    num_add(L, &lhs, &lhs, &term);
    return num_cmp(&lhs, &rhs) < 0 ? k - position : k - position - 1;
}

/* Rounding at 10^position: the interval of acceptable outputs widens to
 * half a unit there (SBCL's SCALE-P).  Everything is scaled by 2 (and by
 * 10^-position) so that half unit is an integer. */
static void scale_position(struct gen *g, int position, bool relative,
                           struct digits *out)
{
    lo_lisp *L = g->L;
    if (relative)
        position = absolute_position(g, position);
    if (position > MAX_POSITION || position < -MAX_POSITION)
        too_large(L);
    struct num x;
    num_copy(&x, &g->s);
    int64_t up = position >= 0 ? 0 : -position;
    if (position >= 0)
        num_mul_pow10(L, &x, position);
    struct num *all[] = { &g->r, &g->s, &g->mp, &g->mm };
    for (int i = 0; i < 4; i++) {
        num_shl(L, all[i], 1);
        num_mul_pow10(L, all[i], up);
    }
    if (num_cmp(&g->mm, &x) < 0)
        num_copy(&g->mm, &x);
    if (num_cmp(&g->mp, &x) < 0)
        num_copy(&g->mp, &x);
    g->low_ok = g->high_ok = true;
    struct num sum;
    num_add(L, &sum, &g->r, &g->mp);
    int k = 0;
    for (; num_cmp(&sum, &g->s) >= 0; k++)
        num_mul_small(L, &g->s, 10);
    for (;;) {
        if (num_cmp(&g->r, &g->mm) <= 0)
            break;
        num_add(L, &sum, &g->r, &g->mp);
        num_mul_small(L, &sum, 10);
        if (num_cmp(&sum, &g->s) >= 0)
            break;
        k--;
        num_mul_small(L, &g->r, 10);
        num_mul_small(L, &g->mp, 10);
        num_mul_small(L, &g->mm, 10);
    }
    out->k = k;
    generate(g, out);
}

/* x = f * 2^e, f with p bits (subnormals shifted up, as SBCL does). */
static void decode(double x, bool single, uint64_t *f, int *e, int *p,
                   int *min_e)
{
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    int biased = (int)(bits >> 52 & 0x7ff);
    *f = bits & ((1ull << 52) - 1);
    *e = biased ? biased - 1075 : -1074;
    if (biased)
        *f |= 1ull << 52;
    *p = 53;
    *min_e = -1074;
    if (single) {                   /* a single-float's value: exact */
        *f >>= 29;
        *e += 29;
        *p = 24;
        *min_e = -149;
    }
    int length = 64 - __builtin_clzll(*f);
    if (length < *p) {
        *f <<= *p - length;
        *e -= *p - length;
    }
}

/* The digits of x > 0; position as SBCL's FLONUM-TO-DIGITS takes it
 * (has_position false: free format). */
static void flonum_digits(lo_lisp *L, double x, bool single,
                          bool has_position, int position, bool relative,
                          struct digits *out)
{
    out->n = 0;
    if (x == 0) {
        out->d[out->n++] = '0';
        out->k = 0;
        return;
    }
    uint64_t f;
    int e, p, min_e;
    decode(x, single, &f, &e, &p, &min_e);
    struct gen g = { .L = L, .high_ok = f % 2 == 0, .low_ok = f % 2 == 0 };
    bool boundary = f == 1ull << (p - 1);
    if (e >= 0) {
        num_set(&g.r, f);
        num_shl(L, &g.r, e + (boundary ? 2 : 1));
        num_set(&g.s, boundary ? 4 : 2);
        num_set(&g.mm, 1);
        num_shl(L, &g.mm, e);
        num_set(&g.mp, 1);
        num_shl(L, &g.mp, e + boundary);
    } else {
        bool wide = !(e == min_e || !boundary);
        num_set(&g.r, f << (wide ? 2 : 1));
        num_set(&g.s, 1);
        num_shl(L, &g.s, (wide ? 2 : 1) - e);
        num_set(&g.mp, wide ? 2 : 1);
        num_set(&g.mm, 1);
    }
    if (has_position)
        scale_position(&g, position, relative, out);
    else
        scale_free(&g, f, e, out);
}

/* ---- FLONUM-TO-STRING ---- */

struct text {
    char s[MAX_TEXT];
    int n;
};

static void add(lo_lisp *L, struct text *t, char c, int64_t times)
{
    for (int64_t i = 0; i < times; i++) {
        if (t->n == MAX_TEXT)
            too_large(L);
        t->s[t->n++] = c;
    }
}

static void add_digits(lo_lisp *L, struct text *t, const struct digits *d,
                       int from, int to)
{
    for (int i = from; i < to; i++)
        add(L, t, d->d[i], 1);
}

/* |x| as digits around a point: width (or -1) bounds the digits,
 * fdigits (or -1) fixes those after the point, scale multiplies by
 * 10^scale. */
static void flonum_to_string(lo_lisp *L, double x, bool single,
                             int64_t width, int64_t fdigits, int64_t scale,
                             struct text *t)
{
    struct digits d;
    if (fdigits >= 0) {
        int64_t position = -(fdigits + scale);
        if (position > 0)
            position = 0;
        if (position < -MAX_POSITION)
            too_large(L);
        flonum_digits(L, x, single, true, (int)position, false, &d);
    } else if (width > 1) {
        int64_t rel = width - 1 + (scale < 0 ? scale : 0);
        if (rel > MAX_POSITION || -scale > MAX_POSITION ||
            scale > MAX_POSITION)
            too_large(L);
        struct digits w, f;
        flonum_digits(L, x, single, true, rel < 1 ? 1 : (int)rel, true, &w);
        flonum_digits(L, x, single, true, (int)-scale, false, &f);
        d = w.n >= f.n ? w : f;
    } else {
        flonum_digits(L, x, single, false, 0, false, &d);
    }
    if (scale > MAX_POSITION || scale < -MAX_POSITION)
        too_large(L);
    int64_t e = x == 0 ? d.k : d.k + scale;
    t->n = 0;
    if (e > 0) {
        int whole = d.n < e ? d.n : (int)e;
        add_digits(L, t, &d, 0, whole);
        add(L, t, '0', e - d.n);
        add(L, t, '.', 1);
        add_digits(L, t, &d, whole, d.n);
        if (fdigits >= 0)
            add(L, t, '0', fdigits - (d.n - whole));
    } else {
        add(L, t, '.', 1);
        add(L, t, '0', -e);
        int end = d.n;
        if (fdigits >= 0 && fdigits + e < end)
            end = fdigits + e < 0 ? 0 : (int)(fdigits + e);
        add_digits(L, t, &d, 0, end);
        if (fdigits >= 0)
            add(L, t, '0', fdigits + e - d.n);
    }
}

/* ---- FORMAT-FIXED-AUX ---- */

static void put_text(lo_lisp *L, lo_value out, const char *s, size_t n)
{
    lo_stream_write_utf8(L, out, s, n);
}

void lo_format_fixed(lo_lisp *L, lo_value out, double x, bool single,
                     const struct lo_fixed_params *p)
{
    if (x - x != 0) {                   /* infinities and NaNs: PRIN1 */
        char buf[LO_DOUBLE_PRINT_SIZE];
        put_text(L, out, buf, lo_double_print(x, buf));
        return;
    }
    bool negative = __builtin_signbit(x);
    int64_t spaceleft = p->w;
    if (p->w >= 0 && (p->atsign || negative))
        spaceleft--;
    struct text t;
    flonum_to_string(L, negative ? -x : x, single, p->w >= 0 ? spaceleft : -1,
                     p->d, p->k, &t);
    bool lpoint = t.s[0] == '.', tpoint = t.s[t.n - 1] == '.';
    if (p->d == 0)
        tpoint = false;     /* no digits asked for: no optional zero */
    if (p->w >= 0) {
        spaceleft -= t.n;
        if (lpoint) {       /* the optional leading zero */
            if (spaceleft > 0 || tpoint)
                spaceleft--;
            else
                lpoint = false;
        }
        if (tpoint) {       /* and the trailing one */
            if (spaceleft > 0)
                spaceleft--;
            else
                tpoint = false;
        }
    }
    if (p->w >= 0 && spaceleft < 0 && p->overflow) {
        for (int64_t i = 0; i < p->w; i++)
            lo_stream_write_char(L, out, p->overflow);
        return;
    }
    for (int64_t i = 0; p->w >= 0 && i < spaceleft; i++)
        lo_stream_write_char(L, out, p->pad);
    if (negative || p->atsign)
        lo_stream_write_char(L, out, negative ? '-' : '+');
    if (lpoint)
        lo_stream_write_char(L, out, '0');
    put_text(L, out, t.s, (size_t)t.n);
    if (tpoint)
        lo_stream_write_char(L, out, '0');
}
