/*
 * ids.c -- sets of entry ids (ids.h): sorting, intersecting, uniting.
 * The words are fixnums of positive ids, which order as unsigned words
 * as their ids do.
 */
#include <string.h>

#include "lisp/scratch.h"
#include "store/ids.h"

struct lo_ids lo_ids_new(lo_lisp *L, uint64_t room)
{
    return (struct lo_ids){ lo_scratch_alloc(L, (room ? room : 1) * 8), 0 };
}

struct lo_ids lo_ids_copy(lo_lisp *L, const lo_value *words, uint64_t n)
{
    struct lo_ids s = lo_ids_new(L, n);
    memcpy(s.v, words, n * 8);
    s.n = n;
    return s;
}

/* ---- sorting: least significant digit first, 11 bits a pass ---------------- */

enum { DIGIT_BITS = 11, DIGITS = 1 << DIGIT_BITS };

/* A heap sort, for sets too small to pay for a radix sort's counts. */
static void heap_sort(lo_value *a, uint64_t n)
{
    for (uint64_t start = n / 2; start-- > 0;)
        for (uint64_t root = start, child; (child = 2 * root + 1) < n;
             root = child) {
            if (child + 1 < n && a[child] < a[child + 1])
                child++;
            if (a[root] >= a[child])
                break;
            lo_value t = a[root]; a[root] = a[child]; a[child] = t;
        }
    for (uint64_t end = n; end-- > 1;) {
        lo_value t = a[0]; a[0] = a[end]; a[end] = t;
        for (uint64_t root = 0, child; (child = 2 * root + 1) < end;
             root = child) {
            if (child + 1 < end && a[child] < a[child + 1])
                child++;
            if (a[root] >= a[child])
                break;
            t = a[root]; a[root] = a[child]; a[child] = t;
        }
    }
}

static void drop_repeats(struct lo_ids *s)
{
    uint64_t k = 0;
    for (uint64_t i = 0; i < s->n; i++)
        if (k == 0 || s->v[i] != s->v[k - 1])
            s->v[k++] = s->v[i];
    s->n = k;
}

/* ---- reading the ids of a bitmap --------------------------------------------- */

/* Eight ids of x's lowest bits written to out, their bits cleared from
 * *x; past the last bit, the writes are junk the caller writes over.
 * (Bit 63 or'ed in keeps the count of trailing zeros defined.) */
static inline void eight_ids(lo_value *out, uint64_t base, uint64_t *x)
{
    for (int i = 0; i < 8; i++) {
        out[i] = lo_fixnum((int64_t)(base + (uint64_t)__builtin_ctzll(
                                                 *x | 1ull << 63)));
        *x &= *x - 1;
    }
}

/*
 * The ids of the set bits of words[from..to) (bit i of word w: id 64w +
 * i), ascending, into out, which has room for `room` ids (at least as
 * many as there are bits); returns their number.  A loop per bit would
 * stop at a different count in each word, and the branch that ends it
 * would be mispredicted about once a word: instead eight (or sixteen) ids
 * are written whatever the word holds, and the count moves on by the
 * bits it has.  Near the end of out, where those junk writes would not
 * fit, the loop per bit does the rest.
 */
uint64_t lo_bitmap_ids(const uint64_t *words, uint64_t from, uint64_t to,
                       lo_value *out, uint64_t room)
{
    uint64_t k = 0, w = from;
    /* sparse words (two bits or fewer each, on average) gain nothing:
     * the loop per bit does them all */
    bool wide = room >= 2 * (to - from);
    for (; wide && w < to && room - k >= 64; w++) {
        uint64_t x = words[w];
        if (!x)
            continue;
        uint64_t count = lo_bits_set(x);
        eight_ids(out + k, w * 64, &x);
        if (count > 8) {
            eight_ids(out + k + 8, w * 64, &x);
            for (uint64_t i = 16; x; i++, x &= x - 1)
                out[k + i] = lo_fixnum((int64_t)(w * 64 + (uint64_t)__builtin_ctzll(x)));
        }
        k += count;
    }
    for (; w < to; w++)
        for (uint64_t x = words[w]; x; x &= x - 1)
            out[k++] = lo_fixnum((int64_t)(w * 64 + (uint64_t)__builtin_ctzll(x)));
    return k;
}

/* Sort by a bitmap of the ids up to the largest: when the ids are not
 * too sparse, setting a bit each and reading the words back in order
 * beats any comparison. */
static void bitmap_sort(lo_lisp *L, struct lo_ids *s, uint64_t words)
{
    uint64_t mark = lo_scratch_mark(L);
    uint64_t *bits = lo_scratch_alloc(L, words * 8);
    memset(bits, 0, words * 8);
    for (uint64_t i = 0; i < s->n; i++) {
        uint64_t id = (uint64_t)lo_fixnum_value(s->v[i]);
        bits[id / 64] |= 1ull << (id % 64);
    }
    s->n = lo_bitmap_ids(bits, 0, words, s->v, s->n);
    lo_scratch_release(L, mark);
}

void lo_ids_sort(lo_lisp *L, struct lo_ids *s)
{
    if (s->n < 2)
        return;
    lo_value largest = 0;
    for (uint64_t i = 0; i < s->n; i++)
        if (s->v[i] > largest)
            largest = s->v[i];
    uint64_t words = (uint64_t)lo_fixnum_value(largest) / 64 + 1;
    if (words <= 16 * s->n + 64) {
        bitmap_sort(L, s, words);
        return;
    }
    if (s->n < 2048) {
        heap_sort(s->v, s->n);
        drop_repeats(s);
        return;
    }
    uint64_t mark = lo_scratch_mark(L);
    lo_value *from = s->v, *to = lo_scratch_alloc(L, s->n * 8);
    uint64_t *count = lo_scratch_alloc(L, DIGITS * sizeof *count);
    for (unsigned shift = 2; shift < 64 && (largest >> shift); shift += DIGIT_BITS) {
        memset(count, 0, DIGITS * sizeof *count);
        for (uint64_t i = 0; i < s->n; i++)
            count[(from[i] >> shift) & (DIGITS - 1)]++;
        uint64_t sum = 0;
        for (uint64_t d = 0; d < DIGITS; d++) {
            uint64_t c = count[d];
            count[d] = sum;
            sum += c;
        }
        for (uint64_t i = 0; i < s->n; i++)
            to[count[(from[i] >> shift) & (DIGITS - 1)]++] = from[i];
        lo_value *t = from; from = to; to = t;
    }
    if (from != s->v)
        memcpy(s->v, from, s->n * 8);
    drop_repeats(s);
    lo_scratch_release(L, mark);
}

/* ---- intersecting ---------------------------------------------------------- */

/* The first position at or after `at` in b whose id is >= x (a search
 * that gallops: cheap when the small set's ids are far apart in b). */
static uint64_t gallop(const struct lo_ids *b, uint64_t at, lo_value x)
{
    uint64_t step = 1, hi = at;
    while (hi < b->n && b->v[hi] < x) {
        at = hi + 1;
        hi += step;
        step *= 2;
    }
    if (hi > b->n)
        hi = b->n;
    while (at < hi) {
        uint64_t mid = at + (hi - at) / 2;
        if (b->v[mid] < x)
            at = mid + 1;
        else
            hi = mid;
    }
    return at;
}

/* ---- a set as bits, for uniting many sets ----------------------------------- */

struct lo_id_bits lo_id_bits_new(lo_lisp *L, int64_t next_id)
{
    uint64_t words = (uint64_t)(next_id > 0 ? next_id : 1) / 64 + 1;
    struct lo_id_bits b = { lo_scratch_alloc(L, words * 8), words, 0 };
    memset(b.w, 0, words * 8);
    return b;
}

void lo_id_bits_add(struct lo_id_bits *b, const lo_value *ids, uint64_t n)
{
    b->most += n;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t id = (uint64_t)lo_fixnum_value(ids[i]);
        if (id / 64 < b->words)
            b->w[id / 64] |= 1ull << (id % 64);
    }
}

struct lo_ids lo_id_bits_ids(lo_lisp *L, const struct lo_id_bits *b)
{
    struct lo_ids s = lo_ids_new(L, b->most);
    s.n = lo_bitmap_ids(b->w, 0, b->words, s.v, b->most);
    return s;
}

bool lo_id_bits_dense(const struct lo_id_bits *b, uint64_t gap)
{
    return b->most * gap >= b->words * 64;
}

void lo_id_bits_or(struct lo_id_bits *a, const struct lo_id_bits *b)
{
    for (uint64_t w = 0; w < a->words && w < b->words; w++)
        a->w[w] |= b->w[w];
    a->most += b->most;
}

void lo_id_bits_and(struct lo_id_bits *a, const struct lo_id_bits *b)
{
    for (uint64_t w = 0; w < a->words; w++)
        a->w[w] &= w < b->words ? b->w[w] : 0;
    a->most = a->most < b->most ? a->most : b->most;
}

void lo_id_bits_keep_ids(struct lo_id_bits *a, struct lo_ids b)
{
    /* each word of a and'ed with the bits of b's ids that fall in it:
     * one pass over both */
    uint64_t i = 0;
    for (uint64_t w = 0; w < a->words; w++) {
        uint64_t mask = 0;
        for (; i < b.n && (uint64_t)lo_fixnum_value(b.v[i]) / 64 == w; i++)
            mask |= 1ull << ((uint64_t)lo_fixnum_value(b.v[i]) % 64);
        a->w[w] &= mask;
    }
    a->most = a->most < b.n ? a->most : b.n;
}

void lo_ids_keep_bits(struct lo_ids *a, const struct lo_id_bits *b)
{
    uint64_t k = 0;
    for (uint64_t i = 0; i < a->n; i++) {
        uint64_t id = (uint64_t)lo_fixnum_value(a->v[i]);
        if (id / 64 < b->words && (b->w[id / 64] >> (id % 64) & 1))
            a->v[k++] = a->v[i];
    }
    a->n = k;
}

void lo_ids_intersect_into(struct lo_ids *a, struct lo_ids b)
{
    /* the result is never longer than a, and its k-th id is written only
     * after a's k-th was read (and b's, when a is the longer): in place */
    uint64_t k = 0;
    if (a->n * 16 < b.n) {
        uint64_t j = 0;
        for (uint64_t i = 0; i < a->n && j < b.n; i++) {
            j = gallop(&b, j, a->v[i]);
            if (j < b.n && b.v[j] == a->v[i])
                a->v[k++] = a->v[i];
        }
    } else if (b.n * 16 < a->n) {
        uint64_t j = 0;
        for (uint64_t i = 0; i < b.n && j < a->n; i++) {
            j = gallop(a, j, b.v[i]);
            if (j < a->n && a->v[j] == b.v[i])
                a->v[k++] = b.v[i];
        }
    } else {
        uint64_t i = 0, j = 0;
        while (i < a->n && j < b.n) {
            lo_value x = a->v[i], y = b.v[j];
            if (x == y)
                a->v[k++] = x;
            i += x <= y;
            j += y <= x;
        }
    }
    a->n = k;
}
