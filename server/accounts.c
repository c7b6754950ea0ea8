/*
 * accounts.c -- password hashes in the heap (accounts.h).
 */
#include <pthread.h>
#include <string.h>

#include "auth/hosted/password.h"
#include "lisp/api.h"
#include "server/accounts.h"

#define PASSWORDS_ROOT "server:passwords"

/* The table of hashes, made on first use. */
static lo_ref passwords(lo_lisp *W)
{
    lo_ref root = lo_named_root(W, PASSWORDS_ROOT);
    if (!root)
        return NULL;
    if (lo_type_code(W, root) == LO_TYPE_HASH_TABLE)
        return root;
    lo_ref table = lo_new_hash_table(W, LO_TEST_EQUAL);
    if (!table || lo_ref_set(W, root, table) != LO_OK)
        return NULL;
    return root;
}

int lo_accounts_set_password(lo_lisp *W, const char *user,
                             const char *password, size_t len)
{
    char hash[LO_PASSWORD_HASH_BYTES];
    if (!lo_password_hash(hash, password, len))
        return LO_ENOMEM;
    lo_scope s = lo_scope_open(W);
    lo_ref table = passwords(W);
    int status = table ? lo_hash_set(W, table,
                                     lo_new_string(W, user, strlen(user)),
                                     lo_new_string(W, hash, strlen(hash)))
                       : LO_ELISP;
    lo_scope_close(W, s);
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

bool lo_accounts_check(lo_lisp *W, const char *user, const char *password,
                       size_t len)
{
    pthread_once(&absent_once, make_absent_hash);
    char hash[LO_PASSWORD_HASH_BYTES] = "";
    lo_scope s = lo_scope_open(W);
    lo_ref table = passwords(W);
    bool found = false;
    lo_ref h = table ? lo_hash_get(W, table,
                                   lo_new_string(W, user, strlen(user)), &found)
                     : NULL;
    int64_t n = found && h ? lo_get_string(W, h, hash, sizeof hash) : -1;
    lo_scope_close(W, s);
    bool known = n > 0 && (size_t)n < sizeof hash;
    bool match = lo_password_check(known ? hash : absent_hash, password, len);
    return known && match;
}
