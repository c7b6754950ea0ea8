/*
 * keyfile.c -- Ed25519 private keys from files (keyfile.h).  OpenSSH's
 * format is read here (its layout: PROTOCOL.key in OpenSSH's sources);
 * PKCS#8 through OpenSSL; the signing is libsodium's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sodium.h>

#include "clients/keyfile.h"

enum { FILE_MOST = 64 * 1024 };

static const char openssh_begin[] = "-----BEGIN OPENSSH PRIVATE KEY-----";
static const char openssh_end[] = "-----END OPENSSH PRIVATE KEY-----";

static int error(char *why, size_t why_len, const char *path, const char *what)
{
    snprintf(why, why_len, "%s: %s", path, what);
    return -1;
}

/* A cursor over OpenSSH's binary layout: 32-bit big-endian lengths. */
struct reader {
    const uint8_t *p, *end;
};

static int read_u32(struct reader *r, uint32_t *v)
{
    if (r->end - r->p < 4)
        return -1;
    *v = (uint32_t)r->p[0] << 24 | (uint32_t)r->p[1] << 16 |
         (uint32_t)r->p[2] << 8 | r->p[3];
    r->p += 4;
    return 0;
}

/* A length-prefixed string: its bytes (not copied) and length. */
static int read_string(struct reader *r, const uint8_t **s, uint32_t *len)
{
    if (read_u32(r, len) || (uint32_t)(r->end - r->p) < *len)
        return -1;
    *s = r->p;
    r->p += *len;
    return 0;
}

static int string_is(struct reader *r, const char *expected)
{
    const uint8_t *s;
    uint32_t len;
    return !read_string(r, &s, &len) && len == strlen(expected) &&
           !memcmp(s, expected, len);
}

/* The binary key of an OpenSSH private key file's text. */
static int read_openssh(const char *text, struct lo_key *key, const char *path,
                        char *why, size_t why_len)
{
    const char *start = strstr(text, openssh_begin) + sizeof openssh_begin - 1;
    const char *stop = strstr(start, openssh_end);
    if (!stop)
        return error(why, why_len, path, "an OpenSSH key without its end line");
    size_t cap = (size_t)(stop - start), len = 0;
    uint8_t *bin = malloc(cap + 1);
    if (!bin || sodium_base642bin(bin, cap, start, (size_t)(stop - start),
                                  " \r\n\t", &len, NULL,
                                  sodium_base64_VARIANT_ORIGINAL)) {
        free(bin);
        return error(why, why_len, path, "an OpenSSH key that is not base64");
    }
    static const char magic[] = "openssh-key-v1";
    struct reader r = { bin + sizeof magic, bin + len };
    const uint8_t *priv, *pub, *secret;
    uint32_t nkeys, priv_len, pub_len, secret_len, check1, check2;
    int rc = -1;
    if (len < sizeof magic || memcmp(bin, magic, sizeof magic)) {
        error(why, why_len, path, "not an OpenSSH private key");
    } else if (!string_is(&r, "none")) {
        error(why, why_len, path, "the key is protected by a passphrase, "
              "which lispos-client cannot ask for yet: make a copy without "
              "one (ssh-keygen -p -N '' -f COPY) and keep it private");
    } else if (!string_is(&r, "none") || !string_is(&r, "") ||
               read_u32(&r, &nkeys) || nkeys != 1 ||
               read_string(&r, &pub, &pub_len) ||
               read_string(&r, &priv, &priv_len)) {
        error(why, why_len, path, "a damaged OpenSSH key");
    } else {
        struct reader s = { priv, priv + priv_len };
        if (read_u32(&s, &check1) || read_u32(&s, &check2) ||
            check1 != check2 || !string_is(&s, "ssh-ed25519") ||
            read_string(&s, &pub, &pub_len) || pub_len != 32 ||
            read_string(&s, &secret, &secret_len) || secret_len != 64) {
            error(why, why_len, path, "not an Ed25519 key (ssh-keygen -t "
                  "ed25519 makes one), or a damaged one");
        } else {
            memcpy(key->secret, secret, 64);
            rc = 0;
        }
    }
    sodium_memzero(bin, len);
    free(bin);
    return rc;
}

/* A PKCS#8 PEM key, through OpenSSL. */
static int read_pkcs8(const char *text, size_t len, struct lo_key *key,
                      const char *path, char *why, size_t why_len)
{
    BIO *bio = BIO_new_mem_buf(text, (int)len);
    EVP_PKEY *pkey = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL)
                         : NULL;
    BIO_free(bio);
    uint8_t seed[32];
    size_t seed_len = sizeof seed;
    int rc = -1;
    if (!pkey)
        error(why, why_len, path, "not a private key OpenSSL can read "
              "(a passphrase-protected one cannot be read yet)");
    else if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_ED25519 ||
             !EVP_PKEY_get_raw_private_key(pkey, seed, &seed_len) ||
             seed_len != 32)
        error(why, why_len, path, "not an Ed25519 key");
    else {
        uint8_t pub[32];
        crypto_sign_seed_keypair(pub, key->secret, seed);
        rc = 0;
    }
    EVP_PKEY_free(pkey);
    sodium_memzero(seed, sizeof seed);
    ERR_clear_error();
    return rc;
}

int lo_key_read(const char *path, struct lo_key *key, char *why,
                size_t why_len)
{
    if (sodium_init() < 0)
        return error(why, why_len, path, "libsodium cannot start");
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(why, why_len, "cannot read the key %s: %m", path);
        return -1;
    }
    char *text = calloc(1, FILE_MOST + 1);
    size_t len = text ? fread(text, 1, FILE_MOST, f) : 0;
    fclose(f);
    int rc;
    if (!text)
        rc = error(why, why_len, path, "out of memory");
    else if (strstr(text, openssh_begin))
        rc = read_openssh(text, key, path, why, why_len);
    else if (strstr(text, "-----BEGIN"))
        rc = read_pkcs8(text, len, key, path, why, why_len);
    else if (len == 32) {
        uint8_t pub[32];
        crypto_sign_seed_keypair(pub, key->secret, (uint8_t *)text);
        rc = 0;
    } else
        rc = error(why, why_len, path, "not an Ed25519 private key: an "
                   "OpenSSH or PKCS#8 PEM file, or 32 bytes of seed");
    if (text)
        sodium_memzero(text, FILE_MOST);
    free(text);
    return rc;
}

void lo_key_sign(const struct lo_key *key, const uint8_t *message, size_t len,
                 uint8_t signature[64])
{
    crypto_sign_detached(signature, NULL, message, len, key->secret);
}

void lo_key_forget(struct lo_key *key)
{
    sodium_memzero(key->secret, sizeof key->secret);
}
