/*
 * layout.c -- disk layout arithmetic and boot blocks (see layout.h).
 *
 * Multi-byte fields are stored little-endian byte by byte, so the format
 * does not depend on the host.
 *
 * Layer 1 (internal.h): calls no other file of ckpt.
 */
#include <string.h>

#include "drivers/checksum.h"
#include "ckpt/layout.h"

static const char magic[8] = { 'L', 'i', 's', 'p', 'O', 'S', 'c', 'k' };

enum {
    OFF_MAGIC = 0, OFF_VERSION = 8, OFF_PAGE_SIZE = 12, OFF_MAX_PAGES = 16,
    OFF_PAGE_COUNT = 24, OFF_GENERATION = 32, OFF_VT_COPY = 40,
    OFF_CSUM_CRC = 44, OFF_BASE = 48, OFF_CRC = 56, BOOT_BYTES = 60,
};

void lo_layout_compute(uint64_t max_pages, struct lo_layout *l)
{
    max_pages -= max_pages % LO_SLOT_GROUP;
    l->max_pages = max_pages;
    l->chunks = lo_chunks_for(max_pages);
    l->csum_pages = lo_csum_pages_for(l->chunks);
    l->vt_pages = l->chunks + l->csum_pages;
    /* Aligned, so that runs of slots are aligned on disk too. */
    l->data_start = (2 + 2 * l->vt_pages + LO_SLOT_GROUP - 1) /
                    LO_SLOT_GROUP * LO_SLOT_GROUP;
}

uint64_t lo_layout_disk_pages(const struct lo_layout *l)
{
    return l->data_start + 3 * l->max_pages;
}

uint64_t lo_layout_fit(uint64_t disk_pages)
{
    if (disk_pages < 2)
        return 0;
    /* Start from the estimate that ignores the tables, then step down a
     * group at a time: the tables take about 2/4096 of a page per page. */
    uint64_t m = (disk_pages - 2) / 3;
    m -= m % LO_SLOT_GROUP;
    struct lo_layout l;
    for (;;) {
        lo_layout_compute(m, &l);
        if (lo_layout_disk_pages(&l) <= disk_pages || m == 0)
            break;
        /* At least one group: an excess of one or two pages must still
         * move m, or this would never end. */
        uint64_t over = lo_layout_disk_pages(&l) - disk_pages;
        uint64_t groups = ((over + 2) / 3 + LO_SLOT_GROUP - 1) / LO_SLOT_GROUP;
        uint64_t step = (groups ? groups : 1) * LO_SLOT_GROUP;
        m = m > step ? m - step : 0;
    }
    /* The steps down may overshoot: climb back while another group fits. */
    for (;;) {
        lo_layout_compute(m + LO_SLOT_GROUP, &l);
        if (lo_layout_disk_pages(&l) > disk_pages)
            return m;
        m += LO_SLOT_GROUP;
    }
}

uint64_t lo_layout_slot(const struct lo_layout *l, uint64_t page, unsigned slot)
{
    uint64_t group = page / LO_SLOT_GROUP, index = page % LO_SLOT_GROUP;
    return (l->data_start + 3 * LO_SLOT_GROUP * group + LO_SLOT_GROUP * slot +
            index) * (uint64_t)LO_CKPT_PAGE;
}

uint64_t lo_layout_chunk(const struct lo_layout *l, unsigned copy,
                         uint64_t chunk)
{
    return (2 + copy * l->vt_pages + chunk) * (uint64_t)LO_CKPT_PAGE;
}

uint64_t lo_layout_csum(const struct lo_layout *l, unsigned copy)
{
    return (2 + copy * l->vt_pages + l->chunks) * (uint64_t)LO_CKPT_PAGE;
}

static void put32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void put64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get32(const unsigned char *p)
{
    uint32_t v = 0;
    for (int i = 3; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static uint64_t get64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

void lo_boot_encode(const struct lo_boot *b, unsigned char *block)
{
    memset(block, 0, LO_CKPT_PAGE);
    memcpy(block + OFF_MAGIC, magic, sizeof magic);
    put32(block + OFF_VERSION, b->format_version);
    put32(block + OFF_PAGE_SIZE, b->page_size);
    put64(block + OFF_MAX_PAGES, b->max_pages);
    put64(block + OFF_PAGE_COUNT, b->page_count);
    put64(block + OFF_GENERATION, b->generation);
    put32(block + OFF_VT_COPY, b->vt_copy);
    put32(block + OFF_CSUM_CRC, b->csum_crc);
    put64(block + OFF_BASE, b->region_base);
    put32(block + OFF_CRC, lo_crc32c(0, block, OFF_CRC));
}

bool lo_boot_decode(const unsigned char *block, struct lo_boot *b)
{
    if (memcmp(block + OFF_MAGIC, magic, sizeof magic) != 0)
        return false;
    if (get32(block + OFF_CRC) != lo_crc32c(0, block, OFF_CRC))
        return false;
    for (unsigned i = BOOT_BYTES; i < LO_CKPT_PAGE; i++)
        if (block[i])
            return false;
    b->format_version = get32(block + OFF_VERSION);
    b->page_size = get32(block + OFF_PAGE_SIZE);
    b->max_pages = get64(block + OFF_MAX_PAGES);
    b->page_count = get64(block + OFF_PAGE_COUNT);
    b->generation = get64(block + OFF_GENERATION);
    b->vt_copy = get32(block + OFF_VT_COPY);
    b->csum_crc = get32(block + OFF_CSUM_CRC);
    b->region_base = get64(block + OFF_BASE);
    return b->vt_copy <= 1 && b->page_count <= b->max_pages &&
           b->max_pages % LO_SLOT_GROUP == 0 && b->generation > 0;
}

bool lo_block_blank(const unsigned char *block)
{
    for (unsigned i = 0; i < LO_CKPT_PAGE; i++)
        if (block[i])
            return false;
    return true;
}
