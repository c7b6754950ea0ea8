/*
 * index.c -- the store's indexes (docs/store-design.md section 6), kept
 * exact by every change: entry.c calls lo_store_index_change with an
 * entry's old and new attributes, under the data lock held exclusive.
 *
 * An index serves one key.  Its record is a simple-vector:
 *   INDEX_KIND     :HASH or :ORDERED
 *   INDEX_KEY      the keyword
 *   INDEX_TABLE    hash: an EQUAL table, index key of a value -> posting;
 *                  ordered: the chunk list (below)
 *   INDEX_PRESENT  a posting of the ids having the key at all (HAS)
 *   INDEX_OTHERS   hash: a posting of the ids with a value whose EQUAL hash
 *                  is its address (an instance as an :author): such a
 *                  value cannot be a table key, so queries check them
 *   INDEX_PAIRS    ordered: how many (value, id) pairs it holds
 *
 * A **posting** is a simple-vector: slot 0 the count n, then n ids in
 * ascending order.  New entries have the largest ids, so adding one is an
 * append; a change elsewhere is a binary search and a move.
 *
 * An **ordered index** is a B+tree of height two: a top vector (slot 0
 * the count of chunks, then the chunks in order), each chunk a
 * simple-vector (slot 0 the count of pairs, then value, id, value, id
 * ... in order).  A chunk splits in two when full.  Pairs are ordered by
 * value -- reals, then strings, then durations, then dates, each in the
 * store's order (value.c) -- then by id.  Values of other types (and NaN)
 * are not in an ordered index: no range matches them anyway.
 *
 * Everything is heap objects, so indexes persist with the store and need
 * no rebuilding at start.  Nothing here runs Lisp code, so no collection
 * moves what a function holds in C variables.
 */
#include <string.h>

#include "drivers/printf.h"
#include "lisp/hashtable.h"
#include "lisp/numbers.h"
#include "store/index.h"
#include "store/store.h"

enum { CHUNK_PAIRS = 256 };

/* ---- postings --------------------------------------------------------------- */

static uint64_t posting_count(lo_value p)
{
    return (uint64_t)lo_fixnum_value(*lo_svref(p, 0));
}

lo_value lo_posting_new(lo_lisp *L, uint64_t room)
{
    lo_value p = lo_make_vector(L, 1 + room, lo_fixnum(0));
    return p;
}

/* The first position (1-based slot) holding an id >= id. */
static uint64_t posting_find(lo_value p, int64_t id)
{
    uint64_t lo = 1, hi = 1 + posting_count(p);
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (lo_fixnum_value(*lo_svref(p, mid)) < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Add id to the posting in *place (growing it); nothing if there. */
static void posting_add(lo_lisp *L, lo_value *place, int64_t id)
{
    lo_value p = *place;
    uint64_t n = posting_count(p);
    uint64_t at = posting_find(p, id);
    if (at <= n && lo_fixnum_value(*lo_svref(p, at)) == id)
        return;
    if (n + 1 >= lo_svlength(p)) {
        lo_value bigger = lo_posting_new(L, 2 * n + 4);
        memcpy(lo_svref(bigger, 0), lo_svref(p, 0), (n + 1) * 8);
        p = bigger;
        *place = p;
    }
    memmove(lo_svref(p, at + 1), lo_svref(p, at), (n + 1 - at) * 8);
    *lo_svref(p, at) = lo_fixnum(id);
    *lo_svref(p, 0) = lo_fixnum((int64_t)n + 1);
}

/* Remove id from posting p; whether it was there. */
static bool posting_remove(lo_value p, int64_t id)
{
    uint64_t n = posting_count(p);
    uint64_t at = posting_find(p, id);
    if (at > n || lo_fixnum_value(*lo_svref(p, at)) != id)
        return false;
    memmove(lo_svref(p, at), lo_svref(p, at + 1), (n - at) * 8);
    *lo_svref(p, n) = lo_fixnum(0);
    *lo_svref(p, 0) = lo_fixnum((int64_t)n - 1);
    return true;
}

/* ---- the order of an ordered index ------------------------------------------ */

/* reals 0, strings 1, durations 2, dates 3; -1: not in ordered indexes */
static int order_class(lo_lisp *L, lo_value v)
{
    if (lo_numberp(v)) {
        double d;
        if (lo_doublep(v) && lo_real_to_double(L, v, &d) && d != d)
            return -1;                                  /* NaN */
        return 0;
    }
    if (lo_typep(v, LO_T_STRING))
        return 1;
    if (lo_store_durationp(L, v))
        return 2;
    if (lo_store_datep(L, v))
        return 3;
    return -1;
}

/* a against b in the index's order: classes, then the store's order
 * (dates by start, then end). */
static int order_compare(lo_lisp *L, lo_value a, int ca, lo_value b, int cb)
{
    if (ca != cb)
        return ca < cb ? -1 : 1;
    int c = ca == 3 ? lo_store_date_compare(L, a, b) : lo_store_compare(L, a, b);
    return c == LO_STORE_UNORDERED ? 0 : c;
}

static int pair_compare(lo_lisp *L, lo_value va, int ca, int64_t ida,
                        lo_value vb, int64_t idb)
{
    int c = order_compare(L, va, ca, vb, order_class(L, vb));
    if (c)
        return c;
    return ida < idb ? -1 : ida > idb;
}

static uint64_t chunk_count(lo_value chunk)
{
    return (uint64_t)lo_fixnum_value(*lo_svref(chunk, 0));
}
static lo_value chunk_value(lo_value chunk, uint64_t i)
{
    return *lo_svref(chunk, 1 + 2 * i);
}
static int64_t chunk_id(lo_value chunk, uint64_t i)
{
    return lo_fixnum_value(*lo_svref(chunk, 2 + 2 * i));
}

/* The chunk a pair belongs in: the last whose first pair is <= it. */
static uint64_t find_chunk(lo_lisp *L, lo_value top, lo_value v, int cv,
                           int64_t id)
{
    uint64_t n = (uint64_t)lo_fixnum_value(*lo_svref(top, 0));
    uint64_t lo = 0, hi = n;    /* first chunk whose first pair is > it */
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        lo_value c = *lo_svref(top, 1 + mid);
        if (chunk_count(c) == 0 ||     /* only ever the sole chunk */
            pair_compare(L, v, cv, id, chunk_value(c, 0), chunk_id(c, 0)) >= 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo ? lo - 1 : 0;
}

/* The position in chunk of the first pair >= (v, id). */
static uint64_t find_in_chunk(lo_lisp *L, lo_value chunk, lo_value v, int cv,
                              int64_t id)
{
    uint64_t lo = 0, hi = chunk_count(chunk);
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (pair_compare(L, chunk_value(chunk, mid),
                         order_class(L, chunk_value(chunk, mid)),
                         chunk_id(chunk, mid), v, id) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    (void)cv;
    return lo;
}

static lo_value new_chunk(lo_lisp *L)
{
    return lo_make_vector(L, 1 + 2 * CHUNK_PAIRS, lo_fixnum(0));
}

/* Insert chunk at position at of the top vector in *place. */
static void top_insert(lo_lisp *L, lo_value *place, uint64_t at,
                       lo_value chunk)
{
    lo_value top = *place;
    uint64_t n = (uint64_t)lo_fixnum_value(*lo_svref(top, 0));
    if (n + 1 >= lo_svlength(top)) {
        lo_value bigger = lo_make_vector(L, 2 * n + 4, L->nil);
        memcpy(lo_svref(bigger, 0), lo_svref(top, 0), (n + 1) * 8);
        top = bigger;
        *place = top;
    }
    memmove(lo_svref(top, 2 + at), lo_svref(top, 1 + at), (n - at) * 8);
    *lo_svref(top, 1 + at) = chunk;
    *lo_svref(top, 0) = lo_fixnum((int64_t)n + 1);
}

/* Take chunk k out of the top vector. */
static void top_remove(lo_value top, uint64_t k)
{
    uint64_t n = (uint64_t)lo_fixnum_value(*lo_svref(top, 0));
    memmove(lo_svref(top, 1 + k), lo_svref(top, 2 + k), (n - 1 - k) * 8);
    *lo_svref(top, n) = lo_fixnum(0);
    *lo_svref(top, 0) = lo_fixnum((int64_t)n - 1);
}

static void ordered_add(lo_lisp *L, lo_value index, lo_value v, int64_t id)
{
    int cv = order_class(L, v);
    if (cv < 0)
        return;
    lo_value *top = lo_svref(index, INDEX_TABLE);
    if (lo_fixnum_value(*lo_svref(*top, 0)) == 0)
        top_insert(L, top, 0, new_chunk(L));
    uint64_t k = find_chunk(L, *top, v, cv, id);
    lo_value chunk = *lo_svref(*top, 1 + k);
    uint64_t n = chunk_count(chunk);
    uint64_t at = find_in_chunk(L, chunk, v, cv, id);
    if (at < n && chunk_id(chunk, at) == id &&
        order_compare(L, chunk_value(chunk, at),
                      order_class(L, chunk_value(chunk, at)), v, cv) == 0 &&
        lo_store_equal(L, chunk_value(chunk, at), v))
        return;                                 /* there already */
    if (n == CHUNK_PAIRS) {                     /* split it in two */
        lo_value right = new_chunk(L);
        uint64_t half = n / 2;
        memcpy(lo_svref(right, 1), lo_svref(chunk, 1 + 2 * half),
               (n - half) * 2 * 8);
        for (uint64_t i = 1 + 2 * half; i < 1 + 2 * n; i++)
            *lo_svref(chunk, i) = lo_fixnum(0);
        *lo_svref(chunk, 0) = lo_fixnum((int64_t)half);
        *lo_svref(right, 0) = lo_fixnum((int64_t)(n - half));
        top_insert(L, top, k + 1, right);
        if (at > half) {
            chunk = right;
            at -= half;
        }
        n = chunk_count(chunk);
    }
    memmove(lo_svref(chunk, 1 + 2 * (at + 1)), lo_svref(chunk, 1 + 2 * at),
            (n - at) * 2 * 8);
    *lo_svref(chunk, 1 + 2 * at) = v;
    *lo_svref(chunk, 2 + 2 * at) = lo_fixnum(id);
    *lo_svref(chunk, 0) = lo_fixnum((int64_t)n + 1);
    *lo_svref(index, INDEX_PAIRS) =
        lo_fixnum(lo_fixnum_value(*lo_svref(index, INDEX_PAIRS)) + 1);
    lo_value start, end;
    if (cv == 3 && lo_svlength(index) > INDEX_MAX_SPAN &&
        lo_store_date_span(L, v, &start, &end)) {
        /* only ever grows: a bound, not the exact longest */
        lo_value span = lo_int_sub(L, end, start);
        if (lo_int_compare(span, lo_index_max_span(index)) > 0)
            *lo_svref(index, INDEX_MAX_SPAN) = span;
    }
}

static void ordered_remove(lo_lisp *L, lo_value index, lo_value v, int64_t id)
{
    int cv = order_class(L, v);
    if (cv < 0)
        return;
    lo_value top = *lo_svref(index, INDEX_TABLE);
    uint64_t nchunks = (uint64_t)lo_fixnum_value(*lo_svref(top, 0));
    if (nchunks == 0)
        return;
    /* pairs equal in the order (1 and 1.0) sort by id: look at every pair
     * of this id from the first place it could be */
    for (uint64_t k = find_chunk(L, top, v, cv, 0); k < nchunks; k++) {
        lo_value chunk = *lo_svref(top, 1 + k);
        uint64_t n = chunk_count(chunk);
        uint64_t at = k == find_chunk(L, top, v, cv, 0)
                          ? find_in_chunk(L, chunk, v, cv, 0) : 0;
        for (; at < n; at++) {
            lo_value cvv = chunk_value(chunk, at);
            if (order_compare(L, cvv, order_class(L, cvv), v, cv) != 0)
                return;
            if (chunk_id(chunk, at) == id && lo_store_equal(L, cvv, v)) {
                memmove(lo_svref(chunk, 1 + 2 * at),
                        lo_svref(chunk, 1 + 2 * (at + 1)),
                        (n - at - 1) * 2 * 8);
                *lo_svref(chunk, 1 + 2 * (n - 1)) = lo_fixnum(0);
                *lo_svref(chunk, 2 + 2 * (n - 1)) = lo_fixnum(0);
                *lo_svref(chunk, 0) = lo_fixnum((int64_t)n - 1);
                *lo_svref(index, INDEX_PAIRS) = lo_fixnum(
                    lo_fixnum_value(*lo_svref(index, INDEX_PAIRS)) - 1);
                if (n == 1 && nchunks > 1)  /* no empty chunk stays: */
                    top_remove(top, k);     /* find_chunk needs firsts */
                return;
            }
        }
    }
}

/* ---- hash indexes --------------------------------------------------------------- */

static void hash_add(lo_lisp *L, lo_value index, lo_value v, int64_t id)
{
    lo_value table = *lo_svref(index, INDEX_TABLE);
    lo_value key = lo_store_index_key(L, v);
    if (!lo_table_key_stable(L, key, LO_HASH_EQUAL)) {
        posting_add(L, lo_svref(index, INDEX_OTHERS), id);
        return;
    }
    lo_value p;
    if (!lo_table_get(L, table, key, &p)) {
        p = lo_posting_new(L, 4);
        lo_table_put(L, table, key, p);
    }
    lo_value grown = p;
    posting_add(L, &grown, id);
    if (!lo_eq(grown, p))
        lo_table_put(L, table, key, grown);
}

static void hash_remove(lo_lisp *L, lo_value index, lo_value v, int64_t id)
{
    lo_value table = *lo_svref(index, INDEX_TABLE);
    lo_value key = lo_store_index_key(L, v);
    if (!lo_table_key_stable(L, key, LO_HASH_EQUAL)) {
        posting_remove(*lo_svref(index, INDEX_OTHERS), id);
        return;
    }
    lo_value p;
    if (lo_table_get(L, table, key, &p)) {
        posting_remove(p, id);
        if (posting_count(p) == 0)
            lo_table_remove(L, table, key);
    }
}

/* ---- following changes --------------------------------------------------------- */

/* Whether the values of key in a and b are the same list (then the index
 * of key has nothing to do). */
static bool same_values(lo_lisp *L, lo_value a, lo_value b, lo_value key)
{
    uint64_t i = 0, j = 0, na = lo_svlength(a), nb = lo_svlength(b);
    for (;;) {
        while (i < na && !lo_eq(*lo_svref(a, i), key))
            i += 2;
        while (j < nb && !lo_eq(*lo_svref(b, j), key))
            j += 2;
        if (i >= na || j >= nb)
            return i >= na && j >= nb;
        if (!lo_eq(*lo_svref(a, i + 1), *lo_svref(b, j + 1)) &&
            !lo_store_equal(L, *lo_svref(a, i + 1), *lo_svref(b, j + 1)))
            return false;
        i += 2;
        j += 2;
    }
}

/* Put in (add) or take out of index the pairs of key in attrs for id. */
static void index_attrs(lo_lisp *L, lo_value index, lo_value attrs,
                        int64_t id, bool add)
{
    lo_value key = *lo_svref(index, INDEX_KEY);
    bool hash = lo_eq(*lo_svref(index, INDEX_KIND), lo_intern_keyword(L, "HASH"));
    bool any = false;
    for (uint64_t i = 0; i < lo_svlength(attrs); i += 2) {
        if (!lo_eq(*lo_svref(attrs, i), key))
            continue;
        any = true;
        lo_value v = *lo_svref(attrs, i + 1);
        if (hash)
            add ? hash_add(L, index, v, id) : hash_remove(L, index, v, id);
        else
            add ? ordered_add(L, index, v, id) : ordered_remove(L, index, v, id);
    }
    if (!any)
        return;
    if (add)
        posting_add(L, lo_svref(index, INDEX_PRESENT), id);
    else
        posting_remove(*lo_svref(index, INDEX_PRESENT), id);
}

void lo_store_index_change(lo_lisp *L, lo_value store, lo_value id,
                           lo_value old_attrs, lo_value new_attrs)
{
    lo_value indexes = *lo_svref(store, STORE_INDEXES);
    uint64_t capacity;
    lo_value *slots = lo_table_slots(indexes, &capacity);
    for (uint64_t i = 0; i < capacity; i++) {
        if (slots[2 * i] == LO_UNBOUND)
            continue;
        lo_value index = slots[2 * i + 1], key = slots[2 * i];
        bool had = !lo_null(L, old_attrs), has = !lo_null(L, new_attrs);
        if (had && has && same_values(L, old_attrs, new_attrs, key))
            continue;
        /* out with the old values, in with the new: a value in both is
         * taken out and put back, which leaves it where it was */
        if (had)
            index_attrs(L, index, old_attrs, lo_fixnum_value(id), false);
        if (has)
            index_attrs(L, index, new_attrs, lo_fixnum_value(id), true);
        slots = lo_table_slots(indexes, &capacity);
    }
}

/* ---- making and dropping indexes ---------------------------------------------- */

lo_value lo_store_index_of(lo_lisp *L, lo_value store, lo_value key)
{
    lo_value index;
    if (lo_table_get(L, *lo_svref(store, STORE_INDEXES), key, &index))
        return index;
    return L->nil;
}

bool lo_store_index_hash_p(lo_lisp *L, lo_value index)
{
    return lo_eq(*lo_svref(index, INDEX_KIND), lo_intern_keyword(L, "HASH"));
}

/* A new index of key filled from the live entries, not yet the store's. */
static lo_value build_index(lo_lisp *L, lo_value store, lo_value key,
                            bool hash)
{
    lo_value index = lo_make_vector(L, INDEX_SLOTS, L->nil);
    *lo_svref(index, INDEX_KIND) = lo_intern_keyword(L, hash ? "HASH"
                                                             : "ORDERED");
    *lo_svref(index, INDEX_KEY) = key;
    *lo_svref(index, INDEX_TABLE) =
        hash ? lo_table_new(L, LO_HASH_EQUAL, 64)
             : lo_make_vector(L, 16, lo_fixnum(0));
    *lo_svref(index, INDEX_PRESENT) = lo_posting_new(L, 16);
    *lo_svref(index, INDEX_OTHERS) = lo_posting_new(L, 4);
    *lo_svref(index, INDEX_PAIRS) = lo_fixnum(0);
    *lo_svref(index, INDEX_MAX_SPAN) = lo_fixnum(0);
    if (!hash)
        *lo_svref(*lo_svref(index, INDEX_TABLE), 0) = lo_fixnum(0);
    /* the entries there already */
    int64_t next = lo_fixnum_value(*lo_svref(store, STORE_NEXT_ID));
    for (int64_t id = 1; id < next; id++) {
        lo_value e = lo_store_entry_record(L, store, id);
        if (!lo_null(L, e) && lo_null(L, *lo_svref(e, ENTRY_DELETED)))
            index_attrs(L, index, *lo_svref(e, ENTRY_ATTRS), id, true);
        lo_limits_ticked(L);
    }
    return index;
}

lo_value lo_store_make_index(lo_lisp *L, lo_value store, lo_value key,
                             bool hash)
{
    lo_value index = build_index(L, store, key, hash);
    lo_table_put(L, *lo_svref(store, STORE_INDEXES), key, index);
    return index;
}

/* ---- checking an index against the entries (tests) ------------------------------ */

static bool same_posting(lo_value a, lo_value b)
{
    uint64_t n = lo_posting_count(a);
    if (n != lo_posting_count(b))
        return false;
    for (uint64_t i = 0; i < n; i++)
        if (lo_posting_id(a, i) != lo_posting_id(b, i))
            return false;
    return true;
}

/* Whether two hash tables of postings hold the same keys and ids. */
static bool same_hash(lo_lisp *L, lo_value a, lo_value b)
{
    if (lo_table_count(a) != lo_table_count(b))
        return false;
    uint64_t capacity;
    lo_value *slots = lo_table_slots(a, &capacity);
    for (uint64_t i = 0; i < capacity; i++) {
        if (slots[2 * i] == LO_UNBOUND)
            continue;
        lo_value other;
        if (!lo_table_get(L, b, slots[2 * i], &other) ||
            !same_posting(slots[2 * i + 1], other))
            return false;
    }
    return true;
}

/* Whether two ordered indexes hold the same pairs in the same order. */
static bool same_ordered(lo_lisp *L, lo_value a, lo_value b)
{
    if (*lo_svref(a, INDEX_PAIRS) != *lo_svref(b, INDEX_PAIRS))
        return false;
    lo_value ta = *lo_svref(a, INDEX_TABLE), tb = *lo_svref(b, INDEX_TABLE);
    uint64_t ka = 0, ia = 0, kb = 0, ib = 0;
    uint64_t na = (uint64_t)lo_fixnum_value(*lo_svref(ta, 0));
    uint64_t nb = (uint64_t)lo_fixnum_value(*lo_svref(tb, 0));
    for (;;) {
        while (ka < na && ia >= chunk_count(*lo_svref(ta, 1 + ka)))
            ka++, ia = 0;
        while (kb < nb && ib >= chunk_count(*lo_svref(tb, 1 + kb)))
            kb++, ib = 0;
        if (ka >= na || kb >= nb)
            return ka >= na && kb >= nb;
        lo_value ca = *lo_svref(ta, 1 + ka), cb = *lo_svref(tb, 1 + kb);
        if (chunk_id(ca, ia) != chunk_id(cb, ib) ||
            !lo_store_equal(L, chunk_value(ca, ia), chunk_value(cb, ib)))
            return false;
        ia++, ib++;
    }
}

const char *lo_store_check_index(lo_lisp *L, lo_value store, lo_value index)
{
    lo_value key = *lo_svref(index, INDEX_KEY);
    bool hash = lo_store_index_hash_p(L, index);
    lo_value fresh = build_index(L, store, key, hash);
    if (!same_posting(*lo_svref(index, INDEX_PRESENT),
                      *lo_svref(fresh, INDEX_PRESENT)))
        return "its list of the entries having the key is wrong";
    if (hash && !same_posting(*lo_svref(index, INDEX_OTHERS),
                              *lo_svref(fresh, INDEX_OTHERS)))
        return "its list of values hashed by address is wrong";
    if (hash && !same_hash(L, *lo_svref(index, INDEX_TABLE),
                           *lo_svref(fresh, INDEX_TABLE)))
        return "a value's list of entries is wrong";
    if (!hash && !same_ordered(L, index, fresh))
        return "its ordered pairs are wrong";
    return NULL;
}

void lo_store_default_indexes(lo_lisp *L, lo_value store)
{
    static const char *const hashed[] = {
        "CATEGORY", "GENRE", "FORMAT", "LANGUAGE", "SOURCE-CONTROL",
        "AUTHOR", "COMPOSER", "NAME",
    };
    static const char *const ordered[] = { "DATE", "DURATION" };
    for (size_t i = 0; i < sizeof hashed / sizeof hashed[0]; i++)
        lo_store_make_index(L, store, lo_intern_keyword(L, hashed[i]), true);
    for (size_t i = 0; i < sizeof ordered / sizeof ordered[0]; i++)
        lo_store_make_index(L, store, lo_intern_keyword(L, ordered[i]), false);
}

/* ---- reading indexes (query.c) ------------------------------------------------ */

lo_value lo_index_posting(lo_lisp *L, lo_value index, lo_value v)
{
    lo_value p;
    lo_value key = lo_store_index_key(L, v);
    if (!lo_table_key_stable(L, key, LO_HASH_EQUAL))
        return L->nil;
    if (lo_table_get(L, *lo_svref(index, INDEX_TABLE), key, &p))
        return p;
    return L->nil;
}

bool lo_index_usable(lo_lisp *L, lo_value index)
{
    /* a table whose hashes are stale would be rehashed by a read: that
     * is a write, which readers sharing the lock may not make */
    return !lo_store_index_hash_p(L, index) ||
           !lo_table_stale(L, *lo_svref(index, INDEX_TABLE));
}

lo_value lo_index_max_span(lo_value index)
{
    /* an index made before it kept the longest span has no such slot
     * (development stores of 0.3.0-dev): no bound */
    if (lo_svlength(index) <= INDEX_MAX_SPAN)
        return LO_UNBOUND;
    lo_value span = *lo_svref(index, INDEX_MAX_SPAN);
    return lo_fixnump(span) || lo_bignump(span) ? span : lo_fixnum(0);
}

/* Whether the pair of value v lies before the bound b. */
static bool before_bound(lo_lisp *L, lo_value v, const struct lo_index_bound *b)
{
    int cv = order_class(L, v);
    if (cv != b->cls)
        return cv < b->cls;
    if (b->v == LO_UNBOUND)
        return b->after;
    int c;
    if (b->by_start) {
        lo_value start, end;
        if (!lo_store_date_span(L, v, &start, &end))
            return false;
        c = lo_int_compare(start, b->v);
    } else {
        c = order_compare(L, v, cv, b->v, order_class(L, b->v));
    }
    return c < 0 || (c == 0 && b->after);
}

/* The place past the last pair of the index: chunk n, pair 0. */
static struct lo_index_place end_place(lo_value top)
{
    return (struct lo_index_place){
        (uint64_t)lo_fixnum_value(*lo_svref(top, 0)), 0 };
}

struct lo_index_place lo_index_place(lo_lisp *L, lo_value index,
                                     const struct lo_index_bound *b)
{
    lo_value top = *lo_svref(index, INDEX_TABLE);
    uint64_t nchunks = (uint64_t)lo_fixnum_value(*lo_svref(top, 0));
    /* the first chunk whose last pair is not before the bound */
    uint64_t a = 0, z = nchunks;
    while (a < z) {
        uint64_t mid = a + (z - a) / 2;
        lo_value c = *lo_svref(top, 1 + mid);
        uint64_t n = chunk_count(c);
        if (n == 0 || before_bound(L, chunk_value(c, n - 1), b))
            a = mid + 1;
        else
            z = mid;
    }
    if (a == nchunks)
        return end_place(top);
    lo_value c = *lo_svref(top, 1 + a);
    uint64_t lo = 0, hi = chunk_count(c);
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (before_bound(L, chunk_value(c, mid), b))
            lo = mid + 1;
        else
            hi = mid;
    }
    return (struct lo_index_place){ a, lo };
}

/* Whether place p comes before place q. */
static bool place_before(struct lo_index_place p, struct lo_index_place q)
{
    return p.k < q.k || (p.k == q.k && p.i < q.i);
}

uint64_t lo_index_count(lo_value index, struct lo_index_place from,
                        struct lo_index_place to)
{
    lo_value top = *lo_svref(index, INDEX_TABLE);
    uint64_t n = 0;
    for (struct lo_index_place p = from; place_before(p, to); p.k++, p.i = 0) {
        uint64_t in_chunk = chunk_count(*lo_svref(top, 1 + p.k));
        uint64_t stop = p.k == to.k ? to.i : in_chunk;
        n += stop > p.i ? stop - p.i : 0;
    }
    return n;
}

uint64_t lo_index_ids(lo_value index, struct lo_index_place from,
                      struct lo_index_place to, lo_value *out)
{
    lo_value top = *lo_svref(index, INDEX_TABLE);
    uint64_t n = 0;
    for (struct lo_index_place p = from; place_before(p, to); p.k++, p.i = 0) {
        lo_value c = *lo_svref(top, 1 + p.k);
        uint64_t stop = p.k == to.k ? to.i : chunk_count(c);
        const lo_value *pair = lo_svref(c, 1 + 2 * p.i);
        for (uint64_t i = p.i; i < stop; i++, pair += 2)
            out[n++] = pair[1];
    }
    return n;
}

uint64_t lo_index_ids_if(lo_lisp *L, lo_value index, struct lo_index_place from,
                         struct lo_index_place to,
                         bool (*keep)(lo_lisp *L, lo_value v, void *ctx),
                         void *ctx, lo_value *out)
{
    lo_value top = *lo_svref(index, INDEX_TABLE);
    uint64_t n = 0;
    for (struct lo_index_place p = from; place_before(p, to); p.k++, p.i = 0) {
        lo_value c = *lo_svref(top, 1 + p.k);
        uint64_t stop = p.k == to.k ? to.i : chunk_count(c);
        for (uint64_t i = p.i; i < stop; i++)
            if (keep(L, chunk_value(c, i), ctx))
                out[n++] = *lo_svref(c, 2 + 2 * i);
    }
    return n;
}

int lo_index_class(lo_lisp *L, lo_value v)
{
    return order_class(L, v);
}

/* ---- primitives ---------------------------------------------------------------- */

enum { MAX_INDEXES = 64 };

LO_PRIMITIVE(p_store_create_index, "%STORE-CREATE-INDEX", INTERNAL, ANY, 2, 2,
             "(key kind)",
             "Make an index of KEY, KIND :HASH (equality, membership) or "
             ":ORDERED (ranges), from the entries there already; an index "
             "of KEY there already is replaced.  STORE-CREATE-INDEX's work.")
{
    if (!lo_keywordp(args[0]))
        lo_arg_error(L, args[0], "KEYWORD");
    bool hash = lo_eq(args[1], lo_intern_keyword(L, "HASH"));
    if (!hash && !lo_eq(args[1], lo_intern_keyword(L, "ORDERED")))
        lo_arg_error(L, args[1], "(MEMBER :HASH :ORDERED)");
    if (!lo_data_lock_exclusive(L))
        lo_store_error(L, "STORE-CREATE-INDEX: the store cannot be changed "
                       "while it is being read");
    lo_value store = lo_store_record(L, true);
    lo_value indexes = *lo_svref(store, STORE_INDEXES);
    if (lo_null(L, lo_store_index_of(L, store, args[0])) &&
        lo_table_count(indexes) >= MAX_INDEXES)
        lo_store_error(L, "the store has %d indexes already, the most it "
                       "keeps", MAX_INDEXES);
    lo_store_make_index(L, store, args[0], hash);
    lo_data_unlock_exclusive(L);
    return args[0];
}

LO_PRIMITIVE(p_store_drop_index, "%STORE-DROP-INDEX", INTERNAL, SYSTEM, 1, 1,
             "(key)",
             "Drop the index of KEY; true when there was one.  Indexes serve "
             "every user: the administrator's right.  STORE-DROP-INDEX's work.")
{
    if (!lo_keywordp(args[0]))
        lo_arg_error(L, args[0], "KEYWORD");
    if (!lo_data_lock_exclusive(L))
        lo_store_error(L, "STORE-DROP-INDEX: the store cannot be changed "
                       "while it is being read");
    lo_value store = lo_store_record(L, false);
    bool had = store && lo_table_remove(L, *lo_svref(store, STORE_INDEXES),
                                        args[0]);
    lo_data_unlock_exclusive(L);
    return lo_truth(L, had);
}

LO_PRIMITIVE(p_store_indexes, "%STORE-INDEXES", INTERNAL, ANY, 0, 0, "()",
             "The store's indexes: a list of (key kind), by key.  "
             "STORE-INDEXES' work.")
{
    lo_data_lock_shared(L);
    lo_value store = lo_store_record(L, false);
    lo_value out = L->nil;
    if (store) {
        uint64_t capacity;
        lo_value *slots = lo_table_slots(*lo_svref(store, STORE_INDEXES),
                                         &capacity);
        for (uint64_t i = 0; i < capacity; i++)
            if (slots[2 * i] != LO_UNBOUND)
                out = lo_cons(L, lo_cons(L, slots[2 * i],
                                         lo_cons(L, *lo_svref(slots[2 * i + 1],
                                                              INDEX_KIND),
                                                 L->nil)),
                              out);
    }
    lo_data_unlock_shared(L);
    return out;
}

LO_PRIMITIVE(p_store_check_indexes, "%STORE-CHECK-INDEXES", INTERNAL, SYSTEM,
             0, 0, "()",
             "Check every index against a scan of the entries (each index "
             "built again and compared): NIL when all agree, else a string "
             "saying which index is wrong and how.  For tests.")
{
    lo_data_lock_shared(L);
    lo_value store = lo_store_record(L, false), out = L->nil;
    if (store) {
        uint64_t capacity;
        lo_value indexes = *lo_svref(store, STORE_INDEXES);
        lo_value *slots = lo_table_slots(indexes, &capacity);
        for (uint64_t i = 0; i < capacity && lo_null(L, out); i++) {
            if (slots[2 * i] == LO_UNBOUND)
                continue;
            const char *why = lo_store_check_index(L, store, slots[2 * i + 1]);
            if (why) {
                char key[64], text[200];
                lo_string_utf8(lo_symbol_name(slots[2 * i]), key, sizeof key);
                lo_snprintf(text, sizeof text, "the index of :%s: %s", key,
                            why);
                out = lo_make_string(L, text, strlen(text));
            }
            slots = lo_table_slots(indexes, &capacity);
        }
    }
    lo_data_unlock_shared(L);
    return out;
}

const struct lo_primitive *const lo_store_index_primitives[] = {
    LO_ROW(p_store_check_indexes),
    LO_ROW(p_store_create_index),
    LO_ROW(p_store_drop_index),
    LO_ROW(p_store_indexes),
    NULL,
};
