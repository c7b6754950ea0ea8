/*
 * store.c -- opening, recovering, formatting, growing and closing a store.
 *
 * Recovery reads the two boot blocks, takes the valid one with the higher
 * generation, checks the checksum area of the version-table copy it names
 * and every chunk of that copy against it, and builds the in-memory table
 * with one version per page.  That is O(version table): no data page is
 * read until it is touched.  Opening starts the rest: the fault hook
 * (frames.c), the copy-aside pool (side.c) and the writer thread
 * (writer.c).
 *
 * Layer 5, the top (internal.h): calls frames.c, writer.c, side.c,
 * state.c, layout.c, vtable.c.
 */
#include <stdarg.h>
#include <string.h>

#include "drivers/checksum.h"
#include "drivers/printf.h"
#include "ckpt/internal.h"

static int say(char *why, size_t why_len, int status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int say(char *why, size_t why_len, int status, const char *fmt, ...)
{
    if (why && why_len) {
        va_list ap;
        va_start(ap, fmt);
        lo_vsnprintf(why, why_len, fmt, ap);
        va_end(ap);
    }
    return status;
}

static int check_disk(lo_disk *disk, char *why, size_t why_len)
{
    uint32_t bs = lo_disk_block_size(disk);
    if (bs > LO_CKPT_PAGE)
        return say(why, why_len, LO_ESIZE, "%s: native block %u is larger "
                   "than a page (%u)", lo_disk_name(disk), bs, LO_CKPT_PAGE);
    return LO_OK;
}

static uint64_t disk_pages(lo_disk *disk)
{
    return lo_disk_size(disk) * lo_disk_block_size(disk) / LO_CKPT_PAGE;
}

/* ---- formatting ---------------------------------------------------------- */

int lo_ckpt_format(lo_disk *disk, const struct lo_ckpt_options *opt,
                   char *why, size_t why_len)
{
    int status = check_disk(disk, why, why_len);
    if (status != LO_OK)
        return status;
    uint64_t max = lo_layout_fit(disk_pages(disk));
    if (opt && opt->max_pages && opt->max_pages < max)
        max = opt->max_pages;
    max -= max % LO_SLOT_GROUP;
    if (max == 0)
        return say(why, why_len, LO_ENOSPC, "%s is too small for a store "
                   "(or max_pages is below %u, one slot group)",
                   lo_disk_name(disk), LO_SLOT_GROUP);

    unsigned char *block = lo_disk_buffer_alloc(LO_CKPT_PAGE);
    if (!block)
        return say(why, why_len, LO_ENOMEM, "out of memory");
    /* Blank both boot blocks first, so no older store can win later. */
    for (unsigned b = 0; b < 2 && status == LO_OK; b++)
        status = lo_disk_write_sync(disk, block, LO_CKPT_PAGE,
                                    lo_layout_boot(b));
    if (status == LO_OK)
        status = lo_disk_flush_sync(disk);
    struct lo_boot boot = {
        .format_version = LO_CKPT_FORMAT_VERSION, .page_size = LO_CKPT_PAGE,
        .max_pages = max, .page_count = 0, .generation = 1, .vt_copy = 0,
        .csum_crc = lo_crc32c(0, NULL, 0),
        .region_base = opt && opt->base ? opt->base : LO_CKPT_BASE,
    };
    lo_boot_encode(&boot, block);
    if (status == LO_OK)
        status = lo_disk_write_sync(disk, block, LO_CKPT_PAGE,
                                    lo_layout_boot(1));
    if (status == LO_OK)
        status = lo_disk_flush_sync(disk);
    lo_disk_buffer_free(block);
    if (status != LO_OK)
        return say(why, why_len, status, "formatting %s: %s",
                   lo_disk_name(disk), lo_strerror(status));
    return LO_OK;
}

/* ---- reading the durable state ----------------------------------------- */

/* Pick the boot block to trust: *boot gets it; LO_ENOENT for a blank disk. */
static int read_boot(lo_disk *disk, struct lo_boot *boot, char *why,
                     size_t why_len)
{
    unsigned char *block = lo_disk_buffer_alloc(LO_CKPT_PAGE);
    if (!block)
        return say(why, why_len, LO_ENOMEM, "out of memory");
    struct lo_boot b[2];
    bool valid[2], blank[2];
    int status;
    int read_status[2];
    for (unsigned i = 0; i < 2; i++) {
        read_status[i] = lo_disk_read_sync(disk, block, LO_CKPT_PAGE,
                                           lo_layout_boot(i));
        /* Boot block i only ever holds even (i = 0) or odd generations. */
        valid[i] = read_status[i] == LO_OK && lo_boot_decode(block, &b[i]) &&
                   b[i].generation % 2 == i;
        blank[i] = read_status[i] == LO_OK && lo_block_blank(block);
    }
    lo_disk_buffer_free(block);
    if (!valid[0] && !valid[1]) {
        status = read_status[0] != LO_OK ? read_status[0] : read_status[1];
        if (status != LO_OK)
            return say(why, why_len, status, "reading the boot blocks of %s: "
                       "%s", lo_disk_name(disk), lo_strerror(status));
        if (blank[0] && blank[1])
            return say(why, why_len, LO_ENOENT, "%s holds no store (blank)",
                       lo_disk_name(disk));
        return say(why, why_len, LO_ECORRUPT, "%s: both boot blocks are "
                   "corrupt or not LispOS boot blocks; refusing to guess",
                   lo_disk_name(disk));
    }
    unsigned pick = !valid[0] ? 1 : !valid[1] ? 0
                  : b[1].generation > b[0].generation;
    *boot = b[pick];
    if (!valid[!pick] && !blank[!pick])
        lo_log(LO_LOG_WARN, "%s: boot block %u is damaged; using boot block "
               "%u (generation %llu)", lo_disk_name(disk), !pick, pick,
               (unsigned long long)boot->generation);
    /* Format 2 is format 3 without absent pages: read as it is. */
    if ((boot->format_version != LO_CKPT_FORMAT_VERSION &&
         boot->format_version != 2) ||
        boot->page_size != LO_CKPT_PAGE)
        return say(why, why_len, LO_ECORRUPT, "%s: store format %u with "
                   "%u-byte pages; this build reads format %u, %u-byte pages",
                   lo_disk_name(disk), boot->format_version, boot->page_size,
                   LO_CKPT_FORMAT_VERSION, LO_CKPT_PAGE);
    return LO_OK;
}

static uint32_t get32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

/* Read copy `copy` of the version table for page_count pages into c. */
/* Read `pages` whole pages at addr into buf: as blocks of a power of two
 * pages aligned to their size (what a disk takes), all in flight at
 * once, then waited for. */
static int read_pages(lo_disk *disk, unsigned char *buf, uint64_t pages,
                      uint64_t addr)
{
    enum { MAX_TICKETS = 64 };
    lo_ticket *tickets[MAX_TICKETS];
    int status = LO_OK;
    while (pages && status == LO_OK) {
        unsigned n = 0;
        for (; pages && n < MAX_TICKETS; n++) {
            uint64_t at = addr / LO_CKPT_PAGE, block = 1;
            while (block * 2 <= pages && at % (block * 2) == 0 &&
                   block * 2 * LO_CKPT_PAGE <= LO_DISK_MAX_BLOCK)
                block *= 2;
            tickets[n] = lo_disk_read_block(disk, buf, block * LO_CKPT_PAGE,
                                            addr);
            buf += block * LO_CKPT_PAGE;
            addr += block * LO_CKPT_PAGE;
            pages -= block;
        }
        for (unsigned i = 0; i < n; i++) {
            int one = lo_ticket_finish(tickets[i]);
            if (status == LO_OK)
                status = one;
        }
    }
    return status;
}

static int read_table(lo_ckpt *c, const struct lo_boot *boot, char *why,
                      size_t why_len)
{
    uint64_t used = lo_chunks_for(boot->page_count);
    uint64_t csum_bytes = used * 4, csum_pages = lo_csum_pages_for(used);
    int status = LO_OK;
    unsigned char *buf = NULL;
    if (csum_pages) {
        buf = lo_disk_buffer_alloc(csum_pages * LO_CKPT_PAGE);
        if (!buf)
            return say(why, why_len, LO_ENOMEM, "out of memory");
        /* the checksum pages are contiguous */
        status = read_pages(c->disk, buf, csum_pages,
                            lo_layout_csum(&c->layout, boot->vt_copy));
    }
    if (status == LO_OK && lo_crc32c(0, buf, csum_bytes) != boot->csum_crc)
        status = say(why, why_len, LO_ECORRUPT, "version table copy %u: "
                     "checksum area does not match the boot block",
                     boot->vt_copy);
    else if (status != LO_OK)
        say(why, why_len, status, "reading the version table: %s",
            lo_strerror(status));
    for (uint64_t k = 0; k < used && status == LO_OK; k++)
        c->csum[boot->vt_copy][k] = get32(buf + 4 * k);
    lo_disk_buffer_free(buf);

    /* The chunks of a copy are contiguous: read in runs of up to
     * TABLE_RUN pages, whose requests are in flight together (an open
     * otherwise waits for one read after another). */
    enum { TABLE_RUN = 64 };
    unsigned char *run = NULL;
    if (status == LO_OK && used) {
        run = lo_disk_buffer_alloc(TABLE_RUN * LO_CKPT_PAGE);
        if (!run)
            return say(why, why_len, LO_ENOMEM, "out of memory");
    }
    for (uint64_t k = 0; k < used && status == LO_OK; k++) {
        struct chunk *ch = c->dir[k];
        if (k % TABLE_RUN == 0) {
            uint64_t n = used - k < TABLE_RUN ? used - k : TABLE_RUN;
            status = read_pages(c->disk, run, n,
                                lo_layout_chunk(&c->layout, boot->vt_copy,
                                                k));
        }
        if (status != LO_OK) {
            say(why, why_len, status, "reading version table chunk %llu: %s",
                (unsigned long long)k, lo_strerror(status));
            break;
        }
        memcpy(ch->entry, run + (k % TABLE_RUN) * LO_CKPT_PAGE, LO_CHUNK_PAGES);
        if (lo_crc32c(0, ch->entry, LO_CHUNK_PAGES) !=
            c->csum[boot->vt_copy][k]) {
            status = say(why, why_len, LO_ECORRUPT, "version table chunk "
                         "%llu fails its checksum", (unsigned long long)k);
            break;
        }
        for (unsigned i = 0; i < LO_CHUNK_PAGES; i++) {
            uint64_t page = k * LO_CHUNK_PAGES + i;
            if (page >= boot->page_count)
                break;
            uint8_t e = ch->entry[i];
            if (e == LO_VT_ABSENT) {
                /* zeros in no slot: a nominal slot 0 in memory */
                ch->entry[i] = lo_vt_single(0);
                ch->flags[i] = PG_ZERO | PG_V0_ABSENT;
                continue;
            }
            if ((e & 0xfc) != 0x3c || lo_vt_slot(e, 0) > 2) {
                status = say(why, why_len, LO_ECORRUPT, "version table entry "
                             "0x%02x of page %llu is not a durable entry", e,
                             (unsigned long long)page);
                break;
            }
            c->slots_used++;
        }
    }
    lo_disk_buffer_free(run);
    return status;
}

/* ---- building the in-memory store -------------------------------------- */

static struct chunk *new_chunk(void)
{
    /* Page-aligned: entry[] is read straight from disk. */
    struct chunk *ch = lo_mem_alloc_aligned(sizeof *ch, LO_CKPT_PAGE);
    if (ch) {
        memset(ch, 0, sizeof *ch);
        memset(ch->entry, 0xff, sizeof ch->entry);
    }
    return ch;
}

/* Make sure chunks exist for the first `pages` pages. */
static int ensure_chunks(lo_ckpt *c, uint64_t pages)
{
    for (uint64_t k = 0; k < lo_chunks_for(pages); k++) {
        if (c->dir[k])
            continue;
        if (!(c->dir[k] = new_chunk()))
            return LO_ENOMEM;
        c->dir[k]->stale[0] = c->dir[k]->stale[1] = true;
    }
    return LO_OK;
}

static void free_store(lo_ckpt *c)
{
    if (c->dir)
        for (uint64_t k = 0; k < c->layout.chunks; k++)
            lo_mem_free(c->dir[k]);
    lo_mem_free(c->dir);
    lo_mem_free(c->csum[0]);
    lo_mem_free(c->csum[1]);
    lo_disk_buffer_free(c->io_page);
    lo_disk_buffer_free(c->ahead);
    lo_ckpt_side_free_all(&c->side);
    lo_mem_free(c->jobs);
    lo_mutex_destroy(&c->lock);
    lo_mutex_destroy(&c->snapshot_lock);
    lo_cond_destroy(&c->changed);
    lo_mem_free(c);
}

static int map_region(lo_ckpt *c, char *why, size_t why_len)
{
    size_t len = (size_t)c->layout.max_pages * LO_CKPT_PAGE;
    int status = lo_vm_reserve_fixed(c->base, len);
    if (status != LO_OK)
        return say(why, why_len, status, "cannot reserve the region at %p "
                   "(%llu pages): %s", (void *)c->base,
                   (unsigned long long)c->layout.max_pages,
                   status == LO_EBUSY ? "address range in use (another store "
                   "open in this process?)" : lo_strerror(status));
    status = lo_vm_track(c->base, len);
    if (status == LO_OK)
        status = lo_fault_hook_install(c->base, len, lo_ckpt_fault, c);
    if (status != LO_OK) {
        lo_vm_release(c->base, len);
        return say(why, why_len, status, "cannot track the region: %s",
                   lo_strerror(status));
    }
    return LO_OK;
}

int lo_ckpt_open(lo_disk *disk, const struct lo_ckpt_options *opt_in,
                 lo_ckpt **out, char *why, size_t why_len)
{
    static const struct lo_ckpt_options defaults;
    const struct lo_ckpt_options *opt = opt_in ? opt_in : &defaults;
    *out = NULL;
    int status = check_disk(disk, why, why_len);
    if (status != LO_OK)
        return status;

    struct lo_boot boot;
    status = read_boot(disk, &boot, why, why_len);
    if (status == LO_ENOENT && opt->create) {
        status = lo_ckpt_format(disk, opt, why, why_len);
        if (status == LO_OK)
            status = read_boot(disk, &boot, why, why_len);
    }
    if (status != LO_OK)
        return status;
    if (opt->base && opt->base != boot.region_base)
        return say(why, why_len, LO_EINVAL, "the store lives at %p, not %p",
                   (void *)(uintptr_t)boot.region_base, (void *)opt->base);

    lo_ckpt *c = lo_mem_alloc(sizeof *c);
    if (!c)
        return say(why, why_len, LO_ENOMEM, "out of memory");
    c->disk = disk;
    lo_layout_compute(boot.max_pages, &c->layout);
    lo_mutex_init(&c->lock);
    lo_mutex_init(&c->snapshot_lock);
    lo_cond_init(&c->changed);
    if (lo_layout_disk_pages(&c->layout) > disk_pages(disk)) {
        free_store(c);
        return say(why, why_len, LO_ECORRUPT, "%s is smaller than the "
                   "store's layout (%llu pages of %llu)", lo_disk_name(disk),
                   (unsigned long long)disk_pages(disk),
                   (unsigned long long)lo_layout_disk_pages(&c->layout));
    }
    c->base = (uintptr_t)boot.region_base;
    c->page_count = c->flip_page_count = boot.page_count;
    c->durable_gen = c->flipped_gen = boot.generation;
    c->durable_copy = boot.vt_copy;
    c->frame_budget = opt->frame_budget;
    uint64_t limit = lo_vm_track_page_limit();
    if (limit && (!c->frame_budget || c->frame_budget > limit)) {
        c->frame_budget = limit;
        lo_log(LO_LOG_INFO, "ckpt: the %s fault mechanism holds at most %llu "
               "resident pages; frame budget set to that",
               lo_vm_track_mechanism(), (unsigned long long)limit);
    }
    c->on_io_failure = opt->on_io_failure;
    lo_vt_build_flip_table(c->flip_table);

    c->dir = lo_mem_alloc(c->layout.chunks * sizeof *c->dir);
    c->csum[0] = lo_mem_alloc((c->layout.chunks + 1) * sizeof(uint32_t));
    c->csum[1] = lo_mem_alloc((c->layout.chunks + 1) * sizeof(uint32_t));
    c->io_page = lo_disk_buffer_alloc(LO_CKPT_PAGE);
    c->ahead = lo_disk_buffer_alloc(LO_CKPT_READ_AHEAD * LO_CKPT_PAGE);
    status = (c->dir && c->csum[0] && c->csum[1] && c->io_page && c->ahead)
        ? ensure_chunks(c, c->page_count) : LO_ENOMEM;
    if (status == LO_OK)
        status = lo_ckpt_side_init(&c->side, opt->side_pages ? opt->side_pages
                                                             : 1024);
    if (status != LO_OK) {
        free_store(c);
        return say(why, why_len, status, "out of memory for the store's "
                   "tables");
    }
    status = read_table(c, &boot, why, why_len);
    for (uint64_t k = 0; status == LO_OK && k < lo_chunks_for(c->page_count);
         k++) {
        c->dir[k]->stale[boot.vt_copy] = false;  /* exact on disk */
        c->dir[k]->stale[!boot.vt_copy] = true;  /* unknown: rewrite */
    }
    if (status == LO_OK)
        status = map_region(c, why, why_len);
    if (status == LO_OK &&
        (status = lo_thread_start(&c->writer, lo_ckpt_writer_main, c)) != LO_OK) {
        size_t len = (size_t)c->layout.max_pages * LO_CKPT_PAGE;
        lo_fault_hook_remove(c->base);
        lo_vm_untrack(c->base, len);
        lo_vm_release(c->base, len);
        say(why, why_len, status, "cannot start the writer thread");
    }
    if (status != LO_OK) {
        free_store(c);
        return status;
    }
    c->stats.mechanism = lo_vm_track_mechanism();
    *out = c;
    return LO_OK;
}

void lo_ckpt_close(lo_ckpt *c)
{
    if (!c)
        return;
    ckpt_lock(c);
    while (c->flipped_gen > c->durable_gen && !c->failed)
        ckpt_wait(c);
    c->writer_stop = true;
    lo_cond_broadcast(&c->changed);
    ckpt_unlock(c);
    lo_thread_join(&c->writer);

    size_t len = (size_t)c->layout.max_pages * LO_CKPT_PAGE;
    lo_fault_hook_remove(c->base);
    lo_vm_untrack(c->base, len);
    lo_vm_release(c->base, len);
    free_store(c);
}

/* ---- growth and queries -------------------------------------------------- */

int lo_ckpt_grow(lo_ckpt *c, uint64_t page_count)
{
    ckpt_lock(c);
    int status = LO_OK;
    if (page_count > c->layout.max_pages) {
        status = LO_ENOSPC;
        lo_log(LO_LOG_WARN, "ckpt: cannot grow to %llu pages: the disk holds "
               "%llu", (unsigned long long)page_count,
               (unsigned long long)c->layout.max_pages);
    } else if (page_count > c->page_count) {
        status = ensure_chunks(c, page_count);
        /* New pages are born absent: zeros in no slot, one version (its
         * slot 0 nominal).  Nothing is written for them until they are
         * written to; the next snapshot's table records them absent. */
        for (uint64_t p = c->page_count; status == LO_OK && p < page_count;) {
            struct chunk *ch = chunk_of(c, p);
            unsigned i = p % LO_CHUNK_PAGES;
            uint64_t n = LO_CHUNK_PAGES - i;
            if (n > page_count - p)
                n = page_count - p;
            memset(ch->entry + i, lo_vt_single(0), n);
            memset(ch->flags + i, PG_ZERO | PG_V0_ABSENT, n);
            ch->stale[0] = ch->stale[1] = true;
            p += n;
        }
        if (status == LO_OK)
            c->page_count = page_count;
    }
    LO_ASSERT(c->page_count <= c->layout.max_pages);
    ckpt_unlock(c);
    return status;
}

void *lo_ckpt_base(const lo_ckpt *c)
{
    return (void *)c->base;
}

uint64_t lo_ckpt_page_count(lo_ckpt *c)
{
    ckpt_lock(c);
    uint64_t n = c->page_count;
    ckpt_unlock(c);
    return n;
}

uint64_t lo_ckpt_max_pages(const lo_ckpt *c)
{
    return c->layout.max_pages;
}

uint64_t lo_ckpt_generation(lo_ckpt *c)
{
    ckpt_lock(c);
    uint64_t g = c->durable_gen;
    ckpt_unlock(c);
    return g;
}

void lo_ckpt_refuse_snapshots(lo_ckpt *c, const char *why)
{
    ckpt_lock(c);
    lo_ckpt_fail(c, "%s", why);
    ckpt_unlock(c);
}

const char *lo_ckpt_failure(lo_ckpt *c)
{
    ckpt_lock(c);
    const char *why = c->failed ? c->failure : "";  /* set once, never freed */
    ckpt_unlock(c);
    return why;
}

/*
 * A locked read-modify-write that changes nothing is a write access: it
 * takes the page's faults from user mode.  Compilers may turn an
 * idempotent atomic into a plain load (clang does), hence the assembly.
 */
static inline void touch_write(unsigned char *p)
{
#if defined(__x86_64__)
    __asm__ volatile("lock orb $0, %0" : "+m"(*p) : : "memory");
#else
    unsigned char v = __atomic_load_n(p, __ATOMIC_RELAXED);
    while (!__atomic_compare_exchange_n(p, &v, v, false, __ATOMIC_RELAXED,
                                        __ATOMIC_RELAXED))
        ;
#endif
}

int lo_ckpt_touch_for_write(lo_ckpt *c, void *addr, size_t len)
{
    uintptr_t start = (uintptr_t)addr, end = start + len;
    uint64_t pages = lo_ckpt_page_count(c);
    uintptr_t limit = c->base + pages * (uintptr_t)LO_CKPT_PAGE;
    if (start < c->base || end > limit || end < start)
        return LO_ERANGE;
    for (uintptr_t p = start & ~(uintptr_t)(LO_CKPT_PAGE - 1); p < end;
         p += LO_CKPT_PAGE)
        touch_write((unsigned char *)p);
    return LO_OK;
}

void lo_ckpt_stats(lo_ckpt *c, struct lo_ckpt_stats *out)
{
    ckpt_lock(c);
    *out = c->stats;
    out->pages = c->page_count;
    out->max_pages = c->layout.max_pages;
    out->resident = c->resident;
    out->generation = c->durable_gen;
    out->slots_used = c->slots_used;
    out->dirty = 0;
    for (uint64_t k = 0; k < lo_chunks_for(c->page_count); k++) {
        struct chunk *ch = c->dir[k];
        if (!ch->resident && !ch->multi)
            continue;
        for (unsigned i = 0; i < LO_CHUNK_PAGES; i++)
            if (ch->flags[i] & (PG_DIRTY | PG_PENDING))
                out->dirty++;
    }
    ckpt_unlock(c);
}
