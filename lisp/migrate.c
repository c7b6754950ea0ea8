/*
 * migrate.c -- the list of layout migration steps, and running them in
 * order (migrate.h).  Layer: called by lisp/open.c's upgrade only.
 *
 * The list has one entry per layout version past the first (0): adding
 * a layout change means incrementing LO_LAYOUT_VERSION in gc/heap.h,
 * writing the step's functions in this file (or, when long, a file of
 * its own named migrate_N.c) and adding its row; the _Static_assert
 * keeps the two in step.  Every step ships with a fixture test
 * (docs/upgrade.md).
 */
#include "drivers/printf.h"
#include "lisp/internal.h"
#include "lisp/migrate.h"

static const struct lo_migration steps[] = {
    /* Layout 0 is the first layout: no step brings a heap to it.  The
     * row keeps the array non-empty and the indexes equal to versions. */
    { 0, "the first layout", "nothing", NULL, NULL },
    /* Users' code keeps its source (lisp/compile_lambda.c, code_source)
     * in a 7th value word of its code object (lisp/value.h,
     * CODE_SOURCE); the bytecode starts after the value words the header
     * counts.  An older binary would run that word as bytecode, hence
     * the new layout, which it refuses.  A code object of layout 0 (6
     * value words, no source) is still a valid one: nothing to rewrite. */
    { 1, "code objects may carry their source", "nothing", NULL, NULL },
};
_Static_assert(sizeof steps / sizeof steps[0] == LO_LAYOUT_VERSION + 1,
               "one migration step per layout version (gc/heap.h)");

const struct lo_migration *lo_migration_step(unsigned to)
{
    return to >= 1 && to <= LO_LAYOUT_VERSION ? &steps[to] : NULL;
}

int lo_migrate_heap(lo_heap *h, uint64_t from, char *why, size_t why_len)
{
    for (uint64_t to = from + 1; to <= LO_LAYOUT_VERSION; to++) {
        const struct lo_migration *m = &steps[to];
        if (!m->heap_step)
            continue;
        char inner[256] = "";
        int status = m->heap_step(h, inner, sizeof inner);
        if (status != LO_OK) {
            lo_snprintf(why, why_len, "layout step %u (%s) failed: %s",
                        m->to, m->what, inner);
            return status;
        }
    }
    return LO_OK;
}

int lo_migrate_lisp(lo_lisp *L, uint64_t from, char *why, size_t why_len)
{
    for (uint64_t to = from + 1; to <= LO_LAYOUT_VERSION; to++) {
        const struct lo_migration *m = &steps[to];
        if (m->lisp_step && lo_protect(L, m->lisp_step, NULL) != LO_OK) {
            lo_snprintf(why, why_len, "layout step %u (%s) failed: %s: %s",
                        m->to, m->what, lo_last_error(L)->type,
                        lo_last_error(L)->message);
            return LO_EINVAL;
        }
    }
    return LO_OK;
}
