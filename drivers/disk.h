/*
 * disk.h -- the disk protocol (seed chapter 8.3) and the generic drivers.
 *
 * A disk stores data in native blocks numbered 0 .. size-1.  Transfers use
 * a buffer whose size is a power of two; the disk address (a byte offset)
 * must be a multiple of that size, and the buffer in memory must be aligned
 * to min(size, native block size) -- lo_disk_buffer_alloc() gives such
 * buffers.  A transfer smaller than the native block is a read-modify-write
 * of that block; a larger one covers several native blocks.  Every transfer
 * and every flush returns a ticket (drivers/ticket.h).
 *
 * Flush is the durability barrier: its ticket expires once every write
 * issued before the flush (on any thread) is on stable storage.  Writes not
 * yet covered by a flush may be lost, kept or torn at a power failure; that
 * is what the fault-injecting disk below simulates.
 *
 * Bad arguments (size not a power of two, misaligned address or buffer,
 * range past the end of the disk) give an expired ticket with LO_ESIZE,
 * LO_EALIGN or LO_ERANGE and a message; nothing is transferred.
 *
 * Drivers implement struct lo_disk_ops, which deals only in whole native
 * blocks with suitably aligned buffers; this layer does the checking and the
 * read-modify-write, so each driver stays small.
 */
#ifndef LO_DISK_H
#define LO_DISK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/platform.h"
#include "drivers/ticket.h"

typedef struct lo_disk lo_disk;

/* Native block sizes are powers of two in this range. */
#define LO_DISK_MIN_BLOCK 512u
#define LO_DISK_MAX_BLOCK (1u << 20)

/* ---- the protocol ------------------------------------------------------ */

uint64_t lo_disk_size(const lo_disk *d);        /* in native blocks */
uint32_t lo_disk_block_size(const lo_disk *d);  /* native block, bytes */
const char *lo_disk_name(const lo_disk *d);     /* driver and target */

lo_ticket *lo_disk_read_block(lo_disk *d, void *buf, size_t len,
                              uint64_t addr);
lo_ticket *lo_disk_write_block(lo_disk *d, const void *buf, size_t len,
                               uint64_t addr);
lo_ticket *lo_disk_flush(lo_disk *d);

/* Closing waits for nothing: wait for your tickets first. */
void lo_disk_close(lo_disk *d);

/* Synchronous helpers: start, wait, release; return the status. */
int lo_disk_read_sync(lo_disk *d, void *buf, size_t len, uint64_t addr);
int lo_disk_write_sync(lo_disk *d, const void *buf, size_t len,
                       uint64_t addr);
int lo_disk_flush_sync(lo_disk *d);

/* A zeroed buffer fit for any disk's transfers of len bytes, and of
 * every block-sized slice of it (aligned to len & -len, at most 1 MiB). */
void *lo_disk_buffer_alloc(size_t len);
void lo_disk_buffer_free(void *buf);

/* ---- generic drivers --------------------------------------------------- */

/* A disk in memory: blocks * block_size bytes, zero-filled.  block_size must
 * be a power of two (LO_DISK_MIN_BLOCK .. LO_DISK_MAX_BLOCK). */
int lo_ram_disk_open(uint64_t blocks, uint32_t block_size, lo_disk **out);

/*
 * The fault-injecting disk wraps any disk (which it does not own: close the
 * inner disk after the wrapper).  It keeps writes in a volatile "cache"
 * until a flush, like a drive with a write cache, and can:
 *  - fail the Nth operation (counting the kinds in fail_kinds) with LO_EIO,
 *    once or (fail_sticky) for every operation from then on;
 *  - lose power as the Nth write (or the Nth flush) is issued, or when
 *    asked.  At that moment
 *    every flushed write is on the inner disk, and each unflushed write
 *    (including the Nth) is independently kept, dropped, or torn -- a random
 *    subset of its native blocks written -- chosen by an RNG seeded with
 *    seed, in the order the writes were issued.  Afterwards every operation
 *    fails with LO_EPOWER.
 * Reads see the cache (read-your-writes).  write_latency_ns makes every
 * write take that long, so that work racing the disk gets exercised;
 * async_ns makes completions arrive later and out of order (what an
 * operation does is still decided when it is issued).
 * Write counts are of native-level
 * writes: a sub-block write_block is one read and one write.
 */
enum lo_fault_kind {
    LO_FAULT_READ = 1,
    LO_FAULT_WRITE = 2,
    LO_FAULT_FLUSH = 4,
    LO_FAULT_ANY = 7,
};

struct lo_fault_config {
    uint64_t seed;
    uint64_t fail_op;           /* 1-based; 0 = never fail */
    unsigned fail_kinds;        /* which operations count; 0 = any */
    bool fail_sticky;           /* fail every counted op from fail_op on */
    uint64_t power_loss_write;  /* 1-based; 0 = never */
    uint64_t power_loss_flush;  /* lose power as the Nth flush is issued,
                                   before it drains anything; 0 = never */
    uint64_t write_latency_ns;  /* each write takes this long (a slow disk) */
    uint64_t async_ns;          /* > 0: tickets expire later, about this
                                   long each, out of order (a flush never
                                   before the operations issued before it) */
};

struct lo_fault_stats {
    uint64_t reads, writes, flushes;  /* native operations seen */
    uint64_t cached_writes;           /* unflushed writes now held */
    uint64_t failed;                  /* operations failed on purpose */
    bool power_lost;
    uint64_t kept, dropped, torn;     /* fate of unflushed writes */
};

int lo_fault_disk_open(lo_disk *inner, const struct lo_fault_config *cfg,
                       lo_disk **out);
/* Lose power now (no-op if already lost); returns LO_OK or the inner disk's
 * error while settling the cache. */
int lo_fault_disk_lose_power(lo_disk *d);
void lo_fault_disk_stats(lo_disk *d, struct lo_fault_stats *out);

/* ---- for drivers ------------------------------------------------------- */

/* Operations on whole native blocks: offset and len are multiples of the
 * native block size, buf is aligned to it, the range is inside the disk. */
struct lo_disk_ops {
    lo_ticket *(*read)(lo_disk *d, void *buf, size_t len, uint64_t offset);
    lo_ticket *(*write)(lo_disk *d, const void *buf, size_t len,
                        uint64_t offset);
    lo_ticket *(*flush)(lo_disk *d);
    void (*close)(lo_disk *d);       /* frees the driver's state */
};

struct lo_disk {
    const struct lo_disk_ops *ops;
    uint64_t blocks;
    uint32_t block_size;
    lo_mutex rmw_lock;               /* serializes read-modify-writes */
    char name[96];
};

/* Fill the generic part; drivers embed struct lo_disk first. */
void lo_disk_init(lo_disk *d, const struct lo_disk_ops *ops, uint64_t blocks,
                  uint32_t block_size, const char *name);

#endif
