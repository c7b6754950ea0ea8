/*
 * trust.c -- judging the server's certificate (trust.h).
 *
 * The handshake itself verifies nothing (conn.c sets SSL_VERIFY_NONE):
 * OpenSSL still computes its verdict, and this file reads it afterwards,
 * so that a certificate no CA vouches for can be shown to the user and,
 * on their word, remembered.  In order:
 *   1. --fingerprint given: the certificate's SHA-256 must be that one;
 *   2. --ca given: the certificate must verify against it, for the host;
 *   3. otherwise the system's CAs, then the known_hosts file
 *      (~/.config/lispos/known_hosts: "host:port SHA256 AB:CD:..." lines),
 *      then -- on a terminal only -- the user is asked.
 * A fingerprint in known_hosts that no longer matches is refused loudly:
 * it is what a man in the middle looks like.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "clients/trust.h"

/* Whether host is an IPv4 or IPv6 address rather than a name. */
static int is_address(const char *host)
{
    unsigned char buf[16];
    return inet_pton(AF_INET, host, buf) == 1 ||
           inet_pton(AF_INET6, host, buf) == 1;
}

int lo_trust_prepare(SSL_CTX *ctx, SSL *ssl, const struct lo_endpoint *where,
                     char *why, size_t why_len)
{
    if (where->ca_file && !where->fingerprint) {
        if (SSL_CTX_load_verify_locations(ctx, where->ca_file, NULL) != 1) {
            snprintf(why, why_len, "cannot read the CA certificate %s: %s",
                     where->ca_file, errno ? strerror(errno)
                                           : "not a PEM certificate");
            ERR_clear_error();
            return -1;
        }
    } else {
        SSL_CTX_set_default_verify_paths(ctx);
    }
    X509_VERIFY_PARAM *param = SSL_get0_param(ssl);
    if (is_address(where->host))
        return X509_VERIFY_PARAM_set1_ip_asc(param, where->host) ? 0 : -1;
    return SSL_set_tlsext_host_name(ssl, where->host) &&
                   X509_VERIFY_PARAM_set1_host(param, where->host, 0)
               ? 0 : -1;
}

int lo_trust_fingerprint(SSL *ssl, char *out, size_t len)
{
    X509 *cert = SSL_get1_peer_certificate(ssl);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    int ok = cert && X509_digest(cert, EVP_sha256(), md, &n);
    X509_free(cert);
    size_t at = 0;
    out[0] = 0;
    for (unsigned i = 0; ok && i < n && at + 3 < len; i++)
        at += (size_t)snprintf(out + at, len - at, i ? ":%02X" : "%02X",
                               md[i]);
    return ok;
}

/* A fingerprint as hex digits only, upper case: "SHA256 ab:cd" -> "ABCD". */
static void normalize(const char *in, char *out, size_t len)
{
    if (!strncasecmp(in, "SHA256", 6))
        in += 6;
    size_t at = 0;
    for (; *in && at + 1 < len; in++)
        if (isxdigit((unsigned char)*in))
            out[at++] = (char)toupper((unsigned char)*in);
    out[at] = 0;
}

static int same_fingerprint(const char *a, const char *b)
{
    char x[160], y[160];
    normalize(a, x, sizeof x);
    normalize(b, y, sizeof y);
    return x[0] && !strcmp(x, y);
}

/* What known_hosts says of name ("host:port"): 1 the fingerprint is the
 * one kept, -1 another one is kept (*line its line), 0 nothing. */
static int known(const char *path, const char *name, const char *fingerprint,
                 int *line)
{
    FILE *f = path ? fopen(path, "r") : NULL;
    if (!f)
        return 0;
    char text[512];
    int verdict = 0;
    for (*line = 1; verdict == 0 && fgets(text, sizeof text, f); ++*line) {
        size_t n = strlen(name);
        if (!strncmp(text, name, n) && text[n] == ' ')
            verdict = same_fingerprint(text + n + 1, fingerprint) ? 1 : -1;
    }
    --*line;
    fclose(f);
    return verdict;
}

/* Make the directories above path (as mkdir -p), mode 0700. */
static void make_parents(const char *path)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    for (char *p = dir + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = 0;
        mkdir(dir, 0700);
        *p = '/';
    }
}

static int remember(const char *path, const char *name,
                    const char *fingerprint)
{
    make_parents(path);
    FILE *f = fopen(path, "a");
    if (!f)
        return -1;
    fprintf(f, "%s SHA256 %s\n", name, fingerprint);
    return fclose(f);
}

/* Ask on the terminal whether to trust the certificate. */
static int ask(const char *name, const char *fingerprint, const char *path)
{
    FILE *tty = fopen("/dev/tty", "r+");
    if (!tty)
        return 0;
    fprintf(tty,
            "The server %s has a certificate that no certificate authority "
            "you trust has signed.\n"
            "Its SHA-256 fingerprint is:\n  SHA256 %s\n"
            "Compare it with the one `lispos-server --init` printed. Trust "
            "it from now on\n(kept in %s)? [yes/no] ",
            name, fingerprint, path);
    fflush(tty);
    char answer[32] = "";
    if (!fgets(answer, sizeof answer, tty))
        answer[0] = 0;
    fclose(tty);
    return !strcasecmp(answer, "yes\n") || !strcasecmp(answer, "y\n");
}

int lo_trust_check(SSL *ssl, const struct lo_endpoint *where, char *why,
                   size_t why_len)
{
    char fingerprint[128];
    if (!lo_trust_fingerprint(ssl, fingerprint, sizeof fingerprint)) {
        snprintf(why, why_len, "the server sent no certificate");
        return -1;
    }
    if (where->fingerprint) {
        if (same_fingerprint(where->fingerprint, fingerprint))
            return 0;
        snprintf(why, why_len, "the server's certificate has the fingerprint "
                 "SHA256 %s, not the one given (%s): refusing to talk to it",
                 fingerprint, where->fingerprint);
        return -1;
    }
    long verdict = SSL_get_verify_result(ssl);
    if (verdict == X509_V_OK)
        return 0;
    const char *reason = X509_verify_cert_error_string(verdict);
    if (where->ca_file) {
        snprintf(why, why_len, "the server's certificate is not trusted: %s "
                 "(checked against %s)", reason, where->ca_file);
        return -1;
    }
    char name[512];
    snprintf(name, sizeof name, "%s:%s", where->host, where->port);
    int line = 0;
    switch (known(where->known_hosts, name, fingerprint, &line)) {
    case 1:
        return 0;
    case -1:
        snprintf(why, why_len, "WARNING: the certificate of %s has CHANGED "
                 "since you trusted it (%s, line %d); its fingerprint is now "
                 "SHA256 %s. Someone may be between you and the server. If "
                 "the server was given a new certificate, remove that line",
                 name, where->known_hosts, line, fingerprint);
        return -1;
    }
    if (where->may_ask && where->known_hosts &&
        ask(name, fingerprint, where->known_hosts)) {
        if (remember(where->known_hosts, name, fingerprint))
            fprintf(stderr, "warning: cannot write %s: %s\n",
                    where->known_hosts, strerror(errno));
        return 0;
    }
    snprintf(why, why_len, "the server's certificate is not trusted (%s); "
             "its fingerprint is SHA256 %s. Trust it with --ca FILE (the "
             "server's tls/server.crt) or --fingerprint, or connect once "
             "from a terminal and answer yes", reason, fingerprint);
    return -1;
}
