/*
 * environment.c -- first-class global environments (docs/environments.md).
 *
 * A global environment maps names to what they mean: one table of binding
 * cells per namespace (functions, variables, macros, compiler macros,
 * classes, types, symbol macros), a package registry (package.h), and
 * for a user the values of the system's per-user defaults.  Compiled code
 * holds the cells it refers to, found when it was compiled, so a call
 * costs the same in any environment, and a function keeps resolving its
 * free references where it was compiled wherever it is called from.
 *
 * The system environment is the root of the heap.  Each user has an
 * environment whose parent is the system's.  A name is looked up in the
 * user's own table first, then in the system's: a binding the system has
 * is shared by everyone and cannot be changed from a user environment
 * (CELL_SYSTEM), nor can a user define anything new on a symbol of a
 * system package.  Three kinds of system binding give a user something of
 * their own:
 *   - per-user defaults (*PRINT-BASE*, *PACKAGE*, ...): the variable is the
 *     system's, but each user environment keeps its own global value of
 *     it; an evaluation in the environment binds the variable to that
 *     value and keeps what it is at the end (lo_env_enter, lo_env_leave);
 *   - extensible generic functions (PRINT-OBJECT, ...; CELL_EXTENSIBLE): a
 *     user's first look-up of the name makes a cell of their own holding
 *     the system's function, which the object system replaces with a
 *     private copy when the user adds a method;
 *   - property lists of symbols not their own (ENV_PLISTS): the system's,
 *     and another user's a user was handed (through a shared mailbox): a
 *     user who changes one changes a copy of their own.
 *
 * Which environment is current: the one of the innermost function running
 * that was compiled in a user environment (code objects record theirs,
 * CODE_ENV); system functions act for their caller.  Outside any
 * function, or when only system code runs, it is the thread's (L->env,
 * chosen by lo_lisp_set_user: lo_env_select_user).
 *
 * Tables are open-addressing: a simple vector whose element 0 is the
 * count, then a power-of-two number of slots holding cells or nil, never
 * more than half full, probed from the symbol's name hash (stable when the
 * collector moves things).  Look-ups take no lock: a cell enters an empty
 * slot with a release store, and a table that grows is replaced whole.
 * Adding takes the world lock and looks again, so no cell is made twice;
 * the lock is never held across a poll.
 */
#include <string.h>

#include "lisp/environment.h"
#include "drivers/printf.h"
#include "lisp/package.h"
#include "lisp/sequences.h"

enum { CELLS_FIRST = 3, CELLS_INITIAL = 64 };    /* vector word of slot 0 */

/* How many frames down from the top lo_current_env looks for a user's
 * function before it settles for the thread's environment. */
enum { ENV_FRAME_SCAN = 64 };

/* ---- which environment ------------------------------------------------------ */

lo_value lo_system_env(lo_lisp *L)
{
    return *lo_world_root(L, LO_ROOT_SYSTEM_ENV);
}

bool lo_env_is_system(lo_lisp *L, lo_value env)
{
    return lo_eq(env, lo_system_env(L));
}

/* The list of users' environments: replaced whole under the world lock
 * (a release store), read without it. */
static lo_value users(lo_lisp *L)
{
    return __atomic_load_n(lo_world_root(L, LO_ROOT_USERS), __ATOMIC_ACQUIRE);
}

static void set_users(lo_lisp *L, lo_value list)
{
    __atomic_store_n(lo_world_root(L, LO_ROOT_USERS), list, __ATOMIC_RELEASE);
}

lo_value lo_env_users(lo_lisp *L)
{
    return users(L);
}

lo_value lo_current_env(lo_lisp *L)
{
    lo_value system = lo_system_env(L);
    if (lo_null(L, users(L)))
        return system;                  /* no user environment exists */
    uint32_t bottom = L->nframes > ENV_FRAME_SCAN ? L->nframes - ENV_FRAME_SCAN
                                                  : 0;
    for (uint32_t i = L->nframes; i-- > bottom;) {
        lo_value env = lo_ptr(L->frames[i].code)[CODE_ENV];
        if (!lo_eq(env, system))
            return env;
    }
    return L->env;
}

bool lo_in_user_env(lo_lisp *L)
{
    return !lo_env_is_system(L, lo_current_env(L));
}

/* ---- tables of cells ---------------------------------------------------------- */

static uint64_t cells_capacity(lo_value table)
{
    return (uint64_t)lo_fixnum_value(lo_ptr(table)[1]) - 1;
}

static uint64_t symbol_hash(lo_value sym)
{
    return (uint64_t)lo_fixnum_value(lo_ptr(sym)[SYM_HASH]);
}

static lo_value lookup_cell(lo_lisp *L, lo_value env, unsigned slot,
                            lo_value sym)
{
    lo_value table = __atomic_load_n(&lo_ptr(env)[slot], __ATOMIC_ACQUIRE);
    if (!lo_typep(table, LO_T_VECTOR))
        return L->nil;
    uint64_t *t = lo_ptr(table), mask = cells_capacity(table) - 1;
    for (uint64_t i = symbol_hash(sym) & mask;; i = (i + 1) & mask) {
        lo_value cell = __atomic_load_n(&t[CELLS_FIRST + i], __ATOMIC_ACQUIRE);
        if (lo_null(L, cell))
            return L->nil;
        if (lo_eq(lo_ptr(cell)[CELL_NAME], sym))
            return cell;
    }
}

/* Put cell in the first free slot of its probe sequence. */
static void place_cell(lo_lisp *L, lo_value table, lo_value cell)
{
    LO_ASSERT(L->world_locked);         /* adding takes the world lock */
    uint64_t *t = lo_ptr(table), mask = cells_capacity(table) - 1;
    uint64_t i = symbol_hash(lo_ptr(cell)[CELL_NAME]) & mask;
    while (!lo_null(L, t[CELLS_FIRST + i]))
        i = (i + 1) & mask;
    __atomic_store_n(&t[CELLS_FIRST + i], cell, __ATOMIC_RELEASE);
}

/* A table of twice the capacity (or the first), holding the same cells. */
static lo_value grown_cells(lo_lisp *L, lo_value old)
{
    uint64_t capacity = lo_typep(old, LO_T_VECTOR) ? 2 * cells_capacity(old)
                                                   : CELLS_INITIAL;
    lo_value table = lo_make_vector(L, capacity + 1, L->nil);
    lo_ptr(table)[2] = lo_fixnum(0);
    if (lo_typep(old, LO_T_VECTOR)) {
        for (uint64_t i = 0; i < cells_capacity(old); i++)
            if (!lo_null(L, lo_ptr(old)[CELLS_FIRST + i]))
                place_cell(L, table, lo_ptr(old)[CELLS_FIRST + i]);
        lo_ptr(table)[2] = lo_ptr(old)[2];
    }
    return table;
}

/* A new cell for sym in env's table (world lock held). */
static lo_value add_cell(lo_lisp *L, lo_value env, unsigned slot, lo_value sym,
                         lo_value value, int64_t flags)
{
    uint64_t *cell = lo_alloc_object(L, LO_T_CELL, CELL_WORDS);
    cell[CELL_VALUE] = value;
    cell[CELL_NAME] = sym;
    if (lo_env_is_system(L, env))
        flags |= CELL_SYSTEM;
    cell[CELL_FLAGS] = lo_fixnum(flags);
    lo_value c = lo_make_object(cell);
    uint64_t *e = lo_ptr(env);
    lo_value table = e[slot];
    int64_t count = lo_typep(table, LO_T_VECTOR)
                    ? lo_fixnum_value(lo_ptr(table)[2]) : 0;
    if (!lo_typep(table, LO_T_VECTOR) ||
        (uint64_t)(count + 1) * 2 > cells_capacity(table)) {
        table = grown_cells(L, table);
        __atomic_store_n(&e[slot], table, __ATOMIC_RELEASE);
    }
    place_cell(L, table, c);
    lo_ptr(table)[2] = lo_fixnum(count + 1);
    return c;
}

static int64_t cell_flags(lo_value cell)
{
    return lo_cell_flags(cell);
}

static bool system_symbol_p(lo_value sym);

/*
 * Whether a new cell for sym in namespace slot of the user environment
 * whose parent is parent belongs in the system environment instead: a
 * function or macro named by a symbol of a system package.  No user may
 * define one (lo_definable_p), so a cell of the user's own could only
 * ever stay unbound -- and would hide the system's definition from the
 * user's code for ever once the system (a later release, the
 * administrator) made one (docs/environments.md, "Names nobody defines
 * yet").  Variables keep the user's own cell: a user may SETQ an
 * undeclared variable such as LIST at top level and keep its value.
 */
static bool made_in_system(lo_lisp *L, lo_value parent, unsigned slot,
                           lo_value sym)
{
    return (slot == ENV_FUNCTIONS || slot == ENV_MACROS) &&
           !lo_null(L, parent) && lo_env_is_system(L, parent) &&
           system_symbol_p(sym);
}

/* The table of namespace slot of env with room for one more cell
 * (replaced by a bigger one, made frozen, when full); world lock held. */
static lo_value frozen_table_with_room(lo_lisp *L, lo_value env,
                                       unsigned slot)
{
    lo_value table = lo_ptr(env)[slot];
    int64_t count = lo_typep(table, LO_T_VECTOR)
                    ? lo_fixnum_value(lo_ptr(table)[2]) : 0;
    if (lo_typep(table, LO_T_VECTOR) &&
        (uint64_t)(count + 1) * 2 <= cells_capacity(table))
        return table;
    table = grown_cells(L, table);
    lo_ptr(table)[0] |= LO_HEADER_FROZEN;   /* no other thread sees it yet */
    __atomic_store_n(&lo_ptr(env)[slot], table, __ATOMIC_RELEASE);
    return table;
}

/*
 * The system environment's cell for sym in namespace slot, made unbound
 * when it has none -- for a user's look-up (or the mend of shadow cells,
 * below), which is why it differs from add_cell: no freeze walk
 * (freeze.c) follows a user's evaluation, so what it adds to the system
 * environment is frozen at birth, before a release store lets another
 * thread see it.  Taking the world lock and looking again makes it once.  The cell is CELL_SYSTEM: no user may
 * bind it; only the system defines it, in place, where the user's code
 * already holds it.
 */
static lo_value frozen_system_cell(lo_lisp *L, lo_value system,
                                   unsigned slot, lo_value sym)
{
    lo_world_lock(L);
    lo_value found = lookup_cell(L, system, slot, sym);
    if (lo_null(L, found)) {
        lo_value table = frozen_table_with_room(L, system, slot);
        uint64_t *cell = lo_alloc_object(L, LO_T_CELL, CELL_WORDS);
        cell[0] |= LO_HEADER_FROZEN;
        cell[CELL_VALUE] = LO_UNBOUND;
        cell[CELL_NAME] = sym;
        cell[CELL_FLAGS] = lo_fixnum(CELL_SYSTEM);
        found = lo_make_object(cell);
        place_cell(L, table, found);
        lo_ptr(table)[2] = lo_fixnum(lo_fixnum_value(lo_ptr(table)[2]) + 1);
    }
    lo_world_unlock(L);
    return found;
}

/* A definition while the boot code runs (lo_note_definition): a system
 * cell is the boot's, and no longer stale (lisp/upgrade.c). */
void lo_note_boot_definition(lo_value cell)
{
    if (!(cell_flags(cell) & CELL_SYSTEM))
        return;                         /* never a user's binding */
    lo_cell_add_flags(cell, CELL_BOOT);
    lo_cell_clear_flags(cell, CELL_STALE | CELL_REMOVED);
}

/*
 * The cell binding sym in one namespace of env: env's own, else its
 * parent's; created when neither has one and create is set (nil
 * otherwise) -- in env, except that a user's function or macro named by
 * a system symbol is created in the system environment (made_in_system).
 * An extensible system function gets a cell of the user's own at the
 * first look-up.
 */
lo_value lo_env_cell(lo_lisp *L, lo_value env, unsigned slot, lo_value sym,
                     bool create)
{
    lo_value found = lookup_cell(L, env, slot, sym);
    if (!lo_null(L, found))
        return found;
    lo_value parent = lo_ptr(env)[ENV_PARENT];
    lo_value inherited = lo_null(L, parent) ? L->nil
                                            : lookup_cell(L, parent, slot, sym);
    bool extensible = !lo_null(L, inherited) &&
                      (cell_flags(inherited) & CELL_EXTENSIBLE);
    if (!lo_null(L, inherited) && !extensible)
        return inherited;
    if (!create && !extensible)
        return L->nil;
    if (!extensible && made_in_system(L, parent, slot, sym)) {
        found = frozen_system_cell(L, parent, slot, sym);
        /* the system made it extensible meanwhile: the user's own cell */
        return cell_flags(found) & CELL_EXTENSIBLE
                   ? lo_env_cell(L, env, slot, sym, create) : found;
    }
    lo_world_lock(L);
    found = lookup_cell(L, env, slot, sym);
    if (lo_null(L, found))
        found = extensible
            ? add_cell(L, env, slot, sym, lo_cell_get(inherited),
                       CELL_EXTENSIBLE)
            : add_cell(L, env, slot, sym, LO_UNBOUND, 0);
    lo_world_unlock(L);
    return found;
}

lo_value lo_function_cell(lo_lisp *L, lo_value sym, bool create)
{
    return lo_env_cell(L, lo_current_env(L), ENV_FUNCTIONS, sym, create);
}

lo_value lo_variable_cell(lo_lisp *L, lo_value sym, bool create)
{
    return lo_env_cell(L, lo_current_env(L), ENV_VARIABLES, sym, create);
}

lo_value lo_macro_cell(lo_lisp *L, lo_value sym, bool create)
{
    return lo_env_cell(L, lo_current_env(L), ENV_MACROS, sym, create);
}

lo_value lo_macro_function(lo_lisp *L, lo_value sym)
{
    if (!lo_symbolp(sym))
        return L->nil;
    lo_value cell = lo_macro_cell(L, sym, false);
    if (lo_null(L, cell) || lo_cell_get(cell) == LO_UNBOUND)
        return L->nil;
    return lo_cell_get(cell);
}

void lo_for_each_cell(lo_lisp *L, lo_value env, unsigned slot,
                      void (*fn)(lo_lisp *L, lo_value cell, void *ctx),
                      void *ctx)
{
    lo_value table = lo_ptr(env)[slot];
    if (!lo_typep(table, LO_T_VECTOR))
        return;
    for (uint64_t i = 0; i < cells_capacity(table); i++)
        if (!lo_null(L, lo_ptr(table)[CELLS_FIRST + i]))
            fn(L, lo_ptr(table)[CELLS_FIRST + i], ctx);
}

/* ---- what a user environment may not change ---------------------------------- */

static const char *env_text(lo_lisp *L, lo_value env, char *buf, size_t len)
{
    lo_value name = lo_ptr(env)[ENV_NAME];
    if (lo_typep(name, LO_T_STRING))
        lo_string_utf8(name, buf, len);
    else
        lo_snprintf(buf, len, "%s", lo_env_is_system(L, env) ? "system"
                                                             : "(unnamed)");
    return buf;
}

/* Whether sym belongs to a package of the system environment. */
static bool system_symbol_p(lo_value sym)
{
    lo_value home = lo_ptr(sym)[SYM_PACKAGE];
    return lo_packagep(home) &&
           (lo_fixnum_value(lo_ptr(home)[PKG_FLAGS]) & PKG_SYSTEM);
}

bool lo_definable_p(lo_lisp *L, lo_value env, lo_value cell)
{
    if (lo_env_is_system(L, env))
        return true;
    int64_t flags = cell_flags(cell);
    return !(flags & CELL_SYSTEM) &&
           ((flags & CELL_EXTENSIBLE) || !system_symbol_p(lo_ptr(cell)[CELL_NAME]));
}

void lo_check_definable(lo_lisp *L, lo_value env, lo_value cell,
                        const char *what)
{
    if (lo_definable_p(L, env, cell))
        return;
    lo_value sym = lo_ptr(cell)[CELL_NAME];
    char name[128], user[64];
    lo_string_utf8(lo_symbol_name(sym), name, sizeof name);
    lo_error(L, "ENVIRONMENT-ERROR", "%s: %s belongs to the system "
             "environment; it cannot be changed from the environment of %s",
             what, name, env_text(L, env, user, sizeof user));
}

/* Whether sym's property list is env's to change in place: env is the
 * system's, or sym is in one of env's own packages, or in none (an
 * uninterned symbol belongs to whoever holds it). */
static bool own_plist_p(lo_lisp *L, lo_value env, lo_value sym)
{
    if (lo_env_is_system(L, env))
        return true;
    lo_value home = lo_ptr(sym)[SYM_PACKAGE];
    if (!lo_packagep(home))
        return true;
    return !system_symbol_p(sym) && lo_package_of_env_p(home, env);
}

lo_value *lo_plist_place(lo_lisp *L, lo_value sym, bool write)
{
    lo_value env = lo_current_env(L);
    if (own_plist_p(L, env, sym))
        return &lo_ptr(sym)[SYM_PLIST];
    lo_value cell = lookup_cell(L, env, ENV_PLISTS, sym);
    if (lo_null(L, cell) && !write)
        return &lo_ptr(sym)[SYM_PLIST];
    if (lo_null(L, cell)) {
        /* the user's copy starts as the system's property list */
        lo_value copy = L->nil, *tail = &copy;
        for (lo_value l = lo_ptr(sym)[SYM_PLIST]; lo_consp(l);
             l = lo_cdr_raw(l)) {
            *tail = lo_cons(L, lo_car_raw(l), L->nil);
            tail = &lo_ptr(*tail)[2];
        }
        lo_world_lock(L);
        cell = lookup_cell(L, env, ENV_PLISTS, sym);
        if (lo_null(L, cell))
            cell = add_cell(L, env, ENV_PLISTS, sym, copy, 0);
        lo_world_unlock(L);
    }
    return &lo_ptr(cell)[CELL_VALUE];
}

void lo_assign_checked(lo_lisp *L, lo_value cell, lo_value value,
                       const char *op)
{
    if (lo_cell_place(L, cell) == &lo_ptr(cell)[CELL_VALUE])  /* global */
        lo_check_definable(L, lo_current_env(L), cell, op);
    lo_cell_assign(L, cell, value);
}

/* OP_SET_SYSTEM_GLOBAL: code compiled in a user environment sets a
 * system variable; only this thread's binding of it may change. */
void lo_set_system_global(lo_lisp *L, lo_value cell, lo_value value)
{
    lo_assign_checked(L, cell, value, "SETQ");
}

/* ---- per-user defaults ---------------------------------------------------------- */

/* The system's per-user defaults: a simple vector of variable cells in
 * the system environment's ENV_DEFAULTS; a user environment's is a
 * vector of their values, in the same order (shorter when the system
 * added defaults since: the rest are the system's values). */
static lo_value default_cells(lo_lisp *L)
{
    return lo_ptr(lo_system_env(L))[ENV_DEFAULTS];
}

static uint64_t vector_length(lo_value v)
{
    return lo_typep(v, LO_T_VECTOR) ? lo_vector_length(v) : 0;
}

/* A user's values of the defaults: every thread of the user reads them
 * when an evaluation starts and writes them when it ends (the last to
 * end wins), so the vector and its elements are shared words. */
static lo_value user_defaults(lo_value env)
{
    return __atomic_load_n(&lo_ptr(env)[ENV_DEFAULTS], __ATOMIC_ACQUIRE);
}

static lo_value default_ref(lo_value values, uint64_t i)
{
    return __atomic_load_n(&lo_vector_items(values)[i], __ATOMIC_ACQUIRE);
}

static void default_set(lo_value values, uint64_t i, lo_value v)
{
    __atomic_store_n(&lo_vector_items(values)[i], v, __ATOMIC_RELEASE);
}

void lo_env_enter(lo_lisp *L)
{
    if (lo_env_is_system(L, L->env))
        return;
    lo_value cells = default_cells(L);
    lo_value values = user_defaults(L->env);
    for (uint64_t i = 0; i < vector_length(cells); i++) {
        lo_value cell = lo_vector_items(cells)[i];
        lo_value v = i < vector_length(values) ? default_ref(values, i)
                                                 : lo_cell_get(cell);
        lo_bind_special(L, cell, v);
    }
}

void lo_env_leave(lo_lisp *L, uint32_t depth)
{
    if (!lo_env_is_system(L, L->env)) {
        lo_value cells = default_cells(L);
        uint64_t n = vector_length(cells);
        lo_value values = user_defaults(L->env);
        if (vector_length(values) < n) {
            /* the system added defaults since: a longer vector, made
             * once (under the lock, as another thread may be here) */
            lo_value grown = lo_make_vector(L, n, L->nil);
            lo_world_lock(L);
            cells = default_cells(L);
            values = user_defaults(L->env);
            if (vector_length(values) < n) {
                for (uint64_t i = 0; i < n; i++)
                    lo_vector_items(grown)[i] =
                        i < vector_length(values)
                            ? default_ref(values, i)
                            : lo_cell_get(lo_vector_items(cells)[i]);
                __atomic_store_n(&lo_ptr(L->env)[ENV_DEFAULTS], grown,
                                 __ATOMIC_RELEASE);
                values = grown;
            }
            lo_world_unlock(L);
        }
        for (uint64_t i = 0; i < n; i++)
            default_set(values, i, lo_cell_value(L, lo_vector_items(cells)[i]));
    }
    lo_unbind_to(L, depth);
}

/* The system's list of defaults changed from old_cells to the one it
 * has now (the boot code ran again: upgrade.c): each user's values
 * follow their variables, found by cell, not by position, so a default
 * moved in the list keeps the user's value; a new one starts as the
 * system's value, and a dropped one goes.  Run with no other thread. */
void lo_env_remap_defaults(lo_lisp *L, lo_value old_cells)
{
    lo_value cells = default_cells(L);
    if (lo_eq(cells, old_cells))
        return;
    uint64_t n = vector_length(cells), old_n = vector_length(old_cells);
    for (lo_value l = users(L); lo_consp(l); l = lo_cdr_raw(l)) {
        lo_value env = lo_car_raw(l);
        lo_value values = user_defaults(env);
        lo_value remapped = lo_make_vector(L, n, L->nil);   /* no collection */
        for (uint64_t i = 0; i < n; i++) {
            lo_value cell = lo_vector_items(cells)[i];
            lo_value v = lo_cell_get(cell);
            for (uint64_t j = 0; j < old_n; j++)
                if (lo_eq(lo_vector_items(old_cells)[j], cell)) {
                    if (j < vector_length(values))
                        v = default_ref(values, j);
                    break;
                }
            lo_vector_items(remapped)[i] = v;
        }
        __atomic_store_n(&lo_ptr(env)[ENV_DEFAULTS], remapped,
                         __ATOMIC_RELEASE);
    }
}

/* The values a new user environment starts with: the system's, but
 * *PACKAGE* is the user's own COMMON-LISP-USER. */
static lo_value fresh_defaults(lo_lisp *L, lo_value env)
{
    lo_value cells = default_cells(L);
    uint64_t n = vector_length(cells);
    lo_value values = lo_make_vector(L, n, L->nil);
    cells = default_cells(L);
    lo_value package_cell = lo_registry_ref(L, REG_PACKAGE_CELL);
    for (uint64_t i = 0; i < n; i++) {
        lo_value cell = lo_vector_items(cells)[i];
        lo_vector_items(values)[i] =
            lo_eq(cell, package_cell)
                ? lo_vector_items(lo_ptr(env)[ENV_PACKAGES])[REG_CL_USER]
                : lo_cell_get(cell);
    }
    return values;
}

/* ---- users' environments ---------------------------------------------------------- */

lo_value lo_make_env(lo_lisp *L, lo_value parent, lo_value name)
{
    uint64_t *e = lo_alloc_object(L, LO_T_ENV, ENV_WORDS);
    for (unsigned i = 1; i < ENV_WORDS; i++)
        e[i] = L->nil;
    e[ENV_PARENT] = parent;
    e[ENV_NAME] = name;
    return lo_make_object(e);
}

static bool string_is(lo_value s, const char *text)
{
    size_t len = strlen(text);
    if (!lo_typep(s, LO_T_STRING) || lo_string_length(s) != len)
        return false;
    for (size_t i = 0; i < len; i++)
        if (lo_string_ref(s, i) != (unsigned char)text[i])
            return false;
    return true;
}

static lo_value find_user(lo_lisp *L, const char *name)
{
    for (lo_value l = users(L); lo_consp(l); l = lo_cdr_raw(l))
        if (string_is(lo_ptr(lo_car_raw(l))[ENV_NAME], name))
            return lo_car_raw(l);
    return L->nil;
}

/* A fresh default environment for the user called name (not yet on the
 * list of users).  Allocation never collects: no roots are needed. */
static lo_value new_user_env(lo_lisp *L, const char *name)
{
    lo_value env = lo_make_env(L, lo_system_env(L),
                               lo_make_string(L, name, strlen(name)));
    lo_packages_for_env(L, env);
    lo_ptr(env)[ENV_DEFAULTS] = fresh_defaults(L, env);
    return env;
}

bool lo_user_name_valid(const char *name)
{
    size_t len = strlen(name);
    if (len == 0 || len > 64)
        return false;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)name[i] < 0x21 || name[i] == 0x7f)
            return false;
    return true;
}

lo_value lo_env_find_user(lo_lisp *L, const char *name)
{
    lo_world_lock(L);
    lo_value env = find_user(L, name);
    lo_world_unlock(L);
    return env;
}

void lo_env_select_user(lo_lisp *L, const char *name)
{
    if (!name) {
        L->env = lo_system_env(L);
        return;
    }
    lo_world_lock(L);
    lo_value env = find_user(L, name);
    lo_world_unlock(L);
    if (lo_null(L, env)) {
        /* made outside the lock (making packages takes it), then added
         * unless another thread added one meanwhile */
        lo_value made = new_user_env(L, name);
        lo_world_lock(L);
        env = find_user(L, name);
        if (lo_null(L, env)) {
            env = made;
            set_users(L, lo_cons(L, env, users(L)));
        }
        lo_world_unlock(L);
    }
    L->env = env;
}

void lo_env_reset_user(lo_lisp *L, const char *name, const char *keep_as)
{
    lo_value env = new_user_env(L, name);
    lo_value keep_name = keep_as ? lo_make_string(L, keep_as, strlen(keep_as))
                                 : L->nil;
    lo_world_lock(L);
    lo_value old = find_user(L, name);
    lo_value gone = keep_as ? find_user(L, keep_as) : L->nil;
    lo_value kept = lo_cons(L, env, L->nil);
    if (!lo_null(L, old) && keep_as) {
        lo_ptr(old)[ENV_NAME] = keep_name;
        kept = lo_cons(L, old, kept);
    }
    for (lo_value l = users(L); lo_consp(l); l = lo_cdr_raw(l))
        if (!lo_eq(lo_car_raw(l), old) && !lo_eq(lo_car_raw(l), gone))
            kept = lo_cons(L, lo_car_raw(l), kept);
    set_users(L, kept);
    lo_world_unlock(L);
    if (!lo_null(L, old) && lo_eq(L->env, old))
        L->env = env;       /* this thread was in it: now in the new one */
}

/* ---- shadow cells of older stores ------------------------------------------------ */

/*
 * Until lo_env_cell made the cells of system symbols' functions and
 * macros in the system environment, it made them in the user's: a
 * "shadow cell", unbound for ever, that hid the system's later definition
 * from the user's code holding it, and from the user's later look-ups
 * (their own table comes first).  A store made then is mended once, by
 * the upgrade (docs/upgrade-design.md, 2.3):
 *   - a function's shadow cell leaves the user's table, so their look-ups
 *     reach the system's cell, and its value becomes a forwarder for the
 *     code that holds it: a function compiled in the system environment
 *     that applies whatever the system's cell holds when it is called
 *     (UNDEFINED-FUNCTION naming the symbol while that is nothing);
 *   - unless the system's function is extensible: then the shadow cell
 *     becomes what lo_env_cell makes today, the user's own cell holding
 *     the system's function, and stays;
 *   - a macro's shadow cell just leaves the table: code holds macro cells
 *     only to report a refused DEFMACRO, which the cell still does.
 * Variables are left alone: a user's cell of a system symbol's variable
 * may hold a value of their own ((setq list ...) at top level), so it is
 * no shadow (docs/environments.md).
 */

/* Whether cell, in a user's table, is a shadow cell. */
static bool shadow_cell_p(lo_value cell)
{
    return !(cell_flags(cell) & (CELL_SYSTEM | CELL_EXTENSIBLE)) &&
           lo_cell_get(cell) == LO_UNBOUND &&
           system_symbol_p(lo_ptr(cell)[CELL_NAME]);
}

/* The shadow cells of env's table of namespace slot, as a list. */
static lo_value shadow_cells(lo_lisp *L, lo_value env, unsigned slot)
{
    lo_value table = lo_ptr(env)[slot], found = L->nil;
    if (!lo_typep(table, LO_T_VECTOR))
        return found;
    for (uint64_t i = 0; i < cells_capacity(table); i++) {
        lo_value cell = lo_ptr(table)[CELLS_FIRST + i];
        if (!lo_null(L, cell) && shadow_cell_p(cell))
            found = lo_cons(L, cell, found);
    }
    return found;
}

static bool memq(lo_value x, lo_value list)
{
    for (; lo_consp(list); list = lo_cdr_raw(list))
        if (lo_eq(lo_car_raw(list), x))
            return true;
    return false;
}

/* Replace env's table of namespace slot by one of the same capacity
 * without the cells of the list gone (open addressing has no deletion);
 * world lock held. */
static void remove_cells(lo_lisp *L, lo_value env, unsigned slot,
                         lo_value gone)
{
    lo_value old = lo_ptr(env)[slot];
    if (lo_null(L, gone) || !lo_typep(old, LO_T_VECTOR))
        return;
    lo_value table = lo_make_vector(L, cells_capacity(old) + 1, L->nil);
    int64_t count = 0;
    for (uint64_t i = 0; i < cells_capacity(old); i++) {
        lo_value cell = lo_ptr(old)[CELLS_FIRST + i];
        if (!lo_null(L, cell) && !memq(cell, gone)) {
            place_cell(L, table, cell);
            count++;
        }
    }
    lo_ptr(table)[2] = lo_fixnum(count);
    __atomic_store_n(&lo_ptr(env)[slot], table, __ATOMIC_RELEASE);
}

/* (function (lambda (&rest args) (apply #'sym args))), compiled in the
 * system environment, so #'sym reads the system's cell at every call;
 * named sym, as backtraces show it. */
static lo_value forwarder(lo_lisp *L, lo_value sym)
{
    lo_value nil = L->nil, args = lo_gensym(L);
#define LIST2(a, b) lo_cons(L, (a), lo_cons(L, (b), nil))
#define LIST3(a, b, c) lo_cons(L, (a), LIST2((b), (c)))
    lo_value form = LIST2(lo_intern(L, "FUNCTION"),
        LIST3(lo_intern(L, "LAMBDA"), LIST2(lo_intern(L, "&REST"), args),
              LIST3(lo_intern(L, "APPLY"),
                    LIST2(lo_intern(L, "FUNCTION"), sym), args)));
#undef LIST3
#undef LIST2
    lo_value fn = lo_vm_apply(L, lo_compile_toplevel(L, form), NULL, 0);
    lo_ptr(lo_ptr(fn)[FN_CODE])[CODE_NAME] = sym;   /* ours alone so far */
    return fn;
}

/* Mend env's function and macro shadow cells; how many were mended. */
static uint64_t mend_env(lo_lisp *L, lo_value env)
{
    lo_value system = lo_system_env(L), gone = L->nil;
    uint64_t mended = 0;
    for (lo_value l = shadow_cells(L, env, ENV_FUNCTIONS); lo_consp(l);
         l = lo_cdr_raw(l), mended++) {
        lo_value cell = lo_car_raw(l), sym = lo_ptr(cell)[CELL_NAME];
        lo_value target = frozen_system_cell(L, system, ENV_FUNCTIONS, sym);
        if (cell_flags(target) & CELL_EXTENSIBLE) {
            lo_cell_set(cell, lo_cell_get(target));
            lo_cell_add_flags(cell, CELL_EXTENSIBLE);
        } else {
            lo_cell_set(cell, forwarder(L, sym));
            gone = lo_cons(L, cell, gone);
        }
    }
    lo_value macros = shadow_cells(L, env, ENV_MACROS);
    for (lo_value l = macros; lo_consp(l); l = lo_cdr_raw(l))
        mended++;
    lo_world_lock(L);
    remove_cells(L, env, ENV_FUNCTIONS, gone);
    remove_cells(L, env, ENV_MACROS, macros);
    lo_world_unlock(L);
    return mended;
}

uint64_t lo_env_mend_shadow_cells(lo_lisp *L)
{
    if (lo_in_user_env(L))
        lo_error(L, "PROGRAM-ERROR", "only the system mends users' shadow "
                 "cells");
    lo_gc_inhibit(L);           /* values held across compiling forwarders */
    uint64_t mended = 0;
    for (lo_value l = users(L); lo_consp(l); l = lo_cdr_raw(l))
        mended += mend_env(L, lo_car_raw(l));
    lo_gc_allow(L);
    return mended;
}

lo_value lo_env_make_shadow_cell(lo_lisp *L, lo_value env, unsigned slot,
                                 lo_value sym)
{
    lo_world_lock(L);
    lo_value cell = lookup_cell(L, env, slot, sym);
    if (lo_null(L, cell))
        cell = add_cell(L, env, slot, sym, LO_UNBOUND, 0);
    lo_world_unlock(L);
    return cell;
}

/* ---- the Lisp side ----------------------------------------------------------------- */

/* The namespace a keyword names, for %ENV-BINDING and %SET-ENV-BINDING. */
static unsigned namespace_arg(lo_lisp *L, lo_value kind)
{
    static const struct { const char *name; unsigned slot; } spaces[] = {
        { "CLASS", ENV_CLASSES }, { "TYPE", ENV_TYPES },
        { "COMPILER-MACRO", ENV_COMPILER_MACROS },
        { "SYMBOL-MACRO", ENV_SYMBOL_MACROS },
    };
    if (lo_keywordp(kind))
        for (unsigned i = 0; i < sizeof spaces / sizeof spaces[0]; i++)
            if (string_is(lo_symbol_name(kind), spaces[i].name))
                return spaces[i].slot;
    lo_arg_error(L, kind, "(MEMBER :CLASS :TYPE :COMPILER-MACRO "
                 ":SYMBOL-MACRO)");
}

/* (%env-binding namespace name): what name means there, or nil. */
LO_PRIMITIVE(p_env_binding, "%ENV-BINDING", INTERNAL, ANY, 2, 2,
             "(namespace name)",
             "What the symbol NAME means in NAMESPACE (:CLASS, :TYPE, "
             ":COMPILER-MACRO or :SYMBOL-MACRO) of the current environment, "
             "or NIL: how FIND-CLASS, TYPEP and COMPILER-MACRO-FUNCTION look "
             "names up.")
{
    unsigned slot = namespace_arg(L, args[0]);
    lo_value cell = lo_env_cell(L, lo_current_env(L), slot,
                                lo_arg_symbol(L, args[1]), false);
    if (lo_null(L, cell) || lo_cell_get(cell) == LO_UNBOUND)
        return L->nil;
    return lo_cell_get(cell);
}

/* (%set-env-binding namespace name value): nil removes the binding. */
LO_PRIMITIVE(p_set_env_binding, "%SET-ENV-BINDING", INTERNAL, ANY, 3, 3,
             "(namespace name value)",
             "Make VALUE what the symbol NAME means in NAMESPACE (as for "
             "%ENV-BINDING) of the current environment, where it may define "
             "it; VALUE NIL removes the meaning.  Returns VALUE.")
{
    unsigned slot = namespace_arg(L, args[0]);
    lo_value env = lo_current_env(L);
    lo_value cell = lo_env_cell(L, env, slot, lo_arg_symbol(L, args[1]),
                                true);
    lo_check_definable(L, env, cell, "DEFINE");
    lo_cell_set(cell, lo_null(L, args[2]) ? LO_UNBOUND : args[2]);
    lo_note_definition(L, cell);
    return args[2];
}

/* (%declare-user-defaults symbols): these special variables get a value
 * per user environment (system code, at boot). */
LO_PRIMITIVE(p_declare_user_defaults, "%DECLARE-USER-DEFAULTS", INTERNAL,
             SYSTEM, 1, 1, "(symbols)",
             "Give each special variable in the list SYMBOLS a global value "
             "per user environment (*PACKAGE*, *PRINT-BASE*, ...), replacing "
             "the list declared before.  The boot code calls it; system "
             "environment only.")
{
    int64_t count;
    lo_arg_list(L, args[0], &count);
    lo_value cells = lo_make_vector(L, (uint64_t)count, L->nil);
    int64_t i = 0;
    for (lo_value l = args[0]; lo_consp(l); l = lo_cdr_raw(l)) {
        lo_value sym = lo_arg_symbol(L, lo_car_raw(l));
        if (!lo_special_p(L, sym))
            lo_error(L, "PROGRAM-ERROR", "%%DECLARE-USER-DEFAULTS: not a "
                     "special variable");
        lo_vector_items(cells)[i++] = lo_variable_cell(L, sym, true);
    }
    lo_ptr(lo_system_env(L))[ENV_DEFAULTS] = cells;
    return args[0];
}

/* (%make-extensible name): users get their own binding of the system
 * function name (a generic function they may add methods to). */
LO_PRIMITIVE(p_make_extensible, "%MAKE-EXTENSIBLE", INTERNAL, SYSTEM, 1, 1,
             "(name)",
             "Let each user environment have its own binding of the system "
             "function NAME, so a user may add methods to the generic "
             "function (PRINT-OBJECT, ...).  Returns NAME; system environment "
             "only.")
{
    lo_value cell = lo_function_cell(L, lo_arg_symbol(L, args[0]), true);
    lo_cell_add_flags(cell, CELL_EXTENSIBLE);
    return args[0];
}

/* (%check-definable cell operation): the ENVIRONMENT-ERROR of a
 * definition the compiler found the current environment may not make,
 * signalled when the definition runs (so a handler around it sees it). */
LO_PRIMITIVE(p_check_definable, "%CHECK-DEFINABLE", INTERNAL, ANY, 2, 2,
             "(cell operation)",
             "Signal the ENVIRONMENT-ERROR of the definition OPERATION (a "
             "string such as \"DEFUN\") when the current environment may not "
             "change the binding CELL; else NIL.  The compiler puts a call "
             "in place of a definition it found forbidden.")
{
    if (!lo_typep(args[0], LO_T_CELL))
        lo_arg_error(L, args[0], "CELL");
    lo_arg_string(L, args[1]);
    char op[32];
    lo_string_utf8(args[1], op, sizeof op);
    lo_check_definable(L, lo_current_env(L), args[0], op);
    return L->nil;
}

/* (%special-variable-p symbol) and (%constant-variable-p symbol), as the
 * current environment says. */
LO_PRIMITIVE(p_special_variable_p, "%SPECIAL-VARIABLE-P", INTERNAL, ANY, 1,
             1, "(symbol)",
             "True when SYMBOL is declared special (DEFVAR, DEFPARAMETER, "
             "PROCLAIM) in the current environment.")
{
    return lo_truth(L, lo_special_p(L, lo_arg_symbol(L, args[0])));
}

LO_PRIMITIVE(p_constant_variable_p, "%CONSTANT-VARIABLE-P", INTERNAL, ANY,
             1, 1, "(symbol)",
             "True when SYMBOL names a constant defined by DEFCONSTANT in the "
             "current environment.")
{
    return lo_truth(L, lo_constant_p(L, lo_arg_symbol(L, args[0])));
}

/* (%current-environment): the environment code runs in now -- for
 * identity only (EQ), e.g. whose copy of a generic function this is. */
LO_PRIMITIVE(p_current_environment, "%CURRENT-ENVIRONMENT", INTERNAL, ANY,
             0, 0, "()",
             "The global environment code runs in now, to compare with EQ "
             "(whose copy of a generic function this is, for one).")
{
    return lo_current_env(L);
}

/* (%user-environment-p): whether code runs in a user's environment now. */
LO_PRIMITIVE(p_user_environment_p, "%USER-ENVIRONMENT-P", INTERNAL, ANY,
             0, 0, "()",
             "True when code runs in a user's environment now, false in the "
             "system's.")
{
    return lo_truth(L, lo_in_user_env(L));
}

/* (%booting-p): whether the boot code is running (at the cold boot, or
 * again by an upgrade: lisp/upgrade.c). */
LO_PRIMITIVE(p_booting_p, "%BOOTING-P", INTERNAL, ANY, 0, 0, "()",
             "True while the system's boot code runs: at the cold boot, and "
             "when an upgrade runs it again into an existing heap.")
{
    return lo_truth(L, L->W->booting);
}

/* (%upgrading-p): whether an upgrade is running the boot code again. */
LO_PRIMITIVE(p_upgrading_p, "%UPGRADING-P", INTERNAL, ANY, 0, 0, "()",
             "True while an upgrade runs the boot code again into an "
             "existing heap and brings users' definitions up to date.")
{
    return lo_truth(L, L->W->upgrading);
}

/* (environment-name [env]): the user's name, or "system". */
LO_PRIMITIVE(p_environment_name, "ENVIRONMENT-NAME", LISPOS, ANY, 0, 1,
             "(&optional environment)",
             "The name of the global ENVIRONMENT (by default the current "
             "one): the user's name for a user's environment, \"system\" for "
             "the system's.")
{
    lo_value env = nargs ? args[0] : lo_current_env(L);
    if (!lo_typep(env, LO_T_ENV))
        lo_arg_error(L, env, "ENVIRONMENT");
    lo_value name = lo_ptr(env)[ENV_NAME];
    return lo_typep(name, LO_T_STRING) ? name : lo_make_string(L, "system", 6);
}

const struct lo_primitive *const lo_prims_environment[] = {
    LO_ROW(p_env_binding),
    LO_ROW(p_set_env_binding),
    LO_ROW(p_declare_user_defaults),
    LO_ROW(p_make_extensible),
    LO_ROW(p_current_environment),
    LO_ROW(p_user_environment_p),
    LO_ROW(p_check_definable),
    LO_ROW(p_special_variable_p),
    LO_ROW(p_constant_variable_p),
    LO_ROW(p_environment_name),
    LO_ROW(p_booting_p),
    LO_ROW(p_upgrading_p),
    NULL,
};
