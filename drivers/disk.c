/*
 * disk.c -- the disk protocol's generic layer (see disk.h).
 *
 * Every driver gets the same argument checking and the same treatment of
 * transfers smaller than a native block, so drivers only ever see whole,
 * aligned native blocks.  A sub-block transfer is done on the caller's
 * thread: the native block is read into a bounce buffer, patched (for a
 * write) and written back, with the disk's rmw_lock held so two patches of
 * one native block cannot lose each other's bytes.  Sub-block transfers are
 * rare (metadata); bulk I/O is native-sized and stays asynchronous.
 */
#include <string.h>

#include "drivers/disk.h"
#include "drivers/printf.h"

static bool power_of_two(uint64_t x)
{
    return x != 0 && (x & (x - 1)) == 0;
}

void lo_disk_init(lo_disk *d, const struct lo_disk_ops *ops, uint64_t blocks,
                  uint32_t block_size, const char *name)
{
    d->ops = ops;
    d->blocks = blocks;
    d->block_size = block_size;
    lo_mutex_init(&d->rmw_lock);
    lo_snprintf(d->name, sizeof d->name, "%s", name);
}

uint64_t lo_disk_size(const lo_disk *d) { return d->blocks; }
uint32_t lo_disk_block_size(const lo_disk *d) { return d->block_size; }
const char *lo_disk_name(const lo_disk *d) { return d->name; }

/* NULL when the transfer is acceptable, else an expired ticket saying why. */
static lo_ticket *check_transfer(const lo_disk *d, const char *op,
                                 const void *buf, size_t len, uint64_t addr)
{
    uint64_t capacity = d->blocks * d->block_size;
    if (!buf)
        return lo_ticket_done(LO_EINVAL, "%s: buffer is NULL", op);
    if (!power_of_two(len))
        return lo_ticket_done(LO_ESIZE,
                              "%s: buffer size %zu is not a power of two",
                              op, len);
    if (addr % len != 0)
        return lo_ticket_done(LO_EALIGN,
                              "%s: address %llu is not a multiple of the "
                              "buffer size %zu", op,
                              (unsigned long long)addr, len);
    size_t mem_align = len < d->block_size ? len : d->block_size;
    if ((uintptr_t)buf % mem_align != 0)
        return lo_ticket_done(LO_EALIGN,
                              "%s: buffer %p is not aligned to %zu bytes",
                              op, buf, mem_align);
    if (addr >= capacity || len > capacity - addr)
        return lo_ticket_done(LO_ERANGE,
                              "%s: %zu bytes at %llu run past the end of "
                              "%s (%llu bytes)", op, len,
                              (unsigned long long)addr, d->name,
                              (unsigned long long)capacity);
    return NULL;
}

/* Read or patch a piece of one native block, synchronously. */
static lo_ticket *sub_block_transfer(lo_disk *d, void *rbuf, const void *wbuf,
                                     size_t len, uint64_t addr)
{
    uint64_t base = addr - addr % d->block_size;
    size_t inside = (size_t)(addr - base);
    unsigned char *bounce = lo_disk_buffer_alloc(d->block_size);
    if (!bounce)
        return lo_ticket_done(LO_ENOMEM, "out of memory for a bounce buffer");

    if (wbuf)
        lo_mutex_lock(&d->rmw_lock);
    lo_ticket *t = d->ops->read(d, bounce, d->block_size, base);
    int status = lo_ticket_wait(t);
    lo_ticket *result = NULL;
    if (status != LO_OK) {
        result = lo_ticket_done(status, "%s", lo_ticket_message(t));
    } else if (wbuf) {
        memcpy(bounce + inside, wbuf, len);
        lo_ticket *w = d->ops->write(d, bounce, d->block_size, base);
        status = lo_ticket_wait(w);
        result = lo_ticket_done(status, "%s", lo_ticket_message(w));
        lo_ticket_release(w);
    } else {
        memcpy(rbuf, bounce + inside, len);
        result = lo_ticket_done(LO_OK, NULL);
    }
    lo_ticket_release(t);
    if (wbuf)
        lo_mutex_unlock(&d->rmw_lock);
    lo_disk_buffer_free(bounce);
    return result;
}

lo_ticket *lo_disk_read_block(lo_disk *d, void *buf, size_t len,
                              uint64_t addr)
{
    lo_ticket *bad = check_transfer(d, "read_block", buf, len, addr);
    if (bad)
        return bad;
    if (len < d->block_size)
        return sub_block_transfer(d, buf, NULL, len, addr);
    return d->ops->read(d, buf, len, addr);
}

lo_ticket *lo_disk_write_block(lo_disk *d, const void *buf, size_t len,
                               uint64_t addr)
{
    lo_ticket *bad = check_transfer(d, "write_block", buf, len, addr);
    if (bad)
        return bad;
    if (len < d->block_size)
        return sub_block_transfer(d, NULL, buf, len, addr);
    return d->ops->write(d, buf, len, addr);
}

lo_ticket *lo_disk_flush(lo_disk *d)
{
    return d->ops->flush(d);
}

void lo_disk_close(lo_disk *d)
{
    if (!d)
        return;
    lo_mutex_destroy(&d->rmw_lock);
    d->ops->close(d);
}

int lo_disk_read_sync(lo_disk *d, void *buf, size_t len, uint64_t addr)
{
    return lo_ticket_finish(lo_disk_read_block(d, buf, len, addr));
}

int lo_disk_write_sync(lo_disk *d, const void *buf, size_t len, uint64_t addr)
{
    return lo_ticket_finish(lo_disk_write_block(d, buf, len, addr));
}

int lo_disk_flush_sync(lo_disk *d)
{
    return lo_ticket_finish(lo_disk_flush(d));
}

void *lo_disk_buffer_alloc(size_t len)
{
    /* Aligned to the largest power of two dividing len, capped at
     * LO_DISK_MAX_BLOCK: then the buffer and every block-sized slice of it
     * suit any native block size, and O_DIRECT. */
    size_t align = len ? len & -len : 16;
    if (align > LO_DISK_MAX_BLOCK)
        align = LO_DISK_MAX_BLOCK;
    if (align < 16)
        align = 16;
    return lo_mem_alloc_aligned(len, align);
}

void lo_disk_buffer_free(void *buf)
{
    lo_mem_free(buf);
}
