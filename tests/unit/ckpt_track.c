/*
 * ckpt_track.c -- the collector's write barrier (ckpt.h,
 * lo_ckpt_track_writes and lo_ckpt_pages_written): after tracking a
 * range, exactly the pages written since are reported -- pages that were
 * writable when tracking began, pages written after a snapshot's flip,
 * pages made writable in bulk (lo_ckpt_prepare_write), pages evicted and
 * read back under a frame budget -- and pages outside the range are not
 * touched by the tracking.  Run on userfaultfd and, by ckpt_mprotect.t,
 * on the mprotect fallback.
 */
#include "ckpt/ckpt.h"
#include "tests/helpers/fixture.h"
#include "tests/tap.h"

enum { PAGES = 512 };

static unsigned char *page_at(lo_ckpt *c, uint64_t n)
{
    return (unsigned char *)lo_ckpt_base(c) + n * 4096;
}

/* The pages of [0, PAGES) reported written, as a count; want[] says
 * which should be, and *wrong counts disagreements. */
static int written(lo_ckpt *c, const bool *want, int *wrong)
{
    uint64_t bits[PAGES / 64];
    if (lo_ckpt_pages_written(c, 0, PAGES, bits) != LO_OK)
        return -1;
    int n = 0;
    *wrong = 0;
    for (int p = 0; p < PAGES; p++) {
        bool got = bits[p / 64] >> (p % 64) & 1;
        n += got;
        *wrong += got != want[p];
    }
    return n;
}

static void run(uint64_t budget)
{
    struct fixture fx = { 0 };
    fixture_ram_disk(&fx, 16384);
    lo_ckpt *c = fixture_try_store(&fx, (struct lo_ckpt_options){
        .create = true, .frame_budget = budget });
    if (!c)
        bail_out("cannot open the store: %s", fx.why);
    lo_ckpt_grow(c, PAGES);
    bool want[PAGES] = { false };
    int wrong;

    for (int p = 0; p < PAGES; p++)
        page_at(c, (uint64_t)p)[0] = 1;         /* all written, writable */
    is_int(lo_ckpt_track_writes(c, 0, PAGES, 0), LO_OK, "track [0, %d)", PAGES);
    is_int(written(c, want, &wrong), 0, "nothing written since (budget %llu)",
           (unsigned long long)budget);

    /* pages that were writable before tracking */
    int some[] = { 3, 64, 65, 200, 511 };
    for (int k = 0; k < 5; k++) {
        page_at(c, (uint64_t)some[k])[100] = 2;
        want[some[k]] = true;
    }
    volatile unsigned char *same = page_at(c, 7);
    same[5] = same[5];                          /* the same value back... */
    want[7] = true;                             /* ...is a write */
    (void)page_at(c, 8)[5];                     /* a read is not */
    is_int(written(c, want, &wrong), 6, "the 6 pages written are reported");
    is_int(wrong, 0, "and only they");

    /* a snapshot in between: the flip protects, writes are still seen */
    is_int(lo_ckpt_track_writes(c, 0, PAGES, 0), LO_OK, "track again");
    for (int p = 0; p < PAGES; p++)
        want[p] = false;
    is_int(lo_ckpt_sync(c), LO_OK, "sync");
    page_at(c, 10)[0] = 3;
    want[10] = true;
    is_int(lo_ckpt_prepare_write(c, page_at(c, 300), 3 * 4096), LO_OK,
           "prepare 3 pages for writing");
    page_at(c, 301)[9] = 4;                     /* no fault: prepared */
    want[300] = want[301] = want[302] = true;
    is_int(written(c, want, &wrong), 4, "after a snapshot: the written page "
           "and the 3 prepared ones");
    is_int(wrong, 0, "exactly those");

    /* tracking part of the range leaves the rest as it was */
    is_int(lo_ckpt_track_writes(c, 256, 256, 0), LO_OK, "track [256, 512)");
    want[300] = want[301] = want[302] = false;
    page_at(c, 20)[0] = 5;                      /* below: already seen */
    want[20] = true;
    page_at(c, 400)[0] = 5;
    want[400] = true;
    is_int(written(c, want, &wrong), 3, "pages 10, 20, 400");
    is_int(wrong, 0, "exactly those");

    /* many pages through a small budget: evicted, read back, written */
    is_int(lo_ckpt_track_writes(c, 0, PAGES, 0), LO_OK, "track all");
    for (int p = 0; p < PAGES; p++)
        want[p] = false;
    for (int round = 0; round < 2; round++)
        for (int p = 0; p < PAGES; p++)
            (void)page_at(c, (uint64_t)p)[0];   /* reads: evictions */
    for (int p = 0; p < PAGES; p += 5) {
        page_at(c, (uint64_t)p)[1]++;
        want[p] = true;
    }
    for (int p = 0; p < PAGES; p++)
        (void)page_at(c, (uint64_t)p)[0];
    is_int(written(c, want, &wrong), (PAGES + 4) / 5, "every 5th page "
           "written is reported, through evictions");
    is_int(wrong, 0, "exactly those");
    /* tracking that leaves pages writable: they count as written until
     * something protects them -- a flip, which sets their bits -- and
     * are seen again once tracked */
    for (int p = 0; p < PAGES; p++)
        want[p] = false;
    is_int(lo_ckpt_track_writes(c, 0, PAGES, 0), LO_OK, "track all");
    for (int p = 100; p < 110; p++) {
        page_at(c, (uint64_t)p)[2] = 6;
        want[p] = true;
    }
    is_int(lo_ckpt_track_writes(c, 0, PAGES, 1000), LO_OK,
           "track, leaving up to 1000 pages writable");
    is_int(written(c, want, &wrong), 10, "the 10 pages left writable count "
           "as written");
    is_int(wrong, 0, "and only they");
    page_at(c, 105)[3] = 7;                     /* no fault: writable */
    is_int(lo_ckpt_sync(c), LO_OK, "a snapshot protects them");
    is_int(written(c, want, &wrong), 10, "after it, they still count (the "
           "flip noted that they may have been written)");
    is_int(lo_ckpt_track_writes(c, 0, PAGES, 1000), LO_OK, "track again");
    for (int p = 0; p < PAGES; p++)
        want[p] = false;
    page_at(c, 107)[3] = 8;                     /* protected: a fault */
    want[107] = true;
    is_int(written(c, want, &wrong), 1, "now only the page written since");
    is_int(wrong, 0, "exactly it");
    is_int(lo_ckpt_track_writes(c, 0, PAGES + 1, 0), LO_ERANGE,
           "a range past the store is refused");
    fixture_close(&fx);
}

int main(void)
{
    run(0);
    run(32);
    return done_testing();
}
