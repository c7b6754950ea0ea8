/*
 * primitives.c -- the one table of functions written in C, and how the
 * heap reaches it: by name, never by a C pointer.  A primitive object in
 * the heap holds its symbol and the index of its row in this table,
 * which every open works out again from the name (lo_bind_primitives,
 * at the end), so a heap opens in a program with more, fewer or other
 * primitives than the one that made it.
 *
 * The primitives themselves live with their subject, one file each
 * (internal.h lists them; docs/contributing.md states the rule); every
 * such file ends with its table of rows, named here.  The layers above
 * register theirs with lo_lisp_register_primitives.
 */
#include <string.h>

#include "lisp/environment.h"
#include "lisp/internal.h"

/* ---- the table of every primitive ----
 * Each module's table lists its rows, ending with NULL.  lisp/'s own
 * modules come first, in this order, then the modules the layers above
 * registered, in the order they did; laid end to end they make the one
 * table.  The order matters to no heap: primitive objects are bound to
 * it by name at every open. */

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

/* ---- binding the heap's primitive objects by name ----
 * A primitive object (value.h) holds its name (a symbol) and the index
 * of its row in this binary's table.  The name is what lasts: the index
 * is worked out again at every open, so a heap opens in a binary that
 * has more, fewer or other primitives than the one that made it.  Every
 * primitive object the heap has ever had is in one registry, a simple
 * vector under the root "lisp:primitives" (open.c), so this costs a
 * look-up per primitive, whatever the users' data.  The objects are
 * updated in place, never replaced: a #'CAR kept anywhere in users' data
 * is the object updated. */

/* This binary's rows by the address of their symbol: open addressing.
 * Addresses are stable throughout, as allocation never collects and
 * nothing here polls (internal.h, "roots and safepoints"). */
struct rows_by_symbol {
    uintptr_t *keys;                    /* 0: an empty slot */
    int64_t *rows;
    uint64_t mask;
};

static uint64_t slot_of(const struct rows_by_symbol *t, uintptr_t key)
{
    uint64_t j = (key >> 3) * 0x9e3779b97f4a7c15ull & t->mask;
    while (t->keys[j] && t->keys[j] != key)
        j = (j + 1) & t->mask;
    return j;
}

/* The row whose symbol is sym, or -1. */
static int64_t row_of(const struct rows_by_symbol *t, lo_value sym)
{
    uint64_t j = slot_of(t, (uintptr_t)lo_ptr(sym));
    return t->keys[j] ? t->rows[j] : -1;
}

/* Note sym as row's; returns the row noted before it when another row
 * has that symbol already. */
static int64_t add_row(struct rows_by_symbol *t, lo_value sym, int64_t row)
{
    uintptr_t key = (uintptr_t)lo_ptr(sym);
    uint64_t j = slot_of(t, key);
    if (t->keys[j])
        return t->rows[j];
    t->keys[j] = key;
    t->rows[j] = row;
    return row;
}

/* The primitive objects of a heap made before the registry existed: one
 * walk over every object's header (gc/heap.h), done once.  Exact: it
 * also finds the objects taken out of their cells since. */
struct found {
    lo_value *objects;
    uint64_t count, room;
    bool no_memory;
};

static void note_primitive(uint64_t *object, void *ctx)
{
    struct found *f = ctx;
    if ((object[0] & 0xff) != LO_T_PRIMITIVE || f->no_memory)
        return;
    if (f->count == f->room) {
        uint64_t room = f->room ? 2 * f->room : 1024;
        lo_value *objects = lo_mem_alloc(room * sizeof *objects);
        if (!objects) {
            f->no_memory = true;
            return;
        }
        if (f->count)
            memcpy(objects, f->objects, f->count * sizeof *objects);
        lo_mem_free(f->objects);
        f->objects = objects;
        f->room = room;
    }
    f->objects[f->count++] = lo_make_object(object);
}

/* What one binding holds in C memory (lo_prim_binding_new): its owner frees
 * it whatever happens, as allocating in the heap may fail (a full heap)
 * and leave lo_bind_primitives by a non-local exit. */
struct lo_prim_binding {
    struct rows_by_symbol t;
    unsigned char *state;               /* per row: ROW_* */
    struct found found;
    bool bad_header;                    /* the walk met one */
};

/* What each row of the table has in the heap. */
enum { ROW_NONE, ROW_BOUND, ROW_SAME_NAME };

/* A new simple vector of the registry's, frozen: the system's, like the
 * objects it holds, though no freeze walk finds it (it hangs off a root,
 * not the system environment) and no user reaches it. */
static lo_value new_registry(lo_lisp *L, uint64_t length)
{
    lo_value v = lo_make_vector(L, length, L->nil);
    lo_ptr(v)[0] |= LO_HEADER_FROZEN;
    return v;
}

/* The registry of an older heap, made from the walk. */
static void registry_from_heap(lo_lisp *L, struct lo_prim_binding *b,
                               lo_value *registry)
{
    struct found *f = &b->found;
    if (!lo_heap_for_each_object(L->heap, note_primitive, f)) {
        b->bad_header = true;
        lo_error(L, "ERROR", "a bad object header in the heap");
    }
    if (f->no_memory)
        lo_error(L, "STORAGE-CONDITION", "no memory to find the heap's "
                 "primitives");
    lo_value v = new_registry(L, f->count);
    for (uint64_t i = 0; i < f->count; i++)
        lo_ptr(v)[2 + i] = f->objects[i];
    *registry = v;
}

/* Each object of the registry gets its name's row here, or -1: written
 * only when it changes, so an open of the same binary dirties no page. */
static void bind_registry(struct lo_prim_binding *b, lo_value registry)
{
    uint64_t *objects = lo_ptr(registry);
    uint64_t count = (uint64_t)lo_fixnum_value(objects[1]);
    for (uint64_t k = 0; k < count; k++) {
        lo_value prim = objects[2 + k];
        if (!lo_typep(prim, LO_T_PRIMITIVE))
            continue;
        lo_value sym = lo_ptr(prim)[PRIM_NAME];
        int64_t row = lo_symbolp(sym) ? row_of(&b->t, sym) : -1;
        if (row >= 0)
            b->state[row] = ROW_BOUND;
        if (lo_ptr(prim)[PRIM_INDEX] != lo_fixnum(row))
            lo_ptr(prim)[PRIM_INDEX] = lo_fixnum(row);
    }
}

/* The rows new to this heap: each gets its symbol (interned now) and an
 * object, bound in its function cell and added to a new registry with
 * room for them all.  Returns how many. */
static uint64_t add_new_rows(lo_lisp *L, struct lo_prim_binding *b,
                             lo_value *registry)
{
    uint64_t n = lo_primitive_count, added = 0;
    for (uint64_t i = 0; i < n; i++) {
        if (b->state[i] != ROW_NONE)
            continue;
        lo_value sym = lo_primitive_symbol(L, lo_primitives[i]);
        if (add_row(&b->t, sym, (int64_t)i) != (int64_t)i)
            b->state[i] = ROW_SAME_NAME;
        else
            added++;
    }
    if (!added)
        return 0;
    uint64_t count = (uint64_t)lo_fixnum_value(lo_ptr(*registry)[1]);
    lo_value grown = new_registry(L, count + added);
    uint64_t *v = lo_ptr(grown);
    memcpy(&v[2], &lo_ptr(*registry)[2], count * sizeof *v);
    uint64_t at = 2 + count;
    for (uint64_t i = 0; i < n; i++) {
        if (b->state[i] != ROW_NONE)
            continue;
        lo_value sym = lo_primitive_symbol(L, lo_primitives[i]);  /* found */
        uint64_t *prim = lo_alloc_object(L, LO_T_PRIMITIVE, PRIM_WORDS);
        prim[PRIM_INDEX] = lo_fixnum((int64_t)i);
        prim[PRIM_NAME] = sym;
        v[at++] = lo_make_object(prim);
        lo_cell_set(lo_function_cell(L, sym, true), lo_make_object(prim));
    }
    LO_ASSERT(at == 2 + count + added);
    *registry = grown;
    return added;
}

struct lo_prim_binding *lo_prim_binding_new(void)
{
    struct lo_prim_binding *b = lo_mem_alloc(sizeof *b);
    if (!b)
        return NULL;
    memset(b, 0, sizeof *b);
    uint64_t n = lo_primitive_count, capacity = 16;
    while (capacity < 2 * n)
        capacity *= 2;
    b->t.mask = capacity - 1;
    b->t.keys = lo_mem_alloc(capacity * sizeof *b->t.keys);
    b->t.rows = lo_mem_alloc(capacity * sizeof *b->t.rows);
    b->state = lo_mem_alloc(n + 1);
    if (!b->t.keys || !b->t.rows || !b->state) {
        lo_prim_binding_free(b);
        return NULL;
    }
    memset(b->t.keys, 0, capacity * sizeof *b->t.keys);
    memset(b->state, ROW_NONE, n + 1);
    return b;
}

bool lo_prim_binding_bad_header(const struct lo_prim_binding *b)
{
    return b->bad_header;
}

void lo_prim_binding_free(struct lo_prim_binding *b)
{
    if (!b)
        return;
    lo_mem_free(b->t.keys);
    lo_mem_free(b->t.rows);
    lo_mem_free(b->state);
    lo_mem_free(b->found.objects);
    lo_mem_free(b);
}

void lo_bind_primitives(lo_lisp *L, void *binding)
{
    struct lo_prim_binding *b = binding;
    LO_ASSERT(lo_eq(L->env, lo_system_env(L)));   /* the system's names */
    lo_value *registry = lo_world_root(L, LO_ROOT_PRIMITIVES);
    if (!lo_typep(*registry, LO_T_VECTOR))
        registry_from_heap(L, b, registry);
    /* The rows whose symbol exists (nothing is interned yet).  Two rows
     * of one name, a module repeating another's: the first has it. */
    for (uint64_t i = 0; i < lo_primitive_count; i++) {
        lo_value sym = lo_find_primitive_symbol(L, lo_primitives[i]);
        if (sym && add_row(&b->t, sym, (int64_t)i) != (int64_t)i)
            b->state[i] = ROW_SAME_NAME;
    }
    bind_registry(b, *registry);
    /* What an open added hangs off the system's cells and packages: it
     * is frozen like the rest of the system (a cold boot freezes all
     * once its boot code has run). */
    if (add_new_rows(L, b, registry) && !L->W->cold)
        lo_freeze_new(L);
}
