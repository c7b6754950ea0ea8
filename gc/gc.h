/*
 * gc.h -- the sliding mark-compact collector (after Kermany and Petrank's
 * Compressor, PLDI 2006).  docs/gc.md explains it with the root rules.
 *
 * The collector knows objects only through their headers (heap.h) and
 * values only through their tags: a word whose low three bits are 001 or
 * 011 points at an object; the access bits 63..60 ride along untouched.
 * It knows nothing of threads or of the Lisp layer: the caller stops the
 * world and hands in a function that visits every root slot.
 *
 *   1. mark: from the roots, set one bit per word of every reachable
 *      object in a bitmap (1 bit per heap word);
 *   2. sum: per block of 64 words, the live words in all blocks before it
 *      -- the offset table.  An object's new address is then
 *      start + offset[block] + (live words before it in its block), a
 *      popcount: no forwarding word is ever written into an object;
 *   3. update and slide, in address order: rewrite every pointer field
 *      and root to the new addresses, and move each object down.  The
 *      order of objects is kept, so what was allocated together stays
 *      together.
 */
#ifndef LO_GC_GC_H
#define LO_GC_GC_H

#include "gc/heap.h"

/* Called by the collector once per root slot: visit(slot, gc). */
typedef void lo_gc_visit_fn(lo_value *slot, void *gc);
/* The caller's root enumerator: calls visit for every root slot. */
typedef void lo_gc_roots_fn(void *ctx, lo_gc_visit_fn *visit, void *gc);

struct lo_gc_result {
    bool young;                 /* a young collection (else a full one) */
    uint64_t live_bytes;        /* after, in the small-object space (old
                                   and young) */
    uint64_t freed_bytes;
    uint64_t objects_moved;
    uint64_t large_live_bytes;  /* large-object space: blocks in use after */
    uint64_t large_freed_bytes; /* blocks of objects found unreachable */
    uint64_t released_pages;    /* past the new top, given to ckpt */
    uint64_t ns;                /* the whole pause */
};

/*
 * Collect the heap.  The world must be stopped (no other thread touching
 * the heap); the heap's root page slots are roots too.  Returns LO_OK, or
 * LO_ENOMEM when the collector's bookkeeping memory cannot be had (then
 * nothing has moved).
 */
int lo_gc_collect(lo_heap *h, lo_gc_roots_fn *roots, void *ctx,
                  struct lo_gc_result *out);

/*
 * Collect only the young space: the objects made since the last
 * collection (heap.h, "Generations").  Roots as above, and the pointers
 * in the old pages the store saw written since then; old objects and
 * large objects count as live, nothing is freed among them.  The
 * survivors slide down onto the old space and become old.  A full
 * collection instead when the crossing map is not valid (the first
 * collection after an open); out->young says which it was.
 */
int lo_gc_collect_young(lo_heap *h, lo_gc_roots_fn *roots, void *ctx,
                        struct lo_gc_result *out);

/* Walk the heap and check every header and pointer (tests, stress mode):
 * returns 0 or the address of the first bad word; *why says what. */
uintptr_t lo_gc_verify(lo_heap *h, const char **why);

#endif
