/*
 * writer.c -- the background writer: a flipped snapshot to disk.
 *
 * A thread of its own, woken when a flip has left jobs (snapshot.c).
 * Off the mutators' path, it
 *   1. writes each job's page to its version-1 slot (from the frame, from
 *      its copy aside, or zeros: side.c), many in flight;
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
 *
 * The lock is held to stage pages and table chunks and to record progress,
 * never while waiting for the disk.
 *
 * Layer 4 (internal.h): calls side.c, slots.c, state.c, layout.c,
 * vtable.c.
 */
#include <string.h>

#include "drivers/checksum.h"
#include "ckpt/internal.h"

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
            /* A piece is a page at least: no more pieces than pages. */
            LO_ASSERT(b->ntickets < BATCH);
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

/* The written pages no longer pend; zeros now live in their slot. */
static void jobs_done(lo_ckpt *c, const struct batch *b)
{
    ckpt_lock(c);
    for (size_t i = 0; i < b->n; i++) {
        struct chunk *ch = chunk_of(c, b->id[i]);
        unsigned k = b->id[i] % LO_CHUNK_PAGES;
        LO_ASSERT(ch->flags[k] & PG_PENDING);
        ch->flags[k] &= (uint8_t)~PG_PENDING;
        if (!lo_vt_has(ch->entry[k], 2))
            ch->flags[k] &= (uint8_t)~PG_ZERO;
    }
    c->stats.last_snapshot_pages += b->n;
    ckpt_unlock(c);
}

/* Stage up to BATCH jobs from *next on; returns how many were staged. */
static size_t stage_jobs(lo_ckpt *c, struct batch *b, size_t *next)
{
    b->n = 0;
    ckpt_lock(c);
    for (; *next < c->njobs && b->n < BATCH; (*next)++) {
        struct job *job = &c->jobs[*next];
        if (job->taken)
            continue;           /* written during a fault */
        lo_ckpt_side_take(c, job, b->pages + b->n * LO_CKPT_PAGE);
        b->id[b->n] = job->page;
        b->offset[b->n] = lo_ckpt_slot_offset(c, job->page, 1);
        b->n++;
    }
    ckpt_unlock(c);
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
        ckpt_lock(c);
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
        ckpt_unlock(c);
        batch_submit(c, b);
        status = batch_finish(b);
        if (status == LO_OK) {
            ckpt_lock(c);
            for (size_t i = 0; i < b->n; i++)
                c->dir[b->id[i]]->stale[copy] = false;
            ckpt_unlock(c);
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
    ckpt_lock(c);
    bool failed = c->failed;
    ckpt_unlock(c);
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
    LO_ASSERT(ckpt_locked(c) && c->failed);
    for (size_t j = 0; j < c->njobs; j++) {
        struct job *job = &c->jobs[j];
        if (job->taken || job->source == FROM_FRAME)
            continue;
        lo_ckpt_side_drop(c, job);
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

    ckpt_lock(c);
    for (;;) {
        while (!c->writer_stop &&
               !(c->flipped_gen > c->durable_gen && !c->failed))
            ckpt_wait(c);
        if (c->writer_stop)
            break;
        /* Invariant 3: one snapshot in flight, on the durable one. */
        LO_ASSERT(c->flipped_gen == c->durable_gen + 1);
        ckpt_unlock(c);

        const char *step = "";
        int status = write_snapshot(c, b, &step);

        ckpt_lock(c);
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
        c->njobs = 0;           /* the array stays for the next flip */
        lo_cond_broadcast(&c->changed);
    }
    ckpt_unlock(c);
    for (int i = 0; i < 2; i++)
        lo_disk_buffer_free(b[i].pages);
    lo_mem_free(b);
}
