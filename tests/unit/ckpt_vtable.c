/*
 * ckpt_vtable.c -- version-table entries and the flip table, exhaustively:
 * every one of the 64 possible entries, plus the on-disk layout arithmetic
 * and boot block encoding.
 */
#include "ckpt/layout.h"
#include "ckpt/vtable.h"
#include "tests/tap.h"

/* The rule, written independently of vtable.c: slots 0..2 or 3 = none. */
static int expect_valid(unsigned v0, unsigned v1, unsigned v2)
{
    if (v0 == 3) return 0;
    if (v1 != 3 && v1 == v0) return 0;
    if (v2 != 3 && (v2 == v0 || v2 == v1)) return 0;
    return 1;
}

int main(void)
{
    uint8_t table[64];
    lo_vt_build_flip_table(table);
    int valid = 0, bad_valid = 0, bad_flip = 0, bad_free = 0, bad_durable = 0;
    int bad_fold = 0;
    for (unsigned e = 0; e < 64; e++) {
        unsigned v0 = e & 3, v1 = (e >> 2) & 3, v2 = (e >> 4) & 3;
        int want = expect_valid(v0, v1, v2);
        valid += want;
        if (lo_vt_valid((uint8_t)e) != want)
            bad_valid++;
        if (!want) {
            if (table[e] != e)
                bad_flip++;         /* malformed entries are left alone */
            continue;
        }
        /* after the flip: v0 = old v1 if any else old v0; v1 = old v2 */
        unsigned f0 = v1 != 3 ? v1 : v0, f1 = v2;
        if (table[e] != (f0 | f1 << 2 | 3u << 4) || !lo_vt_valid(table[e]))
            bad_flip++;
        for (unsigned prefer = 0; prefer < 4; prefer++) {
            unsigned s = lo_vt_free_slot((uint8_t)e, prefer);
            if (s > 2 || s == v0 || s == v1)
                bad_free++;
            if (prefer < 3 && prefer != v0 && prefer != v1 && s != prefer)
                bad_free++;     /* a free preferred slot must be taken */
        }
        unsigned snap = v1 != 3 ? v1 : v0;
        if (lo_vt_durable((uint8_t)e) != (snap | 0x3c))
            bad_durable++;
        /* folded: v0 = old v1 if any else old v0, no v1, v2 kept; the
         * durable form and the next flip's result unchanged */
        uint8_t folded = lo_vt_fold((uint8_t)e);
        if (folded != (f0 | 3u << 2 | v2 << 4) || !lo_vt_valid(folded) ||
            lo_vt_durable(folded) != lo_vt_durable((uint8_t)e) ||
            table[folded] != table[e])
            bad_fold++;
    }
    /* v0: 3 slots; v1 none (then v2: none or 2 slots) or 2 slots (then v2:
     * none or the 1 left): 3 * (3 + 2 * 2) = 21. */
    is_int(valid, 21, "21 well-formed entries out of 64");
    is_int(bad_valid, 0, "lo_vt_valid agrees with the rule on all 64 entries");
    is_int(bad_flip, 0, "the flip table is right for all 64 entries");
    is_int(bad_free, 0, "a free slot is never version 0's or 1's");
    is_int(bad_durable, 0, "the durable form names version 1, else version 0");
    is_int(bad_fold, 0, "folding keeps the durable form and the next flip");
    ok(lo_vt_multi(lo_vt_make(0, 1, 3)) && !lo_vt_multi(lo_vt_single(2)),
       "multi-version detection");
    is_int(lo_vt_newest(lo_vt_make(0, 3, 2)), 2, "newest: version 2");
    is_int(lo_vt_newest(lo_vt_make(0, 1, 3)), 1, "newest: version 1");
    is_int(lo_vt_newest(lo_vt_single(1)), 0, "newest: version 0");

    /* Two flips with no writes between leave one version. */
    uint8_t e = lo_vt_make(0, 1, 2);
    e = table[e];
    ok(e == lo_vt_make(1, 2, 3), "flip: (0,1,2) -> (1,2,-)");
    e = table[e];
    ok(e == lo_vt_single(2), "flip again: (1,2,-) -> (2,-,-)");

    /* Layout. */
    struct lo_layout l;
    uint64_t disk = 65536;                    /* 256 MiB in pages */
    uint64_t m = lo_layout_fit(disk);
    lo_layout_compute(m, &l);
    ok(lo_layout_disk_pages(&l) <= disk, "the fitted layout fits (%llu pages)",
       (unsigned long long)m);
    lo_layout_compute(m + LO_SLOT_GROUP, &l);
    ok(lo_layout_disk_pages(&l) > disk, "and one more slot group would not");
    lo_layout_compute(m, &l);
    ok(m % LO_SLOT_GROUP == 0 && l.data_start % LO_SLOT_GROUP == 0,
       "capacity and data start are whole slot groups");
    is_uint(lo_layout_slot(&l, 0, 0), l.data_start * 4096, "slot 0 of page 0");
    is_uint(lo_layout_slot(&l, 5, 2), (l.data_start + 512 + 5) * 4096,
            "slot 2 of page 5");
    is_uint(lo_layout_slot(&l, 256 + 3, 1), (l.data_start + 768 + 256 + 3) * 4096,
            "slot 1 of page 259 (second group)");
    ok(lo_layout_slot(&l, 9, 1) + 4096 == lo_layout_slot(&l, 10, 1),
       "the same slot of neighbouring pages is contiguous");
    /* Every slot of every page is distinct and inside the layout. */
    lo_layout_compute(1024, &l);
    static unsigned char used[4096];
    int clash = 0, outside = 0;
    for (uint64_t p = 0; p < 1024; p++)
        for (unsigned s = 0; s < 3; s++) {
            uint64_t at = lo_layout_slot(&l, p, s) / 4096 - l.data_start;
            if (at >= 3 * 1024) { outside++; continue; }
            clash += used[at]++;
        }
    ok(!clash && !outside, "3072 slots, all distinct, all inside");
    ok(lo_layout_chunk(&l, 1, 0) == lo_layout_csum(&l, 0) + l.csum_pages * 4096,
       "copy 1 follows copy 0's checksum area");
    is_uint(lo_layout_fit(1), 0, "a one-page disk holds nothing");
    /* Every disk size up to 1.5M pages (6 GiB): the fit ends, fits, and is
     * the largest that does (1022 and 1023 pages once looped for ever). */
    uint64_t unfit = 0, not_largest = 0;
    for (uint64_t pages = 2; pages < 1500000; pages++) {
        uint64_t fit = lo_layout_fit(pages);
        lo_layout_compute(fit, &l);
        unfit += fit && lo_layout_disk_pages(&l) > pages;  /* 0: too small */
        lo_layout_compute(fit + LO_SLOT_GROUP, &l);
        not_largest += lo_layout_disk_pages(&l) <= pages;
    }
    is_uint(unfit, 0, "every fitted layout fits its disk");
    is_uint(not_largest, 0, "and no larger one would");

    /* Boot blocks. */
    unsigned char block[4096];
    struct lo_boot b = { 1, 4096, 1024, 777, 42, 1, 0xdeadbeef, 1ull << 45 }, d;
    lo_boot_encode(&b, block);
    ok(lo_boot_decode(block, &d) && d.generation == 42 && d.page_count == 777 &&
       d.vt_copy == 1 && d.csum_crc == 0xdeadbeef && d.region_base == 1ull << 45,
       "a boot block round-trips");
    int rejected = 0;
    for (unsigned i = 0; i < 64; i++) {
        block[i] ^= 0x10;
        rejected += !lo_boot_decode(block, &d);
        block[i] ^= 0x10;
    }
    is_int(rejected, 64, "any flipped bit in the boot block is caught");
    block[3000] = 1;
    ok(!lo_boot_decode(block, &d), "garbage after the fields is caught");
    b.max_pages = 1000;
    lo_boot_encode(&b, block);
    ok(!lo_boot_decode(block, &d), "a capacity that is not whole slot groups is refused");
    return done_testing();
}
