/*
 * ids.h -- sets of entry ids for the query engine (ids.c): ascending,
 * without repeats, as fixnum words (so an index's posting copies in with
 * one memcpy), in the thread's scratch memory (lisp/scratch.h) -- never
 * the heap: a query's sets are temporary, and heap vectors of their size
 * would cost fresh pages and collections.  Valid until the query releases
 * its scratch mark.
 */
#ifndef LO_STORE_IDS_H
#define LO_STORE_IDS_H

#include "lisp/internal.h"

struct lo_ids {
    lo_value *v;
    uint64_t n;
};

/* Room for n ids (none yet). */
struct lo_ids lo_ids_new(lo_lisp *L, uint64_t room);
/* A copy of n fixnum words already ascending (a posting's). */
struct lo_ids lo_ids_copy(lo_lisp *L, const lo_value *words, uint64_t n);
/* Sort s ascending and drop repeats (the ids of a range of an ordered
 * index come in the order of their values). */
void lo_ids_sort(lo_lisp *L, struct lo_ids *s);

/* a intersected with b, into a's own memory. */
void lo_ids_intersect_into(struct lo_ids *a, struct lo_ids b);

/* Many sets united: a bit for every id below next_id (ids past it are
 * none of the store's), one pass over each set, then the ids in order.
 * Memory one bit an id, whatever the number of sets. */
struct lo_id_bits {
    uint64_t *w;
    uint64_t words;
    uint64_t most;              /* at most this many bits are set: a count
                                   kept as they are set, since counting
                                   the words would cost a pass over them */
};
struct lo_id_bits lo_id_bits_new(lo_lisp *L, int64_t next_id);
void lo_id_bits_add(struct lo_id_bits *b, const lo_value *ids, uint64_t n);
struct lo_ids lo_id_bits_ids(lo_lisp *L, const struct lo_id_bits *b);
/* The ids of the bits of words[from..to) (bit i of word w: id 64w + i)
 * into out, which has room for `room` ids, at least as many as the bits
 * set; their number. */
uint64_t lo_bitmap_ids(const uint64_t *words, uint64_t from, uint64_t to,
                       lo_value *out, uint64_t room);
/* Whether the bits' ids are `gap` apart or nearer, on average (as far
 * as b->most tells). */
bool lo_id_bits_dense(const struct lo_id_bits *b, uint64_t gap);
/* a gets b's bits too (a union); a and the intersection of a with b
 * (both of one query: as many words). */
void lo_id_bits_or(struct lo_id_bits *a, const struct lo_id_bits *b);
void lo_id_bits_and(struct lo_id_bits *a, const struct lo_id_bits *b);
/* Bits a kept only where the ascending ids b hold their id; ids a kept
 * only where bits b have a bit (in a's own memory). */
void lo_id_bits_keep_ids(struct lo_id_bits *a, struct lo_ids b);
void lo_ids_keep_bits(struct lo_ids *a, const struct lo_id_bits *b);

/* The number of bits set in x (no popcount instruction is assumed). */
static inline uint64_t lo_bits_set(uint64_t x)
{
    x = x - ((x >> 1) & 0x5555555555555555ull);
    x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
    x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
    return (x * 0x0101010101010101ull) >> 56;
}

#endif
