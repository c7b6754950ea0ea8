/*
 * metrics.c -- the Prometheus figures over HTTP (metrics.h).  libevent's
 * evhttp serves on the server's loop; the figures are gathered on a
 * worker (counting the entries runs Lisp), and the reply is sent when
 * that job is done.  The request is owned meanwhile: if its client goes,
 * evhttp_send_reply frees it without sending.
 */
#include <event2/buffer.h>
#include <event2/http.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/metrics.h"

struct scrape {
    struct lo_job job;
    struct lo_server *srv;
    struct evhttp_request *req;
    struct lo_server_figures f;
};

static void run_scrape(lo_lisp *W, struct lo_job *job)
{
    struct scrape *sc = (struct scrape *)job;
    lo_server_figures(W, sc->srv, &sc->f);
}

static void figure(struct evbuffer *b, const char *name, const char *type,
                   const char *help, uint64_t value)
{
    evbuffer_add_printf(b, "# HELP lispos_%s %s\n# TYPE lispos_%s %s\n"
                        "lispos_%s %llu\n", name, help, name, type, name,
                        (unsigned long long)value);
}

static void scrape_done(struct lo_job *job)
{
    struct scrape *sc = (struct scrape *)job;
    const struct lo_server_figures *f = &sc->f;
    struct evbuffer *b = evbuffer_new();
    if (b) {
        figure(b, "store_bytes", "gauge", "Bytes of the store in use.",
               f->store_bytes);
        figure(b, "store_capacity_bytes", "gauge", "Bytes the store can hold.",
               f->store_capacity);
        figure(b, "resident_bytes", "gauge",
               "Bytes of the store in main memory.", f->resident_bytes);
        figure(b, "entries", "gauge", "Entries in the object store.",
               f->entries);
        figure(b, "users", "gauge", "User accounts.", f->users);
        figure(b, "sessions", "gauge", "Open connections.",
               sc->srv->sessions);
        figure(b, "requests_total", "counter", "Requests since the start.",
               f->requests);
        figure(b, "direct_requests_total", "counter",
               "Of them, answered by the event loop without a worker.",
               f->direct_requests);
        figure(b, "uptime_seconds", "gauge", "Seconds since the start.",
               f->uptime);
        figure(b, "snapshots_total", "counter",
               "Durable snapshots since the start.", f->snapshots);
        figure(b, "last_snapshot_timestamp_seconds", "gauge",
               "Unix time of the last snapshot (0: none yet).",
               f->last_snapshot);
        figure(b, "snapshot_stall_microseconds", "gauge",
               "How long the last snapshot's flip stopped the world.",
               f->snapshot_stall_us);
        figure(b, "page_faults_total", "counter",
               "Pages read from disk on demand.", f->faults);
        figure(b, "write_faults_total", "counter",
               "First writes to pages since their snapshot.", f->write_faults);
        figure(b, "gc_collections_total", "counter", "Collections.",
               f->gc_collections);
        figure(b, "gc_young_collections_total", "counter",
               "Young collections (of all collections).", f->gc_young);
        figure(b, "gc_pause_max_microseconds", "gauge",
               "The longest collection pause.", f->gc_pause_max_us);
        figure(b, "gc_pause_microseconds_total", "counter",
               "All collection pauses.", f->gc_pause_total_us);
        evhttp_add_header(evhttp_request_get_output_headers(sc->req),
                          "Content-Type", "text/plain; version=0.0.4");
    }
    if (b)
        evhttp_send_reply(sc->req, HTTP_OK, "OK", b);
    else
        evhttp_send_reply(sc->req, HTTP_INTERNAL, "Out of memory", NULL);
    if (b)
        evbuffer_free(b);
    free(sc);
}

static void on_request(struct evhttp_request *req, void *arg)
{
    struct lo_server *srv = arg;
    const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
    if (evhttp_request_get_command(req) != EVHTTP_REQ_GET || !path ||
        strcmp(path, "/metrics")) {
        evhttp_send_error(req, HTTP_NOTFOUND, "only GET /metrics is here");
        return;
    }
    struct scrape *sc = calloc(1, sizeof *sc);
    if (!sc) {
        evhttp_send_error(req, HTTP_INTERNAL, "out of memory");
        return;
    }
    sc->job.run = run_scrape;
    sc->job.done = scrape_done;
    sc->srv = srv;
    sc->req = req;
    evhttp_request_own(req);
    lo_pool_submit(srv->pool, &sc->job);
}

bool lo_metrics_start(struct lo_server *srv, const char *address)
{
    char host[256];
    const char *colon = strrchr(address, ':');
    char *end;
    long port = colon ? strtol(colon + 1, &end, 10) : -1;
    size_t host_len = colon ? (size_t)(colon - address) : 0;
    if (!colon || *end || port < 1 || port > 65535 || host_len == 0 ||
        host_len >= sizeof host) {
        lo_log(LO_LOG_ERROR, "bad --metrics '%s' (HOST:PORT)", address);
        return false;
    }
    memcpy(host, address, host_len);
    host[host_len] = 0;
    if (host[0] == '[' && host_len > 2 && host[host_len - 1] == ']') {
        memmove(host, host + 1, host_len - 2);
        host[host_len - 2] = 0;
    }
    struct evhttp *http = evhttp_new(srv->base);
    if (!http || evhttp_bind_socket(http, host, (uint16_t)port) != 0) {
        lo_log(LO_LOG_ERROR, "cannot serve the metrics on %s", address);
        if (http)
            evhttp_free(http);
        return false;
    }
    evhttp_set_allowed_methods(http, EVHTTP_REQ_GET);
    evhttp_set_gencb(http, on_request, srv);
    evhttp_set_timeout(http, 30);
    srv->metrics = http;
    lo_log(LO_LOG_INFO, "metrics on http://%s/metrics", address);
    return true;
}
