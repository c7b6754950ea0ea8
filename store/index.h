/*
 * index.h -- the store's indexes (index.c), for the store's own files:
 * following changes (entry.c), making and dropping them (the primitives),
 * and reading them (query.c's planner).
 */
#ifndef LO_STORE_INDEX_H
#define LO_STORE_INDEX_H

#include "store/store.h"

/* An index record: a simple-vector (index.c's header). */
enum { INDEX_KIND, INDEX_KEY, INDEX_TABLE, INDEX_PRESENT, INDEX_OTHERS,
       INDEX_PAIRS, INDEX_MAX_SPAN, INDEX_SLOTS };

/* The index of key, or NIL; whether an index is a hash one. */
lo_value lo_store_index_of(lo_lisp *L, lo_value store, lo_value key);
bool lo_store_index_hash_p(lo_lisp *L, lo_value index);
/* A new index of key (hash or ordered), filled from the live entries. */
lo_value lo_store_make_index(lo_lisp *L, lo_value store, lo_value key,
                             bool hash);
/* The indexes every new store starts with (docs/store.md). */
void lo_store_default_indexes(lo_lisp *L, lo_value store);

/* Postings: a simple-vector, slot 0 the count, then ids ascending. */
lo_value lo_posting_new(lo_lisp *L, uint64_t room);
static inline uint64_t lo_posting_count(lo_value p)
{
    return (uint64_t)lo_fixnum_value(lo_ptr(p)[2]);
}
static inline int64_t lo_posting_id(lo_value p, uint64_t i)
{
    return lo_fixnum_value(lo_ptr(p)[3 + i]);
}

/* Whether a reader may use the index now (its table needs no rehash). */
bool lo_index_usable(lo_lisp *L, lo_value index);
/* A hash index's posting of the entries with value v (NIL: none, or v
 * hashes by address: then INDEX_OTHERS holds the candidates). */
lo_value lo_index_posting(lo_lisp *L, lo_value index, lo_value v);
/* Call fn with the id of every pair of an ordered index whose value lies
 * between lo and hi (LO_UNBOUND: unbounded; open: excluded), within lo's
 * type (or
 * hi's), in the index's order. */
void lo_index_range(lo_lisp *L, lo_value index, lo_value lo, bool lo_open,
                    lo_value hi, bool hi_open,
                    void (*fn)(lo_lisp *L, int64_t id, void *ctx), void *ctx);

/* NULL when index holds exactly what a scan of the entries gives, else
 * what is wrong (tests: %STORE-CHECK-INDEXES). */
const char *lo_store_check_index(lo_lisp *L, lo_value store, lo_value index);

/* Call fn with the id of every date of an ordered index whose start is
 * at or after lo and before hi (LO_UNBOUND: unbounded), in order.  With
 * the index's longest span (lo_index_max_span) this finds the dates that
 * may overlap a span or lie inside it. */
void lo_index_date_starts(lo_lisp *L, lo_value index, lo_value lo,
                          lo_value hi,
                          void (*fn)(lo_lisp *L, int64_t id, void *ctx),
                          void *ctx);
/* The longest span of a date the index has held (an integer, seconds),
 * or LO_UNBOUND when the index does not know it. */
lo_value lo_index_max_span(lo_value index);

extern const struct lo_primitive *const lo_store_index_primitives[];

#endif
