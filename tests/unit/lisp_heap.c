/*
 * lisp_heap.c -- the persistent heap's root page: a fresh heap is
 * recognised, a built one is found again, a heap built by other system
 * code is refused with a clear message, and a store holding something else
 * is not taken for a heap.
 */
#include "gc/gc.h"
#include "tests/helpers/fixture.h"
#include "tests/tap.h"

int main(void)
{
    struct fixture fx = { 0 };
    fixture_store(&fx, 8192);
    lo_ckpt *c = fx.store;
    char why[300];
    lo_heap *h;
    int fresh = 0;
    is_int(lo_heap_open(c, 0x1111, "test", &h, &fresh, why, sizeof why), LO_OK, "open a new heap");
    ok(fresh, "it is fresh");
    struct lo_alloc_buffer buf;
    lo_heap_register_buffer(h, &buf);
    uint64_t *obj = lo_heap_alloc(h, &buf, 3);
    ok(obj && obj[0] == 0 && obj[2] == 0, "allocation gives zeroed words");
    obj[1] = 42;
    obj[0] = lo_header(1, 3);
    lo_heap_unregister_buffer(h, &buf);     /* the rest becomes a filler */
    uint64_t top = lo_heap_bytes_used(h);
    /* verified before the message is made: arguments are evaluated in
     * no set order, and why_bad is only set by lo_gc_verify */
    const char *why_bad;
    uintptr_t bad = lo_gc_verify(h, &why_bad);
    ok(bad == 0, "the heap walks cleanly %s", why_bad);
    lo_heap_close(h);

    is_int(lo_heap_open(c, 0x1111, "test", &h, &fresh, why, sizeof why), LO_OK, "reopen it");
    ok(!fresh && lo_heap_bytes_used(h) == top && obj[1] == 42,
       "found again, with its objects, at the same address");
    lo_heap_close(h);

    is_int(lo_heap_open(c, 0x2222, "test", &h, &fresh, why, sizeof why), LO_EINVAL,
           "lo_heap_open refuses a heap built by other system code");
    ok(strstr(why, "would have to be upgraded") != NULL, "clearly: %s", why);

    ((uint64_t *)lo_ckpt_base(c))[0] = 0xdeadbeef;     /* not a heap */
    is_int(lo_heap_open(c, 0x1111, "test", &h, &fresh, why, sizeof why), LO_ECORRUPT,
           "a store that holds something else is not taken for a heap");
    fixture_close(&fx);
    return done_testing();
}
