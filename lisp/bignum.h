/*
 * bignum.h -- arbitrary-precision integers, as Common Lisp has them.
 *
 * A number is a sign and a magnitude; the magnitude is an array of 64-bit
 * limbs, least significant first, normalized (no leading zero limbs, zero
 * has len 0 and is never negative):
 *
 *     lo_limb buf[4];
 *     lo_big x = { buf, 0, false };
 *     lo_big_from_int64(&x, -5);
 *
 * The module never allocates: every result goes into the limb buffer the
 * caller points it at, and functions that need working room take a
 * "scratch" buffer.  Each result and scratch buffer has a size function
 * (lo_big_*_size) giving the limbs it needs; the buffer must have at least
 * that many.  The size functions return SIZE_MAX when the size does not fit
 * in a size_t (the caller then signals a storage condition).
 *
 * Aliasing: a result may share its buffer with an operand for copy, neg,
 * abs, add, sub, ash, lognot and the log* functions (the buffer must still
 * have the result's size); mul, divmod, gcd and expt need results distinct
 * from their operands and from each other.  Scratch never overlaps
 * anything.  Results are always normalized.
 *
 * Semantics follow Common Lisp: truncate/floor/ceiling/round and their
 * remainders, ash and the log* functions on two's complement with infinite
 * sign extension, integer-length, and printing in radix 2..36 with
 * uppercase digits.  Part of the freestanding core (no libc).
 */
#ifndef LO_LISP_BIGNUM_H
#define LO_LISP_BIGNUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint64_t lo_limb;

typedef struct lo_big {
    lo_limb *limb;  /* little-endian magnitude */
    size_t len;     /* limbs in use, normalized */
    bool neg;       /* sign; false when len == 0 */
} lo_big;

/* The fixnum range of lisp/value.h (62-bit fixnums). */
#define LO_BIG_FIXNUM_MIN (-(int64_t)(1ull << 61))
#define LO_BIG_FIXNUM_MAX ((int64_t)((1ull << 61) - 1))

/* Limbs lo_big_from_double may write (the largest double is below 2^1024). */
#define LO_BIG_DOUBLE_LIMBS 16

/* Drops leading zero limbs (after filling limb[] by hand) and clears the
 * sign of zero. */
static inline void lo_big_normalize(lo_big *a)
{
    while (a->len > 0 && a->limb[a->len - 1] == 0)
        a->len--;
    if (a->len == 0)
        a->neg = false;
}

static inline bool lo_big_zerop(const lo_big *a) { return a->len == 0; }
static inline bool lo_big_minusp(const lo_big *a) { return a->neg; }
static inline bool lo_big_oddp(const lo_big *a) { return a->len > 0 && (a->limb[0] & 1); }

/* ---- conversions to and from machine integers ---------------------------
 * from_int64 / from_uint64 need 1 limb. */
void lo_big_from_int64(lo_big *r, int64_t v);
void lo_big_from_uint64(lo_big *r, uint64_t v);
bool lo_big_to_int64(const lo_big *a, int64_t *out);   /* false: does not fit */
bool lo_big_fixnump(const lo_big *a);  /* within [LO_BIG_FIXNUM_MIN, _MAX] */

/* ---- copying, sign, comparison -------------------------------------------
 * copy/neg/abs: r needs a->len limbs (r may be a). */
void lo_big_copy(lo_big *r, const lo_big *a);
void lo_big_neg(lo_big *r, const lo_big *a);
void lo_big_abs(lo_big *r, const lo_big *a);
int lo_big_cmp(const lo_big *a, const lo_big *b);      /* -1, 0 or 1 */
int lo_big_cmp_abs(const lo_big *a, const lo_big *b);  /* on |a| and |b| */

/* ---- + - * ---------------------------------------------------------------
 * add/sub: r needs lo_big_add_size limbs.  mul: r needs alen + blen limbs
 * and scratch lo_big_mul_scratch_size limbs (0 below the Karatsuba
 * threshold: scratch may then be NULL). */
size_t lo_big_add_size(size_t alen, size_t blen);
void lo_big_add(lo_big *r, const lo_big *a, const lo_big *b);
void lo_big_sub(lo_big *r, const lo_big *a, const lo_big *b);
size_t lo_big_mul_size(size_t alen, size_t blen);
size_t lo_big_mul_scratch_size(size_t alen, size_t blen);
void lo_big_mul(lo_big *r, const lo_big *a, const lo_big *b, lo_limb *scratch);

/* ---- division ------------------------------------------------------------
 * q and r such that a = q*b + r, q rounded as the mode says:
 *   TRUNCATE toward zero (r has a's sign: truncate, rem)
 *   FLOOR    toward -infinity (r has b's sign: floor, mod)
 *   CEILING  toward +infinity (r has the sign opposite to b's)
 *   ROUND    to the nearest integer, ties to the even one.
 * Returns false, writing nothing, when b is zero.  q needs
 * lo_big_div_qsize limbs, r lo_big_div_rsize, scratch
 * lo_big_div_scratch_size. */
enum lo_big_rounding { LO_BIG_TRUNCATE, LO_BIG_FLOOR, LO_BIG_CEILING, LO_BIG_ROUND };
size_t lo_big_div_qsize(size_t alen, size_t blen);
size_t lo_big_div_rsize(size_t alen, size_t blen);
size_t lo_big_div_scratch_size(size_t alen, size_t blen);
bool lo_big_divmod(lo_big *q, lo_big *r, const lo_big *a, const lo_big *b,
                   enum lo_big_rounding mode, lo_limb *scratch);

/* ---- gcd and expt --------------------------------------------------------
 * gcd: the nonnegative greatest common divisor ((gcd 0 0) = 0); r needs
 * lo_big_gcd_size limbs, scratch alen + blen.
 * expt: base^e for e >= 0 ((expt 0 0) = 1); r and scratch need
 * lo_big_expt_size and lo_big_expt_scratch_size limbs. */
size_t lo_big_gcd_size(size_t alen, size_t blen);
void lo_big_gcd(lo_big *r, const lo_big *a, const lo_big *b, lo_limb *scratch);
size_t lo_big_expt_size(const lo_big *base, uint64_t e);
size_t lo_big_expt_scratch_size(const lo_big *base, uint64_t e);
void lo_big_expt(lo_big *r, const lo_big *base, uint64_t e, lo_limb *scratch);

/* ---- bits ---------------------------------------------------------------
 * ash: a * 2^count, rounded toward -infinity for count < 0 ((ash -5 -1) =
 * -3); r needs lo_big_ash_size limbs.  logand/logior/logxor: r needs
 * lo_big_log_size limbs; lognot (-a - 1) needs a->len + 1. */
size_t lo_big_ash_size(size_t alen, int64_t count);
void lo_big_ash(lo_big *r, const lo_big *a, int64_t count);
size_t lo_big_log_size(size_t alen, size_t blen);
void lo_big_logand(lo_big *r, const lo_big *a, const lo_big *b);
void lo_big_logior(lo_big *r, const lo_big *a, const lo_big *b);
void lo_big_logxor(lo_big *r, const lo_big *a, const lo_big *b);
void lo_big_lognot(lo_big *r, const lo_big *a);
uint64_t lo_big_integer_length(const lo_big *a);

/* ---- text ----------------------------------------------------------------
 * to_text writes a in radix 2..36 ("-" and uppercase digits, no radix
 * marker) and a NUL into out, which needs lo_big_text_size bytes; scratch
 * needs a->len limbs.  Returns the length without the NUL.
 * parse reads an optional sign and digits (either case) in radix 2..36;
 * r needs lo_big_parse_size(n, radix) limbs.  On a bad or missing digit it
 * returns false and sets *bad to the offending index (n when there are no
 * digits). */
size_t lo_big_text_size(const lo_big *a, unsigned radix);
size_t lo_big_to_text(const lo_big *a, unsigned radix, char *out, lo_limb *scratch);
size_t lo_big_parse_size(size_t n, unsigned radix);
bool lo_big_parse(lo_big *r, const char *text, size_t n, unsigned radix, size_t *bad);

/* ---- doubles -------------------------------------------------------------
 * to_double rounds to nearest, ties to even; beyond the double range it
 * returns false and sets *out to an infinity of a's sign.
 * from_double takes the integer part (truncating toward zero; *fraction,
 * if not NULL, says whether anything was dropped); r needs
 * LO_BIG_DOUBLE_LIMBS limbs.  Returns false for an infinity or a NaN. */
bool lo_big_to_double(const lo_big *a, double *out);
bool lo_big_from_double(lo_big *r, double d, bool *fraction);

/* The weight of c as a digit in radices up to 36 (99 when none). */
int lo_digit_value(char c);

#endif
