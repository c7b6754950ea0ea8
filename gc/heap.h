/*
 * heap.h -- the persistent heap: where every Lisp object lives.
 *
 * The heap is the ckpt region (ckpt/ckpt.h).  Its first page holds the
 * heap root: a magic number, the version of the system code that built
 * it, the allocation top, and the root objects (nil, t, the symbol table,
 * the system environment).  Objects follow, allocated upward by bumping
 * the top; the region grows a step at a time as the top passes its end.
 * Because the region sits at the same address in every run, an object's
 * address is valid forever and nothing is ever serialized.
 *
 * Never store a C pointer in the heap: values are tagged words (value.h),
 * C functions are reached through the primitive table by index.
 *
 * Thin-path status: allocation is a bump pointer under a lock and nothing
 * is collected yet; per-thread allocation buffers and the sliding
 * collector come next (docs/gc.md).
 */
#ifndef LO_GC_HEAP_H
#define LO_GC_HEAP_H

#include <stddef.h>
#include <stdint.h>

#include "ckpt/ckpt.h"

typedef uint64_t lo_value;

#define LO_HEAP_MAGIC 0x4c6973704f536870ull      /* "LispOShp" */
#define LO_HEAP_ROOTS 32

/* The first page of the region. */
struct lo_heap_root {
    uint64_t magic;
    uint64_t system_version;     /* which system code built this heap */
    uint64_t top;                /* offset of the next free byte */
    uint64_t objects;            /* objects allocated, ever */
    lo_value roots[LO_HEAP_ROOTS];
};

/* Well-known roots (indices into roots[]). */
enum {
    LO_ROOT_NIL, LO_ROOT_T, LO_ROOT_SYMBOLS, LO_ROOT_SYSTEM_ENV,
    LO_ROOT_UNBOUND_NAME,
};

typedef struct lo_heap lo_heap;

/*
 * Attach to the region of an open store.  *fresh tells whether the heap
 * was empty (a cold boot follows) or already built (a warm start).
 */
int lo_heap_open(lo_ckpt *store, uint64_t system_version, lo_heap **out,
                 int *fresh, char *why, size_t why_len);
void lo_heap_close(lo_heap *h);

struct lo_heap_root *lo_heap_root(lo_heap *h);

/* Allocate words (8 bytes each, at least 2), zero-filled, 8-aligned.
 * NULL when the store is full. */
uint64_t *lo_heap_alloc(lo_heap *h, size_t words);

uint64_t lo_heap_bytes_used(lo_heap *h);

#endif
