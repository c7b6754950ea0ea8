/*
 * gc_trigger.c -- the collection trigger survives a restart.  A heap
 * collects once the bytes handed out since the last collection pass its
 * live size (at least 8 MiB).  Were the trigger 8 MiB again after every
 * open, a large heap just opened would be collected -- every page of it
 * read from disk -- after its first 8 MiB of allocation.  So a heap of
 * 44 MiB live, reopened, has no full collection due after 16 MiB of
 * allocation, and has one once the heap has doubled; a fresh heap is due
 * after 8 MiB.
 * Being that large, it collects young from the first collection after the
 * open on (its crossing map survived the restart).
 */
#include "gc/gc.h"
#include "tests/helpers/fixture.h"
#include "tests/tap.h"

static lo_value list;

static void roots_fn(void *ctx, lo_gc_visit_fn *visit, void *gc)
{
    (void)ctx;
    visit(&list, gc);
}

/* Allocate `bytes` of garbage conses. */
static void churn(lo_heap *h, struct lo_alloc_buffer *b, uint64_t bytes)
{
    for (uint64_t done = 0; done < bytes; done += 24) {
        uint64_t *cell = lo_heap_alloc(h, b, 3);
        if (!cell)
            bail_out("the store is full");
        cell[0] = lo_header(1, 3);
    }
}

int main(void)
{
    struct fixture fx = { 0 };
    fixture_heap(&fx, 131072, 1);   /* 512 MiB: a region of 170 MiB */
    lo_heap *h = fx.heap;
    struct lo_alloc_buffer b;
    lo_heap_register_buffer(h, &b);
    lo_heap_set_nursery(h, LO_HEAP_NURSERY, LO_HEAP_YOUNG_MIN_OLD);

    churn(h, &b, 7ull << 20);
    ok(!lo_heap_collection_due(h), "a fresh heap: not due after 7 MiB");
    churn(h, &b, 2ull << 20);
    ok(lo_heap_collection_due(h), "and due after 9 MiB");

    /* 40 MiB live, collected, synced. */
    for (uint64_t n = 0; n < (40ull << 20) / 24; n++) {
        uint64_t *cell = lo_heap_alloc(h, &b, 3);
        cell[0] = lo_header(1, 3);
        cell[1] = n << 2;
        cell[2] = list;
        list = (lo_value)(uintptr_t)cell | 1;
    }
    lo_heap_retire_buffers(h);
    struct lo_gc_result r;
    is_int(lo_gc_collect(h, roots_fn, NULL, &r), LO_OK, "collect");
    ok(r.live_bytes >= 40ull << 20, "40 MiB live (%llu bytes)",
       (unsigned long long)r.live_bytes);
    lo_heap_root(h)->roots[0] = list;
    lo_heap_unregister_buffer(h, &b);
    is_int(lo_ckpt_sync(fx.store), LO_OK, "synced");

    fixture_reopen(&fx);
    h = fx.heap;
    lo_heap_register_buffer(h, &b);
    lo_heap_set_nursery(h, LO_HEAP_NURSERY, LO_HEAP_YOUNG_MIN_OLD);
    /* 40 MiB live: young collections (gc/heap.h), every nursery, from
     * the first one after the open -- the crossing map survived */
    churn(h, &b, 16ull << 20);
    ok(!lo_heap_full_collection_due(h), "reopened: no full collection due "
       "after 16 MiB (the trigger is the heap's size, not 8 MiB again)");
    ok(lo_heap_collection_due(h), "a young one is (past the nursery)");
    churn(h, &b, 32ull << 20);
    ok(lo_heap_full_collection_due(h), "a full one due after 48 MiB (the "
       "heap doubled)");
    lo_heap_retire_buffers(h);
    list = lo_heap_root(h)->roots[0];
    is_int(lo_gc_collect_young(h, roots_fn, NULL, &r), LO_OK, "collect");
    ok(r.young, "the first collection after the open can be young");
    const char *bad = "";
    ok(lo_gc_verify(h, &bad) == 0, "and the heap verifies: %s", bad);
    lo_heap_unregister_buffer(h, &b);
    fixture_close(&fx);
    return done_testing();
}
