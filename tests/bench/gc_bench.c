/*
 * gc_bench.c -- the pause of a full collection with 100 MB and 500 MB of
 * live data (make bench).
 *
 *   gc_bench FILE MB...
 *
 * For each size, on a fresh store on FILE: builds MB megabytes of live
 * lists (conses of 3 words, as the Lisp layer lays them out, with a
 * string-like raw object every 16 conses) interleaved with as much
 * garbage, then times one collection (mark, offsets, update and slide:
 * the whole pause).  Prints
 *   bench gc-pause live=100MB ms=... moved=... freed=...MB
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "gc/gc.h"

static lo_value roots[64];

static void roots_fn(void *ctx, lo_gc_visit_fn *visit, void *gc)
{
    (void)ctx;
    for (int i = 0; i < 64; i++)
        visit(&roots[i], gc);
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

static void run(const char *path, uint64_t mb)
{
    unlink(path);
    lo_disk *d;
    struct lo_disk_open_options o = { .create = true,
                                      .size_bytes = (mb * 10 + 512) << 20 };
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
        lo_heap_open(c, 1, &h, &fresh, why, sizeof why) != LO_OK) {
        fprintf(stderr, "gc_bench: %s\n", why);
        exit(1);
    }
    struct lo_alloc_buffer b;
    lo_heap_register_buffer(h, &b);
    uint64_t live_words = mb << 17, words = 0;
    for (int i = 0; i < 64; i++)
        roots[i] = 0;
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
    struct lo_gc_result r;
    lo_gc_collect(h, roots_fn, NULL, &r);
    printf("bench gc-pause live=%lluMB ms=%.1f moved=%llu freed=%lluMB\n",
           (unsigned long long)mb, r.ns / 1e6,
           (unsigned long long)r.objects_moved,
           (unsigned long long)(r.freed_bytes >> 20));
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
    for (int i = 2; i < argc; i++)
        run(argv[1], strtoull(argv[i], NULL, 10));
    return 0;
}
