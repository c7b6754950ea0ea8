/*
 * watch.h -- live queries (store.watch, docs/protocol.md): a session's
 * filter kept, and a notification store.changed sent whenever an entry
 * its user may read enters, leaves or changes within the filter's result.
 *
 * The store tells the server of every change (lo_store_listen, on the
 * thread that made it); the ids are queued and handed to each watch on
 * the loop; a job on a worker checks a watch's ids as its user and packs
 * its notifications; the loop sends them.  One check of a watch runs at
 * a time, so its set of members -- the ids in its result, a bit an id --
 * is only ever touched by one thread.
 *
 *   struct lo_watches *ws = lo_watches_new(base, pool);   // at start-up
 *   // store.watch, on the loop:
 *   struct lo_watch *w = lo_watch_new(ws, session, user, handles);
 *   // its request's job, as the user:
 *   ok = lo_watch_fill(W, w, filter_text, msgid, &pk);
 *   // that job done, on the loop:
 *   lo_watch_started(w, ok);
 *   lo_watch_stop(ws, session, id);  lo_watches_end_session(ws, session);
 */
#ifndef LO_SERVER_WATCH_H
#define LO_SERVER_WATCH_H

#include <event2/event.h>
#include <msgpack.h>
#include <stdbool.h>
#include <stdint.h>

#include "lisp/api.h"
#include "server/handles.h"
#include "server/pool.h"

enum { LO_WATCHES_PER_SESSION = 64 };

struct session;
struct lo_watches;
struct lo_watch;

/* The server's live queries; listens to the store from now on. */
struct lo_watches *lo_watches_new(struct event_base *base,
                                  struct lo_pool *pool);

/* A new watch of session s (held until the watch ends), registered now so
 * that no change made while it starts is missed; NULL when s has
 * LO_WATCHES_PER_SESSION already or there is no memory. */
struct lo_watch *lo_watch_new(struct lo_watches *ws, struct session *s,
                              const char *user, struct lo_handles *handles);
uint64_t lo_watch_id(const struct lo_watch *w);
/* On a worker, as the watch's user: the filter read from text, the ids
 * matching it now taken as its members, the reply (the watch's id) or
 * the error packed.  False on error. */
bool lo_watch_fill(lo_lisp *W, struct lo_watch *w, const char *text,
                   uint64_t msgid, msgpack_packer *pk);
/* Back on the loop after lo_watch_fill: the watch checks changes from
 * now on, or (not ok) ends. */
void lo_watch_started(struct lo_watch *w, bool ok);
/* store.unwatch: false when s has no watch of that id. */
bool lo_watch_stop(struct lo_watches *ws, struct session *s, uint64_t id);
/* Every watch of s ends (its connection did). */
void lo_watches_end_session(struct lo_watches *ws, struct session *s);

/* The store no longer listened to, everything freed: after the pool
 * has stopped (no watch is left by then: their sessions are closed). */
void lo_watches_free(struct lo_watches *ws);

/* What watch.c needs of a session (session.c). */
void lo_session_hold(struct session *s);
void lo_session_release(struct session *s);
/* A notification written to s; when its client has left too much unread,
 * the session ends instead.  False when s is gone. */
bool lo_session_notify(struct session *s, const msgpack_sbuffer *b);

#endif
