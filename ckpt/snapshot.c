/*
 * snapshot.c -- the atomic flip and the background writer.
 *
 * lo_ckpt_snapshot waits until the previous snapshot is durable (a flip
 * frees the old version-0 slots, which the durable snapshot may still
 * need), stops the world, flips, write-protects the frames that became
 * version 1, resumes the world and wakes the writer.  The flip visits only
 * chunks whose "multi-version" count is non-zero and turns each entry with
 * the 64-entry table.  Every version 1 whose contents are not yet on disk
 * becomes a job, in page order.
 *
 * The writer then, off the mutators' path:
 *   1. writes each job's page to its version-1 slot (from the frame, from
 *      its copy aside, or zeros), many in flight;
 *   2. writes the chunks of the version table that the unused copy lacks,
 *      normalized to the snapshot (vtable.h), and that copy's checksum
 *      area;  flush;
 *   3. writes the boot block of the new generation;  flush.
 * The seed flushes between 1 and 2 as well; that barrier buys nothing,
 * because neither the version-1 slots nor the unused table copy are
 * referenced by anything durable until the boot block, and the flush
 * before the boot block covers both (docs/ckpt.md).
 * Only after that last flush is the snapshot durable.  Any failed write or
 * flush fails the snapshot for good: the store stays at its last durable
 * state and refuses further snapshots (Linux forgets dirty pages after a
 * failed writeback, so retrying would lie).
 */
#include <string.h>

#include "drivers/checksum.h"
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
 * Flip one chunk; returns its count of pages that now have a version 1.
 * A version 2 that is absent (PG_ZERO: grown or released, not written
 * since) becomes an absent version 1: no job, nothing written, the table
 * records LO_VT_ABSENT.  Absence moves with the versions: version 0 takes
 * version 1's, version 1 takes version 2's.
 */
static uint32_t flip_chunk(lo_ckpt *c, uint64_t k, struct wp_list *wp)
{
    wp->n = 0;
    struct chunk *ch = c->dir[k];
    uint32_t multi = 0;
    bool changed = false;
    for (unsigned i = 0; i < LO_CHUNK_PAGES; i++) {
        uint8_t e = ch->entry[i], *f = &ch->flags[i];
        uint64_t page = k * LO_CHUNK_PAGES + i;
        if (page >= c->page_count)
            break;
        if (!lo_vt_multi(e))
            continue;
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
                c->jobs[c->njobs++] = job;
                *f |= PG_PENDING;
            }
            if (*f & PG_WRITABLE)
                wp->index[wp->n++] = (uint16_t)i;
            *f &= (uint8_t)~(PG_WRITABLE | PG_DIRTY);
        }
        *f = (uint8_t)((*f & ~(PG_V0_ABSENT | PG_V1_ABSENT)) | absent);
        e = c->flip_table[e];
        ch->entry[i] = e;
        multi += lo_vt_multi(e);
        bool used_after = disk_form(e, *f) != LO_VT_ABSENT;
        c->slots_used += (uint64_t)used_after - (uint64_t)used_before;
    }
    wp_apply(c, k, wp);
    if (changed)
        ch->stale[0] = ch->stale[1] = true;
    return multi;
}

static int snapshot(lo_ckpt *c);

static int flip(lo_ckpt *c)
{
    c->jobs = lo_mem_alloc((c->v2_pages + 1) * sizeof *c->jobs);
    if (!c->jobs)
        return LO_ENOMEM;
    c->njobs = 0;
    static struct wp_list wp;   /* flips are serialized: one is enough */
    for (uint64_t k = 0; k < lo_chunks_for(c->page_count); k++)
        if (c->dir[k]->multi)
            c->dir[k]->multi = flip_chunk(c, k, &wp);
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
    c->flipped_gen = c->durable_gen + 1;
    c->stats.last_snapshot_pages = 0;
    c->writes_issued = 0;
    return LO_OK;
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
    lo_mutex_lock(&c->lock);
    while (!c->failed && c->flipped_gen > c->durable_gen)
        lo_cond_wait(&c->changed, &c->lock);
    bool failed = c->failed;
    lo_mutex_unlock(&c->lock);
    if (failed) {
        lo_mutex_unlock(&c->snapshot_lock);
        return LO_EIO;
    }

    uint64_t start = lo_clock_ns();
    lo_world_stop();
    lo_mutex_lock(&c->lock);
    int status = flip(c);
    c->flip_started_ns = start;
    lo_mutex_unlock(&c->lock);
    lo_world_resume();
    uint64_t stall = lo_clock_ns() - start;

    lo_mutex_lock(&c->lock);
    c->stats.last_flip_ns = stall;
    lo_cond_broadcast(&c->changed);         /* wake the writer */
    lo_mutex_unlock(&c->lock);
    lo_mutex_unlock(&c->snapshot_lock);
    return status;
}

int lo_ckpt_wait(lo_ckpt *c, uint64_t generation)
{
    bool blocked = lo_mutator_block_begin();
    lo_mutex_lock(&c->lock);
    while (!c->failed && c->durable_gen < generation &&
           generation <= c->flipped_gen)
        lo_cond_wait(&c->changed, &c->lock);
    int status = c->durable_gen >= generation ? LO_OK : LO_EIO;
    lo_mutex_unlock(&c->lock);
    lo_mutator_block_end(blocked);
    return status;
}

int lo_ckpt_sync(lo_ckpt *c)
{
    int status = lo_ckpt_snapshot(c);
    if (status != LO_OK)
        return status;
    lo_mutex_lock(&c->lock);
    uint64_t want = c->flipped_gen;
    lo_mutex_unlock(&c->lock);
    return lo_ckpt_wait(c, want);
}

/* ---- the writer ------------------------------------------------------------- */

enum { BATCH = 512 };          /* pages per staging buffer (2 MiB) */

/* A staging buffer and the writes in flight from it. */
struct batch {
    unsigned char *pages;            /* BATCH staging pages */
    uint64_t id[BATCH];              /* page (or chunk) number of each */
    uint64_t offset[BATCH];          /* its disk address */
    size_t n;                        /* pages staged */
    lo_ticket *tickets[BATCH];
    size_t ntickets;
};

/* Wait for a batch's writes; returns the first failure. */
static int batch_finish(struct batch *b)
{
    int status = lo_wait_all(b->tickets, b->ntickets);
    for (size_t i = 0; i < b->ntickets; i++) {
        lo_ticket_release(b->tickets[i]);
        b->tickets[i] = NULL;
    }
    b->ntickets = 0;
    return status;
}

/* The largest power of two that is at most len and divides offset. */
static size_t aligned_piece(uint64_t offset, size_t len)
{
    size_t piece = LO_DISK_MAX_BLOCK;
    while (piece > len || offset % piece)
        piece /= 2;
    return piece;
}

/*
 * Start the writes of a batch.  Staged pages whose disk addresses follow
 * each other are adjacent in the staging buffer too, so each run goes out
 * as a few large writes (aligned powers of two, as the disk protocol asks).
 */
static void batch_submit(lo_ckpt *c, struct batch *b)
{
    for (size_t i = 0; i < b->n;) {
        size_t j = i + 1;
        while (j < b->n && b->offset[j] == b->offset[j - 1] + LO_CKPT_PAGE)
            j++;
        uint64_t offset = b->offset[i];
        size_t len = (j - i) * LO_CKPT_PAGE;
        unsigned char *mem = b->pages + i * LO_CKPT_PAGE;
        while (len) {
            size_t piece = aligned_piece(offset, len);
            b->tickets[b->ntickets++] =
                lo_disk_write_block(c->disk, mem, piece, offset);
            c->writes_issued++;
            offset += piece;
            mem += piece;
            len -= piece;
        }
        i = j;
    }
}

/* Copy job j's contents into staging page dst (lock held). */
static void stage_job(lo_ckpt *c, struct job *job, unsigned char *dst)
{
    switch (job->source) {
    case FROM_FRAME:        /* resident and write-protected: safe to read */
        memcpy(dst, (const void *)page_addr(c, job->page), LO_CKPT_PAGE);
        break;
    case FROM_SIDE:
        memcpy(dst, lo_ckpt_side_page(&c->side, job->side), LO_CKPT_PAGE);
        lo_ckpt_side_release(&c->side, job->side);
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

/* The written pages no longer pend; zeros now live in their slot. */
static void jobs_done(lo_ckpt *c, const struct batch *b)
{
    lo_mutex_lock(&c->lock);
    for (size_t i = 0; i < b->n; i++) {
        struct chunk *ch = chunk_of(c, b->id[i]);
        unsigned k = b->id[i] % LO_CHUNK_PAGES;
        ch->flags[k] &= (uint8_t)~PG_PENDING;
        if (!lo_vt_has(ch->entry[k], 2))
            ch->flags[k] &= (uint8_t)~PG_ZERO;
    }
    c->stats.last_snapshot_pages += b->n;
    lo_mutex_unlock(&c->lock);
}

/* Stage up to BATCH jobs from *next on; returns how many were staged. */
static size_t stage_jobs(lo_ckpt *c, struct batch *b, size_t *next)
{
    b->n = 0;
    lo_mutex_lock(&c->lock);
    for (; *next < c->njobs && b->n < BATCH; (*next)++) {
        struct job *job = &c->jobs[*next];
        if (job->taken)
            continue;           /* written during a fault */
        stage_job(c, job, b->pages + b->n * LO_CKPT_PAGE);
        struct chunk *ch = chunk_of(c, job->page);
        unsigned slot = lo_vt_slot(ch->entry[job->page % LO_CHUNK_PAGES], 1);
        b->id[b->n] = job->page;
        b->offset[b->n] = lo_layout_slot(&c->layout, job->page, slot);
        b->n++;
    }
    lo_mutex_unlock(&c->lock);
    return b->n;
}

/* Step 1: every job's page to its version-1 slot, two batches in flight. */
static int write_pages(lo_ckpt *c, struct batch batches[2])
{
    int status = LO_OK;
    size_t next = 0;
    bool pending[2] = { false, false };
    for (unsigned cur = 0;; cur ^= 1) {
        struct batch *b = &batches[cur];
        if (pending[cur]) {
            int st = batch_finish(b);
            if (st == LO_OK)
                jobs_done(c, b);
            else if (status == LO_OK)
                status = st;
            pending[cur] = false;
        }
        if (status == LO_OK && next < c->njobs && stage_jobs(c, b, &next)) {
            batch_submit(c, b);
            pending[cur] = true;
        }
        if (!pending[0] && !pending[1] && (next >= c->njobs || status != LO_OK))
            return status;
    }
}

static void put32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

/* Version-table chunks the target copy lacks, then its checksum area. */
static int write_table(lo_ckpt *c, struct batch *b, unsigned copy,
                       uint32_t *csum_crc)
{
    uint64_t used = lo_chunks_for(c->flip_page_count);
    int status = LO_OK;
    for (uint64_t k = 0; k < used && status == LO_OK;) {
        b->n = 0;
        lo_mutex_lock(&c->lock);
        for (; k < used && b->n < BATCH; k++) {
            struct chunk *ch = c->dir[k];
            if (!ch->stale[copy])
                continue;
            unsigned char *dst = b->pages + b->n * LO_CKPT_PAGE;
            for (unsigned i = 0; i < LO_CHUNK_PAGES; i++)
                dst[i] = k * LO_CHUNK_PAGES + i < c->flip_page_count
                       ? disk_form(ch->entry[i], ch->flags[i]) : 0xff;
            c->csum[copy][k] = lo_crc32c(0, dst, LO_CHUNK_PAGES);
            b->id[b->n] = k;
            b->offset[b->n++] = lo_layout_chunk(&c->layout, copy, k);
        }
        lo_mutex_unlock(&c->lock);
        batch_submit(c, b);
        status = batch_finish(b);
        if (status == LO_OK) {
            lo_mutex_lock(&c->lock);
            for (size_t i = 0; i < b->n; i++)
                c->dir[b->id[i]]->stale[copy] = false;
            lo_mutex_unlock(&c->lock);
        }
    }
    if (status != LO_OK)
        return status;

    /* The checksum area: used * 4 bytes, whole pages. */
    uint64_t area_pages = lo_csum_pages_for(used);
    uint64_t done = 0;
    *csum_crc = lo_crc32c(0, NULL, 0);
    for (uint64_t p = 0; p < area_pages && status == LO_OK;) {
        b->n = 0;
        for (; p < area_pages && b->n < BATCH; p++) {
            unsigned char *dst = b->pages + b->n * LO_CKPT_PAGE;
            memset(dst, 0, LO_CKPT_PAGE);
            size_t in_page = 0;
            for (; done < used && in_page < LO_CKPT_PAGE / 4; done++, in_page++)
                put32(dst + 4 * in_page, c->csum[copy][done]);
            *csum_crc = lo_crc32c(*csum_crc, dst, in_page * 4);
            b->offset[b->n++] = lo_layout_csum(&c->layout, copy) +
                                p * LO_CKPT_PAGE;
        }
        batch_submit(c, b);
        status = batch_finish(b);
    }
    return status;
}

static int write_boot(lo_ckpt *c, struct batch *b, unsigned copy,
                      uint32_t csum_crc)
{
    struct lo_boot boot = {
        .format_version = LO_CKPT_FORMAT_VERSION, .page_size = LO_CKPT_PAGE,
        .max_pages = c->layout.max_pages, .page_count = c->flip_page_count,
        .generation = c->flipped_gen, .vt_copy = copy, .csum_crc = csum_crc,
        .region_base = c->base,
    };
    lo_boot_encode(&boot, b->pages);
    return lo_disk_write_sync(c->disk, b->pages, LO_CKPT_PAGE,
                              lo_layout_boot(boot.generation % 2));
}

/* A write made inside a fault (copy-aside with the pool empty) may have
 * failed: then this snapshot must not get its boot block. */
static int check_not_failed(lo_ckpt *c)
{
    lo_mutex_lock(&c->lock);
    bool failed = c->failed;
    lo_mutex_unlock(&c->lock);
    return failed ? LO_EIO : LO_OK;
}

/* Steps 1-3 of the file comment.  *step names the one that failed. */
static int write_snapshot(lo_ckpt *c, struct batch batches[2],
                          const char **step)
{
    struct batch *b = &batches[0];
    unsigned copy = !c->durable_copy;
    uint32_t csum_crc = 0;
    int status;
    *step = "writing pages";
    if ((status = write_pages(c, batches)) != LO_OK)
        return status;
    *step = "writing the version table";
    if ((status = write_table(c, b, copy, &csum_crc)) != LO_OK)
        return status;
    *step = "flushing pages and the version table";
    if ((status = lo_disk_flush_sync(c->disk)) != LO_OK)
        return status;
    *step = "writing the boot block";
    if ((status = check_not_failed(c)) != LO_OK ||
        (status = write_boot(c, b, copy, csum_crc)) != LO_OK)
        return status;
    *step = "flushing the boot block";
    return lo_disk_flush_sync(c->disk);
}

/*
 * The snapshot failed: nothing more will be written, so its unwritten jobs
 * give back their copy-aside pages (the page has a newer version; the copy
 * was only for the snapshot) and zero jobs stop pending (ZERO still says
 * what the page holds).  A frame whose version 1 was never written stays
 * pinned: evicting it would lose the only copy of contents the process is
 * still using (lock held).
 */
static void abandon_jobs(lo_ckpt *c)
{
    for (size_t j = 0; j < c->njobs; j++) {
        struct job *job = &c->jobs[j];
        if (job->taken || job->source == FROM_FRAME)
            continue;
        if (job->source == FROM_SIDE)
            lo_ckpt_side_release(&c->side, job->side);
        if (job->source == FROM_COPY)
            lo_mem_free(job->copy);
        chunk_of(c, job->page)->flags[job->page % LO_CHUNK_PAGES] &=
            (uint8_t)~PG_PENDING;
        job->taken = true;
    }
}

void lo_ckpt_writer_main(void *arg)
{
    lo_ckpt *c = arg;
    static struct batch none;
    struct batch *b = lo_mem_alloc(2 * sizeof *b);
    if (!b)
        lo_panic("ckpt: no memory for the writer's batches");
    b[0] = b[1] = none;
    for (int i = 0; i < 2; i++)
        if (!(b[i].pages = lo_disk_buffer_alloc((size_t)BATCH * LO_CKPT_PAGE)))
            lo_panic("ckpt: no memory for the writer's staging buffers");

    lo_mutex_lock(&c->lock);
    for (;;) {
        while (!c->writer_stop &&
               !(c->flipped_gen > c->durable_gen && !c->failed))
            lo_cond_wait(&c->changed, &c->lock);
        if (c->writer_stop)
            break;
        lo_mutex_unlock(&c->lock);

        const char *step = "";
        int status = write_snapshot(c, b, &step);

        lo_mutex_lock(&c->lock);
        if (status == LO_OK && !c->failed) {
            c->durable_gen = c->flipped_gen;
            c->durable_copy = !c->durable_copy;
            c->stats.snapshots++;
            c->stats.last_snapshot_bytes =
                c->stats.last_snapshot_pages * (uint64_t)LO_CKPT_PAGE;
            c->stats.last_snapshot_ns = lo_clock_ns() - c->flip_started_ns;
            c->stats.last_snapshot_writes = c->writes_issued;
        } else if (status != LO_OK) {
            lo_ckpt_fail(c, "snapshot %llu failed %s: %s",
                         (unsigned long long)c->flipped_gen, step,
                         lo_strerror(status));
        }
        if (c->failed)
            abandon_jobs(c);
        lo_mem_free(c->jobs);
        c->jobs = NULL;
        c->njobs = 0;
        lo_cond_broadcast(&c->changed);
    }
    lo_mutex_unlock(&c->lock);
    for (int i = 0; i < 2; i++)
        lo_disk_buffer_free(b[i].pages);
    lo_mem_free(b);
}
