/*
 * slots.c -- the disk slots of pages.
 *
 * Each page has three slots on disk (layout.h says where); its entry in
 * the version table (vtable.h) says which slot each of its versions uses.
 * This file answers where a version of a page lives, moves a page between
 * a buffer and that slot, chooses the slot of a new version, and says what
 * a transfer failing under a fault does to the store.  Every function here
 * is called with the store's lock held: the entries it reads are the
 * lock's.
 *
 * Layer 2 (internal.h): calls state.c, layout.c, vtable.c.
 */
#include "ckpt/internal.h"

/*
 * Invariant 7 of docs/ckpt.md: an absent version (zeros in no slot) has
 * only a nominal slot, never read or written.  Version 2, or whichever is
 * newest, is absent when PG_ZERO says so.
 */
static inline bool version_absent(uint8_t entry, uint8_t flags,
                                  unsigned version)
{
    if (version == lo_vt_newest(entry) && (flags & PG_ZERO))
        return true;
    return version == 1 ? (flags & PG_V1_ABSENT) != 0
         : version == 0 ? (flags & PG_V0_ABSENT) != 0 : false;
}

uint64_t lo_ckpt_slot_offset(lo_ckpt *c, uint64_t page, unsigned version)
{
    LO_ASSERT(ckpt_locked(c));
    LO_ASSERT(page < c->page_count);
    uint8_t e = chunk_of(c, page)->entry[page % LO_CHUNK_PAGES];
    LO_ASSERT(lo_vt_has(e, version));
    return lo_layout_slot(&c->layout, page, lo_vt_slot(e, version));
}

int lo_ckpt_read_version(lo_ckpt *c, void *buf, uint64_t page,
                         unsigned version)
{
    LO_ASSERT(!version_absent(chunk_of(c, page)->entry[page % LO_CHUNK_PAGES],
                              chunk_of(c, page)->flags[page % LO_CHUNK_PAGES],
                              version));
    return lo_disk_read_sync(c->disk, buf, LO_CKPT_PAGE,
                             lo_ckpt_slot_offset(c, page, version));
}

int lo_ckpt_write_version(lo_ckpt *c, const void *buf, uint64_t page,
                          unsigned version)
{
    /* Invariant 1: version 0 is the durable snapshot's; its slot is never
     * written while it is version 0. */
    LO_ASSERT(version != 0);
    LO_ASSERT(!version_absent(chunk_of(c, page)->entry[page % LO_CHUNK_PAGES],
                              chunk_of(c, page)->flags[page % LO_CHUNK_PAGES],
                              version));
    return lo_disk_write_sync(c->disk, buf, LO_CKPT_PAGE,
                              lo_ckpt_slot_offset(c, page, version));
}

void lo_ckpt_new_version(lo_ckpt *c, uint64_t page)
{
    LO_ASSERT(ckpt_locked(c));
    struct chunk *ch = chunk_of(c, page);
    unsigned i = page % LO_CHUNK_PAGES;
    uint8_t e = ch->entry[i];
    LO_ASSERT(lo_vt_valid(e) && !lo_vt_has(e, 2));
    if (!lo_vt_multi(e))
        ch->multi++;
    /* Rotating the preferred slot with the cycle keeps this cycle's
     * pages in one slot, whatever their history (layout.h). */
    unsigned slot = lo_vt_free_slot(e, (unsigned)(c->flipped_gen % 3));
    ch->entry[i] = (uint8_t)((e & 0x0f) | slot << 4);
    c->v2_pages++;
    /* Invariant 2: a slot used by neither version 0 nor version 1. */
    LO_ASSERT(lo_vt_valid(ch->entry[i]));
    LO_ASSERT(ch->multi <= LO_CHUNK_PAGES && c->v2_pages <= c->page_count);
}

/*
 * A disk failure under a fault.  PANIC: the memory image can no longer be
 * trusted, stop.  POISON: refuse all further snapshots and let the caller
 * go on with a zero page (the crash tests, where the power is gone anyway).
 */
void lo_ckpt_io_failed(lo_ckpt *c, int status, const char *what,
                       uint64_t page)
{
    LO_ASSERT(ckpt_locked(c));
    if (c->on_io_failure == LO_CKPT_PANIC)
        lo_panic("ckpt: %s page %llu: %s", what, (unsigned long long)page,
                 lo_strerror(status));
    lo_ckpt_fail(c, "%s page %llu: %s", what, (unsigned long long)page,
                 lo_strerror(status));
}
