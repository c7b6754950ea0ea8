/*
 * handles.c -- a session's table of handles (handles.h).
 *
 * A slot holds a kept reference.  Adding keeps the reference first,
 * outside the mutex -- keeping enters the Lisp, where a collection may
 * wait for every thread, and a worker blocked on this mutex would never
 * get there -- then looks for the same capability among the slots (a
 * client asking for one object again gets the number it has) and takes
 * a slot.  Slots are never emptied before the table is freed, so a
 * number once given stays valid for the session.
 */
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>

#include "server/handles.h"

enum { INDEX_BITS = 24 };

struct lo_handles {
    pthread_mutex_t lock;
    uint32_t tag;               /* random, nonzero: the numbers' top bits */
    uint32_t n, room, most;
    lo_ref *slots;
};

struct lo_handles *lo_handles_new(uint32_t most)
{
    struct lo_handles *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    pthread_mutex_init(&h->lock, NULL);
    do
        h->tag = randombytes_random();
    while (!h->tag);
    h->most = most < (1u << INDEX_BITS) ? most : (1u << INDEX_BITS) - 1;
    return h;
}

static uint64_t number_of(const struct lo_handles *h, uint32_t index)
{
    return (uint64_t)h->tag << INDEX_BITS | (index + 1);
}

/* The slot an earlier add gave the same capability, or -1. */
static int64_t find_same(lo_lisp *W, const struct lo_handles *h, lo_ref v)
{
    int bits = lo_get_access(W, v);
    for (uint32_t i = 0; i < h->n; i++)
        if (lo_eq_refs(W, h->slots[i], v) &&
            lo_get_access(W, h->slots[i]) == bits)
            return i;
    return -1;
}

uint64_t lo_handles_add(lo_lisp *W, struct lo_handles *h, lo_ref v)
{
    lo_ref kept = lo_ref_keep(W, v);
    if (!kept)
        return 0;
    uint64_t number = 0;
    pthread_mutex_lock(&h->lock);
    int64_t same = find_same(W, h, v);
    if (same >= 0) {
        number = number_of(h, (uint32_t)same);
    } else if (h->n < h->most) {
        if (h->n == h->room) {
            uint32_t room = h->room ? h->room * 2 : 64;
            lo_ref *grown = realloc(h->slots, room * sizeof *grown);
            if (grown) {
                h->slots = grown;
                h->room = room;
            }
        }
        if (h->n < h->room) {
            h->slots[h->n] = kept;
            number = number_of(h, h->n++);
            kept = NULL;
        }
    }
    pthread_mutex_unlock(&h->lock);
    if (kept)
        lo_ref_free(W, kept);           /* one was there, or no room */
    return number;
}

lo_ref lo_handles_get(lo_lisp *W, struct lo_handles *h, uint64_t number)
{
    uint64_t index = (number & ((1ull << INDEX_BITS) - 1)) - 1;
    lo_ref kept = NULL;
    pthread_mutex_lock(&h->lock);
    if (number >> INDEX_BITS == h->tag && index < h->n)
        kept = h->slots[index];
    pthread_mutex_unlock(&h->lock);
    /* slots are never emptied while requests of the session run */
    return kept ? lo_ref_copy(W, kept) : NULL;
}

uint32_t lo_handles_count(struct lo_handles *h)
{
    pthread_mutex_lock(&h->lock);
    uint32_t n = h->n;
    pthread_mutex_unlock(&h->lock);
    return n;
}

void lo_handles_free(lo_lisp *W, struct lo_handles *h)
{
    if (!h)
        return;
    for (uint32_t i = 0; i < h->n; i++)
        lo_ref_free(W, h->slots[i]);
    lo_handles_discard(h);
}

void lo_handles_discard(struct lo_handles *h)
{
    free(h->slots);
    pthread_mutex_destroy(&h->lock);
    free(h);
}
