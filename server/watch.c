/*
 * watch.c -- live queries (watch.h).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/rpc.h"
#include "server/values.h"
#include "server/watch.h"
#include "store/store_api.h"

/* Entry ids, in the order they came. */
struct ids {
    int64_t *v;
    size_t n, room;
};

static bool ids_push(struct ids *q, int64_t id)
{
    if (q->n == q->room) {
        size_t room = q->room ? q->room * 2 : 64;
        int64_t *grown = realloc(q->v, room * sizeof *grown);
        if (!grown)
            return false;
        q->v = grown;
        q->room = room;
    }
    q->v[q->n++] = id;
    return true;
}

static struct ids ids_take(struct ids *q)
{
    struct ids taken = *q;
    *q = (struct ids){ NULL, 0, 0 };
    return taken;
}

struct lo_watches {
    struct lo_pool *pool;
    struct event *wake;         /* the loop's: ids came in */
    pthread_mutex_t lock;       /* over incoming */
    struct ids incoming;        /* from the store's listener */
    atomic_uint live;           /* watches: none, and nothing is queued */
    struct lo_watch *all;       /* the loop's */
    uint64_t next_id;
};

struct lo_watch {
    struct lo_job job;          /* its start's check or its drop */
    struct lo_watches *ws;
    struct lo_watch *next;
    struct session *s;
    struct lo_handles *handles;
    uint64_t id;
    char user[64];
    lo_ref filter;              /* kept: the filter read at the start */
    uint64_t *members;          /* a bit for each id in the result */
    size_t member_words;
    struct ids pending;         /* the loop's: changed, to check next */
    bool recheck;               /* the loop's: a group changed, so every
                                   member and all the filter finds now
                                   are to be checked next */
    struct ids checking;        /* the check job's */
    bool rechecking;            /* the check job's: recheck taken */
    msgpack_sbuffer out;        /* the notifications it packed */
    bool started;               /* filled: checks may run */
    bool busy;                  /* a job of it is in flight */
    bool dead;                  /* ended: dropped when no job is */
    bool failed;                /* its check failed: it ends */
};

/* ---- the members: a bit an id ---- */

static bool member(const struct lo_watch *w, int64_t id)
{
    uint64_t i = (uint64_t)id;
    return i / 64 < w->member_words && (w->members[i / 64] >> (i % 64) & 1);
}

static void set_member(struct lo_watch *w, int64_t id, bool in)
{
    uint64_t i = (uint64_t)id;
    if (i / 64 >= w->member_words) {
        if (!in)
            return;
        size_t words = (i / 64 + 1) * 2;
        uint64_t *grown = realloc(w->members, words * sizeof *grown);
        if (!grown)
            return;     /* then it is told of this entry again: harmless */
        memset(grown + w->member_words, 0,
               (words - w->member_words) * sizeof *grown);
        w->members = grown;
        w->member_words = words;
    }
    if (in)
        w->members[i / 64] |= 1ull << (i % 64);
    else
        w->members[i / 64] &= ~(1ull << (i % 64));
}

/* ---- ids from the store ---- */

/* The store's listener: on the thread that changed the entry, holding
 * the store's lock -- so only a queue and a wake-up. */
static void on_change(int64_t id, void *ctx)
{
    struct lo_watches *ws = ctx;
    if (!atomic_load(&ws->live))
        return;
    pthread_mutex_lock(&ws->lock);
    bool first = ws->incoming.n == 0;
    ids_push(&ws->incoming, id);
    pthread_mutex_unlock(&ws->lock);
    if (first)
        event_active(ws->wake, EV_READ, 0);
}

static void start_check(struct lo_watch *w);

static void on_wake(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct lo_watches *ws = arg;
    pthread_mutex_lock(&ws->lock);
    struct ids came = ids_take(&ws->incoming);
    pthread_mutex_unlock(&ws->lock);
    for (struct lo_watch *w = ws->all; w; w = w->next) {
        if (w->dead)
            continue;
        for (size_t i = 0; i < came.n; i++) {
            if (came.v[i] == 0)         /* a group changed (store_api.h) */
                w->recheck = true;
            else
                ids_push(&w->pending, came.v[i]);
        }
        if (w->started && !w->busy)
            start_check(w);
    }
    free(came.v);
}

struct lo_watches *lo_watches_new(struct event_base *base,
                                  struct lo_pool *pool)
{
    struct lo_watches *ws = calloc(1, sizeof *ws);
    if (!ws)
        return NULL;
    ws->pool = pool;
    pthread_mutex_init(&ws->lock, NULL);
    ws->wake = event_new(base, -1, 0, on_wake, ws);
    if (!ws->wake) {
        free(ws);
        return NULL;
    }
    lo_store_listen(on_change, ws);
    return ws;
}

void lo_watches_free(struct lo_watches *ws)
{
    if (!ws)
        return;
    lo_store_listen(NULL, NULL);
    event_free(ws->wake);
    free(ws->incoming.v);
    pthread_mutex_destroy(&ws->lock);
    free(ws);
}

/* ---- a watch's life ---- */

struct lo_watch *lo_watch_new(struct lo_watches *ws, struct session *s,
                              const char *user, struct lo_handles *handles)
{
    unsigned of_session = 0;
    for (struct lo_watch *w = ws->all; w; w = w->next)
        of_session += w->s == s && !w->dead;
    if (of_session >= LO_WATCHES_PER_SESSION)
        return NULL;
    struct lo_watch *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->ws = ws;
    w->s = s;
    w->handles = handles;
    w->id = ++ws->next_id;
    w->busy = true;                     /* its start */
    snprintf(w->user, sizeof w->user, "%s", user);
    msgpack_sbuffer_init(&w->out);
    lo_session_hold(s);
    w->next = ws->all;
    ws->all = w;
    atomic_fetch_add(&ws->live, 1);
    return w;
}

uint64_t lo_watch_id(const struct lo_watch *w)
{
    return w->id;
}

static void free_watch(struct lo_watch *w)
{
    lo_session_release(w->s);
    free(w->members);
    free(w->pending.v);
    free(w->checking.v);
    msgpack_sbuffer_destroy(&w->out);
    free(w);
}

static void run_drop(lo_lisp *W, struct lo_job *job)
{
    lo_ref_free(W, ((struct lo_watch *)job)->filter);
}

static void drop_done(struct lo_job *job)
{
    free_watch((struct lo_watch *)job);
}

/* Out of the list, and freed -- its kept filter released on a worker
 * first (a kept reference is released inside the Lisp). */
static void drop(struct lo_watch *w)
{
    struct lo_watch **at = &w->ws->all;
    while (*at != w)
        at = &(*at)->next;
    *at = w->next;
    atomic_fetch_sub(&w->ws->live, 1);
    if (!w->filter) {
        free_watch(w);
        return;
    }
    w->busy = true;
    w->job = (struct lo_job){ .run = run_drop, .done = drop_done };
    lo_pool_submit(w->ws->pool, &w->job);
}

static void end(struct lo_watch *w)
{
    w->dead = true;
    if (!w->busy)
        drop(w);
}

bool lo_watch_fill(lo_lisp *W, struct lo_watch *w, const char *text,
                   uint64_t msgid, msgpack_packer *pk)
{
    lo_scope scope = lo_scope_open(W);
    lo_ref fn = lo_new_symbol(W, "LISPOS-INTERNAL", "%WIRE-WATCH-START");
    lo_ref arg = lo_new_string(W, text, strlen(text));
    lo_ref out[2];
    bool ok = fn && arg && lo_call_values(W, fn, &arg, 1, out, 2) >= 0 &&
              (w->filter = lo_ref_keep(W, out[0]));
    if (!ok) {
        const struct lo_error *e = lo_last_error(W);
        lo_rpc_pack_error(pk, msgid, e->type, e->message, e->backtrace);
        lo_scope_close(W, scope);
        return false;
    }
    lo_ref at = lo_ref_copy(W, out[1]);
    while (!lo_is_nil(W, at)) {
        lo_scope item = lo_scope_open(W);
        int64_t id;
        if (lo_get_int64(W, lo_get_car(W, at), &id) == LO_OK)
            set_member(w, id, true);
        lo_ref_set(W, at, lo_get_cdr(W, at));
        lo_scope_close(W, item);
    }
    lo_rpc_pack_result_head(pk, msgid);
    msgpack_pack_uint64(pk, w->id);
    lo_scope_close(W, scope);
    return true;
}

void lo_watch_started(struct lo_watch *w, bool ok)
{
    w->busy = false;
    if (!ok || w->dead) {
        end(w);
        return;
    }
    w->started = true;
    if (w->pending.n || w->recheck)
        start_check(w);
}

bool lo_watch_stop(struct lo_watches *ws, struct session *s, uint64_t id)
{
    for (struct lo_watch *w = ws->all; w; w = w->next)
        if (w->s == s && w->id == id && !w->dead) {
            end(w);
            return true;
        }
    return false;
}

void lo_watches_end_session(struct lo_watches *ws, struct session *s)
{
    for (struct lo_watch *w = ws->all, *next; w; w = next) {
        next = w->next;
        if (w->s == s && !w->dead)
            end(w);
    }
}

/* ---- checking the changed entries ---- */

static int by_id(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* [2, "store.changed", [watch-id, kind, entry]] */
static void pack_note(struct lo_watch *w, msgpack_packer *pk,
                      const char *kind)
{
    msgpack_pack_array(pk, 3);
    msgpack_pack_uint8(pk, LO_RPC_NOTIFICATION);
    lo_rpc_pack_string(pk, "store.changed");
    msgpack_pack_array(pk, 3);
    msgpack_pack_uint64(pk, w->id);
    lo_rpc_pack_string(pk, kind);
}

/* The ids (sorted, unique) as a Lisp list. */
static lo_ref id_list(lo_lisp *W, const struct ids *q)
{
    lo_ref list = lo_new_nil(W);
    for (size_t k = q->n; list && k > 0; k--) {
        lo_scope s = lo_scope_open(W);
        lo_ref id = lo_new_integer(W, q->v[k - 1]);
        lo_ref cell = id ? lo_new_cons(W, id, list) : NULL;
        if (cell)
            lo_ref_set(W, list, cell);
        lo_scope_close(W, s);
        if (!cell)
            return NULL;
    }
    return list;
}

/* q sorted, each id once. */
static void sort_ids(struct ids *q)
{
    if (q->n)
        qsort(q->v, q->n, sizeof *q->v, by_id);
    size_t n = 0;
    for (size_t i = 0; i < q->n; i++)
        if (n == 0 || q->v[n - 1] != q->v[i])
            q->v[n++] = q->v[i];
    q->n = n;
}

static bool among(const struct ids *q, int64_t id)
{
    return q->n && bsearch(&id, q->v, q->n, sizeof *q->v, by_id);
}

/* A group changed: every member, and every id the filter finds now as
 * the user, into all (beside the ids that changed); false when the Lisp
 * failed (lo_last_error says why). */
static bool recheck_ids(lo_lisp *W, struct lo_watch *w, struct ids *all)
{
    for (size_t k = 0; k < w->member_words; k++)
        for (uint64_t x = w->members[k]; x; x &= x - 1)
            ids_push(all, (int64_t)(k * 64 + (unsigned)__builtin_ctzll(x)));
    lo_scope scope = lo_scope_open(W);
    lo_ref filter = lo_ref_copy(W, w->filter);
    lo_ref found = lo_call_named(W, "LISPOS-INTERNAL", "%WIRE-WATCH-IDS",
                                 &filter, 1);
    lo_ref at = found ? lo_ref_copy(W, found) : NULL;
    while (at && !lo_is_nil(W, at)) {
        lo_scope item = lo_scope_open(W);
        int64_t id;
        if (lo_get_int64(W, lo_get_car(W, at), &id) == LO_OK)
            ids_push(all, id);
        lo_ref_set(W, at, lo_get_cdr(W, at));
        lo_scope_close(W, item);
    }
    lo_scope_close(W, scope);
    return found != NULL;
}

/* On a worker, as the watch's user: each id checked against the filter,
 * the notifications packed into w->out. */
static void run_check(lo_lisp *W, struct lo_job *job)
{
    struct lo_watch *w = (struct lo_watch *)job;
    struct ids *q = &w->checking;
    sort_ids(q);
    if (lo_lisp_set_user(W, w->user) != LO_OK)
        return;
    msgpack_packer pk;
    msgpack_packer_init(&pk, &w->out, msgpack_sbuffer_write);
    lo_scope scope = lo_scope_open(W);
    /* the user's filter runs on every change anyone makes: it gets a
     * second at most, or a SATISFIES predicate could take the workers
     * from everyone */
    static const struct lo_limits check_limits = {
        .steps = 10000000, .bytes = 64u << 20, .wall_ns = 1000000000 };
    lo_lisp_set_limits(W, &check_limits);
    /* after a group's change, the ids that changed (q) are told as ever;
     * the others only when they enter or leave the result */
    struct ids changed = { NULL, 0, 0 };
    bool listed = true;
    if (w->rechecking) {
        for (size_t i = 0; i < q->n; i++)
            ids_push(&changed, q->v[i]);
        listed = recheck_ids(W, w, q);
        sort_ids(q);
    }
    lo_ref args[2] = { lo_ref_copy(W, w->filter), id_list(W, q) };
    lo_ref found = listed && args[1]
                       ? lo_call_named(W, "LISPOS-INTERNAL",
                                       "%WIRE-WATCH-CHECK", args, 2)
                       : NULL;
    lo_lisp_set_limits(W, lo_pool_limits(w->ws->pool));
    if (!found) {               /* it ends, its client told why */
        const struct lo_error *e = lo_last_error(W);
        lo_log(LO_LOG_WARN, "watch %llu of %s ends: %s: %s",
               (unsigned long long)w->id, w->user, e->type, e->message);
        msgpack_pack_array(&pk, 3);
        msgpack_pack_uint8(&pk, LO_RPC_NOTIFICATION);
        lo_rpc_pack_string(&pk, "store.watch-ended");
        msgpack_pack_array(&pk, 2);
        msgpack_pack_uint64(&pk, w->id);
        msgpack_pack_map(&pk, 2);
        lo_rpc_pack_string(&pk, "type");
        lo_rpc_pack_string(&pk, e->type);
        lo_rpc_pack_string(&pk, "message");
        lo_rpc_pack_string(&pk, e->message);
        w->failed = true;
        lo_scope_close(W, scope);
        free(changed.v);
        return;
    }
    struct lo_wire wire = { w->handles, true };
    lo_ref at = lo_ref_copy(W, found);
    for (size_t i = 0; i < q->n; i++) {
        lo_scope s = lo_scope_open(W);
        lo_ref entry = lo_is_nil(W, at) ? NULL : lo_get_car(W, at);
        int64_t id = 0;
        if (entry)
            lo_get_int64(W, lo_get_car(W, entry), &id);
        if (entry && id == q->v[i]) {           /* in the result now */
            bool was = member(w, id);
            if (!was || !w->rechecking || among(&changed, id)) {
                pack_note(w, &pk, was ? "changed" : "added");
                lo_pack_value(W, &pk, entry, &wire);
            }
            set_member(w, id, true);
            lo_ref_set(W, at, lo_get_cdr(W, at));
        } else if (member(w, q->v[i])) {        /* it left */
            pack_note(w, &pk, "removed");
            msgpack_pack_array(&pk, 2);
            msgpack_pack_int64(&pk, q->v[i]);
            msgpack_pack_nil(&pk);
            set_member(w, q->v[i], false);
        }
        lo_scope_close(W, s);
    }
    lo_scope_close(W, scope);
    free(changed.v);
}

static void check_done(struct lo_job *job)
{
    struct lo_watch *w = (struct lo_watch *)job;
    w->checking.n = 0;
    if (w->out.size && !w->dead)
        lo_session_notify(w->s, &w->out);   /* may end the session */
    msgpack_sbuffer_clear(&w->out);
    w->busy = false;
    if (w->failed && !w->dead)
        w->dead = true;
    if (w->dead)
        drop(w);
    else if (w->pending.n || w->recheck)
        start_check(w);
}

static void start_check(struct lo_watch *w)
{
    free(w->checking.v);
    w->checking = ids_take(&w->pending);
    w->rechecking = w->recheck;
    w->recheck = false;
    w->busy = true;
    w->job = (struct lo_job){ .run = run_check, .done = check_done };
    lo_pool_submit(w->ws->pool, &w->job);
}
