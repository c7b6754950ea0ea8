/*
 * ramdisk.c -- a disk held in memory (see disk.h).
 *
 * Every operation completes on the spot, so tickets come back expired.  The
 * memory is zero-filled and, for large disks, only touched pages cost real
 * memory (lo_mem_alloc of a large block is lazily backed on hosted Linux).
 * Concurrent transfers to different blocks are safe; overlapping concurrent
 * writes race, exactly as on a real disk.
 */
#include <string.h>

#include "drivers/disk.h"

struct ram_disk {
    lo_disk base;               /* first: the generic layer casts to it */
    unsigned char *bytes;
};

static lo_ticket *ram_read(lo_disk *d, void *buf, size_t len, uint64_t offset)
{
    struct ram_disk *r = (struct ram_disk *)d;
    memcpy(buf, r->bytes + offset, len);
    return lo_ticket_done(LO_OK, NULL);
}

static lo_ticket *ram_write(lo_disk *d, const void *buf, size_t len,
                            uint64_t offset)
{
    struct ram_disk *r = (struct ram_disk *)d;
    memcpy(r->bytes + offset, buf, len);
    return lo_ticket_done(LO_OK, NULL);
}

static lo_ticket *ram_flush(lo_disk *d)
{
    (void)d;
    return lo_ticket_done(LO_OK, NULL);
}

static void ram_close(lo_disk *d)
{
    struct ram_disk *r = (struct ram_disk *)d;
    lo_mem_free(r->bytes);
    lo_mem_free(r);
}

static const struct lo_disk_ops ram_ops = {
    ram_read, ram_write, ram_flush, ram_close,
};

int lo_ram_disk_open(uint64_t blocks, uint32_t block_size, lo_disk **out)
{
    *out = NULL;
    if (block_size < LO_DISK_MIN_BLOCK || block_size > LO_DISK_MAX_BLOCK ||
        (block_size & (block_size - 1)) != 0)
        return LO_ESIZE;
    if (blocks == 0 || blocks > SIZE_MAX / block_size)
        return LO_ERANGE;
    struct ram_disk *r = lo_mem_alloc(sizeof *r);
    if (!r)
        return LO_ENOMEM;
    r->bytes = lo_mem_alloc_aligned((size_t)(blocks * block_size), 4096);
    if (!r->bytes) {
        lo_mem_free(r);
        return LO_ENOMEM;
    }
    lo_disk_init(&r->base, &ram_ops, blocks, block_size, "ram");
    *out = &r->base;
    return LO_OK;
}
