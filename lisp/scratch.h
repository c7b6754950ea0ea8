/*
 * scratch.h -- a thread's scratch memory: C memory for a primitive's
 * temporary arrays (a store query's id sets), taken and given back in
 * stack order, like roots:
 *
 *     uint64_t mark = lo_scratch_mark(L);
 *     int64_t *ids = lo_scratch_alloc(L, n * sizeof *ids);
 *     ... work; Lisp may run, errors may be raised ...
 *     lo_scratch_release(L, mark);
 *
 * An exit that unwinds past the primitive gives back what it took (the
 * catch entry it lands on recorded the mark: control.c), so an error
 * leaks nothing.  The memory is reused from one call to the next: no
 * page of it is touched fresh, zeroed or written to the heap, which is
 * what a heap vector of the same size would cost.  Never store a
 * pointer into it in the heap, and never use it after the release.
 */
#ifndef LO_LISP_SCRATCH_H
#define LO_LISP_SCRATCH_H

#include "lisp/internal.h"

static inline uint64_t lo_scratch_mark(lo_lisp *L) { return L->scratch.used; }
/* n bytes, 16-aligned, uninitialized (STORAGE-CONDITION when there is no
 * memory, or when the thread would have more than 1 GiB in use). */
void *lo_scratch_alloc(lo_lisp *L, size_t n);
void lo_scratch_release(lo_lisp *L, uint64_t mark);
/* Give every block back (the thread closes). */
void lo_scratch_free_all(lo_lisp *L);

#endif
