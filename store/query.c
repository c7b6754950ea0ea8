/*
 * query.c -- answering a filter: the entries that match it and that the
 * caller may read, in order, cut by offset and limit (docs/store.md,
 * "Queries"; docs/store-design.md section 5).
 *
 * Today every query is a scan of the entries in id order; the indexes
 * and the planner come next (index.c).  A query holds the data lock
 * shared from its start to its end, so it sees one state of the store.
 * The ids found are collected in a heap vector (rooted), never in C
 * memory that an error would leak.
 */
#include <string.h>

#include "lisp/numbers.h"
#include "store/filter.h"
#include "store/store.h"

/* ---- SATISFIES -------------------------------------------------------------- */

/* The Lisp function that makes an entry handle of an id. */
static lo_value handle_maker(lo_lisp *L)
{
    return lo_function_cell(L, lo_intern(L, "%MAKE-ENTRY"), false);
}

bool lo_store_satisfies(lo_lisp *L, lo_value fn, lo_value id)
{
    lo_value cell = handle_maker(L);
    if (lo_null(L, cell) || lo_cell_get(cell) == LO_UNBOUND)
        lo_store_error(L, "the store's Lisp API is not loaded");
    lo_value handle = lo_vm_apply(L, lo_cell_get(cell), &id, 1);
    if (lo_symbolp(fn)) {
        lo_value f = lo_function_cell(L, fn, false);
        if (lo_null(L, f) || lo_cell_get(f) == LO_UNBOUND)
            lo_cell_error(L, fn, true);
        fn = lo_cell_get(f);
    }
    return !lo_null(L, lo_vm_apply(L, fn, &handle, 1));
}

/* ---- collecting ids --------------------------------------------------------- */

struct found {
    lo_value ids;               /* simple-vector of fixnums; a root */
    uint64_t n;
};

static void add_id(lo_lisp *L, struct found *r, int64_t id)
{
    if (r->n == lo_svlength(r->ids)) {
        lo_value bigger = lo_make_vector(L, 2 * r->n + 16, lo_fixnum(0));
        memcpy(lo_svref(bigger, 0), lo_svref(r->ids, 0), r->n * 8);
        r->ids = bigger;
    }
    *lo_svref(r->ids, r->n++) = lo_fixnum(id);
}

/* Every visible entry matching f, in id order, into r. */
static void scan(lo_lisp *L, struct lo_filter *f,
                 const struct lo_store_caller *c, struct found *r)
{
    lo_value entry = L->nil;
    lo_root(L, &entry);
    int64_t next = lo_fixnum_value(*lo_svref(lo_store_record(L, false),
                                             STORE_NEXT_ID));
    for (int64_t id = 1; id < next; id++) {
        /* the record again each time: a SATISFIES predicate may have
         * collected, moving it */
        entry = lo_store_entry_record(L, lo_store_record(L, false), id);
        if (lo_null(L, entry) || !lo_null(L, *lo_svref(entry, ENTRY_DELETED)) ||
            !(lo_store_bits(L, entry, c) & LO_ACCESS_READ))
            continue;
        if (lo_filter_match(L, f, &entry))
            add_id(L, r, id);
        lo_limits_ticked(L);
    }
}

/* ---- ordering -------------------------------------------------------------- */

/* The first value of key in an entry record, or 0 when it has none. */
static lo_value first_value(lo_value entry, lo_value key)
{
    lo_value attrs = *lo_svref(entry, ENTRY_ATTRS);
    for (uint64_t i = 0; i < lo_svlength(attrs); i += 2)
        if (lo_eq(*lo_svref(attrs, i), key))
            return *lo_svref(attrs, i + 1);
    return 0;
}

/* Where a value sorts among types: reals, strings, durations, dates,
 * the rest; entries without the key last. */
enum { RANK_DATE = 3, RANK_OTHER = 5 };
static int type_rank(lo_lisp *L, lo_value v)
{
    if (!v)
        return 9;
    if (lo_numberp(v))
        return 0;
    if (lo_typep(v, LO_T_STRING))
        return 1;
    if (lo_store_durationp(L, v))
        return 2;
    if (lo_store_datep(L, v))
        return RANK_DATE;
    return RANK_OTHER;
}

struct keyed {
    int64_t id;
    lo_value value;
};

/* a before b: by value (within a type), then by id. */
static bool keyed_before(lo_lisp *L, const struct keyed *a,
                         const struct keyed *b, bool descending)
{
    int ra = type_rank(L, a->value), rb = type_rank(L, b->value);
    int c = 0;
    if (ra != rb) {
        c = ra < rb ? -1 : 1;
        if (ra == 9 || rb == 9)         /* absent values stay last */
            return c < 0;
    } else if (ra == RANK_DATE) {       /* by start, then end */
        c = lo_store_date_compare(L, a->value, b->value);
    } else if (ra != 9) {
        c = lo_store_compare(L, a->value, b->value);
        if (c == LO_STORE_UNORDERED)
            c = 0;
    }
    if (descending)
        c = -c;
    return c != 0 ? c < 0 : a->id < b->id;
}

/* A stable merge sort of n items by keyed_before. */
static void sort_keyed(lo_lisp *L, struct keyed *a, struct keyed *tmp,
                       uint64_t n, bool descending)
{
    if (n < 2)
        return;
    uint64_t half = n / 2;
    sort_keyed(L, a, tmp, half, descending);
    sort_keyed(L, a + half, tmp, n - half, descending);
    uint64_t i = 0, j = half, k = 0;
    while (i < half && j < n)
        tmp[k++] = keyed_before(L, &a[j], &a[i], descending) ? a[j++]
                                                              : a[i++];
    while (i < half)
        tmp[k++] = a[i++];
    while (j < n)
        tmp[k++] = a[j++];
    memcpy(a, tmp, n * sizeof *a);
}

/* Order r by the first value of key.  No Lisp runs here, so the values
 * held in C memory stay where they are. */
static void order_by(lo_lisp *L, struct found *r, lo_value key,
                     bool descending)
{
    if (r->n < 2)
        return;
    struct keyed *a = lo_mem_alloc(2 * r->n * sizeof *a);
    if (!a)
        lo_error(L, "STORAGE-CONDITION", "no memory to order a query");
    lo_value store = lo_store_record(L, false);
    for (uint64_t i = 0; i < r->n; i++) {
        a[i].id = lo_fixnum_value(*lo_svref(r->ids, i));
        a[i].value = first_value(lo_store_entry_record(L, store, a[i].id),
                                 key);
    }
    sort_keyed(L, a, a + r->n, r->n, descending);
    for (uint64_t i = 0; i < r->n; i++)
        *lo_svref(r->ids, i) = lo_fixnum(a[i].id);
    lo_mem_free(a);
}

/* The :order-by argument: NIL, a key, or (key :descending|:ascending). */
static lo_value parse_order(lo_lisp *L, lo_value spec, bool *descending)
{
    *descending = false;
    if (lo_null(L, spec) || lo_keywordp(spec))
        return spec;
    if (lo_consp(spec) && lo_keywordp(lo_car_raw(spec)) &&
        lo_consp(lo_cdr_raw(spec)) && lo_null(L, lo_cdr_raw(lo_cdr_raw(spec)))) {
        lo_value dir = lo_car_raw(lo_cdr_raw(spec));
        if (lo_eq(dir, lo_intern_keyword(L, "DESCENDING")))
            *descending = true;
        else if (!lo_eq(dir, lo_intern_keyword(L, "ASCENDING")))
            lo_store_query_error(L, dir, ":ORDER-BY's direction must be "
                                 ":ASCENDING or :DESCENDING");
        return lo_car_raw(spec);
    }
    lo_store_query_error(L, spec, ":ORDER-BY takes a key or (key "
                         ":descending)");
}

static uint64_t arg_count(lo_lisp *L, lo_value v, uint64_t absent,
                          const char *what)
{
    if (lo_null(L, v))
        return absent;
    if (!lo_fixnump(v) || lo_fixnum_value(v) < 0)
        lo_store_query_error(L, v, "%s must be a non-negative integer", what);
    return (uint64_t)lo_fixnum_value(v);
}

/* The ids a query answers, before offset and limit. */
static void run_query(lo_lisp *L, lo_value filter, struct found *r)
{
    struct lo_filter f;
    lo_filter_compile(L, filter, &f);
    lo_value store = lo_store_record(L, false);
    if (!store)
        return;
    struct lo_store_caller c;
    lo_store_caller(L, store, &c);
    lo_root(L, &c.name);
    lo_root(L, &c.groups);
    scan(L, &f, &c, r);
}

/* ---- primitives ----------------------------------------------------------------- */

LO_PRIMITIVE(p_store_query, "%STORE-QUERY", INTERNAL, ANY, 4, 4,
             "(filter order-by limit offset)",
             "A simple-vector of the ids of the entries matching FILTER that "
             "the caller may read, ordered by id or by ORDER-BY, from OFFSET "
             "on, at most LIMIT (NIL: no limit).  STORE-QUERY's work.")
{
    bool descending;
    lo_value key = parse_order(L, args[1], &descending);
    uint64_t limit = arg_count(L, args[2], UINT64_MAX, ":LIMIT");
    uint64_t offset = arg_count(L, args[3], 0, ":OFFSET");
    uint32_t mark = lo_roots_mark(L);
    struct found r = { .ids = lo_make_vector(L, 16, lo_fixnum(0)) };
    lo_root(L, &r.ids);
    lo_data_lock_shared(L);
    run_query(L, args[0], &r);
    if (!lo_null(L, key))
        order_by(L, &r, key, descending);
    lo_data_unlock_shared(L);
    uint64_t from = offset < r.n ? offset : r.n;
    uint64_t n = r.n - from < limit ? r.n - from : limit;
    lo_value out = lo_make_vector(L, n, lo_fixnum(0));
    memcpy(lo_svref(out, 0), lo_svref(r.ids, from), n * 8);
    lo_roots_release(L, mark);
    return out;
}

LO_PRIMITIVE(p_store_count, "%STORE-COUNT", INTERNAL, ANY, 1, 1, "(filter)",
             "How many entries the caller may read match FILTER.  "
             "STORE-COUNT's work.")
{
    uint32_t mark = lo_roots_mark(L);
    struct found r = { .ids = lo_make_vector(L, 16, lo_fixnum(0)) };
    lo_root(L, &r.ids);
    lo_data_lock_shared(L);
    run_query(L, args[0], &r);
    lo_data_unlock_shared(L);
    lo_roots_release(L, mark);
    return lo_fixnum((int64_t)r.n);
}

const struct lo_primitive *const lo_store_query_primitives[] = {
    LO_ROW(p_store_query),
    LO_ROW(p_store_count),
    NULL,
};
