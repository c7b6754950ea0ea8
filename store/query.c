/*
 * query.c -- answering a filter: the entries that match it and that the
 * caller may read, in order, cut by offset and limit (docs/store.md,
 * "Queries"; docs/store-design.md section 5).
 *
 * The planner asks the indexes (index.c) for a set of candidate ids that
 * holds every answer: equality and membership from hash indexes, ranges
 * and date relations from ordered ones, HAS from either, CONTAINS from a
 * hash index of few values; AND intersects what its children give, OR
 * unites when all of them give one.  Candidates an index gives exactly
 * are checked only for the caller's right to read them (the dense
 * visibility words, store.c); others against the whole filter too.  With
 * no candidates the query scans every entry.  A query holds the data lock
 * shared from its start to its end, so it sees one state of the store.
 * Id sets live in the thread's scratch memory (ids.h), which an error
 * gives back.
 */
#include <string.h>

#include "lisp/hashtable.h"
#include "lisp/num_expr.h"
#include "lisp/numbers.h"
#include "lisp/scratch.h"
#include "store/filter.h"
#include "store/ids.h"
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
 * is rarely in the cache: start loading, a few ids on, the entry record
 * and (from the dense vector of attributes, without waiting for the
 * record) its attributes vector.  Nothing is read that may not be in the
 * cache but the dense vectors' words, which are: waiting for a record
 * only to find where to prefetch costs what the prefetch saves.  (The
 * values an attributes vector holds are not asked for: a dozen requests
 * an entry, most for values the predicate never reads, filled the
 * processor's queue of misses and made the scan a third slower.)  (A
 * query's candidates skip ids: there these are mere hints.) */
enum { RECORD_AHEAD = 16 };
static lo_value entry_ahead(lo_value entries, int64_t id, int64_t ahead)
{
    uint64_t at = (uint64_t)id + (uint64_t)ahead;
    return at < lo_svlength(entries) ? *lo_svref(entries, at) : 0;
}

static void prefetch_ahead(lo_lisp *L, int64_t id)
{
    lo_value store = *lo_store_root_slot(L);
    lo_value entries = *lo_svref(store, STORE_ENTRIES);
    lo_value current = lo_store_dense(store, STORE_CURRENT);
    lo_value e = entry_ahead(entries, id, RECORD_AHEAD);
    if (e && lo_objectp(e))
        __builtin_prefetch(lo_ptr(e));
    if (!current)
        return;
    lo_value attrs = entry_ahead(current, id, RECORD_AHEAD);
    if (attrs && lo_objectp(attrs))
        for (int line = 0; line < 3; line++)    /* a dozen attributes */
            __builtin_prefetch((const char *)lo_ptr(attrs) + 64 * line);
}

/* Such a predicate computing only numbers and truths from its entry's
 * attributes (arithmetic, comparisons, AND, OR, NOT, IF, LET) is run in
 * C (lisp/num_expr.c), never calling the VM unless the program cannot
 * tell (a value that is not a fixnum or a double, say): a scan of a
 * million entries then takes two thirds of SQLite's time, where calling
 * the VM took one and a half times it. */
lo_value lo_store_predicate_program(lo_lisp *L, lo_value by_id)
{
    return lo_null(L, by_id) ? L->nil
                             : lo_num_expr_read(L, by_id, lo_store_reads_entry_p);
}

/* A program's leaf: the first value of key in the attributes vector
 * attrs, as ENTRY-ATTRIBUTE gives it.  A key not found -- none, :ACL
 * (kept apart from the attributes), a key that is no keyword -- the
 * program cannot tell: ENTRY-ATTRIBUTE, called, will say. */
static lo_value attribute_leaf(void *attrs_word, lo_value key)
{
    lo_value attrs = *(lo_value *)attrs_word;
    for (uint64_t i = 0; i < lo_svlength(attrs); i += 2)
        if (lo_eq(*lo_svref(attrs, i), key))
            return *lo_svref(attrs, i + 1);
    return LO_UNBOUND;
}

/* Any other predicate gets a new handle each time: it may keep it. */
bool lo_store_satisfies(lo_lisp *L, lo_value fn, lo_value by_id,
                        lo_value program, lo_value id, lo_value attrs)
{
    prefetch_ahead(L, lo_fixnum_value(id));
    fn = predicate_function(L, fn);
    if (lo_eq(fn, by_id) && !lo_null(L, program)) {
        int known = lo_num_expr_test(program, attribute_leaf, &attrs);
        if (known != LO_NUM_EXPR_UNKNOWN)
            return known == LO_NUM_EXPR_YES;
    }
    if (lo_eq(fn, by_id))
        return !lo_null(L, lo_vm_apply(L, fn, &id, 1));
    uint32_t mark = lo_roots_mark(L);
    lo_root(L, &fn);            /* making the handle may call Lisp */
    lo_value handle = lo_store_make_handle(L, lo_fixnum_value(id));
    bool yes = !lo_null(L, lo_vm_apply(L, fn, &handle, 1));
    lo_roots_release(L, mark);
    return yes;
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

/* Order the ids found by the first value of key.  No Lisp runs here, so
 * the values held in scratch memory stay where they are. */
static void order_by(lo_lisp *L, struct lo_ids *r, lo_value key,
                     bool descending)
{
    if (r->n < 2)
        return;
    uint64_t mark = lo_scratch_mark(L);
    struct keyed *a = lo_scratch_alloc(L, 2 * r->n * sizeof *a);
    lo_value store = lo_store_record(L, false);
    for (uint64_t i = 0; i < r->n; i++) {
        a[i].id = lo_fixnum_value(r->v[i]);
        a[i].value = first_value(lo_store_entry_record(L, store, a[i].id),
                                 key);
    }
    sort_keyed(L, a, a + r->n, r->n, descending);
    for (uint64_t i = 0; i < r->n; i++)
        r->v[i] = lo_fixnum(a[i].id);
    lo_scratch_release(L, mark);
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

/* ---- the planner: candidates from the indexes ------------------------------ */

/* What the planner says of a node: whether an index gave candidates (or
 * only a scan can tell), and whether they are exactly the node's matches
 * among the live entries (then no candidate needs the filter again). */
struct cands {
    bool some, exact;
    struct lo_ids ids;
    struct lo_id_bits bits;     /* or, when bits.w, the ids as bits (a
                                   set dense enough): made from an index,
                                   checked and encoded as bits, they never
                                   take a word an id */
};

/* c's ids as an array, from its bits when it holds them so. */
static void cands_to_ids(lo_lisp *L, struct cands *c)
{
    if (c->bits.w) {
        c->ids = lo_id_bits_ids(L, &c->bits);
        c->bits = (struct lo_id_bits){ 0, 0, 0 };
    }
}

/* Whether a set of n ids among the store's ids below next_id is worth a
 * bitmap: one bit for each id of the store, as many words as sixteen
 * words an id of the set. */
static bool dense(uint64_t n, int64_t next_id)
{
    return (uint64_t)next_id / 64 + 1 <= 16 * n + 64;
}

struct plan {
    struct lo_filter *f;
    lo_value store;
    bool explaining;
    struct lo_store_caller *caller;
};

enum { UNKNOWN = UINT64_MAX };

/* An operand a comparison may read: a string without its read bit
 * compares with nothing (value.c). */
static bool readable_operand(lo_value v)
{
    return !lo_carries_access(v) || (lo_access_bits(v) & LO_ACCESS_READ);
}

/* The index serving node n, or NIL (none, or one a reader may not use
 * now). */
static lo_value index_for(lo_lisp *L, const struct plan *p,
                          const struct lo_filter_node *n)
{
    if (n->op < LO_F_EQUAL || n->op > LO_F_CONTAINS)
        return L->nil;
    lo_value index = lo_store_index_of(L, p->store,
                                       lo_filter_value(p->f, n->key));
    return !lo_null(L, index) && lo_index_usable(L, index) ? index : L->nil;
}

/* ---- ranges of an ordered index ---- */

/* The places from and to of the pairs an ordered index holds for node n
 * (a range or an equality); false when the node's operands say nothing
 * can match (then the range is empty and exact). */
static bool range_places(lo_lisp *L, lo_value index, enum lo_filter_op op,
                         lo_value a, lo_value b, struct lo_index_place *from,
                         struct lo_index_place *to)
{
    int cls = lo_index_class(L, a);
    if (cls < 0 || cls > 2 || !readable_operand(a))
        return false;
    struct lo_index_bound lo = { .cls = cls, .v = LO_UNBOUND };
    struct lo_index_bound hi = { .cls = cls, .v = LO_UNBOUND, .after = true };
    switch (op) {
    case LO_F_LT: hi.v = a; hi.after = false; break;
    case LO_F_LE: hi.v = a; break;
    case LO_F_GT: lo.v = a; lo.after = true; break;
    case LO_F_GE: lo.v = a; break;
    case LO_F_EQUAL: case LO_F_IN: lo.v = hi.v = a; break;
    case LO_F_BETWEEN:
        if (lo_index_class(L, b) != cls || !readable_operand(b))
            return false;
        lo.v = a;
        hi.v = b;
        break;
    default:
        return false;
    }
    *from = lo_index_place(L, index, &lo);
    *to = lo_index_place(L, index, &hi);
    return true;
}

/* The ids of a range of an ordered index into c.  Dense enough for a
 * bitmap over the store's ids, they go from the index straight into its
 * bits; else they are copied in the order of their values and sorted. */
static void range_ids(lo_lisp *L, lo_value index, struct lo_index_place from,
                      struct lo_index_place to, int64_t next_id,
                      struct cands *c)
{
    uint64_t count = lo_index_count(index, from, to);
    if (dense(count, next_id)) {
        c->bits = lo_id_bits_new(L, next_id);
        lo_index_id_bits(index, from, to, &c->bits);
        return;
    }
    c->ids = lo_ids_new(L, count);
    c->ids.n = lo_index_ids(index, from, to, c->ids.v);
    lo_ids_sort(L, &c->ids);
}

/* A date relation from an ordered index of dates.  The pairs are in the
 * order of their dates' starts; with the longest span the index has held
 * (a bound), each relation's matches lie in a band of starts whose inner
 * part surely matches and whose edges are tested on the pairs' own
 * dates -- never on the entries:
 *   overlaps d: starts in [start(d) - span, end(d)); sure from start(d)
 *   within d:   starts in [start(d), end(d)); sure up to end(d) - span
 *   before d:   starts before start(d); sure up to start(d) - span
 *   after d:    starts from end(d) on, all sure
 * (every date lasts a second at least, so one starting inside d overlaps
 * it).  An operand that is no date matches nothing. */
struct date_test {
    int op;
    lo_value d;
};

static bool date_keep(lo_lisp *L, lo_value v, void *ctx)
{
    const struct date_test *t = ctx;
    return lo_store_date_relation(L, t->op, v, t->d);
}

static struct lo_index_place date_place(lo_lisp *L, lo_value index,
                                        lo_value start)
{
    struct lo_index_bound b = { .cls = 3, .v = start, .by_start = true };
    if (start == LO_UNBOUND)
        b.after = false;
    return lo_index_place(L, index, &b);
}

static void date_ids(lo_lisp *L, enum lo_filter_op op, lo_value index,
                     lo_value d, int64_t next_id, struct cands *c)
{
    lo_value ds, de;
    c->ids = lo_ids_new(L, 0);
    if (!lo_store_date_span(L, d, &ds, &de))
        return;
    lo_value span = lo_index_max_span(index);
    /* the band [lo, hi) of starts, and its sure part [sure_lo, sure_hi) */
    lo_value lo = LO_UNBOUND, hi = LO_UNBOUND, sure_lo, sure_hi;
    switch (op) {
    case LO_F_OVERLAPS:
        lo = span == LO_UNBOUND ? LO_UNBOUND : lo_int_sub(L, ds, span);
        hi = de;
        sure_lo = ds;
        sure_hi = de;
        break;
    case LO_F_WITHIN:
        lo = sure_lo = ds;
        hi = de;
        sure_hi = span == LO_UNBOUND ? ds : lo_int_sub(L, de, span);
        break;
    case LO_F_BEFORE:
        hi = ds;
        sure_lo = LO_UNBOUND;
        sure_hi = span == LO_UNBOUND ? LO_UNBOUND : lo_int_sub(L, ds, span);
        break;
    default:                            /* LO_F_AFTER */
        lo = sure_lo = de;
        sure_hi = LO_UNBOUND;
        break;
    }
    struct lo_index_place from = date_place(L, index, lo);
    struct lo_index_bound end = { .cls = 3, .v = LO_UNBOUND, .after = true };
    struct lo_index_place to = hi == LO_UNBOUND ? lo_index_place(L, index, &end)
                                                : date_place(L, index, hi);
    struct lo_index_place s_from = from, s_to = from;
    if (!(op == LO_F_BEFORE && sure_hi == LO_UNBOUND)) {
        s_from = sure_lo == LO_UNBOUND ? from : date_place(L, index, sure_lo);
        s_to = sure_hi == LO_UNBOUND ? to : date_place(L, index, sure_hi);
    }
    /* keep the sure part inside the band */
    if (s_from.k < from.k || (s_from.k == from.k && s_from.i < from.i))
        s_from = from;
    if (s_to.k > to.k || (s_to.k == to.k && s_to.i > to.i))
        s_to = to;
    if (s_to.k < s_from.k || (s_to.k == s_from.k && s_to.i < s_from.i))
        s_to = s_from;
    /* the edges tested, the sure part as it is: into bits when dense */
    uint64_t count = lo_index_count(index, from, to);
    struct lo_ids s = lo_ids_new(L, count);
    struct date_test t = { op, d };
    s.n = lo_index_ids_if(L, index, from, s_from, date_keep, &t, s.v);
    s.n += lo_index_ids_if(L, index, s_to, to, date_keep, &t, s.v + s.n);
    if (dense(count, next_id)) {
        c->bits = lo_id_bits_new(L, next_id);
        lo_index_id_bits(index, s_from, s_to, &c->bits);
        lo_id_bits_add(&c->bits, s.v, s.n);
        return;
    }
    s.n += lo_index_ids(index, s_from, s_to, s.v + s.n);
    lo_ids_sort(L, &s);
    c->ids = s;
}

/* Whether a hash index has few distinct values for its entries (four
 * entries a value at least, on average): searching them then beats
 * searching the entries. */
static bool few_values(lo_value index)
{
    uint64_t values = lo_table_count(*lo_svref(index, INDEX_TABLE));
    return 4 * values <= lo_posting_count(*lo_svref(index, INDEX_PRESENT));
}

/* CONTAINS from a hash index: its distinct values are searched instead
 * of every entry's, and the entries of those that hold the text are the
 * answer, exactly (values hashed by address are no strings, which
 * CONTAINS never matches). */
static struct lo_ids contains_ids(lo_lisp *L, lo_value index, lo_value text)
{
    lo_value table = *lo_svref(index, INDEX_TABLE);
    uint64_t capacity, total = 0, found = 0;
    const lo_value *slots = lo_table_slots(table, &capacity);
    uint64_t *hits = lo_scratch_alloc(L, capacity * sizeof *hits);
    for (uint64_t i = 0; i < capacity; i++) {
        lo_limits_tick(L);
        if (slots[2 * i] != LO_UNBOUND &&
            lo_store_contains(slots[2 * i], text)) {
            hits[found++] = i;
            total += lo_posting_count(slots[2 * i + 1]);
        }
    }
    struct lo_ids s = lo_ids_new(L, total);
    for (uint64_t k = 0; k < found; k++) {
        lo_value posting = slots[2 * hits[k] + 1];
        memcpy(s.v + s.n, lo_svref(posting, 1), lo_posting_count(posting) * 8);
        s.n += lo_posting_count(posting);
    }
    lo_ids_sort(L, &s);
    return s;
}

/* ---- estimates ---- */

/* How many candidates node `at` would give at most (UNKNOWN: only a scan
 * can tell); cheap: counts, never ids. */
static uint64_t estimate(lo_lisp *L, const struct plan *p, uint32_t at)
{
    struct lo_filter_node n;
    lo_filter_node(p->f, at, &n);
    if (n.op == LO_F_AND || n.op == LO_F_OR) {
        uint64_t best = n.op == LO_F_AND ? UNKNOWN : 0;
        for (uint32_t k = 0, kid = n.first; k < n.count; k++) {
            uint64_t e = estimate(L, p, kid);
            if (n.op == LO_F_AND && e < best)
                best = e;
            if (n.op == LO_F_OR)
                best = e == UNKNOWN || best == UNKNOWN ? UNKNOWN : best + e;
            struct lo_filter_node kn;
            lo_filter_node(p->f, kid, &kn);
            kid = kn.next;
        }
        return best;
    }
    lo_value index = index_for(L, p, &n);
    if (lo_null(L, index))
        return UNKNOWN;
    if (n.op == LO_F_HAS)
        return lo_posting_count(*lo_svref(index, INDEX_PRESENT));
    if (n.op == LO_F_CONTAINS)      /* at most every entry with the key */
        return lo_store_index_hash_p(L, index) && few_values(index)
            ? lo_posting_count(*lo_svref(index, INDEX_PRESENT)) : UNKNOWN;
    if (lo_store_index_hash_p(L, index)) {
        if (n.op != LO_F_EQUAL && n.op != LO_F_IN)
            return UNKNOWN;
        uint64_t e = lo_posting_count(*lo_svref(index, INDEX_OTHERS));
        for (uint32_t k = 0; k < n.count; k++) {
            lo_value posting = lo_index_posting(
                L, index, lo_filter_value(p->f, n.operand + k));
            e += lo_null(L, posting) ? 0 : lo_posting_count(posting);
        }
        return e;
    }
    if (n.op >= LO_F_OVERLAPS && n.op <= LO_F_AFTER)
        return lo_fixnum_value(*lo_svref(index, INDEX_PAIRS));
    uint64_t e = 0;
    for (uint32_t k = 0; k < (n.op == LO_F_IN ? n.count : 1); k++) {
        struct lo_index_place from, to;
        lo_value a = lo_filter_value(p->f, n.operand + k);
        lo_value b = n.op == LO_F_BETWEEN ? lo_filter_value(p->f, n.operand + 1)
                                          : a;
        if (range_places(L, index, n.op, a, b, &from, &to))
            e += lo_index_count(index, from, to);
    }
    return e;
}

/* ---- candidates ---- */

/* A keyed node's candidates from its index. */
static struct cands keyed_candidates(lo_lisp *L, const struct plan *p,
                                     const struct lo_filter_node *n,
                                     lo_value index, const char **how)
{
    struct cands c = { .some = true, .exact = true };
    bool hash = lo_store_index_hash_p(L, index);
    *how = hash ? "HASH-INDEX" : "ORDERED-INDEX";
    if (n->op == LO_F_HAS) {
        lo_value present = *lo_svref(index, INDEX_PRESENT);
        c.ids = lo_ids_copy(L, lo_svref(present, 1), lo_posting_count(present));
        return c;
    }
    if (hash && n->op == LO_F_CONTAINS) {
        if (!few_values(index))
            return (struct cands){ .some = false };
        c.ids = contains_ids(L, index, lo_filter_value(p->f, n->operand));
        return c;
    }
    if (hash) {
        if (n->op != LO_F_EQUAL && n->op != LO_F_IN)
            return (struct cands){ .some = false };
        /* the postings of the operands, and of the values hashed by
         * address (no keys: their entries are candidates of every
         * equality), side by side, then sorted as one set */
        lo_value others = *lo_svref(index, INDEX_OTHERS);
        /* each operand's posting looked up once; the last, others' */
        lo_value *postings = lo_scratch_alloc(L, (n->count + 1u) * 8);
        uint64_t total = 0, parts = 0;
        for (uint32_t k = 0; k <= n->count; k++) {
            lo_value posting = others;
            if (k < n->count) {
                lo_value v = lo_filter_value(p->f, n->operand + k);
                posting = lo_index_posting(L, index, v);
                c.exact &= readable_operand(v);
            }
            postings[k] = posting;
            if (!lo_null(L, posting) && lo_posting_count(posting)) {
                total += lo_posting_count(posting);
                parts++;
            }
        }
        /* many ids (repeated operands, say): united as bits instead */
        int64_t next = lo_fixnum_value(*lo_svref(p->store, STORE_NEXT_ID));
        bool as_bits = parts > 1 && total > (uint64_t)next / 8;
        struct lo_id_bits bits = { 0, 0, 0 };
        if (as_bits)
            bits = lo_id_bits_new(L, next);
        else
            c.ids = lo_ids_new(L, total);
        for (uint32_t k = 0; k <= n->count; k++) {
            lo_value posting = postings[k];
            if (lo_null(L, posting) || !lo_posting_count(posting))
                continue;
            if (as_bits) {
                lo_id_bits_add(&bits, lo_svref(posting, 1),
                               lo_posting_count(posting));
                continue;
            }
            memcpy(c.ids.v + c.ids.n, lo_svref(posting, 1),
                   lo_posting_count(posting) * 8);
            c.ids.n += lo_posting_count(posting);
        }
        if (lo_posting_count(others))
            c.exact = false;
        if (as_bits)
            c.bits = bits;
        else if (parts > 1)
            lo_ids_sort(L, &c.ids);
        return c;
    }
    int64_t next = lo_fixnum_value(*lo_svref(p->store, STORE_NEXT_ID));
    if (n->op >= LO_F_OVERLAPS && n->op <= LO_F_AFTER) {
        date_ids(L, n->op, index, lo_filter_value(p->f, n->operand), next, &c);
        return c;
    }
    uint32_t operands = n->op == LO_F_IN ? n->count : 1;
    struct lo_id_bits bits = { 0, 0, 0 };
    if (operands > 1)                   /* each operand's range, as bits */
        bits = lo_id_bits_new(L, next);
    c.ids = lo_ids_new(L, 0);
    for (uint32_t k = 0; k < operands; k++) {
        lo_value a = lo_filter_value(p->f, n->operand + k);
        lo_value b = n->op == LO_F_BETWEEN ? lo_filter_value(p->f, n->operand + 1)
                                           : a;
        if ((n->op == LO_F_EQUAL || n->op == LO_F_IN) &&
            !lo_store_orderable(L, a))
            return (struct cands){ .some = false };   /* a keyword: a scan */
        /* equality of numbers is EQL's (1 is not 1.0), their order not */
        if ((n->op == LO_F_EQUAL || n->op == LO_F_IN) && lo_numberp(a))
            c.exact = false;
        struct lo_index_place from, to;
        if (!range_places(L, index, n->op, a, b, &from, &to))
            continue;
        if (operands == 1)
            range_ids(L, index, from, to, next, &c);
        else
            lo_index_id_bits(index, from, to, &bits);
    }
    if (operands > 1)
        c.bits = bits;
    return c;
}

/* Note what the planner did at a node, when explaining: (HOW [:KEY key]
 * [:ESTIMATED n]), n the candidates the caller may read. */
static lo_value note(lo_lisp *L, const struct plan *p, const char *how,
                     lo_value key, const struct cands *c)
{
    lo_value l = L->nil;
    if (c && c->some) {
        int64_t visible = 0;
        for (uint64_t i = 0; i < c->ids.n; i++)
            visible += lo_store_readable(L, p->store,
                                         lo_fixnum_value(c->ids.v[i]),
                                         p->caller);
        for (uint64_t w = 0; c->bits.w && w < c->bits.words; w++)
            for (uint64_t x = c->bits.w[w]; x; x &= x - 1)
                visible += lo_store_readable(
                    L, p->store, (int64_t)(w * 64 + (uint64_t)__builtin_ctzll(x)),
                    p->caller);
        l = lo_cons(L, lo_intern_keyword(L, "ESTIMATED"),
                    lo_cons(L, lo_fixnum(visible), l));
    }
    if (key)
        l = lo_cons(L, lo_intern_keyword(L, "KEY"), lo_cons(L, key, l));
    return lo_cons(L, lo_intern_keyword(L, how), l);
}

static struct cands candidates(lo_lisp *L, const struct plan *p, uint32_t at,
                               lo_value *explained);

/* How many candidates c holds, at most. */
static uint64_t cands_count(const struct cands *c)
{
    return c->bits.w ? c->bits.most : c->ids.n;
}

/* acc intersected with c, in acc's own memory (c's is given back). */
static void intersect_into(struct cands *acc, const struct cands *c)
{
    if (acc->bits.w && c->bits.w)
        lo_id_bits_and(&acc->bits, &c->bits);
    else if (acc->bits.w)
        lo_id_bits_keep_ids(&acc->bits, c->ids);
    else if (c->bits.w)
        lo_ids_keep_bits(&acc->ids, &c->bits);
    else
        lo_ids_intersect_into(&acc->ids, c->ids);
}

/* The children of an AND, the likely smallest first: each intersects
 * what the ones before gave, unless it would give many times more
 * candidates than there are (then the check of each candidate decides
 * it, which is cheaper than reading its index). */
static struct cands and_candidates(lo_lisp *L, const struct plan *p,
                                   const struct lo_filter_node *n,
                                   lo_value *parts)
{
    uint32_t *kids = lo_scratch_alloc(L, n->count * sizeof *kids);
    uint64_t *est = lo_scratch_alloc(L, n->count * sizeof *est);
    for (uint32_t k = 0, kid = n->first; k < n->count; k++) {
        kids[k] = kid;
        est[k] = estimate(L, p, kid);
        struct lo_filter_node kn;
        lo_filter_node(p->f, kid, &kn);
        kid = kn.next;
    }
    uint32_t *order = lo_scratch_alloc(L, n->count * sizeof *order);
    for (uint32_t k = 0; k < n->count; k++) {     /* by estimate, stable */
        uint32_t j = k;
        for (; j > 0 && est[order[j - 1]] > est[k]; j--)
            order[j] = order[j - 1];
        order[j] = k;
    }
    lo_value *notes = p->explaining
        ? lo_scratch_alloc(L, n->count * sizeof *notes) : NULL;
    uint32_t mark = lo_roots_mark(L);
    for (uint32_t k = 0; notes && k < n->count; k++) {
        notes[k] = L->nil;
        lo_root(L, &notes[k]);
    }
    struct cands acc = { .some = false, .exact = true };
    for (uint32_t j = 0; j < n->count; j++) {
        uint32_t k = order[j];
        lo_value sub = L->nil;
        if (est[k] == UNKNOWN) {
            acc.exact = false;
            if (notes)
                candidates(L, p, kids[k], &sub);
        } else if (acc.some && est[k] > 8 * cands_count(&acc) + 64) {
            acc.exact = false;
            if (notes) {
                struct lo_filter_node kn;
                lo_filter_node(p->f, kids[k], &kn);
                sub = note(L, p, "CHECK", kn.op >= LO_F_EQUAL && kn.op <= LO_F_HAS
                           ? lo_filter_value(p->f, kn.key) : 0, NULL);
            }
        } else {
            /* after the first, each child's ids are intersected into
             * the first's memory and given back: an AND of many terms
             * holds two sets at a time */
            uint64_t scratch = lo_scratch_mark(L);
            struct cands c = candidates(L, p, kids[k], notes ? &sub : NULL);
            if (!c.some) {
                acc.exact = false;
            } else if (!acc.some) {
                acc.some = true;
                acc.exact &= c.exact;
                acc.ids = c.ids;
                acc.bits = c.bits;
                scratch = lo_scratch_mark(L);       /* it stays */
            } else {
                acc.exact &= c.exact;
                intersect_into(&acc, &c);
            }
            lo_scratch_release(L, scratch);
        }
        if (notes)
            notes[k] = sub;
    }
    for (uint32_t k = n->count; notes && k-- > 0;)
        *parts = lo_cons(L, notes[k], *parts);
    lo_roots_release(L, mark);
    if (!acc.some)
        acc.exact = false;
    return acc;
}

static struct cands or_candidates(lo_lisp *L, const struct plan *p,
                                  const struct lo_filter_node *n,
                                  lo_value *parts)
{
    /* the children's ids united as bits, each child's given back once
     * added: an OR of many terms holds one set at a time */
    struct cands acc = { .some = true, .exact = true };
    int64_t next = lo_fixnum_value(*lo_svref(p->store, STORE_NEXT_ID));
    struct lo_id_bits bits = lo_id_bits_new(L, next);
    lo_value *tail = parts;
    for (uint32_t k = 0, kid = n->first; k < n->count; k++) {
        lo_value sub = L->nil;
        uint32_t mark = lo_roots_mark(L);
        uint64_t scratch = lo_scratch_mark(L);
        lo_root(L, &sub);
        struct cands c = candidates(L, p, kid, parts ? &sub : NULL);
        if (parts) {
            *tail = lo_cons(L, sub, L->nil);
            tail = &lo_ptr(*tail)[2];
        }
        lo_roots_release(L, mark);
        if (!c.some) {
            acc.some = acc.exact = false;
        } else if (acc.some) {
            acc.exact &= c.exact;
            if (c.bits.w)
                lo_id_bits_or(&bits, &c.bits);
            else
                lo_id_bits_add(&bits, c.ids.v, c.ids.n);
        }
        lo_scratch_release(L, scratch);
        if (!acc.some && !parts)
            break;                      /* a scan decides: no need to go on */
        struct lo_filter_node kn;
        lo_filter_node(p->f, kid, &kn);
        kid = kn.next;
    }
    if (acc.some)
        acc.bits = bits;
    return acc;
}

/* The candidates of node `at`: ids holding every entry that can match
 * it (or none: only a scan can tell).  *explained (unless NULL) gets the
 * node's plan; it must be a root. */
static struct cands candidates(lo_lisp *L, const struct plan *p, uint32_t at,
                               lo_value *explained)
{
    struct lo_filter_node n;
    lo_filter_node(p->f, at, &n);
    if (n.op == LO_F_AND || n.op == LO_F_OR) {
        lo_value parts = L->nil;
        uint32_t mark = lo_roots_mark(L);
        lo_root(L, &parts);
        struct cands c = n.op == LO_F_AND
            ? and_candidates(L, p, &n, explained ? &parts : NULL)
            : or_candidates(L, p, &n, explained ? &parts : NULL);
        if (explained) {
            *explained = note(L, p, c.some ? "MERGE" : "SCAN", 0, &c);
            *explained = lo_cons(L, lo_intern_keyword(L, n.op == LO_F_AND
                                                          ? "AND" : "OR"),
                                 lo_cons(L, *explained,
                                         lo_cons(L, parts, L->nil)));
        }
        lo_roots_release(L, mark);
        return c;
    }
    lo_value index = index_for(L, p, &n);
    struct cands c = { .some = false };
    const char *how = "SCAN";
    if (!lo_null(L, index))
        c = keyed_candidates(L, p, &n, index, &how);
    if (!c.some)
        how = "SCAN";
    if (explained) {
        bool keyed = n.op >= LO_F_EQUAL && n.op <= LO_F_CONTAINS;
        *explained = note(L, p, how, keyed ? lo_filter_value(p->f, n.key) : 0,
                          &c);
    }
    return c;
}

/* ---- running a query ----------------------------------------------------------- */

/* What a query finds, in scratch memory: ids ascending, or as bits
 * (bits.w; ids.n still counts them). */
struct found {
    struct lo_ids ids;
    struct lo_id_bits bits;
    uint64_t room;
    uint64_t stop;              /* enough found: offset + limit, unordered */
};

static void add_id(lo_lisp *L, struct found *r, lo_value id)
{
    if (r->ids.n == r->room) {
        uint64_t room = 2 * r->room + 256;
        lo_value *bigger = lo_scratch_alloc(L, room * 8);
        memcpy(bigger, r->ids.v, r->ids.n * 8);
        r->ids.v = bigger;
        r->room = room;
    }
    r->ids.v[r->ids.n++] = id;
}

/* The store's vectors a loop reads, read again after Lisp ran (a
 * collection moves them). */
struct view {
    lo_value store, vis, current, entries;
};

static void view_of(lo_lisp *L, struct view *v)
{
    v->store = *lo_store_root_slot(L);
    v->vis = *lo_svref(v->store, STORE_VISIBILITY);
    v->current = lo_store_dense(v->store, STORE_CURRENT);
    v->entries = *lo_svref(v->store, STORE_ENTRIES);
}

/* Whether the caller may read the entry of id (fixnum word). */
static inline bool readable(lo_lisp *L, const struct view *v, lo_value id,
                            struct lo_store_caller *c)
{
    uint64_t i = (uint64_t)lo_fixnum_value(id);
    int r = lo_store_vis_readable(lo_store_vis_word(v->vis, i), c);
    return r >= 0 ? r : lo_store_readable(L, v->store, (int64_t)i, c);
}

/* Whether the entry of id matches f (the caller may read it). */
static bool matches(lo_lisp *L, struct lo_filter *f, const struct view *v,
                    lo_value id, bool needs_entry, lo_value *entry)
{
    uint64_t i = (uint64_t)lo_fixnum_value(id);
    if (!needs_entry && v->current)
        return lo_filter_match_attrs(L, f, *lo_svref(v->current, i));
    *entry = *lo_svref(v->entries, i);
    return lo_filter_match(L, f, entry);
}

/* Check each id of ids (or, with none, every id) for the caller's right
 * to read it and, unless exact, against the filter. */
static void check(lo_lisp *L, struct lo_filter *f, struct lo_store_caller *c,
                  const struct cands *cands, bool exact, struct found *r)
{
    bool calls_lisp = lo_filter_calls_lisp(f);
    bool needs_entry = lo_filter_needs_entry(f);
    lo_value entry = L->nil;
    uint32_t mark = lo_roots_mark(L);
    lo_root(L, &entry);
    struct view v;
    view_of(L, &v);
    int64_t next = lo_fixnum_value(*lo_svref(v.store, STORE_NEXT_ID));
    uint64_t n = cands ? cands->ids.n : (uint64_t)(next > 1 ? next - 1 : 0);
    if (cands && r->ids.n == 0) {
        /* the ids found are written over the candidates, never past the
         * one being read: no second array to fill */
        r->ids.v = cands->ids.v;
        r->room = n > 0 ? n : 1;
    }
    /* attributes vectors asked for this many ids ahead (a scan's time
     * goes to waiting for them) */
    enum { AHEAD = 8, VIS_AHEAD = 16 };
    bool prefetch = !exact && (needs_entry ? !calls_lisp : v.current != 0);
    for (uint64_t k = 0; k < n && r->ids.n < r->stop; k++) {
        lo_value id = cands ? cands->ids.v[k] : lo_fixnum((int64_t)k + 1);
        lo_limits_tick(L);
        if (prefetch && k + AHEAD < n) {
            uint64_t ahead = (uint64_t)lo_fixnum_value(
                cands ? cands->ids.v[k + AHEAD] : lo_fixnum((int64_t)k + 1 + AHEAD));
            lo_value ahead_of = needs_entry ? v.entries : v.current;
            if (ahead < lo_svlength(ahead_of))
                __builtin_prefetch(lo_ptr(*lo_svref(ahead_of, ahead)));
            /* and an entry record's object, its record asked for before */
            uint64_t half = (uint64_t)lo_fixnum_value(
                cands ? cands->ids.v[k + AHEAD / 2] : lo_fixnum((int64_t)k + 1 + AHEAD / 2));
            if (needs_entry && half < lo_svlength(ahead_of)) {
                lo_value e = *lo_svref(ahead_of, half);
                if (lo_typep(e, LO_T_VECTOR))
                    __builtin_prefetch(lo_ptr(*lo_svref(e, ENTRY_OBJECT)));
            }
        }
        /* candidates skip ids: their visibility words are misses the
         * hardware does not foresee */
        if (cands && k + VIS_AHEAD < n)
            __builtin_prefetch(lo_store_vis_place(
                v.vis, (uint64_t)lo_fixnum_value(cands->ids.v[k + VIS_AHEAD])));
        if (!readable(L, &v, id, c))
            continue;
        if (!exact) {
            bool yes = matches(L, f, &v, id, needs_entry, &entry);
            if (calls_lisp)
                view_of(L, &v);
            if (!yes)
                continue;
        }
        add_id(L, r, id);
    }
    lo_roots_release(L, mark);
}

/* Exact candidates as bits, dense ones (sparse ones are read as ids,
 * which lets the check ask for the visibility words of the ids ahead,
 * and then coded as ids): those the caller may read kept, the rest
 * cleared, in their own words, which r takes (r->stop of them at most:
 * the words end with the one holding the last needed).
 * The visibility words of a word of bits lie side by side: those of a
 * word some way ahead are asked for while this one's are read. */
static void check_bits(lo_lisp *L, struct lo_store_caller *c,
                       struct lo_id_bits *b, struct found *r)
{
    enum { VIS_AHEAD = 6 };             /* words of bits */
    struct view v;
    view_of(L, &v);
    uint64_t n = 0, vis_words = (uint64_t)lo_fixnum_value(lo_ptr(v.vis)[1]) / 2;
    for (uint64_t w = 0; w < b->words; w++) {
        uint64_t x = b->w[w], keep = x;
        if (!x)
            continue;
        lo_limits_tick(L);
        if ((w + VIS_AHEAD) * 64 + 64 <= vis_words) {
            /* 128 bytes: three cache lines at most */
            uint64_t ahead = (w + VIS_AHEAD) * 64;
            __builtin_prefetch(lo_store_vis_place(v.vis, ahead));
            __builtin_prefetch(lo_store_vis_place(v.vis, ahead + 32));
            __builtin_prefetch(lo_store_vis_place(v.vis, ahead + 63));
        }
        for (; x; x &= x - 1) {
            unsigned bit = (unsigned)__builtin_ctzll(x);
            if (!readable(L, &v, lo_fixnum((int64_t)(w * 64 + bit)), c))
                keep &= ~(1ull << bit);
        }
        uint64_t in = lo_bits_set(keep);
        if (n + in >= r->stop) {        /* enough: no id past it is read */
            b->w[w] = keep;
            b->words = w + 1;
            n = r->stop;
            break;
        }
        b->w[w] = keep;
        n += in;
    }
    r->bits = *b;
    r->ids.n = n;
}

/* The ids a query answers, before offset and limit, into r; *explain
 * (unless NULL, a root) gets the plan. */
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
    lo_store_caller_number(L, store, &c);
    lo_root(L, &c.name);
    lo_root(L, &c.groups);
    struct plan p = { .f = &f, .store = store, .explaining = explain != NULL,
                      .caller = &c };
    struct cands cands = candidates(L, &p, f.root, explain);
    if (cands.some && cands.exact && cands.bits.w &&
        lo_id_bits_dense(&cands.bits, LO_STORE_BITS_GAP)) {
        check_bits(L, &c, &cands.bits, r);
        return;
    }
    cands_to_ids(L, &cands);
    check(L, &f, &c, cands.some ? &cands : NULL, cands.some && cands.exact, r);
}
/* ---- primitives ----------------------------------------------------------------- */

/* A query's start: the found ids empty, enough of them `stop`. */
static struct found no_ids(lo_lisp *L, uint64_t stop)
{
    return (struct found){ .ids = lo_ids_new(L, 256), .room = 256,
                           .stop = stop };
}

LO_PRIMITIVE(p_store_query, "%STORE-QUERY", INTERNAL, ANY, 4, 4,
             "(filter order-by limit offset)",
             "The ids of the entries matching FILTER that the caller may "
             "read, ordered by id or by ORDER-BY, from OFFSET on, at most "
             "LIMIT (NIL: no limit), encoded in a byte vector (%STORE-"
             "DIRECTORY-IDS reads it), and their count.  STORE-QUERY's work.")
{
    /* the lock first: waiting for it is a safepoint, where a collection
     * may move what a C variable held (the key below) */
    lo_data_lock_shared(L);
    bool descending;
    lo_value key = parse_order(L, args[1], &descending);
    uint64_t limit = arg_count(L, args[2], UINT64_MAX, ":LIMIT");
    uint64_t offset = arg_count(L, args[3], 0, ":OFFSET");
    uint32_t mark = lo_roots_mark(L);
    uint64_t scratch = lo_scratch_mark(L);
    /* in id order, the first offset + limit found are all it needs */
    uint64_t stop = !lo_null(L, key) || limit == UINT64_MAX ||
                    offset > UINT64_MAX - limit ? UINT64_MAX : offset + limit;
    struct found r = no_ids(L, stop);
    run_query(L, args[0], &r, NULL);
    if (!lo_null(L, key)) {
        if (r.bits.w) {                 /* an order by key needs the ids */
            r.ids = lo_id_bits_ids(L, &r.bits);
            r.bits.w = NULL;
        }
        order_by(L, &r.ids, key, descending);
    }
    lo_data_unlock_shared(L);
    uint64_t from = offset < r.ids.n ? offset : r.ids.n;
    uint64_t n = r.ids.n - from < limit ? r.ids.n - from : limit;
    lo_value out = r.bits.w
        ? lo_store_encode_bits(L, r.bits.w, r.bits.words, from, n)
        : lo_store_encode_ids(L, r.ids.v + from, n);
    lo_scratch_release(L, scratch);
    lo_roots_release(L, mark);
    lo_value both[2] = { out, lo_fixnum((int64_t)n) };
    return lo_values(L, 2, both);
}

LO_PRIMITIVE(p_store_count, "%STORE-COUNT", INTERNAL, ANY, 1, 1, "(filter)",
             "How many entries the caller may read match FILTER.  "
             "STORE-COUNT's work.")
{
    uint32_t mark = lo_roots_mark(L);
    uint64_t scratch = lo_scratch_mark(L);
    struct found r = no_ids(L, UINT64_MAX);
    lo_data_lock_shared(L);
    run_query(L, args[0], &r, NULL);
    lo_data_unlock_shared(L);
    lo_scratch_release(L, scratch);
    lo_roots_release(L, mark);
    return lo_fixnum((int64_t)r.ids.n);
}

LO_PRIMITIVE(p_store_explain, "%STORE-EXPLAIN", INTERNAL, ANY, 1, 1,
             "(filter)",
             "How the store answers FILTER: (:plan PLAN :rows N), PLAN saying "
             "for each term whether an index gave candidates (and how many) "
             "or a scan decides, N the entries the caller may read that "
             "match.  STORE-EXPLAIN's work.")
{
    uint32_t mark = lo_roots_mark(L);
    uint64_t scratch = lo_scratch_mark(L);
    struct found r = no_ids(L, UINT64_MAX);
    lo_value plan = L->nil;
    lo_root(L, &plan);
    lo_data_lock_shared(L);
    run_query(L, args[0], &r, &plan);
    lo_data_unlock_shared(L);
    lo_scratch_release(L, scratch);
    lo_value out = lo_cons(L, lo_intern_keyword(L, "PLAN"),
                           lo_cons(L, plan,
                                   lo_cons(L, lo_intern_keyword(L, "ROWS"),
                                           lo_cons(L, lo_fixnum((int64_t)r.ids.n),
                                                   L->nil))));
    lo_roots_release(L, mark);
    return out;
}

/* The ids of the list ids (any values: those that name no entry are
 * left out) that the caller may read and that match filter: a live
 * query's check of the entries a change touched (server/watch.c). */
LO_PRIMITIVE(p_store_matching, "%STORE-MATCHING", INTERNAL, ANY, 2, 2,
             "(filter ids)",
             "The ids of the list IDS, ascending, that name entries the "
             "caller may read and that match FILTER.  A live query's check "
             "of the entries a change touched.")
{
    uint32_t mark = lo_roots_mark(L);
    uint64_t scratch = lo_scratch_mark(L);
    lo_data_lock_shared(L);
    struct found r = no_ids(L, UINT64_MAX);
    struct lo_filter f;
    lo_filter_compile(L, args[0], &f);
    lo_value store = lo_store_record(L, false);
    if (store) {
        struct lo_store_caller c;
        lo_store_caller(L, store, &c);
        lo_store_caller_number(L, store, &c);
        lo_root(L, &c.name);
        lo_root(L, &c.groups);
        int64_t next = lo_fixnum_value(*lo_svref(store, STORE_NEXT_ID));
        uint64_t n = 0;
        for (lo_value at = args[1]; lo_consp(at); at = lo_cdr_raw(at))
            n++;
        struct cands cands = { .some = true };
        cands.ids = lo_ids_new(L, n ? n : 1);
        for (lo_value at = args[1]; lo_consp(at); at = lo_cdr_raw(at)) {
            lo_value id = lo_car_raw(at);
            if (lo_fixnump(id) && lo_fixnum_value(id) >= 1 &&
                lo_fixnum_value(id) < next)
                cands.ids.v[cands.ids.n++] = id;
        }
        lo_ids_sort(L, &cands.ids);
        check(L, &f, &c, &cands, false, &r);
    }
    lo_data_unlock_shared(L);
    lo_value list = L->nil;
    lo_root(L, &list);
    for (uint64_t k = r.ids.n; k > 0; k--)
        list = lo_cons(L, r.ids.v[k - 1], list);
    lo_scratch_release(L, scratch);
    lo_roots_release(L, mark);
    return list;
}

const struct lo_primitive *const lo_store_query_primitives[] = {
    LO_ROW(p_store_query),
    LO_ROW(p_store_count),
    LO_ROW(p_store_explain),
    LO_ROW(p_store_matching),
    NULL,
};
