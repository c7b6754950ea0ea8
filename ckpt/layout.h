/*
 * layout.h -- where things are on a ckpt disk, and the boot block.
 *
 * In 4 KiB pages from the start of the disk:
 *
 *   0                 boot block A
 *   1                 boot block B
 *   2                 version table copy 0: `chunks` pages of entries,
 *                     then `csum_pages` pages of CRC-32C, one per chunk
 *   2 + vt_pages      version table copy 1, the same shape
 *   data_start        slot groups: pages 0..255 slot 0, then their
 *                     slot 1, then their slot 2; pages 256..511 ...
 *                     (slot s of page N at data_start + 768 (N / 256)
 *                     + 256 s + N % 256; data_start is 256-aligned)
 *
 * The seed puts the three slots of a page side by side (3N + s).  Grouping
 * them instead puts the same slot of neighbouring pages side by side, and
 * pages written in the same cycle mostly share a slot number (the flip
 * lays them out so: snapshot.c), so a snapshot writes long runs (up to 1
 * MiB) instead of lone pages 12 KiB apart: the measured difference is in
 * docs/ckpt.md.
 *
 * A chunk is 4096 entries: one page of the version table, one entry in the
 * in-memory directory.  The layout is fixed at format time by max_pages
 * (the most pages the region can ever grow to on this disk) and recorded in
 * the boot block.
 *
 * The boot block says which snapshot is durable: its generation, how many
 * pages it has, which version-table copy describes it, and the CRC of that
 * copy's checksum area; a CRC covers the boot block itself.  Of the two,
 * the valid one with the higher generation wins.  Snapshot g writes boot
 * block g % 2, so a torn boot-block write can only destroy the newer one.
 */
#ifndef LO_CKPT_LAYOUT_H
#define LO_CKPT_LAYOUT_H

#include <stdbool.h>
#include <stdint.h>

#define LO_CKPT_PAGE 4096u
#define LO_CHUNK_PAGES 4096u
#define LO_CKPT_FORMAT_VERSION 3u   /* 3: absent pages (0x3f entries) */
#define LO_SLOT_GROUP 256u      /* pages per slot group */

struct lo_layout {
    uint64_t max_pages;     /* region capacity in pages, a multiple of
                               LO_SLOT_GROUP */
    uint64_t chunks;        /* version-table pages per copy */
    uint64_t csum_pages;    /* checksum-area pages per copy */
    uint64_t vt_pages;      /* chunks + csum_pages */
    uint64_t data_start;    /* first data page */
};

void lo_layout_compute(uint64_t max_pages, struct lo_layout *l);

/* The largest max_pages whose layout fits in disk_pages pages (0 if none). */
uint64_t lo_layout_fit(uint64_t disk_pages);

/* Total pages the layout needs on disk. */
uint64_t lo_layout_disk_pages(const struct lo_layout *l);

/* Byte offsets. */
uint64_t lo_layout_slot(const struct lo_layout *l, uint64_t page, unsigned slot);
uint64_t lo_layout_chunk(const struct lo_layout *l, unsigned copy, uint64_t chunk);
uint64_t lo_layout_csum(const struct lo_layout *l, unsigned copy);
static inline uint64_t lo_layout_boot(unsigned which)
{
    return (uint64_t)which * LO_CKPT_PAGE;
}

static inline uint64_t lo_chunks_for(uint64_t pages)
{
    return (pages + LO_CHUNK_PAGES - 1) / LO_CHUNK_PAGES;
}

/* Pages of checksum area that `chunks` CRCs occupy. */
static inline uint64_t lo_csum_pages_for(uint64_t chunks)
{
    return (chunks * 4 + LO_CKPT_PAGE - 1) / LO_CKPT_PAGE;
}

struct lo_boot {
    uint32_t format_version;
    uint32_t page_size;
    uint64_t max_pages;
    uint64_t page_count;
    uint64_t generation;
    uint32_t vt_copy;
    uint32_t csum_crc;      /* CRC of the checksum area's used part */
    uint64_t region_base;
};

/* Encode into a LO_CKPT_PAGE-byte block (magic and CRC added). */
void lo_boot_encode(const struct lo_boot *b, unsigned char *block);

/* Decode a block: true when magic, CRC and fields check out. */
bool lo_boot_decode(const unsigned char *block, struct lo_boot *b);

/* True when every byte of the block is zero (a never-formatted disk). */
bool lo_block_blank(const unsigned char *block);

#endif
