/*
 * numbers.h -- the numeric tower: how numbers lie in the heap, and what
 * the reader, the printer, hash tables and the primitives share.
 *
 *   fixnum   immediate, 62 bits (value.h)
 *   bignum   raw object: word 1 = limb count | sign << 63, then the
 *            64-bit limbs, least significant first; only for integers
 *            beyond the fixnum range
 *   ratio    two value words: numerator and denominator, integers in
 *            lowest terms, the denominator > 1
 *   double   raw object: word 1 = the IEEE bits
 *
 * Every integer that fits a fixnum is one, and every ratio whose
 * denominator would be 1 is an integer, so EQL on numbers of one type is
 * equality of their parts.  There are no single floats (every float is a
 * double) and no complex numbers.
 *
 *   tower.c    making numbers, conversions between the types
 *   arith.c    arithmetic, comparison and division on any numbers
 *   numtext.c  numbers to text and back (reader, printer, parse-integer)
 *   numbers.c  the primitives
 *
 * Allocation never collects (internal.h), so this C code holds heap
 * numbers in locals freely; scratch space for bignum work is allocated in
 * the heap too and left for the collector.
 */
#ifndef LO_LISP_NUMBERS_H
#define LO_LISP_NUMBERS_H

#include <string.h>

#include "lisp/bignum.h"
#include "lisp/internal.h"

enum { RATIO_NUM = 1, RATIO_DEN, RATIO_WORDS };

/* The largest bignum made: 2^18 limbs (2 MiB, about 5 million digits).
 * Beyond it an operation is a STORAGE-CONDITION, never a hang or crash. */
#define LO_BIG_MAX_LIMBS ((size_t)1 << 18)

/* ---- predicates ---- */

static inline bool lo_bignump(lo_value v) { return lo_typep(v, LO_T_BIGNUM); }
static inline bool lo_doublep(lo_value v) { return lo_typep(v, LO_T_DOUBLE); }
static inline bool lo_ratiop(lo_value v) { return lo_typep(v, LO_T_RATIO); }
static inline bool lo_integerp(lo_value v)
{
    return lo_fixnump(v) || lo_bignump(v);
}
static inline bool lo_rationalp(lo_value v)
{
    return lo_integerp(v) || lo_ratiop(v);
}
static inline bool lo_numberp(lo_value v)
{
    return lo_rationalp(v) || lo_doublep(v);
}

/* ---- parts ---- */

static inline double lo_double_value(lo_value v)
{
    double d;
    memcpy(&d, &lo_ptr(v)[1], sizeof d);
    return d;
}

static inline uint64_t lo_double_bits(double d)
{
    uint64_t bits;
    memcpy(&bits, &d, sizeof bits);
    return bits;
}

/* A bignum object seen as an lo_big, in place (read only). */
static inline lo_big lo_bignum_view(lo_value v)
{
    uint64_t *p = lo_ptr(v);
    lo_big b = { p + 2, (size_t)(p[1] & ~(1ull << 63)), (p[1] >> 63) != 0 };
    return b;
}

/* Any integer as an lo_big; one holds a fixnum's limb. */
static inline lo_big lo_integer_view(lo_value v, lo_limb *one)
{
    if (lo_bignump(v))
        return lo_bignum_view(v);
    lo_big b = { one, 0, false };
    lo_big_from_int64(&b, lo_fixnum_value(v));
    return b;
}

/* A rational's numerator and denominator (an integer's is 1). */
static inline lo_value lo_numerator(lo_value v)
{
    return lo_ratiop(v) ? lo_ptr(v)[RATIO_NUM] : v;
}
static inline lo_value lo_denominator(lo_value v)
{
    return lo_ratiop(v) ? lo_ptr(v)[RATIO_DEN] : lo_fixnum(1);
}

/* ---- numbers.c: argument checkers (primitive.h's manner) ----
 * Each returns its argument when it is of the type, else signals a
 * TYPE-ERROR naming the primitive running, with the type SBCL names. */
lo_value lo_arg_number(lo_lisp *L, lo_value v);     /* NUMBER */
lo_value lo_arg_real(lo_lisp *L, lo_value v);       /* REAL */
lo_value lo_arg_rational(lo_lisp *L, lo_value v);   /* RATIONAL */
lo_value lo_arg_unsigned(lo_lisp *L, lo_value v);   /* UNSIGNED-BYTE */
/* A number as a double (FLOATING-POINT-OVERFLOW beyond the range). */
double lo_arg_double(lo_lisp *L, lo_value v);

/* ---- tower.c: making numbers and converting them ---- */

lo_value lo_make_double(lo_lisp *L, double d);
lo_value lo_make_integer(lo_lisp *L, int64_t v);

/* Bignum results are built in place: lo_big_new gives an lo_big with room
 * for `room` limbs inside a fresh heap object (STORAGE-CONDITION past
 * LO_BIG_MAX_LIMBS or SIZE_MAX); lo_big_finish turns it into the integer
 * -- a fixnum when it fits, else the object cut to its length. */
lo_big lo_big_new(lo_lisp *L, size_t room);
lo_value lo_big_finish(lo_lisp *L, lo_big *b);
/* Working space for lo_big functions: heap garbage, never freed by hand. */
lo_limb *lo_big_scratch(lo_lisp *L, size_t limbs);

/* num/den in lowest terms: an integer when the denominator divides;
 * DIVISION-BY-ZERO when den is 0.  Both must be integers. */
lo_value lo_make_ratio(lo_lisp *L, lo_value num, lo_value den);

/* A real as a double, as SBCL converts it: integers correctly rounded
 * (ties to even), ratios by SBCL's FLOAT-RATIO (numbers.c's header);
 * false when it is beyond the double range (*out is then an infinity). */
bool lo_real_to_double(lo_lisp *L, lo_value v, double *out);
/* The same, signalling FLOATING-POINT-OVERFLOW (op names the operation). */
double lo_to_double(lo_lisp *L, lo_value v, const char *op);
/* A double as (-1)^neg * m * 2^e, m below 2^53 (INTEGER-DECODE-FLOAT);
 * false for an infinity or a NaN. */
bool lo_double_decode(double d, uint64_t *m, int64_t *e, bool *neg);
/* The exact rational value of a finite double. */
lo_value lo_double_rational(lo_lisp *L, double d);
/* The integer part of a finite double, truncated toward zero. */
lo_value lo_double_truncate(lo_lisp *L, double d);

/* ---- arith.c: arithmetic on any numbers ----
 * op names the Lisp operation in errors (TYPE-ERROR for a non-number). */

lo_value lo_num_add(lo_lisp *L, lo_value a, lo_value b, const char *op);
lo_value lo_num_sub(lo_lisp *L, lo_value a, lo_value b, const char *op);
lo_value lo_num_mul(lo_lisp *L, lo_value a, lo_value b, const char *op);
lo_value lo_num_div(lo_lisp *L, lo_value a, lo_value b, const char *op);
lo_value lo_num_negate(lo_lisp *L, lo_value a, const char *op);
/* A double result: FLOATING-POINT-OVERFLOW or -INVALID-OPERATION when it
 * is an infinity or a NaN (SBCL traps those). */
lo_value lo_float_result(lo_lisp *L, double d, const char *op);

/* Exact comparison of two reals, as SBCL does it (a double against a
 * rational by the double's exact value): -1, 0 or 1, or LO_UNORDERED
 * when one is a NaN. */
enum { LO_UNORDERED = 2 };
int lo_num_compare(lo_lisp *L, lo_value a, lo_value b, const char *op);
/* = on two numbers (both must be numbers). */
bool lo_num_equal(lo_lisp *L, lo_value a, lo_value b);
int lo_num_sign(lo_lisp *L, lo_value v, const char *op);   /* -1, 0, 1 */

/* Integers only (TYPE-ERROR otherwise). */
lo_value lo_int_add(lo_lisp *L, lo_value a, lo_value b);
lo_value lo_int_sub(lo_lisp *L, lo_value a, lo_value b);
lo_value lo_int_mul(lo_lisp *L, lo_value a, lo_value b);
int lo_int_compare(lo_value a, lo_value b);
/* q and r of a = q*b + r with q rounded by mode (bignum.h); b != 0. */
void lo_int_divide(lo_lisp *L, lo_value a, lo_value b,
                   enum lo_big_rounding mode, lo_value *q, lo_value *r);
lo_value lo_int_gcd(lo_lisp *L, lo_value a, lo_value b);
/* a * 2^count, rounded toward -infinity (ASH). */
lo_value lo_int_ash(lo_lisp *L, lo_value a, int64_t count);

/* TRUNCATE FLOOR CEILING ROUND of two reals, computed as SBCL computes
 * them (floats through a float division, then the remainder); q is an
 * integer. */
void lo_num_round(lo_lisp *L, lo_value x, lo_value y,
                  enum lo_big_rounding mode, lo_value *q, lo_value *r,
                  const char *op);

/* ---- numtext.c: text ---- */

/* Whether the token text[0..n) is a number in radix (2..36): integers,
 * ratios, and (when floats) decimal integers with a trailing point and
 * floats.  *out gets it.  A number that cannot be made (a zero
 * denominator, a float beyond the double range, more than
 * LO_NUMBER_MAX_DIGITS characters) is a READER-ERROR. */
enum { LO_NUMBER_MAX_DIGITS = 100000 };
bool lo_read_number(lo_lisp *L, const char *text, size_t n, unsigned radix,
                    bool floats, lo_value *out);
/* The integer written by the digits text[0..n) in radix, negated when
 * negative (the digits are valid). */
lo_value lo_digits_integer(lo_lisp *L, const char *text, size_t n,
                           unsigned radix, bool negative);

#endif
