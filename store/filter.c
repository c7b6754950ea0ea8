/*
 * filter.c -- a query's filter, checked whole before anything runs, and
 * matched against entries (docs/store.md, "Filters").
 *
 * A filter is data: a list such as (and (= :genre :jazz) (< :duration
 * 300)).  lo_filter_compile walks it once, checks every operator, key and
 * operand (a STORE-QUERY-ERROR names the culprit), and makes a tree of C
 * nodes.  Everything lives in the heap, in two simple-vectors the filter
 * roots: `values`, the operands, and `nodes`, NODE_FIELDS fixnums a node
 * (a node refers to its operands by their index in `values`).  So an
 * error half way leaks nothing (the landing releases the roots), and a
 * collection during a SATISFIES predicate moves them safely.
 *
 * Every operator on a key matches an entry when ANY of the entry's values
 * for that key matches, so (not (= :language :lisp)) is the entries with
 * no :lisp language at all.
 */
#include <string.h>

#include "drivers/printf.h"
#include "lisp/numbers.h"
#include "store/filter.h"
#include "store/store.h"

enum { MAX_DEPTH = 100, MAX_NODES = 10000 };

static const struct {
    const char *name;
    enum lo_filter_op op;
    int min, max;               /* operands after the key (or children) */
    bool keyed;                 /* the first argument is a key */
} operators[] = {
    { "=", LO_F_EQUAL, 1, 1, true },
    { "IN", LO_F_IN, 0, -1, true },
    { "<", LO_F_LT, 1, 1, true },
    { "<=", LO_F_LE, 1, 1, true },
    { ">", LO_F_GT, 1, 1, true },
    { ">=", LO_F_GE, 1, 1, true },
    { "BETWEEN", LO_F_BETWEEN, 2, 2, true },
    { "OVERLAPS", LO_F_OVERLAPS, 1, 1, true },
    { "WITHIN", LO_F_WITHIN, 1, 1, true },
    { "BEFORE", LO_F_BEFORE, 1, 1, true },
    { "AFTER", LO_F_AFTER, 1, 1, true },
    { "HAS", LO_F_HAS, 0, 0, true },
    { "CONTAINS", LO_F_CONTAINS, 1, 1, true },
    { "CONTENT-CONTAINS", LO_F_CONTENT, 1, 1, false },
    { "AND", LO_F_AND, 0, -1, false },
    { "OR", LO_F_OR, 0, -1, false },
    { "NOT", LO_F_NOT, 1, 1, false },
    { "SATISFIES", LO_F_SATISFIES, 1, 1, false },
};

/* ---- compiling ------------------------------------------------------------- */

struct compiling {
    lo_lisp *L;
    struct lo_filter *f;
};

static void set_field(struct lo_filter *f, uint32_t at, unsigned field,
                      uint32_t v)
{
    *lo_svref(f->nodes, (uint64_t)at * NODE_FIELDS + field) = lo_fixnum(v);
}

static uint32_t get_field(const struct lo_filter *f, uint32_t at,
                          unsigned field)
{
    return (uint32_t)lo_fixnum_value(*lo_svref(f->nodes,
                                               (uint64_t)at * NODE_FIELDS +
                                               field));
}

void lo_filter_node(const struct lo_filter *f, uint32_t at,
                    struct lo_filter_node *n)
{
    n->op = (enum lo_filter_op)get_field(f, at, NODE_OP);
    n->key = get_field(f, at, NODE_KEY);
    n->operand = get_field(f, at, NODE_OPERAND);
    n->count = get_field(f, at, NODE_COUNT);
    n->first = get_field(f, at, NODE_FIRST);
    n->next = get_field(f, at, NODE_NEXT);
}

/* Grow a simple-vector held in *place to hold `need` elements. */
static void reserve(lo_lisp *L, lo_value *place, uint64_t used, uint64_t need)
{
    if (need <= lo_svlength(*place))
        return;
    uint64_t room = 2 * lo_svlength(*place);
    while (room < need)
        room *= 2;
    lo_value bigger = lo_make_vector(L, room, lo_fixnum(0));
    memcpy(lo_svref(bigger, 0), lo_svref(*place, 0), used * 8);
    *place = bigger;
}

static uint32_t new_node(struct compiling *c, lo_value culprit,
                         enum lo_filter_op op)
{
    struct lo_filter *f = c->f;
    if (f->n == MAX_NODES)
        lo_store_query_error(c->L, culprit, "the filter has more than %d "
                             "terms", MAX_NODES);
    reserve(c->L, &f->nodes, (uint64_t)f->n * NODE_FIELDS,
            (uint64_t)(f->n + 1) * NODE_FIELDS);
    uint32_t at = f->n++;
    for (unsigned k = 0; k < NODE_FIELDS; k++)
        set_field(f, at, k, 0);
    set_field(f, at, NODE_OP, op);
    return at;
}

/* Keep v among the filter's values: its index. */
static uint32_t keep_value(struct compiling *c, lo_value v)
{
    struct lo_filter *f = c->f;
    reserve(c->L, &f->values, f->nvalues, f->nvalues + 1);
    *lo_svref(f->values, f->nvalues) = v;
    return f->nvalues++;
}

static bool name_is(lo_value sym, const char *name)
{
    char text[24];
    lo_string_utf8(lo_symbol_name(sym), text, sizeof text);
    return strcmp(text, name) == 0;
}

static bool lambda_expression_p(lo_lisp *L, lo_value v)
{
    return lo_consp(v) && lo_eq(lo_car_raw(v), lo_intern(L, "LAMBDA"));
}

/* A SATISFIES operand made a function: a lambda expression in a filter
 * (which is data, read and never evaluated) is compiled here, in the
 * caller's environment, as FUNCTION would.  The compiling walk holds the
 * filter's conses in C variables all the way up, so no collection may
 * move them meanwhile: collections wait (an exit's landing allows them
 * again). */
static lo_value predicate_of(lo_lisp *L, lo_value v)
{
    if (!lambda_expression_p(L, v))
        return v;
    lo_gc_inhibit(L);
    lo_value form = lo_cons(L, lo_intern(L, "FUNCTION"),
                            lo_cons(L, v, L->nil));
    lo_value fn = lo_vm_apply(L, lo_compile_toplevel(L, form), NULL, 0);
    lo_gc_allow(L);
    return fn;
}

static void check_operand(struct compiling *c, enum lo_filter_op op,
                          lo_value form, lo_value v)
{
    lo_lisp *L = c->L;
    switch (op) {
    case LO_F_LT: case LO_F_LE: case LO_F_GT: case LO_F_GE: case LO_F_BETWEEN:
        if (!lo_store_orderable(L, v))
            lo_store_query_error(L, v, "%s compares reals, strings and "
                                 "durations: its operand is none of them",
                                 op == LO_F_BETWEEN ? "BETWEEN" : "a range");
        break;
    case LO_F_OVERLAPS: case LO_F_WITHIN: case LO_F_BEFORE: case LO_F_AFTER:
        if (!lo_store_datep(L, v))
            lo_store_query_error(L, v, "OVERLAPS, WITHIN, BEFORE and AFTER "
                                 "take a date: its operand is not one");
        break;
    case LO_F_CONTAINS: case LO_F_CONTENT:
        if (!lo_typep(v, LO_T_STRING))
            lo_store_query_error(L, v, "CONTAINS and CONTENT-CONTAINS take "
                                 "a string");
        break;
    case LO_F_SATISFIES:
        if (!lo_typep(v, LO_T_FUNCTION) && !lo_typep(v, LO_T_PRIMITIVE) &&
            !lo_symbolp(v) && !lambda_expression_p(L, v))
            lo_store_query_error(L, v, "SATISFIES takes a function, a "
                                 "function's name or a lambda expression");
        break;
    default:
        break;
    }
    (void)form;
}

static uint32_t compile_node(struct compiling *c, lo_value form, int depth);

static uint32_t compile_children(struct compiling *c, uint32_t at,
                                 lo_value args, int depth)
{
    uint32_t prev = 0, n = 0;
    for (lo_value l = args; lo_consp(l); l = lo_cdr_raw(l)) {
        uint32_t kid = compile_node(c, lo_car_raw(l), depth + 1);
        if (n++ == 0)
            set_field(c->f, at, NODE_FIRST, kid);
        else
            set_field(c->f, prev, NODE_NEXT, kid);
        prev = kid;
    }
    set_field(c->f, at, NODE_COUNT, n);
    return at;
}

static uint32_t compile_node(struct compiling *c, lo_value form, int depth)
{
    lo_lisp *L = c->L;
    if (depth > MAX_DEPTH)
        lo_store_query_error(L, form, "the filter is nested deeper than %d",
                             MAX_DEPTH);
    if (lo_eq(form, L->t))
        return new_node(c, form, LO_F_TRUE);
    if (!lo_consp(form) || !lo_symbolp(lo_car_raw(form)))
        lo_store_query_error(L, form, "a filter term must be T or a list "
                             "starting with an operator");
    lo_value head = lo_car_raw(form), args = lo_cdr_raw(form);
    int64_t nargs = lo_list_length(L, args);
    if (nargs < 0)
        lo_store_query_error(L, form, "a filter term must be a proper list");
    for (size_t i = 0; i < sizeof operators / sizeof operators[0]; i++) {
        if (!name_is(head, operators[i].name))
            continue;
        int64_t operands = nargs - operators[i].keyed;
        if (operands < operators[i].min ||
            (operators[i].max >= 0 && operands > operators[i].max))
            lo_store_query_error(L, form, "%s takes %s%d%s operand%s",
                                 operators[i].name,
                                 operators[i].keyed ? "a key and " : "",
                                 operators[i].min,
                                 operators[i].max < 0 ? " or more" :
                                 operators[i].max > operators[i].min
                                     ? " or 2" : "",
                                 operators[i].min == 1 &&
                                 operators[i].max == 1 ? "" : "s");
        enum lo_filter_op op = operators[i].op;
        uint32_t at = new_node(c, form, op);
        if (op == LO_F_AND || op == LO_F_OR || op == LO_F_NOT)
            return compile_children(c, at, args, depth);
        if (operators[i].keyed) {
            lo_value key = lo_car_raw(args);
            if (!lo_keywordp(key))
                lo_store_query_error(L, key, "%s's key must be a keyword",
                                     operators[i].name);
            set_field(c->f, at, NODE_KEY, keep_value(c, key));
            args = lo_cdr_raw(args);
        }
        set_field(c->f, at, NODE_OPERAND, c->f->nvalues);
        uint32_t count = 0;
        for (lo_value l = args; lo_consp(l); l = lo_cdr_raw(l)) {
            check_operand(c, op, form, lo_car_raw(l));
            keep_value(c, op == LO_F_SATISFIES
                              ? predicate_of(L, lo_car_raw(l))
                              : lo_car_raw(l));
            count++;
        }
        set_field(c->f, at, NODE_COUNT, count);
        /* past SATISFIES' operand: whether its predicate may be given
         * ids instead of handles (query.c) */
        if (op == LO_F_SATISFIES) {
            keep_value(c, lo_store_predicate_by_id(L, lo_filter_value(
                                  c->f, c->f->nvalues - 1)));
            keep_value(c, lo_store_predicate_program(L, lo_filter_value(
                                  c->f, c->f->nvalues - 1)));
        }
        return at;
    }
    char name[64];
    lo_string_utf8(lo_symbol_name(head), name, sizeof name);
    lo_store_query_error(L, head, "unknown filter operator %s (docs/store.md "
                         "lists them)", name);
}

void lo_filter_compile(lo_lisp *L, lo_value form, struct lo_filter *f)
{
    f->form = form;
    f->values = L->nil;
    f->nodes = L->nil;
    f->n = f->nvalues = 0;
    lo_root(L, &f->form);
    lo_root(L, &f->values);
    lo_root(L, &f->nodes);
    f->values = lo_make_vector(L, 8, L->nil);
    f->nodes = lo_make_vector(L, 8 * NODE_FIELDS, lo_fixnum(0));
    struct compiling c = { .L = L, .f = f };
    f->root = compile_node(&c, form, 0);
}

/* ---- matching -------------------------------------------------------------- */

static lo_value value_at(const struct lo_filter *f, uint32_t i)
{
    return lo_filter_value(f, i);
}

/* Whether one of the entry's values for key matches node n. */
static bool any_value(lo_lisp *L, struct lo_filter *f,
                      const struct lo_filter_node *n, lo_value attrs)
{
    lo_value key = value_at(f, n->key);
    uint64_t len = lo_svlength(attrs);
    for (uint64_t i = 0; i < len; i += 2) {
        if (!lo_eq(*lo_svref(attrs, i), key))
            continue;
        if (lo_filter_value_matches(L, f, n, *lo_svref(attrs, i + 1)))
            return true;
    }
    return false;
}

bool lo_filter_value_matches(lo_lisp *L, struct lo_filter *f,
                             const struct lo_filter_node *n, lo_value v)
{
    lo_value a = n->count ? value_at(f, n->operand) : 0;
    switch (n->op) {
    case LO_F_HAS:
        return true;
    case LO_F_EQUAL:
        return lo_store_equal(L, v, a);
    case LO_F_IN:
        for (uint32_t k = 0; k < n->count; k++)
            if (lo_store_equal(L, v, value_at(f, n->operand + k)))
                return true;
        return false;
    case LO_F_LT:
        return lo_store_compare(L, v, a) == -1;
    case LO_F_LE: {
        int c = lo_store_compare(L, v, a);
        return c == -1 || c == 0;
    }
    case LO_F_GT:
        return lo_store_compare(L, v, a) == 1;
    case LO_F_GE: {
        int c = lo_store_compare(L, v, a);
        return c == 1 || c == 0;
    }
    case LO_F_BETWEEN: {
        int lo = lo_store_compare(L, v, a);
        int hi = lo_store_compare(L, v, value_at(f, n->operand + 1));
        return (lo == 0 || lo == 1) && (hi == 0 || hi == -1);
    }
    case LO_F_OVERLAPS: case LO_F_WITHIN: case LO_F_BEFORE: case LO_F_AFTER:
        return lo_store_date_relation(L, n->op, v, a);
    case LO_F_CONTAINS:
        return lo_store_contains(v, a);
    default:
        return false;
    }
}

/* Whether node `at` matches the entry: its record in *entry (a root:
 * a SATISFIES predicate may move it), or, when entry is NULL, only its
 * attributes vector attrs (filters without CONTENT-CONTAINS and
 * SATISFIES). */
static bool match(lo_lisp *L, struct lo_filter *f, uint32_t at,
                  lo_value *entry, lo_value attrs)
{
    struct lo_filter_node n;
    lo_filter_node(f, at, &n);
    switch (n.op) {
    case LO_F_TRUE:
        return true;
    case LO_F_AND:
        for (uint32_t k = 0, kid = n.first; k < n.count;
             k++, kid = get_field(f, kid, NODE_NEXT))
            if (!match(L, f, kid, entry, attrs))
                return false;
        return true;
    case LO_F_OR:
        for (uint32_t k = 0, kid = n.first; k < n.count;
             k++, kid = get_field(f, kid, NODE_NEXT))
            if (match(L, f, kid, entry, attrs))
                return true;
        return false;
    case LO_F_NOT:
        return !match(L, f, n.first, entry, attrs);
    case LO_F_CONTENT:
        return lo_store_content_contains(*lo_svref(*entry, ENTRY_OBJECT),
                                         value_at(f, n.operand));
    case LO_F_SATISFIES:
        return lo_store_satisfies(L, value_at(f, n.operand),
                                  value_at(f, n.operand + 1),
                                  value_at(f, n.operand + 2),
                                  *lo_svref(*entry, ENTRY_ID),
                                  *lo_svref(*entry, ENTRY_ATTRS));
    default:
        return any_value(L, f, &n, entry ? *lo_svref(*entry, ENTRY_ATTRS)
                                         : attrs);
    }
}

bool lo_filter_match_node(lo_lisp *L, struct lo_filter *f, uint32_t at,
                          lo_value *entry)
{
    return match(L, f, at, entry, 0);
}

bool lo_filter_match(lo_lisp *L, struct lo_filter *f, lo_value *entry)
{
    return match(L, f, f->root, entry, 0);
}

bool lo_filter_match_attrs(lo_lisp *L, struct lo_filter *f, lo_value attrs)
{
    return match(L, f, f->root, NULL, attrs);
}

bool lo_filter_needs_entry(const struct lo_filter *f)
{
    for (uint32_t i = 0; i < f->n; i++) {
        uint32_t op = get_field(f, i, NODE_OP);
        if (op == LO_F_SATISFIES || op == LO_F_CONTENT)
            return true;
    }
    return false;
}

bool lo_filter_calls_lisp(const struct lo_filter *f)
{
    for (uint32_t i = 0; i < f->n; i++)
        if (get_field(f, i, NODE_OP) == LO_F_SATISFIES)
            return true;
    return false;
}
