/*
 * ckpt_release.c -- lo_ckpt_release: released pages read as zeros, are not
 * written by the next snapshot, stop using a disk slot once that snapshot
 * is durable, and the durable snapshot before it keeps them until then
 * (a close without sync is a crash, as far as the store is concerned).
 * Also: grown pages are absent (nothing written for them), a version 1 the
 * writer still needs survives its page's release (copied aside), evicted
 * pages release too, and a released page written again is a page like any.
 */
#include <stdlib.h>

#include "ckpt/ckpt.h"
#include "ckpt/layout.h"
#include "tests/helpers/fixture.h"
#include "tests/tap.h"

static struct fixture fx;

static lo_ckpt *open_store(bool create, uint64_t budget)
{
    return fixture_try_store(&fx, (struct lo_ckpt_options){
        .create = create, .frame_budget = budget });
}

static unsigned char *page_at(lo_ckpt *c, uint64_t n)
{
    return (unsigned char *)lo_ckpt_base(c) + n * 4096;
}

static void fill(lo_ckpt *c, uint64_t n, unsigned stamp)
{
    for (unsigned i = 0; i < 4096; i += 8) {
        uint64_t v = n * 1000003u + stamp * 7919u + i + 1;
        memcpy(page_at(c, n) + i, &v, 8);
    }
}

/* Pages in [from, to) whose contents are not what stamps[] says
 * (0 = zeros). */
static int bad_pages(lo_ckpt *c, uint64_t from, uint64_t to,
                     const unsigned *stamps)
{
    int bad = 0;
    for (uint64_t n = from; n < to; n++) {
        const unsigned char *p = page_at(c, n);
        int wrong = 0;
        for (unsigned i = 0; i < 4096 && !wrong; i += 8) {
            uint64_t v, want = stamps[n] ? n * 1000003u + stamps[n] * 7919u +
                                           i + 1 : 0;
            memcpy(&v, p + i, 8);
            wrong = v != want;
        }
        bad += wrong;
    }
    return bad;
}

static struct lo_ckpt_stats stats(lo_ckpt *c)
{
    struct lo_ckpt_stats s;
    lo_ckpt_stats(c, &s);
    return s;
}

enum { PAGES = 512 };
static unsigned stamps[PAGES];

int main(void)
{
    fixture_ram_disk(&fx, 16384);                           /* 64 MiB */
    lo_ckpt *c = open_store(true, 0);
    if (!c)
        bail_out("no store");

    /* Growth writes nothing: grown pages are absent. */
    is_int(lo_ckpt_grow(c, PAGES), LO_OK, "grow to %d pages", PAGES);
    is_int(lo_ckpt_sync(c), LO_OK, "sync the grown store");
    struct lo_ckpt_stats s = stats(c);
    is_int((long long)s.last_snapshot_pages, 0,
           "a snapshot of grown, unwritten pages writes no page");
    is_int((long long)s.slots_used, 0, "and they use no slot");

    for (uint64_t n = 0; n < PAGES; n++) {
        fill(c, n, 1);
        stamps[n] = 1;
    }
    is_int(lo_ckpt_sync(c), LO_OK, "write every page, sync");
    s = stats(c);
    is_int((long long)s.last_snapshot_pages, PAGES, "%d pages written", PAGES);
    is_int((long long)s.slots_used, PAGES, "%d slots used", PAGES);

    /* Release the upper part; it reads as zeros at once. */
    uint64_t resident = stats(c).resident;
    is_int(lo_ckpt_release(c, 100, PAGES - 100), LO_OK,
           "release pages 100..%d", PAGES - 1);
    ok(stats(c).resident <= resident - (PAGES - 100),
       "their frames are given back (%llu -> %llu resident)",
       (unsigned long long)resident,
       (unsigned long long)stats(c).resident);
    for (uint64_t n = 100; n < PAGES; n++)
        stamps[n] = 0;
    is_int(bad_pages(c, 0, PAGES, stamps), 0,
           "released pages read as zeros, the others are intact");
    is_int(lo_ckpt_release(c, PAGES - 1, 2), LO_ERANGE,
           "a range past the store: LO_ERANGE");
    is_int(lo_ckpt_release(c, 100, 0), LO_OK, "an empty range is fine");

    /* Not durable yet: a crash (close without sync) brings them back. */
    fixture_close_store(&fx);
    c = open_store(false, 0);
    for (uint64_t n = 100; n < PAGES; n++)
        stamps[n] = 1;
    is_int(bad_pages(c, 0, PAGES, stamps), 0,
           "reopened without a sync: the durable snapshot still has them");
    is_int((long long)stats(c).slots_used, PAGES, "and their slots");

    /* Released again and synced: nothing is written, the slots are free. */
    lo_ckpt_release(c, 100, PAGES - 100);
    for (uint64_t n = 100; n < PAGES; n++)
        stamps[n] = 0;
    fill(c, 3, 2);
    stamps[3] = 2;
    is_int(lo_ckpt_sync(c), LO_OK, "release, write one page, sync");
    s = stats(c);
    is_int((long long)s.last_snapshot_pages, 1,
           "the snapshot wrote only the written page, none released");
    is_int((long long)s.slots_used, 100, "100 slots used, was %d", PAGES);
    is_int(bad_pages(c, 0, PAGES, stamps), 0, "contents right after sync");
    fixture_close_store(&fx);
    c = open_store(false, 0);
    is_int(bad_pages(c, 0, PAGES, stamps), 0,
           "reopened: released pages are zeros, the rest intact");
    is_int((long long)stats(c).slots_used, 100, "100 slots used after reopen");

    /* A released page written again, in the same cycle and in a later
     * one, is an ordinary page. */
    lo_ckpt_release(c, 50, 10);
    fill(c, 55, 3);
    stamps[55] = 3;
    for (uint64_t n = 50; n < 60; n++)
        if (n != 55)
            stamps[n] = 0;
    fill(c, 200, 3);
    stamps[200] = 3;
    is_int(lo_ckpt_sync(c), LO_OK, "release, rewrite some, sync");
    is_int((long long)stats(c).slots_used, 100 - 10 + 1 + 1,
           "slots: 9 released, 2 written");
    fixture_close_store(&fx);
    c = open_store(false, 0);
    is_int(bad_pages(c, 0, PAGES, stamps), 0, "reopened: all as expected");

    /* Releasing twice, and releasing a page that is evicted (not
     * resident) under a small frame budget. */
    fixture_close_store(&fx);
    c = open_store(false, 16);
    for (uint64_t n = 0; n < 100; n++)
        fill(c, n, 4), stamps[n] = 4;
    ok(stats(c).resident <= 17, "16 frames: most pages evicted (%llu "
       "resident)", (unsigned long long)stats(c).resident);
    lo_ckpt_release(c, 0, 60);
    lo_ckpt_release(c, 0, 30);
    for (uint64_t n = 0; n < 60; n++)
        stamps[n] = 0;
    is_int(bad_pages(c, 0, PAGES, stamps), 0,
           "evicted and resident pages released alike");
    is_int(lo_ckpt_sync(c), LO_OK, "sync");
    fixture_close_store(&fx);
    c = open_store(false, 0);
    is_int(bad_pages(c, 0, PAGES, stamps), 0, "reopened: right");
    fixture_close(&fx);

    /* A version 1 still being written when its page is released: on a
     * slow disk (20 ms a write) the writer has staged at most two batches
     * of 512 pages when the release comes, so the rest must be copied
     * aside (past the pool's 8 pages, into pages of their own); the
     * durable snapshot must have the contents of its flip. */
    enum { SLOW_PAGES = 2048 };
    static unsigned slow_stamps[SLOW_PAGES];
    fixture_ram_disk(&fx, 16384);
    fixture_fault_disk(&fx, (struct lo_fault_config){
        .seed = 1, .write_latency_ns = 20000000 });
    fixture_open_store(&fx, (struct lo_ckpt_options){
        .create = true, .side_pages = 8 });
    c = fx.store;
    lo_ckpt_grow(c, SLOW_PAGES);
    for (uint64_t n = 0; n < SLOW_PAGES; n++)
        fill(c, n, 5), slow_stamps[n] = 5;
    is_int(lo_ckpt_snapshot(c), LO_OK, "snapshot on a slow disk");
    uint64_t gen = lo_ckpt_generation(c) + 1;
    uint64_t t0 = lo_clock_ns();
    lo_ckpt_release(c, 0, SLOW_PAGES);
    uint64_t took = lo_clock_ns() - t0;
    /* 8 pages of pool: the rest are copied into pages of their own, not
     * written one by one at 20 ms each. */
    ok(took < 1000000000ull, "the release took %.1f ms (no disk write in it)",
       took / 1e6);
    for (uint64_t n = 0; n < 32; n++)
        fill(c, n, 6);
    ok(stats(c).side_copies >= SLOW_PAGES - 1024,
       "versions 1 not staged yet were copied aside (%llu)",
       (unsigned long long)stats(c).side_copies);
    is_int(lo_ckpt_wait(c, gen), LO_OK, "its writing completes");
    fixture_close_store(&fx);
    fixture_remove_faults(&fx);
    c = open_store(false, 0);
    is_int(bad_pages(c, 0, SLOW_PAGES, slow_stamps), 0,
           "recovered: the snapshot's contents, not the release");
    fixture_close(&fx);

    /* A format-2 store (before absent pages) is read as it is; its next
     * snapshot writes format 3. */
    fixture_ram_disk(&fx, 4096);
    lo_disk *old = fx.disk;
    struct lo_ckpt_options fopt = { .create = true };
    lo_ckpt_format(old, &fopt, fx.why, sizeof fx.why);
    unsigned char *block = lo_disk_buffer_alloc(4096);
    struct lo_boot boot;
    lo_disk_read_sync(old, block, 4096, lo_layout_boot(1));
    ok(lo_boot_decode(block, &boot) && boot.format_version == 3,
       "a new store is format 3");
    boot.format_version = 2;
    lo_boot_encode(&boot, block);
    lo_disk_write_sync(old, block, 4096, lo_layout_boot(1));
    c = open_store(false, 0);
    ok(c != NULL, "a format-2 store opens");
    if (c) {
        lo_ckpt_grow(c, 4);
        fill(c, 2, 9);
        is_int(lo_ckpt_sync(c), LO_OK, "and takes snapshots");
        fixture_close_store(&fx);
    }
    lo_disk_read_sync(old, block, 4096, lo_layout_boot(0));
    ok(lo_boot_decode(block, &boot) && boot.format_version == 3,
       "which are format 3");
    lo_disk_buffer_free(block);
    fixture_close(&fx);
    return done_testing();
}
