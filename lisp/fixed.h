/*
 * fixed.h -- FORMAT's ~F: a float in fixed-point notation, as SBCL's
 * FORMAT-FIXED-AUX and FLONUM-TO-STRING write it (fixed.c).
 */
#ifndef LO_LISP_FIXED_H
#define LO_LISP_FIXED_H

#include "lisp/internal.h"

struct lo_fixed_params {
    int64_t w, d;           /* width and digits after the point; -1: none */
    int64_t k;              /* scale: the value times 10^k */
    uint32_t overflow;      /* written w times when the number does not
                             * fit in w; 0: none */
    uint32_t pad;           /* fills the width on the left */
    bool atsign;            /* a + sign for positive numbers */
};

/* x (a single-float's value when single) written to the stream out. */
void lo_format_fixed(lo_lisp *L, lo_value out, double x, bool single,
                     const struct lo_fixed_params *p);

#endif
