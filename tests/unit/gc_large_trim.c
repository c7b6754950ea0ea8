/*
 * gc_large_trim.c -- the pages the heap gives back before a snapshot's
 * flip (gc/heap.c, trim_before_flip: those past the small-object space's
 * top that allocation wrote since the last flip) never include a large
 * object's.
 *
 * The small-object space grows high, a collection drops its top, and
 * before the next snapshot the large-object space grows down into the
 * space the small objects had left (it may: only the top bounds it).
 * The snapshot's trim must not take those pages.  It used to: it gave
 * back everything from the top to the highest the top had been since the
 * last flip, and the large objects there read as zeros -- their headers
 * 0, the collection after panicking ("gc: bad large block header 0x0"),
 * and a reference to one reading as an object of type 0 before that.
 * lispos-server met it with 100 MB byte vectors in a 1 GiB store, after
 * a REPLACE had copied one into an 800 MB simple vector and been
 * collected.
 *
 * The same with a release slack (the running Lisp's setting): the
 * collection keeps the slack past the new top, and the large objects
 * made in it survive the flip too.
 */
#include <string.h>

#include "gc/gc.h"
#include "tests/helpers/fixture.h"
#include "tests/tap.h"

enum { MAX_LARGE = 96, LARGE_WORDS = (1 << 20) / 8 };   /* 1 MiB each */
#define TAG_OBJECT 3ull

static lo_value roots[MAX_LARGE];
static int nlarge;

static void roots_fn(void *ctx, lo_gc_visit_fn *visit, void *gc)
{
    (void)ctx;
    for (int i = 0; i < nlarge; i++)
        visit(&roots[i], gc);
}

static uint64_t *deref(lo_value v)
{
    return (uint64_t *)(uintptr_t)(v & ~(0xfull << 60 | 7));
}

static uint64_t pattern(int id, uint64_t i)
{
    return (uint64_t)id * 1000003u + i;
}

/* A large raw object (no value words past its length) whose words all
 * hold a pattern: each of its pages written. */
static void make_large(lo_heap *h, int id)
{
    uint64_t *p = lo_heap_alloc_large(h, LARGE_WORDS);
    if (!p)
        bail_out("the large-object space is full");
    p[0] = lo_header_raw(7, LARGE_WORDS, 1);
    p[1] = (uint64_t)id << 2;
    for (uint64_t i = 2; i < LARGE_WORDS; i++)
        p[i] = pattern(id, i);
    roots[id] = (lo_value)(uintptr_t)p | TAG_OBJECT;
}

/* The large objects whose header or contents are not what was written. */
static int broken(void)
{
    int n = 0;
    for (int id = 0; id < nlarge; id++) {
        uint64_t *p = deref(roots[id]);
        int bad = p[0] != lo_header_raw(7, LARGE_WORDS, 1) ||
                  p[1] != (uint64_t)id << 2;
        for (uint64_t i = 2; i < LARGE_WORDS && !bad; i += 61)
            bad = p[i] != pattern(id, i);
        bad |= p[LARGE_WORDS - 1] != pattern(id, LARGE_WORDS - 1);
        n += bad;
    }
    return n;
}

/* Small garbage up to `bytes` of the heap, then a collection with only
 * the large objects as roots: the top drops back to the start.  Then
 * large objects until the space's bottom lies 8 MiB under where the top
 * was or, when past_top is not 0, that many bytes past the new top. */
static void round_of(struct fixture *fx, struct lo_alloc_buffer *b,
                     uint64_t bytes, uint64_t past_top, const char *what)
{
    lo_heap *h = fx->heap;
    const char *why;
    while (lo_heap_bytes_used(h) < bytes) {
        uint64_t *junk = lo_heap_alloc(h, b, 1000);
        if (!junk)
            bail_out("%s: the heap is full", what);
        junk[0] = lo_header(2, 1000);
    }
    uint64_t *high = lo_heap_top(h);
    lo_heap_retire_buffers(h);
    struct lo_gc_result r;
    is_int(lo_gc_collect(h, roots_fn, NULL, &r), LO_OK,
           "%s: %llu MiB of small garbage collected", what,
           (unsigned long long)(r.freed_bytes >> 20));
    ok(lo_heap_top(h) < high - (bytes >> 4), "%s: the top dropped", what);
    char *floor = past_top ? (char *)lo_heap_top(h) + past_top
                           : (char *)high - (8 << 20);
    int first = nlarge;
    while ((char *)lo_heap_large_bottom(h) > floor) {
        if (nlarge == MAX_LARGE)
            bail_out("%s: too many large objects", what);
        make_large(h, nlarge++);
    }
    ok(nlarge > first && deref(roots[nlarge - 1]) < high,
       "%s: %d large objects made, down to %llu KiB below where the top "
       "was", what, nlarge - first,
       (unsigned long long)((char *)high -
                            (char *)deref(roots[nlarge - 1])) >> 10);
    is_int(broken(), 0, "%s: all %d large objects intact before the "
           "snapshot", what, nlarge);

    is_int(lo_ckpt_sync(fx->store), LO_OK, "%s: snapshot", what);
    is_int(broken(), 0, "%s: all large objects intact after the snapshot's "
           "flip", what);
    uintptr_t at = lo_gc_verify(h, &why);
    ok(at == 0, "%s: verify: %s", what, at ? why : "clean");
    if (at)     /* the next collection would panic on the zeroed header */
        bail_out("%s: the large-object space is corrupt", what);
    is_int(lo_gc_collect(h, roots_fn, NULL, &r), LO_OK,
           "%s: a collection after it", what);
    is_int((long long)r.large_live_bytes,
           (long long)nlarge * LARGE_WORDS * 8,
           "%s: every large object live after it", what);
    is_int(broken(), 0, "%s: and intact", what);
}

int main(void)
{
    struct fixture fx = { 0 };
    fixture_heap(&fx, 65536, 1);
    lo_heap *h = fx.heap;
    /* Full collections only: a heap this size would keep a crossing map
     * for young ones in a block of the large-object space, and this test
     * counts that space's blocks exactly. */
    lo_heap_set_nursery(h, 0, 0);
    uint64_t size = (uint64_t)((char *)lo_heap_large_end(h) -
                               (char *)lo_heap_root(h));
    diag("a heap of %llu MiB", (unsigned long long)(size >> 20));
    struct lo_alloc_buffer b;
    lo_heap_register_buffer(h, &b);

    /* No slack: the collection gave back the pages past its new top,
     * the large objects took some of them, the snapshot trims. */
    round_of(&fx, &b, size / 2, 0, "no slack");

    /* A slack of the whole heap (capped at the next trigger, 8 MiB): the
     * collection keeps the pages past the new top, and the large
     * objects come down through what it released into what it kept. */
    lo_heap_set_release_slack(h, size);
    nlarge = 0;                 /* the first round's go: the space empties */
    struct lo_gc_result r;
    lo_heap_retire_buffers(h);
    lo_gc_collect(h, roots_fn, NULL, &r);
    ok(lo_heap_large_bottom(h) == lo_heap_large_end(h),
       "the first round's large objects dropped: the space is empty");
    ok(lo_heap_release_slack(h) >= 8ull << 20, "a slack of %llu MiB",
       (unsigned long long)(lo_heap_release_slack(h) >> 20));
    /* down to 4 MiB past the new top: into the pages the slack kept */
    round_of(&fx, &b, size / 2, 4 << 20, "slack");

    /* All still there after a reopen. */
    struct lo_heap_root *hr = lo_heap_root(h);
    lo_heap_unregister_buffer(h, &b);
    for (int i = 0; i < nlarge && i < LO_HEAP_ROOTS; i++)
        hr->roots[i] = roots[i];
    is_int(lo_ckpt_sync(fx.store), LO_OK, "sync");
    fixture_reopen(&fx);
    hr = lo_heap_root(fx.heap);
    for (int i = 0; i < nlarge && i < LO_HEAP_ROOTS; i++)
        roots[i] = hr->roots[i];
    if (nlarge > LO_HEAP_ROOTS)
        nlarge = LO_HEAP_ROOTS;
    is_int(broken(), 0, "reopened: the large objects intact");
    const char *why;
    uintptr_t at = lo_gc_verify(fx.heap, &why);
    ok(at == 0, "reopened: verify: %s", at ? why : "clean");
    fixture_close(&fx);
    return done_testing();
}
