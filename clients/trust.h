/*
 * trust.h -- whether the server's certificate is trusted (trust.c): by a
 * CA file, by a pinned SHA-256 fingerprint, by the system's CAs, or by a
 * fingerprint trusted on first use and kept in a known_hosts file, as ssh
 * does.  conn.c calls lo_trust_prepare before the handshake and
 * lo_trust_check after it.
 */
#ifndef LO_CLIENTS_TRUST_H
#define LO_CLIENTS_TRUST_H

#include <stddef.h>

#include <openssl/ssl.h>

#include "clients/conn.h"

/* Load the CAs and the name to check: 0, or -1 with why. */
int lo_trust_prepare(SSL_CTX *ctx, SSL *ssl, const struct lo_endpoint *where,
                     char *why, size_t why_len);
/* After the handshake: 0 when the certificate is trusted (perhaps after
 * asking on the terminal), else -1 with why. */
int lo_trust_check(SSL *ssl, const struct lo_endpoint *where, char *why,
                   size_t why_len);

/* The certificate's SHA-256 as "AB:CD:..." (as lispos-server --init
 * prints it); false when there is none. */
int lo_trust_fingerprint(SSL *ssl, char *out, size_t len);

#endif
