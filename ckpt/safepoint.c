/*
 * safepoint.c -- stop-the-world (see safepoint.h).
 *
 * One mutex and condition variable guard three counts: attached mutators,
 * parked ones (at a safepoint or blocked outside the heap), and whether a
 * stopper is active.  The stopper raises the flag, then waits until every
 * attached mutator but itself is parked.  Parked threads wait for the flag
 * to drop.
 *
 * Layer 1 (ckpt/internal.h): calls no other file of ckpt.
 */
#include "drivers/platform.h"
#include "ckpt/safepoint.h"

atomic_bool lo_world_stop_requested;

static struct {
    atomic_int state;           /* lazy set-up: 0, 1 (in progress), 2 */
    lo_mutex lock;
    lo_cond changed;
    int attached, parked;
    bool stopping;              /* a stopper holds the world */
} world;

static _Thread_local bool is_mutator, is_blocked, is_stopper;
static _Thread_local bool stopper_counted;  /* parked++ done by lo_world_stop */

static void world_ready(void)
{
    if (atomic_load_explicit(&world.state, memory_order_acquire) == 2)
        return;
    int expected = 0;
    if (atomic_compare_exchange_strong(&world.state, &expected, 1)) {
        lo_mutex_init(&world.lock);
        lo_cond_init(&world.changed);
        atomic_store_explicit(&world.state, 2, memory_order_release);
        return;
    }
    while (atomic_load_explicit(&world.state, memory_order_acquire) != 2)
        lo_thread_yield();
}

/* Wait (lock held) until no stop is in force. */
static void wait_for_resume(void)
{
    while (atomic_load(&lo_world_stop_requested))
        lo_cond_wait(&world.changed, &world.lock);
}

void lo_mutator_attach(void)
{
    if (is_mutator)
        return;
    world_ready();
    lo_mutex_lock(&world.lock);
    wait_for_resume();          /* do not join a stopped world running */
    world.attached++;
    is_mutator = true;
    lo_mutex_unlock(&world.lock);
}

void lo_mutator_detach(void)
{
    if (!is_mutator)
        return;
    lo_mutex_lock(&world.lock);
    if (is_blocked) {           /* it was counted as parked: undo that */
        world.parked--;
        is_blocked = false;
    }
    world.attached--;
    LO_ASSERT(world.attached >= 0 && world.parked >= 0);
    is_mutator = false;
    lo_cond_broadcast(&world.changed);  /* a stopper may be waiting on us */
    lo_mutex_unlock(&world.lock);
}

bool lo_mutator_attached(void)
{
    return is_mutator;
}

void lo_safepoint_park(void)
{
    if (!is_mutator || is_blocked || is_stopper)
        return;
    lo_mutex_lock(&world.lock);
    world.parked++;
    lo_cond_broadcast(&world.changed);
    wait_for_resume();
    world.parked--;
    LO_ASSERT(world.parked >= 0);
    lo_mutex_unlock(&world.lock);
}

bool lo_mutator_block_begin(void)
{
    if (!is_mutator || is_blocked || is_stopper)
        return false;
    lo_mutex_lock(&world.lock);
    is_blocked = true;
    world.parked++;
    lo_cond_broadcast(&world.changed);
    lo_mutex_unlock(&world.lock);
    return true;
}

void lo_mutator_block_end(bool began)
{
    if (!began || !is_mutator || !is_blocked)
        return;
    lo_mutex_lock(&world.lock);
    wait_for_resume();
    world.parked--;
    LO_ASSERT(world.parked >= 0);
    is_blocked = false;
    lo_mutex_unlock(&world.lock);
}

bool lo_mutator_block_try_end(bool began)
{
    if (!began || !is_mutator || !is_blocked)
        return true;
    if (atomic_load(&lo_world_stop_requested))
        return false;                   /* no need for the lock to know */
    lo_mutex_lock(&world.lock);
    bool free = !atomic_load(&lo_world_stop_requested);
    if (free) {
        world.parked--;
        LO_ASSERT(world.parked >= 0);
        is_blocked = false;
    }
    lo_mutex_unlock(&world.lock);
    return free;
}

void lo_world_stop(void)
{
    world_ready();
    if (is_stopper)             /* it would wait for itself for ever */
        lo_panic("lo_world_stop: this thread has already stopped the world");
    lo_mutex_lock(&world.lock);
    /* A mutator that stops the world counts as parked from here on: while
     * it waits for another stopper, that one must not wait for it. */
    stopper_counted = is_mutator && !is_blocked;
    if (stopper_counted) {
        world.parked++;
        lo_cond_broadcast(&world.changed);
    }
    while (world.stopping)                  /* one stopper at a time */
        lo_cond_wait(&world.changed, &world.lock);
    world.stopping = true;
    is_stopper = true;
    atomic_store(&lo_world_stop_requested, true);
    while (world.parked < world.attached)
        lo_cond_wait(&world.changed, &world.lock);
    lo_mutex_unlock(&world.lock);
}

void lo_world_resume(void)
{
    /* Only the thread that stopped the world resumes it. */
    LO_ASSERT(is_stopper);
    lo_mutex_lock(&world.lock);
    LO_ASSERT(world.stopping);
    atomic_store(&lo_world_stop_requested, false);
    world.stopping = false;
    is_stopper = false;
    if (stopper_counted)
        world.parked--;
    stopper_counted = false;
    lo_cond_broadcast(&world.changed);
    lo_mutex_unlock(&world.lock);
}
