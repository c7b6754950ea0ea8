/*
 * ckpt_large.c -- a region over 4 GiB with scattered writes, on a sparse
 * file opened with O_DIRECT: 1.25 million pages, 40,000 of them written at
 * random places, a snapshot, a reopen, every written page checked.  This is
 * the case per-page mprotect cannot do (vm.max_map_count).
 */
#include "ckpt/ckpt.h"
#include "drivers/rng.h"
#include "tests/helpers/fixture.h"
#include "tests/tap.h"

enum { PAGES = 1250000, WRITES = 40000 };

int main(void)
{
    struct fixture fx = { 0 };
    if (!fixture_file_disk(&fx, 15ull << 30))
        return skip_all("cannot create a 15 GiB sparse file in TMPDIR");
    fixture_open_store(&fx, (struct lo_ckpt_options){
        .create = true, .frame_budget = 20000 });
    lo_ckpt *c = fx.store;
    is_int(lo_ckpt_grow(c, PAGES), LO_OK, "grow to %d pages (%.2f GiB)", PAGES,
           PAGES / 262144.0);

    static uint64_t page[WRITES];
    lo_rng rng;
    lo_rng_seed(&rng, 4242);
    unsigned char *base = lo_ckpt_base(c);
    for (int i = 0; i < WRITES; i++) {
        page[i] = lo_rng_below(&rng, PAGES);
        *(uint64_t *)(base + page[i] * 4096 + 8 * (i % 512)) = page[i] ^ 0xabcdef;
    }
    memcpy(base + (uint64_t)(PAGES - 1) * 4096 + 4090, "last!", 6);
    struct lo_ckpt_stats st;
    lo_ckpt_stats(c, &st);
    diag("%llu write faults, %llu evictions, %llu resident, mechanism %s",
         (unsigned long long)st.write_faults, (unsigned long long)st.evictions,
         (unsigned long long)st.resident, st.mechanism);
    ok(st.write_faults >= WRITES * 9 / 10, "scattered writes all faulted in");
    is_int(lo_ckpt_sync(c), LO_OK, "sync");
    fixture_reopen(&fx);
    c = fx.store;
    base = lo_ckpt_base(c);
    int bad = 0;
    for (int i = 0; i < WRITES; i++)
        bad += *(uint64_t *)(base + page[i] * 4096 + 8 * (i % 512)) !=
               (page[i] ^ 0xabcdef);
    is_int(bad, 0, "all %d scattered writes are there after reopening", WRITES);
    ok(!memcmp(base + (uint64_t)(PAGES - 1) * 4096 + 4090, "last!", 6),
       "the marker at the end of the last page (4.77 GiB in) is there");
    fixture_close(&fx);
    return done_testing();
}
