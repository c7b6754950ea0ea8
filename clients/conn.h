/*
 * conn.h -- a client's connection to lispos-server: TLS to the server,
 * MessagePack-RPC calls and the notifications between their responses
 * (docs/protocol.md).  lispos-client and lispos-admin are built on it;
 * it uses proto/ for framing and nothing of the server.
 *
 *   struct lo_conn *c;
 *   char why[512];
 *   if (lo_conn_open(&c, &endpoint, why, sizeof why) != LO_CONN_OK)
 *       print why, exit 3
 *   msgpack_packer *pk = lo_conn_request(c, "eval", 1);
 *   lo_pack_str(pk, "(+ 1 2)");          -- the params, as many as said
 *   struct lo_reply r;
 *   if (lo_conn_call(c, &r) == LO_CONN_OK) {
 *       r.error is NULL or the error map; r.result the result
 *       lo_reply_free(&r);
 *   }
 *   lo_conn_close(c);
 *
 * Calls are made one at a time: lo_conn_call sends the request packed
 * since lo_conn_request and reads until its response comes; notifications
 * read meanwhile wait in a queue for lo_conn_notification.  A SIGINT
 * while a call waits (lo_conn_interrupt, from the signal handler) sends
 * the server a `cancel` for it; a second one gives up waiting.  Install
 * that handler with SA_RESTART: reads and writes go on after it, and the
 * wait (poll, never restarted) sees it.
 */
#ifndef LO_CLIENTS_CONN_H
#define LO_CLIENTS_CONN_H

#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What went wrong -- and the exit code the programs give for it
 * (docs/clients.md, "Exit codes"). */
enum lo_conn_status {
    LO_CONN_OK = 0,
    LO_CONN_REFUSED = 1,        /* the server answered with an error */
    LO_CONN_USAGE = 2,          /* bad arguments (the programs' own) */
    LO_CONN_FAILED = 3,         /* unreachable, TLS, certificate, lost */
    LO_CONN_LOGIN = 4,          /* login failed or no credentials */
    LO_CONN_INTERRUPTED = 5,    /* gave up waiting after Ctrl-C twice */
};

/* Where the server is and how its certificate is trusted (trust.c). */
struct lo_endpoint {
    const char *host;           /* a name or address */
    const char *port;
    const char *ca_file;        /* verify against this CA (or NULL) */
    const char *fingerprint;    /* or pin this SHA-256 (or NULL) */
    const char *known_hosts;    /* fingerprints trusted on first use */
    bool may_ask;               /* a terminal: ask before trusting */
};

/* A response: error (a map) or result, as unpacked. */
struct lo_reply {
    const msgpack_object *error;    /* NULL when the call succeeded */
    const msgpack_object *result;
    msgpack_zone *zone;             /* holds both; lo_reply_free */
    void *buffer;                   /* the message's bytes */
};

/* A notification: its method and params. */
struct lo_note {
    const char *method;         /* not NUL-terminated: method_len */
    uint32_t method_len;
    const msgpack_object *params;
    msgpack_zone *zone;
    void *buffer;
};

struct lo_conn;

int lo_conn_open(struct lo_conn **out, const struct lo_endpoint *where,
                 char *why, size_t why_len);
void lo_conn_close(struct lo_conn *c);

/* Start a request: the returned packer takes exactly nparams values. */
msgpack_packer *lo_conn_request(struct lo_conn *c, const char *method,
                                uint32_t nparams);
/* Send it and wait for its response.  LO_CONN_OK (the reply may still be
 * an error: r->error), LO_CONN_FAILED (the connection is lost: see
 * lo_conn_failure) or LO_CONN_INTERRUPTED. */
int lo_conn_call(struct lo_conn *c, struct lo_reply *r);
void lo_reply_free(struct lo_reply *r);

/* The next notification, waiting up to timeout_ms (-1: for ever):
 * LO_CONN_OK, LO_CONN_REFUSED when none came in time, LO_CONN_FAILED when
 * the connection ended, LO_CONN_INTERRUPTED once a SIGINT came since
 * lo_conn_clear_interrupt (before the wait or during it). */
int lo_conn_notification(struct lo_conn *c, int timeout_ms,
                         struct lo_note *n);
void lo_note_free(struct lo_note *n);

/* Why the connection failed (static to the connection). */
const char *lo_conn_failure(const struct lo_conn *c);

/* Make SIGINT call lo_conn_interrupt (SA_RESTART, as said above), and
 * SIGPIPE harmless (a lost connection is an error, not a death). */
void lo_conn_catch_signals(void);
/* For a SIGINT handler: the call in progress is to be cancelled. */
void lo_conn_interrupt(void);
/* Whether a SIGINT came since the last lo_conn_clear_interrupt. */
bool lo_conn_interrupted(void);
void lo_conn_clear_interrupt(void);

/* ---- login ---- */

/* Password and key logins: LO_CONN_OK, LO_CONN_LOGIN (why says: wrong
 * password, throttled ...) or LO_CONN_FAILED. */
int lo_conn_login(struct lo_conn *c, const char *user, const char *password,
                  char *why, size_t why_len);
struct lo_key;
int lo_conn_login_key(struct lo_conn *c, const char *user,
                      const struct lo_key *key, char *why, size_t why_len);

/* ---- reading replies ---- */

/* The value under key in a map (NULL when absent or not a map). */
const msgpack_object *lo_map_get(const msgpack_object *map, const char *key);
/* A string object's text as a NUL-terminated copy into out (cut to fit). */
void lo_object_text(const msgpack_object *o, char *out, size_t len);
/* An error map's type, message and backtrace (each "" when missing). */
void lo_error_parts(const msgpack_object *error, char *type, size_t type_len,
                    char *message, size_t message_len, const char **backtrace,
                    uint32_t *backtrace_len);

/* ---- packing ---- */

void lo_pack_str(msgpack_packer *pk, const char *s);
void lo_pack_keyword(msgpack_packer *pk, const char *name);

#endif
