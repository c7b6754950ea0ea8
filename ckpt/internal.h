/*
 * internal.h -- the state shared by ckpt's files (not for other layers).
 *
 * The files, in layers: a file calls only files of lower layers, never
 * one of its own layer or above, so calls between them run one way
 * (tests/integration/layers.t checks it from the object files):
 *
 *   5  store.c      opening, recovery, formatting, growth, closing, stats
 *   4  frames.c     the fault hook: demand paging, write faults, eviction;
 *                   releasing pages
 *      snapshot.c   the flip: snapshot, wait, sync
 *      writer.c     the background writer: a flipped snapshot to disk
 *   3  side.c       where a version 1 waiting for the writer is kept: its
 *                   frame, a copy aside in memory, or its slot already
 *   2  slots.c      the disk slots of pages: which slot a version uses, a
 *                   slot for a new version, transfers, a transfer failing
 *   1  state.c      the store's lock and its failure
 *      layout.c     where things are on disk, the boot block
 *      vtable.c     version-table entries, the flip table
 *      safepoint.c  stopping the mutators
 *
 * Layer 4 files do not call each other: the flip hands the writer its
 * jobs (struct job below) and wakes it through `changed`; a fault changes
 * a job's source (side.c) without calling the writer.  store.c starts
 * everything: the fault hook, the copy-aside pool, the writer thread.
 *
 * Per page the store keeps its version-table entry (vtable.h) and a byte of
 * frame flags, in chunks of 4096 pages reached through a directory -- the
 * seed's two-level table.  One mutex (lock) guards all of it; the fault
 * hook takes it on the faulting thread.  Rule that keeps that safe: no code
 * touches the region's memory while holding the lock, except to copy a
 * page that is resident (and so cannot fault on a read).  Functions
 * "called with the lock held" assert it (ckpt_locked below).
 */
#ifndef LO_CKPT_INTERNAL_H
#define LO_CKPT_INTERNAL_H

#include <stdatomic.h>

#include "ckpt/ckpt.h"
#include "drivers/platform.h"
#include "ckpt/vtable.h"

/* A page fault reads the page and up to this many pages in all after it
 * that hold data and are missing, with their requests in flight together
 * (frames.c, page_in_ahead). */
#define LO_CKPT_READ_AHEAD 8

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

/*
 * What a page's entry and flags always agree on (checked with LO_ASSERT
 * where they change): the entry is well formed (version 0 exists, the
 * versions' slots are distinct); a writable or dirty frame is resident and
 * holds a version 2; a pending version 1 and an absent one exist.
 */
static inline bool page_consistent(uint8_t entry, uint8_t flags)
{
    if (!lo_vt_valid(entry))
        return false;
    if ((flags & (PG_WRITABLE | PG_DIRTY)) &&
        (!(flags & PG_RESIDENT) || !lo_vt_has(entry, 2)))
        return false;
    if ((flags & (PG_PENDING | PG_V1_ABSENT)) && !lo_vt_has(entry, 1))
        return false;
    return true;
}

struct chunk {
    uint8_t entry[LO_CHUNK_PAGES];   /* version table */
    uint8_t flags[LO_CHUNK_PAGES];
    uint32_t multi;                  /* entries with a version 1 or 2: the
                                        seed's "has multi-version" bit */
    uint64_t written[LO_CHUNK_PAGES / 64];  /* a bit per page written since
                                        the collector last asked
                                        (lo_ckpt_track_writes) */
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
    _Atomic(const char *) holder;    /* debug builds: the thread holding
                                        lock (ckpt_lock) */
    lo_cond changed;                 /* writer progress, durability */
    uint64_t frame_budget, resident, clock_hand;
    unsigned char *io_page;          /* page-in and eviction staging */
    unsigned char *ahead;            /* read-ahead staging, LO_CKPT_READ_AHEAD
                                        pages (frames.c) */
    struct side_pool side;

    /* snapshots */
    lo_mutex snapshot_lock;          /* one lo_ckpt_snapshot at a time */
    void (*before_flip)(void *ctx);  /* lo_ckpt_set_before_flip */
    void *before_flip_ctx;
    struct job *jobs;                /* kept from one snapshot to the next */
    size_t njobs, jobs_cap;
    uint64_t v2_pages;               /* pages with a version 2 */
    uint64_t slots_used;             /* pages whose disk_form is a slot */
    uint64_t flip_page_count;
    uint64_t durable_gen, flipped_gen;
    unsigned durable_copy;
    uint32_t *csum[2];               /* CRC per chunk, per table copy */
    bool writer_stop, failed;
    char failure[512];
    lo_thread writer;
    uint64_t flip_started_ns;
    uint64_t writes_issued;          /* by the writer, this snapshot */

    struct lo_ckpt_stats stats;
};

static inline struct chunk *chunk_of(lo_ckpt *c, uint64_t page)
{
    return c->dir[page / LO_CHUNK_PAGES];
}

/* Page i of a chunk may have been written since it was last tracked
 * (frames.c, "the writes the collector asks about"): set by every write
 * fault, and wherever a writable page is protected -- it may have been
 * written while writable, unseen. */
static inline void mark_written(struct chunk *ch, unsigned i)
{
    ch->written[i / 64] |= 1ull << (i % 64);
}

static inline uintptr_t page_addr(const lo_ckpt *c, uint64_t page)
{
    return c->base + page * (uintptr_t)LO_CKPT_PAGE;
}

/* ---- state.c: the lock and the failure ---------------------------------- */

/*
 * The store's lock, always taken and released through these, so that in
 * debug builds (LO_DEBUG) the store knows which thread holds it: the
 * address of lo_ckpt_this_thread, a thread-local, names the thread.  A
 * thread reads back only its own store to `holder` or a later one, so a
 * relaxed load answers "do I hold it" exactly.  Release builds keep no
 * holder; ckpt_locked is then only ever used inside LO_ASSERT, which does
 * not evaluate it.
 */
extern _Thread_local char lo_ckpt_this_thread;

static inline bool ckpt_locked(lo_ckpt *c)
{
    return atomic_load_explicit(&c->holder, memory_order_relaxed) ==
           &lo_ckpt_this_thread;
}

static inline void ckpt_hold(lo_ckpt *c, bool held)
{
#ifdef LO_DEBUG
    atomic_store_explicit(&c->holder, held ? &lo_ckpt_this_thread : NULL,
                          memory_order_relaxed);
#else
    (void)c, (void)held;
#endif
}

static inline void ckpt_lock(lo_ckpt *c)
{
    LO_ASSERT(!ckpt_locked(c));      /* the mutex is not recursive */
    lo_mutex_lock(&c->lock);
    ckpt_hold(c, true);
}

static inline void ckpt_unlock(lo_ckpt *c)
{
    LO_ASSERT(ckpt_locked(c));
    ckpt_hold(c, false);
    lo_mutex_unlock(&c->lock);
}

/* Wait for `changed` (lock held; released while waiting). */
static inline void ckpt_wait(lo_ckpt *c)
{
    LO_ASSERT(ckpt_locked(c));
    ckpt_hold(c, false);
    lo_cond_wait(&c->changed, &c->lock);
    ckpt_hold(c, true);
}

/* Record a failure that stops further snapshots (lock held). */
void lo_ckpt_fail(lo_ckpt *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ---- slots.c: a page's disk slots (all with the lock held) --------------- */

/* The byte offset on disk of the slot holding version `version` of page. */
uint64_t lo_ckpt_slot_offset(lo_ckpt *c, uint64_t page, unsigned version);

/* Synchronous transfers between a buffer and the slot of a version. */
int lo_ckpt_read_version(lo_ckpt *c, void *buf, uint64_t page,
                         unsigned version);
int lo_ckpt_write_version(lo_ckpt *c, const void *buf, uint64_t page,
                          unsigned version);

/* Give page (which has none) a version 2, in a free slot. */
void lo_ckpt_new_version(lo_ckpt *c, uint64_t page);

/* A transfer made under a fault failed: panic or poison (ckpt.h). */
void lo_ckpt_io_failed(lo_ckpt *c, int status, const char *what,
                       uint64_t page);

/* ---- side.c: where a pending version 1 is kept ---------------------------- */

int lo_ckpt_side_init(struct side_pool *p, uint32_t pages);
void lo_ckpt_side_free_all(struct side_pool *p);

/* The version 1 of page is about to change or go (lock held): if the
 * writer still needs it from its frame, save it (side.c says where). */
void lo_ckpt_side_copy(lo_ckpt *c, uint64_t page, bool may_allocate);

/* Copy job's contents into dst (a staging page) and give back what held
 * them; the job is then taken (lock held). */
void lo_ckpt_side_take(lo_ckpt *c, struct job *job, unsigned char *dst);

/* Give back what holds an untaken job's contents, unwritten (lock held). */
void lo_ckpt_side_drop(lo_ckpt *c, struct job *job);

/* ---- frames.c, writer.c: what store.c starts ------------------------------ */

bool lo_ckpt_fault(void *ctx, uintptr_t addr, bool is_write);
void lo_ckpt_writer_main(void *arg);

#endif
