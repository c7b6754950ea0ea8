/*
 * ckpt_threads.c -- snapshots of a store that several mutator threads are
 * writing.  Each thread bumps a counter in two pages of its own, far apart,
 * polling a safepoint only between the two writes' rounds; so at any
 * safepoint instant both pages hold the same number.  Snapshots are taken
 * while they run (and one thread blocks outside the heap now and then);
 * the state recovered after closing without a final sync must show every
 * pair equal, and at least one round done.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include "ckpt/ckpt.h"
#include "ckpt/safepoint.h"
#include "tests/helpers/fixture.h"
#include "tests/tap.h"

enum { THREADS = 4, SPAN = 512 };

static lo_ckpt *store;
static atomic_bool stop;
static atomic_long rounds[THREADS];

static uint64_t *slot(unsigned thread, unsigned which)
{
    uint64_t page = (uint64_t)thread * SPAN + (which ? SPAN - 1 : 0);
    return (uint64_t *)((char *)lo_ckpt_base(store) + page * 4096);
}

static void *mutator(void *arg)
{
    unsigned t = (unsigned)(uintptr_t)arg;
    lo_mutator_attach();
    for (uint64_t i = 1; !atomic_load(&stop); i++) {
        *slot(t, 0) = i;
        /* scribble over the pages between, as a heap would */
        for (unsigned k = 1; k < SPAN - 1; k += 37)
            ((uint64_t *)((char *)slot(t, 0) + (uint64_t)k * 4096))[t] = i;
        *slot(t, 1) = i;
        atomic_store(&rounds[t], (long)i);
        lo_safepoint();
        if (t == 0 && i % 500 == 0) {   /* blocked outside the heap */
            bool b = lo_mutator_block_begin();
            usleep(200);
            lo_mutator_block_end(b);
        }
    }
    lo_mutator_detach();
    return NULL;
}

int main(void)
{
    struct fixture fx = { 0 };
    fixture_ram_disk(&fx, 32768);
    fixture_open_store(&fx, (struct lo_ckpt_options){
        .create = true, .frame_budget = 24 });
    store = fx.store;
    lo_ckpt_grow(store, THREADS * SPAN);

    pthread_t th[THREADS];
    for (unsigned t = 0; t < THREADS; t++)
        pthread_create(&th[t], NULL, mutator, (void *)(uintptr_t)t);
    int failed = 0, taken = 0;
    for (int s = 0; s < 40; s++) {
        usleep(2000);
        if (lo_ckpt_snapshot(store) == LO_OK)
            taken++;
        else
            failed++;
    }
    /* Let the last snapshot finish while the threads still run. */
    uint64_t gen = 0;
    struct lo_ckpt_stats st;
    lo_ckpt_stats(store, &st);
    gen = st.generation;
    atomic_store(&stop, true);
    for (unsigned t = 0; t < THREADS; t++)
        pthread_join(th[t], NULL);
    is_int(failed, 0, "40 snapshots while 4 threads write (%d taken)", taken);
    long total = 0;
    for (unsigned t = 0; t < THREADS; t++)
        total += atomic_load(&rounds[t]);
    ok(total > 100, "the threads made progress (%ld rounds)", total);
    diag("flip stall of the last snapshot: %llu us, write faults %llu, evictions %llu",
         (unsigned long long)st.last_flip_ns / 1000,
         (unsigned long long)st.write_faults, (unsigned long long)st.evictions);
    fixture_reopen(&fx);               /* no final sync: like a crash */
    store = fx.store;
    ok(lo_ckpt_generation(store) >= gen, "recovered generation %llu (>= %llu seen durable)",
       (unsigned long long)lo_ckpt_generation(store), (unsigned long long)gen);
    int unequal = 0, zero = 0;
    for (unsigned t = 0; t < THREADS; t++) {
        unequal += *slot(t, 0) != *slot(t, 1);
        zero += *slot(t, 0) == 0;
        for (unsigned k = 1; k < SPAN - 1; k += 37)
            unequal += ((uint64_t *)((char *)slot(t, 0) + (uint64_t)k * 4096))[t]
                       != *slot(t, 0);
    }
    is_int(unequal, 0, "every thread's pages agree: the snapshot is one instant");
    ok(zero < THREADS, "and it is not the empty store");
    fixture_close(&fx);
    return done_testing();
}
