/*
 * scratch.c -- a thread's scratch memory (scratch.h): a stack of C
 * memory in a chain of blocks, each at least twice the one before.  A
 * request that does not fit the current block moves on to the next one
 * (made when there is none, or when the one kept is too small).  A
 * release moves back down the chain but keeps the blocks, so a query run
 * again and again reuses the same memory: asking the system for it each
 * time costs fresh, zeroed pages (a query over a million ids takes a few
 * megabytes).  Blocks over KEEP_LARGEST are given back at a release
 * below them, so a thread keeps about twice that at most.
 */
#include "lisp/scratch.h"

enum { FIRST_BLOCK = 64 * 1024, KEEP_LARGEST = 16 * 1024 * 1024 };

/* The most a thread may have in use: past it a request is refused with a
 * clear error, so that a query built to need a vast deal (an OR of
 * thousands of big ranges) cannot exhaust the server's memory. */
#define SCRATCH_MAX ((uint64_t)1 << 30)

static uint64_t round16(uint64_t n)
{
    return (n + 15) & ~(uint64_t)15;
}

/* Give back b and every block after it. */
static void free_from(struct lo_scratch_block *b)
{
    while (b) {
        struct lo_scratch_block *next = b->next;
        lo_mem_free(b);
        b = next;
    }
}

static struct lo_scratch_block *new_block(lo_lisp *L, uint64_t size)
{
    struct lo_scratch_block *b = lo_mem_alloc(sizeof *b + size);
    if (!b)
        lo_error(L, "STORAGE-CONDITION", "no memory for %llu bytes of "
                 "scratch space", (unsigned long long)size);
    b->size = size;
    b->next = NULL;
    return b;
}

void *lo_scratch_alloc(lo_lisp *L, size_t n)
{
    struct lo_scratch *s = &L->scratch;
    if (n > SCRATCH_MAX || s->used + n > SCRATCH_MAX)
        lo_error(L, "STORAGE-CONDITION", "the work needs more than %llu MiB "
                 "of scratch memory (%llu in use, %llu more asked for)",
                 (unsigned long long)(SCRATCH_MAX >> 20),
                 (unsigned long long)s->used, (unsigned long long)n);
    uint64_t need = round16(n ? n : 1);
    struct lo_scratch_block *b = s->top;
    if (!b || s->used - b->base + need > b->size) {
        struct lo_scratch_block **link = b ? &b->next : &s->first;
        if (*link && (*link)->size < need) {    /* kept, but too small */
            free_from(*link);
            *link = NULL;
        }
        if (!*link) {
            uint64_t size = b ? 2 * b->size : FIRST_BLOCK;
            *link = new_block(L, size < need ? need : size);
            (*link)->prev = b;
        }
        b = *link;
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
    while (s->top && s->top->prev && s->top->base > mark)
        s->top = s->top->prev;
    /* the blocks past the current one stay for the next request, but
     * not the largest ones */
    for (struct lo_scratch_block *b = s->top; b && b->next; b = b->next)
        if (b->next->size > KEEP_LARGEST) {
            free_from(b->next);
            b->next = NULL;
            break;
        }
}

void lo_scratch_free_all(lo_lisp *L)
{
    struct lo_scratch *s = &L->scratch;
    free_from(s->first);
    s->first = s->top = NULL;
    s->used = 0;
}
