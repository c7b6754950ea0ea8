/*
 * tls.h -- the server's TLS with OpenSSL: a self-signed certificate made
 * at --init, and the context every connection's session is made from
 * (TLS 1.2 at least; 1.3 preferred, as OpenSSL does by itself).
 */
#ifndef LO_SERVER_TLS_H
#define LO_SERVER_TLS_H

#include <openssl/ssl.h>
#include <stddef.h>

/* A fresh P-256 key and a certificate for it signed by itself (CN
 * "lispos", valid ten years, for localhost and 127.0.0.1), written to
 * key_path (mode 0600) and cert_path; its SHA-256 fingerprint (hex pairs
 * joined by ':') into fingerprint.  0, or -1 with why filled in. */
int lo_tls_make_certificate(const char *key_path, const char *cert_path,
                            char *fingerprint, size_t fingerprint_len,
                            char *why, size_t why_len);

/* The SHA-256 fingerprint of the certificate in cert_path. */
int lo_tls_fingerprint(const char *cert_path, char *fingerprint,
                       size_t fingerprint_len, char *why, size_t why_len);

/* A server context from a certificate (chain) and its key: NULL with why
 * filled in when they cannot be loaded or do not match. */
SSL_CTX *lo_tls_server_context(const char *cert_path, const char *key_path,
                               char *why, size_t why_len);

#endif
