/*
 * value.c -- the store's equality and order over attribute values
 * (docs/store-design.md section 4), and copying what the store hands out.
 *
 * Equality is EQUAL, except that two dates of the same span are equal
 * (whatever their precision) and two durations of the same length.
 * Order is defined within a type only: reals by <, strings by STRING<
 * (code point by code point), durations by length; a value of another
 * type than an operand is simply not comparable with it, so a range never
 * matches it.  Dates are not ordered by <: OVERLAPS, WITHIN, BEFORE and
 * AFTER relate their spans (lo_store_date_relation), and ORDER-BY sorts
 * them by start, then end (lo_store_date_compare).
 */
#include <string.h>

#include "lisp/environment.h"
#include "lisp/numbers.h"
#include "lisp/sequences.h"
#include "store/filter.h"
#include "store/index.h"
#include "store/store.h"

/* ---- dates and durations (store/boot/72-dates.lisp) ------------------------- */

/* Their slots, by position (a layout fact: docs/store-design.md 4). */
enum { DATE_START, DATE_END, DATE_PRECISION, DATE_SLOTS };
enum { DURATION_SECONDS, DURATION_SLOTS };

static bool symbol_named(lo_value sym, const char *name)
{
    lo_value s = lo_symbol_name(sym);
    uint64_t n = strlen(name);
    if (lo_string_length(s) != n)
        return false;
    const uint32_t *chars = lo_string_chars(s);
    for (uint64_t i = 0; i < n; i++)
        if (chars[i] != (unsigned char)name[i])
            return false;
    return true;
}

/*
 * The slot vector of v when v is an instance of the system's structure
 * class `name` that the caller may read, else 0.  The class is found
 * from v's wrapper, #(class slot-names) (50-clos.lisp), and must be the
 * very class the system environment binds to the class's name, or a
 * frozen one of that name (the system's, which only the system makes): a
 * user's look-alike (a class of their own named DATE, or renamed so) is
 * not it, and a user cannot rebind a system name.  Slots are checked by
 * the callers: a structure some code made by hand (%MAKE-DATE) may hold
 * anything.
 */
static lo_value system_instance_slots(lo_lisp *L, lo_value v,
                                      const char *name, uint64_t nslots)
{
    if (!lo_typep(v, LO_T_INSTANCE) || !(lo_access_bits(v) & LO_ACCESS_READ))
        return 0;
    lo_value w = __atomic_load_n(&lo_ptr(v)[INSTANCE_WRAPPER],
                                 __ATOMIC_ACQUIRE);
    if (!lo_typep(w, LO_T_VECTOR) || lo_svlength(w) < 1)
        return 0;
    lo_value class = *lo_svref(w, 0);
    if (!lo_typep(class, LO_T_INSTANCE))
        return 0;
    lo_value class_slots = lo_ptr(class)[INSTANCE_SLOTS];
    if (!lo_typep(class_slots, LO_T_VECTOR) || lo_svlength(class_slots) < 1)
        return 0;
    lo_value sym = *lo_svref(class_slots, 0);           /* its name */
    if (!lo_symbolp(sym) || !symbol_named(sym, name))
        return 0;
    /* a class of the system's (frozen: no user made or changed it) that
     * bears the name is the one; else ask the system environment (a
     * class not yet frozen, during the boot) */
    if (!lo_frozen_p(class)) {
        lo_value cell = lo_env_cell(L, lo_system_env(L), ENV_CLASSES, sym,
                                    false);
        if (lo_null(L, cell) || !lo_eq(lo_cell_get(cell), class))
            return 0;
    }
    lo_value slots = __atomic_load_n(&lo_ptr(v)[INSTANCE_SLOTS],
                                     __ATOMIC_ACQUIRE);
    if (!lo_typep(slots, LO_T_VECTOR) || lo_svlength(slots) < nslots)
        return 0;
    return slots;
}

/* A date's start and end (integers), or false when v is no date. */
static bool date_span(lo_lisp *L, lo_value v, lo_value *start, lo_value *end)
{
    lo_value slots = system_instance_slots(L, v, "DATE", DATE_SLOTS);
    if (!slots)
        return false;
    *start = *lo_svref(slots, DATE_START);
    *end = *lo_svref(slots, DATE_END);
    return lo_integerp(*start) && lo_integerp(*end);
}

bool lo_store_date_span(lo_lisp *L, lo_value v, lo_value *start,
                        lo_value *end)
{
    return date_span(L, v, start, end);
}

/* A duration's length (a real), or false when v is no duration. */
static bool duration_length(lo_lisp *L, lo_value v, lo_value *seconds)
{
    lo_value slots = system_instance_slots(L, v, "DURATION", DURATION_SLOTS);
    if (!slots)
        return false;
    *seconds = *lo_svref(slots, DURATION_SECONDS);
    return lo_rationalp(*seconds);
}

bool lo_store_duration_length(lo_lisp *L, lo_value v, lo_value *seconds)
{
    return duration_length(L, v, seconds);
}

int lo_store_temporal(lo_lisp *L, lo_value v, lo_value *a, lo_value *b)
{
    if (!lo_typep(v, LO_T_INSTANCE))
        return 0;
    if (date_span(L, v, a, b))
        return 3;
    return duration_length(L, v, a) ? 2 : 0;
}

bool lo_store_datep(lo_lisp *L, lo_value v)
{
    lo_value start, end;
    return date_span(L, v, &start, &end);
}

bool lo_store_durationp(lo_lisp *L, lo_value v)
{
    lo_value seconds;
    return duration_length(L, v, &seconds);
}

/* Two dates by start, then end: -1, 0 or 1 (0 too when either is not a
 * date). */
int lo_store_date_compare(lo_lisp *L, lo_value a, lo_value b)
{
    lo_value as, ae, bs, be;
    if (!date_span(L, a, &as, &ae) || !date_span(L, b, &bs, &be))
        return 0;
    int c = lo_int_compare(as, bs);
    return c != 0 ? c : lo_int_compare(ae, be);
}

/* Store equality of two values of which one at least is a date or a
 * duration: the same span, the same length. */
static bool temporal_equal(lo_lisp *L, lo_value a, lo_value b, bool *decided)
{
    lo_value as, ae, bs, be;
    *decided = true;
    if (date_span(L, a, &as, &ae))
        return date_span(L, b, &bs, &be) && lo_int_compare(as, bs) == 0 &&
               lo_int_compare(ae, be) == 0;
    if (duration_length(L, a, &as))
        return duration_length(L, b, &bs) &&
               lo_num_compare(L, as, bs, "STORE-QUERY") == 0;
    *decided = false;
    return false;
}

bool lo_store_date_relation(lo_lisp *L, int op, lo_value v, lo_value d)
{
    lo_value vs, ve, ds, de;
    if (!date_span(L, v, &vs, &ve) || !date_span(L, d, &ds, &de))
        return false;
    switch (op) {
    case LO_F_OVERLAPS:         /* the spans share a second */
        return lo_int_compare(vs, de) < 0 && lo_int_compare(ds, ve) < 0;
    case LO_F_WITHIN:           /* v's span lies inside d's */
        return lo_int_compare(vs, ds) >= 0 && lo_int_compare(ve, de) <= 0;
    case LO_F_BEFORE:           /* v is over when d begins */
        return lo_int_compare(ve, ds) <= 0;
    case LO_F_AFTER:            /* v begins when d is over, or later */
        return lo_int_compare(vs, de) >= 0;
    default:
        return false;
    }
}

/* ---- equality and order ------------------------------------------------------ */

bool lo_store_equal(lo_lisp *L, lo_value a, lo_value b)
{
    if (lo_typep(a, LO_T_INSTANCE)) {       /* a date or a duration? */
        bool decided;
        bool equal = temporal_equal(L, a, b, &decided);
        if (decided)
            return equal;
    }
    return lo_equal(L, a, b);
}

bool lo_store_orderable(lo_lisp *L, lo_value v)
{
    return lo_numberp(v) || lo_typep(v, LO_T_STRING) ||
           lo_store_durationp(L, v);
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
    lo_value sa, sb;                /* durations, by length */
    if (duration_length(L, a, &sa) && duration_length(L, b, &sb))
        return lo_num_compare(L, sa, sb, "STORE-QUERY");
    return LO_STORE_UNORDERED;
}

/* Simple case folding: ASCII and Latin-1 letters. */
static inline uint32_t fold(uint32_t c)
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
    uint64_t hn = lo_string_length(haystack), nn = lo_string_length(needle);
    if (nn > hn)
        return false;
    if (nn == 0)
        return true;
    const uint32_t *h = lo_string_chars(haystack);
    const uint32_t *n = lo_string_chars(needle);
    /* the needle's first letter in both cases, so most places are passed
     * over with two comparisons */
    uint32_t first = fold(n[0]);
    uint32_t other = first >= 32 && fold(first - 32) == first ? first - 32
                                                               : first;
    for (uint64_t i = 0; i + nn <= hn; i++) {
        if (h[i] != first && h[i] != other)
            continue;
        uint64_t j = 1;
        while (j < nn && fold(h[i + j]) == fold(n[j]))
            j++;
        if (j == nn)
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

/* ---- dates for C: made, ordered, hashed ------------------------------------------ */

lo_value lo_store_make_date(lo_lisp *L, int64_t start, int64_t end)
{
    lo_value maker = lo_function_cell(L, lo_intern(L, "%MAKE-DATE"), false);
    if (lo_null(L, maker) || lo_cell_get(maker) == LO_UNBOUND)
        return LO_UNBOUND;
    /* the callers hold values in C variables: no collection meanwhile */
    lo_gc_inhibit(L);
    lo_value args[3] = { lo_make_integer(L, start), lo_make_integer(L, end),
                         lo_intern_keyword(L, "SECOND") };
    lo_value date = lo_vm_apply(L, lo_cell_get(maker), args, 3);
    lo_gc_allow(L);
    return date;
}

lo_value lo_store_index_key(lo_lisp *L, lo_value v)
{
    lo_value start, end, seconds;
    if (date_span(L, v, &start, &end))
        return lo_cons(L, lo_intern_keyword(L, "DATE"),
                       lo_cons(L, start, end));
    if (duration_length(L, v, &seconds))
        return lo_cons(L, lo_intern_keyword(L, "DURATION"), seconds);
    return v;
}

/* ---- content ------------------------------------------------------------------ */

/* Whether the code points of text occur in a string object. */
static bool string_has(lo_value s, const uint32_t *text, uint64_t n)
{
    uint64_t len = lo_string_length(s);
    const uint32_t *chars = lo_string_chars(s);
    if (n == 0)
        return true;
    for (uint64_t i = 0; n <= len && i <= len - n; i++)
        if (chars[i] == text[0] &&
            memcmp(chars + i + 1, text + 1, (n - 1) * sizeof *text) == 0)
            return true;
    return false;
}

/* Whether the UTF-8 encoding of text occurs in a byte vector. */
static bool bytes_have(lo_value b, lo_value text)
{
    uint64_t n = lo_string_length(text);
    /* the text's UTF-8, on the stack when short (a search per entry) */
    unsigned char small[256], *needle = small;
    if (4 * n + 1 > sizeof small && !(needle = lo_mem_alloc(4 * n + 1)))
        return false;
    size_t k = 0;
    for (uint64_t i = 0; i < n; i++)
        k += lo_utf8_encode(lo_string_chars(text)[i], (char *)needle + k);
    uint64_t len = (uint64_t)lo_fixnum_value(lo_ptr(b)[1]);
    const unsigned char *data = lo_bytes_data(b);
    bool found = k == 0;
    for (uint64_t i = 0; !found && k <= len && i <= len - k; i++)
        found = data[i] == needle[0] && memcmp(data + i, needle, k) == 0;
    if (needle != small)
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

/* A private copy of a date or duration: the same class layout, its own
 * slot vector, since (setf slot-value) could change the caller's. */
static lo_value copy_instance(lo_lisp *L, lo_value v)
{
    lo_value slots = lo_ptr(v)[INSTANCE_SLOTS];
    uint64_t n = lo_svlength(slots);
    lo_value copy = lo_make_vector(L, n, L->nil);
    memcpy(lo_svref(copy, 0), lo_svref(slots, 0), n * 8);
    uint64_t *p = lo_alloc_object(L, LO_T_INSTANCE, INSTANCE_WORDS);
    p[INSTANCE_WRAPPER] = lo_ptr(v)[INSTANCE_WRAPPER];
    p[INSTANCE_SLOTS] = copy;
    p[INSTANCE_FUNCTION] = L->nil;
    return lo_make_object(p);
}

static lo_value copy_value(lo_lisp *L, lo_value v, int depth)
{
    if (lo_typep(v, LO_T_STRING))
        return copy_string(L, v);
    if (lo_store_datep(L, v) || lo_store_durationp(L, v))
        return copy_instance(L, v);
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

/* Whether the store's own value kept may stand for v: of the same type
 * and contents, so that nothing but EQ tells them apart (the store never
 * hands out a value it keeps with its write bit). */
bool lo_store_same_copy(lo_value kept, lo_value v)
{
    if (!lo_objectp(kept) || !lo_objectp(v) ||
        lo_type_of_object(kept) != lo_type_of_object(v))
        return false;
    switch (lo_type_of_object(v)) {
    case LO_T_STRING: {
        uint64_t n = lo_string_length(v);
        return (lo_access_bits(v) & LO_ACCESS_READ) &&
               (lo_access_bits(kept) & LO_ACCESS_READ) &&
               lo_string_length(kept) == n &&
               memcmp(lo_string_chars(kept), lo_string_chars(v),
                      n * sizeof(uint32_t)) == 0;
    }
    case LO_T_DOUBLE:
    case LO_T_BIGNUM:
    case LO_T_RATIO:
        return lo_eql(kept, v);
    case LO_T_INSTANCE: {
        /* dates and durations only (the caller knows v is one): the same
         * class layout, slots EQL */
        if (!lo_eq(lo_ptr(kept)[INSTANCE_WRAPPER], lo_ptr(v)[INSTANCE_WRAPPER]))
            return false;
        lo_value a = lo_ptr(kept)[INSTANCE_SLOTS], b = lo_ptr(v)[INSTANCE_SLOTS];
        uint64_t n = lo_svlength(b);
        if (lo_svlength(a) != n)
            return false;
        for (uint64_t i = 0; i < n; i++)
            if (!lo_eql(*lo_svref(a, i), *lo_svref(b, i)))
                return false;
        return true;
    }
    default:
        return false;
    }
}

/* Whether v is of a type another entry's value may stand for: one the
 * store copies, or a boxed number (the caller's may then be garbage). */
static bool shareable(lo_value v)
{
    if (!lo_objectp(v))
        return false;
    switch (lo_type_of_object(v)) {
    case LO_T_STRING:           /* a copy needs its read bit: else refused */
        return lo_access_bits(v) & LO_ACCESS_READ;
    case LO_T_DOUBLE:
    case LO_T_BIGNUM:
    case LO_T_RATIO:
    case LO_T_INSTANCE:         /* a date or a duration */
        return true;
    default:
        return false;
    }
}

lo_value lo_store_copy_value(lo_lisp *L, lo_value v)
{
    return copy_value(L, v, 0);
}

lo_value lo_store_put_value(lo_lisp *L, lo_value store,
                            const struct lo_store_caller *c, lo_value key,
                            lo_value v)
{
    lo_store_check_set_value(L, store, c, key, v);
    if (shareable(v) && !lo_null(L, lo_store_index_of(L, store, key)))
        return v;           /* lo_store_index_put makes it the store's */
    return copy_value(L, v, 0);
}

lo_value lo_store_attribute_value(lo_lisp *L, lo_value store,
                                  const struct lo_store_caller *c,
                                  lo_value key, lo_value v)
{
    lo_store_check_set_value(L, store, c, key, v);
    /* a value another entry holds already, found through key's index, is
     * shared rather than copied once more (an :author, a :date) */
    if (shareable(v)) {
        lo_value kept = lo_store_index_same_value(L, store, key, v);
        if (kept != LO_UNBOUND)
            return kept;
    }
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
