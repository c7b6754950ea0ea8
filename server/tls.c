/*
 * tls.c -- certificates and the server's TLS context (tls.h).
 */
#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server/tls.h"

/* why gets what went wrong, with OpenSSL's own reason when it has one. */
static int fail(char *why, size_t len, const char *what)
{
    unsigned long e = ERR_get_error();
    char reason[256] = "";
    if (e)
        ERR_error_string_n(e, reason, sizeof reason);
    snprintf(why, len, "%s%s%s", what, e ? ": " : "", reason);
    ERR_clear_error();
    return -1;
}

static void hex_pairs(const unsigned char *md, unsigned n, char *out,
                      size_t len)
{
    size_t at = 0;
    for (unsigned i = 0; i < n && at + 3 < len; i++)
        at += (size_t)snprintf(out + at, len - at, i ? ":%02X" : "%02X", md[i]);
}

static int fingerprint_of(X509 *x, char *out, size_t len, char *why,
                          size_t why_len)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    if (!X509_digest(x, EVP_sha256(), md, &n))
        return fail(why, why_len, "cannot digest the certificate");
    hex_pairs(md, n, out, len);
    return 0;
}

/* The certificate's name, validity and extensions, signed by key. */
static X509 *self_signed(EVP_PKEY *key)
{
    X509 *x = X509_new();
    unsigned char serial[16];
    if (!x || RAND_bytes(serial, sizeof serial) != 1)
        goto bad;
    serial[0] &= 0x7f;                  /* a positive serial number */
    BIGNUM *bn = BN_bin2bn(serial, sizeof serial, NULL);
    int ok = bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));
    BN_free(bn);
    if (!ok || !X509_set_version(x, 2) ||
        !X509_gmtime_adj(X509_getm_notBefore(x), 0) ||
        !X509_gmtime_adj(X509_getm_notAfter(x), 10L * 365 * 86400) ||
        !X509_set_pubkey(x, key))
        goto bad;
    X509_NAME *name = X509_get_subject_name(x);
    if (!X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                    (const unsigned char *)"lispos", -1, -1, 0) ||
        !X509_set_issuer_name(x, name))
        goto bad;
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(
        NULL, &ctx, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1");
    ok = ext && X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
    if (!ok || !X509_sign(x, key, EVP_sha256()))
        goto bad;
    return x;
bad:
    X509_free(x);
    return NULL;
}

int lo_tls_make_certificate(const char *key_path, const char *cert_path,
                            char *fingerprint, size_t fingerprint_len,
                            char *why, size_t why_len)
{
    EVP_PKEY *key = EVP_EC_gen("P-256");
    if (!key)
        return fail(why, why_len, "cannot make a key");
    X509 *x = self_signed(key);
    int status = -1;
    if (!x) {
        fail(why, why_len, "cannot make the certificate");
        goto out;
    }
    int fd = open(key_path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    FILE *kf = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!kf) {
        if (fd >= 0)
            close(fd);
        snprintf(why, why_len, "cannot create %s", key_path);
        goto out;
    }
    int ok = PEM_write_PrivateKey(kf, key, NULL, NULL, 0, NULL, NULL);
    ok &= fclose(kf) == 0;
    FILE *cf = ok ? fopen(cert_path, "wx") : NULL;
    if (!ok || !cf) {
        snprintf(why, why_len, "cannot write %s", ok ? cert_path : key_path);
        goto out;
    }
    ok = PEM_write_X509(cf, x);
    ok &= fclose(cf) == 0;
    if (!ok) {
        snprintf(why, why_len, "cannot write %s", cert_path);
        goto out;
    }
    status = fingerprint_of(x, fingerprint, fingerprint_len, why, why_len);
out:
    X509_free(x);
    EVP_PKEY_free(key);
    return status;
}

int lo_tls_fingerprint(const char *cert_path, char *fingerprint,
                       size_t fingerprint_len, char *why, size_t why_len)
{
    FILE *f = fopen(cert_path, "r");
    if (!f) {
        snprintf(why, why_len, "cannot open %s", cert_path);
        return -1;
    }
    X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    if (!x)
        return fail(why, why_len, "no certificate in the file");
    int status = fingerprint_of(x, fingerprint, fingerprint_len, why, why_len);
    X509_free(x);
    return status;
}

SSL_CTX *lo_tls_server_context(const char *cert_path, const char *key_path,
                               char *why, size_t why_len)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx) {
        fail(why, why_len, "cannot make a TLS context");
        return NULL;
    }
    if (!SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) ||
        SSL_CTX_use_certificate_chain_file(ctx, cert_path) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx, key_path, SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1) {
        fail(why, why_len, "cannot use the certificate and key");
        SSL_CTX_free(ctx);
        return NULL;
    }
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
    /* one read for a record, not one for its header and one for the
     * rest; what OpenSSL then holds past the record libevent asked for
     * the session reads itself (session.c, read_buffered) */
    SSL_CTX_set_read_ahead(ctx, 1);
    return ctx;
}
