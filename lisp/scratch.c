/*
 * scratch.c -- a thread's scratch memory (scratch.h): a stack of C
 * memory in blocks.  A request that does not fit the newest block starts
 * a new one, at least twice as big; blocks wholly above a released mark
 * are given back, the last of them kept as a spare, so a query run again
 * and again reuses the same memory instead of asking the system for it.
 */
#include "lisp/scratch.h"

enum { FIRST_BLOCK = 64 * 1024 };

static uint64_t round16(uint64_t n)
{
    return (n + 15) & ~(uint64_t)15;
}

static void give_back(lo_lisp *L, struct lo_scratch_block *b)
{
    struct lo_scratch *s = &L->scratch;
    if (s->spare && s->spare->size >= b->size) {
        lo_mem_free(b);
        return;
    }
    lo_mem_free(s->spare);
    s->spare = b;
}

static struct lo_scratch_block *new_block(lo_lisp *L, uint64_t need)
{
    struct lo_scratch *s = &L->scratch;
    uint64_t size = s->top ? 2 * s->top->size : FIRST_BLOCK;
    if (size < need)
        size = need;
    if (s->spare && s->spare->size >= need) {
        struct lo_scratch_block *b = s->spare;
        s->spare = NULL;
        return b;
    }
    struct lo_scratch_block *b = lo_mem_alloc(sizeof *b + size);
    if (!b)
        lo_error(L, "STORAGE-CONDITION", "no memory for %llu bytes of "
                 "scratch space", (unsigned long long)need);
    b->size = size;
    return b;
}

void *lo_scratch_alloc(lo_lisp *L, size_t n)
{
    struct lo_scratch *s = &L->scratch;
    if (n > ((uint64_t)1 << 40))
        lo_error(L, "STORAGE-CONDITION", "no memory for %llu bytes of "
                 "scratch space", (unsigned long long)n);
    uint64_t need = round16(n ? n : 1);
    struct lo_scratch_block *b = s->top;
    if (!b || s->used - b->base + need > b->size) {
        b = new_block(L, need);
        b->prev = s->top;
        b->base = s->used;
        s->top = b;
    }
    void *p = b->data + (s->used - b->base);
    s->used += need;
    return p;
}

void lo_scratch_release(lo_lisp *L, uint64_t mark)
{
    struct lo_scratch *s = &L->scratch;
    if (mark >= s->used)
        return;
    s->used = mark;
    /* a block that began at or above the mark holds nothing now; the
     * bottom one stays, for the next call */
    while (s->top && s->top->prev && s->top->base >= mark) {
        struct lo_scratch_block *b = s->top;
        s->top = b->prev;
        give_back(L, b);
    }
}

void lo_scratch_free_all(lo_lisp *L)
{
    struct lo_scratch *s = &L->scratch;
    while (s->top) {
        struct lo_scratch_block *b = s->top;
        s->top = b->prev;
        lo_mem_free(b);
    }
    lo_mem_free(s->spare);
    s->spare = NULL;
    s->used = 0;
}
