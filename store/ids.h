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
/* a and b intersected or united: a new set. */
struct lo_ids lo_ids_intersect(lo_lisp *L, struct lo_ids a, struct lo_ids b);
struct lo_ids lo_ids_unite(lo_lisp *L, struct lo_ids a, struct lo_ids b);

#endif
