/*
 * accounts.h -- who may log in: each user's Argon2id password hash, kept
 * in the heap under the named root "server:passwords" (an EQUAL hash
 * table, user name -> hash string), and their Ed25519 public keys, so
 * that they persist with the store and no user's Lisp can reach them.  Call on a thread of evaluation that
 * is in no evaluation (a worker between jobs, or the main thread before
 * the loop starts).
 */
#ifndef LO_SERVER_ACCOUNTS_H
#define LO_SERVER_ACCOUNTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lisp/lisp.h"

/* What a change of the accounts may answer besides LO_OK. */
enum { LO_ACCOUNT_EXISTS = 1, LO_ACCOUNT_MISSING = 2, LO_ACCOUNT_NO_KEY = 3 };
enum { LO_KEY_BYTES = 32 };     /* an Ed25519 public key */
/* Set user's password (hashing it: slow): LO_OK or a negative status.
 * must_exist: LO_ACCOUNT_MISSING unless the user is there; must_be_new:
 * LO_ACCOUNT_EXISTS if they are. */
int lo_accounts_set_password(lo_lisp *W, const char *user,
                             const char *password, size_t len,
                             bool must_exist, bool must_be_new);
/* Remove user: LO_OK, LO_ACCOUNT_MISSING or a negative status. */
int lo_accounts_delete(lo_lisp *W, const char *user);
/* Call fn on each user's name (in no particular order). */
int lo_accounts_each(lo_lisp *W, void (*fn)(const char *user, void *ctx),
                     void *ctx);
/* 1 when user exists and password is theirs, 0 when not, LO_ELISP when
 * the accounts could not be read (lo_last_error says why: the store
 * full...).  A user that does not exist costs the same time as a wrong
 * password (a hash is checked either way), and gets the same answer. */
int lo_accounts_check(lo_lisp *W, const char *user, const char *password,
                      size_t len);

/* Ed25519 public keys (login-key), kept under the named root
 * "server:keys" (user name -> list of 32-byte byte vectors).  Add or
 * remove one of user's: LO_OK; LO_ACCOUNT_MISSING (no such user),
 * LO_ACCOUNT_EXISTS (added already), LO_ACCOUNT_NO_KEY (removing one the
 * user has not), or a negative status.  Deleting a user drops their
 * keys. */
int lo_accounts_change_key(lo_lisp *W, const char *user, const uint8_t *key,
                           bool add);
/* user's keys, at most `most` of them, into out: how many (0 for a user
 * who has none or does not exist), or a negative status. */
int lo_accounts_keys(lo_lisp *W, const char *user,
                     uint8_t (*out)[LO_KEY_BYTES], int most);

#endif
