/*
 * value.c -- the store's equality and order over attribute values
 * (docs/store-design.md section 4), and copying what the store hands out.
 *
 * Equality is EQUAL.  Order is defined within a type only: reals by <,
 * strings by STRING< (code point by code point); a value of another type
 * than an operand is simply not comparable with it, so a range never
 * matches it.  Dates and durations join both when they exist.
 */
#include <string.h>

#include "lisp/numbers.h"
#include "lisp/sequences.h"
#include "store/filter.h"
#include "store/store.h"

bool lo_store_equal(lo_lisp *L, lo_value a, lo_value b)
{
    return lo_equal(L, a, b);
}

bool lo_store_orderable(lo_lisp *L, lo_value v)
{
    (void)L;
    return lo_numberp(v) || lo_typep(v, LO_T_STRING);
}

/* STRING< order of two strings: -1, 0 or 1. */
static int compare_strings(lo_value a, lo_value b)
{
    uint64_t la = lo_string_length(a), lb = lo_string_length(b);
    for (uint64_t i = 0; i < la && i < lb; i++) {
        uint32_t ca = lo_string_ref(a, i), cb = lo_string_ref(b, i);
        if (ca != cb)
            return ca < cb ? -1 : 1;
    }
    return la == lb ? 0 : la < lb ? -1 : 1;
}

int lo_store_compare(lo_lisp *L, lo_value a, lo_value b)
{
    if (lo_numberp(a) && lo_numberp(b)) {
        int c = lo_num_compare(L, a, b, "STORE-QUERY");
        return c == LO_UNORDERED ? LO_STORE_UNORDERED : c;
    }
    if (lo_typep(a, LO_T_STRING) && lo_typep(b, LO_T_STRING)) {
        /* reading a string needs its read bit: a value the caller cannot
         * read compares with nothing */
        if (!(lo_access_bits(a) & LO_ACCESS_READ) ||
            !(lo_access_bits(b) & LO_ACCESS_READ))
            return LO_STORE_UNORDERED;
        return compare_strings(a, b);
    }
    return LO_STORE_UNORDERED;
}

/* Simple case folding: ASCII and Latin-1 letters. */
static uint32_t fold(uint32_t c)
{
    if ((c >= 'A' && c <= 'Z') || (c >= 0xC0 && c <= 0xDE && c != 0xD7))
        return c + 32;
    return c;
}

bool lo_store_contains(lo_value haystack, lo_value needle)
{
    if (!lo_typep(haystack, LO_T_STRING) || !lo_typep(needle, LO_T_STRING) ||
        !(lo_access_bits(haystack) & LO_ACCESS_READ))
        return false;
    uint64_t h = lo_string_length(haystack), n = lo_string_length(needle);
    if (n > h)
        return false;
    for (uint64_t i = 0; i + n <= h; i++) {
        uint64_t j = 0;
        while (j < n && fold(lo_string_ref(haystack, i + j)) ==
                            fold(lo_string_ref(needle, j)))
            j++;
        if (j == n)
            return true;
    }
    return false;
}

lo_value lo_store_copy_tree(lo_lisp *L, lo_value x, int depth)
{
    if (!lo_consp(x) || depth > 1000)
        return x;
    lo_value head = L->nil, *tail = &head;
    for (; lo_consp(x); x = lo_cdr_raw(x)) {
        *tail = lo_cons(L, lo_store_copy_tree(L, lo_car_raw(x), depth + 1),
                        L->nil);
        tail = &lo_ptr(*tail)[2];
    }
    *tail = x;
    return head;
}

/* ---- dates (store/boot/72-dates.lisp) -------------------------------------- */

bool lo_store_datep(lo_lisp *L, lo_value v)
{
    (void)L;
    (void)v;
    return false;               /* dates come with 72-dates.lisp */
}

bool lo_store_date_relation(lo_lisp *L, int op, lo_value v, lo_value d)
{
    (void)L, (void)op, (void)v, (void)d;
    return false;
}

lo_value lo_store_make_date(lo_lisp *L, int64_t start, int64_t end)
{
    (void)L, (void)start, (void)end;
    return LO_UNBOUND;          /* dates come with 72-dates.lisp */
}

bool lo_store_durationp(lo_lisp *L, lo_value v)
{
    (void)L;
    (void)v;
    return false;               /* durations come with 72-dates.lisp */
}

int lo_store_date_order(lo_lisp *L, lo_value a, lo_value b)
{
    (void)L, (void)a, (void)b;
    return 0;
}

lo_value lo_store_index_key(lo_lisp *L, lo_value v)
{
    (void)L;
    return v;
}

/* ---- content ------------------------------------------------------------------ */

/* Whether the code points of text occur in a string object. */
static bool string_has(lo_value s, const uint32_t *text, uint64_t n)
{
    uint64_t len = lo_string_length(s);
    const uint32_t *chars = lo_string_chars(s);
    for (uint64_t i = 0; n <= len && i <= len - n; i++)
        if (memcmp(chars + i, text, n * sizeof *text) == 0)
            return true;
    return false;
}

/* Whether the UTF-8 encoding of text occurs in a byte vector. */
static bool bytes_have(lo_value b, lo_value text)
{
    uint64_t n = lo_string_length(text);
    unsigned char *needle = lo_mem_alloc(4 * n + 1);
    if (!needle)
        return false;
    lo_string_utf8(text, (char *)needle, 4 * n + 1);
    size_t k = strlen((char *)needle);
    uint64_t len = (uint64_t)lo_fixnum_value(lo_ptr(b)[1]);
    const unsigned char *data = lo_bytes_data(b);
    bool found = false;
    for (uint64_t i = 0; !found && k <= len && i <= len - k; i++)
        found = memcmp(data + i, needle, k) == 0;
    lo_mem_free(needle);
    return found;
}

bool lo_store_content_contains(lo_value object, lo_value text)
{
    if (!(lo_access_bits(object) & LO_ACCESS_READ))
        return false;
    if (lo_typep(object, LO_T_STRING))
        return string_has(object, lo_string_chars(text),
                          lo_string_length(text));
    if (lo_typep(object, LO_T_BYTES))
        return bytes_have(object, text);
    return false;
}

/* ---- what the store keeps ------------------------------------------------------ */

/* A private copy of a string (read bit needed: the store reads it). */
static lo_value copy_string(lo_lisp *L, lo_value s)
{
    if (!(lo_access_bits(s) & LO_ACCESS_READ))
        lo_store_error(L, "an attribute's value is a string the caller may "
                       "not read");
    uint64_t n = lo_string_length(s);
    lo_value copy = lo_alloc_string(L, n);
    memcpy(lo_string_chars(copy), lo_string_chars(s), n * sizeof(uint32_t));
    return copy;
}

static lo_value copy_value(lo_lisp *L, lo_value v, int depth)
{
    if (lo_typep(v, LO_T_STRING))
        return copy_string(L, v);
    if (!lo_consp(v))
        return v;
    if (depth > 100)
        lo_store_error(L, "an attribute's value is a list nested deeper "
                       "than 100");
    lo_value head = L->nil, *tail = &head;
    int64_t n = 0;
    for (; lo_consp(v); v = lo_cdr_raw(v)) {
        if (++n > 100000)
            lo_store_error(L, "an attribute's value is a list longer than "
                           "100000 (or circular)");
        *tail = lo_cons(L, copy_value(L, lo_car_raw(v), depth + 1), L->nil);
        tail = &lo_ptr(*tail)[2];
    }
    *tail = copy_value(L, v, depth + 1);
    return head;
}

lo_value lo_store_attribute_value(lo_lisp *L, lo_value store,
                                  const struct lo_store_caller *c,
                                  lo_value key, lo_value v)
{
    lo_store_check_set_value(L, store, c, key, v);
    return copy_value(L, v, 0);
}

/* ---- what the store hands out ----------------------------------------------------- */

/* A reference granting no more than bits, and never the write bit: an
 * attribute's value changes only through the store, which keeps its
 * indexes exact. */
static lo_value restricted(lo_value v, unsigned bits)
{
    unsigned keep = bits & ~(unsigned)LO_ACCESS_WRITE;
    return v & ~((lo_value)(~keep & LO_ACCESS_ALL) << LO_ACCESS_SHIFT);
}

lo_value lo_store_value_out(lo_lisp *L, lo_value v, unsigned bits, int depth)
{
    if (lo_carries_access(v))
        return restricted(v, bits);
    if (!lo_consp(v) || depth > 100)
        return v;
    lo_value head = L->nil, *tail = &head;
    for (; lo_consp(v); v = lo_cdr_raw(v)) {
        *tail = lo_cons(L, lo_store_value_out(L, lo_car_raw(v), bits,
                                              depth + 1), L->nil);
        tail = &lo_ptr(*tail)[2];
    }
    *tail = lo_store_value_out(L, v, bits, depth + 1);
    return head;
}
