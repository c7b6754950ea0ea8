/*
 * safepoint.h -- stopping every mutator thread at a safe point.
 *
 * A mutator is a thread that runs Lisp: it touches the persistent heap and
 * may leave it inconsistent between two instructions, but never at a
 * safepoint.  The checkpointer's flip and the collector both need every
 * mutator at a safepoint at once ("the world stopped").
 *
 *   lo_mutator_attach()      this thread is a mutator from now on
 *   lo_safepoint()           poll: parks here while the world is stopped
 *                            (the VM calls it at calls and backward jumps)
 *   lo_mutator_block_begin() about to block outside the heap (I/O, a lock,
 *   lo_mutator_block_end()   a wait): counts as parked until the end, which
 *                            waits for the world to resume.  Any wait a
 *                            mutator makes on another thread must be inside
 *                            such a pair, or a stopper could wait for it
 *                            while it waits for the stopper.
 *   lo_world_stop()          returns once every other mutator is parked;
 *   lo_world_resume()        one stopper at a time
 *
 * A thread that stops the world may be a mutator itself (it counts as
 * parked) or not.  Polling costs one relaxed atomic load.
 */
#ifndef LO_CKPT_SAFEPOINT_H
#define LO_CKPT_SAFEPOINT_H

#include <stdatomic.h>
#include <stdbool.h>

extern atomic_bool lo_world_stop_requested;

void lo_mutator_attach(void);
void lo_mutator_detach(void);
bool lo_mutator_attached(void);

void lo_safepoint_park(void);

static inline void lo_safepoint(void)
{
    if (atomic_load_explicit(&lo_world_stop_requested, memory_order_relaxed))
        lo_safepoint_park();
}

/* Returns true if it changed anything (a mutator not already blocked):
 * pass that to lo_mutator_block_end. */
bool lo_mutator_block_begin(void);
void lo_mutator_block_end(bool began);
/* The end of a block, but only when no stop is in force: false (still
 * blocked, nothing waited for) while one is.  For a thread with other
 * work to do than wait for a collection or a flip (an event loop). */
bool lo_mutator_block_try_end(bool began);

void lo_world_stop(void);
void lo_world_resume(void);

#endif
