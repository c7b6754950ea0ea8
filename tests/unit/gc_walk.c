/*
 * gc_walk.c -- lo_heap_for_each_object (gc/heap.h), the walk over every
 * object's header: it sees each object once, small and large, in address
 * order, and nothing else -- not the fillers an unregistered buffer
 * leaves, not the unused rest of a buffer still in use (it retires the
 * buffers first), not the free large blocks; after a collection, only the
 * survivors; and it stops, saying so, at a malformed header.
 */
#include <string.h>

#include "gc/gc.h"
#include "tests/helpers/fixture.h"
#include "tests/tap.h"

enum { SMALL = 500, LARGE = 3, KEPT = 7 };
#define TAG_OBJECT 3ull

/* Objects of this test: type 1 (values) or 2 (raw tail), word 1 = id. */
struct seen {
    int count;                  /* objects the walk reported */
    int times[SMALL + LARGE];   /* per id */
    bool ordered;               /* addresses increasing (small space) */
    uint64_t *last;
    int large;                  /* in the large-object space */
    int strangers;              /* anything that is not one of ours */
    lo_heap *h;
};

static void note(uint64_t *object, void *ctx)
{
    struct seen *s = ctx;
    unsigned type = object[0] & 0xff;
    int64_t id = (int64_t)object[1] >> 2;
    if ((type != 1 && type != 2) || id < 0 || id >= SMALL + LARGE) {
        s->strangers++;
        return;
    }
    s->count++;
    s->times[id]++;
    if (lo_heap_in_large(s->h, object)) {
        s->large++;
    } else {
        if (s->last && object <= s->last)
            s->ordered = false;
        s->last = object;
    }
}

static struct seen walk(lo_heap *h, bool *complete)
{
    struct seen s = { .ordered = true, .h = h };
    *complete = lo_heap_for_each_object(h, note, &s);
    return s;
}

static bool each_once(const struct seen *s, int from, int to)
{
    for (int id = from; id < to; id++)
        if (s->times[id] != 1)
            return false;
    return true;
}

static lo_value kept[KEPT];

static void roots_fn(void *ctx, lo_gc_visit_fn *visit, void *gc)
{
    (void)ctx;
    for (int i = 0; i < KEPT; i++)
        visit(&kept[i], gc);
}

int main(void)
{
    struct fixture fx = { 0 };
    fixture_heap(&fx, 16384, 1);                   /* 64 MiB */
    lo_heap *h = fx.heap;
    struct lo_alloc_buffer b;
    lo_heap_register_buffer(h, &b);

    bool complete;
    struct seen s = walk(h, &complete);
    ok(complete && s.count == 0 && s.strangers == 0,
       "an empty heap: a complete walk that finds nothing");

    uint64_t *objects[SMALL + LARGE];
    for (int id = 0; id < SMALL; id++) {
        bool raw = id % 3 == 0;
        uint64_t words = 2 + (uint64_t)(id % 7) + (id % 100 == 99 ? 3000 : 0);
        uint64_t *p = lo_heap_alloc(h, &b, words);
        p[0] = raw ? lo_header_raw(2, words, 1) : lo_header(1, words);
        p[1] = (uint64_t)id << 2;
        objects[id] = p;
    }
    for (int id = SMALL; id < SMALL + LARGE; id++) {
        uint64_t words = (LO_HEAP_LARGE_BYTES / 8) * (uint64_t)(id - SMALL + 1);
        uint64_t *p = lo_heap_alloc_large(h, words);
        p[0] = lo_header_raw(2, words, 1);
        p[1] = (uint64_t)id << 2;
        objects[id] = p;
    }
    /* The buffer is still in use: the rest of its chunk is zeros. */
    s = walk(h, &complete);
    ok(complete, "the walk completes with a buffer in use (it retires it)");
    is_int(s.count, SMALL + LARGE, "every object is seen");
    ok(each_once(&s, 0, SMALL + LARGE), "each one once");
    is_int(s.large, LARGE, "the large ones too");
    ok(s.ordered, "small objects in address order");
    is_int(s.strangers, 0, "fillers are not reported");
    const char *why = "";
    ok(lo_gc_verify(h, &why) == 0, "the heap still verifies %s", why);

    /* Keep a few, small and large; collect; walk again. */
    for (int i = 0; i < KEPT; i++) {
        int id = i < KEPT - 1 ? i * 61 : SMALL + 1;
        kept[i] = (lo_value)(uintptr_t)objects[id] | TAG_OBJECT;
    }
    struct lo_gc_result r;
    is_int(lo_gc_collect(h, roots_fn, NULL, &r), LO_OK, "collected");
    s = walk(h, &complete);
    ok(complete && s.count == KEPT && s.strangers == 0,
       "after a collection only the %d survivors are seen (%d)", KEPT,
       s.count);
    bool survivors = true;
    for (int i = 0; i < KEPT; i++) {
        int id = i < KEPT - 1 ? i * 61 : SMALL + 1;
        survivors = survivors && s.times[id] == 1;
    }
    ok(survivors, "they are the ones kept");
    ok(s.large == 1, "one of them large; the freed blocks are skipped");

    /* A malformed header cuts the walk short. */
    uint64_t *first = lo_heap_start(h);
    uint64_t saved = first[0];
    first[0] = 1;                       /* a type, and a size of 0 */
    s = walk(h, &complete);
    ok(!complete, "a header of size 0 ends the walk, reported");
    first[0] = lo_header(1, 1ull << 30);
    s = walk(h, &complete);
    ok(!complete, "so does one past the top");
    first[0] = saved;
    s = walk(h, &complete);
    ok(complete && s.count == KEPT, "mended, it walks again");

    /* Zeros where objects were: what a buffer's unused rest is when the
     * run that took it ended without retiring it (after a snapshot). */
    uint64_t *gap = lo_value_address(kept[1]);
    memset(gap, 0, lo_header_words(gap[0]) * 8);
    s = walk(h, &complete);
    ok(complete && s.count == KEPT - 1 && s.times[61] == 0,
       "zero words are skipped, and the walk goes on past them (%d)",
       s.count);

    lo_heap_unregister_buffer(h, &b);
    fixture_close(&fx);
    return done_testing();
}
