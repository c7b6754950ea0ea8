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
#include "store/store.h"

enum { FORMAT_GAPS = 1, FORMAT_ZIGZAG = 2 };

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

/* The gaps less one, Rice-coded with k, into scratch words; the bits
 * written. */
static uint64_t write_gaps(uint64_t *words, const lo_value *ids, uint64_t n,
                           unsigned k)
{
    struct bits_out b = { words, 0, 0 };
    int64_t prev = 0;
    uint64_t low = ((uint64_t)1 << k) - 1;
    for (uint64_t i = 0; i < n; i++) {
        int64_t id = lo_fixnum_value(ids[i]);
        uint64_t g = (uint64_t)(id - prev - 1);
        prev = id;
        uint64_t q = g >> k;
        /* the unary quotient: q zeros (already there), then a one, then
         * the remainder -- in one piece when it fits in a word */
        if (q + 1 + k <= 64) {
            put_bits(&b, (uint64_t)1 << q | (g & low) << q << 1,
                     (unsigned)(q + 1 + k));
            continue;
        }
        for (; q > 0; q -= q < 63 ? q : 63)
            put_bits(&b, 0, q < 63 ? (unsigned)q : 63);
        put_bits(&b, 1, 1);
        if (k)
            put_bits(&b, g & low, k);
    }
    b.w[b.at / 64] = b.acc;
    return b.at;
}

lo_value lo_store_encode_ids(lo_lisp *L, const lo_value *ids, uint64_t n)
{
    if (n == 0)
        return lo_alloc_bytes(L, 0);
    uint64_t mark = lo_scratch_mark(L);
    uint8_t *buf, *p;
    uint64_t size;
    /* the gap code for a directory of a large object's size: a fresh
     * large block's pages cost more than coding the gaps, and it needs
     * half of them or less; a small one is written faster as bytes */
    if (n >= LO_HEAP_LARGE_BYTES && ascending(ids, n)) {
        unsigned k = rice_k(lo_fixnum_value(ids[n - 1]), n);
        /* at most k + 1 bits a gap plus its quotient's: the gaps sum to
         * the last id */
        uint64_t most = n * (k + 1) +
                        (uint64_t)lo_fixnum_value(ids[n - 1]) / ((uint64_t)1 << k);
        uint64_t words = most / 64 + 3;   /* and the word put_bits
                                              writes past the last */
        uint64_t *bits = lo_scratch_alloc(L, words * 8);
        uint64_t nbits = write_gaps(bits, ids, n, k);
        buf = lo_scratch_alloc(L, 12);
        p = buf;
        *p++ = FORMAT_GAPS;
        p = put_digits(p, n);
        *p++ = (uint8_t)k;
        uint64_t head = (uint64_t)(p - buf), body = (nbits + 7) / 8;
        size = head + body;
        lo_value out = lo_alloc_bytes_to_fill(L, size);
        memcpy(lo_bytes_data(out), buf, head);
        memcpy(lo_bytes_data(out) + head, bits, body);    /* little-endian */
        lo_scratch_release(L, mark);
        return out;
    }
    buf = lo_scratch_alloc(L, n * 10 + 1);
    p = buf;
    *p++ = FORMAT_ZIGZAG;
    int64_t prev = 0;
    for (uint64_t i = 0; i < n; i++) {
        int64_t id = lo_fixnum_value(ids[i]);
        p = put_digits(p, zigzag(id - prev));
        prev = id;
    }
    size = (uint64_t)(p - buf);
    lo_value out = lo_alloc_bytes_to_fill(L, size);
    memcpy(lo_bytes_data(out), buf, size);
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
    default: malformed(L);
    }
}

const struct lo_primitive *const lo_store_directory_primitives[] = {
    LO_ROW(p_store_directory_ids),
    NULL,
};
