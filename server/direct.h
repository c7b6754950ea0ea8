/*
 * direct.h -- requests the event loop answers itself, without handing
 * them to a worker: store.get of an entry whose values are plain data
 * (store_api.h, lo_store_peek).  A hand-over costs two thread wake-ups,
 * several times the read; the loop reads only when it need not wait (no
 * collection or flip running, no writer holding or wanting the store's
 * lock) and no Lisp code would run, and leaves everything else to the
 * workers, whose answer is the same.
 *
 *   if (!lo_direct_get(srv->loop_lisp, &inside, user, msgid, id, &b))
 *       submit(...);
 *   ... the read callback's other requests ...
 *   lo_direct_leave(srv->loop_lisp, &inside);
 */
#ifndef LO_SERVER_DIRECT_H
#define LO_SERVER_DIRECT_H

#include <msgpack.h>
#include <stdbool.h>
#include <stdint.h>

#include "lisp/api.h"

/* store.get [id] as user: true with the response to msgid appended to
 * *b, false (*b as it was) when a worker must answer.  L is the loop's
 * Lisp, waiting outside it between events; *inside says whether it has
 * stepped in already (the loop steps in at most once a read callback,
 * for all its requests, and out at its end: lo_direct_leave). */
bool lo_direct_get(lo_lisp *L, bool *inside, const char *user,
                   uint64_t msgid, int64_t id, msgpack_sbuffer *b);
void lo_direct_leave(lo_lisp *L, bool *inside);

#endif
