/*
 * server_bench.c -- a load client for lispos-server (tests/bench/
 * server_bench.sh runs it beside redis-benchmark): C connections over
 * TLS, made ready (logged in) by a thread each, then driven by one
 * thread as redis-benchmark drives its own: each sends P requests at
 * once (pipelining, as redis-benchmark -P: P in one write, then their P
 * replies), every response's latency recorded.  Each reply's envelope is
 * checked (a response, its error nil) and its result stepped over as
 * well-formed MessagePack without being decoded, as redis-benchmark
 * steps over a GET's value: the figures are the server's, not the cost
 * of decoding a map in this client.  Prints one line:
 *   rps=... p50_us=... p99_us=... errors=...
 *
 *   server_bench --port N --ca CRT --user U --password PW
 *                --method eval|get|hello|login [--conns C] [--pipeline P]
 *                [--requests R]            (in all, spread over the conns)
 *
 * eval sends (+ 1 2); hello, answered on the server's event loop without
 * a worker, shows what the loop alone costs; get sends store.get of an entry each connection
 * puts first (a short string, three attributes); login makes a new
 * connection -- TCP, the full TLS handshake, login -- for every request.
 */
#include <arpa/inet.h>
#include <msgpack.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct config {
    int port, conns, pipeline;
    long requests;
    const char *ca, *user, *password, *method;
};

struct conn {
    int fd;
    SSL *ssl;
    msgpack_unpacker up;
};

/* One connection.  Every connection logs in (Argon2id: slow on purpose)
 * before the clock starts: the figures are of the requests alone. */
struct worker {
    pthread_t thread;
    const struct config *cfg;
    SSL_CTX *ctx;
    struct conn c;
    bool ok;                    /* connected and logged in */
    int64_t entry;              /* get's */
    long requests, next, in_flight;
    long batch;                 /* the requests packed in out */
    uint64_t batch_sent;        /* when they were last sent */
    msgpack_sbuffer out;
    uint8_t in[1 << 16];        /* replies read, not yet taken */
    size_t in_len;
    uint64_t *latency_ns;       /* one per request */
    long done, errors;
};

static uint64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static bool conn_open(struct conn *c, const struct worker *w)
{
    struct sockaddr_in a = { .sin_family = AF_INET,
                             .sin_port = htons((uint16_t)w->cfg->port) };
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    c->fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(c->fd, (struct sockaddr *)&a, sizeof a) != 0)
        return false;
    c->ssl = SSL_new(w->ctx);
    SSL_set_fd(c->ssl, c->fd);
    SSL_set_tlsext_host_name(c->ssl, "localhost");
    if (SSL_connect(c->ssl) != 1)
        return false;
    msgpack_unpacker_init(&c->up, 1 << 16);
    return true;
}

static void conn_close(struct conn *c)
{
    if (c->ssl) {
        SSL_shutdown(c->ssl);
        SSL_free(c->ssl);
        msgpack_unpacker_destroy(&c->up);
    }
    close(c->fd);
}

static bool send_all(struct conn *c, const msgpack_sbuffer *b)
{
    return SSL_write(c->ssl, b->data, (int)b->size) == (int)b->size;
}

/* The next message: false on a closed connection. */
static bool receive(struct conn *c, msgpack_unpacked *m)
{
    for (;;) {
        if (msgpack_unpacker_next(&c->up, m) == MSGPACK_UNPACK_SUCCESS)
            return true;
        msgpack_unpacker_reserve_buffer(&c->up, 1 << 16);
        int n = SSL_read(c->ssl, msgpack_unpacker_buffer(&c->up),
                         (int)msgpack_unpacker_buffer_capacity(&c->up));
        if (n <= 0)
            return false;
        msgpack_unpacker_buffer_consumed(&c->up, (size_t)n);
    }
}

/* A request [0, id, method, params] with params packed by the caller
 * after this: returns the packer. */
static void request_head(msgpack_packer *pk, uint64_t id, const char *method,
                         size_t nparams)
{
    msgpack_pack_array(pk, 4);
    msgpack_pack_uint8(pk, 0);
    msgpack_pack_uint64(pk, id);
    msgpack_pack_str_with_body(pk, method, strlen(method));
    msgpack_pack_array(pk, nparams);
}

static void pack_string(msgpack_packer *pk, const char *s)
{
    msgpack_pack_str_with_body(pk, s, strlen(s));
}

/* One call, waited for: its result in *m (error -> false). */
static bool call(struct conn *c, msgpack_sbuffer *b, msgpack_unpacked *m)
{
    if (!send_all(c, b) || !receive(c, m))
        return false;
    msgpack_object *o = &m->data;
    return o->type == MSGPACK_OBJECT_ARRAY && o->via.array.size == 4 &&
           o->via.array.ptr[2].type == MSGPACK_OBJECT_NIL;
}

static bool login(struct conn *c, const struct config *cfg)
{
    msgpack_sbuffer b;
    msgpack_sbuffer_init(&b);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &b, msgpack_sbuffer_write);
    request_head(&pk, 0, "login", 2);
    pack_string(&pk, cfg->user);
    pack_string(&pk, cfg->password);
    msgpack_unpacked m;
    msgpack_unpacked_init(&m);
    bool ok = call(c, &b, &m);
    msgpack_unpacked_destroy(&m);
    msgpack_sbuffer_destroy(&b);
    return ok;
}

/* The request this benchmark repeats, for msgid id. */
static void pack_request(msgpack_packer *pk, const char *method, uint64_t id,
                         int64_t entry)
{
    if (!strcmp(method, "eval")) {
        request_head(pk, id, "eval", 1);
        pack_string(pk, "(+ 1 2)");
    } else if (!strcmp(method, "hello")) {     /* answered by the loop */
        request_head(pk, id, "hello", 0);
    } else {
        request_head(pk, id, "store.get", 1);
        msgpack_pack_int64(pk, entry);
    }
}

static void *run_logins(struct worker *w)
{
    for (long k = 0; k < w->requests; k++) {
        uint64_t t0 = now_ns();
        struct conn c = { 0 };
        bool ok = conn_open(&c, w) && login(&c, w->cfg);
        conn_close(&c);
        w->latency_ns[w->done++] = now_ns() - t0;
        w->errors += !ok;
    }
    return NULL;
}

/* A connection made ready on its own thread -- connected, logged in
 * (the server's Argon2id checks run at once), for get its entry put --
 * or, for login, the whole run of logins. */
static void *set_up(void *arg)
{
    struct worker *w = arg;
    const struct config *cfg = w->cfg;
    if (!strcmp(cfg->method, "login"))
        return run_logins(w);
    w->ok = conn_open(&w->c, w) && login(&w->c, cfg);
    if (w->ok && !strcmp(cfg->method, "get")) {     /* the entry it reads */
        msgpack_sbuffer b;
        msgpack_sbuffer_init(&b);
        msgpack_packer pk;
        msgpack_packer_init(&pk, &b, msgpack_sbuffer_write);
        msgpack_unpacked m;
        msgpack_unpacked_init(&m);
        request_head(&pk, 1, "store.put", 2);
        pack_string(&pk, "a small value");
        msgpack_pack_array(&pk, 6);
        pack_string(&pk, "name");
        pack_string(&pk, "bench");
        pack_string(&pk, "year");
        msgpack_pack_int(&pk, 2026);
        pack_string(&pk, "kind");
        pack_string(&pk, "small");
        w->ok = call(&w->c, &b, &m);
        if (w->ok)
            w->entry = m.data.via.array.ptr[3].via.i64;
        msgpack_unpacked_destroy(&m);
        msgpack_sbuffer_destroy(&b);
    }
    msgpack_sbuffer_init(&w->out);
    return NULL;
}

/* The next P requests of w (as redis-benchmark -P: in one write), or
 * false when its connection failed.  As redis-benchmark does, the
 * requests are packed once and sent again and again: a batch's msgids
 * are 100 to 100 + P - 1, its replies all in before the next. */
static bool send_batch(struct worker *w)
{
    const struct config *cfg = w->cfg;
    long batch = w->requests - w->next < cfg->pipeline
                     ? w->requests - w->next : cfg->pipeline;
    if (batch != w->batch) {        /* the first, or a shorter last one */
        msgpack_packer pk;
        msgpack_packer_init(&pk, &w->out, msgpack_sbuffer_write);
        msgpack_sbuffer_clear(&w->out);
        for (long k = 0; k < batch; k++)
            pack_request(&pk, cfg->method, (uint64_t)k + 100, w->entry);
        w->batch = batch;
    }
    w->batch_sent = now_ns();
    w->next += batch;
    w->in_flight = batch;
    for (;;) {      /* a few hundred bytes: the socket takes them at once */
        int n = SSL_write(w->c.ssl, w->out.data, (int)w->out.size);
        if (n == (int)w->out.size)
            return true;
        int e = SSL_get_error(w->c.ssl, n);
        if (e != SSL_ERROR_WANT_WRITE && e != SSL_ERROR_WANT_READ)
            return false;
        struct pollfd p = { w->c.fd, e == SSL_ERROR_WANT_WRITE ? POLLOUT
                                                                : POLLIN, 0 };
        poll(&p, 1, 1000);
    }
}

/* The length of the MessagePack value at p (n bytes there), 0 while it
 * is not all there (or is not MessagePack).  The load loop reads a
 * reply's id and error and steps over its result, as redis-benchmark
 * steps over a GET's value: what it measures is the server. */
static uint64_t be(const uint8_t *p, int bytes)
{
    uint64_t x = 0;
    for (int i = 0; i < bytes; i++)
        x = x << 8 | p[i];
    return x;
}

static size_t value_length(const uint8_t *p, size_t n, int depth)
{
    if (n < 1 || depth > 64)
        return 0;
    uint8_t t = p[0];
    size_t head = 1, body = 0;
    uint64_t items = 0;                 /* values after the head */
    if (t <= 0x7f || t >= 0xe0 || t == 0xc0 || t == 0xc2 || t == 0xc3)
        head = 1;
    else if ((t & 0xf0) == 0x80)
        items = 2u * (t & 0x0f);        /* fixmap */
    else if ((t & 0xf0) == 0x90)
        items = t & 0x0f;               /* fixarray */
    else if ((t & 0xe0) == 0xa0)
        body = t & 0x1f;                /* fixstr */
    else {
        static const uint8_t heads[32] = {
            /* c0 */ 1, 0, 1, 1, 2, 3, 5, 3, 4, 6, 5, 9, 2, 3, 5, 9,
            /* d0 */ 2, 3, 5, 9, 3, 4, 6, 10, 18, 2, 3, 5, 3, 5, 3, 5,
        };
        head = heads[t - 0xc0];
        if (!head || n < head)
            return 0;
        switch (t) {
        case 0xc4: case 0xd9: body = p[1]; break;           /* bin8, str8 */
        case 0xc5: case 0xda: body = be(p + 1, 2); break;
        case 0xc6: case 0xdb: body = be(p + 1, 4); break;
        case 0xc7: body = p[1]; break;                      /* ext8 */
        case 0xc8: body = be(p + 1, 2); break;
        case 0xc9: body = be(p + 1, 4); break;
        case 0xdc: items = be(p + 1, 2); break;             /* array16 */
        case 0xdd: items = be(p + 1, 4); break;
        case 0xde: items = 2 * be(p + 1, 2); break;         /* map16 */
        case 0xdf: items = 2 * be(p + 1, 4); break;
        default: break;                 /* numbers, fixext: the head alone */
        }
    }
    if (n < head || n - head < body)
        return 0;
    size_t at = head + body;
    for (uint64_t i = 0; i < items; i++) {
        size_t k = value_length(p + at, n - at, depth + 1);
        if (!k)
            return 0;
        at += k;
    }
    return at;
}

/* The reply at p (n bytes there) taken -- its latency kept, an error
 * counted -- and its length; 0 while it is not all there. */
static size_t take_reply(struct worker *w, const uint8_t *p, size_t n)
{
    size_t len = value_length(p, n, 0);
    if (!len)
        return 0;
    if (len < 3 || p[0] != 0x94 || p[1] != 0x01)
        return len;                     /* a notification */
    size_t id = value_length(p + 2, len - 2, 1);
    bool failed = 2 + id >= len || p[2 + id] != 0xc0;
    if (w->done < w->requests)
        w->latency_ns[w->done] = now_ns() - w->batch_sent;
    if (failed && !w->errors++) {       /* the first one said */
        msgpack_unpacked m;
        msgpack_unpacked_init(&m);
        if (msgpack_unpack_next(&m, (const char *)p, len, NULL) ==
            MSGPACK_UNPACK_SUCCESS)
            msgpack_object_print(stderr, m.data);
        fputc('\n', stderr);
        msgpack_unpacked_destroy(&m);
    }
    w->done++;
    w->in_flight--;
    return len;
}

/* What w's connection has for us, read without blocking: false when it
 * failed. */
static bool read_replies(struct worker *w)
{
    for (;;) {
        if (w->in_len == sizeof w->in)
            return false;               /* a reply larger than the buffer */
        int n = SSL_read(w->c.ssl, w->in + w->in_len,
                         (int)(sizeof w->in - w->in_len));
        if (n <= 0) {
            int e = SSL_get_error(w->c.ssl, n);
            return e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE;
        }
        w->in_len += (size_t)n;
        size_t at = 0, k;
        while ((k = take_reply(w, w->in + at, w->in_len - at)) > 0)
            at += k;
        memmove(w->in, w->in + at, w->in_len - at);
        w->in_len -= at;
    }
}

/* Every connection's requests from this one thread, as redis-benchmark
 * drives its connections: each sends P requests, waits for their P
 * replies, sends the next P.  (A thread a connection would spend the
 * cores this machine shares with the server on switching threads.) */
static void drive(struct worker *w, int n)
{
    int ep = epoll_create1(0), active = 0;
    for (int i = 0; i < n; i++) {
        if (!w[i].ok)
            continue;
        fcntl(w[i].c.fd, F_SETFL, fcntl(w[i].c.fd, F_GETFL) | O_NONBLOCK);
        struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &w[i] };
        epoll_ctl(ep, EPOLL_CTL_ADD, w[i].c.fd, &ev);
        if (w[i].requests > 0 && send_batch(&w[i]))
            active++;
    }
    struct epoll_event ready_events[64];
    while (active > 0) {
        int k = epoll_wait(ep, ready_events, 64, 10000);
        if (k <= 0)
            break;                      /* ten silent seconds: give up */
        for (int i = 0; i < k; i++) {
            struct worker *x = ready_events[i].data.ptr;
            bool alive = read_replies(x);
            if (alive && x->in_flight == 0 && x->next < x->requests)
                alive = send_batch(x);
            if (!alive || (x->in_flight == 0 && x->next >= x->requests)) {
                epoll_ctl(ep, EPOLL_CTL_DEL, x->c.fd, NULL);
                active--;
            }
        }
    }
    close(ep);
}

static int by_value(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    struct config cfg = { .conns = 1, .pipeline = 1, .requests = 10000,
                          .method = "eval" };
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *k = argv[i], *v = argv[i + 1];
        if (!strcmp(k, "--port")) cfg.port = atoi(v);
        else if (!strcmp(k, "--ca")) cfg.ca = v;
        else if (!strcmp(k, "--user")) cfg.user = v;
        else if (!strcmp(k, "--password")) cfg.password = v;
        else if (!strcmp(k, "--method")) cfg.method = v;
        else if (!strcmp(k, "--conns")) cfg.conns = atoi(v);
        else if (!strcmp(k, "--pipeline")) cfg.pipeline = atoi(v);
        else if (!strcmp(k, "--requests")) cfg.requests = atol(v);
        else {
            fprintf(stderr, "server_bench: unknown %s\n", k);
            return 2;
        }
    }
    if (!cfg.port || !cfg.ca || !cfg.user || !cfg.password || cfg.conns < 1 ||
        cfg.pipeline < 1) {
        fprintf(stderr, "usage: server_bench --port N --ca CRT --user U "
                "--password PW --method eval|get|login [--conns C] "
                "[--pipeline P] [--requests R]\n");
        return 2;
    }
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    if (SSL_CTX_load_verify_locations(ctx, cfg.ca, NULL) != 1) {
        fprintf(stderr, "server_bench: cannot read %s\n", cfg.ca);
        return 1;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    struct worker *w = calloc((size_t)cfg.conns, sizeof *w);
    long per = cfg.requests / cfg.conns;
    bool logins = !strcmp(cfg.method, "login");
    for (int i = 0; i < cfg.conns; i++) {
        w[i].cfg = &cfg;
        w[i].ctx = ctx;
        w[i].requests = per;
        w[i].latency_ns = calloc((size_t)per + 1, sizeof *w[i].latency_ns);
        pthread_create(&w[i].thread, NULL, set_up, &w[i]);
    }
    /* a login benchmark measures the set-up threads themselves; the
     * others start the clock once every connection is ready */
    uint64_t t0 = now_ns();
    for (int i = 0; i < cfg.conns; i++)
        pthread_join(w[i].thread, NULL);
    if (!logins) {
        t0 = now_ns();
        drive(w, cfg.conns);
    }
    long done = 0, errors = 0;
    for (int i = 0; i < cfg.conns; i++) {
        done += w[i].done;
        errors += w[i].errors + (w[i].requests - w[i].done);
    }
    double seconds = (double)(now_ns() - t0) / 1e9;
    for (int i = 0; i < cfg.conns; i++)
        if (!logins) {
            conn_close(&w[i].c);
            msgpack_sbuffer_destroy(&w[i].out);
        }
    uint64_t *all = calloc((size_t)done + 1, sizeof *all);
    long n = 0;
    for (int i = 0; i < cfg.conns; i++)
        for (long k = 0; k < w[i].done; k++)
            all[n++] = w[i].latency_ns[k];
    qsort(all, (size_t)n, sizeof *all, by_value);
    printf("rps=%.0f p50_us=%.1f p99_us=%.1f errors=%ld\n", done / seconds,
           n ? all[n / 2] / 1e3 : 0.0, n ? all[n * 99 / 100] / 1e3 : 0.0,
           errors);
    return errors ? 1 : 0;
}
