/*
 * heap.c -- the persistent heap's root page and allocation (see heap.h).
 */
#include <stdatomic.h>
#include <string.h>

#include "format.h"
#include "heap.h"
#include "platform.h"

enum {
    GROW_PAGES = 256,                 /* grow the region 1 MiB at a time */
    CHUNK_WORDS = 4096,               /* an allocation buffer: 32 KiB */
    LARGE_WORDS = CHUNK_WORDS / 4,    /* bigger objects skip the buffers */
};
#define MIN_TRIGGER (8ull << 20)      /* collect after 8 MiB at least */

struct lo_heap {
    lo_ckpt *store;
    struct lo_heap_root *root;
    lo_mutex lock;                    /* the top, the buffer list */
    struct lo_alloc_buffer *buffers;
    _Atomic uint64_t since_gc;        /* bytes handed out since then */
    uint64_t trigger;
    uint64_t stress;                  /* trigger in stress mode, or 0 */
};

static int grow_to(lo_heap *h, uint64_t bytes)
{
    uint64_t pages = (bytes + LO_CKPT_PAGE - 1) / LO_CKPT_PAGE;
    uint64_t have = lo_ckpt_page_count(h->store);
    if (pages <= have)
        return LO_OK;
    uint64_t want = (pages + GROW_PAGES - 1) / GROW_PAGES * GROW_PAGES;
    if (want > lo_ckpt_max_pages(h->store))
        want = pages;
    return lo_ckpt_grow(h->store, want);
}

int lo_heap_open(lo_ckpt *store, uint64_t system_version, lo_heap **out,
                 int *fresh, char *why, size_t why_len)
{
    *out = NULL;
    lo_heap *h = lo_mem_alloc(sizeof *h);
    if (!h)
        return LO_ENOMEM;
    memset(h, 0, sizeof *h);
    h->store = store;
    h->root = lo_ckpt_base(store);
    h->trigger = MIN_TRIGGER;
    lo_mutex_init(&h->lock);
    int status = grow_to(h, LO_CKPT_PAGE);
    if (status != LO_OK) {
        lo_snprintf(why, why_len, "cannot grow the store for the heap: %s",
                    lo_strerror(status));
        lo_heap_close(h);
        return status;
    }
    struct lo_heap_root *r = h->root;
    *fresh = r->magic == 0;
    if (*fresh) {
        memset(r, 0, sizeof *r);
        r->magic = LO_HEAP_MAGIC;
        r->system_version = system_version;
        r->top = LO_CKPT_PAGE;          /* objects start on page 1 */
    } else if (r->magic != LO_HEAP_MAGIC) {
        lo_snprintf(why, why_len, "the store does not hold a LispOS heap");
        lo_heap_close(h);
        return LO_ECORRUPT;
    } else if (r->system_version != system_version) {
        lo_snprintf(why, why_len, "the heap was built by system code version "
                    "%016llx; this program is version %016llx. Refusing to "
                    "mix them: open it with the matching lispos, or start a "
                    "new store", (unsigned long long)r->system_version,
                    (unsigned long long)system_version);
        lo_heap_close(h);
        return LO_EINVAL;
    }
    *out = h;
    return LO_OK;
}

void lo_heap_close(lo_heap *h)
{
    if (!h)
        return;
    lo_mutex_destroy(&h->lock);
    lo_mem_free(h);
}

struct lo_heap_root *lo_heap_root(lo_heap *h) { return h->root; }
lo_ckpt *lo_heap_store(lo_heap *h) { return h->store; }

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
    lo_mutex_lock(&h->lock);
    b->next = b->end = NULL;
    b->link = h->buffers;
    h->buffers = b;
    lo_mutex_unlock(&h->lock);
}

/* What b has left becomes a filler object (lock held). */
static void retire(struct lo_alloc_buffer *b)
{
    if (b->next && b->next < b->end)
        b->next[0] = lo_header(LO_T_FILLER, (uint64_t)(b->end - b->next));
    b->next = b->end = NULL;
}

void lo_heap_unregister_buffer(lo_heap *h, struct lo_alloc_buffer *b)
{
    lo_mutex_lock(&h->lock);
    retire(b);
    for (struct lo_alloc_buffer **p = &h->buffers; *p; p = &(*p)->link)
        if (*p == b) {
            *p = b->link;
            break;
        }
    lo_mutex_unlock(&h->lock);
}

void lo_heap_retire_buffers(lo_heap *h)
{
    lo_mutex_lock(&h->lock);
    for (struct lo_alloc_buffer *b = h->buffers; b; b = b->link)
        retire(b);
    lo_mutex_unlock(&h->lock);
}

/* Take words from the shared top (lock held); zeroed, since the pages
 * past the top may hold what the collector slid away. */
static uint64_t *take(lo_heap *h, uint64_t words)
{
    uint64_t at = h->root->top, end = at + words * 8;
    if (grow_to(h, end) != LO_OK)
        return NULL;
    h->root->top = end;
    h->root->objects++;
    uint64_t *p = (uint64_t *)((char *)h->root + at);
    memset(p, 0, words * 8);
    atomic_fetch_add_explicit(&h->since_gc, words * 8, memory_order_relaxed);
    return p;
}

uint64_t *lo_heap_alloc_slow(lo_heap *h, struct lo_alloc_buffer *b,
                             size_t words)
{
    if (words == 0)
        words = 1;
    lo_mutex_lock(&h->lock);
    uint64_t *p;
    if (words >= LARGE_WORDS || h->stress) {
        p = take(h, words);         /* stress: every allocation counts */
    } else {
        retire(b);
        p = take(h, CHUNK_WORDS);
        if (p) {
            b->next = p + words;
            b->end = p + CHUNK_WORDS;
        }
    }
    lo_mutex_unlock(&h->lock);
    return p;
}

/* ---- the collector's trigger ---- */

uint64_t lo_heap_allocated_since_gc(lo_heap *h)
{
    return atomic_load_explicit(&h->since_gc, memory_order_relaxed);
}

bool lo_heap_collection_due(lo_heap *h)
{
    uint64_t since = lo_heap_allocated_since_gc(h);
    return h->stress ? since >= h->stress : since >= h->trigger;
}

void lo_heap_set_stress(lo_heap *h, uint64_t bytes)
{
    h->stress = bytes;
}

bool lo_heap_stressed(lo_heap *h)
{
    return h->stress != 0;
}

void lo_heap_set_top(lo_heap *h, uint64_t *top)
{
    lo_mutex_lock(&h->lock);
    h->root->top = (uint64_t)((char *)top - (char *)h->root);
    h->root->collections++;
    uint64_t live = h->root->top - LO_CKPT_PAGE;
    h->trigger = live > MIN_TRIGGER ? live : MIN_TRIGGER;
    atomic_store_explicit(&h->since_gc, 0, memory_order_relaxed);
    lo_mutex_unlock(&h->lock);
}
