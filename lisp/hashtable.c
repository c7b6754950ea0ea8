/*
 * hashtable.c -- Common Lisp hash tables, and the hashing they are built
 * on (SXHASH too); the tests they compare keys with are equal.c's.
 *
 * A table is a header object (hashtable.h) and a vector of slots, key and
 * value side by side, probed linearly from the key's hash; removal shifts
 * the following entries back instead of leaving tombstones, so an empty
 * slot always ends a probe.  Everything is a Lisp value in the persistent
 * heap: a table made today is still there, and still works, after a
 * restart.
 *
 * The hard part is hashing by address.  EQ and EQL tables hash most
 * objects (and EQUAL tables the objects EQUAL compares by identity) by
 * their address, but the collector slides objects down and changes
 * addresses.  So a table records the heap's collection count (a counter in
 * the heap root that every collection increments, and that persists with
 * the heap) at which it placed such keys; when the count has moved on, the
 * next operation first rehashes the table.  (When all those keys were
 * old, it records the count of full collections instead: young ones move
 * no old object -- table_stale below.)  Keys whose hash does not
 * depend on an address -- fixnums, characters, symbols (by the hash of
 * their name, fixed at creation), and strings, conses and numbers where
 * the test compares contents -- never force a rehash: a table holding
 * only those records no count at all.
 *
 * A collection can only happen at a VM safepoint, never inside these C
 * functions -- except during MAPHASH's calls back into Lisp, which is why
 * MAPHASH walks a snapshot held in a rooted local.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <string.h>

#include "lisp/hashtable.h"
#include "lisp/numbers.h"
#include "lisp/sequences.h"

/* Bump when a hash function below changes: tables placed by the old ones
 * (persisted in a heap) then rehash on their next use. */
enum { HASH_VERSION = 1 };

/* How far content hashing descends into conses and vectors, and how many
 * list elements it looks at: enough to tell keys apart, bounded so a
 * hash stays cheap.  Equal objects still hash alike, since both are cut
 * off at the same place. */
enum { HASH_DEPTH = 4, HASH_LIST_ELEMENTS = 32 };

static const char *const test_names[] = { "EQ", "EQL", "EQUAL", "EQUALP" };


/* Whether the string s, from index from on, is the ASCII text name. */
static bool text_is(lo_value s, uint64_t from, const char *name)
{
    uint64_t len = lo_string_length(s);
    if (len < from || len - from != strlen(name))
        return false;
    for (uint64_t i = from; i < len; i++)
        if (lo_string_ref(s, i) != (unsigned char)name[i - from])
            return false;
    return true;
}

static bool name_is(lo_value sym, const char *name)
{
    return text_is(lo_symbol_name(sym), 0, name);
}

/* Whether v is the keyword :name. */
static bool keyword_is(lo_value v, const char *name)
{
    return lo_keywordp(v) && name_is(v, name);
}

/* The double d is exactly an integer that fits in an int64. */
static bool double_int64(double d, int64_t *out)
{
    if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0))
        return false;                   /* out of range, or a NaN */
    int64_t i = (int64_t)d;
    *out = i;
    return (double)i == d;
}

/* Two keys are the same under the table's test. */
static bool same_key(lo_lisp *L, enum lo_hash_kind kind, lo_value x,
                     lo_value y)
{
    switch (kind) {
    case LO_HASH_EQ:    return lo_eq(x, y);
    case LO_HASH_EQL:   return lo_eql(x, y);
    case LO_HASH_EQUAL: return lo_equal(L, x, y);
    default:            return lo_equalp(L, x, y);
    }
}

/* ---- hashing ----------------------------------------------------------------
 * Hashes are 64 bits, well mixed (a table uses the low bits).  Objects the
 * test compares by identity hash by address, and only at the top of a key:
 * inside a key (a function in a list under EQUAL) such an object counts by
 * its type alone, so that no content hash -- and no SXHASH -- ever depends
 * on where an object lies. */

enum { TAG_CHAR = 1, TAG_SYMBOL, TAG_DOUBLE, TAG_BIGNUM, TAG_LIST,
       TAG_SEQUENCE, TAG_TABLE, TAG_OBJECT, TAG_IMMEDIATE };

/* splitmix64's finalizer: every input bit reaches every output bit. */
static uint64_t mix(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    return x ^ x >> 31;
}

static uint64_t combine(uint64_t h, uint64_t x)
{
    return mix(h ^ (x + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2)));
}

static uint64_t tagged(unsigned tag, uint64_t x)
{
    return mix(x * 16 + tag);
}

static uint64_t hash_integer(int64_t i) { return mix((uint64_t)i); }

/* A number's hash.  by_value (EQUALP): numbers that are = hash alike, so
 * an integral double hashes as the integer, and a bignum or a ratio as
 * its nearest double when it is not an int64 (a double can only equal it
 * when it is exactly that double). */
static uint64_t hash_number(lo_lisp *L, lo_value v, bool by_value)
{
    int64_t i;
    double d;
    if (lo_fixnump(v))
        return hash_integer(lo_fixnum_value(v));
    if (lo_doublep(v)) {
        d = lo_double_value(v);
        if (by_value && double_int64(d, &i))
            return hash_integer(i);     /* -0.0 included, as 0 */
        return tagged(TAG_DOUBLE, lo_double_bits(d));
    }
    if (lo_ratiop(v)) {
        if (by_value) {
            lo_real_to_double(L, v, &d);
            return tagged(TAG_DOUBLE, lo_double_bits(d));
        }
        return combine(hash_number(L, lo_ptr(v)[RATIO_NUM], false),
                       hash_number(L, lo_ptr(v)[RATIO_DEN], false));
    }
    lo_big b = lo_bignum_view(v);
    if (by_value) {
        if (lo_big_to_int64(&b, &i))
            return hash_integer(i);
        lo_big_to_double(&b, &d);
        return tagged(TAG_DOUBLE, lo_double_bits(d));
    }
    uint64_t h = tagged(TAG_BIGNUM, lo_ptr(v)[1]);
    for (size_t k = 0; k < b.len; k++)
        h = combine(h, b.limb[k]);
    return h;
}

static uint64_t hash_char(uint32_t c, bool fold_case)
{
    return tagged(TAG_CHAR, fold_case ? lo_char_fold(c) : c);
}

/* by_address is NULL where an address may not be used (inside a key, and
 * for SXHASH); else set when the hash is the address. */
static uint64_t hash_address(lo_value v, bool *by_address)
{
    if (!by_address)
        return tagged(TAG_OBJECT, lo_consp(v) ? LO_T_CONS
                                              : lo_type_of_object(v));
    *by_address = true;
    return mix((uint64_t)(uintptr_t)lo_ptr(v) >> 3);
}

static uint64_t hash_of(lo_lisp *L, lo_value v, enum lo_hash_kind kind,
                        int depth, bool *by_address);

/* A list under EQUAL or EQUALP: its first elements and, for a short
 * list, its tail. */
static uint64_t hash_list(lo_lisp *L, lo_value v, enum lo_hash_kind kind,
                          int depth)
{
    uint64_t h = tagged(TAG_LIST, 0);
    if (depth >= HASH_DEPTH)
        return h;
    int n = 0;
    for (; lo_consp(v) && n < HASH_LIST_ELEMENTS; v = lo_cdr_raw(v), n++)
        h = combine(h, hash_of(L, lo_car_raw(v), kind, depth + 1, NULL));
    if (!lo_consp(v))
        h = combine(h, hash_of(L, v, kind, depth + 1, NULL));
    return h;
}

/* A string (EQUAL, EQUALP) or a vector (EQUALP), element by element; a
 * string's characters hash as characters, so under EQUALP a string and a
 * vector of the same characters hash alike. */
static uint64_t hash_sequence(lo_lisp *L, lo_value v, enum lo_hash_kind kind,
                              int depth)
{
    /* hashing the contents reads them (SXHASH would show them) */
    lo_check_access(L, v, LO_ACCESS_READ,
                    kind == LO_HASH_EQUALP ? "EQUALP" : "EQUAL");
    uint64_t len = lo_any_vector_length(v);
    uint64_t h = tagged(TAG_SEQUENCE, len);
    if (depth >= HASH_DEPTH)
        return h;
    bool fold_case = kind == LO_HASH_EQUALP;
    bool string = lo_typep(v, LO_T_STRING);
    for (uint64_t i = 0; i < len; i++)
        h = combine(h, string ? hash_char(lo_string_ref(v, i), fold_case)
                              : hash_of(L, lo_any_vector_ref(v, i), kind,
                                        depth + 1, NULL));
    return h;
}

/* The hash of v under a test: equal keys (under that test) hash alike. */
static uint64_t hash_of(lo_lisp *L, lo_value v, enum lo_hash_kind kind,
                        int depth, bool *by_address)
{
    bool contents = kind >= LO_HASH_EQUAL;
    if (lo_fixnump(v))
        return hash_integer(lo_fixnum_value(v));
    if (lo_charp(v))
        return hash_char(lo_char_code(v), kind == LO_HASH_EQUALP);
    if (lo_consp(v))
        return contents ? hash_list(L, v, kind, depth)
                        : hash_address(v, by_address);
    if (!lo_objectp(v))
        return tagged(TAG_IMMEDIATE, v);
    switch (lo_type_of_object(v)) {
    case LO_T_SYMBOL:
        return tagged(TAG_SYMBOL, (uint64_t)lo_fixnum_value(lo_ptr(v)[SYM_HASH]));
    case LO_T_DOUBLE:
    case LO_T_BIGNUM:
    case LO_T_RATIO:
        if (kind == LO_HASH_EQ)
            return hash_address(v, by_address);
        return hash_number(L, v, kind == LO_HASH_EQUALP);
    case LO_T_STRING:
        if (contents)
            return hash_sequence(L, v, kind, depth);
        return hash_address(v, by_address);
    case LO_T_VECTOR:
        if (kind == LO_HASH_EQUALP)
            return hash_sequence(L, v, kind, depth);
        return hash_address(v, by_address);
    case LO_T_HASH_TABLE:
        /* EQUALP tables compare contents; the count and test are a
         * cheap part of them. */
        if (kind == LO_HASH_EQUALP) {
            lo_check_access(L, v, LO_ACCESS_READ, "EQUALP");
            return tagged(TAG_TABLE, (uint64_t)lo_fixnum_value(
                              lo_ptr(v)[HT_COUNT]) * 4 +
                          (uint64_t)lo_fixnum_value(lo_ptr(v)[HT_KIND]));
        }
        return hash_address(v, by_address);
    case LO_T_INSTANCE:
        /* EQUALP compares structures slot by slot: all hash alike */
        if (kind == LO_HASH_EQUALP && lo_structure_p(L, v))
            return hash_address(v, NULL);
        return hash_address(v, by_address);
    default:
        return hash_address(v, by_address);
    }
}

/* ---- the table ---------------------------------------------------------------- */

static enum lo_hash_kind table_kind(const uint64_t *tp)
{
    return (enum lo_hash_kind)lo_fixnum_value(tp[HT_KIND]);
}

static uint64_t table_capacity(const uint64_t *tp)
{
    return (uint64_t)lo_fixnum_value(lo_ptr(tp[HT_SLOTS])[1]) / 2;
}

/* Slot i's key is slots[2 * i], its value slots[2 * i + 1]. */
static lo_value *table_slots(const uint64_t *tp)
{
    return lo_ptr(tp[HT_SLOTS]) + 2;
}

/*
 * The stamp of a table holding keys hashed by address says when they were
 * placed, so that the table rehashes once they may have moved:
 *  - NIL: no such key;
 *  - a fixnum n >= 0: some key was young (made since the last collection,
 *    gc/heap.h): stale after any collection (n is the count of them);
 *  - a fixnum -(n + 1): every such key was old: stale only after a full
 *    collection (n is the count of those) -- a young collection moves no
 *    old object.  So a large table keyed by objects is not rehashed (and
 *    its pages not written) after every young collection.
 * A table placed before young collections existed has a stamp >= 0: it
 * rehashes once, then gets the finer one.
 */
static bool key_young(lo_lisp *L, lo_value key)
{
    uint64_t *at = lo_ptr(key);
    return at >= lo_heap_young_start(L->heap) && at < lo_heap_top(L->heap);
}

static void note_address_key(lo_lisp *L, uint64_t *tp, lo_value key)
{
    lo_value stamp = tp[HT_STAMP];
    if (key_young(L, key)) {
        if (lo_null(L, stamp) || lo_fixnum_value(stamp) < 0)
            tp[HT_STAMP] = lo_fixnum((int64_t)L->root->collections);
    } else if (lo_null(L, stamp)) {
        tp[HT_STAMP] = lo_fixnum(-(int64_t)L->root->full_collections - 1);
    }
}

/* The slots hold hashes computed by other hash functions, or addresses
 * from before a collection that may have moved them. */
static bool table_stale(lo_lisp *L, const uint64_t *tp)
{
    if (tp[HT_VERSION] != lo_fixnum(HASH_VERSION))
        return true;
    if (lo_null(L, tp[HT_STAMP]))
        return false;
    int64_t n = lo_fixnum_value(tp[HT_STAMP]);
    return n >= 0 ? (uint64_t)n != L->root->collections
                  : (uint64_t)(-(n + 1)) != L->root->full_collections;
}

/* The slot where key is, or else the empty slot that ends its probe
 * (*by_address, when asked, tells whether the key hashes by address). */
static uint64_t probe(lo_lisp *L, uint64_t *tp, lo_value key, bool *found,
                      bool *by_address)
{
    bool ignored = false;
    if (!by_address)
        by_address = &ignored;          /* NULL would forbid addresses */
    enum lo_hash_kind kind = table_kind(tp);
    uint64_t mask = table_capacity(tp) - 1;
    uint64_t i = hash_of(L, key, kind, 0, by_address) & mask;
    for (;; i = (i + 1) & mask) {
        lo_value k = table_slots(tp)[2 * i];
        if (k == LO_UNBOUND) {
            *found = false;
            return i;
        }
        if (same_key(L, kind, k, key)) {
            *found = true;
            return i;
        }
    }
}

/* The first empty slot of key's probe, without comparing keys: rehashing
 * places keys already known to be distinct. */
static uint64_t empty_slot(lo_lisp *L, uint64_t *tp, lo_value key,
                           bool *by_address)
{
    uint64_t mask = table_capacity(tp) - 1;
    uint64_t i = hash_of(L, key, table_kind(tp), 0, by_address) & mask;
    while (table_slots(tp)[2 * i] != LO_UNBOUND)
        i = (i + 1) & mask;
    return i;
}

/* Put an entry in the empty slot i; note when its hash is an address. */
static void fill_slot(lo_lisp *L, uint64_t *tp, uint64_t i, lo_value key,
                      lo_value value, bool by_address)
{
    table_slots(tp)[2 * i] = key;
    table_slots(tp)[2 * i + 1] = value;
    if (by_address)
        note_address_key(L, tp, key);
}

/* Place every entry anew in a fresh vector of capacity slots (a power of
 * two): after a collection, or to grow.  Allocation never moves objects,
 * so tp stays valid; the old vector becomes garbage. */
static void rehash(lo_lisp *L, uint64_t *tp, uint64_t capacity)
{
    lo_value old = tp[HT_SLOTS];
    tp[HT_SLOTS] = lo_make_vector(L, 2 * capacity, LO_UNBOUND);
    tp[HT_STAMP] = L->nil;
    tp[HT_VERSION] = lo_fixnum(HASH_VERSION);
    uint64_t old_capacity = (uint64_t)lo_fixnum_value(lo_ptr(old)[1]) / 2;
    for (uint64_t j = 0; j < old_capacity; j++) {
        lo_value key = lo_ptr(old)[2 + 2 * j];
        if (key == LO_UNBOUND)
            continue;
        bool by_address = false;
        uint64_t i = empty_slot(L, tp, key, &by_address);
        fill_slot(L, tp, i, key, lo_ptr(old)[3 + 2 * j], by_address);
    }
}

/* Make the hashes current before a lookup: the lazy rehash. */
static void refresh(lo_lisp *L, uint64_t *tp)
{
    if (table_stale(L, tp))
        rehash(L, tp, table_capacity(tp));
}

/* Store value under key, adding the entry if needed (tp is current). */
static void table_put(lo_lisp *L, uint64_t *tp, lo_value key, lo_value value)
{
    bool found, by_address = false;
    uint64_t i = probe(L, tp, key, &found, &by_address);
    if (found) {
        table_slots(tp)[2 * i + 1] = value;
        return;
    }
    uint64_t count = (uint64_t)lo_fixnum_value(tp[HT_COUNT]);
    if ((count + 1) * 4 > table_capacity(tp) * 3) {     /* load <= 3/4 */
        rehash(L, tp, table_capacity(tp) * 2);
        i = probe(L, tp, key, &found, &by_address);
    }
    fill_slot(L, tp, i, key, value, by_address);
    tp[HT_COUNT] = lo_fixnum((int64_t)count + 1);
}

/* Empty slot i, then move back the entries after it that probed past it,
 * so that no probe ever stops early at the hole (no tombstones). */
static void table_delete(lo_lisp *L, uint64_t *tp, uint64_t i)
{
    enum lo_hash_kind kind = table_kind(tp);
    uint64_t mask = table_capacity(tp) - 1;
    lo_value *s = table_slots(tp);
    for (uint64_t j = (i + 1) & mask; s[2 * j] != LO_UNBOUND;
         j = (j + 1) & mask) {
        bool by_address = false;
        uint64_t home = hash_of(L, s[2 * j], kind, 0, &by_address) & mask;
        /* The entry at j may fill the hole unless its home lies
         * cyclically in (i, j]. */
        if (((j - home) & mask) >= ((j - i) & mask)) {
            s[2 * i] = s[2 * j];
            s[2 * i + 1] = s[2 * j + 1];
            i = j;
        }
    }
    s[2 * i] = LO_UNBOUND;
    s[2 * i + 1] = LO_UNBOUND;
    tp[HT_COUNT] = lo_fixnum(lo_fixnum_value(tp[HT_COUNT]) - 1);
}

/* Two tables are EQUALP: same test, same count, and each key of one is in
 * the other with an EQUALP value (equal.c asks). */
bool lo_hash_tables_equalp(lo_lisp *L, lo_value x, lo_value y, int depth)
{
    uint64_t *xp = lo_ptr(x), *yp = lo_ptr(y);
    lo_check_access(L, x, LO_ACCESS_READ, "EQUALP");    /* the count is */
    lo_check_access(L, y, LO_ACCESS_READ, "EQUALP");    /* read too */
    if (xp[HT_KIND] != yp[HT_KIND] || xp[HT_COUNT] != yp[HT_COUNT])
        return false;
    refresh(L, yp);
    for (uint64_t j = 0; j < table_capacity(xp); j++) {
        lo_value key = table_slots(xp)[2 * j];
        if (key == LO_UNBOUND)
            continue;
        bool found;
        uint64_t i = probe(L, yp, key, &found, NULL);
        if (!found || !lo_equalp_within(L, table_slots(xp)[2 * j + 1],
                                        table_slots(yp)[2 * i + 1], depth + 1))
            return false;
    }
    return true;
}

/* ---- the C interface (hashtable.h) ------------------------------------------- */

static uint64_t capacity_for(lo_lisp *L, lo_value size);

/* A new empty table of `capacity` slots comparing by kind, whose test is
 * named sym (allocating never collects: nothing to root). */
static lo_value new_table(lo_lisp *L, enum lo_hash_kind kind, lo_value sym,
                          uint64_t capacity)
{
    lo_value slots = lo_make_vector(L, 2 * capacity, LO_UNBOUND);
    uint64_t *tp = lo_alloc_object(L, LO_T_HASH_TABLE, HT_WORDS);
    tp[HT_TEST] = sym;
    tp[HT_KIND] = lo_fixnum(kind);
    tp[HT_COUNT] = lo_fixnum(0);
    tp[HT_STAMP] = L->nil;
    tp[HT_VERSION] = lo_fixnum(HASH_VERSION);
    tp[HT_SLOTS] = slots;
    return lo_make_object(tp);
}

lo_value lo_table_new(lo_lisp *L, enum lo_hash_kind kind, uint64_t size)
{
    static const char *const names[] = { "EQ", "EQL", "EQUAL", "EQUALP" };
    return new_table(L, kind, lo_intern(L, names[kind]),
                     capacity_for(L, lo_fixnum((int64_t)size)));
}

bool lo_table_key_stable(lo_lisp *L, lo_value key, enum lo_hash_kind kind)
{
    bool by_address = false;
    hash_of(L, key, kind, 0, &by_address);
    return !by_address;
}

bool lo_table_stale(lo_lisp *L, lo_value table)
{
    return table_stale(L, lo_ptr(table));
}

void lo_table_refresh(lo_lisp *L, lo_value table)
{
    refresh(L, lo_ptr(table));
}

bool lo_table_get(lo_lisp *L, lo_value table, lo_value key, lo_value *value)
{
    uint64_t *tp = lo_ptr(table);
    refresh(L, tp);
    bool found;
    uint64_t i = probe(L, tp, key, &found, NULL);
    if (found && value)
        *value = table_slots(tp)[2 * i + 1];
    return found;
}

void lo_table_put(lo_lisp *L, lo_value table, lo_value key, lo_value value)
{
    LO_ASSERT(key != LO_UNBOUND);
    uint64_t *tp = lo_ptr(table);
    refresh(L, tp);
    table_put(L, tp, key, value);
}

bool lo_table_find(lo_lisp *L, lo_value table, lo_value key, lo_value **pair,
                   bool *by_address)
{
    uint64_t *tp = lo_ptr(table);
    refresh(L, tp);
    bool found;
    *by_address = false;
    uint64_t i = probe(L, tp, key, &found, by_address);
    if (!found || *by_address)
        return false;
    *pair = &table_slots(tp)[2 * i];
    return true;
}

bool lo_table_intern(lo_lisp *L, lo_value table, lo_value key,
                     lo_value **pair, bool *added)
{
    LO_ASSERT(key != LO_UNBOUND);
    uint64_t *tp = lo_ptr(table);
    refresh(L, tp);
    bool found, by_address = false;
    uint64_t i = probe(L, tp, key, &found, &by_address);
    *added = false;
    if (by_address)
        return false;
    if (!found) {
        uint64_t count = (uint64_t)lo_fixnum_value(tp[HT_COUNT]);
        if ((count + 1) * 4 > table_capacity(tp) * 3) {     /* as table_put */
            rehash(L, tp, table_capacity(tp) * 2);
            i = probe(L, tp, key, &found, &by_address);
        }
        fill_slot(L, tp, i, key, L->nil, false);
        tp[HT_COUNT] = lo_fixnum((int64_t)count + 1);
        *added = true;
    }
    *pair = &table_slots(tp)[2 * i];
    return true;
}

bool lo_table_remove(lo_lisp *L, lo_value table, lo_value key)
{
    uint64_t *tp = lo_ptr(table);
    refresh(L, tp);
    bool found;
    uint64_t i = probe(L, tp, key, &found, NULL);
    if (found)
        table_delete(L, tp, i);
    return found;
}

uint64_t lo_table_count(lo_value table)
{
    return (uint64_t)lo_fixnum_value(lo_ptr(table)[HT_COUNT]);
}

/* ---- primitives -------------------------------------------------------------- */

lo_value lo_arg_hash_table(lo_lisp *L, lo_value v)
{
    if (!lo_typep(v, LO_T_HASH_TABLE))
        lo_arg_error(L, v, "HASH-TABLE");
    return v;
}

/* The table behind v, checking its type and the access it grants. */
static uint64_t *check_table(lo_lisp *L, lo_value v, unsigned access,
                             const char *op)
{
    lo_check_access(L, lo_arg_hash_table(L, v), access, op);
    return lo_ptr(v);
}

/* The test named by a symbol or a function object (#'equal). */
static enum lo_hash_kind parse_test(lo_lisp *L, lo_value test, lo_value *sym)
{
    lo_value name = test;
    if (lo_typep(test, LO_T_PRIMITIVE))
        name = lo_ptr(test)[PRIM_NAME];
    else if (lo_typep(test, LO_T_FUNCTION))
        name = lo_ptr(lo_ptr(test)[FN_CODE])[CODE_NAME];
    if (lo_symbolp(name))
        for (int k = LO_HASH_EQ; k <= LO_HASH_EQUALP; k++)
            if (name_is(name, test_names[k])) {
                *sym = name;
                return (enum lo_hash_kind)k;
            }
    lo_arg_error(L, test, "(MEMBER EQ EQL EQUAL EQUALP)");
}

/* The capacity holding size entries at a load of at most 3/4. */
static uint64_t capacity_for(lo_lisp *L, lo_value size)
{
    if (!lo_fixnump(size) || lo_fixnum_value(size) < 0)
        lo_arg_error(L, size, "UNSIGNED-BYTE");
    uint64_t want = (uint64_t)lo_fixnum_value(size), capacity = 8;
    if (want > (1ull << 32))
        lo_error(L, "STORAGE-CONDITION", "MAKE-HASH-TABLE: :SIZE %llu is "
                 "too large", (unsigned long long)want);
    while (capacity * 3 < want * 4)
        capacity *= 2;
    return capacity;
}

/* (make-hash-table &key test size rehash-size rehash-threshold): the
 * rehash parameters are accepted and ignored (a table doubles when 3/4
 * full).  As in Common Lisp, the first of repeated keywords wins. */
LO_PRIMITIVE(p_make_hash_table, "MAKE-HASH-TABLE", CL, ANY, 0, -1,
             "(&key test size rehash-size rehash-threshold)",
             "A fresh empty hash table comparing keys by TEST (EQ, EQL, "
             "EQUAL or EQUALP, as a symbol or a function; by default EQL), "
             "with room for SIZE entries.  REHASH-SIZE and REHASH-THRESHOLD "
             "are accepted and ignored: a table doubles when 3/4 full.")
{
    if (nargs % 2)
        lo_error(L, "PROGRAM-ERROR", "MAKE-HASH-TABLE: odd number of "
                 "keyword arguments");
    lo_value test = LO_UNBOUND, size = LO_UNBOUND;
    for (uint32_t i = 0; i < nargs; i += 2) {
        if (keyword_is(args[i], "TEST")) {
            if (test == LO_UNBOUND)
                test = args[i + 1];
        } else if (keyword_is(args[i], "SIZE")) {
            if (size == LO_UNBOUND)
                size = args[i + 1];
        } else if (!keyword_is(args[i], "REHASH-SIZE") &&
                   !keyword_is(args[i], "REHASH-THRESHOLD")) {
            lo_error(L, "PROGRAM-ERROR", "MAKE-HASH-TABLE: unknown keyword "
                     "argument");
        }
    }
    lo_value sym = L->nil;
    enum lo_hash_kind kind = test == LO_UNBOUND
        ? (sym = lo_intern(L, "EQL"), LO_HASH_EQL) : parse_test(L, test, &sym);
    uint64_t capacity = capacity_for(L, size == LO_UNBOUND ? lo_fixnum(0)
                                                           : size);
    return new_table(L, kind, sym, capacity);
}

/* (gethash key table &optional default) => value, present-p */
LO_PRIMITIVE(p_gethash, "GETHASH", CL, ANY, 2, 3,
             "(key hash-table &optional default)",
             "Two values: the value stored under KEY in HASH-TABLE and T, or "
             "DEFAULT (NIL) and NIL when there is none.  Needs the table's "
             "read bit.")
{
    uint64_t *tp = check_table(L, args[1], LO_ACCESS_READ, "GETHASH");
    refresh(L, tp);
    bool found;
    uint64_t i = probe(L, tp, args[0], &found, NULL);
    lo_value v[2] = { nargs > 2 ? args[2] : L->nil, L->nil };
    if (found) {
        v[0] = table_slots(tp)[2 * i + 1];
        v[1] = L->t;
    }
    return lo_values(L, 2, v);
}

/* (%puthash key table value) => value: what (setf (gethash key table)
 * value) becomes. */
LO_PRIMITIVE(p_puthash, "%PUTHASH", INTERNAL, ANY, 3, 3,
             "(key hash-table value)",
             "Store VALUE under KEY in HASH-TABLE (its write bit needed), "
             "replacing any value there; returns VALUE.  What (SETF GETHASH) "
             "becomes.")
{
    uint64_t *tp = check_table(L, args[1], LO_ACCESS_WRITE, "(SETF GETHASH)");
    if (args[0] == LO_UNBOUND)             /* it marks empty slots */
        lo_arg_error(L, args[0], "T");
    refresh(L, tp);
    table_put(L, tp, args[0], args[2]);
    return args[2];
}

/* (remhash key table) => true when there was an entry */
LO_PRIMITIVE(p_remhash, "REMHASH", CL, ANY, 2, 2, "(key hash-table)",
             "Remove the entry for KEY from HASH-TABLE (its write bit "
             "needed); true when there was one.")
{
    uint64_t *tp = check_table(L, args[1], LO_ACCESS_WRITE, "REMHASH");
    refresh(L, tp);
    bool found;
    uint64_t i = probe(L, tp, args[0], &found, NULL);
    if (found)
        table_delete(L, tp, i);
    return lo_truth(L, found);
}

/* (clrhash table) => table, empty, its capacity kept */
LO_PRIMITIVE(p_clrhash, "CLRHASH", CL, ANY, 1, 1, "(hash-table)",
             "Remove every entry of HASH-TABLE (its write bit needed), "
             "keeping its capacity; returns HASH-TABLE.")
{
    uint64_t *tp = check_table(L, args[0], LO_ACCESS_WRITE, "CLRHASH");
    uint64_t capacity = table_capacity(tp);
    for (uint64_t i = 0; i < 2 * capacity; i++)
        table_slots(tp)[i] = LO_UNBOUND;
    tp[HT_COUNT] = lo_fixnum(0);
    tp[HT_STAMP] = L->nil;
    return args[0];
}

LO_PRIMITIVE(p_hash_table_count, "HASH-TABLE-COUNT", CL, ANY, 1, 1,
             "(hash-table)",
             "The number of entries in HASH-TABLE; needs its read bit.")
{
    return check_table(L, args[0], LO_ACCESS_READ, "HASH-TABLE-COUNT")[HT_COUNT];
}

LO_PRIMITIVE(p_hash_table_p, "HASH-TABLE-P", CL, ANY, 1, 1, "(object)",
             "True when OBJECT is a hash table.")
{
    return lo_truth(L, lo_typep(args[0], LO_T_HASH_TABLE));
}

/* The test is a property of the table, not of its contents: no access
 * bit is needed to ask for it. */
LO_PRIMITIVE(p_hash_table_test, "HASH-TABLE-TEST", CL, ANY, 1, 1,
             "(hash-table)",
             "The symbol naming HASH-TABLE's test: EQ, EQL, EQUAL or EQUALP.  "
             "No access bit is needed.")
{
    return lo_ptr(lo_arg_hash_table(L, args[0]))[HT_TEST];
}

/* The entries as a fresh vector: key, value, key, value... */
static lo_value snapshot(lo_lisp *L, uint64_t *tp)
{
    uint64_t count = (uint64_t)lo_fixnum_value(tp[HT_COUNT]), k = 0;
    lo_value v = lo_make_vector(L, 2 * count, L->nil);
    for (uint64_t i = 0; i < table_capacity(tp); i++) {
        if (table_slots(tp)[2 * i] == LO_UNBOUND)
            continue;
        lo_ptr(v)[2 + k++] = table_slots(tp)[2 * i];
        lo_ptr(v)[2 + k++] = table_slots(tp)[2 * i + 1];
    }
    return v;
}

/* (maphash function table) => nil.  The function runs Lisp, so a
 * collection may move everything: the walk goes over a snapshot held in
 * a rooted local, re-read after every call, and no C pointer into the
 * heap lives across a call.  The snapshot also makes the walk immune to
 * the function changing or removing entries (or a rehash reordering
 * them): it sees exactly the entries present when MAPHASH began. */
LO_PRIMITIVE(p_maphash, "MAPHASH", CL, ANY, 2, 2, "(function hash-table)",
             "Call FUNCTION with the key and the value of each entry of "
             "HASH-TABLE (its read bit needed), as the entries were when it "
             "began, in no set order; returns NIL.")
{
    lo_value fn = lo_function_designator(L, args[0], "MAPHASH");
    lo_value entries = snapshot(L, check_table(L, args[1], LO_ACCESS_READ,
                                               "MAPHASH"));
    uint32_t mark = lo_roots_mark(L);
    lo_root(L, &fn);
    lo_root(L, &entries);
    uint64_t length = (uint64_t)lo_fixnum_value(lo_ptr(entries)[1]);
    for (uint64_t k = 0; k < length; k += 2) {
        lo_value args[2] = { lo_ptr(entries)[2 + k], lo_ptr(entries)[3 + k] };
        lo_vm_apply(L, fn, args, 2);
    }
    lo_roots_release(L, mark);
    return L->nil;
}

/* (%hash-table-pairs table) => a fresh list of (key . value) */
LO_PRIMITIVE(p_hash_table_pairs, "%HASH-TABLE-PAIRS", INTERNAL, ANY, 1, 1,
             "(hash-table)",
             "A fresh list of (key . value) for the entries of HASH-TABLE "
             "(its read bit needed): what LOOP's HASH-KEY and HASH-VALUE "
             "clauses walk.")
{
    uint64_t *tp = check_table(L, args[0], LO_ACCESS_READ, "%HASH-TABLE-PAIRS");
    lo_value list = L->nil;
    for (uint64_t i = table_capacity(tp); i > 0; i--) {
        lo_value key = table_slots(tp)[2 * i - 2];
        if (key != LO_UNBOUND)
            list = lo_cons(L, lo_cons(L, key, table_slots(tp)[2 * i - 1]),
                           list);
    }
    return list;
}

/* (sxhash x): a non-negative fixnum, equal for EQUAL objects, stable
 * across collections and restarts (it never uses an address). */
LO_PRIMITIVE(p_sxhash, "SXHASH", CL, ANY, 1, 1, "(object)",
             "A non-negative fixnum hash of OBJECT, equal for EQUAL objects "
             "and stable across collections and restarts (never an "
             "address).")
{
    uint64_t h = hash_of(L, args[0], LO_HASH_EQUAL, 0, NULL);
    return lo_fixnum((int64_t)(h & (uint64_t)LO_FIXNUM_MAX));
}

const struct lo_primitive *const lo_prims_hash[] = {
    LO_ROW(p_make_hash_table),
    LO_ROW(p_gethash),
    LO_ROW(p_puthash),
    LO_ROW(p_remhash),
    LO_ROW(p_clrhash),
    LO_ROW(p_hash_table_count),
    LO_ROW(p_hash_table_p),
    LO_ROW(p_hash_table_test),
    LO_ROW(p_maphash),
    LO_ROW(p_hash_table_pairs),
    LO_ROW(p_sxhash),
    NULL,
};
