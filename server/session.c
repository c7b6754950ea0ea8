/*
 * session.c -- one client's connection: TLS (a libevent bufferevent over
 * OpenSSL), MessagePack-RPC messages cut by proto/frame.c and read by
 * msgpack-c, and the methods (docs/protocol.md).  Whatever may be slow --
 * a login's password hash, an evaluation -- goes to the worker pool as a
 * job; its reply comes back to the loop and is written if the connection
 * is still there.  A session lives while its connection does or a job of
 * it is in flight (refs).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <limits.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ckpt/ckpt.h"
#include "lisp/api.h"
#include "proto/rpc.h"
#include "server/accounts.h"
#include "server/direct.h"
#include "server/server.h"
#include "server/throttle.h"
#include "server/handles.h"
#include "server/request.h"
#include "server/values.h"
#include "server/watch.h"
#include "server/wire.h"

enum { PROTOCOL_VERSION = 1 };
#define ADMINISTRATOR "admin"

struct session {
    struct lo_server *srv;
    struct session *prev, *next;    /* in srv->connected while open */
    uint64_t id;                /* for admin.sessions, session-kill */
    uint64_t since;             /* when it connected (ns, monotonic) */
    struct bufferevent *bev;
    struct event *deadline;     /* to log in by, whatever it sends */
    struct evbuffer *pending;   /* replies of this turn of the loop ... */
    struct event *flush;        /* ... written together at its end */
    char peer[64];              /* address:port, for the logs */
    char address[INET6_ADDRSTRLEN];     /* for the login throttle */
    char user[USER_NAME_MOST + 1];      /* "" until logged in */
    struct lo_handles *handles; /* the objects its client holds */
    bool login_pending;
    uint8_t challenge[32];      /* login-key's, for challenge_user */
    char challenge_user[USER_NAME_MOST + 1];
    bool gone;                  /* the connection ended: replies dropped */
    unsigned in_flight;
    int refs;
};

static uint64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

/* The handles of a session that ended, released on a worker (a kept
 * reference is released inside the Lisp). */
struct drop_handles {
    struct lo_job job;
    struct lo_handles *handles;
};

static void run_drop_handles(lo_lisp *W, struct lo_job *job)
{
    lo_handles_free(W, ((struct drop_handles *)job)->handles);
}

static void drop_handles_done(struct lo_job *job)
{
    if (job->cancelled)         /* the pool had stopped: the process ends */
        lo_handles_discard(((struct drop_handles *)job)->handles);
    free(job);
}

static void release(struct session *s)
{
    if (--s->refs > 0)
        return;
    s->srv->sessions--;
    struct drop_handles *d = s->handles && lo_handles_count(s->handles)
                                 ? calloc(1, sizeof *d) : NULL;
    if (d) {
        d->job.run = run_drop_handles;
        d->job.done = drop_handles_done;
        d->handles = s->handles;
        lo_pool_submit(s->srv->pool, &d->job);
    } else {
        lo_handles_free(NULL, s->handles);  /* none held: nothing to release */
    }
    free(s);
}

static void end_session(struct session *s, const char *why)
{
    if (s->gone)
        return;
    lo_log(LO_LOG_INFO, "%s%s%s: connection closed: %s",
            s->peer, *s->user ? " " : "", s->user, why);
    s->gone = true;
    if (s->prev)
        s->prev->next = s->next;
    else
        s->srv->connected = s->next;
    if (s->next)
        s->next->prev = s->prev;
    if (s->deadline)
        event_free(s->deadline);
    event_free(s->flush);
    evbuffer_free(s->pending);
    lo_watches_end_session(s->srv->watches, s);
    bufferevent_free(s->bev);
    s->bev = NULL;
    release(s);
}

/* Replies waiting for a client that does not read: past OUT_PAUSE bytes
 * the connection's requests are no longer read (no new replies are
 * made) until they drain below OUT_RESUME; past OUT_MOST -- the replies
 * of requests already in flight -- the connection ends. */
enum { OUT_RESUME = 1 << 20, OUT_PAUSE = 16 << 20, OUT_MOST = 256 << 20 };

/* What is waiting to be written to s: in its TLS output, and this
 * turn's replies. */
static size_t unsent(struct session *s)
{
    return evbuffer_get_length(bufferevent_get_output(s->bev)) +
           evbuffer_get_length(s->pending);
}

/* The replies and notifications made during one turn of the loop go out
 * together at its end: one TLS record and one write for all of them,
 * where a write each would cost a syscall each. */
static void write_out(struct session *s, const void *data, size_t len)
{
    if (!evbuffer_get_length(s->pending))
        event_active(s->flush, EV_WRITE, 0);
    evbuffer_add(s->pending, data, len);
}

/* The turn's replies written through the TLS connection at once, as one
 * record, when nothing waits before them.  (The bufferevent would first
 * wait for the socket to be writable: a turn of the loop, an epoll_wait
 * and two epoll_ctl more for every reply or batch, and a record for each
 * piece of its buffer.)  What is not written -- the socket full -- goes
 * to the bufferevent, which writes it when it can: OpenSSL lets a write
 * it refused be retried from another buffer holding the same bytes
 * (SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER, which libevent sets), and all of
 * them are one piece of it, so that the retry is at least as long. */
static void write_through(struct session *s)
{
    size_t len = evbuffer_get_length(s->pending);
    if (len > INT_MAX || evbuffer_get_length(bufferevent_get_output(s->bev)))
        return;
    void *data = evbuffer_pullup(s->pending, -1);
    SSL *ssl = bufferevent_openssl_get_ssl(s->bev);
    int n = data && ssl ? SSL_write(ssl, data, (int)len) : 0;
    if (n > 0)
        evbuffer_drain(s->pending, (size_t)n);
    else
        ERR_clear_error();  /* a failure is the bufferevent's to see again */
}

static void on_flush(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct session *s = arg;
    write_through(s);
    if (evbuffer_get_length(s->pending))
        bufferevent_write_buffer(s->bev, s->pending);
}

static void send_buffer(struct session *s, const msgpack_sbuffer *b)
{
    if (s->gone)
        return;
    if (unsent(s) + b->size > OUT_MOST) {
        end_session(s, "the client does not read its replies");
        return;
    }
    write_out(s, b->data, b->size);
    if (unsent(s) > OUT_PAUSE)
        bufferevent_disable(s->bev, EV_READ);
}

void lo_session_hold(struct session *s)
{
    s->refs++;
}

void lo_session_release(struct session *s)
{
    release(s);
}

/* Notifications are made whether or not the client reads: past
 * OUT_PAUSE bytes unread the session ends rather than buffer more. */
bool lo_session_notify(struct session *s, const msgpack_sbuffer *b)
{
    if (s->gone)
        return false;
    if (unsent(s) + b->size > OUT_PAUSE) {
        end_session(s, "the client does not read its notifications");
        return false;
    }
    write_out(s, b->data, b->size);
    return true;
}

/* The replies drained below OUT_RESUME: read requests again. */
static void on_drained(struct bufferevent *bev, void *arg)
{
    (void)arg;
    if (evbuffer_get_length(bufferevent_get_output(bev)) <= OUT_RESUME)
        bufferevent_enable(bev, EV_READ);
}

/* A reply packed on the loop: reply_open, pack into r.pk, reply_send. */
struct reply {
    msgpack_sbuffer b;
    msgpack_packer pk;
};

static void reply_open(struct reply *r)
{
    msgpack_sbuffer_init(&r->b);
    msgpack_packer_init(&r->pk, &r->b, msgpack_sbuffer_write);
}

static void reply_send(struct session *s, struct reply *r)
{
    send_buffer(s, &r->b);
    msgpack_sbuffer_destroy(&r->b);
}

static void send_error(struct session *s, uint64_t msgid, const char *type,
                       const char *message)
{
    struct reply r;
    reply_open(&r);
    lo_rpc_pack_error(&r.pk, msgid, type, message, "");
    reply_send(s, &r);
}

/* ---- methods answered on the loop ---- */

static void hello(struct session *s, uint64_t msgid)
{
    struct reply r;
    reply_open(&r);
    lo_rpc_pack_result_head(&r.pk, msgid);
    msgpack_pack_map(&r.pk, 4);
    lo_rpc_pack_string(&r.pk, "server");
    lo_rpc_pack_string(&r.pk, "lispos");
    lo_rpc_pack_string(&r.pk, "version");
    lo_rpc_pack_string(&r.pk, lo_lisp_release());
    lo_rpc_pack_string(&r.pk, "protocol");
    msgpack_pack_int(&r.pk, PROTOCOL_VERSION);
    lo_rpc_pack_string(&r.pk, "auth");
    msgpack_pack_array(&r.pk, 2);
    lo_rpc_pack_string(&r.pk, "password");
    lo_rpc_pack_string(&r.pk, "ed25519");
    reply_send(s, &r);
}

/* Back on the loop: the reply written, the session told. */
/* How many of the open connections are logged in as user. */
static unsigned sessions_of(const struct lo_server *srv, const char *user)
{
    unsigned n = 0;
    for (const struct session *x = srv->connected; x; x = x->next)
        n += !strcmp(x->user, user);
    return n;
}

/* A login's answer back on the loop: the session runs as the user from
 * now on, unless the user has as many connections as allowed. */
static void login_done(struct session *s, struct request *r)
{
    s->login_pending = false;
    bool accepted = r->logged_in;
    if (accepted && sessions_of(s->srv, r->user) >= s->srv->max_per_user) {
        accepted = false;
        msgpack_sbuffer_clear(&r->reply);
        msgpack_packer pk;
        msgpack_packer_init(&pk, &r->reply, msgpack_sbuffer_write);
        char message[128];
        snprintf(message, sizeof message, "%s has %u connections already: "
                 "close one first", r->user, s->srv->max_per_user);
        lo_rpc_pack_error(&pk, r->msgid, "TOO-MANY-CONNECTIONS", message, "");
    }
    if (accepted && !s->gone) {
        memcpy(s->user, r->user, sizeof s->user);
        if (s->deadline)
            evtimer_del(s->deadline);
        struct timeval t = { (time_t)s->srv->idle_seconds, 0 };
        bufferevent_set_timeouts(s->bev, &t, NULL);
    }
    if (r->logged_in)           /* the right credentials, whatever came of it */
        lo_throttle_succeeded(r->user, s->address);
    else if (!r->unanswerable)
        lo_throttle_failed(r->user, s->address, now_ns());
    lo_log(r->unanswerable ? LO_LOG_ERROR : LO_LOG_INFO, "%s: login %s %s",
           s->peer, r->user,
           accepted ? "accepted" : r->logged_in ? "refused: too many "
           "connections" : r->unanswerable ? "not checked: the accounts "
           "cannot be read" : "refused");
}

static void request_done(struct lo_job *job)
{
    struct request *r = (struct request *)job;
    struct session *s = r->s;
    s->in_flight--;
    if (r->job.run == lo_run_login || r->job.run == lo_run_login_key)
        login_done(s, r);
    if (r->job.run == lo_run_watch_start)
        lo_watch_started(r->watch, r->watching && !r->job.cancelled);
    if (r->job.cancelled)
        send_error(s, r->msgid, "CANCELLED", "the request was cancelled");
    else
        send_buffer(s, &r->reply);
    if (r->reply.data)
        msgpack_sbuffer_destroy(&r->reply);
    explicit_bzero(r->text, r->text_len);      /* a password, maybe */
    free(r->text);
    free(r->params);
    free(r);
    release(s);
}

/* A request for the pool, its text copied and NUL-terminated: NULL (the
 * error sent) when there is no memory.  Its other fields are set by the
 * caller, which then starts it. */
static struct request *new_request(struct session *s, uint64_t msgid,
                                   void (*run)(lo_lisp *, struct lo_job *),
                                   const char *user, const char *text,
                                   size_t text_len)
{
    struct request *r = calloc(1, sizeof *r);
    char *copy = malloc(text_len + 1);
    if (!r || !copy) {
        free(r);
        free(copy);
        send_error(s, msgid, "SERVER-ERROR", "out of memory");
        return NULL;
    }
    memcpy(copy, text, text_len);
    copy[text_len] = 0;
    r->job.run = run;
    r->job.done = request_done;
    r->s = s;
    r->msgid = msgid;
    snprintf(r->user, sizeof r->user, "%s", user);
    r->text = copy;
    r->text_len = text_len;
    r->store = s->srv->store;
    r->srv = s->srv;
    r->handles = s->handles;
    r->limit = r->offset = -1;
    return r;
}

static void start_request(struct session *s, struct request *r)
{
    s->refs++;
    s->in_flight++;
    lo_pool_submit(s->srv->pool, &r->job);
}

static void submit(struct session *s, uint64_t msgid,
                   void (*run)(lo_lisp *, struct lo_job *), const char *user,
                   const char *text, size_t text_len)
{
    struct request *r = new_request(s, msgid, run, user, text, text_len);
    if (r)
        start_request(s, r);
}

/* len bytes copied into r->params: false, the error sent and r freed,
 * when there is no memory. */
static bool keep_bytes(struct session *s, struct request *r, const void *p,
                       size_t len)
{
    if (!(r->params = malloc(len))) {
        send_error(s, r->msgid, "SERVER-ERROR", "out of memory");
        free(r->text);
        free(r);
        return false;
    }
    memcpy(r->params, p, len);
    r->params_len = len;
    return true;
}

/* o packed again into r->params (the job outlives the message): false,
 * the error sent and r freed, when there is no memory. */
static bool keep_params(struct session *s, struct request *r,
                        const msgpack_object *o)
{
    msgpack_sbuffer b;
    msgpack_sbuffer_init(&b);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &b, msgpack_sbuffer_write);
    if (msgpack_pack_object(&pk, *o) != 0 || !b.data) {
        msgpack_sbuffer_destroy(&b);
        send_error(s, r->msgid, "SERVER-ERROR", "out of memory");
        free(r->text);
        free(r);
        return false;
    }
    r->params_len = b.size;
    r->params = msgpack_sbuffer_release(&b);
    return true;
}

/* ---- dispatch ---- */

static bool good_user_name(const char *name, uint32_t len)
{
    if (len == 0 || len > USER_NAME_MOST)
        return false;
    for (uint32_t i = 0; i < len; i++)
        if ((unsigned char)name[i] <= ' ' || name[i] == 0x7f ||
            name[i] == ':')
            return false;
    return true;
}

/* The start of login and login-key: the user's name from params[0] into
 * name; false (the error sent) when the session is logged in, the name
 * is malformed or the user or address must wait. */
static bool login_name(struct session *s, const struct lo_rpc_call *call,
                       char name[USER_NAME_MOST + 1])
{
    const char *user;
    uint32_t user_len;
    if (*s->user || s->login_pending) {
        send_error(s, call->msgid, "PROTOCOL-ERROR", "already logged in");
        return false;
    }
    if (!lo_rpc_string_arg(call, 0, &user, &user_len)) {
        send_error(s, call->msgid, "ARGUMENT-ERROR",
                   "the first parameter is the user's name, a string");
        return false;
    }
    if (!good_user_name(user, user_len)) {
        send_error(s, call->msgid, "LOGIN-FAILED",
                   "no such user, or the wrong password");
        return false;
    }
    memcpy(name, user, user_len);
    name[user_len] = 0;
    unsigned wait = lo_throttle_wait(name, s->address, now_ns());
    if (wait) {
        char message[128];
        snprintf(message, sizeof message, "too many failed logins for this "
                 "user or address: try again in %u s", wait);
        send_error(s, call->msgid, "LOGIN-THROTTLED", message);
        return false;
    }
    return true;
}

static void login(struct session *s, const struct lo_rpc_call *call)
{
    const char *password;
    uint32_t password_len;
    char name[USER_NAME_MOST + 1];
    if (!lo_rpc_string_arg(call, 1, &password, &password_len) ||
        call->params->via.array.size != 2) {
        send_error(s, call->msgid, "ARGUMENT-ERROR",
                   "login takes [user, password], two strings");
        return;
    }
    if (!login_name(s, call, name))
        return;
    s->login_pending = true;
    submit(s, call->msgid, lo_run_login, name, password, password_len);
}

/* login-key [user]: a challenge, 32 random bytes, for this connection
 * and user (whether or not the user exists: the answer says nothing).
 * login-key [user, signature]: the challenge's signature checked, once. */
static void login_key(struct session *s, const struct lo_rpc_call *call)
{
    const msgpack_object_array *a = &call->params->via.array;
    char name[USER_NAME_MOST + 1];
    if (a->size < 1 || a->size > 2 ||
        (a->size == 2 && (a->ptr[1].type != MSGPACK_OBJECT_BIN ||
                          a->ptr[1].via.bin.size != LO_SIGNATURE_BYTES))) {
        send_error(s, call->msgid, "ARGUMENT-ERROR", "login-key takes [user] "
                   "for a challenge, then [user, signature], the signature "
                   "64 bytes (bin)");
        return;
    }
    if (!login_name(s, call, name))
        return;
    if (a->size == 1) {
        randombytes_buf(s->challenge, sizeof s->challenge);
        memcpy(s->challenge_user, name, sizeof name);
        struct reply r;
        reply_open(&r);
        lo_rpc_pack_result_head(&r.pk, call->msgid);
        msgpack_pack_map(&r.pk, 1);
        lo_rpc_pack_string(&r.pk, "challenge");
        msgpack_pack_bin(&r.pk, sizeof s->challenge);
        msgpack_pack_bin_body(&r.pk, s->challenge, sizeof s->challenge);
        reply_send(s, &r);
        return;
    }
    /* what the client signed: the protocol's words, user, challenge */
    char signed_text[sizeof LO_LOGIN_KEY_CONTEXT + USER_NAME_MOST + 1 + 32];
    size_t n = sizeof LO_LOGIN_KEY_CONTEXT, u = strlen(name);
    bool asked = *s->challenge_user && !strcmp(s->challenge_user, name);
    memcpy(signed_text, LO_LOGIN_KEY_CONTEXT, n);     /* with its NUL */
    memcpy(signed_text + n, name, u + 1);
    memcpy(signed_text + n + u + 1, s->challenge, sizeof s->challenge);
    *s->challenge_user = 0;                 /* a challenge serves once */
    if (!asked) {
        send_error(s, call->msgid, "PROTOCOL-ERROR", "login-key [user] first: "
                   "the signature is of the challenge it answers");
        return;
    }
    struct request *r = new_request(s, call->msgid, lo_run_login_key, name,
                                    signed_text, n + u + 1 + 32);
    if (!r || !keep_bytes(s, r, a->ptr[1].via.bin.ptr, LO_SIGNATURE_BYTES))
        return;
    s->login_pending = true;
    start_request(s, r);
}

/* eval [source] or [source, args]. */
static void eval(struct session *s, const struct lo_rpc_call *call)
{
    const char *text;
    uint32_t len, n = call->params->via.array.size;
    const msgpack_object *args = n == 2 ? &call->params->via.array.ptr[1]
                                        : NULL;
    if (!lo_rpc_string_arg(call, 0, &text, &len) || n < 1 || n > 2 ||
        (args && (args->type != MSGPACK_OBJECT_ARRAY ||
                  args->via.array.size > EVAL_ARGS_MOST))) {
        send_error(s, call->msgid, "ARGUMENT-ERROR",
                   "eval takes [source], a string of Lisp forms, or [source, "
                   "args], args an array of at most 64 values");
        return;
    }
    struct request *r = new_request(s, call->msgid, lo_run_eval, s->user, text,
                                    len);
    if (r && (!args || keep_params(s, r, args)))
        start_request(s, r);
}

/* store.query's options {"order-by": KEY, "descending": bool, "limit": n,
 * "offset": n, "summary": bool} into r's fields; false (with why) when one
 * is wrong. */
static bool query_options(const msgpack_object *o, struct request *r,
                          const char **why)
{
    *why = "store.query's options are a map: order-by (a key's name), "
           "descending (a boolean), limit and offset (integers >= 0), "
           "summary (a boolean)";
    if (o->type != MSGPACK_OBJECT_MAP)
        return false;
    for (uint32_t i = 0; i < o->via.map.size; i++) {
        const msgpack_object *k = &o->via.map.ptr[i].key;
        const msgpack_object *v = &o->via.map.ptr[i].val;
        if (k->type != MSGPACK_OBJECT_STR)
            return false;
        struct rpc_name { const char *p; uint32_t n; } name = {
            k->via.str.ptr, k->via.str.size };
#define IS(s) (name.n == sizeof s - 1 && !memcmp(name.p, s, name.n))
        if (IS("order-by") && v->type == MSGPACK_OBJECT_STR &&
            v->via.str.size >= 1 && v->via.str.size < sizeof r->key) {
            for (uint32_t j = 0; j < v->via.str.size; j++) {
                char c = v->via.str.ptr[j];
                r->key[j] = c >= 'a' && c <= 'z' ? (char)(c - 32) : c;
            }
            r->key[v->via.str.size] = 0;
        } else if (IS("descending") && v->type == MSGPACK_OBJECT_BOOLEAN) {
            r->descending = v->via.boolean;
        } else if (IS("summary") && v->type == MSGPACK_OBJECT_BOOLEAN) {
            r->summary = v->via.boolean;
        } else if ((IS("limit") || IS("offset")) &&
                   v->type == MSGPACK_OBJECT_POSITIVE_INTEGER &&
                   v->via.u64 < ((uint64_t)1 << 60)) {
            *(IS("limit") ? &r->limit : &r->offset) = (int64_t)v->via.u64;
        } else {
            return false;
        }
#undef IS
    }
    return true;
}

/* store.count [filter] and store.query [filter, options?]: the filter is
 * the text of one Lisp form, read (never evaluated) in the user's
 * environment. */
static void store_method(struct session *s, const struct lo_rpc_call *call,
                         bool query)
{
    const char *text, *why = NULL;
    uint32_t len, n = call->params->via.array.size;
    if (!lo_rpc_string_arg(call, 0, &text, &len) || n < 1 ||
        n > (query ? 2u : 1u)) {
        send_error(s, call->msgid, "ARGUMENT-ERROR", query
                   ? "store.query takes [filter] or [filter, options], the "
                     "filter the text of a Lisp form"
                   : "store.count takes [filter], the text of a Lisp form");
        return;
    }
    struct request *r = new_request(s, call->msgid, query ? lo_run_store_query
                                                          : lo_run_store_count,
                                    s->user, text, len);
    if (!r)
        return;
    if (n == 2 && !query_options(&call->params->via.array.ptr[1], r, &why)) {
        send_error(s, call->msgid, "ARGUMENT-ERROR", why);
        free(r->text);
        free(r);
        return;
    }
    start_request(s, r);
}

/* store.get [id] answered here when it can be (direct.h): only when
 * nothing of the session is in flight, so that it never overtakes a
 * request sent before it.  False when a worker must answer (wire.c, as
 * every other store method), or say what is wrong with the params. */
static bool direct_get(struct session *s, const struct lo_rpc_call *call)
{
    if (call->params->via.array.size != 1)
        return false;
    const msgpack_object *id = &call->params->via.array.ptr[0];
    if (s->in_flight || id->type != MSGPACK_OBJECT_POSITIVE_INTEGER ||
        id->via.u64 > INT64_MAX)
        return false;
    msgpack_sbuffer *b = &s->srv->direct_reply;     /* reused: no malloc */
    b->size = 0;
    if (!lo_direct_get(s->srv->loop_lisp, &s->srv->loop_inside, s->user,
                       call->msgid, (int64_t)id->via.u64, b))
        return false;
    atomic_fetch_add_explicit(&s->srv->direct, 1, memory_order_relaxed);
    send_buffer(s, b);
    return true;
}

/* store.put ... acl.revoke: params checked for their number here, for
 * their values on the worker (wire.c). */
static void wire_method(struct session *s, const struct lo_rpc_call *call,
                        const struct lo_wire_method *m)
{
    uint32_t n = call->params->via.array.size;
    if (n < m->least || n > m->most) {
        char message[160];
        snprintf(message, sizeof message, "%s takes %s", m->name, m->usage);
        send_error(s, call->msgid, "ARGUMENT-ERROR", message);
        return;
    }
    struct request *r = new_request(s, call->msgid, lo_run_wire_method,
                                    s->user, "", 0);
    if (!r || !keep_params(s, r, call->params))
        return;
    r->wire = m;
    r->system = m->system;
    start_request(s, r);
}

/* store.watch [filter]: the watch is registered at once (no change made
 * while it starts is missed), its members found on a worker. */
static void watch(struct session *s, const struct lo_rpc_call *call)
{
    const char *text;
    uint32_t len;
    if (!lo_rpc_string_arg(call, 0, &text, &len) ||
        call->params->via.array.size != 1) {
        send_error(s, call->msgid, "ARGUMENT-ERROR",
                   "store.watch takes [filter], the text of a Lisp form");
        return;
    }
    struct request *r = new_request(s, call->msgid, lo_run_watch_start, s->user,
                                    text, len);
    if (!r)
        return;
    if (!(r->watch = lo_watch_new(s->srv->watches, s, s->user, s->handles))) {
        send_error(s, call->msgid, "TOO-MANY-REQUESTS",
                   "a connection may watch at most 64 queries at once");
        free(r->text);
        free(r);
        return;
    }
    start_request(s, r);
}

static void unwatch(struct session *s, const struct lo_rpc_call *call)
{
    const msgpack_object_array *a = &call->params->via.array;
    if (a->size != 1 || a->ptr[0].type != MSGPACK_OBJECT_POSITIVE_INTEGER) {
        send_error(s, call->msgid, "ARGUMENT-ERROR",
                   "store.unwatch takes [watch], a watch's id");
        return;
    }
    if (!lo_watch_stop(s->srv->watches, s, a->ptr[0].via.u64)) {
        send_error(s, call->msgid, "ARGUMENT-ERROR",
                   "no such watch on this connection");
        return;
    }
    struct reply re;
    reply_open(&re);
    lo_rpc_pack_result_head(&re.pk, call->msgid);
    msgpack_pack_true(&re.pk);
    reply_send(s, &re);
}

/* The administrator's methods on accounts: [name] or [name, password]. */
static void account_method(struct session *s, const struct lo_rpc_call *call,
                           void (*run)(lo_lisp *, struct lo_job *),
                           bool with_password)
{
    const char *user, *password = "";
    uint32_t user_len, password_len = 0;
    uint32_t want = with_password ? 2 : 1;
    if (call->params->via.array.size != want ||
        !lo_rpc_string_arg(call, 0, &user, &user_len) ||
        (with_password &&
         !lo_rpc_string_arg(call, 1, &password, &password_len))) {
        send_error(s, call->msgid, "ARGUMENT-ERROR", with_password
                   ? "takes [user, password], two strings"
                   : "takes [user], a string");
        return;
    }
    if (!good_user_name(user, user_len)) {
        send_error(s, call->msgid, "ARGUMENT-ERROR", "a user name is 1 to "
                   "55 printable characters without blanks");
        return;
    }
    if (with_password && password_len == 0) {
        send_error(s, call->msgid, "ARGUMENT-ERROR", "an empty password");
        return;
    }
    char name[USER_NAME_MOST + 1];
    memcpy(name, user, user_len);
    name[user_len] = 0;
    if (run == lo_run_user_delete && !strcmp(name, ADMINISTRATOR)) {
        send_error(s, call->msgid, "ARGUMENT-ERROR",
                   "the administrator cannot be deleted");
        return;
    }
    submit(s, call->msgid, run, name, password, password_len);
}

/* admin.sessions []: every open connection, newest first. */
static void list_sessions(struct session *s, uint64_t msgid)
{
    struct reply r;
    reply_open(&r);
    msgpack_packer *pk = &r.pk;
    lo_rpc_pack_result_head(pk, msgid);
    size_t n = 0;
    for (struct session *x = s->srv->connected; x; x = x->next)
        n++;
    msgpack_pack_array(pk, n);
    uint64_t now = now_ns();
    for (struct session *x = s->srv->connected; x; x = x->next) {
        msgpack_pack_map(pk, 5);
        lo_rpc_pack_string(pk, "id");
        msgpack_pack_uint64(pk, x->id);
        lo_rpc_pack_string(pk, "user");
        if (*x->user)
            lo_rpc_pack_string(pk, x->user);
        else
            msgpack_pack_nil(pk);
        lo_rpc_pack_string(pk, "peer");
        lo_rpc_pack_string(pk, x->peer);
        lo_rpc_pack_string(pk, "in-flight");
        msgpack_pack_unsigned_int(pk, x->in_flight);
        lo_rpc_pack_string(pk, "seconds");
        msgpack_pack_uint64(pk, (now - x->since) / 1000000000);
    }
    reply_send(s, &r);
}

/* admin.session-kill [id]: that connection ends (its requests in flight
 * finish unanswered). */
static void kill_session(struct session *s, const struct lo_rpc_call *call)
{
    const msgpack_object_array *a = &call->params->via.array;
    if (a->size != 1 || a->ptr[0].type != MSGPACK_OBJECT_POSITIVE_INTEGER) {
        send_error(s, call->msgid, "ARGUMENT-ERROR",
                   "admin.session-kill takes [id], a session's id");
        return;
    }
    struct session *x = s->srv->connected;
    while (x && x->id != a->ptr[0].via.u64)
        x = x->next;
    if (!x) {
        send_error(s, call->msgid, "ARGUMENT-ERROR", "no such session");
        return;
    }
    struct reply r;
    reply_open(&r);
    lo_rpc_pack_result_head(&r.pk, call->msgid);
    msgpack_pack_true(&r.pk);
    reply_send(s, &r);                  /* answered first: x may be s */
    end_session(x, "killed by the administrator");
}

/* An Ed25519 public key sent as 32 bytes (bin) or as OpenSSH writes it
 * ("ssh-ed25519 AAAAC3Nza... comment") into key, and its fingerprint as
 * ssh-keygen -l shows it ("SHA256:..."): false when it is neither. */
static bool public_key(const msgpack_object *o, uint8_t key[LO_KEY_BYTES],
                       char fingerprint[64])
{
    static const char type[] = "ssh-ed25519";
    enum { TYPE_LEN = sizeof type - 1 };
    uint8_t blob[4 + TYPE_LEN + 4 + LO_KEY_BYTES];
    const uint8_t type_head[4] = { 0, 0, 0, TYPE_LEN };
    const uint8_t key_head[4] = { 0, 0, 0, LO_KEY_BYTES };
    if (o->type == MSGPACK_OBJECT_BIN && o->via.bin.size == LO_KEY_BYTES) {
        memcpy(key, o->via.bin.ptr, LO_KEY_BYTES);
    } else if (o->type == MSGPACK_OBJECT_STR) {
        const char *p = o->via.str.ptr, *end = p + o->via.str.size;
        if ((size_t)(end - p) <= TYPE_LEN || memcmp(p, type, TYPE_LEN) ||
            p[TYPE_LEN] != ' ')
            return false;
        const char *b64 = p + TYPE_LEN + 1;
        const char *stop = memchr(b64, ' ', (size_t)(end - b64));
        size_t got = 0;
        if (sodium_base642bin(blob, sizeof blob, b64,
                              (size_t)((stop ? stop : end) - b64), "\n", &got,
                              NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
            got != sizeof blob || memcmp(blob, type_head, 4) ||
            memcmp(blob + 4, type, TYPE_LEN) ||
            memcmp(blob + 4 + TYPE_LEN, key_head, 4))
            return false;
        memcpy(key, blob + sizeof blob - LO_KEY_BYTES, LO_KEY_BYTES);
    } else {
        return false;
    }
    memcpy(blob, type_head, 4);
    memcpy(blob + 4, type, TYPE_LEN);
    memcpy(blob + 4 + TYPE_LEN, key_head, 4);
    memcpy(blob + sizeof blob - LO_KEY_BYTES, key, LO_KEY_BYTES);
    uint8_t digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, blob, sizeof blob);
    memcpy(fingerprint, "SHA256:", 7);
    sodium_bin2base64(fingerprint + 7, 64 - 7, digest, sizeof digest,
                      sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
    return true;
}

/* The user name params[0] of an administrator's method into name: false
 * (the error sent) when it is none. */
static bool user_arg(struct session *s, const struct lo_rpc_call *call,
                     char name[USER_NAME_MOST + 1])
{
    const char *user;
    uint32_t len;
    if (!lo_rpc_string_arg(call, 0, &user, &len) ||
        !good_user_name(user, len)) {
        send_error(s, call->msgid, "ARGUMENT-ERROR", "the first parameter is "
                   "a user's name: 1 to 55 printable characters without "
                   "blanks or colons");
        return false;
    }
    memcpy(name, user, len);
    name[len] = 0;
    return true;
}

/* admin.key-add and admin.key-remove [user, key]. */
static void key_method(struct session *s, const struct lo_rpc_call *call,
                       bool adding)
{
    char name[USER_NAME_MOST + 1], fingerprint[64];
    uint8_t key[LO_KEY_BYTES];
    if (call->params->via.array.size != 2) {
        send_error(s, call->msgid, "ARGUMENT-ERROR", "takes [user, key]");
        return;
    }
    if (!user_arg(s, call, name))
        return;
    if (!public_key(&call->params->via.array.ptr[1], key, fingerprint)) {
        send_error(s, call->msgid, "ARGUMENT-ERROR", "a key is an Ed25519 "
                   "public key: 32 bytes (bin), or the text of an OpenSSH "
                   "public key file (ssh-ed25519 AAAA...)");
        return;
    }
    struct request *r = new_request(s, call->msgid, lo_run_key_change, name,
                                    fingerprint, strlen(fingerprint));
    if (!r || !keep_bytes(s, r, key, sizeof key))
        return;
    r->adding = adding;
    start_request(s, r);
}

/* admin.install [source]: evaluated in the system environment. */
static void install(struct session *s, const struct lo_rpc_call *call)
{
    const char *text;
    uint32_t len;
    if (call->params->via.array.size != 1 ||
        !lo_rpc_string_arg(call, 0, &text, &len)) {
        send_error(s, call->msgid, "ARGUMENT-ERROR",
                   "admin.install takes [source], a string of Lisp forms");
        return;
    }
    struct request *r = new_request(s, call->msgid, lo_run_eval, s->user,
                                    text, len);
    if (r) {
        r->system = true;
        start_request(s, r);
    }
}

/* The administrator's methods beyond accounts and sessions. */
static bool admin_request_more(struct session *s,
                               const struct lo_rpc_call *call)
{
    const struct lo_wire_method *wire = lo_wire_method_named(call, true);
    char name[USER_NAME_MOST + 1];
    struct request *r;
    if (wire) {
        wire_method(s, call, wire);
    } else if (lo_rpc_method_is(call, "admin.key-add")) {
        key_method(s, call, true);
    } else if (lo_rpc_method_is(call, "admin.key-remove")) {
        key_method(s, call, false);
    } else if (lo_rpc_method_is(call, "admin.env-reset")) {
        if (call->params->via.array.size != 1)
            send_error(s, call->msgid, "ARGUMENT-ERROR", "takes [user]");
        else if (user_arg(s, call, name))
            submit(s, call->msgid, lo_run_env_reset, name, "", 0);
    } else if (lo_rpc_method_is(call, "admin.install")) {
        install(s, call);
    } else if (lo_rpc_method_is(call, "admin.snapshot")) {
        submit(s, call->msgid, lo_run_snapshot, s->user, "", 0);
    } else if (lo_rpc_method_is(call, "admin.stats")) {
        if ((r = new_request(s, call->msgid, lo_run_stats, s->user, "", 0))) {
            r->sessions = s->srv->sessions;
            start_request(s, r);
        }
    } else {
        return false;
    }
    return true;
}

/* Methods only the administrator may call; false when it is none. */
static bool admin_request(struct session *s, const struct lo_rpc_call *call)
{
    static const struct {
        const char *name;
        void (*run)(lo_lisp *, struct lo_job *);
        bool with_password;
    } accounts[] = {
        { "admin.user-add", lo_run_user_add, true },
        { "admin.user-passwd", lo_run_user_passwd, true },
        { "admin.user-delete", lo_run_user_delete, false },
    };
    if (call->method_len < 6 || memcmp(call->method, "admin.", 6))
        return false;
    if (strcmp(s->user, ADMINISTRATOR)) {
        send_error(s, call->msgid, "ACCESS-DENIED",
                   "only the administrator may call admin.* methods");
        return true;
    }
    for (size_t i = 0; i < sizeof accounts / sizeof accounts[0]; i++)
        if (lo_rpc_method_is(call, accounts[i].name)) {
            account_method(s, call, accounts[i].run, accounts[i].with_password);
            return true;
        }
    if (lo_rpc_method_is(call, "admin.user-list")) {
        submit(s, call->msgid, lo_run_user_list, "", "", 0);
        return true;
    }
    if (lo_rpc_method_is(call, "admin.sessions")) {
        list_sessions(s, call->msgid);
        return true;
    }
    if (lo_rpc_method_is(call, "admin.session-kill")) {
        kill_session(s, call);
        return true;
    }
    return admin_request_more(s, call);
}

static void request(struct session *s, const struct lo_rpc_call *call)
{
    const struct lo_wire_method *wire;
    atomic_fetch_add(&s->srv->requests, 1);
    if (lo_rpc_method_is(call, "hello")) {
        hello(s, call->msgid);
    } else if (lo_rpc_method_is(call, "login")) {
        login(s, call);
    } else if (lo_rpc_method_is(call, "login-key")) {
        login_key(s, call);
    } else if (!*s->user) {
        send_error(s, call->msgid, "NOT-LOGGED-IN",
                   "only hello, login and login-key before logging in");
    } else if (s->in_flight >= s->srv->max_in_flight) {
        send_error(s, call->msgid, "TOO-MANY-REQUESTS",
                   "too many requests in flight on this connection");
    } else if (lo_rpc_method_is(call, "store.get") && direct_get(s, call)) {
        /* answered by the loop itself (direct.h) */
    } else if (lo_rpc_method_is(call, "eval")) {
        eval(s, call);
    } else if (lo_rpc_method_is(call, "store.count")) {
        store_method(s, call, false);
    } else if (lo_rpc_method_is(call, "store.query")) {
        store_method(s, call, true);
    } else if (lo_rpc_method_is(call, "store.watch")) {
        watch(s, call);
    } else if (lo_rpc_method_is(call, "store.unwatch")) {
        unwatch(s, call);
    } else if ((wire = lo_wire_method_named(call, false))) {
        wire_method(s, call, wire);
    } else if (lo_rpc_method_is(call, "sync")) {
        submit(s, call->msgid, lo_run_sync, s->user, "", 0);
    } else if (admin_request(s, call)) {
        /* answered */
    } else {
        char message[160];
        snprintf(message, sizeof message, "no method \"%.*s\"",
                 (int)(call->method_len < 100 ? call->method_len : 100),
                 call->method);
        send_error(s, call->msgid, "NO-SUCH-METHOD", message);
    }
}

struct cancel_key {
    struct session *s;
    uint64_t msgid;
};

static bool same_request(const struct lo_job *job, void *ctx)
{
    const struct request *r = (const struct request *)job;
    const struct cancel_key *k = ctx;
    return r->s == k->s && r->msgid == k->msgid;
}

/* The notification cancel [msgid]: that request of this session, queued
 * or running, is answered CANCELLED (one already answered, or unknown,
 * is ignored: the notification has no answer). */
static void cancel(struct session *s, const struct lo_rpc_call *call)
{
    const msgpack_object_array *a = &call->params->via.array;
    if (a->size != 1 || a->ptr[0].type != MSGPACK_OBJECT_POSITIVE_INTEGER)
        return;
    struct cancel_key k = { s, a->ptr[0].via.u64 };
    lo_pool_cancel(s->srv->pool, same_request, &k);
}

/* One whole message (frame.c said so): false when the connection must
 * end.  Its objects live in the loop's zone, emptied after each message
 * but keeping its memory (a zone each would cost a malloc and a free). */
static bool message(struct session *s, const uint8_t *bytes, size_t len)
{
    msgpack_zone *zone = &s->srv->message_zone;
    msgpack_object o;
    size_t off = 0;
    bool ok = msgpack_unpack((const char *)bytes, len, &off, zone, &o) ==
                  MSGPACK_UNPACK_SUCCESS && off == len;
    const char *why = "a message msgpack-c cannot read";
    struct lo_rpc_call call;
    if (ok && (ok = lo_rpc_parse(&o, &call, &why))) {
        if (call.kind == LO_RPC_REQUEST)
            request(s, &call);
        else if (lo_rpc_method_is(&call, "cancel") && *s->user)
            cancel(s, &call);
        /* other notifications are tolerated */
    }
    msgpack_zone_clear(zone);
    if (!ok)
        end_session(s, why);
    return ok;
}

/* With read-ahead (tls.c) OpenSSL reads what the socket has, which may
 * be more than the record libevent asked it for; libevent then looks only
 * at the rest of that record (SSL_pending), and the records after it would
 * wait inside OpenSSL until the socket becomes readable again -- maybe
 * never, the client waiting for their replies.  So every read callback,
 * and the end of the handshake, takes them into the input first.  A
 * record not yet whole stays: its rest will make the socket readable. */
static void read_buffered(struct session *s)
{
    SSL *ssl = bufferevent_openssl_get_ssl(s->bev);
    struct evbuffer *in = bufferevent_get_input(s->bev);
    while (ssl && SSL_has_pending(ssl)) {
        struct evbuffer_iovec v;
        if (evbuffer_reserve_space(in, 16384, &v, 1) < 1)
            return;
        int n = SSL_read(ssl, v.iov_base, (int)(v.iov_len < INT_MAX
                                                    ? v.iov_len : INT_MAX));
        if (n <= 0) {       /* not whole yet, or a failure libevent will see */
            ERR_clear_error();
            return;
        }
        v.iov_len = (size_t)n;
        evbuffer_commit_space(in, &v, 1);
    }
}

static void on_read(struct bufferevent *bev, void *arg)
{
    struct session *s = arg;
    struct evbuffer *in = bufferevent_get_input(bev);
    read_buffered(s);
    s->refs++;          /* held while reading: ending it frees nothing yet */
    for (size_t len; !s->gone && (len = evbuffer_get_length(in)) > 0;) {
        const struct lo_frame_limits *lim =
            *s->user ? &s->srv->after_login : &s->srv->before_login;
        size_t take = len < lim->max_bytes ? len : lim->max_bytes;
        const uint8_t *bytes = evbuffer_pullup(in, (ev_ssize_t)take);
        size_t used = 0;
        enum lo_frame_status st = lo_frame_scan(bytes, take, lim, &used);
        if (st == LO_FRAME_PARTIAL)
            break;
        if (st != LO_FRAME_COMPLETE) {
            end_session(s, lo_frame_status_text(st));
            break;
        }
        if (!message(s, bytes, used) || s->gone)
            break;
        evbuffer_drain(in, used);
    }
    /* out of the Lisp again if a store.get stepped in (direct.h): nothing
     * above waits for another thread while inside but on short locks */
    lo_direct_leave(s->srv->loop_lisp, &s->srv->loop_inside);
    release(s);
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
    struct session *s = arg;
    if (what & BEV_EVENT_CONNECTED) {
        /* the handshake is done: the rest of the timeout is for login.
         * The first requests may have come with its last record. */
        read_buffered(s);
        if (evbuffer_get_length(bufferevent_get_input(bev)))
            on_read(bev, s);
        return;
    }
    if (what & BEV_EVENT_TIMEOUT)
        end_session(s, *s->user ? "idle" : "no login in time");
    else if (what & BEV_EVENT_ERROR)
        end_session(s, "TLS or socket error");
    else if (what & BEV_EVENT_EOF)
        end_session(s, "closed by the client");
}

static void peer_text(const struct sockaddr *addr, char *out, size_t len,
                      char address[INET6_ADDRSTRLEN])
{
    char host[INET6_ADDRSTRLEN] = "?";
    int port = 0;
    if (addr->sa_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)addr;
        inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
        port = ntohs(a->sin_port);
    } else if (addr->sa_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)addr;
        inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
        port = ntohs(a->sin6_port);
    }
    snprintf(out, len, "%s:%d", host, port);
    memcpy(address, host, sizeof host);
}

/* The login deadline: a client that has not logged in by then goes, even
 * if it keeps sending (a read timeout alone would let it stay). */
static void on_deadline(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct session *s = arg;
    if (!*s->user)
        end_session(s, "no login in time");
}

/* The TLS session of a connection whose first byte says it speaks TLS. */
static void start_tls(struct lo_server *srv, evutil_socket_t fd,
                      const char *peer, const char *address)
{
    SSL *ssl = SSL_new(srv->tls);
    struct session *s = calloc(1, sizeof *s);
    struct bufferevent *bev = ssl && s ? bufferevent_openssl_socket_new(
        srv->base, fd, ssl, BUFFEREVENT_SSL_ACCEPTING,
        BEV_OPT_CLOSE_ON_FREE) : NULL;
    if (bev) {
        s->pending = evbuffer_new();
        s->flush = event_new(srv->base, -1, 0, on_flush, s);
    }
    if (!bev || !s->pending || !s->flush) {
        if (bev)
            bufferevent_free(bev);          /* the SSL and the socket too */
        else if (ssl)
            SSL_free(ssl);
        if (!bev)
            evutil_closesocket(fd);
        if (s && s->pending)
            evbuffer_free(s->pending);
        if (s && s->flush)
            event_free(s->flush);
        free(s);
        return;
    }
    s->srv = srv;
    s->bev = bev;
    s->refs = 1;
    s->handles = lo_handles_new(LO_HANDLES_MOST);
    snprintf(s->peer, sizeof s->peer, "%s", peer);
    snprintf(s->address, sizeof s->address, "%s", address);
    srv->sessions++;
    s->id = ++srv->next_session_id;
    s->since = now_ns();
    s->next = srv->connected;
    if (s->next)
        s->next->prev = s;
    srv->connected = s;
    lo_log(LO_LOG_INFO, "%s: connected", peer);
    bufferevent_setcb(bev, on_read, on_drained, on_event, s);
    bufferevent_setwatermark(bev, EV_WRITE, OUT_RESUME, 0);
    /* read no further ahead than a message can be */
    bufferevent_setwatermark(bev, EV_READ, 0,
                             srv->after_login.max_bytes + 4096);
    struct timeval t = { (time_t)srv->handshake_seconds, 0 };
    bufferevent_set_timeouts(bev, &t, NULL);
    s->deadline = evtimer_new(srv->base, on_deadline, s);
    if (s->deadline)
        evtimer_add(s->deadline, &t);
    bufferevent_enable(bev, EV_READ | EV_WRITE);
}

/* A connection not yet known to speak TLS: its first byte is looked at
 * (not taken) before OpenSSL sees it, so that plaintext -- a
 * MessagePack request sent without TLS, an HTTP request -- is refused at
 * once instead of leaving OpenSSL waiting for a record that never
 * comes. */
struct pending {
    struct lo_server *srv;
    struct event *ev;
    char peer[64];
    char address[INET6_ADDRSTRLEN];
};

enum { TLS_HANDSHAKE_RECORD = 0x16 };

static void on_first_byte(evutil_socket_t fd, short what, void *arg)
{
    struct pending *p = arg;
    unsigned char first = 0;
    ssize_t n = what & EV_READ ? recv(fd, &first, 1, MSG_PEEK) : -1;
    const char *why = NULL;
    if (what & EV_TIMEOUT)
        why = "no TLS handshake in time";
    else if (n <= 0)
        why = "closed before its handshake";
    else if (first != TLS_HANDSHAKE_RECORD)
        why = "refused: not TLS (plaintext?)";
    event_free(p->ev);
    if (why) {
        lo_log(LO_LOG_INFO, "%s: %s", p->peer, why);
        evutil_closesocket(fd);
    } else {
        start_tls(p->srv, fd, p->peer, p->address);
    }
    free(p);
}

void lo_sessions_close(struct lo_server *srv)
{
    while (srv->connected)
        end_session(srv->connected, "the server is stopping");
}

void lo_session_accept(struct lo_server *srv, evutil_socket_t fd,
                       const struct sockaddr *addr, int addr_len)
{
    (void)addr_len;
    /* replies go out as soon as they are written: Nagle's wait for an
     * ACK the client delays would cost a pipelining client 40 ms */
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct pending *p = calloc(1, sizeof *p);
    if (p)
        peer_text(addr, p->peer, sizeof p->peer, p->address);
    if (p && srv->sessions >= srv->max_sessions)
        lo_log(LO_LOG_WARN, "%s: refused: %u connections already",
                p->peer, srv->sessions);
    if (!p || srv->sessions >= srv->max_sessions ||
        !(p->ev = event_new(srv->base, fd, EV_READ, on_first_byte, p))) {
        free(p);
        evutil_closesocket(fd);
        return;
    }
    p->srv = srv;
    struct timeval t = { (time_t)srv->handshake_seconds, 0 };
    event_add(p->ev, &t);
}
