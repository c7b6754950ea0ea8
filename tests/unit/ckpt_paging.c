/*
 * ckpt_paging.c -- demand paging under a frame budget far smaller than the
 * touched region: every page intact after eviction, before and after a
 * snapshot and a reopen; the budget holds; a partly used last chunk; a
 * read() system call into the region after lo_ckpt_touch_for_write; and,
 * without a budget, pages read ahead of the faults.
 */
#include <errno.h>
#include <unistd.h>

#include "ckpt/ckpt.h"
#include "tests/helpers/fixture.h"
#include "tests/tap.h"

enum { PAGES = 2 * 4096 + 100, BUDGET = 48 };

static uint64_t word(uint64_t page, unsigned round)
{
    return page * 0x9e3779b97f4a7c15ull + round;
}

static int verify(lo_ckpt *c, unsigned round, uint64_t pages)
{
    int bad = 0;
    for (uint64_t p = 0; p < pages; p++) {
        uint64_t *w = (uint64_t *)((char *)lo_ckpt_base(c) + p * 4096);
        bad += w[0] != word(p, round) || w[511] != ~word(p, round);
    }
    return bad;
}

static void write_all(lo_ckpt *c, unsigned round, uint64_t pages)
{
    for (uint64_t p = 0; p < pages; p++) {
        uint64_t *w = (uint64_t *)((char *)lo_ckpt_base(c) + p * 4096);
        w[0] = word(p, round);
        w[511] = ~word(p, round);
    }
}

int main(void)
{
    struct fixture fx = { 0 };
    fixture_ram_disk(&fx, 32768);                           /* 128 MiB */
    fixture_open_store(&fx, (struct lo_ckpt_options){
        .create = true, .frame_budget = BUDGET });
    lo_ckpt *c = fx.store;
    is_int(lo_ckpt_grow(c, PAGES), LO_OK, "grow to %d pages (a partial last chunk)", PAGES);

    write_all(c, 1, PAGES);
    struct lo_ckpt_stats st;
    lo_ckpt_stats(c, &st);
    ok(st.resident <= BUDGET, "the budget holds: %llu resident of %d",
       (unsigned long long)st.resident, BUDGET);
    ok(st.evictions >= PAGES - BUDGET, "pages were evicted (%llu)",
       (unsigned long long)st.evictions);
    is_int(verify(c, 1, PAGES), 0, "every page intact after eviction");

    is_int(lo_ckpt_snapshot(c), LO_OK, "snapshot");
    write_all(c, 2, PAGES / 2);                 /* races the writer */
    is_int(lo_ckpt_sync(c), LO_OK, "sync");
    lo_ckpt_stats(c, &st);
    ok(st.resident <= BUDGET + 1, "still within budget (%llu)",
       (unsigned long long)st.resident);
    is_int(verify(c, 2, PAGES / 2), 0, "first half: round 2");
    int bad = 0;
    for (uint64_t p = PAGES / 2; p < PAGES; p++) {
        uint64_t *w = (uint64_t *)((char *)lo_ckpt_base(c) + p * 4096);
        bad += w[0] != word(p, 1);
    }
    is_int(bad, 0, "second half: round 1");

    /* read() into the region: refused with EFAULT on a protected page,
     * fine after touch_for_write. */
    int fds[2];
    if (pipe(fds) != 0)
        bail_out("pipe");
    char *target = (char *)lo_ckpt_base(c) + 7 * 4096 + 100;
    is_int(lo_ckpt_touch_for_write(c, target, 5), LO_OK, "touch for write");
    ssize_t w = write(fds[1], "hello", 5);
    ok(w == 5 && read(fds[0], target, 5) == 5 && !memcmp(target, "hello", 5),
       "read() from a pipe into the region works after touch_for_write");
    is_int(lo_ckpt_touch_for_write(c, (char *)lo_ckpt_base(c) + PAGES * 4096ull, 1),
           LO_ERANGE, "touch past the pages: LO_ERANGE");
    close(fds[0]);
    close(fds[1]);
    is_int(lo_ckpt_sync(c), LO_OK, "sync");
    fx.options.frame_budget = 16;
    fixture_reopen(&fx);
    c = fx.store;
    ok(!memcmp((char *)lo_ckpt_base(c) + 7 * 4096 + 100, "hello", 5),
       "the bytes read() wrote are durable");
    is_int(verify(c, 2, PAGES / 2), 0,
           "after reopen with 16 frames: the first half is round 2");
    bad = 0;
    for (uint64_t p = PAGES / 2; p < PAGES; p++) {
        uint64_t *w = (uint64_t *)((char *)lo_ckpt_base(c) + p * 4096);
        bad += w[0] != word(p, 1);
    }
    is_int(bad, 0, "and the second half round 1");
    lo_ckpt_stats(c, &st);
    ok(st.resident <= 16, "reopened store keeps its smaller budget (%llu)",
       (unsigned long long)st.resident);

    /* prepare_write: 40 pages (more than the 16 frames) made writable in
     * one call, then written; every byte durable, faults or not */
    char *span = (char *)lo_ckpt_base(c) + 20 * 4096 + 8;
    is_int(lo_ckpt_prepare_write(c, span, 40 * 4096), LO_OK,
           "prepare_write of 40 pages under a 16-frame budget");
    for (int i = 0; i < 40 * 4096; i++)
        span[i] = (char)(i * 7 + 1);
    is_int(lo_ckpt_prepare_write(c, (char *)lo_ckpt_base(c) + PAGES * 4096ull,
                                 1), LO_ERANGE,
           "prepare_write past the pages: LO_ERANGE");
    is_int(lo_ckpt_sync(c), LO_OK, "sync");
    fixture_reopen(&fx);
    c = fx.store;
    span = (char *)lo_ckpt_base(c) + 20 * 4096 + 8;
    bad = 0;
    for (int i = 0; i < 40 * 4096; i++)
        bad += span[i] != (char)(i * 7 + 1);
    is_int(bad, 0, "the prepared span's bytes are durable");

    /* without a budget, a fault reads the pages after its own with it:
     * a run of pages read in order takes a fault per eight */
    is_int(lo_ckpt_sync(c), LO_OK, "sync");
    fx.options.frame_budget = 0;
    fixture_reopen(&fx);
    c = fx.store;
    struct lo_ckpt_stats before;
    lo_ckpt_stats(c, &before);
    bad = 0;
    for (uint64_t p = 100; p < 100 + 800; p++) {
        uint64_t *w = (uint64_t *)((char *)lo_ckpt_base(c) + p * 4096);
        bad += p < PAGES / 2 ? w[0] != word(p, 2) : w[0] != word(p, 1);
    }
    lo_ckpt_stats(c, &st);
    is_int(bad, 0, "800 pages read in order after a reopen without a budget");
    uint64_t ins = st.page_ins - before.page_ins;
    uint64_t ahead = st.read_ahead - before.read_ahead;
    ok(ins >= 800 && ahead >= 7 * (ins / 8) - 8,
       "read ahead: %llu of the %llu pages came in with another's fault",
       (unsigned long long)ahead, (unsigned long long)ins);
    fixture_close(&fx);
    return done_testing();
}
