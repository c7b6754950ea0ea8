/*
 * ticket.c -- pending/expired tickets and waiting on them (see ticket.h).
 *
 * Waiting uses one process-wide "hub": a mutex and condition variable that
 * every expiry broadcasts on while holding the mutex.  A waiter scans its
 * tickets under the same mutex, so an expiry can never slip between the scan
 * and the sleep.  One hub is simple and, with one broadcast per completed
 * operation, cheap next to the I/O it reports; per-waiter queues can replace
 * it if measurement ever says so.
 */
#include <stdatomic.h>
#include <stdint.h>

#include "drivers/error.h"
#include "drivers/printf.h"
#include "drivers/platform.h"
#include "drivers/ticket.h"

enum { TICKET_MESSAGE_MAX = 120 };

struct lo_ticket {
    atomic_bool expired;
    atomic_int refs;        /* < 0: a shared, immortal ticket */
    int status;
    char message[TICKET_MESSAGE_MAX];
};

static struct {
    atomic_int state;       /* 0 = not set up, 1 = being set up, 2 = ready */
    lo_mutex lock;
    lo_cond expired;
    unsigned waiters;
} hub;

static lo_ticket out_of_memory_ticket = {
    .expired = true, .refs = -1, .status = LO_ENOMEM,
    .message = "out of memory while starting an operation",
};

static void hub_ready(void)
{
    int state = atomic_load_explicit(&hub.state, memory_order_acquire);
    if (state == 2)
        return;
    int expected = 0;
    if (atomic_compare_exchange_strong(&hub.state, &expected, 1)) {
        lo_mutex_init(&hub.lock);
        lo_cond_init(&hub.expired);
        atomic_store_explicit(&hub.state, 2, memory_order_release);
        return;
    }
    while (atomic_load_explicit(&hub.state, memory_order_acquire) != 2)
        lo_thread_yield();
}

bool lo_ticket_expired_p(const lo_ticket *t)
{
    return atomic_load_explicit(&t->expired, memory_order_acquire);
}

int lo_ticket_status(const lo_ticket *t)
{
    return t->status;
}

const char *lo_ticket_message(const lo_ticket *t)
{
    return t->message;
}

void lo_ticket_release(lo_ticket *t)
{
    if (!t || atomic_load(&t->refs) < 0)
        return;
    if (atomic_fetch_sub(&t->refs, 1) == 1)
        lo_mem_free(t);
}

lo_ticket *lo_ticket_new(void)
{
    lo_ticket *t = lo_mem_alloc(sizeof *t);
    if (!t)
        return &out_of_memory_ticket;
    atomic_init(&t->expired, false);
    atomic_init(&t->refs, 2);
    return t;
}

static void set_result(lo_ticket *t, int status, const char *fmt, va_list ap)
{
    t->status = status;
    if (fmt)
        lo_vsnprintf(t->message, sizeof t->message, fmt, ap);
    else if (status != LO_OK)
        lo_snprintf(t->message, sizeof t->message, "%s", lo_strerror(status));
    else
        t->message[0] = '\0';
}

void lo_ticket_expire(lo_ticket *t, int status, const char *fmt, ...)
{
    if (atomic_load(&t->refs) < 0)
        return;             /* the shared out-of-memory ticket */
    va_list ap;
    va_start(ap, fmt);
    set_result(t, status, fmt, ap);
    va_end(ap);

    hub_ready();
    lo_mutex_lock(&hub.lock);
    atomic_store_explicit(&t->expired, true, memory_order_release);
    if (hub.waiters)
        lo_cond_broadcast(&hub.expired);
    lo_mutex_unlock(&hub.lock);
    lo_ticket_release(t);
}

lo_ticket *lo_ticket_done(int status, const char *fmt, ...)
{
    lo_ticket *t = lo_mem_alloc(sizeof *t);
    if (!t)
        return &out_of_memory_ticket;
    atomic_init(&t->refs, 1);
    va_list ap;
    va_start(ap, fmt);
    set_result(t, status, fmt, ap);
    va_end(ap);
    atomic_init(&t->expired, true);
    return t;
}

enum { NOT_YET = -1000 };   /* distinct from every lo_err */

/* Lowest index of an expired ticket, NOT_YET if none has expired, LO_EINVAL
 * if there are no tickets at all. */
static long first_expired(lo_ticket *const *tickets, size_t n)
{
    bool any = false;
    for (size_t i = 0; i < n; i++) {
        if (!tickets[i])
            continue;
        any = true;
        if (lo_ticket_expired_p(tickets[i]))
            return (long)i;
    }
    return any ? NOT_YET : LO_EINVAL;
}

/* Lowest index of a pending ticket, or -1 when all have expired. */
static long first_pending(lo_ticket *const *tickets, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (tickets[i] && !lo_ticket_expired_p(tickets[i]))
            return (long)i;
    return -1;
}

long lo_wait_some(lo_ticket *const *tickets, size_t n)
{
    long found = first_expired(tickets, n);
    if (found != NOT_YET)
        return found;
    hub_ready();
    lo_mutex_lock(&hub.lock);
    hub.waiters++;
    while ((found = first_expired(tickets, n)) == NOT_YET)
        lo_cond_wait(&hub.expired, &hub.lock);
    hub.waiters--;
    lo_mutex_unlock(&hub.lock);
    return found;
}

int lo_wait_all(lo_ticket *const *tickets, size_t n)
{
    if (first_pending(tickets, n) != -1) {
        hub_ready();
        lo_mutex_lock(&hub.lock);
        hub.waiters++;
        while (first_pending(tickets, n) != -1)
            lo_cond_wait(&hub.expired, &hub.lock);
        hub.waiters--;
        lo_mutex_unlock(&hub.lock);
    }
    for (size_t i = 0; i < n; i++)
        if (tickets[i] && tickets[i]->status != LO_OK)
            return tickets[i]->status;
    return LO_OK;
}

int lo_ticket_wait(lo_ticket *t)
{
    lo_wait_all(&t, 1);
    return t->status;
}

int lo_ticket_finish(lo_ticket *t)
{
    int status = lo_ticket_wait(t);
    lo_ticket_release(t);
    return status;
}
