/*
 * gc_bench.c -- the pause of a full collection with 100 MB and 500 MB of
 * live data, and with large objects beside them (make bench).
 *
 *   gc_bench FILE ARG...    ARG: MB, SMALL:LARGE, snapshot:MB or young:MB
 *
 * For each size, on a fresh store on FILE: builds MB megabytes of live
 * lists (conses of 3 words, as the Lisp layer lays them out, with a
 * string-like raw object every 16 conses) interleaved with about 1.6x as
 * much garbage, then times one collection (mark, offsets, update and
 * slide: the whole pause).  With SMALL:LARGE, LARGE megabytes of 1 MiB
 * byte vectors (the large-object space) are live too, and as many are
 * allocated and dropped.  With snapshot:MB, a sync comes before the
 * collection (so the slide takes a write fault on every page it writes)
 * and after it.  Prints
 *   bench gc-pause live=100MB ms=... moved=... freed=...MB
 *   bench gc-pause-large small=100MB large=200MB ms=... large-freed=...MB
 *   bench gc-pause-after-snapshot live=100MB ms=...
 *   bench gc-snapshot live=100MB heap-pages=... written-pages=...
 *         slots-before=... slots-after=...
 * the last: what the snapshot after the collection wrote, and the store's
 * used slots before and after (pages past the new top are released).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gc/gc.h"

static lo_value roots[65];      /* 64 lists, and the large objects' */
enum { OLD_CELLS = 1024 };
static lo_value old_cells[OLD_CELLS];   /* young:MB: old conses written */

static void roots_fn(void *ctx, lo_gc_visit_fn *visit, void *gc)
{
    (void)ctx;
    for (int i = 0; i < 65; i++)
        visit(&roots[i], gc);
    for (int i = 0; i < OLD_CELLS; i++)
        visit(&old_cells[i], gc);
}

static uint64_t *alloc(lo_heap *h, struct lo_alloc_buffer *b, size_t words)
{
    uint64_t *p = lo_heap_alloc(h, b, words);
    if (!p) {
        fprintf(stderr, "gc_bench: the store is full\n");
        exit(1);
    }
    return p;
}

static uint64_t *deref(lo_value v)
{
    return (uint64_t *)(uintptr_t)(v & ~7ull);
}

static int compare_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/*
 * young:MB -- on the heap of MB live, after a full collection: ROUNDS
 * times, 8 MiB allocated (a nursery) of which 1 cons in 16 is kept on the
 * lists, and 64 old conses written to point at new ones (what the store's
 * barrier sees); then a young collection, timed.  Then a full one on the
 * same heap, for comparison.
 */
static void young_rounds(lo_ckpt *c, lo_heap *h, struct lo_alloc_buffer *b,
                         uint64_t mb)
{
    enum { ROUNDS = 50 };
    uint64_t ns[ROUNDS], written = 0;
    /* old conses to write: the heads of the lists, and their cdrs */
    for (int i = 0; i < OLD_CELLS; i++) {
        lo_value v = roots[i % 64];
        for (int k = 0; k < i / 64 && deref(v)[2]; k++)
            v = deref(v)[2];
        old_cells[i] = v;
    }
    for (int round = 0; round < ROUNDS; round++) {
        uint64_t n0 = (uint64_t)round << 40;
        for (uint64_t words = 0, n = 0; words < (8u << 20) / 8; n++) {
            uint64_t *cell = alloc(h, b, 3);
            cell[0] = lo_header(1, 3);
            cell[1] = (n0 + n) << 2;
            cell[2] = 0;
            words += 3;
            if (n % 16 == 0) {
                int list = (int)(n % 64);
                cell[2] = roots[list];
                roots[list] = (lo_value)(uintptr_t)cell | 1;
            }
            if (n % 2048 == 0) {        /* an old cons's car: a new one */
                int k = (int)((n / 2048 + (uint64_t)round * 61) % OLD_CELLS);
                deref(old_cells[k])[1] = (lo_value)(uintptr_t)cell | 1;
                written++;
            }
        }
        struct lo_gc_result r;
        lo_gc_collect_young(h, roots_fn, NULL, &r);
        if (!r.young) {
            fprintf(stderr, "gc_bench: the collection was not young\n");
            exit(1);
        }
        ns[round] = r.ns;
        if (round == ROUNDS / 2)
            lo_ckpt_snapshot(c);        /* a flip among them */
    }
    qsort(ns, ROUNDS, sizeof ns[0], compare_u64);
    struct lo_gc_result full;
    lo_gc_collect(h, roots_fn, NULL, &full);
    printf("bench gc-young live=%lluMB nursery=8MB collections=%d "
           "old-writes=%llu p50-ms=%.2f p99-ms=%.2f max-ms=%.2f "
           "full-ms=%.1f ratio=%.1f\n", (unsigned long long)mb, ROUNDS,
           (unsigned long long)written, ns[ROUNDS / 2] / 1e6,
           ns[ROUNDS * 99 / 100] / 1e6, ns[ROUNDS - 1] / 1e6, full.ns / 1e6,
           (double)full.ns / (double)ns[ROUNDS * 99 / 100]);
}

static void run(const char *path, uint64_t mb, uint64_t large_mb, bool snap,
                bool young)
{
    unlink(path);
    lo_disk *d;
    struct lo_disk_open_options o = { .create = true,
                                      .size_bytes = ((mb + large_mb) * 10 +
                                                     512) << 20 };
    /* the heap gets ~3x mb (live + garbage); every page has 3 slots */
    if (lo_host_disk_open(path, &o, &d) != LO_OK) {
        fprintf(stderr, "gc_bench: cannot open %s\n", path);
        exit(1);
    }
    char why[256];
    struct lo_ckpt_options co = { .create = true };
    lo_ckpt *c;
    lo_heap *h;
    int fresh;
    if (lo_ckpt_open(d, &co, &c, why, sizeof why) != LO_OK ||
        lo_heap_open(c, 1, "bench", &h, &fresh, why, sizeof why) != LO_OK) {
        fprintf(stderr, "gc_bench: %s\n", why);
        exit(1);
    }
    struct lo_alloc_buffer b;
    lo_heap_register_buffer(h, &b);
    if (young)                  /* young collections are asked for */
        lo_heap_set_nursery(h, LO_HEAP_NURSERY, LO_HEAP_YOUNG_MIN_OLD);
    uint64_t live_words = mb << 17, words = 0;
    for (int i = 0; i < 65; i++)
        roots[i] = 0;
    /* large objects: 1 MiB byte vectors, every other one kept (on a list
     * of conses from root 64) */
    enum { MIB_WORDS = (1 << 20) / 8 };
    for (uint64_t n = 0; n < 2 * large_mb; n++) {
        uint64_t *v = lo_heap_alloc_large(h, MIB_WORDS);
        if (!v) {
            fprintf(stderr, "gc_bench: the large-object space is full\n");
            exit(1);
        }
        v[0] = lo_header_raw(4, MIB_WORDS, 1);
        v[1] = (MIB_WORDS - 2) * 8 << 2;
        for (uint64_t i = 2; i < MIB_WORDS; i += 512)
            v[i] = n;                               /* touch every page */
        if (n % 2)
            continue;                               /* garbage */
        uint64_t *cell = alloc(h, &b, 3);
        cell[0] = lo_header(1, 3);
        cell[1] = (lo_value)(uintptr_t)v | 3;
        cell[2] = roots[64] ? roots[64] : 0;
        roots[64] = (lo_value)(uintptr_t)cell | 1;
    }
    for (uint64_t n = 0; words < live_words; n++) {
        int list = (int)(n % 64);
        uint64_t *cell = alloc(h, &b, 3);
        cell[0] = lo_header(1, 3);
        cell[1] = n << 2;                           /* a fixnum */
        cell[2] = roots[list] ? roots[list] : 0;    /* cdr */
        roots[list] = (lo_value)(uintptr_t)cell | 1;
        words += 3;
        if (n % 16 == 0) {                          /* a raw object */
            uint64_t *s = alloc(h, &b, 8);
            s[0] = lo_header_raw(3, 8, 1);
            s[1] = 24 << 2;
            cell[1] = (lo_value)(uintptr_t)s | 3;
            words += 8;
        }
        uint64_t *junk = alloc(h, &b, 3 + n % 8);   /* garbage */
        junk[0] = lo_header(1, 3 + n % 8);     /* unreachable */
    }
    lo_heap_retire_buffers(h);
    uint64_t heap_pages = lo_heap_bytes_used(h) / 4096;
    struct lo_ckpt_stats st;
    uint64_t slots_before = 0;
    if (snap) {
        lo_ckpt_sync(c);
        lo_ckpt_stats(c, &st);
        slots_before = st.slots_used;
    }
    struct lo_gc_result r;
    lo_gc_collect(h, roots_fn, NULL, &r);
    if (young) {
        young_rounds(c, h, &b, mb);
    } else if (snap) {
        printf("bench gc-pause-after-snapshot live=%lluMB ms=%.1f\n",
               (unsigned long long)mb, r.ns / 1e6);
        lo_ckpt_sync(c);
        lo_ckpt_stats(c, &st);
        printf("bench gc-snapshot live=%lluMB heap-pages=%llu "
               "written-pages=%llu slots-before=%llu slots-after=%llu\n",
               (unsigned long long)mb, (unsigned long long)heap_pages,
               (unsigned long long)st.last_snapshot_pages,
               (unsigned long long)slots_before,
               (unsigned long long)st.slots_used);
    } else if (large_mb) {
        printf("bench gc-pause-large small=%lluMB large=%lluMB ms=%.1f "
               "moved=%llu large-freed=%lluMB\n", (unsigned long long)mb,
               (unsigned long long)large_mb, r.ns / 1e6,
               (unsigned long long)r.objects_moved,
               (unsigned long long)(r.large_freed_bytes >> 20));
    } else {
        printf("bench gc-pause live=%lluMB ms=%.1f moved=%llu freed=%lluMB\n",
               (unsigned long long)mb, r.ns / 1e6,
               (unsigned long long)r.objects_moved,
               (unsigned long long)(r.freed_bytes >> 20));
    }
    lo_heap_unregister_buffer(h, &b);
    lo_heap_close(h);
    lo_ckpt_close(c);
    lo_disk_close(d);
    unlink(path);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: gc_bench FILE MB...\n");
        return 2;
    }
    for (int i = 2; i < argc; i++) {
        const char *arg = argv[i];
        bool snap = !strncmp(arg, "snapshot:", 9);
        bool young = !strncmp(arg, "young:", 6);
        char *rest;
        uint64_t mb = strtoull(snap ? arg + 9 : young ? arg + 6 : arg, &rest,
                               10), large = 0;
        if (*rest == ':')
            large = strtoull(rest + 1, NULL, 10);
        run(argv[1], mb, large, snap, young);
    }
    return 0;
}
