/*
 * primitives.c -- the one table of functions written in C, reached from
 * the heap by their index in it (never by a C pointer).  The order is
 * part of the system version (open.c): changing it makes old heaps
 * refuse to open with a clear message instead of calling the wrong
 * function.
 *
 * The primitives themselves live with their subject, one file each
 * (internal.h lists them; docs/contributing.md states the rule); every
 * such file ends with its table of rows, named here.  The layers above
 * register theirs with lo_lisp_register_primitives.
 */
#include <string.h>

#include "lisp/internal.h"

/* ---- the table of every primitive ----
 * Each module's table lists its rows, ending with NULL.  lisp/'s own
 * modules come first, in this order, then the modules the layers above
 * registered, in the order they did; laid end to end they make the one
 * table the heap refers to by index.  The order is part of the system
 * version (runtime.c): append new modules at the end. */

static const struct lo_primitive *const *const lisp_modules[] = {
    lo_prims_conses,
    lo_prims_symbols,
    lo_prims_equal,
    lo_prims_hash,
    lo_prims_strings,
    lo_prims_vectors,
    lo_prims_sequences,
    lo_prims_control,
    lo_prims_eval,
    lo_prims_packages,
    lo_prims_numbers,
    lo_prims_streams,
    lo_prims_write,
    lo_prims_format,
    lo_prims_input,
    lo_prims_disassemble,
    lo_prims_environment,
    lo_prims_conditions,
    lo_prims_instances,
    lo_prims_freeze,
    lo_prims_access,
    lo_prims_documentation,
    lo_prims_locks,
    lo_prims_collect,
};

enum { MAX_PRIMITIVES = 2048, MAX_MODULES = 64 };
static const struct lo_primitive *table[MAX_PRIMITIVES];
const struct lo_primitive *const *lo_primitives = table;
unsigned lo_primitive_count;
int64_t lo_funcall_index = -1, lo_apply_index = -1;

static const struct lo_primitive *const *registered[MAX_MODULES];
static unsigned registered_count;
static _Atomic int table_built;

int lo_lisp_register_primitives(const char *module,
                                const struct lo_primitive *const *rows)
{
    if (atomic_load(&table_built))
        return LO_EBUSY;
    if (registered_count == MAX_MODULES) {
        lo_log(LO_LOG_ERROR, "lisp: no room to register the primitives of %s",
               module);
        return LO_ENOSPC;
    }
    registered[registered_count++] = rows;
    return LO_OK;
}

static void add_module(const struct lo_primitive *const *rows, unsigned *n)
{
    for (; *rows; rows++) {
        const struct lo_primitive *p = *rows;
        if (*n == MAX_PRIMITIVES)
            lo_panic("more than %d primitives", MAX_PRIMITIVES);
        LO_ASSERT(p->min_args >= 0 &&
                  (p->max_args < 0 || p->max_args >= p->min_args));
        if (p->package == LO_PKG_CL && !strcmp(p->name, "FUNCALL"))
            lo_funcall_index = *n;
        if (p->package == LO_PKG_CL && !strcmp(p->name, "APPLY"))
            lo_apply_index = *n;
        table[(*n)++] = p;
    }
}

void lo_primitives_init(void)
{
    if (atomic_load(&table_built))
        return;
    unsigned n = 0;
    for (unsigned m = 0; m < sizeof lisp_modules / sizeof lisp_modules[0]; m++)
        add_module(lisp_modules[m], &n);
    for (unsigned m = 0; m < registered_count; m++)
        add_module(registered[m], &n);
    lo_primitive_count = n;
    lo_vm_init();
    atomic_store(&table_built, 1);
}
