/*
 * password.h -- passwords kept as Argon2id hashes (libsodium's
 * crypto_pwhash_str, interactive limits) and checked against them in
 * constant time.  The hosted half of auth/: only the server links it.
 * Hashing takes tens of milliseconds and 64 MiB: call these on a worker
 * thread, never on the event loop.
 */
#ifndef LO_AUTH_PASSWORD_H
#define LO_AUTH_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>

/* The size of a hash string, its NUL included. */
enum { LO_PASSWORD_HASH_BYTES = 128 };

/* libsodium ready: false when it cannot start (no randomness). */
bool lo_password_init(void);
/* The hash of password (len bytes) into out; false when out of memory. */
bool lo_password_hash(char out[LO_PASSWORD_HASH_BYTES], const char *password,
                      size_t len);
/* Whether password matches the hash. */
bool lo_password_check(const char *hash, const char *password, size_t len);
/* A fresh random password: 20 characters from a 64-letter alphabet. */
void lo_password_generate(char out[21]);

#endif
