/*
 * snapshot.c -- the atomic flip: lo_ckpt_snapshot, lo_ckpt_wait,
 * lo_ckpt_sync.
 *
 * lo_ckpt_snapshot waits until the previous snapshot is durable (a flip
 * frees the old version-0 slots, which the durable snapshot may still
 * need), stops the world, flips, write-protects the frames that became
 * version 1, resumes the world and wakes the writer (writer.c), which makes
 * the snapshot durable off the mutators' path.  The flip visits only
 * chunks whose "multi-version" count is non-zero and turns each entry with
 * the 64-entry table.  Every version 1 whose contents are not yet on disk
 * becomes a job, in page order: the flip hands the jobs to the writer
 * through the store (c->jobs) and wakes it through `changed`.
 *
 * Layer 4 (internal.h): calls safepoint.c, state.c, vtable.c.
 */
#include <string.h>

#include "ckpt/internal.h"
#include "ckpt/safepoint.h"

/* ---- the flip (world stopped, lock held) ------------------------------------ */

/*
 * Write-protecting the pages of a chunk that were writable.  Measured here
 * with userfaultfd: a call costs about 1 us, plus about 50-85 ns for every
 * present page in its range, protected already or not.  So sparse pages go
 * one run per call, and dense ones as one call over their whole span --
 * whichever the cost model says is cheaper (numbers in docs/ckpt.md).
 */
enum { CALL_COST_IN_PAGES = 16 };      /* ~1 us / ~65 ns per page */

struct wp_list { uint16_t index[LO_CHUNK_PAGES]; unsigned n; };

/* The pages to protect in one chunk: snapshots are serialized (the
 * snapshot lock), so one list serves fold_and_protect and the flip. */
static struct wp_list wp_pages;

static void wp_range(uintptr_t addr, size_t len)
{
    int status = lo_vm_write_protect(addr, len, true);
    if (status != LO_OK)
        lo_panic("ckpt: cannot write-protect at the flip: %s",
                 lo_strerror(status));
}

static void wp_apply(lo_ckpt *c, uint64_t chunk, const struct wp_list *w)
{
    if (!w->n)
        return;
    uint64_t first = chunk * LO_CHUNK_PAGES;
    unsigned runs = 1;
    for (unsigned i = 1; i < w->n; i++)
        runs += w->index[i] != w->index[i - 1] + 1;
    unsigned span = w->index[w->n - 1] - w->index[0] + 1u;
    if (span <= runs * CALL_COST_IN_PAGES && lo_vm_protect_skips_missing()) {
        wp_range(page_addr(c, first + w->index[0]),
                 (size_t)span * LO_CKPT_PAGE);
        return;
    }
    for (unsigned i = 0; i < w->n;) {
        unsigned j = i + 1;
        while (j < w->n && w->index[j] == w->index[j - 1] + 1)
            j++;
        wp_range(page_addr(c, first + w->index[i]),
                 (size_t)(j - i) * LO_CKPT_PAGE);
        i = j;
    }
}

/*
 * Where the new versions 1 go on disk.  A version's slot is chosen at its
 * first write (slots.c), before anyone knows which neighbours will be
 * written in the same cycle; pages with different histories then take
 * different slots, and the writer's runs break: 256k scattered dirty
 * pages went out as 121,000 writes of 8.7 KiB on average, at a third of
 * what dd writes on the same disk, which does 28k writes a second of 4 KiB
 * and needs 64 KiB writes for its bandwidth.  At the flip the choice is
 * free again for every job's page (its contents are in its frame, and
 * nothing durable refers to any slot but version 0's), so the jobs of a
 * chunk are laid out again: from each job on, the slot that the longest
 * stretch of consecutive pages in the same slot group can all take (any
 * but their version 0's) -- which, taken greedily, makes the fewest runs
 * (a single pass: the slots still open narrow page by page).
 */
static unsigned v0_slot(lo_ckpt *c, uint64_t page)
{
    return lo_vt_slot(chunk_of(c, page)->entry[page % LO_CHUNK_PAGES], 0);
}

static bool next_in_run(const struct job *jobs, size_t b)
{
    return jobs[b].page == jobs[b - 1].page + 1 &&
           jobs[b].page / LO_SLOT_GROUP == jobs[b - 1].page / LO_SLOT_GROUP;
}

static void lay_out_jobs(lo_ckpt *c, const struct job *jobs, size_t n)
{
    LO_ASSERT(ckpt_locked(c));
    for (size_t a = 0; a < n;) {
        /* the slots every page so far can take; the last left standing
         * reaches furthest */
        unsigned can = 7u & ~(1u << v0_slot(c, jobs[a].page));
        size_t end = a + 1;
        for (; end < n && next_in_run(jobs, end); end++) {
            unsigned left = can & ~(1u << v0_slot(c, jobs[end].page));
            if (!left)
                break;
            can = left;
        }
        LO_ASSERT(can);                     /* two slots are free */
        unsigned slot = (unsigned)__builtin_ctz(can);
        for (size_t j = a; j < end; j++) {
            uint64_t page = jobs[j].page;
            uint8_t *e = &chunk_of(c, page)->entry[page % LO_CHUNK_PAGES];
            *e = lo_vt_make(lo_vt_slot(*e, 0), slot, LO_VT_NONE);
            LO_ASSERT(lo_vt_valid(*e));
        }
        a = end;
    }
}

/*
 * Flip one chunk; returns its count of pages that now have a version 1.
 * A version 2 that is absent (PG_ZERO: grown or released, not written
 * since) becomes an absent version 1: no job, nothing written, the table
 * records LO_VT_ABSENT.  Absence moves with the versions: version 0 takes
 * version 1's, version 1 takes version 2's.
 */
static uint32_t flip_chunk(lo_ckpt *c, uint64_t k, struct wp_list *wp)
{
    LO_ASSERT(ckpt_locked(c));
    wp->n = 0;
    struct chunk *ch = c->dir[k];
    uint32_t multi = 0;
    bool changed = false;
    size_t first_job = c->njobs;
    for (unsigned i = 0; i < LO_CHUNK_PAGES; i++) {
        uint8_t e = ch->entry[i], *f = &ch->flags[i];
        uint64_t page = k * LO_CHUNK_PAGES + i;
        if (page >= c->page_count)
            break;
        if (!lo_vt_multi(e))
            continue;
        /* The previous snapshot is durable: every job of it is done. */
        LO_ASSERT(!(*f & PG_PENDING) && page_consistent(e, *f));
        bool used_before = disk_form(e, *f) != LO_VT_ABSENT;
        uint8_t absent = *f & PG_V0_ABSENT;
        if (lo_vt_has(e, 1))
            absent = *f & PG_V1_ABSENT ? PG_V0_ABSENT : 0;
        if (lo_vt_has(e, 2)) {
            changed = true;
            struct job job = { .page = page };
            if ((*f & PG_RESIDENT) && (*f & PG_DIRTY))
                job.source = FROM_FRAME;
            else {
                if (*f & PG_ZERO)
                    absent |= PG_V1_ABSENT;
                job.page = UINT64_MAX;  /* absent, or already in its slot
                                           (evicted) */
            }
            if (job.page != UINT64_MAX) {
                LO_ASSERT(c->njobs < c->v2_pages);  /* jobs has v2_pages + 1 */
                c->jobs[c->njobs++] = job;
                *f |= PG_PENDING;
            }
            if (*f & PG_WRITABLE) {
                wp->index[wp->n++] = (uint16_t)i;
                mark_written(ch, i);
            }
            *f &= (uint8_t)~(PG_WRITABLE | PG_DIRTY);
        }
        *f = (uint8_t)((*f & ~(PG_V0_ABSENT | PG_V1_ABSENT)) | absent);
        e = c->flip_table[e];
        ch->entry[i] = e;
        multi += lo_vt_multi(e);
        LO_ASSERT(page_consistent(e, *f) && !lo_vt_has(e, 2));
        bool used_after = disk_form(e, *f) != LO_VT_ABSENT;
        c->slots_used += (uint64_t)used_after - (uint64_t)used_before;
    }
    lay_out_jobs(c, c->jobs + first_job, c->njobs - first_job);
    wp_apply(c, k, wp);
    if (changed)
        ch->stale[0] = ch->stale[1] = true;
    return multi;
}

/*
 * Work done before the stop, with the mutators running, a chunk at a time
 * under the store's lock, so that the flip's stall grows with what changed
 * since, not with everything written in the cycle:
 *
 *  - Folding.  The previous snapshot is durable, so each version 0 it
 *    replaced is garbage: version 1 becomes version 0 (lo_vt_fold; its
 *    absence moves along) and the page stops being multi-version unless
 *    it has a version 2.  The flip would do the same; done here, the flip
 *    visits only the pages written in this cycle (a snapshot of 1k pages
 *    right after one of 130k took 1 ms of the stall to fold the 130k).
 *
 *  - Protecting.  The flip must leave every version 1 write-protected,
 *    and protecting was most of its stall (about 400 ns a page here: 100
 *    ms for 256k dirty pages).  So every writable page is protected now:
 *    its frame stays dirty and its version 2 stays, only PG_WRITABLE goes.
 *    A mutator that writes such a page again before the flip takes one
 *    cheap fault (note_write in frames.c: the version exists, the flags
 *    come back), and the flip protects it with whatever else was written
 *    meanwhile.
 */
static void fold_and_protect(lo_ckpt *c)
{
    for (uint64_t k = 0;; k++) {
        ckpt_lock(c);
        if (k >= lo_chunks_for(c->page_count)) {
            ckpt_unlock(c);
            return;
        }
        struct chunk *ch = c->dir[k];
        wp_pages.n = 0;
        for (unsigned i = 0; ch->multi && i < LO_CHUNK_PAGES; i++) {
            uint8_t e = ch->entry[i], *f = &ch->flags[i];
            if (!lo_vt_multi(e))
                continue;
            LO_ASSERT(!(*f & PG_PENDING) && page_consistent(e, *f));
            if (lo_vt_has(e, 1)) {
                uint8_t absent = *f & PG_V1_ABSENT ? PG_V0_ABSENT : 0;
                *f = (uint8_t)((*f & ~(PG_V0_ABSENT | PG_V1_ABSENT)) |
                               absent);
                ch->entry[i] = lo_vt_fold(e);
                ch->multi -= !lo_vt_multi(ch->entry[i]);
                LO_ASSERT(page_consistent(ch->entry[i], *f));
            }
            if (*f & PG_WRITABLE) {
                *f &= (uint8_t)~PG_WRITABLE;
                mark_written(ch, i);
                wp_pages.index[wp_pages.n++] = (uint16_t)i;
            }
        }
        wp_apply(c, k, &wp_pages);
        ckpt_unlock(c);
    }
}

/*
 * The jobs array: one entry per page with a version 2, kept from one
 * snapshot to the next.  Fresh memory costs a fault per page on first
 * touch (8 MiB of jobs for 256k dirty pages: 2,048 faults, most of what
 * the flip cost), so the array is grown before the world stops, and
 * touched there; the flip grows it itself only if pages were written in
 * between past the margin.  False if the memory is not to be had.
 */
static bool grow_jobs(lo_ckpt *c, size_t want)
{
    size_t cap = want + want / 4 + 1024;
    struct job *jobs = lo_mem_alloc(cap * sizeof *jobs);
    if (!jobs)
        return false;
    memset(jobs, 0, cap * sizeof *jobs);
    lo_mem_free(c->jobs);
    c->jobs = jobs;
    c->jobs_cap = cap;
    return true;
}

static void reserve_jobs(lo_ckpt *c)
{
    ckpt_lock(c);
    size_t want = c->v2_pages + 1;
    ckpt_unlock(c);
    /* Only this thread (the snapshot lock) touches the array between a
     * snapshot's durability and the next flip: no lock needed to swap it,
     * and none held while the new one is touched. */
    if (c->jobs_cap < want)
        (void)grow_jobs(c, want);   /* else the flip tries again */
}

static int snapshot(lo_ckpt *c);

/* The flip itself (world stopped, lock held). */
static int flip(lo_ckpt *c)
{
    LO_ASSERT(ckpt_locked(c) &&
              atomic_load(&lo_world_stop_requested));
    /* Invariant 3: flip k+1 only after snapshot k is durable, its jobs
     * done and gone. */
    LO_ASSERT(c->flipped_gen == c->durable_gen && !c->njobs);
    if (c->jobs_cap < c->v2_pages + 1 && !grow_jobs(c, c->v2_pages + 1))
        return LO_ENOMEM;
    for (uint64_t k = 0; k < lo_chunks_for(c->page_count); k++)
        if (c->dir[k]->multi)
            c->dir[k]->multi = flip_chunk(c, k, &wp_pages);
    c->v2_pages = 0;
    /* Pages grown since the last flip enter this snapshot: their chunks
     * must be written to both table copies.  Growth marks them so, but a
     * table write of the previous snapshot still in flight may have
     * cleared that since (it wrote them as unused); and grown pages are
     * absent, with no version 2, so the loop above does not see them. */
    for (uint64_t k = c->flip_page_count / LO_CHUNK_PAGES;
         c->page_count > c->flip_page_count &&
         k < lo_chunks_for(c->page_count); k++)
        c->dir[k]->stale[0] = c->dir[k]->stale[1] = true;
    c->flip_page_count = c->page_count;
    LO_ASSERT(c->slots_used <= c->page_count);
    c->flipped_gen = c->durable_gen + 1;
    c->stats.last_snapshot_pages = 0;
    c->writes_issued = 0;
    return LO_OK;
}

void lo_ckpt_set_before_flip(lo_ckpt *c, void (*fn)(void *ctx), void *ctx)
{
    lo_mutex_lock(&c->snapshot_lock);
    c->before_flip = fn;
    c->before_flip_ctx = ctx;
    lo_mutex_unlock(&c->snapshot_lock);
}

int lo_ckpt_snapshot(lo_ckpt *c)
{
    /* Every wait below is on other threads: a mutator calling this counts
     * as parked meanwhile (safepoint.h). */
    bool blocked = lo_mutator_block_begin();
    int status = snapshot(c);
    lo_mutator_block_end(blocked);
    return status;
}

static int snapshot(lo_ckpt *c)
{
    lo_mutex_lock(&c->snapshot_lock);
    ckpt_lock(c);
    while (!c->failed && c->flipped_gen > c->durable_gen)
        ckpt_wait(c);
    bool failed = c->failed;
    ckpt_unlock(c);
    if (failed) {
        lo_mutex_unlock(&c->snapshot_lock);
        return LO_EIO;
    }

    fold_and_protect(c);
    reserve_jobs(c);
    uint64_t start = lo_clock_ns();
    lo_world_stop();
    if (c->before_flip)
        c->before_flip(c->before_flip_ctx);
    ckpt_lock(c);
    int status = flip(c);
    c->flip_started_ns = start;
    ckpt_unlock(c);
    lo_world_resume();
    uint64_t stall = lo_clock_ns() - start;

    ckpt_lock(c);
    c->stats.last_flip_ns = stall;
    lo_cond_broadcast(&c->changed);         /* wake the writer */
    ckpt_unlock(c);
    lo_mutex_unlock(&c->snapshot_lock);
    return status;
}

int lo_ckpt_wait(lo_ckpt *c, uint64_t generation)
{
    bool blocked = lo_mutator_block_begin();
    ckpt_lock(c);
    while (!c->failed && c->durable_gen < generation &&
           generation <= c->flipped_gen)
        ckpt_wait(c);
    int status = c->durable_gen >= generation ? LO_OK : LO_EIO;
    ckpt_unlock(c);
    lo_mutator_block_end(blocked);
    return status;
}

int lo_ckpt_sync(lo_ckpt *c)
{
    int status = lo_ckpt_snapshot(c);
    if (status != LO_OK)
        return status;
    ckpt_lock(c);
    uint64_t want = c->flipped_gen;
    ckpt_unlock(c);
    return lo_ckpt_wait(c, want);
}
