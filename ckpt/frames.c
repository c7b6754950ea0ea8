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
 *    still waiting for the background writer, that version is first copied
 *    aside into memory -- never written to disk inside the fault -- unless
 *    the copy-aside pool is empty;
 *  - eviction (from page-in): a clock over resident pages, skipping those
 *    touched since the hand last passed (a page-in or write fault marks
 *    them; user space cannot read hardware accessed bits) and version-1
 *    frames the writer still needs.  A dirty frame is written to its
 *    version-2 slot first.
 */
#include <string.h>

#include "ckpt/internal.h"

/* ---- the copy-aside pool ------------------------------------------------- */

int lo_ckpt_side_init(struct side_pool *p, uint32_t pages)
{
    p->pages = lo_disk_buffer_alloc((size_t)pages * LO_CKPT_PAGE);
    p->free = lo_mem_alloc(pages * sizeof *p->free);
    if (!p->pages || !p->free)
        return LO_ENOMEM;
    for (uint32_t i = 0; i < pages; i++)
        p->free[i] = pages - 1 - i;
    p->nfree = p->cap = pages;
    return LO_OK;
}

void lo_ckpt_side_free_all(struct side_pool *p)
{
    lo_disk_buffer_free(p->pages);
    lo_mem_free(p->free);
}

unsigned char *lo_ckpt_side_page(struct side_pool *p, uint32_t index)
{
    return p->pages + (size_t)index * LO_CKPT_PAGE;
}

void lo_ckpt_side_release(struct side_pool *p, uint32_t index)
{
    p->free[p->nfree++] = index;
}

/* ---- helpers ---------------------------------------------------------------- */

/*
 * A disk failure under a fault.  PANIC: the memory image can no longer be
 * trusted, stop.  POISON: refuse all further snapshots and let the caller
 * go on with a zero page (the crash tests, where the power is gone anyway).
 */
static void io_failed(lo_ckpt *c, int status, const char *what,
                      uint64_t page)
{
    if (c->on_io_failure == LO_CKPT_PANIC)
        lo_panic("ckpt: %s page %llu: %s", what, (unsigned long long)page,
                 lo_strerror(status));
    lo_ckpt_fail(c, "%s page %llu: %s", what, (unsigned long long)page,
                 lo_strerror(status));
}

static struct job *find_job(lo_ckpt *c, uint64_t page)
{
    size_t lo = 0, hi = c->njobs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->jobs[mid].page < page)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < c->njobs && c->jobs[lo].page == page ? &c->jobs[lo] : NULL;
}

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

    /* Writers now fault and wait for the lock: the copy below is final. */
    if ((*f & PG_WRITABLE) &&
        lo_vm_write_protect(addr, LO_CKPT_PAGE, true) != LO_OK)
        lo_panic("ckpt: cannot write-protect page %llu to evict it",
                 (unsigned long long)page);
    if (*f & PG_DIRTY) {
        memcpy(c->io_page, (const void *)addr, LO_CKPT_PAGE);
        int status = lo_ckpt_write_slot(c, c->io_page, page,
                                        lo_vt_slot(ch->entry[i], 2));
        if (status != LO_OK)
            io_failed(c, status, "evicting", page);
        *f &= (uint8_t)~PG_ZERO;
    }
    if (lo_vm_discard(addr, LO_CKPT_PAGE) != LO_OK)
        lo_panic("ckpt: cannot drop the frame of page %llu",
                 (unsigned long long)page);
    *f &= (uint8_t)~(PG_RESIDENT | PG_WRITABLE | PG_DIRTY | PG_REF);
    ch->resident--;
    c->resident--;
    c->stats.evictions++;
}

/*
 * The clock: evict the first resident page not touched since the hand last
 * passed it.  Two full turns at most (the first may only clear reference
 * bits); chunks with nothing resident are skipped whole.  False if nothing
 * could be evicted.
 */
static bool evict_one(lo_ckpt *c)
{
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

static void page_in(lo_ckpt *c, uint64_t page)
{
    while (c->frame_budget && c->resident >= c->frame_budget)
        if (!evict_one(c))
            break;              /* all pinned: exceed the budget a little */

    struct chunk *ch = chunk_of(c, page);
    unsigned i = page % LO_CHUNK_PAGES;
    uint8_t *f = &ch->flags[i];
    const void *src = NULL;                     /* zeros */
    if (!(*f & PG_ZERO)) {
        uint8_t e = ch->entry[i];
        int status = lo_ckpt_read_slot(c, c->io_page, page,
                                       lo_vt_slot(e, lo_vt_newest(e)));
        if (status == LO_OK)
            src = c->io_page;
        else
            io_failed(c, status, "reading", page);
    }
    /* LO_EBUSY would mean the flags and the mapping disagree: a bug that
     * could hand out stale contents, so it stops the process too. */
    int status = lo_vm_install(page_addr(c, page), src, false);
    if (status != LO_OK)
        lo_panic("ckpt: cannot install page %llu: %s",
                 (unsigned long long)page, lo_strerror(status));
    *f = (uint8_t)((*f & ~(PG_DIRTY | PG_WRITABLE)) | PG_RESIDENT | PG_REF);
    ch->resident++;
    c->resident++;
    c->stats.page_ins++;
}

/* The version 1 of page is still needed by the writer: save it first.
 * may_allocate: outside a fault, a page of memory may be had when the
 * pool is empty, instead of writing the page to disk there and then. */
static void copy_aside(lo_ckpt *c, uint64_t page, bool may_allocate)
{
    struct job *job = find_job(c, page);
    if (!job || job->taken || job->source != FROM_FRAME)
        return;                 /* staged already, or zeros */
    const void *frame = (const void *)page_addr(c, page);
    if (c->side.nfree) {
        job->side = c->side.free[--c->side.nfree];
        memcpy(lo_ckpt_side_page(&c->side, job->side), frame, LO_CKPT_PAGE);
        job->source = FROM_SIDE;
        c->stats.side_copies++;
        return;
    }
    unsigned char *copy = may_allocate ? lo_mem_alloc(LO_CKPT_PAGE) : NULL;
    if (copy) {
        memcpy(copy, frame, LO_CKPT_PAGE);
        job->copy = copy;
        job->source = FROM_COPY;
        c->stats.side_copies++;
        return;
    }
    /* Pool exhausted: write it now, as the seed does. */
    struct chunk *ch = chunk_of(c, page);
    unsigned i = page % LO_CHUNK_PAGES;
    memcpy(c->io_page, frame, LO_CKPT_PAGE);
    int status = lo_ckpt_write_slot(c, c->io_page, page,
                                    lo_vt_slot(ch->entry[i], 1));
    if (status != LO_OK)        /* the snapshot must not become durable */
        io_failed(c, status, "writing version 1 of", page);
    job->taken = true;
    ch->flags[i] &= (uint8_t)~PG_PENDING;
    c->stats.last_snapshot_pages++;
}

static void write_fault(lo_ckpt *c, uint64_t page)
{
    struct chunk *ch = chunk_of(c, page);
    unsigned i = page % LO_CHUNK_PAGES;
    uint8_t e = ch->entry[i], *f = &ch->flags[i];
    if (!lo_vt_has(e, 2)) {
        if (*f & PG_PENDING)
            copy_aside(c, page, false);
        if (!lo_vt_multi(e))
            ch->multi++;
        /* Rotating the preferred slot with the cycle keeps this cycle's
         * pages in one slot, whatever their history (layout.h). */
        unsigned slot = lo_vt_free_slot(e, (unsigned)(c->flipped_gen % 3));
        ch->entry[i] = (uint8_t)((e & 0x0f) | slot << 4);
        c->v2_pages++;
    }
    *f = (uint8_t)((*f & ~PG_ZERO) | PG_DIRTY | PG_WRITABLE | PG_REF);
    int status = lo_vm_write_protect(page_addr(c, page), LO_CKPT_PAGE, false);
    if (status != LO_OK)
        lo_panic("ckpt: cannot unprotect page %llu: %s",
                 (unsigned long long)page, lo_strerror(status));
    c->stats.write_faults++;
}

bool lo_ckpt_fault(void *ctx, uintptr_t addr, bool is_write)
{
    lo_ckpt *c = ctx;
    uint64_t page = (addr - c->base) / LO_CKPT_PAGE;
    lo_mutex_lock(&c->lock);
    if (page >= c->page_count) {
        lo_mutex_unlock(&c->lock);
        lo_log(LO_LOG_ERROR, "ckpt: access at %p is past the store's %llu "
               "pages", (void *)addr, (unsigned long long)c->page_count);
        return false;
    }
    uint8_t f = chunk_of(c, page)->flags[page % LO_CHUNK_PAGES];
    if (!(f & PG_RESIDENT))
        page_in(c, page);       /* a write will fault again, as a write */
    else if (!(f & PG_WRITABLE) && is_write)
        write_fault(c, page);
    /* else: another thread brought the page in or unprotected it first */
    lo_mutex_unlock(&c->lock);
    return true;
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
    lo_mutex_lock(&c->lock);
    if (first > c->page_count || count > c->page_count - first) {
        lo_mutex_unlock(&c->lock);
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
                copy_aside(c, p, true);
            *f &= (uint8_t)~(PG_RESIDENT | PG_WRITABLE | PG_DIRTY | PG_REF);
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
            if (!lo_vt_has(e, 2)) {
                if (!lo_vt_multi(e))
                    ch->multi++;
                unsigned slot = lo_vt_free_slot(e,
                                                (unsigned)(c->flipped_gen % 3));
                ch->entry[i] = (uint8_t)((e & 0x0f) | slot << 4);
                c->v2_pages++;
            }
            *f |= PG_ZERO;
        }
    }
    discard_run(c, run, run_n);
    c->stats.released += count;
    lo_mutex_unlock(&c->lock);
    return LO_OK;
}
