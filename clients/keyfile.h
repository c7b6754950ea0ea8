/*
 * keyfile.h -- an Ed25519 private key read from a file, for `login-key`
 * (keyfile.c).  Read are: OpenSSH's own format (`ssh-keygen -t ed25519`,
 * without a passphrase), PKCS#8 PEM (`openssl genpkey -algorithm
 * ed25519`), and a bare 32-byte seed.
 *
 *   struct lo_key key;
 *   if (lo_key_read("~/.ssh/id_ed25519", &key, why, sizeof why)) fail
 *   lo_key_sign(&key, message, len, signature);
 *   lo_key_forget(&key);
 */
#ifndef LO_CLIENTS_KEYFILE_H
#define LO_CLIENTS_KEYFILE_H

#include <stddef.h>
#include <stdint.h>

struct lo_key {
    uint8_t secret[64];         /* libsodium's: the seed, then the public key */
};

/* 0, or -1 with why. */
int lo_key_read(const char *path, struct lo_key *key, char *why,
                size_t why_len);
void lo_key_sign(const struct lo_key *key, const uint8_t *message, size_t len,
                 uint8_t signature[64]);
/* Wipe the secret from memory. */
void lo_key_forget(struct lo_key *key);

#endif
