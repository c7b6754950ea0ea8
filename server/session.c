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
#include <sys/socket.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ckpt/ckpt.h"
#include "lisp/api.h"
#include "proto/rpc.h"
#include "server/accounts.h"
#include "server/server.h"
#include "server/throttle.h"
#include "server/handles.h"
#include "server/values.h"
#include "server/watch.h"
#include "server/wire.h"

enum { PROTOCOL_VERSION = 1, USER_NAME_MOST = 55 };
#define ADMINISTRATOR "admin"

struct session {
    struct lo_server *srv;
    struct session *prev, *next;    /* in srv->connected while open */
    uint64_t id;                /* for admin.sessions, session-kill */
    uint64_t since;             /* when it connected (ns, monotonic) */
    struct bufferevent *bev;
    struct event *deadline;     /* to log in by, whatever it sends */
    char peer[64];              /* address:port, for the logs */
    char address[INET6_ADDRSTRLEN];     /* for the login throttle */
    char user[USER_NAME_MOST + 1];      /* "" until logged in */
    struct lo_handles *handles; /* the objects its client holds */
    bool login_pending;
    bool gone;                  /* the connection ended: replies dropped */
    unsigned in_flight;
    int refs;
};

/* A request handed to a worker, and its reply packed there. */
struct request {
    struct lo_job job;
    struct session *s;
    uint64_t msgid;
    char user[USER_NAME_MOST + 1];
    char *text;                 /* eval's source, a password */
    size_t text_len;
    char *params;               /* the params as sent (MessagePack), for */
    size_t params_len;          /* a wire method or eval's arguments */
    const struct lo_wire_method *wire;
    struct lo_handles *handles; /* the session's */
    struct lo_watch *watch;     /* store.watch's */
    lo_ckpt *store;             /* for sync */
    char key[USER_NAME_MOST + 10];  /* store.query's order-by ("" none) */
    bool descending;
    int64_t limit, offset;      /* store.query's, -1 when not given */
    bool logged_in;             /* login's answer */
    bool watching;              /* store.watch's */
    msgpack_sbuffer reply;
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
    fprintf(stderr, "lispos-server: %s%s%s: connection closed: %s\n",
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

static void send_buffer(struct session *s, const msgpack_sbuffer *b)
{
    if (s->gone)
        return;
    struct evbuffer *out = bufferevent_get_output(s->bev);
    if (evbuffer_get_length(out) + b->size > OUT_MOST) {
        end_session(s, "the client does not read its replies");
        return;
    }
    bufferevent_write(s->bev, b->data, b->size);
    if (evbuffer_get_length(out) > OUT_PAUSE)
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
    if (evbuffer_get_length(bufferevent_get_output(s->bev)) + b->size >
        OUT_PAUSE) {
        end_session(s, "the client does not read its notifications");
        return false;
    }
    bufferevent_write(s->bev, b->data, b->size);
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
    msgpack_pack_array(&r.pk, 1);
    lo_rpc_pack_string(&r.pk, "password");
    reply_send(s, &r);
}

/* ---- methods run on a worker ---- */

static void packer_for(struct request *r, msgpack_packer *pk)
{
    msgpack_sbuffer_init(&r->reply);
    msgpack_packer_init(pk, &r->reply, msgpack_sbuffer_write);
}

static void run_login(lo_lisp *W, struct lo_job *job)
{
    struct request *r = (struct request *)job;
    msgpack_packer pk;
    packer_for(r, &pk);
    r->logged_in = lo_accounts_check(W, r->user, r->text, r->text_len);
    if (!r->logged_in) {
        lo_rpc_pack_error(&pk, r->msgid, "LOGIN-FAILED",
                          "no such user, or the wrong password", "");
        return;
    }
    lo_rpc_pack_result_head(&pk, r->msgid);
    msgpack_pack_map(&pk, 1);
    lo_rpc_pack_string(&pk, "user");
    lo_rpc_pack_string(&pk, r->user);
}

/* The work of r runs in its user's environment: false (the error
 * packed) when it cannot be selected. */
static bool as_user(lo_lisp *W, struct request *r, msgpack_packer *pk)
{
    if (lo_lisp_set_user(W, r->user) == LO_OK)
        return true;
    lo_rpc_pack_error(pk, r->msgid, "SERVER-ERROR",
                      "cannot select the user's environment", "");
    return false;
}

/* The error of the Lisp call that just failed on W, as r's reply. */
static void pack_lisp_error(lo_lisp *W, struct request *r, msgpack_packer *pk)
{
    const struct lo_error *e = lo_last_error(W);
    lo_rpc_pack_error(pk, r->msgid, e->type, e->message, e->backtrace);
}

enum { EVAL_VALUES_MOST = 64, EVAL_ARGS_MOST = 64 };

/* eval [source, args]: the source's last value is a function, called on
 * the arguments (values the client sent: handles among them). */
static int call_with_args(lo_lisp *W, struct request *r, msgpack_packer *pk,
                          lo_ref *values)
{
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    size_t off = 0;
    int n = LO_ELISP;
    lo_ref args[EVAL_ARGS_MOST];
    bool read = msgpack_unpack_next(&u, r->params, r->params_len, &off) ==
                    MSGPACK_UNPACK_SUCCESS &&
                u.data.type == MSGPACK_OBJECT_ARRAY;
    uint32_t nargs = read ? u.data.via.array.size : 0;
    if (read && lo_wire_args(W, &u.data, false, r->handles, args, nargs,
                             r->msgid, pk)) {
        lo_ref fn = lo_eval(W, r->text);
        n = fn ? lo_call_values(W, fn, args, nargs, values, EVAL_VALUES_MOST)
               : LO_ELISP;
        if (n < 0)
            pack_lisp_error(W, r, pk);
    }
    msgpack_unpacked_destroy(&u);
    return n;
}

static void run_eval(lo_lisp *W, struct lo_job *job)
{
    struct request *r = (struct request *)job;
    msgpack_packer pk;
    packer_for(r, &pk);
    if (!as_user(W, r, &pk))
        return;
    lo_scope scope = lo_scope_open(W);
    lo_ref values[EVAL_VALUES_MOST];
    int n;
    if (r->params) {
        n = call_with_args(W, r, &pk, values);
    } else {
        n = lo_eval_values(W, r->text, values, EVAL_VALUES_MOST);
        if (n < 0)
            pack_lisp_error(W, r, &pk);
    }
    const char *output;
    size_t output_len = lo_lisp_take_output(W, &output);
    if (n >= 0) {
        struct lo_wire wire = { r->handles, false };
        if (n > EVAL_VALUES_MOST)
            n = EVAL_VALUES_MOST;
        lo_rpc_pack_result_head(&pk, r->msgid);
        msgpack_pack_map(&pk, 2);
        lo_rpc_pack_string(&pk, "values");
        msgpack_pack_array(&pk, (size_t)n);
        for (int i = 0; i < n; i++)
            lo_pack_value(W, &pk, values[i], &wire);
        lo_rpc_pack_string(&pk, "output");
        lo_rpc_pack_text(&pk, output, output_len);
    }
    lo_scope_close(W, scope);
}

/* A store.* call made in the user's environment: `fn` of the system's
 * internal package (store/boot/74-wire.lisp) on args, its value packed
 * as the result, or its error. */
static void run_wire(lo_lisp *W, struct request *r, const char *fn,
                     lo_ref *args, size_t nargs, msgpack_packer *pk)
{
    lo_ref value = lo_call_named(W, "LISPOS-INTERNAL", fn, args, nargs);
    if (!value) {
        pack_lisp_error(W, r, pk);
        return;
    }
    struct lo_wire wire = { r->handles, false };
    lo_rpc_pack_result_head(pk, r->msgid);
    lo_pack_value(W, pk, value, &wire);
}

static void run_store_count(lo_lisp *W, struct lo_job *job)
{
    struct request *r = (struct request *)job;
    msgpack_packer pk;
    packer_for(r, &pk);
    if (!as_user(W, r, &pk))
        return;
    lo_scope scope = lo_scope_open(W);
    lo_ref text = lo_new_string(W, r->text, r->text_len);
    run_wire(W, r, "%WIRE-COUNT", &text, 1, &pk);
    lo_scope_close(W, scope);
}

static void run_store_query(lo_lisp *W, struct lo_job *job)
{
    struct request *r = (struct request *)job;
    msgpack_packer pk;
    packer_for(r, &pk);
    if (!as_user(W, r, &pk))
        return;
    lo_scope scope = lo_scope_open(W);
    lo_ref args[4] = { lo_new_string(W, r->text, r->text_len),
                       lo_new_nil(W), lo_new_nil(W), lo_new_nil(W) };
    if (r->key[0]) {
        lo_ref key = lo_new_symbol(W, "KEYWORD", r->key);
        args[1] = !r->descending ? key : lo_new_list(W, (lo_ref[]){
                      key, lo_new_symbol(W, "KEYWORD", "DESCENDING") }, 2);
    }
    if (r->limit >= 0)
        args[2] = lo_new_integer(W, r->limit);
    if (r->offset >= 0)
        args[3] = lo_new_integer(W, r->offset);
    run_wire(W, r, "%WIRE-QUERY", args, 4, &pk);
    lo_scope_close(W, scope);
}

/* store.put ... acl.revoke (wire.c). */
static void run_wire_method(lo_lisp *W, struct lo_job *job)
{
    struct request *r = (struct request *)job;
    msgpack_packer pk;
    packer_for(r, &pk);
    if (as_user(W, r, &pk))
        lo_wire_call(W, r->wire, r->params, r->params_len, r->handles,
                     r->msgid, &pk);
}

static void run_watch_start(lo_lisp *W, struct lo_job *job)
{
    struct request *r = (struct request *)job;
    msgpack_packer pk;
    packer_for(r, &pk);
    if (as_user(W, r, &pk))
        r->watching = lo_watch_fill(W, r->watch, r->text, r->msgid, &pk);
}

static void run_sync(lo_lisp *W, struct lo_job *job)
{
    (void)W;
    struct request *r = (struct request *)job;
    msgpack_packer pk;
    packer_for(r, &pk);
    if (lo_ckpt_sync(r->store) != LO_OK) {
        lo_rpc_pack_error(&pk, r->msgid, "STORE-FAILED",
                          lo_ckpt_failure(r->store), "");
        return;
    }
    lo_rpc_pack_result_head(&pk, r->msgid);
    msgpack_pack_true(&pk);
}

/* admin.user-add, admin.user-passwd, admin.user-delete: r->user is the
 * user acted on, r->text the new password. */
static void pack_account_status(struct request *r, msgpack_packer *pk,
                                int status)
{
    if (status == LO_OK) {
        lo_rpc_pack_result_head(pk, r->msgid);
        msgpack_pack_true(pk);
    } else if (status == LO_ACCOUNT_EXISTS || status == LO_ACCOUNT_MISSING) {
        char message[128];
        snprintf(message, sizeof message, "the user %s %s", r->user,
                 status == LO_ACCOUNT_EXISTS ? "exists already"
                                             : "does not exist");
        lo_rpc_pack_error(pk, r->msgid, "ARGUMENT-ERROR", message, "");
    } else {
        lo_rpc_pack_error(pk, r->msgid, "SERVER-ERROR",
                          "the accounts could not be changed", "");
    }
}

static void set_password(lo_lisp *W, struct lo_job *job, bool must_exist,
                         bool must_be_new)
{
    struct request *r = (struct request *)job;
    msgpack_packer pk;
    packer_for(r, &pk);
    pack_account_status(r, &pk, lo_accounts_set_password(
                                    W, r->user, r->text, r->text_len,
                                    must_exist, must_be_new));
}

static void run_user_add(lo_lisp *W, struct lo_job *job)
{
    set_password(W, job, false, true);
}

static void run_user_passwd(lo_lisp *W, struct lo_job *job)
{
    set_password(W, job, true, false);
}

static void run_user_delete(lo_lisp *W, struct lo_job *job)
{
    struct request *r = (struct request *)job;
    msgpack_packer pk;
    packer_for(r, &pk);
    pack_account_status(r, &pk, lo_accounts_delete(W, r->user));
}

struct names {
    char **v;
    size_t n, room;
};

static void add_name(const char *user, void *arg)
{
    struct names *names = arg;
    if (names->n == names->room) {
        size_t room = names->room * 2 + 16;
        char **v = realloc(names->v, room * sizeof *v);
        if (!v)
            return;
        names->v = v;
        names->room = room;
    }
    char *copy = strdup(user);
    if (copy)
        names->v[names->n++] = copy;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void run_user_list(lo_lisp *W, struct lo_job *job)
{
    struct request *r = (struct request *)job;
    msgpack_packer pk;
    packer_for(r, &pk);
    struct names names = { NULL, 0, 0 };
    if (lo_accounts_each(W, add_name, &names) != LO_OK) {
        lo_rpc_pack_error(&pk, r->msgid, "SERVER-ERROR",
                          "the accounts could not be read", "");
    } else {
        qsort(names.v, names.n, sizeof *names.v, by_name);
        lo_rpc_pack_result_head(&pk, r->msgid);
        msgpack_pack_array(&pk, names.n);
        for (size_t i = 0; i < names.n; i++)
            lo_rpc_pack_string(&pk, names.v[i]);
    }
    for (size_t i = 0; i < names.n; i++)
        free(names.v[i]);
    free(names.v);
}

/* Back on the loop: the reply written, the session told. */
static void request_done(struct lo_job *job)
{
    struct request *r = (struct request *)job;
    struct session *s = r->s;
    s->in_flight--;
    if (r->job.run == run_login) {
        s->login_pending = false;
        if (r->logged_in && !s->gone) {
            memcpy(s->user, r->user, sizeof s->user);
            if (s->deadline)
                evtimer_del(s->deadline);
            struct timeval t = { (time_t)s->srv->idle_seconds, 0 };
            bufferevent_set_timeouts(s->bev, &t, NULL);
        }
        if (r->logged_in)
            lo_throttle_succeeded(r->user, s->address);
        else
            lo_throttle_failed(r->user, s->address, now_ns());
        fprintf(stderr, "lispos-server: %s: login %s %s\n", s->peer,
                r->user, r->logged_in ? "accepted" : "refused");
    }
    if (r->job.run == run_watch_start)
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
        if ((unsigned char)name[i] <= ' ' || name[i] == 0x7f)
            return false;
    return true;
}

static void login(struct session *s, const struct lo_rpc_call *call)
{
    const char *user, *password;
    uint32_t user_len, password_len;
    if (*s->user || s->login_pending) {
        send_error(s, call->msgid, "PROTOCOL-ERROR", "already logged in");
        return;
    }
    if (!lo_rpc_string_arg(call, 0, &user, &user_len) ||
        !lo_rpc_string_arg(call, 1, &password, &password_len) ||
        call->params->via.array.size != 2) {
        send_error(s, call->msgid, "ARGUMENT-ERROR",
                   "login takes [user, password], two strings");
        return;
    }
    if (!good_user_name(user, user_len)) {
        send_error(s, call->msgid, "LOGIN-FAILED",
                   "no such user, or the wrong password");
        return;
    }
    char name[USER_NAME_MOST + 1];
    memcpy(name, user, user_len);
    name[user_len] = 0;
    unsigned wait = lo_throttle_wait(name, s->address, now_ns());
    if (wait) {
        char message[128];
        snprintf(message, sizeof message, "too many failed logins for this "
                 "user or address: try again in %u s", wait);
        send_error(s, call->msgid, "LOGIN-THROTTLED", message);
        return;
    }
    s->login_pending = true;
    submit(s, call->msgid, run_login, name, password, password_len);
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
    struct request *r = new_request(s, call->msgid, run_eval, s->user, text,
                                    len);
    if (r && (!args || keep_params(s, r, args)))
        start_request(s, r);
}

/* store.query's options {"order-by": KEY, "descending": bool, "limit": n,
 * "offset": n} into r's fields; false (with why) when one is wrong. */
static bool query_options(const msgpack_object *o, struct request *r,
                          const char **why)
{
    *why = "store.query's options are a map: order-by (a key's name), "
           "descending (a boolean), limit and offset (integers >= 0)";
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
    struct request *r = new_request(s, call->msgid, query ? run_store_query
                                                          : run_store_count,
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
    struct request *r = new_request(s, call->msgid, run_wire_method, s->user,
                                    "", 0);
    if (!r || !keep_params(s, r, call->params))
        return;
    r->wire = m;
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
    struct request *r = new_request(s, call->msgid, run_watch_start, s->user,
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
    if (run == run_user_delete && !strcmp(name, ADMINISTRATOR)) {
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

/* Methods only the administrator may call; false when it is none. */
static bool admin_request(struct session *s, const struct lo_rpc_call *call)
{
    static const struct {
        const char *name;
        void (*run)(lo_lisp *, struct lo_job *);
        bool with_password;
    } accounts[] = {
        { "admin.user-add", run_user_add, true },
        { "admin.user-passwd", run_user_passwd, true },
        { "admin.user-delete", run_user_delete, false },
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
        submit(s, call->msgid, run_user_list, "", "", 0);
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
    return false;
}

static void request(struct session *s, const struct lo_rpc_call *call)
{
    const struct lo_wire_method *wire;
    if (lo_rpc_method_is(call, "hello")) {
        hello(s, call->msgid);
    } else if (lo_rpc_method_is(call, "login")) {
        login(s, call);
    } else if (!*s->user) {
        send_error(s, call->msgid, "NOT-LOGGED-IN",
                   "only hello and login before logging in");
    } else if (s->in_flight >= s->srv->max_in_flight) {
        send_error(s, call->msgid, "TOO-MANY-REQUESTS",
                   "too many requests in flight on this connection");
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
    } else if ((wire = lo_wire_method_named(call))) {
        wire_method(s, call, wire);
    } else if (lo_rpc_method_is(call, "sync")) {
        submit(s, call->msgid, run_sync, s->user, "", 0);
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
 * end. */
static bool message(struct session *s, const uint8_t *bytes, size_t len)
{
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    size_t off = 0;
    bool ok = msgpack_unpack_next(&u, (const char *)bytes, len, &off) ==
                  MSGPACK_UNPACK_SUCCESS && off == len;
    const char *why = "a message msgpack-c cannot read";
    struct lo_rpc_call call;
    if (ok && (ok = lo_rpc_parse(&u.data, &call, &why))) {
        if (call.kind == LO_RPC_REQUEST)
            request(s, &call);
        else if (lo_rpc_method_is(&call, "cancel") && *s->user)
            cancel(s, &call);
        /* other notifications are tolerated */
    }
    msgpack_unpacked_destroy(&u);
    if (!ok)
        end_session(s, why);
    return ok;
}

static void on_read(struct bufferevent *bev, void *arg)
{
    struct session *s = arg;
    struct evbuffer *in = bufferevent_get_input(bev);
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
    release(s);
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
    (void)bev;
    struct session *s = arg;
    if (what & BEV_EVENT_CONNECTED) {
        /* the handshake is done: the rest of the timeout is for login */
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
    if (!bev) {
        if (ssl)
            SSL_free(ssl);
        free(s);
        evutil_closesocket(fd);
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
    fprintf(stderr, "lispos-server: %s: connected\n", peer);
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
        fprintf(stderr, "lispos-server: %s: %s\n", p->peer, why);
        evutil_closesocket(fd);
    } else {
        start_tls(p->srv, fd, p->peer, p->address);
    }
    free(p);
}

void lo_session_accept(struct lo_server *srv, evutil_socket_t fd,
                       const struct sockaddr *addr, int addr_len)
{
    (void)addr_len;
    struct pending *p = calloc(1, sizeof *p);
    if (p)
        peer_text(addr, p->peer, sizeof p->peer, p->address);
    if (p && srv->sessions >= srv->max_sessions)
        fprintf(stderr, "lispos-server: %s: refused: %u connections already\n",
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
