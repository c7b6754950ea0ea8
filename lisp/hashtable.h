/*
 * hashtable.h -- the layout of a hash table object (lisp/hashtable.c has
 * the code; the printer reads the test and the count), the checker of a
 * hash table argument, and the EQUALP of two tables.
 *
 *   hash table  1 test: the symbol EQ, EQL, EQUAL or EQUALP
 *               2 kind: the test as a fixnum (enum lo_hash_kind)
 *               3 count of entries (fixnum)
 *               4 stamp: the heap's collection count (gc/heap.h,
 *                 lo_heap_root.collections) when the keys hashed by
 *                 address were placed; NIL when no key hashes by address
 *               5 version of the hash functions that placed the keys
 *               6 slots: a vector of 2 * capacity words, key then value;
 *                 an empty slot's key is the unbound marker
 * Every word is a Lisp value, so the collector scans a table like any
 * other object.
 */
#ifndef LO_LISP_HASHTABLE_H
#define LO_LISP_HASHTABLE_H

#include "lisp/internal.h"

enum { HT_TEST = 1, HT_KIND, HT_COUNT, HT_STAMP, HT_VERSION, HT_SLOTS,
       HT_WORDS };
enum lo_hash_kind { LO_HASH_EQ, LO_HASH_EQL, LO_HASH_EQUAL, LO_HASH_EQUALP };

/*
 * For C code keeping tables of its own (the object store's indexes): no
 * access bits are checked, the table must be one the caller made.  A
 * table whose keys hash by address is rehashed after each collection by
 * its next operation (a write): a table shared by reading threads must
 * hold only keys whose hash is stable (lo_hash_key_stable), and be
 * refreshed by a writer after an upgrade changed the hash functions
 * (lo_hash_table_stale, lo_hash_table_refresh).
 */
lo_value lo_table_new(lo_lisp *L, enum lo_hash_kind kind, uint64_t size);
bool lo_table_key_stable(lo_lisp *L, lo_value key, enum lo_hash_kind kind);
bool lo_table_stale(lo_lisp *L, lo_value table);
void lo_table_refresh(lo_lisp *L, lo_value table);
/* The value under key in *value (unless NULL): false when absent. */
bool lo_table_get(lo_lisp *L, lo_value table, lo_value key, lo_value *value);
void lo_table_put(lo_lisp *L, lo_value table, lo_value key, lo_value value);
bool lo_table_remove(lo_lisp *L, lo_value table, lo_value key);
/* A writer's look-up (it may rehash the table): the place of key's entry
 * -- (*pair)[0] the key as the table holds it, (*pair)[1] its value,
 * which the caller may set -- good until the table's next write; false
 * when key is absent, or hashes by address (*by_address: such a key is
 * never looked up). */
bool lo_table_find(lo_lisp *L, lo_value table, lo_value key, lo_value **pair,
                   bool *by_address);
/* The same, but an absent key is added first, with the value NIL (*added
 * says so): false only when key hashes by address (nothing is added). */
bool lo_table_intern(lo_lisp *L, lo_value table, lo_value key,
                     lo_value **pair, bool *added);
uint64_t lo_table_count(lo_value table);
/* The slots, for a walk: 2 * capacity values, key then value, an empty
 * slot's key LO_UNBOUND. */
static inline lo_value *lo_table_slots(lo_value table, uint64_t *capacity)
{
    lo_value slots = lo_ptr(table)[HT_SLOTS];
    *capacity = (uint64_t)lo_fixnum_value(lo_ptr(slots)[1]) / 2;
    return lo_ptr(slots) + 2;
}

/* A hash table argument, else the TYPE-ERROR of lo_arg_error. */
lo_value lo_arg_hash_table(lo_lisp *L, lo_value v);
/* EQUALP of two hash tables, depth levels down into what is compared
 * (equal.c's EQUALP asks). */
bool lo_hash_tables_equalp(lo_lisp *L, lo_value x, lo_value y, int depth);

#endif
