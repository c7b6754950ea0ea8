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
/* NULL when index holds exactly what a scan of the entries gives, else
 * what is wrong (tests: %STORE-CHECK-INDEXES). */
const char *lo_store_check_index(lo_lisp *L, lo_value store, lo_value index);

/*
 * Reading an ordered index by places.  Its pairs are ordered by class
 * (lo_index_class: reals 0, strings 1, durations 2, dates 3; -1: a value
 * no ordered index holds), then by value, then by id.  A bound is a
 * point in that order: in class cls, just before the pairs of value v
 * (or just after them, when `after`); with v LO_UNBOUND, the class's
 * start (or, with `after`, its end); with by_start, v is an integer and
 * the class's dates compare by their start.  lo_index_place gives the
 * place of the first pair not before a bound; the pairs from one place
 * up to another are a range, counted, copied (their ids, as fixnum
 * words, into out) or copied where keep says so of the value.  Nothing
 * here allocates.
 */
struct lo_index_bound {
    int cls;
    lo_value v;
    bool after, by_start;
};
struct lo_index_place {
    uint64_t k, i;              /* chunk, pair in it */
};
int lo_index_class(lo_lisp *L, lo_value v);
struct lo_index_place lo_index_place(lo_lisp *L, lo_value index,
                                     const struct lo_index_bound *b);
uint64_t lo_index_count(lo_value index, struct lo_index_place from,
                        struct lo_index_place to);
uint64_t lo_index_ids(lo_value index, struct lo_index_place from,
                      struct lo_index_place to, lo_value *out);
/* The same ids set as bits (store/ids.h): no array in the values' order
 * to sort. */
struct lo_id_bits;
void lo_index_id_bits(lo_value index, struct lo_index_place from,
                      struct lo_index_place to, struct lo_id_bits *bits);
uint64_t lo_index_ids_if(lo_lisp *L, lo_value index, struct lo_index_place from,
                         struct lo_index_place to,
                         bool (*keep)(lo_lisp *L, lo_value v, void *ctx),
                         void *ctx, lo_value *out);
/* The longest span of a date the index has held (an integer, seconds),
 * or LO_UNBOUND when the index does not know it. */
lo_value lo_index_max_span(lo_value index);

extern const struct lo_primitive *const lo_store_index_primitives[];

#endif
