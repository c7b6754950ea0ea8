/*
 * freeze.c -- what the system environment holds, no user can change.
 *
 * Every user shares the system environment: its bindings, and the objects
 * they reach (the lists, vectors, strings, hash tables and instances of
 * the system's own state: condition types, classes, generic functions,
 * their caches).  Bindings are the environments' business
 * (environment.c); the objects are this file's.  Each object reachable
 * from the system environment carries the FROZEN bit in its header
 * (gc/heap.h), and every primitive that changes an object checks it
 * (lo_check_access with the write bit, lo_check_cons_write): a frozen
 * object may be changed only by
 *   - the system itself: an evaluation of the system environment with no
 *     user's code on the stack (the boot code, an administrator), or
 *   - the system's code acting for a user inside a write grant
 *     (%CALL-WITH-SYSTEM-WRITE, which only code compiled in the system
 *     environment may call), as long as no user's function has been
 *     called since the grant: the object system's bookkeeping when a user
 *     defines a class, for instance.
 * Anyone else gets ACCESS-DENIED.
 *
 * The administrator may make one object writable by every user on purpose
 * (SHARE-WRITABLE: a mailbox between users, until the store's ACLs do
 * that job): it is never frozen, and the walk does not enter it.
 *
 * Freezing walks the system environment's graph and sets the bit.  A
 * whole walk enters everything: at the end of the cold boot, and after a
 * write to a frozen object (the system's own, or in a grant: new objects
 * may hang off a frozen one) -- at the end of the grant, or of the
 * evaluation when a non-local exit left the grant early.  At the end of
 * every other outermost evaluation of the system environment, which may
 * have bound new objects, a walk of what is new enters only the objects C
 * changes without checking the bit (environments, cells, symbols,
 * packages and their tables) and what is not frozen yet.  The walk does not enter what
 * belongs to users: their environments (reached from their code objects),
 * their packages, and the symbols homed there (whose property lists are
 * their own); nor streams, which are each thread's own state.  While
 * an upgrade runs the boot code again (upgrade.c), no walk runs until
 * its end, which makes one whole walk.
 *
 * The walk stops the world (ckpt/safepoint.h, as a collection does) and
 * takes the world lock: no other thread runs while it reads the objects'
 * fields and sets their bits, so it sees the graph whole (an object
 * another thread hangs off a frozen one is either reached or not yet
 * there) and no thread reads a header the walk is changing (docs/gc.md,
 * "Threads").  It never polls: no collection can move objects under it.
 */
#include <string.h>

#include "lisp/environment.h"
#include "lisp/internal.h"
#include "lisp/package.h"

/* ---- the set of objects visited, by address --------------------------------- */

struct visited {
    uintptr_t *slots;           /* open addressing; 0 is empty */
    uint64_t capacity, count;
};

static bool visited_grow(struct visited *v)
{
    uint64_t capacity = v->capacity ? v->capacity * 2 : 1 << 14;
    uintptr_t *slots = lo_mem_alloc(capacity * sizeof *slots);
    if (!slots)
        return false;
    memset(slots, 0, capacity * sizeof *slots);
    for (uint64_t i = 0; i < v->capacity; i++) {
        uintptr_t a = v->slots[i];
        if (!a)
            continue;
        uint64_t j = (a >> 3) * 0x9e3779b97f4a7c15ull & (capacity - 1);
        while (slots[j])
            j = (j + 1) & (capacity - 1);
        slots[j] = a;
    }
    lo_mem_free(v->slots);
    v->slots = slots;
    v->capacity = capacity;
    return true;
}

/* True the first time p is seen. */
static bool visit(struct visited *v, const uint64_t *p, bool *no_memory)
{
    if (2 * (v->count + 1) > v->capacity && !visited_grow(v)) {
        *no_memory = true;
        return false;
    }
    uintptr_t a = (uintptr_t)p;
    uint64_t j = (a >> 3) * 0x9e3779b97f4a7c15ull & (v->capacity - 1);
    while (v->slots[j]) {
        if (v->slots[j] == a)
            return false;
        j = (j + 1) & (v->capacity - 1);
    }
    v->slots[j] = a;
    v->count++;
    return true;
}

/* ---- the walk ------------------------------------------------------------------ */

struct walk {
    lo_lisp *L;
    bool whole;                 /* enter frozen objects too */
    struct visited seen;
    uint64_t **stack;
    uint64_t depth, room;
    bool no_memory;
    uint64_t frozen;            /* objects given the bit by this walk */
};

static void push(struct walk *w, uint64_t *p)
{
    if (w->depth == w->room) {
        uint64_t room = w->room ? 2 * w->room : 1 << 12;
        uint64_t **stack = lo_mem_alloc(room * sizeof *stack);
        if (!stack) {
            w->no_memory = true;
            return;
        }
        if (w->depth)
            memcpy(stack, w->stack, w->depth * sizeof *stack);
        lo_mem_free(w->stack);
        w->stack = stack;
        w->room = room;
    }
    w->stack[w->depth++] = p;
}

static bool system_package_p(lo_value pkg)
{
    return lo_typep(pkg, LO_T_PACKAGE) &&
           (lo_fixnum_value(lo_ptr(pkg)[PKG_FLAGS]) & PKG_SYSTEM);
}

/* Whether the walk enters object p (and freezes it): not what belongs to
 * a user, nor a stream, nor what the system shares with every user. */
static bool belongs_to_system(lo_lisp *L, const uint64_t *p)
{
    if (__atomic_load_n(&p[0], __ATOMIC_RELAXED) & LO_HEADER_SHARED)
        return false;
    switch (p[0] & 0xff) {
    case LO_T_STREAM:
        return false;
    case LO_T_ENV:
        return lo_eq(lo_make_object((uint64_t *)p), lo_system_env(L));
    case LO_T_PACKAGE:
        return (lo_fixnum_value(p[PKG_FLAGS]) & PKG_SYSTEM) != 0;
    case LO_T_SYMBOL:           /* uninterned, or homed in a system package */
        return lo_null(L, p[SYM_PACKAGE]) || system_package_p(p[SYM_PACKAGE]);
    default:
        return true;
    }
}

/* The objects C changes in place without a check of the bit: the system
 * environment, its tables of cells and package registry, cells, symbols,
 * packages and their symbol tables.  A walk of what is new enters them
 * even when frozen; every other frozen object was frozen with all it
 * reached, and only a write the system was allowed (which makes the next
 * walk whole) can have hung something new off it. */
static bool structural(const uint64_t *p)
{
    switch (p[0] & 0xff) {
    case LO_T_ENV: case LO_T_CELL: case LO_T_SYMBOL: case LO_T_PACKAGE:
        return true;
    default:
        return false;
    }
}

static void reach(struct walk *w, lo_value v, bool enter)
{
    if (!lo_consp(v) && !lo_objectp(v))
        return;
    uint64_t *p = lo_ptr(v);
    if (!belongs_to_system(w->L, p))
        return;
    if (!enter && !structural(p) &&
        (__atomic_load_n(&p[0], __ATOMIC_RELAXED) & LO_HEADER_FROZEN))
        return;
    if (visit(&w->seen, p, &w->no_memory))
        push(w, p);
}

static void freeze_object(struct walk *w, uint64_t *p)
{
    if (!(__atomic_load_n(&p[0], __ATOMIC_RELAXED) & LO_HEADER_FROZEN)) {
        __atomic_fetch_or(&p[0], LO_HEADER_FROZEN, __ATOMIC_RELAXED);
        w->frozen++;
    }
    /* the tables of an environment or a package are structural too */
    unsigned type = p[0] & 0xff;
    bool tables = type == LO_T_ENV || type == LO_T_PACKAGE;
    uint64_t n = lo_header_value_words(p[0]);
    uint64_t size = lo_header_words(p[0]);
    for (uint64_t i = 1; i <= n && i < size; i++)
        reach(w, p[i], w->whole || tables);
}

static uint64_t freeze(lo_lisp *L, bool whole)
{
    struct walk w = { .L = L, .whole = whole };
    LO_ASSERT(!L->world_locked);
    lo_world_stop();
    lo_world_lock(L);
    reach(&w, lo_system_env(L), true);
    while (w.depth && !w.no_memory)
        freeze_object(&w, w.stack[--w.depth]);
    lo_world_unlock(L);
    lo_world_resume();
    lo_mem_free(w.stack);
    lo_mem_free(w.seen.slots);
    if (w.no_memory)
        lo_log(LO_LOG_ERROR, "lisp: no memory to freeze the system's objects "
               "(%llu done)", (unsigned long long)w.frozen);
    return w.frozen;
}

uint64_t lo_freeze_system(lo_lisp *L)
{
    return freeze(L, true);
}

uint64_t lo_freeze_new(lo_lisp *L)
{
    return freeze(L, false);
}

/* ---- writing a frozen object ------------------------------------------------------ */

static bool system_code(lo_lisp *L, const struct lo_frame *f)
{
    return lo_env_is_system(L, lo_ptr(f->code)[CODE_ENV]);
}

/* The system itself, or its code in a grant with no user's function
 * called since. */
static bool system_write_allowed(lo_lisp *L)
{
    if (lo_env_is_system(L, L->env) && !lo_in_user_env(L))
        return true;
    if (!L->write_grant)
        return false;
    for (uint32_t i = L->write_grant - 1; i < L->nframes; i++)
        if (!system_code(L, &L->frames[i]))
            return false;
    return true;
}

void lo_freeze_after_eval(lo_lisp *L)
{
    /* the boot code running again into an existing heap writes frozen
     * objects in every file: one whole walk at its end instead
     * (upgrade.c) */
    if (L->W->upgrading) {
        L->wrote_frozen = false;
        return;
    }
    if (L->wrote_frozen)
        freeze(L, true);
    else if (lo_env_is_system(L, L->env) && !L->W->booting)
        freeze(L, false);
    L->wrote_frozen = false;
}

void lo_frozen_write(lo_lisp *L, lo_value v, const char *op)
{
    if (system_write_allowed(L)) {
        L->wrote_frozen = true;
        return;
    }
    lo_access_denied_system(L, v, op);
}

/* (%call-with-system-write thunk): call thunk with a write grant (see the
 * top).  Only code compiled in the system environment may ask for one. */
LO_PRIMITIVE(p_call_with_system_write, "%CALL-WITH-SYSTEM-WRITE", INTERNAL,
             ANY, 1, 1, "(thunk)",
             "Call THUNK, letting the system's code it runs change the "
             "system's objects for the user it acts for.  Only code compiled "
             "in the system environment may call it.")
{
    if (!L->nframes || !system_code(L, &L->frames[L->nframes - 1]))
        lo_access_denied_system(L, args[0], "%CALL-WITH-SYSTEM-WRITE");
    uint32_t outer = L->write_grant;
    bool wrote = L->wrote_frozen;
    L->write_grant = L->nframes;        /* frames from the caller's on */
    L->wrote_frozen = false;
    lo_value v = lo_vm_apply(L, args[0], NULL, 0);
    /* what the grant hung off frozen objects gets frozen too (the walk
     * runs no Lisp: the thunk's values stay as they are) */
    if (L->wrote_frozen && !L->W->upgrading)
        freeze(L, true);
    L->write_grant = outer;
    L->wrote_frozen = wrote;
    return v;
}

/* (%system-object-p x): whether x is one of the system's objects. */
LO_PRIMITIVE(p_system_object_p, "%SYSTEM-OBJECT-P", INTERNAL, ANY, 1, 1,
             "(object)",
             "True when OBJECT is the system's: reachable from the system "
             "environment, so no user may change it.")
{
    return lo_truth(L, (lo_consp(args[0]) || lo_objectp(args[0])) &&
                           lo_frozen_p(args[0]));
}

/* (share-writable object): see the top. */
LO_PRIMITIVE(p_share_writable, "SHARE-WRITABLE", LISPOS, SYSTEM, 1, 1,
             "(object)",
             "Let every user change OBJECT (a vector, string, hash table or "
             "instance -- not a cons, number or symbol; not what it holds), "
             "though the system environment reaches it: a mailbox between "
             "users.  Returns OBJECT.  Only the system may call it.")
{
    if (!lo_carries_access(args[0]))        /* conses, numbers, symbols */
        lo_arg_error(L, args[0], "ATOM");
    uint64_t *p = lo_ptr(args[0]);
    lo_world_stop();            /* no thread reads the header meanwhile */
    __atomic_fetch_or(&p[0], LO_HEADER_SHARED, __ATOMIC_RELAXED);
    __atomic_fetch_and(&p[0], ~LO_HEADER_FROZEN, __ATOMIC_RELAXED);
    lo_world_resume();
    return args[0];
}

const struct lo_primitive *const lo_prims_freeze[] = {
    LO_ROW(p_share_writable),
    LO_ROW(p_call_with_system_write),
    LO_ROW(p_system_object_p),
    NULL,
};
