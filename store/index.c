/*
 * index.c -- the store's indexes (docs/store-design.md section 6), kept
 * exact by every change: entry.c calls lo_store_index_change with an
 * entry's old and new attributes (lo_store_index_put with a new entry's),
 * under the data lock held exclusive.
 *
 * An index serves one key.  Its record is a simple-vector:
 *   INDEX_KIND     :HASH or :ORDERED
 *   INDEX_KEY      the keyword
 *   INDEX_TABLE    hash: an EQUAL table, index key of a value -> posting;
 *                  ordered: the top vector (below)
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
 * the count n of chunks, then room for chunk references, chunk k at slot
 * 1 + k, then as many fences: the key of each chunk's first pair), each
 * chunk a simple-vector of CHUNK_PAIRS places (slot 0 the count of pairs,
 * then the places' keys, then value and id of each place; readers reach
 * them through chunk_value and chunk_id).  Pairs are ordered by value --
 * reals, then strings, then durations, then dates, each in the store's
 * order (value.c) -- then by id; each carries its value's order key,
 * which most comparisons read instead of the value ("Order keys" below).
 * A full chunk lends pairs to a neighbour, or splits in two.  Values of
 * other types (and NaN) are not in an ordered index: no range matches
 * them anyway.
 *
 * Everything is heap objects, so indexes persist with the store and need
 * no rebuilding at start.  Nothing here runs Lisp code, so no collection
 * moves what a function holds in C variables.
 */
#include <string.h>

#include "drivers/printf.h"
#include "lisp/hashtable.h"
#include "lisp/numbers.h"
#include "lisp/scratch.h"
#include "store/ids.h"
#include "store/index.h"
#include "store/store.h"

enum { CHUNK_PAIRS = 128 };

/* ---- postings --------------------------------------------------------------- */

static uint64_t posting_count(lo_value p)
{
    return (uint64_t)lo_fixnum_value(*lo_svref(p, 0));
}

/* A simple-vector of n fixnum zeros: allocation gives zeroed words,
 * which are fixnum 0, so nothing is filled. */
static lo_value zero_vector(lo_lisp *L, uint64_t n)
{
    uint64_t *p = lo_alloc_object(L, LO_T_VECTOR, 2 + n);
    p[1] = lo_fixnum((int64_t)n);
    return lo_make_object(p);
}

lo_value lo_posting_new(lo_lisp *L, uint64_t room)
{
    return zero_vector(L, 1 + room);
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
    uint64_t n = posting_count(p), at = n + 1;
    /* a new entry's id is the largest: no search */
    if (n > 0 && lo_fixnum_value(*lo_svref(p, n)) >= id) {
        at = posting_find(p, id);
        if (at <= n && lo_fixnum_value(*lo_svref(p, at)) == id)
            return;
    }
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

/*
 * Order keys.  A chunk's values lie all over the heap: comparing with one
 * reads it (a cache miss, and for a date or a duration a few, with a
 * look-up of its class).  So each pair carries its value's key, a fixnum
 * that orders as the value does -- key(a) < key(b) implies a < b, and
 * values equal in the order have equal keys -- and a search compares keys
 * and reads values only when the keys tie.  The key is the class in the
 * top bits (KEY_BITS below them), then what of the value fits:
 *   reals     a fixnum or a double as a double, its bits made to order as
 *             unsigned integers, the top KEY_BITS of them;
 *   strings   the first two characters and the top of the third (each
 *             plus one, 0 for none: a prefix comes first);
 *   durations their length as a real;
 *   dates     start (offset by 2^33, 34 bits) then the span (24 bits),
 *             each held to its range: a start outside gives the lowest or
 *             the highest key, so that such dates tie and are compared in
 *             full.
 * NO_KEY where no key is made (bignums, ratios, a character past
 * U+3FFFFE, a string without its read bit): such a value is always
 * compared in full.
 */
enum { KEY_BITS = 58, DATE_SPAN_BITS = 24, DATE_START_BITS = 34 };
#define NO_KEY lo_fixnum(-1)

static lo_value class_key(int cls, uint64_t approx)
{
    return lo_fixnum((int64_t)((uint64_t)cls << KEY_BITS | approx));
}

/* The key of a real as a double (exact for fixnums of up to 53 bits;
 * rounding is monotone past them). */
static uint64_t double_approx(double d)
{
    if (d == 0)
        d = 0.0;                        /* -0.0 = 0.0: one key */
    uint64_t bits = lo_double_bits(d);
    bits = bits >> 63 ? ~bits : bits | 1ull << 63;
    return bits >> (64 - KEY_BITS);
}

static bool real_approx(lo_value v, uint64_t *approx)
{
    if (lo_fixnump(v))
        *approx = double_approx((double)lo_fixnum_value(v));
    else if (lo_doublep(v))
        *approx = double_approx(lo_double_value(v));
    else
        return false;
    return true;
}

static bool string_approx(lo_value s, uint64_t *approx)
{
    if (!(lo_access_bits(s) & LO_ACCESS_READ))
        return false;
    uint64_t n = lo_string_length(s), fields[3] = { 0, 0, 0 };
    for (uint64_t i = 0; i < 3 && i < n; i++) {
        uint32_t c = lo_string_ref(s, i);
        if (c >= 0x3fffff)
            return false;
        fields[i] = c + 1;
    }
    *approx = fields[0] << 36 | fields[1] << 14 | fields[2] >> 8;
    return true;
}

/* An integer held to [lo, hi]. */
static int64_t clamp(lo_value n, int64_t lo, int64_t hi)
{
    if (!lo_fixnump(n))
        return lo_int_compare(n, lo_fixnum(0)) < 0 ? lo : hi;
    int64_t x = lo_fixnum_value(n);
    return x < lo ? lo : x > hi ? hi : x;
}

/* The approximation of a date of start and end (integers). */
static uint64_t date_approx(lo_value start, lo_value end)
{
    int64_t limit = (int64_t)1 << (DATE_START_BITS - 1);
    int64_t s = clamp(start, -limit - 1, limit);
    uint64_t span_max = ((uint64_t)1 << DATE_SPAN_BITS) - 1;
    if (s < -limit)
        return 0;
    if (s >= limit)
        return ((uint64_t)1 << KEY_BITS) - 1;
    int64_t e = clamp(end, s, s + (int64_t)span_max);
    return (uint64_t)(s + limit) << DATE_SPAN_BITS | (uint64_t)(e - s);
}

/* The key of v, of order class cls. */
static lo_value order_key(lo_lisp *L, lo_value v, int cls)
{
    uint64_t approx;
    bool ok = false;
    lo_value a, b;
    switch (cls) {
    case 0:
        ok = real_approx(v, &approx);
        break;
    case 1:
        ok = string_approx(v, &approx);
        break;
    case 2:
        ok = lo_store_duration_length(L, v, &a) && real_approx(a, &approx);
        break;
    case 3:
        ok = lo_store_date_span(L, v, &a, &b);
        if (ok)
            approx = date_approx(a, b);
        break;
    }
    return ok ? class_key(cls, approx) : NO_KEY;
}

/* v's order class (-1: none) and its key, at once: a date or a duration
 * has its class looked up once; *start and *end get a date's span. */
static int classify(lo_lisp *L, lo_value v, lo_value *key, lo_value *start,
                    lo_value *end)
{
    uint64_t approx;
    *key = NO_KEY;
    if (lo_numberp(v) || lo_typep(v, LO_T_STRING)) {
        int cls = order_class(L, v);
        *key = cls < 0 ? NO_KEY : order_key(L, v, cls);
        return cls;
    }
    switch (lo_store_temporal(L, v, start, end)) {
    case 2:
        if (real_approx(*start, &approx))
            *key = class_key(2, approx);
        return 2;
    case 3:
        *key = class_key(3, date_approx(*start, *end));
        return 3;
    default:
        return -1;
    }
}

static int key_class(lo_value key)
{
    return (int)(lo_fixnum_value(key) >> KEY_BITS);
}

/* Value a (key ka) against b (key kb), in the order: the keys when they
 * decide it, else the values. */
static int keyed_compare(lo_lisp *L, lo_value a, lo_value ka, lo_value b,
                         lo_value kb)
{
    if (lo_eq(a, b))        /* the same object (never a NaN here) */
        return 0;
    if (ka != NO_KEY && kb != NO_KEY && ka != kb)
        return lo_fixnum_value(ka) < lo_fixnum_value(kb) ? -1 : 1;
    return order_compare(L, a, ka != NO_KEY ? key_class(ka)
                                            : order_class(L, a),
                         b, kb != NO_KEY ? key_class(kb) : order_class(L, b));
}

/*
 * A chunk: slot 0 the count n of its pairs; then the keys of its
 * CHUNK_PAIRS places, in order (a search reads these contiguous words
 * only, a few cache lines); then value and id of each place.
 */
static uint64_t chunk_count(lo_value chunk)
{
    return (uint64_t)lo_fixnum_value(*lo_svref(chunk, 0));
}
static lo_value *chunk_keys(lo_value chunk)
{
    return lo_svref(chunk, 1);
}
/* Place i's value and id: two words. */
static lo_value *chunk_pair(lo_value chunk, uint64_t i)
{
    return lo_svref(chunk, 1 + CHUNK_PAIRS + 2 * i);
}
static lo_value chunk_key(lo_value chunk, uint64_t i)
{
    return chunk_keys(chunk)[i];
}
static lo_value chunk_value(lo_value chunk, uint64_t i)
{
    return chunk_pair(chunk, i)[0];
}
static int64_t chunk_id(lo_value chunk, uint64_t i)
{
    return lo_fixnum_value(chunk_pair(chunk, i)[1]);
}

/* A pair sought: its value, the value's key, and its id. */
struct sought {
    lo_value v, key;
    int64_t id;
};

/* Pair i of chunk against the pair sought: -1, 0 or 1. */
static int pair_against(lo_lisp *L, lo_value chunk, uint64_t i,
                        const struct sought *s)
{
    lo_value key = chunk_key(chunk, i);
    if (key != s->key && key != NO_KEY && s->key != NO_KEY)
        return lo_fixnum_value(key) < lo_fixnum_value(s->key) ? -1 : 1;
    /* the keys tie (or one is missing): the pair's value is read */
    int c = keyed_compare(L, chunk_value(chunk, i), key, s->v, s->key);
    if (c)
        return c;
    int64_t id = chunk_id(chunk, i);
    return id < s->id ? -1 : id > s->id;
}

/*
 * The top vector: slot 0 the count n of chunks, then its room for chunk
 * references, the first n of them used (readers see slot 1 + k as chunk
 * k), then as many fences: fence k is the key of chunk k's first pair, so
 * that finding a chunk reads this vector, not a chunk per step.
 */
static uint64_t top_room(lo_value top)
{
    return (lo_svlength(top) - 1) / 2;
}
static lo_value *top_fences(lo_value top)
{
    return lo_svref(top, 1 + top_room(top));
}

/* Fence k made anew from chunk k (NO_KEY for an empty chunk). */
static void refresh_fence(lo_value top, uint64_t k)
{
    lo_value chunk = *lo_svref(top, 1 + k);
    top_fences(top)[k] = chunk_count(chunk) ? chunk_key(chunk, 0) : NO_KEY;
}

/* The chunk a pair belongs in: the last whose first pair is <= it. */
static uint64_t chunk_for(lo_lisp *L, lo_value top, const struct sought *s)
{
    uint64_t n = (uint64_t)lo_fixnum_value(*lo_svref(top, 0));
    const lo_value *fences = top_fences(top);
    uint64_t lo = 0, hi = n;    /* first chunk whose first pair is > it */
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        lo_value fence = fences[mid];
        bool after;             /* the pair sought is >= chunk mid's first */
        if (fence != NO_KEY && s->key != NO_KEY && fence != s->key) {
            after = lo_fixnum_value(fence) < lo_fixnum_value(s->key);
        } else {
            lo_value c = *lo_svref(top, 1 + mid);
            after = chunk_count(c) == 0 ||     /* only ever the sole chunk */
                    pair_against(L, c, 0, s) <= 0;
        }
        if (after)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo ? lo - 1 : 0;
}

/* The position in chunk of the first pair >= the one sought. */
static uint64_t position_in(lo_lisp *L, lo_value chunk, const struct sought *s)
{
    uint64_t lo = 0, hi = chunk_count(chunk);
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (pair_against(L, chunk, mid, s) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static lo_value new_chunk(lo_lisp *L)
{
    return zero_vector(L, 1 + 3 * CHUNK_PAIRS);
}

/* A top vector of room for n chunks, none yet. */
static lo_value new_top(lo_lisp *L, uint64_t room)
{
    return zero_vector(L, 1 + 2 * room);
}

/* Insert chunk at position at of the top vector in *place. */
static void top_insert(lo_lisp *L, lo_value *place, uint64_t at,
                       lo_value chunk)
{
    lo_value top = *place;
    uint64_t n = (uint64_t)lo_fixnum_value(*lo_svref(top, 0));
    if (n + 1 > top_room(top)) {
        lo_value bigger = new_top(L, 2 * n + 4);
        memcpy(lo_svref(bigger, 0), lo_svref(top, 0), (n + 1) * 8);
        memcpy(top_fences(bigger), top_fences(top), n * 8);
        top = bigger;
        *place = top;
    }
    lo_value *fences = top_fences(top);
    memmove(lo_svref(top, 2 + at), lo_svref(top, 1 + at), (n - at) * 8);
    memmove(fences + at + 1, fences + at, (n - at) * 8);
    *lo_svref(top, 1 + at) = chunk;
    *lo_svref(top, 0) = lo_fixnum((int64_t)n + 1);
    refresh_fence(top, at);
}

/* Take chunk k out of the top vector. */
static void top_remove(lo_value top, uint64_t k)
{
    uint64_t n = (uint64_t)lo_fixnum_value(*lo_svref(top, 0));
    lo_value *fences = top_fences(top);
    memmove(lo_svref(top, 1 + k), lo_svref(top, 2 + k), (n - 1 - k) * 8);
    memmove(fences + k, fences + k + 1, (n - 1 - k) * 8);
    *lo_svref(top, n) = lo_fixnum(0);
    fences[n - 1] = lo_fixnum(0);
    *lo_svref(top, 0) = lo_fixnum((int64_t)n - 1);
}

/* Whether the pair at of chunk is the pair sought, value and id. */
static bool same_pair(lo_lisp *L, lo_value chunk, uint64_t at,
                      const struct sought *s)
{
    if (chunk_id(chunk, at) != s->id)
        return false;
    lo_value v = chunk_value(chunk, at);
    return lo_eq(v, s->v) ||
           (keyed_compare(L, v, chunk_key(chunk, at), s->v, s->key) == 0 &&
            lo_store_equal(L, v, s->v));
}

/* Move the n pairs from place i of chunk a to place j of chunk b (or of
 * a itself), over what is there; the places left keep what they had. */
static void move_pairs(lo_value a, uint64_t i, lo_value b, uint64_t j,
                       uint64_t n)
{
    memmove(chunk_keys(b) + j, chunk_keys(a) + i, n * 8);
    memmove(chunk_pair(b, j), chunk_pair(a, i), n * 2 * 8);
}

/* Empty places i to i + n - 1 (fixnum 0, word 0). */
static void clear_pairs(lo_value chunk, uint64_t i, uint64_t n)
{
    memset(chunk_keys(chunk) + i, 0, n * 8);
    memset(chunk_pair(chunk, i), 0, n * 2 * 8);
}

static void set_count(lo_value chunk, uint64_t n)
{
    *lo_svref(chunk, 0) = lo_fixnum((int64_t)n);
}

/*
 * Room for a pair at position *at of the full chunk *k of the top vector
 * in *top: the chunk and position it then goes to.  A full chunk first
 * gives pairs to a neighbour with room: new pairs often come at one place
 * (the end of a value's run: a year, a rating), and splitting there for
 * ever would leave half-empty chunks behind.  Only when neither
 * neighbour has room does it split in two.
 */
enum { NEIGHBOUR_ROOM = CHUNK_PAIRS / 16 };

static lo_value make_room(lo_lisp *L, lo_value *top, uint64_t *k,
                          uint64_t *at)
{
    uint64_t nchunks = (uint64_t)lo_fixnum_value(*lo_svref(*top, 0));
    lo_value chunk = *lo_svref(*top, 1 + *k);
    const uint64_t n = CHUNK_PAIRS;
    if (*k + 1 < nchunks && *at < n) {
        /* the pairs after *at, some of them, to the front of the next */
        lo_value right = *lo_svref(*top, 2 + *k);
        uint64_t rn = chunk_count(right), room = CHUNK_PAIRS - rn;
        if (room >= NEIGHBOUR_ROOM) {
            uint64_t m = (room + 1) / 2;
            if (m > n - *at)
                m = n - *at;
            move_pairs(right, 0, right, m, rn);
            move_pairs(chunk, n - m, right, 0, m);
            clear_pairs(chunk, n - m, m);
            set_count(right, rn + m);
            set_count(chunk, n - m);
            refresh_fence(*top, *k + 1);
            return chunk;
        }
    }
    if (*k > 0 && *at > 0) {
        /* the pairs before *at, some of them, to the end of the one before */
        lo_value left = *lo_svref(*top, *k);
        uint64_t ln = chunk_count(left), room = CHUNK_PAIRS - ln;
        if (room >= NEIGHBOUR_ROOM) {
            uint64_t m = (room + 1) / 2;
            if (m > *at)
                m = *at;
            move_pairs(chunk, 0, left, ln, m);
            move_pairs(chunk, m, chunk, 0, n - m);
            clear_pairs(chunk, n - m, m);
            set_count(left, ln + m);
            set_count(chunk, n - m);
            refresh_fence(*top, *k);
            *at -= m;
            return chunk;
        }
    }
    lo_value right = new_chunk(L);          /* split it in two */
    uint64_t half = n / 2;
    move_pairs(chunk, half, right, 0, n - half);
    clear_pairs(chunk, half, n - half);
    set_count(chunk, half);
    set_count(right, n - half);
    top_insert(L, top, *k + 1, right);
    if (*at > half) {
        *at -= half;
        ++*k;
        return right;
    }
    return chunk;
}

enum { SAME_LOOKS = 4 };    /* pairs of a key looked at, at most */

/* A value index (an ordered one) holds that may stand for v (of key
 * vkey), or LO_UNBOUND.  Found by the keys alone: the values they tie
 * with are not read (this is a chance to share, and a pair without a key
 * may mislead it).  The last pairs of v's key are looked at: a new
 * entry's pair goes right after them (its id is the largest), so its own
 * search then reads the same lines. */
static lo_value ordered_kept(lo_value index, lo_value v, lo_value vkey)
{
    lo_value top = *lo_svref(index, INDEX_TABLE);
    uint64_t nchunks = (uint64_t)lo_fixnum_value(*lo_svref(top, 0));
    if (vkey == NO_KEY || nchunks == 0)
        return LO_UNBOUND;
    /* the first pair whose key is past vkey: chunk k, place at */
    const lo_value *fences = top_fences(top);
    uint64_t lo = 0, hi = nchunks;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (lo_fixnum_value(fences[mid]) <= lo_fixnum_value(vkey))
            lo = mid + 1;
        else
            hi = mid;
    }
    uint64_t k = lo ? lo - 1 : 0;
    lo_value chunk = *lo_svref(top, 1 + k);
    uint64_t at = 0, end = chunk_count(chunk);
    while (at < end) {
        uint64_t mid = at + (end - at) / 2;
        if (lo_fixnum_value(chunk_key(chunk, mid)) <= lo_fixnum_value(vkey))
            at = mid + 1;
        else
            end = mid;
    }
    for (int looked = 0; looked < SAME_LOOKS;) {
        if (at == 0) {              /* on to the chunk before */
            if (k == 0)
                break;
            chunk = *lo_svref(top, 1 + --k);
            at = chunk_count(chunk);
            continue;
        }
        at--;
        looked++;
        if (chunk_key(chunk, at) != vkey)
            break;
        lo_value kept = chunk_value(chunk, at);
        if (lo_store_same_copy(kept, v))
            return kept;
    }
    return LO_UNBOUND;
}

/* Where the pair sought is in the index (*fk, *fi), given where it would
 * go (chunk k, place at); false when it is not there.  Pairs of one id
 * whose values tie in the order (0, 0.0 and -0.0 of one entry) stand in
 * any order among themselves, so the pair may be anywhere in their run,
 * which may begin before that place and in the chunk before, and go on
 * into the next. */
static bool find_pair(lo_lisp *L, lo_value top, uint64_t k, uint64_t at,
                      const struct sought *s, uint64_t *fk, uint64_t *fi)
{
    uint64_t nchunks = (uint64_t)lo_fixnum_value(*lo_svref(top, 0));
    for (uint64_t kk = k, i = at; kk < nchunks; kk++, i = 0) {
        lo_value chunk = *lo_svref(top, 1 + kk);
        for (; i < chunk_count(chunk); i++) {
            if (pair_against(L, chunk, i, s) != 0)
                goto backward;
            if (same_pair(L, chunk, i, s)) {
                *fk = kk;
                *fi = i;
                return true;
            }
        }
    }
backward:
    for (uint64_t kk = k + 1, i = at; kk-- > 0;) {
        lo_value chunk = *lo_svref(top, 1 + kk);
        if (kk != k)
            i = chunk_count(chunk);
        while (i-- > 0) {
            if (pair_against(L, chunk, i, s) != 0)
                return false;
            if (same_pair(L, chunk, i, s)) {
                *fk = kk;
                *fi = i;
                return true;
            }
        }
    }
    return false;
}

/* Add the value in *place for id.  fresh: that value may be the
 * caller's own still (PUT_NEW): it becomes a value the index holds
 * already, or a copy. */
static void ordered_add(lo_lisp *L, lo_value index, lo_value *place,
                        int64_t id, bool fresh)
{
    lo_value v = *place, key, start, end;
    int cv = classify(L, v, &key, &start, &end);
    if (cv < 0) {
        if (fresh)
            *place = lo_store_copy_value(L, v);
        return;
    }
    if (fresh) {
        /* shared first: the search below then meets its value's other
         * pairs as the same object, not as values to compare */
        lo_value kept = ordered_kept(index, v, key);
        *place = v = kept != LO_UNBOUND ? kept : lo_store_copy_value(L, v);
    }
    struct sought s = { v, key, id };
    lo_value *top = lo_svref(index, INDEX_TABLE);
    if (lo_fixnum_value(*lo_svref(*top, 0)) == 0)
        top_insert(L, top, 0, new_chunk(L));
    uint64_t k = chunk_for(L, *top, &s);
    lo_value chunk = *lo_svref(*top, 1 + k);
    uint64_t n = chunk_count(chunk);
    uint64_t at = position_in(L, chunk, &s), fk, fi;
    if (find_pair(L, *top, k, at, &s, &fk, &fi))
        return;                                 /* there already */
    if (n == CHUNK_PAIRS) {
        chunk = make_room(L, top, &k, &at);
        n = chunk_count(chunk);
    }
    move_pairs(chunk, at, chunk, at + 1, n - at);
    chunk_keys(chunk)[at] = s.key;
    chunk_pair(chunk, at)[0] = v;
    chunk_pair(chunk, at)[1] = lo_fixnum(id);
    set_count(chunk, n + 1);
    if (at == 0)
        refresh_fence(*top, k);
    *lo_svref(index, INDEX_PAIRS) =
        lo_fixnum(lo_fixnum_value(*lo_svref(index, INDEX_PAIRS)) + 1);
    if (cv == 3 && lo_svlength(index) > INDEX_MAX_SPAN) {
        /* only ever grows: a bound, not the exact longest */
        lo_value span = lo_int_sub(L, end, start);
        if (lo_int_compare(span, lo_index_max_span(index)) > 0)
            *lo_svref(index, INDEX_MAX_SPAN) = span;
    }
}

static void ordered_remove(lo_lisp *L, lo_value index, lo_value v, int64_t id)
{
    lo_value key, start, end;
    int cv = classify(L, v, &key, &start, &end);
    if (cv < 0)
        return;
    lo_value top = *lo_svref(index, INDEX_TABLE);
    uint64_t nchunks = (uint64_t)lo_fixnum_value(*lo_svref(top, 0));
    if (nchunks == 0)
        return;
    struct sought s = { v, key, id };
    uint64_t k = chunk_for(L, top, &s);
    uint64_t at = position_in(L, *lo_svref(top, 1 + k), &s);
    if (!find_pair(L, top, k, at, &s, &k, &at))
        return;
    lo_value chunk = *lo_svref(top, 1 + k);
    uint64_t n = chunk_count(chunk);
    move_pairs(chunk, at + 1, chunk, at, n - at - 1);
    clear_pairs(chunk, n - 1, 1);
    set_count(chunk, n - 1);
    refresh_fence(top, k);
    *lo_svref(index, INDEX_PAIRS) =
        lo_fixnum(lo_fixnum_value(*lo_svref(index, INDEX_PAIRS)) - 1);
    if (n == 1 && nchunks > 1)      /* no empty chunk stays: */
        top_remove(top, k);         /* chunk_for needs firsts */
}

/* ---- hash indexes --------------------------------------------------------------- */

/* Add the value in *place for id.  fresh: that value may be the
 * caller's own still (PUT_NEW): it becomes the table's key when that is
 * the same value, else a copy (which keys a new table entry). */
static void hash_add(lo_lisp *L, lo_value index, lo_value *place, int64_t id,
                     bool fresh)
{
    lo_value v = *place, *pair;
    bool added;
    if (!lo_table_intern(L, *lo_svref(index, INDEX_TABLE),
                         lo_store_index_key(L, v), &pair, &added)) {
        if (fresh)
            *place = lo_store_copy_value(L, v);
        posting_add(L, lo_svref(index, INDEX_OTHERS), id);
        return;
    }
    if (fresh) {
        if (!added && lo_store_same_copy(pair[0], v)) {
            *place = pair[0];
        } else {
            *place = lo_store_copy_value(L, v);
            if (lo_eq(pair[0], v))      /* the caller's own keys it: */
                pair[0] = *place;       /* the copy does instead */
        }
    }
    if (added)      /* a new value: most stay with one entry (a :name) */
        pair[1] = lo_posting_new(L, 1);
    posting_add(L, &pair[1], id);       /* the table's own slot */
}

static void hash_remove(lo_lisp *L, lo_value index, lo_value v, int64_t id)
{
    lo_value table = *lo_svref(index, INDEX_TABLE);
    lo_value key = lo_store_index_key(L, v);
    lo_value *pair;
    bool by_address;
    if (lo_table_find(L, table, key, &pair, &by_address)) {
        posting_remove(pair[1], id);
        if (posting_count(pair[1]) == 0)
            lo_table_remove(L, table, key);
    } else if (by_address) {
        posting_remove(*lo_svref(index, INDEX_OTHERS), id);
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

/* Whether index is a hash one: its table is (no keyword to intern). */
static bool index_hash_p(lo_value index)
{
    return lo_typep(*lo_svref(index, INDEX_TABLE), LO_T_HASH_TABLE);
}

/* What index_attrs does with the pairs of key in attrs. */
enum index_op {
    TAKE_OUT,
    PUT_IN,
    PUT_NEW,        /* put in the values of a new entry, which may be the
                       caller's own still: each becomes a value another
                       entry holds, or a copy (lo_store_put_value) */
};

/* Put in or take out of index the pairs of key in attrs for id. */
static void index_attrs(lo_lisp *L, lo_value index, lo_value attrs,
                        int64_t id, enum index_op op)
{
    lo_value key = *lo_svref(index, INDEX_KEY);
    bool hash = index_hash_p(index), fresh = op == PUT_NEW;
    bool any = false;
    for (uint64_t i = 0; i < lo_svlength(attrs); i += 2) {
        if (!lo_eq(*lo_svref(attrs, i), key))
            continue;
        any = true;
        lo_value *place = lo_svref(attrs, i + 1);
        if (op == TAKE_OUT)
            hash ? hash_remove(L, index, *place, id)
                 : ordered_remove(L, index, *place, id);
        else
            hash ? hash_add(L, index, place, id, fresh)
                 : ordered_add(L, index, place, id, fresh);
    }
    if (!any)
        return;
    if (op == TAKE_OUT)
        posting_remove(*lo_svref(index, INDEX_PRESENT), id);
    else
        posting_add(L, lo_svref(index, INDEX_PRESENT), id);
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
            index_attrs(L, index, old_attrs, lo_fixnum_value(id), TAKE_OUT);
        if (has)
            index_attrs(L, index, new_attrs, lo_fixnum_value(id), PUT_IN);
        slots = lo_table_slots(indexes, &capacity);
    }
}

void lo_store_index_put(lo_lisp *L, lo_value store, int64_t id,
                        lo_value attrs)
{
    lo_value indexes = *lo_svref(store, STORE_INDEXES);
    uint64_t capacity;
    lo_value *slots = lo_table_slots(indexes, &capacity);
    for (uint64_t i = 0; i < capacity; i++) {
        if (slots[2 * i] == LO_UNBOUND)
            continue;
        index_attrs(L, slots[2 * i + 1], attrs, id, PUT_NEW);
        slots = lo_table_slots(indexes, &capacity);
    }
}

/* ---- values shared between entries ------------------------------------------------ */


lo_value lo_store_index_same_value(lo_lisp *L, lo_value store, lo_value key,
                                   lo_value v)
{
    lo_value index = lo_store_index_of(L, store, key), *pair;
    if (lo_null(L, index))
        return LO_UNBOUND;
    if (index_hash_p(index)) {
        /* the table's key is a value some entry holds (or a date's or
         * duration's index key, which is no copy of one) */
        bool by_address;
        lo_value ikey = lo_store_index_key(L, v);
        if (lo_table_find(L, *lo_svref(index, INDEX_TABLE), ikey, &pair,
                          &by_address) &&
            lo_store_same_copy(pair[0], v))
            return pair[0];
        return LO_UNBOUND;
    }
    lo_value vkey, span[2];
    classify(L, v, &vkey, &span[0], &span[1]);
    return ordered_kept(index, v, vkey);
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
        hash ? lo_table_new(L, LO_HASH_EQUAL, 64) : new_top(L, 8);
    *lo_svref(index, INDEX_PRESENT) = lo_posting_new(L, 16);
    *lo_svref(index, INDEX_OTHERS) = lo_posting_new(L, 4);
    *lo_svref(index, INDEX_PAIRS) = lo_fixnum(0);
    *lo_svref(index, INDEX_MAX_SPAN) = lo_fixnum(0);
    /* the entries there already */
    int64_t next = lo_fixnum_value(*lo_svref(store, STORE_NEXT_ID));
    for (int64_t id = 1; id < next; id++) {
        lo_value e = lo_store_entry_record(L, store, id);
        if (!lo_null(L, e) && lo_null(L, *lo_svref(e, ENTRY_DELETED)))
            index_attrs(L, index, *lo_svref(e, ENTRY_ATTRS), id, PUT_IN);
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

/* An ordered index's pairs in order, as places (chunk, pair), into
 * scratch memory. */
static struct lo_index_place *pairs_of(lo_lisp *L, lo_value index,
                                       uint64_t *n)
{
    lo_value top = *lo_svref(index, INDEX_TABLE);
    uint64_t chunks = (uint64_t)lo_fixnum_value(*lo_svref(top, 0));
    *n = (uint64_t)lo_fixnum_value(*lo_svref(index, INDEX_PAIRS));
    struct lo_index_place *p = lo_scratch_alloc(L, (*n + 1) * sizeof *p);
    uint64_t m = 0;
    for (uint64_t k = 0; k < chunks; k++)
        for (uint64_t i = 0; i < chunk_count(*lo_svref(top, 1 + k)) &&
                             m < *n; i++)
            p[m++] = (struct lo_index_place){ k, i };
    *n = m;
    return p;
}

/* Whether two ordered indexes hold the same pairs in the same order.
 * Pairs of one id whose values are equal in the order but not the same
 * (0, 0.0 and -0.0 of one entry) may stand in any order among
 * themselves: each of a run of them must be in the other's run. */
static bool same_ordered(lo_lisp *L, lo_value a, lo_value b)
{
    if (*lo_svref(a, INDEX_PAIRS) != *lo_svref(b, INDEX_PAIRS))
        return false;
    uint64_t mark = lo_scratch_mark(L), na, nb;
    lo_value ta = *lo_svref(a, INDEX_TABLE), tb = *lo_svref(b, INDEX_TABLE);
    struct lo_index_place *pa = pairs_of(L, a, &na), *pb = pairs_of(L, b, &nb);
#define CHUNK_OF(t, q) (*lo_svref((t), 1 + (q).k))
    bool same = na == nb;
    for (uint64_t i = 0; same && i < na;) {
        lo_value ca = CHUNK_OF(ta, pa[i]);
        int64_t id = chunk_id(ca, pa[i].i);
        lo_value v = chunk_value(ca, pa[i].i), key = chunk_key(ca, pa[i].i);
        /* the run of pairs of this id tied with pair i */
        uint64_t end = i + 1;
        while (end < na) {
            lo_value c = CHUNK_OF(ta, pa[end]);
            if (chunk_id(c, pa[end].i) != id ||
                keyed_compare(L, chunk_value(c, pa[end].i),
                              chunk_key(c, pa[end].i), v, key) != 0)
                break;
            end++;
        }
        for (uint64_t x = i; same && x < end; x++) {
            lo_value cx = CHUNK_OF(ta, pa[x]);
            lo_value cy = CHUNK_OF(tb, pb[x]);
            same = chunk_id(cy, pb[x].i) == id;
            bool found = false;
            for (uint64_t y = i; same && !found && y < end; y++)
                found = lo_store_equal(L, chunk_value(cx, pa[x].i),
                                       chunk_value(CHUNK_OF(tb, pb[y]),
                                                   pb[y].i));
            same = same && found;
        }
        i = end;
    }
#undef CHUNK_OF
    lo_scratch_release(L, mark);
    return same;
}

/* Whether each pair's key and each chunk's fence is what its value
 * makes (an ordered index). */
static bool keys_right(lo_lisp *L, lo_value index)
{
    lo_value top = *lo_svref(index, INDEX_TABLE);
    uint64_t n = (uint64_t)lo_fixnum_value(*lo_svref(top, 0));
    for (uint64_t k = 0; k < n; k++) {
        lo_value chunk = *lo_svref(top, 1 + k);
        lo_value fence = chunk_count(chunk) ? chunk_key(chunk, 0) : NO_KEY;
        if (top_fences(top)[k] != fence)
            return false;
        for (uint64_t i = 0; i < chunk_count(chunk); i++) {
            lo_value v = chunk_value(chunk, i);
            if (chunk_key(chunk, i) != order_key(L, v, order_class(L, v)))
                return false;
        }
    }
    return true;
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
    if (!hash && !keys_right(L, index))
        return "its order keys or its chunks' fences are wrong";
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
        for (uint64_t i = p.i; i < stop; i++)
            out[n++] = chunk_pair(c, i)[1];
    }
    return n;
}

void lo_index_id_bits(lo_value index, struct lo_index_place from,
                      struct lo_index_place to, struct lo_id_bits *bits)
{
    lo_value top = *lo_svref(index, INDEX_TABLE);
    for (struct lo_index_place p = from; place_before(p, to); p.k++, p.i = 0) {
        lo_value c = *lo_svref(top, 1 + p.k);
        uint64_t stop = p.k == to.k ? to.i : chunk_count(c);
        for (uint64_t i = p.i; i < stop; i++) {
            uint64_t id = (uint64_t)lo_fixnum_value(chunk_pair(c, i)[1]);
            if (id / 64 < bits->words)
                bits->w[id / 64] |= 1ull << (id % 64);
        }
        bits->most += stop > p.i ? stop - p.i : 0;
    }
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
                out[n++] = chunk_pair(c, i)[1];
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
