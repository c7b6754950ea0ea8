/*
 * lisp.h -- the Lisp system on a store: read, compile, run, print.
 *
 *   lo_lisp *L;
 *   lo_lisp_open(store, &L, why, sizeof why);   // cold boot or warm start
 *   char out[256];
 *   lo_lisp_eval_string(L, "(+ 1 2)", out, sizeof out);   // out = "3"
 *
 * docs/lisp.md says what the language has so far; docs/gc.md how the
 * heap is collected.
 */
#ifndef LO_LISP_H
#define LO_LISP_H

#include <stdbool.h>
#include <stddef.h>

#include "ckpt/ckpt.h"
#include "gc/gc.h"

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

/*
 * What the evaluations wrote to standard output (*STANDARD-OUTPUT*) since
 * the last call, as UTF-8: *text points at it (valid until the next
 * evaluation on L) and the length is returned.  The buffer is emptied;
 * the host shows the text before the value (lispos-repl: then a fresh
 * line), and the next output is taken to start a line.
 */
size_t lo_lisp_take_output(lo_lisp *L, const char **text);

/* Whether the heap was built by this run (cold boot) or found (warm). */
int lo_lisp_cold_booted(lo_lisp *L);

/*
 * Another thread of evaluation on the same system (same heap, same
 * global environment, its own stack and dynamic bindings).  Open and use
 * it on the thread that will run it; close it there before lo_lisp_close.
 */
int lo_lisp_thread_open(lo_lisp *any, lo_lisp **out);
void lo_lisp_thread_close(lo_lisp *L);

/* GC stress mode: collect at the first poll after `bytes` have been
 * allocated (1: after every allocation) and verify the heap after each
 * collection; 0 turns it off. */
void lo_lisp_gc_stress(lo_lisp *L, uint64_t bytes);
/* A full collection now; LO_EBUSY when it is not safe here (inside the
 * compiler).  *out gets the pause and sizes. */
int lo_lisp_collect(lo_lisp *L, struct lo_gc_result *out);

#endif
