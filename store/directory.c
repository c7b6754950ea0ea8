/*
 * directory.c -- a directory's ids (docs/store-design.md section 5): a
 * query's answer is kept compact, since a directory may hold a good part
 * of the store, every byte a query allocates brings the next collection
 * nearer, and every fresh page it fills costs more than the query's own
 * work on it.  The first byte says how the rest is written:
 *
 *   FORMAT_GAPS  ids in ascending order (a query's answer in id order),
 *                at least as many as a large object has bytes:
 *                their count in base-128 digits, then k (a byte), then a
 *                Rice code of each gap less one -- the quotient by 2^k in
 *                unary (that many 0 bits, then a 1), the remainder in k
 *                bits -- bits filled from the low end of each byte.  k is
 *                chosen from the mean gap, so ids a few apart take half a
 *                byte, a hundred apart a byte.
 *   FORMAT_BITS  ids in ascending order, LO_STORE_BITS_GAP apart or nearer
 *                on average (a query's answer from an index's bits):
 *                their count and the byte of the first (id / 8) in
 *                base-128 digits, then the bits from that byte on to the
 *                last id's -- bit i of byte j is id 8 (base + j) + i.
 *   FORMAT_ZIGZAG  any order (an answer ordered by a key, or a small
 *                one, written faster so than coded as gaps): each id's
 *                difference from the one before, zigzag-encoded (a
 *                descending order costs as little), in base-128 digits,
 *                low first, the high bit of a byte saying another follows.
 *
 * No bytes at all is a directory of nothing.  The directory itself is
 * Lisp (store/boot/70-store.lisp).
 */
#include <string.h>

#include "lisp/scratch.h"
#include "lisp/sequences.h"
#include "store/ids.h"
#include "store/store.h"

enum { FORMAT_GAPS = 1, FORMAT_ZIGZAG = 2, FORMAT_BITS = 3 };

static uint64_t zigzag(int64_t d)
{
    return ((uint64_t)d << 1) ^ (uint64_t)(d >> 63);
}

static uint8_t *put_digits(uint8_t *p, uint64_t u)
{
    for (; u >= 0x80; u >>= 7)
        *p++ = (uint8_t)(u | 0x80);
    *p++ = (uint8_t)u;
    return p;
}

/* ---- writing ------------------------------------------------------------------- */

/* Bits appended to a buffer from the low end of each 64-bit word.  The
 * word being filled is kept in `acc` and stored whole after every put:
 * or-ing into memory made each put wait for the one before. */
struct bits_out {
    uint64_t *w;
    uint64_t at;                /* bits written */
    uint64_t acc;               /* the word holding bit `at`, so far */
};

/* v's n bits (1 <= n <= 64, nothing above them in v) appended, without a
 * branch a mispredict would cost more than. */
static inline void put_bits(struct bits_out *b, uint64_t v, unsigned n)
{
    unsigned used = (unsigned)(b->at % 64);
    b->acc |= v << used;
    b->w[b->at / 64] = b->acc;
    uint64_t spill = (v >> 1) >> (63 - used);     /* what goes on */
    b->acc = used + n >= 64 ? spill : b->acc;
    b->at += n;
}

/* The Rice parameter for ids up to `last`, n of them: about log2 of the
 * mean gap less one (minus a little: a geometric gap's best). */
static unsigned rice_k(int64_t last, uint64_t n)
{
    uint64_t mean = (uint64_t)last / n;
    uint64_t best = mean - mean / 4 - mean / 16;        /* 0.69 of it */
    unsigned k = 0;
    while (k < 62 && best >> (k + 1))
        k++;
    return k;
}

static bool ascending(const lo_value *ids, uint64_t n)
{
    for (uint64_t i = 1; i < n; i++)
        if (ids[i] <= ids[i - 1])
            return false;
    return true;
}

/* A gap whose quotient does not fit in a word with its remainder: its
 * zeros a word at a time (rare: k is chosen from the mean gap). */
static __attribute__((noinline)) void put_long_gap(struct bits_out *b,
                                                   uint64_t g, unsigned k)
{
    uint64_t q = g >> k;
    for (; q > 0; q -= q < 63 ? q : 63)
        put_bits(b, 0, q < 63 ? (unsigned)q : 63);
    put_bits(b, 1, 1);
    if (k)
        put_bits(b, g & (((uint64_t)1 << k) - 1), k);
}

/* A gap less one, g, Rice-coded with k: the unary quotient, q zeros
 * (already there) then a one, then the remainder, in one piece.  Inline
 * in the loops that code a directory: a call an id cost a third of it. */
static inline __attribute__((always_inline)) void put_gap(struct bits_out *b,
                                                          uint64_t g,
                                                          unsigned k)
{
    uint64_t q = g >> k;
    if (__builtin_expect(q + 1 + k > 64, 0)) {
        put_long_gap(b, g, k);
        return;
    }
    put_bits(b, (uint64_t)1 << q | (g & (((uint64_t)1 << k) - 1)) << q << 1,
             (unsigned)(q + 1 + k));
}

/* Scratch words for the gap code of n ids up to `last` with k: at most
 * k + 1 bits a gap plus its quotient's (the gaps sum to the last id),
 * and the word put_bits writes past the last. */
static struct bits_out gap_words(lo_lisp *L, uint64_t n, int64_t last,
                                 unsigned k)
{
    uint64_t most = n * (k + 1) + (uint64_t)last / ((uint64_t)1 << k);
    return (struct bits_out){ lo_scratch_alloc(L, (most / 64 + 3) * 8), 0, 0 };
}

/* The gaps of n ids Rice-coded with k into b.  b is a copy, handed
 * back: with its address never taken, its fields stay in registers,
 * where a store through b.w might otherwise change them for all the
 * compiler knows. */
static struct bits_out write_gaps(struct bits_out b, const lo_value *ids,
                                  uint64_t n, unsigned k)
{
    int64_t prev = 0;
    for (uint64_t i = 0; i < n; i++) {
        int64_t id = lo_fixnum_value(ids[i]);
        put_gap(&b, (uint64_t)(id - prev - 1), k);
        prev = id;
    }
    return b;
}

/* The directory's bytes of n ids Rice-coded with k in b: the header,
 * then the bits. */
static lo_value gaps_object(lo_lisp *L, uint64_t n, unsigned k,
                            struct bits_out *b)
{
    b->w[b->at / 64] = b->acc;
    uint8_t head[12], *p = head;
    *p++ = FORMAT_GAPS;
    p = put_digits(p, n);
    *p++ = (uint8_t)k;
    uint64_t size = (uint64_t)(p - head), body = (b->at + 7) / 8;
    lo_value out = lo_alloc_bytes_small(L, size + body);
    memcpy(lo_bytes_data(out), head, size);
    memcpy(lo_bytes_data(out) + size, b->w, body);     /* little-endian */
    return out;
}

/* The directory's bytes from scratch bytes buf..end. */
static lo_value bytes_object(lo_lisp *L, const uint8_t *buf, const uint8_t *end)
{
    lo_value out = lo_alloc_bytes_small(L, (uint64_t)(end - buf));
    memcpy(lo_bytes_data(out), buf, (uint64_t)(end - buf));
    return out;
}

/* The gap code for a directory of a large object's size: a fresh large
 * block's pages cost more than coding the gaps, and it needs half of
 * them or less; a small one is written faster as bytes. */
static bool gap_coded(uint64_t n)
{
    return n >= LO_HEAP_LARGE_BYTES;
}

lo_value lo_store_encode_ids(lo_lisp *L, const lo_value *ids, uint64_t n)
{
    if (n == 0)
        return lo_alloc_bytes(L, 0);
    uint64_t mark = lo_scratch_mark(L);
    lo_value out;
    if (gap_coded(n) && ascending(ids, n)) {
        int64_t last = lo_fixnum_value(ids[n - 1]);
        unsigned k = rice_k(last, n);
        struct bits_out b = write_gaps(gap_words(L, n, last, k), ids, n, k);
        out = gaps_object(L, n, k, &b);
    } else {
        uint8_t *buf = lo_scratch_alloc(L, n * 10 + 1), *p = buf;
        *p++ = FORMAT_ZIGZAG;
        int64_t prev = 0;
        for (uint64_t i = 0; i < n; i++) {
            int64_t id = lo_fixnum_value(ids[i]);
            p = put_digits(p, zigzag(id - prev));
            prev = id;
        }
        out = bytes_object(L, buf, p);
    }
    lo_scratch_release(L, mark);
    return out;
}

/* ---- writing from bits -------------------------------------------------------- */

/* The ids of a set of bits, one after another from its first. */
struct bit_cursor {
    const uint64_t *w;
    uint64_t at, x;             /* word `at` with its ids read cleared */
};

/* The cursor at the (skip + 1)-th id of bits w[0..words). */
static struct bit_cursor cursor_after(const uint64_t *w, uint64_t words,
                                      uint64_t skip)
{
    struct bit_cursor c = { w, 0, 0 };
    for (; c.at < words; c.at++) {
        uint64_t in = lo_bits_set(w[c.at]);
        if (skip < in)
            break;
        skip -= in;
    }
    if (c.at < words) {
        c.x = w[c.at];
        for (; skip > 0; skip--)
            c.x &= c.x - 1;
    }
    return c;
}

/* The id n - 1 places on from cursor c (the last of n). */
static int64_t nth_id(struct bit_cursor c, uint64_t n)
{
    for (uint64_t in; (in = lo_bits_set(c.x)) < n; n -= in)
        c.x = c.w[++c.at];
    for (; n > 1; n--)
        c.x &= c.x - 1;
    return (int64_t)(c.at * 64 + (uint64_t)__builtin_ctzll(c.x));
}

/* The directory's bytes of the ids of bits words from id first to id
 * last, n of them, as the bits themselves: the bytes holding them, the
 * bits outside [first, last] cleared. */
static lo_value bits_object(lo_lisp *L, const uint64_t *words, uint64_t first,
                            uint64_t last, uint64_t n)
{
    uint64_t base = first / 8, body = last / 8 - base + 1;
    uint8_t head[24], *p = head;
    *p++ = FORMAT_BITS;
    p = put_digits(p, n);
    p = put_digits(p, base);
    uint64_t size = (uint64_t)(p - head);
    lo_value out = lo_alloc_bytes_small(L, size + body);
    uint8_t *bits = lo_bytes_data(out) + size;
    memcpy(lo_bytes_data(out), head, size);
    memcpy(bits, (const uint8_t *)words + base, body);  /* little-endian */
    bits[0] &= (uint8_t)(0xff << (first % 8));
    bits[body - 1] &= (uint8_t)(0xff >> (7 - last % 8));
    return out;
}

/* The gaps of the n ids from cursor c Rice-coded with k into b, as
 * write_gaps codes them from an array of ids (the bits read in place: no
 * array of ids is made first). */
static struct bits_out write_gaps_of_bits(struct bits_out b,
                                          struct bit_cursor c, uint64_t n,
                                          unsigned k)
{
    uint64_t prev = 0, x = c.x, at = c.at;
    for (uint64_t i = 0; i < n; i++) {
        while (!x)
            x = c.w[++at];
        uint64_t id = at * 64 + (uint64_t)__builtin_ctzll(x);
        x &= x - 1;
        put_gap(&b, id - prev - 1, k);
        prev = id;
    }
    return b;
}

lo_value lo_store_encode_bits(lo_lisp *L, const uint64_t *words,
                              uint64_t nwords, uint64_t skip, uint64_t n)
{
    if (n == 0)
        return lo_alloc_bytes(L, 0);
    struct bit_cursor c = cursor_after(words, nwords, skip);
    uint64_t first = c.at * 64 + (uint64_t)__builtin_ctzll(c.x);
    uint64_t last = (uint64_t)nth_id(c, n);
    if (last - first < LO_STORE_BITS_GAP * n)
        return bits_object(L, words, first, last, n);
    /* too sparse for bits: as the gap code of ids, or (few ids) as ids,
     * read from the words holding them (with the ids of the first word
     * before the first, and of the last after the last) */
    if (gap_coded(n)) {
        unsigned k = rice_k((int64_t)last, n);
        uint64_t mark = lo_scratch_mark(L);
        struct bits_out b = write_gaps_of_bits(
            gap_words(L, n, (int64_t)last, k), c, n, k);
        lo_value out = gaps_object(L, n, k, &b);
        lo_scratch_release(L, mark);
        return out;
    }
    uint64_t before = lo_bits_set(words[c.at] & ~c.x);
    uint64_t after = lo_bits_set(words[last / 64] >> (last % 64) >> 1);
    uint64_t mark = lo_scratch_mark(L);
    lo_value *ids = lo_scratch_alloc(L, (before + n + after) * 8);
    lo_bitmap_ids(words, c.at, last / 64 + 1, ids, before + n + after);
    lo_value out = lo_store_encode_ids(L, ids + before, n);
    lo_scratch_release(L, mark);
    return out;
}

/* ---- reading --------------------------------------------------------------------- */

_Noreturn static void malformed(lo_lisp *L)
{
    lo_store_error(L, "a directory's ids are malformed");
}

/* A base-128 number at b[*i] (of len bytes). */
static uint64_t get_digits(lo_lisp *L, const uint8_t *b, uint64_t len,
                           uint64_t *i)
{
    uint64_t u = 0;
    for (unsigned shift = 0;; shift += 7) {
        if (*i >= len || shift >= 64)
            malformed(L);
        uint8_t byte = b[(*i)++];
        u |= (uint64_t)(byte & 0x7f) << shift;
        if (!(byte & 0x80))
            return u;
    }
}

static lo_value checked_id(lo_lisp *L, int64_t id)
{
    if (id < 1 || id > LO_FIXNUM_MAX)
        malformed(L);
    return lo_fixnum(id);
}

/* Bits read from the low end of each byte. */
struct bits_in {
    const uint8_t *b;
    uint64_t len, at;           /* in bits */
};

static uint64_t get_bits(lo_lisp *L, struct bits_in *in, unsigned n)
{
    if (n == 0)
        return 0;
    if (in->at + n > in->len)
        malformed(L);
    uint64_t v = 0;
    for (unsigned got = 0; got < n;) {
        uint64_t byte = in->b[in->at / 8];
        unsigned from = (unsigned)(in->at % 8), take = 8 - from;
        if (take > n - got)
            take = n - got;
        v |= ((byte >> from) & ((1u << take) - 1)) << got;
        got += take;
        in->at += take;
    }
    return v;
}

/* A unary number: the 0 bits before the next 1. */
static uint64_t get_unary(lo_lisp *L, struct bits_in *in)
{
    uint64_t q = 0;
    for (;;) {
        if (in->at >= in->len)
            malformed(L);
        unsigned from = (unsigned)(in->at % 8);
        unsigned byte = in->b[in->at / 8] >> from;
        if (byte) {
            unsigned z = (unsigned)__builtin_ctz(byte);
            in->at += z + 1;
            if (in->at > in->len)
                malformed(L);
            return q + z;
        }
        q += 8 - from;
        in->at += 8 - from;
    }
}

static lo_value read_gaps(lo_lisp *L, lo_value bytes)
{
    uint64_t len = (uint64_t)lo_fixnum_value(lo_ptr(bytes)[1]), i = 1;
    uint64_t n = get_digits(L, lo_bytes_data(bytes), len, &i);
    if (i >= len || n > len * 8)        /* a gap takes a bit at least */
        malformed(L);
    unsigned k = lo_bytes_data(bytes)[i++];
    if (k > 62)
        malformed(L);
    lo_value out = lo_make_vector(L, n, lo_fixnum(0));
    /* the bytes again: making the vector may have moved them */
    struct bits_in in = { lo_bytes_data(bytes) + i, (len - i) * 8, 0 };
    int64_t id = 0;
    for (uint64_t j = 0; j < n; j++) {
        uint64_t q = get_unary(L, &in);
        uint64_t g = q << k | get_bits(L, &in, k);
        if (q >> (62 - k) || g >= (uint64_t)LO_FIXNUM_MAX - (uint64_t)id)
            malformed(L);
        id += (int64_t)g + 1;
        *lo_svref(out, j) = checked_id(L, id);
    }
    if (in.len - in.at >= 8)    /* more than the last byte's padding */
        malformed(L);
    return out;
}

static lo_value read_bits(lo_lisp *L, lo_value bytes)
{
    uint64_t len = (uint64_t)lo_fixnum_value(lo_ptr(bytes)[1]), i = 1;
    uint64_t n = get_digits(L, lo_bytes_data(bytes), len, &i);
    uint64_t base = get_digits(L, lo_bytes_data(bytes), len, &i);
    if (base > (uint64_t)LO_FIXNUM_MAX / 8 - len)
        malformed(L);
    uint64_t set = 0;
    for (uint64_t j = i; j < len; j++)
        set += lo_bits_set(lo_bytes_data(bytes)[j]);
    if (set != n)
        malformed(L);
    lo_value out = lo_make_vector(L, n, lo_fixnum(0));
    const uint8_t *b = lo_bytes_data(bytes);   /* it may have moved */
    uint64_t k = 0;
    for (uint64_t j = i; j < len; j++)
        for (unsigned x = b[j]; x; x &= x - 1)
            *lo_svref(out, k++) = checked_id(
                L, (int64_t)((base + j - i) * 8 + (unsigned)__builtin_ctz(x)));
    return out;
}

static lo_value read_zigzag(lo_lisp *L, lo_value bytes)
{
    uint64_t len = (uint64_t)lo_fixnum_value(lo_ptr(bytes)[1]), n = 0;
    const uint8_t *b = lo_bytes_data(bytes);
    for (uint64_t i = 1; i < len; i++)
        n += !(b[i] & 0x80);
    lo_value out = lo_make_vector(L, n, lo_fixnum(0));
    b = lo_bytes_data(bytes);
    int64_t id = 0;
    uint64_t i = 1;
    for (uint64_t k = 0; k < n; k++) {
        uint64_t u = get_digits(L, b, len, &i);
        id += (int64_t)((u >> 1) ^ -(u & 1));
        *lo_svref(out, k) = checked_id(L, id);
    }
    if (i != len)               /* a number cut short at the end */
        malformed(L);
    return out;
}

LO_PRIMITIVE(p_store_directory_ids, "%STORE-DIRECTORY-IDS", INTERNAL, ANY, 1, 1,
             "(bytes)",
             "A simple-vector of the ids a directory's BYTES encode (%STORE-"
             "QUERY's second value).")
{
    if (!lo_typep(args[0], LO_T_BYTES))
        lo_arg_error(L, args[0], "(VECTOR (UNSIGNED-BYTE 8))");
    if (!(lo_access_bits(args[0]) & LO_ACCESS_READ))
        lo_store_error(L, "a directory's ids the caller may not read");
    uint64_t len = (uint64_t)lo_fixnum_value(lo_ptr(args[0])[1]);
    if (len == 0)
        return lo_make_vector(L, 0, lo_fixnum(0));
    switch (lo_bytes_data(args[0])[0]) {
    case FORMAT_GAPS: return read_gaps(L, args[0]);
    case FORMAT_ZIGZAG: return read_zigzag(L, args[0]);
    case FORMAT_BITS: return read_bits(L, args[0]);
    default: malformed(L);
    }
}

const struct lo_primitive *const lo_store_directory_primitives[] = {
    LO_ROW(p_store_directory_ids),
    NULL,
};
