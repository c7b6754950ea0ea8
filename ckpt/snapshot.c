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

#include "checksum.h"
#include "internal.h"
#include "safepoint.h"

enum { BATCH = 256 };          /* pages staged and in flight at once */

/* ---- the flip (world stopped, lock held) ------------------------------------ */

struct wp_run { uintptr_t start; size_t len; };

static void wp_flush(struct wp_run *run)
{
    if (run->len) {
        int status = lo_vm_write_protect(run->start, run->len, true);
        if (status != LO_OK)
            lo_panic("ckpt: cannot write-protect at the flip: %s",
                     lo_strerror(status));
    }
    run->len = 0;
}

static void wp_add(struct wp_run *run, uintptr_t addr)
{
    if (run->len && run->start + run->len == addr) {
        run->len += LO_CKPT_PAGE;
        return;
    }
    wp_flush(run);
    run->start = addr;
    run->len = LO_CKPT_PAGE;
}

/* Flip one chunk; returns its count of pages that now have a version 1. */
static uint32_t flip_chunk(lo_ckpt *c, uint64_t k, struct wp_run *run)
{
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
        if (lo_vt_has(e, 2)) {
            changed = true;
            struct job job = { .page = page };
            if ((*f & PG_RESIDENT) && (*f & PG_DIRTY))
                job.source = FROM_FRAME;
            else if (*f & PG_ZERO)
                job.source = FROM_ZERO;
            else
                job.page = UINT64_MAX;  /* already in its slot (evicted) */
            if (job.page != UINT64_MAX) {
                c->jobs[c->njobs++] = job;
                *f |= PG_PENDING;
            }
            if (*f & PG_WRITABLE)
                wp_add(run, page_addr(c, page));
            *f &= (uint8_t)~(PG_WRITABLE | PG_DIRTY);
        }
        e = c->flip_table[e];
        ch->entry[i] = e;
        multi += lo_vt_multi(e);
    }
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
    struct wp_run run = { 0, 0 };
    for (uint64_t k = 0; k < lo_chunks_for(c->page_count); k++)
        if (c->dir[k]->multi)
            c->dir[k]->multi = flip_chunk(c, k, &run);
    wp_flush(&run);
    c->v2_pages = 0;
    c->flip_page_count = c->page_count;
    c->flipped_gen = c->durable_gen + 1;
    c->stats.last_snapshot_pages = 0;
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

struct batch {
    unsigned char *pages;            /* BATCH staging pages */
    lo_ticket *tickets[BATCH];
    uint64_t page[BATCH];
    size_t n;
};

/* Wait for a batch; returns the first failure. */
static int batch_finish(struct batch *b)
{
    int status = lo_wait_all(b->tickets, b->n);
    for (size_t i = 0; i < b->n; i++) {
        lo_ticket_release(b->tickets[i]);
        b->tickets[i] = NULL;
    }
    return status;
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
        struct chunk *ch = chunk_of(c, b->page[i]);
        unsigned k = b->page[i] % LO_CHUNK_PAGES;
        ch->flags[k] &= (uint8_t)~PG_PENDING;
        if (!lo_vt_has(ch->entry[k], 2))
            ch->flags[k] &= (uint8_t)~PG_ZERO;
    }
    c->stats.last_snapshot_pages += b->n;
    lo_mutex_unlock(&c->lock);
}

static int write_pages(lo_ckpt *c, struct batch *b)
{
    int status = LO_OK;
    for (size_t j = 0; j < c->njobs && status == LO_OK;) {
        b->n = 0;
        lo_mutex_lock(&c->lock);
        for (; j < c->njobs && b->n < BATCH; j++) {
            struct job *job = &c->jobs[j];
            if (job->taken)
                continue;       /* written during a fault */
            unsigned char *dst = b->pages + b->n * LO_CKPT_PAGE;
            stage_job(c, job, dst);
            struct chunk *ch = chunk_of(c, job->page);
            unsigned slot = lo_vt_slot(ch->entry[job->page % LO_CHUNK_PAGES], 1);
            b->page[b->n] = job->page;
            b->tickets[b->n] = lo_disk_write_block(
                c->disk, dst, LO_CKPT_PAGE,
                lo_layout_slot(&c->layout, job->page, slot));
            b->n++;
        }
        lo_mutex_unlock(&c->lock);
        status = batch_finish(b);
        if (status == LO_OK)
            jobs_done(c, b);
    }
    return status;
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
                       ? lo_vt_durable(ch->entry[i]) : 0xff;
            c->csum[copy][k] = lo_crc32c(0, dst, LO_CHUNK_PAGES);
            b->page[b->n] = k;
            b->tickets[b->n++] = lo_disk_write_block(
                c->disk, dst, LO_CKPT_PAGE, lo_layout_chunk(&c->layout, copy, k));
        }
        lo_mutex_unlock(&c->lock);
        status = batch_finish(b);
        if (status == LO_OK) {
            lo_mutex_lock(&c->lock);
            for (size_t i = 0; i < b->n; i++)
                c->dir[b->page[i]]->stale[copy] = false;
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
            b->tickets[b->n++] = lo_disk_write_block(
                c->disk, dst, LO_CKPT_PAGE,
                lo_layout_csum(&c->layout, copy) + p * LO_CKPT_PAGE);
        }
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
static int write_snapshot(lo_ckpt *c, struct batch *b, const char **step)
{
    unsigned copy = !c->durable_copy;
    uint32_t csum_crc = 0;
    int status;
    *step = "writing pages";
    if ((status = write_pages(c, b)) != LO_OK)
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

void lo_ckpt_writer_main(void *arg)
{
    lo_ckpt *c = arg;
    struct batch b = { .n = 0 };
    b.pages = lo_disk_buffer_alloc((size_t)BATCH * LO_CKPT_PAGE);
    if (!b.pages)
        lo_panic("ckpt: no memory for the writer's staging buffer");

    lo_mutex_lock(&c->lock);
    for (;;) {
        while (!c->writer_stop &&
               !(c->flipped_gen > c->durable_gen && !c->failed))
            lo_cond_wait(&c->changed, &c->lock);
        if (c->writer_stop)
            break;
        lo_mutex_unlock(&c->lock);

        const char *step = "";
        int status = write_snapshot(c, &b, &step);

        lo_mutex_lock(&c->lock);
        if (status == LO_OK && !c->failed) {
            c->durable_gen = c->flipped_gen;
            c->durable_copy = !c->durable_copy;
            c->stats.snapshots++;
            c->stats.last_snapshot_bytes =
                c->stats.last_snapshot_pages * (uint64_t)LO_CKPT_PAGE;
            c->stats.last_snapshot_ns = lo_clock_ns() - c->flip_started_ns;
        } else if (status != LO_OK) {
            lo_ckpt_fail(c, "snapshot %llu failed %s: %s",
                         (unsigned long long)c->flipped_gen, step,
                         lo_strerror(status));
        }
        lo_mem_free(c->jobs);
        c->jobs = NULL;
        c->njobs = 0;
        lo_cond_broadcast(&c->changed);
    }
    lo_mutex_unlock(&c->lock);
    lo_disk_buffer_free(b.pages);
}
