/*
 * heap.c -- the persistent heap's root page and allocation (see heap.h).
 */
#include <stdatomic.h>
#include <string.h>

#include "drivers/printf.h"
#include "gc/heap.h"
#include "drivers/platform.h"

enum {
    CHUNK_WORDS = 4096,               /* an allocation buffer: 32 KiB */
    LARGE_WORDS = CHUNK_WORDS / 4,    /* bigger objects skip the buffers */
};
#define MIN_TRIGGER (8ull << 20)      /* collect after 8 MiB at least */

struct lo_heap {
    lo_ckpt *store;
    struct lo_heap_root *root;
    lo_mutex lock;                    /* the top, the buffer list */
#ifdef LO_DEBUG
    _Atomic(const char *) holder;     /* the thread holding lock (below) */
#endif
    struct lo_alloc_buffer *buffers;
    _Atomic uint64_t since_gc;        /* bytes handed out since then */
    uint64_t trigger;
    uint64_t stress;                  /* trigger in stress mode, or 0 */
    uint64_t release_slack;           /* lo_heap_set_release_slack */
    uint64_t hold;                    /* lo_heap_hold_collections */
    _Atomic bool starved;             /* an allocation found no room */
    uint64_t room;                    /* free bytes after the last
                                         collection (or the open) */
    /* Generations (docs/gc.md, "Young collections"). */
    uint64_t young;                   /* offset of the young space: the top
                                         after the last collection, or at
                                         the open */
    uint64_t full_live;               /* live bytes after the last full
                                         collection; 0: none since open */
    uint64_t full_small;              /* of them, in the small space */
    uint64_t nursery;                 /* young collections after this many
                                         bytes (lo_heap_set_nursery) */
    uint64_t young_min_old;           /* once this much is live */
    uint64_t parallel_mark;           /* lo_heap_set_parallel_mark */
    bool young_ready;                 /* lo_heap_set_young_ready */
    unsigned stress_turn;             /* stress mode: collections so far */
    uint64_t high;                    /* the highest the top has been
                                         since pages past it were last
                                         given back (trim_before_flip),
                                         never above los_bottom: the
                                         large-object space may grow
                                         down into what the top left
                                         (lo_heap_alloc_large) */
};

/*
 * The heap lock, always taken and released through these, so that debug
 * builds (LO_DEBUG) know which thread holds it, as ckpt knows its own
 * (ckpt/internal.h): the address of this_thread, a thread-local, names
 * the thread.  A thread reads back only its own store to `holder` or a
 * later one, so a relaxed load answers "do I hold it" exactly.  Release
 * builds keep no holder; heap_locked is only ever used inside LO_ASSERT,
 * which does not evaluate it there.
 */
#ifdef LO_DEBUG
static _Thread_local char this_thread;

static inline bool heap_locked(lo_heap *h)
{
    return atomic_load_explicit(&h->holder, memory_order_relaxed) ==
           &this_thread;
}

static inline void heap_hold(lo_heap *h, bool held)
{
    atomic_store_explicit(&h->holder, held ? &this_thread : NULL,
                          memory_order_relaxed);
}
#else
static inline bool heap_locked(lo_heap *h) { (void)h; return true; }
static inline void heap_hold(lo_heap *h, bool held) { (void)h, (void)held; }
#endif

static inline void heap_lock(lo_heap *h)
{
    LO_ASSERT(!heap_locked(h));      /* the mutex is not recursive */
    lo_mutex_lock(&h->lock);
    heap_hold(h, true);
}

static inline void heap_unlock(lo_heap *h)
{
    LO_ASSERT(heap_locked(h));
    heap_hold(h, false);
    lo_mutex_unlock(&h->lock);
}

/* Is b on the heap's list of buffers?  (Lock held; debug checks only.) */
static inline bool registered(lo_heap *h, const struct lo_alloc_buffer *b)
{
    for (const struct lo_alloc_buffer *p = h->buffers; p; p = p->link)
        if (p == b)
            return true;
    return false;
}

/*
 * The heap takes the store's whole capacity at open: the large-object
 * space grows down from its end.  Pages nobody wrote are absent in ckpt
 * (no disk slot, nothing written), so the cost is ckpt's version table
 * for the whole capacity: 2 bytes of memory and 1 byte of table on disk
 * per 4 KiB page (docs/gc.md).
 */
static int take_region(lo_heap *h)
{
    uint64_t max = lo_ckpt_max_pages(h->store);
    if (lo_ckpt_page_count(h->store) >= max)
        return LO_OK;
    return lo_ckpt_grow(h->store, max);
}

/* The free bytes between the heap's top and its large objects. */
static uint64_t room(const struct lo_heap_root *r)
{
    return r->los_bottom > r->top ? r->los_bottom - r->top : 0;
}

/*
 * Before each snapshot's flip (the world stopped): the pages past the top
 * that allocation has written since the last time are garbage the
 * collector slid away, kept only so that allocating there again takes no
 * faults (the release slack): given back now, so that the snapshot does
 * not write them.  Only up to the large-object space: after a collection
 * dropped the top, the space may have grown down into pages the top had
 * reached, and its blocks there are live objects (or free blocks whose
 * first page holds the free list).  lo_heap_alloc_large keeps `high`
 * below the space; the bound here says so again.
 */
static void trim_before_flip(void *ctx)
{
    lo_heap *h = ctx;
    heap_lock(h);
    uint64_t page = LO_CKPT_PAGE;
    LO_ASSERT(h->high <= h->root->los_bottom &&
              h->root->los_bottom % page == 0);
    uint64_t high = h->high < h->root->los_bottom ? h->high
                                                  : h->root->los_bottom;
    uint64_t from = (h->root->top + page - 1) / page;
    uint64_t to = (high + page - 1) / page;
    h->high = h->root->top;
    heap_unlock(h);
    if (to > from && lo_ckpt_release(h->store, from, to - from) != LO_OK)
        lo_panic("heap: cannot give back pages %llu..%llu",
                 (unsigned long long)from, (unsigned long long)to - 1);
}

/*
 * The trigger of the first collection after an open.  Were it 8 MiB, as
 * for a new heap, a large heap would be collected after its first 8 MiB
 * of allocation -- a full collection, reading every page of a heap that
 * was just opened (12 MB allocated in a freshly opened 1M-entry store took
 * 10 s, 102,676 pages read).  The heap in use is what the trigger after
 * the last collection was made of (its live size) plus what was allocated
 * since; both are in the root, so the trigger survives a restart.
 */
static uint64_t *at_offset(lo_heap *h, uint64_t offset);

static uint64_t in_use(const struct lo_heap_root *r)
{
    return r->top - LO_CKPT_PAGE + r->los_bytes;
}

static uint64_t open_trigger(const struct lo_heap_root *r)
{
    return in_use(r) > MIN_TRIGGER ? in_use(r) : MIN_TRIGGER;
}

/*
 * Whether the crossing map the root names can be trusted: a table block
 * of the large-object space, big enough for the pages it claims to cover,
 * which lie below the top.  A heap opened with it collects young from the
 * start: the young space is then empty (it starts at the top), and every
 * page comes in write-protected, so the first write to any old page after
 * the open is seen (a heap without it, or older, gets one at its first
 * full collection).
 */
static bool crossing_usable(lo_heap *h)
{
    struct lo_heap_root *r = h->root;
    uint64_t at = r->crossing_at;
    if (!at || at % LO_CKPT_PAGE || at < r->los_bottom || at >= r->los_end ||
        r->crossing_top < LO_CKPT_PAGE || r->crossing_top > r->top)
        return false;
    const uint64_t *block = at_offset(h, at);
    uint64_t words = lo_header_words(block[0]);
    return (block[0] & 0xff) == LO_T_HEAP_TABLE &&
           words * 8 <= r->los_end - at &&
           (words - 1) * 2 > r->top / LO_CKPT_PAGE;
}

int lo_heap_open_with(lo_ckpt *store, const struct lo_heap_open_args *a,
                      lo_heap **out, enum lo_heap_decision *decision,
                      char *why, size_t why_len)
{
    *out = NULL;
    /* Decided before anything else, the region's growth included: a
     * heap this program may not open is left exactly as it was. */
    int status = lo_heap_decide(store, a->system_version, a->release,
                                decision, NULL, why, why_len);
    if (status != LO_OK)
        return status;
    if (*decision == LO_HEAP_UPGRADE && !a->allow_upgrade)
        return LO_EINVAL;           /* why says from what to what */
    lo_heap *h = lo_mem_alloc(sizeof *h);
    if (!h)
        return LO_ENOMEM;
    memset(h, 0, sizeof *h);
    h->store = store;
    h->root = lo_ckpt_base(store);
    h->trigger = MIN_TRIGGER;
    lo_mutex_init(&h->lock);
    status = take_region(h);
    if (status != LO_OK) {
        lo_snprintf(why, why_len, "cannot grow the store for the heap: %s",
                    lo_strerror(status));
        lo_heap_close(h);
        return status;
    }
    struct lo_heap_root *r = h->root;
    if (*decision == LO_HEAP_BUILD) {
        memset(r, 0, sizeof *r);
        r->magic = LO_HEAP_MAGIC;
        r->top = LO_CKPT_PAGE;          /* objects start on page 1 */
        lo_heap_set_versions(h, a->system_version, LO_LAYOUT_VERSION,
                             a->release);
    }
    uint64_t end = lo_ckpt_page_count(store) * (uint64_t)LO_CKPT_PAGE;
    if (r->los_end == 0) {              /* new, or made before the space */
        r->los_end = r->los_bottom = end;
        r->los_free = r->los_bytes = 0;
    }
    if (r->los_end > end || r->los_bottom > r->los_end ||
        r->los_bottom < r->top || r->los_bottom % LO_CKPT_PAGE ||
        r->los_end % LO_CKPT_PAGE) {
        lo_snprintf(why, why_len, "the heap's spaces do not fit its store "
                    "(top %llu, large objects %llu..%llu, store %llu bytes)",
                    (unsigned long long)r->top,
                    (unsigned long long)r->los_bottom,
                    (unsigned long long)r->los_end, (unsigned long long)end);
        lo_heap_close(h);
        return LO_ECORRUPT;
    }
    /* An upgrade records the new versions when it is done; a plain open
     * records the release that opened the heap last. */
    if (*decision == LO_HEAP_OPEN)
        lo_heap_set_versions(h, r->system_version, r->layout_version,
                             a->release);
    h->room = room(r);
    h->trigger = open_trigger(r);
    h->full_live = in_use(r);
    h->full_small = r->top - LO_CKPT_PAGE;
    h->young = r->top;
    h->nursery = 0;                 /* off until asked for (heap.h) */
    h->young_min_old = LO_HEAP_YOUNG_MIN_OLD;
    h->parallel_mark = LO_HEAP_PARALLEL_MARK;
    h->young_ready = crossing_usable(h);
    h->high = r->top;
    lo_ckpt_set_before_flip(store, trim_before_flip, h);
    *out = h;
    return LO_OK;
}

int lo_heap_open(lo_ckpt *store, uint64_t system_version,
                 const char *release, lo_heap **out, int *fresh, char *why,
                 size_t why_len)
{
    struct lo_heap_open_args a = { system_version, release, false };
    enum lo_heap_decision decision;
    int status = lo_heap_open_with(store, &a, out, &decision, why, why_len);
    *fresh = decision == LO_HEAP_BUILD;
    if (status == LO_EINVAL && decision == LO_HEAP_UPGRADE) {
        size_t n = strlen(why);
        lo_snprintf(why + n, why_len - n, ". Refusing to open it here: it "
                    "would have to be upgraded; nothing was written");
    }
    return status;
}

void lo_heap_set_versions(lo_heap *h, uint64_t system, uint64_t layout,
                          const char *release)
{
    lo_heap_root_set_versions(h->root, system, layout, release);
}

void lo_heap_close(lo_heap *h)
{
    if (!h)
        return;
    lo_ckpt_set_before_flip(h->store, NULL, NULL);
    lo_mutex_destroy(&h->lock);
    lo_mem_free(h);
}

struct lo_heap_root *lo_heap_root(lo_heap *h) { return h->root; }

lo_ckpt *lo_heap_store(lo_heap *h) { return h->store; }

/* ---- named roots ---- */

static bool root_name_ok(const char *name)
{
    size_t n = 0;
    for (; name[n]; n++)
        if (n + 1 >= LO_HEAP_ROOT_NAME || name[n] <= ' ' || name[n] > '~')
            return false;
    return n > 0;
}

lo_value *lo_heap_named_root(lo_heap *h, const char *name, bool create,
                             bool *created)
{
    if (created)
        *created = false;
    if (!name || !root_name_ok(name))
        return NULL;
    struct lo_heap_root *r = h->root;
    lo_value *slot = NULL;
    int free_slot = -1;
    heap_lock(h);
    for (int i = 0; i < LO_HEAP_ROOTS && !slot; i++) {
        if (!strcmp(r->root_names[i], name))
            slot = &r->roots[i];
        else if (!r->root_names[i][0] && free_slot < 0)
            free_slot = i;
    }
    if (!slot && create && free_slot >= 0) {
        /* written whole: the name is NUL padded to its end */
        char padded[LO_HEAP_ROOT_NAME] = { 0 };
        LO_ASSERT(strlen(name) < sizeof padded);    /* root_name_ok */
        memcpy(padded, name, strlen(name));
        memcpy(r->root_names[free_slot], padded, sizeof padded);
        r->roots[free_slot] = 0;
        slot = &r->roots[free_slot];
        if (created)
            *created = true;
    }
    heap_unlock(h);
    return slot;
}

uint64_t *lo_heap_start(lo_heap *h)
{
    return (uint64_t *)((char *)h->root + LO_CKPT_PAGE);
}

uint64_t *lo_heap_top(lo_heap *h)
{
    return (uint64_t *)((char *)h->root + h->root->top);
}

uint64_t lo_heap_bytes_used(lo_heap *h)
{
    return h->root->top;
}

/* ---- allocation buffers ---- */

void lo_heap_register_buffer(lo_heap *h, struct lo_alloc_buffer *b)
{
    heap_lock(h);
    LO_ASSERT(!registered(h, b));    /* else the list would loop */
    b->next = b->end = NULL;
    b->taken = 0;
    b->link = h->buffers;
    h->buffers = b;
    heap_unlock(h);
}

/* What b has left becomes a filler object (lock held); those bytes were
 * never handed out, so they leave b's count. */
static void retire(lo_heap *h, struct lo_alloc_buffer *b)
{
    LO_ASSERT(heap_locked(h));
    /* b is empty (both NULL) or holds the rest of a chunk it counted */
    LO_ASSERT(!b->next == !b->end && b->next <= b->end &&
              b->taken >= (uint64_t)(b->end - b->next) * 8);
    if (b->next && b->next < b->end) {
        /* raw, no value words: what lies under it is never read, and a
         * collection that keeps it (collector.c, the dense prefix) writes
         * the same header and leaves its page clean */
        b->next[0] = lo_header_raw(LO_T_FILLER, (uint64_t)(b->end - b->next),
                                   0);
        b->taken -= (uint64_t)(b->end - b->next) * 8;
    }
    b->next = b->end = NULL;
}

void lo_heap_unregister_buffer(lo_heap *h, struct lo_alloc_buffer *b)
{
    heap_lock(h);
    LO_ASSERT(registered(h, b));     /* registered, not yet unregistered */
    retire(h, b);
    for (struct lo_alloc_buffer **p = &h->buffers; *p; p = &(*p)->link)
        if (*p == b) {
            *p = b->link;
            break;
        }
    heap_unlock(h);
}

void lo_heap_retire_buffers(lo_heap *h)
{
    heap_lock(h);
    for (struct lo_alloc_buffer *b = h->buffers; b; b = b->link)
        retire(h, b);
    heap_unlock(h);
}

/* Take words from the shared top (lock held); zeroed, since the space
 * past the top may hold what the collector slid away (the slack it keeps,
 * lo_heap_set_release_slack) or read as zeros (pages it released). */
static uint64_t *take(lo_heap *h, uint64_t words)
{
    LO_ASSERT(heap_locked(h));
    uint64_t at = h->root->top, end = at + words * 8;
    /* the top is word-aligned, past the root page, below the large space */
    LO_ASSERT(words > 0 && at % 8 == 0 && at >= LO_CKPT_PAGE &&
              at <= h->root->los_bottom);
    if (end > h->root->los_bottom || end < at)
        return NULL;
    h->root->top = end;
    if (end > h->high)
        h->high = end;
    h->root->objects++;
    uint64_t *p = (uint64_t *)((char *)h->root + at);
    /* more than a page: its pages made writable in one call rather than
     * a fault each (the memset writes them all) */
    if (words * 8 > LO_CKPT_PAGE)
        lo_ckpt_prepare_write(h->store, p, words * 8);
    memset(p, 0, words * 8);
    atomic_fetch_add_explicit(&h->since_gc, words * 8, memory_order_relaxed);
    return p;
}

uint64_t *lo_heap_alloc_slow(lo_heap *h, struct lo_alloc_buffer *b,
                             size_t words)
{
    if (words == 0)
        words = 1;
    heap_lock(h);
    /* Buffers are registered before use: the collector retires only the
     * registered ones. */
    LO_ASSERT(registered(h, b));
    uint64_t *p;
    if (words >= LARGE_WORDS || h->stress) {
        p = take(h, words);         /* stress: every allocation counts */
        if (p)
            b->taken += words * 8;
    } else {
        LO_ASSERT(words < CHUNK_WORDS);    /* fits, with a rest for b */
        retire(h, b);
        p = take(h, CHUNK_WORDS);
        if (p) {
            b->next = p + words;
            b->end = p + CHUNK_WORDS;
            b->taken += CHUNK_WORDS * 8;
        }
    }
    heap_unlock(h);
    return p;
}

/* ---- the collector's trigger ---- */

uint64_t lo_heap_allocated_since_gc(lo_heap *h)
{
    return atomic_load_explicit(&h->since_gc, memory_order_relaxed);
}

/*
 * Young collections pay once the old space is worth sparing: with little
 * live data a full collection costs as little and needs no barrier faults
 * (the Gabriel programs run as before).  Stress mode makes them
 * regardless of size.  They also need the crossing map whole and the
 * writes tracked since the last collection (young_ready).
 */
/* Only the small-object space counts: large objects never move, and a
 * full collection spends little on them (docs/gc.md). */
bool lo_heap_young_wanted(lo_heap *h)
{
    return h->stress || (h->nursery && h->full_small >= h->young_min_old);
}

bool lo_heap_young_soon(lo_heap *h)
{
    return lo_heap_young_wanted(h) ||
           (h->nursery && h->root->top - LO_CKPT_PAGE >= h->young_min_old);
}

static bool young_possible(lo_heap *h)
{
    return h->young_ready && lo_heap_young_wanted(h);
}

bool lo_heap_collection_due(lo_heap *h)
{
    uint64_t since = lo_heap_allocated_since_gc(h);
    if (atomic_load_explicit(&h->starved, memory_order_relaxed))
        return true;
    if (h->stress)
        return since >= h->stress;
    /* the nursery or the trigger, or a hold above it -- but never past
     * half the room there was: a nearly full store collects before it
     * runs out */
    uint64_t at = young_possible(h) && h->nursery ? h->nursery : h->trigger;
    return since >= (h->hold > at ? h->hold : at) || since >= h->room / 2;
}

bool lo_heap_full_collection_due(lo_heap *h)
{
    if (!young_possible(h) ||
        atomic_load_explicit(&h->starved, memory_order_relaxed))
        return true;
    if (h->stress)                  /* stress: one full in four */
        return h->stress_turn % 4 == 3;
    /* the heap at most doubles between full collections, as without
     * generations */
    return in_use(h->root) >= h->full_live + h->trigger;
}

void lo_heap_set_nursery(lo_heap *h, uint64_t nursery, uint64_t min_old)
{
    h->nursery = nursery;
    h->young_min_old = min_old;
}

uint64_t *lo_heap_young_start(lo_heap *h)
{
    return (uint64_t *)((char *)h->root + h->young);
}

uint32_t *lo_heap_crossing(lo_heap *h, uint64_t pages)
{
    struct lo_heap_root *r = h->root;
    uint64_t *old = r->crossing_at ? at_offset(h, r->crossing_at) : NULL;
    uint64_t have = old ? (lo_header_words(old[0]) - 1) * 2 : 0;
    if (have >= pages)
        return (uint32_t *)(old + 1);
    uint64_t want = pages + pages / 4 + 1024;
    uint64_t words = 1 + (want + 1) / 2;
    uint64_t *block = lo_heap_alloc_large(h, words);
    if (!block)
        return NULL;
    block[0] = lo_header_raw(LO_T_HEAP_TABLE, words, 0);
    if (old)
        memcpy(block + 1, old + 1, have * sizeof(uint32_t));
    r->crossing_at = (uint64_t)((char *)block - (char *)r);
    return (uint32_t *)(block + 1);
}

void lo_heap_set_parallel_mark(lo_heap *h, uint64_t bytes)
{
    h->parallel_mark = bytes;
}

uint64_t lo_heap_parallel_mark(lo_heap *h)
{
    return h->parallel_mark;
}

bool lo_heap_young_ready(lo_heap *h)
{
    return h->young_ready;
}

void lo_heap_set_young_ready(lo_heap *h, bool ready)
{
    h->young_ready = ready;
}

void lo_heap_hold_collections(lo_heap *h, uint64_t bytes)
{
    h->hold = bytes;
}

void lo_heap_set_stress(lo_heap *h, uint64_t bytes)
{
    h->stress = bytes;
}

bool lo_heap_stressed(lo_heap *h)
{
    return h->stress != 0;
}

void lo_heap_set_release_slack(lo_heap *h, uint64_t bytes)
{
    h->release_slack = bytes;
}

uint64_t lo_heap_release_slack(lo_heap *h)
{
    uint64_t window = h->stress ? h->stress
                    : young_possible(h) ? h->nursery : h->trigger;
    return h->release_slack < window ? h->release_slack : window;
}

/* After a collection: the new top, which is where the young space starts
 * now (everything below survived a collection). */
static void collected(lo_heap *h, uint64_t *top)
{
    LO_ASSERT(heap_locked(h));
    /* The collector slides objects down: the top only drops, and stays
     * past the root page. */
    LO_ASSERT(top >= lo_heap_start(h) && top <= lo_heap_top(h));
    h->root->top = (uint64_t)((char *)top - (char *)h->root);
    h->root->collections++;
    h->young = h->root->top;
    h->room = room(h->root);
    h->stress_turn++;
    atomic_store_explicit(&h->since_gc, 0, memory_order_relaxed);
    atomic_store(&h->starved, false);
}

void lo_heap_set_top(lo_heap *h, uint64_t *top)
{
    heap_lock(h);
    collected(h, top);
    uint64_t live = h->root->top - LO_CKPT_PAGE + h->root->los_bytes;
    h->trigger = live > MIN_TRIGGER ? live : MIN_TRIGGER;
    h->full_live = live;
    h->full_small = h->root->top - LO_CKPT_PAGE;
    h->root->full_collections++;
    heap_unlock(h);
}

void lo_heap_set_young_top(lo_heap *h, uint64_t *top)
{
    heap_lock(h);
    LO_ASSERT(top >= lo_heap_young_start(h));
    collected(h, top);
    heap_unlock(h);
}

void lo_heap_starved(lo_heap *h)
{
    atomic_store(&h->starved, true);
}

/* ---- the large-object space ---- */

uint64_t *lo_heap_large_bottom(lo_heap *h)
{
    return (uint64_t *)((char *)h->root + h->root->los_bottom);
}

uint64_t *lo_heap_large_end(lo_heap *h)
{
    return (uint64_t *)((char *)h->root + h->root->los_end);
}

uint64_t lo_heap_large_bytes(lo_heap *h)
{
    return h->root->los_bytes;
}

static uint64_t *at_offset(lo_heap *h, uint64_t offset)
{
    return (uint64_t *)((char *)h->root + offset);
}

/*
 * First fit over the free list (kept highest block first by the sweep, so
 * the space fills from the top down and its low end can be given back);
 * a bigger block is split, its upper part handed out, the lower part
 * staying free in place.  Else new pages below los_bottom, as long as
 * they stay above the small-object space's top.  The block's pages are
 * released to ckpt: they read as zeros, and none of it was written.
 */
uint64_t *lo_heap_alloc_large(lo_heap *h, size_t words)
{
    if (words == 0)
        words = 1;
    if (words > LO_HEADER_SIZE_MASK)
        return NULL;
    uint64_t pages = lo_large_block_pages(words);
    uint64_t bytes = pages * LO_CKPT_PAGE, at = 0;
    heap_lock(h);
    struct lo_heap_root *r = h->root;
    for (uint64_t *link = &r->los_free; *link;) {
        uint64_t *block = at_offset(h, *link);
        /* The free list holds only free blocks of the space, page-aligned
         * (the sweep builds it). */
        LO_ASSERT(*link % LO_CKPT_PAGE == 0 && *link >= r->los_bottom &&
                  *link < r->los_end && lo_large_free_block(block));
        uint64_t have = lo_large_pages(block);
        LO_ASSERT(have > 0 && *link + have * LO_CKPT_PAGE <= r->los_end);
        if (have > pages) {
            block[0] = lo_large_free_header(have - pages);
            at = *link + (have - pages) * LO_CKPT_PAGE;
            break;
        }
        if (have == pages) {
            at = *link;
            *link = block[1];
            break;
        }
        link = &block[1];
    }
    if (!at) {
        uint64_t floor = (r->top + LO_CKPT_PAGE - 1) / LO_CKPT_PAGE *
                         LO_CKPT_PAGE;
        if (r->los_bottom < floor || r->los_bottom - floor < bytes) {
            heap_unlock(h);
            return NULL;
        }
        r->los_bottom -= bytes;
        at = r->los_bottom;
        /* The pages below the top's old high mark that the space takes
         * are its own now: the trim before the next flip gives back the
         * small space's garbage only (trim_before_flip). */
        if (h->high > r->los_bottom)
            h->high = r->los_bottom;
    }
    /* The block is whole pages inside the space, and the spaces do not
     * meet. */
    LO_ASSERT(at % LO_CKPT_PAGE == 0 && at >= r->los_bottom &&
              at + bytes <= r->los_end && r->top <= r->los_bottom);
    r->los_bytes += bytes;
    LO_ASSERT(r->los_bytes <= r->los_end - r->los_bottom);
    r->objects++;
    atomic_fetch_add_explicit(&h->since_gc, bytes, memory_order_relaxed);
    heap_unlock(h);
    /* Nobody else can reach the block yet: zero it outside the lock. */
    if (lo_ckpt_release(h->store, at / LO_CKPT_PAGE, pages) != LO_OK)
        lo_panic("heap: cannot release the pages of a new large block");
    return at_offset(h, at);
}

/* ---- walking every object ---- */

bool lo_heap_for_each_object(lo_heap *h, lo_heap_object_fn *fn, void *ctx)
{
    lo_heap_retire_buffers(h);          /* this run's: now fillers */
    uint64_t *top = lo_heap_top(h);
    for (uint64_t *p = lo_heap_start(h); p < top;) {
        /* A zero word is no header (no type is 0): the unused rest of a
         * chunk whose buffer an earlier run never retired before its
         * last snapshot -- zeros to the chunk's end (take()). */
        if (p[0] == 0) {
            p++;
            continue;
        }
        uint64_t size = lo_header_words(p[0]);
        if (size == 0 || size > (uint64_t)(top - p))
            return false;
        if ((p[0] & 0xff) != LO_T_FILLER)
            fn(p, ctx);
        p += size;
    }
    const uint64_t page_words = LO_CKPT_PAGE / 8;
    uint64_t *end = lo_heap_large_end(h);
    for (uint64_t *block = lo_heap_large_bottom(h); block < end;) {
        uint64_t pages = lo_large_pages(block);
        if (pages == 0 || pages > (uint64_t)(end - block) / page_words)
            return false;
        if (!lo_large_free_block(block))
            fn(block, ctx);
        block += pages * page_words;
    }
    return true;
}
