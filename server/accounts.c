/*
 * accounts.c -- password hashes in the heap (accounts.h).
 */
#include <pthread.h>
#include <string.h>

#include "auth/hosted/password.h"
#include "lisp/api.h"
#include "server/accounts.h"

#define PASSWORDS_ROOT "server:passwords"
#define KEYS_ROOT "server:keys"

/* One thread at a time reads or changes the table (logins run on every
 * worker).  Waiting for the lock is a wait outside the Lisp, so that a
 * collection the holder starts never waits for the waiter. */
static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;

static void lock_table(lo_lisp *W)
{
    lo_lisp_wait_begin(W);
    pthread_mutex_lock(&table_lock);
    lo_lisp_wait_end(W);
}

static void unlock_table(void)
{
    pthread_mutex_unlock(&table_lock);
}

/* The table under the named root, made on first use. */
static lo_ref table_named(lo_lisp *W, const char *name)
{
    lo_ref root = lo_named_root(W, name);
    if (!root)
        return NULL;
    if (lo_type_code(W, root) == LO_TYPE_HASH_TABLE)
        return root;
    lo_ref table = lo_new_hash_table(W, LO_TEST_EQUAL);
    if (!table || lo_ref_set(W, root, table) != LO_OK)
        return NULL;
    return root;
}

/* The table of hashes: user name -> hash string. */
static lo_ref passwords(lo_lisp *W)
{
    return table_named(W, PASSWORDS_ROOT);
}

/* The table of public keys: user name -> list of byte vectors. */
static lo_ref keys(lo_lisp *W)
{
    return table_named(W, KEYS_ROOT);
}

/* Whether the table has user (false too on a failure). */
static bool has_user(lo_lisp *W, lo_ref table, const char *user)
{
    bool found = false;
    lo_hash_get(W, table, lo_new_string(W, user, strlen(user)), &found);
    return found;
}

int lo_accounts_set_password(lo_lisp *W, const char *user,
                             const char *password, size_t len,
                             bool must_exist, bool must_be_new)
{
    char hash[LO_PASSWORD_HASH_BYTES];
    if (!lo_password_hash(hash, password, len))
        return LO_ENOMEM;
    lock_table(W);
    lo_scope s = lo_scope_open(W);
    lo_ref table = passwords(W);
    int status = LO_ELISP;
    if (table) {
        bool there = has_user(W, table, user);
        status = must_exist && !there ? LO_ACCOUNT_MISSING
               : must_be_new && there ? LO_ACCOUNT_EXISTS
               : lo_hash_set(W, table, lo_new_string(W, user, strlen(user)),
                             lo_new_string(W, hash, strlen(hash)));
    }
    lo_scope_close(W, s);
    unlock_table();
    return status;
}

int lo_accounts_delete(lo_lisp *W, const char *user)
{
    lock_table(W);
    lo_scope s = lo_scope_open(W);
    lo_ref table = passwords(W), key_table = keys(W);
    lo_ref name = lo_new_string(W, user, strlen(user));
    int status = table ? lo_hash_remove(W, table, name) : LO_ELISP;
    if (key_table)
        lo_hash_remove(W, key_table, name);
    lo_scope_close(W, s);
    unlock_table();
    return status == 1 ? LO_OK : status == 0 ? LO_ACCOUNT_MISSING : status;
}

struct each_ctx {
    void (*fn)(const char *user, void *ctx);
    void *ctx;
};

static bool each_user(lo_lisp *W, lo_ref key, lo_ref value, void *arg)
{
    (void)value;
    struct each_ctx *e = arg;
    char name[256];
    int64_t n = lo_get_string(W, key, name, sizeof name);
    if (n >= 0 && (size_t)n < sizeof name)
        e->fn(name, e->ctx);
    return true;
}

int lo_accounts_each(lo_lisp *W, void (*fn)(const char *user, void *ctx),
                     void *ctx)
{
    lock_table(W);
    lo_scope s = lo_scope_open(W);
    lo_ref table = passwords(W);
    struct each_ctx e = { fn, ctx };
    int status = table ? lo_hash_each(W, table, each_user, &e) : LO_ELISP;
    lo_scope_close(W, s);
    unlock_table();
    return status;
}

/* A hash no password matches (of a random one), checked for a user that
 * does not exist, so that the answer takes as long. */
static char absent_hash[LO_PASSWORD_HASH_BYTES];
static pthread_once_t absent_once = PTHREAD_ONCE_INIT;

static void make_absent_hash(void)
{
    char random[21];
    lo_password_generate(random);
    lo_password_hash(absent_hash, random, strlen(random));
}

int lo_accounts_check(lo_lisp *W, const char *user, const char *password,
                      size_t len)
{
    pthread_once(&absent_once, make_absent_hash);
    char hash[LO_PASSWORD_HASH_BYTES] = "";
    lock_table(W);
    lo_scope s = lo_scope_open(W);
    lo_ref table = passwords(W);
    lo_ref key = table ? lo_new_string(W, user, strlen(user)) : NULL;
    bool found = false, failed = !key;      /* the store full, say */
    lo_ref h = key ? lo_hash_get(W, table, key, &found) : NULL;
    int64_t n = found && h ? lo_get_string(W, h, hash, sizeof hash) : -1;
    lo_scope_close(W, s);
    unlock_table();
    bool known = n > 0 && (size_t)n < sizeof hash;
    bool match = lo_password_check(known ? hash : absent_hash, password, len);
    if (failed)
        return LO_ELISP;            /* the table could not be read */
    return known && match;
}

/* ---- public keys ---- */

/* user's keys: a handle of W's scope holding their list (NIL: none), or
 * NULL on a failure. */
static lo_ref keys_of(lo_lisp *W, lo_ref table, const char *user)
{
    bool found = false;
    lo_ref list = lo_hash_get(W, table, lo_new_string(W, user, strlen(user)),
                              &found);
    return found ? list : lo_new_nil(W);
}

/* Whether the list holds key (32 bytes). */
static bool has_key(lo_lisp *W, lo_ref list, const uint8_t *key)
{
    lo_ref at = lo_ref_copy(W, list);
    for (; at && !lo_is_nil(W, at); lo_ref_set(W, at, lo_get_cdr(W, at))) {
        uint8_t k[LO_KEY_BYTES];
        if (lo_get_bytes(W, lo_get_car(W, at), k, sizeof k) == LO_KEY_BYTES &&
            !memcmp(k, key, sizeof k))
            return true;
    }
    return false;
}

int lo_accounts_change_key(lo_lisp *W, const char *user, const uint8_t *key,
                           bool add)
{
    lock_table(W);
    lo_scope s = lo_scope_open(W);
    lo_ref table = keys(W), users = passwords(W);
    int status = LO_ELISP;
    lo_ref list = table ? keys_of(W, table, user) : NULL;
    if (list && users) {
        bool there = has_key(W, list, key);
        if (!has_user(W, users, user))
            status = LO_ACCOUNT_MISSING;
        else if (add == there)
            status = add ? LO_ACCOUNT_EXISTS : LO_ACCOUNT_NO_KEY;
        else if (add)
            status = lo_hash_set(W, table, lo_new_string(W, user, strlen(user)),
                                 lo_new_cons(W, lo_new_bytes(W, key,
                                                             LO_KEY_BYTES),
                                             list));
        else
            status = LO_OK;
        if (!add && status == LO_OK) {      /* the list without the key */
            lo_ref kept = lo_new_nil(W), at = lo_ref_copy(W, list);
            for (; !lo_is_nil(W, at); lo_ref_set(W, at, lo_get_cdr(W, at))) {
                uint8_t k[LO_KEY_BYTES];
                lo_ref item = lo_get_car(W, at);
                if (lo_get_bytes(W, item, k, sizeof k) != LO_KEY_BYTES ||
                    memcmp(k, key, sizeof k))
                    lo_ref_set(W, kept, lo_new_cons(W, item, kept));
            }
            status = lo_hash_set(W, table, lo_new_string(W, user, strlen(user)),
                                 kept);
        }
    }
    lo_scope_close(W, s);
    unlock_table();
    return status;
}

int lo_accounts_keys(lo_lisp *W, const char *user,
                     uint8_t (*out)[LO_KEY_BYTES], int most)
{
    lock_table(W);
    lo_scope s = lo_scope_open(W);
    lo_ref table = keys(W);
    lo_ref list = table ? keys_of(W, table, user) : NULL;
    int n = list ? 0 : LO_ELISP;
    for (lo_ref at = list ? lo_ref_copy(W, list) : NULL;
         at && !lo_is_nil(W, at) && n < most;
         lo_ref_set(W, at, lo_get_cdr(W, at)))
        if (lo_get_bytes(W, lo_get_car(W, at), out[n], LO_KEY_BYTES) ==
            LO_KEY_BYTES)
            n++;
    lo_scope_close(W, s);
    unlock_table();
    return n;
}
