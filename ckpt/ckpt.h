/*
 * ckpt.h -- the single-level store (seed chapter 7, DESIGN.md "ckpt").
 *
 * A persistent region at a fixed virtual address: its page N is page N of
 * the checkpointed space on a disk, and main memory is only a cache of it.
 * Pages come in on first touch and leave under a frame budget; the first
 * write to a page in each checkpoint cycle gives it a new version in a free
 * disk slot.  lo_ckpt_snapshot() stops the mutators for an atomic flip, then
 * background writing makes that instant durable; after a crash at any
 * moment, opening the store yields exactly the last durable snapshot.
 *
 *   lo_ckpt *c;
 *   char why[160];
 *   struct lo_ckpt_options opt = { .create = true };
 *   if (lo_ckpt_open(disk, &opt, &c, why, sizeof why) != LO_OK) ...;
 *   lo_ckpt_grow(c, 1024);                 // 4 MiB of region
 *   memcpy(lo_ckpt_base(c), "hello", 6);   // faults do the rest
 *   lo_ckpt_sync(c);                       // durable
 *
 * One store is open per process at a time (the region's address is fixed).
 * docs/ckpt.md has the format, the invariants and the measurements.
 */
#ifndef LO_CKPT_H
#define LO_CKPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/disk.h"
#include "ckpt/layout.h"

typedef struct lo_ckpt lo_ckpt;

/* 2^45: ASan's shadow covers 2^44; this sits where ASan leaves room.
 * ThreadSanitizer's shadow covers 2^45 and it accepts fixed mappings of
 * the program only below 2^39 (and in two ranges near 0x5500... and
 * 0x7e80...), so a ThreadSanitizer build (make TSAN=1 defines LO_TSAN)
 * places the region at 2^38, which leaves it 256 GiB.  A store records
 * its base: one made by a TSAN build opens only in another. */
#ifdef LO_TSAN
#define LO_CKPT_BASE ((uintptr_t)1 << 38)
#else
#define LO_CKPT_BASE ((uintptr_t)1 << 45)
#endif

/* What a page-in or eviction does when the disk fails under it. */
enum lo_ckpt_io_failure {
    LO_CKPT_PANIC = 0,   /* stop the process: memory cannot be trusted */
    LO_CKPT_POISON,      /* zero page, store refuses further snapshots
                            (crash tests, where the "power" is gone) */
};

struct lo_ckpt_options {
    uintptr_t base;              /* region address; 0 = LO_CKPT_BASE */
    uint64_t frame_budget;       /* resident pages allowed; 0 = no limit */
    bool create;                 /* format the disk if it is blank */
    uint64_t max_pages;          /* format: cap the region; 0 = whole disk */
    uint32_t side_pages;         /* copy-aside pool, pages; 0 = 1024 */
    enum lo_ckpt_io_failure on_io_failure;
};

/*
 * Format a disk for ckpt: empty store (0 pages), generation 1.  Destroys
 * whatever store was there.  The disk's native block must divide 4096.
 */
int lo_ckpt_format(lo_disk *disk, const struct lo_ckpt_options *opt,
                   char *why, size_t why_len);

/*
 * Open the store on disk: recover the last durable snapshot (reads the
 * boot blocks and one version-table copy; no data page is read until
 * touched).  A blank disk is formatted when opt->create.  On failure the
 * code is returned and why says what was wrong.
 */
int lo_ckpt_open(lo_disk *disk, const struct lo_ckpt_options *opt,
                 lo_ckpt **out, char *why, size_t why_len);

/* Close: waits for a snapshot in progress, then drops everything not
 * durable (like a crash, but orderly).  Sync first to keep the state. */
void lo_ckpt_close(lo_ckpt *c);

void *lo_ckpt_base(const lo_ckpt *c);
uint64_t lo_ckpt_page_count(lo_ckpt *c);   /* pages in use */
uint64_t lo_ckpt_max_pages(const lo_ckpt *c);

/* Use more pages (zero-filled).  LO_ENOSPC past the disk's capacity. */
int lo_ckpt_grow(lo_ckpt *c, uint64_t page_count);

/*
 * Start a snapshot: waits for the previous one to be durable, stops the
 * world (safepoint.h), flips, resumes, and leaves the writing to a
 * background thread.  LO_EIO if an earlier snapshot failed (the store then
 * stays at its last durable state until reopened).
 */
int lo_ckpt_snapshot(lo_ckpt *c);

/*
 * A function the snapshot calls with the world stopped, just before the
 * flip (NULL: none): the layer above registers it to tell the store what
 * it need not keep, with lo_ckpt_release -- the heap gives back the free
 * pages past its top, so a snapshot never writes garbage.  It must not
 * touch the region with the store's lock held, or take a snapshot.
 */
void lo_ckpt_set_before_flip(lo_ckpt *c, void (*fn)(void *ctx), void *ctx);

/* Snapshot and wait until it is durable. */
int lo_ckpt_sync(lo_ckpt *c);

/* Wait until snapshot `generation` is durable: LO_OK, or LO_EIO if the
 * store failed first (or `generation` was never flipped). */
int lo_ckpt_wait(lo_ckpt *c, uint64_t generation);

/* Generation of the last durable snapshot (1 = freshly formatted). */
uint64_t lo_ckpt_generation(lo_ckpt *c);

/*
 * Refuse every later snapshot, as after a failed write: the memory image
 * no longer says what the store should hold (a layer above failed half
 * way through a change that only a whole snapshot may commit -- the
 * upgrade of a heap, lisp/upgrade.c), so the store stays at its last
 * durable state until reopened.  lo_ckpt_failure then says why.
 */
void lo_ckpt_refuse_snapshots(lo_ckpt *c, const char *why);

/* Why the store refuses snapshots ("" when it does not). */
const char *lo_ckpt_failure(lo_ckpt *c);

/*
 * Make [addr, addr+len) resident and writable from user mode, so that a
 * system call (read() into the region, say) can write there: the kernel
 * does not take the store's faults itself and would fail with EFAULT.
 * A snapshot protects writable pages again, and it does so before it
 * stops the world too (docs/ckpt.md, "Snapshots"): a system call must
 * come right after, with no snapshot possible in between, or retry on
 * EFAULT.
 */
int lo_ckpt_touch_for_write(lo_ckpt *c, void *addr, size_t len);

/*
 * Make [addr, addr+len) resident and writable at once, as writes to each
 * page would through their faults, but in one call: no fault taken, and
 * one protection change for each run of pages.  An optimization only (a
 * page evicted again meanwhile faults as usual): for a caller about to
 * write a large span that no other thread touches meanwhile, such as
 * the heap handing out fresh space.
 */
int lo_ckpt_prepare_write(lo_ckpt *c, void *addr, size_t len);

/*
 * Which pages were written: the collector's write barrier (docs/gc.md,
 * "Young collections").  lo_ckpt_track_writes starts watching pages
 * [first, first + count) anew: it forgets what was written there, and
 * when more than max_writable of them are writable it write-protects
 * those, so that the first write to each is seen (a fault).
 * lo_ckpt_pages_written then sets bit n of bits (count bits, the caller's
 * array) for each page first + n that may have been written since it was
 * last tracked -- a write fault saw it, or it is writable (written unseen,
 * perhaps) -- and clears the others.  A page never tracked may have its
 * bit set or not.  Writes by the kernel into the region fail instead
 * (touch_for_write), so no write goes unreported.  LO_ERANGE outside the
 * store's pages.
 */
int lo_ckpt_track_writes(lo_ckpt *c, uint64_t first, uint64_t count,
                         uint64_t max_writable);
int lo_ckpt_pages_written(lo_ckpt *c, uint64_t first, uint64_t count,
                          uint64_t *bits);

/*
 * Release pages [first_page, first_page + count): their contents are
 * dropped -- the frames given back to the host, a version 2 forgotten
 * unwritten -- and they read as zeros from now on, like pages just grown.
 * They become *absent*: no disk slot holds them, the next snapshot writes
 * nothing for them and its version table records them absent (their
 * slots are free for that generation).  The last durable snapshot is not
 * touched: until the next one is durable, a crash recovers the pages as
 * they were; after it, as zeros.  A version 1 the background writer still
 * needs is copied aside first (into memory: a release never waits for the
 * disk).  Writing to a released page later gives it
 * a new version as usual.  Whoever releases must make sure nobody uses the
 * old contents (the collector releases the pages past the heap's top with
 * the world stopped).  LO_ERANGE if the range is not within the store.
 */
int lo_ckpt_release(lo_ckpt *c, uint64_t first_page, uint64_t count);

struct lo_ckpt_stats {
    uint64_t pages;              /* pages in use */
    uint64_t max_pages;
    uint64_t resident;           /* frames in memory */
    uint64_t dirty;              /* frames not yet on disk */
    uint64_t page_ins, write_faults, evictions;
    uint64_t read_ahead;         /* of the page_ins, pages read with the
                                    one a fault asked for (frames.c) */
    uint64_t snapshots;          /* durable snapshots since open */
    uint64_t generation;
    uint64_t last_flip_ns;       /* mutators' pause in the last flip */
    uint64_t last_snapshot_pages;/* pages written by the last snapshot */
    uint64_t last_snapshot_bytes;
    uint64_t last_snapshot_writes;   /* write requests it took (merged) */
    uint64_t last_snapshot_ns;   /* flip to durable */
    uint64_t side_copies;        /* v1 frames copied aside (write faults,
                                    releases) */
    uint64_t slots_used;         /* disk slots the latest snapshot's table
                                    references: its pages not absent */
    uint64_t released;           /* pages made absent by lo_ckpt_release,
                                    since open (absent ones count too) */
    const char *mechanism;       /* "userfaultfd" or "mprotect" */
};

void lo_ckpt_stats(lo_ckpt *c, struct lo_ckpt_stats *out);

#endif
