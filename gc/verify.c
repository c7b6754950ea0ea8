/*
 * verify.c -- lo_gc_verify (gc.h): a walk over the whole heap that checks
 * every header, every pointer (to an object's first word, in either
 * space) and the large-object space's blocks, byte count and free list.
 * Tests and stress mode call it after collections.
 */
#include <string.h>

#include "gc/internal.h"

struct verify {
    uint64_t *start, *top, *lo, *hi;
    uint64_t *starts;            /* small space: a bit per word */
    uint64_t *large;             /* large space: a bit per page, objects */
    const char *why;
};

/* A value is sane: not a pointer, or one to an object's first word in
 * either space. */
static bool value_ok(struct verify *v, lo_value x)
{
    if (!pointerp(x))
        return true;
    uint64_t *to = address(x);
    if (to >= v->lo && to < v->hi) {
        uint64_t off = (uint64_t)((char *)to - (char *)v->lo);
        if (off % LO_CKPT_PAGE || !bit(v->large, off / LO_CKPT_PAGE)) {
            v->why = "a pointer into the large-object space that is not an "
                     "object's start";
            return false;
        }
        return true;
    }
    if (to < v->start || to >= v->top) {
        v->why = "a pointer outside the heap";
        return false;
    }
    if (!bit(v->starts, (uint64_t)(to - v->start))) {
        v->why = "a pointer into the middle of an object";
        return false;
    }
    return true;
}

/* The large-object space's blocks and free list; 0 or the bad word. */
static uintptr_t verify_large(struct verify *v, lo_heap *h, uint64_t pages)
{
    struct lo_heap_root *r = lo_heap_root(h);
    uint64_t frees = 0, in_use = 0;
    for (uint64_t page = 0; page < pages;) {
        uint64_t *block = v->lo + page * (LO_CKPT_PAGE / 8);
        uint64_t n = lo_large_pages(block);
        if (n == 0 || (block[0] & 0xff) == 0 || n > pages - page) {
            v->why = "a bad large block header";
            return (uintptr_t)block;
        }
        if (lo_large_free_block(block)) {
            if (block[0] != lo_large_free_header(n)) {
                v->why = "a free large block with a bad header";
                return (uintptr_t)block;
            }
            frees++;
        } else {
            v->large[page / 64] |= 1ull << (page % 64);
            in_use += n * LO_CKPT_PAGE;
        }
        page += n;
    }
    if (in_use != r->los_bytes) {
        v->why = "the large-object space's byte count is wrong";
        return (uintptr_t)&r->los_bytes;
    }
    /* The free list: free blocks only, every one of them, no cycle. */
    uint64_t listed = 0;
    for (uint64_t off = r->los_free; off; listed++) {
        uint64_t *block = (uint64_t *)((char *)r + off);
        if (block < v->lo || block >= v->hi || off % LO_CKPT_PAGE ||
            !lo_large_free_block(block) || listed >= frees) {
            v->why = "the large-object free list is broken";
            return (uintptr_t)block;
        }
        off = block[1];
    }
    if (listed != frees) {
        v->why = "a free large block is not on the free list";
        return (uintptr_t)&r->los_free;
    }
    return 0;
}

uintptr_t lo_gc_verify(lo_heap *h, const char **why)
{
    struct lo_heap_root *r = lo_heap_root(h);
    struct verify v = {
        .start = lo_heap_start(h), .top = lo_heap_top(h),
        .lo = lo_heap_large_bottom(h), .hi = lo_heap_large_end(h),
        .why = "",
    };
    uint64_t nwords = (uint64_t)(v.top - v.start);
    uint64_t pages = (uint64_t)((char *)v.hi - (char *)v.lo) / LO_CKPT_PAGE;
    v.starts = lo_mem_alloc((nwords / 64 + 1) * 8);
    v.large = lo_mem_alloc((pages / 64 + 1) * 8);
    uintptr_t bad = 0;
    if (!v.starts || !v.large) {
        v.why = "no memory to verify";
        goto out;
    }
    memset(v.starts, 0, (nwords / 64 + 1) * 8);
    memset(v.large, 0, (pages / 64 + 1) * 8);
    if (r->top > r->los_bottom || r->los_bottom > r->los_end ||
        r->los_bottom % LO_CKPT_PAGE || r->los_end % LO_CKPT_PAGE) {
        v.why = "the spaces overlap or are misaligned";
        bad = (uintptr_t)&r->top;
        goto out;
    }
    for (uint64_t w = 0; w < nwords;) {
        uint64_t size = lo_header_words(v.start[w]);
        if (size == 0 || w + size > nwords ||
            ((v.start[w] & 0xff) == 0)) {
            v.why = "bad header";
            bad = (uintptr_t)(v.start + w);
            goto out;
        }
        v.starts[w / 64] |= 1ull << (w % 64);
        w += size;
    }
    if ((bad = verify_large(&v, h, pages)))
        goto out;
    for (int i = 0; i < LO_HEAP_ROOTS; i++)
        if (!value_ok(&v, r->roots[i])) {
            bad = (uintptr_t)&r->roots[i];
            goto out;
        }
    for (uint64_t w = 0; w < nwords;) {
        uint64_t size = lo_header_words(v.start[w]);
        uint64_t n = lo_header_value_words(v.start[w]);
        for (uint64_t i = 1; i <= n && i < size; i++)
            if (!value_ok(&v, v.start[w + i])) {
                bad = (uintptr_t)(v.start + w + i);
                goto out;
            }
        w += size;
    }
    for (uint64_t page = next_set(v.large, 0, pages); page < pages;
         page = next_set(v.large, page + 1, pages)) {
        uint64_t *obj = v.lo + page * (LO_CKPT_PAGE / 8);
        uint64_t n = lo_header_value_words(obj[0]);
        uint64_t size = lo_header_words(obj[0]);
        for (uint64_t i = 1; i <= n && i < size; i++)
            if (!value_ok(&v, obj[i])) {
                bad = (uintptr_t)(obj + i);
                goto out;
            }
    }
out:
    *why = v.why;
    lo_mem_free(v.starts);
    lo_mem_free(v.large);
    return bad;
}
