/*
 * ckpt_basic.c -- the single-level store end to end on a RAM disk: format,
 * grow, write through faults, sync, close, reopen; unsynced writes vanish;
 * snapshots taken while writing; growth limits; boot-block damage.
 */
#include <stdlib.h>

#include "ckpt/ckpt.h"
#include "tests/helpers/fixture.h"
#include "tests/tap.h"

static struct fixture fx;

static lo_ckpt *open_store(bool create, uint64_t budget)
{
    return fixture_try_store(&fx, (struct lo_ckpt_options){
        .create = create, .frame_budget = budget });
}

static void fill(unsigned char *page, uint64_t n, unsigned stamp)
{
    for (unsigned i = 0; i < 4096; i += 8) {
        uint64_t v = n * 1000003u + stamp * 7919u + i;
        memcpy(page + i, &v, 8);
    }
}

static int check_pages(lo_ckpt *c, uint64_t from, uint64_t to,
                       const unsigned *stamps)
{
    int bad = 0;
    unsigned char want[4096];
    for (uint64_t n = from; n < to; n++) {
        unsigned char *p = (unsigned char *)lo_ckpt_base(c) + n * 4096;
        if (stamps[n] == 0) {
            for (int i = 0; i < 4096; i++)
                bad += p[i] != 0 ? 1 : 0;
            continue;
        }
        fill(want, n, stamps[n]);
        if (memcmp(p, want, 4096))
            bad++;
    }
    return bad;
}

int main(void)
{
    enum { PAGES = 3000 };
    static unsigned stamps[PAGES], durable[PAGES];
    fixture_ram_disk(&fx, 65536);                          /* 256 MiB */

    ok(open_store(false, 0) == NULL, "a blank disk without create: refused");
    lo_ckpt *c = open_store(true, 0);
    ok(c != NULL, "create a store on a blank disk");
    if (!c)
        bail_out("cannot go on");
    struct lo_ckpt_stats st;
    lo_ckpt_stats(c, &st);
    diag("fault mechanism: %s, capacity %llu pages", st.mechanism,
         (unsigned long long)st.max_pages);
    is_uint(lo_ckpt_page_count(c), 0, "a new store has no pages");
    is_uint(lo_ckpt_generation(c), 1, "generation 1");
    is_int(lo_ckpt_grow(c, PAGES), LO_OK, "grow to 3000 pages");
    is_int(check_pages(c, 0, PAGES, stamps), 0, "new pages read as zeros");

    unsigned char page[4096];
    for (uint64_t n = 0; n < PAGES; n += 3) {
        stamps[n] = 1;
        fill(page, n, 1);
        memcpy((unsigned char *)lo_ckpt_base(c) + n * 4096, page, 4096);
    }
    is_int(check_pages(c, 0, PAGES, stamps), 0, "written pages read back");
    is_int(lo_ckpt_sync(c), LO_OK, "sync");
    is_uint(lo_ckpt_generation(c), 2, "generation 2 is durable");
    memcpy(durable, stamps, sizeof stamps);

    /* More writes, a snapshot in the background, more writes on top. */
    for (uint64_t n = 1; n < PAGES; n += 5) {
        stamps[n] = 2;
        fill(page, n, 2);
        memcpy((unsigned char *)lo_ckpt_base(c) + n * 4096, page, 4096);
    }
    is_int(lo_ckpt_snapshot(c), LO_OK, "snapshot (asynchronous)");
    for (uint64_t n = 0; n < PAGES; n += 7) {      /* during the writing */
        stamps[n] = 3;
        fill(page, n, 3);
        memcpy((unsigned char *)lo_ckpt_base(c) + n * 4096, page, 4096);
    }
    is_int(check_pages(c, 0, PAGES, stamps), 0, "memory is current");
    is_int(lo_ckpt_sync(c), LO_OK, "sync again");
    memcpy(durable, stamps, sizeof stamps);
    for (uint64_t n = 0; n < PAGES; n += 2) {       /* never made durable */
        stamps[n] = 4;
        fill(page, n, 4);
        memcpy((unsigned char *)lo_ckpt_base(c) + n * 4096, page, 4096);
    }
    lo_ckpt_stats(c, &st);
    ok(st.write_faults > 0 && st.snapshots == 3 - 1 + 1,
       "stats: %llu write faults, %llu snapshots, %llu resident",
       (unsigned long long)st.write_faults, (unsigned long long)st.snapshots,
       (unsigned long long)st.resident);
    uint64_t gen = lo_ckpt_generation(c);
    fixture_close_store(&fx);

    c = open_store(false, 0);
    ok(c != NULL, "reopen");
    is_uint(lo_ckpt_generation(c), gen, "the last durable generation");
    is_uint(lo_ckpt_page_count(c), PAGES, "page count recovered");
    is_int(check_pages(c, 0, PAGES, durable), 0,
           "every page as of the last sync; later writes are gone");
    lo_ckpt_stats(c, &st);
    ok(st.page_ins == PAGES && st.write_faults == 0,
       "pages came in on touch (%llu page-ins)", (unsigned long long)st.page_ins);

    /* Growth limits. */
    uint64_t max = lo_ckpt_max_pages(c);
    is_int(lo_ckpt_grow(c, max + 1), LO_ENOSPC, "growing past the disk: LO_ENOSPC");
    is_uint(lo_ckpt_page_count(c), PAGES, "and nothing changed");
    fixture_close_store(&fx);

    /* Damage the newer boot block: the older one (one snapshot back) wins. */
    unsigned char *block = lo_disk_buffer_alloc(4096);
    lo_disk_read_sync(fx.disk, block, 4096, (gen % 2) * 4096);
    block[100] ^= 1;
    lo_disk_write_sync(fx.disk, block, 4096, (gen % 2) * 4096);
    c = open_store(false, 0);
    ok(c != NULL, "a damaged newer boot block: the store still opens");
    is_uint(lo_ckpt_generation(c), gen - 1, "from the older boot block");
    fixture_close_store(&fx);
    lo_disk_read_sync(fx.disk, block, 4096, ((gen - 1) % 2) * 4096);
    block[8] ^= 0x40;
    lo_disk_write_sync(fx.disk, block, 4096, ((gen - 1) % 2) * 4096);
    c = open_store(false, 0);
    ok(c == NULL && strstr(fx.why, "both boot blocks"),
       "both damaged: refused (%s)", fx.why);
    lo_disk_buffer_free(block);
    fixture_close(&fx);

    /* A failed flush fails its snapshot for good: reported, never retried,
     * and the last durable state is what a reopen finds. */
    fixture_ram_disk(&fx, 16384);
    /* Flushes: 1-2 format, 3-4 the first sync (table, boot block), 5 the
     * second sync's table flush -- which fails, so its boot block is never
     * written and the outcome is determinate. */
    fixture_fault_disk(&fx, (struct lo_fault_config){
        .fail_op = 5, .fail_kinds = LO_FAULT_FLUSH });
    c = open_store(true, 0);
    lo_ckpt_grow(c, 10);
    memcpy(lo_ckpt_base(c), "first", 6);
    is_int(lo_ckpt_sync(c), LO_OK, "fault disk: first sync works");
    memcpy(lo_ckpt_base(c), "second", 7);
    is_int(lo_ckpt_sync(c), LO_EIO, "the sync whose flush fails reports LO_EIO");
    ok(strstr(lo_ckpt_failure(c), "flushing") != NULL,
       "and says why: %s", lo_ckpt_failure(c));
    is_int(lo_ckpt_snapshot(c), LO_EIO, "later snapshots are refused");
    fixture_close_store(&fx);
    fixture_remove_faults(&fx);
    c = open_store(false, 0);
    ok(c && !strcmp(lo_ckpt_base(c), "first"),
       "reopened: the last durable state, not the failed one");
    fixture_close(&fx);
    return done_testing();
}
