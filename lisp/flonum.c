/*
 * flonum.c -- IEEE double-floats to text and back, exactly as SBCL does it.
 *
 * Both directions work on exact integers (a small fixed-size big integer
 * on the stack), never on approximations, so the results are right by
 * construction rather than by luck of rounding:
 *
 *  - Printing is Burger & Dybvig's free-format algorithm (PLDI 1996,
 *    figure 1), the one SBCL's FLONUM-TO-DIGITS implements, including
 *    SBCL's choices: ties between two last digits round up, and a
 *    subnormal is first normalized to 53 bits, so it gets the digits a
 *    53-bit float of that value would get (least-positive-double-float
 *    prints as 4.9406564584124654e-324, not 5e-324).  The layout is
 *    SBCL's PRINT-FLOAT (see format_sbcl).
 *
 *  - Reading keeps the first MAX_DIGITS significant digits exactly and
 *    folds the rest into a sticky digit, then divides two big integers
 *    to get 54 quotient bits and a remainder, and rounds half-even.  A
 *    short mantissa with a small exponent takes Clinger's fast path: one
 *    correctly rounded IEEE multiplication or division.
 *
 * Sizes: printing needs at most 18 limbs (~1150 bits), reading at most
 * 42 (see read_slow); struct big holds 44.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "lisp/flonum.h"

typedef unsigned __int128 u128;

/* ---- A fixed-size unsigned big integer -------------------------------- */

enum { BIG_LIMBS = 44 };

/* Little-endian 64-bit limbs; d[n-1] is nonzero unless n == 0. */
struct big {
    int n;
    uint64_t d[BIG_LIMBS];
};

static const uint64_t pow10_u64[20] = {
    1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull,
    10000000ull, 100000000ull, 1000000000ull, 10000000000ull,
    100000000000ull, 1000000000000ull, 10000000000000ull,
    100000000000000ull, 1000000000000000ull, 10000000000000000ull,
    100000000000000000ull, 1000000000000000000ull,
    10000000000000000000ull,
};

static void big_trim(struct big *b)
{
    while (b->n > 0 && b->d[b->n - 1] == 0)
        b->n--;
}

static void big_set(struct big *b, uint64_t v)
{
    b->d[0] = v;
    b->n = v != 0;
}

/* b = b * m + add.  The sizes above keep it within BIG_LIMBS; the guard
 * only makes a broken bound harmless to memory. */
static void big_mul_add(struct big *b, uint64_t m, uint64_t add)
{
    u128 carry = add;
    for (int i = 0; i < b->n; i++) {
        u128 p = (u128)b->d[i] * m + carry;
        b->d[i] = (uint64_t)p;
        carry = p >> 64;
    }
    if (carry != 0 && b->n < BIG_LIMBS)
        b->d[b->n++] = (uint64_t)carry;
    big_trim(b);
}

static void big_mul_pow10(struct big *b, int k)
{
    for (; k >= 19; k -= 19)
        big_mul_add(b, pow10_u64[19], 0);
    big_mul_add(b, pow10_u64[k], 0);
}

static void big_mul_pow5(struct big *b, int k)
{
    static const uint64_t pow5_27 = 7450580596923828125ull;   /* < 2^63 */
    uint64_t small = 1;
    for (; k >= 27; k -= 27)
        big_mul_add(b, pow5_27, 0);
    while (k-- > 0)
        small *= 5;
    big_mul_add(b, small, 0);
}

static void big_shl(struct big *b, int bits)
{
    if (b->n == 0 || bits == 0)
        return;
    int limbs = bits / 64, sh = bits % 64;
    int n = b->n + limbs + 1;
    if (n > BIG_LIMBS)
        n = BIG_LIMBS;
    for (int i = n - 1; i >= 0; i--) {
        int src = i - limbs;
        uint64_t hi = src >= 0 && src < b->n ? b->d[src] : 0;
        uint64_t lo = src >= 1 && src - 1 < b->n ? b->d[src - 1] : 0;
        b->d[i] = sh ? hi << sh | lo >> (64 - sh) : hi;
    }
    b->n = n;
    big_trim(b);
}

static int big_bits(const struct big *b)
{
    if (b->n == 0)
        return 0;
    return 64 * b->n - __builtin_clzll(b->d[b->n - 1]);
}

static int big_cmp(const struct big *a, const struct big *b)
{
    if (a->n != b->n)
        return a->n < b->n ? -1 : 1;
    for (int i = a->n - 1; i >= 0; i--)
        if (a->d[i] != b->d[i])
            return a->d[i] < b->d[i] ? -1 : 1;
    return 0;
}

/* sum = a + b. */
static void big_add(struct big *sum, const struct big *a, const struct big *b)
{
    int n = a->n > b->n ? a->n : b->n;
    uint64_t carry = 0;
    for (int i = 0; i < n; i++) {
        uint64_t x = i < a->n ? a->d[i] : 0, y = i < b->n ? b->d[i] : 0;
        u128 s = (u128)x + y + carry;
        sum->d[i] = (uint64_t)s;
        carry = (uint64_t)(s >> 64);
    }
    sum->n = n;
    if (carry != 0 && n < BIG_LIMBS)
        sum->d[sum->n++] = carry;
}

/* a = a - b * q, where the caller knows the result is not negative. */
static void big_submul(struct big *a, const struct big *b, uint64_t q)
{
    uint64_t carry = 0, borrow = 0;
    for (int i = 0; i < a->n; i++) {
        u128 p = (i < b->n ? (u128)b->d[i] * q : 0) + carry;
        uint64_t lo = (uint64_t)p, x = a->d[i];
        carry = (uint64_t)(p >> 64);
        a->d[i] = x - lo - borrow;
        borrow = x < lo || x - lo < borrow;
    }
    big_trim(a);
}

/* The 128 bits of b from bit `shift` up; b must be below 2^(shift+128). */
static u128 big_bits_from(const struct big *b, int shift)
{
    int limb = shift / 64, sh = shift % 64;
    uint64_t w[3];
    for (int i = 0; i < 3; i++)
        w[i] = limb + i < b->n ? b->d[limb + i] : 0;
    u128 low = (u128)w[1] << 64 | w[0];
    return sh == 0 ? low : low >> sh | (u128)w[2] << (128 - sh);
}

/*
 * Division with a small quotient: returns floor(n / s), below 2^28, and
 * leaves the remainder in n.  The quotient is estimated from the top 36
 * bits of s: with s_top = s >> t and n_top = n >> t (below 2^64),
 *     n_top / (s_top + 1)  <=  n / s  <  (n_top + 1) / s_top,
 * and the two bounds differ by less than 2^65 / 2^70, so the estimate,
 * the floor of the lower bound, is low by at most one.  Only 64-bit
 * division: no libgcc helper (__udivti3) needed.
 */
static uint64_t big_divmod(struct big *n, const struct big *s)
{
    int t = big_bits(s) - 36;
    uint64_t q;
    if (t <= 0)
        q = (n->n ? n->d[0] : 0) / s->d[0];
    else
        q = (uint64_t)big_bits_from(n, t) / ((uint64_t)big_bits_from(s, t) + 1);
    big_submul(n, s, q);
    while (big_cmp(n, s) >= 0) {
        big_submul(n, s, 1);
        q++;
    }
    return q;
}

/* ---- Printing: the digits -------------------------------------------- */

/* floor(log10(2^n)) for |n| < 1650 (78913 / 2^18 is just below log10 2;
 * no n*log10 2 in that range lies close enough to an integer to matter). */
static int floor_log10_pow2(int n)
{
    int64_t p = (int64_t)n * 78913;
    return (int)(p >= 0 ? p >> 18 : -((-p + (1 << 18) - 1) >> 18));
}

/*
 * The shortest digits of v = f * 2^e (f normalized to 53 bits), SBCL's way.
 * Writes the digits (no point) and returns their count; *k is the decimal
 * exponent with v ~ 0.d1d2d3... * 10^k.
 *
 * Burger & Dybvig: v's neighbours are half a gap away on each side
 * (m-, m+ after scaling by s); digits are generated from r/s until the
 * prefix so far, or that prefix plus one in the last place, lies within
 * the rounding interval.  The interval's ends belong to it when f is
 * even, since the reader rounds ties to even.
 */
static int shortest_digits(uint64_t f, int e, char *digits, int *k)
{
    struct big r, s, mminus, mplus, t;
    bool even = (f & 1) == 0;
    /* A power of two has a gap below half the gap above, except at the
     * bottom of the normal range (SBCL's min-e); normalized subnormals
     * count as powers of two too, as in SBCL. */
    bool unequal_gaps = f == 1ull << 52 && e != -1074;

    /* v = r / s; the gap below v is 2*mminus/s wide, above 2*mplus/s. */
    big_set(&r, f);
    if (e >= 0) {
        big_set(&mminus, 1);
        big_shl(&mminus, e);
        big_set(&s, unequal_gaps ? 4 : 2);
        big_shl(&r, e + (unequal_gaps ? 2 : 1));
        mplus = mminus;
        if (unequal_gaps)
            big_shl(&mplus, 1);
    } else {
        big_set(&mminus, 1);
        big_set(&mplus, unequal_gaps ? 2 : 1);
        big_set(&s, 1);
        big_shl(&s, (unequal_gaps ? 2 : 1) - e);
        big_shl(&r, unequal_gaps ? 2 : 1);
    }

    /* Estimate k = ceiling(log10 v) from the binary exponent; SBCL's own
     * estimate is never high and at most one low, as is this one. */
    int n = e + 52;
    int est = n == 0 ? 0 : floor_log10_pow2(n) + 1;
    if (est >= 0) {
        big_mul_pow10(&s, est);
    } else {
        big_mul_pow10(&r, -est);
        big_mul_pow10(&mminus, -est);
        big_mul_pow10(&mplus, -est);
    }
    big_add(&t, &r, &mplus);
    int c = big_cmp(&t, &s);
    if (c > 0 || (even && c == 0)) {
        est++;
        big_mul_add(&s, 10, 0);
    }
    *k = est;

    int count = 0;
    for (;;) {
        big_mul_add(&r, 10, 0);
        int d = (int)big_divmod(&r, &s);
        big_mul_add(&mminus, 10, 0);
        big_mul_add(&mplus, 10, 0);
        c = big_cmp(&r, &mminus);
        bool low = c < 0 || (even && c == 0);
        big_add(&t, &r, &mplus);
        c = big_cmp(&t, &s);
        bool high = c > 0 || (even && c == 0);
        if (!low && !high) {
            digits[count++] = (char)('0' + d);
            continue;
        }
        if (low && high) {             /* both fit: the nearer, ties up */
            big_shl(&r, 1);
            high = big_cmp(&r, &s) >= 0;
        }
        digits[count++] = (char)('0' + d + (high ? 1 : 0));
        return count;
    }
}

/* ---- Printing: the layout --------------------------------------------- */

static size_t put_int(char *p, int v)
{
    char tmp[12];
    size_t n = 0, len = 0;
    unsigned u = v < 0 ? 0u - (unsigned)v : (unsigned)v;
    if (v < 0)
        p[len++] = '-';
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    while (n > 0)
        p[len++] = tmp[--n];
    return len;
}

/*
 * SBCL's PRINT-FLOAT: with 0.d1d2... * 10^k, positional notation when
 * -3 < k < 8 (i.e. 1e-3 <= |v| < 1e7), padding with zeros and ending in
 * ".0" when the digits stop at the point; otherwise "d1.d2...e<k-1>",
 * "d1.0e<k-1>" for a single digit.  No exponent marker in positional
 * form, because the value is of the default float format.
 */
static size_t format_sbcl(char *buf, const char *digits, int nd, int k)
{
    size_t len = 0;
    if (k > -3 && k < 8) {
        if (k <= 0) {
            buf[len++] = '0';
            buf[len++] = '.';
            for (int i = 0; i < -k; i++)
                buf[len++] = '0';
            memcpy(buf + len, digits, (size_t)nd);
            return len + (size_t)nd;
        }
        for (int i = 0; i < nd || i < k; i++) {
            if (i == k)
                buf[len++] = '.';
            buf[len++] = i < nd ? digits[i] : '0';
        }
        if (nd <= k) {
            buf[len++] = '.';
            buf[len++] = '0';
        }
        return len;
    }
    buf[len++] = digits[0];
    buf[len++] = '.';
    if (nd == 1)
        buf[len++] = '0';
    memcpy(buf + len, digits + 1, (size_t)nd - 1);
    len += (size_t)nd - 1;
    buf[len++] = 'e';
    return len + put_int(buf + len, k - 1);
}

static size_t put_str(char *buf, const char *s)
{
    size_t n = strlen(s);
    memcpy(buf, s, n + 1);
    return n;
}

size_t lo_double_print(double d, char *buf)
{
    uint64_t bits;
    memcpy(&bits, &d, sizeof bits);
    bool negative = bits >> 63;
    int biased = (int)(bits >> 52 & 0x7ff);
    uint64_t frac = bits & ((1ull << 52) - 1);

    if (biased == 0x7ff) {
        if (frac == 0)
            return put_str(buf, negative ? "#.DOUBLE-FLOAT-NEGATIVE-INFINITY"
                                         : "#.DOUBLE-FLOAT-POSITIVE-INFINITY");
        return put_str(buf, frac >> 51 ? "#<DOUBLE-FLOAT quiet NaN>"
                                       : "#<DOUBLE-FLOAT trapping NaN>");
    }
    size_t len = 0;
    if (negative)
        buf[len++] = '-';
    if (biased == 0 && frac == 0)
        return len + put_str(buf + len, "0.0");

    /* v = f * 2^e with f normalized to 53 bits, subnormals included. */
    uint64_t f = biased ? frac | 1ull << 52 : frac;
    int e = biased ? biased - 1075 : -1074;
    while (f < 1ull << 52) {
        f <<= 1;
        e--;
    }
    char digits[24];
    int k;
    int nd = shortest_digits(f, e, digits, &k);
    len += format_sbcl(buf + len, digits, nd, k);
    buf[len] = '\0';
    return len;
}

/* ---- Reading: the syntax ---------------------------------------------- */

/* The parts of a float token; exponent saturates at +-EXP_LIMIT. */
struct float_token {
    bool negative;
    const char *mantissa;    /* digits and at most one '.' */
    size_t mantissa_len;
    size_t int_digits;       /* digits before the point */
    int64_t exponent;
};

enum { EXP_LIMIT = 100000000 };

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_exponent_marker(char c)
{
    switch (c) {
    case 'e': case 'E': case 's': case 'S': case 'f': case 'F':
    case 'd': case 'D': case 'l': case 'L':
        return true;
    default:
        return false;
    }
}

static bool scan_float(const char *text, size_t len, struct float_token *tok)
{
    size_t i = 0, int_digits = 0, frac_digits = 0;
    bool point = false;
    tok->negative = false;
    if (i < len && (text[i] == '+' || text[i] == '-'))
        tok->negative = text[i++] == '-';
    tok->mantissa = text + i;
    while (i < len && is_digit(text[i]))
        i++, int_digits++;
    if (i < len && text[i] == '.') {
        point = true;
        i++;
        while (i < len && is_digit(text[i]))
            i++, frac_digits++;
    }
    tok->mantissa_len = (size_t)(text + i - tok->mantissa);
    tok->int_digits = int_digits;
    tok->exponent = 0;

    bool has_exponent = false;
    if (i < len && is_exponent_marker(text[i])) {
        bool exp_negative = false;
        size_t exp_digits = 0;
        i++;
        if (i < len && (text[i] == '+' || text[i] == '-'))
            exp_negative = text[i++] == '-';
        for (; i < len && is_digit(text[i]); i++, exp_digits++)
            if (tok->exponent < EXP_LIMIT)
                tok->exponent = tok->exponent * 10 + (text[i] - '0');
        if (exp_digits == 0)
            return false;
        if (exp_negative)
            tok->exponent = -tok->exponent;
        has_exponent = true;
    }
    if (i != len)
        return false;
    return (point && frac_digits > 0) || (int_digits > 0 && has_exponent);
}

bool lo_float_syntax_p(const char *text, size_t len)
{
    struct float_token tok;
    return scan_float(text, len, &tok);
}

/* ---- Reading: the value ----------------------------------------------- */

/*
 * Significant digits kept exactly.  A halfway point between two doubles
 * has at most 767 significant digits, so beyond that the digits only
 * matter through whether any is nonzero: the kept prefix followed by a
 * single 1 lies on the same side of every halfway point as the full text.
 */
enum { MAX_DIGITS = 770 };

/* The mantissa as D * 10^E, D an integer (with the sticky digit). */
struct decimal {
    struct big digits;        /* D */
    int64_t exponent;         /* E */
    int64_t magnitude;        /* M: 10^(M-1) <= value < 10^M */
    int count;                /* significant digits in D */
};

static void read_decimal(const struct float_token *tok, struct decimal *dec)
{
    uint64_t chunk = 0;
    int chunk_len = 0, kept = 0;
    bool sticky = false;
    int64_t first = -1, position = 0;   /* digit indices, point skipped */

    big_set(&dec->digits, 0);
    for (size_t i = 0; i < tok->mantissa_len; i++) {
        char c = tok->mantissa[i];
        if (c == '.')
            continue;
        int64_t at = position++;
        if (first < 0 && c == '0')
            continue;                   /* leading zeros weigh nothing */
        if (first < 0)
            first = at;
        if (kept == MAX_DIGITS) {
            sticky |= c != '0';
            continue;
        }
        chunk = chunk * 10 + (uint64_t)(c - '0');
        kept++;
        if (++chunk_len == 19) {
            big_mul_add(&dec->digits, pow10_u64[19], chunk);
            chunk = 0;
            chunk_len = 0;
        }
    }
    big_mul_add(&dec->digits, pow10_u64[chunk_len], chunk);

    /* The last kept digit's place value is 10^(int_digits-1-index). */
    int64_t ints = (int64_t)tok->int_digits;
    dec->count = kept;
    dec->magnitude = first < 0 ? 0 : ints - first + tok->exponent;
    dec->exponent = first < 0 ? 0 : ints - (first + kept) + tok->exponent;
    if (sticky) {
        big_mul_add(&dec->digits, 10, 1);
        dec->exponent--;
        dec->count++;
    }
}

static double from_bits(uint64_t bits)
{
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
}

/*
 * Clinger's fast path: when D and 10^|E| are exact doubles, one IEEE
 * operation rounds D * 10^E correctly.  (x86-64 and AArch64 evaluate
 * doubles in double precision, and C11 does not contract here.)
 */
static bool read_fast(const struct decimal *dec, double *out)
{
    static const double pow10_exact[23] = {
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    };
    if (dec->digits.n > 1 || dec->exponent < -22 || dec->exponent > 22)
        return false;
    uint64_t d = dec->digits.n ? dec->digits.d[0] : 0;
    if (d > 1ull << 53)
        return false;
    double v = (double)d;
    if (dec->exponent >= 0)
        *out = v * pow10_exact[dec->exponent];
    else
        *out = v / pow10_exact[-dec->exponent];
    return true;
}

/*
 * The general case: value = num / den * 2^E with num = D * 5^E or den =
 * 5^-E.  Pick x so that q = value / 2^x has 53 or 54 bits (never below
 * 2^-1074's place), divide exactly, and round q half-even using the
 * remainder.  Sizes: the caller has checked 10^-324 <= value < 10^309,
 * so with D < 10^771 (2562 bits) E >= -1094 and den <= 5^1094 (2541
 * bits), or E >= 0 and num < 10^309.  After the shift 2^-3 < num/den <
 * 2^54 (the low end is x clamped, value >= 10^-324 = 2^-1076.3), so the
 * shifted side ends within 54 bits of the other: at most 2595 bits, 41
 * limbs, plus one that big_shl uses in passing.
 */
static uint64_t read_slow(const struct decimal *dec, bool *overflow)
{
    struct big num = dec->digits, den;
    int e10 = (int)dec->exponent;
    big_set(&den, 1);
    if (e10 >= 0)
        big_mul_pow5(&num, e10);
    else
        big_mul_pow5(&den, -e10);

    /* num/den lies in (2^(L-1), 2^(L+1)); scaling by 2^(53-L) gives q in
     * (2^52, 2^54). */
    int L = big_bits(&num) - big_bits(&den);
    int x = e10 + L - 53;
    if (x < -1074)
        x = -1074;
    int shift = e10 - x;
    if (shift >= 0)
        big_shl(&num, shift);
    else
        big_shl(&den, -shift);

    /* q < 2^54 comes in two halves, each within big_divmod's reach. */
    struct big den_high = den;
    big_shl(&den_high, 27);
    uint64_t q = big_divmod(&num, &den_high) << 27;
    q |= big_divmod(&num, &den);             /* num is now the remainder */
    bool round_up;
    if (q >= 1ull << 53) {
        bool half = q & 1, rest = num.n != 0;
        q >>= 1;
        x++;
        round_up = half && (rest || (q & 1));
    } else {
        big_shl(&num, 1);
        int c = big_cmp(&num, &den);
        round_up = c > 0 || (c == 0 && (q & 1));
    }
    q += round_up;
    if (q == 1ull << 53) {
        q >>= 1;
        x++;
    }
    if (q < 1ull << 52)                      /* subnormal: x is -1074 */
        return q;
    if (x + 1075 >= 0x7ff) {
        *overflow = true;
        return 0x7ffull << 52;
    }
    return (uint64_t)(x + 1075) << 52 | (q & ((1ull << 52) - 1));
}

lo_float_status lo_double_parse(const char *text, size_t len, double *out)
{
    struct float_token tok;
    struct decimal dec;
    if (!scan_float(text, len, &tok))
        return LO_FLOAT_SYNTAX;
    read_decimal(&tok, &dec);

    uint64_t sign = (uint64_t)tok.negative << 63;
    bool overflow = false;
    double v;
    if (dec.digits.n == 0 || dec.magnitude <= -324) {
        v = from_bits(sign);                 /* below half the least */
    } else if (dec.magnitude >= 310) {
        overflow = true;                     /* at least 10^309 */
    } else if (read_fast(&dec, &v)) {
        v = tok.negative ? -v : v;
    } else {
        v = from_bits(sign | read_slow(&dec, &overflow));
    }
    if (overflow) {
        *out = from_bits(sign | 0x7ffull << 52);
        return LO_FLOAT_OVERFLOW;
    }
    *out = v;
    return LO_FLOAT_OK;
}
