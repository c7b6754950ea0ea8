/*
 * frames.c -- the fault hook: demand paging, write faults, eviction.
 *
 * Runs on the faulting thread (inside a SIGBUS or SIGSEGV handler on hosted
 * Linux) with the store's lock held.  Three events:
 *
 *  - a missing page is touched: make room under the frame budget, read the
 *    newest version from its slot (or use zeros for a page never written)
 *    and install it write-protected;
 *  - a protected page is written: if it has no version 2 yet, it gets one
 *    in a free slot (the first write of the cycle); if its version 1 is
 *    still waiting for the background writer, that version is first saved
 *    (side.c: copied aside into memory, never written to disk inside the
 *    fault unless the copy-aside pool is empty);
 *  - eviction (from page-in): a clock over resident pages, skipping those
 *    touched since the hand last passed (a page-in or write fault marks
 *    them; user space cannot read hardware accessed bits) and version-1
 *    frames the writer still needs.  A dirty frame is written to its
 *    version-2 slot first.
 *
 * And lo_ckpt_release, which drops frames and makes pages absent.
 *
 * Layer 4 (internal.h): calls side.c, slots.c, state.c.
 */
#include <string.h>

#include "ckpt/internal.h"

/* ---- eviction ---------------------------------------------------------------- */

static bool evictable(uint8_t entry, uint8_t flags)
{
    if (!(flags & PG_RESIDENT))
        return false;
    /* A version 1 waiting for the writer, whose only copy is this frame. */
    if ((flags & PG_PENDING) && !lo_vt_has(entry, 2))
        return false;
    return true;
}

static void evict(lo_ckpt *c, uint64_t page)
{
    struct chunk *ch = chunk_of(c, page);
    unsigned i = page % LO_CHUNK_PAGES;
    uint8_t *f = &ch->flags[i];
    uintptr_t addr = page_addr(c, page);
    LO_ASSERT(ckpt_locked(c) && evictable(ch->entry[i], *f));
    LO_ASSERT(ch->resident > 0 && c->resident > 0);

    /* Writers now fault and wait for the lock: the copy below is final. */
    if ((*f & PG_WRITABLE) &&
        lo_vm_write_protect(addr, LO_CKPT_PAGE, true) != LO_OK)
        lo_panic("ckpt: cannot write-protect page %llu to evict it",
                 (unsigned long long)page);
    if (*f & PG_WRITABLE)
        mark_written(ch, i);
    if (*f & PG_DIRTY) {
        memcpy(c->io_page, (const void *)addr, LO_CKPT_PAGE);
        int status = lo_ckpt_write_version(c, c->io_page, page, 2);
        if (status != LO_OK)
            lo_ckpt_io_failed(c, status, "evicting", page);
        *f &= (uint8_t)~PG_ZERO;
    }
    if (lo_vm_discard(addr, LO_CKPT_PAGE) != LO_OK)
        lo_panic("ckpt: cannot drop the frame of page %llu",
                 (unsigned long long)page);
    *f &= (uint8_t)~(PG_RESIDENT | PG_WRITABLE | PG_DIRTY | PG_REF);
    ch->resident--;
    c->resident--;
    c->stats.evictions++;
    LO_ASSERT(page_consistent(ch->entry[i], *f));
}

/*
 * The clock: evict the first resident page not touched since the hand last
 * passed it.  Two full turns at most (the first may only clear reference
 * bits); chunks with nothing resident are skipped whole.  False if nothing
 * could be evicted.
 */
static bool evict_one(lo_ckpt *c)
{
    LO_ASSERT(ckpt_locked(c));
    uint64_t pages = c->page_count;
    for (uint64_t seen = 0; pages && seen < 2 * pages;) {
        uint64_t page = c->clock_hand % pages;
        struct chunk *ch = chunk_of(c, page);
        if (!ch->resident) {
            uint64_t next = (page / LO_CHUNK_PAGES + 1) * LO_CHUNK_PAGES;
            if (next > pages)
                next = pages;
            seen += next - page;
            c->clock_hand = next % pages;
            continue;
        }
        c->clock_hand = (page + 1) % pages;
        seen++;
        unsigned i = page % LO_CHUNK_PAGES;
        if (!evictable(ch->entry[i], ch->flags[i]))
            continue;
        if (ch->flags[i] & PG_REF) {
            ch->flags[i] &= (uint8_t)~PG_REF;
            continue;
        }
        evict(c, page);
        return true;
    }
    return false;
}

/* ---- the two faults -------------------------------------------------------- */

/* A change of the mapping of pages [first, first+n) that failed: the
 * memory image no longer says what the flags say, so the process stops. */
static void pages_done(int status, const char *what, uint64_t first,
                       uint64_t n)
{
    if (status != LO_OK)
        lo_panic("ckpt: cannot %s pages %llu..%llu: %s", what,
                 (unsigned long long)first,
                 (unsigned long long)(first + n - 1), lo_strerror(status));
}

/* The bookkeeping of a page just installed. */
static void note_resident(lo_ckpt *c, uint64_t page)
{
    struct chunk *ch = chunk_of(c, page);
    unsigned i = page % LO_CHUNK_PAGES;
    uint8_t *f = &ch->flags[i];
    *f = (uint8_t)((*f & ~(PG_DIRTY | PG_WRITABLE)) | PG_RESIDENT | PG_REF);
    ch->resident++;
    c->resident++;
    c->stats.page_ins++;
    LO_ASSERT(ch->resident <= LO_CHUNK_PAGES && c->resident <= c->page_count);
    LO_ASSERT(page_consistent(ch->entry[i], *f));
}

/* Bring a page in, write-protected (or writable: then the caller notes
 * the write at once, holding the lock, and nobody else touches the page
 * meanwhile). */
static void page_in(lo_ckpt *c, uint64_t page, bool writable)
{
    LO_ASSERT(ckpt_locked(c));
    while (c->frame_budget && c->resident >= c->frame_budget)
        if (!evict_one(c))
            break;              /* all pinned: exceed the budget a little */

    struct chunk *ch = chunk_of(c, page);
    unsigned i = page % LO_CHUNK_PAGES;
    uint8_t *f = &ch->flags[i];
    LO_ASSERT(!(*f & PG_RESIDENT));
    const void *src = NULL;                     /* zeros */
    if (!(*f & PG_ZERO)) {
        int status = lo_ckpt_read_version(c, c->io_page, page,
                                          lo_vt_newest(ch->entry[i]));
        if (status == LO_OK)
            src = c->io_page;
        else
            lo_ckpt_io_failed(c, status, "reading", page);
    }
    /* LO_EBUSY would mean the flags and the mapping disagree: a bug that
     * could hand out stale contents, so it stops the process too. */
    int status = lo_vm_install(page_addr(c, page), src, writable);
    if (status != LO_OK)
        lo_panic("ckpt: cannot install page %llu: %s",
                 (unsigned long long)page, lo_strerror(status));
    note_resident(c, page);
}

/* Pages [first, first+n), all missing and all zeros, brought in writable
 * in one call (no frame budget: nothing to evict meanwhile); the caller
 * notes the writes.  Fresh space comes in this way. */
static void page_in_zeros(lo_ckpt *c, uint64_t first, uint64_t n)
{
    if (!n)
        return;
    LO_ASSERT(ckpt_locked(c) && !c->frame_budget);
    pages_done(lo_vm_install_zeros(page_addr(c, first), n * LO_CKPT_PAGE,
                                   true), "install", first, n);
    for (uint64_t page = first; page < first + n; page++)
        note_resident(c, page);
}

/* Whether a page is missing and holds data: one to read ahead. */
static bool worth_reading(lo_ckpt *c, uint64_t page)
{
    if (page >= c->page_count)
        return false;
    uint8_t f = chunk_of(c, page)->flags[page % LO_CHUNK_PAGES];
    return !(f & (PG_RESIDENT | PG_ZERO));
}

/* Pages read ahead never push out pages in use: no budget, or one that
 * the frames in use and those read fill less than half of. */
static bool room_to_read_ahead(lo_ckpt *c)
{
    return !c->frame_budget ||
           c->resident + LO_CKPT_READ_AHEAD <= c->frame_budget / 2;
}

/*
 * A fault on a missing page that holds data: the page and the missing
 * pages holding data right after it (up to LO_CKPT_READ_AHEAD in all)
 * are read with their requests in flight together, then installed
 * write-protected, as page_in would one by one.  Demand paging reads a
 * page at a time, each a wait for the disk; the pages after one a
 * program touches are mostly the ones it touches next (the heap
 * allocates upward: an open reads about a hundred pages of its roots and
 * tables, a cold scan thousands).  Only with room to spare
 * (room_to_read_ahead): nothing is evicted for it.  A page read ahead
 * that failed is left missing: its own fault reads it again and says so.
 */
static void page_in_ahead(lo_ckpt *c, uint64_t page)
{
    LO_ASSERT(ckpt_locked(c) && room_to_read_ahead(c) &&
              worth_reading(c, page));
    uint64_t n = 1;
    while (n < LO_CKPT_READ_AHEAD && worth_reading(c, page + n))
        n++;
    lo_ticket *tickets[LO_CKPT_READ_AHEAD];
    for (uint64_t i = 0; i < n; i++) {
        uint8_t e = chunk_of(c, page + i)->entry[(page + i) % LO_CHUNK_PAGES];
        tickets[i] = lo_disk_read_block(
            c->disk, c->ahead + i * LO_CKPT_PAGE, LO_CKPT_PAGE,
            lo_ckpt_slot_offset(c, page + i, lo_vt_newest(e)));
    }
    int status[LO_CKPT_READ_AHEAD];
    for (uint64_t i = 0; i < n; i++)
        status[i] = lo_ticket_finish(tickets[i]);
    if (status[0] != LO_OK) {
        /* the page faulted on: as page_in says it (a panic, or zeros
         * under LO_CKPT_POISON) */
        lo_ckpt_io_failed(c, status[0], "reading", page);
        memset(c->ahead, 0, LO_CKPT_PAGE);
    }
    for (uint64_t i = 0; i < n; i++) {
        if (i > 0 && status[i] != LO_OK)
            continue;
        int installed = lo_vm_install(page_addr(c, page + i),
                                      c->ahead + i * LO_CKPT_PAGE, false);
        if (installed != LO_OK)
            lo_panic("ckpt: cannot install page %llu: %s",
                     (unsigned long long)(page + i), lo_strerror(installed));
        note_resident(c, page + i);
    }
    c->stats.read_ahead += n - 1;
}

/* The bookkeeping of a resident, protected page becoming writable: its
 * newest version made (a copy set aside first if the writer still needs
 * the old contents), and the flags. */
static void note_write(lo_ckpt *c, uint64_t page)
{
    struct chunk *ch = chunk_of(c, page);
    unsigned i = page % LO_CHUNK_PAGES;
    uint8_t *f = &ch->flags[i];
    LO_ASSERT(ckpt_locked(c) && (*f & PG_RESIDENT) && !(*f & PG_WRITABLE));
    if (!lo_vt_has(ch->entry[i], 2)) {
        if (*f & PG_PENDING)
            lo_ckpt_side_copy(c, page, false);
        lo_ckpt_new_version(c, page);
    }
    *f = (uint8_t)((*f & ~PG_ZERO) | PG_DIRTY | PG_WRITABLE | PG_REF);
    mark_written(ch, i);
    LO_ASSERT(page_consistent(ch->entry[i], *f));
    c->stats.write_faults++;
}

static void unprotect(lo_ckpt *c, uint64_t first, uint64_t n)
{
    if (!n)
        return;
    pages_done(lo_vm_write_protect(page_addr(c, first), n * LO_CKPT_PAGE,
                                   false), "unprotect", first, n);
}

static void write_fault(lo_ckpt *c, uint64_t page)
{
    note_write(c, page);
    unprotect(c, page, 1);
}

/* Missing zero pages [first, first+n) brought in writable, their writes
 * noted. */
static void bring_zeros_in(lo_ckpt *c, uint64_t first, uint64_t n)
{
    page_in_zeros(c, first, n);
    for (uint64_t page = first; page < first + n; page++)
        note_write(c, page);
}

int lo_ckpt_prepare_write(lo_ckpt *c, void *addr, size_t len)
{
    uintptr_t start = (uintptr_t)addr, end = start + len;
    if (len == 0)
        return LO_OK;
    LO_ASSERT(!ckpt_locked(c));
    ckpt_lock(c);
    uintptr_t limit = c->base + c->page_count * (uintptr_t)LO_CKPT_PAGE;
    if (start < c->base || end > limit || end < start) {
        ckpt_unlock(c);
        return LO_ERANGE;
    }
    uint64_t first = (start - c->base) / LO_CKPT_PAGE;
    uint64_t last = (end - 1 - c->base) / LO_CKPT_PAGE;
    uint64_t run = first, run_n = 0;
    uint64_t zeros = first, zeros_n = 0;    /* missing zero pages to come in */
    for (uint64_t page = first; page <= last; page++) {
        uint8_t *f = &chunk_of(c, page)->flags[page % LO_CHUNK_PAGES];
        if (!(*f & PG_RESIDENT) && (*f & PG_ZERO) && !c->frame_budget) {
            if (zeros + zeros_n != page) {
                bring_zeros_in(c, zeros, zeros_n);
                zeros = page;
                zeros_n = 0;
            }
            zeros_n++;
            continue;
        }
        if (!(*f & PG_RESIDENT)) {
            /* bringing a page in may evict one of the run, under a frame
             * budget: unprotect the run first */
            if (c->frame_budget) {
                unprotect(c, run, run_n);
                run_n = 0;
            }
            /* installed writable: no protection to lift, no TLB flush */
            page_in(c, page, true);
            note_write(c, page);
            continue;
        }
        if (*f & PG_WRITABLE)
            continue;
        note_write(c, page);
        if (run + run_n != page) {      /* a new run of pages to unprotect */
            unprotect(c, run, run_n);
            run = page;
            run_n = 0;
        }
        run_n++;
    }
    unprotect(c, run, run_n);
    bring_zeros_in(c, zeros, zeros_n);
    ckpt_unlock(c);
    return LO_OK;
}

bool lo_ckpt_fault(void *ctx, uintptr_t addr, bool is_write)
{
    lo_ckpt *c = ctx;
    uint64_t page = (addr - c->base) / LO_CKPT_PAGE;
    /* A fault while this thread holds the lock would wait for itself: the
     * rule of internal.h (no touching the region with the lock held) was
     * broken. */
    LO_ASSERT(!ckpt_locked(c));
    ckpt_lock(c);
    if (page >= c->page_count) {
        ckpt_unlock(c);
        lo_log(LO_LOG_ERROR, "ckpt: access at %p is past the store's %llu "
               "pages", (void *)addr, (unsigned long long)c->page_count);
        return false;
    }
    uint8_t f = chunk_of(c, page)->flags[page % LO_CHUNK_PAGES];
    if (!(f & PG_RESIDENT) && !(f & PG_ZERO) && room_to_read_ahead(c))
        page_in_ahead(c, page);
    else if (!(f & PG_RESIDENT))
        page_in(c, page, false);    /* a write faults again, as a write */
    else if (!(f & PG_WRITABLE) && is_write)
        write_fault(c, page);
    /* else: another thread brought the page in or unprotected it first */
    ckpt_unlock(c);
    return true;
}

/* ---- the writes the collector asks about ------------------------------------ */

/*
 * A page can be written without the store seeing it only while it is
 * writable.  So "written since tracked" is: its bit in `written` (set by
 * every write fault, and wherever a writable page is protected: the flip,
 * an eviction), or writable now.  Tracking a range clears the bits; the
 * pages it leaves writable stay "written" until something protects them.
 * Protecting a scattered page costs more than the collector's look at it
 * (a call and a TLB flush each, 4.5 us here, and then a fault of 20-30 us
 * on the mutator's next write to it, while the pages a program writes
 * between two collections are mostly the ones it writes again), so
 * tracking protects the writable pages of the range only when there are
 * more than `max_writable` of them (0: always); snapshots protect them
 * anyway.
 */
/* Write-protect a run of writable pages, which stay dirty. */
static void protect_run(lo_ckpt *c, uint64_t first, uint64_t n)
{
    for (uint64_t p = first; p < first + n; p++)
        chunk_of(c, p)->flags[p % LO_CHUNK_PAGES] &= (uint8_t)~PG_WRITABLE;
    pages_done(lo_vm_write_protect(page_addr(c, first), n * LO_CKPT_PAGE,
                                   true), "write-protect", first, n);
}

int lo_ckpt_track_writes(lo_ckpt *c, uint64_t first, uint64_t count,
                         uint64_t max_writable)
{
    ckpt_lock(c);
    if (first > c->page_count || count > c->page_count - first) {
        ckpt_unlock(c);
        return LO_ERANGE;
    }
    uint64_t writable = 0;
    for (uint64_t p = first; p < first + count;) {
        struct chunk *ch = chunk_of(c, p);
        unsigned i = p % LO_CHUNK_PAGES;
        if (i % 64 == 0 && first + count - p >= 64 && !ch->written[i / 64] &&
            !ch->multi) {
            p += 64;                /* nothing written, nothing writable */
            continue;
        }
        ch->written[i / 64] &= ~(1ull << (i % 64));
        writable += (ch->flags[i] & PG_WRITABLE) != 0;
        p++;
    }
    /* over the limit: all of them, a call per run */
    uint64_t run = 0, run_n = 0;
    for (uint64_t p = first; writable > max_writable && p <= first + count;
         p++) {
        uint8_t *f = NULL;
        if (p < first + count) {
            struct chunk *ch = chunk_of(c, p);
            if (!ch->multi && p % LO_CHUNK_PAGES == 0 &&
                first + count - p >= LO_CHUNK_PAGES) {
                p += LO_CHUNK_PAGES - 1;    /* no version 2: none writable */
                continue;
            }
            f = &ch->flags[p % LO_CHUNK_PAGES];
        }
        if (f && (*f & PG_WRITABLE) && run + run_n == p) {
            run_n++;
            continue;
        }
        if (run_n)
            protect_run(c, run, run_n);
        run_n = 0;
        if (f && (*f & PG_WRITABLE)) {
            run = p;
            run_n = 1;
        }
    }
    ckpt_unlock(c);
    return LO_OK;
}

int lo_ckpt_pages_written(lo_ckpt *c, uint64_t first, uint64_t count,
                          uint64_t *bits)
{
    ckpt_lock(c);
    if (first > c->page_count || count > c->page_count - first) {
        ckpt_unlock(c);
        return LO_ERANGE;
    }
    for (uint64_t n = 0; n < count; n++) {
        uint64_t p = first + n;
        struct chunk *ch = chunk_of(c, p);
        unsigned i = p % LO_CHUNK_PAGES;
        if ((ch->written[i / 64] >> (i % 64) & 1) ||
            (ch->flags[i] & PG_WRITABLE))
            bits[n / 64] |= 1ull << (n % 64);
        else
            bits[n / 64] &= ~(1ull << (n % 64));
    }
    ckpt_unlock(c);
    return LO_OK;
}

/* ---- release ------------------------------------------------------------------ */

static void discard_run(lo_ckpt *c, uint64_t first, uint64_t n)
{
    if (n && lo_vm_discard(page_addr(c, first), n * LO_CKPT_PAGE) != LO_OK)
        lo_panic("ckpt: cannot drop the frames of pages %llu..%llu",
                 (unsigned long long)first,
                 (unsigned long long)(first + n - 1));
}

/*
 * Every page of the range gets an absent newest version (ckpt.h).  A page
 * whose newest version is absent already only loses its frame.  Otherwise
 * it gets a version 2 if it had none -- in a free slot, as a write fault
 * would, but nothing will ever be written there -- and PG_ZERO, which the
 * flip turns into an absent version 1 without a job.  Versions 0 and 1 are
 * left alone: they belong to the durable snapshot and the one being
 * written.  Frames are dropped in runs, after the flags say they are gone:
 * a thread touching one meanwhile waits for the lock in its fault and then
 * pages in zeros.
 */
int lo_ckpt_release(lo_ckpt *c, uint64_t first, uint64_t count)
{
    ckpt_lock(c);
    if (first > c->page_count || count > c->page_count - first) {
        ckpt_unlock(c);
        return LO_ERANGE;
    }
    uint64_t run = 0, run_n = 0;
    for (uint64_t p = first; p < first + count; p++) {
        struct chunk *ch = chunk_of(c, p);
        unsigned i = p % LO_CHUNK_PAGES;
        uint8_t e = ch->entry[i], *f = &ch->flags[i];
        if (*f & PG_RESIDENT) {
            /* The writer's only copy of a version 1: save it first. */
            if ((*f & PG_PENDING) && !lo_vt_has(e, 2))
                lo_ckpt_side_copy(c, p, true);
            *f &= (uint8_t)~(PG_RESIDENT | PG_WRITABLE | PG_DIRTY | PG_REF);
            LO_ASSERT(ch->resident > 0 && c->resident > 0);
            ch->resident--;
            c->resident--;
            if (run + run_n != p) {
                discard_run(c, run, run_n);
                run = p;
                run_n = 0;
            }
            run_n++;
        }
        if (!(*f & PG_ZERO)) {
            if (!lo_vt_has(e, 2))
                lo_ckpt_new_version(c, p);
            *f |= PG_ZERO;
        }
        LO_ASSERT(page_consistent(ch->entry[i], *f));
    }
    discard_run(c, run, run_n);
    c->stats.released += count;
    ckpt_unlock(c);
    return LO_OK;
}
