/*
 * server_bench.c -- a load client for lispos-server (tests/bench/
 * server_bench.sh runs it beside redis-benchmark): C connections over
 * TLS, each a thread sending P requests at once (pipelining, as
 * redis-benchmark -P: P in one write, then their P replies), every
 * response's latency recorded.  Prints one line:
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
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct config {
    int port, conns, pipeline;
    long requests;
    const char *ca, *user, *password, *method;
};

/* Every connection logs in (Argon2id: slow on purpose) before the clock
 * starts: the figures are of the requests alone. */
static pthread_barrier_t ready;
struct worker {
    pthread_t thread;
    const struct config *cfg;
    SSL_CTX *ctx;
    long requests;
    uint64_t *latency_ns;       /* one per request */
    long done, errors;
};

static uint64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

struct conn {
    int fd;
    SSL *ssl;
    msgpack_unpacker up;
};

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

static void *run(void *arg)
{
    struct worker *w = arg;
    const struct config *cfg = w->cfg;
    if (!strcmp(cfg->method, "login"))
        return run_logins(w);
    struct conn c = { 0 };
    bool in = conn_open(&c, w) && login(&c, cfg);
    pthread_barrier_wait(&ready);
    if (!in) {
        w->errors = w->requests;
        conn_close(&c);
        return NULL;
    }
    msgpack_sbuffer b;
    msgpack_sbuffer_init(&b);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &b, msgpack_sbuffer_write);
    msgpack_unpacked m;
    msgpack_unpacked_init(&m);
    int64_t entry = 0;
    if (!strcmp(cfg->method, "get")) {      /* the entry it reads */
        request_head(&pk, 1, "store.put", 2);
        pack_string(&pk, "a small value");
        msgpack_pack_array(&pk, 6);
        pack_string(&pk, "name");
        pack_string(&pk, "bench");
        pack_string(&pk, "year");
        msgpack_pack_int(&pk, 2026);
        pack_string(&pk, "kind");
        pack_string(&pk, "small");
        if (call(&c, &b, &m))
            entry = m.data.via.array.ptr[3].via.i64;
        msgpack_sbuffer_clear(&b);
    }
    pthread_barrier_wait(&ready);           /* the clock starts */
    uint64_t *sent = calloc((size_t)w->requests + 1, sizeof *sent);
    long next = 0;
    int in_flight = 0;
    while (w->done < w->requests) {
        /* as redis-benchmark -P does: P requests in one write, then
         * their P replies, then the next P */
        for (int k = 0; in_flight == 0 && k < cfg->pipeline &&
                        next + k < w->requests; k++) {
            pack_request(&pk, cfg->method, (uint64_t)(next + k) + 100, entry);
            sent[next + k] = now_ns();
        }
        if (in_flight == 0) {
            long batch = w->requests - next < cfg->pipeline
                             ? w->requests - next : cfg->pipeline;
            next += batch;
            in_flight = (int)batch;
        }
        if (b.size) {
            if (!send_all(&c, &b))
                break;
            msgpack_sbuffer_clear(&b);
        }
        if (!receive(&c, &m))
            break;
        msgpack_object *o = &m.data;
        if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size != 4 ||
            o->via.array.ptr[0].via.u64 != 1)
            continue;                   /* a notification */
        uint64_t id = o->via.array.ptr[1].via.u64 - 100;
        if (id < (uint64_t)w->requests)
            w->latency_ns[w->done] = now_ns() - sent[id];
        if (o->via.array.ptr[2].type != MSGPACK_OBJECT_NIL) {
            if (!w->errors++)           /* the first one said */
                msgpack_object_print(stderr, o->via.array.ptr[2]),
                    fputc('\n', stderr);
        }
        w->done++;
        in_flight--;
    }
    w->errors += w->requests - w->done;
    free(sent);
    msgpack_unpacked_destroy(&m);
    msgpack_sbuffer_destroy(&b);
    conn_close(&c);
    return NULL;
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
    /* the connections and the main thread meet twice: logged in, then
     * set up (a login benchmark measures the logins themselves) */
    pthread_barrier_init(&ready, NULL, (unsigned)cfg.conns + 1);
    for (int i = 0; i < cfg.conns; i++) {
        w[i].cfg = &cfg;
        w[i].ctx = ctx;
        w[i].requests = per;
        w[i].latency_ns = calloc((size_t)per + 1, sizeof *w[i].latency_ns);
        pthread_create(&w[i].thread, NULL, run, &w[i]);
    }
    if (!logins) {
        pthread_barrier_wait(&ready);
        pthread_barrier_wait(&ready);
    }
    uint64_t t0 = now_ns();
    long done = 0, errors = 0;
    for (int i = 0; i < cfg.conns; i++) {
        pthread_join(w[i].thread, NULL);
        done += w[i].done;
        errors += w[i].errors;
    }
    double seconds = (double)(now_ns() - t0) / 1e9;
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
