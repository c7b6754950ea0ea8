/*
 * collect.c -- the Lisp layer's side of garbage collection: the roots of
 * every thread, the safepoint poll, and where collecting is unsafe.
 *
 * gc/ knows how to collect a heap; only this file knows where the Lisp
 * system keeps values outside the heap: each thread's VM stack, frames,
 * dynamic bindings, registered C locals (internal.h, "roots") and the
 * handles of the embedding API (api.h), and the world's kept references.  A
 * collection stops the world (ckpt/safepoint.h), so every other thread is
 * parked at a VM poll or blocked outside the heap -- both places where
 * all its values are in those roots -- unless it is inside the compiler,
 * which holds values on its C stack while macros run; then the collection
 * is put off until no thread is (world->inhibited).  The poll also counts
 * the VM steps of the evaluation limits (limits.c).
 */
#include "lisp/internal.h"

void lo_root(lo_lisp *L, lo_value *slot)
{
    /* a reserve, as for the stacks, for the handlers of this error */
    if (L->nroots >= LO_MAX_ROOTS - (L->signal_depth ? 0 : 64))
        lo_error(L, "STORAGE-CONDITION", "too many C roots (nesting too "
                 "deep)");
    L->roots[L->nroots++] = slot;
}

void lo_gc_inhibit(lo_lisp *L)
{
    if (L->gc_inhibit++ == 0)
        atomic_fetch_add(&L->W->inhibited, 1);
}

void lo_gc_allow(lo_lisp *L)
{
    LO_ASSERT(L->gc_inhibit > 0);
    if (--L->gc_inhibit == 0)
        atomic_fetch_sub(&L->W->inhibited, 1);
}

void lo_gc_inhibit_restore(lo_lisp *L, int depth)
{
    if (L->gc_inhibit > 0 && depth == 0)
        atomic_fetch_sub(&L->W->inhibited, 1);
    else if (L->gc_inhibit == 0 && depth > 0)
        atomic_fetch_add(&L->W->inhibited, 1);
    L->gc_inhibit = depth;
}

/* Every root slot of one thread. */
static void thread_roots(lo_lisp *T, lo_gc_visit_fn *visit, void *gc)
{
    visit(&T->nil, gc);
    visit(&T->t, gc);
    visit(&T->env, gc);
    for (uint32_t i = 0; i < T->sp; i++)
        visit(&T->stack[i], gc);
    for (uint32_t i = 0; i < T->nframes; i++) {
        visit(&T->frames[i].code, gc);
        visit(&T->frames[i].env, gc);
    }
    for (uint32_t i = 0; i < T->nbindings; i++) {
        visit(&T->bindings[i].cell, gc);
        visit(&T->bindings[i].old, gc);
    }
    for (uint32_t i = 0; i < T->nroots; i++)
        visit(T->roots[i], gc);
    for (uint32_t i = 1; i < T->nvalues && i < LO_MV_LIMIT; i++)
        visit(&T->mv[i], gc);
    for (uint32_t i = 0; i < T->nspecials; i++)
        visit(&T->specials[i], gc);
    for (uint32_t i = 0; i < T->ncatches; i++)
        visit(&T->catches[i].tag, gc);
    for (uint32_t i = 0; i < T->handles.count; i++)
        visit(lo_slot_at(&T->handles, i), gc);
}

static void world_roots(void *ctx, lo_gc_visit_fn *visit, void *gc)
{
    struct lo_world *W = ctx;
    for (lo_lisp *T = W->threads; T; T = T->next_thread)
        thread_roots(T, visit, gc);
    /* the kept references (api.c; a freed one holds 0) */
    for (uint32_t i = 0; i < W->kept.count; i++)
        visit(lo_slot_at(&W->kept, i), gc);
}

/* A collection if it is due (or forced) and safe; *out (when given)
 * gets the last collection's figures, read under the lock another
 * thread's collection writes them under. */
static bool collect(lo_lisp *L, bool force, struct lo_gc_result *out)
{
    struct lo_world *W = L->W;
    lo_world_stop();
    bool done = false;
    if (atomic_load(&W->inhibited) == 0 &&
        (force || lo_heap_collection_due(W->heap))) {
        lo_mutex_lock(&W->lock);
        struct lo_gc_result result;
        /* young unless a full one is due (gc/heap.h, "Generations") or
         * asked for */
        int status = force || lo_heap_full_collection_due(W->heap)
            ? lo_gc_collect(W->heap, world_roots, W, &result)
            : lo_gc_collect_young(W->heap, world_roots, W, &result);
        if (status == LO_OK) {
            W->last_gc = result;
            W->gc_total_ns += result.ns;
            W->gc_young += result.young;
            if (result.ns > W->gc_max_ns)
                W->gc_max_ns = result.ns;
            atomic_fetch_add(&W->gc_epoch, 1);
            done = true;
        }
        if (W->verify) {
            const char *why;
            uintptr_t bad = lo_gc_verify(W->heap, &why);
            if (bad)
                lo_panic("gc verify: %s at %p", why, (void *)bad);
        }
        lo_mutex_unlock(&W->lock);
    }
    if (out) {
        lo_mutex_lock(&W->lock);
        *out = W->last_gc;
        lo_mutex_unlock(&W->lock);
    }
    lo_world_resume();
    return done;
}

bool lo_collect(lo_lisp *L)
{
    return collect(L, false, NULL);
}

bool lo_poll_slow(lo_lisp *L)
{
    uint64_t epoch = atomic_load(&L->W->gc_epoch);
    lo_safepoint();
    if (L->gc_inhibit == 0 && lo_heap_collection_due(L->heap))
        lo_collect(L);
    /* after the safepoint: a limit exceeded raises from a consistent
     * place, and the world is not kept waiting while handlers run */
    if (L->poll_budget < 0)
        lo_limits_check(L);
    return atomic_load(&L->W->gc_epoch) != epoch;
}

/* ---- lisp.h ---- */

void lo_lisp_gc_stress(lo_lisp *L, uint64_t bytes)
{
    lo_heap_set_stress(L->heap, bytes);
    L->W->verify = bytes != 0;
}

int lo_lisp_collect(lo_lisp *L, struct lo_gc_result *out)
{
    if (L->gc_inhibit == 0 && collect(L, true, out))
        return LO_OK;
    if (out) {
        lo_mutex_lock(&L->W->lock);
        *out = L->W->last_gc;
        lo_mutex_unlock(&L->W->lock);
    }
    return LO_EBUSY;
}

void lo_lisp_gc_stats(lo_lisp *L, struct lo_gc_stats *out)
{
    lo_mutex_lock(&L->W->lock);
    out->collections = atomic_load(&L->W->gc_epoch);
    out->young = L->W->gc_young;
    out->last_ns = L->W->last_gc.ns;
    out->total_ns = L->W->gc_total_ns;
    out->max_ns = L->W->gc_max_ns;
    out->live_bytes = L->W->last_gc.live_bytes + L->W->last_gc.large_live_bytes;
    lo_mutex_unlock(&L->W->lock);
}

/* (gc): a full collection now; the live bytes after it, or nil when
 * collecting is not safe here (called from a macro, inside the compiler). */
LO_PRIMITIVE(p_gc, "GC", LISPOS, SYSTEM, 0, 0, "()",
             "Run a full garbage collection now and return the bytes live "
             "after it, or NIL when collecting is not safe at this point "
             "(inside a macro's expansion).  System environment only.")
{
    struct lo_gc_result r;
    if (lo_lisp_collect(L, &r) != LO_OK)
        return L->nil;
    return lo_fixnum((int64_t)r.live_bytes);
}

const struct lo_primitive *const lo_prims_collect[] = {
    LO_ROW(p_gc),
    NULL,
};
