/*
 * gc_release.c -- a collection gives the pages past the new top back to
 * ckpt: a heap grows to 96 MiB of which about 1/16 stays live, a snapshot
 * writes it all; then a collection slides the live data down and the next
 * snapshot writes only the live pages, the store's used slots drop to
 * about the live size, and the live data is intact after a reopen.  The
 * same for the large-object space: the pages of a freed large object are
 * not written and stop using slots.
 */
#include <stdlib.h>
#include <string.h>

#include "gc/gc.h"
#include "tests/helpers/fixture.h"
#include "tests/tap.h"

enum { LISTS = 16 };
static lo_value roots[LISTS + 1];

static void roots_fn(void *ctx, lo_gc_visit_fn *visit, void *gc)
{
    (void)ctx;
    for (int i = 0; i <= LISTS; i++)
        visit(&roots[i], gc);
}

static uint64_t *deref(lo_value v)
{
    return (uint64_t *)(uintptr_t)(v & ~(0xfull << 60 | 7));
}

static struct lo_ckpt_stats stats(lo_ckpt *c)
{
    struct lo_ckpt_stats s;
    lo_ckpt_stats(c, &s);
    return s;
}

/* Sum of the fixnums down every list (and its count). */
static uint64_t walk(uint64_t *count)
{
    uint64_t sum = 0;
    *count = 0;
    for (int i = 0; i < LISTS; i++)
        for (lo_value v = roots[i]; v; v = deref(v)[2]) {
            sum += deref(v)[1] >> 2;
            ++*count;
        }
    return sum;
}

int main(void)
{
    struct fixture fx = { 0 };
    fixture_heap(&fx, 131072, 1);                  /* 512 MiB */
    lo_ckpt *c = fx.store;
    lo_heap *h = fx.heap;
    struct lo_alloc_buffer b;
    lo_heap_register_buffer(h, &b);

    /* 96 MiB: conses (3 words) kept on LISTS lists, 1 in 16 of them, the
     * others garbage. */
    const uint64_t heap_bytes = 96ull << 20;
    uint64_t kept = 0, sum = 0;
    for (uint64_t n = 0; lo_heap_bytes_used(h) < heap_bytes; n++) {
        uint64_t *cell = lo_heap_alloc(h, &b, 3);
        cell[0] = lo_header(1, 3);
        cell[1] = n << 2;
        if (n % 16 == 0) {
            int list = (int)(n / 16 % LISTS);
            cell[2] = roots[list];
            roots[list] = (lo_value)(uintptr_t)cell | 1;
            kept++;
            sum += n;
        }
    }
    is_int(lo_ckpt_sync(c), LO_OK, "a 96 MiB heap, synced");
    struct lo_ckpt_stats before = stats(c);
    diag("snapshot of the grown heap: %llu pages written, %llu slots used",
         (unsigned long long)before.last_snapshot_pages,
         (unsigned long long)before.slots_used);
    ok(before.slots_used >= heap_bytes / 4096, "it uses a slot per page "
       "(%llu)", (unsigned long long)before.slots_used);

    struct lo_gc_result r;
    lo_heap_retire_buffers(h);
    is_int(lo_gc_collect(h, roots_fn, NULL, &r), LO_OK, "collect");
    uint64_t live_pages = (r.live_bytes + 4095) / 4096 + 1;   /* + root */
    diag("collection: %llu bytes live, %llu freed, %llu pages released, "
         "%.1f ms", (unsigned long long)r.live_bytes,
         (unsigned long long)r.freed_bytes,
         (unsigned long long)r.released_pages, r.ns / 1e6);
    ok(r.released_pages >= (heap_bytes - r.live_bytes) / 4096 - 2,
       "the pages past the new top were released (%llu)",
       (unsigned long long)r.released_pages);

    is_int(lo_ckpt_sync(c), LO_OK, "sync after the collection");
    struct lo_ckpt_stats after = stats(c);
    diag("snapshot after the collection: %llu pages written (%.1f MiB), "
         "%llu slots used; live data %llu pages",
         (unsigned long long)after.last_snapshot_pages,
         after.last_snapshot_bytes / 1048576.0,
         (unsigned long long)after.slots_used,
         (unsigned long long)live_pages);
    ok(after.last_snapshot_pages <= live_pages + 2,
       "the snapshot wrote only the live pages (%llu <= %llu)",
       (unsigned long long)after.last_snapshot_pages,
       (unsigned long long)live_pages + 2);
    ok(after.slots_used <= live_pages + 2,
       "the store's used slots shrank to the live pages (%llu -> %llu)",
       (unsigned long long)before.slots_used,
       (unsigned long long)after.slots_used);
    uint64_t count, got = walk(&count);
    ok(count == kept && got == sum, "the live lists are intact (%llu cells)",
       (unsigned long long)count);

    /* Large objects: 8 MiB of them, all dropped; after a collection and a
     * sync they use no slot. */
    uint64_t *big[8];
    for (int i = 0; i < 8; i++) {
        big[i] = lo_heap_alloc_large(h, (1 << 20) / 8);
        big[i][0] = lo_header_raw(7, (1 << 20) / 8, 1);
        big[i][1] = 0;
        memset(big[i] + 2, 0x5a, (1 << 20) - 16);
    }
    roots[LISTS] = (lo_value)(uintptr_t)big[3] | 3;
    lo_ckpt_sync(c);
    struct lo_ckpt_stats with = stats(c);
    ok(with.slots_used >= after.slots_used + 8 * 256,
       "8 MiB of large objects written: %llu slots used",
       (unsigned long long)with.slots_used);
    lo_gc_collect(h, roots_fn, NULL, &r);
    lo_ckpt_sync(c);
    struct lo_ckpt_stats without = stats(c);
    ok(r.large_freed_bytes == 7 * (1 << 20),
       "7 of them freed (%llu bytes)",
       (unsigned long long)r.large_freed_bytes);
    ok(without.slots_used <= after.slots_used + 256 + 2 + 2,
       "their pages stopped using slots: %llu -> %llu",
       (unsigned long long)with.slots_used,
       (unsigned long long)without.slots_used);
    ok(without.last_snapshot_pages <= 10, "and the snapshot wrote %llu pages "
       "(nothing small moved: the live pages stayed clean)",
       (unsigned long long)without.last_snapshot_pages);

    /* With a release slack the collection keeps the freed pages for the
     * next allocations (up to the next trigger: 8 MiB at least); the heap
     * gives them back just before the next snapshot, which writes none
     * of that garbage. */
    lo_heap_set_release_slack(h, 256ull << 20);
    uint64_t garbage_from = lo_heap_bytes_used(h);
    while (lo_heap_bytes_used(h) < garbage_from + (6ull << 20)) {
        uint64_t *cell = lo_heap_alloc(h, &b, 3);
        cell[0] = lo_header(1, 3);
    }
    lo_heap_retire_buffers(h);
    lo_gc_collect(h, roots_fn, NULL, &r);
    ok(r.released_pages < 16, "a collection with a slack keeps the 6 MiB "
       "it freed (%llu pages released)",
       (unsigned long long)r.released_pages);
    is_int(lo_ckpt_sync(c), LO_OK, "sync");
    struct lo_ckpt_stats trimmed = stats(c);
    ok(trimmed.last_snapshot_pages <= 16, "the snapshot wrote %llu pages: "
       "none of the 1536 of garbage past the top",
       (unsigned long long)trimmed.last_snapshot_pages);
    ok(trimmed.slots_used <= without.slots_used + 16,
       "and they use no slot (%llu -> %llu)",
       (unsigned long long)without.slots_used,
       (unsigned long long)trimmed.slots_used);

    /* Reopen: the live data is all there. */
    struct lo_heap_root *hr = lo_heap_root(h);
    for (int i = 0; i <= LISTS; i++)
        hr->roots[i] = roots[i];
    lo_ckpt_sync(c);
    lo_heap_unregister_buffer(h, &b);
    fixture_reopen(&fx);
    h = fx.heap;
    hr = lo_heap_root(h);
    for (int i = 0; i <= LISTS; i++)
        roots[i] = hr->roots[i];
    got = walk(&count);
    ok(count == kept && got == sum, "reopened: the live lists are intact");
    uint64_t *b3 = deref(roots[LISTS]);
    int same = b3 == big[3];
    for (int i = 16; i < (1 << 20) / 8 && same; i += 97)
        same = b3[i] == 0x5a5a5a5a5a5a5a5aull;
    ok(same, "reopened: the large object kept is where it was, intact");
    const char *bad;
    ok(lo_gc_verify(h, &bad) == 0, "reopened: verify");
    fixture_close(&fx);
    return done_testing();
}
