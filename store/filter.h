/*
 * filter.h -- a query's filter, checked and compiled (filter.c), for the
 * planner and executor (query.c).
 *
 *   struct lo_filter f;
 *   uint32_t mark = lo_roots_mark(L);
 *   lo_filter_compile(L, form, &f);     // STORE-QUERY-ERROR if malformed
 *   ... lo_filter_match(L, &f, entry) ...
 *   lo_roots_release(L, mark);          // or an exit's landing does it
 */
#ifndef LO_STORE_FILTER_H
#define LO_STORE_FILTER_H

#include "lisp/internal.h"

enum lo_filter_op {
    LO_F_TRUE, LO_F_AND, LO_F_OR, LO_F_NOT,
    LO_F_EQUAL, LO_F_IN, LO_F_LT, LO_F_LE, LO_F_GT, LO_F_GE, LO_F_BETWEEN,
    LO_F_OVERLAPS, LO_F_WITHIN, LO_F_BEFORE, LO_F_AFTER,
    LO_F_HAS, LO_F_CONTAINS, LO_F_CONTENT, LO_F_SATISFIES,
};

/* A node, as lo_filter_node reads it out of the filter's vector. */
enum { NODE_OP, NODE_KEY, NODE_OPERAND, NODE_COUNT, NODE_FIRST, NODE_NEXT,
       NODE_FIELDS };
struct lo_filter_node {
    enum lo_filter_op op;
    uint32_t key;               /* the key's index in values (keyed ops) */
    uint32_t operand, count;    /* operands: values[operand ... +count);
                                   AND, OR, NOT: children */
    uint32_t first, next;       /* first child; next sibling */
};

/* The compiled filter: its three fields are roots from lo_filter_compile
 * on (the caller's mark releases them). */
struct lo_filter {
    lo_value form, values, nodes;
    uint32_t n, nvalues, root;
};

void lo_filter_compile(lo_lisp *L, lo_value form, struct lo_filter *f);
void lo_filter_node(const struct lo_filter *f, uint32_t at,
                    struct lo_filter_node *n);
static inline lo_value lo_filter_value(const struct lo_filter *f, uint32_t i)
{
    return lo_ptr(f->values)[2 + i];
}
/* Whether the entry record in *entry matches the filter, or its node
 * `at`.  *entry must be a root when the filter calls Lisp (a collection
 * during a SATISFIES predicate updates it). */
bool lo_filter_match(lo_lisp *L, struct lo_filter *f, lo_value *entry);
bool lo_filter_match_node(lo_lisp *L, struct lo_filter *f, uint32_t at,
                          lo_value *entry);
/* Whether the value v (of the node's key) matches a keyed node. */
bool lo_filter_value_matches(lo_lisp *L, struct lo_filter *f,
                             const struct lo_filter_node *n, lo_value v);
/* Whether an entry's attributes vector alone matches the filter, when
 * lo_filter_needs_entry is false (no CONTENT-CONTAINS, no SATISFIES). */
bool lo_filter_match_attrs(lo_lisp *L, struct lo_filter *f, lo_value attrs);
bool lo_filter_needs_entry(const struct lo_filter *f);
/* Whether matching may run Lisp code (a SATISFIES term): the executor
 * must then hold no unrooted value across a match. */
bool lo_filter_calls_lisp(const struct lo_filter *f);

#endif
