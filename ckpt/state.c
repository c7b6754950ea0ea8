/*
 * state.c -- what every ckpt file shares at run time: the store's lock
 * (its helpers are inline in internal.h; this file holds the thread-local
 * whose address names a thread) and the failure that stops snapshots.
 *
 * Layer 1 (internal.h): calls no other file of ckpt.
 */
#include <stdarg.h>

#include "drivers/printf.h"
#include "ckpt/internal.h"

_Thread_local char lo_ckpt_this_thread;

/*
 * Once a write or flush failed, no snapshot may become durable after it
 * (Linux forgets dirty pages after a failed writeback, so a retry would
 * lie): the store stays at its last durable state until reopened.  The
 * first failure is the one reported.
 */
void lo_ckpt_fail(lo_ckpt *c, const char *fmt, ...)
{
    LO_ASSERT(ckpt_locked(c));
    if (c->failed)
        return;
    va_list ap;
    va_start(ap, fmt);
    lo_vsnprintf(c->failure, sizeof c->failure, fmt, ap);
    va_end(ap);
    c->failed = true;
    lo_log(LO_LOG_ERROR, "ckpt: %s; no further snapshot will be taken",
           c->failure);
    lo_cond_broadcast(&c->changed);
}
