/*
 * ticket.h -- tickets for asynchronous operations (seed chapter 8.2).
 *
 * An operation that may take time (a disk read, write or flush) returns a
 * ticket at once.  A ticket is pending until the operation is complete, then
 * it has expired and carries the operation's status: LO_OK or a negative
 * lo_err, with a message saying what went wrong.  lo_wait_some() and
 * lo_wait_all() suspend the caller until one or all of a set of tickets have
 * expired.
 *
 * Ownership: the caller owns the ticket it was given and drops it with
 * lo_ticket_release() -- pending or expired, in any order; the driver keeps
 * its own reference until it expires the ticket.
 */
#ifndef LO_TICKET_H
#define LO_TICKET_H

#include <stdbool.h>
#include <stddef.h>

typedef struct lo_ticket lo_ticket;

bool lo_ticket_expired_p(const lo_ticket *t);

/* LO_OK or a negative lo_err; only meaningful once expired. */
int lo_ticket_status(const lo_ticket *t);

/* What went wrong ("" when the status is LO_OK); valid once expired and for
 * as long as the caller holds the ticket. */
const char *lo_ticket_message(const lo_ticket *t);

void lo_ticket_release(lo_ticket *t);

/*
 * Wait until at least one of tickets[0..n) has expired; returns the lowest
 * index of an expired ticket.  NULL entries are skipped; LO_EINVAL if no
 * entry is a ticket.
 */
long lo_wait_some(lo_ticket *const *tickets, size_t n);

/*
 * Wait until every ticket of tickets[0..n) has expired; returns LO_OK when
 * all succeeded, else the status of the first (lowest index) that failed.
 * NULL entries are skipped.
 */
int lo_wait_all(lo_ticket *const *tickets, size_t n);

/* Wait for one ticket and return its status. */
int lo_ticket_wait(lo_ticket *t);

/* Convenience: wait for t, release it, return its status. */
int lo_ticket_finish(lo_ticket *t);

/* ---- for drivers ------------------------------------------------------- */

/*
 * A new pending ticket holding two references: the caller's and the
 * driver's.  The driver calls lo_ticket_expire() exactly once, which drops
 * its reference.  Never returns NULL: when memory is exhausted it returns a
 * shared ticket that has already expired with LO_ENOMEM.
 */
lo_ticket *lo_ticket_new(void);

/* Mark t expired with status and an optional message (copied; printf-style
 * in the lo_vsnprintf dialect), waking waiters; drops the driver's ref. */
void lo_ticket_expire(lo_ticket *t, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A ticket that has already expired with status; for operations that
 * complete (or are rejected) on the spot. */
lo_ticket *lo_ticket_done(int status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
