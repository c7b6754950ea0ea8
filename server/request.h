/*
 * request.h -- a request on its way through the worker pool: what the
 * loop (session.c) checked and copied out of the message, what the
 * method's work on a worker (methods.c) needs, and the reply it packs.
 * session.c makes one, lo_pool_submit()s it with one of the lo_run_*
 * functions below as its job, and writes the reply when it comes back.
 */
#ifndef LO_SERVER_REQUEST_H
#define LO_SERVER_REQUEST_H

#include <msgpack.h>
#include <stdbool.h>
#include <stdint.h>

#include "ckpt/ckpt.h"
#include "lisp/api.h"
#include "server/handles.h"
#include "server/pool.h"

enum { USER_NAME_MOST = 55, EVAL_VALUES_MOST = 64, EVAL_ARGS_MOST = 64 };
enum { LO_SIGNATURE_BYTES = 64 };       /* Ed25519 */
/* What login-key's signature is of: these bytes and their NUL, the
 * user's name and a NUL, the 32 bytes of the challenge. */
#define LO_LOGIN_KEY_CONTEXT "lispos-login-key"

struct session;
struct lo_watch;
struct lo_wire_method;

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
    bool summary;               /* store.query's: each entry's object summed up */
    int64_t limit, offset;      /* store.query's, -1 when not given */
    struct lo_server *srv;
    bool system;                /* runs in the system environment */
    bool adding;                /* admin.key-add, not -remove */
    uint64_t sessions;          /* admin.stats': open connections */
    bool logged_in;             /* login's answer */
    bool unanswerable;          /* login could not check: no failure */
    bool watching;              /* store.watch's */
    msgpack_sbuffer reply;
};

/* The methods' work on a worker (methods.c).  Each packs r->reply. */
void lo_run_login(lo_lisp *W, struct lo_job *job);
void lo_run_login_key(lo_lisp *W, struct lo_job *job);
void lo_run_eval(lo_lisp *W, struct lo_job *job);
void lo_run_store_count(lo_lisp *W, struct lo_job *job);
void lo_run_store_query(lo_lisp *W, struct lo_job *job);
void lo_run_wire_method(lo_lisp *W, struct lo_job *job);
void lo_run_watch_start(lo_lisp *W, struct lo_job *job);
void lo_run_sync(lo_lisp *W, struct lo_job *job);
void lo_run_user_add(lo_lisp *W, struct lo_job *job);
void lo_run_user_passwd(lo_lisp *W, struct lo_job *job);
void lo_run_user_delete(lo_lisp *W, struct lo_job *job);
void lo_run_user_list(lo_lisp *W, struct lo_job *job);
void lo_run_key_change(lo_lisp *W, struct lo_job *job);
void lo_run_env_reset(lo_lisp *W, struct lo_job *job);
void lo_run_snapshot(lo_lisp *W, struct lo_job *job);
void lo_run_stats(lo_lisp *W, struct lo_job *job);

#endif
