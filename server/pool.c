/*
 * pool.c -- worker threads running jobs off the event loop (pool.h).
 * Two queues under one mutex: jobs to run (workers wait on `ready`) and
 * jobs run (the loop is woken by an event made active from the worker).
 * Jobs submitted during a turn of the loop are handed over together at
 * its end (flush), and a worker takes the next job as it puts back the
 * last: under load neither side sleeps or wakes the other once a job.
 * A worker waiting for work is outside the Lisp (lo_lisp_wait_begin), so
 * a collection another thread needs never waits for it.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "lisp/api.h"
#include "server/pool.h"

struct queue {
    struct lo_job *head, *tail;
};

struct worker {
    struct lo_pool *pool;
    pthread_t thread;
    bool started;
    lo_lisp *W;                 /* under the pool's lock: */
    struct lo_job *current;     /* the job it runs, or NULL */
};

struct lo_pool {
    lo_lisp *L;
    struct lo_limits limits;
    pthread_mutex_t lock;
    pthread_cond_t ready;       /* a job to run, or stopping */
    pthread_cond_t opened;      /* a worker opened its thread (or not) */
    struct queue todo, finished;
    struct queue submitted;     /* the loop's own: jobs not yet handed over */
    struct event *flush;        /* on the loop: hand them over, once per turn */
    struct event *wake;         /* on the loop: finished jobs */
    bool stopping;
    int idle;                   /* workers waiting on `ready` */
    int threads, opened_count, failed;
    struct worker *workers;
};

static void put(struct queue *q, struct lo_job *job)
{
    job->next = NULL;
    if (q->tail)
        q->tail->next = job;
    else
        q->head = job;
    q->tail = job;
}

static struct lo_job *take(struct queue *q)
{
    struct lo_job *job = q->head;
    if (job && !(q->head = job->next))
        q->tail = NULL;
    return job;
}

static void *work(void *arg)
{
    struct worker *w = arg;
    struct lo_pool *p = w->pool;
    lo_lisp *W;
    int status = lo_lisp_thread_open(p->L, &W);
    pthread_mutex_lock(&p->lock);
    p->opened_count++;
    p->failed += status != LO_OK;
    pthread_cond_signal(&p->opened);
    pthread_mutex_unlock(&p->lock);
    if (status != LO_OK)
        return NULL;
    lo_lisp_set_limits(W, &p->limits);
    pthread_mutex_lock(&p->lock);
    w->W = W;
    pthread_mutex_unlock(&p->lock);
    struct lo_job *job = NULL;
    for (;;) {
        if (!job) {                     /* nothing at hand: wait for one */
            lo_lisp_wait_begin(W);
            pthread_mutex_lock(&p->lock);
            while (!p->todo.head && !p->stopping) {
                p->idle++;
                pthread_cond_wait(&p->ready, &p->lock);
                p->idle--;
            }
            job = take(&p->todo);
            /* a cancel meant for the job before stays with it */
            w->current = job;
            lo_lisp_cancel(W, false);
            pthread_mutex_unlock(&p->lock);
            lo_lisp_wait_end(W);
            if (!job)
                break;                  /* stopping, nothing left */
        }
        job->run(W, job);
        /* finished, and the next job taken under the same lock: under
         * load a worker goes from job to job without sleeping, and the
         * loop is woken once for a run of finished jobs (the lock is
         * held briefly by everyone, never across a wait for the Lisp) */
        pthread_mutex_lock(&p->lock);
        bool wake_loop = !p->finished.head;
        put(&p->finished, job);
        job = p->stopping ? NULL : take(&p->todo);
        w->current = job;
        if (job)
            lo_lisp_cancel(W, false);
        pthread_mutex_unlock(&p->lock);
        if (wake_loop)
            event_active(p->wake, EV_READ, 0);
    }
    pthread_mutex_lock(&p->lock);
    w->W = NULL;
    pthread_mutex_unlock(&p->lock);
    lo_lisp_thread_close(W);
    return NULL;
}

static void flush(evutil_socket_t fd, short what, void *arg);
enum { JOBS_A_WAKE = 8 };

/* On the loop thread: every finished job's `done`. */
static void deliver(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct lo_pool *p = arg;
    pthread_mutex_lock(&p->lock);
    struct queue done = p->finished;
    p->finished = (struct queue){ NULL, NULL };
    pthread_mutex_unlock(&p->lock);
    for (struct lo_job *job; (job = take(&done));)
        job->done(job);
}

struct lo_pool *lo_pool_start(lo_lisp *L, int threads,
                              const struct lo_limits *limits,
                              struct event_base *base, char *why,
                              size_t why_len)
{
    struct lo_pool *p = calloc(1, sizeof *p);
    if (!p || !(p->workers = calloc((size_t)threads, sizeof *p->workers))) {
        snprintf(why, why_len, "out of memory");
        free(p);
        return NULL;
    }
    p->L = L;
    p->limits = *limits;
    p->threads = threads;
    /* every holder keeps it for a few instructions: spinning a little
     * beats sleeping in the kernel for it */
    pthread_mutexattr_t adaptive;
    pthread_mutexattr_init(&adaptive);
    pthread_mutexattr_settype(&adaptive, PTHREAD_MUTEX_ADAPTIVE_NP);
    pthread_mutex_init(&p->lock, &adaptive);
    pthread_mutexattr_destroy(&adaptive);
    pthread_cond_init(&p->ready, NULL);
    pthread_cond_init(&p->opened, NULL);
    p->wake = event_new(base, -1, 0, deliver, p);
    p->flush = event_new(base, -1, 0, flush, p);
    int started = 0;
    for (int i = 0; i < threads; i++) {
        p->workers[i].pool = p;
        p->workers[i].started =
            pthread_create(&p->workers[i].thread, NULL, work, &p->workers[i]) == 0;
        started += p->workers[i].started;
    }
    /* opening a thread of evaluation may wait for a collection: the
     * caller's thread is outside the Lisp meanwhile */
    lo_lisp_wait_begin(L);
    pthread_mutex_lock(&p->lock);
    while (p->opened_count < started)
        pthread_cond_wait(&p->opened, &p->lock);
    pthread_mutex_unlock(&p->lock);
    lo_lisp_wait_end(L);
    if (started < threads || p->failed || !p->wake || !p->flush) {
        snprintf(why, why_len, "cannot start %d worker threads", threads);
        lo_pool_stop(p);
        return NULL;
    }
    return p;
}

/* On the loop, after the events of this turn: every job submitted
 * during it handed to the workers under one lock, as many woken as
 * there are runs of JOBS_A_WAKE jobs (busy ones take the rest
 * themselves).  Pipelined
 * requests, or requests of many connections read in one turn, cost one
 * handover instead of one each. */
static void flush(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct lo_pool *p = arg;
    int n = 0;
    for (struct lo_job *j = p->submitted.head; j; j = j->next)
        n++;
    if (!n)
        return;
    pthread_mutex_lock(&p->lock);
    if (p->todo.tail)
        p->todo.tail->next = p->submitted.head;
    else
        p->todo.head = p->submitted.head;
    p->todo.tail = p->submitted.tail;
    p->submitted = (struct queue){ NULL, NULL };
    /* a worker for every few jobs: two workers sharing a short run
     * cost more in waking and in the lock than they save */
    for (int k = 0; k < (n + JOBS_A_WAKE - 1) / JOBS_A_WAKE && k < p->idle; k++)
        pthread_cond_signal(&p->ready);
    pthread_mutex_unlock(&p->lock);
}

const struct lo_limits *lo_pool_limits(const struct lo_pool *p)
{
    return &p->limits;
}

void lo_pool_submit(struct lo_pool *p, struct lo_job *job)
{
    if (!p->flush) {            /* stopped: what a `done` submits never runs */
        job->cancelled = true;
        job->done(job);
        return;
    }
    bool first = !p->submitted.head;
    put(&p->submitted, job);
    if (first)
        event_active(p->flush, EV_READ, 0);
}

bool lo_pool_cancel(struct lo_pool *p,
                    bool (*match)(const struct lo_job *job, void *ctx),
                    void *ctx)
{
    /* not handed over yet: taken out here, on the loop */
    for (struct lo_job *job = p->submitted.head, *prev = NULL; job;
         prev = job, job = job->next) {
        if (!match(job, ctx))
            continue;
        if (prev)
            prev->next = job->next;
        else
            p->submitted.head = job->next;
        if (p->submitted.tail == job)
            p->submitted.tail = prev;
        job->cancelled = true;
        pthread_mutex_lock(&p->lock);
        bool wake_loop = !p->finished.head;
        put(&p->finished, job);
        pthread_mutex_unlock(&p->lock);
        if (wake_loop)
            event_active(p->wake, EV_READ, 0);
        return true;
    }
    bool found = false;
    pthread_mutex_lock(&p->lock);
    for (struct lo_job *job = p->todo.head, *prev = NULL; job;
         prev = job, job = job->next) {
        if (!match(job, ctx))
            continue;
        if (prev)                       /* out of the queue */
            prev->next = job->next;
        else
            p->todo.head = job->next;
        if (p->todo.tail == job)
            p->todo.tail = prev;
        job->cancelled = true;
        bool wake_loop = !p->finished.head;
        put(&p->finished, job);         /* done without running */
        if (wake_loop)
            event_active(p->wake, EV_READ, 0);
        found = true;
        break;
    }
    for (int i = 0; i < p->threads && !found; i++) {
        struct worker *w = &p->workers[i];
        if (w->current && w->W && match(w->current, ctx)) {
            w->current->cancelled = true;
            lo_lisp_cancel(w->W, true);
            found = true;
        }
    }
    pthread_mutex_unlock(&p->lock);
    return found;
}

void lo_pool_stop(struct lo_pool *p)
{
    if (p->flush) {
        flush(-1, 0, p);                /* what was submitted runs too */
        event_free(p->flush);
        p->flush = NULL;
    }
    pthread_mutex_lock(&p->lock);
    p->stopping = true;
    pthread_cond_broadcast(&p->ready);
    pthread_mutex_unlock(&p->lock);
    lo_lisp_wait_begin(p->L);
    for (int i = 0; i < p->threads; i++)
        if (p->workers[i].started)
            pthread_join(p->workers[i].thread, NULL);
    lo_lisp_wait_end(p->L);
    if (p->wake) {
        deliver(-1, 0, p);
        event_free(p->wake);
    }
    pthread_cond_destroy(&p->ready);
    pthread_cond_destroy(&p->opened);
    pthread_mutex_destroy(&p->lock);
    free(p->workers);
    free(p);
}
