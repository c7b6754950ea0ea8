/*
 * directory.c -- a directory's ids (docs/store-design.md section 5): a
 * query's answer is kept compact, since a directory may hold a good part
 * of the store and every byte a query allocates brings the next
 * collection nearer.  Each id is written as its difference from the one
 * before (zigzag, so a descending order costs as little), in base-128
 * digits, low first, the high bit of each byte saying another follows:
 * ids in ascending order a few apart take a byte each.  The directory
 * itself is Lisp (store/boot/70-store.lisp).
 */
#include <string.h>

#include "lisp/scratch.h"
#include "lisp/sequences.h"
#include "store/store.h"

static uint64_t zigzag(int64_t d)
{
    return ((uint64_t)d << 1) ^ (uint64_t)(d >> 63);
}

lo_value lo_store_encode_ids(lo_lisp *L, const lo_value *ids, uint64_t n)
{
    /* encoded once into scratch memory (ten bytes an id at most), then
     * copied into a byte vector of the size it took */
    uint64_t mark = lo_scratch_mark(L);
    uint8_t *buf = lo_scratch_alloc(L, n * 10 + 1), *p = buf;
    int64_t prev = 0;
    for (uint64_t i = 0; i < n; i++) {
        int64_t id = lo_fixnum_value(ids[i]);
        uint64_t u = zigzag(id - prev);
        prev = id;
        if (u < 0x80) {                 /* ascending, near: most of them */
            *p++ = (uint8_t)u;
            continue;
        }
        for (; u >= 0x80; u >>= 7)
            *p++ = (uint8_t)(u | 0x80);
        *p++ = (uint8_t)u;
    }
    uint64_t size = (uint64_t)(p - buf);
    lo_value out = lo_alloc_bytes_to_fill(L, size);
    memcpy(lo_bytes_data(out), buf, size);
    lo_scratch_release(L, mark);
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
    uint64_t len = (uint64_t)lo_fixnum_value(lo_ptr(args[0])[1]), n = 0;
    const uint8_t *b = lo_bytes_data(args[0]);
    for (uint64_t i = 0; i < len; i++)
        n += !(b[i] & 0x80);
    lo_value out = lo_make_vector(L, n, lo_fixnum(0));
    int64_t id = 0;
    uint64_t k = 0;
    for (uint64_t i = 0; i < len && k < n;) {
        uint64_t u = 0;
        for (unsigned shift = 0; i < len; shift += 7) {
            uint8_t byte = b[i++];
            if (shift < 64)
                u |= (uint64_t)(byte & 0x7f) << shift;
            if (!(byte & 0x80))
                break;
        }
        id += (int64_t)((u >> 1) ^ -(u & 1));
        if (id < 1 || id > LO_FIXNUM_MAX)
            lo_store_error(L, "a directory's ids are malformed");
        *lo_svref(out, k++) = lo_fixnum(id);
    }
    return out;
}

const struct lo_primitive *const lo_store_directory_primitives[] = {
    LO_ROW(p_store_directory_ids),
    NULL,
};
