/*
 * pool.h -- the server's worker threads: each has its own thread of
 * evaluation (lo_lisp_thread_open) and runs jobs the event loop hands it
 * -- a login's password hash, an evaluation -- so that nothing slow ever
 * runs on the loop.  A finished job comes back to the loop thread, where
 * its `done` runs (and writes the reply).
 *
 *   struct my_job { struct lo_job job; ...; };
 *   j->job.run = run_on_worker;     // (lo_lisp *W, struct lo_job *)
 *   j->job.done = back_on_loop;     // (struct lo_job *)
 *   lo_pool_submit(pool, &j->job);
 */
#ifndef LO_SERVER_POOL_H
#define LO_SERVER_POOL_H

#include <event2/event.h>
#include <stdbool.h>
#include <stddef.h>

#include "lisp/lisp.h"

struct lo_job {
    void (*run)(lo_lisp *W, struct lo_job *job);
    void (*done)(struct lo_job *job);
    struct lo_job *next;
    bool cancelled;             /* by lo_pool_cancel: read it in `done` */
};

struct lo_pool;

/* Start `threads` workers on the system of L, reporting finished jobs to
 * base's loop; NULL with why filled in when a thread cannot start.  Each
 * worker runs with the evaluation limits given. */
struct lo_pool *lo_pool_start(lo_lisp *L, int threads,
                              const struct lo_limits *limits,
                              struct event_base *base, char *why,
                              size_t why_len);
/* The evaluation limits every worker runs with (a job that sets others
 * for itself sets these back after). */
const struct lo_limits *lo_pool_limits(const struct lo_pool *p);

/* Queue a job (from the loop thread): handed to the workers at the end
 * of the loop's turn, with the others submitted during it. */
void lo_pool_submit(struct lo_pool *p, struct lo_job *job);
/* Cancel the first job queued or running for which match is true (on
 * the loop thread): a queued one is not run at all, a running one's
 * evaluation is cancelled (lo_lisp_cancel); either way its `done` runs
 * with job->cancelled set.  False when no job matches. */
bool lo_pool_cancel(struct lo_pool *p,
                    bool (*match)(const struct lo_job *job, void *ctx),
                    void *ctx);
/* Let the workers finish the jobs queued, then stop them; finished jobs
 * still get their `done`.  A job submitted from then on is not run: its
 * `done` is called at once, with job->cancelled set. */
void lo_pool_stop(struct lo_pool *p);

#endif
