/*
 * gc_dense.c -- the collector's dense prefix (gc/collector.c): little
 * garbage low in a large heap (1 MiB under 32 MiB of live lists, as the
 * old system code an upgrade leaves under a store's data) is turned into
 * fillers instead of slid over, so no live object moves and the next
 * snapshot writes a page or two instead of the 8,192 the slide would; the
 * heap verifies, the lists are intact, and objects allocated later land
 * past them.  Much garbage low in the heap (16 MiB under 32) is compacted
 * as before but for the prefix with at most 1/16 of the live size dead,
 * and a small heap always compacts whole.
 */
#include <stdlib.h>
#include <string.h>

#include "gc/gc.h"
#include "tests/helpers/fixture.h"
#include "tests/tap.h"


enum { LISTS = 8 };
static lo_value roots[LISTS];

static void roots_fn(void *ctx, lo_gc_visit_fn *visit, void *gc)
{
    (void)ctx;
    for (int i = 0; i < LISTS; i++)
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

/* bytes of 3-word conses: garbage (not kept) or pushed on the lists. */
static void conses(lo_heap *h, struct lo_alloc_buffer *b, uint64_t bytes,
                   bool keep, uint64_t *sum)
{
    uint64_t end = lo_heap_bytes_used(h) + bytes;
    for (uint64_t n = 0; lo_heap_bytes_used(h) < end; n++) {
        uint64_t *cell = lo_heap_alloc(h, b, 3);
        cell[0] = lo_header(1, 3);
        cell[1] = n << 2;
        cell[2] = 0;
        if (keep) {
            int list = (int)(n % LISTS);
            cell[2] = roots[list];
            roots[list] = (lo_value)(uintptr_t)cell | 1;
            *sum += n;
        }
    }
}

static uint64_t walk(void)
{
    uint64_t sum = 0;
    for (int i = 0; i < LISTS; i++)
        for (lo_value v = roots[i]; v; v = deref(v)[2])
            sum += deref(v)[1] >> 2;
    return sum;
}

static void verify(lo_heap *h, const char *what)
{
    const char *why = "";
    uintptr_t bad = lo_gc_verify(h, &why);
    ok(bad == 0, "%s: the heap verifies%s%s", what, bad ? ": " : "", why);
}

/* garbage_mib of garbage, then live_mib of live lists; collect. */
static void run(uint64_t garbage_mib, uint64_t live_mib, bool dense)
{
    struct fixture fx = { 0 };
    fixture_heap(&fx, 65536, 1);                    /* 256 MiB */
    lo_heap *h = fx.heap;
    struct lo_alloc_buffer b;
    lo_heap_register_buffer(h, &b);
    memset(roots, 0, sizeof roots);
    char what[80];
    snprintf(what, sizeof what, "%llu MiB of garbage under %llu MiB live",
             (unsigned long long)garbage_mib, (unsigned long long)live_mib);
    uint64_t sum = 0;
    conses(h, &b, garbage_mib << 20, false, &sum);
    conses(h, &b, live_mib << 20, true, &sum);
    lo_value first = roots[0];
    lo_heap_retire_buffers(h);
    lo_ckpt_sync(fx.store);
    uint64_t used = lo_heap_bytes_used(h);

    struct lo_gc_result r;
    uint64_t faults = stats(fx.store).write_faults;
    is_int(lo_gc_collect(h, roots_fn, NULL, &r), LO_OK, "%s: collect", what);
    uint64_t written = stats(fx.store).write_faults - faults;
    lo_ckpt_sync(fx.store);
    struct lo_ckpt_stats after = stats(fx.store);
    diag("%s: %llu objects moved, %llu bytes freed, %llu pages written to, "
         "snapshot %llu pages", what, (unsigned long long)r.objects_moved,
         (unsigned long long)r.freed_bytes, (unsigned long long)written,
         (unsigned long long)after.last_snapshot_pages);
    if (dense) {
        is_uint(r.objects_moved, 0, "%s: no live object moved", what);
        ok(roots[0] == first, "%s: a list's head is where it was", what);
        /* a filler's header where the garbage starts, the root page, the
         * top's page, and the crossing map made by this first collection
         * of a heap this size: the live data's pages stay clean */
        ok(after.last_snapshot_pages <= 4 + fixture_crossing_bytes(lo_heap_root(h)) / 4096,
           "%s: the snapshot wrote %llu pages, not the live data's %llu",
           what, (unsigned long long)after.last_snapshot_pages,
           (unsigned long long)(live_mib << 20) / 4096);
        ok(lo_heap_bytes_used(h) <= used,
           "%s: the top did not grow", what);
    } else {
        ok(r.objects_moved > 0, "%s: the live objects slid down", what);
        /* all but what the prefix may keep: 1/16 of the live data */
        uint64_t kept = live_mib >= 16 ? (live_mib << 20) / 16 : 0;
        ok(lo_heap_bytes_used(h) <= used - (garbage_mib << 20) + kept + 65536,
           "%s: the garbage was given back (%llu -> %llu bytes)", what,
           (unsigned long long)used,
           (unsigned long long)lo_heap_bytes_used(h));
    }
    verify(h, what);
    is_uint(walk(), sum, "%s: the lists are intact", what);

    /* life goes on: more live data after the fillers, collected again */
    conses(h, &b, 1 << 20, true, &sum);
    lo_heap_retire_buffers(h);
    is_int(lo_gc_collect(h, roots_fn, NULL, &r), LO_OK,
           "%s: collect again", what);
    verify(h, what);
    is_uint(walk(), sum, "%s: the lists are intact again", what);
    lo_heap_unregister_buffer(h, &b);
    fixture_close(&fx);
}

int main(void)
{
    run(0, 32, true);
    run(1, 32, true);          /* 1/32 dead: under 1/16, left in place */
    run(16, 32, false);        /* half as much dead as live: compacted */
    run(1, 4, false);          /* a small heap: always compacted */
    return done_testing();
}
