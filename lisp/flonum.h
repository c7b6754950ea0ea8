/*
 * flonum.h -- IEEE double-float to text and back, as SBCL does it.
 *
 * The printer of double-floats, for a Lisp whose
 * *read-default-float-format* is double-float (so no exponent marker is
 * ever needed to say "double"), and a correctly rounded reader.  (The
 * Lisp reader reads floats as SBCL's does instead, through the exact
 * rational: lisp/numtext.c.)  Freestanding: no libc, no heap.
 *
 *   char buf[LO_DOUBLE_PRINT_SIZE];
 *   lo_double_print(0.1, buf);                       // "0.1"
 *   double d;
 *   if (lo_float_syntax_p("1.5e3", 5))
 *       lo_double_parse("1.5e3", 5, &d);             // LO_FLOAT_OK, 1500.0
 *
 * Printing gives the digits SBCL 2.x gives (Burger & Dybvig free format:
 * the fewest digits that read back as the same double), laid out as
 * SBCL's PRIN1 lays them out: positional when 1e-3 <= |x| < 1e7
 * ("1234567.0", "0.001"), otherwise one digit before the point and an
 * exponent ("1.2345678e7", "1.0e-4").  Reading is correctly rounded
 * (round-half-even) for any number of digits.
 */
#ifndef LO_FLOAT_H
#define LO_FLOAT_H

#include <stdbool.h>
#include <stddef.h>

/* Room for the longest text lo_double_print writes, NUL included. */
#define LO_DOUBLE_PRINT_SIZE 40

/*
 * Writes d as SBCL's PRIN1 writes it, NUL-terminated, into buf (at least
 * LO_DOUBLE_PRINT_SIZE bytes); returns the length.  Finite values read
 * back as the same double (bit for bit, -0.0 included).  Infinities and
 * NaNs come out as SBCL prints them in CL-USER,
 * "#.DOUBLE-FLOAT-POSITIVE-INFINITY", "#.DOUBLE-FLOAT-NEGATIVE-INFINITY",
 * "#<DOUBLE-FLOAT quiet NaN>" (or "trapping"), which do not read back.
 */
size_t lo_double_print(double d, char *buf);

/*
 * Whether text[0..len) is a float token by CLHS 2.3.1 (decimal):
 *   [sign] {digit}* . {digit}+ [exponent]
 *   [sign] {digit}+ [. {digit}*] exponent
 * where exponent is a marker (e s f d l, either case) then [sign] {digit}+.
 * "1." is an integer, not a float; ".5", "1.e5", "-2E-3" are floats.
 */
bool lo_float_syntax_p(const char *text, size_t len);

typedef enum {
    LO_FLOAT_OK,        /* *out is the correctly rounded value */
    LO_FLOAT_SYNTAX,    /* not a float token; *out untouched */
    LO_FLOAT_OVERFLOW,  /* beyond most-positive-double-float; *out = +-inf */
} lo_float_status;

/*
 * Reads a float token, every exponent marker meaning double-float.  The
 * result is the double nearest the decimal value, ties to even; values
 * too small for a subnormal become +-0.0 (as in SBCL, no error).  Too
 * large values are LO_FLOAT_OVERFLOW, where SBCL's reader signals
 * READER-IMPOSSIBLE-NUMBER-ERROR.
 */
lo_float_status lo_double_parse(const char *text, size_t len, double *out);

#endif
