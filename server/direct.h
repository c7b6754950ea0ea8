/*
 * direct.h -- requests the event loop answers itself, without handing
 * them to a worker: store.get of an entry whose values are plain data
 * (store_api.h, lo_store_peek).  A hand-over costs two thread wake-ups,
 * several times the read; the loop reads only when it need not wait (no
 * collection or flip running, no writer holding or wanting the store's
 * lock) and no Lisp code would run, and leaves everything else to the
 * workers, whose answer is the same.
 *
 *   if (!lo_direct_get(srv->loop_lisp, user, msgid, id, &b)) submit(...);
 */
#ifndef LO_SERVER_DIRECT_H
#define LO_SERVER_DIRECT_H

#include <msgpack.h>
#include <stdbool.h>
#include <stdint.h>

#include "lisp/api.h"

/* store.get [id] as user (L the loop's Lisp, waiting outside it between
 * events): true with the response to msgid appended to *b, false (*b as
 * it was) when a worker must answer. */
bool lo_direct_get(lo_lisp *L, const char *user, uint64_t msgid, int64_t id,
                   msgpack_sbuffer *b);

#endif
