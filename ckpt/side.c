/*
 * side.c -- where a version 1 waiting for the writer is kept.
 *
 * The flip makes a job of every version 1 whose contents are not on disk
 * yet; at first its only copy is the page's frame (FROM_FRAME), pinned
 * there.  When that frame is about to change (a write fault) or go (a
 * release), the version is saved first:
 *
 *   - into the copy-aside pool, pages of memory set aside at open
 *     (FROM_SIDE) -- DESIGN.md: copy a v1 frame aside in memory rather
 *     than writing it to disk inside the fault;
 *   - the pool empty, outside a fault, into a page of memory of its own
 *     (FROM_COPY: a release may allocate, a fault may not);
 *   - the pool empty inside a fault, to its slot there and then, as the
 *     seed does (the job is then taken).
 *
 * The writer takes a job's contents from wherever they are, or, when the
 * snapshot failed, drops them.  Every function but the pool's set-up is
 * called with the store's lock held.
 *
 * Layer 3 (internal.h): calls slots.c, state.c.
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

static unsigned char *side_page(struct side_pool *p, uint32_t index)
{
    LO_ASSERT(index < p->cap);
    return p->pages + (size_t)index * LO_CKPT_PAGE;
}

static void side_release(struct side_pool *p, uint32_t index)
{
    LO_ASSERT(index < p->cap && p->nfree < p->cap);
    p->free[p->nfree++] = index;
}

/* ---- jobs ------------------------------------------------------------------ */

/* The job of page, if the current snapshot has one (jobs are in page
 * order). */
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

/* A job still reading from its frame: the frame is resident and
 * write-protected, so the lock's holder may copy it (a read cannot fault:
 * internal.h), and the version is still pending. */
static inline bool frame_holds_version1(lo_ckpt *c, uint64_t page)
{
    uint8_t f = chunk_of(c, page)->flags[page % LO_CHUNK_PAGES];
    return (f & PG_RESIDENT) && !(f & PG_WRITABLE) && (f & PG_PENDING);
}

/* The version 1 of page is still needed by the writer: save it first.
 * may_allocate: outside a fault, a page of memory may be had when the
 * pool is empty, instead of writing the page to disk there and then. */
void lo_ckpt_side_copy(lo_ckpt *c, uint64_t page, bool may_allocate)
{
    LO_ASSERT(ckpt_locked(c));
    struct job *job = find_job(c, page);
    if (!job || job->taken || job->source != FROM_FRAME)
        return;                 /* staged already, or zeros */
    LO_ASSERT(frame_holds_version1(c, page));
    const void *frame = (const void *)page_addr(c, page);
    if (c->side.nfree) {
        job->side = c->side.free[--c->side.nfree];
        memcpy(side_page(&c->side, job->side), frame, LO_CKPT_PAGE);
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
    int status = lo_ckpt_write_version(c, c->io_page, page, 1);
    if (status != LO_OK)        /* the snapshot must not become durable */
        lo_ckpt_io_failed(c, status, "writing version 1 of", page);
    job->taken = true;
    ch->flags[i] &= (uint8_t)~PG_PENDING;
    c->stats.last_snapshot_pages++;
}

void lo_ckpt_side_take(lo_ckpt *c, struct job *job, unsigned char *dst)
{
    LO_ASSERT(ckpt_locked(c) && !job->taken);
    switch (job->source) {
    case FROM_FRAME:        /* resident and write-protected: safe to read */
        LO_ASSERT(frame_holds_version1(c, job->page));
        memcpy(dst, (const void *)page_addr(c, job->page), LO_CKPT_PAGE);
        break;
    case FROM_SIDE:
        memcpy(dst, side_page(&c->side, job->side), LO_CKPT_PAGE);
        side_release(&c->side, job->side);
        break;
    case FROM_COPY:
        memcpy(dst, job->copy, LO_CKPT_PAGE);
        lo_mem_free(job->copy);
        job->copy = NULL;
        break;
    default:
        memset(dst, 0, LO_CKPT_PAGE);
        break;
    }
    job->taken = true;
}

void lo_ckpt_side_drop(lo_ckpt *c, struct job *job)
{
    LO_ASSERT(ckpt_locked(c) && !job->taken);
    if (job->source == FROM_SIDE)
        side_release(&c->side, job->side);
    if (job->source == FROM_COPY)
        lo_mem_free(job->copy);
}
