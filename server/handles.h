/*
 * handles.h -- a session's capabilities as its client holds them
 * (docs/protocol.md, "Handles"): objects the server sent as handles, kept
 * alive for the client (kept references, lisp/api.h) and named by a
 * number the client sends back, like a file descriptor.
 *
 *   struct lo_handles *h = lo_handles_new(LO_HANDLES_MOST);
 *   uint64_t n = lo_handles_add(W, h, object);     // on a worker
 *   lo_ref again = lo_handles_get(W, h, n);         // a later request
 *   lo_handles_free(W, h);                          // the session ended
 *
 * A number is the table's random tag (32 bits, fixed when it is made)
 * above the slot's index: another session's numbers, and numbers made
 * up, name nothing here.  The object keeps the access bits it was sent
 * with: a handle gives its holder exactly that capability.  The table
 * is shared by the session's requests running on several workers (a
 * mutex); lo_handles_free runs when none is left.
 */
#ifndef LO_SERVER_HANDLES_H
#define LO_SERVER_HANDLES_H

#include <stdint.h>

#include "lisp/api.h"

enum { LO_HANDLES_MOST = 16384 };   /* handles a session may hold */

struct lo_handles;

struct lo_handles *lo_handles_new(uint32_t most);
/* The number of the handle holding v (a value carrying access bits): the
 * one it has already (the same object with the same bits), or a new one;
 * 0 when the table is full or a reference cannot be kept. */
uint64_t lo_handles_add(lo_lisp *W, struct lo_handles *h, lo_ref v);
/* A handle of W's scope holding the object of handle number, or NULL
 * when number names none of this table's. */
lo_ref lo_handles_get(lo_lisp *W, struct lo_handles *h, uint64_t number);
uint32_t lo_handles_count(struct lo_handles *h);
/* Every reference released, the table freed (NULL is fine). */
void lo_handles_free(lo_lisp *W, struct lo_handles *h);
/* The table's own memory freed, its references left to lo_lisp_close
 * (when no thread of evaluation is left to release them: shutting down). */
void lo_handles_discard(struct lo_handles *h);

#endif
