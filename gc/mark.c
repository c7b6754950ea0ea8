/*
 * mark.c -- the collector's mark phase (gc.h, step 1): from the roots,
 * one bit per word of every reachable object in the live bitmap, with an
 * explicit stack per marker (no recursion).  A young collection also
 * takes as roots the old objects' slots on the pages written since the
 * last collection, walked with the crossing map, and keeps those that
 * point at young objects for the update.  A full collection of a large
 * heap marks with a helper thread ("Parallel marking" below;
 * docs/gc.md).
 */
#include <string.h>

#include "gc/internal.h"

/* ---- young collections: the old pages written since the last one ---- */

/*
 * A young collection (docs/gc.md, "Young collections") takes as roots the
 * value words of the old objects on every page written since the last
 * collection: an old object can point to a young one only if it was
 * written after that one was made, so its page is among them.  The store
 * tells which pages those are (lo_ckpt_pages_written); the crossing map
 * says where the first object on a page begins.  Only the slots on the
 * page itself are visited: the others lie on pages of their own.
 */
static void visit_old_page(struct gc *g, uint64_t page, lo_gc_visit_fn *visit,
                           void *ctx)
{
    uint64_t *base = (uint64_t *)lo_heap_root(g->heap);
    uint64_t *from = base + page * (LO_CKPT_PAGE / 8);
    uint64_t *limit = from + LO_CKPT_PAGE / 8;
    if (limit > g->start)
        limit = g->start;                       /* the old space ends */
    for (uint64_t *obj = from - g->crossing[page]; obj < limit;) {
        if (obj[0] == 0) {              /* a buffer's unused words */
            obj++;
            continue;
        }
        uint64_t size = lo_header_words(obj[0]);
        if (size == 0 || (obj[0] & 0xff) == 0)
            lo_panic("gc: bad header 0x%llx at %p on old page %llu (a "
                     "corrupt heap or crossing map)",
                     (unsigned long long)obj[0], (void *)obj,
                     (unsigned long long)page);
        uint64_t *slot = obj + 1;
        uint64_t *end = obj + 1 + lo_header_value_words(obj[0]);
        if (slot < from)
            slot = from;
        if (end > limit)
            end = limit;
        for (; slot < end; slot++)
            visit((lo_value *)slot, ctx);
        obj += size;
    }
}

static void visit_written(struct gc *g, lo_gc_visit_fn *visit, void *ctx)
{
    for (uint64_t page = next_set(g->written, 1, g->old_pages);
         page < g->old_pages;
         page = next_set(g->written, page + 1, g->old_pages))
        visit_old_page(g, page, visit, ctx);
    /* a large object's value words lie in its first page */
    for (uint64_t page = next_set(g->los_written, 0, g->los_pages);
         page < g->los_pages;
         page = next_set(g->los_written, page + 1, g->los_pages)) {
        uint64_t *obj = g->los_lo + page * (LO_CKPT_PAGE / 8);
        if (!bit(g->los_start, page) || lo_large_free_block(obj))
            continue;
        uint64_t n = lo_header_value_words(obj[0]);
        for (uint64_t i = 1; i <= n; i++)
            visit((lo_value *)&obj[i], ctx);
    }
}

/* ---- 1. mark ---- */

/*
 * Make room for `want` pointers in *items, which holds `used` of `*cap`:
 * the mark stacks, the shared pool and the remembered slots all grow so.
 * The collector cannot fail half way, so no memory is a panic.
 */
static void *room_for(void *items, size_t used, size_t *cap, size_t want,
                      const char *what)
{
    if (want <= *cap)
        return items;
    size_t grown_cap = *cap ? *cap * 2 : 4096;
    if (grown_cap < want)
        grown_cap = want * 2;
    void *grown = lo_mem_alloc(grown_cap * sizeof(void *));
    if (!grown)
        lo_panic("gc: no memory for %s (%zu entries)", what, grown_cap);
    if (items)
        memcpy(grown, items, used * sizeof(void *));
    lo_mem_free(items);
    *cap = grown_cap;
    return grown;
}

static void push(struct marker *m, uint64_t *obj)
{
    m->stack = room_for(m->stack, m->sp, &m->cap, m->sp + 1,
                        "the mark stack");
    m->stack[m->sp++] = obj;
}

/* Set bit i of map; true if this call set it (it was clear).  With
 * helpers marking too, an atomic OR: two markers reaching one object
 * both try, one wins and traces it. */
static inline bool claim(const struct gc *g, uint64_t *map, uint64_t i)
{
    uint64_t mask = 1ull << (i % 64);
    if (!g->parallel) {
        if (map[i / 64] & mask)
            return false;
        map[i / 64] |= mask;
        return true;
    }
    if (__atomic_load_n(&map[i / 64], __ATOMIC_RELAXED) & mask)
        return false;
    return !(__atomic_fetch_or(&map[i / 64], mask, __ATOMIC_RELAXED) & mask);
}

/* set_bits, for an object another marker may share a bitmap word with */
static void set_bits_shared(const struct gc *g, uint64_t *map, uint64_t from,
                            uint64_t count)
{
    if (!g->parallel) {
        set_bits(map, from, count);
        return;
    }
    for (uint64_t i = from, end = from + count; i < end;) {
        uint64_t word = i / 64, shift = i % 64;
        uint64_t n = end - i < 64 - shift ? end - i : 64 - shift;
        uint64_t mask = n == 64 ? ~0ull : ((1ull << n) - 1) << shift;
        __atomic_fetch_or(&map[word], mask, __ATOMIC_RELAXED);
        i += n;
    }
}

static uint64_t large_page(const struct gc *g, const uint64_t *obj)
{
    return (uint64_t)((const char *)obj - (const char *)g->los_lo) /
           LO_CKPT_PAGE;
}

/* Is obj the start of an object (not a free block) of the large space? */
static bool large_object(const struct gc *g, const uint64_t *obj)
{
    return ((uintptr_t)obj % LO_CKPT_PAGE) == 0 &&
           bit(g->los_start, large_page(g, obj)) && !lo_large_free_block(obj);
}

static void mark_large(struct marker *m, uint64_t *obj)
{
    struct gc *g = m->g;
    if (!large_object(g, obj))
        lo_panic("gc: a pointer %p into the large-object space that is not "
                 "an object's start (a corrupt heap or a stale pointer)",
                 (void *)obj);
    if (claim(g, g->los_mark, large_page(g, obj)))
        push(m, obj);
}

static void mark_value(struct marker *m, lo_value v)
{
    if (!pointerp(v))
        return;
    struct gc *g = m->g;
    uint64_t *obj = address(v);
    if (obj >= g->los_lo && obj < g->los_hi) {
        if (!g->young)          /* young: large objects all count as old */
            mark_large(m, obj);
        return;
    }
    if (obj < g->start || obj >= g->top)
        return;                 /* young: an old object, live for now */
    uint64_t w = (uint64_t)(obj - g->start);
    uint64_t size = lo_header_words(obj[0]);
    if (size == 0 || w + size > g->nwords)
        lo_panic("gc: bad header 0x%llx at %p (a corrupt heap or a stale "
                 "pointer)", (unsigned long long)obj[0], (void *)obj);
    /* A pointer reaches an object made and headed (type 0 is zeroed
     * memory) and never a filler (space no one was handed); and an object
     * not marked yet shares no word with a marked one: each is marked
     * once, and objects do not overlap.  The header's bit claims it. */
    LO_ASSERT((obj[0] & 0xff) != 0 && (obj[0] & 0xff) != LO_T_FILLER);
    if (!claim(g, g->live, w))
        return;
    LO_ASSERT(g->parallel || bits_clear(g->live, w + 1, size - 1));
    set_bits_shared(g, g->live, w + 1, size - 1);
    push(m, obj);
}

static void mark_visit(lo_value *slot, void *marker)
{
    mark_value(marker, *slot);
}

/* A slot of an old object on a written page: marked from, and kept if it
 * points at a young object -- the only old slots the update must change
 * (most slots of a written page point at old objects). */
static void mark_old_slot(lo_value *slot, void *marker)
{
    struct marker *m = marker;
    struct gc *g = m->g;
    lo_value v = *slot;
    mark_value(m, v);
    if (!pointerp(v) || address(v) < g->start || address(v) >= g->top)
        return;
    g->remembered = room_for(g->remembered, g->nremembered,
                             &g->remembered_cap, g->nremembered + 1,
                             "the remembered slots");
    g->remembered[g->nremembered++] = slot;
}

/* The fields of one object taken off the stack. */
static void trace(struct marker *m, const uint64_t *obj)
{
    uint64_t n = lo_header_value_words(obj[0]);
    /* the value words lie inside the object */
    LO_ASSERT(n < lo_header_words(obj[0]));
    for (uint64_t i = 1; i <= n; i++)
        mark_value(m, obj[i]);
}

/*
 * Parallel marking (full collections of a large heap): MARKERS threads,
 * the collecting one and helpers started for the collection, each with
 * its own stack.  Objects are claimed by the header's bit (claim), so
 * each is traced once.  A marker whose stack grows past SHARE_AT while the
 * shared pool is empty moves half of it there; a marker out of work takes
 * a batch from the pool, or waits; when all wait and the pool is empty,
 * marking is done.
 */
enum { MARKERS = 2, SHARE_AT = 1, TAKE = 64 };

struct pool {
    lo_mutex lock;
    lo_cond changed;
    uint64_t **items;
    size_t n, cap;
    unsigned idle;
    bool done;
};

static void share(struct marker *m, struct pool *p)
{
    size_t give = m->sp / 2;
    lo_mutex_lock(&p->lock);
    p->items = room_for(p->items, p->n, &p->cap, p->n + give,
                        "the shared mark pool");
    memcpy(p->items + p->n, m->stack, give * sizeof *m->stack);
    memmove(m->stack, m->stack + give, (m->sp - give) * sizeof *m->stack);
    /* read without the lock by drain_shared: atomic, relaxed */
    __atomic_store_n(&p->n, p->n + give, __ATOMIC_RELAXED);
    m->sp -= give;
    lo_cond_broadcast(&p->changed);
    lo_mutex_unlock(&p->lock);
}

/* Work from the pool into m's stack; false when marking is done. */
static bool take(struct marker *m, struct pool *p)
{
    lo_mutex_lock(&p->lock);
    p->idle++;
    while (!p->n && !p->done) {
        if (p->idle == MARKERS) {
            p->done = true;
            lo_cond_broadcast(&p->changed);
            break;
        }
        lo_cond_wait(&p->changed, &p->lock);
    }
    if (p->done) {
        lo_mutex_unlock(&p->lock);
        return false;
    }
    p->idle--;
    size_t n = p->n < TAKE ? p->n : TAKE;
    for (size_t i = 0; i < n; i++)
        push(m, p->items[p->n - 1 - i]);
    __atomic_store_n(&p->n, p->n - n, __ATOMIC_RELAXED);
    lo_mutex_unlock(&p->lock);
    return true;
}

static void drain_shared(struct marker *m, struct pool *p)
{
    do {
        while (m->sp) {
            trace(m, m->stack[--m->sp]);
            if (m->sp > SHARE_AT &&
                !__atomic_load_n(&p->n, __ATOMIC_RELAXED))
                share(m, p);
        }
    } while (take(m, p));
}

struct helper {
    struct marker m;
    struct pool *pool;
    lo_thread thread;
};

static void helper_main(void *arg)
{
    struct helper *h = arg;
    drain_shared(&h->m, h->pool);
}

/* Trace everything reachable from what m's stack holds, with helpers;
 * false (nothing done) when no helper could be started. */
static bool mark_in_parallel(struct marker *m)
{
    struct gc *g = m->g;
    struct pool p = { 0 };
    struct helper helpers[MARKERS - 1];
    lo_mutex_init(&p.lock);
    lo_cond_init(&p.changed);
    g->parallel = true;
    unsigned started = 0;
    for (; started < MARKERS - 1; started++) {
        helpers[started] = (struct helper){ .m = { .g = g }, .pool = &p };
        if (lo_thread_start(&helpers[started].thread, helper_main,
                            &helpers[started]) != LO_OK)
            break;
    }
    if (started < MARKERS - 1) {
        /* a helper would wait for one that never comes: stop them */
        lo_mutex_lock(&p.lock);
        p.done = true;
        lo_cond_broadcast(&p.changed);
        lo_mutex_unlock(&p.lock);
    }
    if (started == MARKERS - 1)
        drain_shared(m, &p);
    for (unsigned i = 0; i < started; i++) {
        lo_thread_join(&helpers[i].thread);
        lo_mem_free(helpers[i].m.stack);
    }
    g->parallel = false;
    lo_mem_free(p.items);
    lo_cond_destroy(&p.changed);
    lo_mutex_destroy(&p.lock);
    return started == MARKERS - 1;
}

void lo_gc_mark(struct gc *g, struct lo_heap_root *r, lo_gc_roots_fn *roots,
                void *ctx)
{
    struct marker *m = &g->main;
    for (int i = 0; i < LO_HEAP_ROOTS; i++)
        mark_value(m, r->roots[i]);
    roots(ctx, mark_visit, m);
    if (g->young)
        visit_written(g, mark_old_slot, m);
    if (!g->young && g->nwords * 8 >= lo_heap_parallel_mark(g->heap) &&
        mark_in_parallel(m))
        return;
    while (m->sp)
        trace(m, m->stack[--m->sp]);
}
