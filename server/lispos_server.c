/*
 * lispos_server.c -- lispos-server: the long-running server holding the
 * single persistent address space for many users (docs/server.md).
 *
 *   lispos-server --init --data DIR [--size BYTES]   a new store, its TLS
 *                                                   certificate, admin
 *   lispos-server --data DIR [--listen HOST:PORT]    serve it
 *
 * The data directory holds the store (lispos.store, a file of three slots
 * a page: ckpt/) and tls/ (server.crt, server.key).  Serving: one libevent
 * loop on this thread does the TLS I/O of every connection (session.c);
 * a pool of worker threads runs the Lisp (pool.c).  SIGINT or SIGTERM
 * stops it after the requests in flight, with a final snapshot.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>
#include <event2/thread.h>
#include <ini.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "auth/hosted/password.h"
#include "ckpt/ckpt.h"
#include "lisp/api.h"
#include "server/accounts.h"
#include "server/metrics.h"
#include "server/server.h"
#include "server/size_arg.h"
#include "server/tls.h"
#include "server/version_arg.h"
#include "server/watch.h"
#include "store/store_api.h"

#define DEFAULT_LISTEN "127.0.0.1:7453"

struct options {
    bool init;
    const char *data;
    const char *disk;           /* the store's disk, else DATA/lispos.store */
    const char *listen;
    const char *metrics;        /* HOST:PORT of the Prometheus figures */
    uint64_t size;
    uint64_t memory;            /* frame budget, bytes (0: none) */
    unsigned max_connections, max_per_user;
    uint64_t max_message;       /* bytes of one message after login */
    unsigned max_depth;         /* nesting of one message after login */
    unsigned max_in_flight;     /* requests of one connection at once */
    int workers;
    unsigned snapshot_seconds;
    unsigned login_seconds;     /* to shake hands and log in */
    unsigned idle_seconds;      /* a logged-in connection may stay silent */
    struct lo_limits limits;    /* of each evaluation */
};

static void usage(FILE *out)
{
    fprintf(out,
        "usage: lispos-server --init --data DIR [--size BYTES] [--disk PATH]\n"
        "       lispos-server --data DIR [--listen HOST:PORT] [--config FILE]\n"
        "                     [--memory BYTES] [--disk PATH] [other options]\n"
        "\n"
        "  --init            make a new store in DIR (refused if one is there),\n"
        "                    a self-signed TLS certificate in DIR/tls (its\n"
        "                    fingerprint printed) and the administrator 'admin',\n"
        "                    whose password is LISPOS_ADMIN_PASSWORD or is\n"
        "                    generated and printed once\n"
        "  --data DIR        the data directory (default: data)\n"
        "  --size BYTES      with --init: what users can fill (default 1G; the\n"
        "                    file on disk takes three times that, sparse)\n"
        "  --disk PATH       the store on this file or raw block device instead\n"
        "                    of DIR/lispos.store (give it to --init and to\n"
        "                    every start, or put it in the config file)\n"
        "  --memory BYTES    main memory for the store's pages, a cache of the\n"
        "                    disk (default: half the machine's memory)\n"
        "  --listen H:P      where to listen (default " DEFAULT_LISTEN ")\n"
        "  --workers N       threads running Lisp (default: the cores, 2 at least)\n"
        "  --max-eval-seconds S, --max-eval-bytes BYTES\n"
        "                    what one request's evaluation may take: wall time\n"
        "                    (default 60) and heap allocated (default 1G)\n"
        "  --max-eval-steps N\n"
        "                    VM steps of one request's evaluation (default 0:\n"
        "                    no limit but time and bytes)\n"
        "  --max-message-bytes BYTES, --max-depth N, --max-in-flight N\n"
        "                    one message after login: its size (default 16M)\n"
        "                    and nesting (default and most 32); requests of a\n"
        "                    connection at once (default 64)\n"
        "  --max-connections N, --max-connections-per-user N\n"
        "                    connections at once (default 1024), and logged in\n"
        "                    as one user (default 64)\n"
        "  --metrics HOST:PORT\n"
        "                    serve admin.stats' figures for Prometheus over\n"
        "                    plain HTTP there (off unless given)\n"
        "  --log FILE, --log-level LEVEL\n"
        "                    where the log goes (default: stderr) and what it\n"
        "                    holds: debug, info (default), warn, error or off\n"
        "  --login-timeout S, --idle-timeout S\n"
        "                    a connection must shake hands and log in within S\n"
        "                    (default 30); a logged-in one may stay silent S\n"
        "                    (default 3600)\n"
        "  --snapshot-interval SECONDS\n"
        "                    how often the state is made durable (default 60;\n"
        "                    a client's sync makes it so at once)\n"
        "  --config FILE     options from an INI file, section [server], each\n"
        "                    key an option's name (conf/lispos.conf); the\n"
        "                    command line overrides it\n"
        "  --version         print the versions and exit\n"
        "  -h, --help        this text\n");
}

static void path_in(char *out, size_t len, const char *dir, const char *name)
{
    snprintf(out, len, "%s/%s", dir, name);
}

/* ---- opening the store ---- */

struct system {
    lo_disk *disk;
    lo_ckpt *store;
    lo_lisp *L;
};

static int open_system(const char *path, uint64_t create_size,
                       uint64_t memory, struct system *sys)
{
    struct lo_disk_open_options dopt = { .create = create_size != 0,
                                         .size_bytes = create_size };
    int status = lo_host_disk_open(path, &dopt, &sys->disk);
    if (status != LO_OK) {
        lo_log(LO_LOG_ERROR, "cannot open %s: %s", path,
                lo_strerror(status));
        return -1;
    }
    char why[1024];
    struct lo_ckpt_options copt = { .create = create_size != 0,
                                    .frame_budget = memory / 4096 };
    if (lo_ckpt_open(sys->disk, &copt, &sys->store, why, sizeof why) != LO_OK) {
        lo_log(LO_LOG_ERROR, "%s: %s", path, why);
        lo_disk_close(sys->disk);
        return -1;
    }
    struct lo_lisp_open_options lopt = { 0 };
    struct lo_lisp_open_report report;
    if (lo_store_register() != LO_OK ||
        lo_lisp_open_with(sys->store, &lopt, &sys->L, &report, why,
                          sizeof why) != LO_OK) {
        lo_log(LO_LOG_ERROR, "%s: %s", path, why);
        lo_ckpt_close(sys->store);
        lo_disk_close(sys->disk);
        return -1;
    }
    if (report.upgraded)
        lo_log(LO_LOG_INFO, "%s: upgraded to %s", path,
                lo_lisp_release());
    return 0;
}

/* A snapshot, then everything closed; false when the snapshot failed. */
static bool close_system(struct system *sys)
{
    bool ok = lo_ckpt_sync(sys->store) == LO_OK;
    if (!ok)
        lo_log(LO_LOG_ERROR, "the final snapshot failed: %s",
                lo_ckpt_failure(sys->store));
    lo_lisp_close(sys->L);
    lo_ckpt_close(sys->store);
    lo_disk_close(sys->disk);
    return ok;
}

/* The store's path: --disk, else DATA/lispos.store. */
static void store_path(char *out, size_t len, const struct options *o)
{
    if (o->disk)
        snprintf(out, len, "%s", o->disk);
    else
        path_in(out, len, o->data, "lispos.store");
}

/* Whether path (a file or block device) holds a store already: one that
 * opens.  A blank device or a missing file does not. */
static bool holds_store(const char *path)
{
    if (access(path, F_OK) != 0)
        return false;
    struct lo_disk_open_options dopt = { 0 };
    lo_disk *disk;
    if (lo_host_disk_open(path, &dopt, &disk) != LO_OK)
        return true;            /* unreadable: never overwritten */
    struct lo_ckpt_options copt = { 0 };
    lo_ckpt *c;
    char why[256];
    bool opened = lo_ckpt_open(disk, &copt, &c, why, sizeof why) == LO_OK;
    if (opened)
        lo_ckpt_close(c);
    lo_disk_close(disk);
    return opened;
}

/* ---- --init ---- */

static int make_directory(const char *path, mode_t mode)
{
    if (mkdir(path, mode) == 0 || errno == EEXIST)
        return 0;
    fprintf(stderr, "lispos-server: cannot make %s: %s\n", path,
            strerror(errno));
    return -1;
}

static int init_tls(const char *data)
{
    char dir[4096], key[4200], cert[4200], fp[128], why[512];
    path_in(dir, sizeof dir, data, "tls");
    path_in(key, sizeof key, dir, "server.key");
    path_in(cert, sizeof cert, dir, "server.crt");
    if (make_directory(dir, 0700))
        return -1;
    if (access(cert, F_OK) == 0) {
        if (lo_tls_fingerprint(cert, fp, sizeof fp, why, sizeof why)) {
            fprintf(stderr, "lispos-server: %s: %s\n", cert, why);
            return -1;
        }
        printf("TLS certificate: %s (kept)\n", cert);
    } else if (lo_tls_make_certificate(key, cert, fp, sizeof fp, why,
                                       sizeof why)) {
        fprintf(stderr, "lispos-server: %s\n", why);
        return -1;
    } else {
        printf("TLS certificate: %s (new, self-signed)\n", cert);
    }
    printf("TLS fingerprint: SHA256 %s\n", fp);
    return 0;
}

static int init(const struct options *o)
{
    char store[4200];
    store_path(store, sizeof store, o);
    if (holds_store(store)) {
        fprintf(stderr, "lispos-server: %s holds a store: --init makes a new "
                "store and never replaces one\n", store);
        return 1;
    }
    if (make_directory(o->data, 0700) || init_tls(o->data))
        return 1;
    const char *given = getenv("LISPOS_ADMIN_PASSWORD");
    char made[21];
    if (!given || !*given)
        lo_password_generate(made);
    const char *password = given && *given ? given : made;
    struct system sys;
    if (open_system(store, o->size * 3, 0, &sys))
        return 1;
    if (lo_accounts_set_password(sys.L, "admin", password, strlen(password),
                                 false, true) != LO_OK) {
        fprintf(stderr, "lispos-server: cannot record the administrator\n");
        close_system(&sys);
        unlink(store);
        return 1;
    }
    if (!close_system(&sys))
        return 1;
    printf("store: %s (%llu bytes for users; the file takes %llu, sparse)\n", store,
           (unsigned long long)o->size, (unsigned long long)o->size * 3);
    if (given && *given)
        printf("administrator: admin (password from LISPOS_ADMIN_PASSWORD)\n");
    else
        printf("administrator: admin, password %s (shown once)\n", made);
    return 0;
}

/* ---- serving ---- */

/* The periodic snapshot: taken on a worker (it stops the world, which a
 * worker may do between jobs), one at a time. */
struct snapshot_job {
    struct lo_job job;
    struct lo_server *srv;
    bool *pending;
    int status;
};

static void run_snapshot(lo_lisp *W, struct lo_job *job)
{
    (void)W;
    struct snapshot_job *j = (struct snapshot_job *)job;
    j->status = lo_ckpt_snapshot(j->srv->store);
}

static void snapshot_done(struct lo_job *job)
{
    struct snapshot_job *j = (struct snapshot_job *)job;
    struct lo_ckpt_stats st;
    lo_ckpt_stats(j->srv->store, &st);
    if (j->status != LO_OK) {
        lo_log(LO_LOG_ERROR, "a snapshot failed: %s",
                lo_ckpt_failure(j->srv->store));
    } else {
        atomic_store(&j->srv->last_snapshot, (uint64_t)time(NULL));
        lo_log(LO_LOG_INFO, "snapshot %llu: %llu pages, the "
                "flip stopped the world %llu us",
                (unsigned long long)st.generation,
                (unsigned long long)st.last_snapshot_pages,
                (unsigned long long)(st.last_flip_ns / 1000));
    }
    *j->pending = false;
    free(j);
}

struct ticker {
    struct lo_server *srv;
    bool pending;
};

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct ticker *t = arg;
    struct snapshot_job *j = t->pending ? NULL : calloc(1, sizeof *j);
    if (!j)
        return;
    j->job.run = run_snapshot;
    j->job.done = snapshot_done;
    j->srv = t->srv;
    j->pending = &t->pending;
    t->pending = true;
    lo_pool_submit(t->srv->pool, &j->job);
}

static void on_accept(struct evconnlistener *listener, evutil_socket_t fd,
                      struct sockaddr *addr, int len, void *arg)
{
    (void)listener;
    lo_session_accept(arg, fd, addr, len);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    (void)what;
    lo_log(LO_LOG_INFO, "signal %d: stopping", (int)sig);
    event_base_loopexit(arg, NULL);
}

/* HOST:PORT (an IPv4 or IPv6 address, [..] around the latter) into a
 * socket address. */
static int listen_address(const char *text, struct sockaddr_storage *ss,
                          int *len)
{
    *len = sizeof *ss;
    if (evutil_parse_sockaddr_port(text, (struct sockaddr *)ss, len) != 0 ||
        strchr(text, ':') == NULL) {
        fprintf(stderr, "lispos-server: bad --listen '%s' (HOST:PORT, "
                "e.g. " DEFAULT_LISTEN ")\n", text);
        return -1;
    }
    return 0;
}

static int serve(const struct options *o)
{
    char store[4200], cert[4200], key[4200], why[1024];
    store_path(store, sizeof store, o);
    path_in(cert, sizeof cert, o->data, "tls/server.crt");
    path_in(key, sizeof key, o->data, "tls/server.key");
    struct sockaddr_storage ss;
    int ss_len;
    if (listen_address(o->listen, &ss, &ss_len))
        return 2;
    if (access(store, F_OK) != 0) {
        lo_log(LO_LOG_ERROR, "no store at %s (make one with "
                "lispos-server --init --data %s%s%s)", store, o->data,
               o->disk ? " --disk " : "", o->disk ? o->disk : "");
        return 1;
    }
    struct lo_server srv = {
        .before_login = { .max_bytes = 4096, .max_depth = 4 },
        .after_login = { .max_bytes = o->max_message,
                         .max_depth = o->max_depth },
        .max_in_flight = o->max_in_flight,
        .max_sessions = o->max_connections,
        .max_per_user = o->max_per_user,
        .handshake_seconds = o->login_seconds,
        .idle_seconds = o->idle_seconds,
    };
    if (!(srv.tls = lo_tls_server_context(cert, key, why, sizeof why))) {
        lo_log(LO_LOG_ERROR, "%s", why);
        return 1;
    }
    evthread_use_pthreads();
    /* the changelist folds the interest changes of one turn (a reply
     * written, the socket drained) into one epoll_ctl, or none: a
     * syscall a message is most of what the loop costs on a VM */
    struct event_config *cfg = event_config_new();
    if (cfg)
        event_config_set_flag(cfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
    srv.base = cfg ? event_base_new_with_config(cfg) : NULL;
    if (cfg)
        event_config_free(cfg);
    struct system sys;
    if (!srv.base || open_system(store, 0, o->memory, &sys))
        return 1;
    srv.store = sys.store;
    srv.loop_lisp = sys.L;
    if (!msgpack_zone_init(&srv.message_zone, MSGPACK_ZONE_CHUNK_SIZE)) {
        lo_log(LO_LOG_ERROR, "out of memory");
        close_system(&sys);
        return 1;
    }
    srv.started = (uint64_t)time(NULL);
    srv.pool = lo_pool_start(sys.L, o->workers, &o->limits, srv.base, why,
                             sizeof why);
    if (srv.pool)
        srv.watches = lo_watches_new(srv.base, srv.pool);
    if (srv.watches && o->metrics && !lo_metrics_start(&srv, o->metrics)) {
        lo_pool_stop(srv.pool);
        close_system(&sys);
        return 1;
    }
    struct evconnlistener *listener = srv.pool && srv.watches ? evconnlistener_new_bind(
        srv.base, on_accept, &srv, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE,
        128, (struct sockaddr *)&ss, ss_len) : NULL;
    if (!listener) {
        lo_log(LO_LOG_ERROR, "cannot listen on %s: %s", o->listen,
                srv.pool ? strerror(errno) : why);
        if (srv.pool)
            lo_pool_stop(srv.pool);
        close_system(&sys);
        return 1;
    }
    struct event *sigint = evsignal_new(srv.base, SIGINT, on_signal, srv.base);
    struct event *sigterm = evsignal_new(srv.base, SIGTERM, on_signal, srv.base);
    event_add(sigint, NULL);
    event_add(sigterm, NULL);
    struct ticker ticker = { &srv, false };
    struct event *tick = event_new(srv.base, -1, EV_PERSIST, on_tick, &ticker);
    struct timeval every = { (time_t)o->snapshot_seconds, 0 };
    event_add(tick, &every);
    lo_log(LO_LOG_INFO, "%s: serving on %s (TLS), %d workers",
            store, o->listen, o->workers);
    /* the loop runs no Lisp code: collections need not wait for it,
     * and it steps in only to read (direct.h) when none runs */
    lo_lisp_wait_begin(sys.L);
    event_base_dispatch(srv.base);
    lo_lisp_wait_end(sys.L);
    evconnlistener_free(listener);
    event_free(tick);
    lo_sessions_close(&srv);
    lo_pool_stop(srv.pool);
    lo_watches_free(srv.watches);
    msgpack_sbuffer_destroy(&srv.direct_reply);
    msgpack_zone_destroy(&srv.message_zone);
    if (srv.metrics)
        evhttp_free(srv.metrics);
    bool ok = close_system(&sys);
    event_free(sigint);
    event_free(sigterm);
    event_base_free(srv.base);
    SSL_CTX_free(srv.tls);
    lo_log(LO_LOG_INFO, "stopped%s",
            ok ? " after a final snapshot" : "");
    return ok ? 0 : 1;
}

/* The number text of option, lo to hi, into *out; false (said on stderr)
 * when it is none. */
static bool number_arg(const char *option, const char *text, long lo,
                       long hi, long *out)
{
    char *end;
    errno = 0;
    *out = strtol(text, &end, 10);
    if (!*text || *end || errno || *out < lo || *out > hi) {
        fprintf(stderr, "lispos-server: bad %s '%s' (%ld to %ld)\n", option,
                text, lo, hi);
        return false;
    }
    return true;
}

static bool size_arg(const char *option, const char *text, uint64_t *out)
{
    if ((*out = lo_parse_size(text)))
        return true;
    fprintf(stderr, "lispos-server: bad %s '%s' (bytes: 512M, 4G ...)\n",
            option, text);
    return false;
}

/* The option name (without "--") set to value, from the command line or
 * the config file (whose keys are the options' names): false when the
 * name is unknown or the value bad (said on stderr).  Strings are kept
 * as given: value must outlive o. */
static bool set_option(struct options *o, const char *name, const char *value)
{
    long n;
    uint64_t bytes;
    char option[64];
    snprintf(option, sizeof option, "--%s", name);
    if (!strcmp(name, "data")) {
        o->data = value;
    } else if (!strcmp(name, "disk")) {
        o->disk = value;
    } else if (!strcmp(name, "metrics")) {
        o->metrics = value;
    } else if (!strcmp(name, "log")) {
        if (!lo_host_log_to(value)) {
            fprintf(stderr, "lispos-server: cannot open the log %s: %s\n",
                    value, strerror(errno));
            return false;
        }
    } else if (!strcmp(name, "log-level")) {
        if (!lo_host_log_level(value)) {
            fprintf(stderr, "lispos-server: bad %s '%s' (debug, info, warn, "
                    "error or off)\n", option, value);
            return false;
        }
    } else if (!strcmp(name, "memory")) {
        if (!size_arg(option, value, &o->memory))
            return false;
    } else if (!strcmp(name, "max-connections")) {
        if (!number_arg(option, value, 1, 1000000, &n))
            return false;
        o->max_connections = (unsigned)n;
    } else if (!strcmp(name, "max-connections-per-user")) {
        if (!number_arg(option, value, 1, 1000000, &n))
            return false;
        o->max_per_user = (unsigned)n;
    } else if (!strcmp(name, "listen")) {
        o->listen = value;
    } else if (!strcmp(name, "size")) {
        if (!size_arg(option, value, &o->size))
            return false;
    } else if (!strcmp(name, "workers")) {
        if (!number_arg(option, value, 1, 256, &n))
            return false;
        o->workers = (int)n;
    } else if (!strcmp(name, "snapshot-interval")) {
        if (!number_arg(option, value, 1, 86400, &n))
            return false;
        o->snapshot_seconds = (unsigned)n;
    } else if (!strcmp(name, "login-timeout")) {
        if (!number_arg(option, value, 1, 3600, &n))
            return false;
        o->login_seconds = (unsigned)n;
    } else if (!strcmp(name, "idle-timeout")) {
        if (!number_arg(option, value, 1, 7 * 86400, &n))
            return false;
        o->idle_seconds = (unsigned)n;
    } else if (!strcmp(name, "max-eval-seconds")) {
        if (!number_arg(option, value, 1, 86400, &n))
            return false;
        o->limits.wall_ns = (uint64_t)n * 1000000000;
    } else if (!strcmp(name, "max-eval-bytes")) {
        if (!size_arg(option, value, &bytes))
            return false;
        o->limits.bytes = bytes;
    } else if (!strcmp(name, "max-eval-steps")) {
        if (!number_arg(option, value, 0, LONG_MAX, &n))
            return false;
        o->limits.steps = (uint64_t)n;
    } else if (!strcmp(name, "max-message-bytes")) {
        if (!size_arg(option, value, &bytes))
            return false;
        if (bytes < 4096 || bytes > (1ull << 30)) {
            fprintf(stderr, "lispos-server: bad %s '%s' (4K to 1G)\n",
                    option, value);
            return false;
        }
        o->max_message = bytes;
    } else if (!strcmp(name, "max-depth")) {
        /* msgpack-c reads 32 levels at most: more could never be read */
        if (!number_arg(option, value, 4, 32, &n))
            return false;
        o->max_depth = (unsigned)n;
    } else if (!strcmp(name, "max-in-flight")) {
        if (!number_arg(option, value, 1, 4096, &n))
            return false;
        o->max_in_flight = (unsigned)n;
    } else {
        fprintf(stderr, "lispos-server: no option %s\n", option);
        return false;
    }
    return true;
}

/* ---- the config file: INI, every key an option's name ----------------- */

struct config {
    struct options *o;
    const char *path;
    bool bad;
};

/* The values read from the file, which o points at, freed at the end. */
enum { KEPT_MOST = 64 };
static char *kept[KEPT_MOST];
static int kept_count;

static void free_kept(void)
{
    while (kept_count > 0)
        free(kept[--kept_count]);
}

static int config_line(void *arg, const char *section, const char *name,
                       const char *value)
{
    struct config *c = arg;
    if (strcmp(section, "server")) {
        fprintf(stderr, "lispos-server: %s: no section [%s] (only "
                "[server])\n", c->path, section);
        c->bad = true;
        return 0;
    }
    char *copy = kept_count < KEPT_MOST ? strdup(value) : NULL;
    if (copy)
        kept[kept_count++] = copy;
    if (!copy || !set_option(c->o, name, copy)) {
        fprintf(stderr, "lispos-server: %s: in [server], %s = %s\n", c->path,
                name, value);
        c->bad = true;
        return 0;
    }
    return 1;
}

static bool read_config(struct options *o, const char *path)
{
    struct config c = { o, path, false };
    int line = ini_parse(path, config_line, &c);
    if (line < 0) {
        fprintf(stderr, "lispos-server: cannot read the config file %s\n",
                path);
        return false;
    }
    if (line > 0 && !c.bad)
        fprintf(stderr, "lispos-server: %s:%d: not INI (key = value)\n",
                path, line);
    return line == 0 && !c.bad;
}

int main(int argc, char **argv)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    struct options o = { .data = "data", .listen = DEFAULT_LISTEN,
                         .size = 1ull << 30,
                         .memory = (uint64_t)sysconf(_SC_PHYS_PAGES) *
                                   (uint64_t)sysconf(_SC_PAGESIZE) / 2,
                         .max_connections = 1024, .max_per_user = 64,
                         .max_message = 16u << 20, .max_depth = 32,
                         .max_in_flight = 64,
                         .workers = cores > 2 ? (int)cores : 2,
                         .snapshot_seconds = 60,
                         .login_seconds = 30, .idle_seconds = 3600,
                         .limits = { .bytes = 1ull << 30,
                                     .wall_ns = 60ull * 1000000000 } };
    /* the config file first, so that the command line overrides it */
    atexit(free_kept);
    for (int i = 1; i + 1 < argc; i++)
        if (!strcmp(argv[i], "--config") && !read_config(&o, argv[i + 1]))
            return 2;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--version")) {
            lo_print_version(stdout, "lispos-server");
            return 0;
        } else if (!strcmp(a, "--init")) {
            o.init = true;
        } else if (!strcmp(a, "--config") && i + 1 < argc) {
            i++;                        /* read above */
        } else if (!strncmp(a, "--", 2) && a[2] && i + 1 < argc) {
            if (!set_option(&o, a + 2, argv[++i])) {
                usage(stderr);
                return 2;
            }
        } else {
            fprintf(stderr, "lispos-server: unexpected argument '%s'\n", a);
            usage(stderr);
            return 2;
        }
    }
    signal(SIGPIPE, SIG_IGN);
    if (!lo_password_init()) {
        fprintf(stderr, "lispos-server: libsodium cannot start\n");
        return 1;
    }
    return o.init ? init(&o) : serve(&o);
}
