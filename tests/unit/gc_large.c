/*
 * gc_large.c -- the large-object space against an oracle: large objects
 * (raw tails of 64 KiB to 1.5 MiB, some also holding a pointer to a small
 * object, which moves) are allocated among small objects and garbage;
 * after each collection every reachable large object is at the same
 * address with the same contents, its pointer follows the small object,
 * the unreachable ones are freed (the space's byte count is the oracle's),
 * freed space is reused before the space grows, an empty space gives its
 * pages back, lo_gc_verify checks all of it (and catches a bad pointer
 * into the space), and everything is still there after a reopen.
 */
#include <stdlib.h>
#include <string.h>

#include "gc/gc.h"
#include "tests/helpers/fixture.h"
#include "tests/tap.h"

enum { LARGE = 60, ROUNDS = 5, ROOTS = 16 };
#define TAG_OBJECT 3ull

struct large {
    uint64_t *at;                /* NULL: never made or collected */
    uint64_t words;
    int small;                   /* index of the small object it points to */
};
static struct large large[LARGE * ROUNDS];
static int nlarge;
/* roots: [0, ROOTS) large objects, [ROOTS, 2 ROOTS) small ones */
static lo_value roots[2 * ROOTS];
static int root_large[ROOTS];

static void roots_fn(void *ctx, lo_gc_visit_fn *visit, void *gc)
{
    (void)ctx;
    for (int i = 0; i < 2 * ROOTS; i++)
        visit(&roots[i], gc);
}

static lo_value ref(const void *p)
{
    return (lo_value)(uintptr_t)p | TAG_OBJECT;
}

static uint64_t *deref(lo_value v)
{
    return (uint64_t *)(uintptr_t)(v & ~(0xfull << 60 | 7));
}

/* A large object: header (raw, 2 value words), its id as a fixnum, a
 * pointer to a small object (or 0), then raw words id * 31 + i. */
static void make_large(lo_heap *h, struct lo_alloc_buffer *b, int id)
{
    struct large *x = &large[id];
    uint64_t bytes = LO_HEAP_LARGE_BYTES + (uint64_t)(rand() % (1536 << 10));
    x->words = bytes / 8;
    x->at = lo_heap_alloc_large(h, x->words);
    if (!x->at)
        bail_out("the large-object space is full");
    x->at[0] = lo_header_raw(7, x->words, 2);
    x->at[1] = (uint64_t)id << 2;
    /* a small object (id in word 1) that only this large one points to */
    uint64_t *s = lo_heap_alloc(h, b, 2);
    s[0] = lo_header(2, 2);
    s[1] = (uint64_t)id << 2;
    x->at[2] = ref(s);
    for (uint64_t i = 3; i < x->words; i += 509)   /* sparse: cheap */
        x->at[i] = (uint64_t)id * 31 + i;
    x->at[x->words - 1] = (uint64_t)id * 31 + x->words - 1;
    /* garbage between, so that the small objects move */
    uint64_t *junk = lo_heap_alloc(h, b, 50);
    junk[0] = lo_header(2, 50);
}

static int intact(int id)
{
    struct large *x = &large[id];
    if (x->at[0] != lo_header_raw(7, x->words, 2) ||
        x->at[1] != (uint64_t)id << 2)
        return 0;
    uint64_t *s = deref(x->at[2]);
    if (s[0] != lo_header(2, 2) || s[1] != (uint64_t)id << 2)
        return 0;
    for (uint64_t i = 3; i < x->words; i += 509)
        if (x->at[i] != (uint64_t)id * 31 + i)
            return 0;
    return x->at[x->words - 1] == (uint64_t)id * 31 + x->words - 1;
}

static uint64_t block_bytes(uint64_t words)
{
    return lo_large_block_pages(words) * LO_CKPT_PAGE;
}


int main(void)
{
    srand(4242);
    struct fixture fx = { 0 };
    fixture_heap(&fx, 65536, 1);                    /* 256 MiB */
    struct lo_alloc_buffer b;
    lo_heap_register_buffer(fx.heap, &b);
    for (int i = 0; i < ROOTS; i++)
        root_large[i] = -1;
    const char *bad;

    uint64_t lowest = (uint64_t)-1;
    for (int round = 0; round < ROUNDS; round++) {
        /* the biggest free block, before */
        uint64_t *bottom_before = lo_heap_large_bottom(fx.heap), biggest = 0;
        struct lo_heap_root *hr = lo_heap_root(fx.heap);
        for (uint64_t off = hr->los_free; off;) {
            uint64_t *blk = (uint64_t *)((char *)hr + off);
            if (lo_large_pages(blk) > biggest)
                biggest = lo_large_pages(blk);
            off = blk[1];
        }
        int first = nlarge;
        for (int n = 0; n < LARGE; n++)
            make_large(fx.heap, &b, nlarge++);
        if (biggest >= lo_large_block_pages(large[first].words))
            ok(large[first].at >= bottom_before, "round %d: a free block is "
               "reused before the space grows", round);
        (void)lowest;
        /* new roots: half the root slots keep their old large object */
        for (int i = 0; i < ROOTS; i++) {
            if (root_large[i] >= 0 && large[root_large[i]].at && rand() % 2)
                continue;
            int id;
            do
                id = rand() % nlarge;
            while (!large[id].at);
            root_large[i] = id;
            roots[i] = ref(large[id].at) | (uint64_t)(i % 16) << 60;
        }
        /* a small object as a root too, pointing at a large one */
        for (int i = 0; i < ROOTS; i++) {
            uint64_t *s = lo_heap_alloc(fx.heap, &b, 3);
            s[0] = lo_header(3, 3);
            s[1] = (uint64_t)i << 2;
            s[2] = ref(large[root_large[(i + 1) % ROOTS]].at);
            roots[ROOTS + i] = ref(s);
        }
        /* the oracle */
        static char reach[LARGE * ROUNDS];
        memset(reach, 0, sizeof reach);
        for (int i = 0; i < ROOTS; i++)
            reach[root_large[i]] = 1;
        uint64_t live = 0, dead = 0;
        static uint64_t *was[LARGE * ROUNDS];
        for (int id = 0; id < nlarge; id++) {
            was[id] = large[id].at;
            if (!large[id].at)
                continue;
            if (reach[id])
                live += block_bytes(large[id].words);
            else
                dead += block_bytes(large[id].words);
        }
        struct lo_gc_result r;
        is_int(lo_gc_collect(fx.heap, roots_fn, NULL, &r), LO_OK,
               "round %d: collected", round);
        is_int((long long)r.large_live_bytes,
               (long long)(live + fixture_crossing_bytes(lo_heap_root(fx.heap))),
               "round %d: large bytes live = the oracle's (%llu), with the "
               "crossing map's block", round, (unsigned long long)live);
        is_int((long long)r.large_freed_bytes, (long long)dead,
               "round %d: large bytes freed = the oracle's (%llu)", round,
               (unsigned long long)dead);
        uintptr_t at = lo_gc_verify(fx.heap, &bad);
        ok(at == 0, "round %d: verify: %s", round, at ? bad : "clean");
        int moved = 0, broken = 0, wrong_roots = 0;
        for (int id = 0; id < nlarge; id++) {
            if (!large[id].at)
                continue;
            if (!reach[id]) {
                large[id].at = NULL;
                continue;
            }
            moved += large[id].at != was[id];
            broken += !intact(id);
        }
        for (int i = 0; i < ROOTS; i++) {
            wrong_roots += deref(roots[i]) != large[root_large[i]].at ||
                           roots[i] >> 60 != (uint64_t)(i % 16);
            uint64_t *s = deref(roots[ROOTS + i]);
            wrong_roots += s[1] != (uint64_t)i << 2 ||
                           deref(s[2]) != large[root_large[(i + 1) % ROOTS]].at;
        }
        is_int(moved, 0, "round %d: no large object moved", round);
        is_int(broken, 0, "round %d: every reachable large object intact, "
               "its small object followed", round);
        is_int(wrong_roots, 0, "round %d: roots and small objects point at "
               "the same large objects", round);
        if ((uint64_t)(uintptr_t)lo_heap_large_bottom(fx.heap) < lowest)
            lowest = (uint64_t)(uintptr_t)lo_heap_large_bottom(fx.heap);
    }

    /* Reuse, exactly: a freed block's address is handed out again. */
    for (int i = 0; i < 2 * ROOTS; i++)
        roots[i] = 0;
    roots[0] = ref(large[root_large[0]].at);
    struct lo_gc_result r;
    lo_gc_collect(fx.heap, roots_fn, NULL, &r);
    uint64_t *keep = large[root_large[0]].at;
    is_int((long long)r.large_live_bytes,
           (long long)block_bytes(large[root_large[0]].words),
           "one large object kept, the rest freed");
    uint64_t *bottom = lo_heap_large_bottom(fx.heap);
    ok(bottom == keep, "free blocks below the lowest live one are given "
       "back: the space starts at it");
    uint64_t *again = lo_heap_alloc_large(fx.heap, 10000);
    again[0] = lo_header_raw(7, 10000, 1);
    again[1] = 0;
    ok(again > keep && again < lo_heap_large_end(fx.heap),
       "a new large object reuses a freed block above it");
    ok(lo_heap_large_bottom(fx.heap) == bottom, "and the space did not grow");
    int zero = 1;
    for (int i = 2; i < 10000; i++)
        zero &= again[i] == 0;
    ok(zero, "its block reads as zeros");
    ok(lo_gc_verify(fx.heap, &bad) == 0, "verify: clean");

    /* verify catches a pointer into the middle of a large object */
    roots[0] = ref(keep + 1);
    lo_heap_root(fx.heap)->roots[5] = ref(keep + 512);
    uintptr_t at = lo_gc_verify(fx.heap, &bad);
    ok(at != 0 && strstr(bad, "large"),
       "verify catches a pointer into the middle of a large object: %s",
       at ? bad : "missed");
    lo_heap_root(fx.heap)->roots[5] = 0;
    roots[0] = ref(keep);

    /* Persistence: sync, reopen, the same address and contents. */
    int id0 = root_large[0];
    lo_heap_unregister_buffer(fx.heap, &b);
    lo_heap_root(fx.heap)->roots[6] = ref(keep);
    is_int(lo_ckpt_sync(fx.store), LO_OK, "sync");
    fixture_reopen(&fx);
    ok(deref(lo_heap_root(fx.heap)->roots[6]) == keep && intact(id0),
       "reopened: the large object is where it was, intact");
    ok(lo_gc_verify(fx.heap, &bad) == 0, "reopened: verify: clean");

    /* Nothing reachable: the whole space is given back. */
    for (int i = 0; i < 2 * ROOTS; i++)
        roots[i] = 0;
    lo_heap_root(fx.heap)->roots[6] = 0;
    lo_gc_collect(fx.heap, roots_fn, NULL, &r);
    ok(lo_heap_large_bottom(fx.heap) == lo_heap_large_end(fx.heap) &&
       lo_heap_large_bytes(fx.heap) == 0 &&
       lo_heap_root(fx.heap)->los_free == 0,
       "nothing reachable: the large-object space is empty again");
    struct lo_ckpt_stats st;
    lo_ckpt_sync(fx.store);
    lo_ckpt_stats(fx.store, &st);
    ok(st.slots_used < 64, "and after a sync the store uses %llu slots",
       (unsigned long long)st.slots_used);

    /* Full: a large object bigger than the room left gives NULL. */
    ok(lo_heap_alloc_large(fx.heap, (size_t)(300ull << 20) / 8) == NULL,
       "a large object bigger than the store: NULL");
    fixture_close(&fx);
    return done_testing();
}
