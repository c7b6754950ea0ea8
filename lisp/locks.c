/*
 * locks.c -- the object system's lock: what Lisp code takes to change
 * state every thread shares (lisp/boot/50-clos.lisp, %WITH-CLOS-LOCK);
 * and the data lock, the reader-writer lock modules above the Lisp take
 * around their shared state (primitive.h; the store's, store/store.c).
 *
 * Classes and generic functions are shared: the system's by every thread,
 * a user's by every thread of that user.  Defining or redefining a class,
 * adding or removing a method, making a generic function and filling a
 * dispatch cache read and change several objects together (a class's
 * serial number, its subclass links, its wrapper, a generic function's
 * methods and its discriminating function) and take this one lock for it.
 * Readers take none: a change builds new objects and publishes each with
 * a release store (docs/gc.md, "Threads").
 *
 * The lock is recursive (a DEFCLASS adds accessor methods, which may copy
 * a generic function...), held by a thread (L->clos_depth counts its
 * nesting) and kept across Lisp code, polls included.  That is safe with
 * stop-the-world collections because of how it is waited for: a thread
 * waiting for it is blocked outside the heap (lo_mutator_block_begin), so
 * a stop never waits for a waiter, and the holder parks at its next poll
 * like any other thread.  A waiter wakes every WAIT_NS to check its own
 * evaluation limits, so a thread that waits too long for a holder gets
 * its RESOURCE-EXHAUSTED like a thread that runs too long.
 *
 * Every exit gives back what it must: an error, a THROW or the limits'
 * cut-off lands on a catch entry, which restores the depth it recorded
 * (control.c, lo_land), and an evaluation entry point holds the lock no
 * longer when it returns than when it was entered.
 */
#include "lisp/environment.h"
#include "lisp/internal.h"

/* How long a waiter sleeps before it looks at its limits again. */
#define WAIT_NS (20ull * 1000 * 1000)

void lo_clos_lock_init(struct lo_world *W)
{
    lo_mutex_init(&W->clos.mutex);
    lo_cond_init(&W->clos.released);
    W->clos.owner = NULL;
}

void lo_clos_lock_destroy(struct lo_world *W)
{
    lo_cond_destroy(&W->clos.released);
    lo_mutex_destroy(&W->clos.mutex);
}

void lo_clos_lock(lo_lisp *L)
{
    if (L->clos_depth > 0) {
        L->clos_depth++;
        return;
    }
    struct lo_clos_lock *k = &L->W->clos;
    for (;;) {
        bool blocked = lo_mutator_block_begin();
        lo_mutex_lock(&k->mutex);
        if (k->owner)
            lo_cond_timedwait(&k->released, &k->mutex, WAIT_NS);
        bool got = k->owner == NULL;
        if (got)
            k->owner = L;
        lo_mutex_unlock(&k->mutex);
        lo_mutator_block_end(blocked);
        if (got)
            break;
        lo_limits_check(L);
    }
    L->clos_depth = 1;
}

static void release(lo_lisp *L)
{
    struct lo_clos_lock *k = &L->W->clos;
    lo_mutex_lock(&k->mutex);
    LO_ASSERT(k->owner == L);
    k->owner = NULL;
    lo_cond_signal(&k->released);
    lo_mutex_unlock(&k->mutex);
}

void lo_clos_unlock(lo_lisp *L)
{
    if (L->clos_depth == 0)
        lo_error(L, "PROGRAM-ERROR", "%%CLOS-UNLOCK: this thread does not "
                 "hold the object system's lock");
    if (--L->clos_depth == 0)
        release(L);
}

void lo_clos_lock_restore(lo_lisp *L, uint32_t depth)
{
    if (L->clos_depth <= depth)
        return;
    L->clos_depth = depth;
    if (depth == 0)
        release(L);
}

/* The macro %WITH-CLOS-LOCK's pair.  A user's definitions take the lock
 * through the object system's functions, which act for them; a user's own
 * code may not (it could keep every other user from defining anything):
 * the caller must be code compiled in the system environment. */
static void check_caller(lo_lisp *L, const char *op)
{
    if (!L->nframes ||
        !lo_env_is_system(L, lo_ptr(L->frames[L->nframes - 1].code)[CODE_ENV]))
        lo_error(L, "ACCESS-DENIED", "%s: only the system's code may take "
                 "the object system's lock", op);
}

LO_PRIMITIVE(p_clos_lock, "%CLOS-LOCK", INTERNAL, ANY, 0, 0, "()",
             "Take the object system's lock (recursive; waits, blocked, "
             "while another thread holds it).  Returns how many times this "
             "thread holds it now: 1 when it did not before.  Only code "
             "compiled in the system environment may call it.")
{
    check_caller(L, "%CLOS-LOCK");
    lo_clos_lock(L);
    return lo_fixnum(L->clos_depth);
}

LO_PRIMITIVE(p_clos_unlock, "%CLOS-UNLOCK", INTERNAL, ANY, 0, 0, "()",
             "Give back the object system's lock once.  Only code compiled "
             "in the system environment may call it.")
{
    check_caller(L, "%CLOS-UNLOCK");
    lo_clos_unlock(L);
    return L->nil;
}

/* ---- the data lock ------------------------------------------------------------
 *
 * Readers share it; a writer has it alone.  A waiting writer keeps new
 * readers out (else a stream of queries would starve every change), but
 * not a thread that holds it shared already: its inner read must go on or
 * it would wait for itself.  Waiting is done as for the object system's
 * lock above: blocked, in slices of WAIT_NS, checking the limits.
 *
 * Most holds are short reads with no writer about (every read primitive
 * of the store takes one): a reader then takes and gives back its hold by
 * one atomic operation on the state word, without the mutex or blocking.
 * Everything else -- a reader finding a writer holding or waiting, every
 * writer -- goes under the mutex.  No wakeup is lost: a writer looks at
 * the readers and starts waiting under the mutex, and the last reader out
 * takes the mutex to wake it when one waits; a waiting reader likewise
 * against the writer's release. */

#define DATA_READERS 0xffffffffull
#define DATA_WRITER (1ull << 32)
#define DATA_WAITER (1ull << 33)

void lo_data_lock_init(struct lo_world *W)
{
    lo_mutex_init(&W->data.mutex);
    lo_cond_init(&W->data.changed);
    atomic_init(&W->data.state, 0);
    W->data.writer = NULL;
}

void lo_data_lock_destroy(struct lo_world *W)
{
    lo_cond_destroy(&W->data.changed);
    lo_mutex_destroy(&W->data.mutex);
}

bool lo_data_lock_held(lo_lisp *L)
{
    return L->data_shared > 0 || L->data_exclusive > 0;
}

bool lo_data_lock_held_exclusive(lo_lisp *L)
{
    return L->data_exclusive > 0;
}

/* One more reader, when no writer holds the lock or waits for it. */
static bool try_shared(struct lo_data_lock *k)
{
    uint64_t s = atomic_load_explicit(&k->state, memory_order_relaxed);
    while (!(s & ~DATA_READERS))
        if (atomic_compare_exchange_weak_explicit(&k->state, &s, s + 1,
                                                  memory_order_acquire,
                                                  memory_order_relaxed))
            return true;
    return false;
}

void lo_data_lock_shared(lo_lisp *L)
{
    if (lo_data_lock_held(L)) {         /* a read inside a read or a write */
        L->data_shared++;
        return;
    }
    struct lo_data_lock *k = &L->W->data;
    while (!try_shared(k)) {
        bool blocked = lo_mutator_block_begin();
        lo_mutex_lock(&k->mutex);
        bool got = try_shared(k);
        if (!got)
            lo_cond_timedwait(&k->changed, &k->mutex, WAIT_NS);
        lo_mutex_unlock(&k->mutex);
        lo_mutator_block_end(blocked);
        if (got)
            break;
        lo_limits_check(L);
    }
    L->data_shared = 1;
}

bool lo_data_lock_try_shared(lo_lisp *L)
{
    if (lo_data_lock_held(L)) {
        L->data_shared++;
        return true;
    }
    if (!try_shared(&L->W->data))
        return false;
    L->data_shared = 1;
    return true;
}

bool lo_data_lock_exclusive(lo_lisp *L)
{
    if (L->data_exclusive > 0) {
        L->data_exclusive++;
        return true;
    }
    if (L->data_shared > 0)
        return false;
    struct lo_data_lock *k = &L->W->data;
    for (;;) {
        bool blocked = lo_mutator_block_begin();
        lo_mutex_lock(&k->mutex);
        atomic_fetch_add_explicit(&k->state, DATA_WAITER,
                                  memory_order_relaxed);
        /* the writer's bit in place of its waiter's, when no one holds it */
        uint64_t s = atomic_load_explicit(&k->state, memory_order_relaxed);
        bool got = false;
        while (!got && !(s & (DATA_READERS | DATA_WRITER)))
            got = atomic_compare_exchange_weak_explicit(
                &k->state, &s, s - DATA_WAITER + DATA_WRITER,
                memory_order_acquire, memory_order_relaxed);
        if (!got) {
            lo_cond_timedwait(&k->changed, &k->mutex, WAIT_NS);
            s = atomic_load_explicit(&k->state, memory_order_relaxed);
            while (!got && !(s & (DATA_READERS | DATA_WRITER)))
                got = atomic_compare_exchange_weak_explicit(
                    &k->state, &s, s - DATA_WAITER + DATA_WRITER,
                    memory_order_acquire, memory_order_relaxed);
        }
        if (got) {
            k->writer = L;
        } else {
            /* the limits may end the wait: stop counting as a waiter
             * first (readers held off by it may go on) */
            atomic_fetch_sub_explicit(&k->state, DATA_WAITER,
                                      memory_order_relaxed);
            lo_cond_broadcast(&k->changed);
        }
        lo_mutex_unlock(&k->mutex);
        lo_mutator_block_end(blocked);
        if (got)
            break;
        lo_limits_check(L);
    }
    L->data_exclusive = 1;
    return true;
}

/* Give back a thread's last hold of a kind. */
static void release_shared(lo_lisp *L)
{
    struct lo_data_lock *k = &L->W->data;
    uint64_t s = atomic_fetch_sub_explicit(&k->state, 1,
                                           memory_order_release) - 1;
    LO_ASSERT((s & DATA_READERS) != DATA_READERS);
    if (!(s & DATA_READERS) && s >= DATA_WAITER) {
        lo_mutex_lock(&k->mutex);       /* the last reader: wake a writer */
        lo_cond_broadcast(&k->changed);
        lo_mutex_unlock(&k->mutex);
    }
}

static void release_exclusive(lo_lisp *L)
{
    struct lo_data_lock *k = &L->W->data;
    lo_mutex_lock(&k->mutex);
    LO_ASSERT(k->writer == L);
    k->writer = NULL;
    atomic_fetch_sub_explicit(&k->state, DATA_WRITER, memory_order_release);
    lo_cond_broadcast(&k->changed);
    lo_mutex_unlock(&k->mutex);
}

/* A hold counts in the lock only when the thread took the lock itself:
 * reads inside its own write (data_exclusive > 0) only count here. */
void lo_data_unlock_shared(lo_lisp *L)
{
    LO_ASSERT(L->data_shared > 0);
    if (--L->data_shared == 0 && L->data_exclusive == 0)
        release_shared(L);
}

void lo_data_unlock_exclusive(lo_lisp *L)
{
    LO_ASSERT(L->data_exclusive > 0);
    if (--L->data_exclusive == 0)
        release_exclusive(L);
}

void lo_data_lock_restore(lo_lisp *L, uint32_t shared, uint32_t exclusive)
{
    bool had_shared = L->data_shared > 0 && L->data_exclusive == 0;
    if (L->data_exclusive > exclusive) {
        L->data_exclusive = exclusive;
        if (exclusive == 0)
            release_exclusive(L);
    }
    if (L->data_shared > shared) {
        L->data_shared = shared;
        if (shared == 0 && had_shared)
            release_shared(L);
    }
}

const struct lo_primitive *const lo_prims_locks[] = {
    LO_ROW(p_clos_lock),
    LO_ROW(p_clos_unlock),
    NULL,
};
