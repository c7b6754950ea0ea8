/*
 * sequences.c -- the sequence functions, over lists, simple vectors,
 * strings and byte vectors alike.
 *
 *   simple      elt, subseq, copy-seq, reverse, nreverse, concatenate,
 *               coerce, character, fill, replace
 *   walks       the ones that call back into Lisp: find, position, count,
 *               remove, delete, substitute (and their -if, -if-not forms),
 *               remove-duplicates, member-if, search, mismatch, reduce
 *   sort        sort and stable-sort (one stable merge sort)
 *   several     map, every, some, notany, notevery
 *
 * Two functions of other chapters live here because they are this
 * file's machinery: MEMBER-IF and MEMBER-IF-NOT (conses) are walks with
 * the sequence functions' :key, and CHARACTER (characters) is COERCE's
 * conversion to a character.
 *
 * How the sequence functions are built.  A function walks its sequence by
 * index: a vector directly, a list through a snapshot -- a fresh simple
 * vector of its elements.  One loop then serves every kind of sequence,
 * and the walk stays correct across calls back into Lisp (:test, :key, the
 * predicates), which may reach a safepoint where the collector moves
 * objects: a walk keeps its values in a struct walk whose slots are roots,
 * keeps only integer positions in C, and reads an element again after
 * every call.  Results are gathered in a rooted scratch vector and made
 * into the sequence type wanted at the end.  A function that calls back
 * returns through lo_values(L, 1, ...) so that values left by the last
 * callback are not mistaken for its own.
 *
 * DELETE and DELETE-DUPLICATES return fresh sequences like their REMOVE
 * counterparts (the standard allows it); they still want the write bit of
 * a vector, since the caller asked to change it.
 */
#include <string.h>

#include "drivers/printf.h"
#include "lisp/numbers.h"
#include "lisp/sequences.h"

static bool truthy(lo_lisp *L, lo_value v) { return !lo_null(L, v); }

/* ---- sequences that need no callbacks ------------------------------------ */

/* (sequences.h) A dotted list's end is found by Floyd's two pointers,
 * which also tell a circular list. */
uint64_t lo_list_length_arg(lo_lisp *L, lo_value list)
{
    int64_t n = lo_list_length(L, list);
    if (n >= 0)
        return (uint64_t)n;
    lo_value slow = list, fast = list;
    while (lo_consp(fast) && lo_consp(lo_cdr_raw(fast))) {
        fast = lo_cdr_raw(lo_cdr_raw(fast));
        slow = lo_cdr_raw(slow);
        if (fast == slow)
            lo_arg_error(L, list, "LIST");
    }
    lo_arg_error(L, lo_consp(fast) ? lo_cdr_raw(fast) : fast, "LIST");
}

/* The cons holding element i (the value index) of a list; past the end
 * a TYPE-ERROR about the index, of the type SBCL names, or about the end
 * of a dotted list. */
static lo_value nth_cons(lo_lisp *L, lo_value list, uint64_t i,
                         lo_value index, const char *op)
{
    uint64_t n = 0;
    for (; lo_consp(list); list = lo_cdr_raw(list), n++)
        if (n == i)
            return list;
    if (!lo_null(L, list))
        lo_arg_error_op(L, op, list, "LIST");
    char expected[48];
    if (n == 0)
        lo_snprintf(expected, sizeof expected, "(INTEGER 0 (0))");
    else
        lo_snprintf(expected, sizeof expected, "(INTEGER 0 %llu)",
                    (unsigned long long)(n - 1));
    lo_arg_error_op(L, op, index, expected);
}

LO_PRIMITIVE(p_elt, "ELT", CL, ANY, 2, 2, "(sequence index)",
             "The element of SEQUENCE at INDEX (from 0).  A vector needs "
             "its read access bit.")
{
    uint64_t i = lo_index_arg(L, args[1], "ELT");
    if (lo_sequence_arg(L, args[0], "ELT") == LO_K_LIST)
        return lo_car_raw(nth_cons(L, args[0], i, args[1], "ELT"));
    lo_value v = lo_vector_arg(L, args[0], LO_ACCESS_READ, "ELT");
    return lo_any_vector_ref(v, lo_vector_index(L, v, args[1], "ELT"));
}

/* (%elt-set sequence index value): what (setf (elt s i) x) becomes. */
LO_PRIMITIVE(p_elt_set, "%ELT-SET", INTERNAL, ANY, 3, 3,
             "(sequence index new-element)",
             "Store NEW-ELEMENT at INDEX of SEQUENCE and return it: what "
             "(SETF (ELT SEQUENCE INDEX) NEW-ELEMENT) expands into.  A "
             "vector needs its write access bit.")
{
    const char *op = "(SETF ELT)";
    uint64_t i = lo_index_arg(L, args[1], op);
    if (lo_sequence_arg(L, args[0], op) == LO_K_LIST) {
        lo_ptr(nth_cons(L, args[0], i, args[1], op))[1] = args[2];
        return args[2];
    }
    lo_value v = lo_vector_arg(L, args[0], LO_ACCESS_WRITE, op);
    lo_any_vector_set(L, v, lo_vector_index(L, v, args[1], op), args[2], op);
    return args[2];
}

LO_PRIMITIVE(p_subseq, "SUBSEQ", CL, ANY, 2, 3,
             "(sequence start &optional end)",
             "A fresh sequence of the same kind holding the elements of "
             "SEQUENCE from START up to END (its end when END is NIL or not "
             "given).")
{
    enum lo_kind k = lo_sequence_arg(L, args[0], "SUBSEQ");
    lo_value items = lo_items_of(L, args[0], "SUBSEQ");
    uint64_t start, end;
    lo_bounds(L, "SUBSEQ", args[1], nargs > 2 ? args[2] : LO_UNBOUND,
              lo_any_vector_length(items), &start, &end);
    return lo_sequence_from(L, k, items, start, end - start, "SUBSEQ");
}

LO_PRIMITIVE(p_copy_seq, "COPY-SEQ", CL, ANY, 1, 1, "(sequence)",
             "A fresh copy of SEQUENCE, of the same kind; the elements "
             "themselves are not copied.")
{
    enum lo_kind k = lo_sequence_arg(L, args[0], "COPY-SEQ");
    lo_value items = lo_items_of(L, args[0], "COPY-SEQ");
    return lo_sequence_from(L, k, items, 0, lo_any_vector_length(items),
                            "COPY-SEQ");
}

/* Reverse any vector's elements in place (no access check). */
static void reverse_vector(lo_lisp *L, lo_value v)
{
    uint64_t len = lo_any_vector_length(v);
    for (uint64_t i = 0; i < len / 2; i++) {
        lo_value x = lo_any_vector_ref(v, i);
        lo_any_vector_set(L, v, i, lo_any_vector_ref(v, len - 1 - i), "");
        lo_any_vector_set(L, v, len - 1 - i, x, "");
    }
}

LO_PRIMITIVE(p_reverse, "REVERSE", CL, ANY, 1, 1, "(sequence)",
             "A fresh sequence of the same kind holding the elements of "
             "SEQUENCE in reverse order.")
{
    enum lo_kind k = lo_sequence_arg(L, args[0], "REVERSE");
    if (k == LO_K_LIST) {
        lo_list_length_arg(L, args[0]);
        lo_value r = L->nil;
        for (lo_value l = args[0]; lo_consp(l); l = lo_cdr_raw(l))
            r = lo_cons(L, lo_car_raw(l), r);
        return r;
    }
    lo_value v = lo_items_of(L, args[0], "REVERSE");
    v = lo_sequence_from(L, k, v, 0, lo_any_vector_length(v), "REVERSE");
    reverse_vector(L, v);
    return v;
}

/* nreverse: a list's conses are relinked, a vector reversed in place. */
LO_PRIMITIVE(p_nreverse, "NREVERSE", CL, ANY, 1, 1, "(sequence)",
             "SEQUENCE in reverse order, reusing it: a list's conses are "
             "relinked (use the value returned), a vector is reversed in "
             "place and needs its read and write access bits.")
{
    if (lo_sequence_arg(L, args[0], "NREVERSE") == LO_K_LIST) {
        lo_list_length_arg(L, args[0]);
        lo_check_list_write(L, args[0], "NREVERSE");
        lo_value done = L->nil, l = args[0];
        while (lo_consp(l)) {
            lo_value next = lo_cdr_raw(l);
            lo_ptr(l)[2] = done;
            done = l;
            l = next;
        }
        return done;
    }
    lo_value v = lo_vector_arg(L, args[0], LO_ACCESS_READ | LO_ACCESS_WRITE,
                               "NREVERSE");
    reverse_vector(L, v);
    return v;
}

/* (concatenate result-type &rest sequences) */
LO_PRIMITIVE(p_concatenate, "CONCATENATE", CL, ANY, 1, -1,
             "(result-type &rest sequences)",
             "A fresh sequence of RESULT-TYPE holding the elements of "
             "SEQUENCES in order.  RESULT-TYPE is LIST, a vector type "
             "(VECTOR, SIMPLE-VECTOR, (VECTOR (UNSIGNED-BYTE 8))...) or a "
             "string type.")
{
    const char *op = "CONCATENATE";
    enum lo_kind k = lo_result_kind(L, args[0], false, op);
    uint64_t total = 0;
    for (uint32_t i = 1; i < nargs; i++)
        total += lo_sequence_arg(L, args[i], op) == LO_K_LIST
               ? lo_list_length_arg(L, args[i])
               : lo_any_vector_length(args[i]);
    lo_value all = lo_new_vector(L, total, L->nil);
    uint64_t at = 0;
    for (uint32_t i = 1; i < nargs; i++) {
        if (lo_consp(args[i])) {
            for (lo_value l = args[i]; lo_consp(l); l = lo_cdr_raw(l))
                lo_vector_items(all)[at++] = lo_car_raw(l);
            continue;
        }
        lo_value items = lo_items_of(L, args[i], op);  /* checks the read bit */
        for (uint64_t j = 0; j < lo_any_vector_length(items); j++)
            lo_vector_items(all)[at++] = lo_any_vector_ref(items, j);
    }
    return lo_sequence_from(L, k, all, 0, total, op);
}

/* (character x): a character, or a string or symbol name of length one. */
static lo_value to_character(lo_lisp *L, lo_value x, const char *op)
{
    if (lo_charp(x))
        return x;
    lo_value s = lo_symbolp(x) ? lo_symbol_name(x) : x;
    if (lo_typep(s, LO_T_STRING) && lo_string_length(s) == 1) {
        lo_check_access(L, s, LO_ACCESS_READ, op);
        return lo_char(lo_string_chars(s)[0]);
    }
    lo_arg_error(L, x, "(OR CHARACTER (STRING 1))");
}

LO_PRIMITIVE(p_character, "CHARACTER", CL, ANY, 1, 1, "(character)",
             "The character CHARACTER designates: a character itself, or "
             "the one character of a string or of a symbol's name.")
{
    return to_character(L, args[0], "CHARACTER");
}

/* (coerce x type): to a sequence type, CHARACTER, or T.  A sequence that
 * is of the type already is returned as it is. */
LO_PRIMITIVE(p_coerce, "COERCE", CL, ANY, 2, 2, "(object result-type)",
             "OBJECT as an object of RESULT-TYPE: a sequence converted to "
             "another sequence type (a fresh one unless OBJECT is of that "
             "type already), a character designator to a CHARACTER, "
             "anything to T.  Other types are not supported yet.")
{
    if (lo_type_named(args[1], "T"))
        return args[0];
    if (lo_type_named(args[1], "CHARACTER"))
        return to_character(L, args[0], "COERCE");
    enum lo_kind k = lo_result_kind(L, args[1], false, "COERCE");
    if (lo_sequence_arg(L, args[0], "COERCE") == k)
        return args[0];
    lo_value items = lo_items_of(L, args[0], "COERCE");
    return lo_sequence_from(L, k, items, 0, lo_any_vector_length(items),
                            "COERCE");
}

/* (fill sequence item &key start end) */
LO_PRIMITIVE(p_fill, "FILL", CL, ANY, 2, -1,
             "(sequence item &key (start 0) end)",
             "SEQUENCE with the elements from START up to END replaced by "
             "ITEM; returns SEQUENCE.  A vector needs its write access bit.")
{
    const char *op = "FILL";
    lo_value k[2];
    lo_parse_keys(L, op, args, nargs, 2, "START END", k);
    uint64_t start, end;
    if (lo_sequence_arg(L, args[0], op) == LO_K_LIST) {
        uint64_t len = lo_list_length_arg(L, args[0]);
        lo_bounds(L, op, k[0], k[1], len, &start, &end);
        lo_check_list_write(L, args[0], op);
        lo_value l = args[0];
        for (uint64_t i = 0; i < end; i++, l = lo_cdr_raw(l))
            if (i >= start)
                lo_ptr(l)[1] = args[1];
        return args[0];
    }
    lo_value v = lo_vector_arg(L, args[0], LO_ACCESS_WRITE, op);
    lo_bounds(L, op, k[0], k[1], lo_any_vector_length(v), &start, &end);
    for (uint64_t i = start; i < end; i++)
        lo_any_vector_set(L, v, i, args[1], op);
    return v;
}

/* count elements of vector src from s2 into vector v from s1, as memmove
 * does: overlapping ranges of one vector come out as the standard asks,
 * with nothing copied aside (a vector of a million elements replaced into
 * itself must not need a second one).  Byte vectors and strings are moved
 * whole; elements are checked to fit otherwise. */
static void move_elements(lo_lisp *L, lo_value v, uint64_t s1, lo_value src,
                          uint64_t s2, uint64_t count, const char *op)
{
    enum lo_type t = lo_type_of_object(v);
    if (t == LO_T_BYTES && lo_type_of_object(src) == LO_T_BYTES) {
        memmove(lo_bytes_data(v) + s1, lo_bytes_data(src) + s2, count);
    } else if (t == LO_T_STRING && lo_type_of_object(src) == LO_T_STRING) {
        memmove(lo_string_chars(v) + s1, lo_string_chars(src) + s2,
                count * sizeof(uint32_t));
    } else if (lo_eq(v, src) && s1 > s2) {
        for (uint64_t i = count; i-- > 0;)      /* from the end */
            lo_any_vector_set(L, v, s1 + i, lo_any_vector_ref(src, s2 + i),
                              op);
    } else {
        for (uint64_t i = 0; i < count; i++)
            lo_any_vector_set(L, v, s1 + i, lo_any_vector_ref(src, s2 + i),
                              op);
    }
}

/* (replace target source &key start1 end1 start2 end2). */
LO_PRIMITIVE(p_replace, "REPLACE", CL, ANY, 2, -1,
             "(sequence-1 sequence-2 &key (start1 0) end1 (start2 0) end2)",
             "SEQUENCE-1 with its elements from START1 replaced by those of "
             "SEQUENCE-2 from START2, as many as the shorter of the two "
             "ranges holds; returns SEQUENCE-1.  Overlapping ranges of one "
             "vector are copied correctly; a target vector needs its write "
             "access bit.")
{
    const char *op = "REPLACE";
    lo_value k[4];
    lo_parse_keys(L, op, args, nargs, 2, "START1 END1 START2 END2", k);
    enum lo_kind kind = lo_sequence_arg(L, args[0], op);
    lo_value src = lo_items_of(L, args[1], op);     /* a list: a copy */
    uint64_t s1, e1, s2, e2, len1;
    if (kind == LO_K_LIST) {
        len1 = lo_list_length_arg(L, args[0]);
    } else {
        lo_vector_arg(L, args[0], LO_ACCESS_WRITE, op);
        len1 = lo_any_vector_length(args[0]);
    }
    lo_bounds(L, op, k[0], k[1], len1, &s1, &e1);
    lo_bounds(L, op, k[2], k[3], lo_any_vector_length(src), &s2, &e2);
    uint64_t count = e1 - s1 < e2 - s2 ? e1 - s1 : e2 - s2;
    if (kind == LO_K_LIST) {
        lo_value l = count ? nth_cons(L, args[0], s1, lo_fixnum((int64_t)s1),
                                      op)
                           : L->nil;
        lo_check_list_write(L, l, op);
        for (uint64_t i = 0; i < count; i++, l = lo_cdr_raw(l))
            lo_ptr(l)[1] = lo_any_vector_ref(src, s2 + i);
    } else {
        move_elements(L, args[0], s1, src, s2, count, op);
    }
    return args[0];
}

/* ---- walks: the sequence functions that call back into Lisp -------------- */

struct walk {
    lo_lisp *L;
    const char *op;
    uint32_t mark;          /* the roots to release at the end */
    /* roots: the collector keeps these up to date */
    lo_value items;         /* the sequence by index (items_of) */
    lo_value items2;        /* the second one, for SEARCH and MISMATCH */
    lo_value item;          /* the item sought, or the predicate (-IF) */
    lo_value test;          /* :test or :test-not, or LO_UNBOUND: EQL */
    lo_value key;           /* :key, or LO_UNBOUND: the element itself */
    lo_value out;           /* a result being gathered */
    lo_value tmp;           /* a value kept across one call */
    /* the rest is not values */
    enum lo_kind kind;
    uint64_t len, start, end, len2, start2, end2;
    int64_t count;          /* :count, or -1 for no limit */
    bool from_end, negate, is_if;
};

static void walk_open(lo_lisp *L, struct walk *w, const char *op)
{
    memset(w, 0, sizeof *w);
    w->L = L;
    w->op = op;
    w->mark = lo_roots_mark(L);
    w->items = w->items2 = w->item = w->out = w->tmp = L->nil;
    w->test = w->key = LO_UNBOUND;
    w->count = -1;
    lo_value *slots[] = { &w->items, &w->items2, &w->item, &w->test,
                          &w->key, &w->out, &w->tmp };
    for (unsigned i = 0; i < sizeof slots / sizeof slots[0]; i++)
        lo_root(L, slots[i]);
}

static lo_value walk_close(struct walk *w, lo_value result)
{
    lo_roots_release(w->L, w->mark);
    return lo_values(w->L, 1, &result);
}

static lo_value elt_at(struct walk *w, uint64_t i)
{
    return lo_any_vector_ref(w->items, i);
}

static lo_value elt2_at(struct walk *w, uint64_t i)
{
    return lo_any_vector_ref(w->items2, i);
}

static void walk_sequence(struct walk *w, lo_value seq)
{
    w->kind = lo_sequence_arg(w->L, seq, w->op);
    w->items = lo_items_of(w->L, seq, w->op);
    w->len = lo_any_vector_length(w->items);
}

/* The keyword arguments of the sequence functions, all in one list; each
 * function says which it takes. */
enum { KEY_TEST, KEY_TEST_NOT, KEY_KEY, KEY_START, KEY_END, KEY_FROM_END,
       KEY_COUNT, KEY_START1, KEY_END1, KEY_START2, KEY_END2,
       KEY_INITIAL_VALUE, NKEYS };
static const char key_names[] = "TEST TEST-NOT KEY START END FROM-END COUNT "
                                "START1 END1 START2 END2 INITIAL-VALUE";
#define B(k) (1u << KEY_##k)
#define TEST_KEYS (B(TEST) | B(TEST_NOT) | B(KEY))
#define RANGE_KEYS (B(START) | B(END) | B(FROM_END))

static void take_keys(struct walk *w, const lo_value *a, uint32_t n,
                      uint32_t first, unsigned allowed, lo_value *k)
{
    lo_lisp *L = w->L;
    lo_parse_keys(L, w->op, a, n, first, key_names, k);
    if (lo_given(L, lo_keyword_arg(L, a, n, first, "ALLOW-OTHER-KEYS")))
        return;
    for (unsigned i = 0; i < NKEYS; i++)
        if (k[i] != LO_UNBOUND && !(allowed & 1u << i))
            lo_error(L, "PROGRAM-ERROR", "%s: unknown keyword argument",
                     w->op);
}

/* Apply the parsed keys to the walk (after walk_sequence: the bounds are
 * checked against its length). */
static void use_keys(struct walk *w, const lo_value *k)
{
    lo_lisp *L = w->L;
    if (k[KEY_TEST] != LO_UNBOUND && k[KEY_TEST_NOT] != LO_UNBOUND)
        lo_error(L, "PROGRAM-ERROR", "%s: both :test and :test-not", w->op);
    if (k[KEY_TEST] != LO_UNBOUND)
        w->test = lo_function_designator(L, k[KEY_TEST], w->op);
    if (k[KEY_TEST_NOT] != LO_UNBOUND) {
        w->test = lo_function_designator(L, k[KEY_TEST_NOT], w->op);
        w->negate = true;
    }
    if (lo_given(L, k[KEY_KEY]))
        w->key = lo_function_designator(L, k[KEY_KEY], w->op);
    w->from_end = lo_given(L, k[KEY_FROM_END]);
    if (lo_given(L, k[KEY_COUNT])) {
        lo_value c = k[KEY_COUNT];
        if (!lo_integerp(c))
            lo_arg_error(L, c, "(OR NULL INTEGER)");
        w->count = lo_int_compare(c, lo_fixnum(0)) < 0 ? 0
                 : lo_fixnump(c) ? lo_fixnum_value(c) : INT64_MAX;
    }
    lo_bounds(L, w->op, k[KEY_START], k[KEY_END], w->len, &w->start, &w->end);
}

static lo_value call1(lo_lisp *L, lo_value fn, lo_value x)
{
    return lo_vm_apply(L, fn, &x, 1);
}

static lo_value call2(lo_lisp *L, lo_value fn, lo_value x, lo_value y)
{
    lo_value args[2] = { x, y };
    return lo_vm_apply(L, fn, args, 2);
}

static lo_value keyed(struct walk *w, lo_value x)
{
    return w->key == LO_UNBOUND ? x : call1(w->L, w->key, x);
}

/* Whether element x satisfies the walk's test: (test item (key x)), or
 * (predicate (key x)) for the -IF functions; negated for :test-not and
 * -IF-NOT.  x is stale once this returns (it called Lisp). */
static bool satisfies(struct walk *w, lo_value x)
{
    lo_lisp *L = w->L;
    lo_value k = keyed(w, x);
    bool yes;
    if (w->is_if)
        yes = truthy(L, call1(L, w->item, k));
    else if (w->test == LO_UNBOUND)
        yes = lo_eql(w->item, k);
    else
        yes = truthy(L, call2(L, w->test, w->item, k));
    return yes != w->negate;
}

/* (key x) and (key y); the first is kept in a root while the second is
 * computed. */
static void key_both(struct walk *w, lo_value x, lo_value y, lo_value *kx,
                     lo_value *ky)
{
    w->tmp = y;
    lo_value k = keyed(w, x);
    y = w->tmp;
    w->tmp = k;
    *ky = keyed(w, y);
    *kx = w->tmp;
}

/* Whether two elements match: (test (key x) (key y)). */
static bool pair_matches(struct walk *w, lo_value x, lo_value y)
{
    lo_value kx, ky;
    key_both(w, x, y, &kx, &ky);
    bool yes = w->test == LO_UNBOUND ? lo_eql(kx, ky)
             : truthy(w->L, call2(w->L, w->test, kx, ky));
    return yes != w->negate;
}

/* The three forms of FIND, POSITION, COUNT, REMOVE, SUBSTITUTE...: with an
 * item (and :test), with a predicate, with a negated predicate. */
enum variant { ITEM, IF, IF_NOT };

/*
 * Set a walk up for a function whose item (or predicate) is a[seq_at - 1],
 * whose sequence is a[seq_at] and whose keyword arguments follow.
 */
static void walk_item(struct walk *w, const lo_value *a, uint32_t n,
                      enum variant v, uint32_t seq_at, unsigned allowed)
{
    lo_value k[NKEYS];
    if (v != ITEM)
        allowed &= ~(B(TEST) | B(TEST_NOT));
    take_keys(w, a, n, seq_at + 1, allowed, k);
    if (v == ITEM) {
        w->item = a[seq_at - 1];
    } else {
        w->item = lo_function_designator(w->L, a[seq_at - 1], w->op);
        w->is_if = true;
        w->negate = v == IF_NOT;
    }
    walk_sequence(w, a[seq_at]);
    use_keys(w, k);
}

/* The position of the j-th element visited: from start, or from the end. */
static uint64_t visit(struct walk *w, uint64_t j)
{
    return w->from_end ? w->end - 1 - j : w->start + j;
}

/* The first element (the last with :from-end) of the range that
 * satisfies the test, or -1. */
static int64_t find_index(struct walk *w)
{
    for (uint64_t j = 0; j < w->end - w->start; j++)
        if (satisfies(w, elt_at(w, visit(w, j))))
            return (int64_t)visit(w, j);
    return -1;
}

#define FIND_KEYS (TEST_KEYS | RANGE_KEYS)

static lo_value find(lo_lisp *L, lo_value *a, uint32_t n, enum variant v,
                     const char *op)
{
    struct walk w;
    walk_open(L, &w, op);
    walk_item(&w, a, n, v, 1, FIND_KEYS);
    int64_t i = find_index(&w);
    return walk_close(&w, i < 0 ? L->nil : elt_at(&w, (uint64_t)i));
}

static lo_value position(lo_lisp *L, lo_value *a, uint32_t n, enum variant v,
                         const char *op)
{
    struct walk w;
    walk_open(L, &w, op);
    walk_item(&w, a, n, v, 1, FIND_KEYS);
    int64_t i = find_index(&w);
    return walk_close(&w, i < 0 ? L->nil : lo_fixnum(i));
}

static lo_value count(lo_lisp *L, lo_value *a, uint32_t n, enum variant v,
                      const char *op)
{
    struct walk w;
    walk_open(L, &w, op);
    walk_item(&w, a, n, v, 1, FIND_KEYS);
    int64_t found = 0;
    for (uint64_t i = w.start; i < w.end; i++)
        found += satisfies(&w, elt_at(&w, i));
    return walk_close(&w, lo_fixnum(found));
}

/* Copy elements [from, to) into out at `at`; returns the next free index. */
static uint64_t copy_out(struct walk *w, uint64_t from, uint64_t to,
                         uint64_t at)
{
    for (uint64_t i = from; i < to; i++)
        lo_vector_items(w->out)[at++] = elt_at(w, i);
    return at;
}

/*
 * Gather into out, from index at, the elements of the range that are
 * kept: all but the first :count that satisfy the test (the last ones,
 * with :from-end).  Visiting from the end, the kept ones fill their part
 * of out backwards and are moved down after.  Returns how many were kept.
 */
static uint64_t gather_kept(struct walk *w, uint64_t at)
{
    uint64_t span = w->end - w->start, kept = 0;
    int64_t removed = 0;
    for (uint64_t j = 0; j < span; j++) {
        uint64_t i = visit(w, j);
        if ((w->count < 0 || removed < w->count) &&
            satisfies(w, elt_at(w, i))) {
            removed++;
            continue;
        }
        uint64_t to = w->from_end ? at + span - 1 - kept : at + kept;
        lo_vector_items(w->out)[to] = elt_at(w, i);
        kept++;
    }
    if (w->from_end) {
        lo_value *items = lo_vector_items(w->out);
        memmove(items + at, items + at + span - kept, kept * sizeof *items);
    }
    return kept;
}

#define REMOVE_KEYS (FIND_KEYS | B(COUNT))

static lo_value remove_items(lo_lisp *L, lo_value *a, uint32_t n,
                             enum variant v, bool destructive, const char *op)
{
    struct walk w;
    walk_open(L, &w, op);
    walk_item(&w, a, n, v, 1, REMOVE_KEYS);
    if (destructive && w.kind != LO_K_LIST)
        lo_check_access(L, a[1], LO_ACCESS_WRITE, op);
    w.out = lo_new_vector(L, w.len, L->nil);
    uint64_t k = copy_out(&w, 0, w.start, 0);
    k += gather_kept(&w, k);
    k = copy_out(&w, w.end, w.len, k);
    return walk_close(&w, lo_sequence_from(L, w.kind, w.out, 0, k, op));
}

/* (substitute new old sequence &key ...): a copy with the first :count
 * matching elements of the range (the last with :from-end) replaced. */
static lo_value substitute_into(lo_lisp *L, lo_value *a, uint32_t n,
                                enum variant v, bool destructive,
                                const char *op)
{
    struct walk w;
    walk_open(L, &w, op);
    walk_item(&w, a, n, v, 2, REMOVE_KEYS);
    if (destructive && w.kind != LO_K_LIST)
        lo_check_access(L, a[2], LO_ACCESS_WRITE, op);
    w.out = lo_new_vector(L, w.len, L->nil);
    copy_out(&w, 0, w.len, 0);
    int64_t done = 0;
    for (uint64_t j = 0; j < w.end - w.start; j++) {
        if (w.count >= 0 && done >= w.count)
            break;
        uint64_t i = visit(&w, j);
        if (satisfies(&w, elt_at(&w, i))) {
            lo_vector_items(w.out)[i] = a[0];   /* args stay current */
            done++;
        }
    }
    if (!destructive)
        return walk_close(&w, lo_sequence_from(L, w.kind, w.out, 0, w.len,
                                               op));
    /* NSUBSTITUTE: the result goes back into the sequence itself (a
     * list's conses, a vector's elements: checked to fit) */
    lo_value *items = lo_vector_items(w.out);
    if (w.kind == LO_K_LIST)
        lo_check_list_write(L, a[2], op);
    if (w.kind == LO_K_LIST)
        for (lo_value l = a[2]; lo_consp(l); l = lo_cdr_raw(l))
            lo_ptr(l)[1] = *items++;
    else
        for (uint64_t i = 0; i < w.len; i++)
            lo_any_vector_set(L, a[2], i, items[i], op);
    return walk_close(&w, a[2]);
}

static lo_value substitute(lo_lisp *L, lo_value *a, uint32_t n,
                           enum variant v, const char *op)
{
    return substitute_into(L, a, n, v, false, op);
}

static lo_value nsubstitute(lo_lisp *L, lo_value *a, uint32_t n,
                            enum variant v, const char *op)
{
    return substitute_into(L, a, n, v, true, op);
}

/* (remove-duplicates sequence &key from-end test test-not start end key):
 * of two matching elements the earlier goes (the later, with :from-end);
 * the test sees the earlier one first. */
static lo_value remove_duplicates(lo_lisp *L, lo_value *a, uint32_t n,
                                  bool destructive, const char *op)
{
    struct walk w;
    lo_value k[NKEYS];
    walk_open(L, &w, op);
    take_keys(&w, a, n, 1, FIND_KEYS, k);
    walk_sequence(&w, a[0]);
    use_keys(&w, k);
    if (destructive && w.kind != LO_K_LIST)
        lo_check_access(L, a[0], LO_ACCESS_WRITE, op);
    w.out = lo_new_vector(L, w.len, L->nil);
    uint64_t at = copy_out(&w, 0, w.start, 0);
    for (uint64_t i = w.start; i < w.end; i++) {
        bool dup = false;
        if (w.from_end)
            for (uint64_t j = w.start; j < i && !dup; j++)
                dup = pair_matches(&w, elt_at(&w, j), elt_at(&w, i));
        else
            for (uint64_t j = i + 1; j < w.end && !dup; j++)
                dup = pair_matches(&w, elt_at(&w, i), elt_at(&w, j));
        if (!dup)
            lo_vector_items(w.out)[at++] = elt_at(&w, i);
    }
    at = copy_out(&w, w.end, w.len, at);
    return walk_close(&w, lo_sequence_from(L, w.kind, w.out, 0, at, op));
}

/* (member-if predicate list &key key): the tail that starts with the
 * first element satisfying it.  The tail walked is kept in w.out. */
static lo_value member_if(lo_lisp *L, lo_value *a, uint32_t n, enum variant v,
                          const char *op)
{
    struct walk w;
    lo_value k[NKEYS];
    walk_open(L, &w, op);
    take_keys(&w, a, n, 2, B(KEY), k);
    if (lo_given(L, k[KEY_KEY]))
        w.key = lo_function_designator(L, k[KEY_KEY], op);
    w.item = lo_function_designator(L, a[0], op);
    w.is_if = true;
    w.negate = v == IF_NOT;
    for (w.out = a[1]; lo_consp(w.out); w.out = lo_cdr_raw(w.out))
        if (satisfies(&w, lo_car_raw(w.out)))
            return walk_close(&w, w.out);
    if (!lo_null(L, w.out))
        lo_arg_error(L, w.out, "LIST");
    return walk_close(&w, L->nil);
}

/* Set up a walk of two sequences a[0] and a[1] with keyword arguments
 * (SEARCH, MISMATCH). */
static void walk_two(struct walk *w, lo_value *a, uint32_t n)
{
    lo_value k[NKEYS];
    take_keys(w, a, n, 2, TEST_KEYS | B(FROM_END) | B(START1) | B(END1) |
              B(START2) | B(END2), k);
    walk_sequence(w, a[0]);
    w->items2 = lo_items_of(w->L, a[1], w->op);
    w->len2 = lo_any_vector_length(w->items2);
    use_keys(w, k);
    lo_bounds(w->L, w->op, k[KEY_START1], k[KEY_END1], w->len, &w->start,
              &w->end);
    lo_bounds(w->L, w->op, k[KEY_START2], k[KEY_END2], w->len2, &w->start2,
              &w->end2);
}

/* (search needle haystack &key ...): where needle's range first occurs in
 * haystack's (the last place with :from-end), or nil. */
LO_PRIMITIVE(p_search, "SEARCH", CL, ANY, 2, -1,
             "(sequence-1 sequence-2 &key from-end test test-not key "
             "(start1 0) end1 (start2 0) end2)",
             "The index in SEQUENCE-2 where a run of elements matching "
             "SEQUENCE-1 (from START1 to END1) first begins (the last, with "
             "FROM-END), looking from START2 to END2; NIL when there is "
             "none.  Elements match when their KEYs satisfy TEST (EQL by "
             "default).")
{
    struct walk w;
    walk_open(L, &w, "SEARCH");
    walk_two(&w, args, nargs);
    uint64_t m = w.end - w.start;
    if (m > w.end2 - w.start2)
        return walk_close(&w, L->nil);
    uint64_t places = w.end2 - w.start2 - m + 1;
    for (uint64_t j = 0; j < places; j++) {
        uint64_t p = w.from_end ? w.end2 - m - j : w.start2 + j;
        uint64_t q = 0;
        while (q < m && pair_matches(&w, elt_at(&w, w.start + q),
                                     elt2_at(&w, p + q)))
            q++;
        if (q == m)
            return walk_close(&w, lo_fixnum((int64_t)p));
    }
    return walk_close(&w, L->nil);
}

/* (mismatch a b &key ...): the index in a where the ranges first differ,
 * or nil when they match; with :from-end, one past the last difference. */
LO_PRIMITIVE(p_mismatch, "MISMATCH", CL, ANY, 2, -1,
             "(sequence-1 sequence-2 &key from-end test test-not key "
             "(start1 0) end1 (start2 0) end2)",
             "The index in SEQUENCE-1 where it and SEQUENCE-2 first differ, "
             "in the ranges START1..END1 and START2..END2, or NIL when they "
             "match; with FROM-END, one past the last place where they "
             "differ.  Elements match when their KEYs satisfy TEST (EQL by "
             "default).")
{
    struct walk w;
    walk_open(L, &w, "MISMATCH");
    walk_two(&w, args, nargs);
    uint64_t i, j;
    if (!w.from_end) {
        for (i = w.start, j = w.start2; i < w.end && j < w.end2; i++, j++)
            if (!pair_matches(&w, elt_at(&w, i), elt2_at(&w, j)))
                break;
        bool same = i == w.end && j == w.end2;
        return walk_close(&w, same ? L->nil : lo_fixnum((int64_t)i));
    }
    for (i = w.end, j = w.end2; i > w.start && j > w.start2; i--, j--)
        if (!pair_matches(&w, elt_at(&w, i - 1), elt2_at(&w, j - 1)))
            break;
    bool same = i == w.start && j == w.start2;
    return walk_close(&w, same ? L->nil : lo_fixnum((int64_t)i));
}

/* (reduce function sequence &key key from-end start end initial-value)
 * The accumulated value lives in w.out. */
LO_PRIMITIVE(p_reduce, "REDUCE", CL, ANY, 2, -1,
             "(function sequence &key key from-end (start 0) end "
             "(initial-value nil initial-value-p))",
             "The elements of SEQUENCE from START to END (their KEYs) "
             "combined by the two-argument FUNCTION from the left (from the "
             "right, with FROM-END), starting from INITIAL-VALUE when "
             "given.  With one element and no INITIAL-VALUE, that element; "
             "with none, FUNCTION called with no arguments.")
{
    struct walk w;
    lo_value k[NKEYS];
    walk_open(L, &w, "REDUCE");
    take_keys(&w, args, nargs, 2, B(KEY) | RANGE_KEYS | B(INITIAL_VALUE), k);
    w.item = lo_function_designator(L, args[0], w.op);
    walk_sequence(&w, args[1]);
    use_keys(&w, k);
    lo_value init = k[KEY_INITIAL_VALUE];
    uint64_t span = w.end - w.start, j = 0;
    if (span == 0)
        return walk_close(&w, init != LO_UNBOUND ? init
                                : lo_vm_apply(L, w.item, NULL, 0));
    if (init != LO_UNBOUND)
        w.out = init;
    else
        w.out = keyed(&w, elt_at(&w, visit(&w, j++)));
    for (; j < span; j++) {
        lo_value x = keyed(&w, elt_at(&w, visit(&w, j)));
        w.out = w.from_end ? call2(L, w.item, x, w.out)
                           : call2(L, w.item, w.out, x);
    }
    return walk_close(&w, w.out);
}

/* ---- sort ----
 * A bottom-up merge sort, stable, for lists and vectors alike: the
 * elements are copied into w.items, merged back and forth between it and
 * the scratch vector w.out, then written back into the sequence (a list
 * keeps its conses and gets its cars rewritten). */

static bool less(struct walk *w, lo_value x, lo_value y)
{
    lo_value kx, ky;
    key_both(w, x, y, &kx, &ky);
    return truthy(w->L, call2(w->L, w->item, kx, ky));
}

static void merge_runs(struct walk *w, uint64_t lo, uint64_t mid, uint64_t hi)
{
    uint64_t i = lo, j = mid, k = lo;
    while (i < mid && j < hi) {
        /* from the right run only when strictly less: that is stability */
        bool right = less(w, lo_vector_items(w->items)[j],
                          lo_vector_items(w->items)[i]);
        lo_value *items = lo_vector_items(w->items);
        lo_vector_items(w->out)[k++] = items[right ? j++ : i++];
    }
    while (i < mid)
        lo_vector_items(w->out)[k++] = lo_vector_items(w->items)[i++];
    while (j < hi)
        lo_vector_items(w->out)[k++] = lo_vector_items(w->items)[j++];
}

static lo_value sort(lo_lisp *L, lo_value *a, uint32_t n, const char *op)
{
    struct walk w;
    lo_value k[NKEYS];
    walk_open(L, &w, op);
    take_keys(&w, a, n, 2, B(KEY), k);
    w.item = lo_function_designator(L, a[1], op);
    if (lo_given(L, k[KEY_KEY]))
        w.key = lo_function_designator(L, k[KEY_KEY], op);
    walk_sequence(&w, a[0]);
    if (w.kind != LO_K_LIST) {
        lo_check_access(L, a[0], LO_ACCESS_WRITE, op);
        w.items = lo_sequence_from(L, LO_K_VECTOR, w.items, 0, w.len, op);
    }
    w.out = lo_new_vector(L, w.len, L->nil);
    for (uint64_t width = 1; width < w.len; width *= 2) {
        for (uint64_t lo = 0; lo < w.len; lo += 2 * width) {
            uint64_t mid = lo + width < w.len ? lo + width : w.len;
            uint64_t hi = lo + 2 * width < w.len ? lo + 2 * width : w.len;
            merge_runs(&w, lo, mid, hi);
        }
        lo_value t = w.items;
        w.items = w.out;
        w.out = t;
    }
    /* a[0] is current (arguments are roots); a predicate that shortened
     * the list has only itself to blame, but must not write past it */
    lo_value l = a[0];
    if (w.kind == LO_K_LIST)
        lo_check_list_write(L, l, op);
    for (uint64_t i = 0; i < w.len; i++) {
        lo_value x = lo_vector_items(w.items)[i];
        if (w.kind != LO_K_LIST) {
            lo_any_vector_set(L, a[0], i, x, op);
        } else if (lo_consp(l)) {
            lo_ptr(l)[1] = x;
            l = lo_cdr_raw(l);
        }
    }
    return walk_close(&w, a[0]);
}

/* ---- several sequences at once: map, every, some ----
 * The sequences' elements are kept in rooted slots (lists as snapshots);
 * the function is called on the i-th of each, for i below the shortest
 * length. */

enum { MAX_SEQUENCES = 16 };

struct multi {
    lo_value fn;
    lo_value seq[MAX_SEQUENCES];
    uint32_t count;
    uint64_t len;
    uint32_t mark;
};

static void multi_open(lo_lisp *L, struct multi *m, lo_value fn,
                       const lo_value *a, uint32_t n, const char *op)
{
    if (n > MAX_SEQUENCES)
        lo_error(L, "PROGRAM-ERROR", "%s: more than %d sequences", op,
                 MAX_SEQUENCES);
    m->mark = lo_roots_mark(L);
    m->fn = lo_function_designator(L, fn, op);
    lo_root(L, &m->fn);
    m->count = n;
    m->len = UINT64_MAX;
    for (uint32_t i = 0; i < n; i++) {
        m->seq[i] = lo_items_of(L, a[i], op);
        lo_root(L, &m->seq[i]);
        if (lo_any_vector_length(m->seq[i]) < m->len)
            m->len = lo_any_vector_length(m->seq[i]);
    }
}

static lo_value multi_call(lo_lisp *L, struct multi *m, uint64_t i)
{
    lo_value args[MAX_SEQUENCES];
    for (uint32_t k = 0; k < m->count; k++)
        args[k] = lo_any_vector_ref(m->seq[k], i);
    return lo_vm_apply(L, m->fn, args, m->count);
}

static lo_value multi_close(lo_lisp *L, struct multi *m, lo_value result)
{
    lo_roots_release(L, m->mark);
    return lo_values(L, 1, &result);
}

/* (map result-type function sequence &rest sequences) */
LO_PRIMITIVE(p_map, "MAP", CL, ANY, 3, -1,
             "(result-type function sequence &rest more-sequences)",
             "FUNCTION applied to the first elements of the sequences, then "
             "the second ones..., up to the shortest; the results in a "
             "fresh sequence of RESULT-TYPE, or just NIL when RESULT-TYPE "
             "is NIL.  At most 16 sequences.")
{
    enum lo_kind k = lo_result_kind(L, args[0], true, "MAP");
    struct multi m;
    multi_open(L, &m, args[1], args + 2, nargs - 2, "MAP");
    lo_value out = L->nil;
    lo_root(L, &out);
    if (k != LO_K_NONE)
        out = lo_new_vector(L, m.len, L->nil);
    for (uint64_t i = 0; i < m.len; i++) {
        lo_value v = multi_call(L, &m, i);
        if (k != LO_K_NONE)
            lo_vector_items(out)[i] = v;
    }
    if (k != LO_K_NONE)
        out = lo_sequence_from(L, k, out, 0, m.len, "MAP");
    return multi_close(L, &m, out);
}

/* (map-into result function &rest sequences): result's elements, up to
 * the shortest length, replaced by the function's values; result itself.
 * A vector result needs the write bit (checked first, as FILL does). */
LO_PRIMITIVE(p_map_into, "MAP-INTO", CL, ANY, 2, -1,
             "(result-sequence function &rest sequences)",
             "RESULT-SEQUENCE with its elements replaced by FUNCTION "
             "applied to the first elements of SEQUENCES, then the second "
             "ones..., as far as the shortest of all goes; returns "
             "RESULT-SEQUENCE.  A vector needs its write access bit.  At "
             "most 16 sequences.")
{
    enum lo_kind k = lo_sequence_arg(L, args[0], "MAP-INTO");
    uint64_t len;
    if (k == LO_K_LIST) {
        int64_t l = lo_list_length(L, args[0]);
        if (l < 0)                      /* SBCL's datum: the whole list */
            lo_arg_error(L, args[0], "LIST");
        len = (uint64_t)l;
    } else {
        lo_check_access(L, args[0], LO_ACCESS_WRITE, "MAP-INTO");
        len = lo_any_vector_length(args[0]);
    }
    struct multi m;
    multi_open(L, &m, args[1], args + 2, nargs - 2, "MAP-INTO");
    if (m.len < len)
        len = m.len;
    lo_value tail = args[0];           /* a list's cons for element i */
    if (k == LO_K_LIST)
        lo_check_list_write(L, tail, "MAP-INTO");
    lo_root(L, &tail);
    for (uint64_t i = 0; i < len; i++) {
        lo_value v = multi_call(L, &m, i);
        if (k == LO_K_LIST) {
            lo_ptr(tail)[1] = v;
            tail = lo_cdr_raw(tail);
        } else {
            lo_any_vector_set(L, args[0], i, v, "MAP-INTO");
        }
    }
    return multi_close(L, &m, args[0]);
}

/* every, some, notany, notevery: call the predicate until a call's truth
 * is `until`; that call's value, or LO_UNBOUND when none was. */
static lo_value quantify(lo_lisp *L, lo_value *a, uint32_t n, bool until,
                         const char *op)
{
    struct multi m;
    multi_open(L, &m, a[0], a + 1, n - 1, op);
    for (uint64_t i = 0; i < m.len; i++) {
        lo_value v = multi_call(L, &m, i);
        if (truthy(L, v) == until)
            return multi_close(L, &m, v);
    }
    return multi_close(L, &m, LO_UNBOUND);
}

LO_PRIMITIVE(p_every, "EVERY", CL, ANY, 2, -1,
             "(predicate sequence &rest more-sequences)",
             "True when PREDICATE is true of the first elements of the "
             "sequences, of the second ones..., up to the shortest; false "
             "at the first call that is false.")
{
    return lo_truth(L, quantify(L, args, nargs, false, "EVERY") == LO_UNBOUND);
}

LO_PRIMITIVE(p_some, "SOME", CL, ANY, 2, -1,
             "(predicate sequence &rest more-sequences)",
             "The first true value PREDICATE returns, called on the first "
             "elements of the sequences, then the second ones..., up to the "
             "shortest; NIL when there is none.")
{
    lo_value v = quantify(L, args, nargs, true, "SOME");
    return v == LO_UNBOUND ? L->nil : v;
}

LO_PRIMITIVE(p_notany, "NOTANY", CL, ANY, 2, -1,
             "(predicate sequence &rest more-sequences)",
             "True when PREDICATE is false of the first elements of the "
             "sequences, of the second ones..., up to the shortest.")
{
    return lo_truth(L, quantify(L, args, nargs, true, "NOTANY") == LO_UNBOUND);
}

LO_PRIMITIVE(p_notevery, "NOTEVERY", CL, ANY, 2, -1,
             "(predicate sequence &rest more-sequences)",
             "True when PREDICATE is false of the first elements of the "
             "sequences, or of the second ones..., up to the shortest.")
{
    return lo_truth(L, quantify(L, args, nargs, false, "NOTEVERY") != LO_UNBOUND);
}

/* ---- the primitives' table ---- */

/* FIND, FIND-IF and FIND-IF-NOT, and the same three of POSITION, COUNT,
 * SUBSTITUTE and NSUBSTITUTE: one C function each, told which. */

LO_PRIMITIVE(p_find, "FIND", CL, ANY, 2, -1,
             "(item sequence &key from-end test test-not start end key)",
             "The first element of SEQUENCE (the last, with FROM-END) "
             "between START and END whose KEY satisfies TEST against ITEM "
             "(EQL by default; TEST-NOT: does not satisfy it), or NIL.")
{ return find(L, args, nargs, ITEM, "FIND"); }

LO_PRIMITIVE(p_find_if, "FIND-IF", CL, ANY, 2, -1,
             "(predicate sequence &key from-end start end key)",
             "The first element of SEQUENCE (the last, with FROM-END) "
             "between START and END whose KEY satisfies PREDICATE, or NIL.")
{ return find(L, args, nargs, IF, "FIND-IF"); }

LO_PRIMITIVE(p_find_if_not, "FIND-IF-NOT", CL, ANY, 2, -1,
             "(predicate sequence &key from-end start end key)",
             "The first element of SEQUENCE (the last, with FROM-END) "
             "between START and END whose KEY does not satisfy PREDICATE, "
             "or NIL.")
{ return find(L, args, nargs, IF_NOT, "FIND-IF-NOT"); }

LO_PRIMITIVE(p_position, "POSITION", CL, ANY, 2, -1,
             "(item sequence &key from-end test test-not start end key)",
             "The index of the first element of SEQUENCE (the last, with "
             "FROM-END) between START and END whose KEY satisfies TEST "
             "against ITEM (EQL by default; TEST-NOT: does not satisfy it), "
             "or NIL.")
{ return position(L, args, nargs, ITEM, "POSITION"); }

LO_PRIMITIVE(p_position_if, "POSITION-IF", CL, ANY, 2, -1,
             "(predicate sequence &key from-end start end key)",
             "The index of the first element of SEQUENCE (the last, with "
             "FROM-END) between START and END whose KEY satisfies "
             "PREDICATE, or NIL.")
{ return position(L, args, nargs, IF, "POSITION-IF"); }

LO_PRIMITIVE(p_position_if_not, "POSITION-IF-NOT", CL, ANY, 2, -1,
             "(predicate sequence &key from-end start end key)",
             "The index of the first element of SEQUENCE (the last, with "
             "FROM-END) between START and END whose KEY does not satisfy "
             "PREDICATE, or NIL.")
{ return position(L, args, nargs, IF_NOT, "POSITION-IF-NOT"); }

LO_PRIMITIVE(p_count, "COUNT", CL, ANY, 2, -1,
             "(item sequence &key from-end test test-not start end key)",
             "How many elements of SEQUENCE between START and END have a "
             "KEY that satisfies TEST against ITEM (EQL by default; "
             "TEST-NOT: does not satisfy it).")
{ return count(L, args, nargs, ITEM, "COUNT"); }

LO_PRIMITIVE(p_count_if, "COUNT-IF", CL, ANY, 2, -1,
             "(predicate sequence &key from-end start end key)",
             "How many elements of SEQUENCE between START and END have a "
             "KEY that satisfies PREDICATE.")
{ return count(L, args, nargs, IF, "COUNT-IF"); }

LO_PRIMITIVE(p_count_if_not, "COUNT-IF-NOT", CL, ANY, 2, -1,
             "(predicate sequence &key from-end start end key)",
             "How many elements of SEQUENCE between START and END have a "
             "KEY that does not satisfy PREDICATE.")
{ return count(L, args, nargs, IF_NOT, "COUNT-IF-NOT"); }

LO_PRIMITIVE(p_substitute, "SUBSTITUTE", CL, ANY, 3, -1,
             "(newitem olditem sequence &key from-end test test-not start "
             "end count key)",
             "A fresh sequence like SEQUENCE with NEWITEM in place of the "
             "elements between START and END whose KEY satisfies TEST "
             "against OLDITEM (EQL by default); with COUNT, only the first "
             "COUNT of them (the last, with FROM-END).")
{ return substitute(L, args, nargs, ITEM, "SUBSTITUTE"); }

LO_PRIMITIVE(p_substitute_if, "SUBSTITUTE-IF", CL, ANY, 3, -1,
             "(newitem predicate sequence &key from-end start end count key)",
             "A fresh sequence like SEQUENCE with NEWITEM in place of the "
             "elements between START and END whose KEY satisfies PREDICATE; "
             "with COUNT, only the first COUNT of them (the last, with "
             "FROM-END).")
{ return substitute(L, args, nargs, IF, "SUBSTITUTE-IF"); }

LO_PRIMITIVE(p_substitute_if_not, "SUBSTITUTE-IF-NOT", CL, ANY, 3, -1,
             "(newitem predicate sequence &key from-end start end count key)",
             "A fresh sequence like SEQUENCE with NEWITEM in place of the "
             "elements between START and END whose KEY does not satisfy "
             "PREDICATE; with COUNT, only the first COUNT of them (the "
             "last, with FROM-END).")
{ return substitute(L, args, nargs, IF_NOT, "SUBSTITUTE-IF-NOT"); }

LO_PRIMITIVE(p_nsubstitute, "NSUBSTITUTE", CL, ANY, 3, -1,
             "(newitem olditem sequence &key from-end test test-not start "
             "end count key)",
             "As SUBSTITUTE, changing SEQUENCE itself and returning it; a "
             "vector needs its write access bit.")
{ return nsubstitute(L, args, nargs, ITEM, "NSUBSTITUTE"); }

LO_PRIMITIVE(p_nsubstitute_if, "NSUBSTITUTE-IF", CL, ANY, 3, -1,
             "(newitem predicate sequence &key from-end start end count key)",
             "As SUBSTITUTE-IF, changing SEQUENCE itself and returning it; "
             "a vector needs its write access bit.")
{ return nsubstitute(L, args, nargs, IF, "NSUBSTITUTE-IF"); }

LO_PRIMITIVE(p_nsubstitute_if_not, "NSUBSTITUTE-IF-NOT", CL, ANY, 3, -1,
             "(newitem predicate sequence &key from-end start end count key)",
             "As SUBSTITUTE-IF-NOT, changing SEQUENCE itself and returning "
             "it; a vector needs its write access bit.")
{ return nsubstitute(L, args, nargs, IF_NOT, "NSUBSTITUTE-IF-NOT"); }

LO_PRIMITIVE(p_remove, "REMOVE", CL, ANY, 2, -1,
             "(item sequence &key from-end test test-not start end count "
             "key)",
             "A fresh sequence like SEQUENCE without the elements between "
             "START and END whose KEY satisfies TEST against ITEM (EQL by "
             "default); with COUNT, only the first COUNT of them (the last, "
             "with FROM-END).")
{ return remove_items(L, args, nargs, ITEM, false, "REMOVE"); }
LO_PRIMITIVE(p_remove_if, "REMOVE-IF", CL, ANY, 2, -1,
             "(test sequence &key from-end start end count key)",
             "A fresh sequence like SEQUENCE without the elements between "
             "START and END whose KEY satisfies TEST; with COUNT, only the "
             "first COUNT of them (the last, with FROM-END).")
{ return remove_items(L, args, nargs, IF, false, "REMOVE-IF"); }
LO_PRIMITIVE(p_remove_if_not, "REMOVE-IF-NOT", CL, ANY, 2, -1,
             "(test sequence &key from-end start end count key)",
             "A fresh sequence like SEQUENCE without the elements between "
             "START and END whose KEY does not satisfy TEST; with COUNT, "
             "only the first COUNT of them (the last, with FROM-END).")
{ return remove_items(L, args, nargs, IF_NOT, false, "REMOVE-IF-NOT"); }
LO_PRIMITIVE(p_delete, "DELETE", CL, ANY, 2, -1,
             "(item sequence &key from-end test test-not start end count "
             "key)",
             "As REMOVE.  The result is a fresh sequence in LispOS, "
             "SEQUENCE being left as it was; a vector still needs its write "
             "access bit.")
{ return remove_items(L, args, nargs, ITEM, true, "DELETE"); }
LO_PRIMITIVE(p_delete_if, "DELETE-IF", CL, ANY, 2, -1,
             "(test sequence &key from-end start end count key)",
             "As REMOVE-IF.  The result is a fresh sequence in LispOS, "
             "SEQUENCE being left as it was; a vector still needs its write "
             "access bit.")
{ return remove_items(L, args, nargs, IF, true, "DELETE-IF"); }
LO_PRIMITIVE(p_delete_if_not, "DELETE-IF-NOT", CL, ANY, 2, -1,
             "(test sequence &key from-end start end count key)",
             "As REMOVE-IF-NOT.  The result is a fresh sequence in LispOS, "
             "SEQUENCE being left as it was; a vector still needs its write "
             "access bit.")
{ return remove_items(L, args, nargs, IF_NOT, true, "DELETE-IF-NOT"); }
LO_PRIMITIVE(p_remove_duplicates, "REMOVE-DUPLICATES", CL, ANY, 1, -1,
             "(sequence &key from-end test test-not start end key)",
             "A fresh sequence like SEQUENCE keeping, of the elements "
             "between START and END whose KEYs satisfy TEST (EQL by "
             "default) pairwise, only the last one (the first, with "
             "FROM-END).")
{ return remove_duplicates(L, args, nargs, false, "REMOVE-DUPLICATES"); }
LO_PRIMITIVE(p_delete_duplicates, "DELETE-DUPLICATES", CL, ANY, 1, -1,
             "(sequence &key from-end test test-not start end key)",
             "As REMOVE-DUPLICATES.  The result is a fresh sequence in "
             "LispOS, SEQUENCE being left as it was; a vector still needs "
             "its write access bit.")
{ return remove_duplicates(L, args, nargs, true, "DELETE-DUPLICATES"); }
LO_PRIMITIVE(p_member_if, "MEMBER-IF", CL, ANY, 2, -1,
             "(predicate list &key key)",
             "The tail of LIST that begins with the first element whose KEY "
             "satisfies PREDICATE, or NIL.")
{ return member_if(L, args, nargs, IF, "MEMBER-IF"); }
LO_PRIMITIVE(p_member_if_not, "MEMBER-IF-NOT", CL, ANY, 2, -1,
             "(predicate list &key key)",
             "The tail of LIST that begins with the first element whose KEY "
             "does not satisfy PREDICATE, or NIL.")
{ return member_if(L, args, nargs, IF_NOT, "MEMBER-IF-NOT"); }
LO_PRIMITIVE(p_sort, "SORT", CL, ANY, 2, -1, "(sequence predicate &key key)",
             "SEQUENCE sorted so that PREDICATE, called on the KEYs of two "
             "elements, is true when the first must come before the second. "
             " The sort is in place (a list keeps its conses, a vector "
             "needs its write access bit) and stable, a merge sort.")
{ return sort(L, args, nargs, "SORT"); }
LO_PRIMITIVE(p_stable_sort, "STABLE-SORT", CL, ANY, 2, -1,
             "(sequence predicate &key key)",
             "SEQUENCE sorted stably by PREDICATE on the KEYs of its "
             "elements: the same merge sort as SORT, which is stable too.")
{ return sort(L, args, nargs, "STABLE-SORT"); }

/* Strings, vectors and byte vectors keep their length in word 1. */
LO_PRIMITIVE(p_length, "LENGTH", CL, ANY, 1, 1, "(sequence)",
             "The number of elements of SEQUENCE: a proper list, a string or "
             "a vector.  No access bit is needed.")
{
    if (lo_typep(args[0], LO_T_STRING) || lo_typep(args[0], LO_T_VECTOR) ||
        lo_typep(args[0], LO_T_BYTES))
        return lo_ptr(args[0])[1];
    if (!lo_consp(args[0]) && !lo_null(L, args[0]))
        lo_arg_error(L, args[0], "SEQUENCE");
    int64_t len;
    lo_arg_list(L, args[0], &len);
    return lo_fixnum(len);
}

const struct lo_primitive *const lo_prims_sequences[] = {
    LO_ROW(p_elt),
    LO_ROW(p_elt_set),
    LO_ROW(p_subseq),
    LO_ROW(p_copy_seq),
    LO_ROW(p_reverse),
    LO_ROW(p_nreverse),
    LO_ROW(p_concatenate),
    LO_ROW(p_character),
    LO_ROW(p_coerce),
    LO_ROW(p_fill),
    LO_ROW(p_replace),
    LO_ROW(p_map),
    LO_ROW(p_find),
    LO_ROW(p_find_if),
    LO_ROW(p_find_if_not),
    LO_ROW(p_position),
    LO_ROW(p_position_if),
    LO_ROW(p_position_if_not),
    LO_ROW(p_count),
    LO_ROW(p_count_if),
    LO_ROW(p_count_if_not),
    LO_ROW(p_remove),
    LO_ROW(p_remove_if),
    LO_ROW(p_remove_if_not),
    LO_ROW(p_delete),
    LO_ROW(p_delete_if),
    LO_ROW(p_delete_if_not),
    LO_ROW(p_substitute),
    LO_ROW(p_substitute_if),
    LO_ROW(p_substitute_if_not),
    LO_ROW(p_remove_duplicates),
    LO_ROW(p_delete_duplicates),
    LO_ROW(p_member_if),
    LO_ROW(p_member_if_not),
    LO_ROW(p_search),
    LO_ROW(p_mismatch),
    LO_ROW(p_every),
    LO_ROW(p_some),
    LO_ROW(p_notany),
    LO_ROW(p_notevery),
    LO_ROW(p_reduce),
    LO_ROW(p_sort),
    LO_ROW(p_stable_sort),
    LO_ROW(p_length),
    LO_ROW(p_nsubstitute),
    LO_ROW(p_nsubstitute_if),
    LO_ROW(p_nsubstitute_if_not),
    LO_ROW(p_map_into),
    NULL,
};

