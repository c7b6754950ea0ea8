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
    uint64_t k = 0;
    for (uint64_t w = 0; w < words; w++)
        for (uint64_t b = bits[w]; b; b &= b - 1)
            s->v[k++] = lo_fixnum((int64_t)(w * 64 + (uint64_t)__builtin_ctzll(b)));
    s->n = k;
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

/* ---- intersecting and uniting --------------------------------------------- */

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

struct lo_ids lo_ids_intersect(lo_lisp *L, struct lo_ids a, struct lo_ids b)
{
    if (a.n > b.n) {
        struct lo_ids t = a; a = b; b = t;
    }
    struct lo_ids out = lo_ids_new(L, a.n);
    if (a.n * 16 < b.n) {               /* a is much the smaller */
        uint64_t j = 0;
        for (uint64_t i = 0; i < a.n && j < b.n; i++) {
            j = gallop(&b, j, a.v[i]);
            if (j < b.n && b.v[j] == a.v[i])
                out.v[out.n++] = a.v[i];
        }
        return out;
    }
    uint64_t i = 0, j = 0;
    while (i < a.n && j < b.n) {
        lo_value x = a.v[i], y = b.v[j];
        if (x == y)
            out.v[out.n++] = x;
        i += x <= y;
        j += y <= x;
    }
    return out;
}

struct lo_ids lo_ids_unite(lo_lisp *L, struct lo_ids a, struct lo_ids b)
{
    if (a.n == 0)
        return b;
    if (b.n == 0)
        return a;
    struct lo_ids out = lo_ids_new(L, a.n + b.n);
    uint64_t i = 0, j = 0;
    while (i < a.n && j < b.n) {
        lo_value x = a.v[i], y = b.v[j];
        out.v[out.n++] = x <= y ? x : y;
        i += x <= y;
        j += y <= x;
    }
    memcpy(out.v + out.n, a.v + i, (a.n - i) * 8);
    out.n += a.n - i;
    memcpy(out.v + out.n, b.v + j, (b.n - j) * 8);
    out.n += b.n - j;
    return out;
}
