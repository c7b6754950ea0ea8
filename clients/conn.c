/*
 * conn.c -- a client's connection to the server (conn.h): the TCP
 * connection, the TLS session over it, and MessagePack-RPC messages read
 * and written on it one call at a time.  Which certificates are trusted
 * is trust.c's; this file only asks it after the handshake.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "clients/conn.h"
#include "clients/keyfile.h"
#include "clients/trust.h"
#include "proto/frame.h"

enum {
    CONNECT_TIMEOUT_MS = 15000,
    MESSAGE_MOST = 1 << 30,     /* a response's size at most */
    DEPTH_MOST = 32,            /* msgpack-c's own nesting limit */
};

struct queued {                 /* a notification read during a call */
    struct lo_note note;
    struct queued *next;
};

struct lo_conn {
    int fd;
    SSL_CTX *ctx;
    SSL *ssl;
    uint8_t *in;                /* bytes read, not yet a whole message */
    size_t in_len, in_cap;
    msgpack_sbuffer out;        /* the request being packed */
    msgpack_packer packer;
    uint32_t next_msgid;
    struct queued *notes, **notes_end;
    char failure[256];
};

/* ---- SIGINT ---- */

static volatile sig_atomic_t interrupts;

void lo_conn_interrupt(void) { interrupts++; }

static void on_sigint(int sig)
{
    (void)sig;
    lo_conn_interrupt();
}

void lo_conn_catch_signals(void)
{
    signal(SIGPIPE, SIG_IGN);
    struct sigaction sa = { .sa_handler = on_sigint, .sa_flags = SA_RESTART };
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
}
bool lo_conn_interrupted(void) { return interrupts != 0; }
void lo_conn_clear_interrupt(void) { interrupts = 0; }

/* ---- failures ---- */

static int fail(struct lo_conn *c, const char *what)
{
    if (!c->failure[0])
        snprintf(c->failure, sizeof c->failure, "%s", what);
    return LO_CONN_FAILED;
}

const char *lo_conn_failure(const struct lo_conn *c)
{
    return c->failure[0] ? c->failure : "the connection failed";
}

/* OpenSSL's last error as text, or `otherwise`. */
static const char *tls_error(const char *otherwise)
{
    static char text[256];
    unsigned long e = ERR_get_error();
    if (!e)
        return otherwise;
    ERR_error_string_n(e, text, sizeof text);
    return text;
}

/* ---- opening ---- */

/* Connect fd to addr within the timeout: 0, or the errno. */
static int connect_within(int fd, const struct addrinfo *a, int timeout_ms)
{
    fcntl(fd, F_SETFL, O_NONBLOCK);
    int err = 0;
    if (connect(fd, a->ai_addr, a->ai_addrlen) < 0) {
        err = errno;
        if (err == EINPROGRESS) {
            struct pollfd p = { fd, POLLOUT, 0 };
            int n;
            while ((n = poll(&p, 1, timeout_ms)) < 0 && errno == EINTR)
                ;
            socklen_t len = sizeof err;
            if (n == 0)
                err = ETIMEDOUT;
            else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
                err = errno;
        }
    }
    fcntl(fd, F_SETFL, 0);
    return err;
}

/* A connected TCP socket to host:port, or -1 with why. */
static int connect_tcp(const char *host, const char *port, char *why,
                       size_t why_len)
{
    struct addrinfo hints = { .ai_family = AF_UNSPEC,
                              .ai_socktype = SOCK_STREAM }, *ai;
    int rc = getaddrinfo(host, port, &hints, &ai);
    if (rc) {
        snprintf(why, why_len, "cannot find %s: %s", host, gai_strerror(rc));
        return -1;
    }
    int fd = -1, err = 0;
    for (struct addrinfo *a = ai; a && fd < 0; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            err = errno;
        } else if ((err = connect_within(fd, a, CONNECT_TIMEOUT_MS))) {
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(ai);
    if (fd < 0)
        snprintf(why, why_len, "cannot connect to %s port %s: %s", host,
                 port, strerror(err));
    return fd;
}

int lo_conn_open(struct lo_conn **out, const struct lo_endpoint *where,
                 char *why, size_t why_len)
{
    *out = NULL;
    struct lo_conn *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(why, why_len, "out of memory");
        return LO_CONN_FAILED;
    }
    c->fd = connect_tcp(where->host, where->port, why, why_len);
    if (c->fd < 0) {
        free(c);
        return LO_CONN_FAILED;
    }
    msgpack_sbuffer_init(&c->out);
    msgpack_packer_init(&c->packer, &c->out, msgpack_sbuffer_write);
    c->next_msgid = 1;
    c->notes_end = &c->notes;
    *out = c;

    c->ctx = SSL_CTX_new(TLS_client_method());
    if (!c->ctx || !SSL_CTX_set_min_proto_version(c->ctx, TLS1_2_VERSION)) {
        snprintf(why, why_len, "TLS: %s", tls_error("cannot start"));
        return LO_CONN_FAILED;
    }
    /* the certificate is judged after the handshake (trust.c), so that
     * an unknown one can be shown and asked about */
    SSL_CTX_set_verify(c->ctx, SSL_VERIFY_NONE, NULL);
    c->ssl = SSL_new(c->ctx);
    if (!c->ssl || !SSL_set_fd(c->ssl, c->fd) ||
        lo_trust_prepare(c->ctx, c->ssl, where, why, why_len)) {
        if (!why[0])
            snprintf(why, why_len, "TLS: %s", tls_error("cannot start"));
        return LO_CONN_FAILED;
    }
    SSL_set_mode(c->ssl, SSL_MODE_AUTO_RETRY);
    if (SSL_connect(c->ssl) != 1) {
        snprintf(why, why_len, "TLS handshake with %s port %s failed: %s "
                 "(is it a LispOS server?)", where->host, where->port,
                 tls_error("the server closed the connection"));
        return LO_CONN_FAILED;
    }
    return lo_trust_check(c->ssl, where, why, why_len) ? LO_CONN_FAILED
                                                        : LO_CONN_OK;
}

static void free_note(struct lo_note *n)
{
    if (n->zone)
        msgpack_zone_free(n->zone);
    free(n->buffer);
    n->zone = NULL;
    n->buffer = NULL;
}

void lo_conn_close(struct lo_conn *c)
{
    if (!c)
        return;
    while (c->notes) {
        struct queued *q = c->notes;
        c->notes = q->next;
        free_note(&q->note);
        free(q);
    }
    if (c->ssl) {
        SSL_shutdown(c->ssl);
        SSL_free(c->ssl);
    }
    SSL_CTX_free(c->ctx);
    if (c->fd >= 0)
        close(c->fd);
    msgpack_sbuffer_destroy(&c->out);
    free(c->in);
    free(c);
}

/* ---- bytes ---- */

static int write_all(struct lo_conn *c, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        int chunk = len > (1u << 30) ? 1 << 30 : (int)len;
        int n = SSL_write(c->ssl, p, chunk);
        if (n <= 0)
            return fail(c, "the connection to the server was lost "
                           "while sending");
        p += n;
        len -= (size_t)n;
    }
    return LO_CONN_OK;
}

/* Wait until bytes can be read, up to timeout_ms (-1: for ever).
 * LO_CONN_OK, LO_CONN_REFUSED (timed out) or LO_CONN_INTERRUPTED (the
 * count of SIGINTs is no longer `seen`, the caller's). */
static int wait_readable(struct lo_conn *c, int timeout_ms, sig_atomic_t seen)
{
    if (SSL_pending(c->ssl) > 0)
        return LO_CONN_OK;
    /* in slices, so that a SIGINT just before poll is not missed */
    enum { SLICE_MS = 200 };
    for (int waited = 0; timeout_ms < 0 || waited < timeout_ms;
         waited += SLICE_MS) {
        struct pollfd p = { c->fd, POLLIN, 0 };
        int slice = timeout_ms < 0 || timeout_ms - waited > SLICE_MS
                        ? SLICE_MS : timeout_ms - waited;
        int n = poll(&p, 1, slice);
        if (interrupts != seen)
            return LO_CONN_INTERRUPTED;
        if (n < 0 && errno != EINTR)
            return fail(c, strerror(errno));
        if (n > 0)
            return LO_CONN_OK;
    }
    return LO_CONN_REFUSED;
}

static int read_more(struct lo_conn *c)
{
    if (c->in_cap - c->in_len < 65536) {
        size_t cap = c->in_cap ? c->in_cap * 2 : 131072;
        uint8_t *in = realloc(c->in, cap);
        if (!in)
            return fail(c, "out of memory reading a response");
        c->in = in;
        c->in_cap = cap;
    }
    int n = SSL_read(c->ssl, c->in + c->in_len, (int)(c->in_cap - c->in_len));
    if (n <= 0)
        return fail(c, "the server closed the connection");
    c->in_len += (size_t)n;
    return LO_CONN_OK;
}

/* The next whole message, unpacked: *o in a new zone, its bytes in
 * *buffer.  Waits as wait_readable does. */
static int read_message(struct lo_conn *c, int timeout_ms, sig_atomic_t seen,
                        msgpack_object *o, msgpack_zone **zone, void **buffer)
{
    static const struct lo_frame_limits limits = { MESSAGE_MOST, DEPTH_MOST };
    for (;;) {
        size_t used = 0;
        enum lo_frame_status st = c->in_len
            ? lo_frame_scan(c->in, c->in_len, &limits, &used)
            : LO_FRAME_PARTIAL;
        if (st == LO_FRAME_COMPLETE)
            break;
        if (st != LO_FRAME_PARTIAL) {
            char text[128];
            snprintf(text, sizeof text, "a bad message from the server: %s",
                     lo_frame_status_text(st));
            return fail(c, text);
        }
        int rc = wait_readable(c, timeout_ms, seen);
        if (rc != LO_CONN_OK)
            return rc;
        if ((rc = read_more(c)) != LO_CONN_OK)
            return rc;
    }
    size_t used = 0;
    lo_frame_scan(c->in, c->in_len, &limits, &used);
    *buffer = malloc(used);
    *zone = msgpack_zone_new(8192);
    if (!*buffer || !*zone) {
        free(*buffer);
        if (*zone)
            msgpack_zone_free(*zone);
        return fail(c, "out of memory reading a response");
    }
    memcpy(*buffer, c->in, used);
    memmove(c->in, c->in + used, c->in_len - used);
    c->in_len -= used;
    size_t off = 0;
    if (msgpack_unpack(*buffer, used, &off, *zone, o) != MSGPACK_UNPACK_SUCCESS) {
        msgpack_zone_free(*zone);
        free(*buffer);
        return fail(c, "a message from the server could not be decoded");
    }
    return LO_CONN_OK;
}

/* ---- requests and responses ---- */

msgpack_packer *lo_conn_request(struct lo_conn *c, const char *method,
                                uint32_t nparams)
{
    msgpack_sbuffer_clear(&c->out);
    msgpack_pack_array(&c->packer, 4);
    msgpack_pack_int(&c->packer, 0);
    msgpack_pack_uint32(&c->packer, c->next_msgid);
    lo_pack_str(&c->packer, method);
    msgpack_pack_array(&c->packer, nparams);
    return &c->packer;
}

static int send_cancel(struct lo_conn *c, uint32_t msgid)
{
    msgpack_sbuffer buf;
    msgpack_sbuffer_init(&buf);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &buf, msgpack_sbuffer_write);
    msgpack_pack_array(&pk, 3);
    msgpack_pack_int(&pk, 2);
    lo_pack_str(&pk, "cancel");
    msgpack_pack_array(&pk, 1);
    msgpack_pack_uint32(&pk, msgid);
    int rc = write_all(c, buf.data, buf.size);
    msgpack_sbuffer_destroy(&buf);
    return rc;
}

static bool is_kind(const msgpack_object *o, int kind, uint32_t size)
{
    return o->type == MSGPACK_OBJECT_ARRAY && o->via.array.size == size &&
           o->via.array.ptr[0].type == MSGPACK_OBJECT_POSITIVE_INTEGER &&
           o->via.array.ptr[0].via.u64 == (uint64_t)kind;
}

/* Keep a notification for lo_conn_notification; false if it is none. */
static bool queue_if_note(struct lo_conn *c, msgpack_object *o,
                          msgpack_zone *zone, void *buffer)
{
    if (!is_kind(o, 2, 3) || o->via.array.ptr[1].type != MSGPACK_OBJECT_STR)
        return false;
    struct queued *q = calloc(1, sizeof *q);
    if (!q)
        return false;
    q->note.method = o->via.array.ptr[1].via.str.ptr;
    q->note.method_len = o->via.array.ptr[1].via.str.size;
    q->note.params = &o->via.array.ptr[2];
    q->note.zone = zone;
    q->note.buffer = buffer;
    *c->notes_end = q;
    c->notes_end = &q->next;
    return true;
}

int lo_conn_call(struct lo_conn *c, struct lo_reply *r)
{
    memset(r, 0, sizeof *r);
    uint32_t msgid = c->next_msgid++;
    int rc = write_all(c, c->out.data, c->out.size);
    msgpack_sbuffer_clear(&c->out);
    if (rc != LO_CONN_OK)
        return rc;
    sig_atomic_t seen = interrupts;
    bool cancelled = false;
    for (;;) {
        if (interrupts != seen) {
            /* Ctrl-C: the first asks the server to cancel; the next
             * stops waiting (the answer, when it comes, is dropped) */
            if (cancelled)
                return LO_CONN_INTERRUPTED;
            seen = interrupts;
            cancelled = true;
            if ((rc = send_cancel(c, msgid)) != LO_CONN_OK)
                return rc;
        }
        msgpack_object o;
        msgpack_zone *zone;
        void *buffer;
        rc = read_message(c, -1, seen, &o, &zone, &buffer);
        if (rc == LO_CONN_INTERRUPTED)
            continue;                   /* a signal: see above */
        if (rc != LO_CONN_OK)
            return rc;
        if (queue_if_note(c, &o, zone, buffer))
            continue;
        if (is_kind(&o, 1, 4) &&
            o.via.array.ptr[1].type == MSGPACK_OBJECT_POSITIVE_INTEGER &&
            o.via.array.ptr[1].via.u64 == msgid) {
            const msgpack_object *a = o.via.array.ptr;
            r->error = a[2].type == MSGPACK_OBJECT_NIL ? NULL : &a[2];
            r->result = &a[3];
            r->zone = zone;
            r->buffer = buffer;
            return LO_CONN_OK;
        }
        /* the late answer of a call given up on */
        msgpack_zone_free(zone);
        free(buffer);
    }
}

void lo_reply_free(struct lo_reply *r)
{
    if (r->zone)
        msgpack_zone_free(r->zone);
    free(r->buffer);
    memset(r, 0, sizeof *r);
}

int lo_conn_notification(struct lo_conn *c, int timeout_ms, struct lo_note *n)
{
    memset(n, 0, sizeof *n);
    /* Any SIGINT since lo_conn_clear_interrupt, not just one during this
     * wait: one that came while the caller printed the last notification
     * was otherwise missed, and `watch` waited for ever. */
    sig_atomic_t seen = 0;
    if (interrupts != seen)
        return LO_CONN_INTERRUPTED;
    while (!c->notes) {
        msgpack_object o;
        msgpack_zone *zone;
        void *buffer;
        int rc = read_message(c, timeout_ms, seen, &o, &zone, &buffer);
        if (rc != LO_CONN_OK)
            return rc;
        if (!queue_if_note(c, &o, zone, buffer)) {
            msgpack_zone_free(zone);
            free(buffer);
        }
    }
    struct queued *q = c->notes;
    c->notes = q->next;
    if (!c->notes)
        c->notes_end = &c->notes;
    *n = q->note;
    free(q);
    return LO_CONN_OK;
}

void lo_note_free(struct lo_note *n)
{
    free_note(n);
}

/* ---- login ---- */

/* A login's reply: OK, or LO_CONN_LOGIN with the server's message. */
static int login_result(struct lo_reply *r, char *why, size_t why_len)
{
    if (!r->error) {
        lo_reply_free(r);
        return LO_CONN_OK;
    }
    char type[64], message[512];
    lo_error_parts(r->error, type, sizeof type, message, sizeof message,
                   NULL, NULL);
    if (!strcmp(type, "LOGIN-FAILED"))
        snprintf(why, why_len, "login failed: wrong user name or password");
    else
        snprintf(why, why_len, "login refused (%s): %s", type, message);
    lo_reply_free(r);
    return LO_CONN_LOGIN;
}

int lo_conn_login(struct lo_conn *c, const char *user, const char *password,
                  char *why, size_t why_len)
{
    msgpack_packer *pk = lo_conn_request(c, "login", 2);
    lo_pack_str(pk, user);
    lo_pack_str(pk, password);
    struct lo_reply r;
    int rc = lo_conn_call(c, &r);
    if (rc != LO_CONN_OK) {
        snprintf(why, why_len, "%s", lo_conn_failure(c));
        return rc;
    }
    return login_result(&r, why, why_len);
}

int lo_conn_login_key(struct lo_conn *c, const char *user,
                      const struct lo_key *key, char *why, size_t why_len)
{
    msgpack_packer *pk = lo_conn_request(c, "login-key", 1);
    lo_pack_str(pk, user);
    struct lo_reply r;
    int rc = lo_conn_call(c, &r);
    if (rc != LO_CONN_OK) {
        snprintf(why, why_len, "%s", lo_conn_failure(c));
        return rc;
    }
    if (r.error)
        return login_result(&r, why, why_len);
    const msgpack_object *challenge = lo_map_get(r.result, "challenge");
    if (!challenge || challenge->type != MSGPACK_OBJECT_BIN) {
        lo_reply_free(&r);
        snprintf(why, why_len, "login-key: the server sent no challenge");
        return LO_CONN_FAILED;
    }
    /* "lispos-login-key" NUL user NUL challenge (docs/protocol.md) */
    static const char tag[] = "lispos-login-key";
    size_t user_len = strlen(user), len = sizeof tag + user_len + 1 +
                                          challenge->via.bin.size;
    uint8_t *message = malloc(len), signature[64];
    if (!message) {
        lo_reply_free(&r);
        snprintf(why, why_len, "out of memory");
        return LO_CONN_FAILED;
    }
    memcpy(message, tag, sizeof tag);
    memcpy(message + sizeof tag, user, user_len + 1);
    memcpy(message + sizeof tag + user_len + 1, challenge->via.bin.ptr,
           challenge->via.bin.size);
    lo_key_sign(key, message, len, signature);
    free(message);
    lo_reply_free(&r);
    pk = lo_conn_request(c, "login-key", 2);
    lo_pack_str(pk, user);
    msgpack_pack_bin(pk, sizeof signature);
    msgpack_pack_bin_body(pk, signature, sizeof signature);
    if ((rc = lo_conn_call(c, &r)) != LO_CONN_OK) {
        snprintf(why, why_len, "%s", lo_conn_failure(c));
        return rc;
    }
    return login_result(&r, why, why_len);
}

/* ---- reading replies ---- */

const msgpack_object *lo_map_get(const msgpack_object *map, const char *key)
{
    if (!map || map->type != MSGPACK_OBJECT_MAP)
        return NULL;
    size_t len = strlen(key);
    for (uint32_t i = 0; i < map->via.map.size; i++) {
        const msgpack_object *k = &map->via.map.ptr[i].key;
        if (k->type == MSGPACK_OBJECT_STR && k->via.str.size == len &&
            !memcmp(k->via.str.ptr, key, len))
            return &map->via.map.ptr[i].val;
    }
    return NULL;
}

void lo_object_text(const msgpack_object *o, char *out, size_t len)
{
    if (!len)
        return;
    out[0] = 0;
    if (!o || o->type != MSGPACK_OBJECT_STR)
        return;
    size_t n = o->via.str.size < len - 1 ? o->via.str.size : len - 1;
    memcpy(out, o->via.str.ptr, n);
    out[n] = 0;
}

void lo_error_parts(const msgpack_object *error, char *type, size_t type_len,
                    char *message, size_t message_len, const char **backtrace,
                    uint32_t *backtrace_len)
{
    lo_object_text(lo_map_get(error, "type"), type, type_len);
    lo_object_text(lo_map_get(error, "message"), message, message_len);
    if (backtrace) {
        const msgpack_object *b = lo_map_get(error, "backtrace");
        bool is_text = b && b->type == MSGPACK_OBJECT_STR;
        *backtrace = is_text ? b->via.str.ptr : "";
        *backtrace_len = is_text ? b->via.str.size : 0;
    }
}

/* ---- packing ---- */

void lo_pack_str(msgpack_packer *pk, const char *s)
{
    size_t len = strlen(s);
    msgpack_pack_str(pk, len);
    msgpack_pack_str_body(pk, s, len);
}

void lo_pack_keyword(msgpack_packer *pk, const char *name)
{
    size_t len = strlen(name);
    msgpack_pack_ext(pk, len, 2);
    msgpack_pack_ext_body(pk, name, len);
}
