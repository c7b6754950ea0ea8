/*
 * collector.c -- the sliding mark-compact collector (see gc.h).
 *
 * Bookkeeping lives outside the heap (platform memory): the live-word
 * bitmap (one bit per heap word, 1/64 of the heap), the offset table (one
 * word per 64-word block, another 1/64) and the mark stack.  Nothing is
 * written into the objects except their updated pointers.
 */
#include <string.h>

#include "gc.h"
#include "platform.h"

#define ADDRESS_BITS (~(0xfull << 60 | 7ull))   /* tag and access bits off */

struct gc {
    uint64_t *start, *top;
    uint64_t nwords, nblocks;
    uint64_t *live;              /* bit per word of every reachable object */
    uint64_t *offset;            /* live words before each block */
    uint64_t **stack;            /* objects marked, fields not yet seen */
    size_t sp, cap;
    bool out_of_memory;
};

/* cons 001, object 011; fixnums end in 00, immediates in 010 */
static inline bool pointerp(lo_value v) { return v & 1; }

static inline uint64_t *address(lo_value v)
{
    return (uint64_t *)(uintptr_t)(v & ADDRESS_BITS);
}

static inline bool bit(const uint64_t *map, uint64_t i)
{
    return map[i / 64] >> (i % 64) & 1;
}

static void set_bits(uint64_t *map, uint64_t from, uint64_t count)
{
    for (uint64_t i = from, end = from + count; i < end;) {
        uint64_t word = i / 64, shift = i % 64;
        uint64_t n = end - i < 64 - shift ? end - i : 64 - shift;
        uint64_t mask = n == 64 ? ~0ull : ((1ull << n) - 1) << shift;
        map[word] |= mask;
        i += n;
    }
}

/* The first set bit at or after i, or limit. */
static uint64_t next_set(const uint64_t *map, uint64_t i, uint64_t limit)
{
    while (i < limit) {
        uint64_t rest = map[i / 64] >> (i % 64);
        if (rest)
            return i + (uint64_t)__builtin_ctzll(rest);
        i = (i / 64 + 1) * 64;
    }
    return limit;
}

/* ---- 1. mark ---- */

static void push(struct gc *g, uint64_t *obj)
{
    if (g->sp == g->cap) {
        size_t cap = g->cap ? g->cap * 2 : 4096;
        uint64_t **grown = lo_mem_alloc(cap * sizeof *grown);
        if (!grown)
            lo_panic("gc: no memory for the mark stack (%zu entries)", cap);
        if (g->stack)
            memcpy(grown, g->stack, g->sp * sizeof *grown);
        lo_mem_free(g->stack);
        g->stack = grown;
        g->cap = cap;
    }
    g->stack[g->sp++] = obj;
}

static void mark_value(struct gc *g, lo_value v)
{
    if (!pointerp(v))
        return;
    uint64_t *obj = address(v);
    if (obj < g->start || obj >= g->top)
        return;
    uint64_t w = (uint64_t)(obj - g->start);
    if (bit(g->live, w))
        return;
    uint64_t size = lo_header_words(obj[0]);
    if (size == 0 || w + size > g->nwords)
        lo_panic("gc: bad header 0x%llx at %p (a corrupt heap or a stale "
                 "pointer)", (unsigned long long)obj[0], (void *)obj);
    set_bits(g->live, w, size);
    push(g, obj);
}

static void mark_visit(lo_value *slot, void *gc)
{
    mark_value(gc, *slot);
}

static void mark_from_roots(struct gc *g, struct lo_heap_root *r,
                            lo_gc_roots_fn *roots, void *ctx)
{
    for (int i = 0; i < LO_HEAP_ROOTS; i++)
        mark_value(g, r->roots[i]);
    roots(ctx, mark_visit, g);
    while (g->sp) {
        uint64_t *obj = g->stack[--g->sp];
        uint64_t n = lo_header_value_words(obj[0]);
        for (uint64_t i = 1; i <= n; i++)
            mark_value(g, obj[i]);
    }
}

/* ---- 2. the offset table ---- */

static uint64_t sum_offsets(struct gc *g)
{
    uint64_t total = 0;
    for (uint64_t b = 0; b < g->nblocks; b++) {
        g->offset[b] = total;
        total += (uint64_t)__builtin_popcountll(g->live[b]);
    }
    return total;
}

/* ---- 3. update and slide ---- */

static inline uint64_t new_index(const struct gc *g, uint64_t w)
{
    uint64_t below = g->live[w / 64] & ((1ull << (w % 64)) - 1);
    return g->offset[w / 64] + (uint64_t)__builtin_popcountll(below);
}

static lo_value relocate(const struct gc *g, lo_value v)
{
    if (!pointerp(v))
        return v;
    uint64_t *obj = address(v);
    if (obj < g->start || obj >= g->top)
        return v;
    uint64_t *to = g->start + new_index(g, (uint64_t)(obj - g->start));
    return (v & ~ADDRESS_BITS) | (lo_value)(uintptr_t)to;
}

static void update_visit(lo_value *slot, void *gc)
{
    *slot = relocate(gc, *slot);
}

static uint64_t slide(struct gc *g)
{
    uint64_t moved = 0;
    for (uint64_t w = next_set(g->live, 0, g->nwords); w < g->nwords;) {
        uint64_t *obj = g->start + w;
        uint64_t size = lo_header_words(obj[0]);
        uint64_t n = lo_header_value_words(obj[0]);
        for (uint64_t i = 1; i <= n; i++)
            obj[i] = relocate(g, obj[i]);
        uint64_t *to = g->start + new_index(g, w);
        if (to != obj) {
            memmove(to, obj, size * 8);
            moved++;
        }
        w = next_set(g->live, w + size, g->nwords);
    }
    return moved;
}

/* ---- the whole collection ---- */

int lo_gc_collect(lo_heap *h, lo_gc_roots_fn *roots, void *ctx,
                  struct lo_gc_result *out)
{
    uint64_t began = lo_clock_ns();
    lo_heap_retire_buffers(h);
    struct gc g = { .start = lo_heap_start(h), .top = lo_heap_top(h) };
    g.nwords = (uint64_t)(g.top - g.start);
    g.nblocks = (g.nwords + 63) / 64;
    g.live = lo_mem_alloc((g.nblocks + 1) * 8);
    g.offset = lo_mem_alloc((g.nblocks + 1) * 8);
    if (!g.live || !g.offset) {
        lo_mem_free(g.live);
        lo_mem_free(g.offset);
        return LO_ENOMEM;
    }
    memset(g.live, 0, (g.nblocks + 1) * 8);
    struct lo_heap_root *r = lo_heap_root(h);

    mark_from_roots(&g, r, roots, ctx);
    uint64_t live_words = sum_offsets(&g);

    for (int i = 0; i < LO_HEAP_ROOTS; i++)
        r->roots[i] = relocate(&g, r->roots[i]);
    roots(ctx, update_visit, &g);
    uint64_t moved = slide(&g);
    lo_heap_set_top(h, g.start + live_words);
    /* In stress mode the space given up is poisoned, so that a stale
     * pointer anyone kept reads garbage at once instead of an old copy. */
    if (lo_heap_stressed(h))
        for (uint64_t *p = g.start + live_words; p < g.top; p++)
            *p = 0xdeadbeefdeadbeefull;

    lo_mem_free(g.live);
    lo_mem_free(g.offset);
    lo_mem_free(g.stack);
    if (out) {
        out->live_bytes = live_words * 8;
        out->freed_bytes = (g.nwords - live_words) * 8;
        out->objects_moved = moved;
        out->ns = lo_clock_ns() - began;
    }
    return LO_OK;
}

/* ---- verification ---- */

uintptr_t lo_gc_verify(lo_heap *h, const char **why)
{
    uint64_t *start = lo_heap_start(h), *top = lo_heap_top(h);
    uint64_t nwords = (uint64_t)(top - start);
    uint64_t *starts = lo_mem_alloc((nwords / 64 + 1) * 8);
    if (!starts) {
        *why = "no memory to verify";
        return 0;
    }
    memset(starts, 0, (nwords / 64 + 1) * 8);
    uintptr_t bad = 0;
    *why = "";
    for (uint64_t w = 0; w < nwords;) {
        uint64_t size = lo_header_words(start[w]);
        if (size == 0 || w + size > nwords ||
            ((start[w] & 0xff) == 0)) {
            *why = "bad header";
            bad = (uintptr_t)(start + w);
            goto out;
        }
        starts[w / 64] |= 1ull << (w % 64);
        w += size;
    }
    for (uint64_t w = 0; w < nwords;) {
        uint64_t size = lo_header_words(start[w]);
        uint64_t n = lo_header_value_words(start[w]);
        for (uint64_t i = 1; i <= n && i < size; i++) {
            lo_value v = start[w + i];
            if (!pointerp(v))
                continue;
            uint64_t *to = address(v);
            if (to < start || to >= top) {
                *why = "a pointer outside the heap";
                bad = (uintptr_t)(start + w + i);
                goto out;
            }
            if (!bit(starts, (uint64_t)(to - start))) {
                *why = "a pointer into the middle of an object";
                bad = (uintptr_t)(start + w + i);
                goto out;
            }
        }
        w += size;
    }
out:
    lo_mem_free(starts);
    return bad;
}
