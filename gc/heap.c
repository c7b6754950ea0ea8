/*
 * heap.c -- the persistent heap's root page and allocation (see heap.h).
 */
#include <string.h>

#include "format.h"
#include "heap.h"
#include "platform.h"

enum { GROW_PAGES = 256 };          /* grow the region 1 MiB at a time */

struct lo_heap {
    lo_ckpt *store;
    struct lo_heap_root *root;
    lo_mutex lock;
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
    h->store = store;
    h->root = lo_ckpt_base(store);
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

struct lo_heap_root *lo_heap_root(lo_heap *h)
{
    return h->root;
}

uint64_t *lo_heap_alloc(lo_heap *h, size_t words)
{
    if (words < 2)
        words = 2;
    lo_mutex_lock(&h->lock);
    uint64_t at = h->root->top, end = at + words * 8;
    uint64_t *p = NULL;
    if (grow_to(h, end) == LO_OK) {
        h->root->top = end;
        h->root->objects++;
        p = (uint64_t *)((char *)h->root + at);
    }
    lo_mutex_unlock(&h->lock);
    return p;                   /* fresh pages read as zeros */
}

uint64_t lo_heap_bytes_used(lo_heap *h)
{
    return h->root->top;
}
