/*
 * numerals.h -- FORMAT's ~R without a radix: integers in English words
 * and in Roman numerals, as SBCL writes them (numerals.c).
 */
#ifndef LO_LISP_NUMERALS_H
#define LO_LISP_NUMERALS_H

#include "lisp/internal.h"

/* "negative twenty-one" (~R) and "twenty-first" (~:R). */
void lo_write_cardinal(lo_lisp *L, lo_value out, int64_t n);
void lo_write_ordinal(lo_lisp *L, lo_value out, int64_t n);
/* MCMXCIV (~@R, 1 to 3999); old style MDCCCCLXXXXIIII (~:@R, 1 to 4999):
 * false when n is out of that range. */
bool lo_write_roman(lo_lisp *L, lo_value out, int64_t n, bool old);

#endif
