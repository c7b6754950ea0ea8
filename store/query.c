/*
 * query.c -- answering a filter: the entries that match it and that the
 * caller may read, in order, cut by offset and limit (docs/store.md,
 * "Queries"; docs/store-design.md section 5).
 *
 * The planner asks the indexes (index.c) for a set of candidate ids that
 * holds every answer: equality and membership from hash indexes, ranges
 * from ordered ones, HAS from either; AND intersects what its children
 * give, OR unites when all of them give one.  Every candidate is then
 * checked against the whole filter and the caller's rights, so an index
 * only ever saves work.  With no candidates the query scans every entry.
 * A query holds the data lock shared from its start to its end, so it
 * sees one state of the store.  Id sets are heap vectors (postings), never
 * C memory that an error would leak.
 */
#include <string.h>

#include "lisp/numbers.h"
#include "store/filter.h"
#include "store/index.h"
#include "store/store.h"

/* ---- SATISFIES -------------------------------------------------------------- */

/* The function a predicate names now (fn itself when it is one). */
static lo_value predicate_function(lo_lisp *L, lo_value fn)
{
    if (!lo_symbolp(fn))
        return fn;
    lo_value cell = lo_function_cell(L, fn, false);
    if (lo_null(L, cell) || lo_cell_get(cell) == LO_UNBOUND)
        lo_cell_error(L, fn, true);
    return lo_cell_get(cell);
}

/* A predicate that hands its argument only to ENTRY-ATTRIBUTE (which
 * takes an id as it takes a handle, and keeps neither) cannot tell an id
 * from a handle, nor keep what it was given: it gets the entry's id, and
 * no handle is made -- making one per entry was most of a scan's time. */
lo_value lo_store_predicate_by_id(lo_lisp *L, lo_value fn)
{
    if (lo_symbolp(fn)) {
        lo_value cell = lo_function_cell(L, fn, false);
        if (lo_null(L, cell) || lo_cell_get(cell) == LO_UNBOUND)
            return L->nil;      /* the call will say it is undefined */
        fn = lo_cell_get(cell);
    }
    return lo_arg_only_passed_to(L, fn, lo_store_reads_entry_p) ? fn
                                                                : L->nil;
}

/* A scan calls the predicate in id order, and what it reads of an entry
 * is rarely in the cache: start loading, a few ids on, the entry record,
 * then (nearer, its record asked for before) its attributes vector, then
 * (nearer still) the values it holds.  Only what is in the cache by then
 * is read here; the rest is a hint.  (A query's candidates skip ids:
 * there these are mere hints too.) */
enum { RECORD_AHEAD = 32, ATTRS_AHEAD = 16, VALUES_AHEAD = 8 };
static lo_value entry_ahead(lo_value entries, int64_t id, int64_t ahead)
{
    uint64_t at = (uint64_t)id + (uint64_t)ahead;
    return at < lo_svlength(entries) ? *lo_svref(entries, at) : 0;
}

static void prefetch_ahead(lo_lisp *L, int64_t id)
{
    lo_value entries = *lo_svref(*lo_store_root_slot(L), STORE_ENTRIES);
    lo_value e = entry_ahead(entries, id, RECORD_AHEAD);
    if (e && lo_objectp(e)) {
        __builtin_prefetch(lo_ptr(e));
        __builtin_prefetch(lo_svref(e, ENTRY_SLOTS - 1));
    }
    e = entry_ahead(entries, id, ATTRS_AHEAD);
    if (e && lo_typep(e, LO_T_VECTOR)) {
        /* its first lines, whatever its length: a dozen attributes */
        const char *attrs = (const char *)lo_ptr(*lo_svref(e, ENTRY_ATTRS));
        for (int line = 0; line < 4; line++)
            __builtin_prefetch(attrs + 64 * line);
    }
    e = entry_ahead(entries, id, VALUES_AHEAD);
    if (e && lo_typep(e, LO_T_VECTOR)) {
        lo_value attrs = *lo_svref(e, ENTRY_ATTRS);
        for (uint64_t i = 1; i < lo_svlength(attrs); i += 2)
            if (lo_objectp(*lo_svref(attrs, i)))
                __builtin_prefetch(lo_ptr(*lo_svref(attrs, i)));
    }
}

/* Any other predicate gets a new handle each time: it may keep it. */
bool lo_store_satisfies(lo_lisp *L, lo_value fn, lo_value by_id, lo_value id)
{
    prefetch_ahead(L, lo_fixnum_value(id));
    fn = predicate_function(L, fn);
    if (lo_eq(fn, by_id))
        return !lo_null(L, lo_vm_apply(L, fn, &id, 1));
    uint32_t mark = lo_roots_mark(L);
    lo_root(L, &fn);            /* making the handle may call Lisp */
    lo_value handle = lo_store_make_handle(L, lo_fixnum_value(id));
    bool yes = !lo_null(L, lo_vm_apply(L, fn, &handle, 1));
    lo_roots_release(L, mark);
    return yes;
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
    /* the root's slot, read again each time: a SATISFIES predicate may
     * have collected, moving the record */
    const lo_value *root = lo_store_root_slot(L);
    int64_t next = lo_fixnum_value(*lo_svref(*root, STORE_NEXT_ID));
    for (int64_t id = 1; id < next; id++) {
        entry = lo_store_entry_record(L, *root, id);
        if (lo_null(L, entry) || !lo_null(L, *lo_svref(entry, ENTRY_DELETED)) ||
            !(lo_store_bits(L, entry, c) & LO_ACCESS_READ))
            continue;
        if (lo_filter_match(L, f, &entry))
            add_id(L, r, id);
        lo_limits_ticked(L);
    }
}

/* ---- ordering -------------------------------------------------------------- */

/* The first value of key in an entry record, or LO_UNBOUND when it has
 * none (a value may be anything, 0 included). */
static lo_value first_value(lo_value entry, lo_value key)
{
    lo_value attrs = *lo_svref(entry, ENTRY_ATTRS);
    for (uint64_t i = 0; i < lo_svlength(attrs); i += 2)
        if (lo_eq(*lo_svref(attrs, i), key))
            return *lo_svref(attrs, i + 1);
    return LO_UNBOUND;
}

/* Where a value sorts among types: reals, strings, durations, dates,
 * the rest; entries without the key last. */
enum { RANK_DATE = 3, RANK_OTHER = 5 };
static int type_rank(lo_lisp *L, lo_value v)
{
    if (v == LO_UNBOUND)
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

/* ---- the planner ----------------------------------------------------------------- */

/* Sort a posting's ids ascending and drop repeats (a heap sort: the ids
 * are fixnums, whose words order as the numbers do). */
static void sort_posting(lo_value p)
{
    uint64_t n = lo_posting_count(p);
    lo_value *a = lo_svref(p, 1);
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
    uint64_t k = 0;
    for (uint64_t i = 0; i < n; i++)
        if (k == 0 || a[i] != a[k - 1])
            a[k++] = a[i];
    for (uint64_t i = k; i < n; i++)
        a[i] = lo_fixnum(0);
    *lo_svref(p, 0) = lo_fixnum((int64_t)k);
}

/* Append id to the posting in *place (growing it), order not kept. */
static void push_id(lo_lisp *L, lo_value *place, int64_t id)
{
    lo_value p = *place;
    uint64_t n = lo_posting_count(p);
    if (n + 1 >= lo_svlength(p)) {
        lo_value bigger = lo_posting_new(L, 2 * n + 16);
        memcpy(lo_svref(bigger, 0), lo_svref(p, 0), (n + 1) * 8);
        *place = p = bigger;
    }
    *lo_svref(p, 1 + n) = lo_fixnum(id);
    *lo_svref(p, 0) = lo_fixnum((int64_t)n + 1);
}

/* a and b united, or intersected: a new sorted posting. */
static lo_value merge(lo_lisp *L, lo_value a, lo_value b, bool unite)
{
    uint64_t na = lo_posting_count(a), nb = lo_posting_count(b);
    lo_value out = lo_posting_new(L, unite ? na + nb : (na < nb ? na : nb));
    uint64_t i = 0, j = 0, k = 0;
    while (i < na && j < nb) {
        int64_t x = lo_posting_id(a, i), y = lo_posting_id(b, j);
        if (x == y) {
            *lo_svref(out, 1 + k++) = lo_fixnum(x);
            i++, j++;
        } else if (x < y) {
            if (unite)
                *lo_svref(out, 1 + k++) = lo_fixnum(x);
            i++;
        } else {
            if (unite)
                *lo_svref(out, 1 + k++) = lo_fixnum(y);
            j++;
        }
    }
    for (; unite && i < na; i++)
        *lo_svref(out, 1 + k++) = lo_fixnum(lo_posting_id(a, i));
    for (; unite && j < nb; j++)
        *lo_svref(out, 1 + k++) = lo_fixnum(lo_posting_id(b, j));
    *lo_svref(out, 0) = lo_fixnum((int64_t)k);
    return out;
}

/* What the planner says of each node, for STORE-EXPLAIN. */
struct plan {
    lo_value store;
    lo_value explain;           /* NIL when not explaining; else T */
    const struct lo_store_caller *caller;
};

/* How many of the candidates the caller may read: what explaining may
 * say (the others do not exist for them). */
static int64_t visible_count(lo_lisp *L, const struct plan *p, lo_value ids)
{
    int64_t n = 0;
    for (uint64_t i = 0; i < lo_posting_count(ids); i++) {
        lo_value e = lo_store_entry_record(L, p->store, lo_posting_id(ids, i));
        n += !lo_null(L, e) && lo_null(L, *lo_svref(e, ENTRY_DELETED)) &&
             (lo_store_bits(L, e, p->caller) & LO_ACCESS_READ);
    }
    return n;
}

struct range_walk {
    lo_value ids;               /* a root while the walk runs */
};

static void collect_range_id(lo_lisp *L, int64_t id, void *ctx)
{
    struct range_walk *w = ctx;
    push_id(L, &w->ids, id);
}

/* The ids of an ordered index's values in a range, sorted. */
static lo_value range_ids(lo_lisp *L, lo_value index, lo_value lo,
                          bool lo_open, lo_value hi, bool hi_open)
{
    struct range_walk w = { .ids = lo_posting_new(L, 16) };
    uint32_t mark = lo_roots_mark(L);
    lo_root(L, &w.ids);
    lo_index_range(L, index, lo, lo_open, hi, hi_open, collect_range_id, &w);
    lo_roots_release(L, mark);
    sort_posting(w.ids);
    return w.ids;
}

/* The candidates of a date relation from an ordered index: the dates
 * whose start lies where the relation can hold -- for OVERLAPS and
 * WITHIN, after the operand's start less the longest span the index has
 * held and before its end; BEFORE, before its start; AFTER, from its
 * end on. */
static lo_value date_candidates(lo_lisp *L, enum lo_filter_op op,
                                lo_value index, lo_value d)
{
    lo_value start, end;
    if (!lo_store_date_span(L, d, &start, &end))
        return 0;
    lo_value lo = LO_UNBOUND, hi = LO_UNBOUND;
    switch (op) {
    case LO_F_OVERLAPS: {
        lo_value span = lo_index_max_span(index);
        lo = span == LO_UNBOUND ? LO_UNBOUND : lo_int_sub(L, start, span);
        hi = end;
        break;
    }
    case LO_F_WITHIN:
        lo = start;
        hi = end;
        break;
    case LO_F_BEFORE:
        hi = start;
        break;
    case LO_F_AFTER:
        lo = end;
        break;
    default:
        return 0;
    }
    struct range_walk w = { .ids = lo_posting_new(L, 16) };
    uint32_t mark = lo_roots_mark(L);
    lo_root(L, &w.ids);
    lo_index_date_starts(L, index, lo, hi, collect_range_id, &w);
    lo_roots_release(L, mark);
    sort_posting(w.ids);
    return w.ids;
}

/* A copy of a posting with the ids of another added (unsorted). */
static lo_value with_others(lo_lisp *L, lo_value p, lo_value others)
{
    if (lo_posting_count(others) == 0)
        return p;
    return merge(L, p, others, true);
}

/* The candidates of keyed node n from an index: a posting, or 0. */
static lo_value keyed_candidates(lo_lisp *L, struct lo_filter *f,
                                 const struct lo_filter_node *n,
                                 lo_value index, const char **how)
{
    bool hash = lo_store_index_hash_p(L, index);
    *how = hash ? "HASH-INDEX" : "ORDERED-INDEX";
    if (n->op == LO_F_HAS)
        return *lo_svref(index, INDEX_PRESENT);
    if (hash && (n->op == LO_F_EQUAL || n->op == LO_F_IN)) {
        lo_value others = *lo_svref(index, INDEX_OTHERS);
        if (n->count == 1 && lo_posting_count(others) == 0) {
            /* the index's own posting, read as it is: no copy */
            lo_value p = lo_index_posting(L, index,
                                          lo_filter_value(f, n->operand));
            return lo_null(L, p) ? lo_posting_new(L, 0) : p;
        }
        lo_value out = lo_posting_new(L, 0);
        for (uint32_t k = 0; k < n->count; k++) {
            lo_value p = lo_index_posting(L, index,
                                          lo_filter_value(f, n->operand + k));
            if (!lo_null(L, p))
                out = merge(L, out, p, true);
        }
        return with_others(L, out, *lo_svref(index, INDEX_OTHERS));
    }
    if (hash)
        return 0;
    lo_value a = n->count ? lo_filter_value(f, n->operand) : LO_UNBOUND;
    switch (n->op) {
    case LO_F_EQUAL: case LO_F_IN: {
        lo_value out = lo_posting_new(L, 0);
        for (uint32_t k = 0; k < n->count; k++) {
            lo_value v = lo_filter_value(f, n->operand + k);
            if (!lo_store_orderable(L, v))
                return 0;       /* a keyword: only a scan finds it */
            out = merge(L, out, range_ids(L, index, v, false, v, false), true);
        }
        return out;
    }
    case LO_F_LT: return range_ids(L, index, LO_UNBOUND, false, a, true);
    case LO_F_LE: return range_ids(L, index, LO_UNBOUND, false, a, false);
    case LO_F_GT: return range_ids(L, index, a, true, LO_UNBOUND, false);
    case LO_F_GE: return range_ids(L, index, a, false, LO_UNBOUND, false);
    case LO_F_BETWEEN:
        return range_ids(L, index, a, false,
                         lo_filter_value(f, n->operand + 1), false);
    case LO_F_OVERLAPS: case LO_F_WITHIN: case LO_F_BEFORE: case LO_F_AFTER:
        return date_candidates(L, n->op, index, a);
    default:
        return 0;
    }
}

/* Note what the planner did at a node (when explaining). */
static void note(lo_lisp *L, struct plan *p, lo_value *where, const char *how,
                 lo_value key, lo_value candidates)
{
    if (lo_null(L, p->explain))
        return;
    lo_value l = L->nil;
    if (candidates)
        l = lo_cons(L, lo_intern_keyword(L, "ESTIMATED"),
                    lo_cons(L, lo_fixnum(visible_count(L, p, candidates)), l));
    if (key)
        l = lo_cons(L, lo_intern_keyword(L, "KEY"), lo_cons(L, key, l));
    *where = lo_cons(L, lo_intern_keyword(L, how), l);
}

/* The candidates of node at: a sorted posting holding every entry that
 * can match, or 0 when only a scan can tell.  *explained gets the node's
 * plan when explaining. */
static lo_value candidates(lo_lisp *L, struct lo_filter *f, uint32_t at,
                           struct plan *p, lo_value *explained)
{
    struct lo_filter_node n;
    lo_filter_node(f, at, &n);
    *explained = L->nil;
    if (n.op == LO_F_AND || n.op == LO_F_OR) {
        lo_value acc = 0, parts = L->nil, *tail = &parts;
        bool all = true;
        uint32_t mark = lo_roots_mark(L);
        lo_value acc_root = L->nil;
        lo_root(L, &acc_root);
        lo_root(L, &parts);
        for (uint32_t k = 0, kid = n.first; k < n.count; k++) {
            lo_value sub, c = candidates(L, f, kid, p, &sub);
            if (!lo_null(L, p->explain)) {
                *tail = lo_cons(L, sub, L->nil);
                tail = &lo_ptr(*tail)[2];
            }
            if (!c)
                all = false;
            else if (!acc)
                acc = c;
            else
                acc = merge(L, acc, c, n.op == LO_F_OR);
            acc_root = acc ? acc : L->nil;
            struct lo_filter_node kn;
            lo_filter_node(f, kid, &kn);
            kid = kn.next;
        }
        lo_value result = n.op == LO_F_OR && !all ? 0 : acc;
        if (!lo_null(L, p->explain)) {
            note(L, p, explained, result ? "MERGE" : "SCAN", 0, result);
            *explained = lo_cons(L, lo_intern_keyword(L, n.op == LO_F_AND
                                                          ? "AND" : "OR"),
                                 lo_cons(L, *explained, lo_cons(L, parts,
                                                                L->nil)));
        }
        lo_roots_release(L, mark);
        return result;
    }
    lo_value key = n.op >= LO_F_EQUAL && n.op <= LO_F_CONTAINS &&
                   n.op != LO_F_CONTAINS ? lo_filter_value(f, n.key) : 0;
    lo_value index = key ? lo_store_index_of(L, p->store, key) : L->nil;
    lo_value c = 0;
    const char *how = "SCAN";
    if (!lo_null(L, index) && lo_index_usable(L, index))
        c = keyed_candidates(L, f, &n, index, &how);
    if (!c)
        how = "SCAN";
    note(L, p, explained, how, key ? key : (n.op == LO_F_CONTAINS
                                            ? lo_filter_value(f, n.key) : 0),
         c);
    return c;
}

/* Every visible entry among the candidates matching f, into r. */
static void check_candidates(lo_lisp *L, struct lo_filter *f,
                             const struct lo_store_caller *c, lo_value *cands,
                             struct found *r)
{
    lo_value entry = L->nil;
    lo_root(L, &entry);
    const lo_value *root = lo_store_root_slot(L);
    for (uint64_t i = 0; i < lo_posting_count(*cands); i++) {
        int64_t id = lo_posting_id(*cands, i);
        entry = lo_store_entry_record(L, *root, id);
        if (lo_null(L, entry) || !lo_null(L, *lo_svref(entry, ENTRY_DELETED)) ||
            !(lo_store_bits(L, entry, c) & LO_ACCESS_READ))
            continue;
        if (lo_filter_match(L, f, &entry))
            add_id(L, r, id);
        lo_limits_ticked(L);
    }
}

/* The ids a query answers, before offset and limit; *explain (unless
 * NULL) gets the plan. */
static void run_query(lo_lisp *L, lo_value filter, struct found *r,
                      lo_value *explain)
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
    struct plan p = { .store = store, .explain = explain ? L->t : L->nil,
                      .caller = &c };
    lo_value plan = L->nil, cands = L->nil;
    lo_root(L, &plan);
    lo_root(L, &cands);
    lo_value found = candidates(L, &f, f.root, &p, &plan);
    if (found) {
        cands = found;
        check_candidates(L, &f, &c, &cands, r);
    } else {
        scan(L, &f, &c, r);
    }
    if (explain)
        *explain = plan;
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
    run_query(L, args[0], &r, NULL);
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
    run_query(L, args[0], &r, NULL);
    lo_data_unlock_shared(L);
    lo_roots_release(L, mark);
    return lo_fixnum((int64_t)r.n);
}

LO_PRIMITIVE(p_store_explain, "%STORE-EXPLAIN", INTERNAL, ANY, 1, 1,
             "(filter)",
             "How the store answers FILTER: (:plan PLAN :rows N), PLAN saying "
             "for each term whether an index gave candidates (and how many) "
             "or a scan decides, N the entries the caller may read that "
             "match.  STORE-EXPLAIN's work.")
{
    uint32_t mark = lo_roots_mark(L);
    struct found r = { .ids = lo_make_vector(L, 16, lo_fixnum(0)) };
    lo_value plan = L->nil;
    lo_root(L, &r.ids);
    lo_root(L, &plan);
    lo_data_lock_shared(L);
    run_query(L, args[0], &r, &plan);
    lo_data_unlock_shared(L);
    lo_value out = lo_cons(L, lo_intern_keyword(L, "PLAN"),
                           lo_cons(L, plan,
                                   lo_cons(L, lo_intern_keyword(L, "ROWS"),
                                           lo_cons(L, lo_fixnum((int64_t)r.n),
                                                   L->nil))));
    lo_roots_release(L, mark);
    return out;
}

const struct lo_primitive *const lo_store_query_primitives[] = {
    LO_ROW(p_store_query),
    LO_ROW(p_store_count),
    LO_ROW(p_store_explain),
    NULL,
};
