/*
 * methods.c -- the methods' work on a worker thread (request.h): logins,
 * evaluations, the store's methods, sync, the administrator's.  Each
 * runs as a job of the pool on a thread of evaluation of its own, in the
 * request's user's environment when it evaluates, and packs its reply.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "proto/rpc.h"
#include "server/accounts.h"
#include "server/request.h"
#include "server/server.h"
#include "server/values.h"
#include "server/watch.h"
#include "server/wire.h"

static void packer_for(struct request *r, msgpack_packer *pk)
{
    msgpack_sbuffer_init(&r->reply);
    msgpack_packer_init(pk, &r->reply, msgpack_sbuffer_write);
}

/* A login's answer: {"user": user} when r->logged_in, else LOGIN-FAILED
 * saying `refused`. */
static void pack_login(struct request *r, msgpack_packer *pk,
                       const char *refused)
{
    if (!r->logged_in) {
        lo_rpc_pack_error(pk, r->msgid, "LOGIN-FAILED", refused, "");
        return;
    }
    lo_rpc_pack_result_head(pk, r->msgid);
    msgpack_pack_map(pk, 1);
    lo_rpc_pack_string(pk, "user");
    lo_rpc_pack_string(pk, r->user);
}

void lo_run_login(lo_lisp *W, struct lo_job *job)
{
    struct request *r = (struct request *)job;
    msgpack_packer pk;
    packer_for(r, &pk);
    int checked = lo_accounts_check(W, r->user, r->text, r->text_len);
    r->logged_in = checked == 1;
    if (checked < 0) {          /* not the client's fault: not counted */
        r->unanswerable = true;
        lo_rpc_pack_error(&pk, r->msgid, "SERVER-ERROR",
                          lo_last_error(W)->message, "");
        return;
    }
    pack_login(r, &pk, "no such user, or the wrong password");
}

/* login-key's second step: r->text is what the client signed, r->params
 * the signature; any of the user's keys may have made it. */
void lo_run_login_key(lo_lisp *W, struct lo_job *job)
{
    struct request *r = (struct request *)job;
    msgpack_packer pk;
    packer_for(r, &pk);
    enum { KEYS_MOST = 64 };
    uint8_t keys[KEYS_MOST][LO_KEY_BYTES];
    int n = lo_accounts_keys(W, r->user, keys, KEYS_MOST);
    r->logged_in = false;
    for (int i = 0; i < n && !r->logged_in; i++)
        r->logged_in = crypto_sign_verify_detached(
                           (const unsigned char *)r->params,
                           (const unsigned char *)r->text, r->text_len,
                           keys[i]) == 0;
    pack_login(r, &pk, "no such user, or not a signature by one of the "
                       "user's keys");
}

/* The work of r runs in its user's environment: false (the error
 * packed) when it cannot be selected. */
static bool as_user(lo_lisp *W, struct request *r, msgpack_packer *pk)
{
    if (lo_lisp_set_user(W, r->system ? NULL : r->user) == LO_OK)
        return true;
    lo_rpc_pack_error(pk, r->msgid, "SERVER-ERROR",
                      "cannot select the user's environment", "");
    return false;
}

/* The start of a job that evaluates as its request's user: the reply's
 * packer made ready; NULL (the error packed) when the user's environment
 * cannot be selected. */
static struct request *start_as_user(lo_lisp *W, struct lo_job *job,
                                     msgpack_packer *pk)
{
    struct request *r = (struct request *)job;
    packer_for(r, pk);
    return as_user(W, r, pk) ? r : NULL;
}

/* The error of the Lisp call that just failed on W, as r's reply. */
static void pack_lisp_error(lo_lisp *W, struct request *r, msgpack_packer *pk)
{
    const struct lo_error *e = lo_last_error(W);
    lo_rpc_pack_error(pk, r->msgid, e->type, e->message, e->backtrace);
}

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

void lo_run_eval(lo_lisp *W, struct lo_job *job)
{
    msgpack_packer pk;
    struct request *r = start_as_user(W, job, &pk);
    if (!r)
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

void lo_run_store_count(lo_lisp *W, struct lo_job *job)
{
    msgpack_packer pk;
    struct request *r = start_as_user(W, job, &pk);
    if (!r)
        return;
    lo_scope scope = lo_scope_open(W);
    lo_ref text = lo_new_string(W, r->text, r->text_len);
    lo_wire_apply(W, "%WIRE-COUNT", &text, 1, r->handles, r->msgid, &pk);
    lo_scope_close(W, scope);
}

void lo_run_store_query(lo_lisp *W, struct lo_job *job)
{
    msgpack_packer pk;
    struct request *r = start_as_user(W, job, &pk);
    if (!r)
        return;
    lo_scope scope = lo_scope_open(W);
    lo_ref args[5] = { lo_new_string(W, r->text, r->text_len),
                       lo_new_nil(W), lo_new_nil(W), lo_new_nil(W),
                       lo_new_boolean(W, r->summary) };
    lo_ref descending = lo_new_symbol(W, "KEYWORD", "DESCENDING");
    if (r->key[0]) {
        lo_ref key = lo_new_symbol(W, "KEYWORD", r->key);
        args[1] = !r->descending ? key
                                 : lo_new_list(W, (lo_ref[]){ key, descending },
                                               2);
    } else if (r->descending) {
        args[1] = descending;           /* by id, newest first */
    }
    if (r->limit >= 0)
        args[2] = lo_new_integer(W, r->limit);
    if (r->offset >= 0)
        args[3] = lo_new_integer(W, r->offset);
    lo_wire_apply(W, "%WIRE-QUERY", args, 5, r->handles, r->msgid, &pk);
    lo_scope_close(W, scope);
}

/* store.put ... acl.revoke (wire.c). */
void lo_run_wire_method(lo_lisp *W, struct lo_job *job)
{
    msgpack_packer pk;
    struct request *r = start_as_user(W, job, &pk);
    if (r)
        lo_wire_call(W, r->wire, r->params, r->params_len, r->handles,
                     r->msgid, &pk);
}

void lo_run_watch_start(lo_lisp *W, struct lo_job *job)
{
    msgpack_packer pk;
    struct request *r = start_as_user(W, job, &pk);
    if (r)
        r->watching = lo_watch_fill(W, r->watch, r->text, r->msgid, &pk);
}

void lo_run_sync(lo_lisp *W, struct lo_job *job)
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

void lo_run_user_add(lo_lisp *W, struct lo_job *job)
{
    set_password(W, job, false, true);
}

void lo_run_user_passwd(lo_lisp *W, struct lo_job *job)
{
    set_password(W, job, true, false);
}

void lo_run_user_delete(lo_lisp *W, struct lo_job *job)
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

void lo_run_user_list(lo_lisp *W, struct lo_job *job)
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


/* admin.key-add and admin.key-remove: r->user's key r->params (32
 * bytes); r->text its fingerprint, key-add's answer. */
void lo_run_key_change(lo_lisp *W, struct lo_job *job)
{
    struct request *r = (struct request *)job;
    msgpack_packer pk;
    packer_for(r, &pk);
    int status = lo_accounts_change_key(W, r->user, (const uint8_t *)r->params,
                                        r->adding);
    char message[128];
    if (status == LO_OK) {
        lo_rpc_pack_result_head(&pk, r->msgid);
        if (r->adding)
            lo_rpc_pack_string(&pk, r->text);
        else
            msgpack_pack_true(&pk);
        return;
    }
    if (status < 0) {
        lo_rpc_pack_error(&pk, r->msgid, "SERVER-ERROR",
                          "the accounts could not be changed", "");
        return;
    }
    snprintf(message, sizeof message, "%s %s", r->user,
             status == LO_ACCOUNT_MISSING ? "is no user"
             : status == LO_ACCOUNT_EXISTS ? "has that key already"
                                           : "has no such key");
    lo_rpc_pack_error(&pk, r->msgid, "ARGUMENT-ERROR", message, "");
}

/* admin.env-reset [user]: a fresh default environment for the user; the
 * old one kept as "USER:previous" (a name no user can have). */
void lo_run_env_reset(lo_lisp *W, struct lo_job *job)
{
    struct request *r = (struct request *)job;
    msgpack_packer pk;
    packer_for(r, &pk);
    char previous[USER_NAME_MOST + 16];
    snprintf(previous, sizeof previous, "%s:previous", r->user);
    if (lo_lisp_reset_user(W, r->user, previous) != LO_OK) {
        pack_lisp_error(W, r, &pk);
        return;
    }
    lo_rpc_pack_result_head(&pk, r->msgid);
    msgpack_pack_true(&pk);
}

/* admin.snapshot []: a snapshot now, answered once it is durable. */
void lo_run_snapshot(lo_lisp *W, struct lo_job *job)
{
    (void)W;
    struct request *r = (struct request *)job;
    msgpack_packer pk;
    packer_for(r, &pk);
    /* one snapshot, made durable: its figures are the ones answered (a
     * snapshot and then a sync answered the sync's, nearly empty) */
    if (lo_ckpt_sync(r->store) != LO_OK) {
        lo_rpc_pack_error(&pk, r->msgid, "STORE-FAILED",
                          lo_ckpt_failure(r->store), "");
        return;
    }
    atomic_store(&r->srv->last_snapshot, (uint64_t)time(NULL));
    struct lo_ckpt_stats st;
    lo_ckpt_stats(r->store, &st);
    lo_rpc_pack_result_head(&pk, r->msgid);
    msgpack_pack_map(&pk, 3);
    lo_rpc_pack_string(&pk, "generation");
    msgpack_pack_uint64(&pk, st.generation);
    lo_rpc_pack_string(&pk, "pages");
    msgpack_pack_uint64(&pk, st.last_snapshot_pages);
    lo_rpc_pack_string(&pk, "stall-us");
    msgpack_pack_uint64(&pk, st.last_flip_ns / 1000);
}

static void count_user(const char *user, void *arg)
{
    (void)user;
    ++*(uint64_t *)arg;
}

static void pack_figure(msgpack_packer *pk, const char *name, uint64_t n)
{
    lo_rpc_pack_string(pk, name);
    msgpack_pack_uint64(pk, n);
}

/* The figures admin.stats answers and --metrics serves. */
void lo_server_figures(lo_lisp *W, struct lo_server *srv,
                       struct lo_server_figures *f)
{
    memset(f, 0, sizeof *f);
    struct lo_ckpt_stats st;
    lo_ckpt_stats(srv->store, &st);
    struct lo_gc_stats gc;
    lo_lisp_gc_stats(W, &gc);
    f->store_bytes = st.pages * 4096;
    f->store_capacity = st.max_pages * 4096;
    f->resident_bytes = st.resident * 4096;
    f->faults = st.page_ins;
    f->write_faults = st.write_faults;
    f->snapshots = st.snapshots;
    f->snapshot_stall_us = st.last_flip_ns / 1000;
    f->mechanism = st.mechanism;
    f->last_snapshot = atomic_load(&srv->last_snapshot);
    f->gc_collections = gc.collections;
    f->gc_young = gc.young;
    f->gc_pause_last_us = gc.last_ns / 1000;
    f->gc_pause_max_us = gc.max_ns / 1000;
    f->gc_pause_total_us = gc.total_ns / 1000;
    f->requests = atomic_load(&srv->requests);
    f->direct_requests = atomic_load(&srv->direct);
    f->uptime = (uint64_t)time(NULL) - srv->started;
    lo_accounts_each(W, count_user, &f->users);
    /* every entry, as the store's administrator counts them */
    if (lo_lisp_set_user(W, NULL) == LO_OK) {
        lo_scope s = lo_scope_open(W);
        lo_ref all = lo_new_symbol(W, "COMMON-LISP", "T");
        lo_ref n = all ? lo_call_named(W, "LISPOS", "STORE-COUNT", &all, 1)
                       : NULL;
        int64_t count;
        if (n && lo_get_int64(W, n, &count) == LO_OK)
            f->entries = (uint64_t)count;
        lo_scope_close(W, s);
    }
}

void lo_run_stats(lo_lisp *W, struct lo_job *job)
{
    struct request *r = (struct request *)job;
    msgpack_packer pk;
    packer_for(r, &pk);
    struct lo_server_figures f;
    lo_server_figures(W, r->srv, &f);
    f.sessions = r->sessions;
    lo_rpc_pack_result_head(&pk, r->msgid);
    msgpack_pack_map(&pk, 21);
    pack_figure(&pk, "store-bytes", f.store_bytes);
    pack_figure(&pk, "store-capacity", f.store_capacity);
    pack_figure(&pk, "resident-bytes", f.resident_bytes);
    pack_figure(&pk, "entries", f.entries);
    pack_figure(&pk, "users", f.users);
    pack_figure(&pk, "sessions", f.sessions);
    pack_figure(&pk, "requests", f.requests);
    pack_figure(&pk, "direct-requests", f.direct_requests);
    pack_figure(&pk, "uptime-seconds", f.uptime);
    pack_figure(&pk, "snapshots", f.snapshots);
    pack_figure(&pk, "last-snapshot", f.last_snapshot);
    pack_figure(&pk, "snapshot-stall-us", f.snapshot_stall_us);
    pack_figure(&pk, "faults", f.faults);
    pack_figure(&pk, "write-faults", f.write_faults);
    pack_figure(&pk, "gc-collections", f.gc_collections);
    pack_figure(&pk, "gc-young-collections", f.gc_young);
    pack_figure(&pk, "gc-pause-last-us", f.gc_pause_last_us);
    pack_figure(&pk, "gc-pause-max-us", f.gc_pause_max_us);
    pack_figure(&pk, "gc-pause-total-us", f.gc_pause_total_us);
    lo_rpc_pack_string(&pk, "version");
    lo_rpc_pack_string(&pk, lo_lisp_release());
    lo_rpc_pack_string(&pk, "mechanism");
    lo_rpc_pack_string(&pk, f.mechanism ? f.mechanism : "");
}
