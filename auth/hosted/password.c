/*
 * password.c -- Argon2id password hashes with libsodium (password.h).
 */
#include <sodium.h>
#include <string.h>

#include "auth/hosted/password.h"

_Static_assert(LO_PASSWORD_HASH_BYTES >= crypto_pwhash_STRBYTES,
               "room for libsodium's hash string");

bool lo_password_init(void)
{
    return sodium_init() >= 0;
}

bool lo_password_hash(char out[LO_PASSWORD_HASH_BYTES], const char *password,
                      size_t len)
{
    return crypto_pwhash_str(out, password, len,
                             crypto_pwhash_OPSLIMIT_INTERACTIVE,
                             crypto_pwhash_MEMLIMIT_INTERACTIVE) == 0;
}

bool lo_password_check(const char *hash, const char *password, size_t len)
{
    return crypto_pwhash_str_verify(hash, password, len) == 0;
}

void lo_password_generate(char out[21])
{
    static const char letters[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    for (int i = 0; i < 20; i++)
        out[i] = letters[randombytes_uniform(64)];
    out[20] = 0;
}
