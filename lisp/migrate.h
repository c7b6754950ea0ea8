/*
 * migrate.h -- the numbered object-layout migration steps (issue 18,
 * docs/upgrade.md "Writing a migration step").
 *
 * LO_LAYOUT_VERSION (gc/heap.h) counts the changes of how objects are
 * laid out in the heap.  Each change ships one step here, numbered by the
 * layout version it brings a heap to.  When an open upgrades a heap of
 * layout k (lisp/open.c), it runs steps k+1 .. LO_LAYOUT_VERSION in
 * order, in two passes:
 *   - heap steps, before the Lisp starts: C only, on the heap's words
 *     (headers, roots, the large-object space);
 *   - Lisp steps, after the warm start and before the new system code
 *     runs: under a protected call, so they may call Lisp (reshaping
 *     metaobjects, say).
 * Nothing is durable until the upgrade's one snapshot at its end, so a
 * step need not be restartable half way: a crash reopens the old heap
 * and the whole upgrade runs again.  Each step says what it reads ("no
 * user data", "the heap once", "one store index"): the upgrade's time
 * depends on it, and the report lists the steps that ran.
 *
 *   static int heap_step_2(lo_heap *h, char *why, size_t len) { ... }
 *   { 2, "hash tables record their weakness", "the heap once",
 *     heap_step_2, NULL },
 */
#ifndef LO_MIGRATE_H
#define LO_MIGRATE_H

#include <stddef.h>
#include <stdint.h>

#include "gc/heap.h"

typedef struct lo_lisp lo_lisp;

struct lo_migration {
    unsigned to;                /* the layout version it brings a heap to */
    const char *what;           /* what changed, in one line */
    const char *reads;          /* how much of the heap it touches */
    /* LO_OK, or an error with a message in why; NULL when none */
    int (*heap_step)(lo_heap *h, char *why, size_t why_len);
    /* run under lo_protect (signals an error on failure); NULL if none */
    void (*lisp_step)(lo_lisp *L, void *ctx);
};

/* The step that brings a heap to layout `to` (1 .. LO_LAYOUT_VERSION). */
const struct lo_migration *lo_migration_step(unsigned to);

/* Run the heap steps after layout `from`: LO_OK, or the first failure
 * (why names the step). */
int lo_migrate_heap(lo_heap *h, uint64_t from, char *why, size_t why_len);

/* Run the Lisp steps after layout `from`, each under lo_protect: LO_OK,
 * or the first failure (why names the step and the error). */
int lo_migrate_lisp(lo_lisp *L, uint64_t from, char *why, size_t why_len);

#endif
