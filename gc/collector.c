/*
 * collector.c -- the sliding mark-compact collector (see gc.h): a
 * collection, full or young, after the mark (mark.c).
 *
 * Bookkeeping lives outside the heap (platform memory): the live-word
 * bitmap (one bit per heap word, 1/64 of the heap), the offset table (one
 * word per 64-word block, another 1/64) and the mark stack; for the
 * large-object space, a bit per page for "a block starts here" and one for
 * "marked".  Nothing is written into the objects except their updated
 * pointers (and only where a pointer changed).
 *
 * A dense prefix is left in place: when little is dead low in the heap,
 * the dead runs there become fillers instead of being slid over, so that
 * the live data above does not move (dense_prefix, below).
 *
 * After the slide, the pages between the new top and the old are released
 * to ckpt (not written by the next snapshot, their slots freed), and the
 * large-object space is swept: dead blocks merge with free neighbours into
 * free blocks whose pages past the first are released, and free blocks at
 * its low end give the space back (los_bottom rises).
 *
 * A young collection (gc/heap.h, "Generations") does the same on the
 * young space alone, and extends the crossing map the next one walks the
 * written old pages with; a full one rebuilds it.
 */
#include <string.h>

#include "gc/internal.h"

/* ---- 2. the offset table ---- */

/* Writes dirty a page (a write fault, a page for the next snapshot):
 * none where nothing changes. */
static void store_if_changed(uint64_t *word, uint64_t value)
{
    if (*word != value)
        *word = value;
}

static uint64_t sum_offsets(struct gc *g)
{
    uint64_t total = 0;
    for (uint64_t b = 0; b < g->nblocks; b++) {
        g->offset[b] = total;
        total += (uint64_t)__builtin_popcountll(g->live[b]);
    }
    LO_ASSERT(total <= g->nwords);      /* marks only inside [start, top) */
    return total;
}

/*
 * The dense prefix.  Sliding moves every object above the first dead
 * word, and every page a moved object lands on is written by the next
 * snapshot.  When little is dead low in the heap -- the old system code
 * an upgrade leaves at the bottom, under a large store's data
 * (docs/upgrade.md), or a few objects that died among old ones -- a slide
 * would rewrite the whole heap to win back a few percent.  So the
 * longest prefix whose dead words are at most 1/DENSE_WASTE of all live
 * words stays where it is: each dead run in it becomes one filler (a raw
 * object, never scanned), live for the slide, and only what lies above
 * the prefix slides.  The waste is bounded by that fraction, and a later
 * collection that finds more dead in the prefix compacts it.  Small
 * heaps, where sliding costs little, always compact whole.
 */
enum { DENSE_WASTE = 16 };
#define DENSE_MIN_LIVE_WORDS ((16ull << 20) / 8)   /* 16 MiB live */

/* The end of the prefix to keep in place (0: none), in words: a block
 * boundary, never past the last live object (dead space at the top costs
 * no slide, and the new top gives it back). */
static uint64_t dense_prefix(const struct gc *g, uint64_t live_words)
{
    if (live_words < DENSE_MIN_LIVE_WORDS)
        return 0;
    uint64_t allowed = live_words / DENSE_WASTE, prefix = 0;
    for (uint64_t b = 0; b < g->nblocks; b++) {
        if (b * 64 - g->offset[b] > allowed)    /* dead words before b */
            break;
        prefix = b * 64;
    }
    uint64_t last_live = 0;                     /* one past it */
    for (uint64_t b = g->nblocks; b-- > 0;)
        if (g->live[b]) {
            last_live = b * 64 + 64 - (uint64_t)__builtin_clzll(g->live[b]);
            break;
        }
    return prefix < last_live ? prefix : last_live;
}

/* Turn every dead run below prefix into a live filler. */
static void fill_prefix(struct gc *g, uint64_t prefix)
{
    for (uint64_t w = 0; w < prefix;) {
        uint64_t live = next_set(g->live, w, prefix);
        if (live > w) {
            store_if_changed(&g->start[w],
                             lo_header_raw(LO_T_FILLER, live - w, 0));
            set_bits(g->live, w, live - w);
        }
        if (live >= prefix)
            break;
        w = live + lo_header_words(g->start[live]);  /* past the object */
    }
}

/* ---- 3. update and slide ---- */

static inline uint64_t new_index(const struct gc *g, uint64_t w)
{
    uint64_t below = g->live[w / 64] & ((1ull << (w % 64)) - 1);
    return g->offset[w / 64] + (uint64_t)__builtin_popcountll(below);
}

static lo_value relocate(const struct gc *g, lo_value v)
{
    if (!pointerp(v))
        return v;
    uint64_t *obj = address(v);
    if (obj < g->start || obj >= g->top)
        return v;
    /* Every pointer updated was seen by the mark phase (the same roots,
     * the fields of marked objects): its object is marked.  And objects
     * only slide down. */
    LO_ASSERT(bit(g->live, (uint64_t)(obj - g->start)));
    uint64_t *to = g->start + new_index(g, (uint64_t)(obj - g->start));
    LO_ASSERT(to <= obj);
    return lo_value_moved(v, to);
}

static void update_visit(lo_value *slot, void *gc)
{
    *slot = relocate(gc, *slot);
}


/*
 * Writes in bulk.  After a snapshot every page is write-protected, and the
 * first write to each costs a fault (docs/ckpt.md: 4-30 us here): a slide
 * of 100 MB took 25,000 of them, seven times the collection without.  So
 * the slide makes its destination writable ahead of itself, a window of
 * pages at a time, in one call to the store each (lo_ckpt_prepare_write:
 * new versions for the range, one protection change per run).  Every word
 * from the first dead one up to the new top is rewritten (each object
 * above a hole moves down), so no page is made dirty that the slide would
 * have left clean; the pages below the first hole are written only where
 * a pointer changes, and take their faults one by one.  A window, not the
 * whole range at once: under a frame budget the store reads the pages in,
 * and they should come in as the slide reaches them.
 */
#define PREPARE_WINDOW_BYTES (1u << 20)

static void prepare_destination(struct gc *g, uint64_t *to, uint64_t *end)
{
    uintptr_t page_mask = LO_CKPT_PAGE - 1;
    uintptr_t from = (uintptr_t)(to > g->ready ? to : g->ready) & ~page_mask;
    uintptr_t until = (uintptr_t)end > from + PREPARE_WINDOW_BYTES
                      ? (uintptr_t)end : from + PREPARE_WINDOW_BYTES;
    if (until > (uintptr_t)g->new_top)
        until = (uintptr_t)g->new_top;
    until = (until + page_mask) & ~page_mask;
    if (lo_ckpt_prepare_write(lo_heap_store(g->heap), (void *)from,
                              until - from) != LO_OK)
        lo_panic("gc: the store refused to prepare %p..%p for writing",
                 (void *)from, (void *)until);
    g->ready = (uint64_t *)until;
}

/* The crossing map's entries for the pages whose first word the object
 * at obj (its new home) covers. */
static void record_crossing(struct gc *g, const uint64_t *obj, uint64_t size)
{
    uintptr_t base = (uintptr_t)lo_heap_root(g->heap);
    uintptr_t from = (uintptr_t)obj, end = from + size * 8;
    uintptr_t b = (from + LO_CKPT_PAGE - 1) & ~(uintptr_t)(LO_CKPT_PAGE - 1);
    for (; b < end; b += LO_CKPT_PAGE) {
        /* the map is in the heap: a page of it not changed stays clean */
        uint32_t *entry = &g->crossing[(b - base) / LO_CKPT_PAGE];
        uint32_t back = (uint32_t)((b - from) / 8);
        if (*entry != back)
            *entry = back;
    }
}

/*
 * After an open the young space starts at the top, but the map is right
 * only up to the top of the last collection before: the objects made
 * between the two (and the zero words of buffers never retired) are
 * walked once, to extend it.
 */
static void extend_crossing(struct gc *g)
{
    struct lo_heap_root *r = lo_heap_root(g->heap);
    uint64_t *p = (uint64_t *)((char *)r + r->crossing_top);
    while (p < g->start) {
        if (p[0] == 0) {                /* no header is 0: unused words */
            record_crossing(g, p, 1);
            p++;
            continue;
        }
        uint64_t size = lo_header_words(p[0]);
        if (size == 0 || p + size > g->start)
            lo_panic("gc: bad header 0x%llx at %p past the crossing map",
                     (unsigned long long)p[0], (void *)p);
        record_crossing(g, p, size);
        p += size;
    }
}

/*
 * Each live object in address order: moved down to its new address, then
 * its pointers updated there.  In that order, a page the slide only moves
 * objects out of (above the new top, released after) is read, never
 * written.
 */
static uint64_t slide(struct gc *g)
{
    uint64_t moved = 0;
    for (uint64_t w = next_set(g->live, 0, g->nwords); w < g->nwords;) {
        uint64_t *obj = g->start + w;
        uint64_t size = lo_header_words(obj[0]);
        uint64_t n = lo_header_value_words(obj[0]);
        /* The header is the one marked: its live bits end where it does
         * (and a size of 0 would never advance). */
        LO_ASSERT(size > 0 && w + size <= g->nwords &&
                  bit(g->live, w + size - 1));
        uint64_t *to = g->start + new_index(g, w);
        LO_ASSERT(to <= obj);           /* down only: memmove's source */
        if (to != obj) {
            if (to + size > g->ready)
                prepare_destination(g, to, to + size);
            memmove(to, obj, size * 8);
            moved++;
        }
        if (g->crossing)
            record_crossing(g, to, size);
        for (uint64_t i = 1; i <= n; i++) {
            /* Only where the pointer changes: a page nothing in moved
             * stays clean, and the next snapshot does not write it. */
            store_if_changed(&to[i], relocate(g, to[i]));
        }
        w = next_set(g->live, w + size, g->nwords);
    }
    return moved;
}

/* ---- the large-object space ---- */

/* Find the blocks (world stopped); false if the bookkeeping memory is not
 * to be had.  A block that does not fit is a corrupt heap. */
static bool large_begin(struct gc *g, lo_heap *h)
{
    g->los_lo = lo_heap_large_bottom(h);
    g->los_hi = lo_heap_large_end(h);
    g->los_pages = (uint64_t)((char *)g->los_hi - (char *)g->los_lo) /
                   LO_CKPT_PAGE;
    size_t words = (size_t)(g->los_pages / 64 + 1);
    g->los_start = lo_mem_alloc(words * 8);
    g->los_mark = lo_mem_alloc(words * 8);
    if (!g->los_start || !g->los_mark)
        return false;
    memset(g->los_start, 0, words * 8);
    memset(g->los_mark, 0, words * 8);
    for (uint64_t page = 0; page < g->los_pages;) {
        const uint64_t *block = g->los_lo + page * (LO_CKPT_PAGE / 8);
        uint64_t n = lo_large_pages(block);
        if (n == 0 || (block[0] & 0xff) == 0 || n > g->los_pages - page)
            lo_panic("gc: bad large block header 0x%llx at %p",
                     (unsigned long long)block[0], (const void *)block);
        g->los_start[page / 64] |= 1ull << (page % 64);
        page += n;
    }
    return true;
}

static void large_end(struct gc *g)
{
    lo_mem_free(g->los_start);
    lo_mem_free(g->los_mark);
}

/* The reachable large objects' values, to the small objects' new homes;
 * written only where they change, so their pages stay clean otherwise. */
static void large_update(struct gc *g)
{
    for (uint64_t page = next_set(g->los_mark, 0, g->los_pages);
         page < g->los_pages;
         page = next_set(g->los_mark, page + 1, g->los_pages)) {
        uint64_t *obj = g->los_lo + page * (LO_CKPT_PAGE / 8);
        /* marked only at an object's block (mark_large) */
        LO_ASSERT(bit(g->los_start, page) && !lo_large_free_block(obj));
        uint64_t n = lo_header_value_words(obj[0]);
        for (uint64_t i = 1; i <= n; i++)
            store_if_changed(&obj[i], relocate(g, obj[i]));
    }
}

static void release(lo_heap *h, const uint64_t *from, uint64_t pages)
{
    if (!pages)
        return;
    uint64_t first = (uint64_t)((const char *)from -
                                (const char *)lo_heap_root(h)) / LO_CKPT_PAGE;
    if (lo_ckpt_release(lo_heap_store(h), first, pages) != LO_OK)
        lo_panic("gc: cannot release pages %llu.. (%llu) to the store",
                 (unsigned long long)first, (unsigned long long)pages);
}

/*
 * Sweep, in address order: every run of blocks that are free or hold an
 * unreachable object becomes one free block (its first page keeps the
 * header and the link; every other page of the run is released, if it
 * was not already), linked highest first; a run at the bottom is given
 * back whole.  Returns the bytes freed; sets the root's fields.
 */
static uint64_t large_sweep(struct gc *g, lo_heap *h)
{
    struct lo_heap_root *r = lo_heap_root(h);
    const uint64_t page_words = LO_CKPT_PAGE / 8;
    uint64_t freed = 0, in_use = 0, free_head = 0, bottom = g->los_pages;
    bool at_bottom = true;
    for (uint64_t page = 0; page < g->los_pages;) {
        uint64_t *block = g->los_lo + page * page_words;
        if (bit(g->los_mark, page)) {
            uint64_t n = lo_large_pages(block);
            in_use += n * LO_CKPT_PAGE;
            if (at_bottom)
                bottom = page;
            at_bottom = false;
            page += n;
            continue;
        }
        uint64_t run = page;
        while (page < g->los_pages && !bit(g->los_mark, page)) {
            block = g->los_lo + page * page_words;
            uint64_t n = lo_large_pages(block);
            bool was_free = lo_large_free_block(block);
            if (!was_free)
                freed += n * LO_CKPT_PAGE;
            if (page == run) {
                if (!was_free)
                    release(h, block + page_words, n - 1);
            } else {
                release(h, block, was_free ? 1 : n);
            }
            page += n;
        }
        uint64_t *head = g->los_lo + run * page_words;
        if (at_bottom) {                /* give the space back */
            release(h, head, 1);
            continue;
        }
        store_if_changed(&head[0], lo_large_free_header(page - run));
        store_if_changed(&head[1], free_head);
        free_head = (uint64_t)((char *)head - (char *)r);
    }
    r->los_bottom += bottom * LO_CKPT_PAGE;
    r->los_free = free_head;
    r->los_bytes = in_use;
    /* The space stays whole pages; the free list lies inside it (a run at
     * the bottom was given back, not listed); what is in use fits. */
    LO_ASSERT(r->los_bottom <= r->los_end &&
              r->los_bottom % LO_CKPT_PAGE == 0);
    LO_ASSERT(!free_head || (free_head >= r->los_bottom &&
                             free_head < r->los_end));
    LO_ASSERT(in_use <= r->los_end - r->los_bottom);
    return freed;
}

/* ---- the whole collection ---- */

static void free_bookkeeping(struct gc *g)
{
    lo_mem_free(g->live);
    lo_mem_free(g->offset);
    lo_mem_free(g->main.stack);
    lo_mem_free(g->written);
    lo_mem_free(g->los_written);
    lo_mem_free(g->remembered);
    large_end(g);
}

/* The bookkeeping memory (false: not to be had); for a young collection
 * also which old pages were written, from the store. */
static bool begin(struct gc *g, lo_heap *h)
{
    LO_ASSERT(g->start <= g->top);
    /* The map first: a bigger one is a new large block, and the large
     * space must not change once the collection has looked at it.  It
     * must reach the page of the highest new object. */
    struct lo_heap_root *r = lo_heap_root(h);
    uint64_t pages = (uint64_t)((char *)g->top - (char *)r +
                                LO_CKPT_PAGE - 1) / LO_CKPT_PAGE + 1;
    g->crossing = g->young || lo_heap_young_soon(h)
                ? lo_heap_crossing(h, pages) : NULL;
    if (g->young && !g->crossing)
        return false;
    g->nwords = (uint64_t)(g->top - g->start);
    g->nblocks = (g->nwords + 63) / 64;
    g->live = lo_mem_alloc((g->nblocks + 1) * 8);
    g->offset = lo_mem_alloc((g->nblocks + 1) * 8);
    if (!g->live || !g->offset || !large_begin(g, h))
        return false;
    memset(g->live, 0, (g->nblocks + 1) * 8);
    if (!g->young)
        return true;                /* no map: the next one is full too */
    if (r->crossing_top < (uint64_t)((char *)g->start - (char *)r))
        extend_crossing(g);
    g->old_pages = (uint64_t)((char *)g->start - (char *)r +
                              LO_CKPT_PAGE - 1) / LO_CKPT_PAGE;
    g->written = lo_mem_alloc((g->old_pages / 64 + 1) * 8);
    g->los_written = lo_mem_alloc((g->los_pages / 64 + 1) * 8);
    if (!g->written || !g->los_written)
        return false;
    lo_ckpt *store = lo_heap_store(h);
    uint64_t los_first = (uint64_t)((char *)g->los_lo - (char *)r) /
                         LO_CKPT_PAGE;
    if (lo_ckpt_pages_written(store, 0, g->old_pages, g->written) != LO_OK ||
        lo_ckpt_pages_written(store, los_first, g->los_pages,
                              g->los_written) != LO_OK)
        lo_panic("gc: the store cannot say which heap pages were written");
    return true;
}

/* A full collection keeps the crossing map's block: the root names it by
 * offset, not by a value the mark would follow. */
static void keep_crossing(struct gc *g)
{
    struct lo_heap_root *r = lo_heap_root(g->heap);
    if (!r->crossing_at)
        return;
    uint64_t page = (r->crossing_at - (uint64_t)((char *)g->los_lo -
                                                 (char *)r)) / LO_CKPT_PAGE;
    LO_ASSERT(page < g->los_pages && bit(g->los_start, page));
    g->los_mark[page / 64] |= 1ull << (page % 64);
}

/*
 * From now on every write to the old space or the large objects is seen
 * (lo_ckpt_track_writes): the next young collection's roots.  The pages
 * the collection itself wrote -- what it slid, from `moved_from` up -- are
 * protected (one run: cheap, and nobody writes them again soon).  The
 * pages the mutators wrote stay writable and count as written: looked at
 * by every young collection until a snapshot protects them, which costs
 * less than protecting each and taking a fault on its next write (the
 * pages a program writes are mostly those it writes again: protecting
 * them at every collection made the store's million inserts ten times
 * slower) -- up to this many, past which they are all protected.
 */
enum { MAX_WRITABLE = 65536 };

static void track_writes(lo_heap *h, const uint64_t *moved_from,
                         const uint64_t *new_top)
{
    struct lo_heap_root *r = lo_heap_root(h);
    lo_ckpt *store = lo_heap_store(h);
    uint64_t old_pages = (uint64_t)((const char *)new_top - (char *)r +
                                    LO_CKPT_PAGE - 1) / LO_CKPT_PAGE;
    uint64_t slid = (uint64_t)((const char *)moved_from - (char *)r) /
                    LO_CKPT_PAGE;
    if (slid > old_pages)
        slid = old_pages;
    if (lo_ckpt_track_writes(store, 0, slid, MAX_WRITABLE) != LO_OK ||
        lo_ckpt_track_writes(store, slid, old_pages - slid, 0) != LO_OK ||
        lo_ckpt_track_writes(store, r->los_bottom / LO_CKPT_PAGE,
                             (r->los_end - r->los_bottom) / LO_CKPT_PAGE,
                             MAX_WRITABLE) != LO_OK)
        lo_panic("gc: the store cannot watch the heap's pages");
}

static int collect(lo_heap *h, lo_gc_roots_fn *roots, void *ctx,
                   struct lo_gc_result *out, bool young)
{
    uint64_t began = lo_clock_ns();
    lo_heap_retire_buffers(h);
    struct gc g = { .heap = h, .young = young, .top = lo_heap_top(h),
                    .start = young ? lo_heap_young_start(h)
                                   : lo_heap_start(h) };
    g.main.g = &g;
    if (!begin(&g, h)) {
        free_bookkeeping(&g);
        return LO_ENOMEM;
    }
    struct lo_heap_root *r = lo_heap_root(h);
    /* Read only by the check below (release builds drop the load). */
    const uint64_t objects = r->objects;

    if (!young)
        keep_crossing(&g);
    lo_gc_mark(&g, r, roots, ctx);
    uint64_t live_words = sum_offsets(&g);
    uint64_t prefix = young ? 0 : dense_prefix(&g, live_words);
    if (prefix) {
        fill_prefix(&g, prefix);
        live_words = sum_offsets(&g);
    }

    for (int i = 0; i < LO_HEAP_ROOTS; i++)
        store_if_changed(&r->roots[i], relocate(&g, r->roots[i]));
    roots(ctx, update_visit, &g);
    if (young)                  /* the old slots that point at young objects */
        for (size_t i = 0; i < g.nremembered; i++)
            *g.remembered[i] = relocate(&g, *g.remembered[i]);
    else
        large_update(&g);
    g.new_top = g.start + live_words;
    g.ready = g.start;
    uint64_t moved = slide(&g);
    /* Nothing was allocated during the collection (every allocation
     * counts in r->objects): the world is stopped and the roots function
     * must not allocate -- a new object would be past g.top, unseen, or a
     * large one unmarked and about to be swept. */
    LO_ASSERT(r->objects == objects && lo_heap_top(h) == g.top);
    uint64_t large_freed = young ? 0 : large_sweep(&g, h);
    uint64_t *new_top = g.new_top;
    if (young)
        lo_heap_set_young_top(h, new_top);
    else
        lo_heap_set_top(h, new_top);
    r->crossing_top = g.crossing ? (uint64_t)((char *)new_top - (char *)r)
                                 : 0;

    /* The pages past the new top hold garbage: give them to the store,
     * which forgets them (no write, no slot) and reads them as zeros --
     * all but the slack the mutators are about to allocate into again. */
    uintptr_t page_mask = LO_CKPT_PAGE - 1;
    uint64_t *first = (uint64_t *)(((uintptr_t)new_top +
                                    lo_heap_release_slack(h) + page_mask) &
                                   ~page_mask);
    uint64_t *last = (uint64_t *)(((uintptr_t)g.top + page_mask) &
                                  ~page_mask);
    if (last > first)
        release(h, first, (uint64_t)((char *)last - (char *)first) /
                          LO_CKPT_PAGE);
    /* In stress mode the space given up is poisoned, so that a stale
     * pointer anyone kept reads garbage at once instead of an old copy
     * (or the zeros of a released page). */
    if (lo_heap_stressed(h))
        for (uint64_t *p = new_top; p < g.top; p++)
            *p = 0xdeadbeefdeadbeefull;
    /* Young collections next: from now on, watch the writes to the old
     * space (a fault on the first write to each page).  Not worth it for
     * a small heap, whose collections stay full (heap.h). */
    bool ready = g.crossing && lo_heap_young_wanted(h);
    if (ready)
        track_writes(h, g.start, new_top);
    lo_heap_set_young_ready(h, ready);

    free_bookkeeping(&g);
    if (out) {
        out->young = young;
        out->live_bytes = (uint64_t)((char *)new_top -
                                     (char *)lo_heap_start(h));
        out->freed_bytes = (g.nwords - live_words) * 8;
        out->objects_moved = moved;
        out->large_live_bytes = r->los_bytes;
        out->large_freed_bytes = large_freed;
        out->released_pages = last > first
            ? (uint64_t)((char *)last - (char *)first) / LO_CKPT_PAGE : 0;
        out->ns = lo_clock_ns() - began;
    }
    return LO_OK;
}

int lo_gc_collect(lo_heap *h, lo_gc_roots_fn *roots, void *ctx,
                  struct lo_gc_result *out)
{
    return collect(h, roots, ctx, out, false);
}

int lo_gc_collect_young(lo_heap *h, lo_gc_roots_fn *roots, void *ctx,
                        struct lo_gc_result *out)
{
    return collect(h, roots, ctx, out, lo_heap_young_ready(h));
}
