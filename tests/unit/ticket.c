/*
 * ticket.c -- tickets: pending and expired, status and message, waiting for
 * some or all of many tickets that other threads expire in random order.
 */
#include <pthread.h>
#include <unistd.h>

#include "drivers/rng.h"
#include "tests/tap.h"
#include "drivers/ticket.h"
#include "drivers/error.h"

enum { N = 200 };

struct expirer {
    lo_ticket **tickets;
    unsigned *order;
    unsigned from, to;
};

static void *expire_some(void *arg)
{
    struct expirer *e = arg;
    for (unsigned i = e->from; i < e->to; i++) {
        unsigned k = e->order[i];
        if (i % 16 == 0)
            usleep(100);
        if (k % 50 == 7)
            lo_ticket_expire(e->tickets[k], LO_EIO, "operation %u failed", k);
        else
            lo_ticket_expire(e->tickets[k], LO_OK, NULL);
    }
    return NULL;
}

int main(void)
{
    lo_ticket *t = lo_ticket_new();
    ok(!lo_ticket_expired_p(t), "a new ticket is pending");
    lo_ticket_expire(t, LO_EIO, "disk %s failed at %d", "x", 12);
    ok(lo_ticket_expired_p(t), "expire makes it expired");
    is_int(lo_ticket_status(t), LO_EIO, "status carried");
    is_str(lo_ticket_message(t), "disk x failed at 12", "message carried");
    is_int(lo_ticket_wait(t), LO_EIO, "waiting on an expired ticket returns at once");
    lo_ticket_release(t);

    t = lo_ticket_done(LO_ERANGE, NULL);
    is_str(lo_ticket_message(t), lo_strerror(LO_ERANGE), "default message is the error's name");
    lo_ticket_release(t);
    t = lo_ticket_done(LO_OK, NULL);
    is_str(lo_ticket_message(t), "", "a successful ticket has an empty message");
    lo_ticket_release(t);

    lo_ticket *none[3] = { NULL, NULL, NULL };
    is_int(lo_wait_some(none, 3), LO_EINVAL, "wait_some on no tickets: LO_EINVAL");
    is_int(lo_wait_all(none, 3), LO_OK, "wait_all on no tickets: nothing to wait for");

    /* Release a pending ticket early: the driver's expiry must still be safe. */
    t = lo_ticket_new();
    lo_ticket_release(t);
    lo_ticket_expire(t, LO_OK, NULL);
    ok(1, "releasing a pending ticket before it expires is safe");

    /* Many tickets, expired by two threads in a shuffled order. */
    lo_ticket *tickets[N];
    unsigned order[N];
    for (unsigned i = 0; i < N; i++) {
        tickets[i] = lo_ticket_new();
        order[i] = i;
    }
    lo_rng rng;
    lo_rng_seed(&rng, 12345);
    for (unsigned i = N - 1; i > 0; i--) {
        unsigned j = (unsigned)lo_rng_below(&rng, i + 1), tmp = order[i];
        order[i] = order[j];
        order[j] = tmp;
    }
    pthread_t th[2];
    struct expirer e[2] = { { tickets, order, 0, N / 2 },
                            { tickets, order, N / 2, N } };
    pthread_create(&th[0], NULL, expire_some, &e[0]);
    pthread_create(&th[1], NULL, expire_some, &e[1]);

    long first = lo_wait_some(tickets, N);
    ok(first >= 0 && lo_ticket_expired_p(tickets[first]),
       "wait_some returns an expired ticket (%ld)", first);
    int got = 0, bad = 0;
    lo_ticket *pending[N];
    for (unsigned i = 0; i < N; i++)
        pending[i] = tickets[i];
    while (got < N / 2) {
        long i = lo_wait_some(pending, N);
        if (i < 0 || !lo_ticket_expired_p(pending[i]))
            bad++;
        pending[i] = NULL;
        got++;
    }
    is_int(bad, 0, "wait_some, 100 times over 200 tickets, always an expired one");
    int status = lo_wait_all(tickets, N);
    int all_expired = 1;
    for (unsigned i = 0; i < N; i++)
        all_expired &= lo_ticket_expired_p(tickets[i]);
    ok(all_expired, "wait_all returns only when all 200 have expired");
    is_int(status, LO_EIO, "wait_all reports a failure among them");
    is_str(lo_ticket_message(tickets[7]), "operation 7 failed", "the failing one says which");
    pthread_join(th[0], NULL);
    pthread_join(th[1], NULL);
    for (unsigned i = 0; i < N; i++)
        lo_ticket_release(tickets[i]);
    return done_testing();
}
