/*
 * internal.h -- what the collector's files share (not for other layers):
 * the state of one collection (struct gc), a marker's stack, and the
 * bitmaps' helpers.
 *
 *   collector.c  the collection: offsets, update and slide, the
 *                large-object space, young and full collections
 *   mark.c       marking: from the roots (and, for a young collection, the
 *                old pages written since the last one), in parallel for a
 *                full collection of a large heap
 *   verify.c     lo_gc_verify, the walk that checks a heap
 */
#ifndef LO_GC_INTERNAL_H
#define LO_GC_INTERNAL_H

#include "gc/gc.h"
#include "drivers/platform.h"

/*
 * A marker: one thread's stack of objects marked whose fields are not
 * seen yet.  A collection has its own (gc.main); a full collection of a
 * large heap adds helpers ("Parallel marking", below).
 */
struct gc;
struct marker {
    struct gc *g;
    uint64_t **stack;
    size_t sp, cap;
};

struct gc {
    lo_heap *heap;
    bool young;                  /* a young collection: [start, top) is
                                    the young space, the rest is old */
    uint64_t *start, *top;
    uint64_t *new_top;           /* start + live words, once summed */
    uint64_t *ready;             /* the slide may write below this */
    uint64_t nwords, nblocks;
    uint64_t *live;              /* bit per word of every reachable object */
    uint64_t *offset;            /* live words before each block */
    struct marker main;          /* the collecting thread's */
    bool parallel;               /* helpers are marking too */
    /* the large-object space: [lo, hi), a bit per page of it */
    uint64_t *los_lo, *los_hi;
    uint64_t los_pages;
    uint64_t *los_start;         /* a block (object or free) starts here */
    uint64_t *los_mark;          /* an object starts here and is reachable */
    /* young collections: the old pages written since the last collection
     * (a bit per page from the region's base up to the young start's
     * page, and one per page of the large-object space) */
    uint64_t *written, *los_written;
    uint64_t old_pages;
    lo_value **remembered;       /* the old slots that point at young
                                    objects, found by the mark */
    size_t nremembered, remembered_cap;
    uint32_t *crossing;          /* heap.h; NULL when not kept */
};

/* What a value word is to the collector (gc/heap.h, the encoding's
 * part lisp/value.h shares): a pointer or not, and its address. */
static inline bool pointerp(lo_value v) { return lo_pointer_p(v); }
static inline uint64_t *address(lo_value v) { return lo_value_address(v); }

static inline bool bit(const uint64_t *map, uint64_t i)
{
    return map[i / 64] >> (i % 64) & 1;
}

static inline void set_bits(uint64_t *map, uint64_t from, uint64_t count)
{
    for (uint64_t i = from, end = from + count; i < end;) {
        uint64_t word = i / 64, shift = i % 64;
        uint64_t n = end - i < 64 - shift ? end - i : 64 - shift;
        uint64_t mask = n == 64 ? ~0ull : ((1ull << n) - 1) << shift;
        map[word] |= mask;
        i += n;
    }
}

/* Are bits [from, from + count) all clear?  (Debug checks only.) */
static inline bool bits_clear(const uint64_t *map, uint64_t from,
                              uint64_t count)
{
    for (uint64_t i = from; i < from + count; i++) {
        if (i % 64 == 0 && from + count - i >= 64) {
            if (map[i / 64])
                return false;
            i += 63;
        } else if (bit(map, i)) {
            return false;
        }
    }
    return true;
}

/* The first set bit at or after i, or limit. */
static inline uint64_t next_set(const uint64_t *map, uint64_t i,
                                uint64_t limit)
{
    while (i < limit) {
        uint64_t rest = map[i / 64] >> (i % 64);
        if (rest)
            return i + (uint64_t)__builtin_ctzll(rest);
        i = (i / 64 + 1) * 64;
    }
    return limit;
}

/* Mark everything reachable (mark.c): the heap root's slots, the roots
 * function's, and for a young collection the old slots on the pages
 * written since the last one (those pointing at young objects are kept in
 * g->remembered for the update). */
void lo_gc_mark(struct gc *g, struct lo_heap_root *r, lo_gc_roots_fn *roots,
                void *ctx);

#endif
