/*
 * lisp.h -- the Lisp system on a store: read, compile, run, print.
 *
 *   lo_lisp *L;
 *   lo_lisp_open(store, &L, why, sizeof why);   // cold boot or warm start
 *   char out[256];
 *   lo_lisp_eval_string(L, "(+ 1 2)", out, sizeof out);   // out = "3"
 *
 * Thin-path status (issue 4 in progress): fixnums, symbols, conses,
 * strings, characters; quote if progn let setq lambda function defun; calls
 * to global functions and primitives; no closures over outer variables,
 * collector, conditions or macros yet.  docs/lisp.md says what works.
 */
#ifndef LO_LISP_H
#define LO_LISP_H

#include <stddef.h>

#include "ckpt/ckpt.h"

typedef struct lo_lisp lo_lisp;

int lo_lisp_open(lo_ckpt *store, lo_lisp **out, char *why, size_t why_len);
void lo_lisp_close(lo_lisp *L);

/*
 * Read and evaluate the forms of text in order.  On success, out holds the
 * prin1 representation of the last value and LO_OK is returned.  On an
 * error, out holds "TYPE: message" and LO_EINVAL is returned; the system
 * stays usable.
 */
int lo_lisp_eval_string(lo_lisp *L, const char *text, char *out,
                        size_t out_len);

/* Whether the heap was built by this run (cold boot) or found (warm). */
int lo_lisp_cold_booted(lo_lisp *L);

#endif
