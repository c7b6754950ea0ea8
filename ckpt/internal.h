/*
 * internal.h -- the state shared by ckpt's files (not for other layers).
 *
 *   store.c     opening, recovery, formatting, growth, closing, stats
 *   frames.c    the fault hook: demand paging, write faults, eviction
 *   snapshot.c  the flip and the background writer
 *
 * Per page the store keeps its version-table entry (vtable.h) and a byte of
 * frame flags, in chunks of 4096 pages reached through a directory -- the
 * seed's two-level table.  One mutex (lock) guards all of it; the fault
 * hook takes it on the faulting thread.  Rule that keeps that safe: no code
 * touches the region's memory while holding the lock, except to copy a
 * page that is resident (and so cannot fault on a read).
 */
#ifndef LO_CKPT_INTERNAL_H
#define LO_CKPT_INTERNAL_H

#include "ckpt/ckpt.h"
#include "drivers/platform.h"
#include "ckpt/vtable.h"

/* Frame flags, one byte per page. */
enum {
    PG_RESIDENT = 1,    /* a frame holds the newest version */
    PG_WRITABLE = 2,    /* not write-protected: a dirty version 2 */
    PG_DIRTY = 4,       /* the frame's version 2 is not yet in its slot */
    PG_ZERO = 8,        /* the newest version is absent: zeros, no slot */
    PG_PENDING = 16,    /* version 1 not yet written (a job exists) */
    PG_REF = 32,        /* touched since the clock last passed */
    PG_V1_ABSENT = 64,  /* version 1 exists and is absent (zeros, no slot) */
    PG_V0_ABSENT = 128, /* version 0 is absent */
};

/* A page's entry as the table of the snapshot being written (or the
 * durable one, with no version 1) records it. */
static inline uint8_t disk_form(uint8_t entry, uint8_t flags)
{
    return lo_vt_durable_form(entry, flags & PG_V1_ABSENT,
                              flags & PG_V0_ABSENT);
}

struct chunk {
    uint8_t entry[LO_CHUNK_PAGES];   /* version table */
    uint8_t flags[LO_CHUNK_PAGES];
    uint32_t multi;                  /* entries with a version 1 or 2: the
                                        seed's "has multi-version" bit */
    uint32_t resident;
    bool stale[2];                   /* table copy c lacks this chunk */
};

/* A version-1 page the background writer must put in its slot.  (A version
 * 1 that is all zeros is absent instead: no job, no slot written.)
 * FROM_COPY: copied aside by a release when the pool was empty, into a
 * page of its own (a release runs outside any fault, so it may allocate;
 * a fault may not). */
enum job_source { FROM_FRAME, FROM_SIDE, FROM_COPY };
struct job {
    uint64_t page;
    uint8_t source;
    bool taken;                      /* staged by the writer */
    uint32_t side;                   /* FROM_SIDE: pool index */
    unsigned char *copy;             /* FROM_COPY: the page */
};

struct side_pool {
    unsigned char *pages;
    uint32_t *free;
    uint32_t nfree, cap;
};

struct lo_ckpt {
    lo_disk *disk;
    struct lo_layout layout;
    uintptr_t base;
    uint64_t page_count;
    struct chunk **dir;              /* layout.chunks entries */
    uint8_t flip_table[64];
    enum lo_ckpt_io_failure on_io_failure;

    lo_mutex lock;                   /* everything below */
    lo_cond changed;                 /* writer progress, durability */
    uint64_t frame_budget, resident, clock_hand;
    unsigned char *io_page;          /* page-in and eviction staging */
    struct side_pool side;

    /* snapshots */
    lo_mutex snapshot_lock;          /* one lo_ckpt_snapshot at a time */
    struct job *jobs;
    size_t njobs;
    uint64_t v2_pages;               /* pages with a version 2 */
    uint64_t slots_used;             /* pages whose disk_form is a slot */
    uint64_t flip_page_count;
    uint64_t durable_gen, flipped_gen;
    unsigned durable_copy;
    uint32_t *csum[2];               /* CRC per chunk, per table copy */
    bool writer_stop, failed;
    char failure[160];
    lo_thread writer;
    uint64_t flip_started_ns;
    uint64_t writes_issued;          /* by the writer, this snapshot */

    struct lo_ckpt_stats stats;
};

static inline struct chunk *chunk_of(lo_ckpt *c, uint64_t page)
{
    return c->dir[page / LO_CHUNK_PAGES];
}

static inline uintptr_t page_addr(const lo_ckpt *c, uint64_t page)
{
    return c->base + page * (uintptr_t)LO_CKPT_PAGE;
}

/* frames.c */
bool lo_ckpt_fault(void *ctx, uintptr_t addr, bool is_write);
int lo_ckpt_side_init(struct side_pool *p, uint32_t pages);
void lo_ckpt_side_free_all(struct side_pool *p);
void lo_ckpt_side_release(struct side_pool *p, uint32_t index);
unsigned char *lo_ckpt_side_page(struct side_pool *p, uint32_t index);

/* snapshot.c */
void lo_ckpt_writer_main(void *arg);

/* Record a failure that stops further snapshots (lock held). */
void lo_ckpt_fail(lo_ckpt *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Synchronous page transfers between a buffer and a slot. */
int lo_ckpt_read_slot(lo_ckpt *c, void *buf, uint64_t page, unsigned slot);
int lo_ckpt_write_slot(lo_ckpt *c, const void *buf, uint64_t page,
                       unsigned slot);

#endif
